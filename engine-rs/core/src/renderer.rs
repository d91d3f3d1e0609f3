//! The Renderer: the render thread's half of the engine — current program, pending events, program swaps with state carry-over and crossfade, master, meters.
//!
//! Everything here runs on the render thread (or, offline, on the one thread that owns the
//! [`crate::Engine`]) and never allocates, locks, logs, reads the environment or does I/O.
//! Programs arrive as a [`Swap`] built on the control thread; what the renderer lets go of
//! (the previous program, the emptied swap) comes back out as [`Retired`] to be dropped
//! elsewhere.

use std::f32::consts::FRAC_PI_2;
use std::sync::Arc;
use std::time::Instant;

use crate::events::{Action, Event, EventQueue, QUEUE_CAPACITY};
use crate::executor::Constants;
use crate::executor::{Executor, Pick};
use crate::ir::LaneKind;
use crate::kernels::Context;
use crate::limiter::Limiter;
use crate::samples::SampleBank;
use crate::stats::{Meter, Stats};

/// Length of the equal-power crossfade when a reload changes an output's structure.
pub const CROSSFADE_SECONDS: f32 = 0.015;
/// Length of the fade when hushing or unhushing.
const HUSH_SECONDS: f32 = 0.01;

/// New constants for the running program, when a reload changed nothing but numbers.
pub struct Patch {
    /// Every node's constants, by slot (the same slots as the running plan).
    pub constants: Constants,
    /// Cycles per second.
    pub cps: f64,
    /// The structure it applies to: a patch for another plan is ignored.
    pub structure: u64,
}

/// A new program, built on the control thread, on its way to the renderer.
pub struct Swap {
    /// The new program; taken out by [`Renderer::swap`].
    pub exec: Option<Box<Executor>>,
    /// Or, when only constants changed, the running program's new constants.
    pub patch: Option<Patch>,
    /// Nodes with equal keys, `(new slot, old slot, held)`, sorted by new slot: their state
    /// moves to the new program; `held` ones an output fading out of the old program still
    /// reads, from the new program during the fade (see [`Executor::take_state`]).
    pub transfer: Vec<(usize, usize, bool)>,
    /// Lanes of equal nodes and roles, `(new lane, old lane)`: the new lane starts from the
    /// old one's held value.
    pub lanes: Vec<(usize, usize)>,
    /// Whether an output changed structurally, so something fades: the old program's
    /// `fade_out` outputs fade out under the new one, whose `fade_in` outputs fade in; every
    /// other output plays on from moved state.
    pub crossfade: bool,
    /// Old outputs that fade out (bit i of word i / 64: output i).
    pub fade_out: Vec<u64>,
    /// New outputs that fade in.
    pub fade_in: Vec<u64>,
    /// The frame from which the new program plays (0: at once). `live` holds the swap, and the
    /// commands after it, until the render thread reaches this frame, so the program starts on
    /// the frame its clock was computed for.
    pub start: u64,
}

/// What the renderer let go of, to be dropped off the render thread.
#[derive(Default)]
pub struct Retired {
    /// The emptied swap (its transfer list is freed where it is dropped).
    pub swap: Option<Box<Swap>>,
    /// Programs no longer rendered.
    pub execs: [Option<Box<Executor>>; 2],
    /// A sample bank replaced by a newer one.
    pub bank: Option<Arc<SampleBank>>,
}

impl Retired {
    /// Whether there is nothing to drop.
    pub fn is_empty(&self) -> bool {
        self.swap.is_none() && self.execs.iter().all(Option::is_none) && self.bank.is_none()
    }
}

/// The render thread's state.
pub struct Renderer {
    sample_rate: u32,
    block_size: usize,
    bank: Arc<SampleBank>,
    exec: Option<Box<Executor>>,
    /// The previous program while it fades out.
    old: Option<Box<Executor>>,
    fade_done: usize,
    fade_len: usize,
    /// During a crossfade: the old program's fading outputs (0, 1) and the new program's (2, 3).
    scratch: [Vec<f32>; 4],
    /// The outputs fading out (of `old`) and in (of `exec`), taken from the [`Swap`].
    fade_out: Vec<u64>,
    fade_in: Vec<u64>,
    /// During a crossfade, `(new slot, old slot, true)` of the nodes `old` reads from `exec`
    /// ([`Executor::take_state`]: their kernels moved to `exec`); the [`Swap`]'s transfer list,
    /// kept to its mirrored entries in place.
    mirror: Vec<(usize, usize, bool)>,
    /// A program that finished fading out, waiting to be collected with [`Renderer::take_retired`].
    faded: Option<Box<Executor>>,
    queue: EventQueue,
    limiter: Limiter,
    meter: Meter,
    frame: u64,
    /// Events for frames before this belong to time the previous program already played.
    discard_before: u64,
    /// Master gain target (0 when hushed) and current value.
    hush_target: f32,
    hush_gain: f32,
    hush_step: f32,
    swaps: u64,
    patches: u64,
    crossfades: u64,
    superseded: u64,
    /// Time the render thread spent in the last swap and the longest, ns.
    swap_ns_last: u64,
    swap_ns_max: u64,
}

