//! The executor: applies events at their frames and runs a plan's stages in order, one block at a time, each stage serially or split across the render workers.
//!
//! **Work items.** A stage is a list of work items ([`Work`]): its kernel and sum nodes, and
//! each long sum as up to [`crate::plan::MAX_PARTS`] parts. Per item, by the node's [`Role`]:
//! a kernel renders into its buffer and its folded gain and offset ([`Post`]) are applied right
//! after; a sum (or one part of it) fills its buffer with its bias (a later part: with 0) and
//! adds its terms in order, rendering absorbed terms itself (into a scratch buffer) and runs of
//! groupable ones as lanes of one kernel call (`run_lanes`); absorbed nodes have no item. After
//! the stage, each split sum's later parts are added into its buffer in part order and its post
//! applied.
//!
//! **Parallel stages.** Items of a stage only read buffers of earlier stages (split off with
//! `split_at_mut`) and write their own, every kernel is `Send`, and an absorbed node is a term
//! of exactly one sum ([`Graph::absorbed_once`]), so the items of a stage can run at once. The
//! [`Schedule`] decides per stage from sampled costs: serial, or on `n` workers that claim the
//! items largest first from an atomic counter ([`crate::schedule`]). The fork is
//! [`crate::workers::fork`]: the render loop itself runs on a worker of a persistent rayon pool
//! (`live` hands it over once; offline each `render` call is one hand-off), so a fork is a
//! `rayon::join` from inside the pool — a stack job pushed on the worker's own deque, no
//! allocation, no mutex latch; the render thread takes the first share of the items and never
//! waits on a lock for work to start. What runs where never changes what is computed (each
//! item writes its own buffers; split sums are added in a fixed order), so the output is the
//! same bit for bit with any thread count. Disjoint access from several workers goes through
//! [`Shards`], each use with its SAFETY argument.

use crate::events::{Action, Event};
use crate::fuse::Post;
use crate::ir::{LaneKind, OutMix};
use crate::kernels::simd;
use crate::kernels::{
    Context, Input, Kernel, KernelCounts, LaneValue, Outputs, PortIn, LANES, MAX_PORTS,
};
use crate::plan::Work;
use crate::plan::{Fault, Graph, NodeSlot, Plan, Role, Source, Term};
use crate::profile::{DecisionRow, Profile, Report};
use crate::schedule::Schedule;
use crate::workers::{self, Shards};
use std::mem::MaybeUninit;
use std::time::Instant;

/// Which outputs [`Executor::mix_into`] adds: all, or those in (or not in) a mask (bit i of
/// word i / 64: output i; outputs past the mask's end are not in it).
#[derive(Clone, Copy)]
pub enum Pick<'a> {
    /// Every output.
    All,
    /// The outputs in the mask.
    In(&'a [u64]),
    /// The outputs not in the mask.
    NotIn(&'a [u64]),
}

impl Pick<'_> {
    /// Whether output `i` is picked.
    #[inline]
    pub fn has(&self, i: usize) -> bool {
        let inside = |m: &[u64]| m.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0);
        match self {
            Pick::All => true,
            Pick::In(m) => inside(m),
            Pick::NotIn(m) => !inside(m),
        }
    }
}

/// Every constant of a plan, by slot: what a number-only reload replaces.
pub struct Constants {
    /// Port sources.
    pub sources: Vec<[Source; MAX_PORTS]>,
    /// Output gains and offsets.
    pub posts: Vec<Post>,
    /// Roles (a sum's bias).
    pub roles: Vec<Role>,
    /// Sum terms (their gains).
    pub terms: Vec<Term>,
}

impl Constants {
    /// The constants of `plan`. Control thread (allocates).
    pub fn of(plan: &Plan) -> Constants {
        let nodes = &plan.graph.nodes;
        Constants {
            sources: nodes.iter().map(|n| n.sources).collect(),
            posts: nodes.iter().map(|n| n.post).collect(),
            roles: nodes.iter().map(|n| n.role).collect(),
            terms: plan.graph.terms.clone(),
        }
    }
}

/// Runs one plan.
pub struct Executor {
    plan: Plan,
    /// Slots of the nodes with a voice pool (counters and voices to collect every block).
    pools: Vec<usize>,
    /// [`Fault::raised`] when [`Executor::take_counts`] last looked at every node.
    faults_seen: u64,
    /// Per-node timings when PROFILE_DETAILED is on; `None` costs one branch per node.
    profile: Option<Box<Profile>>,
    /// The structure hash of the graph it was built from (see `loader::structure`).
    pub structure: u64,
}

/// The fault guard around every kernel call: runs `f` on `kernel` unless the node has failed
/// before, and catches a panic. A kernel that panics is silenced for good — never called again
/// (its state may be half-updated), its output zeros from then on — and counted by
/// [`Executor::take_counts`] with its node id, so `render` and `live` report its kind and line
/// while the rest of the graph plays on. Returns whether `f` ran to the end. Render thread or a
/// worker: on the normal path this is a call and a branch; only a panic allocates (its message)
/// and prints (Rust's panic hook), as any panic would.
#[inline]
fn guarded(failed: &mut Fault, kernel: &mut dyn Kernel, f: impl FnOnce(&mut dyn Kernel)) -> bool {
    if *failed != Fault::None {
        return false;
    }
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(kernel))) {
        Ok(()) => true,
        Err(_) => {
            failed.raise();
            false
        }
    }
}

