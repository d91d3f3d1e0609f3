//! The kernel interface (block processing over contiguous `f32` buffers), port tables and the kind factory.
//!
//! A kernel is the DSP of one node kind. The plan creates one kernel per node with [`make`], calls
//! [`Kernel::prepare`] once (the only place a kernel may allocate), then the render thread calls
//! [`Kernel::process`] once per block with the node's inputs resolved to constants or block
//! slices. Kernels own their state, are `Send`, and never see other nodes' state.

pub mod additive;
pub mod arith;
pub mod biquad;
pub mod filter;
pub mod osc;

pub mod analysis;
#[cfg(test)]
pub mod check;
pub mod comb;
pub mod control;
pub mod data;
pub mod delay;
pub mod delayline;
pub mod distortion;
pub mod drum;
pub mod dsp;
pub mod dynamics;
pub mod envelope;
pub mod fastmath;
pub mod fft;
pub mod fm;
pub mod formant;
pub mod gate;
pub mod krate;
pub mod ladder;
pub mod modulation;
pub mod noise;
pub mod reverb;
pub mod scratch;
pub mod simd;
pub mod spatial;
pub mod spectral;
pub mod string;
pub mod synth;
pub mod tap;
pub mod utility;
pub mod wavetable;

use crate::events::Trigger;
use crate::samples::SampleBank;
use crate::voice::{sample as sampler, synth as voices};

/// The most ports any kind has; inputs are resolved into a fixed array of this size per block.
pub const MAX_PORTS: usize = 12;

/// Names of the supported node kinds, as they appear in GraphIR `kind`.
#[rustfmt::skip]
pub const KINDS: &[&str] = &[
    "sine", "saw", "square", "lpf", "add", "sub", "mul", "div", "sampler",
    // Noise.
    "noise", "white_noise", "pink", "pink_noise", "brown_noise",
    // State-variable filters.
    "hpf", "bpf", "notch", "svf_lp", "svf_hp", "svf_bp", "svf_notch", "djf",
    // Oscillators.
    "tri", "triangle", "pulse", "saw_naive", "square_naive", "vco", "impulse", "blip", "phasor",
    // Envelopes.
    "adsr", "env", "asr", "ad", "ar", "line", "xline", "curve", "segments", "lag",
    // FM and SuperDirt-style voices.
    "fm", "superfm", "pm", "fmcrossmod", "supersaw", "superpwm", "superchip",
    // Drum synths.
    "superkick", "supersnare", "superhat",
    // Strings.
    "pluck", "waveguide",
    // Analysis.
    "rms", "peak_follower", "amp_follower", "schmidt", "latch", "sample_hold", "timer",
    // Utilities.
    "range", "min", "max", "abs", "clip", "wrap", "mtof", "xfade", "mix", "select", "if",
    // Effects.
    "reverb", "plate", "lush", "delay", "tapedelay", "multitap", "pingpong",
    "distortion", "distort", "bitcrush", "coarse", "decimator",
    "chorus", "flanger", "phaser", "tremolo", "vibrato", "ring", "ring_mod",
    "compressor", "sidechain_compressor", "expander", "transient_shaper", "limiter",
    "widener", "pan2",
    // Biquads.
    "bq_lp", "bq_hp", "bq_bp", "bq_notch", "rlpf", "rhpf", "resonz", "parametric_eq",
    // Ladder, comb, all-pass, formant filters.
    "moog_ladder", "comb", "allpass", "vowel", "formant",
    // Wavetable and additive oscillators.
    "wavetable", "additive", "organ",
    "pitch_shift", "vocoder", "granular", "convolve", "freeze",
    "tap",
    // Synth voices (a template started per trigger).
    "voices",
    // Pattern to signal, and one side of a pan.
    "gate", "trig", "pan2_l", "pan2_r",
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
    /// The program's lanes' values, by lane id (template nodes read their lanes through it;
    /// empty outside a program).
    pub lanes: &'a [LaneValue],
}

/// A lane's value during a block, as nodes read it: held for the whole block, or one value per
/// frame when it stepped inside the block.
#[derive(Debug, Default)]
pub struct LaneValue {
    /// Held value: the value at the end of the last block, or the lane's initial value.
    pub value: f32,
    /// Whether `buf` holds this block's values (a step happened after the block's first frame).
    pub stepped: bool,
    /// Per-frame values for blocks with steps (param lanes; empty for trigger lanes).
    pub buf: Vec<f32>,
}

impl LaneValue {
    /// Frames `offset..offset + n` of the block as an input. Render thread.
    #[inline]
    pub fn input(&self, offset: usize, n: usize) -> Input<'_> {
        if self.stepped {
            Input::Block(&self.buf[offset..offset + n])
        } else {
            Input::Const(self.value)
        }
    }
}

