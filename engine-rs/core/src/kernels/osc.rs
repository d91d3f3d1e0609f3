//! Oscillators: sine, band-limited saw and square (PolyBLEP), pulse, triangle, naive saw and square, vco, impulse, blip, phasor.
//!
//! Ports and units:
//! - `freq` (all): Hz, default 440 (1 for `impulse` and `phasor`'s `speed`), mono (a stereo node
//!   feeding it is read from its left channel). Clamped to −sr/2..sr/2 per frame; NaN reads as
//!   0. Negative frequencies run the phase backwards (`impulse` and `blip` use |freq|).
//! - `width` (square, pulse, square_naive) and `pw` (vco): duty cycle 0..1, default 0.5
//!   (clamped; NaN reads as 0.5). 0 and 1 give a constant −1 and +1.
//! - `wave` (vco): 0 saw, 1 square, 2 triangle, 3 sine; rounded to the nearest integer and
//!   clamped to 0..3 (NaN reads as 0), per frame.
//!
//! Output: mono. Phase starts at 0 and advances by freq/sr after each frame, so frame i is
//! computed from the phase before frame i's step, and a frequency step at frame k changes the
//! phase increment from frame k on. The sine outputs sin(2π·phase); the saw is a rising ramp −1..1
//! (value 2·phase − 1) and the square is +1 while phase < width, −1 after, both with a two-sample
//! PolyBLEP residual subtracted at each discontinuity. `pulse` is the same kernel as `square`.
//! The triangle (`tri`, `triangle`) is 1 − 4·|frac(phase + 1/4) − 1/2|: 0 at phase 0, +1 at
//! 1/4, −1 at 3/4; it is not band-limited (its harmonics fall at 12 dB/octave, so its aliasing
//! is far weaker than a naive saw's). `saw_naive` and `square_naive` are the same shapes
//! without PolyBLEP (for benchmarks; they alias). All of these start at 0 (the squares at +1).
//!
//! `impulse {freq}`: 1 on the first frame of each period (the frame at which the phase has just
//! wrapped, and frame 0), 0 elsewhere: single-sample spikes, |freq| per second; freq 0 is
//! silent.
//!
//! `blip {freq}`: a band-limited impulse train, the normalized Dirichlet kernel
//! (1/N)·Σ_{k=1..N} cos(2πk·phase) with N = ceil(sr/(2·|freq|)) − 1 harmonics (at least 1, at
//! most 2048, which only matters below ~11 Hz): all harmonics strictly below Nyquist at equal
//! amplitude 1/N,
//! none above, peak 1 at phase 0, RMS 1/√(2N). Computed in closed form,
//! (sin((2N+1)π·phase)/(2·sin(π·phase)) − 1/2)/N, two sines per frame.
//!
//! `phasor {speed}`: the phase itself, a ramp from 0 to 1, `speed` ramps per second (Hz). The
//! reference's phasor ramps once per cycle; the front end passes speed·cps until the engine has
//! a cycle-position input.

use super::scratch::Scratch;
use super::{param, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};

const FREQ: PortSpec = param("freq", 440.0).unit("Hz, ±Nyquist");
const WIDTH: PortSpec = param("width", 0.5).unit("ratio").range(0.0, 1.0);

/// `sine {freq}`.
pub const SINE: KindSpec = KindSpec::mono("sine", "Sine, −1…1, phase 0 at start.", &[FREQ], || {
    Box::new(Sine::default())
});
/// `saw {freq}`.
pub const SAW: KindSpec = KindSpec::mono(
    "saw",
    "Band-limited rising sawtooth, −1…1.",
    &[FREQ],
    || Box::new(Saw::default()),
);
/// `square {freq, width}`.
pub const SQUARE: KindSpec = KindSpec::mono(
    "square",
    "Band-limited pulse, −1…1; width is the duty cycle.",
    &[FREQ, WIDTH],
    || Box::new(Square::default()),
);
/// `tri {freq}`.
pub const TRI: KindSpec = KindSpec::mono("tri", "Triangle, −1…1.", &[FREQ], || {
    Box::new(Simple::new(Shape::Tri))
});
/// `pulse {freq, width}`: the band-limited square.
pub const PULSE: KindSpec = KindSpec::mono("pulse", "Pulse with a variable width.", &[FREQ, WIDTH], || {
    Box::new(Square::default())
});
/// `saw_naive {freq}`.
pub const SAW_NAIVE: KindSpec = KindSpec::mono(
    "saw_naive",
    "Naive (aliasing) sawtooth, −1…1: for benchmarks and a lo-fi edge.",
    &[FREQ],
    || Box::new(Simple::new(Shape::SawNaive)),
);
/// `square_naive {freq, width}`.
pub const SQUARE_NAIVE: KindSpec = KindSpec::mono(
    "square_naive",
    "Naive (aliasing) pulse, −1…1.",
    &[FREQ, WIDTH],
    || Box::new(SquareNaive::default()),
);
/// `vco {freq, wave, pw}`.
pub const VCO: KindSpec = KindSpec::mono(
    "vco",
    "Switchable oscillator: wave 0 saw, 1 square, 2 triangle, 3 sine.",
    &[
        FREQ,
        param("wave", 0.0).unit("0–3").range(0.0, 3.0),
        param("pw", 0.5).unit("ratio").range(0.0, 1.0),
    ],
    || Box::new(Vco::default()),
);
/// `impulse {freq}`.
pub const IMPULSE: KindSpec = KindSpec::mono(
    "impulse",
    "One-sample spikes at freq (a trigger for envelopes, combs and drums).",
    &[param("freq", 1.0).unit("Hz, ±Nyquist")],
    || Box::new(Simple::new(Shape::Impulse)),
);
/// `blip {freq}`.
pub const BLIP: KindSpec = KindSpec::mono("blip", "Band-limited impulse train.", &[FREQ], || {
    Box::new(Simple::new(Shape::Blip))
});
/// `phasor {speed}`.
pub const PHASOR: KindSpec = KindSpec::mono(
    "phasor",
    "A 0→1 ramp per cycle (times speed), locked to the cycle clock.",
    &[param("speed", 1.0).unit("cycles")],
    || Box::new(Simple::new(Shape::Phasor)),
);

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
/// nonzero only within one step of the discontinuity at t = 0 ≡ 1. f64, for `supersaw`, which
/// keeps f64 phases.
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

