//! Runtime CPU dispatch for block loops: one loop body, compiled for AVX-512, AVX2 and baseline x86-64, chosen once per process.
//!
//! A kernel writes its hot loop as plain Rust over slices, with no float reassociation and no
//! `mul_add` (so the compiler may vectorize it only where that keeps every result bit for bit),
//! and runs it through [`dispatch`]. The closure is inlined into a function compiled with the
//! chosen target features, so the same source becomes 16-, 8- or 4-lane code. Because Rust never
//! contracts `a * b + c` into a fused multiply-add and never reorders float sums, every level
//! computes exactly the same values: the output is bit-identical on any x86-64 machine, and the
//! baseline path (SSE2, what every x86-64 CPU has) is the scalar twin the tests compare against.
//!
//! The level is detected with `is_x86_feature_detected!` on first use (an atomic load after
//! that: no lock, no allocation) and can be forced lower with [`force`] (`PHONON_SIMD=scalar`,
//! read by the front end, or a test). The addon is built for baseline x86-64, so it loads on any
//! x86-64 CPU.

use std::sync::atomic::{AtomicU8, Ordering};

/// An instruction-set level a block loop can be compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    /// Baseline x86-64 (SSE2) or any other architecture: the scalar twin.
    Scalar = 1,
    /// AVX2 with FMA (x86-64-v3).
    Avx2 = 2,
    /// AVX-512 F/VL/BW/DQ (x86-64-v4).
    Avx512 = 3,
}

impl Level {
    /// The name used by `PHONON_SIMD` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// The level called `name` (`scalar`, `avx2`, `avx512`).
    pub fn from_name(name: &str) -> Option<Level> {
        match name {
            "scalar" => Some(Level::Scalar),
            "avx2" => Some(Level::Avx2),
            "avx512" => Some(Level::Avx512),
            _ => None,
        }
    }
}

/// 0 until the first [`level`] or [`force`]; then the `Level` as a byte.
static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The best level this CPU supports.
pub fn detect() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return Level::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Level::Avx2;
        }
    }
    Level::Scalar
}

/// The level block loops run at. Any thread: an atomic load (the first call detects).
#[inline]
pub fn level() -> Level {
    match LEVEL.load(Ordering::Relaxed) {
        3 => Level::Avx512,
        2 => Level::Avx2,
        1 => Level::Scalar,
        _ => {
            let l = detect();
            LEVEL.store(l as u8, Ordering::Relaxed);
            l
        }
    }
}

/// Runs block loops at `want` or the best supported level below it (`None`: the best this CPU
/// has). Returns the level now in use. Control thread, before rendering; results do not depend
/// on the level, only speed does.
pub fn force(want: Option<Level>) -> Level {
    let best = detect();
    let l = want.map_or(best, |w| w.min(best));
    LEVEL.store(l as u8, Ordering::Relaxed);
    l
}

/// Runs `f` compiled for the current [`level`]. `f` should be a loop over slices; it is inlined
/// into a function built with that level's target features. Render thread safe: no allocation,
/// no lock.
#[inline(always)]
pub fn dispatch<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        match level() {
            // SAFETY: `level()` only returns Avx512 when `detect()` found avx512f/vl/bw/dq,
            // avx2 and fma on this CPU, the features `avx512` is compiled with.
            Level::Avx512 => return unsafe { avx512(f) },
            // SAFETY: `level()` only returns Avx2 when `detect()` found avx2 and fma.
            Level::Avx2 => return unsafe { avx2(f) },
            Level::Scalar => {}
        }
    }
    f()
}

