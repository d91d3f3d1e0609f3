//! The Plan: a validated GraphIR lowered to kernels, preallocated block buffers, resolved inputs and stage order.
//!
//! Nodes are stored in *slot* order: stage 0's nodes first, then stage 1's, and so on. A node's
//! inputs therefore always live in lower slots than the first slot of its own stage, which lets
//! the executor split the buffers into "already computed" (read-only) and "this stage" (written)
//! halves with `split_at_mut`, which is what lets a stage run in parallel. Everything here is
//! allocated when the plan is built, on the control thread.
//!
//! The node machinery is a [`Graph`], used twice: once for the program and once per voice of
//! every `voices` node (an instance of a template's nodes). A `{"prev": id}` param reads a
//! copy of node `id`'s output made at the end of the previous run (zeros before the first):
//! a one-block feedback delay, so stages ignore it and its result depends on the block size.
//! A node's channel count counts its `prev` inputs too (iterated to a fixed point).
//!
//! Before slots are given, the graph is fused ([`crate::fuse`]): constant gains and offsets move
//! into the producing node ([`NodeSlot::post`]), `add`/`sub` chains become n-ary sums
//! ([`Role::Sum`], terms in [`Graph::terms`]) and single-use producers of a sum are rendered by
//! it ([`Role::Absorbed`]: a slot, a key and state, but no buffer). Removed nodes have no slot;
//! `slot_of` maps them to the slot that holds their value.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::fuse::{self, Fused, Post};
use crate::ir::{GraphIr, LaneKind, NodeIr, OutMix, Param, TemplateIr};
use crate::kernels::{self, ChannelRule, Kernel, LaneValue, MAX_PORTS};
use crate::schedule::Schedule;

/// Where a port's value comes from, resolved to slots and lane indices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Source {
    /// A constant for the whole plan.
    Const(f32),
    /// The output of the node in `slot`; `channels` (1 or 2) of it are read (1 = left only).
    Node {
        /// Slot of the source node.
        slot: usize,
        /// Channels read.
        channels: usize,
    },
    /// A param lane's held value.
    Lane(usize),
    /// A node's output during the previous block: `Graph::prev[index]`.
    Prev {
        /// Index into the graph's previous-block copies.
        index: usize,
        /// Channels read.
        channels: usize,
    },
    /// Inside a voice template: the `voices` node's input `in<k>`.
    Input(usize),
}

/// How the executor runs a node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Role {
    /// Its kernel renders into its buffer.
    Kernel,
    /// A sum renders it (see [`crate::fuse`]); it is skipped in its stage and has no buffer.
    Absorbed,
    /// An n-ary sum: `post.gain·(bias + Σ terms) + post.offset`, over `Graph::terms[start..end]`
    /// in order.
    Sum {
        /// First term.
        start: u32,
        /// One past the last term.
        end: u32,
        /// Where the accumulation starts.
        bias: f32,
    },
}

/// One term of a sum: `gain · source`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Term {
    /// Where the value comes from; for an absorbed node, `Source::Node` with its slot.
    pub source: Source,
    /// Factor (the sign of a `sub` included).
    pub gain: f32,
    /// The sum renders the node itself.
    pub absorbed: bool,
}

/// One node of the plan.
pub struct NodeSlot {
    /// GraphIR node id.
    pub id: u32,
    /// Structural key: equal keys across reloads carry state over.
    pub key: String,
    /// Kind name.
    pub kind: &'static str,
    /// Output channels, 1 or 2.
    pub channels: usize,
    /// Port sources in the kind's port order; `nports` are used.
    pub sources: [Source; MAX_PORTS],
    /// Ports of the kind.
    pub nports: usize,
    /// The node's DSP and state.
    pub kernel: Box<dyn Kernel>,
    /// Its kernel is a voice pool ([`Kernel::pool`]): the executor reads its voices and
    /// counters after each block.
    pub pool: bool,
    /// Applied to its output after each block (folded `* const`, `+ const`).
    pub post: Post,
    /// Kernel, absorbed or sum.
    pub role: Role,
    /// What its kernel was built from besides the kind: data, and a `voices` node's template.
    /// A reload moves a kernel (with its state) only into a node of the same kind and shape.
    pub shape: u64,
    /// Its kernel panicked: it is never called again and the node outputs silence
    /// ([`crate::executor`]'s fault guard); `reported` once the control side was told.
    pub failed: Fault,
    /// In a program fading out after a reload: the node's kernel moved to the new program,
    /// which renders it; its buffer is a copy of the new program's node, made before this
    /// program runs each block ([`crate::renderer`]), and the node itself is not run.
    pub mirrored: bool,
}

