//! The builtin names of the language: what each is, its arguments with defaults, units and ranges, and whether it takes a chain input.
//
// The language half: names, aliases, argument order, how each argument is taken. The engine half
// (a kernel's ports, units, ranges, defaults and doc) comes from the engine's own declarations,
// generated into language/kinds.ts, so it is written once, in Rust. A param with a default is
// written into the IR only when the program gives it; the engine applies the same default.

import { KINDS, type Kind } from "./kinds.js";

export type Family =
  | "oscillator"
  | "source"
  | "filter"
  | "effect"
  | "envelope"
  | "pattern"
  | "pitch"
  | "analysis"
  | "utility"
  | "combinator"
  | "sample"
  | "operator"
  | "plugin"
  | "midi";

/**
 * How an argument is taken:
 * - `signal`: a constant, a node output, or a pattern string that becomes a param lane (the default);
 * - `const`: a number fixed when the engine builds the plan (structural: it is part of the node key);
 * - `gate`: a pattern string whose events drive the port (a gate lane: the value during each event, 0 after);
 * - `word`: one word, stored as node data (e.g. a file name);
 * - `numbers`: a string of numbers, stored as node data (e.g. partial amplitudes);
 * - `vowel`: a pattern of vowels a e i o u, sent as a param lane of 0…4.
 */
export type ParamType = "signal" | "const" | "gate" | "word" | "numbers" | "vowel";

export interface ParamSpec {
  name: string;
  /** Used when the argument is omitted; absent = required. */
  default?: number;
  unit: string;
  /** Documented range; the engine clamps to it. */
  range?: [number, number];
  type?: ParamType;
  /** Other keyword names accepted for this param (`:room_size` for `room`). */
  aliases?: string[];
}

/**
 * - `chain`: `x # f a b` passes x as the first param (the input); the prefix form `f x a b` writes it.
 * - `optional`: `x # f a b` passes x as the first param; in the prefix form `f a b` it is left out (envelopes).
 * - `prefix`: Phonon writes every param (`lag x 0.1`); we also accept the first one from a chain (`x # lag 0.1`).
 * - `none`: a source; no input.
 */
export type InputForm = "chain" | "optional" | "prefix" | "none";

export interface Builtin {
  name: string;
  aliases?: string[];
  /** The GraphIR node kind; `null` when the compiler itself handles the name (patterns, pitch, combinators). */
  kernel: string | null;
  family: Family;
  input: InputForm;
  /** Params in argument order; with input `chain` or `optional` the first one is the chain input. */
  params: ParamSpec[];
  /** Used bare (no arguments), e.g. `sine` is a 1 Hz LFO. */
  bare?: boolean;
  /** Accepts any number of signal arguments after the listed params (ports named `in0`, `in1`, …). */
  variadic?: boolean;
  /** Parsed but refused: plugin hosting and MIDI input. */
  unsupported?: string;
  doc: string;
}

// ---- param helpers ----
const sig = (name: string, unit: string, def?: number, range?: [number, number], aliases?: string[]): ParamSpec => ({
  name,
  unit,
  ...(def === undefined ? {} : { default: def }),
  ...(range ? { range } : {}),
  ...(aliases ? { aliases } : {}),
});

/** What a builtin adds to a kernel port: only language facts (the rest is the engine's declaration). */
interface PortUse {
  aliases?: string[];
  /** How the argument is taken when not a plain signal (`gate`, `vowel`). */
  type?: ParamType;
  /** The argument must be written, though the engine has a default. */
  required?: true;
  /** The language's own default (a bare oscillator is a 1 Hz LFO). */
  default?: number;
}

/** The port `name` of the engine kind `kind` as a param: unit, default and range as the engine declares them (language/kinds.ts). */
function port(kind: Kind, name: string, use: PortUse = {}): ParamSpec {
  const p = kind.ports.find((q) => q.name === name);
  if (!p) throw new Error(`catalogue: the engine's ${kind.name} has no port '${name}'`);
  const def = use.required ? undefined : (use.default ?? p.default ?? undefined);
  return {
    name,
    unit: p.unit,
    ...(def === undefined ? {} : { default: def }),
    ...(p.range ? { range: p.range } : {}),
    ...(use.type ? { type: use.type } : {}),
    ...(use.aliases ? { aliases: use.aliases } : {}),
  };
}

/** An argument of a kernel builtin: a port by name, a port with language facts, or a language-only param. */
type Arg = string | [string, PortUse] | ParamSpec;