/// Zeroes `channels` channels of `n` frames in `buf` (a silenced node's output).
fn silence(buf: &mut [f32], channels: usize, stride: usize, n: usize) {
    for c in 0..channels {
        buf[c * stride..c * stride + n].fill(0.0);
    }
}

/// What [`Executor::take_counts`] gathers after a block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// The kernels' own counters, summed.
    pub kernels: KernelCounts,
    /// Nodes whose kernel panicked since the previous call.
    pub faults: u64,
    /// The GraphIR id of the last of them.
    pub fault_node: Option<u32>,
}

/// The block input for one source. Node buffers and previous-block copies are read from frame
/// 0; lanes and template inputs (which belong to the enclosing block) from `offset`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn resolve<'a>(
    src: Source,
    done: &'a [Vec<f32>],
    prev: &'a [(usize, Vec<f32>)],
    lanes: &'a [LaneValue],
    ext: &[PortIn<'a>],
    stride: usize,
    offset: usize,
    n: usize,
) -> PortIn<'a> {
    let block = |buf: &'a [f32], channels: usize| {
        let left = Input::Block(&buf[..n]);
        if channels == 2 {
            PortIn::stereo(left, Input::Block(&buf[stride..stride + n]))
        } else {
            PortIn::mono(left)
        }
    };
    match src {
        Source::Const(c) => PortIn::mono(Input::Const(c)),
        Source::Node { slot, channels } => block(&done[slot], channels),
        Source::Prev { index, channels } => block(&prev[index].1, channels),
        Source::Lane(l) => match lanes.get(l) {
            Some(lane) => PortIn::mono(lane.input(offset, n)),
            None => PortIn::mono(Input::Const(0.0)),
        },
        Source::Input(k) => match ext.get(k) {
            Some(p) => {
                let cut = |i: Input<'a>| match i {
                    Input::Const(c) => Input::Const(c),
                    Input::Block(b) => Input::Block(&b[offset..offset + n]),
                };
                PortIn {
                    ch: [cut(p.ch[0]), cut(p.ch[1])],
                    channels: p.channels,
                }
            }
            None => PortIn::mono(Input::Const(0.0)),
        },
    }
}

/// What a node's inputs resolve against: earlier stages' buffers, previous-block copies, a
/// template's inputs, the buffer stride and the run's offset in its block.
#[derive(Clone, Copy)]
struct Sources<'a, 'b> {
    done: &'a [Vec<f32>],
    prev: &'a [(usize, Vec<f32>)],
    ext: &'a [PortIn<'b>],
    stride: usize,
    offset: usize,
}

/// Stack room for one node's resolved ports, left uninitialised: [`ports`] writes only the
/// node's own `nports` (all 12 were filled for every node run: per voice and block, each of
/// a template's nodes).
type PortRoom<'a> = [MaybeUninit<PortIn<'a>>; MAX_PORTS];

/// Empty room for [`ports`].
#[inline(always)]
fn port_room<'a>() -> PortRoom<'a> {
    [MaybeUninit::uninit(); MAX_PORTS]
}

