//! Reverbs, all stereo out: `reverb` (Freeverb), `plate` (Dattorro's plate) and `lush` (an 8-line feedback delay network).
//!
//! Common rules: `in` is mono or stereo; the tanks are fed from the mono sum (½(L + R); Freeverb
//! sums L + R as in its original). Output is always two channels:
//! `(1 − mix)·dry + mix·wet`, with the dry path per channel (a mono input goes to both). Every
//! value written back into a tank is flushed of denormals ([`dsp::flush`]) and NaN/Inf inputs are
//! read as 0, so tails decay to exact zeros at full speed and a broken input cannot stick. All
//! buffers are allocated in `prepare` and scaled to the sample rate. `mix` is declicked (5 ms
//! one-pole, [`dsp::Declick`]; constant settings are exact).
//!
//! ## `reverb {in, room_size = 0.5, damping = 0.5, mix = 0.3}`
//! Jezar's Freeverb: per channel 8 parallel lowpass-feedback combs (1116 … 1617 frames at
//! 44.1 kHz; the right channel's are 23 frames longer, which decorrelates the channels) into 4
//! series allpasses (556, 441, 341, 225; gain ½). Input gain 0.015 (Freeverb's); wet gain 1.5,
//! half of Freeverb's, so that at room_size 0.5 the wet signal of steady noise is about as loud
//! as the input.
//! - `room_size` 0..1 (clamped): comb feedback g = 0.7 + 0.28·room_size (0.7..0.98).
//!   Decay: comb k loses 60 dB in RT60ₖ = 3·Lₖ / (−log₁₀ g) / sr, so room_size 0.5 (g = 0.84)
//!   rings 1.0–1.5 s and room_size 1 (g = 0.98) 8.7–12.7 s (with damping 0; damping shortens the
//!   highs).
//! - `damping` 0..1 (clamped): the combs' one-pole lowpass coefficient is 0.4·damping.
//! - `mix` 0..1 (clamped).
//!   All three are read per frame (they are cheap linear maps).
//!
//! ## `plate {in, predelay = 0.01, decay = 0.5, diffusion = 0.7, damping = 0.3, mod_depth = 0.3, mix = 0.5}`
//! Dattorro (1997), "Effect Design Part 1", the plate tank with its published delay lengths and
//! output taps (given at 29 761 Hz, scaled to the sample rate).
//! - `predelay` seconds, 0..0.5 (clamped); smoothed (50 ms) and read with interpolation, so
//!   changing it glides instead of clicking. At least one frame.
//! - `decay` 0..0.99 (clamped): the tank gain, applied twice per half-loop. One trip round the
//!   tank (21 589 frames at 29 761 Hz, 0.725 s) is attenuated by decay⁴, so
//!   RT60 ≈ 0.725 s · 60 / (−80·log₁₀ decay): decay 0.5 rings about 1.8 s, 0.9 about 11 s.
//!   Decay diffusion 2 follows Dattorro: clamp(decay + 0.15, 0.25, 0.5); decay diffusion 1 is 0.7.
//! - `diffusion` 0..0.9 (clamped): input diffusion 1 = diffusion·0.75/0.7, input diffusion 2 =
//!   diffusion·0.625/0.7 (the paper's 0.75 and 0.625 at the default 0.7).
//! - `damping` 0..1 (clamped): the tank's one-pole lowpass coefficient (0 = no damping).
//! - `mod_depth` 0..1 (clamped): excursion of the two modulated tank allpasses, 16 frames at
//!   29 761 Hz at depth 1, by a 1 Hz sine (left) and cosine (right).
//! - `mix` 0..1 (clamped). Input bandwidth filter fixed at Dattorro's 0.9995. Wet gain 0.6.
//!   Every parameter is read per frame.
//!
//! ## `lush {in, predelay = 0, decay = 0.5, diffusion = 0.7, damping = 0.3, spin = 0.3, wander = 0.2, freeze = 0, mix = 0.5}`
//! An 8-line feedback delay network (lines of 1259 … 2861 frames at 44.1 kHz, distinct primes)
//! with a Householder feedback matrix (lossless), a one-pole lowpass and a gain per line, fed
//! through 4 series allpasses per input channel; left reads the even lines, right the odd ones
//! (input gain 0.5, output gain 0.8: at decay 0.5 the wet signal of steady noise is about as
//! loud as the input).
//! (The 7-argument form of the language has no predelay; with 8 arguments the first is predelay.)
//! - `predelay` seconds, 0..0.5, smoothed as in `plate`.
//! - `decay` 0..1 (clamped) sets RT60 = 0.3 s · 100^decay (0.3 s … 3 s at 0.5 … 30 s at 1); each
//!   line's gain is 10^(−3·Lᵢ / (sr·RT60)), so every mode of the lossless network decays at that
//!   RT60 (low frequencies exactly; `damping` shortens the highs).
//! - `diffusion` 0..1: input allpass gain 0.75·diffusion.
//! - `damping` 0..1: per-line lowpass coefficient 0.8·damping.
//! - `spin` 0..1: rate of the line-length modulation, (0.05 + 2.95·spin) Hz times a per-line
//!   ratio between 0.79 and 1.27.
//! - `wander` 0..1: depth of that modulation, up to ±4 ms.
//! - `freeze` > 0.5 holds the tail: the line gains go to 1, damping and input to 0 (smoothed over
//!   50 ms), so the network recirculates losslessly (up to interpolation loss) until released.
//! - `mix` 0..1.
//!   `decay`, `diffusion`, `damping`, `spin` and `wander` are control-rate: read every
//!   [`dsp::CONTROL`] frames at absolute frame multiples (so output is block-size invariant);
//!   `predelay`, `freeze` and `mix` are read per frame.

