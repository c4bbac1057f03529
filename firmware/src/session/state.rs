//! What lasts across restarts: the model in use. A model switched on the page is remembered in
//! the state directory (`active-model`, one line: its path), written aside and renamed into
//! place; at start it is used again if it still loads, else beckon says why and falls back to
//! the configured model.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The file naming the model in use, in the state directory.
pub const ACTIVE_MODEL: &str = "active-model";

/// The model remembered in `state`, if any (a missing or empty file: none).
pub fn active_model(state: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(state.join(ACTIVE_MODEL)).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| PathBuf::from(line))
}

/// Remembers `model` as the one in use; `None` forgets (the configured model is used again).
pub fn set_active_model(state: &Path, model: Option<&Path>) -> Result<()> {
    let path = state.join(ACTIVE_MODEL);
    let fail = |e: std::io::Error| Error::Config { setting: path.display().to_string(), problem: format!("cannot remember the model in use: {e}") };
    match model {
        None => match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(fail(e)),
            _ => Ok(()),
        },
        Some(m) => {
            let absolute = std::path::absolute(m).map_err(fail)?;
            crate::files::write_aside(&path, format!("{}\n", absolute.display()).as_bytes()).map_err(fail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_in_use_is_remembered_and_forgotten() {
        let dir = std::env::temp_dir().join(format!("beckon-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(active_model(&dir), None);
        set_active_model(&dir, Some(Path::new("/var/lib/beckon/gestures/models/m1/model.onnx"))).unwrap();
        assert_eq!(active_model(&dir), Some(PathBuf::from("/var/lib/beckon/gestures/models/m1/model.onnx")));
        set_active_model(&dir, None).unwrap();
        assert_eq!(active_model(&dir), None);
        set_active_model(&dir, None).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