/// Defines `fn $name(args)` that runs `$inner(args)` (an `#[inline(always)]` function) compiled
/// for the current [`level`]: one copy per level, each with the level's target features, so
/// the inner function is always inlined into it, however large. [`dispatch`] with a closure
/// leaves that to the inliner, which declines large closures; hot loops with a big body use
/// this. Argument types may be `impl Trait`.
#[macro_export]
macro_rules! multiversion {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($a:ident: $t:ty),* $(,)?) => $inner:path) => {
        $(#[$m])*
        $vis fn $name($($a: $t),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
                unsafe fn v4($($a: $t),*) {
                    $inner($($a),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn v3($($a: $t),*) {
                    $inner($($a),*)
                }
                match $crate::kernels::simd::level() {
                    // SAFETY: `level()` only returns Avx512 when `detect()` found every
                    // feature `v4` is compiled with on this CPU.
                    $crate::kernels::simd::Level::Avx512 => return unsafe { v4($($a),*) },
                    // SAFETY: `level()` only returns Avx2 when `detect()` found avx2 and fma.
                    $crate::kernels::simd::Level::Avx2 => return unsafe { v3($($a),*) },
                    $crate::kernels::simd::Level::Scalar => {}
                }
            }
            $inner($($a),*)
        }
    };
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
#[inline]
unsafe fn avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// `acc[i] += g * x[i]` (or `acc[i] += x[i]` when g is 1, the same values). Render thread.
#[inline]
pub fn add_scaled(acc: &mut [f32], x: &[f32], g: f32) {
    let x = &x[..acc.len()];
    if g == 1.0 {
        dispatch(|| {
            for (a, v) in acc.iter_mut().zip(x) {
                *a += *v;
            }
        })
    } else {
        dispatch(|| {
            for (a, v) in acc.iter_mut().zip(x) {
                *a += g * *v;
            }
        })
    }
}

/// `x[i] = g * x[i] + o`. Render thread.
#[inline]
pub fn scale_offset(x: &mut [f32], g: f32, o: f32) {
    dispatch(|| {
        for v in x.iter_mut() {
            *v = g * *v + o;
        }
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Runs `f` at every level this CPU has (the global level is forced for each and restored
    /// after) and returns the results, lowest level first. Only [`levels_agree`] calls it, so no
    /// two tests force levels at once (other tests running meanwhile only change speed: results
    /// do not depend on the level).
    fn at_every_level<R>(mut f: impl FnMut() -> R) -> Vec<(Level, R)> {
        let mut out = Vec::new();
        for l in [Level::Scalar, Level::Avx2, Level::Avx512] {
            if l <= detect() {
                force(Some(l));
                out.push((l, f()));
            }
        }
        force(None);
        out
    }

    /// Asserts every level gave the same bits as the scalar twin.
    fn same_bits(what: &str, runs: &[(Level, Vec<f32>)]) {
        let want = &runs[0].1;
        for (l, got) in &runs[1..] {
            assert_eq!(got.len(), want.len(), "{what} at {l:?}: length");
            for (i, (g, w)) in got.iter().zip(want).enumerate() {
                assert_eq!(
                    g.to_bits(),
                    w.to_bits(),
                    "{what} at {l:?}, frame {i}: {g} vs {w}"
                );
            }
        }
    }

    /// Forcing never goes above the CPU, names round-trip, and every SIMD path (these helpers
    /// and the oscillator kernels) computes exactly what its scalar twin computes. Bound: 0
    /// ulp, because no path reassociates or fuses float operations (see the module doc).
    #[test]
    fn levels_agree() {
        let best = detect();
        assert_eq!(force(Some(Level::Avx512)), best.min(Level::Avx512));
        assert_eq!(force(Some(Level::Scalar)), Level::Scalar);
        assert_eq!(level(), Level::Scalar);
        force(None);
        assert_eq!(level(), best);
        for l in [Level::Scalar, Level::Avx2, Level::Avx512] {
            assert_eq!(Level::from_name(l.name()), Some(l));
        }

        let x: Vec<f32> = (0..1000)
            .map(|i| ((i * 7919) % 1013) as f32 / 37.0 - 13.3)
            .collect();
        let runs = at_every_level(|| {
            let mut acc: Vec<f32> = (0..1000).map(|i| i as f32 * 0.001).collect();
            add_scaled(&mut acc, &x, 0.3);
            add_scaled(&mut acc, &x, 1.0);
            scale_offset(&mut acc, 1.7, -0.25);
            acc
        });
        same_bits("add_scaled, scale_offset", &runs);

        for (kind, srcs) in crate::kernels::osc::tests::level_cases() {
            let runs =
                at_every_level(|| crate::kernels::check::render_kind(kind, &srcs, 5000)[0].clone());
            same_bits(kind, &runs);
        }
    }
}
