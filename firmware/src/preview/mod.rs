//! The live preview page: an optional HTTP server showing the camera stream (MJPEG, with the
//! region of interest drawn), the current gesture and probabilities, the output states and the
//! timings, refreshed live, and a button that saves the current frame into the dataset; and
//! the gesture changes as a Server-Sent-Events stream (`GET /events`, see [`crate::events`]).
//!
//! Bound to a loopback address unless the configuration says `allow_remote = true`: the page
//! shows the camera to whoever can reach it. Who may use it: [`access`].

pub mod access;
mod frame;
pub mod http;
pub mod outputs;
mod state;
pub mod teach;
mod teach_motion;
mod trail;

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
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
    /// The latest gesture changes, numbered; at most [`KEPT_EVENTS`] (a slow reader loses the
    /// oldest, never the frame loop's time).
    events: std::collections::VecDeque<(u64, Arc<String>)>,
    event_seq: u64,
    /// The newest frame encoded, with the state computed on it (`/frame.jpg`).
    synced: Option<frame::Synced>,
    /// The endless streams open (`/events`, `/stream.mjpeg`), oldest first, by ticket.
    streams: std::collections::VecDeque<u64>,
    next_stream: u64,
    /// The hands' recent paths and the last motion.
    trail: trail::Trail,
}

/// Endless streams served at once, of the server's 16 connections: the rest stay free for the
/// page's state, frames and controls. One more ends the oldest (a page that still reads it
/// reconnects), so streams nobody reads cannot lock the page out.
const MAX_STREAMS: usize = 6;

/// Gesture changes kept for `/events` readers that fall behind.
const KEPT_EVENTS: usize = 64;

#[derive(Debug, Default)]
struct Inner {
    shared: Mutex<Shared>,
    fresh: Condvar,
    viewers: AtomicUsize,
    /// When the page last asked for a frame (`/frame.jpg`), Unix ms.
    polled_ms: std::sync::atomic::AtomicU64,
    /// The Teach panel, once turned on.
    desk: std::sync::OnceLock<Arc<teach::Desk>>,
}

/// What stays the same from frame to frame of a run: how the page draws and labels a frame.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// The fixed region the model sees (outlined on the page), if any.
    pub region: Option<&'a Region>,
    /// The hand is found anywhere (`[region] mode = "track"`): the page draws the palm box and
    /// the rotated crop instead of a fixed region, and the capture button saves the rotated crop.
    pub tracking: bool,
    /// The model's labels.
    pub labels: &'a [String],
    /// The model's input side, to place its landmarks.
    pub input_size: u32,
}

/// A running preview server.
#[derive(Debug, Clone)]
pub struct Preview {
    inner: Arc<Inner>,
    addr: SocketAddr,
}

pub use crate::config::check_listen;

impl Preview {
    /// Binds `addr` and serves the page in background threads; frames the capture button
    /// saves go to `dataset/LABEL/`. With `capture_token`, capturing needs it; without one, only
    /// a loopback preview captures.
    /// `host_names`: names besides its address the page may be reached by (see [`access`]).
    pub fn start(addr: SocketAddr, dataset: PathBuf, capture_token: Option<String>, host_names: &[String]) -> Result<Self> {
        let listener =
            TcpListener::bind(addr).map_err(|e| Error::Config { setting: format!("preview listen address {addr}"), problem: format!("cannot listen: {e}") })?;
        let addr = listener.local_addr().map_err(|e| Error::Config { setting: format!("preview listen address {addr}"), problem: e.to_string() })?;
        let inner = Arc::new(Inner::default());
        let served = Arc::clone(&inner);
        let names = host_names.iter().map(|n| access::host_name(n)).chain(access::own_names()).collect();
        let access = access::Access { listen: addr, names, token: capture_token };
        http::serve(listener, http::Limits::default(), move |request, stream| respond(request, stream, &served, &access, &dataset));
        Ok(Self { inner, addr })
    }

