//! The Engine: owns the sample bank, the current plan, the pending events, the frame clock, the master limiter and the statistics.
//!
//! Threads: `new`, `load`, `push_events`, `sample_id`, `sample_names`, `add_sample`, `load_samples` and `stats`
//! are control-thread calls (they may allocate); `render` is the render thread's and never
//! allocates, locks, logs or does I/O. Here one owner calls both through `&mut self`; `live`
//! (see [`crate::live`]) puts the two halves on two threads joined by lock-free queues.

use std::sync::Arc;

use crate::error::EngineError;
use crate::kit;
pub use crate::loader::LoadReport;
use crate::loader::Loader;
use crate::renderer::Renderer;
use crate::samples::{Sample, SampleBank};
use crate::stats::Stats;
use crate::workers::Workers;

/// Sample rates the engine accepts; others are clamped into this range.
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8000..=768_000;
/// Block sizes the engine accepts; others are clamped into this range.
pub const BLOCK_SIZES: std::ops::RangeInclusive<usize> = 1..=8192;

/// The sound engine for one owner: offline rendering and tests. `live` runs the same
/// [`Loader`] on the control thread and the same [`Renderer`] on a render thread.
pub struct Engine {
    loader: Loader,
    renderer: Renderer,
    workers: Workers,
    /// The built-in kit while it is being synthesized on a thread of its own (about 6 ms at
    /// 44.1 kHz, overlapping whatever the owner does next, such as loading a program); the
    /// first call that reads the bank or queues events waits for it ([`Engine::kit_ready`]).
    kit: Option<std::thread::JoinHandle<SampleBank>>,
}

impl Engine {
    /// An engine at `sample_rate` (clamped to [`SAMPLE_RATES`]) rendering blocks of at most
    /// `block_size` frames (clamped to [`BLOCK_SIZES`]), with the built-in kit in its bank and no
    /// graph loaded (it renders silence). Control thread.
    pub fn new(sample_rate: u32, block_size: usize) -> Engine {
        let sample_rate = sample_rate.clamp(*SAMPLE_RATES.start(), *SAMPLE_RATES.end());
        let block_size = block_size.clamp(*BLOCK_SIZES.start(), *BLOCK_SIZES.end());
        let synthesize = move || kit::bank(sample_rate);
        // Where no thread can be started, the kit is made here.
        let (bank, kit) = match std::thread::Builder::new()
            .name("phonon-kit".into())
            .spawn(synthesize)
        {
            Ok(handle) => (SampleBank::default(), Some(handle)),
            Err(_) => (synthesize(), None),
        };
        Engine {
            loader: Loader::new(sample_rate, block_size),
            renderer: Renderer::new(sample_rate, block_size, Arc::new(bank)),
            workers: Workers::serial(),
            kit,
        }
    }

    /// Waits for the built-in kit if it is still being synthesized and makes it the bank.
    /// Every method that reads or changes the bank, or queues events (whose sample ids index
    /// it), calls this first. Control thread.
    fn kit_ready(&mut self) {
        if let Some(handle) = self.kit.take() {
            let sample_rate = self.renderer.sample_rate();
            // The kit's thread only runs `kit::add_to`; should it have panicked, make it here.
            let bank = handle.join().unwrap_or_else(|_| kit::bank(sample_rate));
            drop(self.renderer.set_bank(Arc::new(bank)));
        }
    }

    /// Renders with `threads` workers from the next loaded program on (1: serial, the
    /// default). The output is the same bit for bit with any count. Control thread (starts the
    /// pool).
    pub fn set_threads(&mut self, threads: usize) -> Result<(), EngineError> {
        self.workers = Workers::new(threads, None).map_err(EngineError::Config)?;
        self.loader.threads = threads;
        Ok(())
    }

    /// Splits a stage across workers from `ns` of estimated work per block (from the next
    /// loaded program on; [`crate::schedule::MIN_PARALLEL_NS`] by default). Tests lower it to
    /// exercise the parallel path on any machine. Control thread.
    pub fn set_min_parallel_ns(&mut self, ns: f32) {
        self.loader.min_parallel_ns = ns;
    }

    /// Runs `f` with this engine on one of its render workers (here when serial): every
    /// `render` inside `f` then forks from inside the pool, with no hand-off per call. Offline
    /// owner thread (it waits).
    pub fn run_on_workers<R: Send>(&mut self, f: impl FnOnce(&mut Engine) -> R + Send) -> R {
        let workers = std::mem::replace(&mut self.workers, Workers::serial());
        let out = workers.run(|| f(self));
        self.workers = workers;
        out
    }

    /// Threads rendering.
    pub fn threads(&self) -> usize {
        self.workers.threads()
    }

    /// Frames per second.
    pub fn sample_rate(&self) -> u32 {
        self.renderer.sample_rate()
    }

    /// Largest block.
    pub fn block_size(&self) -> usize {
        self.renderer.block_size()
    }

