//! What an expression evaluates to before it becomes GraphIR: constants, patterns, sound patterns, signal nodes, transforms.
import type { Span } from "../ast.js";
import type { Pattern } from "../pattern/pattern.js";

/** Controls of one sound event: `s` (a sample name or `~bus`), `n`, `gain`, `pan` (0…1), `speed`, `note`, … */
export type Controls = { [key: string]: unknown };

/** Structural data of a node (strings, numbers, number lists): part of its key. */
export type Data = string | number | number[];

/** A bus used as a synth: `s "~name"` starts a voice of its graph. */
export interface VoiceTemplate {
  name: string;
  value: Val;
  span: Span;
}

export type Val =
  /** A number known at compile time. */
  | { t: "num"; v: number }
  /** A pattern of raw values (numbers, words, note names, chords); what it means depends on its use. */
  | { t: "pat"; p: Pattern<unknown>; span: Span; src: string }
  /** Events that start voices: samples, or synth voices of a template; `voices` is the limit set by `# voices N` (unset: the engine's default). */
  | { t: "sound"; p: Pattern<Controls>; span: Span; src: string; anon?: VoiceTemplate; voices?: number }
  /** A DSP node. Its params are values; pattern params become lanes; `gates` are driven by gate lanes. */
  | Sig
  /** The value a bus had one block ago (feedback). */
  | { t: "prev"; bus: string; span: Span }
  /** A transform: `fast 2`, `every 4 (fast 2)`, `(# lpf 300)`, `~quick`. */
  | Xf
  | { t: "list"; items: Val[]; span: Span }
  /** A gate pattern for a port of kind "gate". */
  | { t: "gatepat"; p: Pattern<number>; span: Span; src: string };

/** A pattern of raw values; a sound pattern. */
export type Pat = Val & { t: "pat" };
export type Sound = Val & { t: "sound" };

export interface Sig {
  t: "sig";
  kind: string;
  params: Record<string, Val>;
  data?: Record<string, Data>;
  span: Span;
  /** Scope path and occurrence index: with kind and input shapes, they make the node key. */
  scope: string;
  occ: number;
  /** For `sampler` and `voices`: the events that start voices. */
  trigger?: { p: Pattern<Controls>; span: Span; src: string };
  /** For `voices`: the template its voices instantiate. */
  template?: VoiceTemplate;
}

export interface Xf {
  t: "xf";
  name: string;
  span: Span;
  /** Defined when the transform works on patterns alone (every pattern inside a value is transformed). */
  pattern?: (p: Pattern<any>) => Pattern<any>;
  /** Apply to any value (effect transforms switch a chain in per cycle). */
  apply: (v: Val) => Val;
}

export const num = (v: number): Val => ({ t: "num", v });

export function describe(v: Val): string {
  switch (v.t) {
    case "num":
      return `the number ${v.v}`;
    case "pat":
      return `the pattern "${v.src}"`;
    case "sound":
      return "a sound pattern";
    case "sig":
      return `a signal (${v.kind})`;
    case "prev":
      return `the bus ~${v.bus}`;
    case "xf":
      return `the transform '${v.name}'`;
    case "list":
      return "a list";
    case "gatepat":
      return "a gate pattern";
  }
}

/** True when a value holds a pattern anywhere (so a transform has something to act on). */
export function hasPattern(v: Val, seen = new Set<Val>()): boolean {
  if (seen.has(v)) return false;
  seen.add(v);
  switch (v.t) {
    case "pat":
    case "sound":
    case "gatepat":
      return true;
    case "sig":
      return !!v.trigger || Object.values(v.params).some((p) => hasPattern(p, seen)) || (v.template ? hasPattern(v.template.value, seen) : false);
    case "list":
      return v.items.some((x) => hasPattern(x, seen));
    default:
      return false;
  }
}

/** Where a value was written, when it knows; else the fallback. */
export function spanOf(v: Val, fallback: Span): Span {
  return "span" in v ? v.span : fallback;
}
