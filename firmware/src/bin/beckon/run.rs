//! `beckon run`: the frame loop, printed.

use std::path::PathBuf;

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

pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    options::set_threads(args.threads)?;
    let file = args.config.as_deref().map(config::Loaded::read).transpose()?;
    let model = args.model.clone().or_else(|| file.as_ref().and_then(|f| f.model())).unwrap_or_else(|| DEFAULT_MODEL.into());
    let classifier = load_with_layout(&model, args.precision.request(), args.precision.layout())?;
    let info = classifier.info().clone();
    let cfg = match &file {
        Some(f) => f.resolve(&info.labels, info.no_hand_label.as_deref())?,
        None => {
            let no_hand = info.no_hand_label.as_deref().and_then(|l| info.label_index(l));
            let map = if args.leds.is_empty() { LedMap::binary(&info.labels, &DEFAULT_PINS, no_hand)? } else { LedMap::parse(&info.labels, &args.leds)? };
            let source = source_from_flags(args);
            let backend = match args.gpio {
                GpioBackend::Sim => "sim",
                GpioBackend::Rppal => "rppal",
                GpioBackend::Gpiocdev => "gpiocdev",
            };
            Config::from_flags(
                Some(model.clone()),
                source,
                DecisionRules { idle: no_hand, ..DecisionRules::simple(args.window, args.threshold) },
                backend,
                &map,
            )
        }
    };
    let json = match args.events.as_deref() {
        Some(format) => config::EventFormat::parse(format).map_err(anyhow::Error::msg)?,
        None => cfg.events,
    } == config::EventFormat::Json;
    if json {
        crate::out::events_only();
    }
    let shutdown = Shutdown::on_signals()?;
    let mut source = beckon::camera::open(&cfg.source, &shutdown)?;
    let track = track_settings(args, file.as_ref(), &classifier)?;
    let hand = match &track {
        Some(t) => {
            let detector = beckon::hand::PalmDetector::load(&t.detector)?;
            let idle = beckon::hand::track::idle_frames(t.idle_detect, source.nominal_fps());
            let second_look = if t.second_look { beckon::hand::track::SECOND_LOOK.to_vec() } else { Vec::new() };
            Some(beckon::hand::HandFinder::new(detector, &classifier, t.tracking)?.with_idle_every(idle).with_second_look(second_look))
        }
        None => None,
    };
    let mut pipeline = runner::Pipeline {
        region: cfg.region.filter(|_| hand.is_none()),
        hand,
        decider: Decider::new(cfg.rules.clone())?,
        actuator: Actuator::new(&cfg.pins, cfg.actions.clone())?,
    };
    say!(
        "model {} ({}, input {}×{}, labels {}, {})",
        model.display(),
        info.architecture,
        info.input_size,
        info.input_size,
        info.labels.join(","),
        classifier.precision()
    );
    say!("source {}", source.describe());
    match &track {
        Some(t) => say!(
            "region: the hand, found anywhere by the palm detector {} ({})",
            t.detector.display(),
            match (t.tracking, pipeline.hand.as_ref().map_or(1, |f| f.idle_every())) {
                (false, _) => "on every frame".to_string(),
                (true, 1) => "tracked from frame to frame".to_string(),
                (true, n) => format!("tracked from frame to frame; with no hand in view, looked for on one frame in {n}"),
            } + if t.second_look { "; a second look (zoomed out, then the two ends) when the frame shows no hand" } else { "" }
        ),
        None => match &cfg.region {
            Some(r) => say!("region: x {} y {} width {} height {} of the frame", r.x, r.y, r.width, r.height),
            None => say!("region: the centred square"),
        },
    }
    let sim = cfg.backend == "sim";
    say!(
        "outputs ({}):",
        match cfg.backend.as_str() {
            "sim" => "simulated",
            "rppal" => "Raspberry Pi GPIO via rppal",
            _ => "GPIO character device lines via gpiocdev",
        }
    );
    for line in cfg.describe_actions(&info.labels) {
        say!("  {line}");
    }
    let notifier = start_notifier(&cfg, &info.labels, &model);
    let log = TransitionLog::default();
    let mut leds = open_leds(&cfg.backend, &cfg.pins, &log)?;
    let name = |g: Option<usize>| g.map_or("none".to_string(), |i| format!("{:?}", info.labels[i]));
    let mut previous: Option<usize> = None;
    let stop = shutdown.clone();
    let limits = runner::Limits { max_frames: args.max_frames, shutdown };
    let mut stats = runner::Stats::default();
    let stats_every = std::time::Duration::from_secs_f64(args.stats_every.max(0.0));
    let preview = match args.preview.clone().or(cfg.preview.as_ref().map(|p| p.listen.clone())) {
        Some(listen) => {
            let allow_remote = cfg.preview.as_ref().is_some_and(|p| p.allow_remote);
            let addr = beckon::preview::check_listen(&listen, allow_remote)?;
            let dataset = cfg.preview.as_ref().map_or_else(|| PathBuf::from("dataset"), |p| p.dataset.clone());
            let token = cfg.preview.as_ref().and_then(|p| p.capture_token.clone());
            let names = cfg.preview.as_ref().map(|p| p.host_names.clone()).unwrap_or_default();
            let p = beckon::preview::Preview::start(addr, dataset, token, &names)?;
            say!("preview on http://{}/", p.addr());
            Some(p)
        }
        None => None,
    };
    let mut last_stats = None;
    let pipeline_region = pipeline.region;
    let page = beckon::preview::Page { region: pipeline_region.as_ref(), tracking: track.is_some(), labels: &info.labels, input_size: info.input_size };
    let summary = runner::run(&classifier, source.as_mut(), &mut pipeline, &mut leds, &limits, |r: &FrameReport, frame| {
        if let Some(p) = &preview {
            p.update(frame, r, &page, last_stats.as_ref());
        }
        stats.push(&r.timings, r.detector_ran);
        if args.stats_every > 0.0
            && let Some(s) = stats.take_if_due(stats_every)
        {
            last_stats = Some(s);
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
        if !args.quiet {
            say!(
                "frame {:>4} {:<24} top {:>5} p={:.2} | gesture {:>6} | LEDs {} | {:.1} ms",
                r.number,
                r.name,
                format!("{:?}", info.labels[r.prediction.index]),
                r.prediction.confidence,
                name(r.gesture),
                r.leds,
                r.latency.as_secs_f64() * 1e3
            );
        }
        if r.changed {
            let event = (json || preview.is_some()).then(|| beckon::events::gesture_change(r, &info.labels, previous));
            match &event {
                Some(e) if json => crate::out::event(format_args!("{e}")),
                _ => say!("gesture change at frame {} ({}): {} -> {}; LEDs {}", r.number, r.name, name(previous), name(r.gesture), r.leds),
            }
            if let (Some(p), Some(e)) = (&preview, event) {
                p.event(e);
            }
            if previous != r.gesture {
                notifier.gesture_change(previous, r.gesture, r.gesture_probability, beckon::events::now_ms());
            }
            previous = r.gesture;
        }
        if crate::out::closed() {
            // Nobody reads the lines any more (`beckon run | head`): stop as on a signal.
            stop.request();
        }
    })?;
    let n = summary.frames.max(1) as f64;
    let transitions = if sim { log.transitions().len().to_string() } else { "-".into() };
    let skipped = match source.skipped() {
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
    if track.is_some() {
        say!(
            "hand: palm detector ran on {} of {} frames (mean {:.2} ms when it ran); landmark model {:.2} ms a frame",
            summary.detector_runs,
            summary.frames,
            summary.total_detector.as_secs_f64() * 1e3 / summary.detector_runs.max(1) as f64,
            summary.total_inference.as_secs_f64() * 1e3 / n
        );
    }
    if limits.shutdown.requested() && !crate::out::closed() {
        say!("stopped by signal");
    }
    say!("outputs at exit: {}", leds.describe());
    let dropped = notifier.dropped();
    // Queued messages, requests and "offline" go out if they can; the broker's last will covers
    // the rest; a command still running then is killed.
    notifier.stop(std::time::Duration::from_secs(2));
    if dropped > 0 {
        say!("actions: {dropped} messages, requests or commands left out (a queue was full, or a command still ran)");
    }
    Ok(())
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
