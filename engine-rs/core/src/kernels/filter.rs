//! Filters: `lpf`, a 2-pole state-variable lowpass (TPT / Zavalishin–Cytomic SVF), stable at any cutoff.
//!
//! Ports and units:
//! - `in`: the signal, required, mono or stereo (one filter state per channel).
//! - `cutoff`: Hz, default 1000, clamped to 20 Hz..min(20 kHz, 0.49·sr); NaN reads as 1000.
//! - `q`: resonance, default 1 (0.707 is Butterworth), clamped to 0.5..20; NaN reads as 1.
//!
//! Output: as many channels as `in`. Gain at DC is 1 and at cutoff is `q`. Coefficients are
//! computed once per block for constant cutoff and q, and otherwise whenever either changes.
//! State is f64. After each block the state is flushed to 0 when tiny (no denormals) and reset
//! when non-finite (a blow-up never sticks).

use super::{ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};

/// `lpf {in, cutoff, q}`.
pub const LPF: KindSpec = KindSpec {
    name: "lpf",
    ports: &[
        PortSpec {
            name: "in",
            default: None,
            stereo: true,
        },
        PortSpec {
            name: "cutoff",
            default: Some(1000.0),
            stereo: false,
        },
        PortSpec {
            name: "q",
            default: Some(1.0),
            stereo: false,
        },
    ],
    channels: ChannelRule::FollowInputs,
    triggers: false,
};

/// Lowest cutoff, Hz.
pub const MIN_CUTOFF: f32 = 20.0;
/// Highest cutoff, Hz (also never above 0.49·sr).
pub const MAX_CUTOFF: f32 = 20000.0;
/// Q range.
pub const MIN_Q: f32 = 0.5;
/// Q range.
pub const MAX_Q: f32 = 20.0;

/// SVF coefficients for one (cutoff, q) pair.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Coefs {
    a1: f64,
    a2: f64,
    a3: f64,
    k: f64,
}

impl Coefs {
    /// Clamps `cutoff` and `q` and computes g = tan(π·fc/sr), k = 1/q, a1 = 1/(1 + g(g + k)),
    /// a2 = g·a1, a3 = g·a2.
    pub fn new(cutoff: f32, q: f32, sample_rate: f32) -> Coefs {
        let hi = MAX_CUTOFF.min(0.49 * sample_rate);
        let fc = if cutoff.is_nan() { 1000.0 } else { cutoff };
        let fc = fc.max(MIN_CUTOFF).min(hi) as f64;
        let q = if q.is_nan() { 1.0 } else { q };
        let q = q.clamp(MIN_Q, MAX_Q) as f64;
        let g = (std::f64::consts::PI * fc / sample_rate as f64).tan();
        let k = 1.0 / q;
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        Coefs { a1, a2, a3, k }
    }
}

/// One channel's integrator states.
#[derive(Clone, Copy, Debug, Default)]
pub struct State {
    ic1: f64,
    ic2: f64,
}

impl State {
    /// One frame: returns the lowpass output for input `v0`.
    #[inline(always)]
    pub fn tick(&mut self, c: &Coefs, v0: f64) -> f64 {
        let v3 = v0 - self.ic2;
        let v1 = c.a1 * self.ic1 + c.a2 * v3;
        let v2 = self.ic2 + c.a2 * self.ic1 + c.a3 * v3;
        self.ic1 = 2.0 * v1 - self.ic1;
        self.ic2 = 2.0 * v2 - self.ic2;
        v2
    }

    /// End-of-block hygiene: tiny values to 0, non-finite state reset.
    fn settle(&mut self) {
        if !(self.ic1.is_finite() && self.ic2.is_finite()) {
            *self = State::default();
        }
        if self.ic1.abs() < 1e-30 {
            self.ic1 = 0.0;
        }
        if self.ic2.abs() < 1e-30 {
            self.ic2 = 0.0;
        }
    }
}

/// The lowpass kernel.
#[derive(Debug, Default)]
pub struct Lpf {
    sample_rate: f32,
    state: [State; 2],
    /// Last coefficients and the (cutoff, q) they were made from, for modulated cutoffs.
    last: (f32, f32, Coefs),
}

