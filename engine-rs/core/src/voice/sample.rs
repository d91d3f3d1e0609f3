//! `sampler`: plays bank samples on triggers, from a preallocated voice pool with oldest-voice stealing.
//!
//! Ports: `gain`, linear, default 1, mono, applied to the sum of the voices (not clamped;
//! non-finite results are flushed by the master).
//!
//! Output: stereo. Each trigger (see `events`) starts a voice at its exact frame offset in the
//! block. A voice reads its sample at `speed` frames per frame with linear interpolation, multiplies
//! by its `gain` and its envelope, pans with the balance law L = min(1, 2(1 − pan)),
//! R = min(1, 2·pan) (pan 0.5 leaves both channels at unity, so `s "bd"` is as loud as the
//! sample; a stereo sample keeps its channels).
//!
//! Trigger fields, with their clamps:
//! - `begin`, `end`: the slice, as fractions of the sample, each clamped to 0..1; the slice is
//!   frames floor(begin·len) .. ceil(end·len) (end exclusive). An empty slice (end ≤ begin)
//!   starts nothing (counted as ignored).
//! - `speed`: frames of the sample per output frame (±64, clamped by `events`); negative starts at
//!   the slice's last frame and plays backwards; 0 starts nothing. A voice ends when it runs off
//!   either end of the slice (unless it loops).
//! - `attack` (s, clamped 0..60, default [`ATTACK_SECONDS`], at least one frame): a linear rise;
//!   frame k (from 1) of the voice gets min(1, k/attack) so the first frame is already nonzero.
//! - `dur` (s, clamped 0..3600): when given, the voice holds until `dur` after its start, then
//!   releases linearly over `release` (s, clamped 0..60, default [`RELEASE_SECONDS`]) from its
//!   current level, then ends (sooner if the slice runs out and it does not loop).
//! - `release` without `dur`: the release ends at the slice's natural end (the voice fades out
//!   over its last `release` seconds, at most its whole length).
//! - Neither: the natural length, as the sample plays.
//! - `loop` (nonzero): with `dur`, the slice repeats (wrapping the read position within it) until
//!   the release has ended; without `dur` it would never end, so it plays once.
//! - `cut` g > 0: the trigger fades out every other voice of group g on this sampler over
//!   [`CUT_FADE_SECONDS`] (linearly, from its current level) from the trigger's frame.
//! - `unit` "c" (with the trigger's `cps`): `speed` counts how many times the slice plays per
//!   cycle, as in Tidal, so the rate is speed · slice length · cps / sample rate (speed 1 stretches
//!   the slice over one cycle). Without `cps` it is read as a rate.
//! - `decay`, `sustain` (an ADSR on the sample): after the attack the level falls linearly to
//!   `sustain` (0..1, default 1) over `decay` (s, 0..60, default 0), and holds there.
//!
//! Data: `voices`, the limit: how many voices may play at once (an integer in
//! 1..=[`MAX_VOICES`], default [`DEFAULT_VOICES`]; `# voices N` in the language). The pool is
//! allocated when the plan is built with `limit` + [`FADE_SLOTS`] slots. A trigger that finds
//! `limit` voices playing steals the oldest of them: it fades out linearly over
//! [`STEAL_FADE_SECONDS`] from the trigger's frame (counted as a steal) while the new voice
//! starts in a free slot; if none is free, the fading voice nearest to silence is cut (see
//! [`super::pool`]).
//!
//! Summation: the block is rendered in segments between its triggers' frames (a trigger starts,
//! steals and cuts at its exact frame, between two segments). Each voice's frames are added
//! into the partial sums of its group of [`GROUP`] slots (slots `g·GROUP..(g+1)·GROUP`), the
//! group's voices in slot order at every frame; at the end of the block the partial sums of
//! the groups that rendered a voice in it are added into the output in group order, and the
//! `gain` port multiplies the result. So at every frame the output is
//! gain · (((0 + G₀) + G₁) + …) with Gₖ = ((0 + vₐ) + v_b) + … over group k's sounding slots,
//! whichever way the block is cut. (Serially, the lowest group used so far sums straight into
//! the zeroed output, since 0 + G is G: the same arithmetic without a partial's copy.)
//!
//! The slots, stealing, group sums and worker split are the shared [`VoicePool`] (mode: the
//! direct group on, [`Cost::PerVoiceFrame`]); this file supplies what a sample voice does.
//!
//! Workers: a segment runs its busy groups on several workers (each claims the next group) when
//! the calling thread may split ([`crate::workers::width`] > 1), more than one group has a
//! voice, and its estimated cost — a moving average of the measured ns per voice-frame (timed
//! only where a split is possible, segments of at least 1024 voice-frames; a timing is
//! capped at twice the estimate) × active voices × the segment's frames — is at least
//! [`crate::schedule::MIN_PARALLEL_NS`]; otherwise here, slot by slot into the same group
//! sums. Each group's sums and slots belong to the one worker rendering it, voices that ended
//! leave the active set after the segment, and the groups are added in order, so the output is
//! the same bit for bit for any thread count. A block in which some segment split is counted
//! (`split_blocks`).
//!
//! Reload ([`Kernel::adopt`]): the voices sounding in the old node carry over. With the same
//! limit they keep their slots. With another limit the new pool takes what fits, newest
//! first (the old pool's newest `limit` + [`FADE_SLOTS`] voices; any older ones stop at the
//! swap); if more than the new limit of them are playing, the oldest fade out as steals would.

use super::pool::{self, fade_frames, limit_of, Cost, Mode, SlotView, VoicePool};
use crate::events::Trigger;
use crate::kernels::{
    param, ChannelRule, Context, DataSpec, Kernel, KernelCounts, KindSpec, Outputs, PortIn,
};
use crate::samples::{Sample, SampleBank};

pub use super::pool::{DEFAULT_VOICES, GROUP, MAX_VOICES, STEAL_FADE_SECONDS};

/// `sampler {gain}`.
pub const SAMPLER: KindSpec = KindSpec {
    name: "sampler",
    doc:
        "Sample voices: each trigger starts a sample at its exact frame; outputs their stereo sum.",
    ports: &[param("gain", 1.0).unit("gain")],
    data: &[DataSpec {
        name: "voices",
        doc: "Voices that may play at once before the oldest is stolen (1..=256, default 128).",
    }],
    channels: ChannelRule::Stereo,
    triggers: true,
    make: || Box::new(Sampler::default()),
};

/// Extra slots for voices fading out after a steal.
pub const FADE_SLOTS: usize = 16;
/// Triggers one sampler accepts per block; more are ignored (and counted).
pub const MAX_TRIGGERS_PER_BLOCK: usize = 1024;
/// Attack of every voice, seconds.
pub const ATTACK_SECONDS: f32 = 0.001;
/// Release after `dur` when the trigger gives none, seconds.
pub const RELEASE_SECONDS: f32 = 0.005;
/// Fade of a voice cut by another of its cut group, seconds.
pub const CUT_FADE_SECONDS: f32 = 0.010;

