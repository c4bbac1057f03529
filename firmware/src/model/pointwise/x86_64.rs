//! The 1×1 convolution's kernels on x86-64: AVX2 + FMA, and AVX-512F where the CPU has it.

use std::arch::x86_64::*;

#[derive(Clone, Copy)]
pub struct Shape {
    pub pixels: usize,
    pub k: usize,
    pub m: usize,
    /// Input elements from one pixel to the next, and from one channel to the next.
    pub pixel_step: usize,
    pub channel_step: usize,
    /// Output elements from one channel to the next: 1 (channels-last: `pixels × m`), or
    /// `pixels` (channels-first, `m × pixels`: the AVX-512 kernel only).
    pub out_channel_step: usize,
}

/// What happens to each sum before it is stored, in this order: the bias added, clamped to
/// `clamp`, the residual added, and PReLU (`x · slope` where `x < 0`) with one slope per channel.
#[derive(Clone, Copy)]
pub struct After<'a> {
    pub bias: &'a [f32],
    pub clamp: (f32, f32),
    pub residual: Option<&'a [f32]>,
    pub slope: Option<&'a [f32]>,
}

/// Six pixels at a time (one at the end), sixteen output channels at a time (eight at the
/// end): 12 accumulators, two weight vectors and a broadcast value in 15 of the 16 registers.
///
/// # Safety
/// AVX2 and FMA; `input` is `pixels × k` (or `k × pixels`, as the steps say), `weights` `k × m`,
/// the bias and slope `m`, the residual and `out` `pixels × m`.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn run(s: Shape, input: &[f32], weights: &[f32], after: After, out: &mut [f32]) {
    let mut p = 0;
    while p < s.pixels {
        let step = if p + 6 <= s.pixels { 6 } else { 1 };
        let mut c = 0;
        while c < s.m {
            unsafe {
                match (step, s.m - c >= 16) {
                    (6, true) => block::<2, 6>(s, input, weights, after, out, p, c),
                    (6, false) => block::<1, 6>(s, input, weights, after, out, p, c),
                    (_, true) => block::<2, 1>(s, input, weights, after, out, p, c),
                    (_, false) => block::<1, 1>(s, input, weights, after, out, p, c),
                }
            }
            c += if s.m - c >= 16 { 16 } else { 8 };
        }
        p += step;
    }
}

/// As [`run`] with AVX-512: twelve pixels at a time (one at the end), 32 output channels
/// at a time (16, then 8 under a mask, at the end): 24 accumulators and two weight vectors
/// of the 32 registers, each pixel's value broadcast from memory into its multiply-add.
/// The same sums in the same order as [`run`]: the outputs are identical.
///
/// # Safety
/// AVX-512F; the slices as [`run`]'s.
#[target_feature(enable = "avx512f")]
pub unsafe fn run_avx512(s: Shape, input: &[f32], weights: &[f32], after: After, out: &mut [f32]) {
    let mut p = 0;
    while p < s.pixels {
        let step = if p + 12 <= s.pixels { 12 } else { 1 };
        let mut c = 0;
        while c < s.m {
            let left = s.m - c;
            // The last vector's lanes: all sixteen, or the eight channels left.
            let mask: __mmask16 = if left >= 16 { 0xffff } else { 0x00ff };
            unsafe {
                match (step, left >= 32) {
                    (12, true) => block512::<2, 12>(s, input, weights, after, out, p, c, mask),
                    (12, false) => block512::<1, 12>(s, input, weights, after, out, p, c, mask),
                    (_, true) => block512::<2, 1>(s, input, weights, after, out, p, c, mask),
                    (_, false) => block512::<1, 1>(s, input, weights, after, out, p, c, mask),
                }
            }
            c += if left >= 32 { 32 } else { left.min(16) };
        }
        p += step;
    }
}

