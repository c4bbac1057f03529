//! Inference latency measurement, shared by `beckon bench` and the trainer's model cards.
//!
//! Several models are measured round-robin (one run of each in turn), so a machine that gets
//! busier or quieter during the measurement affects every model alike and their ratios stay
//! meaningful.

use std::time::{Duration, Instant};

use image::RgbImage;

use crate::error::Result;
use crate::model::Classifier;
use crate::preprocess;

/// Latency statistics of one model over a number of runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyStats {
    pub runs: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub max: Duration,
    pub mean: Duration,
}

impl LatencyStats {
    /// Statistics of `samples` (at least one).
    pub fn from_samples(mut samples: Vec<Duration>) -> Self {
        assert!(!samples.is_empty(), "no samples");
        samples.sort();
        let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        let total: Duration = samples.iter().sum();
        Self { runs: samples.len(), p50: pick(0.5), p95: pick(0.95), max: *samples.last().expect("non-empty"), mean: total / samples.len() as u32 }
    }

    /// Inferences per second at the mean latency (one after another, one stream).
    pub fn throughput(&self) -> f64 {
        1.0 / self.mean.as_secs_f64().max(1e-12)
    }
}

/// How many runs to measure.
#[derive(Debug, Clone, Copy)]
pub struct BenchPlan {
    /// Untimed runs per model first (tract allocates and caches on the first runs).
    pub warmup: usize,
    /// Timed runs per model (at least one).
    pub runs: usize,
}

/// Measures the pure inference time (tract only: the frame is prepared once beforehand) of
/// each model on `frame`, round-robin. Returns one [`LatencyStats`] per model, in order.
pub fn measure(models: &[&Classifier], frame: &RgbImage, plan: BenchPlan) -> Result<Vec<LatencyStats>> {
    let inputs: Vec<RgbImage> = models.iter().map(|c| preprocess::fit_to_input(frame, c.info().input_size)).collect();
    for _ in 0..plan.warmup {
        for (c, input) in models.iter().zip(&inputs) {
            c.classify_prepared(input)?;
        }
    }
    let mut samples = vec![Vec::with_capacity(plan.runs); models.len()];
    for _ in 0..plan.runs.max(1) {
        for ((c, input), times) in models.iter().zip(&inputs).zip(&mut samples) {
            let start = Instant::now();
            c.classify_prepared(input)?;
            times.push(start.elapsed());
        }
    }
    Ok(samples.into_iter().map(LatencyStats::from_samples).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_pick_order_statistics() {
        let ms = |v: u64| Duration::from_millis(v);
        let s = LatencyStats::from_samples((1..=100).rev().map(ms).collect());
        assert_eq!(s.runs, 100);
        assert_eq!(s.p50, ms(51)); // index round(99 * 0.5) = 50 → 51 ms
        assert_eq!(s.p95, ms(95));
        assert_eq!(s.max, ms(100));
        assert_eq!(s.mean, Duration::from_micros(50_500));
        assert!((s.throughput() - 1000.0 / 50.5).abs() < 1e-9);
    }
}
