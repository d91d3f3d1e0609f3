//! State-variable filters: `lpf hpf bpf notch` (cutoff, q), `svf_lp svf_hp svf_bp svf_notch` (freq, res) and `djf`, on one TPT (Zavalishin–Cytomic) SVF core.
//!
//! Ports and units of `lpf`, `hpf`, `bpf`, `notch`:
//! - `in`: the signal, required, mono or stereo (one filter state per channel).
//! - `cutoff`: Hz, default 1000, clamped to 20 Hz..min(20 kHz, 0.49·sr); NaN reads as 1000.
//! - `q`: resonance, default 1 (0.707 is Butterworth), clamped to 0.5..20; NaN reads as 1.
//!
//! `svf_lp`, `svf_hp`, `svf_bp`, `svf_notch` take `freq` (as `cutoff`) and `res`, 0..1, default
//! 0.5 (clamped; NaN reads as 0.5), mapped to q = 1/(2·(1 − res)): res 0 is q 0.5 (no peak),
//! 0.5 is q 1, and q reaches its cap of 20 at res 0.975.
//!
//! One SVF computes, per frame, the band state v1 and the low state v2 from the input v0; the
//! modes tap it: low-pass v2, high-pass v0 − k·v1 − v2, band-pass k·v1 (unity gain at the centre
//! frequency, bandwidth cutoff/q), notch v0 − k·v1, with k = 1/q. The transfer functions are the
//! bilinear transforms, prewarped at the cutoff, of 1/(s²+ks+1), s²/(s²+ks+1), ks/(s²+ks+1) and
//! (s²+1)/(s²+ks+1). Output: as many channels as `in`. Gain of the low-pass at DC is 1 and at the
//! cutoff is `q`.
//!
//! Coefficients are computed once per block for constant cutoff and q, and otherwise whenever
//! either changes. Cutoff and q are not smoothed: the TPT structure keeps its state continuous
//! and bounded when coefficients jump (unlike direct-form biquads), so a step in cutoff changes
//! the tone at that frame without a click. State is f64. After each block the state is flushed to
//! 0 when below 1e-200 (no denormals, and no effect on any f32 output) and reset when non-finite (a blow-up never sticks).
//!
//! `djf {in, value}`: a DJ filter knob, 0..1, default 0.5 (clamped; NaN reads as 0.5), smoothed
//! by a 5 ms linear ramp ([`super::control::Glide`]) because it is turned like a knob. Below 0.5 it
//! is a low-pass whose cutoff falls exponentially from 20 kHz at 0.5 to 20 Hz at 0 (cutoff
//! 20·1000^(2·value)); above 0.5 a high-pass whose cutoff rises from 20 Hz at 0.5 to 20 kHz at 1
//! (20·1000^(2·value − 1)); q 0.707 (Butterworth, no peak). At 0.5 the low-pass sits at 20 kHz,
//! which is flat within 0.1 dB below 10 kHz. While the knob moves, coefficients are recomputed
//! each frame (a `powf` and a `tan` per frame, only while moving); a settled knob costs one
//! computation per block.

use super::control::{clamp_or, Glide};
use super::scratch::Scratch;
use super::{ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};

const IN: PortSpec = super::audio("in");

const CUTOFF_Q: &[PortSpec] = &[
    IN,
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
];

const FREQ_RES: &[PortSpec] = &[
    IN,
    PortSpec {
        name: "freq",
        default: Some(1000.0),
        stereo: false,
    },
    PortSpec {
        name: "res",
        default: Some(0.5),
        stereo: false,
    },
];

const fn filter(name: &'static str, ports: &'static [PortSpec]) -> KindSpec {
    KindSpec {
        name,
        ports,
        channels: ChannelRule::FollowInputs,
        triggers: false,
    }
}

