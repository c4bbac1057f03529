//! Leave-one-session-out evaluation: what a new user will see. For each capture session of a
//! data folder, a head is trained on every other session (and on the other folders' training
//! parts, without that session's images there either), with early stopping on a validation split taken from those training sessions only,
//! and tested on the session it never saw. Per session and pooled, with per-class recall.
//!
//! Only the head is retrained: backbone features (or landmark features) are computed once by
//! the pipeline and reused, so a fold costs seconds.

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use crate::backbone::hand_features::gate;
use crate::dataset::groups::held_out_groups;
use crate::eval::Evaluation;
use crate::train::head::{self, Example, HeadOptions};

/// One image, as the pipeline computed it.
#[derive(Debug, Clone)]
pub struct Item {
    /// Which `--data` folder it came from.
    pub folder: usize,
    pub session: String,
    pub label: usize,
    /// In that folder's main split: training (else validation).
    pub train: bool,
    pub features: Vec<f32>,
    /// Hand presence (landmark models; 1 otherwise).
    pub presence: f32,
    /// Augmented views: (features, presence).
    pub views: Vec<(Vec<f32>, f32)>,
}

/// How one held-out session scored.
#[derive(Debug, Clone, Serialize)]
pub struct SessionResult {
    pub session: String,
    pub evaluation: Evaluation,
    /// Epoch early stopping chose on the training sessions' validation split.
    pub best_epoch: usize,
}

/// Leave-one-session-out over one folder.
#[derive(Debug, Clone, Serialize)]
pub struct Loso {
    pub folder: PathBuf,
    pub sessions: Vec<SessionResult>,
    /// Every session's predictions together.
    pub pooled: Evaluation,
}

/// What the head sees and how its output is read.
pub struct Setup<'a> {
    /// The model's labels (with the no-hand label last for landmark models).
    pub labels: &'a [String],
    /// Classes the head predicts (the dataset's).
    pub classes: usize,
    /// Landmark model: gate the softmax with presence, and train only on images with a hand.
    pub gated: bool,
    pub head: &'a HeadOptions,
    pub val_fraction: f64,
}

/// Presence below which an image counts as "no hand found".
pub const PRESENCE_THRESHOLD: f32 = 0.5;

/// The images one fold learns from, each with whether it is for validation (early stopping):
/// every image except those of the held-out `session` — in any folder: folders split by session
/// that share a session name hold the same people and rooms (e.g. crops and whole frames of one
/// capture); files of a folder split by file carry their path as session, so they never match.
/// Validation: `folder`'s `val_sessions`, and the other folders' own validation parts.
fn fold<'a>(items: &'a [Item], folder: usize, session: &str, val_sessions: &[String]) -> impl Iterator<Item = (&'a Item, bool)> {
    items.iter().filter(move |i| i.session != session).map(move |i| (i, if i.folder == folder { val_sessions.contains(&i.session) } else { !i.train }))
}

