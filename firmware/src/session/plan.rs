//! A run's settings, resolved once from the command line and the configuration (the binary's
//! flags become a [`Plan`]; nothing below looks at flags again): which model, where frames come
//! from, how the hand is found, which outputs, the page, and where state is kept.

use std::path::PathBuf;
use std::time::Duration;

use crate::camera::Source;
use crate::config::{self, Config, RegionMode, TrackSettings};
use crate::decide::DecisionRules;
use crate::error::Result;
use crate::gpio::LedMap;
use crate::hand::{HandFinder, PalmDetector};
use crate::model::{F16Request, Layout};

/// How the hand is found: `[region]` and the flags that override it (`None`/`false`: as
/// configured).
#[derive(Debug, Clone, Default)]
pub struct RegionChoice {
    pub mode: RegionMode,
    pub no_tracking: bool,
    pub idle_detect: Option<Duration>,
    pub second_look: bool,
    pub second_opinion: bool,
    pub refine: bool,
    /// The detector alone: no second look, second opinion or refining pass.
    pub plain_look: bool,
    /// The second look and second opinion on every look that finds no hand, changed view or not.
    pub extra_looks_always: bool,
    pub max_hands: Option<usize>,
    pub second_hand_detect: Option<Duration>,
    pub mirror: bool,
    /// No motion recognition.
    pub no_motions: bool,
}

impl RegionChoice {
    /// The tracking settings for `classifier` (decided by [`config::tracking_for`]); `None` = a
    /// fixed region. `run` and `check` decide with this.
    pub fn resolve(&self, file: Option<&config::Loaded>, classifier: &crate::Classifier) -> Result<Option<TrackSettings>> {
        self.settings(file, classifier.has_landmarks() && classifier.info().no_hand_label.is_some())
    }

    /// The tracking settings, where `landmark_model` says whether `auto` tracks (`capture`
    /// tracks only when asked to: its whole frames are for the image trainer).
    pub fn settings(&self, file: Option<&config::Loaded>, landmark_model: bool) -> Result<Option<TrackSettings>> {
        let configured = file.map(config::Loaded::region_table).transpose()?.flatten();
        Ok(config::tracking_for(self.mode, configured.as_ref(), landmark_model).map(|t| TrackSettings {
            tracking: t.tracking && !self.no_tracking,
            idle_detect: self.idle_detect.unwrap_or(t.idle_detect),
            second_look: (t.second_look || self.second_look) && !self.plain_look,
            second_opinion: (t.second_opinion || self.second_opinion) && !self.plain_look,
            refine: (t.refine || self.refine) && !self.plain_look,
            extra_looks_on_change: t.extra_looks_on_change && !self.extra_looks_always,
            max_hands: self.max_hands.unwrap_or(t.max_hands),
            second_hand_detect: self.second_hand_detect.unwrap_or(t.second_hand_detect),
            mirror: t.mirror || self.mirror || file.is_some_and(|f| f.file.source.mirror),
            motions: t.motions && !self.no_motions,
            ..t
        }))
    }
}

/// The hand finder `t` describes, for `classifier`'s landmarks, on frames coming at `fps` (the
/// detector's idle and second-hand searches are counted in frames). `run`, `capture` and
/// `check` find hands with it alike.
pub fn hand_finder(t: &TrackSettings, classifier: &crate::Classifier, fps: Option<f64>) -> Result<HandFinder> {
    let idle = crate::hand::track::idle_frames(t.idle_detect, fps);
    let more = crate::hand::track::idle_frames(t.second_hand_detect, fps);
    let second_look = if t.second_look { crate::hand::SECOND_LOOK.to_vec() } else { Vec::new() };
    // The full detector where it is (beside the shipped one, as installed); a custom detector
    // without it simply has no second opinion.
    let full = crate::hand::detector::full_beside(&t.detector);
    let second = (t.second_opinion && full.is_file()).then(|| PalmDetector::load(&full)).transpose()?;
    let finder = HandFinder::new(PalmDetector::load(&t.detector)?, classifier, t.tracking)?.with_second_opinion(second).with_refine(t.refine);
    let finder = finder.with_extra_looks_on_change(t.extra_looks_on_change, crate::hand::track::idle_frames(crate::hand::change::MIN_INTERVAL, fps));
    // With motions, a lost hand is looked for on every frame as long as its movement may go on.
    let relook = if t.motions { crate::hand::track::idle_frames(std::time::Duration::from_secs_f64(crate::motion::path::MAX_GAP), fps) } else { 0 };
    let finder = finder.with_idle_every(idle).with_relook(relook);
    Ok(finder.with_second_look(second_look).with_max_hands(t.max_hands).with_more_every(more).with_mirror(t.mirror))
}

