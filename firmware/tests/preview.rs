//! The live preview page, served by a running `beckon run --preview`. Host-only (spawns the
//! binary). The headless-Chromium test needs Debian's `chromium`, so it is `#[ignore]`d for
//! `cargo test` on a fresh machine and run by CI with `--ignored`.
#![cfg(target_arch = "x86_64")]

use crate::common;

use common::running::Running;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;

use common::repo;

#[test]
fn preview_serves_the_page_the_state_the_stream_and_the_capture_button() {
    let dataset = common::fresh_dir("preview-dataset");
    let cfg_dir = common::fresh_dir("preview-cfg");
    let cfg = cfg_dir.join("beckon.toml");
    let example = std::fs::read_to_string(repo().join("firmware/beckon.toml")).unwrap();
    let with_preview = example.replace("loop = false", "loop = true").replace("fps = 5.0", "fps = 4.0")
        + &format!("\n[preview]\nlisten = \"127.0.0.1:0\"\ndataset = \"{}\"\n", dataset.display());
    std::fs::write(&cfg, with_preview).unwrap();
    let b = Running::start(&["--quiet", "--config", cfg.to_str().unwrap()]);
    let port = b.port;

    let (status, page) = b.http("GET", "/");
    assert!(status.contains("200") && page.contains("<title>beckon preview</title>"), "{status}");
    b.wait_for_frame();
    let (_, state) = b.http("GET", "/state.json");
    let v: serde_json::Value = serde_json::from_str(&state).unwrap();
    // The default model: six finger counts and "none"; its landmarks in frame pixels.
    assert_eq!(v["probabilities"].as_array().unwrap().len(), 7, "{state}");
    assert_eq!(v["landmarks"].as_array().map(Vec::len), Some(21), "{state}");
    // The example tracks the hand: the rotated square the model saw, its four corners.
    assert_eq!(v["crop"].as_array().map(Vec::len), Some(4), "{state}");
    assert!(v["detector_ms"].is_number() && v["detector_ran"].is_boolean(), "{state}");
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
    assert_eq!(common::captured_frames(&dataset.join("open hand")).len(), 1, "{body}");
    let (status, body) = b.http("POST", "/capture?label=..%2Fescape");
    assert!(status.contains("400") && body.contains("--label"), "{status} {body}");
}

/// A config: the example's looping replay at 4 fps plus `preview` lines.
fn config_with_preview(preview: &str) -> common::ScratchFile {
    let example = std::fs::read_to_string(repo().join("firmware/beckon.toml")).unwrap();
    let cfg = example.replace("loop = false", "loop = true").replace("fps = 5.0", "fps = 4.0") + "\n[preview]\n" + preview;
    common::ScratchFile::new("preview-cfg", "beckon.toml", cfg)
}

/// Status code of the response to `raw`, sent as is.
fn raw_status(port: u16, raw: &[u8]) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let _ = s.write_all(raw);
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n") && head.len() < 200 && s.read(&mut byte).unwrap_or(0) == 1 {
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

fn frame_number(b: &Running) -> u64 {
    b.wait_for_frame();
    let (status, state) = b.http("GET", "/state.json");
    assert!(status.contains("200"), "{status}");
    serde_json::from_str::<serde_json::Value>(&state).unwrap()["frame"].as_u64().unwrap()
}

