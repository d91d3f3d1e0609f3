//! Exact rational numbers for pattern time: numerator/denominator as safe integers, always reduced.

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Thrown when a computation would leave the range where time stays exact. */
export class TimeRangeError extends Error {}

function checked(n: number, what: string): number {
  if (!Number.isSafeInteger(n)) {
    throw new TimeRangeError(`pattern time overflow in ${what}: the numbers grew beyond 2^53; simplify the pattern`);
  }
  return n;
}

/** An exact fraction n/d with d > 0 and gcd(n, d) = 1. Immutable. */
export class Rational {
  readonly n: number;
  readonly d: number;

  private constructor(n: number, d: number) {
    this.n = n;
    this.d = d;
  }

  /** Build n/d, reducing it. */
  static of(n: number, d = 1): Rational {
    if (d === 0) throw new RangeError("division by zero in pattern time");
    if (!Number.isInteger(n) || !Number.isInteger(d)) return Rational.fromNumber(n / d);
    if (d < 0) {
      n = -n;
      d = -d;
    }
    const g = gcd(n, d);
    return g === 1 ? new Rational(checked(n, "fraction"), checked(d, "fraction")) : new Rational(n / g, d / g);
  }

  /**
   * The exact value of a JavaScript number (every finite double is a dyadic rational), reduced.
   * Decimal literals such as 0.1 are taken as the nearest short fraction first, as Strudel's
   * fraction.js does for parsed numbers: 0.1 → 1/10, 1/3 written as 0.333… stays a decimal.
   */
  static fromNumber(x: number): Rational {
    if (!Number.isFinite(x)) throw new RangeError(`not a finite time: ${x}`);
    if (Number.isInteger(x)) return new Rational(checked(x, "number"), 1);
    // Try decimal denominators 10^k first: 0.25 → 1/4, 0.1 → 1/10.
    let d = 1;
    for (let k = 0; k < 12; k++) {
      d *= 10;
      const n = Math.round(x * d);
      if (n / d === x) return Rational.of(n, d);
    }
    // Fall back to the exact binary fraction.
    let n = x;
    d = 1;
    while (!Number.isInteger(n)) {
      n *= 2;
      d *= 2;
    }
    return Rational.of(checked(n, "number"), checked(d, "number"));
  }

  static readonly ZERO = new Rational(0, 1);
  static readonly ONE = new Rational(1, 1);

  add(o: Rational): Rational {
    if (this.d === o.d) return Rational.of(this.n + o.n, this.d);
    return Rational.of(checked(this.n * o.d + o.n * this.d, "add"), checked(this.d * o.d, "add"));
  }
  sub(o: Rational): Rational {
    if (this.d === o.d) return Rational.of(this.n - o.n, this.d);
    return Rational.of(checked(this.n * o.d - o.n * this.d, "sub"), checked(this.d * o.d, "sub"));
  }
  mul(o: Rational): Rational {
    return Rational.of(checked(this.n * o.n, "mul"), checked(this.d * o.d, "mul"));
  }
  div(o: Rational): Rational {
    if (o.n === 0) throw new RangeError("division by zero in pattern time");
    return Rational.of(checked(this.n * o.d, "div"), checked(this.d * o.n, "div"));
  }
  neg(): Rational {
    return new Rational(-this.n, this.d);
  }

  cmp(o: Rational): number {
    if (this.d === o.d) return this.n - o.n;
    const a = this.n * o.d;
    const b = o.n * this.d;
    if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return a - b;
    // Exact fallback for huge cross products.
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
    return this.lte(o) ? this : o;
  }
  max(o: Rational): Rational {
    return this.gte(o) ? this : o;
  }

  /** The start of the cycle containing this time. */
  sam(): Rational {
    return new Rational(Math.floor(this.n / this.d), 1);
  }
  /** The start of the next cycle. */
  nextSam(): Rational {
    return new Rational(Math.floor(this.n / this.d) + 1, 1);
  }
  /** Position within the cycle, in [0, 1). */
  cyclePos(): Rational {
    return this.sub(this.sam());
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
}

/** Shorthand: a Rational from a number or n/d. */
export function q(n: number | Rational, d = 1): Rational {
  if (n instanceof Rational) return d === 1 ? n : n.div(Rational.of(d));
  return Rational.of(n, d);
}
