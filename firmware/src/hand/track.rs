//! [`HandFinder`]: the hand anywhere in the frame. Detect the palm, crop the rotated square
//! around it, run the landmark model on the crop; while the hand stays in view, the next frame's
//! crop comes from this frame's landmarks and the detector does not run. While no hand is in
//! view (no palm found, or a palm the landmark model does not take for a gesturing hand), the
//! detector may run on only one frame in N ([`HandFinder::with_idle_every`]): the frames
//! between are reported as no hand at no cost, so an empty room costs a Pi a fraction
//! of the CPU; a track that is lost is looked for again at once.

use std::time::{Duration, Instant};

use image::RgbImage;

use super::decode::Detection;
use super::detector::PalmDetector;
use super::rect::RotatedRect;
use super::warp::{Border, warp_rgb};
use crate::error::{Error, Result};
use crate::model::{Classifier, Prediction};

/// Below this hand presence (1 − the no-hand probability) the hand counts as lost.
pub const MIN_PRESENCE: f32 = 0.5;
/// Landmarks spanning less than this fraction of the crop have collapsed (the network's answer
/// when it sees no real hand): the hand counts as lost.
pub const MIN_SPAN: f32 = 0.1;

/// Gestures are shown with the fingers up: a hand turned further than this from upright (e.g. an
/// arm hanging down, a hand resting on a chair) is not a gesture and counts as no hand. The
/// crop itself follows the hand at any angle. (On the 273 hands of `hands-frames` the detector
/// found, the crop turned at most 50°; the two hands in the "no hand" office scenes hang at
/// 116° and 143°, and the one false detection there is at 66°.)
pub const MAX_TILT_DEGREES: f32 = 60.0;

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
}

/// One frame's result.
#[derive(Debug, Clone)]
pub struct Found {
    /// The model's prediction; all probability on the no-hand label when no palm was found.
    /// Its `inference` is the time of every landmark pass on this frame; its `landmarks` are in
    /// the crop's pixels (see `hand` for frame pixels).
    pub prediction: Prediction,
    /// The hand, if a palm was found or tracked.
    pub hand: Option<HandView>,
    /// Whether the detector ran on this frame.
    pub detector_ran: bool,
    /// Time in the detector (tract only).
    pub detector: Duration,
    /// Landmark model runs on this frame (1 while tracking, 2 when the track was lost and the
    /// detector found the hand again).
    pub landmark_passes: u32,
    /// Time spent cropping (letterbox and rotated crops) and mapping points back.
    pub crop: Duration,
}

/// Detector + landmark model, with the track carried from frame to frame.
#[derive(Debug)]
pub struct HandFinder {
    detector: PalmDetector,
    /// Carry the crop to the next frame; `false` runs the detector on every frame.
    tracking: bool,
    next: Option<RotatedRect>,
    no_hand: usize,
    /// While no hand is in view, the detector runs on one frame in this many.
    idle_every: u32,
    /// Frames left to skip before the detector runs again.
    idle_skip: u32,
    /// Further views the detector looks at when the whole frame shows no hand.
    second_look: Vec<View>,
}

/// A square of the frame the detector looks at when the whole frame (letterboxed) shows no
/// hand the landmark model takes: hands too large for the palm detector's anchors at the
/// whole frame's scale, or too small.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum View {
    /// The letterboxed frame with a black margin: the square this many times the frame's long
    /// side, so a large hand looks smaller.
    ZoomOut(f32),
    /// The square on the frame's short side at its left (or top) end.
    Start,
    /// The square on the frame's short side at its right (or bottom) end.
    End,
}

/// The second look `[region] second_look = true` (`--second-look`) turns on: zoomed out 1.5×,
/// then the two ends. On `hands-frames` it finds 274 of 279 labelled hands against 270 with one
/// look, and the 40 scenes without a hand stay quiet
/// (`firmware/tests/hand_tracking.rs::a_second_look_finds_more_hands_and_scenes_without_one_stay_quiet`).
pub const SECOND_LOOK: [View; 3] = [View::ZoomOut(1.5), View::Start, View::End];

impl View {
    /// The square in frame pixels.
    pub fn square(self, width: u32, height: u32) -> RotatedRect {
        let (w, h) = (width as f32, height as f32);
        let short = w.min(h);
        let (cx, cy, side) = match self {
            View::ZoomOut(k) => (w / 2.0, h / 2.0, w.max(h) * k),
            View::Start if w >= h => (short / 2.0, h / 2.0, short),
            View::Start => (w / 2.0, short / 2.0, short),
            View::End if w >= h => (w - short / 2.0, h / 2.0, short),
            View::End => (w / 2.0, h - short / 2.0, short),
        };
        RotatedRect { cx, cy, width: side, height: side, rotation: 0.0 }
    }
}

