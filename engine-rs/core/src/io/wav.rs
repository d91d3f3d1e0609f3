//! WAV file output: interleaved 32-bit float (stereo by default) or 16/24-bit PCM with TPDF dither, readable at every moment and past 4 GiB.
//!
//! [`WavWriter::create_with`] takes the bit depth (32 float; 24 or 16 integer), the channel count
//! (2, or 1 = the mean of left and right) and a linear gain applied before quantization. Integer
//! output adds triangular (TPDF) dither of ±1 LSB peak from a fixed-seed generator (so a render
//! is bit-identical every time), rounds, and clamps to the integer range.
//!
//! **Readable after a crash.** The header's RIFF and data sizes are rewritten as the file grows:
//! at least once a second of wall time and every [`UPDATE_BYTES`] of audio (the buffered data is
//! flushed first, then the whole header is rewritten at offset 0 in one positioned write; the
//! write position does not move). A process killed at any moment (SIGKILL, a crash, a power cut
//! after the kernel wrote the pages) leaves a valid WAV holding everything up to the last update.
//!
//! **Past 4 GiB: RF64** (EBU Tech 3306). A RIFF size field has 32 bits, so a plain WAV holds at
//! most 4 GiB − 8; a 24-hour render at 48 kHz in stereo float is 33 GB, and a `live --record`
//! session has no length known in advance, so refusing up front cannot work for it. Every file
//! starts as a plain WAV whose header reserves a 28-byte `JUNK` chunk (which every reader skips);
//! when the file outgrows 32 bits, the header update turns `RIFF` into `RF64` (size field
//! 0xFFFFFFFF), the `JUNK` chunk into `ds64` (the 64-bit RIFF size, data size and frame count)
//! and the data size field into 0xFFFFFFFF. Files under 4 GiB stay plain WAVs that any player opens.

use std::fs::File;
use std::io::{BufWriter, Write};
#[cfg(not(unix))]
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::EngineError;

/// Creates `path` for writing, empty. An existing regular file with one name is replaced by a
/// new file with its permissions: the old one is opened for writing first (so a read-only file
/// is refused as `File::create` would refuse it), unlinked, and its descriptor is closed on a
/// thread of its own, where the file system frees its blocks. Truncating in place frees them
/// in this call (5 ms for a 21 MB WAV on ext4, measured with strace). Anything else (a
/// symlink, a file with other names, no file) is created or truncated in place. Control thread.
fn create_replacing(path: &Path) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if meta.file_type().is_file() && meta.nlink() == 1 && meta.len() > 0 {
                let old = std::fs::OpenOptions::new().write(true).open(path)?;
                if std::fs::remove_file(path).is_ok() {
                    let file = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(path)?;
                    // Best effort, as the new file is already there: the old mode.
                    let _ = file.set_permissions(meta.permissions());
                    // Where no thread can be started, the old file is closed here.
                    let _ = std::thread::Builder::new()
                        .name("phonon-unlink".into())
                        .spawn(move || drop(old));
                    return Ok(file);
                }
            }
        }
    }
    File::create(path)
}

/// Audio bytes written between two header updates, at most (4 MiB).
pub const UPDATE_BYTES: u64 = 4 << 20;
/// Wall time between two header updates, at most (when anything was written).
pub const UPDATE_INTERVAL: Duration = Duration::from_secs(1);
/// The file's write buffer.
const BUFFER_BYTES: usize = 256 << 10;
/// The largest value of a 32-bit RIFF size field: past it the file is written as RF64.
pub const RIFF_LIMIT: u64 = u32::MAX as u64;

const SUBTYPE_PCM: [u8; 16] = [
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];
const SUBTYPE_IEEE_FLOAT: [u8; 16] = [
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];

/// What the header describes: rate, channels and sample format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavFormat {
    /// Frames per second.
    pub sample_rate: u32,
    /// 1 or 2.
    pub channels: u16,
    /// 16 or 24 (PCM) or 32 (float).
    pub bits: u16,
}

impl WavFormat {
    /// Bytes per frame.
    pub fn block_align(&self) -> u64 {
        u64::from(self.channels) * u64::from(self.bits / 8)
    }

