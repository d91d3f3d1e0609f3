//! Drum synths: `superkick`, `supersnare`, `superhat`, each struck at the first frame and on every rising edge of `gate`.
//!
//! Every drum has a `gate` port (last; default 1): the drum strikes once at the node's first
//! frame (so a drum in a voice template sounds at the voice's start) and again at each rising
//! edge (value > 0 after ≤ 0; NaN is off) — a lane or a rhythm signal plays it. A strike ramps the
//! amplitude from its current value to 1 in 1 ms (a retrigger does not click) and restarts the
//! decays. Decays are exponential, computed by one multiplication per frame with factors
//! recomputed only when their time changes; `sustain` is the time to fall 60 dB, in seconds,
//! clamped to 0.005..10 (NaN reads as the default). Noise comes from the node's seeded generator.
//! Output: mono, peak below 1.
//!
//! - `superkick {freq=60, pitch_env=0.5, sustain=0.3, noise=0.1, gate=1}`: a sine whose
//!   frequency falls from freq·(1 + 4·pitch_env) to freq with a 30 ms time constant
//!   (freq·(1 + 4·pitch_env·e^(−t/0.03))), times the amplitude envelope, plus a click of white
//!   noise at level `noise` decaying with a 5 ms time constant; the sum is divided by 1 + noise.
//!   `freq` is clamped to 20..2000 Hz, `pitch_env` and `noise` to 0..1 (NaN reads as the
//!   default). Unlike the reference (whose envelope holds a 0.3 sustain level), `sustain` is the
//!   decay time here, as in SuperDirt.
//! - `supersnare {freq=200, snappy=0.8, sustain=0.08, gate=1}`: a body (a sine falling from
//!   1.5·freq to freq with a 10 ms time constant) decaying 60 dB in `sustain`, and the snares
//!   (white noise through a 2-pole high-pass at 1.5 kHz, q 0.7) decaying 60 dB in 1.5·sustain,
//!   mixed (1 − snappy/2)·body + snappy·snares and scaled by 1/1.5. `freq` clamped to
//!   20..2000 Hz, `snappy` to 0..1.
//! - `superhat {bright=0.7, sustain=0.05, gate=1}`: six square oscillators at the TR-808's
//!   metal frequencies (205.3, 304.4, 369.6, 522.7, 540, 800 Hz) plus as much white noise, through
//!   a 2-pole high-pass at 5 kHz + bright·7 kHz (q 1), decaying 60 dB in `sustain`. `bright`
//!   clamped to 0..1; the high-pass coefficients are recomputed only when it changes.

use super::control::{clamp_or, Edge};
use super::filter::{Coefs, State};
use super::noise::Rng;
use super::scratch::Scratch;
use super::{Context, Kernel, KindSpec, Outputs, PortIn, PortSpec};
use std::f64::consts::TAU;

use super::param as port;

/// The gate: each rising edge strikes the drum.
const GATE: PortSpec = port("gate", 1.0).unit("gate");

const fn amount(name: &'static str, default: f32) -> PortSpec {
    port(name, default).unit("0–1").range(0.0, 1.0)
}

/// `superkick {freq, pitch_env, sustain, noise, gate}`.
pub const SUPERKICK: KindSpec = KindSpec::mono(
    "superkick",
    "Kick drum synth: a sine with a falling pitch and a click of noise, struck by its gate.",
    &[
        port("freq", 60.0).unit("Hz"),
        amount("pitch_env", 0.5),
        port("sustain", 0.3).unit("s"),
        amount("noise", 0.1),
        GATE,
    ],
    || Box::new(SuperKick::default()),
);
/// `supersnare {freq, snappy, sustain, gate}`.
pub const SUPERSNARE: KindSpec = KindSpec::mono(
    "supersnare",
    "Snare drum synth: a tuned body and filtered noise, struck by its gate.",
    &[
        port("freq", 200.0).unit("Hz"),
        amount("snappy", 0.8),
        port("sustain", 0.08).unit("s"),
        GATE,
    ],
    || Box::new(SuperSnare::default()),
);
/// `superhat {bright, sustain, gate}`.
pub const SUPERHAT: KindSpec = KindSpec::mono(
    "superhat",
    "Hi-hat synth: six square oscillators (the TR-808's) through a highpass, struck by its gate.",
    &[amount("bright", 0.7), port("sustain", 0.05).unit("s"), GATE],
    || Box::new(SuperHat::default()),
);

