//! [`HandFinder`]: the hand anywhere in the frame. Detect the palm, crop the rotated square
//! around it, run the landmark model on the crop; while the hand stays in view, the next frame's
//! crop comes from this frame's landmarks and the detector does not run. While no hand is in
//! view (no palm found, or a palm the landmark model does not take for a gesturing hand), the
//! detector may run on only one frame in N ([`HandFinder::with_idle_every`]): the frames
//! between are reported as no hand at no cost, so an empty room costs a Pi a fraction
//! of the CPU; a track that is lost is looked for again at once, and on every frame for one idle
//! period after (a hand that outran the tracker is found where it went), with
//! [`RELOOK_LOOKS`] of the extra looks on each of those frames.
//!
//! With [`HandFinder::with_max_hands`] 2, each hand has its own track. While fewer hands than
//! that are tracked, the detector looks for another one on one frame in M
//! ([`HandFinder::with_more_every`]), on the whole frame; palms whose crop overlaps a tracked hand's are that hand. Each hand gets its
//! side from the landmark network's handedness score ([`super::side`]).

use std::time::Duration;

use image::RgbImage;

use super::detector::PalmDetector;
use super::rect::RotatedRect;
use super::side::settle;
use super::view::View;
use crate::error::{Error, Result};
use crate::model::Classifier;

mod detect;
mod pass;

pub use super::found::{Found, HandView, SAME_HAND_OVERLAP, Seen};

/// Below this hand presence (1 − the no-hand probability) the hand counts as lost.
pub const MIN_PRESENCE: f32 = 0.5;
/// Landmarks spanning less than this fraction of the crop have collapsed (the network's answer
/// when it sees no real hand): the hand counts as lost.
pub const MIN_SPAN: f32 = 0.1;

/// After a detection the refining pass ([`HandFinder::with_refine`]) runs only when the first
/// pass gave its gesture a probability below this: a sure first pass is kept as it is. On the
/// 279 frames of `hands-frames` played in order (the shipped model), the refining passes after
/// sure first passes changed one frame's gesture, for the worse, and were 94 of the 515 landmark
/// passes; chosen among 0.8, 0.9, 0.97, 0.99 and 0.999 there (268–270 frames right, `docs/two-hands.md`).
pub const SURE: f32 = 0.97;

/// Gestures are shown with the fingers up: a hand turned further than this from upright (e.g. an
/// arm hanging down, a hand resting on a chair) is not a gesture and counts as no hand. The
/// crop itself follows the hand at any angle. (On the 273 hands of `hands-frames` the detector
/// found, the crop turned at most 50°; the two hands in the "no hand" office scenes hang at
/// 116° and 143°, and the one false detection there is at 66°.)
pub const MAX_TILT_DEGREES: f32 = 60.0;

/// Palms the landmark model is run on per look beyond the hands missing, when it rejects the
/// best ones: a hand resting in view (turned past [`MAX_TILT_DEGREES`], no gesture) ranks above a
/// blurred hand drawing a letter and hid it. On the 10 frames/s dev Z's (`docs/motions.md`) the
/// person's hand on their knee in the background was the detector's best palm on every frame the
/// tracker lost the moving one, and the moving hand was found on three more frames of one Z
/// with the next palms tried. A look that finds its hands stops there: this costs landmark passes
/// only on palms that are rejected.
pub const EXTRA_PALMS: usize = 2;

/// While a hand just lost is looked for ([`HandFinder::with_relook`]), each frame on which the
/// detector finds no hand gets this many of the extra looks (the second-look views, then the
/// second opinion), in turn, whether or not the view changed since they last ran: a hand that
/// comes to rest where the plain look misses it (at the frame's edge, in front of a busy
/// background) is found before its motion's gap runs out. Two a frame, not all seven: on the
/// 10 frames/s dev sequences all seven found as many hands (78 of 80 motions either way, 74 with
/// none) at 2.5× the CPU of none over the whole set; two, 1.4×; one, 1.25× and 76 of 80.
pub const RELOOK_LOOKS: usize = 2;

