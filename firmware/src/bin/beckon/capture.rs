//! `beckon capture`: frames from the source into a folder-per-class dataset.

use std::path::PathBuf;

use beckon::config::{self, Source};
use beckon::session::plan::{RegionChoice, hand_finder, source_of};
use beckon::shutdown::Shutdown;
use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct CaptureArgs {
    /// Class name: the folder the frames go to and the label the model will learn.
    #[arg(long, required_unless_present = "motion", conflicts_with = "motion")]
    label: Option<String>,
    /// Or: record a motion of your own under this name (a letter, a tick, a zigzag): each
    /// movement the hand makes, from moving to still, is one recording; make it --count times
    /// (default 5, at least 3 are needed), holding the hand still between them. Recognised by
    /// `beckon run` from then on (docs/motions.md). Saved in --out (default ./motions, or
    /// /var/lib/beckon/motions when installed).
    #[arg(long, value_name = "NAME")]
    motion: Option<String>,
    /// Frames to save (1 or more); with --motion, recordings (default 5).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    count: Option<u64>,
    /// Milliseconds between saved frames from a camera (frames in between are dropped), so
    /// that they differ. Default: 500 from a camera; 0 from a replay, which plays as fast as it
    /// decodes: every replayed frame is a candidate.
    #[arg(long)]
    every: Option<u64>,
    /// Dataset folder. Default: ./dataset, or /var/lib/beckon/gestures when installed.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seconds of countdown before the first frame, to get your hand in place.
    #[arg(long, default_value_t = 3)]
    countdown: u64,
    /// The device configuration (its model, [source] and [region] are used). Default:
    /// $BECKON_CONFIG, else /etc/beckon/beckon.toml when installed (unless --replay).
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Save the rotated hand crop the landmark model sees (palm detector + tracking), skipping
    /// frames without a hand. On by default when the configuration's [region] has
    /// mode = "track".
    #[arg(long)]
    track: bool,
    /// With tracking: save the crops of up to this many hands per frame (1 or 2), each an
    /// example. Default: the configuration's [region] max_hands, else 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=2))]
    max_hands: Option<u8>,
    /// With tracking: the hand-landmark model that follows the hand. Default: the
    /// configuration's, else the shipped one.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Or: a folder of frames / .mjpeg recording to take the frames from.
    #[arg(long, conflicts_with = "config")]
    replay: Option<PathBuf>,
    /// With --replay and --motion: the rate the frames were recorded at (they are timed by it,
    /// and read as fast as they decode).
    #[arg(long, requires_all = ["replay", "motion"])]
    fps: Option<f64>,
}

