//! Cost-guided scheduling: a sampled moving-average cost per work item, and per stage the decision to run it serially or packed into balanced bins, largest item first.
//!
//! Every [`SAMPLE_EVERY`]th block the executor times each work item (one clock read per item,
//! the clock `PROFILE_DETAILED` uses) and the stage's span, and [`Schedule::learn`] folds the
//! times into each item's estimate (an exponential moving average over samples) and decides
//! the stage again for the blocks until the next sample:
//! - a stage whose estimated work is below [`MIN_PARALLEL_NS`], or with one item, or with one
//!   worker available, runs serially on the render thread (a fork costs more than it saves);
//! - a stage whose measured parallel span came out no shorter than [`PAYS`] of its work run
//!   serially (the other worker woke too late, or the machine's other core was busy) runs
//!   serially too, and is tried in parallel again after a [`BackOff`]: [`RETRY_FIRST`] samples
//!   at first, twice as many each time a retry fails at once, at most [`RETRY_AFTER`];
//! - otherwise it runs on `min(workers, items)` workers, each with a *home*: the stage's items
//!   cut, in item order, into `bins` contiguous runs of about equal estimated work, each run
//!   sorted largest first. A worker claims from the front of its own home (its thread's index
//!   picks it) and, once that is empty, steals from the back of the others' (the smallest
//!   items): list scheduling driven by the actual finishing times, so a worker that wakes late
//!   only takes less and the render thread starts at once, while an item runs on the same
//!   thread block after block. That keeps each kernel's state in its core's cache: with one
//!   shared counter, items changed threads every block, and P1's 1,024 oscillators were loaded
//!   from the other core's cache each time (on this VM up to a quarter of the 2-thread CPU, in
//!   `Sine::process`'s first loads). The cuts move only when a home's estimate strays a quarter
//!   from its share ([`REBALANCE`]).
//!
//! Which worker runs an item never changes what it computes: every item writes its own buffers
//! and a split sum's parts are added in a fixed order afterwards, so the output is the same bit
//! for bit whatever is decided here. Everything is allocated with the plan; deciding sorts in
//! place and allocates nothing.

use std::ops::Range;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Blocks between two cost samples (the first block is sampled).
pub const SAMPLE_EVERY: u64 = 8;
/// A stage whose estimated work is below this many ns runs serially: a fork and join cost a few
/// µs when the other worker is awake, so smaller stages cannot win. Stages above it that do not
/// gain in parallel (a parked worker takes tens of µs to wake on a loaded machine) fall back to
/// serial by measurement ([`PAYS`]).
pub const MIN_PARALLEL_NS: f32 = 20_000.0;
/// A stage runs in parallel only while its measured span stays below this fraction of its work
/// (the time its items take one after another): a fork that saves less holds a second core for
/// little.
pub const PAYS: f32 = 0.85;
/// Samples (of [`SAMPLE_EVERY`] blocks each) a stage that did not gain in parallel stays serial
/// before it is tried in parallel again, the first time: 2 × 8 blocks of 512 frames, 0.37 s at
/// 44.1 kHz. Most such verdicts come from a few ms when the machine's other core was busy.
pub const RETRY_FIRST: u32 = 2;
/// The most samples a stage stays serial before it is tried again, reached by doubling
/// [`RETRY_FIRST`] while retries fail at once: 32 × 8 blocks is about 3 s at 44.1 kHz.
pub const RETRY_AFTER: u32 = 32;
/// Parallel samples a stage's span average needs before [`PAYS`] judges it: the first parallel
/// blocks of a program (or of a retry) are the slowest (the other worker waking, its first
/// touch of the stage's buffers), and one of them alone sent P1 serial for 3 s at its start.
pub const JUDGE_AFTER: u32 = 4;
/// Weight of a new sample in an item's moving average.
const SMOOTHING: f32 = 0.25;
/// A stage's homes are cut again when one's estimated work strays more than this fraction from
/// its share (stealing evens out smaller differences within each block, and every new cut moves
/// items, with their state, to another thread).
const REBALANCE: f32 = 0.25;

