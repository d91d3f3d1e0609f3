//! Analysis and control from signals: `rms`, `peak_follower`, `amp_follower`, `schmidt`, `latch`, `sample_hold`, `timer`.
//!
//! `in` ports take a mono or stereo signal (one state per channel; output has as many channels);
//! every other port is mono. Times are in seconds, clamped to 0.0001..60 (NaN reads as the
//! default); their one-pole coefficients are recomputed only when the time changes. Gates and
//! triggers: a value > 0 is on (NaN is off), and a rising edge is off → on.
//!
//! - `rms {in, window=0.1}`: √(mean of in²), the mean a one-pole average with time constant
//!   `window` (as SuperCollider's `RMS`, which low-passes in²): a steady sine of amplitude A reads
//!   A/√2 (ripple at twice its frequency of relative size ≈ 1/(4π·f·window)). Starts at 0.
//! - `peak_follower {in, attack=0.01, release=0.1}`: follows |in| with a one-pole of time
//!   constant `attack` while |in| is above it and `release` while below.
//! - `amp_follower {in, attack=0.01, release=0.1, window=0.01}`: |in| averaged by a one-pole of
//!   time constant `window`, then followed as by `peak_follower`: a sine of amplitude A reads
//!   its mean rectified value 2A/π.
//! - `schmidt {in, hi=0.5, lo=0.3}`: a Schmitt trigger: 1 once in > hi, 0 once in < lo, else it
//!   holds (starts at 0); bounds swapped if lo > hi.
//! - `latch {in, gate=0}` and `sample_hold {in, trig=0}`: sample `in` at each rising edge of the
//!   gate (trigger) and hold it; 0 before the first edge.
//! - `timer {gate=1}`: seconds since the last rising edge of `gate` (0 at the edge's frame); with
//!   no edge yet, seconds since the node started. Mono.

use super::control::{clamp_or, Edge};
use super::scratch::Scratch;
use super::{ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};

const IN: PortSpec = super::audio("in");

use super::param as par;

/// A time constant, s.
const fn secs(name: &'static str, default: f32) -> PortSpec {
    par(name, default)
        .unit("s")
        .range(TIME_RANGE.0, TIME_RANGE.1)
}

/// `rms {in, window}`.
pub const RMS: KindSpec = KindSpec::follows("rms", "RMS level over a window.", &[IN, secs("window", 0.1)], || {
    Box::new(Follower::new(FollowKind::Rms))
});
/// `peak_follower {in, attack, release}`.
pub const PEAK_FOLLOWER: KindSpec = KindSpec::follows(
    "peak_follower",
    "Peak follower.",
    &[IN, secs("attack", 0.01), secs("release", 0.1)],
    || Box::new(Follower::new(FollowKind::Peak)),
);
/// `amp_follower {in, attack, release, window}`.
pub const AMP_FOLLOWER: KindSpec = KindSpec::follows(
    "amp_follower",
    "Amplitude follower.",
    &[
        IN,
        secs("attack", 0.01),
        secs("release", 0.1),
        secs("window", 0.01),
    ],
    || Box::new(Follower::new(FollowKind::Amp)),
);
/// `schmidt {in, hi, lo}`.
pub const SCHMIDT: KindSpec = KindSpec::follows(
    "schmidt",
    "Schmitt trigger: 1 above hi until below lo.",
    &[IN, par("hi", 0.5).unit("value"), par("lo", 0.3).unit("value")],
    || Box::new(Schmidt::default()),
);
/// `latch {in, gate}`.
pub const LATCH: KindSpec = KindSpec::follows(
    "latch",
    "Holds the input's value while the gate is on.",
    &[IN, par("gate", 0.0).unit("gate")],
    || Box::new(Latch::default()),
);
/// `sample_hold {in, trig}`.
pub const SAMPLE_HOLD: KindSpec = KindSpec::follows(
    "sample_hold",
    "Samples the input at each rising edge of trig.",
    &[IN, par("trig", 0.0).unit("gate")],
    || Box::new(Latch::default()),
);
/// `timer {gate}`.
pub const TIMER: KindSpec = KindSpec::new(
    "timer",
    "Seconds since the gate last rose above 0.5.",
    &[par("gate", 1.0).unit("gate")],
    ChannelRule::Mono,
    || Box::new(Timer::default()),
);

/// Time range of the analysis time constants, seconds.
pub const TIME_RANGE: (f32, f32) = (0.0001, 60.0);

