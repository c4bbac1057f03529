//! `beckon run`: the frame loop, printed.

use std::path::PathBuf;

use beckon::camera::FrameSource;
use beckon::config::{self, Config};
use beckon::decide::{Decider, DecisionRules};
use beckon::gpio::actions::Actuator;
use beckon::gpio::{LedMap, TransitionLog, map::DEFAULT_PINS};
use beckon::model::options;
use beckon::notify::Notifier;
use beckon::runner::{self, FrameReport};
use beckon::shutdown::Shutdown;

use crate::run_args::{GpioBackend, RunArgs, source_from_flags, track_settings};
use crate::{DEFAULT_MODEL, load_with_layout, open_leds};

/// One model's part of a run: the model, the configuration resolved for its labels, the
/// pipeline. The page's Teach panel can end a round to go on with another model.
struct Round {
    model: PathBuf,
    classifier: beckon::Classifier,
    cfg: Config,
    track: Option<config::TrackSettings>,
}

impl Round {
    fn prepare(args: &RunArgs, file: Option<&config::Loaded>, model: PathBuf) -> anyhow::Result<Self> {
        let classifier = load_with_layout(&model, args.precision.request(), args.precision.layout())?;
        let info = classifier.info().clone();
        let cfg = match file {
            Some(f) => f.resolve(&info.labels, info.no_hand_label.as_deref())?,
            None => {
                let no_hand = info.no_hand_label.as_deref().and_then(|l| info.label_index(l));
                let map = if args.leds.is_empty() { default_leds(&info.labels, no_hand)? } else { LedMap::parse(&info.labels, &args.leds)? };
                let backend = match args.gpio {
                    GpioBackend::Sim => "sim",
                    GpioBackend::Rppal => "rppal",
                    GpioBackend::Gpiocdev => "gpiocdev",
                };
                let rules = DecisionRules { idle: no_hand, ..DecisionRules::simple(args.window, args.threshold) };
                Config::from_flags(Some(model.clone()), source_from_flags(args), rules, backend, &map)
            }
        };
        let track = track_settings(args, file, &classifier)?;
        Ok(Self { model, classifier, cfg, track })
    }

    fn pipeline(&self, source: &dyn FrameSource) -> anyhow::Result<runner::Pipeline> {
        let hand = match &self.track {
            Some(t) => {
                let detector = beckon::hand::PalmDetector::load(&t.detector)?;
                let idle = beckon::hand::track::idle_frames(t.idle_detect, source.nominal_fps());
                let more = beckon::hand::track::idle_frames(t.second_hand_detect, source.nominal_fps());
                let second_look = if t.second_look { beckon::hand::SECOND_LOOK.to_vec() } else { Vec::new() };
                let second = t.second_opinion.then(|| beckon::hand::PalmDetector::load(beckon::hand::detector::full_beside(&t.detector))).transpose()?;
                let finder = beckon::hand::HandFinder::new(detector, &self.classifier, t.tracking)?.with_second_opinion(second).with_refine(t.refine);
                Some(finder.with_idle_every(idle).with_second_look(second_look).with_max_hands(t.max_hands).with_more_every(more).with_mirror(t.mirror))
            }
            None => None,
        };
        let per_hand = self
            .cfg
            .per_hand(self.track.as_ref(), &self.classifier.info().labels, self.classifier.has_handedness())
            .map_err(|e| anyhow::anyhow!("{e} ({})", self.model.display()))?;
        Ok(runner::Pipeline {
            region: self.cfg.region.filter(|_| hand.is_none()),
            hand,
            decider: Decider::new(self.cfg.rules.clone())?,
            actuator: Actuator::new(&self.cfg.pins, self.cfg.actions.clone())?,
            per_hand,
        })
    }

