//! Waveshaping and decimation: `distortion`, `bitcrush`, `coarse` and `decimator`.
//!
//! All four are memoryless or hold-based and work per channel; output channels follow `in`.
//! Every parameter is read per frame; `distortion`'s `drive` and `mix` are declicked (5 ms
//! one-pole, [`dsp::Declick`]; constant settings are exact). No oversampling: high drives and rate reduction alias, as
//! the effects intend.
//!
//! ## `distortion {in, drive = 3, mix = 0.5}`
//! wet = tanh(drive·in); `drive` 1..100 (clamped), `mix` 0..1: `(1 − mix)·in + mix·wet`. Small
//! signals are amplified by `drive`, large ones approach ±1.
//!
//! ## `bitcrush {in, bits = 8, rate_factor = 4}`
//! Quantizes `in`, clipped to −1..1, to L = 2^bits evenly spaced levels from −1 to 1
//! (round((x + 1)/2·(L − 1))/(L − 1)·2 − 1: exactly 2^bits levels for whole `bits`, which may
//! also be fractional), `bits` 1..16, and holds each quantized value for `rate_factor` frames
//! (1..64, fractional allowed: a sample is taken when a frame counter that gains `rate_factor`
//! per take and loses 1 per frame drops to 0 or below; the first frame is taken).
//!
//! ## `coarse {in, factor = 4}`
//! The hold of `bitcrush` without quantization: `factor` 1..64. (A NaN or infinite input frame is
//! held as 0, here and in `decimator`, so it cannot be stretched over the hold.)
//!
//! ## `decimator {in, factor = 4, smooth = 0.5}`
//! The hold of `coarse`, then a one-pole lowpass y += (held − y)·(1 − 0.95·smooth), `smooth` 0..1
//! (0: none; 1: coefficient 0.05, about 350 Hz at 44.1 kHz), which rounds off the steps.

use super::dsp::{self, audio, clampf, flush, param, Declick, Scratch};
use super::{Context, Kernel, KindSpec, Outputs, PortIn, PortSpec};

const FACTOR: PortSpec = param("factor", 4.0).unit("factor").range(1.0, 64.0);

/// `distortion {in, drive, mix}`.
pub const DISTORTION: KindSpec = KindSpec::follows(
    "distortion",
    "tanh soft clipping.",
    &[
        audio("in"),
        param("drive", 3.0).unit("gain").range(1.0, 100.0),
        param("mix", 0.5).unit("0–1").range(0.0, 1.0),
    ],
    || Box::new(Distortion::default()),
);

/// `bitcrush {in, bits, rate_factor}`.
pub const BITCRUSH: KindSpec = KindSpec::follows(
    "bitcrush",
    "Bit-depth and sample-rate reduction.",
    &[
        audio("in"),
        param("bits", 8.0).unit("bits").range(1.0, 16.0),
        param("rate", 4.0).unit("factor").range(1.0, 64.0),
    ],
    || Box::new(Bitcrush::default()),
);

/// `coarse {in, factor}`.
pub const COARSE: KindSpec = KindSpec::follows(
    "coarse",
    "Sample-rate reduction by a factor.",
    &[audio("in"), FACTOR],
    || Box::new(Coarse::default()),
);

/// `decimator {in, factor, smooth}`.
pub const DECIMATOR: KindSpec = KindSpec::follows(
    "decimator",
    "Sample-rate reduction with smoothing.",
    &[
        audio("in"),
        FACTOR,
        param("smooth", 0.5).unit("0–1").range(0.0, 1.0),
    ],
    || Box::new(Decimator::default()),
);

/// The tanh waveshaper.
#[derive(Debug, Default)]
pub struct Distortion {
    drive: Declick,
    mix: Declick,
    scratch: Scratch,
}

/// One frame of `distortion`.
#[inline(always)]
pub fn distort(x: f32, drive: f32, mix: f32) -> f32 {
    let wet = (clampf(drive, 1.0, 100.0, 3.0) * x).tanh();
    dsp::mix(x, wet, clampf(mix, 0.0, 1.0, 0.5))
}

impl Kernel for Distortion {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.drive.prepare(sample_rate, max_block);
        self.mix.prepare(sample_rate, max_block);
        self.scratch.prepare(4, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let [il, ir, drive, mixv] = self.scratch.ports(inputs, 1, n);
        let drive = self.drive.run(drive, |v| clampf(v, 1.0, 100.0, 3.0));
        let mixv = self.mix.run(mixv, |v| clampf(v, 0.0, 1.0, 0.5));
        for c in 0..out.channels() {
            let x = [il, ir][c];
            for (i, o) in out.channel(c).iter_mut().enumerate() {
                *o = distort(x[i], drive[i], mixv[i]);
            }
        }
    }
}

