//! State-variable filters: `lpf hpf bpf notch` (cutoff, q), `svf_lp svf_hp svf_bp svf_notch` (freq, res) and `djf`, on one TPT (Zavalishin–Cytomic) SVF core.
//!
//! Ports and units of `lpf`, `hpf`, `bpf`, `notch`:
//! - `in`: the signal, required, mono or stereo (one filter state per channel).
//! - `cutoff`: Hz, default 1000, clamped to 20 Hz..min(20 kHz, 0.49·sr); NaN reads as 1000.
//! - `q`: resonance, default 1 (0.707 is Butterworth), clamped to 0.5..20; NaN reads as 1.
//! - Rate: when `cutoff` or `q` is a per-frame signal, both are read every 16 frames and the
//!   coefficients computed there are linearly interpolated in between (see below); constants
//!   give coefficients once per block.
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
//! Coefficients: constant cutoff and q compute them once per block. A modulated cutoff or q (a
//! per-frame input) computes them at control rate: every 16 frames
//! ([`super::krate::KRATE`]), from the cutoff and q at that frame, on a frame grid that block
//! boundaries do not move, and interpolates (a1, a2, a3, k) linearly in between
//! ([`super::krate::Ramp`]). The coefficients trail the inputs by 15 frames (0.34 ms at
//! 44.1 kHz); a step in cutoff or q (a lane) starts to act at the next control frame, at most 15
//! frames after it, and is complete 15 frames later. g = tan(π·fc/sr) comes from
//! [`super::fastmath::tan_pi`] (cutoff error under 0.001 cents). Zipper noise, measured as the
//! difference from the exact per-frame `f64` algorithm above the signal band, is about −148 dB
//! for an exponential sweep 100 Hz → 10 kHz in a second and −120 dB for a 5 Hz LFO over
//! 200..1800 Hz (q 4); for audio-rate
//! modulation it grows with (rate·16/sr)²: about −41 dB for a ±800 Hz sweep at 200 Hz (see the
//! tests). Cost, measured by `check::filter_bench` (512-frame blocks) on the development
//! machine: `lpf` with a modulated cutoff 4.9 ns per frame (17.4 when coefficients were
//! computed per frame), with a constant one 4.2.
//!
//! Why (a1, a2, a3) may be interpolated directly (no division per frame): for one set the state
//! update is s' = A·s + b·v0 with A = [[2a1 − 1, −2a2], [2a2, 1 − 2a3]], and for a1 = 1/D,
//! a2 = g/D, a3 = g²/D (D = 1 + g² + gk, g, k > 0) the Jury conditions hold: 1 ± tr A + det A > 0
//! reduce to a1(1 − a3) + a2² > 0 and a3(1 − a1) + a2² > 0, true whenever 0 < a1, a3 < 1, and
//! det A < 1 to a1 + a3 + 2(a2² − a1·a3) < 1. Along a linear blend of two valid sets a1 and a3
//! stay in (0, 1), a2² ≤ a1·a3 because a2²/a1 is convex (so a3, the blend of the ends' a2²/a1, is
//! at least a2²/a1 of the blend), and a1 + a3 blends the ends' (1 + g²)/D < 1. So every frame's
//! coefficients are a stable filter. k only weights the taps (the blend is a mix of outputs, and
//! k stays between the ends' values).
//!
//! Cutoff and q are not otherwise smoothed: the TPT structure keeps its state continuous and
//! bounded when coefficients jump (unlike direct-form biquads), so a step in cutoff needs no
//! ramp longer than the control period's. State is f64. After each block the state is flushed to
//! 0 when below 1e-200 (no denormals, and no effect on any f32 output) and reset when non-finite (a blow-up never sticks).
//!
//! `djf {in, value}`: a DJ filter knob, 0..1, default 0.5 (clamped; NaN reads as 0.5), smoothed
//! by a 5 ms linear ramp ([`super::control::Glide`], advanced at the control frames: 14 control
//! periods, 5.08 ms at 44.1 kHz) because it is turned like a knob. Below 0.5 it
//! is a low-pass whose cutoff falls exponentially from 20 kHz at 0.5 to 20 Hz at 0 (cutoff
//! 20·1000^(2·value)); above 0.5 a high-pass whose cutoff rises from 20 Hz at 0.5 to 20 kHz at 1
//! (20·1000^(2·value − 1)); q 0.707 (Butterworth, no peak). At 0.5 the low-pass sits at 20 kHz,
//! which is flat within 0.1 dB below 10 kHz. Its coefficients are computed at the control
//! frames (a `powf` and a `tan_pi` there, only while the knob moves) and interpolated like the
//! other SVFs', except across the switch between low- and high-pass, where they jump at the
//! control frame (a blend of a low-pass and a high-pass set would be neither).

use super::control::{clamp_or, Glide};
use super::fastmath::tan_pi;
use super::krate::{Ramp, RampLanes, KRATE};
use super::{simd, transpose};
use super::{
    param, process_each, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec, LANES,
};

const IN: PortSpec = super::audio("in");

const CUTOFF_Q: &[PortSpec] = &[
    IN,
    param("cutoff", 1000.0).unit("Hz").range(MIN_CUTOFF, MAX_CUTOFF),
    param("q", 1.0).unit("Q").range(MIN_Q, MAX_Q),
];

const FREQ_RES: &[PortSpec] = &[
    IN,
    param("freq", 1000.0).unit("Hz").range(MIN_CUTOFF, MAX_CUTOFF),
    param("res", 0.5).unit("0–1").range(0.0, 1.0),
];

