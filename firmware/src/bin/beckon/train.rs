//! `beckon train`: the gestures recorded with `beckon capture --track` become a model, on the
//! device.

use std::path::PathBuf;

use beckon::teach::{TeachJob, teach};
use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    /// The recorded gestures: one folder per gesture, as `beckon capture --track` writes them.
    /// Default: ./dataset, or /var/lib/beckon/gestures when installed.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Where the model (model.onnx) and its card (README.md) go. The previous model there is
    /// replaced only when the new one is complete and checked. Default: DATA/model.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The hand-landmark model whose landmark network and hand features are reused (its head
    /// is replaced by the taught one). Default: the configuration's model ($BECKON_CONFIG, else
    /// /etc/beckon/beckon.toml when installed), else the shipped one.
    #[arg(long)]
    base: Option<PathBuf>,
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
    /// What the base model already knows: the hand features of its training examples, learned
    /// together with yours (a few examples build on them instead of starting from zero).
    /// Default: features.bin beside the base model, if there is one.
    #[arg(long, value_name = "FILE", conflicts_with = "no_base_features")]
    base_features: Option<PathBuf>,
    /// Learn from your examples alone.
    #[arg(long)]
    no_base_features: bool,
    /// Keep the base model's gestures you did not record (re-teach a few of them your way).
    /// Without it the model knows only your gestures, and the base's others become one
    /// `other` gesture, so a hand doing something else is not read as one of yours.
    #[arg(long)]
    keep_base_gestures: bool,
    /// Within a gesture you and the base model both have examples of, yours weigh this many
    /// times the base's.
    #[arg(long, default_value_t = 2.0, value_parser = weight_range)]
    user_weight: f32,
    /// For measuring: leave these capture sessions out of the base features (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "SESSIONS")]
    base_without: Vec<String>,
    /// Also write your examples' hand features to FILE, in the format of a model's
    /// features.bin (how the shipped model's was made).
    #[arg(long, value_name = "FILE")]
    save_features: Option<PathBuf>,
}

fn weight_range(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.0..=1000.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?}: expected a weight from 0 to 1000 (2 = your examples count twice the base's)")),
    }
}

fn within_range(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.1..=10.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?}: expected a factor from 0.1 to 10 (1 = the calibrated distance)")),
    }
}

pub fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let command = std::iter::once("beckon".to_string()).chain(std::env::args().skip(1)).collect::<Vec<_>>().join(" ");
    let paths = beckon::paths::shared();
    let data = args.data.clone().unwrap_or_else(|| paths.dataset());
    let out = args.out.clone().unwrap_or_else(|| data.join("model"));
    // The base: the flag, else the configuration's model, else the shipped one.
    let base = match &args.base {
        Some(base) => base.clone(),
        None => crate::default_model(crate::config_file(None, false)?.as_ref()),
    };
    let mut job = TeachJob::new(data, out.clone(), base);
    if args.no_base_features {
        job.base_features = None;
    } else if let Some(path) = &args.base_features {
        job.base_features = Some(path.clone());
    }
    job.reject_untaught = args.reject_untaught;
    job.within = args.within;
    job.keep_base_gestures = args.keep_base_gestures;
    job.user_weight = args.user_weight;
    job.base_without = args.base_without.clone();
    job.save_features = args.save_features.clone();
    job.command = command;
    let r = teach(&job)?;
    say!("model:      {}", r.model_path.display());
    for (i, label) in r.labels.iter().enumerate() {
        let base = r.base.as_ref().map(|b| format!(", {} from the base model", b.examples[i])).unwrap_or_default();
        say!("gesture:    {label}: {} examples from {} recording(s), {} crops without a hand left out{base}", r.examples[i], r.recordings[i], r.no_hand[i]);
    }
    if let Some(b) = &r.base {
        say!("base:       {} (your examples weigh {}× its in a gesture you share)", b.path.display(), b.user_weight);
    }
    match &r.holdout {
        Some(h) => say!(
            "new takes:  leave-one-recording-out accuracy {:.4} over {} recordings (card: {})",
            h.accuracy(),
            h.recordings,
            out.join("README.md").display()
        ),
        None => say!("new takes:  one recording only, no held-out figure: record each gesture again to get one"),
    }
    if let Some(v) = &r.versus {
        say!("vs before:  {}", v.line());
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
