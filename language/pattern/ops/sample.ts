//! Sample slicing transforms: chop, striate, slice, splice, loopAt, fit, chew (begin/end/speed/unit controls).
import { Hap } from "../hap.js";
import { checkCount } from "../limit.js";
import { fastcatOf, Pattern, pure, reify, silence, slowcat, slowcatOf, type Time, toTime, withSteps } from "../pattern.js";
import { Rational } from "../rational.js";
import { type ControlMap, isControlMap } from "../value.js";
import { combine } from "./compose.js";
import { setControl } from "./controls.js";

/** Plain values are taken as sample names: "bd" → {s: "bd"}. */
function asMap(v: unknown): ControlMap {
  return isControlMap(v) ? v : { s: v };
}

/**
 * The slices chop and striate play, as Strudel makes them: floor(n) slices (none for n < 1), slice i
 * running from i/n to (i+1)/n of the sample, so a count that is not whole leaves the sample's end
 * unplayed (`chop 1.5` plays 0 .. 2/3).
 */
function slices(n: number, what: string): ControlMap[] {
  const k = Math.max(0, Math.floor(checkCount(n, what)));
  const out: ControlMap[] = [];
  for (let i = 0; i < k; i++) out.push({ begin: i / n, end: (i + 1) / n });
  return out;
}

/** Cut each event into floor(n) parts, each 1/n of its sample (begin/end); silence for n < 1. */
export function chop(pat: Pattern<unknown>, n: number): Pattern<unknown> {
  const parts = slices(n, "chop");
  // Strudel's step count is n times the source's even when no slice plays (n < 1).
  const steps = pat.steps === undefined ? undefined : pat.steps.mul(Rational.fromNumber(n));
  if (parts.length === 0) return withSteps(silence, steps);
  const merge = (a: ControlMap, b: ControlMap): ControlMap => {
    if ("begin" in a && "end" in a && a["begin"] !== undefined && a["end"] !== undefined) {
      const ab = a["begin"] as number;
      const d = (a["end"] as number) - ab;
      b = { begin: ab + (b["begin"] as number) * d, end: ab + (b["end"] as number) * d };
    }
    return { ...a, ...b };
  };
  // Strudel copies the value's own keys (Object.assign): a `:` list's items become keys "0", "1", ….
  const source = (o: unknown): ControlMap => (Array.isArray(o) ? { ...o } : asMap(o));
  return pat.squeezeBind((o) => fastcatOf(parts.map((s) => pure(merge(source(o), s))))).setSteps(steps);
}

/** Play the pattern n times per cycle (n itself, not rounded); repetition i plays slice i of floor(n) slices of 1/n each. */
export function striate(pat: Pattern<unknown>, n: number): Pattern<unknown> {
  const parts = slices(n, "striate");
  const steps = pat.steps === undefined ? undefined : pat.steps.mul(Rational.fromNumber(n));
  if (parts.length === 0) return withSteps(silence, steps);
  return combine(pat, "set", slowcatOf(parts.map((s) => pure(s))))
    .fast(Rational.fromNumber(n))
    .setSteps(steps);
}

/** Play slices of the samples, chosen by the index pattern: n equal slices (or a list of cut points). */
export function slice(pat: Pattern<unknown>, npat: unknown, ipat: unknown): Pattern<unknown> {
  const ns = reify(npat) as Pattern<unknown>;
  const is = reify(ipat) as Pattern<unknown>;
  const sliced = ns.innerBind((n) =>
    is.outerBind((i) =>
      pat.outerBind((o) => {
        const idx = i as number;
        const begin = Array.isArray(n) ? n[idx] : idx / (n as number);
        const end = Array.isArray(n) ? n[idx + 1] : (idx + 1) / (n as number);
        return pure({ begin, end, _slices: n, ...asMap(o) });
      }),
    ),
  );
  // As Strudel: the index pattern's step count (what pace and the stepwise functions read).
  return withSteps(sliced, is.steps);
}

/** As slice, with the speed set so each slice fills its event (unit "c"). */
export function splice(pat: Pattern<unknown>, npat: unknown, ipat: unknown): Pattern<unknown> {
  const sliced = slice(pat, npat, ipat);
  return new Pattern<unknown>((span, c) => {
    const cps = c?.cps ?? 1;
    return sliced.query(span, c).map((h) => {
      const v = h.value as ControlMap;
      const dur = h.whole ? h.whole.end.sub(h.whole.begin).toNumber() : 1;
      const speed = (cps / (v["_slices"] as number) / dur) * ((v["speed"] as number) || 1);
      return new Hap(h.whole, h.part, { speed, unit: "c", ...v });
    });
  }, sliced.steps);
}

