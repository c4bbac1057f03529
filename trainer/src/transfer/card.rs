//! The transfer / hand-landmark model card: what was trained on what, how it scored on held-out
//! data and on sessions it never saw, and how long it took.

use beckon::ModelInfo;

use super::{LOSO_FILE, MODEL_FILE, TransferJob, TransferReport, folder_name};
use crate::backbone::BackboneFile;

pub(super) fn card(job: &TransferJob, backbone: &BackboneFile, info: &ModelInfo, r: &TransferReport) -> String {
    let kind = if info.no_hand_label.is_some() { "Hand-landmark gesture model" } else { "Transfer model" };
    let mut s = format!("# {kind}: {}\n\n", info.architecture);
    s += &format!("Made by:\n\n```\n{}\n```\n\n", job.command);
    s += &format!(
        "- Labels: {}\n- Input: u8 RGB {}×{} (NCHW); preprocessing inside the model: {}\n- File: `{}` {:.2} MB, one ONNX graph (backbone + head + softmax)\n- Backbone: {} — {}\n\n",
        info.labels.join(", "),
        info.input_size,
        info.input_size,
        info.preprocessing,
        MODEL_FILE,
        r.file_bytes as f64 / 1e6,
        backbone.name,
        backbone.provenance
    );
    if !r.loso.is_empty() {
        s += "## What a new user will see: leave-one-session-out\n\nFor each capture session, a head trained on every other session (and the other folders' training parts), early stopping on a validation split of those training sessions only, tested on the session it never saw. Nothing (epoch, setting, feature) was chosen on the session being tested.\n\n";
        for l in &r.loso {
            s += &format!(
                "### {} (pooled accuracy {:.4}, balanced {:.4})\n\n{}\nPer-class recall with the number of images in brackets; the full counts are in `{LOSO_FILE}`.\n\n![pooled confusion](confusion-loso-{}.png)\n\n",
                l.folder.display(),
                l.pooled.accuracy(),
                l.pooled.balanced_accuracy(),
                l.render(),
                folder_name(&l.folder)
            );
        }
    }
    if info.no_hand_label.is_some() {
        s += "## Images where the landmark network found no hand\n\nPresence below 0.5: left out of the head's training, and predicted as the no-hand label (an error) in every evaluation.\n\n| data | per class (no hand / images) |\n|---|---|\n";
        for f in &r.folders {
            let counts: Vec<String> = r.labels.iter().zip(f.no_hand.iter().zip(&f.per_class)).map(|(l, (n, t))| format!("{l}: {n}/{t}")).collect();
            s += &format!("| {} | {} |\n", f.path.display(), counts.join(", "));
        }
        s += "\n";
    }
    s += "## Accuracy on held-out data (measured through the firmware library)\n\nThe held-out part of each folder also chose the head's early-stopping epoch, so these figures lean optimistic";
    s += if r.loso.is_empty() { ".\n\n" } else { "; the leave-one-session-out figures above are the ones that predict a new user.\n\n" };
    s += "| data | train images | held out | accuracy | balanced accuracy (mean recall) |\n|---|---|---|---|---|\n";
    for f in &r.folders {
        let held = if f.held_out.is_empty() { "stratified split".to_string() } else { format!("sessions {}", f.held_out.join(", ")) };
        s += &format!(
            "| {} | {} | {} images ({held}) | {:.4} | {:.4} |\n",
            f.path.display(),
            f.train_images,
            f.evaluation.total(),
            f.evaluation.accuracy(),
            f.evaluation.balanced_accuracy()
        );
    }
    s += "\nPer-class precision and recall, and the confusion matrices:\n\n";
    for f in &r.folders {
        s += &format!("### {}\n\n![confusion](confusion-{}.png)\n\n```\n{}```\n\n", f.path.display(), folder_name(&f.path), f.evaluation.render());
    }
    s += &format!(
        "## Training\n\n- Backbone {}; {} augmented views per training image (random crop ≥ {:.0} %, rotation ±{}°, light ±{:.0} %, colour ±{:.0} %, grey {:.0} %, no flips)\n- Head: Dense({}, relu) → Dropout({}) → Dense({}); Adam lr {}, batch {}, early stopping on validation loss (patience {}): best epoch {} of {}\n- Time on this machine ({} threads): features {:.0} s, head / fine-tuning {:.0} s, whole run {:.0} s\n- Export check: max |burn − tract| {:.1e} on held-out images\n- Latency: {:.1} ms median, tract, 1 thread, this machine (x86); measure on the Pi with `beckon bench`\n\n![accuracy](accuracy.png) ![loss](loss.png)\n",
        if job.fine_tune > 0 {
            format!(
                "fine-tuned: its last {} blocks trained with the head at {} × the learning rate (batch norm frozen: folded or constant), the blocks before frozen",
                job.fine_tune, job.backbone_lr_factor
            )
        } else {
            "frozen".to_string()
        },
        job.views,
        job.augmentation.min_scale * 100.0,
        job.augmentation.max_rotation_deg,
        job.augmentation.max_light * 100.0,
        job.augmentation.max_colour * 100.0,
        job.augmentation.grey * 100.0,
        job.head.hidden,
        job.head.dropout,
        info.labels.len(),
        job.head.learning_rate,
        job.head.batch_size,
        job.head.patience,
        r.best_epoch,
        r.epochs_run,
        job.threads,
        r.feature_seconds,
        r.head_seconds,
        r.total_seconds,
        r.max_abs_diff,
        r.latency_ms
    );
    s
}
