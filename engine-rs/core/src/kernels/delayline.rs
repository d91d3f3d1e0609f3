//! The delay line every delay-based effect uses: a power-of-two ring buffer with integer, linear and cubic reads, plus a crossfading read head.
//!
//! Convention: reads happen before the frame's write, so `read(d)` is the sample pushed `d`
//! pushes ago (`read(1)` is the last one pushed) and a read at `d` followed by a push is a delay
//! of exactly `d` frames. Delays are clamped to `1..=max_delay()` (integer and linear reads) and
//! `2..=max_delay()` (cubic reads, which need a neighbour on each side). The buffer is allocated
//! once, in `prepare`; it is plain `Vec<f32>` state owned by the kernel, so hot reload can move
//! it to the next plan as is.

/// A ring-buffer delay line.
#[derive(Clone, Debug, Default)]
pub struct DelayLine {
    buf: Vec<f32>,
    mask: usize,
    pos: usize,
}

impl DelayLine {
    /// A zeroed line that can delay by up to `max_delay` frames (rounded up to a power of two
    /// with room for interpolation). Control thread.
    pub fn new(max_delay: usize) -> DelayLine {
        let len = (max_delay + 4).next_power_of_two();
        DelayLine {
            buf: vec![0.0; len],
            mask: len - 1,
            pos: 0,
        }
    }

    /// A zeroed line of exactly `len` frames rounded up to a power of two (no room kept for
    /// cubic reads): for kernels that read it only with [`DelayLine::tap`]. Control thread.
    pub fn ring(len: usize) -> DelayLine {
        let len = len.max(1).next_power_of_two();
        DelayLine {
            buf: vec![0.0; len],
            mask: len - 1,
            pos: 0,
        }
    }

    /// Linear interpolation in f64 at a fractional delay `d` ≥ 0, not clamped (a delay past the
    /// buffer wraps round it): the read of the string and comb models, whose delays their
    /// kernels keep in range.
    #[inline(always)]
    pub fn tap(&self, d: f64) -> f64 {
        let i = d.floor();
        let frac = d - i;
        let i = i as usize;
        let a = self.read(i) as f64;
        let b = self.read(i + 1) as f64;
        a + frac * (b - a)
    }

    /// Zeroes a line that went non-finite (a filter that blew up), so it cannot stick.
    pub fn settle(&mut self) {
        if !self.buf.iter().all(|v| v.is_finite()) {
            self.buf.fill(0.0);
        }
    }

    /// The longest delay a read may ask for, in frames.
    pub fn max_delay(&self) -> usize {
        self.buf.len().saturating_sub(4)
    }

    /// Zeroes the contents.
    pub fn clear(&mut self) {
        self.buf.fill(0.0);
    }

    /// A block of linear reads at one fractional delay `d` (clamped as [`DelayLine::read_linear`])
    /// that reach no further forward than the block's own writes would: `y[j]` is the read frame
    /// `j` of the block would make, before its own push, when `d` ≥ `y.len()` (so every frame read
    /// was pushed before the block). Then `push_block` appends the block. The same values as
    /// per-frame `read_linear` then `push`, bit for bit. Render thread.
    pub fn read_linear_block(&self, d: f32, y: &mut [f32]) {
        let d = d.clamp(1.0, self.max_delay() as f32);
        let i = d as usize;
        let f = d - i as f32;
        debug_assert!(i >= y.len(), "the block reads its own writes");
        let len = self.buf.len();
        // Frame j reads a = buf[pos − i + j] and b = buf[pos − i − 1 + j] (mod len).
        let s = self.pos.wrapping_sub(i) & self.mask;
        if s >= 1 && s + y.len() <= len {
            let (a, b) = (&self.buf[s..s + y.len()], &self.buf[s - 1..s - 1 + y.len()]);
            for ((y, a), b) in y.iter_mut().zip(a).zip(b) {
                *y = a + (b - a) * f;
            }
        } else {
            for (j, y) in y.iter_mut().enumerate() {
                let a = self.buf[(s + j) & self.mask];
                let b = self.buf[(s + j).wrapping_sub(1) & self.mask];
                *y = a + (b - a) * f;
            }
        }
    }

    /// Appends `v(j)` for each frame `j` of a block of `n` frames, in order (as `n` calls of
    /// [`DelayLine::push`]). Render thread.
    #[inline(always)]
    pub fn push_block(&mut self, n: usize, v: impl Fn(usize) -> f32) {
        let p = self.pos;
        if p + n <= self.buf.len() {
            for (j, slot) in self.buf[p..p + n].iter_mut().enumerate() {
                *slot = v(j);
            }
        } else {
            for j in 0..n {
                self.buf[(p + j) & self.mask] = v(j);
            }
        }
        self.pos = (p + n) & self.mask;
    }

    /// Appends one frame.
    #[inline(always)]
    pub fn push(&mut self, x: f32) {
        self.buf[self.pos] = x;
        self.pos = (self.pos + 1) & self.mask;
    }

