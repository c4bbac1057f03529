//! A backbone as a feature extractor, one ONNX graph:
//!
//! ```text
//! image u8 [1,3,S,S] → Cast f32 → Sub mean → Div std → backbone → Flatten → features f32 [1,D]
//! ```
//!
//! The trainer computes its training features with it ([`super::extract`]), and the exported
//! classifier (`export::transfer`) is this graph plus the head, so the features the
//! head learns from are the ones the exported model computes. A hand-landmark backbone puts
//! [`hand_features::add_features`] after the network; its output is `[features (229), presence]`.

use anyhow::{Result, bail};
use beckon::model::contract::INPUT_NAME;
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::pb::{ModelProto, OperatorSetIdProto};

use super::BackboneFile;
use super::file::{BackboneKind, LANDMARK_OUTPUTS};
use super::hand_features;
use crate::graph::{Dim, GraphBuilder, OPSET, attr_int};

/// The name of the feature tensor in [`feature_graph`].
pub const FEATURES: &str = "beckon_features";
/// Inside a landmark model: the network's outputs, renamed (so `landmarks` can be the model's).
pub const RAW: &str = "beckon_net_";
/// Inside a landmark model: the hand features the head reads.
pub const HAND_PREFIX: &str = "beckon_hand_";

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
            let hand = hand_features::add_features(&mut g, &format!("{RAW}landmarks"), HAND_PREFIX);
            g.node("Concat", "beckon_features_presence", &[&hand, &format!("{RAW}presence")], FEATURES, vec![attr_int("axis", 1)]);
        }
    }
    g.output(FEATURES, DataType::Float, &[Dim::Fixed(1), Dim::Named("features")]);
    let mut out = g.finish("beckon-train", "beckon feature extractor", vec![]);
    keep_versions(&mut out, &proto);
    Ok(out)
}

/// Keeps the backbone's IR version and opsets (at least [`OPSET`] for the default domain).
pub fn keep_versions(out: &mut ModelProto, from: &ModelProto) {
    out.ir_version = out.ir_version.max(from.ir_version);
    let mut opsets: Vec<OperatorSetIdProto> = from.opset_import.clone();
    match opsets.iter_mut().find(|o| o.domain.is_empty() || o.domain == "ai.onnx") {
        Some(o) => o.version = o.version.max(OPSET),
        None => opsets.push(OperatorSetIdProto { domain: String::new(), version: OPSET }),
    }
    out.opset_import = opsets;
}
