//! `sampler`: plays bank samples on triggers, from a preallocated voice pool with oldest-voice stealing.
//!
//! Ports: `gain`, linear, default 1, mono, applied to the sum of the voices (not clamped;
//! non-finite results are flushed by the master).
//!
//! Output: stereo. Each trigger (see `events`) starts a voice at its exact frame offset in the
//! block. A voice reads its sample at `speed` frames per frame with linear interpolation
//! (negative speed starts at the last frame and plays backwards; speed 0 starts nothing), multiplies
//! by its `gain` and a 1 ms linear attack (frame k of the voice gets min(1, (k+1)/attack) so the
//! first frame is already nonzero), pans with the balance law L = min(1, 2(1 − pan)),
//! R = min(1, 2·pan) (pan 0.5 leaves both channels at unity, so `s "bd"` is as loud as the
//! sample; a stereo sample keeps its channels), and ends when it runs off either end of the sample.
//!
//! The pool holds [`MAX_VOICES`] sounding voices. A trigger beyond that makes the oldest voice fade
//! out linearly over 5 ms from the new trigger's frame (a steal, counted) while the new one
//! starts. [`FADE_SLOTS`] extra slots hold fading voices; if those are full too, the fading voice
//! closest to silence is cut. Voices start, end, are stolen and take slots at exact frames, so the
//! output is the same for any block size.

use super::{
    ChannelRule, Context, Input, Kernel, KernelCounts, KindSpec, Outputs, PortIn, PortSpec,
};
use crate::events::Trigger;
use crate::samples::Sample;

/// `sampler {gain}`.
pub const SAMPLER: KindSpec = KindSpec {
    name: "sampler",
    ports: &[PortSpec {
        name: "gain",
        default: Some(1.0),
        stereo: false,
    }],
    channels: ChannelRule::Stereo,
    triggers: true,
};

/// Voices that may sound at once before the oldest is stolen.
pub const MAX_VOICES: usize = 64;
/// Extra slots for voices fading out after a steal.
pub const FADE_SLOTS: usize = 16;
/// Triggers one sampler accepts per block; more are ignored (and counted).
pub const MAX_TRIGGERS_PER_BLOCK: usize = 1024;
/// Attack of every voice, seconds.
pub const ATTACK_SECONDS: f32 = 0.001;
/// Fade of a stolen voice, seconds.
pub const STEAL_FADE_SECONDS: f32 = 0.005;

/// Left and right gains of the balance pan law for `pan` in 0..1.
#[inline]
pub fn pan_gains(pan: f32) -> (f32, f32) {
    ((2.0 * (1.0 - pan)).min(1.0), (2.0 * pan).min(1.0))
}

#[derive(Clone, Copy, Debug, Default)]
struct Voice {
    active: bool,
    sample: u32,
    /// Read position in frames.
    pos: f64,
    speed: f64,
    gain_l: f32,
    gain_r: f32,
    /// Frames of attack already played.
    attack_done: u32,
    releasing: bool,
    /// Fade frames still to play.
    release_left: u32,
    /// Trigger order, to find the oldest.
    serial: u64,
}

/// The sampler kernel.
///
/// Triggers received before a block are kept (in frame order) and the block is rendered in
/// segments between their offsets, so voices start, end, are stolen and take pool slots at exact
/// frames: the output does not depend on where block boundaries fall.
#[derive(Debug, Default)]
pub struct Sampler {
    voices: Vec<Voice>,
    pending: Vec<(usize, Trigger)>,
    attack: u32,
    fade: u32,
    serial: u64,
    sounding: usize,
    counts: KernelCounts,
}

impl Sampler {
    /// Adds one voice's frames `from..to` into `l`, `r`.
    #[inline]
    fn render_voice(
        v: &mut Voice,
        s: &Sample,
        l: &mut [f32],
        r: &mut [f32],
        (from, to): (usize, usize),
        attack: u32,
        fade: u32,
    ) {
        let (sl, sr) = s.left_right();
        let len = s.frames();
        for i in from..to {
            let pos = v.pos;
            if !(pos >= 0.0 && pos < len as f64) {
                v.active = false;
                return;
            }
            let idx = pos as usize;
            let frac = (pos - idx as f64) as f32;
            let (l0, r0) = (sl[idx], sr[idx]);
            let (l1, r1) = if idx + 1 < len {
                (sl[idx + 1], sr[idx + 1])
            } else {
                (0.0, 0.0)
            };
            let mut env = 1.0f32;
            if v.attack_done < attack {
                v.attack_done += 1;
                env = v.attack_done as f32 / attack as f32;
            }
            if v.releasing {
                env *= v.release_left as f32 / fade as f32;
                v.release_left -= 1;
            }
            l[i] += (l0 + (l1 - l0) * frac) * env * v.gain_l;
            r[i] += (r0 + (r1 - r0) * frac) * env * v.gain_r;
            v.pos += v.speed;
            if v.releasing && v.release_left == 0 {
                v.active = false;
                return;
            }
        }
    }

