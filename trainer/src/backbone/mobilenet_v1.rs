//! MobileNet (v1) as Keras builds it (`keras.applications.MobileNet`, `include_top=False`,
//! `pooling='avg'`), for any width multiplier α and input size ≥ 32, as an ONNX feature
//! extractor filled from a Keras weight file (the no-top file, or a whole saved model whose
//! classifier layers are then not used):
//!
//! - conv1 3×3/2 (32·α filters) → 13 depthwise-separable blocks (depthwise 3×3, pointwise 1×1,
//!   each with batch norm and ReLU6) → global average: 1024·α features.
//! - Widths `int(filters · α)` as Keras computes them (no rounding to multiples of 8).
//! - Preprocessing `x / 127.5 − 1` recorded in the metadata (mean 127.5, std 127.5).
//!
//! Layer names follow Keras: `conv1`, `conv1_bn`, `conv_dw_{i}`, `conv_dw_{i}_bn`, `conv_pw_{i}`,
//! `conv_pw_{i}_bn` for i = 1…13.

use std::path::Path;

use anyhow::{Result, bail};
use tract_onnx::pb::ModelProto;
use tract_onnx::pb::tensor_proto::DataType;

use super::keras_h5::KerasWeights;
use super::keras_layers::Builder;
use crate::graph::{Dim, GraphBuilder};

/// The α values Keras publishes MobileNet weights for.
pub const ALPHAS: [f32; 4] = [0.25, 0.5, 0.75, 1.0];
/// sha256 of the Keras α 0.25 (224, with top) file in `../shared/backbones/imagenet`.
pub const SHA256_0_25: &str = "dc1ff623e6cd99c3cc0dd2821ca0807ba013606af5a4e2afd4488fbf26a8b589";
/// (pointwise filters, depthwise stride) of blocks 1–13.
const BLOCKS: [(usize, usize); 13] =
    [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)];

/// Keras' width for `filters` at `alpha`.
pub fn width(filters: usize, alpha: f32) -> usize {
    (filters as f32 * alpha) as usize
}

/// Multiply-adds of the network at `size`×`size` (convolutions only).
pub fn multiply_adds(alpha: f32, size: usize) -> u64 {
    let mut side = size.div_ceil(2);
    let mut cin = width(32, alpha);
    let mut total = (side * side * 9 * 3 * cin) as u64;
    for &(filters, stride) in &BLOCKS {
        side = side.div_ceil(stride);
        let out = width(filters, alpha);
        total += (side * side * 9 * cin + side * side * cin * out) as u64;
        cin = out;
    }
    total
}

/// Builds MobileNet (α `alpha`, input `size`×`size`) from the Keras weight file `weights`:
/// input `pixels` f32 `[1, 3, size, size]` (x/127.5 − 1), output `features` f32 `[1, 1024·α]`.
/// `provenance` goes into the metadata.
pub fn build(weights_path: &Path, alpha: f32, size: usize, provenance: &str) -> Result<ModelProto> {
    if !ALPHAS.contains(&alpha) {
        bail!("--alpha {alpha}: Keras publishes MobileNet (v1) weights for alpha {ALPHAS:?}");
    }
    if size < 32 {
        bail!("--input-size {size}: MobileNet needs at least 32 pixels");
    }
    let weights = KerasWeights::open(weights_path)?;
    let mut g = GraphBuilder::new("mobilenet_v1");
    g.input("pixels", DataType::Float, &[Dim::Fixed(1), Dim::Fixed(3), Dim::Fixed(size as i64), Dim::Fixed(size as i64)]);
    let mut b = Builder::new(g, &weights, size);
    b.conv_bn("conv1", "conv1_bn", width(32, alpha), 3, 2, false, true)?;
    for (k, &(filters, stride)) in BLOCKS.iter().enumerate() {
        let i = k + 1;
        b.conv_bn(&format!("conv_dw_{i}"), &format!("conv_dw_{i}_bn"), b.channels, 3, stride, true, true)?;
        b.conv_bn(&format!("conv_pw_{i}"), &format!("conv_pw_{i}_bn"), width(filters, alpha), 1, 1, false, true)?;
    }
    Ok(b.finish_features(&format!("mobilenet_v1_{alpha}_{size}"), "MobileNet (v1) feature extractor (Keras layout, BN folded)", provenance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_cost_match_keras() {
        assert_eq!((width(32, 0.25), width(64, 0.25), width(1024, 0.25)), (8, 16, 256));
        assert_eq!(width(1024, 0.75), 768);
        // Google's figures, 41 M multiply-adds at α 0.25 and 569 M at α 1.0 (224×224), count the
        // 1001-class classifier too (1024·α × 1001); the feature extractor stops before it.
        assert_eq!(multiply_adds(0.25, 224), 40_774_272);
        assert_eq!(multiply_adds(0.25, 224) + 256 * 1001, 41_030_528);
        assert_eq!((multiply_adds(1.0, 224) + 1024 * 1001) / 100_000, 5687);
    }
}