pub fn capture(args: &CaptureArgs) -> anyhow::Result<()> {
    if let Some(name) = &args.motion {
        return motion(args, name);
    }
    let label = args.label.clone().expect("clap requires --label without --motion");
    beckon::capture::check_label(&label)?;
    let file = crate::config_file(args.config.as_deref(), args.replay.is_some())?;
    let model = args.model.clone().unwrap_or_else(|| crate::default_model(file.as_ref()));
    let out = args.out.clone().unwrap_or_else(|| beckon::paths::shared().dataset());
    let source = source_of(file.as_ref(), args.replay.clone().unwrap_or_else(|| beckon::paths::shared().replay()))?;
    // As `beckon run` decides, where --track is `--region track` and the capture model only
    // tracks when asked to (by the flag or the configuration).
    let mode = if args.track { config::RegionMode::Track } else { config::RegionMode::Auto };
    let choice = RegionChoice { mode, max_hands: args.max_hands.map(usize::from), ..RegionChoice::default() };
    let track = choice.settings(file.as_ref(), false)?;
    let region = file.as_ref().map(config::Loaded::region_table).transpose()?.flatten().and_then(|(region, _)| region).filter(|_| track.is_none());
    let tracker = match &track {
        Some(t) => {
            let classifier = crate::load(&model, beckon::model::F16Request::Off)?;
            let finder = hand_finder(t, &classifier, None)?;
            eprintln!("saving the hand crops {} sees (frames without a hand are skipped)", model.display());
            Some((finder, classifier))
        }
        None => None,
    };
    let shutdown = Shutdown::on_signals()?;
    let mut frames = beckon::camera::open(&source, &shutdown)?;
    let count = args.count.unwrap_or(20);
    eprintln!("capturing {count} frames of {label:?} from {} into {}", frames.describe(), out.join(&label).display());
    for s in (1..=args.countdown).rev() {
        eprintln!("  {s}…");
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    let replay = matches!(source, Source::Replay { .. });
    let every = args.every.unwrap_or(if replay { 0 } else { 500 });
    let count = usize::try_from(count)?;
    let job = beckon::capture::CaptureJob { root: out.clone(), label: label.clone(), count, every: std::time::Duration::from_millis(every), region };
    let mut tracker = tracker;
    let hand = tracker.as_mut().map(|(f, c)| (f, &*c));
    let saved = beckon::capture::capture(
        frames.as_mut(),
        &job,
        &shutdown,
        hand,
        |n, path| say!("saved {n}/{count} {}", path.display()),
        |name| eprintln!("no hand in {name}: skipped"),
    )?;
    if saved.len() < count {
        let thinned =
            if every > 0 { format!("; --every {every} dropped frames that came sooner than {every} ms after the last saved one") } else { String::new() };
        eprintln!("note: the source ended after {} of {count} frames{thinned}", saved.len());
    }
    let next = match &track {
        Some(_) => format!("beckon train --data {}", out.display()),
        None => format!("beckon-train fit --data {} --out my-model", out.display()),
    };
    say!("done: {} frames in {}; train with: {next}", saved.len(), out.join(&label).display());
    Ok(())
}

/// `beckon capture --motion NAME`: the hand followed as `beckon run` follows it, each movement
/// it makes saved as a recording of the motion.
fn motion(args: &CaptureArgs, name: &str) -> anyhow::Result<()> {
    beckon::capture::check_label(name)?;
    if beckon::motion::Motion::from_name(name).is_some() {
        anyhow::bail!("--motion {name:?}: that is a built-in motion, recognised without teaching; give yours another name");
    }
    let file = crate::config_file(args.config.as_deref(), args.replay.is_some())?;
    let model = args.model.clone().unwrap_or_else(|| crate::default_model(file.as_ref()));
    let out = args.out.clone().unwrap_or_else(|| beckon::paths::shared().motions());
    let source = match (&args.replay, args.fps) {
        (Some(path), Some(fps)) if fps > 0.0 && fps.is_finite() => Source::Replay { path: path.clone(), fps, looping: false, paced: false },
        (_, Some(fps)) => anyhow::bail!("--fps {fps}: expected a rate above 0"),
        _ => source_of(file.as_ref(), args.replay.clone().unwrap_or_else(|| beckon::paths::shared().replay()))?,
    };
    let choice = RegionChoice { mode: config::RegionMode::Track, max_hands: Some(1), ..RegionChoice::default() };
    let track =
        choice.settings(file.as_ref(), false)?.ok_or_else(|| anyhow::anyhow!("--motion follows the hand: it needs the hand-landmark model (--model)"))?;
    let classifier = crate::load(&model, beckon::model::F16Request::Off)?;
    let mut finder = hand_finder(&track, &classifier, None)?;
    let shutdown = Shutdown::on_signals()?;
    let mut frames = beckon::camera::open(&source, &shutdown)?;
    let count = usize::try_from(args.count.unwrap_or(5))?;
    eprintln!(
        "recording {count} takes of the motion {name:?} from {} into {}: make it, hold still, make it again",
        frames.describe(),
        out.join(name).display()
    );
    for s in (1..=args.countdown).rev() {
        eprintln!("  {s}…");
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    let saved = beckon::capture::capture_motion(frames.as_mut(), &mut finder, &classifier, name, count, &out, &shutdown, |n, path| {
        say!("saved take {n}/{count} {}", path.display())
    })?;
    if saved.len() < count {
        eprintln!("note: the source ended after {} of {count} takes", saved.len());
    }
    let (taught, problems) = beckon::motion::taught::load_dir(&out)?;
    match (taught.iter().find(|t| t.name == name), problems.iter().find(|(n, _)| n == name)) {
        (Some(t), _) => say!("done: {} takes in {}; beckon run recognises {name:?} (threshold {:.3})", saved.len(), out.join(name).display(), t.threshold),
        (None, Some((_, e))) => say!("done: {} takes in {}; not usable yet: {e}", saved.len(), out.join(name).display()),
        (None, None) => say!("done: no take saved"),
    }
    Ok(())
}
