//! TimeSpan: a half-open interval [begin, end) of exact cycle time, with Strudel's cycle splitting.
import { QueryLimitError, queryLimit } from "./limit.js";
import { Rational } from "./rational.js";

export class TimeSpan {
  constructor(
    readonly begin: Rational,
    readonly end: Rational,
  ) {}

  /** Split at cycle boundaries: [0.5, 2.25) → [0.5,1) [1,2) [2,2.25). A zero-width span stays whole. */
  spanCycles(): TimeSpan[] {
    const b0 = this.begin;
    const e = this.end;
    if (b0.eq(e)) return [this];
    if (b0.gt(e)) return [];
    const endSam = e.floor();
    if (!Number.isSafeInteger(endSam) || !Number.isSafeInteger(b0.floor())) return this.spanCyclesFar();
    let b = b0;
    // Fast path: the span lies inside one cycle.
    if (b.floor() === endSam || (e.d === 1 && b.floor() === endSam - 1)) return [this];
    if (endSam - b.floor() > queryLimit()) throw new QueryLimitError(`a query over ${endSam - b.floor()} cycles`);
    const out: TimeSpan[] = [];
    while (b.lt(e)) {
      if (b.floor() === endSam) {
        out.push(new TimeSpan(b, e));
        break;
      }
      const next = b.nextSam();
      out.push(new TimeSpan(b, next));
      b = next;
    }
    return out;
  }

  /** spanCycles for cycle numbers beyond 2^53, with exact cycle starts. */
  private spanCyclesFar(): TimeSpan[] {
    const e = this.end;
    const endSam = e.sam();
    const count = endSam.sub(this.begin.sam());
    if (count.gt(Rational.of(queryLimit()))) throw new QueryLimitError(`a query over ${count} cycles`);
    const out: TimeSpan[] = [];
    let b = this.begin;
    while (b.lt(e)) {
      if (b.sam().eq(endSam)) {
        out.push(new TimeSpan(b, e));
        break;
      }
      const next = b.sam().add(Rational.ONE);
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
  /** Apply f to times relative to the start of the cycle this span begins in. */
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
    const c = b.cmp(e);
    if (c > 0) return undefined;
    if (c === 0) {
      if (b.eq(this.end) && this.begin.lt(this.end)) return undefined;
      if (b.eq(o.end) && o.begin.lt(o.end)) return undefined;
    }
    if (b === this.begin && e === this.end) return this;
    if (b === o.begin && e === o.end) return o;
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
  /** The whole cycle [sam, sam+1) that contains time t. */
  static wholeCycle(t: Rational): TimeSpan {
    const s = t.sam();
    return new TimeSpan(s, s.add(Rational.ONE));
  }
  toString(): string {
    return `${this.begin}→${this.end}`;
  }
}