impl Renderer {
    /// A renderer with no program (it renders silence). Control thread (allocates).
    pub fn new(sample_rate: u32, block_size: usize, bank: Arc<SampleBank>) -> Renderer {
        let sr = sample_rate as f32;
        Renderer {
            sample_rate,
            block_size,
            bank,
            exec: None,
            old: None,
            fade_done: 0,
            fade_len: ((CROSSFADE_SECONDS * sr).round() as usize).max(1),
            scratch: std::array::from_fn(|_| vec![0.0; block_size]),
            fade_out: Vec::new(),
            fade_in: Vec::new(),
            mirror: Vec::new(),
            faded: None,
            queue: EventQueue::with_capacity(QUEUE_CAPACITY),
            limiter: Limiter::new(sr),
            meter: Meter::with_rate(sr),
            frame: 0,
            discard_before: 0,
            hush_target: 1.0,
            hush_gain: 1.0,
            hush_step: 1.0 / (HUSH_SECONDS * sr).max(1.0),
            swaps: 0,
            patches: 0,
            crossfades: 0,
            superseded: 0,
            swap_ns_last: 0,
            swap_ns_max: 0,
        }
    }

    /// Frames per second.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Largest block.
    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// The sample bank the program plays from.
    pub fn bank(&self) -> &Arc<SampleBank> {
        &self.bank
    }

    /// Replaces the bank and returns the old one (to be dropped off the render thread). Control
    /// thread (offline) or render thread (live, a new snapshot from the sample loader: a
    /// pointer swap).
    pub fn set_bank(&mut self, bank: Arc<SampleBank>) -> Arc<SampleBank> {
        std::mem::replace(&mut self.bank, bank)
    }

    /// The program now playing.
    pub fn exec(&self) -> Option<&Executor> {
        self.exec.as_deref()
    }

    /// Programs swapped in so far.
    pub fn swaps(&self) -> u64 {
        self.swaps
    }

    /// Frames rendered (the absolute frame of the next block).
    pub fn frame(&self) -> u64 {
        self.frame
    }

    /// Makes `swap`'s program current at the next block boundary: state of nodes with equal
    /// keys is carried over, pending events of the old program are dropped, and events that
    /// arrive later for frames already rendered are discarded (the old program played them).
    /// With `crossfade`, the old program keeps rendering under the new one for
    /// [`CROSSFADE_SECONDS`] with an equal-power fade. Render thread: no allocation.
    pub fn swap(&mut self, swap: Box<Swap>) -> Retired {
        let started = Instant::now();
        let retired = self.take_swap(swap);
        let ns = started.elapsed().as_nanos() as u64;
        self.swap_ns_last = ns;
        self.swap_ns_max = self.swap_ns_max.max(ns);
        retired
    }

    /// [`Renderer::swap`] without its timing.
    fn take_swap(&mut self, mut swap: Box<Swap>) -> Retired {
        let mut retired = Retired::default();
        let Some(mut new) = swap.exec.take() else {
            if let (Some(patch), Some(exec)) = (&swap.patch, &mut self.exec) {
                if exec.structure != patch.structure {
                    retired.swap = Some(swap);
                    return retired;
                }
                exec.patch(&patch.constants, patch.cps);
                // Same structure, same lanes: only the falls that end held gates stay (see
                // below).
                let lanes = &exec.plan().lanes;
                self.queue.retain_mut(|ev| {
                    matches!(ev.action, Action::Set(_))
                        && lanes
                            .get(ev.lane as usize)
                            .is_some_and(|l| l.kind == LaneKind::Gate)
                });
                self.discard_before = self.frame;
                self.swaps += 1;
                self.patches += 1;
            }
            retired.swap = Some(swap);
            return retired;
        };
        if let Some(cur) = &mut self.exec {
            // Every node of the same key moves its kernel into the new program. With a
            // crossfade the old program sounds on for the fade: the nodes its fading outputs
            // share with the new program it reads from there (mirrored), the rest it renders
            // itself.
            new.take_state(cur, &mut swap.transfer, &swap.lanes);
            // A gate lane carries its held value into the new program, so the fall to 0 that
            // ends the note it holds must carry over too, or the gate would stick until the
            // lane's next event. Those falls are the queue's `Set`s on gate lanes (the
            // scheduler sends gates as `Gate`); they move to the new lane. The rest of the
            // queue was the old program's and goes.
            let old_lanes = &cur.plan().lanes;
            self.queue.retain_mut(|ev| {
                let old = ev.lane as usize;
                let fall = matches!(ev.action, Action::Set(_))
                    && old_lanes.get(old).is_some_and(|l| l.kind == LaneKind::Gate);
                match swap.lanes.iter().find(|&&(_, o)| o == old) {
                    Some(&(n, _)) if fall => {
                        ev.lane = n as u32;
                        true
                    }
                    _ => false,
                }
            });
        } else {
            self.queue.clear();
        }
        let prev = self.exec.replace(new);
        match prev {
            Some(prev) if swap.crossfade => {
                // A fade still running is cut short: its program retires now.
                retired.execs[0] = self.old.replace(prev);
                self.fade_done = 0;
                // The masks and the mirrored nodes change hands (the old ones leave with the
                // swap): no allocation.
                std::mem::swap(&mut self.fade_out, &mut swap.fade_out);
                std::mem::swap(&mut self.fade_in, &mut swap.fade_in);
                swap.transfer.retain(|t| t.2);
                std::mem::swap(&mut self.mirror, &mut swap.transfer);
                self.crossfades += 1;
            }
            prev => {
                retired.execs[0] = prev;
                retired.execs[1] = self.old.take();
                self.mirror.clear();
            }
        }
        self.discard_before = self.frame;
        self.swaps += 1;
        retired.swap = Some(swap);
        retired
    }

