//! Control-rate coefficients: a modulated filter computes its coefficients every [`KRATE`] frames, on a frame grid that block boundaries never move, and interpolates them linearly in between.
//!
//! A filter whose cutoff (or q, gain, ...) is a per-frame signal used to recompute its
//! coefficients every frame (a `tan` and a division, or a `sin`/`cos`, per frame). Instead, a
//! [`Ramp`] holds N coefficients and walks a grid of control frames: frame 0 after `prepare`
//! (and after `reset`, in kernels that restart their ramp there), then every [`KRATE`] frames. At a control frame the kernel samples its inputs at
//! that frame and computes the target coefficients; over the [`KRATE`] frames of the segment
//! that starts there the coefficients go linearly from the previous target to the new one,
//! landing on it at the segment's last frame:
//!
//! c(j) = from + (to − from)/KRATE · (j + 1), j = 0 .. KRATE − 1,
//!
//! computed from the segment's start (not accumulated), so the value at a frame depends only on
//! its place on the grid. The grid position is state that carries across blocks, so the output is
//! the same however the stream is cut into blocks. The first control frame of a fresh ramp takes
//! its target as is (no ramp from an arbitrary start).
//!
//! Consequences, documented by each filter: the coefficients trail the parameter by up to
//! `KRATE` frames (a step in a parameter starts to act at the first control frame at or after
//! it, at most `KRATE − 1` frames later, and is complete `KRATE − 1` frames after that: 0.7 ms
//! at 44.1 kHz in all); per frame the ramp costs one multiply-add per coefficient, which does
//! not sit on the filter's recursion.
//!
//! Whether interpolating a filter's coefficients linearly keeps it stable is the filter's to
//! argue (see [`super::filter`], [`super::biquad`], [`super::ladder`]). This grid is the
//! filters' own; the effects' parameter grid ([`super::dsp::CONTROL`], 32 frames) is separate.

/// Frames per control period: modulated filters compute coefficients every 16 frames (2756 Hz at
/// 44.1 kHz) and interpolate linearly in between. 16 keeps the coefficient cost per frame to a
/// sixteenth while the zipper noise of an exponential cutoff sweep 100 Hz → 10 kHz in a second
/// or of a 5 Hz LFO stays near −120..−150 dB (the filter tests measure it against the exact
/// per-frame algorithm). Audio-rate modulation is where it shows: a ±800 Hz sweep at 200 Hz
/// leaves about −41 dB, because the linear interpolation of a 200 Hz modulation sampled at
/// 2756 Hz keeps images at 2756 ± 200 Hz only ≈ 45 dB down; the error goes as (rate·K/sr)²,
/// 12 dB per halving of K, so −80 dB there takes K = 2, or a 4-point (Catmull-Rom)
/// interpolation at K = 8 with another K frames of latency
/// (`filter::tests::audio_rate_zipper_report` prints these).
pub const KRATE: usize = 16;

const INV_KRATE: f64 = 1.0 / KRATE as f64;

/// N coefficients ramped between control frames (see the module doc). `Copy`, so a kernel can
/// run the same block's ramp once per channel from the same start.
#[derive(Clone, Copy, Debug)]
pub struct Ramp<const N: usize> {
    /// The previous target: where the current segment starts.
    from: [f64; N],
    /// (to − from)/KRATE.
    step: [f64; N],
    /// The current segment's target.
    to: [f64; N],
    /// Frames of the current segment already rendered, 1..=KRATE; KRATE also when no segment
    /// has started. At KRATE the next frame is a control frame.
    pos: usize,
    primed: bool,
}

impl<const N: usize> Default for Ramp<N> {
    fn default() -> Ramp<N> {
        Ramp {
            from: [0.0; N],
            step: [0.0; N],
            to: [0.0; N],
            pos: KRATE,
            primed: false,
        }
    }
}

impl<const N: usize> Ramp<N> {
    /// Offsets of this block's control frames, for a block of `n` frames starting now (the
    /// kernel computes one target per offset, in this order).
    pub fn control_frames(&self, n: usize) -> impl Iterator<Item = usize> {
        ((KRATE - self.pos) % KRATE..n).step_by(KRATE)
    }

