//! SuperDirt-style oscillator voices: `supersaw`, `superpwm`, `superchip` (all band-limited by PolyBLEP).
//!
//! - `supersaw {freq=440, detune=0.3, voices=7}`: `voices` PolyBLEP saws (rounded, clamped to
//!   2..7; NaN reads as 7) spread evenly over ±`detune` semitones around `freq` (voice k of V at
//!   freq·2^(detune·(2k/(V−1) − 1)/12)); `detune` clamped to 0..1 semitone (NaN reads as 0.3).
//!   Voice k starts at phase frac(k·0.618…) (golden-ratio offsets, so the voices do not start in
//!   step), and the sum is scaled by 1/√V, which keeps the RMS of incoherent voices at a single
//!   saw's 1/√3 whatever V is. The per-voice ratios are recomputed only when detune or V changes.
//! - `superpwm {freq=440, rate=0.5, depth=0.8}`: a PolyBLEP pulse whose width is swept by a sine
//!   LFO: width = 0.5 + 0.45·depth·sin(2π·φ_lfo), the LFO at `rate` Hz (clamped to 0..100, NaN
//!   reads as 0.5), `depth` clamped to 0..1 (NaN reads as 0.8), so the width stays in 0.05..0.95.
//! - `superchip {freq=440, vib_rate=5, vib_depth=0.05}`: a PolyBLEP square (width 0.5) with
//!   vibrato: instantaneous frequency freq·(1 + vib_depth·sin(2π·φ_vib)), the vibrato at
//!   `vib_rate` Hz (clamped 0..100, NaN reads as 5), `vib_depth` a fraction of freq (clamped 0..1,
//!   NaN reads as 0.05).
//!
//! `freq` is in Hz, clamped to −sr/2..sr/2 per voice (NaN reads as 0). Phases are f64 and start
//! at 0 (the LFOs too, so superpwm starts at width 0.5). Output: mono.

use super::control::clamp_or;
use super::osc::{clamp_freq, poly_blep, sin_turns, square_value, Phase};
use super::scratch::Scratch;
use super::{Context, Kernel, KindSpec, Outputs, PortIn, PortSpec};

use super::param as port;

const FREQ: PortSpec = port("freq", 440.0).unit("Hz, ±Nyquist");

/// `supersaw {freq, detune, voices}`.
pub const SUPERSAW: KindSpec = KindSpec::mono(
    "supersaw",
    "SuperDirt-style detuned saw stack.",
    &[
        FREQ,
        port("detune", 0.3).unit("0–1").range(0.0, 1.0),
        port("voices", 7.0).unit("count").range(2.0, MAX_VOICES as f32),
    ],
    || Box::new(SuperSaw::default()),
);
/// `superpwm {freq, rate, depth}`.
pub const SUPERPWM: KindSpec = KindSpec::mono(
    "superpwm",
    "SuperDirt-style PWM synth.",
    &[
        FREQ,
        port("rate", 0.5).unit("Hz"),
        port("depth", 0.8).unit("0–1").range(0.0, 1.0),
    ],
    || Box::new(Wobble::new(WobbleKind::Pwm)),
);
/// `superchip {freq, vib_rate, vib_depth}`.
pub const SUPERCHIP: KindSpec = KindSpec::mono(
    "superchip",
    "SuperDirt-style chiptune square with vibrato.",
    &[
        FREQ,
        port("vib_rate", 5.0).unit("Hz"),
        port("vib_depth", 0.05).unit("semitones"),
    ],
    || Box::new(Wobble::new(WobbleKind::Chip)),
);

/// Most supersaw voices.
pub const MAX_VOICES: usize = 7;

/// The voice count of a `voices` value: rounded, clamped to 2..7, NaN → 7.
#[inline(always)]
pub fn voice_count(v: f32) -> usize {
    clamp_or(v, 7.0, 2.0, 7.0).round() as usize
}

/// Frequency ratios of the voices of a supersaw (unused voices 1).
pub fn ratios(detune: f32, voices: usize) -> [f64; MAX_VOICES] {
    let d = clamp_or(detune, 0.3, 0.0, 1.0) as f64;
    let mut r = [1.0; MAX_VOICES];
    for (k, r) in r.iter_mut().enumerate().take(voices) {
        let s = 2.0 * k as f64 / (voices - 1) as f64 - 1.0;
        *r = (d * s / 12.0).exp2();
    }
    r
}

