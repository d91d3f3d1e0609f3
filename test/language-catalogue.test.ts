//! The builtin catalogue: every name of the reference's §3 is known, every entry lowers to its kernel, and the engine's kernel list agrees with it.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtinPrograms } from "./builtins.js";
import { BUILTINS, ENGINE_ONLY_KINDS, IMPLEMENTED_KERNELS, allKernels, kernelReport, lookup, missingKernels } from "../language/catalogue.js";
import { compile } from "../language/compile/lower.js";
import { phononTransform as lookupTransform } from "../language/compile/transform.js";

/** The names in ../shared/reference/phonon-language.md §3.1–3.5, transcribed from its tables. */
const REFERENCE_NAMES = `
s gain pan speed n note cut begin end unit loop attack release ar adsr segments curve legato
sine saw square tri triangle sine_trig saw_trig square_trig tri_trig synth fm pm fmcrossmod pulse vco blip impulse
wavetable additive pluck waveguide granular organ organ_hz saw_hz soft_saw soft_saw_hz square_hz triangle_hz supersaw
superpwm superchip superfm superkick supersnare superhat noise white_noise pink pink_noise brown_noise phasor rand irand
run scan cosine wedge
lpf hpf bpf notch svf_lp svf_hp svf_bp svf_notch bq_lp bq_hp bq_bp bq_notch rlpf rhpf resonz moog_ladder moog moog_hz
comb allpass djf parametric_eq eq vowel formant
reverb plate lush reverb_stereo convolve convolution freeze delay tapedelay tape multitap pingpong distortion distort dist
bitcrush coarse decimator chorus fchorus flanger phaser tremolo trem vibrato vib ring ring_mod compressor comp
sidechain_compressor sidechain_comp sc_comp expander expand transient_shaper tshaper limiter widener width pan2 pan2_l
pan2_r pitch_shift vocoder amp tap probe vst vst2 vst3 au clap lv2 plugin param
env envelope env_trig ad asr line xline lag gate trig tar tadsr struct scale chord mtof rms schmidt latch timer
peak_follower amp_follower sample_hold range min wrap xfade mix select if every_val sometimes_val sometimes_by_val
whenmod_val every_effect sometimes_effect whenmod_effect stack cat slowcat sew stitch`
  .trim()
  .split(/\s+/);

/** §3.6, the transforms. */
const REFERENCE_TRANSFORMS = `fast slow hurry squeeze fastGap early late offset rotL rotR rot zoom compress compressGap focus trim trunc
linger segment discretise loopAt fit chew rev palindrome mirror loopback iter iterBack ply stutter dup euclid struct
mask binary spin weave reset restart gap degrade degradeBy undegrade sometimes sometimesBy often rarely
almostAlways almostNever always shuffle scramble humanize every every' whenmod foldEvery chunk within inside outside
superimpose off jux juxBy echo stut chop striate bite slice splice loop swing groove legato range quantize smooth`
  .trim()
  .split(/\s+/);

