//! Modulation effects: `chorus` (stereo), `flanger`, `phaser`, `tremolo`, `vibrato`, `ring` and `ring_mod`.
//!
//! LFOs are sines whose phase starts at 0 and is kept in f64; rates are read per frame (so a rate
//! change never jumps the phase). Depths that move a delay read position are smoothed (20 ms
//! one-pole) so a depth step glides instead of clicking. Modulated delays are read with cubic
//! (Hermite) interpolation from [`DelayLine`]s allocated in `prepare`. Every other parameter is
//! read per frame; chorus `mix` and tremolo `depth` are declicked (5 ms one-pole,
//! [`dsp::Declick`]; constant settings are exact). Unless stated, output channels follow `in` and the same LFO drives both
//! channels.
//!
//! ## `chorus {in, rate = 0.5, depth = 0.5, mix = 0.3}` (stereo out)
//! Two voices per channel read the channel's delay line at 15 ms ± depth·5 ms (`depth` 0..1),
//! modulated by a sine at `rate` Hz (0.01..10); the left voices use phases 0 and ½, the right
//! ones ¼ and ¾, so even a mono input comes out wide. wet = mean of the channel's two voices;
//! out = `(1 − mix)·in + mix·wet`, `mix` 0..1.
//!
//! ## `flanger {in, depth = 0.5, rate = 0.3, feedback = 0.5}`
//! The reference's flanger (ekg/phonon's `Flanger` node): a delay of 3 ms + depth·2 ms·sin
//! (1..5 ms at depth 1; `depth` 0..1, `rate` 0.01..10 Hz) read from the input; the wet signal is
//! the delayed input plus `feedback` (0..0.95) times the previous wet sample,
//! w[n] = d[n] + feedback·w[n − 1] (a one-pole recursion on the wet path, gain 1/(1 − feedback)
//! at DC, as the reference has it; the delay line holds the dry input only); out =
//! (1 − depth/2)·in + (depth/2)·w. Depth 0 passes the input unchanged; with depth 1 and
//! feedback 0 it is ½·(in + in delayed 3..5 ms), a comb whose first notch sweeps 100..167 Hz.
//!
//! ## `phaser {in, rate = 0.5, depth = 0.7, feedback = 0.5, stages = 4}`
//! `stages` (2..12, rounded) first-order allpasses H = (a + z⁻¹)/(1 + a·z⁻¹) whose −90° frequency
//! sweeps f = 200 Hz · 20^(depth·(½ + ½·sin)) (200 Hz .. 4 kHz at depth 1, never above
//! 0.45·sr), a = (tan(π f/sr) − 1)/(tan(π f/sr) + 1); `feedback` (−0.95..0.95) adds the chain's
//! previous output to its input; out = ½·(in + chain). Notches sit where the chain's phase is an
//! odd multiple of −180°: at depth 0 with 2 stages, at 200 Hz. The LFO and `depth` are read every
//! 16 frames ([`super::krate`]) and a is computed there ([`super::fastmath::tan_pi`]) and
//! interpolated linearly in between: a stays in (−1, 1), so every frame's allpass is stable.
//!
//! ## `tremolo {in, rate = 5, depth = 0.5}`
//! out = in · (1 − depth·(½ − ½·cos(2π·phase))): gain 1 at phase 0, 1 − depth at phase ½.
//! `rate` 0..100 Hz, `depth` 0..1.
//!
//! ## `vibrato {in, rate = 5, depth = 0.5}`
//! A delay of 2 frames + A·(1 + sin) with A = (2^(depth/12) − 1)·sr/(2π·rate), so the pitch ratio
//! 1 − d′(t) swings between 2^(depth/12) (up by exactly `depth` semitones) and 2 − 2^(depth/12)
//! (down by slightly more). `rate` 0.1..20 Hz, `depth` 0..12 semitones; A is limited to 0.45 s
//! (at very slow rates and large depths the swing is then smaller). Latency about A + 2 frames.
//!
//! ## `ring {in, freq = 440}`
//! out = in · sin(2π·phase), `freq` Hz, −sr/2..sr/2: a sine at f₀ becomes f₀ ± freq.
//!
//! ## `ring_mod {a, b}`
//! out = a · b, frame by frame; channels: the larger of the two inputs' (mono broadcast).

