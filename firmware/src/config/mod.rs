//! `beckon.toml`: the device configuration (model, frame source, region of interest, decision
//! rules, GPIO backend and gesture actions), read and validated before any pin is touched.
//!
//! Errors name the file, the line and the key, e.g.
//! `beckon.toml:14: action[1].label: the model has no label "7"; its labels are 0, 1, 2, 3, 4, 5`.
//! `firmware/beckon.toml` is the documented example.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::actions::{Action, ActionEntry, MqttSection};
pub use crate::camera::Source;
use crate::camera::v4l2::FormatChoice;
use crate::camera::v4l2::pixels::PixelFormat;
use crate::camera::{RpicamSettings, V4l2Settings};
use crate::decide::DecisionRules;
use crate::error::{Error, Result};
pub use crate::preprocess::Region;
use crate::smooth::Smoothing;
use location::{key_at, line_of};

mod location;
mod output;
pub mod overlay;
mod preview;
mod region;
pub use output::{EventFormat, OutputSection};
pub use preview::{PreviewSettings, check_listen};
pub use region::{RegionMode, RegionSection, TrackSettings, tracking_for};

/// The file as written (before validation against a model).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub model: Option<Spanned<PathBuf>>,
    #[serde(default)]
    pub source: SourceSection,
    pub region: Option<Spanned<RegionSection>>,
    #[serde(default)]
    pub decision: DecisionSection,
    #[serde(default)]
    pub gpio: GpioSection,
    #[serde(default, rename = "action")]
    pub actions: Vec<ActionEntry>,
    pub preview: Option<PreviewSettings>,
    #[serde(default)]
    pub output: OutputSection,
    pub mqtt: Option<MqttSection>,
    #[serde(default)]
    pub runtime: RuntimeSection,
}

/// `[runtime]`: how the device computes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeSection {
    /// Threads for tract's matrix products (1 when absent; `--threads` wins).
    pub threads: Option<Spanned<usize>>,
}

/// `[source]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSection {
    #[serde(default = "default_kind")]
    pub kind: Spanned<String>,
    /// Folder of frames or `.mjpeg` file for `replay` (and `auto` without a camera).
    pub path: Option<PathBuf>,
    /// Frames per second: replay pace, camera frame rate.
    pub fps: Option<f64>,
    #[serde(default, rename = "loop")]
    pub looping: bool,
    /// For `rpicam`: the capture program (default: rpicam-vid, else libcamera-vid).
    pub program: Option<String>,
    /// For `v4l2`: the device node (default /dev/video0), or a `.v4l2rec` recording to play.
    pub device: Option<PathBuf>,
    /// For `v4l2`: "auto" (MJPEG, else YUYV), "mjpeg" or "yuyv".
    pub format: Option<Spanned<String>>,
    /// For `v4l2`: also write the raw buffers to this `.v4l2rec` file.
    pub record: Option<PathBuf>,
    /// For `rpicam` and `v4l2`: frame size asked of the camera.
    #[serde(default = "default_width")]
    pub width: u32,
    #[serde(default = "default_height")]
    pub height: u32,
    /// The frames are mirror images (a selfie view; most webcam apps show one, the camera
    /// itself does not): with hand tracking, which hand is left and which right.
    #[serde(default)]
    pub mirror: bool,
}

fn default_width() -> u32 {
    640
}
fn default_height() -> u32 {
    480
}

fn default_kind() -> Spanned<String> {
    Spanned::new(0..0, "replay".into())
}

impl Default for SourceSection {
    fn default() -> Self {
        Self {
            kind: default_kind(),
            path: None,
            fps: None,
            looping: false,
            program: None,
            device: None,
            format: None,
            record: None,
            width: default_width(),
            height: default_height(),
            mirror: false,
        }
    }
}

