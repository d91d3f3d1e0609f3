//! `voices`: synth voices — each trigger starts one instance of a voice template's graph at its exact frame, with a pitch, an amplitude envelope and a pan; the node outputs their stereo sum.
//!
//! Ports: `gain` (linear, default 1, mono, applied to the sum of the voices), `in0`..`in7`
//! (default 0; mono or stereo signals of the global graph that template params `{"input": k}`
//! read, every voice the same). Data: `template` (required: a template id), `voices` (pool size,
//! 1..=256, default [`DEFAULT_VOICES`]). Output: stereo.
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
//! with the sampler's balance law ([`super::sampler::pan_gains`]: centre leaves both channels
//! at unity); the amplitude envelope, per voice, frame by frame: a linear attack of ATTACK s
//! (default [`DEFAULT_ATTACK`]; frame k of the voice has level (k+1)/attack frames, so the first
//! frame already sounds), then if SUSTAIN or DECAY is given a linear decay to SUSTAIN (default 1)
//! in DECAY s (default [`DEFAULT_DECAY`]), held until DUR s after the start (default
//! [`DEFAULT_DUR`]), then a linear release from the level reached to 0 in RELEASE s (default
//! [`DEFAULT_RELEASE`]). The voice ends when its release ends (a template's own tail, such as a
//! reverb, is cut there) and its slot is free for the next trigger.
//!
//! Timing: the block is rendered in segments between the offsets of its triggers (as the
//! sampler does); a voice started at offset k runs its graph from frame k only (its oscillators
//! start at phase 0 on frame k), with lanes and inputs read from frame k on. Since kernels give
//! the same output for any split of a signal into blocks, the result does not depend on the
//! block size. A `{"prev": id}` inside a template reads the previous segment of that voice.
//!
//! The pool holds `voices` sounding voices; a trigger beyond that fades the oldest out linearly
//! over [`STEAL_FADE_SECONDS`] from the new trigger's frame (a steal, counted) while the new one
//! starts in one of [`FADE_SLOTS`] extra slots; if those are full too, the fading voice closest to
//! silence is cut. A `voices` node without a template (only in tests of the kind table) plays
//! nothing and counts its triggers as ignored.

use super::{
    ChannelRule, Context, Input, Kernel, KernelCounts, KindSpec, Outputs, PortIn, PortSpec,
};
use crate::events::Trigger;
use crate::ir::{DataValue, NodeData, TemplateIr, VOICE_INPUTS};
use crate::plan::{Graph, Source};

use super::param as port;

const fn stereo(name: &'static str) -> PortSpec {
    PortSpec {
        name,
        default: Some(0.0),
        stereo: true,
    }
}

/// `voices {gain, in0..in7}`.
pub const VOICES: KindSpec = KindSpec {
    name: "voices",
    ports: &[
        port("gain", 1.0),
        stereo("in0"),
        stereo("in1"),
        stereo("in2"),
        stereo("in3"),
        stereo("in4"),
        stereo("in5"),
        stereo("in6"),
        stereo("in7"),
    ],
    channels: ChannelRule::Stereo,
    triggers: true,
};

const _: () = assert!(VOICES.ports.len() == 1 + VOICE_INPUTS as usize);

/// Voices that may sound at once before the oldest is stolen (data `voices` overrides).
pub const DEFAULT_VOICES: usize = 32;
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
/// Fade of a stolen voice, s.
pub const STEAL_FADE_SECONDS: f32 = 0.005;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Stage {
    #[default]
    Attack,
    Decay,
    Sustain,
    Release,
    Done,
}

/// A voice's amplitude envelope, in frames.
#[derive(Clone, Copy, Debug, Default)]
struct Amp {
    stage: Stage,
    /// Frames since the voice started.
    k: u64,
    attack: f32,
    decay: f32,
    sustain: f32,
    hold: u64,
    release: f32,
    level: f32,
    release_step: f32,
}

