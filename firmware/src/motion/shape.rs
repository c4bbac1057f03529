//! What a finished movement was: a swipe (left, right, up, down), a wave, a circle (clockwise or
//! not) or a push towards the camera — or none of them. Everything is measured in hand sizes (the
//! movement's median), so near and far hands are judged alike; each rule's numbers were fixed
//! from what the motion is (a swipe goes far, fast and straight; a wave turns back and forth at
//! least three times; a circle turns most of the way round about its centre), before any
//! sequence was run, and are kept here in one place.
//!
//! Directions are the person's own: a camera facing them shows their left on the right of the
//! picture, unless the frames are mirror images (`mirror`), and a circle they draw clockwise turns
//! anticlockwise in the picture.

use super::path::{LOST_STEP, Movement, Sample};

/// The built-in motions, and taught ones ([`super::taught`]) by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Motion {
    SwipeLeft,
    SwipeRight,
    SwipeUp,
    SwipeDown,
    Wave,
    CircleCw,
    CircleCcw,
    Push,
    /// A taught motion: its name (made once per name and kept for the process's life, see
    /// [`Motion::named`]).
    Taught(&'static str),
}

impl Motion {
    pub const ALL: [Motion; 8] =
        [Motion::SwipeLeft, Motion::SwipeRight, Motion::SwipeUp, Motion::SwipeDown, Motion::Wave, Motion::CircleCw, Motion::CircleCcw, Motion::Push];

