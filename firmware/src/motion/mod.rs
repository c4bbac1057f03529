//! Motion gestures: swipes, waves, circles and pushes, from the path of each tracked hand.
//!
//! ```text
//! each frame's hands (palm centre, size, pose) → [`path`]: one history per hand, cut into
//!   movements (moving, then still or lost) → [`shape`]: what a finished movement was
//!   → a [`MotionEvent`] (once per movement; a short refractory time after it)
//! ```
//!
//! Deterministic and small: no model, a few hundred arithmetic operations a frame. It runs after
//! the hand finder, on what tracking already gives (the landmarks in frame pixels), so it costs no
//! network pass. Time is the video's (a replay's frame rate, a camera's clock).

pub mod path;
pub mod shape;
pub mod taught;

pub use path::{Movement, Sample};
pub use shape::Motion;

use crate::hand::Side;
use crate::hand::change::Step;

/// After a motion, the same hand's next movement counts only if it starts this much later
/// (seconds): the hand going back after a swipe is not a swipe the other way.
pub const REFRACTORY: f64 = 0.5;

/// A hand newly found is followed this long (seconds) before its path counts: the tracker's crop
/// settles on it over its first frames, and the hand's measured size grows as it does (a push that
/// is not one). For the same reason a push does not count if it began within this time of the
/// detector finding the hand again (a hand re-found elsewhere keeps its path: a swipe faster than
/// the tracker).
pub const SETTLE: f64 = 0.5;

/// A hand the detector has just found counts as settled from the first frame on which its
/// measured size changes by less than this (natural log, one frame to the next) — or
/// [`SETTLE_LONGEST`] after it was found — and a push that began before then is none. From a
/// poor first box the tracker's crop grows by a tenth a frame until it fits: on `held130-10`
/// sequence 109, a still hand the detector boxed at 35 pixels for 82, its measured size grew
/// 36 → 80 over 0.9 s (steps of 0.06–0.15 a frame, then 0.02), longer than [`SETTLE`], and made a
/// push. A still hand's size changes by at most 0.01 a frame once the crop fits it.
pub const SETTLED_STEP: f64 = 0.03;
/// The longest a hand just found is taken to be settling (seconds; see [`SETTLED_STEP`]).
pub const SETTLE_LONGEST: f64 = 1.5;

/// A hand whose measured size changes from one frame to the next faster than this (natural log
/// of the size, per second: 5 is ×1.65 in a tenth of a second), and by more than
/// [`GLITCH_STEP`], may have been measured wrongly on the second: that frame is left out of its
/// path if the next is back at the size before it, and kept if not. Twice the fastest push's rate
/// (the generator's: ×1.65 in 0.3 s, peaking at 2.5 a second). Seen on a swipe's blurred frame
/// whose landmarks gave a hand half its size, off its line (`target/motion/sw-10`, sequence 34).
/// Kept when the size stays: a new photograph under a tracked hand (the held `hands-frames`)
/// changes it for good, and left out, the next frame's size across the gap read as a push (2
/// false motions in their 4.65 minutes, 0 kept). A pose changing changes the measured size on
/// one frame by less (×1.4 in the tests' drawn paths, which [`shape`]'s size-jump rule keeps from
/// a push).
pub const GLITCH: f64 = 5.0;
/// The least size ratio from one frame to the next that [`GLITCH`] doubts.
pub const GLITCH_STEP: f64 = 1.6;

/// How far apart two samples' sizes are: the natural log of their ratio, either way.
fn size_step(a: &Sample, b: &Sample) -> f64 {
    (b.size.max(1.0) / a.size.max(1.0)).ln().abs() as f64
}

/// A recognised motion.
#[derive(Debug, Clone, PartialEq)]
pub struct MotionEvent {
    pub motion: Motion,
    /// The hand that made it, when the model tells sides.
    pub side: Option<Side>,
    /// The pose seen during most of it (label index).
    pub pose: Option<usize>,
    /// When it started and ended (video time, seconds).
    pub start: f64,
    pub end: f64,
    /// 0.5 (just over the rule's line) to 1 (far over it); see [`shape::classify`].
    pub confidence: f32,
}

/// One hand in view on a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HandAt {
    pub side: Option<Side>,
    /// Palm centre and size, frame pixels.
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub pose: Option<usize>,
    /// Found by the palm detector on this frame (not carried by tracking).
    pub detected: bool,
}

