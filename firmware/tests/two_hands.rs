//! Two hands at once: each found with its own side, a mirrored frame swapping the sides, and
//! per-hand actions through the binary. Frames: `firmware/replay-two-hands` (six whole webcam
//! frames of session 16 of `../shared/datasets/two-hands`: the hand on the image's left shows 5
//! and the other 0 in the first three, the other way round in the last three).

use crate::common;

use std::path::PathBuf;

use beckon::Classifier;
use beckon::hand::{HandFinder, HandView, PalmDetector, Side};

fn frames() -> PathBuf {
    common::repo().join("firmware/replay-two-hands")
}

fn finder(classifier: &Classifier, mirror: bool) -> HandFinder {
    let detector = PalmDetector::load(common::repo().join(beckon::hand::detector::DEFAULT_PATH)).unwrap();
    HandFinder::new(detector, classifier, false).unwrap().with_max_hands(2).with_mirror(mirror)
}

/// Each hand found: (side, x of its crop's centre), left to right in the image.
fn hands(finder: &mut HandFinder, classifier: &Classifier, frame: &image::RgbImage) -> Vec<(Side, f32)> {
    let found = finder.process(frame, classifier).unwrap();
    let views: Vec<&HandView> = found.hand.iter().chain(found.others.iter().map(|o| &o.view)).filter(|h| h.landmarks.is_some()).collect();
    let mut hands: Vec<(Side, f32)> = views.iter().map(|h| (h.side.expect("the shipped model tells the sides"), h.crop.cx)).collect();
    hands.sort_by(|a, b| a.1.total_cmp(&b.1));
    hands
}

#[test]
fn both_hands_are_found_and_a_mirrored_frame_swaps_left_and_right() {
    let classifier = Classifier::load(common::repo().join("models/hands-landmarks-lite/model.onnx")).unwrap();
    assert!(classifier.has_handedness(), "the shipped model gives the landmark network's handedness");
    let mut plain = finder(&classifier, false);
    let mut selfie = finder(&classifier, true);
    let paths: Vec<PathBuf> = std::fs::read_dir(frames()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "jpg")).collect();
    assert_eq!(paths.len(), 6);
    for path in paths {
        let frame = image::open(&path).unwrap().to_rgb8();
        let w = frame.width() as f32;
        let seen = hands(&mut plain, &classifier, &frame);
        assert_eq!(seen.len(), 2, "{}: two hands, found {seen:?}", path.display());
        assert_ne!(seen[0].0, seen[1].0, "{}: one left and one right hand, found {seen:?}", path.display());
        // The frames are not mirrored (the shirt's logo reads the right way) and the person faces
        // the camera: their right hand is on the image's left. MediaPipe's own graph agrees (it
        // calls that hand "Left" in its mirrored convention on 16_pic00029, score 0.898).
        assert_eq!(seen[0].0, Side::Right, "{}: the hand on the image's left is the right hand: {seen:?}", path.display());
        // The same frame flipped: the hands trade places and sides.
        let flipped = image::imageops::flip_horizontal(&frame);
        let mirrored = hands(&mut plain, &classifier, &flipped);
        assert_eq!(mirrored.len(), 2, "{}: flipped", path.display());
        for (a, b) in seen.iter().zip(mirrored.iter().rev()) {
            assert!((a.1 - (w - b.1)).abs() < 0.05 * w, "{}: the flipped hand sits mirrored: {seen:?} vs {mirrored:?}", path.display());
            assert_eq!(a.0.other(), b.0, "{}: a mirrored frame swaps left and right: {seen:?} vs {mirrored:?}", path.display());
        }
        // Saying the frames are mirror images swaps them too.
        let said = hands(&mut selfie, &classifier, &frame);
        assert_eq!(said.iter().map(|h| h.0.other()).collect::<Vec<_>>(), seen.iter().map(|h| h.0).collect::<Vec<_>>(), "{}", path.display());
    }
}

/// The LED states of each frame line: e.g. `GPIO17=on GPIO27=off`.
fn leds_per_frame(out: &str) -> Vec<String> {
    out.lines().filter(|l| l.starts_with("frame ")).map(|l| l.split(" | ").find_map(|p| p.strip_prefix("LEDs ")).unwrap().to_string()).collect()
}

