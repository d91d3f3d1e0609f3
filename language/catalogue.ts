//! The builtin names of the language: what each is, its arguments with defaults and units, and whether it takes a chain input.

export interface ParamSpec {
  name: string;
  /** Used when the argument is omitted; absent = required. */
  default?: number;
  unit: string;
  /** Documented range; the engine clamps to it. */
  range?: [number, number];
}

export interface Builtin {
  name: string;
  /** The engine kernel this lowers to (see engine-rs/core/src/kernels). */
  kernel: string;
  family: "oscillator" | "filter" | "sampler" | "utility";
  /** Parameters in argument order, after the chain input if `chain` is set. */
  params: ParamSpec[];
  /** `x # name …` passes x as the `in` port. */
  chain: boolean;
  /** Used bare (no arguments), e.g. `sine` is a 1 Hz LFO. */
  bare?: boolean;
  doc: string;
}

const freq = (d?: number): ParamSpec => ({ name: "freq", unit: "Hz", range: [0, 22050], ...(d === undefined ? {} : { default: d }) });

export const BUILTINS: readonly Builtin[] = [
  { name: "sine", kernel: "sine", family: "oscillator", params: [freq(1)], chain: false, bare: true, doc: "Sine oscillator, −1…1, phase 0 at start. Bare: a 1 Hz LFO." },
  { name: "saw", kernel: "saw", family: "oscillator", params: [freq(1)], chain: false, bare: true, doc: "Band-limited rising sawtooth (PolyBLEP), −1…1." },
  {
    name: "square",
    kernel: "square",
    family: "oscillator",
    params: [freq(1), { name: "width", default: 0.5, unit: "ratio", range: [0, 1] }],
    chain: false,
    bare: true,
    doc: "Band-limited pulse (PolyBLEP), −1…1; width is the duty cycle.",
  },
  {
    name: "lpf",
    kernel: "lpf",
    family: "filter",
    params: [
      { name: "cutoff", default: 1000, unit: "Hz", range: [20, 20000] },
      { name: "q", default: 1, unit: "Q", range: [0.5, 20] },
    ],
    chain: true,
    doc: "2-pole state-variable lowpass (12 dB/octave).",
  },
  {
    name: "gain",
    kernel: "mul",
    family: "utility",
    params: [{ name: "amount", default: 1, unit: "linear" }],
    chain: true,
    doc: "Multiply the input by a (modulatable) amount.",
  },
  {
    name: "s",
    kernel: "sampler",
    family: "sampler",
    params: [],
    chain: false,
    doc: 's "bd sn:2": plays samples from a pattern string; each event starts a voice at its exact frame.',
  },
];

const byName = new Map(BUILTINS.map((b) => [b.name, b]));

export function lookup(name: string): Builtin | undefined {
  return byName.get(name);
}

export function builtinNames(): string[] {
  return [...byName.keys()];
}

/** Kernels the lowering may emit besides those named above (operators). */
export const OPERATOR_KERNELS = ["add", "sub", "mul", "div"] as const;