/// Whether a node's kernel has panicked, and whether that was reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fault {
    /// Working.
    #[default]
    None,
    /// Panicked; not yet counted by `Executor::take_counts`.
    New,
    /// Panicked and counted.
    Reported,
}

/// Faults raised in this process, in any graph: lets a walk that looks for new faults (over
/// every node of a graph, or every voice's template) run only when this has moved.
static RAISED: AtomicU64 = AtomicU64::new(0);

impl Fault {
    /// Marks a node's kernel as having panicked (not yet reported). Render thread or a
    /// worker; the count is read after the block's forks have joined, so it is seen.
    pub fn raise(&mut self) {
        *self = Fault::New;
        RAISED.fetch_add(1, Ordering::Relaxed);
    }

    /// Faults raised so far in this process: a walk for [`Fault::New`] nodes can be skipped
    /// while this equals the value it saw at its last walk. Any thread.
    pub fn raised() -> u64 {
        RAISED.load(Ordering::Relaxed)
    }
}

/// The shape of node `node`'s kernel (see [`NodeSlot::shape`]). Control thread.
fn kernel_shape(node: &NodeIr, templates: &[TemplateIr]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&node.kind, format!("{:?}", node.data)).hash(&mut h);
    if let Some(crate::ir::DataValue::Num(t)) = node.data.get("template") {
        if let Some(t) = templates.get(*t as usize) {
            // Positions and the name aside, the whole template: its nodes and lanes are baked
            // into the kernel's voice graphs.
            let nodes: Vec<_> = t
                .nodes
                .iter()
                .map(|n| {
                    (
                        n.id,
                        &n.kind,
                        &n.key,
                        format!("{:?}|{:?}", n.params, n.data),
                    )
                })
                .collect();
            (
                format!("{nodes:?}"),
                t.output,
                &t.stages,
                format!("{:?}", t.pitch),
            )
                .hash(&mut h);
        }
    }
    h.finish()
}

/// What a lane drives (its value, which nodes read, is in [`Plan::lane_values`]).
#[derive(Debug)]
pub struct LaneSlot {
    /// Trigger or param.
    pub kind: LaneKind,
    /// Slot of the node it drives (global lanes; 0 for template lanes).
    pub slot: usize,
}

/// A runnable node graph: the global program, or one voice's instance of a template.
pub struct Graph {
    /// Nodes in slot order.
    pub nodes: Vec<NodeSlot>,
    /// `buffers[slot]` holds `channels * max_block` samples, channel after channel.
    pub buffers: Vec<Vec<f32>>,
    /// Slot ranges, one per stage, in order.
    pub stages: Vec<Range<usize>>,
    /// Slot of each GraphIR node id.
    pub slot_of: Vec<usize>,
    /// Previous-block copies of the nodes read through `prev`: (slot, buffer of `channels *
    /// max_block`), updated at the end of every run.
    pub prev: Vec<(usize, Vec<f32>)>,
    /// Largest block.
    pub max_block: usize,
    /// The terms of every sum, each sum's a contiguous range.
    pub terms: Vec<Term>,
    /// Where a sum renders an absorbed node (2 channels) or a group of them as lanes
    /// (up to [`kernels::LANES`] mono outputs): `max(2, min(LANES, terms))` × `max_block`, or
    /// nothing when the graph has no sum. One per bin a stage may be split into (see
    /// [`Graph::set_bins`]); the serial path uses the first.
    pub scratch: Vec<Vec<f32>>,
    /// What each stage runs, stage after stage: its kernel and sum nodes, a split sum as its
    /// parts (see [`Work`]).
    pub work: Vec<Work>,
    /// Each stage's range of `work`.
    pub stage_work: Vec<Range<usize>>,
    /// The partial sums of split sums' later parts, `channels × max_block` each.
    pub parts: Vec<Vec<f32>>,
    /// Which bins run which work, learnt from sampled costs.
    pub schedule: Schedule,
}

