//! Finding the hand in whole frames: beckon's palm detector, crops and landmarks against
//! MediaPipe's own pipeline on the same frames (fixture `fixtures/palm`, made once by
//! `trainer/tools/palm_reference.py`), and tracking on a replayed sequence.

use std::path::{Path, PathBuf};

use beckon::Classifier;
use beckon::hand::{HandFinder, PalmDetector, RotatedRect, View};

use crate::common::{files_under, repo, shared};

fn fixture() -> PathBuf {
    repo().join("firmware/tests/fixtures/palm")
}

pub(crate) fn detector() -> PalmDetector {
    PalmDetector::load(repo().join(beckon::hand::detector::DEFAULT_PATH)).expect("shipped palm detector loads")
}

pub(crate) fn landmark_model() -> Classifier {
    Classifier::load(repo().join("models/hands-landmarks-lite/model.onnx")).expect("shipped landmark model loads")
}

fn reference() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture().join("reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn palm_detections_match_mediapipe_within_a_pixel() {
    let det = detector();
    let mut worst = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let mut palms = 0;
    for frame in reference()["frames"].as_array().unwrap() {
        let name = frame["frame"].as_str().unwrap();
        let image = image::open(fixture().join(name)).unwrap().to_rgb8();
        let got = det.detect(&image).unwrap().detections;
        let want = frame["palm_detections"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{name}: {} palms, MediaPipe found {}", got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            palms += 1;
            let b = floats(&w["box"]);
            let box_diff = max_diff(&[g.xmin, g.ymin, g.width(), g.height()], &b);
            let kp: Vec<f32> = w["keypoints"].as_array().unwrap().iter().flat_map(floats).collect();
            let kp_diff = max_diff(&g.keypoints.concat(), &kp);
            let score_diff = (g.score - w["score"].as_f64().unwrap() as f32).abs();
            assert!(box_diff <= 1.0, "{name}: box {:?} vs MediaPipe's {b:?} ({box_diff:.2} px apart)", [g.xmin, g.ymin, g.width(), g.height()]);
            assert!(kp_diff <= 1.5, "{name}: keypoints {kp_diff:.2} px from MediaPipe's");
            assert!(score_diff <= 0.01, "{name}: score {} vs {}", g.score, w["score"]);
            // The crop made from it: MediaPipe's rotated rectangle.
            let r = RotatedRect::from_detection(g);
            let want_rect = floats(&frame["palm_rects"][palms_in(frame, g, want)]);
            let rect_diff = max_diff(&[r.cx, r.cy, r.width, r.height], &want_rect[..4]);
            let rot_diff = (r.rotation - want_rect[4]).abs();
            assert!(rect_diff <= 2.6 && rot_diff <= 0.01, "{name}: crop {r:?} vs MediaPipe's {want_rect:?}");
            worst = (worst.0.max(box_diff), worst.1.max(kp_diff), worst.2.max(rect_diff), worst.3.max(rot_diff));
        }
    }
    assert!(palms >= 9, "the fixture holds at least 9 palms, found {palms}");
    eprintln!(
        "{palms} palms; worst differences to MediaPipe: box {:.3} px, keypoints {:.3} px, crop {:.3} px, rotation {:.4} rad",
        worst.0, worst.1, worst.2, worst.3
    );
}

/// Index of `g`'s detection in MediaPipe's list (same order: best first).
fn palms_in(_frame: &serde_json::Value, g: &beckon::hand::Detection, want: &[serde_json::Value]) -> usize {
    want.iter().position(|w| (w["score"].as_f64().unwrap() as f32 - g.score).abs() <= 0.01).expect("a MediaPipe detection with the same score")
}

