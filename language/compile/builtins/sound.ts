//! Sound patterns and their controls: `s "bd sn"`, the sample parameters that follow it (`# gain 0.5`, `# note "c e"`, `# ar …`) and `# voices N`.
import type { Arg, Span } from "../../ast.js";
import { MIDI_BUS, VOICE_LIMIT } from "../../catalogue.js";
import { badAtoms, expandChordControls, midiNumber, toSoundControls } from "../atoms.js";
import type { Evaluator } from "../evaluate.js";
import { type Controls, type Pat, type Sound, type Val, describe, spanOf } from "../meaning.js";
import { chordMidi, noteMidi } from "../pitch.js";
import type { Call, Lower } from "./table.js";

/** Sample parameters that set a control of each event when they follow `s`. */
export const SAMPLE_CONTROLS = new Set(["gain", "pan", "speed", "n", "note", "cut", "begin", "end", "unit", "loop", "attack", "release", "decay", "sustain", "legato", "dur", "ar", "adsr", "voices"]);

/** The parameters that may also follow a signal (as their DSP builtins or an envelope), not only a sound. */
const ALSO_AFTER_SIGNALS = ["gain", "pan", "adsr", "attack", "release", "ar", "n", "note"];

/**
 * What a sample parameter means before its own lowering is asked: after a sound, it sets each
 * event's controls; `voices` anywhere else is an error; so is a sample-only parameter after
 * something other than a sound.
 */
export function sampleControl(ev: Evaluator, c: Call): Val | undefined {
  const name = c.b.name;
  if (c.chainInput?.t === "sound") return sampleParam(ev, name, c.chainInput, c.args, c.kw, c.span, c.nameSpan);
  if (name === "voices") misplacedVoices(ev, c.nameSpan, c.chainInput);
  if (c.chainInput && !ALSO_AFTER_SIGNALS.includes(name)) {
    ev.error(`'${name}' sets a sample parameter, so it must follow \`s "…"\` (or another sample parameter)`, c.nameSpan, "sample parameters go right after the sound, before filters and effects");
  }
  return undefined;
}

/** A sample parameter written where there is no sound. */
const sampleOnly: Lower = (ev, c) => ev.error(`'${c.b.name}' sets a sample parameter: write it after a sound, as in \`s "bd" # ${c.b.name} …\``, c.nameSpan);

export const lower: Record<string, Lower> = {
  s: (ev, c) => soundPattern(ev, c.args, c.kw, c.kwargs, c.span, c.nameSpan, c.chainInput),
  sound: (ev, c) => soundPattern(ev, c.args, c.kw, c.kwargs, c.span, c.nameSpan, c.chainInput),
  ...Object.fromEntries(["speed", "cut", "begin", "end", "unit", "loop", "decay", "sustain", "legato", "dur"].map((n) => [n, sampleOnly])),
};

/** `s "bd sn:2 ~synth"`: a sound pattern. */
function soundPattern(ev: Evaluator, args: Val[], kw: Map<string, Val>, kwargs: (Arg & { type: "kwarg" })[], span: Span, nameSpan: Span, chainInput?: Val): Val {
  if (chainInput) ev.error("'s' starts a sound and takes no input from '#'", nameSpan);
  const arg = args[0];
  if (!arg || args.length > 1) return ev.error(`'s' takes one pattern string of sample names, e.g. s "bd sn"`, arg ? spanOf(args[1] ?? arg, span) : nameSpan);
  let sound: Sound;
  if (arg.t === "sound") sound = arg;
  else if (arg.t === "pat") {
    const bad = badAtoms(arg.p, (x) => typeof x === "string" || Array.isArray(x));
    if (bad.length) ev.error(`'${bad[0]}' is not a sample name`, arg.span);
    sound = { t: "sound", p: arg.p.fmap(toSoundControls), span: arg.span, src: arg.src };
    checkSynthNames(ev, arg);
  } else return ev.error(`'s' needs a pattern string of sample names, not ${describe(arg)}`, spanOf(arg, span));
  for (const k of kwargs) sound = sampleParam(ev, k.name, sound, [kw.get(k.name)!], new Map(), k.span, k.span) as Sound;
  return sound;
}

