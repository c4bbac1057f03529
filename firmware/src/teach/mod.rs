//! Teaching gestures on the device (`beckon train`): the crops `beckon capture --track` recorded,
//! one folder per gesture, become an ordinary beckon model in seconds, with no desktop.
//!
//! ```text
//! DIR/GESTURE/RECORDING_NNNN.png → base model's landmark network → hand features (229)
//!   → softmax regression → base model with this head → check through tract → model card
//!   → OUT/model.onnx and its card, published together ([`publish`]: a failed run leaves the
//!     previous model and card)
//! ```
//!
//! - [`examples`]: reading the dataset and computing features with the base model.
//! - [`softmax`]: the head (multinomial logistic regression).
//! - [`assemble`]: the base model with the new head.
//! - [`job`]: what to teach and what it gave (the types every part shares).
//! - [`card`]: the model card.
//!
//! With at least two recordings, every recording is held out once and predicted by a head
//! trained on the others (leave-one-recording-out): the figure that says how the model does on
//! a new take, which training accuracy does not.

pub mod assemble;
pub mod base;
pub mod card;
pub mod examples;
pub mod job;
pub mod known;
pub mod mix;
pub mod publish;
pub mod softmax;

use std::path::Path;
use std::time::Instant;

use tract_onnx::prelude::Framework;

use crate::error::{Error, Result};
use crate::model::{Classifier, ModelInfo};
use base::{BaseFeatures, BaseRow};
use examples::{Dataset, FeatureExtractor, Rules};
use mix::Plan;
use softmax::{Options, Softmax};

pub use job::{BaseUse, CARD_FILE, Holdout, MODEL_FILE, TeachJob, TeachReport, Versus};

/// Teaches the gestures in `job.data`; `job.out` changes only if everything succeeded.
pub fn teach(job: &TeachJob) -> Result<TeachReport> {
    let start = Instant::now();
    check_out(&job.data, &job.out)?;
    if let Some(path) = &job.save_features {
        crate::model::file::check_writable(path)?;
    }
    let base_bytes = crate::model::file::read_model_file(&job.base)?;
    let invalid = |e: String| Error::ModelInvalid { path: job.base.clone(), reason: e };
    let base_proto = tract_onnx::onnx().proto_model_for_read(&mut base_bytes.as_slice()).map_err(|e| invalid(format!("{e:#}")))?;
    // The contract from the file's metadata (the network is compiled once, for the features).
    let meta: std::collections::HashMap<String, String> = base_proto.metadata_props.iter().map(|p| (p.key.clone(), p.value.clone())).collect();
    let base_info = ModelInfo::from_metadata(&job.base, &meta)?;
    let no_hand_label = base_info.no_hand_label.clone().ok_or_else(|| Error::Contract {
        path: job.base.clone(),
        field: "beckon.no_hand_label".into(),
        problem: "missing: only a hand-landmark model (with a no-hand label) can be taught".into(),
    })?;
    let known_base = match &job.base_features {
        Some(path) => Some(BaseFeatures::read(path)?.without(&job.base_without)?),
        None => None,
    };
    if let Some(b) = known_base.as_ref().filter(|b| b.dims != crate::model::hand_features::FEATURES) {
        return Err(Error::Config {
            setting: b.path.display().to_string(),
            problem: format!("{} features per example, the model has {}", b.dims, crate::model::hand_features::FEATURES),
        });
    }
    let extractor = FeatureExtractor::new(&job.base, &base_proto, &base_info)?;
    let known_labels = known_base.as_ref().map(|b| b.labels.clone()).unwrap_or_default();
    let rules = Rules { skip: Some(&job.out), no_hand_label: &no_hand_label, known: &known_labels, min_gestures: if job.keep_base_gestures { 1 } else { 2 } };
    let data = examples::read(&job.data, rules, &extractor)?;
    if let Some(path) = &job.save_features {
        save_features(&data, path)?;
    }
    let plan = Plan::new(&data.labels, known_base.as_ref(), job.keep_base_gestures);
    let classes = plan.labels.len();
    let fit = |leave_out: Option<&str>| {
        let user = data.examples.iter().filter(|e| Some(e.recording.as_str()) != leave_out).map(|e| (e.features.as_slice(), e.label));
        let m = mix::mix(&plan, user, known_base.as_ref(), job.user_weight);
        Softmax::fit_weighted(&m.x, &m.y, &m.w, classes, Options::default())
    };
    let head = fit(None);
    let holdout = leave_recordings_out(&data, classes, &fit);
    let rows: Vec<&[f32]> = data.examples.iter().map(|e| e.features.as_slice()).collect();
    let targets: Vec<usize> = data.examples.iter().map(|e| e.label).collect();
    let known = job.reject_untaught.then(|| {
        let (threshold, kept) = calibrate(&data, classes, job.within);
        let mut k = known::KnownPoses::fit(&rows, &targets, classes);
        k.threshold = threshold;
        (k, kept)
    });

    let info = ModelInfo {
        labels: plan.labels.iter().cloned().chain([no_hand_label.clone()]).collect(),
        architecture: format!(
            "{} landmarks → hand features (frozen) + softmax regression (beckon train)",
            base_info.architecture.split(" landmarks").next().unwrap_or("hand landmarks")
        ),
        training: format!(
            "beckon train on {}: {} examples of {} gestures{}",
            job.data.display(),
            data.examples.len(),
            data.labels.len(),
            known_base.as_ref().map(|b| format!(", with {} examples of the base model ({})", b.rows.len(), b.path.display())).unwrap_or_default()
        ),
        quantization: String::new(),
        no_hand_label: Some(no_hand_label),
        ..base_info
    };
    let model = assemble::with_head(&job.base, &base_proto, &head.dense(), known.as_ref().map(|(k, _)| k), &info)?;
    let bytes = crate::model::graph::encode(&model);
    // Written and checked aside; a failure (a full disk) leaves nothing behind.
    let staging = publish::Staging::new(&job.out)?;
    staging.write(MODEL_FILE, &bytes)?;
    let max_abs_diff = check(&staging.model(), &data, &head, known.as_ref().map(|(k, _)| k))?;
    let per_class = |f: &dyn Fn(usize) -> usize| (0..classes).map(|c| if c < data.labels.len() { f(c) } else { 0 }).collect::<Vec<_>>();
    let mut report = TeachReport {
        model_path: job.out.join(MODEL_FILE),
        examples: per_class(&|c| targets.iter().filter(|&&t| t == c).count()),
        recordings: per_class(&|c| recordings_of(&data, Some(c)).len()),
        no_hand: per_class(&|c| data.no_hand[c]),
        labels: plan.labels.clone(),
        holdout,
        known: known.as_ref().map(|(k, kept)| (k.threshold, *kept)),
        max_abs_diff,
        seconds: 0.0,
        base: known_base.as_ref().map(|b| BaseUse {
            path: b.path.clone(),
            examples: (0..classes).map(|c| b.rows.iter().filter(|r| plan.class_of(r.label) == c).count()).collect(),
            without: job.base_without.clone(),
            user_weight: job.user_weight,
        }),
        versus: None,
    };
    report.versus = versus(&data, &base_info.labels, report.holdout.as_ref());
    report.seconds = start.elapsed().as_secs_f64();
    staging.write(CARD_FILE, card::card(job, &report).as_bytes())?;
    staging.publish()?;
    Ok(report)
}

