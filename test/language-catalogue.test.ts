//! The builtin catalogue: every name of the reference's §3 is known, every entry lowers to its kernel, and the engine's kernel list agrees with it.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtinPrograms } from "./builtins.js";
import { BUILTINS, allKernels, lookup } from "../language/catalogue.js";
import { KINDS } from "../language/kinds.js";
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

  it("lowers only to kinds the engine declares, sending only their ports", () => {
    expect([...allKernels()].filter((k) => !KINDS[k])).toEqual([]);
    const problems: string[] = [];
    for (const { src } of builtinPrograms()) {
      const ir = compile(src).ir!;
      for (const n of [...ir.nodes, ...ir.templates.flatMap((t) => t.nodes)]) {
        const ports = KINDS[n.kind]?.ports.map((p) => p.name);
        if (!ports) problems.push(`${src}: kind ${n.kind} is not the engine's`);
        else for (const p of Object.keys(n.params)) if (!ports.includes(p)) problems.push(`${src}: ${n.kind} has no port '${p}'`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("takes a kernel port's unit, range and default from the engine's declaration", () => {
    const lpf = lookup("lpf")!;
    const cutoff = KINDS.lpf!.ports.find((p) => p.name === "cutoff")!;
    expect(lpf.params.find((p) => p.name === "cutoff")).toEqual({ name: "cutoff", unit: cutoff.unit, default: cutoff.default, range: cutoff.range });
    // A bare oscillator's language default (a 1 Hz LFO) and a required argument stay the language's.
    expect(lookup("sine")!.params[0]!.default).toBe(1);
    expect(lookup("saw_naive")!.params[0]!.default).toBeUndefined();
  });

  const addon = new URL("../engine-rs/node/phonon.node", import.meta.url);
  it.skipIf(!existsSync(addon))("has language/kinds.ts generated from the engine as it is built (skipped when the addon is not built)", async () => {
    const { createRequire } = await import("node:module");
    const native = createRequire(import.meta.url)(addon.pathname) as { kindSpecs(): string };
    // @ts-expect-error: a plain ES module without types
    const { kindsSource } = (await import("../cli/kinds.mjs")) as { kindsSource(json: string): string };
    const file = readFileSync(new URL("../language/kinds.ts", import.meta.url), "utf8");
    expect(file === kindsSource(native.kindSpecs()), "language/kinds.ts is stale: run `npm run setup` (or `node cli/kinds.mjs`) and commit it").toBe(true);
  });
  if (!existsSync(addon)) console.warn("generated-kinds test skipped: the engine addon is not built");
});