/** Report `~name` atoms in a sound pattern that name no bus. */
function checkSynthNames(ev: Evaluator, arg: Pat): void {
  for (const m of arg.src.matchAll(/~([A-Za-z_]\w*)/g)) {
    const name = m[1]!;
    if (ev.buses.has(name)) continue;
    const at = arg.span.start + 1 + m.index!;
    if (MIDI_BUS.test(name)) ev.error(`'~${name}' is MIDI input, which is not supported`, { start: at, end: at + name.length + 1 });
    ev.error(`unknown bus '~${name}' in the sound pattern`, { start: at, end: at + name.length + 1 }, ev.busSuggestion(name));
  }
}

/** `sound # gain 0.5`, `# note "c e g"`, `# ar 0.01 0.3`: each event's controls; `# voices 64`: the sound's voice limit. */
export function sampleParam(ev: Evaluator, name: string, sound: Sound, args: Val[], kw: Map<string, Val>, span: Span, nameSpan: Span): Val {
  const need = (i: number, what: string): Val => args[i] ?? kw.get(what) ?? ev.error(`'${name}' needs its ${what}`, nameSpan);
  if (name === "voices") return { ...sound, voices: voiceLimit(ev, args[0] ?? kw.get("limit"), span, nameSpan) };
  if (name === "ar") return setControls(ev, setControls(ev, sound, "attack", need(0, "attack"), span), "release", need(1, "release"), span);
  if (name === "adsr") {
    const names = ["attack", "decay", "sustain", "release"];
    let s: Val = sound;
    names.forEach((n, i) => {
      const v = args[i] ?? kw.get(n);
      if (v) s = setControls(ev, s as Sound, n, v, span);
    });
    if (s === sound) ev.error("'adsr' needs its attack and decay", nameSpan);
    return s;
  }
  const v = need(0, "value");
  if (v.t === "sig" || v.t === "prev") {
    // A signal cannot be read at each event's onset: gain multiplies the sound instead.
    if (name === "gain") return ev.arith("*", ev.commit(sound), v, span);
    ev.error(`'${name}' after a sound needs a number or a pattern, not ${describe(v)}`, spanOf(v, span));
  }
  return setControls(ev, sound, name, v, span);
}

export function setControls(ev: Evaluator, sound: Sound, name: string, v: Val, span: Span): Sound {
  const conv = controlConverter(ev, name, v, span);
  if (v.t === "num") {
    const c = conv(v.v);
    return { ...sound, p: sound.p.fmap((x) => ({ ...x, ...c })), src: sound.src };
  }
  if (v.t !== "pat") return ev.error(`'${name}' needs a number or a pattern, not ${describe(v)}`, spanOf(v, span));
  const merged = sound.p.fmap((x: Controls) => (y: unknown) => ({ ...x, ...conv(y) })).appLeft(v.p);
  return { ...sound, p: name === "note" || name === "n" ? expandChordControls(merged) : merged };
}

/** How a param value becomes controls (pan −1…1 to 0…1, note names to MIDI, unit r/c to 0/1). */
export function controlConverter(ev: Evaluator, name: string, v: Val, span: Span): (x: unknown) => Controls {
  const number = (ok: (x: unknown) => boolean = (x) => midiNumber(x) !== undefined): void => {
    if (v.t === "pat") {
      const bad = badAtoms(v.p, ok);
      if (bad.length) ev.error(`'${bad[0]}' is not a valid value for '${name}'`, v.span);
    }
  };
  switch (name) {
    case "pan":
      number();
      return (x) => ({ pan: ((midiNumber(x) ?? 0) + 1) / 2 });
    case "note":
    case "n": {
      number((x) => midiNumber(x) !== undefined || (typeof x === "string" && chordMidi(x) !== undefined));
      return (x) => {
        if (typeof x === "string" && (x.includes("'") || !/^-?[\d.]/.test(x))) {
          const chord = chordMidi(x);
          if (chord) return { chord };
          const m = noteMidi(x);
          if (m !== undefined) return { midi: m };
        }
        return { [name]: midiNumber(x) ?? 0 };
      };
    }
    case "unit":
      if (v.t === "pat") {
        const bad = badAtoms(v.p, (x) => x === "r" || x === "c" || x === "0" || x === "1" || x === 0 || x === 1);
        if (bad.length) ev.error(`'${bad[0]}' is not a unit: use "r" (rate) or "c" (cycles)`, v.span);
      }
      return (x) => ({ unit: x === "c" || x === 1 || x === "1" ? 1 : 0 });
    default: {
      number();
      const key = name === "legato" ? "clip" : name === "dur" ? "duration" : name; // Strudel's keys for the aliases
      return (x) => ({ [key]: midiNumber(x) ?? 0 });
    }
  }
}

