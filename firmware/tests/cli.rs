//! The `beckon` binary's bench and classify subcommands, run as a user runs them.
//!
//! Host-only: CI runs the ARM test binaries under qemu-user without binfmt, where a test cannot
//! exec another ARM binary. (The ARM `beckon` binary itself is run and checked by `.ci/run`.)
#![cfg(target_arch = "x86_64")]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

use common::{beckon, repo};

#[test]
fn bench_compares_models_by_ratio_to_the_first() {
    let (f32_model, int8) = ("models/fingers-cnn/model.onnx", "models/fingers-cnn/model.int8.onnx");
    let (ok, out, err) = beckon(&["bench", "--runs", "3", "--warmup", "1", f32_model, int8]);
    assert!(ok, "{err}");
    let rows: Vec<Vec<&str>> =
        out.lines().map(|l| l.split_whitespace().collect()).filter(|c: &Vec<&str>| c.first().is_some_and(|m| m.ends_with(".onnx"))).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert_eq!(rows[0][0], f32_model);
    assert_eq!(rows[0].last(), Some(&"1.00"), "the first model is the reference: {out}");
    assert_eq!(rows[1][1], "f32");
    let size_mb: f64 = rows[1][2].parse().unwrap();
    assert!((size_mb - std::fs::metadata(repo().join(int8)).unwrap().len() as f64 / 1e6).abs() < 0.01);
}

#[test]
fn both_convolution_layouts_run_and_give_the_same_gestures() {
    let lite = "models/hands-landmarks-lite/model.onnx";
    let (ok, out, err) = beckon(&["bench", "--runs", "2", "--warmup", "1", lite, &format!("{lite}@nchw")]);
    assert!(ok, "{err}");
    let names: Vec<&str> = out.lines().filter_map(|l| l.split_whitespace().next()).filter(|m| m.contains(".onnx")).collect();
    assert_eq!(names, [lite.to_string(), format!("{lite}@nchw")], "{out}");
    let changes = |extra: &[&str]| {
        let (ok, out, err) = beckon(&[&["run", "-q", "--max-frames", "23"][..], extra].concat());
        assert!(ok, "{err}");
        out.lines().filter(|l| l.starts_with("gesture change")).map(String::from).collect::<Vec<_>>()
    };
    let channels_last = changes(&[]);
    assert!(!channels_last.is_empty());
    assert_eq!(channels_last, changes(&["--nchw"]));
}

#[test]
fn bench_profile_says_where_each_models_time_goes() {
    let (cnn, lite) = ("models/fingers-cnn/model.onnx", "models/hands-landmarks-lite/model.onnx");
    let (ok, out, err) = beckon(&["bench", "--runs", "3", "--warmup", "1", "--profile", "4", cnn, lite]);
    assert!(ok, "{err}");
    for model in [cnn, lite] {
        let section: Vec<&str> = out.split(&format!("profile of {model}:")).nth(1).unwrap_or_else(|| panic!("no profile of {model}: {out}")).lines().collect();
        let ops: Vec<f64> =
            section.iter().skip(2).take_while(|l| !l.contains("slowest")).map(|l| l.split_whitespace().last().unwrap().parse().unwrap()).collect();
        assert!(ops.len() >= 2, "{model}: {out}");
        assert!((ops.iter().sum::<f64>() - 100.0).abs() < 1.0, "{model}: the shares add to 100 %: {ops:?}");
        let slowest = section.iter().skip_while(|l| !l.contains("slowest 4 nodes")).skip(1).take_while(|l| l.contains(" ms ")).count();
        assert_eq!(slowest, 4, "{model}: {out}");
    }
    assert!(out.contains("OptMatMul"), "tract's matrix products are named: {out}");
    assert!(out.contains("profile of models/backbones/palm_detection_lite/detector.onnx:"), "with a landmark model, the palm detector too: {out}");
}

#[test]
fn bench_names_a_missing_model() {
    let (ok, _, err) = beckon(&["bench", "--runs", "1", "models/none.onnx"]);
    assert!(!ok);
    assert!(err.contains("models/none.onnx") && err.contains("cannot read model file"), "{err}");
}

