//! The builtin names of the language: what each is, its arguments with defaults, units and ranges, and whether it takes a chain input.
//
// This table is the contract between the compiler and the engine: `kernel` is the GraphIR node
// kind, and the param names are the kernel's port names. A param with a default is written into
// the IR only when the program gives it; the engine applies the same default otherwise.

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
const cst = (name: string, unit: string, def?: number, range?: [number, number]): ParamSpec => ({ ...sig(name, unit, def, range), type: "const" });
const IN = sig("in", "signal");
const ENV_IN = sig("in", "signal", 1);
const FREQ = (def?: number): ParamSpec => sig("freq", "Hz", def, [0, 22050]);
const MIX = (def: number): ParamSpec => sig("mix", "0–1", def, [0, 1]);
const SECONDS = (name: string, def?: number): ParamSpec => sig(name, "s", def, [0, 60]);
const GATE = (name = "gate"): ParamSpec => ({ name, unit: "pattern", type: "gate" });
/** An optional retrigger: when connected, the envelope restarts at each onset of the gate (used for envelopes chained after a sound). */
const RETRIGGER: ParamSpec = { name: "gate", unit: "gate", type: "gate", default: 1 };

type Spec = Omit<Builtin, "family">;
const family = (f: Family, specs: Spec[]): Builtin[] => specs.map((s) => ({ ...s, family: f }));

const osc = (name: string, doc: string, extra: ParamSpec[] = [], aliases?: string[], bare = false): Spec => ({
  name,
  kernel: name,
  input: "none",
  params: [FREQ(bare ? 1 : undefined), ...extra],
  ...(bare ? { bare: true } : {}),
  ...(aliases ? { aliases } : {}),
  doc,
});

const OSCILLATORS = family("oscillator", [
  osc("sine", "Sine, −1…1, phase 0 at start. Bare: a 1 Hz LFO.", [sig("offset", "semitones", 0)], undefined, true),
  osc("saw", "Band-limited rising sawtooth, −1…1. Bare: a 1 Hz ramp.", [sig("offset", "semitones", 0)], undefined, true),
  osc("square", "Band-limited pulse, −1…1; width is the duty cycle.", [sig("width", "ratio", 0.5, [0, 1])], undefined, true),
  osc("tri", "Triangle, −1…1.", [sig("offset", "semitones", 0)], ["triangle"], true),
  { name: "fm", kernel: "fm", input: "none", params: [sig("carrier", "Hz"), sig("mod", "Hz"), sig("index", "ratio", 1)], doc: "Two-operator FM: a sine carrier whose phase is modulated by a sine at `mod` Hz." },
  { name: "pm", kernel: "pm", input: "none", params: [sig("carrier", "Hz"), sig("mod", "signal"), sig("index", "rad", 1)], doc: "Phase modulation of a sine carrier by an external signal." },
  { name: "fmcrossmod", kernel: "fmcrossmod", input: "prefix", params: [sig("carrier", "signal"), sig("mod", "signal"), sig("depth", "ratio", 1)], doc: "carrier · cos(2π · depth · mod)." },
  osc("pulse", "Pulse with a variable width.", [sig("width", "ratio", 0.5, [0, 1])]),
  osc("saw_naive", "Naive (aliasing) sawtooth, −1…1: for benchmarks and a lo-fi edge."),
  osc("square_naive", "Naive (aliasing) pulse, −1…1.", [sig("width", "ratio", 0.5, [0, 1])]),
  osc("vco", "Switchable oscillator: wave 0 saw, 1 square, 2 triangle, 3 sine.", [sig("wave", "0–3", 0, [0, 3]), sig("pw", "ratio", 0.5, [0, 1])]),
  osc("blip", "Band-limited impulse train."),
  osc("impulse", "One-sample spikes at freq (a trigger for envelopes, combs and drums)."),
  osc("wavetable", "Wavetable oscillator over a built-in sine table."),
  osc("additive", "Sum of harmonic partials with the given amplitudes (`additive 110 \"1 0.5 0.33\"`); without them, a sine.", [{ name: "amps", unit: "list", type: "numbers", default: 1 }]),
  osc("pluck", "Karplus-Strong plucked string.", [sig("damping", "0–1", 0.5, [0, 1])]),
  osc("waveguide", "Digital waveguide string.", [sig("damping", "0–1", 0.5, [0, 1]), sig("pickup", "0–1", 0.5, [0, 1])]),
  osc("organ", "Organ tone (drawbar-style partials).", [], ["organ_hz"]),
  { ...osc("saw_hz", "Plain sawtooth (fundsp style); here the band-limited saw."), kernel: "saw" },
  { ...osc("soft_saw", "Soft sawtooth: its first 8 harmonics at 1/k² (an additive tone).", [], ["soft_saw_hz"]), kernel: "additive" },
  { ...osc("square_hz", "Plain square (fundsp style); here the band-limited square."), kernel: "square" },
  { ...osc("triangle_hz", "Plain triangle (fundsp style)."), kernel: "tri" },
  osc("supersaw", "SuperDirt-style detuned saw stack.", [sig("detune", "0–1", 0.3, [0, 1]), sig("voices", "count", 7, [2, 7])]),
  osc("superpwm", "SuperDirt-style PWM synth.", [sig("rate", "Hz", 0.5), sig("depth", "0–1", 0.8, [0, 1])]),
  osc("superchip", "SuperDirt-style chiptune square with vibrato.", [sig("vib_rate", "Hz", 5), sig("vib_depth", "semitones", 0.05)]),
  osc("superfm", "SuperDirt-style FM synth.", [sig("ratio", "ratio", 2), sig("index", "ratio", 1)]),
  osc("superkick", "Kick drum synth (trigger it as a voice: `s \"~kick*4\"`).", [sig("pitch_env", "0–1", 0.5), sig("sustain", "s", 0.3), sig("noise", "0–1", 0.1)]),
  osc("supersnare", "Snare drum synth (trigger it as a voice).", [sig("snappy", "0–1", 0.8), sig("sustain", "s", 0.08)]),
  { name: "superhat", kernel: "superhat", input: "none", bare: true, params: [sig("bright", "0–1", 0.7), sig("sustain", "s", 0.05)], doc: "Hi-hat synth (trigger it as a voice)." },
  { name: "sine_trig", kernel: "voices", input: "none", params: [GATE("notes"), SECONDS("attack", 0.001), SECONDS("decay", 0.1), sig("sustain", "0–1", 0), SECONDS("release", 0.1)], doc: "A sine voice for each note of the pattern, with an ADSR." },
  { name: "saw_trig", kernel: "voices", input: "none", params: [GATE("notes"), SECONDS("attack", 0.001), SECONDS("decay", 0.1), sig("sustain", "0–1", 0), SECONDS("release", 0.1)], doc: "A saw voice for each note of the pattern, with an ADSR." },
  { name: "square_trig", kernel: "voices", input: "none", params: [GATE("notes"), SECONDS("attack", 0.001), SECONDS("decay", 0.1), sig("sustain", "0–1", 0), SECONDS("release", 0.1)], doc: "A square voice for each note of the pattern, with an ADSR." },
  { name: "tri_trig", kernel: "voices", input: "none", params: [GATE("notes"), SECONDS("attack", 0.001), SECONDS("decay", 0.1), sig("sustain", "0–1", 0), SECONDS("release", 0.1)], doc: "A triangle voice for each note of the pattern, with an ADSR." },
  {
    name: "synth",
    kernel: "voices",
    input: "none",
    params: [GATE("notes"), { name: "wave", unit: "saw|square|tri|sine", type: "word" }, SECONDS("attack", 0.01), SECONDS("decay", 0.1), sig("sustain", "0–1", 0.7), SECONDS("release", 0.2)],
    doc: 'A polysynth: `synth "c3 e3 g3" "saw" a d s r` plays one voice per note.',
  },
]);

