//! Noise sources: `noise`/`white_noise`, `pink`/`pink_noise`, `brown_noise`, and the seeded generator every random kernel uses.
//!
//! No ports; output mono. Each node has its own generator, seeded from the node's key (see
//! [`Kernel::seed`]), so a render is reproducible and two noise nodes are independent. The
//! generator is counter-based (SplitMix64's mixer applied to seed + frame·φ): value k of a node
//! depends only on the seed and k, so it does not matter how frames are split into blocks, and
//! the fill loop has no loop-carried dependency.
//!
//! - `noise`, `white_noise`: uniform in −1..1, RMS 1/√3 ≈ 0.577, flat spectrum.
//! - `pink`, `pink_noise`: white through Paul Kellet's refined pinking filter (seven one-poles,
//!   within ±0.05 dB of −3 dB/octave from 9 Hz up at 44.1 kHz), scaled by 0.11.
//! - `brown_noise`: white through a leaky integrator with its corner at 10 Hz (−6 dB/octave above
//!   it), scaled so that the RMS is 0.25.

use super::{ChannelRule, Context, Kernel, KindSpec, Outputs, PortIn};

const fn source(name: &'static str, doc: &'static str, make: fn() -> Box<dyn Kernel>) -> KindSpec {
    KindSpec::new(name, doc, &[], ChannelRule::Mono, make)
}

/// `noise {}`: white noise.
pub const NOISE: KindSpec = source("noise", "White noise, −1…1.", || Box::new(Noise::new(Color::White)));
/// `pink {}`: pink noise.
pub const PINK: KindSpec = source("pink", "Pink noise (−3 dB/octave).", || Box::new(Noise::new(Color::Pink)));
/// `brown_noise {}`: brown (red) noise.
pub const BROWN_NOISE: KindSpec = source("brown_noise", "Brown noise (−6 dB/octave).", || {
    Box::new(Noise::new(Color::Brown))
});

/// SplitMix64's output mixer.
#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A counter-based uniform generator: value k is a function of (seed, k) only.
#[derive(Clone, Copy, Debug)]
pub struct Rng {
    seed: u64,
    counter: u64,
}

impl Rng {
    /// A generator for `seed`, at value 0.
    pub fn new(seed: u64) -> Rng {
        Rng {
            seed: mix(seed ^ 0x6a09_e667_f3bc_c909),
            counter: 0,
        }
    }

    /// Value `k` of the stream of `seed` (as mixed by [`Rng::new`]): uniform in −1..1, on a grid
    /// of 2^−23 (24 random bits).
    #[inline(always)]
    fn at(seed: u64, k: u64) -> f32 {
        let z = mix(seed.wrapping_add(k.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        (z >> 40) as f32 * (2.0 / 16_777_216.0) - 1.0
    }

    /// The next value.
    #[inline(always)]
    pub fn sample(&mut self) -> f32 {
        let v = Rng::at(self.seed, self.counter);
        self.counter = self.counter.wrapping_add(1);
        v
    }

    /// Fills `out` with the next `out.len()` values: one vector loop (integer mixing only, so
    /// every SIMD level gives the same bits).
    #[inline]
    pub fn fill(&mut self, out: &mut [f32]) {
        let (seed, base) = (self.seed, self.counter);
        super::simd::dispatch(|| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = Rng::at(seed, base.wrapping_add(i as u64));
            }
        });
        self.counter = base.wrapping_add(out.len() as u64);
    }
}

impl Default for Rng {
    fn default() -> Rng {
        Rng::new(0)
    }
}

/// Which noise a [`Noise`] kernel makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// Flat.
    White,
    /// −3 dB/octave.
    Pink,
    /// −6 dB/octave.
    Brown,
}

/// A noise source.
#[derive(Debug)]
pub struct Noise {
    color: Color,
    rng: Rng,
    /// Pinking filter states b0..b6, or the integrator in `b[0]`.
    b: [f32; 7],
    /// Brown: integrator pole and input gain.
    leak: f32,
    gain: f32,
}

impl Noise {
    /// A source of `color`, seeded by `seed` until [`Kernel::seed`] says otherwise.
    pub fn new(color: Color) -> Noise {
        Noise {
            color,
            rng: Rng::new(color as u64),
            b: [0.0; 7],
            leak: 0.0,
            gain: 0.0,
        }
    }
}

/// Brown noise corner frequency, Hz.
const BROWN_CORNER: f32 = 10.0;
/// Brown noise RMS.
const BROWN_RMS: f32 = 0.25;

