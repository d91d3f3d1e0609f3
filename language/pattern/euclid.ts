//! Euclidean rhythms: Bjorklund's algorithm and the euclid family (rotation to the right, as Strudel).
import { struct } from "./ops/compose.js";
import { checkCount } from "./limit.js";
import { Hap } from "./hap.js";
import { Pattern, pure, silence, timecat } from "./pattern.js";
import { TimeSpan } from "./span.js";
import { Rational } from "./rational.js";

/**
 * Bjorklund's algorithm as in Tidal: `pulses` onsets spread over `steps` (1 = onset), e.g.
 * (3,8) → 1 0 0 1 0 0 1 0. Negative pulses invert the result (Strudel).
 */
export function bjorklund(pulses: number, steps: number): number[] {
  const inverted = pulses < 0;
  const ons = Math.trunc(Math.abs(pulses));
  steps = Math.trunc(checkCount(steps, "euclid steps"));
  if (steps <= 0) return [];
  if (ons >= steps) return new Array<number>(steps).fill(inverted ? 0 : 1);
  // Tidal's algorithm keeps two lists of groups; every group in a list is the same, so each list
  // is held as one group and a count. A run of the second case is taken at once (q = ⌊j/i⌋ steps),
  // so (3, 65536) takes a few steps, not 21,844 passes over 65,536 groups.
  let i = ons;
  let j = steps - ons;
  let x: number[] = [1];
  let y: number[] = [0];
  while (Math.min(i, j) > 1) {
    if (i > j) {
      const nx = x.concat(y);
      y = x;
      x = nx;
      [i, j] = [j, i - j];
    } else {
      const q = Math.floor(j / i);
      const nx = x.slice();
      for (let k = 0; k < q; k++) for (const v of y) nx.push(v);
      x = nx;
      j -= q * i;
    }
  }
  const out: number[] = [];
  for (let k = 0; k < i; k++) for (const v of x) out.push(v);
  for (let k = 0; k < j; k++) for (const v of y) out.push(v);
  return inverted ? out.map((v) => 1 - v) : out;
}

/** JavaScript-slice rotation as Strudel's util `rotate`: rotate(xs, -r) moves right by r (for 0 < r < length). */
function rotate<T>(xs: T[], n: number): T[] {
  return xs.slice(n).concat(xs.slice(0, n));
}

/** The boolean list of a euclidean rhythm, rotated right by `rotation` steps (Strudel; Tidal rotates left). */
export function euclidBools(pulses: number, steps: number, rotation = 0): number[] {
  const b = bjorklund(pulses, steps);
  return rotation ? rotate(b, -Math.trunc(rotation)) : b;
}

/**
 * The onsets of a rhythm as a sequence of `bools.length` steps per cycle holding 1 where the
 * rhythm is on. The off steps are left out: every use is a `struct`, which drops them anyway, and
 * a query costs the onsets it meets, not the steps (`bd(3,65536)` is three events a cycle).
 */
function boolSequence(bools: number[]): Pattern<number> {
  const n = bools.length;
  const onsets: number[] = [];
  for (let k = 0; k < n; k++) if (bools[k]) onsets.push(k);
  const N = Rational.of(n);
  const stepLen = Rational.of(1, n);
  return new Pattern<number>((span) => {
    const out: Hap<number>[] = [];
    for (const piece of span.spanCycles()) {
      const cycle = piece.begin.sam();
      const b = piece.begin.sub(cycle).mul(N);
      const e = piece.end.sub(cycle).mul(N);
      const zero = piece.begin.eq(piece.end);
      const k0 = b.floor();
      const k1 = zero ? k0 + 1 : e.ceil();
      for (let idx = firstAtLeast(onsets, k0); idx < onsets.length && onsets[idx]! < k1; idx++) {
        const k = onsets[idx]!;
        const wb = cycle.add(Rational.of(k, n));
        const whole = new TimeSpan(wb, wb.add(stepLen));
        const part = whole.intersection(piece);
        if (part !== undefined) out.push(new Hap(whole, part, 1));
      }
    }
    return out;
  })
    .setSteps(n)
    .periodic(1);
}