const SOURCES = family("source", [
  { name: "noise", kernel: "noise", aliases: ["white_noise"], input: "none", bare: true, params: [cst("seed", "integer", 0)], doc: "White noise, −1…1." },
  { name: "pink", kernel: "pink", aliases: ["pink_noise"], input: "none", bare: true, params: [cst("seed", "integer", 0)], doc: "Pink noise (−3 dB/octave)." },
  { name: "brown_noise", kernel: "brown_noise", aliases: ["brown"], input: "none", bare: true, params: [cst("seed", "integer", 0)], doc: "Brown noise (−6 dB/octave)." },
  { name: "phasor", kernel: "phasor", input: "none", bare: true, params: [sig("speed", "cycles", 1)], doc: "A 0→1 ramp per cycle (times speed), locked to the cycle clock." },
  { name: "rand", kernel: null, input: "none", bare: true, params: [], doc: "A random value 0…1, new each cycle (a pattern)." },
  { name: "irand", kernel: null, input: "none", params: [sig("n", "integer")], doc: "A random integer 0…n−1, new each cycle (a pattern)." },
  { name: "run", kernel: null, input: "none", params: [sig("n", "integer")], doc: "0 1 … n−1 across each cycle (a pattern)." },
  { name: "scan", kernel: null, input: "none", params: [sig("n", "integer")], doc: "run 1, run 2, … run n, one per cycle (a pattern)." },
  { name: "cosine", kernel: null, input: "none", bare: true, params: [], doc: "A cosine 0…1 per cycle (a continuous pattern)." },
  { name: "wedge", kernel: null, input: "none", bare: true, params: [], doc: "Bare: a 0→1 ramp per cycle. `wedge r a b`: a squashed into the first r of the cycle, b into the rest." },
]);

const filter = (name: string, doc: string, params: ParamSpec[], aliases?: string[]): Spec => ({
  name,
  kernel: name,
  input: "chain",
  params: [IN, ...params],
  ...(aliases ? { aliases } : {}),
  doc,
});
const CUTOFF = sig("cutoff", "Hz", 1000, [20, 20000]);
const Q = sig("q", "Q", 1, [0.5, 20]);