    /// Its name in configuration files, events and lines.
    pub fn name(self) -> &'static str {
        match self {
            Motion::SwipeLeft => "swipe-left",
            Motion::SwipeRight => "swipe-right",
            Motion::SwipeUp => "swipe-up",
            Motion::SwipeDown => "swipe-down",
            Motion::Wave => "wave",
            Motion::CircleCw => "circle-cw",
            Motion::CircleCcw => "circle-ccw",
            Motion::Push => "push",
            Motion::Taught(name) => name,
        }
    }

    /// A swipe, any way.
    pub fn is_swipe(self) -> bool {
        matches!(self, Motion::SwipeLeft | Motion::SwipeRight | Motion::SwipeUp | Motion::SwipeDown)
    }

    /// A built-in motion by its name.
    pub fn from_name(name: &str) -> Option<Motion> {
        Motion::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The built-in motion of that name, else the taught motion of that name (whether one is
    /// taught is checked where the taught motions are read). Each name is stored once for the
    /// process's life: a configuration names a handful.
    pub fn named(name: &str) -> Motion {
        static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
        if let Some(m) = Motion::from_name(name) {
            return m;
        }
        let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
        let known = names.iter().find(|n| **n == name).copied();
        Motion::Taught(known.unwrap_or_else(|| {
            let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
            names.push(leaked);
            leaked
        }))
    }
}

/// A swipe goes at least this far (hand sizes: wrist to middle knuckle)… A hand near the camera
/// swiping about its own width goes 2.4 of them (2.5 missed such swipes on the dev sets). Lower
/// than 2.5 only since a bent movement lost part way waits for the rest of its circle
/// ([`CURVING`]): half a circle lost on its fast side went 2.38.
pub const SWIPE_DISTANCE: f32 = 2.2;
/// …this straight (distance over path length)…
pub const SWIPE_STRAIGHT: f32 = 0.75;
/// …within this of the axis (degrees)…
pub const SWIPE_ANGLE: f32 = 35.0;
/// …at least this fast on average (hand sizes per second).
pub const SWIPE_SPEED: f32 = 3.0;
/// A wave turns back at least this often, each time after this long a stroke (hand sizes)…
pub const WAVE_TURNS: usize = 3;
pub const WAVE_STROKE: f32 = 0.5;
/// …and ends near where it began.
pub const WAVE_DRIFT: f32 = 2.0;
/// A circle turns at least this far about its centre (degrees), at a radius of at least this
/// (hand sizes), keeping its radius within this spread (standard deviation over mean, about the
/// fitted centre). An ellipse twice as wide as it is tall spreads 0.23; two sides of a triangle
/// (a Z's first two strokes, or a 7) about 0.4. The drawn circles of the dev sets spread at most
/// 0.055 about their fitted centres.
pub const CIRCLE_TURN: f32 = 290.0;
pub const CIRCLE_RADIUS: f32 = 0.5;
pub const CIRCLE_ROUND: f32 = 0.25;
/// A movement one step of which, from one frame to the next (longer than a hand size), covers
/// more than this share of its path is a jump.
pub const JUMP: f32 = 0.7;
/// A hand's size growing from one frame to the next by at least a third of a movement's growth,
/// and by this many times the step on either side of it, is a jump too: the tracker's crop
/// settling on a new pose of the same label steps once and then creeps (`new124-15` sequence 201:
/// 164× its neighbours). A push grows smoothly: its largest step was at most 1.7× either
/// neighbour's on the dev sets' pushes.
pub const SIZE_STEP: f32 = 3.0;
/// A push makes the hand at least this much bigger, moving it sideways at most this far (hand
/// sizes at its start).
pub const PUSH_GROWTH: f32 = 1.25;
pub const PUSH_SIDEWAYS: f32 = 1.2;

/// The motion a movement was, with a confidence from 0.5 (just over the rule's line) to 1 (twice
/// as far over it or more). `mirror`: the frames are mirror images.
pub fn classify(m: &Movement, mirror: bool) -> Option<(Motion, f32)> {
    let s = &m.samples;
    if s.len() < 2 {
        return None;
    }
    let size = m.size();
    let pts: Vec<(f32, f32)> = s.iter().map(|p| (p.x / size, p.y / size)).collect();
    let (first, last) = (pts[0], pts[pts.len() - 1]);
    let (dx, dy) = (last.0 - first.0, last.1 - first.1);
    let distance = dx.hypot(dy);
    let length: f32 = pts.windows(2).map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1)).sum();
    let duration = (m.end() - m.start()).max(1e-3) as f32;
    // One step from a frame to the very next that covers most of the way is a jump (two
    // photographs in a row), not a motion. A fast hand blurs, and the tracker loses it for a
    // frame or more before finding it further along: a step over frames without the hand is a
    // movement too fast to follow, and counts.
    let gaps: Vec<f64> = s.windows(2).map(|w| w[1].t - w[0].t).collect();
    let frame = m.frame();
    let jump = pts.windows(2).zip(&gaps).any(|(w, &dt)| {
        let step = (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1);
        step > 1.0 && step > JUMP * length && dt <= LOST_STEP * frame
    });
    if jump {
        return None;
    }
    // The person's left is the picture's right unless the frames are mirrored.
    let picture_right_is_left = !mirror;
    let margin = |value: f32, line: f32| 0.5 + 0.5 * ((value - line) / line).clamp(0.0, 1.0);

    // Steps across frames the tracker lost the hand on (a blur) may turn further.
    let lost = m.lost_steps();
    if let Some((turn, radius, spread)) = roundness(&pts, &lost)
        && turn.abs() >= CIRCLE_TURN
        && radius >= CIRCLE_RADIUS
        && spread <= CIRCLE_ROUND
    {
        // +angle is clockwise on screen (y grows downwards); a person facing the camera draws
        // it the other way round.
        let picture_cw = turn > 0.0;
        let person_cw = picture_cw != picture_right_is_left;
        let motion = if person_cw { Motion::CircleCw } else { Motion::CircleCcw };
        return Some((motion, margin(turn.abs(), CIRCLE_TURN).min(margin(radius, CIRCLE_RADIUS))));
    }
    let turns = turns_back(&pts, WAVE_STROKE);
    if turns >= WAVE_TURNS && distance <= WAVE_DRIFT {
        return Some((Motion::Wave, margin(turns as f32, WAVE_TURNS as f32)));
    }
    // A push is judged from the hand's smallest size just before the movement too: a slow push
    // starts growing under the rate that makes a movement.
    let p = push_path(m);
    let (p0, pn) = (p[0], p[p.len() - 1]);
    let growth = p.iter().map(|q| q.size).fold(0.0f32, f32::max) / p0.size.max(1.0);
    let sideways = (pn.x - p0.x).hypot(pn.y - p0.y) / p0.size.max(1.0);
    // Growing on one frame (a pose that changed, another hand found) is no push either.
    let size_jump = size_jumps(&p, growth, LOST_STEP * frame);
    // A hand changing pose changes its measured size (the tracker's crop settles on the new
    // pose over a few frames): a push keeps the one pose it is made with.
    let one_pose = keeps_pose(&p);
    if growth >= PUSH_GROWTH && sideways <= PUSH_SIDEWAYS && !size_jump && one_pose {
        return Some((Motion::Push, margin(growth - 1.0, PUSH_GROWTH - 1.0)));
    }
    let straight = if length > 0.0 { distance / length } else { 0.0 };
    let speed = distance / duration;
    if distance >= SWIPE_DISTANCE && straight >= SWIPE_STRAIGHT && speed >= SWIPE_SPEED {
        let angle = dy.atan2(dx).to_degrees();
        let near = |axis: f32| ((angle - axis + 540.0).rem_euclid(360.0) - 180.0).abs() <= SWIPE_ANGLE;
        let motion = if near(0.0) {
            if picture_right_is_left { Motion::SwipeLeft } else { Motion::SwipeRight }
        } else if near(180.0) {
            if picture_right_is_left { Motion::SwipeRight } else { Motion::SwipeLeft }
        } else if near(-90.0) {
            Motion::SwipeUp
        } else if near(90.0) {
            Motion::SwipeDown
        } else {
            return None;
        };
        return Some((motion, margin(distance, SWIPE_DISTANCE).min(margin(speed, SWIPE_SPEED))));
    }
    None
}

