//! The master safety stage: non-finite samples flushed to 0, then a transparent peak limiter at −1 dBFS.
//!
//! The limiter's gain is exactly 1.0 while every sample stays within ±[`THRESHOLD`], so quiet
//! material passes bit for bit. A frame whose larger channel would exceed the threshold gets, at
//! once (no look-ahead, so no added latency), the gain that brings it to the threshold; the gain
//! is held for 20 ms after the last such frame (so the next periods of a loud tone above 50 Hz
//! pass under the held gain instead of being flattened again), then recovers towards 1 with a
//! 50 ms time constant and snaps to exactly 1 when within 1e-6. Both channels share the gain (the
//! stereo image stays). The output peak is the threshold (within f32 rounding). The one
//! approximation of instant attack: the frames of the first overshoot that rise above the
//! threshold land on it, a flat top a fraction of a millisecond long, once per new peak level.

/// −1 dBFS.
pub const THRESHOLD: f32 = 0.891_250_9;
/// Release time constant, seconds.
pub const RELEASE_SECONDS: f32 = 0.05;
/// Hold after the last limited frame, seconds.
pub const HOLD_SECONDS: f32 = 0.02;

/// Master safety limiter and its counters.
#[derive(Debug, Clone)]
pub struct Limiter {
    /// 1 − gain, kept instead of the gain so the release does not stall on f32 rounding near 1.
    reduction: f32,
    release: f32,
    hold: u32,
    hold_left: u32,
    /// Frames where the gain was below 1.
    pub limited_frames: u64,
    /// Lowest gain applied so far (1 if never limited).
    pub min_gain: f32,
    /// Samples that were NaN or ±Inf and were replaced by 0.
    pub nonfinite: u64,
}

impl Limiter {
    /// A limiter at `sample_rate`.
    pub fn new(sample_rate: f32) -> Limiter {
        Limiter {
            reduction: 0.0,
            release: (-1.0 / (RELEASE_SECONDS * sample_rate)).exp(),
            hold: (HOLD_SECONDS * sample_rate).round() as u32,
            hold_left: 0,
            limited_frames: 0,
            min_gain: 1.0,
            nonfinite: 0,
        }
    }

    /// The gain in force after the last frame.
    pub fn gain(&self) -> f32 {
        1.0 - self.reduction
    }

    /// Flushes and limits one block in place. Render thread.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        let mut seen = (0, 0);
        flush(left, &mut seen);
        flush(right, &mut seen);
        let (bad, peak) = (seen.0, f32::from_bits(seen.1));
        self.nonfinite += u64::from(bad);
        if self.reduction == 0.0 && peak <= THRESHOLD {
            return;
        }
        let mut d = self.reduction;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let m = l.abs().max(r.abs());
            if self.hold_left > 0 {
                self.hold_left -= 1;
            } else if d > 0.0 {
                d *= self.release;
                if d <= 1e-6 {
                    d = 0.0;
                }
            }
            let mut g = 1.0 - d;
            if m * g > THRESHOLD {
                g = THRESHOLD / m;
                d = 1.0 - g;
                self.hold_left = self.hold;
            }
            if g < 1.0 {
                *l *= g;
                *r *= g;
                self.limited_frames += 1;
                self.min_gain = self.min_gain.min(g);
            }
        }
        self.reduction = d;
    }
}

/// Bits of |x| at and above which x is not finite (the exponent all ones).
const NOT_FINITE: u32 = 0x7f80_0000;

/// Replaces the non-finite samples of `x` by +0 and folds into `seen` (count, peak bits) how
/// many there were and the bits of the largest |x| after that. On the bits: a finite |x|
/// orders as its bits do (sign bit clear), so the peak is an integer max and the loop
/// vectorizes (a float `max` reduction does not); the peak is the same value either way.
#[inline(always)]
fn flush_loop(x: &mut [f32], seen: &mut (u32, u32)) {
    let (mut bad, mut peak) = *seen;
    for v in x.iter_mut() {
        let mag = v.to_bits() & 0x7fff_ffff;
        let finite = mag < NOT_FINITE;
        bad += u32::from(!finite);
        *v = if finite { *v } else { 0.0 };
        peak = peak.max(if finite { mag } else { 0 });
    }
    *seen = (bad, peak);
}

