//! Pattern<T>: a function from a query span to haps, with Strudel's core combinators (pure, stack, cat, fast, compress, joins); one file over 600 lines because the class's methods and these constructors build each other (silence, periods): split, they would import each other in a cycle.
import { Hap } from "./hap.js";
import { MAX_HAPS_PER_QUERY, QueryLimitError, spendHaps, withBudget } from "./limit.js";
import { Rational, q } from "./rational.js";
import { TimeSpan } from "./span.js";

export { MAX_HAPS_PER_QUERY, QueryLimitError };

/** A time given as an exact Rational or as a number (converted as Strudel's fraction.js does). */
export type Time = Rational | number;

/** A time from a number, a Rational, or a numeric string ("1/3", "0.25"). */
export function toTime(t: Time | string | bigint): Rational {
  if (t instanceof Rational) return t;
  if (typeof t === "number") return Rational.fromNumber(t);
  if (typeof t === "bigint") return Rational.of(Number(t));
  if (typeof t === "string") return Rational.parse(t);
  throw new TypeError(`not a time: ${JSON.stringify(t)}`);
}
const R = toTime;

/** Query-wide settings that patterns may read (Strudel's state.controls). */
export interface Controls {
  /** Added to the time before hashing in `rand` and friends (set by `seed`). */
  readonly randSeed?: number;
  /** Cycles per second, for the few functions that depend on the clock (loopAt, splice, fit). */
  readonly cps?: number;
}

/** A query: the haps whose parts lie in the span. */
export type Query<T> = (span: TimeSpan, controls?: Controls) => Hap<T>[];

export class Pattern<T = unknown> {
  readonly query: Query<T>;
  /** Steps per cycle ("tactus"), used only by the stepwise functions (pace, polymeter). */
  readonly steps: Rational | undefined;
  /**
   * Present only on patterns made by pure(): a patterned argument that is pure takes the direct
   * path instead of a join, as Strudel's `__pure` (this changes where events get fragmented).
   */
  readonly pure: { readonly value: T } | undefined;

  /**
   * A whole number of cycles P after which the haps repeat (the haps of cycle c + P are those of
   * cycle c shifted by P), when it is known from how the pattern was built; undefined when it is
   * not known (anything random, cycle- or query-dependent, or built by a function that does not
   * state it). Set only by the combinators whose rule is proved next to them; the scheduler
   * queries a periodic pattern's first P cycles once and shifts them.
   */
  readonly period: number | undefined;

  constructor(query: Query<T>, steps?: Rational, pure?: { readonly value: T }, period?: number) {
    this.query = query;
    this.steps = steps;
    this.pure = pure;
    this.period = period;
  }

  /**
   * This pattern with [`period`](#period) (see there) set: itself when the period is already that,
   * otherwise a copy. A pattern is never changed once built (a mini-notation pattern is shared
   * through a cache, `silence` by every caller).
   */
  periodic(period: number | undefined): Pattern<T> {
    return period === this.period ? this : new Pattern(this.query, this.steps, this.pure, period);
  }

  /**
   * All haps whose parts lie in [begin, end), in one query, sorted by part begin (stable);
   * refuses runaway queries with QueryLimitError. (`query` itself returns haps unsorted.)
   */
  queryArc(begin: Time, end: Time, controls?: Controls): Hap<T>[] {
    const span = new TimeSpan(R(begin), R(end));
    const haps = withBudget(() => this.query(span, controls));
    return haps.sort((a, b) => a.part.begin.cmp(b.part.begin));
  }

  /**
   * The same pattern, remembering its last query: a pattern read in several places (a bus that
   * two lanes read) is queried once per span instead of once per reader, which matters for one
   * that is not periodic (random, for one), whose every cycle is queried afresh. Each reader gets
   * its own copy of the list (haps themselves are immutable). The period and steps are kept; a
   * pure pattern is returned as it is (joins take its direct path, and it costs nothing to query).
   */
  shared(): Pattern<T> {
    if (this.pure) return this;
    const inner = this;
    let last: { span: TimeSpan; controls: Controls | undefined; haps: Hap<T>[] } | undefined;
    return new Pattern<T>((span, controls) => {
      if (last !== undefined && last.controls === controls && last.span.begin.eq(span.begin) && last.span.end.eq(span.end)) return last.haps.slice();
      const haps = inner.query(span, controls);
      last = { span, controls, haps: haps.slice() };
      return haps;
    }, this.steps).periodic(this.period);
  }

