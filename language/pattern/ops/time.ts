//! Time transforms: hurry, rev, iter, palindrome, ply, linger, swing, brak, press, inside/outside, ribbon, trunc, stretch, ...
import { Hap } from "../hap.js";
import { checkCount } from "../limit.js";
import { fastcat, Pattern, patternify, pure, silence, slowcat, slowcatOf, slowcatPrimeOf, stack, type Time, toTime, withSteps } from "../pattern.js";
import { Rational } from "../rational.js";
import { TimeSpan } from "../span.js";
import { combine, restart } from "./compose.js";

/** Speed up and multiply the `speed` control by r; plain values become {value, speed}. */
export function hurry<T>(pat: Pattern<T>, r: number): Pattern<unknown> {
  return combine(pat.fast(r), "mul", pure({ speed: r }));
}

/** Reverse each cycle. Cycle c plays the source's cycle c mirrored, so the source's period is kept. */
export function rev<T>(pat: Pattern<T>): Pattern<T> {
  return new Pattern<T>((span, c) => {
    const cycle = span.begin.sam();
    const next = span.begin.nextSam();
    const sum = cycle.add(next);
    const reflect = (s: TimeSpan): TimeSpan => new TimeSpan(sum.sub(s.end), sum.sub(s.begin));
    return pat.query(reflect(span), c).map((h) => new Hap(h.whole ? reflect(h.whole) : undefined, reflect(h.part), h.value));
  }, pat.steps)
    .periodic(pat.period)
    .splitQueries();
}

/** Reverse time as a whole (t → −t), not cycle by cycle. */
export function revv<T>(pat: Pattern<T>): Pattern<T> {
  const negate = (s: TimeSpan): TimeSpan => new TimeSpan(s.end.neg(), s.begin.neg());
  // No step count, as in Strudel.
  return pat.withQuerySpan(negate).withHapSpan(negate).setSteps(undefined);
}

/** Cycle k starts (k mod n)/n of the way through (a slowcat of shifted copies). */
export function iter<T>(pat: Pattern<T>, n: Time, back = false): Pattern<T> {
  const N = toTime(n);
  checkCount(N.toNumber(), back ? "iterBack" : "iter");
  const pats: Pattern<T>[] = [];
  for (let i = 0; i <= N.toNumber() - 1; i++) {
    const shift = Rational.of(i).div(N);
    pats.push(back ? pat.late(shift) : pat.early(shift));
  }
  return slowcatOf(pats).setSteps(pat.steps);
}
export function iterBack<T>(pat: Pattern<T>, n: Time): Pattern<T> {
  return iter(pat, n, true);
}

/** Apply f on cycles 0, n, 2n, ... (Strudel's firstOf, Tidal's every; negative cycles not divisible by n are silent). */
export function firstOf<T>(pat: Pattern<T>, n: number, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  const k = Math.trunc(checkCount(n, "every"));
  if (k < 1) return pat;
  const pats = new Array<Pattern<T>>(k - 1).fill(pat);
  pats.unshift(f(pat));
  return slowcatPrimeOf(pats);
}
/** Apply f on cycles n-1, 2n-1, ... */
export function lastOf<T>(pat: Pattern<T>, n: number, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  const k = Math.trunc(checkCount(n, "lastOf"));
  if (k < 1) return pat;
  const pats = new Array<Pattern<T>>(k - 1).fill(pat);
  pats.push(f(pat));
  return slowcatPrimeOf(pats);
}

/** Every other cycle reversed (odd cycles). */
export function palindrome<T>(pat: Pattern<T>): Pattern<T> {
  return lastOf(pat, 2, rev).setSteps(pat.steps);
}

/** Repeat each event n times within its own span. */
export function ply<T>(pat: Pattern<T>, n: Time): Pattern<T> {
  const f = toTime(n);
  const result = pat.fmap((x) => pure(x).fast(f)).squeezeJoin();
  return result.setSteps(pat.steps === undefined ? undefined : pat.steps.mul(f));
}

/** Repeat each event n times, applying f cumulatively to each repeat (0, f, f∘f, ...). */
export function plyWith<T>(pat: Pattern<T>, n: number, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  checkCount(n, "plyWith");
  return pat
    .fmap((x) => {
      const pats: Pattern<T>[] = [];
      let p: Pattern<T> = pure(x);
      for (let i = 0; i <= n - 1; i++) {
        pats.push(p);
        p = f(p);
      }
      return slowcatOf(pats).fast(n);
    })
    .squeezeJoin()
    .setSteps(pat.steps === undefined ? undefined : pat.steps.mul(Rational.fromNumber(n)));
}

