//! Notes as numbers: `n "0 3 7"`, `note "c4 e4"` (an oscillator followed by notes plays them as synth voices) and `mtof`.
import type { Span } from "../../ast.js";
import { badAtoms, expandChords, signalNumber } from "../atoms.js";
import type { Evaluator } from "../evaluate.js";
import { type Val, describe, spanOf } from "../meaning.js";
import { chordMidi, midiToHz } from "../pitch.js";
import { inlineSynth } from "./synth.js";
import type { Lower } from "./table.js";

const note: Lower = (ev, c) => {
  if (c.chainInput && (c.chainInput.t === "sig" || c.chainInput.t === "prev")) {
    return inlineSynth(ev, c.chainInput, c.args[0] ?? ev.error(`'${c.b.name}' needs a pattern`, c.nameSpan), c.b.name, c.span);
  }
  return notePattern(ev, c.args, c.nameSpan, c.b.name);
};

export const lower: Record<string, Lower> = {
  n: note,
  note,
  mtof: (ev, c) => {
    const x = c.chainInput ?? c.args[0] ?? ev.error("'mtof' needs a MIDI note number", c.nameSpan);
    if (x.t === "num") {
      const hz = midiToHz(x.v);
      if (!Number.isFinite(hz)) ev.error(`mtof ${x.v} is ${hz} Hz: no sound has that pitch`, c.span, "MIDI notes run 0…127 (60 is middle C, 440 Hz is 69)");
      return { t: "num", v: hz };
    }
    if (x.t === "pat") return { ...x, p: ev.midiPattern(x).fmap(midiToHz) };
    return undefined;
  },
};

/** `n "0 3 7"`, `note "c4 e4"`: a numeric pattern (note names as Hz, chords as one event per note). */
function notePattern(ev: Evaluator, args: Val[], nameSpan: Span, name: string): Val {
  const a = args[0] ?? ev.error(`'${name}' needs a pattern, e.g. ${name} "0 3 7"`, nameSpan);
  if (args.length > 1) ev.error(`'${name}' takes one pattern`, spanOf(args[1]!, nameSpan));
  if (a.t === "num") return a;
  if (a.t !== "pat") return ev.error(`'${name}' needs a pattern, not ${describe(a)}`, spanOf(a, nameSpan));
  const bad = badAtoms(a.p, (x) => signalNumber(x) !== undefined || (typeof x === "string" && chordMidi(x) !== undefined));
  if (bad.length) ev.error(`'${bad[0]}' is not a number or a note name`, a.span);
  return { ...a, p: expandChords(a.p, (m) => midiToHz(m), (x) => signalNumber(x) ?? 0) };
}
