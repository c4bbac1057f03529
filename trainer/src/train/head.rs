//! The dense head of a transfer model, trained in burn on backbone features:
//! `Dense(hidden, relu) → Dropout → Dense(classes)` (the seed's Keras head: 100, 0.5, N), with
//! early stopping on validation loss (the best epoch's weights are kept).

use anyhow::{Result, ensure};
use burn::module::Module;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::{relu, softmax};

use super::batch;
use super::epochs::{self, EpochPlan, Learner};
use super::fit::cpu;
use super::history::History;
pub use beckon::model::graph::DenseWeights;

/// One training example: a feature vector and its class.
pub type Example = (Vec<f32>, usize);

/// Head settings.
#[derive(Debug, Clone)]
pub struct HeadOptions {
    pub hidden: usize,
    pub dropout: f64,
    /// Most epochs; training stops earlier when validation loss stops improving.
    pub epochs: usize,
    /// Epochs without a better validation loss before stopping.
    pub patience: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub seed: u64,
    pub progress: bool,
}

impl Default for HeadOptions {
    fn default() -> Self {
        Self { hidden: 100, dropout: 0.5, epochs: 60, patience: 8, batch_size: 32, learning_rate: 1e-3, seed: 42, progress: true }
    }
}

/// The head as a burn module.
#[derive(Module, Debug)]
pub struct Head {
    hidden: Linear,
    dropout: Dropout,
    output: Linear,
}

impl Head {
    pub fn new(features: usize, options: &HeadOptions, classes: usize, device: &Device) -> Self {
        Self {
            hidden: LinearConfig::new(features, options.hidden).init(device),
            dropout: DropoutConfig::new(options.dropout).init(),
            output: LinearConfig::new(options.hidden, classes).init(device),
        }
    }

    /// Logits `[batch, classes]` for features `[batch, D]`.
    pub fn forward(&self, features: Tensor<2>) -> Tensor<2> {
        self.output.forward(self.dropout.forward(relu(self.hidden.forward(features))))
    }

    /// The two dense layers, for export.
    pub fn dense_weights(&self) -> Vec<DenseWeights> {
        [&self.hidden, &self.output]
            .into_iter()
            .map(|l| {
                let w = l.weight.val();
                let [inputs, outputs] = w.dims();
                let f = |d: TensorData| d.convert::<f32>().try_into_vec::<f32>().expect("f32 weights");
                DenseWeights { weight: f(w.into_data()), inputs, outputs, bias: l.bias.as_ref().map(|b| f(b.val().into_data())).unwrap_or_default() }
            })
            .collect()
    }
}

/// A trained head (plain device), its history and the epoch whose weights it holds.
#[derive(Debug)]
pub struct TrainedHead {
    pub head: Head,
    pub history: History,
    pub best_epoch: usize,
    pub device: Device,
}

fn features_tensor(rows: &[&Example], device: &Device) -> Tensor<2> {
    let dims = rows[0].0.len();
    let data: Vec<f32> = rows.iter().flat_map(|(f, _)| f.iter().copied()).collect();
    Tensor::from_data(TensorData::new(data, [rows.len(), dims]), device)
}

/// Trains a head on `train`, validating on `val` after each epoch; stops after `patience`
/// epochs without a lower validation loss and returns the best epoch's weights (the
/// [one epoch loop](super::epochs)).
pub fn fit_head(train: &[Example], val: &[Example], classes: usize, options: &HeadOptions) -> Result<TrainedHead> {
    ensure!(!train.is_empty() && !val.is_empty(), "the head needs training and validation examples");
    let plain = cpu();
    let device = plain.clone().autodiff();
    device.seed(options.seed);
    let mut learner = HeadLearner {
        model: Some(Head::new(train[0].0.len(), options, classes, &device)),
        optim: AdamConfig::new().with_epsilon(1e-7).init(),
        loss_fn: CrossEntropyLossConfig::new().init(&device),
        train,
        val,
        device,
        plain: plain.clone(),
        learning_rate: options.learning_rate,
    };
    let trained = epochs::train(&mut learner, train.len(), &options.plan("head"))?;
    Ok(TrainedHead { head: trained.model, history: trained.history, best_epoch: trained.epoch, device: plain })
}

