//! Exact rational numbers for pattern time: always reduced, as safe-integer numbers when they fit and as bigints beyond.

function gcd(a: number, b: number): number {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  // `b > 0` rather than `b !== 0`: a big value's NaN denominator must end the loop, not spin it.
  while (b > 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

function bgcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

const FAREY_LIMIT = 10_000_000;
const numberCache = new Map<number, Rational>();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The exact numerator and denominator of a value outside the safe-integer range. */
interface Big {
  readonly n: bigint;
  readonly d: bigint;
}

/**
 * An exact fraction n/d with d > 0 and gcd(n, d) = 1. Immutable.
 *
 * Small values (numerator and denominator safe integers) are held as numbers in `n` and `d`, and
 * every operation takes a number fast path. A value that leaves that range is held exactly as
 * bigints in `big`, as Strudel's fraction.js holds every value; then `n` is ±Infinity (only its
 * sign means anything) and `d` is NaN, so every number fast path fails its safe-integer check
 * and falls through to the bigint path. A bigint result that fits again returns to numbers.
 */
export class Rational {
  readonly n: number;
  readonly d: number;
  readonly big: Big | null;

  private constructor(n: number, d: number, big: Big | null = null) {
    this.n = n;
    this.d = d;
    this.big = big;
  }

  /** Build n/d, reducing it. Non-integer inputs are divided as numbers and converted with fromNumber. */
  static of(n: number, d = 1): Rational {
    if (d === 0) throw new RangeError("division by zero in pattern time");
    if (!Number.isInteger(n) || !Number.isInteger(d)) return Rational.fromNumber(n / d);
    return reduce(n, d) ?? fromBig(BigInt(n), BigInt(d));
  }

  /** n/d from bigints, reduced; small when it fits. */
  static ofBig(n: bigint, d: bigint = 1n): Rational {
    if (d === 0n) throw new RangeError("division by zero in pattern time");
    return fromBig(n, d);
  }

  /**
   * A number as a fraction, with the rule Strudel's fraction.js applies to every number it is
   * given: integers are exact; other values become the fraction with denominator at most 10^7
   * that the Farey (Stern–Brocot) walk reaches first, after scaling values ≥ 1 by a power of 10.
   * So 0.1 → 1/10, 0.3333333333333333 → 1/3, 1.5 → 3/2, 0.0003 → 3/10000.
   */
  static fromNumber(x: number): Rational {
    if (Number.isInteger(x)) {
      if (!Number.isSafeInteger(x)) return fromBig(BigInt(x), 1n);
      return new Rational(x === 0 ? 0 : x, 1);
    }
    if (!Number.isFinite(x)) throw new RangeError(`${x} cannot be a time or a speed: it must be a finite number`);
    const hit = numberCache.get(x);
    if (hit !== undefined) return hit;
    const r = farey(x);
    if (numberCache.size > 4096) numberCache.clear();
    numberCache.set(x, r);
    return r;
  }

  /** Parse "n/d", "n" or a decimal string. */
  static parse(s: string): Rational {
    const m = /^\s*(-?\d+)\s*\/\s*(-?\d+)\s*$/.exec(s);
    if (m) return Rational.ofBig(BigInt(m[1]!), BigInt(m[2]!));
    const x = Number(s);
    if (Number.isNaN(x)) throw new RangeError(`not a time: "${s}"`);
    return Rational.fromNumber(x);
  }

  /** Internal: n/d known to be reduced with d > 0, both safe integers. */
  static unsafe(n: number, d: number): Rational {
    return new Rational(n, d);
  }

  /** Internal: a reduced bigint fraction outside the safe range. */
  static bigUnsafe(n: bigint, d: bigint): Rational {
    return new Rational(n < 0n ? -Infinity : Infinity, NaN, { n, d });
  }

  static readonly ZERO = new Rational(0, 1);
  static readonly ONE = new Rational(1, 1);
  static readonly HALF = new Rational(1, 2);

  /** The exact numerator as a bigint. */
  bigN(): bigint {
    return this.big === null ? BigInt(this.n) : this.big.n;
  }
  /** The exact denominator as a bigint. */
  bigD(): bigint {
    return this.big === null ? BigInt(this.d) : this.big.d;
  }
  /** -1, 0 or 1. */
  sign(): number {
    return this.n < 0 ? -1 : this.n > 0 ? 1 : 0;
  }

  add(o: Rational): Rational {
    if (o.n === 0) return this;
    if (this.n === 0) return o;
    const d1 = this.d;
    const d2 = o.d;
    if (d1 === 1 && d2 === 1) return int(this.n + o.n) ?? bigAdd(this, o);
    if (d1 === d2) return reduce(this.n + o.n, d1) ?? bigAdd(this, o);
    // Each product must be exact: a sum of rounded products can land back in the safe range.
    // n + a/b = (n·b + a)/b is already reduced, since gcd(a, b) = 1.
    if (d1 === 1) return exactSum(this.n * d2, o.n, d2) ?? bigAdd(this, o);
    if (d2 === 1) return exactSum(o.n * d1, this.n, d1) ?? bigAdd(this, o);
    const a = this.n * d2;
    const b = o.n * d1;
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return bigAdd(this, o);
    return reduce(a + b, d1 * d2) ?? bigAdd(this, o);
  }
  sub(o: Rational): Rational {
    if (o.n === 0) return this;
    const d1 = this.d;
    const d2 = o.d;
    if (d1 === 1 && d2 === 1) return int(this.n - o.n) ?? bigAdd(this, o.neg());
    if (d1 === d2) return reduce(this.n - o.n, d1) ?? bigAdd(this, o.neg());
    if (d1 === 1) return exactSum(this.n * d2, -o.n, d2) ?? bigAdd(this, o.neg());
    if (d2 === 1) return exactSum(-o.n * d1, this.n, d1) ?? bigAdd(this, o.neg());
    const a = this.n * d2;
    const b = o.n * d1;
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return bigAdd(this, o.neg());
    return reduce(a - b, d1 * d2) ?? bigAdd(this, o.neg());
  }
  mul(o: Rational): Rational {
    if (this.d === 1 && o.d === 1) return int(this.n * o.n) ?? bigMul(this, o);
    if (o.n === 1 && o.d !== 1) {
      // x · 1/k: one gcd.
      const g = gcd(this.n, o.d);
      return exact(this.n / g, this.d * (o.d / g)) ?? bigMul(this, o);
    }
    if (o.d === 1) {
      const g = gcd(o.n, this.d);
      return exact(this.n * (o.n / g), this.d / g) ?? bigMul(this, o);
    }
    if (this.d === 1) {
      const g = gcd(this.n, o.d);
      return exact(o.n * (this.n / g), o.d / g) ?? bigMul(this, o);
    }
    // Cross-reduce first to keep the numbers small.
    const g1 = gcd(this.n, o.d);
    const g2 = gcd(o.n, this.d);
    const n = (this.n / g1) * (o.n / g2);
    const d = (this.d / g2) * (o.d / g1);
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d)) return bigMul(this, o);
    return new Rational(n === 0 ? 0 : n, n === 0 ? 1 : d);
  }
  div(o: Rational): Rational {
    if (o.n === 0) throw new RangeError("division by zero in pattern time");
    return this.mul(o.inv());
  }
  /** 1/this. */
  inv(): Rational {
    if (this.n === 0) throw new RangeError("division by zero in pattern time");
    if (this.big !== null) return fromBig(this.big.d, this.big.n);
    return this.n < 0 ? new Rational(-this.d, -this.n) : new Rational(this.d, this.n);
  }
  neg(): Rational {
    if (this.big !== null) return Rational.bigUnsafe(-this.big.n, this.big.d);
    return this.n === 0 ? this : new Rational(-this.n, this.d);
  }
  abs(): Rational {
    return this.n < 0 ? this.neg() : this;
  }
  /** Truncated remainder, with the sign of this (as fraction.js's mod): (-1/4).mod(1) = -1/4. */
  mod(m: Rational): Rational {
    if (this.big === null && m.big === null) {
      const q = Math.trunc(this.div(m).toNumber());
      if (Number.isSafeInteger(q)) return this.sub(m.mul(new Rational(q, 1)));
    }
    const x = this.div(m);
    const q = x.bigN() / x.bigD(); // bigint division truncates toward zero
    return this.sub(m.mul(fromBig(q, 1n)));
  }

  cmp(o: Rational): number {
    if (this.d === o.d) return this.n - o.n;
    const a = this.n * o.d;
    const b = o.n * this.d;
    if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return a - b;
    const x = this.bigN() * o.bigD() - o.bigN() * this.bigD();
    return x < 0n ? -1 : x > 0n ? 1 : 0;
  }
  eq(o: Rational): boolean {
    if (this.n === o.n && this.d === o.d) return true;
    return this.big !== null && o.big !== null && this.big.n === o.big.n && this.big.d === o.big.d;
  }
  lt(o: Rational): boolean {
    return this.cmp(o) < 0;
  }
  lte(o: Rational): boolean {
    return this.cmp(o) <= 0;
  }
  gt(o: Rational): boolean {
    return this.cmp(o) > 0;
  }
  gte(o: Rational): boolean {
    return this.cmp(o) >= 0;
  }
  min(o: Rational): Rational {
    return this.cmp(o) <= 0 ? this : o;
  }
  max(o: Rational): Rational {
    return this.cmp(o) >= 0 ? this : o;
  }
  isZero(): boolean {
    return this.n === 0;
  }

  /** The start of the cycle containing this time. */
  sam(): Rational {
    if (this.d === 1) return this;
    if (this.big === null) return new Rational(Math.floor(this.n / this.d), 1);
    return fromBig(bigFloor(this.big.n, this.big.d), 1n);
  }
  /** The start of the next cycle. */
  nextSam(): Rational {
    if (this.big === null) return Rational.of(Math.floor(this.n / this.d) + 1, 1);
    return fromBig(bigFloor(this.big.n, this.big.d) + 1n, 1n);
  }
  /** Position within the cycle, in [0, 1). */
  cyclePos(): Rational {
    if (this.d === 1) return Rational.ZERO;
    if (this.big !== null) return this.sub(this.sam());
    const f = Math.floor(this.n / this.d);
    return new Rational(this.n - f * this.d, this.d);
  }
  /** The cycle number (exact while it is a safe integer, as any cycle a query can reach is). */
  floor(): number {
    if (this.big === null) return Math.floor(this.n / this.d);
    return Number(bigFloor(this.big.n, this.big.d));
  }
  ceil(): number {
    if (this.big === null) return Math.ceil(this.n / this.d);
    return -Number(bigFloor(-this.big.n, this.big.d));
  }

  valueOf(): number {
    return this.toNumber();
  }
  toNumber(): number {
    if (this.big === null) return this.n / this.d;
    return bigToNumber(this.big.n, this.big.d);
  }
  toString(): string {
    if (this.big !== null) return this.big.d === 1n ? `${this.big.n}` : `${this.big.n}/${this.big.d}`;
    return this.d === 1 ? `${this.n}` : `${this.n}/${this.d}`;
  }
  /** Always "n/d", as the oracle prints times. */
  toFraction(): string {
    if (this.big !== null) return `${this.big.n}/${this.big.d}`;
    return `${this.n}/${this.d}`;
  }
}

