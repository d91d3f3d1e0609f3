//! Formant filters: `formant` (three band-passes at given frequencies and bandwidths) and `vowel` (the same, set by a vowel).
//!
//! Both run three band-pass sections in parallel and sum them (the cookbook's BPF,
//! [`super::biquad`], direct form I, one state per channel; `in` mono or stereo, output as many
//! channels).
//!
//! - `formant {in, f1=650, f2=1080, f3=2650, bw1=80, bw2=90, bw3=120}`: centre frequencies in Hz
//!   (clamped 10..0.49·sr) and bandwidths in Hz; each section's q = f/bw is clamped to 0.1..40
//!   (a NaN reads as the default). The defaults are a tenor "a". Frequencies and q ramp over
//!   5 ms when they change, like every biquad parameter. Level, as the reference's formant
//!   (ekg/phonon `FormantState::process`: three Chamberlin band-pass outputs, damping 1/q, summed
//!   and halved): each section's gain at its centre is q (the cookbook's constant-skirt BPF,
//!   q clamped to 0.5..40 for this gain), and the sum is halved, so a formant at 730 Hz with
//!   bandwidth 80 Hz passes its centre at 0.5·730/80 = 4.56 (+13.2 dB).
//! - `vowel {in, vowel=0}`: 0 a, 1 e, 2 i, 3 o, 4 u (the reference's `"a e i o u"` pattern, sent
//!   as numbers); fractional values interpolate the formant frequencies, bandwidths and
//!   amplitudes linearly between neighbours; clamped to 0..4 (NaN reads as 0) and ramped over
//!   5 ms (14 control periods, 5.08 ms at 44.1 kHz) so a vowel change glides instead of
//!   clicking. The three formants of each vowel, their
//!   bandwidths and levels come from the tenor table of the Csound manual's formant appendix:
//!   a 650/1080/2650 Hz, e 400/1700/2600, i 290/1870/2800, o 400/800/2600, u 350/600/2700, at
//!   0 dB for the first formant and −6..−20 dB for the others.
//!
//! Coefficients are computed once per block while the parameters hold still, and while they
//! move every 16 frames ([`super::krate`], as for every biquad: parameters, and the vowel's
//! 5 ms ramp, read and advanced at those frames; coefficients interpolated linearly in between,
//! trailing the parameters by 15 frames).

use super::biquad::{BqState, Design, Limit, Section, FREQ, Q};
use super::control::{clamp_or, Glide};
use super::krate::{Ramp, KRATE};
use super::scratch::Scratch;
use super::{ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};

const IN: PortSpec = super::audio("in");

use super::param as par;

/// `formant {in, f1, f2, f3, bw1, bw2, bw3}`.
pub const FORMANT: KindSpec = KindSpec::new(
    "formant",
    "Three-formant filter.",
    &[
        IN,
        par("f1", 650.0).unit("Hz"),
        par("f2", 1080.0).unit("Hz"),
        par("f3", 2650.0).unit("Hz"),
        par("bw1", 80.0).unit("Hz"),
        par("bw2", 90.0).unit("Hz"),
        par("bw3", 120.0).unit("Hz"),
    ],
    ChannelRule::FollowInputs,
    || Box::new(Formants::new(false)),
);

/// `vowel {in, vowel}`.
pub const VOWEL: KindSpec = KindSpec::new(
    "vowel",
    "Formant filter for the vowels a e i o u (a pattern).",
    &[IN, par("vowel", 0.0).unit("a e i o u")],
    ChannelRule::FollowInputs,
    || Box::new(Formants::new(true)),
);

/// Tenor formants per vowel (a e i o u): frequencies (Hz), bandwidths (Hz), levels (dB).
pub const VOWELS: [([f32; 3], [f32; 3], [f32; 3]); 5] = [
    (
        [650.0, 1080.0, 2650.0],
        [80.0, 90.0, 120.0],
        [0.0, -6.0, -7.0],
    ),
    (
        [400.0, 1700.0, 2600.0],
        [70.0, 80.0, 100.0],
        [0.0, -14.0, -12.0],
    ),
    (
        [290.0, 1870.0, 2800.0],
        [40.0, 90.0, 100.0],
        [0.0, -15.0, -18.0],
    ),
    (
        [400.0, 800.0, 2600.0],
        [40.0, 80.0, 100.0],
        [0.0, -10.0, -12.0],
    ),
    (
        [350.0, 600.0, 2700.0],
        [40.0, 60.0, 100.0],
        [0.0, -20.0, -17.0],
    ),
];

/// The formant set (frequency, q, linear level) of a vowel position 0..4.
pub fn vowel_formants(v: f32) -> [[f32; 3]; 3] {
    let v = clamp_or(v, 0.0, 0.0, 4.0);
    let i = (v.floor() as usize).min(3);
    let t = v - i as f32;
    let (a, b) = (&VOWELS[i], &VOWELS[i + 1]);
    let lerp = |x: f32, y: f32| x + (y - x) * t;
    std::array::from_fn(|k| {
        let f = lerp(a.0[k], b.0[k]);
        let bw = lerp(a.1[k], b.1[k]);
        let amp = lerp(10f32.powf(a.2[k] / 20.0), 10f32.powf(b.2[k] / 20.0));
        [f, f / bw, amp]
    })
}

