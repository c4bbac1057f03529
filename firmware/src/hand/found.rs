//! What the hand finder found on a frame: each hand's view (crop, landmarks, side) and the
//! frame's cost ([`super::track::HandFinder::process`] gives them).

use std::time::Duration;

use image::RgbImage;

use super::decode::Detection;
use super::rect::RotatedRect;
use super::side::Side;
use crate::model::Prediction;

/// Where the hand was found in one frame, in frame pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct HandView {
    /// The palm detection the crop came from (`None` while tracking).
    pub detection: Option<Detection>,
    /// The rotated square the landmark model saw.
    pub crop: RotatedRect,
    /// The 21 landmarks (x, y), when the model saw a hand.
    pub landmarks: Option<Vec<[f32; 2]>>,
    /// The crop's pixels exactly as the landmark model got them (what capture saves).
    pub input: RgbImage,
    /// Which hand it is, when the model gives handedness and the model saw a hand.
    pub side: Option<Side>,
}

/// Crops whose boxes overlap more than this (intersection over union) hold the same hand.
pub const SAME_HAND_OVERLAP: f32 = 0.5;

/// A further hand found on the frame (with `max_hands` 2).
#[derive(Debug, Clone)]
pub struct Seen {
    /// Its prediction (`inference`: its own landmark pass).
    pub prediction: Prediction,
    pub view: HandView,
}

/// One frame's result.
#[derive(Debug, Clone)]
pub struct Found {
    /// The model's prediction; all probability on the no-hand label when no palm was found.
    /// Its `inference` is the time of every landmark pass on this frame; its `landmarks` are in
    /// the crop's pixels (see `hand` for frame pixels).
    pub prediction: Prediction,
    /// The hand, if a palm was found or tracked (the first hand, with `max_hands` 2).
    pub hand: Option<HandView>,
    /// With `max_hands` 2: the other hand, when two are in view.
    pub others: Vec<Seen>,
    /// Whether the detector ran on this frame.
    pub detector_ran: bool,
    /// Detector runs on this frame (the plain look, and each second-look view and second
    /// opinion).
    pub detector_runs: u32,
    /// Time in the detector (tract only).
    pub detector: Duration,
    /// Landmark model runs on this frame (1 per tracked hand, one more per palm the detector
    /// found).
    pub landmark_passes: u32,
    /// Time spent cropping (letterbox and rotated crops) and mapping points back.
    pub crop: Duration,
    /// How the view changed since the last frame ([`super::change::Step`]; only while tracking,
    /// else `Changed`): across a new scene, or where nothing in view moved, no hand moved whatever its
    /// crop did.
    pub step: super::change::Step,
}
