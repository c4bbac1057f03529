//! The training loop: Adam on cross-entropy, mini-batches shuffled with a seed, train and
//! validation metrics after every epoch.

use std::time::Instant;

use anyhow::{Result, ensure};
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::batch;
use super::cnn::{CnnSpec, SeedCnn};
use super::history::{EpochStats, History};
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

/// Trains a fresh [`SeedCnn`] on `train`, validating on `val` after each epoch.
pub fn fit(train: &[Sample], val: &[Sample], classes: usize, options: &FitOptions) -> Result<Trained> {
    ensure!(!train.is_empty(), "no training images");
    ensure!(options.batch_size > 0 && options.epochs > 0, "epochs and batch size must be at least 1");
    let size = train[0].image.width() as usize;
    let spec = CnnSpec::new(size, classes);
    let plain = cpu();
    let device = plain.clone().autodiff();
    device.seed(options.seed);
    let mut model = SeedCnn::new(&spec, &device);
    let mut optim = AdamConfig::new().with_epsilon(1e-7).init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut history = History::default();
    let batches = train.len().div_ceil(options.batch_size);

    for epoch in 1..=options.epochs {
        let start = Instant::now();
        order.shuffle(&mut rng);
        let bar = progress_bar(options.progress, batches as u64, format!("epoch {epoch}/{}", options.epochs));
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
        for chunk in order.chunks(options.batch_size) {
            let images: Vec<_> = chunk.iter().map(|&i| &train[i].image).collect();
            let targets: Vec<usize> = chunk.iter().map(|&i| train[i].label).collect();
            let logits = model.forward(batch::pixels(&images, &device));
            let loss = loss_fn.forward(logits.clone(), batch::labels(&targets, &device));
            let loss_value: f64 = loss.clone().into_scalar::<f32>() as f64;
            correct += count_correct(logits.argmax(1).flatten::<1>(0, 1).into_data(), &targets);
            seen += chunk.len();
            loss_sum += loss_value * chunk.len() as f64;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(options.learning_rate, model, grads);
            bar.set_message(format!("loss {:.4} acc {:.4}", loss_sum / seen as f64, correct as f64 / seen as f64));
            bar.inc(1);
        }
        let (val_loss, val_accuracy) = evaluate(&model.valid(), val, &plain, options.batch_size);
        let stats = EpochStats {
            epoch,
            train_loss: loss_sum / seen as f64,
            train_accuracy: correct as f64 / seen as f64,
            val_loss,
            val_accuracy,
            seconds: start.elapsed().as_secs_f64(),
        };
        bar.finish_and_clear();
        eprintln!(
            "epoch {epoch:>3}/{}: train loss {:.4} acc {:.4} | val loss {:.4} acc {:.4} | {:.1} s",
            options.epochs, stats.train_loss, stats.train_accuracy, stats.val_loss, stats.val_accuracy, stats.seconds
        );
        stats.check_finite(options.learning_rate)?;
        history.epochs.push(stats);
    }
    Ok(Trained { model: model.valid(), spec, history, device: plain })
}

pub(crate) fn progress_bar(show: bool, len: u64, prefix: String) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_prefix(prefix);
    bar.set_style(ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} batches {msg} ({eta})").expect("static template").progress_chars("=> "));
    bar
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
