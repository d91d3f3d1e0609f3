//! `VoicePool<V>`: the one voice machinery of sample voices and synth voices — trigger queue, slots, stealing with a fade, counters, and the groups of voices summed in order and split across workers.
//!
//! A kind that plays voices ([`super::sample`], [`super::synth`]) owns one pool of a fixed number
//! of slots of its voice type `V`, preallocated when the node is built or prepared, and supplies
//! only what one of its voices does: start, render a span of frames, release (fade out when
//! stolen), reset. The pool does the rest:
//!
//! - **Triggers.** Triggers received before a block wait in a [`Pending`] queue (frame order,
//!   bounded: extras are counted as ignored) and the kind applies them at their exact frames.
//! - **Slots.** Busy slots are kept in an [`ActiveSet`], a bit set walked in slot order, so a free
//!   slot costs nothing per block.
//! - **Stealing.** When `limit` voices are playing, [`oldest_playing`] picks the voice to steal
//!   (the oldest still playing), which fades out linearly over [`STEAL_FADE_SECONDS`]
//!   ([`Voice::steal`]), and [`free_slot`] the slot for the new voice (the first free one, else
//!   the fading voice nearest to silence, which is cut).
//! - **Summing.** [`VoicePool::render`] renders the busy slots group by group ([`GROUP`] slots
//!   each, slot order inside a group) into per-group sums, and [`VoicePool::finish`] adds the
//!   groups' sums in group order (left/right, then the centre sums of mono voices panned to the
//!   middle) and applies the node's `gain`; so the output is the same bit for bit whether the
//!   groups ran on one worker or several. Groups run on several workers when the calling thread
//!   may split ([`crate::workers::width`] > 1), more than one group is busy and the estimated cost
//!   is at least [`crate::schedule::MIN_PARALLEL_NS`].
//! - **Reload.** [`VoicePool::adopt`] carries the old pool's sounding voices over ([`carried`],
//!   [`placement`]) and fades out the oldest beyond the new limit as steals.
//!
//! The two kinds differ in two details, which are parameters of the pool ([`Mode`]):
//! - `direct`: the sampler renders in segments between its triggers and sums its lowest busy group
//!   straight into the output (0 + G is G: the same arithmetic without a partial's copy) unless
//!   a segment split; synth voices render once per block and keep every group in its sums.
//! - `cost`: the sampler estimates a segment's cost from a moving average of ns per voice-frame
//!   ([`Cost::PerVoiceFrame`]: timed only where a split is possible and on segments of at least
//!   [`TIMED_VOICE_FRAMES`], a timing capped at twice the estimate); synth voices from a moving
//!   average of the whole block's rendering time ([`Cost::PerBlock`]).
//!
//! The limit (voices that may play at once before the oldest is stolen) is per node: the data
//! field `voices` (an integer in 1..=[`MAX_VOICES`], default [`DEFAULT_VOICES`]), read by
//! [`limit_of`] when the plan is built. The language sets it with `# voices N` after a sound.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::events::Trigger;
use crate::kernels::data::{DataValue, NodeData};
use crate::kernels::{Input, KernelCounts};
use crate::workers::Shards;

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

/// Renders with fewer voice-frames than this are not timed under [`Cost::PerVoiceFrame`] (two
/// clock reads would be a noticeable share of them, and they are far below a fork's worth).
pub const TIMED_VOICE_FRAMES: usize = 1024;
/// Weight of a new timing in the moving averages of [`Cost`].
const SMOOTHING: f32 = 0.25;
/// Split renders after a program starts (or a split is tried again) that are not judged: the
/// other worker may still be waking (a render's first splits spanned their whole work, the
/// next ones half of it).
const SPLIT_WARM_UP: u32 = 16;
/// Renders a pool whose splits did not pay renders serially before it tries a split again, the
/// first time (a [`crate::schedule::BackOff`]): 16 blocks of 512 frames at 44.1 kHz for synth
/// voices (one render per block).
const BACK_OFF_FIRST: u32 = 16;
/// The most renders a pool backs off for, reached by doubling while retries fail at once:
/// about 3 s of blocks of 512 frames at 44.1 kHz.
const BACK_OFF_RENDERS: u32 = 256;

