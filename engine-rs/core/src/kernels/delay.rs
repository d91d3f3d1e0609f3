//! Delays: `delay` (feedback echo), `tapedelay` (modulated, saturated, darkening tape echo), `multitap` and `pingpong` (stereo).
//!
//! Common rules: times are seconds and become fractional frame counts (linear interpolation, cubic
//! for `tapedelay`), at least 1 frame, at most the documented maximum (buffers are allocated for
//! that maximum in `prepare`). Feedback is clamped to 0..0.99. Mix is linear:
//! `(1 − mix)·dry + mix·wet`, 0..1. Values written back into a delay line are flushed of
//! denormals and NaN/Inf inputs are read as 0 (the dry path passes the input as it is). Every
//! parameter is read per frame; `mix` and pingpong's `width` are declicked (5 ms one-pole,
//! [`dsp::Declick`]; constant settings are exact).
//!
//! Time changes: `delay`, `multitap` and `pingpong` follow their time with a crossfading read head
//! ([`FadingHead`]): a new time fades from the old read position to the new one over 20 ms (no
//! zipper noise, no pitch sweep; a continuously moving time is followed in 20 ms steps).
//! `tapedelay` instead glides its read head like a tape machine changing speed (one-pole, 0.25 s
//! time constant), which bends the pitch of the echoes while it moves.
//!
//! ## `delay {in, time = 0.25, fb = 0.5, mix = 0.5}`
//! Per channel: wet = line delayed by `time` (0..2 s), line input = in + fb·wet. An impulse gives
//! echoes at k·time of amplitude fb^(k−1) (times mix). Output channels follow `in`.
//!
//! ## `tapedelay {in, time = 0.3, fb = 0.5, wow_rate = 0.5, wow_depth = 0.02, flutter_rate = 6, flutter_depth = 0.05, sat = 0.3, mix = 0.5}`
//! A delay whose read position is modulated by wow (a sine at `wow_rate` Hz, 0.01..10, peak
//! excursion `wow_depth`·10 ms, depth 0..1) and flutter (`flutter_rate` Hz, 0.1..30, excursion
//! `flutter_depth`·1 ms, depth 0..1), read with cubic interpolation (`time` 0..2 s). The read
//! signal passes a one-pole lowpass at 6 kHz (head loss: each repeat is darker) and the line
//! input is saturated: tanh(k·v)/k with k = 4·`sat` (`sat` 0..1; 0 is linear; small signals keep
//! unity gain). Wow and flutter give a pitch deviation of ±2π·rate·excursion (wow_depth 1 at
//! 0.5 Hz: ±3.1 %). Both channels share one transport (the same modulation). Output channels
//! follow `in`.
//!
//! ## `multitap {in, time = 0.125, taps = 4, fb = 0.5, mix = 0.6}`
//! `taps` (1..8, rounded) taps at k·time, k = 1..taps, with gains 1 − (k−1)/taps (1, ¾, ½, ¼ for
//! four); the last tap is fed back with `fb`, so the pattern repeats every taps·time: the echo at
//! (taps·m + k)·time has amplitude gainₖ·fb^m. `time` 0..2 s, and taps·time is limited to 4 s.
//! Output channels follow `in`.
//!
//! ## `pingpong {in, time = 0.25, fb = 0.5, width = 0.8, chan = 0, mix = 0.7}`
//! Two lines cross-fed: the mono sum of `in` enters the line of channel `chan` (< 0.5 left, else
//! right), each line's output is fed back into the other with `fb`, so echoes alternate sides:
//! echo k (at k·time, amplitude fb^(k−1)) is on `chan`'s side for odd k and on the other side
//! for even k. `width` 0..1 blends the sides: wet L = a·(1+w)/2 + b·(1−w)/2 (and mirrored) with a,
//! b the left and right line outputs; width 0 is mono. `time` 0..2 s. Always stereo out.

use super::delayline::{DelayLine, Echoes};
use super::dsp::{self, audio, clampf, finite, flush, param, Declick, Lfo, Scratch, Smoother};
use super::{ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn};

