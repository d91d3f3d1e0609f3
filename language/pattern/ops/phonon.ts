//! Phonon's meanings of stut, swing and shuffle (what `.ph` files mean by them; the registry keeps Tidal/Strudel's under those names).
import { Hap } from "../hap.js";
import { checkCount } from "../limit.js";
import { type Controls, Pattern, stackOf } from "../pattern.js";
import { randAt } from "../random.js";
import { Rational } from "../rational.js";
import { TimeSpan } from "../span.js";
import { isControlMap } from "../value.js";

/**
 * Phonon's `stut n time decay` (Strudel's `echo(n, time, decay)`): n copies, copy i later by
 * i·time cycles and decay^i as loud. As Phonon's `stut_gain` context, the factor is kept in its
 * own control, `stutGain` (nested stuts multiply it), which the scheduler multiplies into the
 * gain: so `stut 16 0.03125 0.8 $ s "bd" # gain 0.03` plays copies at 0.03 · 0.8^i, where
 * setting `gain` itself would be undone by the `# gain` that follows. Values that are not
 * controls (a numeric pattern feeding a signal) are copied unchanged.
 */
export function stutPhonon<T>(pat: Pattern<T>, n: number, time: Rational, decay: number): Pattern<unknown> {
  const k = Math.max(0, Math.floor(checkCount(n, "stut count")));
  const layers: Pattern<unknown>[] = [];
  for (let i = 0; i < k; i++) {
    const g = Math.pow(decay, i);
    layers.push(
      pat.late(time.mul(Rational.of(i))).fmap((v): unknown => {
        if (!isControlMap(v)) return v;
        const before = typeof v["stutGain"] === "number" ? (v["stutGain"] as number) : 1;
        return { ...v, stutGain: before * g };
      }),
    );
  }
  return stackOf(layers);
}

/**
 * A transform that moves each event (whole and part) by `shift(hap, onsetsOf)` cycles, answering
 * any query exactly: the source is queried over the query widened by `reach` (the largest shift
 * either way), the moved fragments are clipped to the query, and continuous haps (signals) pass
 * through unmoved. `onsetsOf(k)` gives the sorted distinct onsets of the source's cycle k.
 */
function moveEvents<T>(
  pat: Pattern<T>,
  reach: Rational,
  shift: (h: Hap<T>, onsetsOf: (k: number) => Rational[], c: Controls | undefined) => Rational,
): Pattern<T> {
  return new Pattern<T>((span, c) => {
    const cache = new Map<number, Rational[]>();
    const onsetsOf = (k: number): Rational[] => {
      let hit = cache.get(k);
      if (hit === undefined) {
        const cs = Rational.of(k);
        const ce = Rational.of(k + 1);
        const times: Rational[] = [];
        for (const h of pat.query(new TimeSpan(cs, ce), c)) {
          const b = h.whole?.begin;
          if (b !== undefined && b.gte(cs) && b.lt(ce) && !times.some((t) => t.eq(b))) times.push(b);
        }
        hit = times.sort((a, b) => a.cmp(b));
        cache.set(k, hit);
      }
      return hit;
    };
    const out: Hap<T>[] = [];
    let continuous = false;
    for (const h of pat.query(new TimeSpan(span.begin.sub(reach), span.end.add(reach)), c)) {
      if (h.whole === undefined) {
        continuous = true;
        continue;
      }
      const d = shift(h, onsetsOf, c);
      const whole = new TimeSpan(h.whole.begin.add(d), h.whole.end.add(d));
      const moved = new TimeSpan(h.part.begin.add(d), h.part.end.add(d));
      const part = moved.intersection(span);
      if (part !== undefined) out.push(new Hap(whole, part, h.value));
    }
    if (continuous) for (const h of pat.query(span, c)) if (h.whole === undefined) out.push(h);
    return out;
  }, pat.steps);
}

