//! Command actions: a program run with arguments (no shell), the gesture in its environment, a
//! timeout, its exit status and error output logged. Never more than one copy per action: a
//! gesture change while the last copy still runs is skipped and counted.
//!
//! Each copy runs in a process group of its own. It is done when its process ends, whatever it
//! left running (a child still holding its error output does not keep the action "running");
//! at the timeout, and when beckon stops, the whole group is killed, children included.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::ChangeInfo;

/// One command action's runner.
#[derive(Debug)]
pub struct Exec {
    argv: Vec<String>,
    timeout: Duration,
    running: Arc<AtomicBool>,
    skipped: Arc<AtomicU64>,
    /// The copy running now, for [`Exec::stop`] to end.
    child: Arc<Mutex<Option<Child>>>,
    /// The process groups of the last copies (what they left running dies with beckon).
    groups: Arc<Mutex<Vec<u32>>>,
}

/// Process groups remembered per action, newest last.
const KEPT_GROUPS: usize = 16;

/// Kills every process of group `pgid` (one this module started: its first process's id).
fn kill_group(pgid: u32) {
    if let Ok(pgid) = i32::try_from(pgid)
        && pgid > 1
    {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

impl Exec {
    pub fn new(argv: Vec<String>, timeout: Duration) -> Self {
        Self {
            argv,
            timeout,
            running: Arc::new(AtomicBool::new(false)),
            skipped: Arc::new(AtomicU64::new(0)),
            child: Arc::new(Mutex::new(None)),
            groups: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Runs the command for `change` on a thread of its own, unless a copy still runs.
    pub fn fire(&self, change: &ChangeInfo) {
        if self.running.swap(true, Ordering::SeqCst) {
            self.skipped.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("exec action {}: still running; {} {} skipped", self.argv[0], change.label, change.change.as_str());
            return;
        }
        let env = [
            ("BECKON_GESTURE", change.label.to_string()),
            ("BECKON_EVENT", change.change.as_str().to_string()),
            ("BECKON_HAND", change.hand.to_string()),
            ("BECKON_PROBABILITY", format!("{:.3}", change.probability)),
            ("BECKON_TIME_MS", change.time_ms.to_string()),
        ];
        let (argv, timeout, running, child, groups) = (self.argv.clone(), self.timeout, self.running.clone(), self.child.clone(), self.groups.clone());
        let spawned = std::thread::Builder::new().name("exec-action".into()).spawn(move || {
            run(&argv, &env, timeout, &child, &groups);
            running.store(false, Ordering::SeqCst);
        });
        if let Err(e) = spawned {
            tracing::error!("exec action {}: cannot start a thread: {e}", self.argv[0]);
            self.running.store(false, Ordering::SeqCst);
        }
    }

    /// Waits up to `deadline` for a running copy to end, then kills it: beckon's actions stop
    /// with beckon.
    pub fn stop(&self, deadline: Duration) {
        let until = Instant::now() + deadline;
        while self.running.load(Ordering::SeqCst) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Some(c) = self.child.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            tracing::warn!("exec action {}: still running as beckon stops; killed", self.argv[0]);
            kill_group(c.id());
            let _ = c.kill();
            let _ = c.wait();
        }
        // What earlier copies left running goes too.
        for g in self.groups.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
            kill_group(g);
        }
    }

    /// Changes skipped because a copy still ran.
    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }
}

/// Runs `argv` with `env` added in a process group of its own (kept in `slot` while it runs, its
/// group in `groups`), kills the group after `timeout`, and logs how it ended.
fn run(argv: &[String], env: &[(&str, String)], timeout: Duration, slot: &Mutex<Option<Child>>, groups: &Mutex<Vec<u32>>) {
    use std::os::unix::process::CommandExt;
    let name = &argv[0];
    let mut child = match Command::new(name)
        .process_group(0)
        .args(&argv[1..])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("exec action {name}: cannot start it: {e}");
            return;
        }
    };
    {
        let mut g = groups.lock().unwrap_or_else(|p| p.into_inner());
        g.push(child.id());
        let excess = g.len().saturating_sub(KEPT_GROUPS);
        g.drain(..excess);
    }
    // Its error output, read as it comes (a full pipe would stall it), the last 2 kB kept; sent
    // when the pipe closes, which a child it left running may delay for good.
    let (errors_tx, errors_rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2048 {
                    kept.drain(..kept.len() - 2048);
                }
            }
            let _ = errors_tx.send(String::from_utf8_lossy(&kept).trim().to_string());
        })
    });
    let start = Instant::now();
    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
    let status = loop {
        let mut held = slot.lock().unwrap_or_else(|p| p.into_inner());
        let Some(child) = held.as_mut() else { return };
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() >= timeout => {
                kill_group(child.id());
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => {
                drop(held);
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => {
                tracing::warn!("exec action {name}: {e}");
                break None;
            }
        }
    };
    slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    // The process ended: the action is done. Its error output if the pipe closes soon; a child
    // left holding it keeps the reader thread, not the action.
    let errors = match stderr.map(|_| errors_rx.recv_timeout(Duration::from_millis(200))) {
        Some(Ok(e)) => e,
        Some(Err(_)) => "(a process it left running still holds its error output)".into(),
        None => String::new(),
    };
    match status {
        None => tracing::warn!("exec action {name}: still running after {} ms; killed. {errors}", timeout.as_millis()),
        Some(s) if s.success() => tracing::debug!("exec action {name}: done in {:.0} ms", start.elapsed().as_secs_f64() * 1e3),
        Some(s) => tracing::warn!("exec action {name}: {s}. {errors}"),
    }
}

/// Where `program` is: a path with a `/` as it is, else the first match on `PATH`; an error if
/// it is not there or not executable (what `beckon check` says).
pub fn find_program(program: &str) -> std::result::Result<std::path::PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &std::path::Path| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if program.contains('/') {
        let p = std::path::Path::new(program);
        return match p.metadata() {
            Err(_) => Err(format!("{program}: not found")),
            Ok(_) if !runnable(p) => Err(format!("{program}: not executable (chmod +x)")),
            Ok(_) => Ok(p.to_path_buf()),
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| runnable(p)).ok_or_else(|| format!("{program}: not found on PATH"))
}
