//! The kernel interface (block processing over contiguous `f32` buffers), port tables and the kind factory.
//!
//! A kernel is the DSP of one node kind. The plan creates one kernel per node with [`make`], calls
//! [`Kernel::prepare`] once (the only place a kernel may allocate), then the render thread calls
//! [`Kernel::process`] once per block with the node's inputs resolved to constants or block
//! slices. Kernels own their state, are `Send`, and never see other nodes' state.

pub mod arith;
pub mod filter;
pub mod osc;
pub mod sampler;

pub mod delay;
pub mod delayline;
pub mod distortion;
pub mod dsp;
pub mod dynamics;
pub mod fft;
pub mod modulation;
pub mod reverb;
pub mod spatial;
pub mod spectral;
pub mod tap;

use crate::events::Trigger;
use crate::samples::SampleBank;

/// The most ports any kind has; inputs are resolved into a fixed array of this size per block.
pub const MAX_PORTS: usize = 10;

/// Names of the supported node kinds, as they appear in GraphIR `kind`.
#[rustfmt::skip]
pub const KINDS: &[&str] = &[
    "sine", "saw", "square", "lpf", "add", "sub", "mul", "div", "sampler",
    // Effects, by file: reverb, delay, distortion, modulation, dynamics, spatial, spectral, tap.
    "reverb", "plate", "lush",
    "delay", "tapedelay", "multitap", "pingpong",
    "distortion", "distort", "bitcrush", "coarse", "decimator",
    "chorus", "flanger", "phaser", "tremolo", "vibrato", "ring", "ring_mod",
    "compressor", "sidechain_compressor", "expander", "transient_shaper", "limiter",
    "widener", "pan2",
    "pitch_shift", "vocoder", "granular", "convolve", "freeze",
    "tap",
];

/// One channel of an input for one block: a value held for the whole block, or one value per frame.
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    /// The same value for every frame of the block.
    Const(f32),
    /// One value per frame; at least as long as the block.
    Block(&'a [f32]),
}

impl Input<'_> {
    /// The value at frame `i` (for cold paths and tests; hot loops match once outside the loop).
    #[inline]
    pub fn at(&self, i: usize) -> f32 {
        match self {
            Input::Const(c) => *c,
            Input::Block(b) => b[i],
        }
    }
}

/// A port's input for one block: one or two channels. For a mono source `ch[1]` is `ch[0]`.
#[derive(Clone, Copy, Debug)]
pub struct PortIn<'a> {
    /// Left and right; equal for mono.
    pub ch: [Input<'a>; 2],
    /// 1 or 2.
    pub channels: usize,
}

impl<'a> PortIn<'a> {
    /// A mono input (also used for constants and lanes).
    pub fn mono(input: Input<'a>) -> PortIn<'a> {
        PortIn {
            ch: [input, input],
            channels: 1,
        }
    }

    /// A stereo input.
    pub fn stereo(left: Input<'a>, right: Input<'a>) -> PortIn<'a> {
        PortIn {
            ch: [left, right],
            channels: 2,
        }
    }

    /// The left (or only) channel; what mono-only ports read.
    pub fn left(&self) -> Input<'a> {
        self.ch[0]
    }
}

/// A node's output buffer for one block: `channels` channels of `frames` samples, each channel
/// starting `stride` samples after the previous one.
pub struct Outputs<'a> {
    buf: &'a mut [f32],
    stride: usize,
    channels: usize,
    frames: usize,
}

impl<'a> Outputs<'a> {
    /// Wraps a node buffer. `buf` holds at least `channels * stride` samples and `frames <= stride`.
    pub fn new(buf: &'a mut [f32], stride: usize, channels: usize, frames: usize) -> Outputs<'a> {
        debug_assert!(frames <= stride && buf.len() >= channels * stride);
        Outputs {
            buf,
            stride,
            channels,
            frames,
        }
    }

    /// Frames in this block.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// 1 or 2, decided when the plan was built.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Channel `c` (0 = left), `frames` long.
    pub fn channel(&mut self, c: usize) -> &mut [f32] {
        let start = c * self.stride;
        &mut self.buf[start..start + self.frames]
    }

    /// Left and right of a stereo output, `frames` long each.
    pub fn stereo(&mut self) -> (&mut [f32], &mut [f32]) {
        let (l, r) = self.buf.split_at_mut(self.stride);
        (&mut l[..self.frames], &mut r[..self.frames])
    }
}

/// What every kernel may read during a block besides its inputs.
pub struct Context<'a> {
    /// Frames per second.
    pub sample_rate: f32,
    /// Frames in this block (≤ the plan's max block).
    pub frames: usize,
    /// Decoded samples, by id.
    pub bank: &'a SampleBank,
}

/// Counters a kernel accumulates on the render thread and hands over once per block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelCounts {
    /// Voices stolen (faded out early to make room).
    pub steals: u64,
    /// Triggers that started nothing (unknown sample, speed 0).
    pub ignored: u64,
}

