//! Building and arranging patterns: arrange, polymeter, pace, run, binary, pick/squeeze, groove.
import { Hap } from "../hap.js";
import { checkCount } from "../limit.js";
import { boundedPeriod, fastcatOf, lcmStepsOf, Pattern, patternify, pure, reify, silence, stackOf, type Time, timecat, toTime } from "../pattern.js";
import { TimeSpan } from "../span.js";
import { perlin } from "../random.js";
import { range, round, segment } from "./compose.js";
import { saw } from "../signal.js";
import { swingBy } from "./time.js";

/** Play each section for the given number of cycles, in turn. */
export function arrange<T>(...sections: Array<[number, Pattern<T>]>): Pattern<T> {
  const total = sections.reduce((sum, [cycles]) => sum + cycles, 0);
  if (total === 0) return silence;
  return timecat(sections.map(([cycles, p]) => [cycles, p.fast(cycles)] as [Time, Pattern<T>])).slow(total);
}

/** Change speed so the pattern has n steps per cycle (patterns without a step count are unchanged). */
export function pace<T>(pat: Pattern<T>, n: Time): Pattern<T> {
  if (pat.steps === undefined) return pat;
  if (pat.steps.n === 0) return silence;
  const target = toTime(n);
  return pat.fast(target.div(pat.steps)).setSteps(target);
}

/** Align layers by step count: each plays at the lcm of the layers' steps per cycle. */
export function polymeter<T>(...pats: Pattern<T>[]): Pattern<T> {
  const withSteps = pats.filter((p) => p.steps !== undefined);
  if (withSteps.length === 0) return silence;
  const steps = lcmStepsOf(withSteps.map((p) => p.steps))!;
  if (steps.n === 0) return silence;
  return stackOf(withSteps.map((p) => pace(p, steps))).setSteps(steps);
}

/**
 * 0 .. n-1 as a sequence, computed as Strudel does (saw.range(0, n).round().segment(n)), so
 * negative cycles count down from 0 the way the saw does there.
 */
export function run(n: number): Pattern<number> {
  return segment(round(range(saw, 0, n)), n) as Pattern<number>;
}

/**
 * Tidal's scan: run 1, run 2, … run n, one per cycle (the slowcat of the runs), built lazily: cycle
 * c plays run(c mod n + 1), so a large n costs nothing until its cycles are queried. n is at most
 * MAX_COUNT (cycle n-1 plays n events). Its step count is left unknown: the lcm of 1..n is
 * astronomically large past a few dozen and means nothing to a stepwise function.
 */
export function scan(n: number): Pattern<number> {
  const k = Math.max(1, Math.trunc(checkCount(n, "scan")));
  let last: [number, Pattern<number>] | undefined;
  return new Pattern<number>((span, c) => {
    const cyc = span.begin.floor();
    const i = ((cyc % k) + k) % k;
    if (last?.[0] !== i) last = [i, run(i + 1)];
    return last[1].query(span, c);
  })
    .splitQueries()
    .periodic(boundedPeriod(k));
}

/** The bits of n (most significant first) as a sequence of nBits 0/1 values. */
export function binaryN(n: number, nBits = 16): Pattern<number> {
  const bits = Math.max(0, Math.trunc(checkCount(nBits, "binary bits")));
  const out: Pattern<number>[] = [];
  for (let i = bits - 1; i >= 0; i--) out.push(pure((n >> i) & 1));
  return fastcatOf(out);
}
/** The bits of n with as many bits as n needs (Strudel's binary). */
export function binary(n: number): Pattern<number> {
  const bits = n > 0 ? Math.floor(Math.log2(n)) + 1 : 1;
  return binaryN(n, bits);
}

/** A lookup table of patterns: a list (by index) or an object (by key). */
export type Lookup = unknown[] | Record<string, unknown>;

function lookupPattern(xs: Lookup, v: unknown, wrap: boolean): Pattern<unknown> {
  if (Array.isArray(xs)) {
    if (xs.length === 0) return silence;
    let i = Math.round(Number(v));
    if (Number.isNaN(i)) i = 0;
    i = wrap ? ((i % xs.length) + xs.length) % xs.length : Math.min(Math.max(i, 0), xs.length - 1);
    return reify(xs[i]) as Pattern<unknown>;
  }
  const x = xs[String(v)];
  return x === undefined ? silence : (reify(x) as Pattern<unknown>);
}

/** How a pick joins the chosen patterns: Strudel's pick (inner), pickOut, pickRestart, pickReset, inhabit (squeeze). */
export type PickJoin = "inner" | "outer" | "restart" | "reset" | "squeeze";

/**
 * Strudel's `_pick(lookup, pat, modulo)` followed by a join: each value of pat picks a pattern
 * from the lookup, by key (a table) or by index (a list: rounded, then clamped to the list, or
 * with `wrap` taken modulo its length, as the `*mod*` variants do).
 */
