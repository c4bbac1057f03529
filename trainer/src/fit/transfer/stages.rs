//! The stages of a transfer fit (the feature stages are in [`super::features`]):
//! reading the data folders into splits, training the head (or fine-tuning), leaving each
//! session out in turn, and describing the trained model in its metadata.

use anyhow::{Result, bail};
use beckon::ModelInfo;

use std::time::Instant;

use super::features::Examples;
use super::job::{Net, Split, TransferJob};
use crate::backbone::BackboneFile;
use crate::backbone::FeatureExtractor;
use crate::dataset::groups::{GroupBy, group_split, session_of};
use crate::dataset::load_folder;
use crate::finetune::{cut::Cut, suffix::Plan};
use crate::loso::{self, Loso, PRESENCE_THRESHOLD};
use crate::train::head;

/// Stage 1: every `--data` folder read (or its whole frames cropped to the hand), sessions
/// excluded, each split on its own; the classes, which every folder must share.
pub(super) fn load_splits(job: &TransferJob, size: u32, hand: bool) -> Result<(Vec<String>, Vec<Split>)> {
    let mut labels: Option<Vec<String>> = None;
    let mut splits = Vec::new();
    for folder in &job.data {
        let mut loaded = match &folder.find_hand {
            None => load_folder(&folder.path, size, job.limit_per_class)?,
            Some(detector) => crate::dataset::hand_crops::load_hand_crops(&folder.path, detector, size, job.limit_per_class)?,
        };
        if !job.exclude_sessions.is_empty() {
            loaded.samples.retain(|s| !job.exclude_sessions.contains(&session_of(s, GroupBy::Prefix)));
        }
        match &labels {
            None => labels = Some(loaded.labels.clone()),
            Some(l) if *l != loaded.labels => bail!(
                "data folder {} has classes {:?}, {} has {:?}; every --data folder needs the same class folders",
                folder.path.display(),
                loaded.labels,
                job.data[0].path.display(),
                l
            ),
            Some(_) => {}
        }
        let (train, val, held_out) = group_split(loaded.samples, folder.group_by, job.val_fraction, job.head.seed);
        if val.is_empty() {
            bail!("data folder {}: nothing held out for validation; raise --val-split", folder.path.display());
        }
        eprintln!(
            "data {}: {} training, {} validation images{}",
            folder.path.display(),
            train.len(),
            val.len(),
            if folder.group_by == GroupBy::None { String::new() } else { format!(" (held-out sessions: {})", held_out.join(", ")) }
        );
        splits.push(Split { train, val, held_out });
    }
    let labels = labels.expect("one folder at least");
    if hand && labels.contains(&job.no_hand_label) {
        bail!(
            "the data has a class folder {:?}, which is the no-hand label of landmark models; rename the folder or pass --no-hand-label NAME",
            job.no_hand_label
        );
    }
    Ok((labels, splits))
}

/// The model's metadata: labels (with the no-hand label for a landmark model), input,
/// architecture, preprocessing and how it was trained.
pub(super) fn model_info(
    job: &TransferJob,
    backbone: &BackboneFile,
    hand: bool,
    labels: &[String],
    model_labels: Vec<String>,
    trained: &Net,
    splits: &[Split],
) -> ModelInfo {
    let best = trained.history().epochs[trained.best_epoch() - 1];
    ModelInfo {
        labels: model_labels,
        input_size: backbone.input_size,
        architecture: format!(
            "{}{} ({}) + Dense({}, relu) + Dropout({}) + Dense({}) + softmax{}",
            backbone.name,
            if hand { " landmarks → hand features" } else { "" },
            if job.fine_tune > 0 { format!("last {} blocks fine-tuned", job.fine_tune) } else { "frozen".into() },
            job.head.hidden,
            job.head.dropout,
            labels.len(),
            if hand { format!(" × presence, {:?} = 1 − presence", job.no_hand_label) } else { String::new() }
        ),
        preprocessing: format!("u8 RGB → f32 → {} → {}", backbone.preprocessing.describe(), backbone.name),
        training: format!(
            "beckon-train {} transfer; data {}; {} views per training image; head epochs {} (best {}), batch {}, Adam lr {}, seed {}; val acc {:.4}{}",
            env!("CARGO_PKG_VERSION"),
            job.data.iter().map(|d| d.path.display().to_string()).collect::<Vec<_>>().join(" + "),
            job.views,
            trained.history().epochs.len(),
            trained.best_epoch(),
            job.head.batch_size,
            job.head.learning_rate,
            job.head.seed,
            best.val_accuracy,
            job.data
                .iter()
                .zip(splits)
                .filter(|(_, s)| !s.held_out.is_empty())
                .map(|(d, s)| format!("; {}: held-out sessions {}", d.path.display(), s.held_out.join(" ")))
                .collect::<String>()
        ),
        quantization: String::new(),
        no_hand_label: hand.then(|| job.no_hand_label.clone()),
    }
}

