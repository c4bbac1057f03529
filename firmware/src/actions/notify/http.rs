//! HTTP actions: one worker thread sends the queued requests in order, each with its action's
//! timeout, so a URL that hangs holds up only the HTTP requests behind it (never a frame), and
//! for no longer than that timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::queue::DropOldest;

/// Requests waiting at most; older ones are dropped (and counted) first.
pub const QUEUE: usize = 64;

/// One request to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    pub url: String,
    /// Sent as `application/json` when it parses as JSON, else as text; none for GET.
    pub body: Option<String>,
    pub timeout: Duration,
}

/// The HTTP worker (see the module).
#[derive(Debug)]
pub struct Http {
    queue: Arc<DropOldest<Request>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Http {
    pub fn start() -> Self {
        let queue = Arc::new(DropOldest::new(QUEUE));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (queue, stop) = (queue.clone(), stop.clone());
            std::thread::Builder::new()
                .name("http-actions".into())
                .spawn(move || {
                    while !(stop.load(Ordering::SeqCst) && queue.is_empty()) {
                        if let Some(r) = queue.pop(Duration::from_millis(100)) {
                            send(&r);
                        }
                    }
                })
                .map_err(|e| tracing::error!("http actions: cannot start a thread: {e}"))
                .ok()
        };
        Self { queue, stop, thread }
    }

    /// Queues `request` (never waits).
    pub fn send(&self, request: Request) {
        self.queue.push(request);
    }

    pub fn dropped(&self) -> u64 {
        self.queue.dropped()
    }

    /// Sends what is queued, for at most `deadline`.
    pub fn stop(self, deadline: Duration) {
        self.stop.store(true, Ordering::SeqCst);
        let until = Instant::now() + deadline;
        if let Some(t) = self.thread {
            while !t.is_finished() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

/// Whether `url`'s server takes a connection within `wait` (what `beckon check` says; no
/// request is sent, so checking fires nothing).
pub fn probe(url: &str, wait: Duration) -> std::result::Result<String, String> {
    let uri: ureq::http::Uri = url.parse().map_err(|e| format!("{}: {e}", super::redact_url(url)))?;
    let url = super::redact_url(url);
    let host = uri.host().ok_or_else(|| format!("{url}: no host"))?;
    let port = uri.port_u16().unwrap_or(80);
    let addrs: Vec<std::net::SocketAddr> =
        std::net::ToSocketAddrs::to_socket_addrs(&(host, port)).map_err(|e| format!("{url}: cannot resolve {host}: {e}"))?.collect();
    let mut last = format!("{url}: {host} has no address");
    for addr in addrs {
        match std::net::TcpStream::connect_timeout(&addr, wait) {
            Ok(_) => return Ok(format!("{url}: {host}:{port} takes connections")),
            Err(e) => last = format!("{url}: {addr}: {e}"),
        }
    }
    Err(last)
}

/// Sends one request and logs what came of it.
fn send(r: &Request) {
    let config = ureq::Agent::config_builder().timeout_global(Some(r.timeout)).http_status_as_error(false).build();
    let agent = ureq::Agent::new_with_config(config);
    let start = Instant::now();
    let json = r.body.as_deref().is_some_and(|b| serde_json::from_str::<serde_json::Value>(b).is_ok());
    let request = ureq::http::Request::builder()
        .method(r.method.as_str())
        .uri(r.url.as_str())
        .header("content-type", if json { "application/json" } else { "text/plain; charset=utf-8" })
        .header("user-agent", concat!("beckon/", env!("CARGO_PKG_VERSION")));
    let result = match request.body(r.body.clone().unwrap_or_default()) {
        Ok(req) => agent.run(req),
        Err(e) => {
            tracing::warn!("http action {} {}: {e}", r.method, super::redact_url(&r.url));
            return;
        }
    };
    match result {
        Ok(mut response) if response.status().is_success() => {
            tracing::debug!("http action {} {}: {} in {:.0} ms", r.method, r.url, response.status(), start.elapsed().as_secs_f64() * 1e3);
            let _ = response.body_mut().read_to_string();
        }
        Ok(mut response) => {
            let body = response.body_mut().with_config().limit(400).read_to_string().unwrap_or_default();
            tracing::warn!("http action {} {}: {} {}", r.method, super::redact_url(&r.url), response.status(), body.trim());
        }
        Err(e) => tracing::warn!("http action {} {}: {e} (after {:.0} ms)", r.method, super::redact_url(&r.url), start.elapsed().as_secs_f64() * 1e3),
    }
}
