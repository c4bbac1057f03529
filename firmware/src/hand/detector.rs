//! [`PalmDetector`]: MediaPipe's palm detector (converted to ONNX, see
//! `models/backbones/palm_detection_lite`) run by tract on a letterboxed frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::RgbImage;
use tract_onnx::prelude::*;

use super::anchors::{Anchor, palm_anchors};
use super::decode::{Detection, VALUES_PER_ANCHOR, decode, weighted_nms};
use super::rect::RotatedRect;
use super::warp::{Border, letterbox, warp_hwc_unit};
use crate::error::{Error, Result};
use crate::model::classifier::panic_message;

/// The shipped palm detector, relative to the project root (`/usr/share/beckon` in the .deb).
pub const DEFAULT_PATH: &str = "models/backbones/palm_detection_lite/detector.onnx";
/// MediaPipe's full palm detector, the second opinion (`[region] second_opinion`).
pub const FULL_PATH: &str = "models/backbones/palm_detection_full/detector.onnx";

/// The full palm detector shipped beside `detector` (`…/palm_detection_lite/detector.onnx` →
/// `…/palm_detection_full/detector.onnx`), where the repository and the package both put it.
pub fn full_beside(detector: &Path) -> std::path::PathBuf {
    match detector.parent().and_then(Path::parent) {
        Some(backbones) => backbones.join("palm_detection_full").join("detector.onnx"),
        None => FULL_PATH.into(),
    }
}

/// The detector's input side.
pub const INPUT_SIZE: u32 = 192;

/// Palms found in one frame.
#[derive(Debug, Clone)]
pub struct Palms {
    /// Best first, in frame pixels.
    pub detections: Vec<Detection>,
    /// Time in tract (letterbox and decoding excluded).
    pub inference: Duration,
}

/// The palm detector, loaded and optimized.
#[derive(Clone)]
pub struct PalmDetector {
    path: PathBuf,
    plan: Arc<TypedRunnableModel>,
    /// Shared by the copies of a hand finder (frames in flight clone it on every frame).
    anchors: std::sync::Arc<[Anchor]>,
    /// The border the network's first convolution adds, written around the input instead.
    border: crate::model::input::Border,
}

impl std::fmt::Debug for PalmDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PalmDetector").field("path", &self.path).finish()
    }
}

