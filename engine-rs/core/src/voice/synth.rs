//! `voices`: synth voices — each trigger starts one instance of a voice template's graph at its exact frame, with a pitch, an amplitude envelope and a pan; the node outputs their stereo sum.
//!
//! Ports: `gain` (linear, default 1, mono, applied to the sum of the voices), `in0`..`in7`
//! (default 0; mono or stereo signals of the global graph that template params `{"input": k}`
//! read, every voice the same). Data: `template` (required: a template id), `voices` (the
//! limit: voices that may play at once, 1..=[`MAX_VOICES`], default [`DEFAULT_VOICES`]; `# voices
//! N` after a sound in the language). Output: stereo.
//!
//! Each voice owns a [`Graph`] built from the template when the plan is built (kernels and
//! buffers for every template node), so starting a voice allocates nothing: its kernels are
//! reset ([`Kernel::reset`]: oscillators to phase 0, filters cleared, envelopes idle so a gate
//! of 1 is a rising edge at the voice's first frame) and its pitch ports set. Kinds without a
//! reset keep their state from the previous note of that slot (noise generators, delays,
//! reverbs).
//!
//! Per trigger (fields in `events`): pitch — the template's pitch ports are set to
//! FREQ × base_i / base_0 (FREQ in Hz), else base_i × RATIO, else base_i; gain (linear) and pan
//! with the sampler's balance law ([`super::sample::pan_gains`]: centre leaves both channels
//! at unity); the amplitude envelope, in whole frames k = 0, 1, … since the voice's start
//! (times rounded to frames): a linear attack of A = ATTACK s (default [`DEFAULT_ATTACK`], at
//! least one frame), level (k+1)/A, so the first frame already sounds and frame A−1 is at 1;
//! then, if SUSTAIN (< 1) or DECAY is given, a linear decay over D = DECAY s (default
//! [`DEFAULT_DECAY`]) to SUSTAIN (default 1), level 1 − (1 − SUSTAIN)·j/D at its j-th frame
//! (j = 1..D); then SUSTAIN held. At H = DUR s after the start (default [`DEFAULT_DUR`]) the
//! release begins from the level L of frame H−1 (0 when H = 0): L·(1 − j/R) at its j-th frame
//! over R = RELEASE s (default [`DEFAULT_RELEASE`], at least one frame), which reaches 0 at its
//! R-th frame: the voice sounds H + R − 1 frames (H when there is nothing to release; a release
//! of one frame is a cut at H) and its slot is free from the frame its level reaches 0; a
//! template's own tail (a reverb) is cut there. Levels come from these formulas frame by frame
//! (no running sum), so a voice's end frame is known when it starts.
//!
//! Timing: every sounding voice runs its graph once per block, over the frames it sounds in
//! that block: from its start frame (a voice started at offset k runs its graph from frame k
//! only, its oscillators at phase 0 on frame k, lanes and inputs read from frame k on) to the
//! block's end or its own end. A slot whose voice ends inside a block and is taken by a new
//! voice later in that block renders the old voice up to its end, then the new one. Voices are
//! summed frame by frame in slot order. Since kernels give the same output for any split of a
//! signal into blocks, the result does not depend on the block size. A `{"prev": id}` inside a
//! template reads that voice's previous run (its previous block; zeros at its start).
//!
//! The pool holds `voices` sounding voices; a trigger beyond that fades the oldest out linearly
//! over [`STEAL_FADE_SECONDS`] from the new trigger's frame (a steal, counted: the oldest's level
//! is multiplied by (F − i)/F at the i-th frame of the F-frame fade, then it ends) while the new
//! one starts in one of [`FADE_SLOTS`] extra slots; if those are full too, the fading voice
//! closest to silence is cut (see [`super::pool`]). A `voices` node without a template (only in
//! tests of the kind table) plays nothing and counts its triggers as ignored.
//!
//! The slots, stealing, group sums and worker split are the shared [`VoicePool`] (mode: no
//! direct group, [`Cost::PerBlock`]); this file supplies what a synth voice does: place its
//! start (its end is known from its envelope), begin (reset its graph), render a span.
//!
//! Reload ([`Kernel::adopt`]): with the same limit every slot is taken over as it was. With
//! another limit the new pool takes the newest sounding voices that fit (`voices` +
//! [`FADE_SLOTS`]; older ones stop at the swap), and if more than the new limit of them are
//! playing, the oldest fade out as steals would.

use super::pool::{
    self, free_slot, limit_of, oldest_playing, Cost, Mode, SlotView, Sum, VoicePool,
};
use crate::events::Trigger;
use crate::ir::{NodeData, Param, TemplateIr, VOICE_INPUTS};
use crate::kernels::{
    audio, ChannelRule, Context, DataSpec, Kernel, KernelCounts, KindSpec, Outputs, PortIn,
    PortSpec,
};
use crate::plan::{Fault, Graph, Source};

pub use super::pool::{DEFAULT_VOICES, MAX_VOICES, STEAL_FADE_SECONDS};

use crate::kernels::param as port;

/// A template input: a signal the template's nodes read (0 when not connected).
const fn stereo(name: &'static str) -> PortSpec {
    PortSpec {
        default: Some(0.0),
        ..audio(name)
    }
}

/// `voices {gain, in0..in7}`.
pub const VOICES: KindSpec = KindSpec {
    name: "voices",
    doc: "Synth voices of a template: each trigger starts an instance of the template's graph; outputs their stereo sum.",
    ports: &[
        port("gain", 1.0).unit("gain"),
        stereo("in0"),
        stereo("in1"),
        stereo("in2"),
        stereo("in3"),
        stereo("in4"),
        stereo("in5"),
        stereo("in6"),
        stereo("in7"),
    ],
    data: &[
        DataSpec {
            name: "template",
            doc: "The index of the template graph each voice runs.",
        },
        DataSpec {
            name: "voices",
            doc: "Voices that may play at once before the oldest is stolen (1..=256, default 128).",
        },
    ],
    channels: ChannelRule::Stereo,
    triggers: true,
    make: || Box::new(Voices::default()),
};

const _: () = assert!(VOICES.ports.len() == 1 + VOICE_INPUTS as usize);

/// Extra slots for voices fading out after a steal.
pub const FADE_SLOTS: usize = 8;
/// Triggers one node accepts per block; more are ignored (and counted).
pub const MAX_TRIGGERS_PER_BLOCK: usize = 256;
/// Attack when the trigger gives none, s.
pub const DEFAULT_ATTACK: f32 = 0.01;
/// Release when the trigger gives none, s.
pub const DEFAULT_RELEASE: f32 = 0.3;
/// Held time before the release when the trigger gives no `dur`, s.
pub const DEFAULT_DUR: f32 = 0.25;
/// Decay when the trigger gives a sustain but no decay, s.
pub const DEFAULT_DECAY: f32 = 0.1;

/// How the synth voices' pool runs: every group in its own sums, the cost estimated per block
/// (each voice's graph runs once per block).
const MODE: Mode = Mode::new(false, Cost::PerBlock, MAX_TRIGGERS_PER_BLOCK, FADE_SLOTS);

