//! Euclidean rhythms: Bjorklund's algorithm and the euclid family (rotation to the right, as Strudel).
import { struct } from "./ops/compose.js";
import { checkCount } from "./limit.js";
import { Hap } from "./hap.js";
import { Pattern, fastcat, pure, silence, timecat } from "./pattern.js";
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
  let counts: [number, number] = [ons, steps - ons];
  let xs: number[][] = Array.from({ length: ons }, () => [1]);
  let ys: number[][] = Array.from({ length: steps - ons }, () => [0]);
  while (Math.min(counts[0], counts[1]) > 1) {
    const [i, j] = counts;
    if (i > j) {
      const head = xs.slice(0, j).map((x, k) => x.concat(ys[k]!));
      ys = xs.slice(j);
      xs = head;
      counts = [j, i - j];
    } else {
      const head = xs.map((x, k) => x.concat(ys[k]!));
      ys = ys.slice(i);
      xs = head;
      counts = [i, j - i];
    }
  }
  const out = xs.flat().concat(ys.flat());
  return inverted ? out.map((x) => 1 - x) : out;
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

function boolSequence(bools: number[]): Pattern<number> {
  return fastcat(...bools.map((b) => pure(b)));
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
/** Euclid with each onset held until the next (legato), then the whole shifted by rotation/steps. */
export function euclidLegatoRot<T>(pat: Pattern<T>, pulses: number, steps: number, rotation: number): Pattern<T> {
  if (pulses < 1) return silence;
  const bools = euclidBools(pulses, steps, 0);
  const gaps: Array<[number, Pattern<boolean>]> = bools
    .join("")
    .split("1")
    .slice(1)
    .map((s) => [s.length + 1, pure(true)]);
  return struct(pat, timecat(gaps)).late(Rational.of(Math.trunc(rotation)).div(Rational.of(Math.trunc(steps))));
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
