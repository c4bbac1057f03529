//! Property-based fuzzing of everything that parses outside input: `beckon.toml`, model
//! metadata, the MJPEG stream splitter, V4L2 buffers and recordings, image files, the preview's
//! HTTP requests (deadline, lengths, Host and Origin rules) — and the hand
//! finder's decoding and geometry, which turn a network's numbers into crops.
//!
//! Each property runs `PROPTEST_CASES` cases (256 by default, a few seconds in all); for a longer
//! hunt: `PROPTEST_CASES=200000 cargo test --release -p beckon-firmware --test fuzz`. A failing
//! input is shrunk and saved in `firmware/tests/fuzz.proptest-regressions`, which is committed:
//! it is replayed first on every later run.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use beckon::camera::image_file;
use beckon::camera::mjpeg::{self, MjpegReader};
use beckon::camera::v4l2::BufferStream;
use beckon::camera::v4l2::pixels::{self, PixelFormat, StreamFormat};
use beckon::camera::v4l2::recording::RecordingReader;
use beckon::config::Loaded;
use beckon::model::ModelInfo;
use beckon::preview::access::{Access, host_name};
use beckon::preview::http::{Connection, Limits, read_request};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

// The scratch folders of the device tests (removed when a case is done); this binary stays apart.
#[allow(dead_code)]
#[path = "common/scratch.rs"]
mod scratch;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn example_config() -> String {
    std::fs::read_to_string(repo().join("firmware/beckon.toml")).unwrap()
}

/// The default configuration (`PROPTEST_CASES` cases), keeping failures beside this file
/// (`tests/fuzz.proptest-regressions`).
fn config() -> ProptestConfig {
    ProptestConfig { failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))), ..ProptestConfig::default() }
}

/// A reader that hands out its bytes in the given chunk sizes (as a pipe would).
struct Chunked {
    data: Vec<u8>,
    at: usize,
    sizes: Vec<usize>,
    turn: usize,
}