#[test]
fn landmarks_in_the_rotated_crop_match_mediapipes_in_frame_pixels() {
    let classifier = landmark_model();
    let mut finder = HandFinder::new(detector(), &classifier, false).unwrap();
    let mut worst = 0.0f32;
    let (mut hands, mut tilted) = (0, 0);
    for frame in reference()["frames"].as_array().unwrap() {
        let name = frame["frame"].as_str().unwrap();
        let image = image::open(fixture().join(name)).unwrap().to_rgb8();
        let found = finder.process(&image, &classifier).unwrap();
        let want = frame["landmarks"].as_array().unwrap();
        if found.hand.as_ref().is_some_and(|h| h.crop.rotation.abs() > beckon::hand::track::MAX_TILT_DEGREES.to_radians()) {
            // A hand turned sideways (the fixture's frame turned a quarter) is not a gesture.
            assert_eq!(classifier.info().labels[found.prediction.index], "none", "{name}");
            assert!(found.hand.unwrap().landmarks.is_none());
            tilted += 1;
            continue;
        }
        let got = found.hand.and_then(|h| h.landmarks);
        match (got, want.first()) {
            (None, None) => {}
            (Some(got), Some(w)) => {
                hands += 1;
                let w: Vec<f32> = w.as_array().unwrap().iter().flat_map(floats).collect();
                // Landmarks are in pixels of a 640-pixel frame; the hand spans 100-300 of them.
                let d = max_diff(&got.concat(), &w);
                assert!(d <= 4.0, "{name}: landmarks up to {d:.2} px from MediaPipe's");
                worst = worst.max(d);
            }
            (got, want) => panic!("{name}: beckon found a hand: {}, MediaPipe: {}", got.is_some(), want.is_some()),
        }
    }
    assert!(hands >= 8 && tilted == 1, "{hands} hands, {tilted} turned sideways");
    eprintln!("{hands} hands; landmarks at most {worst:.2} px from MediaPipe's");
}

/// `hands-frames/labels.csv`: file, label, session, hand box.
fn labelled_frames(dir: &Path) -> Vec<(String, String, String, [f32; 4])> {
    let text = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let b: Vec<f32> = f[3..7].iter().map(|v| v.parse().unwrap()).collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string(), [b[0], b[1], b[2], b[3]])
        })
        .collect()
}

fn iou(a: [f32; 4], b: [f32; 4]) -> f32 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h;
    w * h / union
}

/// The detector finds the labelled hand in whole webcam frames: its box overlaps the labelled
/// one (IoU ≥ 0.3) or the landmarks it leads to lie inside it (each landmark taken at the
/// frame's edge when it falls outside the frame, as the labelled boxes stop there: a hand whose
/// wrist is below the frame), on ≥ 95 % of the 279 frames.
#[test]
fn the_labelled_hand_is_found_in_at_least_95_percent_of_whole_frames() {
    let Some(dir) = shared("datasets/hands-frames") else { return };
    let classifier = landmark_model();
    let finder = HandFinder::new(detector(), &classifier, false).unwrap();
    let (found, total, missed) = labelled_hands_found(&dir, finder, &classifier);
    let rate = found as f64 / total as f64;
    assert!(rate >= 0.95, "found the labelled hand in {found} of {total} frames ({rate:.3}); missed {missed:?}");
}

/// A second look (the letterboxed frame zoomed out 1.5×, then the squares at the frame's two
/// ends) on frames where the whole frame shows no hand finds hands the first look misses
/// (measured: 270 → 274 of 279), and the 40 scenes without a hand stay quiet.
#[test]
fn a_second_look_finds_more_hands_and_scenes_without_one_stay_quiet() {
    let (Some(dir), Some(backgrounds)) = (shared("datasets/hands-frames"), shared("datasets/backgrounds")) else { return };
    let classifier = landmark_model();
    let (plain, total, _) = labelled_hands_found(&dir, HandFinder::new(detector(), &classifier, false).unwrap(), &classifier);
    let second_look = || HandFinder::new(detector(), &classifier, false).unwrap().with_second_look(vec![View::ZoomOut(1.5), View::Start, View::End]);
    let (more, _, missed) = labelled_hands_found(&dir, second_look(), &classifier);
    eprintln!("labelled hand found: {plain} of {total} with one look, {more} with the second look; missed {missed:?}");
    assert!(more >= plain + 3, "the second look found {more} against {plain}");
    assert_scenes_stay_quiet(&backgrounds, second_look(), &classifier);
}

/// MediaPipe's full palm detector as a second opinion where the lite one (whole frame and the
/// second look) finds no hand, and a found hand's crop refined from its landmarks: at least 99 %
/// of the labelled hands found, and the 40 scenes without a hand stay quiet.
#[test]
fn a_second_opinion_from_the_full_detector_finds_99_percent_and_scenes_stay_quiet() {
    let (Some(dir), Some(backgrounds)) = (shared("datasets/hands-frames"), shared("datasets/backgrounds")) else { return };
    let classifier = landmark_model();
    let full = || Some(PalmDetector::load(repo().join(beckon::hand::detector::FULL_PATH)).unwrap());
    let finder = || {
        HandFinder::new(detector(), &classifier, false)
            .unwrap()
            .with_second_look(beckon::hand::SECOND_LOOK.to_vec())
            .with_second_opinion(full())
            .with_refine(true)
    };
    let (found, total, missed) = labelled_hands_found(&dir, finder(), &classifier);
    eprintln!("labelled hand found with the second look and the second opinion: {found} of {total}; missed {missed:?}");
    assert!(found * 100 >= total * 99, "{found} of {total}; missed {missed:?}");
    assert_scenes_stay_quiet(&backgrounds, finder(), &classifier);
}

