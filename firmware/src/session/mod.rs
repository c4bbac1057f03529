//! The device session: what `beckon run` and the service keep up while they run — the camera,
//! the preview page, the outputs, the broker connection and the actions — and the model, which
//! the page's Teach panel can replace without a restart. A switch replaces only the model and
//! what depends on its labels (decisions, which action fires on which label, Home Assistant's
//! event types, announced again on the same connection); the outputs stay claimed and the
//! connection stays up. The switched-to model is remembered in the state directory and used
//! again at the next start ([`state`]).
//!
//! - [`plan`]: the run's settings, resolved once from flags and configuration.
//! - [`round`]: one model's part.
//! - [`state`]: what lasts across restarts.
//!
//! The binary prints what the session tells its [`Observer`]; the logic is here.

pub mod plan;
pub mod round;
pub mod state;
mod turn;

use crate::actions::Notifier;
use crate::camera::FrameSource;
use crate::error::Result;
use crate::gpio::{AnyPin, LedBank, TransitionLog};
use crate::preview::Preview;
use crate::runner::{FrameReport, StatsSummary};
use crate::shutdown::Shutdown;

pub use plan::{FlagOutputs, PagePlan, Plan, RegionChoice};
pub use round::Round;

/// Where a session's lines, frames and events go (the binary prints them).
pub trait Observer {
    /// A line for the user: what runs, a gesture change (unless events are JSON), a switch, the
    /// closing summary.
    fn line(&mut self, text: &str);
    /// Every frame's report, with the labels of the model that made it.
    fn frame(&mut self, _report: &FrameReport, _labels: &[String]) {}
    /// A gesture change as a JSON event (only with [`Plan::json`]).
    fn event(&mut self, _json: &str) {}
    /// The periodic timings.
    fn stats(&mut self, _stats: &StatsSummary) {}
    /// Nobody reads any more (a closed pipe): the session stops as on a signal.
    fn gone(&self) -> bool {
        false
    }
}

/// A running device (see the module).
pub struct Session {
    plan: Plan,
    round: Round,
    source: Box<dyn FrameSource + Send>,
    preview: Option<Preview>,
    shutdown: Shutdown,
    outputs: Outputs,
    notifier: Notifier,
}

/// The claimed output pins, kept while the backend, pins and wiring stay the same.
struct Outputs {
    bank: LedBank<AnyPin>,
    log: TransitionLog,
    key: (String, Vec<u8>, Vec<u8>),
}

impl Outputs {
    fn open(cfg: &crate::config::Config) -> Result<Self> {
        let log = TransitionLog::default();
        let bank = crate::gpio::backend::open(&cfg.backend, &cfg.pins, &cfg.active_low, &log)?;
        Ok(Self { bank, log, key: (cfg.backend.clone(), cfg.pins.clone(), cfg.active_low.clone()) })
    }

    /// The same pins for `cfg`: kept as they are if it asks for the same, else reopened.
    fn follow(&mut self, cfg: &crate::config::Config) -> Result<()> {
        if self.key != (cfg.backend.clone(), cfg.pins.clone(), cfg.active_low.clone()) {
            *self = Self::open(cfg)?;
        }
        Ok(())
    }
}

impl Session {
    /// Loads the model (the one remembered in use, if it still loads, else the plan's), opens
    /// the camera (an `auto` source with none attached waits for one), the page, the outputs
    /// and the broker connection. `Ok(None)`: stopped by a signal before a camera came.
    pub fn start(plan: Plan, observer: &mut dyn Observer) -> Result<Option<Self>> {
        let round = first_round(&plan, observer)?;
        let shutdown = Shutdown::on_signals()?;
        let Some(source) = crate::camera::open_waiting(&round.cfg.source, &shutdown, |m| observer.line(m))? else {
            observer.line("stopped by signal before a camera was found");
            return Ok(None);
        };
        // The threads' split ([`plan::Threads`]), decided for the first model (a switch to
        // one of the other kind keeps the prefetch and tract's threads).
        let threads = plan::Threads::split(plan.threads, round.track.is_some());
        crate::model::options::set_threads(threads.tract)?;
        let source: Box<dyn FrameSource + Send> = if threads.prefetch { Box::new(crate::camera::prefetch::Prefetch::start(source)?) } else { source };
        let preview = turn::start_page(&plan, &round, observer)?;
        let outputs = Outputs::open(&round.cfg)?;
        let notifier = turn::start_notifier(&round, observer);
        Ok(Some(Self { plan, round, source, preview, shutdown, outputs, notifier }))
    }