impl Amp {
    fn new(t: &Trigger, sr: f32) -> Amp {
        let frames = |s: f32| (s * sr).round().max(1.0);
        let (decay, sustain) = match (t.decay, t.sustain) {
            (None, None) => (1.0, 1.0),
            (d, s) => (frames(d.unwrap_or(DEFAULT_DECAY)), s.unwrap_or(1.0)),
        };
        Amp {
            stage: Stage::Attack,
            k: 0,
            attack: frames(t.attack.unwrap_or(DEFAULT_ATTACK)),
            decay,
            sustain,
            hold: (t.dur.unwrap_or(DEFAULT_DUR) * sr).round() as u64,
            release: frames(t.release.unwrap_or(DEFAULT_RELEASE)),
            level: 0.0,
            release_step: 0.0,
        }
    }

    /// This frame's level, then one frame's step.
    #[inline]
    fn next(&mut self) -> f32 {
        if self.k >= self.hold && !matches!(self.stage, Stage::Release | Stage::Done) {
            self.stage = Stage::Release;
            self.release_step = self.level / self.release;
        }
        self.k += 1;
        match self.stage {
            Stage::Attack => {
                self.level = (self.k as f32 / self.attack).min(1.0);
                if self.level >= 1.0 {
                    self.stage = if self.sustain < 1.0 {
                        Stage::Decay
                    } else {
                        Stage::Sustain
                    };
                }
            }
            Stage::Decay => {
                self.level -= (1.0 - self.sustain) / self.decay;
                if self.level <= self.sustain {
                    self.level = self.sustain;
                    self.stage = Stage::Sustain;
                }
            }
            Stage::Sustain => {}
            Stage::Release => {
                self.level -= self.release_step;
                if self.level <= 0.0 || self.release_step <= 0.0 {
                    self.level = 0.0;
                    self.stage = Stage::Done;
                }
            }
            Stage::Done => self.level = 0.0,
        }
        self.level
    }
}

struct Voice {
    graph: Graph,
    active: bool,
    serial: u64,
    gain_l: f32,
    gain_r: f32,
    amp: Amp,
    /// Fade frames left after a steal (0: not stolen).
    steal_left: u32,
}