/// What the pool needs of one voice of a kind (the kind renders, starts and resets its voices
/// itself, through the closures it hands to [`VoicePool::render`] and [`VoicePool::adopt`]).
pub trait Voice: Send {
    /// This voice as the steal rule sees it at absolute frame `now` (a kind that keeps no
    /// absolute time ignores `now`). Render thread.
    fn view(&self, now: u64) -> SlotView;
    /// Starts a linear steal fade of `frames` frames at absolute frame `now`. Render thread.
    fn steal(&mut self, now: u64, frames: u32);
}

/// How the pool estimates whether a render is worth splitting across workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cost {
    /// A moving average of ns per voice-frame × voices × frames (timed where a split is
    /// possible, on renders of at least [`TIMED_VOICE_FRAMES`]; a timing above twice the
    /// estimate counts as twice it). The sampler's rule: it renders many short segments.
    PerVoiceFrame,
    /// A moving average of a whole render's ns (timed wherever a split is possible; a split
    /// render counts its workers' time). The synth voices' rule: they render once per block.
    PerBlock,
}

/// The details in which the kinds' pools differ (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct Mode {
    /// The lowest busy group of a block sums straight into the output while no render split.
    pub direct: bool,
    /// How a render's cost is estimated.
    pub cost: Cost,
    /// Triggers accepted per block; more are ignored (and counted).
    pub triggers: usize,
    /// Slots beyond the limit, for voices fading out after a steal.
    pub fade_slots: usize,
}

impl Mode {
    /// A mode; fails to compile (in a `const`) when the largest limit plus `fade_slots` slots
    /// would not fit an [`ActiveSet`].
    pub const fn new(direct: bool, cost: Cost, triggers: usize, fade_slots: usize) -> Mode {
        assert!(MAX_VOICES + fade_slots <= MAX_SLOTS, "too many fade slots");
        Mode {
            direct,
            cost,
            triggers,
            fade_slots,
        }
    }
}

/// Where a voice's graph renders (its nodes' output buffers and its sums' scratch), shared by
/// the voices of one group: they render one after another on one worker, and a voice's
/// buffers hold nothing from one block to the next (its kernels hold its state), so the group's
/// voices reuse one set while it is in cache, and hold none of their own (a synth pool of 128
/// voices of three nodes held 768 KB of buffers). Empty for sample voices.
#[derive(Debug, Default)]
pub struct Space {
    /// As `Graph::buffers` of the pool's template.
    pub buffers: Vec<Vec<f32>>,
    /// As `Graph::scratch` of the pool's template.
    pub scratch: Vec<Vec<f32>>,
}

/// One group's sums for a block: left, right and centre, each one block long, and the space its
/// voices render in.
#[derive(Debug, Default)]
struct Group {
    l: Vec<f32>,
    r: Vec<f32>,
    c: Vec<f32>,
    space: Space,
    /// Some voice went to left and right this block (`l` and `r` hold this block's sum).
    lr: bool,
    /// Some voice went to the centre (`c` holds this block's sum).
    centred: bool,
}

/// Where one group's voices add their frames in a block: left and right (the group's sums, or
/// the output itself for the direct group), and the centre (mono voices panned to the middle,
/// added to both sides at the end). Each is zeroed when first written in a block.
pub struct Sum<'a> {
    l: &'a mut [f32],
    r: &'a mut [f32],
    c: &'a mut [f32],
    lr: &'a mut bool,
    centred: &'a mut bool,
    space: &'a mut Space,
}

impl Sum<'_> {
    /// The group's render space ([`Space`]). Render thread or a worker.
    #[inline]
    pub fn space(&mut self) -> &mut Space {
        self.space
    }

    /// The left and right sums over the block's frames. Render thread or a worker.
    #[inline]
    pub fn stereo(&mut self) -> (&mut [f32], &mut [f32]) {
        if !*self.lr {
            *self.lr = true;
            self.l.fill(0.0);
            self.r.fill(0.0);
        }
        (&mut *self.l, &mut *self.r)
    }

    /// The centre sum over the block's frames. Render thread or a worker.
    #[inline]
    pub fn centre(&mut self) -> &mut [f32] {
        if !*self.centred {
            *self.centred = true;
            self.c.fill(0.0);
        }
        &mut *self.c
    }
}

/// Which group of the block sums straight into the output instead of its own sums (with
/// [`Mode::direct`]): the lowest group used so far (adding its sum to the zeroed output first
/// would change no bit), so a pool whose voices fit one group pays nothing for the grouping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direct {
    /// No group has rendered a voice yet in this block.
    Free,
    /// This group, the lowest used so far.
    Group(usize),
    /// None: a render of this block ran on several workers, or the mode has no direct group.
    Off,
}