impl PalmDetector {
    /// Loads a palm detector ONNX file: input `f32 [1, 3, 192, 192]`, outputs `[1, 2016, 18]`
    /// (boxes and keypoints) and `[1, 2016, 1]` (score logits).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Self::load_unguarded(&path)))
            .unwrap_or_else(|panic| Err(Error::ModelInvalid { path: path.clone(), reason: format!("tract failed on it ({})", panic_message(panic.as_ref())) }))
    }

    fn load_unguarded(path: &Path) -> Result<Self> {
        let invalid = |e: TractError| Error::ModelInvalid { path: path.to_path_buf(), reason: format!("{e:#}") };
        let bytes = crate::model::file::read_model_file(path)?;
        let s = INPUT_SIZE as usize;
        let onnx = crate::model::prelu::onnx();
        let proto = onnx.proto_model_for_read(&mut bytes.as_slice()).map_err(invalid)?;
        let mut typed = onnx
            .model_for_proto_model(&proto)
            .and_then(|m| m.with_input_fact(0, f32::fact([1, 3, s, s]).into()))
            .and_then(|m| m.into_typed())
            .and_then(|m| m.into_decluttered())
            .map_err(invalid)?;
        // The frame channels-last as it is sampled, and the first convolution's padding in the
        // input (model::input): no move of the 96×96 maps after it.
        let border = crate::model::input::image_last(&mut typed).map_err(invalid)?.unwrap_or_default();
        let plan = crate::model::layout::apply(crate::model::Layout::ChannelsLast, typed)
            // Channels-last, like the classifiers (model::layout): with beckon's depthwise kernel
            // and the pools, pads and resizes turned too, 28.9 → 21.5 ms a run here (it was
            // slower channels-last before those, 27.8 → 34.7 ms).
            .and_then(|mut m| crate::model::direct_kernels(&mut m).map(|_| m))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(invalid)?;
        let anchors = palm_anchors(INPUT_SIZE);
        let shapes: Vec<Option<Vec<usize>>> =
            (0..plan.model().outputs.len()).map(|i| plan.model().output_fact(i).ok().and_then(|f| f.shape.as_concrete().map(|s| s.to_vec()))).collect();
        let n = anchors.len();
        if shapes != [Some(vec![1, n, VALUES_PER_ANCHOR]), Some(vec![1, n, 1])] {
            return Err(Error::Contract {
                path: path.to_path_buf(),
                field: "outputs".into(),
                problem: format!(
                    "shapes {shapes:?}; a palm detector has boxes [1, {n}, {VALUES_PER_ANCHOR}] then scores [1, {n}, 1] \
                     (convert MediaPipe's palm_detection_lite.tflite with trainer/tools/convert_hand_landmark.py)"
                ),
            });
        }
        Ok(Self { path: path.to_path_buf(), plan, anchors: anchors.into(), border })
    }

    /// The file the detector was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The network's input for `frame`: letterboxed to 192×192, channels-last, inside the
    /// border its first convolution pads.
    fn input(&self, frame: &RgbImage, square: &RotatedRect) -> Tensor {
        let s = INPUT_SIZE as usize;
        self.border.around(&warp_hwc_unit(frame, square, INPUT_SIZE, Border::Zero), s, s, 3)
    }

    /// Where the network's time goes on `frame` (`beckon bench --profile`).
    pub fn profile(&self, frame: &RgbImage, warmup: usize, runs: usize) -> Result<crate::model::profile::Profile> {
        crate::model::profile::profile_plan(&self.plan, &self.input(frame, &letterbox(frame.width(), frame.height())), warmup, runs)
    }

    /// Finds palms in `frame`: letterbox to 192×192, run, decode, suppress, map back to frame
    /// pixels.
    pub fn detect(&self, frame: &RgbImage) -> Result<Palms> {
        self.detect_in(frame, &letterbox(frame.width(), frame.height()))
    }

    /// Finds palms in the square `square` of `frame` (any place and size, parts outside the
    /// frame black), mapped back to frame pixels.
    pub fn detect_in(&self, frame: &RgbImage, square: &RotatedRect) -> Result<Palms> {
        let square = *square;
        let input = self.input(frame, &square);
        let start = Instant::now();
        let outputs = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.plan.run(tvec!(input.into()))))
            .map_err(|panic| Error::Inference(format!("tract panicked: {}", panic_message(panic.as_ref()))))?
            .map_err(|e| Error::Inference(format!("{e:#}")))?;
        let inference = start.elapsed();
        let inference_error = |e: TractError| Error::Inference(format!("{e:#}"));
        let (boxes, scores) = (outputs[0].try_as_plain_ram().map_err(inference_error)?, outputs[1].try_as_plain_ram().map_err(inference_error)?);
        let found =
            decode(boxes.as_slice::<f32>().map_err(inference_error)?, scores.as_slice::<f32>().map_err(inference_error)?, &self.anchors, INPUT_SIZE as f32);
        let size = INPUT_SIZE as f32;
        let detections = weighted_nms(found)
            .into_iter()
            .map(|d| {
                d.map(|x, y| {
                    let [fx, fy] = square.point(x / size - 0.5, y / size - 0.5);
                    (fx, fy)
                })
            })
            .collect();
        Ok(Palms { detections, inference })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_detector_is_looked_for_beside_the_configured_one() {
        assert_eq!(full_beside(Path::new(DEFAULT_PATH)), Path::new(FULL_PATH));
        let packaged = Path::new("/usr/share/beckon/models/backbones/palm_detection_lite/detector.onnx");
        assert_eq!(full_beside(packaged), Path::new("/usr/share/beckon/models/backbones/palm_detection_full/detector.onnx"));
    }
}