/// Slowest |speed| rendered in runs; slower voices go frame by frame (a run's bounds keep a
/// margin of one step, which must dwarf the rounding of the running read position).
const RUN_MIN_SPEED: f64 = 1e-3;
/// Longest slice rendered in runs, frames (read positions below 2^24 round by < 2e-9).
const RUN_MAX_FRAMES: f64 = (1u64 << 24) as f64;
/// How the sampler's pool runs: its lowest busy group sums straight into the output, the cost of
/// its many short segments is estimated per voice-frame.
const MODE: Mode = Mode::new(
    true,
    Cost::PerVoiceFrame,
    MAX_TRIGGERS_PER_BLOCK,
    FADE_SLOTS,
);

/// Left and right gains of the balance pan law for `pan` in 0..1.
#[inline]
pub fn pan_gains(pan: f32) -> (f32, f32) {
    ((2.0 * (1.0 - pan)).min(1.0), (2.0 * pan).min(1.0))
}

#[derive(Clone, Copy, Debug, Default)]
struct Voice {
    active: bool,
    sample: u32,
    /// Read position in frames.
    pos: f64,
    speed: f64,
    gain_l: f32,
    gain_r: f32,
    /// The slice, frames `lo..hi`.
    lo: f64,
    hi: f64,
    looped: bool,
    /// Cut group, 0 = none.
    cut: u32,
    /// Frames played.
    age: u64,
    /// Attack length in frames (≥ 1).
    attack: u32,
    /// Frames of the decay to `sustain` after the attack (0: none).
    decay: u32,
    /// Level held after the decay.
    sustain: f32,
    /// The age at which the timed release starts (`u64::MAX`: none).
    hold: u64,
    /// Length of the timed release, frames.
    release: u32,
    /// The envelope level of the last frame.
    env: f32,
    releasing: bool,
    /// Release frames still to play, of `release_len`, falling from `release_from`.
    release_left: u32,
    release_len: u32,
    release_from: f32,
    /// Trigger order, to find the oldest.
    serial: u64,
}

impl Voice {
    /// Starts a linear fade to 0 over `frames` from the current level.
    #[inline]
    fn fade_out(&mut self, frames: u32) {
        self.releasing = true;
        self.release_len = frames.max(1);
        self.release_left = self.release_len;
        self.release_from = self.env;
    }
}

impl pool::Voice for Voice {
    fn view(&self, _now: u64) -> SlotView {
        SlotView {
            busy: self.active,
            playing: self.active && !self.releasing,
            serial: self.serial,
            left: u64::from(self.release_left),
        }
    }

    fn steal(&mut self, _now: u64, frames: u32) {
        self.fade_out(frames);
    }
}

/// What every group rendering one segment shares.
#[derive(Clone, Copy)]
struct Segment<'a> {
    bank: &'a SampleBank,
    /// Frames `from..to` of the block.
    range: (usize, usize),
    /// Tests: every frame through [`Sampler::frame`].
    by_frame: bool,
}

impl Segment<'_> {
    /// Adds voice `v`'s frames of the segment into `l`, `r` (it ends when its sample is gone).
    /// Render thread or a worker.
    #[inline]
    fn voice(&self, v: &mut Voice, l: &mut [f32], r: &mut [f32]) {
        match self.bank.get(v.sample) {
            Some(s) => Sampler::render_voice(v, s, l, r, self.range, self.by_frame),
            None => v.active = false,
        }
    }
}

/// The sampler kernel.
///
/// Triggers received before a block are kept (in frame order) and the block is rendered in
/// segments between their offsets, so voices start, end, are stolen and take pool slots at exact
/// frames: the output does not depend on where block boundaries fall. Voices are summed in
/// groups of [`GROUP`] slots, each group into its own partial sums, which are added in group
/// order at the end of the block; a segment dear enough runs its groups on several workers.
#[derive(Debug)]
pub struct Sampler {
    /// `limit` + [`FADE_SLOTS`] slots, allocated by [`Kernel::prepare`].
    pool: VoicePool<Voice>,
    sample_rate: f32,
    attack: u32,
    cut_fade: u32,
    /// Tests: every frame through [`Sampler::frame`] (the reference the runs must equal).
    #[cfg(test)]
    frame_by_frame: bool,
}

impl Default for Sampler {
    fn default() -> Sampler {
        Sampler {
            pool: VoicePool::new(MODE, DEFAULT_VOICES),
            sample_rate: 0.0,
            attack: 0,
            cut_fade: 0,
            #[cfg(test)]
            frame_by_frame: false,
        }
    }
}

impl Sampler {
    /// The voice limit (data `voices`, else [`DEFAULT_VOICES`]).
    pub fn limit(&self) -> usize {
        self.pool.limit
    }

    /// Adds one voice's frames `from..to` into `l`, `r`: runs in which nothing changes (no
    /// slice end or wrap, no envelope stage change) in one tight loop each, the frames between
    /// them one by one ([`Sampler::frame`]).
    #[inline]
    fn render_voice(
        v: &mut Voice,
        s: &Sample,
        l: &mut [f32],
        r: &mut [f32],
        (from, to): (usize, usize),
        by_frame: bool,
    ) {
        let mut i = from;
        while i < to && v.active {
            let m = if by_frame {
                0
            } else {
                Self::steady(v, s.frames(), to - i)
            };
            if m == 0 {
                Self::frame(v, s, l, r, i);
                i += 1;
            } else {
                Self::run(v, s, l, r, i, m);
                i += m;
            }
        }
    }

    /// Frames from now on, at most `max`, that read inside the slice with both interpolation
    /// points in the sample (with a margin of a step) and keep the envelope in one stage: 0
    /// where the next frame must go through [`Sampler::frame`].
    #[inline]
    fn steady(v: &Voice, len: usize, max: usize) -> usize {
        let speed = v.speed;
        if speed.is_nan() || speed.abs() < RUN_MIN_SPEED || v.hi > RUN_MAX_FRAMES {
            return 0;
        }
        let pos = v.pos;
        // Frames certainly in range: pos stays in [lo, hi − 1) and below len − 1.
        let top = v.hi.min(len as f64) - 1.0;
        if !(pos >= v.lo && pos < top) {
            return 0;
        }
        let room = if speed > 0.0 {
            (top - pos) / speed
        } else {
            (pos - v.lo) / -speed
        };
        let mut m = (room - 1.0).floor().max(0.0) as u64;
        m = m.min(max as u64);
        if v.releasing {
            m = m.min(u64::from(v.release_left));
        } else {
            if v.age >= v.hold {
                return 0;
            }
            m = m.min(v.hold - v.age);
            let (a, d) = (
                u64::from(v.attack),
                u64::from(v.attack) + u64::from(v.decay),
            );
            if v.age < a {
                m = m.min(a - v.age);
            } else if v.age < d {
                m = m.min(d - v.age);
            }
        }
        m as usize
    }

