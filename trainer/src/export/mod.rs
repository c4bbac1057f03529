//! Exporting trained networks as beckon models (standard ONNX, see `beckon::model::contract`).
//!
//! - [`graph`]: a small builder over tract's ONNX protobuf types.
//! - [`onnx`]: the seed CNN as an ONNX graph (u8 image in, preprocessing, softmax out).
//! - [`transfer`]: a backbone + dense head as one graph (and the backbone alone, for features).
//! - [`landmarks`]: hand features from landmarks, and the no-hand gate, for landmark models.
//! - [`verify`]: runs the exported file through the firmware library and compares with burn.

pub mod graph;
pub mod landmarks;
pub mod onnx;
pub mod transfer;
pub mod verify;

use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename, so a failed
/// run never leaves a half-written file in place of a good one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = tmp_path(path);
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
}

/// The temporary name used for `path` while it is being written (`.name.tmp` beside it).
pub fn tmp_path(path: &Path) -> std::path::PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}
