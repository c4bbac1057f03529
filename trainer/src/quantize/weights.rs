//! Weight quantization: every Conv/Gemm/MatMul weight becomes an int8 initializer (symmetric,
//! per output channel) read through a `DequantizeLinear`. With nothing else changed this is the
//! weights-only int8 variant: a quarter of the file, the same arithmetic at run time (tract folds
//! the constant `DequantizeLinear` back into f32 weights when it loads the model).

use std::collections::HashMap;

use anyhow::{Context, Result};
use tract_onnx::pb::{GraphProto, ModelProto, NodeProto};

use super::onnx_edit::*;

/// Per-channel scales of each quantized weight, by the weight's original name.
pub type WeightScales = HashMap<String, Vec<f32>>;

/// Replaces the weights of `g` in place; returns the `DequantizeLinear` nodes to put at the
/// head of the graph and the scales used.
pub fn quantize_weights(g: &mut GraphProto) -> Result<(Vec<NodeProto>, WeightScales)> {
    let mut head = Vec::new();
    let mut scales = WeightScales::new();
    let targets: Vec<(usize, i64)> = g.node.iter().filter_map(|n| weight_of(g, n)).collect();
    for (idx, axis) in targets {
        let name = g.initializer[idx].name.clone();
        if scales.contains_key(&name) {
            continue; // shared by several nodes: done once
        }
        let t = &g.initializer[idx];
        let values = f32_values(t)?;
        let (q, s) = quantize_per_channel(&values, &t.dims, axis as usize).with_context(|| format!("weight {name:?}"))?;
        let dims = t.dims.clone();
        let channels = s.len() as i64;
        let (q_name, s_name, z_name) = (format!("{name}.int8"), format!("{name}.scale"), format!("{name}.zero_point"));
        g.initializer[idx] = i8_tensor(&q_name, &dims, &q);
        g.initializer.push(f32_tensor(&s_name, &[channels], &s));
        g.initializer.push(i8_tensor(&z_name, &[channels], &vec![0; s.len()]));
        head.push(dequantize(&format!("{name}.dequantize"), &q_name, &s_name, &z_name, &name, Some(axis)));
        scales.insert(name, s);
    }
    Ok((head, scales))
}

/// The weights-only int8 variant of `model` and the number of weight tensors quantized.
pub fn int8_weights_only(model: &ModelProto) -> Result<(ModelProto, usize)> {
    let mut out = model.clone();
    let g = out.graph.as_mut().context("the model has no graph")?;
    let (mut head, scales) = quantize_weights(g)?;
    head.append(&mut g.node);
    g.node = head;
    Ok((out, scales.len()))
}