impl Read for Chunked {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes.get(self.turn % self.sizes.len().max(1)).copied().unwrap_or(1).max(1);
        self.turn += 1;
        let n = size.min(out.len()).min(self.data.len() - self.at);
        out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The shipped landmark model's metadata (labels, no-hand label, preprocessing…).
fn valid_metadata() -> HashMap<String, String> {
    static META: std::sync::LazyLock<HashMap<String, String>> = std::sync::LazyLock::new(|| {
        let model = beckon::Classifier::load(repo().join("models/hands-landmarks-lite/model.onnx")).unwrap();
        model.info().to_metadata().into_iter().collect()
    });
    META.clone()
}

fn tiny_jpeg(shade: u8) -> Vec<u8> {
    mjpeg::encode(&[image::RgbImage::from_pixel(8, 8, image::Rgb([shade, 255 - shade, 90]))]).unwrap()
}

/// Every check a configuration goes through, as `beckon run` does it.
fn load_config(text: String) {
    if let Ok(loaded) = Loaded::parse(Path::new("fuzz.toml"), text) {
        let _ = loaded.source();
        let _ = loaded.region();
        let labels: Vec<String> = ["0", "1", "2", "3", "4", "5", "none"].map(String::from).to_vec();
        let _ = loaded.resolve(&labels, Some("none"));
        let _ = loaded.resolve(&labels[..6], None);
    }
}

proptest! {
    // Loading a model takes milliseconds: a sixteenth of the cases.
    #![proptest_config(ProptestConfig { cases: ProptestConfig::default().cases / 16 + 1, ..config() })]

    #[test]
    fn damaged_model_files_are_refused_or_run_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6), cut in any::<prop::sample::Index>()) {
        let mut bytes = std::fs::read(repo().join("firmware/tests/fixtures/cnn32/model.int8.onnx")).unwrap();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        // Half the cases also cut the file short somewhere.
        let end = if cut.index(2) == 0 { bytes.len() } else { cut.index(bytes.len() + 1) };
        let dir = scratch::Scratch::new("fuzz-model");
        let path = dir.join("damaged.onnx");
        std::fs::write(&path, &bytes[..end]).unwrap();
        if let Ok(model) = beckon::Classifier::load(&path) {
            let frame = image::RgbImage::from_pixel(48, 40, image::Rgb([200, 120, 80]));
            let _ = model.classify(&frame);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn config_text_never_panics(text in "\\PC{0,400}") {
        load_config(text);
    }

    #[test]
    fn config_with_damaged_lines_never_panics(edits in prop::collection::vec((0usize..2000, "\\PC{0,12}"), 1..6)) {
        let mut text = example_config();
        for (at, insert) in edits {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, &insert);
        }
        load_config(text);
    }

    #[test]
    fn config_values_of_the_wrong_kind_are_errors_not_panics(key in "(fps|window|threshold|pins|listen|kind|x|size|pin|mode|label|for_ms|idle_label|backend)", value in "(-?[0-9]{1,12}(\\.[0-9]{1,4})?|\"\\PC{0,10}\"|\\[[0-9, ]{0,12}\\]|true|nan|inf|-inf|1e400)") {
        let text = example_config()
            .lines()
            .map(|l| if l.trim_start().starts_with(&format!("{key} =")) { format!("{key} = {value}") } else { l.to_string() })
            .collect::<Vec<_>>()
            .join("\n");
        load_config(text);
    }

    #[test]
    fn model_metadata_never_panics(edits in prop::collection::vec((any::<prop::sample::Index>(), prop::option::of("\\PC{0,30}")), 1..4)) {
        // A real model's metadata with some values replaced by anything, or removed.
        let mut meta = valid_metadata();
        let mut keys: Vec<String> = meta.keys().cloned().collect();
        keys.sort();
        for (key, value) in edits {
            let key = key.get(&keys).clone();
            match value {
                Some(v) => meta.insert(key, v),
                None => meta.remove(&key),
            };
        }
        let _ = ModelInfo::from_metadata(Path::new("fuzz.onnx"), &meta);
    }

    #[test]
    fn mjpeg_splitter_finds_the_images_between_any_garbage(
        garbage in prop::collection::vec(prop::collection::vec(any::<u8>().prop_filter("no marker start", |b| *b != 0xFF), 0..40), 4),
        sizes in prop::collection::vec(1usize..5000, 1..6),
    ) {
        let images = [tiny_jpeg(10), tiny_jpeg(120), tiny_jpeg(250)];
        let mut stream = garbage[0].clone();
        for (image, junk) in images.iter().zip(&garbage[1..]) {
            stream.extend_from_slice(image);
            stream.extend_from_slice(junk);
        }
        let mut reader = MjpegReader::new(Chunked { data: stream, at: 0, sizes, turn: 0 });
        let mut found = Vec::new();
        while let Some(jpeg) = reader.next_jpeg().unwrap() {
            found.push(jpeg);
        }
        prop_assert_eq!(found, images.to_vec());
    }

    #[test]
    fn mjpeg_splitter_never_panics_on_any_bytes(data in prop::collection::vec(any::<u8>(), 0..3000), sizes in prop::collection::vec(1usize..700, 1..4)) {
        let mut data = data;
        // Seed with markers, which random bytes seldom form.
        for (i, marker) in [0xD8u8, 0xDA, 0xD9, 0xC4].iter().enumerate() {
            if data.len() > i * 7 + 1 {
                data[i * 7] = 0xFF;
                data[i * 7 + 1] = *marker;
            }
        }
        let mut reader = MjpegReader::new(Chunked { data, at: 0, sizes, turn: 0 });
        for _ in 0..3000 {
            match reader.next_jpeg() {
                Ok(Some(jpeg)) => prop_assert!(jpeg.starts_with(&[0xFF, 0xD8])),
                Ok(None) | Err(_) => break,
            }
        }
    }

    #[test]
    fn v4l2_buffers_of_any_size_and_format_never_panic(
        mjpeg in any::<bool>(), width in 0u32..70, height in 0u32..50, pad in 0u32..9,
        data in prop::collection::vec(any::<u8>(), 0..12000),
    ) {
        let pixels = if mjpeg { PixelFormat::Mjpeg } else { PixelFormat::Yuyv };
        let format = StreamFormat { pixels, width, height, bytes_per_line: width * 2 + pad };
        if let Ok(img) = pixels::decode(&format, &data) {
            prop_assert_eq!(img.dimensions(), if mjpeg { img.dimensions() } else { (width, height) });
        }
    }

    #[test]
    fn damaged_jpeg_buffers_are_refused_or_decoded_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let mut jpeg = tiny_jpeg(77);
        for (at, byte) in flips {
            let i = at.index(jpeg.len());
            jpeg[i] = byte;
        }
        let end = cut.index(jpeg.len() + 1);
        let _ = image_file::decode_complete(&jpeg[..end]);
        let _ = pixels::decode(&StreamFormat::packed(PixelFormat::Mjpeg, 8, 8), &jpeg[..end]);
    }

    #[test]
    fn v4l2_recordings_never_panic(header in "(MJPG|YUYV|JPEG|abcd) [0-9]{1,6} [0-9]{1,6} [0-9]{1,7}", body in prop::collection::vec(any::<u8>(), 0..600)) {
        let dir = scratch::Scratch::new("fuzz-rec");
        let path = dir.join("fuzz.v4l2rec");
        let mut file = format!("beckon-v4l2-recording 1\n{header}\n").into_bytes();
        file.extend_from_slice(&body);
        std::fs::write(&path, file).unwrap();
        if let Ok(mut rec) = RecordingReader::open(&path) {
            let mut buffer = Vec::new();
            for _ in 0..100 {
                match rec.next_buffer(&mut buffer) {
                    Ok(true) => { let _ = pixels::decode(&rec.format(), &buffer); }
                    Ok(false) | Err(_) => break,
                }
            }
        }
    }
}

