//! Additive oscillators: `additive` (eight harmonics at given amplitudes) and `organ` (a fixed drawbar registration).
//!
//! Both sum sines of whole multiples of a base phase, computed with the Chebyshev recursion
//! sin(kθ) = 2·cos θ·sin((k − 1)θ) − sin((k − 2)θ): one `sin_cos` per frame and a multiply-add
//! per partial. A partial at or above Nyquist is left out (so nothing aliases). Phases are f64
//! and start at 0 (the output starts at 0). Output: mono.
//!
//! - `additive {freq=440, a1=1, a2..a8=0}`: Σ_{k=1..8} a_k·sin(2πk·φ), φ advancing by freq/sr.
//!   `freq` in Hz clamped to −sr/2..sr/2 (NaN reads as 0); amplitudes clamped to −16..16 (NaN
//!   reads as 0). The reference's `additive freq "a1 a2 a3…"` list goes to the ports a1, a2, …
//!   (at most 8 partials); the sum is not normalized (a steady sum has RMS √(Σ a_k²/2)).
//! - `organ {freq=440}`: a drawbar organ: sine partials at 0.5, 1, 1.5, 2, 3 and 4 times freq
//!   (the 16′, 8′, 5⅓′, 4′, 2⅔′ and 2′ footages) at levels 0.5, 1, 0.6, 0.5, 0.3, 0.25, divided
//!   by their sum (3.15) so the peak never exceeds 1; computed as harmonics 1, 2, 3, 4, 6, 8 of
//!   freq/2. (The reference's `organ` is fundsp's organ wave; this is a registration of our own.)

use super::control::clamp_or;
use super::osc::clamp_freq;
use super::scratch::Scratch;
use super::{ChannelRule, Context, Kernel, KindSpec, Outputs, PortIn, PortSpec};
use std::f64::consts::TAU;

use super::param as par;

const FREQ: PortSpec = par("freq", 440.0).unit("Hz, ±Nyquist");

/// The amplitude of one harmonic partial.
const fn amp(name: &'static str, default: f32) -> PortSpec {
    par(name, default).unit("gain")
}

/// `additive {freq, a1..a8}`.
pub const ADDITIVE: KindSpec = KindSpec::new(
    "additive",
    "Sum of harmonic partials with the given amplitudes (`additive 110 \"1 0.5 0.33\"`); without them, a sine.",
    &[
        FREQ,
        amp("a1", 1.0),
        amp("a2", 0.0),
        amp("a3", 0.0),
        amp("a4", 0.0),
        amp("a5", 0.0),
        amp("a6", 0.0),
        amp("a7", 0.0),
        amp("a8", 0.0),
    ],
    ChannelRule::Mono,
    || Box::new(Additive::new(false)),
);

/// `organ {freq}`.
pub const ORGAN: KindSpec = KindSpec::new(
    "organ",
    "Organ tone (drawbar-style partials).",
    &[FREQ],
    ChannelRule::Mono,
    || Box::new(Additive::new(true)),
);

/// Partials.
pub const PARTIALS: usize = 8;

/// The organ's weights on harmonics 1..8 of freq/2, normalized.
pub const ORGAN_WEIGHTS: [f64; PARTIALS] = {
    let w = [0.5, 1.0, 0.6, 0.5, 0.0, 0.3, 0.0, 0.25];
    let sum = 3.15;
    [
        w[0] / sum,
        w[1] / sum,
        w[2] / sum,
        w[3] / sum,
        w[4] / sum,
        w[5] / sum,
        w[6] / sum,
        w[7] / sum,
    ]
};

/// Σ w_k·sin(kθ) over the partials below `kmax` (exclusive bound on k as a real number).
#[inline(always)]
fn partial_sum(theta: f64, w: &[f64; PARTIALS], kmax: f64) -> f64 {
    let (s1, c) = theta.sin_cos();
    let c2 = 2.0 * c;
    let (mut prev, mut cur) = (0.0, s1);
    let mut sum = 0.0;
    for (k, wk) in w.iter().enumerate() {
        if (k + 1) as f64 >= kmax {
            break;
        }
        sum += wk * cur;
        let next = c2 * cur - prev;
        prev = cur;
        cur = next;
    }
    sum
}

/// `additive` and `organ`.
#[derive(Debug)]
pub struct Additive {
    organ: bool,
    phase: f64,
    inv_sr: f64,
    nyquist: f32,
    scratch: Scratch,
}

impl Additive {
    /// `additive` (false) or `organ` (true).
    pub fn new(organ: bool) -> Additive {
        Additive {
            organ,
            phase: 0.0,
            inv_sr: 1.0 / 44100.0,
            nyquist: 22050.0,
            scratch: Scratch::default(),
        }
    }
}

