//! A taught dataset read back: `DIR/GESTURE/RECORDING_NNNN.png` (what `beckon capture --track`
//! saves), every crop through the base model's landmark network to its hand features.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::RgbImage;
use tract_onnx::pb::ModelProto;
use tract_onnx::prelude::*;

use crate::error::{Error, Result};
use crate::model::ModelInfo;
use crate::model::contract::INPUT_NAME;
use crate::model::hand_features::FEATURES;
use crate::preprocess::{fit_to_input, to_nchw_tensor};

/// Inside a beckon landmark model: the hand features the head reads, and the network's hand
/// presence (what the trainer names them; `model::hand_features`).
pub const FEATURES_TENSOR: &str = "beckon_hand_features";
pub const PRESENCE_TENSOR: &str = "beckon_net_presence";
/// Below this presence the landmark network saw no hand in a crop: it teaches nothing.
pub const MIN_PRESENCE: f32 = 0.5;
/// A new gesture needs at least this many examples with a hand (one the base model's features
/// already hold, [`MIN_KNOWN_EXAMPLES`]).
pub const MIN_EXAMPLES: usize = 5;
pub const MIN_KNOWN_EXAMPLES: usize = 1;

/// One recorded example.
#[derive(Debug, Clone)]
pub struct Example {
    pub label: usize,
    /// The capture run it came from (the file name up to the first `_`).
    pub recording: String,
    pub path: PathBuf,
    pub features: Vec<f32>,
    pub presence: f32,
    /// The base model's own answer on this crop: the index of its top label (what the model
    /// the user has would say).
    pub base_top: usize,
}

/// Everything read from a dataset folder.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The gesture folders, sorted.
    pub labels: Vec<String>,
    pub examples: Vec<Example>,
    /// Per gesture: crops where the landmark network saw no hand (left out).
    pub no_hand: Vec<usize>,
}

/// The base model's landmark network and hand features, run on crops, with the base model's
/// own answer beside them.
pub struct FeatureExtractor {
    plan: Arc<TypedRunnableModel>,
    size: u32,
}

impl FeatureExtractor {
    /// The features part of a beckon landmark model (`base`, read from `path`).
    pub fn new(path: &Path, base: &ModelProto, info: &ModelInfo) -> Result<Self> {
        let invalid = |e: TractError| Error::ModelInvalid { path: path.to_path_buf(), reason: format!("{e:#}") };
        let s = info.input_size as usize;
        let onnx = tract_onnx::onnx();
        let mut model = onnx.model_for_proto_model(base).map_err(invalid)?;
        model.select_outputs_by_name([FEATURES_TENSOR, PRESENCE_TENSOR, crate::model::contract::OUTPUT_NAME]).map_err(|e| Error::Contract {
            path: path.to_path_buf(),
            field: "graph".into(),
            problem: format!("no {FEATURES_TENSOR}/{PRESENCE_TENSOR} tensors ({e:#}): only a beckon hand-landmark model can be taught"),
        })?;
        let typed = model.with_input_fact(0, u8::fact([1, 3, s, s]).into()).and_then(|m| m.into_typed()).and_then(|m| m.into_decluttered()).map_err(invalid)?;
        let plan = crate::model::layout::apply(crate::model::Layout::ChannelsLast, typed)
            .and_then(|mut m| crate::model::direct_kernels(&mut m).map(|_| m))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable());
        Ok(Self { plan: plan.map_err(invalid)?, size: info.input_size })
    }

    /// Hand features, presence and the base model's top label of one crop (resized to the
    /// network's input if needed).
    pub fn features(&self, crop: &RgbImage) -> Result<Computed> {
        let input = to_nchw_tensor(&fit_to_input(crop, self.size));
        let out = self.plan.run(tvec!(input.into())).map_err(|e| Error::Inference(format!("{e:#}")))?;
        let view = |i: usize| -> Result<Vec<f32>> {
            let t = out[i].try_as_plain_ram().map_err(|e| Error::Inference(format!("{e:#}")))?;
            Ok(t.as_slice::<f32>().map_err(|e| Error::Inference(format!("{e:#}")))?.to_vec())
        };
        let (features, presence, probabilities) = (view(0)?, view(1)?, view(2)?);
        if features.len() != FEATURES || presence.len() != 1 || probabilities.is_empty() {
            return Err(Error::Inference(format!(
                "{INPUT_NAME}: features {} and presence {} values, expected {FEATURES} and 1",
                features.len(),
                presence.len()
            )));
        }
        let top = probabilities.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
        Ok((features, presence[0], top))
    }
}

/// A crop's hand features, presence, and the base model's top label.
pub type Computed = (Vec<f32>, f32, usize);

/// Features and presence of each file, in order, computed on up to four threads (the plan is
/// shared; each run has its own state). The first file that fails, in order, is the error.
fn features_of(files: &[(usize, PathBuf)], extractor: &FeatureExtractor) -> Result<Vec<Computed>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    let chunk = files.len().div_ceil(threads).max(1);
    let one = |path: &Path| -> Result<Computed> {
        let crop = crate::camera::image_file::open(path)
            .map_err(|e| Error::Config { setting: path.display().to_string(), problem: format!("cannot decode it: {e}") })?
            .to_rgb8();
        extractor.features(&crop)
    };
    let parts: Vec<Result<Vec<Computed>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = files.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(|(_, p)| one(p)).collect())).collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Err(Error::Inference("a feature thread panicked".into())))).collect()
    });
    let mut all = Vec::with_capacity(files.len());
    for part in parts {
        all.extend(part?);
    }
    Ok(all)
}