    /// The most control frames a block of `max_block` frames can hold (for sizing the targets
    /// buffer in `prepare`).
    pub fn max_controls(max_block: usize) -> usize {
        max_block.div_ceil(KRATE)
    }

    /// Starts a segment toward `to` (the first one ever, and one that `jump` asks for, just sits
    /// on it).
    #[inline(always)]
    fn retarget(&mut self, to: [f64; N], jump: bool) {
        if self.primed && !jump {
            self.from = self.to;
            self.step = std::array::from_fn(|k| (to[k] - self.from[k]) * INV_KRATE);
        } else {
            self.primed = true;
            self.from = to;
            self.step = [0.0; N];
        }
        self.to = to;
        self.pos = 0;
    }

    /// Walks `n` frames: at each control frame takes the next of `targets` (jumping to it when
    /// `jump(previous, next)` says so), and calls `seg(ramp, from, to)` for every run of frames
    /// inside one segment.
    #[inline(always)]
    fn walk(
        &mut self,
        targets: &[[f64; N]],
        n: usize,
        jump: impl Fn(&[f64; N], &[f64; N]) -> bool,
        mut seg: impl FnMut(&Self, usize, usize),
    ) {
        let mut t = targets.iter();
        let mut i = 0;
        while i < n {
            if self.pos == KRATE {
                let to = *t.next().expect("one target per control frame");
                self.retarget(to, jump(&self.to, &to));
            }
            let end = n.min(i + KRATE - self.pos);
            seg(self, i, end);
            self.pos += end - i;
            i = end;
        }
    }

    /// Renders a block of `n` frames: `frame(i, c)` for each frame i with its coefficients,
    /// `targets` holding one set per [`Ramp::control_frames`] offset. Leaves `self` unchanged
    /// (call [`Ramp::advance`] once after all channels).
    #[inline(always)]
    pub fn run(&self, targets: &[[f64; N]], n: usize, frame: impl FnMut(usize, &[f64; N])) {
        self.run_jumping(targets, n, |_, _| false, frame)
    }

    /// [`Ramp::run`], except that a segment whose target `jump(previous target, target)` flags
    /// sits on its target from its first frame instead of ramping to it (a filter switching
    /// structure, where a blend of the two coefficient sets would mean nothing).
    #[inline(always)]
    pub fn run_jumping(
        &self,
        targets: &[[f64; N]],
        n: usize,
        jump: impl Fn(&[f64; N], &[f64; N]) -> bool,
        mut frame: impl FnMut(usize, &[f64; N]),
    ) {
        let mut r = *self;
        r.walk(targets, n, jump, |r, from, to| {
            let mut j = r.pos as f64;
            for i in from..to {
                j += 1.0;
                let c: [f64; N] = std::array::from_fn(|k| r.from[k] + r.step[k] * j);
                frame(i, &c);
            }
        });
    }

    /// Where the ramp stands on its grid (and whether it has a target yet): ramps with equal
    /// grids have their control frames at the same offsets.
    pub fn grid(&self) -> (usize, bool) {
        (self.pos, self.primed)
    }

    /// Moves the ramp past a block of `n` frames with these `targets` (what [`Ramp::run`] read).
    pub fn advance(&mut self, targets: &[[f64; N]], n: usize) {
        self.advance_jumping(targets, n, |_, _| false);
    }

    /// [`Ramp::advance`] for [`Ramp::run_jumping`] (with the same `jump`).
    pub fn advance_jumping(
        &mut self,
        targets: &[[f64; N]],
        n: usize,
        jump: impl Fn(&[f64; N], &[f64; N]) -> bool,
    ) {
        self.walk(targets, n, jump, |_, _, _| {});
    }

    /// Whether every frame from now on is exactly `c` as long as the targets are `c`: then a
    /// kernel may render with fixed coefficients and call [`Ramp::hold`]. An unprimed ramp is
    /// primed to `c` here (its first control frame would take `c` as is).
    pub fn settled_at(&mut self, c: &[f64; N]) -> bool {
        if !self.primed {
            self.retarget(*c, true);
            self.pos = KRATE;
        }
        self.step.iter().all(|s| *s == 0.0) && self.to == *c && self.from == *c
    }

