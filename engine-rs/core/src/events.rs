//! Event batches from TypeScript: decoding and validation, and the preallocated pending queue ordered by frame.
//!
//! A batch is a flat `f64` array of records `[frame, kind, lane, nfields, code0, value0, ...]`:
//! - `frame`: absolute frame since the engine started (a non-negative integer).
//! - `kind`: [`KIND_TRIGGER`] (start a voice on the lane's node), [`KIND_SET`] (set a param
//!   lane's value from `frame` on) or [`KIND_GATE`] (set a gate lane's value for a length of
//!   frames, then 0).
//! - `lane`: a lane id of the loaded graph, of the matching lane kind.
//! - `nfields` (0..=[`MAX_FIELDS`]) pairs of (code, value).
//!
//! Trigger field codes: [`code::SAMPLE`] (sample id from `Engine::sample_id`; samplers need it,
//! synth voices have none), [`code::GAIN`] (linear, default 1, clamped 0..16), [`code::PAN`] (0
//! left .. 1 right, default 0.5, clamped), [`code::SPEED`] (playback rate, default 1, negative
//! plays backwards from the end, clamped to ±64; 0 starts nothing), [`code::FREQ`] (Hz),
//! [`code::RATIO`], [`code::ATTACK`], [`code::DECAY`], [`code::SUSTAIN`], [`code::RELEASE`],
//! [`code::DUR`] (seconds; absent when not given), [`code::BEGIN`], [`code::END`] (0..1 slice),
//! [`code::CUT`] (group, 0 = none), [`code::LOOP`], [`code::UNIT`]. Set field: [`code::VALUE`].
//! Gate fields: [`code::VALUE`] and [`code::LENGTH`] (frames). Unknown codes are ignored. Every
//! value must be finite.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// What a lane drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LaneKind {
    /// Starts voices on a node that takes triggers.
    Trigger,
    /// Steps a param of a node.
    Param,
    /// Holds a param at an event's value for its length, then 0 (envelope gates).
    Gate,
}

impl LaneKind {
    /// The kind's name in GraphIR.
    pub fn name(self) -> &'static str {
        match self {
            LaneKind::Trigger => "trigger",
            LaneKind::Param => "param",
            LaneKind::Gate => "gate",
        }
    }
}

/// `kind` of a trigger record.
pub const KIND_TRIGGER: u32 = 0;
/// `kind` of a set record.
pub const KIND_SET: u32 = 1;
/// `kind` of a gate record.
pub const KIND_GATE: u32 = 2;
/// The most (code, value) pairs in one record.
pub const MAX_FIELDS: usize = 16;
/// Pending events the engine holds before it starts dropping (and counting) new ones.
pub const QUEUE_CAPACITY: usize = 1 << 16;

/// Field codes.
pub mod code {
    /// Trigger: sample id.
    pub const SAMPLE: u32 = 0;
    /// Trigger: linear gain.
    pub const GAIN: u32 = 1;
    /// Trigger: pan, 0..1.
    pub const PAN: u32 = 2;
    /// Trigger: playback speed.
    pub const SPEED: u32 = 3;
    /// Trigger: pitch in Hz (synth voices).
    pub const FREQ: u32 = 4;
    /// Trigger: pitch ratio (synth voices).
    pub const RATIO: u32 = 5;
    /// Trigger: envelope attack, s.
    pub const ATTACK: u32 = 6;
    /// Trigger: envelope decay, s.
    pub const DECAY: u32 = 7;
    /// Trigger: envelope sustain level.
    pub const SUSTAIN: u32 = 8;
    /// Trigger: envelope release, s.
    pub const RELEASE: u32 = 9;
    /// Trigger: how long the voice is held before its release, s.
    pub const DUR: u32 = 10;
    /// Trigger: slice start, 0..1.
    pub const BEGIN: u32 = 11;
    /// Trigger: slice end, 0..1.
    pub const END: u32 = 12;
    /// Trigger: cut group (0 = none).
    pub const CUT: u32 = 13;
    /// Trigger: loop the sample (1).
    pub const LOOP: u32 = 14;
    /// Trigger: speed unit (0 rate, 1 cycles).
    pub const UNIT: u32 = 15;
    /// Trigger: the tempo in cycles per second (for unit 1).
    pub const CPS: u32 = 16;
    /// Set and gate: the new value.
    pub const VALUE: u32 = 0;
    /// Gate: length in frames.
    pub const LENGTH: u32 = 1;
}

