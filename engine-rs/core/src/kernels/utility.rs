//! Signal utilities: `range min max abs clip wrap mtof` (frame by frame) and `xfade mix select if` (mixing and switching).
//!
//! Every signal port takes a constant, a lane or a mono or stereo node; the output has as many
//! channels as the widest signal port (a mono input feeds both channels of a stereo result). The
//! other ports (bounds, positions, indices) are mono: a stereo node feeding one is read from its
//! left channel.
//!
//! - `range {in, min=0, max=1}`: maps −1..1 onto min..max: min + (in + 1)/2·(max − min) (not
//!   clamped: inputs outside −1..1 land outside min..max). In `range`, `clip` and `wrap` a NaN
//!   bound reads as its default.
//! - `min {a, b}`, `max {a, b}`: the smaller / larger; a NaN in one reads as the other.
//! - `abs {in}`: |in|.
//! - `clip {in, min=−1, max=1}`: in clamped to min..max (bounds swapped if min > max; a NaN input
//!   reads as min).
//! - `wrap {in, min=0, max=1}`: in wrapped into min..max (min + (in − min) mod (max − min), the
//!   result in [min, max)); bounds swapped if min > max; a range narrower than 1e-9 gives min.
//! - `mtof {in}`: MIDI note number to Hz, 440·2^((in − 69)/12); in clamped to −100..200, NaN gives
//!   0 Hz. (An `exp2` per frame for a block input; a constant is converted once.)
//! - `xfade {a, b, pos=0.5}`: linear crossfade a·(1 − pos) + b·pos, pos clamped to 0..1 (NaN
//!   reads as 0.5) and smoothed by a 5 ms linear ramp ([`super::control::Glide`]) so that a
//!   stepped position does not click (an audio-rate `pos` is therefore low-passed; use
//!   `mul`/`add` for audio-rate crossfades).
//! - `mix {a, b=0, c=0, d=0}`: the sum, at unity gain.
//! - `select {index=0, a, b=0, c=0, d=0}`: one of the inputs: index rounded down and clamped to
//!   0..3 (NaN reads as 0). A change of index crossfades: each input's gain (1 for the selected,
//!   0 for the others) ramps over 5 ms, so switching never clicks.
//! - `if {cond, then, else}`: `then` where cond > 0.5, else `else` (NaN is false), with the same
//!   smoothed switch as `select`.

use super::control::{clamp_or, Glide};
use super::scratch::Scratch;
use super::{audio, param, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};

const IN: PortSpec = audio("in");
const A: PortSpec = audio("a");
const B: PortSpec = audio("b");

/// An input of `select` that reads 0 when left out.
const fn optional(name: &'static str) -> PortSpec {
    PortSpec {
        default: Some(0.0),
        ..audio(name)
    }
}

const fn value(name: &'static str, default: f32) -> PortSpec {
    param(name, default).unit("value")
}

/// `range {in, min, max}`.
pub const RANGE: KindSpec = KindSpec::follows(
    "range",
    "Maps −1…1 onto min…max.",
    &[IN, value("min", 0.0), value("max", 1.0)],
    || Box::new(Mapper::new(Map::Range)),
);
/// `min {a, b}`.
pub const MIN: KindSpec = KindSpec::follows("min", "The smaller of two signals.", &[A, B], || {
    Box::new(Mapper::new(Map::Min))
});
/// `max {a, b}`.
pub const MAX: KindSpec = KindSpec::follows("max", "The larger of two signals.", &[A, B], || {
    Box::new(Mapper::new(Map::Max))
});
/// `abs {in}`.
pub const ABS: KindSpec = KindSpec::follows("abs", "The absolute value of the input.", &[IN], || {
    Box::new(Mapper::new(Map::Abs))
});
/// `clip {in, min, max}`.
pub const CLIP: KindSpec = KindSpec::follows(
    "clip",
    "Clamps the input into min…max (hard clipping).",
    &[IN, value("min", -1.0), value("max", 1.0)],
    || Box::new(Mapper::new(Map::Clip)),
);
/// `wrap {in, min, max}`.
pub const WRAP: KindSpec = KindSpec::follows(
    "wrap",
    "Wraps the input into min…max.",
    &[IN, value("min", 0.0), value("max", 1.0)],
    || Box::new(Mapper::new(Map::Wrap)),
);
/// `mtof {in}`.
pub const MTOF: KindSpec = KindSpec::follows("mtof", "MIDI note number to Hz.", &[IN], || {
    Box::new(Mapper::new(Map::Mtof))
});
/// `xfade {a, b, pos}`.
pub const XFADE: KindSpec = KindSpec::follows(
    "xfade",
    "Crossfade: pos 0 is a, 1 is b.",
    &[A, B, param("pos", 0.5).unit("0–1").range(0.0, 1.0)],
    || Box::new(Xfade::default()),
);
/// `select {index, a, b, c, d}`.
pub const SELECT: KindSpec = KindSpec::follows(
    "select",
    "Picks one of its inputs by index (rounded, wrapped).",
    &[
        param("index", 0.0).unit("integer"),
        A,
        optional("b"),
        optional("c"),
        optional("d"),
    ],
    || Box::new(Switch::new(false)),
);
/// `if {cond, then, else}`.
pub const IF: KindSpec = KindSpec::follows(
    "if",
    "then where cond > 0.5, else elsewhere.",
    &[audio("cond").mono(), audio("then"), audio("else")],
    || Box::new(Switch::new(true)),
);

