//! Feature vectors kept on disk (one file per backbone × image set × views), so a second run
//! with the same data and backbone skips feature extraction. A cache file that does not read
//! back is ignored and rewritten; nothing here can change a result, only its speed.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::Result;

/// A folder of cached feature sets.
#[derive(Debug, Clone)]
pub struct FeatureCache {
    dir: Option<PathBuf>,
}

impl FeatureCache {
    /// A cache in `dir` (created when first written); `None` = no caching.
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self { dir }
    }

    /// The default folder: `$XDG_CACHE_HOME/beckon/features` or `~/.cache/beckon/features`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
        Some(base.join("beckon").join("features"))
    }

    /// A key for everything the features depend on.
    pub fn key(parts: &impl Hash) -> u64 {
        let mut h = std::hash::DefaultHasher::new();
        parts.hash(&mut h);
        h.finish()
    }

    fn path(&self, key: u64) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(format!("{key:016x}.f32")))
    }

    /// The feature set stored under `key`, if any and if it holds `count` vectors.
    pub fn load(&self, key: u64, count: usize) -> Option<Vec<Vec<f32>>> {
        let bytes = std::fs::read(self.path(key)?).ok()?;
        let header = |i: usize| bytes.get(i * 4..i * 4 + 4).map(|b| u32::from_le_bytes(b.try_into().unwrap()) as usize);
        let (n, dims) = (header(0)?, header(1)?);
        if n != count || bytes.len() != 8 + n * dims * 4 {
            return None;
        }
        let values: Vec<f32> = bytes[8..].chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
        Some(values.chunks(dims.max(1)).take(n).map(|c| c.to_vec()).collect())
    }

    /// Stores `features` under `key` (atomically; a failure is only logged).
    pub fn store(&self, key: u64, features: &[Vec<f32>]) -> Result<()> {
        let Some(path) = self.path(key) else { return Ok(()) };
        let dims = features.first().map_or(0, |f| f.len());
        let mut bytes = Vec::with_capacity(8 + features.len() * dims * 4);
        bytes.extend_from_slice(&(features.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(dims as u32).to_le_bytes());
        for f in features {
            bytes.extend(f.iter().flat_map(|v| v.to_le_bytes()));
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        crate::files::write_atomic(&path, &bytes)
    }
}

/// What identifies an image file for the cache: path, size and modification time.
pub fn file_stamp(path: &Path) -> (PathBuf, u64, u128) {
    let meta = std::fs::metadata(path).ok();
    let len = meta.as_ref().map_or(0, |m| m.len());
    let modified = meta.and_then(|m| m.modified().ok()).and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    (path.to_path_buf(), len, modified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_loads_and_rejects_a_wrong_count() {
        let dir = std::env::temp_dir().join(format!("beckon-cache-{}", std::process::id()));
        let cache = FeatureCache::new(Some(dir.clone()));
        let key = FeatureCache::key(&("backbone", 3u32));
        assert!(cache.load(key, 2).is_none());
        let f = vec![vec![1.0, 2.5, -3.0], vec![0.0, 1e-9, 7.0]];
        cache.store(key, &f).unwrap();
        assert_eq!(cache.load(key, 2).unwrap(), f);
        assert!(cache.load(key, 3).is_none());
        assert!(FeatureCache::new(None).load(key, 2).is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
