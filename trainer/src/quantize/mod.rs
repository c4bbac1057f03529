//! Quantized variants of a beckon model, written in Rust over the ONNX graph with standard ops
//! only (no Microsoft-domain ops), each keeping the model contract and recording in its metadata
//! how it was made.
//!
//! - [`weights`]: int8 weights-only (per-channel symmetric, `DequantizeLinear`).
//! - [`qdq`]: full static int8 in QDQ format, with [`calibrate`]d activation ranges.
//! - [`f16`]: float16 weights.
//! - [`report`]: accuracy, agreement, size and latency of every variant, for the model card.

pub mod calibrate;
pub mod f16;
pub mod onnx_edit;
pub mod qdq;
pub mod report;
pub mod weights;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use beckon::Classifier;
use beckon::model::contract::KEY_QUANTIZATION;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use tract_onnx::pb::{ModelProto, StringStringEntryProto};

use crate::dataset::{Sample, load_folder, stratified_split};
use crate::files::{tmp_path, write_atomic};
use crate::graph;
pub use calibrate::Method;
pub use report::{QuantizeReport, VariantRow};

/// A quantized variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// int8 weights, f32 activations: `model.int8.onnx`.
    Int8,
    /// Static int8 QDQ (weights and activations): `model.qdq.onnx`.
    Qdq,
    /// float16 weights: `model.f16.onnx`.
    F16,
}

impl Variant {
    pub const ALL: [Variant; 3] = [Variant::Int8, Variant::Qdq, Variant::F16];

    /// `model.onnx` → `model.int8.onnx` etc.
    pub fn path_for(self, f32_model: &Path) -> PathBuf {
        let stem = f32_model.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
        let tag = match self {
            Variant::Int8 => "int8",
            Variant::Qdq => "qdq",
            Variant::F16 => "f16",
        };
        f32_model.with_file_name(format!("{stem}.{tag}.onnx"))
    }
}

/// Everything `beckon-train quantize` needs.
#[derive(Debug, Clone)]
pub struct QuantizeJob {
    /// The f32 model (from `beckon-train fit`).
    pub model: PathBuf,
    /// The dataset it was trained on: calibration images come from its training part.
    pub data: PathBuf,
    /// Validation folder, if the model was trained with one; else the split below.
    pub val_data: Option<PathBuf>,
    pub val_fraction: f64,
    pub seed: u64,
    pub calibration_images: usize,
    pub method: Method,
    pub variants: Vec<Variant>,
    /// Timed inferences per model for the latency table.
    pub latency_runs: usize,
    /// The command line, recorded in the card.
    pub command: String,
}

/// Makes, checks and measures every requested variant, then moves them beside the f32 model
/// and adds a section to its model card. Nothing is replaced unless every step succeeded.
pub fn run_quantize(job: &QuantizeJob) -> Result<QuantizeReport> {
    let f32_model = Classifier::load(&job.model)?;
    let info = f32_model.info().clone();
    if !info.quantization.is_empty() {
        bail!("{} is already quantized ({}); quantize the f32 model it was made from", job.model.display(), info.quantization);
    }
    let proto = graph::decode(&beckon::model::file::read_model_file(&job.model)?).with_context(|| format!("cannot parse {}", job.model.display()))?;

    // A landmark model's no-hand label has no folder: the data holds the other classes.
    let data_labels: Vec<String> = info.labels.iter().filter(|l| Some(l.as_str()) != info.no_hand_label.as_deref()).cloned().collect();
    let (train, val) = reproduce_split(job, &data_labels, info.input_size)?;
    let calibration = pick(&train, job.calibration_images, job.seed);
    log::info!("{} calibration images, {} validation images", calibration.len(), val.len());

    let mut staged = Vec::new();
    for &variant in &job.variants {
        let (mut model, how) = make_variant(&proto, variant, &calibration, job.method)?;
        set_quantization(&mut model, &how);
        let path = variant.path_for(&job.model);
        let tmp = tmp_path(&path);
        std::fs::write(&tmp, graph::encode(&model)).with_context(|| format!("cannot write {}", tmp.display()))?;
        staged.push((variant, path, tmp, how));
    }
    let result = report::measure(job, &f32_model, &staged, &val, calibration.len());
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            for (_, _, tmp, _) in &staged {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(e);
        }
    };
    for (_, path, tmp, _) in &staged {
        std::fs::rename(tmp, path).with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))?;
    }
    let dir = job.model.parent().unwrap_or(Path::new("."));
    write_atomic(&dir.join("quantization.json"), serde_json::to_string_pretty(&report)?.as_bytes())?;
    report::update_card(&dir.join("README.md"), &report)?;
    log::info!("outputs written to {} (the variants, quantization.json, the card)", dir.display());
    Ok(report)
}