    /// Turns on the Teach panel: recordings go to `dataset`; the device runs `running` now;
    /// taught models build on `base` (the configured model); `config`'s outputs may be given
    /// to taught gestures; motions are taught into [`crate::paths::Paths::motions`] (`mirror`:
    /// the frames are mirror images).
    pub fn enable_teaching(&self, dataset: PathBuf, running: PathBuf, base: PathBuf, config: Option<crate::config::Loaded>, mirror: bool) {
        let outputs = config.map(outputs::Outputs::new);
        let motions = teach_motion::MotionDesk::new(crate::paths::shared().motions(), mirror);
        let _ = self.inner.desk.set(Arc::new(teach::Desk::new(dataset, running, base, outputs).with_motions(motions)));
    }

    /// The model the page asked the device to go on with, if any (taken).
    pub fn take_switch(&self) -> Option<PathBuf> {
        self.inner.desk.get().and_then(|d| d.take_switch())
    }

    /// Tells the page the device went on with `model` (or could not, and why).
    pub fn switched(&self, model: &std::path::Path, result: std::result::Result<(), String>) {
        if let Some(d) = self.inner.desk.get() {
            d.switched(model, result);
        }
    }

    /// The address it listens on (the port, if 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Publishes a frame and its report, drawn as `page` says.
    pub fn update(&self, frame: &RgbImage, report: &FrameReport, page: &Page, stats: Option<&StatsSummary>) {
        let Page { region, tracking, labels, input_size } = *page;
        let crop = match (&report.hand, region) {
            (Some(h), _) => h.input.clone(),
            (None, Some(r)) => crate::preprocess::crop_region(frame, r),
            (None, None) => centre_square(frame),
        };
        let polled = crate::events::now_ms().saturating_sub(self.inner.polled_ms.load(Ordering::Relaxed)) < frame::POLLED_FOR_MS;
        let jpeg = (polled || self.inner.viewers.load(Ordering::Relaxed) > 0 || self.inner.shared.lock().map(|s| s.jpeg.is_none()).unwrap_or(true))
            .then(|| encode_with_region(frame, region, !tracking))
            .flatten();
        let hand = match &report.hand {
            Some(h) => h.landmarks.clone(),
            None => report.prediction.landmarks.as_ref().map(|points| {
                let (x, y, side) = crate::preprocess::input_square(frame.width(), frame.height(), region);
                let scale = side / input_size as f32;
                points.iter().map(|p| [x + p[0] * scale, y + p[1] * scale]).collect::<Vec<_>>()
            }),
        };
        let trail = self
            .inner
            .shared
            .lock()
            .map(|mut s| {
                s.trail.push(report);
                s.trail.json()
            })
            .unwrap_or_default();
        let state = state::state_json(report, labels, stats, frame.dimensions(), hand.as_deref(), trail);
        if let Some(d) = self.inner.desk.get() {
            d.on_frame(report, tracking);
        }
        if let Ok(mut s) = self.inner.shared.lock() {
            s.seq += 1;
            if let Some(j) = jpeg {
                let j = Arc::new(j);
                s.synced = Some(frame::Synced { seq: s.seq, jpeg: Arc::clone(&j), state: state.clone() });
                s.jpeg = Some(j);
            }
            s.crop = Some(crop);
            s.state = state;
        }
        self.inner.fresh.notify_all();
    }

    /// Publishes a gesture change (a [`crate::events`] JSON object) to `/events` readers.
    pub fn event(&self, json: String) {
        if let Ok(mut s) = self.inner.shared.lock() {
            s.event_seq += 1;
            let seq = s.event_seq;
            s.events.push_back((seq, Arc::new(json)));
            while s.events.len() > KEPT_EVENTS {
                s.events.pop_front();
            }
        }
        self.inner.fresh.notify_all();
    }
}

fn centre_square(frame: &RgbImage) -> RgbImage {
    let (w, h) = frame.dimensions();
    let side = w.min(h);
    image::imageops::crop_imm(frame, (w - side) / 2, (h - side) / 2, side, side).to_image()
}

