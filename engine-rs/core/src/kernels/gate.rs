//! Pattern-to-signal kernels: `gate` (a pattern's gate as a signal) and `trig` (a one-frame pulse at each event start).
//!
//! ## `gate {gate}`
//! The port's value as a mono signal: driven by a gate lane, that is the event's value (1 for
//! `t`/`x`) while the event lasts and 0 between events (and on each event's last frame, so
//! back-to-back events show an edge). NaN reads as 0.
//!
//! ## `trig {gate}`
//! 1 on the frame where the port rises from ≤ 0 to > 0, else 0: a one-frame pulse at the start of
//! each event. The state (the previous frame's value) carries across blocks, so a pulse is never
//! lost or doubled at a block boundary. NaN reads as 0.

use super::{ChannelRule, Context, Input, Kernel, KindSpec, Outputs, PortIn, PortSpec};

/// The pattern's gate lane (or any signal).
const GATE: PortSpec = super::param("gate", 0.0).unit("pattern");

/// `gate {gate}`.
pub const GATE_KIND: KindSpec = KindSpec::new(
    "gate",
    "1 while an event of the pattern is on (its value if numeric), else 0.",
    &[GATE],
    ChannelRule::Mono,
    || Box::new(Gate),
);

/// `trig {gate}`.
pub const TRIG: KindSpec = KindSpec::new(
    "trig",
    "A one-sample pulse at the start of each event.",
    &[GATE],
    ChannelRule::Mono,
    || Box::new(Trig::default()),
);

#[inline(always)]
fn on(x: f32) -> f32 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

/// The `gate` kernel.
#[derive(Debug, Default)]
pub struct Gate;

impl Kernel for Gate {
    fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let o = out.channel(0);
        match inputs[0].left() {
            Input::Const(c) => o.fill(on(c)),
            Input::Block(b) => {
                for (y, x) in o.iter_mut().zip(b) {
                    *y = on(*x);
                }
            }
        }
    }
}

/// The `trig` kernel.
#[derive(Debug, Default)]
pub struct Trig {
    /// Whether the gate was up on the previous frame.
    was_on: bool,
}

impl Kernel for Trig {
    fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let o = out.channel(0);
        let input = inputs[0].left();
        for (i, y) in o.iter_mut().enumerate() {
            let up = input.at(i) > 0.0;
            *y = if up && !self.was_on { 1.0 } else { 0.0 };
            self.was_on = up;
        }
    }

    fn reset(&mut self) {
        self.was_on = false;
    }

}

#[cfg(test)]
mod tests {
    use super::super::testing::{run_sizes, Src};
    use super::*;
    use crate::samples::SampleBank;

    /// Two events as a gate lane writes them: 0.5 on frames 10..=19 (0 on the event's last frame
    /// 20), then 1 on frames 21..=39 (0 on 40): `gate` follows them, `trig` pulses on 10 and 21
    /// only — whatever the block sizes.
    #[test]
    fn gate_follows_and_trig_pulses_once_per_event() {
        let mut g = vec![0.0f32; 60];
        g[10..20].fill(0.5);
        g[21..40].fill(1.0);
        for sizes in [&[1usize][..], &[7, 64, 3], &[512]] {
            let bank = SampleBank::default();
            let out = run_sizes(
                &mut Gate,
                &[Src::Mono(g.clone())],
                1,
                60,
                sizes,
                44100.0,
                &bank,
                &[],
            );
            assert_eq!(out[0], g);
            let pulses = run_sizes(
                &mut Trig::default(),
                &[Src::Mono(g.clone())],
                1,
                60,
                sizes,
                44100.0,
                &bank,
                &[],
            );
            let at: Vec<usize> = (0..60).filter(|&i| pulses[0][i] == 1.0).collect();
            assert_eq!(at, vec![10, 21], "sizes {sizes:?}");
            assert!(pulses[0].iter().all(|v| *v == 0.0 || *v == 1.0));
        }
    }
}