impl Kernel for Noise {
    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        // y = a·y + g·w with var(w) = 1/3 has var(y) = g²/(3(1 − a²)).
        let a = (-std::f32::consts::TAU * BROWN_CORNER / sample_rate).exp();
        self.leak = a;
        self.gain = BROWN_RMS * (3.0 * (1.0 - a * a)).sqrt();
    }

    #[allow(clippy::excessive_precision)]
    fn process(&mut self, _ctx: &Context, _inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        self.rng.fill(out);
        match self.color {
            Color::White => {}
            Color::Pink => {
                // Kellet's published coefficients, kept digit for digit.
                let [mut b0, mut b1, mut b2, mut b3, mut b4, mut b5, mut b6] = self.b;
                for o in out.iter_mut() {
                    let w = *o;
                    b0 = 0.99886 * b0 + w * 0.0555179;
                    b1 = 0.99332 * b1 + w * 0.0750759;
                    b2 = 0.96900 * b2 + w * 0.1538520;
                    b3 = 0.86650 * b3 + w * 0.3104856;
                    b4 = 0.55000 * b4 + w * 0.5329522;
                    b5 = -0.7616 * b5 - w * 0.0168980;
                    *o = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362) * 0.11;
                    b6 = w * 0.115926;
                }
                self.b = [b0, b1, b2, b3, b4, b5, b6];
            }
            Color::Brown => {
                let (a, g) = (self.leak, self.gain);
                let mut y = self.b[0];
                for o in out.iter_mut() {
                    y = a * y + g * *o;
                    *o = y;
                }
                self.b[0] = y;
            }
        }
    }

    fn seed(&mut self, seed: u64) {
        self.rng = Rng::new(seed);
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::check::*;

    #[test]
    fn noises_are_block_invariant_and_seeded() {
        for kind in ["noise", "pink", "brown_noise"] {
            let x = assert_invariant(kind, &[], 3000);
            let mut other = make(kind).unwrap();
            other.seed(99);
            let y = render_sizes(other.as_mut(), &[], 1, 3000, MIXED);
            assert!(
                x[0] != y[0],
                "{kind}: a different seed gives a different stream"
            );
        }
    }

    use crate::kernels::make;

    /// Uniform noise on −1..1 has mean 0 and RMS 1/√3. Over 2^17 frames the mean-square estimate
    /// has a relative standard deviation of √(4/45)/(1/3)/√N ≈ 0.25 %, so 1 % is > 4σ.
    #[test]
    fn white_noise_rms_and_flat_spectrum() {
        let n = 1 << 17;
        let x = &render_kind("noise", &[], n)[0];
        let want = 1.0 / 3f64.sqrt();
        let r = rms(x);
        assert!((r - want).abs() / want < 0.01, "rms {r}");
        let mean = x.iter().map(|v| *v as f64).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!(x.iter().all(|v| (-1.0..1.0).contains(v)));
        let slope = octave_slope(x, 125.0, 7);
        assert!(slope.abs() < 0.5, "white slope {slope} dB/oct");
    }

    /// Pink noise's density falls 3.01 dB per octave (1/f): octave bands 125 Hz–16 kHz, fitted
    /// slope within ±0.5 dB/oct (Kellet's filter is within ±0.05 dB; the rest is estimator noise
    /// of 2^18 frames in 8192-frame segments).
    #[test]
    fn pink_noise_falls_3_db_per_octave() {
        let x = &render_kind("pink", &[], 1 << 18)[0];
        let slope = octave_slope(x, 125.0, 7);
        assert!((slope + 3.01).abs() < 0.5, "pink slope {slope} dB/oct");
    }

    /// Brown noise's density falls 6.02 dB per octave (1/f²) above its 10 Hz corner; measured over
    /// 250 Hz–4 kHz, where the digital integrator's |1 − a·e^(−jω)|² departs from ω² by under
    /// 0.3 dB. RMS is 0.25 by construction; with a ~16 Hz noise bandwidth, 10 s give about 300
    /// degrees of freedom (σ ≈ 4 % on the RMS), so the tolerance is 15 %.
    #[test]
    fn brown_noise_falls_6_db_per_octave_with_rms_a_quarter() {
        let x = &render_kind("brown_noise", &[], 441_000)[0];
        let slope = octave_slope(&x[..1 << 18], 250.0, 4);
        assert!((slope + 6.02).abs() < 0.5, "brown slope {slope} dB/oct");
        let r = rms(x);
        assert!((r - 0.25).abs() / 0.25 < 0.15, "brown rms {r}");
    }
}