impl HandAt {
    /// From 21 landmarks in frame pixels (MediaPipe's order): the palm's centre (wrist and the
    /// four knuckles) and the wrist-to-middle-knuckle length. `None` with fewer points.
    pub fn from_landmarks(points: &[[f32; 2]], side: Option<Side>, pose: Option<usize>, detected: bool) -> Option<Self> {
        let palm = [0usize, 5, 9, 13, 17];
        let p: Vec<[f32; 2]> = palm.iter().map(|&i| points.get(i).copied()).collect::<Option<_>>()?;
        let x = p.iter().map(|q| q[0]).sum::<f32>() / 5.0;
        let y = p.iter().map(|q| q[1]).sum::<f32>() / 5.0;
        let size = (p[0][0] - p[2][0]).hypot(p[0][1] - p[2][1]).max(1.0);
        Some(Self { side, x, y, size, pose, detected })
    }
}

/// Every hand's path and the motions they make.
#[derive(Debug, Clone)]
pub struct Motions {
    /// The frames are mirror images (left and right, clockwise, swap).
    mirror: bool,
    /// Up to two hands: by side when the model tells it, else by nearness.
    hands: Vec<Hand>,
    /// Taught motions, looked for before the built-in ones.
    taught: std::sync::Arc<[taught::TaughtMotion]>,
    /// Nothing in view moved on the next frame (see [`Motions::view`]).
    still: bool,
    /// The last frame's time.
    previous: Option<f64>,
}

#[derive(Debug, Clone)]
struct Hand {
    side: Option<Side>,
    /// When it was first seen, and last found by the detector.
    since: f64,
    detected: f64,
    /// When its measured size first held steady after that ([`SETTLED_STEP`]).
    settled: Option<f64>,
    /// Where the tracker measured it on the last frame it was seen.
    measured: Option<Sample>,
    path: path::Path,
    /// Where it was last seen (`t`: when).
    last: Option<Sample>,
    quiet_until: f64,
    /// The movement as it was when the hand was lost, when it made a built-in motion but waited
    /// for the rest of a taught one (see [`Motions::push`]).
    waited: Option<Movement>,
    /// The last frame's sample, when its size was far off the one before ([`GLITCH`]), and
    /// whether the detector found it: kept or left out on the next frame.
    doubt: Option<(Sample, bool)>,
    /// Where the tracker measured the hand on the last frame, when nothing in view moved and the
    /// hand was held where it was before.
    held: Option<Sample>,
}

impl Motions {
    pub fn new(mirror: bool) -> Self {
        Self { mirror, hands: Vec::new(), taught: std::sync::Arc::new([]), still: false, previous: None }
    }

    /// With taught motions too: a movement that matches one of them is it, whatever built-in
    /// motion it might also be.
    pub fn with_taught(mut self, taught: std::sync::Arc<[taught::TaughtMotion]>) -> Self {
        self.taught = taught;
        self
    }

    /// How the view changed since the last frame, told before that frame's [`Motions::push`]. A
    /// new scene ([`Step::Cut`]: the next photograph of a folder, a cut in a video, the camera
    /// turned) ends every path without a motion, and the hands in it are new hands (followed
    /// [`SETTLE`] before their paths count). When nothing in view moved ([`Step::Still`]: a frame
    /// repeated, a photograph held) each hand stays where it was last seen. In both the tracker's
    /// crop moves (carried into another picture, or settling on a hand over a few frames) while no
    /// hand does: on the held photographs of `hands-frames` the measured size grew as in a push.
    pub fn view(&mut self, step: Step) {
        match step {
            Step::Cut => self.hands.clear(),
            Step::Still => self.still = true,
            Step::Changed => {}
        }
    }

