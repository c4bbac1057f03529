//! Paths measured on the generated sequences (`target/motion/…`, named in each test): the size,
//! pose and start of a movement as the tracker measured them, and the motion they are.

use super::*;

/// The motions said (and when) over `frames` frames at `fps` of one hand, `at(frame, t)`.
fn said(fps: f64, frames: usize, at: impl Fn(usize, f64) -> Option<HandAt>) -> Vec<(Motion, f64)> {
    let mut m = Motions::new(false);
    let mut said = Vec::new();
    for i in 0..frames {
        let t = i as f64 / fps;
        let hands: Vec<HandAt> = at(i, t).into_iter().collect();
        said.extend(m.push(t, &hands).into_iter().map(|e| (e.motion, t)));
    }
    said
}

/// A hand changing pose within one label (an open hand turning, both read as the same pose): its
/// measured size steps once as the tracker's crop finds the new pose, then creeps while it
/// settles. These are the sizes of `new124-15` sequence 201's path (86 → 102 on one frame, the
/// next frame held as a still view, then up to 116). No push; the same growth made smoothly over
/// the same time is one.
#[test]
fn a_size_step_on_one_frame_and_a_creep_after_it_is_no_push() {
    let settling = [86.4, 101.7, 101.7, 109.9, 112.4, 115.2, 115.8];
    let stepped = play(15.0, 3.0, false, |t| {
        let k = ((t - 1.0) * 15.0).round().clamp(0.0, 6.0) as usize;
        Some((320.0, 240.0, settling[k]))
    });
    assert!(stepped.is_empty(), "{stepped:?}");
    let smooth = play(15.0, 3.0, false, |t| Some((320.0, 240.0, 86.4 + 29.4 * ease((t - 1.0) / 0.4) as f32)));
    assert_eq!(smooth.iter().map(|e| e.motion).collect::<Vec<_>>(), [Motion::Push]);
}

/// A small, far hand's pose is read wrongly on single frames ("5" as "4" every few frames,
/// `new124-15` sequence 210): its push is still one. A pose that changes and stays is no push
/// ([`growth_while_the_pose_changes_is_no_push`]).
#[test]
fn a_pose_misread_on_single_frames_keeps_its_push() {
    let flicker = |misread: &'static [usize]| growing(move |_, i| (i == 0, Some(if misread.contains(&i) { 4 } else { 5 }), Step::Changed));
    assert_eq!(flicker(&[22, 25, 28]), [Motion::Push], "a 4 on single frames");
    assert_eq!(flicker(&[22, 23, 24]), [], "a 4 on three frames in a row");
}

/// A hand that outran the tracker is found again by the detector at the end of its swipe, and
/// its measured size grows over the next frames as the crop settles (46 → 61 pixels, `sw-10`
/// sequence 13). The swipe is said once the hand is still, not once the size stops growing.
#[test]
fn a_hand_found_again_at_the_end_of_a_swipe_says_it_when_still_not_when_its_size_settles() {
    // Still, off fast, lost on three frames, found at the end (sizes settling).
    let said = said(10.0, 30, |i, t| {
        let (x, size) = match i {
            ..=8 => (135.0 + 40.0 * ease((t - 0.7) / 0.1) as f32, 62.0),
            9..=11 => return None,
            _ => (404.0, (61.0 - 15.0 * (-(t - 1.2) / 0.15).exp()) as f32),
        };
        Some(HandAt { side: None, x, y: 240.0, size, pose: Some(5), detected: i == 0 || i == 12 })
    });
    assert_eq!(said.len(), 1, "{said:?}");
    let (motion, t) = said[0];
    assert_eq!(motion, Motion::SwipeLeft);
    assert!(t <= 1.2 + 0.25, "said at {t:.1} s, found again at 1.2 s");
}