/// The `voices` kernel.
#[derive(Default)]
pub struct Voices {
    pool: Vec<Voice>,
    /// (slot, port, base) of each pitch port; the first is the reference.
    pitch: Vec<(usize, usize, f32)>,
    out_slot: usize,
    out_stereo: bool,
    max_voices: usize,
    pending: Vec<(usize, Trigger)>,
    sample_rate: f32,
    fade: u32,
    serial: u64,
    sounding: usize,
    counts: KernelCounts,
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
        let max_voices = match data.get("voices") {
            Some(DataValue::Num(n)) => (*n as usize).clamp(1, 256),
            _ => DEFAULT_VOICES,
        };
        let fused = if fuse {
            Graph::fuse_template(t)
        } else {
            crate::fuse::Fused::none(t.nodes.len())
        };
        let pool: Vec<Voice> = (0..max_voices + FADE_SLOTS)
            .map(|_| Voice {
                graph: Graph::build(
                    &t.nodes,
                    &t.stages,
                    templates,
                    &fused,
                    fuse,
                    sample_rate,
                    max_block,
                ),
                active: false,
                serial: 0,
                gain_l: 0.0,
                gain_r: 0.0,
                amp: Amp::default(),
                steal_left: 0,
            })
            .collect();
        let g = &pool[0].graph;
        let out_slot = g.slot_of[t.output as usize];
        let out_stereo = g.nodes[out_slot].channels == 2;
        let pitch = t
            .pitch
            .iter()
            .filter_map(|p| {
                let slot = g.slot_of[p.node as usize];
                let spec = super::spec(g.nodes[slot].kind)?;
                Some((slot, spec.port(&p.param)?, p.base as f32))
            })
            .collect();
        Voices {
            pool,
            pitch,
            out_slot,
            out_stereo,
            max_voices,
            ..Voices::default()
        }
    }

    /// Starts a voice at the current segment boundary, stealing the oldest if the pool is full.
    fn start(&mut self, t: &Trigger) {
        if self.pool.is_empty() {
            self.counts.ignored += 1;
            return;
        }
        let playing = self
            .pool
            .iter()
            .filter(|v| v.active && v.steal_left == 0)
            .count();
        if playing >= self.max_voices {
            if let Some(v) = self
                .pool
                .iter_mut()
                .filter(|v| v.active && v.steal_left == 0)
                .min_by_key(|v| v.serial)
            {
                v.steal_left = self.fade;
                self.counts.steals += 1;
            }
        }
        let slot = match self.pool.iter().position(|v| !v.active) {
            Some(i) => i,
            None => {
                let mut best = 0;
                for (i, v) in self.pool.iter().enumerate() {
                    let b = &self.pool[best];
                    if v.steal_left > 0 && (b.steal_left == 0 || v.steal_left < b.steal_left) {
                        best = i;
                    }
                }
                best
            }
        };
        let (pl, pr) = super::sampler::pan_gains(t.pan);
        let base0 = self.pitch.first().map(|p| p.2).unwrap_or(1.0);
        let v = &mut self.pool[slot];
        v.graph.reset();
        for &(s, port, base) in &self.pitch {
            let value = match (t.freq, t.ratio) {
                (Some(f), _) if base0 != 0.0 => f * base / base0,
                (Some(f), _) => f,
                (None, Some(r)) => base * r,
                (None, None) => base,
            };
            v.graph.nodes[s].sources[port] = Source::Const(value);
        }
        v.active = true;
        v.serial = self.serial;
        v.gain_l = t.gain * pl;
        v.gain_r = t.gain * pr;
        v.amp = Amp::new(t, self.sample_rate);
        v.steal_left = 0;
        self.serial += 1;
    }

    /// Renders every active voice over frames `from..to` of the block, in slot order.
    fn render_range(
        &mut self,
        ctx: &Context,
        ext: &[PortIn],
        l: &mut [f32],
        r: &mut [f32],
        (from, to): (usize, usize),
    ) {
        if from >= to {
            return;
        }
        let m = to - from;
        let sub = Context {
            sample_rate: ctx.sample_rate,
            frames: m,
            bank: ctx.bank,
            lanes: ctx.lanes,
        };
        let (out_slot, stereo, fade) = (self.out_slot, self.out_stereo, self.fade as f32);
        for v in self.pool.iter_mut().filter(|v| v.active) {
            v.graph.run(&sub, ext, from, None);
            let stride = v.graph.max_block;
            let buf = &v.graph.buffers[out_slot];
            let src_l = &buf[..m];
            let src_r = if stereo {
                &buf[stride..stride + m]
            } else {
                src_l
            };
            for i in 0..m {
                let mut e = v.amp.next();
                if v.steal_left > 0 {
                    e *= v.steal_left as f32 / fade;
                    v.steal_left -= 1;
                    if v.steal_left == 0 {
                        v.amp.stage = Stage::Done;
                    }
                }
                l[from + i] += src_l[i] * e * v.gain_l;
                r[from + i] += src_r[i] * e * v.gain_r;
                if v.amp.stage == Stage::Done {
                    v.active = false;
                    v.steal_left = 0;
                    break;
                }
            }
        }
    }
}

