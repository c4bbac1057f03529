//! The recogniser on drawn paths: each motion at 10, 15 and 30 frames/s, in both mirror settings,
//! once; still and slowly moving hands, never.

use super::*;

mod from_sequences;

/// A small deterministic jitter (±`amp` pixels), as landmarks wobble between frames.
fn jitter(i: usize, amp: f32) -> (f32, f32) {
    let a = ((i * 7919) % 101) as f32 / 50.0 - 1.0;
    let b = ((i * 104_729) % 97) as f32 / 48.0 - 1.0;
    (a * amp, b * amp)
}

/// Frames at `fps` of a hand of `size` pixels at `at(t)` (x, y, size) for `seconds`; the events.
fn play(fps: f64, seconds: f64, mirror: bool, at: impl Fn(f64) -> Option<(f32, f32, f32)>) -> Vec<MotionEvent> {
    let mut m = Motions::new(mirror);
    let n = (seconds * fps).ceil() as usize;
    let mut events = Vec::new();
    for i in 0..n {
        let t = i as f64 / fps;
        let hands: Vec<HandAt> = at(t)
            .map(|(x, y, size)| {
                let (jx, jy) = jitter(i, 2.0);
                HandAt { side: Some(Side::Right), x: x + jx, y: y + jy, size, pose: Some(5), detected: i == 0 }
            })
            .into_iter()
            .collect();
        events.extend(m.push(t, &hands));
    }
    events
}

fn ease(u: f64) -> f64 {
    let u = u.clamp(0.0, 1.0);
    u * u * (3.0 - 2.0 * u)
}

/// Still for 1 s, the motion from 1 s for `dur`, still for 1 s after.
fn motion_path(motion: Motion, dur: f64, mirror: bool) -> impl Fn(f64) -> Option<(f32, f32, f32)> {
    let size = 50.0f32;
    move |t: f64| {
        let u = ((t - 1.0) / dur).clamp(0.0, 1.0);
        let e = ease(u) as f32;
        // The picture's direction of the person's left.
        let left = if mirror { -1.0 } else { 1.0 };
        Some(match motion {
            Motion::SwipeLeft => (200.0 + left * 250.0 * e, 240.0, size),
            Motion::SwipeRight => (400.0 - left * 250.0 * e, 240.0, size),
            Motion::SwipeUp => (320.0, 380.0 - 220.0 * e, size),
            Motion::SwipeDown => (320.0, 120.0 + 220.0 * e, size),
            Motion::Wave => {
                let s = (2.0 * std::f64::consts::PI * 2.5 * u).sin() as f32;
                (320.0 + 60.0 * s, 240.0, size)
            }
            Motion::CircleCw | Motion::CircleCcw => {
                // Clockwise for the person is anticlockwise in a facing camera's picture.
                let person_cw = motion == Motion::CircleCw;
                let sign = if person_cw == mirror { 1.0 } else { -1.0 };
                let a = sign * 2.0 * std::f64::consts::PI * 1.1 * u;
                (320.0 + 80.0 * a.cos() as f32, 240.0 + 80.0 * a.sin() as f32, size)
            }
            Motion::Push => (320.0, 240.0, size * (1.0 + 0.5 * e)),
            Motion::Taught(name) => unreachable!("no drawn path for the taught motion {name}"),
        })
    }
}

#[test]
fn every_motion_is_recognised_once_at_every_rate_and_mirror_setting() {
    for fps in [10.0, 15.0, 30.0] {
        for mirror in [false, true] {
            for motion in Motion::ALL {
                let dur = match motion {
                    Motion::Wave => 1.2,
                    Motion::CircleCw | Motion::CircleCcw => 1.0,
                    _ => 0.4,
                };
                let events = play(fps, 3.0 + dur, mirror, motion_path(motion, dur, mirror));
                let names: Vec<&str> = events.iter().map(|e| e.motion.name()).collect();
                assert_eq!(names, [motion.name()], "{fps} fps, mirror {mirror}: {motion:?}");
                let e = &events[0];
                assert!((e.end - (1.0 + dur)).abs() <= 0.3, "{fps} fps {motion:?}: ends at {} for a motion ending at {}", e.end, 1.0 + dur);
                assert!((0.5..=1.0).contains(&e.confidence) && e.side == Some(Side::Right) && e.pose == Some(5));
            }
        }
    }
}

