//! Fast approximations of transcendental functions for coefficient computation: [`tan_pi`], the prewarped frequency of every filter.
//!
//! Filters compute their coefficients at control rate ([`super::krate`]), so these run once
//! every 16 frames per modulated filter, not per frame; they exist so that a control point costs
//! a handful of multiply-adds and one division instead of an `f64` `tan` call.

use std::f32::consts::PI;

/// The largest relative error of [`tan_pi`] against the exact `tan(π·x)` (evaluated in `f64` at
/// the same `f32` x), over every `f32` x in 2⁻²⁰..=0.49 (the test checks each of them). About
/// 2.4 `f32` epsilons: two polynomial evaluations, the product π·x and one division, each
/// rounded.
pub const TAN_PI_MAX_REL_ERROR: f64 = 3.0e-7;

/// sin(t) for |t| ≤ π/4: the Cephes `sinf` minimax polynomial (odd, degree 7).
#[inline(always)]
fn sin_quarter(t: f32) -> f32 {
    let z = t * t;
    t + t * z * (-1.666_665_5e-1 + z * (8.332_161e-3 + z * -1.951_529_6e-4))
}

/// cos(t) for |t| ≤ π/4: the Cephes `cosf` minimax polynomial (even, degree 8).
#[inline(always)]
fn cos_quarter(t: f32) -> f32 {
    let z = t * t;
    1.0 - 0.5 * z + z * z * (4.166_664_6e-2 + z * (-1.388_731_6e-3 + z * 2.443_315_7e-5))
}

/// tan(π·x) for x in 0..0.5 (a filter's g = tan(π·fc/sr), fc/sr ≤ 0.49), in `f32`.
///
/// Below x = 0.25 it is sin(πx)/cos(πx); above, cos(πu)/sin(πu) with u = 0.5 − x, which is
/// exact in `f32` there (Sterbenz), so the reduction adds no error even where tan is steep
/// (tan(0.49π) ≈ 31.8). Each half is a pair of minimax polynomials on 0..π/4 and one division.
///
/// Error: relative error at most [`TAN_PI_MAX_REL_ERROR`] (3.0e-7) for every `f32` x in
/// 2⁻²⁰..=0.49, checked exhaustively against `f64` `tan` (the largest, 2.87e-7, is at
/// x ≈ 0.2654). As a cutoff error: the realized cutoff is fc' = sr/π·atan(g'), and a relative
/// error δ in g moves it by δ·sin(2θ)/(2θ) relative (θ = π·fc/sr), never more than δ, so at
/// most 3.0e-7 of the cutoff: 1200·log2(1 + 3e-7) ≈ 0.0005 cents, at any cutoff (a few times
/// the `f32` rounding of fc/sr itself, 6e-8).
#[inline(always)]
pub fn tan_pi(x: f32) -> f32 {
    if x <= 0.25 {
        let t = PI * x;
        sin_quarter(t) / cos_quarter(t)
    } else {
        let u = PI * (0.5 - x);
        cos_quarter(u) / sin_quarter(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `f32` in 2⁻²⁰..=0.49 (about 1.6·10⁸ values, from cutoffs far below 20 Hz at 192 kHz
    /// up to the 0.49·sr clamp): the relative error against `f64` tan of the same value stays
    /// within the documented bound.
    #[test]
    fn tan_pi_error_bound_over_the_used_range() {
        let (lo, hi) = ((2f32).powi(-20).to_bits(), 0.49f32.to_bits());
        let mut worst = (0.0f64, 0.0f32);
        let mut check = |x: f32| {
            let exact = (std::f64::consts::PI * x as f64).tan();
            let err = ((tan_pi(x) as f64 - exact) / exact).abs();
            if err > worst.0 {
                worst = (err, x);
            }
        };
        let mut b = lo;
        while b <= hi {
            check(f32::from_bits(b));
            b += 1;
        }
        // The ends and the seam at 0.25, exactly.
        for x in [f32::from_bits(lo), 0.25, 0.25f32.next_up(), 0.49] {
            check(x);
        }
        assert!(
            worst.0 <= TAN_PI_MAX_REL_ERROR,
            "tan_pi: relative error {:e} at x = {}",
            worst.0,
            worst.1
        );
        // The bound is not loose by orders of magnitude: it is what the approximation reaches.
        assert!(worst.0 > TAN_PI_MAX_REL_ERROR / 4.0, "{:e}", worst.0);
        assert_eq!(tan_pi(0.0), 0.0);
    }
}
