//! The preview page's Teach panel: record examples of a named gesture from the running camera,
//! see them, delete a bad recording, train, and switch the running device to the new model
//! (and back) without a restart.
//!
//! ```text
//! POST /teach/record?label=L&count=N&countdown=S&every=MS   record N crops with a hand (one recording;
//!                                                            it gives up after `patience` s, default
//!                                                            30, without a hand)
//! POST /teach/cancel                                         stop the recording (what it saved stays)
//! POST /teach/delete?label=L&recording=R                    delete one recording
//! POST /teach/train                                          beckon train on the dataset, in the background
//! POST /teach/switch?to=trained|previous                     ask the frame loop to go on with that model
//! GET  /teach/state.json                                     gestures, recordings, progress, models
//! GET  /teach/example?label=L&file=F                         one recorded crop (PNG)
//! ```
//!
//! Recording, deleting, training and switching change the device: they follow the capture
//! button's rule ([`super::access`]). Recorded crops are the rotated hand crops the landmark
//! model sees (frames without a hand are skipped and counted), saved as
//! `DATASET/LABEL/RECORDING_NNNN.png`, which `beckon train` and `beckon-train fit` read. Models
//! go to `DATASET/models/taught-MILLIS/` (each written aside and renamed by [`crate::teach`]);
//! the three newest are kept, and any the device runs or can switch back to.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::runner::FrameReport;
use crate::teach::{TeachJob, TeachReport};

/// The folder of taught models inside the dataset (not read as a gesture: it holds models).
pub const MODELS: &str = "models";
const KEEP_MODELS: usize = 3;
const MAX_COUNT: usize = 500;

/// A recording in progress.
#[derive(Debug, Clone)]
struct Recording {
    label: String,
    id: String,
    target: usize,
    saved: usize,
    skipped: usize,
    starts: Instant,
    every: Duration,
    last: Option<Instant>,
    /// How long it goes on without a hand before it gives up.
    patience: Duration,
}

#[derive(Debug, Clone, Default)]
enum Training {
    #[default]
    Idle,
    Running(Instant),
    Done(Box<TeachReport>),
    Failed(String),
}

/// What the Teach panel knows; shared by the HTTP threads and the frame loop.
#[derive(Debug)]
pub struct Desk {
    dataset: PathBuf,
    /// The model taught heads are built on (the run's first model).
    base: PathBuf,
    /// Its no-hand label (read once: a name the panel does not take for a gesture).
    no_hand: String,
    /// The configuration's outputs, to give taught gestures (without a configuration: none).
    outputs: Option<super::outputs::Outputs>,
    state: Mutex<DeskState>,
    /// Motions taught from the page ([`super::teach_motion`]).
    motions: Option<super::teach_motion::MotionDesk>,
}

#[derive(Debug, Default)]
struct DeskState {
    recording: Option<Recording>,
    last_recording: Option<Recording>,
    training: Training,
    running: PathBuf,
    previous: Option<PathBuf>,
    switch_to: Option<PathBuf>,
    switch_error: Option<String>,
    /// The run finds hands (recording needs the rotated crop); `None` until its first frame.
    tracking: Option<bool>,
}

type Answer = (u16, String);

const NEEDS_TRACKING: &str = "teaching needs the hand tracked: a hand-landmark model with [region] mode = \"track\" (its default)";

impl Desk {
    /// `running`: the model the device starts with; `base`: the configured model, which taught
    /// models build on (and *Back* returns to when the device started with a taught one).
    /// `outputs`: the configuration's outputs a taught gesture may be given.
    pub fn new(dataset: PathBuf, running: PathBuf, base: PathBuf, outputs: Option<super::outputs::Outputs>) -> Self {
        let previous = (running != base).then(|| base.clone());
        let state = DeskState { running, previous, ..DeskState::default() };
        let no_hand = crate::model::ModelInfo::read(&base).ok().and_then(|i| i.no_hand_label).unwrap_or_else(|| "none".into());
        Self { dataset, base, no_hand, outputs, state: Mutex::new(state), motions: None }
    }

    /// With motions taught from the page too.
    pub fn with_motions(mut self, motions: super::teach_motion::MotionDesk) -> Self {
        self.motions = Some(motions);
        self
    }

    /// The taught model whose outputs the page shows: the one just trained, else the one
    /// running if it is a taught one.
    fn taught(&self) -> Option<PathBuf> {
        let s = self.lock();
        match &s.training {
            Training::Done(r) => Some(r.model_path.clone()),
            _ => Some(s.running.clone()).filter(|m| m.starts_with(self.dataset.join(MODELS))),
        }
    }

