//! Transfer learning as a [`ModelKind`] (`fit --backbone`, `fit --landmarks`). A frozen ONNX backbone computes features
//! (through tract, cached on disk), augmented views add more, a dense head is trained in burn,
//! and backbone + head are exported as one beckon model, verified through the firmware library
//! and measured on each data folder's held-out part.
//!
//! ```text
//! data folders → split (by session) → features (clean + augmented views) → head → export
//!   → verify → per-folder evaluation, [leave-one-session-out](crate::loso), charts, model card
//! ```
//!
//! The stages live in their own files and share the types of [`job`] (nothing imports this
//! file back): [`features`], [`stages`], [`export`], [`card`].
//!
//! A hand-landmark backbone (`fit --landmarks`) plugs in here too: its "features" are the hand
//! features plus the presence score ([`crate::export::transfer`]); images where the network
//! finds no hand are counted per class and left out of the head's training, and the model gets
//! the no-hand label.

mod card;
mod export;
mod features;
mod job;
mod stages;

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};
use beckon::ModelInfo;

use crate::backbone::file::BackboneKind;
use crate::backbone::{BackboneFile, FeatureExtractor};
use crate::eval;
use crate::files::MODEL_FILE;
use crate::finetune::cut;
use crate::fit::pipeline::{self, ModelKind};
use crate::loso;

pub use job::{DataFolder, FolderResult, LOSO_FILE, TransferJob, TransferReport};
use job::{Net, Split, folder_name};

/// Trains, exports and publishes a transfer or hand-landmark model ([`pipeline::run`]).
pub fn run_transfer(job: &TransferJob) -> Result<TransferReport> {
    pipeline::run(job)
}

/// The data split, its features laid out as examples, and the backbone they came from.
pub struct Prepared {
    start: Instant,
    backbone: BackboneFile,
    cut: Option<cut::Cut>,
    extractor: FeatureExtractor,
    /// A hand-landmark backbone (features + presence, the no-hand label).
    hand: bool,
    labels: Vec<String>,
    splits: Vec<Split>,
    examples: features::Examples,
    loso_items: Vec<loso::Item>,
    /// Per folder, per class: images where no hand was found, and all images.
    no_hand: Vec<Vec<usize>>,
    per_class: Vec<Vec<usize>>,
    feature_seconds: f64,
}

/// The trained network, how long it took, and the leave-one-session-out runs.
pub struct Trained {
    net: Net,
    seconds: f64,
    loso: Vec<loso::Loso>,
}

impl ModelKind for TransferJob {
    type Prepared = Prepared;
    type Trained = Trained;
    type Report = TransferReport;

    fn out(&self) -> &Path {
        &self.out
    }

    fn prepare(&self) -> Result<Prepared> {
        let start = Instant::now();
        let (backbone, cut, extractor) = open_backbone(self)?;
        let hand = backbone.kind == BackboneKind::HandLandmarks;
        let (labels, splits) = stages::load_splits(self, backbone.input_size, hand)?;
        let computed = features::compute(self, &backbone, &extractor, &splits, hand)?;
        let feature_seconds = computed.seconds;
        let (no_hand, per_class) = features::presence_counts(self, &labels, &computed, splits.len(), hand);
        let loso_items = features::loso_items(self, &computed);
        let examples = features::examples(self, &splits, computed);
        eprintln!(
            "features: {} clean + {} augmented in {:.1} s; training the head on {} examples",
            examples.counts.0,
            examples.counts.1,
            feature_seconds,
            examples.train.len()
        );
        Ok(Prepared { start, backbone, cut, extractor, hand, labels, splits, examples, loso_items, no_hand, per_class, feature_seconds })
    }

    fn train(&self, p: &Prepared) -> Result<Trained> {
        let (net, seconds) = stages::train(self, p.cut.as_ref(), &p.extractor, p.hand, &p.examples, p.labels.len())?;
        let loso = stages::leave_sessions_out(self, &p.loso_items, &self.model_labels(p), p.labels.len(), p.hand)?;
        Ok(Trained { net, seconds, loso })
    }