/// `lpf {in, cutoff, q}`.
pub const LPF: KindSpec = filter("lpf", CUTOFF_Q);
/// `hpf {in, cutoff, q}`.
pub const HPF: KindSpec = filter("hpf", CUTOFF_Q);
/// `bpf {in, cutoff, q}`.
pub const BPF: KindSpec = filter("bpf", CUTOFF_Q);
/// `notch {in, cutoff, q}`.
pub const NOTCH: KindSpec = filter("notch", CUTOFF_Q);
/// `svf_lp {in, freq, res}`.
pub const SVF_LP: KindSpec = filter("svf_lp", FREQ_RES);
/// `svf_hp {in, freq, res}`.
pub const SVF_HP: KindSpec = filter("svf_hp", FREQ_RES);
/// `svf_bp {in, freq, res}`.
pub const SVF_BP: KindSpec = filter("svf_bp", FREQ_RES);
/// `svf_notch {in, freq, res}`.
pub const SVF_NOTCH: KindSpec = filter("svf_notch", FREQ_RES);
/// `djf {in, value}`.
pub const DJF: KindSpec = filter(
    "djf",
    &[
        IN,
        PortSpec {
            name: "value",
            default: Some(0.5),
            stereo: false,
        },
    ],
);

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

    /// The damping k = 1/q.
    pub fn k(&self) -> f64 {
        self.k
    }
}

/// The q of an `svf_*` `res` value: 1/(2·(1 − res)), res clamped to 0..0.975 (NaN reads as 0.5).
pub fn res_to_q(res: f32) -> f32 {
    0.5 / (1.0 - clamp_or(res, 0.5, 0.0, 0.975))
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
        self.tick2(c, v0).1
    }

    /// One frame: returns the band state v1 and the low state v2 for input `v0`.
    #[inline(always)]
    pub fn tick2(&mut self, c: &Coefs, v0: f64) -> (f64, f64) {
        let v3 = v0 - self.ic2;
        let v1 = c.a1 * self.ic1 + c.a2 * v3;
        let v2 = self.ic2 + c.a2 * self.ic1 + c.a3 * v3;
        self.ic1 = 2.0 * v1 - self.ic1;
        self.ic2 = 2.0 * v2 - self.ic2;
        (v1, v2)
    }

    /// End-of-block hygiene: values below 1e-200 to 0 (long before f64 denormals at 2.2e-308,
    /// and far below anything that can change an f32 output, so where the block boundaries fall
    /// never changes the output), non-finite state reset.
    pub fn settle(&mut self) {
        if !(self.ic1.is_finite() && self.ic2.is_finite()) {
            *self = State::default();
        }
        if self.ic1.abs() < 1e-200 {
            self.ic1 = 0.0;
        }
        if self.ic2.abs() < 1e-200 {
            self.ic2 = 0.0;
        }
    }
}

/// Which output an SVF taps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Low-pass, v2.
    Lp,
    /// High-pass, v0 − k·v1 − v2.
    Hp,
    /// Band-pass with unity peak, k·v1.
    Bp,
    /// Notch, v0 − k·v1.
    Notch,
}

/// The tap of `mode` from the input v0 and the states v1, v2 (see [`Mode`]).
#[inline(always)]
pub fn tap(mode: Mode, k: f64, v0: f64, v1: f64, v2: f64) -> f64 {
    match mode {
        Mode::Lp => v2,
        Mode::Hp => v0 - k * v1 - v2,
        Mode::Bp => k * v1,
        Mode::Notch => v0 - k * v1,
    }
}

/// A state-variable filter kernel: one of the four modes, with a `q` or a `res` port.
#[derive(Debug)]
pub struct Svf {
    mode: Mode,
    res: bool,
    sample_rate: f32,
    state: [State; 2],
    /// Last coefficients and the (cutoff, q-or-res) they were made from, for modulated cutoffs.
    last: (f32, f32, Coefs),
    scratch: Scratch,
}

/// The `lpf` kernel.
pub type Lpf = Svf;

impl Default for Svf {
    fn default() -> Svf {
        Svf::new(Mode::Lp, false)
    }
}

impl Svf {
    /// A filter of `mode`; `res` says whether port 2 is `res` (0..1) rather than `q`.
    pub fn new(mode: Mode, res: bool) -> Svf {
        Svf {
            mode,
            res,
            sample_rate: 44100.0,
            state: [State::default(); 2],
            last: (f32::NAN, f32::NAN, Coefs::default()),
            scratch: Scratch::default(),
        }
    }