#[test]
fn still_hands_slow_drifts_and_small_moves_are_no_motion() {
    for fps in [10.0, 30.0] {
        // Still, with jitter, for a minute.
        assert!(play(fps, 60.0, false, |_| Some((320.0, 240.0, 50.0))).is_empty());
        // A slow drift: 3 hand sizes in 4 s.
        assert!(play(fps, 6.0, false, |t| Some((200.0 + 150.0 * (t / 4.0).min(1.0) as f32, 240.0, 50.0))).is_empty());
        // A quick small move: one hand size.
        assert!(play(fps, 3.0, false, |t| Some((300.0 + 50.0 * ease(t - 1.0) as f32, 240.0, 50.0))).is_empty());
        // A hand just found, whose measured size grows as the tracker settles on it.
        assert!(play(fps, 3.0, false, |t| Some((320.0, 240.0, 35.0 + 15.0 * (t / 0.45).min(1.0) as f32))).is_empty());
        // Still photographs in a row (each held for a second): the hand is elsewhere on the next
        // frame, a jump on one frame, not a motion.
        assert!(
            play(fps, 6.0, false, |t| Some((
                [(100.0, 100.0), (500.0, 120.0), (480.0, 400.0), (90.0, 380.0), (320.0, 240.0), (100.0, 250.0)][t as usize].0,
                [(100.0f32, 100.0f32), (500.0, 120.0), (480.0, 400.0), (90.0, 380.0), (320.0, 240.0), (100.0, 250.0)][t as usize].1,
                50.0
            )))
            .is_empty()
        );
        // A pose changing in place: the measured size changes on one frame.
        assert!(play(fps, 3.0, false, |t| Some((320.0, 240.0, if t < 1.5 { 45.0 } else { 62.0 }))).is_empty());
        // Coming and going: still, gone for a second, still elsewhere.
        assert!(
            play(fps, 5.0, false, |t| if (2.0..3.0).contains(&t) {
                None
            } else if t < 2.0 {
                Some((100.0, 100.0, 50.0))
            } else {
                Some((500.0, 400.0, 50.0))
            })
            .is_empty()
        );
    }
}

#[test]
fn a_swipe_out_of_view_is_said_at_once_and_the_return_stroke_is_not_a_swipe() {
    // Swiped right out of the picture: the hand is lost mid-way, the swipe is said on the first
    // frame without it.
    let events = play(30.0, 3.0, false, |t| {
        let x = 300.0 + 400.0 * ease((t - 1.0) / 0.4) as f32;
        (x < 560.0).then_some((x, 240.0, 50.0))
    });
    assert_eq!(events.iter().map(|e| e.motion).collect::<Vec<_>>(), [Motion::SwipeLeft]);
    assert!(events[0].end < 1.4);
    // Swipe, then straight back 0.2 s later: one swipe.
    let events = play(30.0, 3.0, false, |t| {
        let there = 300.0 * ease((t - 1.0) / 0.3);
        let back = 300.0 * ease((t - 1.5) / 0.3);
        Some((150.0 + (there - back) as f32, 240.0, 50.0))
    });
    assert_eq!(events.iter().map(|e| e.motion).collect::<Vec<_>>(), [Motion::SwipeLeft]);
}

#[test]
fn two_hands_keep_their_own_paths() {
    let mut m = Motions::new(false);
    let mut events = Vec::new();
    for i in 0..90 {
        let t = i as f64 / 30.0;
        let u = ease((t - 1.0) / 0.4) as f32;
        let left = HandAt { side: Some(Side::Left), x: 100.0 + 250.0 * u, y: 300.0, size: 50.0, pose: None, detected: false };
        let right = HandAt { side: Some(Side::Right), x: 500.0, y: 200.0, size: 50.0, pose: None, detected: false };
        // Listed in either order: the sides keep them apart.
        let hands = if i % 2 == 0 { [left, right] } else { [right, left] };
        events.extend(m.push(t, &hands));
    }
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!((events[0].motion, events[0].side), (Motion::SwipeLeft, Some(Side::Left)));
}

/// After the detector finds the hand again (a new photograph, a hand lost and found), its
/// measured size grows as the tracker settles: no push; the same growth later, while tracked, is
/// one.
#[test]
fn growth_right_after_a_detection_is_no_push() {
    let run = |found_at: f64| growing(|t, i| (i == 0 || (t - found_at).abs() < 1e-9, None, Step::Changed));
    assert_eq!(run(1.0), [], "found again just as it grew");
    assert_eq!(run(0.0), [Motion::Push], "tracked as it grew");
}

