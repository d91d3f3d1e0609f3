//! Pattern<T>: a function from a query span to haps, with Strudel's core combinators (pure, stack, cat, fast, compress, joins).
import { Hap } from "./hap.js";
import { Rational, q } from "./rational.js";
import { TimeSpan } from "./span.js";

export type Time = Rational | number;
const R = (t: Time): Rational => (t instanceof Rational ? t : Rational.fromNumber(t));

/** Refuse queries that would produce more haps than any musical use needs (e.g. "a*1e9"). */
export const MAX_HAPS_PER_QUERY = 1_000_000;
export class QueryLimitError extends Error {}

export class Pattern<T = unknown> {
  constructor(readonly query: (span: TimeSpan) => Hap<T>[]) {}

  /** All haps whose parts lie in [begin, end). */
  queryArc(begin: Time, end: Time): Hap<T>[] {
    return this.query(new TimeSpan(R(begin), R(end)));
  }

  /** Split every query at cycle boundaries before answering it. */
  splitQueries(): Pattern<T> {
    return new Pattern((span) => span.spanCycles().flatMap((s) => this.query(s)));
  }

  withQuerySpan(f: (s: TimeSpan) => TimeSpan): Pattern<T> {
    return new Pattern((span) => this.query(f(span)));
  }
  withQueryTime(f: (t: Rational) => Rational): Pattern<T> {
    return new Pattern((span) => this.query(span.withTime(f)));
  }
  withHapSpan(f: (s: TimeSpan) => TimeSpan): Pattern<T> {
    return new Pattern((span) => this.query(span).map((h) => h.withSpan(f)));
  }
  withHapTime(f: (t: Rational) => Rational): Pattern<T> {
    return this.withHapSpan((s) => s.withTime(f));
  }
  withHaps(f: (haps: Hap<T>[]) => Hap<T>[]): Pattern<T> {
    return new Pattern((span) => f(this.query(span)));
  }
  fmap<U>(f: (v: T) => U): Pattern<U> {
    return new Pattern((span) => this.query(span).map((h) => h.withValue(f)));
  }
  filterHaps(pred: (h: Hap<T>) => boolean): Pattern<T> {
    return new Pattern((span) => this.query(span).filter(pred));
  }
  filterValues(pred: (v: T) => boolean): Pattern<T> {
    return this.filterHaps((h) => pred(h.value));
  }
  /** Keep only haps that start inside the query (what a scheduler plays). */
  onsetsOnly(): Pattern<T> {
    return this.filterHaps((h) => h.hasOnset());
  }

  // ---- time ----

  /** Speed up by a constant factor; 0 gives silence. */
  fast(factor: Time): Pattern<T> {
    const f = R(factor);
    if (f.n === 0) return silence as Pattern<T>;
    if (f.n < 0) throw new RangeError("fast: a negative factor is not a speed");
    return this.withQueryTime((t) => t.mul(f)).withHapTime((t) => t.div(f));
  }
  slow(factor: Time): Pattern<T> {
    const f = R(factor);
    if (f.n === 0) return silence as Pattern<T>;
    return this.fast(Rational.ONE.div(f));
  }
  /** Shift earlier in time by `offset` cycles. */
  early(offset: Time): Pattern<T> {
    const o = R(offset);
    return this.withQueryTime((t) => t.add(o)).withHapTime((t) => t.sub(o));
  }
  late(offset: Time): Pattern<T> {
    return this.early(R(offset).neg());
  }

  /** Speed up by `factor` but leave a gap: each cycle plays once, in its first 1/factor. */
  fastGap(factor: Time): Pattern<T> {
    const f = R(factor);
    if (f.lte(Rational.ZERO)) return silence as Pattern<T>;
    const inner = this;
    return new Pattern<T>((span) => {
      const cycle = span.begin.sam();
      const bpos = span.begin.sub(cycle).mul(f).min(Rational.ONE);
      const epos = span.end.sub(cycle).mul(f).min(Rational.ONE);
      if (bpos.gte(Rational.ONE)) return [];
      const haps = inner.query(new TimeSpan(cycle.add(bpos), cycle.add(epos)));
      return haps.map((hap) => {
        const begin = hap.part.begin;
        const end = hap.part.end;
        const c = begin.sam();
        const beginPos = begin.sub(c).div(f).min(Rational.ONE);
        const endPos = end.sub(c).div(f).min(Rational.ONE);
        const part = new TimeSpan(c.add(beginPos), c.add(endPos));
        const whole = hap.whole
          ? new TimeSpan(part.begin.sub(begin.sub(hap.whole.begin).div(f)), part.end.add(hap.whole.end.sub(end).div(f)))
          : undefined;
        return new Hap(whole, part, hap.value);
      });
    }).splitQueries();
  }

  /** Squeeze each cycle into [b, e) of the cycle, silence elsewhere. */
  compress(b: Time, e: Time): Pattern<T> {
    const B = R(b);
    const E = R(e);
    if (B.gt(E) || B.gt(Rational.ONE) || E.gt(Rational.ONE) || B.lt(Rational.ZERO) || E.lt(Rational.ZERO) || B.eq(E)) {
      return silence as Pattern<T>;
    }
    return this.fastGap(Rational.ONE.div(E.sub(B))).late(B);
  }

  // ---- joins: flatten a pattern of patterns ----