/** A builtin that is one engine kernel: its params are the kernel's ports in argument order, its doc the kernel's unless given. */
function kernel(kind: string, input: InputForm, args: Arg[], more: Partial<Omit<Spec, "kernel" | "input" | "params">> = {}): Spec {
  const k = KINDS[kind];
  if (!k) throw new Error(`catalogue: the engine has no kind '${kind}'`);
  const params = args.map((a) => (typeof a === "string" ? port(k, a) : Array.isArray(a) ? port(k, a[0], a[1]) : a));
  return { name: kind, kernel: kind, input, params, doc: k.doc, ...more };
}

type Spec = Omit<Builtin, "family">;
const family = (f: Family, specs: Spec[]): Builtin[] => specs.map((s) => ({ ...s, family: f }));

/** The voice limit of a sound (`# voices N`): the engine's default and largest (pool.rs `DEFAULT_VOICES`, `MAX_VOICES`). */
export const VOICE_LIMIT = { default: 128, max: 256 } as const;

const OSCILLATORS = family("oscillator", [
  kernel("sine", "none", [["freq", { default: 1 }], sig("offset", "semitones", 0)], { bare: true, doc: "Sine, −1…1, phase 0 at start. Bare: a 1 Hz LFO." }),
  kernel("saw", "none", [["freq", { default: 1 }], sig("offset", "semitones", 0)], { bare: true, doc: "Band-limited rising sawtooth, −1…1. Bare: a 1 Hz ramp." }),
  kernel("square", "none", [["freq", { default: 1 }], "width"], { bare: true }),
  kernel("tri", "none", [["freq", { default: 1 }], sig("offset", "semitones", 0)], { aliases: ["triangle"], bare: true }),
  kernel("fm", "none", [["carrier", { required: true }], ["mod", { required: true }], "index"]),
  kernel("pm", "none", [["carrier", { required: true }], ["mod", { required: true }], "index"]),
  kernel("fmcrossmod", "prefix", ["carrier", "mod", "depth"]),
  kernel("pulse", "none", [["freq", { required: true }], "width"]),
  kernel("saw_naive", "none", [["freq", { required: true }]]),
  kernel("square_naive", "none", [["freq", { required: true }], "width"]),
  kernel("vco", "none", [["freq", { required: true }], "wave", "pw"]),
  kernel("blip", "none", [["freq", { required: true }]]),
  kernel("impulse", "none", [["freq", { required: true }]]),
  kernel("wavetable", "none", [["freq", { required: true }]]),
  kernel("additive", "none", [["freq", { required: true }], { ...sig("amps", "list", 1), type: "numbers" }]),
  kernel("pluck", "none", [["freq", { required: true }], "damping"]),
  kernel("waveguide", "none", [["freq", { required: true }], "damping", "pickup"]),
  kernel("organ", "none", [["freq", { required: true }]], { aliases: ["organ_hz"] }),
  kernel("saw", "none", [["freq", { required: true }]], { name: "saw_hz", doc: "Plain sawtooth (fundsp style); here the band-limited saw." }),
  kernel("additive", "none", [["freq", { required: true }]], { name: "soft_saw", aliases: ["soft_saw_hz"], doc: "Soft sawtooth: its first 8 harmonics at 1/k² (an additive tone)." }),
  kernel("square", "none", [["freq", { required: true }]], { name: "square_hz", doc: "Plain square (fundsp style); here the band-limited square." }),
  kernel("tri", "none", [["freq", { required: true }]], { name: "triangle_hz", doc: "Plain triangle (fundsp style)." }),
  kernel("supersaw", "none", [["freq", { required: true }], "detune", "voices"]),
  kernel("superpwm", "none", [["freq", { required: true }], "rate", "depth"]),
  kernel("superchip", "none", [["freq", { required: true }], "vib_rate", "vib_depth"]),
  kernel("superfm", "none", [["freq", { required: true }], "ratio", "index"]),
  kernel("superkick", "none", [["freq", { required: true }], "pitch_env", "sustain", "noise"], { doc: "Kick drum synth (trigger it as a voice: `s \"~kick*4\"`)." }),
  kernel("supersnare", "none", [["freq", { required: true }], "snappy", "sustain"], { doc: "Snare drum synth (trigger it as a voice)." }),
  kernel("superhat", "none", ["bright", "sustain"], { bare: true, doc: "Hi-hat synth (trigger it as a voice)." }),
  { name: "sine_trig", kernel: "voices", input: "none", params: [{ ...sig("notes", "pattern"), type: "gate" }, sig("attack", "s", 0.001, [0, 60]), sig("decay", "s", 0.1, [0, 60]), sig("sustain", "0–1", 0), sig("release", "s", 0.1, [0, 60])], doc: "A sine voice for each note of the pattern, with an ADSR." },
  { name: "saw_trig", kernel: "voices", input: "none", params: [{ ...sig("notes", "pattern"), type: "gate" }, sig("attack", "s", 0.001, [0, 60]), sig("decay", "s", 0.1, [0, 60]), sig("sustain", "0–1", 0), sig("release", "s", 0.1, [0, 60])], doc: "A saw voice for each note of the pattern, with an ADSR." },
  { name: "square_trig", kernel: "voices", input: "none", params: [{ ...sig("notes", "pattern"), type: "gate" }, sig("attack", "s", 0.001, [0, 60]), sig("decay", "s", 0.1, [0, 60]), sig("sustain", "0–1", 0), sig("release", "s", 0.1, [0, 60])], doc: "A square voice for each note of the pattern, with an ADSR." },
  { name: "tri_trig", kernel: "voices", input: "none", params: [{ ...sig("notes", "pattern"), type: "gate" }, sig("attack", "s", 0.001, [0, 60]), sig("decay", "s", 0.1, [0, 60]), sig("sustain", "0–1", 0), sig("release", "s", 0.1, [0, 60])], doc: "A triangle voice for each note of the pattern, with an ADSR." },
  { name: "synth", kernel: "voices", input: "none", params: [{ ...sig("notes", "pattern"), type: "gate" }, { ...sig("wave", "saw|square|tri|sine"), type: "word" }, sig("attack", "s", 0.01, [0, 60]), sig("decay", "s", 0.1, [0, 60]), sig("sustain", "0–1", 0.7), sig("release", "s", 0.2, [0, 60])], doc: "A polysynth: `synth \"c3 e3 g3\" \"saw\" a d s r` plays one voice per note." },
]);

