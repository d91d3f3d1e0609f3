//! The pattern transforms as the language sees them: the registry's table (language/pattern/registry.ts) plus the few Phonon spellings it lacks.
import * as controls from "../pattern/ops/controls.js";
import { type Pattern, stack } from "../pattern/pattern.js";
import { type ArgInput, type ArgSpec, TRANSFORMS, applyTransform, lookupTransform as registryLookup } from "../pattern/registry.js";

export type { ArgSpec, ArgInput };

export interface TransformSpec {
  name: string;
  args: readonly ArgSpec[];
  doc: string;
  /** Apply to a pattern; arguments as the registry takes them (numbers, patterns, functions, lists, words). */
  apply: (pat: Pattern<any>, args: readonly ArgInput[]) => Pattern<any>;
}

/**
 * Where Phonon's files mean something else than Tidal by the same name, the language keeps Phonon's
 * meaning, because those files are what the language must play (issue 5; the registry keeps Tidal's):
 * - `stut n time decay` is Phonon's order, which is Strudel's `echo n time feedback` (Tidal's
 *   `stut count feedback time` would make `stut 8 0.125 0.1` echo a tenth as loud, 0.1 cycles apart);
 * - `swing x` below 1 is Phonon's amount (every second eighth x cycles late: Strudel's swingBy 8x 4,
 *   which delays by amount/(2n)); from 1
 *   up it is Strudel's swing n (n slices), which is what a number below 1 cannot mean;
 * - `shuffle x` below 1 is Phonon's time jitter (humanize x); from 1 up it is Strudel's shuffle n.
 * Plus the spellings Phonon's demos use that the registry lacks (`degrade_by`, `ghost`).
 */
const OVERRIDES: TransformSpec[] = [
  {
    name: "stut",
    args: [
      { name: "count", kind: "number" },
      { name: "time", kind: "time" },
      { name: "decay", kind: "number" },
    ],
    doc: "Phonon's stut n time decay: n copies, each time cycles later and its gain times decay (Strudel's echo).",
    apply: (p, a) => applyTransform("echo", p, a),
  },
  {
    name: "shuffle",
    args: [{ name: "n", kind: "number" }],
    doc: "Strudel's shuffle n (n slices in random order); an amount below 1 is Phonon's: each event up to that many cycles late, at random.",
    apply: (p, [n]) => (typeof n === "number" && n >= 0 && n < 1 ? applyTransform("humanize", p, [n]) : applyTransform("shuffle", p, [n!])),
  },
  {
    name: "swing",
    args: [{ name: "n", kind: "time" }],
    doc: "Strudel's swing n (swingBy 1/3 n); an amount below 1 is Phonon's: every second eighth that many cycles late.",
    apply: (p, [n]) => {
      if (typeof n === "number" && n > 0 && n < 1) return applyTransform("swingBy", p, [n * 8, 4]);
      return applyTransform("swing", p, [n!]);
    },
  },
  {
    name: "degrade_by",
    args: [{ name: "probability", kind: "number" }],
    doc: "Same as degradeBy (a spelling Phonon's demos use).",
    apply: (p, a) => applyTransform("degradeBy", p, a),
  },
  {
    name: "ghost",
    args: [],
    doc: "Tidal's ghost notes: the pattern plus two quieter, shorter copies 1.5 and 2.5 sixteenths late.",
    apply: (p) => {
      const f = (q: Pattern<any>): Pattern<any> => controls.setControl(controls.setControl(q, "gain", 0.7), "end", 0.2);
      return stack(p, f(p.late(2.5 / 16)), f(p.late(1.5 / 16)));
    },
  },
];

const overrides = new Map(OVERRIDES.map((s) => [s.name, s]));

export function lookupTransform(name: string): TransformSpec | undefined {
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
