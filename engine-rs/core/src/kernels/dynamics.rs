//! Dynamics: `compressor`, `sidechain_compressor`, `expander`, `transient_shaper` and `limiter`.
//!
//! All are stereo-linked (one gain for both channels, from the louder channel) and output the
//! channels of `in`. Level detection is a peak follower on |x|: env += (|x| − env)·c with
//! c = 1 − e^(−1/(t·sr)), t = attack while |x| > env and release otherwise. The gain computers
//! work in dB and have hard knees. Every parameter is read per frame (coefficients are
//! recomputed only when a time changes). Followers are flushed of denormals.
//!
//! ## `compressor {in, thresh = −20, ratio = 4, attack = 0.01, release = 0.1, makeup = 0}`
//! Above `thresh` (dBFS, −60..0) the level is reduced by (level − thresh)·(1 − 1/ratio) dB
//! (`ratio` 1..20); `attack` 0.0001..1 s, `release` 0.001..5 s; `makeup` −24..24 dB of gain after.
//! A steady −10 dBFS peak level at thresh −20, ratio 4 settles at 7.5 dB of reduction.
//!
//! ## `sidechain_compressor {in, sidechain, thresh = −20, ratio = 4, attack = 0.01, release = 0.1}`
//! The compressor without makeup, its level detected on `sidechain` (mono or stereo) and its
//! gain applied to `in` (the classic ducking).
//!
//! ## `expander {in, thresh = −40, ratio = 2, attack = 0.005, release = 0.1}`
//! Downward expansion: below `thresh` (dBFS, −90..0) the level is reduced by
//! (thresh − level)·(ratio − 1) dB (`ratio` 1..20), at most 80 dB; above it, unity.
//!
//! ## `transient_shaper {in, attack = 0, sustain = 0}`
//! The level is first smoothed by a 5 ms one-pole (so a steady tone gives a steady level), then
//! followed three ways: f (1 ms attack, 20 ms release), a (25 ms attack, 20 ms release) and r
//! (1 ms attack, 250 ms release); on a steady level all three agree. The transient share t = (f − a)/f and the sustain share
//! s = (r − f)/r, each clamped to 0..1, give a gain of `attack`·t + `sustain`·s dB (both
//! −24..24): positive `attack` sharpens onsets, negative softens them; positive `sustain`
//! lengthens decays. 0 and 0 leave the signal untouched (gain exactly 1).
//!
//! ## `limiter {in, thresh = 0.9, attack = 0.005, release = 0.05}`
//! A look-ahead peak limiter whose output never exceeds the ceiling. `thresh` > 0 is a linear
//! ceiling (clamped 0.001..4); `thresh` ≤ 0 is read as dBFS (−60..0, so 0 is a ceiling of 1).
//! The signal is delayed by a fixed [`LOOKAHEAD`] (5 ms: the limiter's latency); the gain needed
//! at each frame, min(1, ceiling/peak), goes through a sliding minimum over the look-ahead window
//! and then a moving average over `attack` seconds (0.0001..0.005; the ramp length), which can
//! only stay below the needed gain; it recovers with a one-pole `release` (0.001..2 s). Below
//! the ceiling the output is the input delayed, bit for bit.

use super::delayline::DelayLine;
use super::dsp::{audio, clampf, db_to_gain, finite, flush, gain_to_db, param, Scratch};
use super::{ChannelRule, Context, Kernel, KindSpec, Outputs, PortIn};

/// `compressor {in, thresh, ratio, attack, release, makeup}`.
pub const COMPRESSOR: KindSpec = KindSpec::new(
    "compressor",
    "Compressor.",
    &[
        audio("in"),
        param("threshold", -20.0).unit("dB").range(-60.0, 0.0),
        param("ratio", 4.0).unit("ratio").range(1.0, 20.0),
        param("attack", 0.01).unit("s").range(0.0001, 1.0),
        param("release", 0.1).unit("s").range(0.001, 5.0),
        param("makeup", 0.0).unit("dB").range(-24.0, 24.0),
    ],
    ChannelRule::FollowInputs,
    || Box::new(Compressor::default()),
);