/// The extra looks as `beckon run` sets them up by default (issue 34): on whole frames, each one
/// new, as many hands found as with the extra looks on every look; in a room that does not
/// change they run once; where every frame differs, at most once per 10 s of video.
#[test]
fn extra_looks_run_when_the_view_changed_and_find_as_many_hands() {
    let (Some(dir), Some(backgrounds)) = (shared("datasets/hands-frames"), shared("datasets/backgrounds")) else { return };
    let classifier = landmark_model();
    let settings = beckon::config::TrackSettings {
        detector: repo().join(beckon::hand::detector::DEFAULT_PATH),
        tracking: false,
        ..beckon::config::TrackSettings::shipped()
    };
    assert!(settings.second_look && settings.second_opinion && settings.refine && settings.extra_looks_on_change, "the defaults");
    let always = beckon::config::TrackSettings { extra_looks_on_change: false, ..settings.clone() };
    let finder = |t: &beckon::config::TrackSettings, fps| beckon::session::plan::hand_finder(t, &classifier, fps).unwrap();
    let (by_default, total, _) = labelled_hands_found(&dir, finder(&settings, None), &classifier);
    let (every_look, _, _) = labelled_hands_found(&dir, finder(&always, None), &classifier);
    eprintln!("labelled hand found: {by_default} of {total} by default, {every_look} with the extra looks on every look");
    assert_eq!(by_default, every_look);
    let mut scenes: Vec<PathBuf> = std::fs::read_dir(&backgrounds).unwrap().map(|e| e.unwrap().path()).collect();
    scenes.sort();
    let scenes: Vec<image::RgbImage> = scenes.iter().filter_map(|p| image::open(p).ok()).map(|i| i.to_rgb8()).collect();
    // One scene, 30 frames at 10 a second (tracking off: the detector looks at every frame).
    let mut f = finder(&settings, Some(10.0));
    let runs: Vec<u32> = (0..30).map(|_| f.process(&scenes[0], &classifier).unwrap().detector_runs).collect();
    assert!(runs[0] > 1 && runs[1..].iter().all(|&r| r == 1), "{runs:?}");
    // A different scene every frame, 250 frames at 10 a second: extra looks 100 frames apart.
    let mut f = finder(&settings, Some(10.0));
    let hard: Vec<usize> = (0..250).filter(|&i| f.process(&scenes[i % scenes.len()], &classifier).unwrap().detector_runs > 1).collect();
    assert_eq!(hard, [0, 100, 200]);
}

/// `finder` sees no hand in any of the (at least 40) scenes under `backgrounds`.
fn assert_scenes_stay_quiet(backgrounds: &Path, mut finder: HandFinder, classifier: &Classifier) {
    let no_hand = classifier.info().labels.iter().position(|l| l == "none").unwrap();
    let mut scenes = 0;
    for path in files_under(backgrounds) {
        let Ok(image) = image::open(&path) else { continue };
        scenes += 1;
        let found = finder.process(&image.to_rgb8(), classifier).unwrap();
        assert_eq!(found.prediction.index, no_hand, "{}: a hand in a scene without one", path.display());
    }
    assert!(scenes >= 40, "{scenes} background scenes read");
}

/// How many labelled hands of `hands-frames` `finder` finds (the rule above), of how many, and
/// the frames it misses.
fn labelled_hands_found(dir: &Path, mut finder: HandFinder, classifier: &Classifier) -> (usize, usize, Vec<String>) {
    let (mut found, mut total) = (0, 0);
    let mut missed = Vec::new();
    for (file, _, _, b) in labelled_frames(dir) {
        let image = image::open(dir.join("frames").join(&file)).unwrap().to_rgb8();
        let hand = finder.process(&image, classifier).unwrap().hand;
        total += 1;
        let (w, h) = (image.width() as f32, image.height() as f32);
        let hit = hand.as_ref().is_some_and(|hand| {
            let by_box = hand.detection.as_ref().is_some_and(|d| iou([d.xmin, d.ymin, d.xmax, d.ymax], b) >= 0.3);
            let margin = 0.1 * (b[2] - b[0]).max(b[3] - b[1]);
            let inside = hand.landmarks.as_ref().is_some_and(|l| {
                l.iter()
                    .map(|p| [p[0].clamp(0.0, w), p[1].clamp(0.0, h)])
                    .all(|p| p[0] >= b[0] - margin && p[0] <= b[2] + margin && p[1] >= b[1] - margin && p[1] <= b[3] + margin)
            });
            by_box || inside
        });
        if hit {
            found += 1;
        } else {
            missed.push(file);
        }
    }
    eprintln!("hand found in {found} of {total} frames; missed: {}", missed.join(" "));
    (found, total, missed)
}

