//! Training the suffix and the head together: Adam on both, the suffix at a lower learning rate,
//! early stopping on validation loss (the best epoch's weights are kept).

use anyhow::{Result, ensure};
use burn::module::Module;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use tract_onnx::pb::ModelProto;

use super::suffix::{Plan, Suffix};
use crate::train::batch;
use crate::train::epochs::{self, Learner};
use crate::train::fit::cpu;
use crate::train::head::{Example, Head, HeadOptions};
use crate::train::history::History;

/// A fine-tuned suffix and its head.
#[derive(Debug)]
pub struct Tuned {
    pub plan: Plan,
    pub suffix: Suffix,
    pub head: Head,
    pub history: History,
    pub best_epoch: usize,
    pub device: Device,
}

fn cut_tensor(plan: &Plan, rows: &[&Example], device: &Device) -> Tensor<4> {
    let [c, h, w] = plan.input_shape;
    let data: Vec<f32> = rows.iter().flat_map(|(f, _)| f.iter().copied()).collect();
    Tensor::from_data(TensorData::new(data, [rows.len(), c, h, w]), device)
}

/// Trains `suffix` (learning rate × `backbone_lr_factor`) and a fresh head on cut tensors,
/// through the [one epoch loop](crate::train::epochs) with early stopping.
pub fn fine_tune(
    plan: &Plan,
    suffix: Suffix,
    train: &[Example],
    val: &[Example],
    classes: usize,
    options: &HeadOptions,
    backbone_lr_factor: f64,
) -> Result<Tuned> {
    ensure!(!train.is_empty() && !val.is_empty(), "fine-tuning needs training and validation examples");
    let plain = cpu();
    let device = plain.clone().autodiff();
    device.seed(options.seed);
    // Weights loaded on the plain device become trainable only with `train()` after the move.
    let suffix = suffix.fork(&device).train();
    let dims = suffix.forward(plan, cut_tensor(plan, &[&train[0]], &device)).dims()[1];
    let head = Head::new(dims, options, classes, &device);
    let mut learner = TuneLearner {
        nets: Some((suffix, head)),
        optims: (AdamConfig::new().with_epsilon(1e-7).init(), AdamConfig::new().with_epsilon(1e-7).init()),
        loss_fn: CrossEntropyLossConfig::new().init(&device),
        plan,
        train,
        val,
        device,
        plain: plain.clone(),
        rates: (options.learning_rate * backbone_lr_factor, options.learning_rate),
    };
    let trained = epochs::train(&mut learner, train.len(), &options.plan("fine-tune"))?;
    let (suffix, head) = trained.model;
    Ok(Tuned { plan: plan.clone(), suffix, head, history: trained.history, best_epoch: trained.epoch, device: plain })
}

struct TuneLearner<'a> {
    /// Taken out for each optimiser step (burn's step consumes the modules).
    nets: Option<(Suffix, Head)>,
    optims: (ModuleOptimizer, ModuleOptimizer),
    loss_fn: CrossEntropyLoss,
    plan: &'a Plan,
    train: &'a [Example],
    val: &'a [Example],
    device: Device,
    plain: Device,
    /// The suffix's and the head's learning rates.
    rates: (f64, f64),
}

impl Learner for TuneLearner<'_> {
    type Model = (Suffix, Head);

    fn step(&mut self, rows: &[usize]) -> (f64, usize) {
        let (suffix, head) = self.nets.take().expect("the networks are put back after every step");
        let rows: Vec<&Example> = rows.iter().map(|&i| &self.train[i]).collect();
        let targets: Vec<usize> = rows.iter().map(|r| r.1).collect();
        let logits = head.forward(suffix.forward(self.plan, cut_tensor(self.plan, &rows, &self.device)));
        let loss = self.loss_fn.forward(logits.clone(), batch::labels(&targets, &self.device));
        let loss_sum = f64::from(loss.clone().into_scalar::<f32>()) * rows.len() as f64;
        let correct = count(&logits, &targets);
        let mut grads = loss.backward();
        let g_suffix = GradientsParams::from_module(&mut grads, &suffix);
        let g_head = GradientsParams::from_module(&mut grads, &head);
        let suffix = self.optims.0.step(self.rates.0, suffix, g_suffix);
        let head = self.optims.1.step(self.rates.1, head, g_head);
        self.nets = Some((suffix, head));
        (loss_sum, correct)
    }

    fn validate(&self) -> ((Suffix, Head), f64, f64) {
        let (suffix, head) = self.nets.as_ref().expect("the networks are put back after every step");
        let (s, h) = (suffix.valid(), head.valid());
        let (loss, accuracy) = evaluate(self.plan, &s, &h, self.val, &self.plain);
        ((s, h), loss, accuracy)
    }
}

fn count(logits: &Tensor<2>, targets: &[usize]) -> usize {
    let p: Vec<i64> = logits.clone().argmax(1).flatten::<1>(0, 1).into_data().convert::<i64>().try_into_vec().expect("ints");
    p.iter().zip(targets).filter(|(p, t)| **p as usize == **t).count()
}

fn evaluate(plan: &Plan, suffix: &Suffix, head: &Head, examples: &[Example], device: &Device) -> (f64, f64) {
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let (mut loss_sum, mut correct) = (0.0, 0);
    for chunk in examples.chunks(64) {
        let rows: Vec<&Example> = chunk.iter().collect();
        let targets: Vec<usize> = rows.iter().map(|r| r.1).collect();
        let logits = head.forward(suffix.forward(plan, cut_tensor(plan, &rows, device)));
        loss_sum += f64::from(loss_fn.forward(logits.clone(), batch::labels(&targets, device)).into_scalar::<f32>()) * chunk.len() as f64;
        correct += count(&logits, &targets);
    }
    (loss_sum / examples.len() as f64, correct as f64 / examples.len() as f64)
}

impl Tuned {
    /// Softmax probabilities for cut tensors (flattened).
    pub fn probabilities(&self, cut_features: &[&[f32]]) -> Vec<Vec<f32>> {
        let rows: Vec<Example> = cut_features.iter().map(|f| (f.to_vec(), 0)).collect();
        let refs: Vec<&Example> = rows.iter().collect();
        let probs = softmax(self.head.forward(self.suffix.forward(&self.plan, cut_tensor(&self.plan, &refs, &self.device))), 1);
        let [_, n] = probs.dims();
        let flat: Vec<f32> = probs.into_data().convert::<f32>().try_into_vec().expect("f32");
        flat.chunks(n).map(|c| c.to_vec()).collect()
    }

    /// `backbone` with the suffix's trained weights written into its initializers.
    pub fn backbone_with_weights(&self, backbone: &ModelProto) -> ModelProto {
        let mut p = backbone.clone();
        let weights = self.suffix.weights(&self.plan);
        if let Some(g) = p.graph.as_mut() {
            for t in &mut g.initializer {
                if let Some((_, values)) = weights.iter().find(|(name, _)| *name == t.name) {
                    t.raw_data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
                    t.float_data.clear();
                }
            }
        }
        p
    }
}