/// One worker's home in a fork: the range `lo..hi` of the work's claim order not yet claimed
/// (a stage's items, a voice pool's groups), packed as `lo | hi << 32`, alone on its cache line
/// (the owner claims from its front with no other thread touching the line until it steals).
#[repr(align(128))]
#[derive(Debug, Default)]
pub struct Home(AtomicU64);

impl Home {
    /// Opens the range `lo..hi`. The thread that forks, before the fork.
    pub fn set(&self, lo: u32, hi: u32) {
        self.0
            .store(lo as u64 | (hi as u64) << 32, Ordering::Relaxed);
    }

    /// Takes the front (`front`) or back index of the range, if any is left. Any thread.
    #[inline]
    pub fn take(&self, front: bool) -> Option<u32> {
        let mut cur = self.0.load(Ordering::Relaxed);
        loop {
            let (lo, hi) = (cur as u32, (cur >> 32) as u32);
            if lo >= hi {
                return None;
            }
            let (next, got) = if front {
                (cur + 1, lo)
            } else {
                (cur - (1 << 32), hi - 1)
            };
            match self
                .0
                .compare_exchange_weak(cur, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Some(got),
                Err(now) => cur = now,
            }
        }
    }
}

/// One stage's decision and what was measured of it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Decision {
    /// Workers it runs on (1: serial).
    pub bins: usize,
    /// Estimated work of the whole stage, ns.
    pub cost_ns: f32,
    /// Over sampled blocks run in parallel: Σ item time.
    pub work_ns: u64,
    /// Over sampled blocks run in parallel: Σ span × bins.
    pub capacity_ns: u64,
    /// Whether running in parallel pays: the moving average of the stage's span in sampled
    /// parallel blocks, ns, and the back-off when it did not pay.
    pub verdict: Verdict,
}

/// Whether a parallel path pays, judged as stages and voice pools both judge it: a moving
/// average of one measure per parallel sample (a stage's span; a pool's span over its workers'
/// time), the first `warm_up` samples after a start or retry only counted, judged from its
/// [`JUDGE_AFTER`]th folded sample on; and the [`BackOff`] when it did not pay. Render thread.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Verdict {
    /// Samples since the program started or the path was last tried again.
    pub samples: u32,
    /// Moving average of the samples past the warm-up (0: none yet).
    pub average: f32,
    /// How long the path stays serial after it did not pay.
    pub back_off: BackOff,
}

impl Verdict {
    /// Counts a sample and, past the first `warm_up`, folds `x` into the average (a non-finite
    /// `x`, such as a ratio over no work, is only counted).
    pub fn fold(&mut self, x: f32, warm_up: u32) {
        self.samples = self.samples.saturating_add(1);
        if self.samples <= warm_up || !x.is_finite() {
            return;
        }
        self.average = if self.samples == warm_up + 1 {
            x
        } else {
            self.average + SMOOTHING * (x - self.average)
        };
    }

    /// Whether the average, over [`JUDGE_AFTER`] folded samples or more, reaches `limit`:
    /// the path does not pay.
    pub fn failing(&self, warm_up: u32, limit: f32) -> bool {
        self.samples >= warm_up + JUDGE_AFTER && self.average >= limit
    }

    /// Backs off after a failing verdict: for `first` units, or twice the last back-off (at
    /// most `most`) when the verdict came at the first judgement since the last retry.
    pub fn back_off(&mut self, warm_up: u32, first: u32, most: u32) {
        let at_once = self.samples == warm_up + JUDGE_AFTER;
        self.back_off.fail(at_once, first, most);
    }

    /// Starts over from no samples (a retry).
    pub fn restart(&mut self) {
        self.samples = 0;
        self.average = 0.0;
    }
}

/// How long a parallel path that did not pay runs serially before it is tried again: briefly
/// at first (a verdict usually comes from the machine's other core being busy for a few ms,
/// and then every block serial after it is lost time), twice as long each time a retry fails
/// at its first verdict (the other core stays busy: each retry costs a few blocks that do not
/// pay), and briefly again once a retry has held. Counted in the caller's units (samples,
/// renders). Render thread; no allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BackOff {
    /// Units left before the next try (0: not backing off).
    left: u32,
    /// The length of the last back-off (0: none yet).
    last: u32,
}