/// `supersaw`.
#[derive(Debug)]
pub struct SuperSaw {
    inv_sr: f64,
    nyquist: f32,
    phase: [f64; MAX_VOICES],
    /// (detune bits, voices) the ratios were made for.
    key: (u32, usize),
    ratios: [f64; MAX_VOICES],
    scratch: Scratch,
}

impl Default for SuperSaw {
    fn default() -> SuperSaw {
        let mut phase = [0.0; MAX_VOICES];
        for (k, p) in phase.iter_mut().enumerate() {
            let x = k as f64 * 0.618_033_988_749_894_9;
            *p = x - x.floor();
        }
        SuperSaw {
            inv_sr: 1.0 / 44100.0,
            nyquist: 22050.0,
            phase,
            key: (f32::NAN.to_bits(), 0),
            ratios: [1.0; MAX_VOICES],
            scratch: Scratch::default(),
        }
    }
}

impl Kernel for SuperSaw {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.inv_sr = 1.0 / sample_rate as f64;
        self.nyquist = sample_rate * 0.5;
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let [f, d, v] = self.scratch.ports(inputs, 0, n);
        let (inv_sr, nyq) = (self.inv_sr, self.nyquist);
        for (i, o) in out.iter_mut().enumerate() {
            let voices = voice_count(v[i]);
            let key = (d[i].to_bits(), voices);
            if key != self.key {
                self.key = key;
                self.ratios = ratios(d[i], voices);
            }
            let f0 = clamp_freq(f[i], nyq);
            let mut sum = 0.0f64;
            for k in 0..voices {
                let inc = clamp_freq((f0 as f64 * self.ratios[k]) as f32, nyq) as f64 * inv_sr;
                let p = self.phase[k];
                sum += 2.0 * p - 1.0 - poly_blep(p, inc.abs());
                let q = p + inc;
                self.phase[k] = q - q.floor();
            }
            // Silent voices keep turning at the base frequency, so they come back smoothly.
            for k in voices..MAX_VOICES {
                let q = self.phase[k] + f0 as f64 * inv_sr;
                self.phase[k] = q - q.floor();
            }
            *o = (sum / (voices as f64).sqrt()) as f32;
        }
    }
}

/// Which LFO-modulated pulse a [`Wobble`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WobbleKind {
    /// Pulse-width modulation.
    Pwm,
    /// Vibrato on a square.
    Chip,
}

/// `superpwm` and `superchip`: a PolyBLEP pulse and a sine LFO, both on exact 32-bit phases
/// ([`Phase`]), the pulse the same as `square`'s.
#[derive(Debug)]
pub struct Wobble {
    kind: WobbleKind,
    phase: Phase,
    lfo: Phase,
    scratch: Scratch,
}

impl Wobble {
    /// A voice of `kind`.
    pub fn new(kind: WobbleKind) -> Wobble {
        Wobble {
            kind,
            phase: Phase::default(),
            lfo: Phase::default(),
            scratch: Scratch::default(),
        }
    }
}

impl Kernel for Wobble {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.phase.prepare(sample_rate);
        self.lfo.prepare(sample_rate);
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let [f, r, d] = self.scratch.ports(inputs, 0, n);
        let (ph, lfo) = (self.phase, self.lfo);
        let (mut p, mut l) = (ph.phase, lfo.phase);
        match self.kind {
            WobbleKind::Pwm => {
                for (i, o) in out.iter_mut().enumerate() {
                    let inc = ph.inc(f[i]);
                    let depth = clamp_or(d[i], 0.8, 0.0, 1.0);
                    let width = 0.5 + 0.45 * depth * sin_turns(l);
                    *o = square_value(p, inc, width);
                    p = p.wrapping_add(inc as u32);
                    l = l.wrapping_add(lfo.inc(clamp_or(r[i], 0.5, 0.0, 100.0)) as u32);
                }
            }
            WobbleKind::Chip => {
                for (i, o) in out.iter_mut().enumerate() {
                    let depth = clamp_or(d[i], 0.05, 0.0, 1.0);
                    let inc = ph.inc(clamp_freq(f[i], f32::MAX) * (1.0 + depth * sin_turns(l)));
                    *o = square_value(p, inc, 0.5);
                    p = p.wrapping_add(inc as u32);
                    l = l.wrapping_add(lfo.inc(clamp_or(r[i], 5.0, 0.0, 100.0)) as u32);
                }
            }
        }
        self.phase.phase = p;
        self.lfo.phase = l;
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::check::{assert_invariant, peak_freq, render_kind, rms, SR};
    use crate::kernels::testing::{assert_same, Src};

