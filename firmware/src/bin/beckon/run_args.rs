//! `beckon run`'s flags, and what they resolve to (the frame source, the tracking settings):
//! resolved once, here, before the run starts.

use std::path::PathBuf;

use beckon::camera::{RpicamSettings, V4l2Settings};
use beckon::config::Source;
use clap::{Args, ValueEnum};

use crate::PrecisionArgs;

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
    /// firmware/beckon.toml. Default: $BECKON_CONFIG, else /etc/beckon/beckon.toml when beckon
    /// is installed (not in a checkout) and no flag below describes the run; without one, the
    /// flags below describe it.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// The ONNX model file (a beckon model; see docs/models.md "Model contract"). Overrides the
    /// configuration's. The default is [`beckon::paths::MODEL`], named in the help text below.
    #[arg(long, help = format!("The ONNX model file (a beckon model; see README \"Model contract\"). Overrides the configuration's. Default: {}", beckon::paths::MODEL))]
    pub model: Option<PathBuf>,
    /// Where frames come from: `replay` (--replay), `rpicam` (Pi camera via rpicam-vid), `v4l2`
    /// (USB webcam --device), `auto` (an attached Pi camera, else a USB webcam, else --replay if
    /// given). Cameras give
    /// 640×480; a configuration file sets size, format and more.
    #[arg(long, value_enum, default_value_t = SourceKind::Replay, conflicts_with = "config")]
    pub source: SourceKind,
    /// Folder of .png/.jpg frames (or an .mjpeg file) to play, in file-name order.
    /// Default: firmware/replay.
    #[arg(long, conflicts_with = "config")]
    pub replay: Option<PathBuf>,
    /// The V4L2 device for --source v4l2 (or a .v4l2rec recording of one).
    #[arg(long, default_value = "/dev/video0", conflicts_with = "config")]
    pub device: PathBuf,
    /// Frames per second to play at (0 = as fast as possible; cameras: 0 = 10 for rpicam, the
    /// device's rate for v4l2).
    #[arg(long, default_value_t = 0.0, conflicts_with = "config")]
    pub fps: f64,
    /// Play the frames again and again instead of once (stop with Ctrl-C).
    #[arg(long = "loop", conflicts_with = "config")]
    pub looping: bool,
    /// With --replay and --fps: play as fast as the frames decode, timed as if at --fps (motions
    /// and idle periods as at that rate; for tests and measurements of long recordings).
    #[arg(long, requires = "fps", conflicts_with = "config")]
    pub unpaced: bool,
    /// Stop after this many frames.
    #[arg(long)]
    pub max_frames: Option<u64>,
    /// Frames averaged before a gesture is accepted.
    #[arg(long, default_value_t = 1, conflicts_with = "config")]
    pub window: usize,
    /// Averaged probability a label needs to count as a gesture (else: no gesture, LEDs off).
    #[arg(long, default_value_t = 0.5, conflicts_with = "config")]
    pub threshold: f32,
    /// Map a label to the BCM pins it switches on: LABEL=PIN[+PIN]; repeat per label. Default:
    /// each label's position in binary on GPIO 17, 27, 22 (label 0 = all off).
    #[arg(long = "led", value_name = "LABEL=PINS", conflicts_with = "config")]
    pub leds: Vec<String>,
    /// Where the LEDs are: `sim` records and prints transitions (any machine); `rppal` drives
    /// real pins on a Raspberry Pi (binary built with `--features rppal`); `gpiocdev` drives
    /// lines named GPIOn through /dev/gpiochip* (`--features gpiocdev`; Pi 5, other boards).
    #[arg(long, value_enum, default_value_t = GpioBackend::Sim, conflicts_with = "config")]
    pub gpio: GpioBackend,
    /// Which part of the frame the model sees: `track` finds the hand anywhere (palm detector,
    /// then the landmark model on a rotated crop that follows the hand); `fixed` uses the
    /// configuration's [region] or the centred square; `auto`: the configuration's choice, else
    /// `track` for a hand-landmark model.
    #[arg(long, value_enum, default_value_t = RegionMode::Auto)]
    pub region: RegionMode,
    /// With tracking: run the palm detector on every frame instead of following the hand (each
    /// frame on its own, e.g. to score a folder of unrelated frames).
    #[arg(long)]
    pub no_tracking: bool,
    /// With tracking, while no hand is in view: look for one at most every this many ms of
    /// video (0 = on every frame). Default: the configuration's [region] idle_detect_ms, else
    /// 500. Frames in between count as no hand and cost nothing; a replay at --fps 0 looks at
    /// every frame.
    #[arg(long, value_name = "MS")]
    pub idle_detect_ms: Option<u64>,
    /// With tracking: when the whole frame shows no hand, look again at the frame zoomed out
    /// and at its two ends (finds more hands; three more detector runs on a look that finds
    /// none, when the view changed). Default: the configuration's [region] second_look, else on.
    #[arg(long)]
    pub second_look: bool,
    /// With tracking: the palm detector alone, no second look, second opinion or refining pass
    /// (beckon's default before they were on by default: less CPU, fewer hands found).
    #[arg(long, conflicts_with_all = ["second_look", "second_opinion", "refine"])]
    pub plain_look: bool,
    /// With tracking: the second look and second opinion on every look that finds no hand,
    /// not only when the view changed since they last ran ([region] extra_looks_on_change).
    #[arg(long)]
    pub extra_looks_always: bool,
    /// With tracking: no motion recognition (swipes, waves, circles, pushes; [region] motions).
    #[arg(long)]
    pub no_motions: bool,
    /// With hand tracking: follow up to this many hands (1 or 2), each with its own gesture.
    /// Default: the configuration's [region] max_hands, else 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=2))]
    pub max_hands: Option<u8>,
    /// With hand tracking: when the palm detector finds no hand, ask MediaPipe's full palm
    /// detector too (on such looks only, when the view changed). Default: the configuration's
    /// [region] second_opinion, else on where the full detector is installed.
    #[arg(long)]
    pub second_opinion: bool,
    /// With hand tracking: after the detector finds a hand, run the landmark model again on the
    /// crop its landmarks give when the first pass is unsure of the gesture (below 0.97).
    /// Default: the configuration's [region] refine, else on.
    #[arg(long)]
    pub refine: bool,
    /// With two hands, while one is tracked: look for the second at most this often, in ms of
    /// video (0 = on every frame). Default: the configuration's [region] second_hand_detect_ms,
    /// else 1000.
    #[arg(long, value_name = "MS")]
    pub second_hand_detect_ms: Option<u64>,
    /// The frames are mirror images (a selfie view), for which hand is left and which right.
    /// Default: the configuration's [source] mirror, else off.
    #[arg(long)]
    pub mirror: bool,
    /// Threads for the frame loop: 1 = capture, decoding and the networks in sequence on one;
    /// 2 = frames decoded one ahead on a thread of their own, the networks on the other (each
    /// frame as soon as on one core); N ≥ 3 = finding hands, up to N − 1 frames in flight when
    /// frames come faster than one thread finds hands (more frames a second, each a little
    /// later), a fixed region, the network on N − 1. Default: the configuration's [runtime]
    /// threads, else 1.
    #[arg(long)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub precision: PrecisionArgs,
    /// Log frames per second and the time per stage (capture, preprocess, inference, decision,
    /// GPIO) every this many seconds (0 = never).
    #[arg(long, default_value_t = 10.0)]
    pub stats_every: f64,
    /// Serve the live preview page on this address (e.g. 127.0.0.1:8080; port 0 picks one).
    /// Loopback only, unless the configuration's [preview] has allow_remote = true.
    #[arg(long, value_name = "IP:PORT")]
    pub preview: Option<String>,
    /// Where the preview page's capture button and Teach panel save examples (one folder per
    /// gesture; taught models go to DIR/models/). Overrides [preview] dataset; default ./dataset.
    #[arg(long, value_name = "DIR")]
    pub dataset: Option<PathBuf>,
    /// Print only gesture changes and the summary, not every frame.
    #[arg(long, short)]
    pub quiet: bool,
    /// How gesture changes are printed: "lines" (text among the other lines) or "json" (one
    /// JSON object per change and nothing else on stdout, for pipes; the other lines go to
    /// stderr). Default: the configuration's [output] events, else "lines".
    #[arg(long, value_name = "FORMAT", value_parser = ["lines", "json"])]
    pub events: Option<String>,
}

/// The source `--source`, `--replay`, `--device` and `--fps` describe.
pub fn source_from_flags(args: &RunArgs) -> Source {
    let replay = args.replay.clone().unwrap_or_else(|| beckon::paths::shared().replay());
    let rpicam = RpicamSettings { program: None, width: 640, height: 480, fps: if args.fps > 0.0 { args.fps } else { 10.0 } };
    let v4l2 = V4l2Settings { fps: (args.fps > 0.0).then_some(args.fps), ..V4l2Settings::new(&args.device) };
    match args.source {
        SourceKind::Replay => Source::Replay { path: replay, fps: args.fps, looping: args.looping, paced: !args.unpaced },
        SourceKind::Rpicam => Source::Rpicam(rpicam),
        SourceKind::V4l2 => Source::V4l2(v4l2),
        SourceKind::Auto => Source::Auto { rpicam, v4l2, replay: args.replay.clone(), fps: args.fps, looping: args.looping },
    }
}