/// `lpf {in, cutoff, q}`.
pub const LPF: KindSpec = KindSpec::follows(
    "lpf",
    "2-pole state-variable lowpass (12 dB/octave).",
    CUTOFF_Q,
    || Box::new(Lpf::default()),
);
/// `hpf {in, cutoff, q}`.
pub const HPF: KindSpec = KindSpec::follows("hpf", "2-pole state-variable highpass.", CUTOFF_Q, || {
    Box::new(Svf::new(Mode::Hp, false))
});
/// `bpf {in, cutoff, q}`.
pub const BPF: KindSpec = KindSpec::follows("bpf", "2-pole state-variable bandpass.", CUTOFF_Q, || {
    Box::new(Svf::new(Mode::Bp, false))
});
/// `notch {in, cutoff, q}`.
pub const NOTCH: KindSpec = KindSpec::follows("notch", "2-pole state-variable notch.", CUTOFF_Q, || {
    Box::new(Svf::new(Mode::Notch, false))
});
/// `svf_lp {in, freq, res}`.
pub const SVF_LP: KindSpec = KindSpec::follows("svf_lp", "State-variable lowpass with resonance.", FREQ_RES, || {
    Box::new(Svf::new(Mode::Lp, true))
});
/// `svf_hp {in, freq, res}`.
pub const SVF_HP: KindSpec = KindSpec::follows("svf_hp", "State-variable highpass with resonance.", FREQ_RES, || {
    Box::new(Svf::new(Mode::Hp, true))
});
/// `svf_bp {in, freq, res}`.
pub const SVF_BP: KindSpec = KindSpec::follows("svf_bp", "State-variable bandpass with resonance.", FREQ_RES, || {
    Box::new(Svf::new(Mode::Bp, true))
});
/// `svf_notch {in, freq, res}`.
pub const SVF_NOTCH: KindSpec = KindSpec::follows(
    "svf_notch",
    "State-variable notch with resonance.",
    FREQ_RES,
    || Box::new(Svf::new(Mode::Notch, true)),
);
/// `djf {in, value}`.
pub const DJF: KindSpec = KindSpec::follows(
    "djf",
    "DJ filter: below 0.5 lowpass, above 0.5 highpass, 0.5 is open.",
    &[IN, param("value", 0.5).unit("0–1").range(0.0, 1.0)],
    || Box::new(Djf::default()),
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
    /// Clamps `cutoff` and `q` and computes g = tan(π·fc/sr) (with [`tan_pi`], relative error
    /// ≤ 3e-7, i.e. under 0.001 cents of cutoff), k = 1/q, a1 = 1/(1 + g(g + k)), a2 = g·a1,
    /// a3 = g·a2.
    #[inline(always)]
    pub fn new(cutoff: f32, q: f32, sample_rate: f32) -> Coefs {
        let hi = MAX_CUTOFF.min(0.49 * sample_rate);
        let fc = if cutoff.is_nan() { 1000.0 } else { cutoff };
        let fc = fc.max(MIN_CUTOFF).min(hi);
        let q = if q.is_nan() { 1.0 } else { q };
        let q = q.clamp(MIN_Q, MAX_Q) as f64;
        let g = tan_pi(fc / sample_rate) as f64;
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

    /// (a1, a2, a3, k), the set a [`Ramp`] interpolates.
    #[inline(always)]
    fn to_array(self) -> [f64; 4] {
        [self.a1, self.a2, self.a3, self.k]
    }

    /// The inverse of [`Coefs::to_array`].
    #[inline(always)]
    fn from_array(a: &[f64; 4]) -> Coefs {
        Coefs {
            a1: a[0],
            a2: a[1],
            a3: a[2],
            k: a[3],
        }
    }
}

/// The q of an `svf_*` `res` value: 1/(2·(1 − res)), res clamped to 0..0.975 (NaN reads as 0.5).
#[inline(always)]
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
    /// Last coefficients and the (cutoff, q-or-res) they were made from.
    last: (f32, f32, Coefs),
    /// The control-rate coefficients (a1, a2, a3, k) of a modulated cutoff or q.
    ramp: Ramp<4>,
    /// This block's targets, one per control frame.
    targets: Vec<[f64; 4]>,
    /// This block's (cutoff, q-or-res) at its control frames.
    controls: Vec<(f32, f32)>,
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
            ramp: Ramp::default(),
            targets: Vec::new(),
            controls: Vec::new(),
        }
    }

    /// Coefficients for a (cutoff, port 2) pair.
    #[inline(always)]
    fn coefs(res: bool, fc: f32, p: f32, sr: f32) -> Coefs {
        Coefs::new(fc, if res { res_to_q(p) } else { p }, sr)
    }

    /// The coefficients of (cutoff, port 2), through the one-entry cache `last`.
    #[inline(always)]
    fn cached(last: &mut (f32, f32, Coefs), (res, sr): (bool, f32), fc: f32, p: f32) -> Coefs {
        if fc.to_bits() != last.0.to_bits() || p.to_bits() != last.1.to_bits() {
            *last = (fc, p, Svf::coefs(res, fc, p, sr));
        }
        last.2
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

    /// Filters one channel whose cutoff or q moves: coefficients from the ramp, which
    /// interpolates the block's control-frame `targets`.
    #[inline(always)]
    fn run_ramped(
        state: &mut State,
        ramp: &Ramp<4>,
        targets: &[[f64; 4]],
        out: &mut [f32],
        x: impl Fn(usize) -> f32,
        tap: impl Fn(f64, f64, f64, f64) -> f64,
    ) {
        // The state in a local, so it stays in registers across the ramp's segments.
        let mut st = *state;
        ramp.run(targets, out.len(), |i, a| {
            let c = Coefs::from_array(a);
            let v0 = x(i) as f64;
            let (v1, v2) = st.tick2(&c, v0);
            out[i] = tap(c.k, v0, v1, v2) as f32;
        });
        *state = st;
        state.settle();
    }

    /// Reads this block's cutoff and q: fixed coefficients (constant inputs on a settled ramp),
    /// or the targets of the block's control frames written into `targets` (their count).
    fn plan(&mut self, inputs: &[PortIn], n: usize) -> (Option<Coefs>, usize) {
        let how = (self.res, self.sample_rate);
        let (cut, q) = (inputs[1].left(), inputs[2].left());
        // Constant cutoff and q on a settled ramp: coefficients once per block, outside the
        // loops (bit for bit what the ramp would give).
        if let (Input::Const(fc), Input::Const(qq)) = (cut, q) {
            let c = Svf::cached(&mut self.last, how, fc, qq);
            if self.ramp.settled_at(&c.to_array()) {
                return (Some(c), 0);
            }
        }
        // Otherwise: cutoff and q read at this block's control frames only, their coefficients
        // computed in one vector loop.
        let mut m = 0;
        for (slot, i) in self.controls.iter_mut().zip(self.ramp.control_frames(n)) {
            *slot = (cut.at(i), q.at(i));
            m += 1;
        }
        svf_targets(&self.controls[..m], &mut self.targets[..m], how);
        if let Some(&(fc, p)) = self.controls[..m].last() {
            self.last = (fc, p, Coefs::from_array(&self.targets[m - 1]));
        }
        (None, m)
    }

    /// Renders the block as [`Svf::plan`] decided, with the mode's tap fixed (so each mode
    /// compiles to its own loops).
    #[inline(always)]
    fn render(
        &mut self,
        inputs: &[PortIn],
        out: &mut Outputs,
        (fixed, m): (Option<Coefs>, usize),
        tap: impl Fn(f64, f64, f64, f64) -> f64 + Copy,
    ) {
        let n = out.frames();
        let targets = &self.targets[..m];
        for c in 0..out.channels() {
            let o = out.channel(c);
            let st = &mut self.state[c];
            let r = &self.ramp;
            match (inputs[0].ch[c], fixed) {
                (Input::Const(v), Some(cf)) => Self::run_fixed(st, cf, o, |_| v, tap),
                (Input::Block(x), Some(cf)) => {
                    let x = &x[..n];
                    Self::run_fixed(st, cf, o, |i| x[i], tap)
                }
                (Input::Const(v), None) => Self::run_ramped(st, r, targets, o, |_| v, tap),
                (Input::Block(x), None) => {
                    let x = &x[..n];
                    Self::run_ramped(st, r, targets, o, |i| x[i], tap)
                }
            }
        }
        if fixed.is_some() {
            self.ramp.hold(n);
        } else {
            self.ramp.advance(&self.targets[..m], n);
        }
    }

    /// The mode's tap as a plain function.
    fn tap_of(mode: Mode) -> fn(f64, f64, f64, f64) -> f64 {
        match mode {
            Mode::Lp => |k, v0, v1, v2| tap(Mode::Lp, k, v0, v1, v2),
            Mode::Hp => |k, v0, v1, v2| tap(Mode::Hp, k, v0, v1, v2),
            Mode::Bp => |k, v0, v1, v2| tap(Mode::Bp, k, v0, v1, v2),
            Mode::Notch => |k, v0, v1, v2| tap(Mode::Notch, k, v0, v1, v2),
        }
    }
}