use super::delayline::DelayLine;
use super::dsp::{self, audio, clampf, finite, flush, param, Declick, Lfo, Scratch, Smoother};
use super::fastmath::tan_pi;
use super::krate::Ramp;
use super::{ChannelRule, Context, Kernel, KindSpec, Outputs, PortIn};
use std::f32::consts::TAU;

/// `chorus {in, rate, depth, mix}`.
pub const CHORUS: KindSpec = KindSpec::new(
    "chorus",
    "Chorus.",
    &[
        audio("in"),
        param("rate", 0.5).unit("Hz"),
        param("depth", 0.5).unit("0–1").range(0.0, 1.0),
        param("mix", 0.3).unit("0–1").range(0.0, 1.0),
    ],
    ChannelRule::Stereo,
    || Box::new(Chorus::default()),
);

/// `flanger {in, depth, rate, feedback}`.
pub const FLANGER: KindSpec = KindSpec::new(
    "flanger",
    "Flanger.",
    &[
        audio("in"),
        param("depth", 0.5).unit("0–1").range(0.0, 1.0),
        param("rate", 0.3).unit("Hz"),
        param("feedback", 0.5).unit("0–0.95").range(0.0, 0.95),
    ],
    ChannelRule::FollowInputs,
    || Box::new(Flanger::default()),
);

/// `phaser {in, rate, depth, feedback, stages}`.
pub const PHASER: KindSpec = KindSpec::new(
    "phaser",
    "Phaser with 2–12 allpass stages.",
    &[
        audio("in"),
        param("rate", 0.5).unit("Hz"),
        param("depth", 0.7).unit("0–1").range(0.0, 1.0),
        param("feedback", 0.5).unit("−1…1").range(-0.95, 0.95),
        param("stages", 4.0).unit("count").range(2.0, 12.0),
    ],
    ChannelRule::FollowInputs,
    || Box::new(Phaser::default()),
);

/// `tremolo {in, rate, depth}`.
pub const TREMOLO: KindSpec = KindSpec::new(
    "tremolo",
    "Amplitude modulation by a sine.",
    &[audio("in"), param("rate", 5.0).unit("Hz"), param("depth", 0.5).unit("0–1").range(0.0, 1.0)],
    ChannelRule::FollowInputs,
    || Box::new(Tremolo::default()),
);

/// `vibrato {in, rate, depth}`.
pub const VIBRATO: KindSpec = KindSpec::new(
    "vibrato",
    "Pitch modulation by a sine.",
    &[audio("in"), param("rate", 5.0).unit("Hz"), param("depth", 0.5).unit("semitones")],
    ChannelRule::FollowInputs,
    || Box::new(Vibrato::default()),
);

/// `ring {in, freq}`.
pub const RING: KindSpec = KindSpec::new(
    "ring",
    "Ring modulation by a sine at freq.",
    &[audio("in"), param("freq", 440.0).unit("Hz")],
    ChannelRule::FollowInputs,
    || Box::new(Ring::default()),
);

/// `ring_mod {a, b}`.
pub const RING_MOD: KindSpec = KindSpec::new(
    "ring_mod",
    "Ring modulation of two signals.",
    &[audio("a"), audio("b")],
    ChannelRule::FollowInputs,
    || Box::new(RingMod::default()),
);

/// Chorus centre delay, seconds.
pub const CHORUS_DELAY: f32 = 0.015;
/// Chorus excursion at depth 1, seconds.
pub const CHORUS_EXCURSION: f32 = 0.005;
/// Flanger centre delay, seconds.
pub const FLANGER_CENTRE: f32 = 0.003;
/// Flanger excursion (±) at depth 1, seconds.
pub const FLANGER_EXCURSION: f32 = 0.002;
/// Most phaser stages.
pub const MAX_STAGES: usize = 12;
/// Longest vibrato excursion A, seconds.
pub const MAX_VIBRATO: f32 = 0.45;
/// Smoothing of depths that move a read position, seconds.
pub const DEPTH_SMOOTHING: f32 = 0.02;