/// Every port of `node` for this block, in port order, written into `room` (in place, so no
/// array is copied per node). Render thread.
#[inline(always)]
fn ports<'r, 'a>(
    node: &NodeSlot,
    ctx: &Context<'a>,
    s: Sources<'a, 'a>,
    room: &'r mut PortRoom<'a>,
) -> &'r [PortIn<'a>] {
    let k = node.nports;
    for (slot, src) in room[..k].iter_mut().zip(&node.sources[..k]) {
        slot.write(resolve(
            *src, s.done, s.prev, ctx.lanes, s.ext, s.stride, s.offset, ctx.frames,
        ));
    }
    // SAFETY: `room[..k]` exists (the slice above would have panicked otherwise) and each of
    // its entries was just written; `PortIn` is `Copy`, so no entry needs dropping.
    unsafe { std::slice::from_raw_parts(room.as_ptr().cast::<PortIn<'a>>(), k) }
}

/// Adds `gain ·` one channel of `input` into `acc` (a constant adds gain·c to every frame).
#[inline]
fn accumulate(acc: &mut [f32], input: Input, gain: f32) {
    match input {
        Input::Const(c) => {
            let v = gain * c;
            simd::dispatch(|| {
                for a in acc.iter_mut() {
                    *a += v;
                }
            })
        }
        Input::Block(b) => simd::add_scaled(acc, b, gain),
    }
}

/// Applies a node's [`Post`] to its first `n` frames of each of its `channels`.
#[inline]
fn apply_post(buf: &mut [f32], post: Post, channels: usize, stride: usize, n: usize) {
    if post.is_identity() {
        return;
    }
    for c in 0..channels {
        simd::scale_offset(&mut buf[c * stride..c * stride + n], post.gain, post.offset);
    }
}

/// A graph's nodes, reachable from every worker of a stage at once. Each worker takes `&mut`
/// only to nodes no other worker touches in the same stage: its own kernel nodes and the
/// absorbed terms of its own sums or parts (an absorbed node is a term of exactly one sum,
/// once: [`Graph::absorbed_once`]); a sum node itself is only read.
type Nodes<'a> = Shards<'a, NodeSlot>;
/// Buffers (node outputs by slot, partial sums, scratch) reachable from every worker of a
/// stage at once; each is written by one worker (see [`Graph::run`]).
type Bufs<'a> = Shards<'a, Vec<f32>>;

/// Renders the leading terms of `terms` that can run as lanes of one kernel group: absorbed,
/// mono, one kind and [`crate::kernels::Kernel::lane_key`], increasing slots, at most
/// [`LANES`]; then adds each lane's output into the sum's `buf` (`channels` channels) with its
/// term's gain, in term order (so the sum is the same as term by term). Returns how many terms
/// it rendered: 0 when fewer than two group. Lane outputs go to `scratch` (`LANES` × stride).
/// A group's time counts on its first node in the profile. Render thread or a worker (the
/// terms' absorbed nodes are this caller's alone); no allocation.
fn run_lanes<'a>(
    terms: &[Term],
    nodes: Nodes<'a>,
    ctx: &Context<'a>,
    src: Sources<'a, 'a>,
    scratch: &mut [f32],
    (buf, channels): (&mut [f32], usize),
) -> usize {
    let (n, stride) = (ctx.frames, src.stride);
    let Some(Term {
        source: Source::Node { slot: j0, .. },
        absorbed: true,
        ..
    }) = terms.first().copied()
    else {
        return 0;
    };
    // SAFETY (every `nodes.get*` below): the absorbed terms of `terms` are this caller's alone.
    let head = unsafe { nodes.get(j0) };
    let (kind, key) = (head.kind, head.kernel.lane_key());
    if key.is_none() || head.channels != 1 || head.failed != Fault::None {
        return 0;
    }
    let mut slots = [0usize; LANES];
    let mut m = 0;
    for t in terms.iter().take(LANES) {
        match (t.absorbed, t.source) {
            (true, Source::Node { slot, .. }) if m == 0 || slot > slots[m - 1] => {
                let x = unsafe { nodes.get(slot) };
                if x.kind != kind
                    || x.channels != 1
                    || x.kernel.lane_key() != key
                    || x.failed != Fault::None
                {
                    break;
                }
                slots[m] = slot;
                m += 1;
            }
            _ => break,
        }
    }
    if m < 2 {
        return 0;
    }
    // Distinct slots (they increase), so these mutable borrows are disjoint.
    let mut group: [Option<&mut NodeSlot>; LANES] = Default::default();
    for (k, &slot) in slots[..m].iter().enumerate() {
        group[k] = Some(unsafe { nodes.get_mut(slot) });
    }
    let mut rooms: [PortRoom; LANES] = std::array::from_fn(|_| port_room());
    let mut inputs: [&[PortIn]; LANES] = [&[]; LANES];
    for ((x, room), ins) in group[..m]
        .iter()
        .zip(rooms.iter_mut())
        .zip(inputs.iter_mut())
    {
        *ins = ports(x.as_deref().expect("grouped node"), ctx, src, room);
    }
    let mut chunks = scratch.chunks_mut(stride);
    let mut outs: [&mut [f32]; LANES] =
        std::array::from_fn(|_| chunks.next().map_or(&mut [][..], |c| &mut c[..n]));
    let (first, others) = group.split_at_mut(1);
    let first = first[0].as_deref_mut().expect("grouped node");
    let mut it = others.iter_mut();
    let mut others: [Option<&mut dyn Kernel>; LANES] = std::array::from_fn(|_| {
        it.next()
            .and_then(|o| o.as_deref_mut())
            .map(|o| o.kernel.as_mut())
    });
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        first
            .kernel
            .process_lanes(&mut others[..m - 1], ctx, &inputs[..m], &mut outs[..m])
    }));
    if ran.is_err() {
        // Which lane panicked is not known: the whole group is silenced (the guard's rule).
        first.failed.raise();
        for x in group[1..m].iter_mut().flatten() {
            x.failed.raise();
        }
        for o in outs[..m].iter_mut() {
            o.fill(0.0);
        }
    }
    for (t, out) in terms[..m].iter().zip(&outs[..m]) {
        for c in 0..channels {
            accumulate(
                &mut buf[c * stride..c * stride + n],
                Input::Block(out),
                t.gain,
            );
        }
    }
    m
}

