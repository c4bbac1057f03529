//! The stem's kernels on x86-64: AVX2 + FMA, and AVX-512F where the CPU has it (one
//! 512-bit vector a multiply-add: on an Intel Xeon with two such units per core, twice the
//! arithmetic of AVX2).

use super::Geometry;
use std::arch::x86_64::*;

/// The stem over the whole output, `cout / 8` vectors of channels, a few pixels at a time:
/// as many as keep the accumulators, one tap's weights and a broadcast value within 15 of
/// the 16 registers (at 16 and 17 the compiler spilled and the stems took twice as long:
/// 0.29 and 0.89 ms against 0.16 and 0.44, AMD EPYC).
///
/// # Safety
/// AVX2 and FMA; `input` holds the rows the geometry reads, `out` is `out_h × out_w × cout`,
/// `weights` `kh × kw × cin × cout`, `bias` `cout`.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn run(g: &Geometry, input: &[f32], weights: &[f32], bias: &[f32], clamp: (f32, f32), out: &mut [f32]) {
    debug_assert!(out.len() == g.out_h * g.out_w * g.cout && weights.len() == g.kh * g.kw * g.cin * g.cout);
    unsafe {
        match g.cout / 8 {
            1 => rows::<1, 6>(g, input, weights, bias, clamp, out),
            2 => rows::<2, 6>(g, input, weights, bias, clamp, out),
            3 => rows::<3, 3>(g, input, weights, bias, clamp, out),
            4 => rows::<4, 2>(g, input, weights, bias, clamp, out),
            _ => unreachable!("apply takes 8 to 32 channels"),
        }
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn rows<const V: usize, const P: usize>(g: &Geometry, input: &[f32], weights: &[f32], bias: &[f32], clamp: (f32, f32), out: &mut [f32]) {
    for oy in 0..g.out_h {
        let mut ox = 0;
        while ox + P <= g.out_w {
            unsafe { block::<V, P>(g, input, weights, bias, clamp, out, oy, ox) };
            ox += P;
        }
        while ox < g.out_w {
            unsafe { block::<V, 1>(g, input, weights, bias, clamp, out, oy, ox) };
            ox += 1;
        }
    }
}

/// As [`run`] with AVX-512: 32 channels in two vectors (the last limited to eight lanes for
/// 8 and 24), twelve pixels at a time, then four, then one: 24 accumulators and a tap's two
/// weight vectors of the 32 registers, the input broadcast from memory into each
/// multiply-add. The same sums in the same order as [`run`].
///
/// # Safety
/// AVX-512F; the slices as [`run`]'s.
#[target_feature(enable = "avx512f")]
pub unsafe fn run_avx512(g: &Geometry, input: &[f32], weights: &[f32], bias: &[f32], clamp: (f32, f32), out: &mut [f32]) {
    debug_assert!(out.len() == g.out_h * g.out_w * g.cout && weights.len() == g.kh * g.kw * g.cin * g.cout);
    let mask: __mmask16 = if g.cout.is_multiple_of(16) { 0xffff } else { 0x00ff };
    unsafe {
        if g.cout > 16 {
            rows512::<2>(g, input, weights, bias, clamp, out, mask);
        } else {
            rows512::<1>(g, input, weights, bias, clamp, out, mask);
        }
    }
}

/// Every output row in blocks of twelve pixels, then four, then one, `V` vectors of channels.
#[target_feature(enable = "avx512f")]
unsafe fn rows512<const V: usize>(g: &Geometry, input: &[f32], weights: &[f32], bias: &[f32], clamp: (f32, f32), out: &mut [f32], mask: __mmask16) {
    for oy in 0..g.out_h {
        let mut ox = 0;
        unsafe {
            while ox + 12 <= g.out_w {
                block512::<V, 12>(g, input, weights, bias, clamp, out, oy, ox, mask);
                ox += 12;
            }
            while ox + 4 <= g.out_w {
                block512::<V, 4>(g, input, weights, bias, clamp, out, oy, ox, mask);
                ox += 4;
            }
            while ox < g.out_w {
                block512::<V, 1>(g, input, weights, bias, clamp, out, oy, ox, mask);
                ox += 1;
            }
        }
    }
}

/// [`block`] in 512-bit vectors, the last of the `V` limited to `mask`'s lanes.
#[target_feature(enable = "avx512f")]
#[inline]
#[allow(clippy::too_many_arguments)]
unsafe fn block512<const V: usize, const P: usize>(
    g: &Geometry,
    input: &[f32],
    weights: &[f32],
    bias: &[f32],
    (lo, hi): (f32, f32),
    out: &mut [f32],
    oy: usize,
    ox: usize,
    mask: __mmask16,
) {
    let lanes = |v: usize| if v + 1 == V { mask } else { 0xffff };
    unsafe {
        let mut acc = [[_mm512_setzero_ps(); V]; P];
        let row_taps = g.kw * g.cin;
        let pixel_step = g.sw * g.cin;
        for ky in 0..g.kh {
            let row = input.as_ptr().add(((oy * g.sh + ky) * g.in_w + ox * g.sw) * g.cin);
            let w_row = weights.as_ptr().add(ky * row_taps * g.cout);
            for t in 0..row_taps {
                let w = w_row.add(t * g.cout);
                let mut wv = [_mm512_setzero_ps(); V];
                for (v, wv) in wv.iter_mut().enumerate() {
                    *wv = _mm512_maskz_loadu_ps(lanes(v), w.add(16 * v));
                }
                for (p, acc) in acc.iter_mut().enumerate() {
                    let x = _mm512_set1_ps(*row.add(p * pixel_step + t));
                    for v in 0..V {
                        acc[v] = _mm512_fmadd_ps(x, wv[v], acc[v]);
                    }
                }
            }
        }
        let (lo, hi) = (_mm512_set1_ps(lo), _mm512_set1_ps(hi));
        for (p, acc) in acc.iter().enumerate() {
            let o = out.as_mut_ptr().add((oy * g.out_w + ox + p) * g.cout);
            for (v, &a) in acc.iter().enumerate() {
                let r = _mm512_add_ps(a, _mm512_maskz_loadu_ps(lanes(v), bias.as_ptr().add(16 * v)));
                _mm512_mask_storeu_ps(o.add(16 * v), lanes(v), _mm512_min_ps(_mm512_max_ps(r, lo), hi));
            }
        }
    }
}

/// `P` output pixels from `(oy, ox)` along a row: every tap, in order (ky, kx, ci), into
/// `P × V` accumulators, then bias, clamp, store.
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(clippy::too_many_arguments)]
unsafe fn block<const V: usize, const P: usize>(
    g: &Geometry,
    input: &[f32],
    weights: &[f32],
    bias: &[f32],
    (lo, hi): (f32, f32),
    out: &mut [f32],
    oy: usize,
    ox: usize,
) {
    unsafe {
        let mut acc = [[_mm256_setzero_ps(); V]; P];
        // Within an input row, the taps (kx, ci) are contiguous: offset kx · cin + ci.
        let row_taps = g.kw * g.cin;
        let pixel_step = g.sw * g.cin;
        for ky in 0..g.kh {
            let row = input.as_ptr().add(((oy * g.sh + ky) * g.in_w + ox * g.sw) * g.cin);
            let w_row = weights.as_ptr().add(ky * row_taps * g.cout);
            for t in 0..row_taps {
                let w = w_row.add(t * g.cout);
                let mut wv = [_mm256_setzero_ps(); V];
                for (v, wv) in wv.iter_mut().enumerate() {
                    *wv = _mm256_loadu_ps(w.add(8 * v));
                }
                for (p, acc) in acc.iter_mut().enumerate() {
                    let x = _mm256_broadcast_ss(&*row.add(p * pixel_step + t));
                    for v in 0..V {
                        acc[v] = _mm256_fmadd_ps(x, wv[v], acc[v]);
                    }
                }
            }
        }
        let (lo, hi) = (_mm256_set1_ps(lo), _mm256_set1_ps(hi));
        for (p, acc) in acc.iter().enumerate() {
            let o = out.as_mut_ptr().add((oy * g.out_w + ox + p) * g.cout);
            for (v, &a) in acc.iter().enumerate() {
                let r = _mm256_add_ps(a, _mm256_loadu_ps(bias.as_ptr().add(8 * v)));
                _mm256_storeu_ps(o.add(8 * v), _mm256_min_ps(_mm256_max_ps(r, lo), hi));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed spread of values in -1..1.
    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| ((i * 7919 + seed * 104729) % 1000) as f32 / 500.0 - 1.0).collect()
    }

    /// Every channel count and row tail (29 columns: 12 + 12 + 4 + 1), both kernel sizes the
    /// shipped networks have, clamped and not: the AVX-512 kernel's outputs are the AVX2
    /// kernel's, bit for bit.
    #[test]
    fn the_avx512_stem_gives_the_avx2_stems_outputs() {
        if !(is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            eprintln!("skipped: this CPU has no AVX-512F (or no AVX2 and FMA) to compare");
            return;
        }
        for cout in [8, 16, 24, 32] {
            for (k, stride, clamp) in [(3, 2, (0.0, 6.0)), (5, 1, (f32::NEG_INFINITY, f32::INFINITY))] {
                let (out_h, out_w, cin) = (3, 29, 3);
                let g = Geometry { in_w: (out_w - 1) * stride + k, cin, kh: k, kw: k, sh: stride, sw: stride, out_h, out_w, cout };
                let input = values(((out_h - 1) * stride + k) * g.in_w * cin, 1);
                let (weights, bias) = (values(k * k * cin * cout, 2), values(cout, 3));
                let mut a = vec![f32::NAN; out_h * out_w * cout];
                let mut b = vec![f32::NAN; out_h * out_w * cout];
                unsafe {
                    run(&g, &input, &weights, &bias, clamp, &mut a);
                    run_avx512(&g, &input, &weights, &bias, clamp, &mut b);
                }
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert!(a.iter().all(|x| x.is_finite()), "{cout} channels, {k}×{k}: AVX2 left outputs unwritten");
                assert_eq!(bits(&a), bits(&b), "{cout} channels, {k}×{k}");
            }
        }
    }
}