/// Sample id of a trigger that names no sample (synth voices).
pub const NO_SAMPLE: u32 = u32::MAX;

/// A decoded trigger: what a sampler or synth voice needs. Optional times and pitches are `None`
/// when the event did not give them (the node's defaults apply).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trigger {
    /// Sample id in the bank, or [`NO_SAMPLE`].
    pub sample: u32,
    /// Linear gain, 0..16.
    pub gain: f32,
    /// 0 = left, 0.5 = centre, 1 = right.
    pub pan: f32,
    /// Playback rate; negative plays backwards.
    pub speed: f32,
    /// Pitch, Hz, when the event gives it.
    pub freq: Option<f32>,
    /// Pitch ratio, when the event gives it.
    pub ratio: Option<f32>,
    /// Envelope attack, s, when the event gives it.
    pub attack: Option<f32>,
    /// Envelope decay, s, when the event gives it.
    pub decay: Option<f32>,
    /// Envelope sustain level, when the event gives it.
    pub sustain: Option<f32>,
    /// Envelope release, s, when the event gives it.
    pub release: Option<f32>,
    /// Held time before the release, s, when the event gives it.
    pub dur: Option<f32>,
    /// Slice start, 0..1.
    pub begin: f32,
    /// Slice end, 0..1.
    pub end: f32,
    /// Cut group, 0 = none.
    pub cut: u32,
    /// Loop the slice while held.
    pub looped: bool,
    /// Speed in cycles rather than rate.
    pub unit_cycles: bool,
    /// The tempo, cycles per second (sent with `unit_cycles`).
    pub cps: Option<f32>,
}

impl Default for Trigger {
    fn default() -> Trigger {
        Trigger {
            sample: NO_SAMPLE,
            gain: 1.0,
            pan: 0.5,
            speed: 1.0,
            freq: None,
            ratio: None,
            attack: None,
            decay: None,
            sustain: None,
            release: None,
            dur: None,
            begin: 0.0,
            end: 1.0,
            cut: 0,
            looped: false,
            unit_cycles: false,
            cps: None,
        }
    }
}

/// What an event does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action {
    /// Start a voice on the lane's node.
    Trigger(Trigger),
    /// Set the lane's value.
    Set(f32),
    /// Set a gate lane's value for `len` frames, then 0.
    Gate(f32, u64),
}

/// One decoded event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    /// Absolute frame.
    pub frame: u64,
    /// Lane id.
    pub lane: u32,
    /// What to do.
    pub action: Action,
}

/// What the decoder needs to know about the loaded graph and bank.
pub trait Target {
    /// The kind of lane `id`, or `None` when there is no such lane.
    fn lane_kind(&self, id: u32) -> Option<LaneKind>;
    /// How many samples the bank holds (valid ids are below it).
    fn sample_count(&self) -> usize;
}

fn integral(x: f64, what: &str, at: usize, max: f64) -> Result<u64, String> {
    if !x.is_finite() || x < 0.0 || x.fract() != 0.0 || x > max {
        return Err(format!(
            "record at index {at}: {what} must be an integer in 0..={max}, got {x}"
        ));
    }
    Ok(x as u64)
}

