//! The refining landmark pass after a detection (`hand::track::SURE`), on the committed frames.

use beckon::Classifier;
use beckon::hand::{HandFinder, PalmDetector};

use crate::common::{files_under, repo};

/// The refining pass after a detection runs only when the first pass is unsure of the gesture:
/// on the committed frames, a sure first pass is the answer in one pass; an unsure one gets the
/// second pass (unless the crops nearly agree). Both kinds occur in these frames.
#[test]
fn the_refining_pass_runs_only_after_an_unsure_first_pass() {
    let classifier = Classifier::load(repo().join("models/hands-landmarks-lite/model.onnx")).unwrap();
    let detector = || PalmDetector::load(repo().join(beckon::hand::detector::DEFAULT_PATH)).unwrap();
    let finder = |refine| HandFinder::new(detector(), &classifier, false).unwrap().with_refine(refine);
    let (mut plain, mut refining) = (finder(false), finder(true));
    let (mut sure, mut refined) = (0, 0);
    for path in files_under(&repo().join("firmware/replay")) {
        let frame = image::open(&path).unwrap().to_rgb8();
        let (first, with) = (plain.process(&frame, &classifier).unwrap(), refining.process(&frame, &classifier).unwrap());
        if first.hand.as_ref().is_none_or(|h| h.landmarks.is_none()) {
            continue;
        }
        let name = path.display();
        if first.prediction.confidence >= beckon::hand::track::SURE {
            sure += 1;
            assert_eq!(with.landmark_passes, 1, "{name}: sure first pass ({})", first.prediction.confidence);
            assert_eq!(with.prediction.probabilities, first.prediction.probabilities, "{name}: the first pass is the answer");
        } else if with.landmark_passes == 2 {
            refined += 1;
        }
    }
    assert!(sure >= 10 && refined >= 1, "{sure} sure first passes, {refined} refined");
}

/// On a tracked crop too: a pass the tracker made on the crop carried from the last frame that is
/// unsure of the gesture (the hand moved or changed inside it) gets the second pass on the crop
/// its landmarks give; without refining, a tracked frame is one pass. The committed motion
/// sequences (a wave and a swipe, fast hands) have such frames.
#[test]
fn an_unsure_pass_on_a_tracked_crop_is_refined_too() {
    let classifier = Classifier::load(repo().join("models/hands-landmarks-lite/model.onnx")).unwrap();
    let detector = || PalmDetector::load(repo().join(beckon::hand::detector::DEFAULT_PATH)).unwrap();
    let tracked_passes = |refine: bool| {
        let mut finder = HandFinder::new(detector(), &classifier, true).unwrap().with_refine(refine);
        let mut passes = Vec::new();
        for path in files_under(&repo().join("firmware/tests/fixtures/motion")).into_iter().filter(|p| p.extension().is_some_and(|e| e == "jpg")) {
            let found = finder.process(&image::open(&path).unwrap().to_rgb8(), &classifier).unwrap();
            if !found.detector_ran && found.hand.as_ref().is_some_and(|h| h.landmarks.is_some()) {
                passes.push(found.landmark_passes);
            }
        }
        passes
    };
    let (plain, refining) = (tracked_passes(false), tracked_passes(true));
    assert!(plain.len() >= 30 && plain.iter().all(|&n| n == 1), "without refining, one pass a tracked frame: {plain:?}");
    let refined = refining.iter().filter(|&&n| n == 2).count();
    assert!(refined >= 1 && refined * 2 < refining.len(), "with it, some tracked frames refined, most not: {refining:?}");
}