impl Kernel for Voices {
    /// A reload with the same key keeps the sounding voices: slot for slot (same pool size and
    /// template shape), envelope, gains, pitch and each template node's state through its own
    /// [`Kernel::adopt`] (kinds without it restart, e.g. an `adsr` inside the template re-attacks).
    fn adopt(&mut self, old: &dyn Kernel) {
        let Some(o) = super::same::<Voices>(old) else {
            return;
        };
        if o.pool.len() != self.pool.len() || o.out_slot != self.out_slot {
            return;
        }
        for (v, ov) in self.pool.iter_mut().zip(&o.pool) {
            if v.graph.nodes.len() != ov.graph.nodes.len() {
                return;
            }
            v.active = ov.active;
            v.serial = ov.serial;
            v.gain_l = ov.gain_l;
            v.gain_r = ov.gain_r;
            v.amp = ov.amp;
            v.steal_left = ov.steal_left;
            for (n, on) in v.graph.nodes.iter_mut().zip(&ov.graph.nodes) {
                if n.kind == on.kind {
                    n.kernel.adopt(on.kernel.as_ref());
                }
            }
            for &(s, port, _) in &self.pitch {
                if let Some(src) = ov.graph.nodes.get(s).map(|n| n.sources[port]) {
                    v.graph.nodes[s].sources[port] = src;
                }
            }
        }
        self.serial = o.serial;
        self.sounding = o.sounding;
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.pending = Vec::with_capacity(MAX_TRIGGERS_PER_BLOCK);
        self.fade = ((STEAL_FADE_SECONDS * sample_rate).round() as u32).max(1);
    }

    fn trigger(&mut self, _ctx: &Context, offset: usize, t: &Trigger) {
        if self.pending.len() < self.pending.capacity() {
            self.pending.push((offset, *t));
        } else {
            self.counts.ignored += 1;
        }
    }

    fn process(&mut self, ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let (l, r) = out.stereo();
        l.fill(0.0);
        r.fill(0.0);
        let n = l.len();
        let ext = &inputs[1..];
        let mut cursor = 0;
        for k in 0..self.pending.len() {
            let (offset, t) = self.pending[k];
            let at = offset.clamp(cursor, n);
            self.render_range(ctx, ext, l, r, (cursor, at));
            cursor = at;
            self.start(&t);
        }
        self.pending.clear();
        self.render_range(ctx, ext, l, r, (cursor, n));
        self.sounding = self.pool.iter().filter(|v| v.active).count();
        match inputs[0].left() {
            Input::Const(g) => {
                if g != 1.0 {
                    for x in l.iter_mut().chain(r.iter_mut()) {
                        *x *= g;
                    }
                }
            }
            Input::Block(g) => {
                let g = &g[..n];
                for (x, g) in l.iter_mut().zip(g) {
                    *x *= g;
                }
                for (x, g) in r.iter_mut().zip(g) {
                    *x *= g;
                }
            }
        }
    }

    fn voices(&self) -> usize {
        self.sounding
    }

    fn take_counts(&mut self) -> KernelCounts {
        std::mem::take(&mut self.counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::GraphIr;
    use crate::kernels::dsp::testing::peak_freq;
    use crate::kernels::testing::{run, Src};
    use crate::samples::SampleBank;

    const SR: f32 = 44100.0;

    /// A voices kernel playing a two-oscillator template: saw at base 220 plus a sine an
    /// octave up (base 440), summed.
    fn kernel() -> Voices {
        let json = r#"{"version": 1, "nodes": [], "stages": [], "templates": [{"id": 0,
          "name": "v", "output": 2, "stages": [[0, 1], [2]],
          "pitch": [{"node": 0, "param": "freq", "base": 220}, {"node": 1, "param": "freq", "base": 440}],
          "nodes": [{"id": 0, "kind": "saw", "params": {"freq": {"const": 220}}},
                    {"id": 1, "kind": "sine", "params": {"freq": {"const": 440}}},
                    {"id": 2, "kind": "add", "params": {"a": {"node": 0}, "b": {"node": 1}}}]}]}"#;
        let ir = GraphIr::parse(&mut json.as_bytes().to_vec()).unwrap();
        let mut v = Voices::with_template(
            Some(&ir.templates[0]),
            &ir.templates,
            &NodeData::new(),
            true,
            SR,
            256,
        );
        v.prepare(SR, 256);
        v
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
}