/// `sidechain_compressor {in, sidechain, thresh, ratio, attack, release}`.
pub const SIDECHAIN_COMPRESSOR: KindSpec = KindSpec::new(
    "sidechain_compressor",
    "Compressor keyed by another signal.",
    &[
        audio("in"),
        audio("sidechain"),
        param("threshold", -20.0).unit("dB").range(-60.0, 0.0),
        param("ratio", 4.0).unit("ratio").range(1.0, 20.0),
        param("attack", 0.01).unit("s").range(0.0001, 1.0),
        param("release", 0.1).unit("s").range(0.001, 5.0),
    ],
    ChannelRule::FollowInputs,
    || Box::new(SidechainCompressor::default()),
);

/// `expander {in, thresh, ratio, attack, release}`.
pub const EXPANDER: KindSpec = KindSpec::new(
    "expander",
    "Downward expander.",
    &[
        audio("in"),
        param("threshold", -40.0).unit("dB").range(-90.0, 0.0),
        param("ratio", 2.0).unit("ratio").range(1.0, 20.0),
        param("attack", 0.005).unit("s").range(0.0001, 1.0),
        param("release", 0.1).unit("s").range(0.001, 5.0),
    ],
    ChannelRule::FollowInputs,
    || Box::new(Expander::default()),
);

/// `transient_shaper {in, attack, sustain}`.
pub const TRANSIENT_SHAPER: KindSpec = KindSpec::new(
    "transient_shaper",
    "Transient shaper.",
    &[audio("in"), param("attack", 0.0).unit("dB").range(-24.0, 24.0), param("sustain", 0.0).unit("dB").range(-24.0, 24.0)],
    ChannelRule::FollowInputs,
    || Box::new(TransientShaper::default()),
);

/// `limiter {in, thresh, attack, release}`.
pub const LIMITER: KindSpec = KindSpec::new(
    "limiter",
    "Peak limiter.",
    &[
        audio("in"),
        param("threshold", 0.9)
            .unit("linear if > 0, else dBFS")
            .range(-60.0, 4.0),
        param("attack", 0.005).unit("s").range(0.0001, LOOKAHEAD),
        param("release", 0.05).unit("s").range(0.001, 2.0),
    ],
    ChannelRule::FollowInputs,
    || Box::new(Limiter::default()),
);

/// The limiter's look-ahead (and latency), seconds.
pub const LOOKAHEAD: f32 = 0.005;
/// Deepest expansion, dB.
pub const MAX_EXPANSION: f32 = 80.0;

/// A follower coefficient cached on the time it was made from.
#[derive(Clone, Copy, Debug, Default)]
struct TimeCoef {
    t: f32,
    c: f32,
}

impl TimeCoef {
    /// The coefficient for `t` seconds (clamped to lo..hi, NaN → default).
    #[inline(always)]
    fn get(&mut self, t: f32, lo: f32, hi: f32, default: f32, sr: f32) -> f32 {
        if t.to_bits() != self.t.to_bits() || self.c == 0.0 {
            self.t = t;
            let s = clampf(t, lo, hi, default);
            self.c = 1.0 - (-1.0 / (s * sr)).exp();
        }
        self.c
    }
}

/// A peak follower with separate attack and release coefficients.
#[derive(Clone, Copy, Debug, Default)]
struct Follower {
    env: f32,
}

impl Follower {
    #[inline(always)]
    fn tick(&mut self, level: f32, att: f32, rel: f32) -> f32 {
        let c = if level > self.env { att } else { rel };
        self.env = flush(self.env + (level - self.env) * c);
        self.env
    }
}

/// Writes max(|left|, |right|) (NaN/Inf read as 0) into `level`.
fn linked_level(level: &mut [f32], l: &[f32], r: &[f32]) {
    for ((v, &a), &b) in level.iter_mut().zip(l).zip(r) {
        *v = finite(a).abs().max(finite(b).abs());
    }
}

/// Multiplies each channel of `out` by `gain`.
fn apply_gain(out: &mut Outputs, ins: [&[f32]; 2], gain: &[f32]) {
    for (c, x) in ins.into_iter().enumerate().take(out.channels()) {
        for ((o, &x), &g) in out.channel(c).iter_mut().zip(x).zip(gain) {
            *o = x * g;
        }
    }
}

/// The gain reduction (dB, ≥ 0) of the compressor curve at a level (linear).
#[inline(always)]
pub fn compression_db(env: f32, thresh_db: f32, ratio: f32) -> f32 {
    let thresh = clampf(thresh_db, -60.0, 0.0, -20.0);
    let over = gain_to_db(env) - thresh;
    if over > 0.0 {
        over * (1.0 - 1.0 / clampf(ratio, 1.0, 20.0, 4.0))
    } else {
        0.0
    }
}

