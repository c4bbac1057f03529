//! [`BackboneFile`]: any ONNX feature extractor. One f32 NCHW image input `[1, 3, S, S]` (already
//! preprocessed), one output that flattens to a feature vector. The preprocessing
//! `(x − mean) / std` (per channel or one value) comes from the file's metadata
//! (`beckon.backbone.mean`, `beckon.backbone.std`, as written by trainer/tools) or from flags.
//!
//! A hand-landmark network (`beckon.backbone.kind = hand-landmarks`, made by
//! `trainer/tools/convert_hand_landmark.py`) has three outputs instead: `landmarks` `[1, 63]`,
//! `presence` `[1, 1]`, `handedness` `[1, 1]`; see [`crate::backbone::hand_features`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use tract_onnx::pb::ModelProto;
use tract_onnx::pb::tensor_shape_proto::dimension;
use tract_onnx::pb::type_proto::Value;

use crate::graph;

/// Metadata keys a backbone file may carry.
pub const KEY_NAME: &str = "beckon.backbone.name";
pub const KEY_MEAN: &str = "beckon.backbone.mean";
pub const KEY_STD: &str = "beckon.backbone.std";
pub const KEY_PROVENANCE: &str = "beckon.backbone.provenance";
pub const KEY_KIND: &str = "beckon.backbone.kind";

/// What a backbone computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackboneKind {
    /// An image feature vector (one output).
    Image,
    /// MediaPipe-style hand landmarks: outputs `landmarks`, `presence`, `handedness`.
    HandLandmarks,
}

impl BackboneKind {
    /// The value of [`KEY_KIND`] for this kind.
    pub fn tag(self) -> &'static str {
        match self {
            BackboneKind::Image => "image",
            BackboneKind::HandLandmarks => "hand-landmarks",
        }
    }
}

/// Output names of a [`BackboneKind::HandLandmarks`] backbone.
pub const LANDMARK_OUTPUTS: [&str; 3] = ["landmarks", "presence", "handedness"];

/// `(x − mean) / std` per RGB channel, on pixel values 0–255.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preprocessing {
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

impl Preprocessing {
    /// Parses `"128"` or `"123.7,116.3,103.5"` (one value, or one per channel).
    pub fn parse_triplet(text: &str, what: &str) -> Result<[f32; 3]> {
        let values: Vec<f32> = text
            .split(',')
            .map(|v| v.trim().parse::<f32>())
            .collect::<Result<_, _>>()
            .with_context(|| format!("{what} {text:?}: expected a number or three comma-separated numbers"))?;
        match values[..] {
            [v] => Ok([v; 3]),
            [r, g, b] => Ok([r, g, b]),
            _ => bail!("{what} {text:?}: expected one value or three (R,G,B)"),
        }
    }

    /// For the model card: `(x − 128) / 128`.
    pub fn describe(&self) -> String {
        let one = |v: [f32; 3]| if v[0] == v[1] && v[1] == v[2] { format!("{}", v[0]) } else { format!("[{}, {}, {}]", v[0], v[1], v[2]) };
        format!("(x − {}) / {}", one(self.mean), one(self.std))
    }
}

/// A backbone read from disk.
#[derive(Debug, Clone)]
pub struct BackboneFile {
    pub path: PathBuf,
    pub proto: ModelProto,
    /// From metadata, else the file stem.
    pub name: String,
    pub provenance: String,
    pub kind: BackboneKind,
    pub preprocessing: Preprocessing,
    /// Input side S of `[1, 3, S, S]`.
    pub input_size: u32,
    /// The file's bytes hash, for the feature cache.
    pub digest: u64,
}

