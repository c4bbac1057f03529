//! [`ModelInfo`]: the contract metadata of a model, read and validated.

use std::collections::HashMap;
use std::path::Path;

use super::contract::*;
use crate::error::{Error, Result};

/// The largest input side a model may declare (a hostile file could otherwise make beckon
/// allocate gigabytes per frame); the shipped models use 192–224.
pub const MAX_INPUT_SIZE: u32 = 2048;

/// What a model says about itself through its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// Output labels, in output order.
    pub labels: Vec<String>,
    /// Input height and width in pixels.
    pub input_size: u32,
    /// Network name, e.g. `seed-cnn`.
    pub architecture: String,
    /// What the graph does to the pixels.
    pub preprocessing: String,
    /// How the model was trained (free text).
    pub training: String,
    /// How the model was quantized (free text); empty for an f32 model.
    pub quantization: String,
    /// The label that means "no hand in view" (hand-landmark models), if any.
    pub no_hand_label: Option<String>,
}

impl ModelInfo {
    /// A model file's contract (labels, input, …) from its metadata alone, without building
    /// the network.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = super::file::read_model_file(path)?;
        let model = super::graph::decode(&bytes).map_err(|e| Error::Contract {
            path: path.to_path_buf(),
            field: "file".into(),
            problem: format!("not an ONNX model: {e}"),
        })?;
        let meta: HashMap<String, String> = model.metadata_props.into_iter().map(|p| (p.key, p.value)).collect();
        Self::from_metadata(path, &meta)
    }

    /// Reads the contract keys from ONNX metadata (`key → value`, without tract's prefix).
    /// `path` is only used in error messages.
    pub fn from_metadata(path: &Path, meta: &HashMap<String, String>) -> Result<Self> {
        let field_err = |field: &str, problem: String| Error::Contract { path: path.to_path_buf(), field: format!("metadata_props[{field}]"), problem };
        let get = |key: &str| -> Result<&String> {
            meta.get(key).ok_or_else(|| {
                field_err(
                    key,
                    "missing; this is not a beckon model, or it was exported by another tool \
                     (export with `beckon-train fit`)"
                        .into(),
                )
            })
        };
        let version = get(KEY_CONTRACT)?;
        if version != CONTRACT_VERSION {
            return Err(field_err(KEY_CONTRACT, format!("contract version {version:?}, this firmware reads version {CONTRACT_VERSION:?}")));
        }
        let layout = get(KEY_INPUT_LAYOUT)?;
        if layout != INPUT_LAYOUT {
            return Err(field_err(KEY_INPUT_LAYOUT, format!("{layout:?}, expected {INPUT_LAYOUT:?}")));
        }
        let labels: Vec<String> = get(KEY_LABELS)?.split(LABEL_SEPARATOR).map(|l| l.trim().to_string()).collect();
        if labels.iter().any(|l| l.is_empty()) {
            return Err(field_err(KEY_LABELS, "contains an empty label; expected comma-separated names".into()));
        }
        if let Some((label, problem)) = labels.iter().find_map(|l| super::contract::label_problem(l).map(|p| (l, p))) {
            return Err(field_err(KEY_LABELS, format!("label {label:?} {problem}")));
        }
        let size_text = get(KEY_INPUT_SIZE)?;
        let input_size: u32 = size_text
            .parse()
            .ok()
            .filter(|s| (1..=MAX_INPUT_SIZE).contains(s))
            .ok_or_else(|| field_err(KEY_INPUT_SIZE, format!("{size_text:?} is not an integer from 1 to {MAX_INPUT_SIZE}")))?;
        let no_hand_label = meta.get(KEY_NO_HAND_LABEL).cloned();
        if let Some(l) = &no_hand_label
            && !labels.contains(l)
        {
            return Err(field_err(KEY_NO_HAND_LABEL, format!("{l:?} is not one of the labels {}", labels.join(","))));
        }
        Ok(Self {
            labels,
            no_hand_label,
            input_size,
            architecture: get(KEY_ARCHITECTURE)?.clone(),
            preprocessing: get(KEY_PREPROCESSING)?.clone(),
            training: meta.get(KEY_TRAINING).cloned().unwrap_or_default(),
            quantization: meta.get(KEY_QUANTIZATION).cloned().unwrap_or_default(),
        })
    }

    /// The contract metadata for this info, as `key → value` (what the trainer writes).
    pub fn to_metadata(&self) -> Vec<(String, String)> {
        let mut meta = vec![
            (KEY_CONTRACT.into(), CONTRACT_VERSION.into()),
            (KEY_LABELS.into(), self.labels.join(&LABEL_SEPARATOR.to_string())),
            (KEY_INPUT_SIZE.into(), self.input_size.to_string()),
            (KEY_INPUT_LAYOUT.into(), INPUT_LAYOUT.into()),
            (KEY_PREPROCESSING.into(), self.preprocessing.clone()),
            (KEY_ARCHITECTURE.into(), self.architecture.clone()),
            (KEY_TRAINING.into(), self.training.clone()),
        ];
        if !self.quantization.is_empty() {
            meta.push((KEY_QUANTIZATION.into(), self.quantization.clone()));
        }
        if let Some(l) = &self.no_hand_label {
            meta.push((KEY_NO_HAND_LABEL.into(), l.clone()));
        }
        meta
    }

    /// Index of `label`, if the model has it.
    pub fn label_index(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ModelInfo {
        ModelInfo {
            labels: vec!["fist".into(), "one".into(), "two".into()],
            input_size: 64,
            architecture: "seed-cnn".into(),
            preprocessing: "x/255".into(),
            training: "test".into(),
            quantization: "int8 weights".into(),
            no_hand_label: Some("one".into()),
        }
    }

    fn as_map(info: &ModelInfo) -> HashMap<String, String> {
        info.to_metadata().into_iter().collect()
    }

    #[test]
    fn metadata_round_trips() {
        let info = sample();
        let back = ModelInfo::from_metadata(Path::new("m.onnx"), &as_map(&info)).unwrap();
        assert_eq!(back, info);
        assert_eq!(back.label_index("two"), Some(2));
    }

    #[test]
    fn missing_key_names_the_key() {
        let mut meta = as_map(&sample());
        meta.remove(KEY_LABELS);
        let err = ModelInfo::from_metadata(Path::new("m.onnx"), &meta).unwrap_err().to_string();
        assert!(err.contains("m.onnx") && err.contains(KEY_LABELS), "{err}");
    }

    #[test]
    fn bad_input_size_is_refused() {
        let mut meta = as_map(&sample());
        meta.insert(KEY_INPUT_SIZE.into(), "big".into());
        let err = ModelInfo::from_metadata(Path::new("m.onnx"), &meta).unwrap_err().to_string();
        assert!(err.contains(KEY_INPUT_SIZE) && err.contains("\"big\""), "{err}");
    }

    #[test]
    fn no_hand_label_must_be_a_label() {
        let mut meta = as_map(&sample());
        meta.insert(KEY_NO_HAND_LABEL.into(), "nobody".into());
        let err = ModelInfo::from_metadata(Path::new("m.onnx"), &meta).unwrap_err().to_string();
        assert!(err.contains(KEY_NO_HAND_LABEL) && err.contains("nobody"), "{err}");
    }

    #[test]
    fn newer_contract_is_refused() {
        let mut meta = as_map(&sample());
        meta.insert(KEY_CONTRACT.into(), "2".into());
        let err = ModelInfo::from_metadata(Path::new("m.onnx"), &meta).unwrap_err().to_string();
        assert!(err.contains("contract version"), "{err}");
    }
}