/// `fade_from` of a voice that is not being stolen.
const NO_FADE: u64 = u64::MAX;
/// `latest` of a slot not started in this block.
const NO_START: u32 = u32::MAX;

/// A voice's amplitude envelope, in frames since its start (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Amp {
    /// Attack frames, ≥ 1.
    attack: u64,
    /// Decay frames (0: no decay).
    decay: u64,
    /// Level after the decay (1 without one).
    sustain: f32,
    /// Frames before the release.
    hold: u64,
    /// Release frames, ≥ 1.
    release: u64,
    /// The level the release starts from: that of frame `hold` − 1.
    from: f32,
}

/// A stretch of an envelope, frames `start..end` since the voice's start, whose j-th frame
/// (j = 1, 2, … from `start`) has level `from + delta · (j / len)`.
#[derive(Clone, Copy, Debug)]
struct Piece {
    start: u64,
    end: u64,
    from: f32,
    delta: f32,
    len: f32,
}

impl Piece {
    /// The level at frame `k` (in `start..end`).
    #[inline]
    fn at(&self, k: u64) -> f32 {
        self.from + self.delta * ((k - self.start + 1) as i32 as f32 / self.len)
    }
}

impl Amp {
    /// The envelope a trigger asks for at `sr` frames per second.
    fn new(t: &Trigger, sr: f32) -> Amp {
        // Times are finite and clamped by `events`; NaN or negative would read as 0 here.
        let frames = |s: f32| (s.max(0.0) * sr).round() as u64;
        let (decay, sustain) = match (t.decay, t.sustain.map(|s| s.max(0.0))) {
            (None, None) => (0, 1.0),
            (_, Some(s)) if s >= 1.0 => (0, 1.0),
            (d, s) => (frames(d.unwrap_or(DEFAULT_DECAY)).max(1), s.unwrap_or(1.0)),
        };
        let mut a = Amp {
            attack: frames(t.attack.unwrap_or(DEFAULT_ATTACK)).max(1),
            decay,
            sustain,
            hold: frames(t.dur.unwrap_or(DEFAULT_DUR)),
            release: frames(t.release.unwrap_or(DEFAULT_RELEASE)).max(1),
            from: 0.0,
        };
        if a.hold > 0 {
            a.from = a.piece(a.hold - 1).at(a.hold - 1);
        }
        a
    }

    /// Frames the voice sounds: the release's last frame is at 0, so the voice is over there.
    fn len(&self) -> u64 {
        if self.from > 0.0 {
            self.hold + self.release - 1
        } else {
            self.hold
        }
    }

    /// The piece holding frame `k` (< [`Amp::len`]).
    #[inline]
    fn piece(&self, k: u64) -> Piece {
        let (a, d, h) = (self.attack, self.attack + self.decay, self.hold);
        let line = |start: u64, end: u64, from: f32, to: f32, len: u64| Piece {
            start,
            end,
            from,
            delta: to - from,
            len: len as f32,
        };
        if k >= h {
            line(h, h + self.release, self.from, 0.0, self.release)
        } else if k < a {
            line(0, a.min(h), 0.0, 1.0, self.attack)
        } else if k < d {
            line(a, d.min(h), 1.0, self.sustain, self.decay)
        } else {
            line(d, h, self.sustain, self.sustain, 1)
        }
    }
}

struct Voice {
    graph: Graph,
    amp: Amp,
    gain_l: f32,
    gain_r: f32,
    serial: u64,
    /// Absolute frame of the voice's first frame.
    start: u64,
    /// Absolute frame at which it is silent and its slot free (≤ the current frame: free).
    end: u64,
    /// Absolute frame its steal fade starts ([`NO_FADE`]: not stolen).
    fade_from: u64,
}

/// A voice started in the current block, placed before the block renders.
#[derive(Clone, Copy, Debug)]
struct Start {
    slot: usize,
    /// Frame in the block.
    at: usize,
    trigger: Trigger,
    amp: Amp,
    serial: u64,
    end: u64,
    fade_from: u64,
}

impl pool::Voice for Voice {
    fn view(&self, now: u64) -> SlotView {
        SlotView {
            busy: self.end > now,
            playing: self.end > now && self.fade_from == NO_FADE,
            serial: self.serial,
            left: self.end.saturating_sub(now),
        }
    }

    fn steal(&mut self, now: u64, frames: u32) {
        self.end = self.end.min(now + u64::from(frames));
        self.fade_from = now;
    }
}

/// Where a voice's sound is in its graph's buffers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Sound {
    /// The output node's buffer (two channels when `stereo`).
    Node { slot: usize, stereo: bool },
    /// The product of two mono nodes' buffers: the output `mul`, left out of the graph.
    Product { a: usize, b: usize },
}

/// The factors (template node ids) of a template whose output is a `mul` of two mono nodes that
/// nothing else in the template reads, with no gain or offset folded into it (`graph` is the
/// template built whole: the fused nodes, their channels and posts).
fn product_of(t: &TemplateIr, graph: &Graph) -> Option<(u32, u32)> {
    let out = t.nodes.get(t.output as usize)?;
    if out.kind != "mul" {
        return None;
    }
    let (Some(Param::Node(a)), Some(Param::Node(b))) = (out.params.get("a"), out.params.get("b"))
    else {
        return None;
    };
    let read = |n: &crate::ir::NodeIr| {
        n.params
            .values()
            .any(|p| matches!(p, Param::Node(x) | Param::Prev(x) if *x == t.output))
    };
    if t.nodes.iter().any(read) {
        return None;
    }
    let slot = graph.slot_of[t.output as usize];
    let node = graph.nodes.get(slot)?;
    let mono = |id: u32| {
        let s = graph.slot_of[id as usize];
        graph.nodes.get(s).is_some_and(|n| n.channels == 1) && s != slot
    };
    (node.channels == 1 && node.post.is_identity() && mono(*a) && mono(*b)).then_some((*a, *b))
}

/// The `voices` kernel.
pub struct Voices {
    /// `voices` + [`FADE_SLOTS`] slots, each with its template graph, built with the node.
    pool: VoicePool<Voice>,
    /// (slot, port, base) of each pitch port; the first is the reference.
    pitch: Vec<(usize, usize, f32)>,
    /// Where a voice's sound is in its graph's buffers.
    sound: Sound,
    /// This block's starts, and per slot the index in `starts` of its latest one (once the
    /// starts are sorted for rendering: of its first one).
    starts: Vec<Start>,
    latest: Vec<u32>,
    sample_rate: f32,
    /// Absolute frame of the block being rendered.
    now: u64,
    /// [`Fault::raised`] when `take_counts` last walked the slots.
    faults_seen: u64,
    /// The lengths of a voice graph's buffers and scratch: the shape of each group's render
    /// space (the voices' graphs hold none of their own, see [`pool::Space`]).
    space_shape: (Vec<usize>, Vec<usize>),
}

