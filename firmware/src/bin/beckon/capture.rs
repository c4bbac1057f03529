//! `beckon capture`: frames from the source into a folder-per-class dataset.

use std::path::PathBuf;

use beckon::config::{self, Source};
use beckon::shutdown::Shutdown;
use clap::Args;

use crate::DEFAULT_REPLAY;

#[derive(Args, Debug, Clone)]
pub struct CaptureArgs {
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
    /// Save the rotated hand crop the landmark model sees (palm detector + tracking), skipping
    /// frames without a hand. On by default when the configuration's [region] has
    /// mode = "track".
    #[arg(long)]
    track: bool,
    /// With tracking: the hand-landmark model that follows the hand.
    #[arg(long, default_value = crate::DEFAULT_MODEL)]
    model: PathBuf,
    /// Or: a folder of frames / .mjpeg recording to take the frames from.
    #[arg(long, conflicts_with = "config")]
    replay: Option<PathBuf>,
}

pub fn capture(args: &CaptureArgs) -> anyhow::Result<()> {
    beckon::capture::check_label(&args.label)?;
    let (source, region, track) = match &args.config {
        Some(path) => {
            let file = config::Loaded::read(path)?;
            let src = file.source()?;
            let (region, track) = file.region()?;
            (src, region, track)
        }
        None => {
            let path = args.replay.clone().unwrap_or_else(|| DEFAULT_REPLAY.into());
            (Source::Replay { path, fps: 0.0, looping: false }, None, None)
        }
    };
    let track = track.or_else(|| args.track.then(config::TrackSettings::shipped));
    let tracker = match &track {
        Some(t) => {
            let classifier = crate::load(&args.model, beckon::model::F16Request::Off)?;
            let finder = beckon::hand::HandFinder::new(beckon::hand::PalmDetector::load(&t.detector)?, &classifier, t.tracking)?;
            eprintln!("saving the hand crops {} sees (frames without a hand are skipped)", args.model.display());
            Some((finder, classifier))
        }
        None => None,
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
    let mut tracker = tracker;
    let hand = tracker.as_mut().map(|(f, c)| (f, &*c));
    let saved = beckon::capture::capture(
        frames.as_mut(),
        &job,
        &shutdown,
        hand,
        |n, path| println!("saved {n}/{} {}", args.count, path.display()),
        |name| eprintln!("no hand in {name}: skipped"),
    )?;
    if saved.len() < args.count {
        eprintln!("note: the source ended after {} of {} frames", saved.len(), args.count);
    }
    println!("done: {} frames in {}; train with: beckon-train fit --data {} --out my-model", saved.len(), args.out.join(&args.label).display(), args.out.display());
    Ok(())
}