/// Longest `delay`, `tapedelay` and `pingpong` time, seconds.
pub const MAX_TIME: f32 = 2.0;
/// Longest multitap pattern (taps · time), seconds.
pub const MAX_PATTERN: f32 = 4.0;
/// Most multitap taps.
pub const MAX_TAPS: usize = 8;
/// Highest feedback.
pub const MAX_FEEDBACK: f32 = 0.99;
/// Largest tape modulation excursions at depth 1, seconds.
pub const WOW_EXCURSION: f32 = 0.010;
/// See [`WOW_EXCURSION`].
pub const FLUTTER_EXCURSION: f32 = 0.001;
/// Tape head lowpass, Hz.
pub const TAPE_LOWPASS: f32 = 6000.0;
/// Tape read-head glide time constant, seconds.
pub const TAPE_GLIDE: f32 = 0.25;

/// `delay {in, time, fb, mix}`.
pub const DELAY: KindSpec = KindSpec::new(
    "delay",
    "Feedback delay; time up to 2 s, feedback up to 0.99.",
    &[
        audio("in"),
        param("time", 0.25).unit("s").range(0.0, MAX_TIME),
        param("feedback", 0.5).unit("0–1").range(0.0, 0.99),
        param("mix", 0.5).unit("0–1").range(0.0, 1.0),
    ],
    ChannelRule::FollowInputs,
    || Box::new(Delay::default()),
);

/// `tapedelay {in, time, fb, wow_rate, wow_depth, flutter_rate, flutter_depth, sat, mix}`.
pub const TAPEDELAY: KindSpec = KindSpec::new(
    "tapedelay",
    "Tape delay with wow, flutter and saturation.",
    &[
        audio("in"),
        param("time", 0.3).unit("s").range(0.0, MAX_TIME),
        param("feedback", 0.5).unit("0–1").range(0.0, 0.99),
        param("wow_rate", 0.5).unit("Hz"),
        param("wow_depth", 0.02).unit("0–1"),
        param("flutter_rate", 6.0).unit("Hz"),
        param("flutter_depth", 0.05).unit("0–1"),
        param("saturation", 0.3).unit("0–1"),
        param("mix", 0.5).unit("0–1").range(0.0, 1.0),
    ],
    ChannelRule::FollowInputs,
    || Box::new(TapeDelay::default()),
);

/// `multitap {in, time, taps, fb, mix}`.
pub const MULTITAP: KindSpec = KindSpec::new(
    "multitap",
    "Multi-tap delay.",
    &[
        audio("in"),
        param("time", 0.125).unit("s").range(0.0, MAX_TIME),
        param("taps", 4.0).unit("count").range(1.0, 16.0),
        param("feedback", 0.5).unit("0–1").range(0.0, 0.99),
        param("mix", 0.6).unit("0–1").range(0.0, 1.0),
    ],
    ChannelRule::FollowInputs,
    || Box::new(Multitap::default()),
);

/// `pingpong {in, time, fb, width, chan, mix}`.
pub const PINGPONG: KindSpec = KindSpec::new(
    "pingpong",
    "Stereo ping-pong delay.",
    &[
        audio("in"),
        param("time", 0.25).unit("s").range(0.0, MAX_TIME),
        param("feedback", 0.5).unit("0–1").range(0.0, 0.99),
        param("width", 0.8).unit("0–1").range(0.0, 1.0),
        param("channel", 0.0).unit("0/1").range(0.0, 1.0),
        param("mix", 0.7).unit("0–1").range(0.0, 1.0),
    ],
    ChannelRule::Stereo,
    || Box::new(PingPong::default()),
);

#[inline(always)]
fn feedback(fb: f32) -> f32 {
    clampf(fb, 0.0, MAX_FEEDBACK, 0.5)
}

/// Delay time in frames: clamped to 0..`max` seconds, at least one frame.
#[inline(always)]
fn frames(t: f32, max: f32, default: f32, sr: f32) -> f32 {
    (clampf(t, 0.0, max, default) * sr).max(1.0)
}

/// The feedback echo.
#[derive(Debug, Default)]
pub struct Delay {
    sample_rate: f32,
    echoes: Echoes,
    mix: Declick,
    scratch: Scratch,
}

