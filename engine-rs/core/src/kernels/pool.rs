//! Voice-pool pieces shared by `sampler` and `voices`: the trigger queue, the set of busy slots, the steal fade, the slot-choice rule and the output gain.
//!
//! Both kinds keep a fixed pool of voice slots, preallocated when the node is prepared. Triggers
//! received before a block wait in a [`Pending`] queue (frame order, bounded: extras are
//! counted as ignored) and are applied at their exact frames while the block renders. Busy
//! slots are kept in an [`ActiveSet`], a bit set walked in slot order, so a free slot costs
//! nothing per block. When the pool is full, [`oldest_playing`] picks the voice to steal (the
//! oldest that is still playing) and [`free_slot`] the slot for the new voice (the first free
//! one, else the fading voice nearest to silence, which is cut); a stolen voice fades out
//! linearly over [`STEAL_FADE_SECONDS`].
//!
//! The limit (voices that may play at once before the oldest is stolen) is per node: the data
//! field `voices` (an integer in 1..=[`MAX_VOICES`], default [`DEFAULT_VOICES`]), read by
//! [`limit_of`] when the plan is built. The language sets it with `# voices N` after a sound.
//! On a reload that keeps the node's key but changes its limit, [`carried`] picks which of the
//! old pool's voices the new pool takes over (see each kind's `adopt`).

use super::{Input, KernelCounts};
use crate::events::Trigger;
use crate::ir::{DataValue, NodeData};

/// Fade of a stolen voice, s.
pub const STEAL_FADE_SECONDS: f32 = 0.005;

/// Voices a node may play at once before the oldest is stolen, when its data gives no `voices`:
/// enough for 256 events a second of half-second notes or samples.
pub const DEFAULT_VOICES: usize = 128;
/// The largest limit the data `voices` may ask for.
pub const MAX_VOICES: usize = 256;

/// Slots an [`ActiveSet`] can hold.
pub const MAX_SLOTS: usize = 320;
const WORDS: usize = MAX_SLOTS / 64;

/// Slots per group: both kinds render and sum their voices group by group (slot order inside a
/// group) and add the groups' sums in group order — so the output is the same bit for bit
/// whether groups run on one worker or several.
pub const GROUP: usize = 8;

/// The voice limit a node's data asks for: `voices` (validated as an integer in 1..=[`MAX_VOICES`]
/// by the IR check; clamped here all the same), else [`DEFAULT_VOICES`]. Control thread.
pub fn limit_of(data: &NodeData) -> usize {
    match data.get("voices") {
        Some(DataValue::Num(n)) if n.is_finite() => (*n as usize).clamp(1, MAX_VOICES),
        _ => DEFAULT_VOICES,
    }
}

/// `seconds` at `sample_rate` in whole frames, at least one. Control thread.
pub fn fade_frames(seconds: f32, sample_rate: f32) -> u32 {
    ((seconds * sample_rate).round() as u32).max(1)
}

/// The busy slots of a pool of at most [`MAX_SLOTS`], as bits; iteration is in slot order and
/// costs one word test per 64 slots plus one step per busy slot. Any thread: no allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActiveSet {
    bits: [u64; WORDS],
}

impl ActiveSet {
    /// Marks slot `i` busy.
    #[inline]
    pub fn insert(&mut self, i: usize) {
        self.bits[i / 64] |= 1 << (i % 64);
    }

    /// Marks slot `i` free.
    #[inline]
    pub fn remove(&mut self, i: usize) {
        self.bits[i / 64] &= !(1 << (i % 64));
    }

    /// Whether slot `i` is busy.
    #[inline]
    pub fn contains(&self, i: usize) -> bool {
        self.bits[i / 64] & (1 << (i % 64)) != 0
    }

    /// Busy slots.
    #[inline]
    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether no slot is busy.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0)
    }

    /// The busy slots of `lo..hi` in increasing order (a copy, as [`ActiveSet::iter`]).
    #[inline]
    pub fn iter_in(&self, lo: usize, hi: usize) -> impl Iterator<Item = usize> {
        let hi = hi.min(MAX_SLOTS);
        let bits = self.bits;
        (lo / 64..hi.div_ceil(64)).flat_map(move |w| {
            let base = w * 64;
            let mut word = bits[w];
            if lo > base {
                word &= !0u64 << (lo - base);
            }
            if hi < base + 64 {
                word &= (1u64 << hi.saturating_sub(base)) - 1;
            }
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let b = word.trailing_zeros() as usize;
                word &= word - 1;
                Some(base + b)
            })
        })
    }

    /// The busy slots in increasing order (a copy: the set may change while iterating).
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = usize> {
        let bits = self.bits;
        (0..WORDS).flat_map(move |w| {
            let mut word = bits[w];
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let b = word.trailing_zeros() as usize;
                word &= word - 1;
                Some(w * 64 + b)
            })
        })
    }
}