const FILTERS = family("filter", [
  filter("lpf", "2-pole state-variable lowpass (12 dB/octave).", [CUTOFF, Q]),
  filter("hpf", "2-pole state-variable highpass.", [CUTOFF, Q]),
  filter("bpf", "2-pole state-variable bandpass.", [CUTOFF, Q]),
  filter("notch", "2-pole state-variable notch.", [CUTOFF, Q]),
  ...["lp", "hp", "bp", "notch"].map((m) => filter(`svf_${m}`, `State-variable ${m} with resonance.`, [sig("freq", "Hz", undefined, [20, 20000]), sig("res", "0–1", 0.5, [0, 1])])),
  ...["lp", "hp", "bp", "notch"].map((m) => filter(`bq_${m}`, `RBJ biquad ${m}.`, [sig("freq", "Hz", undefined, [20, 20000]), sig("q", "Q", 0.707, [0.1, 20])])),
  filter("rlpf", "Resonant lowpass (biquad).", [CUTOFF, sig("res", "Q", 0.1, [0.1, 20])]),
  filter("rhpf", "Resonant highpass (biquad).", [CUTOFF, sig("res", "Q", 0.1, [0.1, 20])]),
  filter("resonz", "Resonant bandpass.", [sig("freq", "Hz", undefined, [20, 20000]), sig("q", "Q", 1, [0.1, 100])]),
  { name: "moog_ladder", aliases: ["moog"], kernel: "moog_ladder", input: "prefix", params: [IN, CUTOFF, sig("res", "0–1", 0.5, [0, 1])], doc: "4-pole Moog ladder lowpass (prefix form: `moog_ladder x 800 0.5`)." },
  { ...filter("moog_hz", "Moog-style lowpass (fundsp); here the moog_ladder.", [CUTOFF, sig("res", "0–1", 0.5, [0, 1])]), kernel: "moog_ladder" },
  filter("comb", "Feedback comb filter tuned to freq.", [sig("freq", "Hz", undefined, [1, 20000]), sig("feedback", "0–1", 0.5, [0, 0.999])]),
  filter("allpass", "First-order allpass.", [sig("coeff", "−1…1", 0.5, [-1, 1])]),
  filter("djf", "DJ filter: below 0.5 lowpass, above 0.5 highpass, 0.5 is open.", [sig("value", "0–1", 0.5, [0, 1])]),
  {
    name: "parametric_eq",
    aliases: ["eq"],
    kernel: "parametric_eq",
    input: "prefix",
    params: [IN, sig("low_freq", "Hz", 100), sig("low_gain", "dB", 0), sig("low_q", "Q", 0.707), sig("mid_freq", "Hz", 1000), sig("mid_gain", "dB", 0), sig("mid_q", "Q", 0.707), sig("high_freq", "Hz", 8000), sig("high_gain", "dB", 0), sig("high_q", "Q", 0.707)],
    doc: "3-band parametric EQ (prefix form).",
  },
  filter("vowel", "Formant filter for the vowels a e i o u (a pattern).", [{ name: "vowel", unit: "a e i o u", type: "vowel" }]),
  {
    name: "formant",
    kernel: "formant",
    input: "prefix",
    params: [IN, sig("f1", "Hz"), sig("f2", "Hz"), sig("f3", "Hz"), sig("bw1", "Hz", 80), sig("bw2", "Hz", 90), sig("bw3", "Hz", 120)],
    doc: "Three-formant filter (prefix form).",
  },
]);

const fx = (name: string, doc: string, params: ParamSpec[], aliases?: string[]): Spec => filter(name, doc, params, aliases);

