//! The command line: subcommands and the flags they share (parsed here, resolved by each
//! subcommand's file).

use std::path::PathBuf;

use beckon::model::{F16Request, Layout};
use clap::{Args, Parser, Subcommand};

use crate::bench::BenchArgs;
use crate::capture::CaptureArgs;
use crate::run_args::RunArgs;
use crate::train::TrainArgs;

const EXAMPLES: &str = "\
Examples:
  beckon                                   # shipped model, shipped replay frames, simulated LEDs
  beckon run --loop --fps 5                # the same, forever, at 5 frames per second
  beckon run --model my.onnx --replay frames/ --led 1=17 --led 2=27 --led 3=17+27
  beckon info --model models/fingers-cnn/model.onnx
  beckon bench models/fingers-cnn/model.onnx models/fingers-cnn/model.int8.onnx
  beckon classify --model models/fingers-cnn/model.onnx firmware/replay/3_35_pic00006_0.jpg";

/// beckon: hand gestures seen by a camera switch LEDs (or any GPIO line) on and off.
///
/// With no subcommand, `beckon` runs `beckon run` with its defaults: the shipped model on the
/// shipped replay frames with simulated LEDs, played once.
#[derive(Parser, Debug)]
#[command(name = "beckon", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the frame loop: frames → model → smoothing → LEDs. Prints every frame with its
    /// prediction, LED states and latency, and a line for each gesture change.
    ///
    /// Example: beckon run --replay firmware/replay --fps 10 --loop
    Run(RunArgs),
    /// Print a model's contract metadata (labels, input size, architecture, training).
    ///
    /// Example: beckon info --model models/fingers-cnn/model.onnx
    Info {
        /// The ONNX model file. Default: the configuration's, else the shipped one.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Measure inference latency: load each model, warm up, run it N times on a frame, print
    /// p50/p95/max latency and throughput. Several models are measured round-robin in one run and
    /// compared by their ratio to the first, so run this on your Pi to choose a variant.
    ///
    /// Only tract is timed (the frame is decoded and resized once). --f16/--force-f16 set the
    /// precision of every model; a model written `FILE@f16` or `FILE@f32` runs in that precision
    /// whatever the flags (`@f16` falls back to f32 without native f16 unless --force-f16).
    /// beckon runs convolutions channels-last (faster in tract); `FILE@nchw` (or
    /// `FILE@f16@nchw`) runs them channels-first as the file has them, to compare.
    ///
    /// Example: beckon bench models/fingers-cnn/model.onnx models/fingers-cnn/model.int8.onnx models/fingers-cnn/model.onnx@f16 models/fingers-cnn/model.onnx@nchw
    Bench(BenchArgs),
    /// First-install check: load the model and time one inference, grab a frame from the
    /// source, blink each configured output once (on 0.3 s, off). Every check runs even if
    /// another fails; the exit status says whether all passed.
    ///
    /// Example: sudo -u beckon beckon check --config /etc/beckon/beckon.toml
    Check {
        /// The device configuration. Default: $BECKON_CONFIG, else /etc/beckon/beckon.toml when
        /// installed, else the built-in defaults (shipped model, replay, sim).
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Save frames from the camera (or replay) into a folder-per-class dataset that
    /// `beckon train` and `beckon-train fit --data DIR` train on: DIR/LABEL/RECORDING_NNNN.png,
    /// cropped to the configured region (RECORDING names this run, so training can leave whole
    /// recordings out). Existing files are kept; numbering continues.
    ///
    /// Show the gesture for LABEL to the camera, run this, and move your hand a little between
    /// frames (distance, angle, light) so the model learns your hand, not one picture.
    ///
    /// Example: beckon capture --config beckon.toml --label thumbs-up --count 40 --every 300
    Capture(CaptureArgs),
    /// Teach your own gestures: the hand crops `beckon capture --track` recorded (one folder per
    /// gesture) become a model in seconds, on the device: the shipped landmark network and hand
    /// features with a new head, learned together with the shipped model's own examples (the
    /// shipped gestures you did not record become `other`). Prints, and writes in the model's
    /// card, how each gesture does on recordings it did not learn from (record each gesture at
    /// least twice for that). The preview page's Teach panel does the same with buttons.
    ///
    /// Example: beckon capture --track --label thumbs-up --count 40 --out gestures; (the same
    /// for each gesture, twice); beckon train --data gestures --out gestures/model; beckon run
    /// --model gestures/model/model.onnx
    Train(TrainArgs),
    /// Classify image files and print, per file: path, top label, probabilities (tab-separated;
    /// probabilities comma-separated in label order), and for a hand-landmark model that sees a
    /// hand, its 21 landmarks (x, y, z comma-separated, input pixels). For scripts and checks.
    ///
    /// Example: beckon classify firmware/replay/*.jpg
    Classify {
        /// The ONNX model file. Default: the configuration's, else the shipped one.
        #[arg(long)]
        model: Option<PathBuf>,
        #[command(flatten)]
        precision: PrecisionArgs,
        /// Image files (.png/.jpg), any size: centre-cropped and resized like camera frames.
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
}

#[derive(Args, Debug, Clone)]
pub struct PrecisionArgs {
    /// Run the model in f16 where the CPU has native f16 arithmetic (Raspberry Pi 5); elsewhere
    /// say so and run in f32.
    #[arg(long)]
    pub f16: bool,
    /// Run in f16 even without native support (tract emulates it, slowly; for comparisons).
    #[arg(long, conflicts_with = "f16")]
    pub force_f16: bool,
    /// Run convolutions channels-first, as the ONNX file has them. beckon's default is
    /// channels-last: in tract the landmark model runs 16 % faster that way on one thread, but
    /// MobileNetV1 1.0 ran 17 % slower on two (models/BENCHMARKS.md); compare on your CPU with
    /// `beckon bench FILE FILE@nchw`.
    #[arg(long)]
    pub nchw: bool,
}

impl PrecisionArgs {
    pub fn request(&self) -> F16Request {
        match (self.f16, self.force_f16) {
            (_, true) => F16Request::Force,
            (true, false) => F16Request::IfSupported,
            (false, false) => F16Request::Off,
        }
    }

    pub fn layout(&self) -> Layout {
        if self.nchw { Layout::ChannelsFirst } else { Layout::ChannelsLast }
    }
}
