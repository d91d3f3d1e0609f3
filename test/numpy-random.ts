//! numpy's `np.random.default_rng(seed)` for an integer seed: SeedSequence, PCG64 (XSL-RR) and the draws the ekg kit uses (`random`, `standard_normal`), bit for bit.
import { FI, KI, WI, ZIGGURAT_INV_R, ZIGGURAT_R } from "./numpy-ziggurat.js";

const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;

/* SeedSequence's hash constants (numpy/random/bit_generator.pyx). */
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16;
const POOL_SIZE = 4;

/** PCG64's 128-bit LCG multiplier (PCG_DEFAULT_MULTIPLIER_128). */
const PCG_MULT = (2549297995355413924n << 64n) | 4865540595714422341n;

/** 2^-53: `next_double` keeps a draw's top 53 bits. */
const DOUBLE_UNIT = 1 / 9007199254740992;

/**
 * numpy's `SeedSequence(seed).generate_state(words, np.uint32)` for a non-negative integer seed
 * and no spawn key: the seed's 32-bit words, low first, hashed into a pool of four, then drawn out.
 */
export function seedSequenceState(seed: bigint, words: number): number[] {
  const entropy: number[] = [];
  for (let n = seed; entropy.length === 0 || n > 0n; n >>= 32n) entropy.push(Number(n & 0xffffffffn));
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> XSHIFT)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> XSHIFT)) >>> 0;
  };
  const pool = Array.from({ length: POOL_SIZE }, (_, i) => hashmix(i < entropy.length ? entropy[i]! : 0));
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) if (src !== dst) pool[dst] = mix(pool[dst]!, hashmix(pool[src]!));
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst]!, hashmix(entropy[src]!));
  }
  const out: number[] = [];
  let hashB = INIT_B;
  for (let i = 0; i < words; i++) {
    let v = (pool[i % POOL_SIZE]! ^ hashB) >>> 0;
    hashB = Math.imul(hashB, MULT_B) >>> 0;
    v = Math.imul(v, hashB) >>> 0;
    out.push((v ^ (v >>> XSHIFT)) >>> 0);
  }
  return out;
}

/** `generate_state(words, np.uint64)`: twice the 32-bit words, paired little-endian. */
export function seedSequenceState64(seed: bigint, words: number): bigint[] {
  const w = seedSequenceState(seed, 2 * words);
  return Array.from({ length: words }, (_, i) => (BigInt(w[2 * i + 1]!) << 32n) | BigInt(w[2 * i]!));
}

/** numpy's `Generator(PCG64(seed))`, i.e. `np.random.default_rng(seed)`, for the draws the kit needs. */
export class NumpyRng {
  private state: bigint;
  private readonly inc: bigint;

  constructor(seed: number | bigint) {
    // PCG64 seeds from four 64-bit words: (w0, w1) the initial state, (w2, w3) the stream
    // (pcg64_set_seed, then pcg_setseq_128_srandom_r).
    const [s0, s1, i0, i1] = seedSequenceState64(BigInt(seed), 4) as [bigint, bigint, bigint, bigint];
    this.inc = ((((i0 << 64n) | i1) << 1n) | 1n) & MASK128;
    this.state = 0n;
    this.step();
    this.state = (this.state + ((s0 << 64n) | s1)) & MASK128;
    this.step();
  }

  private step(): void {
    this.state = (this.state * PCG_MULT + this.inc) & MASK128;
  }

  /** The next 64-bit output: step, then XSL-RR (high ^ low, rotated right by the top 6 bits). */
  nextUint64(): bigint {
    this.step();
    const hi = this.state >> 64n;
    const x = (hi ^ this.state) & MASK64;
    const rot = hi >> 58n;
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & MASK64;
  }

  /** `rng.random()`: numpy's `next_double`, the top 53 bits times 2^-53. */
  random(): number {
    return Number(this.nextUint64() >> 11n) * DOUBLE_UNIT;
  }

  /** `rng.standard_normal()`: numpy's `random_standard_normal`, its 256-layer ziggurat. */
  standardNormal(): number {
    for (;;) {
      let r = this.nextUint64();
      const idx = Number(r & 0xffn);
      r >>= 8n;
      const negative = (r & 1n) === 1n;
      const rabsBig = (r >> 1n) & 0xfffffffffffffn;
      const rabs = Number(rabsBig); // 52 bits: exact
      let x = rabs * WI[idx]!;
      if (negative) x = -x;
      if (rabs < KI[idx]!) return x;
      if (idx === 0) {
        // The tail beyond r (1 − U, so no log(0)).
        for (;;) {
          const xx = -ZIGGURAT_INV_R * Math.log1p(-this.random());
          const yy = -Math.log1p(-this.random());
          if (yy + yy > xx * xx) return ((rabsBig >> 8n) & 1n) === 1n ? -(ZIGGURAT_R + xx) : ZIGGURAT_R + xx;
        }
      }
      if ((FI[idx - 1]! - FI[idx]!) * this.random() + FI[idx]! < Math.exp(-0.5 * x * x)) return x;
    }
  }

  /** `rng.standard_normal(n)`. */
  standardNormals(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.standardNormal();
    return out;
  }
}
