//! Event batches from TypeScript: decoding and validation, and the preallocated pending queue ordered by frame.
//!
//! A batch is a flat `f64` array of records `[frame, kind, lane, nfields, code0, value0, ...]`:
//! - `frame`: absolute frame since the engine started (a non-negative integer).
//! - `kind`: [`KIND_TRIGGER`] (start a voice on the lane's node) or [`KIND_SET`] (set a param
//!   lane's value from `frame` on).
//! - `lane`: a lane id of the loaded graph, of the matching lane kind.
//! - `nfields` (0..=[`MAX_FIELDS`]) pairs of (code, value).
//!
//! Trigger field codes: [`code::SAMPLE`] (sample id from `Engine::sample_id`, required),
//! [`code::GAIN`] (linear, default 1, clamped 0..16), [`code::PAN`] (0 left .. 1 right, default
//! 0.5, clamped), [`code::SPEED`] (playback rate, default 1, negative plays backwards from the end,
//! clamped to ±64; 0 starts nothing). Set field: [`code::VALUE`]. Unknown codes are ignored. Every
//! value must be finite.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::ir::LaneKind;

/// `kind` of a trigger record.
pub const KIND_TRIGGER: u32 = 0;
/// `kind` of a set record.
pub const KIND_SET: u32 = 1;
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
    /// Set: the new value.
    pub const VALUE: u32 = 0;
}

/// A decoded trigger: what a sampler voice needs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trigger {
    /// Sample id in the bank.
    pub sample: u32,
    /// Linear gain, 0..16.
    pub gain: f32,
    /// 0 = left, 0.5 = centre, 1 = right.
    pub pan: f32,
    /// Playback rate; negative plays backwards.
    pub speed: f32,
}

/// What an event does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action {
    /// Start a voice on the lane's node.
    Trigger(Trigger),
    /// Set the lane's value.
    Set(f32),
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
        let kind = integral(batch[i + 1], "kind", at, 1.0)? as u32;
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
        let (mut gain, mut pan, mut speed, mut value) = (1.0f32, 0.5f32, 1.0f32, None);
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
                (KIND_TRIGGER, code::GAIN) => gain = (v as f32).clamp(0.0, 16.0),
                (KIND_TRIGGER, code::PAN) => pan = (v as f32).clamp(0.0, 1.0),
                (KIND_TRIGGER, code::SPEED) => speed = (v as f32).clamp(-64.0, 64.0),
                (KIND_SET, code::VALUE) => value = Some(v as f32),
                _ => {}
            }
        }
        let action = if kind == KIND_TRIGGER {
            if lane_kind != LaneKind::Trigger {
                return Err(format!(
                    "record at index {at} (frame {frame}): a trigger on lane {lane}, which is a param lane"
                ));
            }
            let s = sample.ok_or_else(|| {
                format!("record at index {at} (frame {frame}, lane {lane}): trigger without a sample id (code 0)")
            })?;
            let count = target.sample_count();
            if s < 0.0 || s.fract() != 0.0 || s >= count as f64 {
                return Err(format!(
                    "record at index {at} (frame {frame}, lane {lane}): sample id {s} is not one of the bank's {count} samples"
                ));
            }
            Action::Trigger(Trigger {
                sample: s as u32,
                gain,
                pan,
                speed,
            })
        } else {
            if lane_kind != LaneKind::Param {
                return Err(format!(
                    "record at index {at} (frame {frame}): a set on lane {lane}, which is a trigger lane"
                ));
            }
            Action::Set(value.ok_or_else(|| {
                format!("record at index {at} (frame {frame}, lane {lane}): set without a value (code 0)")
            })?)
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
                    gain: 1.0,
                    pan: 0.25,
                    speed: 1.0
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
                gain: 1.0,
                pan: 0.5,
                speed: -2.0
            })
        );
    }

    #[test]
    fn rejects_malformed_records_with_their_position() {
        let cases: &[(&[f64], &str)] = &[
            (&[1.0, 0.0, 0.0], "truncated header"),
            (&[1.5, 0.0, 0.0, 0.0], "frame must be an integer"),
            (&[-1.0, 0.0, 0.0, 0.0], "frame must be an integer"),
            (&[1.0, 2.0, 0.0, 0.0], "kind must be an integer"),
            (&[1.0, 0.0, 0.0, 17.0], "nfields"),
            (&[1.0, 0.0, 0.0, 2.0, 0.0, 1.0], "2 fields announced"),
            (&[1.0, 0.0, 5.0, 1.0, 0.0, 1.0], "lane 5 does not exist"),
            (&[1.0, 0.0, 1.0, 1.0, 0.0, 1.0], "which is a param lane"),
            (&[1.0, 1.0, 0.0, 1.0, 0.0, 1.0], "which is a trigger lane"),
            (&[1.0, 0.0, 0.0, 0.0], "without a sample id"),
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
}
