//! Calibration: the range of every activation to be quantized, measured by running the f32
//! model through tract on training images with those activations exposed as extra outputs.

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use image::RgbImage;
use tract_onnx::pb::{ModelProto, ValueInfoProto};
use tract_onnx::prelude::*;

use crate::graph;

/// How a range is chosen from the observed values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// The smallest and largest value seen.
    MinMax,
    /// The given percentile at each end (e.g. 99.99 clips the top and bottom 0.01 %), which
    /// ignores rare outliers that would otherwise waste most of the 256 levels.
    Percentile(f64),
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Method::MinMax => write!(f, "min/max"),
            Method::Percentile(p) => write!(f, "percentile {p}"),
        }
    }
}

/// Bins of the histogram used by [`Method::Percentile`].
const BINS: usize = 4096;

/// `(low, high)` of each tensor in `tensors`, over `images` (already at the model's input size).
pub fn calibrate(model: &ModelProto, tensors: &[String], images: &[&RgbImage], method: Method) -> Result<HashMap<String, (f32, f32)>> {
    if images.is_empty() {
        bail!("calibration needs at least one image");
    }
    if let Method::Percentile(p) = method
        && !(50.0..=100.0).contains(&p)
    {
        bail!("--percentile {p}: expected a value between 50 and 100, e.g. 99.99");
    }
    let plan = probe(model, tensors, images[0])?;
    let run = |img: &RgbImage| -> Result<Vec<Vec<f32>>> {
        let out = plan.run(tvec!(beckon::preprocess::to_nchw_tensor(img).into()))?;
        out.iter().map(|t| Ok(t.try_as_plain_ram()?.as_slice::<f32>()?.to_vec())).collect()
    };
    let mut ranges = vec![(f32::INFINITY, f32::NEG_INFINITY); tensors.len()];
    for img in images {
        for (r, values) in ranges.iter_mut().zip(run(img)?) {
            for v in values {
                r.0 = r.0.min(v);
                r.1 = r.1.max(v);
            }
        }
    }
    if let Method::Percentile(p) = method {
        let mut hists = vec![vec![0u64; BINS]; tensors.len()];
        for img in images {
            for ((h, r), values) in hists.iter_mut().zip(&ranges).zip(run(img)?) {
                let width = (r.1 - r.0).max(f32::MIN_POSITIVE);
                for v in values {
                    h[(((v - r.0) / width) * BINS as f32).clamp(0.0, (BINS - 1) as f32) as usize] += 1;
                }
            }
        }
        for (r, h) in ranges.iter_mut().zip(&hists) {
            let (lo, hi) = percentile_range(h, *r, p);
            *r = (lo, hi);
        }
    }
    for (name, r) in tensors.iter().zip(&ranges) {
        if !(r.0.is_finite() && r.1.is_finite()) {
            bail!("activation {name:?} took non-finite values during calibration");
        }
    }
    Ok(tensors.iter().cloned().zip(ranges).collect())
}

/// The values at percentile `100 − p` and `p` of a histogram over `range`.
fn percentile_range(hist: &[u64], range: (f32, f32), p: f64) -> (f32, f32) {
    let total: u64 = hist.iter().sum();
    let edge = |bin: usize| range.0 + (range.1 - range.0) * bin as f32 / hist.len() as f32;
    let cut = ((1.0 - p / 100.0) * total as f64).floor() as u64;
    let (mut seen, mut lo_bin) = (0, 0);
    for (i, c) in hist.iter().enumerate() {
        if seen + c > cut {
            lo_bin = i;
            break;
        }
        seen += c;
    }
    let (mut seen, mut hi_bin) = (0, hist.len() - 1);
    for (i, c) in hist.iter().enumerate().rev() {
        if seen + c > cut {
            hi_bin = i;
            break;
        }
        seen += c;
    }
    (edge(lo_bin), edge(hi_bin + 1).min(range.1))
}

/// The model with `tensors` as its outputs, optimized for one u8 image like `sample`.
fn probe(model: &ModelProto, tensors: &[String], sample: &RgbImage) -> Result<std::sync::Arc<TypedRunnableModel>> {
    let mut m = model.clone();
    let g = m.graph.as_mut().context("the model has no graph")?;
    g.output = tensors.iter().map(|t| ValueInfoProto { name: t.clone(), ..Default::default() }).collect();
    let bytes = graph::encode(&m);
    let s = sample.width() as usize;
    let probe = tract_onnx::onnx()
        .model_for_read(&mut bytes.as_slice())?
        .with_input_fact(0, u8::fact([1, 3, s, s]).into())?
        .into_optimized()
        .context("cannot prepare the model for calibration")?
        .into_runnable()?;
    Ok(probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_ignores_rare_outliers() {
        // 10 000 values spread over [0, 1) and one outlier at 100.
        let mut hist = vec![0u64; BINS];
        for i in 0..10_000 {
            hist[(i as f32 / 10_000.0 * 0.01 * BINS as f32) as usize] += 1;
        }
        hist[BINS - 1] += 1;
        let (lo, hi) = percentile_range(&hist, (0.0, 100.0), 99.9);
        assert_eq!(lo, 0.0);
        assert!((0.95..=1.05).contains(&hi), "{hi}");
        let (_, all) = percentile_range(&hist, (0.0, 100.0), 100.0);
        assert_eq!(all, 100.0);
    }
}
