//! HTTP and command actions through the binary: a real HTTP server (a small one in the test, on
//! a loopback port), a real program, and what happens when either never answers.
#![cfg(target_arch = "x86_64")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common;

use common::{beckon, free_port};

/// The requests a test server got: method, path, body.
pub(crate) type Requests = Arc<Mutex<Vec<(String, String, String)>>>;

/// An HTTP server that records each request (method, path, body) and answers 200, or (`hang`)
/// reads the request and never answers.
pub(crate) fn server(hang: bool) -> (u16, Requests) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let into = seen.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).map_or(true, |n| n == 0) {
                continue; // connected and closed without a request (`beckon check`)
            }
            let mut parts = line.split_whitespace();
            let (method, path) = (parts.next().unwrap_or_default().to_string(), parts.next().unwrap_or_default().to_string());
            let mut length = 0;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':')
                    && k.eq_ignore_ascii_case("content-length")
                {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            into.lock().unwrap().push((method, path, String::from_utf8_lossy(&body).into_owned()));
            let mut stream = stream;
            if hang {
                held.push(stream);
            } else {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        }
    });
    (port, seen)
}

fn temp(name: &str) -> crate::common::Scratch {
    crate::common::fresh_dir(&format!("actions-{name}"))
}

/// A program (a shell script: beckon itself runs it without a shell) that appends its gesture
/// and event to `log`.
fn recorder(dir: &std::path::Path, log: &std::path::Path) -> PathBuf {
    let script = dir.join("record.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$BECKON_GESTURE $BECKON_EVENT $1\" >> {}\n", log.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn run(config: &std::path::Path, extra: &[&str]) -> (bool, String, String) {
    beckon(&[&["run", "--quiet", "--config", config.to_str().unwrap()][..], extra].concat())
}

#[test]
fn http_requests_and_commands_fire_on_gesture_start_and_end() {
    let (port, seen) = server(false);
    let dir = temp("fire");
    let log = dir.join("gestures.log");
    let script = recorder(&dir, &log);
    let config = dir.join("beckon.toml");
    std::fs::write(
        &config,
        format!(
            r#"[source]
kind = "replay"
path = "firmware/replay"

[[action]]
label = "5"
http = "http://127.0.0.1:{port}/lamp"
body = "{{label}} {{event}}"
on = "both"

[[action]]
label = "1"
http = "http://127.0.0.1:{port}/one"
method = "GET"

[[action]]
label = "1"
exec = ["{}", "an argument"]
"#,
            script.display()
        ),
    )
    .unwrap();
    let (ok, stdout, stderr) = run(&config, &[]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("\"5\" → HTTP POST http://127.0.0.1:") && stdout.contains("\"1\" → run "), "the actions are listed: {stdout}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            ("GET".to_string(), "/one".to_string(), String::new()),
            ("POST".into(), "/lamp".into(), "5 start".into()),
            ("POST".into(), "/lamp".into(), "5 end".into())
        ]
    );
    // The command ran once, with the gesture in its environment and its argument as given.
    let mut logged = String::new();
    for _ in 0..100 {
        logged = std::fs::read_to_string(&log).unwrap_or_default();
        if !logged.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(logged, "1 start an argument\n");
}

#[test]
fn a_url_that_hangs_one_that_refuses_and_a_command_that_never_ends_do_not_stop_the_run() {
    let (hang_port, hung) = server(true);
    let refused = free_port();
    let dir = temp("hang");
    let config = dir.join("beckon.toml");
    std::fs::write(
        &config,
        format!(
            r#"[source]
kind = "replay"
path = "firmware/replay"
fps = 25
loop = true

[[action]]
label = "5"
pins = [17]

[[action]]
label = "5"
http = "http://127.0.0.1:{hang_port}/hang"
timeout_ms = 300

[[action]]
label = "4"
http = "http://127.0.0.1:{refused}/refused"

[[action]]
label = "1"
exec = ["sleep", "30"]
timeout_ms = 300
on = "both"
"#
        ),
    )
    .unwrap();
    let (ok, stdout, stderr) = run(&config, &["--max-frames", "100"]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("done: 100 frames") && stdout.contains("outputs at exit: GPIO17=off"), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!hung.lock().unwrap().is_empty(), "the hanging server got the request");
    assert!(stderr.contains(&format!("http action POST http://127.0.0.1:{hang_port}/hang")), "the hang is logged: {stderr}");
    assert!(stderr.contains(&format!("http action POST http://127.0.0.1:{refused}/refused")), "the refusal is logged: {stderr}");
    assert!(stderr.contains("exec action sleep: still running after 300 ms; killed"), "{stderr}");
}

#[test]
fn check_says_whether_each_url_takes_connections() {
    let (port, seen) = server(false);
    let refused = free_port();
    let dir = temp("check");
    let config = dir.join("beckon.toml");
    std::fs::write(
        &config,
        format!("[source]\nkind = \"replay\"\npath = \"firmware/replay\"\n\n[[action]]\nlabel = \"5\"\nhttp = \"http://127.0.0.1:{port}/up\"\n\n[[action]]\nlabel = \"4\"\nhttp = \"http://127.0.0.1:{refused}/down\"\n"),
    )
    .unwrap();
    let (ok, stdout, _) = beckon(&["check", "--config", config.to_str().unwrap()]);
    assert!(!ok, "{stdout}");
    assert!(stdout.contains(&format!("ok    http: http://127.0.0.1:{port}/up: 127.0.0.1:{port} takes connections")), "{stdout}");
    assert!(stdout.contains(&format!("FAIL  http: http://127.0.0.1:{refused}/down: 127.0.0.1:{refused}: Connection refused")), "{stdout}");
    std::thread::sleep(Duration::from_millis(100));
    assert!(seen.lock().unwrap().is_empty(), "checking sends no request (it would fire the action)");
}

/// Issue 33, row 15: `beckon check` fails on a command action whose program is not there or
/// cannot run (it used to pass, and the action failed at the first gesture).
#[test]
fn check_fails_on_a_program_that_is_not_there() {
    let dir = temp("missing-program");
    let not_exec = dir.join("not-executable.sh");
    std::fs::write(&not_exec, "#!/bin/sh\n").unwrap();
    for (program, words) in [
        ("/nonexistent/lamp", "/nonexistent/lamp: not found"),
        (not_exec.to_str().unwrap(), "not executable"),
        ("no-such-program-on-path", "not found on PATH"),
    ] {
        let config = dir.join("beckon.toml");
        std::fs::write(&config, format!("[source]\nkind = \"replay\"\npath = \"firmware/replay\"\n[[action]]\nlabel = \"1\"\nexec = [\"{program}\"]\n"))
            .unwrap();
        let (ok, out, _) = beckon(&["check", "--config", config.to_str().unwrap()]);
        assert!(!ok && out.contains("FAIL  exec: ") && out.contains(words), "{program}: {out}");
    }
    let config = dir.join("beckon.toml");
    std::fs::write(&config, "[source]\nkind = \"replay\"\npath = \"firmware/replay\"\n[[action]]\nlabel = \"1\"\nexec = [\"true\"]\n").unwrap();
    let (ok, out, _) = beckon(&["check", "--config", config.to_str().unwrap()]);
    assert!(ok && out.contains("ok    exec: true: /"), "{out}");
}

/// Whether a process whose command line contains `marker` is still there (read from /proc).
fn alive(marker: &str) -> bool {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| String::from_utf8_lossy(&c).replace('\0', " ").contains(marker)))
}