    /// The fmt chunk's body: PCMWAVEFORMAT (16 bytes) for 16-bit, WAVEFORMATEXTENSIBLE (40 bytes)
    /// for more bits, as hound (the writer used before) wrote them.
    fn fmt_body(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(40);
        let extensible = self.bits > 16;
        let bytes_per_sec = self.sample_rate * u32::from(self.channels) * u32::from(self.bits / 8);
        let tag: u16 = if extensible {
            0xfffe
        } else if self.bits == 32 {
            3
        } else {
            1
        };
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&self.channels.to_le_bytes());
        b.extend_from_slice(&self.sample_rate.to_le_bytes());
        b.extend_from_slice(&bytes_per_sec.to_le_bytes());
        b.extend_from_slice(&(self.channels * (self.bits / 8)).to_le_bytes());
        b.extend_from_slice(&self.bits.to_le_bytes());
        if extensible {
            b.extend_from_slice(&22u16.to_le_bytes());
            b.extend_from_slice(&self.bits.to_le_bytes());
            let mask: u32 = if self.channels == 1 { 1 } else { 3 };
            b.extend_from_slice(&mask.to_le_bytes());
            b.extend_from_slice(if self.bits == 32 {
                &SUBTYPE_IEEE_FLOAT
            } else {
                &SUBTYPE_PCM
            });
        }
        b
    }

    /// Header bytes before the audio: RIFF/RF64 (12), JUNK/ds64 (36), fmt (24 or 48), data (8).
    pub fn header_len(&self) -> u64 {
        12 + 36 + 8 + self.fmt_body().len() as u64 + 8
    }

    /// The header of a file holding `data_bytes` of audio (`frames` frames), plus `pad` (0 or 1:
    /// the byte after odd-sized data, written when the file is finished). A plain RIFF header
    /// while the RIFF size (file size − 8) fits in `limit` ([`RIFF_LIMIT`]), RF64 past it.
    pub fn header(&self, data_bytes: u64, frames: u64, pad: u64, limit: u64) -> Vec<u8> {
        let len = self.header_len();
        let riff_size = len - 8 + data_bytes + pad;
        let rf64 = riff_size > limit;
        let mut h = Vec::with_capacity(len as usize);
        h.extend_from_slice(if rf64 { b"RF64" } else { b"RIFF" });
        h.extend_from_slice(&(if rf64 { u32::MAX } else { riff_size as u32 }).to_le_bytes());
        h.extend_from_slice(b"WAVE");
        // ds64 (EBU Tech 3306): riff size, data size, sample count (64-bit each), table length 0.
        // Until it is needed the same 36 bytes are a JUNK chunk that readers skip.
        h.extend_from_slice(if rf64 { b"ds64" } else { b"JUNK" });
        h.extend_from_slice(&28u32.to_le_bytes());
        if rf64 {
            h.extend_from_slice(&riff_size.to_le_bytes());
            h.extend_from_slice(&data_bytes.to_le_bytes());
            h.extend_from_slice(&frames.to_le_bytes());
            h.extend_from_slice(&0u32.to_le_bytes());
        } else {
            h.extend_from_slice(&[0u8; 28]);
        }
        let fmt = self.fmt_body();
        h.extend_from_slice(b"fmt ");
        h.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
        h.extend_from_slice(&fmt);
        h.extend_from_slice(b"data");
        h.extend_from_slice(&(if rf64 { u32::MAX } else { data_bytes as u32 }).to_le_bytes());
        debug_assert_eq!(h.len() as u64, len);
        h
    }
}

