//! `beckon info` and `beckon classify`: a model's contract, and its predictions on image files.

use std::path::{Path, PathBuf};

use beckon::model::F16Request;

use crate::{PrecisionArgs, load};

pub fn info(model: &Path) -> anyhow::Result<()> {
    let c = load(model, F16Request::Off)?;
    let i = c.info();
    say!("model:         {}", model.display());
    say!("architecture:  {}", i.architecture);
    say!("labels:        {}", i.labels.join(", "));
    say!("input:         u8 RGB NCHW [1, 3, {s}, {s}]", s = i.input_size);
    say!("preprocessing: {}", i.preprocessing);
    say!("training:      {}", i.training);
    say!("quantization:  {}", if i.quantization.is_empty() { "none (f32)" } else { &i.quantization });
    say!("file size:     {} bytes", std::fs::metadata(model)?.len());
    Ok(())
}

pub fn classify(model: &Path, precision: &PrecisionArgs, images: &[PathBuf]) -> anyhow::Result<()> {
    let c = load(model, precision.request())?;
    for path in images {
        let frame = beckon::camera::image_file::open(path).map_err(|e| anyhow::anyhow!("{}: cannot decode it as an image: {e}", path.display()))?.to_rgb8();
        let p = c.classify(&frame)?;
        let probs: Vec<String> = p.probabilities.iter().map(|v| format!("{v:e}")).collect();
        // Hand-landmark models with a hand in view: a fourth column, the 21 × (x, y, z).
        let hand = p.landmarks.map(|l| format!("\t{}", l.iter().flatten().map(|v| format!("{v:e}")).collect::<Vec<_>>().join(","))).unwrap_or_default();
        say!("{}\t{}\t{}{hand}", path.display(), c.info().labels[p.index], probs.join(","));
    }
    Ok(())
}
