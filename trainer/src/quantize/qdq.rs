//! Full static int8 in the QDQ format (QuantizeLinear → DequantizeLinear pairs, standard ops
//! only): per-channel symmetric int8 weights, int32 biases, per-tensor asymmetric int8
//! activations with ranges from calibration. This is the format onnxruntime, TFLite converters
//! and NPU compilers (Hailo, IMX500) take as "a quantized model".
//!
//! Quantized activations: the data input of every Conv/Gemm/MatMul, and its output (after the
//! Relu when a Relu follows), except the logits that feed the Softmax, which stay f32 so that
//! two close classes are not rounded into a tie.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result};
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::pb::{GraphProto, ModelProto, NodeProto};

use super::onnx_edit::*;
use super::weights::{WeightScales, quantize_weights};

const QUANTIZABLE: [&str; 3] = ["Conv", "Gemm", "MatMul"];

/// The activations [`static_qdq`] quantizes, in graph order; calibrate these.
pub fn activations_to_quantize(g: &GraphProto) -> Vec<String> {
    let constants: HashSet<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
    let outputs: HashSet<&str> = g.output.iter().map(|o| o.name.as_str()).collect();
    let consumers = |t: &str| g.node.iter().filter(move |n| n.input.iter().any(|i| i == t)).collect::<Vec<_>>();
    let mut picked: Vec<String> = Vec::new();
    let mut push = |t: &str| {
        if !picked.iter().any(|p| p == t) {
            picked.push(t.to_string());
        }
    };
    for n in g.node.iter().filter(|n| QUANTIZABLE.contains(&n.op_type.as_str()) && weight_of(g, n).is_some()) {
        if let Some(x) = n.input.first().filter(|x| !constants.contains(x.as_str()) && !already_quantized(g, x)) {
            push(x);
        }
        let Some(out) = n.output.first() else { continue };
        let next = consumers(out);
        let tensor = match next.as_slice() {
            [only] if only.op_type == "Relu" => only.output[0].as_str(),
            _ => out.as_str(),
        };
        let feeds_softmax = consumers(tensor).iter().any(|c| c.op_type == "Softmax");
        if !outputs.contains(tensor) && !feeds_softmax {
            push(tensor);
        }
    }
    picked
}

/// Whether `t` comes straight (through shape-only ops) from a DequantizeLinear: an activation a
/// quantized backbone already rounds to its own uint8/int8 levels (MobileNetV3-Small's). Quantizing
/// it again adds nothing, and tract cannot fold a uint8 → int8 pair.
fn already_quantized(g: &GraphProto, t: &str) -> bool {
    let mut t = t;
    while let Some(n) = g.node.iter().find(|n| n.output.iter().any(|o| o == t)) {
        match n.op_type.as_str() {
            "DequantizeLinear" => return true,
            "Flatten" | "Reshape" | "Identity" | "Squeeze" | "Unsqueeze" => match n.input.first() {
                Some(i) => t = i,
                None => return false,
            },
            _ => return false,
        }
    }
    false
}

/// Per-tensor asymmetric int8 parameters for a range: `(scale, zero_point)`. The range is
/// widened to contain 0 so that 0 (padding, ReLU) is represented exactly.
pub fn activation_params(range: (f32, f32)) -> (f32, i8) {
    let lo = range.0.min(0.0);
    let hi = range.1.max(0.0).max(lo + 1e-6);
    let scale = (hi - lo) / 255.0;
    let zero_point = (-128.0 - lo / scale).round().clamp(-128.0, 127.0) as i8;
    (scale, zero_point)
}

/// What [`static_qdq`] did.
#[derive(Debug, Clone, Copy, Default)]
pub struct QdqSummary {
    pub weights: usize,
    pub biases: usize,
    pub activations: usize,
}

/// The QDQ variant of `model`; `ranges` must hold every tensor of [`activations_to_quantize`].
pub fn static_qdq(model: &ModelProto, ranges: &HashMap<String, (f32, f32)>) -> Result<(ModelProto, QdqSummary)> {
    let mut out = model.clone();
    let g = out.graph.as_mut().context("the model has no graph")?;
    let tensors = activations_to_quantize(g);
    let mut params = HashMap::new();
    for t in &tensors {
        let range = ranges.get(t).with_context(|| format!("no calibration range for activation {t:?}"))?;
        params.insert(t.clone(), activation_params(*range));
    }
    let (mut head, weight_scales) = quantize_weights(g)?;
    let biases = quantize_biases(g, &params, &weight_scales, &mut head)?;

    // Scale and zero point initializers, then Q → DQ right after each tensor's producer, and
    // every consumer reading the dequantized copy.
    let original = std::mem::take(&mut g.node);
    let mut nodes = head;
    let qdq_after = |t: &str, nodes: &mut Vec<NodeProto>, g: &mut GraphProto| {
        if let Some((scale, zp)) = params.get(t) {
            let (s, z, q, dq) = (format!("{t}.q_scale"), format!("{t}.q_zero_point"), format!("{t}.q"), format!("{t}.dq"));
            g.initializer.push(f32_tensor(&s, &[], &[*scale]));
            g.initializer.push(i8_tensor(&z, &[], &[*zp]));
            nodes.push(node("QuantizeLinear", &format!("{t}.quantize"), &[t, &s, &z], &q, vec![]));
            nodes.push(dequantize(&format!("{t}.dequantize"), &q, &s, &z, &dq, None));
        }
    };
    for input in g.input.clone() {
        qdq_after(&input.name, &mut nodes, g);
    }
    for mut n in original {
        for i in n.input.iter_mut() {
            if params.contains_key(i.as_str()) {
                *i = format!("{i}.dq");
            }
        }
        let produced = n.output.clone();
        nodes.push(n);
        for t in &produced {
            qdq_after(t, &mut nodes, g);
        }
    }
    g.node = nodes;
    Ok((out, QdqSummary { weights: weight_scales.len(), biases, activations: tensors.len() }))
}

