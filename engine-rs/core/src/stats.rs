//! Render statistics: levels after the limiter, a fixed-size histogram of block render times, event and voice counters.

use serde::Serialize;

/// Histogram buckets: 32 one-nanosecond buckets, then 16 per octave up to about 18 minutes.
const BUCKETS: usize = 32 + 36 * 16;

fn bucket(ns: u64) -> usize {
    if ns < 32 {
        return ns as usize;
    }
    let e = 63 - ns.leading_zeros() as usize;
    let sub = ((ns >> (e - 4)) & 15) as usize;
    (32 + (e - 5) * 16 + sub).min(BUCKETS - 1)
}

/// Middle of bucket `b`, in nanoseconds.
fn bucket_mid(b: usize) -> f64 {
    if b < 32 {
        return b as f64;
    }
    let e = (b - 32) / 16 + 5;
    let sub = ((b - 32) % 16) as u64;
    let lo = (16 + sub) << (e - 4);
    let hi = (17 + sub) << (e - 4);
    (lo + hi) as f64 / 2.0
}

/// Counters kept by the render thread. Updating them never allocates.
#[derive(Debug, Clone)]
pub struct Meter {
    /// Frames rendered.
    pub frames: u64,
    /// Blocks rendered.
    pub blocks: u64,
    /// Largest |sample| per channel, after the limiter.
    pub peak: [f32; 2],
    /// Sum of squares per channel, after the limiter.
    pub sum_sq: [f64; 2],
    hist: Box<[u64; BUCKETS]>,
    max_ns: u64,
    /// Events applied after their frame had passed.
    pub late: u64,
    /// Events dropped because the pending queue was full.
    pub dropped: u64,
    /// Triggers that started nothing.
    pub ignored: u64,
    /// Voices sounding after the last block.
    pub voices: usize,
    /// Most voices at once.
    pub voices_peak: usize,
    /// Voices stolen.
    pub steals: u64,
    /// Kernel blocks whose voices were split across workers.
    pub voice_splits: u64,
    /// A meter's peak per channel: the block peak, falling back by 20 dB over 1.5 s.
    pub level_peak: [f32; 2],
    /// A meter's mean square per channel, averaged over about 300 ms.
    pub level_ms: [f64; 2],
    /// Frames per second, for the meters' ballistics and the budget.
    pub sample_rate: f32,
    /// Blocks that took longer to render than they last (a sure underrun in real time).
    pub over_budget: u64,
    /// Nodes silenced because their kernel panicked.
    pub faults: u64,
    /// The GraphIR id of the last of them, −1 for none.
    pub fault_node: i64,
}

impl Default for Meter {
    fn default() -> Meter {
        Meter {
            frames: 0,
            blocks: 0,
            peak: [0.0; 2],
            sum_sq: [0.0; 2],
            hist: Box::new([0; BUCKETS]),
            max_ns: 0,
            late: 0,
            dropped: 0,
            ignored: 0,
            voices: 0,
            voices_peak: 0,
            steals: 0,
            voice_splits: 0,
            level_peak: [0.0; 2],
            level_ms: [0.0; 2],
            sample_rate: 48000.0,
            over_budget: 0,
            faults: 0,
            fault_node: -1,
        }
    }
}

impl Meter {
    /// A meter whose ballistics are timed for `sample_rate` frames per second.
    pub fn with_rate(sample_rate: f32) -> Meter {
        Meter {
            sample_rate,
            ..Meter::default()
        }
    }

