//! PReLU in one pass, and the ONNX reader that uses it.
//!
//! tract 0.23.9 expands `PRelu(x, a)` into a select, `Iff(0 > x, x·a, x)`, which runs element by
//! element through a generic broadcasting loop (11 % of the palm detector's time, 26 PReLUs).
//! beckon first rewrote it as `Relu(x) + a·min(x, 0)`, two of tract's vectorised chains
//! (`Min+Mul`, `Max+Add`): 3.5 ms of the detector's 13.9 ms in `beckon bench --profile`, two
//! passes over every map and a temporary. [`Prelu`] is one pass, in place: a binary operator
//! (`x`, the slope broadcast to it), so tract moves the slope's axes with the layout
//! (`model::layout`, channels-last) as it does a per-channel multiplication's, and where the slope
//! runs along the last axis (channels-last) each row of channels is a plain vectorised loop. The
//! numbers are the same, bit for bit: `x` where `x ≥ 0`, `x·a` where `x < 0`. Where a PReLU
//! follows a 1×1 convolution (25 of the palm detector's 26), [`super::pointwise`] takes it into
//! the convolution's store, the same arithmetic: no pass of its own (Intel Xeon, one core,
//! `beckon bench --profile`, three alternations: the detector 6.86 / 6.81 / 6.43 → 6.40 / 6.30 /
//! 6.15 ms).

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ndarray::Zip;
use tract_onnx::tract_core::ops::binary::BinMiniOp;
use tract_onnx::tract_hir::ops::binary::BinIntoHir;

/// tract's ONNX reader with `PRelu` read as [`Prelu`].
pub fn onnx() -> tract_onnx::Onnx {
    let mut onnx = tract_onnx::onnx();
    onnx.op_register.insert("PRelu", |_, _| Ok((Prelu.into_hir(), vec![])));
    onnx
}

/// `PRelu(x, slope)`: `x` where `x ≥ 0`, else `x · slope` (the slope broadcast to `x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prelu;

impl BinMiniOp for Prelu {
    fn name(&self) -> &'static str {
        "BeckonPrelu"
    }

    fn result_datum_type(&self, a: DatumType, b: DatumType) -> TractResult<DatumType> {
        if a == DatumType::F32 && b == DatumType::F32 {
            Ok(DatumType::F32)
        } else {
            Err(TractError::msg(format!("PRelu on {a:?} and {b:?}: beckon reads PRelu for f32 only")))
        }
    }

    fn is_commutative(&self) -> bool {
        false
    }

    fn eval_in_a(&self, a: &mut Tensor, b: &Tensor) -> TractResult<()> {
        let last = a.shape().last().copied().unwrap_or(1);
        let (a_shape, b_shape) = (a.shape().to_vec(), b.shape().to_vec());
        let b = b.try_as_plain_ram()?;
        let slope = b.as_slice::<f32>()?;
        let mut a = a.try_as_plain_ram_mut()?;
        if slope.len() == 1 {
            let s = slope[0];
            a.as_slice_mut::<f32>()?.iter_mut().for_each(|v| *v = if *v < 0.0 { *v * s } else { *v });
        } else if slope.len() == last && b_shape.last() == Some(&last) {
            // Channels-last: one slope per position along each row.
            for row in a.as_slice_mut::<f32>()?.chunks_exact_mut(last) {
                row.iter_mut().zip(slope).for_each(|(v, s)| *v = if *v < 0.0 { *v * s } else { *v });
            }
        } else {
            let slope = b.to_array_view::<f32>()?;
            let slope =
                slope.broadcast(a_shape.clone()).ok_or_else(|| TractError::msg(format!("PRelu: slope {b_shape:?} does not broadcast to {a_shape:?}")))?;
            Zip::from(a.to_array_view_mut::<f32>()?).and(slope).for_each(|v, s| *v = if *v < 0.0 { *v * s } else { *v });
        }
        Ok(())
    }

    fn eval_out_of_place(&self, c: &mut Tensor, a: &Tensor, b: &Tensor) -> TractResult<()> {
        let shape = c.shape().to_vec();
        let (a_shape, b_shape) = (a.shape().to_vec(), b.shape().to_vec());
        let (a, b) = (a.try_as_plain_ram()?, b.try_as_plain_ram()?);
        let mut c = c.try_as_plain_ram_mut()?;
        let x = a.to_array_view::<f32>()?;
        let x = x.broadcast(shape.clone()).ok_or_else(|| TractError::msg(format!("PRelu: {a_shape:?} does not broadcast to {shape:?}")))?;
        let slope = b.to_array_view::<f32>()?;
        let slope = slope.broadcast(shape.clone()).ok_or_else(|| TractError::msg(format!("PRelu: slope {b_shape:?} does not broadcast to {shape:?}")))?;
        Zip::from(c.to_array_view_mut::<f32>()?).and(x).and(slope).for_each(|c, x, s| *c = if *x < 0.0 { *x * s } else { *x });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped palm detector gives bit-identical outputs with its PReLUs as [`Prelu`], as
    /// the file is (channels-first: the general path) and channels-last (the rows path), against
    /// tract's own reading of the file.
    #[test]
    fn the_detector_computes_exactly_what_tract_computes_from_the_file() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/backbones/palm_detection_lite/detector.onnx");
        let run = |onnx: &tract_onnx::Onnx, layout: crate::model::Layout| {
            let typed = onnx.model_for_path(&path).unwrap().with_input_fact(0, f32::fact([1, 3, 192, 192]).into()).unwrap().into_typed().unwrap();
            let typed = crate::model::layout::apply(layout, typed.into_decluttered().unwrap()).unwrap();
            let prelus = typed.nodes().iter().filter(|n| n.op.name() == "BeckonPrelu").count();
            let plan = typed.into_optimized().unwrap().into_runnable().unwrap();
            // A smooth pattern with negative and positive pixels, so every PReLU sees both signs.
            let input = tract_ndarray::Array4::from_shape_fn((1, 3, 192, 192), |(_, c, y, x)| (x as f32 * 0.07 + c as f32).sin() * (y as f32 * 0.05).cos());
            (prelus, plan.run(tvec!(Tensor::from(input).into())).unwrap())
        };
        for layout in [crate::model::Layout::ChannelsFirst, crate::model::Layout::ChannelsLast] {
            let (none, theirs) = run(&tract_onnx::onnx(), layout);
            let (prelus, ours) = run(&onnx(), layout);
            assert_eq!((none, prelus), (0, 26), "{layout}");
            for (a, b) in theirs.iter().zip(&ours) {
                let (a, b) = (a.try_as_plain_ram().unwrap(), b.try_as_plain_ram().unwrap());
                assert_eq!(a.as_slice::<f32>().unwrap(), b.as_slice::<f32>().unwrap(), "{layout}");
            }
        }
    }
}