/// Frames in `interval` of video at `fps` (at least 1; 1 when the rate is unknown or the
/// interval zero): the detector's idle period in frames, rounded down so that a hand that
/// appears is found within `interval`.
pub fn idle_frames(interval: Duration, fps: Option<f64>) -> u32 {
    match fps {
        Some(fps) if fps > 0.0 && fps.is_finite() => ((interval.as_secs_f64() * fps).floor() as u32).max(1),
        _ => 1,
    }
}

impl HandFinder {
    /// `classifier` must be a hand-landmark model with a no-hand label (checked here, so that a
    /// wrong model is refused before the first frame).
    pub fn new(detector: PalmDetector, classifier: &Classifier, tracking: bool) -> Result<Self> {
        let info = classifier.info();
        let no_hand = info.no_hand_label.as_ref().and_then(|l| info.labels.iter().position(|x| x == l));
        match no_hand {
            Some(no_hand) if classifier.has_landmarks() => {
                Ok(Self { detector, tracking, next: None, no_hand, idle_every: 1, idle_skip: 0, second_look: Vec::new() })
            }
            _ => Err(Error::Config {
                setting: "[region] mode = \"track\"".into(),
                problem: format!(
                    "{} is not a hand-landmark model with a no-hand label; tracking needs one (e.g. models/hands-landmarks-lite/model.onnx), \
                     or use mode = \"fixed\"",
                    classifier.path().display()
                ),
            }),
        }
    }

    /// With tracking: while no hand is in view, run the detector on one frame in `frames`
    /// (see [`idle_frames`]); 1 (the default) = every frame. Without tracking every frame is
    /// looked at on its own and this does nothing.
    pub fn with_idle_every(mut self, frames: u32) -> Self {
        self.idle_every = frames.max(1);
        self
    }

    /// When the whole frame shows no hand, the detector looks again at these views, in order,
    /// until one gives a hand (each costs one more detector run, on such frames only).
    pub fn with_second_look(mut self, views: Vec<View>) -> Self {
        self.second_look = views;
        self
    }

    /// While no hand is in view, the detector runs on one frame in this many.
    pub fn idle_every(&self) -> u32 {
        self.idle_every
    }

    /// No hand in view after the detector ran: with tracking, skip the next `idle_every − 1`
    /// frames.
    fn start_idling(&mut self) {
        if self.tracking {
            self.idle_skip = self.idle_every - 1;
        }
    }

    /// Forgets the track: the next frame starts with the detector.
    pub fn reset(&mut self) {
        self.next = None;
        self.idle_skip = 0;
    }

    /// Whether a hand is being tracked into the next frame.
    pub fn tracking(&self) -> bool {
        self.next.is_some()
    }

