//! Small building blocks shared by the effect kernels: parameter clamps, scratch slices, smoothing, LFOs, noise, denormal flushing.
//!
//! Nothing here allocates after [`Scratch::prepare`], which kernels call from their own `prepare`.

use std::f32::consts::TAU;

pub use super::{audio, param};

/// Frames per control period. Parameters that are expensive to map (reverb decay to per-line
/// gains, vocoder band coefficients) are read at absolute frames that are multiples of this, so
/// the output does not depend on how the stream is cut into blocks.
pub const CONTROL: usize = 32;

/// `x` clamped to `lo..=hi`; NaN reads as `default`.
#[inline(always)]
pub fn clampf(x: f32, lo: f32, hi: f32, default: f32) -> f32 {
    if x.is_nan() {
        default
    } else {
        x.clamp(lo, hi)
    }
}

/// Decibels to a linear gain.
#[inline(always)]
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db * 0.05)
}

/// A linear amplitude to decibels (−∞ for 0).
#[inline(always)]
pub fn gain_to_db(g: f32) -> f32 {
    20.0 * g.log10()
}

/// Values this small are flushed to zero by [`flush`] (−400 dBFS).
pub const FLUSH_BELOW: f32 = 1e-20;

/// `x`, or exactly 0 when |x| < [`FLUSH_BELOW`] (and so every denormal). A compare and a select,
/// no branch. Applied to every value fed back into a recursive structure, so decaying tails
/// reach exact zeros instead of lingering in the slow denormal range (or in a rounding limit
/// cycle just above it).
#[inline(always)]
pub fn flush(x: f32) -> f32 {
    if x.abs() < FLUSH_BELOW {
        0.0
    } else {
        x
    }
}

/// Linear dry/wet mix: `(1 − mix)·dry + mix·wet`.
#[inline(always)]
pub fn mix(dry: f32, wet: f32, mix: f32) -> f32 {
    dry + (wet - dry) * mix
}

/// One-pole smoothing coefficient for a time constant of `seconds` (0 or less: no smoothing).
#[inline]
pub fn one_pole_coef(seconds: f32, sample_rate: f32) -> f32 {
    if seconds * sample_rate <= 1e-3 {
        1.0
    } else {
        1.0 - (-1.0 / (seconds * sample_rate)).exp()
    }
}

/// Equal-power gains (left, right) for a position −1 (left) .. 1 (right), clamped:
/// (sin((1 − pos)·π/4), sin((1 + pos)·π/4)), i.e. cos and sin of (pos + 1)·π/4, written with two
/// sines so that the far channel is exactly 0 at ±1. Both are √½ at the centre.
#[inline(always)]
pub fn equal_power(pos: f32) -> (f32, f32) {
    let p = pos.clamp(-1.0, 1.0);
    let q = std::f32::consts::PI * 0.25;
    (((1.0 - p) * q).sin(), ((1.0 + p) * q).sin())
}

/// The port expansion every kernel uses (constants written into slices once per block).
pub use super::scratch::Scratch;

/// A one-pole smoother towards a target, primed to its first target (no glide at start).
#[derive(Clone, Copy, Debug, Default)]
pub struct Smoother {
    /// Current value.
    pub value: f32,
    coef: f32,
    primed: bool,
}

impl Smoother {
    /// Sets the time constant. Control thread.
    pub fn prepare(&mut self, seconds: f32, sample_rate: f32) {
        self.coef = one_pole_coef(seconds, sample_rate);
        self.primed = false;
    }

    /// Jumps to `target` if this is the first use; call once per block before the loop.
    #[inline]
    pub fn prime(&mut self, target: f32) {
        if !self.primed {
            self.value = target;
            self.primed = true;
        }
    }

    /// One frame towards `target`.
    #[inline(always)]
    pub fn tick(&mut self, target: f32) -> f32 {
        self.value += (target - self.value) * self.coef;
        self.value
    }
}

/// Time constant of [`Declick`], seconds.
pub const DECLICK: f32 = 0.005;

