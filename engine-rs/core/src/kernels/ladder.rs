//! The Moog ladder: `moog_ladder`, a four-pole low-pass with resonance, solved without delay-free-loop error (TPT, Zavalishin).
//!
//! Ports and units:
//! - `in`: the signal, required, mono or stereo (one state per channel; output as many channels).
//! - `cutoff`: Hz, default 1000, clamped to 20..min(20 kHz, 0.49·sr); NaN reads as 1000.
//! - `res`: resonance 0..1, default 0.5, clamped (NaN reads as 0.5); the feedback is k = 4·res,
//!   the reference's (ekg/phonon's `MoogLadder`: `resonance_amt = res * 4.0`), capped at
//!   [`MAX_K`] = 3.96 (res 0.99) to stay below self-oscillation at 4.
//! - Rate: a per-frame `cutoff` or `res` is read every 16 frames, coefficients every 16 frames,
//!   linearly interpolated (see below); constants give coefficients once per block.
//!
//! Four identical one-pole TPT stages (G = g/(1 + g), g = tan(π·fc/sr)) with the global feedback
//! u = in − k·y4 solved exactly each frame (y4 = (G⁴·in + S)/(1 + k·G⁴), S the stages' state
//! contribution), which is the bilinear transform, prewarped at the cutoff, of the analog ladder
//! H(s) = 1/((1 + s)⁴ + k). As in the reference (and Moog's circuit) the output is not scaled:
//! the pass band (DC) gain is 1/(1 + k), falling as the resonance rises (−6 dB at res 0.25,
//! −9.5 dB at res 0.5, −14 dB at res 1), and the peak at the cutoff is 1/(4 − k) (0 dB at
//! res 0.75, +28 dB at k = 3.96). Linear (no saturation). Like the
//! SVF, the TPT structure keeps its state consistent when the cutoff jumps, so cutoff and res are
//! not smoothed beyond the control period. Coefficients are computed once per block when both
//! are constant; when either is a per-frame input, every 16 frames ([`super::krate`]: from the
//! inputs at that frame, on a grid block boundaries do not move; they trail the inputs by 15
//! frames, and a step acts within 15 frames and is complete 15 frames later), g from
//! [`super::fastmath::tan_pi`] (cutoff error under 0.001 cents). In between, (G, k) are
//! interpolated linearly and each frame solves the feedback for its own (G, k) (a division per
//! frame, off the ladder's recursion): every frame is then an exact ladder with 0 < G < 1 and
//! 0 ≤ k ≤ 3.96, each stable, where blending derived quantities (G⁴, 1/(1 + k·G⁴)) would leave
//! the feedback loop solved inexactly near self-oscillation. State is f64, flushed below 1e-200
//! and reset when non-finite at block ends.

use super::control::clamp_or;
use super::fastmath::tan_pi;
use super::filter::{MAX_CUTOFF, MIN_CUTOFF};
use super::krate::Ramp;
use super::{ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn};

/// `moog_ladder {in, cutoff, res}`.
pub const MOOG_LADDER: KindSpec = KindSpec::new(
    "moog_ladder",
    "4-pole Moog ladder lowpass.",
    &[
        super::audio("in"),
        super::param("cutoff", 1000.0).unit("Hz").range(20.0, 20000.0)
            .unit("Hz")
            .range(MIN_CUTOFF, MAX_CUTOFF),
        super::param("res", 0.5).unit("0–1").range(0.0, 1.0),
    ],
    ChannelRule::FollowInputs,
    || Box::new(MoogLadder::default()),
);

/// Feedback per unit of `res` (the reference's).
pub const K_PER_RES: f64 = 4.0;
/// Largest feedback (res ≥ 0.99): below self-oscillation at 4.
pub const MAX_K: f64 = 3.96;

/// Coefficients for one (cutoff, res): the pair a [`Ramp`] interpolates.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LadderCoefs {
    /// G = g/(1 + g), g = tan(π·fc/sr).
    big_g: f64,
    /// Feedback.
    k: f64,
}

impl LadderCoefs {
    /// Clamps and computes the coefficients (g from [`tan_pi`], relative error ≤ 3e-7).
    pub fn new(cutoff: f32, res: f32, sr: f32) -> LadderCoefs {
        let hi = MAX_CUTOFF.min(0.49 * sr);
        let fc = clamp_or(cutoff, 1000.0, MIN_CUTOFF, hi);
        let k = (K_PER_RES * clamp_or(res, 0.5, 0.0, 1.0) as f64).min(MAX_K);
        let g = tan_pi(fc / sr) as f64;
        LadderCoefs {
            big_g: g / (1.0 + g),
            k,
        }
    }

    #[inline(always)]
    fn to_array(self) -> [f64; 2] {
        [self.big_g, self.k]
    }
}