/// The motions of one hand growing from 40 to 60 pixels from 1 s on (20 frames/s, 3 s), with
/// `at(t, frame)` = (found by the detector on this frame, its pose, how the view changed).
fn growing(at: impl Fn(f64, usize) -> (bool, Option<usize>, Step)) -> Vec<Motion> {
    let mut m = Motions::new(false);
    let mut events = Vec::new();
    for i in 0..60 {
        let t = i as f64 / 20.0;
        let size = 40.0 + 20.0 * ease((t - 1.0) / 0.4) as f32;
        let (detected, pose, step) = at(t, i);
        m.view(step);
        events.extend(m.push(t, &[HandAt { side: None, x: 320.0, y: 240.0, size, pose, detected }]));
    }
    events.into_iter().map(|e| e.motion).collect()
}

/// A hand changing pose in place grows in measured size as the tracker's crop settles on the new
/// pose: no push; the same growth with one pose is one.
#[test]
fn growth_while_the_pose_changes_is_no_push() {
    let run = |new_pose: usize| growing(|t, i| (i == 0, Some(if t < 1.1 { 5 } else { new_pose }), Step::Changed));
    assert_eq!(run(0), [], "an open hand closing as it seemed to grow");
    assert_eq!(run(5), [Motion::Push], "one pose all through");
}

/// The tracker's crop settling over a still view (a photograph held, a frame sent twice)
/// measures a hand that grows while nothing in view moved: no push. And a path across a new scene
/// (the camera turned, the next photograph) makes no motion: the hand after it is a new one.
#[test]
fn a_still_view_holds_the_hand_and_a_new_scene_ends_its_path() {
    let still_from = |from: f64| growing(move |t, i| (i == 0, Some(5), if t >= from { Step::Still } else { Step::Changed }));
    assert_eq!(still_from(1.0), [], "the same picture from before the growth");
    assert_eq!(still_from(9.0), [Motion::Push], "pictures that change as it grows");
    let cut_at = |at: f64| growing(move |t, i| (i == 0, Some(5), if (t - at).abs() < 1e-9 { Step::Cut } else { Step::Changed }));
    assert_eq!(cut_at(1.2), [], "a new scene mid-growth");
    assert_eq!(cut_at(2.5), [Motion::Push], "a new scene after it");
}

/// A fast hand blurs and the tracker loses it: a swipe whose whole middle is lost (0.6 s at 10
/// frames/s) is found again where it stopped and is still a swipe, also when nothing in view
/// moves as it is found (the hand came to rest while lost); a wave lost at one turn and found at
/// the next turned back without being still.
#[test]
fn a_hand_lost_mid_motion_and_found_again_keeps_its_motion() {
    let swipe = |t: f64| {
        let lost = (0.95..1.5).contains(&t);
        (!lost).then_some((150.0 + 320.0 * ease((t - 0.9) / 0.5) as f32, 240.0, 70.0))
    };
    assert_eq!(play(10.0, 3.0, false, swipe).iter().map(|e| e.motion).collect::<Vec<_>>(), [Motion::SwipeLeft]);
    // The same, with the view still from the frame before the hand is found (no block moved).
    let mut m = Motions::new(false);
    let mut events = Vec::new();
    for i in 0..30 {
        let t = i as f64 / 10.0;
        if t >= 1.4 {
            m.view(Step::Still);
        }
        let hands: Vec<HandAt> = swipe(t).map(|(x, y, size)| HandAt { side: None, x, y, size, pose: Some(5), detected: i == 15 }).into_iter().collect();
        events.extend(m.push(t, &hands));
    }
    assert_eq!(events.iter().map(|e| e.motion).collect::<Vec<_>>(), [Motion::SwipeLeft], "found on a still view");
    // A wave of four strokes, the hand lost around its second turn: found again where it was
    // lost, as if it had not moved.
    let wave = |t: f64| {
        let u = ((t - 1.0) / 1.6).clamp(0.0, 1.0);
        let lost = (1.45..1.75).contains(&t);
        (!lost).then_some((320.0 + 60.0 * (2.0 * std::f64::consts::PI * 2.0 * u).sin() as f32, 240.0, 60.0))
    };
    assert_eq!(play(10.0, 4.0, false, wave).iter().map(|e| e.motion).collect::<Vec<_>>(), [Motion::Wave]);
}

