//! The builtins the compiler lowers itself, by name: each one's `lower` (its whole value) or `ports` (its DSP node's arguments in the engine's form) lives in a file of its own beside this table.
import type { Arg, Span } from "../../ast.js";
import type { Builtin } from "../../catalogue.js";
import type { Evaluator } from "../evaluate.js";
import type { Data, Val } from "../meaning.js";
import * as cat from "./cat.js";
import * as chord from "./chord.js";
import * as envelope from "./envelope.js";
import * as note from "./note.js";
import * as pan from "./pan.js";
import * as random from "./random.js";
import * as range from "./range.js";
import * as scale from "./scale.js";
import * as saw from "./saw.js";
import * as segments from "./segments.js";
import * as select from "./select.js";
import * as sequence from "./sequence.js";
import * as sew from "./sew.js";
import * as sound from "./sound.js";
import * as stack from "./stack.js";
import * as struct from "./struct.js";
import * as switching from "./switch.js";
import * as synth from "./synth.js";
import * as timer from "./timer.js";

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

/**
 * A builtin whose DSP node takes its arguments in another form than the catalogue states them:
 * converts `values` and `data` in place, and returns an input to be multiplied by the node, if any.
 */
export type Ports = (ev: Evaluator, b: Builtin, values: Record<string, Val>, data: Record<string, Data>, span: Span) => Val | undefined;

const table = new Map<string, Lower>();
for (const m of [sound, synth, note, scale, chord, envelope, pan, range, stack, cat, sew, random, sequence, switching, segments]) {
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

const portTable = new Map<string, Ports>();
for (const m of [saw, struct, timer, select, segments]) {
  for (const [name, f] of Object.entries(m.ports)) {
    if (portTable.has(name)) throw new Error(`builtins: '${name}' has its ports converted twice`);
    portTable.set(name, f);
  }
}

/** The conversion of the builtin `name`'s node arguments, if it has one. */
export function portsOf(name: string): Ports | undefined {
  return portTable.get(name);
}
