//! The executor: applies events at their frames and runs a plan's stages in order, one block at a time.
//!
//! Serial for now. Nodes of one stage only read buffers of earlier stages (split off with
//! `split_at_mut`) and write their own, and every kernel is `Send`, so a stage can later be run
//! on a worker pool without changing any kernel.
//!
//! Per node, by its [`Role`]: a kernel renders into its buffer and its folded gain and offset
//! ([`Post`]) are applied right after; an absorbed node is skipped in its stage; a sum fills its
//! buffer with its bias and adds its terms in order, rendering absorbed terms itself (into
//! `Graph::scratch`) and runs of groupable ones as lanes of one kernel call (`run_lanes`).

use crate::events::{Action, Event};
use crate::fuse::Post;
use crate::ir::{LaneKind, OutMix};
use crate::kernels::simd;
use crate::kernels::{Context, Input, Kernel, KernelCounts, Outputs, PortIn, LANES, MAX_PORTS};
use crate::plan::{Graph, LaneSlot, NodeSlot, Plan, Role, Source, Term};
use crate::profile::{Profile, Report};
use std::time::Instant;

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
    /// Per-node timings when PROFILE_DETAILED is on; `None` costs one branch per node.
    profile: Option<Box<Profile>>,
    /// The structure hash of the graph it was built from (see `loader::structure`).
    pub structure: u64,
}

/// The block input for one source. Node buffers and previous-block copies are read from frame
/// 0; lanes and template inputs (which belong to the enclosing block) from `offset`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn resolve<'a>(
    src: Source,
    done: &'a [Vec<f32>],
    prev: &'a [(usize, Vec<f32>)],
    lanes: &'a [LaneSlot],
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
            Some(lane) if lane.stepped => PortIn::mono(Input::Block(&lane.buf[offset..offset + n])),
            Some(lane) => PortIn::mono(Input::Const(lane.value)),
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

