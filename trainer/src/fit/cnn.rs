//! The seed CNN as a [`ModelKind`]: one image folder (or whole frames cropped to the hand) →
//! stratified split (or a validation folder) → the CNN trained in burn → ONNX → verified
//! through the firmware library → curves and card.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use beckon::ModelInfo;

use crate::dataset::{Sample, load_folder, stratified_split};
use crate::export::latency::{self, Latency};
use crate::export::{onnx, verify};
use crate::files::{self, MODEL_FILE};
use crate::fit::card::{self, Card};
use crate::fit::pipeline::{self, ModelKind};
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

/// Trains, exports and publishes the seed CNN ([`pipeline::run`]).
pub fn run_fit(job: &FitJob) -> Result<FitReport> {
    pipeline::run(job)
}

/// The split data.
pub struct Prepared {
    labels: Vec<String>,
    train: Vec<Sample>,
    val: Vec<Sample>,
    skipped: usize,
}

impl ModelKind for FitJob {
    type Prepared = Prepared;
    type Trained = Trained;
    type Report = FitReport;

    fn out(&self) -> &Path {
        &self.out
    }

    fn prepare(&self) -> Result<Prepared> {
        let load = |dir: &Path| match &self.find_hand {
            None => load_folder(dir, self.input_size, self.limit_per_class),
            Some(detector) => crate::dataset::hand_crops::load_hand_crops(dir, detector, self.input_size, self.limit_per_class),
        };
        let loaded = load(&self.data)?;
        let labels = loaded.labels.clone();
        let mut skipped = loaded.skipped.len();
        let (train, val) = match &self.val_data {
            Some(dir) => {
                let val = load(dir)?;
                if val.labels != labels {
                    bail!(
                        "validation folder {} has classes {:?}, the training folder {} has {:?}; they must match",
                        dir.display(),
                        val.labels,
                        self.data.display(),
                        labels
                    );
                }
                skipped += val.skipped.len();
                (loaded.samples, val.samples)
            }
            None => stratified_split(loaded.samples, labels.len(), self.val_fraction, self.fit.seed),
        };
        if val.is_empty() {
            bail!("no validation images: use --val-split > 0 or --val-data DIR");
        }
        eprintln!(
            "data: {} classes ({}), {} training and {} validation images at {}×{}, {} files skipped",
            labels.len(),
            labels.join(","),
            train.len(),
            val.len(),
            self.input_size,
            self.input_size,
            skipped
        );
        Ok(Prepared { labels, train, val, skipped })
    }

    fn train(&self, p: &Prepared) -> Result<Trained> {
        train::fit(&p.train, &p.val, p.labels.len(), &self.fit)
    }

    fn describe(&self, p: &Prepared, trained: &Trained) -> ModelInfo {
        let (train_acc, val_acc) = trained.history.last().map_or((f64::NAN, f64::NAN), |l| (l.train_accuracy, l.val_accuracy));
        ModelInfo {
            labels: p.labels.clone(),
            input_size: self.input_size,
            architecture: cnn::ARCHITECTURE.into(),
            preprocessing: cnn::PREPROCESSING.into(),
            training: format!(
                "beckon-train {}; data {}; {} train / {} val images ({}); epochs {}, batch {}, Adam lr {}, seed {}; \
                 final train acc {:.4}, val acc {:.4}",
                env!("CARGO_PKG_VERSION"),
                self.data.display(),
                p.train.len(),
                p.val.len(),
                self.validation(),
                self.fit.epochs,
                self.fit.batch_size,
                self.fit.learning_rate,
                self.fit.seed,
                train_acc,
                val_acc
            ),
            quantization: String::new(),
            no_hand_label: None,
        }
    }

