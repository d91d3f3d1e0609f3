//! The Loader: the control thread's half of the engine — builds programs from GraphIR, pairs their nodes with the previous program's by key, and checks event batches against the newest program.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::error::EngineError;
use crate::events::{self, Event, Target};
use crate::executor::{Constants, Executor};
use crate::ir::{GraphIr, LaneKind, Param};
use crate::plan::Plan;
use crate::renderer::{Patch, Swap};

/// What a load built ([`crate::Engine::load`], `live`'s load) (JSON keys in camelCase).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LoadReport {
    /// Nodes in the plan.
    pub nodes: usize,
    /// Stages.
    pub stages: usize,
    /// Lanes.
    pub lanes: usize,
    /// Outputs summed into the master.
    pub outputs: usize,
    /// Named buses.
    pub buses: usize,
    /// Cycles per second, as sent.
    pub cps: f64,
}

impl LoadReport {
    /// The report as JSON.
    pub fn to_json(&self) -> String {
        simd_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// What the loader remembers of the newest program it built.
#[derive(Default)]
struct Newest {
    /// [`structure`] of its graph.
    structure: u64,
    /// Key and kind of each node, by slot.
    nodes: Vec<(String, &'static str)>,
    /// Keys of the output nodes, in output order.
    outputs: Vec<String>,
    /// Kind of each lane.
    lanes: Vec<LaneKind>,
    /// Each lane's identity across reloads: kind, the key of the node it drives, its port.
    lane_ids: Vec<(LaneKind, String, Option<String>)>,
    /// The slots each slot reads ([`Plan::inputs`]).
    inputs: Vec<Vec<usize>>,
    /// The slot of each output.
    out_slots: Vec<usize>,
    /// Whether its outputs are summed plainly (`OutMix::None`): only then can some outputs
    /// fade while others play on.
    plain_mix: bool,
}

/// What a reload carries over and what fades, between the running program and a new one.
#[derive(Default)]
struct Change {
    /// `(new slot, old slot, held)` for nodes of equal key and kind, by new slot.
    transfer: Vec<(usize, usize, bool)>,
    /// `(new lane, old lane)` of equal identity.
    lanes: Vec<(usize, usize)>,
    /// Old outputs that fade out, new ones that fade in (see [`Swap`]).
    fade_out: Vec<u64>,
    fade_in: Vec<u64>,
}

/// A mask of `count` outputs with those `pick` chooses.
fn mask(count: usize, pick: impl Fn(usize) -> bool) -> Vec<u64> {
    let mut m = vec![0u64; count.div_ceil(64)];
    for i in (0..count).filter(|&i| pick(i)) {
        m[i / 64] |= 1 << (i % 64);
    }
    m
}

impl Newest {
    /// Which of this program's outputs fade out and which of a new program's (`outputs`, by
    /// key) fade in: an output whose key is in both plays on, the others fade. With `fresh`
    /// (panic), or when either program shapes its sum (an `outmix` other than `none`), every
    /// output fades if any does. Control thread.
    fn fades(&self, outputs: &[String], plain_mix: bool, fresh: bool) -> (Vec<u64>, Vec<u64>) {
        let all = |count: usize| mask(count, |_| true);
        if fresh {
            return (all(self.outputs.len()), all(outputs.len()));
        }
        if plain_mix && self.plain_mix {
            (
                mask(self.outputs.len(), |i| !outputs.contains(&self.outputs[i])),
                mask(outputs.len(), |i| !self.outputs.contains(&outputs[i])),
            )
        } else if self.outputs == outputs {
            (Vec::new(), Vec::new())
        } else {
            (all(self.outputs.len()), all(outputs.len()))
        }
    }

    /// The slots an output fading out (`fade_out`) reads, directly or not: during the
    /// crossfade they still sound in this program. Control thread.
    fn held(&self, fade_out: &[u64]) -> Vec<bool> {
        let mut held = vec![false; self.nodes.len()];
        let mut stack: Vec<usize> = (0..self.outputs.len())
            .filter(|&i| {
                fade_out
                    .get(i / 64)
                    .is_some_and(|w| w & (1 << (i % 64)) != 0)
            })
            .map(|i| self.out_slots[i])
            .collect();
        while let Some(s) = stack.pop() {
            if !std::mem::replace(&mut held[s], true) {
                stack.extend(self.inputs[s].iter().copied().filter(|&x| !held[x]));
            }
        }
        held
    }

    /// The keys of the nodes a reload to a program of `outputs` leaves held (see
    /// [`Newest::held`]): the new program keeps the nodes of these keys unabsorbed, so that
    /// the old program can read their output from it during the fade. Control thread.
    fn held_keys(&self, outputs: &[String], plain_mix: bool) -> HashSet<&str> {
        let (fade_out, _) = self.fades(outputs, plain_mix, false);
        let held = self.held(&fade_out);
        self.nodes
            .iter()
            .zip(held)
            .filter(|(_, h)| *h)
            .map(|((k, _), _)| k.as_str())
            .collect()
    }
}

impl Change {
    /// From `prev` to a program of `nodes`, `outputs`, `lanes` ([`Newest::fades`] says what
    /// fades). Every node of equal key and kind is carried over; one that an output fading out
    /// reads ([`Newest::held`]) is marked so the old program reads it from the new one during
    /// the fade. With `fresh` nothing is carried over. Control thread.
    fn between(
        prev: &Newest,
        nodes: &[(String, &'static str)],
        outputs: &[String],
        lanes: &[(LaneKind, String, Option<String>)],
        plain_mix: bool,
        fresh: bool,
    ) -> Change {
        let (fade_out, fade_in) = prev.fades(outputs, plain_mix, fresh);
        if fresh {
            return Change {
                fade_out,
                fade_in,
                ..Change::default()
            };
        }
        let held = prev.held(&fade_out);
        let old: HashMap<(&str, &str), usize> = prev
            .nodes
            .iter()
            .enumerate()
            .map(|(slot, (k, kind))| ((k.as_str(), *kind), slot))
            .collect();
        let transfer = nodes
            .iter()
            .enumerate()
            .filter_map(|(slot, (k, kind))| {
                let &o = old.get(&(k.as_str(), *kind))?;
                Some((slot, o, held[o]))
            })
            .collect();
        let old_lanes: HashMap<&(LaneKind, String, Option<String>), usize> = prev
            .lane_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id, i))
            .collect();
        let lanes = lanes
            .iter()
            .enumerate()
            .filter_map(|(i, id)| old_lanes.get(id).map(|&o| (i, o)))
            .collect();
        Change {
            transfer,
            lanes,
            fade_out,
            fade_in,
        }
    }
}

/// Builds programs. Control thread: may allocate.
pub struct Loader {
    sample_rate: u32,
    block_size: usize,
    newest: Option<Newest>,
    /// Build programs that time every node (PROFILE_DETAILED).
    pub profile: bool,
    /// Workers a stage may be split across (each program gets one scratch per worker).
    pub threads: usize,
    /// Stage work (ns per block) from which a stage is split across workers
    /// ([`crate::schedule::MIN_PARALLEL_NS`]; tests lower it to see the parallel path run).
    pub min_parallel_ns: f32,
}

struct View<'a> {
    lanes: &'a [LaneKind],
    samples: usize,
    /// Set when the sample count was asked for.
    asked: Cell<bool>,
}

impl Target for View<'_> {
    fn lane_kind(&self, id: u32) -> Option<LaneKind> {
        self.lanes.get(id as usize).copied()
    }
    fn sample_count(&self) -> usize {
        self.asked.set(true);
        self.samples
    }
}

impl Loader {
    /// A loader for programs at `sample_rate` in blocks of at most `block_size`.
    pub fn new(sample_rate: u32, block_size: usize) -> Loader {
        Loader {
            sample_rate,
            block_size,
            newest: None,
            profile: false,
            threads: 1,
            min_parallel_ns: crate::schedule::MIN_PARALLEL_NS,
        }
    }