/// One-pole coefficients of a time-constant port, cached on the raw value.
#[derive(Clone, Copy, Debug)]
struct Pole {
    raw: u32,
    /// The fraction of the distance covered per frame, 1 − e^(−1/(time·sr)).
    k: f32,
}

impl Pole {
    fn new() -> Pole {
        Pole {
            raw: f32::NAN.to_bits(),
            k: 1.0,
        }
    }

    #[inline(always)]
    fn get(&mut self, t: f32, default: f32, sr: f32) -> f32 {
        if t.to_bits() != self.raw {
            let t = clamp_or(t, default, TIME_RANGE.0, TIME_RANGE.1);
            self.raw = t.to_bits();
            self.k = 1.0 - (-1.0 / (t * sr)).exp();
        }
        self.k
    }
}

/// Fills `out` with the per-frame coefficients of a time port.
fn poles(out: &mut [f32], t: Input, pole: &mut Pole, default: f32, sr: f32) {
    match t {
        Input::Const(t) => out.fill(pole.get(t, default, sr)),
        Input::Block(t) => {
            for (o, t) in out.iter_mut().zip(t) {
                *o = pole.get(*t, default, sr);
            }
        }
    }
}

/// Which follower a [`Follower`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowKind {
    /// √ of the averaged square.
    Rms,
    /// Attack/release on |in|.
    Peak,
    /// Averaged |in|, then attack/release.
    Amp,
}

/// `rms`, `peak_follower` and `amp_follower`.
#[derive(Debug)]
pub struct Follower {
    kind: FollowKind,
    sr: f32,
    /// Per channel: the average (of x² or |x|) and the follower.
    avg: [f32; 2],
    env: [f32; 2],
    poles: [Pole; 3],
    /// This block's coefficients: attack, release, window; each `max_block` long.
    k: Vec<f32>,
    max_block: usize,
    scratch: Scratch,
}

impl Follower {
    /// A follower of `kind`.
    pub fn new(kind: FollowKind) -> Follower {
        Follower {
            kind,
            sr: 44100.0,
            avg: [0.0; 2],
            env: [0.0; 2],
            poles: [Pole::new(); 3],
            k: Vec::new(),
            max_block: 0,
            scratch: Scratch::default(),
        }
    }
}

/// Tiny states flushed to 0 and non-finite ones reset, per frame (so blocks never matter).
#[inline(always)]
fn clean(x: f32) -> f32 {
    if x.is_finite() && x.abs() >= 1e-30 {
        x
    } else {
        0.0
    }
}

impl Kernel for Follower {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sr = sample_rate;
        self.max_block = max_block;
        self.k = vec![0.0; 3 * max_block];
        self.scratch.prepare(1, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sr;
        let mb = self.max_block;
        let (ka, rest) = self.k.split_at_mut(mb);
        let (kr, kw) = rest.split_at_mut(mb);
        let (ka, kr, kw) = (&mut ka[..n], &mut kr[..n], &mut kw[..n]);
        match self.kind {
            FollowKind::Rms => poles(kw, inputs[1].left(), &mut self.poles[2], 0.1, sr),
            FollowKind::Peak | FollowKind::Amp => {
                poles(ka, inputs[1].left(), &mut self.poles[0], 0.01, sr);
                poles(kr, inputs[2].left(), &mut self.poles[1], 0.1, sr);
                if self.kind == FollowKind::Amp {
                    poles(kw, inputs[3].left(), &mut self.poles[2], 0.01, sr);
                }
            }
        }
        for c in 0..out.channels() {
            let o = out.channel(c);
            let [x] = self.scratch.slices([inputs[0].ch[c]], n);
            let (mut avg, mut env) = (self.avg[c], self.env[c]);
            match self.kind {
                FollowKind::Rms => {
                    for i in 0..n {
                        avg = clean(avg + kw[i] * (x[i] * x[i] - avg));
                        o[i] = avg.sqrt();
                    }
                }
                FollowKind::Peak => {
                    for i in 0..n {
                        let a = x[i].abs();
                        let k = if a > env { ka[i] } else { kr[i] };
                        env = clean(env + k * (a - env));
                        o[i] = env;
                    }
                }
                FollowKind::Amp => {
                    for i in 0..n {
                        avg = clean(avg + kw[i] * (x[i].abs() - avg));
                        let k = if avg > env { ka[i] } else { kr[i] };
                        env = clean(env + k * (avg - env));
                        o[i] = env;
                    }
                }
            }
            self.avg[c] = avg;
            self.env[c] = env;
        }
    }
}

