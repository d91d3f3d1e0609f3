//! TimeSpan: a half-open interval [begin, end) of exact cycle time, with Strudel's cycle splitting.
import { Rational } from "./rational.js";

export class TimeSpan {
  constructor(
    readonly begin: Rational,
    readonly end: Rational,
  ) {}

  /** Split at cycle boundaries: [0.5, 2.25) → [0.5,1) [1,2) [2,2.25). A zero-width span stays whole. */
  spanCycles(): TimeSpan[] {
    const out: TimeSpan[] = [];
    let b = this.begin;
    const e = this.end;
    if (b.eq(e)) return [this];
    while (b.lt(e)) {
      const next = b.nextSam();
      if (next.gte(e)) {
        out.push(new TimeSpan(b, e));
        break;
      }
      out.push(new TimeSpan(b, next));
      b = next;
    }
    return out;
  }

  withTime(f: (t: Rational) => Rational): TimeSpan {
    return new TimeSpan(f(this.begin), f(this.end));
  }
  withEnd(f: (t: Rational) => Rational): TimeSpan {
    return new TimeSpan(this.begin, f(this.end));
  }
  /** Express this span relative to the start of the cycle its begin lies in. */
  withCycle(f: (t: Rational) => Rational): TimeSpan {
    const sam = this.begin.sam();
    return new TimeSpan(sam.add(f(this.begin.sub(sam))), sam.add(f(this.end.sub(sam))));
  }

  /**
   * Intersection; undefined when the spans do not meet. As in Strudel, spans that only touch at
   * the end of a non-empty span do not intersect, but a zero-width span at a begin does.
   */
  intersection(o: TimeSpan): TimeSpan | undefined {
    const b = this.begin.max(o.begin);
    const e = this.end.min(o.end);
    if (b.gt(e)) return undefined;
    if (b.eq(e)) {
      if (b.eq(this.end) && this.begin.lt(this.end)) return undefined;
      if (b.eq(o.end) && o.begin.lt(o.end)) return undefined;
    }
    return new TimeSpan(b, e);
  }

  equals(o: TimeSpan): boolean {
    return this.begin.eq(o.begin) && this.end.eq(o.end);
  }
  duration(): Rational {
    return this.end.sub(this.begin);
  }
  midpoint(): Rational {
    return this.begin.add(this.end.sub(this.begin).div(Rational.of(2)));
  }
  toString(): string {
    return `${this.begin}→${this.end}`;
  }
}