/// The TR-808's cymbal/hat oscillator frequencies, Hz.
pub const METAL: [f64; 6] = [205.3, 304.4, 369.6, 522.7, 540.0, 800.0];

/// Strike detection, the 1 ms attack and the main decay, shared by the drums.
#[derive(Debug, Default)]
struct Strike {
    edge: Edge,
    started: bool,
    amp: f64,
    attacking: bool,
    /// Attack step per frame (1 ms to full scale).
    attack_step: f64,
    /// (sustain bits, per-frame factor) of the main decay.
    decay: (u32, f64),
}

impl Strike {
    fn prepare(&mut self, sr: f64) {
        self.attack_step = 1.0 / (0.001 * sr);
        self.decay = (f32::NAN.to_bits(), 1.0);
    }

    /// Whether this frame strikes (the first frame always does).
    #[inline(always)]
    fn strikes(&mut self, gate: f32) -> bool {
        let rising = self.edge.rising(gate);
        if !self.started || rising {
            self.started = true;
            self.attacking = true;
            true
        } else {
            false
        }
    }

    /// The factor per frame of a 60 dB fall in `sustain` seconds, cached on the raw value.
    #[inline(always)]
    fn decay_factor(cache: &mut (u32, f64), sustain: f32, default: f32, sr: f64) -> f64 {
        if sustain.to_bits() != cache.0 {
            let s = clamp_or(sustain, default, 0.005, 10.0) as f64;
            *cache = (sustain.to_bits(), 0.001f64.powf(1.0 / (s * sr)));
        }
        cache.1
    }

    /// This frame's amplitude, then one frame's step.
    #[inline(always)]
    fn amp(&mut self, factor: f64) -> f64 {
        let a = self.amp;
        if self.attacking {
            self.amp += self.attack_step;
            if self.amp >= 1.0 {
                self.amp = 1.0;
                self.attacking = false;
            }
        } else {
            self.amp *= factor;
            if self.amp < 1e-12 {
                self.amp = 0.0;
            }
        }
        a
    }
}

/// `superkick`.
#[derive(Debug)]
pub struct SuperKick {
    sr: f64,
    strike: Strike,
    phase: f64,
    /// Pitch and click envelopes and their per-frame factors.
    pitch: f64,
    pitch_factor: f64,
    click: f64,
    click_factor: f64,
    rng: Rng,
    scratch: Scratch,
}

impl Default for SuperKick {
    fn default() -> SuperKick {
        SuperKick {
            sr: 44100.0,
            strike: Strike::default(),
            phase: 0.0,
            pitch: 0.0,
            pitch_factor: 1.0,
            click: 0.0,
            click_factor: 1.0,
            rng: Rng::new(0x6b),
            scratch: Scratch::default(),
        }
    }
}

impl Kernel for SuperKick {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sr = sample_rate as f64;
        self.strike.prepare(self.sr);
        self.pitch_factor = (-1.0 / (0.03 * self.sr)).exp();
        self.click_factor = (-1.0 / (0.005 * self.sr)).exp();
        self.scratch.prepare(5, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let sr = self.sr;
        let [f, pe, sus, nz, g] = self.scratch.ports(inputs, 0, n);
        let st = &mut self.strike;
        for (i, o) in out.iter_mut().enumerate() {
            if st.strikes(g[i]) {
                self.pitch = 1.0;
                self.click = 1.0;
            }
            let factor = Strike::decay_factor(&mut st.decay, sus[i], 0.3, sr);
            let amp = st.amp(factor);
            let noise = clamp_or(nz[i], 0.1, 0.0, 1.0) as f64;
            let depth = clamp_or(pe[i], 0.5, 0.0, 1.0) as f64;
            let freq = clamp_or(f[i], 60.0, 20.0, 2000.0) as f64 * (1.0 + 4.0 * depth * self.pitch);
            let w = self.rng.sample() as f64;
            let body = (TAU * self.phase).sin();
            *o = (amp * (body + noise * self.click * w) / (1.0 + noise)) as f32;
            let q = self.phase + freq / sr;
            self.phase = q - q.floor();
            self.pitch *= self.pitch_factor;
            self.click *= self.click_factor;
        }
    }