impl Lpf {
    /// Filters one channel with fixed coefficients.
    #[inline(always)]
    fn run_fixed(state: &mut State, c: Coefs, out: &mut [f32], x: impl Fn(usize) -> f32) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = state.tick(&c, x(i) as f64) as f32;
        }
        state.settle();
    }

    /// Filters one channel whose cutoff or q moves; coefficients are recomputed only when the
    /// (cutoff, q) pair changes.
    #[inline(always)]
    fn run_modulated(
        state: &mut State,
        last: &mut (f32, f32, Coefs),
        sr: f32,
        out: &mut [f32],
        x: impl Fn(usize) -> f32,
        cut: impl Fn(usize) -> f32,
        q: impl Fn(usize) -> f32,
    ) {
        for (i, o) in out.iter_mut().enumerate() {
            let (fc, qq) = (cut(i), q(i));
            if fc.to_bits() != last.0.to_bits() || qq.to_bits() != last.1.to_bits() {
                *last = (fc, qq, Coefs::new(fc, qq, sr));
            }
            *o = state.tick(&last.2, x(i) as f64) as f32;
        }
        state.settle();
    }
}

impl Kernel for Lpf {
    fn adopt(&mut self, old: &dyn Kernel) {
        if let Some(o) = super::same::<Lpf>(old) {
            self.state = o.state;
            self.last = o.last;
        }
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.last = (1000.0, 1.0, Coefs::new(1000.0, 1.0, sample_rate));
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let (cut, q) = (inputs[1].left(), inputs[2].left());
        // Constant cutoff and q: coefficients once per block, outside the loops.
        let fixed = match (cut, q) {
            (Input::Const(fc), Input::Const(qq)) => {
                if fc.to_bits() != self.last.0.to_bits() || qq.to_bits() != self.last.1.to_bits() {
                    self.last = (fc, qq, Coefs::new(fc, qq, sr));
                }
                Some(self.last.2)
            }
            _ => None,
        };
        let cut_at = move |i: usize| cut.at(i);
        let q_at = move |i: usize| q.at(i);
        for c in 0..out.channels() {
            let o = out.channel(c);
            let st = &mut self.state[c];
            match (inputs[0].ch[c], fixed) {
                (Input::Const(v), Some(cf)) => Self::run_fixed(st, cf, o, |_| v),
                (Input::Block(x), Some(cf)) => {
                    let x = &x[..n];
                    Self::run_fixed(st, cf, o, |i| x[i])
                }
                (Input::Const(v), None) => {
                    Self::run_modulated(st, &mut self.last, sr, o, |_| v, cut_at, q_at)
                }
                (Input::Block(x), None) => {
                    let x = &x[..n];
                    Self::run_modulated(st, &mut self.last, sr, o, |i| x[i], cut_at, q_at)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{assert_same, run, Src};
    use crate::samples::SampleBank;

    const SR: f32 = 44100.0;

    /// Sample-by-sample reference of the same SVF, coefficients recomputed every frame.
    fn reference(x: &[f32], cut: &dyn Fn(usize) -> f32, q: &dyn Fn(usize) -> f32) -> Vec<f32> {
        let (mut ic1, mut ic2) = (0.0f64, 0.0f64);
        let mut out = Vec::new();
        for (i, &v) in x.iter().enumerate() {
            let fc = cut(i);
            let fc = if fc.is_nan() { 1000.0 } else { fc };
            let fc = fc.clamp(20.0, 20000.0f32.min(0.49 * SR)) as f64;
            let qq = q(i);
            let qq = if qq.is_nan() { 1.0 } else { qq };
            let qq = qq.clamp(0.5, 20.0) as f64;
            let g = (std::f64::consts::PI * fc / SR as f64).tan();
            let k = 1.0 / qq;
            let a1 = 1.0 / (1.0 + g * (g + k));
            let a2 = g * a1;
            let a3 = g * a2;
            let v3 = v as f64 - ic2;
            let v1 = a1 * ic1 + a2 * v3;
            let v2 = ic2 + a2 * ic1 + a3 * v3;
            ic1 = 2.0 * v1 - ic1;
            ic2 = 2.0 * v2 - ic2;
            out.push(v2 as f32);
            // The kernel flushes tiny state at block ends; with this input it never gets tiny.
        }
        out
    }

    fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s as f32 / u32::MAX as f32) * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn lpf_block_equals_reference() {
        let bank = SampleBank::default();
        let n = 4000;
        let x = noise(n, 1);
        let x2 = noise(n, 2);
        let cut: Vec<f32> = (0..n).map(|i| (i / 37) as f32 * 150.0 - 100.0).collect();
        let q: Vec<f32> = (0..n).map(|i| 0.3 + (i / 101) as f32 * 0.7).collect();
        // Block input, block cutoff and q (clamps hit at both ends).
        let got = run(
            &mut Lpf::default(),
            &[
                Src::Mono(x.clone()),
                Src::Mono(cut.clone()),
                Src::Mono(q.clone()),
            ],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        assert_same("lpf block", &got[0], &reference(&x, &|i| cut[i], &|i| q[i]));
        // Const cutoff and q.
        let got = run(
            &mut Lpf::default(),
            &[Src::Mono(x.clone()), Src::Const(500.0), Src::Const(3.0)],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        assert_same("lpf const", &got[0], &reference(&x, &|_| 500.0, &|_| 3.0));
        // Stereo input: independent state per channel.
        let got = run(
            &mut Lpf::default(),
            &[
                Src::Stereo(x.clone(), x2.clone()),
                Src::Const(800.0),
                Src::Mono(q.clone()),
            ],
            2,
            n,
            SR,
            &bank,
            &[],
        );
        assert_same(
            "lpf stereo L",
            &got[0],
            &reference(&x, &|_| 800.0, &|i| q[i]),
        );
        assert_same(
            "lpf stereo R",
            &got[1],
            &reference(&x2, &|_| 800.0, &|i| q[i]),
        );
        // Constant input (a step): converges to the input (DC gain 1).
        let got = run(
            &mut Lpf::default(),
            &[Src::Const(0.5), Src::Const(2000.0), Src::Const(0.707)],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let step = vec![0.5f32; n];
        assert_same(
            "lpf const input",
            &got[0],
            &reference(&step, &|_| 2000.0, &|_| 0.707),
        );
        assert!((got[0][n - 1] - 0.5).abs() < 1e-6);
    }

    fn sine(freq: f64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (std::f64::consts::TAU * freq * i as f64 / SR as f64).sin() as f32)
            .collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    /// Gain in dB of a sine at `freq` through lpf 500 Hz, q 1, measured on the second half
    /// (steady state) of one second.
    fn gain_db(freq: f64) -> f64 {
        let bank = SampleBank::default();
        let n = 44100;
        let x = sine(freq, n);
        let y = &run(
            &mut Lpf::default(),
            &[Src::Mono(x.clone()), Src::Const(500.0), Src::Const(1.0)],
            1,
            n,
            SR,
            &bank,
            &[],
        )[0];
        20.0 * (rms(&y[n / 2..]) / rms(&x[n / 2..])).log10()
    }

    /// A two-pole lowpass falls 12 dB/octave: 5 kHz is 3.3 octaves above 500 Hz, about −40 dB
    /// (analog |H| = 1/|1 − 100 + 10j| ≈ −39.9 dB; the bilinear transform only adds attenuation).
    /// 100 Hz: |H| = 1/|1 − 0.04 + 0.2j| ≈ +0.17 dB.
    #[test]
    fn lpf_attenuates_5k_and_passes_100() {
        let stop = gain_db(5000.0);
        assert!(stop <= -30.0, "5 kHz through lpf 500: {stop} dB");
        let pass = gain_db(100.0);
        assert!(pass.abs() <= 0.5, "100 Hz through lpf 500: {pass} dB");
    }

    /// NaN in the input poisons at most the block it arrives in; the state is reset after it.
    #[test]
    fn lpf_recovers_from_nan() {
        let bank = SampleBank::default();
        let n = 1000;
        let mut x = vec![0.25f32; n];
        x[10] = f32::NAN;
        let y = &run(
            &mut Lpf::default(),
            &[Src::Mono(x), Src::Const(1000.0), Src::Const(1.0)],
            1,
            n,
            SR,
            &bank,
            &[],
        )[0];
        // The first blocks are 64 and 1 frames: frame 64 onwards is after the reset.
        assert!(y[64..].iter().all(|v| v.is_finite()));
        assert!((y[n - 1] - 0.25).abs() < 1e-3);
    }
}