describe("the catalogue", () => {
  it("knows every builtin name of the reference", () => {
    expect(REFERENCE_NAMES.filter((n) => !lookup(n))).toEqual([]);
  });

  it("knows every transform of the reference (through the pattern registry)", () => {
    // squeeze, stripe-like helpers and `wait`/`stretch` are named in §3.6 but Phonon has no parser rule for some of them.
    expect(REFERENCE_TRANSFORMS.filter((n) => !lookupTransform(n))).toEqual([]);
  });

  it("gives every param a unit, sane defaults, and chain inputs first", () => {
    for (const b of BUILTINS) {
      for (const p of b.params) {
        expect(p.unit, `${b.name}.${p.name}`).not.toBe("");
        if (p.range && p.default !== undefined && p.type !== "gate") {
          expect(p.default, `${b.name}.${p.name} default within its range`).toBeGreaterThanOrEqual(p.range[0]);
          expect(p.default, `${b.name}.${p.name} default within its range`).toBeLessThanOrEqual(p.range[1]);
        }
      }
      if (b.kernel && (b.input === "chain" || b.input === "optional") && b.family !== "pitch") {
        expect(["in", "gate"], `${b.name}'s first param is its input`).toContain(b.params[0]?.name);
      }
    }
  });

  it("lowers every builtin with a kernel to a node of that kind", () => {
    for (const { builtin: b, src } of builtinPrograms()) {
      const r = compile(src);
      expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => `${src}: ${d.message}`)).toEqual([]);
      expect(r.ir!.nodes.map((n) => n.kind), src).toContain(b.kernel);
    }
  });

  it("lowers the note synths to voices of an oscillator template", () => {
    for (const name of ["sine_trig", "saw_trig", "square_trig", "tri_trig"]) {
      const r = compile(`out: ${name} "c4 e4"`);
      expect(r.ir!.nodes.map((n) => n.kind)).toEqual(["voices"]);
      expect(r.ir!.templates[0]!.nodes.map((n) => n.kind)).toEqual([name.replace("_trig", "")]);
    }
  });

  it("lists the kernels a graph needs that an engine lacks", () => {
    expect(missingKernels(["sine", "reverb", "lpf", "reverb", "voices"], ["sine", "lpf"])).toEqual([
      // reverb_stereo lowers to the reverb kernel too.
      { kind: "reverb", names: ["reverb", "reverb_stereo"] },
      { kind: "voices", names: ["sine_trig", "saw_trig", "square_trig", "tri_trig", "synth"] },
    ]);
    for (const k of IMPLEMENTED_KERNELS) expect(allKernels().has(k), k).toBe(true);
    const ir = compile("out: saw 55 # reverb 0.5 0.5 # distort 3").ir!;
    expect(kernelReport(ir, ["saw"])).toBe(
      "the engine does not implement these kernels yet: distortion; reverb (reverb, reverb_stereo); the program compiles (`phonon check`) but cannot play until they are added",
    );
    expect(kernelReport(ir, ["saw", "reverb", "distortion"])).toBeUndefined();
  });

  const addon = new URL("../engine-rs/node/phonon.node", import.meta.url);
  it.skipIf(!existsSync(addon))("agrees with the engine's kernel list (skipped when the addon is not built)", async () => {
    const { Engine } = await import("../cli/engine.js");
    const kinds = new Engine(44100, 512).kinds();
    // Every kind the engine has is one the compiler can emit, or a stated engine-only kind.
    expect(kinds.filter((k) => !allKernels().has(k) && !ENGINE_ONLY_KINDS.has(k))).toEqual([]);
    // Every kernel the catalogue marks implemented is in the engine, and the reverse.
    expect([...IMPLEMENTED_KERNELS].filter((k) => !kinds.includes(k))).toEqual([]);
    expect(kinds.filter((k) => !IMPLEMENTED_KERNELS.has(k) && !ENGINE_ONLY_KINDS.has(k))).toEqual([]);
  });

  it.skipIf(!existsSync(addon))("names every parameter it sends as the engine's port, with the engine's default", async () => {
    const { createRequire } = await import("node:module");
    const native = createRequire(import.meta.url)(addon.pathname) as { kindSpecs(): string };
    const specs = JSON.parse(native.kindSpecs()) as { kind: string; ports: { name: string; default: number | null }[] }[];
    const ports = new Map(specs.map((s) => [s.kind, new Map(s.ports.map((p) => [p.name, p.default]))]));
    const problems: string[] = [];
    for (const b of BUILTINS) {
      // mul (gain), sampler (s) and voices (synth voices) are built by the compiler itself.
      if (!b.kernel || !IMPLEMENTED_KERNELS.has(b.kernel) || ["mul", "sampler", "voices"].includes(b.kernel)) continue;
      const engine = ports.get(b.kernel)!;
      for (const p of b.params) {
        // Converted before emission (compile/node.ts toPorts): semitone offsets, an envelope's or
        // timer's chain input, segments' lists.
        if (p.name === "offset" || (p.name === "in" && (["env", "adsr", "ad", "ar", "asr", "line", "xline", "curve", "segments"].includes(b.kernel) || b.name === "timer" || b.name === "struct")) || p.name === "levels" || p.name === "times") continue;
        const type = p.type ?? "signal";
        const isPort = type === "signal" || type === "gate" || type === "vowel";
        if (isPort && !engine.has(p.name)) problems.push(`${b.name}: '${p.name}' is not a port of ${b.kernel} (${[...engine.keys()].join(" ")})`);
        if (!isPort && engine.has(p.name)) problems.push(`${b.name}: '${p.name}' is sent as data but ${b.kernel} reads it as a port`);
        // Bare oscillators are LFOs: the compiler always writes their freq.
        const skipDefault = p.name === "freq" && b.bare;
        const d = engine.get(p.name);
        if (isPort && !skipDefault && p.default !== undefined && d !== null && d !== undefined && Math.abs(d - p.default) > 1e-6) {
          problems.push(`${b.name}: '${p.name}' defaults to ${p.default} in the catalogue but ${d} in the engine`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
  if (!existsSync(addon)) console.warn("catalogue/engine agreement test skipped: the engine addon is not built");
});