/// The DSP of one node kind.
pub trait Kernel: Send {
    /// Allocates everything the kernel needs for blocks of up to `max_block` frames. Control thread.
    fn prepare(&mut self, sample_rate: f32, max_block: usize);

    /// Renders one block. `inputs` follows the kind's port order ([`KindSpec::ports`]). Render
    /// thread: must not allocate, lock or do I/O.
    fn process(&mut self, ctx: &Context, inputs: &[PortIn], out: &mut Outputs);

    /// Starts a voice `offset` frames into the coming block. Only kinds whose spec says
    /// `triggers` receive this. Render thread.
    fn trigger(&mut self, _ctx: &Context, _offset: usize, _trigger: &Trigger) {}

    /// Voices sounding now.
    fn voices(&self) -> usize {
        0
    }

    /// Counters since the previous call, then reset.
    fn take_counts(&mut self) -> KernelCounts {
        KernelCounts::default()
    }
}

/// How a node's output channel count is decided when the plan is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelRule {
    /// Always one channel.
    Mono,
    /// Always two channels.
    Stereo,
    /// The largest channel count among the ports marked `stereo`.
    FollowInputs,
}

/// One input port of a kind.
#[derive(Clone, Copy, Debug)]
pub struct PortSpec {
    /// The param name in GraphIR.
    pub name: &'static str,
    /// Used when the param is absent; `None` makes the param required.
    pub default: Option<f32>,
    /// Whether the port takes both channels of a stereo node (otherwise it reads the left one).
    pub stereo: bool,
}

/// The static description of a kind: its ports, its output channels, whether it takes triggers.
#[derive(Clone, Copy, Debug)]
pub struct KindSpec {
    /// The GraphIR kind name.
    pub name: &'static str,
    /// Ports in the order [`Kernel::process`] receives them.
    pub ports: &'static [PortSpec],
    /// Output channel rule.
    pub channels: ChannelRule,
    /// Whether trigger lanes may drive it.
    pub triggers: bool,
}

impl KindSpec {
    /// Position of the port called `name`.
    pub fn port(&self, name: &str) -> Option<usize> {
        self.ports.iter().position(|p| p.name == name)
    }
}

/// The spec of a kind, or `None` for an unknown kind.
pub fn spec(kind: &str) -> Option<&'static KindSpec> {
    Some(match kind {
        "sine" => &osc::SINE,
        "saw" => &osc::SAW,
        "square" => &osc::SQUARE,
        "lpf" => &filter::LPF,
        "add" => &arith::ADD,
        "sub" => &arith::SUB,
        "mul" => &arith::MUL,
        "div" => &arith::DIV,
        "sampler" => &sampler::SAMPLER,
        "reverb" => &reverb::REVERB,
        "plate" => &reverb::PLATE,
        "lush" => &reverb::LUSH,
        "delay" => &delay::DELAY,
        "tapedelay" => &delay::TAPEDELAY,
        "multitap" => &delay::MULTITAP,
        "pingpong" => &delay::PINGPONG,
        "distortion" => &distortion::DISTORTION,
        "distort" => &distortion::DISTORT,
        "bitcrush" => &distortion::BITCRUSH,
        "coarse" => &distortion::COARSE,
        "decimator" => &distortion::DECIMATOR,
        "chorus" => &modulation::CHORUS,
        "flanger" => &modulation::FLANGER,
        "phaser" => &modulation::PHASER,
        "tremolo" => &modulation::TREMOLO,
        "vibrato" => &modulation::VIBRATO,
        "ring" => &modulation::RING,
        "ring_mod" => &modulation::RING_MOD,
        "compressor" => &dynamics::COMPRESSOR,
        "sidechain_compressor" => &dynamics::SIDECHAIN_COMPRESSOR,
        "expander" => &dynamics::EXPANDER,
        "transient_shaper" => &dynamics::TRANSIENT_SHAPER,
        "limiter" => &dynamics::LIMITER,
        "widener" => &spatial::WIDENER,
        "pan2" => &spatial::PAN2,
        "pitch_shift" => &spectral::PITCH_SHIFT,
        "vocoder" => &spectral::VOCODER,
        "granular" => &spectral::GRANULAR,
        "convolve" => &spectral::CONVOLVE,
        "freeze" => &spectral::FREEZE,
        "tap" => &tap::TAP,
        _ => return None,
    })
}