const EFFECTS = family("effect", [
  fx("reverb", "Freeverb-style reverb: 8 combs and 4 allpasses.", [sig("room_size", "0–1", 0.5, [0, 1], ["room"]), sig("damping", "0–1", 0.5, [0, 1], ["damp"]), MIX(0.3)]),
  fx("plate", "Dattorro plate reverb.", [SECONDS("predelay", 0.01), SECONDS("decay", 0.5), sig("diffusion", "0–1", 0.7, [0, 1]), sig("damping", "0–1", 0.3, [0, 1]), sig("mod_depth", "0–1", 0.3, [0, 1]), MIX(0.5)]),
  fx("lush", "Lush modulated reverb.", [SECONDS("decay", 0.5), sig("diffusion", "0–1", 0.7, [0, 1]), sig("damping", "0–1", 0.3, [0, 1]), sig("spin", "0–1", 0.3), sig("wander", "0–1", 0.2), sig("freeze", "0/1", 0), MIX(0.5), SECONDS("predelay", 0)]),
  { ...fx("reverb_stereo", "Stereo reverb (fundsp); here the Freeverb reverb, its `time` read as the room size 0–1.", [MIX(0.3), sig("room_size", "0–1", 0.5, [0, 1], ["time"])]), kernel: "reverb" },
  fx("convolve", "Convolution with a built-in impulse response.", [MIX(0.5)], ["convolution"]),
  fx("freeze", "Spectral freeze while the trigger is on (a gate pattern or a signal above 0.5).", [{ name: "trigger", unit: "gate", type: "gate", default: 0 }]),
  { ...fx("diffuser", "Allpass diffusion (smears transients); here one allpass, `amount` its coefficient.", [sig("coeff", "0–1", 0.5, [0, 1], ["amount"])]), kernel: "allpass" },
  fx("delay", "Feedback delay; time up to 2 s, feedback up to 0.99.", [SECONDS("time", 0.25), sig("feedback", "0–1", 0.5, [0, 0.99]), MIX(0.5)]),
  fx("tapedelay", "Tape delay with wow, flutter and saturation.", [SECONDS("time", 0.3), sig("feedback", "0–1", 0.5, [0, 0.99]), sig("wow_rate", "Hz", 0.5), sig("wow_depth", "0–1", 0.02), sig("flutter_rate", "Hz", 6), sig("flutter_depth", "0–1", 0.05), sig("saturation", "0–1", 0.3, undefined, ["sat"]), MIX(0.5)], ["tape"]),
  fx("multitap", "Multi-tap delay.", [SECONDS("time", 0.125), sig("taps", "count", 4, [1, 16]), sig("feedback", "0–1", 0.5, [0, 0.99]), MIX(0.6)]),
  fx("pingpong", "Stereo ping-pong delay.", [SECONDS("time", 0.25), sig("feedback", "0–1", 0.5, [0, 0.99]), sig("width", "0–1", 0.8, [0, 1]), sig("channel", "0/1", 0, [0, 1]), MIX(0.7)]),
  fx("distortion", "tanh soft clipping.", [sig("drive", "gain", 3, [1, 100]), MIX(0.5)], ["distort", "dist"]),
  fx("bitcrush", "Bit-depth and sample-rate reduction.", [sig("bits", "bits", 8, [1, 16]), sig("rate", "factor", 4, [1, 64])]),
  fx("coarse", "Sample-rate reduction by a factor.", [sig("factor", "factor", 4, [1, 64])]),
  { name: "decimator", kernel: "decimator", input: "prefix", params: [IN, sig("factor", "factor", 4, [1, 64]), sig("smooth", "0–1", 0.5, [0, 1])], doc: "Sample-rate reduction with smoothing (prefix form)." },
  fx("chorus", "Chorus.", [sig("rate", "Hz", 0.5), sig("depth", "0–1", 0.5, [0, 1]), MIX(0.3)]),
  { ...fx("fchorus", "Chorus (fundsp); here the chorus kernel: separation → mix, variation → depth, modfreq → rate.", [sig("mix", "0–1", 0.3, [0, 1], ["separation"]), sig("depth", "0–1", 0.5, [0, 1], ["variation"]), sig("rate", "Hz", 0.5, undefined, ["modfreq"])]), kernel: "chorus" },
  fx("flanger", "Flanger.", [sig("depth", "0–1", 0.5, [0, 1]), sig("rate", "Hz", 0.3), sig("feedback", "0–1", 0.5, [0, 0.99])]),
  fx("phaser", "Phaser with 2–12 allpass stages.", [sig("rate", "Hz", 0.5), sig("depth", "0–1", 0.7, [0, 1]), sig("feedback", "0–1", 0.5, [0, 0.99]), sig("stages", "count", 4, [2, 12])]),
  fx("tremolo", "Amplitude modulation by a sine.", [sig("rate", "Hz", 5), sig("depth", "0–1", 0.5, [0, 1])], ["trem"]),
  fx("vibrato", "Pitch modulation by a sine.", [sig("rate", "Hz", 5), sig("depth", "semitones", 0.5)], ["vib"]),
  fx("ring", "Ring modulation by a sine at freq.", [sig("freq", "Hz", 440)]),
  { name: "ring_mod", kernel: "ring_mod", input: "prefix", params: [sig("a", "signal"), sig("b", "signal")], doc: "Ring modulation of two signals (prefix form)." },
  fx("compressor", "Compressor.", [sig("threshold", "dB", -20, [-60, 0]), sig("ratio", "ratio", 4, [1, 20]), SECONDS("attack", 0.01), SECONDS("release", 0.1), sig("makeup", "dB", 0, [0, 40])], ["comp"]),
  fx("sidechain_compressor", "Compressor keyed by another signal.", [sig("sidechain", "signal"), sig("threshold", "dB", -20, [-60, 0]), sig("ratio", "ratio", 4, [1, 20]), SECONDS("attack", 0.01), SECONDS("release", 0.1)], ["sidechain_comp", "sc_comp"]),
  fx("expander", "Downward expander.", [sig("threshold", "dB", -40, [-80, 0]), sig("ratio", "ratio", 2, [1, 20]), SECONDS("attack", 0.005), SECONDS("release", 0.1)], ["expand"]),
  fx("transient_shaper", "Transient shaper.", [sig("attack", "dB", 0, [-24, 24]), sig("sustain", "dB", 0, [-24, 24])], ["tshaper"]),
  fx("limiter", "Peak limiter.", [sig("threshold", "linear", 0.9, [0, 1]), SECONDS("attack", 0.005), SECONDS("release", 0.05)]),
  fx("widener", "Stereo width (0 mono, 1 unchanged, 2 wide).", [sig("width", "ratio", 1, [0, 2])], ["width"]),
  fx("pan2", "Equal-power stereo pan, −1 left … 1 right.", [sig("pos", "−1…1", 0, [-1, 1])]),
  { name: "pan2_l", kernel: "pan2_l", input: "prefix", params: [IN, sig("pos", "−1…1", 0, [-1, 1])], doc: "The left channel of an equal-power pan (prefix form)." },
  { name: "pan2_r", kernel: "pan2_r", input: "prefix", params: [IN, sig("pos", "−1…1", 0, [-1, 1])], doc: "The right channel of an equal-power pan (prefix form)." },
  { name: "pitch_shift", kernel: "pitch_shift", input: "prefix", params: [IN, sig("semitones", "semitones", 0, [-48, 48])], doc: "Granular pitch shifter (prefix form)." },
  { name: "vocoder", kernel: "vocoder", input: "prefix", params: [sig("mod", "signal"), sig("carrier", "signal"), sig("bands", "count", 16, [2, 64])], doc: "Channel vocoder: the modulator's band envelopes applied to the carrier (prefix form)." },
  { name: "granular", kernel: "granular", input: "prefix", params: [IN, sig("grain_ms", "ms", 50, [1, 1000]), sig("density", "0–1", 0.5, [0, 1]), sig("pitch", "ratio", 1, [0.1, 4])], doc: "Granulator (prefix form)." },
  { ...fx("amp", "Multiply by an amount.", [sig("amount", "linear", 1)]), kernel: "mul" },
  fx("tap", "Record the signal to a WAV file for debugging; passes it through.", [{ name: "file", unit: "path", type: "word" }, SECONDS("duration", 1)], ["probe"]),
]);

