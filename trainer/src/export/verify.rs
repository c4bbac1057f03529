//! Export verification: the ONNX file, run by the firmware library (the code the device runs),
//! must reproduce burn's probabilities.

use std::path::Path;

use anyhow::{Context, Result, bail};
use beckon::Classifier;
use burn::prelude::Device;

use crate::dataset::Sample;
use crate::train::SeedCnn;
use crate::train::fit::probabilities;

/// Largest allowed difference between burn's and the exported model's probabilities.
pub const TOLERANCE: f32 = 1e-4;

/// Result of a verification.
#[derive(Debug, Clone, Copy)]
pub struct Parity {
    /// Images compared.
    pub images: usize,
    /// Largest absolute difference of any probability.
    pub max_abs_diff: f32,
    /// Images whose top-1 label differs.
    pub top1_disagreements: usize,
}

/// Loads `onnx` through the firmware library and compares its output with `model`'s on
/// `samples`. Fails if any probability differs by more than [`TOLERANCE`].
pub fn verify(onnx: &Path, model: &SeedCnn, device: &Device, samples: &[&Sample]) -> Result<Parity> {
    let classifier = Classifier::load(onnx).with_context(|| format!("the exported model {} does not load in the firmware", onnx.display()))?;
    let expected = probabilities(model, samples, device);
    let mut max_abs_diff = 0f32;
    let mut top1_disagreements = 0;
    for (sample, want) in samples.iter().zip(&expected) {
        let got = classifier.classify_prepared(&sample.image)?;
        if got.probabilities.len() != want.len() {
            bail!("exported model gives {} probabilities, burn {}", got.probabilities.len(), want.len());
        }
        for (a, b) in got.probabilities.iter().zip(want) {
            let d = (a - b).abs();
            // A NaN on either side is a failed export, not a difference of zero.
            max_abs_diff = if d.is_nan() { f32::INFINITY } else { max_abs_diff.max(d) };
        }
        if got.index != beckon::model::classifier::argmax(want).0 {
            top1_disagreements += 1;
        }
    }
    let parity = Parity { images: samples.len(), max_abs_diff, top1_disagreements };
    if max_abs_diff > TOLERANCE {
        bail!(
            "export verification failed: the ONNX model differs from the trained burn model by {max_abs_diff:e} \
             (allowed {TOLERANCE:e}) on {} images; the export is wrong, nothing was written",
            samples.len()
        );
    }
    Ok(parity)
}
