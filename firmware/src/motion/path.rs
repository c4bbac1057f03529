//! One hand's path, cut into movements: a time-stamped history of where the hand is (palm
//! centre, in frame pixels) and how big (wrist to the middle finger's knuckle), and the rule that
//! says when a movement starts and ends.
//!
//! Speeds are in hand sizes per second, measured over at least [`BASELINE`] of time (so that a
//! few pixels of landmark jitter between two frames at 30 frames/s do not read as movement), and
//! a movement ends when the hand has been still for [`STILL_END`], or is lost for longer than
//! [`MAX_GAP`] (a fast swipe blurs, and the tracker can lose the hand for all of its middle: the
//! hand found again soon after, further along, is the same movement). Frames the hand was lost
//! on count as neither moving nor still: a waving hand lost at one turn and found at the next has
//! gone and come back, though the average speed across the gap is slow.

use std::collections::VecDeque;

/// A hand at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Video time, seconds.
    pub t: f64,
    /// Palm centre, frame pixels.
    pub x: f32,
    pub y: f32,
    /// Hand size in frame pixels (wrist to the middle finger's knuckle).
    pub size: f32,
    /// The pose the model saw (label index), if any.
    pub pose: Option<usize>,
}

/// Faster than this (hand sizes per second) is movement.
pub const MOVING: f32 = 2.0;
/// Growing or shrinking faster than this (natural log of the size, per second) is movement too:
/// a hand coming towards the camera.
pub const GROWING: f32 = 0.6;
/// Growing steadily faster than this (natural log of the size, per second) over [`SUSTAINED`]
/// starts a movement too: a slow push, no frame of which grows faster than [`GROWING`]. A push grows the
/// hand at least 1.25× (`shape::PUSH_GROWTH`); made in a second, eased in and out, its middle
/// grows at about this rate. (`dev141-10` sequence 56: 54 → 76 pixels over 0.7 s, no frame over
/// 0.6, so no movement started and the push was missed.)
pub const GROWING_STEADILY: f32 = 0.3;
/// …over this much time, growing over each half of it: landmark jitter does not grow a hand's
/// measured size steadily, frame after frame.
pub const SUSTAINED: f64 = 0.3;
/// Speeds are measured over at least this much time.
pub const BASELINE: f64 = 0.09;
/// A movement ends after the hand has been still this long (two frames at 10 frames/s: a wave
/// slows to a stop at each turn, for one frame at that rate).
pub const STILL_END: f64 = 0.15;
/// A step between samples longer than this many frame intervals is one across frames the
/// hand was lost on (as `shape` counts them).
pub const LOST_STEP: f64 = 1.5;
/// A hand lost for longer than this ends its movement and its history: the longest swipe
/// (0.7 s) lost from its first frame to its last.
pub const MAX_GAP: f64 = 0.7;
/// A movement whose hand has been further than this from where it started (hand sizes) is no
/// push (a push moves it sideways at most as far, `shape::PUSH_SIDEWAYS`): its size changing does
/// not keep it going, only its speed does.
pub const TRAVELLED: f32 = 1.2;
/// A movement longer than this is no gesture (a hand carried about): it is dropped.
pub const LONGEST: f64 = 4.0;
/// A movement keeps this much of the hand's path before it started (seconds): a slow push's
/// first growth, under [`GROWING`] while the tracker's measured size lags the hand.
pub const LEAD: f64 = 0.5;

/// A finished movement: its samples, from the last still one before it to the last moving one.
#[derive(Debug, Clone, PartialEq)]
pub struct Movement {
    pub samples: Vec<Sample>,
    /// The hand before it started, up to [`LEAD`] back, without gaps (oldest first).
    pub lead: Vec<Sample>,
    /// Whether it ended because the hand was lost (rather than held still).
    pub lost: bool,
}

impl Movement {
    pub fn start(&self) -> f64 {
        self.samples.first().map_or(0.0, |s| s.t)
    }
    pub fn end(&self) -> f64 {
        self.samples.last().map_or(0.0, |s| s.t)
    }
    /// The time between frames (seconds): the median step from sample to sample over the lead
    /// and the movement. The lead counts too: a movement whose hand was lost for most of it has
    /// few samples, most of them steps across frames it was lost on (`fix126-10` sequence 138: a
    /// swipe-up whose hand was found again at its end, two samples 0.6 s apart, was taken for
    /// one frame's jump until the hand had been still for 0.2 s, and said 400 ms after its end).
    pub fn frame(&self) -> f64 {
        let mut steps: Vec<f64> = self.lead.iter().chain(&self.samples).map(|s| s.t).collect::<Vec<_>>().windows(2).map(|w| w[1] - w[0]).collect();
        steps.sort_by(f64::total_cmp);
        steps.get(steps.len() / 2).copied().unwrap_or(0.0)
    }
    /// For each step between its samples, whether it is across frames the hand was lost on
    /// (longer than [`LOST_STEP`] frame intervals).
    pub fn lost_steps(&self) -> Vec<bool> {
        let frame = self.frame();
        self.samples.windows(2).map(|w| w[1].t - w[0].t > LOST_STEP * frame).collect()
    }
    /// The median hand size over the movement (pixels).
    pub fn size(&self) -> f32 {
        let mut sizes: Vec<f32> = self.samples.iter().map(|s| s.size).collect();
        sizes.sort_by(f32::total_cmp);
        sizes.get(sizes.len() / 2).copied().unwrap_or(1.0).max(1.0)
    }
    /// The pose seen on most of its samples.
    pub fn pose(&self) -> Option<usize> {
        let mut counts: Vec<(usize, usize)> = Vec::new();
        for p in self.samples.iter().filter_map(|s| s.pose) {
            match counts.iter_mut().find(|(q, _)| *q == p) {
                Some((_, n)) => *n += 1,
                None => counts.push((p, 1)),
            }
        }
        counts.into_iter().max_by_key(|&(_, n)| n).map(|(p, _)| p)
    }
}