    fn seed(&mut self, seed: u64) {
        self.rng = Rng::new(seed);
    }
}

/// `supersnare`.
#[derive(Debug)]
pub struct SuperSnare {
    sr: f64,
    strike: Strike,
    /// The snares' own decay (60 dB in 1.5·sustain).
    snares: f64,
    snares_decay: (u32, f64),
    phase: f64,
    pitch: f64,
    pitch_factor: f64,
    hp: Coefs,
    state: State,
    rng: Rng,
    scratch: Scratch,
}

impl Default for SuperSnare {
    fn default() -> SuperSnare {
        SuperSnare {
            sr: 44100.0,
            strike: Strike::default(),
            snares: 0.0,
            snares_decay: (f32::NAN.to_bits(), 1.0),
            phase: 0.0,
            pitch: 0.0,
            pitch_factor: 1.0,
            hp: Coefs::default(),
            state: State::default(),
            rng: Rng::new(0x5e),
            scratch: Scratch::default(),
        }
    }
}

impl Kernel for SuperSnare {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sr = sample_rate as f64;
        self.strike.prepare(self.sr);
        self.pitch_factor = (-1.0 / (0.01 * self.sr)).exp();
        self.hp = Coefs::new(1500.0, 0.7, sample_rate);
        self.scratch.prepare(4, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let sr = self.sr;
        let [f, sn, sus, g] = self.scratch.ports(inputs, 0, n);
        let st = &mut self.strike;
        let hp = self.hp;
        for (i, o) in out.iter_mut().enumerate() {
            if st.strikes(g[i]) {
                self.pitch = 1.0;
                self.snares = 1.0;
            }
            let factor = Strike::decay_factor(&mut st.decay, sus[i], 0.08, sr);
            let amp = st.amp(factor);
            let s = clamp_or(sus[i], 0.08, 0.005, 10.0) * 1.5;
            let snares_factor = Strike::decay_factor(&mut self.snares_decay, s, 0.12, sr);
            let snappy = clamp_or(sn[i], 0.8, 0.0, 1.0) as f64;
            let freq = clamp_or(f[i], 200.0, 20.0, 2000.0) as f64 * (1.0 + 0.5 * self.pitch);
            let w = self.rng.sample() as f64;
            let (v1, v2) = self.state.tick2(&hp, w);
            let noise = w - hp.k() * v1 - v2;
            let body = (TAU * self.phase).sin() * amp;
            // The snares follow the strike's attack, then their own (longer) decay.
            let sn_amp = if st.attacking { amp } else { self.snares };
            *o = (((1.0 - 0.5 * snappy) * body + snappy * sn_amp * noise) / 1.5) as f32;
            let q = self.phase + freq / sr;
            self.phase = q - q.floor();
            self.pitch *= self.pitch_factor;
            if !st.attacking {
                self.snares *= snares_factor;
            }
        }
        self.state.settle();
    }

    fn seed(&mut self, seed: u64) {
        self.rng = Rng::new(seed);
    }
}

/// `superhat`.
#[derive(Debug)]
pub struct SuperHat {
    sr: f64,
    strike: Strike,
    phases: [f64; 6],
    /// (bright bits, coefficients) of the high-pass.
    hp: (u32, Coefs),
    state: State,
    rng: Rng,
    scratch: Scratch,
}

impl Default for SuperHat {
    fn default() -> SuperHat {
        SuperHat {
            sr: 44100.0,
            strike: Strike::default(),
            phases: [0.0; 6],
            hp: (f32::NAN.to_bits(), Coefs::default()),
            state: State::default(),
            rng: Rng::new(0x4a),
            scratch: Scratch::default(),
        }
    }
}