/// Terms of a sum (or of one part of it): `buf` (`channels` channels) filled with `fill`, the
/// terms added in order — absorbed nodes rendered here (into `scratch`), runs of groupable ones
/// as lanes ([`run_lanes`]). With `timing`, each absorbed node's (or group's) time is
/// recorded. Render thread or a worker (the absorbed terms are this caller's alone).
#[allow(clippy::too_many_arguments)]
fn run_terms<'a>(
    terms: &[Term],
    fill: f32,
    nodes: Nodes<'a>,
    ctx: &Context<'a>,
    src: Sources<'a, 'a>,
    scratch: &mut [f32],
    (buf, channels): (&mut [f32], usize),
    mut timing: Option<(&Profile, &mut Instant)>,
) {
    let (n, stride) = (ctx.frames, src.stride);
    for c in 0..channels {
        buf[c * stride..c * stride + n].fill(fill);
    }
    let mut t = 0;
    while t < terms.len() {
        let term = terms[t];
        let grouped = run_lanes(
            &terms[t..],
            nodes,
            ctx,
            src,
            scratch,
            (&mut buf[..], channels),
        );
        let input = if grouped > 0 {
            t += grouped;
            None
        } else if let (true, Source::Node { slot: j, .. }) = (term.absorbed, term.source) {
            t += 1;
            // SAFETY: an absorbed term is this caller's alone.
            let x = unsafe { nodes.get_mut(j) };
            let mut room = port_room();
            let ins = ports(x, ctx, src, &mut room);
            let mut out = Outputs::new(scratch, stride, x.channels, n);
            if !guarded(&mut x.failed, x.kernel.as_mut(), |k| {
                k.process(ctx, ins, &mut out)
            }) {
                silence(scratch, x.channels, stride, n);
            }
            let left = Input::Block(&scratch[..n]);
            Some(match x.channels {
                2 => PortIn::stereo(left, Input::Block(&scratch[stride..stride + n])),
                _ => PortIn::mono(left),
            })
        } else {
            t += 1;
            let r = resolve(
                term.source,
                src.done,
                src.prev,
                ctx.lanes,
                src.ext,
                stride,
                src.offset,
                n,
            );
            Some(r)
        };
        if let (Some((p, m)), Source::Node { slot: j, .. }, true) =
            (timing.as_mut(), term.source, term.absorbed)
        {
            p.node(j, m);
        }
        if let Some(input) = input {
            for c in 0..channels {
                accumulate(&mut buf[c * stride..c * stride + n], input.ch[c], term.gain);
            }
        }
    }
}

/// Everything a stage's work items share: read-only inputs and the views through which each
/// item reaches its own node, buffer and absorbed terms.
#[derive(Clone, Copy)]
struct Stage<'a> {
    ctx: &'a Context<'a>,
    src: Sources<'a, 'a>,
    nodes: Nodes<'a>,
    /// Output buffers, indexed by slot (only this stage's are reached).
    buffers: Bufs<'a>,
    /// Partial sums of split sums.
    parts: Bufs<'a>,
    /// One scratch per bin.
    scratch: Bufs<'a>,
    terms: &'a [Term],
    work: &'a [Work],
    schedule: &'a Schedule,
    profile: Option<&'a Profile>,
    /// Time every item (a sampled block).
    sample: bool,
}

impl Stage<'_> {
    /// Runs work items one after another with scratch `bin`: `serial` ones in order, or else
    /// those this caller claims from the schedule for stage `st`.
    ///
    /// # Safety
    /// No other caller may run, at the same time, an item of the same node (except other
    /// parts of one split sum), nor use scratch `bin`.
    unsafe fn run(&self, st: usize, serial: Option<&[u32]>, bin: usize) {
        // SAFETY: scratch `bin` is this caller's (contract).
        let scratch = unsafe { self.scratch.get_mut(bin) };
        let mut mark = (self.sample || self.profile.is_some()).then(Instant::now);
        match serial {
            Some(items) => {
                for &i in items {
                    // SAFETY: one caller runs every item (contract).
                    unsafe { self.item(i as usize, scratch, &mut mark) };
                }
            }
            None => {
                // The thread's index picks its home: the same items on the same thread, block
                // after block.
                let thread = crate::workers::thread_index(bin);
                while let Some(i) = self.schedule.claim(st, thread) {
                    // SAFETY: each item is claimed once (atomic home ranges).
                    unsafe { self.item(i as usize, scratch, &mut mark) };
                }
            }
        }
    }

    /// Runs work item `i`; with a clock `mark`, times it.
    ///
    /// # Safety
    /// As for [`Stage::run`]: item `i` and `scratch` are this caller's.
    #[inline]
    unsafe fn item(&self, i: usize, scratch: &mut [f32], mark: &mut Option<Instant>) {
        let (n, stride) = (self.ctx.frames, self.src.stride);
        let w = self.work[i];
        let start = *mark;
        // SAFETY: a shared look at the node's role, dropped before any mutable borrow.
        let (is_sum, mirrored) = {
            let node = unsafe { self.nodes.get(w.slot) };
            (matches!(node.role, Role::Sum { .. }), node.mirrored)
        };
        if mirrored {
            // Its buffer already holds the new program's output of this node (a reload's
            // crossfade): nothing to run.
        } else if !is_sum {
            // SAFETY: a kernel node has one work item, run by this caller alone; its buffer is
            // its own.
            let (node, buf) = unsafe { (self.nodes.get_mut(w.slot), self.buffers.get_mut(w.slot)) };
            let mut room = port_room();
            let ins = ports(node, self.ctx, self.src, &mut room);
            let mut out = Outputs::new(buf, stride, node.channels, n);
            if !guarded(&mut node.failed, node.kernel.as_mut(), |k| {
                k.process(self.ctx, ins, &mut out)
            }) {
                silence(buf, node.channels, stride, n);
            }
            apply_post(buf, node.post, node.channels, stride, n);
        } else {
            // SAFETY: the sum node is only read (its parts run concurrently); part 0 writes the
            // sum's buffer and part k the partial buffer k − 1, each one item's alone, as are
            // the absorbed terms of its range.
            let node = unsafe { self.nodes.get(w.slot) };
            let Role::Sum { bias, .. } = node.role else {
                return;
            };
            let buf = unsafe {
                match w.buf {
                    0 => self.buffers.get_mut(w.slot),
                    k => self.parts.get_mut(k as usize - 1),
                }
            };
            let fill = if w.buf == 0 { bias } else { 0.0 };
            let terms = &self.terms[w.terms.0 as usize..w.terms.1 as usize];
            let timing = self.profile.zip(mark.as_mut());
            let out = (&mut buf[..], node.channels);
            run_terms(
                terms, fill, self.nodes, self.ctx, self.src, scratch, out, timing,
            );
            if !w.split {
                apply_post(buf, node.post, node.channels, stride, n);
            }
        }
        if let Some(m) = mark.as_mut() {
            match self.profile {
                Some(p) if w.buf == 0 => p.node(w.slot, m),
                _ => *m = Instant::now(),
            }
            if let (true, Some(s)) = (self.sample, start) {
                self.schedule.record(i, (*m - s).as_nanos() as u64);
            }
        }
    }
}