const env = (name: string, doc: string, params: ParamSpec[], aliases?: string[]): Spec => ({
  name,
  kernel: name,
  input: "optional",
  params: [ENV_IN, ...params],
  ...(aliases ? { aliases } : {}),
  doc,
});

const ENVELOPES = family("envelope", [
  env("env", "ADSR that fires once when the graph starts (or at each gate onset), then holds the sustain level; multiplies its input (or is the envelope itself).", [SECONDS("attack"), SECONDS("decay"), sig("sustain", "0–1", undefined, [0, 1]), SECONDS("release"), RETRIGGER], ["envelope"]),
  env("adsr", "ADSR envelope; multiplies its input. After `s`, sets the voices' envelope instead.", [SECONDS("attack", 0.01), SECONDS("decay", 0.1), sig("sustain", "0–1", 0.7, [0, 1]), SECONDS("release", 0.2)]),
  env("ad", "Attack-decay envelope, from the start (or at each gate onset); multiplies its input.", [SECONDS("attack", 0.01), SECONDS("decay", 0.2), RETRIGGER]),
  env("ar", "Attack-release envelope; multiplies its input. After `s`, sets the voices' attack and release.", [SECONDS("attack", 0.01), SECONDS("release", 0.2)]),
  { name: "asr", kernel: "asr", input: "chain", params: [sig("gate", "gate"), SECONDS("attack", 0.01), SECONDS("release", 0.2)], doc: "Attack-sustain-release following a gate signal (> 0.5 is on)." },
  env("line", "A linear ramp from start to end over duration seconds, then holds (restarting at each gate onset); multiplies its input.", [sig("start", "value"), sig("end", "value"), SECONDS("duration", 1), RETRIGGER]),
  env("xline", "An exponential ramp from start to end over duration seconds, then holds; multiplies its input.", [sig("start", "value"), sig("end", "value"), SECONDS("duration", 1), RETRIGGER]),
  env("curve", "A curved ramp (curve 0 is linear, > 0 slow start, < 0 fast start); multiplies its input. After `s`, one per event.", [sig("start", "value"), sig("end", "value"), SECONDS("duration", 1), sig("curve", "shape", 0), RETRIGGER]),
  env("segments", 'A breakpoint envelope: `segments "0 1 0.3 0" "0.01 0.2 0.5"`; multiplies its input. After `s`, one per event.', [{ name: "levels", unit: "list", type: "numbers" }, { name: "times", unit: "list of s", type: "numbers" }, RETRIGGER]),
  { name: "lag", kernel: "lag", input: "prefix", params: [IN, SECONDS("time", 0.1)], doc: "Slew limiter (prefix form)." },
  { name: "gate", kernel: "gate", input: "none", params: [GATE()], doc: "1 while an event of the pattern is on (its value if numeric), else 0." },
  { name: "trig", kernel: "trig", input: "none", params: [GATE()], doc: "A one-sample pulse at the start of each event." },
  { name: "tar", kernel: "ar", input: "none", params: [GATE(), SECONDS("attack", 0.01), SECONDS("release", 0.2)], doc: "An attack-release envelope on each event." },
  { name: "tadsr", kernel: "adsr", input: "none", params: [GATE(), SECONDS("attack", 0.01), SECONDS("decay", 0.1), sig("sustain", "0–1", 0.7, [0, 1]), SECONDS("release", 0.2)], doc: "An ADSR on each event, held for the event's length." },
  { name: "env_trig", kernel: "adsr", input: "none", params: [GATE(), SECONDS("attack", 0.01), SECONDS("decay", 0.1), sig("sustain", "0–1", 0.7, [0, 1]), SECONDS("release", 0.2)], doc: "An ADSR on each event (same as tadsr)." },
  { name: "struct", kernel: "ad", input: "none", params: [GATE(), IN], doc: '`struct "t(3,8)" sig`: a short percussive envelope on each true event, times sig. As a transform (`$ struct "t(3,8)"`) it restructures a pattern.' },
]);