    /// Prints what this round runs: model, region, outputs.
    fn describe(&self, pipeline: &runner::Pipeline) {
        let info = self.classifier.info();
        say!(
            "model {} ({}, input {}×{}, labels {}, {})",
            self.model.display(),
            info.architecture,
            info.input_size,
            info.input_size,
            info.labels.join(","),
            self.classifier.precision()
        );
        match &self.track {
            Some(t) => say!(
                "region: the hand, found anywhere by the palm detector {} ({})",
                t.detector.display(),
                match (t.tracking, pipeline.hand.as_ref().map_or(1, |f| f.idle_every())) {
                    (false, _) => "on every frame".to_string(),
                    (true, 1) => "tracked from frame to frame".to_string(),
                    (true, n) => format!("tracked from frame to frame; with no hand in view, looked for on one frame in {n}"),
                } + if t.second_look { "; a second look (zoomed out, then the two ends) when the frame shows no hand" } else { "" }
                    + if t.second_opinion { "; when it finds no hand, MediaPipe's full palm detector looks too" } else { "" }
                    + if t.refine { "; a found hand's crop refined from its landmarks" } else { "" }
                    + &match pipeline.hand.as_ref().map(|f| (f.max_hands(), f.more_every())) {
                        Some((2, 1)) => "; up to two hands, each with its own gesture".to_string(),
                        Some((2, n)) => format!("; up to two hands, each with its own gesture; with one in view, a second looked for on one frame in {n}"),
                        _ => String::new(),
                    }
                    + if t.mirror { "; frames are mirror images" } else { "" }
            ),
            None => match &self.cfg.region {
                Some(r) => say!("region: x {} y {} width {} height {} of the frame", r.x, r.y, r.width, r.height),
                None => say!("region: the centred square"),
            },
        }
        say!(
            "outputs ({}):",
            match self.cfg.backend.as_str() {
                "sim" => "simulated",
                "rppal" => "Raspberry Pi GPIO via rppal",
                _ => "GPIO character device lines via gpiocdev",
            }
        );
        for line in self.cfg.describe_actions(&info.labels) {
            say!("  {line}");
        }
    }
}

/// What stays from round to round: the frames, the page, the stop request, how lines print.
struct Session<'a> {
    args: &'a RunArgs,
    source: Box<dyn FrameSource>,
    preview: Option<beckon::preview::Preview>,
    shutdown: Shutdown,
    json: bool,
}

pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    options::set_threads(args.threads)?;
    let file = args.config.as_deref().map(config::Loaded::read).transpose()?;
    let model = args.model.clone().or_else(|| file.as_ref().and_then(|f| f.model())).unwrap_or_else(|| DEFAULT_MODEL.into());
    let mut round = Round::prepare(args, file.as_ref(), model)?;
    let json = match args.events.as_deref() {
        Some(format) => config::EventFormat::parse(format).map_err(anyhow::Error::msg)?,
        None => round.cfg.events,
    } == config::EventFormat::Json;
    if json {
        crate::out::events_only();
    }
    let shutdown = Shutdown::on_signals()?;
    let source = beckon::camera::open(&round.cfg.source, &shutdown)?;
    let preview = start_preview(args, &round)?;
    let mut session = Session { args, source, preview, shutdown, json };
    let mut frames_left = args.max_frames;
    loop {
        let (frames, next) = session.run_round(&round, frames_left)?;
        frames_left = frames_left.map(|m| m.saturating_sub(frames));
        let Some(next) = next.filter(|_| frames_left != Some(0) && !session.shutdown.requested()) else { break };
        match Round::prepare(args, file.as_ref(), next.clone()) {
            Ok(r) => {
                say!("switched to {} (from {})", next.display(), round.model.display());
                session.preview.as_ref().inspect(|p| p.switched(&next, Ok(())));
                round = r;
            }
            Err(e) => {
                say!("cannot switch to {}: {e:#}; going on with {}", next.display(), round.model.display());
                session.preview.as_ref().inspect(|p| p.switched(&next, Err(format!("{e:#}"))));
            }
        }
    }
    Ok(())
}

/// The preview page, if asked for; its Teach panel with a hand-landmark model.
fn start_preview(args: &RunArgs, round: &Round) -> anyhow::Result<Option<beckon::preview::Preview>> {
    let cfg = &round.cfg;
    let Some(listen) = args.preview.clone().or(cfg.preview.as_ref().map(|p| p.listen.clone())) else { return Ok(None) };
    let allow_remote = cfg.preview.as_ref().is_some_and(|p| p.allow_remote);
    let addr = beckon::preview::check_listen(&listen, allow_remote)?;
    let dataset = args.dataset.clone().unwrap_or_else(|| cfg.preview.as_ref().map_or_else(|| PathBuf::from("dataset"), |p| p.dataset.clone()));
    let token = cfg.preview.as_ref().and_then(|p| p.capture_token.clone());
    let names = cfg.preview.as_ref().map(|p| p.host_names.clone()).unwrap_or_default();
    let p = beckon::preview::Preview::start(addr, dataset.clone(), token, &names)?;
    if round.classifier.info().no_hand_label.is_some() && round.classifier.has_landmarks() {
        p.enable_teaching(dataset, round.model.clone());
    }
    say!("preview on http://{}/", p.addr());
    Ok(Some(p))
}