/// While the hand stays in view, the crop follows it and the detector rarely runs: a session's
/// frames (the shipped replay crops, a hand in each) in order, each held for ten frames (a hand
/// kept still, then the next photograph: a new scene, where the detector looks afresh).
#[test]
fn tracking_runs_the_detector_on_at_most_a_tenth_of_the_frames_of_a_sequence() {
    let classifier = landmark_model();
    let mut finder = HandFinder::new(detector(), &classifier, true).unwrap();
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(repo().join("firmware/replay")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "jpg")).collect();
    files.sort();
    let (mut runs, mut right, mut new_scenes) = (0, 0, 0);
    for f in &files {
        let image = image::open(f).unwrap().to_rgb8();
        for k in 0..10 {
            let found = finder.process(&image, &classifier).unwrap();
            runs += u32::from(found.detector_ran);
            new_scenes += u32::from(found.detector_ran && k == 0);
            let label = &f.file_name().unwrap().to_string_lossy()[..1];
            right += u32::from(classifier.info().labels[found.prediction.index] == label);
        }
    }
    let n = 10 * files.len() as u32;
    eprintln!("{n} frames with a hand: detector ran on {runs}, {right} classified right");
    assert!(n >= 200);
    assert!(runs * 10 <= n, "the detector ran on {runs} of {n} frames");
    // Most photographs differ from the one before in most of the view (`hand::change::Cuts`).
    assert!(new_scenes * 2 >= files.len() as u32, "the detector looked at {new_scenes} of {} new photographs", files.len());
    assert!(right * 10 >= n * 9, "{right} of {n} right");
}

/// End to end on whole frames: `beckon run --region track --no-tracking` (each frame on its
/// own) over the frames of session 35, which the shipped model never trained on (its card:
/// `--exclude-sessions 35`): at least 0.93 counted right.
#[cfg(target_arch = "x86_64")]
#[test]
fn beckon_run_counts_fingers_in_whole_frames_of_a_session_the_model_never_saw() {
    let Some(dir) = shared("datasets/hands-frames") else { return };
    let replay = crate::common::fresh_dir("session35");
    for (file, _, session, _) in labelled_frames(&dir) {
        if session == "35" {
            std::fs::copy(dir.join("frames").join(&file), replay.join(&file)).unwrap();
        }
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_beckon"))
        .args(["run", "--region", "track", "--no-tracking", "--replay"])
        .arg(&replay)
        .current_dir(repo())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("palm detector ran on 38 of 38 frames"), "{stdout}");
    let (mut right, mut total) = (0, 0);
    for line in stdout.lines().filter(|l| l.starts_with("frame ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (name, top) = (words[2], words[4].trim_matches('"'));
        total += 1;
        right += usize::from(name[..1] == *top);
    }
    eprintln!("session 35, whole frames, end to end: {right}/{total} counted right");
    assert_eq!(total, 38);
    assert!(right as f64 >= 0.93 * total as f64, "{right}/{total}: {stdout}");
}

/// `beckon run --second-look`: four frames where one look finds no hand (a hand near the
/// frame's edge, large or low); with the second look it finds a hand in at least three.
#[test]
fn beckon_run_with_a_second_look_finds_hands_one_look_misses() {
    let Some(dir) = shared("datasets/hands-frames") else { return };
    let replay = crate::common::fresh_dir("second-look");
    for file in ["3_1528664299.56_pic00201.jpg", "1_2_pic00599.jpg", "1_3_pic00047.jpg", "3_46_pic00012.jpg"] {
        std::fs::copy(dir.join("frames").join(file), replay.join(file)).unwrap();
    }
    let hands = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_beckon"))
            .args(["run", "--region", "track", "--no-tracking", "--replay"])
            .arg(&replay)
            .args(extra)
            .current_dir(repo())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let found = stdout.lines().filter(|l| l.starts_with("frame ") && !l.contains("top \"none\"")).count();
        (found, stdout)
    };
    let (one, stdout) = hands(&["--plain-look"]);
    assert_eq!(one, 0, "one look: {stdout}");
    // By default the extra looks run where the view changed: here, every frame.
    let (default, stdout) = hands(&[]);
    assert!(default >= 3, "by default: {stdout}");
    let (two, stdout) = hands(&["--second-look"]);
    assert!(two >= 3, "second look: {stdout}");
    assert!(stdout.contains("a second look"), "{stdout}");
}