impl Default for Voices {
    fn default() -> Voices {
        Voices {
            pool: VoicePool::new(MODE, DEFAULT_VOICES),
            pitch: Vec::new(),
            sound: Sound::Node {
                slot: 0,
                stereo: false,
            },
            starts: Vec::new(),
            latest: Vec::new(),
            sample_rate: 0.0,
            now: 0,
            faults_seen: u64::MAX,
            space_shape: (Vec::new(), Vec::new()),
        }
    }
}

impl Voices {
    /// A node playing `template` (`None`: silent), with its pool built now. Control thread.
    pub fn with_template(
        template: Option<&TemplateIr>,
        templates: &[TemplateIr],
        data: &NodeData,
        fuse: bool,
        sample_rate: f32,
        max_block: usize,
    ) -> Voices {
        let Some(t) = template else {
            return Voices::default();
        };
        let max_voices = limit_of(data);
        let fused = if fuse {
            Graph::fuse_template(t)
        } else {
            crate::fuse::Fused::none(t.nodes.len())
        };
        let build = |stages: &[Vec<u32>]| {
            Graph::build(
                &t.nodes,
                stages,
                templates,
                &fused,
                fuse,
                sample_rate,
                max_block,
            )
        };
        // A template whose sound is `a · b` of two mono nodes (an oscillator times its
        // envelope) leaves its output `mul` out: each voice mixes a·b straight into its sum
        // (one pass over the block and one node run fewer per voice). Only when fusing.
        let mut whole = Some(build(&t.stages));
        let product = whole
            .as_ref()
            .filter(|_| fuse)
            .and_then(|g| product_of(t, g));
        if product.is_some() {
            // It holds the `mul`: every voice's graph is built without it.
            whole = None;
        }
        let stages: Vec<Vec<u32>> = match product {
            Some(_) => t
                .stages
                .iter()
                .map(|s| {
                    s.iter()
                        .copied()
                        .filter(|&id| id != t.output)
                        .collect::<Vec<_>>()
                })
                .filter(|s| !s.is_empty())
                .collect(),
            None => t.stages.clone(),
        };
        let mut pool: Vec<Voice> = (0..max_voices + FADE_SLOTS)
            .map(|_| Voice {
                graph: whole.take().unwrap_or_else(|| build(&stages)),
                amp: Amp::default(),
                gain_l: 0.0,
                gain_r: 0.0,
                serial: 0,
                start: 0,
                end: 0,
                fade_from: NO_FADE,
            })
            .collect();
        let lens = |bufs: &[Vec<f32>]| bufs.iter().map(Vec::len).collect::<Vec<_>>();
        let space_shape = (lens(&pool[0].graph.buffers), lens(&pool[0].graph.scratch));
        // A voice renders in its group's space: its graph's own buffers would never be used.
        for v in &mut pool {
            v.graph.buffers = Vec::new();
            v.graph.scratch = Vec::new();
        }
        let g = &pool[0].graph;
        let sound = match product {
            Some((a, b)) => Sound::Product {
                a: g.slot_of[a as usize],
                b: g.slot_of[b as usize],
            },
            None => {
                let slot = g.slot_of[t.output as usize];
                Sound::Node {
                    slot,
                    stereo: g.nodes[slot].channels == 2,
                }
            }
        };
        let pitch = t
            .pitch
            .iter()
            .filter_map(|p| {
                let slot = g.slot_of[p.node as usize];
                let spec = crate::kinds::spec(g.nodes[slot].kind)?;
                Some((slot, spec.port(&p.param)?, p.base as f32))
            })
            .collect();
        let mut voices = Voices {
            pitch,
            sound,
            space_shape,
            ..Voices::default()
        };
        voices.pool.limit = max_voices;
        voices.pool.slots = pool;
        voices
    }

    /// The latest voice placed in slot `s`: (end, fade start, serial).
    fn meta(&self, s: usize) -> (u64, u64, u64) {
        match self.latest[s] {
            NO_START => {
                let v = &self.pool.slots[s];
                (v.end, v.fade_from, v.serial)
            }
            i => {
                let st = &self.starts[i as usize];
                (st.end, st.fade_from, st.serial)
            }
        }
    }

    /// Sets the end and fade start of the latest voice placed in slot `s`.
    fn set_meta(&mut self, s: usize, end: u64, fade_from: u64) {
        let (e, f) = match self.latest[s] {
            NO_START => {
                let v = &mut self.pool.slots[s];
                (&mut v.end, &mut v.fade_from)
            }
            i => {
                let st = &mut self.starts[i as usize];
                (&mut st.end, &mut st.fade_from)
            }
        };
        (*e, *f) = (end, fade_from);
    }

    /// Slot `s` as seen by a voice starting at absolute frame `at`.
    fn view(&self, s: usize, at: u64) -> SlotView {
        if !self.pool.active.contains(s) {
            return SlotView {
                busy: false,
                playing: false,
                serial: 0,
                left: 0,
            };
        }
        let (end, fade_from, serial) = self.meta(s);
        SlotView {
            busy: end > at,
            playing: end > at && fade_from == NO_FADE,
            serial,
            left: end.saturating_sub(at),
        }
    }

    /// Places a voice starting at frame `at` of the block: steals the oldest if the pool is
    /// full, takes a slot (cutting a fading voice there if none is free) and records the start.
    /// Render thread: no allocation (`starts` holds a block's worth of triggers).
    fn place(&mut self, at: usize, t: &Trigger) {
        let now = self.now + at as u64;
        let stolen = oldest_playing(self.pool.active.iter(), self.pool.limit, |s| {
            self.view(s, now)
        });
        if let Some(s) = stolen {
            let (end, _, _) = self.meta(s);
            self.set_meta(s, end.min(now + u64::from(self.pool.fade)), now);
            self.pool.counts.steals += 1;
        }
        let slot = free_slot(self.pool.slots.len(), |s| self.view(s, now));
        if self.pool.active.contains(slot) {
            let (end, fade_from, _) = self.meta(slot);
            self.set_meta(slot, end.min(now), fade_from);
        }
        let amp = Amp::new(t, self.sample_rate);
        self.latest[slot] = self.starts.len() as u32;
        self.starts.push(Start {
            slot,
            at,
            trigger: *t,
            amp,
            serial: self.pool.serial,
            end: now + amp.len(),
            fade_from: NO_FADE,
        });
        self.pool.active.insert(slot);
        self.pool.serial += 1;
    }
}