#[test]
fn each_hand_drives_its_own_pins_through_the_binary() {
    let dir = common::fresh_dir("two-hands-actions");
    let config = dir.join("beckon.toml");
    let body = |mirror: bool| {
        format!(
            "model = {model:?}\n[source]\nkind = \"replay\"\npath = {frames:?}\nmirror = {mirror}\n[region]\nmode = \"track\"\nmax_hands = 2\n\
             [decision]\nwindow = 1\n\
             [[action]]\nlabel = \"5\"\nhand = \"left\"\npins = [17]\n\
             [[action]]\nlabel = \"5\"\nhand = \"right\"\npins = [27]\n\
             [[action]]\nlabel = \"0\"\npins = [22]\n",
            model = common::repo().join("models/hands-landmarks-lite/model.onnx"),
            frames = frames(),
        )
    };
    for mirror in [false, true] {
        std::fs::write(&config, body(mirror)).unwrap();
        let (ok, out, err) = common::beckon(&["run", "--config", config.to_str().unwrap(), "--stats-every", "0"]);
        assert!(ok, "{out}\n{err}");
        let leds = leds_per_frame(&out);
        assert_eq!(leds.len(), 6, "{out}");
        // Each frame decides at once (window 1). Default (not mirrored: the shirt's logo reads the
        // right way): the hand on the image's left is the person's right hand; it shows 5 in the
        // first three frames. Mirrored, the sides (and so the pins) swap.
        let (first, then) = if mirror { ("GPIO17=on GPIO27=off", "GPIO17=off GPIO27=on") } else { ("GPIO17=off GPIO27=on", "GPIO17=on GPIO27=off") };
        for (i, l) in leds.iter().enumerate() {
            let want = if i < 3 { first } else { then };
            assert!(l.starts_with(want), "mirror = {mirror}, frame {i}: {l}, expected {want}\n{out}");
            assert!(l.ends_with("GPIO22=on"), "the other hand's 0 holds the any-hand pin: frame {i}: {l}");
        }
        assert!(out.contains("left hand none -> \"5\"") || out.contains("right hand none -> \"5\""), "{out}");
    }
    // An action for one hand with a model that cannot tell hands apart is refused, with why.
    std::fs::write(&config, body(false).replace("mode = \"track\"\nmax_hands = 2\n", "mode = \"fixed\"\n")).unwrap();
    let (ok, out, err) = common::beckon(&["run", "--config", config.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(err.contains("needs hand tracking"), "{err}");
    // `beckon check` says so too.
    let (ok, out, err) = common::beckon(&["check", "--config", config.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(out.contains("needs hand tracking") || err.contains("needs hand tracking"), "{out}\n{err}");
}

#[test]
fn capture_saves_each_hand_and_the_page_state_carries_both() {
    let dir = common::fresh_dir("two-hands-capture");
    let replay = frames();
    let args = ["capture", "--track", "--max-hands", "2", "--label", "both", "--count", "4", "--every", "0", "--countdown", "0"];
    let (ok, out, err) = common::beckon(&[&args[..], &["--replay", replay.to_str().unwrap(), "--out", dir.to_str().unwrap()]].concat());
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("saved 4/4"), "{out}");
    let crops = std::fs::read_dir(dir.join("both")).unwrap().count();
    assert_eq!(crops, 4, "two crops from each of the first two frames");

    let port = common::free_port().to_string();
    let listen = format!("127.0.0.1:{port}");
    let run =
        common::running::Running::start(&["--quiet", "--replay", replay.to_str().unwrap(), "--loop", "--fps", "10", "--max-hands", "2", "--preview", &listen]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let state = loop {
        let (_, body) = run.http("GET", "/state.json");
        let state: serde_json::Value = serde_json::from_str(&body).unwrap();
        if state["hands"].as_array().is_some_and(|h| h.len() == 2) || std::time::Instant::now() > deadline {
            break state;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let hands = state["hands"].as_array().unwrap_or_else(|| panic!("{state}"));
    assert_eq!(hands.len(), 2, "{state}");
    let mut sides: Vec<&str> = hands.iter().map(|h| h["hand"].as_str().unwrap()).collect();
    sides.sort();
    assert_eq!(sides, ["left", "right"], "{state}");
    assert!(hands.iter().all(|h| h["landmarks"].as_array().is_some_and(|l| l.len() == 21) && h["crop"].as_array().is_some_and(|c| c.len() == 4)), "{state}");
    let said: Vec<&str> = state["sides"].as_array().unwrap().iter().map(|g| g["hand"].as_str().unwrap()).collect();
    assert_eq!(said, ["left", "right"], "{state}");
}
