//! Ways a hostile but fair user broke `beckon` (issue 20), each kept broken-no-more through the
//! binary: signals in any number and kind turn every output off, a closed stdout ends the run
//! quietly, odd model files are refused before they are read, help tells the real default, a
//! replay folder with no decodable frame is an error looped or not, and capture from a replay
//! takes every frame.
//!
//! Host-only (spawns the x86 binary; see cli.rs).
#![cfg(target_arch = "x86_64")]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common;

use common::{beckon, repo};

fn temp(name: &str) -> crate::common::Scratch {
    crate::common::fresh_dir(&format!("hardening-{name}"))
}

fn kill(child: &Child, signal: &str) {
    assert!(Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap().success());
}

/// A quiet looping run, waited for until an output is on; the rest of its stdout is read by a
/// thread. Returns the child and the thread that collects the remaining lines.
fn lit_run() -> (Child, std::thread::JoinHandle<Vec<String>>) {
    let mut child =
        Command::new(env!("CARGO_BIN_EXE_beckon")).args(["run", "--loop", "--fps", "10", "-q"]).current_dir(repo()).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // With -q only gesture changes print: wait for one that switches a pin on.
    let lit = lines.by_ref().map(|l| l.unwrap()).find(|l| l.starts_with("gesture change") && l.contains("=on"));
    assert!(lit.is_some(), "no output ever went on");
    (child, std::thread::spawn(move || lines.map(|l| l.unwrap()).collect()))
}

#[test]
fn two_quick_sigints_still_switch_every_output_off() {
    for gap_ms in [5, 20] {
        let (child, rest) = lit_run();
        kill(&child, "-INT");
        std::thread::sleep(Duration::from_millis(gap_ms));
        kill(&child, "-INT");
        let mut child = child;
        let status = child.wait().unwrap();
        let rest = rest.join().unwrap();
        assert!(status.success(), "gap {gap_ms} ms: exit status {status:?}; output {rest:?}");
        assert_eq!(rest.last().map(String::as_str), Some("outputs at exit: GPIO17=off GPIO27=off GPIO22=off"), "gap {gap_ms} ms: {rest:?}");
    }
}

#[test]
fn sighup_and_sigquit_stop_like_sigterm() {
    for signal in ["-HUP", "-QUIT"] {
        let (child, rest) = lit_run();
        kill(&child, signal);
        let mut child = child;
        let status = child.wait().unwrap();
        let rest = rest.join().unwrap();
        assert!(status.success(), "{signal}: exit status {status:?}; output {rest:?}");
        assert!(rest.iter().any(|l| l == "stopped by signal"), "{signal}: {rest:?}");
        assert_eq!(rest.last().map(String::as_str), Some("outputs at exit: GPIO17=off GPIO27=off GPIO22=off"), "{signal}");
    }
}

/// `beckon run --loop | head`: the reader goes away; beckon ends quietly (no panic, status 0)
/// and switches its outputs off (the log on stderr says the run ended).
#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_beckon"))
        .args(["run", "--loop", "--fps", "50"])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 2000];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}; stderr {err}");
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{err}");
}

#[test]
fn devices_fifos_and_folders_are_refused_as_models() {
    let dir = temp("fifo");
    let fifo = dir.join("model.onnx");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for (model, words) in [("/dev/zero", "not a regular file"), (fifo.to_str().unwrap(), "FIFO"), ("models", "a folder")] {
        let start = std::time::Instant::now();
        let (ok, out, err) = beckon(&["run", "--max-frames", "1", "--model", model]);
        assert!(!ok, "{model}: {out}");
        assert!(err.contains(model) && err.contains(words), "{model}: {err}");
        assert!(start.elapsed() < Duration::from_secs(20), "{model} took {:?}", start.elapsed());
    }
    let (ok, _, err) = beckon(&["run", "--max-frames", "1", "--model", "models/missing.onnx"]);
    assert!(!ok && err.matches("os error 2").count() == 1, "{err}");
}