crate::multiversion! {
    /// [`flush_loop`] at the current SIMD level.
    fn flush(x: &mut [f32], seen: &mut (u32, u32)) => flush_loop
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flush at this CPU's SIMD level, its scalar twin and the float definition (is it
    /// finite, else 0; the largest |x|) agree on every sample and the count, for samples that
    /// include NaN of either sign, ±∞, −0, subnormals and the largest finite values.
    #[test]
    fn the_flush_and_its_scalar_twin_are_the_float_definition() {
        let special = [
            f32::NAN,
            -f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -0.0,
            f32::MIN_POSITIVE / 4.0,
            f32::MAX,
            f32::MIN,
        ];
        let x: Vec<f32> = (0..1031u32)
            .map(|i| match i % 97 {
                k @ 0..=7 => special[k as usize],
                _ => ((i * 7919) % 1013) as f32 / 97.0 - 5.2,
            })
            .collect();
        let (mut want, mut bad, mut peak) = (x.clone(), 0u32, 0.0f32);
        for v in want.iter_mut() {
            if !v.is_finite() {
                *v = 0.0;
                bad += 1;
            }
            peak = peak.max(v.abs());
        }
        for f in [flush as fn(&mut [f32], &mut (u32, u32)), flush_loop] {
            let (mut got, mut seen) = (x.clone(), (0, 0));
            f(&mut got, &mut seen);
            assert_eq!(seen, (bad, peak.to_bits()));
            assert!(got
                .iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }

    fn sine(amp: f32, n: usize) -> Vec<f32> {
        (0..n).map(|i| amp * (i as f32 * 0.0627).sin()).collect()
    }

    #[test]
    fn quiet_signal_is_bit_exact() {
        let mut lim = Limiter::new(44100.0);
        let x = sine(0.5, 10000);
        let (mut l, mut r) = (x.clone(), x.clone());
        for (a, b) in l.chunks_mut(64).zip(r.chunks_mut(64)) {
            lim.process(a, b);
        }
        assert!(l.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(r.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(
            (lim.limited_frames, lim.min_gain, lim.nonfinite),
            (0, 1.0, 0)
        );
    }

    #[test]
    fn loud_signal_is_limited_without_clipping_and_recovers_exactly() {
        let mut lim = Limiter::new(44100.0);
        let x = sine(2.0, 20000);
        let (mut l, mut r) = (x.clone(), vec![0.0; x.len()]);
        for (a, b) in l.chunks_mut(100).zip(r.chunks_mut(100)) {
            lim.process(a, b);
        }
        let peak = l.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(peak <= THRESHOLD + 1e-6, "peak {peak}");
        assert!(
            peak > THRESHOLD - 1e-3,
            "limited to the threshold, not below: {peak}"
        );
        assert!(lim.limited_frames > 0);
        assert!(
            (lim.min_gain - THRESHOLD / 2.0).abs() < 1e-3,
            "min gain {}",
            lim.min_gain
        );
        // Not a clipper: after the first overshoot the output is the input times a slowly moving
        // gain, so near the peaks (where a clipper would flatten) the ratio output/input stays
        // within 1 % over the second half (a clipper at the threshold would give ratios from
        // 0.45 at the peaks to 1 at |x| = 0.89).
        let ratios: Vec<f32> = (10000..20000)
            .filter(|&i| x[i].abs() > 0.5)
            .map(|i| l[i] / x[i])
            .collect();
        let (lo, hi) = ratios
            .iter()
            .fold((f32::MAX, 0.0f32), |(a, b), r| (a.min(*r), b.max(*r)));
        assert!(hi / lo < 1.01, "gain varies from {lo} to {hi}");
        // Afterwards silence, then a quiet sine 1 s later passes bit for bit: the gain is exactly 1.
        let mut z = vec![0.0f32; 44100];
        let mut z2 = z.clone();
        lim.process(&mut z, &mut z2);
        assert_eq!(lim.gain(), 1.0);
        let q = sine(0.5, 1000);
        let (mut a, mut b) = (q.clone(), q.clone());
        lim.process(&mut a, &mut b);
        assert!(a.iter().zip(&q).all(|(x, y)| x.to_bits() == y.to_bits()));
    }

    #[test]
    fn nonfinite_samples_become_zero_and_are_counted() {
        let mut lim = Limiter::new(48000.0);
        let mut l = vec![0.1, f32::NAN, f32::INFINITY, 0.2];
        let mut r = vec![f32::NEG_INFINITY, 0.3, 0.0, f32::NAN];
        lim.process(&mut l, &mut r);
        assert_eq!(l, vec![0.1, 0.0, 0.0, 0.2]);
        assert_eq!(r, vec![0.0, 0.3, 0.0, 0.0]);
        assert_eq!(lim.nonfinite, 4);
        assert_eq!(lim.limited_frames, 0);
    }
}
