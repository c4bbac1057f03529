//! Per-epoch metrics.

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Metrics of one epoch.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct EpochStats {
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub val_loss: f64,
    pub val_accuracy: f64,
    pub seconds: f64,
}

impl EpochStats {
    /// `Err` when this epoch's training loss is not a finite number: the weights have diverged
    /// (a learning rate too high for the data), and every later epoch would be garbage.
    pub fn check_finite(&self, learning_rate: f64) -> Result<()> {
        anyhow::ensure!(
            self.train_loss.is_finite() && self.val_loss.is_finite(),
            "training diverged at epoch {}: train loss {}, validation loss {}; lower --lr (it was {learning_rate}) and run again; \
             nothing was written",
            self.epoch,
            self.train_loss,
            self.val_loss
        );
        Ok(())
    }
}

/// All epochs of a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct History {
    pub epochs: Vec<EpochStats>,
}

impl History {
    /// The last epoch.
    pub fn last(&self) -> Option<&EpochStats> {
        self.epochs.last()
    }

    /// The epoch with the highest validation accuracy.
    pub fn best_val_accuracy(&self) -> Option<&EpochStats> {
        self.epochs.iter().max_by(|a, b| a.val_accuracy.total_cmp(&b.val_accuracy))
    }

    /// Writes the history as pretty JSON.
    pub fn save_json(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_finite_loss_is_divergence() {
        let ok = EpochStats { epoch: 3, train_loss: 0.5, train_accuracy: 0.9, val_loss: 0.6, val_accuracy: 0.8, seconds: 1.0 };
        ok.check_finite(1e-3).unwrap();
        for bad in [f64::NAN, f64::INFINITY] {
            let e = EpochStats { train_loss: bad, ..ok }.check_finite(0.9).unwrap_err().to_string();
            assert!(e.contains("diverged at epoch 3") && e.contains("--lr"), "{e}");
        }
    }
}
