//! The preview page's HTTP server: one short-lived connection per request, bounded in every
//! way a client controls.
//!
//! The request head is parsed by `httparse`; everything a client could use to exhaust a Pi is
//! capped ([`Limits`]): the head's size (431), the body's (413), the time to send the whole
//! request head (408: one deadline per connection, not per read, so a client trickling a header
//! line every few seconds is cut off like a silent one), the number of clients served at once
//! (503) and the time a client may take to read a response. Requests HTTP itself forbids are
//! refused with 400: conflicting `Content-Length`s, an HTTP/1.1 request without exactly one
//! `Host`. `HEAD` is answered like `GET`, without the body. No request ever touches the frame loop except through the short lock that
//! publishes a frame.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What a client may send and take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Request line + headers, in bytes.
    pub max_head: usize,
    /// Request body, in bytes (the page sends none).
    pub max_body: usize,
    /// Connections served at once (each MJPEG viewer holds one).
    pub max_clients: usize,
    /// Time allowed to send the whole request head (and its small body), from the connection's
    /// acceptance.
    pub read_timeout: Duration,
    /// Time a write may block on a client that does not read.
    pub write_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_head: 8 * 1024, max_body: 1024, max_clients: 16, read_timeout: Duration::from_secs(5), write_timeout: Duration::from_secs(10) }
    }
}

/// A parsed request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// `HEAD` arrives as `GET` with [`head_only`](Self::head_only) set.
    pub method: String,
    /// A `HEAD` request: answer as to `GET`, without the body.
    pub head_only: bool,
    pub path: String,
    /// What follows `?`, undecoded.
    pub query: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The `Host` header, if any (an HTTP/1.1 request always has exactly one).
    pub fn host(&self) -> Option<&str> {
        self.header("host")
    }

    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The query parameter `name`, percent-decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| percent_decode(v))
    }
}

/// A request that is refused before any handler sees it: (status, reason).
type Refusal = (u16, &'static str);

/// Serves `listener` in background threads, calling `handler` for each well-formed request.
pub fn serve<H>(listener: TcpListener, limits: Limits, handler: H)
where
    H: Fn(&Request, &mut TcpStream) -> io::Result<()> + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    let clients = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_write_timeout(Some(limits.write_timeout));
            if clients.load(Ordering::Acquire) >= limits.max_clients {
                // Take in what the client sent at once (so that closing does not reset the
                // connection before it reads the answer), waiting at most 100 ms.
                let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
                let _ = stream.read(&mut [0u8; 8 * 1024]);
                let _ = respond(&mut stream, 503, "text/plain", b"too many clients; close another preview tab");
                let _ = stream.shutdown(std::net::Shutdown::Write);
                continue;
            }
            let (handler, clients) = (Arc::clone(&handler), Arc::clone(&clients));
            clients.fetch_add(1, Ordering::AcqRel);
            let accepted = Instant::now();
            std::thread::spawn(move || {
                let result = match read_request(&mut stream, &limits, &|| accepted.elapsed()) {
                    Ok(Some(request)) => handler(&request, &mut stream),
                    Ok(None) => Ok(()),
                    Err((code, why)) => respond(&mut stream, code, "text/plain", why.as_bytes()).map(|()| linger(&mut stream)),
                };
                if let Err(e) = result {
                    log::debug!("preview: {e}");
                }
                clients.fetch_sub(1, Ordering::AcqRel);
            });
        }
    });
}

/// A connection a request is read from: [`Read`], plus a bound on how long the next read may
/// wait (so that the whole head shares one deadline).
pub trait Connection: Read {
    /// The next read waits at most `left`.
    fn wait_at_most(&mut self, left: Duration) -> io::Result<()>;
}

impl Connection for TcpStream {
    fn wait_at_most(&mut self, left: Duration) -> io::Result<()> {
        self.set_read_timeout(Some(left.max(Duration::from_millis(1))))
    }
}

impl Connection for &[u8] {
    fn wait_at_most(&mut self, _: Duration) -> io::Result<()> {
        Ok(())
    }
}