    /// Renders every active voice over frames `from..to`, in slot order.
    fn render_range(&mut self, ctx: &Context, l: &mut [f32], r: &mut [f32], range: (usize, usize)) {
        if range.0 >= range.1 {
            return;
        }
        for v in self.voices.iter_mut().filter(|v| v.active) {
            match ctx.bank.get(v.sample) {
                Some(s) => Self::render_voice(v, s, l, r, range, self.attack, self.fade),
                None => v.active = false,
            }
        }
    }

    /// Starts a voice now (at the current segment boundary), stealing the oldest if the pool is full.
    fn start(&mut self, ctx: &Context, t: &Trigger) {
        let Some(s) = ctx.bank.get(t.sample) else {
            self.counts.ignored += 1;
            return;
        };
        if t.speed.abs() < 1e-6 || s.frames() == 0 || self.voices.is_empty() {
            self.counts.ignored += 1;
            return;
        }
        let playing = self
            .voices
            .iter()
            .filter(|v| v.active && !v.releasing)
            .count();
        if playing >= MAX_VOICES {
            let oldest = self
                .voices
                .iter_mut()
                .filter(|v| v.active && !v.releasing)
                .min_by_key(|v| v.serial);
            if let Some(v) = oldest {
                v.releasing = true;
                v.release_left = self.fade;
                self.counts.steals += 1;
            }
        }
        let slot = match self.voices.iter().position(|v| !v.active) {
            Some(i) => i,
            None => {
                // Every slot is busy: cut the fading voice nearest to silence.
                let mut best = 0;
                for (i, v) in self.voices.iter().enumerate() {
                    let b = &self.voices[best];
                    if v.releasing && (!b.releasing || v.release_left < b.release_left) {
                        best = i;
                    }
                }
                best
            }
        };
        let (gl, gr) = pan_gains(t.pan);
        let speed = t.speed as f64;
        self.voices[slot] = Voice {
            active: true,
            sample: t.sample,
            pos: if speed > 0.0 {
                0.0
            } else {
                (s.frames() - 1) as f64
            },
            speed,
            gain_l: t.gain * gl,
            gain_r: t.gain * gr,
            attack_done: 0,
            releasing: false,
            release_left: 0,
            serial: self.serial,
        };
        self.serial += 1;
    }
}

impl Kernel for Sampler {
    /// Voices still sounding carry on: the pool is copied slot for slot (same size, no allocation).
    fn adopt(&mut self, old: &dyn Kernel) {
        if let Some(o) = super::same::<Sampler>(old) {
            if o.voices.len() == self.voices.len() {
                self.voices.copy_from_slice(&o.voices);
                self.serial = o.serial;
                self.sounding = o.sounding;
            }
        }
    }

    fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.voices = vec![Voice::default(); MAX_VOICES + FADE_SLOTS];
        self.pending = Vec::with_capacity(MAX_TRIGGERS_PER_BLOCK);
        self.attack = ((ATTACK_SECONDS * sample_rate).round() as u32).max(1);
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
        let mut cursor = 0;
        for k in 0..self.pending.len() {
            let (offset, t) = self.pending[k];
            let at = offset.clamp(cursor, n);
            self.render_range(ctx, l, r, (cursor, at));
            cursor = at;
            self.start(ctx, &t);
        }
        self.pending.clear();
        self.render_range(ctx, l, r, (cursor, n));
        self.sounding = self.voices.iter().filter(|v| v.active).count();
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
    use crate::kernels::testing::{assert_same, run, Src};
    use crate::samples::SampleBank;

    const SR: f32 = 44100.0;

    fn bank() -> SampleBank {
        let mut b = SampleBank::default();
        // id 0: a mono ramp with no zero in it; id 1: a short stereo sample.
        b.add(
            "ramp",
            Sample::mono((0..3000).map(|i| 0.1 + i as f32 / 4000.0).collect()),
        );
        b.add(
            "st",
            Sample::stereo(
                (0..500).map(|i| (i as f32 * 0.05).sin()).collect(),
                (0..500).map(|i| (i as f32 * 0.03).cos()).collect(),
            ),
        );
        b
    }

    /// Per-frame reference: every voice in trigger order, positions accumulated the same way.
    fn reference(
        bank: &SampleBank,
        n: usize,
        triggers: &[(usize, Trigger)],
        gain: &dyn Fn(usize) -> f32,
    ) -> (Vec<f32>, Vec<f32>) {
        let attack = (0.001f32 * SR).round() as u32;
        struct V {
            start: usize,
            pos: f64,
            k: u32,
            done: bool,
        }
        let mut vs: Vec<V> = triggers
            .iter()
            .map(|(f, t)| V {
                start: *f,
                pos: if t.speed > 0.0 {
                    0.0
                } else {
                    (bank.get(t.sample).unwrap().frames() - 1) as f64
                },
                k: 0,
                done: false,
            })
            .collect();
        let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
        for i in 0..n {
            let (mut al, mut ar) = (0.0f32, 0.0f32);
            for (v, (_, t)) in vs.iter_mut().zip(triggers) {
                if i < v.start || v.done {
                    continue;
                }
                let s = bank.get(t.sample).unwrap();
                let (sl, sr) = s.left_right();
                let len = s.frames();
                if v.pos < 0.0 || v.pos >= len as f64 {
                    v.done = true;
                    continue;
                }
                let idx = v.pos.floor() as usize;
                let frac = (v.pos - idx as f64) as f32;
                let at = |x: &[f32], j: usize| if j < len { x[j] } else { 0.0 };
                v.k += 1;
                let env = if v.k <= attack {
                    v.k as f32 / attack as f32
                } else {
                    1.0
                };
                let gl = t.gain * (2.0 * (1.0 - t.pan)).min(1.0);
                let gr = t.gain * (2.0 * t.pan).min(1.0);
                al += (at(sl, idx) + (at(sl, idx + 1) - at(sl, idx)) * frac) * env * gl;
                ar += (at(sr, idx) + (at(sr, idx + 1) - at(sr, idx)) * frac) * env * gr;
                v.pos += t.speed as f64;
            }
            let g = gain(i);
            l[i] = if g == 1.0 { al } else { al * g };
            r[i] = if g == 1.0 { ar } else { ar * g };
        }
        (l, r)
    }

