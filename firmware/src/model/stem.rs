//! A network's first convolution — a few input channels (the image's three), a small kernel —
//! computed directly, with the ReLU6 after it, where the CPU has a kernel for it.
//!
//! tract 0.23.9 runs every convolution as a matrix product. For the image stem that means
//! gathering 27 (3×3×3) or 75 (5×5×3) values a pixel into panels (`LazyIm2col`) and running
//! tiles sized for deep products on a product of depth 27; and in the hand-landmark network the
//! ReLU6 after it was a further pass over its 1.2 MB output (tract fuses a clamp into a matrix
//! product, but there a reshape sits between them). On an AMD EPYC (one core, `beckon bench
//! --profile`) the landmark network's stem took 0.57 + 0.25 ms of 6.7 where onnxruntime's took
//! 0.29, and the palm detector's 0.88 ms.
//!
//! [`StemConv`] reads the channels-last image as it is: for a few output pixels of a row at a
//! time, each kernel tap's weights (all output channels) are loaded once and multiplied with
//! each pixel's input value broadcast, accumulating in registers; bias, clamp and store once at
//! the end. [`apply`] puts it in a model's plan in place of tract's `Conv` where the shape fits
//! (f32, channels-last, one group, no dilation, no padding left — `model::input` moves the
//! stem's padding into the input —, at most 4 input channels, 8 to 32 output channels in
//! eights) and the CPU has AVX2 and FMA (AVX-512F where it has it: `stem/x86_64.rs`); elsewhere
//! (a Pi's NEON, f16 plans) tract keeps it.
//! The same sums as tract's up to the order of float additions (each tap in order, bias last).

use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::cnn::{Conv, KernelFormat};
use tract_onnx::tract_core::ops::nn::DataFormat;

/// Input channels a stem may have (an image: 3; a grey or RGBA one: 1, 4).
const MAX_INPUT_CHANNELS: usize = 4;
/// Output channels in vectors of 8 the kernel handles (8, 16, 24, 32).
const MAX_VECTORS: usize = 4;

/// Whether this CPU has the direct stem kernel.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The instruction set the direct kernels run with on this CPU: AVX-512F where it has it
/// (twice the lanes a multiply-add), else AVX2 + FMA; none elsewhere.
pub fn instruction_set() -> Option<&'static str> {
    if !available() {
        return None;
    }
    Some(if wide() { "avx512f" } else { "avx2+fma" })
}

/// Whether the kernels take their AVX-512 form here.
pub(super) fn wide() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Replaces the f32 model's stem convolutions that fit (module docs) with [`StemConv`], taking
/// in the `Max`/`Min` by a constant after each (a ReLU6). Returns how many it replaced; none
/// where the CPU has no kernel.
pub fn apply(model: &mut TypedModel) -> TractResult<usize> {
    if !available() {
        return Ok(0);
    }
    let mut replaced = 0;
    for id in model.eval_order()? {
        let Some(stem) = stem_for(model, id)? else { continue };
        let node = model.node(id);
        let (name, data) = (node.name.clone(), node.inputs[0]);
        // The clamps that follow, each the conv's (or the previous clamp's) only successor.
        let (mut stem, mut last) = (stem, id);
        while let Some((next, op)) = clamp_after(model, last)? {
            stem = stem.then(op);
            last = next;
        }
        replace(model, &name, &[data], stem, last)?;
        replaced += 1;
    }
    Ok(replaced)
}

/// Wires `op` on `inputs` under `name` in place of the nodes up to `last`, which it computes.
pub(super) fn replace(model: &mut TypedModel, name: &str, inputs: &[OutletId], op: impl Into<Box<dyn TypedOp>>, last: usize) -> TractResult<()> {
    let mut patch = TypedModelPatch::default();
    let wires = inputs.iter().map(|&i| patch.tap_model(model, i)).collect::<TractResult<TVec<_>>>()?;
    let out = patch.wire_node(name, op.into(), &wires)?;
    patch.shunt_outside(model, OutletId::new(last, 0), out[0])?;
    patch.apply(model)
}