/// One turn of phase in [`Phase`] units.
pub const TURN: f64 = 4_294_967_296.0;

/// sin(2π·p/2^32) for a 32-bit unit phase `p`, in f32, branch-free (vectorizes).
///
/// The phase becomes x = p/2^32 − (0 or 1) in −½..½ (exact to 2^-25 turns through the i32 to
/// f32 conversion), is folded into −¼..¼ by sin(π − a) = sin(a), and an odd degree-7 polynomial,
/// minimax for absolute error on that interval (fitted by a Remez exchange), gives sin(2πy).
/// Maximum error 6·10⁻⁷ of full scale (−124 dB), plus f32 rounding of about 1.2·10⁻⁷: its
/// harmonic distortion is far below −100 dB (tested by FFT).
#[inline(always)]
pub fn sin_turns(p: u32) -> f32 {
    sin_unit((p as i32) as f32 * (1.0 / TURN as f32))
}

/// sin(2πx) for x in turns, −¾ ≤ x ≤ ¾ (the fold and polynomial of [`sin_turns`]).
#[inline(always)]
pub fn sin_unit(x: f32) -> f32 {
    const S1: f32 = 6.283_164;
    const S3: f32 = -41.337_143;
    const S5: f32 = 81.340_77;
    const S7: f32 = -70.993_43;
    let folded = 0.5f32.copysign(x) - x;
    let y = if x.abs() > 0.25 { folded } else { x };
    let y2 = y * y;
    y * (S1 + y2 * (S3 + y2 * (S5 + y2 * S7)))
}

/// Largest |x| [`wrap_turns`] reduces exactly (f32 keeps fractional turns below 2^23; beyond
/// 2^20 only 1/8 turn of resolution is left, so inputs are clamped there).
pub const MAX_TURNS: f32 = 1_048_576.0;

/// x minus the nearest whole number of turns, in −½..½, branch-free (truncating conversions
/// only, so it vectorizes on every x86-64). |x| is clamped to [`MAX_TURNS`]; NaN reads as 0.
#[inline(always)]
pub fn wrap_turns(x: f32) -> f32 {
    let x = if x.is_nan() {
        0.0
    } else {
        x.clamp(-MAX_TURNS, MAX_TURNS)
    };
    let f = x - (x as i32) as f32;
    let f = if f > 0.5 { f - 1.0 } else { f };
    if f < -0.5 {
        f + 1.0
    } else {
        f
    }
}

/// The unit phase 0..1 of a 32-bit phase, to 24 bits (exact in f32).
#[inline(always)]
pub fn unit(p: u32) -> f32 {
    ((p >> 8) as i32) as f32 * (1.0 / 16_777_216.0)
}

/// The phase step |inc|/2^32 (0..½) of a signed 32-bit increment.
#[inline(always)]
pub fn step(inc: i32) -> f32 {
    (inc as f32).abs() * (1.0 / TURN as f32)
}

/// PolyBLEP residual in f32 (see [`poly_blep`]), branch-free: both polynomials are computed
/// and the one whose side of the discontinuity `t` is on is kept. `rdt` is 1/dt.
#[inline(always)]
pub fn blep(t: f32, dt: f32, rdt: f32) -> f32 {
    let a = t * rdt;
    let rise = a + a - a * a - 1.0;
    let b = (t - 1.0) * rdt;
    let fall = b * b + b + b + 1.0;
    let r = if t > 1.0 - dt { fall } else { 0.0 };
    if t < dt {
        rise
    } else {
        r
    }
}

/// One frame of the band-limited saw: 2t − 1 − blep(t).
#[inline(always)]
fn saw_value(p: u32, inc: i32) -> f32 {
    let (t, dt) = (unit(p), step(inc));
    let rdt = if dt > 0.0 { 1.0 / dt } else { 0.0 };
    2.0 * t - 1.0 - blep(t, dt, rdt)
}

/// One frame of the band-limited pulse: naive pulse plus the BLEP at the rising edge (phase 0)
/// minus the BLEP at the falling edge (phase = width).
#[inline(always)]
pub fn square_value(p: u32, inc: i32, width: f32) -> f32 {
    let w = clamp_width(width);
    let (t, dt) = (unit(p), step(inc));
    let rdt = if dt > 0.0 { 1.0 / dt } else { 0.0 };
    let naive = if t < w { 1.0 } else { -1.0 };
    let t2 = t - w;
    let t2 = if t2 < 0.0 { t2 + 1.0 } else { t2 };
    naive + blep(t, dt, rdt) - blep(t2, dt, rdt)
}

/// The triangle of a 32-bit phase: 1 − 4·|frac(t + 1/4) − 1/2|.
#[inline(always)]
pub fn tri_value(p: u32) -> f32 {
    let t = unit(p.wrapping_add(1 << 30));
    1.0 - 4.0 * (t - 0.5).abs()
}