#[inline(always)]
fn lfo_inc(rate: f32, lo: f32, hi: f32, default: f32, sr: f32) -> f64 {
    clampf(rate, lo, hi, default) as f64 / sr as f64
}

/// The stereo chorus.
#[derive(Debug, Default)]
pub struct Chorus {
    sample_rate: f32,
    lines: [DelayLine; 2],
    lfo: Lfo,
    depth: Smoother,
    mix: Declick,
    scratch: Scratch,
}

impl Kernel for Chorus {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        let max = ((CHORUS_DELAY + CHORUS_EXCURSION) * sample_rate).ceil() as usize + 4;
        self.lines = [DelayLine::new(max), DelayLine::new(max)];
        self.lfo = Lfo::default();
        self.depth.prepare(DEPTH_SMOOTHING, sample_rate);
        self.mix.prepare(sample_rate, max_block);
        self.scratch.prepare(5, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let [il, ir, rate, depth, mixv] = self.scratch.ports(inputs, 1, n);
        let (centre, exc) = (CHORUS_DELAY * sr, CHORUS_EXCURSION * sr);
        self.depth.prime(clampf(depth[0], 0.0, 1.0, 0.5));
        let [ll, lr] = &mut self.lines;
        let mixs = self.mix.run(mixv, |v| clampf(v, 0.0, 1.0, 0.3));
        let (ol, or) = out.stereo();
        for i in 0..n {
            let (s, c) = (TAU * self.lfo.step(lfo_inc(rate[i], 0.01, 10.0, 0.5, sr))).sin_cos();
            let a = self.depth.tick(clampf(depth[i], 0.0, 1.0, 0.5)) * exc;
            let wl = 0.5 * (ll.read_cubic(centre + a * s) + ll.read_cubic(centre - a * s));
            let wr = 0.5 * (lr.read_cubic(centre + a * c) + lr.read_cubic(centre - a * c));
            ll.push(finite(il[i]));
            lr.push(finite(ir[i]));
            let m = mixs[i];
            ol[i] = dsp::mix(il[i], wl, m);
            or[i] = dsp::mix(ir[i], wr, m);
        }
    }
}

/// The flanger.
#[derive(Debug, Default)]
pub struct Flanger {
    sample_rate: f32,
    lines: [DelayLine; 2],
    lfo: Lfo,
    depth: Smoother,
    /// This block's delay per frame, shared by the channels.
    delays: Vec<f32>,
    /// This block's wet share (depth/2) per frame.
    mixes: Vec<f32>,
    /// Each channel's previous wet sample (the feedback).
    wet: [f32; 2],
    scratch: Scratch,
}

impl Kernel for Flanger {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        let max = ((FLANGER_CENTRE + FLANGER_EXCURSION) * sample_rate).ceil() as usize + 4;
        self.lines = [DelayLine::new(max), DelayLine::new(max)];
        self.wet = [0.0; 2];
        self.lfo = Lfo::default();
        self.depth.prepare(DEPTH_SMOOTHING, sample_rate);
        self.delays = vec![0.0; max_block];
        self.mixes = vec![0.0; max_block];
        self.scratch.prepare(5, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let [il, ir, depth, rate, fb] = self.scratch.ports(inputs, 1, n);
        // The modulation once per block, shared by both channels: the delay, and the smoothed
        // depth (which also sets the mix) in `mixes`.
        self.depth.prime(clampf(depth[0], 0.0, 1.0, 0.5));
        let delays = &mut self.delays[..n];
        let mixes = &mut self.mixes[..n];
        for (i, (d, m)) in delays.iter_mut().zip(mixes.iter_mut()).enumerate() {
            let s = self.lfo.sine(lfo_inc(rate[i], 0.01, 10.0, 0.3, sr));
            let a = self.depth.tick(clampf(depth[i], 0.0, 1.0, 0.5));
            *d = (FLANGER_CENTRE + a * FLANGER_EXCURSION * s) * sr;
            *m = 0.5 * a;
        }
        for c in 0..out.channels() {
            let x = [il, ir][c];
            let line = &mut self.lines[c];
            let wet = &mut self.wet[c];
            let o = out.channel(c);
            for i in 0..n {
                let xi = finite(x[i]);
                let g = clampf(fb[i], 0.0, 0.95, 0.5);
                *wet = flush(line.read_cubic(delays[i]) + g * *wet);
                line.push(xi);
                o[i] = (1.0 - mixes[i]) * xi + mixes[i] * *wet;
            }
        }
    }
}