    /// Moves the ramp past `n` frames whose targets all equal the settled value (see
    /// [`Ramp::settled_at`]): only the grid position moves.
    pub fn hold(&mut self, n: usize) {
        let p = self.pos + n;
        self.pos = if p <= KRATE {
            p
        } else {
            (p - KRATE - 1) % KRATE + 1
        };
    }
}

/// The ramps of up to `L` kernels on one grid (equal [`Ramp::grid`]), stepped together as the
/// lanes of one loop: their coefficients coefficient-major (`from[k][lane]`), so a retarget is
/// a few vector operations for every lane and a lanes loop reads each coefficient of all lanes
/// as one vector. Every lane takes exactly the values its own [`Ramp::run`] would.
#[derive(Clone, Copy, Debug)]
pub struct RampLanes<const N: usize, const L: usize> {
    /// Each lane's segment start, `from[k][lane]`.
    pub from: [[f64; L]; N],
    /// Each lane's change per frame, `step[k][lane]`.
    pub step: [[f64; L]; N],
    /// Each lane's current target.
    to: [[f64; L]; N],
    /// The grid, shared by every lane (see [`Ramp`]).
    pos: usize,
    primed: bool,
}

impl<const N: usize, const L: usize> RampLanes<N, L> {
    /// The lanes of `ramp(0) .. ramp(L − 1)`, which must all stand on one grid (the grid of
    /// `ramp(0)` is taken).
    #[inline(always)]
    pub fn new(ramp: impl Fn(usize) -> Ramp<N>) -> Self {
        let r0 = ramp(0);
        let mut lanes = RampLanes {
            from: [[0.0; L]; N],
            step: [[0.0; L]; N],
            to: [[0.0; L]; N],
            pos: r0.pos,
            primed: r0.primed,
        };
        for l in 0..L {
            let r = ramp(l);
            for k in 0..N {
                lanes.from[k][l] = r.from[k];
                lanes.step[k][l] = r.step[k];
                lanes.to[k][l] = r.to[k];
            }
        }
        lanes
    }

    /// Writes lane `l` back into its ramp, which then stands where [`Ramp::advance`] over the
    /// same frames would leave it.
    pub fn store(&self, l: usize, ramp: &mut Ramp<N>) {
        for k in 0..N {
            ramp.from[k] = self.from[k][l];
            ramp.step[k] = self.step[k][l];
            ramp.to[k] = self.to[k][l];
        }
        ramp.pos = self.pos;
        ramp.primed = self.primed;
    }