/// `schmidt`.
#[derive(Debug, Default)]
pub struct Schmidt {
    on: [bool; 2],
    scratch: Scratch,
}

impl Kernel for Schmidt {
    fn prepare(&mut self, _sample_rate: f32, max_block: usize) {
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        for c in 0..out.channels() {
            let o = out.channel(c);
            let [x, hi, lo] = self
                .scratch
                .slices([inputs[0].ch[c], inputs[1].left(), inputs[2].left()], n);
            let mut on = self.on[c];
            for i in 0..n {
                let (l, h) = if lo[i] <= hi[i] {
                    (lo[i], hi[i])
                } else {
                    (hi[i], lo[i])
                };
                if x[i] > h {
                    on = true;
                } else if x[i] < l {
                    on = false;
                }
                o[i] = if on { 1.0 } else { 0.0 };
            }
            self.on[c] = on;
        }
    }
}

/// `latch` and `sample_hold`.
#[derive(Debug, Default)]
pub struct Latch {
    edge: Edge,
    held: [f32; 2],
    /// This block's rising edges.
    edges: Vec<bool>,
    scratch: Scratch,
}

impl Kernel for Latch {
    fn prepare(&mut self, _sample_rate: f32, max_block: usize) {
        self.edges = vec![false; max_block];
        self.scratch.prepare(1, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let edges = &mut self.edges[..n];
        let edge = &mut self.edge;
        match inputs[1].left() {
            Input::Const(g) => edges.iter_mut().for_each(|e| *e = edge.rising(g)),
            Input::Block(g) => {
                for (e, g) in edges.iter_mut().zip(&g[..n]) {
                    *e = edge.rising(*g);
                }
            }
        }
        for c in 0..out.channels() {
            let o = out.channel(c);
            let [x] = self.scratch.slices([inputs[0].ch[c]], n);
            let mut h = self.held[c];
            for i in 0..n {
                if edges[i] {
                    h = x[i];
                }
                o[i] = h;
            }
            self.held[c] = h;
        }
    }
}

/// `timer`.
#[derive(Debug, Default)]
pub struct Timer {
    inv_sr: f64,
    edge: Edge,
    frames: f64,
}

impl Kernel for Timer {
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.inv_sr = 1.0 / sample_rate as f64;
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let o = out.channel(0);
        let n = o.len();
        let mut t = self.frames;
        let inv = self.inv_sr;
        let edge = &mut self.edge;
        let mut frame = |g: f32| {
            if edge.rising(g) {
                t = 0.0;
            }
            let v = (t * inv) as f32;
            t += 1.0;
            v
        };
        match inputs[0].left() {
            Input::Const(g) => o.iter_mut().for_each(|o| *o = frame(g)),
            Input::Block(g) => {
                for (o, g) in o.iter_mut().zip(&g[..n]) {
                    *o = frame(*g);
                }
            }
        }
        self.frames = t;
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::check::{assert_invariant, render_kind, test_noise, tone, SR};
    use crate::kernels::testing::{assert_same, Src};

    /// rms of a sine of amplitude 0.8 (1 kHz, window 0.1 s) settles at 0.8/√2 within 0.5 % (the
    /// 2 kHz ripple is ≈ 1/(4π·1000·0.1) ≈ 0.08 % of the mean square); of a DC 0.5 it is 0.5;
    /// amp_follower reads the mean rectified value 2·0.8/π within 2 % (its 10 ms window leaves a
    /// ripple of ≈ 1/(2π·2000·0.01) ≈ 0.8 %); peak_follower with a fast attack and a slow release
    /// sits just under the peak (within 3 %).
    #[test]
    fn followers_read_known_levels() {
        let n = 44100;
        let x = tone(1000.0, 0.8, n);
        let r = &render_kind("rms", &[Src::Mono(x.clone()), Src::Const(0.1)], n)[0];
        let want = 0.8 / 2f64.sqrt();
        assert!(
            (r[n - 1] as f64 - want).abs() / want < 0.005,
            "rms {}",
            r[n - 1]
        );
        let r = &render_kind("rms", &[Src::Const(0.5), Src::Const(0.01)], n)[0];
        assert!((r[n - 1] - 0.5).abs() < 1e-4);
        let a = &render_kind(
            "amp_follower",
            &[
                Src::Mono(x.clone()),
                Src::Const(0.001),
                Src::Const(0.001),
                Src::Const(0.01),
            ],
            n,
        )[0];
        let want = 2.0 * 0.8 / std::f64::consts::PI;
        let mean = a[n / 2..].iter().map(|v| *v as f64).sum::<f64>() / (n / 2) as f64;
        assert!((mean - want).abs() / want < 0.02, "amp_follower {mean}");
        let p = &render_kind(
            "peak_follower",
            &[Src::Mono(x), Src::Const(0.0001), Src::Const(1.0)],
            n,
        )[0];
        assert!(
            (p[n - 1] as f64 - 0.8).abs() / 0.8 < 0.03,
            "peak {}",
            p[n - 1]
        );
    }