/// The base model's answers against the taught model's held-out ones, on the examples of the
/// gestures the base model knows (by name).
fn versus(data: &Dataset, base_labels: &[String], holdout: Option<&Holdout>) -> Option<Versus> {
    let known: Vec<usize> = (0..data.labels.len()).filter(|&c| base_labels.contains(&data.labels[c])).collect();
    let mine = || data.examples.iter().filter(|e| known.contains(&e.label));
    let examples = mine().count();
    (examples > 0).then(|| Versus {
        examples,
        base_right: mine().filter(|e| base_labels.get(e.base_top) == Some(&data.labels[e.label])).count(),
        taught_right: holdout.map(|h| known.iter().map(|&c| h.confusion[c][c]).sum()),
    })
}

/// `--out` may sit inside the data folder (it is then not read as a gesture) but may not be the
/// data folder itself or a gesture folder, or inside one: that gesture would be left out.
fn check_out(data: &Path, out: &Path) -> Result<()> {
    let (Ok(data), Ok(out_abs)) = (std::path::absolute(data), std::path::absolute(out)) else { return Ok(()) };
    let data = data.canonicalize().unwrap_or(data);
    let bad = |problem: String| Error::Config { setting: format!("--out {}", out.display()), problem };
    if out_abs.canonicalize().unwrap_or(out_abs.clone()) == data {
        return Err(bad("is the data folder: the model would sit among the gestures; write it to DATA/model (the default) or elsewhere".into()));
    }
    let Ok(inside) = out_abs.strip_prefix(&data) else { return Ok(()) };
    let Some(first) = inside.components().next() else { return Ok(()) };
    let folder = data.join(first);
    let is_gesture = std::fs::read_dir(&folder).is_ok_and(|d| d.filter_map(|e| e.ok()).any(|e| examples::is_example(&e.path())));
    if is_gesture {
        let name = first.as_os_str().to_string_lossy();
        let what = if inside.components().count() == 1 { format!("is the gesture folder {name:?}") } else { format!("is inside the gesture folder {name:?}") };
        return Err(bad(format!("{what}: that gesture would be left out; write the model to DATA/model (the default) or elsewhere")));
    }
    Ok(())
}