  /** This pattern with its step count set: a copy (Strudel's changes the pattern in place, and so a shared one, `silence`, for every later caller). */
  setSteps(steps: Rational | number | undefined): Pattern<T> {
    return withSteps(this, steps === undefined ? undefined : R(steps));
  }

  // ---- query and hap transformations ----

  /** Split every query at cycle boundaries before answering it. */
  splitQueries(): Pattern<T> {
    const inner = this;
    return new Pattern<T>((span, c) => {
      const spans = span.spanCycles();
      if (spans.length === 1) return inner.query(spans[0]!, c);
      const out: Hap<T>[] = [];
      for (const s of spans) for (const h of inner.query(s, c)) out.push(h);
      return out;
    }, this.steps).periodic(this.period);
  }

  withQuerySpan(f: (s: TimeSpan) => TimeSpan): Pattern<T> {
    const inner = this;
    return new Pattern((span, c) => inner.query(f(span), c), this.steps);
  }
  /** As withQuerySpan; a span mapped to undefined yields no haps. */
  withQuerySpanMaybe(f: (s: TimeSpan) => TimeSpan | undefined): Pattern<T> {
    const inner = this;
    return new Pattern((span, c) => {
      const s = f(span);
      return s === undefined ? [] : inner.query(s, c);
    }, this.steps);
  }
  withQueryTime(f: (t: Rational) => Rational): Pattern<T> {
    const inner = this;
    return new Pattern((span, c) => inner.query(new TimeSpan(f(span.begin), f(span.end)), c), this.steps);
  }
  withHapSpan(f: (s: TimeSpan) => TimeSpan): Pattern<T> {
    const inner = this;
    return new Pattern((span, c) => {
      const haps = inner.query(span, c);
      const out = new Array<Hap<T>>(haps.length);
      for (let i = 0; i < haps.length; i++) {
        const h = haps[i]!;
        out[i] = new Hap(h.whole === undefined ? undefined : f(h.whole), f(h.part), h.value);
      }
      return out;
    }, this.steps);
  }
  withHapTime(f: (t: Rational) => Rational): Pattern<T> {
    return this.withHapSpan((s) => new TimeSpan(f(s.begin), f(s.end)));
  }
  withHaps<U = T>(f: (haps: Hap<T>[], span: TimeSpan, controls?: Controls) => Hap<U>[]): Pattern<U> {
    const inner = this;
    return new Pattern<U>((span, c) => f(inner.query(span, c), span, c), this.steps);
  }
  withHap<U = T>(f: (h: Hap<T>) => Hap<U>): Pattern<U> {
    const inner = this;
    return new Pattern<U>((span, c) => inner.query(span, c).map(f), this.steps);
  }
  fmap<U>(f: (v: T) => U): Pattern<U> {
    const inner = this;
    return new Pattern<U>((span, c) => {
      const haps = inner.query(span, c);
      const out = new Array<Hap<U>>(haps.length);
      for (let i = 0; i < haps.length; i++) {
        const h = haps[i]!;
        out[i] = new Hap(h.whole, h.part, f(h.value));
      }
      return out;
    }, this.steps).periodic(this.period);
  }
  /** Alias of fmap. */
  withValue<U>(f: (v: T) => U): Pattern<U> {
    return this.fmap(f);
  }
  filterHaps(pred: (h: Hap<T>) => boolean): Pattern<T> {
    const inner = this;
    return new Pattern((span, c) => inner.query(span, c).filter(pred), this.steps);
  }
  /** A test of values alone keeps the period. */
  filterValues(pred: (v: T) => boolean): Pattern<T> {
    return this.filterHaps((h) => pred(h.value)).periodic(this.period);
  }
  /** Drop haps whose value is undefined (what keepif leaves behind). */
  removeUndefineds(): Pattern<Exclude<T, undefined>> {
    return this.filterHaps((h) => h.value !== undefined).periodic(this.period) as Pattern<Exclude<T, undefined>>;
  }
  /** Keep only haps that start inside the query (what a scheduler plays). */
  onsetsOnly(): Pattern<T> {
    return this.filterHaps((h) => h.hasOnset()).periodic(this.period);
  }
  /** Drop continuous haps (those without a whole). */
  discreteOnly(): Pattern<T> {
    return this.filterHaps((h) => h.whole !== undefined).periodic(this.period);
  }
  /** Keep haps whose whole (or part) begins at a time satisfying the test. */
  filterWhen(test: (t: Rational) => boolean): Pattern<T> {
    return this.filterHaps((h) => test(h.wholeOrPart().begin));
  }

