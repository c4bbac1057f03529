//! Reading a dataset folder: a folder-per-class image tree, or a folder of frames listed in a
//! `labels.csv`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use beckon::camera::replay::has_image_extension;
use beckon::preprocess::fit_to_input;
use image::RgbImage;

use super::Sample;

/// The list file of a flat dataset folder: a header with `file` and `label` columns (and
/// optionally `session`), one image per row; images beside it or in `frames/`.
pub const LABELS_CSV: &str = "labels.csv";

/// A dataset folder, read.
#[derive(Debug)]
pub struct LoadedFolder {
    /// Class names: the sub-folder names (or the CSV's labels), sorted.
    pub labels: Vec<String>,
    /// Every image that decoded.
    pub samples: Vec<Sample>,
    /// Files that were skipped, with the reason (not an image, corrupt, no hand found).
    pub skipped: Vec<(PathBuf, String)>,
}

/// One image to read: its file, class index and session (from a `labels.csv`).
struct Entry {
    path: PathBuf,
    label: usize,
    session: Option<String>,
}

/// Reads `root/<label>/<image>` for every sub-folder `label` (sorted by name) — or, when `root`
/// holds a [`LABELS_CSV`], the images it lists — decoding PNG and JPEG, converting grey to RGB
/// and fitting each image to `size`×`size` exactly as the firmware does ([`fit_to_input`]).
/// Files that are not images or do not decode are skipped with a warning naming them, and
/// counted in [`LoadedFolder::skipped`]. `limit_per_class` keeps the first N files (by name)
/// of each class.
pub fn load_folder(root: &Path, size: u32, limit_per_class: Option<usize>) -> Result<LoadedFolder> {
    load_folder_with(root, limit_per_class, &|image: RgbImage| Ok(fit_to_input(&image, size)))
}

/// [`load_folder`] with another way to turn a decoded image into the model's input, e.g. finding
/// the hand in a whole frame first; `prepare`'s `Err(reason)` skips the image with that reason.
pub fn load_folder_with(root: &Path, limit_per_class: Option<usize>, prepare: &dyn Fn(RgbImage) -> Result<RgbImage, String>) -> Result<LoadedFolder> {
    let (labels, entries) = if root.join(LABELS_CSV).is_file() { list_csv(root)? } else { list_class_folders(root)? };
    if let Some((bad, problem)) = labels.iter().find_map(|l| beckon::model::contract::label_problem(l).map(|p| (l, p))) {
        bail!("class {bad:?} in {}: a label {problem}; rename it", root.display());
    }
    let mut samples = Vec::new();
    let mut skipped = Vec::new();
    let mut kept = vec![0usize; labels.len()];
    for Entry { path, label, session } in entries {
        if limit_per_class.is_some_and(|n| kept[label] >= n) {
            continue;
        }
        if !has_image_extension(&path) {
            log::warn!("skipping {}: not a .png/.jpg/.jpeg file", path.display());
            skipped.push((path, "not a .png/.jpg/.jpeg file".into()));
            continue;
        }
        let image = beckon::camera::image_file::open(&path).map_err(|e| format!("cannot decode: {e}")).and_then(|img| prepare(img.to_rgb8()));
        match image {
            Ok(image) => {
                samples.push(Sample { image, label, path, session });
                kept[label] += 1;
            }
            Err(why) => {
                log::warn!("skipping {}: {why}", path.display());
                skipped.push((path, why));
            }
        }
    }
    if let Some(empty) = kept.iter().position(|&n| n == 0) {
        bail!("class {:?} of {} has no usable image; add images or remove the class", labels[empty], root.display());
    }
    Ok(LoadedFolder { labels, samples, skipped })
}

/// The class folders of `root`, sorted, and their files, sorted.
fn list_class_folders(root: &Path) -> Result<(Vec<String>, Vec<Entry>)> {
    let mut class_dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .with_context(|| format!("cannot read dataset folder {}", root.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && !is_hidden(p))
        .collect();
    class_dirs.sort();
    if class_dirs.len() < 2 {
        bail!(
            "dataset folder {} has {} class folder(s); expected one sub-folder per class (e.g. 0/ 1/ 2/), at least two, or a {LABELS_CSV} listing the images",
            root.display(),
            class_dirs.len()
        );
    }
    let labels: Vec<String> = class_dirs.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    let mut entries = Vec::new();
    for (label, dir) in class_dirs.iter().enumerate() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read class folder {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && !is_hidden(p))
            .collect();
        files.sort();
        entries.extend(files.into_iter().map(|path| Entry { path, label, session: None }));
    }
    Ok((labels, entries))
}

/// The images `root/labels.csv` lists (`file,label[,session]` columns, any order, more
/// allowed), sorted by file name; labels sorted.
fn list_csv(root: &Path) -> Result<(Vec<String>, Vec<Entry>)> {
    let csv = root.join(LABELS_CSV);
    let text = std::fs::read_to_string(&csv).with_context(|| format!("cannot read {}", csv.display()))?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else { bail!("{} is empty; expected a header line with file and label columns", csv.display()) };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let column = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(file_col), Some(label_col)) = (column("file"), column("label")) else {
        bail!("{}: header {header:?} needs a `file` and a `label` column (and optionally `session`)", csv.display());
    };
    let session_col = column("session");
    let dir = if root.join("frames").is_dir() { root.join("frames") } else { root.to_path_buf() };
    let mut rows = Vec::new();
    for (n, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let cell = |c: usize| cells.get(c).copied().filter(|v| !v.is_empty());
        let (Some(file), Some(label)) = (cell(file_col), cell(label_col)) else {
            bail!("{}:{}: {line:?} has no file or no label; expected {} columns as in the header", csv.display(), n + 1, columns.len());
        };
        if file.contains(['/', '\\']) || file.starts_with('.') {
            bail!("{}:{}: file {file:?} must be a plain file name in {}", csv.display(), n + 1, dir.display());
        }
        rows.push((dir.join(file), label.to_string(), session_col.and_then(cell).map(str::to_string)));
    }
    let mut labels: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    labels.sort();
    labels.dedup();
    if labels.len() < 2 {
        bail!("{} lists {} label(s); expected at least two classes", csv.display(), labels.len());
    }
    rows.sort();
    let entries =
        rows.into_iter().map(|(path, label, session)| Entry { label: labels.iter().position(|l| *l == label).expect("label listed"), path, session }).collect();
    Ok((labels, entries))
}

fn is_hidden(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
}
