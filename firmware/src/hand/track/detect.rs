//! The palm detector's looks for hands ([`HandFinder::detect`]): the plain one on the whole
//! frame, and the extra ones where it finds none (the second-look views, the second opinion),
//! all of them or a few in turn while a hand just lost is looked for.

use std::time::Instant;

use image::RgbImage;

use super::{EXTRA_PALMS, HandFinder, RELOOK_LOOKS, SAME_HAND_OVERLAP, Seen, Work};
use crate::error::Result;
use crate::hand::decode::Detection;
use crate::hand::detector::PalmDetector;
use crate::hand::rect::RotatedRect;
use crate::model::Classifier;

impl HandFinder {
    /// Runs the detector on the whole frame and adds the hands it finds (up to `max_hands`,
    /// none that is already in `hands`). Returns the first palm the landmark model rejected, if
    /// any.
    pub(super) fn detect(&self, frame: &RgbImage, classifier: &Classifier, hands: &mut Vec<Seen>, work: &mut Work) -> Result<Option<Seen>> {
        let (w, h) = frame.dimensions();
        self.detect_in(frame, classifier, hands, work, &[(&self.detector, crate::hand::warp::letterbox(w, h))])
    }

    /// The extra looks, in the order they are tried: the second-look views, then the second
    /// opinion on the whole frame and those views.
    fn looks(&self, w: u32, h: u32) -> Vec<(&PalmDetector, RotatedRect)> {
        let views: Vec<RotatedRect> = self.second_look.iter().map(|v| v.square(w, h)).collect();
        let second =
            self.second_opinion.iter().flat_map(|d| std::iter::once(crate::hand::warp::letterbox(w, h)).chain(views.iter().copied()).map(move |s| (d, s)));
        views.iter().map(|s| (&self.detector, *s)).chain(second).collect()
    }

    /// Runs each detector on its square in turn until one gives a hand, adding the hands it finds
    /// as [`Self::detect`] does.
    fn detect_in(
        &self,
        frame: &RgbImage,
        classifier: &Classifier,
        hands: &mut Vec<Seen>,
        work: &mut Work,
        looks: &[(&PalmDetector, RotatedRect)],
    ) -> Result<Option<Seen>> {
        let mut rejected = None;
        work.detector_ran = true;
        if let Some(d) = &self.detecting {
            d.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let found_before = hands.len();
        for (detector, square) in looks {
            if hands.len() > found_before {
                break;
            }
            let start = Instant::now();
            let palms = detector.detect_in(frame, square)?;
            work.detector_runs += 1;
            work.crop += start.elapsed().saturating_sub(palms.inference);
            work.detector += palms.inference;
            let before = hands.len();
            // The best palms that are not a hand already found: as many as hands are missing, and
            // a few more in case the landmark model rejects some.
            let tries = self.max_hands - before + EXTRA_PALMS;
            let new: Vec<(Detection, RotatedRect)> = palms
                .detections
                .into_iter()
                .map(|palm| {
                    let rect = RotatedRect::from_detection(&palm);
                    (palm, rect)
                })
                .filter(|(_, rect)| !hands.iter().any(|h| h.view.crop.overlap(rect) > SAME_HAND_OVERLAP))
                .take(tries)
                .collect();
            for (palm, rect) in new {
                if hands.len() >= self.max_hands {
                    break;
                }
                let first = self.look_at_palm(frame, classifier, rect, palm.clone(), work)?;
                let (prediction, view) = self.refined(frame, classifier, rect, first, Some(palm), work)?;
                if view.landmarks.is_some() {
                    hands.push(Seen { prediction, view });
                } else {
                    rejected.get_or_insert(Seen { prediction, view });
                }
            }
        }
        Ok(rejected)
    }

    /// On a frame where the plain look found no hand: the extra looks, every one (until one
    /// gives a hand) when they may run (always, or with `on_change` when the view changed since
    /// they last ran: the view's signature is taken only then, not on every frame the detector
    /// finds a hand on); else, while a hand just lost is looked for (`relooking`), the next
    /// [`RELOOK_LOOKS`] of them in turn. Returns the first palm the landmark model rejected.
    pub(super) fn extra_looks(
        &mut self,
        frame: &RgbImage,
        classifier: &Classifier,
        hands: &mut Vec<Seen>,
        work: &mut Work,
        relooking: bool,
    ) -> Result<Option<Seen>> {
        let n = self.second_look.len() + self.second_opinion.as_ref().map_or(0, |_| 1 + self.second_look.len());
        if n == 0 {
            return Ok(None);
        }
        let take: Vec<usize> = if self.on_change.as_mut().is_none_or(|c| c.look_hard(frame)) {
            (0..n).collect()
        } else if relooking {
            let first = self.relook_turn;
            self.relook_turn += RELOOK_LOOKS;
            (first..first + RELOOK_LOOKS.min(n)).map(|i| i % n).collect()
        } else {
            return Ok(None);
        };
        let all = self.looks(frame.width(), frame.height());
        let looks: Vec<(&PalmDetector, RotatedRect)> = take.iter().map(|&i| all[i]).collect();
        self.detect_in(frame, classifier, hands, work, &looks)
    }
}
