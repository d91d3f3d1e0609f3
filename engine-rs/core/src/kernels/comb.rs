//! Comb and all-pass filters: `comb` (feedback comb on a fractional delay) and `allpass` (first order).
//!
//! `in` is mono or stereo (one state per channel; output as many channels); the other ports are
//! mono and ramp over 5 ms when they change ([`super::control::Glide`]: a jump in a delay time or
//! a feedback gain would click).
//!
//! - `comb {in, freq=1000, feedback=0.5}`: y[n] = in[n] + feedback·y[n − D], D = sr/freq frames
//!   (fractional delays by linear interpolation). Peaks at multiples of `freq` with gain
//!   1/(1 − feedback), troughs half-way with 1/(1 + feedback). `freq` in Hz clamped to 20..sr/2
//!   (NaN reads as 1000); the delay line, allocated in `prepare`, holds sr/20 frames.
//!   `feedback` clamped to −0.99..0.99 (NaN reads as 0.5).
//! - `allpass {in, coeff=0.5}`: y[n] = −c·in[n] + in[n − 1] + c·y[n − 1]: unity gain at every
//!   frequency, phase −π at Nyquist, and at ω the phase of (e^(−jω) − c)/(1 − c·e^(−jω)).
//!   `coeff` clamped to −0.99..0.99 (NaN reads as 0.5).

use super::delayline::DelayLine;
use super::control::{clamp_or, Glide};
use super::scratch::Scratch;
use super::{ChannelRule, Context, Kernel, KindSpec, Outputs, PortIn, PortSpec};

const IN: PortSpec = super::audio("in");

use super::param as par;

/// `comb {in, freq, feedback}`.
pub const COMB: KindSpec = KindSpec::new(
    "comb",
    "Feedback comb filter tuned to freq.",
    &[IN, par("freq", 1000.0).unit("Hz, 20…Nyquist"), par("feedback", 0.5).unit("−1…1").range(-0.99, 0.99)],
    ChannelRule::FollowInputs,
    || Box::new(Comb::default()),
);

/// `allpass {in, coeff}`.
pub const ALLPASS: KindSpec = KindSpec::new(
    "allpass",
    "First-order allpass.",
    &[IN, par("coeff", 0.5).unit("−1…1").range(-0.99, 0.99)],
    ChannelRule::FollowInputs,
    || Box::new(Allpass::default()),
);

/// Lowest comb frequency, Hz.
pub const MIN_FREQ: f32 = 20.0;

/// `comb`.
#[derive(Debug, Default)]
pub struct Comb {
    sr: f32,
    lines: [DelayLine; 2],
    glides: [Glide; 2],
    /// This block's delays (frames) and feedbacks.
    delay: Vec<f32>,
    fb: Vec<f32>,
    scratch: Scratch,
}

impl Kernel for Comb {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sr = sample_rate;
        let len = (sample_rate / MIN_FREQ).ceil() as usize + 4;
        for l in &mut self.lines {
            *l = DelayLine::ring(len);
        }
        for g in &mut self.glides {
            g.prepare(sample_rate);
        }
        self.delay = vec![0.0; max_block];
        self.fb = vec![0.0; max_block];
        self.scratch.prepare(2, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sr;
        {
            let [f, fb] = self.scratch.ports(&inputs[1..], 0, n);
            let [gf, gb] = &mut self.glides;
            for i in 0..n {
                let fi = gf.next(clamp_or(f[i], 1000.0, MIN_FREQ, 0.5 * sr));
                self.delay[i] = sr / fi;
                self.fb[i] = gb.next(clamp_or(fb[i], 0.5, -0.99, 0.99));
            }
        }
        let (delay, fb) = (&self.delay[..n], &self.fb[..n]);
        for c in 0..out.channels() {
            let o = out.channel(c);
            let [x] = self.scratch.slices([inputs[0].ch[c]], n);
            let line = &mut self.lines[c];
            for i in 0..n {
                let y = x[i] + fb[i] * line.read_linear(delay[i]);
                line.push(y);
                o[i] = y;
            }
            if !o.iter().all(|v| v.is_finite()) {
                line.settle();
            }
        }
    }
}

/// `allpass`.
#[derive(Debug, Default)]
pub struct Allpass {
    glide: Glide,
    /// Per channel: last input and output.
    x1: [f32; 2],
    y1: [f32; 2],
    coef: Vec<f32>,
    scratch: Scratch,
}

