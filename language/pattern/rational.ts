//! Exact rational numbers for pattern time: numerator/denominator as safe integers, always reduced.

function gcd(a: number, b: number): number {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Thrown when a computation would leave the range where time stays exact. */
export class TimeRangeError extends Error {
  override name = "TimeRangeError";
}

function overflow(what: string): never {
  throw new TimeRangeError(`pattern time overflow in ${what}: the numbers grew beyond 2^53; simplify the pattern`);
}

const FAREY_LIMIT = 10_000_000;
const numberCache = new Map<number, Rational>();

/** An exact fraction n/d with d > 0 and gcd(n, d) = 1. Immutable. */
export class Rational {
  readonly n: number;
  readonly d: number;

  private constructor(n: number, d: number) {
    this.n = n;
    this.d = d;
  }

  /** Build n/d, reducing it. Non-integer inputs are divided as numbers and converted with fromNumber. */
  static of(n: number, d = 1): Rational {
    if (d === 0) throw new RangeError("division by zero in pattern time");
    if (!Number.isInteger(n) || !Number.isInteger(d)) return Rational.fromNumber(n / d);
    return reduce(n, d, "fraction");
  }

  /**
   * A number as a fraction, with the rule Strudel's fraction.js applies to every number it is
   * given: integers are exact; other values become the fraction with denominator at most 10^7
   * that the Farey (Stern–Brocot) walk reaches first, after scaling values ≥ 1 by a power of 10.
   * So 0.1 → 1/10, 0.3333333333333333 → 1/3, 1.5 → 3/2, 0.0003 → 3/10000.
   */
  static fromNumber(x: number): Rational {
    if (Number.isInteger(x)) {
      if (!Number.isSafeInteger(x)) overflow("number");
      return new Rational(x === 0 ? 0 : x, 1);
    }
    if (!Number.isFinite(x)) throw new RangeError(`not a finite time: ${x}`);
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
    if (m) return Rational.of(Number(m[1]), Number(m[2]));
    const x = Number(s);
    if (Number.isNaN(x)) throw new RangeError(`not a time: "${s}"`);
    return Rational.fromNumber(x);
  }

  /** Internal: n/d known to be reduced with d > 0. */
  static unsafe(n: number, d: number): Rational {
    return new Rational(n, d);
  }

  static readonly ZERO = new Rational(0, 1);
  static readonly ONE = new Rational(1, 1);
  static readonly HALF = new Rational(1, 2);

  add(o: Rational): Rational {
    if (o.n === 0) return this;
    if (this.n === 0) return o;
    if (this.d === 1) {
      if (o.d === 1) return int(this.n + o.n, "add");
      // n + a/b = (n·b + a)/b, already reduced since gcd(a, b) = 1.
      return exact(this.n * o.d + o.n, o.d, "add");
    }
    if (o.d === 1) return exact(o.n * this.d + this.n, this.d, "add");
    if (this.d === o.d) return reduce(this.n + o.n, this.d, "add");
    return reduce(this.n * o.d + o.n * this.d, this.d * o.d, "add");
  }
  sub(o: Rational): Rational {
    if (o.n === 0) return this;
    if (this.d === 1) {
      if (o.d === 1) return int(this.n - o.n, "sub");
      return exact(this.n * o.d - o.n, o.d, "sub");
    }
    if (o.d === 1) return exact(this.n - o.n * this.d, this.d, "sub");
    if (this.d === o.d) return reduce(this.n - o.n, this.d, "sub");
    return reduce(this.n * o.d - o.n * this.d, this.d * o.d, "sub");
  }
  mul(o: Rational): Rational {
    if (this.d === 1 && o.d === 1) return int(this.n * o.n, "mul");
    if (o.n === 1 && o.d !== 1) {
      // x · 1/k: one gcd.
      const g = gcd(this.n, o.d);
      return exact(this.n / g, this.d * (o.d / g), "mul");
    }
    if (o.d === 1) {
      const g = gcd(o.n, this.d);
      return exact(this.n * (o.n / g), this.d / g, "mul");
    }
    if (this.d === 1) {
      const g = gcd(this.n, o.d);
      return exact(o.n * (this.n / g), o.d / g, "mul");
    }
    // Cross-reduce first to keep the numbers small.
    const g1 = gcd(this.n, o.d);
    const g2 = gcd(o.n, this.d);
    const n = (this.n / g1) * (o.n / g2);
    const d = (this.d / g2) * (o.d / g1);
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d)) overflow("mul");
    return new Rational(n === 0 ? 0 : n, n === 0 ? 1 : d);
  }
  div(o: Rational): Rational {
    if (o.n === 0) throw new RangeError("division by zero in pattern time");
    if (o.n < 0) return this.mul(new Rational(-o.d, -o.n));
    return this.mul(new Rational(o.d, o.n));
  }
  neg(): Rational {
    return this.n === 0 ? this : new Rational(-this.n, this.d);
  }
  abs(): Rational {
    return this.n < 0 ? new Rational(-this.n, this.d) : this;
  }
  /** Truncated remainder, with the sign of this (as fraction.js's mod): (-1/4).mod(1) = -1/4. */
  mod(m: Rational): Rational {
    const q = Math.trunc(this.div(m).toNumber());
    return this.sub(m.mul(new Rational(q, 1)));
  }

  cmp(o: Rational): number {
    if (this.d === o.d) return this.n - o.n;
    const a = this.n * o.d;
    const b = o.n * this.d;
    if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return a - b;
    const x = BigInt(this.n) * BigInt(o.d) - BigInt(o.n) * BigInt(this.d);
    return x < 0n ? -1 : x > 0n ? 1 : 0;
  }
  eq(o: Rational): boolean {
    return this.n === o.n && this.d === o.d;
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
    return this.d === 1 ? this : new Rational(Math.floor(this.n / this.d), 1);
  }
  /** The start of the next cycle. */
  nextSam(): Rational {
    return new Rational(Math.floor(this.n / this.d) + 1, 1);
  }
  /** Position within the cycle, in [0, 1). */
  cyclePos(): Rational {
    if (this.d === 1) return Rational.ZERO;
    const f = Math.floor(this.n / this.d);
    return new Rational(this.n - f * this.d, this.d);
  }
  floor(): number {
    return Math.floor(this.n / this.d);
  }
  ceil(): number {
    return Math.ceil(this.n / this.d);
  }

  valueOf(): number {
    return this.n / this.d;
  }
  toNumber(): number {
    return this.n / this.d;
  }
  toString(): string {
    return this.d === 1 ? `${this.n}` : `${this.n}/${this.d}`;
  }
  /** Always "n/d", as the oracle prints times. */
  toFraction(): string {
    return `${this.n}/${this.d}`;
  }
}

/** n/d already known to be reduced (d > 0). */
function exact(n: number, d: number, what: string): Rational {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d)) overflow(what);
  return Rational.unsafe(n === 0 ? 0 : n, n === 0 ? 1 : d);
}

function int(n: number, what: string): Rational {
  if (!Number.isSafeInteger(n)) overflow(what);
  return Rational.unsafe(n === 0 ? 0 : n, 1);
}

function reduce(n: number, d: number, what: string): Rational {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d)) overflow(what);
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
  return reduce(sign * n * z, d, "number");
}

/** Shorthand: a Rational from a number or n/d. */
export function q(n: number | Rational, d = 1): Rational {
  if (n instanceof Rational) return d === 1 ? n : n.div(Rational.of(d));
  return Rational.of(n, d);
}
