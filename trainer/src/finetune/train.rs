//! Training the suffix and the head together: Adam on both, the suffix at a lower learning rate,
//! early stopping on validation loss (the best epoch's weights are kept).

use std::time::Instant;

use anyhow::{Result, ensure};
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use tract_onnx::pb::ModelProto;

use super::suffix::{Plan, Suffix};
use crate::train::batch;
use crate::train::early_stop::{EarlyStopping, report};
use crate::train::fit::{cpu, progress_bar};
use crate::train::head::{Example, Head, HeadOptions};
use crate::train::history::{EpochStats, History};

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

/// Trains `suffix` (learning rate × `backbone_lr_factor`) and a fresh head on cut tensors.
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
    let mut suffix = suffix.fork(&device).train();
    let dims = suffix.forward(plan, cut_tensor(plan, &[&train[0]], &device)).dims()[1];
    let mut head = Head::new(dims, options, classes, &device);
    let (mut opt_suffix, mut opt_head) = (AdamConfig::new().with_epsilon(1e-7).init(), AdamConfig::new().with_epsilon(1e-7).init());
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut history = History::default();
    let mut stopping = EarlyStopping::new(options.patience);
    let bar = progress_bar(options.progress, options.epochs as u64, "fine-tune".into());
    for epoch in 1..=options.epochs {
        let start = Instant::now();
        order.shuffle(&mut rng);
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        for chunk in order.chunks(options.batch_size.max(1)) {
            let rows: Vec<&Example> = chunk.iter().map(|&i| &train[i]).collect();
            let targets: Vec<usize> = rows.iter().map(|r| r.1).collect();
            let logits = head.forward(suffix.forward(plan, cut_tensor(plan, &rows, &device)));
            let loss = loss_fn.forward(logits.clone(), batch::labels(&targets, &device));
            loss_sum += f64::from(loss.clone().into_scalar::<f32>()) * chunk.len() as f64;
            correct += count(&logits, &targets);
            let mut grads = loss.backward();
            let g_suffix = GradientsParams::from_module(&mut grads, &suffix);
            let g_head = GradientsParams::from_module(&mut grads, &head);
            suffix = opt_suffix.step(options.learning_rate * backbone_lr_factor, suffix, g_suffix);
            head = opt_head.step(options.learning_rate, head, g_head);
        }
        let (s, h) = (suffix.valid(), head.valid());
        let (val_loss, val_accuracy) = evaluate(plan, &s, &h, val, &plain);
        let stats = EpochStats {
            epoch,
            train_loss: loss_sum / train.len() as f64,
            train_accuracy: correct as f64 / train.len() as f64,
            val_loss,
            val_accuracy,
            seconds: start.elapsed().as_secs_f64(),
        };
        stats.check_finite(options.learning_rate)?;
        history.epochs.push(stats);
        report(&bar, "fine-tune", &stats);
        if stopping.observe(epoch, val_loss, (s, h)) {
            break;
        }
    }
    bar.finish_and_clear();
    let (best_epoch, (suffix, head)) = stopping.best().expect("one epoch ran");
    Ok(Tuned { plan: plan.clone(), suffix, head, history, best_epoch, device: plain })
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
