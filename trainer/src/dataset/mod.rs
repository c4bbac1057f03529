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

use std::path::PathBuf;

use image::RgbImage;

pub use folder::{load_folder, load_folder_with, LoadedFolder};
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
