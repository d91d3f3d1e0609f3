//! Synth voices from notes: `synth "c3 e3" "saw" a d s r`, `sine_trig "c4 e4" …`, and an oscillator followed by notes (`saw # note "c e g"`).
import type { Span } from "../../ast.js";
import { type Builtin, MIDI_UNSUPPORTED } from "../../catalogue.js";
import { pure } from "../../pattern/pattern.js";
import { badAtoms, expandChordControls, midiNumber } from "../atoms.js";
import type { Evaluator } from "../evaluate.js";
import { type Controls, type Sound, type Val, type VoiceTemplate, describe, spanOf } from "../meaning.js";
import { chordMidi } from "../pitch.js";
import { controlConverter, setControls } from "./sound.js";
import type { Lower } from "./table.js";

const trig: Lower = (ev, c) => {
  if (c.chainInput) ev.error(`'${c.b.name}' plays notes and takes no input from '#'`, c.nameSpan);
  return noteSynth(ev, c.b, c.args, c.kw, c.span, c.nameSpan);
};

export const lower: Record<string, Lower> = { synth: trig, sine_trig: trig, saw_trig: trig, square_trig: trig, tri_trig: trig };

/** `osc # note "c e g"`: the oscillator becomes a synth voice, one per note event. */
export function inlineSynth(ev: Evaluator, osc: Val, notes: Val, name: string, span: Span): Val {
  if (notes.t !== "pat" && notes.t !== "num") return ev.error(`'${name}' needs a pattern of notes`, spanOf(notes, span));
  const template: VoiceTemplate = { name: ev.subScope("synth"), value: osc, span };
  const p = notes.t === "num" ? pure(notes.v) : notes.p;
  const conv = controlConverter(ev, name, notes, span);
  const events = expandChordControls(p.fmap((x) => ({ s: "~", ...conv(x) }) as Controls));
  return { t: "sound", p: events, span, src: notes.t === "pat" ? notes.src : String(notes.v), anon: template };
}

/** `synth "c3 e3" "saw" a d s r`, `sine_trig "c4 e4" a d s r`: an oscillator voice per note, with the envelope given. */
function noteSynth(ev: Evaluator, b: Builtin, args: Val[], kw: Map<string, Val>, span: Span, nameSpan: Span): Val {
  const waves: Record<string, string> = { sine: "sine", saw: "saw", square: "square", tri: "tri", triangle: "tri" };
  let wave = b.name.replace(/_trig$/, "");
  let rest = args.slice(1);
  const notes = args[0] ?? ev.error(`'${b.name}' needs a pattern of notes`, nameSpan);
  if (b.name === "synth") {
    if (args.length === 1 && notes.t === "pat" && waves[notes.src.trim()]) {
      ev.error(`'synth "${notes.src.trim()}"' plays MIDI input, which is not supported`, nameSpan, `${MIDI_UNSUPPORTED} is out of scope for now: give notes, as in synth "c3 e3 g3" "saw"`);
    }
    const w = args[1] ?? kw.get("wave");
    if (!w || w.t !== "pat" || !waves[w.src.trim()]) return ev.error(`the wave of 'synth' must be "sine", "saw", "square" or "tri"`, w ? spanOf(w, span) : nameSpan);
    wave = waves[w.src.trim()]!;
    rest = args.slice(2);
  }
  if (notes.t !== "pat" && notes.t !== "num") return ev.error(`'${b.name}' needs a pattern of notes, not ${describe(notes)}`, spanOf(notes, span));
  const osc = ev.sig(wave, {}, span);
  const template: VoiceTemplate = { name: ev.subScope("synth"), value: osc, span };
  const p = notes.t === "num" ? pure(notes.v) : notes.p;
  if (notes.t === "pat") {
    const bad = badAtoms(p, (x) => midiNumber(x) !== undefined || (typeof x === "string" && chordMidi(x) !== undefined));
    if (bad.length) ev.error(`'${bad[0]}' is not a note`, notes.span);
  }
  // Notes given as numbers are MIDI numbers here.
  const events = expandChordControls(
    p.fmap((x): Controls => {
      if (typeof x === "string") {
        const chord = chordMidi(x);
        if (chord) return { s: "~", chord };
      }
      return { s: "~", midi: midiNumber(x) ?? 60 };
    }),
  );
  let sound: Sound = { t: "sound", p: events, span, src: notes.t === "pat" ? notes.src : String(notes.v), anon: template };
  const envParams = b.params.filter((x) => ["attack", "decay", "sustain", "release"].includes(x.name));
  envParams.forEach((param, i) => {
    const v = rest[i] ?? kw.get(param.name) ?? { t: "num", v: param.default ?? 0 };
    sound = setControls(ev, sound, param.name, v, span);
  });
  return sound;
}