/// Any float a network could emit, NaN and infinities included.
fn any_float() -> impl Strategy<Value = f32> {
    prop_oneof![4 => -1000.0f32..1000.0, 1 => any::<f32>(), 1 => Just(f32::NAN), 1 => Just(f32::INFINITY), 1 => Just(f32::NEG_INFINITY)]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn palm_decoding_and_suppression_never_panic_on_any_network_output(
        boxes in prop::collection::vec(any_float(), 0..(18 * 40)),
        scores in prop::collection::vec(any_float(), 0..40),
    ) {
        use beckon::hand::{anchors::palm_anchors, decode};
        let anchors = palm_anchors(192);
        let found = decode::decode(&boxes, &scores, &anchors, 192.0);
        prop_assert!(found.len() <= scores.len().min(boxes.len() / 18));
        for d in &found {
            prop_assert!(d.score >= decode::MIN_SCORE && d.score <= 1.0);
        }
        let kept = decode::weighted_nms(found.clone());
        prop_assert!(kept.len() <= found.len());
    }

    #[test]
    fn crops_from_any_detection_or_landmarks_never_panic(
        values in prop::collection::vec(any_float(), 42),
        rect in (any_float(), any_float(), any_float(), any_float(), any_float()),
        size in 1u32..48,
    ) {
        use beckon::hand::warp::{warp_hwc_unit, warp_rgb, Border};
        use beckon::hand::{Detection, RotatedRect};
        let frame = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8, y as u8, 9]));
        let points: Vec<[f32; 2]> = values.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
        let mut keypoints = [[0.0; 2]; 7];
        keypoints.copy_from_slice(&points[..7]);
        let d = Detection { score: 0.9, xmin: values[0], ymin: values[1], xmax: values[2], ymax: values[3], keypoints };
        let mut rects = vec![RotatedRect::from_detection(&d), RotatedRect { cx: rect.0, cy: rect.1, width: rect.2, height: rect.3, rotation: rect.4 }];
        rects.extend(RotatedRect::from_landmarks(&points));
        for r in rects {
            let img = warp_rgb(&frame, &r, size, Border::Replicate);
            prop_assert_eq!(img.dimensions(), (size, size));
            prop_assert_eq!(warp_hwc_unit(&frame, &r, size, Border::Zero).len(), (3 * size * size) as usize);
        }
    }
}