/// Moves the sums a direct group made in the output `l`, `r` to its own and zeroes the output.
/// Render thread.
fn demote(g: &mut Group, l: &mut [f32], r: &mut [f32]) {
    let n = l.len();
    g.l[..n].copy_from_slice(l);
    g.r[..n].copy_from_slice(r);
    g.lr = true;
    l.fill(0.0);
    r.fill(0.0);
}

/// Renders group `g`'s busy slots (`voices`, the first numbered `g` · [`GROUP`]) in slot order
/// into its own sums, with `each`. Render thread or a worker.
fn render_group<V, F>(
    g: usize,
    active: &ActiveSet,
    voices: &mut [V],
    group: &mut Group,
    n: usize,
    each: &F,
) where
    F: Fn(usize, &mut V, &mut Sum) + Sync,
{
    let lo = g * GROUP;
    let Group {
        l,
        r,
        c,
        lr,
        centred,
        space,
    } = group;
    let mut sum = Sum {
        l: &mut l[..n],
        r: &mut r[..n],
        c: &mut c[..n],
        lr,
        centred,
        space,
    };
    for s in active.iter_in(lo, lo + voices.len()) {
        each(s, &mut voices[s - lo], &mut sum);
    }
}

/// A fixed pool of voice slots of type `V`: the voice machinery shared by sample voices and synth
/// voices (see the module docs). Built and prepared on the control thread; used on the render
/// thread (groups of slots on workers inside [`VoicePool::render`]).
#[derive(Debug)]
pub struct VoicePool<V> {
    /// The slots, allocated by the kind (`limit` + its fade slots).
    pub slots: Vec<V>,
    /// Slots with a voice sounding.
    pub active: ActiveSet,
    /// Voices that may play at once (data `voices`).
    pub limit: usize,
    /// Triggers waiting for the next block.
    pub pending: Pending,
    /// Frames of a steal fade ([`STEAL_FADE_SECONDS`]).
    pub fade: u32,
    /// The next voice's trigger order.
    pub serial: u64,
    /// Counters since the last `take_counts`.
    pub counts: KernelCounts,
    mode: Mode,
    sounding: usize,
    /// Per group of [`GROUP`] slots: its voices' sums this block.
    groups: Vec<Group>,
    /// The groups with a busy slot in the render under way, in order (room for all).
    busy: Vec<u32>,
    /// The groups' centre sums added, one block.
    centre: Vec<f32>,
    /// The workers' homes in `busy` when groups run on several workers: group `g`'s home is
    /// `g % bins`, so a group (its voices' state and its sums) stays on one thread block after
    /// block, as a stage's items do ([`crate::schedule::Home`]).
    homes: Vec<crate::schedule::Home>,
    /// Σ of the workers' rendering time in a split render, ns.
    work_ns: AtomicU64,
    /// The cost estimate ([`Mode::cost`]): ns per voice-frame, or ns per render; 0 until timed.
    cost_ns: f32,
    /// Some render of this block ran on several workers.
    split: bool,
    /// Whether splitting pays: split renders since the program started or splits were last
    /// tried again, the moving average of their span over their workers' time past the
    /// warm-up, and how long splits wait after they did not pay.
    verdict: crate::schedule::Verdict,
    /// The group summing straight into the output this block.
    direct: Direct,
    /// Tests: split every render with more than one busy group (where a split is possible),
    /// whatever it costs.
    #[cfg(test)]
    pub always_split: bool,
}

impl<V: Voice> VoicePool<V> {
    /// An empty pool (no slots yet) with a limit of `limit` voices. Control thread.
    pub fn new(mode: Mode, limit: usize) -> VoicePool<V> {
        VoicePool {
            slots: Vec::new(),
            active: ActiveSet::default(),
            limit,
            pending: Pending::default(),
            fade: 0,
            serial: 0,
            counts: KernelCounts::default(),
            mode,
            sounding: 0,
            groups: Vec::new(),
            busy: Vec::new(),
            centre: Vec::new(),
            homes: Vec::new(),
            work_ns: AtomicU64::new(0),
            cost_ns: 0.0,
            split: false,
            verdict: crate::schedule::Verdict::default(),
            direct: if mode.direct {
                Direct::Free
            } else {
                Direct::Off
            },
            #[cfg(test)]
            always_split: false,
        }
    }