/// A taught Z whose hand is lost in the blur after its first stroke: that stroke alone is a
/// swipe, said at once without taught motions; with the Z taught (the stroke is shorter than every
/// take, so it may be the Z's start) the path waits for the hand and the Z is said, no swipe.
#[test]
fn a_stroke_lost_part_way_through_a_taught_motion_waits_for_the_rest() {
    // Right along the top, down-left across, right along the bottom: 3 hand sizes each way.
    let z = |u: f64| {
        let s = 3.0 * u.clamp(0.0, 1.0);
        match s {
            s if s < 1.0 => (3.0 * s, 0.0),
            s if s < 2.0 => (3.0 - 3.0 * (s - 1.0), 3.0 * (s - 1.0)),
            s => (3.0 * (s - 2.0), 3.0),
        }
    };
    let takes: Vec<taught::Take> = [(0.9, 20, 100.0), (1.0, 30, 200.0), (1.2, 25, 150.0)]
        .into_iter()
        .map(|(scale, n, at): (f64, usize, f64)| {
            let samples = (0..n)
                .map(|k| (k as f64 / (n - 1) as f64, k as f64 / 30.0))
                .map(|(u, t)| [t, at + 100.0 * scale * z(u).0, at + 100.0 * scale * z(u).1, 100.0])
                .collect();
            taught::Take { motion: "z".into(), mirror: false, samples }
        })
        .collect();
    let taught: std::sync::Arc<[taught::TaughtMotion]> = vec![taught::TaughtMotion::from_takes("z", &takes).unwrap()].into();
    // At 10 frames/s, 1.2 s for the Z from 1 s; the hand lost from just after the first stroke
    // for 0.3 s.
    let run_lost = |taught: std::sync::Arc<[taught::TaughtMotion]>, lost: &dyn Fn(f64) -> bool| {
        let mut m = Motions::new(false).with_taught(taught);
        let mut events = Vec::new();
        for i in 0..35 {
            let t = i as f64 / 10.0;
            let (x, y) = z((t - 1.0) / 1.2);
            let hands: Vec<HandAt> = (!lost(t))
                .then_some(HandAt { side: None, x: 100.0 + 60.0 * x as f32, y: 100.0 + 60.0 * y as f32, size: 60.0, pose: Some(5), detected: false })
                .into_iter()
                .collect();
            events.extend(m.push(t, &hands));
        }
        events.into_iter().map(|e| e.motion.name()).collect::<Vec<_>>()
    };
    let run = |taught: std::sync::Arc<[taught::TaughtMotion]>| run_lost(taught, &|t| (1.45..1.75).contains(&t));
    assert_eq!(run(taught.clone()), ["z"]);
    // The top stroke seen only where it starts and where it ends, the hand then gone: too little
    // seen to say the swipe it may be while the Z is taught; said at once without it.
    let sparse = |t: f64| (1.05..1.35).contains(&t) || t > 1.45;
    assert_eq!(run_lost(taught.clone(), &sparse), Vec::<&str>::new());
    assert_eq!(run_lost(std::sync::Arc::new([]), &sparse), ["swipe-left"]);
    assert_eq!(run(std::sync::Arc::new([])).first().copied(), Some("swipe-left"), "without the Z, its first stroke is a swipe");
    // A circle (shorter than the Z) lost as it ends waits too; found again off its round (at its
    // centre) it makes nothing as a whole, and is said as the circle it made when lost.
    let circle = |taught: std::sync::Arc<[taught::TaughtMotion]>| {
        let mut m = Motions::new(false).with_taught(taught);
        let mut events = Vec::new();
        for i in 0..40 {
            let t = i as f64 / 10.0;
            let a = 2.0 * std::f64::consts::PI * 1.1 * ((t - 1.0) / 1.0).clamp(0.0, 1.0);
            let (x, y) = if t < 2.3 { (320.0 + 60.0 * a.cos() as f32, 240.0 + 60.0 * a.sin() as f32) } else { (320.0, 240.0) };
            let lost = (2.05..2.25).contains(&t);
            let hands: Vec<HandAt> = (!lost).then_some(HandAt { side: None, x, y, size: 60.0, pose: Some(5), detected: false }).into_iter().collect();
            events.extend(m.push(t, &hands));
        }
        events.into_iter().map(|e| e.motion).collect::<Vec<_>>()
    };
    assert_eq!(circle(std::sync::Arc::new([])), [Motion::CircleCcw]);
    assert_eq!(circle(taught), [Motion::CircleCcw]);
}

