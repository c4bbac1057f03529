//! Whole camera frames → the hand crops the device sees: the firmware's palm detector finds the
//! hand, and the rotated square around it (`RotatedRect::from_detection`, the crop the
//! landmark model gets on a frame where the detector ran) becomes the training image. So a
//! model trained on whole frames sees what `beckon run` with `[region] mode = "track"` sees.

use std::path::Path;

use anyhow::{Context, Result};
use beckon::hand::warp::{Border, warp_rgb};
use beckon::hand::{PalmDetector, RotatedRect};

use super::folder::{LoadedFolder, load_folder_with};

/// Reads a dataset folder of whole frames (class folders or a `labels.csv`) and keeps, for
/// each frame, the best palm's rotated crop at `size`×`size`; frames where the detector finds
/// no palm are skipped ("no hand found") and listed in [`LoadedFolder::skipped`].
pub fn load_hand_crops(root: &Path, detector: &Path, size: u32, limit_per_class: Option<usize>) -> Result<LoadedFolder> {
    let detector = PalmDetector::load(detector).with_context(|| format!("finding hands in the frames of {}", root.display()))?;
    let loaded = load_folder_with(root, limit_per_class, &|frame| {
        let palms = detector.detect(&frame).map_err(|e| format!("palm detector failed: {e}"))?;
        let best = palms.detections.first().ok_or_else(|| "no hand found by the palm detector".to_string())?;
        Ok(warp_rgb(&frame, &RotatedRect::from_detection(best), size, Border::Replicate))
    })?;
    let no_hand = loaded.skipped.iter().filter(|(_, why)| why.starts_with("no hand")).count();
    eprintln!(
        "data {}: whole frames; the palm detector found a hand in {} of {} (the rest are left out)",
        root.display(),
        loaded.samples.len(),
        loaded.samples.len() + no_hand
    );
    Ok(loaded)
}
