//! When the palm detector runs while no hand is tracked: one frame in N with nothing in view, and
//! on every frame for a while after a tracked hand is lost.

use beckon::hand::HandFinder;

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