    /// Coefficients for a (cutoff, port 2) pair.
    fn coefs(res: bool, fc: f32, p: f32, sr: f32) -> Coefs {
        Coefs::new(fc, if res { res_to_q(p) } else { p }, sr)
    }

    /// Filters one channel with fixed coefficients.
    #[inline(always)]
    fn run_fixed(
        state: &mut State,
        c: Coefs,
        out: &mut [f32],
        x: impl Fn(usize) -> f32,
        tap: impl Fn(f64, f64, f64, f64) -> f64,
    ) {
        for (i, o) in out.iter_mut().enumerate() {
            let v0 = x(i) as f64;
            let (v1, v2) = state.tick2(&c, v0);
            *o = tap(c.k, v0, v1, v2) as f32;
        }
        state.settle();
    }

    /// Filters one channel whose cutoff or q moves; coefficients are recomputed only when the
    /// (cutoff, q) pair changes.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn run_modulated(
        state: &mut State,
        last: &mut (f32, f32, Coefs),
        (res, sr): (bool, f32),
        out: &mut [f32],
        x: impl Fn(usize) -> f32,
        cut: impl Fn(usize) -> f32,
        q: impl Fn(usize) -> f32,
        tap: impl Fn(f64, f64, f64, f64) -> f64,
    ) {
        for (i, o) in out.iter_mut().enumerate() {
            let (fc, qq) = (cut(i), q(i));
            if fc.to_bits() != last.0.to_bits() || qq.to_bits() != last.1.to_bits() {
                *last = (fc, qq, Svf::coefs(res, fc, qq, sr));
            }
            let v0 = x(i) as f64;
            let (v1, v2) = state.tick2(&last.2, v0);
            *o = tap(last.2.k, v0, v1, v2) as f32;
        }
        state.settle();
    }

    /// The block, with the mode's tap fixed (so each mode compiles to its own loops).
    #[inline(always)]
    fn run(
        &mut self,
        inputs: &[PortIn],
        out: &mut Outputs,
        tap: impl Fn(f64, f64, f64, f64) -> f64 + Copy,
    ) {
        let n = out.frames();
        let sr = self.sample_rate;
        let res = self.res;
        let (cut, q) = (inputs[1].left(), inputs[2].left());
        // Constant cutoff and q: coefficients once per block, outside the loops.
        let fixed = match (cut, q) {
            (Input::Const(fc), Input::Const(qq)) => {
                if fc.to_bits() != self.last.0.to_bits() || qq.to_bits() != self.last.1.to_bits() {
                    self.last = (fc, qq, Svf::coefs(res, fc, qq, sr));
                }
                Some(self.last.2)
            }
            _ => None,
        };
        // Modulated: cutoff and q as slices, expanded once per block.
        let [cs, qs] = self.scratch.slices([cut, q], n);
        let cut_at = |i: usize| cs[i];
        let q_at = |i: usize| qs[i];
        for c in 0..out.channels() {
            let o = out.channel(c);
            let st = &mut self.state[c];
            let last = &mut self.last;
            match (inputs[0].ch[c], fixed) {
                (Input::Const(v), Some(cf)) => Self::run_fixed(st, cf, o, |_| v, tap),
                (Input::Block(x), Some(cf)) => {
                    let x = &x[..n];
                    Self::run_fixed(st, cf, o, |i| x[i], tap)
                }
                (Input::Const(v), None) => {
                    Self::run_modulated(st, last, (res, sr), o, |_| v, cut_at, q_at, tap)
                }
                (Input::Block(x), None) => {
                    let x = &x[..n];
                    Self::run_modulated(st, last, (res, sr), o, |i| x[i], cut_at, q_at, tap)
                }
            }
        }
    }
}

impl Kernel for Svf {
    /// Back to the start: state cleared.
    fn reset(&mut self) {
        self.state = Default::default();
    }