impl Kernel for Delay {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.echoes.prepare(MAX_TIME, sample_rate);
        self.mix.prepare(sample_rate, max_block);
        self.scratch.prepare(5, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let [il, ir, time, fb, mixv] = self.scratch.ports(inputs, 1, n);
        let mixs = self.mix.run(mixv, |v| clampf(v, 0.0, 1.0, 0.5));
        // The time held for the block (a constant port): one delay for every frame.
        let held = matches!(inputs[1].ch[0], Input::Const(_));
        for c in 0..out.channels() {
            let x = [il, ir][c];
            let (line, head) = (&mut self.echoes.lines[c], &mut self.echoes.heads[c]);
            head.prime(frames(time[0], MAX_TIME, 0.25, sr));
            let o = out.channel(c);
            let d = frames(time[0], MAX_TIME, 0.25, sr);
            if held && head.settled_at(d) && d >= n as f32 {
                // A settled head and a delay of at least a block: the block reads only frames
                // pushed before it, so the reads, the pushes and the mix run as three block
                // loops (the per-frame loop's values, bit for bit).
                line.read_linear_block(d, &mut o[..n]);
                line.push_block(n, |i| flush(finite(x[i]) + feedback(fb[i]) * o[i]));
                for ((o, x), m) in o[..n].iter_mut().zip(&x[..n]).zip(&mixs[..n]) {
                    *o = dsp::mix(*x, *o, *m);
                }
                continue;
            }
            for i in 0..n {
                let y = head.read(line, frames(time[i], MAX_TIME, 0.25, sr));
                line.push(flush(finite(x[i]) + feedback(fb[i]) * y));
                o[i] = dsp::mix(x[i], y, mixs[i]);
            }
        }
    }
}

/// The tape echo.
#[derive(Debug, Default)]
pub struct TapeDelay {
    sample_rate: f32,
    lines: [DelayLine; 2],
    glide: Smoother,
    lp: [f32; 2],
    lp_coef: f32,
    wow: Lfo,
    flutter: Lfo,
    /// This block's read delay per frame (glide plus wow and flutter), shared by the channels.
    delays: Vec<f32>,
    mix: Declick,
    scratch: Scratch,
}

/// The tape saturation: tanh(k·v)/k with k = 4·sat, the identity for k → 0.
#[inline(always)]
pub fn tape_saturate(v: f32, sat: f32) -> f32 {
    let k = 4.0 * clampf(sat, 0.0, 1.0, 0.3);
    if k < 1e-4 {
        v
    } else {
        (k * v).tanh() / k
    }
}

impl Kernel for TapeDelay {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        let extra = (WOW_EXCURSION + FLUTTER_EXCURSION) * sample_rate;
        for l in self.lines.iter_mut() {
            *l = DelayLine::new((MAX_TIME * sample_rate + extra).ceil() as usize + 4);
        }
        self.glide.prepare(TAPE_GLIDE, sample_rate);
        self.lp = [0.0; 2];
        self.lp_coef = 1.0
            - (-std::f32::consts::TAU * TAPE_LOWPASS.min(0.45 * sample_rate) / sample_rate).exp();
        self.wow = Lfo::default();
        self.flutter = Lfo::default();
        self.delays = vec![0.0; max_block];
        self.mix.prepare(sample_rate, max_block);
        self.scratch.prepare(10, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let [il, ir, time, fb, wr, wd, fr, fd, sat, mixv] = self.scratch.ports(inputs, 1, n);
        // One transport for both channels: the read delay once per block.
        self.glide.prime(frames(time[0], MAX_TIME, 0.3, sr));
        let delays = &mut self.delays[..n];
        for (i, d) in delays.iter_mut().enumerate() {
            let w = self
                .wow
                .sine(clampf(wr[i], 0.01, 10.0, 0.5) as f64 / sr as f64);
            let f = self
                .flutter
                .sine(clampf(fr[i], 0.1, 30.0, 6.0) as f64 / sr as f64);
            let m = w * clampf(wd[i], 0.0, 1.0, 0.02) * WOW_EXCURSION * sr
                + f * clampf(fd[i], 0.0, 1.0, 0.05) * FLUTTER_EXCURSION * sr;
            *d = self.glide.tick(frames(time[i], MAX_TIME, 0.3, sr)) + m;
        }
        let mixs = self.mix.run(mixv, |v| clampf(v, 0.0, 1.0, 0.5));
        for c in 0..out.channels() {
            let x = [il, ir][c];
            let (line, lp) = (&mut self.lines[c], &mut self.lp[c]);
            let o = out.channel(c);
            for i in 0..n {
                let y = line.read_cubic(delays[i]);
                *lp = flush(*lp + (y - *lp) * self.lp_coef);
                let y = *lp;
                let v = finite(x[i]) + feedback(fb[i]) * y;
                line.push(flush(tape_saturate(v, sat[i])));
                o[i] = dsp::mix(x[i], y, mixs[i]);
            }
        }
    }
}