/// [`block`] in 512-bit vectors, the last of the `V` limited to `mask`'s lanes.
#[target_feature(enable = "avx512f")]
#[inline]
#[allow(clippy::too_many_arguments)]
unsafe fn block512<const V: usize, const P: usize>(
    s: Shape,
    input: &[f32],
    weights: &[f32],
    after: After,
    out: &mut [f32],
    p: usize,
    c: usize,
    mask: __mmask16,
) {
    let After { bias, clamp: (lo, hi), residual, slope } = after;
    let lanes = |v: usize| if v + 1 == V { mask } else { 0xffff };
    unsafe {
        let mut acc = [[_mm512_setzero_ps(); V]; P];
        let x = input.as_ptr().add(p * s.pixel_step);
        let w = weights.as_ptr().add(c);
        for kk in 0..s.k {
            let mut wv = [_mm512_setzero_ps(); V];
            for (v, wv) in wv.iter_mut().enumerate() {
                *wv = _mm512_maskz_loadu_ps(lanes(v), w.add(kk * s.m + 16 * v));
            }
            for (q, acc) in acc.iter_mut().enumerate() {
                let xv = _mm512_set1_ps(*x.add(q * s.pixel_step + kk * s.channel_step));
                for v in 0..V {
                    acc[v] = _mm512_fmadd_ps(xv, wv[v], acc[v]);
                }
            }
        }
        let (lo, hi) = (_mm512_set1_ps(lo), _mm512_set1_ps(hi));
        // Channels-first: a vector's sixteen channels lie `pixels` apart, scattered.
        let across = s.out_channel_step != 1;
        let lane_at = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi32(s.out_channel_step as i32));
        for (q, acc) in acc.iter().enumerate() {
            let at = if across { c * s.pixels + p + q } else { (p + q) * s.m + c };
            for (v, &a) in acc.iter().enumerate() {
                let b = _mm512_maskz_loadu_ps(lanes(v), bias.as_ptr().add(c + 16 * v));
                let mut r = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(a, b), lo), hi);
                let o = out.as_mut_ptr().add(at + 16 * v * s.out_channel_step);
                let res = residual.map(|res| res.as_ptr().add(at + 16 * v * s.out_channel_step));
                if let Some(res) = res {
                    let res =
                        if across { _mm512_mask_i32gather_ps::<4>(_mm512_setzero_ps(), lanes(v), lane_at, res) } else { _mm512_maskz_loadu_ps(lanes(v), res) };
                    r = _mm512_add_ps(r, res);
                }
                if let Some(slope) = slope {
                    let negative = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(r, _mm512_setzero_ps());
                    r = _mm512_mask_mul_ps(r, negative, r, _mm512_maskz_loadu_ps(lanes(v), slope.as_ptr().add(c + 16 * v)));
                }
                if across {
                    _mm512_mask_i32scatter_ps::<4>(o, lanes(v), lane_at, r);
                } else {
                    _mm512_mask_storeu_ps(o, lanes(v), r);
                }
            }
        }
    }
}