/// Shared state of the compressor family.
#[derive(Debug, Default)]
struct Compression {
    sample_rate: f32,
    follower: Follower,
    att: TimeCoef,
    rel: TimeCoef,
    level: Vec<f32>,
    gain: Vec<f32>,
    scratch: Scratch,
}

impl Compression {
    fn prepare(&mut self, sample_rate: f32, max_block: usize, slots: usize) {
        self.sample_rate = sample_rate;
        self.follower = Follower::default();
        self.level = vec![0.0; max_block];
        self.gain = vec![0.0; max_block];
        self.scratch.prepare(slots, max_block);
    }
}

/// Runs the follower and the compressor curve over `level`, writing linear gains.
#[allow(clippy::too_many_arguments)]
fn compress(
    gain: &mut [f32],
    level: &[f32],
    follower: &mut Follower,
    att: &mut TimeCoef,
    rel: &mut TimeCoef,
    sr: f32,
    params: [&[f32]; 4],
    makeup: Option<&[f32]>,
) {
    let [thresh, ratio, attack, release] = params;
    for i in 0..gain.len() {
        let a = att.get(attack[i], 0.0001, 1.0, 0.01, sr);
        let r = rel.get(release[i], 0.001, 5.0, 0.1, sr);
        let env = follower.tick(level[i], a, r);
        let up = makeup.map_or(0.0, |m| clampf(m[i], -24.0, 24.0, 0.0));
        let db = up - compression_db(env, thresh[i], ratio[i]);
        gain[i] = if db == 0.0 { 1.0 } else { db_to_gain(db) };
    }
}

/// The compressor.
#[derive(Debug, Default)]
pub struct Compressor {
    s: Compression,
}

impl Kernel for Compressor {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.s.prepare(sample_rate, max_block, 7);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let s = &mut self.s;
        let [il, ir, thresh, ratio, attack, release, makeup] = s.scratch.ports(inputs, 1, n);
        linked_level(&mut s.level[..n], il, ir);
        compress(
            &mut s.gain[..n],
            &s.level[..n],
            &mut s.follower,
            &mut s.att,
            &mut s.rel,
            s.sample_rate,
            [thresh, ratio, attack, release],
            Some(makeup),
        );
        apply_gain(out, [il, ir], &s.gain[..n]);
    }
}

/// The sidechain compressor.
#[derive(Debug, Default)]
pub struct SidechainCompressor {
    s: Compression,
}

impl Kernel for SidechainCompressor {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.s.prepare(sample_rate, max_block, 8);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let s = &mut self.s;
        let [il, ir, sl, sr_, thresh, ratio, attack, release] = s.scratch.ports(inputs, 2, n);
        linked_level(&mut s.level[..n], sl, sr_);
        compress(
            &mut s.gain[..n],
            &s.level[..n],
            &mut s.follower,
            &mut s.att,
            &mut s.rel,
            s.sample_rate,
            [thresh, ratio, attack, release],
            None,
        );
        apply_gain(out, [il, ir], &s.gain[..n]);
    }
}

/// The gain reduction (dB, ≥ 0) of the expander curve at a level (linear).
#[inline(always)]
pub fn expansion_db(env: f32, thresh_db: f32, ratio: f32) -> f32 {
    let thresh = clampf(thresh_db, -90.0, 0.0, -40.0);
    let under = thresh - gain_to_db(env.max(1e-30));
    if under > 0.0 {
        (under * (clampf(ratio, 1.0, 20.0, 2.0) - 1.0)).min(MAX_EXPANSION)
    } else {
        0.0
    }
}

/// The downward expander.
#[derive(Debug, Default)]
pub struct Expander {
    s: Compression,
}

impl Kernel for Expander {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.s.prepare(sample_rate, max_block, 6);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let s = &mut self.s;
        let sr = s.sample_rate;
        let [il, ir, thresh, ratio, attack, release] = s.scratch.ports(inputs, 1, n);
        linked_level(&mut s.level[..n], il, ir);
        for i in 0..n {
            let a = s.att.get(attack[i], 0.0001, 1.0, 0.005, sr);
            let r = s.rel.get(release[i], 0.001, 5.0, 0.1, sr);
            let env = s.follower.tick(s.level[i], a, r);
            let db = expansion_db(env, thresh[i], ratio[i]);
            s.gain[i] = if db == 0.0 { 1.0 } else { db_to_gain(-db) };
        }
        apply_gain(out, [il, ir], &s.gain[..n]);
    }
}