    /// Finds the hand in `frame` and classifies it.
    pub fn process(&mut self, frame: &RgbImage, classifier: &Classifier) -> Result<Found> {
        let mut crop_time = Duration::ZERO;
        let mut passes = 0;
        // Landmark time spent on a track that turned out lost.
        let mut lost = Duration::ZERO;
        if let Some(rect) = self.next.take() {
            let (prediction, landmarks, input) = self.landmarks(frame, classifier, &rect, &mut crop_time)?;
            passes += 1;
            lost = prediction.inference;
            if let Some(points) = landmarks {
                self.next = RotatedRect::from_landmarks(&points);
                let hand = HandView { detection: None, crop: rect, landmarks: Some(points), input };
                return Ok(Found { prediction, hand: Some(hand), detector_ran: false, detector: Duration::ZERO, landmark_passes: passes, crop: crop_time });
            }
        }
        if passes == 0 && self.tracking && self.idle_skip > 0 {
            // No hand in view on the last frames: this one is skipped (see `with_idle_every`).
            self.idle_skip -= 1;
            return Ok(Found {
                prediction: self.nothing(classifier),
                hand: None,
                detector_ran: false,
                detector: Duration::ZERO,
                landmark_passes: 0,
                crop: crop_time,
            });
        }
        let (w, h) = frame.dimensions();
        let squares = std::iter::once(super::warp::letterbox(w, h)).chain(self.second_look.iter().map(|v| v.square(w, h)));
        let mut detector = Duration::ZERO;
        // The first palm the landmark model rejected, reported when no view gives a hand.
        let mut rejected: Option<(Prediction, HandView)> = None;
        for square in squares {
            let start = Instant::now();
            let palms = self.detector.detect_in(frame, &square)?;
            crop_time += start.elapsed().saturating_sub(palms.inference);
            detector += palms.inference;
            let Some(best) = palms.detections.into_iter().next() else { continue };
            let rect = RotatedRect::from_detection(&best);
            let (mut prediction, landmarks, input) = self.landmarks(frame, classifier, &rect, &mut crop_time)?;
            lost += prediction.inference;
            prediction.inference = lost;
            passes += 1;
            let hand = HandView { detection: Some(best), crop: rect, landmarks, input };
            if hand.landmarks.is_some() {
                if self.tracking {
                    self.next = hand.landmarks.as_deref().and_then(RotatedRect::from_landmarks);
                    if self.next.is_none() {
                        self.start_idling();
                    }
                }
                return Ok(Found { prediction, hand: Some(hand), detector_ran: true, detector, landmark_passes: passes, crop: crop_time });
            }
            rejected.get_or_insert((prediction, hand));
        }
        // No view gave a hand the landmark model takes (no palm, or a palm it rejects: no hand,
        // or one turned too far): idle.
        self.start_idling();
        let (mut prediction, hand) = match rejected {
            Some((prediction, hand)) => (prediction, Some(hand)),
            None => (self.nothing(classifier), None),
        };
        prediction.inference = lost;
        Ok(Found { prediction, hand, detector_ran: true, detector, landmark_passes: passes, crop: crop_time })
    }

    /// Runs the landmark model on `rect`: its prediction, the landmarks in frame pixels when it
    /// saw a hand, and the crop it saw.
    #[allow(clippy::type_complexity)]
    fn landmarks(
        &self,
        frame: &RgbImage,
        classifier: &Classifier,
        rect: &RotatedRect,
        crop_time: &mut Duration,
    ) -> Result<(Prediction, Option<Vec<[f32; 2]>>, RgbImage)> {
        let size = classifier.info().input_size;
        let start = Instant::now();
        let input = warp_rgb(frame, rect, size, Border::Replicate);
        *crop_time += start.elapsed();
        let mut prediction = classifier.classify_prepared(&input)?;
        if rect.rotation.abs() > MAX_TILT_DEGREES.to_radians() {
            let inference = prediction.inference;
            prediction = Prediction { inference, ..self.nothing(classifier) };
            return Ok((prediction, None, input));
        }
        let start = Instant::now();
        let presence = 1.0 - prediction.probabilities[self.no_hand];
        let s = size as f32;
        let points = prediction.landmarks.as_ref().filter(|_| presence >= MIN_PRESENCE).and_then(|l| {
            let (xs, ys) = (l.iter().map(|p| p[0]), l.iter().map(|p| p[1]));
            let span = |v: &mut dyn Iterator<Item = f32>| v.fold((f32::MAX, f32::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
            let ((x0, x1), (y0, y1)) = (span(&mut xs.clone()), span(&mut ys.clone()));
            ((x1 - x0).max(y1 - y0) >= MIN_SPAN * s).then(|| l.iter().map(|p| rect.point(p[0] / s - 0.5, p[1] / s - 0.5)).collect())
        });
        *crop_time += start.elapsed();
        Ok((prediction, points, input))
    }

    /// The prediction for a frame with no palm in it: certainly no hand.
    fn nothing(&self, classifier: &Classifier) -> Prediction {
        let mut probabilities = vec![0.0; classifier.info().labels.len()];
        probabilities[self.no_hand] = 1.0;
        Prediction { probabilities, index: self.no_hand, confidence: 1.0, inference: Duration::ZERO, landmarks: None }
    }

    /// The detector in use.
    pub fn detector(&self) -> &PalmDetector {
        &self.detector
    }
}

#[cfg(test)]
mod view_tests {
    use super::*;

    #[test]
    fn second_look_squares_sit_at_the_ends_and_around_the_frame() {
        let sq = |v: View| {
            let r = v.square(640, 480);
            (r.cx, r.cy, r.width)
        };
        assert_eq!(sq(View::Start), (240.0, 240.0, 480.0));
        assert_eq!(sq(View::End), (400.0, 240.0, 480.0));
        assert_eq!(sq(View::ZoomOut(1.5)), (320.0, 240.0, 960.0));
        let r = View::End.square(480, 640);
        assert_eq!((r.cx, r.cy, r.width), (240.0, 400.0, 480.0));
    }
}
