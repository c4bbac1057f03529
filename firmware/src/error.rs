//! The firmware library's error type. Every variant names the file or field at fault and
//! says what was expected, so a message can be shown to a user as is.

use std::path::PathBuf;

/// Errors from loading models, reading frames and driving outputs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The model file does not exist or cannot be read.
    #[error("cannot read model file {path}: {cause}; pass an existing ONNX file made by `beckon-train fit`")]
    ModelUnreadable { path: PathBuf, cause: std::io::Error },

    /// The file is not a loadable ONNX model (truncated, wrong format, unsupported op).
    #[error("model file {path} is not a valid ONNX model: {reason}; re-export it with `beckon-train fit` or check the download")]
    ModelInvalid { path: PathBuf, reason: String },

    /// The model loads but breaks beckon's model contract (see [`crate::model::contract`]).
    #[error("model file {path}: {field}: {problem}")]
    Contract { path: PathBuf, field: String, problem: String },

    /// Inference failed at run time.
    #[error("inference failed: {0}")]
    Inference(String),

    /// A frame source could not produce frames.
    #[error("frame source {source_name}: {problem}")]
    Source { source_name: String, problem: String },

    /// A user-supplied setting is wrong.
    #[error("{setting}: {problem}")]
    Config { setting: String, problem: String },
}

/// Result alias for the firmware library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
