//! One model's part of a run: the model, the configuration resolved for its labels, how the
//! hand is found. A model switch replaces the round; the session's camera, page, outputs and
//! broker connection stay.

use std::path::{Path, PathBuf};

use crate::Classifier;
use crate::actions::Actuator;
use crate::camera::FrameSource;
use crate::config::{Config, TrackSettings};
use crate::decide::Decider;
use crate::error::{Error, Result};
use crate::model::{F16Request, Layout, LoadOptions};
use crate::runner::Pipeline;

use super::plan::Plan;

/// See the module.
pub struct Round {
    pub model: PathBuf,
    pub classifier: Classifier,
    pub cfg: Config,
    pub track: Option<TrackSettings>,
    /// Each hand decides on its own (two hands, or an action for one hand).
    pub per_hand: bool,
    /// Said while loading (e.g. f16 asked for on a CPU without it).
    pub notes: Vec<String>,
    /// The taught motions ([`crate::motion::taught`]), read when motions are on.
    pub taught: std::sync::Arc<[crate::motion::taught::TaughtMotion]>,
}

/// Loads `model` in the precision asked for; a note when the request could not be met.
pub fn load(model: &Path, request: F16Request, layout: Layout) -> Result<(Classifier, Option<String>)> {
    let shipped = crate::paths::shared().model();
    if !model.exists() && model == shipped {
        return Err(Error::Config {
            setting: format!("the default model {}", shipped.display()),
            problem: "is not here; run beckon from the repository root, install the package, or pass --model FILE.onnx".into(),
        });
    }
    let (precision, note) = request.resolve();
    let classifier = Classifier::load_with(model, &LoadOptions { precision, layout })?;
    Ok((classifier, note.map(|n| format!("note: {}: {n}", model.display()))))
}

impl Round {
    /// Loads `model` and resolves the plan's configuration for its labels; refused (with the
    /// reason) when the configuration cannot run with it.
    pub fn prepare(plan: &Plan, model: PathBuf) -> Result<Self> {
        let (classifier, note) = load(&model, plan.precision, plan.layout)?;
        // A taught model's own actions (its actions.toml) join the configuration's.
        let own = plan.file.as_ref().map(|f| f.with_model_actions(&model)).transpose()?.flatten();
        let file = own.as_ref().or(plan.file.as_ref());
        let cfg = plan.config_for(file, &model, &classifier)?;
        let track = plan.region.resolve(file, &classifier)?;
        let per_hand = cfg
            .per_hand(track.as_ref().map(|t| t.max_hands), &classifier.info().labels, classifier.has_handedness())
            .map_err(|e| Error::Config { setting: model.display().to_string(), problem: e.to_string() })?;
        if !cfg.motions.is_empty() && !track.as_ref().is_some_and(|t| t.tracking && t.motions) {
            return Err(Error::Config {
                setting: "[[action]] motion".into(),
                problem: "motions come from the path of a tracked hand, and this run tracks none (a fixed region, --no-tracking, [region] tracking = false or motions = false): use [region] mode = \"track\"".into(),
            });
        }
        let motions_on = track.as_ref().is_some_and(|t| t.tracking && t.motions);
        let (taught, taught_notes) = if motions_on { taught_motions(&cfg)? } else { Default::default() };
        let notes = note.into_iter().chain(taught_notes).collect();
        let round = Self { model, classifier, cfg, track, per_hand, notes, taught: taught.into() };
        if let Some(m) = &round.cfg.mqtt {
            let (gestures, name) = round.announced();
            crate::actions::notify::check_sizes(m, &gestures, &name, per_hand).map_err(|problem| Error::Config { setting: "[mqtt]".into(), problem })?;
        }
        Ok(round)
    }

    /// The frame pipeline for frames from `source`, with as many frames in flight as
    /// [`super::plan::Threads`] gives `threads` when it finds hands ([`crate::hand::workers`]).
    pub fn pipeline(&self, source: &dyn FrameSource, threads: usize) -> Result<Pipeline> {
        let in_flight = super::plan::Threads::split(threads, self.track.is_some()).in_flight;
        let hand = match &self.track {
            Some(t) => Some(super::plan::hand_finder(t, &self.classifier, source.nominal_fps())?),
            None => None,
        };
        Ok(Pipeline {
            region: self.cfg.region.filter(|_| hand.is_none()),
            hand,
            decider: Decider::new(self.cfg.rules.clone())?,
            actuator: Actuator::new(&self.cfg.pins, self.cfg.actions.clone())?.with_motions(self.cfg.motions.clone())?,
            per_hand: self.per_hand,
            motions: self.track.as_ref().filter(|t| t.motions && t.tracking).map(|t| crate::motion::Motions::new(t.mirror).with_taught(self.taught.clone())),
            in_flight,
        })
    }