    /// Parses, validates and builds a GraphIR (parsed in place) into a swap for the renderer:
    /// the plan, the `(new, old)` slot pairs whose keys (and kinds) match the previous program,
    /// and whether an output changed structurally (its key set differs). All allocation of the
    /// new program happens here. Control thread.
    pub fn build(&mut self, ir_json: &mut [u8]) -> Result<(Box<Swap>, LoadReport), EngineError> {
        self.build_with(ir_json, false)
    }

    /// [`Loader::build`], or with `fresh` a new program that takes over no state at all and
    /// crossfades from the running one (`panic`: every voice, echo and tail fades out over the
    /// crossfade while the music goes on). Control thread.
    pub fn build_with(
        &mut self,
        ir_json: &mut [u8],
        fresh: bool,
    ) -> Result<(Box<Swap>, LoadReport), EngineError> {
        let ir = GraphIr::parse(ir_json)?;
        let shape = structure(&ir);
        // The keys of the output nodes as written (fusion may have folded an output into its
        // producer, whose key is not the output's). Keys cover everything upstream, so an output
        // whose key is unchanged computes the same as before.
        let outputs: Vec<String> = ir
            .outputs
            .iter()
            .map(|o| ir.nodes[o.node as usize].key.clone())
            .collect();
        let plain_mix = ir.out_mix() == crate::ir::OutMix::None;
        // Nodes an output fading out of the running program reads keep a buffer of their own
        // here: the old program reads them from this one during the crossfade.
        let kept: Vec<u32> = match &self.newest {
            Some(prev) if !fresh => {
                let held = prev.held_keys(&outputs, plain_mix);
                ir.nodes
                    .iter()
                    .filter(|n| held.contains(n.key.as_str()))
                    .map(|n| n.id)
                    .collect()
            }
            _ => Vec::new(),
        };
        let mut plan =
            Plan::build_keeping(&ir, self.sample_rate as f32, self.block_size, true, &kept);
        plan.graph.set_bins(self.threads);
        plan.graph.schedule.set_threshold(self.min_parallel_ns);
        let report = LoadReport {
            nodes: plan.graph.nodes.len(),
            stages: plan.graph.stages.len(),
            lanes: plan.lanes.len(),
            outputs: plan.outputs.len(),
            buses: plan.buses,
            cps: plan.cps,
        };
        let nodes: Vec<(String, &'static str)> = plan
            .graph
            .nodes
            .iter()
            .map(|n| (n.key.clone(), n.kind))
            .collect();
        let lanes = plan.lanes.iter().map(|l| l.kind).collect();
        let lane_ids: Vec<(LaneKind, String, Option<String>)> = ir
            .lanes
            .iter()
            .zip(&plan.lanes)
            .map(|(l, s)| {
                let nodes = match l.template {
                    Some(t) => &ir.templates[t as usize].nodes,
                    None => &ir.nodes,
                };
                let key = nodes
                    .get(l.node as usize)
                    .map(|n| n.key.clone())
                    .unwrap_or_default();
                (s.kind, key, l.param.clone())
            })
            .collect();
        let inputs = plan.inputs();
        let out_slots = plan.outputs.clone();
        debug_assert_eq!(plain_mix, plan.outmix == crate::ir::OutMix::None);
        let mut change = Change::default();
        if let Some(prev) = &self.newest {
            change = Change::between(prev, &nodes, &outputs, &lane_ids, plain_mix, fresh);
        }
        let same = !fresh && self.newest.as_ref().is_some_and(|n| n.structure == shape);
        self.newest = Some(Newest {
            structure: shape,
            nodes,
            outputs,
            lanes,
            lane_ids,
            inputs,
            out_slots,
            plain_mix,
        });
        if same {
            // Only constants changed: the running plan stays, with its state untouched; the
            // renderer takes the new port sources (and tempo). This plan is dropped here.
            let patch = Patch {
                constants: Constants::of(&plan),
                cps: plan.cps,
                structure: shape,
            };
            let swap = Swap {
                exec: None,
                patch: Some(patch),
                transfer: Vec::new(),
                lanes: Vec::new(),
                crossfade: false,
                fade_out: Vec::new(),
                fade_in: Vec::new(),
                start: 0,
            };
            return Ok((Box::new(swap), report));
        }
        let mut exec = Box::new(Executor::new(plan));
        exec.structure = shape;
        if self.profile {
            exec.enable_profile();
        }
        let swap = Swap {
            exec: Some(exec),
            patch: None,
            transfer: change.transfer,
            lanes: change.lanes,
            crossfade: change
                .fade_out
                .iter()
                .chain(&change.fade_in)
                .any(|&w| w != 0),
            fade_out: change.fade_out,
            fade_in: change.fade_in,
            start: 0,
        };
        Ok((Box::new(swap), report))
    }

    /// Whether `batch` holds a trigger that plays a sample (or cannot be read: the decode that
    /// follows reports it): decode asks the target for the sample count only for a trigger's
    /// sample field. Control thread.
    pub fn plays_samples(&self, batch: &[f64]) -> bool {
        let Some(newest) = &self.newest else {
            return true;
        };
        let view = View {
            lanes: &newest.lanes,
            samples: usize::MAX,
            asked: Cell::new(false),
        };
        events::decode(batch, &view, |_| {}).is_err() || view.asked.get()
    }

    /// Checks a whole batch against the newest program, then passes each event to `sink`. A
    /// malformed batch is an error and nothing of it is passed on. Control thread; allocates
    /// only to build an error.
    pub fn decode(
        &self,
        batch: &[f64],
        samples: usize,
        mut sink: impl FnMut(Event),
    ) -> Result<(), EngineError> {
        let Some(newest) = &self.newest else {
            return Err(EngineError::NoGraph(
                "load a GraphIR before pushing events".into(),
            ));
        };
        let view = View {
            lanes: &newest.lanes,
            samples,
            asked: Cell::new(false),
        };
        events::decode(batch, &view, |_| {}).map_err(EngineError::Events)?;
        events::decode(batch, &view, &mut sink)
            .map(|_| ())
            .map_err(EngineError::Events)
    }
}

/// A hash of everything in a graph except its constant values, lanes' initial values, pattern
/// text and source positions (a comment or a blank line moves every position): equal hashes
/// mean the same plan shape, so a reload can keep the running plan and change only its
/// constants. Control thread.
pub fn structure(ir: &GraphIr) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for n in &ir.nodes {
        hash_node(n, false, &mut h);
    }
    // Lanes by role: pattern text and source positions are the scheduler's business.
    for l in &ir.lanes {
        (l.id, &l.kind, l.node, &l.param, l.template).hash(&mut h);
    }
    for o in &ir.outputs {
        (&o.name, o.node).hash(&mut h);
    }
    format!("{:?}|{:?}", ir.stages, ir.outmix).hash(&mut h);
    // Templates whole, constants included (a voice's constants live inside the voices kernel,
    // where a patch of port sources cannot reach them), source positions and names excluded.
    for t in &ir.templates {
        (t.id, t.output, &t.stages).hash(&mut h);
        for p in &t.pitch {
            (p.node, &p.param, p.base.to_bits()).hash(&mut h);
        }
        for n in &t.nodes {
            hash_node(n, true, &mut h);
        }
    }
    h.finish()
}

/// Hashes what of a node is structure: id, kind, key, data and where each port's value comes
/// from — with `constants`, constant values too — but not its source position.
fn hash_node(n: &crate::ir::NodeIr, constants: bool, h: &mut impl std::hash::Hasher) {
    use std::hash::Hash;
    (n.id, &n.kind, &n.key).hash(h);
    format!("{:?}", n.data).hash(h);
    for (name, p) in &n.params {
        name.hash(h);
        match *p {
            Param::Const(c) if constants => ("const", c.to_bits()).hash(h),
            Param::Const(_) => "const".hash(h),
            Param::Lane { lane, .. } => ("lane", lane).hash(h),
            other => format!("{other:?}").hash(h),
        }
    }
}
