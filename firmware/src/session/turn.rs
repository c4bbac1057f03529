//! A session's turn with one model: the frame loop with its page, events and actions, and the
//! pieces started for a model (page, notifier) or moved to the next one.

use super::{Observer, Plan, Round, Session};
use crate::actions::Notifier;
use crate::error::Result;
use crate::preview::Preview;
use crate::runner::{self, FrameReport};
use crate::shutdown::Shutdown;

/// Runs the session's round until the frames end, a stop, `max_frames`, or the page asks for
/// another model that can run: (frames run, that model's round, ready). A model that cannot run
/// is refused while the frames go on: outputs, senders and decisions stay as they are.
pub(super) fn run_round(s: &mut Session, max_frames: Option<u64>, observer: &mut dyn Observer) -> Result<(u64, Option<Round>)> {
    let Session { plan, round, source, preview, shutdown, outputs, notifier } = s;
    let info = round.classifier.info().clone();
    let mut pipeline = round.pipeline(source.as_ref(), plan.threads)?;
    for line in round.describe(&pipeline) {
        observer.line(&line);
    }
    observer.line(&format!("source {}", source.describe()));
    let name = |g: Option<usize>| match g {
        Some(i) => format!("{:?}", info.labels[i]),
        None => "none".to_string(),
    };
    let mut previous: Option<usize> = None;
    let stop = shutdown.clone();
    let switch = Shutdown::new();
    let limits = runner::Limits { max_frames, shutdown: shutdown.clone(), switch: switch.clone() };
    let mut next_model = None;
    let mut stats = runner::Stats::default();
    let mut last_stats = None;
    let preview = preview.as_ref();
    let page_region = pipeline.region;
    let page = crate::preview::Page { region: page_region.as_ref(), tracking: round.track.is_some(), labels: &info.labels, input_size: info.input_size };
    let json = plan.json;
    let notifier = &*notifier;
    let summary = runner::run(&round.classifier, source.as_mut(), &mut pipeline, &mut outputs.bank, &limits, |r: &FrameReport, frame| {
        if let Some(p) = preview {
            p.update(frame, r, &page, last_stats.as_ref());
            if let Some(next) = p.take_switch() {
                match Round::prepare(plan, next.clone()) {
                    Ok(ready) => {
                        next_model = Some(ready);
                        switch.request();
                    }
                    Err(e) => {
                        observer.line(&format!("cannot switch to {}: {e}; going on with {}", next.display(), round.model.display()));
                        p.switched(&next, Err(e.to_string()));
                    }
                }
            }
        }
        stats.push(&r.timings, r.detector_ran);
        if !plan.stats_every.is_zero()
            && let Some(st) = stats.take_if_due(plan.stats_every)
        {
            last_stats = Some(st);
            observer.stats(&st);
        }
        observer.frame(r, &info.labels);
        for g in r.hands.iter().filter(|g| g.changed) {
            let event = (json || preview.is_some()).then(|| crate::events::hand_change(r, &info.labels, g));
            match &event {
                Some(e) if json => observer.event(e),
                _ => observer.line(&format!(
                    "gesture change at frame {} ({}): {} hand {} -> {}; LEDs {}",
                    r.number,
                    r.name,
                    g.side,
                    name(g.previous),
                    name(g.gesture),
                    r.leds
                )),
            }
            if let (Some(p), Some(e)) = (preview, event) {
                p.event(e);
            }
            if g.previous != g.gesture {
                notifier.gesture_change(Some(g.side), g.previous, g.gesture, g.probability, crate::events::now_ms());
            }
        }
        for m in &r.motions {
            let event = (json || preview.is_some()).then(|| crate::events::motion(r, &info.labels, m));
            match &event {
                Some(e) if json => observer.event(e),
                _ => observer.line(&motion_line(r, &info.labels, m)),
            }
            if let (Some(p), Some(e)) = (preview, event) {
                p.event(e);
            }
            notifier.motion(m, crate::events::now_ms());
        }
        if r.changed && r.hands.is_empty() {
            let event = (json || preview.is_some()).then(|| crate::events::gesture_change(r, &info.labels, previous));
            match &event {
                Some(e) if json => observer.event(e),
                _ => observer.line(&format!("gesture change at frame {} ({}): {} -> {}; LEDs {}", r.number, r.name, name(previous), name(r.gesture), r.leds)),
            }
            if let (Some(p), Some(e)) = (preview, event) {
                p.event(e);
            }
            if previous != r.gesture {
                notifier.gesture_change(None, previous, r.gesture, r.gesture_probability, crate::events::now_ms());
            }
            previous = r.gesture;
        }
        if observer.gone() {
            stop.request();
        }
    })?;
    let n = summary.frames.max(1) as f64;
    let transitions = if round.cfg.backend == "sim" { outputs.log.transitions().len().to_string() } else { "-".into() };
    let skipped = match source.skipped() {
        0 => String::new(),
        n => format!(" ({n} skipped: unreadable or cut short)"),
    };
    observer.line(&format!(
        "done: {} frames{skipped}, {} gesture changes, {} simulated LED transitions, latency per frame mean {:.2} ms (inference {:.2} ms)",
        summary.frames,
        summary.gesture_changes,
        transitions,
        summary.total_latency.as_secs_f64() * 1e3 / n,
        summary.total_inference.as_secs_f64() * 1e3 / n
    ));
    if round.track.is_some() {
        let hard = match summary.hard_looks {
            0 => String::new(),
            // More than one detector pass: a new view with no hand found (a hard look), or a
            // hand just lost looked for (a few extra looks a frame).
            h => format!(", {h} of them with extra looks: a new view with no hand, or a hand just lost"),
        };
        observer.line(&format!(
            "hand: palm detector ran on {} of {} frames (mean {:.2} ms when it ran{hard}); landmark model {:.2} ms a frame ({} passes, {:.2} ms a pass)",
            summary.detector_runs,
            summary.frames,
            summary.total_detector.as_secs_f64() * 1e3 / summary.detector_runs.max(1) as f64,
            summary.total_inference.as_secs_f64() * 1e3 / n,
            summary.landmark_passes,
            summary.total_inference.as_secs_f64() * 1e3 / summary.landmark_passes.max(1) as f64
        ));
    }
    Ok((summary.frames, next_model))
}