    /// Runs until the frames end, a stop or `max_frames`, going on with another model whenever
    /// the page asks (a model that cannot run is refused and the current one goes on).
    pub fn run(mut self, observer: &mut dyn Observer) -> Result<()> {
        let mut frames_left = self.plan.max_frames;
        loop {
            let (frames, next) = turn::run_round(&mut self, frames_left, observer)?;
            frames_left = frames_left.map(|m| m.saturating_sub(frames));
            let Some(next) = next.filter(|_| frames_left != Some(0) && !self.shutdown.requested()) else { break };
            self.switch(next, observer);
        }
        self.finish(observer);
        Ok(())
    }

    /// Goes on with `next` (prepared while the frames went on), or says why not and keeps the
    /// current round.
    fn switch(&mut self, next: Round, observer: &mut dyn Observer) {
        let model = next.model.clone();
        if let Err(e) = self.outputs.follow(&next.cfg) {
            observer.line(&format!("cannot switch to {}: {e}; going on with {}", model.display(), self.round.model.display()));
            self.preview.as_ref().inspect(|p| p.switched(&model, Err(e.to_string())));
            return;
        }
        if model == self.round.model {
            observer.line(&format!("{}: its outputs changed; going on with them", model.display()));
        } else {
            observer.line(&format!("switched to {} (from {})", model.display(), self.round.model.display()));
        }
        self.round = next;
        turn::retarget_notifier(&mut self.notifier, &self.round);
        if let Some(state) = &self.plan.state {
            let remembered = (model != self.plan.model).then_some(model.as_path());
            if let Err(e) = state::set_active_model(state, remembered) {
                observer.line(&format!("warning: {e}"));
            }
        }
        self.preview.as_ref().inspect(|p| p.switched(&model, Ok(())));
    }

    /// The closing lines; outputs off, the broker told `offline`.
    fn finish(self, observer: &mut dyn Observer) {
        let Session { mut outputs, notifier, shutdown, .. } = self;
        let _ = outputs.bank.all_off();
        if shutdown.requested() && !observer.gone() {
            observer.line("stopped by signal");
        }
        observer.line(&format!("outputs at exit: {}", outputs.bank.describe()));
        let dropped = notifier.dropped();
        // Queued messages, requests and "offline" go out if they can; the broker's last will
        // covers the rest; a command still running then is killed.
        notifier.stop(std::time::Duration::from_secs(2));
        if dropped > 0 {
            observer.line(&format!("actions: {dropped} messages, requests or commands left out (a queue was full, or a command still ran)"));
        }
    }
}

/// The model to start with: the one remembered in use if it still loads, else the plan's.
fn first_round(plan: &Plan, observer: &mut dyn Observer) -> Result<Round> {
    if let Some(remembered) = plan.state.as_deref().and_then(state::active_model).filter(|m| *m != plan.model) {
        match Round::prepare(plan, remembered.clone()) {
            Ok(round) => {
                observer.line(&format!("model in use since the last switch: {} (the configured one is {})", remembered.display(), plan.model.display()));
                return Ok(round);
            }
            Err(e) => {
                observer.line(&format!("the model in use before, {}, cannot run: {e}; going on with {}", remembered.display(), plan.model.display()));
                if let Some(s) = &plan.state {
                    let _ = state::set_active_model(s, None);
                }
            }
        }
    }
    Round::prepare(plan, plan.model.clone())
}
