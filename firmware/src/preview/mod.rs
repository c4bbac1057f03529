//! The live preview page: an optional HTTP server showing the camera stream (MJPEG, with the
//! region of interest drawn), the current gesture and probabilities, the output states and the
//! timings, refreshed live, and a button that saves the current frame into the dataset.
//!
//! Bound to a loopback address unless the configuration says `allow_remote = true`: the page
//! shows the camera to whoever can reach it.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use image::RgbImage;

use crate::error::{Error, Result};
use crate::preprocess::Region;
use crate::runner::{FrameReport, StatsSummary};

const PAGE: &str = include_str!("page.html");
/// Frames sent to the page are at most this wide (bandwidth, CPU).
const MAX_WIDTH: u32 = 640;

/// What the page shows, updated by the frame loop.
#[derive(Debug, Default)]
struct Shared {
    seq: u64,
    jpeg: Option<Arc<Vec<u8>>>,
    /// The last region crop, for the capture button.
    crop: Option<RgbImage>,
    state: String,
}

#[derive(Debug, Default)]
struct Inner {
    shared: Mutex<Shared>,
    fresh: Condvar,
    viewers: AtomicUsize,
}

/// A running preview server.
#[derive(Debug, Clone)]
pub struct Preview {
    inner: Arc<Inner>,
    addr: SocketAddr,
}

/// Checks a listen address: loopback, or `allow_remote`.
pub fn check_listen(listen: &str, allow_remote: bool) -> Result<SocketAddr> {
    let bad = |problem: String| Error::Config { setting: format!("preview listen address {listen:?}"), problem };
    let addr: SocketAddr = listen.parse().map_err(|e| bad(format!("{e}; expected IP:PORT, e.g. 127.0.0.1:8080")))?;
    if !addr.ip().is_loopback() && !allow_remote {
        return Err(bad(
            "is not a loopback address; the preview shows the camera to anyone who can reach it, so it is only served \
             to the network with `allow_remote = true` in [preview]"
                .into(),
        ));
    }
    Ok(addr)
}

impl Preview {
    /// Binds `addr` and serves the page in background threads; frames the capture button
    /// saves go to `dataset/LABEL/`.
    pub fn start(addr: SocketAddr, dataset: PathBuf) -> Result<Self> {
        let server = tiny_http::Server::http(addr)
            .map_err(|e| Error::Config { setting: format!("preview listen address {addr}"), problem: format!("cannot listen: {e}") })?;
        let addr = server.server_addr().to_ip().expect("an IP listener");
        let inner = Arc::new(Inner::default());
        let served = Arc::clone(&inner);
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let inner = Arc::clone(&served);
                let dataset = dataset.clone();
                std::thread::spawn(move || respond(request, &inner, &dataset));
            }
        });
        Ok(Self { inner, addr })
    }

    /// The address it listens on (the port, if 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Publishes a frame and its report (`input_size`: the model's, to place its landmarks).
    pub fn update(&self, frame: &RgbImage, region: Option<&Region>, report: &FrameReport, labels: &[String], input_size: u32, stats: Option<&StatsSummary>) {
        let crop = match region {
            Some(r) => crate::preprocess::crop_region(frame, r),
            None => centre_square(frame),
        };
        let jpeg = (self.inner.viewers.load(Ordering::Relaxed) > 0 || self.inner.shared.lock().map(|s| s.jpeg.is_none()).unwrap_or(true))
            .then(|| encode_with_region(frame, region))
            .flatten();
        let hand = report.prediction.landmarks.as_ref().map(|points| {
            let (x, y, side) = crate::preprocess::input_square(frame.width(), frame.height(), region);
            let scale = side / input_size as f32;
            points.iter().map(|p| [x + p[0] * scale, y + p[1] * scale]).collect::<Vec<_>>()
        });
        let state = state_json(report, labels, stats, frame.dimensions(), hand.as_deref());
        if let Ok(mut s) = self.inner.shared.lock() {
            s.seq += 1;
            if let Some(j) = jpeg {
                s.jpeg = Some(Arc::new(j));
            }
            s.crop = Some(crop);
            s.state = state;
        }
        self.inner.fresh.notify_all();
    }
}

fn centre_square(frame: &RgbImage) -> RgbImage {
    let (w, h) = frame.dimensions();
    let side = w.min(h);
    image::imageops::crop_imm(frame, (w - side) / 2, (h - side) / 2, side, side).to_image()
}

/// The frame, scaled to at most [`MAX_WIDTH`], with the model's region outlined, as JPEG.
fn encode_with_region(frame: &RgbImage, region: Option<&Region>) -> Option<Vec<u8>> {
    let (w, h) = frame.dimensions();
    let (x, y, rw, rh) = match region {
        Some(r) => r.pixels(w, h),
        None => {
            let side = w.min(h);
            ((w - side) / 2, (h - side) / 2, side, side)
        }
    };
    let mut img = frame.clone();
    let green = image::Rgb([40, 220, 90]);
    let thick = (w.max(h) / 160).max(2);
    for t in 0..thick {
        for px in x..(x + rw) {
            for py in [y + t, (y + rh).saturating_sub(1 + t)] {
                if py < h {
                    img.put_pixel(px.min(w - 1), py, green);
                }
            }
        }
        for py in y..(y + rh) {
            for px in [x + t, (x + rw).saturating_sub(1 + t)] {
                if px < w {
                    img.put_pixel(px, py.min(h - 1), green);
                }
            }
        }
    }
    if w > MAX_WIDTH {
        img = image::imageops::resize(&img, MAX_WIDTH, h * MAX_WIDTH / w, image::imageops::FilterType::Triangle);
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 75).encode_image(&img).ok()?;
    Some(out)
}