    /// `m` frames of a run ([`Sampler::steady`]) from block frame `at`: the same arithmetic
    /// as [`Sampler::frame`], without its branches.
    #[inline]
    fn run(v: &mut Voice, s: &Sample, l: &mut [f32], r: &mut [f32], at: usize, m: usize) {
        let (sl, sr) = s.left_right();
        let (age, attack, decay) = (v.age, v.attack, v.decay);
        if v.releasing {
            let (from, rl, len) = (v.release_from, v.release_left, v.release_len as f32);
            Self::mix(v, sl, sr, l, r, at, m, |j| {
                from * (rl - j as u32) as f32 / len
            });
            v.release_left -= m as u32;
            if v.release_left == 0 {
                v.active = false;
            }
        } else if age < u64::from(attack) {
            Self::mix(v, sl, sr, l, r, at, m, |j| {
                (age + j as u64 + 1) as f32 / attack as f32
            });
        } else if age < u64::from(attack) + u64::from(decay) {
            let sustain = v.sustain;
            Self::mix(v, sl, sr, l, r, at, m, |j| {
                let k = (age + j as u64 - u64::from(attack) + 1) as f32 / decay as f32;
                1.0 - (1.0 - sustain) * k
            });
        } else {
            let e = v.sustain;
            Self::mix(v, sl, sr, l, r, at, m, |_| e);
        }
        v.age += m as u64;
    }

    /// The tight loop of a run: interpolated reads at the running position, times `env(j)` at
    /// the run's j-th frame and the voice's gains, added into `l`, `r`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn mix(
        v: &mut Voice,
        sl: &[f32],
        sr: &[f32],
        l: &mut [f32],
        r: &mut [f32],
        at: usize,
        m: usize,
        env: impl Fn(usize) -> f32,
    ) {
        let (mut pos, speed, gl, gr) = (v.pos, v.speed, v.gain_l, v.gain_r);
        let (l, r) = (&mut l[at..at + m], &mut r[at..at + m]);
        for (j, (l, r)) in l.iter_mut().zip(r.iter_mut()).enumerate() {
            let idx = pos as usize;
            let frac = (pos - idx as f64) as f32;
            let (l0, r0, l1, r1) = (sl[idx], sr[idx], sl[idx + 1], sr[idx + 1]);
            let e = env(j);
            *l += (l0 + (l1 - l0) * frac) * e * gl;
            *r += (r0 + (r1 - r0) * frac) * e * gr;
            pos += speed;
        }
        v.pos = pos;
        v.env = env(m - 1);
    }

    /// One frame of a voice at block frame `i`, every case checked (the per-frame reference
    /// the runs reproduce): slice end or loop wrap, the hold's end, the envelope stage.
    fn frame(v: &mut Voice, s: &Sample, l: &mut [f32], r: &mut [f32], i: usize) {
        let (sl, sr) = s.left_right();
        let len = s.frames();
        let mut pos = v.pos;
        if !(pos >= v.lo && pos < v.hi) {
            if !v.looped {
                v.active = false;
                return;
            }
            pos = v.lo + (pos - v.lo).rem_euclid(v.hi - v.lo);
            if !(pos >= v.lo && pos < v.hi) {
                pos = v.lo;
            }
        }
        if !v.releasing && v.age >= v.hold {
            if v.release == 0 {
                v.active = false;
                return;
            }
            v.fade_out(v.release);
        }
        let idx = pos as usize;
        let frac = (pos - idx as f64) as f32;
        let (l0, r0) = (sl[idx], sr[idx]);
        let (l1, r1) = if idx + 1 < len {
            (sl[idx + 1], sr[idx + 1])
        } else {
            (0.0, 0.0)
        };
        let env = if v.releasing {
            v.release_from * v.release_left as f32 / v.release_len as f32
        } else if v.age < u64::from(v.attack) {
            (v.age + 1) as f32 / v.attack as f32
        } else if v.age < u64::from(v.attack) + u64::from(v.decay) {
            let k = (v.age - u64::from(v.attack) + 1) as f32 / v.decay as f32;
            1.0 - (1.0 - v.sustain) * k
        } else {
            v.sustain
        };
        v.env = env;
        v.age += 1;
        l[i] += (l0 + (l1 - l0) * frac) * env * v.gain_l;
        r[i] += (r0 + (r1 - r0) * frac) * env * v.gain_r;
        v.pos = pos + v.speed;
        if v.releasing {
            v.release_left -= 1;
            if v.release_left == 0 {
                v.active = false;
            }
        }
    }

    /// Renders every active voice over frames `from..to` of the block (`l`, `r`: the output,
    /// zeroed at the block's start), each into its group's sums in slot order, by the pool (on
    /// several workers when the segment is worth a fork). Ended voices then leave the active
    /// set. Render thread: no allocation.
    fn render_range(&mut self, ctx: &Context, l: &mut [f32], r: &mut [f32], range: (usize, usize)) {
        if range.0 >= range.1 || self.pool.active.is_empty() {
            return;
        }
        #[cfg(test)]
        let by_frame = self.frame_by_frame;
        #[cfg(not(test))]
        let by_frame = false;
        let seg = Segment {
            bank: ctx.bank,
            range,
            by_frame,
        };
        self.pool.render(l, r, range.1 - range.0, &|_, v, sum| {
            let (l, r) = sum.stereo();
            seg.voice(v, l, r);
        });
        self.pool.retain(|v| v.active);
    }

    /// Starts a voice now (at the current segment boundary), stealing the oldest if the pool is full.
    fn start(&mut self, ctx: &Context, t: &Trigger) {
        let Some(s) = ctx.bank.get(t.sample) else {
            self.pool.counts.ignored += 1;
            return;
        };
        let len = s.frames();
        let begin = if t.begin.is_finite() {
            t.begin.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let end = if t.end.is_finite() {
            t.end.clamp(0.0, 1.0)
        } else {
            1.0
        };
        let lo = (f64::from(begin) * len as f64).floor();
        let hi = (f64::from(end) * len as f64).ceil().min(len as f64);
        if t.speed.abs() < 1e-6 || len == 0 || hi <= lo || self.pool.slots.is_empty() {
            self.pool.counts.ignored += 1;
            return;
        }
        if t.cut > 0 {
            let fade = self.cut_fade;
            for i in self.pool.active.iter() {
                let v = &mut self.pool.slots[i];
                if v.cut == t.cut && (!v.releasing || v.release_left > fade) {
                    v.fade_out(fade);
                }
            }
        }
        self.pool.steal_oldest(0, self.pool.limit);
        let slot = self.pool.free_slot(0);
        let (gl, gr) = pan_gains(t.pan);
        let sr = self.sample_rate;
        let speed = match (t.unit_cycles, t.cps) {
            (true, Some(cps)) => t.speed as f64 * (hi - lo) * f64::from(cps) / f64::from(sr),
            _ => t.speed as f64,
        };
        let secs = |x: f32, max: f32| {
            if x.is_finite() {
                x.clamp(0.0, max)
            } else {
                0.0
            }
        };
        let attack = match t.attack {
            Some(a) => ((secs(a, 60.0) * sr).round() as u32).max(1),
            None => self.attack,
        };
        let release = t.release.map(|x| (secs(x, 60.0) * sr).round() as u32);
        let natural = ((hi - lo) / speed.abs()).ceil() as u64;
        let (hold, release, looped) = match t.dur {
            Some(d) => (
                (f64::from(secs(d, 3600.0)) * f64::from(sr)).round() as u64,
                release.unwrap_or(self.pool.fade),
                t.looped,
            ),
            None => match release {
                Some(r) => {
                    let r = u64::from(r).min(natural);
                    (natural - r, r as u32, false)
                }
                None => (u64::MAX, 0, false),
            },
        };
        self.pool.slots[slot] = Voice {
            active: true,
            sample: t.sample,
            pos: if speed > 0.0 { lo } else { hi - 1.0 },
            speed,
            gain_l: t.gain * gl,
            gain_r: t.gain * gr,
            lo,
            hi,
            looped,
            cut: t.cut,
            age: 0,
            attack,
            decay: t
                .decay
                .map(|d| (secs(d, 60.0) * sr).round() as u32)
                .unwrap_or(0),
            sustain: t.sustain.map(|x| secs(x, 1.0)).unwrap_or(1.0),
            hold,
            release,
            env: 0.0,
            releasing: false,
            release_left: 0,
            release_len: 1,
            release_from: 0.0,
            serial: self.pool.serial,
        };
        self.pool.active.insert(slot);
        self.pool.serial += 1;
    }
}