impl Kernel for Allpass {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.glide.prepare(sample_rate);
        self.coef = vec![0.0; max_block];
        self.scratch.prepare(1, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        {
            let [c] = self.scratch.ports(&inputs[1..], 0, n);
            for (k, c) in self.coef[..n].iter_mut().zip(c) {
                *k = self.glide.next(clamp_or(*c, 0.5, -0.99, 0.99));
            }
        }
        let coef = &self.coef[..n];
        for ch in 0..out.channels() {
            let o = out.channel(ch);
            let [x] = self.scratch.slices([inputs[0].ch[ch]], n);
            let (mut x1, mut y1) = (self.x1[ch], self.y1[ch]);
            for i in 0..n {
                let y = -coef[i] * x[i] + x1 + coef[i] * y1;
                x1 = x[i];
                y1 = if y.is_finite() { y } else { 0.0 };
                o[i] = y;
            }
            self.x1[ch] = if x1.is_finite() { x1 } else { 0.0 };
            self.y1[ch] = y1;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::check::{assert_invariant, db, gain_at, render_kind, test_noise, tone, SR};
    use crate::kernels::testing::{assert_same, Src};

    /// comb 441 Hz (D = 100 frames exactly), feedback 0.5: a peak of 1/(1 − 0.5) = +6.02 dB at
    /// 441 and 882 Hz, a trough of 1/(1 + 0.5) = −3.52 dB at 661.5 Hz, and in general
    /// 1/|1 − 0.5·e^(−jωD)| (within 0.05 dB); and it equals the per-frame recursion.
    #[test]
    fn comb_peaks_and_troughs() {
        let srcs = [Src::Const(0.0), Src::Const(441.0), Src::Const(0.5)];
        for f in [441.0, 661.5, 882.0, 1000.0] {
            let w = std::f64::consts::TAU * f / SR as f64 * 100.0;
            let want = 1.0 / ((1.0 - 0.5 * w.cos()).powi(2) + (0.5 * w.sin()).powi(2)).sqrt();
            let got = gain_at("comb", &srcs, f);
            assert!(
                (db(got) - db(want)).abs() < 0.05,
                "comb at {f}: {} vs {}",
                db(got),
                db(want)
            );
        }
        let n = 2000;
        let x = test_noise(n, 9);
        let y = &render_kind(
            "comb",
            &[Src::Mono(x.clone()), Src::Const(441.0), Src::Const(0.5)],
            n,
        )[0];
        let mut r = vec![0.0f32; n];
        for i in 0..n {
            r[i] = x[i] + if i >= 100 { 0.5 * r[i - 100] } else { 0.0 };
        }
        assert_same("comb", y, &r);
    }

    /// allpass 0.5: gain 1 (within 0.01 dB) at 100 Hz..15 kHz, and the output's phase relative to
    /// the input at 5 kHz is arg((e^(−jω) − 0.5)/(1 − 0.5·e^(−jω))) within 0.01 rad.
    #[test]
    fn allpass_is_flat_with_the_right_phase() {
        let srcs = [Src::Const(0.0), Src::Const(0.5)];
        for f in [100.0, 1000.0, 5000.0, 15000.0] {
            let g = gain_at("allpass", &srcs, f);
            assert!(db(g).abs() < 0.01, "allpass at {f}: {} dB", db(g));
        }
        let n = 8192;
        let f = 5000.0;
        let x = tone(f, 0.5, n);
        let y = &render_kind("allpass", &[Src::Mono(x.clone()), Src::Const(0.5)], n)[0];
        let phase = |s: &[f32]| {
            let (mut re, mut im) = (0.0, 0.0);
            for (i, v) in s.iter().enumerate().skip(n / 2) {
                let ph = std::f64::consts::TAU * f * i as f64 / SR as f64;
                re += *v as f64 * ph.cos();
                im -= *v as f64 * ph.sin();
            }
            im.atan2(re)
        };
        let got = phase(y) - phase(&x);
        let w = std::f64::consts::TAU * f / SR as f64;
        let (nr, ni) = (w.cos() - 0.5, -w.sin());
        let (dr, di) = (1.0 - 0.5 * w.cos(), 0.5 * w.sin());
        let want = ni.atan2(nr) - di.atan2(dr);
        let d = (got - want).rem_euclid(std::f64::consts::TAU);
        let d = d.min(std::f64::consts::TAU - d);
        assert!(d < 0.01, "phase {got} vs {want}");
    }

    #[test]
    fn comb_and_allpass_are_block_invariant() {
        let n = 4000;
        let x = Src::Stereo(test_noise(n, 1), test_noise(n, 2));
        let f: Vec<f32> = (0..n)
            .map(|i| [300.0, 5000.0, f32::NAN, 1.0, 1e6][(i / 500) % 5])
            .collect();
        let g: Vec<f32> = (0..n)
            .map(|i| [0.2, 1.0, f32::NAN, -1.0, 0.7][(i / 300) % 5])
            .collect();
        assert_invariant("comb", &[x.clone(), Src::Mono(f), Src::Mono(g.clone())], n);
        assert_invariant("comb", &[x.clone(), Src::Const(200.0), Src::Const(0.9)], n);
        assert_invariant("allpass", &[x.clone(), Src::Mono(g)], n);
        assert_invariant("allpass", &[x, Src::Const(-0.3)], n);
    }
}