    /// Two voices at detune 1 are two saws at 1000·2^(∓1/12) = 943.9 and 1059.5 Hz (peaks within
    /// 0.5 Hz). Seven voices at detune 0.3: all the fundamental energy lies within
    /// 440·2^(±0.3/12) = 429.2..451.1 Hz (the strongest peak there), and the RMS of seven
    /// incoherent saws scaled by 1/√7 is 1/√3 (within 5 %: the beats between voices 1.8 Hz apart
    /// or more average out over 2 s).
    #[test]
    fn supersaw_spreads_its_voices() {
        let n = 88200;
        let x = &render_kind(
            "supersaw",
            &[Src::Const(1000.0), Src::Const(1.0), Src::Const(2.0)],
            n,
        )[0];
        let lo = 1000.0 * 2f64.powf(-1.0 / 12.0);
        let hi = 1000.0 * 2f64.powf(1.0 / 12.0);
        assert!((peak_freq(x, 900.0, 1000.0) - lo).abs() < 0.5);
        assert!((peak_freq(x, 1000.0, 1100.0) - hi).abs() < 0.5);
        let x = &render_kind(
            "supersaw",
            &[Src::Const(440.0), Src::Const(0.3), Src::Const(7.0)],
            n,
        )[0];
        let p = peak_freq(x, 300.0, 600.0);
        assert!((429.2..=451.1).contains(&p), "peak {p}");
        let r = rms(x);
        let want = 1.0 / 3f64.sqrt();
        assert!((r - want).abs() / want < 0.05, "rms {r}");
    }

    /// superpwm at depth 0 and superchip at vib_depth 0 are exactly the band-limited square of
    /// width 0.5. superpwm's width sweep is symmetric, so its mean over whole LFO periods (2 s at
    /// 0.5 Hz) is 0; superchip's period (from rising zero crossings) swings between
    /// 1/(f·(1 ± 0.05)).
    #[test]
    fn pwm_and_chip_modulate_a_square() {
        let n = 88200;
        let sq = render_kind("square", &[Src::Const(330.0), Src::Const(0.5)], n);
        let pwm = render_kind(
            "superpwm",
            &[Src::Const(330.0), Src::Const(0.5), Src::Const(0.0)],
            n,
        );
        assert_same("superpwm depth 0", &pwm[0], &sq[0]);
        let chip = render_kind(
            "superchip",
            &[Src::Const(330.0), Src::Const(5.0), Src::Const(0.0)],
            n,
        );
        assert_same("superchip depth 0", &chip[0], &sq[0]);
        let x = &render_kind(
            "superpwm",
            &[Src::Const(330.0), Src::Const(0.5), Src::Const(0.8)],
            n,
        )[0];
        let mean = x.iter().map(|v| *v as f64).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "pwm mean {mean}");
        let x = &render_kind(
            "superchip",
            &[Src::Const(330.0), Src::Const(5.0), Src::Const(0.05)],
            n,
        )[0];
        let mut cross = Vec::new();
        for i in 1..n {
            let (a, b) = (x[i - 1] as f64, x[i] as f64);
            if a < 0.0 && b >= 0.0 {
                cross.push(i as f64 - 1.0 + a / (a - b));
            }
        }
        let periods: Vec<f64> = cross.windows(2).map(|w| w[1] - w[0]).collect();
        let fmax = SR as f64 / periods.iter().cloned().fold(f64::MAX, f64::min);
        let fmin = SR as f64 / periods.iter().cloned().fold(0.0, f64::max);
        assert!((fmax / 330.0 - 1.05).abs() < 0.01, "highest {fmax}");
        assert!((fmin / 330.0 - 0.95).abs() < 0.01, "lowest {fmin}");
    }

    #[test]
    fn synths_are_block_invariant() {
        let n = 4000;
        let f: Vec<f32> = (0..n).map(|i| 100.0 + (i % 900) as f32 * 7.0).collect();
        let a: Vec<f32> = (0..n)
            .map(|i| [0.0, 0.5, f32::NAN, 3.0, 1.0][(i / 300) % 5])
            .collect();
        let v: Vec<f32> = (0..n)
            .map(|i| [2.0, 7.0, 4.4, f32::NAN, 9.0, 3.0][(i / 250) % 6])
            .collect();
        for kind in ["supersaw", "superpwm", "superchip"] {
            assert_invariant(
                kind,
                &[
                    Src::Mono(f.clone()),
                    Src::Mono(a.clone()),
                    Src::Mono(v.clone()),
                ],
                n,
            );
            assert_invariant(
                kind,
                &[Src::Const(220.0), Src::Const(0.5), Src::Const(5.0)],
                n,
            );
        }
    }
}
