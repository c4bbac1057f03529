//! Teaching gestures on the device through the `beckon` binary, as a user does it: `capture
//! --track` from a replay (twice per gesture: two recordings), `train`, then `run` with the
//! taught model. Uses only the committed replay frames (no `../shared`).

use crate::common;

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{beckon, repo};

fn fresh(name: &str) -> common::Scratch {
    common::fresh_dir(&format!("teach-{name}"))
}

/// A replay folder with the committed frames of one finger count.
fn frames_of(count: &str, into: &Path) -> PathBuf {
    std::fs::create_dir_all(into).unwrap();
    for e in std::fs::read_dir(repo().join("firmware/replay")).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with(&format!("{count}_")) {
            std::fs::copy(&p, into.join(p.file_name().unwrap())).unwrap();
        }
    }
    into.to_path_buf()
}

/// `beckon train` loads the model it wrote through tract and compares it with the head it
/// trained: the printed difference must be small.
fn written_matches_head(out: &str) -> bool {
    let line = out.lines().find(|l| l.starts_with("check:")).unwrap_or_default();
    line.rsplit(' ').next().and_then(|v| v.parse::<f32>().ok()).is_some_and(|d| d < 1e-3)
}

fn record(data: &Path, label: &str, frames: &Path) {
    let args = ["capture", "--track", "--label", label, "--count", "10", "--every", "0", "--countdown", "0"];
    let (ok, out, err) = beckon(&[&args[..], &["--replay", frames.to_str().unwrap(), "--out", data.to_str().unwrap()]].concat());
    assert!(ok, "{out}{err}");
}