    /// Allocates the groups' sums and the trigger queue for the slots present, for blocks of up
    /// to `max_block`. Control thread.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        let groups = self.slots.len().div_ceil(GROUP);
        self.groups = (0..groups)
            .map(|_| Group {
                l: vec![0.0; max_block],
                r: vec![0.0; max_block],
                c: vec![0.0; max_block],
                lr: false,
                centred: false,
                space: Space::default(),
            })
            .collect();
        self.busy = Vec::with_capacity(groups);
        self.homes = (0..groups.min(crate::workers::MAX_THREADS))
            .map(|_| crate::schedule::Home::default())
            .collect();
        self.centre = vec![0.0; max_block];
        self.active = ActiveSet::default();
        self.pending.prepare(self.mode.triggers);
        self.fade = fade_frames(STEAL_FADE_SECONDS, sample_rate);
    }

    /// Gives every group a render space made by `make` (after [`VoicePool::prepare`]). Control
    /// thread.
    pub fn set_spaces(&mut self, make: impl Fn() -> Space) {
        for g in &mut self.groups {
            g.space = make();
        }
    }

    /// Queues a trigger for the next block. Render thread: no allocation.
    pub fn trigger(&mut self, offset: usize, t: &Trigger) {
        self.pending.push(offset, t, &mut self.counts);
    }

    /// The slots a pool of this limit holds: the limit plus the mode's fade slots. Any thread.
    pub fn size(&self) -> usize {
        self.limit + self.mode.fade_slots
    }

    /// Voices sounding as of the last block. Any thread.
    pub fn sounding(&self) -> usize {
        self.sounding
    }

    /// When `limit` or more voices are playing at frame `now`, fades the oldest out over the steal
    /// fade and counts a steal; its slot. Render thread.
    pub fn steal_oldest(&mut self, now: u64, limit: usize) -> Option<usize> {
        let slots = &self.slots;
        let i = oldest_playing(self.active.iter(), limit, |i| slots[i].view(now))?;
        self.slots[i].steal(now, self.fade);
        self.counts.steals += 1;
        Some(i)
    }

    /// The slot for a voice starting at frame `now` ([`free_slot`]). Render thread.
    pub fn free_slot(&self, now: u64) -> usize {
        free_slot(self.slots.len(), |i| self.slots[i].view(now))
    }

    /// Renders every busy slot with `each(slot, voice, sum)` over `frames` frames (`l`, `r`:
    /// the block's output, zeroed at its start; `each` knows which frames), group by group, slot
    /// order inside a group: on several workers (groups claimed one at a time) when more than
    /// one group is busy and the estimated cost is worth a fork, else here. Render thread: no
    /// allocation.
    pub fn render<F>(&mut self, l: &mut [f32], r: &mut [f32], frames: usize, each: &F)
    where
        F: Fn(usize, &mut V, &mut Sum) + Sync,
    {
        let n = l.len();
        self.busy.clear();
        let mut voices = 0;
        for s in self.active.iter() {
            voices += 1;
            let g = (s / GROUP) as u32;
            if self.busy.last() != Some(&g) {
                self.busy.push(g);
            }
        }
        let width = crate::workers::width();
        let voice_frames = voices * frames;
        let bins = width.min(self.busy.len()).min(self.homes.len());
        let cost = match self.mode.cost {
            Cost::PerVoiceFrame => self.cost_ns * voice_frames as f32,
            Cost::PerBlock => self.cost_ns,
        };
        #[cfg(test)]
        let cost = if self.always_split {
            f32::INFINITY
        } else {
            cost
        };
        let block_t0 =
            (self.mode.cost == Cost::PerBlock && width > 1).then(std::time::Instant::now);
        let backing_off = self.verdict.back_off.active();
        self.verdict.back_off.tick();
        // The workers' time when this render splits (what it costs, where its span is less).
        let mut split_work = None;
        #[cfg(test)]
        let backing_off = backing_off && !self.always_split;
        if bins > 1 && cost >= crate::schedule::MIN_PARALLEL_NS && !backing_off {
            self.split = true;
            // Every group into its own sums from now on: workers never reach the output.
            if let Direct::Group(d) = self.direct {
                demote(&mut self.groups[d], l, r);
            }
            self.direct = Direct::Off;
            // Homes: the busy groups by `g % bins`, each home in group order.
            self.busy.sort_unstable_by_key(|&g| (g as usize % bins, g));
            let mut k = 0;
            for (h, home) in self.homes[..bins].iter().enumerate() {
                let start = k;
                while k < self.busy.len() && self.busy[k] as usize % bins == h {
                    k += 1;
                }
                home.set(start as u32, k as u32);
            }
            let (homes, work) = (&self.homes[..bins], &self.work_ns);
            work.store(0, Ordering::Relaxed);
            let (busy, active) = (&self.busy[..], self.active);
            let slots = Shards::new(&mut self.slots[..], 0);
            let sums = Shards::new(&mut self.groups[..], 0);
            let fork_t0 = std::time::Instant::now();
            crate::workers::fork(bins, &|bin| {
                let t0 = std::time::Instant::now();
                let thread = crate::workers::thread_index(bin);
                while let Some(k) = crate::schedule::claim(homes, thread) {
                    let g = busy[k as usize] as usize;
                    // SAFETY: each busy group is claimed by exactly one bin (atomic home
                    // ranges); its slots `g·GROUP..(g+1)·GROUP` and its sums are touched by
                    // no other group, and nothing else reaches them until the fork returns.
                    let (voices, group) =
                        unsafe { (slots.slice_mut(g * GROUP, GROUP), sums.get_mut(g)) };
                    render_group(g, &active, voices, group, n, each);
                }
                work.fetch_add(t0.elapsed().as_nanos() as u64, Ordering::Relaxed);
            });
            let span = fork_t0.elapsed().as_nanos() as f32;
            let work = self.work_ns.load(Ordering::Relaxed) as f32;
            split_work = Some(work);
            self.judge(span, work);
            if self.mode.cost == Cost::PerVoiceFrame {
                self.learn(work, voice_frames);
            }
        } else {
            let t0 = (self.mode.cost == Cost::PerVoiceFrame
                && width > 1
                && voice_frames >= TIMED_VOICE_FRAMES)
                .then(std::time::Instant::now);
            let active = self.active;
            for k in 0..self.busy.len() {
                let g = self.busy[k] as usize;
                let (lo, hi) = (g * GROUP, ((g + 1) * GROUP).min(self.slots.len()));
                let mut yes = true;
                let to_output = self.direct_for(g, l, r);
                let Group {
                    l: gl,
                    r: gr,
                    c,
                    lr,
                    centred,
                    space,
                } = &mut self.groups[g];
                let mut sum = if to_output {
                    Sum {
                        l: &mut *l,
                        r: &mut *r,
                        c: &mut c[..n],
                        lr: &mut yes,
                        centred,
                        space,
                    }
                } else {
                    Sum {
                        l: &mut gl[..n],
                        r: &mut gr[..n],
                        c: &mut c[..n],
                        lr,
                        centred,
                        space,
                    }
                };
                for s in active.iter_in(lo, hi) {
                    each(s, &mut self.slots[s], &mut sum);
                }
            }
            if let Some(t0) = t0 {
                self.learn(t0.elapsed().as_nanos() as f32, voice_frames);
            }
        }
        if let Some(t0) = block_t0 {
            // A split render's cost is its workers' time, not its span: the span of a render
            // that paid (about half its work) pulled the estimate below the threshold, and the
            // next renders ran serially until it climbed back (P3 split 69–113 of 5168 blocks).
            let ns = split_work.unwrap_or_else(|| t0.elapsed().as_nanos() as f32);
            self.cost_ns += SMOOTHING * (ns - self.cost_ns);
        }
    }

    /// Whether group `g` sums straight into the output `l`, `r` for the rest of the block: it is
    /// (or becomes) the direct group. A group below the direct one takes its place: the direct
    /// group's sums so far move to its own. Render thread.
    fn direct_for(&mut self, g: usize, l: &mut [f32], r: &mut [f32]) -> bool {
        match self.direct {
            Direct::Free => self.direct = Direct::Group(g),
            Direct::Group(d) if d < g => return false,
            Direct::Group(d) if d > g => {
                demote(&mut self.groups[d], l, r);
                self.direct = Direct::Group(g);
            }
            Direct::Group(_) => {}
            Direct::Off => return false,
        }
        true
    }

    /// After a split render that spanned `span_ns` for `work_ns` of its workers' rendering:
    /// past [`SPLIT_WARM_UP`], folds span/work into a moving average, and once that average
    /// over [`crate::schedule::JUDGE_AFTER`] renders or more is no lower than
    /// [`crate::schedule::PAYS`] (the workers ran one after the other: the machine's other core
    /// was not there), renders serially for a while ([`BACK_OFF_FIRST`] renders, doubling up to
    /// [`BACK_OFF_RENDERS`] while retries fail at once), then tries again.
    /// Which renders split never changes the output (the group sums are added in group order
    /// either way). Render thread.
    fn judge(&mut self, span_ns: f32, work_ns: f32) {
        let v = &mut self.verdict;
        // Over no work the ratio is not finite: only counted.
        v.fold(span_ns / work_ns, SPLIT_WARM_UP);
        if v.failing(SPLIT_WARM_UP, crate::schedule::PAYS) {
            v.back_off(SPLIT_WARM_UP, BACK_OFF_FIRST, BACK_OFF_RENDERS);
            v.restart();
        }
    }

    /// Folds `ns` spent rendering `voice_frames` into the cost per voice-frame. A timing above
    /// twice the estimate counts as twice it: a thread preempted mid-render (a shared machine)
    /// would otherwise inflate the estimate for many renders, while a real rise in cost still
    /// lifts it by a quarter per timing.
    fn learn(&mut self, ns: f32, voice_frames: usize) {
        let mut per = ns / voice_frames as f32;
        if self.cost_ns > 0.0 {
            per = per.min(2.0 * self.cost_ns);
        }
        self.cost_ns += SMOOTHING * (per - self.cost_ns);
    }

    /// Drops from the active set the slots whose voice `sounds` no more. Render thread.
    pub fn retain(&mut self, sounds: impl Fn(&V) -> bool) {
        for i in self.active.iter() {
            if !sounds(&self.slots[i]) {
                self.active.remove(i);
            }
        }
    }

    /// Ends the block: adds the groups' left/right sums into `l`, `r` in group order, then their
    /// centre sums (in group order, into both sides), multiplies by the node's `gain` and counts
    /// a split block. Render thread: no allocation.
    pub fn finish(&mut self, l: &mut [f32], r: &mut [f32], gain: Input) {
        let n = l.len();
        for g in self.groups.iter_mut().filter(|g| g.lr) {
            g.lr = false;
            for (o, x) in l.iter_mut().zip(&g.l[..n]) {
                *o += x;
            }
            for (o, x) in r.iter_mut().zip(&g.r[..n]) {
                *o += x;
            }
        }
        let mut centred = self.groups.iter_mut().filter(|g| g.centred);
        if let Some(first) = centred.next() {
            first.centred = false;
            let c = &mut self.centre[..n];
            c.copy_from_slice(&first.c[..n]);
            for g in centred {
                g.centred = false;
                for (o, x) in c.iter_mut().zip(&g.c[..n]) {
                    *o += x;
                }
            }
            for ((l, r), c) in l.iter_mut().zip(r.iter_mut()).zip(c.iter()) {
                *l += c;
                *r += c;
            }
        }
        if std::mem::take(&mut self.split) {
            self.counts.split_blocks += 1;
        }
        if self.mode.direct {
            self.direct = Direct::Free;
        }
        self.sounding = self.active.len();
        apply_gain(l, r, gain);
    }

    /// Takes over the voices of `old`, the pool of the node with the same key in the program
    /// being replaced, at absolute frame `now`: with as many slots, every slot as it is; else the
    /// newest that fit ([`carried`], in their own slots when those exist, else packed in order;
    /// the rest stop), and playing voices beyond the limit fade out as steals. `take` copies one
    /// voice. Render thread: copies only, no allocation.
    pub fn adopt(
        &mut self,
        old: &mut VoicePool<V>,
        now: u64,
        mut take: impl FnMut(&mut V, &mut V),
    ) {
        self.serial = old.serial;
        if old.slots.len() == self.slots.len() {
            for (v, o) in self.slots.iter_mut().zip(old.slots.iter_mut()) {
                take(v, o);
            }
            self.active = old.active;
            self.sounding = old.sounding;
            return;
        }
        let keep = carried(old.active, self.slots.len(), |i| {
            old.slots[i].view(now).serial
        });
        self.active = ActiveSet::default();
        for (i, j) in placement(keep, self.slots.len()) {
            take(&mut self.slots[j], &mut old.slots[i]);
            self.active.insert(j);
        }
        let limit = self.limit;
        while self.steal_oldest(now, limit + 1).is_some() {}
        self.sounding = self.active.len();
    }
}

