//! WAV file output: interleaved 32-bit float (stereo by default) through hound.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::error::EngineError;

/// A WAV file being written. Call [`WavWriter::finish`] to write the header's final sizes; a writer
/// dropped without it is finished on a best-effort basis by hound.
pub struct WavWriter {
    inner: Option<hound::WavWriter<BufWriter<File>>>,
    path: PathBuf,
    channels: u16,
    frames: u64,
}

impl WavWriter {
    /// Creates `path` for 32-bit float audio with `channels` (1 or 2) channels. Control thread.
    pub fn create(
        path: impl AsRef<Path>,
        sample_rate: u32,
        channels: u16,
    ) -> Result<WavWriter, EngineError> {
        let path = path.as_ref().to_path_buf();
        if !(1..=2).contains(&channels) {
            return Err(EngineError::Io(format!(
                "cannot write {}: {channels} channels requested, only 1 or 2 are supported",
                path.display()
            )));
        }
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() && !dir.is_dir() {
                return Err(EngineError::Io(format!(
                    "cannot write {}: the directory {} does not exist",
                    path.display(),
                    dir.display()
                )));
            }
        }
        let spec = hound::WavSpec {
            channels,
            sample_rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let inner = hound::WavWriter::create(&path, spec)
            .map_err(|e| EngineError::Io(format!("cannot write {}: {e}", path.display())))?;
        Ok(WavWriter {
            inner: Some(inner),
            path,
            channels,
            frames: 0,
        })
    }

    /// Appends frames: `left[i]`, `right[i]` interleaved (a mono file writes `left` only). Writes
    /// `min(left.len(), right.len())` frames.
    pub fn write(&mut self, left: &[f32], right: &[f32]) -> Result<(), EngineError> {
        let w = self.inner.as_mut().ok_or_else(|| {
            EngineError::Io(format!(
                "cannot write {}: already finished",
                self.path.display()
            ))
        })?;
        let err =
            |e: hound::Error| EngineError::Io(format!("writing {}: {e}", self.path.display()));
        let n = left.len().min(right.len());
        if self.channels == 2 {
            for (l, r) in left[..n].iter().zip(&right[..n]) {
                w.write_sample(*l).map_err(err)?;
                w.write_sample(*r).map_err(err)?;
            }
        } else {
            for l in &left[..n] {
                w.write_sample(*l).map_err(err)?;
            }
        }
        self.frames += n as u64;
        Ok(())
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the final header and closes the file.
    pub fn finish(mut self) -> Result<(), EngineError> {
        match self.inner.take() {
            Some(w) => w
                .finalize()
                .map_err(|e| EngineError::Io(format!("finishing {}: {e}", self.path.display()))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("phonon-wav-test-{}-{name}", std::process::id()))
    }

    #[test]
    fn round_trip_float_stereo() {
        let path = temp("rt.wav");
        let left: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.01).sin()).collect();
        let right: Vec<f32> = (0..1000).map(|i| -(i as f32) / 1000.0).collect();
        let mut w = WavWriter::create(&path, 48000, 2).unwrap();
        w.write(&left[..300], &right[..300]).unwrap();
        w.write(&left[300..], &right[300..]).unwrap();
        assert_eq!(w.frames(), 1000);
        w.finish().unwrap();
        let mut r = hound::WavReader::open(&path).unwrap();
        let spec = r.spec();
        assert_eq!(spec.channels, 2);
        assert_eq!(spec.sample_rate, 48000);
        assert_eq!(spec.bits_per_sample, 32);
        assert_eq!(spec.sample_format, hound::SampleFormat::Float);
        let s: Vec<f32> = r.samples::<f32>().map(|x| x.unwrap()).collect();
        assert_eq!(s.len(), 2000);
        for i in 0..1000 {
            assert_eq!(s[2 * i].to_bits(), left[i].to_bits());
            assert_eq!(s[2 * i + 1].to_bits(), right[i].to_bits());
        }
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn missing_directory_is_named() {
        let path = temp("no-such-dir").join("x.wav");
        let e = WavWriter::create(&path, 44100, 2)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("does not exist") && e.contains("no-such-dir"),
            "{e}"
        );
    }
}
