//! The audio ring between the render thread and a sink: interleaved stereo `f32` in a lock-free SPSC queue, and the counters both sides share.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Producer half (render thread).
pub type AudioProducer = rtrb::Producer<f32>;
/// Consumer half (sink).
pub type AudioConsumer = rtrb::Consumer<f32>;

/// Counters shared by the render thread, the sink and the control thread. All relaxed atomics:
/// each is written by one side and only read for display by the others.
#[derive(Default)]
pub struct Shared {
    /// Cleared to stop every live thread.
    pub running: AtomicBool,
    /// Frames rendered (the renderer's clock after its last block).
    pub rendered: AtomicU64,
    /// Frames the sink has taken (played, or silence on underrun).
    pub played: AtomicU64,
    /// Sink periods that found too little audio in the ring.
    pub underruns: AtomicU64,
    /// Frames the recorder could not take (its ring was full).
    pub record_dropped: AtomicU64,
    /// Programs swapped in whose first block has been rendered.
    pub swaps: AtomicU64,
    /// The frame at which the newest program took over.
    pub swap_frame: AtomicU64,
    /// Set by the device's error callback.
    pub device_error: AtomicBool,
}

impl Shared {
    /// Adds to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// Copies `frames` frames from the ring into `out` (interleaved with `channels` channels: stereo
/// into the first two, mono as the mean of both, other channels silent). Frames the ring does
/// not hold are silence; returns how many frames came from the ring. Device callback: no
/// allocation, no lock.
pub fn drain_into<T: Copy>(
    ring: &mut AudioConsumer,
    out: &mut [T],
    channels: usize,
    convert: impl Fn(f32) -> T,
) -> usize {
    let frames = out.len() / channels.max(1);
    let have = (ring.slots() / 2).min(frames);
    let zero = convert(0.0);
    if let Ok(chunk) = ring.read_chunk(have * 2) {
        let (a, b) = chunk.as_slices();
        let mut samples = a.iter().chain(b.iter());
        for f in 0..have {
            let l = *samples.next().unwrap_or(&0.0);
            let r = *samples.next().unwrap_or(&0.0);
            let frame = &mut out[f * channels..(f + 1) * channels];
            if channels == 1 {
                frame[0] = convert(0.5 * (l + r));
            } else {
                frame[0] = convert(l);
                frame[1] = convert(r);
                for x in &mut frame[2..] {
                    *x = zero;
                }
            }
        }
        chunk.commit_all();
    }
    for x in &mut out[have * channels..] {
        *x = zero;
    }
    have
}