/// A fresh, unprepared kernel of `kind`, or `None` for an unknown kind. Control thread.
pub fn make(kind: &str) -> Option<Box<dyn Kernel>> {
    Some(match kind {
        "sine" => Box::new(osc::Sine::default()),
        "saw" => Box::new(osc::Saw::default()),
        "square" => Box::new(osc::Square::default()),
        "lpf" => Box::new(filter::Lpf::default()),
        "add" => Box::new(arith::Arith::new(arith::Op::Add)),
        "sub" => Box::new(arith::Arith::new(arith::Op::Sub)),
        "mul" => Box::new(arith::Arith::new(arith::Op::Mul)),
        "div" => Box::new(arith::Arith::new(arith::Op::Div)),
        "sampler" => Box::new(sampler::Sampler::default()),
        "reverb" => Box::new(reverb::Reverb::default()),
        "plate" => Box::new(reverb::Plate::default()),
        "lush" => Box::new(reverb::Lush::default()),
        "delay" => Box::new(delay::Delay::default()),
        "tapedelay" => Box::new(delay::TapeDelay::default()),
        "multitap" => Box::new(delay::Multitap::default()),
        "pingpong" => Box::new(delay::PingPong::default()),
        "distortion" | "distort" => Box::new(distortion::Distortion::default()),
        "bitcrush" => Box::new(distortion::Bitcrush::default()),
        "coarse" => Box::new(distortion::Coarse::default()),
        "decimator" => Box::new(distortion::Decimator::default()),
        "chorus" => Box::new(modulation::Chorus::default()),
        "flanger" => Box::new(modulation::Flanger::default()),
        "phaser" => Box::new(modulation::Phaser::default()),
        "tremolo" => Box::new(modulation::Tremolo::default()),
        "vibrato" => Box::new(modulation::Vibrato::default()),
        "ring" => Box::new(modulation::Ring::default()),
        "ring_mod" => Box::new(modulation::RingMod::default()),
        "compressor" => Box::new(dynamics::Compressor::default()),
        "sidechain_compressor" => Box::new(dynamics::SidechainCompressor::default()),
        "expander" => Box::new(dynamics::Expander::default()),
        "transient_shaper" => Box::new(dynamics::TransientShaper::default()),
        "limiter" => Box::new(dynamics::Limiter::default()),
        "widener" => Box::new(spatial::Widener::default()),
        "pan2" => Box::new(spatial::Pan2::default()),
        "pitch_shift" => Box::new(spectral::PitchShift::default()),
        "vocoder" => Box::new(spectral::Vocoder::default()),
        "granular" => Box::new(spectral::Granular::default()),
        "convolve" => Box::new(spectral::Convolve::default()),
        "freeze" => Box::new(spectral::Freeze::default()),
        "tap" => Box::new(tap::Tap::default()),
        _ => return None,
    })
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for kernel tests: render a kernel over irregular block sizes.
    use super::*;

    /// Block sizes that cross every kind of boundary: 1, odd, a power of two, larger than 64.
    pub const SIZES: &[usize] = &[64, 1, 7, 63, 128, 5, 200, 64, 33, 2, 256, 17];

    /// One port's whole-signal source for a test run.
    #[derive(Clone)]
    pub enum Src {
        Const(f32),
        Mono(Vec<f32>),
        Stereo(Vec<f32>, Vec<f32>),
    }

    /// Renders `total` frames of `kernel` in blocks of [`SIZES`] (cycled), returning each output
    /// channel. `triggers` are (absolute frame, trigger) pairs delivered before their block.
    pub fn run(
        kernel: &mut dyn Kernel,
        srcs: &[Src],
        channels: usize,
        total: usize,
        sample_rate: f32,
        bank: &SampleBank,
        triggers: &[(usize, Trigger)],
    ) -> Vec<Vec<f32>> {
        let max_block = 256;
        kernel.prepare(sample_rate, max_block);
        let mut out = vec![Vec::new(); channels];
        let mut buf = vec![0.0f32; channels * max_block];
        let mut start = 0;
        let mut k = 0;
        while start < total {
            let n = SIZES[k % SIZES.len()].min(total - start);
            k += 1;
            let ctx = Context {
                sample_rate,
                frames: n,
                bank,
            };
            for (f, t) in triggers {
                if *f >= start && *f < start + n {
                    kernel.trigger(&ctx, f - start, t);
                }
            }
            let ins: Vec<PortIn> = srcs
                .iter()
                .map(|s| match s {
                    Src::Const(c) => PortIn::mono(Input::Const(*c)),
                    Src::Mono(v) => PortIn::mono(Input::Block(&v[start..start + n])),
                    Src::Stereo(l, r) => PortIn::stereo(
                        Input::Block(&l[start..start + n]),
                        Input::Block(&r[start..start + n]),
                    ),
                })
                .collect();
            let mut o = Outputs::new(&mut buf, max_block, channels, n);
            kernel.process(&ctx, &ins, &mut o);
            for (c, ch) in out.iter_mut().enumerate() {
                ch.extend_from_slice(o.channel(c));
            }
            start += n;
        }
        out
    }

    /// Asserts two signals are equal bit for bit, naming the first differing frame.
    pub fn assert_same(what: &str, got: &[f32], want: &[f32]) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                g.to_bits() == w.to_bits(),
                "{what}: frame {i}: block {g} != reference {w}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_spec_and_a_kernel() {
        for k in KINDS {
            let s = spec(k).unwrap_or_else(|| panic!("no spec for {k}"));
            assert_eq!(s.name, *k);
            assert!(s.ports.len() <= MAX_PORTS, "{k} has too many ports");
            assert!(make(k).is_some(), "no kernel for {k}");
        }
        assert!(spec("nope").is_none() && make("nope").is_none());
    }
}
