//! ekg/phonon's own kernels and output stage as its stored source has them (`unified_graph.rs`, reference §1.2), emulated for the reasons in ekg-compat.test.ts: each is applied to our render and held against ekg's.
import { fft } from "./analysis.js";
import { Random } from "../cli/fuzz.js";

/** ekg's render block, frames (reference §9, item 9: 512-frame blocks). */
export const BLOCK = 512;

/** A seeded generator (mulberry32) for the emulations' noise. */
function rng(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}

/**
 * ekg's `pluck freq [damping]` ("one-pole string"), as ekg/phonon's `unified_graph.rs` has it
 * (`KarplusStrongState`): a line of L = floor(sr/freq) frames, refilled with uniform noise in ±1
 * whenever L changes (a repeated note is not replucked), and each frame
 * y = (line[oldest] + line[newest])·(0.9995 − 0.001·damping)/2 written back and played.
 * `freqs` is a sequence played `step` seconds a note, looping. ekg's noise is unseeded
 * (`rand::thread_rng`), so its render is one draw of many: `seed` picks ours.
 */
export function ekgPluck(freqs: number[], step: number, damping: number, sr: number, seconds: number, seed: number): Float64Array {
  const out = new Float64Array(Math.round(seconds * sr));
  const noise = rng(seed);
  const g = 0.9995 - 0.001 * damping;
  let line = new Float64Array(0);
  let w = 0;
  for (let n = 0; n < out.length; n++) {
    const len = Math.max(2, Math.floor(sr / freqs[Math.floor(n / sr / step) % freqs.length]!));
    if (len !== line.length) {
      line = Float64Array.from({ length: len }, () => 2 * noise() - 1);
      w = 0;
    }
    const y = (line[w]! + line[(w + len - 1) % len]!) * 0.5 * g;
    line[w] = y;
    w = (w + 1) % len;
    out[n] = y;
  }
  return out;
}

/** Which of ekg's waveguides `ekgWaveguide` plays: its stored source's, or the one its render shows (ekg-compat's "one-cell pickup"). */
export interface EkgWaveguideModel {
  /** The lines' length, frames, for a note of f Hz: the stored source's floor(sr/f), or floor(sr/(2f)) as ekg ran them. */
  length: (f: number) => number;
  /**
   * "stored": fwd[p] = −r·(bwd[p] + bwd[p − 1])/2 and bwd[p] = −r·(fwd[p] before this write +
   * fwd[p − 1])/2, each line's oldest cell averaged with the other's cell just written (as ekg's
   * `pluck` does, `ekgPluck`); "average": the textbook two-point average of the other line's two
   * oldest cells, fwd[p] = −r·(bwd[p] + bwd[p + 1])/2 and bwd[p] = −r·(fwd[p] before + fwd[p + 1])/2.
   */
  loop: "stored" | "average";
  /** "fresh": a new noise fill at every refill (the stored source's `rand::thread_rng`); "kept": one fill per line length, played again at every refill to that length. */
  fill: "fresh" | "kept";
  /** A frame at which both lines start again from their fill whatever the note (none if absent). */
  restartAt?: number;
}

/**
 * ekg's `waveguide freq damping pickup` (ekg/phonon's `unified_graph.rs`, `SignalNode::Waveguide`,
 * `WaveguideState`), with the parts its render and its stored source disagree on as `model`: two
 * lines of `model.length(f)` frames, both refilled with uniform noise in ±1 whenever that length
 * changes (a repeated note is not replucked), a cursor p from 0. Each frame plays (fwd[k] +
 * bwd[k])/2 at the fixed cell k = floor(pickup·(len − 1)) (rewritten once a pass, so a staircase),
 * then writes both lines at p by `model.loop` with r = 0.999 − 0.002·damping, and moves p on one
 * cell. `freqs` is a sequence played `step` seconds a note, looping; `seed` picks the noise.
 */
export function ekgWaveguide(freqs: number[], step: number, damping: number, pickup: number, sr: number, seconds: number, seed: number, model: EkgWaveguideModel): Float64Array {
  const out = new Float64Array(Math.round(seconds * sr));
  const noise = rng(seed);
  const r = 0.999 - 0.002 * damping;
  const note = Math.round(step * sr);
  const kept = new Map<number, [Float64Array, Float64Array]>();
  const fill = (len: number): [Float64Array, Float64Array] => {
    const draw = (): [Float64Array, Float64Array] => [Float64Array.from({ length: len }, () => 2 * noise() - 1), Float64Array.from({ length: len }, () => 2 * noise() - 1)];
    if (model.fill === "fresh") return draw();
    if (!kept.has(len)) kept.set(len, draw());
    const [f, b] = kept.get(len)!;
    return [Float64Array.from(f), Float64Array.from(b)];
  };
  let fwd: Float64Array = new Float64Array(0);
  let bwd: Float64Array = new Float64Array(0);
  let p = 0;
  for (let n = 0; n < out.length; n++) {
    const len = Math.max(2, model.length(freqs[Math.floor(n / note) % freqs.length]!));
    if (len !== fwd.length || n === model.restartAt) {
      [fwd, bwd] = fill(len);
      p = 0;
    }
    const k = Math.floor(pickup * (len - 1));
    out[n] = (fwd[k]! + bwd[k]!) * 0.5;
    const other = model.loop === "stored" ? (p + len - 1) % len : (p + 1) % len;
    const oldFwd = fwd[p]!;
    fwd[p] = -r * (bwd[p]! + bwd[other]!) * 0.5;
    bwd[p] = -r * (oldFwd + fwd[other]!) * 0.5;
    p = (p + 1) % len;
  }
  return out;
}