    /// Records one finished block (as written) and how long it took.
    pub fn block(&mut self, left: &[f32], right: &[f32], nanos: u64) {
        for (c, x) in [left, right].into_iter().enumerate() {
            let (mut peaks, mut sums) = ([0.0f32; 8], [0.0f64; 8]);
            peaks_and_squares(x, &mut peaks, &mut sums);
            let block_peak = peaks.iter().fold(0.0f32, |a, b| a.max(*b));
            let sq: f64 = sums.iter().sum();
            self.peak[c] = self.peak[c].max(block_peak);
            self.sum_sq[c] += sq;
            if !x.is_empty() {
                let n = x.len() as f32;
                // Peak hold falling 20 dB (×0.1) per 1.5 s; mean square with a 300 ms time constant.
                let fall = 0.1f32.powf(n / (1.5 * self.sample_rate));
                self.level_peak[c] = block_peak.max(self.level_peak[c] * fall);
                let a = (-(n as f64) / (0.3 * self.sample_rate as f64)).exp();
                self.level_ms[c] = a * self.level_ms[c] + (1.0 - a) * sq / n as f64;
            }
        }
        self.frames += left.len() as u64;
        self.blocks += 1;
        if nanos as f64 > left.len() as f64 / self.sample_rate as f64 * 1e9 {
            self.over_budget += 1;
        }
        self.hist[bucket(nanos)] += 1;
        self.max_ns = self.max_ns.max(nanos);
    }

    /// Block time at quantile `q` (0..1) in µs, from the histogram (within about 3 %).
    pub fn block_us(&self, q: f64) -> f64 {
        let total: u64 = self.hist.iter().sum();
        if total == 0 {
            return 0.0;
        }
        let want = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (b, count) in self.hist.iter().enumerate() {
            seen += count;
            if seen >= want {
                return bucket_mid(b).min(self.max_ns as f64) / 1000.0;
            }
        }
        self.max_ns as f64 / 1000.0
    }

    /// The slowest block, µs.
    pub fn block_max_us(&self) -> f64 {
        self.max_ns as f64 / 1000.0
    }
}

/// Folds `x` into eight running peaks of |x| and sums of x² (f64), one per frame mod 8, so the
/// loop has no chain of dependent additions and vectorizes; the caller combines them. The same
/// operations in the same order at every SIMD level, so the same bits.
#[inline(always)]
fn peaks_and_squares_loop(x: &[f32], peaks: &mut [f32; 8], sums: &mut [f64; 8]) {
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            peaks[k] = peaks[k].max(c[k].abs());
            sums[k] += (c[k] as f64) * (c[k] as f64);
        }
    }
    for (k, v) in rest.iter().enumerate() {
        peaks[k] = peaks[k].max(v.abs());
        sums[k] += (*v as f64) * (*v as f64);
    }
}

crate::multiversion! {
    /// [`peaks_and_squares_loop`] at the current SIMD level.
    fn peaks_and_squares(x: &[f32], peaks: &mut [f32; 8], sums: &mut [f64; 8]) => peaks_and_squares_loop
}

/// A snapshot of the engine's statistics (JSON keys in camelCase).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Frames per second.
    pub sample_rate: u32,
    /// Largest block.
    pub block_size: usize,
    /// Cycles per second of the loaded graph (0.5 when none).
    pub cps: f64,
    /// Frames rendered since the engine started.
    pub frames: u64,
    /// Blocks rendered.
    pub blocks: u64,
    /// Peak |sample| of the left channel since start (linear, after the limiter).
    pub peak_left: f32,
    /// Peak of the right channel.
    pub peak_right: f32,
    /// RMS of the left channel since start (after the limiter).
    pub rms_left: f64,
    /// RMS of the right channel.
    pub rms_right: f64,
    /// Median block render time, µs.
    pub block_us_p50: f64,
    /// 99th percentile block render time, µs.
    pub block_us_p99: f64,
    /// Slowest block, µs.
    pub block_us_max: f64,
    /// Events applied late (their frame had passed), at the start of the next block.
    pub late_events: u64,
    /// Events dropped because the pending queue was full.
    pub dropped_events: u64,
    /// Triggers that started nothing (unknown sample, speed 0).
    pub ignored_events: u64,
    /// Events waiting.
    pub pending_events: usize,
    /// Voices sounding now.
    pub voices: usize,
    /// Most voices at once.
    pub voices_peak: usize,
    /// Voices stolen from the pools.
    pub voice_steals: u64,
    /// Kernel blocks whose voices were rendered on several workers.
    pub voice_splits: u64,
    /// Frames where the limiter reduced the gain.
    pub limiter_frames: u64,
    /// Lowest limiter gain (1 = never acted).
    pub limiter_min_gain: f32,
    /// NaN or Inf samples replaced by 0 at the master.
    pub nonfinite: u64,
    /// Nodes silenced because their kernel panicked (the rest plays on).
    pub faults: u64,
    /// The GraphIR id of the last such node (of the playing program when it failed), −1 for
    /// none.
    pub fault_node: i64,
    /// Meter peak (falling), left.
    pub meter_peak_left: f32,
    /// Meter peak (falling), right.
    pub meter_peak_right: f32,
    /// Meter RMS (300 ms), left.
    pub meter_rms_left: f64,
    /// Meter RMS (300 ms), right.
    pub meter_rms_right: f64,
    /// Blocks that took longer to render than they last.
    pub over_budget_blocks: u64,
    /// Events discarded because a program swap had already passed their frame.
    pub superseded_events: u64,
    /// Programs swapped in.
    pub swaps: u64,
    /// Swaps that only changed constants of the running plan (same structure: plan reused).
    pub patches: u64,
    /// Swaps that crossfaded (an output changed structurally).
    pub crossfades: u64,
    /// Time the render thread spent taking the last new program (moving state, swapping
    /// pointers), µs.
    pub swap_us_last: f64,
    /// The longest such swap, µs.
    pub swap_us_max: f64,
}