/// The naive pulse: +1 while the phase is below width, −1 after.
#[inline(always)]
pub fn naive_square_value(p: u32, width: f32) -> f32 {
    if unit(p) < clamp_width(width) {
        1.0
    } else {
        -1.0
    }
}

/// Phase state common to the oscillators: a 32-bit fixed-point unit phase (2^32 is one turn)
/// advanced with wrapping integer adds, so it is exact for any length of time, and a frequency
/// resolution of sr/2^32 (1.03·10⁻⁵ Hz at 44.1 kHz).
///
/// A frequency f becomes the increment trunc(clamp(f)·2^32/sr) (an f32 product, truncated
/// toward zero; ±Nyquist saturates to ±(2^31 − 1)): frequency error below 10⁻⁷ relative plus
/// one step of resolution. Negative frequencies run the phase backwards.
#[derive(Clone, Copy, Debug, Default)]
pub struct Phase {
    /// The unit phase, in 2^-32 turns.
    pub phase: u32,
    /// 2^32 / sample rate.
    scale: f32,
    /// sample rate / 2.
    nyquist: f32,
    /// The last constant frequency and its increment (so a constant costs no work per block).
    last: (f32, i32),
}

impl Phase {
    /// Takes the sample rate. Control thread.
    pub fn prepare(&mut self, sample_rate: f32) {
        self.scale = (TURN / sample_rate as f64) as f32;
        self.nyquist = sample_rate * 0.5;
        self.last = (0.0, 0);
    }

    /// Half the sample rate: the highest frequency the phase runs at.
    pub fn nyquist(&self) -> f32 {
        self.nyquist
    }

    /// The increment of frequency `f` Hz.
    #[inline(always)]
    pub fn inc(&self, f: f32) -> i32 {
        (clamp_freq(f, self.nyquist) * self.scale) as i32
    }

    /// Runs `shape(phase, increment, frame)` for each frame of `out` and advances the phase:
    /// frame i uses the phase before frame i's step. A constant frequency computes each frame's
    /// phase directly (p₀ + i·inc), so the whole block is one vector loop; a moving one first
    /// accumulates the phases into `phases` (one integer add per frame) and then runs the shape
    /// loop over them. Render thread.
    #[inline(always)]
    pub fn run(
        &mut self,
        out: &mut [f32],
        freq: Input,
        phases: &mut [u32],
        shape: impl Fn(u32, i32, usize) -> f32 + Copy,
    ) {
        let n = out.len();
        let p0 = self.phase;
        match freq {
            Input::Const(f) => {
                if f.to_bits() != self.last.0.to_bits() {
                    self.last = (f, self.inc(f));
                }
                let inc = self.last.1;
                let u = inc as u32;
                super::simd::dispatch(|| {
                    for (i, o) in out.iter_mut().enumerate() {
                        *o = shape(p0.wrapping_add(u.wrapping_mul(i as u32)), inc, i);
                    }
                });
                self.phase = p0.wrapping_add(u.wrapping_mul(n as u32));
            }
            Input::Block(f) => {
                let (f, ph) = (&f[..n], &mut phases[..n]);
                let mut p = p0;
                for (x, &fi) in ph.iter_mut().zip(f) {
                    *x = p;
                    p = p.wrapping_add(self.inc(fi) as u32);
                }
                self.phase = p;
                let me = *self;
                super::simd::dispatch(|| {
                    for (i, o) in out.iter_mut().enumerate() {
                        *o = shape(ph[i], me.inc(f[i]), i);
                    }
                });
            }
        }
    }
}

/// The per-frame phase buffer a moving frequency needs, `max_block` long. Control thread.
fn phase_buffer(max_block: usize) -> Vec<u32> {
    vec![0; max_block.max(1)]
}

/// Sine oscillator.
#[derive(Debug, Default)]
pub struct Sine {
    ph: Phase,
    phases: Vec<u32>,
}

