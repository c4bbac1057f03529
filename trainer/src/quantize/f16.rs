//! The f16-weights variant: every f32 initializer with more than a handful of values is stored
//! as float16 and cast back to float32 by a `Cast` at the head of the graph. Half the file; the
//! arithmetic stays f32 unless the firmware is asked to run in f16 (`beckon --f16`).

use anyhow::{Context, Result};
use tract_onnx::pb::ModelProto;
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::prelude::f16;

use super::onnx_edit::*;
use crate::graph::attr_int;

/// Initializers smaller than this stay f32 (scalars such as the 255 of the preprocessing).
const MIN_VALUES: usize = 16;

/// The f16-weights variant of `model` and the number of initializers converted.
pub fn f16_weights(model: &ModelProto) -> Result<(ModelProto, usize)> {
    let mut out = model.clone();
    let g = out.graph.as_mut().context("the model has no graph")?;
    let mut head = Vec::new();
    for t in g.initializer.iter_mut() {
        if t.data_type != DataType::Float as i32 {
            continue;
        }
        let values = f32_values(t)?;
        if values.len() < MIN_VALUES {
            continue;
        }
        let name = t.name.clone();
        let half_name = format!("{name}.f16");
        let raw = values.iter().flat_map(|v| f16::from_f32(*v).to_bits().to_le_bytes()).collect();
        *t = raw_tensor(&half_name, &t.dims, DataType::Float16, raw);
        head.push(node("Cast", &format!("{name}.to_f32"), &[&half_name], &name, vec![attr_int("to", DataType::Float as i64)]));
    }
    let converted = head.len();
    head.append(&mut g.node);
    g.node = head;
    Ok((out, converted))
}
