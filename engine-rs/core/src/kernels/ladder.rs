//! The Moog ladder: `moog_ladder`, a four-pole low-pass with resonance, solved without delay-free-loop error (TPT, Zavalishin).
//!
//! Ports and units:
//! - `in`: the signal, required, mono or stereo (one state per channel; output as many channels).
//! - `cutoff`: Hz, default 1000, clamped to 20..min(20 kHz, 0.49·sr); NaN reads as 1000.
//! - `res`: resonance 0..1, default 0.5, clamped (NaN reads as 0.5); the feedback is k = 3.6·res.
//!
//! Four identical one-pole TPT stages (G = g/(1 + g), g = tan(π·fc/sr)) with the global feedback
//! u = in − k·y4 solved exactly each frame (y4 = (G⁴·in + S)/(1 + k·G⁴), S the stages' state
//! contribution), which is the bilinear transform, prewarped at the cutoff, of the analog ladder
//! H(s) = 1/((1 + s)⁴ + k). The output is scaled by 1 + k so that the pass band (DC) has unity
//! gain at any resonance; the peak at the cutoff is then (1 + k)/(4 − k): +2 dB at res 0.5,
//! +21 dB at res 1 (k = 3.6 stays below self-oscillation at 4). Linear (no saturation). Like the
//! SVF, the TPT structure keeps its state consistent when the cutoff jumps, so cutoff and res are
//! not smoothed; coefficients are computed once per block when both are constant and otherwise
//! whenever either changes (a `tan` per change). State is f64, flushed below 1e-200 and reset when
//! non-finite at block ends.

use super::control::clamp_or;
use super::filter::{MAX_CUTOFF, MIN_CUTOFF};
use super::scratch::Scratch;
use super::{ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};

/// `moog_ladder {in, cutoff, res}`.
pub const MOOG_LADDER: KindSpec = KindSpec {
    name: "moog_ladder",
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
            name: "res",
            default: Some(0.5),
            stereo: false,
        },
    ],
    channels: ChannelRule::FollowInputs,
    triggers: false,
};

/// Feedback at res 1.
pub const MAX_K: f64 = 3.6;

/// Coefficients for one (cutoff, res).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LadderCoefs {
    /// G = g/(1 + g).
    big_g: f64,
    /// 1/(1 + g).
    beta: f64,
    /// Feedback.
    k: f64,
}

impl LadderCoefs {
    /// Clamps and computes the coefficients.
    pub fn new(cutoff: f32, res: f32, sr: f32) -> LadderCoefs {
        let hi = MAX_CUTOFF.min(0.49 * sr);
        let fc = clamp_or(cutoff, 1000.0, MIN_CUTOFF, hi) as f64;
        let k = MAX_K * clamp_or(res, 0.5, 0.0, 1.0) as f64;
        let g = (std::f64::consts::PI * fc / sr as f64).tan();
        LadderCoefs {
            big_g: g / (1.0 + g),
            beta: 1.0 / (1.0 + g),
            k,
        }
    }
}

/// One channel's four stage states.
#[derive(Clone, Copy, Debug, Default)]
pub struct LadderState {
    s: [f64; 4],
}

impl LadderState {
    /// One frame.
    #[inline(always)]
    pub fn tick(&mut self, c: &LadderCoefs, x: f64) -> f64 {
        let g = c.big_g;
        let [s1, s2, s3, s4] = self.s;
        let g2 = g * g;
        let sum = c.beta * (g2 * g * s1 + g2 * s2 + g * s3 + s4);
        let y4 = (g2 * g2 * x + sum) / (1.0 + c.k * g2 * g2);
        let mut u = x - c.k * y4;
        for s in self.s.iter_mut() {
            let v = (u - *s) * g;
            let y = v + *s;
            *s = y + v;
            u = y;
        }
        u * (1.0 + c.k)
    }

    /// End-of-block hygiene.
    pub fn settle(&mut self) {
        if !self.s.iter().all(|v| v.is_finite()) {
            self.s = [0.0; 4];
        }
        for v in &mut self.s {
            if v.abs() < 1e-200 {
                *v = 0.0;
            }
        }
    }
}

/// `moog_ladder`.
#[derive(Debug, Default)]
pub struct MoogLadder {
    sr: f32,
    state: [LadderState; 2],
    /// (cutoff bits, res bits) of `coefs`.
    key: (u32, u32),
    coefs: LadderCoefs,
    frames: Vec<LadderCoefs>,
    scratch: Scratch,
}

impl MoogLadder {
    #[inline(always)]
    fn coefs_for(&mut self, fc: f32, res: f32) -> LadderCoefs {
        let key = (fc.to_bits(), res.to_bits());
        if key != self.key {
            self.key = key;
            self.coefs = LadderCoefs::new(fc, res, self.sr);
        }
        self.coefs
    }
}

