//! Oscillators: sine, band-limited saw and band-limited square (PolyBLEP), with phase kept in f64.
//!
//! Ports and units:
//! - `freq` (all three): Hz, default 440, mono (a stereo node feeding it is read from its left
//!   channel). Clamped to −sr/2..sr/2 per frame; NaN reads as 0. Negative frequencies run the
//!   phase backwards.
//! - `width` (square): duty cycle 0..1, default 0.5 (clamped; NaN reads as 0.5). 0 and 1 give
//!   a constant −1 and +1.
//!
//! Output: mono. Phase starts at 0 and advances by freq/sr after each frame, so frame i is
//! computed from the phase before frame i's step, and a frequency step at frame k changes the
//! phase increment from frame k on. The sine outputs sin(2π·phase); the saw is a rising ramp −1..1
//! (value 2·phase − 1) and the square is +1 while phase < width, −1 after, both with a two-sample
//! PolyBLEP residual subtracted at each discontinuity. All three start at 0.

use super::{ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};
use std::f64::consts::TAU;

const FREQ: PortSpec = PortSpec {
    name: "freq",
    default: Some(440.0),
    stereo: false,
};

/// `sine {freq}`.
pub const SINE: KindSpec = KindSpec {
    name: "sine",
    ports: &[FREQ],
    channels: ChannelRule::Mono,
    triggers: false,
};

/// `saw {freq}`.
pub const SAW: KindSpec = KindSpec {
    name: "saw",
    ports: &[FREQ],
    channels: ChannelRule::Mono,
    triggers: false,
};

/// `square {freq, width}`.
pub const SQUARE: KindSpec = KindSpec {
    name: "square",
    ports: &[
        FREQ,
        PortSpec {
            name: "width",
            default: Some(0.5),
            stereo: false,
        },
    ],
    channels: ChannelRule::Mono,
    triggers: false,
};

/// Frequency clamp shared by all oscillators: NaN → 0, then −nyquist..nyquist.
#[inline(always)]
pub fn clamp_freq(f: f32, nyquist: f32) -> f32 {
    let f = if f.is_nan() { 0.0 } else { f };
    f.max(-nyquist).min(nyquist)
}

/// Width clamp of the square: NaN → 0.5, then 0..1.
#[inline(always)]
pub fn clamp_width(w: f32) -> f32 {
    let w = if w.is_nan() { 0.5 } else { w };
    w.clamp(0.0, 1.0)
}

/// The PolyBLEP residual for a unit-phase position `t` (0..1) and phase step `dt` (0..0.5):
/// nonzero only within one step of the discontinuity at t = 0 ≡ 1.
#[inline(always)]
pub fn poly_blep(t: f64, dt: f64) -> f64 {
    if t < dt {
        let x = t / dt;
        x + x - x * x - 1.0
    } else if t > 1.0 - dt {
        let x = (t - 1.0) / dt;
        x * x + x + x + 1.0
    } else {
        0.0
    }
}

/// Phase state common to the three oscillators.
#[derive(Clone, Copy, Debug, Default)]
struct Phase {
    /// Unit phase, 0 ≤ phase < 1.
    phase: f64,
    /// 1 / sample rate.
    inv_sr: f64,
    /// sample rate / 2.
    nyquist: f32,
}

impl Phase {
    fn prepare(&mut self, sample_rate: f32) {
        self.inv_sr = 1.0 / sample_rate as f64;
        self.nyquist = sample_rate * 0.5;
    }

    /// Runs `shape(phase, step)` for each frame and advances the phase by `freq(i)`. Generic over
    /// the input accessors so that constant inputs compile to their own loop.
    #[inline(always)]
    fn run(
        &mut self,
        out: &mut [f32],
        freq: impl Fn(usize) -> f32,
        mut shape: impl FnMut(usize, f64, f64) -> f32,
    ) {
        let mut p = self.phase;
        for (i, o) in out.iter_mut().enumerate() {
            let inc = clamp_freq(freq(i), self.nyquist) as f64 * self.inv_sr;
            *o = shape(i, p, inc.abs());
            p += inc;
            p -= p.floor();
        }
        self.phase = p;
    }
}

/// Sine oscillator.
#[derive(Debug, Default)]
pub struct Sine {
    ph: Phase,
}

impl Kernel for Sine {
    fn adopt(&mut self, old: &dyn Kernel) {
        if let Some(o) = super::same::<Sine>(old) {
            self.ph.phase = o.ph.phase;
        }
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.ph.prepare(sample_rate);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let shape = |_: usize, p: f64, _: f64| (TAU * p).sin() as f32;
        match inputs[0].left() {
            Input::Const(f) => self.ph.run(out, |_| f, shape),
            Input::Block(f) => {
                let f = &f[..out.len()];
                self.ph.run(out, |i| f[i], shape)
            }
        }
    }
}

