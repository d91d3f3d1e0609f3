//! Control helpers shared by kernels: gate edge detection, parameter smoothing (a linear ramp), NaN-safe clamps.

/// Length of the parameter smoother's ramp, seconds: long enough to remove the click of a jump
/// in a gain or a cutoff, short enough not to blur a rhythm.
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

/// Linear-ramp smoother for a parameter that may jump (a lane step): when the target changes,
/// the value ramps from where it is to the new target in [`SMOOTH_TIME`] (rounded to whole
/// frames) and then sits exactly on it. A target that moves every frame (an audio-rate input)
/// restarts the ramp every frame, which makes the smoother a one-pole low-pass covering 1/N of
/// the distance per frame (N frames per ramp, 221 at 44.1 kHz). The first value it sees is
/// taken as is (no glide from an arbitrary start).
#[derive(Clone, Copy, Debug, Default)]
pub struct Glide {
    value: f32,
    target: f32,
    step: f32,
    /// Frames left in the current ramp.
    left: u32,
    /// Frames per ramp.
    frames: u32,
    primed: bool,
}

impl Glide {
    /// Sets the ramp length for `sample_rate`. Control thread.
    pub fn prepare(&mut self, sample_rate: f32) {
        self.frames = ((SMOOTH_TIME * sample_rate).round() as u32).max(1);
    }

    /// One frame toward `target` (already clamped and NaN-free); returns the smoothed value.
    #[inline(always)]
    pub fn next(&mut self, target: f32) -> f32 {
        if !self.primed {
            self.primed = true;
            self.value = target;
            self.target = target;
            return target;
        }
        if target.to_bits() != self.target.to_bits() {
            self.target = target;
            self.left = self.frames.max(1);
            self.step = (target - self.value) / self.left as f32;
        }
        if self.left > 0 {
            self.left -= 1;
            self.value = if self.left == 0 {
                self.target
            } else {
                self.value + self.step
            };
        }
        self.value
    }

    /// True when the smoother already sits exactly on `target` (then `next(target)` returns
    /// `target` for every frame, and a kernel may use a per-block fast path).
    #[inline(always)]
    pub fn settled(&self, target: f32) -> bool {
        self.primed && self.left == 0 && self.value.to_bits() == target.to_bits()
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

    /// A step ramps linearly over 5 ms (220.5 frames at 44.1 kHz, rounded to 221) and lands
    /// exactly; a new target mid-ramp restarts from the current value (no jump).
    #[test]
    fn glide_ramps_and_lands() {
        let mut g = Glide::default();
        g.prepare(44100.0);
        assert_eq!(g.next(0.0), 0.0);
        let v: Vec<f32> = (0..221).map(|_| g.next(1.0)).collect();
        assert!((v[109] - 110.0 / 221.0).abs() < 1e-6, "{}", v[109]);
        assert!(v[219] < 1.0);
        assert_eq!(v[220], 1.0);
        assert!(g.settled(1.0));
        let a = g.next(0.0);
        let b = g.next(0.5);
        assert!(
            (a - (1.0 - 1.0 / 221.0)).abs() < 1e-6 && (b - a).abs() < 0.01,
            "{a} {b}"
        );
        assert_eq!(clamp_or(f32::NAN, 3.0, 0.0, 2.0), 2.0);
    }
}
