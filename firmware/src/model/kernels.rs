//! Kernels beckon adds to tract, through tract-linalg's own kernel registry.
//!
//! tract-linalg collects its compute kernels with `inventory` and picks, per function and
//! datum type, the best one the running CPU can execute (`tract_linalg::routines::best_for`).
//! Any crate in the build may submit one; no patch to tract is needed, and a kernel written
//! this way can move upstream unchanged.
//!
//! - **Channel-inner depthwise convolution on x86-64 (AVX2 + FMA).** tract 0.23.9 runs a
//!   channels-last depthwise convolution through its `depthwise_c_f32` kernel, which exists for
//!   aarch64 and wasm only: on x86-64 it falls back to a scalar loop
//!   (`depth_wise::eval_c_inner_generic`), 26 % of the landmark network's time in `perf`. This
//!   is the aarch64 kernel's arithmetic (bias, then every tap in order with a fused multiply-add,
//!   so x86 and a Pi compute these layers alike) in AVX2 intrinsics, four output positions at
//!   a time so that each weight vector loaded serves four of them. A CPU without AVX2 and FMA keeps tract's loop. Figures in
//!   `models/BENCHMARKS.md`.
//! - **The same in AVX-512F**, sixteen channels a vector and the last few under a lane mask,
//!   chosen over the AVX2 one where the CPU has AVX-512 (tract's registry ranks it higher). The
//!   same operations in the same order: x86 with either kernel and a Pi give the same numbers.
//!
//! Nothing here is called directly: submitting is what installs it. [`depthwise_c_f32_name`]
//! says which kernel tract chose on this CPU (`beckon bench` prints it).

