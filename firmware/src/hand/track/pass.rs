//! One landmark pass on a crop, as a hand ([`HandFinder::look`]), and the refining pass after an
//! unsure one ([`HandFinder::refined`]): what the tracker and the detector's palms both use.

use std::time::{Duration, Instant};

use image::RgbImage;

use super::{HandFinder, HandView, MAX_TILT_DEGREES, MIN_PRESENCE, MIN_SPAN, SURE, Work};
use crate::error::Result;
use crate::hand::decode::Detection;
use crate::hand::rect::RotatedRect;
use crate::hand::side::Side;
use crate::hand::warp::{Border, warp_rgb};
use crate::model::{Classifier, Prediction};

impl HandFinder {
    /// The refining pass: the crop the landmarks of a pass on `rect` give (as the next frame's
    /// would be) fits the hand better than `rect` (a palm's, or the last frame's): a second pass
    /// on it, kept when it still sees a hand — when the first pass is unsure of the gesture, and
    /// unless that crop is nearly `rect`, which would give nearly the same answer.
    pub(super) fn refined(
        &self,
        frame: &RgbImage,
        classifier: &Classifier,
        rect: RotatedRect,
        first: (Prediction, HandView),
        detection: Option<Detection>,
        work: &mut Work,
    ) -> Result<(Prediction, HandView)> {
        let unsure = first.0.confidence < SURE;
        let better = first.1.landmarks.as_deref().and_then(RotatedRect::from_landmarks).filter(|r| self.refine && unsure && !r.close_to(&rect));
        if let Some(better) = better {
            let second = self.look(frame, classifier, better, detection, work)?;
            if second.1.landmarks.is_some() {
                return Ok(second);
            }
        }
        Ok(first)
    }

    /// One landmark pass on `rect`, as a hand.
    pub(super) fn look(
        &self,
        frame: &RgbImage,
        classifier: &Classifier,
        rect: RotatedRect,
        detection: Option<Detection>,
        work: &mut Work,
    ) -> Result<(Prediction, HandView)> {
        let (prediction, landmarks, input) = self.landmarks(frame, classifier, &rect, &mut work.crop)?;
        work.passes += 1;
        work.landmarks += prediction.inference;
        let side = landmarks.as_ref().and(prediction.handedness).map(|score| Side::from_score(score, self.mirror));
        Ok((prediction, HandView { detection, crop: rect, landmarks, input, side }))
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
    pub(super) fn nothing(&self, classifier: &Classifier) -> Prediction {
        let mut probabilities = vec![0.0; classifier.info().labels.len()];
        probabilities[self.no_hand] = 1.0;
        Prediction { probabilities, index: self.no_hand, confidence: 1.0, inference: Duration::ZERO, landmarks: None, handedness: None }
    }
}
