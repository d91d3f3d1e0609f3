//! PROFILE_DETAILED: per-node and per-stage render time, one clock read per node per block, in arrays allocated with the plan.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use serde::Serialize;

/// Time spent by one node or stage. Atomic, so that workers rendering different nodes of one
/// stage record into the same profile (each node's cell has one writer per block).
#[derive(Debug, Default)]
pub struct Timing {
    /// Sum over blocks, ns.
    pub total_ns: AtomicU64,
    /// Slowest block, ns.
    pub max_ns: AtomicU64,
}

impl Timing {
    #[inline]
    fn add(&self, ns: u64) {
        self.total_ns.fetch_add(ns, Relaxed);
        self.max_ns.fetch_max(ns, Relaxed);
    }

    /// Sum over blocks, ns.
    pub fn total(&self) -> u64 {
        self.total_ns.load(Relaxed)
    }

    /// Slowest block, ns.
    pub fn max(&self) -> u64 {
        self.max_ns.load(Relaxed)
    }
}

/// The timings of one plan. Allocated when the plan is built with profiling on; the render
/// thread only adds into it.
#[derive(Debug, Default)]
pub struct Profile {
    /// By slot.
    pub nodes: Vec<Timing>,
    /// By stage.
    pub stages: Vec<Timing>,
    /// Applying events (voice starts, lane steps).
    pub events: Timing,
    /// Blocks measured.
    pub blocks: u64,
}

impl Profile {
    /// Room for `nodes` slots and `stages` stages. Control thread.
    pub fn new(nodes: usize, stages: usize) -> Profile {
        Profile {
            nodes: (0..nodes).map(|_| Timing::default()).collect(),
            stages: (0..stages).map(|_| Timing::default()).collect(),
            events: Timing::default(),
            blocks: 0,
        }
    }

    /// Records the time since `*mark` for `slot` and moves the mark to now (one clock read).
    /// Any worker.
    #[inline]
    pub fn node(&self, slot: usize, mark: &mut Instant) {
        let now = Instant::now();
        self.nodes[slot].add((now - *mark).as_nanos() as u64);
        *mark = now;
    }

    /// Records a stage's time.
    #[inline]
    pub fn stage(&self, stage: usize, ns: u64) {
        self.stages[stage].add(ns);
    }

    /// Records the events' time.
    #[inline]
    pub fn events(&self, ns: u64) {
        self.events.add(ns);
    }
}

/// One row of the report (JSON keys in camelCase).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// GraphIR node id (nodes) or stage index (stages).
    pub id: u32,
    /// Kernel kind (nodes) or "stage".
    pub kind: String,
    /// Mean per block, µs.
    pub mean_us: f64,
    /// Slowest block, µs.
    pub max_us: f64,
}

/// The whole report (JSON keys in camelCase).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Blocks measured.
    pub blocks: u64,
    /// Frames per block (the largest block).
    pub block_frames: usize,
    /// Per node, slowest first.
    pub nodes: Vec<Row>,
    /// Per stage, in order.
    pub stages: Vec<Row>,
    /// Nodes in each stage (absorbed ones included: their sum times them).
    pub stage_nodes: Vec<u32>,
    /// GraphIR nodes that fusion removed (folded into a producer or spliced into a sum): they
    /// have no row of their own.
    pub folded: u32,
    /// Applying events.
    pub events: Row,
    /// Per stage, in order: how the scheduler runs it (see [`crate::schedule`]).
    pub decisions: Vec<DecisionRow>,
}

/// One stage's scheduling decision (JSON keys in camelCase).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRow {
    /// Stage index.
    pub stage: u32,
    /// Work items (nodes, and parts of split sums).
    pub items: u32,
    /// Bins it runs in now (1: serial on the render thread).
    pub bins: u32,
    /// Its estimated work per block, µs (sampled; 0 when never sampled: serial with one thread).
    pub cost_us: f64,
    /// Measured parallel efficiency over sampled parallel blocks: items' time ÷ (span × bins).
    pub efficiency: Option<f64>,
    /// Serial because its parallel span did not come out short enough
    /// ([`crate::schedule::PAYS`]); tried again later.
    pub backing_off: bool,
}

impl Report {
    /// As JSON.
    pub fn to_json(&self) -> String {
        simd_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

fn row(id: u32, kind: &str, t: &Timing, blocks: u64) -> Row {
    Row {
        id,
        kind: kind.to_string(),
        mean_us: t.total() as f64 / blocks.max(1) as f64 / 1000.0,
        max_us: t.max() as f64 / 1000.0,
    }
}

impl Profile {
    /// The report, given each slot's node id and kind, each stage's node count and how many
    /// GraphIR nodes fusion removed. Control thread.
    pub fn report(
        &self,
        ids_kinds: &[(u32, &str)],
        block_frames: usize,
        stage_nodes: Vec<u32>,
        folded: u32,
    ) -> Report {
        let mut nodes: Vec<Row> = self
            .nodes
            .iter()
            .zip(ids_kinds)
            .map(|(t, (id, kind))| row(*id, kind, t, self.blocks))
            .collect();
        nodes.sort_by(|a, b| b.mean_us.total_cmp(&a.mean_us));
        Report {
            blocks: self.blocks,
            block_frames,
            nodes,
            stages: self
                .stages
                .iter()
                .enumerate()
                .map(|(i, t)| row(i as u32, "stage", t, self.blocks))
                .collect(),
            events: row(0, "events", &self.events, self.blocks),
            stage_nodes,
            folded,
            decisions: Vec::new(),
        }
    }
}
