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
    pub max_hands: Option<usize>,
    pub second_hand_detect: Option<Duration>,
    pub mirror: bool,
}

impl RegionChoice {
    /// The tracking settings for `classifier` (decided by [`config::tracking_for`], as `check`
    /// and `capture` decide); `None` = a fixed region.
    pub fn resolve(&self, file: Option<&config::Loaded>, classifier: &crate::Classifier) -> Result<Option<TrackSettings>> {
        let landmark_model = classifier.has_landmarks() && classifier.info().no_hand_label.is_some();
        let configured = file.map(config::Loaded::region_table).transpose()?.flatten();
        Ok(config::tracking_for(self.mode, configured.as_ref(), landmark_model).map(|t| TrackSettings {
            tracking: t.tracking && !self.no_tracking,
            idle_detect: self.idle_detect.unwrap_or(t.idle_detect),
            second_look: t.second_look || self.second_look,
            second_opinion: t.second_opinion || self.second_opinion,
            refine: t.refine || self.refine,
            max_hands: self.max_hands.unwrap_or(t.max_hands),
            second_hand_detect: self.second_hand_detect.unwrap_or(t.second_hand_detect),
            mirror: t.mirror || self.mirror || file.is_some_and(|f| f.file.source.mirror),
            ..t
        }))
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