impl Kernel for Additive {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.inv_sr = 1.0 / sample_rate as f64;
        self.nyquist = 0.5 * sample_rate;
        self.scratch.prepare(PARTIALS + 1, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let (inv_sr, nyq) = (self.inv_sr, self.nyquist);
        let mut p = self.phase;
        if self.organ {
            let [f] = self.scratch.slices([inputs[0].left()], n);
            for (o, f) in out.iter_mut().zip(f) {
                let base = 0.5 * clamp_freq(*f, nyq) as f64;
                let kmax = if base == 0.0 {
                    f64::INFINITY
                } else {
                    nyq as f64 / base.abs()
                };
                *o = partial_sum(TAU * p, &ORGAN_WEIGHTS, kmax) as f32;
                let q = p + base * inv_sr;
                p = q - q.floor();
            }
        } else {
            let ins: [_; PARTIALS + 1] = std::array::from_fn(|k| inputs[k].left());
            let s = self.scratch.slices(ins, n);
            for (i, o) in out.iter_mut().enumerate() {
                let f = clamp_freq(s[0][i], nyq) as f64;
                let kmax = if f == 0.0 {
                    f64::INFINITY
                } else {
                    nyq as f64 / f.abs()
                };
                let w: [f64; PARTIALS] =
                    std::array::from_fn(|k| clamp_or(s[k + 1][i], 0.0, -16.0, 16.0) as f64);
                *o = partial_sum(TAU * p, &w, kmax) as f32;
                let q = p + f * inv_sr;
                p = q - q.floor();
            }
        }
        self.phase = p;
    }
}

#[cfg(test)]
mod tests {
    use super::ORGAN_WEIGHTS;
    use crate::kernels::check::{assert_invariant, dft_mag, render_kind, rms, SR};
    use crate::kernels::testing::{assert_same, Src};
    use std::f64::consts::TAU;

    fn srcs(f: f32, a: [f32; 8]) -> Vec<Src> {
        std::iter::once(Src::Const(f))
            .chain(a.map(Src::Const))
            .collect()
    }

    /// additive 500 Hz with a = 1, 0.5, 0, 0.25: the DFT magnitudes at k·500 Hz stand as the
    /// amplitudes (within 0.5 %), the RMS is √((1 + 0.25 + 0.0625)/2) within 0.1 %, and it equals
    /// the direct sum of sines per frame (within 1e-6). At 5 kHz the 5th partial (25 kHz) is left
    /// out: a5 = 1 changes nothing.
    #[test]
    fn additive_sums_its_partials() {
        let n = 44100;
        let a = [1.0, 0.5, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0];
        let x = &render_kind("additive", &srcs(500.0, a), n)[0];
        let m1 = dft_mag(x, 500.0);
        for (k, want) in [(2, 0.5), (4, 0.25)] {
            let r = dft_mag(x, 500.0 * k as f64) / m1;
            assert!((r - want).abs() / want < 0.005, "partial {k}: {r}");
        }
        assert!(dft_mag(x, 1500.0) / m1 < 1e-3);
        let want = ((1.0 + 0.25 + 0.0625) / 2.0f64).sqrt();
        assert!((rms(x) - want).abs() / want < 1e-3);
        for (i, v) in x.iter().enumerate().take(2000) {
            let t = TAU * (500.0 * i as f64 / SR as f64).fract();
            let d = t.sin() + 0.5 * (2.0 * t).sin() + 0.25 * (4.0 * t).sin();
            assert!((*v as f64 - d).abs() < 1e-6, "frame {i}");
        }
        let a4 = [1.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0];
        let a5 = [1.0, 0.0, 0.0, 0.5, 1.0, 0.0, 0.0, 0.0];
        let x4 = render_kind("additive", &srcs(5000.0, a4), 2000);
        let x5 = render_kind("additive", &srcs(5000.0, a5), 2000);
        assert_same("partial above Nyquist", &x5[0], &x4[0]);
    }

    /// organ 440 Hz: partials at 220, 440, 660, 880, 1320, 1760 Hz standing as the drawbar
    /// levels 0.5 : 1 : 0.6 : 0.5 : 0.3 : 0.25 (within 0.5 %), nothing at 1100 Hz.
    #[test]
    fn organ_has_its_registration() {
        let x = &render_kind("organ", &[Src::Const(440.0)], 44100)[0];
        let m = dft_mag(x, 440.0);
        for (k, f) in [(0, 220.0), (2, 660.0), (3, 880.0), (5, 1320.0), (7, 1760.0)] {
            let want = ORGAN_WEIGHTS[k] / ORGAN_WEIGHTS[1];
            let r = dft_mag(x, f) / m;
            assert!((r - want).abs() / want < 0.005, "{f} Hz: {r} vs {want}");
        }
        assert!(dft_mag(x, 1100.0) / m < 1e-3);
        assert!(x.iter().all(|v| v.abs() <= 1.0));
    }

    #[test]
    fn additive_is_block_invariant() {
        let n = 3000;
        let f: Vec<f32> = (0..n)
            .map(|i| [110.0, 6000.0, f32::NAN, -220.0, 30000.0][(i / 500) % 5])
            .collect();
        let a: Vec<f32> = (0..n)
            .map(|i| [0.5, 1.0, f32::NAN, 100.0][(i / 300) % 4])
            .collect();
        let mut s = vec![Src::Mono(f.clone())];
        s.extend((0..8).map(|_| Src::Mono(a.clone())));
        assert_invariant("additive", &s, n);
        assert_invariant(
            "additive",
            &srcs(330.0, [1.0, 0.3, 0.2, 0.1, 0.0, 0.5, 0.0, 0.1]),
            n,
        );
        assert_invariant("organ", &[Src::Mono(f)], n);
        assert_invariant("organ", &[Src::Const(262.0)], n);
    }
}