/// A gain-like parameter (mix, pan, width, depth, drive) followed through a 5 ms one-pole so a
/// stepped value (a pattern lane) fades instead of clicking. It starts at its first value, so a
/// constant setting is exact. Holds one block of smoothed values.
#[derive(Debug, Default)]
pub struct Declick {
    sm: Smoother,
    buf: Vec<f32>,
}

impl Declick {
    /// Sets the time constant and allocates one block. Control thread.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sm.prepare(DECLICK, sample_rate);
        self.buf = vec![0.0; max_block];
    }

    /// Whether the smoother has reached exactly `v` (so a constant `v` needs no smoothing).
    pub fn settled_at(&self, v: f32) -> bool {
        self.sm.primed && self.sm.value == v
    }

    /// The block's values of `src`, mapped by `f` (the parameter's clamp) and smoothed.
    pub fn run(&mut self, src: &[f32], f: impl Fn(f32) -> f32) -> &[f32] {
        let n = src.len();
        if let Some(&first) = src.first() {
            self.sm.prime(f(first));
        }
        for (d, &s) in self.buf[..n].iter_mut().zip(src) {
            *d = self.sm.tick(f(s));
        }
        &self.buf[..n]
    }
}

/// A sine LFO with its phase in f64 (0 ≤ phase < 1), starting at phase 0.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lfo {
    /// Unit phase.
    pub phase: f64,
}

impl Lfo {
    /// Advances by `inc` (frequency / sample rate) and returns the phase before the step.
    #[inline(always)]
    pub fn step(&mut self, inc: f64) -> f32 {
        let p = self.phase;
        let mut q = p + inc;
        q -= q.floor();
        self.phase = q;
        p as f32
    }

    /// sin(2π·phase) for the current frame, then advances by `inc`.
    #[inline(always)]
    pub fn sine(&mut self, inc: f64) -> f32 {
        (TAU * self.step(inc)).sin()
    }
}

/// A sine/cosine pair advanced by rotation (4 multiplies a frame instead of a `sin` call). Its
/// frequency is set per control period and its magnitude is renormalized then, so rounding
/// never accumulates.
#[derive(Clone, Copy, Debug)]
pub struct Rotor {
    /// cos of the phase.
    pub c: f32,
    /// sin of the phase.
    pub s: f32,
    dc: f32,
    ds: f32,
}

impl Default for Rotor {
    fn default() -> Rotor {
        Rotor {
            c: 1.0,
            s: 0.0,
            dc: 1.0,
            ds: 0.0,
        }
    }
}

impl Rotor {
    /// A rotor at unit phase `phase`.
    pub fn at(phase: f32) -> Rotor {
        let (s, c) = (TAU * phase).sin_cos();
        Rotor {
            c,
            s,
            ..Rotor::default()
        }
    }

    /// Sets the step to `inc` cycles per frame and renormalizes. Once per control period.
    pub fn set(&mut self, inc: f32) {
        let (ds, dc) = (TAU * inc).sin_cos();
        self.dc = dc;
        self.ds = ds;
        let m = (self.c * self.c + self.s * self.s).sqrt();
        if m > 0.0 && m.is_finite() {
            self.c /= m;
            self.s /= m;
        } else {
            *self = Rotor::default();
        }
    }

    /// Advances one frame.
    #[inline(always)]
    pub fn step(&mut self) {
        let c = self.c * self.dc - self.s * self.ds;
        let s = self.s * self.dc + self.c * self.ds;
        self.c = c;
        self.s = s;
    }
}

/// A deterministic xorshift32 generator (never seeded from the clock).
#[derive(Clone, Copy, Debug)]
pub struct Rng(u32);

impl Rng {
    /// A generator from `seed` (0 is replaced by a fixed nonzero value).
    pub fn new(seed: u32) -> Rng {
        Rng(if seed == 0 { 0x9E37_79B9 } else { seed })
    }

