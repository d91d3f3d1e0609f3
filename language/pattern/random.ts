//! Deterministic randomness as Strudel computes it (legacy xorshift hash of the time): rand signals, degrade, sometimes, choose, shuffle, scramble, seed.
import { range, segment } from "./ops/compose.js";
import { checkCount } from "./limit.js";
import { Hap } from "./hap.js";
import { Pattern, type Controls, pure, reify, signal, silence, stack } from "./pattern.js";
import { TimeSpan } from "./span.js";
import { Rational } from "./rational.js";

// ---- the hash (Strudel's "legacy" generator, a port of Tidal's timeToRand in 32-bit integers) ----

const TWO29 = 536870912;

function xorwise(x: number): number {
  const a = (x << 13) ^ x;
  const b = (a >> 17) ^ a;
  return (b << 5) ^ b;
}
function timeToIntSeed(x: number): number {
  const y = x / 300;
  return xorwise(Math.trunc((y - Math.trunc(y)) * TWO29));
}
function intSeedToRand(x: number): number {
  return (x % TWO29) / TWO29;
}

/** The random number in [0, 1) at time t (a float, plus the optional seed). */
export function randAt(t: number, seed = 0): number {
  return Math.abs(intSeedToRand(timeToIntSeed(t + seed)));
}

/** n random numbers at time t (for n > 1 they may be negative, as in Strudel). */
export function randsAt(t: number, n: number, seed = 0): number[] {
  if (n === 1) return [randAt(t, seed)];
  let s = timeToIntSeed(t + seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(intSeedToRand(s));
    s = xorwise(s);
  }
  return out;
}

const seedOf = (c: Controls | undefined): number => c?.randSeed ?? 0;

// ---- random signals ----

/** Continuous random values in [0, 1), a function of time (and the seed). */
export const rand: Pattern<number> = signal((t, c) => randAt(t.toNumber(), seedOf(c)));
/** Random values in [-1, 1). */
export const rand2: Pattern<number> = rand.fmap((x) => x * 2 - 1);
/** Random booleans, true with probability p. */
export function brandBy(p: number): Pattern<boolean> {
  return rand.fmap((x) => x < p);
}
export const brand = brandBy(0.5);
/** Random integers 0 .. n-1. */
export function irand(n: number): Pattern<number> {
  return rand.fmap((x) => Math.trunc(x * n));
}

function smootherStep(x: number): number {
  return 6.0 * x ** 5 - 15.0 * x ** 4 + 10.0 * x ** 3;
}
/** Smooth random values: random at each integer time, interpolated between. */
export const perlin: Pattern<number> = signal((t, c) => {
  const x = t.toNumber();
  const ta = Math.floor(x);
  const ra = randAt(ta, seedOf(c));
  const rb = randAt(ta + 1, seedOf(c));
  return ra + smootherStep(x - ta) * (rb - ra);
});
/** Random ramps ("Berlin noise"): rises from one random point by a random height each cycle. */
export const berlin: Pattern<number> = signal((t, c) => {
  const x = t.toNumber();
  const prev = Math.floor(x);
  const bottom = randAt(prev, seedOf(c));
  const top = bottom + randAt(prev + 1, seedOf(c));
  return (bottom + (x - prev) * (top - bottom)) / 2;
});

/** Change the random seed for everything below (Strudel's seed). */
export function withSeed<T>(pat: Pattern<T>, n: number): Pattern<T> {
  return new Pattern<T>((span, c) => pat.query(span, { ...c, randSeed: n }), pat.steps);
}

// ---- degrading ----

/** Keep the haps of pat whose random value (sampled at the hap's start) is above x. */
export function degradeByWith<T>(pat: Pattern<T>, withPat: Pattern<number>, x: number): Pattern<T> {
  return pat.fmap((a) => (_: number) => a).appLeft(withPat.filterValues((v) => v > x));
}
/** Drop each event with probability x. */
export function degradeBy<T>(pat: Pattern<T>, x: number): Pattern<T> {
  return degradeByWith(pat, rand, x);
}
/**
 * Keep the events degradeBy(1 - x) would drop, i.e. keep where 1 - rand > x (Strudel). Unlike
 * Tidal's unDegradeBy, which keeps a fraction x, this also removes about a fraction x.
 */
export function undegradeBy<T>(pat: Pattern<T>, x: number): Pattern<T> {
  return degradeByWith(
    pat,
    rand.fmap((r) => 1 - r),
    x,
  );
}

/** Apply f to a random selection (probability x) of the events, chosen on the untransformed pattern. */
export function sometimesBy<T>(pat: Pattern<T>, x: number, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  return pure(x)
    .fmap((v) => stack(degradeBy(pat, v), f(undegradeBy(pat, 1 - v))))
    .innerJoin();
}
/** Apply f to whole cycles chosen at random with probability x. */
export function someCyclesBy<T>(pat: Pattern<T>, x: number, f: (p: Pattern<T>) => Pattern<T>): Pattern<T> {
  return pure(x)
    .fmap((v) =>
      stack(
        degradeByWith(pat, segment(rand, 1), v),
        f(
          degradeByWith(
            pat,
            segment(
              rand.fmap((r) => 1 - r),
              1,
            ),
            1 - v,
          ),
        ),
      ),
    )
    .innerJoin();
}

