//! The live preview page, served by a running `beckon run --preview`. Host-only (spawns the
//! binary). The headless-Chromium test needs Debian's `chromium`, so it is `#[ignore]`d for
//! `cargo test` on a fresh machine and run by CI with `--ignored`.
#![cfg(target_arch = "x86_64")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A looping `beckon run` with the preview on a free port; stopped with SIGINT on drop.
struct Running {
    child: Child,
    port: u16,
}

impl Running {
    /// `beckon run ARGS` (which must turn the preview on); waits for its address.
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_beckon"))
            .env("BECKON_LOG", "warn")
            .arg("run")
            .args(args)
            .current_dir(repo())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.by_ref().map(|l| l.unwrap()).find(|l| l.starts_with("preview on http://")).expect("no preview line");
        let port = line.trim_end_matches('/').rsplit(':').next().unwrap().parse().unwrap();
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, port }
    }

    /// (status line, body) of a plain HTTP/1.0 request.
    fn http(&self, method: &str, path: &str) -> (String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        write!(s, "{method} {path} HTTP/1.0\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n").unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        (head.lines().next().unwrap().to_string(), body.to_string())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

#[test]
fn preview_serves_the_page_the_state_the_stream_and_the_capture_button() {
    let dataset = std::env::temp_dir().join(format!("beckon-preview-dataset-{}", std::process::id()));
    let cfg_dir = std::env::temp_dir().join(format!("beckon-preview-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&cfg_dir).unwrap();
    let cfg = cfg_dir.join("beckon.toml");
    let example = std::fs::read_to_string(repo().join("firmware/beckon.toml")).unwrap();
    let with_preview = example.replace("loop = false", "loop = true").replace("fps = 5.0", "fps = 4.0")
        + &format!("\n[preview]\nlisten = \"127.0.0.1:0\"\ndataset = \"{}\"\n", dataset.display());
    std::fs::write(&cfg, with_preview).unwrap();
    let b = Running::start(&["--quiet", "--config", cfg.to_str().unwrap()]);
    let port = b.port;

    let (status, page) = b.http("GET", "/");
    assert!(status.contains("200") && page.contains("<title>beckon preview</title>"), "{status}");
    std::thread::sleep(std::time::Duration::from_millis(600));
    let (_, state) = b.http("GET", "/state.json");
    let v: serde_json::Value = serde_json::from_str(&state).unwrap();
    // The default model: six finger counts and "none"; its landmarks in frame pixels.
    assert_eq!(v["probabilities"].as_array().unwrap().len(), 7, "{state}");
    assert_eq!(v["landmarks"].as_array().map(Vec::len), Some(21), "{state}");
    assert!(v["outputs"].as_array().unwrap().iter().any(|o| o[0] == "GPIO23"), "{state}");
    // The stream: a multipart response whose first part is a JPEG.
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    // HTTP/1.1: the endless body comes chunked (as browsers get it).
    write!(s, "GET /stream.mjpeg HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut head = vec![0u8; 4096];
    let mut got = 0;
    while got < 600 {
        let n = s.read(&mut head[got..]).expect("the stream stalled");
        assert!(n > 0, "the stream ended after {got} bytes");
        got += n;
    }
    let text = String::from_utf8_lossy(&head[..got]);
    assert!(text.contains("multipart/x-mixed-replace; boundary=frame") && text.contains("Content-Type: image/jpeg"), "{text}");
    let jpeg_at = head.windows(2).position(|w| w == [0xFF, 0xD8]).expect("no JPEG in the stream");
    assert!(jpeg_at < got);
    // The capture button saves the current region crop into the dataset.
    let (status, body) = b.http("POST", "/capture?label=open%20hand");
    assert!(status.contains("200"), "{status} {body}");
    assert!(dataset.join("open hand/open hand_0000.png").is_file(), "{body}");
    let (status, body) = b.http("POST", "/capture?label=..%2Fescape");
    assert!(status.contains("400") && body.contains("--label"), "{status} {body}");
}

#[test]
fn preview_refuses_a_network_address_unless_allowed() {
    let out = Command::new(env!("CARGO_BIN_EXE_beckon"))
        .args(["run", "--max-frames", "1", "--preview", "0.0.0.0:0"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0.0.0.0:0") && err.contains("allow_remote"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("=on"));
}

/// `<body data-…>` attributes of the page after Chromium ran its script for ~1.5 s.
fn chromium_body(port: u16) -> String {
    let out = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=1500", "--dump-dom"])
        .arg(format!("http://127.0.0.1:{port}/"))
        .output()
        .expect("chromium is not installed (Debian: apt install chromium)");
    let dom = String::from_utf8_lossy(&out.stdout);
    dom.split("<body").nth(1).and_then(|b| b.split('>').next()).unwrap_or_default().to_string()
}

#[test]
#[ignore = "needs Debian's chromium; CI runs it with --ignored"]
fn preview_page_in_headless_chromium_shows_frames_and_follows_the_gesture() {
    let b = Running::start(&["--loop", "--fps", "4", "--quiet", "--preview", "127.0.0.1:0"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut gestures = std::collections::BTreeSet::new();
    let mut hands = std::collections::BTreeSet::new();
    for _ in 0..5 {
        let body = chromium_body(b.port);
        assert!(body.contains("data-frame-shown=\"yes\""), "no camera frame shown: {body:?}");
        let attr = |name: &str| body.split(&format!("data-{name}=\"")).nth(1).and_then(|r| r.split('"').next()).map(str::to_string);
        gestures.insert(attr("gesture").expect("no gesture on the page"));
        // The skeleton the page drew: fingertips in frame pixels ("none" when no landmarks).
        hands.insert(attr("hand").expect("no hand drawn on the page"));
        std::thread::sleep(std::time::Duration::from_millis(700));
    }
    assert!(gestures.len() >= 2, "the label never changed while the replay frames did: {gestures:?}");
    assert!(hands.iter().filter(|h| *h != "none").count() >= 2, "the drawn hand never moved with the frames: {hands:?}");
}
