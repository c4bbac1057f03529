//! `beckon-train eval`: any model on any folder, through the firmware library.

use std::path::PathBuf;

use anyhow::{Result, bail};
use beckon_trainer::dataset::load_folder;

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// The ONNX model (any beckon model, quantized variants too).
    #[arg(long)]
    pub model: PathBuf,
    /// Folder-per-class images.
    #[arg(long)]
    pub data: PathBuf,
    /// Where to draw the confusion matrix. Default: MODEL_DIR/confusion-DATA.png.
    #[arg(long)]
    pub chart: Option<PathBuf>,
    /// Also write the counts as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Only these capture sessions (file-name prefixes, as `fit --group-by prefix` names
    /// them), e.g. the held-out sessions a model card lists.
    #[arg(long, value_delimiter = ',')]
    pub sessions: Vec<String>,
}

pub fn run(args: EvalArgs) -> Result<()> {
    let EvalArgs { model, data, chart, json, sessions } = args;
    let classifier = beckon::Classifier::load(&model)?;
    let mut loaded = load_folder(&data, classifier.info().input_size, None)?;
    if !sessions.is_empty() {
        use beckon_trainer::dataset::groups::{GroupBy, session_of};
        loaded.samples.retain(|s| sessions.contains(&session_of(s, GroupBy::Prefix)));
        if loaded.samples.is_empty() {
            bail!("no image in {} belongs to sessions {}; session names are file-name prefixes up to the first _", data.display(), sessions.join(","));
        }
    }
    let eval = beckon_trainer::eval::evaluate(&classifier, &loaded.labels, &loaded.samples, &data)?;
    println!("model {} on {} ({} images, {} skipped)", model.display(), data.display(), eval.total(), loaded.skipped.len());
    print!("{}", eval.render());
    let name = data.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
    let chart = chart.unwrap_or_else(|| model.with_file_name(format!("confusion-{name}.png")));
    beckon_trainer::eval::confusion_chart::draw(&eval, &chart, &format!("{} on {name}", model.display()))?;
    println!("confusion matrix drawn: {}", chart.display());
    if let Some(path) = json {
        std::fs::write(&path, serde_json::to_string_pretty(&eval)?)?;
    }
    Ok(())
}