    /// The sample pushed `d` pushes ago; `d` is taken modulo the buffer length (callers clamp).
    #[inline(always)]
    pub fn read(&self, d: usize) -> f32 {
        self.buf[self.pos.wrapping_sub(d) & self.mask]
    }

    /// Linear interpolation at a fractional delay, clamped to 1..=max_delay.
    #[inline(always)]
    pub fn read_linear(&self, d: f32) -> f32 {
        let d = d.clamp(1.0, self.max_delay() as f32);
        let i = d as usize;
        let f = d - i as f32;
        let a = self.read(i);
        let b = self.read(i + 1);
        a + (b - a) * f
    }

    /// 4-point, 3rd-order Hermite interpolation at a fractional delay, clamped to 2..=max_delay.
    #[inline(always)]
    pub fn read_cubic(&self, d: f32) -> f32 {
        let d = d.clamp(2.0, self.max_delay() as f32);
        let i = d as usize;
        self.read_cubic_at(i, d - i as f32)
    }

    /// [`DelayLine::read_cubic`] at the delay `i + f` given as whole frames `i` (≥ 2, ≤
    /// max_delay − 1, clamped) and a fraction `f` in 0..1, for callers that offset a fractional
    /// delay by whole frames and want the fraction untouched by rounding.
    #[inline(always)]
    pub fn read_cubic_at(&self, i: usize, f: f32) -> f32 {
        let i = i.clamp(2, self.max_delay() - 1);
        let (xm1, x0, x1, x2) = (
            self.read(i - 1),
            self.read(i),
            self.read(i + 1),
            self.read(i + 2),
        );
        let c1 = 0.5 * (x1 - xm1);
        let c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
        let c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
        ((c3 * f + c2) * f + c1) * f + x0
    }
}

/// One frame of a Schroeder allpass on `line` with an integer delay `d` and gain `g`:
/// v = x − g·z, y = z + g·v with z the delayed v, i.e. H(z) = (g + z^−d)/(1 + g·z^−d).
/// The value written back is flushed of denormals.
#[inline(always)]
pub fn allpass(line: &mut DelayLine, d: usize, g: f32, x: f32) -> f32 {
    let z = line.read(d);
    let v = crate::kernels::dsp::flush(x - g * z);
    line.push(v);
    z + g * v
}

/// [`allpass`] with a fractional (modulated) delay, read with linear interpolation.
#[inline(always)]
pub fn allpass_frac(line: &mut DelayLine, d: f32, g: f32, x: f32) -> f32 {
    let z = line.read_linear(d);
    let v = crate::kernels::dsp::flush(x - g * z);
    line.push(v);
    z + g * v
}

/// A read head that follows a delay time by crossfading: while the time is steady it reads one
/// position; when the target changes it fades linearly from the old position to the new one over
/// `fade` frames, then settles there. A target that keeps moving is followed in fade-long steps.
/// This avoids both the zipper noise of a jumping read position and the pitch sweep of a sliding
/// one.
#[derive(Clone, Copy, Debug, Default)]
pub struct FadingHead {
    cur: f32,
    next: f32,
    /// Progress of the running fade, 0..1; only meaningful while `fading`.
    pos: f32,
    step: f32,
    fading: bool,
    primed: bool,
}

/// The two channels' lines and crossfading read heads of a feedback echo (`delay`,
/// `multitap`, `pingpong`).
#[derive(Debug, Default)]
pub struct Echoes {
    /// Left and right lines.
    pub lines: [DelayLine; 2],
    /// Their read heads.
    pub heads: [FadingHead; 2],
}

impl Echoes {
    /// Lines long enough for `max_seconds` of delay at `sample_rate`, and their heads. Control
    /// thread.
    pub fn prepare(&mut self, max_seconds: f32, sample_rate: f32) {
        for (l, h) in self.lines.iter_mut().zip(self.heads.iter_mut()) {
            *l = DelayLine::new((max_seconds * sample_rate).ceil() as usize + 2);
            h.prepare(sample_rate);
        }
    }
}

/// Crossfade length of [`FadingHead`], seconds.
pub const HEAD_FADE_SECONDS: f32 = 0.02;

impl FadingHead {
    /// Sets the fade length. Control thread.
    pub fn prepare(&mut self, sample_rate: f32) {
        self.step = 1.0 / (HEAD_FADE_SECONDS * sample_rate).max(1.0);
        *self = FadingHead {
            step: self.step,
            ..FadingHead::default()
        };
    }

    /// Jumps to `target` on first use (no fade when the effect starts).
    #[inline]
    pub fn prime(&mut self, target: f32) {
        if !self.primed {
            self.cur = target;
            self.primed = true;
        }
    }

    /// Whether a read at `target` this block is a plain read at `target` for every frame: the
    /// head has settled there (primed, not fading) and the target holds for the block. Then
    /// [`FadingHead::read`] would return `line.read_linear(target)` for each frame and change
    /// nothing.
    #[inline]
    pub fn settled_at(&self, target: f32) -> bool {
        self.primed && !self.fading && self.cur == target
    }

