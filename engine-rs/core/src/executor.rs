//! The executor: applies events at their frames and runs a plan's stages in order, one block at a time.
//!
//! Serial for now. Nodes of one stage only read buffers of earlier stages (split off with
//! `split_at_mut`) and write their own, and every kernel is `Send`, so a stage can later be run
//! on a worker pool without changing any kernel.

use crate::events::{Action, Event};
use crate::ir::LaneKind;
use crate::kernels::{Context, Input, KernelCounts, Outputs, PortIn, MAX_PORTS};
use crate::plan::{LaneSlot, Plan, Source};
use crate::profile::{Profile, Report};
use std::time::Instant;

/// Runs one plan.
pub struct Executor {
    plan: Plan,
    /// Per-node timings when PROFILE_DETAILED is on; `None` costs one branch per node.
    profile: Option<Box<Profile>>,
}

/// The block input for one source.
#[inline]
fn resolve<'a>(
    src: Source,
    done: &'a [Vec<f32>],
    lanes: &'a [LaneSlot],
    stride: usize,
    n: usize,
) -> PortIn<'a> {
    match src {
        Source::Const(c) => PortIn::mono(Input::Const(c)),
        Source::Node { slot, channels } => {
            let buf = &done[slot];
            let left = Input::Block(&buf[..n]);
            if channels == 2 {
                PortIn::stereo(left, Input::Block(&buf[stride..stride + n]))
            } else {
                PortIn::mono(left)
            }
        }
        Source::Lane(l) => {
            let lane = &lanes[l];
            if lane.stepped {
                PortIn::mono(Input::Block(&lane.buf[..n]))
            } else {
                PortIn::mono(Input::Const(lane.value))
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
        }
    }

    /// Times every node and stage from now on (allocates the timing arrays). Control thread,
    /// before the executor goes to the render thread.
    pub fn enable_profile(&mut self) {
        self.profile = Some(Box::new(Profile::new(
            self.plan.nodes.len(),
            self.plan.stages.len(),
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
        let ids: Vec<(u32, &str)> = self.plan.nodes.iter().map(|n| (n.id, n.kind)).collect();
        Some(p.report(&ids, self.plan.max_block))
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
                let n = &self.plan.nodes[slot];
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
                self.plan.nodes[lane.slot].kernel.trigger(ctx, offset, &t);
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
        let n = ctx.frames;
        let Plan {
            nodes,
            buffers,
            stages,
            lanes,
            max_block,
            ..
        } = &mut self.plan;
        let stride = *max_block;
        let mut profile = self.profile.as_deref_mut();
        for (si, stage) in stages.iter().enumerate() {
            // One clock read per node when profiling: each node's time runs from the previous read.
            let stage_start = profile.is_some().then(Instant::now);
            let mut mark = stage_start;
            let (done, current) = buffers.split_at_mut(stage.start);
            let done: &[Vec<f32>] = done;
            for slot in stage.clone() {
                let node = &mut nodes[slot];
                let mut ins = [PortIn::mono(Input::Const(0.0)); MAX_PORTS];
                for (i, src) in ins.iter_mut().zip(&node.sources[..node.nports]) {
                    *i = resolve(*src, done, lanes, stride, n);
                }
                let mut out =
                    Outputs::new(&mut current[slot - stage.start], stride, node.channels, n);
                node.kernel.process(ctx, &ins[..node.nports], &mut out);
                if let (Some(p), Some(m)) = (profile.as_deref_mut(), mark.as_mut()) {
                    p.node(slot, m);
                }
            }
            if let (Some(p), Some(t0), Some(t1)) = (profile.as_deref_mut(), stage_start, mark) {
                p.stage(si, (t1 - t0).as_nanos() as u64);
            }
        }
        if let Some(p) = profile {
            p.blocks += 1;
        }
        for lane in lanes.iter_mut() {
            lane.stepped = false;
        }
    }

    /// Adds every output node's block into `left` and `right` (mono outputs into both), at unity.
    pub fn mix_into(&self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let stride = self.plan.max_block;
        for &slot in &self.plan.outputs {
            let buf = &self.plan.buffers[slot];
            let l = &buf[..n];
            let r = if self.plan.nodes[slot].channels == 2 {
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
    }

    /// Takes over the state of `old`'s nodes: for each `(new slot, old slot)` pair (equal keys),
    /// the new kernel copies the old one's state ([`crate::kernels::Kernel::adopt`]). Render thread.
    pub fn adopt(&mut self, old: &Executor, pairs: &[(usize, usize)]) {
        for &(n, o) in pairs {
            if let (Some(new), Some(prev)) = (self.plan.nodes.get_mut(n), old.plan.nodes.get(o)) {
                if new.kind == prev.kind {
                    new.kernel.adopt(prev.kernel.as_ref());
                }
            }
        }
    }

    /// Voices sounding now, over all nodes.
    pub fn voices(&self) -> usize {
        self.plan.nodes.iter().map(|n| n.kernel.voices()).sum()
    }

    /// Kernel counters since the previous call.
    pub fn take_counts(&mut self) -> KernelCounts {
        let mut c = KernelCounts::default();
        for n in &mut self.plan.nodes {
            let k = n.kernel.take_counts();
            c.steals += k.steals;
            c.ignored += k.ignored;
        }
        c
    }
}