/// Voice `v` takes over the voice `ov` of another node's slot (a reload): its envelope, gains,
/// timing, pitch (`pitch`: the node's pitch ports) and template state (each template node's
/// kernel object moves over, so every kind keeps all of its state). Render thread: copies and
/// pointer swaps only.
fn take_slot(v: &mut Voice, ov: &mut Voice, pitch: &[(usize, usize, f32)]) {
    v.amp = ov.amp;
    v.gain_l = ov.gain_l;
    v.gain_r = ov.gain_r;
    v.serial = ov.serial;
    v.start = ov.start;
    v.end = ov.end;
    v.fade_from = ov.fade_from;
    for (n, on) in v.graph.nodes.iter_mut().zip(ov.graph.nodes.iter_mut()) {
        if n.kind == on.kind && n.shape == on.shape {
            std::mem::swap(&mut n.kernel, &mut on.kernel);
        }
    }
    for &(s, port, _) in pitch {
        if let Some(src) = ov.graph.nodes.get(s).map(|n| n.sources[port]) {
            v.graph.nodes[s].sources[port] = src;
        }
    }
}

/// Resets voice `v`'s graph and state for the voice `st` (its slot's), with `pitch` the node's
/// pitch ports and `now` the block's first frame. Render thread or a worker.
fn begin(v: &mut Voice, st: &Start, pitch: &[(usize, usize, f32)], now: u64) {
    let t = &st.trigger;
    let (pl, pr) = super::sample::pan_gains(t.pan);
    let base0 = pitch.first().map(|p| p.2).unwrap_or(1.0);
    v.graph.reset();
    for &(s, port, base) in pitch {
        let value = match (t.freq, t.ratio) {
            (Some(f), _) if base0 != 0.0 => f * base / base0,
            (Some(f), _) => f,
            (None, Some(r)) => base * r,
            (None, None) => base,
        };
        v.graph.nodes[s].sources[port] = Source::Const(value);
    }
    v.amp = st.amp;
    v.gain_l = t.gain * pl;
    v.gain_r = t.gain * pr;
    v.serial = st.serial;
    v.start = now + st.at as u64;
    v.end = st.end;
    v.fade_from = st.fade_from;
}

/// Runs voice `v`'s graph over frames `from..to` of the block (which it sounds in whole) and
/// adds it, times its envelope, gains and steal fade, into `sum`. Render thread.
#[allow(clippy::too_many_arguments)]
fn render(
    v: &mut Voice,
    ctx: &Context,
    ext: &[PortIn],
    (from, to): (usize, usize),
    now: u64,
    sound: Sound,
    fade: u64,
    sum: &mut Sum,
) {
    let m = to - from;
    let sub = Context {
        sample_rate: ctx.sample_rate,
        frames: m,
        bank: ctx.bank,
        lanes: ctx.lanes,
    };
    // The graph renders in its group's space (buffers swapped in and back: pointer swaps; the
    // voice's own are empty).
    let space = sum.space();
    std::mem::swap(&mut v.graph.buffers, &mut space.buffers);
    std::mem::swap(&mut v.graph.scratch, &mut space.scratch);
    v.graph.run(&sub, ext, from, None);
    let stride = v.graph.max_block;
    let bufs = &v.graph.buffers;
    let (xl, xr, stereo) = match sound {
        Sound::Node { slot, stereo } => {
            let buf = &bufs[slot];
            let xl = &buf[..m];
            (
                xl,
                if stereo { &buf[stride..stride + m] } else { xl },
                stereo,
            )
        }
        // Mono: the two factors.
        Sound::Product { a, b } => (&bufs[a][..m], &bufs[b][..m], false),
    };
    let product = matches!(sound, Sound::Product { .. });
    let centre = !stereo && v.gain_l == v.gain_r;
    let (gl, gr) = (v.gain_l, v.gain_r);
    let fk = v.fade_from.saturating_sub(v.start);
    let mut k = now + from as u64 - v.start;
    let end = k + m as u64;
    let mut i = 0;
    while k < end {
        let p = v.amp.piece(k);
        let fading = v.fade_from != NO_FADE && k >= fk;
        let stop = if fading || v.fade_from == NO_FADE {
            p.end.min(end)
        } else {
            p.end.min(end).min(fk)
        };
        let len = (stop - k) as usize;
        let (xl, xr) = (&xl[i..i + len], &xr[i..i + len]);
        let at = from + i;
        let j0 = (k - p.start + 1) as i32;
        if fading {
            // The F-frame fade's i-th frame (i from 0) is scaled by (F − i)/F.
            let f0 = (fade - (k - fk)) as i32;
            let ff = fade as f32;
            mix(sum, (centre, product), xl, xr, at, gl, gr, |i| {
                (p.from + p.delta * ((j0 + i as i32) as f32 / p.len))
                    * ((f0 - i as i32) as f32 / ff)
            });
        } else if p.delta == 0.0 {
            let e = p.from;
            mix(sum, (centre, product), xl, xr, at, gl, gr, |_| e);
        } else {
            mix(sum, (centre, product), xl, xr, at, gl, gr, |i| {
                p.from + p.delta * ((j0 + i as i32) as f32 / p.len)
            });
        }
        k = stop;
        i += len;
    }
    let space = sum.space();
    std::mem::swap(&mut v.graph.buffers, &mut space.buffers);
    std::mem::swap(&mut v.graph.scratch, &mut space.scratch);
}

/// Adds `x · level(i) · gain` into `sum` from frame `at` on: into the centre for a mono voice
/// panned to the middle, else into left and right. With `product`, the voice is mono and its
/// sound is `xl · xr` (the two factors of its output `mul`, multiplied here as that node did).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn mix(
    sum: &mut Sum,
    (centre, product): (bool, bool),
    xl: &[f32],
    xr: &[f32],
    at: usize,
    gl: f32,
    gr: f32,
    level: impl Fn(usize) -> f32,
) {
    let n = xl.len();
    match (centre, product) {
        (true, false) => add_levelled(&mut sum.centre()[at..at + n], xl, gl, &level),
        (true, true) => add_levelled_product(&mut sum.centre()[at..at + n], xl, xr, gl, &level),
        (false, false) => {
            let (l, r) = sum.stereo();
            add_levelled(&mut l[at..at + n], xl, gl, &level);
            add_levelled(&mut r[at..at + n], &xr[..n], gr, &level);
        }
        (false, true) => {
            let (l, r) = sum.stereo();
            add_levelled_product(&mut l[at..at + n], xl, &xr[..n], gl, &level);
            add_levelled_product(&mut r[at..at + n], xl, &xr[..n], gr, &level);
        }
    }
}

/// `acc[i] += x[i] · (level(i) · gain)`: the scalar loop [`add_levelled`] compiles at each SIMD
/// level (the same operations per frame, so the same bits at every level).
#[inline(always)]
fn add_levelled_loop(acc: &mut [f32], x: &[f32], gain: f32, level: &impl Fn(usize) -> f32) {
    for (i, (a, x)) in acc.iter_mut().zip(x).enumerate() {
        *a += x * (level(i) * gain);
    }
}

/// `acc[i] += (a[i] · b[i]) · (level(i) · gain)`: [`add_levelled_loop`] of the product the
/// output `mul` would have written (rounded to f32 first, as it was), so the same bits.
#[inline(always)]
fn add_levelled_product_loop(
    acc: &mut [f32],
    a: &[f32],
    b: &[f32],
    gain: f32,
    level: &impl Fn(usize) -> f32,
) {
    for (i, ((o, x), y)) in acc.iter_mut().zip(a).zip(b).enumerate() {
        let v: f32 = x * y;
        *o += v * (level(i) * gain);
    }
}