/// The frame, scaled to at most [`MAX_WIDTH`], with the model's region outlined (if
/// `outline`), as JPEG.
fn encode_with_region(frame: &RgbImage, region: Option<&Region>, outline: bool) -> Option<Vec<u8>> {
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
    let thick = if outline { (w.max(h) / 160).max(2) } else { 0 };
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

fn respond(request: &http::Request, stream: &mut TcpStream, inner: &Inner, access: &access::Access, dataset: &std::path::Path) -> std::io::Result<()> {
    let head = request.head_only;
    if let Err((code, why)) = access.check_host(request) {
        return http::respond_to(stream, head, code, "text/plain; charset=utf-8", why.as_bytes());
    }
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/") => return http::respond_to(stream, head, 200, "text/html; charset=utf-8", PAGE.as_bytes()),
        ("POST", "/login") => return login(request, stream, access),
        _ => {}
    }
    // What changes something (POST) answers to the stricter change rule below.
    if request.method == "GET"
        && let Err((code, why)) = access.check_view(request)
    {
        return http::respond_to(stream, head, code, "text/plain; charset=utf-8", why.as_bytes());
    }
    if request.path.starts_with("/teach/") {
        return teach_respond(request, stream, inner, access);
    }
    let known = ["/", "/login", "/state.json", "/stream.mjpeg", "/frame.jpg", "/events", "/capture"];
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/state.json") => {
            let state = inner.shared.lock().map(|s| s.state.clone()).unwrap_or_default();
            let body = if state.is_empty() { "{}".to_string() } else { state };
            http::respond_to(stream, head, 200, "application/json", body.as_bytes())
        }
        ("GET", "/stream.mjpeg") if head => http::start_endless(stream, "multipart/x-mixed-replace; boundary=frame"),
        ("GET", "/stream.mjpeg") => {
            inner.viewers.fetch_add(1, Ordering::Relaxed);
            let result = stream_frames(stream, inner);
            inner.viewers.fetch_sub(1, Ordering::Relaxed);
            result
        }
        ("GET", "/frame.jpg") => frame::serve(request, stream, inner),
        ("GET", "/events") if head => http::start_endless(stream, "text/event-stream"),
        ("GET", "/events") => stream_events(stream, inner),
        ("POST", "/capture") => {
            let (code, text) = match access.check_change(request) {
                Err(refused) => refused,
                Ok(()) => {
                    let label = request.param("label").unwrap_or_default();
                    match inner.shared.lock().ok().and_then(|s| s.crop.clone()) {
                        None => (503, "no frame yet".to_string()),
                        Some(img) => match crate::capture::save_frame(dataset, &label, &img) {
                            Ok(p) => (200, format!("saved {}", p.display())),
                            Err(e) => (400, e.to_string()),
                        },
                    }
                }
            };
            http::respond(stream, code, "text/plain; charset=utf-8", text.as_bytes())
        }
        (_, path) if known.contains(&path) => http::respond_to(stream, head, 405, "text/plain", b"method not allowed"),
        _ => http::respond_to(stream, head, 404, "text/plain", b"not found"),
    }
}

/// `POST /login?token=…`: the page asks for the token once; the right one comes back as the
/// `beckon_token` cookie (a year, HttpOnly, SameSite=Strict).
fn login(request: &http::Request, stream: &mut TcpStream, access: &access::Access) -> std::io::Result<()> {
    let token = request.param("token").unwrap_or_default();
    if !access.is_token(&token) {
        return http::respond(stream, 403, "text/plain; charset=utf-8", b"wrong token");
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\nCache-Control: no-store\r\n\
         Set-Cookie: beckon_token={token}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict\r\nConnection: close\r\n\r\nok"
    );
    stream.write_all(head.as_bytes())?;
    stream.flush()
}

/// `/teach/…`: the Teach panel ([`teach`]).
fn teach_respond(request: &http::Request, stream: &mut TcpStream, inner: &Inner, access: &access::Access) -> std::io::Result<()> {
    let head = request.head_only;
    let Some(desk) = inner.desk.get() else {
        return http::respond_to(stream, head, 404, "text/plain; charset=utf-8", b"teaching is off in this run");
    };
    let param = |name: &str| request.param(name);
    if (request.method.as_str(), request.path.as_str()) == ("GET", "/teach/example") {
        return match desk.example(&param("label").unwrap_or_default(), &param("file").unwrap_or_default()) {
            Some(png) => http::respond_to(stream, head, 200, "image/png", &png),
            None => http::respond_to(stream, head, 404, "text/plain", b"no such example"),
        };
    }
    match desk.respond(&request.method, &request.path, &param, &|| access.check_change(request)) {
        Some((200, body)) if request.path.ends_with(".json") => http::respond_to(stream, head, 200, "application/json", body.as_bytes()),
        Some((code, body)) => http::respond_to(stream, head, code, "text/plain; charset=utf-8", body.as_bytes()),
        None => http::respond_to(stream, head, 404, "text/plain", b"not found"),
    }
}