impl BackOff {
    /// The parallel path did not pay: serial from now on, for `first` units, or twice the last
    /// back-off (at most `most`) when `at_once` (the verdict came at the first judgement after
    /// the last retry).
    pub fn fail(&mut self, at_once: bool, first: u32, most: u32) {
        self.last = if at_once && self.last > 0 {
            (self.last * 2).min(most)
        } else {
            first
        };
        self.left = self.last;
    }

    /// Counts one unit; whether the path is still backing off in it.
    #[inline]
    pub fn tick(&mut self) -> bool {
        self.left = self.left.saturating_sub(1);
        self.left > 0
    }

    /// Whether the path is backing off.
    #[inline]
    pub fn active(&self) -> bool {
        self.left > 0
    }

    /// Units left before the next try.
    pub fn left(&self) -> u32 {
        self.left
    }
}

impl Decision {
    /// Measured parallel efficiency: the items' time over the time the bins were held
    /// (1 = perfectly balanced and free of overhead; `None` before a parallel block was sampled).
    pub fn efficiency(&self) -> Option<f64> {
        (self.capacity_ns > 0).then(|| self.work_ns as f64 / self.capacity_ns as f64)
    }
}

/// Claims an index for the worker whose thread has index `thread`: the front of its home
/// (`homes[thread % homes.len()]`), else the back of another's, the next homes first. Any
/// worker; no lock.
#[inline]
pub fn claim(homes: &[Home], thread: usize) -> Option<u32> {
    let bins = homes.len();
    let own = thread % bins;
    homes[own]
        .take(true)
        .or_else(|| (1..bins).find_map(|j| homes[(own + j) % bins].take(false)))
}

/// The schedule of one graph.
pub struct Schedule {
    /// Each stage's range of items.
    stages: Vec<Range<usize>>,
    /// Moving-average cost per item, ns (0 until sampled).
    cost: Vec<f32>,
    /// The last sample's time per item, ns; written by whichever worker ran the item.
    took: Vec<AtomicU32>,
    /// Per stage: its items (absolute indices) in claim order: in item order while serial;
    /// in parallel, home after home, each largest estimate first.
    order: Vec<u32>,
    /// Per stage, `homes.len() + 1` cut points into its slice of `order`: home `h` is
    /// `cuts[h]..cuts[h + 1]` (of the stage's `bins` homes).
    cuts: Vec<u32>,
    /// The workers' homes in the running stage (one per worker: [`Schedule::set_workers`]).
    homes: Vec<Home>,
    /// Per stage.
    decisions: Vec<Decision>,
    /// Blocks run.
    block: u64,
    /// A stage whose estimated work is below this runs serially ([`MIN_PARALLEL_NS`] unless
    /// [`Schedule::set_threshold`] says otherwise).
    threshold: f32,
}

impl Schedule {
    /// A schedule for `stages` (each a range of item indices, in order, covering `0..items`).
    /// Everything starts serial. Control thread (allocates).
    pub fn new(stages: &[Range<usize>]) -> Schedule {
        let items = stages.last().map_or(0, |r| r.end);
        let mut s = Schedule {
            stages: stages.to_vec(),
            cost: vec![0.0; items],
            took: (0..items).map(|_| AtomicU32::new(0)).collect(),
            order: (0..items as u32).collect(),
            cuts: vec![0; 2 * stages.len()],
            homes: vec![Home::default()],
            decisions: vec![Decision::default(); stages.len()],
            block: 0,
            threshold: MIN_PARALLEL_NS,
        };
        for st in 0..stages.len() {
            s.serial(st);
        }
        s
    }

    /// Splits stages whose estimated work is at least `ns` (0: every stage of two or more items
    /// once sampled, whether or not it gains: no falling back to serial by [`PAYS`]). For tests
    /// that must see the parallel path run whatever the machine's speed; a program keeps
    /// [`MIN_PARALLEL_NS`]. Control thread.
    pub fn set_threshold(&mut self, ns: f32) {
        self.threshold = ns;
    }