/// Counters a kernel accumulates on the render thread and hands over once per block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelCounts {
    /// Voices stolen (faded out early to make room).
    pub steals: u64,
    /// Triggers that started nothing (unknown sample, speed 0).
    pub ignored: u64,
    /// Blocks whose voices were split across workers.
    pub split_blocks: u64,
}

/// Lets a kernel see another kernel of its own type (for [`Kernel::adopt`] and
/// [`Kernel::process_lanes`]).
pub trait AsAny: std::any::Any {
    /// `self` as `Any`, to downcast.
    fn as_any(&self) -> &dyn std::any::Any;
    /// `self` as mutable `Any`, to downcast.
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
}

impl<T: std::any::Any> AsAny for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// The most kernels [`Kernel::process_lanes`] renders together: two f64 AVX-512 registers per
/// quantity, so a filter group runs two independent recursion chains that overlap in the CPU's
/// pipeline (measured on P2n N=256: 8 lanes 225 µs per block, 16 lanes 209, 32 lanes 217).
pub const LANES: usize = 16;

/// The DSP of one node kind.
pub trait Kernel: Send + AsAny {
    /// Allocates everything the kernel needs for blocks of up to `max_block` frames. Control thread.
    fn prepare(&mut self, sample_rate: f32, max_block: usize);

    /// Renders one block. `inputs` follows the kind's port order ([`KindSpec::ports`]). Render
    /// thread: must not allocate, lock or do I/O.
    fn process(&mut self, ctx: &Context, inputs: &[PortIn], out: &mut Outputs);

    /// Starts a voice `offset` frames into the coming block. Only kinds whose spec says
    /// `triggers` receive this. Render thread.
    fn trigger(&mut self, _ctx: &Context, _offset: usize, _trigger: &Trigger) {}

    /// Kernels that can render several instances of their type as lanes of one vector loop
    /// return a key: mono instances of one kind with equal keys may be grouped (up to
    /// [`LANES`]) and rendered by [`Kernel::process_lanes`]. Render thread.
    fn lane_key(&self) -> Option<u64> {
        None
    }

    /// Renders `self` (lane 0) and `others` (lanes 1.., same kind and [`Kernel::lane_key`]) for
    /// one block: lane k reads `inputs[k]` and writes its mono output into `outs[k]` (`frames`
    /// long). Each lane's output and state are exactly what [`Kernel::process`] would have made
    /// of it alone; grouping only changes speed. The default renders each lane on its own.
    /// Render thread: no allocation.
    fn process_lanes(
        &mut self,
        others: &mut [Option<&mut dyn Kernel>],
        ctx: &Context,
        inputs: &[&[PortIn]],
        outs: &mut [&mut [f32]],
    ) {
        process_each(self, others, ctx, inputs, outs);
    }

    /// Voices sounding now.
    fn voices(&self) -> usize {
        0
    }

    /// Counters since the previous call, then reset.
    fn take_counts(&mut self) -> KernelCounts {
        KernelCounts::default()
    }

    /// Takes over the running state (phase, filter memory, delay lines, voices) of `old`, the
    /// node with the same key in the program being replaced, so a reload does not reset the
    /// sound. `old` keeps its own state (it may still render during a crossfade), so this
    /// copies. Both were prepared with the same sample rate and block size. Kinds without
    /// state, or of another type, ignore it. Render thread: copy only, no allocation.
    fn adopt(&mut self, _old: &dyn Kernel) {}

    /// Seeds the kernel's random generator (noise, plucks, drums) so renders are reproducible.
    /// The plan calls it before [`Kernel::prepare`] with a hash of the node's key (or id).
    /// Kernels without randomness ignore it. Control thread.
    fn seed(&mut self, _seed: u64) {}

    /// Reads the node's structural `data` (GraphIR), before [`Kernel::prepare`]. Control thread.
    fn configure(&mut self, _data: &data::NodeData) {}

    /// Returns the kernel to the state it had after `prepare` (phase 0, filter memory cleared,
    /// envelopes idle with their gate "off", so a gate of 1 is a rising edge again), keeping
    /// its allocations: a voice of a template starts with this. Render thread: no allocation.
    /// Kinds without an override keep their state from the previous note of that voice slot.
    fn reset(&mut self) {}
}