/// `[decision]`: see [`crate::decide`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionSection {
    #[serde(default = "default_smoothing")]
    pub smoothing: Spanned<String>,
    #[serde(default = "default_window")]
    pub window: usize,
    #[serde(default = "default_k")]
    pub k: usize,
    #[serde(default = "default_window")]
    pub n: usize,
    #[serde(default = "default_high")]
    pub threshold_high: Spanned<f32>,
    #[serde(default = "default_low")]
    pub threshold_low: Spanned<f32>,
    #[serde(default)]
    pub min_hold_ms: u64,
    #[serde(default)]
    pub cooldown_ms: u64,
    pub idle_label: Option<Spanned<String>>,
}

fn default_smoothing() -> Spanned<String> {
    Spanned::new(0..0, "average".into())
}
fn default_window() -> usize {
    3
}
fn default_k() -> usize {
    2
}
fn default_high() -> Spanned<f32> {
    Spanned::new(0..0, 0.7)
}
fn default_low() -> Spanned<f32> {
    Spanned::new(0..0, 0.5)
}

impl Default for DecisionSection {
    fn default() -> Self {
        Self {
            smoothing: default_smoothing(),
            window: default_window(),
            k: default_k(),
            n: default_window(),
            threshold_high: default_high(),
            threshold_low: default_low(),
            min_hold_ms: 0,
            cooldown_ms: 0,
            idle_label: None,
        }
    }
}

/// `[gpio]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpioSection {
    /// `sim` (default), `rppal` or `gpiocdev`.
    #[serde(default = "default_backend")]
    pub backend: Spanned<String>,
    /// Every output is on at the low level (relay boards), unless its action says otherwise.
    #[serde(default)]
    pub active_low: bool,
}

fn default_backend() -> Spanned<String> {
    Spanned::new(0..0, "sim".into())
}

impl Default for GpioSection {
    fn default() -> Self {
        Self { backend: default_backend(), active_low: false }
    }
}

/// A validated configuration, ready to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub model: Option<PathBuf>,
    pub source: Source,
    pub region: Option<Region>,
    /// `[region] mode = "track"`: find the hand anywhere (then `region` is `None`).
    pub track: Option<TrackSettings>,
    pub rules: DecisionRules,
    pub backend: String,
    /// Output pins, in the order the actions first name them.
    pub pins: Vec<u8>,
    /// The pins that are on at the low level (`active_low`): off drives them high.
    pub active_low: Vec<u8>,
    pub actions: Vec<Action>,
    pub preview: Option<PreviewSettings>,
    /// `[output] events`.
    pub events: EventFormat,
    /// `[mqtt]`.
    pub mqtt: Option<crate::actions::MqttSettings>,
    /// The actions that talk to other programs (MQTT).
    pub remote: Vec<crate::actions::RemoteAction>,
    /// The actions motions fire (pins).
    pub motions: Vec<crate::actions::MotionAction>,
    /// Actions that name a label the model does not have, and stay idle: why, for each.
    pub idle_actions: Vec<String>,
}

impl Config {
    /// The configuration the command-line flags describe: a replay source, simple rules and
    /// `hold` actions from a label → pins map.
    pub fn from_flags(model: Option<PathBuf>, source: Source, rules: DecisionRules, backend: &str, map: &crate::gpio::LedMap) -> Self {
        Self {
            model,
            source,
            region: None,
            track: None,
            rules,
            backend: backend.into(),
            pins: map.pins().to_vec(),
            active_low: Vec::new(),
            actions: map.to_actions(),
            preview: None,
            events: EventFormat::default(),
            mqtt: None,
            remote: Vec::new(),
            idle_actions: Vec::new(),
            motions: Vec::new(),
        }
    }
}

/// A parsed file: its text (for line numbers), path and contents.
#[derive(Debug)]
pub struct Loaded {
    pub path: PathBuf,
    text: String,
    pub file: ConfigFile,
    /// A model's own actions appended to the text ([`overlay`]): their file, and where their
    /// text starts in `text` (errors there name that file and its line).
    overlay: Option<(PathBuf, usize)>,
}