/**
 * The number of `# voices N`: how many voices the sound's nodes may play at once. It sizes their
 * voice pools when the engine builds the program, so it is one whole number in 1…VOICE_LIMIT.max
 * (a string holding one number is accepted, as for other controls); a pattern, a signal or a
 * number out of range is an error that says what is expected and suggests a value.
 */
function voiceLimit(ev: Evaluator, v: Val | undefined, span: Span, nameSpan: Span): number {
  const { max } = VOICE_LIMIT;
  const expected = `a whole number from 1 to ${max}`;
  if (!v) return ev.error(`'voices' needs a number: how many voices this sound may play at once`, nameSpan, `write for example \`# voices ${max}\``, expected);
  let n: number;
  if (v.t === "num") n = v.v;
  else if (v.t === "pat" && /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(v.src)) n = Number(v.src);
  else if (v.t === "pat") {
    const counts = (v.src.match(/\d+(\.\d+)?/g) ?? []).map(Number);
    const most = Math.min(max, Math.max(1, Math.ceil(Math.max(0, ...counts))));
    return ev.error(
      `the voice limit is fixed when the sound is built, so 'voices' takes one number, not the pattern "${v.src}"`,
      v.span,
      `write the most voices the sound needs at once, e.g. \`# voices ${most}\``,
      expected,
    );
  } else return ev.error(`'voices' needs one number, not ${describe(v)}: the voice limit is fixed when the sound is built`, spanOf(v, span), `write for example \`# voices ${max}\``, expected);
  if (Number.isInteger(n) && n >= 1 && n <= max) return n;
  const at = v.t === "pat" ? v.span : span;
  const suggestion =
    n > max
      ? `${max} is the most one sound can play at once: write \`# voices ${max}\`, or split the pattern into two sounds`
      : n < 1
        ? "write `# voices 1` for one voice at a time (each event fades out the one before)"
        : `write \`# voices ${Math.min(max, Math.max(1, Math.round(n)))}\``;
  return ev.error(`the voice limit must be ${expected}, not ${n}`, at, suggestion, expected);
}

/** `voices` anywhere but after a sound. */
export function misplacedVoices(ev: Evaluator, nameSpan: Span, chainInput?: Val): void {
  if (chainInput?.t === "sound") return;
  const supersaw = chainInput?.t === "sig" && chainInput.kind === "supersaw";
  ev.error(
    `'voices' sets how many voices a sound may play at once, so it must follow a sound, as in \`s "hh*32" # voices 256\``,
    nameSpan,
    supersaw ? "the detuned voices of 'supersaw' are its keyword `:voices`, as in `supersaw 110 :voices 5`" : 'put `# voices N` right after `s "…"` or a note pattern, before filters and effects',
  );
}

/**
 * The voice limit of one sound made of several (`stack` of equal limits, `cat`, `sew`, `stitch`):
 * the largest any part sets, a part without one counting as the default; none when no part sets one.
 */
export function limitOf(parts: Val[]): { voices?: number } {
  const limits = parts.map((x) => (x.t === "sound" ? x.voices : undefined));
  if (limits.every((v) => v === undefined)) return {};
  return { voices: Math.max(...limits.map((v) => v ?? VOICE_LIMIT.default)) };
}