/**
 * The frequency ekg's oscillator at `freq` Hz runs at over `frames` frames ("naive oscillators"):
 * its phase is an f32 (ekg/phonon's `unified_graph.rs`, `SignalNode::Oscillator`: from 0, each frame
 * `phase += freq / sample_rate`, then less 1 where it reaches 1), so every add is rounded to f32;
 * the turns it has made after `frames` frames, as a frequency.
 */
export function ekgF32Frequency(freq: number, sr: number, frames: number): number {
  const step = Math.fround(Math.fround(freq) / Math.fround(sr));
  let phase = 0;
  let turns = 0;
  for (let n = 0; n < frames; n++) {
    phase = Math.fround(phase + step);
    if (phase >= 1) {
      phase = Math.fround(phase - 1);
      turns++;
    }
  }
  return ((turns + phase) * sr) / frames;
}

/**
 * ekg's seam crossfade ("block-seam crossfade"): at each block boundary b where |y[b] − y[b−1]| >
 * 0.05, the block's first 32 frames are faded linearly from y[b−1] into themselves. The reference
 * gives the length and the threshold; the fade's exact form (from the last value, weights
 * (i+1)/32) is ours.
 */
export function ekgSeams(y: Float64Array): Float64Array {
  const out = Float64Array.from(y);
  for (let b = BLOCK; b < out.length; b += BLOCK) {
    const from = out[b - 1]!;
    if (Math.abs(out[b]! - from) <= 0.05) continue;
    for (let i = 0; i < 32 && b + i < out.length; i++) {
      const t = (i + 1) / 32;
      out[b + i] = from * (1 - t) + out[b + i]! * t;
    }
  }
  return out;
}

/** ekg's `convolve` impulse response ("built-in impulse response"), as its source builds it, at `sr`. */
export function ekgImpulseResponse(sr: number): Float64Array {
  const ir = new Float64Array(Math.floor(sr * 0.5));
  ir[0] = 1;
  for (const [at, gain] of [[0.021, 0.6], [0.043, 0.4], [0.067, 0.3], [0.089, 0.2], [0.121, 0.15], [0.156, 0.1]] as const) ir[Math.floor(at * sr)] = gain;
  for (let i = 1; i < ir.length; i++) ir[i]! += 0.05 * Math.exp((-3 * i) / sr);
  return ir;
}

/** The linear convolution of x with h, cut to x's length (by FFT). */
export function convolve(x: Float64Array, h: Float64Array): Float64Array {
  let n = 1;
  while (n < x.length + h.length) n <<= 1;
  const [ar, ai, br, bi] = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  ar.set(x);
  br.set(h);
  fft(ar, ai);
  fft(br, bi);
  // The product, conjugated, transformed forward again: the inverse transform, conjugated, times n.
  for (let k = 0; k < n; k++) [ar[k], ai[k]] = [ar[k]! * br[k]! - ai[k]! * bi[k]!, -(ar[k]! * bi[k]! + ai[k]! * br[k]!)];
  fft(ar, ai);
  return ar.slice(0, x.length).map((v) => v / n);
}

/**
 * ekg's `freeze` with no trigger ("freeze never fires"), as ekg/phonon's `unified_graph.rs` has
 * it (`SpectralFreezeState::process`): each input frame goes into a 2048-frame buffer; when 512
 * new ones are in, the buffer times a Hann window (2048 − 1 in its denominator) is transformed and
 * back (realfft's unnormalized pair, scaled 1/2048: the identity, so it is left out here), times
 * the window again, added into an overlap-add buffer whose first 512 frames are the next 512
 * outputs (zeros before the first); buffer and overlap-add shift by 512.
 */
export function ekgFreezeThrough(x: Float64Array): Float64Array {
  const n = 2048;
  const hop = 512;
  const win = Float64Array.from({ length: n }, (_v, i) => 0.5 * (1 - Math.cos((2 * Math.PI * i) / (n - 1))));
  const input = new Float64Array(n);
  const ola = new Float64Array(n);
  let out = new Float64Array(hop);
  let filled = 0;
  let read = 0;
  const y = new Float64Array(x.length);
  for (let k = 0; k < x.length; k++) {
    input[filled++] = x[k]!;
    if (filled >= hop) {
      for (let i = 0; i < n; i++) ola[i]! += input[i]! * win[i]! * win[i]!;
      input.copyWithin(0, hop);
      input.fill(0, n - hop);
      filled = n - hop;
      out = ola.slice(0, hop);
      ola.copyWithin(0, hop);
      ola.fill(0, n - hop);
      read = 0;
    }
    y[k] = read < hop ? out[read]! : 0;
    read++;
  }
  return y;
}

/** ekg's `pink_noise`: its number of Voss–McCartney bins. */
const PINK_BINS = 16;

/**
 * ekg's `pink_noise` ("pink noise not pink"), as ekg/phonon's `unified_graph.rs` has it
 * (`SignalNode::PinkNoise`): a frame counter n from 0, 16 bins; on each frame, bin i is redrawn
 * uniform in ±1 if bit i of n is 0 (so on 2^i frames in a row, then held for the next 2^i), and
 * the output is the bins' sum / 16. ekg's generator is unseeded (`rand::thread_rng`): `seed` picks ours.
 */