    /// Filter memory carries over a reload (same key, same mode).
    fn adopt(&mut self, old: &dyn Kernel) {
        if let Some(o) = super::same::<Svf>(old) {
            if o.res == self.res {
                self.state = o.state;
                self.last = o.last;
            }
        }
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.scratch.prepare(2, max_block);
        let p = if self.res { 0.5 } else { 1.0 };
        self.last = (1000.0, p, Svf::coefs(self.res, 1000.0, p, sample_rate));
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        match self.mode {
            Mode::Lp => self.run(inputs, out, |k, v0, v1, v2| tap(Mode::Lp, k, v0, v1, v2)),
            Mode::Hp => self.run(inputs, out, |k, v0, v1, v2| tap(Mode::Hp, k, v0, v1, v2)),
            Mode::Bp => self.run(inputs, out, |k, v0, v1, v2| tap(Mode::Bp, k, v0, v1, v2)),
            Mode::Notch => self.run(inputs, out, |k, v0, v1, v2| tap(Mode::Notch, k, v0, v1, v2)),
        }
    }
}

/// Butterworth q of the DJ filter.
const DJF_Q: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// The cutoff and mode of a DJ filter knob value (0..1).
pub fn djf_setting(value: f32) -> (f32, Mode) {
    if value <= 0.5 {
        (20.0 * 1000f32.powf(2.0 * value), Mode::Lp)
    } else {
        (20.0 * 1000f32.powf(2.0 * value - 1.0), Mode::Hp)
    }
}

/// The DJ filter: one SVF whose tap and cutoff follow a smoothed knob.
#[derive(Debug, Default)]
pub struct Djf {
    sample_rate: f32,
    state: [State; 2],
    glide: Glide,
    /// The smoothed knob value the coefficients in `last` were made for.
    last: (f32, Coefs, bool),
    /// Per-frame coefficients and high-pass flags of the current block.
    frames: Vec<(Coefs, bool)>,
}

impl Kernel for Djf {
    /// Back to the start: state cleared.
    fn reset(&mut self) {
        self.state = Default::default();
    }

    fn adopt(&mut self, old: &dyn Kernel) {
        if let Some(o) = super::same::<Djf>(old) {
            self.state = o.state;
            self.last = o.last;
        }
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.glide.prepare(sample_rate);
        self.last = (f32::NAN, Coefs::default(), false);
        self.frames = vec![(Coefs::default(), false); max_block];
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let value = inputs[1].left();
        // Pass 1: the knob, smoothed once per frame for all channels, and its coefficients
        // (recomputed only when the smoothed value changes).
        let frames = &mut self.frames[..n];
        let (glide, last) = (&mut self.glide, &mut self.last);
        let mut step = |target: f32| {
            let v = glide.next(clamp_or(target, 0.5, 0.0, 1.0));
            if v.to_bits() != last.0.to_bits() {
                let (fc, mode) = djf_setting(v);
                *last = (v, Coefs::new(fc, DJF_Q, sr), mode == Mode::Hp);
            }
            (last.1, last.2)
        };
        match value {
            Input::Const(t) => frames.iter_mut().for_each(|f| *f = step(t)),
            Input::Block(t) => {
                for (f, &t) in frames.iter_mut().zip(&t[..n]) {
                    *f = step(t);
                }
            }
        }
        // Pass 2: each channel through the SVF with those coefficients.
        for c in 0..out.channels() {
            let o = out.channel(c);
            let st = &mut self.state[c];
            match inputs[0].ch[c] {
                Input::Const(v) => djf_channel(st, o, frames, |_| v),
                Input::Block(x) => {
                    let x = &x[..n];
                    djf_channel(st, o, frames, |i| x[i])
                }
            }
        }
    }
}

