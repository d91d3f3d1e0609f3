//! The builtins the compiler lowers itself, by name: each one's `lower` lives in a file of its own beside this table.
import type { Arg, Span } from "../../ast.js";
import type { Builtin } from "../../catalogue.js";
import type { Evaluator } from "../evaluate.js";
import type { Val } from "../meaning.js";
import * as cat from "./cat.js";
import * as chord from "./chord.js";
import * as envelope from "./envelope.js";
import * as note from "./note.js";
import * as pan from "./pan.js";
import * as random from "./random.js";
import * as range from "./range.js";
import * as scale from "./scale.js";
import * as sequence from "./sequence.js";
import * as sew from "./sew.js";
import * as sound from "./sound.js";
import * as stack from "./stack.js";
import * as switching from "./switch.js";
import * as synth from "./synth.js";

/** One call of a builtin, its arguments evaluated. */
export interface Call {
  b: Builtin;
  /** Positional arguments. */
  args: Val[];
  /** Keyword arguments by name, as written (`kwargs`) and evaluated (`kw`). */
  kw: Map<string, Val>;
  kwargs: (Arg & { type: "kwarg" })[];
  span: Span;
  nameSpan: Span;
  /** The left side of `#`. */
  chainInput?: Val;
}

/** A builtin's own lowering: its value, or undefined to lower it as the DSP node its catalogue entry names. */
export type Lower = (ev: Evaluator, c: Call) => Val | undefined;

const table = new Map<string, Lower>();
for (const m of [sound, synth, note, scale, chord, envelope, pan, range, stack, cat, sew, random, sequence, switching]) {
  for (const [name, f] of Object.entries(m.lower)) {
    if (table.has(name)) throw new Error(`builtins: '${name}' is lowered twice`);
    table.set(name, f);
  }
}
// A sample parameter after a sound sets each event's controls, whatever else its name does.
for (const name of sound.SAMPLE_CONTROLS) {
  const own = table.get(name);
  table.set(name, (ev, c) => sound.sampleControl(ev, c) ?? own?.(ev, c));
}

/** The lowering of the builtin `name` (its catalogue name), if the compiler lowers it itself. */
export function lowering(name: string): Lower | undefined {
  return table.get(name);
}