export function ekgPink(frames: number, seed: number): Float64Array {
  const noise = rng(seed);
  const bins = new Float64Array(PINK_BINS);
  const out = new Float64Array(frames);
  for (let n = 0; n < frames; n++) {
    for (let i = 0; i < PINK_BINS; i++) if (((n >>> i) & 1) === 0) bins[i] = 2 * noise() - 1;
    let sum = 0;
    for (let i = 0; i < PINK_BINS; i++) sum += bins[i]!;
    out[n] = sum / PINK_BINS;
  }
  return out;
}

/**
 * `ekgPink` in our language, for a source to use in place of `pink_noise` (`count` of them, each
 * its own bus `~ekg_pink_K`, K from 0, each bin its own `white_noise seed`). Bin i with period
 * P = 2^(i+1) frames: the draw gate g (bit i of the frame count is 0: the first half of each
 * period) is a naive square at sr/P; while it is on, the bin is its noise; while off, it holds the
 * noise sampled (`sample_hold`) on the last frame the gate was on, which a second naive square of
 * width (2^i − 1)/P marks. The squares' phases must fall on exact frames: our phase is 32-bit
 * fixed point and a frequency's increment is truncated, so each runs 1 ppm fast (it then gains
 * 0.35 of a frame on its period over 8 s, never the whole frame that would move a gate); bin 0's
 * square, at Nyquist (which our phase saturates just below), runs backwards at −sr/2 instead,
 * which puts its frames at phase n and ½ + n (2^-32 turns), on the right sides of ½.
 */
export function ekgPinkBuses(count: number, sr: number, seedBase: number): string {
  const lines: string[] = [];
  for (let i = 0; i < PINK_BINS; i++) {
    const period = 2 ** (i + 1);
    const f = i === 0 ? -sr / 2 : (sr / period) * (1 + 1e-6);
    lines.push(`~ekg_pink_g${i}: square_naive ${f} 0.5 * 0.5 + 0.5`);
    lines.push(`~ekg_pink_t${i}: ~ekg_pink_g${i} * (0.5 - square_naive ${f} ${(2 ** i - 1) / period} * 0.5)`);
  }
  for (let k = 0; k < count; k++) {
    const bins: string[] = [];
    for (let i = 0; i < PINK_BINS; i++) {
      const n = `~ekg_pink_n${k}_${i}`;
      lines.push(`${n}: white_noise ${seedBase + k * PINK_BINS + i}`);
      bins.push(`~ekg_pink_g${i} * ${n} + (1 - ~ekg_pink_g${i}) * sample_hold ${n} ~ekg_pink_t${i}`);
    }
    lines.push(`~ekg_pink_${k}: (${bins.map((b) => `(${b})`).join(" + ")}) / ${PINK_BINS}`);
  }
  return lines.join("\n");
}

/** The voice chain and envelope `ekgPitchVoices` plays: by default a sine and the bus-trigger default envelope (10 ms attack, 300 ms release). */
export interface EkgVoiceShape {
  wave: "sine" | "saw";
  attack: number;
  release: number;
}

/**
 * ekg's bus-triggered synth voices ("pitch state kept between voices") for a bus that is one
 * oscillator (`sine`, or ekg's naive saw 2p − 1) times `gain`, as phonon-engine.md §1.2 ("Render
 * synthesis voices") describes them: each block, for each pitch with an active voice, the bus's
 * chain is rendered once from that pitch's cached state (here the oscillator's phase) and the state
 * is stored back, so a pitch's oscillator goes on where its last voice left it; each voice
 * multiplies that buffer by its envelope and starts at the block after its event's (it "has no
 * trigger offset"). The envelope is ekg's percussion envelope (`envelope.rs`, `PercEnvelope`; the
 * bus-trigger default is a 10 ms attack and 300 ms release, `ar a r` sets them): each frame
 * t += 1/sr, then t/attack while t < attack, exp(−5·(t − attack)/release) while t < attack + release,
 * then 0 and the voice ends. A chord's voices each have gain 1/√N (reference §3.1, `note`), times the
 * event's own gain (1 where it has none). With `fresh`, each voice instead starts its own oscillator
 * at phase 0 (as ours does), all else equal.
 */
export function ekgPitchVoices(
  events: { frame: number; midi: number[]; gain?: number }[],
  gain: number,
  sr: number,
  frames: number,
  fresh = false,
  shape: EkgVoiceShape = { wave: "sine", attack: 0.01, release: 0.3 },
): Float64Array {
  const { attack, release } = shape;
  const osc = shape.wave === "sine" ? (p: number) => Math.sin(2 * Math.PI * p) : (p: number) => 2 * (p - Math.floor(p)) - 1;
  const out = new Float64Array(frames);
  const phase = new Map<number, number>();
  const voices: { start: number; midi: number; gain: number; t: number; phase: number }[] = [];
  const pending = events.map((e) => ({ ...e, start: (Math.floor(e.frame / BLOCK) + 1) * BLOCK }));
  for (let b = 0; b < frames; b += BLOCK) {
    for (const e of pending.filter((p) => p.start === b)) for (const midi of e.midi) voices.push({ start: b, midi, gain: (e.gain ?? 1) / Math.sqrt(e.midi.length), t: 0, phase: 0 });
    const live = voices.filter((v) => v.t < attack + release);
    const n = Math.min(BLOCK, frames - b);
    for (const midi of new Set(live.map((v) => v.midi))) {
      const f = 440 * 2 ** ((midi - 69) / 12);
      const p0 = phase.get(midi) ?? 0;
      for (const v of live.filter((v) => v.midi === midi)) {
        const from = fresh ? v.phase : p0;
        for (let i = 0; i < n && v.t < attack + release; i++) {
          v.t += 1 / sr;
          const env = v.t < attack ? v.t / attack : v.t < attack + release ? Math.exp((-5 * (v.t - attack)) / release) : 0;
          out[b + i]! += gain * osc(from + (f * i) / sr) * env * v.gain;
        }
        v.phase = (v.phase + (f * n) / sr) % 1;
      }
      phase.set(midi, (p0 + (f * n) / sr) % 1);
    }
  }
  return out;
}

