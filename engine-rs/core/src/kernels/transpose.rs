//! Lane transposes for kernels that render [`LANES`] nodes as the lanes of one loop: 16 lanes × 16 frames of `f32` into a frame-by-lane `f64` tile and back, and 16 lanes' coefficient sets into coefficient rows, each with an AVX-512 path and its scalar twin.
//!
//! A lanes loop wants, per frame, one value of every lane side by side; the lanes' buffers hold
//! each lane's frames side by side. [`gather`] turns one [`KRATE`]-frame run of every lane's
//! input into rows `x[frame][lane]` (widened to `f64`, exactly, as `as f64` does) and [`scatter`]
//! writes rows `y[frame][lane]` back to each lane's output; [`gather_sets`] turns one control
//! frame of every lane's coefficient set `[a1, a2, a3, k]` into rows `to[coefficient][lane]`.
//! The scalar versions copy element by element; the AVX-512 versions load whole lanes into
//! registers, transpose them with shuffles (64 for a 16 × 16 tile) and store whole rows. Both
//! move the same bits (a transpose and an exact widening compute nothing), which the tests
//! check. Callers pick the AVX-512 version only when
//! [`super::simd::level`] is `Avx512`.

use super::krate::KRATE;
use super::LANES;

/// One run of every lane's input as rows `x[r][l] = xs[l][start + r]`, r < `len` (rows past
/// `len` are left as they are). Each `xs[l]` holds at least `start + len` frames.
#[inline(always)]
pub fn gather(xs: &[&[f32]; LANES], start: usize, len: usize, x: &mut [[f64; LANES]; KRATE]) {
    for (l, src) in xs.iter().enumerate() {
        for (row, v) in x.iter_mut().zip(&src[start..start + len]) {
            row[l] = *v as f64;
        }
    }
}

/// Rows `y[r][l]`, r < `len`, into `outs[l][start + r]` for every lane `outs` has (at most
/// [`LANES`]; each holds at least `start + len` frames).
#[inline(always)]
pub fn scatter(y: &[[f32; LANES]; KRATE], outs: &mut [&mut [f32]], start: usize, len: usize) {
    for (l, o) in outs.iter_mut().enumerate() {
        for (dst, row) in o[start..start + len].iter_mut().zip(y) {
            *dst = row[l];
        }
    }
}

/// Control frame `t` of every lane's coefficient sets as rows: `to[k][l] = sets[l][t][k]`.
#[inline(always)]
pub fn gather_sets(sets: &[&[[f64; 4]]; LANES], t: usize, to: &mut [[f64; LANES]; 4]) {
    for (l, lane) in sets.iter().enumerate() {
        let set = lane[t];
        for (row, v) in to.iter_mut().zip(set) {
            row[l] = v;
        }
    }
}

