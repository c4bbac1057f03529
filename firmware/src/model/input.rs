//! The image input as tract runs it: channels-last, with the model's per-pixel preprocessing
//! looked up in a table instead of computed.
//!
//! Every beckon model takes raw pixels, `u8 [1, 3, H, W]`, and scales them inside the graph
//! (cast, minus a mean, over a standard deviation, per channel). A frame's pixels arrive
//! interleaved (RGB RGB …), so the file's layout costs a transpose before the model and, with
//! convolutions channels-last ([`super::layout`]), another after the first convolution; and once
//! channels-last, tract runs the per-channel scaling (a broadcast over an axis of 3) through its
//! generic loop: 1.5 ms of the landmark model's 10 (`beckon bench --profile`).
//!
//! [`fold_pixels`] takes both away before tract optimizes the plan: the input becomes
//! `f32 [1, H, W, 3]`, moved channels-first for the rest of the graph (the move cancels
//! against the first convolution's own), and the chain of per-pixel operators between the
//! input and the first operator that mixes pixels is evaluated once, by tract, on every byte
//! value of every channel: a table of 3 × 256 floats. Feeding the model is then one look-up
//! per byte ([`PixelTable::tensor`]), and the values are the ones the graph would compute, bit
//! for bit.

use image::RgbImage;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::array::{Pad, PadMode};
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::cast::Cast;
use tract_onnx::tract_core::ops::change_axes::AxisOp;
use tract_onnx::tract_core::ops::cnn::{Conv, PaddingSpec};
use tract_onnx::tract_core::ops::element_wise::ElementWiseOp;
use tract_onnx::tract_core::ops::nn::DataFormat;
use tract_onnx::tract_core::ops::source::TypedSource;
use tract_onnx::tract_core::plan::SimplePlan;

/// What each byte value of each channel becomes before the model's first pixel-mixing
/// operator.
#[derive(Debug, Clone, PartialEq)]
pub struct PixelTable {
    channels: Vec<[f32; 256]>,
    /// A constant border the graph added next (rows above and below, columns left and right)
    /// and its value: written here, around the pixels.
    border: Border,
    /// The plan's input type (f16 plans take f16).
    datum_type: DatumType,
}

/// A constant border a model adds around its image first (rows above and below, columns left
/// and right, and the value), which beckon writes into the input instead.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Border {
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
    pub value: f32,
}

impl Border {
    /// A channels-last `[1, H, W, C]` image (`values`, row by row) inside this border, as a
    /// `[1, top + H + bottom, left + W + right, C]` tensor.
    pub fn around(&self, values: &[f32], h: usize, w: usize, c: usize) -> Tensor {
        self.frame(h, w, c, |y, out| out.extend_from_slice(&values[y * w * c..(y + 1) * w * c]))
    }

    /// The bordered tensor of an `h`×`w` image with `c` channels whose row `y` `row(y, out)`
    /// appends, built in one buffer that becomes the tensor without a copy.
    fn frame(&self, h: usize, w: usize, c: usize, mut row: impl FnMut(usize, &mut Vec<f32>)) -> Tensor {
        let (rows, cols) = (self.top + h + self.bottom, self.left + w + self.right);
        let mut out = Vec::with_capacity(rows * cols * c);
        out.resize(self.top * cols * c, self.value);
        for y in 0..h {
            out.resize(out.len() + self.left * c, self.value);
            row(y, &mut out);
            out.resize(out.len() + self.right * c, self.value);
        }
        out.resize(rows * cols * c, self.value);
        tract_ndarray::Array4::from_shape_vec((1, rows, cols, c), out).expect("sized from the same dimensions").into_tensor()
    }
}

impl PixelTable {
    /// The same table for a plan whose input is `datum_type` (f32 or f16).
    pub fn in_type(self, datum_type: DatumType) -> Self {
        Self { datum_type, ..self }
    }

    /// The model input for `image` (at the model's input size): `f32 [1, H, W, channels]`.
    /// With a border the graph pads, the tensor is that much larger.
    pub fn tensor(&self, image: &RgbImage) -> Tensor {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let [r, g, b] = [&self.channels[0], &self.channels[1], &self.channels[2]];
        let pixels = image.as_raw();
        let tensor = self.border.frame(h, w, 3, |y, out| {
            for p in pixels[y * 3 * w..(y + 1) * 3 * w].chunks_exact(3) {
                out.extend_from_slice(&[r[p[0] as usize], g[p[1] as usize], b[p[2] as usize]]);
            }
        });
        match self.datum_type == f32::datum_type() {
            true => tensor,
            false => tensor.cast_to_dt(self.datum_type).expect("f32 casts to every float type").into_owned(),
        }
    }
}