const SOURCES = family("source", [
  kernel("noise", "none", [{ ...sig("seed", "integer", 0), type: "const" }], { aliases: ["white_noise"], bare: true }),
  kernel("pink", "none", [{ ...sig("seed", "integer", 0), type: "const" }], { aliases: ["pink_noise"], bare: true }),
  kernel("brown_noise", "none", [{ ...sig("seed", "integer", 0), type: "const" }], { aliases: ["brown"], bare: true }),
  kernel("phasor", "none", ["speed"], { bare: true }),
  { name: "rand", kernel: null, input: "none", bare: true, params: [], doc: "A random value 0…1, new each cycle (a pattern)." },
  { name: "irand", kernel: null, input: "none", params: [sig("n", "integer")], doc: "A random integer 0…n−1, new each cycle (a pattern)." },
  { name: "run", kernel: null, input: "none", params: [sig("n", "integer")], doc: "0 1 … n−1 across each cycle (a pattern)." },
  { name: "scan", kernel: null, input: "none", params: [sig("n", "integer")], doc: "run 1, run 2, … run n, one per cycle (a pattern)." },
  { name: "cosine", kernel: null, input: "none", bare: true, params: [], doc: "A cosine 0…1 per cycle (a continuous pattern)." },
  { name: "wedge", kernel: null, input: "none", bare: true, params: [], doc: "Bare: a 0→1 ramp per cycle. `wedge r a b`: a squashed into the first r of the cycle, b into the rest." },
]);

const FILTERS = family("filter", [
  kernel("lpf", "chain", ["in", "cutoff", "q"]),
  kernel("hpf", "chain", ["in", "cutoff", "q"]),
  kernel("bpf", "chain", ["in", "cutoff", "q"]),
  kernel("notch", "chain", ["in", "cutoff", "q"]),
  kernel("svf_lp", "chain", ["in", ["freq", { required: true }], "res"]),
  kernel("svf_hp", "chain", ["in", ["freq", { required: true }], "res"]),
  kernel("svf_bp", "chain", ["in", ["freq", { required: true }], "res"]),
  kernel("svf_notch", "chain", ["in", ["freq", { required: true }], "res"]),
  kernel("bq_lp", "chain", ["in", ["freq", { required: true }], "q"]),
  kernel("bq_hp", "chain", ["in", ["freq", { required: true }], "q"]),
  kernel("bq_bp", "chain", ["in", ["freq", { required: true }], "q"]),
  kernel("bq_notch", "chain", ["in", ["freq", { required: true }], "q"]),
  kernel("rlpf", "chain", ["in", "cutoff", "res"]),
  kernel("rhpf", "chain", ["in", "cutoff", "res"]),
  kernel("resonz", "chain", ["in", ["freq", { required: true }], "q"]),
  kernel("moog_ladder", "prefix", ["in", "cutoff", "res"], { aliases: ["moog"], doc: "4-pole Moog ladder lowpass (prefix form: `moog_ladder x 800 0.5`)." }),
  kernel("moog_ladder", "chain", ["in", "cutoff", "res"], { name: "moog_hz", doc: "Moog-style lowpass (fundsp); here the moog_ladder." }),
  kernel("comb", "chain", ["in", ["freq", { required: true }], "feedback"]),
  kernel("allpass", "chain", ["in", "coeff"]),
  kernel("djf", "chain", ["in", "value"]),
  kernel("parametric_eq", "prefix", ["in", "low_freq", "low_gain", "low_q", "mid_freq", "mid_gain", "mid_q", "high_freq", "high_gain", "high_q"], { aliases: ["eq"], doc: "3-band parametric EQ (prefix form)." }),
  kernel("vowel", "chain", ["in", ["vowel", { type: "vowel", required: true }]]),
  kernel("formant", "prefix", ["in", ["f1", { required: true }], ["f2", { required: true }], ["f3", { required: true }], "bw1", "bw2", "bw3"], { doc: "Three-formant filter (prefix form)." }),
]);