const PITCH = family("pitch", [
  { name: "n", kernel: null, input: "none", params: [sig("pattern", "pattern")], doc: "A numeric pattern; note names become Hz. After `s`, the sample index." },
  { name: "note", kernel: null, input: "none", params: [sig("pattern", "pattern")], doc: "A pitch pattern; note names become Hz. After `s`, the pitch of the voice (names absolute, numbers in semitones)." },
  { name: "scale", kernel: null, input: "chain", params: [IN, sig("name", "scale name")], doc: 'Scale degrees to semitones: `n "0 2 4" # scale "minor"`.' },
  { name: "chord", kernel: null, input: "optional", params: [sig("in", "semitones", 0), sig("name", "chord name")], doc: 'Stack chord intervals: `chord "maj min7"`, or on roots: `n "0 5" # chord "maj"`.' },
  { name: "mtof", kernel: "mtof", input: "chain", params: [IN], doc: "MIDI note number to Hz (on a pattern it converts the values; on a signal it is a node)." },
]);

const ANALYSIS = family("analysis", [
  fx("rms", "RMS level over a window.", [SECONDS("window", 0.1)]),
  fx("schmidt", "Schmitt trigger: 1 above hi until below lo.", [sig("hi", "value", 0.5), sig("lo", "value", 0.3)]),
  fx("latch", "Holds the input's value while the gate is on.", [sig("gate", "gate", 0)]),
  fx("timer", "Seconds since the input last rose above 0.5.", []),
  fx("peak_follower", "Peak follower.", [SECONDS("attack", 0.01), SECONDS("release", 0.1)]),
  fx("amp_follower", "Amplitude follower.", [SECONDS("attack", 0.01), SECONDS("release", 0.1), SECONDS("window", 0.01)]),
  { name: "sample_hold", kernel: "sample_hold", input: "prefix", params: [IN, sig("trig", "gate")], doc: "Samples the input at each rising edge of trig (prefix form)." },
]);

const UTILITIES = family("utility", [
  { name: "range", kernel: "range", input: "prefix", params: [sig("min", "value"), sig("max", "value"), IN], doc: "Maps −1…1 onto min…max. As a transform, maps a 0…1 pattern onto min…max." },
  { name: "min", kernel: "min", input: "prefix", params: [sig("a", "signal"), sig("b", "signal")], doc: "The smaller of two signals." },
  { name: "abs", kernel: "abs", input: "prefix", params: [IN], doc: "The absolute value of the input." },
  { name: "clip", kernel: "clip", input: "prefix", params: [IN, sig("min", "value", -1), sig("max", "value", 1)], doc: "Clamps the input into min…max (hard clipping)." },
  { name: "max", kernel: "max", input: "prefix", params: [sig("a", "signal"), sig("b", "signal")], doc: "The larger of two signals." },
  { name: "wrap", kernel: "wrap", input: "prefix", params: [IN, sig("min", "value", 0), sig("max", "value", 1)], doc: "Wraps the input into min…max." },
  { name: "xfade", kernel: "xfade", input: "prefix", params: [sig("a", "signal"), sig("b", "signal"), sig("pos", "0–1", 0.5, [0, 1])], doc: "Crossfade: pos 0 is a, 1 is b." },
  { name: "mix", kernel: null, input: "prefix", params: [], variadic: true, doc: "The sum of its arguments." },
  { name: "select", kernel: "select", input: "prefix", params: [sig("index", "integer")], variadic: true, doc: "Picks one of its inputs by index (rounded, wrapped)." },
  { name: "if", kernel: "if", input: "prefix", params: [sig("cond", "signal"), sig("then", "signal"), sig("else", "signal")], doc: "then where cond > 0.5, else elsewhere." },
  { name: "every_val", kernel: null, input: "none", params: [sig("n", "cycles"), sig("on", "value"), sig("off", "value")], doc: "on every n-th cycle, off otherwise (a pattern)." },
  { name: "sometimes_val", kernel: null, input: "none", params: [sig("on", "value"), sig("off", "value")], doc: "on or off at random, per cycle (a pattern)." },
  { name: "sometimes_by_val", kernel: null, input: "none", params: [sig("p", "0–1"), sig("on", "value"), sig("off", "value")], doc: "on with probability p, per cycle (a pattern)." },
  { name: "whenmod_val", kernel: null, input: "none", params: [sig("m", "cycles"), sig("o", "cycles"), sig("on", "value"), sig("off", "value")], doc: "on when cycle mod m ≥ o, else off (a pattern)." },
  { name: "every_effect", kernel: null, input: "prefix", params: [IN, sig("n", "cycles"), sig("fx", "effect")], doc: "The effect on every n-th cycle, dry otherwise." },
  { name: "sometimes_effect", kernel: null, input: "prefix", params: [IN, sig("fx", "effect")], doc: "The effect on about half the cycles, at random." },
  { name: "whenmod_effect", kernel: null, input: "prefix", params: [IN, sig("m", "cycles"), sig("o", "cycles"), sig("fx", "effect")], doc: "The effect when cycle mod m ≥ o." },
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
  { name: "s", kernel: "sampler", input: "none", params: [sig("pattern", "pattern")], doc: 's "bd sn:2 ~synth": plays samples (and synth voices for `~bus` names) from a pattern string; each event starts a voice at its exact frame.' },
  { name: "sound", kernel: "sampler", input: "none", params: [sig("pattern", "pattern")], doc: "Same as s." },
]);

