//! The null sink: takes audio from the ring at the pace of a real device (a deadline clock, one period at a time) and discards it. Used by tests and when no device is available.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::ring::{drain_into, AudioConsumer, Shared};

/// Starts the null sink's thread: every `period_frames / sample_rate` seconds it takes one
/// period from the ring, counting an underrun when the ring held less. Like a device's audio
/// callback, the thread asks for real-time priority (where allowed): on a busy machine a
/// normal-priority pacer wakes periods late and then takes several at once, which counted
/// underruns a device would never have.
pub fn start(
    mut ring: AudioConsumer,
    shared: Arc<Shared>,
    period_frames: usize,
    sample_rate: u32,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("phonon-null-sink".into())
        .spawn(move || {
            // Refused (no permission): it paces at normal priority, as before.
            let _ = crate::priority::promote_current_thread(period_frames, sample_rate);
            let period = Duration::from_secs_f64(period_frames as f64 / sample_rate as f64);
            let mut scratch = vec![0.0f32; period_frames * 2];
            let mut next = Instant::now() + period;
            while shared.running.load(Ordering::Acquire) {
                let now = Instant::now();
                if next > now {
                    std::thread::sleep(next - now);
                }
                let got = drain_into(&mut ring, &mut scratch, 2, |x| x);
                if got < period_frames {
                    Shared::add(&shared.underruns, 1);
                }
                Shared::add(&shared.played, period_frames as u64);
                next += period;
                // Far behind (the machine stalled): start the clock again rather than rush.
                let now = Instant::now();
                if now > next + period * 4 {
                    next = now + period;
                }
            }
        })
}