impl Graph {
    /// Runs every stage for `ctx.frames` frames. `ext` are a template's inputs (empty for the
    /// global graph) and `offset` is where this run starts in the block that lanes and `ext`
    /// cover (0 for the global graph; a voice rendered from a trigger's frame uses it). At the
    /// end, the outputs read through `prev` are copied for the next run.
    ///
    /// Each stage runs its work items ([`Work`]) serially, or — when the graph has room for
    /// several bins ([`Graph::set_bins`]), this thread is a worker of a pool
    /// ([`crate::workers::width`]) and the schedule decided so — packed into bins run on
    /// several workers ([`crate::workers::fork`]). Items write disjoint buffers and a split
    /// sum's parts are added in part order after the stage, so the result is the same bit for
    /// bit either way. Render thread (and the workers it forks to): no allocation, no lock.
    pub fn run(&mut self, ctx: &Context, ext: &[PortIn], offset: usize, profile: Option<&Profile>) {
        let n = ctx.frames;
        let stride = self.max_block;
        let width = if self.scratch.len() > 1 {
            workers::width().min(self.scratch.len())
        } else {
            1
        };
        let sample = width > 1 && self.schedule.sampling();
        let Graph {
            nodes,
            buffers,
            stages,
            prev,
            terms,
            scratch,
            work,
            stage_work,
            parts,
            schedule,
            ..
        } = self;
        for (si, stage) in stages.iter().enumerate() {
            let stage_start = (profile.is_some() || sample).then(Instant::now);
            let bins = if width > 1 {
                schedule.bins(si).min(width)
            } else {
                1
            };
            {
                let (done, current) = buffers.split_at_mut(stage.start);
                let done: &[Vec<f32>] = done;
                let st = Stage {
                    ctx,
                    src: Sources {
                        done,
                        prev,
                        ext,
                        stride,
                        offset,
                    },
                    nodes: Nodes::new(nodes, 0),
                    buffers: Bufs::new(current, stage.start),
                    parts: Bufs::new(parts, 0),
                    scratch: Bufs::new(scratch, 0),
                    terms,
                    work,
                    schedule,
                    profile,
                    sample,
                };
                if bins <= 1 {
                    // SAFETY: one caller runs every item, in order.
                    unsafe { st.run(si, Some(schedule.items(si)), 0) };
                } else {
                    // SAFETY: every item of the stage is claimed once (atomic home ranges) and
                    // every worker has its own scratch; items of different nodes touch
                    // different nodes and buffers, and parts of one split sum write distinct
                    // buffers and absorbed terms (`Graph::absorbed_once`, required by
                    // `Graph::set_bins`).
                    schedule.open(si);
                    workers::fork(bins, &|b| unsafe { st.run(si, None, b) });
                }
            }
            // Split sums: later parts into the sum's buffer, in part order; then the sum's
            // gain and offset.
            for w in &work[stage_work[si].clone()] {
                if !w.split || nodes[w.slot].mirrored {
                    continue;
                }
                let channels = nodes[w.slot].channels;
                let buf = &mut buffers[w.slot];
                if w.buf > 0 {
                    let part = &parts[w.buf as usize - 1];
                    for c in 0..channels {
                        let r = c * stride..c * stride + n;
                        simd::add_scaled(&mut buf[r.clone()], &part[r], 1.0);
                    }
                }
                if w.last {
                    apply_post(buf, nodes[w.slot].post, channels, stride, n);
                }
            }
            if let Some(t0) = stage_start {
                let span = t0.elapsed().as_nanos() as u64;
                if let Some(p) = profile {
                    p.stage(si, span);
                }
                if sample {
                    schedule.learn(si, bins, span, width);
                }
            }
        }
        if sample || width > 1 {
            schedule.end_block();
        }
        for (slot, copy) in prev.iter_mut() {
            let src = &buffers[*slot];
            let channels = copy.len() / stride;
            for c in 0..channels {
                copy[c * stride..c * stride + n].copy_from_slice(&src[c * stride..c * stride + n]);
            }
        }
    }
}