/// What one frame cost.
#[derive(Debug, Default)]
struct Work {
    passes: u32,
    landmarks: Duration,
    detector: Duration,
    detector_ran: bool,
    detector_runs: u32,
    crop: Duration,
}

/// Detector + landmark model, with the track carried from frame to frame.
#[derive(Debug, Clone)]
pub struct HandFinder {
    detector: PalmDetector,
    /// Carry the crop to the next frame; `false` runs the detector on every frame.
    tracking: bool,
    /// The crops of the hands tracked into the next frame.
    next: Vec<RotatedRect>,
    no_hand: usize,
    /// Hands looked for at once (1 or 2).
    max_hands: usize,
    /// Whether frames are mirror images (selfie view), for the hands' sides.
    mirror: bool,
    /// While fewer hands than `max_hands` are tracked, the detector looks for another on one
    /// frame in this many.
    more_every: u32,
    /// Frames left before the detector looks for one more hand beside the tracked ones.
    more_skip: u32,
    /// While no hand is in view, the detector runs on one frame in this many.
    idle_every: u32,
    /// Frames left to skip before the detector runs again.
    idle_skip: u32,
    /// Frames left in which a hand just lost is looked for on every frame, not idly: a hand that
    /// outran the tracker (a swipe, a wave) is found again where it went, within one idle period
    /// or `relook_for` frames, whichever is longer.
    relook: u32,
    relook_for: u32,
    /// Which extra look the next relooking frame takes.
    relook_turn: usize,
    /// Further views the detector looks at when the whole frame shows no hand.
    second_look: Vec<View>,
    /// A second detector (MediaPipe's full palm detector) that looks at the same squares when
    /// this one found no hand in any of them.
    second_opinion: Option<PalmDetector>,
    /// After a detection: a second landmark pass on the crop the first pass's landmarks give.
    refine: bool,
    /// With it, the second look and second opinion run only when the view changed since they
    /// last ran ([`super::change`]).
    on_change: Option<super::change::ViewChange>,
    /// With tracking: whether the whole view changed since the last frame (a new scene), where
    /// the hands are looked for afresh instead of where they were.
    cuts: super::change::Cuts,
    /// Set while the detector runs on a frame, for [`super::workers`] (which holds the next
    /// frame back rather than have it look for the same hand with the detector too).
    detecting: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
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
            Some(no_hand) if classifier.has_landmarks() => Ok(Self {
                detector,
                tracking,
                next: Vec::new(),
                no_hand,
                max_hands: 1,
                mirror: false,
                more_every: 1,
                more_skip: 0,
                idle_every: 1,
                idle_skip: 0,
                relook: 0,
                relook_for: 0,
                relook_turn: 0,
                second_look: Vec::new(),
                second_opinion: None,
                refine: false,
                on_change: None,
                cuts: Default::default(),
                detecting: None,
            }),
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

    /// A hand just lost is looked for on every frame for at least `frames` frames (else for one
    /// idle period): as long as what it was doing may go on (a motion bridges a hand lost in a
    /// blur for [`crate::motion::path::MAX_GAP`]).
    pub fn with_relook(mut self, frames: u32) -> Self {
        self.relook_for = frames;
        self
    }

    /// When the whole frame shows no hand, the detector looks again at these views, in order,
    /// until one gives a hand (each costs one more detector run, on such frames only).
    pub fn with_second_look(mut self, views: Vec<View>) -> Self {
        self.second_look = views;
        self
    }

    /// After the detector found a hand: run the landmark model again on the crop its landmarks
    /// give (as tracking would on the next frame) and keep that pass when it sees a hand. One
    /// more landmark pass per detected hand.
    pub fn with_refine(mut self, refine: bool) -> Self {
        self.refine = refine;
        self
    }

    /// When the detector finds no hand the landmark model takes in any square it looks at,
    /// `detector` looks at the same squares (on such frames only).
    pub fn with_second_opinion(mut self, detector: Option<PalmDetector>) -> Self {
        self.second_opinion = detector;
        self
    }