#[test]
fn classify_prints_label_and_probabilities_per_file() {
    let (ok, out, err) = beckon(&[
        "classify",
        "--model",
        "models/fingers-cnn/model.onnx",
        "firmware/tests/fixtures/fingers/2_0443.png",
        "firmware/tests/fixtures/fingers/5_1050.png",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!((lines[0][1], lines[1][1]), ("2", "5"));
    let p: Vec<f32> = lines[0][2].split(',').map(|v| v.parse().unwrap()).collect();
    assert_eq!(p.len(), 6);
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    let (ok, _, err) = beckon(&["classify", "firmware/replay/README.md"]);
    assert!(!ok && err.contains("README.md") && err.contains("cannot decode"), "{err}");
}

#[test]
fn sigterm_and_sigint_stop_a_looping_run_with_every_output_off() {
    use std::io::{BufRead, BufReader};
    for signal in ["-TERM", "-INT"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_beckon"))
            .args(["run", "--loop", "--fps", "50"])
            .current_dir(repo())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Wait until a gesture with a pin on is showing (class "1" lights GPIO17).
        let lit = lines.by_ref().map(|l| l.unwrap()).find(|l| l.starts_with("frame") && l.contains("=on"));
        assert!(lit.is_some(), "no LED ever went on");
        let killed = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
        let status = child.wait().unwrap();
        assert!(status.success(), "{signal}: exit status {status:?}; output {rest:?}");
        assert!(rest.iter().any(|l| l == "stopped by signal"), "{rest:?}");
        let last = rest.last().unwrap();
        assert_eq!(last, "outputs at exit: GPIO17=off GPIO27=off GPIO22=off", "{signal}");
    }
}

#[test]
fn a_bad_config_is_refused_with_file_line_and_key_before_any_output() {
    let dir = common::fresh_dir("cli-config");
    let example = std::fs::read_to_string(repo().join("firmware/beckon.toml")).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, example.replacen("label = \"2\"", "label = \"2/3\"", 1)).unwrap();
    let line = example.lines().position(|l| l == "label = \"2\"").unwrap() + 1;
    let (ok, out, err) = beckon(&["run", "--config", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains(&format!("bad.toml:{line}: action[1].label")) && err.contains("\"2/3\" may not contain '/'"), "{err}");
    assert!(!out.contains("outputs"), "outputs were set up before the config was validated: {out}");

    // The example itself runs: the blink and toggle actions switch their pins.
    let (ok, out, err) = beckon(&["run", "--config", "firmware/beckon.toml", "--quiet"]);
    assert!(ok, "{err}");
    assert!(out.contains("\"5\" → GPIO23 (toggle on each start)"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("gesture change") && l.contains("-> \"5\"") && l.contains("GPIO23=on")), "{out}");
    assert!(out.ends_with("outputs at exit: GPIO17=off GPIO27=off GPIO22=off GPIO23=off\n"), "{out}");
}

/// `gesture change` lines without the frame names (which differ between sources).
fn changes(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.starts_with("gesture change"))
        .map(|l| {
            let (head, rest) = l.split_once(" (").unwrap();
            format!("{head}{}", &rest[rest.find("):").unwrap() + 1..])
        })
        .collect()
}

#[test]
fn the_fake_pi_camera_is_supervised_and_restarted_and_matches_the_recording() {
    let (ok, out, err) = beckon(&["run", "--config", "firmware/tests/fixtures/rpicam.toml", "--quiet", "--max-frames", "48"]);
    assert!(ok, "{err}");
    assert!(out.contains("source rpicam:firmware/tests/fixtures/fake-rpicam-vid --timeout 0 --nopreview --codec mjpeg"), "{out}");
    // The fake streams the 24-frame recording once and exits; beckon restarts it.
    assert!(err.contains("stopped") && err.contains("restarting"), "{err}");
    let all = changes(&out);
    let shift = |line: &str| -> (u64, String) {
        let n: u64 = line["gesture change at frame ".len()..].split(':').next().unwrap().parse().unwrap();
        (n, line.split_once(':').unwrap().1.to_string())
    };
    let first: Vec<(u64, String)> = all.iter().map(|l| shift(l)).filter(|(n, _)| *n < 24).collect();
    let second: Vec<(u64, String)> = all.iter().map(|l| shift(l)).filter(|(n, _)| *n >= 24).map(|(n, s)| (n - 24, s)).collect();
    assert!(first.len() >= 6, "too few gesture changes: {all:?}");
    // The second pass starts from "5" instead of nothing, the rest repeats exactly.
    assert_eq!(first[1..], second[1..], "the restarted camera gave other gestures");
    assert!(out.ends_with("outputs at exit: GPIO17=off GPIO27=off GPIO22=off\n"), "{out}");

    // The same recording replayed from the file gives the same gestures at the same frames.
    let dir = common::fresh_dir("cli-mjpeg");
    let cfg = dir.join("replay-mjpeg.toml");
    let text = std::fs::read_to_string(repo().join("firmware/tests/fixtures/rpicam.toml")).unwrap().replace(
        "kind = \"rpicam\"\nprogram = \"firmware/tests/fixtures/fake-rpicam-vid\"",
        "kind = \"replay\"\npath = \"firmware/tests/fixtures/replay.mjpeg\"",
    );
    std::fs::write(&cfg, text).unwrap();
    let (ok, replayed, err) = beckon(&["run", "--config", cfg.to_str().unwrap(), "--quiet"]);
    assert!(ok, "{err}");
    let replay_changes = changes(&replayed);
    assert_eq!(replay_changes, all[..first.len()], "camera and recording disagree");
}

/// Writes the frames of `firmware/tests/fixtures/replay.mjpeg` as V4L2 buffer recordings, the
/// way a webcam delivers them: the JPEGs as they are (MJPG), and the decoded pixels as YUYV.
fn webcam_recordings(dir: &Path) -> [(PathBuf, &'static str); 2] {
    use beckon::camera::v4l2::pixels::{PixelFormat, StreamFormat, encode_yuyv};
    use beckon::camera::v4l2::recording::RecordingWriter;
    let file = std::fs::File::open(repo().join("firmware/tests/fixtures/replay.mjpeg")).unwrap();
    let mut reader = beckon::camera::mjpeg::MjpegReader::new(std::io::BufReader::new(file));
    let (mjpg, yuyv) = (dir.join("webcam-mjpg.v4l2rec"), dir.join("webcam-yuyv.v4l2rec"));
    let (mut m, mut y) = (None, None);
    while let Some(jpeg) = reader.next_jpeg().unwrap() {
        let image = image::load_from_memory(&jpeg).unwrap().to_rgb8();
        let (w, h) = image.dimensions();
        m.get_or_insert_with(|| RecordingWriter::create(&mjpg, &StreamFormat::packed(PixelFormat::Mjpeg, w, h)).unwrap()).write_buffer(&jpeg).unwrap();
        y.get_or_insert_with(|| RecordingWriter::create(&yuyv, &StreamFormat::packed(PixelFormat::Yuyv, w, h)).unwrap())
            .write_buffer(&encode_yuyv(&image))
            .unwrap();
    }
    [(mjpg, "MJPG 640×480"), (yuyv, "YUYV 640×480")]
}

#[test]
fn recorded_webcam_buffers_give_the_gestures_of_the_recording() {
    let dir = common::fresh_dir("cli-v4l2");
    let example = std::fs::read_to_string(repo().join("firmware/tests/fixtures/rpicam.toml")).unwrap();
    let with_source = |source: &str| {
        let cfg = dir.join("source.toml");
        std::fs::write(&cfg, example.replace("kind = \"rpicam\"\nprogram = \"firmware/tests/fixtures/fake-rpicam-vid\"", source)).unwrap();
        beckon(&["run", "--config", cfg.to_str().unwrap(), "--quiet"])
    };
    let (ok, replayed, err) = with_source("kind = \"replay\"\npath = \"firmware/tests/fixtures/replay.mjpeg\"");
    assert!(ok, "{err}");
    let expected = changes(&replayed);
    assert!(expected.len() >= 6, "{replayed}");
    for (recording, format) in webcam_recordings(&dir) {
        let (ok, out, err) = with_source(&format!("kind = \"v4l2\"\ndevice = \"{}\"", recording.display()));
        assert!(ok, "{err}");
        assert!(out.contains(&format!("source v4l2 recording {} ({format})", recording.display())), "{out}");
        assert!(out.contains("24 frames"), "{out}");
        assert_eq!(changes(&out), expected, "{format}: the webcam buffers gave other gestures");
        assert!(out.ends_with("outputs at exit: GPIO17=off GPIO27=off GPIO22=off\n"), "{out}");
    }
    // A missing device is refused before any output is touched, with what to check.
    let (ok, out, err) = with_source("kind = \"v4l2\"\ndevice = \"/dev/video-beckon-none\"");
    assert!(!ok && err.contains("v4l2:/dev/video-beckon-none") && err.contains("plugged in"), "{err}");
    assert!(!out.contains("=on"), "{out}");
}

#[test]
fn a_camera_that_never_delivers_gives_a_clear_error() {
    let dir = common::fresh_dir("cli-nocam");
    let example = std::fs::read_to_string(repo().join("firmware/tests/fixtures/rpicam.toml")).unwrap();
    for (program, words) in [("/bin/false", "stopped 5 times in a row without a frame"), ("/nonexistent/rpicam-vid", "cannot start it")] {
        let cfg = dir.join("nocam.toml");
        std::fs::write(&cfg, example.replace("firmware/tests/fixtures/fake-rpicam-vid", program)).unwrap();
        let (ok, out, err) = beckon(&["run", "--config", cfg.to_str().unwrap(), "--quiet"]);
        assert!(!ok);
        assert!(err.contains(program) && err.contains(words), "{err}");
        assert!(!out.contains("=on"), "{out}");
    }
}

#[test]
fn a_frame_cut_short_is_skipped_and_counted_not_classified() {
    let dir = common::fresh_dir("cli-truncated");
    let png = std::fs::read(repo().join("firmware/replay/none_wall.png")).unwrap();
    let jpeg = std::fs::read(repo().join("firmware/replay/5_35_pic00000_0.jpg")).unwrap();
    std::fs::write(dir.join("a_whole.png"), &png).unwrap();
    std::fs::write(dir.join("b_cut.png"), &png[..png.len() * 2 / 3]).unwrap();
    std::fs::write(dir.join("c_cut.jpg"), &jpeg[..jpeg.len() / 2]).unwrap();
    std::fs::write(dir.join("d_whole.jpg"), &jpeg).unwrap();
    let (ok, out, err) = beckon(&["run", "--replay", dir.to_str().unwrap()]);
    assert!(ok, "{err}");
    let classified: Vec<&str> = out.lines().filter(|l| l.starts_with("frame")).collect();
    assert_eq!(classified.len(), 2, "{out}");
    assert!(classified[0].contains("a_whole.png") && classified[1].contains("d_whole.jpg"), "{out}");
    assert!(err.contains("b_cut.png") && err.contains("truncated PNG"), "{err}");
    assert!(err.contains("c_cut.jpg") && err.contains("truncated JPEG"), "{err}");
    assert!(out.contains("done: 2 frames (2 skipped: unreadable or cut short)"), "the skips are not counted: {out}");
}

#[test]
fn capture_saves_numbered_frames_and_refuses_bad_labels() {
    let out = common::fresh_dir("cli-capture");
    let o = out.to_str().unwrap();
    let (ok, stdout, err) = beckon(&["capture", "--label", "fist", "--count", "3", "--every", "0", "--countdown", "0", "--out", o]);
    assert!(ok, "{err}");
    assert!(stdout.contains("saved 3/3") && stdout.contains("beckon-train fit --data"), "{stdout}");
    let files = common::captured_frames(&out.join("fist"));
    let numbers: Vec<&str> = files.iter().map(|f| &f[f.len() - 8..]).collect();
    assert_eq!(numbers, ["0000.png", "0001.png", "0002.png"], "{files:?}");
    // A second run is a second recording, numbered on.
    let (ok, _, err) = beckon(&["capture", "--label", "fist", "--count", "1", "--every", "0", "--countdown", "0", "--out", o]);
    assert!(ok, "{err}");
    let names: Vec<String> = std::fs::read_dir(out.join("fist")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let fourth = names.iter().find(|n| n.ends_with("_0003.png")).unwrap_or_else(|| panic!("no 4th frame: {names:?}"));
    assert_ne!(fourth.split('_').next(), files[0].split('_').next(), "the second run reused the first run's recording id");
    let (ok, _, err) = beckon(&["capture", "--label", "hands/fist", "--out", o]);
    assert!(!ok && err.contains("--label") && err.contains("'/'"), "{err}");
}

#[test]
fn capture_killed_at_any_point_leaves_only_whole_images() {
    let dir = common::fresh_dir("cli-capture-kill");
    // The example config, looping its replay frames as fast as they decode.
    let cfg = dir.join("beckon.toml");
    let example = std::fs::read_to_string(repo().join("firmware/beckon.toml")).unwrap();
    std::fs::write(&cfg, example.replace("loop = false", "loop = true").replace("fps = 5.0", "fps = 0.0")).unwrap();
    let out = dir.join("dataset");
    let visible = || -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(out.join("fist"))
            .map(|d| d.map(|e| e.unwrap().path()).filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.')).collect())
            .unwrap_or_default();
        files.sort();
        files
    };
    let args = ["capture", "--label", "fist", "--count", "100000", "--every", "0", "--countdown", "0", "--config"];
    let mut killed = 0;
    for ms in [150u64, 400, 700, 1000, 1300, 1700] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_beckon"))
            .args(args)
            .arg(&cfg)
            .arg("--out")
            .arg(&out)
            .current_dir(repo())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(ms));
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        // Every file a training run would read is a whole image (a trainer skips hidden files).
        for f in visible() {
            beckon::camera::image_file::open(&f).unwrap_or_else(|e| panic!("{} after a kill at {ms} ms: {e}", f.display()));
        }
    }
    assert_eq!(killed, 6, "capture ended by itself");
    let before = visible().len();
    assert!(before > 6, "too few frames were captured to test anything: {before}");
    let (ok, stdout, err) = beckon(&["capture", "--label", "fist", "--count", "2", "--every", "0", "--countdown", "0", "--out", out.to_str().unwrap()]);
    assert!(ok && stdout.contains("saved 2/2"), "{stdout}{err}");
    let names: Vec<String> = visible().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), before + 2);
    let last = names.last().unwrap();
    assert!(last.ends_with(&format!("_{:04}.png", before + 1)), "numbering does not continue: {names:?}");
}