    /// The next raw value.
    #[inline(always)]
    pub fn next_u32(&mut self) -> u32 {
        let mut s = self.0;
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        self.0 = s;
        s
    }

    /// Uniform in 0..1.
    #[inline(always)]
    pub fn unit(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in −1..1.
    #[inline(always)]
    pub fn bipolar(&mut self) -> f32 {
        self.unit() * 2.0 - 1.0
    }
}

/// Splits `0..n` of a block starting at absolute frame `start` into runs that never cross a
/// multiple of [`CONTROL`]; each run is (from, to, first frame is a control frame).
pub fn control_runs(start: u64, n: usize) -> impl Iterator<Item = (usize, usize)> {
    let mut i = 0usize;
    std::iter::from_fn(move || {
        if i >= n {
            return None;
        }
        let abs = start + i as u64;
        let left = CONTROL - (abs % CONTROL as u64) as usize;
        let to = (i + left).min(n);
        let run = (i, to);
        i = to;
        Some(run)
    })
}

const _: () = assert!(CONTROL.is_power_of_two());

/// Whether absolute frame `abs` is a control frame.
#[inline(always)]
pub fn is_control_frame(abs: u64) -> bool {
    abs & (CONTROL as u64 - 1) == 0
}

/// `x`, or 0 when it is NaN or infinite. Recursive effects pass their input through this, so a
/// broken upstream value cannot poison a delay line or reverb tank for good.
#[inline(always)]
pub fn finite(x: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Test helpers for effect kernels: rendering with chosen block sizes, block-size invariance,
    //! signal generators and analysis (RMS, DFT magnitude, peak search).
    use super::super::testing::Src;
    use super::super::Kernel;
    use crate::samples::SampleBank;

    /// Sample rate of the effect tests.
    pub const SR: f32 = 44100.0;

    /// Renders `total` frames of `kernel` with the given block sizes (cycled), preparing it with
    /// `max_block` = the largest size. Returns each output channel.
    pub fn render(
        kernel: &mut dyn Kernel,
        srcs: &[Src],
        channels: usize,
        total: usize,
        sizes: &[usize],
    ) -> Vec<Vec<f32>> {
        super::super::testing::run_sizes(
            kernel,
            srcs,
            channels,
            total,
            sizes,
            SR,
            &SampleBank::default(),
            &[],
        )
    }

    /// Block sizes of the invariance checks besides 1, 64 and 512: mixed and irregular.
    pub const MIXED: &[usize] = &[1, 7, 64, 200, 512, 33, 5, 128];

    /// Renders with blocks of 1 (sample by sample), mixed sizes, 64 and 512, asserts every
    /// rendering is bit-identical to the sample-by-sample one, and returns it.
    pub fn invariant(
        make: &dyn Fn() -> Box<dyn Kernel>,
        srcs: &[Src],
        channels: usize,
        total: usize,
    ) -> Vec<Vec<f32>> {
        let reference = render(&mut *make(), srcs, channels, total, &[1]);
        for sizes in [MIXED, &[64][..], &[512][..]] {
            let got = render(&mut *make(), srcs, channels, total, sizes);
            for (c, (g, w)) in got.iter().zip(&reference).enumerate() {
                super::super::testing::assert_same(&format!("blocks {sizes:?} channel {c}"), g, w);
            }
        }
        reference
    }

    /// A sine of `freq` Hz and amplitude `amp`, `n` frames.
    pub fn sine(freq: f64, amp: f64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (amp * (std::f64::consts::TAU * freq * i as f64 / SR as f64).sin()) as f32)
            .collect()
    }

    /// Deterministic white noise in −amp..amp.
    pub fn noise(n: usize, seed: u32, amp: f32) -> Vec<f32> {
        let mut r = super::Rng::new(seed);
        (0..n).map(|_| r.bipolar() * amp).collect()
    }

    /// A unit impulse at frame 0, `n` frames.
    pub fn impulse(n: usize) -> Vec<f32> {
        let mut v = vec![0.0; n];
        v[0] = 1.0;
        v
    }

