//! A `beckon run` with the preview page, and requests to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use super::repo;

/// A looping `beckon run` with the preview on a free port; stopped with SIGINT on drop.
pub struct Running {
    pub child: Child,
    pub port: u16,
    /// Every line it printed on stdout so far.
    pub lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Running {
    /// `beckon run ARGS` (which must turn the preview on); waits for its address.
    pub fn start(args: &[&str]) -> Self {
        Self::start_with_env(args, &[])
    }

    /// As [`start`](Self::start), with these environment variables.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_beckon"))
            .env("BECKON_LOG", "warn")
            .envs(env.iter().copied())
            .arg("run")
            .args(args)
            .current_dir(repo())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let line = lines.by_ref().map(|l| l.unwrap()).inspect(|l| seen.lock().unwrap().push(l.clone())).find(|l| l.starts_with("preview on http://"));
        let line = line.unwrap_or_else(|| panic!("no preview line: {:?}", seen.lock().unwrap()));
        let port = line.trim_end_matches('/').rsplit(':').next().unwrap().parse().unwrap();
        let into = seen.clone();
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(|l| into.lock().unwrap().push(l)));
        Self { child, port, lines: seen }
    }

    /// Whether some line printed so far satisfies `f`.
    pub fn printed(&self, f: impl Fn(&str) -> bool) -> bool {
        self.lines.lock().unwrap().iter().any(|l| f(l))
    }

    /// Waits (up to 30 s) until the page has a frame's state: the models load and the first
    /// frame is through before the page has anything to show.
    pub fn wait_for_frame(&self) {
        self.wait_for_frame_at("/state.json");
    }

    /// [`Self::wait_for_frame`] reading the state at `path` (e.g. with the page's token).
    pub fn wait_for_frame_at(&self, path: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            let (_, state) = self.http_with("GET", path, "Host: 127.0.0.1\r\n");
            if serde_json::from_str::<serde_json::Value>(&state).is_ok_and(|v| v.get("frame").is_some()) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("no frame on the page within 30 s");
    }

    /// (status line, body) of a plain HTTP/1.0 request, sent as the preview page sends it (a
    /// POST carries the page's own `Origin`, as a browser adds it).
    pub fn http(&self, method: &str, path: &str) -> (String, String) {
        let origin = if method == "POST" { "Origin: http://localhost\r\n" } else { "" };
        self.http_with(method, path, &format!("Host: localhost\r\n{origin}"))
    }

    /// (status line, body) of an HTTP/1.0 request with these header lines (each ending in CRLF).
    pub fn http_with(&self, method: &str, path: &str, headers: &str) -> (String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        write!(s, "{method} {path} HTTP/1.0\r\n{headers}Content-Length: 0\r\n\r\n").unwrap();
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
