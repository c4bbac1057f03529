//! The taught head: multinomial logistic regression on standardised hand features.
//!
//! A few hundred examples of 229 features train in milliseconds on a Pi by plain full-batch
//! gradient descent (Adam), with an L2 penalty and every gesture weighted alike (a gesture
//! recorded twice as long does not win ties). Deterministic: zero start, no sampling. The
//! standardisation folds into the exported layer, so the model file is one `Gemm`.

use crate::model::graph::DenseWeights;

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub steps: usize,
    pub learning_rate: f32,
    /// L2 penalty on the weights (of standardised features).
    pub l2: f32,
}

impl Default for Options {
    fn default() -> Self {
        Self { steps: 300, learning_rate: 0.05, l2: 1e-3 }
    }
}

/// A trained head.
#[derive(Debug, Clone)]
pub struct Softmax {
    mean: Vec<f32>,
    scale: Vec<f32>,
    /// `[classes][dims]`.
    weight: Vec<f32>,
    bias: Vec<f32>,
    dims: usize,
    classes: usize,
}

impl Softmax {
    /// Fits `classes` classes to `x` (all the same length) labelled `y`, every class present
    /// weighing the same in total (a gesture recorded twice as long does not win ties).
    pub fn fit(x: &[&[f32]], y: &[usize], classes: usize, options: Options) -> Self {
        let mut per_class = vec![0usize; classes];
        y.iter().for_each(|&c| per_class[c] += 1);
        let present = per_class.iter().filter(|&&k| k > 0).count().max(1) as f32;
        let w: Vec<f32> = y.iter().map(|&c| 1.0 / (per_class[c] as f32 * present)).collect();
        Self::fit_weighted(x, y, &w, classes, options)
    }

    /// Fits with a weight per example (summing to 1: the L2 penalty is relative to it).
    pub fn fit_weighted(x: &[&[f32]], y: &[usize], w: &[f32], classes: usize, options: Options) -> Self {
        let dims = x.first().map_or(0, |v| v.len());
        let n = x.len().max(1) as f32;
        let mut mean = vec![0f32; dims];
        for v in x {
            mean.iter_mut().zip(v.iter()).for_each(|(m, a)| *m += a / n);
        }
        let mut scale = vec![0f32; dims];
        for v in x {
            scale.iter_mut().zip(v.iter().zip(&mean)).for_each(|(s, (a, m))| *s += (a - m) * (a - m) / n);
        }
        // 1 / standard deviation. A feature constant up to f32 rounding (deviation below 1e-5 of
        // its size) is left as it is: dividing rounding noise by itself would make a huge weight.
        scale.iter_mut().zip(&mean).for_each(|(s, m)| {
            let sd = s.sqrt();
            *s = if sd > 1e-5 * m.abs().max(1.0) { 1.0 / sd } else { 1.0 };
        });
        let z: Vec<Vec<f32>> = x.iter().map(|v| v.iter().zip(&mean).zip(&scale).map(|((a, m), s)| (a - m) * s).collect()).collect();
        let mut head = Softmax { mean, scale, weight: vec![0.0; classes * dims], bias: vec![0.0; classes], dims, classes };
        let params = classes * (dims + 1);
        let (mut m1, mut m2) = (vec![0f32; params], vec![0f32; params]);
        let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        for step in 1..=options.steps {
            let mut grad = vec![0f32; params];
            for ((zi, &yi), &w) in z.iter().zip(y).zip(w) {
                let p = head.probabilities_standardised(zi);
                for c in 0..classes {
                    let g = w * (p[c] - if c == yi { 1.0 } else { 0.0 });
                    let row = &mut grad[c * dims..(c + 1) * dims];
                    row.iter_mut().zip(zi).for_each(|(r, a)| *r += g * a);
                    grad[classes * dims + c] += g;
                }
            }
            for (g, w) in grad.iter_mut().zip(&head.weight) {
                *g += options.l2 * w;
            }
            let (c1, c2) = (1.0 - b1.powi(step as i32), 1.0 - b2.powi(step as i32));
            for i in 0..params {
                m1[i] = b1 * m1[i] + (1.0 - b1) * grad[i];
                m2[i] = b2 * m2[i] + (1.0 - b2) * grad[i] * grad[i];
                let delta = options.learning_rate * (m1[i] / c1) / ((m2[i] / c2).sqrt() + eps);
                if i < classes * dims {
                    head.weight[i] -= delta;
                } else {
                    head.bias[i - classes * dims] -= delta;
                }
            }
        }
        head
    }

