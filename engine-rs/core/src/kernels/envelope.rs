//! Envelopes: `env adsr asr ad ar` (gate-driven stage machines), `line xline curve segments` (triggered ramps) and `lag` (slew).
//!
//! Every envelope has a `gate` port (mono; a lane, a node or a constant): a value > 0 is "on",
//! NaN is "off", and a rising edge (re)starts the envelope. The gate state starts "off", so the
//! default gate of 1 starts the envelope once at the first frame: that is how an envelope in a
//! voice template fires at the voice's start, and how `env` "fires once, then holds". Times are
//! in seconds, clamped to 0..600 (NaN reads as the default); a segment shorter than one frame
//! completes at the frame it starts. Output: mono.
//!
//! Stage machines (output frame by frame: the value at the frame's time, then one frame's step;
//! levels are f64 internally):
//! - `adsr {gate=1, attack=0.01, decay=0.1, sustain=0.7, release=0.2}` and `env` (same ports and
//!   defaults): a rising edge starts the attack from the current level at a slope of 1 per
//!   `attack` seconds (from 0 the level is k/(attack·sr) at frame k and 1 at `attack` s); then the
//!   decay falls to `sustain` (clamped 0..1, NaN → 0.7) at a slope of (1 − sustain) per `decay`
//!   seconds; while the gate stays on the level follows `sustain` (slewing at 1 per `decay`
//!   seconds if it changes, so a stepped sustain does not click). When the gate goes off, the
//!   release falls linearly from the level it had to 0 in `release` seconds. A retrigger during
//!   the release restarts the attack from the current level (no click).
//! - `asr {gate=1, attack=0.01, release=0.2}`: the same with sustain 1 and no decay.
//! - `ad {gate=1, attack=0.01, decay=0.2}` and `ar {gate=1, attack=0.01, release=0.2}`: one-shot:
//!   a rising edge runs the attack to 1 and then falls linearly to 0 in `decay` (`release`)
//!   seconds, whatever the gate does after the edge (a percussive envelope).
//!
//! Triggered ramps: on each rising edge the ramp restarts, reading its parameters at that frame
//! (they are held for the ramp; changing them later affects the next trigger). Before the first
//! trigger the output is the start value; after the ramp it holds the end value. The value at
//! frame k after the trigger is the ramp at time k/sr, u = min(k/(dur·sr), 1):
//! - `line {gate=1, start=0, end=1, dur=1}`: start + (end − start)·u. (`dur` is an addition to
//!   the reference's `line start end`.)
//! - `xline {gate=1, start=1, end=0.001, dur=1}`: start·(end/start)^u, exponential, computed by
//!   one multiplication per frame: frame k's factor is frame k−32's times r³² (r the per-frame
//!   ratio), 32 interleaved running products (four AVX-512 registers of f64), so consecutive
//!   frames do not wait on each other and four multiplications are in flight at once (with one
//!   register of eight, each step waited for the one before it).
//!   |start| and |end| are clamped to at least 1e-6, and the end takes the start's sign (an
//!   exponential cannot cross 0).
//! - `curve {gate=1, start=0, end=1, dur=1, curve=0}`: SuperCollider's curve segment,
//!   start + (end − start)·(1 − e^(curve·u))/(1 − e^curve); curve clamped to −50..50 (NaN → 0);
//!   0 (|curve| < 1e-3) is linear, negative rises fast then slows, positive the reverse. One
//!   multiplication per frame, as for `xline`.
//! - `segments {gate=1, level0..level4=0, time0..time3=−1}`: a breakpoint envelope: from level0 to
//!   level1 in time0 seconds, to level2 in time1, and so on, linearly; the first negative time ends
//!   it (so `segments "0 1 0" "0.5 0.5"` passes level0..2 and time0..1). It then holds the last
//!   level reached.
//!
//! `lag {in, time=0.1}`: slew limiting by a one-pole low-pass that covers 60 dB of a step in `time`
//! seconds (coefficient 0.001^(1/(time·sr)), recomputed only when `time` changes); `time` ≤ 0 (or
//! below one frame) passes the input through. It starts at the first input value (no glide from
//! 0). A non-finite result (NaN or infinite input) resets it to 0 at that frame. `in` may be stereo (one state per channel); output has as many channels as `in`.

use super::control::{clamp_or, Edge};
use super::scratch::Scratch;
use super::{ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};

/// Longest time, seconds.
pub const MAX_TIME: f32 = 600.0;

use super::param as port;

/// A time port in seconds.
const fn secs(name: &'static str, default: f32) -> PortSpec {
    port(name, default).unit("s").range(0.0, MAX_TIME)
}

/// A level or end point of a ramp.
const fn value(name: &'static str, default: f32) -> PortSpec {
    port(name, default).unit("value")
}

/// The gate: rising edges (re)start the envelope; without one it starts once, at the beginning.
const GATE: PortSpec = port("gate", 1.0).unit("gate");

const ADSR_PORTS: &[PortSpec] = &[
    GATE,
    secs("attack", 0.01),
    secs("decay", 0.1),
    port("sustain", 0.7).unit("0–1").range(0.0, 1.0),
    secs("release", 0.2),
];

