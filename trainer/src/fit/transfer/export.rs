//! The export stage of a transfer fit: backbone + head as one ONNX file, checked through the
//! firmware library against burn, each folder's held-out part evaluated, and the charts.

use std::path::Path;

use anyhow::{Context, Result, bail};
use beckon::{Classifier, ModelInfo};

use super::job::{FolderResult, Net, Split, TransferJob, folder_name};
use crate::backbone::BackboneFile;
use crate::eval;
use crate::export::latency;
use crate::export::{transfer, verify::TOLERANCE};
use crate::files::{self, MODEL_FILE};
use crate::graph;
use crate::train::charts;
use crate::train::head;

/// What the export wrote and measured.
pub(super) struct Written {
    /// The files written into the staging folder.
    pub names: Vec<String>,
    /// Max |burn − tract| over `checked` held-out images.
    pub max_abs_diff: f32,
    pub checked: usize,
    pub file_bytes: u64,
    pub folders: Vec<FolderResult>,
    pub latency: latency::Latency,
}

/// The validation examples, each folder's range of them, and (landmark models) their presence.
pub(super) struct ValSet<'a> {
    pub examples: &'a [head::Example],
    pub presence: Option<&'a [f32]>,
    pub ranges: &'a [std::ops::Range<usize>],
}

#[allow(clippy::too_many_arguments)]
pub(super) fn write_outputs(
    job: &TransferJob,
    dir: &Path,
    backbone: &BackboneFile,
    trained: &Net,
    info: &ModelInfo,
    splits: &[Split],
    val: &ValSet,
) -> Result<Written> {
    let model_path = dir.join(MODEL_FILE);
    let exported = trained.backbone(backbone);
    let proto = transfer::classifier_graph(&exported, &trained.dense(), info)?;
    let bytes = graph::encode(&proto);
    files::write_atomic(&model_path, &bytes)?;
    let classifier = Classifier::load(&model_path).with_context(|| format!("the exported model {} does not load in the firmware", model_path.display()))?;

    // Parity: the firmware on the image vs burn's head on the features the trainer used.
    let mut max_abs_diff = 0f32;
    let mut checked = 0;
    for (split, range) in splits.iter().zip(val.ranges) {
        let feats = &val.examples[range.clone()];
        let take = 32.min(split.val.len());
        let refs: Vec<&[f32]> = feats[..take].iter().map(|(f, _)| f.as_slice()).collect();
        let mut want = trained.probabilities(&refs);
        if let Some(presence) = val.presence {
            let presence = &presence[range.clone()];
            want = want.iter().zip(presence).map(|(p, s)| crate::backbone::hand_features::gate(p, *s)).collect();
        }
        for (s, w) in split.val[..take].iter().zip(&want) {
            let got = classifier.classify_prepared(&s.image)?;
            for (a, b) in got.probabilities.iter().zip(w) {
                let d = (a - b).abs();
                max_abs_diff = if d.is_nan() { f32::INFINITY } else { max_abs_diff.max(d) };
            }
            checked += 1;
        }
    }
    if max_abs_diff > TOLERANCE {
        bail!(
            "export verification failed: the ONNX model differs from burn's head by {max_abs_diff:e} (allowed {TOLERANCE:e}) on {checked} images; nothing was written"
        );
    }
    eprintln!("export verified: {checked} validation images, max |burn − tract| = {max_abs_diff:.2e}");

    let mut names = vec![MODEL_FILE.to_string(), "history.json".into(), "accuracy.png".into(), "loss.png".into()];
    let mut folders = Vec::new();
    for (folder, split) in job.data.iter().zip(splits) {
        let evaluation = eval::evaluate(&classifier, &info.labels, &split.val, &folder.path)?;
        let name = folder_name(&folder.path);
        let chart = format!("confusion-{name}.png");
        eval::confusion_chart::draw(&evaluation, &dir.join(&chart), &format!("held-out {name}"))?;
        names.push(chart);
        folders.push(FolderResult {
            path: folder.path.clone(),
            train_images: split.train.len(),
            evaluation,
            held_out: split.held_out.clone(),
            no_hand: Vec::new(),
            per_class: Vec::new(),
        });
    }
    trained.history().save_json(&dir.join("history.json"))?;
    charts::draw(trained.history(), dir, &format!("{} + head", backbone.name))?;
    let latency = latency::measure(&model_path, &splits[0].val[0].image, 30)?;
    Ok(Written { names, max_abs_diff, checked, file_bytes: bytes.len() as u64, folders, latency })
}
