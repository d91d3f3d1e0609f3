//! The built-in drum kit: short deterministic sounds synthesized at the engine's sample rate, so `s "bd sn"` works with no files.
//!
//! Every sound is mono, starts at full level at frame 0 (onset detection finds frame 0), ends
//! with a 2 ms fade to exact zero, and is normalized to a peak of [`PEAK`]. Noise comes from a
//! fixed-seed xorshift, so the kit is the same on every run and machine (up to the platform's
//! `sin`/`exp`). Each name has two variants (`bd:0`, `bd:1`).

use std::f64::consts::TAU;

use crate::samples::{Sample, SampleBank};

/// Peak level of every kit sound.
pub const PEAK: f32 = 0.85;

/// The kit's names, in the order they are added to the bank.
pub const NAMES: &[&str] = &["bd", "sn", "hh", "oh", "cp", "lt", "mt", "ht", "rim", "cb"];

/// Deterministic white noise in −1..1.
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 as f64 / u32::MAX as f64 * 2.0 - 1.0
    }
}

/// One-pole lowpass coefficient for a corner at `hz`.
fn one_pole(hz: f64, sr: f64) -> f64 {
    1.0 - (-TAU * hz / sr).exp()
}

/// Noise through `stages` one-pole highpasses at `hz`.
fn hp_noise(n: usize, sr: f64, hz: f64, stages: usize, seed: u32) -> Vec<f64> {
    let mut rng = Noise(seed);
    let a = one_pole(hz, sr);
    let mut lp = vec![0.0; stages];
    (0..n)
        .map(|_| {
            let mut x = rng.next();
            for s in lp.iter_mut() {
                *s += a * (x - *s);
                x -= *s;
            }
            x
        })
        .collect()
}

/// A sine whose frequency glides from `f0 + df` to `f0` with time constant `glide` seconds,
/// starting at phase 1/4 (a cosine) so frame 0 is at full level.
fn swept_tone(n: usize, sr: f64, f0: f64, df: f64, glide: f64) -> Vec<f64> {
    let mut phase = 0.25;
    (0..n)
        .map(|i| {
            let t = i as f64 / sr;
            let v = (TAU * phase).sin();
            phase += (f0 + df * (-t / glide).exp()) / sr;
            phase -= phase.floor();
            v
        })
        .collect()
}

fn decay(i: usize, sr: f64, tau: f64) -> f64 {
    (-(i as f64) / sr / tau).exp()
}

/// Fades the last 2 ms to zero and normalizes the peak to [`PEAK`].
fn finish(mut x: Vec<f64>, sr: f64) -> Sample {
    let n = x.len();
    let fade = ((0.002 * sr) as usize).clamp(1, n);
    for k in 0..fade {
        x[n - fade + k] *= 1.0 - (k + 1) as f64 / fade as f64;
    }
    let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let g = if peak > 0.0 { PEAK as f64 / peak } else { 0.0 };
    Sample::mono(x.iter().map(|v| (v * g) as f32).collect())
}

fn len(sr: f64, seconds: f64) -> usize {
    ((seconds * sr) as usize).max(8)
}

fn kick(sr: f64, seconds: f64, f0: f64, df: f64, glide: f64, tau: f64) -> Sample {
    let n = len(sr, seconds);
    let body = swept_tone(n, sr, f0, df, glide);
    let click = hp_noise(n, sr, 2000.0, 1, 7);
    finish(
        (0..n)
            .map(|i| body[i] * decay(i, sr, tau) + 0.15 * click[i] * decay(i, sr, 0.002))
            .collect(),
        sr,
    )
}

fn snare(sr: f64, seconds: f64, f0: f64, tone_tau: f64, noise_tau: f64, seed: u32) -> Sample {
    let n = len(sr, seconds);
    let tone = swept_tone(n, sr, f0, f0 * 0.5, 0.02);
    let noise = hp_noise(n, sr, 1200.0, 1, seed);
    finish(
        (0..n)
            .map(|i| 0.6 * tone[i] * decay(i, sr, tone_tau) + noise[i] * decay(i, sr, noise_tau))
            .collect(),
        sr,
    )
}

fn hat(sr: f64, seconds: f64, hz: f64, tau: f64, seed: u32) -> Sample {
    let n = len(sr, seconds);
    let noise = hp_noise(n, sr, hz, 2, seed);
    finish((0..n).map(|i| noise[i] * decay(i, sr, tau)).collect(), sr)
}

fn clap(sr: f64, seconds: f64, gap: f64, tau: f64, seed: u32) -> Sample {
    let n = len(sr, seconds);
    let noise = hp_noise(n, sr, 800.0, 2, seed);
    finish(
        (0..n)
            .map(|i| {
                let t = i as f64 / sr;
                let mut env = 0.0f64;
                for k in 0..3 {
                    let t0 = k as f64 * gap;
                    if t >= t0 {
                        env = env.max((-(t - t0) / 0.004).exp());
                    }
                }
                let t2 = 2.0 * gap;
                if t >= t2 {
                    env = env.max(0.6 * (-(t - t2) / tau).exp());
                }
                noise[i] * env
            })
            .collect(),
        sr,
    )
}