#[test]
fn check_reports_each_part_and_fails_on_a_dead_camera() {
    let (ok, out, err) = beckon(&["check", "--config", "firmware/beckon.toml"]);
    assert!(ok, "{out}{err}");
    for line in [
        "ok    model:",
        "ok    camera:",
        "ok    hand: models/backbones/palm_detection_lite/detector.onnx loads; a hand in the test frame",
        "ok    outputs: 4 output(s) blinked once (sim)",
        "all checks passed",
    ] {
        assert!(out.contains(line), "{line:?} missing from {out}");
    }
    let dir = common::fresh_dir("cli-check");
    let cfg = dir.join("dead-camera.toml");
    let text = std::fs::read_to_string(repo().join("firmware/tests/fixtures/rpicam.toml")).unwrap();
    std::fs::write(&cfg, text.replace("firmware/tests/fixtures/fake-rpicam-vid", "/nonexistent/rpicam-vid")).unwrap();
    let (ok, out, err) = beckon(&["check", "--config", cfg.to_str().unwrap()]);
    assert!(!ok);
    assert!(out.contains("FAIL  camera:") && out.contains("ok    model:") && out.contains("ok    outputs:"), "{out}");
    assert!(err.contains("1 check(s) failed: camera"), "{err}");
}

#[test]
fn capture_with_tracking_saves_upright_hand_crops_and_skips_frames_without_a_gesture() {
    let dir = common::fresh_dir("cli-capture-track");
    let out_dir = dir.to_str().unwrap();
    let (ok, out, err) = beckon(&[
        "capture",
        "--label",
        "5",
        "--count",
        "20",
        "--every",
        "0",
        "--countdown",
        "0",
        "--track",
        "--replay",
        "firmware/tests/fixtures/palm",
        "--out",
        out_dir,
    ]);
    assert!(ok, "{err}");
    // 10 frames: one with the hand turned a quarter (not a gesture), skipped; one where the
    // detector's plain look finds no palm, found by the extra looks (on by default).
    assert!(!err.contains("no hand in 1_3_pic00047.jpg") && err.contains("no hand in rot90_0_3_pic00041.jpg: skipped"), "{err}");
    assert!(out.contains("done: 9 frames"), "{out}");
    let mut saved: Vec<PathBuf> = std::fs::read_dir(dir.join("5")).unwrap().map(|e| e.unwrap().path()).collect();
    saved.sort();
    assert_eq!(saved.len(), 9);
    for p in &saved {
        let img = image::open(p).unwrap();
        assert_eq!((img.width(), img.height()), (224, 224), "{}: the landmark model's input size", p.display());
    }
}