const BP_LIMITS: [Limit; 3] = [
    FREQ,
    Q,
    Limit {
        default: 1.0,
        lo: 0.0,
        hi: 1.0,
    },
];

/// `formant`'s sections: the gain (0.5·q) reaches 0.5·[`FORMANT_Q_MAX`].
const FORMANT_LIMITS: [Limit; 3] = [
    FREQ,
    Q,
    Limit {
        default: 1.0,
        lo: 0.0,
        hi: 0.5 * FORMANT_Q_MAX,
    },
];

/// The q range of `formant`'s section gain (the reference's Chamberlin damping 1/q has q ≥ 0.5;
/// 40 is the section's own q cap).
const FORMANT_Q_MIN: f32 = 0.5;
/// See [`FORMANT_Q_MIN`].
const FORMANT_Q_MAX: f32 = 40.0;

/// Three band-passes in parallel.
#[derive(Debug)]
pub struct Formants {
    /// `vowel` (one port) rather than `formant`.
    vowel: bool,
    sections: [Section; 3],
    state: [[BqState; 3]; 2],
    /// The vowel's 5 ms ramp, advanced once per control frame.
    glide: Glide,
    /// The glided vowel position of `last`, and its formant sets.
    last: (u32, [[f32; 3]; 3]),
    /// This block's formant sets at the control frames (vowel).
    sets: Vec<[[f32; 3]; 3]>,
    tmp: Vec<f32>,
    scratch: Scratch,
}

impl Formants {
    /// `formant` (false) or `vowel` (true).
    pub fn new(vowel: bool) -> Formants {
        let limits = if vowel { BP_LIMITS } else { FORMANT_LIMITS };
        let make = || Section::new(Design::Bp, limits, !vowel);
        Formants {
            vowel,
            sections: [make(), make(), make()],
            state: [[BqState::default(); 3]; 2],
            glide: Glide::default(),
            last: (u32::MAX, [[0.0; 3]; 3]),
            sets: Vec::new(),
            tmp: Vec::new(),
            scratch: Scratch::default(),
        }
    }

    /// The formant sets of glided vowel position `v`, through the one-entry cache.
    fn sets_of(last: &mut (u32, [[f32; 3]; 3]), v: f32) -> [[f32; 3]; 3] {
        if v.to_bits() != last.0 {
            *last = (v.to_bits(), vowel_formants(v));
        }
        last.1
    }
}

