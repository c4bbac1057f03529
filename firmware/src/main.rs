//! `beckon`: the device binary. Thin: argument parsing and printing; the logic is in the library.

use std::path::{Path, PathBuf};

use beckon::camera::{FrameSource, ReplaySource};
use beckon::gpio::{map::DEFAULT_PINS, AnyPin, LedBank, LedMap, SimPin, TransitionLog};
use beckon::runner::{self, FrameReport};
use beckon::config::{self, Config, Source};
use beckon::decide::{DecisionRules, Decider};
use beckon::gpio::actions::Actuator;
use beckon::bench::{self, BenchPlan};
use beckon::model::{options, F16Request, LoadOptions};
use beckon::shutdown::Shutdown;
use beckon::Classifier;
use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  beckon                                   # shipped model, shipped replay frames, simulated LEDs
  beckon run --loop --fps 5                # the same, forever, at 5 frames per second
  beckon run --model my.onnx --replay frames/ --led 1=17 --led 2=27 --led 3=17+27
  beckon info --model models/fingers-cnn/model.onnx
  beckon bench models/fingers-cnn/model.onnx models/fingers-cnn/model.int8.onnx
  beckon classify --model models/fingers-cnn/model.onnx firmware/replay/3_0639.png";

/// beckon: hand gestures seen by a camera switch LEDs (or any GPIO line) on and off.
///
/// With no subcommand, `beckon` runs `beckon run` with its defaults: the shipped model on the
/// shipped replay frames with simulated LEDs, played once.
#[derive(Parser, Debug)]
#[command(version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the frame loop: frames → model → smoothing → LEDs. Prints every frame with its
    /// prediction, LED states and latency, and a line for each gesture change.
    ///
    /// Example: beckon run --replay firmware/replay --fps 10 --loop
    Run(RunArgs),
    /// Print a model's contract metadata (labels, input size, architecture, training).
    ///
    /// Example: beckon info --model models/fingers-cnn/model.onnx
    Info {
        /// The ONNX model file.
        #[arg(long, default_value = DEFAULT_MODEL)]
        model: PathBuf,
    },
    /// Measure inference latency: load each model, warm up, run it N times on a frame, print
    /// p50/p95/max latency and throughput. Several models are measured round-robin in one run and
    /// compared by their ratio to the first, so run this on your Pi to choose a variant.
    ///
    /// Only tract is timed (the frame is decoded and resized once). --f16/--force-f16 set the
    /// precision of every model; a model written `FILE@f16` or `FILE@f32` runs in that precision
    /// whatever the flags (`@f16` falls back to f32 without native f16 unless --force-f16).
    ///
    /// Example: beckon bench models/fingers-cnn/model.onnx models/fingers-cnn/model.int8.onnx models/fingers-cnn/model.onnx@f16
    Bench(BenchArgs),
    /// First-install check: load the model and time one inference, grab a frame from the
    /// source, blink each configured output once (on 0.3 s, off). Every check runs even if
    /// another fails; the exit status says whether all passed.
    ///
    /// Example: sudo -u beckon beckon check --config /etc/beckon/beckon.toml
    Check {
        /// The device configuration. Default: the built-in defaults (shipped model, replay, sim).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Save frames from the camera (or replay) into a folder-per-class dataset that
    /// `beckon-train fit --data DIR` trains on: DIR/LABEL/LABEL_NNNN.png, cropped to the
    /// configured region. Existing files are kept; numbering continues.
    ///
    /// Show the gesture for LABEL to the camera, run this, and move your hand a little between
    /// frames (distance, angle, light) so the model learns your hand, not one picture.
    ///
    /// Example: beckon capture --config beckon.toml --label thumbs-up --count 40 --every 300
    Capture(CaptureArgs),
    /// Classify image files and print, per file: path, top label, probabilities (tab-separated;
    /// probabilities comma-separated in label order). For scripts and checks.
    ///
    /// Example: beckon classify --model models/fingers-cnn/model.onnx firmware/replay/*.png
    Classify {
        #[arg(long, default_value = DEFAULT_MODEL)]
        model: PathBuf,
        #[command(flatten)]
        precision: PrecisionArgs,
        /// Image files (.png/.jpg), any size: centre-cropped and resized like camera frames.
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
}

#[derive(Args, Debug, Clone)]
struct PrecisionArgs {
    /// Run the model in f16 where the CPU has native f16 arithmetic (Raspberry Pi 5); elsewhere
    /// say so and run in f32.
    #[arg(long)]
    f16: bool,
    /// Run in f16 even without native support (tract emulates it, slowly; for comparisons).
    #[arg(long, conflicts_with = "f16")]
    force_f16: bool,
}

impl PrecisionArgs {
    fn request(&self) -> F16Request {
        match (self.f16, self.force_f16) {
            (_, true) => F16Request::Force,
            (true, false) => F16Request::IfSupported,
            (false, false) => F16Request::Off,
        }
    }
}

#[derive(Args, Debug, Clone)]
struct CaptureArgs {
    /// Class name: the folder the frames go to and the label the model will learn.
    #[arg(long)]
    label: String,
    /// Frames to save.
    #[arg(long, default_value_t = 20)]
    count: usize,
    /// Milliseconds between saved frames (frames in between are dropped).
    #[arg(long, default_value_t = 500)]
    every: u64,
    /// Dataset folder.
    #[arg(long, default_value = "dataset")]
    out: PathBuf,
    /// Seconds of countdown before the first frame, to get your hand in place.
    #[arg(long, default_value_t = 3)]
    countdown: u64,
    /// The device configuration (its [source] and [region] are used).
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Or: a folder of frames / .mjpeg recording to take the frames from.
    #[arg(long, conflicts_with = "config")]
    replay: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
struct BenchArgs {
    /// ONNX model files, each optionally with `@f16` or `@f32`. Ratios are to the first one.
    #[arg(default_value = DEFAULT_MODEL)]
    models: Vec<String>,
    /// Timed inferences per model.
    #[arg(long, default_value_t = 100)]
    runs: usize,
    /// Untimed inferences per model first.
    #[arg(long, default_value_t = 10)]
    warmup: usize,
    /// Threads for tract's matrix products (a Pi 4/5 has 4 cores; leave one for the camera).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// The frame to classify. Default: the first frame of the shipped replay folder.
    #[arg(long)]
    frame: Option<PathBuf>,
    #[command(flatten)]
    precision: PrecisionArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum GpioBackend {
    Sim,
    Rppal,
    Gpiocdev,
}

/// The shipped model in the variant recommended for the Pi (see models/fingers-cnn/README.md).
const DEFAULT_MODEL: &str = "models/fingers-cnn/model.int8.onnx";
const DEFAULT_REPLAY: &str = "firmware/replay";

#[derive(Args, Debug, Clone)]
struct RunArgs {
    /// The device configuration (model, source, region, decision rules, GPIO, actions); see
    /// firmware/beckon.toml. Without it, the flags below describe the run.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// The ONNX model file (a beckon model; see README "Model contract"). Overrides the
    /// configuration's. Default: models/fingers-cnn/model.int8.onnx.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Folder of .png/.jpg frames to play, in file-name order, instead of a camera.
    /// Default: firmware/replay.
    #[arg(long, conflicts_with = "config")]
    replay: Option<PathBuf>,
    /// Frames per second to play at (0 = as fast as possible).
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

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn real_main() -> anyhow::Result<()> {
    init_logging();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Info { model }) => info(&model),
        Some(Command::Run(args)) => run(&args),
        Some(Command::Bench(args)) => bench_models(&args),
        Some(Command::Capture(args)) => capture(&args),
        Some(Command::Check { config }) => check(config.as_deref()),
        Some(Command::Classify { model, precision, images }) => classify(&model, &precision, &images),
        None => run(&cli.run),
    }
}

/// Logs to stderr through `tracing` (the library's `log` records too). Filter with `BECKON_LOG`
/// (e.g. `BECKON_LOG=debug`); default: warnings, and beckon's periodic stats. Under systemd
/// (`JOURNAL_STREAM` set) there are no colours and no timestamps: journald adds its own.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("BECKON_LOG").unwrap_or_else(|_| EnvFilter::new("warn,beckon=info"));
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(!journald && std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = if journald { fmt.without_time().try_init() } else { fmt.try_init() };
}

fn load(model: &Path, request: F16Request) -> anyhow::Result<Classifier> {
    if !model.exists() && model == Path::new(DEFAULT_MODEL) {
        anyhow::bail!(
            "the default model {DEFAULT_MODEL} is not here; run beckon from the repository root \
             or pass --model FILE.onnx"
        );
    }
    let (precision, note) = request.resolve();
    if let Some(note) = note {
        eprintln!("note: {}: {note}", model.display());
    }
    Ok(Classifier::load_with(model, &LoadOptions { precision })?)
}

fn info(model: &PathBuf) -> anyhow::Result<()> {
    let c = load(model, F16Request::Off)?;
    let i = c.info();
    println!("model:         {}", model.display());
    println!("architecture:  {}", i.architecture);
    println!("labels:        {}", i.labels.join(", "));
    println!("input:         u8 RGB NCHW [1, 3, {s}, {s}]", s = i.input_size);
    println!("preprocessing: {}", i.preprocessing);
    println!("training:      {}", i.training);
    println!("quantization:  {}", if i.quantization.is_empty() { "none (f32)" } else { &i.quantization });
    println!("file size:     {} bytes", std::fs::metadata(model)?.len());
    Ok(())
}

fn bench_models(args: &BenchArgs) -> anyhow::Result<()> {
    options::set_threads(args.threads)?;
    let (frame, frame_name) = match &args.frame {
        Some(file) => {
            let image = image::open(file)
                .map_err(|e| anyhow::anyhow!("--frame {}: cannot decode it as an image: {e}", file.display()))?;
            (image.to_rgb8(), file.display().to_string())
        }
        None => {
            let mut replay = ReplaySource::open(DEFAULT_REPLAY, 0.0, false)?;
            let f = replay
                .next_frame()?
                .ok_or_else(|| anyhow::anyhow!("{DEFAULT_REPLAY} has no decodable frame; pass --frame FILE"))?;
            (f.image, format!("{DEFAULT_REPLAY}/{}", f.name))
        }
    };
    let mut loaded = Vec::new();
    for spec in &args.models {
        let (path, request) = if let Some(p) = spec.strip_suffix("@f16") {
            (p, if args.precision.force_f16 { F16Request::Force } else { F16Request::IfSupported })
        } else if let Some(p) = spec.strip_suffix("@f32") {
            (p, F16Request::Off)
        } else {
            (spec.as_str(), args.precision.request())
        };
        let c = load(Path::new(path), request)?;
        let bytes = std::fs::metadata(path)?.len();
        loaded.push((spec.clone(), c, bytes));
    }
    let plan = BenchPlan { warmup: args.warmup, runs: args.runs.max(1) };
    let models: Vec<&Classifier> = loaded.iter().map(|(_, c, _)| c).collect();
    println!(
        "bench: {} timed runs per model after {} warm-up, round-robin; {} thread(s); frame {}; {} {}",
        plan.runs,
        plan.warmup,
        args.threads,
        frame_name,
        std::env::consts::ARCH,
        if options::cpu_has_native_f16() { "(native f16)" } else { "(no native f16)" }
    );
    let stats = bench::measure(&models, &frame, plan)?;
    let width = loaded.iter().map(|(s, _, _)| s.len()).max().unwrap_or(5).max(5);
    println!(
        "{:<width$}  {:>4}  {:>9}  {:>9}  {:>9}  {:>9}  {:>8}  {:>9}",
        "model", "prec", "size MB", "p50 ms", "p95 ms", "max ms", "per s", "p50 ratio"
    );
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    for ((spec, c, bytes), s) in loaded.iter().zip(&stats) {
        println!(
            "{:<width$}  {:>4}  {:>9.2}  {:>9.2}  {:>9.2}  {:>9.2}  {:>8.1}  {:>9.2}",
            spec,
            c.precision().to_string(),
            *bytes as f64 / 1e6,
            ms(s.p50),
            ms(s.p95),
            ms(s.max),
            s.throughput(),
            ms(s.p50) / ms(stats[0].p50)
        );
    }
    Ok(())
}

fn check(config: Option<&Path>) -> anyhow::Result<()> {
    let file = config.map(config::Loaded::read).transpose()?;
    let mut failed = Vec::new();
    let mut report = |what: &str, r: anyhow::Result<String>| match r {
        Ok(detail) => println!("ok    {what}: {detail}"),
        Err(e) => {
            println!("FAIL  {what}: {e:#}");
            failed.push(what.to_string());
        }
    };
    let model = file.as_ref().and_then(|f| f.model()).unwrap_or_else(|| DEFAULT_MODEL.into());
    let loaded = load(&model, F16Request::Off);
    let labels = loaded.as_ref().map(|c| c.info().labels.clone()).ok();
    report(
        "model",
        loaded.and_then(|c| {
            let frame = image::RgbImage::new(c.info().input_size, c.info().input_size);
            let p = c.classify(&frame)?;
            Ok(format!(
                "{} loads; labels {}; one inference {:.1} ms",
                model.display(),
                c.info().labels.join(","),
                p.inference.as_secs_f64() * 1e3
            ))
        }),
    );
    let source = match &file {
        Some(f) => f.source().map_err(anyhow::Error::from),
        None => Ok(Source::Replay { path: DEFAULT_REPLAY.into(), fps: 0.0, looping: false }),
    };
    report(
        "camera",
        source.and_then(|s| {
            let start = std::time::Instant::now();
            let mut src = beckon::camera::open(&s, &Shutdown::new())?;
            let frame = src.next_frame()?.ok_or_else(|| anyhow::anyhow!("{} gave no frame", src.describe()))?;
            Ok(format!(
                "{} gave a {}×{} frame in {:.0} ms",
                src.describe(),
                frame.image.width(),
                frame.image.height(),
                start.elapsed().as_secs_f64() * 1e3
            ))
        }),
    );
    let outputs = (|| -> anyhow::Result<String> {
        let labels = labels.ok_or_else(|| anyhow::anyhow!("skipped: the model did not load, so the actions cannot be checked"))?;
        let cfg = match &file {
            Some(f) => f.resolve(&labels)?,
            None => {
                let map = LedMap::binary(&labels, &DEFAULT_PINS)?;
                Config::from_flags(None, Source::Replay { path: DEFAULT_REPLAY.into(), fps: 0.0, looping: false }, DecisionRules::simple(1, 0.5), "sim", &map)
            }
        };
        let log = TransitionLog::default();
        let mut bank = open_leds(&cfg.backend, &cfg.pins, &log)?;
        for (k, pin) in cfg.pins.iter().enumerate() {
            let mut levels = vec![false; cfg.pins.len()];
            levels[k] = true;
            println!("      GPIO{pin} on for 0.3 s");
            bank.drive(&levels)?;
            std::thread::sleep(std::time::Duration::from_millis(300));
            bank.all_off()?;
        }
        Ok(format!("{} output(s) blinked once ({}): {}", cfg.pins.len(), cfg.backend, bank.describe()))
    })();
    report("outputs", outputs);
    if failed.is_empty() {
        println!("all checks passed");
        Ok(())
    } else {
        anyhow::bail!("{} check(s) failed: {}", failed.len(), failed.join(", "))
    }
}

fn capture(args: &CaptureArgs) -> anyhow::Result<()> {
    beckon::capture::check_label(&args.label)?;
    let (source, region) = match &args.config {
        Some(path) => {
            let file = config::Loaded::read(path)?;
            let src = file.source()?;
            (src, file.region()?)
        }
        None => {
            let path = args.replay.clone().unwrap_or_else(|| DEFAULT_REPLAY.into());
            (Source::Replay { path, fps: 0.0, looping: false }, None)
        }
    };
    let shutdown = Shutdown::on_signals()?;
    let mut frames = beckon::camera::open(&source, &shutdown)?;
    eprintln!("capturing {} frames of {:?} from {} into {}", args.count, args.label, frames.describe(), args.out.join(&args.label).display());
    for s in (1..=args.countdown).rev() {
        eprintln!("  {s}…");
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    let job = beckon::capture::CaptureJob {
        root: args.out.clone(),
        label: args.label.clone(),
        count: args.count,
        every: std::time::Duration::from_millis(args.every),
        region,
    };
    let saved = beckon::capture::capture(frames.as_mut(), &job, &shutdown, |n, path| {
        println!("saved {n}/{} {}", args.count, path.display());
    })?;
    if saved.len() < args.count {
        eprintln!("note: the source ended after {} of {} frames", saved.len(), args.count);
    }
    println!("done: {} frames in {}; train with: beckon-train fit --data {} --out my-model", saved.len(), args.out.join(&args.label).display(), args.out.display());
    Ok(())
}

fn classify(model: &Path, precision: &PrecisionArgs, images: &[PathBuf]) -> anyhow::Result<()> {
    let c = load(model, precision.request())?;
    for path in images {
        let frame = image::open(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot decode it as an image: {e}", path.display()))?
            .to_rgb8();
        let p = c.classify(&frame)?;
        let probs: Vec<String> = p.probabilities.iter().map(|v| format!("{v:e}")).collect();
        println!("{}\t{}\t{}", path.display(), c.info().labels[p.index], probs.join(","));
    }
    Ok(())
}

fn run(args: &RunArgs) -> anyhow::Result<()> {
    options::set_threads(args.threads)?;
    let file = args.config.as_deref().map(config::Loaded::read).transpose()?;
    let model = args.model.clone().or_else(|| file.as_ref().and_then(|f| f.model())).unwrap_or_else(|| DEFAULT_MODEL.into());
    let classifier = load(&model, args.precision.request())?;
    let info = classifier.info().clone();
    let cfg = match &file {
        Some(f) => f.resolve(&info.labels)?,
        None => {
            let map = if args.leds.is_empty() {
                LedMap::binary(&info.labels, &DEFAULT_PINS)?
            } else {
                LedMap::parse(&info.labels, &args.leds)?
            };
            let source = Source::Replay {
                path: args.replay.clone().unwrap_or_else(|| DEFAULT_REPLAY.into()),
                fps: args.fps,
                looping: args.looping,
            };
            let backend = match args.gpio {
                GpioBackend::Sim => "sim",
                GpioBackend::Rppal => "rppal",
                GpioBackend::Gpiocdev => "gpiocdev",
            };
            Config::from_flags(Some(model.clone()), source, DecisionRules::simple(args.window, args.threshold), backend, &map)
        }
    };
    let shutdown = Shutdown::on_signals()?;
    let mut source = beckon::camera::open(&cfg.source, &shutdown)?;
    let mut pipeline = runner::Pipeline {
        region: cfg.region,
        decider: Decider::new(cfg.rules.clone())?,
        actuator: Actuator::new(&cfg.pins, cfg.actions.clone())?,
    };
    println!(
        "model {} ({}, input {}×{}, labels {}, {})",
        model.display(),
        info.architecture,
        info.input_size,
        info.input_size,
        info.labels.join(","),
        classifier.precision()
    );
    println!("source {}", source.describe());
    let sim = cfg.backend == "sim";
    println!(
        "outputs ({}):",
        match cfg.backend.as_str() {
            "sim" => "simulated",
            "rppal" => "Raspberry Pi GPIO via rppal",
            _ => "GPIO character device lines via gpiocdev",
        }
    );
    for line in cfg.describe_actions(&info.labels) {
        println!("  {line}");
    }
    let log = TransitionLog::default();
    let mut leds = open_leds(&cfg.backend, &cfg.pins, &log)?;
    let name = |g: Option<usize>| g.map_or("none".to_string(), |i| format!("{:?}", info.labels[i]));
    let mut previous: Option<usize> = None;
    let limits = runner::Limits { max_frames: args.max_frames, shutdown };
    let mut stats = runner::Stats::default();
    let stats_every = std::time::Duration::from_secs_f64(args.stats_every.max(0.0));
    let preview = match args.preview.clone().or(cfg.preview.as_ref().map(|p| p.listen.clone())) {
        Some(listen) => {
            let allow_remote = cfg.preview.as_ref().is_some_and(|p| p.allow_remote);
            let addr = beckon::preview::check_listen(&listen, allow_remote)?;
            let dataset = cfg.preview.as_ref().map_or_else(|| PathBuf::from("dataset"), |p| p.dataset.clone());
            let p = beckon::preview::Preview::start(addr, dataset)?;
            println!("preview on http://{}/", p.addr());
            Some(p)
        }
        None => None,
    };
    let mut last_stats = None;
    let summary = runner::run(&classifier, source.as_mut(), &mut pipeline, &mut leds, &limits, |r: &FrameReport, frame| {
        if let Some(p) = &preview {
            p.update(frame, cfg.region.as_ref(), r, &info.labels, last_stats.as_ref());
        }
        stats.push(&r.timings);
        if args.stats_every > 0.0
            && let Some(s) = stats.take_if_due(stats_every)
        {
            last_stats = Some(s);
            let ms = |d: std::time::Duration| (d.as_secs_f64() * 1e4).round() / 10.0;
            tracing::info!(
                fps = (s.fps * 10.0).round() / 10.0,
                capture_ms = ms(s.mean.capture),
                preprocess_ms = ms(s.mean.preprocess),
                inference_ms = ms(s.mean.inference),
                decision_ms = ms(s.mean.decision),
                gpio_ms = ms(s.mean.gpio),
                frames = s.frames,
                "stats"
            );
        }
        if !args.quiet {
            println!(
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
            println!(
                "gesture change at frame {} ({}): {} -> {}; LEDs {}",
                r.number,
                r.name,
                name(previous),
                name(r.gesture),
                r.leds
            );
            previous = r.gesture;
        }
    })?;
    let n = summary.frames.max(1) as f64;
    let transitions = if sim { log.transitions().len().to_string() } else { "-".into() };
    println!(
        "done: {} frames, {} gesture changes, {} simulated LED transitions, latency per frame mean {:.2} ms (inference {:.2} ms)",
        summary.frames,
        summary.gesture_changes,
        transitions,
        summary.total_latency.as_secs_f64() * 1e3 / n,
        summary.total_inference.as_secs_f64() * 1e3 / n
    );
    if limits.shutdown.requested() {
        println!("stopped by signal");
    }
    println!("outputs at exit: {}", leds.describe());
    Ok(())
}

fn open_leds(backend: &str, pins: &[u8], log: &TransitionLog) -> anyhow::Result<LedBank<AnyPin>> {
    match backend {
        "sim" => Ok(LedBank::new(pins, |bcm| Ok(AnyPin::Sim(SimPin::new(format!("GPIO{bcm}"), log.clone()))))?),
        #[cfg(feature = "rppal")]
        "rppal" => {
            let gpio = beckon::gpio::rpi::PiGpio::open()?;
            Ok(LedBank::new(pins, |bcm| gpio.output(bcm).map(AnyPin::Rppal))?)
        }
        #[cfg(not(feature = "rppal"))]
        "rppal" => anyhow::bail!(
            "GPIO backend rppal: this beckon was built without Raspberry Pi GPIO support; \
             rebuild with `cargo build --release -p beckon-firmware --features rppal`"
        ),
        #[cfg(feature = "gpiocdev")]
        "gpiocdev" => Ok(LedBank::new(pins, |bcm| beckon::gpio::cdev::output(bcm).map(AnyPin::Cdev))?),
        #[cfg(not(feature = "gpiocdev"))]
        "gpiocdev" => anyhow::bail!(
            "GPIO backend gpiocdev: this beckon was built without it; \
             rebuild with `cargo build --release -p beckon-firmware --features gpiocdev`"
        ),
        other => anyhow::bail!("GPIO backend {other:?}: expected sim, rppal or gpiocdev"),
    }
}
