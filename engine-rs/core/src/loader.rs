//! The Loader: the control thread's half of the engine — builds programs from GraphIR, pairs their nodes with the previous program's by key, and checks event batches against the newest program.

use std::collections::HashMap;

use crate::engine::LoadReport;
use crate::error::EngineError;
use crate::events::{self, Event, Target};
use crate::executor::{Constants, Executor};
use crate::ir::{GraphIr, LaneKind, Param};
use crate::plan::Plan;
use crate::renderer::{Patch, Swap};

/// What the loader remembers of the newest program it built.
#[derive(Default)]
struct Newest {
    /// [`structure`] of its graph.
    structure: u64,
    /// Key and kind of each node, by slot.
    nodes: Vec<(String, &'static str)>,
    /// Keys of the output nodes, sorted.
    outputs: Vec<String>,
    /// Kind of each lane.
    lanes: Vec<LaneKind>,
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
}

struct View<'a> {
    lanes: &'a [LaneKind],
    samples: usize,
}

impl Target for View<'_> {
    fn lane_kind(&self, id: u32) -> Option<LaneKind> {
        self.lanes.get(id as usize).copied()
    }
    fn sample_count(&self) -> usize {
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
        let mut plan = Plan::build(&ir, self.sample_rate as f32, self.block_size);
        plan.graph.set_bins(self.threads);
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
        // The keys of the output nodes as written (fusion may have folded an output into its
        // producer, whose key is not the output's).
        let mut outputs: Vec<String> = ir
            .outputs
            .iter()
            .map(|o| ir.nodes[o.node as usize].key.clone())
            .collect();
        outputs.sort();
        let lanes = plan.lanes.iter().map(|l| l.kind).collect();
        let (transfer, crossfade) = match &self.newest {
            Some(_) if fresh => (Vec::new(), true),
            Some(prev) => {
                let old: HashMap<(&str, &str), usize> = prev
                    .nodes
                    .iter()
                    .enumerate()
                    .map(|(slot, (k, kind))| ((k.as_str(), *kind), slot))
                    .collect();
                let pairs = nodes
                    .iter()
                    .enumerate()
                    .filter_map(|(slot, (k, kind))| {
                        old.get(&(k.as_str(), *kind)).map(|&o| (slot, o))
                    })
                    .collect();
                (pairs, prev.outputs != outputs)
            }
            None => (Vec::new(), false),
        };
        let same = !fresh && self.newest.as_ref().is_some_and(|n| n.structure == shape);
        self.newest = Some(Newest {
            structure: shape,
            nodes,
            outputs,
            lanes,
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
                crossfade: false,
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
            transfer,
            crossfade,
            start: 0,
        };
        Ok((Box::new(swap), report))
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
        };
        events::decode(batch, &view, |_| {}).map_err(EngineError::Events)?;
        events::decode(batch, &view, &mut sink)
            .map(|_| ())
            .map_err(EngineError::Events)
    }
}

/// A hash of everything in a graph except its constant values (and lanes' initial values): equal
/// hashes mean the same plan shape, so a reload can keep the running plan and change only its
/// constants. Control thread.
pub fn structure(ir: &GraphIr) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for n in &ir.nodes {
        (n.id, &n.kind, &n.key).hash(&mut h);
        format!("{:?}", n.data).hash(&mut h);
        for (name, p) in &n.params {
            name.hash(&mut h);
            match p.resolve() {
                Ok(Param::Const(_)) => "const".hash(&mut h),
                Ok(Param::Lane { lane, .. }) => ("lane", lane).hash(&mut h),
                Ok(other) => format!("{other:?}").hash(&mut h),
                Err(e) => e.hash(&mut h),
            }
        }
    }
    // Templates are compared whole, constants included: a voice's constants live inside the
    // voices kernel, where a patch of port sources cannot reach them.
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}",
        ir.lanes, ir.outputs, ir.stages, ir.templates, ir.outmix
    )
    .hash(&mut h);
    h.finish()
}