const EFFECTS = family("effect", [
  kernel("reverb", "chain", ["in", ["room_size", { aliases: ["room"] }], ["damping", { aliases: ["damp"] }], "mix"]),
  kernel("plate", "chain", ["in", "predelay", "decay", "diffusion", "damping", "mod_depth", "mix"]),
  kernel("lush", "chain", ["in", "decay", "diffusion", "damping", "spin", "wander", "freeze", "mix", "predelay"]),
  kernel("reverb", "chain", ["in", "mix", ["room_size", { aliases: ["time"] }]], { name: "reverb_stereo", doc: "Stereo reverb (fundsp); here the Freeverb reverb, its `time` read as the room size 0–1." }),
  kernel("convolve", "chain", ["in", "mix"], { aliases: ["convolution"] }),
  kernel("freeze", "chain", ["in", ["trigger", { type: "gate" }]]),
  kernel("allpass", "chain", ["in", ["coeff", { aliases: ["amount"] }]], { name: "diffuser", doc: "Allpass diffusion (smears transients); here one allpass, `amount` its coefficient." }),
  kernel("delay", "chain", ["in", "time", "feedback", "mix"]),
  kernel("tapedelay", "chain", ["in", "time", "feedback", "wow_rate", "wow_depth", "flutter_rate", "flutter_depth", ["saturation", { aliases: ["sat"] }], "mix"], { aliases: ["tape"] }),
  kernel("multitap", "chain", ["in", "time", "taps", "feedback", "mix"]),
  kernel("pingpong", "chain", ["in", "time", "feedback", "width", "channel", "mix"]),
  kernel("distortion", "chain", ["in", "drive", "mix"], { aliases: ["distort","dist"] }),
  kernel("bitcrush", "chain", ["in", "bits", "rate"]),
  kernel("coarse", "chain", ["in", "factor"]),
  kernel("decimator", "prefix", ["in", "factor", "smooth"], { doc: "Sample-rate reduction with smoothing (prefix form)." }),
  kernel("chorus", "chain", ["in", "rate", "depth", "mix"]),
  kernel("chorus", "chain", ["in", ["mix", { aliases: ["separation"] }], ["depth", { aliases: ["variation"] }], ["rate", { aliases: ["modfreq"] }]], { name: "fchorus", doc: "Chorus (fundsp); here the chorus kernel: separation → mix, variation → depth, modfreq → rate." }),
  kernel("flanger", "chain", ["in", "depth", "rate", "feedback"]),
  kernel("phaser", "chain", ["in", "rate", "depth", "feedback", "stages"]),
  kernel("tremolo", "chain", ["in", "rate", "depth"], { aliases: ["trem"] }),
  kernel("vibrato", "chain", ["in", "rate", "depth"], { aliases: ["vib"] }),
  kernel("ring", "chain", ["in", "freq"]),
  kernel("ring_mod", "prefix", ["a", "b"], { doc: "Ring modulation of two signals (prefix form)." }),
  kernel("compressor", "chain", ["in", "threshold", "ratio", "attack", "release", "makeup"], { aliases: ["comp"] }),
  kernel("sidechain_compressor", "chain", ["in", "sidechain", "threshold", "ratio", "attack", "release"], { aliases: ["sidechain_comp","sc_comp"] }),
  kernel("expander", "chain", ["in", "threshold", "ratio", "attack", "release"], { aliases: ["expand"] }),
  kernel("transient_shaper", "chain", ["in", "attack", "sustain"], { aliases: ["tshaper"] }),
  kernel("limiter", "chain", ["in", "threshold", "attack", "release"]),
  kernel("widener", "chain", ["in", "width"], { aliases: ["width"] }),
  kernel("pan2", "chain", ["in", "pos"]),
  kernel("pan2_l", "prefix", ["in", "pos"], { doc: "The left channel of an equal-power pan (prefix form)." }),
  kernel("pan2_r", "prefix", ["in", "pos"], { doc: "The right channel of an equal-power pan (prefix form)." }),
  kernel("pitch_shift", "prefix", ["in", "semitones"], { doc: "Granular pitch shifter (prefix form)." }),
  kernel("vocoder", "prefix", ["mod", "carrier", "bands"], { doc: "Channel vocoder: the modulator's band envelopes applied to the carrier (prefix form)." }),
  kernel("granular", "prefix", ["in", "grain_ms", "density", "pitch"], { doc: "Granulator (prefix form)." }),
  kernel("mul", "chain", [sig("in", "signal"), sig("amount", "linear", 1)], { name: "amp", doc: "Multiply by an amount." }),
  kernel("tap", "chain", ["in", { ...sig("file", "path"), type: "word" }, "duration"], { aliases: ["probe"] }),
]);