/** Repeat the first fraction t of each cycle to fill the cycle (negative t: the last |t|). */
export function linger<T>(pat: Pattern<T>, t: Time): Pattern<T> {
  const T = toTime(t);
  if (T.n === 0) return silence;
  if (T.n < 0) return pat.zoom(Rational.ONE.add(T), Rational.ONE).slow(T.neg()).setSteps(pat.steps);
  return pat.zoom(Rational.ZERO, T).slow(T).setSteps(pat.steps);
}

/** f applied "inside" n cycles: f(pat.slow(n)).fast(n). */
export function inside<T>(pat: Pattern<T>, n: Time, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  return f(pat.slow(n)).fast(n);
}
/** f applied "outside" n cycles: f(pat.fast(n)).slow(n). */
export function outside<T>(pat: Pattern<T>, n: Time, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  return f(pat.fast(n)).slow(n);
}

/** Patterned shift: `late` by a pattern of offsets (innerJoin), as Strudel's late("<0 0.25>"). */
export function lateBy<T>(pat: Pattern<T>, offsets: Pattern<unknown>): Pattern<T> {
  return patternify([offsets], (o) => pat.late(toTime(o as Time)));
}

/** Delay the second half of each 1/n slice by x/(2n) (Strudel: inside(n, late(seq(0, x/2)))). */
export function swingBy<T>(pat: Pattern<T>, x: number, n: Time): Pattern<T> {
  // Strudel halves the amount as a number (`swing / 2`) before it becomes a fraction.
  const half = x / 2;
  // Strudel's inside keeps the step count here (its late by a pattern keeps it).
  return withSteps(inside(pat, n, (p) => lateBy(p, fastcat(pure(0), pure(half)))), pat.steps);
}
/**
 * swingBy(1/3, n), as Tidal and Strudel. Phonon's `swing amt` instead shifted every second
 * event by amt cycles; we follow Tidal/Strudel.
 */
export function swing<T>(pat: Pattern<T>, n: Time): Pattern<T> {
  return swingBy(pat, 1 / 3, n);
}

/** Apply f where the boolean pattern is true (patterned; the transformed pattern is joined in). */
export function when<T>(pat: Pattern<T>, on: unknown, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  const memo = new Map<unknown, Pattern<T>>();
  const apply = (fn: (p: Pattern<T>) => Pattern<T>): Pattern<T> => {
    let r = memo.get(fn);
    if (r === undefined) memo.set(fn, (r = fn(pat)));
    return r;
  };
  return patternify([on instanceof Pattern ? on : pure(on), pure(f)], (v, fn: (p: Pattern<T>) => Pattern<T>) =>
    truthyValue(v) ? apply(fn) : pat,
  );
}
function truthyValue(v: unknown): boolean {
  return v instanceof Rational ? v.n !== 0 : Boolean(v);
}

/** On odd cycles, squash the cycle into its first half and shift it by a quarter. */
export function brak<T>(pat: Pattern<T>): Pattern<T> {
  return when(pat, slowcat(pure(false), pure(true)), (x) => fastcat(x, silence as Pattern<T>).late(Rational.of(1, 4)));
}

/** Each event starts r of the way into its span (squeezed into the rest). */
export function pressBy<T>(pat: Pattern<T>, r: Time): Pattern<T> {
  return pat.fmap((x) => pure(x).compress(r, 1)).squeezeJoin();
}
export function press<T>(pat: Pattern<T>): Pattern<T> {
  return pressBy(pat, Rational.HALF);
}

/** Loop `cycles` cycles starting at `offset` (Strudel's ribbon). */
export function ribbon<T>(pat: Pattern<T>, offset: Time, cycles: Time): Pattern<T> {
  return restart(pat.early(offset), pure(1).slow(cycles));
}

/**
 * Tidal's stretch (Sound.Tidal.UI): per cycle, zoom in on the arc enclosing that cycle's events
 * (their wholes, or parts for signals) so silence at the start or end of the cycle is cut out:
 * `stretch "~ 0 1 5 8*4 ~"` plays as `"0 1 5 8*4"`. A cycle with no events is left as it is.
 * Phonon's `stretch` was legato 1 (an audio-only hint that each note lasts its whole event,
 * which our events already do); Phonon's reference gives it no pattern meaning, so Tidal's holds.
 */