impl Session<'_> {
    /// Runs `round` until the frames end, a stop, `max_frames`, or the page asks for another
    /// model: (frames run, that model).
    fn run_round(&mut self, round: &Round, max_frames: Option<u64>) -> anyhow::Result<(u64, Option<PathBuf>)> {
        let (args, json) = (self.args, self.json);
        let info = round.classifier.info().clone();
        let cfg = &round.cfg;
        let mut pipeline = round.pipeline(self.source.as_ref())?;
        round.describe(&pipeline);
        say!("source {}", self.source.describe());
        let notifier = start_notifier(cfg, &info.labels, &round.model);
        let log = TransitionLog::default();
        let mut leds = open_leds(&cfg.backend, &cfg.pins, &log)?;
        let name = |g: Option<usize>| crate::frame_lines::name(&info.labels, g);
        let mut previous: Option<usize> = None;
        let stop = self.shutdown.clone();
        let switch = Shutdown::new();
        let limits = runner::Limits { max_frames, shutdown: self.shutdown.clone(), switch: switch.clone() };
        let mut next_model = None;
        let mut stats = runner::Stats::default();
        let stats_every = std::time::Duration::from_secs_f64(args.stats_every.max(0.0));
        let mut last_stats = None;
        let preview = self.preview.as_ref();
        let page_region = pipeline.region;
        let page = beckon::preview::Page { region: page_region.as_ref(), tracking: round.track.is_some(), labels: &info.labels, input_size: info.input_size };
        let summary = runner::run(&round.classifier, self.source.as_mut(), &mut pipeline, &mut leds, &limits, |r: &FrameReport, frame| {
            if let Some(p) = preview {
                p.update(frame, r, &page, last_stats.as_ref());
                if let Some(next) = p.take_switch() {
                    next_model = Some(next);
                    switch.request();
                }
            }
            stats.push(&r.timings, r.detector_ran);
            if args.stats_every > 0.0
                && let Some(s) = stats.take_if_due(stats_every)
            {
                last_stats = Some(s);
                log_stats(&s);
            }
            if !args.quiet {
                say!("{}", crate::frame_lines::frame(r, &info.labels));
            }
            for g in r.hands.iter().filter(|g| g.changed) {
                let event = (json || preview.is_some()).then(|| beckon::events::hand_change(r, &info.labels, g));
                match &event {
                    Some(e) if json => crate::out::event(format_args!("{e}")),
                    _ => {
                        say!("gesture change at frame {} ({}): {} hand {} -> {}; LEDs {}", r.number, r.name, g.side, name(g.previous), name(g.gesture), r.leds)
                    }
                }
                if let (Some(p), Some(e)) = (preview, event) {
                    p.event(e);
                }
                if g.previous != g.gesture {
                    notifier.gesture_change(Some(g.side), g.previous, g.gesture, g.probability, beckon::events::now_ms());
                }
            }
            if r.changed && r.hands.is_empty() {
                let event = (json || preview.is_some()).then(|| beckon::events::gesture_change(r, &info.labels, previous));
                match &event {
                    Some(e) if json => crate::out::event(format_args!("{e}")),
                    _ => say!("gesture change at frame {} ({}): {} -> {}; LEDs {}", r.number, r.name, name(previous), name(r.gesture), r.leds),
                }
                if let (Some(p), Some(e)) = (preview, event) {
                    p.event(e);
                }
                if previous != r.gesture {
                    notifier.gesture_change(None, previous, r.gesture, r.gesture_probability, beckon::events::now_ms());
                }
                previous = r.gesture;
            }
            if crate::out::closed() {
                // Nobody reads the lines any more (`beckon run | head`): stop as on a signal.
                stop.request();
            }
        })?;
        self.finish(round, &summary, &log, &leds.describe(), notifier);
        Ok((summary.frames, next_model))
    }

    /// The round's closing lines; stops its notifier.
    fn finish(&self, round: &Round, summary: &runner::RunSummary, log: &TransitionLog, outputs: &str, notifier: Notifier) {
        let n = summary.frames.max(1) as f64;
        let transitions = if round.cfg.backend == "sim" { log.transitions().len().to_string() } else { "-".into() };
        let skipped = match self.source.skipped() {
            0 => String::new(),
            n => format!(" ({n} skipped: unreadable or cut short)"),
        };
        say!(
            "done: {} frames{skipped}, {} gesture changes, {} simulated LED transitions, latency per frame mean {:.2} ms (inference {:.2} ms)",
            summary.frames,
            summary.gesture_changes,
            transitions,
            summary.total_latency.as_secs_f64() * 1e3 / n,
            summary.total_inference.as_secs_f64() * 1e3 / n
        );
        if round.track.is_some() {
            say!(
                "hand: palm detector ran on {} of {} frames (mean {:.2} ms when it ran); landmark model {:.2} ms a frame",
                summary.detector_runs,
                summary.frames,
                summary.total_detector.as_secs_f64() * 1e3 / summary.detector_runs.max(1) as f64,
                summary.total_inference.as_secs_f64() * 1e3 / n
            );
        }
        if self.shutdown.requested() && !crate::out::closed() {
            say!("stopped by signal");
        }
        say!("outputs at exit: {outputs}");
        let dropped = notifier.dropped();
        // Queued messages, requests and "offline" go out if they can; the broker's last will covers
        // the rest; a command still running then is killed.
        notifier.stop(std::time::Duration::from_secs(2));
        if dropped > 0 {
            say!("actions: {dropped} messages, requests or commands left out (a queue was full, or a command still ran)");
        }
    }
}

