//! The kernel interface (block processing over contiguous `f32` buffers), port tables and the kind factory.
//!
//! A kernel is the DSP of one node kind. The plan creates one kernel per node with [`make`], calls
//! [`Kernel::prepare`] once (the only place a kernel may allocate), then the render thread calls
//! [`Kernel::process`] once per block with the node's inputs resolved to constants or block
//! slices. Kernels own their state, are `Send`, and never see other nodes' state.

#[cfg(test)]
pub mod check;
pub mod control;
pub mod data;
pub mod delayline;
pub mod dsp;
pub mod fastmath;
pub mod fft;
pub mod krate;
pub mod scratch;
pub mod simd;
pub mod transpose;

use crate::events::Trigger;
use crate::samples::SampleBank;

/// The most ports any kind has; inputs are resolved into a fixed array of this size per block.
pub const MAX_PORTS: usize = 12;

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
    /// Nodes inside the kernel (a synth voice's template graph) whose kernel panicked and was
    /// silenced since the previous call.
    pub faults: u64,
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

    /// Whether this is a voice pool: the only kernels with voices and counters
    /// ([`Kernel::voices`], [`Kernel::take_counts`]), so the only ones the executor asks for
    /// them after each block. Any thread.
    fn pool(&self) -> bool {
        false
    }

    /// Voices sounding now.
    fn voices(&self) -> usize {
        0
    }

    /// Counters since the previous call, then reset.
    fn take_counts(&mut self) -> KernelCounts {
        KernelCounts::default()
    }

    /// Takes what still fits of `old`, the node with the same key and kind in the program being
    /// replaced, when the two were built from different data (a reload moves the kernel object
    /// itself otherwise, whatever its kind: [`crate::executor::Executor::take_state`]). This is
    /// the one place a kind says how its state survives a change of its own configuration: the
    /// voice pools carry their sounding voices into a new limit (`voices`, `sampler`); every
    /// other kind starts fresh, since its state was made for the old data. `old` may be left
    /// emptied (it is dropped after the swap). Both were prepared with the same sample rate and
    /// block size. Render thread: moves and copies only, no allocation.
    fn adopt(&mut self, _old: &mut dyn Kernel) {}

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

/// How a node's output channel count is decided when the plan is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ChannelRule {
    /// Always one channel.
    Mono,
    /// Always two channels.
    Stereo,
    /// The largest channel count among the ports marked `stereo`.
    FollowInputs,
}

/// One input port of a kind.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct PortSpec {
    /// The param name in GraphIR.
    pub name: &'static str,
    /// Used when the param is absent; `None` makes the param required.
    #[serde(serialize_with = "decimal")]
    pub default: Option<f32>,
    /// Whether the port takes both channels of a stereo node (otherwise it reads the left one).
    pub stereo: bool,
    /// What the value means, for the language reference: `Hz`, `s`, `0–1`, `signal`, ….
    pub unit: &'static str,
    /// The documented range, which the kernel clamps to (inclusive), if it has one.
    #[serde(serialize_with = "decimals")]
    pub range: Option<(f32, f32)>,
}

/// An `f32` as the shortest decimal that reads back as it (0.707, not 0.7070000171661377), so
/// the JSON of a spec shows the numbers as they are written here.
fn shortest(v: f32) -> f64 {
    format!("{v}").parse().unwrap_or(v as f64)
}

fn decimal<S: serde::Serializer>(v: &Option<f32>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&v.map(shortest), s)
}

fn decimals<S: serde::Serializer>(v: &Option<(f32, f32)>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&v.map(|(lo, hi)| (shortest(lo), shortest(hi))), s)
}

impl PortSpec {
    /// The same port with its unit.
    pub const fn unit(mut self, unit: &'static str) -> PortSpec {
        self.unit = unit;
        self
    }

    /// The same port with the range its kernel clamps it to.
    pub const fn range(mut self, lo: f32, hi: f32) -> PortSpec {
        self.range = Some((lo, hi));
        self
    }

    /// The same port, reading only the left channel of a stereo source.
    pub const fn mono(mut self) -> PortSpec {
        self.stereo = false;
        self
    }
}

/// A required audio input port that takes both channels of a stereo source.
pub const fn audio(name: &'static str) -> PortSpec {
    PortSpec {
        name,
        default: None,
        stereo: true,
        unit: "signal",
        range: None,
    }
}

