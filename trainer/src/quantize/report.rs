//! What every quantized variant costs and gives, measured through the firmware library: top-1
//! accuracy on the validation set, agreement with the f32 model, file size, tract latency
//! (round-robin, same run), and the variant recommended for the Pi.

use std::path::{Path, PathBuf};

use anyhow::Result;
use beckon::Classifier;
use beckon::bench::{self, BenchPlan};
use serde::Serialize;

use super::{QuantizeJob, Variant};
use crate::dataset::Sample;
use crate::files::write_atomic;

/// A variant may lose at most this much validation accuracy to be recommended…
pub const MAX_ACCURACY_LOSS: f64 = 0.005;
/// …and be at most this much slower than f32 in tract.
pub const MAX_LATENCY_RATIO: f64 = 1.05;

/// One model in the comparison (the f32 original first).
#[derive(Debug, Clone, Serialize)]
pub struct VariantRow {
    pub file: String,
    pub variant: String,
    pub quantization: String,
    pub bytes: u64,
    pub size_vs_f32: f64,
    pub accuracy: f64,
    pub agreement_with_f32: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub latency_vs_f32: f64,
}

/// The whole comparison, written to `quantization.json` and the model card.
#[derive(Debug, Clone, Serialize)]
pub struct QuantizeReport {
    pub command: String,
    pub validation_images: usize,
    pub calibration_images: usize,
    pub latency_runs: usize,
    pub machine: String,
    pub rows: Vec<VariantRow>,
    pub recommended: String,
    pub reason: String,
}

/// Measures the f32 model and the staged variants (`(variant, final path, temp path, how)`).
pub(super) fn measure(
    job: &QuantizeJob,
    f32_model: &Classifier,
    staged: &[(Variant, PathBuf, PathBuf, String)],
    val: &[Sample],
    calibration_images: usize,
) -> Result<QuantizeReport> {
    anyhow::ensure!(!val.is_empty(), "no validation images to compare the variants on");
    let variants: Vec<Classifier> = staged.iter().map(|(_, _, tmp, _)| Classifier::load(tmp)).collect::<Result<_, _>>()?;
    let mut models: Vec<&Classifier> = vec![f32_model];
    models.extend(variants.iter());

    let predictions: Vec<Vec<usize>> =
        models.iter().map(|m| val.iter().map(|s| m.classify_prepared(&s.image).map(|p| p.index)).collect::<Result<_, _>>()).collect::<Result<_, _>>()?;
    let n = val.len() as f64;
    let accuracy = |p: &[usize]| p.iter().zip(val).filter(|(i, s)| **i == s.label).count() as f64 / n;
    let agreement = |p: &[usize]| p.iter().zip(&predictions[0]).filter(|(a, b)| a == b).count() as f64 / n;

    let plan = BenchPlan { warmup: 5, runs: job.latency_runs.max(1) };
    let latency = bench::measure(&models, &val[0].image, plan)?;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;

    let mut files = vec![(job.model.clone(), "f32".to_string(), "none (f32)".to_string())];
    for (v, path, _, how) in staged {
        files.push((path.clone(), format!("{v:?}").to_lowercase(), how.clone()));
    }
    let sizes: Vec<u64> = std::iter::once(std::fs::metadata(&job.model)?.len())
        .chain(staged.iter().map(|(_, _, tmp, _)| std::fs::metadata(tmp).map(|m| m.len())).collect::<std::io::Result<Vec<_>>>()?)
        .collect();
    let rows: Vec<VariantRow> = files
        .into_iter()
        .enumerate()
        .map(|(i, (path, variant, quantization))| VariantRow {
            file: path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
            variant,
            quantization,
            bytes: sizes[i],
            size_vs_f32: sizes[i] as f64 / sizes[0] as f64,
            accuracy: accuracy(&predictions[i]),
            agreement_with_f32: agreement(&predictions[i]),
            p50_ms: ms(latency[i].p50),
            p95_ms: ms(latency[i].p95),
            latency_vs_f32: ms(latency[i].p50) / ms(latency[0].p50),
        })
        .collect();
    let (recommended, reason) = recommend(&rows);
    Ok(QuantizeReport {
        command: job.command.clone(),
        validation_images: val.len(),
        calibration_images,
        latency_runs: plan.runs,
        machine: format!("{} {}, 1 thread", std::env::consts::ARCH, std::env::consts::OS),
        rows,
        recommended,
        reason,
    })
}

