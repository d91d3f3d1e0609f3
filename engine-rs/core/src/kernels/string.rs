//! Plucked strings: `pluck` (Karplus–Strong) and `waveguide` (a digital waveguide string with a pickup).
//!
//! Both are struck at the node's first frame and at each rising edge of `gate` (value > 0 after
//! ≤ 0; NaN is off), so a string in a voice template sounds at the voice's start and a lane or a
//! rhythm signal replucks it; a strike adds a new excitation to whatever still rings. `freq` is in
//! Hz, clamped to 20..sr/4 (NaN reads as 440): the delay line, allocated in `prepare`, holds one
//! period of the lowest note. A period P = sr/freq that is not an integer is read by linear
//! interpolation (which also damps the highest harmonics slightly). The loop gain is 0.999 per
//! period on top of the loss filter. Output: mono.
//!
//! - `pluck {freq=440, damping=0.5, gate=1}`: y[n] = e[n] + 0.999·((1 − ρ)·y[n − L] +
//!   ρ·y[n − L − 1]) with ρ = damping/2 (damping clamped 0..1, NaN reads as 0.5): 0 rings longest
//!   and brightest (a lossy delay loop), 1 is the classic Karplus–Strong average. L = P − ρ
//!   compensates the averager's delay, so the pitch is freq. The excitation e is a burst of
//!   round(P) frames of the node's seeded white noise, mean removed, amplitude 0.5.
//! - `waveguide {freq=440, damping=0.5, pickup=0.5, gate=1}`: a string fixed at both ends as one
//!   loop u of period P (the right-going wave followed by the inverted left-going one; the two
//!   inversions at the ends cancel): u[n] = e[n] + 0.999·lp(u[n − L]) with lp a one-pole
//!   low-pass (1 − b)·x + b·lp, b = 0.7·damping (damping clamped 0..1), whose low-frequency delay
//!   b/(1 − b) is compensated in L = P − b/(1 − b). The output is the displacement at the pickup,
//!   position `pickup` along the string (clamped 0.05..0.95, NaN reads as 0.5): the sum of the
//!   two travelling waves there, u[n − a] − u[n − (P − a)] with a = pickup·P/2 (at least one
//!   frame), halved. A pickup at 1/m of the string cancels every m-th harmonic. The excitation is
//!   one period of a triangle (a pluck at 0.3 of the string), mean removed, amplitude 0.5.

use super::delayline::DelayLine;
use super::control::{clamp_or, Edge};
use super::noise::Rng;
use super::scratch::Scratch;
use super::{ChannelRule, Context, Kernel, KindSpec, Outputs, PortIn, PortSpec};

/// Lowest frequency, Hz (sizes the delay line).
pub const MIN_FREQ: f32 = 20.0;
/// Loop gain per period.
pub const LOOP_GAIN: f64 = 0.999;

use super::param as port;

const FREQ: PortSpec = port("freq", 440.0).unit("Hz").range(0.0, 22050.0);
const DAMPING: PortSpec = port("damping", 0.5).unit("0–1").range(0.0, 1.0);
/// Each rising edge plucks the string.
const GATE: PortSpec = port("gate", 1.0).unit("gate");

/// `pluck {freq, damping, gate}`.
pub const PLUCK: KindSpec = KindSpec::new(
    "pluck",
    "Karplus-Strong plucked string.",
    &[FREQ, DAMPING, GATE],
    ChannelRule::Mono,
    || Box::new(Strings::new(Model::Pluck)),
);
/// `waveguide {freq, damping, pickup, gate}`.
pub const WAVEGUIDE: KindSpec = KindSpec::new(
    "waveguide",
    "Digital waveguide string.",
    &[
        FREQ,
        DAMPING,
        port("pickup", 0.5).unit("0–1").range(0.0, 1.0),
        GATE,
    ],
    ChannelRule::Mono,
    || Box::new(Strings::new(Model::Waveguide)),
);

/// Which string a [`Strings`] node models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// Karplus–Strong.
    Pluck,
    /// Waveguide with a pickup.
    Waveguide,
}

/// `pluck` and `waveguide`.
#[derive(Debug)]
pub struct Strings {
    model: Model,
    sr: f32,
    line: DelayLine,
    lp: f64,
    edge: Edge,
    started: bool,
    /// The current excitation and how far it has been played.
    burst: Vec<f32>,
    burst_len: usize,
    burst_pos: usize,
    rng: Rng,
    scratch: Scratch,
}

