//! Where tract keeps a convolution's channels: a choice made once, when a model is optimized.
//!
//! ONNX convolutions are channels-first (NCHW). tract runs depthwise convolutions much faster
//! with the channels last (NHWC: one SIMD pass over all channels of a pixel, instead of a
//! plane at a time with a generic border path), so by default every convolution is turned
//! channels-last (tract's `conv_nhwc` transform) and the moves between neighbouring layers are
//! folded away before tract optimizes the plan. Same arithmetic, same results up to float
//! summation order. Measured in `models/BENCHMARKS.md` (`beckon bench M M@nchw`).

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::array::Pad;
use tract_onnx::tract_core::ops::change_axes::AxisOp;
use tract_onnx::tract_core::ops::cnn::{MaxPool, PoolSpec};
use tract_onnx::tract_core::ops::nn::{DataFormat, Resize};
use tract_onnx::tract_core::transform::get_transform;

/// The layout tract runs convolutions in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Channels last (NHWC): faster for depthwise convolutions. The default.
    #[default]
    ChannelsLast,
    /// As the ONNX file has it (NCHW): for comparisons (`beckon bench FILE@nchw`).
    ChannelsFirst,
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Layout::ChannelsLast => "nhwc",
            Layout::ChannelsFirst => "nchw",
        })
    }
}

/// Rewrites a decluttered model's convolutions to `layout` and declutters it again.
pub fn apply(layout: Layout, model: TypedModel) -> TractResult<TypedModel> {
    match layout {
        Layout::ChannelsFirst => Ok(model),
        Layout::ChannelsLast => {
            let mut model = model;
            let transform = get_transform("conv_nhwc")?.ok_or_else(|| TractError::msg("this tract has no conv_nhwc transform"))?;
            transform.transform(&mut model)?;
            pin_free(&mut model)?;
            model.into_decluttered()
        }
    }
}

