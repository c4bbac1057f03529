//! Kill tests: `beckon-train fit` and `quantize` SIGKILLed mid-training and mid-export leave the
//! previous model folder byte-identical, and a rerun succeeds.
#![cfg(unix)]

use crate::common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Every visible file of `dir` (name → size and hash of its bytes). Hidden names are a run's
/// scratch files, which nothing reads.
fn snapshot(dir: &Path) -> BTreeMap<String, (usize, u64)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_file() && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap();
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&bytes, &mut h);
            (e.file_name().to_string_lossy().into_owned(), (bytes.len(), std::hash::Hasher::finish(&h)))
        })
        .collect()
}

fn train_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_beckon-train"));
    cmd.args(args).env("BECKON_LOG", "info").stdout(Stdio::null()).stderr(Stdio::piped());
    cmd
}

/// Runs `cmd` to the end; panics with its stderr if it fails. Returns how long it took.
fn run_ok(mut cmd: Command) -> Duration {
    let t = Instant::now();
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    t.elapsed()
}

/// When to kill: once stderr shows a line containing the text, or after a delay.
#[derive(Debug, Clone, Copy)]
enum At {
    Line(&'static str),
    After(Duration),
}

/// Starts `cmd` and SIGKILLs it at `at`; false if it had finished (or written its outputs) before.
fn kill(mut cmd: Command, at: At) -> bool {
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    match at {
        At::After(delay) => std::thread::sleep(delay),
        // Until the line comes, or stderr closes (the run ended without printing it).
        At::Line(text) => {
            let mut seen = false;
            while let Ok(line) = rx.recv() {
                if line.contains(text) {
                    seen = true;
                    break;
                }
            }
            // A kill point that never comes would make this test race the run's end.
            assert!(seen, "the run ended without printing {text:?}: the kill point is gone (did the output change?)");
        }
    }
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    let _ = child.wait();
    // Killed after it wrote its outputs (it says so on stderr, which closed at its death, so every
    // line it wrote is here): it finished, and its files are the new reference. (CI once killed a
    // quantize between its last write and its exit.)
    let wrote = rx.iter().any(|line| line.contains(WROTE));
    !(finished || wrote)
}

/// What `fit` and `quantize` log once every output is in place.
const WROTE: &str = "outputs written to";

/// Runs `cmd(i)` and kills it at `points[i]`, for each point; after each kill the visible files
/// of `out` must equal `before`. A run that finished before its kill becomes the new reference.
/// Returns how many kills landed, and the reference at the end.
fn kill_each(
    out: &Path,
    mut before: BTreeMap<String, (usize, u64)>,
    points: &[At],
    cmd: impl Fn(usize) -> Command,
    what: &str,
) -> (usize, BTreeMap<String, (usize, u64)>) {
    let mut killed = 0;
    for (i, &at) in points.iter().enumerate() {
        if kill(cmd(i), at) {
            killed += 1;
            assert_eq!(snapshot(out), before, "{what} killed at {at:?} changed the previous model's files");
        } else {
            before = snapshot(out);
        }
    }
    (killed, before)
}

#[test]
fn fit_and_quantize_killed_at_any_point_leave_the_previous_model_intact() {
    let dir = temp_dir("kill");
    let data = dir.join("data");
    small_fingers(&data, 24);
    let out = dir.join("model");
    let (d, o) = (data.to_str().unwrap(), out.to_str().unwrap());
    let fit = |seed: &str| {
        train_cmd(&["fit", "--data", d, "--out", o, "--input-size", "32", "--epochs", "16", "--batch-size", "16", "--seed", seed, "--no-progress"])
    };

    // The previous model, then a different one killed at several points.
    let full = run_ok(fit("1"));
    let before = snapshot(&out);
    assert!(before.contains_key("model.onnx") && before.contains_key("README.md"), "{:?}", before.keys());
    let points =
        [At::Line("epoch   1/"), At::Line("epoch   8/"), At::Line("export verified"), At::After(full / 10), At::After(full / 2), At::After(full * 8 / 10)];
    // Each attempt with another seed: its files would all differ from the previous ones.
    let (killed, before) = kill_each(&out, before, &points, |i| fit(&(10 + i).to_string()), "fit");
    assert!(killed >= 4, "only {killed} of {} kills landed before the run ended", points.len());
    run_ok(fit("2"));
    let after = snapshot(&out);
    assert_ne!(after["model.onnx"], before["model.onnx"], "the rerun did not replace the model");
    let leftovers: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).filter(|n| n.to_string_lossy().starts_with(".staging")).collect();
    assert!(leftovers.is_empty(), "the killed runs' staging folders were not cleaned up: {leftovers:?}");
    beckon::Classifier::load(out.join("model.onnx")).expect("the rerun's model loads");

    // Quantize: a first run adds the variants; a second with other settings is killed.
    let model = out.join("model.onnx");
    let m = model.to_str().unwrap();
    // Each run with another percentile: other scales, other int8 files.
    let quantize = |percentile: &str| {
        train_cmd(&[
            "quantize",
            "--model",
            m,
            "--data",
            d,
            "--seed",
            "1",
            "--calibration-images",
            "100",
            "--percentile",
            percentile,
            "--latency-runs",
            "400",
            "--variants",
            "int8,qdq,f16",
        ])
    };
    let full = run_ok(quantize("99.99"));
    let before = snapshot(&out);
    assert!(before.contains_key("model.int8.onnx") && before.contains_key("quantization.json"), "{:?}", before.keys());
    let points = [At::After(full / 10), At::After(full * 3 / 10), At::After(full / 2), At::After(full * 7 / 10), At::After(full * 85 / 100)];
    let (killed, before) = kill_each(&out, before, &points, |i| quantize(&format!("{}", 99.0 - i as f64)), "quantize");
    assert!(killed >= 3, "only {killed} of {} kills landed before the run ended", points.len());
    run_ok(quantize("90"));
    let after = snapshot(&out);
    assert_ne!(after["model.qdq.onnx"], before["model.qdq.onnx"], "the rerun did not replace the calibrated model");
    beckon::Classifier::load(out.join("model.qdq.onnx")).expect("the rerun's calibrated model loads");
}