/// Allpass coefficient whose −90° point is at `f` Hz.
#[inline(always)]
pub fn allpass_coef(f: f32, sr: f32) -> f32 {
    let t = tan_pi(f.min(0.45 * sr) / sr);
    (t - 1.0) / (t + 1.0)
}

/// The phaser.
#[derive(Debug, Default)]
pub struct Phaser {
    sample_rate: f32,
    /// Per channel: each stage's state, and the chain's last output (the feedback).
    states: [[f32; MAX_STAGES]; 2],
    last: [f32; 2],
    lfo: Lfo,
    /// The allpass coefficient at control rate, and this block's targets.
    ramp: Ramp<1>,
    targets: Vec<[f64; 1]>,
    /// This block's allpass coefficient per frame, shared by the channels.
    coefs: Vec<f32>,
    scratch: Scratch,
}

impl Kernel for Phaser {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.states = [[0.0; MAX_STAGES]; 2];
        self.last = [0.0; 2];
        self.lfo = Lfo::default();
        self.ramp = Ramp::default();
        self.targets = vec![[0.0]; Ramp::<1>::max_controls(max_block)];
        self.coefs = vec![0.0; max_block];
        self.scratch.prepare(6, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let [il, ir, rate, depth, fb, stages] = self.scratch.ports(inputs, 1, n);
        // The LFO's phase moves every frame; the sweep and its coefficient are computed at the
        // control frames only and interpolated in between.
        let coefs = &mut self.coefs[..n];
        let mut controls = self.ramp.control_frames(n).peekable();
        let mut m = 0;
        for i in 0..n {
            let phase = self.lfo.step(lfo_inc(rate[i], 0.01, 10.0, 0.5, sr));
            if controls.next_if_eq(&i).is_some() {
                let sweep = clampf(depth[i], 0.0, 1.0, 0.7) * (0.5 + 0.5 * (TAU * phase).sin());
                self.targets[m] = [allpass_coef(200.0 * 20f32.powf(sweep), sr) as f64];
                m += 1;
            }
        }
        let targets = &self.targets[..m];
        self.ramp.run(targets, n, |i, c| coefs[i] = c[0] as f32);
        self.ramp.advance(targets, n);
        for c in 0..out.channels() {
            let x = [il, ir][c];
            let (st, last) = (&mut self.states[c], &mut self.last[c]);
            let o = out.channel(c);
            for i in 0..n {
                let a = coefs[i];
                let k = clampf(stages[i], 2.0, MAX_STAGES as f32, 4.0).round() as usize;
                let mut v = finite(x[i]) + clampf(fb[i], -0.95, 0.95, 0.5) * *last;
                for s in st[..k].iter_mut() {
                    let y = a * v + *s;
                    *s = flush(v - a * y);
                    v = y;
                }
                *last = flush(v);
                o[i] = 0.5 * (x[i] + v);
            }
        }
    }
}

/// Tremolo gain at a unit phase for `depth`.
#[inline(always)]
pub fn tremolo_gain(phase: f32, depth: f32) -> f32 {
    1.0 - clampf(depth, 0.0, 1.0, 0.5) * (0.5 - 0.5 * (TAU * phase).cos())
}

/// The tremolo.
#[derive(Debug, Default)]
pub struct Tremolo {
    sample_rate: f32,
    lfo: Lfo,
    gain: Vec<f32>,
    depth: Declick,
    scratch: Scratch,
}