const ENVELOPES = family("envelope", [
  kernel("env", "optional", [sig("in", "signal", 1), ["attack", { required: true }], ["decay", { required: true }], ["sustain", { required: true }], ["release", { required: true }], ["gate", { type: "gate" }]], { aliases: ["envelope"], doc: "ADSR that fires once when the graph starts (or at each gate onset), then holds the sustain level; multiplies its input (or is the envelope itself)." }),
  kernel("adsr", "optional", [sig("in", "signal", 1), "attack", "decay", "sustain", "release"], { doc: "ADSR envelope; multiplies its input. After `s`, sets the voices' envelope instead." }),
  kernel("ad", "optional", [sig("in", "signal", 1), "attack", "decay", ["gate", { type: "gate" }]], { doc: "Attack-decay envelope, from the start (or at each gate onset); multiplies its input." }),
  kernel("ar", "optional", [sig("in", "signal", 1), "attack", "release"], { doc: "Attack-release envelope; multiplies its input. After `s`, sets the voices' attack and release." }),
  kernel("asr", "chain", [["gate", { required: true }], "attack", "release"]),
  kernel("line", "optional", [sig("in", "signal", 1), ["start", { required: true }], ["end", { required: true }], "duration", ["gate", { type: "gate" }]], { doc: "A linear ramp from start to end over duration seconds, then holds (restarting at each gate onset); multiplies its input." }),
  kernel("xline", "optional", [sig("in", "signal", 1), ["start", { required: true }], ["end", { required: true }], "duration", ["gate", { type: "gate" }]], { doc: "An exponential ramp from start to end over duration seconds, then holds; multiplies its input." }),
  kernel("curve", "optional", [sig("in", "signal", 1), ["start", { required: true }], ["end", { required: true }], "duration", "curve", ["gate", { type: "gate" }]], { doc: "A curved ramp (curve 0 is linear, > 0 slow start, < 0 fast start); multiplies its input. After `s`, one per event." }),
  kernel("segments", "optional", [sig("in", "signal", 1), { ...sig("levels", "list"), type: "numbers" }, { ...sig("times", "list of s"), type: "numbers" }, ["gate", { type: "gate" }]], { doc: "A breakpoint envelope: `segments \"0 1 0.3 0\" \"0.01 0.2 0.5\"`; multiplies its input. After `s`, one per event." }),
  kernel("lag", "prefix", ["in", "time"], { doc: "Slew limiter (prefix form)." }),
  kernel("gate", "none", [["gate", { type: "gate", required: true }]]),
  kernel("trig", "none", [["gate", { type: "gate", required: true }]]),
  kernel("ar", "none", [["gate", { type: "gate", required: true }], "attack", "release"], { name: "tar", doc: "An attack-release envelope on each event." }),
  kernel("adsr", "none", [["gate", { type: "gate", required: true }], "attack", "decay", "sustain", "release"], { name: "tadsr", doc: "An ADSR on each event, held for the event's length." }),
  kernel("adsr", "none", [["gate", { type: "gate", required: true }], "attack", "decay", "sustain", "release"], { name: "env_trig", doc: "An ADSR on each event (same as tadsr)." }),
  kernel("ad", "none", [["gate", { type: "gate", required: true }], sig("in", "signal")], { name: "struct", doc: "`struct \"t(3,8)\" sig`: a short percussive envelope on each true event, times sig. As a transform (`$ struct \"t(3,8)\"`) it restructures a pattern." }),
]);