/// A WAV file being written. Call [`WavWriter::finish`] to write the final header and the pad
/// byte; a writer dropped without it is finished on a best-effort basis. Between updates the
/// header on disk always describes a prefix of the audio on disk.
pub struct WavWriter {
    file: Option<BufWriter<File>>,
    path: PathBuf,
    format: WavFormat,
    frames: u64,
    data_bytes: u64,
    /// Audio bytes the header on disk covers.
    covered: u64,
    last_update: Instant,
    /// The RIFF size past which the file is RF64 ([`RIFF_LIMIT`]; lower in tests).
    limit: u64,
    gain: f32,
    rng: u32,
    scratch: Vec<u8>,
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
        if path.is_dir() {
            return Err(EngineError::Io(format!(
                "cannot write {}: it is a directory",
                path.display()
            )));
        }
        let format = WavFormat {
            sample_rate,
            channels,
            bits,
        };
        let file = create_replacing(&path)
            .map_err(|e| EngineError::Io(format!("cannot write {}: {e}", path.display())))?;
        let mut w = WavWriter {
            file: Some(BufWriter::with_capacity(BUFFER_BYTES, file)),
            path,
            format,
            frames: 0,
            data_bytes: 0,
            covered: 0,
            last_update: Instant::now(),
            limit: RIFF_LIMIT,
            gain: if gain.is_finite() { gain } else { 1.0 },
            rng: 0x9E37_79B9,
            scratch: Vec::new(),
        };
        let header = format.header(0, 0, 0, w.limit);
        w.io("writing", |f| f.write_all(&header))?;
        Ok(w)
    }

    /// Test hook: switch to RF64 past `limit` bytes of RIFF size instead of 4 GiB.
    #[doc(hidden)]
    pub fn set_riff_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    fn io(
        &mut self,
        what: &str,
        f: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
    ) -> Result<(), EngineError> {
        let path = &self.path;
        let file = self.file.as_mut().ok_or_else(|| {
            EngineError::Io(format!("cannot write {}: already finished", path.display()))
        })?;
        f(file).map_err(|e| EngineError::Io(format!("{what} {}: {e}", path.display())))
    }

    /// Appends frames: `left[i]`, `right[i]` interleaved (a mono file writes `left` only). Writes
    /// `min(left.len(), right.len())` frames. Rewrites the header's sizes when a second has passed
    /// or [`UPDATE_BYTES`] were written since the last time.
    pub fn write(&mut self, left: &[f32], right: &[f32]) -> Result<(), EngineError> {
        let n = left.len().min(right.len());
        let WavFormat { bits, channels, .. } = self.format;
        let (gain, stereo) = (self.gain, channels == 2);
        let mut bytes = std::mem::take(&mut self.scratch);
        bytes.clear();
        bytes.reserve(n * self.format.block_align() as usize);
        let rng = &mut self.rng;
        let mut put = |x: f32| {
            let x = x * gain;
            if bits == 32 {
                bytes.extend_from_slice(&x.to_le_bytes());
                return;
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
                .clamp(-full, full - 1.0) as i32;
            bytes.extend_from_slice(&q.to_le_bytes()[..usize::from(bits / 8)]);
        };
        for (l, r) in left[..n].iter().zip(&right[..n]) {
            if stereo {
                put(*l);
                put(*r);
            } else {
                put(0.5 * (*l + *r));
            }
        }
        let result = self.io("writing", |f| f.write_all(&bytes));
        self.scratch = bytes;
        result?;
        self.frames += n as u64;
        self.data_bytes += n as u64 * self.format.block_align();
        if self.data_bytes - self.covered >= UPDATE_BYTES
            || (self.data_bytes > self.covered && self.last_update.elapsed() >= UPDATE_INTERVAL)
        {
            self.update_header(0)?;
        }
        Ok(())
    }

    /// Flushes the buffered audio, then rewrites the whole header at offset 0 in one write
    /// (the write position stays at the end): the header then covers every byte written.
    fn update_header(&mut self, pad: u64) -> Result<(), EngineError> {
        let header = self
            .format
            .header(self.data_bytes, self.frames, pad, self.limit);
        self.io("writing", |f| {
            f.flush()?;
            write_at_start(f.get_mut(), &header)
        })?;
        self.covered = self.data_bytes;
        self.last_update = Instant::now();
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

    /// Writes the pad byte (after odd-sized audio) and the final header, and closes the file.
    pub fn finish(mut self) -> Result<(), EngineError> {
        self.finish_in_place()
    }

    fn finish_in_place(&mut self) -> Result<(), EngineError> {
        if self.file.is_none() {
            return Ok(());
        }
        let pad = self.data_bytes & 1;
        if pad == 1 {
            self.io("finishing", |f| f.write_all(&[0]))?;
        }
        let r = self.update_header(pad);
        self.file = None;
        r
    }
}

impl Drop for WavWriter {
    fn drop(&mut self) {
        let _ = self.finish_in_place();
    }
}

/// Writes `bytes` at offset 0 of `file` without moving its position.
#[cfg(unix)]
fn write_at_start(file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_all_at(bytes, 0)
}

#[cfg(not(unix))]
fn write_at_start(file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
    let end = file.stream_position()?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(bytes)?;
    file.seek(SeekFrom::Start(end))?;
    Ok(())
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

    /// Writing over an existing, longer WAV (replaced, not truncated: `create_replacing`) leaves
    /// exactly the new file, with the old file's permissions; a read-only file is refused and
    /// kept; a symlink is written through.
    #[cfg(unix)]
    #[test]
    fn an_existing_file_is_replaced_whole() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp("replace.wav");
        std::fs::write(&path, vec![7u8; 1 << 20]).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let mut w = WavWriter::create(&path, 48000, 1).unwrap();
        w.write(&[0.5; 100], &[0.5; 100]).unwrap();
        w.finish().unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let mono = WavFormat {
            sample_rate: 48000,
            channels: 1,
            bits: 32,
        };
        assert_eq!(meta.len(), mono.header_len() + 400, "header and 100 floats");
        assert_eq!(meta.permissions().mode() & 0o777, 0o640);
        let r = hound::WavReader::open(&path).unwrap();
        let samples: Vec<f32> = r.into_samples::<f32>().map(|x| x.unwrap()).collect();
        assert_eq!(samples, vec![0.5; 100]);
        // Read-only: refused wherever opening it for writing is refused (root may write it, as
        // `File::create` may), and then the file is still there as it was.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o440)).unwrap();
        let before = std::fs::read(&path).unwrap();
        let writable = std::fs::OpenOptions::new().write(true).open(&path).is_ok();
        let created = WavWriter::create(&path, 48000, 1);
        assert_eq!(created.is_ok(), writable);
        drop(created);
        if !writable {
            assert_eq!(std::fs::read(&path).unwrap(), before);
        }
        std::fs::remove_file(&path).unwrap();
        // A symlink: the file it names is written.
        let target = temp("replace-target.wav");
        let link = temp("replace-link.wav");
        std::fs::write(&target, vec![7u8; 1 << 16]).unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let mut w = WavWriter::create(&link, 48000, 1).unwrap();
        w.write(&[0.25; 10], &[0.25; 10]).unwrap();
        w.finish().unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(hound::WavReader::open(&target).unwrap().len(), 10);
        std::fs::remove_file(&link).unwrap();
        std::fs::remove_file(&target).unwrap();
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

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }
    fn u64_at(b: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
    }

    const STEREO_FLOAT: WavFormat = WavFormat {
        sample_rate: 44100,
        channels: 2,
        bits: 32,
    };

    /// The size arithmetic past 4 GiB, without writing 4 GiB: a plain RIFF header up to a RIFF
    /// size of exactly 0xFFFFFFFF, RF64 (EBU Tech 3306) one byte later, and the issue's
    /// 13,000 s render (4,586,400,000 bytes of stereo float at 44.1 kHz) as RF64 with exact
    /// 64-bit sizes instead of a RIFF size that wraps to 826 s.
    #[test]
    fn rf64_past_4_gib() {
        let f = STEREO_FLOAT;
        let len = f.header_len();
        assert_eq!(len, 104);
        assert_eq!(
            WavFormat {
                sample_rate: 44100,
                channels: 2,
                bits: 16
            }
            .header_len(),
            80
        );
        // The largest plain file: RIFF size = len − 8 + data = u32::MAX.
        let last = RIFF_LIMIT - (len - 8);
        let h = f.header(last, last / 8, 0, RIFF_LIMIT);
        assert_eq!(&h[0..4], b"RIFF");
        assert_eq!(u32_at(&h, 4), u32::MAX);
        assert_eq!(&h[12..16], b"JUNK");
        assert_eq!(u32_at(&h, len as usize - 4), last as u32);
        // One byte more (only possible through a pad byte here, but the rule is the size).
        let h = f.header(last, last / 8, 1, RIFF_LIMIT);
        assert_eq!(&h[0..4], b"RF64");
        assert_eq!(u32_at(&h, 4), u32::MAX);
        assert_eq!(&h[12..16], b"ds64");
        assert_eq!(u32_at(&h, 16), 28);
        assert_eq!(u64_at(&h, 20), RIFF_LIMIT + 1);
        // 13,000 s at 44.1 kHz, stereo float.
        let frames = 13_000 * 44_100u64;
        let data = frames * 8;
        assert_eq!(data, 4_586_400_000);
        let h = f.header(data, frames, 0, RIFF_LIMIT);
        assert_eq!(&h[0..4], b"RF64");
        assert_eq!(u64_at(&h, 20), data + len - 8, "ds64 riff size");
        assert_eq!(u64_at(&h, 28), data, "ds64 data size");
        assert_eq!(u64_at(&h, 36), frames, "ds64 sample count");
        assert_eq!(u32_at(&h, 44), 0, "ds64 table length");
        assert_eq!(&h[len as usize - 8..len as usize - 4], b"data");
        assert_eq!(u32_at(&h, len as usize - 4), u32::MAX);
        // What a 32-bit size would have said: 291,432,704 bytes, 826 s.
        assert_eq!((data as u32) / (44_100 * 8), 826);
    }

    /// A file written past a (lowered) limit becomes RF64 on disk, and its ds64 sizes match the
    /// file; the audio is intact.
    #[test]
    fn rf64_file_on_disk() {
        let path = temp("rf64.wav");
        let mut w = WavWriter::create(&path, 48000, 2).unwrap();
        w.set_riff_limit(10_000);
        let x: Vec<f32> = (0..3000).map(|i| i as f32 / 3000.0).collect();
        w.write(&x, &x).unwrap();
        w.finish().unwrap();
        let b = std::fs::read(&path).unwrap();
        assert_eq!(&b[0..4], b"RF64");
        assert_eq!(&b[12..16], b"ds64");
        assert_eq!(u64_at(&b, 20), b.len() as u64 - 8);
        assert_eq!(u64_at(&b, 28), 24_000);
        assert_eq!(u64_at(&b, 36), 3000);
        let at = 104;
        assert_eq!(&b[at - 8..at - 4], b"data");
        for i in 0..3000 {
            let l = f32::from_le_bytes(b[at + 8 * i..at + 8 * i + 4].try_into().unwrap());
            assert_eq!(l, x[i]);
        }
        std::fs::remove_file(&path).unwrap();
    }

    /// A writer that is never finished (the process killed: the writer is leaked, its buffer
    /// lost) leaves a WAV whose header covers the audio written up to the last update: every
    /// UPDATE_BYTES, and after a second of wall time.
    #[test]
    fn header_sizes_stay_valid_without_finish() {
        let path = temp("crash.wav");
        let mut w = WavWriter::create(&path, 48000, 2).unwrap();
        let block = vec![0.25f32; 4096];
        let per_block = 4096 * 8;
        let blocks = (UPDATE_BYTES / per_block) as usize + 3;
        for _ in 0..blocks {
            w.write(&block, &block).unwrap();
        }
        std::mem::forget(w);
        let b = std::fs::read(&path).unwrap();
        let data = u32_at(&b, 100) as u64;
        assert_eq!(data, UPDATE_BYTES, "updated once, at 4 MiB");
        assert_eq!(u32_at(&b, 4) as u64, data + 104 - 8);
        assert!(b.len() as u64 >= 104 + data);
        let r = hound::WavReader::open(&path).unwrap();
        assert_eq!(r.duration() as u64, data / 8);
        let s: Vec<f32> = r.into_samples::<f32>().map(|x| x.unwrap()).collect();
        assert!(s.iter().all(|x| *x == 0.25));

        // A slow writer (live --record): a second later the next write updates the header.
        let path = temp("slow.wav");
        let mut w = WavWriter::create(&path, 48000, 2).unwrap();
        w.write(&block[..480], &block[..480]).unwrap();
        std::thread::sleep(UPDATE_INTERVAL + Duration::from_millis(50));
        w.write(&block[..480], &block[..480]).unwrap();
        std::mem::forget(w);
        let b = std::fs::read(&path).unwrap();
        assert_eq!(u32_at(&b, 100), 960 * 8);
        assert_eq!(hound::WavReader::open(&path).unwrap().duration(), 960);
        let _ = std::fs::remove_file(&path);
    }

    /// Odd-sized audio (24-bit mono, odd frames) gets its pad byte, counted in the RIFF size.
    #[test]
    fn odd_data_is_padded() {
        let path = temp("odd.wav");
        let mut w = WavWriter::create_with(&path, 44100, 1, 24, 1.0).unwrap();
        w.write(&[0.5; 3], &[0.5; 3]).unwrap();
        w.finish().unwrap();
        let b = std::fs::read(&path).unwrap();
        assert_eq!(b.len(), 104 + 9 + 1);
        assert_eq!(u32_at(&b, 4) as usize, b.len() - 8);
        assert_eq!(u32_at(&b, 100), 9);
        assert_eq!(hound::WavReader::open(&path).unwrap().duration(), 3);
    }

    #[test]
    fn a_directory_is_refused() {
        let e = WavWriter::create(std::env::temp_dir(), 44100, 2)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("is a directory"), "{e}");
    }
}