/// A mono control port with a default (give it a [`PortSpec::unit`]).
pub const fn param(name: &'static str, default: f32) -> PortSpec {
    PortSpec {
        name,
        default: Some(default),
        stereo: false,
        unit: "",
        range: None,
    }
}

/// A structural field of a node's GraphIR `data`: read once when the plan is built, part of the
/// node's key, so changing it builds a fresh kernel.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct DataSpec {
    /// The key in GraphIR `data`.
    pub name: &'static str,
    /// What it holds.
    pub doc: &'static str,
}

/// Everything about one kind, declared once beside its kernel: its ports, its structural data,
/// its output channels, whether it takes triggers, what it does, and how to make one.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct KindSpec {
    /// The GraphIR kind name.
    pub name: &'static str,
    /// What the kernel does, for the language reference (one or two sentences).
    pub doc: &'static str,
    /// Ports in the order [`Kernel::process`] receives them.
    pub ports: &'static [PortSpec],
    /// Structural data fields it reads.
    pub data: &'static [DataSpec],
    /// Output channel rule.
    pub channels: ChannelRule,
    /// Whether trigger lanes may drive it.
    pub triggers: bool,
    /// A fresh, unprepared kernel of this kind. Control thread.
    #[serde(skip)]
    pub make: fn() -> Box<dyn Kernel>,
}

impl KindSpec {
    /// A kind with no structural data and no triggers.
    pub const fn new(
        name: &'static str,
        doc: &'static str,
        ports: &'static [PortSpec],
        channels: ChannelRule,
        make: fn() -> Box<dyn Kernel>,
    ) -> KindSpec {
        KindSpec {
            name,
            doc,
            ports,
            data: &[],
            channels,
            triggers: false,
            make,
        }
    }

    /// A kind whose output channels follow its stereo inputs (filters, effects, analysis), no
    /// structural data, no triggers.
    pub const fn follows(
        name: &'static str,
        doc: &'static str,
        ports: &'static [PortSpec],
        make: fn() -> Box<dyn Kernel>,
    ) -> KindSpec {
        KindSpec::new(name, doc, ports, ChannelRule::FollowInputs, make)
    }

    /// A mono kind (oscillators, envelopes, drums), no structural data, no triggers.
    pub const fn mono(
        name: &'static str,
        doc: &'static str,
        ports: &'static [PortSpec],
        make: fn() -> Box<dyn Kernel>,
    ) -> KindSpec {
        KindSpec::new(name, doc, ports, ChannelRule::Mono, make)
    }

    /// Position of the port called `name`.
    pub fn port(&self, name: &str) -> Option<usize> {
        self.ports.iter().position(|p| p.name == name)
    }
}

/// Declares the kernel modules and registers their kinds: one line per kernel file, naming the
/// module and the [`KindSpec`] constants it declares. The registry is the only list of kinds.
macro_rules! kernels {
    ($($module:ident: [$($kind:ident),* $(,)?];)*) => {
        $(pub mod $module;)*
        /// Every kind the engine implements, in registration order.
        pub const KINDS: &[&KindSpec] = &[$($(&$module::$kind,)*)*];
    };
}