impl Kernel for Formants {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        for s in &mut self.sections {
            s.prepare(sample_rate, max_block);
        }
        self.glide.prepare(sample_rate / KRATE as f32);
        self.sets = vec![[[0.0; 3]; 3]; Ramp::<5>::max_controls(max_block)];
        self.tmp = vec![0.0; max_block];
        self.scratch.prepare(1, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        if self.vowel {
            let v = inputs[1].left();
            let clamp = |v: f32| clamp_or(v, 0.0, 0.0, 4.0);
            match v {
                Input::Const(c) if self.glide.settled(clamp(c)) => {
                    let set = Formants::sets_of(&mut self.last, clamp(c));
                    for (s, p) in self.sections.iter_mut().zip(set) {
                        s.plan(true, n, |_| p);
                    }
                }
                _ => {
                    // The glided vowel at the control frames (the sections share one grid),
                    // then each section reads its formant from those sets in order.
                    let mut count = 0;
                    for (slot, i) in self.sets.iter_mut().zip(self.sections[0].control_frames(n)) {
                        let vi = self.glide.next(clamp(v.at(i)));
                        *slot = Formants::sets_of(&mut self.last, vi);
                        count += 1;
                    }
                    let sets = &self.sets[..count];
                    for (k, s) in self.sections.iter_mut().enumerate() {
                        let mut j = sets.iter();
                        s.plan(false, n, |_| j.next().map_or([0.0; 3], |set| set[k]));
                    }
                }
            }
        } else {
            let ins: [Input; 6] = std::array::from_fn(|k| inputs[1 + k].left());
            let constant = ins.iter().all(|i| matches!(i, Input::Const(_)));
            for (k, s) in self.sections.iter_mut().enumerate() {
                let (dflt_f, dflt_bw) = [(650.0, 80.0), (1080.0, 90.0), (2650.0, 120.0)][k];
                let (f, bw) = (ins[k], ins[3 + k]);
                s.plan(constant, n, |i| {
                    let fi = f.at(i);
                    let fi = if fi.is_nan() { dflt_f } else { fi };
                    let q = fi / clamp_or(bw.at(i), dflt_bw, 1e-3, f32::MAX);
                    [fi, q, 0.5 * q.clamp(FORMANT_Q_MIN, FORMANT_Q_MAX)]
                });
            }
        }
        for c in 0..out.channels() {
            let o = out.channel(c);
            let [x] = self.scratch.slices([inputs[0].ch[c]], n);
            o.fill(0.0);
            let tmp = &mut self.tmp[..n];
            for (s, st) in self.sections.iter().zip(self.state[c].iter_mut()) {
                s.run(st, x, tmp);
                for (o, t) in o.iter_mut().zip(tmp.iter()) {
                    *o += *t;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::check::{assert_invariant, db, gain_at, test_noise};
    use crate::kernels::testing::Src;

    /// The complex response of the cookbook's 0 dB-peak band-pass at `f` for centre `fc` and
    /// quality `q`. That BPF is the bilinear transform, with its centre prewarped, of the analog
    /// (s/q)/(s² + s/q + 1), so H = (j·w/q)/(1 − w² + j·w/q) with w = tan(πf/sr)/tan(πfc/sr).
    fn bp(f: f64, fc: f64, q: f64) -> (f64, f64) {
        // Complex response (re, im) of (w/q)·j / (1 − w² + j·w/q).
        let pi = std::f64::consts::PI;
        let sr = crate::kernels::check::SR as f64;
        let w = (pi * f / sr).tan() / (pi * fc / sr).tan();
        let (nr, ni) = (0.0, w / q);
        let (dr, di) = (1.0 - w * w, w / q);
        let d = dr * dr + di * di;
        ((nr * dr + ni * di) / d, (ni * dr - nr * di) / d)
    }

    /// formant: half the sum of three constant-skirt band-passes (peak gain q, as the reference's
    /// Chamberlin band outputs), |Σ 0.5·q_k·H_k| at chosen frequencies within 0.05 dB (at 650 Hz
    /// about 0.5·650/80 = 4.06); vowel 0 is the 0 dB-peak band-passes with the "a" levels applied
    /// (first formant at 0 dB dominates at 650 Hz).
    #[test]
    fn formants_sum_three_band_passes() {
        let set = [(650.0, 80.0), (1080.0, 90.0), (2650.0, 120.0)];
        for f in [300.0, 650.0, 1080.0, 1800.0, 2650.0, 5000.0] {
            let (mut re, mut im) = (0.0, 0.0);
            for (fc, bw) in set {
                let (r, i) = bp(f, fc, fc / bw);
                re += 0.5 * fc / bw * r;
                im += 0.5 * fc / bw * i;
            }
            let want = (re * re + im * im).sqrt();
            if f == 650.0 {
                assert!((want - 0.5 * 650.0 / 80.0).abs() < 0.1, "{want}");
            }
            let mut srcs = vec![Src::Const(0.0)];
            srcs.extend([650.0, 1080.0, 2650.0, 80.0, 90.0, 120.0].map(Src::Const));
            let got = gain_at("formant", &srcs, f);
            assert!(
                (db(got) - db(want)).abs() < 0.05,
                "formant at {f}: {} vs {}",
                db(got),
                db(want)
            );
            let levels = [1.0, 10f64.powf(-6.0 / 20.0), 10f64.powf(-7.0 / 20.0)];
            let (mut re, mut im) = (0.0, 0.0);
            for ((fc, bw), l) in set.iter().zip(levels) {
                let (r, i) = bp(f, *fc, fc / bw);
                re += l * r;
                im += l * i;
            }
            let want = (re * re + im * im).sqrt();
            let got = gain_at("vowel", &[Src::Const(0.0), Src::Const(0.0)], f);
            assert!(
                (db(got) - db(want)).abs() < 0.05,
                "vowel a at {f}: {} vs {}",
                db(got),
                db(want)
            );
        }
        let e = vowel_formants(1.0);
        assert_eq!(e[1][0], 1700.0);
        let mid = vowel_formants(0.5);
        assert_eq!(mid[0][0], (650.0 + 400.0) / 2.0);
    }

    #[test]
    fn formants_are_block_invariant() {
        let n = 3000;
        let x = Src::Stereo(test_noise(n, 1), test_noise(n, 2));
        let v: Vec<f32> = (0..n)
            .map(|i| [0.0, 2.5, f32::NAN, 4.0, 9.0, 1.0][(i / 400) % 6])
            .collect();
        assert_invariant("vowel", &[x.clone(), Src::Mono(v.clone())], n);
        crate::kernels::check::assert_lane_invariant(
            "vowel",
            &[x.clone(), Src::Mono(v.clone())],
            n,
        );
        assert_invariant("vowel", &[x.clone(), Src::Const(3.0)], n);
        let f: Vec<f32> = v.iter().map(|v| 300.0 + v * 400.0).collect();
        let mut s = vec![
            x.clone(),
            Src::Mono(f.clone()),
            Src::Const(1200.0),
            Src::Mono(f),
            Src::Mono(v.clone()),
        ];
        s.extend([Src::Const(100.0), Src::Const(0.0)]);
        assert_invariant("formant", &s, n);
        crate::kernels::check::assert_lane_invariant("formant", &s, n);
    }
}