/// The most parts a long sum is split into.
pub const MAX_PARTS: usize = 16;

/// Terms per part when a sum of `terms` terms is split: a multiple of [`kernels::LANES`] (so
/// lane groups stay whole) giving at most [`MAX_PARTS`] parts; a sum of at most `LANES` terms
/// is one part.
pub fn part_len(terms: usize) -> usize {
    terms.div_ceil(MAX_PARTS).div_ceil(kernels::LANES).max(1) * kernels::LANES
}

/// One unit of a stage's work, run by one worker: a node (a kernel, or a whole sum), or one
/// part of a split sum.
///
/// A split sum's part 0 fills the sum's buffer with its bias and adds its terms; part `k > 0`
/// adds its terms to zero in `Graph::parts[buf]`; after the stage the later parts are added
/// into the sum's buffer in part order and the sum's gain and offset applied. So a long sum
/// is always computed as this tree, whichever worker runs which part, or none.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Work {
    /// The node.
    pub slot: usize,
    /// The part's terms (absolute indices into `Graph::terms`); a node's whole range.
    pub terms: (u32, u32),
    /// 0: writes the node's buffer; `k > 0`: writes `Graph::parts[k - 1]`.
    pub buf: u32,
    /// Part of a split sum (its post waits for the stage to end).
    pub split: bool,
    /// The last part of a split sum.
    pub last: bool,
}

/// A runnable program.
pub struct Plan {
    /// Frames per second.
    pub sample_rate: f32,
    /// Largest block; every buffer channel is this long.
    pub max_block: usize,
    /// Cycles per second, as sent.
    pub cps: f64,
    /// The node graph.
    pub graph: Graph,
    /// Slots summed into the master.
    pub outputs: Vec<usize>,
    /// How the outputs are combined.
    pub outmix: OutMix,
    /// Lanes by id.
    pub lanes: Vec<LaneSlot>,
    /// Lanes' values by id: what nodes read through [`kernels::Context::lanes`].
    pub lane_values: Vec<LaneValue>,
    /// Named buses (informational).
    pub buses: usize,
}