    fn export(&self, dir: &Path, p: &Prepared, trained: Trained, info: &ModelInfo) -> Result<(FitReport, Vec<String>)> {
        let model_path = dir.join(MODEL_FILE);
        let proto = onnx::seed_cnn_to_onnx(&trained.model, &trained.spec, info);
        let bytes = graph::encode(&proto);
        files::write_atomic(&model_path, &bytes)?;
        let check: Vec<&Sample> = p.val.iter().take(64).collect();
        let parity = verify::verify(&model_path, &trained.model, &trained.device, &check)?;
        eprintln!(
            "export verified: {} validation images, max |burn − tract| = {:.2e} (limit {:.0e}), top-1 disagreements {}",
            parity.images,
            parity.max_abs_diff,
            verify::TOLERANCE,
            parity.top1_disagreements
        );
        let latency = latency::measure(&model_path, &p.val[0].image, 50)?;
        trained.history.save_json(&dir.join("history.json")).context("cannot write history.json")?;
        charts::draw(&trained.history, dir, &format!("{} ({}×{})", cnn::ARCHITECTURE, self.input_size, self.input_size))?;
        let report = FitReport {
            model_path: self.out.join(MODEL_FILE),
            labels: p.labels.clone(),
            train_images: p.train.len(),
            val_images: p.val.len(),
            skipped: p.skipped,
            trained,
            parity,
            file_bytes: bytes.len() as u64,
            latency,
        };
        Ok((report, OUTPUT_FILES.iter().map(|n| n.to_string()).collect()))
    }

    fn card(&self, p: &Prepared, info: &ModelInfo, r: &FitReport) -> String {
        let size = info.input_size;
        let mut card = Card::new(&format!("Model card: {} ({size}×{size})", info.architecture), &self.command);
        let (train, val) = (per_class(&p.train, p.labels.len()), per_class(&p.val, p.labels.len()));
        let rows: Vec<Vec<String>> = info.labels.iter().enumerate().map(|(i, l)| vec![l.clone(), train[i].to_string(), val[i].to_string()]).collect();
        card.section("Data").bullets(&[
            format!("Training folder: `{}`", self.data.display()),
            match &self.val_data {
                Some(v) => format!("Validation folder: `{}`", v.display()),
                None => format!("Validation: stratified split of the training folder, fraction {:.2}, seed {}", self.val_fraction, self.fit.seed),
            },
            format!("Images: {} training, {} validation; {} files skipped", r.train_images, r.val_images, r.skipped),
        ]);
        card.table(&["label", "train", "validation"], &rows);
        card.section("Training").bullets(&[
            format!("Network: {}, input u8 RGB {size}×{size}, preprocessing: {}", info.architecture, info.preprocessing),
            format!(
                "Epochs {}, batch {}, Adam lr {}, cross-entropy, seed {}; burn 0.22.1 flex backend (CPU)",
                self.fit.epochs, self.fit.batch_size, self.fit.learning_rate, self.fit.seed
            ),
        ]);
        let history = &r.trained.history;
        if let (Some(last), Some(best)) = (history.last().copied(), history.best_val_accuracy().copied()) {
            card.section("Accuracy").table(
                &["", "train", "validation"],
                &[
                    vec![format!("final epoch ({}) accuracy", last.epoch), format!("{:.4}", last.train_accuracy), format!("{:.4}", last.val_accuracy)],
                    vec!["final epoch loss".into(), format!("{:.4}", last.train_loss), format!("{:.4}", last.val_loss)],
                ],
            );
            card.paragraph(&format!(
                "Best validation accuracy {:.4} at epoch {} (the shipped weights are the final epoch's). {}",
                best.val_accuracy,
                best.epoch,
                card::training_time(history)
            ));
        }
        card.curves();
        card.section("Size and speed").bullets(&[
            card::file_size(r.file_bytes, "float32"),
            card::latency(&r.latency),
            card::export_check(r.parity.images, r.parity.max_abs_diff, Some(r.parity.top1_disagreements)),
        ]);
        card.finish()
    }
}

impl FitJob {
    fn validation(&self) -> String {
        match &self.val_data {
            Some(v) => format!("validation folder {}", v.display()),
            None => format!("stratified split {:.2}", self.val_fraction),
        }
    }
}

/// Files a fit writes into its output folder besides the card.
pub const OUTPUT_FILES: [&str; 4] = [MODEL_FILE, "history.json", "accuracy.png", "loss.png"];

fn per_class(samples: &[Sample], n: usize) -> Vec<usize> {
    let mut c = vec![0; n];
    for s in samples {
        c[s.label] += 1;
    }
    c
}