/// Triggers waiting for the next block, as (frame offset, trigger), in arrival order.
#[derive(Debug, Default)]
pub struct Pending {
    queue: Vec<(usize, Trigger)>,
}

impl Pending {
    /// Room for `capacity` triggers per block. Control thread.
    pub fn prepare(&mut self, capacity: usize) {
        self.queue = Vec::with_capacity(capacity);
    }

    /// Queues a trigger; when the queue is full it is dropped and counted as ignored. Render
    /// thread: no allocation.
    pub fn push(&mut self, offset: usize, t: &Trigger, counts: &mut KernelCounts) {
        if self.queue.len() < self.queue.capacity() {
            self.queue.push((offset, *t));
        } else {
            counts.ignored += 1;
        }
    }

    /// The queued triggers with their offsets made non-decreasing and at most `n` (a trigger
    /// offered out of order plays at the frame the previous one played), then cleared. Render
    /// thread: no allocation.
    pub fn drain(&mut self, n: usize) -> impl Iterator<Item = (usize, Trigger)> + '_ {
        let mut cursor = 0;
        self.queue.drain(..).map(move |(offset, t)| {
            cursor = offset.clamp(cursor, n);
            (cursor, t)
        })
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

/// Multiplies the voices' sum `l`, `r` by the node's `gain` port (skipped for a constant 1).
/// Render thread.
pub fn apply_gain(l: &mut [f32], r: &mut [f32], gain: Input) {
    match gain {
        Input::Const(g) => {
            if g != 1.0 {
                for x in l.iter_mut().chain(r.iter_mut()) {
                    *x *= g;
                }
            }
        }
        Input::Block(g) => {
            let g = &g[..l.len()];
            for (x, g) in l.iter_mut().zip(g) {
                *x *= g;
            }
            for (x, g) in r.iter_mut().zip(g) {
                *x *= g;
            }
        }
    }
}

/// What [`oldest_playing`] and [`free_slot`] need to know of one slot at the frame a new voice starts.
#[derive(Clone, Copy, Debug)]
pub struct SlotView {
    /// A voice is sounding in the slot.
    pub busy: bool,
    /// It counts toward the pool's limit and may be stolen (not already fading out).
    pub playing: bool,
    /// Its trigger order (lower is older).
    pub serial: u64,
    /// Frames until it is silent when it is fading out (any value otherwise).
    pub left: u64,
}

/// The oldest playing voice when `limit` or more are playing among `slots` (the candidate for a
/// steal), else `None`. `busy` lists the candidate slots in order. Render thread.
pub fn oldest_playing(
    busy: impl Iterator<Item = usize>,
    limit: usize,
    view: impl Fn(usize) -> SlotView,
) -> Option<usize> {
    let (mut playing, mut oldest) = (0usize, None::<(u64, usize)>);
    for i in busy {
        let v = view(i);
        if v.busy && v.playing {
            playing += 1;
            if oldest.is_none_or(|(s, _)| v.serial < s) {
                oldest = Some((v.serial, i));
            }
        }
    }
    if playing >= limit {
        oldest.map(|(_, i)| i)
    } else {
        None
    }
}

/// The slot for a new voice among `slots` slots: the first free one, else the fading voice with
/// the fewest frames left (the first such), else slot 0. Render thread.
pub fn free_slot(slots: usize, view: impl Fn(usize) -> SlotView) -> usize {
    let mut best: Option<(u64, usize)> = None;
    for i in 0..slots {
        let v = view(i);
        if !v.busy {
            return i;
        }
        if !v.playing && best.is_none_or(|(left, _)| v.left < left) {
            best = Some((v.left, i));
        }
    }
    best.map(|(_, i)| i).unwrap_or(0)
}

/// The busy slots of an old pool that a new pool of `slots` slots takes over on a reload: all of
/// them when they fit, else the `slots` newest (highest `serial`); the rest stop at the swap.
/// Render thread: no allocation (O(busy × slots) comparisons when they do not fit, at most
/// 272 × 272, once per reload).
pub fn carried(busy: ActiveSet, slots: usize, serial: impl Fn(usize) -> u64) -> ActiveSet {
    if busy.len() <= slots {
        return busy;
    }
    let mut keep = ActiveSet::default();
    if slots == 0 {
        return keep;
    }
    let mut kept = 0;
    for i in busy.iter() {
        if kept < slots {
            keep.insert(i);
            kept += 1;
            continue;
        }
        let oldest = keep.iter().min_by_key(|&j| serial(j));
        if let Some(j) = oldest {
            if serial(i) > serial(j) {
                keep.remove(j);
                keep.insert(i);
            }
        }
    }
    keep
}

/// Where [`carried`] slots go in a pool of `slots` slots: `(old slot, new slot)` in slot order,
/// each old slot in the same slot when every one of them fits there (the pool grew or kept its
/// size: voices keep their slots, so later placements and the summing order are the ones the
/// old pool would have had), else packed from slot 0 in the same order. Render thread.
pub fn placement(keep: ActiveSet, slots: usize) -> impl Iterator<Item = (usize, usize)> {
    let same = keep.iter().all(|i| i < slots);
    keep.iter()
        .enumerate()
        .map(move |(k, i)| (i, if same { i } else { k }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_set_iterates_in_order_and_counts() {
        let mut s = ActiveSet::default();
        for i in [300, 3, 64, 0, 127, 65] {
            s.insert(i);
        }
        s.remove(65);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 3, 64, 127, 300]);
        let within = |lo, hi| s.iter_in(lo, hi).collect::<Vec<_>>();
        assert_eq!(within(0, 8), vec![0, 3]);
        assert_eq!(within(1, 64), vec![3]);
        assert_eq!(within(3, 128), vec![3, 64, 127]);
        assert_eq!(within(64, 127), vec![64]);
        assert_eq!(within(128, MAX_SLOTS + 5), vec![300]);
        assert_eq!(within(4, 4), Vec::<usize>::new());
        assert_eq!(within(0, MAX_SLOTS), s.iter().collect::<Vec<_>>());
        assert_eq!(s.len(), 5);
        assert!(s.contains(127) && !s.contains(65));
        for i in [0, 3, 64, 127, 300] {
            s.remove(i);
        }
        assert!(s.is_empty());
    }

    #[test]
    fn pending_orders_offsets_and_counts_overflow() {
        let mut p = Pending::default();
        p.prepare(3);
        let mut c = KernelCounts::default();
        let t = Trigger::default();
        for o in [5, 2, 900, 7] {
            p.push(o, &t, &mut c);
        }
        assert_eq!(c.ignored, 1);
        let offsets: Vec<usize> = p.drain(512).map(|(o, _)| o).collect();
        assert_eq!(offsets, vec![5, 5, 512]);
        assert!(p.is_empty());
    }

    /// Slots: 0 free, 1 playing (serial 7), 2 playing (serial 3), 3 fading with 10 left, 4 fading
    /// with 4 left.
    #[test]
    fn placement_steals_the_oldest_and_reuses_free_or_quietest() {
        let views = [
            (false, false, 0, 0),
            (true, true, 7, 0),
            (true, true, 3, 0),
            (true, false, 1, 10),
            (true, false, 2, 4),
        ];
        let view = |i: usize| {
            let (busy, playing, serial, left) = views[i];
            SlotView {
                busy,
                playing,
                serial,
                left,
            }
        };
        assert_eq!(oldest_playing(0..5, 2, view), Some(2));
        assert_eq!(oldest_playing(0..5, 3, view), None);
        assert_eq!(free_slot(5, view), 0);
        assert_eq!(free_slot(4, |i| view(i + 1)), 3, "slot 4: 4 frames left");
    }

    /// Slots 0..10 busy with serial 100 − slot (slot 9 is the newest): into 4 slots go the four
    /// newest, 6..=9, packed into 0..4 in slot order; into 12 slots all go, each in its own slot.
    #[test]
    fn carried_keeps_the_newest_that_fit() {
        let mut busy = ActiveSet::default();
        for i in 0..10 {
            busy.insert(i);
        }
        let serial = |i: usize| 100 - (9 - i) as u64;
        let keep = carried(busy, 4, serial);
        assert_eq!(keep.iter().collect::<Vec<_>>(), vec![6, 7, 8, 9]);
        let moves: Vec<_> = placement(keep, 4).collect();
        assert_eq!(moves, vec![(6, 0), (7, 1), (8, 2), (9, 3)]);
        let all = carried(busy, 12, serial);
        assert_eq!(all, busy);
        assert!(placement(all, 12).all(|(i, j)| i == j));
        assert!(carried(busy, 0, serial).is_empty());
        // A newer voice in a low slot: serials 5, 1, 9, 3 keep slots 0 and 2.
        let mut b = ActiveSet::default();
        for i in 0..4 {
            b.insert(i);
        }
        let s = [5, 1, 9, 3];
        let keep = carried(b, 2, |i| s[i]);
        assert_eq!(keep.iter().collect::<Vec<_>>(), vec![0, 2]);
    }

    #[test]
    fn limit_of_reads_the_data_or_defaults() {
        let mut d = NodeData::new();
        assert_eq!(limit_of(&d), DEFAULT_VOICES);
        d.insert("voices".into(), DataValue::Num(32.0));
        assert_eq!(limit_of(&d), 32);
        d.insert("voices".into(), DataValue::Num(1e6));
        assert_eq!(limit_of(&d), MAX_VOICES);
    }
}