    /// Steps every lane through its next run of frames, from block frame `i` to at most `n`: at
    /// a control frame every lane takes its next target, which `next(to)` writes into
    /// `to[k][lane]` (the caller counts the targets and transposes them), as [`Ramp::run`]
    /// does. Returns the run (first frame, end frame, frames of its segment rendered before it);
    /// its coefficients are then `from + step·j` with j counting on from the third value.
    #[inline(always)]
    pub fn next_run(
        &mut self,
        i: usize,
        n: usize,
        next: impl FnOnce(&mut [[f64; L]; N]),
    ) -> (usize, usize, usize) {
        if self.pos == KRATE {
            let mut to = [[0.0; L]; N];
            next(&mut to);
            // Ramp::retarget for every lane, the same operations.
            if self.primed {
                // Row by row, so the compiler vectorizes along the lanes (across the rows it
                // would gather).
                let rows = self.from.iter_mut().zip(&mut self.step);
                for ((from, step), (old, new)) in rows.zip(self.to.iter().zip(&to)) {
                    for l in 0..L {
                        from[l] = old[l];
                        step[l] = (new[l] - old[l]) * INV_KRATE;
                    }
                }
            } else {
                self.primed = true;
                self.from = to;
                self.step = [[0.0; L]; N];
            }
            self.to = to;
            self.pos = 0;
        }
        let end = n.min(i + KRATE - self.pos);
        let run = (i, end, self.pos);
        self.pos += end - i;
        run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ramp, frame by frame, against the formula in the module doc: control frames at
    /// absolute multiples of KRATE, a first target taken as is, then linear segments that land on
    /// each target at the segment's last frame; the same for blocks of any size; `hold` keeps
    /// the grid.
    #[test]
    fn ramp_follows_its_grid_in_any_blocks() {
        let total = 200;
        let target = |abs: usize| [abs as f64 * 0.5, -(abs as f64)];
        // Expected, from the formula: segment s starts at frame s·K, goes from target((s−1)·K)
        // to target(s·K); segment 0 sits on target(0).
        let want: Vec<[f64; 2]> = (0..total)
            .map(|a| {
                let s = a / KRATE;
                let j = (a % KRATE) as f64 + 1.0;
                if s == 0 {
                    target(0)
                } else {
                    let (f, t) = (target((s - 1) * KRATE), target(s * KRATE));
                    std::array::from_fn(|k| f[k] + (t[k] - f[k]) / KRATE as f64 * j)
                }
            })
            .collect();
        for sizes in [&[1usize][..], &[7, 16, 33, 1, 64], &[200]] {
            let mut r = Ramp::<2>::default();
            let (mut start, mut b) = (0, 0);
            let mut got = Vec::new();
            while start < total {
                let n = sizes[b % sizes.len()].min(total - start);
                b += 1;
                let targets: Vec<[f64; 2]> =
                    r.control_frames(n).map(|i| target(start + i)).collect();
                r.run(&targets, n, |i, c| {
                    assert_eq!(got.len(), start + i);
                    got.push(*c);
                });
                r.advance(&targets, n);
                start += n;
            }
            assert_eq!(got, want, "blocks {sizes:?}");
        }
        // Settled: fixed coefficients, and the grid still moves.
        let mut r = Ramp::<1>::default();
        assert!(r.settled_at(&[2.0]));
        r.hold(5);
        assert_eq!(r.control_frames(40).collect::<Vec<_>>(), [11, 27]);
        r.hold(11);
        assert_eq!(r.control_frames(40).collect::<Vec<_>>(), [0, 16, 32]);
        r.hold(16 * 3 + 2);
        assert_eq!(r.control_frames(20).collect::<Vec<_>>(), [14]);
    }

    /// Ramps stepped as lanes take, frame by frame, exactly the values each ramp's own
    /// [`Ramp::run`] gives, and end where [`Ramp::advance`] leaves it, in blocks of any size,
    /// from fresh and from running ramps.
    #[test]
    fn ramp_lanes_equal_single_ramps() {
        const L: usize = 3;
        let target = |l: usize, abs: usize| [(abs * (l + 1)) as f64 * 0.37, -(abs as f64) / 3.0];
        let mut singles = [Ramp::<2>::default(); L];
        let mut lanes = [Ramp::<2>::default(); L];
        let mut start = 0;
        for (b, n) in [5usize, 16, 40, 1, 64, 23].into_iter().enumerate() {
            let targets: Vec<Vec<[f64; 2]>> = (0..L)
                .map(|l| {
                    singles[l]
                        .control_frames(n)
                        .map(|i| target(l, start + i))
                        .collect()
                })
                .collect();
            let mut want = vec![vec![[0.0; 2]; n]; L];
            for l in 0..L {
                singles[l].run(&targets[l], n, |i, c| want[l][i] = *c);
                singles[l].advance(&targets[l], n);
            }
            let mut r = RampLanes::<2, L>::new(|l| lanes[l]);
            let (mut i, mut t) = (0, 0);
            while i < n {
                let (s, end, pos) = r.next_run(i, n, |to| {
                    for (l, lane) in targets.iter().enumerate() {
                        for k in 0..2 {
                            to[k][l] = lane[t][k];
                        }
                    }
                    t += 1;
                });
                assert_eq!(s, i);
                for f in s..end {
                    let j = (pos + f - s + 1) as f64;
                    for (l, lane) in want.iter().enumerate() {
                        for (k, w) in lane[f].iter().enumerate() {
                            let v = r.from[k][l] + r.step[k][l] * j;
                            assert_eq!(v.to_bits(), w.to_bits(), "block {b}, frame {f}, lane {l}");
                        }
                    }
                }
                i = end;
            }
            for (l, lane) in lanes.iter_mut().enumerate() {
                r.store(l, lane);
                assert_eq!(lane.grid(), singles[l].grid());
                assert_eq!(
                    (lane.from, lane.step, lane.to),
                    (singles[l].from, singles[l].step, singles[l].to)
                );
            }
            start += n;
        }
    }
}