/// A client for the preview's request reader: hands out its bytes in the given chunk sizes and
/// moves a clock on by the given delays (ms) at each read, noting the clock before each read.
struct SlowClient {
    chunks: Chunked,
    delays: Vec<u64>,
    clock: std::rc::Rc<std::cell::Cell<Duration>>,
    latest_read_at: Duration,
}

impl Read for SlowClient {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.latest_read_at = self.clock.get();
        let delay = self.delays.get(self.chunks.turn % self.delays.len().max(1)).copied().unwrap_or(0);
        self.clock.set(self.clock.get() + Duration::from_millis(delay));
        self.chunks.read(out)
    }
}

impl Connection for SlowClient {
    fn wait_at_most(&mut self, left: Duration) -> std::io::Result<()> {
        assert!(!left.is_zero() && left <= Limits::default().read_timeout, "waited {left:?}");
        Ok(())
    }
}

fn request_text() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        Just("Host: localhost:8080".to_string()),
        Just("Host: attacker.example".to_string()),
        "Content-Length: [0-9]{1,4}(, ?[0-9]{1,3})?",
        Just("Origin: http://localhost:8080".to_string()),
        Just("Sec-Fetch-Site: cross-site".to_string()),
        "X-[a-z]{1,8}: \\PC{0,20}",
    ];
    (
        prop_oneof![Just("GET"), Just("HEAD"), Just("POST"), Just("DELETE")],
        "(/|/state.json|/events|/stream.mjpeg|/frame.jpg\\?after=[0-9]{0,6}|/capture\\?label=[a-z%0-9]{0,8}|/teach/state.json|/login\\?token=[0-9a-f]{0,16})",
        prop_oneof![Just("1.0"), Just("1.1")],
        prop::collection::vec(line, 0..6),
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(method, path, version, lines, body)| {
            let mut text = format!("{method} {path} HTTP/{version}\r\n{}\r\n", lines.iter().map(|l| format!("{l}\r\n")).collect::<String>()).into_bytes();
            text.extend(body);
            text
        })
}

