//! The pattern transforms as the language sees them: the registry's table (language/pattern/registry.ts) plus the few Phonon spellings it lacks.
import type { Pattern } from "../pattern/pattern.js";
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
 * Spellings Phonon's demos use that the registry lacks (`degrade_by`). Where Phonon's
 * meaning of a name differs from Tidal's (`stut`'s argument order, `swing`, `shuffle`), the
 * registry's Tidal/Strudel meaning holds, as issue 4 decides: a Phonon file that relies on the
 * other meaning sounds different here (documented in each registry function).
 */
const OVERRIDES: TransformSpec[] = [
  {
    name: "degrade_by",
    args: [{ name: "probability", kind: "number" }],
    doc: "Same as degradeBy (a spelling Phonon's demos use).",
    apply: (p, a) => applyTransform("degradeBy", p, a),
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