/// A movement whose heading has turned this far one way (degrees) may be the first part of a
/// circle: a hand lost part way round (on a circle's fast side) is waited for, not said at once as
/// the swipe its first part makes. A sixth of a turn: a swipe is straight, and an arm swinging
/// from the elbow bends one by less. (Headings are the steps' from frame to frame, so a third of a
/// circle drawn in three steps turns its heading by two thirds of that.) Cost of a straight move
/// taken for a bent one: it is said when the hand is gone for good ([`super::path::MAX_GAP`]),
/// not at once.
pub const CURVING: f32 = 60.0;

/// Whether `m` curves one way by [`CURVING`] or more: the sum of the turns of its heading, from
/// each step to the next (steps shorter than a quarter of a hand size are too short to have a
/// heading of their own, and are joined to the next).
pub fn curves(m: &Movement) -> bool {
    let Some(first) = m.samples.first() else { return false };
    let size = m.size();
    let mut headings = Vec::new();
    let mut from = (first.x, first.y);
    for p in &m.samples {
        if (p.x - from.0).hypot(p.y - from.1) >= 0.25 * size {
            headings.push((p.y - from.1).atan2(p.x - from.0));
            from = (p.x, p.y);
        }
    }
    let turn: f32 = headings.windows(2).map(|w| wrapped(w[1] - w[0])).sum();
    turn.abs().to_degrees() >= CURVING
}

/// The path a push is judged on: the movement, from the smallest size the hand had in its lead
/// (the [`super::path::LEAD`] before it) when that is smaller than where the movement starts.
pub fn push_path(m: &Movement) -> Vec<Sample> {
    let smallest = m.lead.iter().enumerate().min_by(|a, b| a.1.size.total_cmp(&b.1.size));
    let from = match (smallest, m.samples.first()) {
        (Some((i, low)), Some(first)) if low.size < first.size => i,
        _ => m.lead.len(),
    };
    m.lead[from..].iter().chain(&m.samples).copied().collect()
}

/// Whether the hand keeps one pose all along `p`: it ends with the pose it starts with, and no two
/// frames in a row show another. A label read wrongly on single frames of a small, far hand (a
/// "5" read as "4" every few frames, `new124-15` sequence 210) is no change of pose: the crop
/// stays on the hand. A pose changed in place is read as the new one from then on.
fn keeps_pose(p: &[Sample]) -> bool {
    let (Some(first), Some(last)) = (p.first(), p.last()) else { return true };
    first.pose == last.pose && !p.windows(2).any(|w| w[0].pose != first.pose && w[1].pose != first.pose)
}

/// Whether the hand's size in `p` (which grows `growth` times) jumps on one frame (steps over
/// frames the hand was lost on, longer than `lost_step` seconds, may be any size): a step that is
/// most of the growth ([`JUMP`]), or a third of it and [`SIZE_STEP`] times the steps beside it.
fn size_jumps(p: &[Sample], growth: f32, lost_step: f64) -> bool {
    let grown = growth.max(1.0).ln();
    let steps: Vec<f32> = p.windows(2).map(|w| (w[1].size.max(1.0) / w[0].size.max(1.0)).ln()).collect();
    (0..steps.len()).any(|i| {
        let beside = [i.checked_sub(1), Some(i + 1)].into_iter().flatten().filter_map(|k| steps.get(k)).fold(0.0f32, |a, &b| a.max(b));
        let step = steps[i];
        p[i + 1].t - p[i].t <= lost_step && (step > JUMP * grown || (step > grown / 3.0 && step > SIZE_STEP * beside))
    })
}

/// A step about a circle's centre from one frame to the next turns at most this far (degrees)…
pub const CIRCLE_STEP: f32 = 100.0;
/// …and one across frames where the hand was lost at most this far (its way round is the
/// shorter one, so it must be clearly less than half a turn).
pub const CIRCLE_LOST_STEP: f32 = 150.0;