/** floor(n/d) for d > 0. */
function bigFloor(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n < 0n && q * d !== n ? q - 1n : q;
}

/**
 * n/d as a double the way Strudel's fraction.js gives it (valueOf: each of n and d rounded to a
 * double, then divided), so that signals, random values and the comparisons Strudel makes in
 * numbers see the same double at any time (n and d have at most MAX_TIME_BITS bits, so both stay
 * finite).
 */
function bigToNumber(n: bigint, d: bigint): number {
  return Number(n) / Number(d);
}

/**
 * The exact sum of two values, at least one outside the safe range, by Knuth's method: the gcds
 * are taken of the denominators and of a small factor, never of the full product (a gcd of two
 * 1,000-bit numbers costs hundreds of bigint divisions).
 */
function bigAdd(a: Rational, b: Rational): Rational {
  const an = a.bigN();
  const ad = a.bigD();
  const bn = b.bigN();
  const bd = b.bigD();
  const g = bgcd(ad, bd);
  if (g === 1n) return fromReduced(an * bd + bn * ad, ad * bd);
  const t = an * (bd / g) + bn * (ad / g);
  if (t === 0n) return Rational.ZERO;
  const g2 = bgcd(t, g);
  return fromReduced(t / g2, (ad / g) * (bd / g2));
}