    fn probabilities_standardised(&self, z: &[f32]) -> Vec<f32> {
        let logits: Vec<f32> = (0..self.classes).map(|c| self.bias[c] + dot(&self.weight[c * self.dims..(c + 1) * self.dims], z)).collect();
        let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let e: Vec<f32> = logits.iter().map(|l| (l - top).exp()).collect();
        let sum: f32 = e.iter().sum();
        e.iter().map(|v| v / sum).collect()
    }

    /// Class probabilities of one feature vector.
    pub fn probabilities(&self, x: &[f32]) -> Vec<f32> {
        let z: Vec<f32> = x.iter().zip(&self.mean).zip(&self.scale).map(|((a, m), s)| (a - m) * s).collect();
        self.probabilities_standardised(&z)
    }

    /// The head as one dense layer on the raw features (standardisation folded in): weight
    /// `[dims, classes]` row-major, as `model::graph::add_dense_head` takes it.
    pub fn dense(&self) -> DenseWeights {
        let mut weight = vec![0f32; self.dims * self.classes];
        let mut bias: Vec<f64> = self.bias.iter().map(|&b| b as f64).collect();
        for c in 0..self.classes {
            for d in 0..self.dims {
                let w = self.weight[c * self.dims + d] * self.scale[d];
                weight[d * self.classes + c] = w;
                bias[c] -= w as f64 * self.mean[d] as f64;
            }
        }
        DenseWeights { weight, inputs: self.dims, outputs: self.classes, bias: bias.into_iter().map(|b| b as f32).collect() }
    }
}

/// `a · b` in eight running sums (which the compiler keeps in one vector register), then
/// the rest: the same order on every machine, so x86 and ARM learn the same head.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8.remainder().iter().zip(b8.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a8.zip(b8) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three separable clusters in 5 dimensions (one constant): learned, and the folded dense
    /// layer gives the same probabilities as the head itself.
    #[test]
    fn learns_separable_classes_and_folds_exactly() {
        let centre = |c: usize| [c as f32 * 3.0, 10.0 - c as f32, 0.5, 7.0, (c * c) as f32];
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..60 {
            let c = i % 3;
            let jitter = ((i * 37 % 11) as f32 - 5.0) * 0.1;
            let mut v = centre(c);
            v.iter_mut().enumerate().for_each(|(d, a)| *a += if d == 3 { 0.0 } else { jitter });
            x.push(v.to_vec());
            y.push(c);
        }
        let rows: Vec<&[f32]> = x.iter().map(|v| v.as_slice()).collect();
        let head = Softmax::fit(&rows, &y, 3, Options::default());
        let dense = head.dense();
        for (v, &c) in x.iter().zip(&y) {
            let p = head.probabilities(v);
            assert!(p[c] > 0.9, "class {c}: {p:?}");
            let logits: Vec<f32> = (0..3).map(|k| dense.bias[k] + (0..5).map(|d| dense.weight[d * 3 + k] * v[d]).sum::<f32>()).collect();
            let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let e: Vec<f32> = logits.iter().map(|l| (l - top).exp()).collect();
            let s: f32 = e.iter().sum();
            for k in 0..3 {
                assert!((e[k] / s - p[k]).abs() < 1e-4, "folded {} vs {}", e[k] / s, p[k]);
            }
        }
    }
}