impl Kernel for Tremolo {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.lfo = Lfo::default();
        self.gain = vec![0.0; max_block];
        self.depth.prepare(sample_rate, max_block);
        self.scratch.prepare(4, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let [il, ir, rate, depth] = self.scratch.ports(inputs, 1, n);
        let depth = self.depth.run(depth, |v| clampf(v, 0.0, 1.0, 0.5));
        let gain = &mut self.gain[..n];
        for (i, g) in gain.iter_mut().enumerate() {
            let p = self.lfo.step(lfo_inc(rate[i], 0.0, 100.0, 5.0, sr));
            *g = tremolo_gain(p, depth[i]);
        }
        for c in 0..out.channels() {
            let x = [il, ir][c];
            for ((o, &v), &g) in out.channel(c).iter_mut().zip(x).zip(gain.iter()) {
                *o = v * g;
            }
        }
    }
}

/// Vibrato excursion A in frames for a rate and depth (semitones), clamped.
#[inline(always)]
pub fn vibrato_excursion(rate: f32, depth: f32, sr: f32) -> f32 {
    let rate = clampf(rate, 0.1, 20.0, 5.0);
    let depth = clampf(depth, 0.0, 12.0, 0.5);
    ((depth / 12.0).exp2() - 1.0) * sr / (TAU * rate)
}

/// The vibrato.
#[derive(Debug, Default)]
pub struct Vibrato {
    sample_rate: f32,
    lines: [DelayLine; 2],
    lfo: Lfo,
    exc: Smoother,
    /// This block's delay per frame, shared by the channels.
    delays: Vec<f32>,
    scratch: Scratch,
}

impl Kernel for Vibrato {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        let max = (2.0 * MAX_VIBRATO * sample_rate).ceil() as usize + 8;
        self.lines = [DelayLine::new(max), DelayLine::new(max)];
        self.lfo = Lfo::default();
        self.exc.prepare(DEPTH_SMOOTHING, sample_rate);
        self.delays = vec![0.0; max_block];
        self.scratch.prepare(4, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let [il, ir, rate, depth] = self.scratch.ports(inputs, 1, n);
        let max = MAX_VIBRATO * sr;
        self.exc
            .prime(vibrato_excursion(rate[0], depth[0], sr).min(max));
        let delays = &mut self.delays[..n];
        for (i, d) in delays.iter_mut().enumerate() {
            let s = self.lfo.sine(lfo_inc(rate[i], 0.1, 20.0, 5.0, sr));
            let a = self
                .exc
                .tick(vibrato_excursion(rate[i], depth[i], sr).min(max));
            *d = 2.0 + a * (1.0 + s);
        }
        for c in 0..out.channels() {
            let x = [il, ir][c];
            let line = &mut self.lines[c];
            for ((o, &v), &d) in out.channel(c).iter_mut().zip(x).zip(delays.iter()) {
                *o = line.read_cubic(d);
                line.push(finite(v));
            }
        }
    }
}

/// Ring modulation by a sine.
#[derive(Debug, Default)]
pub struct Ring {
    sample_rate: f32,
    phase: f64,
    carrier: Vec<f32>,
    scratch: Scratch,
}

impl Kernel for Ring {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.phase = 0.0;
        self.carrier = vec![0.0; max_block];
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let [il, ir, freq] = self.scratch.ports(inputs, 1, n);
        let nyq = 0.5 * sr;
        let mut p = self.phase;
        for (i, c) in self.carrier[..n].iter_mut().enumerate() {
            *c = (std::f64::consts::TAU * p).sin() as f32;
            p += clampf(freq[i], -nyq, nyq, 440.0) as f64 / sr as f64;
            p -= p.floor();
        }
        self.phase = p;
        let carrier = &self.carrier[..n];
        for c in 0..out.channels() {
            let x = [il, ir][c];
            for ((o, &v), &m) in out.channel(c).iter_mut().zip(x).zip(carrier) {
                *o = v * m;
            }
        }
    }
}

/// Ring modulation of two signals.
#[derive(Debug, Default)]
pub struct RingMod {
    scratch: Scratch,
}

