//! Headless Chromium driven through the DevTools protocol: open a page, run JavaScript in it
//! (click, type, read), as a person using the page would. Needs Debian's `chromium`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

/// A headless Chromium showing one page; killed on drop.
pub struct Browser {
    child: Child,
    socket: WebSocket<TcpStream>,
    next_id: u64,
    profile: std::path::PathBuf,
}

impl Browser {
    /// Starts Chromium on `url` and connects to that page.
    pub fn open(url: &str) -> Self {
        let profile = std::env::temp_dir().join(format!("beckon-chromium-{}-{}", std::process::id(), url.len()));
        let mut child = Command::new("chromium")
            .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", "--window-size=1100,900"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium is not installed (Debian: apt install chromium)");
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/…"
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let line = lines.by_ref().map_while(Result::ok).find(|l| l.contains("DevTools listening on ws://")).expect("chromium printed no DevTools address");
        std::thread::spawn(move || lines.for_each(drop));
        let port: u16 = line.split("ws://127.0.0.1:").nth(1).and_then(|r| r.split('/').next()).and_then(|p| p.parse().ok()).expect("no DevTools port");
        let page = page_socket_url(port);
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let (socket, _) = tungstenite::client(page.as_str(), stream).expect("DevTools WebSocket handshake");
        Self { child, socket, next_id: 1, profile }
    }

    /// The value of a JavaScript expression in the page (promises awaited).
    pub fn eval(&mut self, expression: &str) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let call = json!({ "id": id, "method": "Runtime.evaluate", "params": { "expression": expression, "returnByValue": true, "awaitPromise": true } });
        self.socket.send(Message::text(call.to_string())).unwrap();
        loop {
            let message = self.socket.read().expect("DevTools connection lost");
            let Ok(text) = message.to_text() else { continue };
            let v: Value = serde_json::from_str(text).unwrap_or_default();
            if v["id"] == id {
                assert!(v["result"]["exceptionDetails"].is_null(), "{expression}: {}", v["result"]["exceptionDetails"]);
                return v["result"]["result"]["value"].clone();
            }
        }
    }

    /// Waits until `expression` is true, up to `limit`; panics with `what` and the last value
    /// of `show` if it never is.
    pub fn wait_for(&mut self, expression: &str, limit: Duration, what: &str, show: &str) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.eval(expression) == Value::Bool(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("{what} (after {limit:?}): {}", self.eval(show));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The WebSocket address of the first page target (`GET /json/list`), retried while the page opens.
fn page_socket_url(port: u16) -> String {
    let start = Instant::now();
    loop {
        // Chromium keeps the connection open: read what comes within a second.
        let mut raw = Vec::new();
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port))
            && write!(s, "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").is_ok()
        {
            let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
            let _ = s.read_to_end(&mut raw);
        }
        let raw = String::from_utf8_lossy(&raw);
        let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
        let targets: Value = serde_json::from_str(body).unwrap_or_default();
        if let Some(url) = targets
            .as_array()
            .and_then(|t| t.iter().find(|t| t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.starts_with("http"))))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        {
            return url.to_string();
        }
        assert!(start.elapsed() < Duration::from_secs(20), "chromium opened no page: {body}");
        std::thread::sleep(Duration::from_millis(200));
    }
}