/// One segment of [`svf_lanes`]: `len` frames of every lane's recursion, coefficients
/// `from + step·j` with j counting on from `j0`. Run inside [`svf_block`], which is compiled
/// once per SIMD level.
#[inline(always)]
fn svf_segment(
    (from, step, j0): (&[[f64; LANES]; 4], &[[f64; LANES]; 4], f64),
    (ic1, ic2): (&mut [f64; LANES], &mut [f64; LANES]),
    x: &[[f64; LANES]; KRATE],
    y: &mut [[f32; LANES]; KRATE],
    len: usize,
    tap: impl Fn(f64, f64, f64, f64) -> f64,
) {
    let mut j = j0;
    for r in 0..len.min(KRATE) {
        j += 1.0;
        for l in 0..LANES {
            let a1 = from[0][l] + step[0][l] * j;
            let a2 = from[1][l] + step[1][l] * j;
            let a3 = from[2][l] + step[2][l] * j;
            let k = from[3][l] + step[3][l] * j;
            let v0 = x[r][l];
            let v3 = v0 - ic2[l];
            let v1 = a1 * ic1[l] + a2 * v3;
            let v2 = ic2[l] + a2 * ic1[l] + a3 * v3;
            ic1[l] = 2.0 * v1 - ic1[l];
            ic2[l] = 2.0 * v2 - ic2[l];
            y[r][l] = tap(k, v0, v1, v2) as f32;
        }
    }
}

/// The SVF coefficients (a1, a2, a3, k) of each (cutoff, q-or-res) pair: [`Svf::coefs`] frame by
/// frame, the same values, in a loop that vectorizes.
#[inline(always)]
fn svf_targets_loop(controls: &[(f32, f32)], targets: &mut [[f64; 4]], (res, sr): (bool, f32)) {
    for (t, &(fc, p)) in targets.iter_mut().zip(controls) {
        *t = Svf::coefs(res, fc, p, sr).to_array();
    }
}