    /// The second look and second opinion only when the view changed since they last ran (an
    /// empty room that stays as it is pays for them once), and at most once in `gap` frames;
    /// `false` (the default): whenever the detector finds no hand.
    /// With `on_change`, at most once in `gap` frames (see [`super::change::MIN_INTERVAL`]).
    pub fn with_extra_looks_on_change(mut self, on_change: bool, gap: u32) -> Self {
        self.on_change = on_change.then(|| super::change::ViewChange::new(gap));
        self
    }

    /// Looks for up to `hands` hands (1 or 2; more are taken as 2).
    pub fn with_max_hands(mut self, hands: usize) -> Self {
        self.max_hands = hands.clamp(1, 2);
        self
    }

    /// Frames are mirror images (a selfie view): the hands' sides are read accordingly.
    pub fn with_mirror(mut self, mirror: bool) -> Self {
        self.mirror = mirror;
        self
    }

    /// With tracking and `max_hands` 2: while one hand is tracked, look for a second on one
    /// frame in `frames` (see [`idle_frames`]); 1 (the default) = every frame.
    pub fn with_more_every(mut self, frames: u32) -> Self {
        self.more_every = frames.max(1);
        self
    }

    /// Whether frames are mirror images.
    pub fn mirror(&self) -> bool {
        self.mirror
    }

    /// How often it looks for one more hand beside the tracked ones (frames).
    pub fn more_every(&self) -> u32 {
        self.more_every
    }

    /// How many hands it looks for.
    pub fn max_hands(&self) -> usize {
        self.max_hands
    }

    /// While no hand is in view, the detector runs on one frame in this many.
    pub fn idle_every(&self) -> u32 {
        self.idle_every
    }

    /// No hand in view after the detector ran: with tracking, skip the next `idle_every − 1`
    /// frames.
    fn start_idling(&mut self) {
        if self.tracking && self.relook == 0 {
            self.idle_skip = self.idle_every - 1;
        }
    }

    /// Forgets the track: the next frame starts with the detector.
    pub fn reset(&mut self) {
        self.next.clear();
        self.idle_skip = 0;
        self.relook = 0;
        self.more_skip = 0;
    }

    /// Whether a hand is being tracked into the next frame.
    pub fn tracking(&self) -> bool {
        !self.next.is_empty()
    }

    /// Whether it carries hands from frame to frame at all (`false`: the detector on every
    /// frame, each frame on its own).
    pub fn carries_tracks(&self) -> bool {
        self.tracking
    }

    /// Finds the hands in `frame` (up to `max_hands`) and classifies them.
    pub fn process(&mut self, frame: &RgbImage, classifier: &Classifier) -> Result<Found> {
        self.process_or_take_over(frame, classifier, &mut || None)
    }

    /// As [`Self::process`], for a copy of the finder that started on this frame while earlier
    /// frames were still worked on ([`super::workers`]): when the hands it tracked into the frame
    /// are lost, before the detector runs, `newer` may give the state the earlier frames left
    /// (waiting for them), and the frame starts again from it — as one finder doing every
    /// frame would have — instead of looking for the same hand with the detector twice.
    pub fn process_or_take_over(&mut self, frame: &RgbImage, classifier: &Classifier, newer: &mut dyn FnMut() -> Option<HandFinder>) -> Result<Found> {
        let mut work = Work::default();
        self.find(frame, classifier, &mut work, newer)
    }

