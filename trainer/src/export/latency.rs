//! How fast an exported model runs: tract through the firmware library, as the device runs it.

use std::path::Path;

use anyhow::Result;
use beckon::Classifier;

/// tract latency of one inference on the training machine.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub median_ms: f64,
    pub p95_ms: f64,
    pub runs: usize,
}

/// Median and 95th-percentile tract latency of one inference, through the firmware library
/// ([`beckon::bench`]), after 5 warm-up runs.
pub fn measure(model: &Path, image: &image::RgbImage, runs: usize) -> Result<Latency> {
    let classifier = Classifier::load(model)?;
    let plan = beckon::bench::BenchPlan { warmup: 5, runs: runs.max(1) };
    let stats = beckon::bench::measure(&[&classifier], image, plan)?[0];
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    Ok(Latency { median_ms: ms(stats.p50), p95_ms: ms(stats.p95), runs: stats.runs })
}