/// Pixels `p..p + P`, channels `c..c + 8V`: every input channel in order, then bias, clamp,
/// residual, PReLU, store.
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(clippy::too_many_arguments)]
unsafe fn block<const V: usize, const P: usize>(s: Shape, input: &[f32], weights: &[f32], after: After, out: &mut [f32], p: usize, c: usize) {
    let After { bias, clamp: (lo, hi), residual, slope } = after;
    unsafe {
        let mut acc = [[_mm256_setzero_ps(); V]; P];
        let x = input.as_ptr().add(p * s.pixel_step);
        let w = weights.as_ptr().add(c);
        for kk in 0..s.k {
            let mut wv = [_mm256_setzero_ps(); V];
            for (v, wv) in wv.iter_mut().enumerate() {
                *wv = _mm256_loadu_ps(w.add(kk * s.m + 8 * v));
            }
            for (q, acc) in acc.iter_mut().enumerate() {
                let xv = _mm256_broadcast_ss(&*x.add(q * s.pixel_step + kk * s.channel_step));
                for v in 0..V {
                    acc[v] = _mm256_fmadd_ps(xv, wv[v], acc[v]);
                }
            }
        }
        let (lo, hi) = (_mm256_set1_ps(lo), _mm256_set1_ps(hi));
        for (q, acc) in acc.iter().enumerate() {
            let at = (p + q) * s.m + c;
            for (v, &a) in acc.iter().enumerate() {
                let mut r = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(a, _mm256_loadu_ps(bias.as_ptr().add(c + 8 * v))), lo), hi);
                if let Some(res) = residual {
                    r = _mm256_add_ps(r, _mm256_loadu_ps(res.as_ptr().add(at + 8 * v)));
                }
                if let Some(slope) = slope {
                    let negative = _mm256_cmp_ps::<_CMP_LT_OQ>(r, _mm256_setzero_ps());
                    r = _mm256_blendv_ps(r, _mm256_mul_ps(r, _mm256_loadu_ps(slope.as_ptr().add(c + 8 * v))), negative);
                }
                _mm256_storeu_ps(out.as_mut_ptr().add(at + 8 * v), r);
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

    /// Output channels in every remainder of 32 the kernels split them by, 29 pixels (two
    /// blocks of 12, five single), channels-last and channels-first input, with and without a
    /// residual and a clamp: the AVX-512 kernel's outputs are the AVX2 kernel's, bit for bit,
    /// and stored channels-first (AVX-512 only) they are the same transposed.
    #[test]
    fn the_avx512_kernel_gives_the_avx2_kernels_outputs() {
        if !(is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            eprintln!("skipped: this CPU has no AVX-512F (or no AVX2 and FMA) to compare");
            return;
        }
        let (pixels, k) = (29, 24);
        for m in [8, 16, 24, 40, 64] {
            for channels_last in [true, false] {
                for (residual, clamp, prelu) in
                    [(false, (0.0, 6.0), false), (true, (f32::NEG_INFINITY, f32::INFINITY), false), (true, (f32::NEG_INFINITY, f32::INFINITY), true)]
                {
                    let (pixel_step, channel_step) = if channels_last { (k, 1) } else { (1, pixels) };
                    let s = Shape { pixels, k, m, pixel_step, channel_step, out_channel_step: 1 };
                    let input = values(pixels * k, 1);
                    let (weights, bias, res, slope) = (values(k * m, 2), values(m, 3), values(pixels * m, 4), values(m, 5));
                    let after = After { bias: &bias, clamp, residual: residual.then_some(&res[..]), slope: prelu.then_some(&slope[..]) };
                    let mut a = vec![f32::NAN; pixels * m];
                    let mut b = vec![f32::NAN; pixels * m];
                    unsafe {
                        run(s, &input, &weights, after, &mut a);
                        run_avx512(s, &input, &weights, after, &mut b);
                    }
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert!(a.iter().all(|x| x.is_finite()), "{m} channels: AVX2 left outputs unwritten");
                    assert_eq!(bits(&a), bits(&b), "{m} channels, channels-last {channels_last}, residual {residual}, PReLU {prelu}");
                    if prelu {
                        // PReLU as `model::prelu` computes it, after the rest.
                        let mut plain = vec![f32::NAN; pixels * m];
                        unsafe { run(s, &input, &weights, After { slope: None, ..after }, &mut plain) };
                        let want: Vec<f32> = plain.iter().enumerate().map(|(i, &x)| if x < 0.0 { x * slope[i % m] } else { x }).collect();
                        assert!(want.iter().any(|&x| x < 0.0) && want.iter().any(|&x| x > 0.0));
                        assert_eq!(bits(&want), bits(&a), "{m} channels: PReLU");
                    }
                    // Stored channels-first (the residual read so too): the same values, transposed.
                    let transpose = |v: &[f32], rows: usize, cols: usize| (0..cols).flat_map(|c| (0..rows).map(move |r| v[r * cols + c])).collect::<Vec<_>>();
                    let res_first = transpose(&res, pixels, m);
                    let mut t = vec![f32::NAN; pixels * m];
                    let s = Shape { out_channel_step: pixels, ..s };
                    unsafe { run_avx512(s, &input, &weights, After { residual: residual.then_some(&res_first[..]), ..after }, &mut t) };
                    assert_eq!(
                        bits(&transpose(&a, pixels, m)),
                        bits(&t),
                        "{m} channels stored channels-first, channels-last input {channels_last}, residual {residual}"
                    );
                }
            }
        }
    }
}
