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

    /// The pass on a palm the detector found ([`Self::look`] on its crop), made once more upright
    /// when the crop reads turned more than [`UPRIGHT_AGAIN_DEGREES`] and the landmark model sees
    /// no hand at that turn (not a hand it saw and [`Self::look`] then refused as turned: a hand
    /// hanging by a knee stays refused), while a hand just lost is looked for (a fast stroke blurs
    /// it: an empty room's palms are not looked at twice); that pass counts when the hand's own
    /// landmarks say it is upright.
    pub(super) fn look_at_palm(
        &self,
        frame: &RgbImage,
        classifier: &Classifier,
        rect: RotatedRect,
        palm: Detection,
        work: &mut Work,
    ) -> Result<(Prediction, HandView)> {
        let pass = self.pass(frame, classifier, &rect, work)?;
        if pass.1.is_none() && self.relook > 0 && rect.rotation.abs() > UPRIGHT_AGAIN_DEGREES.to_radians() {
            let again = self.look(frame, classifier, RotatedRect { rotation: 0.0, ..rect }, Some(palm.clone()), work)?;
            let own = again.1.landmarks.as_deref().and_then(RotatedRect::from_landmarks);
            if own.is_some_and(|r| upright(&r)) {
                return Ok(again);
            }
        }
        self.judge(frame, classifier, rect, Some(palm), pass, work)
    }

    /// One landmark pass on `rect`, as a hand. A crop turned further than [`MAX_TILT_DEGREES`]
    /// shows no gesture, unless the hand's own landmarks say it is upright enough: then the pass
    /// is made again on the crop they give (as the next frame's would be), and that one counts
    /// when it is sure of a hand ([`TURNED_PRESENCE`]). A palm's turn comes from the detector's
    /// seven keypoints, which on a blurred hand (a wave) read it 15–25° further round than its
    /// landmarks do.
    pub(super) fn look(
        &self,
        frame: &RgbImage,
        classifier: &Classifier,
        rect: RotatedRect,
        detection: Option<Detection>,
        work: &mut Work,
    ) -> Result<(Prediction, HandView)> {
        let pass = self.pass(frame, classifier, &rect, work)?;
        self.judge(frame, classifier, rect, detection, pass, work)
    }

    /// A landmark pass on `rect`, counted in `work`: its prediction, the landmarks in frame pixels
    /// when it saw a hand, and the crop it saw.
    fn pass(&self, frame: &RgbImage, classifier: &Classifier, rect: &RotatedRect, work: &mut Work) -> Result<Pass> {
        let pass = self.landmarks(frame, classifier, rect, &mut work.crop)?;
        work.passes += 1;
        work.landmarks += pass.0.inference;
        Ok(pass)
    }

    /// What [`Self::look`] makes of the pass on `rect` (see there).
    fn judge(
        &self,
        frame: &RgbImage,
        classifier: &Classifier,
        rect: RotatedRect,
        detection: Option<Detection>,
        pass: Pass,
        work: &mut Work,
    ) -> Result<(Prediction, HandView)> {
        let (mut prediction, mut landmarks, input) = pass;
        if !upright(&rect) {
            let turned = landmarks.as_deref().and_then(RotatedRect::from_landmarks).filter(upright);
            if let Some(turned) = turned {
                let again = self.look(frame, classifier, turned, detection.clone(), work)?;
                if 1.0 - again.0.probabilities[self.no_hand] >= TURNED_PRESENCE {
                    return Ok(again);
                }
            }
            prediction = Prediction { inference: prediction.inference, ..self.nothing(classifier) };
            landmarks = None;
        }
        let side = landmarks.as_ref().and(prediction.handedness).map(|score| Side::from_score(score, self.mirror));
        Ok((prediction, HandView { detection, crop: rect, landmarks, input, side }))
    }

    /// Runs the landmark model on `rect` (see [`Pass`]).
    fn landmarks(&self, frame: &RgbImage, classifier: &Classifier, rect: &RotatedRect, crop_time: &mut Duration) -> Result<Pass> {
        let size = classifier.info().input_size;
        let start = Instant::now();
        let input = warp_rgb(frame, rect, size, Border::Replicate);
        *crop_time += start.elapsed();
        let prediction = classifier.classify_prepared(&input)?;
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
        log::trace!(
            "landmark pass on the crop at {:.0},{:.0} side {:.0} turned {:.0}°: presence {presence:.2}, {}",
            rect.cx,
            rect.cy,
            rect.width,
            rect.rotation.to_degrees(),
            if points.is_some() { "a hand" } else { "no hand" }
        );
        Ok((prediction, points, input))
    }

    /// The prediction for a frame with no palm in it: certainly no hand.
    pub(super) fn nothing(&self, classifier: &Classifier) -> Prediction {
        let mut probabilities = vec![0.0; classifier.info().labels.len()];
        probabilities[self.no_hand] = 1.0;
        Prediction { probabilities, index: self.no_hand, confidence: 1.0, inference: Duration::ZERO, landmarks: None, handedness: None }
    }
}