/// `adsr {gate, attack, decay, sustain, release}`.
pub const ADSR: KindSpec = KindSpec::mono(
    "adsr",
    "ADSR envelope following its gate (> 0 is on).",
    ADSR_PORTS,
    || Box::new(Env::new(Shape::Adsr)),
);
/// `env {gate, attack, decay, sustain, release}`: same as `adsr`.
pub const ENV: KindSpec = KindSpec::mono(
    "env",
    "ADSR that fires once when the graph starts (or at each gate onset), then holds the sustain level.",
    ADSR_PORTS,
    || Box::new(Env::new(Shape::Adsr)),
);
/// `asr {gate, attack, release}`.
pub const ASR: KindSpec = KindSpec::mono(
    "asr",
    "Attack-sustain-release following a gate signal (> 0.5 is on).",
    &[GATE, secs("attack", 0.01), secs("release", 0.2)],
    || Box::new(Env::new(Shape::Asr)),
);
/// `ad {gate, attack, decay}`.
pub const AD: KindSpec = KindSpec::mono(
    "ad",
    "Attack-decay envelope, from the start (or at each gate onset).",
    &[GATE, secs("attack", 0.01), secs("decay", 0.2)],
    || Box::new(Env::new(Shape::Perc)),
);
/// `ar {gate, attack, release}`.
pub const AR: KindSpec = KindSpec::mono(
    "ar",
    "Attack-release envelope, from the start (or at each gate onset).",
    &[GATE, secs("attack", 0.01), secs("release", 0.2)],
    || Box::new(Env::new(Shape::Perc)),
);
/// `line {gate, start, end, dur}`.
pub const LINE: KindSpec = KindSpec::mono(
    "line",
    "A linear ramp from start to end over duration seconds, then holds (restarting at each gate onset).",
    &[GATE, value("start", 0.0), value("end", 1.0), secs("duration", 1.0)],
    || Box::new(Ramp::new(RampShape::Line)),
);
/// `xline {gate, start, end, dur}`.
pub const XLINE: KindSpec = KindSpec::mono(
    "xline",
    "An exponential ramp from start to end over duration seconds, then holds.",
    &[GATE, value("start", 1.0), value("end", 0.001), secs("duration", 1.0)],
    || Box::new(Ramp::new(RampShape::Xline)),
);
/// `curve {gate, start, end, dur, curve}`.
pub const CURVE: KindSpec = KindSpec::mono(
    "curve",
    "A curved ramp (curve 0 is linear, > 0 slow start, < 0 fast start).",
    &[
        GATE,
        value("start", 0.0),
        value("end", 1.0),
        secs("duration", 1.0),
        port("curve", 0.0).unit("shape"),
    ],
    || Box::new(Ramp::new(RampShape::Curve)),
);
/// A segment's duration; −1 (the default) ends the envelope before it.
const fn step(name: &'static str) -> PortSpec {
    port(name, -1.0).unit("s, −1 = unused")
}
/// `segments {gate, level0..level4, time0..time3}`.
pub const SEGMENTS: KindSpec = KindSpec::mono(
    "segments",
    "A breakpoint envelope: up to five levels joined by up to four linear segments.",
    &[
        GATE,
        value("level0", 0.0),
        value("level1", 0.0),
        value("level2", 0.0),
        value("level3", 0.0),
        value("level4", 0.0),
        step("time0"),
        step("time1"),
        step("time2"),
        step("time3"),
    ],
    || Box::new(Segments::default()),
);
/// `lag {in, time}`.
pub const LAG: KindSpec = KindSpec::new(
    "lag",
    "Slew limiter: follows its input with a one-pole lag of `time` seconds.",
    &[super::audio("in"), secs("time", 0.1)],
    ChannelRule::FollowInputs,
    || Box::new(Lag::default()),
);

/// A time port's value in frames: clamped to 0..[`MAX_TIME`] s (NaN → `default`) times `sr`.
#[inline(always)]
fn frames_of(t: f32, default: f32, sr: f64) -> f64 {
    clamp_or(t, default, 0.0, MAX_TIME) as f64 * sr
}

/// The first frame in `from..to` whose gate on/off state (> 0 is on) differs from `high`, or
/// `to`: the frames before it have no edge of any kind.
#[inline]
fn gate_change(gate: Input, high: bool, from: usize, to: usize) -> usize {
    match gate {
        Input::Const(g) if (g > 0.0) != high && from < to => from,
        Input::Const(_) => to,
        Input::Block(g) => g[from..to]
            .iter()
            .position(|&x| (x > 0.0) != high)
            .map_or(to, |p| from + p),
    }
}

/// Writes `f(x)` of `input`'s frames `at..at + out.len()` (at least one) into `out` and
/// returns it for the last frame: what a ramp outputs and holds while it follows a port
/// before its first trigger.
#[inline]
fn follow(out: &mut [f32], input: Input, at: usize, f: impl Fn(f32) -> f64) -> f64 {
    match input {
        Input::Const(x) => {
            let v = f(x);
            out.fill(v as f32);
            v
        }
        Input::Block(b) => {
            let b = &b[at..at + out.len()];
            for (o, &x) in out.iter_mut().zip(b) {
                *o = f(x) as f32;
            }
            f(b[b.len() - 1])
        }
    }
}

/// Whole frames, at least 0, that a level moving by `step` per frame from `distance` away from
/// a threshold can take while staying more than one step short of it: a run of that many
/// frames cannot reach the threshold whatever the rounding of the running level (a few ulps,
/// far below a step). 0 for a step that is not positive or finite.
#[inline]
fn frames_short_of(distance: f64, step: f64) -> usize {
    if step > 0.0 && step.is_finite() {
        (distance / step - 1.0).floor().max(0.0) as usize
    } else {
        0
    }
}

/// Which stage machine an [`Env`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Attack, decay, sustain, release; ports gate, attack, decay, sustain, release.
    Adsr,
    /// Attack, sustain at 1, release; ports gate, attack, release.
    Asr,
    /// One-shot attack then fall to 0; ports gate, attack, fall time.
    Perc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Idle,
    Attack,
    Decay,
    Sustain,
    Release,
}

/// The gate-driven envelopes.
#[derive(Debug)]
pub struct Env {
    shape: Shape,
    sr: f64,
    stage: Stage,
    level: f64,
    /// Release slope (level per frame), fixed when the release starts.
    release_step: f64,
    edge: Edge,
    scratch: Scratch,
}

impl Env {
    /// An envelope of `shape`.
    pub fn new(shape: Shape) -> Env {
        Env {
            shape,
            sr: 44100.0,
            stage: Stage::Idle,
            level: 0.0,
            release_step: 0.0,
            edge: Edge::default(),
            scratch: Scratch::default(),
        }
    }

    /// One frame: gate and the stage parameters (attack, decay/fall and release in frames,
    /// sustain level); returns the output.
    #[inline(always)]
    fn frame(&mut self, gate: f32, a: f64, d: f64, s: f64, r: f64) -> f32 {
        let gated = self.shape != Shape::Perc;
        if self.edge.rising(gate) {
            self.stage = Stage::Attack;
        } else if gated
            && !self.edge.is_high()
            && matches!(self.stage, Stage::Attack | Stage::Decay | Stage::Sustain)
        {
            self.stage = Stage::Release;
            self.release_step = if r < 1.0 {
                f64::INFINITY
            } else {
                self.level / r
            };
        }
        // Stages shorter than a frame complete before this frame's output.
        loop {
            match self.stage {
                Stage::Attack if a < 1.0 => {
                    self.level = 1.0;
                    self.stage = self.after_attack();
                }
                Stage::Decay if d < 1.0 => {
                    self.level = s;
                    self.stage = self.after_decay(s);
                }
                Stage::Release if r < 1.0 || self.release_step.is_infinite() => {
                    self.level = 0.0;
                    self.stage = Stage::Idle;
                }
                _ => break,
            }
        }
        let out = self.level as f32;
        match self.stage {
            Stage::Idle => {}
            Stage::Attack => {
                self.level += 1.0 / a;
                // Within half a step of the target counts as there (rounding never delays it).
                if self.level >= 1.0 - 0.5 / a {
                    self.level = 1.0;
                    self.stage = self.after_attack();
                }
            }
            Stage::Decay => {
                self.level -= (1.0 - s) / d;
                if self.level <= s + 0.5 * (1.0 - s) / d {
                    self.level = s;
                    self.stage = self.after_decay(s);
                }
            }
            Stage::Sustain => {
                // Follow a changing sustain at 1 per decay time.
                if self.level != s {
                    let step = if d < 1.0 { f64::INFINITY } else { 1.0 / d };
                    self.level = if self.level > s {
                        (self.level - step).max(s)
                    } else {
                        (self.level + step).min(s)
                    };
                }
            }
            Stage::Release => {
                self.level -= self.release_step;
                if self.level <= 0.5 * self.release_step {
                    self.level = 0.0;
                    self.stage = Stage::Idle;
                }
            }
        }
        out
    }