/** One event of ekg's patterns: its whole and part (cycles) and its gain (`stut_gain`, 1 where the event has none). */
interface EkgHap {
  whole: [number, number];
  part: [number, number];
  gain: number;
}

/** The parts of a pattern `ekgStutJuxRevTriggers` builds: `s "~bus(k,n,r)"` under `stut count time decay`. */
export interface EkgStutJuxRev {
  hits: number;
  steps: number;
  rotation: number;
  count: number;
  time: number;
  decay: number;
}

/**
 * The events ekg/phonon triggers for `jux rev $ stut count time decay $ s "~bus(k,n,r)"`
 * ("stut and rev queried per block"), as its stored sources have each part, each event's start
 * (cycles) and gain:
 * - Euclid: step i of n is a hit when (i·k) mod n < k, r rotating left (reference §2, "Euclid notes").
 * - `stut` (pattern_ops.rs, `Pattern::stut`): layer i queries the pattern over the span it is itself
 *   queried for and shifts those events i·time later, with `stut_gain` decay^i; so it echoes only the
 *   events of its own span, and its echoes fall after that span.
 * - `rev` (pattern.rs, `Pattern::rev`): queries each whole cycle its span touches, sorts the events
 *   by start, keeps their time spans and reverses their values, making each event anew
 *   (`Hap::new`): no context, so no `stut_gain` (full gain); those overlapping the span are kept.
 * - `jux` stacks the pattern and its transformed copy (reference §2, "Layering": a pan context,
 *   inaudible in a mono render), the pattern first.
 * - Each 512-frame block the pattern is queried once per cycle the block's span touches
 *   (phonon-engine.md §1.2, step 3), and duplicate events are removed, the first kept (ibid.:
 *   "Duplicate fragments are removed with an O(n²) any() scan"; which events count as duplicates it
 *   does not say: here those with the same whole, which ekg's FLAC requires, its chord at 2/8, where
 *   both copies have one, being no louder than its chord at 4/8, where only the rev copy has one).
 * - A `Sample` node fires, at each frame, every event of the current cycle whose start (its whole's)
 *   is after the last start it fired (+10⁻⁶) and not after the frame's position (unified_graph.rs,
 *   `SignalNode::Sample`, `event_is_new`; the last start stored as `last_trigger_time`).
 * With `keepGain` (the counterfactual), `rev`'s events keep their `stut_gain`.
 */
export function ekgStutJuxRevTriggers(p: EkgStutJuxRev, cps: number, sr: number, frames: number, keepGain = false): { frame: number; start: number; gain: number }[] {
  const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && a[1] > b[0];
  const clip = (a: [number, number], b: [number, number]): [number, number] => [Math.max(a[0], b[0]), Math.min(a[1], b[1])];
  const hit = (i: number) => (((i + p.rotation) % p.steps) * p.hits) % p.steps < p.hits;
  const euclid = (span: [number, number]): EkgHap[] => {
    const out: EkgHap[] = [];
    for (let c = Math.floor(span[0]); c < span[1]; c++)
      for (let i = 0; i < p.steps; i++) {
        const whole: [number, number] = [c + i / p.steps, c + (i + 1) / p.steps];
        if (hit(i) && overlaps(whole, span)) out.push({ whole, part: clip(whole, span), gain: 1 });
      }
    return out;
  };
  const shift = (h: EkgHap, d: number, gain: number): EkgHap => ({ whole: [h.whole[0] + d, h.whole[1] + d], part: [h.part[0] + d, h.part[1] + d], gain });
  const stut = (span: [number, number]): EkgHap[] => Array.from({ length: p.count }, (_v, i) => euclid(span).map((h) => shift(h, i * p.time, p.decay ** i))).flat();
  const rev = (span: [number, number]): EkgHap[] => {
    const out: EkgHap[] = [];
    for (let c = Math.floor(span[0]); c < span[1]; c++) {
      const haps = stut([c, c + 1]).sort((a, b) => a.part[0] - b.part[0]);
      for (const h of haps) if (overlaps(h.part, span)) out.push({ whole: h.whole, part: clip(h.part, span), gain: keepGain ? h.gain : 1 });
    }
    return out;
  };
  const fired: { frame: number; start: number; gain: number }[] = [];
  let last = -1;
  for (let b = 0; b < frames; b += BLOCK) {
    const [p0, p1] = [(b * cps) / sr, (Math.min(b + BLOCK, frames) * cps) / sr];
    const events: EkgHap[] = [];
    for (let c = Math.floor(p0); c < p1; c++) {
      const span: [number, number] = [Math.max(p0, c), Math.min(p1, c + 1)];
      for (const h of [...stut(span), ...rev(span)]) if (!events.some((e) => Math.abs(e.whole[0] - h.whole[0]) < 1e-9 && Math.abs(e.whole[1] - h.whole[1]) < 1e-9)) events.push(h);
    }
    for (let n = b; n < Math.min(b + BLOCK, frames); n++) {
      const pos = (n * cps) / sr;
      let latest = last;
      for (const e of events) {
        if (Math.floor(e.part[0]) !== Math.floor(pos)) continue;
        if (e.whole[0] > last + 1e-6 && e.whole[0] < pos + 1e-6) {
          fired.push({ frame: n, start: e.whole[0], gain: e.gain });
          latest = Math.max(latest, e.whole[0]);
        }
      }
      last = latest;
    }
  }
  return fired;
}

