//! The recorder: a thread that writes what the render thread played (interleaved stereo from its own ring) to a WAV file, so the render thread never does I/O.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::ring::{AudioConsumer, Shared};
use super::wav::WavWriter;

/// Starts the recorder; the file is created now (so a bad path fails at once). The thread
/// writes until `shared.running` is cleared and the ring is empty, then finishes the file and
/// returns the number of frames written.
pub fn start(
    path: PathBuf,
    sample_rate: u32,
    mut ring: AudioConsumer,
    shared: Arc<Shared>,
) -> Result<JoinHandle<Result<u64, String>>, String> {
    let mut wav = WavWriter::create(&path, sample_rate, 2).map_err(|e| e.to_string())?;
    std::thread::Builder::new()
        .name("phonon-recorder".into())
        .spawn(move || {
            let (mut l, mut r) = (Vec::new(), Vec::new());
            loop {
                let running = shared.running.load(Ordering::Acquire);
                let n = ring.slots() / 2 * 2;
                if n == 0 {
                    if !running {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                let chunk = ring.read_chunk(n).map_err(|e| e.to_string())?;
                l.clear();
                r.clear();
                let (a, b) = chunk.as_slices();
                for (i, x) in a.iter().chain(b.iter()).enumerate() {
                    if i % 2 == 0 {
                        l.push(*x);
                    } else {
                        r.push(*x);
                    }
                }
                chunk.commit_all();
                wav.write(&l, &r).map_err(|e| e.to_string())?;
            }
            let frames = wav.frames();
            wav.finish().map_err(|e| e.to_string())?;
            Ok(frames)
        })
        .map_err(|e| e.to_string())
}