/// Decodes and validates `batch`, calling `each` for every event in order. Stops at the first
/// error, so callers that must not apply a partial batch run it once with a no-op `each` first.
/// Does not allocate unless it fails.
pub fn decode(
    batch: &[f64],
    target: &dyn Target,
    mut each: impl FnMut(Event),
) -> Result<usize, String> {
    let mut i = 0;
    let mut count = 0;
    while i < batch.len() {
        let at = i;
        if batch.len() - i < 4 {
            return Err(format!(
                "record at index {at}: truncated header (needs 4 numbers, {} left)",
                batch.len() - i
            ));
        }
        let frame = integral(batch[i], "frame", at, 9_007_199_254_740_992.0)?;
        let kind = integral(batch[i + 1], "kind", at, 2.0)? as u32;
        let lane = integral(batch[i + 2], "lane", at, u32::MAX as f64)? as u32;
        let nfields = integral(batch[i + 3], "nfields", at, MAX_FIELDS as f64)? as usize;
        i += 4;
        if batch.len() - i < 2 * nfields {
            return Err(format!(
                "record at index {at}: {nfields} fields announced but only {} numbers left",
                batch.len() - i
            ));
        }
        let fields = &batch[i..i + 2 * nfields];
        i += 2 * nfields;
        let lane_kind = target.lane_kind(lane).ok_or_else(|| {
            format!("record at index {at} (frame {frame}): lane {lane} does not exist in the loaded graph")
        })?;
        let mut sample = None;
        let mut t = Trigger::default();
        let (mut value, mut length) = (None, None);
        for f in fields.chunks_exact(2) {
            let c = integral(f[0], "field code", at, u32::MAX as f64)? as u32;
            let v = f[1];
            if !v.is_finite() {
                return Err(format!(
                    "record at index {at} (frame {frame}, lane {lane}): field {c} is {v}; values must be finite"
                ));
            }
            match (kind, c) {
                (KIND_TRIGGER, code::SAMPLE) => sample = Some(v),
                (KIND_TRIGGER, code::GAIN) => t.gain = (v as f32).clamp(0.0, 16.0),
                (KIND_TRIGGER, code::PAN) => t.pan = (v as f32).clamp(0.0, 1.0),
                (KIND_TRIGGER, code::SPEED) => t.speed = (v as f32).clamp(-64.0, 64.0),
                (KIND_TRIGGER, code::FREQ) => t.freq = Some((v as f32).clamp(0.0, 100_000.0)),
                (KIND_TRIGGER, code::RATIO) => t.ratio = Some((v as f32).clamp(0.0, 1024.0)),
                (KIND_TRIGGER, code::ATTACK) => t.attack = Some((v as f32).clamp(0.0, 60.0)),
                (KIND_TRIGGER, code::DECAY) => t.decay = Some((v as f32).clamp(0.0, 60.0)),
                (KIND_TRIGGER, code::SUSTAIN) => t.sustain = Some((v as f32).clamp(0.0, 1.0)),
                (KIND_TRIGGER, code::RELEASE) => t.release = Some((v as f32).clamp(0.0, 60.0)),
                (KIND_TRIGGER, code::DUR) => t.dur = Some((v as f32).clamp(0.0, 3600.0)),
                (KIND_TRIGGER, code::BEGIN) => t.begin = (v as f32).clamp(0.0, 1.0),
                (KIND_TRIGGER, code::END) => t.end = (v as f32).clamp(0.0, 1.0),
                (KIND_TRIGGER, code::CUT) => t.cut = v.clamp(0.0, u32::MAX as f64) as u32,
                (KIND_TRIGGER, code::LOOP) => t.looped = v > 0.0,
                (KIND_TRIGGER, code::UNIT) => t.unit_cycles = v > 0.0,
                (KIND_TRIGGER, code::CPS) => t.cps = Some((v as f32).clamp(0.001, 1000.0)),
                (KIND_SET | KIND_GATE, code::VALUE) => value = Some(v as f32),
                (KIND_GATE, code::LENGTH) => length = Some(v),
                _ => {}
            }
        }
        let action = if kind == KIND_TRIGGER {
            if lane_kind != LaneKind::Trigger {
                return Err(format!(
                    "record at index {at} (frame {frame}): a trigger on lane {lane}, which is a {} lane",
                    lane_kind.name()
                ));
            }
            if let Some(s) = sample {
                let count = target.sample_count();
                if s < 0.0 || s.fract() != 0.0 || s >= count as f64 {
                    return Err(format!(
                        "record at index {at} (frame {frame}, lane {lane}): sample id {s} is not one of the bank's {count} samples"
                    ));
                }
                t.sample = s as u32;
            }
            Action::Trigger(t)
        } else {
            let want = if kind == KIND_SET {
                LaneKind::Param
            } else {
                LaneKind::Gate
            };
            if lane_kind != want {
                return Err(format!(
                    "record at index {at} (frame {frame}): a {} on lane {lane}, which is a {} lane",
                    if kind == KIND_SET { "set" } else { "gate" },
                    lane_kind.name()
                ));
            }
            let v = value.ok_or_else(|| {
                let what = if kind == KIND_SET { "set" } else { "gate" };
                format!("record at index {at} (frame {frame}, lane {lane}): {what} without a value (code 0)")
            })?;
            if kind == KIND_SET {
                Action::Set(v)
            } else {
                let len = length.ok_or_else(|| {
                    format!("record at index {at} (frame {frame}, lane {lane}): gate without a length (code 1)")
                })?;
                Action::Gate(
                    v,
                    integral(len, "gate length", at, 9_007_199_254_740_992.0)?,
                )
            }
        };
        each(Event {
            frame,
            lane,
            action,
        });
        count += 1;
    }
    Ok(count)
}