/** One `~dN: synth "notes" "wave" a d s r` line: its notes (MIDI, one per step of the cycle), waveform and envelope. */
export interface EkgSynthLine {
  notes: number[];
  wave: "sine" | "saw" | "square" | "tri";
  attack: number;
  decay: number;
  sustain: number;
}

/** The largest number of voices of ekg's `SynthVoiceManager` (synth_voice_manager.rs, `DEFAULT_MAX_VOICES`). */
const EKG_SYNTH_VOICES = 256;

/**
 * ekg's `synth` lines ("synth voices shared and held"), as its stored source has them: each line's
 * `SignalNode::SynthPattern` (unified_graph.rs) triggers a voice of the graph's one
 * `SynthVoiceManager` at the frame its note starts (the frame whose query span [pos, pos + cps/sr)
 * holds the start; it never releases one), then returns that manager's `process()`
 * (synth_voice_manager.rs): every active voice steps one frame (time += 1/sr; attack level t/a, then
 * decay 1 − (1 − s)·t/d down to s, then held at s, a voice at s = 0 staying active and silent;
 * then the naive wave at its phase, which starts at 0 and advances by f/sr) and the manager returns
 * tanh of their sum. A new voice takes the first inactive one, else the oldest. The DAG renders each
 * bus over the whole 512-frame block in turn (phonon-engine.md §0), so in each block line 1's bus
 * steps all lines' voices 512 times, then line 2's steps them 512 more, and so on: a voice advances
 * once per line per frame, and every line's bus carries every line's voices. Returns each line's
 * bus. With `shared` false, each line has its own manager stepped once a frame (the counterfactual).
 */
export function ekgSharedSynthVoices(lines: EkgSynthLine[], cps: number, sr: number, frames: number, shared = true): Float64Array[] {
  interface Voice {
    active: boolean;
    freq: number;
    wave: EkgSynthLine["wave"];
    stage: 0 | 1 | 2; // attack, decay, sustain
    t: number;
    level: number;
    phase: number;
    age: number;
    attack: number;
    decay: number;
    sustain: number;
  }
  const manager = (): Voice[] => Array.from({ length: EKG_SYNTH_VOICES }, () => ({ active: false, freq: 440, wave: "sine", stage: 0, t: 0, level: 0, phase: 0, age: 0, attack: 0.01, decay: 0.1, sustain: 0.7 }));
  const managers = shared ? [manager()] : lines.map(manager);
  const trigger = (voices: Voice[], line: EkgSynthLine, midi: number) => {
    let v = voices.find((x) => !x.active);
    if (!v) v = voices.reduce((a, b) => (b.age > a.age ? b : a));
    Object.assign(v, { active: true, freq: 440 * 2 ** ((midi - 69) / 12), wave: line.wave, stage: 0, t: 0, level: 0, phase: 0, age: 0, attack: Math.max(line.attack, 1e-4), decay: line.decay, sustain: line.sustain });
  };
  const step = (voices: Voice[]): number => {
    let mix = 0;
    for (const v of voices) {
      if (!v.active) continue;
      v.t += 1 / sr;
      if (v.stage === 0) {
        v.level = v.t / v.attack;
        if (v.level >= 1) [v.level, v.stage, v.t] = [1, 1, 0];
      } else if (v.stage === 1) {
        v.level = v.decay > 0 ? 1 - (1 - v.sustain) * (v.t / v.decay) : v.sustain;
        if (v.level <= v.sustain) [v.level, v.stage, v.t] = [v.sustain, 2, 0];
      } else v.level = v.sustain;
      const p = v.phase;
      const osc = v.wave === "sine" ? Math.sin(2 * Math.PI * p) : v.wave === "saw" ? 2 * p - 1 : v.wave === "square" ? (p < 0.5 ? 1 : -1) : p < 0.5 ? 4 * p - 1 : 3 - 4 * p;
      v.phase += v.freq / sr;
      if (v.phase >= 1) v.phase -= 1;
      v.age++;
      mix += osc * v.level;
    }
    return Math.tanh(mix);
  };
  // Each line's note starts: step k of a line with n notes a cycle starts at cycle k/n.
  const starts = lines.map((line) => {
    const at = new Map<number, number>();
    for (let k = 0; ; k++) {
      const frame = Math.floor(((Math.floor(k / line.notes.length) + (k % line.notes.length) / line.notes.length) * sr) / cps + 1e-9);
      if (frame >= frames) break;
      at.set(frame, line.notes[k % line.notes.length]!);
    }
    return at;
  });
  const out = lines.map(() => new Float64Array(frames));
  for (let b = 0; b < frames; b += BLOCK) {
    lines.forEach((line, l) => {
      const voices = managers[shared ? 0 : l]!;
      for (let i = b; i < Math.min(b + BLOCK, frames); i++) {
        const midi = starts[l]!.get(i);
        if (midi !== undefined) trigger(voices, line, midi);
        out[l]![i] = step(voices);
      }
    });
  }
  return out;
}