const PITCH = family("pitch", [
  { name: "n", kernel: null, input: "none", params: [sig("pattern", "pattern")], doc: "A numeric pattern; note names become Hz. After `s`, the sample index." },
  { name: "note", kernel: null, input: "none", params: [sig("pattern", "pattern")], doc: "A pitch pattern; note names become Hz. After `s`, the pitch of the voice (names absolute, numbers in semitones)." },
  { name: "scale", kernel: null, input: "chain", params: [sig("in", "signal"), sig("name", "scale name")], doc: "Scale degrees to semitones: `n \"0 2 4\" # scale \"minor\"`." },
  { name: "chord", kernel: null, input: "optional", params: [sig("in", "semitones", 0), sig("name", "chord name")], doc: "Stack chord intervals: `chord \"maj min7\"`, or on roots: `n \"0 5\" # chord \"maj\"`." },
  kernel("mtof", "chain", ["in"], { doc: "MIDI note number to Hz (on a pattern it converts the values; on a signal it is a node)." }),
]);

const ANALYSIS = family("analysis", [
  kernel("rms", "chain", ["in", "window"]),
  kernel("schmidt", "chain", ["in", "hi", "lo"]),
  kernel("latch", "chain", ["in", "gate"]),
  kernel("timer", "chain", [sig("in", "signal")]),
  kernel("peak_follower", "chain", ["in", "attack", "release"]),
  kernel("amp_follower", "chain", ["in", "attack", "release", "window"]),
  kernel("sample_hold", "prefix", ["in", ["trig", { required: true }]], { doc: "Samples the input at each rising edge of trig (prefix form)." }),
]);

const UTILITIES = family("utility", [
  kernel("range", "prefix", [["min", { required: true }], ["max", { required: true }], "in"], { doc: "Maps −1…1 onto min…max. As a transform, maps a 0…1 pattern onto min…max." }),
  kernel("min", "prefix", ["a", "b"]),
  kernel("abs", "prefix", ["in"]),
  kernel("clip", "prefix", ["in", "min", "max"]),
  kernel("max", "prefix", ["a", "b"]),
  kernel("wrap", "prefix", ["in", "min", "max"]),
  kernel("xfade", "prefix", ["a", "b", "pos"]),
  { name: "mix", kernel: null, input: "prefix", variadic: true, params: [], doc: "The sum of its arguments." },
  kernel("select", "prefix", [["index", { required: true }]], { variadic: true }),
  kernel("if", "prefix", ["cond", "then", "else"]),
  { name: "every_val", kernel: null, input: "none", params: [sig("n", "cycles"), sig("on", "value"), sig("off", "value")], doc: "on every n-th cycle, off otherwise (a pattern)." },
  { name: "sometimes_val", kernel: null, input: "none", params: [sig("on", "value"), sig("off", "value")], doc: "on or off at random, per cycle (a pattern)." },
  { name: "sometimes_by_val", kernel: null, input: "none", params: [sig("p", "0–1"), sig("on", "value"), sig("off", "value")], doc: "on with probability p, per cycle (a pattern)." },
  { name: "whenmod_val", kernel: null, input: "none", params: [sig("m", "cycles"), sig("o", "cycles"), sig("on", "value"), sig("off", "value")], doc: "on when cycle mod m ≥ o, else off (a pattern)." },
  { name: "every_effect", kernel: null, input: "prefix", params: [sig("in", "signal"), sig("n", "cycles"), sig("fx", "effect")], doc: "The effect on every n-th cycle, dry otherwise." },
  { name: "sometimes_effect", kernel: null, input: "prefix", params: [sig("in", "signal"), sig("fx", "effect")], doc: "The effect on about half the cycles, at random." },
  { name: "whenmod_effect", kernel: null, input: "prefix", params: [sig("in", "signal"), sig("m", "cycles"), sig("o", "cycles"), sig("fx", "effect")], doc: "The effect when cycle mod m ≥ o." },
]);