  // ---- time ----

  /**
   * Speed up by a constant factor; 0 gives silence. A negative factor maps time through t·f as
   * Strudel does: a query becomes a reversed span (begin after end), which discrete patterns answer
   * with nothing and signals with a value; a zero-width query finds the event at −t, whose whole
   * comes back reversed.
   */
  fast(factor: Time): Pattern<T> {
    const f = R(factor);
    if (f.n === 0) return silence as Pattern<T>;
    if (f.n === 1 && f.d === 1) return new Pattern(this.query, this.steps).periodic(this.period);
    // Period: with g(t) = p(t·a/b) and p's period P, g(t + P·b) = p(t·a/b + P·a) = g(t).
    const period = this.period === undefined ? undefined : boundedPeriod(this.period * f.d);
    const inner = this;
    const inv = Rational.ONE.div(f);
    return new Pattern<T>((span, c) => {
      const haps = inner.query(new TimeSpan(span.begin.mul(f), span.end.mul(f)), c);
      const out = new Array<Hap<T>>(haps.length);
      for (let i = 0; i < haps.length; i++) {
        const h = haps[i]!;
        const w = h.whole;
        const part = new TimeSpan(h.part.begin.mul(inv), h.part.end.mul(inv));
        out[i] = new Hap(
          w === undefined ? undefined : w === h.part ? part : new TimeSpan(w.begin.mul(inv), w.end.mul(inv)),
          part,
          h.value,
        );
      }
      return out;
    }, this.steps).periodic(period);
  }
  slow(factor: Time): Pattern<T> {
    const f = R(factor);
    if (f.n === 0) return silence as Pattern<T>;
    return this.fast(Rational.ONE.div(f));
  }
  /** Shift earlier in time by `offset` cycles (Tidal's `<~`, rotL). */
  early(offset: Time): Pattern<T> {
    const o = R(offset);
    // A shift in time keeps the period.
    if (o.n === 0) return new Pattern(this.query, this.steps).periodic(this.period);
    const inner = this;
    return new Pattern<T>((span, c) => {
      const haps = inner.query(new TimeSpan(span.begin.add(o), span.end.add(o)), c);
      const out = new Array<Hap<T>>(haps.length);
      for (let i = 0; i < haps.length; i++) {
        const h = haps[i]!;
        const w = h.whole;
        const part = new TimeSpan(h.part.begin.sub(o), h.part.end.sub(o));
        out[i] = new Hap(w === undefined ? undefined : w === h.part ? part : new TimeSpan(w.begin.sub(o), w.end.sub(o)), part, h.value);
      }
      return out;
    }, this.steps).periodic(this.period);
  }
  /** Shift later in time by `offset` cycles (Tidal's `~>`, rotR). */
  late(offset: Time): Pattern<T> {
    return this.early(R(offset).neg());
  }

