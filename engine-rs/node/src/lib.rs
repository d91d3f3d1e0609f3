//! The napi-rs binding of phonon-core: a thin `Engine` class for Node, no DSP, no panic crossing into JS.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::{Float32Array, Float64Array};
use napi::{Error, Result};
use napi_derive::napi;
use phonon_core::{workers, Engine as CoreEngine, EngineError, WavWriter};

mod live;
pub use live::LiveEngine;

/// Frames rendered per internal chunk by `render` and `renderBuffer`.
const CHUNK: usize = 4096;

/// Runs `f`, turning a panic into a JS error and marking the engine unusable.
fn guard<T>(poisoned: &mut Option<String>, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    if let Some(p) = poisoned {
        return Err(Error::from_reason(format!(
            "the engine is unusable after an internal panic ({p}); create a new Engine"
        )));
    }
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            let text = format!("phonon engine panicked in {what}: {msg}");
            *poisoned = Some(text.clone());
            Err(Error::from_reason(text))
        }
    }
}

fn js_err(e: phonon_core::EngineError) -> Error {
    Error::from_reason(e.to_string())
}

/// What a render works on: the engine, its open WAV and the chunk buffers. It moves to the
/// engine's render owner thread for a background render (`renderStart`) and back.
struct Core {
    inner: CoreEngine,
    wav: Option<WavWriter>,
    /// Two pairs of chunk buffers (left, right): one renders while the other is written.
    buffers: [(Vec<f32>, Vec<f32>); 2],
    poisoned: Option<String>,
}

/// A background render's outcome, with the core it ran on.
type Done = (Box<Core>, std::result::Result<(), String>);

/// The thread background renders run on (it hands each to the engine's workers and waits, as
/// a `render` call does on the JavaScript thread), with its two channels. Started by the first
/// `renderStart`; it ends when the engine is dropped.
struct Owner {
    jobs: std::sync::mpsc::Sender<(Box<Core>, u32)>,
    done: std::sync::mpsc::Receiver<Done>,
    thread: std::thread::JoinHandle<()>,
}