export function stretch<T>(pat: Pattern<T>): Pattern<T> {
  return new Pattern<T>((span, c) => {
    const cycle = span.begin.sam();
    const haps = pat.query(new TimeSpan(cycle, cycle.add(Rational.ONE)), c);
    if (haps.length === 0) return pat.query(span, c);
    let b: Rational | undefined;
    let e: Rational | undefined;
    for (const h of haps) {
      const arc = h.whole ?? h.part;
      if (b === undefined || arc.begin.lt(b)) b = arc.begin;
      if (e === undefined || arc.end.gt(e)) e = arc.end;
    }
    // Tidal's cycleArc: the same arc moved so that it starts in cycle 0.
    const start = b!.cyclePos();
    return pat.zoom(start, start.add(e!.sub(b!))).query(span, c);
  }).splitQueries();
}

/** Play only the first fraction t of each cycle, silent for the rest (Tidal's trunc). */
export function trunc<T>(pat: Pattern<T>, t: Time): Pattern<T> {
  const T = toTime(t);
  if (T.lte(Rational.ZERO)) return silence;
  if (T.gte(Rational.ONE)) return pat;
  return pat.zoom(Rational.ZERO, T).compress(Rational.ZERO, T);
}
/** Play only the [b, e) part of each cycle, in place, silent elsewhere (Phonon's trim). */
export function trim<T>(pat: Pattern<T>, b: Time, e: Time): Pattern<T> {
  const B = toTime(b);
  const E = toTime(e);
  if (B.gte(E)) return silence;
  return pat.zoom(B, E).compress(B, E);
}

/** Apply f to the events starting in cycle positions b..e (inclusive, Strudel); others pass unchanged. */
export function within<T>(pat: Pattern<T>, b: number, e: number, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  // Strudel compares in numbers (`t.cyclePos() >= a`: fraction.js's valueOf against the number
  // given), not as fractions, so a bound like 1/π (a fraction only to 1e-7) stays where it is.
  const inside = (t: Rational): boolean => {
    const p = t.cyclePos().toNumber();
    return p >= b && p <= e;
  };
  return stack(f(pat.filterWhen(inside)), pat.filterWhen((t) => !inside(t)));
}

function chunkImpl<T>(pat: Pattern<T>, n: number, f: (p: Pattern<T>) => Pattern<T>, back: boolean, fast: boolean): Pattern<T> {
  const k = Math.trunc(checkCount(n, "chunk"));
  if (k < 1) return pat;
  const binary = chunkSwitch(k, back);
  const src = fast ? pat : pat.repeatCycles(k);
  return when(src, binary, f);
}
/** Up to this many chunks, chunk's switch has one event per step, as Strudel's. */
const CHUNK_EXACT_STEPS = 1024;

/**
 * chunk's switch, as Strudel builds it (`iter` of true and k-1 falses; back: `iterBack`): cycle c
 * is true on step c mod k (back: step (k - c mod k) mod k) of k. Only the steps the query meets are
 * made. Up to CHUNK_EXACT_STEPS steps each is its own event, so `when` splits fragments at step
 * boundaries exactly where Strudel does; beyond that the false steps on each side of the true one
 * are one event each (the same events reach `when`, only fragments at step boundaries differ), so
 * the cost stays independent of k.
 */
function chunkSwitch(k: number, back: boolean): Pattern<boolean> {
  const stepLen = Rational.of(1, k);
  return new Pattern<boolean>((span) => {
    const cycle = span.begin.sam();
    const c = cycle.floor();
    const m = ((c % k) + k) % k;
    const j = back ? (k - m) % k : m;
    const out: Hap<boolean>[] = [];
    const emit = (b: Rational, e: Rational, v: boolean): void => {
      if (b.eq(e)) return;
      const whole = new TimeSpan(b, e);
      const part = whole.intersection(span);
      if (part !== undefined) out.push(new Hap(whole, part, v));
    };
    if (k <= CHUNK_EXACT_STEPS) {
      // The steps that can meet the span (one either side, for zero-width spans at a boundary).
      const first = Math.max(0, Math.floor(span.begin.sub(cycle).toNumber() * k) - 1);
      const last = Math.min(k - 1, Math.ceil(span.end.sub(cycle).toNumber() * k));
      for (let i = first; i <= last; i++) emit(cycle.add(Rational.of(i, k)), cycle.add(Rational.of(i + 1, k)), i === j);
      return out;
    }
    const on = cycle.add(Rational.of(j, k));
    const off = on.add(stepLen);
    emit(cycle, on, false);
    emit(on, off, true);
    emit(off, cycle.add(Rational.ONE), false);
    return out;
  })
    .splitQueries()
    .setSteps(k);
}

