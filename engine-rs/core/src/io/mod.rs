//! Audio outputs of the engine: WAV files, the live device (cpal), a real-time-paced null sink, a recorder, and the ring that feeds them.

pub mod device;
pub mod null;
pub mod record;
pub mod ring;
pub mod wav;