    /// rms step response: the mean square of a step of 1 is 1 − e^(−t/window), so after one
    /// window (4410 frames at 0.1 s) the reading is √(1 − 1/e) ≈ 0.7951.
    #[test]
    fn rms_time_constant() {
        let r = &render_kind("rms", &[Src::Const(1.0), Src::Const(0.1)], 4411)[0];
        let want = (1.0 - (-1.0f64).exp()).sqrt();
        assert!((r[4410] as f64 - want).abs() < 1e-3, "{}", r[4410]);
    }

    /// schmidt, latch, sample_hold and timer against per-frame references.
    #[test]
    fn triggers_equal_reference() {
        let n = 3000;
        let x = test_noise(n, 21);
        let ramp: Vec<f32> = (0..n).map(|i| ((i as f32) * 0.01).sin()).collect();
        let y = &assert_invariant(
            "schmidt",
            &[Src::Mono(ramp.clone()), Src::Const(0.5), Src::Const(0.3)],
            n,
        )[0];
        let mut on = false;
        let want: Vec<f32> = ramp
            .iter()
            .map(|v| {
                if *v > 0.5 {
                    on = true;
                } else if *v < 0.3 {
                    on = false;
                }
                if on {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        assert_same("schmidt", y, &want);
        let g: Vec<f32> = (0..n)
            .map(|i| if (i / 37) % 3 == 0 { 1.0 } else { 0.0 })
            .collect();
        for kind in ["latch", "sample_hold"] {
            let y = assert_invariant(
                kind,
                &[Src::Stereo(x.clone(), ramp.clone()), Src::Mono(g.clone())],
                n,
            );
            for (c, src) in [&x, &ramp].iter().enumerate() {
                let (mut h, mut high) = (0.0f32, false);
                let want: Vec<f32> = (0..n)
                    .map(|i| {
                        if g[i] > 0.0 && !high {
                            h = src[i];
                        }
                        high = g[i] > 0.0;
                        h
                    })
                    .collect();
                assert_same(kind, &y[c], &want);
            }
        }
        let y = &assert_invariant("timer", &[Src::Mono(g.clone())], n)[0];
        let mut t = 0.0f64;
        let mut high = false;
        let want: Vec<f32> = (0..n)
            .map(|i| {
                if g[i] > 0.0 && !high {
                    t = 0.0;
                }
                high = g[i] > 0.0;
                let v = (t / SR as f64) as f32;
                t += 1.0;
                v
            })
            .collect();
        assert_same("timer", y, &want);
    }

    #[test]
    fn followers_are_block_invariant() {
        let n = 4000;
        let x = test_noise(n, 31);
        let x2 = test_noise(n, 32);
        let t: Vec<f32> = (0..n)
            .map(|i| [0.01, 0.0, f32::NAN, 0.3, 100.0][(i / 333) % 5])
            .collect();
        let (s, t) = (Src::Stereo(x.clone(), x2), Src::Mono(t));
        assert_invariant("rms", &[s.clone(), t.clone()], n);
        assert_invariant("peak_follower", &[s.clone(), t.clone(), t.clone()], n);
        assert_invariant(
            "amp_follower",
            &[s.clone(), t.clone(), t.clone(), t.clone()],
            n,
        );
        assert_invariant(
            "amp_follower",
            &[
                Src::Mono(x),
                Src::Const(0.01),
                Src::Const(0.1),
                Src::Const(0.01),
            ],
            n,
        );
        assert_invariant("timer", &[Src::Const(1.0)], n);
    }
}