/// A fast swipe blurs the hand, and its measured size shrinks (89 → 61 pixels) and comes back
/// over the frames after it stops (72, 82, 84, 86, 87: `test90-10` sequence 86). That growth is
/// no more of the movement: the swipe is said once the hand is still.
#[test]
fn a_size_recovering_from_a_blur_does_not_hold_a_swipe_open() {
    let sizes = [89.0, 88.0, 81.0, 75.0, 71.0, 62.0, 61.0, 72.0, 82.0, 84.0, 86.0, 87.0, 87.0, 88.0];
    // Still until frame 10, down the frame over frames 11–17, still after.
    let said = said(10.0, 40, |i, t| {
        let k = i.saturating_sub(11).min(sizes.len() - 1);
        let y = 130.0 + 276.0 * ease((t - 1.1) / 0.7) as f32;
        Some(HandAt { side: None, x: 163.0, y, size: sizes[k], pose: Some(5), detected: i == 0 })
    });
    assert_eq!(said.iter().map(|s| s.0).collect::<Vec<_>>(), [Motion::SwipeDown]);
    assert!(said[0].1 <= 1.8 + 0.25, "said at {:.1} s, still from 1.8 s", said[0].1);
}

/// A movement starts where the speed that started it was measured from. At 15 frames/s that is
/// two frames back, and the first of them is already part of the swipe: `new124-15` sequence
/// 65, a near hand's swipe down of 2.4 hand sizes, measured 2.18 from the frame after.
#[test]
fn a_swipe_is_measured_from_where_its_speed_was_first_measured() {
    let ys = [119.0, 126.0, 151.0, 188.0, 232.0, 283.0, 335.0, 379.0, 413.0, 425.0, 424.0, 422.0];
    let sizes = [126.0, 126.0, 126.0, 118.0, 113.0, 116.0, 117.0, 121.0, 124.0, 127.0, 129.0, 130.0];
    let said = said(15.0, 50, |i, _| {
        let k = i.saturating_sub(15).min(ys.len() - 1);
        Some(HandAt { side: None, x: 330.0, y: ys[k], size: sizes[k], pose: Some(5), detected: i == 0 })
    });
    assert_eq!(said.iter().map(|s| s.0).collect::<Vec<_>>(), [Motion::SwipeDown]);
}

/// A swipe whose hand is lost in the blur and found again only after its end, at rest
/// (`dev132-10` sequence 88: lost on frames 13–17 of 10 frames/s, found on 18): it is said on the
/// frame the hand is found, as it would have been on the frame it was lost had it gone far enough
/// by then, not two frames later once the hand has been still (400 ms after its end).
#[test]
fn a_swipe_whose_hand_is_found_again_after_its_end_is_said_on_that_frame() {
    let said = said(10.0, 30, |i, t| {
        let x = 150.0 + 300.0 * ease((t - 1.0) / 0.6) as f32;
        (!(13..=17).contains(&i)).then_some(HandAt { side: None, x, y: 240.0, size: 70.0, pose: Some(5), detected: i == 0 || i == 18 })
    });
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0].0, Motion::SwipeLeft);
    assert!((said[0].1 - 1.8).abs() < 1e-9, "said at {:.1} s, found again at 1.8 s", said[0].1);
}

/// After a circle the hand is at rest, and its measured size wobbles as the tracker's crop
/// settles (63, 55, 59, 61, 63 pixels at 15 frames/s). A hand that has gone round is no push:
/// its size changing does not hold the circle open, which was said 400 ms after its end. The path
/// is `dev140-15` sequence 104's (palm centre and size, whole pixels), the circle on frames 16–35.
#[test]
fn a_size_wobbling_after_a_circle_does_not_hold_it_open() {
    let seen = [
        (357.0, 283.0, 59.0),
        (359.0, 284.0, 60.0),
        (360.0, 286.0, 62.0),
        (362.0, 269.0, 66.0),
        (349.0, 238.0, 68.0),
        (335.0, 213.0, 57.0),
        (305.0, 191.0, 53.0),
        (268.0, 188.0, 60.0),
        (239.0, 194.0, 56.0),
        (207.0, 209.0, 62.0),
        (180.0, 239.0, 61.0),
        (169.0, 269.0, 67.0),
        (171.0, 303.0, 68.0),
        (188.0, 334.0, 63.0),
        (199.0, 363.0, 66.0),
        (236.0, 377.0, 54.0),
        (269.0, 380.0, 54.0),
        (302.0, 373.0, 59.0),
        (332.0, 361.0, 62.0),
        (347.0, 342.0, 60.0),
        (361.0, 308.0, 68.0),
        (364.0, 280.0, 65.0),
        (365.0, 276.0, 63.0),
        (360.0, 286.0, 55.0),
        (361.0, 282.0, 59.0),
        (362.0, 284.0, 61.0),
        (363.0, 282.0, 63.0),
        (364.0, 284.0, 61.0),
        (364.0, 282.0, 64.0),
        (363.0, 283.0, 62.0),
        (363.0, 281.0, 63.0),
        (362.0, 282.0, 63.0),
    ];
    let said = said(15.0, 45, |i, _| {
        let (x, y, size) = seen[i.saturating_sub(13).min(seen.len() - 1)];
        Some(HandAt { side: None, x, y, size, pose: Some(5), detected: i == 0 })
    });
    assert_eq!(said.iter().map(|s| s.0).collect::<Vec<_>>(), [Motion::CircleCw]);
    assert!(said[0].1 <= 35.0 / 15.0 + 0.3, "said at {:.2} s, the circle ended at {:.2} s", said[0].1, 35.0 / 15.0);
}

