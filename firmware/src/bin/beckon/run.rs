//! `beckon run`: the device session, printed. The flags become a [`Plan`] here (resolved once);
//! the session itself is in the library ([`beckon::session`]).

use beckon::config::EventFormat;
use beckon::runner::{FrameReport, StatsSummary};
use beckon::session::{FlagOutputs, PagePlan, Plan, Session};

use beckon::config;
use beckon::session::RegionChoice;

use crate::run_args::{GpioBackend, RegionMode, RunArgs, SourceKind, source_from_flags};

pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let plan = plan(args)?;
    if plan.json {
        crate::out::events_only();
    }
    let mut printer = Printer { quiet: args.quiet };
    if let Some(session) = Session::start(plan, &mut printer)? {
        session.run(&mut printer)?;
    }
    Ok(())
}

/// The flags (and the configuration they name or the installed one) resolved once.
fn plan(args: &RunArgs) -> anyhow::Result<Plan> {
    let paths = beckon::paths::shared();
    let file = crate::config_file(args.config.as_deref(), args.describes_the_run())?;
    let threads = match args.threads {
        Some(0) => anyhow::bail!("--threads 0: expected 1 or more"),
        Some(t) => t,
        None => file.as_ref().map(|f| f.threads()).transpose()?.flatten().unwrap_or(1),
    };
    let model = args.model.clone().or_else(|| file.as_ref().and_then(|f| f.model())).unwrap_or_else(|| paths.model());
    let json = match args.events.as_deref() {
        Some(format) => EventFormat::parse(format).map_err(anyhow::Error::msg)?,
        None => file.as_ref().map_or(Ok(EventFormat::default()), |f| f.events())?,
    } == EventFormat::Json;
    let preview = file.as_ref().and_then(|f| f.file.preview.clone());
    let page = args.preview.clone().or(preview.as_ref().map(|p| p.listen.clone())).map(|listen| PagePlan {
        listen,
        dataset: args.dataset.clone().unwrap_or_else(|| preview.as_ref().map_or_else(|| paths.dataset(), |p| p.dataset.clone())),
    });
    let backend = match args.gpio {
        GpioBackend::Sim => "sim",
        GpioBackend::Rppal => "rppal",
        GpioBackend::Gpiocdev => "gpiocdev",
    };
    Ok(Plan {
        model,
        flags: FlagOutputs {
            source: source_from_flags(args),
            leds: args.leds.clone(),
            backend: backend.into(),
            window: args.window,
            threshold: args.threshold,
        },
        region: args.region_choice(),
        precision: args.precision.request(),
        layout: args.precision.layout(),
        max_frames: args.max_frames,
        page,
        json,
        stats_every: std::time::Duration::from_secs_f64(args.stats_every.max(0.0)),
        state: paths.state.clone(),
        threads,
        file,
    })
}

/// Prints what the session tells: lines on stdout (stderr with JSON events), frames unless
/// quiet, events, stats through the log.
struct Printer {
    quiet: bool,
}

impl beckon::session::Observer for Printer {
    fn line(&mut self, text: &str) {
        say!("{text}");
    }

    fn frame(&mut self, report: &FrameReport, labels: &[String]) {
        if !self.quiet {
            say!("{}", crate::frame_lines::frame(report, labels));
        }
    }

    fn event(&mut self, json: &str) {
        crate::out::event(format_args!("{json}"));
    }

    fn stats(&mut self, s: &StatsSummary) {
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

    fn gone(&self) -> bool {
        crate::out::closed()
    }
}

impl RunArgs {
    /// How the hand is found, as the flags ask (the configuration's `[region]` fills the rest).
    pub fn region_choice(&self) -> RegionChoice {
        RegionChoice {
            mode: match self.region {
                RegionMode::Auto => config::RegionMode::Auto,
                RegionMode::Fixed => config::RegionMode::Fixed,
                RegionMode::Track => config::RegionMode::Track,
            },
            no_tracking: self.no_tracking,
            idle_detect: self.idle_detect_ms.map(std::time::Duration::from_millis),
            second_look: self.second_look,
            second_opinion: self.second_opinion,
            refine: self.refine,
            plain_look: self.plain_look,
            extra_looks_always: self.extra_looks_always,
            max_hands: self.max_hands.map(usize::from),
            second_hand_detect: self.second_hand_detect_ms.map(std::time::Duration::from_millis),
            mirror: self.mirror,
            no_motions: self.no_motions,
        }
    }

    /// Whether flags that a configuration file would describe (source, decisions, pins) were
    /// given: then the installed configuration is not read unless named with --config.
    pub fn describes_the_run(&self) -> bool {
        self.source != SourceKind::Replay
            || self.replay.is_some()
            || self.fps != 0.0
            || self.looping
            || self.window != 1
            || self.threshold != 0.5
            || !self.leds.is_empty()
            || self.gpio != GpioBackend::Sim
    }
}