impl Kernel for RingMod {
    fn prepare(&mut self, _sample_rate: f32, max_block: usize) {
        self.scratch.prepare(4, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let [al, ar, bl, br] = self.scratch.ports(inputs, 2, n);
        for c in 0..out.channels() {
            let (a, b) = ([al, ar][c], [bl, br][c]);
            for ((o, &x), &y) in out.channel(c).iter_mut().zip(a).zip(b) {
                *o = x * y;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::dsp::testing::{
        dft_mag, invariant, noise, render, rms, sine, zero_cross_freqs, SR,
    };
    use crate::kernels::testing::{assert_same, Src};

    #[test]
    fn chorus_is_invariant_wide_and_centred_on_15ms() {
        let n = 20000;
        let rate: Vec<f32> = (0..n).map(|i| 0.5 + (i / 4000) as f32).collect();
        let depth: Vec<f32> = (0..n).map(|i| ((i / 5000) % 2) as f32).collect();
        invariant(
            &|| Box::new(Chorus::default()),
            &[
                Src::Mono(noise(n, 41, 0.5)),
                Src::Mono(rate),
                Src::Mono(depth),
                Src::Const(0.5),
            ],
            2,
            n,
        );
        // Depth 0: both channels are the input delayed by exactly 15 ms (661.5 frames).
        let x = sine(500.0, 0.5, n);
        let y = render(
            &mut Chorus::default(),
            &[
                Src::Mono(x),
                Src::Const(1.0),
                Src::Const(0.0),
                Src::Const(1.0),
            ],
            2,
            n,
            &[256],
        );
        assert_same("depth 0 L = R", &y[0], &y[1]);
        for (i, v) in y[0].iter().enumerate().skip(1000) {
            let want = 0.5 * (std::f64::consts::TAU * 500.0 * (i as f64 / SR as f64 - 0.015)).sin();
            assert!((*v as f64 - want).abs() < 2e-4, "frame {i}");
        }
        // Depth 1 on a mono input: the channels differ (stereo from mono).
        let y = render(
            &mut Chorus::default(),
            &[
                Src::Mono(noise(n, 42, 0.5)),
                Src::Const(1.0),
                Src::Const(1.0),
                Src::Const(1.0),
            ],
            2,
            n,
            &[256],
        );
        let diff: Vec<f32> = y[0].iter().zip(&y[1]).map(|(a, b)| a - b).collect();
        assert!(rms(&diff[2000..]) > 0.05 * rms(&y[0][2000..]));
    }

    /// The reference's flanger written out from its definition (ekg/phonon's `Flanger` node:
    /// delay 3 ms + depth·2 ms·sin(2π·rate·t), linear interpolation, wet = delayed +
    /// feedback·previous wet, out = (1 − depth/2)·in + depth/2·wet), in f64.
    fn reference_flanger(x: &[f32], depth: f64, rate: f64, fb: f64) -> Vec<f64> {
        let sr = SR as f64;
        let len = (sr * 0.01) as usize;
        let (mut buf, mut w, mut phase, mut wet) = (vec![0.0f64; len], 0usize, 0.0f64, 0.0f64);
        let mix = 0.5 * depth;
        x.iter()
            .map(|&x| {
                let d = (0.003 + (phase * std::f64::consts::TAU).sin() * depth * 0.002) * sr;
                let rp = (w as f64 + len as f64 - d) % len as f64;
                let (i, fr) = (rp.floor() as usize, rp - rp.floor());
                let delayed = buf[i % len] + (buf[(i + 1) % len] - buf[i % len]) * fr;
                wet = delayed + fb * wet;
                buf[w] = x as f64;
                w = (w + 1) % len;
                phase = (phase + rate / sr) % 1.0;
                (1.0 - mix) * x as f64 + mix * wet
            })
            .collect()
    }

    /// The flanger is the reference's: (1) a DC input of 1 at depth 1, feedback 0.7 settles at
    /// 0.5 + 0.5/(1 − 0.7) = 2.1667 (the wet recursion's DC gain 1/(1 − feedback)); (2) depth 0
    /// passes the input unchanged; (3) depth 1, feedback 0 is ½·(in + in delayed 3 ms) while the
    /// LFO (0.01 Hz, from phase 0) has hardly moved: |H| = |cos(π·f·3 ms)|, a notch at 166.7 Hz
    /// and unity at 333.3 Hz; (4) a 110 Hz saw at 0.15 through `flanger 1 0.5 0.7` matches the
    /// formula above (our cubic interpolation against its linear one: RMS within 0.1 dB, the
    /// difference 30 dB below the signal).
    #[test]
    fn flanger_is_the_reference_flanger() {
        let n = 20000;
        let run = |x: Src, depth: f32, rate: f32, fb: f32| {
            render(
                &mut Flanger::default(),
                &[x, Src::Const(depth), Src::Const(rate), Src::Const(fb)],
                1,
                n,
                &[128],
            )
            .remove(0)
        };
        let dc = run(Src::Const(1.0), 1.0, 0.5, 0.7);
        assert!((dc[n - 1] - (0.5 + 0.5 / 0.3)).abs() < 1e-3, "DC {}", dc[n - 1]);
        let x = noise(n, 41, 0.5);
        assert_eq!(run(Src::Mono(x.clone()), 0.0, 0.5, 0.7), x);
        let level = |f: f64| {
            let y = run(Src::Mono(sine(f, 0.5, n)), 1.0, 0.01, 0.0);
            20.0 * (rms(&y[2000..11025]) / (0.5 / 2f64.sqrt())).log10()
        };
        let (notch, pass) = (level(1000.0 / 6.0), level(1000.0 / 3.0));
        assert!(notch < -25.0, "166.7 Hz: {notch} dB");
        assert!(pass.abs() < 0.1, "333.3 Hz: {pass} dB");
        let saw: Vec<f32> = (0..n).map(|i| (0.15 * (2.0 * ((i as f64 * 110.0 / SR as f64) % 1.0) - 1.0)) as f32).collect();
        let y = run(Src::Mono(saw.clone()), 1.0, 0.5, 0.7);
        let want = reference_flanger(&saw, 1.0, 0.5, 0.7);
        let got_rms = rms(&y[2000..]);
        let want_rms = (want[2000..].iter().map(|v| v * v).sum::<f64>() / (n - 2000) as f64).sqrt();
        assert!((20.0 * (got_rms / want_rms).log10()).abs() < 0.1, "{got_rms} vs {want_rms}");
        let diff: Vec<f32> = y.iter().zip(&want).map(|(a, b)| (*a as f64 - b) as f32).collect();
        assert!(20.0 * (rms(&diff[2000..]) / want_rms).log10() < -30.0);
        invariant(
            &|| Box::new(Flanger::default()),
            &[
                Src::Stereo(noise(n, 43, 0.5), noise(n, 44, 0.5)),
                Src::Mono((0..n).map(|i| (i / 3000) as f32 * 0.2).collect()),
                Src::Const(2.0),
                Src::Const(0.9),
            ],
            2,
            n,
        );
    }

    /// Depth 0 (allpass −90° at 200 Hz), feedback 0: with 2 stages the chain is −180° at 200 Hz,
    /// which cancels; with 4 stages each stage is −45° (f = 200·tan 22.5° ≈ 82.8 Hz) or −135°
    /// (f = 200·tan 67.5° ≈ 482.8 Hz), both notches (the tangent rule is the bilinear
    /// transform's, so the frequencies are computed with the same warping).
    #[test]
    fn phaser_notches_where_the_phase_is_180() {
        let n = 44100;
        let level = |f: f64, stages: f32| {
            let y = render(
                &mut Phaser::default(),
                &[
                    Src::Mono(sine(f, 0.5, n)),
                    Src::Const(1.0),
                    Src::Const(0.0),
                    Src::Const(0.0),
                    Src::Const(stages),
                ],
                1,
                n,
                &[128],
            );
            20.0 * (rms(&y[0][n / 2..]) / (0.5 / 2f64.sqrt())).log10()
        };
        let warp = |k: f64| {
            let tb = (std::f64::consts::PI * 200.0 / SR as f64).tan();
            (tb * k).atan() * SR as f64 / std::f64::consts::PI
        };
        assert!(level(200.0, 2.0) < -40.0);
        assert!(level(warp((std::f64::consts::PI / 8.0).tan()), 4.0) < -40.0);
        assert!(level(warp((3.0 * std::f64::consts::PI / 8.0).tan()), 4.0) < -40.0);
        // Between notches the level is near unity (|½(1 + e^{jφ})| with φ near 0 at 5 kHz).
        assert!(level(5000.0, 2.0) > -1.0);
        invariant(
            &|| Box::new(Phaser::default()),
            &[
                Src::Mono(noise(n / 4, 45, 0.5)),
                Src::Const(3.0),
                Src::Const(1.0),
                Src::Const(0.9),
                Src::Mono((0..n / 4).map(|i| 2.0 + (i / 1000) as f32).collect()),
            ],
            1,
            n / 4,
        );
    }

    /// On a DC input the gain swings between exactly 1 and 1 − depth, with period 1/rate.
    #[test]
    fn tremolo_depth_and_rate() {
        let n = 44100;
        let y = invariant(
            &|| Box::new(Tremolo::default()),
            &[Src::Const(1.0), Src::Const(4.0), Src::Const(0.6)],
            1,
            n,
        );
        for (i, v) in y[0].iter().enumerate() {
            let p = (4.0 * i as f64 / SR as f64).fract();
            let want = 1.0 - 0.6 * (0.5 - 0.5 * (std::f64::consts::TAU * p).cos());
            assert!((*v as f64 - want).abs() < 1e-5, "frame {i}: {v} vs {want}");
        }
        let (lo, hi) = y[0]
            .iter()
            .fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
        assert!(
            (hi - 1.0).abs() < 1e-6 && (lo - 0.4).abs() < 1e-4,
            "{lo} {hi}"
        );
    }

    /// A 1 kHz tone with 1 semitone of vibrato swings between 1000·2^(1/12) = 1059.5 Hz and
    /// 1000·(2 − 2^(1/12)) = 940.5 Hz.
    #[test]
    fn vibrato_swings_by_the_depth_in_semitones() {
        let n = 44100;
        let y = invariant(
            &|| Box::new(Vibrato::default()),
            &[
                Src::Mono(sine(1000.0, 0.5, n)),
                Src::Const(4.0),
                Src::Const(1.0),
            ],
            1,
            n,
        );
        let f = zero_cross_freqs(&y[0][4000..]);
        let (lo, hi) = f
            .iter()
            .fold((f64::MAX, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
        let up = 1000.0 * 2f64.powf(1.0 / 12.0);
        assert!((hi - up).abs() < 2.0, "max {hi} want {up}");
        assert!(
            (lo - (2000.0 - up)).abs() < 2.0,
            "min {lo} want {}",
            2000.0 - up
        );
    }

    /// A 1 kHz sine ring-modulated at 300 Hz has its energy at 700 and 1300 Hz (A/2 each) and
    /// none at 1000 or 300 Hz.
    #[test]
    fn ring_makes_sum_and_difference() {
        let n = 44100;
        let y = invariant(
            &|| Box::new(Ring::default()),
            &[Src::Mono(sine(1000.0, 1.0, n)), Src::Const(300.0)],
            1,
            n,
        );
        // dft_mag of a unit sine on its bin is 1/4; each sideband has amplitude ½ → 1/8.
        for f in [700.0, 1300.0] {
            let m = dft_mag(&y[0], f);
            assert!((m - 0.125).abs() < 0.002, "{f} Hz: {m}");
        }
        for f in [300.0, 1000.0] {
            assert!(dft_mag(&y[0], f) < 1e-3, "{f} Hz present");
        }
        // ring_mod of two sines: the same product, frame for frame.
        let a = sine(1000.0, 1.0, n);
        let b = sine(300.0, 1.0, n);
        let y2 = invariant(
            &|| Box::new(RingMod::default()),
            &[Src::Mono(a.clone()), Src::Stereo(b.clone(), a.clone())],
            2,
            n,
        );
        let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
        assert_same("ring_mod L", &y2[0], &want);
        let sq: Vec<f32> = a.iter().map(|x| x * x).collect();
        assert_same("ring_mod R", &y2[1], &sq);
        assert!((dft_mag(&y2[0], 700.0) - 0.125).abs() < 0.002);
    }
}