// ---- choosing ----

function chooseBy(pat: Pattern<number>, xs: unknown[]): Pattern<Pattern<unknown>> {
  const pats = xs.map((x) => reify(x) as Pattern<unknown>);
  return (range(pat, 0, pats.length) as Pattern<number>).fmap((i) => {
    const k = Math.min(Math.max(Math.floor(i), 0), pats.length - 1);
    return pats[k]!;
  });
}
/** Pick among xs by the values (0..1) of pat; the chosen pattern keeps the picker's structure. */
export function chooseWith(pat: Pattern<number>, xs: unknown[]): Pattern<unknown> {
  if (xs.length === 0) return silence;
  return chooseBy(pat, xs).outerJoin();
}
/** As chooseWith, but the chosen pattern keeps its own structure. */
export function chooseInWith(pat: Pattern<number>, xs: unknown[]): Pattern<unknown> {
  if (xs.length === 0) return silence;
  return chooseBy(pat, xs).innerJoin();
}
/** A continuous random choice among the values. */
export function choose(...xs: unknown[]): Pattern<unknown> {
  return chooseWith(rand, xs);
}
/** One of the patterns each cycle, chosen at random (the `|` of mini-notation). */
export function chooseCycles(...xs: unknown[]): Pattern<unknown> {
  return chooseInWith(segment(rand, 1), xs);
}
export const randcat = chooseCycles;

/** Weighted random choice among [value, weight] pairs, once per cycle. */
export function wchooseCycles(...pairs: Array<[unknown, number]>): Pattern<unknown> {
  const total = pairs.reduce((a, [, w]) => a + w, 0);
  const pats = pairs.map(([v]) => reify(v) as Pattern<unknown>);
  return segment(rand, 1)
    .fmap((r) => {
      const find = r * total;
      let acc = 0;
      for (let i = 0; i < pairs.length; i++) {
        acc += pairs[i]![1];
        if (acc > find) return pats[i]!;
      }
      return pats[pats.length - 1] ?? (silence as Pattern<unknown>);
    })
    .innerJoin();
}
export const wrandcat = wchooseCycles;

// ---- rearranging ----

/** A random permutation of 0..n-1 per cycle, as a sequence of n steps. */
export function randrun(n: number): Pattern<number> {
  checkCount(n, "shuffle");
  if (n < 1) return silence;
  const count = Rational.fromNumber(n);
  const sig = signal((t, c) => {
    const rands = randsAt(t.floor() + 0.5, n, seedOf(c));
    const order = rands
      .map((r, i) => [r, i] as const)
      .sort((a, b) => Number(a[0] > b[0]) - Number(a[0] < b[0]))
      .map((x) => x[1]);
    // Strudel's t.cyclePos().mul(n).floor() % n, exact: in floats (1/49)·49 is 0.999…, a step too early.
    const i = t.cyclePos().mul(count).floor() % n;
    return order[i]!;
  });
  return segment(sig, n);
}

function rearrangeWith<T>(ipat: Pattern<number>, n: number, pat: Pattern<T>): Pattern<T> {
  checkCount(n, "scramble");
  const pats: Pattern<T>[] = [];
  for (let i = 0; i < n; i++) {
    pats.push(
      pat
        .zoom(Rational.of(i, n), Rational.of(i + 1, n))
        .repeatCycles(n)
        .fast(n),
    );
  }
  return ipat.fmap((i) => pats[i] ?? (silence as Pattern<T>)).innerJoin();
}

/**
 * Each cycle, play the n slices of the cycle in a random order, each once (Tidal/Strudel's
 * shuffle). Phonon's `shuffle amt` jittered event times instead; we follow Tidal/Strudel.
 */
export function shuffle<T>(pat: Pattern<T>, n: number): Pattern<T> {
  return rearrangeWith(randrun(n), n, pat);
}
/** Each cycle, play n randomly chosen slices of the cycle (with repetition). */
export function scramble<T>(pat: Pattern<T>, n: number): Pattern<T> {
  return rearrangeWith(segment(irand(n), n), n, pat);
}

/** Mini-notation's `?`: degrade with the random stream shifted by 0.0003 × seed cycles. */
export function miniDegrade<T>(pat: Pattern<T>, amount: number, seed: number): Pattern<T> {
  return degradeByWith(pat, rand.early(0.0003 * seed), amount);
}
/** Mini-notation's `|`: choose one alternative per cycle, with the shifted random stream. */
export function miniChoose<T>(pats: Pattern<T>[], seed: number): Pattern<T> {
  return chooseInWith(segment(rand.early(0.0003 * seed), 1), pats) as Pattern<T>;
}