impl Executor {
    /// Takes ownership of a built plan.
    pub fn new(plan: Plan) -> Executor {
        let pools = (plan.graph.nodes.iter().enumerate())
            .filter_map(|(slot, n)| n.pool.then_some(slot))
            .collect();
        Executor {
            plan,
            pools,
            faults_seen: u64::MAX,
            profile: None,
            structure: 0,
        }
    }

    /// Times every node and stage from now on (allocates the timing arrays). Control thread,
    /// before the executor goes to the render thread.
    pub fn enable_profile(&mut self) {
        self.profile = Some(Box::new(Profile::new(
            self.plan.graph.nodes.len(),
            self.plan.graph.stages.len(),
        )));
    }

    /// Whether nodes are being timed.
    pub fn profiling(&self) -> bool {
        self.profile.is_some()
    }

    /// Adds the time spent applying a block's events. Render thread.
    pub fn profile_events(&mut self, ns: u64) {
        if let Some(p) = &self.profile {
            p.events(ns);
        }
    }

    /// The timing report, slowest node first. Control thread (allocates).
    pub fn profile_report(&self) -> Option<Report> {
        let p = self.profile.as_ref()?;
        let ids: Vec<(u32, &str)> = self
            .plan
            .graph
            .nodes
            .iter()
            .map(|n| (n.id, n.kind))
            .collect();
        let g = &self.plan.graph;
        let stage_nodes = g.stages.iter().map(|r| r.len() as u32).collect();
        let folded = (g.slot_of.len() - g.nodes.len()) as u32;
        let mut report = p.report(&ids, self.plan.max_block, stage_nodes, folded);
        report.decisions = g
            .schedule
            .decisions()
            .iter()
            .zip(&g.stage_work)
            .enumerate()
            .map(|(i, (d, w))| DecisionRow {
                stage: i as u32,
                items: w.len() as u32,
                bins: d.bins as u32,
                cost_us: d.cost_ns as f64 / 1000.0,
                efficiency: d.efficiency(),
                backing_off: d.verdict.back_off.active(),
            })
            .collect();
        Some(report)
    }