/// `--events json`: stdout carries one JSON object per gesture change and nothing else; the
/// human lines go to stderr.
#[test]
fn events_json_prints_one_object_per_gesture_change_on_stdout() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_beckon")).args(["run", "--events", "json"]).current_dir(repo()).output().unwrap();
    assert!(out.status.success());
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let events: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}"))).collect();
    let changes: usize =
        stderr.lines().find_map(|l| l.strip_prefix("done: ")).and_then(|l| l.split(", ").nth(1)).and_then(|p| p.split(' ').next()).unwrap().parse().unwrap();
    assert_eq!(events.len(), changes, "{stdout}\n{stderr}");
    assert!(changes >= 3, "{stderr}");
    assert_eq!(events[0]["previous"], serde_json::Value::Null);
    assert!(events.windows(2).all(|w| w[1]["previous"] == w[0]["gesture"]), "{stdout}");
    assert!(stderr.contains("model ") && !stdout.contains("model "), "the other lines belong on stderr");
    // A bad [output] value names the file, the line and the key.
    let dir = common::fresh_dir("events");
    let cfg = dir.join("beckon.toml");
    let example = std::fs::read_to_string(repo().join("firmware/beckon.toml")).unwrap();
    std::fs::write(&cfg, format!("{example}\n[output]\nevents = \"yaml\"\n")).unwrap();
    let (ok, _, err) = beckon(&["run", "--config", cfg.to_str().unwrap()]);
    assert!(!ok && err.contains("beckon.toml:") && err.contains("output.events") && err.contains("\"json\""), "{err}");
}

/// `--threads 2` with a hand finder reads and decodes frames one ahead on a thread of its own
/// and finds hands on one: on a sequence where the hand moves (the committed wave and swipe),
/// played as fast as it decodes, every frame line — gesture, outputs, where the palm is — is
/// the one thread's.
#[test]
fn two_threads_decode_ahead_and_print_one_threads_frames() {
    let run = |threads: &str| {
        let args = ["run", "--replay", "firmware/tests/fixtures/motion", "--fps", "10", "--unpaced", "--stats-every", "0", "--threads", threads];
        let (ok, out, err) = beckon(&args);
        assert!(ok, "--threads {threads}: {err}");
        // Each frame's line without its time.
        out.lines()
            .filter(|l| l.starts_with("frame"))
            .map(|l| l.split(" | ").filter(|p| !p.ends_with(" ms")).collect::<Vec<_>>().join(" | "))
            .collect::<Vec<_>>()
    };
    let one = run("1");
    assert!(one.len() >= 60 && one.iter().filter(|l| l.contains("palm at")).count() * 2 >= one.len(), "{one:#?}");
    assert_eq!(run("2"), one);
}
