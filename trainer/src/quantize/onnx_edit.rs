//! Small helpers for rewriting an ONNX graph: reading f32 initializers, making typed
//! initializers, node and attribute plumbing.

use anyhow::{Context, Result, bail};
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::pb::{AttributeProto, GraphProto, NodeProto, TensorProto};

use crate::graph::attr_int;

/// The values of an f32 initializer (raw little-endian bytes or `float_data`).
pub fn f32_values(t: &TensorProto) -> Result<Vec<f32>> {
    if t.data_type != DataType::Float as i32 {
        bail!("initializer {:?} has data type {}, expected float", t.name, t.data_type);
    }
    if !t.raw_data.is_empty() {
        if !t.raw_data.len().is_multiple_of(4) {
            bail!("initializer {:?}: raw_data length {} is not a multiple of 4", t.name, t.raw_data.len());
        }
        Ok(t.raw_data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    } else {
        Ok(t.float_data.clone())
    }
}

/// An initializer of `data_type` holding `raw` little-endian bytes.
pub fn raw_tensor(name: &str, dims: &[i64], data_type: DataType, raw: Vec<u8>) -> TensorProto {
    TensorProto { name: name.into(), dims: dims.to_vec(), data_type: data_type as i32, raw_data: raw, ..Default::default() }
}

pub fn f32_tensor(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
    raw_tensor(name, dims, DataType::Float, values.iter().flat_map(|v| v.to_le_bytes()).collect())
}

pub fn i8_tensor(name: &str, dims: &[i64], values: &[i8]) -> TensorProto {
    raw_tensor(name, dims, DataType::Int8, values.iter().map(|v| *v as u8).collect())
}

pub fn i32_tensor(name: &str, dims: &[i64], values: &[i32]) -> TensorProto {
    raw_tensor(name, dims, DataType::Int32, values.iter().flat_map(|v| v.to_le_bytes()).collect())
}

/// A node with one output.
pub fn node(op: &str, name: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: op.into(),
        name: name.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        attribute,
        ..Default::default()
    }
}

/// A per-axis `DequantizeLinear` (axis attribute only when `axis` is given).
pub fn dequantize(name: &str, x: &str, scale: &str, zero_point: &str, output: &str, axis: Option<i64>) -> NodeProto {
    node("DequantizeLinear", name, &[x, scale, zero_point], output, axis.map(|a| attr_int("axis", a)).into_iter().collect())
}

/// The integer attribute `name` of `n`, or `default`.
pub fn int_attr(n: &NodeProto, name: &str, default: i64) -> i64 {
    n.attribute.iter().find(|a| a.name == name).map_or(default, |a| a.i)
}

/// Index of the initializer called `name`.
pub fn initializer_index(g: &GraphProto, name: &str) -> Option<usize> {
    g.initializer.iter().position(|t| t.name == name)
}

/// The weight initializer of a Conv/Gemm/MatMul node (input 1) and the axis of its output
/// channels, if the node has a constant f32 weight this quantizer handles.
pub fn weight_of(g: &GraphProto, n: &NodeProto) -> Option<(usize, i64)> {
    let w = n.input.get(1)?;
    let idx = initializer_index(g, w)?;
    let t = &g.initializer[idx];
    if t.data_type != DataType::Float as i32 {
        return None;
    }
    let axis = match (n.op_type.as_str(), t.dims.len()) {
        ("Conv", r) if r >= 3 => 0,
        ("Gemm", 2) => {
            if int_attr(n, "transB", 0) == 1 {
                0
            } else {
                1
            }
        }
        ("MatMul", 2) => 1,
        _ => return None,
    };
    Some((idx, axis))
}

/// Symmetric per-channel int8 quantization of `values` (shape `dims`) along `axis`:
/// `(q, scales)` with `q = round(w / scale_c)` in [-127, 127] and `scale_c = max|w_c| / 127`.
pub fn quantize_per_channel(values: &[f32], dims: &[i64], axis: usize) -> Result<(Vec<i8>, Vec<f32>)> {
    let dims: Vec<usize> = dims.iter().map(|&d| usize::try_from(d).context("negative dimension")).collect::<Result<_>>()?;
    if dims.iter().product::<usize>() != values.len() {
        bail!("initializer holds {} values, its dims {:?} say {}", values.len(), dims, dims.iter().product::<usize>());
    }
    let channels = dims[axis];
    let inner: usize = dims[axis + 1..].iter().product();
    let channel_of = |i: usize| (i / inner) % channels;
    let mut max_abs = vec![0f32; channels];
    for (i, v) in values.iter().enumerate() {
        if !v.is_finite() {
            bail!("weight value {v} at flat index {i} is not finite");
        }
        let c = channel_of(i);
        max_abs[c] = max_abs[c].max(v.abs());
    }
    let scales: Vec<f32> = max_abs.iter().map(|m| if *m > 0.0 { m / 127.0 } else { 1.0 }).collect();
    let q = values.iter().enumerate().map(|(i, v)| (v / scales[channel_of(i)]).round().clamp(-127.0, 127.0) as i8).collect();
    Ok((q, scales))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_channel_quantization_round_trips_within_half_a_step() {
        // 2 output channels (axis 1 of a [3, 2] Gemm weight) with very different ranges.
        let w = [0.5, -0.012, -1.0, 0.02, 0.25, 0.0];
        let (q, s) = quantize_per_channel(&w, &[3, 2], 1).unwrap();
        assert_eq!(s, vec![1.0 / 127.0, 0.02 / 127.0]);
        assert_eq!(q, vec![64, -76, -127, 127, 32, 0]);
        for (i, v) in w.iter().enumerate() {
            let back = q[i] as f32 * s[i % 2];
            assert!((back - v).abs() <= s[i % 2] / 2.0 + 1e-9, "{i}: {back} vs {v}");
        }
    }

    #[test]
    fn zero_channel_and_bad_values_are_handled() {
        let (q, s) = quantize_per_channel(&[0.0, 0.0], &[2, 1, 1, 1], 0).unwrap();
        assert_eq!((q, s), (vec![0, 0], vec![1.0, 1.0]));
        assert!(quantize_per_channel(&[f32::NAN], &[1, 1, 1, 1], 0).unwrap_err().to_string().contains("not finite"));
        assert!(quantize_per_channel(&[1.0], &[2, 1], 0).is_err());
    }
}