/// Makes a decluttered model's `u8 [1, 3, H, W]` image input `f32 [1, H, W, 3]`, its
/// per-pixel operators folded into the returned table (see the module). `None`, and the model
/// unchanged, where the input is not a 3-channel u8 image or nothing per-pixel follows it.
pub fn fold_pixels(model: &mut TypedModel) -> TractResult<Option<PixelTable>> {
    let source = model.input_outlets()?[0];
    let fact = model.outlet_fact(source)?.clone();
    let Some(&[1, 3, h, w]) = fact.shape.as_concrete() else { return Ok(None) };
    if fact.datum_type != u8::datum_type() {
        return Ok(None);
    }
    let end = per_pixel_end(model, source)?;
    if end == source || model.outlet_fact(end)?.datum_type != f32::datum_type() || h * w < 256 {
        return Ok(None);
    }
    // Every byte value in every channel, once: pixel i of each plane holds i mod 256.
    let probe = tract_ndarray::Array4::from_shape_fn((1, 3, h, w), |(_, _, y, x)| ((y * w + x) % 256) as u8);
    #[allow(deprecated)] // its replacement takes run options beckon has no use for
    let plan = SimplePlan::new_for_outputs(model.clone(), &[end])?;
    let out = plan.run(tvec!(Tensor::from(probe).into()))?.remove(0);
    let values = out.try_as_plain_ram()?.as_slice::<f32>()?.to_vec();
    let channels = (0..3).map(|c| std::array::from_fn(|v| values[c * h * w + v])).collect();
    let border = source_last(model, source, end, f32::datum_type())?;
    Ok(Some(PixelTable { channels, border, datum_type: f32::datum_type() }))
}

/// Makes a decluttered model's float `[1, C, H, W]` image input `[1, H', W', C]`, a border its
/// first operator adds moved into the input (returned; [`Border::around`] builds the input).
/// `None`, and the model unchanged, for another input.
pub fn image_last(model: &mut TypedModel) -> TractResult<Option<Border>> {
    let source = model.input_outlets()?[0];
    let fact = model.outlet_fact(source)?;
    if fact.rank() != 4 || !fact.datum_type.is_float() || fact.shape.as_concrete().is_none() {
        return Ok(None);
    }
    let dt = fact.datum_type;
    source_last(model, source, source, dt).map(Some)
}

/// Turns `source` (`[1, C, H, W]`) into a `dt [1, H', W', C]` source moved channels-first for
/// what read `end`, `end`'s border taken in, and declutters (dropping what `end` replaced).
fn source_last(model: &mut TypedModel, source: OutletId, end: OutletId, dt: DatumType) -> TractResult<Border> {
    let Some(&[1, c, h, w]) = model.outlet_fact(source)?.shape.as_concrete() else {
        return Err(TractError::msg("the image input is not a concrete [1, C, H, W] shape"));
    };
    let (end, border) = match constant_border(model, end)? {
        Some((padded, border)) => (padded, border),
        None => (end, Border::default()),
    };
    let successors = model.outlet_successors(end).to_vec();
    let last = dt.fact([1, border.top + h + border.bottom, border.left + w + border.right, c]);
    let node = &mut model.nodes[source.node];
    node.op = Box::new(TypedSource::new(last.clone()));
    node.outputs[0].fact = last;
    let name = format!("{}.nchw", node.name);
    let first = model.wire_node(name, AxisOp::Move(3, 1), &[source])?[0];
    for inlet in successors {
        model.add_edge(first, inlet)?;
    }
    // Whatever sat between the source and `end` now has no consumer; declutter drops it.
    *model = std::mem::take(model).into_decluttered()?;
    Ok(border)
}

