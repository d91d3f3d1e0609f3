//! The pattern transforms as the language sees them: the registry's table (language/pattern/registry.ts), Phonon's spellings it lacks, and Phonon's meanings of stut, swing and shuffle.
import { mini } from "../pattern/mini.js";
import { jitter, stutPhonon, swingPhonon } from "../pattern/ops/phonon.js";
import { Pattern, patternify, pure } from "../pattern/pattern.js";
import { Rational } from "../pattern/rational.js";
import { type ArgInput, type ArgSpec, TRANSFORMS, applyTransform, lookupTransform as registryLookup } from "../pattern/registry.js";

export type { ArgSpec, ArgInput };

export interface TransformSpec {
  name: string;
  args: readonly ArgSpec[];
  doc: string;
  /** Apply to a pattern; arguments as the registry takes them (numbers, patterns, functions, lists, words). */
  apply: (pat: Pattern<any>, args: readonly ArgInput[]) => Pattern<any>;
}

/** A pattern from an argument as the language gives it (mini-notation strings, numbers, patterns). */
function asPattern(a: ArgInput): Pattern<unknown> {
  if (a instanceof Pattern) return a;
  if (typeof a === "string") return mini(a);
  return pure(a);
}
/** Plain numbers; patterned arguments are joined as the registry's patterned transforms are. */
function numbers(f: (p: Pattern<any>, ...xs: number[]) => Pattern<any>): (p: Pattern<any>, a: readonly ArgInput[]) => Pattern<any> {
  return (p, a) => patternify(a.map(asPattern), (...vs: unknown[]) => f(p, ...vs.map((v) => (v instanceof Rational ? v.toNumber() : Number(v)))));
}
const num = (name: string): ArgSpec => ({ name, kind: "number" });

/**
 * Spellings Phonon's demos use that the registry lacks (`degrade_by`), and the names whose meaning
 * in `.ph` is Phonon's, not Tidal/Strudel's (../shared/language.md, "Where Phonon and Tidal use one
 * name for different things"): `stut n time decay`, `swing amt`, `shuffle amt` (and `humanize`,
 * which calls it, in the registry). Strudel's meanings stay reachable as `echo`, `stut_tidal`,
 * `swingBy`/`swing_by`, `shuffle_parts` and `scramble`. The registry (and so the Strudel oracle
 * and `phonon haps`) keeps Strudel's meanings under Strudel's names.
 */
const OVERRIDES: TransformSpec[] = [
  {
    name: "degrade_by",
    args: [{ name: "probability", kind: "number" }],
    doc: "Same as degradeBy (a spelling Phonon's demos use).",
    apply: (p, a) => applyTransform("degradeBy", p, a),
  },
  {
    name: "stut",
    args: [num("count"), { name: "time", kind: "time" }, num("decay")],
    doc: "Phonon's stut n time decay: n copies, time cycles apart, each decay times the previous one's gain (Strudel's echo n time decay).",
    apply: numbers((p, n, t, d) => stutPhonon(p, n, Rational.fromNumber(t), d)),
  },
  {
    name: "stut_tidal",
    args: [num("count"), num("feedback"), { name: "time", kind: "time" }],
    doc: "Tidal's stut count feedback time (the same sound as stut count time feedback).",
    apply: (p, a) => applyTransform("stut", p, a),
  },
  {
    name: "swing",
    args: [{ name: "amount", kind: "time" }],
    doc: "Phonon's swing amt: in each cycle, every second event in time order starts amt cycles later (Tidal's swing n is swingBy 1/3 n).",
    apply: numbers((p, amt) => swingPhonon(p, Rational.fromNumber(amt))),
  },
  {
    name: "swing_by",
    args: [{ name: "amount", kind: "time" }, { name: "n", kind: "time" }],
    doc: "Same as swingBy: delay the second half of each 1/n slice by amount/(2n).",
    apply: (p, a) => applyTransform("swingBy", p, a),
  },
  {
    name: "shuffle",
    args: [num("amount")],
    doc: "Phonon's shuffle amt: each event moves randomly in time by up to ±amt cycles (seeded: the same every time). Tidal's shuffle n is shuffle_parts n.",
    apply: numbers((p, amt) => jitter(p, amt)),
  },
  {
    name: "shuffle_parts",
    args: [num("n")],
    doc: "Tidal/Strudel's shuffle n: each cycle, its n slices in a random order, each once.",
    apply: (p, a) => applyTransform("shuffle", p, a),
  },
];

const overrides = new Map(OVERRIDES.map((s) => [s.name, s]));

/**
 * Registry names that `.ph` does not see as transforms, because a Phonon builtin of that name
 * must keep its meaning there: `xfade` (Phonon's crossfade of two signals; Strudel's xfade of
 * two patterns stays in the registry, for the oracle and `phonon haps`).
 */
const HIDDEN = new Set(["xfade"]);

export function lookupTransform(name: string): TransformSpec | undefined {
  if (HIDDEN.has(name)) return undefined;
  const o = overrides.get(name);
  if (o) return o;
  const spec = registryLookup(name);
  if (!spec) return undefined;
  return { name: spec.name, args: spec.args, doc: spec.doc, apply: (p, a) => applyTransform(spec.name, p, a) };
}

export function transformNames(): string[] {
  const names = new Set<string>(OVERRIDES.map((s) => s.name));
  for (const s of TRANSFORMS) {
    names.add(s.name);
    for (const a of s.aliases) names.add(a);
  }
  for (const h of HIDDEN) names.delete(h);
  return [...names];
}

/** Arguments that must be given. */
export function requiredArgs(s: TransformSpec): number {
  return s.args.filter((a) => !a.optional && !a.rest).length;
}

/** The most arguments before the pattern (Infinity for a rest argument). */
export function maxArgs(s: TransformSpec): number {
  return s.args.some((a) => a.rest) ? Infinity : s.args.length;
}

/** The kind of argument i (a rest argument repeats). */
export function argKind(s: TransformSpec, i: number): ArgSpec["kind"] {
  return s.args[Math.min(i, s.args.length - 1)]!.kind;
}
