//! The seed CNN as a standard ONNX graph:
//!
//! ```text
//! image u8 [N,3,S,S] → Cast f32 → Div 255 → (Conv → Relu → MaxPool) ×3 → Flatten
//!   → Gemm → Relu → Gemm → Relu → Gemm → Softmax → probabilities f32 [N,C]
//! ```

use beckon::ModelInfo;
use beckon::model::contract::{INPUT_NAME, OUTPUT_NAME};
use tract_onnx::pb::ModelProto;
use tract_onnx::pb::tensor_proto::DataType;

use crate::graph::{Dim, GraphBuilder, attr_int, attr_ints};
use crate::train::{CnnSpec, SeedCnn};

/// Builds the ONNX model of `model` (geometry `spec`) with `info` as its metadata.
pub fn seed_cnn_to_onnx(model: &SeedCnn, spec: &CnnSpec, info: &ModelInfo) -> ModelProto {
    let s = spec.input_size as i64;
    let mut g = GraphBuilder::new("beckon_seed_cnn");
    g.input(INPUT_NAME, DataType::Uint8, &[Dim::Named("batch"), Dim::Fixed(3), Dim::Fixed(s), Dim::Fixed(s)]);
    g.output(OUTPUT_NAME, DataType::Float, &[Dim::Named("batch"), Dim::Fixed(spec.classes as i64)]);

    let mut x = g.node("Cast", "to_float", &[INPUT_NAME], "pixels_f32", vec![attr_int("to", DataType::Float as i64)]);
    let scale = g.weight("scale_255", &[], &[255.0]);
    x = g.node("Div", "scale", &[&x, &scale], "pixels_01", vec![]);

    for (i, (stage, (w, dims, b))) in spec.stages.iter().zip(model.conv_weights()).enumerate() {
        let n = i + 1;
        let w = g.weight(&format!("conv{n}.weight"), &dims, &w);
        let b = g.weight(&format!("conv{n}.bias"), &[b.len()], &b);
        let (cb, ca) = (stage.conv_pads.0 as i64, stage.conv_pads.1 as i64);
        let k = stage.kernel as i64;
        x = g.node(
            "Conv",
            &format!("conv{n}"),
            &[&x, &w, &b],
            &format!("conv{n}"),
            vec![attr_ints("kernel_shape", &[k, k]), attr_ints("pads", &[cb, cb, ca, ca]), attr_ints("strides", &[1, 1])],
        );
        x = g.node("Relu", &format!("relu{n}"), &[&x], &format!("relu{n}"), vec![]);
        let (pb, pa) = (stage.pool_pads.0 as i64, stage.pool_pads.1 as i64);
        let (pk, ps) = (stage.pool_kernel as i64, stage.pool_stride as i64);
        x = g.node(
            "MaxPool",
            &format!("pool{n}"),
            &[&x],
            &format!("pool{n}"),
            vec![attr_ints("kernel_shape", &[pk, pk]), attr_ints("pads", &[pb, pb, pa, pa]), attr_ints("strides", &[ps, ps])],
        );
    }
    x = g.node("Flatten", "flatten", &[&x], "flat", vec![attr_int("axis", 1)]);
    let dense = model.dense_weights();
    let last = dense.len();
    for (i, (w, dims, b)) in dense.into_iter().enumerate() {
        let n = i + 1;
        let w = g.weight(&format!("dense{n}.weight"), &dims, &w);
        let b = g.weight(&format!("dense{n}.bias"), &[b.len()], &b);
        x = g.node("Gemm", &format!("dense{n}"), &[&x, &w, &b], &format!("dense{n}"), vec![]);
        if n < last {
            x = g.node("Relu", &format!("dense{n}_relu"), &[&x], &format!("dense{n}_relu"), vec![]);
        }
    }
    g.node("Softmax", "softmax", &[&x], OUTPUT_NAME, vec![attr_int("axis", 1)]);
    g.finish("beckon-train", "beckon seed CNN: u8 RGB NCHW image in, softmax probabilities out", info.to_metadata())
}