const COMBINATORS = family("combinator", [
  { name: "stack", kernel: null, input: "none", params: [sig("items", "list")], doc: "Plays a list together: `stack [s \"bd*2\", saw 55 * 0.2]`." },
  { name: "cat", kernel: null, input: "none", params: [sig("items", "list")], doc: "One item per cycle, in turn." },
  { name: "slowcat", kernel: null, input: "none", params: [sig("items", "list")], doc: "One item per cycle, in turn (same as cat)." },
  { name: "fastcat", kernel: null, input: "none", params: [sig("items", "list")], doc: "All items squeezed into one cycle." },
  { name: "sew", kernel: null, input: "none", params: [sig("bool", "pattern"), sig("a", "pattern"), sig("b", "pattern")], doc: "a where the boolean pattern is true, b where false (structure from a and b)." },
  { name: "stitch", kernel: null, input: "none", params: [sig("bool", "pattern"), sig("a", "pattern"), sig("b", "pattern")], doc: "a where true, b where false (structure from the boolean pattern)." },
  { name: "choose", kernel: null, input: "none", params: [sig("items", "list")], doc: "One item at random, per cycle." },
  { name: "wchoose", kernel: null, input: "none", params: [sig("items", "list of [value, weight]")], doc: "One item at random by weight, per cycle." },
  kernel("sampler", "none", [sig("pattern", "pattern")], { name: "s", doc: "s \"bd sn:2 ~synth\": plays samples (and synth voices for `~bus` names) from a pattern string; each event starts a voice at its exact frame. A synth voice with no `legato`, `dur`, decay or sustain is attack-release, as in Phonon: its attack (10 ms unless `attack`/`ar` says), then at once its release (300 ms unless `release`/`ar` says)." }),
  kernel("sampler", "none", [sig("pattern", "pattern")], { name: "sound", doc: "Same as s." }),
]);

const SAMPLE = family("sample", [
  kernel("mul", "chain", [sig("in", "signal"), sig("amount", "linear", 1, [0, 10])], { name: "gain", doc: "Per-event gain after `s`; on any other signal it multiplies." }),
  kernel("pan2", "chain", ["in", "pos"], { name: "pan", doc: "Per-event pan after `s` (−1 left … 1 right); on any other signal an equal-power pan." }),
  { name: "speed", kernel: null, input: "chain", params: [sig("in", "signal"), sig("speed", "ratio", 1, [-10, 10])], doc: "Playback rate; negative plays backwards." },
  { name: "cut", kernel: null, input: "chain", params: [sig("in", "signal"), sig("group", "integer", 0)], doc: "Cut group: a new event stops the other voices of its group." },
  { name: "begin", kernel: null, input: "chain", params: [sig("in", "signal"), sig("pos", "0–1", 0, [0, 1])], doc: "Where in the sample to start." },
  { name: "end", kernel: null, input: "chain", params: [sig("in", "signal"), sig("pos", "0–1", 1, [0, 1])], doc: "Where in the sample to stop." },
  { name: "unit", kernel: null, input: "chain", params: [sig("in", "signal"), sig("mode", "r|c")], doc: "`unit \"c\"`: speed in cycles per sample length; `\"r\"` (default): a rate." },
  { name: "loop", kernel: null, input: "chain", params: [sig("in", "signal"), sig("on", "0/1", 1)], doc: "Loop the sample for its event's length. As a transform, `loop n` repeats cycles." },
  { name: "attack", kernel: null, input: "chain", params: [sig("in", "signal"), sig("time", "s", undefined, [0, 60])], doc: "Voice attack time; on other signals an attack-release envelope." },
  { name: "release", kernel: null, input: "chain", params: [sig("in", "signal"), sig("time", "s", undefined, [0, 60])], doc: "Voice release time; on other signals an attack-release envelope." },
  { name: "decay", kernel: null, input: "chain", params: [sig("in", "signal"), sig("time", "s", undefined, [0, 60])], doc: "Voice decay time." },
  { name: "sustain", kernel: null, input: "chain", params: [sig("in", "signal"), sig("level", "0–1")], doc: "Voice sustain level." },
  { name: "legato", kernel: null, input: "chain", params: [sig("in", "signal"), sig("ratio", "ratio", 1)], doc: "Voice length as a multiple of its event's length. As a transform it sets the pattern's legato." },
  { name: "dur", kernel: null, input: "chain", params: [sig("in", "signal"), sig("time", "s", undefined, [0, 60])], doc: "Voice length in seconds." },
  { name: "voices", kernel: null, input: "chain", params: [sig("in", "signal"), { ...sig("limit", "voices", VOICE_LIMIT.default, [1, VOICE_LIMIT.max]), type: "const" }], doc: `\`s "hh*32" # voices 256\`: how many voices the sound may play at once (a whole number from 1 to ${VOICE_LIMIT.max}, default ${VOICE_LIMIT.default}; one number, fixed for the sound, not a pattern). At the limit each new event steals the oldest voice still playing, which fades out over 5 ms. Applies to the samples and the synth voices (\`s "~bus"\`, note synths) of that sound.` },
]);