    /// Parses, validates and builds a GraphIR (the buffer is parsed in place) and makes it the
    /// current program from the next block on. Nodes whose keys match the previous program's
    /// keep their state; if an output changed structurally the old program fades out over
    /// [`crate::renderer::CROSSFADE_SECONDS`]. Pending events are dropped (they name the
    /// previous graph's lanes); the frame clock and the master carry on. On error the previous
    /// program keeps playing. Control thread.
    pub fn load(&mut self, ir_json: &mut [u8]) -> Result<LoadReport, EngineError> {
        self.load_with(ir_json, false)
    }

    /// [`Engine::load`], or with `fresh` a program that takes over no state and crossfades from
    /// the running one (`panic`). Control thread.
    pub fn load_with(
        &mut self,
        ir_json: &mut [u8],
        fresh: bool,
    ) -> Result<LoadReport, EngineError> {
        let (swap, report) = self.loader.build_with(ir_json, fresh)?;
        drop(self.renderer.swap(swap));
        Ok(report)
    }

    /// The id of sample `name:index` (the index wraps, negative too), for trigger events.
    pub fn sample_id(&mut self, name: &str, index: i64) -> Option<u32> {
        self.kit_ready();
        self.renderer.bank().id(name, index)
    }

    /// Every sample name, sorted.
    pub fn sample_names(&mut self) -> Vec<String> {
        self.kit_ready();
        self.renderer.bank().names()
    }

    /// Adds a sample (already at the engine's rate) under `name` and returns its id. Control thread.
    pub fn add_sample(&mut self, name: &str, sample: Sample) -> u32 {
        self.kit_ready();
        let mut bank = SampleBank::clone(self.renderer.bank());
        let id = bank.add(name, sample);
        self.renderer.set_bank(Arc::new(bank));
        id
    }

    /// The sample bank. Control thread.
    pub fn bank(&mut self) -> &SampleBank {
        self.kit_ready();
        self.renderer.bank()
    }

    /// Replaces the sample bank. Control thread.
    pub fn set_bank(&mut self, bank: Arc<SampleBank>) {
        self.kit_ready();
        self.renderer.set_bank(bank);
    }

    /// Loads Dirt-layout sample roots (highest priority first; see [`crate::library`]) into the
    /// bank; names found replace the bank's. Control thread (decodes and resamples: may take a while).
    pub fn load_samples(&mut self, roots: &[std::path::PathBuf]) -> crate::library::LoadSummary {
        if !roots.iter().any(|r| r.is_dir()) {
            // Nothing to add (every root is missing or not a folder): the summary says so, and
            // the bank, and the kit it may still be waiting for, are left alone.
            return crate::library::load_roots(
                &mut SampleBank::default(),
                roots,
                self.sample_rate(),
            );
        }
        self.kit_ready();
        let mut bank = SampleBank::clone(self.renderer.bank());
        let summary = crate::library::load_roots(&mut bank, roots, self.sample_rate());
        self.renderer.set_bank(Arc::new(bank));
        summary
    }

    /// Decodes a batch (see [`crate::events`]) and queues its events; returns how many were
    /// queued. A malformed batch is an error and nothing of it is queued; events that do not fit
    /// in the queue are dropped and counted. Does not allocate (except to build an error).
    /// Control thread.
    pub fn push_events(&mut self, batch: &[f64]) -> Result<usize, EngineError> {
        // Only a batch that plays a sample needs the kit (its ids index the bank): a synth-only
        // program renders while the kit is still being made.
        if self.kit.is_some() && self.loader.plays_samples(batch) {
            self.kit_ready();
        }
        let samples = self.renderer.bank().len();
        let renderer = &mut self.renderer;
        let mut queued = 0usize;
        self.loader.decode(batch, samples, |e| {
            if renderer.queue_event(e) {
                queued += 1;
            }
        })?;
        Ok(queued)
    }

    /// Renders `min(left.len(), right.len())` frames (see [`Renderer::render`]). Render thread:
    /// no allocation, lock, log or I/O.
    pub fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        let renderer = &mut self.renderer;
        // On a worker of the pool (when there is one): forks from there take no lock.
        self.workers.run(|| renderer.render(left, right));
        // Offline the owner is also the control side: a program that finished fading out is
        // dropped here, after the block, as the janitor would in `live`.
        drop(self.renderer.take_retired());
    }

    /// Frames rendered since the engine started (the absolute frame of the next block).
    pub fn frame(&self) -> u64 {
        self.renderer.frame()
    }

    /// Fades the master out or back in.
    pub fn hush(&mut self, on: bool) {
        self.renderer.hush(on);
    }

    /// A snapshot of the statistics. Control thread.
    pub fn stats(&self) -> Stats {
        self.renderer.stats()
    }

    /// Programs loaded from now on time every node and stage (PROFILE_DETAILED). Control thread.
    pub fn set_profiling(&mut self, on: bool) {
        self.loader.profile = on;
    }

    /// The current program's timing report, if it is being profiled. Control thread.
    pub fn profile(&self) -> Option<crate::profile::Report> {
        self.renderer.exec()?.profile_report()
    }

    /// Splits the engine into its control half and its render half (for `live`).
    pub fn into_parts(mut self) -> (Loader, Renderer) {
        self.kit_ready();
        (self.loader, self.renderer)
    }
}