impl Kernel for Sampler {
    /// A reload that changed the limit (`# voices N`): voices still sounding carry on. The
    /// newest that fit are copied (in their own slots when those exist, else packed in order),
    /// the rest stop, and playing voices beyond the new limit fade out as steals
    /// ([`VoicePool::adopt`]). (With the same limit the whole kernel moves instead.) Render
    /// thread: copies only, no allocation.
    fn adopt(&mut self, old: &mut dyn Kernel) {
        let Some(o) = old.as_any_mut().downcast_mut::<Sampler>() else {
            return;
        };
        self.pool.adopt(&mut o.pool, 0, |v, o| *v = *o);
    }

    /// Reads the limit, data `voices`. Control thread.
    fn configure(&mut self, data: &crate::kernels::data::NodeData) {
        self.pool.limit = limit_of(data);
    }

    /// Allocates the pool (`limit` + [`FADE_SLOTS`] slots) and its groups' sums. Control thread.
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.pool.slots = vec![Voice::default(); self.pool.size()];
        self.pool.prepare(sample_rate, max_block);
        self.sample_rate = sample_rate;
        self.attack = fade_frames(ATTACK_SECONDS, sample_rate);
        self.cut_fade = fade_frames(CUT_FADE_SECONDS, sample_rate);
    }

    /// Render thread.
    fn trigger(&mut self, _ctx: &Context, offset: usize, t: &Trigger) {
        self.pool.trigger(offset, t);
    }

    /// Renders the block in segments between the queued triggers' frames, starting each
    /// trigger's voice at its frame, then adds the groups' sums in group order (the lowest
    /// group's are already in the output unless a segment split). Render thread: no
    /// allocation.
    fn process(&mut self, ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let (l, r) = out.stereo();
        l.fill(0.0);
        r.fill(0.0);
        let n = l.len();
        let mut cursor = 0;
        let mut pending = std::mem::take(&mut self.pool.pending);
        for (at, t) in pending.drain(n) {
            self.render_range(ctx, l, r, (cursor, at));
            cursor = at;
            self.start(ctx, &t);
        }
        self.pool.pending = pending;
        self.render_range(ctx, l, r, (cursor, n));
        self.pool.finish(l, r, inputs[0].left());
    }

    fn pool(&self) -> bool {
        true
    }

    fn voices(&self) -> usize {
        self.pool.sounding()
    }

    fn take_counts(&mut self) -> KernelCounts {
        std::mem::take(&mut self.pool.counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{assert_same, run, Src};
    use crate::samples::SampleBank;
    use crate::voice::pool::testing::{drive, serials, SR};

    fn bank() -> SampleBank {
        let mut b = SampleBank::default();
        // id 0: a mono ramp with no zero in it; id 1: a short stereo sample.
        b.add(
            "ramp",
            Sample::mono((0..3000).map(|i| 0.1 + i as f32 / 4000.0).collect()),
        );
        b.add(
            "st",
            Sample::stereo(
                (0..500).map(|i| (i as f32 * 0.05).sin()).collect(),
                (0..500).map(|i| (i as f32 * 0.03).cos()).collect(),
            ),
        );
        b
    }

    /// Per-frame reference: every voice in trigger order, positions accumulated the same way.
    fn reference(
        bank: &SampleBank,
        n: usize,
        triggers: &[(usize, Trigger)],
        gain: &dyn Fn(usize) -> f32,
    ) -> (Vec<f32>, Vec<f32>) {
        let attack = (0.001f32 * SR).round() as u32;
        struct V {
            start: usize,
            pos: f64,
            k: u32,
            done: bool,
        }
        let mut vs: Vec<V> = triggers
            .iter()
            .map(|(f, t)| V {
                start: *f,
                pos: if t.speed > 0.0 {
                    0.0
                } else {
                    (bank.get(t.sample).unwrap().frames() - 1) as f64
                },
                k: 0,
                done: false,
            })
            .collect();
        let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
        for i in 0..n {
            let (mut al, mut ar) = (0.0f32, 0.0f32);
            for (v, (_, t)) in vs.iter_mut().zip(triggers) {
                if i < v.start || v.done {
                    continue;
                }
                let s = bank.get(t.sample).unwrap();
                let (sl, sr) = s.left_right();
                let len = s.frames();
                if v.pos < 0.0 || v.pos >= len as f64 {
                    v.done = true;
                    continue;
                }
                let idx = v.pos.floor() as usize;
                let frac = (v.pos - idx as f64) as f32;
                let at = |x: &[f32], j: usize| if j < len { x[j] } else { 0.0 };
                v.k += 1;
                let env = if v.k <= attack {
                    v.k as f32 / attack as f32
                } else {
                    1.0
                };
                let gl = t.gain * (2.0 * (1.0 - t.pan)).min(1.0);
                let gr = t.gain * (2.0 * t.pan).min(1.0);
                al += (at(sl, idx) + (at(sl, idx + 1) - at(sl, idx)) * frac) * env * gl;
                ar += (at(sr, idx) + (at(sr, idx + 1) - at(sr, idx)) * frac) * env * gr;
                v.pos += t.speed as f64;
            }
            let g = gain(i);
            l[i] = if g == 1.0 { al } else { al * g };
            r[i] = if g == 1.0 { ar } else { ar * g };
        }
        (l, r)
    }

    fn trig(sample: u32, gain: f32, pan: f32, speed: f32) -> Trigger {
        Trigger {
            sample,
            gain,
            pan,
            speed,
            ..Trigger::default()
        }
    }

    #[test]
    fn sampler_block_equals_reference_and_starts_on_the_frame() {
        let bank = bank();
        let n = 6000;
        let triggers = vec![
            (0, trig(0, 1.0, 0.5, 1.0)),
            (1000, trig(1, 0.5, 0.2, 1.5)),
            (2500, trig(0, 0.8, 0.9, -0.75)),
            (2500, trig(1, 1.0, 0.5, 2.0)),
        ];
        let gain: Vec<f32> = (0..n).map(|i| 1.0 - i as f32 / (2 * n) as f32).collect();
        let got = run(
            &mut Sampler::default(),
            &[Src::Mono(gain.clone())],
            2,
            n,
            SR,
            &bank,
            &triggers,
        );
        let (l, r) = reference(&bank, n, &triggers, &|i| gain[i]);
        assert_same("sampler L, block gain", &got[0], &l);
        assert_same("sampler R, block gain", &got[1], &r);
        let got = run(
            &mut Sampler::default(),
            &[Src::Const(1.0)],
            2,
            n,
            SR,
            &bank,
            &triggers,
        );
        let (l, r) = reference(&bank, n, &triggers, &|_| 1.0);
        assert_same("sampler L, gain 1", &got[0], &l);
        assert_same("sampler R, gain 1", &got[1], &r);

        // Onsets: each trigger alone starts exactly at its frame (the test blocks are 64, 1, 7,
        // 63, 128, ... frames, so 1000 and 2500 fall inside blocks).
        for &(f, t) in &triggers[..3] {
            let got = run(
                &mut Sampler::default(),
                &[Src::Const(1.0)],
                2,
                n,
                SR,
                &bank,
                &[(f, t)],
            );
            let first = (0..n).position(|i| got[0][i] != 0.0 || got[1][i] != 0.0);
            assert_eq!(first, Some(f), "trigger at {f}");
        }
    }

    /// The runs against the per-frame path they replace ([`Sampler::frame`] for every frame),
    /// bit for bit over mixed block sizes, with every trigger field: slices, reverse and
    /// fractional speeds (and one too slow for runs), attack, decay and sustain, dur with and
    /// without release, release alone, loops, cut groups, and enough voices to steal.
    #[test]
    fn runs_equal_frame_by_frame() {
        let mut bank = bank();
        bank.add("flat", Sample::mono(vec![0.5; 20000])); // id 2
        let mut triggers = Vec::new();
        for k in 0..90usize {
            let t = Trigger {
                sample: (k % 3) as u32,
                gain: 0.01 + (k % 5) as f32 * 0.01,
                pan: [0.5, 0.1, 0.8][k % 3],
                speed: [1.0, 1.5, -0.75, 0.37, -2.3, 0.0004][k % 6],
                begin: [0.0, 0.25, 0.1][k % 3],
                end: [1.0, 0.9, 0.6, 1.0][k % 4],
                attack: [None, Some(0.003), Some(0.0)][k % 3],
                decay: [None, Some(0.01)][k % 2],
                sustain: [None, Some(0.4), None][k % 3],
                dur: [None, Some(0.02), Some(0.005), None, Some(0.05)][k % 5],
                release: [None, Some(0.004), None, Some(0.01)][k % 4],
                looped: k % 7 == 0,
                cut: [0, 1, 0, 2][k % 4],
                ..Trigger::default()
            };
            triggers.push((k * 97 + (k % 4) * 13, t));
        }
        // A burst of long voices: more than the pool holds.
        for j in 0..70 {
            triggers.push((6000 + j * 5, trig(2, 0.005, 0.5, 1.0 + j as f32 * 0.01)));
        }
        triggers.sort_by_key(|(f, _)| *f);
        let n = 12000;
        let render = |by_frame: bool| {
            let mut s = Sampler {
                frame_by_frame: by_frame,
                ..limited(64)
            };
            let out = run(&mut s, &[Src::Const(0.9)], 2, n, SR, &bank, &triggers);
            (out, s.take_counts())
        };
        let (want, counts) = render(true);
        let (got, _) = render(false);
        assert!(counts.steals > 0, "the test steals: {counts:?}");
        assert_same("sampler L, runs vs frames", &got[0], &want[0]);
        assert_same("sampler R, runs vs frames", &got[1], &want[1]);
    }

    /// The triggers of [`runs_equal_frame_by_frame`] (every field, steals, cuts, loops, voices
    /// ending inside segments) rendered inside a pool of 2 and of 3 workers with every segment
    /// that has more than one busy group split, runs and frame by frame: the serial output bit
    /// for bit, and blocks were split.
    #[test]
    fn groups_split_across_workers_render_the_serial_bits() {
        let mut bank = bank();
        bank.add("flat", Sample::mono(vec![0.5; 20000])); // id 2
        let mut triggers: Vec<(usize, Trigger)> = (0..90usize)
            .map(|k| {
                let t = Trigger {
                    sample: (k % 3) as u32,
                    gain: 0.01 + (k % 5) as f32 * 0.01,
                    pan: [0.5, 0.1, 0.8][k % 3],
                    speed: [1.0, 1.5, -0.75, 0.37, -2.3, 0.0004][k % 6],
                    begin: [0.0, 0.25, 0.1][k % 3],
                    dur: [None, Some(0.02), Some(0.005), None, Some(0.05)][k % 5],
                    release: [None, Some(0.004), None, Some(0.01)][k % 4],
                    looped: k % 7 == 0,
                    cut: [0, 1, 0, 2][k % 4],
                    ..Trigger::default()
                };
                (k * 31 + (k % 4) * 13, t)
            })
            .collect();
        for j in 0..70 {
            triggers.push((3000 + j * 5, trig(2, 0.005, 0.5, 1.0 + j as f32 * 0.01)));
        }
        triggers.sort_by_key(|(f, _)| *f);
        let n = 8000;
        let render = |by_frame: bool, threads: usize| {
            let mut s = Sampler {
                frame_by_frame: by_frame,
                ..limited(64)
            };
            s.pool.always_split = true;
            let w = crate::workers::Workers::new(threads, None).unwrap();
            let out = w.run(|| run(&mut s, &[Src::Const(0.9)], 2, n, SR, &bank, &triggers));
            (out, s.take_counts())
        };
        for by_frame in [false, true] {
            let (want, counts) = render(by_frame, 1);
            assert_eq!(counts.split_blocks, 0, "one thread never splits");
            assert!(counts.steals > 0, "the test steals: {counts:?}");
            for threads in [2, 3] {
                let (got, counts) = render(by_frame, threads);
                assert!(counts.split_blocks > 20, "{threads} threads: {counts:?}");
                let what = format!("{threads} threads, by frame {by_frame}");
                assert_same(&format!("L, {what}"), &got[0], &want[0]);
                assert_same(&format!("R, {what}"), &got[1], &want[1]);
            }
        }
    }

    /// The summation order the module docs give: at every frame the voices of each group of
    /// [`GROUP`] slots are added in slot order, and the groups' sums in group order. 20 voices
    /// of a constant sample take slots 0..20 (groups 0, 1 and 2), each adding 0.5 · gain
    /// exactly; the gains are such that this order rounds differently from adding all 20 in
    /// slot order, so the test tells the two apart.
    #[test]
    fn voices_are_summed_by_groups_of_slots_in_order() {
        let mut bank = SampleBank::default();
        bank.add("flat", Sample::mono(vec![0.5; 5000]));
        let gains: Vec<f32> = (0..20)
            .map(|k| 0.1 + 0.037 * k as f32 + ((k * k) % 7) as f32 * 1e-3)
            .collect();
        let triggers: Vec<(usize, Trigger)> = gains
            .iter()
            .map(|&g| {
                let t = Trigger {
                    attack: Some(0.0),
                    ..trig(0, g, 0.5, 1.0)
                };
                (0, t)
            })
            .collect();
        let out = one(&bank, 200, &triggers);
        let grouped = gains.chunks(GROUP).fold(0.0f32, |acc, group| {
            acc + group.iter().fold(0.0f32, |a, g| a + 0.5 * g)
        });
        let flat = gains.iter().fold(0.0f32, |a, g| a + 0.5 * g);
        assert_ne!(grouped.to_bits(), flat.to_bits(), "the orders round apart");
        let want = vec![grouped; 200];
        assert_same("L, grouped", &out[0], &want);
        assert_same("R, grouped", &out[1], &want);
    }

    /// The same order when a lower group starts sounding in the middle of a block: 24 voices of
    /// a constant sample take slots 0..24 at frame 0, those of group 0 (slots 0..8) held for
    /// only 100 frames; at frame 150 (inside the third block of 64) a new voice takes slot 0,
    /// so group 0 sounds again below groups 1 and 2, which sounded first in that block. Every
    /// frame is ((0 + G₀) + G₁) + G₂, checked against the sum in the other orders to show the
    /// test tells them apart.
    #[test]
    fn a_group_below_the_others_joins_the_sum_in_order() {
        let mut bank = SampleBank::default();
        bank.add("flat", Sample::mono(vec![0.5; 5000]));
        let gain = |k: usize| 0.1 + 0.037 * k as f32 + ((k * k) % 7) as f32 * 1e-3;
        let voice = |k: usize| Trigger {
            attack: Some(0.0),
            dur: (k < GROUP).then_some(100.0 / SR),
            release: Some(0.0),
            ..trig(0, gain(k), 0.5, 1.0)
        };
        let mut triggers: Vec<(usize, Trigger)> = (0..24).map(|k| (0, voice(k))).collect();
        triggers.push((150, voice(24)));
        let n = 300;
        let out = crate::kernels::testing::run_sizes(
            &mut Sampler::default(),
            &[Src::Const(1.0)],
            2,
            n,
            &[64],
            SR,
            &bank,
            &triggers,
        );
        // Group sums at frame i: voice k (slot k) sounds while it plays; voice 24 in slot 0.
        let group = |i: usize, slots: std::ops::Range<usize>| {
            slots.fold(0.0f32, |a, k| {
                let v = if k == 0 && i >= 150 {
                    0.5 * gain(24)
                } else if k < GROUP && i >= 100 {
                    return a;
                } else {
                    0.5 * gain(k)
                };
                a + v
            })
        };
        let g = |i: usize| (group(i, 0..8), group(i, 8..16), group(i, 16..24));
        let want: Vec<f32> = (0..n)
            .map(|i| {
                let (a, b, c) = g(i);
                ((0.0 + a) + b) + c
            })
            .collect();
        let apart = (150..n).any(|i| {
            let (a, b, c) = g(i);
            want[i].to_bits() != ((b + c) + a).to_bits()
        });
        assert!(apart, "another order would round apart");
        assert_same("L, a lower group joins", &out[0], &want);
        assert_same("R, a lower group joins", &out[1], &want);
    }

    /// Centre pan leaves a mono sample at unity on both channels; the ends are one-sided.
    #[test]
    fn pan_law() {
        assert_eq!(pan_gains(0.5), (1.0, 1.0));
        assert_eq!(pan_gains(0.0), (1.0, 0.0));
        assert_eq!(pan_gains(1.0), (0.0, 1.0));
        assert_eq!(pan_gains(0.75), (0.5, 1.0));
    }

    /// With a limit of 64, 70 overlapping triggers steal 70 − 64 = 6 voices.
    #[test]
    fn stealing_fades_the_oldest_and_counts() {
        let bank = bank();
        let mut s = limited(64);
        let triggers: Vec<(usize, Trigger)> =
            (0..70).map(|k| (k * 10, trig(0, 0.01, 0.5, 1.0))).collect();
        let out = run(&mut s, &[Src::Const(1.0)], 2, 2000, SR, &bank, &triggers);
        assert_eq!(s.take_counts().steals, 6);
        assert_eq!(s.take_counts().steals, 0, "counts reset after take");
        assert!(s.voices() <= 64 + FADE_SLOTS);
        assert!(out[0].iter().all(|v| v.is_finite()));
        // Fades, not cuts: 64 ramps rise by 64 · 0.01/4000 = 1.6e-4 per frame and an attack adds
        // at most 0.01 · 0.85/44 ≈ 2e-4, while cutting the oldest voice (at read position ≥ 640,
        // value ≥ 0.26 · 0.01) would jump by ≥ 2.6e-3.
        let max_step = out[0]
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(max_step < 1e-3, "max step {max_step}");
        // Unknown sample ids and speed 0 start nothing.
        let mut s = Sampler::default();
        let out = run(
            &mut s,
            &[Src::Const(1.0)],
            2,
            100,
            SR,
            &bank,
            &[(0, trig(9, 1.0, 0.5, 1.0)), (1, trig(0, 1.0, 0.5, 0.0))],
        );
        assert!(out[0].iter().all(|v| *v == 0.0));
        assert_eq!(s.take_counts().ignored, 2);
    }

    /// A sampler whose data asks for `limit` voices (through [`Kernel::configure`]).
    fn limited(limit: usize) -> Sampler {
        let mut s = Sampler::default();
        let mut data = crate::ir::NodeData::new();
        data.insert("voices".into(), crate::ir::DataValue::Num(limit as f64));
        s.configure(&data);
        s
    }

    /// Voices playing (sounding and not fading out) and sounding.
    fn census(s: &Sampler) -> (usize, usize) {
        let playing = s
            .pool
            .active
            .iter()
            .filter(|&i| s.pool.slots[i].active && !s.pool.slots[i].releasing)
            .count();
        (playing, s.pool.active.len())
    }

    /// Flat voices (sample id 2: 20000 frames of 0.5) at gain `G`, one every 8 frames: all
    /// overlap for as long as these tests run.
    const G: f32 = 1.0 / 1024.0;
    fn flat_burst(count: usize) -> Vec<(usize, Trigger)> {
        (0..count).map(|k| (k * 8, trig(2, G, 0.5, 1.0))).collect()
    }

    /// For limits 1, 3, 16, 64, 200 and 256, L + 7 overlapping triggers: after every block at
    /// most L voices play and at most L + FADE_SLOTS sound; each trigger beyond the L-th steals
    /// one (7 steals); once the 5 ms steal fades are over (221 frames after the last trigger),
    /// exactly L sound, so the flat level is L · 0.5 · G.
    #[test]
    fn a_limit_of_l_plays_at_most_l_and_steals_beyond() {
        let bank = flat_bank();
        for limit in [1usize, 3, 16, 64, 200, 256] {
            let mut s = limited(limit);
            s.prepare(SR, 64);
            assert_eq!(
                s.pool.slots.len(),
                limit + FADE_SLOTS,
                "the pool is sized at build"
            );
            let triggers = flat_burst(limit + 7);
            let last = (limit + 6) * 8;
            let (mut most_playing, mut most_sounding) = (0, 0);
            let left = drive(&mut s, &bank, last + 1000, &triggers, |s| {
                let (p, n) = census(s);
                most_playing = most_playing.max(p);
                most_sounding = most_sounding.max(n);
            });
            assert!(
                most_playing <= limit,
                "limit {limit}: {most_playing} played"
            );
            assert!(
                most_sounding <= limit + FADE_SLOTS,
                "limit {limit}: {most_sounding} sounded"
            );
            assert_eq!(s.take_counts().steals, 7, "limit {limit}");
            assert_eq!(s.voices(), limit, "limit {limit}");
            let want = limit as f32 * 0.5 * G;
            let got = left[last + 900];
            assert!(
                (got - want).abs() < want * 1e-5,
                "limit {limit}: {got} vs {want}"
            );
        }
    }

    /// Without data the limit is 128: 128 overlapping long samples all play (no steal; level
    /// 128 · 0.5 · G); the 129th steals one, so the default is exactly 128.
    #[test]
    fn the_default_plays_128_long_samples_without_stealing() {
        let bank = flat_bank();
        let mut s = Sampler::default();
        assert_eq!(s.limit(), 128);
        s.prepare(SR, 64);
        let left = drive(&mut s, &bank, 3000, &flat_burst(128), |_| {});
        assert_eq!(s.take_counts().steals, 0);
        assert_eq!(s.voices(), 128);
        let want = 128.0 * 0.5 * G;
        assert!(
            (left[2999] - want).abs() < want * 1e-5,
            "{} vs {want}",
            left[2999]
        );
        drive(&mut s, &bank, 10, &[(0, trig(2, G, 0.5, 1.0))], |_| {});
        assert_eq!(s.take_counts().steals, 1);
    }

    /// A reload to a larger limit keeps every voice in its slot: with no new trigger the new
    /// node renders exactly what the old one goes on rendering; then 20 more triggers fill the
    /// new node's room (no steal) where the old one, at its limit of 8, steals all 20.
    #[test]
    fn adopt_into_a_larger_limit_keeps_every_voice() {
        let bank = flat_bank();
        let mut old = limited(8);
        old.prepare(SR, 64);
        // Ten voices: two stolen, eight playing (the fades end within the 600 frames).
        drive(&mut old, &bank, 600, &flat_burst(10), |_| {});
        assert_eq!(old.take_counts().steals, 2);
        let mut new = limited(64);
        new.prepare(SR, 64);
        new.adopt(&mut old);
        assert_eq!(new.voices(), 8);
        let a = drive(&mut old, &bank, 500, &[], |_| {});
        let b = drive(&mut new, &bank, 500, &[], |_| {});
        assert_eq!(a, b);
        let more = flat_burst(20);
        drive(&mut old, &bank, 500, &more, |_| {});
        drive(&mut new, &bank, 500, &more, |_| {});
        assert_eq!(old.take_counts().steals, 20);
        assert_eq!(new.take_counts().steals, 0);
        assert_eq!(new.voices(), 28);
    }

    /// A reload to a smaller limit (64 → 8) with 40 voices playing: the new pool (8 + 16 slots)
    /// takes the 24 newest; the 16 oldest of those fade out as steals, so the level starts at
    /// 24 voices and ends at 8; the 8 that play on are the newest (their sum equals that of
    /// the old node's 8 newest voices alone).
    #[test]
    fn adopt_into_a_smaller_limit_carries_the_newest_that_fit() {
        let bank = flat_bank();
        let mut old = limited(64);
        old.prepare(SR, 64);
        let burst = flat_burst(40);
        drive(&mut old, &bank, 400, &burst, |_| {});
        assert_eq!(old.voices(), 40);
        let mut new = limited(8);
        new.prepare(SR, 64);
        new.adopt(&mut old);
        assert_eq!(new.take_counts().steals, 16);
        assert_eq!(census(&new), (8, 24));
        let left = drive(&mut new, &bank, 600, &[], |_| {});
        let v = 0.5 * G;
        assert!((left[0] - 24.0 * v).abs() < 1e-6, "{}", left[0]);
        assert!((left[599] - 8.0 * v).abs() < 1e-6, "{}", left[599]);
        assert_eq!(new.voices(), 8);
        let newest: Vec<u64> = serials(&new.pool);
        assert_eq!(newest, (32..40).collect::<Vec<u64>>());
    }

    fn one(bank: &SampleBank, n: usize, triggers: &[(usize, Trigger)]) -> Vec<Vec<f32>> {
        run(
            &mut Sampler::default(),
            &[Src::Const(1.0)],
            2,
            n,
            SR,
            bank,
            triggers,
        )
    }

    fn sounding(x: &[f32]) -> usize {
        x.iter().filter(|v| **v != 0.0).count()
    }

    /// `begin 0.5` reads from frame len/2 (the ramp's value there, times gain and the first
    /// attack step 1/44); `end 0.75` stops after a quarter; `speed 2` halves the length and
    /// reads every other frame.
    #[test]
    fn begin_end_and_speed() {
        let bank = bank();
        let x = |i: usize| 0.1 + i as f32 / 4000.0;
        let attack = 44.0; // round(0.001 · 44100)
        let t = Trigger {
            begin: 0.5,
            ..trig(0, 0.8, 0.5, 1.0)
        };
        let out = one(&bank, 4000, &[(0, t)]);
        assert!((out[0][0] - x(1500) * 0.8 / attack).abs() < 1e-6);
        assert!((out[0][44] - x(1544) * 0.8).abs() < 1e-6);
        assert_eq!(sounding(&out[0]), 1500);
        let t = Trigger {
            begin: 0.5,
            end: 0.75,
            ..trig(0, 1.0, 0.5, 1.0)
        };
        assert_eq!(sounding(&one(&bank, 4000, &[(0, t)])[0]), 750);
        // Clamped: begin −1 is 0, end 7 is 1; an empty slice starts nothing.
        let t = Trigger {
            begin: -1.0,
            end: 7.0,
            ..trig(0, 1.0, 0.5, 1.0)
        };
        assert_eq!(sounding(&one(&bank, 4000, &[(0, t)])[0]), 3000);
        let t = Trigger {
            begin: 0.6,
            end: 0.4,
            ..trig(0, 1.0, 0.5, 1.0)
        };
        assert_eq!(sounding(&one(&bank, 4000, &[(0, t)])[0]), 0);
        let out = one(&bank, 4000, &[(0, trig(0, 1.0, 0.5, 1.0))]);
        assert_eq!(sounding(&out[0]), 3000);
        let out2 = one(&bank, 4000, &[(0, trig(0, 1.0, 0.5, 2.0))]);
        assert_eq!(sounding(&out2[0]), 1500);
        assert!((out2[0][100] - x(200)).abs() < 1e-6);
        // Reverse from the slice's end.
        let t = Trigger {
            end: 0.5,
            ..trig(0, 1.0, 0.5, -1.0)
        };
        let out = one(&bank, 4000, &[(0, t)]);
        assert!((out[0][100] - x(1399)).abs() < 1e-6);
        assert_eq!(sounding(&out[0]), 1500);
    }

    /// A long constant sample: 0.5 everywhere.
    fn flat_bank() -> SampleBank {
        let mut b = bank();
        b.add("flat", Sample::mono(vec![0.5; 20000])); // id 2
        b
    }

    /// `cut 1`: the first voice fades linearly over 10 ms (441 frames) from the second's frame
    /// and is silent after; another group or none is left alone.
    #[test]
    fn cut_groups_choke() {
        let bank = flat_bank();
        let a = Trigger {
            cut: 1,
            ..trig(2, 1.0, 0.5, 1.0)
        };
        let b = Trigger {
            cut: 1,
            ..trig(0, 1.0, 0.5, 1.0)
        };
        let both = one(&bank, 6000, &[(0, a), (1000, b)]);
        let b_alone = one(&bank, 6000, &[(1000, b)]);
        let a_part = |k: usize| both[0][1000 + k] - b_alone[0][1000 + k];
        assert!((a_part(0) - 0.5).abs() < 1e-6);
        assert!((a_part(220) - 0.5 * 221.0 / 441.0).abs() < 1e-5);
        for k in 441..5000 {
            assert_eq!(
                both[0][1000 + k],
                b_alone[0][1000 + k],
                "frame {}",
                1000 + k
            );
        }
        for g in [0, 2] {
            let b = Trigger {
                cut: g,
                ..trig(0, 1.0, 0.5, 1.0)
            };
            let both = one(&bank, 6000, &[(0, a), (1000, b)]);
            let b_alone = one(&bank, 6000, &[(1000, b)]);
            assert!(
                (both[0][3000] - b_alone[0][3000] - 0.5).abs() < 1e-6,
                "group {g}"
            );
        }
    }

    /// `dur` 10 ms holds 441 frames, then `release` 10 ms falls linearly to 0 over 441 frames;
    /// `release` alone ends at the natural end; `attack` 10 ms rises over 441 frames.
    #[test]
    fn envelope_attack_hold_release() {
        let bank = flat_bank();
        let t = Trigger {
            dur: Some(0.01),
            release: Some(0.01),
            attack: Some(0.01),
            ..trig(2, 1.0, 0.5, 1.0)
        };
        let out = one(&bank, 3000, &[(0, t)]);
        assert!((out[0][0] - 0.5 / 441.0).abs() < 1e-7);
        assert!((out[0][219] - 0.5 * 220.0 / 441.0).abs() < 1e-6);
        assert!((out[0][440] - 0.5).abs() < 1e-7);
        assert!(
            (out[0][441] - 0.5).abs() < 1e-7,
            "release starts from the held level"
        );
        assert!((out[0][441 + 100] - 0.5 * 341.0 / 441.0).abs() < 1e-6);
        assert_eq!(sounding(&out[0]), 882);
        // Release without dur ends with the sample: 3000-frame ramp, release 441 frames.
        let t = Trigger {
            release: Some(0.01),
            ..trig(0, 1.0, 0.5, 1.0)
        };
        let out = one(&bank, 4000, &[(0, t)]);
        assert_eq!(sounding(&out[0]), 3000);
        let x = |i: usize| 0.1 + i as f32 / 4000.0;
        assert!((out[0][2999] - x(2999) / 441.0).abs() < 1e-6);
        assert!((out[0][2558] - x(2558) * 1.0).abs() < 1e-6);
        // Dur without release: the default RELEASE_SECONDS fade.
        let t = Trigger {
            dur: Some(0.01),
            ..trig(2, 1.0, 0.5, 1.0)
        };
        let fade = (RELEASE_SECONDS * SR).round() as usize;
        assert_eq!(sounding(&one(&bank, 3000, &[(0, t)])[0]), 441 + fade);
    }

    /// `loop` with `dur` repeats the slice until the hold and release end; without `dur` it plays once.
    #[test]
    fn loop_repeats_the_slice_while_held() {
        let mut bank = SampleBank::default();
        bank.add(
            "short",
            Sample::mono((0..100).map(|i| 1.0 + i as f32).collect()),
        );
        let t = Trigger {
            looped: true,
            dur: Some(0.05),
            release: Some(0.0),
            ..trig(0, 1.0, 0.5, 1.0)
        };
        let out = one(&bank, 4000, &[(0, t)]);
        assert_eq!(sounding(&out[0]), 2205);
        assert!((out[0][150] - 51.0).abs() < 1e-5);
        assert!((out[0][2204] - 5.0).abs() < 1e-5);
        let t = Trigger {
            looped: true,
            ..trig(0, 1.0, 0.5, 1.0)
        };
        assert_eq!(sounding(&one(&bank, 4000, &[(0, t)])[0]), 100);
    }
}

/// Per-voice cost, printed (not asserted): `cargo test --release -p phonon-core --lib
/// voice::sample::bench -- --ignored --nocapture`.
#[cfg(test)]
mod bench {
    use super::*;
    use crate::kernels::Input;
    use crate::samples::SampleBank;
    use crate::voice::pool::testing::{self, best, SR};

    /// ns per block and mean voices sounding over `blocks` blocks of `block` frames, with
    /// `voices` started at frame 0 and then a trigger every `every` frames (0: none), least of
    /// 7 runs.
    fn time(voices: usize, speed: f32, every: usize, blocks: usize, block: usize) -> (f64, f64) {
        let mut bank = SampleBank::default();
        bank.add(
            "long",
            Sample::mono((0..2_000_000).map(|i| (i as f32 * 0.001).sin()).collect()),
        );
        let t = Trigger {
            sample: 0,
            speed,
            ..Trigger::default()
        };
        let gain = [PortIn::mono(Input::Const(1.0))];
        best(7, || {
            let mut s = Sampler::default();
            s.prepare(SR, block);
            testing::time(&mut s, &bank, block, (10, blocks), &gain, |b, s, ctx| {
                if b == 0 {
                    for _ in 0..voices {
                        s.trigger(ctx, 0, &t);
                    }
                } else if every > 0 {
                    for at in (0..block).step_by(every) {
                        s.trigger(ctx, at, &t);
                    }
                }
            })
        })
    }

    /// The cost per voice per block is a fixed part (the dispatch: finding the sample, the
    /// run bounds, the loop set-up) plus a part per frame; blocks of 64 and 512 frames give
    /// both (fixed = (8·c64 − c512)/7).
    #[test]
    #[ignore]
    fn per_voice_cost() {
        let (ns, _) = time(0, 1.0, 0, 4000, 512);
        println!(
            "idle sampler ({} slots): {ns:.0} ns per block",
            DEFAULT_VOICES + FADE_SLOTS
        );
        for speed in [1.0, 1.37] {
            for every in [0, 128] {
                let (c512, v) = time(64, speed, every, 1000, 512);
                let (c64, _) = time(64, speed, every / 8, 8000, 64);
                let (c512, c64) = (c512 / v, c64 / v);
                println!(
                    "{v:.0} voices at speed {speed}, {}: {c512:.0} ns per voice per 512-frame block, of which fixed {:.0} ns, per frame {:.2} ns",
                    if every == 0 { "no triggers" } else { "4 triggers per block (steals)" },
                    (8.0 * c64 - c512) / 7.0,
                    (c512 - c64) / 448.0
                );
            }
        }
    }
}