/// Runs every fold for `folder` (index into the pipeline's folders).
pub fn leave_one_session_out(items: &[Item], folder: usize, path: PathBuf, setup: &Setup) -> Result<Loso> {
    let mut sessions: Vec<&str> = items.iter().filter(|i| i.folder == folder).map(|i| i.session.as_str()).collect();
    sessions.sort();
    sessions.dedup();
    let mut pooled = Evaluation::new(setup.labels.to_vec());
    let mut results = Vec::new();
    let quiet = HeadOptions { progress: false, ..setup.head.clone() };
    for (k, session) in sessions.iter().enumerate() {
        // Validation sessions for early stopping, from this folder's other sessions only.
        let rest = items.iter().filter(|i| i.folder == folder && i.session != *session).map(|i| i.session.clone());
        let val_sessions = held_out_groups(rest, setup.val_fraction, setup.head.seed);
        let (mut train, mut val): (Vec<Example>, Vec<Example>) = (Vec::new(), Vec::new());
        let keep = |presence: f32| !setup.gated || presence >= PRESENCE_THRESHOLD;
        for (i, is_val) in fold(items, folder, session, &val_sessions) {
            if is_val {
                if keep(i.presence) {
                    val.push((i.features.clone(), i.label));
                }
            } else {
                train.extend(
                    std::iter::once((&i.features, i.presence))
                        .chain(i.views.iter().map(|(f, p)| (f, *p)))
                        .filter(|(_, p)| keep(*p))
                        .map(|(f, _)| (f.clone(), i.label)),
                );
            }
        }
        let trained = head::fit_head(&train, &val, setup.classes, &quiet)?;
        let test: Vec<&Item> = items.iter().filter(|i| i.folder == folder && i.session == *session).collect();
        let features: Vec<&[f32]> = test.iter().map(|i| i.features.as_slice()).collect();
        let mut evaluation = Evaluation::new(setup.labels.to_vec());
        for (i, p) in test.iter().zip(head::probabilities(&trained.head, &features, &trained.device)) {
            let p = if setup.gated { gate(&p, i.presence) } else { p };
            let predicted = beckon::model::classifier::argmax(&p).0;
            evaluation.add(i.label, predicted);
            pooled.add(i.label, predicted);
        }
        eprintln!(
            "leave-one-session-out {}/{}: session {session:?} ({} images) accuracy {:.4}, balanced {:.4} (best epoch {}, validation sessions {})",
            k + 1,
            sessions.len(),
            test.len(),
            evaluation.accuracy(),
            evaluation.balanced_accuracy(),
            trained.best_epoch,
            val_sessions.join(" ")
        );
        results.push(SessionResult { session: session.to_string(), evaluation, best_epoch: trained.best_epoch });
    }
    Ok(Loso { folder: path, sessions: results, pooled })
}

impl Loso {
    /// The model-card section: pooled and per-session accuracy with per-class recall.
    pub fn render(&self) -> String {
        let labels = &self.pooled.labels;
        let classes: Vec<usize> = (0..labels.len()).filter(|&c| self.pooled.class_scores(c).support > 0).collect();
        let mut s = format!(
            "| held-out session | images | accuracy | balanced |{}\n|---|---|---|---|{}\n",
            classes.iter().map(|&c| format!(" recall {} |", labels[c])).collect::<String>(),
            "---|".repeat(classes.len())
        );
        let row = |name: &str, e: &Evaluation| {
            let recalls: String = classes
                .iter()
                .map(|&c| {
                    let k = e.class_scores(c);
                    match k.recall {
                        Some(r) => format!(" {r:.2} ({}) |", k.support),
                        None => " – |".to_string(),
                    }
                })
                .collect();
            format!("| {name} | {} | {:.4} | {:.4} |{recalls}\n", e.total(), e.accuracy(), e.balanced_accuracy())
        };
        for r in &self.sessions {
            s += &row(&r.session, &r.evaluation);
        }
        s += &row("**pooled**", &self.pooled);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(folder: usize, session: &str, train: bool) -> Item {
        Item { folder, session: session.into(), label: 0, train, features: vec![0.0], presence: 1.0, views: Vec::new() }
    }

    /// A session held out of one folder is held out of every folder: another folder's images of
    /// the same session (the same people and room) never train or validate the head tested on
    /// it; a folder split by file (sessions = paths) keeps all its images.
    #[test]
    fn the_held_out_session_is_left_out_of_every_folder() {
        let items = vec![
            item(0, "a", true),
            item(0, "b", true),
            item(0, "c", true),
            item(1, "a", true),
            item(1, "a", false),
            item(1, "d", false),
            item(2, "fingers/3/3_0001.png", true),
            item(2, "fingers/3/3_0002.png", false),
        ];
        let got: Vec<(usize, String, bool)> = fold(&items, 0, "a", &["c".to_string()]).map(|(i, v)| (i.folder, i.session.clone(), v)).collect();
        assert_eq!(
            got,
            [
                (0, "b".to_string(), false),
                (0, "c".to_string(), true),
                (1, "d".to_string(), true),
                (2, "fingers/3/3_0001.png".to_string(), false),
                (2, "fingers/3/3_0002.png".to_string(), true),
            ]
        );
    }
}