    fn after_attack(&self) -> Stage {
        match self.shape {
            Shape::Asr => Stage::Sustain,
            _ => Stage::Decay,
        }
    }

    fn after_decay(&self, s: f64) -> Stage {
        if self.shape == Shape::Perc && s <= 0.0 {
            Stage::Idle
        } else {
            Stage::Sustain
        }
    }
}

impl Env {
    /// Frames from now on, at most `max`, in which the stage cannot change with a gate whose
    /// on/off state stays as it is (no edge, no release start): frames certainly short of the
    /// stage's end, or all of them where the level holds. 0 where the next frame must go
    /// through [`Env::frame`] (a stage change, a stage shorter than a frame, a sustain slewing).
    fn steady(&self, a: f64, d: f64, s: f64, r: f64, max: usize) -> usize {
        let gated = self.shape != Shape::Perc;
        let live = matches!(self.stage, Stage::Attack | Stage::Decay | Stage::Sustain);
        if gated && live && !self.edge.is_high() {
            return 0;
        }
        let n = match self.stage {
            Stage::Idle => max,
            Stage::Sustain if self.level == s => max,
            Stage::Sustain => 0,
            Stage::Attack if a < 1.0 => 0,
            Stage::Attack => frames_short_of(1.0 - 0.5 / a - self.level, 1.0 / a),
            Stage::Decay if d < 1.0 => 0,
            Stage::Decay => frames_short_of(self.level - (s + 0.5 * (1.0 - s) / d), (1.0 - s) / d),
            Stage::Release if r < 1.0 => 0,
            Stage::Release => {
                frames_short_of(self.level - 0.5 * self.release_step, self.release_step)
            }
        };
        n.min(max)
    }

    /// `out.len()` frames of the current stage, all certainly short of its end
    /// ([`Env::steady`]): the same arithmetic as [`Env::frame`] without its branches.
    fn run(&mut self, out: &mut [f32], a: f64, d: f64, s: f64) {
        let mut v = self.level;
        let step = match self.stage {
            Stage::Idle | Stage::Sustain => {
                out.fill(v as f32);
                return;
            }
            Stage::Attack => 1.0 / a,
            Stage::Decay => -((1.0 - s) / d),
            Stage::Release => -self.release_step,
        };
        // `v - x` and `v + (-x)` round alike, so one loop serves both directions.
        for o in out.iter_mut() {
            *o = v as f32;
            v += step;
        }
        self.level = v;
    }

    /// The block with every parameter held (constants): runs between gate changes, each frame
    /// near a stage boundary or at a gate change through [`Env::frame`]. Render thread.
    fn process_runs(&mut self, out: &mut [f32], gate: Input, a: f64, d: f64, s: f64, r: f64) {
        let n = out.len();
        let mut i = 0;
        while i < n {
            let change = gate_change(gate, self.edge.is_high(), i, n);
            while i < change {
                let k = self.steady(a, d, s, r, change - i);
                if k == 0 {
                    out[i] = self.frame(gate.at(i), a, d, s, r);
                    i += 1;
                } else {
                    self.run(&mut out[i..i + k], a, d, s);
                    i += k;
                }
            }
            if i < n {
                out[i] = self.frame(gate.at(i), a, d, s, r);
                i += 1;
            }
        }
    }
}

impl Kernel for Env {
    /// Back to the start: state cleared.
    fn reset(&mut self) {
        self.stage = Stage::Idle;
        self.level = 0.0;
        self.release_step = 0.0;
        self.edge = Edge::default();
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sr = sample_rate as f64;
        self.scratch.prepare(5, max_block);
    }

    /// With constant times and levels, the stages advance in runs ([`Env::process_runs`]);
    /// a time or level that moves within the block is read frame by frame.
    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let sr = self.sr;
        let c = |k: usize| match inputs[k].left() {
            Input::Const(x) => Some(x),
            Input::Block(_) => None,
        };
        let held = match self.shape {
            Shape::Adsr => match (c(1), c(2), c(3), c(4)) {
                (Some(a), Some(d), Some(s), Some(r)) => Some((
                    frames_of(a, 0.01, sr),
                    frames_of(d, 0.1, sr),
                    clamp_or(s, 0.7, 0.0, 1.0) as f64,
                    frames_of(r, 0.2, sr),
                )),
                _ => None,
            },
            Shape::Asr => match (c(1), c(2)) {
                (Some(a), Some(r)) => {
                    Some((frames_of(a, 0.01, sr), 0.0, 1.0, frames_of(r, 0.2, sr)))
                }
                _ => None,
            },
            Shape::Perc => match (c(1), c(2)) {
                (Some(a), Some(d)) => {
                    Some((frames_of(a, 0.01, sr), frames_of(d, 0.2, sr), 0.0, 0.0))
                }
                _ => None,
            },
        };
        if let Some((a, d, s, r)) = held {
            self.process_runs(out, inputs[0].left(), a, d, s, r);
            return;
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        match self.shape {
            Shape::Adsr => {
                let [g, a, d, s, r] = scratch.ports(inputs, 0, n);
                for (i, o) in out.iter_mut().enumerate() {
                    *o = self.frame(
                        g[i],
                        frames_of(a[i], 0.01, sr),
                        frames_of(d[i], 0.1, sr),
                        clamp_or(s[i], 0.7, 0.0, 1.0) as f64,
                        frames_of(r[i], 0.2, sr),
                    );
                }
            }
            Shape::Asr => {
                let [g, a, r] = scratch.ports(inputs, 0, n);
                for (i, o) in out.iter_mut().enumerate() {
                    *o = self.frame(
                        g[i],
                        frames_of(a[i], 0.01, sr),
                        0.0,
                        1.0,
                        frames_of(r[i], 0.2, sr),
                    );
                }
            }
            Shape::Perc => {
                let [g, a, d] = scratch.ports(inputs, 0, n);
                for (i, o) in out.iter_mut().enumerate() {
                    *o = self.frame(
                        g[i],
                        frames_of(a[i], 0.01, sr),
                        frames_of(d[i], 0.2, sr),
                        0.0,
                        0.0,
                    );
                }
            }
        }
        self.scratch = scratch;
    }
}

/// Which triggered ramp a [`Ramp`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RampShape {
    /// Linear.
    Line,
    /// Exponential.
    Xline,
    /// SuperCollider curve.
    Curve,
}

