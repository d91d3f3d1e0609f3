//! Strudel 1.2.6's stepwise functions: patterns measured in steps ("tactus") rather than cycles — stepcat, take, drop, extend, expand, contract, replicate, shrink, grow, tour, and the step join their patterned arguments use.
import type { Hap } from "../hap.js";
import { fastcatOf, lcmStepsOf, Pattern, silence, slowcatOf, stackOf, withSteps } from "../pattern.js";
import { Rational } from "../rational.js";
import { TimeSpan } from "../span.js";

/** Strudel's `nothing`: no events and no steps (a step count of 0). */
export const nothing: Pattern<never> = new Pattern<never>(() => [], Rational.ZERO).periodic(1);

/** A step count from a number, a Rational or a numeric string. */
export function stepsOf(x: unknown): Rational {
  if (x instanceof Rational) return x;
  if (typeof x === "number") return Rational.fromNumber(x);
  if (typeof x === "string" && x.trim() !== "" && !Number.isNaN(Number(x))) return Rational.fromNumber(Number(x));
  throw new TypeError(`expected a number of steps, got ${JSON.stringify(x)}`);
}

/** A part of stepcat: a pattern (taking its own step count, 1 when it has none) or [steps, pattern]. */
export type StepPart = Pattern<any> | [Rational | undefined, Pattern<any>];

/**
 * Strudel's stepcat (s_cat, and its timecat): the parts one after another in a cycle, each taking
 * a share proportional to its step count. A part given without steps ([undefined, pat]) takes
 * the mean of the others (if none has steps: a plain fastcat). The result has the total.
 */
export function stepcat(...parts: StepPart[]): Pattern<any> {
  if (parts.length === 0) return nothing;
  const timed: Array<[Rational | undefined, Pattern<any>]> = parts.map((x) => (Array.isArray(x) ? [x[0], x[1]] : [x.steps ?? Rational.ONE, x]));
  if (timed.some(([t]) => t === undefined)) {
    const times = timed.map(([t]) => t).filter((t): t is Rational => t !== undefined);
    if (times.length === 0) return fastcatOf(timed.map(([, p]) => p));
    const avg = times.reduce((a, b) => a.add(b), Rational.ZERO).div(Rational.of(times.length));
    for (const x of timed) if (x[0] === undefined) x[0] = avg;
  }
  if (timed.length === 1) {
    const [t, p] = timed[0]!;
    // Strudel's withSteps: a part without a step count keeps none.
    return withSteps(p, p.steps === undefined ? undefined : t);
  }
  const total = timed.reduce((a, [t]) => a.add(t!), Rational.ZERO);
  let begin = Rational.ZERO;
  const pats: Pattern<any>[] = [];
  for (const [t, p] of timed) {
    if (t!.n === 0) continue;
    const end = begin.add(t!);
    pats.push(p.compress(begin.div(total), end.div(total)));
    begin = end;
  }
  return withSteps(stackOf(pats), total);
}

/**
 * Strudel's stepJoin (how the stepwise functions join patterned arguments): in each cycle, the
 * outer pattern's events cut the cycle into slices at their boundaries; each slice becomes the
 * stack of the patterns whose events cover it, and the slices are stepcat together, each
 * taking its stack's step count (a slice without one takes the mean). As in Strudel, a query
 * uses the structure of the cycle it begins in, and the step count is cycle 0's.
 */
export function stepJoin<T>(pp: Pattern<Pattern<T>>): Pattern<T> {
  const cycleOf = (haps: Hap<Pattern<T>>[]): Pattern<T> => {
    const points = [Rational.ZERO, Rational.ONE];
    for (const h of haps) points.push(h.part.begin, h.part.end);
    points.sort((a, b) => a.cmp(b));
    const unique = points.filter((x, i) => i === 0 || !x.eq(points[i - 1]!));
    const parts: Array<[Rational | undefined, Pattern<T>]> = [];
    for (let i = 0; i + 1 < unique.length; i++) {
      const span = new TimeSpan(unique[i]!, unique[i + 1]!);
      const inside = haps.filter((h) => span.intersection(h.part) !== undefined).map((h) => h.value);
      const slice = inside.length === 0 ? new Pattern<T>(() => []) : stackOf(inside);
      parts.push([slice.steps, slice]);
    }
    return stepcat(...parts);
  };
  const first = cycleOf(pp.query(new TimeSpan(Rational.ZERO, Rational.ONE)));
  return new Pattern<T>((span, c) => {
    const shifted = pp.early(span.begin.sam());
    return cycleOf(shifted.query(new TimeSpan(Rational.ZERO, Rational.ONE), c)).query(span, c);
  }, first.steps);
}

/** The first i steps of each cycle (negative: the last |i|), as a pattern of i steps. */
export function take<T>(pat: Pattern<T>, count: unknown): Pattern<T> {
  if (pat.steps === undefined || pat.steps.lte(Rational.ZERO)) return nothing;
  let i = stepsOf(count);
  if (i.n === 0) return nothing;
  const flip = i.n < 0;
  if (flip) i = i.neg();
  const frac = i.div(pat.steps);
  if (frac.lte(Rational.ZERO)) return nothing;
  if (frac.gte(Rational.ONE)) return pat;
  return flip ? pat.zoom(Rational.ONE.sub(frac), Rational.ONE) : pat.zoom(Rational.ZERO, frac);
}

/** Each cycle without its first i steps (negative: without its last |i|). */
export function drop<T>(pat: Pattern<T>, count: unknown): Pattern<T> {
  if (pat.steps === undefined) return nothing;
  const i = stepsOf(count);
  if (i.n < 0) return take(pat, pat.steps.add(i));
  return take(pat, Rational.ZERO.sub(pat.steps.sub(i)));
}