    /// The gestures that can fire (every label but the idle one) and, with motions on, the
    /// motions, as Home Assistant's event types; and the model's name for the device (its
    /// folder).
    pub fn announced(&self) -> (Vec<String>, String) {
        let labels = &self.classifier.info().labels;
        let idle = self.cfg.rules.idle;
        let mut gestures: Vec<String> = labels.iter().enumerate().filter(|(i, _)| Some(*i) != idle).map(|(_, l)| l.clone()).collect();
        if self.track.as_ref().is_some_and(|t| t.tracking && t.motions) {
            let taught = self.taught.iter().map(|t| crate::motion::Motion::named(&t.name));
            for m in crate::motion::Motion::ALL.into_iter().chain(taught) {
                if !gestures.iter().any(|g| g == m.name()) {
                    gestures.push(m.name().to_string());
                }
            }
        }
        let model = &self.model;
        let name = model.parent().and_then(|p| p.file_name()).map_or_else(|| model.display().to_string(), |n| n.to_string_lossy().into_owned());
        (gestures, name)
    }

    /// What this round runs, in lines: model, region, outputs and actions.
    pub fn describe(&self, pipeline: &Pipeline) -> Vec<String> {
        let info = self.classifier.info();
        let mut lines = self.notes.clone();
        lines.push(format!(
            "model {} ({}, input {}×{}, labels {}, {})",
            self.model.display(),
            info.architecture,
            info.input_size,
            info.input_size,
            info.labels.join(","),
            self.classifier.precision()
        ));
        lines.push(match &self.track {
            Some(t) => format!("region: the hand, found anywhere by the palm detector {} ({})", t.detector.display(), tracking_words(t, pipeline)),
            None => match &self.cfg.region {
                Some(r) => format!("region: x {} y {} width {} height {} of the frame", r.x, r.y, r.width, r.height),
                None => "region: the centred square".into(),
            },
        });
        lines.push(format!(
            "outputs ({}):",
            match self.cfg.backend.as_str() {
                "sim" => "simulated",
                "rppal" => "Raspberry Pi GPIO via rppal",
                _ => "GPIO character device lines via gpiocdev",
            }
        ));
        lines.extend(self.cfg.describe_actions(&info.labels).into_iter().map(|l| format!("  {l}")));
        lines.extend(self.cfg.idle_actions.iter().map(|l| format!("  idle: {l}")));
        lines
    }
}

/// How the hand is followed, in words.
fn tracking_words(t: &TrackSettings, pipeline: &Pipeline) -> String {
    let mut s = match (t.tracking, pipeline.hand.as_ref().map_or(1, |f| f.idle_every())) {
        (false, _) => "on every frame".to_string(),
        (true, 1) => "tracked from frame to frame".to_string(),
        (true, n) => format!("tracked from frame to frame; with no hand in view, looked for on one frame in {n}"),
    };
    for (on, words) in [
        (t.second_look, "; a second look (zoomed out, then the two ends) when the frame shows no hand"),
        (t.second_opinion, "; when it finds no hand, MediaPipe's full palm detector looks too"),
        (t.refine, "; a found hand's crop refined from its landmarks when the first look is unsure"),
    ] {
        if on {
            s += words;
        }
    }
    if (t.second_look || t.second_opinion) && t.extra_looks_on_change {
        s += &format!("; those extra looks only when the view changed, at most every {} s", crate::hand::change::MIN_INTERVAL.as_secs());
    }
    s += &match pipeline.hand.as_ref().map(|f| (f.max_hands(), f.more_every())) {
        Some((2, 1)) => "; up to two hands, each with its own gesture".to_string(),
        Some((2, n)) => format!("; up to two hands, each with its own gesture; with one in view, a second looked for on one frame in {n}"),
        _ => String::new(),
    };
    if t.mirror {
        s += "; frames are mirror images";
    }
    if pipeline.in_flight > 1 {
        let n = pipeline.in_flight;
        s += &format!("; up to {n} frames in flight when they come faster than one thread finds hands");
    }
    s
}

/// The taught motions in [`crate::paths::Paths::motions`] (none when it does not exist), and a
/// note for each folder there that makes none; every motion an action names that is not built
/// in must be one of them.
fn taught_motions(cfg: &Config) -> Result<(Vec<crate::motion::taught::TaughtMotion>, Vec<String>)> {
    use crate::motion::Motion;
    let dir = crate::paths::shared().motions();
    let (taught, problems) = if dir.is_dir() { crate::motion::taught::load_dir(&dir)? } else { Default::default() };
    let named = cfg.motions.iter().map(|m| m.motion).chain(cfg.remote.iter().filter_map(|r| r.motion));
    for motion in named {
        let Motion::Taught(name) = motion else { continue };
        if taught.iter().any(|t| t.name == name) {
            continue;
        }
        let builtin: Vec<&str> = Motion::ALL.iter().map(|m| m.name()).collect();
        let why = problems.iter().find(|(n, _)| n == name).map_or_else(
            || {
                format!(
                    "no built-in motion ({}) and no taught one in {} has that name; teach it with beckon capture --motion {name}",
                    builtin.join(", "),
                    dir.display()
                )
            },
            |(_, e)| format!("the taught motion cannot be used: {e}"),
        );
        return Err(Error::Config { setting: format!("[[action]] motion = {name:?}"), problem: why });
    }
    let notes = problems.into_iter().map(|(name, e)| format!("note: the taught motion {name:?} is left out: {e}")).collect();
    Ok((taught, notes))
}