use super::delayline::{allpass, allpass_frac, DelayLine};
use super::dsp::{
    self, audio, clampf, finite, flush, is_control_frame, param, Declick, Rotor, Scratch, Smoother,
};
use super::{ChannelRule, Context, Kernel, KindSpec, Outputs, PortIn};

/// `reverb {in, room_size, damping, mix}`.
pub const REVERB: KindSpec = KindSpec::new(
    "reverb",
    "Freeverb-style reverb: 8 combs and 4 allpasses.",
    &[
        audio("in"),
        param("room_size", 0.5).unit("0–1").range(0.0, 1.0),
        param("damping", 0.5).unit("0–1").range(0.0, 1.0),
        param("mix", 0.3).unit("0–1").range(0.0, 1.0),
    ],
    ChannelRule::Stereo,
    || Box::new(Reverb::default()),
);

/// `plate {in, predelay, decay, diffusion, damping, mod_depth, mix}`.
pub const PLATE: KindSpec = KindSpec::new(
    "plate",
    "Dattorro plate reverb.",
    &[
        audio("in"),
        param("predelay", 0.01).unit("s").range(0.0, MAX_PREDELAY),
        param("decay", 0.5).unit("tank gain").range(0.0, 0.99),
        param("diffusion", 0.7).unit("0–1").range(0.0, 1.0),
        param("damping", 0.3).unit("0–1").range(0.0, 1.0),
        param("mod_depth", 0.3).unit("0–1").range(0.0, 1.0),
        param("mix", 0.5).unit("0–1").range(0.0, 1.0),
    ],
    ChannelRule::Stereo,
    || Box::new(Plate::default()),
);

/// `lush {in, predelay, decay, diffusion, damping, spin, wander, freeze, mix}`.
pub const LUSH: KindSpec = KindSpec::new(
    "lush",
    "Lush modulated reverb.",
    &[
        audio("in"),
        param("predelay", 0.0).unit("s").range(0.0, MAX_PREDELAY),
        param("decay", 0.5).unit("0–1 (RT60 0.3…30 s)").range(0.0, 1.0),
        param("diffusion", 0.7).unit("0–1").range(0.0, 1.0),
        param("damping", 0.3).unit("0–1").range(0.0, 1.0),
        param("spin", 0.3).unit("0–1"),
        param("wander", 0.2).unit("0–1"),
        param("freeze", 0.0).unit("0/1"),
        param("mix", 0.5).unit("0–1").range(0.0, 1.0),
    ],
    ChannelRule::Stereo,
    || Box::new(Lush::default()),
);

/// Longest predelay of `plate` and `lush`, seconds.
pub const MAX_PREDELAY: f32 = 0.5;

/// `len` frames at 44.1 kHz (or at `base` Hz) scaled to `sr`, at least 1.
fn scaled(len: usize, base: f32, sr: f32) -> usize {
    ((len as f32 * sr / base).round() as usize).max(1)
}

// ---------------------------------------------------------------------------------------------
// Freeverb

const COMBS: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
const ALLPASSES: [usize; 4] = [556, 441, 341, 225];
const SPREAD: usize = 23;
const FIXED_GAIN: f32 = 0.015;
const WET_GAIN: f32 = 1.5;

/// Comb feedback for a room size (clamped 0..1, NaN → 0.5).
pub fn freeverb_feedback(room: f32) -> f32 {
    0.7 + 0.28 * clampf(room, 0.0, 1.0, 0.5)
}