impl Stats {
    /// The snapshot as JSON.
    pub fn to_json(&self) -> String {
        simd_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The meter's loop at this CPU's SIMD level gives the bits of its scalar twin, and its
    /// peaks and sums are |x|'s maximum and Σx² (f64 sums of 1000 exact squares of values with
    /// few significant bits, so exact: checked against a plain loop).
    #[test]
    fn peaks_and_squares_match_the_scalar_twin_and_the_definition() {
        let x: Vec<f32> = (0..1003u32)
            .map(|i| ((i * 7919) % 1013) as f32 / 64.0 - 8.0)
            .collect();
        let run = |f: fn(&[f32], &mut [f32; 8], &mut [f64; 8])| {
            let (mut p, mut s) = ([0.0f32; 8], [0.0f64; 8]);
            f(&x, &mut p, &mut s);
            (p.map(f32::to_bits), s.map(f64::to_bits), p, s)
        };
        let (pb, sb, p, s) = run(peaks_and_squares);
        let (pt, st, _, _) = run(peaks_and_squares_loop);
        assert_eq!((pb, sb), (pt, st));
        let peak = x.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        let sq: f64 = x.iter().map(|v| (*v as f64) * (*v as f64)).sum();
        assert_eq!(p.iter().fold(0.0f32, |a, b| a.max(*b)), peak);
        assert_eq!(s.iter().sum::<f64>(), sq);
    }

    #[test]
    fn buckets_are_monotonic_and_close() {
        let mut prev = 0;
        for ns in [
            0u64, 1, 31, 32, 33, 63, 64, 100, 1000, 12_345, 1_000_000, 50_000_000,
        ] {
            let b = bucket(ns);
            assert!(b >= prev);
            prev = b;
            let mid = bucket_mid(b);
            assert!(
                (mid - ns as f64).abs() <= (ns as f64) * 0.035 + 1.0,
                "{ns} → {mid}"
            );
        }
    }

    #[test]
    fn percentiles_come_from_the_histogram() {
        let mut m = Meter::default();
        for i in 1..=100u64 {
            m.block(&[0.5], &[-0.25], i * 1000);
        }
        assert!((m.block_us(0.5) - 50.0).abs() < 2.0, "{}", m.block_us(0.5));
        assert!(
            (m.block_us(0.99) - 99.0).abs() < 4.0,
            "{}",
            m.block_us(0.99)
        );
        assert_eq!(m.block_max_us(), 100.0);
        assert_eq!(m.peak, [0.5, 0.25]);
        assert_eq!(m.frames, 100);
    }
}