/// A queued event with its arrival number, so equal frames keep arrival order.
#[derive(Clone, Copy, Debug)]
struct Queued {
    event: Event,
    seq: u64,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Queued {
    /// Reversed, so that the max-heap pops the earliest frame (then the earliest arrival) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.event.frame, other.seq).cmp(&(self.event.frame, self.seq))
    }
}

/// Pending events ordered by frame, with a fixed capacity: pushing and popping never allocate.
#[derive(Debug)]
pub struct EventQueue {
    heap: BinaryHeap<Queued>,
    capacity: usize,
    seq: u64,
}

impl EventQueue {
    /// A queue holding up to `capacity` events, allocated now.
    pub fn with_capacity(capacity: usize) -> EventQueue {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            capacity,
            seq: 0,
        }
    }

    /// Adds an event; `false` (and nothing added) when full.
    pub fn push(&mut self, event: Event) -> bool {
        if self.heap.len() >= self.capacity {
            return false;
        }
        self.heap.push(Queued {
            event,
            seq: self.seq,
        });
        self.seq += 1;
        true
    }

    /// Writes every slot of the queue's storage once and empties it again, so that its pages
    /// are resident before the render thread pushes: otherwise each new high-water mark of
    /// pending events faults a page in on the render thread. Control thread, before rendering
    /// (allocates nothing: the storage is the one made by `with_capacity`).
    pub fn make_resident(&mut self) {
        let mut slots = std::mem::take(&mut self.heap).into_vec();
        slots.clear();
        let blank = Queued {
            event: Event {
                frame: 0,
                lane: 0,
                action: Action::Set(0.0),
            },
            seq: 0,
        };
        slots.resize(self.capacity, blank);
        slots.clear();
        self.heap = BinaryHeap::from(slots);
    }

    /// Removes and returns the earliest event if its frame is before `end`.
    pub fn pop_before(&mut self, end: u64) -> Option<Event> {
        match self.heap.peek() {
            Some(q) if q.event.frame < end => self.heap.pop().map(|q| q.event),
            _ => None,
        }
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event waits.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Room left.
    pub fn free(&self) -> usize {
        self.capacity - self.heap.len()
    }

    /// Drops every pending event (keeps the allocation).
    pub fn clear(&mut self) {
        self.heap.clear();
    }

    /// Keeps only the events `keep` returns true for, after it may have changed them (their
    /// frames included): the heap is taken apart, filtered and rebuilt in its own allocation.
    /// No allocation.
    pub fn retain_mut(&mut self, mut keep: impl FnMut(&mut Event) -> bool) {
        let mut v = std::mem::take(&mut self.heap).into_vec();
        v.retain_mut(|q| keep(&mut q.event));
        self.heap = BinaryHeap::from(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct T;
    impl Target for T {
        fn lane_kind(&self, id: u32) -> Option<LaneKind> {
            match id {
                0 => Some(LaneKind::Trigger),
                1 => Some(LaneKind::Param),
                _ => None,
            }
        }
        fn sample_count(&self) -> usize {
            10
        }
    }

    fn all(batch: &[f64]) -> Result<Vec<Event>, String> {
        let mut v = Vec::new();
        decode(batch, &T, |e| v.push(e))?;
        Ok(v)
    }

    #[test]
    fn decodes_triggers_and_sets_with_defaults_and_unknown_codes() {
        let b = [
            100.0, 0.0, 0.0, 3.0, 0.0, 4.0, 2.0, 0.25, 99.0, 7.0, //
            50.0, 1.0, 1.0, 1.0, 0.0, 220.0, //
            7.0, 0.0, 0.0, 2.0, 3.0, -2.0, 0.0, 9.0,
        ];
        let ev = all(&b).unwrap();
        assert_eq!(ev.len(), 3);
        assert_eq!(
            ev[0],
            Event {
                frame: 100,
                lane: 0,
                action: Action::Trigger(Trigger {
                    sample: 4,
                    pan: 0.25,
                    ..Trigger::default()
                })
            }
        );
        assert_eq!(
            ev[1],
            Event {
                frame: 50,
                lane: 1,
                action: Action::Set(220.0)
            }
        );
        assert_eq!(
            ev[2].action,
            Action::Trigger(Trigger {
                sample: 9,
                speed: -2.0,
                ..Trigger::default()
            })
        );
    }

    #[test]
    fn rejects_malformed_records_with_their_position() {
        let cases: &[(&[f64], &str)] = &[
            (&[1.0, 0.0, 0.0], "truncated header"),
            (&[1.5, 0.0, 0.0, 0.0], "frame must be an integer"),
            (&[-1.0, 0.0, 0.0, 0.0], "frame must be an integer"),
            (&[1.0, 3.0, 0.0, 0.0], "kind must be an integer"),
            (&[1.0, 0.0, 0.0, 17.0], "nfields"),
            (&[1.0, 0.0, 0.0, 2.0, 0.0, 1.0], "2 fields announced"),
            (&[1.0, 0.0, 5.0, 1.0, 0.0, 1.0], "lane 5 does not exist"),
            (&[1.0, 0.0, 1.0, 1.0, 0.0, 1.0], "which is a param lane"),
            (&[1.0, 1.0, 0.0, 1.0, 0.0, 1.0], "which is a trigger lane"),
            (&[1.0, 0.0, 0.0, 1.0, 0.0, 10.0], "not one of the bank's 10"),
            (&[1.0, 1.0, 1.0, 0.0], "set without a value"),
            (&[1.0, 1.0, 1.0, 1.0, 0.0, f64::NAN], "must be finite"),
        ];
        for (b, want) in cases {
            let e = all(b).unwrap_err();
            assert!(e.contains(want), "{b:?}: {e}");
            assert!(e.contains("index 0"), "{e}");
        }
        // The position names the bad record, not the first one.
        let e = all(&[1.0, 1.0, 1.0, 1.0, 0.0, 5.0, 2.0, 1.0, 1.0, 0.0]).unwrap_err();
        assert!(e.contains("index 6"), "{e}");
    }

    #[test]
    fn queue_pops_in_frame_then_arrival_order_and_drops_when_full() {
        let mut q = EventQueue::with_capacity(4);
        let ev = |frame, v| Event {
            frame,
            lane: 1,
            action: Action::Set(v),
        };
        assert!(q.push(ev(30, 1.0)));
        assert!(q.push(ev(10, 2.0)));
        assert!(q.push(ev(30, 3.0)));
        assert!(q.push(ev(20, 4.0)));
        assert!(!q.push(ev(5, 5.0)), "full");
        assert_eq!(q.pop_before(10), None);
        let order: Vec<f32> = std::iter::from_fn(|| q.pop_before(31))
            .map(|e| match e.action {
                Action::Set(v) => v,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, vec![2.0, 4.0, 1.0, 3.0]);
        assert!(q.is_empty());
    }

    #[test]
    fn a_resident_queue_is_empty_keeps_its_storage_and_works_the_same() {
        let mut q = EventQueue::with_capacity(1000);
        let storage = q.heap.as_slice().as_ptr();
        let room = q.heap.capacity();
        q.make_resident();
        assert!(q.is_empty());
        assert_eq!(q.free(), 1000);
        assert_eq!(q.heap.capacity(), room, "no new storage");
        assert_eq!(q.heap.as_slice().as_ptr(), storage, "the same storage");
        for k in 0..1000u64 {
            assert!(q.push(Event {
                frame: 999 - k,
                lane: 0,
                action: Action::Set(k as f32),
            }));
        }
        assert!(!q.push(Event {
            frame: 0,
            lane: 0,
            action: Action::Set(0.0),
        }));
        assert_eq!(q.pop_before(1).map(|e| e.frame), Some(0));
    }
}