    /// Root mean square.
    pub fn rms(x: &[f32]) -> f64 {
        if x.is_empty() {
            return 0.0;
        }
        (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    /// Magnitude of the Hann-windowed DFT of `x` at `freq` Hz, divided by the length: a sine of
    /// amplitude A exactly on the analysis frequency gives A/4.
    pub fn dft_mag(x: &[f32], freq: f64) -> f64 {
        let n = x.len() as f64;
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for (i, &v) in x.iter().enumerate() {
            let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
            let a = std::f64::consts::TAU * freq * i as f64 / SR as f64;
            re += w * v as f64 * a.cos();
            im -= w * v as f64 * a.sin();
        }
        (re * re + im * im).sqrt() / n
    }

    /// The frequency of the largest Hann-windowed DFT magnitude between `lo` and `hi` Hz, searched
    /// on a `step` Hz grid and refined to 0.1 Hz.
    pub fn peak_freq(x: &[f32], lo: f64, hi: f64, step: f64) -> f64 {
        let best = |from: f64, to: f64, st: f64| {
            let mut f = from;
            let (mut bf, mut bm) = (from, -1.0);
            while f <= to {
                let m = dft_mag(x, f);
                if m > bm {
                    bm = m;
                    bf = f;
                }
                f += st;
            }
            bf
        };
        let coarse = best(lo, hi, step);
        best(coarse - step, coarse + step, 0.1)
    }

    /// Instantaneous frequencies (Hz) from the periods between successive upward zero crossings,
    /// located by linear interpolation.
    pub fn zero_cross_freqs(x: &[f32]) -> Vec<f64> {
        let mut crossings = Vec::new();
        for i in 1..x.len() {
            let (a, b) = (x[i - 1] as f64, x[i] as f64);
            if a < 0.0 && b >= 0.0 {
                crossings.push(i as f64 - 1.0 + a / (a - b));
            }
        }
        crossings
            .windows(2)
            .map(|w| SR as f64 / (w[1] - w[0]))
            .collect()
    }

    /// The power-weighted mean frequency (spectral centroid) of the Hann-windowed DFT of `x`
    /// between `lo` and `hi` Hz, on a `step` Hz grid.
    pub fn centroid(x: &[f32], lo: f64, hi: f64, step: f64) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        let mut f = lo;
        while f <= hi {
            let p = dft_mag(x, f).powi(2);
            num += f * p;
            den += p;
            f += step;
        }
        num / den
    }

    /// All samples finite.
    pub fn all_finite(x: &[f32]) -> bool {
        x.iter().all(|v| v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flush_zeroes_tiny_values_and_keeps_audible_ones() {
        assert_eq!(flush(1e-30), 0.0);
        assert_eq!(flush(-1e-38), 0.0);
        assert_eq!(flush(f32::MIN_POSITIVE / 4.0), 0.0);
        // Everything else is untouched.
        for v in [1.0f32, -0.5, 1e-6, 3e-12, 2e-20] {
            assert_eq!(flush(v), v);
        }
    }

    #[test]
    fn control_runs_split_at_absolute_multiples() {
        let runs: Vec<_> = control_runs(30, 70).collect();
        assert_eq!(runs, vec![(0, 2), (2, 34), (34, 66), (66, 70)]);
        let runs: Vec<_> = control_runs(64, 32).collect();
        assert_eq!(runs, vec![(0, 32)]);
        assert_eq!(control_runs(5, 0).count(), 0);
    }

    #[test]
    fn equal_power_law() {
        assert_eq!(equal_power(-1.0), (1.0, 0.0));
        assert_eq!(equal_power(1.0), (0.0, 1.0));
        assert_eq!(equal_power(-7.0), (1.0, 0.0));
        let (l, r) = equal_power(0.0);
        assert!((l - r).abs() < 1e-7 && (l * l + r * r - 1.0).abs() < 1e-6);
    }
}