/// What a frame needs, derived from (G, k): G², G⁴, the stages' 1/(1 + g) = 1 − G, and the
/// feedback solution's 1/(1 + k·G⁴). Derived per frame while the pair is ramped (the division
/// does not sit on the ladder's recursion), once per block when it is fixed.
#[derive(Clone, Copy, Debug, Default)]
pub struct LadderFrame {
    g: f64,
    g2: f64,
    g4: f64,
    beta: f64,
    k: f64,
    inv: f64,
}

impl LadderFrame {
    /// The frame quantities of (G, k).
    #[inline(always)]
    pub fn of(c: &[f64; 2]) -> LadderFrame {
        let [g, k] = *c;
        let g2 = g * g;
        let g4 = g2 * g2;
        LadderFrame {
            g,
            g2,
            g4,
            beta: 1.0 - g,
            k,
            inv: 1.0 / (1.0 + k * g4),
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
    pub fn tick(&mut self, c: &LadderFrame, x: f64) -> f64 {
        let (g, g2) = (c.g, c.g2);
        let [s1, s2, s3, s4] = self.s;
        let sum = c.beta * (g2 * g * s1 + g2 * s2 + g * s3 + s4);
        let y4 = (c.g4 * x + sum) * c.inv;
        let mut u = x - c.k * y4;
        for s in self.s.iter_mut() {
            let v = (u - *s) * g;
            let y = v + *s;
            *s = y + v;
            u = y;
        }
        u
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
    /// (cutoff bits, res bits) and the coefficients made from them.
    last: ((u32, u32), LadderCoefs),
    /// (G, k) at control rate, and this block's targets.
    ramp: Ramp<2>,
    targets: Vec<[f64; 2]>,
}

/// The coefficients of (cutoff, res), through the one-entry cache `last`.
#[inline(always)]
fn cached(last: &mut ((u32, u32), LadderCoefs), fc: f32, res: f32, sr: f32) -> [f64; 2] {
    let key = (fc.to_bits(), res.to_bits());
    if key != last.0 {
        *last = (key, LadderCoefs::new(fc, res, sr));
    }
    last.1.to_array()
}

/// One channel with fixed coefficients.
#[inline(always)]
fn run_fixed(st: &mut LadderState, out: &mut [f32], x: impl Fn(usize) -> f32, c: &LadderFrame) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = st.tick(c, x(i) as f64) as f32;
    }
    st.settle();
}

/// One channel with control-rate coefficients.
#[inline(always)]
fn run_ramped(
    st: &mut LadderState,
    out: &mut [f32],
    x: impl Fn(usize) -> f32,
    ramp: &Ramp<2>,
    targets: &[[f64; 2]],
) {
    // The state in a local, so it stays in registers across the ramp's segments.
    let mut s = *st;
    ramp.run(targets, out.len(), |i, c| {
        out[i] = s.tick(&LadderFrame::of(c), x(i) as f64) as f32;
    });
    *st = s;
    st.settle();
}

impl Kernel for MoogLadder {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sr = sample_rate;
        self.last = (
            (f32::NAN.to_bits(), f32::NAN.to_bits()),
            LadderCoefs::default(),
        );
        self.ramp = Ramp::default();
        self.targets = vec![[0.0; 2]; Ramp::<2>::max_controls(max_block)];
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sr;
        let (f, r) = (inputs[1].left(), inputs[2].left());
        let fixed = match (f, r) {
            (Input::Const(f), Input::Const(r)) => {
                let c = cached(&mut self.last, f, r, sr);
                self.ramp.settled_at(&c).then(|| LadderFrame::of(&c))
            }
            _ => None,
        };
        let mut m = 0;
        if fixed.is_none() {
            for (slot, i) in self.targets.iter_mut().zip(self.ramp.control_frames(n)) {
                *slot = cached(&mut self.last, f.at(i), r.at(i), sr);
                m += 1;
            }
        }
        let targets = &self.targets[..m];
        for c in 0..out.channels() {
            let o = out.channel(c);
            let st = &mut self.state[c];
            match (inputs[0].ch[c], &fixed) {
                (Input::Const(v), Some(cf)) => run_fixed(st, o, |_| v, cf),
                (Input::Block(x), Some(cf)) => {
                    let x = &x[..n];
                    run_fixed(st, o, |i| x[i], cf)
                }
                (Input::Const(v), None) => run_ramped(st, o, |_| v, &self.ramp, targets),
                (Input::Block(x), None) => {
                    let x = &x[..n];
                    run_ramped(st, o, |i| x[i], &self.ramp, targets)
                }
            }
        }
        if fixed.is_some() {
            self.ramp.hold(n);
        } else {
            self.ramp.advance(&self.targets[..m], n);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::check::{assert_invariant, db, gain_at, render_kind, test_noise, SR};
    use crate::kernels::testing::Src;

    /// |H| of the prewarped analog ladder, uncompensated as the reference's: 1/|(1 + s)⁴ + k|,
    /// s = j·tan(πf/sr)/tan(πfc/sr).
    fn formula(f: f64, fc: f64, k: f64) -> f64 {
        let pi = std::f64::consts::PI;
        let w = (pi * f / SR as f64).tan() / (pi * fc / SR as f64).tan();
        // (1 + jw)^4 = 1 − 6w² + w⁴ + j(4w − 4w³)
        let re = 1.0 - 6.0 * w * w + w.powi(4) + k;
        let im = 4.0 * w - 4.0 * w.powi(3);
        1.0 / (re * re + im * im).sqrt()
    }

    /// Measured magnitude at res 0, 0.5, 0.7 and 0.95 (k = 4·res = 0, 2, 2.8 and 3.8),
    /// cutoff 1 kHz, against the formula within 0.05 dB (or both below −60 dB): the pass band
    /// is 1/(1 + k) (−9.5 dB at res 0.5), the cutoff 1/(4 − k) for k > 0 (+14 dB at res 0.95;
    /// +28 dB at the cap k = 3.96),
    /// −24 dB/octave above.
    #[test]
    fn ladder_matches_the_analog_prototype() {
        for (res, k) in [(0.0, 0.0), (0.5, 2.0), (0.7, 2.8), (0.95, 3.8)] {
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
        let at_fc = formula(1000.0, 1000.0, 3.96);
        assert!((db(at_fc) - db(1.0 / 0.04)).abs() < 1e-6);
        assert!((db(formula(1e-3, 1000.0, 2.0)) - db(1.0 / 3.0)).abs() < 1e-6);
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
        let srcs = [x.clone(), Src::Mono(f), Src::Mono(r)];
        assert_invariant("moog_ladder", &srcs, n);
        crate::kernels::check::assert_lane_invariant("moog_ladder", &srcs, n);
        assert_invariant("moog_ladder", &[x, Src::Const(800.0), Src::Const(0.9)], n);
        let y = &render_kind(
            "moog_ladder",
            &[Src::Const(0.5), Src::Const(300.0), Src::Const(0.7)],
            20000,
        )[0];
        // DC gain 1/(1 + k), k = 4·0.7.
        assert!((y[19999] - 0.5 / 3.8).abs() < 1e-5, "DC gain 1/3.8: {}", y[19999]);
    }

    /// The ladder before control rate, written from the module doc: coefficients from `f64` tan
    /// at every frame (g = tan(π·fc/sr), G = g/(1 + g), the feedback solved exactly).
    fn exact(x: &[f32], cut: &[f32], res: f32) -> Vec<f32> {
        let mut s = [0.0f64; 4];
        let k = (4.0 * res as f64).min(3.96);
        x.iter()
            .zip(cut)
            .map(|(&x, &fc)| {
                let fc = fc.clamp(20.0, 20000.0) as f64;
                let g = (std::f64::consts::PI * fc / SR as f64).tan();
                let (big, beta) = (g / (1.0 + g), 1.0 / (1.0 + g));
                let (x, g2) = (x as f64, big * big);
                let sum = beta * (g2 * big * s[0] + g2 * s[1] + big * s[2] + s[3]);
                let y4 = (g2 * g2 * x + sum) / (1.0 + k * g2 * g2);
                let mut u = x - k * y4;
                for st in s.iter_mut() {
                    let v = (u - *st) * big;
                    let y = v + *st;
                    *st = y + v;
                    u = y;
                }
                u as f32
            })
            .collect()
    }

    /// Zipper noise of the control-rate coefficients (the measure and its reasoning are
    /// [`crate::kernels::check::zipper_db`]'s and the SVF test's): a 440 Hz sine through the
    /// ladder at res 0.5 and 0.9 while the cutoff sweeps exponentially from 100 Hz to 10 kHz in a
    /// second, against the exact per-frame algorithm: below −80 dB above 1.5 kHz (measured
    /// about −148 dB at both, the `f32` output's rounding floor).
    #[test]
    fn ladder_sweep_adds_no_zipper_noise() {
        let n = 44100;
        let x = crate::kernels::check::tone(440.0, 0.5, n);
        let sweep = crate::kernels::check::exp_sweep(100.0, 10000.0, n);
        for res in [0.5, 0.9] {
            let srcs = [
                Src::Mono(x.clone()),
                Src::Mono(sweep.clone()),
                Src::Const(res),
            ];
            let y = &render_kind("moog_ladder", &srcs, n)[0];
            let z = crate::kernels::check::zipper_db(y, &exact(&x, &sweep, res), 1500.0);
            assert!(z < -80.0, "res {res}: zipper {z:.1} dB");
        }
    }
}