impl Strings {
    /// A string of `model`.
    pub fn new(model: Model) -> Strings {
        Strings {
            model,
            sr: 44100.0,
            line: DelayLine::default(),
            lp: 0.0,
            edge: Edge::default(),
            started: false,
            burst: Vec::new(),
            burst_len: 0,
            burst_pos: 0,
            rng: Rng::new(0x57),
            scratch: Scratch::default(),
        }
    }

    /// The period in frames for a `freq` value.
    #[inline(always)]
    fn period(&self, f: f32) -> f64 {
        let f = clamp_or(f, 440.0, MIN_FREQ, self.sr * 0.25);
        self.sr as f64 / f as f64
    }

    /// Writes a new excitation of one period into `burst`.
    fn strike(&mut self, period: f64) {
        let n = (period.round() as usize).clamp(1, self.burst.len());
        let burst = &mut self.burst[..n];
        match self.model {
            Model::Pluck => self.rng.fill(burst),
            Model::Waveguide => {
                let apex = 0.3 * n as f64;
                for (k, b) in burst.iter_mut().enumerate() {
                    let x = k as f64 + 0.5;
                    *b = if x < apex {
                        x / apex
                    } else {
                        (n as f64 - x) / (n as f64 - apex)
                    } as f32;
                }
            }
        }
        let mean = burst.iter().map(|v| *v as f64).sum::<f64>() / n as f64;
        let peak = burst
            .iter()
            .fold(0.0f64, |m, v| m.max((*v as f64 - mean).abs()))
            .max(1e-9);
        for b in burst.iter_mut() {
            *b = ((*b as f64 - mean) * 0.5 / peak) as f32;
        }
        self.burst_len = n;
        self.burst_pos = 0;
    }

    /// The excitation value of this frame.
    #[inline(always)]
    fn excitation(&mut self) -> f64 {
        if self.burst_pos < self.burst_len {
            let e = self.burst[self.burst_pos] as f64;
            self.burst_pos += 1;
            e
        } else {
            0.0
        }
    }
}

impl Kernel for Strings {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sr = sample_rate;
        let longest = (sample_rate / MIN_FREQ).ceil() as usize + 4;
        self.line = DelayLine::ring(longest);
        self.burst = vec![0.0; longest];
        self.scratch.prepare(4, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let mut scratch = std::mem::take(&mut self.scratch);
        match self.model {
            Model::Pluck => {
                let [f, d, g] = scratch.ports(inputs, 0, n);
                for (i, o) in out.iter_mut().enumerate() {
                    let p = self.period(f[i]);
                    if self.edge.rising(g[i]) || !self.started {
                        self.started = true;
                        self.strike(p);
                    }
                    let rho = 0.5 * clamp_or(d[i], 0.5, 0.0, 1.0) as f64;
                    let l = p - rho;
                    let fb = (1.0 - rho) * self.line.tap(l) + rho * self.line.tap(l + 1.0);
                    let y = self.excitation() + LOOP_GAIN * fb;
                    self.line.push(y as f32);
                    *o = y as f32;
                }
            }
            Model::Waveguide => {
                let [f, d, pu, g] = scratch.ports(inputs, 0, n);
                for (i, o) in out.iter_mut().enumerate() {
                    let p = self.period(f[i]);
                    if self.edge.rising(g[i]) || !self.started {
                        self.started = true;
                        self.strike(p);
                    }
                    let b = 0.7 * clamp_or(d[i], 0.5, 0.0, 1.0) as f64;
                    let a = (0.5 * p * clamp_or(pu[i], 0.5, 0.05, 0.95) as f64).max(1.0);
                    *o = (0.5 * (self.line.tap(a) - self.line.tap(p - a))) as f32;
                    let l = p - b / (1.0 - b);
                    self.lp = (1.0 - b) * self.line.tap(l) + b * self.lp;
                    let u = self.excitation() + LOOP_GAIN * self.lp;
                    self.line.push(u as f32);
                }
                if !self.lp.is_finite() || self.lp.abs() < 1e-200 {
                    self.lp = 0.0;
                }
            }
        }
        self.scratch = scratch;
    }

    fn seed(&mut self, seed: u64) {
        self.rng = Rng::new(seed);
    }
}

#[cfg(test)]
mod tests {
    use super::LOOP_GAIN;
    use crate::kernels::check::{assert_invariant, db, dft_mag, peak_freq, render_kind};
    use crate::kernels::testing::Src;