/** Cycle k applies f to chunk (k mod n) of n; each source cycle repeats n times (Strudel 1.2). */
export function chunk<T>(pat: Pattern<T>, n: number, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  return chunkImpl(pat, n, f, false, false);
}
/** As chunk, chunks taken from the last backwards. */
export function chunkBack<T>(pat: Pattern<T>, n: number, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  return chunkImpl(pat, n, f, true, false);
}
/** As chunk, without repeating source cycles. */
export function fastChunk<T>(pat: Pattern<T>, n: number, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  return chunkImpl(pat, n, f, false, true);
}

/** Apply f on cycles c with c mod n == o (Tidal's every'). */
export function everyOffset<T>(pat: Pattern<T>, n: number, o: number, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  const k = Math.trunc(n);
  if (k < 1) return pat;
  const fp = f(pat);
  return new Pattern<T>((span, c) => {
    const cyc = span.begin.floor();
    return (((cyc % k) + k) % k === ((o % k) + k) % k ? fp : pat).query(span, c);
  }).splitQueries();
}
/** Apply f on cycles c with c mod a >= b (Tidal's whenmod). */
export function whenmod<T>(pat: Pattern<T>, a: number, b: number, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  const fp = f(pat);
  return new Pattern<T>((span, c) => {
    const cyc = span.begin.floor();
    return (((cyc % a) + a) % a >= b ? fp : pat).query(span, c);
  }).splitQueries();
}
/** every n1 f (every n2 f (... pat)) for each n of ns (Tidal's foldEvery). */
export function foldEvery<T>(pat: Pattern<T>, ns: number[], f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  return ns.reduceRight((acc, n) => firstOf(acc, n, f), pat);
}

/** Rotate values among the events of each cycle by n places, keeping the structure (Tidal's rot). */
export function rot<T>(pat: Pattern<T>, n: number): Pattern<T> {
  const k = Math.trunc(n);
  return new Pattern<T>((span, c) => {
    const cycle = span.begin.sam();
    const haps = pat
      .query(new TimeSpan(cycle, cycle.add(Rational.ONE)), c)
      .filter((h) => h.whole !== undefined)
      .sort((a, b) => a.whole!.begin.cmp(b.whole!.begin) || a.part.begin.cmp(b.part.begin));
    const len = haps.length;
    if (len === 0) return [];
    const out: Hap<T>[] = [];
    for (let i = 0; i < len; i++) {
      const h = haps[i]!;
      const v = haps[(((i + k) % len) + len) % len]!.value;
      const part = h.part.intersection(span);
      if (part) out.push(new Hap(h.whole, part, v));
    }
    return out;
  }).splitQueries();
}

/** Loop the first n cycles (ribbon 0 n): Phonon's `loop n`. */
export function loopFirstCycles<T>(pat: Pattern<T>, n: Time): Pattern<T> {
  return ribbon(pat, 0, n);
}

/**
 * Break the pattern into pieces by a boolean pattern: a true event loops the matching stretch
 * of the source (ribbon) through f; a false event plays the source unchanged (Strudel's into).
 */
export function into<T>(pat: Pattern<T>, pieces: Pattern<unknown>, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  return pieces
    .withHap((h) => {
      const on = truthyValue(h.value) && h.whole !== undefined;
      const p = on ? f(ribbon(pat, h.whole!.begin, h.whole!.end.sub(h.whole!.begin))) : pat;
      return new Hap(h.whole, h.part, p);
    })
    .innerJoin();
}
/** Like chunk, but the chunk is looped through f (Strudel's chunkInto). */
export function chunkInto<T>(pat: Pattern<T>, n: number, f: (p: Pattern<T>) => Pattern<T>, back = false): Pattern<T> {
  const k = Math.trunc(checkCount(n, "chunkInto"));
  if (k < 1) return pat;
  const bools = fastcat(pure(true), ...new Array<Pattern<boolean>>(k - 1).fill(pure(false)));
  const pieces = back ? iter(bools, k).early(Rational.ONE) : iterBack(bools, k);
  return into(pat, pieces, f);
}