/// Every port of `node` for this block, written into `ins` in port order (the first
/// `node.nports`; written in place, not returned, so a 12-port array is not copied per node).
/// Render thread.
#[inline(always)]
fn ports<'a>(node: &NodeSlot, ctx: &Context<'a>, s: Sources<'a, 'a>, ins: &mut [PortIn<'a>]) {
    for (i, src) in ins.iter_mut().zip(&node.sources[..node.nports]) {
        *i = resolve(
            *src, s.done, s.prev, ctx.lanes, s.ext, s.stride, s.offset, ctx.frames,
        );
    }
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

/// Renders the leading terms of `terms` that can run as lanes of one kernel group: absorbed,
/// mono, one kind and [`crate::kernels::Kernel::lane_key`], increasing slots, at most
/// [`LANES`]; then adds each lane's output into the sum's `buf` (`channels` channels) with its
/// term's gain, in term order (so the sum is the same as term by term). Returns how many terms
/// it rendered: 0 when fewer than two group. Lane outputs go to `scratch` (`LANES` × stride).
/// A group's time counts on its first node in the profile. Render thread: no allocation.
fn run_lanes<'a>(
    terms: &[Term],
    before: &mut [NodeSlot],
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
    let (kind, key) = (before[j0].kind, before[j0].kernel.lane_key());
    if key.is_none() || before[j0].channels != 1 {
        return 0;
    }
    let mut slots = [0usize; LANES];
    let mut m = 0;
    for t in terms.iter().take(LANES) {
        match (t.absorbed, t.source) {
            (true, Source::Node { slot, .. }) if m == 0 || slot > slots[m - 1] => {
                let x = &before[slot];
                if x.kind != kind || x.channels != 1 || x.kernel.lane_key() != key {
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
    // Disjoint borrows of the group's nodes (their slots increase).
    let mut nodes: [Option<&mut NodeSlot>; LANES] = Default::default();
    let mut rest: &mut [NodeSlot] = before;
    let mut base = 0;
    for (k, &slot) in slots[..m].iter().enumerate() {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(slot - base + 1);
        nodes[k] = head.last_mut();
        rest = tail;
        base = slot + 1;
    }
    let mut ins = [[PortIn::mono(Input::Const(0.0)); MAX_PORTS]; LANES];
    for (k, x) in nodes[..m].iter().enumerate() {
        ports(x.as_deref().expect("grouped node"), ctx, src, &mut ins[k]);
    }
    let nports = nodes[0].as_deref().map_or(0, |x| x.nports);
    let inputs: [&[PortIn]; LANES] = std::array::from_fn(|k| &ins[k][..nports]);
    let mut chunks = scratch.chunks_mut(stride);
    let mut outs: [&mut [f32]; LANES] =
        std::array::from_fn(|_| chunks.next().map_or(&mut [][..], |c| &mut c[..n]));
    let (first, others) = nodes.split_at_mut(1);
    let first = first[0].as_deref_mut().expect("grouped node");
    let mut it = others.iter_mut();
    let mut others: [Option<&mut dyn Kernel>; LANES] = std::array::from_fn(|_| {
        it.next()
            .and_then(|o| o.as_deref_mut())
            .map(|o| o.kernel.as_mut())
    });
    first
        .kernel
        .process_lanes(&mut others[..m - 1], ctx, &inputs[..m], &mut outs[..m]);
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

/// A sum's block: `buf` filled with `bias`, its terms added in order — absorbed nodes rendered
/// here (into `scratch`), runs of groupable ones as lanes ([`run_lanes`]) — then its own gain and
/// offset. With `timing`, each absorbed node's (or group's) time is recorded. Render thread.
#[allow(clippy::too_many_arguments)]
fn run_sum<'a>(
    terms: &[Term],
    bias: f32,
    before: &mut [NodeSlot],
    ctx: &Context<'a>,
    src: Sources<'a, 'a>,
    scratch: &mut [f32],
    buf: &mut [f32],
    node: &NodeSlot,
    mut timing: Option<(&mut Profile, &mut Instant)>,
) {
    let (n, stride, channels) = (ctx.frames, src.stride, node.channels);
    for c in 0..channels {
        buf[c * stride..c * stride + n].fill(bias);
    }
    let mut t = 0;
    while t < terms.len() {
        let term = terms[t];
        let grouped = run_lanes(
            &terms[t..],
            before,
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
            let x = &mut before[j];
            let mut ins = [PortIn::mono(Input::Const(0.0)); MAX_PORTS];
            ports(x, ctx, src, &mut ins);
            x.kernel.process(
                ctx,
                &ins[..x.nports],
                &mut Outputs::new(scratch, stride, x.channels, n),
            );
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
    apply_post(buf, node.post, channels, stride, n);
}

impl Graph {
    /// Runs every stage for `ctx.frames` frames. `ext` are a template's inputs (empty for the
    /// global graph) and `offset` is where this run starts in the block that lanes and `ext`
    /// cover (0 for the global graph; a voice rendered from a trigger's frame uses it). A sum
    /// renders its absorbed nodes into `scratch` one at a time and adds each in term order. At
    /// the end, the outputs read through `prev` are copied for the next run. Render thread: no
    /// allocation.
    pub fn run(
        &mut self,
        ctx: &Context,
        ext: &[PortIn],
        offset: usize,
        mut profile: Option<&mut Profile>,
    ) {
        let n = ctx.frames;
        let stride = self.max_block;
        let Graph {
            nodes,
            buffers,
            stages,
            prev,
            terms,
            scratch,
            ..
        } = self;
        for (si, stage) in stages.iter().enumerate() {
            // One clock read per node when profiling: each node's time runs from the previous read.
            let stage_start = profile.is_some().then(Instant::now);
            let mut mark = stage_start;
            let (done, current) = buffers.split_at_mut(stage.start);
            let done: &[Vec<f32>] = done;
            let (before, here) = nodes.split_at_mut(stage.start);
            for slot in stage.clone() {
                let node = &mut here[slot - stage.start];
                let buf = &mut current[slot - stage.start];
                let src = Sources {
                    done,
                    prev,
                    ext,
                    stride,
                    offset,
                };
                match node.role {
                    Role::Absorbed => continue,
                    Role::Kernel => {
                        let mut ins = [PortIn::mono(Input::Const(0.0)); MAX_PORTS];
                        ports(node, ctx, src, &mut ins);
                        let mut out = Outputs::new(buf, stride, node.channels, n);
                        node.kernel.process(ctx, &ins[..node.nports], &mut out);
                        apply_post(buf, node.post, node.channels, stride, n);
                    }
                    Role::Sum { start, end, bias } => {
                        let sum = &terms[start as usize..end as usize];
                        let timing = profile.as_deref_mut().zip(mark.as_mut());
                        run_sum(sum, bias, before, ctx, src, scratch, buf, node, timing);
                    }
                }
                if let (Some(p), Some(m)) = (profile.as_deref_mut(), mark.as_mut()) {
                    p.node(slot, m);
                }
            }
            if let (Some(p), Some(t0), Some(t1)) = (profile.as_deref_mut(), stage_start, mark) {
                p.stage(si, (t1 - t0).as_nanos() as u64);
            }
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
        Executor {
            plan,
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
        if let Some(p) = &mut self.profile {
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
        Some(p.report(&ids, self.plan.max_block, stage_nodes, folded))
    }

    /// The `N` slowest nodes by mean time, as (node id, kind, mean µs, max µs). Render thread:
    /// no allocation.
    pub fn top_nodes<const N: usize>(&self) -> [(u32, &'static str, f32, f32); N] {
        let mut top = [(0u32, "", 0.0f32, 0.0f32); N];
        let Some(p) = &self.profile else { return top };
        let blocks = p.blocks.max(1) as f32;
        for (slot, t) in p.nodes.iter().enumerate() {
            let mean = t.total_ns as f32 / blocks / 1000.0;
            if let Some(i) = top.iter().position(|r| r.1.is_empty() || mean > r.2) {
                top[i..].rotate_right(1);
                let n = &self.plan.graph.nodes[slot];
                top[i] = (n.id, n.kind, mean, t.max_ns as f32 / 1000.0);
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
        let Some(lane) = self.plan.lanes.get_mut(event.lane as usize) else {
            return;
        };
        match (event.action, lane.kind) {
            (Action::Trigger(t), LaneKind::Trigger) => {
                self.plan.graph.nodes[lane.slot]
                    .kernel
                    .trigger(ctx, offset, &t);
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
        let Plan { graph, lanes, .. } = &mut self.plan;
        let ctx = Context {
            sample_rate: ctx.sample_rate,
            frames: ctx.frames,
            bank: ctx.bank,
            lanes,
        };
        let profile = self.profile.as_deref_mut();
        let timed = profile.is_some();
        graph.run(&ctx, &[], 0, profile);
        if let (true, Some(p)) = (timed, self.profile.as_deref_mut()) {
            p.blocks += 1;
        }
        for lane in lanes.iter_mut() {
            lane.stepped = false;
        }
    }

    /// Adds every output node's block into `left` and `right` (mono outputs into both), combined
    /// by the plan's [`OutMix`]: `none` sums at unity, `gain` divides the sum by the number of
    /// outputs N, `sqrt` by √N, `tanh` takes tanh of the sum per sample and `hard` clamps it to
    /// ±1. The mode applies to this program's sum before it is added to what `left`/`right` hold.
    pub fn mix_into(&self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let stride = self.plan.max_block;
        let g = &self.plan.graph;
        let mix = self.plan.outmix;
        let count = self.plan.outputs.len();
        let add = |left: &mut [f32], right: &mut [f32]| {
            for &slot in &self.plan.outputs {
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

    /// Takes over the state of `old`'s nodes: for each `(new slot, old slot)` pair (equal keys),
    /// the new kernel copies the old one's state ([`crate::kernels::Kernel::adopt`]). Render thread.
    pub fn adopt(&mut self, old: &Executor, pairs: &[(usize, usize)]) {
        for &(n, o) in pairs {
            if let (Some(new), Some(prev)) = (
                self.plan.graph.nodes.get_mut(n),
                old.plan.graph.nodes.get(o),
            ) {
                if new.kind == prev.kind {
                    new.kernel.adopt(prev.kernel.as_ref());
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
        self.plan
            .graph
            .nodes
            .iter()
            .map(|n| n.kernel.voices())
            .sum()
    }

    /// Kernel counters since the previous call.
    pub fn take_counts(&mut self) -> KernelCounts {
        let mut c = KernelCounts::default();
        for n in &mut self.plan.graph.nodes {
            let k = n.kernel.take_counts();
            c.steals += k.steals;
            c.ignored += k.ignored;
        }
        c
    }
}
