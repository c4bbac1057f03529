//! `beckon`: the device binary. Thin: argument parsing and printing; the logic is in the library.

use std::path::PathBuf;

use beckon::camera::ReplaySource;
use beckon::gpio::{map::DEFAULT_PINS, AnyPin, LedBank, LedMap, SimPin, TransitionLog};
use beckon::runner::{self, FrameReport};
use beckon::smooth::Smoother;
use beckon::Classifier;
use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  beckon                                   # shipped model, shipped replay frames, simulated LEDs
  beckon run --loop --fps 5                # the same, forever, at 5 frames per second
  beckon run --model my.onnx --replay frames/ --led 1=17 --led 2=27 --led 3=17+27
  beckon info --model models/fingers-cnn/model.onnx";

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
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum GpioBackend {
    Sim,
    Rppal,
}

const DEFAULT_MODEL: &str = "models/fingers-cnn/model.onnx";
const DEFAULT_REPLAY: &str = "firmware/replay";

#[derive(Args, Debug, Clone)]
struct RunArgs {
    /// The ONNX model file (a beckon model; see README "Model contract").
    #[arg(long, default_value = DEFAULT_MODEL)]
    model: PathBuf,
    /// Folder of .png/.jpg frames to play, in file-name order, instead of a camera.
    #[arg(long, default_value = DEFAULT_REPLAY)]
    replay: PathBuf,
    /// Frames per second to play at (0 = as fast as possible).
    #[arg(long, default_value_t = 0.0)]
    fps: f64,
    /// Play the frames again and again instead of once (stop with Ctrl-C).
    #[arg(long = "loop")]
    looping: bool,
    /// Stop after this many frames.
    #[arg(long)]
    max_frames: Option<u64>,
    /// Frames averaged before a gesture is accepted.
    #[arg(long, default_value_t = 1)]
    window: usize,
    /// Averaged probability a label needs to count as a gesture (else: no gesture, LEDs off).
    #[arg(long, default_value_t = 0.5)]
    threshold: f32,
    /// Map a label to the BCM pins it switches on: LABEL=PIN[+PIN]; repeat per label. Default:
    /// each label's position in binary on GPIO 17, 27, 22 (label 0 = all off).
    #[arg(long = "led", value_name = "LABEL=PINS")]
    leds: Vec<String>,
    /// Where the LEDs are: `sim` records and prints transitions (any machine); `rppal` drives
    /// real pins on a Raspberry Pi (binary built with `--features rppal`).
    #[arg(long, value_enum, default_value_t = GpioBackend::Sim)]
    gpio: GpioBackend,
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
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Info { model }) => info(&model),
        Some(Command::Run(args)) => run(&args),
        None => run(&cli.run),
    }
}

fn load(model: &PathBuf) -> anyhow::Result<Classifier> {
    if !model.exists() && model == &PathBuf::from(DEFAULT_MODEL) {
        anyhow::bail!(
            "the default model {DEFAULT_MODEL} is not here; run beckon from the repository root \
             or pass --model FILE.onnx"
        );
    }
    Ok(Classifier::load(model)?)
}

fn info(model: &PathBuf) -> anyhow::Result<()> {
    let c = load(model)?;
    let i = c.info();
    println!("model:         {}", model.display());
    println!("architecture:  {}", i.architecture);
    println!("labels:        {}", i.labels.join(", "));
    println!("input:         u8 RGB NCHW [1, 3, {s}, {s}]", s = i.input_size);
    println!("preprocessing: {}", i.preprocessing);
    println!("training:      {}", i.training);
    Ok(())
}

fn run(args: &RunArgs) -> anyhow::Result<()> {
    let classifier = load(&args.model)?;
    let info = classifier.info().clone();
    let mut source = ReplaySource::open(&args.replay, args.fps, args.looping)?;
    let map = if args.leds.is_empty() {
        LedMap::binary(&info.labels, &DEFAULT_PINS)?
    } else {
        LedMap::parse(&info.labels, &args.leds)?
    };
    let mut smoother = Smoother::new(args.window, args.threshold)?;
    println!(
        "model {} ({}, input {}×{}, labels {})",
        args.model.display(),
        info.architecture,
        info.input_size,
        info.input_size,
        info.labels.join(",")
    );
    println!("source {}", beckon::camera::FrameSource::describe(&source));
    println!("LEDs ({}):", if args.gpio == GpioBackend::Sim { "simulated" } else { "Raspberry Pi GPIO via rppal" });
    for line in map.describe().lines() {
        println!("  {line}");
    }
    let log = TransitionLog::default();
    let mut leds = open_leds(args.gpio, map, &log)?;
    let name = |g: Option<usize>| g.map_or("none".to_string(), |i| format!("{:?}", info.labels[i]));
    let mut previous: Option<usize> = None;
    let summary = runner::run(&classifier, &mut source, &mut smoother, &mut leds, args.max_frames, |r: &FrameReport| {
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
    let transitions = if args.gpio == GpioBackend::Sim { log.transitions().len().to_string() } else { "-".into() };
    println!(
        "done: {} frames, {} gesture changes, {} simulated LED transitions, latency per frame mean {:.2} ms (inference {:.2} ms)",
        summary.frames,
        summary.gesture_changes,
        transitions,
        summary.total_latency.as_secs_f64() * 1e3 / n,
        summary.total_inference.as_secs_f64() * 1e3 / n
    );
    Ok(())
}

fn open_leds(backend: GpioBackend, map: LedMap, log: &TransitionLog) -> anyhow::Result<LedBank<AnyPin>> {
    match backend {
        GpioBackend::Sim => Ok(LedBank::new(map, |bcm| Ok(AnyPin::Sim(SimPin::new(format!("GPIO{bcm}"), log.clone()))))?),
        #[cfg(feature = "rppal")]
        GpioBackend::Rppal => {
            let gpio = beckon::gpio::rpi::PiGpio::open()?;
            Ok(LedBank::new(map, |bcm| gpio.output(bcm).map(AnyPin::Rppal))?)
        }
        #[cfg(not(feature = "rppal"))]
        GpioBackend::Rppal => anyhow::bail!(
            "--gpio rppal: this beckon was built without Raspberry Pi GPIO support; \
             rebuild with `cargo build --release -p beckon-firmware --features rppal`"
        ),
    }
}