/// One hand's recent samples and the movement in progress.
#[derive(Debug, Clone, Default)]
pub struct Path {
    recent: VecDeque<Sample>,
    /// The hand's last [`LEAD`] of samples while no movement is in progress.
    before: VecDeque<Sample>,
    /// The movement in progress: its samples so far, how long the hand has been still, and its
    /// lead.
    moving: Option<(Vec<Sample>, f64, Vec<Sample>)>,
    /// The shortest time between two samples yet (seconds): the frame interval, so that a longer
    /// step is one across frames the hand was lost on.
    frame: f64,
    /// Until then (video time) growth is not movement: see [`Path::settling_until`].
    settling: f64,
}

impl Path {
    /// Adds where the hand is now; returns the movement this sample ended, if any.
    pub fn push(&mut self, s: Sample) -> Option<Movement> {
        let ended = match self.recent.back() {
            Some(last) if s.t - last.t > MAX_GAP => self.lose(),
            _ => None,
        };
        if let Some(last) = self.recent.back() {
            let dt = s.t - last.t;
            if dt > 0.0 && (self.frame == 0.0 || dt < self.frame) {
                self.frame = dt;
            }
        }
        self.recent.push_back(s);
        while self.recent.len() > 2 && s.t - self.recent[1].t >= BASELINE {
            self.recent.pop_front();
        }
        let (fast, growth) = self.movement_now();
        let moving = fast || (growth.abs() > GROWING && s.t >= self.settling);
        // Steady growth starts a movement; it does not keep one going: the measured size creeps
        // on for a few frames after a push (the crop settling on the nearer hand), and that held
        // pushes open 400 ms after their end (`dev141-10` sequences 67, 80, 109).
        let starts = moving || (self.moving.is_none() && s.t >= self.settling && self.grows_steadily(&s));
        match &mut self.moving {
            None if starts => {
                // From where its speed was measured from (the baseline's first sample): where the
                // movement started. At 15 frames/s and more that is two or more frames back.
                let samples: Vec<Sample> = self.recent.iter().copied().collect();
                let lead = self.before.drain(..).filter(|b| b.t < samples[0].t).collect();
                self.moving = Some((samples, 0.0, lead));
            }
            None => {
                // Without gaps: a step across frames the hand was lost on starts it again.
                if self.before.back().is_some_and(|b| s.t - b.t > LOST_STEP * self.frame) {
                    self.before.clear();
                }
                self.before.push_back(s);
                while self.before.front().is_some_and(|b| s.t - b.t > LEAD) {
                    self.before.pop_front();
                }
            }
            Some((samples, still, _)) => {
                // Growing back to the size it started at is the hand's measured size recovering
                // from the blur of a fast move (`test90-10` sequence 86: 89 pixels at the start
                // of a swipe, 61 at its end, then 72, 82, 84, 86, 87 over 0.4 s with nothing
                // moving), not more of the movement.
                let recovering = growth > 0.0 && samples.first().is_some_and(|f| s.size < f.size);
                // Once the hand has travelled, only its speed keeps the movement going: the
                // measured size of a hand that has just stopped from a fast move wobbles by 5–15 %
                // a frame as the tracker's crop settles (`dev140-15` sequence 104: 63, 55, 59, 61,
                // 63 pixels after a circle, the hand at rest), and that kept the circle going
                // three frames after its end.
                let moving = moving && (fast || !(recovering || travelled(samples) > TRAVELLED));
                let dt = samples.last().map_or(0.0, |l| s.t - l.t);
                samples.push(s);
                // Across frames the hand was lost on, a slow average says nothing of stillness:
                // a waving hand lost at one turn and found at the next has gone and come back.
                *still = match (moving, dt > LOST_STEP * self.frame) {
                    (true, _) => 0.0,
                    (false, true) => *still,
                    (false, false) => *still + dt,
                };
                if *still >= STILL_END {
                    // With the still samples at its end: where the hand came to rest.
                    let (samples, _, lead) = self.moving.take()?;
                    return finish(samples, lead, false).or(ended);
                }
                if samples.first().is_some_and(|f| s.t - f.t > LONGEST) {
                    self.moving = None;
                }
            }
        }
        ended
    }

