//! Control values ({s: "bd", n: 3, gain: 0.8}): turning plain values into controls, setting controls; Phonon's numeric-only smooth and walk.
import { Hap } from "../hap.js";
import { Pattern, reify } from "../pattern.js";
import { randAt } from "../random.js";
import { TimeSpan } from "../span.js";
import { type ControlMap, isControlMap, parseNumeral } from "../value.js";
import { combine } from "./compose.js";

/**
 * The controls a pattern function can set, with the names a `:` list spreads onto
 * (`"bd:3:0.5".s()` → {s: "bd", n: 3, gain: 0.5}, `"c:e".note()` → {note: "c", n: "e"}). An alias
 * stores its value under the control's own key, as Strudel does: `legato` is `clip`, `dur` is
 * `duration`, `vel` is `velocity` (`"a".legato(0.5)` → {clip: 0.5}).
 */
export const CONTROLS: Readonly<Record<string, readonly string[]>> = {
  s: ["s", "n", "gain"],
  sound: ["s", "n", "gain"],
  n: ["n"],
  note: ["note", "n"],
  gain: ["gain"],
  velocity: ["velocity"],
  vel: ["velocity"],
  amp: ["amp"],
  pan: ["pan"],
  speed: ["speed"],
  accelerate: ["accelerate"],
  begin: ["begin"],
  end: ["end"],
  cut: ["cut"],
  unit: ["unit"],
  clip: ["clip"],
  legato: ["clip"],
  duration: ["duration"],
  dur: ["duration"],
  orbit: ["orbit"],
};

/** Strudel's control constructor: a value (or `:` list) becomes a control map. */
function toControl(names: readonly string[], x: unknown): ControlMap {
  let bag: ControlMap | undefined;
  let v = x;
  if (isControlMap(v) && v["value"] !== undefined) {
    bag = { ...v };
    v = v["value"];
    delete bag["value"];
  }
  if (names.length > 1 && Array.isArray(v)) {
    const result: ControlMap = bag ?? {};
    v.forEach((item, i) => {
      if (i < names.length) result[names[i]!] = item;
    });
    return result;
  }
  if (bag) {
    bag[names[0]!] = v;
    return bag;
  }
  return { [names[0]!]: v };
}

/** `pat.s()`: turn the pattern's values into controls of that name. */
export function asControl(pat: Pattern<unknown>, name: string): Pattern<ControlMap> {
  const names = CONTROLS[name] ?? [name];
  return pat.fmap((v) => toControl(names, v));
}

/**
 * Strudel's `as`: each value (or `:` list) becomes controls named, in order, by the mapping's
 * names (`"a:1 b:2".as("s:n")` → {s: "a", n: 1}); values beyond the names are dropped, names
 * beyond the values are left unset. A name is stored under its control's own key (`legato` as
 * `clip`, `dur` as `duration`, `sound` as `s`, as CONTROLS); any other name is the key as written,
 * as Strudel does for a name it has no alias for (its sound controls' aliases, `lpf` for `cutoff`
 * and so on, are not controls here: the DSP builtins play that part).
 */
export function asMapping(pat: Pattern<unknown>, mapping: unknown): Pattern<ControlMap> {
  const names = (Array.isArray(mapping) ? mapping : [mapping]).map((m) => {
    const name = String(m);
    return CONTROLS[name]?.[0] ?? name;
  });
  return pat.fmap((v) => {
    const values = Array.isArray(v) ? v : [v];
    const out: ControlMap = {};
    names.forEach((name, i) => {
      if (values[i] !== undefined) out[name] = values[i];
    });
    return out;
  });
}

/** `pat.gain(x)`: set a control on every event (x may be a pattern: structure stays pat's). */
export function setControl(pat: Pattern<unknown>, name: string, value: unknown): Pattern<unknown> {
  const names = CONTROLS[name] ?? [name];
  return combine(
    pat,
    "set",
    (reify(value) as Pattern<unknown>).fmap((v) => toControl(names, v)),
  );
}

/**
 * Tidal's smooth: a continuous pattern gliding linearly from each event's value to the next
 * event's value over the event's duration (sampled at the query's start, as Strudel's signals).
 */
export function smooth(pat: Pattern<unknown>): Pattern<number> {
  return new Pattern<number>((span, c) => {
    const t = span.begin;
    const at = pat.query(new TimeSpan(t, t), c).filter((h) => h.whole !== undefined);
    const e = at[0];
    if (e === undefined) return [];
    const v0 = parseNumeral(e.value);
    const w = e.whole!;
    const next = pat.query(new TimeSpan(w.end, w.end), c).filter((h) => h.whole !== undefined);
    const v1 = next.length ? parseNumeral(next[0]!.value) : v0;
    const d = w.end.sub(w.begin).toNumber();
    const pc = d === 0 ? 0 : t.sub(w.begin).toNumber() / d;
    return [new Hap(undefined, span, v0 + (v1 - v0) * pc)];
  });
}

/**
 * Phonon's walk (Pattern<f64>::walk in its pattern_ops): each event's number moves by a random
 * step in [-step, step). Phonon drew the steps from a generator seeded by the queried cycle, in
 * query order, so the result depended on how the pattern was queried; here the step is
 * Strudel's seeded random (randAt, honouring `seed`) at the event's onset (the part's start for
 * signals), so a render is reproducible however it is queried: value + step·(2·rand(onset) − 1).
 * As in Phonon the steps do not accumulate; values must be numbers (or note names, as MIDI).
 */
export function walk(pat: Pattern<unknown>, step: number): Pattern<number> {
  return new Pattern<number>((span, c) =>
    pat.query(span, c).map((h) => {
      const t = (h.whole ?? h.part).begin.toNumber();
      const r = randAt(t, c?.randSeed ?? 0);
      return h.withValue((v) => parseNumeral(v) + step * (2 * r - 1));
    }),
  );
}
