//! `beckon run`: the device session, printed. The flags become a [`Plan`] here (resolved once);
//! the session itself is in the library ([`beckon::session`]).

use beckon::config::EventFormat;
use beckon::model::options;
use beckon::runner::{FrameReport, StatsSummary};
use beckon::session::{FlagOutputs, PagePlan, Plan, Session};

use crate::run_args::{GpioBackend, RunArgs, source_from_flags};

pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    options::set_threads(args.threads)?;
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