/// The smallest variant within [`MAX_ACCURACY_LOSS`] and [`MAX_LATENCY_RATIO`] of f32, else f32.
pub fn recommend(rows: &[VariantRow]) -> (String, String) {
    let base = &rows[0];
    let ok = rows[1..].iter().filter(|r| r.accuracy >= base.accuracy - MAX_ACCURACY_LOSS && r.latency_vs_f32 <= MAX_LATENCY_RATIO).min_by_key(|r| r.bytes);
    match ok {
        Some(r) => (
            r.file.clone(),
            format!(
                "smallest variant ({:.0} % of the f32 file) within {:.1} pt of f32 accuracy ({:.4} vs {:.4}) and no slower than \
                 {MAX_LATENCY_RATIO}× f32 in tract ({:.2}×)",
                r.size_vs_f32 * 100.0,
                MAX_ACCURACY_LOSS * 100.0,
                r.accuracy,
                base.accuracy,
                r.latency_vs_f32
            ),
        ),
        None => (base.file.clone(), "no variant kept f32 accuracy and speed; the f32 model stays the choice".into()),
    }
}

const START: &str = "<!-- beckon-train quantize: start -->";
const END: &str = "<!-- beckon-train quantize: end -->";

/// The card section for `r`.
pub fn render(r: &QuantizeReport) -> String {
    let mut s = format!("{START}\n## Quantized variants\n\n");
    s += &format!(
        "Made by `{}`. Accuracy on the {} validation images, through the firmware library (tract); \
         agreement = same top-1 as the f32 model; latency = tract p50/p95 of one inference on the training machine \
         ({}), {} runs per model, round-robin in one run, so the ratios compare like with like.\n\n",
        r.command, r.validation_images, r.machine, r.latency_runs
    );
    s += &table(r);
    s += "\nHow each was made:\n\n";
    for row in &r.rows[1..] {
        s += &format!("- `{}`: {}\n", row.file, row.quantization);
    }
    s += &format!(
        "\n**Recommended for the Pi: `{}`**: {}. On the device, compare them yourself with \
         `beckon bench {}`. The firmware decodes int8 and f16 weights to f32 once at load, so those variants run the \
         f32 arithmetic (and take the f32 memory) on any CPU: they save download, storage and load time, not compute; \
         the QDQ variant adds a quantize/dequantize step per layer in tract and is the format for int8 runtimes and NPUs.\n{END}\n",
        r.recommended,
        r.reason,
        r.rows.iter().map(|x| x.file.as_str()).collect::<Vec<_>>().join(" ")
    );
    s
}

/// The comparison as a Markdown table (card and terminal).
pub fn table(r: &QuantizeReport) -> String {
    let mut s = "| file | size | vs f32 | accuracy | agreement | p50 ms | p95 ms | latency vs f32 |\n|---|---|---|---|---|---|---|---|\n".to_string();
    for row in &r.rows {
        s += &format!(
            "| `{}` | {:.2} MB | {:.0} % | {:.4} | {:.4} | {:.2} | {:.2} | {:.2}× |\n",
            row.file,
            row.bytes as f64 / 1e6,
            row.size_vs_f32 * 100.0,
            row.accuracy,
            row.agreement_with_f32,
            row.p50_ms,
            row.p95_ms,
            row.latency_vs_f32
        );
    }
    s
}

/// Adds the section to the card at `path` (replacing an earlier one), creating the file if needed.
pub fn update_card(path: &Path, r: &QuantizeReport) -> Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let section = render(r);
    let new = match (old.find(START), old.find(END)) {
        (Some(a), Some(b)) if b > a => format!("{}{}{}", &old[..a], section, old[b + END.len()..].trim_start_matches('\n')),
        _ if old.is_empty() => section,
        _ => format!("{}\n{}", old.trim_end_matches('\n').to_string() + "\n", section),
    };
    write_atomic(path, new.as_bytes())
}
