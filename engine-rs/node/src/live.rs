//! The napi `LiveEngine` class: a thin handle on phonon-core's live playback (render thread, device or null sink, recorder).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use napi::bindgen_prelude::Float64Array;
use napi::{Error, Result};
use napi_derive::napi;
use phonon_core::live::{Live, LiveOptions, SinkChoice};

fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(Error::from_reason(format!(
            "phonon live panicked in {what}: {msg}"
        )))
    })
}

/// Live playback. Every method is called on the JS (control) thread; audio is rendered on the
/// engine's own render thread and played by the device callback or the null sink.
#[napi]
pub struct LiveEngine {
    inner: Option<Live>,
}

impl LiveEngine {
    fn live(&mut self) -> Result<&mut Live> {
        self.inner
            .as_mut()
            .ok_or_else(|| Error::from_reason("the live engine was stopped"))
    }
}

#[napi]
impl LiveEngine {
    /// `new LiveEngine(sink, device, periodFrames, sampleRate, periodsAhead, record)`: sink is
    /// "auto", "device" or "null"; device a name or null for the default; periodFrames
    /// 128..2048; sampleRate null for the device's own; periodsAhead 1..3; record a WAV path or
    /// null; profile times every node (PROFILE_DETAILED); samples the Dirt-layout sample roots,
    /// highest priority first, loaded before the render thread starts (`info().samples` says
    /// what was loaded); threads the render workers (1..64, 1 = serial; null for the physical
    /// cores). Opens the sink and starts the render thread.
    #[napi(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        sink: String,
        device: Option<String>,
        period_frames: u32,
        sample_rate: Option<u32>,
        periods_ahead: u32,
        record: Option<String>,
        profile: bool,
        samples: Vec<String>,
        threads: Option<u32>,
    ) -> Result<Self> {
        let sink = match sink.as_str() {
            "auto" => SinkChoice::Auto,
            "device" => SinkChoice::Device,
            "null" => SinkChoice::Null,
            other => {
                return Err(Error::from_reason(format!(
                    "unknown sink '{other}' (auto, device or null)"
                )))
            }
        };
        let opts = LiveOptions {
            sink,
            device,
            period_frames: period_frames as usize,
            sample_rate,
            periods_ahead: periods_ahead as usize,
            record: record.map(PathBuf::from),
            profile,
            samples: samples.into_iter().map(PathBuf::from).collect(),
            threads: threads
                .map(|t| t as usize)
                .unwrap_or_else(phonon_core::workers::default_threads),
        };
        guarded("start", || {
            Live::start(&opts)
                .map(|l| LiveEngine { inner: Some(l) })
                .map_err(Error::from_reason)
        })
    }

    /// What started, as JSON: sink, device, sampleRate, periodFrames, blockFrames, channels, warning,
    /// realtime, priority, realtimeWarning, samples (loaded, names, roots, warnings).
    #[napi]
    pub fn info(&mut self) -> Result<String> {
        Ok(self.live()?.info().to_json())
    }

    /// Builds a GraphIR into a program and sends it to the render thread, to play from frame
    /// `start` (0: at once); with `fresh`, nothing carries over and the old program fades out
    /// (panic). Returns the load report JSON.
    #[napi]
    pub fn load(&mut self, ir: String, start: f64, fresh: Option<bool>) -> Result<String> {
        let live = self.live()?;
        guarded("load", || {
            let mut bytes = ir.into_bytes();
            live.load(&mut bytes, start.max(0.0) as u64, fresh.unwrap_or(false))
                .map(|r| r.to_json())
                .map_err(|e| Error::from_reason(e.to_string()))
        })
    }

    /// Sends a batch of event records for the newest program; returns how many were sent.
    #[napi]
    pub fn push_events(&mut self, batch: Float64Array) -> Result<u32> {
        let live = self.live()?;
        guarded("pushEvents", || {
            live.push_events(&batch)
                .map(|n| n as u32)
                .map_err(|e| Error::from_reason(e.to_string()))
        })
    }

    /// Frames rendered so far (events for earlier frames are too late).
    #[napi]
    pub fn rendered(&mut self) -> Result<f64> {
        Ok(self.live()?.rendered() as f64)
    }

    /// The id of sample `name:index`, or -1.
    #[napi]
    pub fn sample_id(&mut self, name: String, index: i64) -> Result<i32> {
        Ok(self
            .live()?
            .sample_id(&name, index)
            .map(|i| i as i32)
            .unwrap_or(-1))
    }

    /// What changed in the sample bank since the previous call, as a JSON array of
    /// `{added: [[name, files]], changed: [[name, files]], removed: [name], warnings: [line]}`
    /// (files added, rewritten or removed under the sample roots while playing). Main thread.
    #[napi]
    pub fn take_sample_changes(&mut self) -> Result<String> {
        let changes = self.live()?.take_sample_changes();
        let rows: Vec<String> = changes.iter().map(|c| c.to_json()).collect();
        Ok(format!("[{}]", rows.join(",")))
    }

    /// Sample banks published since the start: when it grows, looked-up sample ids may have
    /// changed (a name added or removed). Main thread.
    #[napi]
    pub fn sample_version(&mut self) -> Result<f64> {
        Ok(self.live()?.sample_version() as f64)
    }

    /// Fades the master out (true) or back in.
    #[napi]
    pub fn hush(&mut self, on: bool) -> Result<()> {
        self.live()?.hush(on);
        Ok(())
    }

    /// Stops the clock (true) or runs it again.
    #[napi]
    pub fn pause(&mut self, on: bool) -> Result<()> {
        self.live()?.pause(on);
        Ok(())
    }

    /// The render thread's newest statistics plus the live counters, as JSON.
    #[napi]
    pub fn stats(&mut self) -> Result<String> {
        let live = self.live()?;
        let stats = live.stats().to_json();
        let counters = live.counters().to_json();
        Ok(format!("{{\"render\":{stats},\"live\":{counters}}}"))
    }

    /// The slowest nodes of the playing program as JSON `[{id, kind, meanUs, maxUs}]` (empty
    /// unless profiling).
    #[napi]
    pub fn top_nodes(&mut self) -> Result<String> {
        let rows: Vec<String> = self
            .live()?
            .top_nodes()
            .iter()
            .filter(|r| !r.1.is_empty())
            .map(|(id, kind, mean, max)| {
                format!("{{\"id\":{id},\"kind\":\"{kind}\",\"meanUs\":{mean},\"maxUs\":{max}}}")
            })
            .collect();
        Ok(format!("[{}]", rows.join(",")))
    }

    /// Stops the threads and finishes the recording; returns the final statistics as JSON
    /// (with `recordedFrames`, and `profile`: the full timing table when profiling).
    #[napi]
    pub fn stop(&mut self) -> Result<String> {
        let Some(mut live) = self.inner.take() else {
            return Err(Error::from_reason("the live engine was already stopped"));
        };
        guarded("stop", move || {
            let counters = live.counters().to_json();
            let (stats, recorded) = live.stop().map_err(Error::from_reason)?;
            let recorded = recorded
                .map(|n| n.to_string())
                .unwrap_or_else(|| "null".into());
            Ok(format!(
                "{{\"render\":{},\"live\":{counters},\"recordedFrames\":{recorded}}}",
                stats.to_json()
            ))
        })
    }
}
