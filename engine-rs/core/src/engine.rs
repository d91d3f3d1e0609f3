//! The Engine: owns the sample bank, the current plan, the pending events, the frame clock, the master limiter and the statistics.
//!
//! Threads: `new`, `load`, `push_events`, `sample_id`, `sample_names`, `add_sample` and `stats`
//! are control-thread calls (they may allocate); `render` is the render thread's and never
//! allocates, locks, logs or does I/O. For now one owner calls both through `&mut self`; live
//! playback will move plans and event batches to the render thread through lock-free queues.

use std::time::Instant;

use serde::Serialize;

use crate::error::EngineError;
use crate::events::{self, EventQueue, Target, QUEUE_CAPACITY};
use crate::executor::Executor;
use crate::ir::{GraphIr, LaneKind};
use crate::kernels::Context;
use crate::kit;
use crate::limiter::Limiter;
use crate::plan::Plan;
use crate::samples::{Sample, SampleBank};
use crate::stats::{Meter, Stats};

/// Sample rates the engine accepts; others are clamped into this range.
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8000..=768_000;
/// Block sizes the engine accepts; others are clamped into this range.
pub const BLOCK_SIZES: std::ops::RangeInclusive<usize> = 1..=8192;

/// What [`Engine::load`] built (JSON keys in camelCase).
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

/// What event decoding checks against.
struct View<'a> {
    exec: &'a Executor,
    samples: usize,
}

impl Target for View<'_> {
    fn lane_kind(&self, id: u32) -> Option<LaneKind> {
        self.exec.lane_kind(id)
    }
    fn sample_count(&self) -> usize {
        self.samples
    }
}

/// The sound engine.
pub struct Engine {
    sample_rate: u32,
    block_size: usize,
    bank: SampleBank,
    exec: Option<Executor>,
    queue: EventQueue,
    limiter: Limiter,
    meter: Meter,
    frame: u64,
}

impl Engine {
    /// An engine at `sample_rate` (clamped to [`SAMPLE_RATES`]) rendering blocks of at most
    /// `block_size` frames (clamped to [`BLOCK_SIZES`]), with the built-in kit in its bank and no
    /// graph loaded (it renders silence). Control thread.
    pub fn new(sample_rate: u32, block_size: usize) -> Engine {
        let sample_rate = sample_rate.clamp(*SAMPLE_RATES.start(), *SAMPLE_RATES.end());
        let block_size = block_size.clamp(*BLOCK_SIZES.start(), *BLOCK_SIZES.end());
        let mut bank = SampleBank::default();
        kit::add_to(&mut bank, sample_rate);
        Engine {
            sample_rate,
            block_size,
            bank,
            exec: None,
            queue: EventQueue::with_capacity(QUEUE_CAPACITY),
            limiter: Limiter::new(sample_rate as f32),
            meter: Meter::default(),
            frame: 0,
        }
    }

    /// Frames per second.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Largest block.
    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// Parses, validates and builds a GraphIR (the buffer is parsed in place) and makes it the
    /// current program. All allocation of the plan happens here. Pending events are dropped (they
    /// name the previous graph's lanes); the frame clock and the master carry on. On error the
    /// previous program keeps playing. Control thread.
    pub fn load(&mut self, ir_json: &mut [u8]) -> Result<LoadReport, EngineError> {
        let ir = GraphIr::parse(ir_json)?;
        let plan = Plan::build(&ir, self.sample_rate as f32, self.block_size);
        let report = LoadReport {
            nodes: plan.nodes.len(),
            stages: plan.stages.len(),
            lanes: plan.lanes.len(),
            outputs: plan.outputs.len(),
            buses: plan.buses,
            cps: plan.cps,
        };
        self.exec = Some(Executor::new(plan));
        self.queue.clear();
        Ok(report)
    }

    /// The id of sample `name:index` (the index wraps, negative too), for trigger events.
    pub fn sample_id(&self, name: &str, index: i64) -> Option<u32> {
        self.bank.id(name, index)
    }

    /// Every sample name, sorted.
    pub fn sample_names(&self) -> Vec<String> {
        self.bank.names()
    }

    /// Adds a sample (already at the engine's rate) under `name` and returns its id. Control thread.
    pub fn add_sample(&mut self, name: &str, sample: Sample) -> u32 {
        self.bank.add(name, sample)
    }