crate::multiversion! {
    /// [`add_levelled_product_loop`] at the current SIMD level.
    fn add_levelled_product(acc: &mut [f32], a: &[f32], b: &[f32], gain: f32, level: &impl Fn(usize) -> f32) => add_levelled_product_loop
}

crate::multiversion! {
    /// [`add_levelled_loop`] at the current SIMD level.
    fn add_levelled(acc: &mut [f32], x: &[f32], gain: f32, level: &impl Fn(usize) -> f32) => add_levelled_loop
}

impl Kernel for Voices {
    /// A reload that changed the limit (`# voices N`) keeps the sounding voices (same template
    /// shape): envelope, gains, pitch, and each template node's kernel object, moved. The newest
    /// that fit (in their own slots when those exist, else packed in order) carry on, the rest
    /// stop, and playing voices beyond the new limit fade out as steals ([`VoicePool::adopt`]).
    /// (With the same limit and template the whole kernel moves instead.) Render thread: copies
    /// and pointer swaps only.
    fn adopt(&mut self, old: &mut dyn Kernel) {
        let Some(o) = old.as_any_mut().downcast_mut::<Voices>() else {
            return;
        };
        if o.sound != self.sound
            || o.pool.slots.first().map(|v| v.graph.nodes.len())
                != self.pool.slots.first().map(|v| v.graph.nodes.len())
        {
            return;
        }
        self.now = o.now;
        let pitch = &self.pitch;
        self.pool
            .adopt(&mut o.pool, self.now, |v, ov| take_slot(v, ov, pitch));
    }

