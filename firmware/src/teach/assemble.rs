//! A taught model: the base landmark model with its head replaced. Everything up to the hand
//! features (landmark network, features) stays the base model's own graph, byte for byte; the
//! new head, softmax and no-hand gate are built with the same functions the desktop trainer
//! uses (`model::graph::add_dense_head`, `model::hand_features::add_presence_gate`).

use std::path::Path;

use tract_onnx::pb::ModelProto;
use tract_onnx::pb::StringStringEntryProto;
use tract_onnx::pb::tensor_proto::DataType;

use super::examples::{FEATURES_TENSOR, PRESENCE_TENSOR};
use super::known::KnownPoses;
use crate::error::{Error, Result};
use crate::model::ModelInfo;
use crate::model::contract::{KEY_QUANTIZATION, OUTPUT_NAME};
use crate::model::graph::{DenseWeights, Dim, GraphBuilder, add_dense_head, attr_int};
use crate::model::hand_features::add_presence_gate;

/// What belongs to a beckon landmark model's head (nodes and their weights).
fn is_head(name: &str) -> bool {
    name.starts_with("beckon_head") || name.starts_with("beckon_known_") || name == "beckon_softmax" || name.starts_with("beckon_gate_")
}

/// `base` with `head` in place of its own; `info` becomes its metadata (other keys of the
/// base, such as the backbone's provenance, are kept).
pub fn with_head(path: &Path, base: &ModelProto, head: &DenseWeights, known: Option<&KnownPoses>, info: &ModelInfo) -> Result<ModelProto> {
    let contract = |problem: String| Error::Contract { path: path.to_path_buf(), field: "graph".into(), problem };
    let mut graph = base.graph.clone().ok_or_else(|| contract("no graph".into()))?;
    for needed in [FEATURES_TENSOR, PRESENCE_TENSOR] {
        if !graph.node.iter().any(|n| n.output.iter().any(|o| o == needed)) {
            return Err(contract(format!("no {needed} tensor: only a beckon hand-landmark model can be taught")));
        }
    }
    graph.node.retain(|n| !is_head(&n.name) && !n.output.iter().any(|o| o == OUTPUT_NAME));
    graph.initializer.retain(|t| !is_head(&t.name));
    graph.output.retain(|o| o.name != OUTPUT_NAME);
    let mut g = GraphBuilder::extend(graph);
    let logits = add_dense_head(&mut g, FEATURES_TENSOR, std::slice::from_ref(head));
    let p = g.node("Softmax", "beckon_softmax", &[&logits], "beckon_softmax", vec![attr_int("axis", 1)]);
    // Poses far from every taught gesture count as no hand, like crops without one.
    let presence = match known {
        Some(k) => k.add_to_graph(&mut g, FEATURES_TENSOR, PRESENCE_TENSOR),
        None => PRESENCE_TENSOR.to_string(),
    };
    add_presence_gate(&mut g, &p, &presence, OUTPUT_NAME, "beckon_gate_");
    g.output(OUTPUT_NAME, DataType::Float, &[Dim::Fixed(1), Dim::Fixed(head.outputs as i64 + 1)]);
    let mut graph = std::mem::take(g.graph_mut());
    // The probabilities first, as every beckon model has them.
    graph.output.sort_by_key(|o| o.name != OUTPUT_NAME);
    let mut model = base.clone();
    model.graph = Some(graph);
    let ours = info.to_metadata();
    // What ModelInfo writes is replaced (the base's quantization note too: this head is f32).
    model.metadata_props.retain(|p| p.key != KEY_QUANTIZATION && !ours.iter().any(|(k, _)| *k == p.key));
    model.metadata_props.extend(ours.into_iter().map(|(key, value)| StringStringEntryProto { key, value }));
    model.producer_name = "beckon train".into();
    Ok(model)
}
