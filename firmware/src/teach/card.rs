//! The card written beside a taught model: what it learned from, and how it did on recordings
//! it did not learn from.

use std::fmt::Write;

use super::job::{TeachJob, TeachReport};

/// The model card (Markdown).
pub fn card(job: &TeachJob, r: &TeachReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Taught gestures: {}\n", r.labels.join(", "));
    let _ = writeln!(s, "Made on the device with\n\n```\n{}\n```\n", job.command);
    let _ = writeln!(
        s,
        "The landmark network and hand features of `{}` (unchanged), a new head: softmax regression on the 229 hand \
         features, trained on the examples below. Run it with `beckon run --model {}`.\n",
        job.base.display(),
        r.model_path.display()
    );
    if let Some(b) = &r.base {
        let _ = writeln!(
            s,
            "Learned together with what the base model knows: the hand features of its training examples (`{}`{}). \
             In a gesture both have examples of, the examples recorded here weigh {}× the base's in total; {}\n",
            b.path.display(),
            if b.without.is_empty() { String::new() } else { format!(", sessions {} left out", b.without.join(", ")) },
            b.user_weight,
            if job.keep_base_gestures {
                "the base's gestures not recorded here are kept as they were."
            } else {
                "the base's gestures not recorded here are one `other` gesture, so a hand showing one of them is not read as a taught gesture."
            }
        );
    }
    let _ = writeln!(s, "| gesture | examples | recordings | crops without a hand (left out) | base model's examples | recall, recordings held out |");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    let recall = r.holdout.as_ref().map(|h| h.recall()).unwrap_or_default();
    for (i, label) in r.labels.iter().enumerate() {
        let held = match recall.get(i).copied().flatten() {
            Some(v) if r.recordings[i] >= 2 => format!("{v:.2}"),
            Some(v) => format!("{v:.2} (one recording: nothing else taught it)"),
            None => "–".into(),
        };
        let base = r.base.as_ref().map_or("–".to_string(), |b| b.examples[i].to_string());
        let _ = writeln!(s, "| {label} | {} | {} | {} | {base} | {held} |", r.examples[i], r.recordings[i], r.no_hand[i]);
    }
    let _ = writeln!(s);
    match &r.holdout {
        Some(h) => {
            let _ = writeln!(
                s,
                "**Leave-one-recording-out accuracy: {:.4}** over {} recordings: each recording predicted by a head \
                 trained on all the others, the figure for a new take of these gestures. A gesture recorded only once \
                 cannot be predicted when its recording is held out; record each gesture at least twice (another \
                 time, light or distance) for a figure that means something.\n",
                h.accuracy(),
                h.recordings
            );
        }
        None => {
            let _ = writeln!(s, "One recording only: no held-out figure. Record each gesture again (another time, light or distance) to get one.\n");
        }
    }
    if let Some(v) = &r.versus {
        let _ = writeln!(
            s,
            "**Against the model it replaces** (`{}`), on these recordings' examples of the gestures that model knows: {}.\n",
            job.base.display(),
            v.line()
        );
    }
    match r.known {
        Some((threshold, kept)) => {
            let _ = writeln!(
                s,
                "- Untaught poses: a hand farther than {threshold:.2} (mean squared distance per standardised feature) from \
                 every taught gesture counts as no hand (`--reject-untaught`){}.",
                kept.map(|k| format!("; {:.0} % of the examples held out by recording were within it", k * 100.0)).unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(
                s,
                "- Untaught poses: not rejected: the closest taught gesture wins for any hand (the [decision] thresholds in \
                 beckon.toml keep only uncertain frames quiet); `beckon train --reject-untaught` trades some recognition for fewer."
            );
        }
    }
    let _ = writeln!(s, "- Export check: the written model through tract against the head: max |difference| {:.1e}", r.max_abs_diff);
    let _ = writeln!(s, "- Time on this machine: {:.1} s (features and training)", r.seconds);
    s
}
