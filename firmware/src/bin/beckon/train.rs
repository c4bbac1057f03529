//! `beckon train`: the gestures recorded with `beckon capture --track` become a model, on the
//! device.

use std::path::PathBuf;

use beckon::teach::{TeachJob, teach};
use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    /// The recorded gestures: one folder per gesture, as `beckon capture --track` writes them.
    #[arg(long, default_value = "dataset")]
    data: PathBuf,
    /// Where the model (model.onnx) and its card (README.md) go. The previous model there is
    /// replaced only when the new one is complete and checked.
    #[arg(long, default_value = "dataset/model")]
    out: PathBuf,
    /// The hand-landmark model whose landmark network and hand features are reused (its head
    /// is replaced by the taught one).
    #[arg(long, default_value = crate::DEFAULT_MODEL)]
    base: PathBuf,
    /// Count a hand far from every taught gesture as no hand, so that poses nobody taught fire
    /// less. Off by default: from few examples it also rejects many taught gestures shown a
    /// little differently (docs/teaching.md has the measured trade-off).
    #[arg(long)]
    reject_untaught: bool,
    /// With --reject-untaught: how far from the taught gestures a hand still counts as one of
    /// them, as a factor of the calibrated distance (printed, and in the card). Lower: fewer
    /// untaught poses fire, and fewer taught ones shown differently are recognised.
    #[arg(long, default_value_t = 1.0, value_parser = within_range, requires = "reject_untaught")]
    within: f32,
}

fn within_range(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.1..=10.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?}: expected a factor from 0.1 to 10 (1 = the calibrated distance)")),
    }
}

pub fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let command = std::iter::once("beckon".to_string()).chain(std::env::args().skip(1)).collect::<Vec<_>>().join(" ");
    let job = TeachJob {
        data: args.data.clone(),
        out: args.out.clone(),
        base: args.base.clone(),
        reject_untaught: args.reject_untaught,
        within: args.within,
        command,
    };
    let r = teach(&job)?;
    say!("model:      {}", r.model_path.display());
    for (i, label) in r.labels.iter().enumerate() {
        say!("gesture:    {label}: {} examples from {} recording(s), {} crops without a hand left out", r.examples[i], r.recordings[i], r.no_hand[i]);
    }
    match &r.holdout {
        Some(h) => say!(
            "new takes:  leave-one-recording-out accuracy {:.4} over {} recordings (card: {})",
            h.accuracy(),
            h.recordings,
            args.out.join("README.md").display()
        ),
        None => say!("new takes:  one recording only, no held-out figure: record each gesture again to get one"),
    }
    if let Some((threshold, kept)) = r.known {
        say!(
            "untaught:   hands farther than {threshold:.2} from every gesture count as none{}",
            kept.map(|k| format!(" ({:.0} % of held-out examples are within it)", k * 100.0)).unwrap_or_default()
        );
    }
    say!("check:      written model vs head, max |difference| {:.1e}", r.max_abs_diff);
    say!("time:       {:.1} s", r.seconds);
    say!("next:       beckon run --model {}", r.model_path.display());
    Ok(())
}