impl Kernel for Sine {
    /// Back to the start: phase 0.
    fn reset(&mut self) {
        self.ph.phase = 0;
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.ph.prepare(sample_rate);
        self.phases = phase_buffer(max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        self.ph
            .run(out, inputs[0].left(), &mut self.phases, |p, _, _| {
                sin_turns(p)
            });
    }
}

/// Band-limited sawtooth.
#[derive(Debug, Default)]
pub struct Saw {
    ph: Phase,
    phases: Vec<u32>,
}

impl Kernel for Saw {
    /// Back to the start: phase 0.
    fn reset(&mut self) {
        self.ph.phase = 0;
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.ph.prepare(sample_rate);
        self.phases = phase_buffer(max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        self.ph
            .run(out, inputs[0].left(), &mut self.phases, |p, inc, _| {
                saw_value(p, inc)
            });
    }
}

/// Band-limited pulse wave with variable width.
#[derive(Debug, Default)]
pub struct Square {
    ph: Phase,
    phases: Vec<u32>,
}

impl Kernel for Square {
    /// Back to the start: phase 0.
    fn reset(&mut self) {
        self.ph.phase = 0;
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.ph.prepare(sample_rate);
        self.phases = phase_buffer(max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let (f, ph) = (inputs[0].left(), &mut self.phases);
        match inputs[1].left() {
            Input::Const(w) => self.ph.run(out, f, ph, |p, inc, _| square_value(p, inc, w)),
            Input::Block(w) => {
                let w = &w[..n];
                self.ph
                    .run(out, f, ph, |p, inc, i| square_value(p, inc, w[i]))
            }
        }
    }
}

/// Most harmonics `blip` sums.
pub const BLIP_MAX_HARMONICS: f64 = 2048.0;

/// The normalized Dirichlet kernel with the harmonic count for phase step `dt` (|freq|/sr).
#[inline(always)]
pub fn blip_value(p: f64, dt: f64) -> f32 {
    let n = if dt > 0.0 {
        ((0.5 / dt).ceil() - 1.0).clamp(1.0, BLIP_MAX_HARMONICS)
    } else {
        BLIP_MAX_HARMONICS
    };
    let den = (std::f64::consts::PI * p).sin();
    let d = if den.abs() < 1e-9 {
        n + 0.5
    } else {
        ((2.0 * n + 1.0) * std::f64::consts::PI * p).sin() / (2.0 * den)
    };
    ((d - 0.5) / n) as f32
}

/// The single-input oscillator shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Naive triangle.
    Tri,
    /// Naive saw.
    SawNaive,
    /// 1 on the frame after each wrap.
    Impulse,
    /// Band-limited impulse train.
    Blip,
    /// The phase.
    Phasor,
}

/// An oscillator with one `freq` port and a fixed [`Shape`].
#[derive(Debug)]
pub struct Simple {
    shape: Shape,
    ph: Phase,
    phases: Vec<u32>,
}

impl Simple {
    /// An oscillator of `shape`.
    pub fn new(shape: Shape) -> Simple {
        Simple {
            shape,
            ph: Phase::default(),
            phases: Vec::new(),
        }
    }
}

impl Kernel for Simple {
    /// Back to the start: phase 0.
    fn reset(&mut self) {
        self.ph.phase = 0;
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.ph.prepare(sample_rate);
        self.phases = phase_buffer(max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let f = inputs[0].left();
        let ph = &mut self.phases;
        match self.shape {
            Shape::Tri => self.ph.run(out, f, ph, |p, _, _| tri_value(p)),
            Shape::SawNaive => self.ph.run(out, f, ph, |p, _, _| 2.0 * unit(p) - 1.0),
            Shape::Phasor => self.ph.run(out, f, ph, |p, _, _| unit(p)),
            // The frame at which the phase has just wrapped: phase below one step (|freq| runs
            // the phase forwards, so the wrap is always upwards).
            Shape::Impulse => run_abs(
                &mut self.ph,
                out,
                f,
                |p, inc| {
                    if p < inc as u32 {
                        1.0
                    } else {
                        0.0
                    }
                },
            ),
            Shape::Blip => run_abs(&mut self.ph, out, f, |p, inc| {
                blip_value(p as f64 / TURN, (inc as f64).abs() / TURN)
            }),
        }
    }
}

/// A frame-by-frame phase loop on |freq| for the shapes that are not block loops (`impulse`,
/// `blip`): `shape(phase, increment)`.
fn run_abs(ph: &mut Phase, out: &mut [f32], f: Input, shape: impl Fn(u32, i32) -> f32) {
    let mut p = ph.phase;
    for (i, o) in out.iter_mut().enumerate() {
        let inc = ph.inc(f.at(i).abs());
        *o = shape(p, inc);
        p = p.wrapping_add(inc as u32);
    }
    ph.phase = p;
}

/// The naive pulse (`square_naive`).
#[derive(Debug, Default)]
pub struct SquareNaive {
    ph: Phase,
    phases: Vec<u32>,
}

impl Kernel for SquareNaive {
    /// Back to the start: phase 0.
    fn reset(&mut self) {
        self.ph.phase = 0;
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.ph.prepare(sample_rate);
        self.phases = phase_buffer(max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let (f, ph) = (inputs[0].left(), &mut self.phases);
        match inputs[1].left() {
            Input::Const(w) => self.ph.run(out, f, ph, |p, _, _| naive_square_value(p, w)),
            Input::Block(w) => {
                let w = &w[..n];
                self.ph
                    .run(out, f, ph, |p, _, i| naive_square_value(p, w[i]))
            }
        }
    }
}

/// The vco's waveform index of a `wave` value: rounded, clamped to 0..3, NaN → 0.
#[inline(always)]
pub fn wave_index(w: f32) -> u8 {
    if w.is_nan() {
        0
    } else {
        w.round().clamp(0.0, 3.0) as u8
    }
}

/// One frame of the vco for waveform `wave`.
#[inline(always)]
fn vco_value(wave: u8, p: u32, inc: i32, pw: f32) -> f32 {
    match wave {
        0 => saw_value(p, inc),
        1 => square_value(p, inc, pw),
        2 => tri_value(p),
        _ => sin_turns(p),
    }
}

/// `vco`: one phase, four waveforms.
#[derive(Debug, Default)]
pub struct Vco {
    ph: Phase,
    phases: Vec<u32>,
    scratch: Scratch,
}

impl Kernel for Vco {
    /// Back to the start: phase 0.
    fn reset(&mut self) {
        self.ph.phase = 0;
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.ph.prepare(sample_rate);
        self.phases = phase_buffer(max_block);
        self.scratch.prepare(2, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let wave = inputs[1].left();
        let [w, pw] = self.scratch.slices([wave, inputs[2].left()], out.len());
        let (f, ph) = (inputs[0].left(), &mut self.phases);
        match wave {
            // A constant waveform: one loop per shape, no per-frame choice.
            Input::Const(c) => match wave_index(c) {
                0 => self.ph.run(out, f, ph, |p, inc, _| saw_value(p, inc)),
                1 => self
                    .ph
                    .run(out, f, ph, |p, inc, i| square_value(p, inc, pw[i])),
                2 => self.ph.run(out, f, ph, |p, _, _| tri_value(p)),
                _ => self.ph.run(out, f, ph, |p, _, _| sin_turns(p)),
            },
            Input::Block(_) => self.ph.run(out, f, ph, |p, inc, i| {
                vco_value(wave_index(w[i]), p, inc, pw[i])
            }),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::kernels::testing::{assert_same, run, Src};
    use crate::samples::SampleBank;
    use std::f64::consts::TAU;

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

    /// The phase increment the oscillators' contract states (see [`Phase`]): trunc(clamp(f)·2^32/sr)
    /// with the scale and product in f32.
    pub(crate) fn contract_inc(f: f32) -> i32 {
        let f = if f.is_nan() { 0.0 } else { f };
        let f = f.clamp(-SR / 2.0, SR / 2.0);
        (f * (TURN / SR as f64) as f32) as i32
    }

    /// Sample-by-sample reference in f64: the 32-bit phase recurrence of the contract, and
    /// `shape(frame, phase in turns, |step| in turns, raw phase)` written out with libm.
    fn reference(
        n: usize,
        freq: &dyn Fn(usize) -> f32,
        shape: &dyn Fn(usize, f64, f64, u32) -> f64,
    ) -> Vec<f64> {
        let mut p = 0u32;
        let mut out = Vec::new();
        for i in 0..n {
            let inc = contract_inc(freq(i));
            out.push(shape(i, p as f64 / TURN, (inc as f64).abs() / TURN, p));
            p = p.wrapping_add(inc as u32);
        }
        out
    }

    /// The phase in turns as the f32 shapes see it: 24 bits.
    fn t24(p: u32) -> f64 {
        (p >> 8) as f64 / 16_777_216.0
    }

    /// Every frame of `got` within `tol` of the f64 reference.
    fn assert_close(what: &str, got: &[f32], want: &[f64], tol: f64) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (*g as f64 - w).abs() <= tol,
                "{what}: frame {i}: {g} vs reference {w} (tolerance {tol})"
            );
        }
    }

