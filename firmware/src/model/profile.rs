//! Where a model's time goes: each operator of tract's optimized plan timed over a number of
//! runs (`beckon bench --profile`), so "measure first, per operator" is one command on any
//! machine, a Pi included.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::RgbImage;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::plan::SimpleState;

use super::classifier::Classifier;
use crate::error::{Error, Result};
use crate::preprocess;

/// The time of one kind of operator (tract's op name, e.g. `Conv`, `OptMatMul`), summed over
/// every node of that kind, per run.
#[derive(Debug, Clone, PartialEq)]
pub struct OpTime {
    pub op: String,
    pub nodes: usize,
    pub per_run: Duration,
}

/// The time of one node per run, with its name and what it computes.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeTime {
    pub name: String,
    pub op: String,
    /// tract's one-line description of the node's operator and output shape.
    pub detail: String,
    pub per_run: Duration,
}

/// A plan's time per run, by operator kind and by node, slowest first.
#[derive(Debug, Clone)]
pub struct Profile {
    pub runs: usize,
    /// Total of all nodes' times per run (the plan's own bookkeeping excluded).
    pub total: Duration,
    pub by_op: Vec<OpTime>,
    pub by_node: Vec<NodeTime>,
}

/// Runs `classifier` on `frame` (resized to its input) `warmup` + `runs` times, timing every
/// node of its plan on the timed runs.
pub fn profile(classifier: &Classifier, frame: &RgbImage, warmup: usize, runs: usize) -> Result<Profile> {
    let input = classifier.input_tensor(&preprocess::fit_to_input(frame, classifier.info().input_size));
    profile_plan(classifier.plan(), &input, warmup, runs)
}

/// [`profile`] for any plan and its input (the palm detector's, say).
pub fn profile_plan(plan: &Arc<TypedRunnableModel>, input: &Tensor, warmup: usize, runs: usize) -> Result<Profile> {
    let model = plan.model();
    let mut spent = vec![Duration::ZERO; model.nodes.len()];
    let inference = |e: anyhow::Error| Error::Inference(format!("{e:#}"));
    for run in 0..warmup + runs.max(1) {
        let mut state = SimpleState::new(plan).map_err(inference)?;
        let timed = run >= warmup;
        state
            .run_plan_with_eval(tvec!(input.clone().into()), |ctx, op_state, node, inputs| {
                let start = Instant::now();
                let out = tract_onnx::tract_core::plan::eval(ctx, op_state, node, inputs);
                if timed {
                    spent[node.id] += start.elapsed();
                }
                out
            })
            .map_err(inference)?;
    }
    let runs = runs.max(1);
    let mut by_op: HashMap<String, OpTime> = HashMap::new();
    let mut by_node = Vec::new();
    for node in model.nodes.iter().filter(|n| !spent[n.id].is_zero()) {
        let per_run = spent[node.id] / runs as u32;
        let op = node.op.name().to_string();
        let entry = by_op.entry(op.clone()).or_insert(OpTime { op: op.clone(), nodes: 0, per_run: Duration::ZERO });
        entry.nodes += 1;
        entry.per_run += per_run;
        let shape = model.outlet_fact(node.id.into()).map(|f| format!("{f:?}")).unwrap_or_default();
        by_node.push(NodeTime { name: node.name.clone(), op, detail: format!("{} → {shape}", node.op.info().unwrap_or_default().join(", ")), per_run });
    }
    let mut by_op: Vec<OpTime> = by_op.into_values().collect();
    by_op.sort_by(|a, b| b.per_run.cmp(&a.per_run).then(a.op.cmp(&b.op)));
    by_node.sort_by(|a, b| b.per_run.cmp(&a.per_run).then(a.name.cmp(&b.name)));
    Ok(Profile { runs, total: by_op.iter().map(|o| o.per_run).sum(), by_op, by_node })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_of_the_seed_cnn_is_timed_and_the_parts_add_up() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/fingers-cnn/model.onnx");
        let c = Classifier::load(path).unwrap();
        let frame = RgbImage::from_pixel(64, 48, image::Rgb([90, 120, 200]));
        let p = profile(&c, &frame, 1, 3).unwrap();
        assert_eq!(p.runs, 3);
        assert!(p.by_op.iter().any(|o| o.op.contains("Conv") || o.op.contains("MatMul")), "{:?}", p.by_op);
        let nodes: Duration = p.by_node.iter().map(|n| n.per_run).sum();
        let ops: Duration = p.by_op.iter().map(|o| o.per_run).sum();
        assert_eq!(nodes, ops);
        assert_eq!(p.by_op.iter().map(|o| o.nodes).sum::<usize>(), p.by_node.len());
        assert!(p.by_node.windows(2).all(|w| w[0].per_run >= w[1].per_run));
    }
}
