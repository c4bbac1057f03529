//! Training the seed CNN: Adam on cross-entropy through the shared epoch loop
//! ([`super::epochs`]); evaluation and probabilities as burn computes them.

use anyhow::{Result, ensure};
use burn::module::Module;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::softmax;

use super::batch;
use super::cnn::{CnnSpec, SeedCnn};
use super::epochs::{self, EpochPlan, Learner};
use super::history::History;
use crate::dataset::Sample;

/// Training settings.
#[derive(Debug, Clone)]
pub struct FitOptions {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub seed: u64,
    /// Show progress bars on stderr.
    pub progress: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self { epochs: 20, batch_size: 32, learning_rate: 1e-3, seed: 42, progress: true }
    }
}

/// A trained network (on the plain, non-autodiff device) and its history.
#[derive(Debug)]
pub struct Trained {
    pub model: SeedCnn,
    pub spec: CnnSpec,
    pub history: History,
    pub device: Device,
}

/// The CPU device training runs on.
pub fn cpu() -> Device {
    Device::flex()
}

/// Trains a fresh [`SeedCnn`] on `train`, validating on `val` after each epoch (the
/// [one epoch loop](super::epochs), every epoch run, the last one kept).
pub fn fit(train: &[Sample], val: &[Sample], classes: usize, options: &FitOptions) -> Result<Trained> {
    ensure!(!train.is_empty(), "no training images");
    let size = train[0].image.width() as usize;
    let spec = CnnSpec::new(size, classes);
    let plain = cpu();
    let device = plain.clone().autodiff();
    device.seed(options.seed);
    let mut learner = CnnLearner {
        model: Some(SeedCnn::new(&spec, &device)),
        optim: AdamConfig::new().with_epsilon(1e-7).init(),
        loss_fn: CrossEntropyLossConfig::new().init(&device),
        train,
        val,
        device,
        plain: plain.clone(),
        options,
    };
    let plan = EpochPlan {
        name: "cnn".into(),
        epochs: options.epochs,
        batch_size: options.batch_size,
        learning_rate: options.learning_rate,
        seed: options.seed,
        patience: None,
        progress: options.progress,
    };
    let trained = epochs::train(&mut learner, train.len(), &plan)?;
    Ok(Trained { model: trained.model, spec, history: trained.history, device: plain })
}

struct CnnLearner<'a> {
    /// Taken out for each optimiser step (burn's step consumes the module).
    model: Option<SeedCnn>,
    optim: ModuleOptimizer,
    loss_fn: CrossEntropyLoss,
    train: &'a [Sample],
    val: &'a [Sample],
    device: Device,
    plain: Device,
    options: &'a FitOptions,
}

impl Learner for CnnLearner<'_> {
    type Model = SeedCnn;

    fn step(&mut self, rows: &[usize]) -> (f64, usize) {
        let model = self.model.take().expect("the model is put back after every step");
        let images: Vec<_> = rows.iter().map(|&i| &self.train[i].image).collect();
        let targets: Vec<usize> = rows.iter().map(|&i| self.train[i].label).collect();
        let logits = model.forward(batch::pixels(&images, &self.device));
        let loss = self.loss_fn.forward(logits.clone(), batch::labels(&targets, &self.device));
        let loss_value: f64 = loss.clone().into_scalar::<f32>() as f64;
        let correct = count_correct(logits.argmax(1).flatten::<1>(0, 1).into_data(), &targets);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optim.step(self.options.learning_rate, model, grads));
        (loss_value * rows.len() as f64, correct)
    }

    fn validate(&self) -> (SeedCnn, f64, f64) {
        let model = self.model.as_ref().expect("the model is put back after every step").valid();
        let (loss, accuracy) = evaluate(&model, self.val, &self.plain, self.options.batch_size);
        (model, loss, accuracy)
    }
}

fn count_correct(predicted: TensorData, targets: &[usize]) -> usize {
    let p: Vec<i64> = predicted.convert::<i64>().try_into_vec().expect("int predictions");
    p.iter().zip(targets).filter(|(p, t)| **p as usize == **t).count()
}

/// Mean cross-entropy loss and accuracy of `model` on `samples` (NaN, NaN when empty).
pub fn evaluate(model: &SeedCnn, samples: &[Sample], device: &Device, batch_size: usize) -> (f64, f64) {
    if samples.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let (mut loss_sum, mut correct) = (0.0, 0);
    for chunk in samples.chunks(batch_size.max(1)) {
        let images: Vec<_> = chunk.iter().map(|s| &s.image).collect();
        let targets: Vec<usize> = chunk.iter().map(|s| s.label).collect();
        let logits = model.forward(batch::pixels(&images, device));
        let loss: f64 = loss_fn.forward(logits.clone(), batch::labels(&targets, device)).into_scalar::<f32>() as f64;
        loss_sum += loss * chunk.len() as f64;
        correct += count_correct(logits.argmax(1).flatten::<1>(0, 1).into_data(), &targets);
    }
    (loss_sum / samples.len() as f64, correct as f64 / samples.len() as f64)
}

/// Softmax probabilities of `model` for each sample, as burn computes them.
pub fn probabilities(model: &SeedCnn, samples: &[&Sample], device: &Device) -> Vec<Vec<f32>> {
    samples
        .chunks(32)
        .flat_map(|chunk| {
            let images: Vec<_> = chunk.iter().map(|s| &s.image).collect();
            let probs = softmax(model.forward(batch::pixels(&images, device)), 1);
            let [_, n] = probs.dims();
            let flat: Vec<f32> = probs.into_data().convert::<f32>().try_into_vec().expect("f32 probabilities");
            flat.chunks(n).map(|c| c.to_vec()).collect::<Vec<_>>()
        })
        .collect()
}
