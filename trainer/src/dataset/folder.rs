//! Reading a folder-per-class image tree.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use beckon::camera::replay::has_image_extension;
use beckon::preprocess::fit_to_input;

use super::Sample;

/// A dataset folder, read.
#[derive(Debug)]
pub struct LoadedFolder {
    /// Class names: the sub-folder names, sorted.
    pub labels: Vec<String>,
    /// Every image that decoded.
    pub samples: Vec<Sample>,
    /// Files that were skipped, with the reason (not an image, corrupt).
    pub skipped: Vec<(PathBuf, String)>,
}

/// Reads `root/<label>/<image>` for every sub-folder `label` (sorted by name), decoding PNG and
/// JPEG, converting grey to RGB and fitting each image to `size`×`size` exactly as the firmware
/// does ([`fit_to_input`]). Files that are not images or do not decode are skipped with a
/// warning naming them, and counted in [`LoadedFolder::skipped`]. `limit_per_class` keeps the
/// first N files (by name) of each class.
pub fn load_folder(root: &Path, size: u32, limit_per_class: Option<usize>) -> Result<LoadedFolder> {
    let mut class_dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .with_context(|| format!("cannot read dataset folder {}", root.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && !is_hidden(p))
        .collect();
    class_dirs.sort();
    if class_dirs.len() < 2 {
        bail!(
            "dataset folder {} has {} class folder(s); expected one sub-folder per class (e.g. 0/ 1/ 2/), at least two",
            root.display(),
            class_dirs.len()
        );
    }
    let labels: Vec<String> = class_dirs.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    if let Some(bad) = labels.iter().find(|l| l.contains(beckon::model::contract::LABEL_SEPARATOR)) {
        bail!("class folder {bad:?} in {}: label names may not contain a comma; rename the folder", root.display());
    }
    let mut samples = Vec::new();
    let mut skipped = Vec::new();
    for (label, dir) in class_dirs.iter().enumerate() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read class folder {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && !is_hidden(p))
            .collect();
        files.sort();
        let mut kept = 0;
        for path in files {
            if limit_per_class.is_some_and(|n| kept >= n) {
                break;
            }
            if !has_image_extension(&path) {
                log::warn!("skipping {}: not a .png/.jpg/.jpeg file", path.display());
                skipped.push((path, "not a .png/.jpg/.jpeg file".into()));
                continue;
            }
            match beckon::camera::image_file::open(&path) {
                Ok(img) => {
                    samples.push(Sample { image: fit_to_input(&img.to_rgb8(), size), label, path });
                    kept += 1;
                }
                Err(e) => {
                    log::warn!("skipping {}: cannot decode: {e}", path.display());
                    skipped.push((path, format!("cannot decode: {e}")));
                }
            }
        }
        if kept == 0 {
            bail!("class folder {} holds no readable image; add images or remove the folder", dir.display());
        }
    }
    Ok(LoadedFolder { labels, samples, skipped })
}

fn is_hidden(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
}