/// A [`StemConv`] for node `id` if it is a convolution the kernel computes.
fn stem_for(model: &TypedModel, id: usize) -> TractResult<Option<StemConv>> {
    let node = model.node(id);
    let Some(conv) = node.op_as::<Conv>() else { return Ok(None) };
    let spec = &conv.pool_spec;
    if conv.q_params.is_some() || conv.group != 1 || spec.data_format != DataFormat::NHWC || spec.kernel_shape.len() != 2 {
        return Ok(None);
    }
    if spec.dilations().iter().any(|&d| d != 1) || node.inputs.len() != 3 {
        return Ok(None);
    }
    let (cin, cout) = (spec.input_channels, spec.output_channels);
    if cin > MAX_INPUT_CHANNELS || cout % 8 != 0 || cout / 8 > MAX_VECTORS || cout == 0 {
        return Ok(None);
    }
    let input = model.outlet_fact(node.inputs[0])?;
    let output = model.outlet_fact(OutletId::new(id, 0))?;
    let (Some(in_shape), Some(out_shape)) = (input.shape.as_concrete(), output.shape.as_concrete()) else { return Ok(None) };
    if input.datum_type != f32::datum_type() || output.datum_type != f32::datum_type() {
        return Ok(None);
    }
    let &[1, in_h, in_w, c] = in_shape else { return Ok(None) };
    let &[1, out_h, out_w, c_out] = out_shape else { return Ok(None) };
    if c != cin || c_out != cout || spec.computed_padding(&[in_h, in_w]).iter().any(|p| p.pad_before != 0 || p.pad_after != 0) {
        return Ok(None);
    }
    let (Some(kernel), Some(bias)) = (model.outlet_fact(node.inputs[1])?.konst.clone(), model.outlet_fact(node.inputs[2])?.konst.clone()) else {
        return Ok(None);
    };
    let (kh, kw) = (spec.kernel_shape[0], spec.kernel_shape[1]);
    let (sh, sw) = (spec.stride(0), spec.stride(1));
    if (out_h - 1) * sh + kh > in_h || (out_w - 1) * sw + kw > in_w {
        return Ok(None);
    }
    let kernel = kernel.cast_to::<f32>()?;
    let kernel = kernel.try_as_plain_ram()?;
    let kernel = kernel.to_array_view::<f32>()?;
    let expected: [usize; 4] = match conv.kernel_fmt {
        KernelFormat::OIHW => [cout, cin, kh, kw],
        KernelFormat::HWIO => [kh, kw, cin, cout],
        KernelFormat::OHWI => [cout, kh, kw, cin],
    };
    if kernel.shape() != expected {
        return Ok(None);
    }
    // Weights as [ky][kx][ci][co]: one tap's output channels contiguous.
    let mut weights = Vec::with_capacity(kh * kw * cin * cout);
    for ky in 0..kh {
        for kx in 0..kw {
            for ci in 0..cin {
                for co in 0..cout {
                    weights.push(match conv.kernel_fmt {
                        KernelFormat::OIHW => kernel[[co, ci, ky, kx]],
                        KernelFormat::HWIO => kernel[[ky, kx, ci, co]],
                        KernelFormat::OHWI => kernel[[co, ky, kx, ci]],
                    });
                }
            }
        }
    }
    let bias = bias.cast_to::<f32>()?;
    let bias = bias.try_as_plain_ram()?.as_slice::<f32>()?.to_vec();
    let bias = match bias.len() {
        1 => vec![bias[0]; cout],
        n if n == cout => bias,
        _ => return Ok(None),
    };
    let geometry = Geometry { in_w, cin, kh, kw, sh, sw, out_h, out_w, cout };
    Ok(Some(StemConv { geometry, weights: Floats(weights), bias: Floats(bias), clamp: Clamp::NONE }))
}

/// The successor of node `id` if it is its only one and a `Max` or `Min` by an f32 constant.
pub(super) fn clamp_after(model: &TypedModel, id: usize) -> TractResult<Option<(usize, Bound)>> {
    if model.output_outlets()?.contains(&OutletId::new(id, 0)) {
        return Ok(None);
    }
    let Some(succ) = model.single_succ(id)? else { return Ok(None) };
    let Some(op) = succ.op_as::<TypedBinOp>() else { return Ok(None) };
    if succ.inputs.len() != 2 {
        return Ok(None);
    }
    let other = succ.inputs[(succ.inputs[0].node == id) as usize];
    let Some(k) = model.outlet_fact(other)?.konst.clone() else { return Ok(None) };
    if other.node == id || k.datum_type() != f32::datum_type() || k.len() != 1 {
        return Ok(None);
    }
    if model.outlet_fact(OutletId::new(succ.id, 0))?.shape != model.outlet_fact(OutletId::new(id, 0))?.shape {
        return Ok(None);
    }
    let k = k.cast_to_scalar::<f32>()?;
    Ok(match op.0.name() {
        "Max" => Some((succ.id, Bound::Max(k))),
        "Min" => Some((succ.id, Bound::Min(k))),
        _ => None,
    })
}