  /** Wholes come from the inner patterns; parts are clipped to the outer haps' parts. */
  innerJoin<U>(this: Pattern<Pattern<U>>): Pattern<U> {
    return new Pattern<U>((span) =>
      this.query(span).flatMap((outer) =>
        outer.value.query(outer.part).flatMap((inner) => {
          const part = inner.part.intersection(outer.part);
          return part ? [new Hap(inner.whole, part, inner.value)] : [];
        }),
      ),
    );
  }

  /** Wholes come from the outer haps; the inner pattern is sampled at each outer onset. */
  outerJoin<U>(this: Pattern<Pattern<U>>): Pattern<U> {
    return new Pattern<U>((span) =>
      this.query(span).flatMap((outer) => {
        const t = outer.wholeOrPart().begin;
        return outer.value.query(new TimeSpan(t, t)).flatMap((inner) =>
          inner.whole === undefined || inner.whole.begin.lte(t) ? [new Hap(outer.whole, outer.part, inner.value)] : [],
        );
      }),
    );
  }

  /** Wholes are intersections of outer and inner wholes. */
  unwrapJoin<U>(this: Pattern<Pattern<U>>): Pattern<U> {
    return new Pattern<U>((span) =>
      this.query(span).flatMap((outer) =>
        outer.value.query(outer.part).flatMap((inner) => {
          const whole = outer.whole && inner.whole ? outer.whole.intersection(inner.whole) : undefined;
          const part = inner.part.intersection(outer.part);
          if (!part) return [];
          if (outer.whole && inner.whole && !whole) return [];
          return [new Hap(whole, part, inner.value)];
        }),
      ),
    );
  }

  /** Each inner pattern's cycle 0 is compressed into its outer hap's whole. */
  squeezeJoin<U>(this: Pattern<Pattern<U>>): Pattern<U> {
    return new Pattern<U>((span) =>
      this.query(span).flatMap((outer) => {
        const whole = outer.wholeOrPart();
        const inner = focusSpan(outer.value, whole.begin, whole.end);
        return inner.query(outer.part).flatMap((h) => {
          const w = h.whole && outer.whole ? h.whole.intersection(outer.whole) : h.whole;
          const part = h.part.intersection(outer.part);
          if (!part || (h.whole && outer.whole && !w)) return [];
          return [new Hap(w, part, h.value)];
        });
      }),
    );
  }
}

/** Play cycle 0 of `pat` stretched over [b, e), repeating (Strudel's `focus`, used by squeeze). */
function focusSpan<T>(pat: Pattern<T>, b: Rational, e: Rational): Pattern<T> {
  const d = e.sub(b);
  const sam = b.sam();
  return pat
    .early(sam)
    .fast(Rational.ONE.div(d))
    .late(b);
}

/** The empty pattern. */
export const silence: Pattern<never> = new Pattern(() => []);

/** One event per cycle holding `value`. */
export function pure<T>(value: T): Pattern<T> {
  return new Pattern<T>((span) =>
    span.spanCycles().map((s) => {
      const b = s.begin.sam();
      return new Hap(new TimeSpan(b, b.add(Rational.ONE)), s, value);
    }),
  );
}

/** Play all patterns at once. */
export function stack<T>(...pats: Pattern<T>[]): Pattern<T> {
  if (pats.length === 1) return pats[0]!;
  return new Pattern<T>((span) => pats.flatMap((p) => p.query(span)));
}

/** One pattern per cycle, in turn; a pattern's own cycles are never skipped. */
export function slowcat<T>(...pats: Pattern<T>[]): Pattern<T> {
  if (pats.length === 0) return silence;
  if (pats.length === 1) return pats[0]!;
  const n = pats.length;
  return new Pattern<T>((span) => {
    const cyc = span.begin.floor();
    const i = ((cyc % n) + n) % n;
    const pat = pats[i]!;
    // Shift so that pattern i plays its own cycle floor(cyc / n) here.
    const offset = Rational.of(cyc - Math.floor(cyc / n));
    return pat
      .withHapTime((t) => t.add(offset))
      .query(span.withTime((t) => t.sub(offset)));
  }).splitQueries();
}

/** All patterns squeezed into one cycle, in sequence. */
export function fastcat<T>(...pats: Pattern<T>[]): Pattern<T> {
  if (pats.length === 0) return silence;
  if (pats.length === 1) return pats[0]!;
  return slowcat(...pats).fast(pats.length);
}

/** A sequence where each pattern takes a share of the cycle proportional to its weight. */
export function timecat<T>(parts: Array<[Time, Pattern<T>]>): Pattern<T> {
  const total = parts.reduce((acc, [w]) => acc.add(R(w)), Rational.ZERO);
  if (total.n === 0) return silence;
  let begin = Rational.ZERO;
  const pats: Pattern<T>[] = [];
  for (const [w, pat] of parts) {
    const W = R(w);
    if (W.n === 0) continue;
    const end = begin.add(W);
    pats.push(pat.compress(begin.div(total), end.div(total)));
    begin = end;
  }
  return stack(...pats);
}

/** Apply a time function whose factor is itself a pattern (innerJoin, as Strudel patternifies). */
export function patternify<T>(arg: Pattern<number | Rational>, f: (x: number | Rational) => Pattern<T>): Pattern<T> {
  return arg.fmap(f).innerJoin();
}

export { q };