/// The multipart body: every new frame as one part, until the client goes away (a write fails
/// or blocks past the write timeout).
fn stream_frames(stream: &mut TcpStream, inner: &Inner) -> std::io::Result<()> {
    let ticket = StreamTicket::open(inner)?;
    http::start_endless(stream, "multipart/x-mixed-replace; boundary=frame")?;
    let mut seen = 0;
    loop {
        let jpeg = {
            let guard = inner.shared.lock().map_err(|_| std::io::Error::other("preview state poisoned"))?;
            let (guard, _) = inner
                .fresh
                .wait_timeout_while(guard, Duration::from_secs(5), |s| (s.seq == seen || s.jpeg.is_none()) && ticket.open_in(s))
                .map_err(|_| std::io::Error::other("preview state poisoned"))?;
            if !ticket.open_in(&guard) {
                return Ok(());
            }
            // After 5 s without a new frame the last one is sent again: that finds out whether
            // the client is still there.
            seen = guard.seq;
            guard.jpeg.clone()
        };
        if let Some(jpeg) = jpeg {
            let mut part = format!("--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n", jpeg.len()).into_bytes();
            part.extend_from_slice(&jpeg);
            part.extend_from_slice(b"\r\n");
            stream.write_all(&part)?;
        }
    }
}

/// The Server-Sent-Events body: every gesture change from now on as `data: JSON`, and a comment
/// line every 15 s without one (which finds out whether the reader is still there).
fn stream_events(stream: &mut TcpStream, inner: &Inner) -> std::io::Result<()> {
    let ticket = StreamTicket::open(inner)?;
    http::start_endless(stream, "text/event-stream")?;
    let poisoned = || std::io::Error::other("preview state poisoned");
    let mut seen = inner.shared.lock().map_err(|_| poisoned())?.event_seq;
    loop {
        let fresh: Vec<Arc<String>> = {
            let guard = inner.shared.lock().map_err(|_| poisoned())?;
            let (guard, _) =
                inner.fresh.wait_timeout_while(guard, Duration::from_secs(15), |s| s.event_seq == seen && ticket.open_in(s)).map_err(|_| poisoned())?;
            if !ticket.open_in(&guard) {
                return Ok(());
            }
            let fresh = guard.events.iter().filter(|(n, _)| *n > seen).map(|(_, e)| Arc::clone(e)).collect();
            seen = guard.event_seq;
            fresh
        };
        let mut body = String::new();
        for e in &fresh {
            body.push_str(&format!("event: gesture\ndata: {e}\n\n"));
        }
        if body.is_empty() {
            body.push_str(": still here\n\n");
        }
        stream.write_all(body.as_bytes())?;
        stream.flush()?;
    }
}

/// An endless stream's place among the [`MAX_STREAMS`]; taking one past them ends the oldest
/// stream (woken at once, it returns); given back when the stream ends, however it ends.
struct StreamTicket<'a> {
    inner: &'a Inner,
    id: u64,
}

impl<'a> StreamTicket<'a> {
    fn open(inner: &'a Inner) -> std::io::Result<Self> {
        let mut s = inner.shared.lock().map_err(|_| std::io::Error::other("preview state poisoned"))?;
        let id = s.next_stream;
        s.next_stream += 1;
        if s.streams.len() >= MAX_STREAMS {
            s.streams.pop_front();
            inner.fresh.notify_all();
        }
        s.streams.push_back(id);
        Ok(Self { inner, id })
    }

    /// Whether the stream may go on (no newer stream has ended it).
    fn open_in(&self, s: &Shared) -> bool {
        s.streams.contains(&self.id)
    }
}

impl Drop for StreamTicket<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.inner.shared.lock() {
            s.streams.retain(|id| *id != self.id);
        }
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
}
