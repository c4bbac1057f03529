//! The one epoch loop every trainer runs (the seed CNN, a transfer head, a fine-tuned suffix):
//! mini-batches in an order shuffled with a seed, validation after every epoch, the figures
//! checked for NaN, and — with a patience — early stopping that keeps the best epoch's model.
//!
//! A trainer plugs in as a [`Learner`]: one optimisation step on a batch, and a validation of
//! the current weights. Everything else (order, progress, history, stopping) is here.

use std::time::Instant;

use anyhow::{Result, ensure};
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::history::{EpochStats, History};

/// A model being trained, as the epoch loop drives it.
pub trait Learner {
    /// The model without autodiff: what validation scores and what training returns.
    type Model;
    /// One optimisation step on the training rows `rows` (indices into the training set):
    /// their summed loss and how many of them the model predicted right before the step.
    fn step(&mut self, rows: &[usize]) -> (f64, usize);
    /// The current weights without autodiff, with their mean validation loss and accuracy.
    fn validate(&self) -> (Self::Model, f64, f64);
}

/// How long and in what order to train.
#[derive(Debug, Clone)]
pub struct EpochPlan {
    /// Shown on the progress bar and the per-epoch lines.
    pub name: String,
    pub epochs: usize,
    pub batch_size: usize,
    /// Only to say what to change when a figure turns NaN.
    pub learning_rate: f64,
    /// Seeds the shuffling of the training rows.
    pub seed: u64,
    /// `Some(p)`: stop after `p` epochs without a lower validation loss and return the best
    /// epoch's model. `None`: run every epoch and return the last.
    pub patience: Option<usize>,
    pub progress: bool,
}

/// What the loop returns: the chosen epoch's model and every epoch's figures.
#[derive(Debug)]
pub struct Trained<M> {
    pub model: M,
    pub history: History,
    /// The epoch `model` comes from (1-based).
    pub epoch: usize,
}

/// Trains `learner` on `train_len` rows as `plan` says.
pub fn train<L: Learner>(learner: &mut L, train_len: usize, plan: &EpochPlan) -> Result<Trained<L::Model>> {
    ensure!(train_len > 0, "no training examples");
    ensure!(plan.batch_size > 0 && plan.epochs > 0, "epochs and batch size must be at least 1");
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let mut order: Vec<usize> = (0..train_len).collect();
    let batches = train_len.div_ceil(plan.batch_size);
    let bar = progress_bar(plan.progress, (plan.epochs * batches) as u64, plan.name.clone());
    let mut history = History::default();
    let mut stopping = EarlyStopping::new(plan.patience.unwrap_or(usize::MAX));
    let mut last = None;
    for epoch in 1..=plan.epochs {
        let start = Instant::now();
        order.shuffle(&mut rng);
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        for chunk in order.chunks(plan.batch_size) {
            let (loss, right) = learner.step(chunk);
            (loss_sum, correct) = (loss_sum + loss, correct + right);
            bar.inc(1);
        }
        let (model, val_loss, val_accuracy) = learner.validate();
        let stats = EpochStats {
            epoch,
            train_loss: loss_sum / train_len as f64,
            train_accuracy: correct as f64 / train_len as f64,
            val_loss,
            val_accuracy,
            seconds: start.elapsed().as_secs_f64(),
        };
        stats.check_finite(plan.learning_rate)?;
        history.epochs.push(stats);
        report(&bar, &plan.name, plan.epochs, &stats);
        if plan.patience.is_none() {
            last = Some((epoch, model));
        } else if stopping.observe(epoch, val_loss, model) {
            break;
        }
    }
    bar.finish_and_clear();
    let (epoch, model) = last.or_else(|| stopping.best()).expect("at least one epoch ran");
    Ok(Trained { model, history, epoch })
}

/// Keeps the model of the epoch with the lowest validation loss; says when `patience` epochs
/// have passed without a better one.
#[derive(Debug)]
pub struct EarlyStopping<T> {
    patience: usize,
    best: Option<(f64, usize, T)>,
}