    /// The hands in view at video time `t` (seconds); the motions that ended on this frame.
    pub fn push(&mut self, t: f64, seen: &[HandAt]) -> Vec<MotionEvent> {
        let mut events = Vec::new();
        let still = std::mem::take(&mut self.still);
        let previous = self.previous.replace(t);
        let mut used = vec![false; self.hands.len()];
        for h in seen {
            let slot = self.slot_for(h, &used);
            let slot = match slot {
                Some(i) => i,
                None => {
                    self.hands.push(Hand {
                        side: h.side,
                        since: t,
                        detected: t,
                        settled: None,
                        measured: None,
                        path: path::Path::default(),
                        last: None,
                        quiet_until: 0.0,
                        waited: None,
                        doubt: None,
                        held: None,
                    });
                    used.push(false);
                    self.hands.len() - 1
                }
            };
            used[slot] = true;
            let hand = &mut self.hands[slot];
            hand.side = h.side.or(hand.side);
            // Held only where it was on the frame before: a hand found again after frames
            // without it is where it is now (found at the end of a swipe, with nothing moving).
            let measured = Sample { t, x: h.x, y: h.y, size: h.size, pose: h.pose };
            // Measured, not as held on a still view: the crop settling on a held photograph grows
            // the hand as much.
            let steady = hand.measured.replace(measured).is_some_and(|was| size_step(&was, &measured) < SETTLED_STEP);
            let at = match hand.last {
                Some(was) if still && Some(was.t) == previous => Sample { t, pose: h.pose, ..was },
                _ => measured,
            };
            log::trace!(
                "hand at {t:.2} s: measured {:.0},{:.0} size {:.1}; on the path {:.0},{:.0} size {:.1}{}",
                measured.x,
                measured.y,
                measured.size,
                at.x,
                at.y,
                at.size,
                if still { " (a still view)" } else { "" }
            );
            // After a held frame, the hand's next step is measured from where the tracker saw it
            // on that frame, not from where it was held: the crop settling on a hand that had just
            // stopped moved it 16 pixels over the two frames (`dev140-10` sequence 86), and from
            // the held place that step read as a swipe going on.
            if let Some(seen) = std::mem::replace(&mut hand.held, (at != measured).then_some(measured))
                && !still
            {
                hand.path.remeasured(seen);
            }
            // Landmarks that collapsed on a blurred frame (the hand measured half its size, in
            // another place): that frame waits for the next one to tell. Back at the size from
            // before it, it was a measurement gone wrong and is left out of the path, as if the
            // hand were lost on it; else the hand did change (a new picture, another hand), and
            // both frames go on the path as they came.
            if let Some(was) = hand.last
                && Some(was.t) == previous
                && size_step(&was, &at) > (GLITCH * (t - was.t)).max(GLITCH_STEP.ln())
            {
                hand.doubt = Some((at, h.detected));
                continue;
            }
            let far = |a: &Sample, b: &Sample| size_step(a, b) > GLITCH_STEP.ln();
            let back = |d: &Sample| hand.last.is_some_and(|was| !far(&was, &at)) && far(d, &at);
            let doubt = hand.doubt.take().filter(|(d, _)| !back(d));
            for (at, detected) in doubt.into_iter().chain([(at, h.detected)]) {
                hand.last = Some(at);
                if detected {
                    hand.detected = at.t;
                    hand.settled = None;
                    hand.path.settling_until(at.t + SETTLE);
                } else if steady && hand.settled.is_none() {
                    hand.settled = Some(at.t);
                }
                if at.t - hand.since < SETTLE {
                    continue;
                }
                let mut ended = hand.path.push(at);
                // Found again after frames it was lost on (a fast hand blurs), with a movement that
                // already makes a motion: said now, as when the hand is lost, not after it has
                // been still (a swipe whose hand is found after its end was said 400 ms late).
                if ended.is_none() && hand.path.refound() && Self::made_so_far(hand, self.mirror, &self.taught).is_some_and(|(_, waits)| !waits) {
                    ended = hand.path.end_now();
                }
                events.extend(ended.and_then(|m| Self::judge(hand, &m, self.mirror, &self.taught)));
            }
        }
        // Hands not seen on this frame: a movement that already makes a motion ends now (a hand
        // swiped out of view, or faster than the tracker: said at once, not a gap later) unless
        // it may be the start of a taught motion (a letter's first stroke, the hand lost in the
        // blur); the rest wait for the hand to come back, until it has been gone too long.
        for (i, hand) in self.hands.iter_mut().enumerate() {
            if used[i] || hand.last.is_none() {
                continue;
            }
            hand.doubt = None;
            let gone = hand.last.is_some_and(|seen| t - seen.t > path::MAX_GAP);
            let made = Self::made_so_far(hand, self.mirror, &self.taught);
            let done = made.as_ref().is_some_and(|(_, waits)| !waits);
            if let Some((m, true)) = made {
                hand.waited = Some(m);
            }
            if gone || done {
                hand.last = None;
                let ended = hand.path.lose();
                events.extend(ended.and_then(|m| Self::judge(hand, &m, self.mirror, &self.taught)));
            }
        }
        self.hands.retain(|h| h.last.is_some());
        events
    }

