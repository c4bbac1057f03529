//! Where tract keeps a convolution's channels: a choice made once, when a model is optimized.
//!
//! ONNX convolutions are channels-first (NCHW). tract runs depthwise convolutions much faster
//! with the channels last (NHWC: one SIMD pass over all channels of a pixel, instead of a
//! plane at a time with a generic border path), so by default every convolution is turned
//! channels-last (tract's `conv_nhwc` transform) and the moves between neighbouring layers are
//! folded away before tract optimizes the plan. Same arithmetic, same results up to float
//! summation order. Measured in `models/BENCHMARKS.md` (`beckon bench M M@nchw`).

use tract_onnx::prelude::*;
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
pub(crate) fn apply(layout: Layout, model: TypedModel) -> TractResult<TypedModel> {
    match layout {
        Layout::ChannelsFirst => Ok(model),
        Layout::ChannelsLast => {
            let mut model = model;
            let transform = get_transform("conv_nhwc")?.ok_or_else(|| TractError::msg("this tract has no conv_nhwc transform"))?;
            transform.transform(&mut model)?;
            model.into_decluttered()
        }
    }
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
}
