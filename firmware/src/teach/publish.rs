//! Publishing a taught model and its card together: a run killed at any moment leaves either the
//! previous model with its card or the new model with its card, never one with the other's card,
//! and what it left half-written is cleaned up by the next run.
//!
//! Both files are written into a staging folder beside `OUT` (`.OUT.PID.tmp`), checked there, and
//! the folder then trades places with `OUT` in one step (`renameat2(RENAME_EXCHANGE)`); anything
//! else `OUT` held (the Teach panel's `actions.toml`, `outputs.json`) is hard-linked in first, so
//! it stays. A new `OUT` is the staging folder renamed. Where the file system cannot swap folders,
//! the two files are renamed into `OUT` one after the other (the card last).

use std::path::{Path, PathBuf};

use super::job::{CARD_FILE, MODEL_FILE};
use crate::error::{Error, Result};

/// A staging folder for `out`, removed on drop unless published.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
}

impl Staging {
    /// Creates `.OUT.PID.tmp` beside `out` (removing what a killed run left there first).
    pub fn new(out: &Path) -> Result<Self> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| io(&parent, "create the folder", e))?;
        clean_stale(&parent);
        if out.is_dir() {
            clean_stale(out);
        }
        let name = out.file_name().map_or_else(|| "model".into(), |n| n.to_string_lossy().into_owned());
        let dir = parent.join(format!(".{name}.{}.tmp", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).map_err(|e| io(&dir, "create the folder", e))?;
        Ok(Self { out: out.to_path_buf(), dir })
    }

    /// Where the model is written before it is published.
    pub fn model(&self) -> PathBuf {
        self.dir.join(MODEL_FILE)
    }

    /// Writes `name` into the staging folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| io(&path, "write", e))
    }

    /// Puts the staged model and card in `out` together (see the module).
    pub fn publish(self) -> Result<()> {
        if !self.out.exists() {
            return std::fs::rename(&self.dir, &self.out).map_err(|e| io(&self.out, "create", e));
        }
        // Everything else `out` holds comes along (hard links: nothing is copied).
        let mut folders_inside = false;
        for entry in std::fs::read_dir(&self.out).map_err(|e| io(&self.out, "read", e))?.filter_map(|e| e.ok()) {
            let name = entry.file_name();
            let kept = self.dir.join(&name);
            if kept.exists() || name.to_string_lossy().starts_with('.') {
                continue;
            }
            match entry.file_type() {
                Ok(t) if t.is_file() => std::fs::hard_link(entry.path(), &kept).map_err(|e| io(&entry.path(), "keep", e))?,
                _ => folders_inside = true,
            }
        }
        if !folders_inside && crate::files::exchange(&self.dir, &self.out).is_ok() {
            // The old `out` is now the staging folder, removed on drop.
            return Ok(());
        }
        // No swap here (a file system without it, or folders inside `out`): one file at a time,
        // the model first, so that a card never describes a model that is not there yet.
        for name in [MODEL_FILE, CARD_FILE] {
            let (from, to) = (self.dir.join(name), self.out.join(name));
            std::fs::rename(&from, &to).map_err(|e| io(&to, "replace", e))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Removes what an earlier run that was killed left half-written in `dir`: its `.NAME.PID.tmp`
/// files and staging folders, where process PID is gone.
pub fn clean_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")).and_then(|n| n.rsplit_once('.')).map(|(_, pid)| pid) else { continue };
        let gone = pid.parse::<u32>().is_ok_and(|pid| pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists());
        match e.file_type() {
            Ok(t) if gone && t.is_file() => {
                let _ = std::fs::remove_file(e.path());
            }
            Ok(t) if gone && t.is_dir() => {
                let _ = std::fs::remove_dir_all(e.path());
            }
            _ => {}
        }
    }
}

fn io(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::Config { setting: path.display().to_string(), problem: format!("cannot {what} it: {e}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("beckon-publish-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn staged(out: &Path, model: &[u8], card: &[u8]) -> Staging {
        let s = Staging::new(out).unwrap();
        s.write(MODEL_FILE, model).unwrap();
        s.write(CARD_FILE, card).unwrap();
        s
    }

    #[test]
    fn model_and_card_replace_the_old_pair_together_and_the_rest_stays() {
        let root = fresh("swap");
        let out = root.join("model");
        staged(&out, b"model 1", b"card 1").publish().unwrap();
        std::fs::write(out.join("actions.toml"), "[[action]]").unwrap();
        // What a run killed before it published left beside and inside `out` (its process gone).
        std::fs::create_dir(root.join(".model.4194303.tmp")).unwrap();
        std::fs::write(root.join(".model.4194303.tmp").join(MODEL_FILE), b"half").unwrap();
        std::fs::write(out.join(".README.md.4194303.tmp"), b"half a card").unwrap();
        let s = staged(&out, b"model 2", b"card 2");
        // Until it is published, `out` is the old pair.
        assert_eq!(std::fs::read(out.join(MODEL_FILE)).unwrap(), b"model 1");
        assert_eq!(std::fs::read(out.join(CARD_FILE)).unwrap(), b"card 1");
        s.publish().unwrap();
        assert_eq!(std::fs::read(out.join(MODEL_FILE)).unwrap(), b"model 2");
        assert_eq!(std::fs::read(out.join(CARD_FILE)).unwrap(), b"card 2");
        assert_eq!(std::fs::read_to_string(out.join("actions.toml")).unwrap(), "[[action]]");
        let left = |d: &Path| {
            std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with('.')).collect::<Vec<_>>()
        };
        assert!(left(&root).is_empty() && left(&out).is_empty(), "{:?} {:?}", left(&root), left(&out));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_run_that_stops_before_publishing_changes_nothing() {
        let root = fresh("abandon");
        let out = root.join("model");
        staged(&out, b"model 1", b"card 1").publish().unwrap();
        drop(staged(&out, b"model 2", b"card 2"));
        assert_eq!(std::fs::read(out.join(MODEL_FILE)).unwrap(), b"model 1");
        assert_eq!(std::fs::read(out.join(CARD_FILE)).unwrap(), b"card 1");
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1, "the staging folder is gone");
        let _ = std::fs::remove_dir_all(&root);
    }
}