    /// The slot of the hand `h` continues: the one of the same side, else the only one not yet
    /// taken (a side read wrongly on a blurred frame does not start a new path), else the nearest.
    fn slot_for(&self, h: &HandAt, used: &[bool]) -> Option<usize> {
        let free: Vec<usize> = (0..self.hands.len()).filter(|&i| !used[i]).collect();
        if let Some(&i) = h.side.and_then(|side| free.iter().find(|&&i| self.hands[i].side == Some(side))) {
            return Some(i);
        }
        if let [only] = free[..] {
            return Some(only);
        }
        free.into_iter().filter_map(|i| self.hands[i].last.map(|l| (i, (l.x - h.x).hypot(l.y - h.y)))).min_by(|a, b| a.1.total_cmp(&b.1)).map(|(i, _)| i)
    }

    /// The hand's movement in progress, when it already makes a built-in motion, and whether it
    /// waits for more: it may be the start of a taught motion, and a bent swipe may be half a
    /// circle, lost on its fast side.
    fn made_so_far(hand: &Hand, mirror: bool, taught: &[taught::TaughtMotion]) -> Option<(Movement, bool)> {
        let m = hand.path.in_progress().filter(|m| m.start() >= hand.quiet_until)?;
        let (motion, _) = shape::classify(&m, mirror)?;
        let waits = (motion.is_swipe() && shape::curves(&m)) || taught.iter().any(|t| t.may_go_on(&m, mirror));
        Some((m, waits))
    }

    fn judge(hand: &mut Hand, m: &Movement, mirror: bool, taught: &[taught::TaughtMotion]) -> Option<MotionEvent> {
        // What the movement made when the hand was lost, if it waited (the same movement: it
        // starts where this one does).
        let waited = hand.waited.take().filter(|w| w.start() == m.start());
        if m.start() < hand.quiet_until {
            return None;
        }
        if log::log_enabled!(log::Level::Debug) {
            for t in taught {
                let d = t.distance(m, mirror).map_or("its length is out of reach".into(), |d| format!("distance {d:.3}"));
                log::debug!("movement {:.2}–{:.2} s ({} samples): {} {d}, threshold {:.3}", m.start(), m.end(), m.samples.len(), t.name, t.threshold);
            }
        }
        let taught = taught::classify(taught, m, mirror).map(|(i, confidence)| (Motion::named(&taught[i].name), confidence));
        // A movement that waited for a taught motion, at least half of whose steps are across
        // frames the hand was lost on, is too little seen to tell a swipe from that motion's
        // strokes with the rest lost in the blur: no built-in motion is said from it
        // (`z33-10` sequences 4, 6 and 13, `z-test-10` 5 and 16: a Z's top stroke seen at two to
        // four places, the hand then gone; said as swipes once a movement's frame interval no
        // longer came from its own few samples). Without taught motions only a bent swipe waits
        // (for its circle), and the rule holds for it too: a bend seen at three places, two of
        // them across lost frames, is as little seen.
        let built_in = |m: &Movement| if waited.is_some() && mostly_lost(m) { None } else { shape::classify(m, mirror) };
        let whole = taught.or_else(|| built_in(m)).map(|found| (found, m));
        // A movement that waited for a taught motion and made neither it nor anything else is
        // what it made when the hand was lost (a circle whose hand came back off its round).
        let ((motion, confidence), m) = whole.or_else(|| waited.as_ref().and_then(|w| built_in(w).map(|found| (found, w))))?;
        if motion == Motion::Push && shape::push_path(m).first().map_or(m.start(), |p| p.t) < hand.settled_at() {
            return None;
        }
        hand.quiet_until = m.end() + REFRACTORY;
        Some(MotionEvent { motion, side: hand.side, pose: m.pose(), start: m.start(), end: m.end(), confidence })
    }
}

impl Hand {
    /// When the hand counts as settled since the detector last found it: [`SETTLE`] after it was
    /// found at the soonest, when its size held steady, [`SETTLE_LONGEST`] after at the latest.
    fn settled_at(&self) -> f64 {
        let found = self.detected;
        self.settled.map_or(found + SETTLE_LONGEST, |t| t.min(found + SETTLE_LONGEST)).max(found + SETTLE)
    }
}

/// Whether at least half of `m`'s steps are across frames the hand was lost on.
fn mostly_lost(m: &Movement) -> bool {
    let lost = m.lost_steps();
    lost.iter().filter(|&&l| l).count() * 2 >= lost.len()
}

#[cfg(test)]
mod tests;