/// One frame whose landmarks collapsed in a swipe's blur (the hand measured at half its size, off
/// its line) is left out of the path ([`GLITCH`]): the swipe is still said. Kept, it bent the
/// swipe so far back that it was no swipe (`target/motion/sw-10`, sequence 34). A size that
/// jumps and stays is kept as it came; a push, whose size grows as fast as any, is still a push.
#[test]
fn a_frame_measured_at_half_the_hands_size_is_left_out_of_its_path() {
    for fps in [10.0f64, 15.0, 30.0] {
        let swipe = motion_path(Motion::SwipeLeft, 0.4, false);
        let glitch = (1.2 * fps).round() as usize;
        let mut m = Motions::new(false);
        let mut events = Vec::new();
        for i in 0..(3.0 * fps) as usize {
            let t = i as f64 / fps;
            let (x, y, size) = swipe(t).unwrap();
            // Half way: measured at half its size, 150 px ahead and 80 px down.
            let (x, y, size) = if i == glitch { (x + 150.0, y + 80.0, size / 2.0) } else { (x, y, size) };
            events.extend(m.push(t, &[HandAt { side: None, x, y, size, pose: Some(5), detected: i == 0 }]));
        }
        assert_eq!(events.iter().map(|e| e.motion).collect::<Vec<_>>(), [Motion::SwipeLeft], "{fps} frames/s");
    }
    // A size that changes on one frame and stays (a new photograph under the tracked hand, the
    // held `hands-frames`): both frames are kept, and a jump on one frame is no push.
    for fps in [10.0, 15.0, 30.0] {
        assert!(play(fps, 3.0, false, |t| Some((320.0, 240.0, if t < 1.5 { 40.0 } else { 80.0 }))).is_empty(), "{fps} frames/s");
    }
    for fps in [10.0, 15.0, 30.0] {
        let events = play(fps, 3.0, false, motion_path(Motion::Push, 0.3, false));
        assert_eq!(events.iter().map(|e| e.motion).collect::<Vec<_>>(), [Motion::Push], "a fast push at {fps} frames/s");
    }
}

/// A circle at 10 frames/s whose hand is lost on its fast side, for two frames: the points
/// bunch on the slow side (and where the hand rests after it), off the middle.
fn circle_lost_on_its_fast_side(lost: std::ops::Range<f64>) -> impl Fn(f64) -> Option<(f32, f32, f32)> {
    move |t: f64| {
        // Slow, then fast: the angle's pace doubles half way round.
        let u = ((t - 1.0) / 1.0).clamp(0.0, 1.0);
        let a = 2.0 * std::f64::consts::PI * 1.1 * (0.6 * u + 0.4 * u * u);
        (!lost.contains(&t)).then_some((320.0 + 90.0 * a.cos() as f32, 240.0 + 90.0 * a.sin() as f32, 55.0))
    }
}

#[test]
fn a_circle_is_judged_about_its_own_centre_not_where_its_points_bunch() {
    // Lost on the fast side only: its centre is the circle's, and the step across the lost frames
    // is less than half a turn.
    let events = play(10.0, 3.5, false, circle_lost_on_its_fast_side(1.55..1.75));
    assert_eq!(events.iter().map(|e| e.motion).collect::<Vec<_>>(), [Motion::CircleCcw]);
    // The points' centroid would have been far enough off the middle to read it as none.
    let pts: Vec<(f32, f32)> = (0..35)
        .map(|i| i as f64 / 10.0)
        .filter(|t| (1.0..=2.1).contains(t))
        .filter_map(|t| circle_lost_on_its_fast_side(1.55..1.75)(t))
        .map(|(x, y, size)| (x / size, y / size))
        .collect();
    let n = pts.len() as f32;
    let centroid = pts.iter().fold((0.0, 0.0), |(x, y), p| (x + p.0 / n, y + p.1 / n));
    let fitted = shape::fit_circle(&pts).expect("a circle's points fit one");
    let (cx, cy) = (320.0 / 55.0, 240.0 / 55.0);
    assert!((fitted.0 - cx).hypot(fitted.1 - cy) < 0.1, "fitted centre {fitted:?}");
    assert!((centroid.0 - cx).hypot(centroid.1 - cy) > 0.3, "centroid {centroid:?}");
}