proptest! {
    #![proptest_config(config())]

    /// Any request, sent in any chunks at any pace: one deadline holds for the whole head (no
    /// read starts after it; a refusal for time comes only once it has passed), HTTP/1.1
    /// requests that get through name exactly one Host, their lengths agree, and the Host rule
    /// lets through only names of a loopback preview.
    #[test]
    fn preview_requests_keep_the_deadline_lengths_and_host_rules(
        text in prop_oneof![request_text(), prop::collection::vec(any::<u8>(), 0..300)],
        sizes in prop::collection::vec(1usize..64, 1..5),
        delays in prop::collection::vec(0u64..3000, 1..5),
    ) {
        let clock = std::rc::Rc::new(std::cell::Cell::new(Duration::ZERO));
        let mut client = SlowClient { chunks: Chunked { data: text.clone(), at: 0, sizes, turn: 0 }, delays, clock: clock.clone(), latest_read_at: Duration::ZERO };
        let limits = Limits::default();
        let elapsed = { let c = clock.clone(); move || c.get() };
        match read_request(&mut client, &limits, &elapsed) {
            Ok(Some(request)) => {
                prop_assert!(client.latest_read_at < limits.read_timeout, "read at {:?}", client.latest_read_at);
                let head = String::from_utf8_lossy(&text);
                if head.contains(" HTTP/1.1\r\n") {
                    prop_assert_eq!(request.headers.iter().filter(|(k, _)| k == "host").count(), 1);
                }
                let lengths: std::collections::BTreeSet<usize> = request.headers.iter().filter(|(k, _)| k == "content-length")
                    .flat_map(|(_, v)| v.split(',').map(|x| x.trim().parse::<usize>().unwrap()).collect::<Vec<_>>()).collect();
                prop_assert!(lengths.len() <= 1, "conflicting lengths accepted: {:?}", lengths);
                let access = Access { listen: "127.0.0.1:8080".parse().unwrap(), names: vec![], token: None };
                if access.check_host(&request).is_ok() {
                    let name = request.host().map(host_name);
                    prop_assert!(name.as_deref().is_none_or(|n| n == "localhost" || n.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())), "{:?}", name);
                }
                if request.method == "POST" && access.check_change(&request).is_ok() {
                    let own = format!("http://{}", request.host().unwrap_or_default().trim()).to_ascii_lowercase();
                    prop_assert!(request.header("origin").is_none_or(|o| o.trim().to_ascii_lowercase() == own), "{:?}", request.headers);
                }
                // A preview served to the network with a token (the package's): nothing is
                // seen without that token, and the page's cookie changes things only from its
                // own origin.
                let token = "0123456789abcdef";
                let lan = Access { listen: "0.0.0.0:8080".parse().unwrap(), names: vec![], token: Some(token.into()) };
                let cookie = request.header("cookie").is_some_and(|c| c.split(';').any(|c| c.trim() == format!("beckon_token={token}")));
                let given = request.param("token").as_deref() == Some(token) || request.header("x-beckon-token") == Some(token);
                if lan.check_view(&request).is_ok() {
                    prop_assert!(given || cookie, "seen without the token: {:?}", request.headers);
                }
                if lan.check_change(&request).is_ok() {
                    prop_assert!(given || (cookie && request.header("origin").is_some_and(|o| request.host().is_some_and(|h| o.trim().eq_ignore_ascii_case(&format!("http://{}", h.trim()))))), "changed without leave: {:?}", request.headers);
                }
            }
            Ok(None) => {}
            Err((408, _)) => prop_assert!(clock.get() >= limits.read_timeout, "408 at {:?}", clock.get()),
            Err((code, _)) => prop_assert!([400, 411, 413, 431].contains(&code), "{}", code),
        }
    }

    /// The Teach panel's endpoints, any method, path and parameters: never a panic, and without
    /// leave to change the device (the change rule said no) nothing is recorded, trained or
    /// switched and nothing is written.
    #[test]
    fn teach_endpoints_never_panic_or_change_anything_without_leave(
        method in prop_oneof![Just("GET"), Just("POST"), Just("PUT")],
        path in prop_oneof![
            Just("/teach/state.json".to_string()), Just("/teach/record".to_string()), Just("/teach/delete".to_string()),
            Just("/teach/train".to_string()), Just("/teach/switch".to_string()), Just("/teach/output".to_string()),
            Just("/teach/cancel".to_string()), "/teach/[a-z.]{0,12}"
        ],
        params in prop::collection::vec((prop_oneof![Just("label".to_string()), Just("count".to_string()), Just("to".to_string()), Just("gesture".to_string()), Just("recording".to_string()), "[a-z]{1,8}"], any::<String>()), 0..5),
        allowed in any::<bool>(),
    ) {
        let dir = scratch::Scratch::new("fuzz-teach");
        let desk = std::sync::Arc::new(beckon::preview::teach::Desk::new(dir.join("data"), dir.join("running.onnx"), dir.join("base.onnx"), None));
        let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let refuse = || -> Result<(), (u16, String)> { if allowed { Ok(()) } else { Err((403, "no leave".into())) } };
        let answer = desk.respond(method, &path, &param, &refuse);
        if method == "POST" && !allowed {
            prop_assert!(answer.as_ref().is_none_or(|(code, _)| *code == 403), "{:?}", answer);
            prop_assert!(!dir.join("data").exists(), "written without leave");
            prop_assert!(desk.take_switch().is_none());
        }
        if let Some((code, _)) = &answer {
            prop_assert!([200, 400, 403, 404, 409].contains(code), "{:?}", answer);
        }
    }
}

/// Found by `config_values_of_the_wrong_kind_are_errors_not_panics` (with 10,000 cases): the
/// smoothing window was allocated up front, so `window = 3727706405` aborted the process.
#[test]
fn regression_a_huge_smoothing_window_is_an_error_not_an_abort() {
    let text = example_config().replace("window = 3", "window = 3727706405");
    let loaded = Loaded::parse(Path::new("beckon.toml"), text).unwrap();
    let labels: Vec<String> = ["0", "1", "2", "3", "4", "5", "none"].map(String::from).to_vec();
    let err = loaded.resolve(&labels, Some("none")).unwrap_err().to_string();
    assert!(err.contains("window") && err.contains("at most 1000"), "{err}");
}