/** The step count times factor (the events are unchanged). */
export function expand<T>(pat: Pattern<T>, factor: unknown): Pattern<T> {
  return withSteps(pat, pat.steps === undefined ? undefined : pat.steps.mul(stepsOf(factor)));
}
/** The step count divided by factor (the events are unchanged). */
export function contract<T>(pat: Pattern<T>, factor: unknown): Pattern<T> {
  return withSteps(pat, pat.steps === undefined ? undefined : pat.steps.div(stepsOf(factor)));
}
/** fast factor, with the step count times factor (so the steps keep their length). */
export function extend<T>(pat: Pattern<T>, factor: unknown): Pattern<T> {
  const f = stepsOf(factor);
  return expand(fastKeepSteps(pat, f), f);
}
/** Each cycle factor times in a cycle, with the step count times factor (Strudel's stepwise replicate). */
export function replicate<T>(pat: Pattern<T>, factor: unknown): Pattern<T> {
  const f = stepsOf(factor);
  return expand(fastKeepSteps(withSteps(pat.repeatCycles(f), pat.steps), f), f);
}

/** Strudel's fast: silence for 0, otherwise the step count is kept. */
function fastKeepSteps<T>(pat: Pattern<T>, f: Rational): Pattern<T> {
  if (f.n === 0) return withSteps(silence, pat.steps);
  return withSteps(pat.fast(f), pat.steps);
}

/**
 * Strudel's shrinklist: zoomed copies of the pattern, each `amount` steps shorter than the last
 * (from the start for a positive amount, from the end for a negative one), as many as the pattern
 * has steps (or `times`).
 */
export function shrinklist<T>(pat: Pattern<T>, amount: unknown, times?: number): Pattern<T>[] {
  if (pat.steps === undefined) return [pat];
  if (times === 0) return [pat];
  let a = stepsOf(amount);
  const count = times ?? pat.steps.toNumber();
  const ranges: Array<[Rational, Rational]> = [];
  if (a.n > 0) {
    const seg = Rational.ONE.div(pat.steps).mul(a);
    for (let i = 0; i < count; i++) {
      const s = seg.mul(Rational.of(i));
      if (s.gt(Rational.ONE)) break;
      ranges.push([s, Rational.ONE]);
    }
  } else {
    a = a.neg();
    const seg = Rational.ONE.div(pat.steps).mul(a);
    for (let i = 0; i < count; i++) {
      const e = Rational.ONE.sub(seg.mul(Rational.of(i)));
      if (e.lt(Rational.ZERO)) break;
      ranges.push([Rational.ZERO, e]);
    }
  }
  return ranges.map(([b, e]) => zoomStepwise(pat, b, e));
}

/** Strudel's zoom: `nothing` for an empty range, otherwise the step count times the range. */
function zoomStepwise<T>(pat: Pattern<T>, b: Rational, e: Rational): Pattern<T> {
  if (b.gte(e)) return nothing;
  return pat.zoom(b, e);
}

/** The pattern, then it shortened by `amount` steps again and again, played stepwise (Strudel's shrink). */
export function shrink<T>(pat: Pattern<T>, amount: unknown): Pattern<T> {
  if (pat.steps === undefined) return nothing;
  const list = shrinklist(pat, amount);
  return withSteps(stepcat(...list), list.reduce((a, b) => a.add(b.steps ?? Rational.ZERO), Rational.ZERO));
}
/** As shrink, backwards: the shortest first, growing by `amount` steps (Strudel's grow). */
export function grow<T>(pat: Pattern<T>, amount: unknown): Pattern<T> {
  if (pat.steps === undefined) return nothing;
  const list = shrinklist(pat, Rational.ZERO.sub(stepsOf(amount))).reverse();
  return withSteps(stepcat(...list), list.reduce((a, b) => a.add(b.steps ?? Rational.ZERO), Rational.ZERO));
}

/** Strudel's tour: the pattern takes a tour through the others, inserted one place earlier each time, stepwise. */
export function tour<T>(pat: Pattern<T>, ...many: Pattern<T>[]): Pattern<T> {
  const parts: Pattern<T>[] = [];
  many.forEach((_, i) => parts.push(...many.slice(0, many.length - i), pat, ...many.slice(many.length - i)));
  parts.push(pat, ...many);
  return stepcat(...parts);
}

/** Strudel's zip: one step from each pattern in turn, cycling through each pattern's steps. */
export function zip<T>(...pats: Pattern<T>[]): Pattern<T> {
  const ps = pats.filter((p) => p.steps !== undefined);
  const steps = lcmStepsOf(ps.map((p) => p.steps));
  if (steps === undefined) return nothing;
  return withSteps(slowcatOf(ps.map((p) => p.slow(p.steps!))).fast(steps), steps);
}

/** Strudel's stepalt: stepcat of the groups' members, taking the next member of each group every cycle of the lcm. */
export function stepalt<T>(...groups: Array<Pattern<T> | Pattern<T>[]>): Pattern<T> {
  const gs = groups.map((g) => (Array.isArray(g) ? g : [g]));
  const cycles = lcmStepsOf(gs.map((g) => Rational.of(g.length)))?.toNumber() ?? 0;
  const list: Pattern<T>[] = [];
  for (let c = 0; c < cycles; c++) for (const g of gs) list.push(g.length === 0 ? (new Pattern<T>(() => [], Rational.ONE)) : g[c % g.length]!);
  const kept = list.filter((p) => p.steps !== undefined && p.steps.gt(Rational.ZERO));
  const steps = kept.reduce((a, b) => a.add(b.steps!), Rational.ZERO);
  return withSteps(stepcat(...kept), steps);
}