    /// Control thread.
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.pool.prepare(sample_rate, max_block);
        // Each group's render space has the shape of a voice's graph (every slot's is the same).
        let (buffers, scratch) = &self.space_shape;
        self.pool.set_spaces(|| pool::Space {
            buffers: buffers.iter().map(|&n| vec![0.0; n]).collect(),
            scratch: scratch.iter().map(|&n| vec![0.0; n]).collect(),
        });
        self.starts = Vec::with_capacity(MAX_TRIGGERS_PER_BLOCK);
        self.latest = vec![NO_START; self.pool.slots.len()];
    }

    /// Render thread.
    fn trigger(&mut self, _ctx: &Context, offset: usize, t: &Trigger) {
        self.pool.trigger(offset, t);
    }

    fn pool(&self) -> bool {
        true
    }

    fn voices(&self) -> usize {
        self.pool.sounding()
    }

    /// The pool's counters, and the template nodes that panicked (each voice's graph runs
    /// under the executor's fault guard; a failed node is counted once). Render thread: a walk
    /// over the slots' few nodes only when some graph raised a fault since the last one
    /// ([`Fault::raised`]), no allocation.
    fn take_counts(&mut self) -> KernelCounts {
        let mut c = std::mem::take(&mut self.pool.counts);
        let raised = Fault::raised();
        if raised == self.faults_seen {
            return c;
        }
        self.faults_seen = raised;
        for v in &mut self.pool.slots {
            for n in &mut v.graph.nodes {
                if n.failed == Fault::New {
                    n.failed = Fault::Reported;
                    c.faults += 1;
                }
            }
        }
        c
    }

    /// Render thread: no allocation.
    fn process(&mut self, ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let (l, r) = out.stereo();
        l.fill(0.0);
        r.fill(0.0);
        let n = l.len();
        // Place this block's voices first: where each voice ends is known from its envelope.
        let mut pending = std::mem::take(&mut self.pool.pending);
        for (at, t) in pending.drain(n) {
            if self.pool.slots.is_empty() {
                self.pool.counts.ignored += 1;
            } else {
                self.place(at, &t);
            }
        }
        self.pool.pending = pending;
        // Then render slot by slot (each slot's voice from before the block, then those started
        // in it), by the pool: group by group, on several workers when the voices cost more
        // than a fork; then the groups' sums are added in group order.
        self.starts
            .sort_unstable_by_key(|st| (st.slot, st.at, st.serial));
        for (k, st) in self.starts.iter().enumerate().rev() {
            self.latest[st.slot] = k as u32;
        }
        let (starts, first, pitch, now) = (
            &self.starts[..],
            &self.latest[..],
            &self.pitch[..],
            self.now,
        );
        let (shape, fade, ext) = (self.sound, u64::from(self.pool.fade), &inputs[1..]);
        self.pool.render(l, r, n, &|s, v, sum| {
            if v.end > now {
                let to = ((v.end - now) as usize).min(n);
                render(v, ctx, ext, (0, to), now, shape, fade, sum);
            }
            let from = match first[s] {
                NO_START => starts.len(),
                k => k as usize,
            };
            for st in starts[from..].iter().take_while(|st| st.slot == s) {
                begin(v, st, pitch, now);
                let to = ((st.end - now).min(n as u64)) as usize;
                if to > st.at {
                    render(v, ctx, ext, (st.at, to), now, shape, fade, sum);
                }
            }
        });
        for s in self.pool.active.iter() {
            self.latest[s] = NO_START;
        }
        let end = self.now + n as u64;
        self.pool.retain(|v| v.end > end);
        self.starts.clear();
        self.now = end;
        self.pool.finish(l, r, inputs[0].left());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{DataValue, GraphIr};
    use crate::kernels::dsp::testing::peak_freq;
    use crate::kernels::testing::{run, Src};
    use crate::samples::SampleBank;
    use crate::voice::pool::testing::{self, SR};

    /// The voices kernel of template 0 of the GraphIR `json`, with `data` (its `voices` limit),
    /// fused or not, prepared for blocks of up to `max_block`. Tests and timings.
    pub(super) fn voices_of(json: &str, data: &NodeData, fuse: bool, max_block: usize) -> Voices {
        let ir = GraphIr::parse(&mut json.as_bytes().to_vec()).unwrap();
        let mut v = Voices::with_template(
            Some(&ir.templates[0]),
            &ir.templates,
            data,
            fuse,
            SR,
            max_block,
        );
        v.prepare(SR, max_block);
        v
    }

    /// A voices kernel playing a two-oscillator template: saw at base 220 plus a sine an
    /// octave up (base 440), summed.
    fn kernel() -> Voices {
        let json = r#"{"version": 1, "nodes": [], "stages": [], "templates": [{"id": 0,
          "name": "v", "output": 2, "stages": [[0, 1], [2]],
          "pitch": [{"node": 0, "param": "freq", "base": 220}, {"node": 1, "param": "freq", "base": 440}],
          "nodes": [{"id": 0, "kind": "saw", "params": {"freq": {"const": 220}}},
                    {"id": 1, "kind": "sine", "params": {"freq": {"const": 440}}},
                    {"id": 2, "kind": "add", "params": {"a": {"node": 0}, "b": {"node": 1}}}]}]}"#;
        voices_of(json, &NodeData::new(), true, 256)
    }

    /// A template node that panicked in one voice (its graph ran under the executor's fault
    /// guard, which marks it) is counted once by `take_counts`, so `render` and `live` report
    /// the voices node; the next call counts nothing new.
    #[test]
    fn a_failed_template_node_is_counted_once() {
        let mut v = kernel();
        assert_eq!(v.take_counts().faults, 0);
        v.pool.slots[3].graph.nodes[1].failed.raise();
        assert_eq!(v.take_counts().faults, 1);
        assert_eq!(v.pool.slots[3].graph.nodes[1].failed, Fault::Reported);
        assert_eq!(v.take_counts().faults, 0);
    }

    /// RATIO scales every pitch port (base × ratio); FREQ sets the first and keeps the others'
    /// interval (an octave here).
    #[test]
    fn ratio_and_freq_tune_every_pitch_port() {
        let bank = SampleBank::default();
        let t = |freq, ratio| Trigger {
            freq,
            ratio,
            gain: 0.3,
            dur: Some(1.0),
            ..Trigger::default()
        };
        for (trig, low, high) in [
            (t(None, Some(1.5)), 330.0, 660.0),
            (t(Some(300.0), None), 300.0, 600.0),
            (t(None, None), 220.0, 440.0),
        ] {
            let mut v = kernel();
            let out = run(
                &mut v,
                &[Src::Const(1.0)],
                2,
                20000,
                SR,
                &bank,
                &[(0, trig)],
            );
            let x = &out[0][2000..2000 + 16384];
            let f = peak_freq(x, low - 50.0, low + 50.0, 1.0);
            assert!((f - low).abs() <= 1.0, "saw at {f}, want {low}");
            let f = peak_freq(x, high - 50.0, high + 50.0, 1.0);
            assert!((f - high).abs() <= 1.0, "sine at {f}, want {high}");
            assert_eq!(v.voices(), 1);
        }
    }

    /// A pool of `voices` whose template outputs the constant 1 (so the output is the envelope
    /// times the gains), prepared for blocks of up to `max_block`.
    fn ones(voices: usize, max_block: usize) -> Voices {
        let json = r#"{"version": 1, "nodes": [], "stages": [], "templates": [{"id": 0,
          "name": "v", "output": 0, "stages": [[0]], "pitch": [],
          "nodes": [{"id": 0, "kind": "mul", "params": {"a": {"const": 1}, "b": {"const": 1}}}]}]}"#;
        let mut data = NodeData::new();
        data.insert("voices".into(), DataValue::Num(voices as f64));
        voices_of(json, &data, true, max_block)
    }

    /// Renders `n` frames of a prepared pool in 64-frame blocks, `triggers` at frames relative
    /// to this call; the left channel.
    fn drive(v: &mut Voices, n: usize, triggers: &[(usize, Trigger)]) -> Vec<f32> {
        testing::drive(v, &SampleBank::default(), n, triggers, |_| {})
    }

    /// Held notes (1 s, a one-frame attack) of level `G` from the constant template, one every
    /// 8 frames: all overlap for as long as these tests run.
    const G: f32 = 1.0 / 1024.0;
    fn held(count: usize) -> Vec<(usize, Trigger)> {
        let t = Trigger {
            gain: G,
            pan: 0.5,
            attack: Some(0.0),
            dur: Some(1.0),
            ..Trigger::default()
        };
        (0..count).map(|k| (k * 8, t)).collect()
    }

    fn prepared(voices: usize) -> Voices {
        ones(voices, 64)
    }

    /// A reload from a limit of 8 to 64 keeps every voice in its slot: with no new trigger the
    /// new node renders exactly what the old one goes on rendering; 20 more notes then fit in
    /// the new node (no steal) where the old one, at its limit, steals all 20.
    #[test]
    fn adopt_into_a_larger_limit_keeps_every_voice() {
        let mut old = prepared(8);
        drive(&mut old, 600, &held(10));
        assert_eq!(old.take_counts().steals, 2);
        // The voices' template kernels move out of the node they are taken from: a twin that
        // played the same notes gives them up, and `old` goes on as the reference.
        let mut twin = prepared(8);
        drive(&mut twin, 600, &held(10));
        let mut new = prepared(64);
        new.adopt(&mut twin);
        assert_eq!(new.voices(), 8);
        assert_eq!(drive(&mut old, 500, &[]), drive(&mut new, 500, &[]));
        drive(&mut old, 500, &held(20));
        drive(&mut new, 500, &held(20));
        assert_eq!(old.take_counts().steals, 20);
        assert_eq!(new.take_counts().steals, 0);
        assert_eq!(new.voices(), 28);
    }

    /// A reload from 64 to 8 with 40 notes playing: the new pool (8 + FADE_SLOTS slots) takes
    /// the newest that fit; those beyond the 8 newest fade out as steals over 5 ms (221
    /// frames), so the level starts at 8 + FADE_SLOTS notes and ends at the 8 newest.
    #[test]
    fn adopt_into_a_smaller_limit_carries_the_newest_that_fit() {
        let mut old = prepared(64);
        drive(&mut old, 400, &held(40));
        assert_eq!(old.voices(), 40);
        let mut new = prepared(8);
        new.adopt(&mut old);
        assert_eq!(new.take_counts().steals, FADE_SLOTS as u64);
        assert_eq!(new.voices(), 8 + FADE_SLOTS);
        let left = drive(&mut new, 600, &[]);
        assert!(
            (left[0] - (8 + FADE_SLOTS) as f32 * G).abs() < 1e-6,
            "{}",
            left[0]
        );
        assert!((left[599] - 8.0 * G).abs() < 1e-6, "{}", left[599]);
        assert_eq!(new.voices(), 8);
        let serials: Vec<u64> = testing::serials(&new.pool);
        assert_eq!(serials, (32..40).collect::<Vec<u64>>());
    }

    /// A template whose sound is `sine · xline` (its output a `mul` of two mono nodes) plays
    /// as a product when fused (`Sound::Product`: the `mul` left out of the graph) and gives the
    /// bits of the same template run whole, voices starting mid-block, at several block sizes;
    /// a template whose `mul` has a constant factor, or whose output is read by another node,
    /// keeps its output node.
    #[test]
    fn an_oscillator_times_its_envelope_mixes_as_a_product_with_the_same_bits() {
        let template = |mul_b: &str, extra: &str| {
            format!(
                r#"{{"version": 1, "nodes": [], "stages": [], "templates": [{{"id": 0,
              "name": "v", "output": 2, "stages": [[0, 1], [2]{extra_stage}],
              "pitch": [{{"node": 0, "param": "freq", "base": 220}}],
              "nodes": [{{"id": 0, "kind": "sine", "params": {{"freq": {{"const": 220}}}}}},
                        {{"id": 1, "kind": "xline", "params": {{"start": {{"const": 1}}, "end": {{"const": 0.001}}, "duration": {{"const": 0.05}}}}}},
                        {{"id": 2, "kind": "mul", "params": {{"a": {{"node": 0}}, "b": {mul_b}}}}}{extra}]}}]}}"#,
                extra_stage = if extra.is_empty() { "" } else { ", [3]" },
            )
        };
        let voices =
            |json: &str, fuse: bool, max: usize| voices_of(json, &NodeData::new(), fuse, max);
        let triggers: Vec<(usize, Trigger)> = (0..12)
            .map(|k| {
                let t = Trigger {
                    ratio: Some(1.0 + k as f32 * 0.25),
                    gain: 0.5,
                    pan: if k % 3 == 0 { 0.5 } else { 0.2 },
                    dur: Some(0.03),
                    ..Trigger::default()
                };
                (37 + k * 611, t)
            })
            .collect();
        let json = template(r#"{"node": 1}"#, "");
        let bank = SampleBank::default();
        for sizes in [&[256][..], &[64, 100, 17, 256]] {
            let max = sizes.iter().copied().max().unwrap();
            let mut fused = voices(&json, true, max);
            let mut whole = voices(&json, false, max);
            assert!(matches!(fused.sound, Sound::Product { .. }));
            assert!(matches!(whole.sound, Sound::Node { .. }));
            let run = |v: &mut Voices| {
                crate::kernels::testing::run_sizes(
                    v,
                    &[Src::Const(1.0)],
                    2,
                    9000,
                    sizes,
                    SR,
                    &bank,
                    &triggers,
                )
            };
            let (a, b) = (run(&mut fused), run(&mut whole));
            assert!(a[0].iter().any(|x| x.abs() > 0.01), "the voices sound");
            for c in 0..2 {
                for (i, (x, y)) in a[c].iter().zip(&b[c]).enumerate() {
                    assert_eq!(
                        x.to_bits(),
                        y.to_bits(),
                        "channel {c} frame {i}: {x} vs {y}"
                    );
                }
            }
        }
        // A constant factor: `mul(x, c)` folds into x's gain instead.
        let constant = voices(&template(r#"{"const": 0.5}"#, ""), true, 256);
        assert!(!matches!(constant.sound, Sound::Product { .. }));
        // The output read by another template node (here through `prev`): kept.
        let read = voices(
            &template(
                r#"{"node": 1}"#,
                r#", {"id": 3, "kind": "mul", "params": {"a": {"prev": 2}, "b": {"const": 0.5}}}"#,
            ),
            true,
            256,
        );
        assert!(matches!(read.sound, Sound::Node { .. }));
    }

    fn render_ones(
        voices: usize,
        n: usize,
        sizes: &[usize],
        triggers: &[(usize, Trigger)],
    ) -> (Vec<Vec<f32>>, Voices) {
        let mut v = ones(voices, sizes.iter().copied().max().unwrap());
        let bank = SampleBank::default();
        let out = crate::kernels::testing::run_sizes(
            &mut v,
            &[Src::Const(1.0)],
            2,
            n,
            sizes,
            SR,
            &bank,
            triggers,
        );
        (out, v)
    }

    /// The amplitude envelope against the module docs' formulas: attack 441 frames, level
    /// (k+1)/441; decay 4410 frames to 0.5, 1 − 0.5·j/4410; held to 8820 frames after the
    /// start; release 2205 frames from 0.5, 0.5·(1 − j/2205); silent and free from 11025.
    /// Gain 0.8 panned to 0.25 gives L = 0.8, R = 0.8·0.5. The tolerance is f32 rounding of
    /// the formula (a few ulps of values ≤ 1).
    #[test]
    fn the_envelope_follows_its_formulas() {
        let t = Trigger {
            attack: Some(0.01),
            decay: Some(0.1),
            sustain: Some(0.5),
            dur: Some(0.2),
            release: Some(0.05),
            gain: 0.8,
            pan: 0.25,
            ..Trigger::default()
        };
        let start = 100;
        let (out, v) = render_ones(4, 12000, crate::kernels::testing::SIZES, &[(start, t)]);
        let want = |i: usize| -> f64 {
            if i < start {
                return 0.0;
            }
            let k = (i - start) as f64;
            if k < 441.0 {
                (k + 1.0) / 441.0
            } else if k < 441.0 + 4410.0 {
                1.0 - 0.5 * (k - 440.0) / 4410.0
            } else if k < 8820.0 {
                0.5
            } else if k < 8820.0 + 2205.0 {
                0.5 * (1.0 - (k - 8819.0) / 2205.0)
            } else {
                0.0
            }
        };
        for (i, (l, r)) in out[0].iter().zip(&out[1]).enumerate() {
            let (l, r) = (*l as f64, *r as f64);
            assert!(
                (l - 0.8 * want(i)).abs() < 1e-6,
                "L frame {i}: {l} vs {}",
                0.8 * want(i)
            );
            assert!(
                (r - 0.4 * want(i)).abs() < 1e-6,
                "R frame {i}: {r} vs {}",
                0.4 * want(i)
            );
        }
        assert_eq!(
            out[0][start + 440],
            0.8,
            "the attack peaks on its last frame"
        );
        assert_eq!(out[0][start + 11024], 0.0, "the release ends at 0");
        assert_eq!(v.voices(), 0, "the voice is over");
        // Without a decay or sustain, the level holds at 1; a dur of 0 sounds nothing.
        let t = Trigger {
            attack: Some(0.0),
            dur: Some(0.001),
            release: Some(0.0),
            ..Trigger::default()
        };
        let (out, _) = render_ones(4, 200, &[64], &[(10, t)]);
        let want: Vec<f32> = (0..200)
            .map(|i| if (10..54).contains(&i) { 1.0 } else { 0.0 })
            .collect();
        assert_eq!(
            out[0], want,
            "44 frames at 1, then a one-frame release to 0"
        );
        let t = Trigger {
            dur: Some(0.0),
            ..Trigger::default()
        };
        let (out, v) = render_ones(4, 200, &[64], &[(10, t)]);
        assert!(out[0].iter().all(|x| *x == 0.0) && v.voices() == 0);
    }

    /// A steal: with one voice allowed, the second trigger fades the first linearly over the
    /// 221-frame steal fade (5 ms at 44.1 kHz, rounded), level (221 − i)/221 at its i-th frame,
    /// while the new voice starts in a fade slot; the steal is counted.
    #[test]
    fn a_stolen_voice_fades_over_five_ms() {
        let held = Trigger {
            attack: Some(0.0),
            dur: Some(1.0),
            gain: 0.5,
            ..Trigger::default()
        };
        let second = Trigger { gain: 0.25, ..held };
        let (out, mut v) = render_ones(
            1,
            3000,
            crate::kernels::testing::SIZES,
            &[(0, held), (1000, second)],
        );
        assert_eq!(v.take_counts().steals, 1);
        for (i, got) in out[0].iter().enumerate() {
            let first = if i < 1000 {
                0.5
            } else if i < 1221 {
                0.5 * (221 - (i - 1000)) as f64 / 221.0
            } else {
                0.0
            };
            let new = if i >= 1000 { 0.25 } else { 0.0 };
            let got = *got as f64;
            assert!(
                (got - first - new).abs() < 1e-6,
                "frame {i}: {got} vs {}",
                first + new
            );
        }
        assert_eq!(v.voices(), 1);
    }

    /// Many short voices (shorter than a block, so slots are freed and taken again inside one
    /// block), steals and fades: blocks of 1, 64, 512 frames and mixed sizes give the same
    /// output bit for bit (each voice is summed in slot order at every frame).
    #[test]
    fn short_voices_do_not_depend_on_the_block_size() {
        let triggers: Vec<(usize, Trigger)> = (0..300)
            .map(|k| {
                let t = Trigger {
                    attack: Some([0.0, 0.001, 0.003][k % 3]),
                    dur: Some([0.001, 0.004, 0.0, 0.01][k % 4]),
                    release: Some([0.0, 0.002, 0.0005][k % 3]),
                    sustain: (k % 5 == 0).then_some(0.3),
                    gain: 0.1 + (k % 7) as f32 * 0.1,
                    pan: [0.5, 0.2, 0.9][k % 3],
                    ..Trigger::default()
                };
                (k * 37 + (k % 3) * 11, t)
            })
            .collect();
        let n = 12000;
        let (want, mut v) = render_ones(3, n, &[512], &triggers);
        assert!(v.take_counts().steals > 0, "the test steals");
        assert!(want[0].iter().any(|x| *x != 0.0));
        for sizes in [&[1usize][..], &[64], crate::kernels::check::MIXED] {
            let (got, _) = render_ones(3, n, sizes, &triggers);
            crate::kernels::testing::assert_same("left", &got[0], &want[0]);
            crate::kernels::testing::assert_same("right", &got[1], &want[1]);
        }
    }
}

/// Per-voice cost, printed (not asserted): `cargo test --release -p phonon-core --lib
/// voice::synth::bench -- --ignored --nocapture`.
#[cfg(test)]
mod bench {
    use super::*;
    use crate::ir::DataValue;
    use crate::kernels::{Input, Outputs};
    use crate::samples::SampleBank;
    use crate::voice::pool::testing::{self, best, SR};
    use std::hint::black_box;
    use std::time::Instant;
    const BLOCK: usize = 512;

    /// A pool of `voices` playing a template whose output node is `node` (JSON of node 0).
    fn pool(node: &str, voices: usize, pitch: &str) -> Voices {
        let json = format!(
            r#"{{"version": 1, "nodes": [], "stages": [], "templates": [{{"id": 0, "name": "v",
              "output": 0, "stages": [[0]], "pitch": [{pitch}], "nodes": [{node}]}}]}}"#
        );
        let mut data = NodeData::new();
        data.insert("voices".into(), DataValue::Num(voices as f64));
        super::tests::voices_of(&json, &data, true, BLOCK)
    }

    /// Renders `blocks` blocks, triggering every `every` frames (0: never) with `t`; returns
    /// (ns per block, mean voices sounding).
    fn time(v: &mut Voices, blocks: usize, every: f64, t: Trigger, warm: usize) -> (f64, f64) {
        let bank = SampleBank::default();
        let gain = [PortIn::mono(Input::Const(1.0)); 9];
        let mut next = 0.0f64;
        testing::time(v, &bank, BLOCK, (warm, blocks), &gain, |b, v, ctx| {
            let start = (b * BLOCK) as f64;
            while every > 0.0 && next < start + BLOCK as f64 {
                let at = (next.round() as usize).saturating_sub(b * BLOCK);
                v.trigger(ctx, at.min(BLOCK - 1), &t);
                next += every;
            }
        })
    }

    #[test]
    #[ignore]
    fn per_voice_overhead() {
        let constant =
            r#"{"id": 0, "kind": "mul", "params": {"a": {"const": 0.5}, "b": {"const": 1}}}"#;
        let held = Trigger {
            dur: Some(1000.0),
            attack: Some(0.0),
            ..Trigger::default()
        };
        let p3 = Trigger {
            dur: Some(0.5),
            attack: Some(0.0),
            release: Some(0.0),
            gain: 0.25,
            ..Trigger::default()
        };
        let (blocks, runs) = (2000, 7);
        let bank = SampleBank::default();
        let ctx = Context {
            sample_rate: SR,
            frames: BLOCK,
            bank: &bank,
            lanes: &[],
        };
        // The template's own kernel, alone: `mul` of two constants over a block.
        let (kernel, _) = best(runs, || {
            let mut k = crate::kernels::make("mul").unwrap();
            k.prepare(SR, BLOCK);
            let ins = [
                PortIn::mono(Input::Const(0.5)),
                PortIn::mono(Input::Const(1.0)),
            ];
            let mut buf = vec![0.0f32; BLOCK];
            let t0 = Instant::now();
            for _ in 0..blocks * 16 {
                let mut out = Outputs::new(&mut buf, BLOCK, 1, BLOCK);
                k.process(&ctx, &ins, &mut out);
                black_box(&buf);
            }
            (t0.elapsed().as_nanos() as f64 / (blocks * 16) as f64, 0.0)
        });
        println!(
            "template kernel alone (mul of constants, {BLOCK} frames): {kernel:.0} ns per block"
        );
        let (ns, _) = best(runs, || {
            time(&mut pool(constant, 128, ""), blocks * 4, 0.0, held, 10)
        });
        println!("idle pool (128 + {FADE_SLOTS} slots, nothing sounding): {ns:.0} ns per block");
        for n in [16usize, 128] {
            let (ns, s) = best(runs, || {
                let mut v = pool(constant, n, "");
                for _ in 0..n {
                    v.trigger(&ctx, 0, &held);
                }
                time(&mut v, blocks, 0.0, held, 10)
            });
            println!(
                "{s:.0} held voices, no triggers: {:.0} ns per voice per block ({:.0} beyond the kernel)",
                ns / s,
                ns / s - kernel
            );
        }
        let mut steals = 0;
        let (ns, s) = best(runs, || {
            let mut v = pool(constant, 128, "");
            let r = time(&mut v, blocks, SR as f64 / 256.0, p3, 400);
            steals = v.take_counts().steals;
            r
        });
        println!("P3 timing, 128-voice pool: {steals} steals");
        println!(
            "P3 timing (256 triggers/s, 0.5 s voices), constant template: {s:.1} voices, {:.0} ns per voice per block ({:.0} beyond the kernel)",
            ns / s,
            ns / s - kernel
        );
        let sine = r#"{"id": 0, "kind": "sine", "params": {"freq": {"const": 220}}}"#;
        let pitch = r#"{"node": 0, "param": "freq", "base": 220}"#;
        let (ns, s) = best(3, || {
            time(
                &mut pool(sine, 128, pitch),
                blocks / 4,
                SR as f64 / 256.0,
                p3,
                400,
            )
        });
        println!(
            "P3 timing, sine template: {s:.1} voices, {:.0} ns per voice per block",
            ns / s
        );
    }
}
