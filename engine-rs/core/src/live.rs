//! Live playback: a render thread that owns the Renderer and stays a few device periods ahead of a sink (cpal device or paced null sink), fed by lock-free queues from the control thread.
//!
//! Threads:
//! - control (the caller of every `Live` method): builds programs with the [`Loader`], checks
//!   event batches, sends both through one ordered SPSC command queue, and drops what comes back
//!   on the retired queue (it is the janitor);
//! - render: takes commands at block boundaries, renders a block whenever the audio ring has
//!   room for one (so it runs at most `periods_ahead` device periods ahead), publishes its clock
//!   and statistics; in its loop it never allocates, locks, logs or does I/O. With one thread it
//!   runs on `phonon-render`; with more, `phonon-render` hands the loop to a worker of the pool
//!   ([`crate::workers`]) and waits, and the loop forks stages and voices to the other workers.
//!   Every thread that renders first asks for real-time priority ([`crate::priority`]) and
//!   reports what it got to the control thread;
//! - sink: the device callback (or the null sink's thread) only copies from the audio ring;
//! - recorder (optional): writes what was played to a WAV file.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::workers::Workers;
use std::time::Duration;

use serde::Serialize;

use crate::error::EngineError;
use crate::events::Event;
use crate::io::ring::Shared;
use crate::io::{device, null, record};
use crate::loader::LoadReport;
use crate::loader::Loader;
use crate::renderer::{Renderer, Retired, Swap};
use crate::stats::Stats;
use crate::Engine;

/// Room in the command queue (events and program swaps).
const COMMANDS: usize = 1 << 16;
/// Room for retired programs on their way to the janitor.
const RETIRED: usize = 256;
/// Seconds of audio the recorder's ring holds while its thread writes.
const RECORD_SECONDS: usize = 4;
/// How long the render thread sleeps when the ring is full.
const IDLE: Duration = Duration::from_micros(500);

/// What the control thread sends to the render thread, in order.
pub enum Command {
    /// A new program.
    Swap(Box<Swap>),
    /// An event for the newest program.
    Event(Event),
    /// Fade the master out (true) or in.
    Hush(bool),
    /// Stop the clock (true: silence, the frame does not advance) or run it.
    Pause(bool),
    /// A newer sample bank from the sample loader.
    Bank(Arc<crate::samples::SampleBank>),
}

/// Writes every slot of an empty ring once (`fill`) and takes it back out, so that all its
/// pages are resident before the threads start: a ring's slots are otherwise first written (and
/// their pages faulted in) only as its index first goes round, which costs a page fault on
/// whichever thread writes and makes the process grow for as long as that takes (the command
/// ring: 65,536 slots of 112 bytes, a first pass of over an hour at a soak's event rate).
/// Control thread, before the ring is shared.
fn resident<T>(tx: &mut rtrb::Producer<T>, rx: &mut rtrb::Consumer<T>, fill: impl Fn() -> T) {
    while tx.push(fill()).is_ok() {}
    while rx.pop().is_ok() {}
}

/// Where the audio goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkChoice {
    /// The device if it opens, else the null sink with a warning.
    Auto,
    /// The device, or an error.
    Device,
    /// The null sink.
    Null,
}

/// How to start.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Sink choice.
    pub sink: SinkChoice,
    /// Output device name (default device when absent).
    pub device: Option<String>,
    /// Device period in frames (128..=2048).
    pub period_frames: usize,
    /// Sample rate; the device's own when absent (48000 for the null sink).
    pub sample_rate: Option<u32>,
    /// Device periods the render thread may run ahead (1..=3).
    pub periods_ahead: usize,
    /// Record what is played to this WAV file.
    pub record: Option<PathBuf>,
    /// Time every node (PROFILE_DETAILED).
    pub profile: bool,
    /// Dirt-layout sample roots, highest priority first, loaded into the bank before the render
    /// thread starts; the sample loader thread then picks up what is added, rewritten or
    /// removed under them.
    pub samples: Vec<PathBuf>,
    /// Render workers (1 = serial; see [`crate::workers`]).
    pub threads: usize,
}