    /// The `N` slowest nodes by mean time, as (node id, kind, mean µs, max µs). Render thread:
    /// no allocation.
    pub fn top_nodes<const N: usize>(&self) -> [(u32, &'static str, f32, f32); N] {
        let mut top = [(0u32, "", 0.0f32, 0.0f32); N];
        let Some(p) = &self.profile else { return top };
        let blocks = p.blocks.max(1) as f32;
        for (slot, t) in p.nodes.iter().enumerate() {
            let mean = t.total() as f32 / blocks / 1000.0;
            if let Some(i) = top.iter().position(|r| r.1.is_empty() || mean > r.2) {
                top[i..].rotate_right(1);
                let n = &self.plan.graph.nodes[slot];
                top[i] = (n.id, n.kind, mean, t.max() as f32 / 1000.0);
            }
        }
        top
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The kind of lane `id`, if it exists.
    pub fn lane_kind(&self, id: u32) -> Option<LaneKind> {
        self.plan.lanes.get(id as usize).map(|l| l.kind)
    }

    /// Applies one event `offset` frames into the coming block (`offset < ctx.frames`): starts a
    /// voice, or steps a lane's value from that frame to the end of the block. Events of a block
    /// are applied in frame order before [`Executor::run`]. Render thread.
    pub fn apply(&mut self, ctx: &Context, event: &Event, offset: usize) {
        let n = ctx.frames;
        let offset = offset.min(n.saturating_sub(1));
        let id = event.lane as usize;
        let (Some(info), Some(lane)) = (self.plan.lanes.get(id), self.plan.lane_values.get_mut(id))
        else {
            return;
        };
        match (event.action, info.kind) {
            (Action::Trigger(t), LaneKind::Trigger) => {
                let node = &mut self.plan.graph.nodes[info.slot];
                guarded(&mut node.failed, node.kernel.as_mut(), |k| {
                    k.trigger(ctx, offset, &t)
                });
            }
            (Action::Set(v), LaneKind::Param | LaneKind::Gate) => {
                if offset == 0 && !lane.stepped {
                    lane.value = v;
                } else {
                    if !lane.stepped {
                        let held = lane.value;
                        lane.buf[..n].fill(held);
                        lane.stepped = true;
                    }
                    lane.buf[offset..n].fill(v);
                    lane.value = v;
                }
            }
            _ => {}
        }
    }

    /// Runs every stage for a block of `ctx.frames` frames. Render thread: no allocation.
    pub fn run(&mut self, ctx: &Context) {
        let Plan {
            graph, lane_values, ..
        } = &mut self.plan;
        let ctx = Context {
            sample_rate: ctx.sample_rate,
            frames: ctx.frames,
            bank: ctx.bank,
            lanes: lane_values,
        };
        let profile = self.profile.as_deref();
        let timed = profile.is_some();
        graph.run(&ctx, &[], 0, profile);
        if let (true, Some(p)) = (timed, self.profile.as_deref_mut()) {
            p.blocks += 1;
        }
        for lane in lane_values.iter_mut() {
            lane.stepped = false;
        }
    }

    /// Adds the output nodes `pick` chooses into `left` and `right` (mono outputs into both),
    /// combined by the plan's [`OutMix`]: `none` sums at unity, `gain` divides the sum by the
    /// number of outputs N, `sqrt` by √N, `tanh` takes tanh of the sum per sample and `hard`
    /// clamps it to ±1. The mode applies to this program's sum before it is added to what
    /// `left`/`right` hold; with a mode other than `none` the outputs are mixed all or none
    /// (output 0 decides: a reload fades every output of such a program, see
    /// [`crate::loader`]). Render thread.
    pub fn mix_into(&self, left: &mut [f32], right: &mut [f32], pick: Pick) {
        let n = left.len().min(right.len());
        let stride = self.plan.max_block;
        let g = &self.plan.graph;
        let mix = self.plan.outmix;
        let count = self.plan.outputs.len();
        let chosen = |i: usize| pick.has(i);
        if count == 0 || (mix != OutMix::None && !chosen(0)) {
            return;
        }
        let add = |left: &mut [f32], right: &mut [f32]| {
            for (_, &slot) in self
                .plan
                .outputs
                .iter()
                .enumerate()
                .filter(|(i, _)| chosen(*i))
            {
                let buf = &g.buffers[slot];
                let l = &buf[..n];
                let r = if g.nodes[slot].channels == 2 {
                    &buf[stride..stride + n]
                } else {
                    l
                };
                for (o, x) in left[..n].iter_mut().zip(l) {
                    *o += x;
                }
                for (o, x) in right[..n].iter_mut().zip(r) {
                    *o += x;
                }
            }
        };
        if mix == OutMix::None || count == 0 {
            add(left, right);
            return;
        }
        for i in 0..n {
            let (mut sl, mut sr) = (0.0f32, 0.0f32);
            for &slot in &self.plan.outputs {
                let buf = &g.buffers[slot];
                sl += buf[i];
                sr += if g.nodes[slot].channels == 2 {
                    buf[stride + i]
                } else {
                    buf[i]
                };
            }
            let shape = |x: f32| match mix {
                OutMix::None => x,
                OutMix::Gain => x / count as f32,
                OutMix::Sqrt => x / (count as f32).sqrt(),
                OutMix::Tanh => x.tanh(),
                OutMix::Hard => x.clamp(-1.0, 1.0),
            };
            left[i] += shape(sl);
            right[i] += shape(sr);
        }
    }

    /// Takes over the state of `old`'s nodes and lanes. For each `(new slot, old slot, held)`
    /// (equal keys and kinds; `transfer` sorted by new slot), a kernel of the same shape
    /// ([`NodeSlot::shape`]) is moved: the two plans swap the kernel objects, so every kind
    /// keeps all of its state (delay lines, reverb tanks, sounding voices) with no per-kernel
    /// code and no copying, a pointer swap per node; so is its previous-block copy when it
    /// feeds a `prev` read. A node of another shape (other data, another template) takes what
    /// fits through [`crate::kernels::Kernel::adopt`] (the voice pools under a new limit;
    /// other kinds start fresh). A `held` node is one an output fading out of `old` still
    /// reads: it is marked `mirrored` in `old`, whose buffer is then copied from this plan's
    /// node before `old` runs each block of the fade ([`Executor::mirror_into`]), so the fading
    /// output hears the moved kernel go on. Where that cannot be (either node absorbed into a
    /// sum and so without a buffer, or their channels or folded gains differ) `held` is set to
    /// false and `old` runs the fresh kernel it got in exchange for the rest of the fade. Each
    /// `(new lane, old lane)` takes the old lane's held value. Render thread: no allocation;
    /// what `old` holds afterwards is dropped off the render thread.
    pub fn take_state(
        &mut self,
        old: &mut Executor,
        transfer: &mut [(usize, usize, bool)],
        lanes: &[(usize, usize)],
    ) {
        for (n, o, held) in transfer.iter_mut() {
            let (n, o) = (*n, *o);
            let mirror = match (
                self.plan.graph.nodes.get_mut(n),
                old.plan.graph.nodes.get_mut(o),
            ) {
                // A kernel that panicked stays behind: the new node starts fresh (a reload is
                // the way back from a fault, `crate::plan::Fault`).
                (Some(new), Some(prev))
                    if new.kind == prev.kind && prev.failed == crate::plan::Fault::None =>
                {
                    if new.shape == prev.shape {
                        std::mem::swap(&mut new.kernel, &mut prev.kernel);
                        *held
                            && new.role != Role::Absorbed
                            && prev.role != Role::Absorbed
                            && new.channels == prev.channels
                            && new.post == prev.post
                    } else {
                        new.kernel.adopt(prev.kernel.as_mut());
                        false
                    }
                }
                _ => false,
            };
            if let (true, Some(prev)) = (mirror, old.plan.graph.nodes.get_mut(o)) {
                prev.mirrored = true;
            }
            *held = mirror;
        }
        for (slot, buf) in &mut self.plan.graph.prev {
            let Ok(k) = transfer.binary_search_by_key(slot, |t| t.0) else {
                continue;
            };
            let (n, o, _) = transfer[k];
            let same = match (self.plan.graph.nodes.get(n), old.plan.graph.nodes.get(o)) {
                (Some(a), Some(b)) => a.kind == b.kind && a.shape == b.shape,
                _ => false,
            };
            if let Some((_, old_buf)) = old.plan.graph.prev.iter_mut().find(|(s, _)| *s == o) {
                if same && old_buf.len() == buf.len() {
                    std::mem::swap(buf, old_buf);
                }
            }
        }
        for &(n, o) in lanes {
            let same = match (self.plan.lanes.get(n), old.plan.lanes.get(o)) {
                (Some(new), Some(prev)) => new.kind == prev.kind,
                _ => false,
            };
            if let (true, Some(new), Some(prev)) = (
                same,
                self.plan.lane_values.get_mut(n),
                old.plan.lane_values.get(o),
            ) {
                new.value = prev.value;
            }
        }
    }

    /// Copies the output of each node `n` of this program into node `o` of `old` for every
    /// `(o, n)` of `mirror` (both with buffers and the same channels: see
    /// [`Executor::take_state`]), for the first `frames` frames. Render thread: copies only.
    pub fn mirror_into(&self, old: &mut Executor, mirror: &[(usize, usize, bool)], frames: usize) {
        let stride = self.plan.graph.max_block;
        for &(n, o, _) in mirror {
            let (Some(node), Some(src), Some(dst)) = (
                self.plan.graph.nodes.get(n),
                self.plan.graph.buffers.get(n),
                old.plan.graph.buffers.get_mut(o),
            ) else {
                continue;
            };
            for c in 0..node.channels {
                let r = c * stride..c * stride + frames;
                if let (Some(from), Some(to)) = (src.get(r.clone()), dst.get_mut(r)) {
                    to.copy_from_slice(from);
                }
            }
        }
    }

    /// Takes new constants for every node (same slots and terms; a reload that changed only
    /// numbers): port sources, output gains and offsets, sum biases and term gains, and the
    /// tempo. Render thread: copies only.
    pub fn patch(&mut self, c: &Constants, cps: f64) {
        for (node, (s, (post, role))) in self
            .plan
            .graph
            .nodes
            .iter_mut()
            .zip(c.sources.iter().zip(c.posts.iter().zip(&c.roles)))
        {
            node.sources = *s;
            node.post = *post;
            node.role = *role;
        }
        let terms = &mut self.plan.graph.terms;
        if terms.len() == c.terms.len() {
            terms.copy_from_slice(&c.terms);
        }
        self.plan.cps = cps;
    }

    /// Voices sounding now, over all nodes.
    pub fn voices(&self) -> usize {
        let nodes = &self.plan.graph.nodes;
        (self.pools.iter().map(|&s| &nodes[s]))
            .filter(|n| n.failed == Fault::None)
            .map(|n| n.kernel.voices())
            .sum()
    }

    /// Kernel counters and new faults since the previous call: the pool nodes' counters, and a
    /// walk over every node for new faults only when some graph raised one since the last walk
    /// ([`Fault::raised`]). Render thread.
    pub fn take_counts(&mut self) -> Counts {
        let mut c = Counts::default();
        let nodes = &mut self.plan.graph.nodes;
        for &s in &self.pools {
            let n = &mut nodes[s];
            if n.failed == Fault::None {
                let k = n.kernel.take_counts();
                c.kernels.steals += k.steals;
                c.kernels.split_blocks += k.split_blocks;
                c.kernels.ignored += k.ignored;
                if k.faults > 0 {
                    // A node inside this one (a voice's template) failed: named by this node.
                    c.faults += k.faults;
                    c.fault_node = Some(n.id);
                }
            }
        }
        let raised = Fault::raised();
        if raised != self.faults_seen {
            self.faults_seen = raised;
            for n in nodes.iter_mut().filter(|n| n.failed == Fault::New) {
                n.failed = Fault::Reported;
                c.faults += 1;
                c.fault_node = Some(n.id);
            }
        }
        c
    }
}
