//! Stereo placement: `pan2` (pan law) and `widener` (mid/side width), both with two channels out, and `pan2_l`/`pan2_r` (one side of `pan2`'s law, mono).
//!
//! ## `pan2 {in, pos = 0}`
//! `pos` −1 (all left) .. 1 (all right), clamped, read per frame (NaN → 0) and declicked (5 ms
//! one-pole, [`Declick`]: a stepped position slides instead of clicking; a constant one is
//! exact and costs one gain computation per block).
//! - Mono input: equal-power law, L = sin((1 − pos)·π/4)·in, R = sin((1 + pos)·π/4)·in, i.e.
//!   cos/sin of (pos + 1)·π/4: L² + R² = in² everywhere, −3 dB each at the centre, and exactly 0
//!   on the far side at ±1.
//! - Stereo input: the same gains times √2, capped at 1 (a balance control): the centre leaves
//!   both channels untouched, −1 keeps the left at unity and silences the right.
//!
//! ## `widener {in, width = 1}`
//! `width` 0..4, clamped, read per frame (NaN → 1), declicked (5 ms).
//! - Stereo input: mid/side, M = ½(L + R), S = ½(L − R), out L = M + width·S, R = M − width·S:
//!   0 is mono, 1 leaves the image as it is (up to rounding), above 1 widens.
//! - Mono input (no side to scale): the side is made from the input itself,
//!   S = ½·in delayed by 12 ms, so L and R are complementary comb filters of the input (their
//!   mean is the input: mono-compatible). Width 0 gives the input on both channels.

use super::delayline::DelayLine;
use super::dsp::{audio, clampf, equal_power, finite, param, Declick, Scratch};
use super::{ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};

/// Pan position, −1 left … 1 right.
const POS: PortSpec = param("pos", 0.0).unit("−1…1").range(-1.0, 1.0);

/// `pan2 {in, pos}`.
pub const PAN2: KindSpec = KindSpec::new(
    "pan2",
    "Equal-power stereo pan, −1 left … 1 right.",
    &[audio("in"), POS],
    ChannelRule::Stereo,
    || Box::new(Pan2::default()),
);

/// `widener {in, width}`.
pub const WIDENER: KindSpec = KindSpec::new(
    "widener",
    "Stereo width: 0 mono, 1 unchanged, above 1 wider (up to 4).",
    &[audio("in"), param("width", 1.0).unit("ratio").range(0.0, 4.0)],
    ChannelRule::Stereo,
    || Box::new(Widener::default()),
);

/// `pan2_l {in, pos}` and `pan2_r {in, pos}`: one channel of `pan2`'s mono law (pos −1..1,
/// clamped, NaN → 0, read per frame), as a mono signal.
pub const PAN2_L: KindSpec = KindSpec::new(
    "pan2_l",
    "The left channel of an equal-power pan.",
    &[audio("in"), POS],
    ChannelRule::Mono,
    || Box::new(PanSide::new(false)),
);
/// See [`PAN2_L`].
pub const PAN2_R: KindSpec = KindSpec::new(
    "pan2_r",
    "The right channel of an equal-power pan.",
    &[audio("in"), POS],
    ChannelRule::Mono,
    || Box::new(PanSide::new(true)),
);

/// The `pan2_l`/`pan2_r` kernel.
#[derive(Debug)]
pub struct PanSide {
    right: bool,
}

impl PanSide {
    /// The left (`right = false`) or right side.
    pub fn new(right: bool) -> PanSide {
        PanSide { right }
    }
}

impl Kernel for PanSide {
    fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let (x, pos) = (inputs[0].left(), inputs[1].left());
        let right = self.right;
        let side = |p: f32| {
            let (l, r) = pan_gains(p, false);
            if right {
                r
            } else {
                l
            }
        };
        let o = out.channel(0);
        match pos {
            Input::Const(p) => {
                let g = side(p);
                for (i, y) in o.iter_mut().enumerate() {
                    *y = x.at(i) * g;
                }
            }
            Input::Block(ps) => {
                for (i, y) in o.iter_mut().enumerate() {
                    *y = x.at(i) * side(ps[i]);
                }
            }
        }
    }
}

/// Delay of the side signal made from a mono input, seconds.
pub const MONO_SIDE_DELAY: f32 = 0.012;