/// The tracker settling on a hand that has just stopped moves its measured place while nothing
/// in view moves: the view is still on frame 13 and the hand held where it was, then the next
/// frame's place is 16 pixels on. Measured from the held place that step was a swipe still going
/// (said two frames late); measured from where the tracker saw the hand on the held frame, it is
/// no step. The path is `dev140-10` sequence 86's, a swipe up ending on frame 12.
#[test]
fn a_step_after_a_still_view_is_measured_from_where_the_hand_was_seen() {
    let seen = [
        (373.0, 426.0, 69.0),
        (373.0, 424.0, 71.0),
        (374.7, 426.1, 68.3),
        (370.4, 427.6, 67.5),
        (408.0, 376.9, 62.8),
        (431.3, 258.4, 63.2),
        (472.2, 198.0, 58.4),
        (479.3, 166.8, 70.3),
        (474.2, 153.7, 73.1),
        (472.5, 151.9, 68.7),
        (472.8, 151.7, 67.6),
        (473.2, 150.2, 69.8),
        (473.0, 149.5, 69.3),
    ];
    let mut m = Motions::new(false);
    let mut said = Vec::new();
    for i in 0..25usize {
        let t = i as f64 / 10.0;
        let (x, y, size) = seen[i.saturating_sub(5).min(seen.len() - 1)];
        m.view(if i == 13 { Step::Still } else { Step::Changed });
        let hand = HandAt { side: None, x, y, size, pose: Some(5), detected: i == 0 || i == 10 };
        said.extend(m.push(t, &[hand]).into_iter().map(|e| (e.motion, i)));
    }
    assert_eq!(said, [(Motion::SwipeUp, 14)]);
}

/// A slow push: the hand comes 1.4× closer over 0.7 s, and no frame grows it faster than
/// `path::GROWING` (54 → 57 → 60 → 62 → 65 → 69 → 72 pixels at 10 frames/s: `dev141-10`
/// sequence 56, the push on frames 9–16). It grows steadily, which is movement: the push is said,
/// within 300 ms of its end.
#[test]
fn a_push_whose_every_frame_grows_slowly_is_a_push() {
    let seen = [
        (272.0, 302.0, 53.0),
        (275.0, 305.0, 52.0),
        (277.0, 305.0, 53.0),
        (278.0, 305.0, 54.0),
        (279.0, 305.0, 54.0),
        (279.0, 305.0, 54.0),
        (275.0, 302.0, 54.0),
        (273.0, 302.0, 53.0),
        (271.0, 301.0, 54.0),
        (269.0, 299.0, 55.0),
        (274.0, 303.0, 54.0),
        (273.0, 303.0, 57.0),
        (276.0, 305.0, 60.0),
        (279.0, 309.0, 62.0),
        (281.0, 312.0, 65.0),
        (282.0, 315.0, 69.0),
        (285.0, 314.0, 72.0),
        (287.0, 316.0, 73.0),
        (287.0, 317.0, 74.0),
        (287.0, 316.0, 76.0),
        (286.0, 317.0, 75.0),
        (284.0, 317.0, 75.0),
        (283.0, 318.0, 73.0),
        (280.0, 316.0, 75.0),
        (280.0, 315.0, 75.0),
        (281.0, 315.0, 74.0),
    ];
    let said = said(10.0, 40, |i, _| {
        let (x, y, size) = seen[i.min(seen.len() - 1)];
        Some(HandAt { side: None, x, y, size, pose: Some(5), detected: i == 0 })
    });
    assert_eq!(said.iter().map(|s| s.0).collect::<Vec<_>>(), [Motion::Push]);
    assert!(said[0].1 <= 1.6 + 0.3 + 1e-9, "said at {:.1} s, the push ended at 1.6 s", said[0].1);
}

