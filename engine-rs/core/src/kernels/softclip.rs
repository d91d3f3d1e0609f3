//! `softclip {in, drive = 1}`: an algebraic soft clipper, y = d·x / (1 + |d·x|).
//!
//! - `in`: audio, any level; output channels follow it. A NaN or infinite frame reads as 0.
//! - `drive` (d): gain before the curve, 0..100 (clamped; NaN reads as 1), read per frame.
//!
//! Small signals come out times d; the output never reaches ±1 and is odd-symmetric, so it adds
//! only odd harmonics. Cheaper and gentler than `distortion`'s tanh: no transcendental call,
//! and the knee is softer (at d·x = 1 the output is 0.5, where tanh gives 0.76). Memoryless.

use super::dsp::{audio, clampf, finite, param};
use super::scratch::Scratch;
use super::{ChannelRule, Context, Kernel, KindSpec, Outputs, PortIn};

/// `softclip {in, drive}`.
pub const SOFTCLIP: KindSpec = KindSpec::new(
    "softclip",
    "Algebraic soft clipper: drive·in / (1 + |drive·in|); never reaches ±1.",
    &[audio("in"), param("drive", 1.0).unit("gain").range(0.0, 100.0)],
    ChannelRule::FollowInputs,
    || Box::new(SoftClip::default()),
);

/// The curve for one frame.
#[inline(always)]
pub fn soft_clip(x: f32, drive: f32) -> f32 {
    let u = finite(x) * drive;
    u / (1.0 + u.abs())
}

/// The `softclip` kernel.
#[derive(Debug, Default)]
pub struct SoftClip {
    scratch: Scratch,
}

impl Kernel for SoftClip {
    fn prepare(&mut self, _sample_rate: f32, max_block: usize) {
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let [il, ir, drive] =
            self.scratch
                .slices([inputs[0].ch[0], inputs[0].ch[1], inputs[1].left()], n);
        for c in 0..out.channels() {
            let x = [il, ir][c];
            for ((o, &x), &d) in out.channel(c).iter_mut().zip(x).zip(drive.iter()) {
                *o = soft_clip(x, clampf(d, 0.0, 100.0, 1.0));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::check::{assert_invariant, render_kind, test_noise};
    use crate::kernels::testing::Src;

    /// Hand values: d·x = 1 gives 1/2, d·x = 3 gives 3/4, d·x = −1 gives −1/2; drive 0 is silence;
    /// NaN input is 0; NaN drive is 1.
    #[test]
    fn follows_the_curve() {
        let x = vec![0.5, 1.5, -0.5, 0.25, f32::NAN, 1.0];
        let d = vec![2.0, 2.0, 2.0, 0.0, 2.0, f32::NAN];
        let got = render_kind("softclip", &[Src::Mono(x), Src::Mono(d)], 6);
        assert_eq!(got[0], vec![0.5, 0.75, -0.5, 0.0, 0.0, 0.5]);
    }

    /// Below ±1, odd-symmetric, monotonic in the input, and the same for any block size and for
    /// a stereo input (each channel on its own).
    #[test]
    fn is_bounded_odd_and_block_invariant() {
        let n = 4000;
        let a: Vec<f32> = test_noise(n, 3).iter().map(|v| v * 50.0).collect();
        let neg: Vec<f32> = a.iter().map(|v| -v).collect();
        let y = assert_invariant("softclip", &[Src::Mono(a.clone()), Src::Const(4.0)], n);
        let z = render_kind("softclip", &[Src::Mono(neg), Src::Const(4.0)], n);
        for i in 0..n {
            assert!(y[0][i].abs() < 1.0, "frame {i}: {}", y[0][i]);
            assert_eq!(y[0][i], -z[0][i], "frame {i}: odd symmetry");
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| a[i].total_cmp(&a[j]));
        assert!(order.windows(2).all(|w| y[0][w[0]] <= y[0][w[1]]), "monotonic");
        let b = test_noise(n, 4);
        let st = render_kind("softclip", &[Src::Stereo(a.clone(), b), Src::Const(4.0)], n);
        assert_eq!(st.len(), 2);
        assert_eq!(st[0], y[0]);
    }
}