impl Kernel for SuperHat {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sr = sample_rate as f64;
        self.strike.prepare(self.sr);
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let sr = self.sr;
        let [b, sus, g] = self.scratch.ports(inputs, 0, n);
        let st = &mut self.strike;
        for (i, o) in out.iter_mut().enumerate() {
            st.strikes(g[i]);
            let factor = Strike::decay_factor(&mut st.decay, sus[i], 0.05, sr);
            let amp = st.amp(factor);
            if b[i].to_bits() != self.hp.0 {
                let bright = clamp_or(b[i], 0.7, 0.0, 1.0);
                self.hp = (
                    b[i].to_bits(),
                    Coefs::new(5000.0 + 7000.0 * bright, 1.0, sr as f32),
                );
            }
            let mut metal = 0.0;
            for (p, f) in self.phases.iter_mut().zip(METAL) {
                metal += if *p < 0.5 { 1.0 } else { -1.0 };
                let q = *p + f / sr;
                *p = q - q.floor();
            }
            let x = metal / 6.0 * 0.5 + self.rng.sample() as f64 * 0.5;
            let c = &self.hp.1;
            let (v1, v2) = self.state.tick2(c, x);
            *o = (amp * (x - c.k() * v1 - v2)) as f32;
        }
        self.state.settle();
    }

    fn seed(&mut self, seed: u64) {
        self.rng = Rng::new(seed);
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::check::{assert_invariant, band_mean, psd, render_kind, SR};
    use crate::kernels::testing::Src;

    fn peak(x: &[f32]) -> f64 {
        x.iter().fold(0.0f64, |m, v| m.max(v.abs() as f64))
    }

    /// superkick 60 Hz, sustain 0.3, no click: strikes at frame 0 even with the gate off; the
    /// amplitude is 1 after the 1 ms attack and 0.001 at 0.3 s, so the peak within ±8 ms of
    /// 0.3 s lies in 0.001·e^(±0.008·ln(1000)/0.3) = 0.00083..0.0012 (with a margin for the sine
    /// not peaking exactly at the window's ends); the frequency between 0.15 and 0.3 s, where the
    /// pitch envelope is below e^(−5), is 60·(1 + 2·0.0067) ≈ 60.8 Hz or less (zero crossings,
    /// within 1.5 Hz of 60); the first half period is at about 3·60 = 180 Hz (under 3 ms).
    #[test]
    fn superkick_decays_60_db_in_sustain_and_sweeps_down() {
        let n = 20000;
        let x = &render_kind(
            "superkick",
            &[
                Src::Const(60.0),
                Src::Const(0.5),
                Src::Const(0.3),
                Src::Const(0.0),
                Src::Const(0.0),
            ],
            n * 2,
        )[0];
        assert!(peak(&x[..2000]) > 0.9, "strikes at the start");
        let at = (0.3 * SR) as usize;
        let w = (0.008 * SR) as usize;
        let p = peak(&x[at - w..at + w]);
        assert!((0.0007..0.0013).contains(&p), "peak around 0.3 s: {p}");
        let mut cross = Vec::new();
        for i in (0.15 * SR) as usize..at {
            if x[i - 1] < 0.0 && x[i] >= 0.0 {
                let (a, b) = (x[i - 1] as f64, x[i] as f64);
                cross.push(i as f64 - 1.0 + a / (a - b));
            }
        }
        let f = (cross.len() - 1) as f64 * SR as f64 / (cross[cross.len() - 1] - cross[0]);
        assert!((f - 60.0).abs() < 1.5, "late frequency {f}");
        let first_down = x.iter().skip(1).position(|v| *v < 0.0).unwrap();
        assert!(
            first_down < (0.003 * SR) as usize,
            "first half period {first_down} frames"
        );
    }

    /// A rising gate strikes again: after 0.5 s of decay (−100 dB) a strike brings the kick back
    /// to full level within 2 ms; the snare and hat too.
    #[test]
    fn drums_restrike_on_a_rising_gate() {
        let n = 30000;
        let g: Vec<f32> = (0..n)
            .map(|i| {
                if (22050..22100).contains(&i) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        for (kind, srcs) in [
            (
                "superkick",
                vec![
                    Src::Const(60.0),
                    Src::Const(0.5),
                    Src::Const(0.3),
                    Src::Const(0.1),
                    Src::Mono(g.clone()),
                ],
            ),
            (
                "supersnare",
                vec![
                    Src::Const(200.0),
                    Src::Const(0.8),
                    Src::Const(0.08),
                    Src::Mono(g.clone()),
                ],
            ),
            (
                "superhat",
                vec![Src::Const(0.7), Src::Const(0.05), Src::Mono(g.clone())],
            ),
        ] {
            let x = &render_kind(kind, &srcs, n)[0];
            assert!(
                peak(&x[20000..22050]) < 1e-3,
                "{kind} decayed before the strike"
            );
            assert!(peak(&x[22050..22050 + 400]) > 0.2, "{kind} struck again");
            assert!(peak(x) < 1.0, "{kind} peak");
        }
    }

    /// The snare with snappy 0 is its body: a tone whose energy sits near `freq` (the 200–400 Hz
    /// band has 20 dB more density than 4–8 kHz); with snappy 1 the high-passed snares dominate:
    /// white noise of variance 1/3 has about 0.28 of power in 2–20 kHz and lasts 1.5 times as
    /// long, against the body's 0.5²/2 = 0.125, so 2–20 kHz holds more power than 100–500 Hz. The hat's energy lies above its ≥ 5 kHz high-pass:
    /// 6–12 kHz at least 20 dB denser than 200–800 Hz (a 2-pole high-pass at 9.9 kHz is about
    /// −50 dB at 500 Hz).
    #[test]
    fn snare_and_hat_spectra() {
        let n = 8192;
        let body = &render_kind(
            "supersnare",
            &[
                Src::Const(200.0),
                Src::Const(0.0),
                Src::Const(0.3),
                Src::Const(1.0),
            ],
            n,
        )[0];
        let p = psd(body, 2048);
        assert!(band_mean(&p, 2048, 200.0, 400.0) > 100.0 * band_mean(&p, 2048, 4000.0, 8000.0));
        let snap = &render_kind(
            "supersnare",
            &[
                Src::Const(200.0),
                Src::Const(1.0),
                Src::Const(0.3),
                Src::Const(1.0),
            ],
            n,
        )[0];
        let p = psd(snap, 2048);
        let power = |lo: f64, hi: f64| band_mean(&p, 2048, lo, hi) * (hi - lo);
        assert!(power(2000.0, 20000.0) > power(100.0, 500.0));
        let hat = &render_kind(
            "superhat",
            &[Src::Const(0.7), Src::Const(0.3), Src::Const(1.0)],
            n,
        )[0];
        let p = psd(hat, 2048);
        assert!(band_mean(&p, 2048, 6000.0, 12000.0) > 100.0 * band_mean(&p, 2048, 200.0, 800.0));
    }

    #[test]
    fn drums_are_block_invariant() {
        let n = 6000;
        let g: Vec<f32> = (0..n)
            .map(|i| if (i / 900) % 2 == 1 { 1.0 } else { 0.0 })
            .collect();
        let a: Vec<f32> = (0..n)
            .map(|i| [0.2, 0.9, f32::NAN, 2.0, -1.0][(i / 333) % 5])
            .collect();
        let t: Vec<f32> = (0..n)
            .map(|i| [0.05, 0.001, f32::NAN, 0.3][(i / 450) % 4])
            .collect();
        let f: Vec<f32> = (0..n).map(|i| 40.0 + (i % 700) as f32).collect();
        let (g, a, t, f) = (Src::Mono(g), Src::Mono(a), Src::Mono(t), Src::Mono(f));
        let c = Src::Const;
        assert_invariant(
            "superkick",
            &[f.clone(), a.clone(), t.clone(), a.clone(), g.clone()],
            n,
        );
        assert_invariant("superkick", &[c(60.0), c(0.5), c(0.3), c(0.1), c(1.0)], n);
        assert_invariant(
            "supersnare",
            &[f.clone(), a.clone(), t.clone(), g.clone()],
            n,
        );
        assert_invariant("supersnare", &[c(200.0), c(0.8), c(0.08), c(1.0)], n);
        assert_invariant("superhat", &[a.clone(), t.clone(), g.clone()], n);
        assert_invariant("superhat", &[c(0.7), c(0.05), c(0.0)], n);
    }
}
