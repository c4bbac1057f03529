//! Transfer models as one ONNX graph around a backbone:
//!
//! ```text
//! image u8 [1,3,S,S] → Cast f32 → Sub mean → Div std → backbone → Flatten → features f32 [1,D]
//!   → Gemm (D→hidden) → Relu → Gemm (hidden→N) → Softmax → probabilities f32 [1,N]
//! ```
//!
//! [`feature_graph`] is the first line alone: the trainer computes its training features with it,
//! so the features the head learns from are the ones the exported model computes.
//!
//! A hand-landmark backbone ([`BackboneKind::HandLandmarks`]) puts [`landmarks::add_features`]
//! between the network and the head, gates the softmax with the hand-presence output (the
//! no-hand label last) and adds the second output [`LANDMARKS_NAME`] `[1, 21, 3]`. Its feature
//! graph's output is `[features (229), presence]`: the head learns from the first 229 values.

use anyhow::{Result, bail};
use beckon::ModelInfo;
use beckon::model::contract::{INPUT_NAME, LANDMARKS_NAME, OUTPUT_NAME};
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::pb::{ModelProto, OperatorSetIdProto};

use super::graph::{Dim, GraphBuilder, OPSET, attr_int};
use super::landmarks;
use crate::backbone::file::{BackboneKind, LANDMARK_OUTPUTS};
use crate::backbone::{BackboneFile, file};

/// The name of the feature tensor in [`feature_graph`].
pub const FEATURES: &str = "beckon_features";
/// Inside a landmark model: the network's outputs, renamed (so `landmarks` can be the model's).
const RAW: &str = "beckon_net_";
/// Inside a landmark model: the hand features the head reads.
const HAND_PREFIX: &str = "beckon_hand_";

/// Dense layers of a head, as burn holds them: weight `[in, out]` row-major, bias `[out]`.
#[derive(Debug, Clone)]
pub struct DenseWeights {
    pub weight: Vec<f32>,
    pub inputs: usize,
    pub outputs: usize,
    pub bias: Vec<f32>,
}

/// u8 image → preprocessing → backbone → flattened features `[1, D]`.
pub fn feature_graph(backbone: &BackboneFile) -> Result<ModelProto> {
    let mut proto = backbone.proto.clone();
    let Some(mut graph) = proto.graph.take() else { bail!("backbone {}: no graph", backbone.path.display()) };
    let initializers: Vec<String> = graph.initializer.iter().map(|t| t.name.clone()).collect();
    let Some(pos) = graph.input.iter().position(|i| !initializers.contains(&i.name)) else { bail!("backbone {}: no image input", backbone.path.display()) };
    let old_input = graph.input.remove(pos).name;
    let backbone_in = "beckon_backbone_in";
    for node in &mut graph.node {
        for i in &mut node.input {
            if *i == old_input {
                *i = backbone_in.into();
            }
        }
    }
    let old_output = graph.output[0].name.clone();
    graph.output.clear();
    if backbone.kind == BackboneKind::HandLandmarks {
        for node in &mut graph.node {
            for name in node.output.iter_mut().chain(node.input.iter_mut()) {
                if LANDMARK_OUTPUTS.contains(&name.as_str()) {
                    *name = format!("{RAW}{name}");
                }
            }
        }
    }
    let s = backbone.input_size as i64;
    let mut g = GraphBuilder::extend(graph);
    g.input(INPUT_NAME, DataType::Uint8, &[Dim::Fixed(1), Dim::Fixed(3), Dim::Fixed(s), Dim::Fixed(s)]);
    let p = backbone.preprocessing;
    let mut pre = GraphBuilder::new("pre");
    let x = pre.node("Cast", "beckon_to_float", &[INPUT_NAME], "beckon_pixels_f32", vec![attr_int("to", DataType::Float as i64)]);
    let mean = pre.weight("beckon_mean", &[1, 3, 1, 1], &p.mean);
    let std = pre.weight("beckon_std", &[1, 3, 1, 1], &p.std);
    let x = pre.node("Sub", "beckon_sub_mean", &[&x, &mean], "beckon_centred", vec![]);
    pre.node("Div", "beckon_div_std", &[&x, &std], backbone_in, vec![]);
    let pre = std::mem::take(pre.graph_mut());
    {
        let graph = g.graph_mut();
        graph.initializer.extend(pre.initializer);
        let mut nodes = pre.node;
        nodes.append(&mut graph.node);
        graph.node = nodes;
    }
    match backbone.kind {
        BackboneKind::Image => {
            g.node("Flatten", "beckon_flatten", &[&old_output], FEATURES, vec![attr_int("axis", 1)]);
        }
        BackboneKind::HandLandmarks => {
            let hand = landmarks::add_features(&mut g, &format!("{RAW}landmarks"), HAND_PREFIX);
            g.node("Concat", "beckon_features_presence", &[&hand, &format!("{RAW}presence")], FEATURES, vec![attr_int("axis", 1)]);
        }
    }
    g.output(FEATURES, DataType::Float, &[Dim::Fixed(1), Dim::Named("features")]);
    let mut out = g.finish("beckon-train", "beckon feature extractor", vec![]);
    keep_versions(&mut out, &proto);
    Ok(out)
}

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
    for (i, l) in layers.iter().enumerate() {
        let n = i + 1;
        let w = g.weight(&format!("beckon_head{n}.weight"), &[l.inputs, l.outputs], &l.weight);
        let b = g.weight(&format!("beckon_head{n}.bias"), &[l.outputs], &l.bias);
        x = g.node("Gemm", &format!("beckon_head{n}"), &[&x, &w, &b], &format!("beckon_head{n}"), vec![]);
        if n < layers.len() {
            x = g.node("Relu", &format!("beckon_head{n}_relu"), &[&x], &format!("beckon_head{n}_relu"), vec![]);
        }
    }
    let classes = layers.last().map_or(0, |l| l.outputs) as i64;
    if hand {
        let p = g.node("Softmax", "beckon_softmax", &[&x], "beckon_softmax", vec![attr_int("axis", 1)]);
        landmarks::add_presence_gate(&mut g, &p, &format!("{RAW}presence"), OUTPUT_NAME, "beckon_gate_");
        g.output(OUTPUT_NAME, DataType::Float, &[Dim::Fixed(1), Dim::Fixed(classes + 1)]);
        let shape = g.ints("beckon_landmarks_shape", &[3], &[-1, landmarks::LANDMARKS as i64, 3]);
        g.node("Reshape", "beckon_landmarks", &[&format!("{RAW}landmarks"), &shape], LANDMARKS_NAME, vec![]);
        g.output(LANDMARKS_NAME, DataType::Float, &[Dim::Fixed(1), Dim::Fixed(landmarks::LANDMARKS as i64), Dim::Fixed(3)]);
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

/// Keeps the backbone's IR version and opsets (at least [`OPSET`] for the default domain).
fn keep_versions(out: &mut ModelProto, from: &ModelProto) {
    out.ir_version = out.ir_version.max(from.ir_version);
    let mut opsets: Vec<OperatorSetIdProto> = from.opset_import.clone();
    match opsets.iter_mut().find(|o| o.domain.is_empty() || o.domain == "ai.onnx") {
        Some(o) => o.version = o.version.max(OPSET),
        None => opsets.push(OperatorSetIdProto { domain: String::new(), version: OPSET }),
    }
    out.opset_import = opsets;
}