#[test]
fn help_names_the_real_default_model() {
    let (ok, out, _) = beckon(&["run", "--help"]);
    assert!(ok);
    assert!(out.contains("Default: models/hands-landmarks-lite/model.onnx"), "{out}");
    assert!(!out.contains("fingers-mobilenet-v1/model.onnx"), "{out}");
}

#[test]
fn a_replay_folder_with_no_decodable_frame_is_an_error_looped_or_not() {
    let dir = temp("undecodable");
    std::fs::write(dir.join("a.jpg"), b"not a jpeg").unwrap();
    std::fs::write(dir.join("b.png"), b"not a png").unwrap();
    for extra in [&[][..], &["--loop"][..]] {
        let (ok, out, err) = beckon(&[&["run", "--replay", dir.to_str().unwrap(), "--max-frames", "5"][..], extra].concat());
        assert!(!ok, "{extra:?}: {out}");
        assert!(err.contains("none of its 2 files decodes"), "{extra:?}: {err}");
    }
}

#[test]
fn capture_from_a_replay_takes_every_frame_and_refuses_nothing_to_do() {
    let out = temp("capture");
    let o = out.to_str().unwrap();
    let (ok, stdout, err) = beckon(&["capture", "--label", "fist", "--count", "10", "--countdown", "0", "--out", o]);
    assert!(ok, "{err}");
    assert!(stdout.contains("saved 10/10"), "{stdout}\n{err}");
    let (ok, _, err) = beckon(&["capture", "--label", "fist", "--count", "0", "--countdown", "0", "--out", o]);
    assert!(!ok && err.contains("--count"), "{err}");
    for label in ["x\ny", "a\u{202E}b"] {
        let (ok, _, err) = beckon(&["capture", "--label", label, "--count", "1", "--countdown", "0", "--out", o]);
        assert!(!ok && err.contains("control characters"), "{label:?}: {err}");
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "only fist/ was made");
}

/// `beckon ARGS`, killed if it has not ended within 20 s: (ended in time, success, stderr).
fn beckon_within_20_s(args: &[&str]) -> (bool, bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_beckon")).args(args).current_dir(repo()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let until = std::time::Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            return (false, false, String::new());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (true, child.wait().unwrap().success(), err)
}

/// Issue 33, rows 5 and 6: files beckon reads that are not models go through the same guard
/// (a regular file, a size cap): `/dev/zero` as a password file or base features was read until
/// memory ran out, a FIFO there or as a replay hung forever (ignoring SIGINT and SIGTERM).
#[test]
fn devices_and_fifos_as_password_features_or_replay_are_refused_at_once() {
    let dir = temp("odd-inputs");
    let fifo = dir.join("frames.mjpeg");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for password in ["/dev/zero", fifo.to_str().unwrap()] {
        let config = dir.join("beckon.toml");
        std::fs::write(
            &config,
            format!("[source]\nkind = \"replay\"\npath = \"firmware/replay\"\n[mqtt]\nhost = \"127.0.0.1\"\nusername = \"b\"\npassword_file = \"{password}\"\n[[action]]\nlabel = \"1\"\npins = [17]\n"),
        )
        .unwrap();
        let (ended, ok, err) = beckon_within_20_s(&["run", "--config", config.to_str().unwrap()]);
        assert!(ended && !ok && err.contains("mqtt.password_file") && err.contains("not a regular file"), "{password}: {err}");
    }
    let (ended, ok, err) = beckon_within_20_s(&["run", "--replay", fifo.to_str().unwrap()]);
    assert!(ended && !ok && err.contains("not a regular file"), "replay FIFO: {err}");
    let (ended, ok, err) =
        beckon_within_20_s(&["train", "--data", dir.to_str().unwrap(), "--out", dir.join("m").to_str().unwrap(), "--base-features", "/dev/zero"]);
    assert!(ended && !ok && err.contains("/dev/zero") && err.contains("not a regular file"), "base features: {err}");
}