/// The frame-by-frame functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Map {
    /// −1..1 onto min..max.
    Range,
    /// Smaller.
    Min,
    /// Larger.
    Max,
    /// Absolute value.
    Abs,
    /// Clamp.
    Clip,
    /// Wrap.
    Wrap,
    /// MIDI to Hz.
    Mtof,
}

/// MIDI note to Hz, with the documented clamp.
#[inline(always)]
pub fn mtof(m: f32) -> f32 {
    if m.is_nan() {
        0.0
    } else {
        440.0 * ((m.clamp(-100.0, 200.0) - 69.0) / 12.0).exp2()
    }
}

/// Wraps `x` into [lo, hi) (bounds in either order).
#[inline(always)]
pub fn wrap(x: f32, lo: f32, hi: f32) -> f32 {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let w = hi - lo;
    if w.is_nan() || w < 1e-9 {
        return lo;
    }
    let r = x - lo - w * ((x - lo) / w).floor();
    // Rounding can land exactly on w; keep the result inside [lo, hi).
    lo + if r >= w { 0.0 } else { r.max(0.0) }
}

/// Clamps `x` into the bounds (in either order); NaN reads as the lower one.
#[inline(always)]
pub fn clip(x: f32, lo: f32, hi: f32) -> f32 {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    x.max(lo).min(hi)
}

/// The frame-by-frame utilities.
#[derive(Debug)]
pub struct Mapper {
    map: Map,
    scratch: Scratch,
}

impl Mapper {
    /// A node computing `map`.
    pub fn new(map: Map) -> Mapper {
        Mapper {
            map,
            scratch: Scratch::default(),
        }
    }
}