/// Issue 33, row 1: a command that leaves a child holding its error output (`(sleep …) &`) used
/// to count as running for good (every later start skipped), and its children outlived beckon;
/// a command past its timeout lost only its first process. A command runs in its own process
/// group: it is done when its process ends, and the group is killed at the timeout and at exit.
#[test]
fn commands_that_leave_children_are_done_when_they_end_and_their_groups_die_with_beckon() {
    let dir = temp("groups");
    let log = dir.join("starts.log");
    let leaver = dir.join("leaver.sh");
    let stuck = dir.join("stuck.sh");
    std::fs::write(&leaver, format!("#!/bin/sh\necho \"$BECKON_GESTURE\" >> {}\n(sleep 997.4242) &\nexit 0\n", log.display())).unwrap();
    std::fs::write(&stuck, "#!/bin/sh\nsleep 996.4343 &\nsleep 995.4444\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    for s in [&leaver, &stuck] {
        std::fs::set_permissions(s, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let config = dir.join("beckon.toml");
    std::fs::write(
        &config,
        format!(
            "[source]\nkind = \"replay\"\npath = \"firmware/replay\"\nfps = 20\nloop = true\n[[action]]\nlabel = \"5\"\nexec = [\"{}\"]\n[[action]]\nlabel = \"4\"\nexec = [\"{}\"]\ntimeout_ms = 300\n",
            leaver.display(),
            stuck.display()
        ),
    )
    .unwrap();
    let (ok, out, err) = run(&config, &["--max-frames", "70"]);
    assert!(ok, "{out}{err}");
    let starts = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(starts.lines().count() >= 3, "every start of \"5\" ran (3 passes of the frames): {starts:?}\n{err}");
    assert!(!err.contains("still running; 5 start skipped"), "{err}");
    assert!(err.contains("still running after 300 ms; killed"), "{err}");
    // A group killed at exit dies a moment later (the kernel tears the processes down after
    // beckon has gone; on a loaded machine that was seen to take longer than reading /proc).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    for marker in ["997.4242", "996.4343", "995.4444"] {
        while alive(marker) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(!alive(marker), "a process of a command ({marker}) outlived beckon by 5 s");
    }
}