/** The exact product, cross-reduced first so the result needs no gcd of its own. */
function bigMul(a: Rational, b: Rational): Rational {
  const an = a.bigN();
  const ad = a.bigD();
  const bn = b.bigN();
  const bd = b.bigD();
  if (an === 0n || bn === 0n) return Rational.ZERO;
  const g1 = bgcd(an, bd);
  const g2 = bgcd(bn, ad);
  return fromReduced((an / g1) * (bn / g2), (ad / g2) * (bd / g1));
}

/** n/d already reduced with d > 0: numbers when both fit, bigints otherwise. */
function fromReduced(n: bigint, d: bigint): Rational {
  if (n === 0n) return Rational.ZERO;
  if (n <= MAX_SAFE && n >= -MAX_SAFE && d <= MAX_SAFE) return Rational.unsafe(Number(n), Number(d));
  if (n > MAX_BIG || n < -MAX_BIG || d > MAX_BIG) throw new TimeRangeError();
  return Rational.bigUnsafe(n, d);
}

/**
 * The most bits a time's numerator or denominator may have. Far-cycle times with irrational
 * speeds need about 100; a value like 1e150 as a weight or speed (500 bits) makes every sum a gcd
 * of long bigints, seconds a cycle, for events far too fine to play.
 */
export const MAX_TIME_BITS = 256;
const MAX_BIG = 1n << BigInt(MAX_TIME_BITS);