/// Gains of `pan2` for a position; `stereo` selects the balance form.
#[inline(always)]
pub fn pan_gains(pos: f32, stereo: bool) -> (f32, f32) {
    let p = clampf(pos, -1.0, 1.0, 0.0);
    let (l, r) = equal_power(p);
    if stereo {
        // √2·gain ≥ 1 exactly on the near side: write the cap as 1 there (no rounding).
        let k = std::f32::consts::SQRT_2;
        (
            if p <= 0.0 { 1.0 } else { l * k },
            if p >= 0.0 { 1.0 } else { r * k },
        )
    } else {
        (l, r)
    }
}

/// The panner.
#[derive(Debug, Default)]
pub struct Pan2 {
    gains: [Vec<f32>; 2],
    pos: Declick,
    scratch: Scratch,
}

impl Kernel for Pan2 {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.gains = [vec![0.0; max_block], vec![0.0; max_block]];
        self.pos.prepare(sample_rate, max_block);
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let stereo = inputs[0].channels == 2;
        let [gl, gr] = &mut self.gains;
        let (gl, gr) = (&mut gl[..n], &mut gr[..n]);
        let clamp = |p: f32| clampf(p, -1.0, 1.0, 0.0);
        let [il, ir, pos] = self.scratch.ports(inputs, 1, n);
        match inputs[1].left() {
            // A constant the smoother has reached: one gain pair for the block.
            Input::Const(p) if self.pos.settled_at(clamp(p)) => {
                let (l, r) = pan_gains(p, stereo);
                gl.fill(l);
                gr.fill(r);
            }
            _ => {
                let pos = self.pos.run(pos, clamp);
                for ((l, r), &p) in gl.iter_mut().zip(gr.iter_mut()).zip(pos) {
                    (*l, *r) = pan_gains(p, stereo);
                }
            }
        }
        let (ol, or) = out.stereo();
        for ((o, &x), &g) in ol.iter_mut().zip(il).zip(gl.iter()) {
            *o = x * g;
        }
        for ((o, &x), &g) in or.iter_mut().zip(ir).zip(gr.iter()) {
            *o = x * g;
        }
    }
}

/// The stereo widener.
#[derive(Debug, Default)]
pub struct Widener {
    sample_rate: f32,
    line: DelayLine,
    width: Declick,
    scratch: Scratch,
}