/// A folder with a model in it or in one of its folders (`DIR/model/`, the Teach panel's
/// `DIR/models/taught-…/`): not a gesture.
fn holds_models(path: &Path) -> bool {
    let model = |p: &Path| p.join(super::job::MODEL_FILE).is_file();
    model(path) || std::fs::read_dir(path).is_ok_and(|d| d.filter_map(|e| e.ok()).any(|e| model(&e.path())))
}

/// What a dataset folder must hold.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    /// The output folder, if it is inside (not a gesture).
    pub skip: Option<&'a Path>,
    pub no_hand_label: &'a str,
    /// Gestures the base model's features hold (they need fewer examples).
    pub known: &'a [String],
    /// Fewest gesture folders.
    pub min_gestures: usize,
}

/// Whether `path` is an example image (`.png`, `.jpg`, `.jpeg`).
pub fn is_example(path: &Path) -> bool {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    path.is_file() && ["png", "jpg", "jpeg"].contains(&ext.as_str())
}

/// Reads `dir`: one folder per gesture (sorted), images in each; the folder `rules.skip` and
/// folders holding a `model.onnx` are not gestures. Refuses what would train a wrong model:
/// fewer gestures than `rules.min_gestures`, a gesture named like the no-hand label or not a
/// valid label, a file that is not an image, fewer than [`MIN_EXAMPLES`] crops with a hand.
pub fn read(dir: &Path, rules: Rules, extractor: &FeatureExtractor) -> Result<Dataset> {
    let Rules { skip, no_hand_label, known, min_gestures } = rules;
    let bad = |setting: &Path, problem: String| Error::Config { setting: setting.display().to_string(), problem };
    let io = |path: &Path, e: std::io::Error| bad(path, format!("cannot read it: {e}"));
    let skip = skip.and_then(|s| s.canonicalize().ok());
    let mut folders: Vec<(String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        let (name, path) = (entry.file_name().to_string_lossy().into_owned(), entry.path());
        // The output folder, and any other folder a model was written to, are not gestures.
        if name.starts_with('.') || (skip.is_some() && path.canonicalize().ok() == skip) || holds_models(&path) {
            continue;
        }
        if !path.is_dir() {
            return Err(bad(&path, "is not a gesture folder: the data folder holds one folder per gesture (DIR/GESTURE/*.png); move it away".into()));
        }
        if let Some(problem) = crate::model::contract::label_problem(&name) {
            return Err(bad(&path, format!("{name:?} cannot be a gesture name: {problem}")));
        }
        if name == no_hand_label {
            return Err(bad(&path, format!("{name:?} is the model's no-hand label, which beckon adds by itself; rename the folder")));
        }
        if name == super::mix::OTHER {
            return Err(bad(&path, format!("{name:?} is the taught model's own catch-all for poses nobody taught; rename the folder")));
        }
        folders.push((name, path));
    }
    folders.sort();
    if folders.len() < min_gestures {
        return Err(bad(
            dir,
            format!(
                "{} gesture folder(s); teach at least {} (beckon capture --track --label NAME --out {})",
                folders.len(),
                if min_gestures == 1 { "one gesture" } else { "two gestures" },
                dir.display()
            ),
        ));
    }
    let mut data = Dataset { labels: folders.iter().map(|(n, _)| n.clone()).collect(), examples: Vec::new(), no_hand: vec![0; folders.len()] };
    // Every file first (a foreign file is refused before any time is spent), then the features
    // of all of them at once, on every core.
    let mut listed: Vec<(usize, PathBuf)> = Vec::new();
    for (label, (_, folder)) in folders.iter().enumerate() {
        let mut files: Vec<PathBuf> = Vec::new();
        for entry in std::fs::read_dir(folder).map_err(|e| io(folder, e))? {
            let path = entry.map_err(|e| io(folder, e))?.path();
            let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            if file.starts_with('.') {
                continue;
            }
            if !is_example(&path) {
                return Err(bad(&path, "is not an image (.png or .jpg): a gesture folder holds only its examples; move it away".into()));
            }
            files.push(path);
        }
        files.sort();
        listed.extend(files.into_iter().map(|p| (label, p)));
    }
    let computed = features_of(&listed, extractor)?;
    for ((label, path), (features, presence, base_top)) in listed.into_iter().zip(computed) {
        if presence < MIN_PRESENCE {
            data.no_hand[label] += 1;
            continue;
        }
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let recording = stem.split_once('_').map_or(stem.as_str(), |(r, _)| r).to_string();
        data.examples.push(Example { label, recording, path, features, presence, base_top });
    }
    for (label, (name, folder)) in folders.iter().enumerate() {
        let with_hand = data.examples.iter().filter(|e| e.label == label).count();
        let min = if known.contains(name) { MIN_KNOWN_EXAMPLES } else { MIN_EXAMPLES };
        if with_hand < min {
            return Err(bad(
                folder,
                format!(
                    "{with_hand} example(s) with a hand ({} without); a gesture needs at least {min}: record more with beckon capture --track --label {name:?}",
                    data.no_hand[label]
                ),
            ));
        }
    }
    Ok(data)
}