/** Thrown when a time would need more than MAX_TIME_BITS. */
export class TimeRangeError extends RangeError {
  constructor() {
    super(
      `pattern time would need more than ${MAX_TIME_BITS} bits of precision: a number like 1e100 as a weight, speed or time makes events far too fine to play`,
    );
    this.name = "TimeRangeError";
  }
}

/** Reduce n/d (d ≠ 0); numbers when both fit, bigints otherwise. */
function fromBig(n: bigint, d: bigint): Rational {
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  if (n === 0n) return Rational.ZERO;
  const g = bgcd(n, d);
  if (g !== 1n) {
    n /= g;
    d /= g;
  }
  if (n <= MAX_SAFE && n >= -MAX_SAFE && d <= MAX_SAFE) return Rational.unsafe(Number(n), Number(d));
  if (n > MAX_BIG || n < -MAX_BIG || d > MAX_BIG) throw new TimeRangeError();
  return Rational.bigUnsafe(n, d);
}

/** n/d already known to be reduced (d > 0); undefined when either leaves the safe range. */
/** (p + k)/d for a product p that must itself be exact (already reduced: gcd(k, d) = 1). */
function exactSum(p: number, k: number, d: number): Rational | undefined {
  return Number.isSafeInteger(p) ? exact(p + k, d) : undefined;
}

function exact(n: number, d: number): Rational | undefined {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d)) return undefined;
  return Rational.unsafe(n === 0 ? 0 : n, n === 0 ? 1 : d);
}

function int(n: number): Rational | undefined {
  if (!Number.isSafeInteger(n)) return undefined;
  return Rational.unsafe(n === 0 ? 0 : n, 1);
}

function reduce(n: number, d: number): Rational | undefined {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d)) return undefined;
  if (d < 0) {
    n = -n;
    d = -d;
  }
  if (n === 0) return Rational.ZERO;
  if (d === 1) return Rational.unsafe(n, 1);
  const g = gcd(n, d);
  return g === 1 ? Rational.unsafe(n, d) : Rational.unsafe(n / g, d / g);
}

/** fraction.js's conversion of a non-integer double (see Rational.fromNumber). */
function farey(x: number): Rational {
  let sign = 1;
  if (x < 0) {
    sign = -1;
    x = -x;
  }
  let z = 1;
  if (x >= 1) {
    z = 10 ** Math.floor(1 + Math.log10(x));
    x /= z;
  }
  let A = 0;
  let B = 1;
  let C = 1;
  let D = 1;
  let n = 0;
  let d = 1;
  // Skip the first long run of the walk for values near 0 or 1 (the same steps, taken at once):
  // every mediant 1/(1+k) skipped is still above x (resp. k/(k+1) below x), so none equals x.
  if (x < 0.25) {
    D = Math.min(FAREY_LIMIT + 1, Math.max(1, Math.floor(1 / x) - 2));
  } else if (x > 0.75) {
    const k = Math.min(FAREY_LIMIT, Math.max(0, Math.floor(1 / (1 - x)) - 3));
    A = k;
    B = k + 1;
    if (B > FAREY_LIMIT) {
      n = C;
      d = D;
    } else {
      n = A;
      d = B;
    }
  }
  while (B <= FAREY_LIMIT && D <= FAREY_LIMIT) {
    const M = (A + C) / (B + D);
    if (x === M) {
      if (B + D <= FAREY_LIMIT) {
        n = A + C;
        d = B + D;
      } else if (D > B) {
        n = C;
        d = D;
      } else {
        n = A;
        d = B;
      }
      break;
    }
    if (x > M) {
      A += C;
      B += D;
    } else {
      C += A;
      D += B;
    }
    if (B > FAREY_LIMIT) {
      n = C;
      d = D;
    } else {
      n = A;
      d = B;
    }
  }
  return reduce(sign * n * z, d) ?? fromBig(BigInt(sign * n) * BigInt(z), BigInt(d));
}

/** Shorthand: a Rational from a number or n/d. */
export function q(n: number | Rational, d = 1): Rational {
  if (n instanceof Rational) return d === 1 ? n : n.div(Rational.of(d));
  return Rational.of(n, d);
}
