//! Where to cut a backbone graph, and which of its nodes the suffix holds.

use std::collections::{HashMap, HashSet};

use anyhow::{Result, bail};
use tract_onnx::pb::{ModelProto, NodeProto, TensorProto};

/// The backbone split at `tensor`.
#[derive(Debug, Clone)]
pub struct Cut {
    /// Index of the first suffix node.
    pub start: usize,
    /// The tensor between prefix and suffix.
    pub tensor: String,
    /// The suffix nodes, in graph order.
    pub nodes: Vec<NodeProto>,
    /// Initializers by name (for the suffix's weights and constants).
    pub initializers: HashMap<String, TensorProto>,
    /// The graph output (features).
    pub output: String,
}

fn int_attr(node: &NodeProto, name: &str) -> Option<i64> {
    node.attribute.iter().find(|a| a.name == name).map(|a| a.i)
}

/// Cuts `proto` at the input of its `blocks`-th depthwise convolution (Conv with group > 1)
/// counted from the end. Fails with the reason if the graph has fewer, or if the suffix would
/// need any tensor of the prefix other than the cut (a skip connection across the cut).
pub fn cut(proto: &ModelProto, blocks: usize) -> Result<Cut> {
    let Some(graph) = proto.graph.as_ref() else { bail!("the backbone has no graph") };
    if blocks == 0 {
        bail!("--fine-tune 0 means no fine-tuning");
    }
    let depthwise: Vec<usize> =
        graph.node.iter().enumerate().filter(|(_, n)| n.op_type == "Conv" && int_attr(n, "group").unwrap_or(1) > 1).map(|(i, _)| i).collect();
    if depthwise.len() < blocks {
        bail!("--fine-tune {blocks}: the backbone has {} depthwise convolution blocks", depthwise.len());
    }
    let start = depthwise[depthwise.len() - blocks];
    let tensor = graph.node[start].input[0].clone();
    let nodes: Vec<NodeProto> = graph.node[start..].to_vec();
    let initializers: HashMap<String, TensorProto> = graph.initializer.iter().map(|t| (t.name.clone(), t.clone())).collect();
    let mut known: HashSet<&str> = HashSet::from([tensor.as_str()]);
    for n in &nodes {
        for i in n.input.iter().filter(|i| !i.is_empty()) {
            if !known.contains(i.as_str()) && !initializers.contains_key(i) {
                bail!(
                    "--fine-tune {blocks}: node {} ({}) reads {i}, computed before the cut; this backbone cannot be cut there \
                     (a skip connection crosses it), try another number of blocks",
                    n.name,
                    n.op_type
                );
            }
        }
        known.extend(n.output.iter().map(String::as_str));
    }
    // A trainable weight must belong to the suffix alone.
    for n in &graph.node[..start] {
        for i in &n.input {
            if nodes.iter().any(|s| s.op_type == "Conv" && s.input.iter().skip(1).any(|w| w == i)) {
                bail!("--fine-tune {blocks}: weight {i} is shared with a frozen layer; this backbone cannot be fine-tuned there");
            }
        }
    }
    let output = graph.output.first().map(|o| o.name.clone()).unwrap_or_default();
    Ok(Cut { start, tensor, nodes, initializers, output })
}

/// The backbone with its output moved to the cut (the frozen prefix).
pub fn prefix(proto: &ModelProto, cut: &Cut) -> ModelProto {
    let mut p = proto.clone();
    if let Some(g) = p.graph.as_mut() {
        g.node.truncate(cut.start);
        let mut out = g.output[0].clone();
        out.name = cut.tensor.clone();
        out.r#type = None;
        g.output = vec![out];
    }
    p
}