/// int32 biases with scale `input scale × weight scale` per channel (what int8 kernels add to
/// their int32 accumulators), for every Conv/Gemm whose input and weight are quantized.
fn quantize_biases(g: &mut GraphProto, params: &HashMap<String, (f32, i8)>, weight_scales: &WeightScales, head: &mut Vec<NodeProto>) -> Result<usize> {
    let mut done = HashSet::new();
    let jobs: Vec<(String, f32, Vec<f32>)> = g
        .node
        .iter()
        .filter(|n| n.op_type == "Conv" || n.op_type == "Gemm")
        .filter_map(|n| {
            let (x, w, b) = (n.input.first()?, n.input.get(1)?, n.input.get(2)?);
            Some((b.clone(), params.get(x)?.0, weight_scales.get(w)?.clone()))
        })
        .collect();
    for (b, sx, sw) in jobs {
        let Some(idx) = initializer_index(g, &b) else { continue };
        let t = &g.initializer[idx];
        if t.data_type != DataType::Float as i32 || !done.insert(b.clone()) {
            continue;
        }
        let values = f32_values(t)?;
        if values.len() != sw.len() {
            continue; // broadcast bias: left in f32
        }
        let scales: Vec<f32> = sw.iter().map(|s| s * sx).collect();
        let q: Vec<i32> = values.iter().zip(&scales).map(|(v, s)| (v / s).round().clamp(i32::MIN as f32, i32::MAX as f32) as i32).collect();
        let n = values.len() as i64;
        let (q_name, s_name, z_name) = (format!("{b}.int32"), format!("{b}.scale"), format!("{b}.zero_point"));
        g.initializer[idx] = i32_tensor(&q_name, &[n], &q);
        g.initializer.push(f32_tensor(&s_name, &[n], &scales));
        g.initializer.push(i32_tensor(&z_name, &[n], &vec![0; values.len()]));
        head.push(dequantize(&format!("{b}.dequantize"), &q_name, &s_name, &z_name, &b, Some(0)));
    }
    Ok(done.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_params_cover_the_range_and_zero() {
        let (s, z) = activation_params((0.0, 6.0));
        assert_eq!(z, -128);
        assert!((s - 6.0 / 255.0).abs() < 1e-9);
        let (s, z) = activation_params((-1.0, 1.0));
        let q_of = |x: f32| ((x / s).round() + z as f32).clamp(-128.0, 127.0);
        assert_eq!(q_of(-1.0), -128.0);
        assert!((q_of(1.0) - 127.0).abs() <= 1.0);
        assert_eq!(q_of(0.0), z as f32);
        // A range that excludes 0 is widened to include it.
        let (s, z) = activation_params((2.0, 4.0));
        assert_eq!(z, -128);
        assert!((s - 4.0 / 255.0).abs() < 1e-9);
    }

    /// A head on a quantized backbone: its input already is the backbone's uint8 levels (and
    /// tract cannot fold a uint8 → int8 pair), so only the head's own activations are picked.
    #[test]
    fn a_quantized_backbones_output_is_not_quantized_again() {
        let mut g = GraphProto::default();
        g.initializer.push(f32_tensor("w1", &[4, 3], &[0.1; 12]));
        g.initializer.push(f32_tensor("w2", &[3, 2], &[0.1; 6]));
        g.node.push(dequantize("dq", "features_u8", "s", "z", "features_4d", None));
        g.node.push(node("Flatten", "flat", &["features_4d"], "features", vec![]));
        g.node.push(node("MatMul", "fc1", &["features", "w1"], "h", vec![]));
        g.node.push(node("Relu", "relu", &["h"], "hr", vec![]));
        g.node.push(node("MatMul", "fc2", &["hr", "w2"], "logits", vec![]));
        g.node.push(node("Softmax", "softmax", &["logits"], "probabilities", vec![]));
        assert_eq!(activations_to_quantize(&g), ["hr"]);
        // The same head on plain f32 features quantizes its input too.
        g.node.remove(0);
        assert_eq!(activations_to_quantize(&g), ["features", "hr"]);
    }
}