/// One channel of the DJ filter with per-frame coefficients.
#[inline(always)]
fn djf_channel(
    st: &mut State,
    out: &mut [f32],
    frames: &[(Coefs, bool)],
    x: impl Fn(usize) -> f32,
) {
    for (i, (o, (cf, hp))) in out.iter_mut().zip(frames).enumerate() {
        let v0 = x(i) as f64;
        let (v1, v2) = st.tick2(cf, v0);
        *o = if *hp { v0 - cf.k * v1 - v2 } else { v2 } as f32;
    }
    st.settle();
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

    use crate::kernels::check::{self, assert_invariant, db, gain_at, test_noise};

    /// Sample-by-sample reference of every SVF tap, written from the Cytomic equations, with the
    /// coefficients recomputed every frame; `res` maps port 2 through 1/(2(1 − res)).
    fn reference_tap(
        x: &[f32],
        cut: &dyn Fn(usize) -> f32,
        p: &dyn Fn(usize) -> f32,
        mode: Mode,
        res: bool,
    ) -> Vec<f32> {
        let (mut ic1, mut ic2) = (0.0f64, 0.0f64);
        let mut out = Vec::new();
        for (i, &v) in x.iter().enumerate() {
            let fc = cut(i);
            let fc = if fc.is_nan() { 1000.0 } else { fc };
            let fc = fc.clamp(20.0, 20000.0f32.min(0.49 * SR)) as f64;
            let qq = if res {
                let r = p(i);
                let r = if r.is_nan() { 0.5 } else { r.clamp(0.0, 0.975) };
                0.5 / (1.0 - r)
            } else {
                p(i)
            };
            let qq = if qq.is_nan() { 1.0 } else { qq };
            let k = 1.0 / qq.clamp(0.5, 20.0) as f64;
            let g = (std::f64::consts::PI * fc / SR as f64).tan();
            let a1 = 1.0 / (1.0 + g * (g + k));
            let (a2, v0) = (g * a1, v as f64);
            let v3 = v0 - ic2;
            let v1 = a1 * ic1 + a2 * v3;
            let v2 = ic2 + a2 * ic1 + g * a2 * v3;
            ic1 = 2.0 * v1 - ic1;
            ic2 = 2.0 * v2 - ic2;
            out.push(match mode {
                Mode::Lp => v2,
                Mode::Hp => v0 - k * v1 - v2,
                Mode::Bp => k * v1,
                Mode::Notch => v0 - k * v1,
            } as f32);
        }
        out
    }

    const MODES: [(&str, Mode, bool); 8] = [
        ("lpf", Mode::Lp, false),
        ("hpf", Mode::Hp, false),
        ("bpf", Mode::Bp, false),
        ("notch", Mode::Notch, false),
        ("svf_lp", Mode::Lp, true),
        ("svf_hp", Mode::Hp, true),
        ("svf_bp", Mode::Bp, true),
        ("svf_notch", Mode::Notch, true),
    ];

    /// Every SVF kind, modulated cutoff and q/res (clamps hit at both ends), against the
    /// reference; stereo keeps one state per channel; and the block contract (block sizes 1, 64,
    /// 512 and mixed, constants vs blocks).
    #[test]
    fn svf_kinds_equal_reference_and_are_block_invariant() {
        let n = 3000;
        let (x, x2) = (test_noise(n, 1), test_noise(n, 2));
        let cut: Vec<f32> = (0..n).map(|i| (i / 37) as f32 * 150.0 - 100.0).collect();
        let q: Vec<f32> = (0..n).map(|i| 0.3 + (i / 101) as f32 * 0.7).collect();
        let r: Vec<f32> = (0..n).map(|i| (i / 89) as f32 * 0.04 - 0.1).collect();
        for (kind, mode, res) in MODES {
            let p = if res { &r } else { &q };
            let got = check::render_kind(
                kind,
                &[
                    Src::Mono(x.clone()),
                    Src::Mono(cut.clone()),
                    Src::Mono(p.clone()),
                ],
                n,
            );
            let want = reference_tap(&x, &|i| cut[i], &|i| p[i], mode, res);
            assert_same(kind, &got[0], &want);
            let srcs = [
                Src::Stereo(x.clone(), x2.clone()),
                Src::Const(700.0),
                Src::Mono(p.clone()),
            ];
            let got = assert_invariant(kind, &srcs, n);
            assert_same(
                kind,
                &got[0],
                &reference_tap(&x, &|_| 700.0, &|i| p[i], mode, res),
            );
            assert_same(
                kind,
                &got[1],
                &reference_tap(&x2, &|_| 700.0, &|i| p[i], mode, res),
            );
            assert_invariant(
                kind,
                &[Src::Mono(x.clone()), Src::Const(300.0), Src::Const(0.7)],
                n,
            );
            assert_invariant(
                kind,
                &[Src::Const(0.3), Src::Mono(cut.clone()), Src::Const(0.7)],
                n,
            );
        }
    }

    /// |H(e^{jω})| of the bilinear-transformed prototype: s = j·tan(πf/sr)/tan(πfc/sr).
    fn svf_formula(mode: Mode, f: f64, fc: f64, q: f64) -> f64 {
        let pi = std::f64::consts::PI;
        let w = (pi * f / SR as f64).tan() / (pi * fc / SR as f64).tan();
        let k = 1.0 / q;
        // D = 1 − w² + j·k·w
        let den = ((1.0 - w * w).powi(2) + (k * w).powi(2)).sqrt();
        let num = match mode {
            Mode::Lp => 1.0,
            Mode::Hp => w * w,
            Mode::Bp => k * w,
            Mode::Notch => (1.0 - w * w).abs(),
        };
        num / den
    }

    /// Measured magnitude response of every mode at 1 kHz, q 2 (and the `res` kinds at res 0.75,
    /// which is q 2) against the formula, within 0.05 dB where the expected gain is above −60 dB,
    /// and below −60 dB where the formula says the notch is deeper than that.
    #[test]
    fn svf_magnitude_response_matches_the_formula() {
        for (kind, mode, res) in MODES {
            let p = if res { 0.75 } else { 2.0 };
            for f in [100.0, 500.0, 900.0, 1000.0, 1100.0, 2000.0, 8000.0] {
                let want = svf_formula(mode, f, 1000.0, 2.0);
                let got = gain_at(
                    kind,
                    &[Src::Const(0.0), Src::Const(1000.0), Src::Const(p)],
                    f,
                );
                if db(want) > -60.0 {
                    assert!(
                        (db(got) - db(want)).abs() < 0.05,
                        "{kind} at {f} Hz: {} dB, formula {} dB",
                        db(got),
                        db(want)
                    );
                } else {
                    assert!(db(got) < -60.0, "{kind} at {f} Hz: {} dB", db(got));
                }
            }
        }
    }

    /// The DJ filter: knob 0.25 is a low-pass at 20·1000^0.5 ≈ 632.5 Hz, 0.75 a high-pass there,
    /// both Butterworth (−3.01 dB at the cutoff); 0.5 is flat (the low-pass at 20 kHz is within
    /// 0.01 dB at 1 kHz). And the block contract with a moving knob (smoothing included).
    #[test]
    fn djf_low_below_half_high_above() {
        let fc = 20.0 * 1000f64.sqrt();
        let q = std::f64::consts::FRAC_1_SQRT_2;
        for (v, mode) in [(0.25, Mode::Lp), (0.75, Mode::Hp)] {
            for f in [fc / 4.0, fc, fc * 4.0] {
                let got = gain_at("djf", &[Src::Const(0.0), Src::Const(v)], f);
                let want = svf_formula(mode, f, fc, q);
                assert!(
                    (db(got) - db(want)).abs() < 0.05,
                    "djf {v} at {f}: {} vs {}",
                    db(got),
                    db(want)
                );
            }
        }
        let flat = gain_at("djf", &[Src::Const(0.0), Src::Const(0.5)], 1000.0);
        assert!(db(flat).abs() < 0.01, "djf 0.5 at 1 kHz: {} dB", db(flat));
        let n = 4000;
        let knob: Vec<f32> = (0..n)
            .map(|i| [0.1, 0.9, f32::NAN, 0.5, 2.0][(i / 700) % 5])
            .collect();
        assert_invariant(
            "djf",
            &[
                Src::Stereo(test_noise(n, 3), test_noise(n, 4)),
                Src::Mono(knob),
            ],
            n,
        );
        assert_invariant("djf", &[Src::Mono(test_noise(n, 3)), Src::Const(0.3)], n);
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
