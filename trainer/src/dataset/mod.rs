//! Image datasets: folder-per-class trees (the Keras `flow_from_directory` convention).
//!
//! - [`import`]: turns the Sign Language Digits `.npy` files into such a tree of PNGs.
//! - [`folder`]: reads a tree (or a `labels.csv` list), converting every image to RGB at the
//!   model's input size.
//! - [`hand_crops`]: whole camera frames → the hand crops the device sees (palm detector).
//! - [`split`]: seeded, stratified train/validation split.
//! - [`groups`]: session-aware split (whole capture sessions held out).

pub mod folder;
pub mod groups;
pub mod hand_crops;
pub mod import;
pub mod split;

use std::path::{Path, PathBuf};

use image::RgbImage;

pub use folder::{LoadedFolder, load_folder, load_folder_with};
pub use split::stratified_split;

/// One image, ready for the model, with its class.
#[derive(Debug, Clone)]
pub struct Sample {
    /// RGB pixels at the model's input size.
    pub image: RgbImage,
    /// Index into the dataset's labels.
    pub label: usize,
    /// The file it came from.
    pub path: PathBuf,
    /// Its capture session, when the dataset lists it (`labels.csv`); else the file name tells
    /// (see [`groups::session_of`]).
    pub session: Option<String>,
}

/// True when `path` is `folder` or lies inside it, whether or not `path` exists yet (both are
/// made absolute and resolved through their deepest existing ancestor, so `./d/m`, `d/../d/m`
/// and a symlink to `d` all count).
pub fn is_inside(path: &Path, folder: &Path) -> bool {
    fn resolve(p: &Path) -> PathBuf {
        let absolute = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let mut existing = absolute.as_path();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    existing = parent;
                }
                _ => break,
            }
        }
        let mut out = existing.canonicalize().unwrap_or_else(|_| existing.to_path_buf());
        out.extend(rest.iter().rev());
        out
    }
    resolve(path).starts_with(resolve(folder))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_inside_a_data_folder_is_found() {
        let root = std::env::temp_dir().join(format!("beckon-inside-{}", std::process::id()));
        let data = root.join("data");
        std::fs::create_dir_all(data.join("fist")).unwrap();
        assert!(is_inside(&data.join("mymodel"), &data));
        assert!(is_inside(&data, &data));
        assert!(is_inside(&data.join("../data/new/deeper"), &data));
        assert!(!is_inside(&root.join("models/m"), &data));
        assert!(!is_inside(&root, &data), "the data folder's parent is not inside it");
        let _ = std::fs::remove_dir_all(&root);
    }
}
