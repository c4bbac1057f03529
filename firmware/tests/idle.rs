//! When the palm detector runs while no hand is tracked: one frame in N with nothing in view, and
//! on every frame for a while after a tracked hand is lost.

use beckon::hand::track::RELOOK_LOOKS;
use beckon::hand::{HandFinder, PalmDetector};

use crate::common::repo;
use crate::hand_tracking::{detector, landmark_model};

/// With no hand in view the detector runs on one frame in N (`with_idle_every`, from `[region]
/// idle_detect_ms` and the frame rate), and a hand that then appears is found within those N
/// frames; once found it is tracked as before. (The shipped scenes without a hand, then a
/// hand: at 10 frames/s and the default 500 ms, N = 5.)
#[test]
fn with_no_hand_in_view_the_detector_idles_and_a_hand_is_picked_up_within_the_interval() {
    let classifier = landmark_model();
    let every = beckon::hand::track::idle_frames(std::time::Duration::from_millis(500), Some(10.0));
    assert_eq!(every, 5);
    let replay = repo().join("firmware/replay");
    let empty = [image::open(replay.join("none_wall.png")).unwrap().to_rgb8(), image::open(replay.join("none_desk.png")).unwrap().to_rgb8()];
    let hand = image::open(replay.join("5_35_pic00000_0.jpg")).unwrap().to_rgb8();
    let no_hand = classifier.info().label_index("none").unwrap();
    for appears_at in [12, 13, 14, 15, 16] {
        let mut finder = HandFinder::new(detector(), &classifier, true).unwrap().with_idle_every(every);
        let (mut runs, mut found_at) = (0, None);
        for n in 0..appears_at + 10 {
            let frame = if n < appears_at { &empty[n % 2] } else { &hand };
            let found = finder.process(frame, &classifier).unwrap();
            runs += usize::from(found.detector_ran);
            if n < appears_at {
                assert_eq!(found.prediction.index, no_hand, "frame {n}: a hand in an empty scene");
            } else if found.prediction.index != no_hand && found_at.is_none() {
                found_at = Some(n);
            }
        }
        let found_at = found_at.expect("the hand was never found");
        assert!(found_at - appears_at < every as usize, "appeared at {appears_at}, found at {found_at}");
        // Idle: ceil(appears_at / every) detector runs before the hand, one that finds it.
        assert!(runs <= appears_at.div_ceil(every as usize) + 1, "{runs} detector runs");
    }
    // Without idling (N = 1) the detector runs on every empty frame.
    let mut finder = HandFinder::new(detector(), &classifier, true).unwrap();
    let runs = (0..10).filter(|n| finder.process(&empty[n % 2], &classifier).unwrap().detector_ran).count();
    assert_eq!(runs, 10);
}

/// A tracked hand that is lost is looked for on every frame for one idle period, or longer with
/// `with_relook` (`beckon run` with motions: as long as a motion bridges a hand lost in a blur),
/// then idly.
#[test]
fn a_lost_hand_is_looked_for_on_every_frame_for_the_relook_time() {
    let classifier = landmark_model();
    let replay = repo().join("firmware/replay");
    let empty = [image::open(replay.join("none_wall.png")).unwrap().to_rgb8(), image::open(replay.join("none_desk.png")).unwrap().to_rgb8()];
    let hand = image::open(replay.join("5_35_pic00000_0.jpg")).unwrap().to_rgb8();
    // The frames after the hand is gone that the detector ran on, up to the first it skipped.
    let looked = |relook: u32| {
        let mut finder = HandFinder::new(detector(), &classifier, true).unwrap().with_idle_every(5).with_relook(relook);
        for _ in 0..3 {
            assert!(finder.process(&hand, &classifier).unwrap().hand.is_some_and(|h| h.landmarks.is_some()));
        }
        (0..20).take_while(|n| finder.process(&empty[n % 2], &classifier).unwrap().detector_ran).count()
    };
    assert_eq!(looked(0), 6, "the frame it is lost on and one idle period");
    assert_eq!(looked(7), 8, "the frame it is lost on and seven more");
}

/// While a hand just lost is looked for, each frame with no hand in the plain look gets
/// `RELOOK_LOOKS` of the extra looks in turn, though the view changed less than the on-change gap
/// ago: a hand only an extra look finds (here an open hand at half size at the frame's left end,
/// which the lite detector finds only in the frame zoomed out) is found on the frame after the
/// loss, and the same frame with no hand just lost is not (the extra looks wait for the gap).
#[test]
fn a_lost_hand_gets_the_extra_looks_in_turn_while_it_is_looked_for() {
    let classifier = landmark_model();
    let replay = repo().join("firmware/replay");
    let wall = image::open(replay.join("none_wall.png")).unwrap().resize_exact(640, 480, image::imageops::FilterType::Triangle).to_rgb8();
    let hand = image::open(replay.join("5_35_pic00000_0.jpg")).unwrap().to_rgb8();
    let small = image::open(replay.join("1_35_pic00008_0.jpg")).unwrap().resize_exact(112, 112, image::imageops::FilterType::Triangle).to_rgb8();
    let mut far = wall.clone();
    image::imageops::overlay(&mut far, &small, 0, (480 - 112) / 2);
    let full = PalmDetector::load(repo().join(beckon::hand::detector::FULL_PATH)).unwrap();
    let finder = || {
        HandFinder::new(detector(), &classifier, true)
            .unwrap()
            .with_second_look(beckon::hand::SECOND_LOOK.to_vec())
            .with_second_opinion(Some(full.clone()))
            .with_extra_looks_on_change(true, 100)
            .with_relook(7)
    };
    let all = 1 + 3 + 4;
    // The plain look misses the far hand, all the looks together find it.
    let plain = HandFinder::new(detector(), &classifier, false).unwrap().process(&far, &classifier).unwrap();
    assert!(plain.hand.is_none_or(|h| h.landmarks.is_none()), "the plain look found the far hand");
    // Just lost: the frame it is lost on gets every look (the view is new), the next one two.
    let mut f = finder();
    for _ in 0..3 {
        assert!(f.process(&hand, &classifier).unwrap().hand.is_some_and(|h| h.landmarks.is_some()));
    }
    assert_eq!(f.process(&wall, &classifier).unwrap().detector_runs, all);
    let found = f.process(&far, &classifier).unwrap();
    assert!(found.hand.is_some_and(|h| h.landmarks.is_some()), "the far hand, the frame after the loss");
    assert!(found.detector_runs <= 1 + RELOOK_LOOKS as u32, "{} detector runs", found.detector_runs);
    // Lost, on an empty view: two extra looks a frame for the rest of the relook time, then idle.
    let mut f = finder().with_idle_every(5);
    for _ in 0..3 {
        f.process(&hand, &classifier).unwrap();
    }
    let runs: Vec<u32> = (0..10).map(|_| f.process(&wall, &classifier).unwrap().detector_runs).collect();
    assert_eq!(runs, [all, 3, 3, 3, 3, 3, 3, 3, 0, 0]);
    // No hand just lost: the same far hand waits for the gap.
    let mut f = finder();
    assert_eq!(f.process(&wall, &classifier).unwrap().detector_runs, all);
    let found = f.process(&far, &classifier).unwrap();
    assert!(found.hand.is_none_or(|h| h.landmarks.is_none()) && found.detector_runs == 1, "{} detector runs", found.detector_runs);
}
