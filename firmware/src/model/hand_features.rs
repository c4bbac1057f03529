//! Hand-landmark gesture models: the parts of the graph between MediaPipe's landmark network and
//! the head, and after the head.
//!
//! ```text
//! landmarks [1,63] → Reshape [1,21,3] ─┬→ 19 joint-angle cosines ─────────────┐
//!                                      └→ 210 pairwise distances / hand size ─┴→ Concat → features [1,229]
//! softmax [1,N] × presence, Concat (1 − presence) → probabilities [1,N+1]   (the no-hand label last)
//! ```
//!
//! The features are what carried over best to people the model never saw (see FACTS.md): both
//! kinds are unchanged by where the hand is, how big it is (distances are divided by the
//! wrist → middle-finger-base length), how it is turned (in the image plane or in depth) and by
//! mirroring (a left hand gives the features of the mirrored right hand). So translating to the
//! wrist, scaling, rotating upright and mirroring left hands by the handedness output, which
//! raw coordinates would need, are built into the features rather than done as separate steps.

use tract_onnx::pb::tensor_proto::DataType;

use super::graph::{Dim, GraphBuilder, attr_int};

/// Landmarks per hand (MediaPipe order: 0 wrist; thumb 1–4; index 5–8; middle 9–12; ring
/// 13–16; little 17–20).
pub const LANDMARKS: usize = 21;
/// Joints as (a, b, c): the angle at b between b→a and b→c. Three per finger along its chain,
/// and the four spreads between neighbouring finger bases seen from the wrist.
pub const JOINTS: [(usize, usize, usize); 19] = [
    (0, 1, 2),
    (1, 2, 3),
    (2, 3, 4),
    (0, 5, 6),
    (5, 6, 7),
    (6, 7, 8),
    (0, 9, 10),
    (9, 10, 11),
    (10, 11, 12),
    (0, 13, 14),
    (13, 14, 15),
    (14, 15, 16),
    (0, 17, 18),
    (17, 18, 19),
    (18, 19, 20),
    (1, 0, 5),
    (5, 0, 9),
    (9, 0, 13),
    (13, 0, 17),
];
/// Length of the feature vector: joint cosines, then pairwise distances.
pub const FEATURES: usize = JOINTS.len() + LANDMARKS * (LANDMARKS - 1) / 2;
/// The landmark pair whose distance is the hand's size: wrist → middle-finger base.
const SIZE_PAIR: (usize, usize) = (0, 9);
/// Keeps divisions finite when landmarks collapse onto one point (no hand).
const EPSILON: f32 = 1e-6;

/// All pairs i < j, in order.
pub fn pairs() -> Vec<(usize, usize)> {
    (0..LANDMARKS).flat_map(|i| (i + 1..LANDMARKS).map(move |j| (i, j))).collect()
}

/// Adds the feature nodes on `landmarks` (`[B, 63]`) and returns the features' name (`[B, 229]`).
/// Names start with `prefix`.
pub fn add_features(g: &mut GraphBuilder, landmarks: &str, prefix: &str) -> String {
    let n = |s: &str| format!("{prefix}{s}");
    let shape = g.ints(&n("shape"), &[3], &[-1, LANDMARKS as i64, 3]);
    let points = g.node("Reshape", &n("points"), &[landmarks, &shape], &n("points"), vec![]);
    let axis2 = g.ints(&n("axis2"), &[1], &[2]);
    let gather = |g: &mut GraphBuilder, what: &str, index: Vec<i64>| {
        let idx = g.ints(&n(&format!("{what}_index")), &[index.len()], &index);
        g.node("Gather", &n(what), &[&points, &idx], &n(what), vec![attr_int("axis", 1)])
    };
    // Σ over x, y, z of a·b: [B, K, 3] → [B, K].
    let dot = |g: &mut GraphBuilder, what: &str, a: &str, b: &str| {
        let m = g.node("Mul", &n(&format!("{what}_mul")), &[a, b], &n(&format!("{what}_mul")), vec![]);
        g.node("ReduceSum", &n(what), &[&m, &axis2], &n(what), vec![attr_int("keepdims", 0)])
    };
    let eps = g.weight(&n("epsilon"), &[], &[EPSILON]);

    // Joint-angle cosines.
    let a = gather(g, "joint_a", JOINTS.iter().map(|j| j.0 as i64).collect());
    let b = gather(g, "joint_b", JOINTS.iter().map(|j| j.1 as i64).collect());
    let c = gather(g, "joint_c", JOINTS.iter().map(|j| j.2 as i64).collect());
    let u = g.node("Sub", &n("joint_u"), &[&a, &b], &n("joint_u"), vec![]);
    let v = g.node("Sub", &n("joint_v"), &[&c, &b], &n("joint_v"), vec![]);
    let uv = dot(g, "joint_uv", &u, &v);
    let uu = dot(g, "joint_uu", &u, &u);
    let vv = dot(g, "joint_vv", &v, &v);
    let norms2 = g.node("Mul", &n("joint_norms2"), &[&uu, &vv], &n("joint_norms2"), vec![]);
    let norms = g.node("Sqrt", &n("joint_norms"), &[&norms2], &n("joint_norms"), vec![]);
    let norms = g.node("Add", &n("joint_norms_eps"), &[&norms, &eps], &n("joint_norms_eps"), vec![]);
    let cosines = g.node("Div", &n("joint_cos"), &[&uv, &norms], &n("joint_cos"), vec![]);

    // Pairwise distances over the hand's size.
    let pairs = pairs();
    let size_index = pairs.iter().position(|p| *p == SIZE_PAIR).expect("the size pair is a pair") as i64;
    let p = gather(g, "pair_i", pairs.iter().map(|p| p.0 as i64).collect());
    let q = gather(g, "pair_j", pairs.iter().map(|p| p.1 as i64).collect());
    let d = g.node("Sub", &n("pair_d"), &[&p, &q], &n("pair_d"), vec![]);
    let d2 = dot(g, "pair_d2", &d, &d);
    let dist = g.node("Sqrt", &n("pair_dist"), &[&d2], &n("pair_dist"), vec![]);
    let size_idx = g.ints(&n("size_index"), &[1], &[size_index]);
    let size = g.node("Gather", &n("size"), &[&dist, &size_idx], &n("size"), vec![attr_int("axis", 1)]);
    let size = g.node("Add", &n("size_eps"), &[&size, &eps], &n("size_eps"), vec![]);
    let scaled = g.node("Div", &n("pair_scaled"), &[&dist, &size], &n("pair_scaled"), vec![]);

    g.node("Concat", &n("features"), &[&cosines, &scaled], &n("features"), vec![attr_int("axis", 1)])
}

