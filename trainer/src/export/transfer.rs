//! Transfer models as one ONNX graph around a backbone:
//!
//! ```text
//! image u8 [1,3,S,S] → Cast f32 → Sub mean → Div std → backbone → Flatten → features f32 [1,D]
//!   → Gemm (D→hidden) → Relu → Gemm (hidden→N) → Softmax → probabilities f32 [1,N]
//! ```
//!
//! The first line alone is [`crate::backbone::features::feature_graph`]: the trainer computes its
//! training features with it, so the features the head learns from are the ones the exported
//! model computes.
//!
//! A hand-landmark backbone ([`BackboneKind::HandLandmarks`]) puts [`hand_features::add_features`]
//! between the network and the head, gates the softmax with the hand-presence output (the
//! no-hand label last) and adds the outputs [`LANDMARKS_NAME`] `[1, 21, 3]` and
//! `handedness` `[1, 1]` (see `beckon::model::handedness`). Its feature
//! graph's output is `[features (229), presence]`: the head learns from the first 229 values.

use anyhow::Result;
use beckon::ModelInfo;
use beckon::model::contract::{LANDMARKS_NAME, OUTPUT_NAME};
use tract_onnx::pb::ModelProto;
use tract_onnx::pb::tensor_proto::DataType;

use crate::backbone::features::{FEATURES, HAND_PREFIX, RAW, feature_graph, keep_versions};
use crate::backbone::file::BackboneKind;
use crate::backbone::hand_features as landmarks;
use crate::backbone::{BackboneFile, file};
use crate::graph::{Dim, GraphBuilder, add_dense_head, attr_int};
use crate::train::DenseWeights;

/// The whole classifier: [`feature_graph`] + the head (`layers`, ReLU between them) + softmax,
/// with the contract metadata `info` and the backbone's provenance.
pub fn classifier_graph(backbone: &BackboneFile, layers: &[DenseWeights], info: &ModelInfo) -> Result<ModelProto> {
    let features = feature_graph(backbone)?;
    let graph = features.graph.clone().unwrap_or_default();
    let mut g = GraphBuilder::extend(graph);
    g.graph_mut().output.clear();
    let hand = backbone.kind == BackboneKind::HandLandmarks;
    let mut x = FEATURES.to_string();
    if hand {
        // The head reads the hand features; presence gates its softmax below.
        g.graph_mut().node.retain(|n| n.output.iter().all(|o| o != FEATURES));
        x = format!("{HAND_PREFIX}features");
    }
    x = add_dense_head(&mut g, &x, layers);
    let classes = layers.last().map_or(0, |l| l.outputs) as i64;
    if hand {
        let p = g.node("Softmax", "beckon_softmax", &[&x], "beckon_softmax", vec![attr_int("axis", 1)]);
        landmarks::add_presence_gate(&mut g, &p, &format!("{RAW}presence"), OUTPUT_NAME, "beckon_gate_");
        g.output(OUTPUT_NAME, DataType::Float, &[Dim::Fixed(1), Dim::Fixed(classes + 1)]);
        let shape = g.ints("beckon_landmarks_shape", &[3], &[-1, landmarks::LANDMARKS as i64, 3]);
        g.node("Reshape", "beckon_landmarks", &[&format!("{RAW}landmarks"), &shape], LANDMARKS_NAME, vec![]);
        g.output(LANDMARKS_NAME, DataType::Float, &[Dim::Fixed(1), Dim::Fixed(landmarks::LANDMARKS as i64), Dim::Fixed(3)]);
        // The landmark network's handedness score: which hand (left, right) each hand is.
        beckon::model::handedness::add_output(&mut g, &format!("{RAW}handedness"));
    } else {
        g.node("Softmax", "beckon_softmax", &[&x], OUTPUT_NAME, vec![attr_int("axis", 1)]);
        g.output(OUTPUT_NAME, DataType::Float, &[Dim::Fixed(1), Dim::Fixed(classes)]);
    }
    let mut metadata = info.to_metadata();
    metadata.push((file::KEY_NAME.into(), backbone.name.clone()));
    metadata.push((file::KEY_PROVENANCE.into(), backbone.provenance.clone()));
    if hand {
        metadata.push((file::KEY_KIND.into(), backbone.kind.tag().into()));
    }
    let mut out = g.finish("beckon-train", &format!("beckon transfer model on {}: u8 RGB NCHW image in, softmax probabilities out", backbone.name), metadata);
    keep_versions(&mut out, &features);
    Ok(out)
}
