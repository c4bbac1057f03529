//! The seed CNN: the Keras model beckon grew out of, layer for layer.
//!
//! ```text
//! Conv2D 6 3×3 SAME relu → MaxPool 2×2/2 SAME → Conv2D 16 4×4 SAME relu → MaxPool 4×4/2 SAME
//! → Conv2D 16 5×5 SAME relu → MaxPool 2×2/2 SAME → Flatten → Dense 256 relu → Dense 128 relu
//! → Dense N (softmax in the exported model)
//! ```
//!
//! Padding follows Keras SAME exactly (uneven kernels pad one more pixel after than before).
//! [`CnnSpec`] computes every layer's geometry once; the burn model and the ONNX export both
//! read it, so the two cannot disagree.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// Architecture name written into the model's metadata.
pub const ARCHITECTURE: &str = "seed-cnn";
/// Preprocessing the model applies to raw pixels (in burn and in the exported graph).
pub const PREPROCESSING: &str = "x/255 (float pixels 0-1), inside the graph";

/// Conv layers: (filters, kernel).
pub const CONVS: [(usize, usize); 3] = [(6, 3), (16, 4), (16, 5)];
/// Max-pool layers after each conv: (kernel, stride).
pub const POOLS: [(usize, usize); 3] = [(2, 2), (4, 2), (2, 2)];
/// Hidden dense layers.
pub const DENSE: [usize; 2] = [256, 128];

/// Keras SAME padding for one axis: (before, after).
pub fn same_pads(kernel: usize, stride: usize, size: usize) -> (usize, usize) {
    let out = size.div_ceil(stride);
    let total = ((out - 1) * stride + kernel).saturating_sub(size);
    (total / 2, total - total / 2)
}

/// Geometry of one conv + pool stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    pub in_channels: usize,
    pub filters: usize,
    pub kernel: usize,
    /// Conv padding (before, after), same on both axes.
    pub conv_pads: (usize, usize),
    pub pool_kernel: usize,
    pub pool_stride: usize,
    /// Pool padding (before, after).
    pub pool_pads: (usize, usize),
    /// Spatial size after the pool.
    pub out_size: usize,
}

/// The whole network's geometry for an input size and class count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CnnSpec {
    pub input_size: usize,
    pub classes: usize,
    pub stages: Vec<Stage>,
    /// Length of the flattened feature vector.
    pub flat: usize,
}

impl CnnSpec {
    /// Geometry for `input_size`×`input_size` RGB input and `classes` outputs.
    pub fn new(input_size: usize, classes: usize) -> Self {
        let mut size = input_size;
        let mut in_channels = 3;
        let mut stages = Vec::new();
        for ((filters, kernel), (pool_kernel, pool_stride)) in CONVS.into_iter().zip(POOLS) {
            let conv_pads = same_pads(kernel, 1, size);
            let pool_pads = same_pads(pool_kernel, pool_stride, size);
            size = size.div_ceil(pool_stride);
            stages.push(Stage { in_channels, filters, kernel, conv_pads, pool_kernel, pool_stride, pool_pads, out_size: size });
            in_channels = filters;
        }
        Self { input_size, classes, flat: in_channels * size * size, stages }
    }
}

/// The seed CNN as a burn module. Its forward pass takes raw pixel values (0–255, as f32,
/// NCHW) and returns logits.
#[derive(Module, Debug)]
pub struct SeedCnn {
    convs: Vec<Conv2d>,
    pools: Vec<MaxPool2d>,
    hidden: Vec<Linear>,
    output: Linear,
}

fn explicit(p: (usize, usize)) -> PaddingConfig2d {
    PaddingConfig2d::Explicit(p.0, p.0, p.1, p.1)
}

impl SeedCnn {
    /// A freshly initialised network for `spec` on `device`.
    pub fn new(spec: &CnnSpec, device: &Device) -> Self {
        let convs = spec
            .stages
            .iter()
            .map(|s| Conv2dConfig::new([s.in_channels, s.filters], [s.kernel, s.kernel]).with_padding(explicit(s.conv_pads)).init(device))
            .collect();
        let pools = spec
            .stages
            .iter()
            .map(|s| {
                MaxPool2dConfig::new([s.pool_kernel, s.pool_kernel]).with_strides([s.pool_stride, s.pool_stride]).with_padding(explicit(s.pool_pads)).init()
            })
            .collect();
        let mut width = spec.flat;
        let hidden = DENSE
            .iter()
            .map(|&d| {
                let l = LinearConfig::new(width, d).init(device);
                width = d;
                l
            })
            .collect();
        Self { convs, pools, hidden, output: LinearConfig::new(width, spec.classes).init(device) }
    }

    /// Logits `[batch, classes]` for raw pixels `[batch, 3, H, W]` in 0–255.
    pub fn forward(&self, pixels: Tensor<4>) -> Tensor<2> {
        let mut x = pixels / 255.0;
        for (conv, pool) in self.convs.iter().zip(&self.pools) {
            // Inputs to every pool are ReLU outputs (≥ 0), so zero padding equals the -inf
            // padding Keras and ONNX use for max pooling.
            x = pool.forward(relu(conv.forward(x)));
        }
        let mut h = x.flatten::<2>(1, 3);
        for l in &self.hidden {
            h = relu(l.forward(h));
        }
        self.output.forward(h)
    }

    /// Conv weights `[out, in, kh, kw]` and biases, in order, as flat f32 vectors.
    pub fn conv_weights(&self) -> Vec<(Vec<f32>, Vec<usize>, Vec<f32>)> {
        self.convs
            .iter()
            .map(|c| {
                let w = c.weight.val();
                let dims = w.dims().to_vec();
                (to_vec(w.into_data()), dims, c.bias.as_ref().map(|b| to_vec(b.val().into_data())).unwrap_or_default())
            })
            .collect()
    }

    /// Dense weights `[in, out]` and biases, hidden layers then the output layer.
    pub fn dense_weights(&self) -> Vec<(Vec<f32>, Vec<usize>, Vec<f32>)> {
        self.hidden
            .iter()
            .chain(std::iter::once(&self.output))
            .map(|l| {
                let w = l.weight.val();
                let dims = w.dims().to_vec();
                (to_vec(w.into_data()), dims, l.bias.as_ref().map(|b| to_vec(b.val().into_data())).unwrap_or_default())
            })
            .collect()
    }
}

fn to_vec(d: TensorData) -> Vec<f32> {
    d.convert::<f32>().try_into_vec::<f32>().expect("f32 tensor data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_same_padding() {
        assert_eq!(same_pads(3, 1, 224), (1, 1));
        assert_eq!(same_pads(4, 1, 112), (1, 2));
        assert_eq!(same_pads(5, 1, 56), (2, 2));
        assert_eq!(same_pads(2, 2, 224), (0, 0));
        assert_eq!(same_pads(4, 2, 112), (1, 1));
        assert_eq!(same_pads(4, 2, 7), (1, 2));
        assert_eq!(same_pads(2, 2, 7), (0, 1));
    }

    #[test]
    fn geometry_at_224_matches_keras_summary() {
        let spec = CnnSpec::new(224, 6);
        let sizes: Vec<usize> = spec.stages.iter().map(|s| s.out_size).collect();
        assert_eq!(sizes, [112, 56, 28]);
        assert_eq!(spec.flat, 16 * 28 * 28);
    }
}