/// A constant border of rows and columns added right after `end`, by its only consumer: a
/// `Pad`, or a convolution's own padding (made valid here, the border moving into the input).
/// Returns the outlet the border's consumers read, and the border.
fn constant_border(model: &mut TypedModel, end: OutletId) -> TractResult<Option<(OutletId, Border)>> {
    let [next] = model.outlet_successors(end) else { return Ok(None) };
    let next = *next;
    if let Some(pad) = model.node(next.node).op_as::<Pad>() {
        let PadMode::Constant(value) = &pad.mode else { return Ok(None) };
        let &[(0, 0), (0, 0), (top, bottom), (left, right)] = pad.pads.as_slice() else { return Ok(None) };
        let Ok(value) = value.cast_to_scalar::<f32>() else { return Ok(None) };
        return Ok(Some((OutletId::new(next.node, 0), Border { top, bottom, left, right, value })));
    }
    let Some(conv) = model.node(next.node).op_as::<Conv>() else { return Ok(None) };
    if next.slot != 0 || conv.pool_spec.data_format != DataFormat::NCHW {
        return Ok(None);
    }
    let (before, after) = match &conv.pool_spec.padding {
        PaddingSpec::Explicit(b, a) | PaddingSpec::ExplicitOnnxPool(b, a, false) => (b.clone(), a.clone()),
        _ => return Ok(None),
    };
    let (&[top, left], &[bottom, right]) = (before.as_slice(), after.as_slice()) else { return Ok(None) };
    let mut valid = conv.clone();
    valid.pool_spec.padding = PaddingSpec::Valid;
    model.nodes[next.node].op = Box::new(valid);
    Ok(Some((end, Border { top, bottom, left, right, value: 0.0 })))
}
/// The last outlet of the chain of per-pixel operators that starts at `from`: casts, unary
/// element-wise maths, and binary operators with a constant that varies at most along the
/// channel axis (1), each the only consumer of the one before.
fn per_pixel_end(model: &TypedModel, from: OutletId) -> TractResult<OutletId> {
    let shape = model.outlet_fact(from)?.shape.clone();
    let mut end = from;
    loop {
        let [next] = model.outlet_successors(end) else { return Ok(end) };
        let node = model.node(next.node);
        if node.outputs.len() != 1 || model.outlet_fact(OutletId::new(node.id, 0))?.shape != shape {
            return Ok(end);
        }
        let op = &node.op;
        let per_pixel = op.downcast_ref::<Cast>().is_some()
            || op.downcast_ref::<ElementWiseOp>().is_some()
            || (op.downcast_ref::<TypedBinOp>().is_some() && per_channel_constant(model, node, end)?);
        if !per_pixel {
            return Ok(end);
        }
        end = OutletId::new(node.id, 0);
    }
}

/// Whether `node`'s one input besides `data` is a constant that varies at most along axis 1.
fn per_channel_constant(model: &TypedModel, node: &TypedNode, data: OutletId) -> TractResult<bool> {
    let others: Vec<OutletId> = node.inputs.iter().copied().filter(|&i| i != data).collect();
    let [other] = others.as_slice() else { return Ok(false) };
    Ok(model.outlet_fact(*other)?.konst.as_ref().is_some_and(|k| k.shape().iter().enumerate().all(|(axis, &d)| d == 1 || (axis == 1 && k.rank() == 4))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Classifier, Layout, LoadOptions};

    /// The landmark model and the seed CNN classify a frame as they do with the file's own
    /// input (channels-first, preprocessing in the graph), and their preprocessing was folded.
    #[test]
    fn folded_pixels_classify_as_the_file_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let frame = image::open(root.join("firmware/replay/0_35_pic00002_0.jpg")).unwrap().to_rgb8();
        for model in ["models/hands-landmarks-lite/model.onnx", "models/fingers-cnn/model.onnx", "models/fingers-mobilenet-v2-035/model.onnx"] {
            let load = |layout| Classifier::load_with(root.join(model), &LoadOptions { layout, ..Default::default() }).unwrap();
            let (folded, file) = (load(Layout::ChannelsLast), load(Layout::ChannelsFirst));
            assert!(folded.folds_pixels() && !file.folds_pixels(), "{model}: the pixels were not folded");
            assert!(!folded.plan_description().contains("MoveAxis"), "{model}: a move is left in the plan");
            let (a, b) = (folded.classify(&frame).unwrap(), file.classify(&frame).unwrap());
            assert_eq!(a.index, b.index, "{model}");
            let worst = a.probabilities.iter().zip(&b.probabilities).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
            assert!(worst < 1e-4, "{model}: probabilities differ by {worst}");
        }
    }

    /// The table holds exactly what the graph computes: x / 255 for the landmark model.
    #[test]
    fn the_table_is_the_graphs_own_arithmetic() {
        let mut model = TypedModel::default();
        let x = model.add_source("image", u8::fact([1, 3, 16, 16])).unwrap();
        let x = model.wire_node("cast", Cast::new(f32::datum_type()), &[x]).unwrap();
        let scale =
            model.add_const("scale", tract_ndarray::arr1(&[1.0f32 / 255.0, 2.0, 0.5]).into_shape_with_order((1, 3, 1, 1)).unwrap().into_tensor()).unwrap();
        let y = model.wire_node("times", tract_onnx::tract_core::ops::math::mul(), &[x[0], scale]).unwrap();
        let y = model.wire_node("pool", tract_onnx::tract_core::ops::nn::Reduce::new(tvec!(2, 3), tract_onnx::tract_core::ops::nn::Reducer::Sum), &y).unwrap();
        model.select_output_outlets(&y).unwrap();
        let mut model = model.into_decluttered().unwrap();
        let table = fold_pixels(&mut model).unwrap().expect("a cast and a per-channel scale fold");
        assert_eq!(table.channels[0][200], 200.0 * (1.0f32 / 255.0));
        assert_eq!(table.channels[1][7], 14.0);
        assert_eq!(table.channels[2][255], 127.5);
        assert_eq!(model.input_fact(0).unwrap().shape.as_concrete(), Some(&[1, 16, 16, 3][..]));
    }
}
