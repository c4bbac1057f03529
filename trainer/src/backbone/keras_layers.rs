//! Keras convolution layers as ONNX nodes, filled from a Keras weight file: what the Keras
//! MobileNet builders ([`super::mobilenet_v1`], [`super::mobilenet_v2`]) are made of.
//!
//! - Batch norm (ε 1e-3, Keras' MobileNet setting) folded into each convolution; ReLU6 as
//!   `Clip(0, 6)`.
//! - TensorFlow SAME padding (stride-2 layers pad 0 before / 1 after on even sizes; Keras'
//!   MobileNet v1 writes the same as `ZeroPadding2D(((0, 1), (0, 1)))` + a valid convolution).
//! - Kernels HWIO (depthwise H·W·C·1) turned into ONNX OIHW.

use anyhow::Result;

use tract_onnx::pb::ModelProto;
use tract_onnx::pb::tensor_proto::DataType;

use super::file::{KEY_MEAN, KEY_NAME, KEY_PROVENANCE, KEY_STD};
use super::keras_h5::KerasWeights;
use crate::graph::{Dim, GraphBuilder, attr_int, attr_ints};
use crate::train::cnn::same_pads;

const EPSILON: f32 = 1e-3;

/// A graph under construction: the current tensor `x`, its channels and side.
pub struct Builder<'a> {
    pub g: GraphBuilder,
    weights: &'a KerasWeights,
    pub size: usize,
    pub channels: usize,
    pub x: String,
    /// The ReLU6 bounds, added to the graph once (names of the 0 and 6 constants).
    relu6: Option<(String, String)>,
}

impl<'a> Builder<'a> {
    /// Starts from the input `pixels` (3 channels, `size`×`size`) already declared in `g`.
    pub fn new(g: GraphBuilder, weights: &'a KerasWeights, size: usize) -> Self {
        Self { g, weights, size, channels: 3, x: "pixels".into(), relu6: None }
    }
}

impl Builder<'_> {
    /// Conv (regular or depthwise) + folded BN (+ ReLU6), named as in the Keras file.
    #[allow(clippy::too_many_arguments)]
    pub fn conv_bn(&mut self, conv: &str, bn: &str, out: usize, kernel: usize, stride: usize, depthwise: bool, relu6: bool) -> Result<()> {
        let cin = self.channels;
        let (w_name, shape) = if depthwise { ("depthwise_kernel", vec![kernel, kernel, cin, 1]) } else { ("kernel", vec![kernel, kernel, cin, out]) };
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
            let (lo, hi) = match &self.relu6 {
                Some(bounds) => bounds.clone(),
                None => {
                    let bounds = (self.g.weight("relu6_min", &[], &[0.0]), self.g.weight("relu6_max", &[], &[6.0]));
                    self.relu6 = Some(bounds.clone());
                    bounds
                }
            };
            y = self.g.node("Clip", &format!("{conv}_relu6"), &[&y, &lo, &hi], &format!("{conv}_relu6"), vec![]);
        }
        self.x = y;
        self.channels = out;
        self.size = self.size.div_ceil(stride);
        Ok(())
    }
}

impl Builder<'_> {
    /// Ends the network with a global average and a flatten into the output `features`
    /// `[1, C]`, and records the name, the Keras preprocessing x/127.5 − 1 and `provenance`.
    pub fn finish_features(self, name: &str, doc: &str, provenance: &str) -> ModelProto {
        let (x, features) = (self.x, self.channels);
        let mut g = self.g;
        let pooled = g.node("GlobalAveragePool", "global_average_pool", &[&x], "pooled", vec![]);
        g.node("Flatten", "features_flatten", &[&pooled], "features", vec![attr_int("axis", 1)]);
        g.output("features", DataType::Float, &[Dim::Fixed(1), Dim::Fixed(features as i64)]);
        let metadata = vec![
            (KEY_NAME.to_string(), name.to_string()),
            (KEY_MEAN.to_string(), "127.5".to_string()),
            (KEY_STD.to_string(), "127.5".to_string()),
            (KEY_PROVENANCE.to_string(), provenance.to_string()),
        ];
        g.finish("beckon-train", doc, metadata)
    }
}