kernels! {
    osc: [SINE, SAW, SQUARE, TRI, PULSE, SAW_NAIVE, SQUARE_NAIVE, VCO, IMPULSE, BLIP, PHASOR];
    arith: [ADD, SUB, MUL, DIV];
    noise: [NOISE, PINK, BROWN_NOISE];
    filter: [LPF, HPF, BPF, NOTCH, SVF_LP, SVF_HP, SVF_BP, SVF_NOTCH, DJF];
    envelope: [ADSR, ENV, ASR, AD, AR, LINE, XLINE, CURVE, SEGMENTS, LAG];
    fm: [FM, SUPERFM, PM, FMCROSSMOD];
    synth: [SUPERSAW, SUPERPWM, SUPERCHIP];
    drum: [SUPERKICK, SUPERSNARE, SUPERHAT];
    string: [PLUCK, WAVEGUIDE];
    analysis: [RMS, PEAK_FOLLOWER, AMP_FOLLOWER, SCHMIDT, LATCH, SAMPLE_HOLD, TIMER];
    utility: [RANGE, MIN, MAX, ABS, CLIP, WRAP, MTOF, XFADE, SELECT, IF];
    reverb: [REVERB, PLATE, LUSH];
    delay: [DELAY, TAPEDELAY, MULTITAP, PINGPONG];
    distortion: [DISTORTION, BITCRUSH, COARSE, DECIMATOR];
    softclip: [SOFTCLIP];
    modulation: [CHORUS, FLANGER, PHASER, TREMOLO, VIBRATO, RING, RING_MOD];
    dynamics: [COMPRESSOR, SIDECHAIN_COMPRESSOR, EXPANDER, TRANSIENT_SHAPER, LIMITER];
    spatial: [WIDENER, PAN2, PAN2_L, PAN2_R];
    biquad: [BQ_LP, BQ_HP, BQ_BP, BQ_NOTCH, RLPF, RHPF, RESONZ, PARAMETRIC_EQ];
    ladder: [MOOG_LADDER];
    comb: [COMB, ALLPASS];
    formant: [VOWEL, FORMANT];
    wavetable: [WAVETABLE];
    additive: [ADDITIVE, ORGAN];
    spectral: [PITCH_SHIFT, VOCODER, GRANULAR, CONVOLVE, FREEZE];
    tap: [TAP];
    gate: [GATE_KIND, TRIG];
}

/// The spec of a kernel kind (not the voice kinds: see [`crate::kinds`]), or `None`. Control
/// thread.
pub fn spec(kind: &str) -> Option<&'static KindSpec> {
    KINDS.iter().copied().find(|s| s.name == kind)
}

/// A fresh, unprepared kernel of `kind`, or `None` for an unknown kind. Control thread.
pub fn make(kind: &str) -> Option<Box<dyn Kernel>> {
    spec(kind).map(|s| (s.make)())
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
    fn every_kind_is_declared_whole_and_makes_its_kernel() {
        let mut names = std::collections::HashSet::new();
        for s in KINDS {
            let k = s.name;
            assert!(names.insert(k), "{k} is registered twice");
            assert!(!s.doc.is_empty(), "{k} has no doc");
            assert!(s.ports.len() <= MAX_PORTS, "{k} has too many ports");
            for p in s.ports {
                assert!(!p.unit.is_empty(), "{k}.{} has no unit", p.name);
                if let Some((lo, hi)) = p.range {
                    assert!(lo <= hi, "{k}.{}: empty range", p.name);
                    if let Some(d) = p.default {
                        assert!(
                            (lo..=hi).contains(&d),
                            "{k}.{}: default {d} outside {lo}..{hi}",
                            p.name
                        );
                    }
                }
            }
            assert!(make(k).is_some(), "no kernel for {k}");
        }
        assert!(spec("nope").is_none() && make("nope").is_none());
    }

    /// A port's documented range is the one its kernel clamps to: driving a port past either
    /// end renders exactly what the end itself renders (every other port at its default, audio
    /// inputs a fixed noise). Kinds that take triggers render nothing without them and are
    /// covered by their own tests.
    #[test]
    fn every_documented_range_is_where_the_kernel_clamps() {
        use super::check::{channels_of, kernel, render_sizes, test_noise, MIXED};
        use super::testing::Src;
        let n = 4096;
        let noise = test_noise(n, 7);
        let mut problems = Vec::new();
        for s in KINDS.iter().filter(|s| !s.triggers) {
            for (p, port) in s.ports.iter().enumerate() {
                let Some((lo, hi)) = port.range else { continue };
                let render = |value: f32| {
                    let srcs: Vec<Src> = s
                        .ports
                        .iter()
                        .enumerate()
                        .map(|(q, other)| match (q == p, other.default) {
                            (true, _) => Src::Const(value),
                            (false, Some(d)) => Src::Const(d),
                            (false, None) => Src::Mono(noise.clone()),
                        })
                        .collect();
                    render_sizes(
                        kernel(s.name).as_mut(),
                        &srcs,
                        channels_of(s.name, &srcs),
                        n,
                        MIXED,
                    )
                };
                let beyond = |edge: f32, away: f32| edge + away * (1.0 + edge.abs());
                for (edge, past) in [(lo, beyond(lo, -1.0)), (hi, beyond(hi, 1.0))] {
                    if render(edge) != render(past) {
                        problems.push(format!(
                            "{}.{}: {past} differs from {edge}",
                            s.name, port.name
                        ));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