const OPERATORS = family("operator", [
  kernel("add", "prefix", ["a", "b"], { doc: "a + b, per sample (`~add a b`, `a + b`, `a ~+ b`)." }),
  kernel("sub", "prefix", ["a", "b"]),
  kernel("mul", "prefix", ["a", "b"]),
  kernel("div", "prefix", ["a", "b"]),
]);

const PLUGINS = family("plugin", [
  { name: "vst", kernel: null, input: "chain", params: [sig("in", "signal"), { ...sig("name", "plugin"), type: "word" }], unsupported: "plugin hosting (VST/AU/CLAP/LV2)", doc: "Hosts an audio plugin: not supported." },
  { name: "vst2", kernel: null, input: "chain", params: [sig("in", "signal"), { ...sig("name", "plugin"), type: "word" }], unsupported: "plugin hosting (VST/AU/CLAP/LV2)", doc: "Hosts an audio plugin: not supported." },
  { name: "vst3", kernel: null, input: "chain", params: [sig("in", "signal"), { ...sig("name", "plugin"), type: "word" }], unsupported: "plugin hosting (VST/AU/CLAP/LV2)", doc: "Hosts an audio plugin: not supported." },
  { name: "au", kernel: null, input: "chain", params: [sig("in", "signal"), { ...sig("name", "plugin"), type: "word" }], unsupported: "plugin hosting (VST/AU/CLAP/LV2)", doc: "Hosts an audio plugin: not supported." },
  { name: "clap", kernel: null, input: "chain", params: [sig("in", "signal"), { ...sig("name", "plugin"), type: "word" }], unsupported: "plugin hosting (VST/AU/CLAP/LV2)", doc: "Hosts an audio plugin: not supported." },
  { name: "lv2", kernel: null, input: "chain", params: [sig("in", "signal"), { ...sig("name", "plugin"), type: "word" }], unsupported: "plugin hosting (VST/AU/CLAP/LV2)", doc: "Hosts an audio plugin: not supported." },
  { name: "plugin", kernel: null, input: "chain", params: [sig("in", "signal"), { ...sig("name", "plugin"), type: "word" }], unsupported: "plugin hosting (VST/AU/CLAP/LV2)", doc: "Hosts an audio plugin: not supported." },
  { name: "param", kernel: null, input: "chain", params: [sig("in", "signal"), { ...sig("name", "param"), type: "word" }, sig("value", "value")], unsupported: "plugin hosting (VST/AU/CLAP/LV2)", doc: "Sets a plugin parameter: not supported." },
]);

/** Every builtin function name. */
const LISTED: readonly Builtin[] = [
  ...OSCILLATORS,
  ...SOURCES,
  ...FILTERS,
  ...EFFECTS,
  ...ENVELOPES,
  ...PITCH,
  ...ANALYSIS,
  ...UTILITIES,
  ...COMBINATORS,
  ...SAMPLE,
  ...OPERATORS,
  ...PLUGINS,
];

/**
 * Engine kinds no listed builtin lowers to become builtins of their own name as they are
 * declared: a chain effect when the first port is an audio `in`, else a source; arguments in port
 * order. So a new kernel is usable from a .ph file as soon as the engine registers it.
 */
const listedKernels = new Set(LISTED.map((b) => b.kernel));
const DECLARED: Builtin[] = Object.values(KINDS)
  .filter((k) => !listedKernels.has(k.name))
  .map((k) => {
    const chain = k.ports[0]?.name === "in" && k.ports[0].default === null;
    return { ...kernel(k.name, chain ? "chain" : "none", k.ports.map((p) => p.name)), family: chain ? "effect" : "source" };
  });

export const BUILTINS: readonly Builtin[] = [...LISTED, ...DECLARED];

/** Bus names that mean MIDI input: `~midi`, `~midi1`…`~midi16`, `~midi:c:major`. */
export const MIDI_BUS = /^midi\d*$/;
export const MIDI_UNSUPPORTED = "MIDI input";

const byName = new Map<string, Builtin>();
for (const b of BUILTINS) {
  if (byName.has(b.name)) throw new Error(`catalogue: '${b.name}' is listed twice`);
  byName.set(b.name, b);
  for (const a of b.aliases ?? []) {
    if (byName.has(a)) throw new Error(`catalogue: alias '${a}' clashes`);
    byName.set(a, b);
  }
}

export function lookup(name: string): Builtin | undefined {
  return byName.get(name);
}

/** Every name and alias, for "did you mean". */
export function builtinNames(): string[] {
  return [...byName.keys()];
}

/** Every node kind a builtin lowers to. */
export function allKernels(): Set<string> {
  const kinds = new Set<string>();
  for (const b of BUILTINS) if (b.kernel) kinds.add(b.kernel);
  return kinds;
}