/// `line`, `xline` and `curve`.
#[derive(Debug)]
pub struct Ramp {
    shape: RampShape,
    sr: f64,
    edge: Edge,
    started: bool,
    /// Frames since the trigger, and the ramp's length in frames.
    k: f64,
    len: f64,
    /// Latched start and end.
    start: f64,
    end: f64,
    /// Xline and curve: the running factor r^k of frames k ≡ 0 … 31 (mod 32) ([`RAMP_LANES`]
    /// interleaved products, so consecutive frames do not wait on each other), and r³², the
    /// step of each (r is the per-frame ratio). The factors are kept from lane `base` on
    /// (`w[i]` is lane `(base + i) mod 32`): the order a vector run that starts at a frame of
    /// lane `base` takes them in, so whole blocks (512 frames, a multiple of 32) need no
    /// reordering.
    w: [f64; RAMP_LANES],
    base: usize,
    step: f64,
    /// Curve: 1 − e^curve (0 means linear).
    denom: f64,
}

impl Ramp {
    /// A ramp of `shape`.
    pub fn new(shape: RampShape) -> Ramp {
        Ramp {
            shape,
            sr: 44100.0,
            edge: Edge::default(),
            started: false,
            k: 0.0,
            len: 0.0,
            start: 0.0,
            end: 0.0,
            w: [1.0; RAMP_LANES],
            base: 0,
            step: 1.0,
            denom: 0.0,
        }
    }

    /// Starts a ramp with these (raw) parameters.
    fn trigger(&mut self, start: f32, end: f32, dur: f32, curve: f32) {
        self.started = true;
        self.k = 0.0;
        self.len = frames_of(dur, 1.0, self.sr);
        let (start, end) = match self.shape {
            RampShape::Xline => {
                let s = clamp_or(start, 1.0, f32::MIN, f32::MAX) as f64;
                let e = clamp_or(end, 0.001, f32::MIN, f32::MAX) as f64;
                let s = if s.abs() < 1e-6 {
                    1e-6f64.copysign(s)
                } else {
                    s
                };
                let e = e.abs().max(1e-6).copysign(s);
                (s, e)
            }
            RampShape::Line => (
                clamp_or(start, 0.0, f32::MIN, f32::MAX) as f64,
                clamp_or(end, 1.0, f32::MIN, f32::MAX) as f64,
            ),
            RampShape::Curve => (
                clamp_or(start, 0.0, f32::MIN, f32::MAX) as f64,
                clamp_or(end, 1.0, f32::MIN, f32::MAX) as f64,
            ),
        };
        self.start = start;
        self.end = end;
        self.denom = 0.0;
        let mut ratio = 1.0;
        if self.len >= 1.0 {
            match self.shape {
                RampShape::Line => {}
                RampShape::Xline => ratio = (end / start).powf(1.0 / self.len),
                RampShape::Curve => {
                    let c = clamp_or(curve, 0.0, -50.0, 50.0) as f64;
                    if c.abs() >= 1e-3 {
                        ratio = (c / self.len).exp();
                        self.denom = 1.0 - c.exp();
                    }
                }
            }
        }
        let mut w = [1.0; RAMP_LANES];
        for k in 1..RAMP_LANES {
            w[k] = w[k - 1] * ratio;
        }
        self.w = w;
        self.base = 0;
        self.step = w[RAMP_LANES - 1] * ratio;
    }

    /// The output of this frame, then one frame's step.
    #[inline(always)]
    fn value(&mut self) -> f32 {
        if !self.started {
            return self.start as f32;
        }
        if self.k >= self.len {
            return self.end as f32;
        }
        let u = self.k / self.len;
        let at = self.at();
        let w = self.w[at];
        let v = match self.shape {
            RampShape::Line => self.start + (self.end - self.start) * u,
            RampShape::Xline => self.start * w,
            RampShape::Curve => {
                if self.denom == 0.0 {
                    self.start + (self.end - self.start) * u
                } else {
                    self.start + (self.end - self.start) * (1.0 - w) / self.denom
                }
            }
        };
        self.k += 1.0;
        self.w[at] *= self.step;
        v as f32
    }

    /// The lane of frame `k`: `k mod 32`.
    #[inline(always)]
    fn lane(&self) -> usize {
        (self.k as u64 % RAMP_LANES as u64) as usize
    }

    /// Where frame `k`'s factor is in `w` (kept from lane `base` on).
    #[inline(always)]
    fn at(&self) -> usize {
        (self.lane() + RAMP_LANES - self.base) % RAMP_LANES
    }

    /// Frames of an exponential run: `f(w)` of each frame's factor, then the factor's step
    /// (the same products as [`Ramp::value`], in the order each lane takes them), 32 frames at
    /// a time in one vector loop ([`ramp_products`]). The loop takes the lanes in frame order
    /// from this frame on (lane `k mod 32` first), so a run may start at any frame.
    #[inline(always)]
    fn products(&mut self, out: &mut [f32], f: impl Fn(f64) -> f64) {
        let step = self.step;
        // The factors in frame order from this frame on (no move when the run starts at lane
        // `base`, as every whole block does).
        let mut v = self.w;
        v.rotate_left(self.at());
        let full = out.len() / RAMP_LANES * RAMP_LANES;
        let (body, tail) = out.split_at_mut(full);
        ramp_products(&mut v, step, body, &f);
        for (o, w) in tail.iter_mut().zip(v.iter_mut()) {
            *o = f(*w) as f32;
            *w *= step;
        }
        self.base = self.lane();
        self.w = v;
        self.k += out.len() as f64;
    }
}

/// Interleaved running products of an exponential ramp (see [`Ramp`]): four AVX-512 registers
/// of f64.
const RAMP_LANES: usize = 32;

/// `out` (a multiple of [`RAMP_LANES`] frames) from the running factors `w` (in frame order),
/// each multiplied by `step` after its frame.
#[inline(always)]
fn ramp_products_loop(
    w: &mut [f64; RAMP_LANES],
    step: f64,
    out: &mut [f32],
    f: &impl Fn(f64) -> f64,
) {
    let mut v = *w;
    for chunk in out.chunks_exact_mut(RAMP_LANES) {
        for (o, x) in chunk.iter_mut().zip(v.iter_mut()) {
            *o = f(*x) as f32;
            *x *= step;
        }
    }
    *w = v;
}

crate::multiversion! {
    /// [`ramp_products_loop`] at the current SIMD level.
    fn ramp_products(w: &mut [f64; RAMP_LANES], step: f64, out: &mut [f32], f: &impl Fn(f64) -> f64) => ramp_products_loop
}

