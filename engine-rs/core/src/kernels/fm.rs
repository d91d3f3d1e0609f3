//! Frequency and phase modulation: `fm`, `superfm`, `pm` and `fmcrossmod`.
//!
//! - `fm {carrier=440, mod=220, index=1}`: two-operator FM, implemented as phase modulation
//!   (as in the DX7): sin(2π·φc + index·sin(2π·φm)), where φc and φm advance by carrier/sr and
//!   mod/sr per frame. The spectrum has components at carrier ± k·mod with amplitudes
//!   |J_k(index)| (Bessel functions of the first kind).
//! - `superfm {freq=440, ratio=2, index=1}`: the same with mod = ratio·freq (a SuperDirt
//!   style FM voice whose timbre does not change with pitch).
//! - `pm {carrier=440, mod=0, index=1}`: sin(2π·φc + index·mod): phase modulation
//!   by any signal, in radians per unit of `mod`.
//! - `fmcrossmod {carrier, mod, depth=1}`: carrier·cos(2π·depth·mod), both signals required.
//!
//! Units and clamps: frequencies in Hz, clamped to −sr/2..sr/2 (NaN reads as 0; negative runs the
//! phase backwards); `ratio` clamped to −64..64 and `index`, `depth` to −1000..1000 (NaN reads as
//! the default); a NaN in `mod`, `carrier` or `mod` of fmcrossmod reads as 0. Output: mono
//! (stereo inputs are read from their left channel).
//!
//! Phases are the oscillators' exact 32-bit phases ([`Phase`], starting at 0). Per block, the
//! phases are accumulated first (one integer add per frame and operator); then one vector loop
//! evaluates the polynomial sine ([`sin_unit`], 6·10⁻⁷) of the carrier phase plus the
//! modulation in turns, reduced to −½..½ ([`wrap_turns`]; a modulation beyond ±2^20 turns is
//! clamped there). The modulation in turns is computed in f32: its error is a few 2^-24 of
//! |index|/2π turns, 2·10⁻⁶ of full scale at index 1.

use super::control::clamp_or;
use super::osc::{clamp_freq, sin_turns, sin_unit, wrap_turns, Phase};
use super::scratch::Scratch;
use super::simd::dispatch;
use super::{audio, param, Context, Kernel, KindSpec, Outputs, PortIn, PortSpec};

/// 1/2π: radians to turns.
const TURNS_PER_RADIAN: f32 = 0.159_154_94;

/// A modulation index or depth.
const fn index(name: &'static str, unit: &'static str) -> PortSpec {
    param(name, 1.0).unit(unit).range(-MAX_INDEX, MAX_INDEX)
}

/// `fm {carrier, mod, index}`.
pub const FM: KindSpec = KindSpec::mono(
    "fm",
    "Two-operator FM: a sine carrier whose phase is modulated by a sine at `mod` Hz.",
    &[
        param("carrier", 440.0).unit("Hz"),
        param("mod", 220.0).unit("Hz"),
        index("index", "ratio"),
    ],
    || Box::new(Fm::new(Kind::Fm)),
);
/// `superfm {freq, ratio, index}`.
pub const SUPERFM: KindSpec = KindSpec::mono(
    "superfm",
    "SuperDirt-style FM synth: a modulator at freq · ratio.",
    &[
        param("freq", 440.0).unit("Hz, ±Nyquist"),
        param("ratio", 2.0).unit("ratio"),
        index("index", "ratio"),
    ],
    || Box::new(Fm::new(Kind::SuperFm)),
);
/// `pm {carrier, mod, index}`.
pub const PM: KindSpec = KindSpec::mono(
    "pm",
    "Phase modulation of a sine carrier by an external signal.",
    &[
        param("carrier", 440.0).unit("Hz"),
        param("mod", 0.0).unit("signal"),
        index("index", "rad"),
    ],
    || Box::new(Fm::new(Kind::Pm)),
);
/// `fmcrossmod {carrier, mod, depth}`.
pub const FMCROSSMOD: KindSpec = KindSpec::mono(
    "fmcrossmod",
    "carrier · cos(2π · depth · mod).",
    &[audio("carrier").mono(), audio("mod").mono(), index("depth", "ratio")],
    || Box::new(Fm::new(Kind::CrossMod)),
);

/// Largest |index| and |depth|.
pub const MAX_INDEX: f32 = 1000.0;

/// Which modulation an [`Fm`] node computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Carrier and modulator frequencies.
    Fm,
    /// Frequency and modulator ratio.
    SuperFm,
    /// Carrier frequency and a modulating signal.
    Pm,
    /// Carrier signal times cos of a modulating signal.
    CrossMod,
}

/// The modulation oscillators.
#[derive(Debug)]
pub struct Fm {
    kind: Kind,
    carrier: Phase,
    modulator: Phase,
    /// Per-frame carrier and modulator phases of the current block.
    pcs: Vec<u32>,
    pms: Vec<u32>,
    scratch: Scratch,
}

