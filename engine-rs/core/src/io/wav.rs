//! WAV file output: interleaved 32-bit float (stereo by default) or 16/24-bit PCM with TPDF dither, through hound.
//!
//! [`WavWriter::create_with`] takes the bit depth (32 float; 24 or 16 integer), the channel count
//! (2, or 1 = the mean of left and right) and a linear gain applied before quantization. Integer
//! output adds triangular (TPDF) dither of ±1 LSB peak from a fixed-seed generator (so a render
//! is bit-identical every time), rounds, and clamps to the integer range.

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
    bits: u16,
    gain: f32,
    rng: u32,
}

impl WavWriter {
    /// Creates `path` for 32-bit float audio with `channels` (1 or 2) channels. Control thread.
    pub fn create(
        path: impl AsRef<Path>,
        sample_rate: u32,
        channels: u16,
    ) -> Result<WavWriter, EngineError> {
        Self::create_with(path, sample_rate, channels, 32, 1.0)
    }

    /// Creates `path` with `bits` 32 (float), 24 or 16 (PCM with TPDF dither), `channels` 1 (the
    /// mean of left and right) or 2, and a linear `gain` applied to every sample. Control thread.
    pub fn create_with(
        path: impl AsRef<Path>,
        sample_rate: u32,
        channels: u16,
        bits: u16,
        gain: f32,
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
        if !matches!(bits, 16 | 24 | 32) {
            return Err(EngineError::Io(format!(
                "cannot write {}: {bits} bits requested, only 32, 24 or 16",
                path.display()
            )));
        }
        let spec = hound::WavSpec {
            channels,
            sample_rate,
            bits_per_sample: bits,
            sample_format: if bits == 32 {
                hound::SampleFormat::Float
            } else {
                hound::SampleFormat::Int
            },
        };
        let inner = hound::WavWriter::create(&path, spec)
            .map_err(|e| EngineError::Io(format!("cannot write {}: {e}", path.display())))?;
        Ok(WavWriter {
            inner: Some(inner),
            path,
            channels,
            frames: 0,
            bits,
            gain: if gain.is_finite() { gain } else { 1.0 },
            rng: 0x9E37_79B9,
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
        let (bits, gain, stereo) = (self.bits, self.gain, self.channels == 2);
        let rng = &mut self.rng;
        let mut put = |x: f32| -> Result<(), hound::Error> {
            let x = x * gain;
            if bits == 32 {
                return w.write_sample(x);
            }
            let full = (1i64 << (bits - 1)) as f64;
            let mut uniform = || {
                *rng ^= *rng << 13;
                *rng ^= *rng >> 17;
                *rng ^= *rng << 5;
                f64::from(*rng) / f64::from(u32::MAX)
            };
            let tpdf = uniform() - uniform();
            let q = (f64::from(x) * full + tpdf)
                .round()
                .clamp(-full, full - 1.0);
            w.write_sample(q as i32)
        };
        for (l, r) in left[..n].iter().zip(&right[..n]) {
            if stereo {
                put(*l).map_err(err)?;
                put(*r).map_err(err)?;
            } else {
                put(0.5 * (*l + *r)).map_err(err)?;
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

    /// 16-bit with TPDF dither: mono is (0.5 + 0.25)/2 = 0.375, with gain 0.5 (−6.02 dB) 0.1875;
    /// 0.1875 · 32768 = 6144 ± 1 LSB, averaging to 6144 (dither is zero-mean); 24-bit keeps
    /// a level of 0.5 within 1 LSB of 2^22; bad bit depths are refused.
    #[test]
    fn integer_formats_dither_mono_and_gain() {
        let p = temp("i16.wav");
        let mut w = WavWriter::create_with(&p, 44100, 1, 16, 0.5).unwrap();
        w.write(&[0.5; 4000], &[0.25; 4000]).unwrap();
        w.finish().unwrap();
        let r = hound::WavReader::open(&p).unwrap();
        assert_eq!(r.spec().bits_per_sample, 16);
        assert_eq!(r.spec().channels, 1);
        let v: Vec<i32> = r.into_samples::<i32>().map(|x| x.unwrap()).collect();
        assert_eq!(v.len(), 4000);
        assert!(v.iter().all(|x| (6143..=6145).contains(x)));
        let mean = v.iter().map(|x| f64::from(*x)).sum::<f64>() / v.len() as f64;
        assert!((mean - 6144.0).abs() < 0.05, "mean {mean}");
        assert!(v.iter().any(|x| *x != 6144), "dithered");
        let p = temp("i24.wav");
        let mut w = WavWriter::create_with(&p, 44100, 2, 24, 1.0).unwrap();
        w.write(&[0.5; 100], &[-1.5; 100]).unwrap();
        w.finish().unwrap();
        let v: Vec<i32> = hound::WavReader::open(&p)
            .unwrap()
            .into_samples::<i32>()
            .map(|x| x.unwrap())
            .collect();
        assert!(v
            .chunks(2)
            .all(|f| (f[0] - (1 << 22)).abs() <= 1 && f[1] == -(1 << 23)));
        assert!(WavWriter::create_with(temp("x.wav"), 44100, 2, 8, 1.0).is_err());
    }
}