    /// One frame: (old delay, new delay, weight of the new one). Outside a fade both delays are
    /// the same and the weight is 0.
    #[inline(always)]
    pub fn tick(&mut self, target: f32) -> (f32, f32, f32) {
        if !self.fading {
            if target == self.cur {
                return (self.cur, self.cur, 0.0);
            }
            self.next = target;
            self.pos = 0.0;
            self.fading = true;
        }
        self.pos += self.step;
        if self.pos >= 1.0 {
            self.cur = self.next;
            self.fading = false;
            return (self.cur, self.cur, 0.0);
        }
        (self.cur, self.next, self.pos)
    }

    /// Reads `line` through the head for one frame.
    #[inline(always)]
    pub fn read(&mut self, line: &DelayLine, target: f32) -> f32 {
        let (a, b, w) = self.tick(target);
        let x = line.read_linear(a);
        if w == 0.0 {
            x
        } else {
            x + (line.read_linear(b) - x) * w
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block reads and writes give the per-frame loop's values bit for bit, wherever the
    /// block falls in the ring (across its wrap too) and for whole and fractional delays.
    #[test]
    fn block_reads_and_pushes_equal_frame_by_frame() {
        for &(d, n) in &[(40.0f32, 40usize), (40.25, 33), (57.7, 17), (100.0, 1)] {
            let (mut a, mut b) = (DelayLine::new(100), DelayLine::new(100));
            let mut k = 0u32;
            let mut input = move || {
                k = k.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (k >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            };
            // Enough blocks to pass the 128-frame ring's end several times.
            for _ in 0..40 {
                let x: Vec<f32> = (0..n).map(|_| input()).collect();
                let want: Vec<f32> = x
                    .iter()
                    .map(|v| {
                        let y = a.read_linear(d);
                        a.push(v + 0.5 * y);
                        y
                    })
                    .collect();
                let mut got = vec![0.0; n];
                b.read_linear_block(d, &mut got);
                b.push_block(n, |j| x[j] + 0.5 * got[j]);
                assert_eq!(want, got, "delay {d}, block {n}");
                assert_eq!(a.buf, b.buf);
                assert_eq!(a.pos, b.pos);
            }
        }
    }

    #[test]
    fn integer_reads_delay_exactly() {
        let mut d = DelayLine::new(10);
        assert!(d.max_delay() >= 10);
        for i in 0..20 {
            // Read before write: a delay of 3 returns the value pushed three frames ago.
            let y = d.read(3);
            assert_eq!(y, if i >= 3 { (i - 3) as f32 } else { 0.0 });
            d.push(i as f32);
        }
        assert_eq!(d.read(1), 19.0);
    }

    #[test]
    fn fractional_reads_interpolate_a_ramp_exactly() {
        let mut d = DelayLine::new(16);
        for i in 0..16 {
            d.push(i as f32);
        }
        // Linear and cubic interpolation are exact on a ramp: read(d) = 15 − (d − 1).
        for k in 0..40 {
            let x = 2.0 + k as f32 * 0.25;
            assert!((d.read_linear(x) - (16.0 - x)).abs() < 1e-5, "{x}");
            assert!((d.read_cubic(x) - (16.0 - x)).abs() < 1e-5, "{x}");
        }
        // Clamps: below 1 (linear) and 2 (cubic) read the clamp.
        assert_eq!(d.read_linear(0.0), 15.0);
        assert_eq!(d.read_cubic(0.5), 14.0);
    }

    /// The allpass has unit gain at every frequency: its impulse response has unit energy.
    #[test]
    fn allpass_impulse_response_has_unit_energy() {
        let mut d = DelayLine::new(8);
        let mut e = 0.0f64;
        for i in 0..4000 {
            let y = allpass(&mut d, 7, 0.6, if i == 0 { 1.0 } else { 0.0 });
            e += (y as f64).powi(2);
        }
        assert!((e - 1.0).abs() < 1e-5, "{e}");
    }

    #[test]
    fn fading_head_crossfades_over_its_length() {
        let mut h = FadingHead::default();
        h.prepare(800.0); // 16 frames, step 1/16 (exact in f32)
        h.prime(5.0);
        assert_eq!(h.tick(5.0), (5.0, 5.0, 0.0));
        let (a, b, w) = h.tick(9.0);
        assert_eq!((a, b), (5.0, 9.0));
        assert_eq!(w, 0.0625);
        // A new target during the fade waits for the fade to end.
        for _ in 0..14 {
            let (a, b, _) = h.tick(12.0);
            assert_eq!((a, b), (5.0, 9.0));
        }
        assert_eq!(h.tick(12.0), (9.0, 9.0, 0.0));
        let (a, b, _) = h.tick(12.0);
        assert_eq!((a, b), (9.0, 12.0));
    }
}