crate::multiversion! {
    /// [`svf_targets_loop`] at the current SIMD level.
    fn svf_targets(controls: &[(f32, f32)], targets: &mut [[f64; 4]], how: (bool, f32)) => svf_targets_loop
}

/// Renders a block of every lane: per run of frames, steps the lanes' ramps (`ramps.next_run`,
/// taking each lane's next coefficient set through `gather_sets` at a control frame), gathers
/// every lane's input into a frame-by-lane tile, runs [`svf_segment`] and scatters the output
/// back to each lane. Runs of a full segment move through `gather_full` and `scatter_full`;
/// the partial ones at a block's edges element by element. The three are the AVX-512
/// transposes or their scalar twins.
#[inline(always)]
fn svf_block(
    (ramps, targets): (&mut RampLanes<4, LANES>, &[&[[f64; 4]]; LANES]),
    (ic1, ic2): (&mut [f64; LANES], &mut [f64; LANES]),
    (xs, outs, n): (&[&[f32]; LANES], &mut [&mut [f32]], usize),
    tap: impl Fn(f64, f64, f64, f64) -> f64 + Copy,
    (gather_sets, gather_full, scatter_full): (
        impl Fn(&[&[[f64; 4]]; LANES], usize, &mut [[f64; LANES]; 4]),
        impl Fn(&[&[f32]; LANES], usize, &mut [[f64; LANES]; KRATE]),
        impl Fn(&[[f32; LANES]; KRATE], &mut [&mut [f32]], usize),
    ),
) {
    let mut x = [[0.0f64; LANES]; KRATE];
    let mut y = [[0.0f32; LANES]; KRATE];
    let (mut i, mut t) = (0, 0);
    while i < n {
        let (start, end, pos) = ramps.next_run(i, n, |to| {
            gather_sets(targets, t, to);
            t += 1;
        });
        let len = (end - start).min(KRATE);
        if len == KRATE {
            gather_full(xs, start, &mut x);
        } else {
            transpose::gather(xs, start, len, &mut x);
        }
        let coefs = (&ramps.from, &ramps.step, pos as f64);
        svf_segment(coefs, (&mut *ic1, &mut *ic2), &x, &mut y, len, tap);
        if len == KRATE {
            scatter_full(&y, outs, start);
        } else {
            transpose::scatter(&y, outs, start, len);
        }
        i = end;
    }
}

/// [`svf_block`] with the scalar transposes, compiled for the current SIMD level.
#[inline(always)]
fn svf_block_portable(
    ramps: (&mut RampLanes<4, LANES>, &[&[[f64; 4]]; LANES]),
    state: (&mut [f64; LANES], &mut [f64; LANES]),
    io: (&[&[f32]; LANES], &mut [&mut [f32]], usize),
    tap: impl Fn(f64, f64, f64, f64) -> f64 + Copy,
) {
    svf_block(
        ramps,
        state,
        io,
        tap,
        (
            transpose::gather_sets,
            |xs, start, x| transpose::gather(xs, start, KRATE, x),
            |y, outs, start| transpose::scatter(y, outs, start, KRATE),
        ),
    )
}

crate::multiversion! {
    /// [`svf_block_portable`] at the current SIMD level (the AVX-512 level runs
    /// [`svf_block_avx512`] instead).
    fn svf_block_simd(
        ramps: (&mut RampLanes<4, LANES>, &[&[[f64; 4]]; LANES]),
        state: (&mut [f64; LANES], &mut [f64; LANES]),
        io: (&[&[f32]; LANES], &mut [&mut [f32]], usize),
        tap: impl Fn(f64, f64, f64, f64) -> f64 + Copy,
    ) => svf_block_portable
}

/// [`svf_block`] compiled for AVX-512, with the AVX-512 transposes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
fn svf_block_avx512(
    ramps: (&mut RampLanes<4, LANES>, &[&[[f64; 4]]; LANES]),
    state: (&mut [f64; LANES], &mut [f64; LANES]),
    io: (&[&[f32]; LANES], &mut [&mut [f32]], usize),
    tap: impl Fn(f64, f64, f64, f64) -> f64 + Copy,
) {
    svf_block(
        ramps,
        state,
        io,
        tap,
        // The closures inherit this function's target features, so the transposes inline into
        // AVX-512 code.
        (
            // SAFETY: this function only runs on a CPU with AVX-512 (see `svf_block_at_level`).
            |sets, t, to| unsafe { transpose::gather_sets_avx512(sets, t, to) },
            // SAFETY: as above.
            |xs, start, x| unsafe { transpose::gather_avx512(xs, start, x) },
            // SAFETY: as above.
            |y, outs, start| unsafe { transpose::scatter_avx512(y, outs, start) },
        ),
    )
}

/// [`svf_block`] at the current SIMD level: [`svf_block_avx512`] or [`svf_block_simd`]. Every
/// level computes the same bits.
#[inline]
fn svf_block_at_level(
    ramps: (&mut RampLanes<4, LANES>, &[&[[f64; 4]]; LANES]),
    state: (&mut [f64; LANES], &mut [f64; LANES]),
    io: (&[&[f32]; LANES], &mut [&mut [f32]], usize),
    tap: impl Fn(f64, f64, f64, f64) -> f64 + Copy,
) {
    #[cfg(target_arch = "x86_64")]
    if simd::level() == simd::Level::Avx512 {
        // SAFETY: `level()` only returns Avx512 when `detect()` found every feature
        // `svf_block_avx512` is compiled with on this CPU.
        return unsafe { svf_block_avx512(ramps, state, io, tap) };
    }
    svf_block_simd(ramps, state, io, tap)
}