/// Photographs held ten frames each (`hands-frames` 110, 111, 112 as `held_frames.py --hold 10`
/// plays them): on each, the tracker's crop settles while nothing in view moves, and the measured
/// size grows (97 → 112 pixels); the next photograph's hand is bigger (124). Held at the size it
/// was first seen at, the hand's size jumps once from one photograph to the next, which is no
/// push; measured from the settled size of the last held frame, it grew in two steps, a push.
#[test]
fn a_crop_settling_on_a_held_photograph_makes_no_push_into_the_next() {
    let photographs: [((f32, f32), [f32; 10]); 3] = [
        ((215.0, 210.0), [96.9, 103.4, 107.4, 110.1, 110.5, 111.6, 111.5, 111.9, 111.7, 111.9]),
        ((317.0, 205.0), [97.5, 106.8, 110.5, 111.0, 111.7, 111.9, 111.9, 112.1, 112.2, 112.3]),
        ((304.0, 230.0), [124.2, 122.0, 130.5, 133.9, 134.1, 134.8, 137.0, 137.0, 137.4, 137.4]),
    ];
    let mut m = Motions::new(false);
    let mut said = Vec::new();
    for i in 0..30usize {
        let ((x, y), sizes) = photographs[i / 10];
        m.view(if i % 10 == 0 { Step::Changed } else { Step::Still });
        let hand = HandAt { side: None, x, y, size: sizes[i % 10], pose: Some(2), detected: i == 0 };
        said.extend(m.push(i as f64 / 10.0, &[hand]).into_iter().map(|e| (e.motion, i)));
    }
    assert!(said.is_empty(), "{said:?}");
}

/// A still hand the detector boxed at less than half its size: the tracker's crop grows onto it
/// by a tenth a frame for 0.9 s (`held130-10` sequence 109's path, as the tracker measured it),
/// longer than [`SETTLE`]. No push; the same path on a hand followed, steady, for a second
/// before it is one.
#[test]
fn a_crop_growing_onto_a_hand_just_found_is_no_push_however_long_it_takes() {
    #[rustfmt::skip]
    let path: [(f32, f32, f32); 19] = [
        (347.0, 331.0, 35.5), (347.0, 331.0, 39.3), (349.0, 331.0, 43.4), (350.0, 332.0, 47.5), (350.0, 334.0, 53.7),
        (352.0, 337.0, 62.6), (352.0, 341.0, 71.6), (351.0, 345.0, 76.1), (351.0, 347.0, 78.3), (351.0, 348.0, 80.1),
        (351.0, 349.0, 81.3), (352.0, 348.0, 81.1), (354.0, 347.0, 81.4), (355.0, 345.0, 82.3), (356.0, 343.0, 82.3),
        (356.0, 343.0, 82.1), (356.0, 343.0, 81.5), (357.0, 345.0, 81.0), (356.0, 348.0, 80.5),
    ];
    let run = |steady_for: usize| {
        said(10.0, steady_for + path.len() + 10, |i, _| {
            let (x, y, size) = path[i.saturating_sub(steady_for).min(path.len() - 1)];
            Some(HandAt { side: None, x, y, size, pose: Some(5), detected: i == 0 })
        })
    };
    assert_eq!(run(0), [], "found as the crop began to grow");
    assert_eq!(run(10).into_iter().map(|(m, _)| m).collect::<Vec<_>>(), [Motion::Push], "followed for a second first");
}