impl Kernel for Mapper {
    fn prepare(&mut self, _sample_rate: f32, max_block: usize) {
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        for c in 0..out.channels() {
            let o = out.channel(c);
            let second = |k: usize| inputs.get(k).map_or(Input::Const(0.0), |p| p.ch[c]);
            match self.map {
                Map::Abs => match inputs[0].ch[c] {
                    Input::Const(x) => o.fill(x.abs()),
                    Input::Block(x) => {
                        for (o, x) in o.iter_mut().zip(&x[..n]) {
                            *o = x.abs();
                        }
                    }
                },
                Map::Mtof => match inputs[0].ch[c] {
                    Input::Const(x) => o.fill(mtof(x)),
                    Input::Block(x) => {
                        for (o, x) in o.iter_mut().zip(&x[..n]) {
                            *o = mtof(*x);
                        }
                    }
                },
                Map::Min | Map::Max => {
                    let [a, b] = self.scratch.slices([second(0), second(1)], n);
                    if self.map == Map::Min {
                        for i in 0..n {
                            o[i] = a[i].min(b[i]);
                        }
                    } else {
                        for i in 0..n {
                            o[i] = a[i].max(b[i]);
                        }
                    }
                }
                Map::Range | Map::Clip | Map::Wrap => {
                    let [x, lo, hi] = self
                        .scratch
                        .slices([inputs[0].ch[c], inputs[1].left(), inputs[2].left()], n);
                    // NaN bounds read as the defaults.
                    let (dlo, dhi) = if self.map == Map::Clip {
                        (-1.0, 1.0)
                    } else {
                        (0.0, 1.0)
                    };
                    let lo = |i: usize| if lo[i].is_nan() { dlo } else { lo[i] };
                    let hi = |i: usize| if hi[i].is_nan() { dhi } else { hi[i] };
                    match self.map {
                        Map::Range => {
                            for i in 0..n {
                                o[i] = lo(i) + (x[i] + 1.0) * 0.5 * (hi(i) - lo(i));
                            }
                        }
                        Map::Clip => {
                            for i in 0..n {
                                o[i] = clip(x[i], lo(i), hi(i));
                            }
                        }
                        _ => {
                            for i in 0..n {
                                o[i] = wrap(x[i], lo(i), hi(i));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `xfade`.
#[derive(Debug, Default)]
pub struct Xfade {
    glide: Glide,
    /// This block's smoothed positions.
    pos: Vec<f32>,
    scratch: Scratch,
}

impl Kernel for Xfade {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.glide.prepare(sample_rate);
        self.pos = vec![0.0; max_block];
        self.scratch.prepare(2, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let pos = &mut self.pos[..n];
        let glide = &mut self.glide;
        match inputs[2].left() {
            Input::Const(p) => {
                let p = clamp_or(p, 0.5, 0.0, 1.0);
                for q in pos.iter_mut() {
                    *q = glide.next(p);
                }
            }
            Input::Block(p) => {
                for (q, p) in pos.iter_mut().zip(&p[..n]) {
                    *q = glide.next(clamp_or(*p, 0.5, 0.0, 1.0));
                }
            }
        }
        for c in 0..out.channels() {
            let o = out.channel(c);
            let [a, b] = self.scratch.slices([inputs[0].ch[c], inputs[1].ch[c]], n);
            for i in 0..n {
                o[i] = a[i] + (b[i] - a[i]) * pos[i];
            }
        }
    }
}

/// Most inputs of `select`.
const SWITCH_INPUTS: usize = 4;

/// `select` and `if`: inputs weighted by smoothed gains.
#[derive(Debug)]
pub struct Switch {
    /// `if` (2 inputs chosen by cond > 0.5) rather than `select`.
    cond: bool,
    glides: [Glide; SWITCH_INPUTS],
    /// This block's gains, input after input.
    gains: Vec<f32>,
    max_block: usize,
    scratch: Scratch,
}

impl Switch {
    /// `select` (false) or `if` (true).
    pub fn new(cond: bool) -> Switch {
        Switch {
            cond,
            glides: [Glide::default(); SWITCH_INPUTS],
            gains: Vec::new(),
            max_block: 0,
            scratch: Scratch::default(),
        }
    }

    /// The input chosen by a control value.
    #[inline(always)]
    fn choice(cond: bool, v: f32) -> usize {
        if cond {
            usize::from(v.is_nan() || v <= 0.5)
        } else {
            clamp_or(v, 0.0, 0.0, 3.0).floor() as usize
        }
    }
}

impl Kernel for Switch {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        for g in &mut self.glides {
            g.prepare(sample_rate);
        }
        self.max_block = max_block;
        self.gains = vec![0.0; SWITCH_INPUTS * max_block];
        self.scratch.prepare(SWITCH_INPUTS, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let n = out.frames();
        let m = if self.cond { 2 } else { SWITCH_INPUTS };
        let stride = self.max_block;
        let cond = self.cond;
        // Gains once per frame for all channels; an input whose gain is 0 for the whole block
        // is skipped (so a NaN in an unselected input stays out).
        let mut active = [false; SWITCH_INPUTS];
        let mut gains = self.gains.chunks_mut(stride);
        for (k, glide) in self.glides.iter_mut().enumerate().take(m) {
            let g = &mut gains.next().expect("prepared")[..n];
            match inputs[0].left() {
                Input::Const(v) => {
                    let t = if Switch::choice(cond, v) == k {
                        1.0
                    } else {
                        0.0
                    };
                    for x in g.iter_mut() {
                        *x = glide.next(t);
                    }
                }
                Input::Block(v) => {
                    for (x, v) in g.iter_mut().zip(&v[..n]) {
                        let t = if Switch::choice(cond, *v) == k {
                            1.0
                        } else {
                            0.0
                        };
                        *x = glide.next(t);
                    }
                }
            }
            active[k] = g.iter().any(|x| *x != 0.0);
        }
        let g = &self.gains;
        for c in 0..out.channels() {
            let o = out.channel(c);
            let ins: [Input; SWITCH_INPUTS] =
                std::array::from_fn(|k| inputs.get(k + 1).map_or(Input::Const(0.0), |p| p.ch[c]));
            let x = self.scratch.slices(ins, n);
            o.fill(0.0);
            for (k, x) in x.iter().enumerate().take(m) {
                if !active[k] {
                    continue;
                }
                let gk = &g[k * stride..k * stride + n];
                for i in 0..n {
                    o[i] += gk[i] * x[i];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::check::{assert_invariant, render_kind, test_noise};
    use crate::kernels::testing::{assert_same, Src};

    fn ch(s: &Src, c: usize, i: usize) -> f32 {
        match s {
            Src::Const(v) => *v,
            Src::Mono(v) => v[i],
            Src::Stereo(l, r) => [l, r][c][i],
        }
    }

    /// The frame-by-frame utilities against their formulas written out, mono and stereo, and the
    /// block contract.
    #[test]
    fn maps_equal_their_formulas() {
        let n = 2000;
        let x: Vec<f32> = test_noise(n, 11).iter().map(|v| v * 3.0).collect();
        let y: Vec<f32> = test_noise(n, 12).iter().map(|v| v * 3.0 + 60.0).collect();
        let lo: Vec<f32> = (0..n)
            .map(|i| [-1.0, 0.5, 2.0, f32::NAN][(i / 300) % 4])
            .collect();
        let hi: Vec<f32> = (0..n)
            .map(|i| [1.0, 0.2, 2.0, 4.0][(i / 170) % 4])
            .collect();
        let sx = Src::Stereo(x.clone(), y.clone());
        let (slo, shi) = (Src::Mono(lo.clone()), Src::Mono(hi.clone()));
        type F = fn(f32, f32, f32) -> f32;
        let cases: [(&str, F); 7] = [
            ("range", |x, lo, hi| lo + (x + 1.0) * 0.5 * (hi - lo)),
            ("clip", |x, lo, hi| {
                let (a, b) = if lo <= hi { (lo, hi) } else { (hi, lo) };
                if x.is_nan() || x < a {
                    a
                } else if x > b {
                    b
                } else {
                    x
                }
            }),
            ("wrap", |x, lo, hi| {
                let (a, b) = if lo <= hi { (lo, hi) } else { (hi, lo) };
                let w = b - a;
                if w.is_nan() || w < 1e-9 {
                    return a;
                }
                let r = (x - a).rem_euclid(w);
                a + if r >= w { 0.0 } else { r }
            }),
            ("abs", |x, _, _| x.abs()),
            ("mtof", |x, _, _| {
                440.0 * ((x.clamp(-100.0, 200.0) - 69.0) / 12.0).exp2()
            }),
            ("min", |a, b, _| {
                if a.is_nan() {
                    b
                } else if b.is_nan() || a <= b {
                    a
                } else {
                    b
                }
            }),
            ("max", |a, b, _| {
                if a.is_nan() {
                    b
                } else if b.is_nan() || a >= b {
                    a
                } else {
                    b
                }
            }),
        ];
        for (kind, f) in cases {
            let srcs: Vec<Src> = match kind {
                "abs" | "mtof" => vec![sx.clone()],
                "min" | "max" => vec![sx.clone(), Src::Mono(x.iter().map(|v| v * 0.5).collect())],
                _ => vec![sx.clone(), slo.clone(), shi.clone()],
            };
            let got = assert_invariant(kind, &srcs, n);
            assert_eq!(got.len(), 2, "{kind}: stereo in, stereo out");
            for (c, g) in got.iter().enumerate() {
                let want: Vec<f32> = (0..n)
                    .map(|i| {
                        let v: Vec<f32> = srcs.iter().map(|s| ch(s, c, i)).collect();
                        let d = if kind == "clip" { -1.0 } else { 0.0 };
                        let lo = *v.get(1).unwrap_or(&0.0);
                        let lo = if lo.is_nan() && kind != "min" && kind != "max" {
                            d
                        } else {
                            lo
                        };
                        f(v[0], lo, *v.get(2).unwrap_or(&0.0))
                    })
                    .collect();
                if kind == "wrap" {
                    // rem_euclid and the kernel's floor formula may differ by an ulp; both in range.
                    for i in 0..n {
                        assert!(
                            (g[i] - want[i]).abs() <= 1e-5 * want[i].abs().max(1.0),
                            "{kind} {c} {i}: {} {}",
                            g[i],
                            want[i]
                        );
                    }
                } else {
                    assert_same(&format!("{kind} channel {c}"), g, &want);
                }
            }
            assert_invariant(kind, &vec![Src::Const(0.3); srcs.len()], 100);
        }
        let m = render_kind("mtof", &[Src::Const(69.0)], 1)[0][0];
        assert_eq!(m, 440.0);
        let m = render_kind("mtof", &[Src::Const(60.0)], 1)[0][0];
        assert!((m - 261.6256).abs() < 1e-3, "C4 {m}");
    }

    /// xfade at a fixed position is a·(1 − p) + b·p; a step of the position
    /// ramps over 5 ms (221 frames of 1/221 ≈ 0.45 % each) and lands exactly.
    #[test]
    fn xfade() {
        let n = 3000;
        let (a, b) = (test_noise(n, 1), test_noise(n, 2));
        let got = render_kind(
            "xfade",
            &[Src::Mono(a.clone()), Src::Mono(b.clone()), Src::Const(0.25)],
            n,
        );
        let want: Vec<f32> = (0..n).map(|i| a[i] + (b[i] - a[i]) * 0.25).collect();
        assert_same("xfade 0.25", &got[0], &want);
        let pos: Vec<f32> = (0..n).map(|i| if i < 1000 { 0.0 } else { 1.0 }).collect();
        let ones = vec![1.0f32; n];
        let zeros = vec![0.0f32; n];
        let y = &assert_invariant(
            "xfade",
            &[Src::Mono(zeros), Src::Mono(ones), Src::Mono(pos)],
            n,
        )[0];
        assert_eq!(y[999], 0.0);
        assert!(
            (y[1000] - 1.0 / 221.0).abs() < 1e-6,
            "first step {}",
            y[1000]
        );
        assert!(y.windows(2).all(|w| w[1] - w[0] < 0.0046));
        assert!(y[1219] < 1.0);
        assert_eq!(y[1220], 1.0);
    }

    /// select and if pick an input; a switch crossfades over 5 ms (the output moves by at most
    /// 1/221 of the difference per frame), lands exactly on the new input, and an unselected NaN
    /// input stays out.
    #[test]
    fn select_and_if_switch_without_clicks() {
        let n = 4000;
        let idx: Vec<f32> = (0..n)
            .map(|i| [0.0, 2.7, 1.0, 9.0, f32::NAN][(i / 800) % 5])
            .collect();
        let (a, b, c, d) = (
            Src::Const(1.0),
            Src::Const(2.0),
            Src::Const(3.0),
            Src::Const(4.0),
        );
        let y = &assert_invariant(
            "select",
            &[
                Src::Mono(idx.clone()),
                a.clone(),
                b.clone(),
                c.clone(),
                d.clone(),
            ],
            n,
        )[0];
        for (k, want) in [
            (799, 1.0),
            (1599, 3.0),
            (2399, 2.0),
            (3199, 4.0),
            (3999, 1.0),
        ] {
            assert_eq!(y[k], want, "frame {k}");
        }
        assert!(y
            .windows(2)
            .all(|w| (w[1] - w[0]).abs() <= 3.0 / 221.0 + 1e-6));
        let nan = Src::Const(f32::NAN);
        let y = &render_kind(
            "select",
            &[Src::Const(1.0), nan.clone(), b.clone(), nan.clone(), nan],
            500,
        )[0];
        assert!(y.iter().all(|v| *v == 2.0));
        let cond: Vec<f32> = (0..n)
            .map(|i| [1.0, 0.5, 0.7, f32::NAN][(i / 1000) % 4])
            .collect();
        let x = test_noise(n, 3);
        let y = &assert_invariant(
            "if",
            &[Src::Mono(cond), Src::Mono(x.clone()), Src::Const(-5.0)],
            n,
        )[0];
        assert_eq!(y[999], x[999]);
        assert_eq!(y[1999], -5.0);
        assert_eq!(y[2999], x[2999]);
        assert_eq!(y[3999], -5.0);
    }
}