export function pickWith(pat: Pattern<unknown>, xs: Lookup, wrap: boolean, join: PickJoin): Pattern<unknown> {
  if ((Array.isArray(xs) ? xs.length : Object.keys(xs).length) === 0) return silence;
  const picked = pat.fmap((v) => lookupPattern(xs, v, wrap));
  switch (join) {
    case "inner":
      return picked.innerJoin();
    case "outer":
      return picked.outerJoin();
    case "restart":
      return picked.restartJoin();
    case "reset":
      return picked.resetJoin();
    case "squeeze":
      return picked.squeezeJoin();
  }
}

/** Values of pat pick patterns from the lookup (indices clamped to the list); the chosen pattern keeps its structure. */
export function pick(pat: Pattern<unknown>, xs: Lookup): Pattern<unknown> {
  return pickWith(pat, xs, false, "inner");
}
/** As pick, indices wrapping around the list. */
export function pickmod(pat: Pattern<unknown>, xs: Lookup): Pattern<unknown> {
  return pickWith(pat, xs, true, "inner");
}
/** Strudel's inhabit / pickSqueeze: as pick (indices clamped), each chosen pattern's cycle squeezed into the picking event. */
export function inhabit(pat: Pattern<unknown>, xs: Lookup): Pattern<unknown> {
  return pickWith(pat, xs, false, "squeeze");
}
/** Strudel's squeeze / inhabitmod: as inhabit, indices wrapping around the list. */
export function squeeze(pat: Pattern<unknown>, xs: Lookup): Pattern<unknown> {
  return pickWith(pat, xs, true, "squeeze");
}

/**
 * Play the notes of stacked chords (events with the same whole) one after another, picked by
 * the index pattern (index i takes note i mod size).
 */
export function arp<T>(pat: Pattern<T>, indices: unknown): Pattern<T> {
  const idx = reify(indices) as Pattern<unknown>;
  const grouped = new Pattern<Hap<T>[]>((span, c) => {
    const groups: Hap<T>[][] = [];
    for (const h of pat.query(span, c)) {
      const g = groups.find(([o]) => (o!.whole === undefined && h.whole === undefined) || (o!.whole !== undefined && h.whole !== undefined && o!.whole.equals(h.whole)));
      if (g) g.push(h);
      else groups.push([h]);
    }
    return groups.map((g) => new Hap(g[0]!.whole, g[0]!.part, g));
  });
  return grouped
    .fmap((haps) => idx.fmap((i) => haps[(i as number) % haps.length]).filterValues((h) => h !== undefined) as Pattern<Hap<T>>)
    .innerJoin()
    .fmap((h) => h.value);
}

/** Swing templates for Phonon's `groove`: swing amount (fraction of the slot) and slots per cycle. */
export const GROOVES: Readonly<Record<string, { swing: number; slots: number }>> = {
  mpc: { swing: 1 / 6, slots: 8 },
  hiphop: { swing: 1 / 5, slots: 8 },
  reggae: { swing: 1 / 4, slots: 4 },
  jazz: { swing: 1 / 3, slots: 4 },
  house: { swing: 1 / 8, slots: 8 },
};

/**
 * Phonon's groove "name" [amount]: a swing template (swingBy of the template's amount times
 * `amount`, on the template's slots); "drunken" shifts events by a slow random walk of up to
 * 1/32 cycle × amount. Not a Tidal function.
 */
export function groove<T>(pat: Pattern<T>, name: string, amount = 1): Pattern<T> {
  if (name === "drunken") {
    const offsets = segment(range(perlin.slow(4), 0, amount / 32), 16);
    return patternify([offsets], (o) => pat.late(toTime(o as number)));
  }
  const g = GROOVES[name];
  if (!g) throw new Error(`unknown groove "${name}" (known: ${[...Object.keys(GROOVES), "drunken"].join(", ")})`);
  return swingBy(pat, g.swing * amount, g.slots);
}

/**
 * Strudel's defragmentHaps: continuous events dropped, then touching fragments of one event (the
 * same whole and value) joined, in Strudel's order of search. No step count, as Strudel's.
 */
export function defragment<T>(pat: Pattern<T>): Pattern<T> {
  const discrete = pat.discreteOnly();
  return new Pattern<T>((span, c) => {
    const haps = discrete.query(span, c);
    const out: Hap<T>[] = [];
    for (let i = 0; i < haps.length; i++) {
      let a = haps[i]!;
      const av = JSON.stringify(a.value);
      let found = true;
      while (found) {
        found = false;
        for (let j = i + 1; j < haps.length; j++) {
          const b = haps[j]!;
          if (!a.whole!.equals(b.whole!) || JSON.stringify(b.value) !== av) continue;
          if (a.part.begin.eq(b.part.end)) a = new Hap(a.whole, new TimeSpan(b.part.begin, a.part.end), a.value);
          else if (b.part.begin.eq(a.part.end)) a = new Hap(a.whole, new TimeSpan(a.part.begin, b.part.end), a.value);
          else continue;
          haps.splice(j, 1);
          found = true;
          break;
        }
      }
      out.push(a);
    }
    return out;
  });
}