    /// `POST /teach/output`: gives a taught gesture an output; a model running now goes on
    /// with it at once (the frame loop takes the same model again).
    fn output(&self, param: &dyn Fn(&str) -> Option<String>) -> Answer {
        let (Some(outputs), Some(model)) = (&self.outputs, self.taught()) else {
            return (409, "no taught model to give outputs to (or no configuration with outputs)".into());
        };
        let answer = outputs.assign(&model, &param("gesture").unwrap_or_default(), &param("to").unwrap_or_default());
        let mut s = self.lock();
        if answer.0 == 200 && s.running == model {
            s.switch_to = Some(model);
        }
        answer
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DeskState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Called with every frame: saves the hand crop while a recording runs.
    pub fn on_frame(&self, report: &FrameReport, tracking: bool) {
        if let Some(m) = self.motions.as_ref().filter(|_| tracking) {
            m.on_frame(report);
        }
        let (label, id) = {
            let mut s = self.lock();
            s.tracking = Some(tracking);
            if !tracking && s.recording.is_some() {
                // Asked for before the run's first frame (which says whether hands are found).
                s.last_recording = s.recording.take();
                s.switch_error = Some(format!("recording stopped: {NEEDS_TRACKING}"));
                return;
            }
            let Some(r) = s.recording.as_mut() else { return };
            if Instant::now() < r.starts || r.last.is_some_and(|t| t.elapsed() < r.every) {
                return;
            }
            if report.hand.as_ref().is_none_or(|h| h.landmarks.is_none()) {
                r.skipped += 1;
                // Nobody there (or no hand the network sees): give up rather than hold the
                // panel for good.
                if r.last.unwrap_or(r.starts).elapsed() > r.patience {
                    let (saved, waited) = (r.saved, r.patience.as_secs());
                    s.last_recording = s.recording.take();
                    s.switch_error = Some(format!("recording stopped: no hand seen for {waited} s ({saved} examples saved); show the hand and record again"));
                }
                return;
            }
            r.last = Some(Instant::now());
            (r.label.clone(), r.id.clone())
        };
        let Some(hand) = &report.hand else { return };
        let saved = crate::capture::save_frame_as(&self.dataset, &label, &id, &hand.input);
        let mut s = self.lock();
        match saved {
            Ok(_) => {
                if let Some(r) = s.recording.as_mut() {
                    r.saved += 1;
                    if r.saved >= r.target {
                        s.last_recording = s.recording.take();
                    }
                }
            }
            Err(e) => {
                // A full disk or a removed folder: stop, say why, keep what was saved.
                log::warn!("teach: {e}");
                s.last_recording = s.recording.take();
                s.switch_error = Some(format!("recording stopped: {e}"));
            }
        }
    }

    /// The model the frame loop should go on with, once asked for (taken).
    pub fn take_switch(&self) -> Option<PathBuf> {
        let mut s = self.lock();
        // Motions taught or deleted: the same model again, which reads them afresh.
        let reload = self.motions.as_ref().is_some_and(|m| m.take_reload()).then(|| s.running.clone());
        s.switch_to.take().or(reload)
    }

    /// The frame loop went on with `model` (or could not, and went on with the one before).
    pub fn switched(&self, model: &Path, result: std::result::Result<(), String>) {
        let mut s = self.lock();
        match result {
            // The same model again (its outputs changed): nothing to go back to.
            Ok(()) if s.running == model => s.switch_error = None,
            Ok(()) => {
                let before = std::mem::replace(&mut s.running, model.to_path_buf());
                s.previous = Some(before);
                s.switch_error = None;
            }
            Err(e) => s.switch_error = Some(format!("{}: {e}", model.display())),
        }
    }

    /// Handles `/teach/…`; `None` for other paths.
    pub fn respond(
        self: &Arc<Self>,
        method: &str,
        path: &str,
        param: &dyn Fn(&str) -> Option<String>,
        may_change: &dyn Fn() -> Result<(), Answer>,
    ) -> Option<Answer> {
        let change = |f: &dyn Fn() -> Answer| Some(may_change().err().unwrap_or_else(f));
        match (method, path) {
            ("GET", "/teach/state.json") => Some((200, self.state_json().to_string())),
            ("POST", "/teach/record") => change(&|| self.record(param)),
            ("POST", "/teach/cancel") => change(&|| self.cancel()),
            ("POST", "/teach/delete") => change(&|| self.delete(param)),
            ("POST", "/teach/train") => change(&|| self.train()),
            ("POST", "/teach/switch") => change(&|| self.switch(param)),
            ("POST", "/teach/output") => change(&|| self.output(param)),
            ("POST", p) if p.starts_with("/teach/motion/") => {
                let motions = self.motions.as_ref()?;
                change(&|| motions.respond(p, param).unwrap_or((404, "not found".into())))
            }
            _ => None,
        }
    }

    fn record(&self, param: &dyn Fn(&str) -> Option<String>) -> Answer {
        let label = param("label").unwrap_or_default();
        if let Err(e) = crate::capture::check_label(&label) {
            return (400, e.to_string());
        }
        if label == MODELS {
            return (400, format!("{MODELS:?} is where taught models go; name the gesture otherwise"));
        }
        if label == self.no_hand || label == crate::teach::mix::OTHER {
            return (400, format!("{label:?} is a name beckon gives itself (no hand; poses nobody taught); name the gesture otherwise"));
        }
        let number = |name: &str, default: u64, max: u64| -> Result<u64, Answer> {
            match param(name) {
                None => Ok(default),
                Some(v) => v.parse::<u64>().ok().filter(|n| *n <= max).ok_or((400, format!("{name}={v:?}: expected a whole number up to {max}"))),
            }
        };
        let (count, countdown, every) = match (number("count", 20, MAX_COUNT as u64), number("countdown", 3, 10), number("every", 250, 5000)) {
            (Ok(c), Ok(d), Ok(e)) => (c as usize, d, e),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
        };
        let patience = match number("patience", 30, 600) {
            Ok(0) => return (400, "patience=0: give it at least a second".into()),
            Ok(p) => Duration::from_secs(p),
            Err(e) => return e,
        };
        if count == 0 {
            return (400, "count=0: record at least one example".into());
        }
        let mut s = self.lock();
        // Before the run's first frame this is not known yet: the recording starts, and the
        // first frame stops it if the run does not find hands.
        if s.tracking == Some(false) {
            return (409, NEEDS_TRACKING.into());
        }
        if let Some(r) = &s.recording {
            return (409, format!("already recording {:?} ({} of {})", r.label, r.saved, r.target));
        }
        let ms = crate::events::now_ms();
        let r = Recording {
            label,
            id: format!("r{ms}"),
            target: count,
            saved: 0,
            skipped: 0,
            starts: Instant::now() + Duration::from_secs(countdown),
            every: Duration::from_millis(every),
            last: None,
            patience,
        };
        let text = format!("recording {} examples of {:?} as {} in {countdown} s", r.target, r.label, r.id);
        s.recording = Some(r);
        (200, text)
    }

    /// Stops the recording; what it saved stays (delete it as any recording).
    fn cancel(&self) -> Answer {
        let mut s = self.lock();
        match s.recording.take() {
            Some(r) => {
                let text = format!("stopped recording {:?}: {} of {} saved", r.label, r.saved, r.target);
                s.last_recording = Some(r);
                (200, text)
            }
            None => (409, "no recording to stop".into()),
        }
    }

    fn delete(&self, param: &dyn Fn(&str) -> Option<String>) -> Answer {
        let (label, recording) = (param("label").unwrap_or_default(), param("recording").unwrap_or_default());
        if crate::capture::check_label(&label).is_err() || !is_recording_id(&recording) {
            return (400, "name a gesture and a recording (label=…&recording=r…)".into());
        }
        if self.lock().recording.as_ref().is_some_and(|r| r.label == label && r.id == recording) {
            return (409, "that recording is still running".into());
        }
        let dir = self.dataset.join(&label);
        let files = examples_of(&dir).into_iter().filter(|f| f.split_once('_').is_some_and(|(r, _)| r == recording)).collect::<Vec<_>>();
        if files.is_empty() {
            return (404, format!("{label}: no recording {recording}"));
        }
        for f in &files {
            if let Err(e) = std::fs::remove_file(dir.join(f)) {
                return (500, format!("{}: cannot delete it: {e}", dir.join(f).display()));
            }
        }
        if examples_of(&dir).is_empty() {
            let _ = std::fs::remove_dir(&dir);
        }
        (200, format!("deleted {} examples of {label} ({recording})", files.len()))
    }

    fn train(self: &Arc<Self>) -> Answer {
        {
            let mut s = self.lock();
            if matches!(s.training, Training::Running(_)) {
                return (409, "already training".into());
            }
            if s.recording.is_some() {
                return (409, "a recording is running; train when it is done".into());
            }
            s.training = Training::Running(Instant::now());
        }
        let ms = crate::events::now_ms();
        let out = self.dataset.join(MODELS).join(format!("taught-{ms}"));
        let mut job = TeachJob::new(self.dataset.clone(), out, self.base.clone());
        job.command = format!("the preview page's Teach panel (beckon train --data {})", self.dataset.display());
        let desk = Arc::clone(self);
        std::thread::spawn(move || {
            let result = crate::teach::teach(&job);
            let mut s = desk.lock();
            s.training = match result {
                Ok(report) => Training::Done(Box::new(report)),
                Err(e) => Training::Failed(e.to_string()),
            };
            let keep: Vec<PathBuf> = [Some(s.running.clone()), s.previous.clone(), s.switch_to.clone()].into_iter().flatten().collect();
            drop(s);
            prune(&desk.dataset.join(MODELS), &keep);
        });
        (200, "training".into())
    }

    fn switch(&self, param: &dyn Fn(&str) -> Option<String>) -> Answer {
        let mut s = self.lock();
        let to = match param("to").as_deref() {
            Some("trained") => match &s.training {
                Training::Done(r) => r.model_path.clone(),
                _ => return (409, "no trained model yet: press Train first".into()),
            },
            Some("previous") => match &s.previous {
                Some(p) => p.clone(),
                None => return (409, "no previous model: this is the one the device started with".into()),
            },
            _ => return (400, "to=trained or to=previous".into()),
        };
        if to == s.running {
            return (409, format!("{} is already running", to.display()));
        }
        let text = format!("switching to {}", to.display());
        s.switch_to = Some(to);
        s.switch_error = None;
        (200, text)
    }

    /// One recorded crop, if `label` and `file` name one.
    pub fn example(&self, label: &str, file: &str) -> Option<Vec<u8>> {
        let ok_file = !file.starts_with('.') && file.ends_with(".png") && file.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if crate::capture::check_label(label).is_err() || !ok_file {
            return None;
        }
        std::fs::read(self.dataset.join(label).join(file)).ok()
    }

    fn state_json(&self) -> Value {
        let mut gestures = Vec::new();
        let mut names: Vec<String> = std::fs::read_dir(&self.dataset)
            .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.path().is_dir()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        names.retain(|n| !n.starts_with('.') && n != MODELS);
        names.sort();
        for name in names {
            let files = examples_of(&self.dataset.join(&name));
            let mut recordings: Vec<(String, Vec<String>)> = Vec::new();
            for f in &files {
                let id = f.split_once('_').map_or(f.as_str(), |(r, _)| r).to_string();
                match recordings.iter_mut().find(|(r, _)| *r == id) {
                    Some((_, v)) => v.push(f.clone()),
                    None => recordings.push((id, vec![f.clone()])),
                }
            }
            let recordings: Vec<Value> = recordings.into_iter().map(|(id, files)| json!({ "id": id, "files": files })).collect();
            gestures.push(json!({ "name": name, "examples": files.len(), "recordings": recordings }));
        }
        let outputs = match (&self.outputs, self.taught()) {
            (Some(o), Some(model)) => o.state(&model),
            _ => Value::Null,
        };
        let s = self.lock();
        let rec = |r: &Recording| {
            let wait = r.starts.saturating_duration_since(Instant::now());
            json!({ "label": r.label, "id": r.id, "saved": r.saved, "target": r.target, "skipped": r.skipped, "countdown_ms": wait.as_millis() as u64 })
        };
        let training = match &s.training {
            Training::Idle => json!({ "state": "idle" }),
            Training::Running(t) => json!({ "state": "running", "seconds": t.elapsed().as_secs_f64() }),
            Training::Failed(e) => json!({ "state": "failed", "message": e }),
            Training::Done(r) => {
                let recall = r.holdout.as_ref().map(|h| h.recall()).unwrap_or_default();
                json!({
                    "state": "done",
                    "model": r.model_path,
                    "labels": r.labels,
                    "examples": r.examples,
                    "base_examples": r.base.as_ref().map(|b| b.examples.clone()),
                    "recall": recall,
                    "accuracy": r.holdout.as_ref().map(|h| h.accuracy()),
                    "versus": r.versus.map(|v| json!({ "examples": v.examples, "base_right": v.base_right, "taught_right": v.taught_right, "line": v.line() })),
                    "seconds": r.seconds,
                })
            }
        };
        json!({
            "dataset": self.dataset,
            "tracking": s.tracking == Some(true),
            "gestures": gestures,
            "recording": s.recording.as_ref().map(rec),
            "last_recording": s.last_recording.as_ref().map(rec),
            "training": training,
            "running": s.running,
            "previous": s.previous,
            "switching": s.switch_to,
            "error": s.switch_error,
            "outputs": outputs,
            "motions": self.motions.as_ref().map(|m| m.state_json()),
        })
    }
}

/// `r` and digits: what the Teach panel and `beckon capture` name recordings.
fn is_recording_id(s: &str) -> bool {
    s.len() > 1 && s.starts_with('r') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The examples in a gesture folder (file names, sorted; temporary files left out).
fn examples_of(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| !n.starts_with('.') && n.ends_with(".png")).collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Deletes all but the [`KEEP_MODELS`] newest `taught-*` folders in `dir`, keeping any that
/// holds a model in `keep`.
fn prune(dir: &Path, keep: &[PathBuf]) {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("taught-"))).collect())
        .unwrap_or_default();
    folders.sort();
    let old = folders.len().saturating_sub(KEEP_MODELS);
    for f in &folders[..old] {
        if !keep.iter().any(|k| k.starts_with(f)) {
            let _ = std::fs::remove_dir_all(f);
        }
    }
}