    fn find(&mut self, frame: &RgbImage, classifier: &Classifier, work: &mut Work, newer: &mut dyn FnMut() -> Option<HandFinder>) -> Result<Found> {
        if let Some(c) = self.on_change.as_mut() {
            c.tick();
        }
        let mut hands: Vec<Seen> = Vec::new();
        let mut rejected: Option<Seen> = None;
        // A new scene ([`super::change::Cuts`]): where the hands were says little about where
        // they are, so the detector looks first, and the tracked crops are tried only when it
        // finds no hand (a hand that came close enough to fill the view).
        let step = if self.tracking { self.cuts.step(frame) } else { super::change::Step::Changed };
        let cut = step == super::change::Step::Cut && !self.next.is_empty();
        if cut {
            rejected = self.detect(frame, classifier, &mut hands, work)?;
            if !hands.is_empty() {
                self.next.clear();
            }
        }
        let passes_before = work.passes;
        for rect in std::mem::take(&mut self.next) {
            let first = self.look(frame, classifier, rect, None, work)?;
            // An unsure pass on the tracked crop: the hand moved or changed inside it (the next
            // photograph, a fast move); the crop its landmarks give fits it better.
            let (prediction, view) = self.refined(frame, classifier, rect, first, None, work)?;
            if view.landmarks.is_some() && !hands.iter().any(|h| h.view.crop.overlap(&view.crop) > SAME_HAND_OVERLAP) {
                hands.push(Seen { prediction, view });
            }
        }
        let tracked = work.passes - passes_before;
        if tracked > 0
            && hands.is_empty()
            && let Some(state) = newer()
        {
            // The pass just made counts in this frame's work; its answer does not.
            let detecting = self.detecting.take();
            *self = HandFinder { detecting, ..state };
            return self.find(frame, classifier, work, &mut || None);
        }
        // Lost on this frame, or within the relook time of it: looked for on every frame.
        let lost_now = tracked > 0 && hands.is_empty();
        let relooking = lost_now || self.relook > 0;
        self.relook = if lost_now { self.idle_every.max(self.relook_for) } else { self.relook.saturating_sub(1) };
        if lost_now {
            self.relook_turn = 0;
        }
        if hands.is_empty() {
            if tracked == 0 && self.tracking && self.idle_skip > 0 {
                // No hand in view on the last frames: this one is skipped (see `with_idle_every`).
                self.idle_skip -= 1;
            } else {
                if !cut {
                    rejected = self.detect(frame, classifier, &mut hands, work)?;
                }
                if hands.is_empty() {
                    let more = self.extra_looks(frame, classifier, &mut hands, work, relooking)?;
                    rejected = rejected.or(more);
                }
                if hands.is_empty() {
                    // No view gave a hand the landmark model takes (no palm, or a palm it
                    // rejects: no hand, or one turned too far): idle.
                    self.start_idling();
                }
            }
        } else if hands.len() < self.max_hands && !cut {
            if self.tracking && self.more_skip > 0 {
                self.more_skip -= 1;
            } else {
                self.detect(frame, classifier, &mut hands, work)?;
                if self.tracking {
                    self.more_skip = self.more_every - 1;
                }
            }
        }
        if let [a, b] = &mut hands[..] {
            settle((&mut a.view.side, a.prediction.handedness), (&mut b.view.side, b.prediction.handedness));
        }
        if self.tracking {
            self.next = hands.iter().filter_map(|h| h.view.landmarks.as_deref().and_then(RotatedRect::from_landmarks)).collect();
            if self.next.is_empty() && work.detector_ran {
                self.start_idling();
            }
        }
        let mut hands = hands.into_iter();
        let (mut prediction, hand) = match hands.next().or(rejected) {
            Some(first) => (first.prediction, Some(first.view)),
            None => (self.nothing(classifier), None),
        };
        // The first hand's prediction carries the time of every landmark pass on the frame.
        prediction.inference = work.landmarks;
        if let Some(d) = &self.detecting {
            d.store(false, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(Found {
            prediction,
            hand,
            others: hands.collect(),
            detector_ran: work.detector_ran,
            detector_runs: work.detector_runs,
            detector: work.detector,
            landmark_passes: work.passes,
            crop: work.crop,
            step,
        })
    }

    /// Raises `flag` while the detector runs on a frame (until the frame is done).
    pub fn with_detecting_flag(mut self, flag: std::sync::Arc<std::sync::atomic::AtomicBool>) -> Self {
        self.detecting = Some(flag);
        self
    }

    /// The detector in use.
    pub fn detector(&self) -> &PalmDetector {
        &self.detector
    }
}