    /// Decodes a batch (see [`crate::events`]) and queues its events; returns how many were
    /// queued. A malformed batch is an error and nothing of it is queued; events that do not fit
    /// in the queue are dropped and counted. Does not allocate (except to build an error).
    /// Control thread.
    pub fn push_events(&mut self, batch: &[f64]) -> Result<usize, EngineError> {
        let Some(exec) = &self.exec else {
            return Err(EngineError::NoGraph(
                "load a GraphIR before pushing events".into(),
            ));
        };
        let view = View {
            exec,
            samples: self.bank.len(),
        };
        events::decode(batch, &view, |_| {}).map_err(EngineError::Events)?;
        let (mut queued, mut dropped) = (0usize, 0u64);
        let queue = &mut self.queue;
        events::decode(batch, &view, |e| {
            if queue.push(e) {
                queued += 1;
            } else {
                dropped += 1;
            }
        })
        .map_err(EngineError::Events)?;
        self.meter.dropped += dropped;
        Ok(queued)
    }

    /// Renders `min(left.len(), right.len())` frames in blocks of at most `block_size` (the rest of
    /// the longer slice is zeroed). Each block: due events are applied at their frames (late ones
    /// at the block start, counted), the stages run, the outputs are summed at unity, and the
    /// master flushes non-finite samples and limits. The result does not depend on how the frames
    /// are split into calls. Render thread: no allocation, lock, log or I/O.
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let total = left.len().min(right.len());
        left[total..].fill(0.0);
        right[total..].fill(0.0);
        let mut done = 0;
        while done < total {
            let n = (total - done).min(self.block_size);
            let started = Instant::now();
            let l = &mut left[done..done + n];
            let r = &mut right[done..done + n];
            l.fill(0.0);
            r.fill(0.0);
            let start = self.frame;
            let end = start + n as u64;
            if let Some(exec) = &mut self.exec {
                let ctx = Context {
                    sample_rate: self.sample_rate as f32,
                    frames: n,
                    bank: &self.bank,
                };
                while let Some(ev) = self.queue.pop_before(end) {
                    let offset = if ev.frame < start {
                        self.meter.late += 1;
                        0
                    } else {
                        (ev.frame - start) as usize
                    };
                    exec.apply(&ctx, &ev, offset);
                }
                exec.run(&ctx);
                exec.mix_into(l, r);
                let counts = exec.take_counts();
                self.meter.steals += counts.steals;
                self.meter.ignored += counts.ignored;
                self.meter.voices = exec.voices();
                self.meter.voices_peak = self.meter.voices_peak.max(self.meter.voices);
            } else {
                // Nothing to apply them to: due events are discarded as late.
                while self.queue.pop_before(end).is_some() {
                    self.meter.late += 1;
                }
            }
            self.limiter.process(l, r);
            let nanos = started.elapsed().as_nanos() as u64;
            self.meter.block(l, r, nanos);
            self.frame = end;
            done += n;
        }
    }

    /// Frames rendered since the engine started (the absolute frame of the next block).
    pub fn frame(&self) -> u64 {
        self.frame
    }

    /// A snapshot of the statistics. Control thread.
    pub fn stats(&self) -> Stats {
        let m = &self.meter;
        let rms = |c: usize| {
            if m.frames == 0 {
                0.0
            } else {
                (m.sum_sq[c] / m.frames as f64).sqrt()
            }
        };
        Stats {
            sample_rate: self.sample_rate,
            block_size: self.block_size,
            cps: self.exec.as_ref().map(|e| e.plan().cps).unwrap_or(0.5),
            frames: m.frames,
            blocks: m.blocks,
            peak_left: m.peak[0],
            peak_right: m.peak[1],
            rms_left: rms(0),
            rms_right: rms(1),
            block_us_p50: m.block_us(0.5),
            block_us_p99: m.block_us(0.99),
            block_us_max: m.block_max_us(),
            late_events: m.late,
            dropped_events: m.dropped,
            ignored_events: m.ignored,
            pending_events: self.queue.len(),
            voices: m.voices,
            voices_peak: m.voices_peak,
            voice_steals: m.steals,
            limiter_frames: self.limiter.limited_frames,
            limiter_min_gain: self.limiter.min_gain,
            nonfinite: self.limiter.nonfinite,
        }
    }
}
