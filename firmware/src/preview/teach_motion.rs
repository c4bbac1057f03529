//! The Teach panel's motions: record a motion of the user's own from the running camera, as
//! `beckon capture --motion` does ([`crate::motion::taught`]), and have the device recognise it
//! without a restart.
//!
//! ```text
//! POST /teach/motion/record?name=N&count=K   the next K movements of the hand (default 5) are takes of N
//! POST /teach/motion/cancel                   stop (the takes saved stay)
//! POST /teach/motion/delete?name=N            forget the motion (its takes)
//! GET  /teach/state.json → "motions"          the taught motions, their takes, the recording
//! ```
//!
//! Each movement the tracked hand makes while a recording runs (from moving to still, at least
//! [`taught::SHORTEST`] hand sizes) is saved as the next take of `MOTIONS/N/`. When the recording
//! ends with three takes or more, the frame loop goes on with the same model again, which reads
//! the taught motions afresh: from the next frame the motion is recognised, in events and actions.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Value, json};

use crate::motion::{HandAt, Motion, taught};
use crate::runner::FrameReport;

const MAX_TAKES: usize = 20;

type Answer = (u16, String);

/// A motion recording in progress.
#[derive(Debug)]
struct Recording {
    name: String,
    target: usize,
    saved: usize,
    recorder: taught::Recorder,
}

/// The motion side of the Teach panel.
#[derive(Debug)]
pub struct MotionDesk {
    dir: PathBuf,
    mirror: bool,
    t0: Instant,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    recording: Option<Recording>,
    /// The last recording's outcome, for the page.
    said: Option<String>,
    /// Set when a recording made a motion usable: the frame loop should read them again.
    reload: bool,
}

impl MotionDesk {
    /// Takes go to `dir` ([`crate::paths::Paths::motions`], where the run reads them).
    pub fn new(dir: PathBuf, mirror: bool) -> Self {
        Self { dir, mirror, t0: Instant::now(), state: Mutex::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the frame loop should read the taught motions again (taken).
    pub fn take_reload(&self) -> bool {
        std::mem::take(&mut self.lock().reload)
    }

    /// Handles `/teach/motion/…` (changes only: `may_change` has allowed it).
    pub fn respond(&self, path: &str, param: &dyn Fn(&str) -> Option<String>) -> Option<Answer> {
        match path {
            "/teach/motion/record" => Some(self.record(param)),
            "/teach/motion/cancel" => Some(self.finish("stopped")),
            "/teach/motion/delete" => Some(self.delete(param)),
            _ => None,
        }
    }

    fn record(&self, param: &dyn Fn(&str) -> Option<String>) -> Answer {
        let name = param("name").unwrap_or_default();
        if let Err(e) = crate::capture::check_label(&name) {
            return (400, e.to_string());
        }
        if Motion::from_name(&name).is_some() {
            return (400, format!("{name:?} is a built-in motion, recognised without teaching; name yours otherwise"));
        }
        let count = match param("count").map(|c| c.parse::<usize>()) {
            None => 5,
            Some(Ok(c)) if (taught::MIN_TAKES..=MAX_TAKES).contains(&c) => c,
            Some(_) => return (400, format!("count: expected {}–{MAX_TAKES} takes", taught::MIN_TAKES)),
        };
        let mut s = self.lock();
        if s.recording.is_some() {
            return (409, "a motion is being recorded; cancel it first".into());
        }
        s.recording = Some(Recording { name: name.clone(), target: count, saved: 0, recorder: taught::Recorder::default() });
        s.said = None;
        (200, format!("recording {count} takes of {name:?}: make it, hold still, make it again"))
    }

    fn delete(&self, param: &dyn Fn(&str) -> Option<String>) -> Answer {
        let name = param("name").unwrap_or_default();
        if crate::capture::check_label(&name).is_err() || !self.dir.join(&name).is_dir() {
            return (404, format!("no taught motion {name:?}"));
        }
        if let Err(e) = std::fs::remove_dir_all(self.dir.join(&name)) {
            return (500, format!("cannot delete {}: {e}", self.dir.join(&name).display()));
        }
        self.lock().reload = true;
        (200, format!("deleted {name:?}"))
    }

    /// Ends the recording in progress, saying how it went; the frame loop reads the motions
    /// again when it made one usable.
    fn finish(&self, how: &str) -> Answer {
        let mut s = self.lock();
        let Some(r) = s.recording.take() else { return (409, "no motion is being recorded".into()) };
        let usable = r.saved >= taught::MIN_TAKES;
        s.reload |= usable;
        let more = if usable { "recognised from now on".to_string() } else { format!("{} more needed", taught::MIN_TAKES - r.saved) };
        s.said = Some(format!("{how}: {} takes of {:?}; {more}", r.saved, r.name));
        (200, s.said.clone().unwrap_or_default())
    }

    /// Called with every frame: while recording, follows the hand and saves each movement.
    pub fn on_frame(&self, report: &FrameReport) {
        let t = self.t0.elapsed().as_secs_f64();
        let ended = {
            let mut s = self.lock();
            let Some(r) = s.recording.as_mut() else { return };
            let hand = report.hand.as_ref().and_then(|h| HandAt::from_landmarks(h.landmarks.as_deref()?, h.side, None, false));
            r.recorder.push(t, hand.as_ref())
        };
        let Some(m) = ended else { return };
        let name = self.lock().recording.as_ref().map(|r| r.name.clone()).unwrap_or_default();
        match taught::save_take(&self.dir, &taught::Take::of(&name, &m, self.mirror)) {
            Ok(_) => {
                let done = {
                    let mut s = self.lock();
                    s.recording.as_mut().is_some_and(|r| {
                        r.saved += 1;
                        r.saved >= r.target
                    })
                };
                if done {
                    self.finish("done");
                }
            }
            Err(e) => {
                log::warn!("teach: {e}");
                self.finish(&format!("stopped ({e})"));
            }
        }
    }

    /// The taught motions (name, takes, whether usable and why not) and the recording.
    pub fn state_json(&self) -> Value {
        let (motions, problems) = if self.dir.is_dir() { taught::load_dir(&self.dir).unwrap_or_default() } else { Default::default() };
        let takes = |name: &str| {
            std::fs::read_dir(self.dir.join(name))
                .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == "json")).count())
                .unwrap_or(0)
        };
        let mut list: Vec<Value> = motions.iter().map(|m| json!({ "name": m.name, "takes": takes(&m.name), "usable": true })).collect();
        list.extend(problems.iter().map(|(name, e)| json!({ "name": name, "takes": takes(name), "usable": false, "why": e.to_string() })));
        let s = self.lock();
        json!({
            "folder": self.dir,
            "taught": list,
            "recording": s.recording.as_ref().map(|r| json!({ "name": r.name, "saved": r.saved, "target": r.target })),
            "said": s.said,
        })
    }
}
