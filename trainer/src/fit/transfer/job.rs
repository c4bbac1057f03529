//! The transfer fit's types: the job, its data folders, the split data, the trained network
//! and the report. Shared by the stages; they import this and nothing imports them back.

use std::path::{Path, PathBuf};

use crate::backbone::BackboneFile;
use crate::backbone::augment::Augmentation;
use crate::backbone::cache::FeatureCache;
use crate::dataset::Sample;
use crate::dataset::groups::GroupBy;
use crate::eval::Evaluation;
use crate::export::latency::Latency;
use crate::finetune::train::Tuned;
use crate::loso::Loso;
use crate::train::DenseWeights;
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
pub(super) enum Net {
    Frozen(Box<TrainedHead>),
    Tuned(Box<Tuned>),
}

impl Net {
    pub(super) fn history(&self) -> &History {
        match self {
            Net::Frozen(t) => &t.history,
            Net::Tuned(t) => &t.history,
        }
    }
    pub(super) fn best_epoch(&self) -> usize {
        match self {
            Net::Frozen(t) => t.best_epoch,
            Net::Tuned(t) => t.best_epoch,
        }
    }
    pub(super) fn dense(&self) -> Vec<DenseWeights> {
        match self {
            Net::Frozen(t) => t.head.dense_weights(),
            Net::Tuned(t) => t.head.dense_weights(),
        }
    }
    /// Probabilities from what the extractor computed (features, or cut tensors).
    pub(super) fn probabilities(&self, inputs: &[&[f32]]) -> Vec<Vec<f32>> {
        match self {
            Net::Frozen(t) => head::probabilities(&t.head, inputs, &t.device),
            Net::Tuned(t) => t.probabilities(inputs),
        }
    }
    /// The backbone to export: as read, or with the fine-tuned weights.
    pub(super) fn backbone(&self, original: &BackboneFile) -> BackboneFile {
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
    /// Max |burn − tract| over `checked_images` held-out images.
    pub max_abs_diff: f32,
    pub checked_images: usize,
    pub file_bytes: u64,
    pub feature_seconds: f64,
    pub head_seconds: f64,
    pub total_seconds: f64,
    pub latency: Latency,
    pub loso: Vec<Loso>,
}

pub(super) struct Split {
    pub train: Vec<Sample>,
    pub val: Vec<Sample>,
    pub held_out: Vec<String>,
}

/// The file with every leave-one-session-out count.
pub const LOSO_FILE: &str = "leave-one-session-out.json";

/// A data folder's name, for chart file names and titles.
pub fn folder_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into())
}
