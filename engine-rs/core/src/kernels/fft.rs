//! An in-place radix-2 complex FFT over separate real and imaginary f32 slices, with its tables built once (for `convolve` and `freeze`).
//!
//! Convention: `forward` computes X_k = Σ x_n·e^(−2πi·kn/N) (unnormalized), `inverse` computes
//! x_n = (1/N)·Σ X_k·e^(2πi·kn/N), so `inverse(forward(x)) = x`. Twiddles are computed in f64.
//! Neither call allocates.

/// A size-N FFT plan.
#[derive(Clone, Debug, Default)]
pub struct Fft {
    n: usize,
    /// e^(−2πi·k/N) for k < N/2.
    cos: Vec<f32>,
    sin: Vec<f32>,
    /// Bit-reversal permutation.
    rev: Vec<u32>,
}

impl Fft {
    /// A plan for `n` points, a power of two ≥ 2. Control thread.
    pub fn new(n: usize) -> Fft {
        assert!(n >= 2 && n.is_power_of_two(), "FFT size {n}");
        let bits = n.trailing_zeros();
        let (cos, sin) = (0..n / 2)
            .map(|k| {
                let a = -std::f64::consts::TAU * k as f64 / n as f64;
                (a.cos() as f32, a.sin() as f32)
            })
            .unzip();
        let rev = (0..n as u32)
            .map(|i| i.reverse_bits() >> (32 - bits))
            .collect();
        Fft { n, cos, sin, rev }
    }

    /// N.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the plan is empty (never prepared).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    fn run(&self, re: &mut [f32], im: &mut [f32], sign: f32) {
        let n = self.n;
        let (re, im) = (&mut re[..n], &mut im[..n]);
        for i in 0..n {
            let j = self.rev[i] as usize;
            if j > i {
                re.swap(i, j);
                im.swap(i, j);
            }
        }
        let mut size = 2;
        while size <= n {
            let half = size / 2;
            let step = n / size;
            for start in (0..n).step_by(size) {
                for k in 0..half {
                    let (wr, wi) = (self.cos[k * step], sign * self.sin[k * step]);
                    let (a, b) = (start + k, start + k + half);
                    let tr = re[b] * wr - im[b] * wi;
                    let ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
            size *= 2;
        }
    }

    /// In-place forward transform of the first N values.
    pub fn forward(&self, re: &mut [f32], im: &mut [f32]) {
        self.run(re, im, 1.0);
    }

    /// In-place inverse transform of the first N values, scaled by 1/N.
    pub fn inverse(&self, re: &mut [f32], im: &mut [f32]) {
        self.run(re, im, -1.0);
        let k = 1.0 / self.n as f32;
        for (r, i) in re[..self.n].iter_mut().zip(im[..self.n].iter_mut()) {
            *r *= k;
            *i *= k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::dsp::Rng;

    #[test]
    fn forward_matches_a_direct_dft_and_inverse_round_trips() {
        for n in [2usize, 8, 64, 512] {
            let mut r = Rng::new(n as u32);
            let x: Vec<(f32, f32)> = (0..n).map(|_| (r.bipolar(), r.bipolar())).collect();
            let (mut re, mut im): (Vec<f32>, Vec<f32>) = x.iter().cloned().unzip();
            let fft = Fft::new(n);
            fft.forward(&mut re, &mut im);
            for k in 0..n {
                let (mut sr, mut si) = (0.0f64, 0.0f64);
                for (j, &(a, b)) in x.iter().enumerate() {
                    let w = -std::f64::consts::TAU * (k * j) as f64 / n as f64;
                    sr += a as f64 * w.cos() - b as f64 * w.sin();
                    si += a as f64 * w.sin() + b as f64 * w.cos();
                }
                let tol = 1e-5 * n as f64;
                assert!((re[k] as f64 - sr).abs() < tol && (im[k] as f64 - si).abs() < tol);
            }
            fft.inverse(&mut re, &mut im);
            for (j, &(a, b)) in x.iter().enumerate() {
                assert!(
                    (re[j] - a).abs() < 1e-5 && (im[j] - b).abs() < 1e-5,
                    "n {n} j {j}"
                );
            }
        }
    }
}