    /// A program that finished fading out, to be dropped off the render thread.
    pub fn take_retired(&mut self) -> Option<Box<Executor>> {
        self.faded.take()
    }

    /// Faults in the pending-event queue's storage ([`EventQueue::make_resident`]): `live` calls
    /// it before its render thread starts, so the queue never grows the process while playing.
    /// Control thread.
    pub fn make_resident(&mut self) {
        self.queue.make_resident();
    }

    /// Queues one decoded event. Returns false if it was dropped (queue full, or superseded by a
    /// swap). Render thread (live) or the owning thread (offline).
    pub fn queue_event(&mut self, event: Event) -> bool {
        if event.frame < self.discard_before {
            self.superseded += 1;
            return false;
        }
        if self.queue.push(event) {
            true
        } else {
            self.meter.dropped += 1;
            false
        }
    }

    /// Free room in the pending-event queue.
    pub fn queue_free(&self) -> usize {
        self.queue.free()
    }

    /// Fades the master out (`true`) or back in. Render thread.
    pub fn hush(&mut self, on: bool) {
        self.hush_target = if on { 0.0 } else { 1.0 };
    }

    /// Renders `min(left.len(), right.len())` frames in blocks of at most `block_size` (the rest
    /// of the longer slice is zeroed). Each block: due events are applied at their frames (late
    /// ones at the block start, counted), the stages run, the outputs are summed at unity, a
    /// fading program is mixed under, and the master flushes non-finite samples and limits. The
    /// result does not depend on how the frames are split into calls. Render thread: no
    /// allocation, lock, log or I/O.
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let total = left.len().min(right.len());
        left[total..].fill(0.0);
        right[total..].fill(0.0);
        let mut done = 0;
        while done < total {
            let n = (total - done).min(self.block_size);
            let started = Instant::now();
            let l = &mut left[done..done + n];
            let r = &mut right[done..done + n];
            crate::workers::block_started();
            self.block(l, r);
            crate::workers::block_ended();
            let nanos = started.elapsed().as_nanos() as u64;
            self.meter.block(l, r, nanos);
            self.frame += n as u64;
            done += n;
        }
    }

    /// One block of `l.len()` frames.
    fn block(&mut self, l: &mut [f32], r: &mut [f32]) {
        let n = l.len();
        l.fill(0.0);
        r.fill(0.0);
        let start = self.frame;
        let end = start + n as u64;
        let ctx = Context {
            sample_rate: self.sample_rate as f32,
            frames: n,
            bank: &self.bank,
            lanes: &[],
        };
        if let Some(exec) = &mut self.exec {
            let timed = exec.profiling().then(Instant::now);
            while let Some(ev) = self.queue.pop_before(end) {
                let offset = if ev.frame < start {
                    self.meter.late += 1;
                    0
                } else {
                    (ev.frame - start) as usize
                };
                if let Action::Gate(value, len) = ev.action {
                    // The value holds for `len` frames but falls to 0 on the last of them, so
                    // that back-to-back notes still give envelopes a rising edge to retrigger on.
                    let set = Event {
                        action: Action::Set(value),
                        ..ev
                    };
                    exec.apply(&ctx, &set, offset);
                    let off = start.max(ev.frame) + len.saturating_sub(1).max(1);
                    if !self.queue.push(Event {
                        frame: off,
                        lane: ev.lane,
                        action: Action::Set(0.0),
                    }) {
                        self.meter.dropped += 1;
                    }
                } else {
                    exec.apply(&ctx, &ev, offset);
                }
            }
            if let Some(t) = timed {
                exec.profile_events(t.elapsed().as_nanos() as u64);
            }
            exec.run(&ctx);
            match &self.old {
                // Outputs fading in are mixed apart (below); the rest at once.
                Some(_) => exec.mix_into(l, r, Pick::NotIn(&self.fade_in)),
                None => exec.mix_into(l, r, Pick::All),
            }
            let counts = exec.take_counts();
            self.meter.steals += counts.kernels.steals;
            self.meter.voice_splits += counts.kernels.split_blocks;
            self.meter.ignored += counts.kernels.ignored;
            self.meter.faults += counts.faults;
            if let Some(id) = counts.fault_node {
                self.meter.fault_node = id as i64;
            }
            self.meter.voices = exec.voices();
            self.meter.voices_peak = self.meter.voices_peak.max(self.meter.voices);
        } else {
            // Nothing to apply them to: due events are discarded as late.
            while self.queue.pop_before(end).is_some() {
                self.meter.late += 1;
            }
        }
        if let Some(old) = &mut self.old {
            let [sl, sr, nl, nr] = &mut self.scratch;
            let (sl, sr, nl, nr) = (&mut sl[..n], &mut sr[..n], &mut nl[..n], &mut nr[..n]);
            for b in [&mut *sl, &mut *sr, &mut *nl, &mut *nr] {
                b.fill(0.0);
            }
            // The nodes it shares with the new program (moved there) first: their output
            // from the new program, which has run.
            if let Some(exec) = &self.exec {
                exec.mirror_into(old, &self.mirror, n);
            }
            old.run(&ctx);
            old.mix_into(sl, sr, Pick::In(&self.fade_out));
            if let Some(exec) = &self.exec {
                exec.mix_into(nl, nr, Pick::In(&self.fade_in));
            }
            let len = self.fade_len as f32;
            for i in 0..n {
                // Exactly 0 and 1 once the fade is over (cos(π/2) in f32 is not 0).
                let (g_old, g_new) = if self.fade_done + i >= self.fade_len {
                    (0.0, 1.0)
                } else {
                    let t = (self.fade_done + i) as f32 / len * FRAC_PI_2;
                    (t.cos(), t.sin())
                };
                l[i] += nl[i] * g_new + sl[i] * g_old;
                r[i] += nr[i] * g_new + sr[i] * g_old;
            }
            self.fade_done += n;
            if self.fade_done >= self.fade_len {
                self.faded = self.old.take();
                self.mirror.clear();
            }
        }
        if self.hush_gain != 1.0 || self.hush_target != 1.0 {
            for i in 0..n {
                let g = self.hush_gain;
                l[i] *= g;
                r[i] *= g;
                self.hush_gain = if g < self.hush_target {
                    (g + self.hush_step).min(self.hush_target)
                } else {
                    (g - self.hush_step).max(self.hush_target)
                };
            }
        }
        self.limiter.process(l, r);
    }

    /// A snapshot of the statistics. Any thread that owns the renderer.
    pub fn stats(&self) -> Stats {
        let m = &self.meter;
        let rms = |c: usize| {
            if m.frames == 0 {
                0.0
            } else {
                (m.sum_sq[c] / m.frames as f64).sqrt()
            }
        };
        Stats {
            sample_rate: self.sample_rate,
            block_size: self.block_size,
            cps: self.exec.as_ref().map(|e| e.plan().cps).unwrap_or(0.5),
            frames: m.frames,
            blocks: m.blocks,
            peak_left: m.peak[0],
            peak_right: m.peak[1],
            rms_left: rms(0),
            rms_right: rms(1),
            block_us_p50: m.block_us(0.5),
            block_us_p99: m.block_us(0.99),
            block_us_max: m.block_max_us(),
            late_events: m.late,
            dropped_events: m.dropped,
            ignored_events: m.ignored,
            superseded_events: self.superseded,
            over_budget_blocks: m.over_budget,
            meter_peak_left: m.level_peak[0],
            meter_peak_right: m.level_peak[1],
            meter_rms_left: m.level_ms[0].sqrt(),
            meter_rms_right: m.level_ms[1].sqrt(),
            pending_events: self.queue.len(),
            voices: m.voices,
            voices_peak: m.voices_peak,
            voice_steals: m.steals,
            voice_splits: m.voice_splits,
            limiter_frames: self.limiter.limited_frames,
            limiter_min_gain: self.limiter.min_gain,
            nonfinite: self.limiter.nonfinite,
            faults: m.faults,
            fault_node: m.fault_node,
            swaps: self.swaps,
            patches: self.patches,
            crossfades: self.crossfades,
            swap_us_last: self.swap_ns_last as f64 / 1000.0,
            swap_us_max: self.swap_ns_max as f64 / 1000.0,
        }
    }
}