/// How far the points turn about the circle that fits them best (degrees, signed: + clockwise
/// on screen), its radius and the points' spread about it (standard deviation of their distances
/// over the radius); `None` for too few points, points on a line, or a step of more than
/// [`CIRCLE_STEP`] about the centre ([`CIRCLE_LOST_STEP`] where `lost[i]`: the hand was lost
/// between points i and i + 1).
///
/// The centre is the fitted circle's, not the points' centroid: a tracker loses a circling hand on
/// the fast side, and the points bunch where it was slow (and where it came to rest), which pulls
/// a centroid off the middle. Seen from a centroid off the middle, a step across the lost frames
/// turns further than half a turn, and the circle reads as none (`target/motion/test90-10`,
/// sequences 52 and 227).
fn roundness(pts: &[(f32, f32)], lost: &[bool]) -> Option<(f32, f32, f32)> {
    if pts.len() < 5 {
        return None;
    }
    let (cx, cy) = fit_circle(pts)?;
    let n = pts.len() as f32;
    let radii: Vec<f32> = pts.iter().map(|p| (p.0 - cx).hypot(p.1 - cy)).collect();
    let mean = radii.iter().sum::<f32>() / n;
    if mean <= 0.0 {
        return None;
    }
    let spread = (radii.iter().map(|r| (r - mean).powi(2)).sum::<f32>() / n).sqrt() / mean;
    let mut turn = 0.0f32;
    let mut prev = (pts[0].1 - cy).atan2(pts[0].0 - cx);
    let mut too_wide = false;
    for (i, p) in pts[1..].iter().enumerate() {
        let a = (p.1 - cy).atan2(p.0 - cx);
        let d = wrapped(a - prev);
        turn += d;
        let bound = if lost.get(i).copied().unwrap_or(false) { CIRCLE_LOST_STEP } else { CIRCLE_STEP };
        too_wide |= d.abs() > bound.to_radians();
        prev = a;
    }
    // A path that passes near its centre jumps half a turn in one step: that is no circle,
    // however the jumps add up.
    if too_wide {
        return None;
    }
    Some((turn.to_degrees(), mean, spread))
}

/// An angle difference (radians) the shorter way round, within ±π.
fn wrapped(mut d: f32) -> f32 {
    while d > std::f32::consts::PI {
        d -= 2.0 * std::f32::consts::PI;
    }
    while d < -std::f32::consts::PI {
        d += 2.0 * std::f32::consts::PI;
    }
    d
}

/// The centre of the circle nearest the points (least squares on x² + y² + Dx + Ey + F = 0,
/// Kåsa's fit); `None` when they lie on a line (or too near one to tell a centre).
pub(super) fn fit_circle(pts: &[(f32, f32)]) -> Option<(f32, f32)> {
    let n = pts.len() as f64;
    // About the points' mean, for a well-conditioned system.
    let (mx, my) = pts.iter().fold((0.0, 0.0), |(x, y), p| (x + p.0 as f64 / n, y + p.1 as f64 / n));
    let (mut sxx, mut sxy, mut syy, mut sxz, mut syz) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for p in pts {
        let (x, y) = (p.0 as f64 - mx, p.1 as f64 - my);
        let z = x * x + y * y;
        sxx += x * x;
        sxy += x * y;
        syy += y * y;
        sxz += x * z;
        syz += y * z;
    }
    // With the points centred, F drops out of the first two equations: solve for D and E.
    let det = sxx * syy - sxy * sxy;
    if det <= 1e-9 * (sxx + syy).powi(2) {
        return None;
    }
    let d = -(sxz * syy - syz * sxy) / det;
    let e = -(syz * sxx - sxz * sxy) / det;
    Some(((mx - d / 2.0) as f32, (my - e / 2.0) as f32))
}

/// How often the points turn back along x between strokes of at least `stroke`. A wave starts
/// and ends mid-swing, so its first and last strokes need only be half as long: a hand that swings
/// half a stroke out, three full strokes across and half back turns three times.
fn turns_back(pts: &[(f32, f32)], stroke: f32) -> usize {
    let half = stroke / 2.0;
    // The turning points, with half a stroke of hysteresis: the start, each extreme, and the
    // furthest point of the last stroke.
    let start = pts[0].0;
    let mut points = vec![start];
    let (mut direction, mut furthest) = (0.0f32, start);
    for p in &pts[1..] {
        let x = p.0;
        if direction == 0.0 {
            if (x - start).abs() >= half {
                (direction, furthest) = ((x - start).signum(), x);
            }
        } else if (x - furthest) * direction > 0.0 {
            furthest = x;
        } else if (furthest - x) * direction >= half {
            points.push(furthest);
            (direction, furthest) = (-direction, x);
        }
    }
    if direction != 0.0 {
        points.push(furthest);
    }
    let strokes: Vec<f32> = points.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let last = strokes.len().saturating_sub(1);
    let long = |i: usize| strokes[i] >= if i == 0 || i == last { half } else { stroke };
    (1..strokes.len()).filter(|&i| long(i - 1) && long(i)).count()
}
