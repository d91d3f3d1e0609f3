//! A small FLAC decoder for tests (fixed and LPC subframes, Rice residuals, stereo decorrelation): reads ekg/phonon's reference FLACs independently of the engine.

class Bits {
  pos = 0; // in bits
  constructor(private readonly buf: Uint8Array) {}
  read(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.buf[this.pos >> 3]!;
      v = v * 2 + ((byte >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }
  signed(n: number): number {
    const v = this.read(n);
    return n > 0 && v >= 2 ** (n - 1) ? v - 2 ** n : v;
  }
  unary(): number {
    let q = 0;
    while (this.read(1) === 0) q++;
    return q;
  }
  align(): void {
    this.pos = (this.pos + 7) & ~7;
  }
}

function residual(b: Bits, out: Int32Array | number[], blockSize: number, order: number): void {
  const method = b.read(2);
  if (method > 1) throw new Error(`flac: residual coding method ${method}`);
  const paramBits = method === 0 ? 4 : 5;
  const escape = (1 << paramBits) - 1;
  const partOrder = b.read(4);
  const parts = 1 << partOrder;
  let i = order;
  for (let p = 0; p < parts; p++) {
    const n = (blockSize >> partOrder) - (p === 0 ? order : 0);
    const k = b.read(paramBits);
    if (k === escape) {
      const bits = b.read(5);
      for (let j = 0; j < n; j++) out[i++] = b.signed(bits);
    } else {
      for (let j = 0; j < n; j++) {
        const u = b.unary() * 2 ** k + b.read(k);
        out[i++] = u % 2 ? -(u + 1) / 2 : u / 2;
      }
    }
  }
}

const FIXED: number[][] = [[], [1], [2, -1], [3, -3, 1], [4, -6, 4, -1]];

function subframe(b: Bits, blockSize: number, bps: number): Float64Array {
  const s = new Float64Array(blockSize);
  b.read(1);
  const type = b.read(6);
  let wasted = 0;
  if (b.read(1)) wasted = b.unary() + 1;
  bps -= wasted;
  if (type === 0) s.fill(b.signed(bps));
  else if (type === 1) for (let i = 0; i < blockSize; i++) s[i] = b.signed(bps);
  else {
    let coefs: number[];
    let shift = 0;
    let order: number;
    if (type >= 8 && type <= 12) {
      order = type - 8;
      for (let i = 0; i < order; i++) s[i] = b.signed(bps);
      coefs = FIXED[order]!;
    } else if (type >= 32) {
      order = type - 31;
      for (let i = 0; i < order; i++) s[i] = b.signed(bps);
      const precision = b.read(4) + 1;
      shift = b.signed(5);
      coefs = Array.from({ length: order }, () => b.signed(precision));
    } else throw new Error(`flac: reserved subframe type ${type}`);
    const res = new Int32Array(blockSize);
    residual(b, res, blockSize, order);
    const div = 2 ** shift;
    for (let i = order; i < blockSize; i++) {
      let sum = 0;
      for (let j = 0; j < order; j++) sum += coefs[j]! * s[i - 1 - j]!;
      s[i] = res[i]! + Math.floor(sum / div);
    }
  }
  if (wasted) for (let i = 0; i < blockSize; i++) s[i] = s[i]! * 2 ** wasted;
  return s;
}

/** Decode a whole FLAC file into one Float32Array per channel (full scale ±1). */
export function decodeFlac(buf: Uint8Array): { sampleRate: number; bitsPerSample: number; data: Float32Array[] } {
  if (String.fromCharCode(...buf.subarray(0, 4)) !== "fLaC") throw new Error("flac: no fLaC marker");
  const b = new Bits(buf);
  b.pos = 32;
  let sampleRate = 0;
  let channels = 0;
  let bps = 0;
  let total = 0;
  for (let last = 0; !last; ) {
    last = b.read(1);
    const type = b.read(7);
    const len = b.read(24);
    const end = b.pos + len * 8;
    if (type === 0) {
      b.read(16 + 16 + 24 + 24);
      sampleRate = b.read(20);
      channels = b.read(3) + 1;
      bps = b.read(5) + 1;
      total = b.read(36);
    }
    b.pos = end;
  }
  const data = Array.from({ length: channels }, () => new Float32Array(total));
  const scale = 2 ** (bps - 1);
  let at = 0;
  while (at < total && b.pos + 16 <= buf.length * 8) {
    if (b.read(14) !== 0x3ffe) throw new Error(`flac: lost frame sync at byte ${(b.pos - 14) >> 3}`);
    b.read(2);
    const bsCode = b.read(4);
    const srCode = b.read(4);
    const assign = b.read(4);
    b.read(4); // sample size (STREAMINFO's is used) and a reserved bit
    // The UTF-8-like coded frame or sample number.
    const first = b.read(8);
    for (let extra = first >= 0xc0 ? Math.clz32(~(first << 24)) - 1 : 0; extra > 0; extra--) b.read(8);
    let blockSize: number;
    if (bsCode === 1) blockSize = 192;
    else if (bsCode <= 5) blockSize = 576 << (bsCode - 2);
    else if (bsCode === 6) blockSize = b.read(8) + 1;
    else if (bsCode === 7) blockSize = b.read(16) + 1;
    else blockSize = 256 << (bsCode - 8);
    if (srCode === 12) b.read(8);
    else if (srCode === 13 || srCode === 14) b.read(16);
    b.read(8); // CRC-8
    const n = assign < 8 ? assign + 1 : 2;
    const subs = Array.from({ length: n }, (_, c) => subframe(b, blockSize, bps + ((assign === 8 && c === 1) || (assign === 9 && c === 0) || (assign === 10 && c === 1) ? 1 : 0)));
    if (assign === 8) for (let i = 0; i < blockSize; i++) subs[1]![i] = subs[0]![i]! - subs[1]![i]!;
    else if (assign === 9) for (let i = 0; i < blockSize; i++) subs[0]![i] = subs[0]![i]! + subs[1]![i]!;
    else if (assign === 10)
      for (let i = 0; i < blockSize; i++) {
        const side = subs[1]![i]!;
        const mid = subs[0]! [i]! * 2 + (side % 2 !== 0 ? 1 : 0);
        subs[0]![i] = (mid + side) / 2;
        subs[1]![i] = (mid - side) / 2;
      }
    b.align();
    b.read(16); // CRC-16
    for (let c = 0; c < channels; c++) for (let i = 0; i < blockSize && at + i < total; i++) data[c]![at + i] = subs[c]![i]! / scale;
    at += blockSize;
  }
  return { sampleRate, bitsPerSample: bps, data };
}
