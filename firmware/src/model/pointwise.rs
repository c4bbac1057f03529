//! 1×1 convolutions (up to 256 × 256 weights; 512 × 256 with AVX-512) computed directly, with
//! their bias, ReLU6 and the residual addition after them, where the CPU has a kernel for it.
//!
//! A channels-last 1×1 convolution is a matrix product, pixels × input channels by input ×
//! output channels. tract 0.23.9 packs the pixels' side into panels (`OptMatMulPack`) and runs
//! tiles sized for deep products; in the hand-landmark network most of these products are 16 or
//! 24 deep over 3,136–12,544 pixels, where the packing and each tile's set-up and store weigh
//! more than the arithmetic: on an AMD EPYC (one core) its 16 → 64 expansion at 112×112 took
//! 0.55 ms where onnxruntime's took 0.34, and the two 16 → 96 at 56×56 0.24 ms each against 0.13.
//!
//! [`Pointwise`] reads the pixels as they are: six pixels at a time (twelve with AVX-512), each
//! input channel's row of weights (sixteen output channels; 32) loaded once and multiplied with
//! the pixels' values broadcast, sums in registers; bias, clamp, the residual and a PReLU after
//! them applied at the store. [`apply`] puts it in place of tract's `EinSum` where the product is such a convolution
//! (f32, the input's channels innermost or outermost, output channels in eights and last — or
//! first, with AVX-512 —, at most [`MAX_WEIGHTS`] weights, [`MAX_WEIGHTS_WIDE`] with AVX-512) and
//! the CPU has AVX2 and FMA (as [`super::stem`]); larger products keep tract's tiles, which are
//! faster there. Each output's sum runs over the input channels in order, as tract's kernels do
//! for these products: where tract stores channels-last, the shipped networks' outputs are
//! bit-identical with and without it.

use super::stem::{Clamp, Floats, available, clamp_after, replace, wide};
use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::einsum::EinSum;

/// The most weights (input × output channels) computed here: 256 KB of f32. The kernel reads
/// all of them for every six pixels, so they must stay near the core. Measured on the AMD EPYC
/// (one core, `beckon bench --profile`, MobileNet v1): up to 256 → 256 it beat tract or tied
/// (32 → 64 at 112×112 0.49 against 0.83 ms, 128 → 128 at 56×56 1.04 against 1.36, 256 → 256 at
/// 28×28 0.95 against 1.00); beyond, tract's tiles won (256 → 512 at 14×14 0.75 against 0.52,
/// 512 → 512 1.4–1.7 against 0.98, 512 → 1024 at 7×7 1.47 against 0.60).
pub const MAX_WEIGHTS: usize = 256 * 256;

/// The bound with the AVX-512 kernel, which reads the weights once every twelve pixels (not
/// six): 512 KB, so the landmark network's 112 ↔ 672 products at 7×7 are computed here. On an
/// Intel Xeon (one core, `beckon bench`, two alternations) its p50 went 3.97 / 3.92 → 3.79 / 3.74
/// ms with it, MobileNet v1 unchanged (12.3–12.6 ms); with no bound MobileNet v1 took 15.4.
pub const MAX_WEIGHTS_WIDE: usize = 512 * 256;

/// Replaces the model's 1×1 convolutions that fit (module docs) with [`Pointwise`], taking in
/// the bias addition, `Max`/`Min` by a constant, residual addition and PReLU after each. Returns how
/// many it replaced; none where the CPU has no kernel.
pub fn apply(model: &mut TypedModel) -> TractResult<usize> {
    if !available() {
        return Ok(0);
    }
    let mut replaced = 0;
    for id in model.eval_order()? {
        let Some(mut op) = pointwise_for(model, id)? else { continue };
        let node = model.node(id);
        let (name, data) = (node.name.clone(), node.inputs[0]);
        let mut last = id;
        if let Some((next, bias)) = bias_after(model, last, op.m)? {
            op.bias = Floats(bias);
            last = next;
        }
        while let Some((next, bound)) = clamp_after(model, last)? {
            op.clamp = op.clamp.then(bound);
            last = next;
        }
        let mut inputs = vec![data];
        if let Some((next, other)) = residual_after(model, last)? {
            inputs.push(other);
            last = next;
        }
        if let Some((next, slope)) = prelu_after(model, last, op.m, op.out_channels_last)? {
            op.slope = Some(Floats(slope));
            last = next;
        }
        op.shape = model.outlet_fact(OutletId::new(last, 0))?.shape.as_concrete().map(|s| s.to_vec()).unwrap_or_default();
        replace(model, &name, &inputs, op, last)?;
        replaced += 1;
    }
    Ok(replaced)
}