    fn trig(sample: u32, gain: f32, pan: f32, speed: f32) -> Trigger {
        Trigger {
            sample,
            gain,
            pan,
            speed,
            ..Trigger::default()
        }
    }

    #[test]
    fn sampler_block_equals_reference_and_starts_on_the_frame() {
        let bank = bank();
        let n = 6000;
        let triggers = vec![
            (0, trig(0, 1.0, 0.5, 1.0)),
            (1000, trig(1, 0.5, 0.2, 1.5)),
            (2500, trig(0, 0.8, 0.9, -0.75)),
            (2500, trig(1, 1.0, 0.5, 2.0)),
        ];
        let gain: Vec<f32> = (0..n).map(|i| 1.0 - i as f32 / (2 * n) as f32).collect();
        let got = run(
            &mut Sampler::default(),
            &[Src::Mono(gain.clone())],
            2,
            n,
            SR,
            &bank,
            &triggers,
        );
        let (l, r) = reference(&bank, n, &triggers, &|i| gain[i]);
        assert_same("sampler L, block gain", &got[0], &l);
        assert_same("sampler R, block gain", &got[1], &r);
        let got = run(
            &mut Sampler::default(),
            &[Src::Const(1.0)],
            2,
            n,
            SR,
            &bank,
            &triggers,
        );
        let (l, r) = reference(&bank, n, &triggers, &|_| 1.0);
        assert_same("sampler L, gain 1", &got[0], &l);
        assert_same("sampler R, gain 1", &got[1], &r);

        // Onsets: each trigger alone starts exactly at its frame (the test blocks are 64, 1, 7,
        // 63, 128, ... frames, so 1000 and 2500 fall inside blocks).
        for &(f, t) in &triggers[..3] {
            let got = run(
                &mut Sampler::default(),
                &[Src::Const(1.0)],
                2,
                n,
                SR,
                &bank,
                &[(f, t)],
            );
            let first = (0..n).position(|i| got[0][i] != 0.0 || got[1][i] != 0.0);
            assert_eq!(first, Some(f), "trigger at {f}");
        }
    }

    /// Centre pan leaves a mono sample at unity on both channels; the ends are one-sided.
    #[test]
    fn pan_law() {
        assert_eq!(pan_gains(0.5), (1.0, 1.0));
        assert_eq!(pan_gains(0.0), (1.0, 0.0));
        assert_eq!(pan_gains(1.0), (0.0, 1.0));
        assert_eq!(pan_gains(0.75), (0.5, 1.0));
    }

    #[test]
    fn stealing_fades_the_oldest_and_counts() {
        let bank = bank();
        let mut s = Sampler::default();
        let triggers: Vec<(usize, Trigger)> =
            (0..70).map(|k| (k * 10, trig(0, 0.01, 0.5, 1.0))).collect();
        let out = run(&mut s, &[Src::Const(1.0)], 2, 2000, SR, &bank, &triggers);
        assert_eq!(s.take_counts().steals, 6);
        assert_eq!(s.take_counts().steals, 0, "counts reset after take");
        assert!(s.voices() <= MAX_VOICES + FADE_SLOTS);
        assert!(out[0].iter().all(|v| v.is_finite()));
        // Fades, not cuts: 64 ramps rise by 64 · 0.01/4000 = 1.6e-4 per frame and an attack adds
        // at most 0.01 · 0.85/44 ≈ 2e-4, while cutting the oldest voice (at read position ≥ 640,
        // value ≥ 0.26 · 0.01) would jump by ≥ 2.6e-3.
        let max_step = out[0]
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(max_step < 1e-3, "max step {max_step}");
        // Unknown sample ids and speed 0 start nothing.
        let mut s = Sampler::default();
        let out = run(
            &mut s,
            &[Src::Const(1.0)],
            2,
            100,
            SR,
            &bank,
            &[(0, trig(9, 1.0, 0.5, 1.0)), (1, trig(0, 1.0, 0.5, 0.0))],
        );
        assert!(out[0].iter().all(|v| *v == 0.0));
        assert_eq!(s.take_counts().ignored, 2);
    }
}