/// [`Kernel::process_lanes`] done one lane at a time with [`Kernel::process`] (the default, and
/// the fallback of kernels whose lanes cannot run in lockstep this block). Render thread.
pub fn process_each<K: Kernel + ?Sized>(
    first: &mut K,
    others: &mut [Option<&mut dyn Kernel>],
    ctx: &Context,
    inputs: &[&[PortIn]],
    outs: &mut [&mut [f32]],
) {
    let n = ctx.frames;
    if n == 0 {
        return;
    }
    for (k, o) in outs.iter_mut().enumerate() {
        let mut out = Outputs::new(&mut o[..n], n, 1, n);
        match k {
            0 => first.process(ctx, inputs[0], &mut out),
            _ => {
                if let Some(other) = others[k - 1].as_deref_mut() {
                    other.process(ctx, inputs[k], &mut out);
                }
            }
        }
    }
}

/// `old` as the concrete kernel type `K`, if it is one.
pub fn same<K: Kernel>(old: &dyn Kernel) -> Option<&K> {
    old.as_any().downcast_ref::<K>()
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

/// A required audio input port that takes both channels of a stereo source.
pub const fn audio(name: &'static str) -> PortSpec {
    PortSpec {
        name,
        default: None,
        stereo: true,
    }
}

/// A mono control port with a default.
pub const fn param(name: &'static str, default: f32) -> PortSpec {
    PortSpec {
        name,
        default: Some(default),
        stereo: false,
    }
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
        "noise" => &noise::NOISE,
        "white_noise" => &noise::WHITE_NOISE,
        "pink" => &noise::PINK,
        "pink_noise" => &noise::PINK_NOISE,
        "brown_noise" => &noise::BROWN_NOISE,
        "hpf" => &filter::HPF,
        "bpf" => &filter::BPF,
        "notch" => &filter::NOTCH,
        "svf_lp" => &filter::SVF_LP,
        "svf_hp" => &filter::SVF_HP,
        "svf_bp" => &filter::SVF_BP,
        "svf_notch" => &filter::SVF_NOTCH,
        "djf" => &filter::DJF,
        "tri" => &osc::TRI,
        "triangle" => &osc::TRIANGLE,
        "pulse" => &osc::PULSE,
        "saw_naive" => &osc::SAW_NAIVE,
        "square_naive" => &osc::SQUARE_NAIVE,
        "vco" => &osc::VCO,
        "impulse" => &osc::IMPULSE,
        "blip" => &osc::BLIP,
        "phasor" => &osc::PHASOR,
        "adsr" => &envelope::ADSR,
        "env" => &envelope::ENV,
        "asr" => &envelope::ASR,
        "ad" => &envelope::AD,
        "ar" => &envelope::AR,
        "line" => &envelope::LINE,
        "xline" => &envelope::XLINE,
        "curve" => &envelope::CURVE,
        "segments" => &envelope::SEGMENTS,
        "lag" => &envelope::LAG,
        "fm" => &fm::FM,
        "superfm" => &fm::SUPERFM,
        "pm" => &fm::PM,
        "fmcrossmod" => &fm::FMCROSSMOD,
        "supersaw" => &synth::SUPERSAW,
        "superpwm" => &synth::SUPERPWM,
        "superchip" => &synth::SUPERCHIP,
        "superkick" => &drum::SUPERKICK,
        "supersnare" => &drum::SUPERSNARE,
        "superhat" => &drum::SUPERHAT,
        "pluck" => &string::PLUCK,
        "waveguide" => &string::WAVEGUIDE,
        "rms" => &analysis::RMS,
        "peak_follower" => &analysis::PEAK_FOLLOWER,
        "amp_follower" => &analysis::AMP_FOLLOWER,
        "schmidt" => &analysis::SCHMIDT,
        "latch" => &analysis::LATCH,
        "sample_hold" => &analysis::SAMPLE_HOLD,
        "timer" => &analysis::TIMER,
        "range" => &utility::RANGE,
        "min" => &utility::MIN,
        "max" => &utility::MAX,
        "abs" => &utility::ABS,
        "clip" => &utility::CLIP,
        "wrap" => &utility::WRAP,
        "mtof" => &utility::MTOF,
        "xfade" => &utility::XFADE,
        "mix" => &utility::MIX,
        "select" => &utility::SELECT,
        "if" => &utility::IF,
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
        "bq_lp" => &biquad::BQ_LP,
        "bq_hp" => &biquad::BQ_HP,
        "bq_bp" => &biquad::BQ_BP,
        "bq_notch" => &biquad::BQ_NOTCH,
        "rlpf" => &biquad::RLPF,
        "rhpf" => &biquad::RHPF,
        "resonz" => &biquad::RESONZ,
        "parametric_eq" => &biquad::PARAMETRIC_EQ,
        "moog_ladder" => &ladder::MOOG_LADDER,
        "comb" => &comb::COMB,
        "allpass" => &comb::ALLPASS,
        "vowel" => &formant::VOWEL,
        "formant" => &formant::FORMANT,
        "wavetable" => &wavetable::WAVETABLE,
        "additive" => &additive::ADDITIVE,
        "organ" => &additive::ORGAN,
        "pitch_shift" => &spectral::PITCH_SHIFT,
        "vocoder" => &spectral::VOCODER,
        "granular" => &spectral::GRANULAR,
        "convolve" => &spectral::CONVOLVE,
        "freeze" => &spectral::FREEZE,
        "tap" => &tap::TAP,
        "voices" => &voices::VOICES,
        "gate" => &gate::GATE_KIND,
        "trig" => &gate::TRIG,
        "pan2_l" => &spatial::PAN2_L,
        "pan2_r" => &spatial::PAN2_R,
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
        "noise" => Box::new(noise::Noise::new(noise::Color::White)),
        "white_noise" => Box::new(noise::Noise::new(noise::Color::White)),
        "pink" => Box::new(noise::Noise::new(noise::Color::Pink)),
        "pink_noise" => Box::new(noise::Noise::new(noise::Color::Pink)),
        "brown_noise" => Box::new(noise::Noise::new(noise::Color::Brown)),
        "hpf" => Box::new(filter::Svf::new(filter::Mode::Hp, false)),
        "bpf" => Box::new(filter::Svf::new(filter::Mode::Bp, false)),
        "notch" => Box::new(filter::Svf::new(filter::Mode::Notch, false)),
        "svf_lp" => Box::new(filter::Svf::new(filter::Mode::Lp, true)),
        "svf_hp" => Box::new(filter::Svf::new(filter::Mode::Hp, true)),
        "svf_bp" => Box::new(filter::Svf::new(filter::Mode::Bp, true)),
        "svf_notch" => Box::new(filter::Svf::new(filter::Mode::Notch, true)),
        "djf" => Box::new(filter::Djf::default()),
        "tri" => Box::new(osc::Simple::new(osc::Shape::Tri)),
        "triangle" => Box::new(osc::Simple::new(osc::Shape::Tri)),
        "pulse" => Box::new(osc::Square::default()),
        "saw_naive" => Box::new(osc::Simple::new(osc::Shape::SawNaive)),
        "square_naive" => Box::new(osc::SquareNaive::default()),
        "vco" => Box::new(osc::Vco::default()),
        "impulse" => Box::new(osc::Simple::new(osc::Shape::Impulse)),
        "blip" => Box::new(osc::Simple::new(osc::Shape::Blip)),
        "phasor" => Box::new(osc::Simple::new(osc::Shape::Phasor)),
        "adsr" => Box::new(envelope::Env::new(envelope::Shape::Adsr)),
        "env" => Box::new(envelope::Env::new(envelope::Shape::Adsr)),
        "asr" => Box::new(envelope::Env::new(envelope::Shape::Asr)),
        "ad" => Box::new(envelope::Env::new(envelope::Shape::Perc)),
        "ar" => Box::new(envelope::Env::new(envelope::Shape::Perc)),
        "line" => Box::new(envelope::Ramp::new(envelope::RampShape::Line)),
        "xline" => Box::new(envelope::Ramp::new(envelope::RampShape::Xline)),
        "curve" => Box::new(envelope::Ramp::new(envelope::RampShape::Curve)),
        "segments" => Box::new(envelope::Segments::default()),
        "lag" => Box::new(envelope::Lag::default()),
        "fm" => Box::new(fm::Fm::new(fm::Kind::Fm)),
        "superfm" => Box::new(fm::Fm::new(fm::Kind::SuperFm)),
        "pm" => Box::new(fm::Fm::new(fm::Kind::Pm)),
        "fmcrossmod" => Box::new(fm::Fm::new(fm::Kind::CrossMod)),
        "supersaw" => Box::new(synth::SuperSaw::default()),
        "superpwm" => Box::new(synth::Wobble::new(synth::WobbleKind::Pwm)),
        "superchip" => Box::new(synth::Wobble::new(synth::WobbleKind::Chip)),
        "superkick" => Box::new(drum::SuperKick::default()),
        "supersnare" => Box::new(drum::SuperSnare::default()),
        "superhat" => Box::new(drum::SuperHat::default()),
        "pluck" => Box::new(string::Strings::new(string::Model::Pluck)),
        "waveguide" => Box::new(string::Strings::new(string::Model::Waveguide)),
        "rms" => Box::new(analysis::Follower::new(analysis::FollowKind::Rms)),
        "peak_follower" => Box::new(analysis::Follower::new(analysis::FollowKind::Peak)),
        "amp_follower" => Box::new(analysis::Follower::new(analysis::FollowKind::Amp)),
        "schmidt" => Box::new(analysis::Schmidt::default()),
        "latch" => Box::new(analysis::Latch::default()),
        "sample_hold" => Box::new(analysis::Latch::default()),
        "timer" => Box::new(analysis::Timer::default()),
        "range" => Box::new(utility::Mapper::new(utility::Map::Range)),
        "min" => Box::new(utility::Mapper::new(utility::Map::Min)),
        "max" => Box::new(utility::Mapper::new(utility::Map::Max)),
        "abs" => Box::new(utility::Mapper::new(utility::Map::Abs)),
        "clip" => Box::new(utility::Mapper::new(utility::Map::Clip)),
        "wrap" => Box::new(utility::Mapper::new(utility::Map::Wrap)),
        "mtof" => Box::new(utility::Mapper::new(utility::Map::Mtof)),
        "xfade" => Box::new(utility::Xfade::default()),
        "mix" => Box::new(utility::Mix::default()),
        "select" => Box::new(utility::Switch::new(false)),
        "if" => Box::new(utility::Switch::new(true)),
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
        "bq_lp" => Box::new(biquad::Biquad::new(biquad::Design::Lp, biquad::QMap::Q)),
        "bq_hp" => Box::new(biquad::Biquad::new(biquad::Design::Hp, biquad::QMap::Q)),
        "bq_bp" => Box::new(biquad::Biquad::new(biquad::Design::Bp, biquad::QMap::Q)),
        "bq_notch" => Box::new(biquad::Biquad::new(biquad::Design::Notch, biquad::QMap::Q)),
        "rlpf" => Box::new(biquad::Biquad::new(biquad::Design::Lp, biquad::QMap::Res)),
        "rhpf" => Box::new(biquad::Biquad::new(biquad::Design::Hp, biquad::QMap::Res)),
        "resonz" => Box::new(biquad::Biquad::new(biquad::Design::Bp, biquad::QMap::Q)),
        "parametric_eq" => Box::new(biquad::ParametricEq::default()),
        "moog_ladder" => Box::new(ladder::MoogLadder::default()),
        "comb" => Box::new(comb::Comb::default()),
        "allpass" => Box::new(comb::Allpass::default()),
        "vowel" => Box::new(formant::Formants::new(true)),
        "formant" => Box::new(formant::Formants::new(false)),
        "wavetable" => Box::new(wavetable::Wavetable::default()),
        "additive" => Box::new(additive::Additive::new(false)),
        "organ" => Box::new(additive::Additive::new(true)),
        "pitch_shift" => Box::new(spectral::PitchShift::default()),
        "vocoder" => Box::new(spectral::Vocoder::default()),
        "granular" => Box::new(spectral::Granular::default()),
        "convolve" => Box::new(spectral::Convolve::default()),
        "freeze" => Box::new(spectral::Freeze::default()),
        "tap" => Box::new(tap::Tap::default()),
        "voices" => Box::new(voices::Voices::default()),
        "gate" => Box::new(gate::Gate),
        "trig" => Box::new(gate::Trig::default()),
        "pan2_l" => Box::new(spatial::PanSide::new(false)),
        "pan2_r" => Box::new(spatial::PanSide::new(true)),
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
        run_sizes(
            kernel,
            srcs,
            channels,
            total,
            SIZES,
            sample_rate,
            bank,
            triggers,
        )
    }

    /// Renders `total` frames of `kernel` in blocks cycling through `sizes` (prepared with the
    /// largest as its max block), delivering `triggers` before their block; each output channel.
    /// The one block-rendering harness every kernel test uses.
    #[allow(clippy::too_many_arguments)]
    pub fn run_sizes(
        kernel: &mut dyn Kernel,
        srcs: &[Src],
        channels: usize,
        total: usize,
        sizes: &[usize],
        sample_rate: f32,
        bank: &SampleBank,
        triggers: &[(usize, Trigger)],
    ) -> Vec<Vec<f32>> {
        let max_block = sizes.iter().copied().max().unwrap_or(1);
        kernel.prepare(sample_rate, max_block);
        let mut out = vec![Vec::with_capacity(total); channels];
        let mut buf = vec![0.0f32; channels * max_block];
        let (mut start, mut k) = (0, 0);
        while start < total {
            let n = sizes[k % sizes.len()].min(total - start);
            k += 1;
            let ctx = Context {
                sample_rate,
                frames: n,
                bank,
                lanes: &[],
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
