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