/**
 * Phonon's `swing amt`: in each cycle, the events at every second onset in time order (the 2nd,
 * 4th, … distinct onset of the cycle) start `amt` cycles later; the others stay. Phonon counted
 * events in query order, so its result depended on how it was queried; here the count is per
 * cycle and by time, so any query gives the same events. Events starting together move together.
 */
export function swingPhonon<T>(pat: Pattern<T>, amount: Rational): Pattern<T> {
  if (amount.n === 0) return pat;
  const reach = amount.n < 0 ? amount.neg() : amount;
  return moveEvents(pat, reach, (h, onsetsOf) => {
    const b = h.whole!.begin;
    const i = onsetsOf(b.floor()).findIndex((t) => t.eq(b));
    return i % 2 === 1 ? amount : Rational.ZERO;
  });
}

/** Shifts are whole multiples of 2^-16 cycle (about 30 µs at 0.5 cps), so times stay small fractions. */
const GRID = 65536;
/** The random number is read this far after each onset, so that an event at time 0 is not pinned to −amt. */
const RAND_OFFSET = 0.0123;

/**
 * Phonon's `shuffle amt` (and `humanize t v`, which calls it): each event moves by a random amount
 * in [−amt, amt) cycles, the same every time it is queried: amt·(2·rand − 1) with rand Strudel's
 * seeded random at the event's onset (honouring `seed`), rounded to 2^-16 cycle. Phonon seeded a
 * generator per queried cycle instead, so its shifts depended on the query.
 */
export function jitter<T>(pat: Pattern<T>, amount: number): Pattern<T> {
  const amt = Math.abs(amount);
  if (!(amt > 0)) return pat;
  const reach = Rational.of(Math.ceil(amt * GRID), GRID);
  return moveEvents(pat, reach, (h, _o, c) => {
    const r = randAt(h.whole!.begin.toNumber() + RAND_OFFSET, c?.randSeed ?? 0);
    return Rational.of(Math.round(amt * (2 * r - 1) * GRID), GRID);
  });
}

/**
 * Tidal's `stripe n` (Phonon lists it among its transforms): each cycle plays the pattern n times
 * in a row, at random speeds that add up to the cycle: repetition i takes a share of the cycle
 * weighted 1, 2 or 3 (chosen with Strudel's seeded random at c + i/n, as Tidal chooses at that
 * time) and plays the source's cycle c·n + i squeezed into it. Silence for n < 1.
 */
export function stripe<T>(pat: Pattern<T>, n: number): Pattern<T> {
  const k = Math.floor(checkCount(n, "stripe"));
  if (!(k >= 1)) return new Pattern<T>(() => []);
  return new Pattern<T>((span, c) => {
    const cyc = span.begin.floor();
    const seed = c?.randSeed ?? 0;
    const weights = Array.from({ length: k }, (_, i) => 1 + Math.min(2, Math.floor(randAt(cyc + i / k, seed) * 3)));
    const total = weights.reduce((a, b) => a + b, 0);
    const out: Hap<T>[] = [];
    let acc = 0;
    for (let i = 0; i < k; i++) {
      const a = Rational.of(cyc).add(Rational.of(acc, total));
      acc += weights[i]!;
      const e = Rational.of(cyc).add(Rational.of(acc, total));
      const piece = new TimeSpan(a, e).intersection(span);
      if (piece === undefined || (piece.begin.eq(piece.end) && !span.begin.eq(span.end))) continue;
      const d = e.sub(a);
      const src = Rational.of(cyc * k + i);
      const to = (t: Rational): Rational => src.add(t.sub(a).div(d));
      const from = (t: Rational): Rational => a.add(t.sub(src).mul(d));
      for (const h of pat.query(new TimeSpan(to(piece.begin), to(piece.end)), c)) {
        const part = new TimeSpan(from(h.part.begin), from(h.part.end));
        const whole = h.whole === undefined ? undefined : new TimeSpan(from(h.whole.begin), from(h.whole.end));
        out.push(new Hap(whole, part, h.value));
      }
    }
    return out;
  }).splitQueries();
}
