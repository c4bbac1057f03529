//! `fit` end to end: dataset → split → train → export → verify → charts → model card.
//! Everything is written into a staging folder first and moved into place only after the
//! export verified, so a failed run leaves the previous model untouched.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use beckon::{Classifier, ModelInfo};

use crate::card::{self, CardFacts, CardJob, Latency};
use crate::dataset::{Sample, load_folder, stratified_split};
use crate::export::{onnx, verify};
use crate::files;
use crate::graph;
use crate::train::{self, FitOptions, Trained, charts, cnn};

/// Everything `beckon-train fit` needs.
#[derive(Debug, Clone)]
pub struct FitJob {
    /// Folder-per-class dataset.
    pub data: PathBuf,
    /// Separate validation folder (same classes); else a split of `data`.
    pub val_data: Option<PathBuf>,
    /// Output folder for model.onnx, history.json, charts and the model card.
    pub out: PathBuf,
    pub input_size: u32,
    pub val_fraction: f64,
    pub limit_per_class: Option<usize>,
    /// Whole camera frames: find the hand with this palm detector and train on its rotated
    /// crop (see [`crate::dataset::hand_crops`]).
    pub find_hand: Option<PathBuf>,
    pub fit: FitOptions,
    /// The command line, recorded in the model card.
    pub command: String,
}

/// What a finished `fit` produced.
#[derive(Debug)]
pub struct FitReport {
    pub model_path: PathBuf,
    pub labels: Vec<String>,
    pub train_images: usize,
    pub val_images: usize,
    pub skipped: usize,
    pub trained: Trained,
    pub parity: verify::Parity,
    pub file_bytes: u64,
    pub latency: Latency,
}

/// Files a fit writes into its output folder.
pub use crate::files::MODEL_FILE;
pub const OUTPUT_FILES: [&str; 5] = [MODEL_FILE, "history.json", "accuracy.png", "loss.png", "README.md"];

/// Runs the whole job.
pub fn run_fit(job: &FitJob) -> Result<FitReport> {
    let load = |dir: &std::path::Path| match &job.find_hand {
        None => load_folder(dir, job.input_size, job.limit_per_class),
        Some(detector) => crate::dataset::hand_crops::load_hand_crops(dir, detector, job.input_size, job.limit_per_class),
    };
    let loaded = load(&job.data)?;
    let labels = loaded.labels.clone();
    let mut skipped = loaded.skipped.len();
    let (train_set, val_set) = match &job.val_data {
        Some(dir) => {
            let val = load(dir)?;
            if val.labels != labels {
                bail!(
                    "validation folder {} has classes {:?}, the training folder {} has {:?}; they must match",
                    dir.display(),
                    val.labels,
                    job.data.display(),
                    labels
                );
            }
            skipped += val.skipped.len();
            (loaded.samples, val.samples)
        }
        None => stratified_split(loaded.samples, labels.len(), job.val_fraction, job.fit.seed),
    };
    if val_set.is_empty() {
        bail!("no validation images: use --val-split > 0 or --val-data DIR");
    }
    eprintln!(
        "data: {} classes ({}), {} training and {} validation images at {}×{}, {} files skipped",
        labels.len(),
        labels.join(","),
        train_set.len(),
        val_set.len(),
        job.input_size,
        job.input_size,
        skipped
    );

    let trained = train::fit(&train_set, &val_set, labels.len(), &job.fit)?;
    let last = *trained.history.last().context("no epoch ran")?;
    let info = ModelInfo {
        labels: labels.clone(),
        input_size: job.input_size,
        architecture: cnn::ARCHITECTURE.into(),
        preprocessing: cnn::PREPROCESSING.into(),
        training: format!(
            "beckon-train {}; data {}; {} train / {} val images ({}); epochs {}, batch {}, Adam lr {}, seed {}; \
             final train acc {:.4}, val acc {:.4}",
            env!("CARGO_PKG_VERSION"),
            job.data.display(),
            train_set.len(),
            val_set.len(),
            match &job.val_data {
                Some(v) => format!("validation folder {}", v.display()),
                None => format!("stratified split {:.2}", job.val_fraction),
            },
            job.fit.epochs,
            job.fit.batch_size,
            job.fit.learning_rate,
            job.fit.seed,
            last.train_accuracy,
            last.val_accuracy
        ),
        quantization: String::new(),
        no_hand_label: None,
    };

    let staging = files::staging_dir(&job.out)?;
    let result = write_outputs(job, &staging, &trained, &info, &train_set, &val_set, skipped);
    let (parity, file_bytes, latency) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    files::publish(&staging, &job.out, &OUTPUT_FILES)?;
    Ok(FitReport {
        model_path: job.out.join(MODEL_FILE),
        labels,
        train_images: train_set.len(),
        val_images: val_set.len(),
        skipped,
        trained,
        parity,
        file_bytes,
        latency,
    })
}

fn write_outputs(
    job: &FitJob,
    dir: &Path,
    trained: &Trained,
    info: &ModelInfo,
    train_set: &[Sample],
    val_set: &[Sample],
    skipped: usize,
) -> Result<(verify::Parity, u64, Latency)> {
    let model_path = dir.join(MODEL_FILE);
    let proto = onnx::seed_cnn_to_onnx(&trained.model, &trained.spec, info);
    let bytes = graph::encode(&proto);
    files::write_atomic(&model_path, &bytes)?;
    let check: Vec<&Sample> = val_set.iter().take(64).collect();
    let parity = verify::verify(&model_path, &trained.model, &trained.device, &check)?;
    eprintln!(
        "export verified: {} validation images, max |burn − tract| = {:.2e} (limit {:.0e}), top-1 disagreements {}",
        parity.images,
        parity.max_abs_diff,
        verify::TOLERANCE,
        parity.top1_disagreements
    );
    let latency = measure_latency(&model_path, &val_set[0].image, 50)?;
    trained.history.save_json(&dir.join("history.json"))?;
    charts::draw(&trained.history, dir, &format!("{} ({}×{})", cnn::ARCHITECTURE, job.input_size, job.input_size))?;
    let facts = CardFacts {
        job: CardJob { command: &job.command, data: &job.data, val_data: job.val_data.as_deref(), val_fraction: job.val_fraction, fit: &job.fit },
        info,
        history: &trained.history,
        train_images: train_set.len(),
        val_images: val_set.len(),
        per_class_train: per_class(train_set, info.labels.len()),
        per_class_val: per_class(val_set, info.labels.len()),
        skipped,
        parity,
        file_bytes: bytes.len() as u64,
        latency,
    };
    std::fs::write(dir.join("README.md"), card::render(&facts))?;
    Ok((parity, bytes.len() as u64, latency))
}

fn per_class(samples: &[Sample], n: usize) -> Vec<usize> {
    let mut c = vec![0; n];
    for s in samples {
        c[s.label] += 1;
    }
    c
}

/// Median and 95th-percentile tract latency of one inference, through the firmware library
/// ([`beckon::bench`]), after 5 warm-up runs.
pub fn measure_latency(model: &Path, image: &image::RgbImage, runs: usize) -> Result<Latency> {
    let classifier = Classifier::load(model)?;
    let plan = beckon::bench::BenchPlan { warmup: 5, runs: runs.max(1) };
    let stats = beckon::bench::measure(&[&classifier], image, plan)?[0];
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    Ok(Latency { median_ms: ms(stats.p50), p95_ms: ms(stats.p95), runs: stats.runs })
}