/// Renders up to [`LANES`] mono filters of one mode, each with a moving cutoff or q and all on
/// the same control grid, as the lanes of one loop: per frame, one vector operation does each
/// step of the recursion for every lane, so the lanes' recursions overlap instead of each
/// waiting on its own ~15-cycle dependency chain. Every lane computes exactly the operations
/// [`Svf::process`] would (same ramp values, same order of f64 operations): the same bits, at
/// every SIMD level. Lanes past `lanes.len()` repeat the last lane (their output is dropped).
fn svf_lanes(
    lanes: &mut [Option<&mut Svf>],
    counts: &[usize; LANES],
    xs: &[&[f32]; LANES],
    outs: &mut [&mut [f32]],
    n: usize,
    tap: impl Fn(f64, f64, f64, f64) -> f64 + Copy,
) {
    let m = lanes.len();
    // Lanes past m compute a copy of the last lane (state, ramp, targets), never stored.
    let lane = |l: usize| -> &Svf { lanes[l.min(m - 1)].as_deref().expect("planned lane") };
    let mut ic1: [f64; LANES] = std::array::from_fn(|l| lane(l).state[0].ic1);
    let mut ic2: [f64; LANES] = std::array::from_fn(|l| lane(l).state[0].ic2);
    let mut ramps = RampLanes::<4, LANES>::new(|l| lane(l).ramp);
    let targets: [&[[f64; 4]]; LANES] =
        std::array::from_fn(|l| &lane(l).targets[..counts[l.min(m - 1)]]);
    svf_block_at_level(
        (&mut ramps, &targets),
        (&mut ic1, &mut ic2),
        (xs, outs, n),
        tap,
    );
    for (l, g) in lanes.iter_mut().enumerate() {
        let g = g.as_deref_mut().expect("planned lane");
        ramps.store(l, &mut g.ramp);
        g.state[0].ic1 = ic1[l];
        g.state[0].ic2 = ic2[l];
        g.state[0].settle();
    }
}

impl Kernel for Svf {
    /// Back to the start: state cleared, the control grid restarts at the next frame.
    fn reset(&mut self) {
        self.state = Default::default();
        self.ramp = Ramp::default();
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.targets = vec![[0.0; 4]; Ramp::<4>::max_controls(max_block)];
        self.controls = vec![(0.0, 0.0); Ramp::<4>::max_controls(max_block)];
        self.ramp = Ramp::default();
        let p = if self.res { 0.5 } else { 1.0 };
        self.last = (1000.0, p, Svf::coefs(self.res, 1000.0, p, sample_rate));
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let plan = self.plan(inputs, out.frames());
        // One loop per mode, with its tap inlined.
        match self.mode {
            Mode::Lp => self.render(inputs, out, plan, |k, v0, v1, v2| {
                tap(Mode::Lp, k, v0, v1, v2)
            }),
            Mode::Hp => self.render(inputs, out, plan, |k, v0, v1, v2| {
                tap(Mode::Hp, k, v0, v1, v2)
            }),
            Mode::Bp => self.render(inputs, out, plan, |k, v0, v1, v2| {
                tap(Mode::Bp, k, v0, v1, v2)
            }),
            Mode::Notch => self.render(inputs, out, plan, |k, v0, v1, v2| {
                tap(Mode::Notch, k, v0, v1, v2)
            }),
        }
    }

    /// Filters of one mode and port kind group into lanes.
    fn lane_key(&self) -> Option<u64> {
        Some(self.mode as u64 | (self.res as u64) << 8)
    }

