//! `fit --backbone`: transfer learning end to end. A frozen ONNX backbone computes features
//! (through tract, cached on disk), augmented views add more, a dense head is trained in burn,
//! and backbone + head are exported as one beckon model, verified through the firmware library
//! and measured on each data folder's held-out part.
//!
//! ```text
//! data folders → split (by session) → features (clean + augmented views) → head → export
//!   → verify → per-folder evaluation, [leave-one-session-out](crate::loso), charts, model card
//! ```
//!
//! A hand-landmark backbone (`fit --landmarks`) plugs in here too: its "features" are the hand
//! features plus the presence score ([`crate::export::transfer`]); images where the network
//! finds no hand are counted per class and left out of the head's training, and the model gets
//! the no-hand label.

mod card;
mod features;
mod stages;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use beckon::{Classifier, ModelInfo};

use crate::backbone::augment::Augmentation;
use crate::backbone::cache::{FeatureCache, file_stamp};
use crate::backbone::file::BackboneKind;
use crate::backbone::{BackboneFile, FeatureExtractor};
use crate::dataset::Sample;
use crate::dataset::groups::GroupBy;
use crate::eval::{self, Evaluation};
use crate::export::{transfer, verify::TOLERANCE};
use crate::files;
use crate::finetune::{cut, train::Tuned};
use crate::graph;
use crate::loso::Loso;
use crate::train::DenseWeights;
use crate::train::charts;
use crate::train::fit::progress_bar;
use crate::train::head::{self, HeadOptions, TrainedHead};
use crate::train::history::History;

/// One data folder and how to split it.
#[derive(Debug, Clone)]
pub struct DataFolder {
    pub path: PathBuf,
    pub group_by: GroupBy,
    /// Whole camera frames: the hand is found by this palm detector and its rotated crop is
    /// what the backbone sees (the firmware's `[region] mode = "track"` path); frames with no
    /// hand found are skipped. `None`: the images are used as they are (centre square).
    pub find_hand: Option<PathBuf>,
}

/// Everything a transfer fit needs.
#[derive(Debug, Clone)]
pub struct TransferJob {
    pub backbone: PathBuf,
    pub backbone_mean: Option<String>,
    pub backbone_std: Option<String>,
    pub data: Vec<DataFolder>,
    pub out: PathBuf,
    pub val_fraction: f64,
    /// Augmented views per training image (0 = clean images only).
    pub views: usize,
    pub augmentation: Augmentation,
    pub head: HeadOptions,
    pub threads: usize,
    pub cache: FeatureCache,
    pub limit_per_class: Option<usize>,
    /// Fine-tune the last this many blocks of the backbone with the head (0 = frozen).
    pub fine_tune: usize,
    /// The fine-tuned blocks' learning rate, as a fraction of the head's.
    pub backbone_lr_factor: f64,
    /// Landmark models: the label that means "no hand in view" (added after the data's).
    pub no_hand_label: String,
    /// Capture sessions (file-name prefixes) left out of every folder, e.g. to keep replay
    /// frames unseen.
    pub exclude_sessions: Vec<String>,
    /// Also run leave-one-session-out over every folder split by session.
    pub leave_one_session_out: bool,
    pub command: String,
}

/// What was trained: a head on frozen features, or fine-tuned blocks and a head.
enum Net {
    Frozen(Box<TrainedHead>),
    Tuned(Box<Tuned>),
}

impl Net {
    fn history(&self) -> &History {
        match self {
            Net::Frozen(t) => &t.history,
            Net::Tuned(t) => &t.history,
        }
    }
    fn best_epoch(&self) -> usize {
        match self {
            Net::Frozen(t) => t.best_epoch,
            Net::Tuned(t) => t.best_epoch,
        }
    }
    fn dense(&self) -> Vec<DenseWeights> {
        match self {
            Net::Frozen(t) => t.head.dense_weights(),
            Net::Tuned(t) => t.head.dense_weights(),
        }
    }
    /// Probabilities from what the extractor computed (features, or cut tensors).
    fn probabilities(&self, inputs: &[&[f32]]) -> Vec<Vec<f32>> {
        match self {
            Net::Frozen(t) => head::probabilities(&t.head, inputs, &t.device),
            Net::Tuned(t) => t.probabilities(inputs),
        }
    }
    /// The backbone to export: as read, or with the fine-tuned weights.
    fn backbone(&self, original: &BackboneFile) -> BackboneFile {
        match self {
            Net::Frozen(_) => original.clone(),
            Net::Tuned(t) => BackboneFile { proto: t.backbone_with_weights(&original.proto), ..original.clone() },
        }
    }
}