/// The slowest nodes now, as (node id, kind, mean µs, max µs); unused rows have an empty kind.
pub type TopNodes = [(u32, &'static str, f32, f32); 8];

/// What started (JSON keys in camelCase).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveInfo {
    /// "device" or "null".
    pub sink: String,
    /// The device's name, or "null".
    pub device: String,
    /// Frames per second.
    pub sample_rate: u32,
    /// Device period in frames.
    pub period_frames: usize,
    /// Engine block in frames.
    pub block_frames: usize,
    /// Device channels.
    pub channels: u16,
    /// Why the sink is not what was asked for, if so.
    pub warning: Option<String>,
    /// Whether the render thread runs with real-time priority.
    pub realtime: bool,
    /// The render thread's scheduling: "SCHED_FIFO 70", or "normal".
    pub priority: String,
    /// Why real-time priority was refused, if it was (one line to show once).
    pub realtime_warning: Option<String>,
    /// What was loaded from the sample roots.
    pub samples: crate::library::LoadSummary,
    /// Render workers (1 = serial).
    pub threads: usize,
}

/// Live counters (JSON keys in camelCase).
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCounters {
    /// Frames rendered.
    pub rendered: u64,
    /// Frames the sink has taken.
    pub played: u64,
    /// Sink periods that found the ring short (an audible gap).
    pub underruns: u64,
    /// Frames the recorder could not keep.
    pub record_dropped: u64,
    /// Commands (events) that did not fit in the queue.
    pub commands_dropped: u64,
    /// Programs swapped in whose first block has been rendered.
    pub swaps: u64,
    /// The frame at which the newest program took over.
    pub swap_frame: u64,
    /// Whether the device reported an error.
    pub device_error: bool,
}

impl LiveInfo {
    /// As JSON.
    pub fn to_json(&self) -> String {
        simd_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

impl LiveCounters {
    /// As JSON.
    pub fn to_json(&self) -> String {
        simd_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

enum Sink {
    Device(cpal::Stream),
    Null(JoinHandle<()>),
}

/// A running live engine, seen from the control thread.
pub struct Live {
    loader: Loader,
    bank: Arc<crate::samples::SampleBank>,
    commands: rtrb::Producer<Command>,
    retired: rtrb::Consumer<Retired>,
    stats: rtrb::Consumer<Stats>,
    last: Stats,
    top: rtrb::Consumer<TopNodes>,
    last_top: TopNodes,
    report: Option<crate::profile::Report>,
    shared: Arc<Shared>,
    render: Option<JoinHandle<Renderer>>,
    sink: Option<Sink>,
    recorder: Option<JoinHandle<Result<u64, String>>>,
    info: LiveInfo,
    commands_dropped: u64,
    /// New banks from the sample loader thread.
    sample_rx: std::sync::mpsc::Receiver<(
        Arc<crate::samples::SampleBank>,
        crate::library::SampleChanges,
    )>,
    sample_loader: Option<JoinHandle<()>>,
    /// What changed in the bank, until [`Live::take_sample_changes`].
    sample_changes: Vec<crate::library::SampleChanges>,
    /// Banks sent to the render thread since the start.
    bank_version: u64,
    /// A bank from the loader that the full command queue has not taken yet.
    bank_unsent: Option<Arc<crate::samples::SampleBank>>,
}

/// How often the sample loader lists the roots again. A file is decoded once it has not
/// changed for one period, so a copy is heard within about two periods of its end.
const SAMPLE_POLL: Duration = Duration::from_millis(250);

/// Starts the sample loader thread: it refreshes `library` every [`SAMPLE_POLL`] and sends each
/// new bank with what changed, until `shared.running` falls. Control thread.
fn spawn_sample_loader(
    mut library: crate::library::Library,
    tx: std::sync::mpsc::Sender<(
        Arc<crate::samples::SampleBank>,
        crate::library::SampleChanges,
    )>,
    shared: Arc<Shared>,
) -> Result<JoinHandle<()>, String> {
    std::thread::Builder::new()
        .name("phonon-samples".into())
        .spawn(move || {
            while shared.running.load(Ordering::Acquire) {
                std::thread::sleep(SAMPLE_POLL);
                if let Some(next) = library.refresh() {
                    if tx.send(next).is_err() {
                        break;
                    }
                }
            }
        })
        .map_err(|e| format!("cannot start the sample loader: {e}"))
}

impl Live {
    /// Opens the sink, then starts the render thread (and the recorder). Control thread.
    pub fn start(opts: &LiveOptions) -> Result<Live, String> {
        let period = opts.period_frames.clamp(128, 2048);
        let ahead = opts.periods_ahead.clamp(1, 3);
        let mut warning = None;
        let dev = match opts.sink {
            SinkChoice::Null => None,
            SinkChoice::Device => Some(device::open(
                opts.device.as_deref(),
                opts.sample_rate,
                period,
            )?),
            SinkChoice::Auto => {
                match device::open(opts.device.as_deref(), opts.sample_rate, period) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        warning = Some(format!("{e}; playing to the null sink instead"));
                        None
                    }
                }
            }
        };
        let sample_rate = dev
            .as_ref()
            .map(|d| d.sample_rate())
            .unwrap_or(opts.sample_rate.unwrap_or(48000));
        // One block per period at most 512 frames: the ring holds `ahead` periods (at least a block).
        let block = period.min(512);
        let mut engine = Engine::new(sample_rate, block);
        let (library, samples) =
            crate::library::Library::load(engine.bank(), &opts.samples, sample_rate);
        engine.set_bank(library.bank().clone());
        let (mut loader, mut renderer) = engine.into_parts();
        renderer.make_resident();
        loader.profile = opts.profile;
        let threads = opts.threads;
        loader.threads = threads;
        let bank = renderer.bank().clone();
        let shared = Arc::new(Shared::default());
        shared.running.store(true, Ordering::Release);
        let ring_frames = (ahead * period).max(block);
        let (mut out_tx, mut out_rx) = rtrb::RingBuffer::new(ring_frames * 2);
        resident(&mut out_tx, &mut out_rx, || 0.0f32);
        let (mut cmd_tx, mut cmd_rx) = rtrb::RingBuffer::new(COMMANDS);
        resident(&mut cmd_tx, &mut cmd_rx, || Command::Pause(false));
        let (ret_tx, ret_rx) = rtrb::RingBuffer::new(RETIRED);
        let (stats_tx, stats_rx) = rtrb::RingBuffer::new(4);
        let (top_tx, top_rx) = rtrb::RingBuffer::new(4);
        let (rec_tx, recorder) = match &opts.record {
            Some(path) => {
                let (mut tx, mut rx) =
                    rtrb::RingBuffer::new(RECORD_SECONDS * sample_rate as usize * 2);
                resident(&mut tx, &mut rx, || 0.0f32);
                let handle = record::start(path.clone(), sample_rate, rx, shared.clone())?;
                (Some(tx), Some(handle))
            }
            None => (None, None),
        };
        // Every thread that renders asks for real-time priority before its loop and reports
        // what it got: the render thread alone when serial, else each worker of the pool (the
        // render loop runs on one of them). Promotion may allocate (its refusal message).
        let (rt_tx, rt_rx) = std::sync::mpsc::sync_channel(threads.max(1));
        let promote: Option<Box<dyn Fn(usize) + Send + Sync>> = (threads > 1).then(|| {
            let tx = rt_tx.clone();
            Box::new(move |_| {
                let _ = tx.send(crate::priority::promote_current_thread(period, sample_rate));
            }) as Box<dyn Fn(usize) + Send + Sync>
        });
        let workers = Workers::new(threads, promote)?;
        let render = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("phonon-render".into())
                .spawn(move || {
                    if threads == 1 {
                        let promoted = crate::priority::promote_current_thread(period, sample_rate);
                        let _ = rt_tx.send(promoted);
                    }
                    let rings = Rings {
                        commands: cmd_rx,
                        retired: ret_tx,
                        out: out_tx,
                        rec: rec_tx,
                        stats: stats_tx,
                        top: top_tx,
                    };
                    // The loop runs on a worker of the pool, so its forks take no lock.
                    workers.run(move || render_loop(renderer, rings, shared, block))
                })
                .map_err(|e| format!("cannot start the render thread: {e}"))?
        };
        // Real-time when every rendering thread got it; else the first refusal, shown once.
        let mut granted = None;
        let mut refused = None;
        for _ in 0..threads.max(1) {
            match rt_rx.recv() {
                Ok(Ok(g)) => granted = granted.or(Some(g.to_string())),
                Ok(Err(why)) => refused = refused.or(Some(why)),
                Err(_) => {
                    refused = refused.or(Some(
                        "a render thread ended before it reported its priority".to_string(),
                    ));
                    break;
                }
            }
        }
        let (realtime, priority, realtime_warning) = match (refused, granted) {
            (None, Some(g)) => (true, g, None),
            (why, _) => (false, "normal".to_string(), why),
        };
        let (sink, info) = match dev {
            Some(d) => {
                let stream = device::start(&d, out_rx, shared.clone());
                match stream {
                    Ok(s) => (
                        Sink::Device(s),
                        LiveInfo {
                            sink: "device".into(),
                            device: d.name.clone(),
                            sample_rate,
                            period_frames: period,
                            block_frames: block,
                            channels: d.channels(),
                            warning,
                            realtime,
                            priority,
                            realtime_warning,
                            samples,
                            threads,
                        },
                    ),
                    Err(e) => {
                        shared.running.store(false, Ordering::Release);
                        let _ = render.join();
                        return Err(e);
                    }
                }
            }
            None => {
                let h = null::start(out_rx, shared.clone(), period, sample_rate)
                    .map_err(|e| format!("cannot start the null sink: {e}"))?;
                (
                    Sink::Null(h),
                    LiveInfo {
                        sink: "null".into(),
                        device: "null".into(),
                        sample_rate,
                        period_frames: period,
                        block_frames: block,
                        channels: 2,
                        warning,
                        realtime,
                        priority,
                        realtime_warning,
                        samples,
                        threads,
                    },
                )
            }
        };
        let last = Engine::new(sample_rate, block).stats();
        let (sample_tx, sample_rx) = std::sync::mpsc::channel();
        let sample_loader = spawn_sample_loader(library, sample_tx, shared.clone())?;
        Ok(Live {
            sample_rx,
            sample_loader: Some(sample_loader),
            sample_changes: Vec::new(),
            bank_version: 0,
            bank_unsent: None,
            loader,
            bank,
            commands: cmd_tx,
            retired: ret_rx,
            stats: stats_rx,
            last,
            top: top_rx,
            last_top: [(0, "", 0.0, 0.0); 8],
            report: None,
            shared,
            render: Some(render),
            sink: Some(sink),
            recorder,
            info,
            commands_dropped: 0,
        })
    }

    /// What started.
    pub fn info(&self) -> &LiveInfo {
        &self.info
    }

    /// Drops what the render thread let go of (the janitor's work), keeps its newest stats, and
    /// passes a new sample bank on to the render thread.
    fn collect(&mut self) {
        while let Ok((bank, changes)) = self.sample_rx.try_recv() {
            // The newest bank replaces one not yet sent (the command queue was full).
            self.bank_unsent = Some(bank);
            self.sample_changes.push(changes);
        }
        // The control side uses a bank (for sample ids) only once the render thread has it.
        if let Some(bank) = self.bank_unsent.take() {
            match self.commands.push(Command::Bank(bank.clone())) {
                Ok(()) => {
                    self.bank = bank;
                    self.bank_version += 1;
                }
                Err(_) => self.bank_unsent = Some(bank),
            }
        }
        while let Ok(r) = self.retired.pop() {
            drop(r);
        }
        while let Ok(s) = self.stats.pop() {
            self.last = s;
        }
        while let Ok(t) = self.top.pop() {
            self.last_top = t;
        }
    }

    /// The slowest nodes of the playing program (when profiling).
    pub fn top_nodes(&mut self) -> TopNodes {
        self.collect();
        self.last_top
    }

    /// The full timing table of the last program, after [`Live::stop`] (when profiling).
    pub fn profile_report(&self) -> Option<&crate::profile::Report> {
        self.report.as_ref()
    }

    fn send(&mut self, cmd: Command) -> bool {
        match self.commands.push(cmd) {
            Ok(()) => true,
            Err(_) => {
                self.commands_dropped += 1;
                false
            }
        }
    }

    /// Builds a program (on this thread) and sends it; it plays from frame `start` (a block
    /// boundary ahead of the render position), or from the render thread's next block when
    /// `start` has already passed or is 0. Control thread.
    /// With `fresh`, nothing carries over and the old program fades out (`panic`).
    pub fn load(
        &mut self,
        ir_json: &mut [u8],
        start: u64,
        fresh: bool,
    ) -> Result<LoadReport, EngineError> {
        self.collect();
        let (mut swap, report) = self.loader.build_with(ir_json, fresh)?;
        swap.start = start;
        if !self.send(Command::Swap(swap)) {
            return Err(EngineError::Events(
                "the command queue is full; try again".into(),
            ));
        }
        Ok(report)
    }

    /// Checks and sends a batch of events for the newest program; returns how many were sent.
    /// Control thread.
    pub fn push_events(&mut self, batch: &[f64]) -> Result<usize, EngineError> {
        self.collect();
        let samples = self.bank.len();
        let mut sent = 0;
        let commands = &mut self.commands;
        let mut dropped = 0;
        self.loader.decode(batch, samples, |e| {
            if commands.push(Command::Event(e)).is_ok() {
                sent += 1;
            } else {
                dropped += 1;
            }
        })?;
        self.commands_dropped += dropped;
        Ok(sent)
    }

    /// Fades the master out or in.
    pub fn hush(&mut self, on: bool) {
        self.send(Command::Hush(on));
    }

    /// Stops or restarts the clock.
    pub fn pause(&mut self, on: bool) {
        self.send(Command::Pause(on));
    }

    /// What changed in the sample bank since the previous call (files added, rewritten or
    /// removed under the roots while playing). Control thread.
    pub fn take_sample_changes(&mut self) -> Vec<crate::library::SampleChanges> {
        self.collect();
        std::mem::take(&mut self.sample_changes)
    }

    /// How many sample banks the loader has published (a version the pattern threads use to
    /// forget the sample ids they looked up). Control thread.
    pub fn sample_version(&mut self) -> u64 {
        self.collect();
        self.bank_version
    }

    /// The id of sample `name:index`.
    pub fn sample_id(&self, name: &str, index: i64) -> Option<u32> {
        self.bank.id(name, index)
    }

    /// Frames rendered so far: events for earlier frames come too late to be played on time.
    pub fn rendered(&self) -> u64 {
        self.shared.rendered.load(Ordering::Acquire)
    }

    /// The render thread's newest statistics.
    pub fn stats(&mut self) -> Stats {
        self.collect();
        self.last
    }

    /// Live counters.
    pub fn counters(&self) -> LiveCounters {
        let s = &self.shared;
        LiveCounters {
            rendered: s.rendered.load(Ordering::Relaxed),
            played: s.played.load(Ordering::Relaxed),
            underruns: s.underruns.load(Ordering::Relaxed),
            record_dropped: s.record_dropped.load(Ordering::Relaxed),
            commands_dropped: self.commands_dropped,
            swaps: s.swaps.load(Ordering::Acquire),
            swap_frame: s.swap_frame.load(Ordering::Acquire),
            device_error: s.device_error.load(Ordering::Relaxed),
        }
    }

    /// Stops every thread and finishes the recording; returns the final statistics and the
    /// frames recorded. Control thread.
    pub fn stop(&mut self) -> Result<(Stats, Option<u64>), String> {
        self.shared.running.store(false, Ordering::Release);
        // Drain older snapshots first: the joined renderer's own statistics are the final ones.
        self.collect();
        if let Some(h) = self.render.take() {
            match h.join() {
                Ok(renderer) => {
                    self.last = renderer.stats();
                    self.report = renderer.exec().and_then(|e| e.profile_report());
                }
                Err(_) => return Err("the render thread panicked".into()),
            }
        }
        match self.sink.take() {
            Some(Sink::Null(h)) => {
                let _ = h.join();
            }
            Some(Sink::Device(stream)) => drop(stream),
            None => {}
        }
        let recorded = match self.recorder.take() {
            Some(h) => Some(
                h.join()
                    .map_err(|_| "the recorder panicked".to_string())??,
            ),
            None => None,
        };
        while let Ok(r) = self.retired.pop() {
            drop(r);
        }
        if let Some(h) = self.sample_loader.take() {
            let _ = h.join();
        }
        Ok((self.last, recorded))
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The render thread's ends of the queues.
struct Rings {
    commands: rtrb::Consumer<Command>,
    retired: rtrb::Producer<Retired>,
    out: rtrb::Producer<f32>,
    rec: Option<rtrb::Producer<f32>>,
    stats: rtrb::Producer<Stats>,
    top: rtrb::Producer<TopNodes>,
}

/// The render thread. Everything it uses was allocated before the loop; inside it, it pops
/// commands, renders into preallocated blocks and pushes into rings, and otherwise sleeps.
fn render_loop(
    mut renderer: Renderer,
    rings: Rings,
    shared: Arc<Shared>,
    block: usize,
) -> Renderer {
    let Rings {
        mut commands,
        mut retired,
        mut out,
        mut rec,
        mut stats,
        mut top,
    } = rings;
    let (mut l, mut r) = (vec![0.0f32; block], vec![0.0f32; block]);
    let mut paused = false;
    let mut blocks = 0u64;
    while shared.running.load(Ordering::Acquire) {
        loop {
            // A swap waits in the queue, with everything after it, until its start frame.
            if let Ok(Command::Swap(s)) = commands.peek() {
                if s.start > renderer.frame() {
                    break;
                }
            }
            let Ok(cmd) = commands.pop() else { break };
            match cmd {
                Command::Swap(s) => {
                    let ret = renderer.swap(s);
                    shared.swap_frame.store(renderer.frame(), Ordering::Release);
                    // The janitor drains this queue on every control call; if it is full the
                    // program is dropped here, which frees memory on this thread (counted as
                    // a late block in the worst case, never a crash).
                    let _ = retired.push(ret);
                }
                Command::Event(e) => {
                    renderer.queue_event(e);
                }
                Command::Hush(on) => renderer.hush(on),
                Command::Pause(on) => paused = on,
                Command::Bank(bank) => {
                    let old = renderer.set_bank(bank);
                    let _ = retired.push(Retired {
                        bank: Some(old),
                        ..Retired::default()
                    });
                }
            }
        }
        if let Some(old) = renderer.take_retired() {
            let _ = retired.push(Retired {
                execs: [Some(old), None],
                ..Retired::default()
            });
        }
        if out.slots() < block * 2 {
            std::thread::sleep(IDLE);
            continue;
        }
        if paused {
            l.fill(0.0);
            r.fill(0.0);
        } else {
            renderer.render(&mut l, &mut r);
        }
        write_interleaved(&mut out, &l, &r);
        if let Some(rec) = &mut rec {
            if rec.slots() >= block * 2 {
                write_interleaved(rec, &l, &r);
            } else {
                Shared::add(&shared.record_dropped, block as u64);
            }
        }
        shared.rendered.store(renderer.frame(), Ordering::Release);
        shared.swaps.store(renderer.swaps(), Ordering::Release);
        blocks += 1;
        if blocks.is_multiple_of(4) && stats.slots() > 0 {
            let _ = stats.push(renderer.stats());
        }
        if blocks.is_multiple_of(64) && top.slots() > 0 {
            if let Some(exec) = renderer.exec() {
                if exec.profiling() {
                    let _ = top.push(exec.top_nodes::<8>());
                }
            }
        }
    }
    renderer
}

/// Writes one block of stereo into a ring with room for it (checked by the caller).
fn write_interleaved(ring: &mut rtrb::Producer<f32>, l: &[f32], r: &[f32]) {
    if let Ok(chunk) = ring.write_chunk_uninit(l.len() * 2) {
        let samples = l.iter().zip(r).flat_map(|(a, b)| [*a, *b]);
        chunk.fill_from_iter(samples);
    }
}