#[test]
fn bad_requests_get_errors_and_never_stall_the_frame_loop() {
    let cfg = config_with_preview("listen = \"127.0.0.1:0\"\n");
    let b = Running::start(&["--quiet", "--config", cfg.to_str().unwrap()]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let before = frame_number(&b);
    let huge_head = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(1 << 20));
    assert_eq!(raw_status(b.port, huge_head.as_bytes()), 431);
    let endless_header = format!("GET / HTTP/1.1\r\nX-A: {}", "b".repeat(1 << 20));
    assert_eq!(raw_status(b.port, endless_header.as_bytes()), 431);
    assert_eq!(raw_status(b.port, b"POST /capture?label=x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000000\r\n\r\n"), 413);
    assert_eq!(raw_status(b.port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"), 400);
    assert_eq!(raw_status(b.port, b"DELETE /state.json HTTP/1.1\r\nHost: localhost\r\n\r\n"), 405);
    assert_eq!(raw_status(b.port, b"GET /../../etc/passwd HTTP/1.1\r\nHost: localhost\r\n\r\n"), 404);
    // Clients that connect and send nothing fill the slots (the next one gets 503 at once:
    // `preview::http` unit test `a_full_server_answers_503_at_once`) and are timed out (408).
    // (A connection's slot is given back when its thread ends, a moment after the answer the
    // client read: let the exchanges above end first, or the sixteenth idle one may find the
    // server full.)
    std::thread::sleep(std::time::Duration::from_millis(2000));
    let idle: Vec<TcpStream> = (0..16).map(|_| TcpStream::connect(("127.0.0.1", b.port)).unwrap()).collect();
    for mut s in idle {
        s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        let mut head = String::new();
        let _ = s.read_to_string(&mut head);
        assert!(head.starts_with("HTTP/1.1 408"), "{head:?}");
    }
    // All the while the frames went on (4 fps, looping).
    let after = frame_number(&b);
    assert!(after >= before + 10, "the frame loop stalled: frame {before} → {after}");
}

#[test]
fn capture_on_a_network_preview_needs_the_configured_token() {
    let dataset = common::fresh_dir("preview-token");
    let open = config_with_preview("listen = \"0.0.0.0:0\"\nallow_remote = true\n");
    let b = Running::start(&["--quiet", "--config", open.to_str().unwrap()]);
    b.wait_for_frame();
    let (status, body) = b.http("POST", "/capture?label=fist");
    assert!(status.contains("403") && body.contains("capture_token"), "{status} {body}");
    drop(b);

    let cfg =
        config_with_preview(&format!("listen = \"0.0.0.0:0\"\nallow_remote = true\ncapture_token = \"s3cret-word\"\ndataset = \"{}\"\n", dataset.display()));
    let b = Running::start(&["--quiet", "--config", cfg.to_str().unwrap()]);
    b.wait_for_frame_at("/state.json?token=s3cret-word");
    for wrong in ["/capture?label=fist", "/capture?label=fist&token=guess-word", "/capture?label=fist&token=s3cret-wor"] {
        let (status, body) = b.http("POST", wrong);
        assert!(status.contains("403") && body.contains("token"), "{wrong}: {status} {body}");
    }
    assert!(!dataset.join("fist").exists(), "a refused capture wrote files");
    let (status, body) = b.http("POST", "/capture?label=fist&token=s3cret-word");
    assert!(status.contains("200"), "{status} {body}");
    assert_eq!(common::captured_frames(&dataset.join("fist")).len(), 1, "{body}");
}

#[test]
fn preview_refuses_a_network_address_unless_allowed() {
    let out = Command::new(env!("CARGO_BIN_EXE_beckon")).args(["run", "--max-frames", "1", "--preview", "0.0.0.0:0"]).current_dir(repo()).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0.0.0.0:0") && err.contains("allow_remote"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("=on"));
}

/// The HTTP rules a hostile client tested: HEAD, conflicting lengths, a missing Host.
#[test]
fn head_lengths_and_host_follow_http() {
    let cfg = config_with_preview("listen = \"127.0.0.1:0\"\n");
    let b = Running::start(&["--quiet", "--config", cfg.to_str().unwrap()]);
    let mut s = TcpStream::connect(("127.0.0.1", b.port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    write!(s, "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200") && raw.ends_with("\r\n\r\n"), "HEAD answered with a body: {raw:?}");
    let conflicting = b"POST /capture?label=x HTTP/1.1\r\nHost: localhost\r\nOrigin: http://localhost\r\nContent-Length: 1\r\nContent-Length: 0\r\n\r\nx";
    assert_eq!(raw_status(b.port, conflicting), 400);
    assert_eq!(raw_status(b.port, b"GET /state.json HTTP/1.1\r\n\r\n"), 400);
}

/// DNS rebinding and cross-site requests: a foreign Host gets nothing; a POST from another
/// site's page (its Origin) or from no page at all writes nothing; the page's own POST works.
#[test]
fn foreign_hosts_and_other_sites_cannot_use_a_loopback_preview() {
    let dataset = common::fresh_dir("preview-origin");
    let cfg = config_with_preview(&format!("listen = \"127.0.0.1:0\"\ndataset = \"{}\"\n", dataset.display()));
    let b = Running::start(&["--quiet", "--config", cfg.to_str().unwrap()]);
    b.wait_for_frame();
    for path in ["/stream.mjpeg", "/state.json", "/"] {
        let (status, body) = b.http_with("GET", path, "Host: attacker.example\r\n");
        assert!(status.contains("403") && body.contains("host_names"), "{path}: {status} {body}");
    }
    let (status, _) = b.http_with("GET", "/state.json", &format!("Host: 127.0.0.1:{}\r\n", b.port));
    assert!(status.contains("200"), "{status}");
    for headers in ["Host: localhost\r\nOrigin: http://evil.example\r\n", "Host: localhost\r\n", "Host: localhost\r\nSec-Fetch-Site: cross-site\r\n"] {
        let (status, body) = b.http_with("POST", "/capture?label=x", headers);
        assert!(status.contains("403"), "{headers:?}: {status} {body}");
    }
    assert!(!dataset.join("x").exists(), "a refused capture wrote files");
    let (status, body) = b.http_with("POST", "/capture?label=x", "Host: localhost\r\nSec-Fetch-Site: same-origin\r\n");
    assert!(status.contains("200"), "{status} {body}");
    let (status, body) = b.http("POST", "/capture?label=a%0Ab");
    assert!(status.contains("400") && body.contains("control characters"), "{status} {body}");
}

/// Clients that trickle a header line every 3 s are cut off when the head's 5 s are up, however
/// often they send; after that a normal client is served.
#[test]
fn slow_headers_cannot_hold_the_preview() {
    let cfg = config_with_preview("listen = \"127.0.0.1:0\"\n");
    let b = Running::start(&["--quiet", "--config", cfg.to_str().unwrap()]);
    let port = b.port;
    let slow: Vec<_> = (0..16)
        .map(|_| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                s.set_read_timeout(Some(std::time::Duration::from_millis(50))).unwrap();
                let _ = s.write_all(b"GET / HTTP/1.1\r\n");
                let start = std::time::Instant::now();
                let mut answer = Vec::new();
                while start.elapsed() < std::time::Duration::from_secs(15) {
                    std::thread::sleep(std::time::Duration::from_secs(3));
                    let mut buf = [0u8; 256];
                    if let Ok(n @ 1..) = s.read(&mut buf) {
                        answer.extend_from_slice(&buf[..n]);
                        break;
                    }
                    if s.write_all(b"X-Slow: 1\r\n").is_err() {
                        break;
                    }
                }
                String::from_utf8_lossy(&answer).into_owned()
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_secs(9));
    let (status, _) = b.http("GET", "/state.json");
    assert!(status.contains("200"), "a normal client was refused while slow clients trickled: {status}");
    for t in slow {
        let answer = t.join().unwrap();
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    }
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
    let mut crops = std::collections::BTreeSet::new();
    for _ in 0..5 {
        let body = chromium_body(b.port);
        assert!(body.contains("data-frame-shown=\"yes\""), "no camera frame shown: {body:?}");
        let attr = |name: &str| body.split(&format!("data-{name}=\"")).nth(1).and_then(|r| r.split('"').next()).map(str::to_string);
        gestures.insert(attr("gesture").expect("no gesture on the page"));
        // The skeleton the page drew: fingertips in frame pixels ("none" when no landmarks).
        hands.insert(attr("hand").expect("no hand drawn on the page"));
        // With tracking (the default for this model) the page draws the rotated crop.
        crops.insert(attr("crop").expect("no crop state on the page"));
        std::thread::sleep(std::time::Duration::from_millis(700));
    }
    assert!(gestures.len() >= 2, "the label never changed while the replay frames did: {gestures:?}");
    assert!(hands.iter().filter(|h| *h != "none").count() >= 2, "the drawn hand never moved with the frames: {hands:?}");
    assert!(crops.contains("yes"), "the tracked crop was never drawn: {crops:?}");
}

/// `GET /events`: the gesture changes as Server-Sent Events, the same JSON objects as
/// `beckon run --events json`, while the loop runs.
#[test]
fn the_preview_streams_gesture_changes_as_server_sent_events() {
    let b = Running::start(&["--quiet", "--loop", "--fps", "8", "--preview", "127.0.0.1:0"]);
    let mut s = TcpStream::connect(("127.0.0.1", b.port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    write!(s, "GET /events HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut reader = BufReader::new(s);
    let mut head = String::new();
    reader.read_line(&mut head).unwrap();
    assert!(head.contains("200"), "{head}");
    let mut events = Vec::new();
    let mut line = String::new();
    while events.len() < 2 {
        line.clear();
        assert!(reader.read_line(&mut line).expect("the event stream stalled") > 0, "the event stream ended");
        if line.starts_with("Content-Type") {
            assert!(line.contains("text/event-stream"), "{line}");
        }
        if let Some(json) = line.strip_prefix("data: ") {
            events.push(serde_json::from_str::<serde_json::Value>(json.trim()).unwrap());
        }
    }
    let labels = ["0", "1", "2", "3", "4", "5"];
    for e in &events {
        assert_eq!(e["type"], "gesture", "{e}");
        assert!(e["gesture"].is_null() || labels.contains(&e["gesture"].as_str().unwrap()), "{e}");
        assert!(e["frame"].is_u64() && e["time_ms"].is_u64() && e["outputs"].is_object(), "{e}");
    }
    // Consecutive changes chain: each one's previous is the gesture before it.
    assert_eq!(events[1]["previous"], events[0]["gesture"], "{events:?}");
}

/// `GET /frame.jpg?after=N` as the page reads it: raw (head, body).
fn frame_after(port: u16, after: u64) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    write!(s, "GET /frame.jpg?after={after} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("no head");
    (String::from_utf8_lossy(&raw[..split]).into_owned(), raw[split + 4..].to_vec())
}

fn header<'a>(head: &'a str, name: &str) -> &'a str {
    head.lines().find_map(|l| l.strip_prefix(name)).unwrap_or_else(|| panic!("no {name} in {head}")).trim()
}

/// The page draws the skeleton over the frame it was computed on: each frame.jpg carries the
/// state of that very frame (its number, the hand), and the next one is a later frame.
#[test]
fn a_frame_comes_with_the_state_computed_on_it() {
    let b = Running::start(&["--loop", "--fps", "10", "--quiet", "--preview", "127.0.0.1:0"]);
    let (head, jpeg) = frame_after(b.port, 0);
    assert!(head.starts_with("HTTP/1.1 200") && head.contains("Content-Type: image/jpeg"), "{head}");
    let seq: u64 = header(&head, "X-Beckon-Seq:").parse().unwrap();
    let state = header(&head, "X-Beckon-State:");
    assert!(!state.contains('\r') && !state.contains('\n'));
    let state: serde_json::Value = serde_json::from_str(state).unwrap();
    let image = image::load_from_memory(&jpeg).expect("a JPEG").to_rgb8();
    assert_eq!(serde_json::json!([image.width(), image.height()]), state["frame_size"], "the state's frame size is the image's");
    let first = state["frame"].as_u64().unwrap();
    let (head, _) = frame_after(b.port, seq);
    let later: serde_json::Value = serde_json::from_str(header(&head, "X-Beckon-State:")).unwrap();
    assert!(header(&head, "X-Beckon-Seq:").parse::<u64>().unwrap() > seq && later["frame"].as_u64().unwrap() > first, "{head}");
}

/// The packaged page on the LAN: with a token file, nothing is seen without the token; the page
/// asks for it once and keeps it as a cookie; the machine's own `.local` name is a valid Host;
/// `beckon check` says the address and where the token is.
#[test]
fn a_network_preview_with_a_token_file_asks_once_and_shows_nothing_without_it() {
    let dir = common::fresh_dir("preview-token-file");
    let token_file = dir.join("preview-token");
    std::fs::write(&token_file, "0f1e2d3c4b5a69788796a5b4c3d2e1f0\n").unwrap();
    let cfg = config_with_preview(&format!("listen = \"0.0.0.0:0\"\nallow_remote = true\ntoken_file = {:?}\n", token_file.display().to_string()));
    let (ok, out, _) = common::beckon(&["check", "--config", cfg.to_str().unwrap()]);
    assert!(ok && out.contains("ok    page: http://") && out.contains(&format!("sudo cat {}", token_file.display())), "{out}");
    let b = Running::start(&["--quiet", "--config", cfg.to_str().unwrap()]);
    let (status, page) = b.http("GET", "/");
    assert!(status.contains("200") && page.contains("id=\"login\""), "the page itself loads, to ask: {status}");
    for path in ["/state.json", "/frame.jpg", "/teach/state.json", "/stream.mjpeg"] {
        let (status, body) = b.http("GET", path);
        assert!(status.contains("401") && body.contains("token"), "{path}: {status} {body}");
    }
    let (status, _) = b.http("POST", "/login?token=0f1e2d3c4b5a6978");
    assert!(status.contains("403"), "{status}");
    let mut s = TcpStream::connect(("127.0.0.1", b.port)).unwrap();
    write!(s, "POST /login?token=0f1e2d3c4b5a69788796a5b4c3d2e1f0 HTTP/1.0\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(
        raw.starts_with("HTTP/1.1 200")
            && raw.contains("Set-Cookie: beckon_token=0f1e2d3c4b5a69788796a5b4c3d2e1f0; Path=/;")
            && raw.contains("HttpOnly; SameSite=Strict"),
        "{raw}"
    );
    let with_cookie = "Host: localhost\r\nCookie: beckon_token=0f1e2d3c4b5a69788796a5b4c3d2e1f0\r\n";
    let mut state = (String::new(), String::new());
    for _ in 0..50 {
        state = b.http_with("GET", "/state.json", with_cookie);
        if state.1.contains("\"frame\"") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(state.0.contains("200") && state.1.contains("\"frame\""), "{state:?}");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_ascii_lowercase();
    if !host.is_empty() && host != "localhost" {
        let (status, _) = b.http_with("GET", "/state.json", &format!("Host: {host}.local:8080\r\nCookie: beckon_token=0f1e2d3c4b5a69788796a5b4c3d2e1f0\r\n"));
        assert!(status.contains("200"), "the machine's .local name: {status}");
    }
}

/// Issue 33, row 4: sixteen `/events` (or `/stream.mjpeg`) connections that never read held
/// every slot, and `/state.json` got 503 for as long as they stayed. Endless streams have a cap
/// of their own, the page's state and controls always have room, and a new stream ends the
/// oldest: a page opened after the silent readers still gets its gesture events.
#[test]
fn streams_that_never_read_leave_room_for_state_and_control() {
    let b = Running::start(&["--loop", "--fps", "10", "--quiet", "--preview", "127.0.0.1:0"]);
    let mut held = Vec::new();
    for i in 0..16 {
        let mut s = TcpStream::connect(("127.0.0.1", b.port)).unwrap();
        let path = if i % 2 == 0 { "/events" } else { "/stream.mjpeg" };
        write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
        // Each stream answered (its place among the streams taken) before the next opens, so
        // that "the oldest" is the first opened here: on a busy machine the server's threads
        // could otherwise take their places in another order.
        s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            assert_eq!(std::io::Read::read(&mut s, &mut byte).expect("each stream is answered"), 1, "stream {i} closed before its head");
            head.push(byte[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&head));
        held.push(s);
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    for _ in 0..5 {
        let (status, _) = b.http("GET", "/state.json");
        assert!(status.contains("200"), "{status}");
        let (status, _) = b.http("GET", "/teach/state.json");
        assert!(!status.contains("503"), "{status}");
    }
    // The first silent reader's stream was ended by the newer ones: its connection closes.
    // (Read to its end within a deadline: an open event stream never stops sending.)
    let mut first = held.remove(0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut buf = [0u8; 4096];
    loop {
        assert!(std::time::Instant::now() < deadline, "the oldest stream was not closed within 20 s");
        if std::io::Read::read(&mut first, &mut buf).expect("the oldest stream is closed, not left hanging") == 0 {
            break;
        }
    }
    // A page that comes now gets its events.
    let mut page = TcpStream::connect(("127.0.0.1", b.port)).unwrap();
    write!(page, "GET /events HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    page.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !seen.contains("event: gesture") {
        assert!(std::time::Instant::now() < deadline, "no gesture event within 30 s: {seen}");
        let n = std::io::Read::read(&mut page, &mut buf).expect("a gesture event within 30 s");
        assert!(n > 0, "the stream ended: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    drop(held);
}