/// The examples' features in the base features format, sessions = recordings.
fn save_features(data: &Dataset, path: &Path) -> Result<()> {
    let sessions = recordings_of(data, None);
    let rows = data
        .examples
        .iter()
        .map(|e| BaseRow { label: e.label, session: sessions.iter().position(|s| *s == e.recording).unwrap_or(0), features: e.features.clone() })
        .collect();
    let dims = crate::model::hand_features::FEATURES;
    BaseFeatures { path: path.to_path_buf(), dims, labels: data.labels.clone(), sessions, rows }.write(path)
}

/// The written model loaded as `beckon run` loads it and run on up to 24 of the examples'
/// crops (spread over all gestures): the largest difference between its probabilities and the
/// head's on the same features, gated by the same presence.
fn check(path: &Path, data: &Dataset, head: &Softmax, known: Option<&known::KnownPoses>) -> Result<f32> {
    let written = Classifier::load(path)?;
    let step = data.examples.len().div_ceil(24).max(1);
    let mut worst = 0f32;
    for e in data.examples.iter().step_by(step) {
        let crop = crate::camera::image_file::open(&e.path).map_err(|err| Error::Inference(format!("{}: {err}", e.path.display())))?.to_rgb8();
        let got = written.classify(&crop)?.probabilities;
        let presence = e.presence * known.map_or(1.0, |k| k.known(&e.features));
        let want = crate::model::hand_features::gate(&head.probabilities(&e.features), presence);
        if got.len() != want.len() {
            return Err(Error::Inference(format!("the written model gives {} probabilities, expected {}", got.len(), want.len())));
        }
        worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(worst, f32::max);
    }
    Ok(worst)
}

/// The distinct recordings (of one gesture, or of all).
fn recordings_of(data: &Dataset, label: Option<usize>) -> Vec<String> {
    let mut r: Vec<String> = data.examples.iter().filter(|e| label.is_none_or(|l| e.label == l)).map(|e| e.recording.clone()).collect();
    r.sort();
    r.dedup();
    r
}

/// Each recording predicted by a head trained on all the others (`fit(Some(recording))`;
/// `None` with one recording).
fn leave_recordings_out(data: &Dataset, classes: usize, fit: &dyn Fn(Option<&str>) -> Softmax) -> Option<Holdout> {
    let recordings = recordings_of(data, None);
    if recordings.len() < 2 {
        return None;
    }
    let mut confusion = vec![vec![0usize; classes]; classes];
    for held in &recordings {
        let head = fit(Some(held));
        for e in data.examples.iter().filter(|e| &e.recording == held) {
            let p = head.probabilities(&e.features);
            confusion[e.label][crate::model::classifier::argmax(&p).0] += 1;
        }
    }
    Some(Holdout { recordings: recordings.len(), confusion })
}

/// The distance that counts as known, and the share of held-out examples within it (`None`
/// without a held-out set): see [`known`].
fn calibrate(data: &Dataset, classes: usize, within: f32) -> (f32, Option<f64>) {
    let mut held_out = Vec::new();
    for held in recordings_of(data, None) {
        let (rows, targets): (Vec<&[f32]>, Vec<usize>) = data.examples.iter().filter(|e| e.recording != held).map(|e| (e.features.as_slice(), e.label)).unzip();
        let fold = known::KnownPoses::fit(&rows, &targets, classes);
        for e in data.examples.iter().filter(|e| e.recording == held && targets.contains(&e.label)) {
            held_out.push(fold.distance(&e.features));
        }
    }
    if let Some(threshold) = known::quantile(&mut held_out.clone(), 0.95).map(|t| t * within) {
        let kept = held_out.iter().filter(|&&d| d <= threshold).count() as f64 / held_out.len() as f64;
        return (threshold, Some(kept));
    }
    let (rows, targets): (Vec<&[f32]>, Vec<usize>) = data.examples.iter().map(|e| (e.features.as_slice(), e.label)).unzip();
    let all = known::KnownPoses::fit(&rows, &targets, classes);
    let mut seen: Vec<f32> = rows.iter().map(|r| all.distance(r)).collect();
    (within * known::quantile(&mut seen, 0.99).unwrap_or(1.0), None)
}
