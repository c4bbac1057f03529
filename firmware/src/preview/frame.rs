//! `GET /frame.jpg?after=N`: the newest frame after sequence number `N` (waiting up to 5 s for
//! one), as a JPEG, with the page's state *of that same frame* in the `X-Beckon-State` header
//! (percent-encoded JSON) and its number in `X-Beckon-Seq`. The page draws the skeleton, the
//! crop and the gesture over the very frame they were computed on; `/stream.mjpeg` and
//! `/state.json` come apart by a frame or more.

use std::io::Write as _;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::Inner;
use super::http::Request;

/// A frame's JPEG and the state computed on it.
#[derive(Debug, Clone)]
pub(super) struct Synced {
    pub seq: u64,
    pub jpeg: Arc<Vec<u8>>,
    pub state: String,
}

/// How long after the page last asked for a frame the frame loop keeps encoding them.
pub(super) const POLLED_FOR_MS: u64 = 3000;

pub(super) fn serve(request: &Request, stream: &mut TcpStream, inner: &Inner) -> std::io::Result<()> {
    inner.polled_ms.store(crate::events::now_ms(), Ordering::Relaxed);
    let after: u64 = request.param("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    let synced = {
        let guard = inner.shared.lock().map_err(|_| std::io::Error::other("preview state poisoned"))?;
        let (guard, _) = inner
            .fresh
            .wait_timeout_while(guard, Duration::from_secs(5), |s| s.synced.as_ref().is_none_or(|f| f.seq <= after))
            .map_err(|_| std::io::Error::other("preview state poisoned"))?;
        guard.synced.clone()
    };
    let Some(f) = synced else {
        return super::http::respond_to(stream, request.head_only, 503, "text/plain; charset=utf-8", b"no frame yet");
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Beckon-Seq: {}\r\nX-Beckon-State: {}\r\nConnection: close\r\n\r\n",
        f.jpeg.len(),
        f.seq,
        percent_encode(&f.state)
    );
    let mut message = head.into_bytes();
    if !request.head_only {
        message.extend_from_slice(&f.jpeg);
    }
    stream.write_all(&message)?;
    stream.flush()
}

/// `text` with every byte outside printable ASCII, and `%`, as `%XX` (what `decodeURIComponent`
/// reads back): safe in a header line.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if (0x20..0x7f).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn state_headers_carry_any_label_on_one_line() {
        assert_eq!(super::percent_encode("{\"gesture\":\"daumen-hoch ✓\"}\r\n%"), "{\"gesture\":\"daumen-hoch %E2%9C%93\"}%0D%0A%25");
    }
}