/// The multi-tap delay.
#[derive(Debug, Default)]
pub struct Multitap {
    sample_rate: f32,
    echoes: Echoes,
    mix: Declick,
    scratch: Scratch,
}

/// Tap count: rounded, 1..=[`MAX_TAPS`], NaN → 4.
#[inline(always)]
fn tap_count(t: f32) -> usize {
    clampf(t, 1.0, MAX_TAPS as f32, 4.0).round() as usize
}

impl Kernel for Multitap {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.echoes.prepare(MAX_PATTERN, sample_rate);
        self.mix.prepare(sample_rate, max_block);
        self.scratch.prepare(6, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let [il, ir, time, taps, fb, mixv] = self.scratch.ports(inputs, 1, n);
        // The base time in frames, limited so that the last tap stays within the pattern limit.
        let base = |t: f32, k: usize| {
            let max = MAX_TIME.min(MAX_PATTERN / k as f32);
            frames(t, max, 0.125, sr)
        };
        let mixs = self.mix.run(mixv, |v| clampf(v, 0.0, 1.0, 0.6));
        for c in 0..out.channels() {
            let x = [il, ir][c];
            let (line, head) = (&mut self.echoes.lines[c], &mut self.echoes.heads[c]);
            head.prime(base(time[0], tap_count(taps[0])));
            let o = out.channel(c);
            for i in 0..n {
                let k = tap_count(taps[i]);
                let (a, b, w) = head.tick(base(time[i], k));
                let mut wet = 0.0;
                let mut last = 0.0;
                for j in 1..=k {
                    let ya = line.read_linear(a * j as f32);
                    let y = if w == 0.0 {
                        ya
                    } else {
                        ya + (line.read_linear(b * j as f32) - ya) * w
                    };
                    wet += y * (1.0 - (j - 1) as f32 / k as f32);
                    last = y;
                }
                line.push(flush(finite(x[i]) + feedback(fb[i]) * last));
                o[i] = dsp::mix(x[i], wet, mixs[i]);
            }
        }
    }
}

/// The ping-pong delay.
#[derive(Debug, Default)]
pub struct PingPong {
    sample_rate: f32,
    echoes: Echoes,
    mix: Declick,
    width: Declick,
    scratch: Scratch,
}