/// The preview page, if the plan has one; its Teach panel with a hand-landmark model.
pub(super) fn start_page(plan: &Plan, round: &Round, observer: &mut dyn Observer) -> Result<Option<Preview>> {
    let Some(page) = &plan.page else { return Ok(None) };
    let settings = round.cfg.preview.as_ref();
    let addr = crate::preview::check_listen(&page.listen, settings.is_some_and(|p| p.allow_remote))?;
    let token = settings.map(|p| p.token()).transpose()?.flatten();
    let names = settings.map(|p| p.host_names.clone()).unwrap_or_default();
    let p = Preview::start(addr, page.dataset.clone(), token, &names)?;
    if round.classifier.info().no_hand_label.is_some() && round.classifier.has_landmarks() {
        let config = plan.file.as_ref().map(|f| f.duplicate()).transpose()?;
        let mirror = round.track.as_ref().is_some_and(|t| t.mirror);
        p.enable_teaching(page.dataset.clone(), round.model.clone(), plan.model.clone(), config, mirror);
    }
    observer.line(&format!("preview on http://{}/", p.addr()));
    Ok(Some(p))
}

/// The broker connection and remote actions of the round's configuration (says where it
/// publishes).
pub(super) fn start_notifier(round: &Round, observer: &mut dyn Observer) -> Notifier {
    let cfg = &round.cfg;
    if let Some(m) = &cfg.mqtt {
        observer.line(&format!(
            "mqtt: broker {}:{} as {:?}; state on {}/gesture, events on {}/event{}",
            m.host,
            m.port,
            m.client_id,
            m.topic,
            m.topic,
            if m.discovery { format!(", Home Assistant discovery under {}/", m.discovery_prefix) } else { String::new() }
        ));
    }
    let (gestures, name) = round.announced();
    Notifier::start(cfg.mqtt.as_ref(), cfg.remote.clone(), &round.classifier.info().labels, &gestures, &name, round.per_hand)
}

/// Points the running notifier at the new round's labels and actions (same connection).
pub(super) fn retarget_notifier(notifier: &mut Notifier, round: &Round) {
    let (gestures, name) = round.announced();
    notifier.retarget(round.cfg.remote.clone(), &round.classifier.info().labels, &gestures, &name, round.per_hand);
}

/// `motion at frame 48 (0003_0017.jpg): swipe-left, right hand, pose "5", 0.42 s, confidence 0.93`
fn motion_line(r: &crate::runner::FrameReport, labels: &[String], m: &crate::motion::MotionEvent) -> String {
    let hand = m.side.map(|s| format!(", {} hand", s.as_str())).unwrap_or_default();
    let pose = m.pose.and_then(|p| labels.get(p)).map(|l| format!(", pose {l:?}")).unwrap_or_default();
    format!("motion at frame {} ({}): {}{hand}{pose}, {:.2} s, confidence {:.2}", r.number, r.name, m.motion.name(), m.end - m.start, m.confidence)
}