/** The voice limit of a sound (`# voices N`): the engine's default and largest (pool.rs `DEFAULT_VOICES`, `MAX_VOICES`). */
export const VOICE_LIMIT = { default: 128, max: 256 } as const;

/** Sample parameters: after `s` (or a synth-voice pattern) they set each event's value. */
const SAMPLE = family("sample", [
  { name: "gain", kernel: "mul", input: "chain", params: [IN, sig("amount", "linear", 1, [0, 10])], doc: "Per-event gain after `s`; on any other signal it multiplies." },
  { name: "pan", kernel: "pan2", input: "chain", params: [IN, sig("pos", "−1…1", 0, [-1, 1])], doc: "Per-event pan after `s` (−1 left … 1 right); on any other signal an equal-power pan." },
  { name: "speed", kernel: null, input: "chain", params: [IN, sig("speed", "ratio", 1, [-10, 10])], doc: "Playback rate; negative plays backwards." },
  { name: "cut", kernel: null, input: "chain", params: [IN, sig("group", "integer", 0)], doc: "Cut group: a new event stops the other voices of its group." },
  { name: "begin", kernel: null, input: "chain", params: [IN, sig("pos", "0–1", 0, [0, 1])], doc: "Where in the sample to start." },
  { name: "end", kernel: null, input: "chain", params: [IN, sig("pos", "0–1", 1, [0, 1])], doc: "Where in the sample to stop." },
  { name: "unit", kernel: null, input: "chain", params: [IN, sig("mode", "r|c")], doc: '`unit "c"`: speed in cycles per sample length; `"r"` (default): a rate.' },
  { name: "loop", kernel: null, input: "chain", params: [IN, sig("on", "0/1", 1)], doc: "Loop the sample for its event's length. As a transform, `loop n` repeats cycles." },
  { name: "attack", kernel: null, input: "chain", params: [IN, SECONDS("time")], doc: "Voice attack time; on other signals an attack-release envelope." },
  { name: "release", kernel: null, input: "chain", params: [IN, SECONDS("time")], doc: "Voice release time; on other signals an attack-release envelope." },
  { name: "decay", kernel: null, input: "chain", params: [IN, SECONDS("time")], doc: "Voice decay time." },
  { name: "sustain", kernel: null, input: "chain", params: [IN, sig("level", "0–1")], doc: "Voice sustain level." },
  { name: "legato", kernel: null, input: "chain", params: [IN, sig("ratio", "ratio", 1)], doc: "Voice length as a multiple of its event's length. As a transform it sets the pattern's legato." },
  { name: "dur", kernel: null, input: "chain", params: [IN, SECONDS("time")], doc: "Voice length in seconds." },
  {
    name: "voices",
    kernel: null,
    input: "chain",
    params: [IN, cst("limit", "voices", VOICE_LIMIT.default, [1, VOICE_LIMIT.max])],
    doc: `\`s "hh*32" # voices 256\`: how many voices the sound may play at once (a whole number from 1 to ${VOICE_LIMIT.max}, default ${VOICE_LIMIT.default}; one number, fixed for the sound, not a pattern). At the limit each new event steals the oldest voice still playing, which fades out over 5 ms. Applies to the samples and the synth voices (\`s "~bus"\`, note synths) of that sound.`,
  },
]);

const OPERATORS = family("operator", [
  { name: "add", kernel: "add", input: "prefix", params: [sig("a", "signal"), sig("b", "signal")], doc: "a + b, per sample (`~add a b`, `a + b`, `a ~+ b`)." },
  { name: "sub", kernel: "sub", input: "prefix", params: [sig("a", "signal"), sig("b", "signal")], doc: "a − b, per sample." },
  { name: "mul", kernel: "mul", input: "prefix", params: [sig("a", "signal"), sig("b", "signal")], doc: "a · b, per sample." },
  { name: "div", kernel: "div", input: "prefix", params: [sig("a", "signal"), sig("b", "signal")], doc: "a / b, per sample (0 where b is 0)." },
]);

const plugin = (name: string): Spec => ({
  name,
  kernel: null,
  input: "chain",
  params: [IN, { name: "name", unit: "plugin", type: "word" }],
  unsupported: "plugin hosting (VST/AU/CLAP/LV2)",
  doc: "Hosts an audio plugin: not supported.",
});

