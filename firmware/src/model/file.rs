//! Reading a model file: only a regular file, and only up to [`MAX_MODEL_BYTES`].
//!
//! `--model /dev/zero` would otherwise read until the machine runs out of memory, and a FIFO
//! would block forever before the first byte. The type and size are checked with `stat`, which
//! never blocks, before the file is opened; the read itself is capped too, in case the file
//! grows in between.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// The largest model file beckon loads: 256 MiB. The shipped models are 0.6–13 MB; the largest
/// ImageNet backbones people use on a Pi (MobileNet, EfficientNet-Lite) stay under 100 MB.
pub const MAX_MODEL_BYTES: u64 = 256 << 20;

/// The bytes of the model file at `path`, refused with a clear error if it is not a regular
/// file or is larger than [`MAX_MODEL_BYTES`].
pub fn read_model_file(path: &Path) -> Result<Vec<u8>> {
    let unreadable = |cause: std::io::Error| Error::ModelUnreadable { path: path.to_path_buf(), cause };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    let refuse = |reason: String| Error::ModelInvalid { path: path.to_path_buf(), reason };
    if !meta.is_file() {
        let kind = if meta.is_dir() { "a folder" } else { "not a regular file (a device, FIFO or socket)" };
        return Err(refuse(format!("it is {kind}; pass an .onnx file")));
    }
    if meta.len() > MAX_MODEL_BYTES {
        return Err(refuse(format!("it is {} MiB; beckon loads model files of at most {} MiB", meta.len() >> 20, MAX_MODEL_BYTES >> 20)));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path).and_then(|f| f.take(MAX_MODEL_BYTES + 1).read_to_end(&mut bytes)).map_err(unreadable)?;
    if bytes.len() as u64 > MAX_MODEL_BYTES {
        return Err(refuse(format!("it grew beyond {} MiB while being read", MAX_MODEL_BYTES >> 20)));
    }
    Ok(bytes)
}

/// `Err` unless `path` may be written aside and renamed over: it is not there yet, or it is a
/// regular file (a device, FIFO or folder there would be replaced by a plain file).
pub fn check_writable(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if !m.is_file() => Err(Error::Config {
            setting: path.display().to_string(),
            problem: "is not a regular file (a device, FIFO, folder or link): beckon writes only regular files; name a new file".into(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_folders_and_fifos_are_refused_without_reading() {
        let e = read_model_file(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.contains("/dev/zero") && e.contains("not a regular file"), "{e}");
        let e = read_model_file(Path::new("/")).unwrap_err().to_string();
        assert!(e.contains("a folder"), "{e}");
        let dir = std::env::temp_dir().join(format!("beckon-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("model.onnx");
        let _ = std::fs::remove_file(&fifo);
        // mkfifo(1) from coreutils: std has no mkfifo.
        if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
            let e = read_model_file(&fifo).unwrap_err().to_string();
            assert!(e.contains("FIFO"), "{e}");
        }
        let e = read_model_file(&dir.join("missing.onnx")).unwrap_err().to_string();
        assert_eq!(e.matches("os error 2").count(), 1, "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