/// How one data folder's held-out part scored.
#[derive(Debug, Clone)]
pub struct FolderResult {
    pub path: PathBuf,
    pub train_images: usize,
    pub evaluation: Evaluation,
    /// Groups (sessions) held out, when split by group.
    pub held_out: Vec<String>,
    /// Landmark models: images where the network found no hand, per class (all of the folder).
    pub no_hand: Vec<usize>,
    /// Images per class (all of the folder).
    pub per_class: Vec<usize>,
}

/// What a finished transfer fit produced.
#[derive(Debug)]
pub struct TransferReport {
    pub model_path: PathBuf,
    pub labels: Vec<String>,
    pub folders: Vec<FolderResult>,
    pub best_epoch: usize,
    pub epochs_run: usize,
    pub max_abs_diff: f32,
    pub file_bytes: u64,
    pub feature_seconds: f64,
    pub head_seconds: f64,
    pub total_seconds: f64,
    pub latency_ms: f64,
    pub loso: Vec<Loso>,
}

pub use crate::files::MODEL_FILE;

struct Split {
    train: Vec<Sample>,
    val: Vec<Sample>,
    held_out: Vec<String>,
}

/// Runs the job; the output folder changes only if everything succeeded.
pub fn run_transfer(job: &TransferJob) -> Result<TransferReport> {
    let start = Instant::now();
    let (backbone, cut, extractor) = open_backbone(job)?;
    let hand = backbone.kind == BackboneKind::HandLandmarks;
    let (labels, splits) = stages::load_splits(job, backbone.input_size, hand)?;
    let computed = features::compute(job, &backbone, &extractor, &splits, hand)?;
    let feature_seconds = computed.seconds;
    let (no_hand, per_class) = features::presence_counts(job, &labels, &computed, splits.len(), hand);
    let loso_items = features::loso_items(job, &computed);
    let examples = features::examples(job, &splits, computed);
    eprintln!(
        "features: {} clean + {} augmented in {:.1} s; training the head on {} examples",
        examples.counts.0,
        examples.counts.1,
        feature_seconds,
        examples.train.len()
    );
    let (trained, head_seconds) = stages::train(job, cut.as_ref(), &extractor, hand, &examples, labels.len())?;
    let model_labels: Vec<String> = if hand { labels.iter().cloned().chain([job.no_hand_label.clone()]).collect() } else { labels.clone() };
    let loso_results = stages::leave_sessions_out(job, &loso_items, &model_labels, labels.len(), hand)?;
    let info = stages::model_info(job, &backbone, hand, &labels, model_labels, &trained, &splits);

    std::fs::create_dir_all(&job.out).with_context(|| format!("cannot create {}", job.out.display()))?;
    let staging = files::staging_dir(&job.out)?;
    let val_presence = if hand { Some(examples.val_presence.as_slice()) } else { None };
    let val_set = ValSet { examples: &examples.val, presence: val_presence, ranges: &examples.val_ranges };
    let (names, max_abs_diff, file_bytes, mut folders, latency_ms) = match write_outputs(job, &staging, &backbone, &trained, &info, &splits, &val_set) {
        Ok(w) => w,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    for (f, (n, t)) in folders.iter_mut().zip(no_hand.into_iter().zip(per_class)) {
        (f.no_hand, f.per_class) = (if hand { n } else { Vec::new() }, t);
    }
    let mut report = TransferReport {
        model_path: job.out.join(MODEL_FILE),
        labels,
        folders,
        best_epoch: trained.best_epoch(),
        epochs_run: trained.history().epochs.len(),
        max_abs_diff,
        file_bytes,
        feature_seconds,
        head_seconds,
        total_seconds: 0.0,
        latency_ms,
        loso: loso_results,
    };
    report.total_seconds = start.elapsed().as_secs_f64();
    publish(job, &staging, &backbone, &info, &report, names)?;
    Ok(report)
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

/// The last stage: the model card and the leave-one-session-out results written beside the
/// staged outputs, then everything moved into the output folder at once.
fn publish(job: &TransferJob, staging: &Path, backbone: &BackboneFile, info: &ModelInfo, report: &TransferReport, mut names: Vec<String>) -> Result<()> {
    std::fs::write(staging.join("README.md"), card::card(job, backbone, info, report))?;
    if !report.loso.is_empty() {
        std::fs::write(staging.join(LOSO_FILE), serde_json::to_string_pretty(&report.loso)?)?;
        names.push(LOSO_FILE.into());
        for l in &report.loso {
            let chart = format!("confusion-loso-{}.png", folder_name(&l.folder));
            eval::confusion_chart::draw(&l.pooled, &staging.join(&chart), &format!("{}: each session held out once", folder_name(&l.folder)))?;
            names.push(chart);
        }
    }
    let names: Vec<&str> = names.iter().map(String::as_str).chain(["README.md"]).collect();
    files::publish(staging, &job.out, &names)
}

fn cached_features(job: &TransferJob, backbone: &BackboneFile, extractor: &FeatureExtractor, samples: &[&Sample], view: Option<u64>) -> Result<Vec<Vec<f32>>> {
    let stamps: Vec<_> = samples.iter().map(|s| file_stamp(&s.path)).collect();
    // Clean features depend on the backbone and the files only; augmented views also on the
    // augmentation settings and the seed.
    let views_key = view.map(|v| (v, format!("{:?}", job.augmentation), job.head.seed));
    let key = FeatureCache::key(&(backbone.digest, backbone.input_size, job.fine_tune, views_key, &stamps, 1u32));
    if let Some(f) = job.cache.load(key, samples.len()) {
        return Ok(f);
    }
    let what = match view {
        None => "features".to_string(),
        Some(v) => format!("view {}/{}", v + 1, job.views),
    };
    let bar = progress_bar(job.head.progress, samples.len() as u64, what);
    let size = backbone.input_size;
    let features = extractor.features_of(samples.len(), job.threads, &bar, |i| {
        Ok(match view {
            None => samples[i].image.clone(),
            Some(v) => job.augmentation.view(&samples[i].image, size, job.head.seed, i as u64, v),
        })
    })?;
    bar.finish_and_clear();
    if let Err(e) = job.cache.store(key, &features) {
        log::warn!("feature cache not written: {e:#}");
    }
    Ok(features)
}

type Written = (Vec<String>, f32, u64, Vec<FolderResult>, f64);

/// Leave-one-session-out results, beside the model.
pub const LOSO_FILE: &str = "leave-one-session-out.json";

/// The validation examples, each folder's range of them, and (landmark models) their presence.
struct ValSet<'a> {
    examples: &'a [head::Example],
    presence: Option<&'a [f32]>,
    ranges: &'a [std::ops::Range<usize>],
}

/// Landmark backbones end their feature vector with the presence score: split it off.
fn split_presence(features: Vec<Vec<f32>>, hand: bool) -> (Vec<Vec<f32>>, Vec<f32>) {
    if !hand {
        let n = features.len();
        return (features, vec![1.0; n]);
    }
    features
        .into_iter()
        .map(|mut f| {
            let p = f.pop().unwrap_or(0.0);
            (f, p)
        })
        .unzip()
}

#[allow(clippy::too_many_arguments)]
fn write_outputs(job: &TransferJob, dir: &Path, backbone: &BackboneFile, trained: &Net, info: &ModelInfo, splits: &[Split], val: &ValSet) -> Result<Written> {
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
    let latency = crate::pipeline::measure_latency(&model_path, &splits[0].val[0].image, 30)?;
    Ok((names, max_abs_diff, bytes.len() as u64, folders, latency.median_ms))
}

pub(crate) fn folder_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into())
}