/// The same train/validation split `beckon-train fit` made (same data, fraction and seed).
fn reproduce_split(job: &QuantizeJob, labels: &[String], size: u32) -> Result<(Vec<Sample>, Vec<Sample>)> {
    let loaded = load_folder(&job.data, size, None)?;
    if loaded.labels != labels {
        bail!(
            "{} has classes {:?}, the model {} has labels {:?}; pass the dataset the model was trained on",
            job.data.display(),
            loaded.labels,
            job.model.display(),
            labels
        );
    }
    match &job.val_data {
        Some(dir) => {
            let val = load_folder(dir, size, None)?;
            if val.labels != labels {
                bail!("validation folder {} has classes {:?}, the model has {:?}", dir.display(), val.labels, labels);
            }
            Ok((loaded.samples, val.samples))
        }
        None => Ok(stratified_split(loaded.samples, labels.len(), job.val_fraction, job.seed)),
    }
}

/// `n` samples drawn at random (seeded) from `from`.
fn pick(from: &[Sample], n: usize, seed: u64) -> Vec<&Sample> {
    let mut refs: Vec<&Sample> = from.iter().collect();
    refs.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed ^ 0x5eed_ca1b));
    refs.truncate(n.max(1));
    refs
}

/// Builds one variant and the sentence that describes it.
fn make_variant(proto: &ModelProto, variant: Variant, calibration: &[&Sample], method: Method) -> Result<(ModelProto, String)> {
    Ok(match variant {
        Variant::Int8 => {
            let (m, n) = weights::int8_weights_only(proto)?;
            (
                m,
                format!(
                    "int8 weights-only: {n} Conv/Gemm/MatMul weights per-output-channel symmetric int8 via DequantizeLinear; activations and arithmetic f32"
                ),
            )
        }
        Variant::F16 => {
            let (m, n) = f16::f16_weights(proto)?;
            (m, format!("f16 weights: {n} initializers stored as float16, Cast to float32 at load; arithmetic f32 (or f16 with beckon --f16)"))
        }
        Variant::Qdq => {
            let g = proto.graph.as_ref().context("the model has no graph")?;
            let tensors = qdq::activations_to_quantize(g);
            let images: Vec<&image::RgbImage> = calibration.iter().map(|s| &s.image).collect();
            let ranges = calibrate::calibrate(proto, &tensors, &images, method)?;
            let (m, s) = qdq::static_qdq(proto, &ranges)?;
            (
                m,
                format!(
                    "static int8 QDQ: {} weights per-channel symmetric int8, {} biases int32, {} activations per-tensor asymmetric int8 \
                     calibrated ({method}) on {} training images; logits and softmax f32",
                    s.weights,
                    s.biases,
                    s.activations,
                    calibration.len()
                ),
            )
        }
    })
}

fn set_quantization(model: &mut ModelProto, how: &str) {
    model.metadata_props.retain(|p| p.key != KEY_QUANTIZATION);
    model.metadata_props.push(StringStringEntryProto { key: KEY_QUANTIZATION.into(), value: how.into() });
    model.doc_string = format!("{} ({how})", model.doc_string);
}