impl Ramp {
    /// Frames `at..at + out.len()` of the block, in which the gate has no edge: the start
    /// value before the first trigger (it follows `start`), the ramp in one tight loop per run
    /// certainly short of its end (the same arithmetic as [`Ramp::value`]), then the end value.
    fn run(&mut self, out: &mut [f32], start: Input, at: usize) {
        let n = out.len();
        if n == 0 {
            return;
        }
        if !self.started {
            self.start = follow(out, start, at, |x| x as f64);
            return;
        }
        let mut j = 0;
        while j < n {
            if self.k >= self.len {
                out[j..].fill(self.end as f32);
                return;
            }
            // k counts whole frames, so frame k + m is in the ramp while k + m < len.
            let m = frames_short_of(self.len - self.k, 1.0).min(n - j);
            if m == 0 {
                out[j] = self.value();
                j += 1;
                continue;
            }
            let (st, en, len, denom) = (self.start, self.end, self.len, self.denom);
            let o = &mut out[j..j + m];
            match self.shape {
                RampShape::Xline => self.products(o, |w| st * w),
                RampShape::Curve if denom != 0.0 => {
                    self.products(o, |w| st + (en - st) * (1.0 - w) / denom)
                }
                RampShape::Line | RampShape::Curve => {
                    let mut k = self.k;
                    for o in o.iter_mut() {
                        *o = (st + (en - st) * (k / len)) as f32;
                        k += 1.0;
                    }
                    self.k = k;
                }
            }
            j += m;
        }
    }
}

impl Kernel for Ramp {
    /// Back to the start: state cleared.
    fn reset(&mut self) {
        self.edge = Edge::default();
        self.started = false;
        self.k = 0.0;
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sr = sample_rate as f64;
        // Before the first trigger the output is the start value (the port default until a
        // trigger reads the real one; see `process`).
    }

    /// Runs between gate changes ([`Ramp::run`]); the frame of a change through
    /// [`Ramp::value`] (a rising edge latches the parameters there).
    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let [g, s, e, d] = [0, 1, 2, 3].map(|k| inputs[k].left());
        let c = if self.shape == RampShape::Curve {
            inputs[4].left()
        } else {
            Input::Const(0.0)
        };
        let mut i = 0;
        while i < n {
            let change = gate_change(g, self.edge.is_high(), i, n);
            self.run(&mut out[i..change], s, i);
            i = change;
            if i < n {
                if self.edge.rising(g.at(i)) {
                    self.trigger(s.at(i), e.at(i), d.at(i), c.at(i));
                } else if !self.started {
                    self.start = s.at(i) as f64;
                }
                out[i] = self.value();
                i += 1;
            }
        }
    }
}

/// Most levels of `segments`.
const SEG_LEVELS: usize = 5;

/// `segments`.
#[derive(Debug, Default)]
pub struct Segments {
    sr: f64,
    edge: Edge,
    started: bool,
    levels: [f64; SEG_LEVELS],
    /// Segment lengths in frames; negative ends the envelope.
    times: [f64; SEG_LEVELS - 1],
    /// Current segment, frames into it.
    seg: usize,
    k: f64,
    /// Output before the first trigger and after the end.
    hold: f64,
}

impl Segments {
    /// The output of this frame, then one frame's step.
    #[inline(always)]
    fn value(&mut self) -> f32 {
        if !self.started {
            return self.hold as f32;
        }
        // Segments that are over (or shorter than a frame) hand their overshoot to the next.
        loop {
            if self.seg >= SEG_LEVELS - 1 || self.times[self.seg] < 0.0 {
                self.hold = self.levels[self.seg];
                return self.hold as f32;
            }
            if self.k >= self.times[self.seg] {
                self.k -= self.times[self.seg];
                self.seg += 1;
            } else {
                break;
            }
        }
        let (a, b) = (self.levels[self.seg], self.levels[self.seg + 1]);
        let v = a + (b - a) * self.k / self.times[self.seg];
        self.k += 1.0;
        v as f32
    }
}

impl Segments {
    /// Frames `at..at + out.len()` of the block, in which the gate has no edge: the held value
    /// before the first trigger (it follows `level0`), each segment in one tight loop per run
    /// certainly short of its end (the same arithmetic as [`Segments::value`], whose overshoot
    /// handling takes the frames near a boundary), the last level after the end.
    fn run(&mut self, out: &mut [f32], level0: Input, at: usize) {
        let n = out.len();
        if n == 0 {
            return;
        }
        if !self.started {
            self.hold = follow(out, level0, at, |x| {
                clamp_or(x, 0.0, f32::MIN, f32::MAX) as f64
            });
            return;
        }
        let mut j = 0;
        while j < n {
            if self.seg >= SEG_LEVELS - 1 || self.times[self.seg] < 0.0 {
                self.hold = self.levels[self.seg];
                out[j..].fill(self.hold as f32);
                return;
            }
            let t = self.times[self.seg];
            let m = frames_short_of(t - self.k, 1.0).min(n - j);
            if m == 0 {
                out[j] = self.value();
                j += 1;
                continue;
            }
            let (a, b) = (self.levels[self.seg], self.levels[self.seg + 1]);
            let mut k = self.k;
            for o in out[j..j + m].iter_mut() {
                *o = (a + (b - a) * k / t) as f32;
                k += 1.0;
            }
            self.k = k;
            j += m;
        }
    }
}

impl Kernel for Segments {
    /// Back to the start: state cleared.
    fn reset(&mut self) {
        self.edge = Edge::default();
        self.started = false;
        self.seg = 0;
        self.k = 0.0;
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sr = sample_rate as f64;
    }

    /// Runs between gate changes ([`Segments::run`]); the frame of a change through
    /// [`Segments::value`] (a rising edge latches the levels and times there).
    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let p: [Input; 10] = std::array::from_fn(|k| inputs[k].left());
        let mut i = 0;
        while i < n {
            let change = gate_change(p[0], self.edge.is_high(), i, n);
            self.run(&mut out[i..change], p[1], i);
            i = change;
            if i == n {
                break;
            }
            if self.edge.rising(p[0].at(i)) {
                self.started = true;
                self.seg = 0;
                self.k = 0.0;
                for (l, src) in self.levels.iter_mut().zip(&p[1..6]) {
                    *l = clamp_or(src.at(i), 0.0, f32::MIN, f32::MAX) as f64;
                }
                for (t, src) in self.times.iter_mut().zip(&p[6..10]) {
                    let v = src.at(i);
                    *t = if v.is_nan() || v < 0.0 {
                        -1.0
                    } else {
                        v.min(MAX_TIME) as f64 * self.sr
                    };
                }
            } else if !self.started {
                self.hold = clamp_or(p[1].at(i), 0.0, f32::MIN, f32::MAX) as f64;
            }
            out[i] = self.value();
            i += 1;
        }
    }
}

/// `lag`.
#[derive(Debug, Default)]
pub struct Lag {
    sr: f32,
    y: [f32; 2],
    primed: bool,
    /// The time the coefficient was made for, and the coefficient (0 = pass through).
    last: (f32, f32),
    /// This block's per-frame coefficients.
    poles: Vec<f32>,
}