/** The reference's `lpf` (§3.3): the Chamberlin state-variable low-pass, f = 2·sin(π·fc/sr), damping 1/q, fc clamped to 20–20k and q to 0.5–20. */
export function ekgLowPass(x: Float64Array, cutoff: number, q: number, sr: number): Float64Array {
  const f = 2 * Math.sin((Math.PI * Math.min(20000, Math.max(20, cutoff))) / sr);
  const damp = 1 / Math.min(20, Math.max(0.5, q));
  let [low, band] = [0, 0];
  return x.map((v) => {
    const high = v - low - damp * band;
    band += f * high;
    low += f * band;
    return low;
  });
}

/**
 * ekg's `moog_ladder in cutoff res`, as its stored source has it (ekg/phonon's `unified_graph.rs`,
 * `SignalNode::MoogLadder`; ekg-compat.test.ts, "ekg's moog_ladder is its one-pole ladder"): each
 * frame fc = cutoff clamped to 20–20000 Hz, r = res clamped to 0–1, g = tan(π·fc/sr), G = g/(1 + g), k = 4·r; u = in − k·s4 with s4 the last stage's value from the frame before (a unit
 * delay in the loop), then four stages s_i += G·(x_i − s_i), each fed the stage before's new value;
 * the output is s4. G is the TPT integrator's gain, but these stages are plain one-poles (pole 1 − G),
 * each with its −3 dB corner below half the cutoff asked for (400 Hz: 197 Hz; 1000 Hz: 484 Hz;
 * 3000 Hz: 1383 Hz), where a TPT stage (ours, ladder.rs) has it at the cutoff.
 * `cutoff` and `res` are numbers or per-frame signals; at frame `restart` (if given) every stage
 * starts again from 0, as a fresh clone of the node does ("fm restarts mid-render"). ekg computes in
 * f32; this in f64.
 */
export function ekgMoogLadder(x: Float64Array, cutoff: number | Float64Array, res: number | Float64Array, sr: number, restart = -1): Float64Array {
  const at = (v: number | Float64Array, n: number) => (typeof v === "number" ? v : v[n]!);
  let [s1, s2, s3, s4] = [0, 0, 0, 0];
  return x.map((v, n) => {
    if (n === restart) [s1, s2, s3, s4] = [0, 0, 0, 0];
    const fc = Math.min(20000, Math.max(20, at(cutoff, n)));
    const k = 4 * Math.min(1, Math.max(0, at(res, n)));
    const g = Math.tan((Math.PI * fc) / sr);
    const big = g / (1 + g);
    const u = v - k * s4;
    s1 += big * (u - s1);
    s2 += big * (s1 - s2);
    s3 += big * (s2 - s3);
    s4 += big * (s3 - s4);
    return s4;
  });
}

/**
 * ekg's `reverb room damp mix`, as its stored source has it (unified_graph.rs, `SignalNode::Reverb`):
 * eight Freeverb combs (1116…1617 frames at 44.1 kHz, scaled to sr) fed the input with no input
 * gain, each writing input + (store·damp + delayed·(1 − damp))·0.84·room; their mean through four
 * allpasses (556, 441, 341, 225 frames, gain 0.5); out = input·(1 − mix) + wet·mix.
 */
export function ekgReverb(x: Float64Array, room: number, damp: number, mix: number, sr: number): Float64Array {
  const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
  [room, damp, mix] = [clamp01(room), clamp01(damp), clamp01(mix)];
  const scale = sr / 44100;
  const combs = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617].map((n) => ({ buf: new Float64Array(Math.floor(n * scale)), i: 0, store: 0 }));
  const passes = [556, 441, 341, 225].map((n) => ({ buf: new Float64Array(Math.floor(n * scale)), i: 0 }));
  const feedback = 0.84 * room;
  return x.map((v) => {
    let sum = 0;
    for (const c of combs) {
      const delayed = c.buf[c.i]!;
      c.store = c.store * damp + delayed * (1 - damp);
      c.buf[c.i] = v + c.store * feedback;
      c.i = (c.i + 1) % c.buf.length;
      sum += delayed;
    }
    let wet = sum / combs.length;
    for (const a of passes) {
      const delayed = a.buf[a.i]!;
      a.buf[a.i] = wet + delayed * 0.5;
      wet = delayed - wet * 0.5;
      a.i = (a.i + 1) % a.buf.length;
    }
    return v * (1 - mix) + wet * mix;
  });
}

/**
 * ekg's `reverb room damp mix` as its render has it ("reverb keeps its dry", ekg-compat.test.ts):
 * the stored network's wet (`ekgReverb` at mix 1) times mix, added to the whole input.
 */
export function ekgReverbKeepingDry(x: Float64Array, room: number, damp: number, mix: number, sr: number): Float64Array {
  const wet = ekgReverb(x, room, damp, 1, sr);
  return x.map((v, n) => v + Math.min(1, Math.max(0, mix)) * wet[n]!);
}