/// Harnesses for the voice kinds' tests and benches: render a kind in blocks with triggers.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Voice, VoicePool};
    use crate::events::Trigger;
    use crate::kernels::{Context, Input, Kernel, Outputs, PortIn};
    use crate::samples::SampleBank;
    use std::hint::black_box;
    use std::time::Instant;

    /// The sample rate of the voice tests.
    pub const SR: f32 = 44100.0;

    /// Renders `n` frames of a prepared kernel in 64-frame blocks with a `gain` of 1,
    /// `triggers` at frames relative to this call, calling `each` after every block; the left
    /// channel.
    pub fn drive<K: Kernel>(
        k: &mut K,
        bank: &SampleBank,
        n: usize,
        triggers: &[(usize, Trigger)],
        mut each: impl FnMut(&K),
    ) -> Vec<f32> {
        const B: usize = 64;
        let gain = [PortIn::mono(Input::Const(1.0))];
        let mut buf = vec![0.0f32; 2 * B];
        let mut left = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let m = B.min(n - start);
            let ctx = Context {
                sample_rate: SR,
                frames: m,
                bank,
                lanes: &[],
            };
            for (f, t) in triggers {
                if (start..start + m).contains(f) {
                    k.trigger(&ctx, f - start, t);
                }
            }
            let mut out = Outputs::new(&mut buf, B, 2, m);
            k.process(&ctx, &gain, &mut out);
            left.extend_from_slice(&buf[..m]);
            each(k);
            start += m;
        }
        left
    }

    /// Renders `warm` + `blocks` blocks of `block` frames of a prepared kernel with `ins`,
    /// calling `before(b, kernel, ctx)` before block `b` (to trigger); returns (ns per block of
    /// the last `blocks`, mean voices sounding over them).
    pub fn time<K: Kernel>(
        k: &mut K,
        bank: &SampleBank,
        block: usize,
        (warm, blocks): (usize, usize),
        ins: &[PortIn],
        mut before: impl FnMut(usize, &mut K, &Context),
    ) -> (f64, f64) {
        let mut buf = vec![0.0f32; 2 * block];
        let (mut ns, mut sounding) = (0u128, 0usize);
        for b in 0..warm + blocks {
            let ctx = Context {
                sample_rate: SR,
                frames: block,
                bank,
                lanes: &[],
            };
            before(b, k, &ctx);
            let t0 = Instant::now();
            let mut out = Outputs::new(&mut buf, block, 2, block);
            k.process(&ctx, ins, &mut out);
            black_box(&buf);
            if b >= warm {
                ns += t0.elapsed().as_nanos();
                sounding += k.voices();
            }
        }
        (ns as f64 / blocks as f64, sounding as f64 / blocks as f64)
    }

    /// The least of `runs` measurements (this machine is shared: the minimum is the figure).
    pub fn best(runs: usize, mut f: impl FnMut() -> (f64, f64)) -> (f64, f64) {
        (0..runs)
            .map(|_| f())
            .fold((f64::INFINITY, 0.0), |a, b| if b.0 < a.0 { b } else { a })
    }

    /// The trigger order of the pool's sounding voices, in slot order.
    pub fn serials<V: Voice>(pool: &VoicePool<V>) -> Vec<u64> {
        pool.active
            .iter()
            .map(|i| pool.slots[i].view(0).serial)
            .collect()
    }
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

    /// A voice that adds `value` to every frame it renders (centred when `centre`).
    #[derive(Clone, Copy, Debug, Default)]
    struct Toy {
        value: f32,
        centre: bool,
        serial: u64,
    }

    impl Voice for Toy {
        fn view(&self, _now: u64) -> SlotView {
            SlotView {
                busy: true,
                playing: true,
                serial: self.serial,
                left: 0,
            }
        }

        fn steal(&mut self, _now: u64, _frames: u32) {}
    }

    /// Splits are judged only after the warm-up and JUDGE_AFTER renders: a pool whose workers
    /// ran one after the other (span = work) backs off for BACK_OFF_FIRST renders, twice as
    /// long (up to BACK_OFF_RENDERS) each time its retry fails at once, and then starts over;
    /// one whose first splits were slow but whose later ones pay (span = work / 2) keeps
    /// splitting.
    #[test]
    fn splits_that_do_not_pay_back_off_after_the_warm_up() {
        let mut pool = VoicePool::<Toy>::new(Mode::new(false, Cost::PerBlock, 4, 8), 32);
        let judged = SPLIT_WARM_UP + crate::schedule::JUDGE_AFTER;
        let mut expect = BACK_OFF_FIRST;
        for round in 0..8 {
            for _ in 1..judged {
                pool.judge(100_000.0, 100_000.0);
                assert!(!pool.verdict.back_off.active());
            }
            pool.judge(100_000.0, 100_000.0);
            assert_eq!(
                (pool.verdict.back_off.left(), pool.verdict.samples),
                (expect, 0)
            );
            // The renders of the back-off (as `render` counts them).
            for _ in 0..expect {
                assert!(pool.verdict.back_off.active());
                pool.verdict.back_off.tick();
            }
            assert!(!pool.verdict.back_off.active());
            if round < 7 {
                expect = (2 * expect).min(BACK_OFF_RENDERS);
            }
        }
        assert_eq!(expect, BACK_OFF_RENDERS);
        // A retry that held for a while and then stops paying backs off briefly again.
        for _ in 0..SPLIT_WARM_UP + 3 * crate::schedule::JUDGE_AFTER {
            pool.judge(50_000.0, 100_000.0);
        }
        assert!(!pool.verdict.back_off.active());
        while !pool.verdict.back_off.active() {
            pool.judge(100_000.0, 100_000.0);
        }
        assert_eq!(pool.verdict.back_off.left(), BACK_OFF_FIRST);

        let mut pool = VoicePool::<Toy>::new(Mode::new(false, Cost::PerBlock, 4, 8), 32);
        for _ in 0..SPLIT_WARM_UP {
            pool.judge(100_000.0, 100_000.0);
        }
        for _ in 0..4 * judged {
            pool.judge(50_000.0, 100_000.0);
            assert!(!pool.verdict.back_off.active());
        }
    }

    /// 40 voices (five groups) of awkward values, some centred, summed by both modes with and
    /// without splitting across 1, 2 and 3 workers: the group-ordered sum
    /// ((G₀ + G₁) + …) + centres, the same bits every way, times a constant gain.
    #[test]
    fn every_mode_and_split_gives_the_group_ordered_sum() {
        let n = 37;
        let value =
            |i: usize| 1.0 / (3.0 + i as f32) * if i.is_multiple_of(5) { -7.0 } else { 1.0 };
        let mut want = (vec![0.0f32; n], vec![0.0f32; n]);
        let (mut lr, mut c) = (0.0f32, 0.0f32);
        for g in 0..5 {
            let (mut gl, mut gc) = (0.0f32, 0.0f32);
            for i in g * GROUP..(g + 1) * GROUP {
                if i.is_multiple_of(3) {
                    gc += value(i);
                } else {
                    gl += value(i);
                }
            }
            lr += gl;
            c = if g == 0 { gc } else { c + gc };
        }
        want.0.fill((lr + c) * 0.5);
        want.1.fill((lr + c) * 0.5);
        for direct in [false, true] {
            for split in [false, true] {
                for threads in [1, 2, 3] {
                    let mode = Mode::new(direct, Cost::PerBlock, 4, 8);
                    let mut pool = VoicePool::<Toy>::new(mode, 32);
                    pool.slots = (0..pool.size())
                        .map(|i| Toy {
                            value: value(i),
                            centre: i.is_multiple_of(3),
                            serial: i as u64,
                        })
                        .collect();
                    pool.prepare(44100.0, 64);
                    for i in 0..40 {
                        pool.active.insert(i);
                    }
                    pool.always_split = split;
                    let w = crate::workers::Workers::new(threads, None).unwrap();
                    let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
                    w.run(|| {
                        pool.render(&mut l, &mut r, n, &|_, v, sum| {
                            if v.centre {
                                sum.centre().iter_mut().for_each(|x| *x += v.value);
                            } else {
                                let (l, r) = sum.stereo();
                                l.iter_mut().for_each(|x| *x += v.value);
                                r.iter_mut().for_each(|x| *x += v.value);
                            }
                        });
                        pool.finish(&mut l, &mut r, Input::Const(0.5));
                    });
                    let what = format!("direct {direct}, split {split}, {threads} threads");
                    assert_eq!((&l, &r), (&want.0, &want.1), "{what}");
                    assert_eq!(pool.sounding(), 40, "{what}");
                    let splits = pool.counts.split_blocks;
                    assert_eq!(splits, u64::from(split && threads > 1), "{what}");
                }
            }
        }
    }
}