/// A [`Pointwise`] for node `id` if it is a product the kernel computes.
fn pointwise_for(model: &TypedModel, id: usize) -> TractResult<Option<Pointwise>> {
    let node = model.node(id);
    let Some(einsum) = node.op_as::<EinSum>() else { return Ok(None) };
    if einsum.q_params.is_some() || einsum.operating_dt != f32::datum_type() || node.inputs.len() != 2 {
        return Ok(None);
    }
    let (inputs, outputs) = einsum.axes.to_strs();
    let (Some(a), Some(w), Some(o)) = (inputs.first(), inputs.get(1), outputs.first()) else { return Ok(None) };
    let (a, w, o): (Vec<char>, Vec<char>, Vec<char>) = (a.chars().collect(), w.chars().collect(), o.chars().collect());
    let input = model.outlet_fact(node.inputs[0])?;
    let output = model.outlet_fact(OutletId::new(id, 0))?;
    let (Some(in_shape), Some(out_shape)) = (input.shape.as_concrete(), output.shape.as_concrete()) else { return Ok(None) };
    if input.datum_type != f32::datum_type() || w.len() != 2 || a.len() != in_shape.len() || o.len() != out_shape.len() {
        return Ok(None);
    }
    // Weights `[m, k]`: m is the output's last axis, or its first with the AVX-512 kernel (which
    // stores channels-first); k is not in the output, and in the input either its last axis
    // (channels-last) or its first one of more than one element (channels-first, as tract
    // leaves some narrow maps between 1×1 convolutions).
    let (m_axis, k_axis) = (w[0], w[1]);
    if o.contains(&k_axis) || a.contains(&m_axis) {
        return Ok(None);
    }
    let Some(m_at) = o.iter().position(|&c| c == m_axis) else { return Ok(None) };
    let out_channels_last = m_at == o.len() - 1;
    if !out_channels_last && (!wide() || out_shape[..m_at].iter().any(|&d| d != 1)) {
        return Ok(None);
    }
    let Some(k_at) = a.iter().position(|&c| c == k_axis) else { return Ok(None) };
    let k = in_shape[k_at];
    let channels_last = k_at == a.len() - 1;
    if !channels_last && in_shape[..k_at].iter().any(|&d| d != 1) {
        return Ok(None);
    }
    // Every other axis in the same order in both (axes of one element may come and go).
    let kept =
        |axes: &[char], shape: &[usize]| axes.iter().zip(shape).filter(|&(&c, &d)| d != 1 && c != k_axis && c != m_axis).map(|(&c, _)| c).collect::<Vec<_>>();
    if kept(&a, in_shape) != kept(&o, out_shape) {
        return Ok(None);
    }
    let Some(weights) = model.outlet_fact(node.inputs[1])?.konst.clone() else { return Ok(None) };
    let m = out_shape[m_at];
    if weights.shape() != [m, k]
        || weights.datum_type() != f32::datum_type()
        || k * m > if wide() { MAX_WEIGHTS_WIDE } else { MAX_WEIGHTS }
        || m % 8 != 0
        || m == 0
    {
        return Ok(None);
    }
    let pixels = in_shape.iter().product::<usize>() / k;
    let weights = weights.try_as_plain_ram()?;
    let weights = weights.as_slice::<f32>()?;
    // As `[k][m]`: one input channel's weights for all outputs contiguous.
    let weights = (0..k).flat_map(|kk| (0..m).map(move |mm| (kk, mm))).map(|(kk, mm)| weights[mm * k + kk]).collect();
    Ok(Some(Pointwise {
        pixels,
        k,
        m,
        channels_last,
        out_channels_last,
        shape: out_shape.to_vec(),
        weights: Floats(weights),
        bias: Floats(vec![0.0; m]),
        clamp: Clamp::NONE,
        slope: None,
    }))
}

