//! The transfer / hand-landmark model card, through the one card writer ([`crate::fit::card`]):
//! what was trained on what, how it scored on held-out data and on sessions it never saw, and
//! how long it took.

use beckon::ModelInfo;

use super::job::{LOSO_FILE, TransferJob, TransferReport, folder_name};
use crate::backbone::BackboneFile;
use crate::files::MODEL_FILE;
use crate::fit::card::{self, Card};

pub(super) fn card(job: &TransferJob, backbone: &BackboneFile, info: &ModelInfo, r: &TransferReport) -> String {
    let kind = if info.no_hand_label.is_some() { "Hand-landmark gesture model" } else { "Transfer model" };
    let mut c = Card::new(&format!("{kind}: {}", info.architecture), &job.command);
    c.bullets(&[
        format!("Labels: {}", info.labels.join(", ")),
        format!("Input: u8 RGB {0}×{0} (NCHW); preprocessing inside the model: {1}", info.input_size, info.preprocessing),
        format!("File: `{MODEL_FILE}` {:.2} MB, one ONNX graph (backbone + head + softmax)", r.file_bytes as f64 / 1e6),
        format!("Backbone: {} — {}", backbone.name, backbone.provenance),
    ]);
    unseen_sessions(&mut c, r);
    no_hand(&mut c, info, r);
    c.section("Accuracy on held-out data (measured through the firmware library)").paragraph(&format!(
        "The held-out part of each folder also chose the head's early-stopping epoch, so these figures lean optimistic{}",
        if r.loso.is_empty() { "." } else { "; the leave-one-session-out figures above are the ones that predict a new user." }
    ));
    let rows: Vec<Vec<String>> = r
        .folders
        .iter()
        .map(|f| {
            let held = if f.held_out.is_empty() { "stratified split".to_string() } else { format!("sessions {}", f.held_out.join(", ")) };
            vec![
                f.path.display().to_string(),
                f.train_images.to_string(),
                format!("{} images ({held})", f.evaluation.total()),
                format!("{:.4}", f.evaluation.accuracy()),
                format!("{:.4}", f.evaluation.balanced_accuracy()),
            ]
        })
        .collect();
    c.table(&["data", "train images", "held out", "accuracy", "balanced accuracy (mean recall)"], &rows);
    c.paragraph("Per-class precision and recall, and the confusion matrices:");
    for f in &r.folders {
        c.subsection(&f.path.display().to_string()).paragraph(&format!("![confusion](confusion-{}.png)", folder_name(&f.path))).block(&f.evaluation.render());
    }
    let backbone_use = if job.fine_tune > 0 {
        format!(
            "fine-tuned: its last {} blocks trained with the head at {} × the learning rate (batch norm frozen: folded or constant), the blocks before frozen",
            job.fine_tune, job.backbone_lr_factor
        )
    } else {
        "frozen".to_string()
    };
    let a = &job.augmentation;
    c.section("Training").bullets(&[
        format!(
            "Backbone {backbone_use}; {} augmented views per training image (random crop ≥ {:.0} %, rotation ±{}°, light ±{:.0} %, colour ±{:.0} %, grey {:.0} %, no flips)",
            job.views,
            a.min_scale * 100.0,
            a.max_rotation_deg,
            a.max_light * 100.0,
            a.max_colour * 100.0,
            a.grey * 100.0
        ),
        format!(
            "Head: Dense({}, relu) → Dropout({}) → Dense({}); Adam lr {}, batch {}, early stopping on validation loss (patience {}): best epoch {} of {}",
            job.head.hidden,
            job.head.dropout,
            info.labels.len(),
            job.head.learning_rate,
            job.head.batch_size,
            job.head.patience,
            r.best_epoch,
            r.epochs_run
        ),
        format!(
            "Time on this machine ({} threads): features {:.0} s, head / fine-tuning {:.0} s, whole run {:.0} s",
            job.threads, r.feature_seconds, r.head_seconds, r.total_seconds
        ),
    ]);
    c.curves();
    c.section("Size and speed").bullets(&[
        card::file_size(r.file_bytes, "float32"),
        card::latency(&r.latency),
        card::export_check(r.checked_images, r.max_abs_diff, None),
    ]);
    c.finish()
}

/// Leave-one-session-out: what a new user will see.
fn unseen_sessions(c: &mut Card, r: &TransferReport) {
    if !r.loso.is_empty() {
        c.section("What a new user will see: leave-one-session-out").paragraph(
            "For each capture session, a head trained on every other session (and the other folders' training parts), early \
             stopping on a validation split of those training sessions only, tested on the session it never saw. Nothing \
             (epoch, setting, feature) was chosen on the session being tested.",
        );
        for l in &r.loso {
            c.subsection(&format!("{} (pooled accuracy {:.4}, balanced {:.4})", l.folder.display(), l.pooled.accuracy(), l.pooled.balanced_accuracy()));
            c.text(&format!("{}\n", l.render())).paragraph(&format!(
                "Per-class recall with the number of images in brackets; the full counts are in `{LOSO_FILE}`.\n\n![pooled confusion](confusion-loso-{}.png)",
                folder_name(&l.folder)
            ));
        }
    }
}

/// A landmark model: the images where the network found no hand.
fn no_hand(c: &mut Card, info: &ModelInfo, r: &TransferReport) {
    if info.no_hand_label.is_some() {
        c.section("Images where the landmark network found no hand")
            .paragraph("Presence below 0.5: left out of the head's training, and predicted as the no-hand label (an error) in every evaluation.");
        let rows: Vec<Vec<String>> = r
            .folders
            .iter()
            .map(|f| {
                let counts: Vec<String> = r.labels.iter().zip(f.no_hand.iter().zip(&f.per_class)).map(|(l, (n, t))| format!("{l}: {n}/{t}")).collect();
                vec![f.path.display().to_string(), counts.join(", ")]
            })
            .collect();
        c.table(&["data", "per class (no hand / images)"], &rows);
    }
}
