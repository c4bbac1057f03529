//! Image datasets: folder-per-class trees (the Keras `flow_from_directory` convention).
//!
//! - [`import`]: turns the Sign Language Digits `.npy` files into such a tree of PNGs.
//! - [`folder`]: reads a tree, converting every image to RGB at the model's input size.
//! - [`split`]: seeded, stratified train/validation split.
//! - [`groups`]: session-aware split (whole capture sessions held out).

pub mod folder;
pub mod groups;
pub mod import;
pub mod split;

use std::path::PathBuf;

use image::RgbImage;

pub use folder::{load_folder, LoadedFolder};
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
}