/** ekg's `Envelope` node under a constant trigger (a one-shot from frame 0): linear attack to 1, linear decay to `sustain`, then held. */
function ekgOneShot(attack: number, decay: number, sustain: number, sr: number, frames: number): Float64Array {
  return Float64Array.from({ length: frames }, (_v, n) => {
    const t = n / sr;
    return t < attack ? t / attack : t < attack + decay ? 1 - ((1 - sustain) * (t - attack)) / decay : sustain;
  });
}

/**
 * The reference's `hpf` (phonon-language.md §3.3: "Chamberlin state-variable filter: f = 2·sin(π·fc/sr),
 * damping = 1/q"): per frame low += f·band, high = x − low − damping·band, band += f·high; the output is high.
 */
export function ekgChamberlinHp(x: Float64Array, cutoff: number, q: number, sr: number): Float64Array {
  const f = 2 * Math.sin((Math.PI * cutoff) / sr);
  const damping = 1 / q;
  let [low, band] = [0, 0];
  return x.map((v) => {
    low += f * band;
    const high = v - low - damping * band;
    band += f * high;
    return high;
  });
}

/** Uniform noise in ±1 over the first `frames` frames ("noise draws": ekg's generator is its own, `seed` picks ours). */
function noiseOf(frames: number, seed: number): Float64Array {
  const noise = rng(seed);
  return Float64Array.from({ length: frames }, () => 2 * noise() - 1);
}

/** ekg's naive triangle (`Waveform::Triangle`: 4p − 1 below p = ½, 3 − 4p above) at `freq` from phase `phase`. */
function ekgTri(freq: number, phase: number, sr: number, frames: number): Float64Array {
  return Float64Array.from({ length: frames }, (_v, n) => {
    const p = (phase + (n * freq) / sr) % 1;
    return p < 0.5 ? 4 * p - 1 : 3 - 4 * p;
  });
}

/**
 * ekg's `supersnare freq snappy sustain` outside a voice, as its `superdirt_synths.rs` builds it
 * (`build_snare`): triangles at freq (phase 0) and 1.05·freq (phase 0.3) under a one-shot
 * (1 ms, 0.3·sustain, 0), times 0.5, plus noise through its `hpf 3000 0.5` under a one-shot (1 ms, sustain, 0), times snappy.
 */
export function ekgSnare(freq: number, snappy: number, sustain: number, sr: number, frames: number, seed: number): Float64Array {
  const upper = ekgTri(1.05 * freq, 0.3, sr, frames);
  const body = ekgTri(freq, 0, sr, frames).map((v, n) => v + upper[n]!);
  const bodyEnv = ekgOneShot(0.001, 0.3 * sustain, 0, sr, frames);
  const noise = ekgChamberlinHp(noiseOf(frames, seed), 3000, 0.5, sr);
  const noiseEnv = ekgOneShot(0.001, sustain, 0, sr, frames);
  return body.map((v, n) => 0.5 * v * bodyEnv[n]! + snappy * noise[n]! * noiseEnv[n]!);
}

/** ekg's `superhat bright sustain` outside a voice (`build_hat`): noise through its `hpf (5000 + 5000·bright) 1.5` under a one-shot (1 ms, sustain, 0). */
export function ekgHat(bright: number, sustain: number, sr: number, frames: number, seed: number): Float64Array {
  const noise = ekgChamberlinHp(noiseOf(frames, seed), 5000 + bright * 5000, 1.5, sr);
  const env = ekgOneShot(0.001, sustain, 0, sr, frames);
  return noise.map((v, n) => v * env[n]!);
}

/**
 * One of fundsp 0.18.2's band-limited wavetables (its `wavetable.rs`, `Wavetable::new`), which
 * ekg/phonon's `FundspUnit` oscillators read (Cargo.toml: `fundsp = "0.18"`): a table every
 * quarter octave from 20 Hz to 20 kHz, each `make_wave(pitch)`: the partials i ≤ 22000/pitch at
 * amplitude(i), faded by smooth5 from 20 to 22 kHz, at phase(i) turns, put in a spectrum of
 * L = clamp(32, 8192, next power of two of 4·partials) bins and inverse-transformed (microfft's
 * inverse, scaled 1/L), the imaginary part times √L: so a table's amplitude goes as 1/√L, and
 * the tables of low pitches (long tables) come out quieter than those of high pitches. Then all
 * tables are divided by the largest |value| of any of them (a short, high-pitch table's).
 */
interface FundspWavetable {
  pitches: number[];
  tables: Float32Array[];
}

function fundspWavetable(phase: (i: number) => number, amplitude: (i: number) => number): FundspWavetable {
  const pitches: number[] = [];
  const tables: Float32Array[] = [];
  const smooth5 = (x: number) => ((x * 6 - 15) * x + 10) * x * x * x;
  let max = 0;
  for (let pitch = 20; pitch <= 20000; pitch *= 2 ** (1 / 4)) {
    const harmonics = Math.floor(22000 / pitch);
    let length = 1;
    while (length < 4 * harmonics) length <<= 1;
    length = Math.min(8192, Math.max(32, length));
    // im(Σ a_i·e^{+2πi·ik/L}) = −im(FFT(conj a)), the transform being e^{−2πi·ik/L}.
    const re = new Float64Array(length);
    const im = new Float64Array(length);
    for (let i = 1; i <= harmonics; i++) {
      const w = amplitude(i) * smooth5(Math.min(1, Math.max(0, (pitch * i - 22000) / (20000 - 22000))));
      if (w > 0) {
        re[i] = w * Math.cos(2 * Math.PI * phase(i));
        im[i] = -w * Math.sin(2 * Math.PI * phase(i));
      }
    }
    fft(re, im);
    const table = Float32Array.from(im, (v) => (-v / length) * Math.sqrt(length));
    for (const v of table) max = Math.max(max, Math.abs(v));
    pitches.push(Math.fround(pitch));
    tables.push(table);
  }
  for (const t of tables) for (let k = 0; k < t.length; k++) t[k] = t[k]! / max;
  return { pitches, tables };
}