/// The successor of `id` if it is its only one and adds a constant per output channel.
fn bias_after(model: &TypedModel, id: usize, m: usize) -> TractResult<Option<(usize, Vec<f32>)>> {
    let Some((succ, other)) = single_add_after(model, id)? else { return Ok(None) };
    let Some(k) = model.outlet_fact(other)?.konst.clone() else { return Ok(None) };
    let shape = k.shape();
    if k.datum_type() != f32::datum_type() || shape.last() != Some(&m) || k.len() != m {
        return Ok(None);
    }
    Ok(Some((succ, k.try_as_plain_ram()?.as_slice::<f32>()?.to_vec())))
}

/// The successor of `id` if it is its only one and adds a computed tensor of its own shape.
fn residual_after(model: &TypedModel, id: usize) -> TractResult<Option<(usize, OutletId)>> {
    let Some((succ, other)) = single_add_after(model, id)? else { return Ok(None) };
    let fact = model.outlet_fact(other)?;
    let own = model.outlet_fact(OutletId::new(id, 0))?;
    if fact.konst.is_some() || fact.datum_type != f32::datum_type() || fact.shape != own.shape {
        return Ok(None);
    }
    if model.outlet_fact(OutletId::new(succ, 0))?.shape != own.shape {
        return Ok(None);
    }
    Ok(Some((succ, other)))
}

/// The successor of `id` if it is its only one and a PReLU ([`super::prelu::Prelu`]) of `id`'s
/// output with one constant slope per output channel, channels last: the slopes.
fn prelu_after(model: &TypedModel, id: usize, m: usize, out_channels_last: bool) -> TractResult<Option<(usize, Vec<f32>)>> {
    if !out_channels_last || model.output_outlets()?.contains(&OutletId::new(id, 0)) {
        return Ok(None);
    }
    let Some(succ) = model.single_succ(id)? else { return Ok(None) };
    let Some(op) = succ.op_as::<TypedBinOp>() else { return Ok(None) };
    if op.0.downcast_ref::<super::prelu::Prelu>().is_none() || succ.inputs.len() != 2 || succ.inputs[0].node != id || succ.inputs[1].node == id {
        return Ok(None);
    }
    let Some(k) = model.outlet_fact(succ.inputs[1])?.konst.clone() else { return Ok(None) };
    if k.datum_type() != f32::datum_type() || k.len() != m || k.shape().last() != Some(&m) {
        return Ok(None);
    }
    if model.outlet_fact(OutletId::new(succ.id, 0))?.shape != model.outlet_fact(OutletId::new(id, 0))?.shape {
        return Ok(None);
    }
    Ok(Some((succ.id, k.try_as_plain_ram()?.as_slice::<f32>()?.to_vec())))
}

/// `id`'s only successor if it is an `Add` of `id`'s output and something else (which).
fn single_add_after(model: &TypedModel, id: usize) -> TractResult<Option<(usize, OutletId)>> {
    if model.output_outlets()?.contains(&OutletId::new(id, 0)) {
        return Ok(None);
    }
    let Some(succ) = model.single_succ(id)? else { return Ok(None) };
    let Some(op) = succ.op_as::<TypedBinOp>() else { return Ok(None) };
    if op.0.name() != "Add" || succ.inputs.len() != 2 {
        return Ok(None);
    }
    let other = succ.inputs[(succ.inputs[0].node == id) as usize];
    if other.node == id {
        return Ok(None);
    }
    Ok(Some((succ.id, other)))
}