    fn describe(&self, p: &Prepared, t: &Trained) -> ModelInfo {
        stages::model_info(self, &p.backbone, p.hand, &p.labels, self.model_labels(p), &t.net, &p.splits)
    }

    fn export(&self, dir: &Path, p: &Prepared, t: Trained, info: &ModelInfo) -> Result<(TransferReport, Vec<String>)> {
        let presence = if p.hand { Some(p.examples.val_presence.as_slice()) } else { None };
        let val = export::ValSet { examples: &p.examples.val, presence, ranges: &p.examples.val_ranges };
        let export::Written { mut names, max_abs_diff, checked, file_bytes, mut folders, latency } =
            export::write_outputs(self, dir, &p.backbone, &t.net, info, &p.splits, &val)?;
        for (f, (n, all)) in folders.iter_mut().zip(p.no_hand.iter().zip(&p.per_class)) {
            (f.no_hand, f.per_class) = (if p.hand { n.clone() } else { Vec::new() }, all.clone());
        }
        if !t.loso.is_empty() {
            std::fs::write(dir.join(LOSO_FILE), serde_json::to_string_pretty(&t.loso)?)?;
            names.push(LOSO_FILE.into());
            for l in &t.loso {
                let chart = format!("confusion-loso-{}.png", folder_name(&l.folder));
                eval::confusion_chart::draw(&l.pooled, &dir.join(&chart), &format!("{}: each session held out once", folder_name(&l.folder)))?;
                names.push(chart);
            }
        }
        let report = TransferReport {
            model_path: self.out.join(MODEL_FILE),
            labels: p.labels.clone(),
            folders,
            best_epoch: t.net.best_epoch(),
            epochs_run: t.net.history().epochs.len(),
            max_abs_diff,
            checked_images: checked,
            file_bytes,
            feature_seconds: p.feature_seconds,
            head_seconds: t.seconds,
            total_seconds: p.start.elapsed().as_secs_f64(),
            latency,
            loso: t.loso,
        };
        Ok((report, names))
    }

    fn card(&self, p: &Prepared, info: &ModelInfo, report: &TransferReport) -> String {
        card::card(self, &p.backbone, info, report)
    }
}

impl TransferJob {
    /// The model's labels: the data's, and for a landmark model the no-hand label after them.
    fn model_labels(&self, p: &Prepared) -> Vec<String> {
        if p.hand { p.labels.iter().cloned().chain([self.no_hand_label.clone()]).collect() } else { p.labels.clone() }
    }
}

/// Stage 0: the backbone read and checked against the job, cut for fine-tuning if asked, and
/// the feature extractor over it (the whole network, or the part before the cut).
fn open_backbone(job: &TransferJob) -> Result<(BackboneFile, Option<cut::Cut>, FeatureExtractor)> {
    if job.data.is_empty() {
        bail!("no --data folder given");
    }
    let backbone = BackboneFile::read(&job.backbone, job.backbone_mean.as_deref(), job.backbone_std.as_deref())?;
    let cut = if job.fine_tune > 0 { Some(cut::cut(&backbone.proto, job.fine_tune)?) } else { None };
    let extractor = match &cut {
        None => FeatureExtractor::new(&backbone)?,
        Some(c) => FeatureExtractor::new(&BackboneFile { proto: cut::prefix(&backbone.proto, c), ..backbone.clone() })?,
    };
    let size = backbone.input_size;
    let hand = backbone.kind == BackboneKind::HandLandmarks;
    if hand && job.fine_tune > 0 {
        bail!("--fine-tune is for image backbones; a landmark model trains its head on hand features");
    }
    if job.leave_one_session_out && job.fine_tune > 0 {
        bail!("--leave-one-session-out retrains the head once per session; it does not combine with --fine-tune");
    }
    eprintln!(
        "backbone {} ({}; input {size}×{size}, {}; {} {})",
        backbone.name,
        backbone.path.display(),
        backbone.preprocessing.describe(),
        extractor.dims,
        if job.fine_tune > 0 { "values per image at the fine-tuning cut" } else { "features" }
    );
    Ok((backbone, cut, extractor))
}
