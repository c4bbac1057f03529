//! The landmark network's handedness score as a model output.
//!
//! MediaPipe's landmark network has a third output, a left-hand score (0–1: MediaPipe's graph
//! reads it as the score of label 0, "Left", of `handedness.txt`), and it judges the hand as if
//! the picture were a mirror image (a selfie view): "it determines handedness
//! assuming the input image is mirrored" (MediaPipe Hands' documentation). beckon models made
//! since two-hand support carry it as the output [`HANDEDNESS_NAME`] `f32 [1, 1]`; models made
//! before still hold the network's tensor (the trainer names it `beckon_net_handedness`) but not
//! as an output, so tract would prune it. [`expose`] makes it an output again before tract reads
//! the graph: the shipped model gets sides without being re-exported.

use tract_onnx::pb::ModelProto;
use tract_onnx::pb::tensor_proto::DataType;

use super::contract::HANDEDNESS_NAME;
use super::graph::{Dim, GraphBuilder};

/// The tensor the trainer's landmark backbone names the network's handedness score.
pub const NETWORK_TENSOR: &str = "beckon_net_handedness";

/// Makes the handedness score the graph's last output if the graph computes it but does not
/// give it out. Returns whether the graph now has the output.
pub fn expose(model: &mut ModelProto) -> bool {
    let Some(graph) = model.graph.as_mut() else { return false };
    if graph.output.iter().any(|o| o.name == HANDEDNESS_NAME) {
        return true;
    }
    if !graph.node.iter().any(|n| n.output.iter().any(|o| o == NETWORK_TENSOR)) {
        return false;
    }
    let mut g = GraphBuilder::extend(std::mem::take(graph));
    add_output(&mut g, NETWORK_TENSOR);
    *graph = std::mem::take(g.graph_mut());
    true
}

/// Gives `tensor` (the network's score) out as [`HANDEDNESS_NAME`] `f32 [1, 1]`.
pub fn add_output(g: &mut GraphBuilder, tensor: &str) {
    g.node("Identity", "beckon_handedness", &[tensor], HANDEDNESS_NAME, vec![]);
    g.output(HANDEDNESS_NAME, DataType::Float, &[Dim::Fixed(1), Dim::Fixed(1)]);
}
