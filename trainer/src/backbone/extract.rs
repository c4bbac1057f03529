//! [`FeatureExtractor`]: the backbone, with beckon's u8 input and preprocessing in front
//! ([`super::features::feature_graph`]), run through tract on many images at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, anyhow};
use image::RgbImage;
use indicatif::ProgressBar;
use tract_onnx::prelude::*;

use super::BackboneFile;
use super::features;
use crate::graph;

/// A backbone ready to turn images into feature vectors.
pub struct FeatureExtractor {
    plan: Arc<TypedRunnableModel>,
    /// Input side the images are fitted to.
    pub input_size: u32,
    /// Length of a feature vector.
    pub dims: usize,
}

impl FeatureExtractor {
    /// Builds the feature graph of `backbone` and optimizes it in tract for one image.
    pub fn new(backbone: &BackboneFile) -> Result<Self> {
        let bytes = graph::encode(&features::feature_graph(backbone)?);
        let s = backbone.input_size as usize;
        let invalid = |e: TractError| anyhow!("backbone {} does not run in tract: {e:#}", backbone.path.display());
        let model = tract_onnx::onnx()
            .model_for_read(&mut bytes.as_slice())
            .map_err(invalid)?
            .with_input_fact(0, u8::fact([1, 3, s, s]).into())
            .map_err(invalid)?
            .into_optimized()
            .map_err(invalid)?;
        let dims = model
            .output_fact(0)
            .ok()
            .and_then(|f| f.shape.as_concrete().map(|s| s.iter().product::<usize>()))
            .context("the backbone's feature size is not fixed")?;
        let plan = model.into_runnable().map_err(invalid)?;
        Ok(Self { plan, input_size: backbone.input_size, dims })
    }

    /// Features of one image (centre square, resized to the input size first if needed).
    pub fn features(&self, image: &RgbImage) -> Result<Vec<f32>> {
        let fitted;
        let image = if image.dimensions() == (self.input_size, self.input_size) {
            image
        } else {
            fitted = beckon::preprocess::fit_to_input(image, self.input_size);
            &fitted
        };
        let input = beckon::preprocess::to_nchw_tensor(image);
        let out = self.plan.run(tvec!(input.into())).map_err(|e| anyhow!("backbone inference failed: {e:#}"))?;
        let view = out[0].try_as_plain_ram().map_err(|e| anyhow!("{e:#}"))?;
        Ok(view.as_slice::<f32>().map_err(|e| anyhow!("{e:#}"))?.to_vec())
    }

    /// Features of every image made by `make(i)` for `i` in `0..count`, on `threads` threads,
    /// in order; `bar` counts them.
    pub fn features_of<F>(&self, count: usize, threads: usize, bar: &ProgressBar, make: F) -> Result<Vec<Vec<f32>>>
    where
        F: Fn(usize) -> Result<RgbImage> + Sync,
    {
        let next = AtomicUsize::new(0);
        type Numbered = Vec<(usize, Vec<f32>)>;
        let results: Vec<Result<Numbered>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads.max(1))
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= count {
                                return Ok(mine);
                            }
                            mine.push((i, self.features(&make(i)?)?));
                            bar.inc(1);
                        }
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Err(anyhow!("a feature worker panicked")))).collect()
        });
        let mut all = vec![Vec::new(); count];
        for r in results {
            for (i, f) in r? {
                all[i] = f;
            }
        }
        Ok(all)
    }
}