impl Fm {
    /// A node of `kind`.
    pub fn new(kind: Kind) -> Fm {
        Fm {
            kind,
            carrier: Phase::default(),
            modulator: Phase::default(),
            pcs: Vec::new(),
            pms: Vec::new(),
            scratch: Scratch::default(),
        }
    }
}

impl Kernel for Fm {
    /// Back to the start: state cleared.
    fn reset(&mut self) {
        self.carrier.phase = 0;
        self.modulator.phase = 0;
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.carrier.prepare(sample_rate);
        self.modulator.prepare(sample_rate);
        self.pcs = vec![0; max_block.max(1)];
        self.pms = vec![0; max_block.max(1)];
        self.scratch.prepare(3, max_block);
    }

    fn process(&mut self, _ctx: &Context, inputs: &[PortIn], out: &mut Outputs) {
        let out = out.channel(0);
        let n = out.len();
        let [a, b, c] = self.scratch.ports(inputs, 0, n);
        let (car, modu) = (self.carrier, self.modulator);
        let (pcs, pms) = (&mut self.pcs[..n], &mut self.pms[..n]);
        let (mut pc, mut pm) = (car.phase, modu.phase);
        match self.kind {
            Kind::Fm | Kind::SuperFm => {
                let sup = self.kind == Kind::SuperFm;
                let nyq = car.nyquist();
                for i in 0..n {
                    let fc = clamp_freq(a[i], nyq);
                    let fmod = if sup {
                        fc * clamp_or(b[i], 2.0, -64.0, 64.0)
                    } else {
                        b[i]
                    };
                    pcs[i] = pc;
                    pms[i] = pm;
                    pc = pc.wrapping_add(car.inc(fc) as u32);
                    pm = pm.wrapping_add(modu.inc(fmod) as u32);
                }
                let (pcs, pms) = (&*pcs, &*pms);
                dispatch(|| {
                    for (i, o) in out.iter_mut().enumerate() {
                        let index = clamp_or(c[i], 1.0, -MAX_INDEX, MAX_INDEX);
                        let x = (pcs[i] as i32) as f32 * (1.0 / 4_294_967_296.0);
                        let y = index * TURNS_PER_RADIAN * sin_turns(pms[i]);
                        *o = sin_unit(wrap_turns(x + y));
                    }
                });
            }
            Kind::Pm => {
                for (i, p) in pcs.iter_mut().enumerate() {
                    *p = pc;
                    pc = pc.wrapping_add(car.inc(a[i]) as u32);
                }
                let pcs = &*pcs;
                dispatch(|| {
                    for (i, o) in out.iter_mut().enumerate() {
                        let m = if b[i].is_nan() { 0.0 } else { b[i] };
                        let index = clamp_or(c[i], 1.0, -MAX_INDEX, MAX_INDEX);
                        let x = (pcs[i] as i32) as f32 * (1.0 / 4_294_967_296.0);
                        *o = sin_unit(wrap_turns(x + index * TURNS_PER_RADIAN * m));
                    }
                });
            }
            Kind::CrossMod => dispatch(|| {
                for (i, o) in out.iter_mut().enumerate() {
                    let car = if a[i].is_nan() { 0.0 } else { a[i] };
                    let m = if b[i].is_nan() { 0.0 } else { b[i] };
                    let depth = clamp_or(c[i], 1.0, -MAX_INDEX, MAX_INDEX);
                    // cos(2π·t) = sin(2π·(t + ¼)).
                    *o = car * sin_unit(wrap_turns(depth * m + 0.25));
                }
            }),
        }
        self.carrier.phase = pc;
        self.modulator.phase = pm;
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::check::{self, assert_invariant, dft_mag, render_kind, tone};
    use crate::kernels::osc::tests::contract_inc;
    use crate::kernels::testing::{assert_same, Src};
    use std::f64::consts::TAU;

    /// Every frame within `tol` of the f64 reference.
    fn assert_near(what: &str, got: &[f32], want: &[f64], tol: f64) {
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (*g as f64 - w).abs() <= tol,
                "{what}: frame {i}: {g} vs {w}"
            );
        }
    }

    /// The phase in turns of a 32-bit phase.
    fn turns(p: u32) -> f64 {
        p as f64 / 4_294_967_296.0
    }

    /// Tolerance against libm at the exact 32-bit phases: the polynomial sine twice (6·10⁻⁷
    /// each, the inner one scaled by index/2π ≤ 0.6 here), the carrier phase's rounding to f32
    /// (2^-25 turns) and the modulation's f32 products (a few 2^-24 of ≤ 0.6 turns), each
    /// times 2π: about 3·10⁻⁶; 10⁻⁵ leaves margin. fmcrossmod: depth·mod up to ~16 turns in
    /// f32 (2^-20 turns, ×2π ≈ 6·10⁻⁶, times |carrier| ≤ 1).
    const FM_TOL: f64 = 1e-5;
    const CROSS_TOL: f64 = 2e-5;

    /// fm and pm against per-frame references (the 32-bit phase recurrence, libm f64 sin);
    /// superfm equals fm with mod = ratio·freq; fmcrossmod is carrier·cos(2π·depth·mod); and the
    /// block contract.
    #[test]
    fn fm_family_equals_reference() {
        let n = 3000;
        let f: Vec<f32> = (0..n).map(|i| 200.0 + (i % 500) as f32).collect();
        let m: Vec<f32> = (0..n).map(|i| 50.0 + (i % 300) as f32 * 3.0).collect();
        let idx: Vec<f32> = (0..n).map(|i| (i / 400) as f32 * 0.7 - 1.0).collect();
        let got = check::render_kind(
            "fm",
            &[
                Src::Mono(f.clone()),
                Src::Mono(m.clone()),
                Src::Mono(idx.clone()),
            ],
            n,
        );
        let (mut pc, mut pm) = (0u32, 0u32);
        let want: Vec<f64> = (0..n)
            .map(|i| {
                let v = (TAU * turns(pc) + idx[i] as f64 * (TAU * turns(pm)).sin()).sin();
                pc = pc.wrapping_add(contract_inc(f[i]) as u32);
                pm = pm.wrapping_add(contract_inc(m[i]) as u32);
                v
            })
            .collect();
        assert_near("fm", &got[0], &want, FM_TOL);
        let ratio: Vec<f32> = (0..n).map(|i| 0.5 + (i / 700) as f32).collect();
        let prod: Vec<f32> = f.iter().zip(&ratio).map(|(a, b)| a * b).collect();
        let sup = check::render_kind(
            "superfm",
            &[
                Src::Mono(f.clone()),
                Src::Mono(ratio.clone()),
                Src::Mono(idx.clone()),
            ],
            n,
        );
        let fm = check::render_kind(
            "fm",
            &[
                Src::Mono(f.clone()),
                Src::Mono(prod),
                Src::Mono(idx.clone()),
            ],
            n,
        );
        assert_same("superfm", &sup[0], &fm[0]);
        let sig = check::test_noise(n, 7);
        let got = check::render_kind(
            "pm",
            &[
                Src::Mono(f.clone()),
                Src::Mono(sig.clone()),
                Src::Mono(idx.clone()),
            ],
            n,
        );
        let mut pc = 0u32;
        let want: Vec<f64> = (0..n)
            .map(|i| {
                let v = (TAU * turns(pc) + idx[i] as f64 * sig[i] as f64).sin();
                pc = pc.wrapping_add(contract_inc(f[i]) as u32);
                v
            })
            .collect();
        assert_near("pm", &got[0], &want, FM_TOL);
        let car = check::test_noise(n, 8);
        let got = check::render_kind(
            "fmcrossmod",
            &[
                Src::Mono(car.clone()),
                Src::Mono(sig.clone()),
                Src::Mono(idx.clone()),
            ],
            n,
        );
        let want: Vec<f64> = (0..n)
            .map(|i| car[i] as f64 * (TAU * idx[i] as f64 * sig[i] as f64).cos())
            .collect();
        assert_near("fmcrossmod", &got[0], &want, CROSS_TOL);
        for kind in ["fm", "superfm", "pm"] {
            assert_invariant(
                kind,
                &[
                    Src::Mono(f.clone()),
                    Src::Mono(m.clone()),
                    Src::Mono(idx.clone()),
                ],
                n,
            );
            assert_invariant(
                kind,
                &[Src::Const(300.0), Src::Const(2.0), Src::Const(1.5)],
                n,
            );
        }
        assert_invariant(
            "fmcrossmod",
            &[Src::Mono(car), Src::Mono(sig), Src::Const(0.3)],
            n,
        );
    }

    /// Index 1, carrier 3000 Hz, modulator 500 Hz: the sidebands at 3500 and 4000 Hz stand to the
    /// carrier as J1(1)/J0(1) = 0.44005/0.76520 = 0.5751 and J2(1)/J0(1) = 0.11490/0.76520 =
    /// 0.1502 (within 1 %). pm driven by a 500 Hz sine of amplitude 1 has the same spectrum.
    #[test]
    fn fm_sidebands_follow_bessel_functions() {
        let n = 44100;
        let fm = &render_kind(
            "fm",
            &[Src::Const(3000.0), Src::Const(500.0), Src::Const(1.0)],
            n,
        )[0];
        let pm = &render_kind(
            "pm",
            &[
                Src::Const(3000.0),
                Src::Mono(tone(500.0, 1.0, n)),
                Src::Const(1.0),
            ],
            n,
        )[0];
        for (what, x) in [("fm", fm), ("pm", pm)] {
            let c = dft_mag(x, 3000.0);
            let r1 = dft_mag(x, 3500.0) / c;
            let r2 = dft_mag(x, 4000.0) / c;
            assert!((r1 / 0.57508 - 1.0).abs() < 0.01, "{what}: J1/J0 {r1}");
            assert!((r2 / 0.15016 - 1.0).abs() < 0.01, "{what}: J2/J0 {r2}");
        }
    }
}