    /// Room for stages split across up to `workers` workers (a home each). Control thread
    /// (allocates); a stage decided for more workers than this runs on this many.
    pub fn set_workers(&mut self, workers: usize) {
        let workers = workers.max(1);
        self.homes = (0..workers).map(|_| Home::default()).collect();
        self.cuts = vec![0; self.stages.len() * (workers + 1)];
        for st in 0..self.stages.len() {
            self.serial(st);
        }
    }

    /// Whether this block's items are timed. Render thread.
    #[inline]
    pub fn sampling(&self) -> bool {
        self.block.is_multiple_of(SAMPLE_EVERY)
    }

    /// Counts a block (after it ran). Render thread.
    #[inline]
    pub fn end_block(&mut self) {
        self.block += 1;
    }

    /// Records item `item`'s time in this sampled block. Any worker (one writer per item).
    #[inline]
    pub fn record(&self, item: usize, ns: u64) {
        self.took[item].store(ns.min(u32::MAX as u64) as u32, Ordering::Relaxed);
    }

    /// Workers stage `st` runs on in this block (1: serial).
    #[inline]
    pub fn bins(&self, st: usize) -> usize {
        self.decisions[st].bins
    }

    /// Stage `st`'s items (absolute indices) in claim order.
    #[inline]
    pub fn items(&self, st: usize) -> &[u32] {
        &self.order[self.stages[st].clone()]
    }

    /// Fills stage `st`'s homes for this block. Render thread, before the fork.
    #[inline]
    pub fn open(&self, st: usize) {
        let bins = self.bins(st);
        let cuts = &self.cuts[st * (self.homes.len() + 1)..];
        for (h, home) in self.homes[..bins].iter().enumerate() {
            home.set(cuts[h], cuts[h + 1]);
        }
    }

    /// Claims an unclaimed item of stage `st` (opened with [`Schedule::open`]) for the worker
    /// whose thread has index `thread`: the front of its home, else the back of another's,
    /// the next homes first. Any worker; no lock.
    #[inline]
    pub fn claim(&self, st: usize, thread: usize) -> Option<u32> {
        let items = self.items(st);
        let bins = self.bins(st);
        let k = claim(&self.homes[..bins], thread)?;
        items.get(k as usize).copied()
    }

    /// Every stage's decision. Control thread (for the profile).
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    /// After a sampled block: folds stage `st`'s item times into their estimates, accounts the
    /// measured efficiency when it ran in `ran` bins over `span_ns`, and decides the stage again
    /// for up to `width` workers. Render thread: no allocation.
    pub fn learn(&mut self, st: usize, ran: usize, span_ns: u64, width: usize) {
        let r = self.stages[st].clone();
        let mut work = 0u64;
        for i in r.clone() {
            let t = self.took[i].load(Ordering::Relaxed) as f32;
            work += t as u64;
            self.cost[i] = if self.cost[i] == 0.0 {
                t
            } else {
                self.cost[i] + SMOOTHING * (t - self.cost[i])
            };
        }
        let d = &mut self.decisions[st];
        if ran > 1 {
            d.work_ns += work;
            d.capacity_ns += span_ns * ran as u64;
            d.verdict.fold(span_ns as f32, 0);
        }
        self.decide(st, width);
    }

    /// Stage `st` serial, items in order.
    fn serial(&mut self, st: usize) {
        let r = self.stages[st].clone();
        for (k, i) in r.clone().enumerate() {
            self.order[r.start + k] = i as u32;
        }
        self.decisions[st].bins = 1;
    }