/// A 1×1 convolution of `pixels` × `k` into `m` channels, computed directly (module docs):
/// `clamp(x·w + bias) [+ residual]`, then PReLU where it has slopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointwise {
    pixels: usize,
    k: usize,
    m: usize,
    /// The input is `pixels × k` (else `k × pixels`).
    channels_last: bool,
    /// The output (and the residual) is `pixels × m` (else `m × pixels`, AVX-512 only).
    out_channels_last: bool,
    /// The output's shape (that of the last node taken in).
    shape: Vec<usize>,
    /// `[k][m]`.
    weights: Floats,
    bias: Floats,
    clamp: Clamp,
    /// PReLU's slope per output channel.
    slope: Option<Floats>,
}

impl Op for Pointwise {
    fn name(&self) -> StaticName {
        "BeckonPointwise".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        let (lo, hi) = self.clamp.bounds();
        let layout = |last: bool| if last { "channels-last" } else { "channels-first" };
        let (input, output) = (layout(self.channels_last), layout(self.out_channels_last));
        let prelu = if self.slope.is_some() { ", then PReLU" } else { "" };
        Ok(vec![format!("{} pixels ({input} → {output}), {} → {} channels, clamped to {lo}..{hi}{prelu}", self.pixels, self.k, self.m)])
    }

    fn validation(&self) -> Validation {
        Validation::Rounding
    }

    op_as_typed_op!();
}

impl EvalOp for Pointwise {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = inputs[0].try_as_plain_ram()?;
        let input = input.as_slice::<f32>()?;
        ensure!(input.len() == self.pixels * self.k, "1×1 convolution input of {} values", input.len());
        let residual = match inputs.get(1) {
            Some(r) => Some(r.try_as_plain_ram()?),
            None => None,
        };
        let residual = match &residual {
            Some(r) => Some(r.as_slice::<f32>()?),
            None => None,
        };
        ensure!(residual.is_none_or(|r| r.len() == self.pixels * self.m), "residual of another size");
        ensure!(available(), "no 1×1 convolution kernel on this CPU");
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
        let mut output = unsafe { Tensor::uninitialized::<f32>(&self.shape)? };
        #[cfg(target_arch = "x86_64")]
        {
            let mut out = output.try_as_plain_ram_mut()?;
            let out = out.as_slice_mut::<f32>()?;
            ensure!(out.len() == self.pixels * self.m, "output shape {:?}", self.shape);
            let (pixel_step, channel_step) = if self.channels_last { (self.k, 1) } else { (1, self.pixels) };
            let out_channel_step = if self.out_channels_last { 1 } else { self.pixels };
            let shape = x86_64::Shape { pixels: self.pixels, k: self.k, m: self.m, pixel_step, channel_step, out_channel_step };
            let slope = self.slope.as_ref().map(|s| &s.0[..]);
            ensure!(slope.is_none_or(|s| s.len() == self.m), "PReLU of {} slopes", slope.map_or(0, <[f32]>::len));
            let after = x86_64::After { bias: &self.bias.0, clamp: self.clamp.bounds(), residual, slope };
            if wide() {
                // SAFETY: the CPU has AVX-512F; every size was checked above.
                unsafe { x86_64::run_avx512(shape, input, &self.weights.0, after, out) };
            } else {
                ensure!(self.out_channels_last, "a channels-first 1×1 convolution output needs AVX-512");
                // SAFETY: `available()` found AVX2 and FMA; every size was checked above.
                unsafe { x86_64::run(shape, input, &self.weights.0, after, out) };
            }
        }
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for Pointwise {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!((1..=2).contains(&inputs.len()) && inputs.iter().all(|f| f.datum_type == f32::datum_type()));
        Ok(tvec!(f32::fact(&self.shape)))
    }

    fn cost(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        Ok(tvec!((Cost::FMA(f32::datum_type()), (self.pixels * self.k * self.m).into())))
    }

    as_op!();
}

#[cfg(target_arch = "x86_64")]
mod x86_64;