/// Reads and parses one request head (and drains its small body). `elapsed` tells how long
/// ago the connection was accepted: the head (and body) must be in within
/// `limits.read_timeout` of that, however the client spreads its bytes. `Ok(None)`: the client
/// closed without sending a request.
pub fn read_request(stream: &mut impl Connection, limits: &Limits, elapsed: &dyn Fn() -> Duration) -> Result<Option<Request>, Refusal> {
    const TIMED_OUT: Refusal = (408, "request timed out");
    let wait = |stream: &mut dyn Connection| -> Result<(), Refusal> {
        let left = limits.read_timeout.checked_sub(elapsed()).filter(|d| !d.is_zero()).ok_or(TIMED_OUT)?;
        stream.wait_at_most(left).map_err(|_| TIMED_OUT)
    };
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > limits.max_head {
            return Err((431, "request head too large"));
        }
        wait(stream)?;
        match stream.read(&mut chunk) {
            Ok(0) if buf.is_empty() => return Ok(None),
            Ok(0) => return Err((400, "request ended before its head did")),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => return Err(TIMED_OUT),
            Err(_) => return Ok(None),
        }
    };
    if head_end > limits.max_head {
        return Err((431, "request head too large"));
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(&buf[..head_end]) {
        Ok(httparse::Status::Complete(_)) => {}
        Err(httparse::Error::TooManyHeaders) => return Err((431, "too many headers")),
        Ok(httparse::Status::Partial) | Err(_) => return Err((400, "malformed request")),
    }
    let target = parsed.path.unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let method = parsed.method.unwrap_or_default();
    let request = Request {
        method: if method == "HEAD" { "GET".to_string() } else { method.to_string() },
        head_only: method == "HEAD",
        path: path.to_string(),
        query: query.to_string(),
        headers: parsed.headers.iter().map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned())).collect(),
    };
    let all = |name: &str| request.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
    match (parsed.version, all("host").len()) {
        (Some(1), 0) => return Err((400, "an HTTP/1.1 request needs a Host header")),
        (_, 0 | 1) => {}
        _ => return Err((400, "more than one Host header")),
    }
    if request.header("transfer-encoding").is_some() {
        return Err((411, "send a Content-Length, not a chunked body"));
    }
    let body = match content_length(&all("content-length")) {
        Ok(None) => 0,
        Ok(Some(n)) if n <= limits.max_body => n,
        Ok(Some(_)) => return Err((413, "request body too large")),
        Err(refusal) => return Err(refusal),
    };
    // Drain the body, so that closing the connection does not reset it before the response.
    let mut left = body.saturating_sub(buf.len() - head_end);
    while left > 0 {
        wait(stream)?;
        match stream.read(&mut chunk[..left.min(1024)]) {
            Ok(0) | Err(_) => break,
            Ok(n) => left -= n,
        }
    }
    Ok(Some(request))
}

/// The body length the `Content-Length` headers give (RFC 9110 §8.6: several headers or a
/// comma-separated list are fine only if every value is the same number).
fn content_length(values: &[&str]) -> Result<Option<usize>, Refusal> {
    let mut length = None;
    for v in values.iter().flat_map(|v| v.split(',')) {
        let n: usize = v.trim().parse().map_err(|_| (400, "malformed Content-Length"))?;
        if length.is_some_and(|l| l != n) {
            return Err((400, "conflicting Content-Length headers"));
        }
        length = Some(n);
    }
    Ok(length)
}

/// After refusing a request whose rest is still coming: stop sending, then read and drop what
/// the client still sends (at most 4 MiB, for at most 2 s), so that closing does not reset the
/// connection and lose the response before the client reads it.
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let start = std::time::Instant::now();
    let mut sink = [0u8; 16 * 1024];
    let mut total = 0;
    while total < 4 << 20 && start.elapsed() < Duration::from_secs(2) {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}

/// Writes a whole response and ends the exchange (`Connection: close`).
pub fn respond(stream: &mut impl Write, code: u16, content_type: &str, body: &[u8]) -> io::Result<()> {
    respond_to(stream, false, code, content_type, body)
}

/// [`respond`], without the body when `head_only` (the answer to `HEAD`: the same head, with
/// the `Content-Length` the body would have).
pub fn respond_to(stream: &mut impl Write, head_only: bool, code: u16, content_type: &str, body: &[u8]) -> io::Result<()> {
    let mut message = format!(
        "HTTP/1.1 {code} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        reason(code),
        body.len()
    )
    .into_bytes();
    if !head_only {
        message.extend_from_slice(body);
    }
    stream.write_all(&message)?;
    stream.flush()
}

