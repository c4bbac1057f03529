//! What the shipped model already knows, as examples: the hand features of the crops a model was
//! trained on, with their gestures and capture sessions (`features.bin` beside the model).
//!
//! A few examples of a gesture are not enough to learn it from zero (measured on another
//! person's frames: 10 per count from scratch scored below the shipped model). So `beckon train`
//! trains on these together with the user's examples, weighted so the user's way of showing a
//! gesture wins where they differ; the shipped gestures nobody taught become one `other` class,
//! so that a hand doing something else is not read as the closest taught gesture ([`super::mix`]).
//!
//! The file: a text header, then one record per example (little-endian):
//!
//! ```text
//! beckon-features 1
//! dims 229
//! labels 0 1 2 3 4 5
//! sessions 16 2 25 …
//! rows 1449
//! (blank line)
//! rows × [label u16, session u16, dims × f32]
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The file name beside a model.
pub const FILE: &str = "features.bin";
const MAGIC: &str = "beckon-features 1";

/// One example's features.
#[derive(Debug, Clone)]
pub struct BaseRow {
    pub label: usize,
    pub session: usize,
    pub features: Vec<f32>,
}

/// A model's training examples as features.
#[derive(Debug, Clone)]
pub struct BaseFeatures {
    pub path: PathBuf,
    pub dims: usize,
    pub labels: Vec<String>,
    pub sessions: Vec<String>,
    pub rows: Vec<BaseRow>,
}

impl BaseFeatures {
    /// The features file beside `model` (`None` if there is none).
    pub fn beside(model: &Path) -> Option<PathBuf> {
        let path = model.with_file_name(FILE);
        path.is_file().then_some(path)
    }

    /// Reads a features file; a file that is not one is an error naming it.
    pub fn read(path: &Path) -> Result<Self> {
        /// The shipped file is 1.3 MB; a million examples' features would be about 1 GB.
        const MAX_BYTES: u64 = 256 << 20;
        let bad = |problem: String| Error::Config { setting: path.display().to_string(), problem };
        let bytes = crate::files::read_regular(path, MAX_BYTES).map_err(|e| bad(format!("cannot read it: {e}")))?;
        let end = bytes.windows(2).position(|w| w == b"\n\n").ok_or_else(|| bad("not a beckon features file (no header)".into()))?;
        let header = std::str::from_utf8(&bytes[..end]).map_err(|_| bad("not a beckon features file (header not text)".into()))?;
        let mut lines = header.lines();
        if lines.next() != Some(MAGIC) {
            return Err(bad(format!("not a beckon features file (its first line is not {MAGIC:?})")));
        }
        let mut field = |key: &str| -> Result<Vec<String>> {
            let line = lines.next().unwrap_or_default();
            match line.split_once(' ') {
                Some((k, v)) if k == key => Ok(v.split(' ').filter(|s| !s.is_empty()).map(str::to_string).collect()),
                _ if line == key => Ok(Vec::new()),
                _ => Err(bad(format!("header line {line:?}: expected {key:?}"))),
            }
        };
        let number = |v: Vec<String>, key: &str| v.first().and_then(|s| s.parse::<usize>().ok()).ok_or_else(|| bad(format!("header: {key} is not a number")));
        let dims = number(field("dims")?, "dims")?;
        let labels = field("labels")?;
        let sessions = field("sessions")?;
        let count = number(field("rows")?, "rows")?;
        let record = 4 + 4 * dims;
        let body = &bytes[end + 2..];
        if body.len() != count * record {
            return Err(bad(format!("{} bytes of examples, expected {count} × {record}: the file is cut short or damaged", body.len())));
        }
        let mut rows = Vec::with_capacity(count);
        for (i, r) in body.chunks_exact(record).enumerate() {
            let label = u16::from_le_bytes([r[0], r[1]]) as usize;
            let session = u16::from_le_bytes([r[2], r[3]]) as usize;
            if label >= labels.len() || session >= sessions.len() {
                return Err(bad(format!("example {i}: label {label} or session {session} out of range")));
            }
            let features = r[4..].chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
            rows.push(BaseRow { label, session, features });
        }
        Ok(Self { path: path.to_path_buf(), dims, labels, sessions, rows })
    }

    /// Writes the file (aside, then renamed).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut bytes = Vec::new();
        let _ =
            write!(bytes, "{MAGIC}\ndims {}\nlabels {}\nsessions {}\nrows {}\n\n", self.dims, self.labels.join(" "), self.sessions.join(" "), self.rows.len());
        for r in &self.rows {
            bytes.extend_from_slice(&(r.label as u16).to_le_bytes());
            bytes.extend_from_slice(&(r.session as u16).to_le_bytes());
            r.features.iter().for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
        }
        let io = |what: &str, e: std::io::Error| Error::Config { setting: path.display().to_string(), problem: format!("cannot {what} it: {e}") };
        let staged = path.with_file_name(format!(".{}.{}.tmp", FILE, std::process::id()));
        std::fs::write(&staged, &bytes).map_err(|e| io("write", e))?;
        std::fs::rename(&staged, path).map_err(|e| {
            let _ = std::fs::remove_file(&staged);
            io("rename", e)
        })
    }

    /// Leaves out every example of these sessions (to measure on them honestly); names a
    /// session the file does not have.
    pub fn without(mut self, sessions: &[String]) -> Result<Self> {
        let mut gone = Vec::new();
        for s in sessions {
            match self.sessions.iter().position(|k| k == s) {
                Some(i) => gone.push(i),
                None => {
                    return Err(Error::Config {
                        setting: "--base-without".into(),
                        problem: format!("{}: has no session {s:?} (it has {})", self.path.display(), self.sessions.join(", ")),
                    });
                }
            }
        }
        self.rows.retain(|r| !gone.contains(&r.session));
        Ok(self)
    }

    /// Examples per label.
    pub fn per_label(&self) -> Vec<usize> {
        let mut n = vec![0; self.labels.len()];
        self.rows.iter().for_each(|r| n[r.label] += 1);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_reads_back_and_leaves_sessions_out() {
        let dir = std::env::temp_dir().join(format!("beckon-base-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(FILE);
        let rows = (0..5).map(|i| BaseRow { label: i % 2, session: i % 3, features: vec![i as f32, -0.5, 1e-7] }).collect();
        let base =
            BaseFeatures { path: path.clone(), dims: 3, labels: vec!["a".into(), "b".into()], sessions: vec!["s1".into(), "s2".into(), "s3".into()], rows };
        base.write(&path).unwrap();
        let back = BaseFeatures::read(&path).unwrap();
        assert_eq!((back.dims, back.labels.clone(), back.sessions.clone()), (3, base.labels.clone(), base.sessions.clone()));
        assert_eq!(back.rows.iter().map(|r| r.features.clone()).collect::<Vec<_>>(), base.rows.iter().map(|r| r.features.clone()).collect::<Vec<_>>());
        assert_eq!(back.per_label(), vec![3, 2]);
        let fewer = back.clone().without(&["s2".into()]).unwrap();
        assert_eq!(fewer.rows.len(), 3);
        assert!(back.without(&["nope".into()]).unwrap_err().to_string().contains("no session \"nope\""));
        // Cut short: an error naming the file, not a panic.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(BaseFeatures::read(&path).unwrap_err().to_string().contains("cut short"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