impl<T> EarlyStopping<T> {
    pub fn new(patience: usize) -> Self {
        Self { patience, best: None }
    }

    /// Records an epoch; true when training should stop.
    pub fn observe(&mut self, epoch: usize, val_loss: f64, model: T) -> bool {
        let better = self.best.as_ref().is_none_or(|(loss, _, _)| val_loss < *loss);
        if better {
            self.best = Some((val_loss, epoch, model));
            return false;
        }
        self.best.as_ref().is_some_and(|(_, best_epoch, _)| epoch - best_epoch >= self.patience)
    }

    /// The best epoch and its model (`None` if no epoch was observed).
    pub fn best(self) -> Option<(usize, T)> {
        self.best.map(|(_, epoch, model)| (epoch, model))
    }
}

/// Shows an epoch's figures on the progress bar and as a line on stderr (`NAME epoch   8/20: …`;
/// `tests/kill.rs` kills a fit at such lines).
fn report(bar: &ProgressBar, what: &str, epochs: usize, s: &EpochStats) {
    bar.set_message(format!("val loss {:.4} acc {:.4}", s.val_loss, s.val_accuracy));
    bar.suspend(|| {
        eprintln!(
            "{what} epoch {:>3}/{epochs}: train loss {:.4} acc {:.4} | val loss {:.4} acc {:.4} | {:.1} s",
            s.epoch, s.train_loss, s.train_accuracy, s.val_loss, s.val_accuracy, s.seconds
        )
    });
}

/// A progress bar on stderr (hidden when `show` is false).
pub fn progress_bar(show: bool, len: u64, prefix: String) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_prefix(prefix);
    bar.set_style(ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({eta})").expect("static template").progress_chars("=> "));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_lowest_loss_and_stops_after_patience() {
        let mut e = EarlyStopping::new(2);
        assert!(!e.observe(1, 0.9, "a"));
        assert!(!e.observe(2, 0.5, "b"));
        assert!(!e.observe(3, 0.6, "c"));
        assert!(e.observe(4, 0.7, "d"));
        assert_eq!(e.best(), Some((2, "b")));
    }

    /// A learner whose validation losses are scripted: the loop must stop and keep as told.
    struct Scripted {
        losses: Vec<f64>,
        rows_seen: Vec<usize>,
    }

    impl Learner for Scripted {
        type Model = usize;
        fn step(&mut self, rows: &[usize]) -> (f64, usize) {
            self.rows_seen.extend_from_slice(rows);
            (rows.len() as f64, rows.len())
        }
        fn validate(&self) -> (usize, f64, f64) {
            let epoch = self.rows_seen.len() / 5;
            (epoch, self.losses[epoch - 1], 1.0)
        }
    }

    fn plan(patience: Option<usize>) -> EpochPlan {
        EpochPlan { name: "t".into(), epochs: 6, batch_size: 2, learning_rate: 0.1, seed: 7, patience, progress: false }
    }

    #[test]
    fn with_patience_returns_the_best_epoch_and_stops_without_patience_runs_all() {
        let losses = vec![0.9, 0.4, 0.5, 0.6, 0.3, 0.2];
        let mut l = Scripted { losses: losses.clone(), rows_seen: Vec::new() };
        let t = train(&mut l, 5, &plan(Some(2))).unwrap();
        assert_eq!((t.epoch, t.model, t.history.epochs.len()), (2, 2, 4));
        let mut rows = l.rows_seen[..5].to_vec();
        rows.sort();
        assert_eq!(rows, vec![0, 1, 2, 3, 4], "every row once per epoch");
        let mut l = Scripted { losses, rows_seen: Vec::new() };
        let t = train(&mut l, 5, &plan(None)).unwrap();
        assert_eq!((t.epoch, t.model, t.history.epochs.len()), (6, 6, 6));
        assert_eq!(t.history.epochs[0].train_loss, 1.0);
    }

    #[test]
    fn a_nan_loss_stops_training_with_an_error() {
        let mut l = Scripted { losses: vec![f64::NAN; 6], rows_seen: Vec::new() };
        assert!(train(&mut l, 5, &plan(None)).is_err());
    }
}
