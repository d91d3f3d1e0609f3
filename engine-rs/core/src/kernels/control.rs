//! Control helpers shared by kernels: gate edge detection, one-pole parameter smoothing, NaN-safe clamps.

/// Time constant of the parameter smoother, seconds: a step settles to 1 % in about 23 ms and
/// its slope is continuous, which is enough to remove the click of a jump in a gain or a cutoff.
pub const SMOOTH_TIME: f32 = 0.005;

/// `x`, or `default` when `x` is NaN, then clamped to `lo..=hi`.
#[inline(always)]
pub fn clamp_or(x: f32, default: f32, lo: f32, hi: f32) -> f32 {
    let x = if x.is_nan() { default } else { x };
    x.max(lo).min(hi)
}

/// Rising-edge detector of a gate signal: a value > 0 is "on" (NaN is off).
#[derive(Clone, Copy, Debug, Default)]
pub struct Edge {
    high: bool,
}

impl Edge {
    /// Feeds one gate value; true when the gate goes from off to on at this frame. The state
    /// starts off, so a gate that is on at the first frame is a rising edge there.
    #[inline(always)]
    pub fn rising(&mut self, gate: f32) -> bool {
        let h = gate > 0.0;
        let r = h && !self.high;
        self.high = h;
        r
    }

    /// Whether the gate was on at the last frame fed.
    #[inline(always)]
    pub fn is_high(&self) -> bool {
        self.high
    }
}

/// One-pole smoother for a parameter that may jump (a lane step): each frame it moves the
/// fraction `coef` of the way to the target, and snaps to the target once within 1e-5 of it
/// (relative to max(|target|, 1)), so that a held value is reached exactly. The first value it
/// sees is taken as is (no glide from an arbitrary start).
#[derive(Clone, Copy, Debug, Default)]
pub struct Glide {
    value: f32,
    coef: f32,
    primed: bool,
}

impl Glide {
    /// Sets the time constant ([`SMOOTH_TIME`]) for `sample_rate`. Control thread.
    pub fn prepare(&mut self, sample_rate: f32) {
        self.coef = 1.0 - (-1.0 / (SMOOTH_TIME * sample_rate)).exp();
    }

    /// One frame toward `target` (already clamped and NaN-free); returns the smoothed value.
    #[inline(always)]
    pub fn next(&mut self, target: f32) -> f32 {
        if !self.primed {
            self.primed = true;
            self.value = target;
            return target;
        }
        let d = target - self.value;
        if d.abs() <= 1e-5 * target.abs().max(1.0) {
            self.value = target;
        } else {
            self.value += self.coef * d;
        }
        self.value
    }

    /// True when the smoother already sits exactly on `target` (then `next(target)` returns
    /// `target` for every frame, and a kernel may use a per-block fast path).
    #[inline(always)]
    pub fn settled(&self, target: f32) -> bool {
        self.primed && self.value == target
    }

    /// The current value.
    pub fn value(&self) -> f32 {
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_rises_once_per_on_stretch() {
        let mut e = Edge::default();
        let g = [1.0, 1.0, 0.0, f32::NAN, 0.5, 0.0, -1.0, 2.0];
        let r: Vec<bool> = g.iter().map(|&x| e.rising(x)).collect();
        assert_eq!(r, [true, false, false, false, true, false, false, true]);
    }

    /// A step settles like 1 − e^(−t/τ): after τ = 5 ms (220.5 frames at 44.1 kHz) 63 % of the
    /// way, and it lands exactly on the target.
    #[test]
    fn glide_is_a_one_pole_that_lands() {
        let mut g = Glide::default();
        g.prepare(44100.0);
        assert_eq!(g.next(0.0), 0.0);
        let mut v = 0.0;
        for _ in 0..220 {
            v = g.next(1.0);
        }
        let want = 1.0 - (-220.0f32 / 220.5).exp();
        assert!((v - want).abs() < 2e-3, "{v} vs {want}");
        for _ in 0..5000 {
            v = g.next(1.0);
        }
        assert_eq!(v, 1.0);
        assert!(g.settled(1.0));
        assert_eq!(clamp_or(f32::NAN, 3.0, 0.0, 2.0), 2.0);
    }
}
