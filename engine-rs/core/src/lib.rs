//! Phonon's sound engine: GraphIR in, a block-based plan of kernels, sample-accurate events, stereo audio out.

pub mod engine;
pub mod error;
pub mod events;
pub mod executor;
pub mod fuse;
pub mod io;
pub mod ir;
pub mod kernels;
pub mod kinds;
pub mod kit;
pub mod library;
pub mod limiter;
pub mod live;
pub mod loader;
pub mod plan;
pub mod priority;
pub mod profile;
pub mod renderer;
pub mod samples;
pub mod schedule;
pub mod stats;
pub mod voice;
pub mod workers;

pub use engine::{Engine, LoadReport};
pub use error::EngineError;
pub use io::wav::WavWriter;
pub use samples::{Sample, SampleBank};
pub use stats::Stats;

#[cfg(test)]
mod tests {
    /// Everything the render thread will own must be movable to it.
    #[test]
    fn engine_is_send() {
        fn send<T: Send>() {}
        send::<crate::Engine>();
        send::<crate::plan::Plan>();
    }
}