#[test]
fn a_swipe_that_bends_and_is_lost_waits_for_the_rest_of_its_circle() {
    // Lost from a third of the way round (by then a bent swipe: 4 hand sizes, fast, 0.8 straight)
    // to over half: found again, it is the circle; said once, not a swipe first.
    let half_lost = |t: f64| {
        let u = ((t - 1.0) / 1.0).clamp(0.0, 1.0);
        let a = std::f64::consts::PI * (0.5 + 2.0 * 1.1 * u);
        let lost = (1.35..1.6).contains(&t);
        (!lost).then_some((320.0 + 100.0 * a.cos() as f32, 240.0 + 100.0 * a.sin() as f32, 40.0))
    };
    let names = |events: Vec<MotionEvent>| events.iter().map(|e| e.motion).collect::<Vec<_>>();
    assert_eq!(names(play(10.0, 3.5, false, half_lost)), [Motion::CircleCcw]);
    // A straight swipe lost on the way is said at once, as before: one frame after the loss.
    let swipe = |t: f64| (t < 1.35).then_some((150.0 + 320.0 * ease((t - 1.0) / 0.5) as f32, 240.0, 50.0));
    let events = play(10.0, 3.0, false, swipe);
    assert_eq!(names(events.clone()), [Motion::SwipeLeft]);
    assert!(events[0].end < 1.35);
}

#[test]
fn a_wave_counts_its_half_strokes_at_either_end() {
    // Two swings from the middle and back to it, each half a hand size out: one stroke out, three
    // across, one back — three turns, with the first and last strokes under a full stroke.
    let wave = |t: f64| {
        let u = ((t - 1.0) / 1.2).clamp(0.0, 1.0);
        Some((320.0 + 44.0 * (2.0 * std::f64::consts::PI * 2.0 * u).sin() as f32, 240.0, 100.0))
    };
    assert_eq!(play(15.0, 3.5, false, wave).iter().map(|e| e.motion).collect::<Vec<_>>(), [Motion::Wave]);
    // One swing across and back is no wave.
    let once = |t: f64| {
        let u = ((t - 1.0) / 0.6).clamp(0.0, 1.0);
        Some((320.0 + 44.0 * (2.0 * std::f64::consts::PI * u).sin() as f32, 240.0, 100.0))
    };
    assert!(play(15.0, 3.0, false, once).is_empty());
}

#[test]
fn a_slow_push_counts_its_growth_from_before_the_movement() {
    // The measured size creeps up for half a second (under the rate that makes a movement), then
    // grows fast for 0.3 s, then creeps on: the movement alone grows 1.2×, the push 1.36×.
    let size = |t: f64| -> f32 {
        let creep = 6.0 * ((t - 1.0) / 0.5).clamp(0.0, 1.0);
        let fast = 11.0 * ease((t - 1.5) / 0.3);
        let settle = 1.0 * ((t - 1.8) / 0.3).clamp(0.0, 1.0);
        (50.0 + creep + fast + settle) as f32
    };
    let events = play(10.0, 3.5, false, |t| Some((320.0, 240.0, size(t))));
    assert_eq!(events.iter().map(|e| e.motion).collect::<Vec<_>>(), [Motion::Push]);
    // The same creep and settle without the fast part is no push (nothing moved).
    assert!(play(10.0, 3.5, false, |t| Some((320.0, 240.0, size(t).min(56.0) + if t > 1.8 { 1.0 } else { 0.0 }))).is_empty());
}

/// A swipe whose hand is lost from its first frame to its last and found at its end, then held
/// still: said on the frame the hand is found. (`fix126-10` sequence 138: the movement's two
/// samples across the gap made its frame interval, the step read as one frame's jump, and the
/// swipe was said once the hand had been still, 400 ms after its end.)
#[test]
fn a_swipe_lost_all_the_way_is_said_when_its_hand_is_found_at_its_end() {
    for fps in [10.0, 15.0] {
        let swipe = motion_path(Motion::SwipeUp, 0.4, false);
        let (start, end) = ((1.0 * fps) as usize, (1.4 * fps) as usize);
        let mut m = Motions::new(false);
        let mut said = Vec::new();
        for i in 0..(3.0 * fps) as usize {
            let t = i as f64 / fps;
            let (x, y, size) = swipe(t).unwrap();
            let hands: Vec<HandAt> = (!(start + 1..end).contains(&i))
                .then_some(HandAt { side: Some(Side::Right), x, y, size, pose: Some(5), detected: i == 0 })
                .into_iter()
                .collect();
            said.extend(m.push(t, &hands).into_iter().map(|e| (e.motion, i)));
        }
        assert_eq!(said, [(Motion::SwipeUp, end)], "{fps} frames/s");
    }
}
