//! `beckon run`: the frame loop, printed.

use std::path::PathBuf;

use beckon::camera::{RpicamSettings, V4l2Settings};
use beckon::config::{self, Config, Source};
use beckon::decide::{Decider, DecisionRules};
use beckon::gpio::actions::Actuator;
use beckon::gpio::{LedMap, TransitionLog, map::DEFAULT_PINS};
use beckon::model::options;
use beckon::runner::{self, FrameReport};
use beckon::shutdown::Shutdown;
use clap::{Args, ValueEnum};

use crate::{DEFAULT_MODEL, DEFAULT_REPLAY, PrecisionArgs, load_with_layout, open_leds};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Replay,
    Rpicam,
    V4l2,
    Auto,
}

/// How the part of the frame the model sees is chosen.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionMode {
    /// `track` for a hand-landmark model, else `fixed`; a configuration's [region] decides.
    Auto,
    /// The configuration's [region] rectangle, or the centred square.
    Fixed,
    /// Find the hand anywhere in the frame: palm detector, rotated crop, tracking.
    Track,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpioBackend {
    Sim,
    Rppal,
    Gpiocdev,
}

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// The device configuration (model, source, region, decision rules, GPIO, actions); see
    /// firmware/beckon.toml. Without it, the flags below describe the run.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// The ONNX model file (a beckon model; see docs/models.md "Model contract"). Overrides the
    /// configuration's. The default is [`DEFAULT_MODEL`], named in the help text below.
    #[arg(long, help = format!("The ONNX model file (a beckon model; see README \"Model contract\"). Overrides the configuration's. Default: {DEFAULT_MODEL}"))]
    model: Option<PathBuf>,
    /// Where frames come from: `replay` (--replay), `rpicam` (Pi camera via rpicam-vid), `v4l2`
    /// (USB webcam --device), `auto` (Pi camera, else webcam, else replay). Cameras give
    /// 640×480; a configuration file sets size, format and more.
    #[arg(long, value_enum, default_value_t = SourceKind::Replay, conflicts_with = "config")]
    source: SourceKind,
    /// Folder of .png/.jpg frames (or an .mjpeg file) to play, in file-name order.
    /// Default: firmware/replay.
    #[arg(long, conflicts_with = "config")]
    replay: Option<PathBuf>,
    /// The V4L2 device for --source v4l2 (or a .v4l2rec recording of one).
    #[arg(long, default_value = "/dev/video0", conflicts_with = "config")]
    device: PathBuf,
    /// Frames per second to play at (0 = as fast as possible; cameras: 0 = 10 for rpicam, the
    /// device's rate for v4l2).
    #[arg(long, default_value_t = 0.0, conflicts_with = "config")]
    fps: f64,
    /// Play the frames again and again instead of once (stop with Ctrl-C).
    #[arg(long = "loop", conflicts_with = "config")]
    looping: bool,
    /// Stop after this many frames.
    #[arg(long)]
    max_frames: Option<u64>,
    /// Frames averaged before a gesture is accepted.
    #[arg(long, default_value_t = 1, conflicts_with = "config")]
    window: usize,
    /// Averaged probability a label needs to count as a gesture (else: no gesture, LEDs off).
    #[arg(long, default_value_t = 0.5, conflicts_with = "config")]
    threshold: f32,
    /// Map a label to the BCM pins it switches on: LABEL=PIN[+PIN]; repeat per label. Default:
    /// each label's position in binary on GPIO 17, 27, 22 (label 0 = all off).
    #[arg(long = "led", value_name = "LABEL=PINS", conflicts_with = "config")]
    leds: Vec<String>,
    /// Where the LEDs are: `sim` records and prints transitions (any machine); `rppal` drives
    /// real pins on a Raspberry Pi (binary built with `--features rppal`); `gpiocdev` drives
    /// lines named GPIOn through /dev/gpiochip* (`--features gpiocdev`; Pi 5, other boards).
    #[arg(long, value_enum, default_value_t = GpioBackend::Sim, conflicts_with = "config")]
    gpio: GpioBackend,
    /// Which part of the frame the model sees: `track` finds the hand anywhere (palm detector,
    /// then the landmark model on a rotated crop that follows the hand); `fixed` uses the
    /// configuration's [region] or the centred square; `auto`: the configuration's choice, else
    /// `track` for a hand-landmark model.
    #[arg(long, value_enum, default_value_t = RegionMode::Auto)]
    region: RegionMode,
    /// With tracking: run the palm detector on every frame instead of following the hand (each
    /// frame on its own, e.g. to score a folder of unrelated frames).
    #[arg(long)]
    no_tracking: bool,
    /// With tracking, while no hand is in view: look for one at most every this many ms of
    /// video (0 = on every frame). Default: the configuration's [region] idle_detect_ms, else
    /// 500. Frames in between count as no hand and cost nothing; a replay at --fps 0 looks at
    /// every frame.
    #[arg(long, value_name = "MS")]
    idle_detect_ms: Option<u64>,
    /// Threads for tract's matrix products.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    #[command(flatten)]
    precision: PrecisionArgs,
    /// Log frames per second and the time per stage (capture, preprocess, inference, decision,
    /// GPIO) every this many seconds (0 = never).
    #[arg(long, default_value_t = 10.0)]
    stats_every: f64,
    /// Serve the live preview page on this address (e.g. 127.0.0.1:8080; port 0 picks one).
    /// Loopback only, unless the configuration's [preview] has allow_remote = true.
    #[arg(long, value_name = "IP:PORT")]
    preview: Option<String>,
    /// Print only gesture changes and the summary, not every frame.
    #[arg(long, short)]
    quiet: bool,
}

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
    let shutdown = Shutdown::on_signals()?;
    let mut source = beckon::camera::open(&cfg.source, &shutdown)?;
    let track = track_settings(args, file.as_ref(), &classifier)?;
    let hand = match &track {
        Some(t) => {
            let detector = beckon::hand::PalmDetector::load(&t.detector)?;
            let idle = beckon::hand::track::idle_frames(t.idle_detect, cfg.source.nominal_fps());
            Some(beckon::hand::HandFinder::new(detector, &classifier, t.tracking)?.with_idle_every(idle))
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
            match (t.tracking, beckon::hand::track::idle_frames(t.idle_detect, cfg.source.nominal_fps())) {
                (false, _) => "on every frame".to_string(),
                (true, 1) => "tracked from frame to frame".to_string(),
                (true, n) => format!("tracked from frame to frame; with no hand in view, looked for on one frame in {n}"),
            }
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
            say!("gesture change at frame {} ({}): {} -> {}; LEDs {}", r.number, r.name, name(previous), name(r.gesture), r.leds);
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
    Ok(())
}

/// Tracking settings from `--region`, `--no-tracking`, `--idle-detect-ms` and the configuration
/// (decided by [`config::tracking_for`], as `check` and `capture` decide); `None` = a fixed
/// region.
fn track_settings(args: &RunArgs, file: Option<&config::Loaded>, classifier: &beckon::Classifier) -> anyhow::Result<Option<config::TrackSettings>> {
    let landmark_model = classifier.has_landmarks() && classifier.info().no_hand_label.is_some();
    let configured = file.map(config::Loaded::region_table).transpose()?.flatten();
    let mode = match args.region {
        RegionMode::Auto => config::RegionMode::Auto,
        RegionMode::Fixed => config::RegionMode::Fixed,
        RegionMode::Track => config::RegionMode::Track,
    };
    Ok(config::tracking_for(mode, configured.as_ref(), landmark_model).map(|t| config::TrackSettings {
        tracking: t.tracking && !args.no_tracking,
        idle_detect: args.idle_detect_ms.map_or(t.idle_detect, std::time::Duration::from_millis),
        ..t
    }))
}

/// The source `--source`, `--replay`, `--device` and `--fps` describe.
fn source_from_flags(args: &RunArgs) -> Source {
    let replay = args.replay.clone().unwrap_or_else(|| DEFAULT_REPLAY.into());
    let rpicam = RpicamSettings { program: None, width: 640, height: 480, fps: if args.fps > 0.0 { args.fps } else { 10.0 } };
    let v4l2 = V4l2Settings { fps: (args.fps > 0.0).then_some(args.fps), ..V4l2Settings::new(&args.device) };
    match args.source {
        SourceKind::Replay => Source::Replay { path: replay, fps: args.fps, looping: args.looping },
        SourceKind::Rpicam => Source::Rpicam(rpicam),
        SourceKind::V4l2 => Source::V4l2(v4l2),
        SourceKind::Auto => Source::Auto { rpicam, v4l2, replay, fps: args.fps, looping: args.looping },
    }
}