/// Turns tract's operators that cannot move their channel axis channels-last, each between two
/// moves, as `conv_nhwc` does for convolutions: max pools, pads, and resizes whose scales (or sizes)
/// are constants. tract 0.23.9's `MaxPool` and `Resize` have no `change_axes`, so one of them
/// pins every neighbour channels-first, and every depthwise convolution around it keeps a move
/// of its whole input and output (the palm detector's 4 pools and 2 resizes: 16 % of its time
/// in `moved_axis` and friends). Between two moves, the declutter pass cancels them against the
/// convolutions' own. Returns how many operators were turned.
fn pin_free(model: &mut TypedModel) -> TractResult<usize> {
    let mut turned = 0;
    for id in model.eval_order()? {
        let node = model.node(id);
        let Some(&data) = node.inputs.first() else { continue };
        if model.outlet_fact(data)?.rank() != 4 || node.outputs.len() != 1 {
            continue;
        }
        let mut inputs: Vec<Option<Arc<Tensor>>> = vec![None; node.inputs.len()];
        let op: Box<dyn TypedOp> = if let Some(pool) = node.op_as::<MaxPool>() {
            if pool.with_index_outputs.is_some() || pool.pool_spec.data_format != DataFormat::NCHW {
                continue;
            }
            Box::new(MaxPool { pool_spec: PoolSpec { data_format: DataFormat::NHWC, ..pool.pool_spec.clone() }, with_index_outputs: None })
        } else if let Some(pad) = node.op_as::<Pad>() {
            let p = &pad.pads;
            Box::new(Pad { pads: vec![p[0], p[2], p[3], p[1]], ..pad.clone() })
        } else if let Some(resize) = node.op_as::<Resize>() {
            // The per-axis scales (or sizes) input, moved like the data: [n, c, h, w] → [n, h, w, c].
            let Some(ix) = resize.optional_scales_input.or(resize.optional_sizes_input) else { continue };
            let Some(per_axis) = model.outlet_fact(node.inputs[ix])?.konst.clone() else { continue };
            if per_axis.rank() != 1 || per_axis.len() != 4 {
                continue;
            }
            let values = per_axis.cast_to::<f64>()?.into_owned();
            let v = values.try_as_plain_ram()?.as_slice::<f64>()?.to_vec();
            let order = [v[0], v[2], v[3], v[1]];
            inputs[ix] = Some(tract_ndarray::arr1(&order).into_tensor().cast_to_dt(per_axis.datum_type())?.into_owned().into_arc_tensor());
            Box::new(resize.clone())
        } else {
            continue;
        };
        let name = node.name.clone();
        let mut patch = TypedModelPatch::default();
        let mut wires = tvec!();
        for (i, (&outlet, replaced)) in node.inputs.iter().zip(&inputs).enumerate() {
            let wire = match replaced {
                Some(t) => patch.add_const(format!("{name}.nhwc_input_{i}"), t.clone())?,
                None => patch.tap_model(model, outlet)?,
            };
            wires.push(if i == 0 { patch.wire_node(format!("{name}.nhwc_in"), AxisOp::Move(1, 3), &[wire])?[0] } else { wire });
        }
        let out = patch.wire_node(&name, op, &wires)?;
        let back = patch.wire_node(format!("{name}.nhwc_out"), AxisOp::Move(3, 1), &out)?;
        patch.shunt_outside(model, OutletId::new(id, 0), back[0])?;
        patch.apply(model)?;
        turned += 1;
    }
    Ok(turned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Classifier, LoadOptions};

    /// Both layouts give the shipped models' answers, and channels-last really rewrote the
    /// landmark model's depthwise convolutions (tract folds a plain convolution's moves back, so
    /// the seed CNN's plan may stay channels-first: its results must match all the same).
    #[test]
    fn both_layouts_classify_a_frame_alike() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let frame = image::open(root.join("firmware/replay/0_35_pic00002_0.jpg")).unwrap().to_rgb8();
        for model in ["models/hands-landmarks-lite/model.onnx", "models/fingers-cnn/model.onnx"] {
            let load = |layout| Classifier::load_with(root.join(model), &LoadOptions { layout, ..Default::default() }).unwrap();
            let (last, first) = (load(Layout::ChannelsLast), load(Layout::ChannelsFirst));
            let (a, b) = (last.classify(&frame).unwrap(), first.classify(&frame).unwrap());
            assert_eq!(a.index, b.index, "{model}");
            let worst = a.probabilities.iter().zip(&b.probabilities).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
            assert!(worst < 1e-4, "{model}: probabilities differ by {worst}");
            if model.contains("landmarks") {
                assert!(last.plan_description().contains("NHWC") && !first.plan_description().contains("NHWC"));
            }
        }
    }

    /// The palm detector (max pools, channel pads and resizes between its convolutions) gives
    /// the same outputs channels-last, and turning those operators is what lets the moves
    /// cancel: most of them are gone from the plan.
    #[test]
    fn the_palm_detector_runs_channels_last_with_few_moves() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/backbones/palm_detection_lite/detector.onnx");
        let build = |layout, turn: bool| {
            // As `PalmDetector::load` reads it: tract's own PReLU cannot move its axes either.
            let onnx = crate::model::prelu::onnx();
            let proto = onnx.proto_model_for_path(&path).unwrap();
            let mut model = onnx
                .model_for_proto_model(&proto)
                .unwrap()
                .with_input_fact(0, f32::fact([1, 3, 192, 192]).into())
                .unwrap()
                .into_typed()
                .unwrap()
                .into_decluttered()
                .unwrap();
            model = match (layout, turn) {
                (Layout::ChannelsLast, false) => {
                    get_transform("conv_nhwc").unwrap().unwrap().transform(&mut model).unwrap();
                    model.into_decluttered().unwrap()
                }
                _ => apply(layout, model).unwrap(),
            };
            model.into_optimized().unwrap().into_runnable().unwrap()
        };
        let moves = |plan: &Arc<TypedRunnableModel>| plan.model().nodes().iter().filter(|n| n.op.name() == "MoveAxis").count();
        let input = tract_ndarray::Array4::from_shape_fn((1, 3, 192, 192), |(_, c, y, x)| (x as f32 * 0.07 + c as f32).sin() * (y as f32 * 0.05).cos());
        let run = |plan: &Arc<TypedRunnableModel>| plan.run(tvec!(Tensor::from(input.clone()).into())).unwrap();
        let (first, last, unturned) = (build(Layout::ChannelsFirst, true), build(Layout::ChannelsLast, true), build(Layout::ChannelsLast, false));
        for (a, b) in run(&first).iter().zip(&run(&last)) {
            let (a, b) = (a.try_as_plain_ram().unwrap(), b.try_as_plain_ram().unwrap());
            let (a, b) = (a.as_slice::<f32>().unwrap(), b.as_slice::<f32>().unwrap());
            // Box offsets are in input pixels (up to ~200) and score logits reach ±100: a
            // different summation order over 53 convolutions moves them by a few 1e-4 of that.
            let worst = a.iter().zip(b).map(|(x, y)| (x - y).abs() / (1.0 + x.abs())).fold(0f32, f32::max);
            assert!(worst < 1e-3, "channels-last detector differs by {worst} (relative)");
        }
        let (turned, kept) = (moves(&last), moves(&unturned));
        assert!(turned * 3 < kept, "moves in the plan: {turned} with pools, pads and resizes turned, {kept} without");
    }

    /// The landmark model's ReLU6 (a `Max` and a `Min` by constants) after each depthwise
    /// convolution runs inside the convolution (the vendored tract-core's third change,
    /// `firmware/vendor/tract-core/BECKON-PATCH.md`), and the optimized plan still gives the
    /// outputs of the plain, unoptimized graph.
    #[test]
    fn relu6_after_a_depthwise_convolution_is_fused_and_changes_nothing() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let path = root.join("models/hands-landmarks-lite/model.onnx");
        let typed = tract_onnx::onnx().model_for_path(&path).unwrap().into_typed().unwrap().into_decluttered().unwrap();
        let plain = typed.clone().into_runnable().unwrap();
        let mut last = typed;
        get_transform("conv_nhwc").unwrap().unwrap().transform(&mut last).unwrap();
        let optimized = last.into_decluttered().unwrap().into_optimized().unwrap().into_runnable().unwrap();
        let fused = optimized
            .model()
            .nodes()
            .iter()
            .filter(|n| n.op.name() == "DepthWiseConv" && n.op.info().unwrap().iter().any(|i| i.contains("clamped to 0..6")))
            .count();
        let chains = optimized.model().nodes().iter().filter(|n| n.op.name() == "OptBinChain(Max+Min)").count();
        assert!(fused >= 15 && chains <= 1, "{fused} depthwise convolutions clamp, {chains} ReLU6 passes remain");
        let frame = image::open(root.join("firmware/replay/0_35_pic00002_0.jpg")).unwrap().to_rgb8();
        let frame = image::imageops::resize(&frame, 224, 224, image::imageops::FilterType::Triangle);
        let input = tract_ndarray::Array4::from_shape_fn((1, 3, 224, 224), |(_, c, y, x)| frame.get_pixel(x as u32, y as u32)[c]);
        let run = |plan: &Arc<TypedRunnableModel>| plan.run(tvec!(Tensor::from(input.clone()).into())).unwrap();
        for (a, b) in run(&plain).iter().zip(&run(&optimized)) {
            let (a, b) = (a.cast_to::<f32>().unwrap().into_owned(), b.cast_to::<f32>().unwrap().into_owned());
            let (a, b) = (a.try_as_plain_ram().unwrap().as_slice::<f32>().unwrap().to_vec(), b.try_as_plain_ram().unwrap().as_slice::<f32>().unwrap().to_vec());
            // Landmarks are in input pixels (0-224): another summation order moves them by
            // a few 1e-4 at most.
            let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs() / (1.0 + x.abs())).fold(0f32, f32::max);
            assert!(worst < 1e-3, "optimized plan differs from the plain graph by {worst} (relative)");
        }
    }
}