/**
 * The factor loopAt's speed divides by: Strudel's `(1 / factor) * cps` takes the number given as it
 * is (a fraction given, as its value), not the fraction the number becomes for slow.
 */
function speedFactor(given: Time, f: Rational): number {
  return typeof given === "number" ? given : f.toNumber();
}

/** Fit samples to `factor` cycles: speed set from the cycle rate (cps, default 0.5), unit "c", slowed by factor. */
export function loopAt(pat: Pattern<unknown>, factor: Time): Pattern<unknown> {
  const f = toTime(factor);
  const x = speedFactor(factor, f);
  // As Strudel: the step count is the source's, slowed by the factor.
  return new Pattern<unknown>((span, c) => {
    const cps = c?.cps ?? 0.5;
    const p = setControl(setControl(pat, "speed", (1 / x) * cps), "unit", "c").slow(f);
    return p.query(span, c);
  }, pat.steps === undefined ? undefined : pat.steps.div(f));
}

/** Strudel's loopAtCps: loopAt with the cycle rate given (speed (1/factor)·cps, unit "c", slowed by factor). */
export function loopAtCps(pat: Pattern<unknown>, factor: Time, cps: number): Pattern<unknown> {
  const f = toTime(factor);
  return setControl(setControl(pat, "speed", (1 / speedFactor(factor, f)) * cps), "unit", "c").slow(f);
}

/**
 * Strudel's fit: each event's sample speed is set so that its (begin..end part of the) sample
 * fills the event. With `cycles` (Phonon's `fit n`), the pattern is first slowed as loopAt does.
 */
export function fit(pat: Pattern<unknown>, cycles?: Time): Pattern<unknown> {
  const src = cycles === undefined ? pat : pat.slow(cycles);
  return new Pattern<unknown>((span, c) => {
    const cps = c?.cps ?? 1;
    return src.query(span, c).map((h) => {
      const v = asMap(h.value);
      const slicedur = (typeof v["end"] === "number" ? v["end"] : 1) - (typeof v["begin"] === "number" ? v["begin"] : 0);
      const dur = h.whole ? h.whole.end.sub(h.whole.begin).toNumber() : 1;
      return new Hap(h.whole, h.part, { ...v, speed: (cps / dur) * slicedur, unit: "c" });
    });
  }, src.steps);
}

/**
 * Cut each cycle into n pieces and rearrange them by the index pattern, squeezing each piece
 * into its index event (Strudel's bite).
 */
export function bite<T>(pat: Pattern<T>, npat: unknown, ipat: unknown): Pattern<T> {
  const ns = reify(npat) as Pattern<unknown>;
  const is = reify(ipat) as Pattern<unknown>;
  return is
    .fmap((i) => (n: unknown) => {
      const N = toTime(n as number);
      const a = toTime(i as number).div(N).mod(Rational.ONE);
      const b = a.add(Rational.ONE.div(N));
      return pat.zoom(a, b);
    })
    .appLeft(ns)
    .squeezeJoin();
}

/**
 * Tidal's chew: as bite, but the playback speed of each piece changes with how much it is
 * squeezed or stretched (speed × (1/n) / event duration).
 */
export function chew(pat: Pattern<unknown>, npat: unknown, ipat: unknown): Pattern<unknown> {
  const ns = reify(npat) as Pattern<unknown>;
  const is = reify(ipat) as Pattern<unknown>;
  return is
    .fmap((i) => (n: unknown) => ({ i: i as number, n: n as number }))
    .appLeft(ns)
    .withHap((h) => {
      const { i, n } = h.value;
      const N = toTime(n);
      const a = toTime(i).div(N).mod(Rational.ONE);
      const dur = h.whole ? h.whole.end.sub(h.whole.begin).toNumber() : 1;
      const factor = 1 / n / dur;
      const zoomed = pat.zoom(a, a.add(Rational.ONE.div(N))).fmap((v) => {
        const m = asMap(v);
        return { ...m, speed: ((m["speed"] as number) ?? 1) * factor };
      });
      return new Hap(h.whole, h.part, zoomed as Pattern<unknown>);
    })
    .squeezeJoin();
}

/** Tidal's gap: chop each event into n parts and keep every other one. */
export function gap(pat: Pattern<unknown>, n: number): Pattern<unknown> {
  const gate = slowcat(pure(1), pure(undefined) as Pattern<unknown>).fast(n);
  return combine(gate.filterValues((v) => v !== undefined), "set", chop(pat, n), "mix");
}
