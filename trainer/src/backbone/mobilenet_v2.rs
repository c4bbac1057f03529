//! MobileNetV2 as Keras builds it (`keras.applications.MobileNetV2`, `include_top=False`,
//! `pooling='avg'`), for any width multiplier α and input size ≥ 32, as an ONNX feature
//! extractor filled from the official Keras weight file:
//!
//! - Conv1 3×3/2 → 17 inverted residual blocks (expand 1×1, depthwise 3×3, project 1×1, with a
//!   residual Add when shape allows) → Conv_1 1×1 (1280 wide, wider for α > 1) → global average.
//! - Batch norm (ε 1e-3) folded into each convolution; ReLU6 as `Clip(0, 6)`.
//! - TensorFlow SAME padding (stride-2 layers pad 0 before / 1 after on even sizes).
//! - Kernels HWIO (depthwise H·W·C·1) turned into ONNX OIHW.
//! - Preprocessing `x / 127.5 − 1` recorded in the metadata (mean 127.5, std 127.5).
//!
//! Layer names follow the official file: `Conv1`, `bn_Conv1`, `mobl{i}_conv_{i}_expand`,
//! `bn{i}_conv_{i}_bn_expand`, …, `Conv_1`, `Conv_1_bn`.

use std::path::Path;

use anyhow::{Result, bail};
use tract_onnx::pb::ModelProto;
use tract_onnx::pb::tensor_proto::DataType;

use super::keras_h5::KerasWeights;
use super::keras_layers::Builder;
use crate::graph::{Dim, GraphBuilder};

/// sha256 of the official α 0.35 no-top file (2,019,640 bytes).
pub const SHA256_0_35: &str = "df1c3db1d0d9193719c4c70f707c56f7021f999f825bdc57454c275cf6def19f";

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The α values Keras publishes weights for.
pub const ALPHAS: [f32; 6] = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4];
/// (filters, stride, expansion) of blocks 0–16.
const BLOCKS: [(usize, usize, usize); 17] = [
    (16, 1, 1),
    (24, 2, 6),
    (24, 1, 6),
    (32, 2, 6),
    (32, 1, 6),
    (32, 1, 6),
    (64, 2, 6),
    (64, 1, 6),
    (64, 1, 6),
    (64, 1, 6),
    (96, 1, 6),
    (96, 1, 6),
    (96, 1, 6),
    (160, 2, 6),
    (160, 1, 6),
    (160, 1, 6),
    (320, 1, 6),
];

/// Keras' `_make_divisible(v, 8)`.
pub fn make_divisible(v: f32) -> usize {
    let d = 8.0;
    let new = ((v + d / 2.0) / d).floor() * d;
    let new = new.max(d);
    (if new < 0.9 * v { new + d } else { new }) as usize
}

/// The official file name for `alpha` (no top, 224).
/// The name current Keras gives a MobileNetV2 layer that the official weight file calls
/// `official` (`mobl3_conv_3_expand` → `block_3_expand`, `bn0_conv_0_bn_depthwise` →
/// `expanded_conv_depthwise_BN`, …): the names inside a whole saved model such as a Teachable
/// Machine export.
pub fn current_keras_name(official: &str) -> String {
    let parts: Vec<&str> = official.split('_').collect();
    match parts.as_slice() {
        [m, "conv", i, kind] if m.starts_with("mobl") => block_name(i, kind, ""),
        [b, "conv", i, "bn", kind] if b.starts_with("bn") => block_name(i, kind, "_BN"),
        _ => official.to_string(),
    }
}

fn block_name(i: &str, kind: &str, suffix: &str) -> String {
    if i == "0" { format!("expanded_conv_{kind}{suffix}") } else { format!("block_{i}_{kind}{suffix}") }
}

pub fn weight_file_name(alpha: f32) -> String {
    let a = if alpha == 1.0 { "1.0".to_string() } else { format!("{alpha}") };
    format!("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{a}_224_no_top.h5")
}