/// Starts a response whose body runs until the connection closes (the MJPEG stream).
pub fn start_endless(stream: &mut impl Write, content_type: &str) -> io::Result<()> {
    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes())
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// `a%20b+c` → `a b c`; a `%` not followed by two hex digits is kept as is.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (c, _) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(raw: &[u8]) -> Result<Option<Request>, Refusal> {
        read_request(&mut &raw[..], &Limits::default(), &|| Duration::ZERO)
    }

    #[test]
    fn parses_a_request_and_its_query() {
        let r = read(b"POST /capture?label=open%20hand&token=t+1 HTTP/1.1\r\nHost: x\r\nX-Beckon-Token: abc\r\nContent-Length: 2\r\n\r\nhi").unwrap().unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/capture"));
        assert_eq!(r.param("label").as_deref(), Some("open hand"));
        assert_eq!(r.param("token").as_deref(), Some("t 1"));
        assert_eq!(r.param("missing"), None);
        assert_eq!(r.header("x-beckon-token"), Some("abc"));
    }

    #[test]
    fn refuses_what_it_should() {
        let big_head = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(9000));
        assert_eq!(read(big_head.as_bytes()).unwrap_err().0, 431);
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "A: b\r\n".repeat(40));
        assert_eq!(read(many.as_bytes()).unwrap_err().0, 431);
        assert_eq!(read(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n").unwrap_err().0, 413);
        assert_eq!(read(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n").unwrap_err().0, 400);
        assert_eq!(read(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap_err().0, 411);
        assert_eq!(read(b"\x00\x01garbage\r\n\r\n").unwrap_err().0, 400);
        assert_eq!(read(b"GET / HTTP/1.1\r\nHost: x").unwrap_err().0, 400);
        assert_eq!(read(b"").unwrap(), None);
    }

    #[test]
    fn http_rules_lengths_host_and_head() {
        let conflicting = b"POST /capture HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 0\r\n\r\nx";
        assert_eq!(read(conflicting).unwrap_err(), (400, "conflicting Content-Length headers"));
        assert_eq!(read(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\nx").unwrap_err().0, 400);
        let same = read(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx").unwrap().unwrap();
        assert_eq!(same.method, "POST");
        assert_eq!(read(b"GET / HTTP/1.1\r\n\r\n").unwrap_err(), (400, "an HTTP/1.1 request needs a Host header"));
        assert_eq!(read(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").unwrap_err().0, 400);
        assert!(read(b"GET / HTTP/1.0\r\n\r\n").unwrap().is_some(), "HTTP/1.0 may omit Host");
        let head = read(b"HEAD /state.json HTTP/1.1\r\nHost: x\r\n\r\n").unwrap().unwrap();
        assert_eq!((head.method.as_str(), head.head_only, head.host()), ("GET", true, Some("x")));
        let mut out = Vec::new();
        respond_to(&mut out, true, 200, "text/plain", b"hello").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Content-Length: 5\r\n") && text.ends_with("\r\n\r\n"), "{text:?}");
    }

    /// A client that sends a header line every 3 s: each read is quick, but the head as a
    /// whole is not in within the 5 s limit.
    #[test]
    fn the_whole_head_has_one_deadline() {
        use std::cell::Cell;
        struct Trickle<'a> {
            lines: Vec<&'static [u8]>,
            clock: &'a Cell<Duration>,
        }
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                self.clock.set(self.clock.get() + Duration::from_secs(3));
                let line = if self.lines.is_empty() { &b"X-More: 1\r\n"[..] } else { self.lines.remove(0) };
                out[..line.len()].copy_from_slice(line);
                Ok(line.len())
            }
        }
        impl Connection for Trickle<'_> {
            fn wait_at_most(&mut self, left: Duration) -> io::Result<()> {
                assert!(left <= Duration::from_secs(5));
                Ok(())
            }
        }
        let clock = Cell::new(Duration::ZERO);
        let mut slow = Trickle { lines: vec![b"GET / HTTP/1.1\r\n", b"Host: x\r\n"], clock: &clock };
        assert_eq!(read_request(&mut slow, &Limits::default(), &|| clock.get()).unwrap_err().0, 408);
        assert!(clock.get() <= Duration::from_secs(6), "read on past the deadline: {:?}", clock.get());
        let clock = Cell::new(Duration::ZERO);
        let mut quick = Trickle { lines: vec![b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"], clock: &clock };
        assert!(read_request(&mut quick, &Limits::default(), &|| clock.get()).unwrap().is_some());
    }

    #[test]
    fn a_full_server_answers_503_at_once() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // Silent clients are kept for 30 s: the two below hold both slots for the whole test.
        let limits = Limits { max_clients: 2, read_timeout: Duration::from_secs(30), ..Limits::default() };
        serve(listener, limits, |_, stream| respond(stream, 200, "text/plain", b"ok"));
        let _idle: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(200));
        let start = std::time::Instant::now();
        let mut third = TcpStream::connect(("127.0.0.1", port)).unwrap();
        third.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        third.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let mut answer = String::new();
        let _ = third.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
        assert!(start.elapsed() < Duration::from_secs(5), "a full server kept the client waiting {:?}", start.elapsed());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("thumbs%2Dup+left"), "thumbs-up left");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }
}