/** The index of the first element ≥ k in a sorted list (its length when none is). */
function firstAtLeast(xs: number[], k: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Play pat's values on the onsets of a (pulses, steps) euclidean rhythm. */
export function euclid<T>(pat: Pattern<T>, pulses: number, steps: number): Pattern<T> {
  return euclidRot(pat, pulses, steps, 0);
}
/** Euclid rotated right by `rotation` steps: (3,8,2) = x.x..x.. (Strudel's direction). */
export function euclidRot<T>(pat: Pattern<T>, pulses: number, steps: number, rotation: number): Pattern<T> {
  const bools = euclidBools(pulses, steps, rotation);
  if (bools.length === 0) return silence;
  return struct(pat, boolSequence(bools));
}
/** Euclid where the silent steps of the inverted rhythm play instead (Tidal's euclidInv). */
export function euclidInv<T>(pat: Pattern<T>, pulses: number, steps: number, rotation = 0): Pattern<T> {
  return euclidRot(pat, -pulses, steps, rotation);
}
/** Play pat where the rhythm is on, and other where it is off (Tidal's euclidFull). */
export function euclidFull<T>(pat: Pattern<T>, pulses: number, steps: number, other: Pattern<T>): Pattern<T> {
  const bools = euclidBools(pulses, steps, 0);
  if (bools.length === 0) return silence;
  const on = struct(pat, boolSequence(bools));
  const off = struct(other, boolSequence(bools.map((b) => 1 - b)));
  return new Pattern<T>((span, c) => on.query(span, c).concat(off.query(span, c)));
}
/**
 * Euclid with each onset held until the next (legato), then the whole shifted by rotation/steps:
 * as Strudel, a time shift, so a fractional rotation shifts by a fraction of a step.
 */
export function euclidLegatoRot<T>(pat: Pattern<T>, pulses: number, steps: number, rotation: number | Rational): Pattern<T> {
  if (pulses < 1) return silence;
  if (Math.trunc(steps) < 1) throw new RangeError(`the rhythm has ${Math.trunc(steps)} steps; it needs at least 1`);
  const bools = euclidBools(pulses, steps, 0);
  const gaps: Array<[number, Pattern<boolean>]> = bools
    .join("")
    .split("1")
    .slice(1)
    .map((s) => [s.length + 1, pure(true)]);
  const rot = rotation instanceof Rational ? rotation : Rational.fromNumber(rotation);
  return struct(pat, timecat(gaps)).late(rot.div(Rational.of(Math.trunc(steps))));
}
export function euclidLegato<T>(pat: Pattern<T>, pulses: number, steps: number): Pattern<T> {
  return euclidLegatoRot(pat, pulses, steps, 0);
}

/**
 * Strudel's euclidish: morph the (pulses, steps) rhythm towards evenly spaced pulses by
 * `amount` (0 = euclidean, 1 = even), keeping each onset's step length.
 */
export function euclidish<T>(pat: Pattern<T>, pulses: number, steps: number, amount: number): Pattern<T> {
  const from = bjorklund(pulses, steps);
  if (from.length === 0) return silence;
  const by = Rational.fromNumber(amount);
  const dur = Rational.of(1, from.length);
  const posFrom: Rational[] = [];
  from.forEach((v, i) => {
    if (v) posFrom.push(Rational.of(i, from.length));
  });
  const k = Math.trunc(Math.abs(pulses));
  const arcs = posFrom.slice(0, k).map((pa, i) => {
    const pb = Rational.of(i, k);
    const b = by.mul(pb.sub(pa)).add(pa);
    return new TimeSpan(b, b.add(dur));
  });
  const morphed = new Pattern<boolean>((span) => {
    const cycle = span.begin.sam();
    const b = span.begin.cyclePos();
    const cycleArc = new TimeSpan(b, b.add(span.end.sub(span.begin)));
    const out: Hap<boolean>[] = [];
    for (const whole of arcs) {
      const part = whole.intersection(cycleArc);
      if (part !== undefined) {
        out.push(new Hap(new TimeSpan(whole.begin.add(cycle), whole.end.add(cycle)), new TimeSpan(part.begin.add(cycle), part.end.add(cycle)), true));
      }
    }
    return out;
  }).splitQueries();
  return struct(pat, morphed).setSteps(steps);
}