    /// Decides stage `st` from its estimates for up to `width` workers.
    fn decide(&mut self, st: usize, width: usize) {
        let r = self.stages[st].clone();
        let total: f32 = self.cost[r.clone()].iter().sum();
        self.decisions[st].cost_ns = total;
        let bins = width.min(r.len()).min(self.homes.len());
        if bins < 2 || total < self.threshold {
            self.serial(st);
            return;
        }
        // Parallel did not pay: serial for a while, then one more try from a fresh average.
        let v = &mut self.decisions[st].verdict;
        if self.threshold > 0.0 && v.failing(0, PAYS * total) {
            if !v.back_off.active() {
                v.back_off(0, RETRY_FIRST, RETRY_AFTER);
            }
            if v.back_off.tick() {
                self.serial(st);
                return;
            }
            v.restart();
        }
        let at = st * (self.homes.len() + 1);
        if self.decisions[st].bins != bins || !self.balanced(st, bins, total) {
            self.cut(st, bins, total);
        }
        // Each home largest first (equal estimates in item order): its owner starts on the
        // dearest, thieves take the cheapest from its back.
        let cost = &self.cost;
        for h in 0..bins {
            let home = &mut self.order
                [r.start + self.cuts[at + h] as usize..r.start + self.cuts[at + h + 1] as usize];
            home.sort_unstable_by(|a, b| {
                cost[*b as usize]
                    .total_cmp(&cost[*a as usize])
                    .then(a.cmp(b))
            });
        }
        self.decisions[st].bins = bins;
    }

    /// Whether each of stage `st`'s `bins` homes holds within [`REBALANCE`] of its share of
    /// `total`.
    fn balanced(&self, st: usize, bins: usize, total: f32) -> bool {
        let r = self.stages[st].clone();
        let at = st * (self.homes.len() + 1);
        let share = total / bins as f32;
        (0..bins).all(|h| {
            let home =
                r.start + self.cuts[at + h] as usize..r.start + self.cuts[at + h + 1] as usize;
            let work: f32 = self.order[home]
                .iter()
                .map(|&i| self.cost[i as usize])
                .sum();
            (work - share).abs() <= REBALANCE * share
        })
    }