/// Follower times of the transient shaper, seconds: (attack, release) of f, a and r.
const SHAPER_TIMES: [(f32, f32); 3] = [(0.001, 0.02), (0.025, 0.02), (0.001, 0.25)];
/// Level smoothing of the transient shaper, seconds.
const SHAPER_SMOOTHING: f32 = 0.005;

/// The transient shaper.
#[derive(Debug, Default)]
pub struct TransientShaper {
    smooth: f32,
    smooth_coef: f32,
    followers: [Follower; 3],
    coefs: [(f32, f32); 3],
    level: Vec<f32>,
    gain: Vec<f32>,
    scratch: Scratch,
}

impl Kernel for TransientShaper {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        let c = |t: f32| 1.0 - (-1.0 / (t * sample_rate)).exp();
        for (k, &(a, r)) in SHAPER_TIMES.iter().enumerate() {
            self.coefs[k] = (c(a), c(r));
        }
        self.followers = [Follower::default(); 3];
        self.smooth = 0.0;
        self.smooth_coef = c(SHAPER_SMOOTHING);
        self.level = vec![0.0; max_block];
        self.gain = vec![0.0; max_block];
        self.scratch.prepare(4, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let [il, ir, attack, sustain] = self.scratch.ports(inputs, 1, n);
        linked_level(&mut self.level[..n], il, ir);
        let [cf, ca, cr] = self.coefs;
        let [ff, fa, fr] = &mut self.followers;
        for i in 0..n {
            self.smooth = flush(self.smooth + (self.level[i] - self.smooth) * self.smooth_coef);
            let lv = self.smooth;
            let f = ff.tick(lv, cf.0, cf.1);
            let a = fa.tick(lv, ca.0, ca.1);
            let r = fr.tick(lv, cr.0, cr.1);
            let t = if f > 0.0 {
                ((f - a) / f).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let s = if r > 0.0 {
                ((r - f) / r).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let db =
                clampf(attack[i], -24.0, 24.0, 0.0) * t + clampf(sustain[i], -24.0, 24.0, 0.0) * s;
            self.gain[i] = if db == 0.0 { 1.0 } else { db_to_gain(db) };
        }
        apply_gain(out, [il, ir], &self.gain[..n]);
    }
}

/// The limiter's ceiling (linear) for a `thresh` value: > 0 linear, ≤ 0 dBFS.
#[inline(always)]
pub fn limiter_ceiling(thresh: f32) -> f32 {
    if thresh.is_nan() {
        0.9
    } else if thresh > 0.0 {
        thresh.clamp(0.001, 4.0)
    } else {
        db_to_gain(thresh.max(-60.0))
    }
}

/// The look-ahead limiter.
#[derive(Debug, Default)]
pub struct Limiter {
    sample_rate: f32,
    /// Look-ahead D in frames.
    look: usize,
    lines: [DelayLine; 2],
    /// Monotonic deque of (frame, needed gain) over the window [n − D, n]: a ring.
    dq_frame: Vec<u64>,
    dq_gain: Vec<f32>,
    dq_head: usize,
    dq_len: usize,
    /// The last D + 2 sliding minima, a ring, and the running sum of the newest `box_len`.
    hist: Vec<f32>,
    hist_pos: usize,
    box_len: usize,
    box_sum: f64,
    gain: f32,
    rel: TimeCoef,
    frame: u64,
    gains: Vec<f32>,
    scratch: Scratch,
}

impl Limiter {
    /// The sum of the newest `len` history values (exact resync of the running sum).
    fn resum(&self, len: usize) -> f64 {
        let h = self.hist.len();
        (0..len)
            .map(|j| self.hist[(self.hist_pos + h - j) % h] as f64)
            .sum()
    }

    /// One frame of the gain computer: `need` is min(1, ceiling/peak) at this frame, `box_len`
    /// the attack ramp in frames (1..=D). Returns the gain for the frame D frames ago.
    #[inline(always)]
    fn tick(&mut self, need: f32, box_len: usize, rel: f32) -> f32 {
        let n = self.frame;
        self.frame += 1;
        let cap = self.dq_gain.len();
        // Sliding minimum over [n − D, n].
        while self.dq_len > 0 {
            let back = (self.dq_head + self.dq_len - 1) % cap;
            if self.dq_gain[back] >= need {
                self.dq_len -= 1;
            } else {
                break;
            }
        }
        let slot = (self.dq_head + self.dq_len) % cap;
        self.dq_frame[slot] = n;
        self.dq_gain[slot] = need;
        self.dq_len += 1;
        while self.dq_frame[self.dq_head] + (self.look as u64) < n {
            self.dq_head = (self.dq_head + 1) % cap;
            self.dq_len -= 1;
        }
        let gmin = self.dq_gain[self.dq_head];
        // Moving average of the last `box_len` minima.
        let h = self.hist.len();
        self.hist_pos = (self.hist_pos + 1) % h;
        self.hist[self.hist_pos] = gmin;
        if box_len != self.box_len || self.hist_pos == 0 {
            self.box_len = box_len;
            self.box_sum = self.resum(box_len);
        } else {
            let old = self.hist[(self.hist_pos + h - box_len) % h];
            self.box_sum += gmin as f64 - old as f64;
        }
        let target = (self.box_sum / box_len as f64) as f32;
        self.gain = if target < self.gain {
            target
        } else {
            flush(self.gain + (target - self.gain) * rel)
        };
        self.gain
    }
}

impl Kernel for Limiter {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.look = ((LOOKAHEAD * sample_rate).round() as usize).max(1);
        self.lines = [DelayLine::new(self.look), DelayLine::new(self.look)];
        self.dq_frame = vec![0; self.look + 2];
        self.dq_gain = vec![1.0; self.look + 2];
        self.dq_head = 0;
        self.dq_len = 0;
        self.hist = vec![1.0; self.look + 2];
        self.hist_pos = 0;
        self.box_len = 1;
        self.box_sum = 1.0;
        self.gain = 1.0;
        self.frame = 0;
        self.gains = vec![0.0; max_block];
        self.scratch.prepare(5, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let sr = self.sample_rate;
        let mut scratch = std::mem::take(&mut self.scratch);
        let [il, ir, thresh, attack, release] = scratch.ports(inputs, 1, n);
        let mut gains = std::mem::take(&mut self.gains);
        for i in 0..n {
            let peak = finite(il[i]).abs().max(finite(ir[i]).abs());
            let ceiling = limiter_ceiling(thresh[i]);
            let need = if peak > ceiling { ceiling / peak } else { 1.0 };
            let ramp = clampf(attack[i], 0.0001, LOOKAHEAD, 0.005) * sr;
            let box_len = (ramp.round() as usize).clamp(1, self.look);
            let rel = self.rel.get(release[i], 0.001, 2.0, 0.05, sr);
            gains[i] = self.tick(need, box_len, rel);
        }
        for c in 0..out.channels() {
            let (x, line) = ([il, ir][c], &mut self.lines[c]);
            for ((o, &v), &g) in out.channel(c).iter_mut().zip(x).zip(&gains[..n]) {
                let d = line.read(self.look);
                line.push(finite(v));
                *o = d * g;
            }
        }
        self.gains = gains;
        self.scratch = scratch;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::dsp::testing::{invariant, noise, render, sine, SR};
    use crate::kernels::testing::{assert_same, Src};

    fn square(amp: f32, period: usize, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                if (i / (period / 2)).is_multiple_of(2) {
                    amp
                } else {
                    -amp
                }
            })
            .collect()
    }

    fn peak(x: &[f32]) -> f32 {
        x.iter().fold(0.0, |m, v| m.max(v.abs()))
    }

    fn db(x: f32) -> f32 {
        20.0 * x.log10()
    }

    fn comp(x: Vec<f32>, attack: f32, makeup: f32) -> Vec<f32> {
        let n = x.len();
        render(
            &mut Compressor::default(),
            &[
                Src::Mono(x),
                Src::Const(-20.0),
                Src::Const(4.0),
                Src::Const(attack),
                Src::Const(0.1),
                Src::Const(makeup),
            ],
            1,
            n,
            &[256],
        )[0]
        .clone()
    }

    /// −10 dBFS over a −20 dB threshold at ratio 4: (−10 + 20)·(1 − ¼) = 7.5 dB of reduction.
    /// A square wave has a constant |x|, so the follower settles exactly (within 0.01 dB). A
    /// 200 Hz sine with a 0.1 ms attack is followed to within about 1 % at its peaks (lag
    /// ≈ (ωτ)² with ωτ = 0.12) and droops ≤ 0.03 dB between them (2.5 ms over a 100 ms release),
    /// so its reduction, measured on the output peaks, is within 0.3 dB. (With a slow attack a
    /// peak follower settles below the sine's peak: that is the detector's design, not tested
    /// here.)
    #[test]
    fn compressor_reduces_by_the_curve() {
        let n = 44100;
        let a = 10f32.powf(-0.5);
        let y = comp(square(a, 441, n), 0.01, 0.0);
        let gr = db(peak(&y[n - 4410..]) / a);
        assert!((gr + 7.5).abs() < 0.01, "square: {gr} dB");
        let y = comp(sine(200.0, a as f64, n), 0.0001, 0.0);
        let gr = db(peak(&y[n - 4410..]) / a);
        assert!((gr + 7.5).abs() < 0.3, "sine: {gr} dB");
        // Below the threshold: only makeup (+6 dB = ×1.9953).
        let q = square(0.05, 441, n);
        let y = comp(q.clone(), 0.01, 6.0);
        assert!((y[n - 1] / q[n - 1] - db_to_gain(6.0)).abs() < 1e-6);
        // Attack: 10 ms to close most of the gap; after 1 ms the reduction has barely started.
        let y = comp(square(a, 441, n), 0.01, 0.0);
        assert!(db(y[44].abs() / a) > -1.0, "{}", db(y[44].abs() / a));
        invariant(
            &|| Box::new(Compressor::default()),
            &[
                Src::Stereo(noise(8000, 51, 0.9), noise(8000, 52, 0.2)),
                Src::Mono((0..8000).map(|i| -(i / 100) as f32).collect()),
                Src::Const(8.0),
                Src::Mono((0..8000).map(|i| 0.001 * (1 + i / 2000) as f32).collect()),
                Src::Const(0.05),
                Src::Const(3.0),
            ],
            2,
            8000,
        );
    }

    /// A 0 dBFS sidechain over −20 dB at ratio 4 ducks the input by 15 dB; silence releases it.
    #[test]
    fn sidechain_compressor_ducks() {
        let n = 44100;
        let side: Vec<f32> = square(1.0, 100, n)
            .into_iter()
            .enumerate()
            .map(|(i, v)| if i < n / 2 { v } else { 0.0 })
            .collect();
        let x = square(0.1, 441, n);
        let y = invariant(
            &|| Box::new(SidechainCompressor::default()),
            &[
                Src::Mono(x.clone()),
                Src::Mono(side.clone()),
                Src::Const(-20.0),
                Src::Const(4.0),
                Src::Const(0.001),
                Src::Const(0.05),
            ],
            1,
            n,
        );
        let ducked = db(peak(&y[0][n / 2 - 2000..n / 2]) / 0.1);
        assert!((ducked + 15.0).abs() < 0.05, "{ducked} dB");
        let released = db(peak(&y[0][n - 2000..]) / 0.1);
        assert!(released.abs() < 0.01, "{released} dB");
    }

    /// −50 dBFS under a −40 dB threshold at ratio 2 is pushed down by 10 dB; −30 dBFS passes.
    #[test]
    fn expander_pushes_quiet_signals_down() {
        let n = 44100;
        let run = |amp: f32| {
            render(
                &mut Expander::default(),
                &[
                    Src::Mono(square(amp, 441, n)),
                    Src::Const(-40.0),
                    Src::Const(2.0),
                    Src::Const(0.005),
                    Src::Const(0.1),
                ],
                1,
                n,
                &[100],
            )[0]
            .clone()
        };
        let quiet = db_to_gain(-50.0);
        let y = run(quiet);
        let gr = db(peak(&y[n - 4410..]) / quiet);
        assert!((gr + 10.0).abs() < 0.01, "{gr} dB");
        let loud = db_to_gain(-30.0);
        let y = run(loud);
        assert_eq!(peak(&y[n - 4410..]), loud);
        invariant(
            &|| Box::new(Expander::default()),
            &[
                Src::Mono(noise(6000, 53, 0.05)),
                Src::Const(-30.0),
                Src::Const(4.0),
                Src::Const(0.002),
                Src::Const(0.05),
            ],
            1,
            6000,
        );
    }

    /// 0/0 is the identity; +12 dB attack boosts an onset and leaves the steady part alone;
    /// +12 dB sustain lifts a decaying tail.
    #[test]
    fn transient_shaper_shapes_onsets_and_tails() {
        let n = 22050;
        let burst: Vec<f32> = sine(440.0, 0.5, n)
            .into_iter()
            .enumerate()
            .map(|(i, v)| if i >= 2000 { v } else { 0.0 })
            .collect();
        let run = |x: &Vec<f32>, a: f32, s: f32| {
            render(
                &mut TransientShaper::default(),
                &[Src::Mono(x.clone()), Src::Const(a), Src::Const(s)],
                1,
                n,
                &[64],
            )[0]
            .clone()
        };
        assert_same("identity", &run(&burst, 0.0, 0.0), &burst);
        let y = run(&burst, 12.0, 0.0);
        let onset = db(peak(&y[2000..2130]) / peak(&burst[2000..2130]));
        assert!(onset > 4.0, "onset boost {onset} dB");
        let steady = db(peak(&y[n - 2000..]) / 0.5);
        assert!(steady.abs() < 0.5, "steady {steady} dB");
        let decay: Vec<f32> = burst
            .iter()
            .enumerate()
            .map(|(i, v)| v * (-(i.saturating_sub(2000) as f32) / 2205.0).exp())
            .collect();
        let y = run(&decay, 0.0, 12.0);
        let tail = db(peak(&y[6400..8600]) / peak(&decay[6400..8600]));
        assert!(tail > 3.0, "tail lift {tail} dB");
        invariant(
            &|| Box::new(TransientShaper::default()),
            &[
                Src::Stereo(decay.clone(), burst.clone()),
                Src::Const(-6.0),
                Src::Const(9.0),
            ],
            2,
            n,
        );
    }

    /// The output never exceeds the ceiling, whatever the input; below it the output is the
    /// input delayed by the look-ahead, bit for bit; a steady overload settles at the ceiling.
    #[test]
    fn limiter_holds_its_ceiling() {
        let n = 44100;
        let look = (LOOKAHEAD * SR).round() as usize;
        let mut x: Vec<f32> = sine(1000.0, 2.0, n);
        for (i, v) in noise(n, 54, 3.0).into_iter().enumerate() {
            if (i / 3000) % 2 == 1 {
                x[i] = v;
            }
        }
        x[20000] = 50.0;
        for (thresh, ceiling) in [(0.5f32, 0.5f32), (-6.0, db_to_gain(-6.0)), (0.0, 1.0)] {
            let y = invariant(
                &|| Box::new(Limiter::default()),
                &[
                    Src::Stereo(x.clone(), noise(n, 55, 1.0)),
                    Src::Const(thresh),
                    Src::Mono((0..n).map(|i| 0.0005 + (i / 7000) as f32 * 0.001).collect()),
                    Src::Const(0.05),
                ],
                2,
                n,
            );
            for ch in &y {
                let p = peak(ch);
                assert!(
                    p <= ceiling * (1.0 + 1e-6),
                    "thresh {thresh}: peak {p} > {ceiling}"
                );
            }
        }
        // Transparent below the ceiling.
        let q = sine(300.0, 0.5, n);
        let y = render(
            &mut Limiter::default(),
            &[
                Src::Mono(q.clone()),
                Src::Const(0.9),
                Src::Const(0.005),
                Src::Const(0.05),
            ],
            1,
            n,
            &[128],
        );
        let mut want = vec![0.0f32; look];
        want.extend_from_slice(&q[..n - look]);
        assert_same("transparent", &y[0], &want);
        // A steady sine at 2 with ceiling 0.5 comes out with peaks at the ceiling.
        let y = render(
            &mut Limiter::default(),
            &[
                Src::Mono(sine(1000.0, 2.0, n)),
                Src::Const(0.5),
                Src::Const(0.005),
                Src::Const(0.05),
            ],
            1,
            n,
            &[128],
        );
        let p = peak(&y[0][n / 2..]);
        assert!(p > 0.49 && p <= 0.5 * (1.0 + 1e-6), "{p}");
    }
}
