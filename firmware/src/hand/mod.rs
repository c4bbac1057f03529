//! Finding the hand anywhere in the frame (`[region] mode = "track"`):
//!
//! ```text
//! frame → letterbox 192 → palm detector (tract) → decode + NMS → rotated crop → landmark model
//!                                        ↑ only when the hand is lost │
//!                    next frame's crop ← landmarks ←──────────────────┘
//! ```
//!
//! - [`anchors`]: the detector's SSD anchors.
//! - [`decode`]: raw outputs → palm detections (boxes, 7 keypoints, weighted NMS).
//! - [`detector`]: [`PalmDetector`], the network run by tract.
//! - [`rect`]: rotated crops from a detection or from landmarks.
//! - [`warp`]: sampling a rotated square straight from the frame.
//! - [`view`]: the squares the detector looks at again when the whole frame shows no hand.
//! - [`change`]: whether the view changed since those extra looks last ran.
//! - [`side`]: left and right hands.
//! - [`track`]: [`HandFinder`], detector and landmark model with the tracks between frames.
//! - [`workers`]: copies of the hand finder on several cores, frames in flight.
//!
//! The geometry follows MediaPipe's hand-tracking graphs (see each module); the detector file
//! is MediaPipe's `palm_detection_lite` converted to ONNX (`models/backbones/palm_detection_lite`).

pub mod anchors;
pub mod change;
pub mod decode;
pub mod detector;
pub mod found;
pub mod rect;
pub mod side;
pub mod track;
pub mod view;
pub mod warp;
pub mod workers;

pub use decode::Detection;
pub use detector::PalmDetector;
pub use rect::RotatedRect;
pub use side::Side;
pub use track::{Found, HandFinder, HandView, Seen};
pub use view::{SECOND_LOOK, View};