/// Band-limited sawtooth.
#[derive(Debug, Default)]
pub struct Saw {
    ph: Phase,
}

impl Kernel for Saw {
    fn adopt(&mut self, old: &dyn Kernel) {
        if let Some(o) = super::same::<Saw>(old) {
            self.ph.phase = o.ph.phase;
        }
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.ph.prepare(sample_rate);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let shape = |_: usize, p: f64, dt: f64| (2.0 * p - 1.0 - poly_blep(p, dt)) as f32;
        match inputs[0].left() {
            Input::Const(f) => self.ph.run(out, |_| f, shape),
            Input::Block(f) => {
                let f = &f[..out.len()];
                self.ph.run(out, |i| f[i], shape)
            }
        }
    }
}

/// Band-limited pulse wave with variable width.
#[derive(Debug, Default)]
pub struct Square {
    ph: Phase,
}

/// One frame of the square: naive pulse plus the BLEP at the rising edge (phase 0) minus the BLEP
/// at the falling edge (phase = width).
#[inline(always)]
pub fn square_value(p: f64, dt: f64, width: f32) -> f32 {
    let w = clamp_width(width) as f64;
    let naive = if p < w { 1.0 } else { -1.0 };
    let mut t2 = p - w;
    if t2 < 0.0 {
        t2 += 1.0;
    }
    (naive + poly_blep(p, dt) - poly_blep(t2, dt)) as f32
}

