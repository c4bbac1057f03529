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

use anyhow::{bail, Result};
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::pb::ModelProto;

use super::file::{KEY_MEAN, KEY_NAME, KEY_PROVENANCE, KEY_STD};
use super::keras_h5::KerasWeights;
use crate::export::graph::{attr_int, attr_ints, Dim, GraphBuilder};
use crate::train::cnn::same_pads;

/// sha256 of the official α 0.35 no-top file (2,019,640 bytes).
pub const SHA256_0_35: &str = "df1c3db1d0d9193719c4c70f707c56f7021f999f825bdc57454c275cf6def19f";

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The α values Keras publishes weights for.
pub const ALPHAS: [f32; 6] = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4];
const EPSILON: f32 = 1e-3;
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
pub fn weight_file_name(alpha: f32) -> String {
    let a = if alpha == 1.0 { "1.0".to_string() } else { format!("{alpha}") };
    format!("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{a}_224_no_top.h5")
}

struct Builder<'a> {
    g: GraphBuilder,
    weights: &'a KerasWeights,
    size: usize,
    channels: usize,
    x: String,
}

impl Builder<'_> {
    /// Conv (regular or depthwise) + folded BN (+ ReLU6), named as in the Keras file.
    #[allow(clippy::too_many_arguments)]
    fn conv_bn(&mut self, conv: &str, bn: &str, out: usize, kernel: usize, stride: usize, depthwise: bool, relu6: bool) -> Result<()> {
        let cin = self.channels;
        let (w_name, shape) =
            if depthwise { ("depthwise_kernel", vec![kernel, kernel, cin, 1]) } else { ("kernel", vec![kernel, kernel, cin, out]) };
        let w = self.weights.array(conv, w_name, &shape)?;
        let gamma = self.weights.array(bn, "gamma", &[out])?;
        let beta = self.weights.array(bn, "beta", &[out])?;
        let mean = self.weights.array(bn, "moving_mean", &[out])?;
        let var = self.weights.array(bn, "moving_variance", &[out])?;
        let scale: Vec<f32> = gamma.iter().zip(&var).map(|(g, v)| g / (v + EPSILON).sqrt()).collect();
        let bias: Vec<f32> = (0..out).map(|o| beta[o] - mean[o] * scale[o]).collect();
        // HWIO (depthwise: HWC1) → OIHW (depthwise: C,1,H,W), scaled per output channel.
        let per_out = if depthwise { 1 } else { cin };
        let mut onnx_w = vec![0f32; out * per_out * kernel * kernel];
        for o in 0..out {
            for i in 0..per_out {
                for h in 0..kernel {
                    for k in 0..kernel {
                        let src = if depthwise { (h * kernel + k) * cin + o } else { ((h * kernel + k) * cin + i) * out + o };
                        onnx_w[((o * per_out + i) * kernel + h) * kernel + k] = w[src] * scale[o];
                    }
                }
            }
        }
        let wn = self.g.weight(&format!("{conv}.weight"), &[out, per_out, kernel, kernel], &onnx_w);
        let bn_name = self.g.weight(&format!("{conv}.bias"), &[out], &bias);
        let (before, after) = same_pads(kernel, stride, self.size);
        let mut attrs = vec![
            attr_ints("kernel_shape", &[kernel as i64, kernel as i64]),
            attr_ints("strides", &[stride as i64, stride as i64]),
            attr_ints("pads", &[before as i64, before as i64, after as i64, after as i64]),
        ];
        if depthwise {
            attrs.push(attr_int("group", cin as i64));
        }
        let x = self.x.clone();
        let mut y = self.g.node("Conv", conv, &[&x, &wn, &bn_name], conv, attrs);
        if relu6 {
            let lo = self.g.weight("relu6_min", &[], &[0.0]);
            let hi = self.g.weight("relu6_max", &[], &[6.0]);
            y = self.g.node("Clip", &format!("{conv}_relu6"), &[&y, &lo, &hi], &format!("{conv}_relu6"), vec![]);
        }
        self.x = y;
        self.channels = out;
        self.size = self.size.div_ceil(stride);
        Ok(())
    }
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
    let weights = KerasWeights::open(weights_path)?;
    let mut g = GraphBuilder::new("mobilenet_v2");
    g.input("pixels", DataType::Float, &[Dim::Fixed(1), Dim::Fixed(3), Dim::Fixed(size as i64), Dim::Fixed(size as i64)]);
    let mut b = Builder { g, weights: &weights, size, channels: 3, x: "pixels".into() };
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
    let x = b.x.clone();
    let mut g = b.g;
    let pooled = g.node("GlobalAveragePool", "global_average_pool", &[&x], "pooled", vec![]);
    g.node("Flatten", "features_flatten", &[&pooled], "features", vec![attr_int("axis", 1)]);
    g.output("features", DataType::Float, &[Dim::Fixed(1), Dim::Fixed(last as i64)]);
    let metadata = vec![
        (KEY_NAME.to_string(), format!("mobilenet_v2_{alpha}_{size}")),
        (KEY_MEAN.to_string(), "127.5".to_string()),
        (KEY_STD.to_string(), "127.5".to_string()),
        (KEY_PROVENANCE.to_string(), provenance.to_string()),
    ];
    Ok(g.finish("beckon-train", "MobileNetV2 feature extractor (Keras layout, BN folded)", metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

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