/// Builds MobileNetV2 (α `alpha`, input `size`×`size`) from the Keras no-top weight file
/// `weights`: input `pixels` f32 `[1, 3, size, size]` (x/127.5 − 1), output `features`
/// f32 `[1, C]` (C = 1280 for α ≤ 1). `provenance` goes into the metadata.
pub fn build(weights_path: &Path, alpha: f32, size: usize, provenance: &str) -> Result<ModelProto> {
    if !ALPHAS.contains(&alpha) {
        bail!("--alpha {alpha}: Keras publishes MobileNetV2 weights for alpha {ALPHAS:?}");
    }
    if size < 32 {
        bail!("--input-size {size}: MobileNetV2 needs at least 32 pixels (Keras' own minimum for weights is 96)");
    }
    let weights = KerasWeights::open(weights_path)?.with_alias(current_keras_name);
    let mut g = GraphBuilder::new("mobilenet_v2");
    g.input("pixels", DataType::Float, &[Dim::Fixed(1), Dim::Fixed(3), Dim::Fixed(size as i64), Dim::Fixed(size as i64)]);
    let mut b = Builder::new(g, &weights, size);
    b.conv_bn("Conv1", "bn_Conv1", make_divisible(32.0 * alpha), 3, 2, false, true)?;
    for (i, &(filters, stride, expansion)) in BLOCKS.iter().enumerate() {
        let input = b.x.clone();
        let in_channels = b.channels;
        let out = make_divisible(((filters as f32) * alpha).floor());
        if i > 0 {
            b.conv_bn(&format!("mobl{i}_conv_{i}_expand"), &format!("bn{i}_conv_{i}_bn_expand"), in_channels * expansion, 1, 1, false, true)?;
        }
        b.conv_bn(&format!("mobl{i}_conv_{i}_depthwise"), &format!("bn{i}_conv_{i}_bn_depthwise"), b.channels, 3, stride, true, true)?;
        b.conv_bn(&format!("mobl{i}_conv_{i}_project"), &format!("bn{i}_conv_{i}_bn_project"), out, 1, 1, false, false)?;
        if stride == 1 && in_channels == out {
            let y = b.x.clone();
            b.x = b.g.node("Add", &format!("block_{i}_add"), &[&input, &y], &format!("block_{i}_add"), vec![]);
        }
    }
    let last = if alpha > 1.0 { make_divisible(1280.0 * alpha) } else { 1280 };
    b.conv_bn("Conv_1", "Conv_1_bn", last, 1, 1, false, true)?;
    Ok(b.finish_features(&format!("mobilenet_v2_{alpha}_{size}"), "MobileNetV2 feature extractor (Keras layout, BN folded)", provenance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_layer_names_map_to_current_keras_names() {
        assert_eq!(current_keras_name("mobl0_conv_0_depthwise"), "expanded_conv_depthwise");
        assert_eq!(current_keras_name("bn0_conv_0_bn_project"), "expanded_conv_project_BN");
        assert_eq!(current_keras_name("mobl16_conv_16_expand"), "block_16_expand");
        assert_eq!(current_keras_name("bn3_conv_3_bn_depthwise"), "block_3_depthwise_BN");
        assert_eq!(current_keras_name("Conv1"), "Conv1");
        assert_eq!(current_keras_name("bn_Conv1"), "bn_Conv1");
        assert_eq!(current_keras_name("Conv_1_bn"), "Conv_1_bn");
    }

    #[test]
    fn widths_match_keras() {
        assert_eq!(make_divisible(32.0 * 0.35), 16);
        assert_eq!(make_divisible((16.0f32 * 0.35).floor()), 8);
        assert_eq!(make_divisible((320.0f32 * 0.35).floor()), 112);
        assert_eq!(make_divisible(1280.0 * 1.4), 1792);
        assert_eq!(weight_file_name(0.35), "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5");
        assert_eq!(weight_file_name(1.0), "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5");
    }
}