/// A frame as reported: its name, label, landmarks and whether the palm detector ran on it.
type Reported = (String, usize, Option<Vec<[f32; 2]>>, bool);

/// A replay that gives frame N + 1 only once frame N has been reported: a camera the loop keeps
/// up with.
struct Gated {
    replay: beckon::camera::ReplaySource,
    given: u64,
    reported: std::sync::Arc<(std::sync::Mutex<u64>, std::sync::Condvar)>,
}

impl beckon::camera::FrameSource for Gated {
    fn describe(&self) -> String {
        "gated replay".into()
    }
    fn next_frame(&mut self) -> beckon::Result<Option<beckon::camera::Frame>> {
        let (count, changed) = &*self.reported;
        let mut reported = count.lock().unwrap();
        while *reported < self.given {
            reported = changed.wait(reported).unwrap();
        }
        self.given += 1;
        self.replay.next_frame()
    }
}

/// Each frame's name, label and landmarks through the frame loop with `in_flight` copies of
/// the hand finder, frames from `source`; `reported` counts the frames reported.
fn through_the_loop(
    classifier: &Classifier,
    finder: &HandFinder,
    in_flight: usize,
    source: &mut (dyn beckon::camera::FrameSource + Send),
    reported: &(std::sync::Mutex<u64>, std::sync::Condvar),
) -> Vec<Reported> {
    use beckon::gpio::{LedBank, LedMap, SimPin, TransitionLog};
    let info = classifier.info();
    let map = LedMap::binary(&info.labels, &[17, 27, 22], info.no_hand_label.as_deref().and_then(|l| info.label_index(l))).unwrap();
    let mut leds = LedBank::new(map.pins(), |b| Ok(SimPin::new(format!("GPIO{b}"), TransitionLog::default()))).unwrap();
    let mut pipeline = beckon::runner::Pipeline::simple(&map, 1, 0.5).unwrap();
    pipeline.hand = Some(finder.clone());
    pipeline.in_flight = in_flight;
    let mut frames = Vec::new();
    beckon::runner::run(classifier, source, &mut pipeline, &mut leds, &beckon::runner::Limits::default(), |r, _| {
        frames.push((r.name.clone(), r.prediction.index, r.hand.as_ref().and_then(|h| h.landmarks.clone()), r.detector_ran));
        *reported.0.lock().unwrap() += 1;
        reported.1.notify_all();
    })
    .unwrap();
    frames
}

/// Frames in flight (`--threads 2` with tracking), on a sequence where the hand moves (the
/// committed motion fixture: a wave and a swipe). When frames come no faster than they are
/// done, the answers are exactly one thread's; as fast as they decode, every frame still comes
/// out, in order, the hand found in as many frames give or take a few, and the detector run
/// on as many give or take a quarter: a frame started before the one that lost the hand is
/// done takes over the state that frame leaves instead of looking for the same hand again.
#[test]
fn frames_in_flight_keep_the_order_and_give_one_threads_answers_when_the_loop_keeps_up() {
    use beckon::camera::ReplaySource;
    let classifier = landmark_model();
    let dir = repo().join("firmware/tests/fixtures/motion");
    let finder = HandFinder::new(detector(), &classifier, true).unwrap();
    let counter = || std::sync::Arc::new((std::sync::Mutex::new(0u64), std::sync::Condvar::new()));
    let one = counter();
    let one_thread = through_the_loop(&classifier, &finder, 1, &mut ReplaySource::open(&dir, 0.0, false).unwrap(), &one);
    assert!(one_thread.len() >= 60, "{} frames", one_thread.len());
    let found = |frames: &[Reported]| frames.iter().filter(|f| f.2.is_some()).count();
    assert!(found(&one_thread) * 2 >= one_thread.len(), "a hand in most frames ({} of {})", found(&one_thread), one_thread.len());
    let reported = counter();
    let mut gated = Gated { replay: ReplaySource::open(&dir, 0.0, false).unwrap(), given: 0, reported: reported.clone() };
    assert_eq!(through_the_loop(&classifier, &finder, 2, &mut gated, &reported), one_thread);
    let fast = through_the_loop(&classifier, &finder, 2, &mut ReplaySource::open(&dir, 0.0, false).unwrap(), &counter());
    let names = |frames: &[Reported]| frames.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&fast), names(&one_thread), "every frame, in order");
    assert!(found(&fast) + 4 >= found(&one_thread), "hand found in {} frames with two in flight, {} with one", found(&fast), found(&one_thread));
    let detected = |frames: &[Reported]| frames.iter().filter(|f| f.3).count();
    assert!(detected(&one_thread) >= 2, "the detector ran on {} frames with one thread", detected(&one_thread));
    // Before frames in flight took over the state a lost hand left, the detector ran about twice
    // as often; timing moves a few frames either way (CI, both cores loaded: 31 against 28).
    assert!(
        detected(&fast) <= detected(&one_thread) * 5 / 4 + 2,
        "the detector ran on {} frames with two in flight, {} with one",
        detected(&fast),
        detected(&one_thread)
    );
}

