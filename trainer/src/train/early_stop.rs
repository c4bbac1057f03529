//! Early stopping on validation loss, and the per-epoch line the training loops print.

use indicatif::ProgressBar;

use super::history::EpochStats;

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

/// Shows an epoch's figures on the progress bar and as a line on stderr.
pub fn report(bar: &ProgressBar, what: &str, s: &EpochStats) {
    bar.set_message(format!("val loss {:.4} acc {:.4}", s.val_loss, s.val_accuracy));
    bar.inc(1);
    bar.suspend(|| {
        eprintln!(
            "{what} epoch {:>3}: train loss {:.4} acc {:.4} | val loss {:.4} acc {:.4} | {:.1} s",
            s.epoch, s.train_loss, s.train_accuracy, s.val_loss, s.val_accuracy, s.seconds
        )
    });
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
}