/// `hand`: the landmarks in frame pixels, if the model gives them.
fn state_json(r: &FrameReport, labels: &[String], stats: Option<&StatsSummary>, frame: (u32, u32), hand: Option<&[[f32; 2]]>) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let probabilities: Vec<(String, f32)> = labels.iter().cloned().zip(r.prediction.probabilities.iter().copied()).collect();
    let outputs: Vec<(String, bool)> = r
        .leds
        .split_whitespace()
        .filter_map(|kv| kv.split_once('=').map(|(n, v)| (n.to_string(), v == "on")))
        .collect();
    serde_json::json!({
        "frame": r.number,
        "name": r.name,
        "gesture": r.gesture.map(|g| labels[g].clone()),
        "top": labels[r.prediction.index],
        "confidence": r.prediction.confidence,
        "probabilities": probabilities,
        "outputs": outputs,
        "fps": stats.map_or(0.0, |s| s.fps),
        "capture_ms": ms(r.timings.capture),
        "preprocess_ms": ms(r.timings.preprocess),
        "inference_ms": ms(r.timings.inference),
        "decision_ms": ms(r.timings.decision),
        "gpio_ms": ms(r.timings.gpio),
        "frame_size": [frame.0, frame.1],
        "landmarks": hand,
    })
    .to_string()
}

fn respond(request: tiny_http::Request, inner: &Arc<Inner>, dataset: &std::path::Path) {
    let header = |k: &str, v: &str| tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("valid header");
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let result = match (request.method(), path) {
        (tiny_http::Method::Get, "/") => {
            request.respond(tiny_http::Response::from_string(PAGE).with_header(header("Content-Type", "text/html; charset=utf-8")))
        }
        (tiny_http::Method::Get, "/state.json") => {
            let state = inner.shared.lock().map(|s| s.state.clone()).unwrap_or_default();
            let body = if state.is_empty() { "{}".to_string() } else { state };
            request.respond(
                tiny_http::Response::from_string(body)
                    .with_header(header("Content-Type", "application/json"))
                    .with_header(header("Cache-Control", "no-store")),
            )
        }
        (tiny_http::Method::Get, "/stream.mjpeg") => {
            inner.viewers.fetch_add(1, Ordering::Relaxed);
            let stream = MjpegStream { inner: Arc::clone(inner), seen: 0, pending: Vec::new(), at: 0 };
            let response = tiny_http::Response::new(
                tiny_http::StatusCode(200),
                vec![header("Content-Type", "multipart/x-mixed-replace; boundary=frame"), header("Cache-Control", "no-store")],
                stream,
                None,
                None,
            );
            let r = request.respond(response);
            inner.viewers.fetch_sub(1, Ordering::Relaxed);
            r
        }
        (tiny_http::Method::Post, "/capture") => {
            let label = query.strip_prefix("label=").map(percent_decode).unwrap_or_default();
            let crop = inner.shared.lock().ok().and_then(|s| s.crop.clone());
            let (code, text) = match crop {
                None => (503, "no frame yet".to_string()),
                Some(img) => match crate::capture::save_frame(dataset, &label, &img) {
                    Ok(p) => (200, format!("saved {}", p.display())),
                    Err(e) => (400, e.to_string()),
                },
            };
            request.respond(tiny_http::Response::from_string(text).with_status_code(code))
        }
        _ => request.respond(tiny_http::Response::from_string("not found").with_status_code(404)),
    };
    if let Err(e) = result {
        log::debug!("preview: {path}: {e}");
    }
}

/// `a%20b+c` → `a b c`.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The multipart body: every new frame as one part, waiting for the next.
struct MjpegStream {
    inner: Arc<Inner>,
    seen: u64,
    pending: Vec<u8>,
    at: usize,
}

impl Read for MjpegStream {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.pending.len() {
            let guard = self.inner.shared.lock().map_err(|_| std::io::Error::other("preview state poisoned"))?;
            let (guard, _) = self
                .inner
                .fresh
                .wait_timeout_while(guard, Duration::from_secs(5), |s| s.seq == self.seen || s.jpeg.is_none())
                .map_err(|_| std::io::Error::other("preview state poisoned"))?;
            let Some(jpeg) = guard.jpeg.clone() else { continue };
            self.seen = guard.seq;
            drop(guard);
            self.pending = format!("--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n", jpeg.len()).into_bytes();
            self.pending.extend_from_slice(&jpeg);
            self.pending.extend_from_slice(b"\r\n");
            self.at = 0;
        }
        let n = out.len().min(self.pending.len() - self.at);
        out[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_unless_allowed() {
        assert!(check_listen("127.0.0.1:8080", false).is_ok());
        assert!(check_listen("[::1]:0", false).is_ok());
        let e = check_listen("0.0.0.0:8080", false).unwrap_err().to_string();
        assert!(e.contains("allow_remote"), "{e}");
        assert!(check_listen("0.0.0.0:8080", true).is_ok());
        assert!(check_listen("localhost", false).unwrap_err().to_string().contains("IP:PORT"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("thumbs%2Dup+left"), "thumbs-up left");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