/// Without --led: finger counts in binary on the three default pins; other gestures (a taught
/// model) one pin each, in order, for the first three; the no-hand label and `other` (poses
/// nobody taught) none.
fn default_leds(labels: &[String], no_hand: Option<usize>) -> anyhow::Result<LedMap> {
    let gestures = labels.iter().enumerate().filter(|(i, _)| Some(*i) != no_hand).map(|(_, l)| l);
    if gestures.clone().all(|l| l.parse::<u8>().is_ok()) {
        return Ok(LedMap::binary(labels, &DEFAULT_PINS, no_hand)?);
    }
    let specs: Vec<String> = gestures.filter(|l| *l != beckon::teach::mix::OTHER).zip(DEFAULT_PINS).map(|(l, pin)| format!("{l}={pin}")).collect();
    Ok(LedMap::parse(labels, &specs)?)
}

fn log_stats(s: &runner::StatsSummary) {
    let ms = |d: std::time::Duration| (d.as_secs_f64() * 1e4).round() / 10.0;
    tracing::info!(
        fps = (s.fps * 10.0).round() / 10.0,
        capture_ms = ms(s.mean.capture),
        preprocess_ms = ms(s.mean.preprocess),
        detector_ms = ms(s.mean.detector),
        detector_runs = s.detector_runs,
        inference_ms = ms(s.mean.inference),
        decision_ms = ms(s.mean.decision),
        gpio_ms = ms(s.mean.gpio),
        frames = s.frames,
        "stats"
    );
}

/// The MQTT connection and remote actions of `cfg` (says where it publishes).
fn start_notifier(cfg: &Config, labels: &[String], model: &std::path::Path) -> Notifier {
    let idle = cfg.rules.idle;
    let gestures: Vec<String> = labels.iter().enumerate().filter(|(i, _)| Some(*i) != idle).map(|(_, l)| l.clone()).collect();
    let model_name = model.parent().and_then(|p| p.file_name()).map_or_else(|| model.display().to_string(), |n| n.to_string_lossy().into_owned());
    if let Some(m) = &cfg.mqtt {
        say!(
            "mqtt: broker {}:{} as {:?}; state on {}/gesture, events on {}/event{}",
            m.host,
            m.port,
            m.client_id,
            m.topic,
            m.topic,
            if m.discovery { format!(", Home Assistant discovery under {}/", m.discovery_prefix) } else { String::new() }
        );
    }
    Notifier::start(cfg.mqtt.as_ref(), cfg.remote.clone(), labels, &gestures, &model_name)
}