#[derive(Debug, Default)]
struct Comb {
    line: DelayLine,
    len: usize,
    store: f32,
}

#[derive(Debug, Default)]
struct Diffuser {
    line: DelayLine,
    len: usize,
}

/// Freeverb.
#[derive(Debug, Default)]
pub struct Reverb {
    combs: [[Comb; 8]; 2],
    allpasses: [[Diffuser; 4]; 2],
    scratch: Scratch,
    input: Vec<f32>,
    /// Per-frame comb feedback and damping of this block.
    fb: Vec<f32>,
    damp: Vec<f32>,
    wet: [Vec<f32>; 2],
    mix: Declick,
}

impl Kernel for Reverb {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        for ch in 0..2 {
            for (c, &len) in self.combs[ch].iter_mut().zip(&COMBS) {
                let len = scaled(len + ch * SPREAD, 44100.0, sample_rate);
                *c = Comb {
                    line: DelayLine::new(len),
                    len,
                    store: 0.0,
                };
            }
            for (a, &len) in self.allpasses[ch].iter_mut().zip(&ALLPASSES) {
                let len = scaled(len + ch * SPREAD, 44100.0, sample_rate);
                *a = Diffuser {
                    line: DelayLine::new(len),
                    len,
                };
            }
        }
        self.scratch.prepare(5, max_block);
        self.input = vec![0.0; max_block];
        self.fb = vec![0.0; max_block];
        self.damp = vec![0.0; max_block];
        self.wet = [vec![0.0; max_block], vec![0.0; max_block]];
        self.mix.prepare(sample_rate, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let [il, ir, room, damp, mixv] = self.scratch.ports(inputs, 1, n);
        let input = &mut self.input[..n];
        for ((x, &l), &r) in input.iter_mut().zip(il).zip(ir) {
            *x = finite(l + r) * FIXED_GAIN;
        }
        let (fbs, d1s) = (&mut self.fb[..n], &mut self.damp[..n]);
        for i in 0..n {
            fbs[i] = freeverb_feedback(room[i]);
            d1s[i] = 0.4 * clampf(damp[i], 0.0, 1.0, 0.5);
        }
        for ch in 0..2 {
            let wet = &mut self.wet[ch][..n];
            wet.fill(0.0);
            // Comb by comb over the whole block: each comb's loop is a short recurrence.
            for c in self.combs[ch].iter_mut() {
                for i in 0..n {
                    let y = c.line.read(c.len);
                    c.store = flush(y + (c.store - y) * d1s[i]);
                    c.line.push(flush(input[i] + c.store * fbs[i]));
                    wet[i] += y;
                }
            }
            for a in self.allpasses[ch].iter_mut() {
                for w in wet.iter_mut() {
                    let b = a.line.read(a.len);
                    a.line.push(flush(*w + b * 0.5));
                    *w = b - *w;
                }
            }
        }
        let (ol, or) = out.stereo();
        let (wl, wr) = (&self.wet[0][..n], &self.wet[1][..n]);
        let mixs = self.mix.run(mixv, |v| clampf(v, 0.0, 1.0, 0.3));
        for i in 0..n {
            let m = mixs[i];
            ol[i] = dsp::mix(il[i], wl[i] * WET_GAIN, m);
            or[i] = dsp::mix(ir[i], wr[i] * WET_GAIN, m);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dattorro plate

const PLATE_RATE: f32 = 29761.0;
const INPUT_DIFFUSERS: [usize; 4] = [142, 107, 379, 277];
/// Per half: modulated allpass, delay, allpass, delay.
const HALVES: [[usize; 4]; 2] = [[672, 4453, 1800, 3720], [908, 4217, 2656, 3163]];
const EXCURSION: f32 = 16.0;
const BANDWIDTH: f32 = 0.9995;
const DECAY_DIFFUSION_1: f32 = 0.7;
const PLATE_WET: f32 = 0.6;
/// Output taps: (half, element 1..=3, offset at 29 761 Hz, sign), left then right.
const PLATE_TAPS: [[(usize, usize, usize, f32); 7]; 2] = [
    [
        (1, 1, 266, 1.0),
        (1, 1, 2974, 1.0),
        (1, 2, 1913, -1.0),
        (1, 3, 1996, 1.0),
        (0, 1, 1990, -1.0),
        (0, 2, 187, -1.0),
        (0, 3, 1066, -1.0),
    ],
    [
        (0, 1, 353, 1.0),
        (0, 1, 3627, 1.0),
        (0, 2, 1228, -1.0),
        (0, 3, 2673, 1.0),
        (1, 1, 2111, -1.0),
        (1, 2, 335, -1.0),
        (1, 3, 121, -1.0),
    ],
];

#[derive(Debug, Default)]
struct Half {
    /// Modulated allpass, delay, allpass, delay.
    lines: [DelayLine; 4],
    lens: [usize; 4],
    lp: f32,
}

/// Dattorro's plate.
#[derive(Debug, Default)]
pub struct Plate {
    sample_rate: f32,
    pre: DelayLine,
    pre_smooth: Smoother,
    bw: f32,
    diffusers: [Diffuser; 4],
    halves: [Half; 2],
    taps: [[(usize, usize, usize, f32); 7]; 2],
    excursion: f32,
    lfo: Rotor,
    lfo_inc: f32,
    frame: u64,
    mix: Declick,
    scratch: Scratch,
}

impl Kernel for Plate {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        let sr = sample_rate;
        self.sample_rate = sr;
        self.pre = DelayLine::new((MAX_PREDELAY * sr).ceil() as usize + 2);
        self.pre_smooth.prepare(0.05, sr);
        self.bw = 0.0;
        for (d, &len) in self.diffusers.iter_mut().zip(&INPUT_DIFFUSERS) {
            let len = scaled(len, PLATE_RATE, sr);
            *d = Diffuser {
                line: DelayLine::new(len),
                len,
            };
        }
        self.excursion = EXCURSION * sr / PLATE_RATE;
        for (h, lens) in self.halves.iter_mut().zip(&HALVES) {
            for (k, &base) in lens.iter().enumerate() {
                let len = scaled(base, PLATE_RATE, sr);
                let room = if k == 0 {
                    len + self.excursion.ceil() as usize + 2
                } else {
                    len
                };
                h.lines[k] = DelayLine::new(room);
                h.lens[k] = len;
            }
            h.lp = 0.0;
        }
        for (side, taps) in self.taps.iter_mut().zip(&PLATE_TAPS) {
            for (t, &(half, el, off, sign)) in side.iter_mut().zip(taps) {
                *t = (half, el, scaled(off, PLATE_RATE, sr), sign);
            }
        }
        self.lfo = Rotor::default();
        self.lfo_inc = 1.0 / sr;
        self.frame = 0;
        self.mix.prepare(sr, max_block);
        self.scratch.prepare(8, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let [il, ir, pre, decay, diff, damp, depth, mixv] = self.scratch.ports(inputs, 1, n);
        let (ol, or) = out.stereo();
        let pre_frames = |p: f32| clampf(p, 0.0, MAX_PREDELAY, 0.01) * sr;
        self.pre_smooth.prime(pre_frames(pre[0]));
        let mixs = self.mix.run(mixv, |v| clampf(v, 0.0, 1.0, 0.5));
        for i in 0..n {
            if is_control_frame(self.frame) {
                self.lfo.set(self.lfo_inc);
            }
            self.frame += 1;
            let decay = clampf(decay[i], 0.0, 0.99, 0.5);
            let diffusion = clampf(diff[i], 0.0, 0.9, 0.7);
            let (id1, id2) = (diffusion * (0.75 / 0.7), diffusion * (0.625 / 0.7));
            let dd2 = (decay + 0.15).clamp(0.25, 0.5);
            let damping = clampf(damp[i], 0.0, 1.0, 0.3);
            let exc = clampf(depth[i], 0.0, 1.0, 0.3) * self.excursion;

            let d = self.pre_smooth.tick(pre_frames(pre[i]));
            let x = self.pre.read_linear(d);
            self.pre.push(finite(0.5 * (il[i] + ir[i])));
            self.bw = flush(self.bw + (x - self.bw) * BANDWIDTH);
            let mut x = self.bw;
            for (k, dfs) in self.diffusers.iter_mut().enumerate() {
                let g = if k < 2 { id1 } else { id2 };
                x = allpass(&mut dfs.line, dfs.len, g, x);
            }
            let ends = [
                self.halves[0].lines[3].read(self.halves[0].lens[3]),
                self.halves[1].lines[3].read(self.halves[1].lens[3]),
            ];
            let mods = [self.lfo.s, self.lfo.c];
            self.lfo.step();
            for (h, half) in self.halves.iter_mut().enumerate() {
                // Each half is fed by the other half's end.
                let input = x + decay * ends[1 - h];
                let d0 = half.lens[0] as f32 + exc * mods[h];
                let u = allpass_frac(&mut half.lines[0], d0, -DECAY_DIFFUSION_1, input);
                let t = half.lines[1].read(half.lens[1]);
                half.lines[1].push(u);
                half.lp = flush(t + (half.lp - t) * damping);
                let v = allpass(&mut half.lines[2], half.lens[2], dd2, half.lp * decay);
                half.lines[3].push(v);
            }
            let mut wet = [0.0f32; 2];
            for (w, taps) in wet.iter_mut().zip(&self.taps) {
                for &(h, el, off, sign) in taps {
                    *w += sign * self.halves[h].lines[el].read(off);
                }
            }
            let m = mixs[i];
            ol[i] = dsp::mix(il[i], wet[0] * PLATE_WET, m);
            or[i] = dsp::mix(ir[i], wet[1] * PLATE_WET, m);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lush: 8-line FDN

const LINES: [usize; 8] = [1259, 1481, 1693, 1907, 2137, 2371, 2609, 2861];
const LUSH_DIFFUSERS: [[usize; 4]; 2] = [[113, 162, 241, 353], [127, 179, 263, 389]];
const RATE_RATIOS: [f32; 8] = [1.0, 1.13, 0.87, 1.27, 0.79, 1.19, 0.93, 1.07];
const INJECT_SIGNS: [f32; 8] = [1.0, 1.0, -1.0, -1.0, 1.0, -1.0, -1.0, 1.0];
const MAX_WANDER: f32 = 0.004;
const LUSH_IN: f32 = 0.5;
const LUSH_OUT: f32 = 0.8;

/// RT60 in seconds of a `lush` decay setting (clamped 0..1, NaN → 0.5).
pub fn lush_rt60(decay: f32) -> f32 {
    0.3 * 100f32.powf(clampf(decay, 0.0, 1.0, 0.5))
}

/// The 8-line feedback delay network.
#[derive(Debug, Default)]
pub struct Lush {
    sample_rate: f32,
    pre: [DelayLine; 2],
    pre_smooth: Smoother,
    diffusers: [[Diffuser; 4]; 2],
    lines: [DelayLine; 8],
    lens: [usize; 8],
    lp: [f32; 8],
    gains: [f32; 8],
    rotors: [Rotor; 8],
    freeze: Smoother,
    /// Control-rate values: decay (the bits it was read as, `None` before the first read),
    /// lowpass coefficient, diffusion gain, depth (frames).
    decay: Option<u32>,
    damp: f32,
    diff: f32,
    depth: f32,
    frame: u64,
    mix: Declick,
    scratch: Scratch,
}

impl Lush {
    /// Reads the control-rate parameters at a control frame.
    fn control(&mut self, decay: f32, diffusion: f32, damping: f32, spin: f32, wander: f32) {
        let sr = self.sample_rate;
        if self.decay != Some(decay.to_bits()) {
            self.decay = Some(decay.to_bits());
            let rt = lush_rt60(decay);
            for (g, &len) in self.gains.iter_mut().zip(&self.lens) {
                *g = 10f32.powf(-3.0 * len as f32 / (sr * rt));
            }
        }
        self.diff = 0.75 * clampf(diffusion, 0.0, 1.0, 0.7);
        self.damp = 0.8 * clampf(damping, 0.0, 1.0, 0.3);
        self.depth = clampf(wander, 0.0, 1.0, 0.2) * MAX_WANDER * sr;
        let rate = 0.05 + 2.95 * clampf(spin, 0.0, 1.0, 0.3);
        for (r, ratio) in self.rotors.iter_mut().zip(&RATE_RATIOS) {
            r.set(rate * ratio / sr);
        }
    }
}

impl Kernel for Lush {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        let sr = sample_rate;
        self.sample_rate = sr;
        for p in self.pre.iter_mut() {
            *p = DelayLine::new((MAX_PREDELAY * sr).ceil() as usize + 2);
        }
        self.pre_smooth.prepare(0.05, sr);
        for (side, lens) in self.diffusers.iter_mut().zip(&LUSH_DIFFUSERS) {
            for (d, &len) in side.iter_mut().zip(lens) {
                let len = scaled(len, 44100.0, sr);
                *d = Diffuser {
                    line: DelayLine::new(len),
                    len,
                };
            }
        }
        let wander = (MAX_WANDER * sr).ceil() as usize + 4;
        for (k, &base) in LINES.iter().enumerate() {
            self.lens[k] = scaled(base, 44100.0, sr);
            self.lines[k] = DelayLine::new(self.lens[k] + wander);
            self.rotors[k] = Rotor::at(k as f32 / 8.0);
        }
        self.lp = [0.0; 8];
        self.freeze.prepare(0.05, sr);
        self.decay = None;
        self.frame = 0;
        self.mix.prepare(sr, max_block);
        self.scratch.prepare(10, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        // Taken out for the block so `self.control` can borrow `self` (no allocation: an empty
        // `Scratch` holds an empty `Vec`).
        let mut scratch = std::mem::take(&mut self.scratch);
        let [il, ir, pre, decay, diff, damp, spin, wander, freeze, mixv] =
            scratch.ports(inputs, 1, n);
        let (ol, or) = out.stereo();
        let pre_frames = |p: f32| clampf(p, 0.0, MAX_PREDELAY, 0.0) * sr;
        let frozen = |f: f32| if f > 0.5 { 1.0 } else { 0.0 };
        self.pre_smooth.prime(pre_frames(pre[0]));
        self.freeze.prime(frozen(freeze[0]));
        let mut mix = std::mem::take(&mut self.mix);
        let mixs = mix.run(mixv, |v| clampf(v, 0.0, 1.0, 0.5));
        for i in 0..n {
            if is_control_frame(self.frame) {
                self.control(decay[i], diff[i], damp[i], spin[i], wander[i]);
            }
            self.frame += 1;
            let d = self.pre_smooth.tick(pre_frames(pre[i]));
            let mut x = [0.0f32; 2];
            for (c, (p, v)) in self.pre.iter_mut().zip([il[i], ir[i]]).enumerate() {
                let y = p.read_linear(d);
                p.push(finite(v));
                let mut y = y;
                for dfs in self.diffusers[c].iter_mut() {
                    y = allpass(&mut dfs.line, dfs.len, self.diff, y);
                }
                x[c] = y;
            }
            let z = self.freeze.tick(frozen(freeze[i]));
            let a = self.damp * (1.0 - z);
            let inject = LUSH_IN * (1.0 - z);
            let mut ys = [0.0f32; 8];
            for (k, y) in ys.iter_mut().enumerate() {
                *y = self.lines[k].read_linear(self.lens[k] as f32 + self.depth * self.rotors[k].s);
                self.rotors[k].step();
            }
            let s = 0.25 * ys.iter().sum::<f32>();
            for (k, &y) in ys.iter().enumerate() {
                let f = y - s;
                self.lp[k] = flush(f + (self.lp[k] - f) * a);
                let g = self.gains[k] + (1.0 - self.gains[k]) * z;
                let inj = x[k & 1] * INJECT_SIGNS[k] * inject;
                self.lines[k].push(flush(self.lp[k] * g + inj));
            }
            let wl = LUSH_OUT * (ys[0] - ys[2] + ys[4] - ys[6]);
            let wr = LUSH_OUT * (ys[1] - ys[3] + ys[5] - ys[7]);
            let m = mixs[i];
            ol[i] = dsp::mix(il[i], wl, m);
            or[i] = dsp::mix(ir[i], wr, m);
        }
        self.mix = mix;
        self.scratch = scratch;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::dsp::testing::{all_finite, impulse, invariant, noise, render, rms, SR};
    use crate::kernels::testing::Src;

    /// RT60 from Schroeder's backward-integrated energy decay curve, extrapolated from the slope
    /// between −5 and −35 dB.
    fn rt60(x: &[f32]) -> f64 {
        let mut edc = vec![0.0f64; x.len() + 1];
        for i in (0..x.len()).rev() {
            edc[i] = edc[i + 1] + (x[i] as f64).powi(2);
        }
        let db = |i: usize| 10.0 * (edc[i] / edc[0]).log10();
        let t5 = (0..x.len()).find(|&i| db(i) <= -5.0).unwrap();
        let t35 = (0..x.len()).find(|&i| db(i) <= -35.0).unwrap();
        (t35 - t5) as f64 / SR as f64 * 2.0
    }

    /// Normalized cross-correlation at lag 0.
    fn correlation(a: &[f32], b: &[f32]) -> f64 {
        let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
        for (&x, &y) in a.iter().zip(b) {
            ab += x as f64 * y as f64;
            aa += (x as f64).powi(2);
            bb += (y as f64).powi(2);
        }
        ab / (aa * bb).sqrt()
    }

    fn music(n: usize) -> Vec<f32> {
        // Noise bursts with gaps: exercises tails and onsets.
        let x = noise(n, 7, 0.5);
        x.iter()
            .enumerate()
            .map(|(i, v)| if (i / 3000) % 3 == 0 { *v } else { 0.0 })
            .collect()
    }

    #[test]
    fn reverb_is_block_size_invariant() {
        let n = 12000;
        let room: Vec<f32> = (0..n).map(|i| (i as f32 / n as f32) * 1.2 - 0.1).collect();
        invariant(
            &|| Box::new(Reverb::default()),
            &[
                Src::Stereo(music(n), noise(n, 3, 0.2)),
                Src::Mono(room),
                Src::Const(0.3),
                Src::Const(0.5),
            ],
            2,
            n,
        );
    }

    /// Freeverb's comb k decays by g every Lₖ frames, so RT60ₖ = 3·Lₖ/(−log₁₀ g)/sr; the sum's
    /// decay lies between the shortest and the longest comb's.
    #[test]
    fn reverb_rt60_matches_comb_feedback() {
        let n = (SR * 3.0) as usize;
        let y = render(
            &mut Reverb::default(),
            &[
                Src::Mono(impulse(n)),
                Src::Const(0.5),
                Src::Const(0.0),
                Src::Const(1.0),
            ],
            2,
            n,
            &[256],
        );
        let g = 0.7 + 0.28 * 0.5f64;
        let rt = |len: usize| 3.0 * len as f64 / (-g.log10()) / SR as f64;
        let (lo, hi) = (rt(1116), rt(1617 + 23));
        for ch in &y {
            let t = rt60(ch);
            assert!(
                t > 0.9 * lo && t < 1.1 * hi,
                "RT60 {t} s, expected {lo}..{hi}"
            );
        }
        // Decorrelated channels: |ρ| well below 1 over the tail.
        let r = correlation(&y[0][2000..], &y[1][2000..]);
        assert!(r.abs() < 0.5, "L/R correlation {r}");
    }

    /// At room_size 1 (feedback 0.98, the maximum) a loud input stays finite and the tail decays
    /// (no blow-up), and a long silence decays to exact zeros (denormals flushed).
    #[test]
    fn reverb_at_max_room_decays() {
        let n = (SR * 4.0) as usize;
        let x: Vec<f32> = noise(n, 5, 1.0)
            .into_iter()
            .enumerate()
            .map(|(i, v)| if i < 22050 { v } else { 0.0 })
            .collect();
        let y = render(
            &mut Reverb::default(),
            &[
                Src::Mono(x),
                Src::Const(1.0),
                Src::Const(0.0),
                Src::Const(1.0),
            ],
            2,
            n,
            &[512],
        );
        for ch in &y {
            assert!(all_finite(ch));
            let early = rms(&ch[22050..44100]);
            let late = rms(&ch[n - 22050..]);
            assert!(late < early, "{late} !< {early}");
            // g = 0.98 per ~1400 frames: ~3.5 s later the level is down by ~0.98^110 ≈ −19 dB.
            assert!(late < early * 0.3, "{late} vs {early}");
        }
        // Damped, short room: decays to exact zeros within 20 s (no denormal floor, no limit cycle).
        let n = (SR * 20.0) as usize;
        let y = render(
            &mut Reverb::default(),
            &[
                Src::Mono(impulse(n)),
                Src::Const(0.0),
                Src::Const(1.0),
                Src::Const(1.0),
            ],
            2,
            n,
            &[512],
        );
        assert!(y.iter().all(|ch| ch[n - 512..].iter().all(|v| *v == 0.0)));
    }

    #[test]
    fn plate_is_block_size_invariant() {
        let n = 10000;
        let pre: Vec<f32> = (0..n).map(|i| if i < 5000 { 0.01 } else { 0.05 }).collect();
        invariant(
            &|| Box::new(Plate::default()),
            &[
                Src::Mono(music(n)),
                Src::Mono(pre),
                Src::Const(0.7),
                Src::Const(0.7),
                Src::Const(0.3),
                Src::Const(0.5),
                Src::Const(0.6),
            ],
            2,
            n,
        );
    }

    /// decay⁴ per 21 589 frames at 29 761 Hz: RT60 = 0.7254 s · 60 / (−80·log₁₀ decay).
    #[test]
    fn plate_rt60_follows_decay() {
        let n = (SR * 4.0) as usize;
        for decay in [0.5f64, 0.7] {
            let y = render(
                &mut Plate::default(),
                &[
                    Src::Mono(impulse(n)),
                    Src::Const(0.0),
                    Src::Const(decay as f32),
                    Src::Const(0.7),
                    Src::Const(0.0),
                    Src::Const(0.0),
                    Src::Const(1.0),
                ],
                2,
                n,
                &[256],
            );
            let want = 21589.0 / 29761.0 * 60.0 / (-80.0 * decay.log10());
            for ch in &y {
                let t = rt60(ch);
                assert!(
                    t > 0.75 * want && t < 1.25 * want,
                    "decay {decay}: RT60 {t} s, expected about {want}"
                );
            }
            let r = correlation(&y[0], &y[1]);
            assert!(r.abs() < 0.5, "L/R correlation {r}");
        }
    }

    /// The maximum decay (0.99) with full modulation stays bounded and decays.
    #[test]
    fn plate_at_max_decay_is_stable() {
        let n = (SR * 4.0) as usize;
        let x: Vec<f32> = noise(n, 9, 1.0)
            .into_iter()
            .enumerate()
            .map(|(i, v)| if i < 22050 { v } else { 0.0 })
            .collect();
        let y = render(
            &mut Plate::default(),
            &[
                Src::Mono(x),
                Src::Const(0.0),
                Src::Const(5.0),
                Src::Const(0.9),
                Src::Const(0.0),
                Src::Const(1.0),
                Src::Const(1.0),
            ],
            2,
            n,
            &[512],
        );
        for ch in &y {
            assert!(all_finite(ch));
            let early = rms(&ch[22050..44100]);
            let late = rms(&ch[n - 22050..]);
            assert!(late < early && early < 10.0, "{early} {late}");
        }
    }

    #[test]
    fn lush_is_block_size_invariant() {
        let n = 10000;
        let freeze: Vec<f32> = (0..n).map(|i| if i > 6000 { 1.0 } else { 0.0 }).collect();
        let decay: Vec<f32> = (0..n).map(|i| i as f32 / n as f32).collect();
        invariant(
            &|| Box::new(Lush::default()),
            &[
                Src::Stereo(music(n), noise(n, 11, 0.3)),
                Src::Const(0.02),
                Src::Mono(decay),
                Src::Const(0.7),
                Src::Const(0.3),
                Src::Const(0.5),
                Src::Const(0.5),
                Src::Mono(freeze),
                Src::Const(0.5),
            ],
            2,
            n,
        );
    }

    /// With damping and wander 0 every mode of the lossless network decays at the set RT60.
    #[test]
    fn lush_rt60_follows_decay() {
        let n = (SR * 3.0) as usize;
        let decay = 0.35f32;
        let want = lush_rt60(decay) as f64;
        assert!((want - 0.3 * 100f64.powf(0.35)).abs() < 1e-4);
        let y = render(
            &mut Lush::default(),
            &[
                Src::Mono(impulse(n)),
                Src::Const(0.0),
                Src::Const(decay),
                Src::Const(0.7),
                Src::Const(0.0),
                Src::Const(0.3),
                Src::Const(0.0),
                Src::Const(0.0),
                Src::Const(1.0),
            ],
            2,
            n,
            &[256],
        );
        for ch in &y {
            let t = rt60(ch);
            assert!(
                t > 0.85 * want && t < 1.15 * want,
                "RT60 {t}, expected {want}"
            );
        }
        let r = correlation(&y[0], &y[1]);
        assert!(r.abs() < 0.5, "L/R correlation {r}");
    }

    /// Freeze holds the tail's energy (lossless recirculation, within interpolation loss) and
    /// never grows it; at decay 1 (30 s) the output stays bounded.
    #[test]
    fn lush_freeze_holds_and_never_grows() {
        let n = (SR * 3.0) as usize;
        let x: Vec<f32> = noise(n, 13, 0.5)
            .into_iter()
            .enumerate()
            .map(|(i, v)| if i < 11025 { v } else { 0.0 })
            .collect();
        let freeze: Vec<f32> = (0..n).map(|i| if i >= 11025 { 1.0 } else { 0.0 }).collect();
        let y = render(
            &mut Lush::default(),
            &[
                Src::Mono(x),
                Src::Const(0.0),
                Src::Const(1.0),
                Src::Const(0.7),
                Src::Const(0.5),
                Src::Const(0.3),
                Src::Const(0.2),
                Src::Mono(freeze),
                Src::Const(1.0),
            ],
            2,
            n,
            &[512],
        );
        for ch in &y {
            assert!(all_finite(ch));
            let a = rms(&ch[22050..44100]);
            let b = rms(&ch[n - 22050..]);
            assert!(b <= a * 1.05, "frozen tail grew: {a} → {b}");
            assert!(b >= a * 0.5, "frozen tail did not hold: {a} → {b}");
        }
    }
}
