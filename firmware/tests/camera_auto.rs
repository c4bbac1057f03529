//! `kind = "auto"` on a Pi without a camera module: Raspberry Pi OS has `rpicam-vid` anyway, so
//! auto must ask it (`--list-cameras`) and not pick the Pi camera when it lists none. Through the
//! binary with the fake `rpicam-vid` on `PATH`, listing one camera or none.
#![cfg(target_arch = "x86_64")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::{fresh_dir, repo};

const CONFIG: &str =
    "model = \"models/fingers-cnn/model.int8.onnx\"\n[source]\nkind = \"auto\"\nwidth = 640\nheight = 480\n[[action]]\nlabel = \"1\"\npins = [17]\n";

/// A folder holding `rpicam-vid` (the fake) and the auto configuration.
fn setup(name: &str) -> (crate::common::Scratch, String) {
    let dir = fresh_dir(name);
    std::os::unix::fs::symlink(repo().join("firmware/tests/fixtures/fake-rpicam-vid").canonicalize().unwrap(), dir.join("rpicam-vid")).unwrap();
    std::fs::write(dir.join("beckon.toml"), CONFIG).unwrap();
    let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default());
    (dir, path)
}

fn check(dir: &std::path::Path, path: &str, cameras: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_beckon"))
        .args(["check", "--config", dir.join("beckon.toml").to_str().unwrap()])
        .env("PATH", path)
        .env("BECKON_FAKE_CAMERAS", cameras)
        .env("BECKON_FAKE_MJPEG", repo().join("firmware/tests/fixtures/replay.mjpeg"))
        .current_dir(repo())
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[test]
fn auto_picks_the_pi_camera_only_when_one_is_attached() {
    let (dir, path) = setup("auto-camera");
    let (ok, out) = check(&dir, &path, "1");
    assert!(ok && out.contains("source auto: picked rpicam:") && out.contains("ok    camera: rpicam:"), "{out}");

    // rpicam-vid installed, no camera module: not the Pi camera; the webcam if there is one,
    // else a plain failure that says why.
    let (ok, out) = check(&dir, &path, "0");
    assert!(!out.contains("picked rpicam"), "picked the Pi camera although rpicam-vid lists none: {out}");
    if !out.contains("source auto: picked v4l2") {
        assert!(!ok, "{out}");
        assert!(out.contains("FAIL  camera: ") && out.contains("rpicam-vid --list-cameras lists no camera module, and no USB webcam"), "{out}");
    }
}

/// The service started before any camera is there waits for one (said once) instead of failing
/// in a restart loop, and stops cleanly on SIGTERM meanwhile.
#[test]
fn a_run_without_any_camera_waits_and_stops_on_sigterm() {
    let (dir, path) = setup("auto-wait");
    let mut child = Command::new(env!("CARGO_BIN_EXE_beckon"))
        .args(["run", "--config", dir.join("beckon.toml").to_str().unwrap()])
        .env("PATH", path)
        .env("BECKON_FAKE_CAMERAS", "0")
        .current_dir(repo())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok);
    let first = lines.by_ref().find(|l| l.contains("no camera") || l.starts_with("source auto") || l.starts_with("frame"));
    let Some(first) = first else {
        let _ = child.wait();
        panic!("beckon ended without a word")
    };
    if first.contains("picked v4l2") {
        let _ = child.kill();
        let _ = child.wait();
        return; // a machine with a webcam: nothing to wait for
    }
    assert!(first.contains("waiting for one") && first.contains("lists no camera module"), "{first}");
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let rest: Vec<String> = lines.collect();
    assert!(child.wait().unwrap().success(), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("stopped by signal")), "{rest:?}");
}