impl Kernel for PingPong {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.echoes.prepare(MAX_TIME, sample_rate);
        self.mix.prepare(sample_rate, max_block);
        self.width.prepare(sample_rate, max_block);
        self.scratch.prepare(7, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let [il, ir, time, fb, width, chan, mixv] = self.scratch.ports(inputs, 1, n);
        let t0 = frames(time[0], MAX_TIME, 0.25, sr);
        self.echoes.heads[0].prime(t0);
        self.echoes.heads[1].prime(t0);
        let [ll, lr] = &mut self.echoes.lines;
        let [hl, hr] = &mut self.echoes.heads;
        let mixs = self.mix.run(mixv, |v| clampf(v, 0.0, 1.0, 0.7));
        let widths = self.width.run(width, |v| clampf(v, 0.0, 1.0, 0.8));
        let (ol, or) = out.stereo();
        for i in 0..n {
            let t = frames(time[i], MAX_TIME, 0.25, sr);
            let a = hl.read(ll, t);
            let b = hr.read(lr, t);
            let x = finite(0.5 * (il[i] + ir[i]));
            let right = clampf(chan[i], 0.0, 1.0, 0.0) >= 0.5;
            let (xl, xr) = if right { (0.0, x) } else { (x, 0.0) };
            let g = feedback(fb[i]);
            ll.push(flush(xl + g * b));
            lr.push(flush(xr + g * a));
            let w = widths[i];
            let (near, far) = (0.5 * (1.0 + w), 0.5 * (1.0 - w));
            let m = mixs[i];
            ol[i] = dsp::mix(il[i], a * near + b * far, m);
            or[i] = dsp::mix(ir[i], b * near + a * far, m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::dsp::testing::{
        all_finite, impulse, invariant, noise, render, rms, sine, zero_cross_freqs, SR,
    };
    use crate::kernels::testing::{assert_same, Src};

    /// Independent per-frame reference of `delay` with a constant whole-frame time.
    fn delay_reference(x: &[f32], d: usize, fb: f32, mix: f32) -> Vec<f32> {
        let mut line = vec![0.0f32; x.len() + d];
        let mut out = Vec::with_capacity(x.len());
        for (i, &v) in x.iter().enumerate() {
            let y = if i >= d { line[i - d] } else { 0.0 };
            line[i] = v + fb * y;
            out.push(v + (y - v) * mix);
        }
        out
    }

    #[test]
    fn delay_equals_reference_and_is_block_size_invariant() {
        let n = 20000;
        let x = noise(n, 21, 0.8);
        let y = invariant(
            &|| Box::new(Delay::default()),
            &[
                Src::Mono(x.clone()),
                Src::Const(0.1),
                Src::Const(0.7),
                Src::Const(0.4),
            ],
            1,
            n,
        );
        // 0.1 s is exactly 4410 frames in f32.
        assert_same("delay", &y[0], &delay_reference(&x, 4410, 0.7, 0.4));
        // Stereo input and a moving time (crossfades): still block-size invariant.
        let time: Vec<f32> = (0..n).map(|i| 0.01 + (i / 3000) as f32 * 0.013).collect();
        invariant(
            &|| Box::new(Delay::default()),
            &[
                Src::Stereo(x.clone(), noise(n, 22, 0.5)),
                Src::Mono(time),
                Src::Const(0.5),
                Src::Const(0.5),
            ],
            2,
            n,
        );
    }

    /// An impulse gives echoes at k·time (± 1 frame for a fractional time) of amplitude fb^(k−1).
    #[test]
    fn delay_echo_times_and_feedback_decay() {
        let n = 30000;
        for (time, fb) in [(0.1f32, 0.5f32), (0.012345, 0.8)] {
            let y = render(
                &mut Delay::default(),
                &[
                    Src::Mono(impulse(n)),
                    Src::Const(time),
                    Src::Const(fb),
                    Src::Const(1.0),
                ],
                1,
                n,
                &[128],
            )[0]
            .clone();
            let d = time as f64 * SR as f64;
            for k in 1..=5 {
                let at = k as f64 * d;
                if at as usize + 2 >= n {
                    break;
                }
                let (lo, hi) = (at.floor() as usize - 1, at.ceil() as usize + 1);
                let peak = (lo..=hi).max_by(|&a, &b| y[a].total_cmp(&y[b])).unwrap();
                assert!(
                    (peak as f64 - at).abs() <= 1.0,
                    "echo {k} at {peak}, want {at}"
                );
                // Energy-free check: the echo's samples sum to fb^(k−1) (linear interpolation
                // splits a fractional echo over two frames, preserving the sum up to the
                // smearing of repeated interpolation, well under 1 %).
                let sum: f32 = y[lo - 3..hi + 3].iter().sum();
                let want = fb.powi(k - 1);
                assert!(
                    (sum - want).abs() < 0.01 * want + 1e-6,
                    "echo {k} sums {sum}, want {want}"
                );
            }
            // Nothing between the first two echoes.
            let first = d.floor() as usize;
            assert!(y[1..first - 1].iter().all(|v| *v == 0.0));
        }
    }

    /// A time step is heard without a click: the output's frame-to-frame change stays at the
    /// size a sine can make, never a jump (a hard switch would jump by up to the amplitude).
    #[test]
    fn delay_time_change_has_no_click() {
        let n = 20000;
        let x = sine(200.0, 0.5, n);
        let time: Vec<f32> = (0..n)
            .map(|i| if i < 9000 { 0.1 } else { 0.1037 })
            .collect();
        let y = render(
            &mut Delay::default(),
            &[
                Src::Mono(x),
                Src::Mono(time),
                Src::Const(0.0),
                Src::Const(1.0),
            ],
            1,
            n,
            &[64],
        )[0]
        .clone();
        // |d/dn| of a 0.5 sine at 200 Hz is ≤ 0.5·2π·200/SR = 0.0142; a crossfade between two
        // such sines over 882 frames adds at most 1/882 per frame.
        let max_step = y
            .windows(2)
            .skip(5000)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(max_step < 0.0142 + 0.0012 + 1e-4, "max step {max_step}");
    }

    #[test]
    fn tapedelay_is_block_size_invariant_and_stable() {
        let n = 12000;
        let x = noise(n, 23, 0.9);
        let time: Vec<f32> = (0..n).map(|i| if i < 6000 { 0.05 } else { 0.08 }).collect();
        let y = invariant(
            &|| Box::new(TapeDelay::default()),
            &[
                Src::Stereo(x.clone(), noise(n, 24, 0.3)),
                Src::Mono(time),
                Src::Const(0.99),
                Src::Const(0.5),
                Src::Const(0.5),
                Src::Const(6.0),
                Src::Const(0.5),
                Src::Const(1.0),
                Src::Const(0.5),
            ],
            2,
            n,
        );
        assert!(y.iter().all(|c| all_finite(c)));
    }

    /// Without modulation and saturation the tape delay echoes at k·time, and since its head
    /// lowpass has unit gain at DC each echo's samples sum to fb^(k−1).
    #[test]
    fn tapedelay_echoes_darken_but_keep_their_sum() {
        let n = 12000;
        let y = render(
            &mut TapeDelay::default(),
            &[
                Src::Mono(impulse(n)),
                Src::Const(0.05),
                Src::Const(0.6),
                Src::Const(0.5),
                Src::Const(0.0),
                Src::Const(6.0),
                Src::Const(0.0),
                Src::Const(0.0),
                Src::Const(1.0),
            ],
            1,
            n,
            &[256],
        )[0]
        .clone();
        let d = (0.05 * SR) as usize;
        let mut widths = Vec::new();
        for k in 1..=4usize {
            let at = k * d;
            let w = &y[at - 2..at + 200];
            let peak = (0..w.len()).max_by(|&a, &b| w[a].total_cmp(&w[b])).unwrap() + at - 2;
            // The head lowpass (k passes, group delay 0.74 frames each) may move the peak later.
            assert!(peak >= at && peak <= at + k, "echo {k} at {peak}");
            let sum: f32 = w.iter().sum();
            let want = 0.6f32.powi(k as i32 - 1);
            assert!(
                (sum - want).abs() < 0.01 * want,
                "echo {k} sums {sum}, want {want}"
            );
            // Darker each time: the peak holds a smaller share of the echo.
            widths.push(y[peak] / sum);
        }
        assert!(widths.windows(2).all(|p| p[1] < p[0]), "{widths:?}");
    }

    /// Wow at depth 1 (10 ms at 0.5 Hz) bends a 1 kHz tone by ±2π·0.5·0.01 = ±3.14 %.
    #[test]
    fn tapedelay_wow_bends_pitch_by_the_documented_amount() {
        let n = (SR * 4.0) as usize;
        let y = render(
            &mut TapeDelay::default(),
            &[
                Src::Mono(sine(1000.0, 0.5, n)),
                Src::Const(0.1),
                Src::Const(0.0),
                Src::Const(0.5),
                Src::Const(1.0),
                Src::Const(6.0),
                Src::Const(0.0),
                Src::Const(0.0),
                Src::Const(1.0),
            ],
            1,
            n,
            &[512],
        )[0]
        .clone();
        let f = zero_cross_freqs(&y[8000..]);
        let (lo, hi) = f
            .iter()
            .fold((f64::MAX, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
        let dev = std::f64::consts::TAU * 0.5 * 0.01;
        assert!((hi / 1000.0 - 1.0 - dev).abs() < 0.004, "max {hi}");
        assert!((1.0 - lo / 1000.0 - dev).abs() < 0.004, "min {lo}");
    }

    #[test]
    fn multitap_echo_pattern() {
        let n = 40000;
        let t = 0.05f32;
        let y = render(
            &mut Multitap::default(),
            &[
                Src::Mono(impulse(n)),
                Src::Const(t),
                Src::Const(3.0),
                Src::Const(0.5),
                Src::Const(1.0),
            ],
            1,
            n,
            &[100],
        )[0]
        .clone();
        let d = (t * SR) as usize;
        // Echo (3m + k)·time has gainₖ·fb^m, gains 1, 2/3, 1/3.
        for m in 0..3 {
            for k in 1..=3 {
                let at = (3 * m + k) * d;
                let want = (1.0 - (k - 1) as f32 / 3.0) * 0.5f32.powi(m as i32);
                assert!(
                    (y[at] - want).abs() < 1e-6,
                    "echo at {at}: {} want {want}",
                    y[at]
                );
                assert_eq!(y[at - 1], 0.0);
                assert_eq!(y[at + 1], 0.0);
            }
        }
        let taps: Vec<f32> = (0..n).map(|i| 1.0 + (i / 5000) as f32).collect();
        invariant(
            &|| Box::new(Multitap::default()),
            &[
                Src::Stereo(noise(n, 25, 0.5), noise(n, 26, 0.5)),
                Src::Const(0.011),
                Src::Mono(taps),
                Src::Const(0.7),
                Src::Const(0.6),
            ],
            2,
            n,
        );
    }

    /// Echoes alternate: odd echoes on `chan`'s side, even ones on the other, amplitude fb^(k−1);
    /// width 0 makes both sides equal.
    #[test]
    fn pingpong_alternates_channels() {
        let n = 30000;
        let d = 4410usize;
        for chan in [0usize, 1] {
            let y = render(
                &mut PingPong::default(),
                &[
                    Src::Mono(impulse(n)),
                    Src::Const(0.1),
                    Src::Const(0.5),
                    Src::Const(1.0),
                    Src::Const(chan as f32),
                    Src::Const(1.0),
                ],
                2,
                n,
                &[333],
            );
            for k in 1..=6usize {
                let near = if k % 2 == 1 { chan } else { 1 - chan };
                // A mono input is its own mono sum: the impulse enters at amplitude 1.
                let want = 0.5f32.powi(k as i32 - 1);
                assert!(
                    (y[near][k * d] - want).abs() < 1e-6,
                    "echo {k}: {}",
                    y[near][k * d]
                );
                assert_eq!(y[1 - near][k * d], 0.0, "echo {k} leaked");
            }
        }
        let y = render(
            &mut PingPong::default(),
            &[
                Src::Mono(noise(n, 27, 0.5)),
                Src::Const(0.1),
                Src::Const(0.5),
                Src::Const(0.0),
                Src::Const(0.0),
                Src::Const(1.0),
            ],
            2,
            n,
            &[64],
        );
        assert_same("width 0", &y[0], &y[1]);
        assert!(rms(&y[0][5000..]) > 0.05);
        invariant(
            &|| Box::new(PingPong::default()),
            &[
                Src::Stereo(noise(n, 28, 0.5), noise(n, 29, 0.5)),
                Src::Mono((0..n).map(|i| 0.02 + (i / 7000) as f32 * 0.01).collect()),
                Src::Const(0.9),
                Src::Const(0.8),
                Src::Mono((0..n).map(|i| ((i / 4000) % 2) as f32).collect()),
                Src::Const(0.7),
            ],
            2,
            n,
        );
    }
}