/// A `Max` or `Min` by a constant after a convolution.
pub(super) enum Bound {
    Max(f32),
    Min(f32),
}

/// `min(max(x, lo), hi)`, as the bits of `lo` and `hi` (an operator must be `Eq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Clamp(u32, u32);

impl Clamp {
    pub(super) const NONE: Clamp = Clamp(f32::NEG_INFINITY.to_bits(), f32::INFINITY.to_bits());

    /// This clamp followed by `bound`, in the same form: with `lo ≤ hi`,
    /// `max(min(max(x, lo), hi), k) = min(max(x, max(lo, k)), max(hi, k))`, and `min(·, k)`
    /// lowers `hi`.
    pub(super) fn then(self, bound: Bound) -> Clamp {
        let (lo, hi) = self.bounds();
        let (lo, hi) = match bound {
            Bound::Max(k) => (lo.max(k), hi.max(k)),
            Bound::Min(k) => (lo, hi.min(k)),
        };
        Clamp(lo.to_bits(), hi.to_bits())
    }

    pub(super) fn bounds(self) -> (f32, f32) {
        (f32::from_bits(self.0), f32::from_bits(self.1))
    }
}

/// Where the stem reads and writes: an `[1, H, W, cin]` input with `in_w` columns, a `kh × kw`
/// kernel at strides `sh`, `sw`, an `[1, out_h, out_w, cout]` output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Geometry {
    in_w: usize,
    cin: usize,
    kh: usize,
    kw: usize,
    sh: usize,
    sw: usize,
    out_h: usize,
    out_w: usize,
    cout: usize,
}

/// f32s compared by their bits (an operator must be `Eq`).
#[derive(Debug, Clone)]
pub(super) struct Floats(pub(super) Vec<f32>);

impl PartialEq for Floats {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| a.to_bits() == b.to_bits())
    }
}
impl Eq for Floats {}

/// A stem convolution computed directly (module docs): bias, then `min(max(x, lo), hi)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StemConv {
    geometry: Geometry,
    /// `[ky][kx][ci][co]`.
    weights: Floats,
    bias: Floats,
    pub(super) clamp: Clamp,
}

impl StemConv {
    fn then(mut self, bound: Bound) -> Self {
        self.clamp = self.clamp.then(bound);
        self
    }
}

impl Op for StemConv {
    fn name(&self) -> StaticName {
        "BeckonStemConv".into()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        let (g, (lo, hi)) = (&self.geometry, self.clamp.bounds());
        Ok(vec![format!("{}×{} kernel, stride {}×{}, {} → {} channels, clamped to {lo}..{hi}", g.kh, g.kw, g.sh, g.sw, g.cin, g.cout)])
    }

    fn validation(&self) -> Validation {
        Validation::Rounding
    }

    op_as_typed_op!();
}

impl EvalOp for StemConv {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let g = &self.geometry;
        let input = inputs[0].try_as_plain_ram()?;
        let input = input.as_slice::<f32>()?;
        let rows = input.len() / (g.in_w * g.cin);
        ensure!(input.len() == rows * g.in_w * g.cin && (g.out_h - 1) * g.sh + g.kh <= rows, "stem input of {} values", input.len());
        ensure!(available(), "no stem kernel on this CPU");
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
        let mut output = unsafe { Tensor::uninitialized::<f32>(&[1, g.out_h, g.out_w, g.cout])? };
        #[cfg(target_arch = "x86_64")]
        {
            let mut out = output.try_as_plain_ram_mut()?;
            let out = out.as_slice_mut::<f32>()?;
            let (weights, bias, clamp) = (&self.weights.0, &self.bias.0, self.clamp.bounds());
            // SAFETY: the CPU has AVX-512F, or `available()` found AVX2 and FMA; the sizes were
            // checked against the geometry above and at `apply`.
            if wide() {
                unsafe { x86_64::run_avx512(g, input, weights, bias, clamp, out) };
            } else {
                unsafe { x86_64::run(g, input, weights, bias, clamp, out) };
            }
        }
        Ok(tvec!(output.into_tvalue()))
    }
}

impl TypedOp for StemConv {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs.len() == 1 && inputs[0].datum_type == f32::datum_type());
        let g = &self.geometry;
        Ok(tvec!(f32::fact([1, g.out_h, g.out_w, g.cout])))
    }

    fn cost(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<(Cost, TDim)>> {
        let g = &self.geometry;
        Ok(tvec!((Cost::FMA(f32::datum_type()), (g.out_h * g.out_w * g.kh * g.kw * g.cin * g.cout).into())))
    }

    as_op!();
}

#[cfg(target_arch = "x86_64")]
mod x86_64;