#[test]
fn recorded_gestures_become_a_model_that_run_uses() {
    let root = fresh("flow");
    let (fists, opens) = (frames_of("0", &root.join("fists")), frames_of("5", &root.join("opens")));
    let data = root.join("gestures");
    for _ in 0..2 {
        record(&data, "fist", &fists);
        record(&data, "open", &opens);
    }
    let model_dir = data.join("model");
    let (ok, out, err) = beckon(&["train", "--data", data.to_str().unwrap(), "--out", model_dir.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("fist:") && out.contains("open:") && out.contains("from 2 recording(s)"), "{out}");
    // The shipped model's features join in: its counts nobody taught are one "other" gesture.
    assert!(out.contains("other: 0 examples") && out.contains("from the base model") && out.contains("features.bin"), "{out}");
    assert!(out.contains("leave-one-recording-out accuracy"), "two recordings per gesture give a held-out figure: {out}");
    let card = std::fs::read_to_string(model_dir.join("README.md")).unwrap();
    assert!(card.contains("beckon train --data") && card.contains("| fist |") && card.contains("Leave-one-recording-out accuracy"), "{card}");
    let model = model_dir.join("model.onnx");
    let (ok, info, err) = beckon(&["info", "--model", model.to_str().unwrap()]);
    assert!(ok && info.contains("fist") && info.contains("open") && info.contains("other") && info.contains("none"), "{info}{err}");
    for (frames, gesture) in [(&fists, "fist"), (&opens, "open")] {
        let (ok, out, err) = beckon(&["run", "--model", model.to_str().unwrap(), "--replay", frames.to_str().unwrap(), "--window", "1", "--quiet"]);
        assert!(ok, "{err}");
        assert!(out.contains(&format!("-> \"{gesture}\"")), "the taught model did not see {gesture} on its frames: {out}");
    }
    assert!(written_matches_head(&out), "{out}");
    assert_scenes_stay_quiet(&root, &model);
    // Rejecting untaught poses: the gate is in the graph (the written model still matches the
    // head with the gate, through tract), and the taught frames still count as known.
    let strict = root.join("strict");
    let (ok, out, err) = beckon(&["train", "--data", data.to_str().unwrap(), "--out", strict.to_str().unwrap(), "--reject-untaught"]);
    assert!(ok && out.contains("untaught:") && written_matches_head(&out), "{out}{err}");
    assert!(std::fs::read_to_string(strict.join("README.md")).unwrap().contains("--reject-untaught"));
    let (ok, out, err) =
        beckon(&["run", "--model", strict.join("model.onnx").to_str().unwrap(), "--replay", fists.to_str().unwrap(), "--window", "1", "--quiet"]);
    assert!(ok && out.contains("-> \"fist\""), "{out}{err}");
    // The model folder inside the data folder is not read as a gesture on the next run.
    let (ok, out, err) = beckon(&["train", "--data", data.to_str().unwrap(), "--out", model_dir.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
}

/// The taught model names no gesture on scenes without a hand, frame by frame (`--window 1`):
/// the committed two, and with `../shared` its 40 backgrounds.
fn assert_scenes_stay_quiet(root: &Path, model: &Path) {
    let scenes = root.join("scenes");
    std::fs::create_dir_all(&scenes).unwrap();
    for name in ["none_desk.png", "none_wall.png"] {
        std::fs::copy(repo().join("firmware/replay").join(name), scenes.join(name)).unwrap();
    }
    let mut folders = vec![scenes];
    folders.extend(common::shared("datasets/backgrounds"));
    for dir in folders {
        let (ok, out, err) = beckon(&["run", "--model", model.to_str().unwrap(), "--replay", dir.to_str().unwrap(), "--window", "1", "--quiet"]);
        assert!(ok, "{err}");
        let fired: Vec<&str> = out.lines().filter(|l| l.starts_with("gesture change") && !l.contains("-> none")).collect();
        assert!(fired.is_empty(), "a taught gesture fired on a scene without a hand in {}: {fired:?}", dir.display());
        assert!(out.contains(&format!("done: {} frames", std::fs::read_dir(&dir).unwrap().count())), "{out}");
    }
}

#[test]
fn bad_datasets_are_refused_and_the_previous_model_stays() {
    let root = fresh("bad");
    let fists = frames_of("0", &root.join("fists"));
    let opens = frames_of("5", &root.join("opens"));
    let data = root.join("gestures");
    let model_dir = root.join("model");
    let train = || beckon(&["train", "--data", data.to_str().unwrap(), "--out", model_dir.to_str().unwrap()]);
    record(&data, "fist", &fists);
    let (ok, _, err) = train();
    assert!(!ok && err.contains("teach at least two gestures"), "one gesture: {err}");
    record(&data, "open", &opens);
    let (ok, _, err) = train();
    assert!(!ok && err.contains("at least 5") && err.contains("record more"), "too few examples: {err}");
    record(&data, "fist", &fists);
    record(&data, "open", &opens);
    let (ok, out, err) = train();
    assert!(ok, "{out}{err}");
    let good = std::fs::read(model_dir.join("model.onnx")).unwrap();
    let stray = data.join("open/notes.txt");
    std::fs::write(&stray, "not a frame").unwrap();
    let (ok, _, err) = train();
    assert!(!ok && err.contains("notes.txt") && err.contains("not an image"), "foreign file: {err}");
    std::fs::remove_file(&stray).unwrap();
    std::fs::create_dir_all(data.join("a,b")).unwrap();
    let (ok, _, err) = train();
    assert!(!ok && err.contains("a,b") && err.contains("cannot be a gesture name"), "a folder name that is not a valid label: {err}");
    std::fs::remove_dir(data.join("a,b")).unwrap();
    std::fs::create_dir_all(data.join("none")).unwrap();
    let (ok, _, err) = train();
    assert!(!ok && err.contains("no-hand label"), "a gesture named like the no-hand label: {err}");
    assert_eq!(std::fs::read(model_dir.join("model.onnx")).unwrap(), good, "a failed run changed the model");
    let leftovers: Vec<_> = std::fs::read_dir(&model_dir).unwrap().map(|e| e.unwrap().file_name()).filter(|n| n.to_string_lossy().starts_with('.')).collect();
    assert!(leftovers.is_empty(), "a failed run left {leftovers:?}");
}

/// Re-teaching one of the shipped gestures: with --keep-base-gestures the model keeps the
/// shipped counts and learns "0" from one recording (fewer than 5 examples are enough for a
/// gesture the shipped features hold); without the shipped features it is the user's alone.
#[test]
fn one_shipped_gesture_is_retaught_and_the_others_kept() {
    let root = fresh("keep");
    let fists = frames_of("0", &root.join("fists"));
    let data = root.join("gestures");
    let args = ["capture", "--track", "--label", "0", "--count", "3", "--every", "0", "--countdown", "0"];
    let (ok, out, err) = beckon(&[&args[..], &["--replay", fists.to_str().unwrap(), "--out", data.to_str().unwrap()]].concat());
    assert!(ok, "{out}{err}");
    let model_dir = root.join("model");
    let (ok, out, err) = beckon(&["train", "--data", data.to_str().unwrap(), "--out", model_dir.to_str().unwrap(), "--keep-base-gestures"]);
    assert!(ok && out.contains("0: 3 examples") && out.contains("5: 0 examples"), "{out}{err}");
    // "Is it better than before?": the model the user has, on their three fists (the shipped
    // model knows "0" and was not trained on these frames' session); one recording gives the
    // taught model no held-out figure, and it says so.
    assert!(out.contains("vs before:  the model you have gets 3/3 (100 %) of your examples right; record each gesture again"), "{out}");
    let card = std::fs::read_to_string(model_dir.join("README.md")).unwrap();
    assert!(card.contains("**Against the model it replaces**") && card.contains("3/3"), "{card}");
    let model = model_dir.join("model.onnx");
    let (ok, info, err) = beckon(&["info", "--model", model.to_str().unwrap()]);
    assert!(ok && info.contains("labels:        0, 1, 2, 3, 4, 5, none"), "{info}{err}");
    let (ok, out, err) = beckon(&["run", "--model", model.to_str().unwrap(), "--replay", fists.to_str().unwrap(), "--window", "1", "--quiet"]);
    assert!(ok && out.contains("-> \"0\""), "{out}{err}");
    // The user's examples alone: one gesture is refused, naming the way out.
    let (ok, _, err) = beckon(&["train", "--data", data.to_str().unwrap(), "--out", model_dir.to_str().unwrap(), "--no-base-features"]);
    assert!(!ok && err.contains("teach at least two gestures"), "{err}");
}

/// A disk that fills up while the model is written (a file-size limit makes the write fail as
/// a full disk does): a clear error naming the file, the previous model as it was, nothing
/// half-written left behind.
#[test]
fn a_write_that_fails_leaves_the_previous_model_and_no_debris() {
    let root = fresh("full");
    let data = root.join("gestures");
    for _ in 0..2 {
        record(&data, "fist", &frames_of("0", &root.join("fists")));
        record(&data, "open", &frames_of("5", &root.join("opens")));
    }
    let model_dir = root.join("model");
    let train = ["train", "--data", data.to_str().unwrap(), "--out", model_dir.to_str().unwrap()];
    let (ok, out, err) = beckon(&train);
    assert!(ok, "{out}{err}");
    let good = std::fs::read(model_dir.join("model.onnx")).unwrap();
    let card = std::fs::read(model_dir.join("README.md")).unwrap();
    // 2048 blocks of 512 bytes (dash): the 4 MB model does not fit. SIGXFSZ ignored, so the
    // write fails with an error instead of killing the process.
    let out = std::process::Command::new("sh")
        .args(["-c", "trap '' XFSZ; ulimit -f 2048; exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_beckon")])
        .args(train)
        .current_dir(common::repo())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("cannot write") && err.contains("model.onnx"), "{err}");
    assert_eq!(std::fs::read(model_dir.join("model.onnx")).unwrap(), good, "a failed write changed the model");
    assert_eq!(std::fs::read(model_dir.join("README.md")).unwrap(), card, "a failed write changed the card");
    let dotted = |d: &std::path::Path| {
        std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name()).filter(|n| n.to_string_lossy().starts_with('.')).collect::<Vec<_>>()
    };
    let leftovers = [dotted(&model_dir), dotted(&root)].concat();
    assert!(leftovers.is_empty(), "a failed write left {leftovers:?}");
}