impl HeadOptions {
    /// The epoch loop's plan for these options, with early stopping.
    pub fn plan(&self, name: &str) -> EpochPlan {
        EpochPlan {
            name: name.into(),
            epochs: self.epochs,
            batch_size: self.batch_size.max(1),
            learning_rate: self.learning_rate,
            seed: self.seed,
            patience: Some(self.patience),
            progress: self.progress,
        }
    }
}

struct HeadLearner<'a> {
    /// Taken out for each optimiser step (burn's step consumes the module).
    model: Option<Head>,
    optim: ModuleOptimizer,
    loss_fn: CrossEntropyLoss,
    train: &'a [Example],
    val: &'a [Example],
    device: Device,
    plain: Device,
    learning_rate: f64,
}

impl Learner for HeadLearner<'_> {
    type Model = Head;

    fn step(&mut self, rows: &[usize]) -> (f64, usize) {
        let model = self.model.take().expect("the model is put back after every step");
        let rows: Vec<&Example> = rows.iter().map(|&i| &self.train[i]).collect();
        let targets: Vec<usize> = rows.iter().map(|r| r.1).collect();
        let logits = model.forward(features_tensor(&rows, &self.device));
        let loss = self.loss_fn.forward(logits.clone(), batch::labels(&targets, &self.device));
        let loss_sum = f64::from(loss.clone().into_scalar::<f32>()) * rows.len() as f64;
        let correct = count_correct(&logits, &targets);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optim.step(self.learning_rate, model, grads));
        (loss_sum, correct)
    }

    fn validate(&self) -> (Head, f64, f64) {
        let model = self.model.as_ref().expect("the model is put back after every step").valid();
        let (loss, accuracy) = evaluate(&model, self.val, &self.plain);
        (model, loss, accuracy)
    }
}

fn count_correct(logits: &Tensor<2>, targets: &[usize]) -> usize {
    let p: Vec<i64> = logits.clone().argmax(1).flatten::<1>(0, 1).into_data().convert::<i64>().try_into_vec().expect("ints");
    p.iter().zip(targets).filter(|(p, t)| **p as usize == **t).count()
}

/// Mean cross-entropy and accuracy of `head` on `examples`.
pub fn evaluate(head: &Head, examples: &[Example], device: &Device) -> (f64, f64) {
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let (mut loss_sum, mut correct) = (0.0, 0);
    for chunk in examples.chunks(256) {
        let rows: Vec<&Example> = chunk.iter().collect();
        let targets: Vec<usize> = rows.iter().map(|r| r.1).collect();
        let logits = head.forward(features_tensor(&rows, device));
        loss_sum += f64::from(loss_fn.forward(logits.clone(), batch::labels(&targets, device)).into_scalar::<f32>()) * chunk.len() as f64;
        correct += count_correct(&logits, &targets);
    }
    (loss_sum / examples.len() as f64, correct as f64 / examples.len() as f64)
}

/// Softmax probabilities of `head` for each feature vector.
pub fn probabilities(head: &Head, features: &[&[f32]], device: &Device) -> Vec<Vec<f32>> {
    let dims = features.first().map_or(0, |f| f.len());
    let data: Vec<f32> = features.iter().flat_map(|f| f.iter().copied()).collect();
    let probs = softmax(head.forward(Tensor::from_data(TensorData::new(data, [features.len(), dims]), device)), 1);
    let [_, n] = probs.dims();
    let flat: Vec<f32> = probs.into_data().convert::<f32>().try_into_vec().expect("f32");
    flat.chunks(n).map(|c| c.to_vec()).collect()
}