  /**
   * Speed up by `factor` but leave a gap: each cycle plays once, in its first 1/factor. A negative
   * factor maps time as Strudel does (see fast); 0 gives silence (Strudel divides by zero).
   */
  fastGap(factor: Time): Pattern<T> {
    const f = R(factor);
    if (f.n === 0) return silence as Pattern<T>;
    const inner = this;
    const one = Rational.ONE;
    const inv = one.div(f);
    return new Pattern<T>((span, c) => {
      const cycle = span.begin.sam();
      const bpos = span.begin.sub(cycle).mul(f).min(one);
      const epos = span.end.sub(cycle).mul(f).min(one);
      // Strudel compares this one as numbers (`bpos >= 1`, fraction.js's valueOf), so a bpos
      // within a double's rounding of 1 drops the query too.
      if (bpos.toNumber() >= 1) return [];
      const haps = inner.query(new TimeSpan(cycle.add(bpos), cycle.add(epos)), c);
      const out = new Array<Hap<T>>(haps.length);
      for (let i = 0; i < haps.length; i++) {
        const hap = haps[i]!;
        const begin = hap.part.begin;
        const end = hap.part.end;
        const cyc = begin.sam();
        const beginPos = begin.sub(cyc).mul(inv).min(one);
        const endPos = end.sub(cyc).mul(inv).min(one);
        const part = new TimeSpan(cyc.add(beginPos), cyc.add(endPos));
        const w = hap.whole;
        let whole: TimeSpan | undefined;
        if (w === undefined) whole = undefined;
        else if (w === hap.part) whole = part;
        else whole = new TimeSpan(part.begin.sub(begin.sub(w.begin).mul(inv)), part.end.add(w.end.sub(end).mul(inv)));
        out[i] = new Hap(whole, part, hap.value);
      }
      return out;
    })
      .splitQueries()
      // Cycle c plays the source's cycle c, squeezed: the source's period is kept.
      .periodic(this.period);
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

  /** Play only the [b, e) part of each cycle, stretched to fill the cycle. */
  zoom(b: Time, e: Time): Pattern<T> {
    const s = R(b);
    const E = R(e);
    // An empty or reversed range gives Strudel's `nothing`: no events and a step count of 0.
    if (s.gte(E)) return new Pattern<T>(() => [], Rational.ZERO).periodic(1);
    const d = E.sub(s);
    const steps = this.steps === undefined ? undefined : this.steps.mul(d);
    return this.withQuerySpan((span) => span.withCycle((t) => t.mul(d).add(s)))
      .withHapSpan((span) => span.withCycle((t) => t.sub(s).div(d)))
      .splitQueries()
      .setSteps(steps);
  }

  /** Like compress, but the cycle [b, e) repeats instead of leaving gaps. */
  focus(b: Time, e: Time): Pattern<T> {
    const B = R(b);
    const E = R(e);
    return this.early(B.sam()).fast(Rational.ONE.div(E.sub(B))).late(B);
  }

  /** Play every cycle n times (cycle k plays source cycle floor(k / n)). */
  repeatCycles(n: Time): Pattern<T> {
    const N = R(n);
    const inner = this;
    return new Pattern<T>((span, c) => {
      const cycle = span.begin.sam();
      const delta = cycle.sub(cycle.div(N).sam());
      if (delta.n === 0) return inner.query(span, c);
      const haps = inner.query(new TimeSpan(span.begin.sub(delta), span.end.sub(delta)), c);
      return haps.map((h) => h.withSpan((s) => new TimeSpan(s.begin.add(delta), s.end.add(delta))));
    }, this.steps).splitQueries();
  }

  // ---- applicative: combine with a pattern of values ----

  /** Structure from this pattern (of functions); each hap takes the values overlapping its whole. */
  appLeft<A, U>(this: Pattern<(a: A) => U>, other: Pattern<A>): Pattern<U> {
    const left = this;
    return new Pattern<U>((span, c) => {
      const out: Hap<U>[] = [];
      for (const hf of left.query(span, c)) {
        for (const hv of other.query(hf.wholeOrPart(), c)) {
          const part = hf.part.intersection(hv.part);
          if (part) out.push(new Hap(hf.whole, part, hf.value(hv.value)));
        }
      }
      return out;
    }, this.steps).periodic(lcmPeriod(this.period, other.period));
  }
  /** Structure from the other pattern. */
  appRight<A, U>(this: Pattern<(a: A) => U>, other: Pattern<A>): Pattern<U> {
    const left = this;
    return new Pattern<U>((span, c) => {
      const out: Hap<U>[] = [];
      for (const hv of other.query(span, c)) {
        for (const hf of left.query(hv.wholeOrPart(), c)) {
          const part = hf.part.intersection(hv.part);
          if (part) out.push(new Hap(hv.whole, part, hf.value(hv.value)));
        }
      }
      return out;
    }, other.steps).periodic(lcmPeriod(this.period, other.period));
  }
  /** Structure from both: wholes are the intersections (Tidal's <*>). */
  appBoth<A, U>(this: Pattern<(a: A) => U>, other: Pattern<A>): Pattern<U> {
    const left = this;
    return new Pattern<U>((span, c) => {
      const out: Hap<U>[] = [];
      const hvs = other.query(span, c);
      for (const hf of left.query(span, c)) {
        for (const hv of hvs) {
          const part = hf.part.intersection(hv.part);
          if (!part) continue;
          let whole: TimeSpan | undefined;
          if (hf.whole !== undefined && hv.whole !== undefined) {
            whole = hf.whole.intersection(hv.whole);
            if (whole === undefined) continue;
          }
          out.push(new Hap(whole, part, hf.value(hv.value)));
        }
      }
      return out;
    }, lcmSteps(this.steps, other.steps)).periodic(lcmPeriod(this.period, other.period));
  }

  // ---- joins: flatten a pattern of patterns ----

  /** Wholes come from the inner patterns, each queried over its outer hap's part. */
  innerJoin<U>(this: Pattern<Pattern<U>>): Pattern<U> {
    const outer = this;
    return new Pattern<U>((span, c) => {
      const out: Hap<U>[] = [];
      for (const o of outer.query(span, c)) {
        for (const h of o.value.query(o.part, c)) out.push(h);
      }
      return out;
    });
  }

  /** Wholes come from the outer haps; parts from the inner haps, queried over the outer part. */
  outerJoin<U>(this: Pattern<Pattern<U>>): Pattern<U> {
    const outer = this;
    return new Pattern<U>((span, c) => {
      const out: Hap<U>[] = [];
      for (const o of outer.query(span, c)) {
        for (const h of o.value.query(o.part, c)) out.push(new Hap(o.whole, h.part, h.value));
      }
      return out;
    }, this.steps);
  }

  /** Wholes are the intersections of outer and inner wholes (Strudel's join / bind). */
  unwrapJoin<U>(this: Pattern<Pattern<U>>): Pattern<U> {
    const outer = this;
    return new Pattern<U>((span, c) => {
      const out: Hap<U>[] = [];
      for (const o of outer.query(span, c)) {
        for (const h of o.value.query(o.part, c)) {
          let whole: TimeSpan | undefined;
          if (o.whole !== undefined && h.whole !== undefined) {
            whole = o.whole.intersection(h.whole);
            if (whole === undefined) continue;
          }
          out.push(new Hap(whole, h.part, h.value));
        }
      }
      return out;
    });
  }

  /** Each inner pattern's cycle 0 is squeezed into its outer hap's whole. */
  squeezeJoin<U>(this: Pattern<Pattern<U>>): Pattern<U> {
    const outer = this;
    return new Pattern<U>((span, c) => {
      const out: Hap<U>[] = [];
      for (const o of outer.query(span, c)) {
        if (o.whole === undefined) continue;
        const inner = o.value.focus(o.whole.begin, o.whole.end);
        for (const h of inner.query(o.part, c)) {
          let whole: TimeSpan | undefined;
          if (h.whole !== undefined) {
            whole = h.whole.intersection(o.whole);
            if (whole === undefined) continue;
          }
          const part = h.part.intersection(o.part);
          if (part === undefined) continue;
          out.push(new Hap(whole, part, h.value));
        }
      }
      return out;
    });
  }

  /**
   * Restart each inner pattern at its outer hap's onset: `reset` aligns the inner cycle start
   * (cycle position of the onset), `restart` aligns cycle zero.
   */
  resetJoin<U>(this: Pattern<Pattern<U>>, restart = false): Pattern<U> {
    const outer = this;
    return new Pattern<U>((span, c) => {
      const out: Hap<U>[] = [];
      for (const o of outer.query(span, c)) {
        if (o.whole === undefined) continue;
        const shift = restart ? o.whole.begin : o.whole.begin.cyclePos();
        for (const h of o.value.late(shift).query(span, c)) {
          // As Strudel: wholes that only touch (a zero-width part at an inner event's end, in a
          // zero-width query) leave the hap without a whole instead of dropping it.
          const whole = h.whole === undefined ? undefined : h.whole.intersection(o.whole);
          const part = h.part.intersection(o.part);
          if (part === undefined) continue;
          out.push(new Hap(whole, part, h.value));
        }
      }
      return out;
    });
  }
  restartJoin<U>(this: Pattern<Pattern<U>>): Pattern<U> {
    return this.resetJoin(true);
  }

  innerBind<U>(f: (v: T) => Pattern<U>): Pattern<U> {
    return this.fmap(f).innerJoin();
  }
  outerBind<U>(f: (v: T) => Pattern<U>): Pattern<U> {
    return this.fmap(f).outerJoin();
  }
  squeezeBind<U>(f: (v: T) => Pattern<U>): Pattern<U> {
    return this.fmap(f).squeezeJoin();
  }
  bind<U>(f: (v: T) => Pattern<U>): Pattern<U> {
    return this.fmap(f).unwrapJoin();
  }
}

function lcmInt(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x === 0 ? 0 : Math.abs((a / x) * b);
}

function lcmBig(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  const ab = x * y;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 0n : ab / x;
}

/** Least common multiple of step counts (rationals: lcm of numerators over gcd of denominators). */
export function lcmSteps(...xs: Array<Rational | undefined>): Rational | undefined {
  return lcmStepsOf(xs);
}
/** lcmSteps of a list (a list of any length: no spread of arguments, which can run out of stack). */
export function lcmStepsOf(xs: Array<Rational | undefined>): Rational | undefined {
  const defined = xs.filter((x): x is Rational => x !== undefined);
  if (defined.length === 0) return undefined;
  let acc = defined[0]!;
  for (let i = 1; i < defined.length; i++) {
    const x = defined[i]!;
    // lcm(a/b, c/d) = lcm(a·d, c·b) / (b·d)
    acc =
      acc.big === null && x.big === null
        ? Rational.of(lcmInt(acc.n * x.d, x.n * acc.d), acc.d * x.d)
        : Rational.ofBig(lcmBig(acc.bigN() * x.bigD(), x.bigN() * acc.bigD()), acc.bigD() * x.bigD());
  }
  return acc;
}

/** The longest period the scheduler will cache, in cycles. */
export const MAX_PERIOD = 64;

/** A period if it is a whole number of cycles within [`MAX_PERIOD`], else undefined. */
export function boundedPeriod(p: number): number | undefined {
  return Number.isInteger(p) && p >= 1 && p <= MAX_PERIOD ? p : undefined;
}

/** The least common multiple of periods (undefined if any is unknown or it exceeds MAX_PERIOD). */
export function lcmPeriod(...ps: Array<number | undefined>): number | undefined {
  return lcmPeriodOf(ps);
}
/** lcmPeriod of a list. */
export function lcmPeriodOf(ps: Array<number | undefined>): number | undefined {
  let acc = 1;
  for (const p of ps) {
    if (p === undefined) return undefined;
    let a = acc;
    let b = p;
    while (b !== 0) [a, b] = [b, a % b];
    acc = (acc / a) * p;
    if (acc > MAX_PERIOD) return undefined;
  }
  return boundedPeriod(acc);
}

/** The empty pattern. */
export const silence: Pattern<never> = new Pattern<never>(() => [], Rational.ONE).periodic(1);

/** One event per cycle holding `value`. */
export function pure<T>(value: T): Pattern<T> {
  return new Pattern<T>(
    (span) => {
      const b = span.begin;
      const e = span.end;
      const bs = b.floor();
      // The common case: the query lies within one cycle.
      if ((e.n === e.d * (bs + 1) || e.floor() === bs) && Number.isSafeInteger(bs)) {
        if (b.gt(e)) return [];
        spendHaps(1);
        if (b.d === 1 && e.d === 1 && e.n === bs + 1) return [new Hap(span, span, value)];
        if (b.big === null) return [new Hap(new TimeSpan(Rational.unsafe(bs, 1), Rational.unsafe(bs + 1, 1)), span, value)];
        return [new Hap(TimeSpan.wholeCycle(b), span, value)];
      }
      const spans = span.spanCycles();
      spendHaps(spans.length);
      return spans.map((s) => {
        return new Hap(TimeSpan.wholeCycle(s.begin), s, value);
      });
    },
    Rational.ONE,
    { value },
  ).periodic(1);
}

/**
 * The same pattern with another step count (a new pattern, so a shared one such as `silence` is
 * never changed); the pattern itself when the count is already that.
 */
export function withSteps<T>(p: Pattern<T>, steps: Rational | undefined): Pattern<T> {
  if (steps === p.steps || (steps !== undefined && p.steps !== undefined && steps.eq(p.steps))) return p;
  return new Pattern(p.query, steps, p.pure, p.period);
}

/** A pattern from a pattern or a plain value (which becomes pure). */
export function reify<T>(x: T | Pattern<T>): Pattern<T> {
  return x instanceof Pattern ? x : pure(x);
}

/** A continuous pattern: one hap per query, without a whole, valued at the query's begin. */
export function signal<T>(f: (t: Rational, controls?: Controls) => T): Pattern<T> {
  return new Pattern<T>((span, c) => {
    spendHaps(1);
    return [new Hap(undefined, span, f(span.begin, c))];
  });
}

/** Play all patterns at once. */
export function stack<T>(...pats: Pattern<T>[]): Pattern<T> {
  return stackOf(pats);
}
/** stack of a list (a list of any length: no spread of arguments, which can run out of stack). */
export function stackOf<T>(pats: Pattern<T>[]): Pattern<T> {
  // As Strudel's stack(): no layers, no events and no step count (silence has 1 step).
  if (pats.length === 0) return new Pattern<T>(() => [], undefined).periodic(1);
  const steps = lcmStepsOf(pats.map((p) => p.steps));
  // Layers that each repeat repeat together after the lcm of their periods.
  const period = lcmPeriodOf(pats.map((p) => p.period));
  if (pats.length === 1) return new Pattern(pats[0]!.query, steps).periodic(period);
  if (pats.length === 2) {
    const [a, b] = pats as [Pattern<T>, Pattern<T>];
    return new Pattern<T>((span, c) => {
      const x = a.query(span, c);
      const y = b.query(span, c);
      if (x.length === 0) return y;
      if (y.length === 0) return x;
      for (const h of y) x.push(h);
      return x;
    }, steps).periodic(period);
  }
  return new Pattern<T>((span, c) => {
    const out: Hap<T>[] = [];
    for (const p of pats) for (const h of p.query(span, c)) out.push(h);
    return out;
  }, steps).periodic(period);
}

/** One pattern per cycle, in turn; a pattern's own cycles are never skipped. */
export function slowcat<T>(...pats: Pattern<T>[]): Pattern<T> {
  return slowcatOf(pats);
}
/** slowcat of a list. */
export function slowcatOf<T>(pats: Pattern<T>[]): Pattern<T> {
  if (pats.length === 0) return silence;
  if (pats.length === 1) return pats[0]!;
  const n = pats.length;
  return new Pattern<T>((span, c) => {
    const cyc = span.begin.floor();
    const i = ((cyc % n) + n) % n;
    const pat = pats[i]!;
    // Pattern i plays its own cycle floor(cyc / n) here.
    const k = cyc - Math.floor(cyc / n);
    if (k === 0) return pat.query(span, c);
    const offset = Rational.unsafe(k, 1);
    const haps = pat.query(new TimeSpan(span.begin.sub(offset), span.end.sub(offset)), c);
    const out = new Array<Hap<T>>(haps.length);
    for (let j = 0; j < haps.length; j++) {
      const h = haps[j]!;
      const w = h.whole;
      const part = new TimeSpan(h.part.begin.add(offset), h.part.end.add(offset));
      out[j] = new Hap(
        w === undefined ? undefined : w === h.part ? part : new TimeSpan(w.begin.add(offset), w.end.add(offset)),
        part,
        h.value,
      );
    }
    return out;
  })
    .splitQueries()
    .setSteps(lcmStepsOf(pats.map((p) => p.steps)))
    // Cycle c plays pattern c mod n at its cycle floor(c/n): after n·L cycles (L the lcm of the
    // periods) the same pattern plays its cycle floor(c/n) + L, which repeats.
    .periodic(boundedPeriod(n * (lcmPeriodOf(pats.map((p) => p.period)) ?? Infinity)));
}

/** Alias of slowcat. */
export const cat = slowcat;

/**
 * One pattern per cycle by absolute cycle number (cycle k plays pattern k mod n at cycle k, so
 * cycles of the constituents are skipped). Negative cycles not divisible by n are silent, as in
 * Strudel, whose `%` keeps the sign.
 */
export function slowcatPrime<T>(...pats: Pattern<T>[]): Pattern<T> {
  return slowcatPrimeOf(pats);
}
/** slowcatPrime of a list. */
export function slowcatPrimeOf<T>(pats: Pattern<T>[]): Pattern<T> {
  const n = pats.length;
  return new Pattern<T>((span, c) => {
    // Strudel's Math.floor(state.span.begin) % n: the floor of fraction.js's valueOf, a number, so a
    // begin a hair below a cycle's end (closer than a double tells apart) counts as the next cycle.
    const i = Math.floor(span.begin.toNumber()) % n;
    const pat = i < 0 ? undefined : pats[i];
    return pat === undefined ? [] : pat.query(span, c);
  }).splitQueries();
}

/** All patterns squeezed into one cycle, in sequence. */
export function fastcat<T>(...pats: Pattern<T>[]): Pattern<T> {
  return fastcatOf(pats);
}
/** fastcat of a list. */
export function fastcatOf<T>(pats: Pattern<T>[]): Pattern<T> {
  if (pats.length === 0) return silence;
  if (pats.length === 1) return pats[0]!;
  return slowcatOf(pats)
    .fast(pats.length)
    .setSteps(pats.length);
}

/** Alias of fastcat. */
export const sequence = fastcat;
export const seq = fastcat;

/** A sequence where each pattern takes a share of the cycle proportional to its weight. */
export function timecat<T>(parts: Array<[Time, Pattern<T>]>): Pattern<T> {
  if (parts.length === 0) return silence;
  if (parts.length === 1) return new Pattern(parts[0]![1].query, R(parts[0]![0])).periodic(parts[0]![1].period);
  let total = Rational.ZERO;
  for (const [w] of parts) total = total.add(R(w));
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
  return stackOf(pats).setSteps(total);
}

/**
 * Apply `f` with arguments that may be patterns, as Strudel's patternified functions do: when
 * every argument is pure the plain values are used; otherwise the first argument pattern gives
 * the structure (others joined with appLeft) and the results are flattened with innerJoin.
 */
export function patternify<T>(args: Pattern<unknown>[], f: (...vals: any[]) => Pattern<T>): Pattern<T> {
  if (args.every((a) => a.pure !== undefined)) return f(...args.map((a) => a.pure!.value));
  const [first, ...rest] = args as [Pattern<unknown>, ...Pattern<unknown>[]];
  let acc: Pattern<unknown[]> = first.fmap((v) => [v]);
  for (const p of rest) acc = acc.fmap((vs) => (v: unknown) => [...vs, v]).appLeft(p);
  return acc.fmap((vs) => f(...vs)).innerJoin();
}

export { q };