/// `scene` with `crop` (a hand held up) pasted at `x`, `y` as 200 × 200 pixels, blurred as a hand
/// moving sideways by `blur` pixels during the exposure (five positions averaged).
fn held_up(scene: &image::RgbImage, crop: &Path, x: u32, y: u32, blur: u32) -> image::RgbImage {
    let hand = image::imageops::resize(&image::open(crop).unwrap().to_rgb8(), 200, 200, image::imageops::FilterType::Triangle);
    let mut sum = vec![0u32; (scene.width() * scene.height() * 3) as usize];
    for k in 0..5 {
        let mut layer = scene.clone();
        image::imageops::replace(&mut layer, &hand, (x + blur * k / 4) as i64, y as i64);
        sum.iter_mut().zip(layer.as_raw()).for_each(|(s, &v)| *s += v as u32);
    }
    image::RgbImage::from_raw(scene.width(), scene.height(), sum.iter().map(|s| (s / 5) as u8).collect()).unwrap()
}

/// A hand resting in view (`office_35`: on a chair, far from upright, so no gesture) is often the
/// palm detector's best palm in the frame, and a hand held up elsewhere, blurred as a moving hand
/// is, ranks below it. Every such frame where the detector does list the held-up hand, the finder
/// finds it: it tries the next palms when the landmark model rejects the best
/// (`hand::track::EXTRA_PALMS`; with only the best tried, none of them were found).
#[test]
fn a_hand_resting_in_view_does_not_hide_one_held_up() {
    let (Some(hands), Some(backgrounds)) = (shared("datasets/hands/5"), shared("datasets/backgrounds")) else { return };
    let scene = image::open(backgrounds.join("office_35.jpg")).unwrap().to_rgb8();
    let classifier = landmark_model();
    let palms = detector();
    let (mut hidden, mut found) = (Vec::new(), 0);
    for crop in files_under(&hands).into_iter().step_by(25).take(16) {
        for blur in [10, 16, 22] {
            for x in [60, 200] {
                let frame = held_up(&scene, &crop, x, 30, blur);
                let inside = |cx: f32, cy: f32| (x as f32..(x + 200 + blur) as f32).contains(&cx) && (30.0..230.0).contains(&cy);
                let on_hand = |d: &beckon::hand::Detection| inside((d.xmin + d.xmax) / 2.0, (d.ymin + d.ymax) / 2.0);
                let listed = palms.detect(&frame).unwrap().detections;
                if listed.first().is_none_or(&on_hand) || !listed.iter().any(on_hand) {
                    continue;
                }
                hidden.push(format!("{} blur {blur} at {x}", crop.display()));
                let mut finder = HandFinder::new(detector(), &classifier, false).unwrap();
                let hand = finder.process(&frame, &classifier).unwrap().hand;
                let centre = hand.and_then(|h| h.landmarks).map(|l| l.iter().fold((0.0, 0.0), |(x, y), p| (x + p[0] / 21.0, y + p[1] / 21.0)));
                found += usize::from(centre.is_some_and(|(cx, cy)| inside(cx, cy)));
            }
        }
    }
    eprintln!("held-up hands ranked below another palm: {}; found {found}", hidden.len());
    assert!(hidden.len() >= 3, "the case this is about arose on {} frames: {hidden:?}", hidden.len());
    assert_eq!(found, hidden.len(), "{hidden:?}");
}
