//! Arithmetic on signals: `add`, `sub`, `mul`, `div`, frame by frame, with mono broadcast to stereo.
//!
//! Ports: `a` and `b`, required, each a constant, a lane or a mono or stereo node. Output channels
//! are the larger of the two inputs' channel counts; a mono input is used for both channels of a
//! stereo result. `div` returns 0 where `b` is exactly 0 (instead of ±Inf or NaN); other
//! non-finite results (huge quotients, NaN inputs) pass through to the master, which flushes them.

use super::{audio, ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};

const PORTS: &[PortSpec] = &[audio("a"), audio("b")];

const fn spec(name: &'static str, doc: &'static str, make: fn() -> Box<dyn Kernel>) -> KindSpec {
    KindSpec::new(name, doc, PORTS, ChannelRule::FollowInputs, make)
}

/// `add {a, b}`: a + b.
pub const ADD: KindSpec = spec("add", "a + b, per sample.", || Box::new(Arith::new(Op::Add)));
/// `sub {a, b}`: a − b.
pub const SUB: KindSpec = spec("sub", "a − b, per sample.", || Box::new(Arith::new(Op::Sub)));
/// `mul {a, b}`: a · b.
pub const MUL: KindSpec = spec("mul", "a · b, per sample.", || Box::new(Arith::new(Op::Mul)));
/// `div {a, b}`: a / b, 0 where b = 0.
pub const DIV: KindSpec = spec("div", "a / b, per sample (0 where b is 0).", || {
    Box::new(Arith::new(Op::Div))
});

/// The operation of an [`Arith`] node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// a + b
    Add,
    /// a − b
    Sub,
    /// a · b
    Mul,
    /// a / b, 0 where b = 0
    Div,
}

/// Division with the documented zero rule.
#[inline(always)]
pub fn safe_div(a: f32, b: f32) -> f32 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

/// A binary arithmetic node.
#[derive(Debug)]
pub struct Arith {
    op: Op,
}

impl Arith {
    /// A node computing `op`.
    pub fn new(op: Op) -> Arith {
        Arith { op }
    }
}

crate::multiversion! {
    /// [`apply_loop`] at the current SIMD level.
    fn apply(out: &mut [f32], a: Input, b: Input, f: impl Fn(f32, f32) -> f32) => apply_loop
}

/// Writes `f(a, b)` into `out`, with the constant-or-block choice made once, outside the loop.
#[inline(always)]
fn apply_loop(out: &mut [f32], a: Input, b: Input, f: impl Fn(f32, f32) -> f32) {
    let n = out.len();
    match (a, b) {
        (Input::Const(a), Input::Const(b)) => out.fill(f(a, b)),
        (Input::Block(a), Input::Const(b)) => {
            for (o, &x) in out.iter_mut().zip(&a[..n]) {
                *o = f(x, b);
            }
        }
        (Input::Const(a), Input::Block(b)) => {
            for (o, &y) in out.iter_mut().zip(&b[..n]) {
                *o = f(a, y);
            }
        }
        (Input::Block(a), Input::Block(b)) => {
            for ((o, &x), &y) in out.iter_mut().zip(&a[..n]).zip(&b[..n]) {
                *o = f(x, y);
            }
        }
    }
}

impl Kernel for Arith {
    fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        for c in 0..out.channels() {
            // Mono inputs have ch[1] == ch[0]: that is the broadcast.
            let (a, b) = (inputs[0].ch[c], inputs[1].ch[c]);
            let o = out.channel(c);
            match self.op {
                Op::Add => apply(o, a, b, |x, y| x + y),
                Op::Sub => apply(o, a, b, |x, y| x - y),
                Op::Mul => apply(o, a, b, |x, y| x * y),
                Op::Div => apply(o, a, b, safe_div),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{assert_same, run, Src};
    use crate::samples::SampleBank;

    fn signal(n: usize, k: f32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                if i % 50 == 0 {
                    0.0
                } else {
                    ((i as f32) * k).sin() * 3.0
                }
            })
            .collect()
    }

    /// Every op, every const/block and mono/stereo combination, against a per-frame reference.
    #[test]
    fn arith_block_equals_reference() {
        let bank = SampleBank::default();
        let n = 1500;
        let (x, y, z) = (signal(n, 0.01), signal(n, 0.037), signal(n, 0.005));
        type Reference = fn(f32, f32) -> f32;
        let ops: [(Op, Reference); 4] = [
            (Op::Add, |a, b| a + b),
            (Op::Sub, |a, b| a - b),
            (Op::Mul, |a, b| a * b),
            (Op::Div, |a, b| if b == 0.0 { 0.0 } else { a / b }),
        ];
        let cases: Vec<(Src, Src)> = vec![
            (Src::Const(2.0), Src::Const(0.0)),
            (Src::Mono(x.clone()), Src::Const(-0.5)),
            (Src::Const(0.25), Src::Mono(y.clone())),
            (Src::Mono(x.clone()), Src::Mono(y.clone())),
            (Src::Stereo(x.clone(), z.clone()), Src::Mono(y.clone())),
            (Src::Const(1.5), Src::Stereo(y.clone(), z.clone())),
            (
                Src::Stereo(x.clone(), y.clone()),
                Src::Stereo(z.clone(), x.clone()),
            ),
        ];
        let chan = |s: &Src, c: usize, i: usize| match s {
            Src::Const(v) => *v,
            Src::Mono(v) => v[i],
            Src::Stereo(l, r) => [l, r][c][i],
        };
        let width = |s: &Src| if matches!(s, Src::Stereo(..)) { 2 } else { 1 };
        for (op, f) in ops {
            for (k, (a, b)) in cases.iter().enumerate() {
                let chans = width(a).max(width(b));
                let got = run(
                    &mut Arith::new(op),
                    &[a.clone(), b.clone()],
                    chans,
                    n,
                    44100.0,
                    &bank,
                    &[],
                );
                for (c, g) in got.iter().enumerate() {
                    let want: Vec<f32> = (0..n).map(|i| f(chan(a, c, i), chan(b, c, i))).collect();
                    assert_same(&format!("{op:?} case {k} channel {c}"), g, &want);
                }
            }
        }
    }

    #[test]
    fn div_by_zero_is_zero() {
        assert_eq!(safe_div(1.0, 0.0), 0.0);
        assert_eq!(safe_div(-1.0, -0.0), 0.0);
        assert_eq!(safe_div(1.0, 4.0), 0.25);
    }
}