/// Issue 33, rows 9, 11 and 13: a gesture folder named `other` (the taught model's own
/// catch-all) or `none` is refused; `--out` equal to the data folder or to one of its gesture
/// folders is refused before anything is written (it used to leave the gesture out silently, or
/// a README.md among the gestures); `--save-features` never replaces what is not a regular file.
#[test]
fn reserved_names_out_folders_and_odd_files_are_refused() {
    let root = fresh("refusals");
    let (fists, opens) = (frames_of("0", &root.join("fists")), frames_of("5", &root.join("opens")));
    let data = root.join("gestures");
    // "0" and "5": counts the shipped features hold, so one recording of four frames teaches them.
    record(&data, "0", &fists);
    record(&data, "5", &opens);
    let d = data.to_str().unwrap();
    for (out, words) in
        [(data.clone(), "is the data folder"), (data.join("0"), "is the gesture folder \"0\""), (data.join("5/model"), "inside the gesture folder \"5\"")]
    {
        let (ok, stdout, err) = beckon(&["train", "--data", d, "--out", out.to_str().unwrap()]);
        assert!(!ok && err.contains("--out") && err.contains(words), "{}: {stdout}{err}", out.display());
    }
    assert!(!data.join("README.md").exists() && !data.join("0/README.md").exists(), "a refused train wrote a card");
    // Row 12: what a killed train left half-written (its process gone) is cleaned up by the next.
    let out = root.join("m");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join(".model.onnx.4194303.tmp"), b"half a model").unwrap();
    std::fs::write(out.join(".README.md.4194303.tmp"), b"half a card").unwrap();
    let (ok, stdout, err) = beckon(&["train", "--data", d, "--out", out.to_str().unwrap()]);
    assert!(ok, "{stdout}{err}");
    let left: Vec<_> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".tmp")).collect();
    assert!(left.is_empty(), "{left:?}");
    let fifo = root.join("features.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (ok, out, err) = beckon(&["train", "--data", d, "--out", root.join("m").to_str().unwrap(), "--save-features", fifo.to_str().unwrap()]);
    assert!(!ok && err.contains("not a regular file"), "{out}{err}");
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
    std::fs::rename(data.join("5"), data.join("other")).unwrap();
    let (ok, out, err) = beckon(&["train", "--data", d, "--out", root.join("m").to_str().unwrap()]);
    assert!(!ok && err.contains("\"other\"") && err.contains("rename the folder"), "{out}{err}");
}