#[cfg(target_arch = "x86_64")]
pub use avx512::{
    gather_full as gather_avx512, gather_sets as gather_sets_avx512, scatter_full as scatter_avx512,
};

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{KRATE, LANES};
    use std::arch::x86_64::*;

    // The shuffles below transpose exactly 16 × 16.
    const _: () = assert!(LANES == 16 && KRATE == 16);

    /// Transposes a 16 × 16 tile of `f32` held as 16 rows: element j of row i goes to element i
    /// of row j. Four stages: interleave 32-bit pairs of row pairs, then 64-bit pairs of those
    /// (now each 128-bit block holds 4 rows of one column), then gather 128-bit blocks twice.
    ///
    /// # Safety
    /// As [`gather_full`].
    #[inline(always)]
    unsafe fn transpose(r: [__m512; 16]) -> [__m512; 16] {
        // Stage 1: t[2p] = (a0 b0 a1 b1 | a4 b4 a5 b5 | …), t[2p+1] = (a2 b2 a3 b3 | …) of
        // rows a = r[2p], b = r[2p+1].
        let mut t = [_mm512_setzero_ps(); 16];
        for p in 0..8 {
            t[2 * p] = _mm512_unpacklo_ps(r[2 * p], r[2 * p + 1]);
            t[2 * p + 1] = _mm512_unpackhi_ps(r[2 * p], r[2 * p + 1]);
        }
        // Stage 2: from each group of 4 rows q, u[4q + c] holds column c, c + 4, c + 8,
        // c + 12 of those 4 rows, one column per 128-bit block.
        let mut u = [_mm512_setzero_ps(); 16];
        for q in 0..4 {
            let [a, b, c, d] = [t[4 * q], t[4 * q + 1], t[4 * q + 2], t[4 * q + 3]];
            let (a, b, c, d) = (
                _mm512_castps_pd(a),
                _mm512_castps_pd(b),
                _mm512_castps_pd(c),
                _mm512_castps_pd(d),
            );
            u[4 * q] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
            u[4 * q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
            u[4 * q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
            u[4 * q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
        }
        // Stages 3 and 4: for column c, the blocks of rows 0-3, 4-7, 8-11, 12-15 in order.
        // 0x88 picks blocks 0 and 2 of each source, 0xdd blocks 1 and 3.
        let mut out = [_mm512_setzero_ps(); 16];
        for c in 0..4 {
            let v0 = _mm512_shuffle_f32x4::<0x88>(u[c], u[4 + c]); // cols c, c+8; rows 0-7
            let v1 = _mm512_shuffle_f32x4::<0xdd>(u[c], u[4 + c]); // cols c+4, c+12; rows 0-7
            let v2 = _mm512_shuffle_f32x4::<0x88>(u[8 + c], u[12 + c]); // rows 8-15
            let v3 = _mm512_shuffle_f32x4::<0xdd>(u[8 + c], u[12 + c]);
            out[c] = _mm512_shuffle_f32x4::<0x88>(v0, v2);
            out[c + 8] = _mm512_shuffle_f32x4::<0xdd>(v0, v2);
            out[c + 4] = _mm512_shuffle_f32x4::<0x88>(v1, v3);
            out[c + 12] = _mm512_shuffle_f32x4::<0xdd>(v1, v3);
        }
        out
    }

    /// [`super::gather`] of a full run (`len` = [`KRATE`]) with AVX-512 loads and shuffles.
    /// `#[inline(always)]` rather than a target-feature function, so that it inlines into the
    /// caller's AVX-512 loop.
    ///
    /// # Safety
    /// The CPU has AVX-512 F, and the caller is compiled with it.
    #[inline(always)]
    pub unsafe fn gather_full(xs: &[&[f32]; LANES], start: usize, x: &mut [[f64; LANES]; KRATE]) {
        // A plain loop rather than `array::from_fn`, which is not always inlined.
        let mut rows = [_mm512_setzero_ps(); 16];
        for (row, src) in rows.iter_mut().zip(xs) {
            let src = &src[start..start + KRATE];
            // SAFETY: `src` is 16 f32 in bounds (the slice checks it); loadu needs no alignment.
            *row = unsafe { _mm512_loadu_ps(src.as_ptr()) };
        }
        let cols = transpose(rows);
        for (row, v) in x.iter_mut().zip(cols) {
            // f32 → f64 is exact, the same conversion as `as f64` (NaNs keep their payload).
            let lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
            let hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(
                _mm512_castps_pd(v),
            )));
            let dst = row.as_mut_ptr();
            // SAFETY: `row` is 16 f64: two stores of 8 at 0 and 8; storeu needs no alignment.
            unsafe {
                _mm512_storeu_pd(dst, lo);
                _mm512_storeu_pd(dst.add(8), hi);
            }
        }
    }

    /// [`super::gather_sets`] with AVX-512 loads and shuffles (left to itself, the compiler
    /// vectorizes the scalar version into gather and scatter instructions, which are slower).
    ///
    /// # Safety
    /// As [`gather_full`].
    #[inline(always)]
    pub unsafe fn gather_sets(sets: &[&[[f64; 4]]; LANES], t: usize, to: &mut [[f64; LANES]; 4]) {
        // z[p] = the sets of lanes 2p and 2p + 1: [l0 k0..k3 | l1 k0..k3].
        let mut z = [_mm512_setzero_pd(); 8];
        for (p, zp) in z.iter_mut().enumerate() {
            let (a, b) = (&sets[2 * p][t], &sets[2 * p + 1][t]);
            // SAFETY: `a` and `b` are 4 f64 each (the indexing checks them); loadu needs no
            // alignment.
            let (a, b) = unsafe { (_mm256_loadu_pd(a.as_ptr()), _mm256_loadu_pd(b.as_ptr())) };
            *zp = _mm512_insertf64x4::<1>(_mm512_castpd256_pd512(a), b);
        }
        // For lanes 4q..4q + 4 (z[2q], z[2q + 1]): lo[q] = [k0 of the 4 lanes | k1 of them],
        // hi[q] = [k2 | k3]. Indices 8.. pick from the second source.
        let idx_lo = _mm512_set_epi64(13, 9, 5, 1, 12, 8, 4, 0);
        let idx_hi = _mm512_set_epi64(15, 11, 7, 3, 14, 10, 6, 2);
        let mut lo = [_mm512_setzero_pd(); 4];
        let mut hi = [_mm512_setzero_pd(); 4];
        for q in 0..4 {
            lo[q] = _mm512_permutex2var_pd(z[2 * q], idx_lo, z[2 * q + 1]);
            hi[q] = _mm512_permutex2var_pd(z[2 * q], idx_hi, z[2 * q + 1]);
        }
        // Row k of 8 lanes: the halves of two quads (0x44 picks the low 256 bits of each
        // source, 0xee the high).
        for h in 0..2 {
            let rows = [
                _mm512_shuffle_f64x2::<0x44>(lo[2 * h], lo[2 * h + 1]),
                _mm512_shuffle_f64x2::<0xee>(lo[2 * h], lo[2 * h + 1]),
                _mm512_shuffle_f64x2::<0x44>(hi[2 * h], hi[2 * h + 1]),
                _mm512_shuffle_f64x2::<0xee>(hi[2 * h], hi[2 * h + 1]),
            ];
            for (row, v) in to.iter_mut().zip(rows) {
                let dst = &mut row[8 * h..8 * h + 8];
                // SAFETY: `dst` is 8 f64 in bounds (the slice checks it); storeu needs no
                // alignment.
                unsafe { _mm512_storeu_pd(dst.as_mut_ptr(), v) };
            }
        }
    }

    /// [`super::scatter`] of a full run (`len` = [`KRATE`]) with AVX-512 loads and shuffles.
    ///
    /// # Safety
    /// As [`gather_full`].
    #[inline(always)]
    pub unsafe fn scatter_full(y: &[[f32; LANES]; KRATE], outs: &mut [&mut [f32]], start: usize) {
        let mut rows = [_mm512_setzero_ps(); 16];
        for (row, src) in rows.iter_mut().zip(y) {
            // SAFETY: `src` is 16 f32; loadu needs no alignment.
            *row = unsafe { _mm512_loadu_ps(src.as_ptr()) };
        }
        let cols = transpose(rows);
        for (o, v) in outs.iter_mut().take(LANES).zip(cols) {
            let dst = &mut o[start..start + KRATE];
            // SAFETY: `dst` is 16 f32 in bounds (the slice checks it); storeu needs no alignment.
            unsafe { _mm512_storeu_ps(dst.as_mut_ptr(), v) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::simd::{detect, Level};

    /// Test values: ordinary numbers, signed zeros, infinities, NaNs with payloads, subnormals.
    fn value(i: usize) -> f32 {
        match i % 23 {
            0 => -0.0,
            5 => f32::INFINITY,
            9 => f32::from_bits(0x7fc0_1234),
            13 => f32::from_bits(0xff80_0001 | (i as u32) << 4),
            17 => f32::from_bits(1 + i as u32),
            _ => ((i * 7919) % 1013) as f32 / 37.0 - 13.3,
        }
    }

    /// The AVX-512 gathers and scatter move exactly the bits of their scalar twins, for a full
    /// group of lanes and for fewer outputs than lanes, at several starts. Bound: 0 ulp (they
    /// compute nothing but an exact widening).
    #[test]
    fn avx512_transposes_equal_scalar() {
        if detect() < Level::Avx512 {
            eprintln!("no AVX-512 on this CPU: the scalar transposes are the only path");
            return;
        }
        let n = 3 * KRATE + 5;
        let data: Vec<Vec<f32>> = (0..LANES)
            .map(|l| (0..n).map(|i| value(l * 1000 + i)).collect())
            .collect();
        let xs: [&[f32]; LANES] = std::array::from_fn(|l| &data[l][..]);
        for start in [0, 1, KRATE, n - KRATE] {
            let mut want = [[0.0f64; LANES]; KRATE];
            let mut got = [[1.0f64; LANES]; KRATE];
            gather(&xs, start, KRATE, &mut want);
            // SAFETY: detect() found AVX-512 F on this CPU.
            unsafe { gather_avx512(&xs, start, &mut got) };
            for r in 0..KRATE {
                for l in 0..LANES {
                    assert_eq!(
                        got[r][l].to_bits(),
                        want[r][l].to_bits(),
                        "gather at {start}: frame {r}, lane {l}"
                    );
                }
            }

            let sets: Vec<Vec<[f64; 4]>> = (0..LANES)
                .map(|l| {
                    (0..start + 2)
                        .map(|t| std::array::from_fn(|k| value(l * 97 + t * 5 + k) as f64 * 1.1))
                        .collect()
                })
                .collect();
            let sets: [&[[f64; 4]]; LANES] = std::array::from_fn(|l| &sets[l][..]);
            for t in [0, start + 1] {
                let mut want = [[0.0f64; LANES]; 4];
                let mut got = [[1.0f64; LANES]; 4];
                gather_sets(&sets, t, &mut want);
                // SAFETY: detect() found AVX-512 F on this CPU.
                unsafe { gather_sets_avx512(&sets, t, &mut got) };
                for k in 0..4 {
                    for l in 0..LANES {
                        assert_eq!(
                            got[k][l].to_bits(),
                            want[k][l].to_bits(),
                            "sets {t}: coefficient {k}, lane {l}"
                        );
                    }
                }
            }

            let y: [[f32; LANES]; KRATE] =
                std::array::from_fn(|r| std::array::from_fn(|l| value(start + 31 * r + l)));
            for m in [LANES, 5, 1] {
                let mut a = vec![vec![0.5f32; n]; m];
                let mut b = a.clone();
                let mut oa: Vec<&mut [f32]> = a.iter_mut().map(|v| &mut v[..]).collect();
                let mut ob: Vec<&mut [f32]> = b.iter_mut().map(|v| &mut v[..]).collect();
                scatter(&y, &mut oa, start, KRATE);
                // SAFETY: detect() found AVX-512 F on this CPU.
                unsafe { scatter_avx512(&y, &mut ob, start) };
                for l in 0..m {
                    for i in 0..n {
                        assert_eq!(
                            a[l][i].to_bits(),
                            b[l][i].to_bits(),
                            "scatter at {start}, {m} lanes: lane {l}, frame {i}"
                        );
                    }
                }
            }
        }
    }
}