#[inline(always)]
fn run(
    st: &mut LadderState,
    out: &mut [f32],
    x: impl Fn(usize) -> f32,
    c: impl Fn(usize) -> LadderCoefs,
) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = st.tick(&c(i), x(i) as f64) as f32;
    }
    st.settle();
}

impl Kernel for MoogLadder {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sr = sample_rate;
        self.key = (f32::NAN.to_bits(), f32::NAN.to_bits());
        self.frames = vec![LadderCoefs::default(); max_block];
        self.scratch.prepare(2, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let fixed = match (inputs[1].left(), inputs[2].left()) {
            (Input::Const(f), Input::Const(r)) => Some(self.coefs_for(f, r)),
            (f, r) => {
                let mut frames = std::mem::take(&mut self.frames);
                let mut scratch = std::mem::take(&mut self.scratch);
                let [f, r] = scratch.slices([f, r], n);
                for (i, slot) in frames[..n].iter_mut().enumerate() {
                    *slot = self.coefs_for(f[i], r[i]);
                }
                self.frames = frames;
                self.scratch = scratch;
                None
            }
        };
        let frames = &self.frames[..n];
        for c in 0..out.channels() {
            let o = out.channel(c);
            let st = &mut self.state[c];
            match (inputs[0].ch[c], fixed) {
                (Input::Const(v), Some(cf)) => run(st, o, |_| v, |_| cf),
                (Input::Block(x), Some(cf)) => {
                    let x = &x[..n];
                    run(st, o, |i| x[i], |_| cf)
                }
                (Input::Const(v), None) => run(st, o, |_| v, |i| frames[i]),
                (Input::Block(x), None) => {
                    let x = &x[..n];
                    run(st, o, |i| x[i], |i| frames[i])
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::check::{assert_invariant, db, gain_at, render_kind, test_noise, SR};
    use crate::kernels::testing::Src;

    /// |H| of the prewarped analog ladder with unity-DC compensation: (1 + k)/|(1 + s)⁴ + k|,
    /// s = j·tan(πf/sr)/tan(πfc/sr).
    fn formula(f: f64, fc: f64, k: f64) -> f64 {
        let pi = std::f64::consts::PI;
        let w = (pi * f / SR as f64).tan() / (pi * fc / SR as f64).tan();
        // (1 + jw)^4 = 1 − 6w² + w⁴ + j(4w − 4w³)
        let re = 1.0 - 6.0 * w * w + w.powi(4) + k;
        let im = 4.0 * w - 4.0 * w.powi(3);
        (1.0 + k) / (re * re + im * im).sqrt()
    }

    /// Measured magnitude at res 0, 0.5 and 1 (k = 0, 1.8, 3.6), cutoff 1 kHz, against the
    /// formula within 0.05 dB (or both below −60 dB): the pass band is 0 dB, the cutoff
    /// (1 + k)/(4 − k) for k > 0 (+21.2 dB at res 1), −24 dB/octave above.
    #[test]
    fn ladder_matches_the_analog_prototype() {
        for (res, k) in [(0.0, 0.0), (0.5, 1.8), (1.0, 3.6)] {
            for f in [100.0, 500.0, 1000.0, 2000.0, 8000.0] {
                let want = formula(f, 1000.0, k);
                let got = gain_at(
                    "moog_ladder",
                    &[Src::Const(0.0), Src::Const(1000.0), Src::Const(res)],
                    f,
                );
                if db(want) > -60.0 {
                    assert!(
                        (db(got) - db(want)).abs() < 0.05,
                        "res {res} at {f}: {} vs {}",
                        db(got),
                        db(want)
                    );
                } else {
                    assert!(db(got) < -60.0);
                }
            }
        }
        let at_fc = formula(1000.0, 1000.0, 3.6);
        assert!((db(at_fc) - db(4.6 / 0.4)).abs() < 1e-9);
    }

    #[test]
    fn ladder_is_block_invariant() {
        let n = 4000;
        let x = Src::Stereo(test_noise(n, 1), test_noise(n, 2));
        let f: Vec<f32> = (0..n)
            .map(|i| [300.0, 5000.0, f32::NAN, 1.0, 1e6][(i / 500) % 5])
            .collect();
        let r: Vec<f32> = (0..n)
            .map(|i| [0.2, 1.0, f32::NAN, -1.0, 0.7][(i / 300) % 5])
            .collect();
        assert_invariant("moog_ladder", &[x.clone(), Src::Mono(f), Src::Mono(r)], n);
        assert_invariant("moog_ladder", &[x, Src::Const(800.0), Src::Const(0.9)], n);
        let y = &render_kind(
            "moog_ladder",
            &[Src::Const(0.5), Src::Const(300.0), Src::Const(0.7)],
            20000,
        )[0];
        assert!((y[19999] - 0.5).abs() < 1e-5, "unity DC gain: {}", y[19999]);
    }
}