/// Stage 4: the head trained on the features (for a landmark backbone, only on images with a
/// hand), or the last blocks fine-tuned with it; returns it and the seconds it took.
pub(super) fn train(job: &TransferJob, cut: Option<&Cut>, extractor: &FeatureExtractor, hand: bool, e: &Examples, classes: usize) -> Result<(Net, f64)> {
    let start = Instant::now();
    let trained = match cut {
        None if hand => {
            // Only images with a hand teach the head (the rest are counted before).
            let with_hand = |examples: &[head::Example], presence: &[f32]| -> Vec<head::Example> {
                examples.iter().zip(presence).filter(|(_, p)| **p >= PRESENCE_THRESHOLD).map(|(e, _)| e.clone()).collect()
            };
            let (train, val) = (with_hand(&e.train, &e.train_presence), with_hand(&e.val, &e.val_presence));
            Net::Frozen(Box::new(head::fit_head(&train, &val, classes, &job.head)?))
        }
        None => Net::Frozen(Box::new(head::fit_head(&e.train, &e.val, classes, &job.head)?)),
        Some(c) => {
            let plan = Plan::new(c, extractor.dims)?;
            let suffix = plan.init(c, &crate::train::fit::cpu())?;
            let tuned = crate::finetune::train::fine_tune(&plan, suffix, &e.train, &e.val, classes, &job.head, job.backbone_lr_factor)?;
            Net::Tuned(Box::new(tuned))
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    let best = trained.history().epochs[trained.best_epoch() - 1];
    eprintln!(
        "{}: best epoch {} of {} (val loss {:.4}, val acc {:.4}) in {:.1} s",
        if job.fine_tune > 0 { "fine-tuning" } else { "head" },
        trained.best_epoch(),
        trained.history().epochs.len(),
        best.val_loss,
        best.val_accuracy,
        seconds
    );
    Ok((trained, seconds))
}

/// Stage 5 (with `--leave-one-session-out`): for every folder split by session, a head per
/// held-out session, pooled.
pub(super) fn leave_sessions_out(job: &TransferJob, items: &[loso::Item], model_labels: &[String], classes: usize, hand: bool) -> Result<Vec<Loso>> {
    let mut results = Vec::new();
    for (k, folder) in job.data.iter().enumerate() {
        if job.leave_one_session_out && folder.group_by == GroupBy::Prefix {
            let setup = loso::Setup { labels: model_labels, classes, gated: hand, head: &job.head, val_fraction: job.val_fraction };
            let r = loso::leave_one_session_out(items, k, folder.path.clone(), &setup)?;
            eprintln!(
                "leave-one-session-out {}: pooled accuracy {:.4}, balanced {:.4}",
                folder.path.display(),
                r.pooled.accuracy(),
                r.pooled.balanced_accuracy()
            );
            results.push(r);
        }
    }
    if job.leave_one_session_out && results.is_empty() {
        bail!("--leave-one-session-out needs a --data folder split by session (--group-by prefix)");
    }
    Ok(results)
}