/// A landmark pass: its prediction, the landmarks in frame pixels when it saw a hand, and the
/// crop it saw.
type Pass = (Prediction, Option<Vec<[f32; 2]>>, RgbImage);

/// The presence the second pass on a palm turned too far must give (see [`HandFinder::look`]):
/// clearly a hand. Blurred waving hands whose palms read 66–76° gave 0.97–0.995 on their second
/// pass; the one false palm in the office scenes without a hand (cables on a desk, at −67°),
/// 0.74 (capture session 2's generated waves and the shared office scenes, looked at).
pub const TURNED_PRESENCE: f32 = 0.9;

/// A palm whose crop reads turned more than this from upright (degrees), with no hand seen in it,
/// is looked at upright too ([`HandFinder::look_at_palm`]). On a hand blurred by a fast stroke the
/// detector's keypoints read its turn 15–25° off (see [`TURNED_PRESENCE`]) and far more on some
/// frames: on `z33-10` sequence 4 (a Z at 10 frames/s) its palms read 53–94° while the hand was
/// upright, the landmark model saw nothing at those turns, and upright it saw the hand on three of
/// the eight frames of the Z's diagonal and last stroke.
pub const UPRIGHT_AGAIN_DEGREES: f32 = 30.0;

/// Turned at most [`MAX_TILT_DEGREES`] from upright.
fn upright(rect: &RotatedRect) -> bool {
    rect.rotation.abs() <= MAX_TILT_DEGREES.to_radians()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hand::PalmDetector;

    /// A tracking finder, and the open hand (leaning 25°, within the limit) it finds in the
    /// committed motion sequence's first frame.
    fn first_hand() -> (HandFinder, Classifier, RgbImage, HandView) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let classifier = Classifier::load(root.join("models/hands-landmarks-lite/model.onnx")).unwrap();
        let detector = PalmDetector::load(root.join(crate::hand::detector::DEFAULT_PATH)).unwrap();
        let mut finder = HandFinder::new(detector, &classifier, true).unwrap();
        let frame = image::open(root.join("firmware/tests/fixtures/motion/0000_0000.jpg")).unwrap().to_rgb8();
        let hand = finder.process(&frame, &classifier).unwrap().hand.expect("a hand in the first frame");
        (finder, classifier, frame, hand)
    }

    /// A palm whose crop reads turned past [`MAX_TILT_DEGREES`] (as the detector's keypoints
    /// read a blurred hand) is a hand when its landmarks say it is upright: the pass is made again
    /// on the crop they give. A hand upside down stays no hand.
    #[test]
    fn a_crop_turned_too_far_is_turned_back_by_the_hands_own_landmarks() {
        let (finder, classifier, frame, hand) = first_hand();
        assert!(hand.landmarks.is_some() && upright(&hand.crop), "{:?}", hand.crop);
        for off in [-45f32, -55.0] {
            let turned = RotatedRect { rotation: hand.crop.rotation + off.to_radians(), ..hand.crop };
            assert!(!upright(&turned));
            let (prediction, view) = finder.look(&frame, &classifier, turned, None, &mut Work::default()).unwrap();
            assert!(view.landmarks.is_some() && prediction.index != finder.no_hand, "{off}° off: {prediction:?}");
            // Turned back most of the way: the crop the landmarks gave.
            let back = (view.crop.rotation - hand.crop.rotation).abs().to_degrees();
            assert!(upright(&view.crop) && back < off.abs() / 2.0, "{off}° off: crop {:?}", view.crop);
        }
        // The frame upside down: the hand at (w − 1 − x, h − 1 − y), turned half round.
        let upside_down = image::imageops::rotate180(&frame);
        let (w, h) = (frame.width() as f32, frame.height() as f32);
        let half = hand.crop.rotation - hand.crop.rotation.signum() * std::f32::consts::PI;
        for off in [0f32, 20.0, -20.0] {
            let crop = RotatedRect { cx: w - 1.0 - hand.crop.cx, cy: h - 1.0 - hand.crop.cy, rotation: half + off.to_radians(), ..hand.crop };
            let (prediction, view) = finder.look(&upside_down, &classifier, crop, None, &mut Work::default()).unwrap();
            assert!(view.landmarks.is_none() && prediction.index == finder.no_hand, "upside down, {off}° off: {prediction:?}");
        }
    }

    /// A palm whose keypoints read the hand turned far round (as on a hand blurred by a fast
    /// stroke): the landmark model sees no hand at that turn, and looked at upright it does. A
    /// hand upside down, looked at upright, stays refused.
    #[test]
    fn a_palm_read_turned_with_no_hand_in_it_is_looked_at_upright() {
        let (mut finder, classifier, frame, hand) = first_hand();
        let palm = hand.detection.clone().expect("found by the detector");
        // The open hand leans 25°; its palm read 120° further round.
        let turned = RotatedRect { rotation: hand.crop.rotation + 120f32.to_radians(), ..hand.crop };
        let (_, view) = finder.look(&frame, &classifier, turned, Some(palm.clone()), &mut Work::default()).unwrap();
        assert!(view.landmarks.is_none(), "a hand seen at that turn: {:?}", view.crop);
        // Only while a hand just lost is looked for.
        let mut work = Work::default();
        let (_, view) = finder.look_at_palm(&frame, &classifier, turned, palm.clone(), &mut work).unwrap();
        assert!(view.landmarks.is_none() && work.passes == 1, "no hand lost, yet looked at upright");
        finder.relook = 1;
        let mut work = Work::default();
        let (prediction, view) = finder.look_at_palm(&frame, &classifier, turned, palm.clone(), &mut work).unwrap();
        assert!(view.landmarks.is_some() && prediction.index != finder.no_hand, "{prediction:?}");
        assert_eq!((view.crop.rotation, work.passes), (0.0, 2));
        // The frame upside down, its palm read 90° round: no hand at that turn, and upright the
        // landmarks point down.
        let upside_down = image::imageops::rotate180(&frame);
        let (w, h) = (frame.width() as f32, frame.height() as f32);
        let crop = RotatedRect { cx: w - 1.0 - hand.crop.cx, cy: h - 1.0 - hand.crop.cy, rotation: -90f32.to_radians(), ..hand.crop };
        let mut work = Work::default();
        let (prediction, view) = finder.look_at_palm(&upside_down, &classifier, crop, palm, &mut work).unwrap();
        assert!(view.landmarks.is_none() && prediction.index == finder.no_hand, "{prediction:?}");
        assert_eq!(work.passes, 2, "looked at upright too");
    }
}