    /// Cuts stage `st`'s items, in item order, into `bins` non-empty runs of about equal
    /// estimated work (each cut where the running sum comes nearest its multiple of
    /// `total / bins`).
    fn cut(&mut self, st: usize, bins: usize, total: f32) {
        let r = self.stages[st].clone();
        let at = st * (self.homes.len() + 1);
        let n = r.len();
        for (k, i) in r.clone().enumerate() {
            self.order[r.start + k] = i as u32;
        }
        self.cuts[at] = 0;
        let mut k = 0usize;
        let mut sum = 0.0f32;
        for h in 1..bins {
            let goal = total * h as f32 / bins as f32;
            // Leave at least one item for each home after this one.
            let last = n - (bins - h);
            while k < last.max(h) {
                let c = self.cost[r.start + k];
                // Take item k when that brings the sum nearer the goal (and always the first
                // item of this home).
                if k > self.cuts[at + h - 1] as usize && (sum + c - goal).abs() > (sum - goal).abs()
                {
                    break;
                }
                sum += c;
                k += 1;
            }
            self.cuts[at + h] = k as u32;
        }
        self.cuts[at + bins] = n as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples every item of stage 0 at the given times and decides for `width` workers.
    fn learn(s: &mut Schedule, times: &[u64], width: usize) {
        for (i, t) in times.iter().enumerate() {
            s.record(i, *t);
        }
        s.learn(0, 1, 0, width);
    }

    #[test]
    fn a_cheap_stage_stays_serial_and_a_dear_one_is_cut_into_homes_claimed_largest_first() {
        let mut s = Schedule::new(std::slice::from_ref(&(0..5)));
        s.set_workers(2);
        assert_eq!(s.bins(0), 1);
        // 5 items, 15 µs in all: below the threshold.
        learn(&mut s, &[3_000; 5], 2);
        const { assert!(15_000.0 < MIN_PARALLEL_NS) };
        assert_eq!(s.bins(0), 1);
        assert_eq!(s.items(0), &[0, 1, 2, 3, 4]);
        // 700 µs: two workers.
        learn(&mut s, &[100_000, 300_000, 100_000, 50_000, 150_000], 2);
        assert_eq!(s.bins(0), 2);
        // Estimates (first sample 3 µs, then 25 % of the way to the new time): 27.25, 77.25,
        // 27.25, 14.75, 39.75 µs, 186.25 in all, a share of 93.125 each. In item order the sum
        // is 27.25, 104.5, 131.75: the cut after item 1 comes nearest (11.375 off, against
        // 65.875 and 38.625). Homes {0, 1} and {2, 3, 4}, each largest first.
        assert_eq!(s.items(0), &[1, 0, 4, 2, 3]);
        // Each item is claimed once: each worker its own home's front, then the other's back.
        s.open(0);
        let mut claimed = vec![];
        for thread in [0, 1, 0, 1, 0, 1, 0, 1] {
            claimed.push(s.claim(0, thread));
        }
        assert_eq!(
            claimed,
            [
                Some(1),
                Some(4),
                Some(0),
                Some(2),
                Some(3),
                None,
                None,
                None
            ]
        );
        // One worker takes everything: its home, then the other's from the back.
        s.open(0);
        let alone: Vec<u32> = std::iter::from_fn(|| s.claim(0, 1)).collect();
        assert_eq!(alone, [4, 2, 3, 0, 1]);
        // One worker: serial whatever the cost.
        learn(&mut s, &[100_000, 300_000, 100_000, 100_000, 100_000], 1);
        assert_eq!(s.bins(0), 1);
        // A graph with room for one worker only (never set_workers) runs serially too.
        let mut s = Schedule::new(std::slice::from_ref(&(0..5)));
        learn(&mut s, &[100_000; 5], 2);
        assert_eq!(s.bins(0), 1);
    }

    /// Homes keep their items while the estimates drift within REBALANCE of their shares (an
    /// item that changes homes takes its state to another core), and every home gets an item
    /// however lopsided the costs.
    #[test]
    fn homes_stay_put_within_the_rebalance_margin_and_are_never_empty() {
        let mut s = Schedule::new(std::slice::from_ref(&(0..8)));
        s.set_workers(2);
        learn(&mut s, &[10_000; 8], 2);
        // The first home's end.
        let cut = |s: &Schedule| s.cuts[1];
        assert_eq!(cut(&s), 4);
        // Item 3 alone twice as dear (estimate 12.5 µs): home 0 holds 42.5 of 82.5 µs, 3 %
        // over its share: the cut stays (a fresh cut would still be at 4: 32.5 or 42.5 against
        // 41.25), and item 3 leads its home.
        learn(
            &mut s,
            &[
                10_000, 10_000, 10_000, 20_000, 10_000, 10_000, 10_000, 10_000,
            ],
            2,
        );
        assert_eq!(cut(&s), 4);
        assert_eq!(s.items(0)[0], 3);
        // Items 0 and 1 at 30 µs from now on, item 3 back at 10. After three samples items 0
        // and 1 are at 15, 18.75, 21.56 µs and item 3 at 11.88, 11.41, 11.05: home 0 is 12.9 %,
        // 19.1 %, 23.2 % over its share (51.9 of 91.9, 58.9 of 98.9, 64.2 of 104.2 µs): the
        // cut stays…
        let slow = [
            30_000, 30_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000,
        ];
        for _ in 0..3 {
            learn(&mut s, &slow, 2);
            assert_eq!(cut(&s), 4);
        }
        // …after a fourth (23.67, 23.67, 10, 10.79: 68.1 of 108.1 µs, 26.0 % over) it is cut
        // again, after item 2 (running sums 23.67, 47.34, 57.34, 68.13 against a share of
        // 54.07: 57.34 is nearest).
        learn(&mut s, &slow, 2);
        assert_eq!(cut(&s), 3);
        // One item holding nearly everything: still one item in each home.
        let mut s = Schedule::new(std::slice::from_ref(&(0..3)));
        s.set_workers(3);
        learn(&mut s, &[1_000_000, 1_000, 1_000], 3);
        assert_eq!(s.bins(0), 3);
        s.open(0);
        let firsts: Vec<Option<u32>> = (0..3).map(|t| s.claim(0, t)).collect();
        assert_eq!(firsts, [Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn estimates_are_a_moving_average_and_efficiency_is_work_over_capacity() {
        let mut s = Schedule::new(&[0..1, 1..3]);
        s.set_workers(2);
        s.record(1, 100_000);
        s.record(2, 100_000);
        s.learn(1, 1, 0, 2);
        assert_eq!(s.decisions()[1].cost_ns, 200_000.0);
        assert_eq!(s.bins(1), 2);
        s.record(1, 200_000);
        s.record(2, 100_000);
        // Ran in 2 bins over a 250 µs span: 300 µs of work in 500 µs of capacity.
        s.learn(1, 2, 250_000, 2);
        // 100 + 0.25 · (200 − 100) = 125 µs, plus 100 µs.
        assert_eq!(s.decisions()[1].cost_ns, 225_000.0);
        assert_eq!(s.decisions()[1].efficiency(), Some(0.6));
        assert_eq!(s.decisions()[0].efficiency(), None);
    }

    #[test]
    fn a_stage_that_does_not_gain_in_parallel_goes_serial_and_is_tried_again() {
        let mut s = Schedule::new(std::slice::from_ref(&(0..2)));
        s.set_workers(2);
        // Two 50 µs items: worth two workers.
        let sample = |s: &mut Schedule, ran: usize, span: u64| {
            s.record(0, 50_000);
            s.record(1, 50_000);
            s.learn(0, ran, span, 2);
        };
        sample(&mut s, 1, 100_000);
        assert_eq!(s.bins(0), 2);
        // In parallel it spanned 95 µs of its 100 µs of work: above PAYS (85 %), but the
        // first few parallel samples are not judged...
        for _ in 1..JUDGE_AFTER {
            sample(&mut s, 2, 95_000);
            assert_eq!(s.bins(0), 2);
        }
        // ...the JUDGE_AFTER-th is: serial.
        sample(&mut s, 2, 95_000);
        assert_eq!(s.bins(0), 1);
        assert!(s.decisions()[0].verdict.back_off.active());
        // Serial for RETRY_FIRST samples in all, counting the one that decided it...
        let serial_for = |s: &mut Schedule, samples: u32| {
            for _ in 1..samples {
                assert_eq!(s.bins(0), 1);
                sample(s, 1, 100_000);
            }
            // ...then tried again, from a fresh average.
            assert_eq!(s.bins(0), 2);
            assert_eq!(s.decisions()[0].verdict.average, 0.0);
        };
        serial_for(&mut s, RETRY_FIRST);
        // A retry that fails at its first verdict backs off twice as long, and so on up to
        // RETRY_AFTER.
        let mut expect = RETRY_FIRST;
        for _ in 0..8 {
            for _ in 0..JUDGE_AFTER {
                assert_eq!(s.bins(0), 2);
                sample(&mut s, 2, 95_000);
            }
            expect = (2 * expect).min(RETRY_AFTER);
            assert_eq!(s.decisions()[0].verdict.back_off.left() + 1, expect);
            serial_for(&mut s, expect);
        }
        assert_eq!(expect, RETRY_AFTER);
        // This time it spans 55 µs: it pays, and stays parallel.
        for _ in 0..2 * JUDGE_AFTER {
            sample(&mut s, 2, 55_000);
            assert_eq!(s.bins(0), 2);
            assert!(!s.decisions()[0].verdict.back_off.active());
        }
        // A retry that held: the next verdict (the other core busy for a while) backs off
        // for RETRY_FIRST again.
        while s.bins(0) == 2 {
            sample(&mut s, 2, 100_000);
        }
        serial_for(&mut s, RETRY_FIRST);
        // A first slow sample after a retry is one of JUDGE_AFTER, not a verdict: a stage
        // whose first parallel block spans its whole work (a worker waking) stays parallel
        // while the next ones pay.
        let mut s = Schedule::new(std::slice::from_ref(&(0..2)));
        s.set_workers(2);
        sample(&mut s, 1, 100_000);
        sample(&mut s, 2, 100_000);
        for _ in 0..2 * JUDGE_AFTER {
            assert_eq!(s.bins(0), 2);
            sample(&mut s, 2, 52_000);
        }
        assert_eq!(s.bins(0), 2);
    }
}