/// Quantizes `x` (clipped to −1..1) to 2^bits levels, `bits` clamped to 1..16.
#[inline(always)]
pub fn quantize(x: f32, bits: f32) -> f32 {
    let steps = clampf(bits, 1.0, 16.0, 8.0).exp2() - 1.0;
    let x = if x.is_nan() { 0.0 } else { x.clamp(-1.0, 1.0) };
    ((x + 1.0) * 0.5 * steps).round() / steps * 2.0 - 1.0
}

/// The sample-and-hold shared by the three rate reducers: a frame counter and the held values.
#[derive(Debug, Default, Clone, Copy)]
struct Hold {
    count: f32,
    held: [f32; 2],
}

impl Hold {
    /// Runs one channel: `take(i)` gives the value to hold when frame `i` is taken. Returns the
    /// counter after the block, which the caller stores once every channel has run.
    #[inline(always)]
    fn run(
        &mut self,
        c: usize,
        out: &mut [f32],
        rate: &[f32],
        mut take: impl FnMut(usize) -> f32,
    ) -> f32 {
        let mut count = self.count;
        let mut held = self.held[c];
        for (i, o) in out.iter_mut().enumerate() {
            if count <= 0.0 {
                held = take(i);
                count += clampf(rate[i], 1.0, 64.0, 4.0);
            }
            count -= 1.0;
            *o = held;
        }
        self.held[c] = held;
        count
    }
}

/// Bit and rate reduction.
#[derive(Debug, Default)]
pub struct Bitcrush {
    hold: Hold,
    scratch: Scratch,
}