const PLUGINS = family("plugin", [
  ...["vst", "vst2", "vst3", "au", "clap", "lv2", "plugin"].map(plugin),
  { name: "param", kernel: null, input: "chain", params: [IN, { name: "name", unit: "param", type: "word" }, sig("value", "value")], unsupported: "plugin hosting (VST/AU/CLAP/LV2)", doc: "Sets a plugin parameter: not supported." },
]);

/** Every builtin function name. */
export const BUILTINS: readonly Builtin[] = [
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

/** Bus names that mean MIDI input: `~midi`, `~midi1`…`~midi16`, `~midi:c:major`. */
export const MIDI_BUS = /^midi\d*$/;
export const MIDI_UNSUPPORTED = "MIDI input";

/** Node kinds the compiler emits besides the builtins' kernels. */
export const INTERNAL_KERNELS: Record<string, string> = {
  voices: "Synth voices of a template (`s \"~bus\"`): each trigger starts an instance of the template's graph; outputs their stereo sum.",
  sampler: "Sample voices: each trigger starts a sample at its exact frame; outputs their stereo sum.",
};

/** The node kinds the engine implemented when this table was last updated (checked against `Engine.kinds()` in a test). */
/**
 * Kinds the engine registers that the compiler never emits, each for a stated reason: aliases the
 * language resolves to a canonical kernel (white_noise → noise, pink_noise → pink, triangle →
 * tri, distort → distortion), and the engine's four-input `mix` (the language's `mix` is a sum
 * of any number of signals, lowered to adds).
 */
export const ENGINE_ONLY_KINDS: ReadonlySet<string> = new Set(["white_noise", "pink_noise", "triangle", "distort", "mix"]);

export const IMPLEMENTED_KERNELS: ReadonlySet<string> = new Set([
  "abs", "ad", "add", "additive", "adsr", "allpass", "amp_follower", "ar", "asr", "bitcrush", "blip", "bpf", "bq_bp", "bq_hp", "bq_lp", "bq_notch", "brown_noise", "chorus", "clip", "coarse", "comb", "compressor", "convolve", "curve", "decimator", "delay", "distortion", "div", "djf", "env", "expander", "flanger", "fm", "fmcrossmod", "formant", "freeze", "granular", "hpf", "if", "impulse", "lag", "latch", "limiter", "line", "lpf", "lush", "max", "min", "moog_ladder", "mtof", "mul", "multitap", "noise", "notch", "organ", "pan2", "parametric_eq", "peak_follower", "phaser", "phasor", "pingpong", "pink", "pitch_shift", "plate", "pluck", "pm", "pulse", "range", "resonz", "reverb", "rhpf", "ring", "ring_mod", "rlpf", "rms", "sample_hold", "sampler", "saw", "saw_naive", "schmidt", "segments", "select", "sidechain_compressor", "sine", "square", "square_naive", "sub", "superchip", "superfm", "superhat", "superkick", "superpwm", "supersaw", "supersnare", "svf_bp", "svf_hp", "svf_lp", "svf_notch", "tap", "tapedelay", "timer", "transient_shaper", "tremolo", "tri", "vco", "vibrato", "vocoder", "voices", "vowel", "gate", "trig", "pan2_l", "pan2_r", "waveguide", "wavetable", "widener", "wrap", "xfade", "xline",
]);

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

/** Every node kind the compiler may emit. */
export function allKernels(): Set<string> {
  const kinds = new Set<string>(Object.keys(INTERNAL_KERNELS));
  for (const b of BUILTINS) if (b.kernel) kinds.add(b.kernel);
  return kinds;
}

/**
 * A program's kernels that an engine lacks, as one message for `render` and `live`, or undefined
 * when it has them all. `ir` is a GraphIR (templates included); `engineKinds` is `Engine.kinds()`.
 */
export function kernelReport(ir: { nodes: { kind: string }[]; templates?: { nodes: { kind: string }[] }[] }, engineKinds: Iterable<string>): string | undefined {
  const used = [...ir.nodes, ...(ir.templates ?? []).flatMap((t) => t.nodes)].map((n) => n.kind);
  const missing = missingKernels(used, engineKinds);
  if (!missing.length) return undefined;
  const list = missing.map((m) => (m.names.length && !(m.names.length === 1 && m.names[0] === m.kind) ? `${m.kind} (${m.names.join(", ")})` : m.kind));
  return `the engine does not implement ${missing.length === 1 ? "this kernel" : "these kernels"} yet: ${list.join("; ")}; the program compiles (\`phonon check\`) but cannot play until ${missing.length === 1 ? "it is" : "they are"} added`;
}

/** The node kinds of `kinds` that the engine does not implement, with the builtin names that lower to each. */
export function missingKernels(kinds: Iterable<string>, engineKinds: Iterable<string>): { kind: string; names: string[] }[] {
  const have = new Set(engineKinds);
  const missing = [...new Set(kinds)].filter((k) => !have.has(k)).sort();
  return missing.map((kind) => ({
    kind,
    names: BUILTINS.filter((b) => b.kernel === kind).map((b) => b.name),
  }));
}