fn tom(sr: f64, seconds: f64, f0: f64, tau: f64) -> Sample {
    let n = len(sr, seconds);
    let body = swept_tone(n, sr, f0, f0 * 0.5, 0.05);
    finish((0..n).map(|i| body[i] * decay(i, sr, tau)).collect(), sr)
}

fn rim(sr: f64, seconds: f64, f0: f64, seed: u32) -> Sample {
    let n = len(sr, seconds);
    let hi = swept_tone(n, sr, f0, 0.0, 1.0);
    let lo = swept_tone(n, sr, f0 * 0.28, 0.0, 1.0);
    let click = hp_noise(n, sr, 3000.0, 1, seed);
    finish(
        (0..n)
            .map(|i| {
                hi[i] * decay(i, sr, 0.006)
                    + 0.6 * lo[i] * decay(i, sr, 0.01)
                    + 0.3 * click[i] * decay(i, sr, 0.001)
            })
            .collect(),
        sr,
    )
}

fn cowbell(sr: f64, seconds: f64, f1: f64, f2: f64, tau: f64) -> Sample {
    let n = len(sr, seconds);
    // Two band-limited squares (odd harmonics 1, 3, 5), cosine phase.
    let sq = |f: f64, i: usize| {
        let t = i as f64 / sr;
        [1.0, 3.0, 5.0]
            .iter()
            .map(|h| (TAU * f * h * t).cos() / h)
            .sum::<f64>()
    };
    finish(
        (0..n)
            .map(|i| (sq(f1, i) + sq(f2, i)) * decay(i, sr, tau))
            .collect(),
        sr,
    )
}

/// Both variants of `name` at `sample_rate`, or an empty list for a name not in the kit.
pub fn synthesize(name: &str, sample_rate: u32) -> Vec<Sample> {
    let sr = sample_rate as f64;
    match name {
        "bd" => vec![
            kick(sr, 0.3, 50.0, 100.0, 0.04, 0.08),
            kick(sr, 0.45, 45.0, 140.0, 0.03, 0.12),
        ],
        "sn" => vec![
            snare(sr, 0.2, 185.0, 0.04, 0.06, 11),
            snare(sr, 0.25, 220.0, 0.05, 0.09, 12),
        ],
        "hh" => vec![
            hat(sr, 0.06, 7000.0, 0.012, 21),
            hat(sr, 0.08, 9000.0, 0.018, 22),
        ],
        "oh" => vec![
            hat(sr, 0.4, 6000.0, 0.12, 31),
            hat(sr, 0.5, 8000.0, 0.18, 32),
        ],
        "cp" => vec![
            clap(sr, 0.2, 0.01, 0.05, 41),
            clap(sr, 0.25, 0.012, 0.07, 42),
        ],
        "lt" => vec![tom(sr, 0.35, 80.0, 0.12), tom(sr, 0.35, 90.0, 0.14)],
        "mt" => vec![tom(sr, 0.3, 120.0, 0.1), tom(sr, 0.3, 134.0, 0.11)],
        "ht" => vec![tom(sr, 0.25, 180.0, 0.08), tom(sr, 0.25, 200.0, 0.09)],
        "rim" => vec![rim(sr, 0.05, 1700.0, 51), rim(sr, 0.06, 1900.0, 52)],
        "cb" => vec![
            cowbell(sr, 0.25, 540.0, 800.0, 0.06),
            cowbell(sr, 0.3, 587.0, 845.0, 0.08),
        ],
        _ => Vec::new(),
    }
}

/// A bank holding the whole kit and nothing else. Control thread (or the kit's own thread).
pub fn bank(sample_rate: u32) -> SampleBank {
    let mut bank = SampleBank::default();
    add_to(&mut bank, sample_rate);
    bank
}

/// Adds the whole kit to `bank`. Control thread.
pub fn add_to(bank: &mut SampleBank, sample_rate: u32) {
    for name in NAMES {
        for s in synthesize(name, sample_rate) {
            bank.add(name, s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sound_has_a_sharp_onset_the_right_peak_and_a_clean_end() {
        let sr = 44100;
        for name in NAMES {
            let v = synthesize(name, sr);
            assert_eq!(v.len(), 2, "{name}");
            assert_ne!(v[0], v[1], "{name}: variants differ");
            for (k, s) in v.iter().enumerate() {
                let (x, _) = s.left_right();
                let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                assert!((peak - PEAK).abs() < 1e-6, "{name}:{k} peak {peak}");
                assert!(x[0] != 0.0, "{name}:{k} starts at zero");
                // Within the first 3 ms the sound reaches at least half its peak.
                let early = x[..132].iter().fold(0.0f32, |m, v| m.max(v.abs()));
                assert!(early >= 0.5 * PEAK, "{name}:{k} early level {early}");
                assert_eq!(*x.last().unwrap(), 0.0, "{name}:{k} ends at zero");
                assert!(x.iter().all(|v| v.is_finite()));
            }
        }
        let bd = &synthesize("bd", sr)[0];
        assert!((bd.frames() as f64 / sr as f64 - 0.3).abs() < 0.01);
        let hh = &synthesize("hh", sr)[0];
        assert!((hh.frames() as f64 / sr as f64 - 0.06).abs() < 0.005);
        // Deterministic.
        assert_eq!(synthesize("sn", sr), synthesize("sn", sr));
    }
}