/// Where frames come from: the configuration's `[source]`, else `replay` played once as fast as
/// it decodes (`capture`, `check`).
pub fn source_of(file: Option<&config::Loaded>, replay: PathBuf) -> Result<Source> {
    match file {
        Some(f) => f.source(),
        None => Ok(Source::Replay { path: replay, fps: 0.0, looping: false, paced: true }),
    }
}

/// Outputs and source when no configuration file describes them.
#[derive(Debug, Clone)]
pub struct FlagOutputs {
    pub source: Source,
    /// `LABEL=PIN[+PIN]` mappings; empty: [`LedMap::default_for`].
    pub leds: Vec<String>,
    pub backend: String,
    pub window: usize,
    pub threshold: f32,
}

/// The preview page.
#[derive(Debug, Clone)]
pub struct PagePlan {
    pub listen: String,
    /// Where its capture button and Teach panel record (taught models in `<dataset>/models`).
    pub dataset: PathBuf,
}

/// Everything a run needs, resolved (see the module).
#[derive(Debug)]
pub struct Plan {
    /// The model asked for (flag, configuration, else the shipped one).
    pub model: PathBuf,
    pub file: Option<config::Loaded>,
    /// Used without a configuration file.
    pub flags: FlagOutputs,
    pub region: RegionChoice,
    pub precision: F16Request,
    pub layout: Layout,
    pub max_frames: Option<u64>,
    pub page: Option<PagePlan>,
    /// Gesture changes as JSON events (`--events json` / `[output] events`).
    pub json: bool,
    /// How often the stage timings are logged (zero: never).
    pub stats_every: Duration,
    /// Where the model in use is remembered across restarts (`None`: not remembered).
    pub state: Option<PathBuf>,
    /// Threads for the frame loop (`--threads`, `[runtime] threads`), split by [`Threads::split`].
    pub threads: usize,
}

/// How the frame loop's threads are used (`--threads N`, `[runtime] threads`), decided in this
/// one place:
/// - 1: everything on one thread, in sequence.
/// - 2: frames captured and decoded on a thread of their own, one frame ahead
///   ([`crate::camera::prefetch`]), the networks on the other: each frame as soon as on one
///   core, and the decoding off its path. With a hand finder that is all (a tracked hand's
///   frame waits for the frame before it); with a fixed region tract gets the one thread.
/// - n ≥ 3 with a hand finder: n − 1 frames in flight, each on its own thread, frames read on
///   one more ([`crate::hand::workers`]): more frames a second when they come faster than one
///   thread finds hands, each a little later. With a fixed region: decoding ahead, tract on n − 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threads {
    /// Frames read and decoded ahead on their own thread.
    pub prefetch: bool,
    /// Frames a hand finder works on at once (1 without one).
    pub in_flight: usize,
    /// Threads for tract's matrix products.
    pub tract: usize,
}

impl Threads {
    /// The split of `threads` for a model that finds hands (`finds_hands`) or reads a fixed region.
    pub fn split(threads: usize, finds_hands: bool) -> Self {
        match (threads.max(1), finds_hands) {
            (1, _) => Threads { prefetch: false, in_flight: 1, tract: 1 },
            (2, true) => Threads { prefetch: true, in_flight: 1, tract: 1 },
            (n, true) => Threads { prefetch: false, in_flight: n - 1, tract: 1 },
            (n, false) => Threads { prefetch: true, in_flight: 1, tract: n - 1 },
        }
    }
}

impl Plan {
    /// The validated configuration for `classifier`'s labels: `file` (the plan's file with the
    /// model's own actions), or the flags'.
    pub fn config_for(&self, file: Option<&config::Loaded>, model: &std::path::Path, classifier: &crate::Classifier) -> Result<Config> {
        let info = classifier.info();
        match file {
            Some(f) => f.resolve(&info.labels, info.no_hand_label.as_deref()),
            None => {
                let no_hand = info.no_hand_label.as_deref().and_then(|l| info.label_index(l));
                let map = if self.flags.leds.is_empty() { LedMap::default_for(&info.labels, no_hand)? } else { LedMap::parse(&info.labels, &self.flags.leds)? };
                let rules = DecisionRules { idle: no_hand, ..DecisionRules::simple(self.flags.window, self.flags.threshold) };
                Ok(Config::from_flags(Some(model.to_path_buf()), self.flags.source.clone(), rules, &self.flags.backend, &map))
            }
        }
    }
}