    /// The detector has just found the hand: until `t` its measured size grows as the tracker's
    /// crop settles on it, with nothing moving, and growth alone neither starts nor prolongs a
    /// movement. (A hand found again at the end of a swipe it outran kept its swipe going for
    /// 0.4 s more while its size settled from 46 to 61 pixels: `sw-10` sequence 13.)
    pub fn settling_until(&mut self, t: f64) {
        self.settling = t;
    }

    /// Whether the last sample was the hand found again, with a movement in progress, after
    /// frames it was lost on (a step of more than [`LOST_STEP`] frame intervals).
    pub fn refound(&self) -> bool {
        let Some((samples, _, _)) = &self.moving else { return false };
        match samples[..] {
            [.., a, b] => b.t - a.t > LOST_STEP * self.frame,
            _ => false,
        }
    }

    /// Ends the movement in progress here, as it is (the hand stays followed: its next movement
    /// starts from here).
    pub fn end_now(&mut self) -> Option<Movement> {
        let (samples, _, lead) = self.moving.take()?;
        finish(samples, lead, false)
    }

    /// The last sample was held where the hand was before (nothing in view moved); `s` is where
    /// the tracker measured it. The next speed is measured from there: the crop settling on a hand
    /// that has just stopped is no movement, on the held frame or after it. Its size stays the
    /// held one: on a held photograph the crop settles over several frames (97 → 112 pixels), and
    /// with the settled size the next photograph's hand (124) grew in two steps, a push, where from
    /// the held size it grows in one, a jump (`hands-frames` held ten frames each, photographs 111
    /// and 112).
    pub fn remeasured(&mut self, s: Sample) {
        if let Some(last) = self.recent.back_mut().filter(|l| l.t == s.t) {
            (last.x, last.y) = (s.x, s.y);
        }
    }

    /// The movement in progress, as it would be if it ended now.
    pub fn in_progress(&self) -> Option<Movement> {
        self.moving.as_ref().and_then(|(samples, _, lead)| finish(samples.clone(), lead.clone(), true))
    }

    /// The hand is gone: the movement in progress ends (as lost), the history is cleared.
    pub fn lose(&mut self) -> Option<Movement> {
        self.recent.clear();
        self.before.clear();
        let (samples, _, lead) = self.moving.take()?;
        finish(samples, lead, true)
    }

    /// How the hand moves now, over the baseline (from the oldest recent sample to the newest):
    /// whether faster than [`MOVING`], and how fast its size grows (natural log per second,
    /// negative shrinking).
    fn movement_now(&self) -> (bool, f32) {
        let (Some(a), Some(b)) = (self.recent.front(), self.recent.back()) else { return (false, 0.0) };
        let dt = (b.t - a.t) as f32;
        if dt <= 0.0 {
            return (false, 0.0);
        }
        let size = a.size.max(b.size).max(1.0);
        let speed = (b.x - a.x).hypot(b.y - a.y) / size / dt;
        (speed > MOVING, (b.size.max(1.0) / a.size.max(1.0)).ln() / dt)
    }

    /// Whether the hand's measured size, with no movement under way, grew faster than
    /// [`GROWING_STEADILY`] from [`SUSTAINED`] or more before `b` (the hand now) to `b`, and over
    /// each half of that time, without gaps (read from the lead, [`Path::before`]).
    fn grows_steadily(&self, b: &Sample) -> bool {
        if self.before.back().is_none_or(|last| b.t - last.t > LOST_STEP * self.frame) {
            return false;
        }
        let Some(a) = self.before.iter().rev().find(|p| b.t - p.t >= SUSTAINED - 1e-6) else { return false };
        let dt = b.t - a.t;
        let mid = a.t + dt / 2.0;
        let middle = self.before.iter().filter(|p| p.t >= a.t).min_by(|p, q| (p.t - mid).abs().total_cmp(&(q.t - mid).abs())).unwrap_or(a);
        a.size < middle.size && middle.size < b.size && (b.size.max(1.0) / a.size.max(1.0)).ln() / dt as f32 > GROWING_STEADILY
    }
}

/// How far the hand has been from where `samples` start (in its size there). Not the length of
/// its path: a still hand's landmark jitter adds up along that.
fn travelled(samples: &[Sample]) -> f32 {
    let Some(first) = samples.first() else { return 0.0 };
    samples.iter().map(|s| (s.x - first.x).hypot(s.y - first.y)).fold(0.0, f32::max) / first.size.max(1.0)
}

fn finish(samples: Vec<Sample>, lead: Vec<Sample>, lost: bool) -> Option<Movement> {
    (samples.len() >= 2 && samples.last()?.t - samples.first()?.t <= LONGEST).then_some(Movement { samples, lead, lost })
}