impl Kernel for Square {
    fn adopt(&mut self, old: &dyn Kernel) {
        if let Some(o) = super::same::<Square>(old) {
            self.ph.phase = o.ph.phase;
        }
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.ph.prepare(sample_rate);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        match (inputs[0].left(), inputs[1].left()) {
            (Input::Const(f), Input::Const(w)) => {
                self.ph.run(out, |_| f, |_, p, dt| square_value(p, dt, w))
            }
            (Input::Const(f), Input::Block(w)) => {
                let w = &w[..n];
                self.ph
                    .run(out, |_| f, |i, p, dt| square_value(p, dt, w[i]))
            }
            (Input::Block(f), Input::Const(w)) => {
                let f = &f[..n];
                self.ph
                    .run(out, |i| f[i], |_, p, dt| square_value(p, dt, w))
            }
            (Input::Block(f), Input::Block(w)) => {
                let (f, w) = (&f[..n], &w[..n]);
                self.ph
                    .run(out, |i| f[i], |i, p, dt| square_value(p, dt, w[i]))
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

    /// A frequency sweep with a negative stretch, a jump past Nyquist and a NaN.
    fn freq_signal(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| match i {
                500 => f32::NAN,
                600..=650 => 30000.0,
                700..=800 => -220.0,
                _ => 100.0 + i as f32 * 3.0,
            })
            .collect()
    }

    /// Sample-by-sample reference: same formulas, written without the block machinery.
    fn reference(
        n: usize,
        freq: &dyn Fn(usize) -> f32,
        shape: &dyn Fn(usize, f64, f64) -> f64,
    ) -> Vec<f32> {
        let mut p = 0.0f64;
        let inv_sr = 1.0 / SR as f64;
        let mut out = Vec::new();
        for i in 0..n {
            let mut f = freq(i);
            if f.is_nan() {
                f = 0.0;
            }
            let f = f.clamp(-SR / 2.0, SR / 2.0);
            let inc = f as f64 * inv_sr;
            out.push(shape(i, p, inc.abs()) as f32);
            p += inc;
            p -= p.floor();
        }
        out
    }

    fn blep_ref(t: f64, dt: f64) -> f64 {
        if t < dt {
            let x = t / dt;
            2.0 * x - x * x - 1.0
        } else if t > 1.0 - dt {
            let x = (t - 1.0) / dt;
            x * x + 2.0 * x + 1.0
        } else {
            0.0
        }
    }

    fn square_ref(p: f64, dt: f64, w: f32) -> f64 {
        let w = if w.is_nan() { 0.5 } else { w.clamp(0.0, 1.0) } as f64;
        let naive = if p < w { 1.0 } else { -1.0 };
        naive + blep_ref(p, dt) - blep_ref((p - w).rem_euclid(1.0), dt)
    }

    #[test]
    fn sine_block_equals_reference() {
        let bank = SampleBank::default();
        let n = 3000;
        let fs = freq_signal(n);
        let sine = |_: usize, p: f64, _: f64| (TAU * p).sin();
        let got = run(
            &mut Sine::default(),
            &[Src::Mono(fs.clone())],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        assert_same("sine block freq", &got[0], &reference(n, &|i| fs[i], &sine));
        let got = run(
            &mut Sine::default(),
            &[Src::Const(440.0)],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        assert_same("sine const freq", &got[0], &reference(n, &|_| 440.0, &sine));
    }

    #[test]
    fn saw_block_equals_reference() {
        let bank = SampleBank::default();
        let n = 3000;
        let fs = freq_signal(n);
        let saw = |_: usize, p: f64, dt: f64| 2.0 * p - 1.0 - blep_ref(p, dt);
        let got = run(
            &mut Saw::default(),
            &[Src::Mono(fs.clone())],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        assert_same("saw block freq", &got[0], &reference(n, &|i| fs[i], &saw));
        let got = run(
            &mut Saw::default(),
            &[Src::Const(1234.5)],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        assert_same("saw const freq", &got[0], &reference(n, &|_| 1234.5, &saw));
    }

    #[test]
    fn square_block_equals_reference() {
        let bank = SampleBank::default();
        let n = 3000;
        let fs = freq_signal(n);
        let ws: Vec<f32> = (0..n).map(|i| (i as f32 / n as f32) * 1.4 - 0.2).collect();
        let got = run(
            &mut Square::default(),
            &[Src::Mono(fs.clone()), Src::Mono(ws.clone())],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let want = reference(n, &|i| fs[i], &|i, p, dt| square_ref(p, dt, ws[i]));
        assert_same("square block freq, block width", &got[0], &want);
        let got = run(
            &mut Square::default(),
            &[Src::Const(300.0), Src::Const(0.25)],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let want = reference(n, &|_| 300.0, &|_, p, dt| square_ref(p, dt, 0.25));
        assert_same("square const", &got[0], &want);
        let got = run(
            &mut Square::default(),
            &[Src::Const(300.0), Src::Mono(ws.clone())],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let want = reference(n, &|_| 300.0, &|i, p, dt| square_ref(p, dt, ws[i]));
        assert_same("square const freq, block width", &got[0], &want);
    }

    /// A stereo node into the mono `freq` port is read from its left channel.
    #[test]
    fn stereo_into_freq_reads_left() {
        let bank = SampleBank::default();
        let n = 500;
        let l = vec![440.0f32; n];
        let r = vec![3000.0f32; n];
        let got = run(
            &mut Sine::default(),
            &[Src::Stereo(l, r)],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let want = run(
            &mut Sine::default(),
            &[Src::Const(440.0)],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        assert_same("stereo freq", &got[0], &want[0]);
    }

    /// Analysis, not a reference: 1 s of a 440 Hz sine has RMS 1/√2 within 0.1 %, and its
    /// frequency from rising zero crossings (linearly interpolated) is 440 within 1 Hz.
    #[test]
    fn sine_440_rms_and_frequency() {
        let bank = SampleBank::default();
        let n = 44100;
        let x = &run(
            &mut Sine::default(),
            &[Src::Const(440.0)],
            1,
            n,
            SR,
            &bank,
            &[],
        )[0];
        let rms = (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / n as f64).sqrt();
        let want = std::f64::consts::FRAC_1_SQRT_2;
        assert!((rms - want).abs() / want < 1e-3, "rms {rms}");
        let mut crossings = Vec::new();
        for i in 1..n {
            let (a, b) = (x[i - 1] as f64, x[i] as f64);
            if a < 0.0 && b >= 0.0 {
                crossings.push(i as f64 - 1.0 + a / (a - b));
            }
        }
        let periods = (crossings.len() - 1) as f64;
        let freq = periods * SR as f64 / (crossings[crossings.len() - 1] - crossings[0]);
        assert!((freq - 440.0).abs() < 1.0, "zero-crossing frequency {freq}");
    }

    /// The saw and square stay within a little over ±1 (PolyBLEP overshoot is bounded) and have the
    /// DC a pulse of width w should have (2w − 1), measured over whole periods.
    #[test]
    fn saw_and_square_range_and_dc() {
        let bank = SampleBank::default();
        let n = 44100;
        let saw = &run(
            &mut Saw::default(),
            &[Src::Const(100.0)],
            1,
            n,
            SR,
            &bank,
            &[],
        )[0];
        let sq = &run(
            &mut Square::default(),
            &[Src::Const(100.0), Src::Const(0.25)],
            1,
            n,
            SR,
            &bank,
            &[],
        )[0];
        for (name, x, dc) in [("saw", saw, 0.0), ("square", sq, -0.5)] {
            let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(peak <= 1.0 + 1e-6, "{name} peak {peak}");
            let mean = x.iter().map(|v| *v as f64).sum::<f64>() / n as f64;
            assert!((mean - dc).abs() < 1e-3, "{name} mean {mean}, want {dc}");
        }
    }
}