    /// The reference as f32, for shapes the f32 path computes exactly.
    fn exact(v: Vec<f64>) -> Vec<f32> {
        v.into_iter().map(|x| x as f32).collect()
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

    /// Tolerance of the sine against libm at the exact phase: the polynomial's 6·10⁻⁷ (see
    /// [`sin_turns`]) plus the phase's rounding to f32 (2π·2^-26 ≈ 9.4·10⁻⁸) and the output's
    /// (6·10⁻⁸).
    const SINE_TOL: f64 = 1e-6;

    /// Tolerance of the PolyBLEP shapes against the f64 reference at the same 24-bit phase: the
    /// f32 products inside the residual (x = t/dt, x², each within a few 2^-24 relative, x ≤ 1)
    /// give about 10⁻⁶; the square's second edge t − w is rounded to f32 (≤ 2^-25 turns) and the
    /// residual's slope 2/dt amplifies it, ≤ 2·2^-25·441 ≈ 2.6·10⁻⁵ at 100 Hz, the lowest
    /// nonzero frequency of the test signals. 10⁻⁴ covers both with margin.
    const BLEP_TOL: f64 = 1e-4;

    #[test]
    fn sine_block_equals_reference() {
        let bank = SampleBank::default();
        let n = 3000;
        let fs = freq_signal(n);
        let sine = |_: usize, p: f64, _: f64, _: u32| (TAU * p).sin();
        let got = run(
            &mut Sine::default(),
            &[Src::Mono(fs.clone())],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let want = reference(n, &|i| fs[i], &sine);
        assert_close("sine block freq", &got[0], &want, SINE_TOL);
        let got = run(
            &mut Sine::default(),
            &[Src::Const(440.0)],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let want = reference(n, &|_| 440.0, &sine);
        assert_close("sine const freq", &got[0], &want, SINE_TOL);
    }

    /// Harmonic distortion of the polynomial sine, by FFT: 997 Hz over 2^16 frames with a
    /// 4-term Blackman–Harris window (−92 dB sidelobes, so leakage stays below the measure);
    /// the power at harmonics 2..20 (±4 bins each) against the fundamental's is below −100 dB.
    #[test]
    fn sine_harmonic_distortion_below_minus_100_db() {
        let n = 1 << 16;
        let f0 = 997.0;
        let x = &check::render_kind("sine", &[Src::Const(f0 as f32)], n)[0];
        let (a0, a1, a2, a3) = (0.35875, 0.48829, 0.14128, 0.01168);
        let mut re: Vec<f64> = (0..n)
            .map(|i| {
                let t = TAU * i as f64 / n as f64;
                x[i] as f64 * (a0 - a1 * t.cos() + a2 * (2.0 * t).cos() - a3 * (3.0 * t).cos())
            })
            .collect();
        let mut im = vec![0.0; n];
        check::fft(&mut re, &mut im);
        let bin = SR as f64 / n as f64;
        let power = |f: f64| {
            let k = (f / bin).round() as usize;
            (k - 4..=k + 4)
                .map(|j| re[j] * re[j] + im[j] * im[j])
                .sum::<f64>()
        };
        let fund = power(f0);
        let harm: f64 = (2..=20).map(|h| power(h as f64 * f0)).sum();
        let thd = 10.0 * (harm / fund).log10();
        assert!(thd < -100.0, "THD {thd} dB");
    }

    /// The 32-bit phase does not drift: after one hour of 440 Hz in 4096-frame blocks it is
    /// exactly 158,760,000 increments (mod 2^32) past the start — integer adds, nothing to round.
    #[test]
    fn phase_is_exact_after_an_hour() {
        let mut ph = Phase::default();
        ph.prepare(SR);
        let mut out = vec![0.0f32; 4096];
        let mut phases = vec![0u32; 4096];
        let frames: u64 = 3600 * 44100;
        let mut done = 0u64;
        while done < frames {
            let m = (frames - done).min(4096) as usize;
            ph.run(
                &mut out[..m],
                Input::Const(440.0),
                &mut phases,
                |_, _, _| 0.0,
            );
            done += m as u64;
        }
        let inc = contract_inc(440.0) as u32 as u64;
        assert_eq!(ph.phase as u64, (inc * frames) % (1u64 << 32));
    }

    #[test]
    fn saw_block_equals_reference() {
        let bank = SampleBank::default();
        let n = 3000;
        let fs = freq_signal(n);
        let saw = |_: usize, _: f64, dt: f64, p: u32| {
            let t = t24(p);
            2.0 * t - 1.0 - blep_ref(t, dt)
        };
        let got = run(
            &mut Saw::default(),
            &[Src::Mono(fs.clone())],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let want = reference(n, &|i| fs[i], &saw);
        assert_close("saw block freq", &got[0], &want, BLEP_TOL);
        let got = run(
            &mut Saw::default(),
            &[Src::Const(1234.5)],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let want = reference(n, &|_| 1234.5, &saw);
        assert_close("saw const freq", &got[0], &want, BLEP_TOL);
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
        let want = reference(n, &|i| fs[i], &|i, _, dt, p| square_ref(t24(p), dt, ws[i]));
        assert_close("square block freq, block width", &got[0], &want, BLEP_TOL);
        let got = run(
            &mut Square::default(),
            &[Src::Const(300.0), Src::Const(0.25)],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let want = reference(n, &|_| 300.0, &|_, _, dt, p| square_ref(t24(p), dt, 0.25));
        assert_close("square const", &got[0], &want, BLEP_TOL);
        let got = run(
            &mut Square::default(),
            &[Src::Const(300.0), Src::Mono(ws.clone())],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let want = reference(n, &|_| 300.0, &|i, _, dt, p| square_ref(t24(p), dt, ws[i]));
        assert_close("square const freq, block width", &got[0], &want, BLEP_TOL);
    }

    /// The block loops against a frame-by-frame scalar loop (each frame's phase and shape
    /// computed alone, through `black_box`, so nothing is vectorized): the same bits.
    #[test]
    fn block_loops_match_a_frame_by_frame_scalar_loop() {
        use std::hint::black_box;
        let n = 4000;
        let fs = freq_signal(n);
        type ShapeFn = fn(u32, i32) -> f32;
        let shapes: [(&str, ShapeFn); 4] = [
            ("sine", |p, _| sin_turns(p)),
            ("saw", saw_value),
            ("square", |p, inc| square_value(p, inc, 0.5)),
            ("tri", |p, _| tri_value(p)),
        ];
        for (kind, shape) in shapes {
            let srcs = if kind == "square" {
                vec![Src::Mono(fs.clone()), Src::Const(0.5)]
            } else {
                vec![Src::Mono(fs.clone())]
            };
            let got = check::render_kind(kind, &srcs, n);
            let mut p = 0u32;
            let want: Vec<f32> = (0..n)
                .map(|i| {
                    let inc = black_box(contract_inc(fs[i]));
                    let v = black_box(shape(black_box(p), inc));
                    p = p.wrapping_add(inc as u32);
                    v
                })
                .collect();
            assert_same(kind, &got[0], &want);
        }
    }

    /// The oscillator cases the SIMD level test renders at every level: each kind with a moving
    /// frequency (negative stretch, NaN, past Nyquist) and a constant one; the FM family with
    /// moving and constant inputs.
    pub(crate) fn level_cases() -> Vec<(&'static str, Vec<Src>)> {
        let fs = Src::Mono(freq_signal(5000));
        let ws = Src::Mono((0..5000).map(|i| (i as f32 / 5000.0) * 1.4 - 0.2).collect());
        let mut cases = Vec::new();
        for kind in ["sine", "saw", "tri", "saw_naive", "phasor"] {
            cases.push((kind, vec![fs.clone()]));
            cases.push((kind, vec![Src::Const(523.25)]));
        }
        for kind in ["square", "square_naive"] {
            cases.push((kind, vec![fs.clone(), ws.clone()]));
            cases.push((kind, vec![Src::Const(523.25), Src::Const(0.3)]));
        }
        for w in [0.0, 1.0, 2.0, 3.0] {
            cases.push(("vco", vec![fs.clone(), Src::Const(w), ws.clone()]));
        }
        let idx = Src::Mono((0..5000).map(|i| (i / 400) as f32 * 0.7 - 1.0).collect());
        let sig = Src::Mono(crate::kernels::check::test_noise(5000, 3));
        for kind in ["noise", "pink", "brown_noise"] {
            cases.push((kind, vec![]));
        }
        for kind in ["add", "sub", "mul", "div"] {
            cases.push((kind, vec![fs.clone(), ws.clone()]));
            cases.push((kind, vec![fs.clone(), Src::Const(0.5)]));
        }
        for kind in ["fm", "superfm", "pm", "fmcrossmod"] {
            cases.push((kind, vec![fs.clone(), sig.clone(), idx.clone()]));
            cases.push((
                kind,
                vec![Src::Const(300.0), Src::Const(2.0), Src::Const(1.5)],
            ));
        }
        cases
    }

    use crate::kernels::check::{self, assert_invariant, peak_freq, rms};

    /// Frequency from rising zero crossings of `x − mid`, linearly interpolated.
    fn crossing_freq(x: &[f32], mid: f64) -> f64 {
        let mut c = Vec::new();
        for i in 1..x.len() {
            let (a, b) = (x[i - 1] as f64 - mid, x[i] as f64 - mid);
            if a < 0.0 && b >= 0.0 {
                c.push(i as f64 - 1.0 + a / (a - b));
            }
        }
        (c.len() - 1) as f64 * SR as f64 / (c[c.len() - 1] - c[0])
    }

    /// tri, triangle, saw_naive, square_naive, phasor, impulse and blip against sample-by-sample
    /// references (the same phase recurrence, the shape formulas written out), with a modulated
    /// frequency (negative stretch, NaN, past Nyquist); and the block contract for every new kind.
    #[test]
    fn simple_shapes_equal_reference() {
        let bank = SampleBank::default();
        let n = 3000;
        let fs = freq_signal(n);
        let tri = |_: usize, _: f64, _: f64, p: u32| {
            1.0 - 4.0 * (t24(p.wrapping_add(1 << 30)) - 0.5).abs()
        };
        let naive_saw = |_: usize, _: f64, _: f64, p: u32| 2.0 * t24(p) - 1.0;
        let phasor = |_: usize, _: f64, _: f64, p: u32| t24(p);
        // These shapes are exact in f32 (multiples of 2^-22 within ±1): bit-equal.
        for (kind, shape) in [
            ("tri", &tri as &dyn Fn(usize, f64, f64, u32) -> f64),
            ("saw_naive", &naive_saw),
            ("phasor", &phasor),
        ] {
            let got = check::render_kind(kind, &[Src::Mono(fs.clone())], n);
            assert_same(kind, &got[0], &exact(reference(n, &|i| fs[i], shape)));
        }
        let ws: Vec<f32> = (0..n).map(|i| (i as f32 / n as f32) * 1.4 - 0.2).collect();
        let got = check::render_kind(
            "square_naive",
            &[Src::Mono(fs.clone()), Src::Mono(ws.clone())],
            n,
        );
        let want = reference(n, &|i| fs[i], &|i, _, _, p| {
            let w = ws[i].clamp(0.0, 1.0) as f64;
            if t24(p) < w {
                1.0
            } else {
                -1.0
            }
        });
        assert_same("square_naive", &got[0], &exact(want));
        // impulse and blip run on |freq|: 1 where the phase is below one step (just wrapped).
        let imp = |_: usize, p: f64, dt: f64, _: u32| if p < dt { 1.0 } else { 0.0 };
        let blip = |_: usize, p: f64, dt: f64, _: u32| {
            let nh = ((0.5 / dt).ceil() - 1.0).clamp(1.0, 2048.0);
            let s = (std::f64::consts::PI * p).sin();
            let d = if s.abs() < 1e-9 {
                nh + 0.5
            } else {
                ((2.0 * nh + 1.0) * std::f64::consts::PI * p).sin() / (2.0 * s)
            };
            (d - 0.5) / nh
        };
        let fa: Vec<f32> = fs.iter().map(|f| f.abs()).collect();
        for (kind, shape) in [
            ("impulse", &imp as &dyn Fn(usize, f64, f64, u32) -> f64),
            ("blip", &blip),
        ] {
            let got = check::render_kind(kind, &[Src::Mono(fs.clone())], n);
            assert_same(kind, &got[0], &exact(reference(n, &|i| fa[i], shape)));
        }
        // pulse is the square kernel.
        let sq = run(
            &mut Square::default(),
            &[Src::Mono(fs.clone()), Src::Mono(ws.clone())],
            1,
            n,
            SR,
            &bank,
            &[],
        );
        let pu = check::render_kind("pulse", &[Src::Mono(fs.clone()), Src::Mono(ws.clone())], n);
        assert_same("pulse", &pu[0], &sq[0]);
        for kind in ["tri", "saw_naive", "phasor", "impulse", "blip"] {
            assert_invariant(kind, &[Src::Mono(fs.clone())], n);
            assert_invariant(kind, &[Src::Const(523.0)], n);
        }
        for kind in ["square_naive", "pulse"] {
            assert_invariant(kind, &[Src::Mono(fs.clone()), Src::Mono(ws.clone())], n);
            assert_invariant(kind, &[Src::Const(523.0), Src::Const(0.3)], n);
        }
    }

    /// vco with a constant wave is exactly saw, square (pw as width), tri or sine; with a moving
    /// wave it picks, frame by frame, the value of the waveform it names (rounded, clamped).
    #[test]
    fn vco_picks_the_waveform() {
        let n = 3000;
        let fs = freq_signal(n);
        let pws: Vec<f32> = (0..n).map(|i| 0.1 + (i % 700) as f32 / 1000.0).collect();
        let f = Src::Mono(fs.clone());
        let pw = Src::Mono(pws.clone());
        let each = [
            check::render_kind("saw", std::slice::from_ref(&f), n),
            check::render_kind("square", &[f.clone(), pw.clone()], n),
            check::render_kind("tri", std::slice::from_ref(&f), n),
            check::render_kind("sine", std::slice::from_ref(&f), n),
        ];
        for (w, want) in each.iter().enumerate() {
            let got = check::render_kind("vco", &[f.clone(), Src::Const(w as f32), pw.clone()], n);
            assert_same(&format!("vco wave {w}"), &got[0], &want[0]);
        }
        let waves: Vec<f32> = (0..n)
            .map(|i| [0.2, 1.4, 2.0, 2.6, 7.0, -3.0, f32::NAN][(i / 50) % 7])
            .collect();
        let got = assert_invariant("vco", &[f.clone(), Src::Mono(waves.clone()), pw.clone()], n);
        let want: Vec<f32> = (0..n)
            .map(|i| {
                let w = if waves[i].is_nan() {
                    0
                } else {
                    waves[i].round().clamp(0.0, 3.0) as usize
                };
                each[w][0][i]
            })
            .collect();
        assert_same("vco moving wave", &got[0], &want);
    }

    /// Analysis: over 1 s at 100 Hz (exactly 100 periods), the naive saw and the triangle have RMS
    /// 1/√3 and the naive square (width 0.5) RMS 1, within 0.1 %; the zero-crossing frequency of
    /// each is 100 Hz within 0.05 Hz. The phasor takes the 441 values k/441 of each period:
    /// mean (N − 1)/(2N) and mean square (N − 1)(2N − 1)/(6N²) with N = 441 (→ 1/2 and 1/3).
    #[test]
    fn naive_shapes_rms_and_frequency() {
        let n = 44100;
        let third = 1.0 / 3f64.sqrt();
        let np = 441.0f64;
        let ph_rms = ((np - 1.0) * (2.0 * np - 1.0) / (6.0 * np * np)).sqrt();
        for (kind, want, mid) in [
            ("saw_naive", third, 0.0),
            ("tri", third, 0.0),
            ("square_naive", 1.0, 0.0),
            ("phasor", ph_rms, 0.5),
        ] {
            let srcs: Vec<Src> = if kind == "square_naive" {
                vec![Src::Const(100.0), Src::Const(0.5)]
            } else {
                vec![Src::Const(100.0)]
            };
            let x = &check::render_kind(kind, &srcs, n)[0];
            let r = rms(x);
            assert!(
                (r - want).abs() / want < 1e-3,
                "{kind} rms {r}, want {want}"
            );
            // The phasor and the saw fall at the wrap: count falling crossings of the negated signal.
            let y: Vec<f32> = if kind == "phasor" || kind == "saw_naive" {
                x.iter().map(|v| -v).collect()
            } else {
                x.clone()
            };
            let f = crossing_freq(&y, if kind == "phasor" { -mid } else { mid });
            assert!((f - 100.0).abs() < 0.05, "{kind} frequency {f}");
        }
        let x = &check::render_kind("phasor", &[Src::Const(100.0)], n)[0];
        let mean = x.iter().map(|v| *v as f64).sum::<f64>() / n as f64;
        assert!(
            (mean - (np - 1.0) / (2.0 * np)).abs() < 1e-6,
            "phasor mean {mean}"
        );
    }

    /// The alias energy of `kind` rendering a 2489 Hz tone over 2^16 frames ([`check::alias_db`]).
    fn alias_db(kind: &str) -> f64 {
        let f0 = 2489.0;
        let x = &check::render_kind(kind, &[Src::Const(f0 as f32)], 1 << 16)[0];
        check::alias_db(x, f0)
    }

    /// PolyBLEP's residual cancels most of the step's aliasing: for a 2489 Hz saw (f/sr ≈ 0.056)
    /// the naive saw's alias energy is the power of its harmonics 2/(πk) above Nyquist (k ≥ 9),
    /// folded back: Σ_{k≥9} (2/(πk))²/2 ÷ (1/3) ≈ 0.0715, −11.5 dB of the total. PolyBLEP's
    /// two-sample residual cancels the step's high-frequency content to first order, which
    /// removes well over 10 dB of that at this ratio, so the threshold is 10 dB below naive.
    #[test]
    fn polyblep_saw_aliases_far_less_than_naive() {
        let naive = alias_db("saw_naive");
        let blep = alias_db("saw");
        assert!(
            naive > -20.0,
            "naive saw alias {naive} dB (the measurement must see it)"
        );
        assert!(
            blep < naive - 10.0,
            "PolyBLEP {blep} dB vs naive {naive} dB"
        );
    }

    /// impulse 4 Hz: four spikes of 1 per second, one period (11025 frames) apart within one frame
    /// of rounding; blip 440 Hz: N = ceil(22050/440) − 1 = 50 harmonics of equal amplitude (within
    /// 0.1 dB at k = 1, 2, 25, 50), peak at 440 Hz, RMS 1/√(2N) = 0.1 within 1 %.
    #[test]
    fn impulse_counts_and_blip_is_flat_and_band_limited() {
        let x = &check::render_kind("impulse", &[Src::Const(4.0)], 44100)[0];
        let at: Vec<usize> = (0..x.len()).filter(|&i| x[i] != 0.0).collect();
        assert_eq!(at.len(), 4, "{at:?}");
        assert!(x.iter().all(|v| *v == 0.0 || *v == 1.0));
        for (k, &i) in at.iter().enumerate() {
            assert!((i as i64 - 11025 * k as i64).abs() <= 1, "spike {k} at {i}");
        }
        let n = 44100;
        let b = &check::render_kind("blip", &[Src::Const(440.0)], n)[0];
        let r = rms(b);
        assert!((r - 0.1).abs() < 1e-3, "blip rms {r}");
        let f = peak_freq(b, 100.0, 600.0);
        assert!((f - 440.0).abs() < 0.5, "blip peak {f}");
        let m1 = check::dft_mag(b, 440.0);
        for k in [2.0, 25.0, 50.0] {
            let mk = check::dft_mag(b, 440.0 * k);
            assert!(
                check::db(mk / m1).abs() < 0.1,
                "harmonic {k}: {} dB",
                check::db(mk / m1)
            );
        }
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