/// The name of the channel-inner depthwise kernel tract runs on this CPU, or `None` where it
/// has none and keeps its scalar loop.
pub fn depthwise_c_f32_name() -> Option<&'static str> {
    use tract_linalg::routines::{Func, best_for};
    use tract_onnx::prelude::DatumType;
    best_for(Func::DepthwiseC, DatumType::F32, &tract_linalg::isa::native()).map(|r| r.name())
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64 {
    use std::arch::x86_64::*;
    use tract_linalg::isa::{Arch, Isa, IsaReq};
    use tract_linalg::routines::{Func, Routine, RoutineFactory};

    /// The name tract reports for the kernel.
    pub const NAME: &str = "beckon_x86_64_avx2_fma_depthwise_c_f32";

    inventory::submit! {
        Routine {
            func: Func::DepthwiseC,
            arch: Some(Arch::X86_64),
            isa: IsaReq::ANY.needing(&[Isa::X86_64Avx2, Isa::X86_64Fma]),
            boost: 0,
            round_trip: false,
            factory: RoutineFactory::DepthwiseCF32 { name: NAME, run: depthwise_c_f32 },
        }
    }

    /// The name tract reports for the AVX-512 kernel.
    pub const NAME_AVX512: &str = "beckon_x86_64_avx512f_depthwise_c_f32";

    inventory::submit! {
        Routine {
            func: Func::DepthwiseC,
            arch: Some(Arch::X86_64),
            isa: IsaReq::ANY.needing(&[Isa::X86_64Avx512f]),
            boost: 0,
            round_trip: false,
            factory: RoutineFactory::DepthwiseCF32 { name: NAME_AVX512, run: depthwise_c_f32_avx512 },
        }
    }

    /// [`depthwise_c_f32`] in AVX-512: sixteen channels a vector, the last few masked.
    ///
    /// # Safety
    /// As [`depthwise_c_f32`], on a CPU with AVX-512F.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn depthwise_c_f32_avx512(
        input: *const f32,
        output: *mut f32,
        kernel: *const f32,
        tap_indices: &[usize],
        offsets: &[isize],
        bias: *const f32,
        channels: usize,
        k_stride: usize,
        len: usize,
        in_stride: isize,
        out_stride: isize,
    ) {
        unsafe { avx512f(input, output, kernel, tap_indices, offsets, bias, channels, k_stride, len, in_stride, out_stride) }
    }

    /// tract's `DepthwiseCF32` contract: `len` output positions of `channels` channels; point
    /// `i`, channel `c` is `bias[c]` plus every
    /// `kernel[tap_indices[t] * k_stride + c] * input[i * in_stride + offsets[t] + c]`.
    ///
    /// # Safety
    /// As tract's `DepthwiseCF32`: every element named above must be readable, `channels`
    /// values writable from `output.offset(i * out_stride)` for every `i` below `len`, and the
    /// CPU must have AVX2 and FMA (tract's registry only chooses this kernel where it does).
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn depthwise_c_f32(
        input: *const f32,
        output: *mut f32,
        kernel: *const f32,
        tap_indices: &[usize],
        offsets: &[isize],
        bias: *const f32,
        channels: usize,
        k_stride: usize,
        len: usize,
        in_stride: isize,
        out_stride: isize,
    ) {
        unsafe { avx2_fma(input, output, kernel, tap_indices, offsets, bias, channels, k_stride, len, in_stride, out_stride) }
    }

    /// Output positions computed together: each weight vector loaded once serves all of them,
    /// and their independent sums keep the FMA units busy.
    const POINTS: usize = 4;

    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn avx2_fma(
        input: *const f32,
        output: *mut f32,
        kernel: *const f32,
        tap_indices: &[usize],
        offsets: &[isize],
        bias: *const f32,
        channels: usize,
        k_stride: usize,
        len: usize,
        in_stride: isize,
        out_stride: isize,
    ) {
        let taps = tap_indices.len().min(offsets.len());
        let (tap_indices, offsets) = (&tap_indices[..taps], &offsets[..taps]);
        // Lanes 0..n of a tail of n < 8 channels: loads and stores touch nothing beyond them.
        let tail = channels % 8;
        let mask = _mm256_setr_epi32(lane(0, tail), lane(1, tail), lane(2, tail), lane(3, tail), lane(4, tail), lane(5, tail), lane(6, tail), lane(7, tail));
        let mut i = 0usize;
        while i < len {
            let points = POINTS.min(len - i);
            let (ins, outs) = unsafe { group(input, output, i, points, in_stride, out_stride) };
            unsafe {
                let mut c = 0usize;
                while c + 16 <= channels {
                    let b = [_mm256_loadu_ps(bias.add(c)), _mm256_loadu_ps(bias.add(c + 8))];
                    let mut acc = [b; POINTS];
                    for (&kix, &off) in tap_indices.iter().zip(offsets) {
                        let k = kernel.add(kix * k_stride + c);
                        let k = [_mm256_loadu_ps(k), _mm256_loadu_ps(k.add(8))];
                        for p in 0..POINTS {
                            let x = ins[p].offset(off).add(c);
                            acc[p][0] = _mm256_fmadd_ps(_mm256_loadu_ps(x), k[0], acc[p][0]);
                            acc[p][1] = _mm256_fmadd_ps(_mm256_loadu_ps(x.add(8)), k[1], acc[p][1]);
                        }
                    }
                    for p in 0..points {
                        _mm256_storeu_ps(outs[p].add(c), acc[p][0]);
                        _mm256_storeu_ps(outs[p].add(c + 8), acc[p][1]);
                    }
                    c += 16;
                }
                while c + 8 <= channels {
                    let mut acc = [_mm256_loadu_ps(bias.add(c)); POINTS];
                    for (&kix, &off) in tap_indices.iter().zip(offsets) {
                        let k = _mm256_loadu_ps(kernel.add(kix * k_stride + c));
                        for p in 0..POINTS {
                            acc[p] = _mm256_fmadd_ps(_mm256_loadu_ps(ins[p].offset(off).add(c)), k, acc[p]);
                        }
                    }
                    for p in 0..points {
                        _mm256_storeu_ps(outs[p].add(c), acc[p]);
                    }
                    c += 8;
                }
                if c < channels {
                    let mut acc = [_mm256_maskload_ps(bias.add(c), mask); POINTS];
                    for (&kix, &off) in tap_indices.iter().zip(offsets) {
                        let k = _mm256_maskload_ps(kernel.add(kix * k_stride + c), mask);
                        for p in 0..POINTS {
                            acc[p] = _mm256_fmadd_ps(_mm256_maskload_ps(ins[p].offset(off).add(c), mask), k, acc[p]);
                        }
                    }
                    for p in 0..points {
                        _mm256_maskstore_ps(outs[p].add(c), mask, acc[p]);
                    }
                }
            }
            i += points;
        }
    }

    /// As [`avx2_fma`], sixteen channels a vector: 32 at a time, then 16, then the rest under a
    /// lane mask (so a 24-channel layer takes one full and one masked vector, no scalar loop).
    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn avx512f(
        input: *const f32,
        output: *mut f32,
        kernel: *const f32,
        tap_indices: &[usize],
        offsets: &[isize],
        bias: *const f32,
        channels: usize,
        k_stride: usize,
        len: usize,
        in_stride: isize,
        out_stride: isize,
    ) {
        let taps = tap_indices.len().min(offsets.len());
        let (tap_indices, offsets) = (&tap_indices[..taps], &offsets[..taps]);
        let tail: __mmask16 = ((1u32 << (channels % 16)) - 1) as __mmask16;
        let mut i = 0usize;
        while i < len {
            let points = POINTS.min(len - i);
            let (ins, outs) = unsafe { group(input, output, i, points, in_stride, out_stride) };
            unsafe {
                let mut c = 0usize;
                while c + 32 <= channels {
                    let b = [_mm512_loadu_ps(bias.add(c)), _mm512_loadu_ps(bias.add(c + 16))];
                    let mut acc = [b; POINTS];
                    for (&kix, &off) in tap_indices.iter().zip(offsets) {
                        let k = kernel.add(kix * k_stride + c);
                        let k = [_mm512_loadu_ps(k), _mm512_loadu_ps(k.add(16))];
                        for p in 0..POINTS {
                            let x = ins[p].offset(off).add(c);
                            acc[p][0] = _mm512_fmadd_ps(_mm512_loadu_ps(x), k[0], acc[p][0]);
                            acc[p][1] = _mm512_fmadd_ps(_mm512_loadu_ps(x.add(16)), k[1], acc[p][1]);
                        }
                    }
                    for p in 0..points {
                        _mm512_storeu_ps(outs[p].add(c), acc[p][0]);
                        _mm512_storeu_ps(outs[p].add(c + 16), acc[p][1]);
                    }
                    c += 32;
                }
                while c < channels {
                    let mask = if c + 16 <= channels { 0xffff } else { tail };
                    let mut acc = [_mm512_maskz_loadu_ps(mask, bias.add(c)); POINTS];
                    for (&kix, &off) in tap_indices.iter().zip(offsets) {
                        let k = _mm512_maskz_loadu_ps(mask, kernel.add(kix * k_stride + c));
                        for p in 0..POINTS {
                            acc[p] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, ins[p].offset(off).add(c)), k, acc[p]);
                        }
                    }
                    for p in 0..points {
                        _mm512_mask_storeu_ps(outs[p].add(c), mask, acc[p]);
                    }
                    c += 16;
                }
            }
            i += points;
        }
    }

    /// The input and output pointers of the `POINTS` positions from `i` (`points` of them real;
    /// positions past them repeat the last one: computed twice, stored once). Both kernels
    /// walk the output in these groups.
    ///
    /// # Safety
    /// As the kernels': positions `i..i + points` lie inside the run.
    #[inline(always)]
    unsafe fn group(
        input: *const f32,
        output: *mut f32,
        i: usize,
        points: usize,
        in_stride: isize,
        out_stride: isize,
    ) -> ([*const f32; POINTS], [*mut f32; POINTS]) {
        let at = |p: usize| (i + p.min(points - 1)) as isize;
        (std::array::from_fn(|p| unsafe { input.offset(at(p) * in_stride) }), std::array::from_fn(|p| unsafe { output.offset(at(p) * out_stride) }))
    }

    /// All ones (a lane in use) for lanes below `n`.
    const fn lane(index: i32, n: usize) -> i32 {
        if (index as usize) < n { -1 } else { 0 }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::x86_64::{NAME, NAME_AVX512, depthwise_c_f32, depthwise_c_f32_avx512};

    fn has_avx2_fma() -> bool {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }

    fn has_avx512f() -> bool {
        std::is_x86_feature_detected!("avx512f")
    }

    /// tract's registry chooses the widest kernel the CPU can run (so `inventory` really linked
    /// them in), and its own scalar loop where it can run neither.
    #[test]
    fn tract_chooses_the_kernel_where_the_cpu_can_run_it() {
        let chosen = super::depthwise_c_f32_name();
        if has_avx512f() {
            assert_eq!(chosen, Some(NAME_AVX512));
        } else if has_avx2_fma() {
            assert_eq!(chosen, Some(NAME));
        } else {
            assert_eq!(chosen, None, "this CPU has no AVX2+FMA, so tract should keep its own loop");
        }
    }

    type Kernel = unsafe fn(*const f32, *mut f32, *const f32, &[usize], &[isize], *const f32, usize, usize, usize, isize, isize);

    #[test]
    fn the_avx2_kernel_computes_the_contract() {
        if !has_avx2_fma() {
            eprintln!("skipped: this CPU has no AVX2+FMA, so tract never runs the kernel here");
            return;
        }
        computes_the_contract(depthwise_c_f32);
    }

    #[test]
    fn the_avx512_kernel_computes_the_contract() {
        if !has_avx512f() {
            eprintln!("skipped: this CPU has no AVX-512F, so tract never runs the kernel here");
            return;
        }
        computes_the_contract(depthwise_c_f32_avx512);
    }

    /// Every channel count from 1 to 70 (the 32-, 16-, 8- and masked paths and their joins), runs of
    /// 1 to 9 positions (whole and partial groups of four), border zones with few taps, strides
    /// wider than the channels: the kernel agrees with the contract's formula computed in f64 to f32 rounding.
    fn computes_the_contract(depthwise_c_f32: Kernel) {
        let mut seed = 0x2545_f491_u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed as f32 / u32::MAX as f32) * 2.0 - 1.0
        };
        for channels in 1..=70usize {
            for (taps, len) in [(1usize, 1usize), (4, 3), (9, 4), (9, 5), (25, 9)] {
                let k_stride = channels + 3;
                let (in_stride, out_stride) = (channels as isize + 2, channels as isize + 1);
                let tap_indices: Vec<usize> = (0..taps).map(|t| (t * 7) % taps).collect();
                let offsets: Vec<isize> = (0..taps).map(|t| (t as isize) * (channels as isize + 5)).collect();
                let input_len = (len as isize * in_stride + offsets[taps - 1]) as usize + channels;
                let input: Vec<f32> = (0..input_len).map(|_| next()).collect();
                let kernel: Vec<f32> = (0..taps * k_stride).map(|_| next()).collect();
                let bias: Vec<f32> = (0..channels).map(|_| next()).collect();
                // A sentinel after each output run: nothing may be written past `channels`.
                let mut output = vec![f32::NAN; (len as isize * out_stride) as usize + 1];
                unsafe {
                    depthwise_c_f32(
                        input.as_ptr(),
                        output.as_mut_ptr(),
                        kernel.as_ptr(),
                        &tap_indices,
                        &offsets,
                        bias.as_ptr(),
                        channels,
                        k_stride,
                        len,
                        in_stride,
                        out_stride,
                    )
                };
                for i in 0..len {
                    for c in 0..channels {
                        let mut sum = bias[c] as f64;
                        for t in 0..taps {
                            sum += kernel[tap_indices[t] * k_stride + c] as f64 * input[(i as isize * in_stride + offsets[t]) as usize + c] as f64;
                        }
                        let got = output[i * out_stride as usize + c];
                        assert!((got as f64 - sum).abs() < 1e-5, "channels {channels}, taps {taps}, point {i}, channel {c}: {got} vs {sum}");
                    }
                    let after = output[i * out_stride as usize + channels];
                    assert!(after.is_nan(), "channels {channels}: wrote past the run");
                }
            }
        }
    }
}