impl Kernel for Bitcrush {
    fn prepare(&mut self, _sample_rate: f32, max_block: usize) {
        self.hold = Hold::default();
        self.scratch.prepare(4, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let [il, ir, bits, rate] = self.scratch.ports(inputs, 1, n);
        let mut count = self.hold.count;
        for c in 0..out.channels() {
            let x = [il, ir][c];
            count = self
                .hold
                .run(c, out.channel(c), rate, |i| quantize(x[i], bits[i]));
        }
        self.hold.count = count;
    }
}

/// Rate reduction.
#[derive(Debug, Default)]
pub struct Coarse {
    hold: Hold,
    scratch: Scratch,
}

impl Kernel for Coarse {
    fn prepare(&mut self, _sample_rate: f32, max_block: usize) {
        self.hold = Hold::default();
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let [il, ir, rate] = self.scratch.ports(inputs, 1, n);
        let mut count = self.hold.count;
        for c in 0..out.channels() {
            let x = [il, ir][c];
            count = self
                .hold
                .run(c, out.channel(c), rate, |i| dsp::finite(x[i]));
        }
        self.hold.count = count;
    }
}

/// Rate reduction with smoothing.
#[derive(Debug, Default)]
pub struct Decimator {
    hold: Hold,
    lp: [f32; 2],
    scratch: Scratch,
}

impl Kernel for Decimator {
    fn prepare(&mut self, _sample_rate: f32, max_block: usize) {
        self.hold = Hold::default();
        self.lp = [0.0; 2];
        self.scratch.prepare(4, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let [il, ir, rate, smooth] = self.scratch.ports(inputs, 1, n);
        let mut count = self.hold.count;
        for c in 0..out.channels() {
            let x = [il, ir][c];
            let o = out.channel(c);
            count = self.hold.run(c, o, rate, |i| dsp::finite(x[i]));
            let mut y = self.lp[c];
            for (i, v) in o.iter_mut().enumerate() {
                y = flush(y + (*v - y) * (1.0 - 0.95 * clampf(smooth[i], 0.0, 1.0, 0.5)));
                *v = y;
            }
            self.lp[c] = y;
        }
        self.hold.count = count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::dsp::testing::{invariant, noise, render, sine};
    use crate::kernels::testing::{assert_same, Src};

    #[test]
    fn distortion_equals_tanh_reference() {
        let n = 3000;
        let x = sine(220.0, 1.2, n);
        let x2 = noise(n, 31, 1.0);
        let drive: Vec<f32> = (0..n).map(|i| (i / 100) as f32 * 5.0 - 10.0).collect();
        let mixv: Vec<f32> = (0..n).map(|i| (i % 300) as f32 / 250.0).collect();
        let y = invariant(
            &|| Box::new(Distortion::default()),
            &[
                Src::Stereo(x.clone(), x2.clone()),
                Src::Mono(drive.clone()),
                Src::Mono(mixv.clone()),
            ],
            2,
            n,
        );
        // Reference: the clamped drive and mix through the documented 5 ms one-pole (starting
        // at the first value), then the formula.
        let c = crate::kernels::dsp::one_pole_coef(0.005, crate::kernels::dsp::testing::SR);
        for (ch, input) in [&x, &x2].into_iter().enumerate() {
            let (mut d, mut m) = (drive[0].clamp(1.0, 100.0), mixv[0].clamp(0.0, 1.0));
            let want: Vec<f32> = (0..n)
                .map(|i| {
                    d += (drive[i].clamp(1.0, 100.0) - d) * c;
                    m += (mixv[i].clamp(0.0, 1.0) - m) * c;
                    let v = input[i];
                    v + ((d * v).tanh() - v) * m
                })
                .collect();
            assert_same(&format!("distortion channel {ch}"), &y[ch], &want);
        }
        // Fully wet at drive 100, a sine is nearly a square: ±tanh(100·1.2·sin) reaches ±1.
        let y = render(
            &mut Distortion::default(),
            &[Src::Mono(x), Src::Const(100.0), Src::Const(1.0)],
            1,
            n,
            &[64],
        );
        let near_one = y[0].iter().filter(|v| v.abs() > 0.99).count();
        assert!(near_one > n * 9 / 10, "{near_one}");
    }

    /// A slow ramp through −1..1 hits exactly 2^bits distinct levels.
    #[test]
    fn bitcrush_has_two_to_the_bits_levels() {
        let n = 70000;
        let ramp: Vec<f32> = (0..n).map(|i| -1.2 + 2.4 * i as f32 / n as f32).collect();
        for bits in 1..=8 {
            let y = render(
                &mut Bitcrush::default(),
                &[
                    Src::Mono(ramp.clone()),
                    Src::Const(bits as f32),
                    Src::Const(1.0),
                ],
                1,
                n,
                &[256],
            );
            let mut levels: Vec<u32> = y[0].iter().map(|v| v.to_bits()).collect();
            levels.sort_unstable();
            levels.dedup();
            assert_eq!(levels.len(), 1 << bits, "bits {bits}");
            let (lo, hi) = y[0]
                .iter()
                .fold((1.0f32, -1.0f32), |(a, b), v| (a.min(*v), b.max(*v)));
            assert_eq!((lo, hi), (-1.0, 1.0));
        }
    }

    /// Rate reduction holds each taken value for `rate_factor` frames, from frame 0.
    #[test]
    fn bitcrush_and_coarse_hold_for_the_rate_factor() {
        let n = 4000;
        let x = noise(n, 32, 0.9);
        let y = invariant(
            &|| Box::new(Bitcrush::default()),
            &[Src::Mono(x.clone()), Src::Const(4.0), Src::Const(5.0)],
            1,
            n,
        );
        for (i, v) in y[0].iter().enumerate() {
            assert_eq!(*v, quantize(x[i - i % 5], 4.0), "frame {i}");
        }
        let y = invariant(
            &|| Box::new(Coarse::default()),
            &[Src::Stereo(x.clone(), noise(n, 33, 0.5)), Src::Const(3.0)],
            2,
            n,
        );
        for (i, v) in y[0].iter().enumerate() {
            assert_eq!(*v, x[i - i % 3], "frame {i}");
        }
        // A fractional factor of 2.5 takes frames 0, 3, 5, 8, 10, ... (counter 0 → 2.5 → ...).
        let y = render(
            &mut Coarse::default(),
            &[Src::Mono(x.clone()), Src::Const(2.5)],
            1,
            20,
            &[7],
        );
        let taken = [
            0, 0, 0, 3, 3, 5, 5, 5, 8, 8, 10, 10, 10, 13, 13, 15, 15, 15, 18, 18,
        ];
        for (i, &t) in taken.iter().enumerate() {
            assert_eq!(y[0][i], x[t], "frame {i}");
        }
        // Block rate with clamps: below 1 is 1, NaN is the default 4.
        let rate: Vec<f32> = (0..n)
            .map(|i| [0.2, 64.0, 7.3, f32::NAN][(i / 333) % 4])
            .collect();
        invariant(
            &|| Box::new(Bitcrush::default()),
            &[Src::Mono(x), Src::Const(3.3), Src::Mono(rate)],
            1,
            n,
        );
    }

    #[test]
    fn decimator_equals_reference() {
        let n = 3000;
        let x = noise(n, 34, 0.9);
        let smooth: Vec<f32> = (0..n).map(|i| (i / 500) as f32 * 0.25).collect();
        let y = invariant(
            &|| Box::new(Decimator::default()),
            &[
                Src::Mono(x.clone()),
                Src::Const(6.0),
                Src::Mono(smooth.clone()),
            ],
            1,
            n,
        );
        let mut lp = 0.0f32;
        let want: Vec<f32> = (0..n)
            .map(|i| {
                let held = x[i - i % 6];
                let c = 1.0 - 0.95 * smooth[i].clamp(0.0, 1.0);
                lp = lp + (held - lp) * c;
                lp
            })
            .collect();
        assert_same("decimator", &y[0], &want);
    }
}