let sawTable: FundspWavetable | undefined;
let softSawTable: FundspWavetable | undefined;
/** fundsp's `saw_table()`: partials 1/i, the even ones turned half a turn (the classic saw). */
function fundspSawTable(): FundspWavetable {
  return (sawTable ??= fundspWavetable((i) => (i & 1 ? 0 : 0.5), (i) => 1 / i));
}
/** fundsp's `soft_saw_table()`: partials 1/i², at phase ½ for i ≡ 3 (mod 4) and every even i, else 0. */
function fundspSoftSawTable(): FundspWavetable {
  return (softSawTable ??= fundspWavetable((i) => ((i & 3) === 3 ? 0.5 : i & 1 ? 0 : 0.5), (i) => 1 / (i * i)));
}

/** fundsp's `optimal4x44` interpolator (Niemitalo's 4-point, 4th-order, for 4× oversampled tables). */
function optimal4x44(a0: number, a1: number, a2: number, a3: number, x: number): number {
  const z = x - 0.5;
  const [even1, odd1, even2, odd2] = [a2 + a1, a2 - a1, a3 + a0, a3 - a0];
  const c0 = even1 * 0.4656725512077848 + even2 * 0.03432729708429672;
  const c1 = odd1 * 0.5374383075356016 + odd2 * 0.1542946255730746;
  const c2 = even1 * -0.25194210134021744 + even2 * 0.2519474493593906;
  const c3 = odd1 * -0.46896069955075126 + odd2 * 0.15578800670302476;
  const c4 = even1 * 0.00986988334359864 + even2 * -0.00989340017126506;
  return (((c4 * z + c3) * z + c2) * z + c1) * z + c0;
}

/** fundsp's `Wavetable::read`: the table below `freq` (binary search, as `table_index`), then tables +1 and +2 mixed by where `freq` falls between the first two pitches. */
function fundspRead(wt: FundspWavetable, freq: number, phase: number): number {
  const p = wt.pitches;
  let i0 = 0;
  let i1 = p.length - 3;
  while (i0 < i1) {
    const i = (i0 + i1) >> 1;
    if (p[i]! > freq) i1 = i;
    else if (p[i + 1]! > freq) {
      i0 = i;
      break;
    } else i0 = i + 1;
  }
  const w = Math.min(1, Math.max(0, (freq - p[i0]!) / (p[i0 + 1]! - p[i0]!)));
  const at = (t: Float32Array) => {
    const x = t.length * phase;
    const j = Math.floor(x);
    const m = t.length - 1;
    return optimal4x44(t[(j - 1) & m]!, t[j & m]!, t[(j + 1) & m]!, t[(j + 2) & m]!, x - j);
  };
  return (1 - w) * at(wt.tables[i0 + 1]!) + w * at(wt.tables[i0 + 2]!);
}

/**
 * ekg's `soft_saw_hz` as it runs ("fundsp wavetable level"): fundsp's `soft_saw_hz(freq)` (a
 * `WaveSynth` on `soft_saw_table()`), reset and ticked once a frame: its f32 phase, from 0, grows
 * by freq/sr and drops its whole part, then the table is read there.
 */
export function ekgFundspSoftSaw(freq: number, sr: number, frames: number): Float64Array {
  const wt = fundspSoftSawTable();
  const delta = Math.fround(Math.fround(freq) * Math.fround(1 / sr));
  let phase = 0;
  return Float64Array.from({ length: frames }, () => {
    phase = Math.fround(phase + delta);
    phase = Math.fround(phase - Math.floor(phase));
    return fundspRead(wt, Math.abs(freq), phase);
  });
}

/**
 * ekg's `pulse freq width` ("fundsp wavetable level"): fundsp's `pulse()` (`PulseWave`): a
 * `WaveSynth` on the saw table at `freq`, less a `PhaseSynth` reading the same table at its phase
 * plus `width` (its frequency taken from the change of that phase, Nyquist on the first frame).
 */
export function ekgFundspPulse(freq: number, width: number, sr: number, frames: number): Float64Array {
  const wt = fundspSawTable();
  const delta = Math.fround(Math.fround(freq) * Math.fround(1 / sr));
  let phase = 0;
  let prev = -1;
  return Float64Array.from({ length: frames }, () => {
    phase = Math.fround(phase + delta);
    phase = Math.fround(phase - Math.floor(phase));
    const a = fundspRead(wt, Math.abs(freq), phase);
    const q0 = Math.fround(phase + Math.fround(width));
    const q = Math.fround(q0 - Math.floor(q0));
    const d = prev < 0 ? 0.5 : Math.min(Math.abs(q - prev), Math.abs(q - 1 - prev), Math.abs(q + 1 - prev));
    prev = q;
    return a - fundspRead(wt, d * sr, q);
  });
}