impl Loaded {
    /// Reads and parses `path`; syntax and type errors name the line and key.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config { setting: path.display().to_string(), problem: format!("cannot read the configuration: {e}") })?;
        Self::parse(path, text)
    }

    /// Parses `text` as if read from `path`.
    pub fn parse(path: &Path, text: String) -> Result<Self> {
        let file: ConfigFile = toml::from_str(&text).map_err(|e| {
            let at = e.span().map(|s| s.start);
            let line = at.map(|a| line_of(&text, a)).unwrap_or(0);
            let key = at.and_then(|a| key_at(&text, a)).map(|k| format!(": {k}")).unwrap_or_default();
            Error::Config { setting: format!("{}:{line}{key}", path.display()), problem: e.message().trim().to_string() }
        })?;
        Ok(Self { path: path.to_path_buf(), text, file, overlay: None })
    }

    /// The model path the file names, relative paths taken from the working directory.
    pub fn model(&self) -> Option<PathBuf> {
        self.file.model.as_ref().map(|m| m.get_ref().clone())
    }

    /// An error at `span` of the file, naming the line and `key`.
    fn err(&self, span: std::ops::Range<usize>, key: &str, problem: String) -> Error {
        let setting = match &self.overlay {
            _ if span.is_empty() && span.start == 0 => format!("{}: {key}", self.path.display()),
            Some((path, start)) if span.start >= *start => format!("{}:{}: {key}", path.display(), line_of(&self.text[*start..], span.start - start)),
            _ => format!("{}:{}: {key}", self.path.display(), line_of(&self.text, span.start)),
        };
        Error::Config { setting, problem }
    }

    /// `[output] events`, validated.
    pub fn events(&self) -> Result<EventFormat> {
        self.file.output.events().map_err(|(span, problem)| self.err(span, "output.events", problem))
    }

    /// `[runtime] threads`, if set: at least 1.
    pub fn threads(&self) -> Result<Option<usize>> {
        match &self.file.runtime.threads {
            Some(t) if *t.get_ref() == 0 => Err(self.err(t.span(), "runtime.threads", "0; expected 1 or more (1 = one core for inference)".into())),
            t => Ok(t.as_ref().map(|t| *t.get_ref())),
        }
    }

    /// The validated `[source]`.
    pub fn source(&self) -> Result<Source> {
        let err = |span, key: &str, problem| self.err(span, key, problem);
        let src = &self.file.source;
        let fps = src.fps.unwrap_or(match src.kind.get_ref().as_str() {
            "replay" => 0.0,
            _ => 10.0,
        });
        if !(fps >= 0.0 && fps.is_finite()) {
            return Err(err(src.kind.span(), "source.fps", format!("{fps} must be ≥ 0")));
        }
        let replay_path = src.path.clone().unwrap_or_else(|| crate::paths::shared().replay());
        let auto_replay = src.path.clone();
        let rpicam = RpicamSettings { program: src.program.clone(), width: src.width, height: src.height, fps: if fps > 0.0 { fps } else { 10.0 } };
        let format = match &src.format {
            None => FormatChoice::Auto,
            Some(f) => match f.get_ref().as_str() {
                "auto" => FormatChoice::Auto,
                "mjpeg" => FormatChoice::Only(PixelFormat::Mjpeg),
                "yuyv" => FormatChoice::Only(PixelFormat::Yuyv),
                other => return Err(err(f.span(), "source.format", format!("{other:?}; expected \"auto\", \"mjpeg\" or \"yuyv\""))),
            },
        };
        let v4l2 = V4l2Settings {
            device: src.device.clone().unwrap_or_else(|| PathBuf::from("/dev/video0")),
            width: src.width,
            height: src.height,
            fps: src.fps.filter(|f| *f > 0.0),
            format,
            record: src.record.clone(),
        };
        Ok(match src.kind.get_ref().as_str() {
            "replay" => Source::Replay { path: replay_path, fps, looping: src.looping, paced: true },
            "rpicam" => Source::Rpicam(rpicam),
            "v4l2" => Source::V4l2(v4l2),
            "auto" => Source::Auto { rpicam, v4l2, replay: auto_replay, fps, looping: src.looping },
            other => {
                return Err(err(src.kind.span(), "source.kind", format!("{other:?}; expected \"rpicam\", \"v4l2\", \"replay\" or \"auto\"")));
            }
        })
    }

    /// Validates the file against the model's `labels` and the board's pins. A model's
    /// `no_hand` label (hand-landmark models) is the idle label unless the file names one.
    pub fn resolve(&self, labels: &[String], no_hand: Option<&str>) -> Result<Config> {
        let f = &self.file;
        let err = |span, key: &str, problem| self.err(span, key, problem);
        let label_index = |s: &Spanned<String>, key: &str| crate::actions::parse::label_index(self, labels, s, key);

        let source = self.source()?;
        let (region, track) = self.region()?;

        let d = &f.decision;
        let smoothing = match d.smoothing.get_ref().as_str() {
            "average" => Smoothing::Average { window: d.window },
            "k-of-n" => Smoothing::KOfN { k: d.k, n: d.n },
            other => {
                return Err(err(d.smoothing.span(), "decision.smoothing", format!("{other:?}; expected \"average\" or \"k-of-n\"")));
            }
        };
        let idle = match &d.idle_label {
            Some(l) => Some(label_index(l, "decision.idle_label")?),
            None => no_hand.and_then(|n| labels.iter().position(|l| l == n)),
        };
        let rules = DecisionRules {
            smoothing,
            threshold_high: *d.threshold_high.get_ref(),
            threshold_low: *d.threshold_low.get_ref(),
            min_hold: Duration::from_millis(d.min_hold_ms),
            cooldown: Duration::from_millis(d.cooldown_ms),
            idle,
        };
        crate::decide::Decider::new(rules.clone()).map_err(|e| match e {
            Error::Config { setting, problem } => {
                let span = if setting == "threshold_low" { d.threshold_low.span() } else { d.threshold_high.span() };
                err(span, &format!("decision.{setting}"), problem)
            }
            other => other,
        })?;

        let backend = f.gpio.backend.get_ref().clone();
        if !["sim", "rppal", "gpiocdev"].contains(&backend.as_str()) {
            return Err(err(f.gpio.backend.span(), "gpio.backend", format!("{backend:?}; expected \"sim\", \"rppal\" or \"gpiocdev\"")));
        }

        let written = crate::actions::Written { actions: &f.actions, mqtt: f.mqtt.as_ref(), active_low: f.gpio.active_low };
        let crate::actions::Parsed { pins, active_low, actions, remote, motions, mqtt, idle: idle_actions } =
            crate::actions::parse(self, &written, labels, idle)?;
        if let Some(p) = &f.preview {
            check_listen(&p.listen, p.allow_remote).map_err(|e| self.err(0..0, "preview.listen", e.to_string()))?;
            if p.capture_token.as_deref().is_some_and(|t| t.len() < 8 || t.contains(char::is_whitespace)) {
                return Err(self.err(0..0, "preview.capture_token", "must be at least 8 characters without spaces (a long random word)".into()));
            }
        }
        let events = f.output.events().map_err(|(span, problem)| err(span, "output.events", problem))?;
        Ok(Config {
            model: self.model(),
            source,
            region,
            track,
            rules,
            backend,
            pins,
            active_low,
            actions,
            preview: f.preview.clone(),
            events,
            mqtt,
            remote,
            idle_actions,
            motions,
        })
    }
}

impl crate::actions::Locate for Loaded {
    fn err(&self, span: std::ops::Range<usize>, key: &str, problem: String) -> Error {
        Loaded::err(self, span, key, problem)
    }
}

impl Config {
    /// Whether each hand decides on its own ([`crate::actions::per_hand`]); `max_hands` is
    /// `None` without tracking.
    pub fn per_hand(&self, max_hands: Option<usize>, labels: &[String], handedness: bool) -> Result<bool> {
        crate::actions::per_hand(&self.actions, &self.remote, max_hands, labels, handedness)
    }

    /// One line per action ([`crate::actions::describe`]).
    pub fn describe_actions(&self, labels: &[String]) -> Vec<String> {
        crate::actions::describe(&self.actions, &self.remote, &self.motions, labels)
    }
}

#[cfg(test)]
pub(crate) mod tests;