impl BackboneFile {
    /// Reads `path`; `mean`/`std` override (or stand in for missing) metadata.
    pub fn read(path: &Path, mean: Option<&str>, std: Option<&str>) -> Result<Self> {
        let bytes = beckon::model::file::read_model_file(path).with_context(|| format!("backbone {}", path.display()))?;
        let proto =
            graph::decode(&bytes).with_context(|| format!("backbone {}: not an ONNX file; pass a feature extractor exported to ONNX", path.display()))?;
        let meta: HashMap<&str, &str> = proto.metadata_props.iter().map(|p| (p.key.as_str(), p.value.as_str())).collect();
        let g = proto.graph.as_ref().with_context(|| format!("backbone {}: the ONNX file holds no graph", path.display()))?;
        let initializers: Vec<&str> = g.initializer.iter().map(|t| t.name.as_str()).collect();
        let inputs: Vec<_> = g.input.iter().filter(|i| !initializers.contains(&i.name.as_str())).collect();
        let kind = match meta.get(KEY_KIND).copied() {
            None | Some("image") => BackboneKind::Image,
            Some("hand-landmarks") => BackboneKind::HandLandmarks,
            Some(other) => bail!("backbone {}: metadata {KEY_KIND} is {other:?}; expected \"image\" or \"hand-landmarks\"", path.display()),
        };
        let outputs: Vec<&str> = g.output.iter().map(|o| o.name.as_str()).collect();
        match kind {
            BackboneKind::Image if inputs.len() != 1 || outputs.len() != 1 => {
                bail!("backbone {}: {} input(s) and {} output(s); expected one image input and one feature output", path.display(), inputs.len(), outputs.len())
            }
            BackboneKind::HandLandmarks if inputs.len() != 1 || outputs != LANDMARK_OUTPUTS => bail!(
                "backbone {}: a hand-landmark network needs one image input and the outputs {LANDMARK_OUTPUTS:?}, \
                 it has {} input(s) and {outputs:?}; convert it with trainer/tools/convert_hand_landmark.py",
                path.display(),
                inputs.len()
            ),
            _ => {}
        }
        let dims: Vec<Option<i64>> = match inputs[0].r#type.as_ref().and_then(|t| t.value.as_ref()) {
            Some(Value::TensorType(t)) => t
                .shape
                .iter()
                .flat_map(|s| s.dim.iter())
                .map(|d| match d.value {
                    Some(dimension::Value::DimValue(v)) => Some(v),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        };
        let input_size = match dims[..] {
            [_, Some(3), Some(h), Some(w)] if h == w && h >= 16 => h as u32,
            _ => bail!(
                "backbone {}: input {:?} has shape {dims:?}; expected f32 NCHW [1, 3, S, S] (export it with an NCHW input of fixed size)",
                path.display(),
                inputs[0].name
            ),
        };
        let pick = |flag: Option<&str>, key: &str, what: &str| -> Result<[f32; 3]> {
            match flag.or(meta.get(key).copied()) {
                Some(text) => Preprocessing::parse_triplet(text, what),
                None => bail!(
                    "backbone {}: its preprocessing is unknown (no {key} in its metadata); pass --backbone-mean and \
                     --backbone-std, e.g. 127.5 and 127.5 for inputs in [-1, 1], or 123.675,116.28,103.53 and \
                     58.395,57.12,57.375 for torchvision models",
                    path.display()
                ),
            }
        };
        let preprocessing = Preprocessing { mean: pick(mean, KEY_MEAN, "--backbone-mean")?, std: pick(std, KEY_STD, "--backbone-std")? };
        if preprocessing.std.iter().any(|s| *s == 0.0 || !s.is_finite()) {
            bail!("backbone {}: std {:?} must be non-zero", path.display(), preprocessing.std);
        }
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let name = meta.get(KEY_NAME).map_or_else(
            || if stem == "backbone" { path.parent().and_then(|p| p.file_name()).map_or(stem.clone(), |n| n.to_string_lossy().into_owned()) } else { stem },
            |n| n.to_string(),
        );
        let provenance = meta.get(KEY_PROVENANCE).map_or_else(|| format!("user backbone {}", path.display()), |p| p.to_string());
        let digest = {
            use std::hash::{Hash, Hasher};
            let mut h = std::hash::DefaultHasher::new();
            bytes.hash(&mut h);
            h.finish()
        };
        Ok(Self { path: path.to_path_buf(), proto, name, provenance, kind, preprocessing, input_size, digest })
    }
}
