//! Audio outputs of the engine: WAV files now; the live device and a null sink later.

pub mod wav;