/// Adds the no-hand gate: `[probabilities × presence, 1 − presence]` into `output` (`[B, N+1]`).
pub fn add_presence_gate(g: &mut GraphBuilder, probabilities: &str, presence: &str, output: &str, prefix: &str) -> String {
    let n = |s: &str| format!("{prefix}{s}");
    let one = g.weight(&n("one"), &[], &[1.0]);
    let scaled = g.node("Mul", &n("scaled"), &[probabilities, presence], &n("scaled"), vec![]);
    let absent = g.node("Sub", &n("absent"), &[&one, presence], &n("absent"), vec![]);
    g.node("Concat", output, &[&scaled, &absent], output, vec![attr_int("axis", 1)])
}

/// The gate of [`add_presence_gate`] on one example, in Rust (for checks and evaluation).
pub fn gate(probabilities: &[f32], presence: f32) -> Vec<f32> {
    probabilities.iter().map(|p| p * presence).chain([1.0 - presence]).collect()
}

/// A standalone graph `landmarks [B, 63]` → `features [B, 229]`, for tests.
pub fn feature_model() -> tract_onnx::pb::ModelProto {
    let mut g = GraphBuilder::new("hand features");
    g.input("landmarks", DataType::Float, &[Dim::Named("batch"), Dim::Fixed(3 * LANDMARKS as i64)]);
    let f = add_features(&mut g, "landmarks", "hf_");
    g.output(&f, DataType::Float, &[Dim::Named("batch"), Dim::Fixed(FEATURES as i64)]);
    g.finish("beckon-train", "hand-landmark features", vec![])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::graph;
    use tract_onnx::prelude::*;

    fn features(model: &std::sync::Arc<TypedRunnableModel>, points: &[[f32; 3]]) -> Vec<f32> {
        let flat: Vec<f32> = points.iter().flatten().copied().collect();
        let input = tract_ndarray::Array2::from_shape_vec((1, 63), flat).unwrap();
        let out = model.run(tvec!(Tensor::from(input).into())).unwrap();
        out[0].try_as_plain_ram().unwrap().as_slice::<f32>().unwrap().to_vec()
    }

    fn hand() -> Vec<[f32; 3]> {
        // A plausible open hand: fingers fanning up from the wrist, with some depth.
        let mut p = vec![[0.0; 3]; 21];
        for f in 0..5 {
            let angle = -0.9 + 0.45 * f as f32;
            for k in 1..=4 {
                let r = 20.0 + 18.0 * k as f32 + if f == 0 { -10.0 } else { 0.0 };
                let bend = if f == 2 { 0.3 * k as f32 } else { 0.0 };
                p[f * 4 + k] = [r * (angle + bend).sin(), -r * (angle + bend).cos(), 3.0 * k as f32 - f as f32];
            }
        }
        p
    }

    #[test]
    fn features_ignore_position_size_rotation_and_mirroring() {
        let bytes = graph::encode(&feature_model());
        let model = tract_onnx::onnx()
            .model_for_read(&mut bytes.as_slice())
            .unwrap()
            .with_input_fact(0, f32::fact([1, 63]).into())
            .unwrap()
            .into_optimized()
            .unwrap()
            .into_runnable()
            .unwrap();
        let base = hand();
        let want = features(&model, &base);
        assert_eq!(want.len(), FEATURES);
        // Moved, scaled ×1.7, turned 40° in the image plane and mirrored left-right.
        let (s, c) = 40f32.to_radians().sin_cos();
        let moved: Vec<[f32; 3]> = base.iter().map(|[x, y, z]| [-(c * x - s * y) * 1.7 + 80.0, (s * x + c * y) * 1.7 + 30.0, z * 1.7]).collect();
        let got = features(&model, &moved);
        let worst = want.iter().zip(&got).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(worst < 1e-4, "features changed by {worst}");
        // A different hand shape (a fist: fingertips folded to the palm) changes them.
        let mut fist = base.clone();
        for f in 1..5 {
            fist[f * 4 + 4] = fist[f * 4 + 1];
        }
        let other = features(&model, &fist);
        let moved_by = want.iter().zip(&other).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(moved_by > 0.3, "a fist looks like an open hand: {moved_by}");
        // The wrist → middle-finger-base distance is 1 after scaling.
        let size_at = JOINTS.len() + pairs().iter().position(|p| *p == SIZE_PAIR).unwrap();
        assert!((want[size_at] - 1.0).abs() < 1e-5);
        // Collapsed landmarks (no hand) stay finite.
        assert!(features(&model, &[[5.0, 5.0, 0.0]; 21]).iter().all(|v| v.is_finite()));
    }

    #[test]
    fn gate_sums_to_one() {
        let g = gate(&[0.2, 0.8], 0.25);
        assert_eq!(g, vec![0.05, 0.2, 0.75]);
    }
}