    /// damping 0 at 441 Hz is a pure delay loop of P = 100 frames with gain 0.999: once the
    /// excitation (the first 100 frames) is over, every frame is exactly 0.999 times the frame
    /// one period earlier.
    #[test]
    fn pluck_is_a_lossy_delay_loop() {
        let y = &render_kind(
            "pluck",
            &[Src::Const(441.0), Src::Const(0.0), Src::Const(1.0)],
            5000,
        )[0];
        for i in 200..5000 {
            let want = LOOP_GAIN * y[i - 100] as f64;
            assert!(
                (y[i] as f64 - want).abs() < 1e-6,
                "frame {i}: {} vs {want}",
                y[i]
            );
        }
        assert!(y[..100].iter().any(|v| v.abs() > 0.1));
    }

    /// The pitch is freq: pluck and waveguide at 220 Hz (P = 200.45 frames, fractional) have
    /// their spectral peak within 0.5 Hz of 220 over 1 s.
    #[test]
    fn strings_are_in_tune() {
        let n = 44100;
        let p = &render_kind(
            "pluck",
            &[Src::Const(220.0), Src::Const(0.5), Src::Const(1.0)],
            n,
        )[0];
        let f = peak_freq(p, 150.0, 300.0);
        assert!((f - 220.0).abs() < 0.5, "pluck {f}");
        let w = &render_kind(
            "waveguide",
            &[
                Src::Const(220.0),
                Src::Const(0.5),
                Src::Const(0.3),
                Src::Const(1.0),
            ],
            n,
        )[0];
        let f = peak_freq(w, 150.0, 300.0);
        assert!((f - 220.0).abs() < 0.5, "waveguide {f}");
    }

    /// A pickup in the middle of the string (a = P/4, read at delays 25 and 75 of a 100-frame
    /// period) cancels the even harmonics exactly: u[n − 25] − u[n − 75] has zeros at multiples
    /// of 2·441 Hz. The second harmonic is at least 40 dB under the first; at pickup 0.3 it is
    /// present (within 20 dB of the first).
    #[test]
    fn waveguide_pickup_cancels_harmonics() {
        let n = 16384;
        let mid = &render_kind(
            "waveguide",
            &[
                Src::Const(441.0),
                Src::Const(0.3),
                Src::Const(0.5),
                Src::Const(1.0),
            ],
            n,
        )[0];
        let h1 = dft_mag(&mid[1000..], 441.0);
        let h2 = dft_mag(&mid[1000..], 882.0);
        assert!(db(h2 / h1) < -40.0, "second harmonic {} dB", db(h2 / h1));
        let off = &render_kind(
            "waveguide",
            &[
                Src::Const(441.0),
                Src::Const(0.3),
                Src::Const(0.3),
                Src::Const(1.0),
            ],
            n,
        )[0];
        let h1 = dft_mag(&off[1000..], 441.0);
        let h2 = dft_mag(&off[1000..], 882.0);
        assert!(db(h2 / h1) > -20.0, "second harmonic {} dB", db(h2 / h1));
    }

    #[test]
    fn strings_are_block_invariant_and_restrike() {
        let n = 6000;
        let g: Vec<f32> = (0..n)
            .map(|i| if (i / 1500) % 2 == 1 { 1.0 } else { 0.0 })
            .collect();
        let f: Vec<f32> = (0..n)
            .map(|i| [110.0, 440.0, f32::NAN, 5.0, 30000.0][(i / 700) % 5])
            .collect();
        let a: Vec<f32> = (0..n)
            .map(|i| [0.2, 0.9, f32::NAN, 2.0, -1.0][(i / 333) % 5])
            .collect();
        let (g, f, a) = (Src::Mono(g), Src::Mono(f), Src::Mono(a));
        assert_invariant("pluck", &[f.clone(), a.clone(), g.clone()], n);
        assert_invariant(
            "pluck",
            &[Src::Const(330.0), Src::Const(0.5), Src::Const(0.0)],
            n,
        );
        assert_invariant(
            "waveguide",
            &[f.clone(), a.clone(), a.clone(), g.clone()],
            n,
        );
        assert_invariant(
            "waveguide",
            &[
                Src::Const(330.0),
                Src::Const(0.5),
                Src::Const(0.4),
                Src::Const(1.0),
            ],
            n,
        );
        // A rising gate replucks: energy right after frame 1500 exceeds energy just before.
        let y = &render_kind("pluck", &[Src::Const(330.0), Src::Const(1.0), g], n)[0];
        let e = |r: std::ops::Range<usize>| y[r].iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
        assert!(e(1500..1600) > 2.0 * e(1400..1500));
    }
}
