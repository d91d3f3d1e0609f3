//! Hap: one event of a pattern — its whole (absent for continuous values), the part queried, and a value.
import type { TimeSpan } from "./span.js";

export class Hap<T = unknown> {
  constructor(
    readonly whole: TimeSpan | undefined,
    readonly part: TimeSpan,
    readonly value: T,
  ) {}

  /** True when this fragment holds the event's start: the scheduler plays only these. */
  hasOnset(): boolean {
    return this.whole !== undefined && this.whole.begin.eq(this.part.begin);
  }

  withSpan(f: (s: TimeSpan) => TimeSpan): Hap<T> {
    return new Hap(this.whole ? f(this.whole) : undefined, f(this.part), this.value);
  }
  withValue<U>(f: (v: T) => U): Hap<U> {
    return new Hap(this.whole, this.part, f(this.value));
  }
  /** The whole if there is one, else the part (continuous haps). */
  wholeOrPart(): TimeSpan {
    return this.whole ?? this.part;
  }
  toString(): string {
    const w = this.whole ? this.whole.toString() : "~";
    return `(${w} | ${this.part}) ${JSON.stringify(this.value)}`;
  }
}
