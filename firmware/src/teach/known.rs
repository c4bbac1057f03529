//! Poses nobody taught must not fire. A softmax head always names the closest taught gesture,
//! however far the hand is from all of them; with two gestures taught, any other hand would
//! trigger one. So the taught model also measures how far a hand is from what it was taught:
//! each gesture is a diagonal Gaussian over the hand features (its mean and spread), and the
//! distance is the mean squared deviation per feature, in spreads, from the nearest gesture.
//! Within the calibrated distance the hand counts as known; beyond it the gate moves the
//! probability to the no-hand label, exactly as the landmark network's presence does:
//!
//! ```text
//! d = min over gestures c of Σ ((x − m_c) / s_c)² / 229
//! known = sigmoid(k · (τ − d)) · presence      (k = 5.9 / τ: 0.5 at τ, 0.05 at 1.5 τ)
//! ```
//!
//! τ comes from examples the centres did not see (leave-one-recording-out: the 95th percentile
//! of held-out distances, gestures recorded twice or more); with a single recording per gesture,
//! the 99th percentile of the training distances. `beckon train --within F` scales it: how far
//! to trust is a trade-off between untaught poses that fire and taught ones shown differently
//! that do not (measured in docs/teaching.md).

use crate::model::graph::{GraphBuilder, attr_int, attr_ints};

/// How sharply the gate closes beyond τ: `k = SHARPNESS / τ`.
pub const SHARPNESS: f32 = 5.9;

/// Each taught gesture as a diagonal Gaussian (its mean and spread per feature), and the
/// distance that counts as known.
#[derive(Debug, Clone)]
pub struct KnownPoses {
    /// Per gesture, `[dims]`: its mean, and 1 / its spread (shrunk towards the spread of all
    /// examples, so that a few examples do not make a feature look exact).
    centres: Vec<Vec<f32>>,
    inverse_spread: Vec<Vec<f32>>,
    pub threshold: f32,
}

/// How much of the overall variance every gesture's own variance is given: with few examples
/// a feature may not vary within a gesture at all.
const SHRINK: f32 = 0.1;

impl KnownPoses {
    /// Each class of `x`'s mean and spread; `threshold` is set by the caller.
    pub fn fit(x: &[&[f32]], y: &[usize], classes: usize) -> Self {
        let dims = x.first().map_or(0, |v| v.len());
        let moments = |rows: &[&[f32]]| {
            let n = rows.len().max(1) as f32;
            let mut mean = vec![0f32; dims];
            rows.iter().for_each(|v| mean.iter_mut().zip(v.iter()).for_each(|(m, a)| *m += a / n));
            let mut var = vec![0f32; dims];
            rows.iter().for_each(|v| var.iter_mut().zip(v.iter().zip(&mean)).for_each(|(s, (a, m))| *s += (a - m) * (a - m) / n));
            (mean, var)
        };
        let (_, overall) = moments(x);
        let floor: Vec<f32> = overall.iter().map(|v| (SHRINK * v).max(1e-8)).collect();
        let mut centres = Vec::with_capacity(classes);
        let mut inverse_spread = Vec::with_capacity(classes);
        for c in 0..classes {
            let rows: Vec<&[f32]> = x.iter().zip(y).filter(|(_, k)| **k == c).map(|(v, _)| *v).collect();
            if rows.is_empty() {
                // No examples (a class only the base model's features hold): not a taught pose.
                continue;
            }
            let (mean, var) = moments(&rows);
            centres.push(mean);
            inverse_spread.push(var.iter().zip(&floor).map(|(v, f)| 1.0 / (v + f).sqrt()).collect());
        }
        KnownPoses { centres, inverse_spread, threshold: f32::INFINITY }
    }

    /// Mean squared distance per feature, in each gesture's own spread, to the nearest gesture.
    pub fn distance(&self, x: &[f32]) -> f32 {
        let dims = x.len().max(1) as f32;
        self.centres
            .iter()
            .zip(&self.inverse_spread)
            .map(|(c, s)| c.iter().zip(s).zip(x).map(|((m, s), a)| ((a - m) * s).powi(2)).sum::<f32>() / dims)
            .fold(f32::INFINITY, f32::min)
    }

    /// The gate's value for `x` (1 near a taught gesture, 0 far from all).
    pub fn known(&self, x: &[f32]) -> f32 {
        let k = SHARPNESS / self.threshold;
        1.0 / (1.0 + (-k * (self.threshold - self.distance(x))).exp())
    }

    /// Adds the gate on `features` `[1, D]` to `g`, times `presence` `[1, 1]`; returns the
    /// name of the result `[1, 1]` (use it as the presence of the no-hand gate).
    pub fn add_to_graph(&self, g: &mut GraphBuilder, features: &str, presence: &str) -> String {
        let n = |s: &str| format!("beckon_known_{s}");
        let (dims, classes) = (self.centres.first().map_or(0, |c| c.len()), self.centres.len());
        // (x − m_c)·s_c = x·s_c − m_c·s_c for every gesture at once: [1, D] against [C, D].
        let spread: Vec<f32> = self.inverse_spread.iter().flatten().copied().collect();
        let shifted: Vec<f32> = self.centres.iter().zip(&self.inverse_spread).flat_map(|(c, s)| c.iter().zip(s).map(|(m, s)| m * s)).collect();
        let spread = g.weight(&n("spread"), &[classes, dims], &spread);
        let shifted = g.weight(&n("shifted"), &[classes, dims], &shifted);
        let scaled = g.node("Mul", &n("scaled_x"), &[features, &spread], &n("scaled_x"), vec![]);
        let offset = g.node("Sub", &n("offset"), &[&scaled, &shifted], &n("offset"), vec![]);
        let squared = g.node("Mul", &n("squared"), &[&offset, &offset], &n("squared"), vec![]);
        let ones = g.weight(&n("ones"), &[dims, 1], &vec![1.0; dims]);
        let per_gesture = g.node("MatMul", &n("per_gesture"), &[&squared, &ones], &n("per_gesture"), vec![]);
        let nearest = g.node("ReduceMin", &n("nearest"), &[&per_gesture], &n("nearest"), vec![attr_ints("axes", &[0]), attr_int("keepdims", 1)]);
        let k = SHARPNESS / self.threshold;
        // sigmoid(k·(τ − d/D)) = sigmoid(kτ − (k/D)·d)
        let slope = g.weight(&n("slope"), &[], &[-k / dims as f32]);
        let bias = g.weight(&n("bias"), &[], &[k * self.threshold]);
        let sloped = g.node("Mul", &n("sloped"), &[&nearest, &slope], &n("sloped"), vec![]);
        let logit = g.node("Add", &n("logit"), &[&sloped, &bias], &n("logit"), vec![]);
        let gate = g.node("Sigmoid", &n("gate"), &[&logit], &n("gate"), vec![]);
        g.node("Mul", &n("presence"), &[&gate, presence], &n("presence"), vec![])
    }
}

/// The `q`-quantile of `values` (nearest rank), or `None` if there are none.
pub fn quantile(values: &mut [f32], q: f32) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f32::total_cmp);
    let i = ((q * values.len() as f32).ceil() as usize).clamp(1, values.len()) - 1;
    Some(values[i])
}
