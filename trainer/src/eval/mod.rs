//! `beckon-train eval`: a model measured on a folder-per-class dataset through the firmware
//! library (the same preprocessing and tract inference the device runs): accuracy, per-class
//! precision and recall, and the confusion matrix (printed, and drawn as a PNG).

pub mod confusion_chart;

use std::path::Path;

use anyhow::{Result, bail};
use beckon::Classifier;
use serde::Serialize;

use crate::dataset::Sample;

/// The result of running a model over labelled images.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// The model's labels, in its output order.
    pub labels: Vec<String>,
    /// `confusion[true][predicted]`, counts.
    pub confusion: Vec<Vec<usize>>,
}

/// Precision and recall of one class (`None` when undefined: nothing predicted / no samples).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassScores {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub support: usize,
}

impl Evaluation {
    /// An empty matrix for `labels`.
    pub fn new(labels: Vec<String>) -> Self {
        let n = labels.len();
        Self { labels, confusion: vec![vec![0; n]; n] }
    }

    /// Counts one prediction.
    pub fn add(&mut self, truth: usize, predicted: usize) {
        self.confusion[truth][predicted] += 1;
    }

    pub fn total(&self) -> usize {
        self.confusion.iter().flatten().sum()
    }

    /// Fraction of images whose top label is their class.
    pub fn accuracy(&self) -> f64 {
        let right: usize = (0..self.labels.len()).map(|i| self.confusion[i][i]).sum();
        right as f64 / self.total().max(1) as f64
    }

    /// Mean recall over the classes that have images: accuracy as if every class were equally
    /// common (a held-out set full of one class cannot hide the others).
    pub fn balanced_accuracy(&self) -> f64 {
        let recalls: Vec<f64> = (0..self.labels.len()).filter_map(|c| self.class_scores(c).recall).collect();
        recalls.iter().sum::<f64>() / recalls.len().max(1) as f64
    }

    /// Precision, recall and support of class `c`.
    pub fn class_scores(&self, c: usize) -> ClassScores {
        let tp = self.confusion[c][c] as f64;
        let predicted: usize = self.confusion.iter().map(|row| row[c]).sum();
        let support: usize = self.confusion[c].iter().sum();
        ClassScores { precision: (predicted > 0).then(|| tp / predicted as f64), recall: (support > 0).then(|| tp / support as f64), support }
    }

    /// The report `beckon-train eval` prints.
    pub fn render(&self) -> String {
        let right: usize = (0..self.labels.len()).map(|i| self.confusion[i][i]).sum();
        let mut s = format!("accuracy {:.4} ({right} of {} images), balanced accuracy {:.4}\n\n", self.accuracy(), self.total(), self.balanced_accuracy());
        let w = self.labels.iter().map(|l| l.len()).max().unwrap_or(5).max(5);
        s += &format!("{:<w$}  {:>9}  {:>6}  {:>7}\n", "class", "precision", "recall", "images");
        let f = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
        for (c, label) in self.labels.iter().enumerate() {
            let k = self.class_scores(c);
            s += &format!("{label:<w$}  {:>9}  {:>6}  {:>7}\n", f(k.precision), f(k.recall), k.support);
        }
        s += &format!("\nconfusion matrix (rows: true class, columns: predicted)\n{:<w$}", "");
        for l in &self.labels {
            s += &format!(" {l:>w$}");
        }
        s += "\n";
        for (label, row) in self.labels.iter().zip(&self.confusion) {
            s += &format!("{label:<w$}");
            for v in row {
                s += &format!(" {v:>w$}");
            }
            s += "\n";
        }
        s
    }
}

/// Runs `classifier` on every sample. `dataset_labels[sample.label]` must be one of the model's
/// labels (matched by name, so a dataset may hold a subset of the classes in any order).
pub fn evaluate(classifier: &Classifier, dataset_labels: &[String], samples: &[Sample], data: &Path) -> Result<Evaluation> {
    let labels = classifier.info().labels.clone();
    let mut to_model = Vec::new();
    for l in dataset_labels {
        match labels.iter().position(|m| m == l) {
            Some(i) => to_model.push(i),
            None => bail!(
                "dataset {}: class folder {l:?} is not one of the model's labels ({}); evaluate on folders named after them",
                data.display(),
                labels.join(", ")
            ),
        }
    }
    let mut eval = Evaluation::new(labels);
    for s in samples {
        let p = classifier.classify(&s.image)?;
        eval.add(to_model[s.label], p.index);
    }
    Ok(eval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_from_a_known_matrix() {
        let mut e = Evaluation::new(vec!["a".into(), "b".into(), "c".into()]);
        for (t, p, n) in [(0, 0, 8), (0, 1, 2), (1, 1, 5), (2, 0, 1)] {
            for _ in 0..n {
                e.add(t, p);
            }
        }
        assert_eq!(e.total(), 16);
        assert!((e.accuracy() - 13.0 / 16.0).abs() < 1e-12);
        let a = e.class_scores(0);
        assert_eq!((a.precision, a.recall, a.support), (Some(8.0 / 9.0), Some(0.8), 10));
        let c = e.class_scores(2);
        assert_eq!((c.precision, c.recall), (None, Some(0.0)));
        let text = e.render();
        assert!((e.balanced_accuracy() - (0.8 + 1.0 + 0.0) / 3.0).abs() < 1e-12);
        assert!(text.starts_with("accuracy 0.8125 (13 of 16 images), balanced accuracy 0.6000"), "{text}");
        assert!(text.contains("c              -   0.000        1"), "{text}");
    }
}