    /// Lanes with a mono block input and moving coefficients on one control grid run in
    /// lockstep (`svf_lanes`); otherwise each lane renders on its own, as planned.
    fn process_lanes(
        &mut self,
        others: &mut [Option<&mut dyn Kernel>],
        ctx: &Context,
        inputs: &[&[PortIn]],
        outs: &mut [&mut [f32]],
    ) {
        let n = ctx.frames;
        let m = outs.len();
        let (mode, res, sr) = (self.mode, self.res, self.sample_rate);
        // Lanes need: every member an Svf like this one, each reading one mono block.
        let mut same = n > 0 && m <= LANES && inputs.len() >= m;
        for o in others.iter().take(m - 1) {
            same &= o
                .as_deref()
                .and_then(|o| o.as_any().downcast_ref::<Svf>())
                .is_some_and(|g| g.mode == mode && g.res == res && g.sample_rate == sr);
        }
        let mut xs: [&[f32]; LANES] = [&[]; LANES];
        for (k, ins) in inputs.iter().enumerate().take(m) {
            match (ins[0].channels, ins[0].ch[0]) {
                (1, Input::Block(b)) if b.len() >= n => xs[k] = &b[..n],
                _ => same = false,
            }
        }
        if !same {
            return process_each(self, others, ctx, inputs, outs);
        }
        for k in m..LANES {
            xs[k] = xs[0];
        }
        let mut lanes: [Option<&mut Svf>; LANES] = Default::default();
        lanes[0] = Some(self);
        for (k, o) in others.iter_mut().enumerate().take(m - 1) {
            lanes[k + 1] = o
                .as_deref_mut()
                .and_then(|o| o.as_any_mut().downcast_mut::<Svf>());
        }
        // Plan every lane; lockstep needs every lane ramped and on one grid.
        let mut plans = [(None, 0usize); LANES];
        let mut lockstep = true;
        for (k, lane) in lanes.iter_mut().enumerate().take(m) {
            plans[k] = lane.as_deref_mut().expect("checked").plan(inputs[k], n);
            lockstep &= plans[k].0.is_none();
        }
        let grid = lanes[0].as_ref().expect("lane 0").ramp.grid();
        lockstep &= lanes[..m]
            .iter()
            .all(|l| l.as_ref().is_some_and(|l| l.ramp.grid() == grid));
        let single = Svf::tap_of(mode);
        if !lockstep {
            for (k, l) in lanes.iter_mut().enumerate().take(m) {
                let lane = l.as_deref_mut().expect("planned");
                let mut out = Outputs::new(&mut outs[k][..n], n, 1, n);
                lane.render(inputs[k], &mut out, plans[k], single);
            }
            return;
        }
        let counts: [usize; LANES] = std::array::from_fn(|k| plans[k].1);
        let lanes = &mut lanes[..m];
        // One loop per mode, with its tap inlined.
        match mode {
            Mode::Lp => svf_lanes(lanes, &counts, &xs, outs, n, |k, v0, v1, v2| {
                tap(Mode::Lp, k, v0, v1, v2)
            }),
            Mode::Hp => svf_lanes(lanes, &counts, &xs, outs, n, |k, v0, v1, v2| {
                tap(Mode::Hp, k, v0, v1, v2)
            }),
            Mode::Bp => svf_lanes(lanes, &counts, &xs, outs, n, |k, v0, v1, v2| {
                tap(Mode::Bp, k, v0, v1, v2)
            }),
            Mode::Notch => svf_lanes(lanes, &counts, &xs, outs, n, |k, v0, v1, v2| {
                tap(Mode::Notch, k, v0, v1, v2)
            }),
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

/// Whether a djf target set (a1, a2, a3, k, high-pass flag) switches between low- and high-pass
/// from the previous one: then the coefficients jump instead of ramping.
fn djf_switches(prev: &[f64; 5], next: &[f64; 5]) -> bool {
    prev[4] != next[4]
}

/// The DJ filter: one SVF whose tap and cutoff follow a smoothed knob.
#[derive(Debug, Default)]
pub struct Djf {
    sample_rate: f32,
    state: [State; 2],
    /// The knob's 5 ms ramp, advanced once per control frame.
    glide: Glide,
    /// The smoothed knob value the target in `last` was made for.
    last: (f32, [f64; 5]),
    /// (a1, a2, a3, k, 1 for high-pass / 0 for low-pass) at control rate.
    ramp: Ramp<5>,
    targets: Vec<[f64; 5]>,
}

impl Kernel for Djf {
    /// Back to the start: state cleared, the control grid restarts at the next frame.
    fn reset(&mut self) {
        self.state = Default::default();
        self.ramp = Ramp::default();
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.glide.prepare(sample_rate / KRATE as f32);
        self.last = (f32::NAN, [0.0; 5]);
        self.ramp = Ramp::default();
        self.targets = vec![[0.0; 5]; Ramp::<5>::max_controls(max_block)];
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let value = inputs[1].left();
        // The knob, smoothed and mapped at the control frames only (for all channels).
        let (glide, last) = (&mut self.glide, &mut self.last);
        let mut m = 0;
        for (slot, i) in self.targets.iter_mut().zip(self.ramp.control_frames(n)) {
            let v = glide.next(clamp_or(value.at(i), 0.5, 0.0, 1.0));
            if v.to_bits() != last.0.to_bits() {
                let (fc, mode) = djf_setting(v);
                let c = Coefs::new(fc, DJF_Q, sr).to_array();
                *last = (v, [c[0], c[1], c[2], c[3], f64::from(mode == Mode::Hp)]);
            }
            *slot = last.1;
            m += 1;
        }
        let targets = &self.targets[..m];
        for c in 0..out.channels() {
            let o = out.channel(c);
            let st = &mut self.state[c];
            match inputs[0].ch[c] {
                Input::Const(v) => djf_channel(st, &self.ramp, targets, o, |_| v),
                Input::Block(x) => {
                    let x = &x[..n];
                    djf_channel(st, &self.ramp, targets, o, |i| x[i])
                }
            }
        }
        self.ramp.advance_jumping(targets, n, djf_switches);
    }
}

/// One channel of the DJ filter with control-rate coefficients.
#[inline(always)]
fn djf_channel(
    st: &mut State,
    ramp: &Ramp<5>,
    targets: &[[f64; 5]],
    out: &mut [f32],
    x: impl Fn(usize) -> f32,
) {
    // The state in a local, so it stays in registers across the ramp's segments.
    let mut s = *st;
    ramp.run_jumping(targets, out.len(), djf_switches, |i, a| {
        let cf = Coefs::from_array(&[a[0], a[1], a[2], a[3]]);
        let v0 = x(i) as f64;
        let (v1, v2) = s.tick2(&cf, v0);
        out[i] = if a[4] != 0.0 { v0 - cf.k * v1 - v2 } else { v2 } as f32;
    });
    *st = s;
    st.settle();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{assert_same, run, Src};
    use crate::samples::SampleBank;

    const SR: f32 = 44100.0;

    use crate::kernels::check::{self, assert_invariant, db, gain_at, test_noise};

    /// How a reference computes g = tan(π·fc/sr): `f64` `tan` (the algorithm before control
    /// rate), or the kernel's [`tan_pi`] (whose error against `f64` tan is bounded by its own
    /// test), so that a reference of the control-rate scheme can be compared bit for bit.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Tan {
        Exact,
        Fast,
    }

    /// The SVF coefficients [a1, a2, a3, k] of a raw (cutoff, port 2) pair, clamped as the module
    /// doc says, from the Cytomic equations: g = tan(π·fc/sr), k = 1/q, a1 = 1/(1 + g(g + k)),
    /// a2 = g·a1, a3 = g·a2. `res` maps port 2 through q = 1/(2(1 − res)).
    fn cytomic(fc: f32, p: f32, res: bool, tan: Tan) -> [f64; 4] {
        let fc = if fc.is_nan() { 1000.0 } else { fc };
        let fc = fc.clamp(20.0, 20000.0f32.min(0.49 * SR));
        let qq = if res {
            let r = if p.is_nan() { 0.5 } else { p.clamp(0.0, 0.975) };
            0.5 / (1.0 - r)
        } else {
            p
        };
        let qq = if qq.is_nan() { 1.0 } else { qq };
        let k = 1.0 / qq.clamp(0.5, 20.0) as f64;
        let g = match tan {
            Tan::Exact => (std::f64::consts::PI * fc as f64 / SR as f64).tan(),
            Tan::Fast => tan_pi(fc / SR) as f64,
        };
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        [a1, a2, g * a2, k]
    }

    /// The SVF, frame by frame, with the coefficients `coefs(i)` at frame i, tapped for `mode`
    /// (low v2, high v0 − k·v1 − v2, band k·v1, notch v0 − k·v1).
    fn svf_with(x: &[f32], mode: Mode, mut coefs: impl FnMut(usize) -> [f64; 4]) -> Vec<f32> {
        let (mut ic1, mut ic2) = (0.0f64, 0.0f64);
        let mut out = Vec::new();
        for (i, &v) in x.iter().enumerate() {
            let [a1, a2, a3, k] = coefs(i);
            let v0 = v as f64;
            let v3 = v0 - ic2;
            let v1 = a1 * ic1 + a2 * v3;
            let v2 = ic2 + a2 * ic1 + a3 * v3;
            ic1 = 2.0 * v1 - ic1;
            ic2 = 2.0 * v2 - ic2;
            out.push(match mode {
                Mode::Lp => v2,
                Mode::Hp => v0 - k * v1 - v2,
                Mode::Bp => k * v1,
                Mode::Notch => v0 - k * v1,
            } as f32);
            // The kernel flushes tiny state at block ends; with these inputs it never gets tiny.
        }
        out
    }

    /// The exact SVF: coefficients from `f64` tan at every frame (the algorithm before control
    /// rate, and the reference the control-rate error is measured against).
    fn reference_exact(
        x: &[f32],
        cut: &dyn Fn(usize) -> f32,
        p: &dyn Fn(usize) -> f32,
        mode: Mode,
        res: bool,
    ) -> Vec<f32> {
        svf_with(x, mode, |i| cytomic(cut(i), p(i), res, Tan::Exact))
    }

    /// The control-rate scheme, written from its description in `krate`: targets computed at
    /// frames 0, `kr`, 2·`kr`, ... from the inputs at those frames; the first segment sits on
    /// its target, each later one goes from the previous target to its own, at frame j of the
    /// segment from + (to − from)/kr·(j + 1). With `kr` = [`KRATE`] and [`Tan::Fast`] this is
    /// what the kernels must produce, bit for bit.
    fn reference_krate(
        x: &[f32],
        cut: &dyn Fn(usize) -> f32,
        p: &dyn Fn(usize) -> f32,
        (mode, res): (Mode, bool),
        kr: usize,
        tan: Tan,
    ) -> Vec<f32> {
        let (mut from, mut to) = ([0.0; 4], [0.0; 4]);
        svf_with(x, mode, |i| {
            if i % kr == 0 {
                let t = cytomic(cut(i), p(i), res, tan);
                from = if i == 0 { t } else { to };
                to = t;
            }
            let j = (i % kr + 1) as f64;
            std::array::from_fn(|c| from[c] + (to[c] - from[c]) / kr as f64 * j)
        })
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
            let want = reference_krate(&x, &|i| cut[i], &|i| p[i], (mode, res), KRATE, Tan::Fast);
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
                &reference_krate(&x, &|_| 700.0, &|i| p[i], (mode, res), KRATE, Tan::Fast),
            );
            assert_same(
                kind,
                &got[1],
                &reference_krate(&x2, &|_| 700.0, &|i| p[i], (mode, res), KRATE, Tan::Fast),
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
            // Lanes: constants for whole blocks between steps, and blocks around the steps.
            let lane = |every: usize, v: &[f32]| -> Src {
                Src::Mono((0..n).map(|i| v[(i / every) % v.len()]).collect())
            };
            check::assert_lane_invariant(
                kind,
                &[
                    Src::Mono(x.clone()),
                    lane(700, &[300.0, 2000.0, 2000.5, 9000.0]),
                    lane(900, if res { &[0.1, 0.9] } else { &[0.7, 6.0] }),
                ],
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
        let lane = (0..n).map(|i| [0.2, 0.8, 0.45][(i / 1300) % 3]).collect();
        check::assert_lane_invariant("djf", &[Src::Mono(test_noise(n, 3)), Src::Mono(lane)], n);
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

    /// The control-rate low-pass reference.
    fn reference(x: &[f32], cut: &dyn Fn(usize) -> f32, q: &dyn Fn(usize) -> f32) -> Vec<f32> {
        reference_krate(x, cut, q, (Mode::Lp, false), KRATE, Tan::Fast)
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

    /// Zipper noise of the control-rate coefficients: a 440 Hz sine (amplitude 0.5) through every
    /// mode at q 4 while the cutoff sweeps exponentially from 100 Hz to 10 kHz in one second, and
    /// while a 5 Hz sine LFO moves it over 200..1800 Hz, against the exact per-frame `f64`
    /// algorithm ([`reference_exact`]).
    ///
    /// The measure ([`check::zipper_db`]): the power spectrum of the difference above 1.5 kHz
    /// over that of the exact output. A sine through a filter whose cutoff moves this slowly
    /// stays within a few tens of Hz of 440; the difference there is the scheme's latency
    /// (coefficients trail the cutoff by `KRATE − 1` frames), a shift of the modulation in time,
    /// not noise. Stepping or kinked coefficients on the 16-frame grid would instead put energy
    /// at 440 ± m·2756 Hz (the first at 2316 Hz) and broadband: above 1.5 kHz. It must be below
    /// −80 dB (measured: about −148 dB for the sweep, −120 for the LFO; the floor is the `f32`
    /// rounding of the output, near −150 dB).
    ///
    /// And for the sweep the whole difference, at all frequencies, once the reference's cutoff
    /// is delayed by the same `KRATE − 1` frames, is below −80 dB too (measured about −117 dB):
    /// apart from the latency, the interpolated coefficients are the exact ones.
    #[test]
    fn cutoff_sweeps_add_no_zipper_noise() {
        let n = 44100;
        let x = check::tone(440.0, 0.5, n);
        let sweep = check::exp_sweep(100.0, 10000.0, n);
        let lfo: Vec<f32> = (0..n)
            .map(|i| {
                (1000.0 + 800.0 * (std::f64::consts::TAU * 5.0 * i as f64 / SR as f64).sin()) as f32
            })
            .collect();
        let power = |v: &[f32]| v.iter().map(|a| (*a as f64).powi(2)).sum::<f64>();
        for (name, cut) in [("sweep", &sweep), ("lfo", &lfo)] {
            for (kind, mode, _) in &MODES[..4] {
                let srcs = [
                    Src::Mono(x.clone()),
                    Src::Mono(cut.clone()),
                    Src::Const(4.0),
                ];
                let y = &check::render_kind(kind, &srcs, n)[0];
                let exact = reference_exact(&x, &|i| cut[i], &|_| 4.0, *mode, false);
                let zipper = check::zipper_db(y, &exact, 1500.0);
                assert!(zipper < -80.0, "{kind} {name}: zipper {zipper:.1} dB");
                if name == "sweep" {
                    let late = |i: usize| cut[i.saturating_sub(KRATE - 1)];
                    let exact = reference_exact(&x, &late, &|_| 4.0, *mode, false);
                    let d: Vec<f32> = y.iter().zip(&exact).map(|(a, b)| a - b).collect();
                    let all = 10.0 * (power(&d) / power(&exact)).log10();
                    assert!(
                        all < -80.0,
                        "{kind}: delayed-reference difference {all:.1} dB"
                    );
                }
            }
        }
    }

    /// Not a check: the zipper measure of [`cutoff_sweeps_add_no_zipper_noise`] for an
    /// audio-rate modulation (cutoff 1000 + 800·sin(2π·200·t), the input a 440 Hz sine, q 4),
    /// printed for the kernel and for models of other control periods and of a 4-point
    /// Catmull-Rom interpolation, each against the exact algorithm with its cutoff delayed by the
    /// model's latency. Run with `cargo test -p phonon-core audio_rate_zipper -- --ignored
    /// --nocapture`.
    #[test]
    #[ignore]
    fn audio_rate_zipper_report() {
        let n = 44100;
        let x = check::tone(440.0, 0.5, n);
        let cut = |i: usize| {
            (1000.0 + 800.0 * (std::f64::consts::TAU * 200.0 * i as f64 / SR as f64).sin()) as f32
        };
        let q = |_| 4.0;
        let zipper = |y: &[f32], lag: usize| {
            let late = |i: usize| cut(i.saturating_sub(lag));
            check::zipper_db(y, &reference_exact(&x, &late, &q, Mode::Lp, false), 1500.0)
        };
        let srcs = [
            Src::Mono(x.clone()),
            Src::Mono((0..n).map(cut).collect()),
            Src::Const(4.0),
        ];
        let y = &check::render_kind("lpf", &srcs, n)[0];
        println!(
            "lpf kernel, K = {KRATE}, linear: {:.1} dB",
            zipper(y, KRATE - 1)
        );
        for kr in [16, 8, 4, 2] {
            let y = reference_krate(&x, &cut, &q, (Mode::Lp, false), kr, Tan::Fast);
            println!("model, K = {kr}, linear: {:.1} dB", zipper(&y, kr - 1));
        }
        for kr in [16, 8] {
            // Catmull-Rom through the targets t[m-3..=m], segment m spanning t[m-2] → t[m-1].
            let t: Vec<[f64; 4]> = (0..n.div_ceil(kr))
                .map(|m| cytomic(cut(m * kr), 4.0, false, Tan::Fast))
                .collect();
            let at = |m: isize| t[m.max(0) as usize];
            let y = svf_with(&x, Mode::Lp, |i| {
                let m = (i / kr) as isize;
                let u = ((i % kr) + 1) as f64 / kr as f64;
                let (p0, p1, p2, p3) = (at(m - 3), at(m - 2), at(m - 1), at(m));
                std::array::from_fn(|c| {
                    let (a, b, cc, d) = (p0[c], p1[c], p2[c], p3[c]);
                    b + 0.5
                        * u
                        * (cc - a
                            + u * (2.0 * a - 5.0 * b + 4.0 * cc - d + u * (3.0 * (b - cc) + d - a)))
                })
            });
            println!(
                "model, K = {kr}, Catmull-Rom: {:.1} dB",
                zipper(&y, 2 * kr - 1)
            );
        }
    }
}
