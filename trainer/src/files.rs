//! Writing outputs so that nothing is lost: a file is replaced whole or not at all, and a run's
//! outputs appear together or not at all.

use std::path::Path;

use anyhow::{Context, Result};

/// The model file every fit writes into its output folder (its variants sit beside it:
/// `model.int8.onnx`, `model.f16.onnx`, …).
pub const MODEL_FILE: &str = "model.onnx";

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename, so a failed
/// run never leaves a half-written file in place of a good one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = tmp_path(path);
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
}

/// A fresh staging folder `out/.staging-PID` for a run's outputs; first removes the staging
/// folders of earlier runs that were killed (their process is gone).
pub fn staging_dir(out: &Path) -> Result<std::path::PathBuf> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    if let Ok(entries) = std::fs::read_dir(out) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = name.strip_prefix(".staging-").and_then(|p| p.parse::<u32>().ok()) else { continue };
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let staging = out.join(format!(".staging-{}", std::process::id()));
    std::fs::create_dir_all(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
    Ok(staging)
}

/// Moves `names` from `staging` into `out`, the model file(s) (`*.onnx`) last, and removes
/// `staging`. Each move is a rename: a file in `out` is always a whole old or a whole new one,
/// and a run killed before this point leaves `out` as it was.
pub fn publish(staging: &Path, out: &Path, names: &[&str]) -> Result<()> {
    let mut ordered: Vec<&str> = names.to_vec();
    ordered.sort_by_key(|n| n.ends_with(".onnx"));
    for name in ordered {
        std::fs::rename(staging.join(name), out.join(name)).with_context(|| format!("cannot move {name} into {}", out.display()))?;
    }
    let _ = std::fs::remove_dir_all(staging);
    Ok(())
}

/// The temporary name used for `path` while it is being written (`.name.tmp` beside it).
pub fn tmp_path(path: &Path) -> std::path::PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}