/// A node's random seed: FNV-1a of its key (stable across reloads, like the rest of its state), or
/// of its id when the key is empty.
pub fn node_seed(key: &str, id: u32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = if key.is_empty() {
        id.to_le_bytes().to_vec()
    } else {
        key.as_bytes().to_vec()
    };
    for b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Output channels of every node (by id). A `prev` input counts with its source's channels as
/// far as they are known; channels only grow (1 → 2), so iterating to a fixed point settles
/// feedback loops.
fn channels_of(nodes: &[NodeIr], order: &[u32]) -> Vec<usize> {
    let mut ch = vec![1usize; nodes.len()];
    loop {
        let mut changed = false;
        for &id in order {
            let node = &nodes[id as usize];
            let spec = crate::kinds::spec(&node.kind).expect("validated kind");
            let mut follow = 1;
            for port in spec.ports.iter().filter(|p| p.stereo) {
                if let Some(Param::Node(src) | Param::Prev(src)) = node.params.get(port.name) {
                    follow = follow.max(ch[*src as usize]);
                }
            }
            let c = match spec.channels {
                ChannelRule::Mono => 1,
                ChannelRule::Stereo => 2,
                ChannelRule::FollowInputs => follow,
            };
            if c != ch[id as usize] {
                ch[id as usize] = c;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    ch
}

impl Graph {
    /// Builds the graph of `nodes` in `stages` (validated), fused as `fused` says (from
    /// [`crate::fuse::fuse`], or [`Fused::none`]). `templates` are there for `voices` nodes, which
    /// fuse their templates when `fuse_templates` is set. Control thread; allocates everything.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        nodes_ir: &[NodeIr],
        stages_ir: &[Vec<u32>],
        templates: &[TemplateIr],
        fused: &Fused,
        fuse_templates: bool,
        sample_rate: f32,
        max_block: usize,
    ) -> Graph {
        let all: Vec<u32> = stages_ir.iter().flatten().copied().collect();
        let channels = channels_of(nodes_ir, &all);
        let mut slot_of = vec![0usize; nodes_ir.len()];
        let mut order = Vec::with_capacity(nodes_ir.len());
        let mut stages = Vec::with_capacity(stages_ir.len());
        for stage in stages_ir {
            let start = order.len();
            for &id in stage {
                if fused.removed[id as usize] {
                    continue;
                }
                slot_of[id as usize] = order.len();
                order.push(id);
            }
            if order.len() > start {
                stages.push(start..order.len());
            }
        }
        for id in 0..nodes_ir.len() as u32 {
            if fused.removed[id as usize] {
                slot_of[id as usize] = slot_of[fused.find(id) as usize];
            }
        }
        let mut prev: Vec<(usize, Vec<f32>)> = Vec::new();
        // The source of a param; `stereo` says whether the port reads both channels.
        let source = |param: Param, stereo: bool, prev: &mut Vec<(usize, Vec<f32>)>| match param {
            Param::Const(c) => Source::Const(c),
            Param::Node(src) => Source::Node {
                slot: slot_of[fused.find(src) as usize],
                channels: if stereo { channels[src as usize] } else { 1 },
            },
            Param::Prev(src) => {
                let src_slot = slot_of[fused.find(src) as usize];
                let src_ch = channels[src as usize];
                let index = match prev.iter().position(|(s, _)| *s == src_slot) {
                    Some(i) => i,
                    None => {
                        prev.push((src_slot, vec![0.0; src_ch * max_block]));
                        prev.len() - 1
                    }
                };
                Source::Prev {
                    index,
                    channels: if stereo { src_ch } else { 1 },
                }
            }
            Param::Lane { lane, .. } => Source::Lane(lane as usize),
            Param::Input(k) => Source::Input(k as usize),
        };
        let mut nodes: Vec<NodeSlot> = Vec::with_capacity(order.len());
        let mut terms: Vec<Term> = Vec::new();
        for &id in &order {
            let node = &nodes_ir[id as usize];
            let spec = crate::kinds::spec(&node.kind).expect("validated kind");
            let mut sources = [Source::Const(0.0); MAX_PORTS];
            for (p, port) in spec.ports.iter().enumerate() {
                let param = node.params.get(port.name).copied();
                sources[p] = match param {
                    None => Source::Const(port.default.unwrap_or(0.0)),
                    Some(param) => source(param, port.stereo, &mut prev),
                };
            }
            let role = match &fused.sums[id as usize] {
                Some(sum) => {
                    let start = terms.len() as u32;
                    for t in &sum.terms {
                        terms.push(Term {
                            source: source(t.param, true, &mut prev),
                            gain: t.gain,
                            absorbed: t.absorbed,
                        });
                    }
                    Role::Sum {
                        start,
                        end: terms.len() as u32,
                        bias: sum.bias,
                    }
                }
                None if fused.absorbed[id as usize] => Role::Absorbed,
                None => Role::Kernel,
            };
            let mut kernel: Box<dyn Kernel> = if node.kind == "voices" {
                let t = match node.data.get("template") {
                    Some(crate::ir::DataValue::Num(t)) => templates.get(*t as usize),
                    _ => None,
                };
                Box::new(crate::voice::synth::Voices::with_template(
                    t,
                    templates,
                    &node.data,
                    fuse_templates,
                    sample_rate,
                    max_block,
                ))
            } else {
                crate::kinds::make(&node.kind).expect("validated kind")
            };
            kernel.configure(&node.data);
            kernel.seed(node_seed(&node.key, id));
            kernel.prepare(sample_rate, max_block);
            nodes.push(NodeSlot {
                id,
                key: node.key.clone(),
                kind: if matches!(role, Role::Sum { .. }) {
                    "sum"
                } else {
                    spec.name
                },
                channels: channels[id as usize],
                sources,
                nports: if matches!(role, Role::Sum { .. }) {
                    0
                } else {
                    spec.ports.len()
                },
                pool: kernel.pool(),
                kernel,
                post: fused.post[id as usize],
                role,
                shape: kernel_shape(node, templates),
                failed: Fault::None,
                mirrored: false,
            });
        }
        // Scratch channels: none without sums; two for an absorbed stereo node; a lane group's
        // outputs when a sum has several terms.
        let scratch_frames = terms.len().clamp(2, kernels::LANES)
            * usize::from(nodes.iter().any(|n| matches!(n.role, Role::Sum { .. })));
        let buffers = nodes
            .iter()
            .map(|n| match n.role {
                Role::Absorbed => Vec::new(),
                _ => vec![0.0f32; n.channels * max_block],
            })
            .collect();
        let mut g = Graph {
            nodes,
            buffers,
            stages,
            slot_of,
            prev,
            max_block,
            terms,
            scratch: vec![vec![0.0; scratch_frames * max_block]],
            work: Vec::new(),
            stage_work: Vec::new(),
            parts: Vec::new(),
            schedule: Schedule::new(&[]),
        };
        g.plan_work(false);
        g
    }

    /// Lists each stage's work: every kernel and sum node, and with `split`, every sum longer
    /// than one [`part_len`] as its parts (with their partial buffers). Control thread.
    pub fn plan_work(&mut self, split: bool) {
        self.work.clear();
        self.stage_work.clear();
        self.parts.clear();
        for stage in &self.stages {
            let first = self.work.len();
            for slot in stage.clone() {
                let node = &self.nodes[slot];
                match node.role {
                    Role::Absorbed => {}
                    Role::Kernel => self.work.push(Work {
                        slot,
                        terms: (0, 0),
                        buf: 0,
                        split: false,
                        last: true,
                    }),
                    Role::Sum { start, end, .. } => {
                        let len = (end - start) as usize;
                        let per = if !split {
                            len.max(1)
                        } else if self.solo_terms(start as usize..end as usize) {
                            1
                        } else {
                            part_len(len)
                        };
                        let count = len.div_ceil(per).max(1);
                        for k in 0..count {
                            let a = start + (k * per) as u32;
                            let b = (a + per as u32).min(end);
                            let buf = if k == 0 {
                                0
                            } else {
                                self.parts.push(vec![0.0; node.channels * self.max_block]);
                                self.parts.len() as u32
                            };
                            self.work.push(Work {
                                slot,
                                terms: (a, b),
                                buf,
                                split: count > 1,
                                last: k + 1 == count,
                            });
                        }
                    }
                }
            }
            self.stage_work.push(first..self.work.len());
        }
        self.schedule = Schedule::new(&self.stage_work);
    }

    /// Whether the terms `range` of a sum are few ([`MAX_PARTS`] at most) and each a node the
    /// sum renders that groups with no other ([`Kernel::lane_key`] is `None`: a voice pool, a
    /// reverb, a chain's end): then each is a part of its own, so that two voice pools summed
    /// can run on two workers. Control thread.
    fn solo_terms(&self, range: Range<usize>) -> bool {
        range.len() > 1
            && range.len() <= MAX_PARTS
            && self.terms[range]
                .iter()
                .all(|t| match (t.absorbed, t.source) {
                    (true, Source::Node { slot, .. }) => {
                        self.nodes[slot].kernel.lane_key().is_none()
                    }
                    _ => false,
                })
    }

    /// Room for stages split into up to `bins` bins: one scratch each. A graph whose absorbed
    /// nodes are not each one sum's alone ([`Graph::absorbed_once`]; never the case when built
    /// here) keeps one bin and runs serially. Control thread.
    pub fn set_bins(&mut self, bins: usize) {
        let bins = if self.absorbed_once() { bins.max(1) } else { 1 };
        let len = self.scratch[0].len();
        self.scratch.resize_with(bins, || vec![0.0; len]);
        self.schedule.set_workers(bins);
    }

    /// Whether every absorbed node is a term of exactly one sum, once: what lets parts and sums
    /// render their absorbed nodes on different workers at once. True by construction of
    /// [`crate::fuse`]; the executor checks it when a plan is built and runs serially if not.
    pub fn absorbed_once(&self) -> bool {
        let mut seen = vec![false; self.nodes.len()];
        for t in &self.terms {
            if let (true, Source::Node { slot, .. }) = (t.absorbed, t.source) {
                if seen[slot] || self.nodes[slot].role != Role::Absorbed {
                    return false;
                }
                seen[slot] = true;
            }
        }
        true
    }

    /// The fusion of a template: its output is used from outside, its pitch ports are pinned.
    /// Control thread.
    pub fn fuse_template(t: &TemplateIr) -> Fused {
        let order: Vec<u32> = t.stages.iter().flatten().copied().collect();
        let pinned: Vec<u32> = t.pitch.iter().map(|p| p.node).collect();
        fuse::fuse(&t.nodes, &order, &[t.output], &pinned)
    }

    /// Returns every node to its starting state (a voice starting): kernels are reset
    /// ([`Kernel::reset`]) and previous-block copies zeroed. No allocation.
    pub fn reset(&mut self) {
        for n in &mut self.nodes {
            n.kernel.reset();
        }
        for (_, b) in &mut self.prev {
            b.fill(0.0);
        }
    }
}

impl Plan {
    /// For each slot, the slots it reads: its ports, its sum terms and its `prev` reads.
    /// Control thread.
    pub fn inputs(&self) -> Vec<Vec<usize>> {
        let g = &self.graph;
        let from = |s: &Source| match *s {
            Source::Node { slot, .. } => Some(slot),
            Source::Prev { index, .. } => g.prev.get(index).map(|p| p.0),
            _ => None,
        };
        g.nodes
            .iter()
            .map(|node| {
                let terms = match node.role {
                    Role::Sum { start, end, .. } => &g.terms[start as usize..end as usize],
                    _ => &[],
                };
                node.sources[..node.nports]
                    .iter()
                    .chain(terms.iter().map(|t| &t.source))
                    .filter_map(from)
                    .collect()
            })
            .collect()
    }

    /// Builds the plan of a validated graph, fused. Control thread; allocates everything.
    pub fn build(ir: &GraphIr, sample_rate: f32, max_block: usize) -> Plan {
        Plan::build_with(ir, sample_rate, max_block, true)
    }

    /// [`Plan::build`], fused (`fuse`) or every node as written (for comparisons). Control
    /// thread.
    pub fn build_with(ir: &GraphIr, sample_rate: f32, max_block: usize, fuse: bool) -> Plan {
        Plan::build_keeping(ir, sample_rate, max_block, fuse, &[])
    }

    /// [`Plan::build_with`], keeping the nodes `kept` (ids) out of any sum and unfolded, each
    /// with its own buffer (a reload's held nodes: see [`crate::fuse::fuse_keeping`]). Control
    /// thread.
    pub fn build_keeping(
        ir: &GraphIr,
        sample_rate: f32,
        max_block: usize,
        fuse: bool,
        kept: &[u32],
    ) -> Plan {
        let fused = if fuse {
            let order: Vec<u32> = ir.stages.iter().flatten().copied().collect();
            let outside: Vec<u32> = ir.outputs.iter().map(|o| o.node).collect();
            let pinned: Vec<u32> = ir
                .lanes
                .iter()
                .filter(|l| l.template.is_none())
                .map(|l| l.node)
                .collect();
            fuse::fuse_keeping(&ir.nodes, &order, &outside, &pinned, kept)
        } else {
            Fused::none(ir.nodes.len())
        };
        let graph = Graph::build(
            &ir.nodes,
            &ir.stages,
            &ir.templates,
            &fused,
            fuse,
            sample_rate,
            max_block,
        );
        let mut graph = graph;
        graph.plan_work(true);
        let (lanes, lane_values) = ir
            .lanes
            .iter()
            .map(|l| {
                let kind = l.lane_kind().expect("validated lane");
                let nodes = match l.template {
                    Some(t) => &ir.templates[t as usize].nodes,
                    None => &ir.nodes,
                };
                let init = match l
                    .param
                    .as_ref()
                    .and_then(|p| nodes[l.node as usize].params.get(p))
                {
                    Some(Param::Lane { init, .. }) => *init,
                    Some(_) => 0.0,
                    None => 0.0,
                };
                let slot = LaneSlot {
                    kind,
                    slot: if l.template.is_some() {
                        0
                    } else {
                        graph.slot_of[l.node as usize]
                    },
                };
                let value = LaneValue {
                    value: init,
                    stepped: false,
                    buf: if kind != LaneKind::Trigger {
                        vec![0.0; max_block]
                    } else {
                        Vec::new()
                    },
                };
                (slot, value)
            })
            .unzip();
        Plan {
            sample_rate,
            max_block,
            cps: ir.cps,
            outputs: ir
                .outputs
                .iter()
                .map(|o| graph.slot_of[o.node as usize])
                .collect(),
            outmix: ir.out_mix(),
            graph,
            lanes,
            lane_values,
            buses: ir.buses.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_stages_and_channels_follow_inputs() {
        let src = r#"{"version": 1, "nodes": [
            {"id": 0, "kind": "lpf", "params": {"in": {"node": 2}}},
            {"id": 1, "kind": "sine", "params": {"freq": {"node": 2}}},
            {"id": 2, "kind": "sampler"},
            {"id": 3, "kind": "mul", "params": {"a": {"node": 1}, "b": {"const": 0.5}}}
          ],
          "outputs": [{"name": "o", "node": 0}],
          "stages": [[2, 3], [0, 1]]}"#;
        // Node 3 reads node 1, which is in a later stage: invalid; fix the stages.
        let src = src.replace("[[2, 3], [0, 1]]", "[[2], [0, 1], [3]]");
        let ir = GraphIr::parse(&mut src.into_bytes()).unwrap();
        // Unfused: the mul by a constant would otherwise fold into the sine.
        let plan = Plan::build_with(&ir, 48000.0, 128, false);
        let plan = &plan.graph;
        assert_eq!(plan.slot_of, vec![1, 2, 0, 3]);
        assert_eq!(plan.stages, vec![0..1, 1..3, 3..4]);
        let ch: Vec<usize> = plan.nodes.iter().map(|n| n.channels).collect();
        assert_eq!(
            ch,
            vec![2, 2, 1, 1],
            "sampler stereo, lpf follows it, sine mono, mul follows sine"
        );
        // The sine's freq reads only the sampler's left channel; the lpf reads both.
        assert_eq!(
            plan.nodes[2].sources[0],
            Source::Node {
                slot: 0,
                channels: 1
            }
        );
        assert_eq!(
            plan.nodes[1].sources[0],
            Source::Node {
                slot: 0,
                channels: 2
            }
        );
        assert_eq!(
            plan.nodes[1].sources[1],
            Source::Const(1000.0),
            "cutoff default"
        );

        assert_eq!(plan.buffers[1].len(), 256);
    }
}