impl Kernel for Widener {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.line = DelayLine::new((MONO_SIDE_DELAY * sample_rate).ceil() as usize + 1);
        self.width.prepare(sample_rate, max_block);
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let stereo = inputs[0].channels == 2;
        let d = ((MONO_SIDE_DELAY * self.sample_rate).round() as usize).max(1);
        let [il, ir, width] = self.scratch.ports(inputs, 1, n);
        let width = self.width.run(width, |v| clampf(v, 0.0, 4.0, 1.0));
        let (ol, or) = out.stereo();
        if stereo {
            for i in 0..n {
                let w = width[i];
                let m = 0.5 * (il[i] + ir[i]);
                let s = 0.5 * (il[i] - ir[i]) * w;
                ol[i] = m + s;
                or[i] = m - s;
            }
        } else {
            for i in 0..n {
                let w = width[i];
                let s = 0.5 * self.line.read(d) * w;
                self.line.push(finite(il[i]));
                ol[i] = il[i] + s;
                or[i] = il[i] - s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::dsp::testing::{invariant, noise, render, rms, SR};
    use crate::kernels::testing::{assert_same, Src};

    /// Mono: L² + R² = in² at every position, −1 all left, +1 all right, −3 dB at the centre.
    /// Stereo: balance, unity at the centre.
    #[test]
    fn pan2_sides_are_pan2s_channels() {
        // pan2_l and pan2_r give exactly the two channels of pan2 on a mono input.
        let x: Vec<f32> = (0..300).map(|i| ((i as f32) * 0.05).sin()).collect();
        let pos: Vec<f32> = (0..300).map(|i| (i as f32 / 150.0) - 1.0).collect();
        let bank = crate::samples::SampleBank::default();
        let srcs = [Src::Mono(x.clone()), Src::Mono(pos.clone())];
        let l = super::super::testing::run_sizes(
            &mut PanSide::new(false),
            &srcs,
            1,
            300,
            &[64, 7],
            44100.0,
            &bank,
            &[],
        );
        let r = super::super::testing::run_sizes(
            &mut PanSide::new(true),
            &srcs,
            1,
            300,
            &[64, 7],
            44100.0,
            &bank,
            &[],
        );
        for i in 0..300 {
            let (gl, gr) = pan_gains(pos[i], false);
            assert_eq!(l[0][i], x[i] * gl);
            assert_eq!(r[0][i], x[i] * gr);
        }
    }

    #[test]
    fn pan2_law() {
        let n = 2000;
        let x = noise(n, 61, 0.8);
        let pos: Vec<f32> = (0..n).map(|i| -1.5 + 3.0 * i as f32 / n as f32).collect();
        let y = invariant(
            &|| Box::new(Pan2::default()),
            &[Src::Mono(x.clone()), Src::Mono(pos.clone())],
            2,
            n,
        );
        for i in 0..n {
            let e = y[0][i].powi(2) + y[1][i].powi(2);
            assert!((e - x[i].powi(2)).abs() < 1e-6, "frame {i}");
        }
        let at =
            |p: f32, src: Src| render(&mut Pan2::default(), &[src, Src::Const(p)], 2, n, &[64]);
        let y = at(-1.0, Src::Mono(x.clone()));
        assert_same("pan -1 left", &y[0], &x);
        assert!(y[1].iter().all(|v| *v == 0.0), "pan -1 leaks right");
        let y = at(1.0, Src::Mono(x.clone()));
        assert!(y[0].iter().all(|v| *v == 0.0), "pan 1 leaks left");
        assert_same("pan 1 right", &y[1], &x);
        let y = at(0.0, Src::Mono(x.clone()));
        let g = std::f32::consts::FRAC_1_SQRT_2;
        assert!(y[0].iter().zip(&x).all(|(a, b)| (a - b * g).abs() < 1e-6));
        let x2 = noise(n, 62, 0.8);
        let y = at(0.0, Src::Stereo(x.clone(), x2.clone()));
        assert_same("balance centre L", &y[0], &x);
        assert_same("balance centre R", &y[1], &x2);
        let y = at(-1.0, Src::Stereo(x.clone(), x2.clone()));
        assert_same("balance -1 L", &y[0], &x);
        assert!(y[1].iter().all(|v| *v == 0.0));
    }

    /// A position step from −1 to 1 slides over a few ms (declick) instead of switching: the
    /// left gain's frame-to-frame change stays below 0.01 (its steepest possible slope is
    /// π/4 · 2 · (1 − e^(−1/(0.005·sr))) ≈ 0.0071), and it reaches 0 within 10 time constants.
    #[test]
    fn pan2_position_steps_slide() {
        let n = 4000;
        let pos: Vec<f32> = (0..n).map(|i| if i < 1000 { -1.0 } else { 1.0 }).collect();
        let y = invariant(
            &|| Box::new(Pan2::default()),
            &[Src::Const(1.0), Src::Mono(pos)],
            2,
            n,
        );
        assert_eq!(y[0][999], 1.0);
        let max = y[0]
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(max < 0.01, "largest step {max}");
        assert!(y[0][1000 + 2205] < 1e-3 && y[0][1000 + 2205] >= 0.0);
    }

    #[test]
    fn widener_scales_the_side() {
        let n = 4000;
        let (l, r) = (noise(n, 63, 0.5), noise(n, 64, 0.5));
        let run =
            |w: f32, src: Src| render(&mut Widener::default(), &[src, Src::Const(w)], 2, n, &[128]);
        let y = run(0.0, Src::Stereo(l.clone(), r.clone()));
        assert_same("width 0 is mono", &y[0], &y[1]);
        let y = run(1.0, Src::Stereo(l.clone(), r.clone()));
        assert!(y[0].iter().zip(&l).all(|(a, b)| (a - b).abs() < 1e-6));
        assert!(y[1].iter().zip(&r).all(|(a, b)| (a - b).abs() < 1e-6));
        let y = run(2.0, Src::Stereo(l.clone(), r.clone()));
        for i in 0..n {
            let side = y[0][i] - y[1][i];
            assert!((side - 2.0 * (l[i] - r[i])).abs() < 1e-5);
        }
        // Mono input: L − R is the input delayed by 12 ms (× width), the mean is the input.
        let y = run(1.5, Src::Mono(l.clone()));
        let d = (0.012 * SR).round() as usize;
        for i in 0..n {
            let want = if i >= d { 1.5 * l[i - d] } else { 0.0 };
            assert!((y[0][i] - y[1][i] - want).abs() < 1e-6, "frame {i}");
            assert!((0.5 * (y[0][i] + y[1][i]) - l[i]).abs() < 1e-6);
        }
        assert!(rms(&y[0][d..]) > rms(&l[d..]) * 1.05 || rms(&y[1][d..]) > rms(&l[d..]) * 1.05);
        invariant(
            &|| Box::new(Widener::default()),
            &[
                Src::Mono(l.clone()),
                Src::Mono((0..n).map(|i| (i / 500) as f32 * 0.5).collect()),
            ],
            2,
            n,
        );
    }
}