impl Owner {
    /// Starts the thread, or `None` where no thread can be started. Control thread.
    fn start() -> Option<Owner> {
        let (jobs, work) = std::sync::mpsc::channel::<(Box<Core>, u32)>();
        let (give, done) = std::sync::mpsc::channel::<Done>();
        let thread = std::thread::Builder::new()
            .name("phonon-render-owner".into())
            .spawn(move || {
                for (mut core, frames) in work {
                    let outcome = core.render_to_wav(frames);
                    if give.send((core, outcome)).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(Owner { jobs, done, thread })
    }
}

/// The Phonon sound engine: load a GraphIR, push events, render stereo audio to a WAV or a buffer.
#[napi]
pub struct Engine {
    /// `None` while a background render holds it.
    core: Option<Box<Core>>,
    owner: Option<Owner>,
    /// A failed background render's error, until a call reports it.
    failed: Option<String>,
}

impl Drop for Engine {
    /// Waits for a background render, then stops the owner thread. Control thread.
    fn drop(&mut self) {
        let _ = self.settle();
        if let Some(Owner { jobs, thread, .. }) = self.owner.take() {
            drop(jobs);
            let _ = thread.join();
        }
    }
}

impl Engine {
    /// The core, once any background render has given it back. Control thread (waits).
    fn settle(&mut self) -> Result<&mut Core> {
        if self.core.is_none() {
            let back = self.owner.as_ref().and_then(|o| o.done.recv().ok());
            let Some((core, outcome)) = back else {
                return Err(Error::from_reason(
                    "the engine's render thread ended; create a new Engine",
                ));
            };
            self.core = Some(core);
            if let Err(e) = outcome {
                self.failed = Some(e);
            }
        }
        if let Some(e) = self.failed.take() {
            return Err(Error::from_reason(e));
        }
        Ok(self.core.as_mut().expect("settled"))
    }
}

impl Core {
    /// Renders `frames` frames in chunks through the scratch buffers, handing each chunk to
    /// `sink` in order; the whole call runs on one of the engine's render workers (one hand-off
    /// to the pool per call, not per chunk). With two or more workers the sink of one chunk (the
    /// WAV's conversion and write) runs on another worker while the next chunk renders, through
    /// two pairs of buffers; the chunks rendered, and so the bytes, are the same.
    fn render_chunks(
        &mut self,
        frames: u32,
        mut sink: impl FnMut(&[f32], &[f32], &mut Option<WavWriter>) -> std::result::Result<(), EngineError>
            + Send,
    ) -> Result<()> {
        let Core {
            inner,
            wav,
            buffers,
            ..
        } = self;
        let [(l0, r0), (l1, r1)] = buffers;
        let (mut fill, mut full) = ((l0, r0), (l1, r1));
        inner
            .run_on_workers(|inner| {
                let mut rest = frames as usize;
                // Frames in `full` that the sink has not had yet.
                let mut waiting = 0;
                while rest > 0 {
                    let n = rest.min(CHUNK);
                    let (l, r) = (&mut fill.0[..n], &mut fill.1[..n]);
                    let (done, written) = (&full.0[..waiting], &full.1[..waiting]);
                    let ((), sunk) = workers::both(
                        || inner.render(l, r),
                        || match waiting {
                            0 => Ok(()),
                            _ => sink(done, written, wav),
                        },
                    );
                    sunk?;
                    std::mem::swap(&mut fill, &mut full);
                    waiting = n;
                    rest -= n;
                }
                match waiting {
                    0 => Ok(()),
                    _ => sink(&full.0[..waiting], &full.1[..waiting], wav),
                }
            })
            .map_err(js_err)
    }
}

#[napi]
impl Engine {
    /// `new Engine(sampleRate, blockSize)`: sampleRate 8000..768000 Hz, blockSize 1..8192 frames.
    #[napi(constructor)]
    pub fn new(sample_rate: u32, block_size: u32) -> Result<Self> {
        if !phonon_core::engine::SAMPLE_RATES.contains(&sample_rate) {
            return Err(Error::from_reason(format!(
                "sampleRate {sample_rate} is out of range (8000..768000)"
            )));
        }
        if !phonon_core::engine::BLOCK_SIZES.contains(&(block_size as usize)) {
            return Err(Error::from_reason(format!(
                "blockSize {block_size} is out of range (1..8192)"
            )));
        }
        let mut poisoned = None;
        let inner = guard(&mut poisoned, "new", || {
            Ok(CoreEngine::new(sample_rate, block_size as usize))
        })?;
        Ok(Engine {
            core: Some(Box::new(Core {
                inner,
                wav: None,
                buffers: std::array::from_fn(|_| (vec![0.0; CHUNK], vec![0.0; CHUNK])),
                poisoned,
            })),
            owner: None,
            failed: None,
        })
    }

    /// `setThreads(n)`: renders with `n` workers (1..64; 1 = serial) from the next load on.
    /// The output is the same bit for bit with any count. Control thread.
    #[napi]
    pub fn set_threads(&mut self, threads: u32) -> Result<()> {
        let Core {
            inner, poisoned, ..
        } = self.settle()?;
        guard(poisoned, "setThreads", || {
            inner.set_threads(threads as usize).map_err(js_err)
        })
    }

    /// Loads a GraphIR (JSON text); returns the load report as JSON. On error the previous
    /// program keeps playing.
    #[napi]
    pub fn load(&mut self, ir: String) -> Result<String> {
        let Core {
            inner, poisoned, ..
        } = self.settle()?;
        guard(poisoned, "load", || {
            let mut bytes = ir.into_bytes();
            inner.load(&mut bytes).map(|r| r.to_json()).map_err(js_err)
        })
    }

    /// The id of sample `name:index` (index wraps), or −1 when there is no such name.
    #[napi]
    pub fn sample_id(&mut self, name: String, index: i64) -> Result<i32> {
        let Core {
            inner, poisoned, ..
        } = self.settle()?;
        guard(poisoned, "sampleId", || {
            Ok(inner
                .sample_id(&name, index)
                .map(|i| i as i32)
                .unwrap_or(-1))
        })
    }

    /// Loads Dirt-layout sample roots (`<root>/<name>/*.wav|*.flac`, highest priority first)
    /// into the bank, resampled to the engine rate; names found replace the built-in kit's.
    /// Returns JSON: `{loaded, names, roots: [{root, found, names, files}], warnings}`.
    #[napi]
    pub fn load_samples(&mut self, roots: Vec<String>) -> Result<String> {
        let Core {
            inner, poisoned, ..
        } = self.settle()?;
        guard(poisoned, "loadSamples", || {
            let roots: Vec<std::path::PathBuf> = roots.into_iter().map(Into::into).collect();
            Ok(inner.load_samples(&roots).to_json())
        })
    }

    /// Every sample name, sorted.
    #[napi]
    pub fn sample_names(&mut self) -> Result<Vec<String>> {
        let Core {
            inner, poisoned, ..
        } = self.settle()?;
        guard(poisoned, "sampleNames", || Ok(inner.sample_names()))
    }

    /// Queues an event batch; returns how many events were queued. A malformed batch throws and
    /// queues nothing.
    #[napi]
    pub fn push_events(&mut self, batch: Float64Array) -> Result<u32> {
        let Core {
            inner, poisoned, ..
        } = self.settle()?;
        guard(poisoned, "pushEvents", || {
            inner.push_events(&batch).map(|n| n as u32).map_err(js_err)
        })
    }

    /// Opens a WAV at the engine's sample rate; `render` appends to it. `bits` 32 (float, the
    /// default), 24 or 16 (PCM with TPDF dither); `mono` writes the mean of left and right;
    /// `gainDb` scales every sample (default 0 dB).
    #[napi]
    pub fn open_wav(
        &mut self,
        path: String,
        bits: Option<u32>,
        mono: Option<bool>,
        gain_db: Option<f64>,
    ) -> Result<()> {
        let Core {
            inner,
            wav,
            poisoned,
            ..
        } = self.settle()?;
        if let Some(w) = wav {
            return Err(Error::from_reason(format!(
                "a WAV is already open ({}); call closeWav first",
                w.path().display()
            )));
        }
        let sr = inner.sample_rate();
        guard(poisoned, "openWav", || {
            let channels = if mono.unwrap_or(false) { 1 } else { 2 };
            let gain = 10f64.powf(gain_db.unwrap_or(0.0) / 20.0) as f32;
            let bits = bits.unwrap_or(32).min(64) as u16;
            *wav = Some(WavWriter::create_with(&path, sr, channels, bits, gain).map_err(js_err)?);
            Ok(())
        })
    }

    /// Renders `frames` frames, appending them to the open WAV if there is one.
    #[napi]
    pub fn render(&mut self, frames: u32) -> Result<()> {
        self.settle()?
            .render_to_wav(frames)
            .map_err(Error::from_reason)
    }

    /// Starts rendering `frames` frames (appended to the open WAV if there is one) on the
    /// engine's render owner thread and returns at once, so the caller can schedule what comes
    /// next meanwhile; the next call to the engine waits for it (`renderFinish` only waits, and
    /// reports how it ended). The frames, and so the bytes, are those `render` gives. Control
    /// thread.
    #[napi]
    pub fn render_start(&mut self, frames: u32) -> Result<()> {
        self.settle()?;
        if self.owner.is_none() {
            self.owner = Owner::start();
        }
        let Some(owner) = &self.owner else {
            // No thread could be started: render here.
            return self.render(frames);
        };
        let core = self.core.take().expect("settled");
        owner
            .jobs
            .send((core, frames))
            .map_err(|_| Error::from_reason("the engine's render thread ended"))
    }

    /// Waits for the render `renderStart` began; throws if it failed. Control thread.
    #[napi]
    pub fn render_finish(&mut self) -> Result<()> {
        self.settle().map(|_| ())
    }

    /// Renders `frames` frames and returns them interleaved (L, R, L, R, ...). Does not write to
    /// the WAV.
    #[napi]
    pub fn render_buffer(&mut self, frames: u32) -> Result<Float32Array> {
        let mut out = Vec::with_capacity(2 * frames as usize);
        self.settle()?
            .render_guarded("renderBuffer", frames, |l, r, _| {
                for (a, b) in l.iter().zip(r) {
                    out.push(*a);
                    out.push(*b);
                }
                Ok(())
            })?;
        Ok(Float32Array::new(out))
    }

    /// Finishes and closes the open WAV (no-op when none is open).
    #[napi]
    pub fn close_wav(&mut self) -> Result<()> {
        let Core { wav, poisoned, .. } = self.settle()?;
        let wav = wav.take();
        guard(poisoned, "closeWav", || match wav {
            Some(w) => w.finish().map_err(js_err),
            None => Ok(()),
        })
    }

    /// Frames rendered since the engine was created.
    #[napi]
    pub fn frame(&mut self) -> Result<f64> {
        Ok(self.settle()?.inner.frame() as f64)
    }

    /// Statistics as JSON (camelCase keys).
    #[napi]
    pub fn stats(&mut self) -> Result<String> {
        let Core {
            inner, poisoned, ..
        } = self.settle()?;
        guard(poisoned, "stats", || Ok(inner.stats().to_json()))
    }

    /// Programs loaded from now on time every node and stage (PROFILE_DETAILED).
    #[napi]
    pub fn set_profiling(&mut self, on: bool) -> Result<()> {
        self.settle()?.inner.set_profiling(on);
        Ok(())
    }

    /// The current program's timing report as JSON, or null when not profiling.
    #[napi]
    pub fn profile(&mut self) -> Result<Option<String>> {
        Ok(self.settle()?.inner.profile().map(|r| r.to_json()))
    }

    /// The supported kernel kinds.
    #[napi]
    pub fn kinds(&self) -> Vec<String> {
        phonon_core::kinds::all()
            .map(|k| k.name.to_string())
            .collect()
    }
}

impl Core {
    /// Renders `frames` frames into the open WAV (if any), a panic made an error that poisons
    /// the engine. On the JavaScript thread (`render`) or the render owner thread
    /// (`renderStart`).
    fn render_to_wav(&mut self, frames: u32) -> std::result::Result<(), String> {
        self.render_guarded("render", frames, |l, r, wav| match wav {
            Some(w) => w.write(l, r),
            None => Ok(()),
        })
        .map_err(|e| e.reason)
    }

    /// [`Core::render_chunks`] with `sink`, a panic made an error (naming `what`) that poisons
    /// the engine.
    fn render_guarded(
        &mut self,
        what: &str,
        frames: u32,
        sink: impl FnMut(&[f32], &[f32], &mut Option<WavWriter>) -> std::result::Result<(), EngineError>
            + Send,
    ) -> Result<()> {
        let mut poisoned = self.poisoned.take();
        let r = guard(&mut poisoned, what, || self.render_chunks(frames, sink));
        self.poisoned = poisoned;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_poisons_the_engine() {
        let mut poisoned = None;
        let r: Result<()> = guard(&mut poisoned, "render", || panic!("boom"));
        let msg = r.unwrap_err().reason;
        assert!(msg.contains("panicked in render: boom"), "{msg}");
        let r = guard(&mut poisoned, "stats", || Ok(1));
        assert!(r.unwrap_err().reason.contains("unusable"));
        let mut fine = None;
        assert_eq!(guard(&mut fine, "stats", || Ok(2)).unwrap(), 2);
    }
}

/// Every kind's declaration as JSON (see `kinds::kinds_json`): the source of the language's
/// generated catalogue (`language/kinds.ts`). Control thread.
#[napi]
pub fn kind_specs() -> String {
    phonon_core::kinds::kinds_json()
}

/// `parseThreads(text)`: a thread count as `--threads` and `PHONON_THREADS` give it (a whole
/// number 1..64), or an error saying what is wrong and what to try. Control thread.
#[napi]
pub fn parse_threads(text: String) -> Result<u32> {
    phonon_core::workers::parse_threads(&text)
        .map(|n| n as u32)
        .map_err(Error::from_reason)
}

/// `defaultThreads()`: the default thread count, the machine's physical cores.
#[napi]
pub fn default_threads() -> u32 {
    phonon_core::workers::default_threads() as u32
}

/// `simdLevel(want)`: runs the engine's block loops at `want` (`"scalar"`, `"avx2"`,
/// `"avx512"`, or `"auto"`/empty for the best this CPU has), never above what the CPU supports,
/// and returns the level in use. Results do not depend on the level, only speed does. Control
/// thread, before rendering (`PHONON_SIMD` is read by the front end and passed here).
#[napi]
pub fn simd_level(want: Option<String>) -> Result<String> {
    use phonon_core::kernels::simd::{force, Level};
    let want = want.unwrap_or_default();
    let level = match want.as_str() {
        "" | "auto" => None,
        name => Some(Level::from_name(name).ok_or_else(|| {
            Error::from_reason(format!(
                "unknown SIMD level '{name}' (known: scalar, avx2, avx512, auto)"
            ))
        })?),
    };
    Ok(force(level).name().to_string())
}