/// Issue 33, row 12: `kill -9` during `beckon train`, a dozen times at different moments, over a
/// model taught on other gestures: the model and its card always describe the same gestures (the
/// old pair or the new one), and the next run leaves nothing half-written behind.
#[test]
fn a_train_killed_at_any_moment_leaves_a_model_and_card_that_agree() {
    let root = fresh("kills");
    let (fists, opens) = (frames_of("0", &root.join("fists")), frames_of("5", &root.join("opens")));
    let (two, three) = (root.join("two"), root.join("three"));
    for data in [&two, &three] {
        for _ in 0..2 {
            record(data, "fist", &fists);
            record(data, "open", &opens);
        }
    }
    for _ in 0..2 {
        record(&three, "wave", &opens);
    }
    let out = root.join("model");
    let (ok, stdout, err) = beckon(&["train", "--data", two.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(ok, "{stdout}{err}");
    let agree = || {
        let (ok, info, err) = beckon(&["info", "--model", out.join("model.onnx").to_str().unwrap()]);
        assert!(ok, "{info}{err}");
        let card = std::fs::read_to_string(out.join("README.md")).unwrap();
        let waves = (info.contains("wave"), card.contains("| wave |"));
        assert!(waves.0 == waves.1, "model says wave: {}, card says wave: {}", waves.0, waves.1);
        waves.0
    };
    // How long a whole run takes here; the kills land from its start to well past its end.
    let train = |data: &Path| beckon(&["train", "--data", data.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let start = std::time::Instant::now();
    assert!(train(&three).0);
    let whole = start.elapsed();
    assert!(agree());
    let mut outcomes = Vec::new();
    // At least a dozen kills; more, later ones while none has yet landed after the publish (a
    // loaded machine runs the killed trains slower than the one timed above: CI once saw all
    // twelve land before it).
    for i in 0..40u32 {
        if outcomes.len() >= 12 && outcomes.contains(&true) {
            break;
        }
        // Back to the pair without "wave", then a run teaching "wave", killed at i/8 of a run.
        if outcomes.last().copied().unwrap_or(true) {
            assert!(train(&two).0);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_beckon"))
            .args(["train", "--data", three.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .current_dir(repo())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole * i / 8);
        let _ = child.kill();
        let _ = child.wait();
        outcomes.push(agree());
    }
    // The kills fell both before the new pair was published and after.
    assert!(outcomes.contains(&false) && outcomes.contains(&true), "{outcomes:?}");
    // The next run cleans up what the killed ones left.
    let (ok, stdout, err) = beckon(&["train", "--data", two.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(ok, "{stdout}{err}");
    assert!(!agree());
    let dotted = |d: &Path| std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name()).filter(|n| n.to_string_lossy().starts_with('.')).collect::<Vec<_>>();
    assert!(dotted(&root).is_empty() && dotted(&out).is_empty(), "{:?} {:?}", dotted(&root), dotted(&out));
    eprintln!("after each kill, the card and model taught wave: {outcomes:?}");
}