impl Lag {
    /// The pole for a lag time: 0.001^(1/(time·sr)), 0 when under one frame.
    fn pole(time: f32, sr: f32) -> f32 {
        let n = clamp_or(time, 0.1, 0.0, MAX_TIME) * sr;
        if n < 1.0 {
            0.0
        } else {
            (0.001f32.ln() / n).exp()
        }
    }

    #[inline(always)]
    fn run(y: &mut f32, out: &mut [f32], poles: &[f32], x: impl Fn(usize) -> f32) {
        let mut v = *y;
        for (i, (o, &p)) in out.iter_mut().zip(poles).enumerate() {
            let xi = x(i);
            v = xi + p * (v - xi);
            if !v.is_finite() {
                v = 0.0;
            }
            *o = v;
        }
        *y = v;
    }
}

impl Kernel for Lag {
    /// Back to the start: state cleared.
    fn reset(&mut self) {
        self.y = [0.0; 2];
        self.primed = false;
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sr = sample_rate;
        self.last = (0.1, Lag::pole(0.1, sample_rate));
        self.poles = vec![0.0; max_block];
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sr;
        if !self.primed && n > 0 {
            self.primed = true;
            for c in 0..2 {
                self.y[c] = match inputs[0].ch[c] {
                    Input::Const(v) => v,
                    Input::Block(b) => b[0],
                };
            }
        }
        // Coefficients once per block for all channels, recomputed only when `time` changes.
        let poles = &mut self.poles[..n];
        let last = &mut self.last;
        let mut pole = |t: f32| {
            if t.to_bits() != last.0.to_bits() {
                *last = (t, Lag::pole(t, sr));
            }
            last.1
        };
        match inputs[1].left() {
            Input::Const(t) => poles.fill(pole(t)),
            Input::Block(t) => {
                for (p, &t) in poles.iter_mut().zip(&t[..n]) {
                    *p = pole(t);
                }
            }
        }
        for c in 0..out.channels() {
            let o = out.channel(c);
            let y = &mut self.y[c];
            match inputs[0].ch[c] {
                Input::Const(v) => Lag::run(y, o, poles, |_| v),
                Input::Block(x) => {
                    let x = &x[..n];
                    Lag::run(y, o, poles, |i| x[i])
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::check::{assert_invariant, render_kind, SR};
    use crate::kernels::testing::Src;

    fn close(what: &str, got: &[f32], want: &dyn Fn(usize) -> f64, tol: f64) {
        for (i, g) in got.iter().enumerate() {
            let w = want(i);
            assert!(
                (*g as f64 - w).abs() <= tol,
                "{what}: frame {i}: {g} vs formula {w}"
            );
        }
    }

    /// A gate that is on for `on` frames from `from`, else off, `n` frames long.
    fn gate(n: usize, from: usize, on: usize) -> Vec<f32> {
        (0..n)
            .map(|i| if i >= from && i < from + on { 1.0 } else { 0.0 })
            .collect()
    }

    /// adsr 0.01 0.1 0.5 0.2 with a gate on for 0.5 s from frame 100, against the piecewise-linear
    /// formula: 0 before the gate; (k/441) for k frames into the attack (peak 1 at 441 frames =
    /// 10 ms); 1 − 0.5·j/4410 into the decay (sustain 0.5 at 110 ms); 0.5 held; at the gate's end
    /// 0.5·(1 − j/8820), 0 after 200 ms. `env` is the same.
    #[test]
    fn adsr_follows_its_segments() {
        let n = 44100;
        let (from, on) = (100usize, 22050usize);
        for kind in ["adsr", "env"] {
            let y = &render_kind(
                kind,
                &[
                    Src::Mono(gate(n, from, on)),
                    Src::Const(0.01),
                    Src::Const(0.1),
                    Src::Const(0.5),
                    Src::Const(0.2),
                ],
                n,
            )[0];
            let want = |i: usize| -> f64 {
                if i < from {
                    return 0.0;
                }
                let k = (i - from) as f64;
                if i >= from + on {
                    let j = (i - from - on) as f64;
                    return (0.5 * (1.0 - j / 8820.0)).max(0.0);
                }
                if k <= 441.0 {
                    k / 441.0
                } else if k <= 441.0 + 4410.0 {
                    1.0 - 0.5 * (k - 441.0) / 4410.0
                } else {
                    0.5
                }
            };
            close(kind, y, &want, 1e-5);
            assert_eq!(
                y[from + 441],
                1.0,
                "{kind}: peak at exactly the attack time"
            );
            assert_eq!(
                y[from + on + 8820],
                0.0,
                "{kind}: 0 at exactly the release time"
            );
        }
    }

    /// Default gate 1: fires once at the first frame and holds the sustain.
    #[test]
    fn env_with_a_constant_gate_fires_once_and_holds() {
        let y = &render_kind(
            "env",
            &[
                Src::Const(1.0),
                Src::Const(0.01),
                Src::Const(0.1),
                Src::Const(0.7),
                Src::Const(0.2),
            ],
            20000,
        )[0];
        assert_eq!(y[0], 0.0);
        assert_eq!(y[441], 1.0);
        assert!(
            y[441 + 4410..].iter().all(|v| *v == 0.7f64 as f32),
            "holds 0.7"
        );
    }

    /// asr: attack to 1, held while the gate is on, linear release; ad and ar: one-shot, 1 at the
    /// attack time then 0 at attack + fall, whatever the gate does (here it falls after 100
    /// frames); a retrigger restarts from the current level (no jump).
    #[test]
    fn asr_holds_and_percussive_envelopes_ignore_the_fall() {
        let n = 30000;
        let y = &render_kind(
            "asr",
            &[
                Src::Mono(gate(n, 0, 10000)),
                Src::Const(0.01),
                Src::Const(0.1),
            ],
            n,
        )[0];
        close(
            "asr",
            y,
            &|i| {
                let k = i as f64;
                if i < 10000 {
                    (k / 441.0).min(1.0)
                } else {
                    (1.0 - (k - 10000.0) / 4410.0).max(0.0)
                }
            },
            1e-5,
        );
        for kind in ["ad", "ar"] {
            let y = &render_kind(
                kind,
                &[
                    Src::Mono(gate(n, 0, 100)),
                    Src::Const(0.01),
                    Src::Const(0.1),
                ],
                n,
            )[0];
            close(
                kind,
                y,
                &|i| {
                    let k = i as f64;
                    if k <= 441.0 {
                        k / 441.0
                    } else {
                        (1.0 - (k - 441.0) / 4410.0).max(0.0)
                    }
                },
                1e-5,
            );
        }
        // Retrigger at frame 2000 (level 1 − (2000 − 441)/4410 ≈ 0.6465): the next frames rise
        // from there at 1/441 per frame.
        let mut g = gate(n, 0, 100);
        g[2000] = 1.0;
        let y = &render_kind("ad", &[Src::Mono(g), Src::Const(0.01), Src::Const(0.1)], n)[0];
        let l0 = 1.0 - (2000.0 - 441.0) / 4410.0;
        assert!((y[2000] as f64 - l0).abs() < 1e-5);
        assert!((y[2001] as f64 - (l0 + 1.0 / 441.0)).abs() < 1e-5);
    }

    /// line, xline and curve against their formulas, 0.5 s ramps triggered at frame 1000 and
    /// again at frame 30000 with other values (read at the trigger).
    #[test]
    fn ramps_follow_their_formulas() {
        let n = 40000;
        let mut g = gate(n, 1000, 100);
        g[30000..30010].fill(1.0);
        let len = 22050.0;
        let start: Vec<f32> = (0..n).map(|i| if i < 20000 { 0.2 } else { 2.0 }).collect();
        let u = |i: usize| -> (f64, bool) {
            if i < 1000 {
                (0.0, false)
            } else if i < 30000 {
                (((i - 1000) as f64 / len).min(1.0), true)
            } else {
                (((i - 30000) as f64 / len).min(1.0), true)
            }
        };
        let y = &render_kind(
            "line",
            &[
                Src::Mono(g.clone()),
                Src::Mono(start.clone()),
                Src::Const(1.0),
                Src::Const(0.5),
            ],
            n,
        )[0];
        close(
            "line",
            y,
            &|i| {
                let (u, _) = u(i);
                let s = if i < 30000 { 0.2 } else { 2.0 };
                s + (1.0 - s) * u
            },
            1e-5,
        );
        let y = &render_kind(
            "xline",
            &[
                Src::Mono(g.clone()),
                Src::Mono(start.clone()),
                Src::Const(0.001),
                Src::Const(0.5),
            ],
            n,
        )[0];
        close(
            "xline",
            y,
            &|i| {
                let (u, _) = u(i);
                let s: f64 = if i < 30000 { 0.2 } else { 2.0 };
                s * (0.001 / s).powf(u)
            },
            1e-5,
        );
        for c in [-4.0f64, 3.0, 0.0] {
            let y = &render_kind(
                "curve",
                &[
                    Src::Mono(g.clone()),
                    Src::Mono(start.clone()),
                    Src::Const(1.0),
                    Src::Const(0.5),
                    Src::Const(c as f32),
                ],
                n,
            )[0];
            close(
                "curve",
                y,
                &|i| {
                    let (u, _) = u(i);
                    let s = if i < 30000 { 0.2 } else { 2.0 };
                    if c == 0.0 {
                        s + (1.0 - s) * u
                    } else {
                        s + (1.0 - s) * (1.0 - (c * u).exp()) / (1.0 - c.exp())
                    }
                },
                1e-5,
            );
        }
    }

    /// segments "0 1 0" "0.5 0.5": 0.5 at 0.25 s, 1 at 0.5 s, 0.5 at 0.75 s, 0 at 1 s and after.
    #[test]
    fn segments_are_a_breakpoint_envelope() {
        let n = 50000;
        let mut srcs = vec![
            Src::Const(1.0),
            Src::Const(0.0),
            Src::Const(1.0),
            Src::Const(0.0),
            Src::Const(0.0),
            Src::Const(0.0),
        ];
        srcs.extend([
            Src::Const(0.5),
            Src::Const(0.5),
            Src::Const(-1.0),
            Src::Const(-1.0),
        ]);
        let y = &render_kind("segments", &srcs, n)[0];
        let h = SR as f64 / 2.0;
        close(
            "segments",
            y,
            &|i| {
                let t = i as f64;
                if t <= h {
                    t / h
                } else if t <= 2.0 * h {
                    1.0 - (t - h) / h
                } else {
                    0.0
                }
            },
            1e-5,
        );
    }

    /// lag's step response is 1 − p^k with p = 0.001^(1/(time·sr)): 60 dB of the step covered at
    /// `time` (0.01 s = 441 frames here). It starts at its first input (no glide from 0).
    #[test]
    fn lag_covers_60_db_in_its_time() {
        let n = 2000;
        let x: Vec<f32> = (0..n).map(|i| if i < 100 { 0.0 } else { 1.0 }).collect();
        let y = &render_kind("lag", &[Src::Mono(x), Src::Const(0.01)], n)[0];
        let p = 0.001f64.powf(1.0 / 441.0);
        close(
            "lag",
            y,
            &|i| {
                if i < 100 {
                    0.0
                } else {
                    1.0 - p.powi((i - 99) as i32)
                }
            },
            1e-5,
        );
        assert!((y[99 + 441] as f64 - 0.999).abs() < 1e-5);
        let y = &render_kind("lag", &[Src::Const(0.3), Src::Const(0.5)], 10)[0];
        assert!(y.iter().all(|v| (*v - 0.3).abs() < 1e-7));
    }

    /// A source's value at frame `i`.
    fn at(s: &Src, i: usize) -> f32 {
        match s {
            Src::Const(c) => *c,
            Src::Mono(v) => v[i],
            Src::Stereo(l, _) => l[i],
        }
    }

    /// `kind` rendered frame by frame through the per-frame stage machines (`Env::frame`,
    /// `Ramp::value`, `Segments::value`: the code every frame went through before the block
    /// runs), with each parameter read at its frame as the kind's docs say.
    fn per_frame(kind: &str, srcs: &[Src], n: usize) -> Vec<f32> {
        use super::*;
        let sr = SR as f64;
        let p = |k: usize, i: usize| at(&srcs[k], i);
        let mut out = Vec::with_capacity(n);
        match kind {
            "adsr" | "env" | "asr" | "ad" | "ar" => {
                let shape = match kind {
                    "asr" => Shape::Asr,
                    "ad" | "ar" => Shape::Perc,
                    _ => Shape::Adsr,
                };
                let mut e = Env::new(shape);
                e.prepare(SR, 1);
                for i in 0..n {
                    let (a, d, s, r) = match shape {
                        Shape::Adsr => (
                            frames_of(p(1, i), 0.01, sr),
                            frames_of(p(2, i), 0.1, sr),
                            clamp_or(p(3, i), 0.7, 0.0, 1.0) as f64,
                            frames_of(p(4, i), 0.2, sr),
                        ),
                        Shape::Asr => (
                            frames_of(p(1, i), 0.01, sr),
                            0.0,
                            1.0,
                            frames_of(p(2, i), 0.2, sr),
                        ),
                        Shape::Perc => (
                            frames_of(p(1, i), 0.01, sr),
                            frames_of(p(2, i), 0.2, sr),
                            0.0,
                            0.0,
                        ),
                    };
                    out.push(e.frame(p(0, i), a, d, s, r));
                }
            }
            "line" | "xline" | "curve" => {
                let shape = match kind {
                    "line" => RampShape::Line,
                    "xline" => RampShape::Xline,
                    _ => RampShape::Curve,
                };
                let mut r = Ramp::new(shape);
                r.prepare(SR, 1);
                for i in 0..n {
                    let c = if kind == "curve" { p(4, i) } else { 0.0 };
                    if r.edge.rising(p(0, i)) {
                        r.trigger(p(1, i), p(2, i), p(3, i), c);
                    } else if !r.started {
                        r.start = p(1, i) as f64;
                    }
                    out.push(r.value());
                }
            }
            "segments" => {
                let mut s = Segments::default();
                s.prepare(SR, 1);
                for i in 0..n {
                    if s.edge.rising(p(0, i)) {
                        s.started = true;
                        s.seg = 0;
                        s.k = 0.0;
                        for (k, l) in s.levels.iter_mut().enumerate() {
                            *l = clamp_or(p(1 + k, i), 0.0, f32::MIN, f32::MAX) as f64;
                        }
                        for (k, t) in s.times.iter_mut().enumerate() {
                            let v = p(6 + k, i);
                            *t = if v.is_nan() || v < 0.0 {
                                -1.0
                            } else {
                                v.min(MAX_TIME) as f64 * sr
                            };
                        }
                    } else if !s.started {
                        s.hold = clamp_or(p(1, i), 0.0, f32::MIN, f32::MAX) as f64;
                    }
                    out.push(s.value());
                }
            }
            _ => unreachable!("{kind}"),
        }
        out
    }

    /// The block paths (runs between gate changes, each a tight loop) against the per-frame
    /// machines they replace, bit for bit, over mixed block sizes: gates that pulse (edges in
    /// blocks and at their starts, retriggers in every stage), a constant gate, times of whole
    /// and fractional frames and under one frame, a sustain of 1 and of 0, ramps retriggered
    /// before their end, start values that move before the first trigger.
    #[test]
    fn runs_equal_the_per_frame_machines() {
        let n = 12000;
        let pulse = |on: usize, period: usize, from: usize| -> Src {
            Src::Mono(
                (0..n)
                    .map(|i| {
                        if i >= from && (i - from) % period < on {
                            1.0
                        } else {
                            0.0
                        }
                    })
                    .collect(),
            )
        };
        let gates = [
            pulse(700, 2100, 0),
            pulse(1500, 1900, 37),
            pulse(30, 333, 5),
            Src::Const(1.0),
        ];
        let c = Src::Const;
        let moving = Src::Mono(
            (0..n)
                .map(|i| 0.3 + (i as f32 * 0.01).sin() * 0.2)
                .collect(),
        );
        let check = |kind: &str, srcs: &[Src]| {
            let got = &render_kind(kind, srcs, n)[0];
            let want = per_frame(kind, srcs, n);
            crate::kernels::testing::assert_same(kind, got, &want);
        };
        for g in &gates {
            for t in [
                [0.005, 0.02, 0.4, 0.03],
                [0.0123, 0.0456, 0.0, 0.0789],
                [0.0, 0.0, 0.5, 0.0],
                [0.001, 0.01, 1.0, 0.002],
            ] {
                for kind in ["adsr", "env"] {
                    check(kind, &[g.clone(), c(t[0]), c(t[1]), c(t[2]), c(t[3])]);
                }
                for kind in ["asr", "ad", "ar"] {
                    check(kind, &[g.clone(), c(t[0]), c(t[1])]);
                    check(kind, &[g.clone(), c(t[1]), c(t[3])]);
                }
            }
            for dur in [0.01234, 0.1, 0.0, 0.00001] {
                for start in [c(0.2), moving.clone()] {
                    check("line", &[g.clone(), start.clone(), c(1.5), c(dur)]);
                    check("xline", &[g.clone(), start.clone(), c(0.001), c(dur)]);
                    for curve in [-4.0, 0.0, 3.0] {
                        check(
                            "curve",
                            &[g.clone(), start.clone(), c(1.0), c(dur), c(curve)],
                        );
                    }
                }
            }
            for times in [[0.00123, 0.002, 0.0, -1.0], [0.01, 0.00001, 0.005, 0.02]] {
                let mut srcs = vec![g.clone(), moving.clone(), c(1.0), c(0.25), c(0.8), c(0.1)];
                srcs.extend(times.map(c));
                check("segments", &srcs);
            }
        }
    }

    /// The block contract for every envelope, with gates that pulse, stepped and NaN parameters.
    #[test]
    fn envelopes_are_block_invariant() {
        let n = 6000;
        let g: Vec<f32> = (0..n)
            .map(|i| if (i / 700) % 3 == 0 { 1.0 } else { 0.0 })
            .collect();
        let t: Vec<f32> = (0..n)
            .map(|i| [0.005, 0.0, f32::NAN, 0.02, -1.0][(i / 333) % 5])
            .collect();
        let l: Vec<f32> = (0..n)
            .map(|i| [0.5, 1.5, -0.2, f32::NAN][(i / 251) % 4])
            .collect();
        let (g, t, l) = (Src::Mono(g), Src::Mono(t), Src::Mono(l));
        let c = Src::Const;
        assert_invariant(
            "adsr",
            &[g.clone(), t.clone(), t.clone(), l.clone(), t.clone()],
            n,
        );
        assert_invariant("env", &[g.clone(), c(0.01), c(0.02), c(0.5), c(0.03)], n);
        for kind in ["asr", "ad", "ar"] {
            assert_invariant(kind, &[g.clone(), t.clone(), t.clone()], n);
            assert_invariant(kind, &[c(1.0), c(0.01), c(0.05)], n);
        }
        for kind in ["line", "xline"] {
            assert_invariant(kind, &[g.clone(), l.clone(), l.clone(), t.clone()], n);
            assert_invariant(kind, &[c(1.0), c(3.0), c(0.5), c(0.1)], n);
        }
        assert_invariant(
            "curve",
            &[g.clone(), l.clone(), l.clone(), t.clone(), l.clone()],
            n,
        );
        assert_invariant("curve", &[g.clone(), c(0.0), c(1.0), c(0.05), c(-3.0)], n);
        let mut s = vec![g.clone(), l.clone(), c(1.0), l.clone(), c(0.2), c(0.7)];
        s.extend([t.clone(), c(0.01), t.clone(), c(0.03)]);
        assert_invariant("segments", &s, n);
        let x = crate::kernels::check::test_noise(n, 5);
        let lv = match &l {
            Src::Mono(v) => v.clone(),
            _ => unreachable!(),
        };
        assert_invariant("lag", &[Src::Stereo(x.clone(), lv), t.clone()], n);
        assert_invariant("lag", &[Src::Mono(x), c(0.01)], n);
    }
}
