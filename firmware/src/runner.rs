//! The frame loop: source → classify → decide (smoothing, hysteresis) → actions → outputs,
//! one [`FrameReport`] per frame.

use std::time::{Duration, Instant};

use embedded_hal::digital::OutputPin;

use crate::camera::FrameSource;
use crate::error::Result;
use crate::decide::{DecisionRules, Decider};
use crate::gpio::actions::Actuator;
use crate::gpio::{LedBank, LedMap};
use crate::model::{Classifier, Prediction};
use crate::preprocess::{crop_region, Region};
use crate::shutdown::Shutdown;

/// What happened on one frame.
#[derive(Debug, Clone)]
pub struct FrameReport {
    /// Frame number, from 0.
    pub number: u64,
    /// Frame name (file name for replay).
    pub name: String,
    /// The raw prediction for this frame.
    pub prediction: Prediction,
    /// The gesture in force after this frame (label index), if any.
    pub gesture: Option<usize>,
    /// Its smoothed score (or the best score when there is no gesture).
    pub gesture_probability: f32,
    /// True when the gesture differs from the previous frame's (and on the first frame).
    pub changed: bool,
    /// LED states after this frame, e.g. `GPIO17=on GPIO27=off`.
    pub leds: String,
    /// Time from frame in hand to LEDs driven (preprocess, inference, smoothing, GPIO).
    pub latency: Duration,
}

/// Totals over a run.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub frames: u64,
    pub gesture_changes: u64,
    pub total_latency: Duration,
    pub total_inference: Duration,
}

/// The per-frame stages after the model: region of interest (before it), decision, actions.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// Part of the frame fed to the model; `None` = the centred square.
    pub region: Option<Region>,
    pub decider: Decider,
    pub actuator: Actuator,
}

impl Pipeline {
    /// The simplest pipeline: the centred square, a moving average over `window` frames with
    /// one `threshold`, and each label holding the pins `map` gives it.
    pub fn simple(map: &LedMap, window: usize, threshold: f32) -> Result<Self> {
        Ok(Self {
            region: None,
            decider: Decider::new(DecisionRules::simple(window, threshold))?,
            actuator: Actuator::new(map.pins(), map.to_actions())?,
        })
    }
}

/// When the loop stops early.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// Stop after this many frames.
    pub max_frames: Option<u64>,
    /// Stop (after the current frame) once this is requested, e.g. by SIGTERM.
    pub shutdown: Shutdown,
}

/// Runs frames from `source` until it ends, a limit is reached or a shutdown is requested,
/// calling `on_frame` after each. LEDs are switched off when the loop ends, also on error (and,
/// through [`LedBank`]'s `Drop`, on a panic).
pub fn run<P: OutputPin>(
    classifier: &Classifier,
    source: &mut dyn FrameSource,
    pipeline: &mut Pipeline,
    leds: &mut LedBank<P>,
    limits: &Limits,
    mut on_frame: impl FnMut(&FrameReport),
) -> Result<RunSummary> {
    let result = run_inner(classifier, source, pipeline, leds, limits, &mut on_frame);
    let off = leds.all_off();
    let summary = result?;
    off?;
    Ok(summary)
}

fn run_inner<P: OutputPin>(
    classifier: &Classifier,
    source: &mut dyn FrameSource,
    pipeline: &mut Pipeline,
    leds: &mut LedBank<P>,
    limits: &Limits,
    on_frame: &mut dyn FnMut(&FrameReport),
) -> Result<RunSummary> {
    let mut summary = RunSummary::default();
    let mut current: Option<usize> = None;
    let t0 = Instant::now();
    while limits.max_frames.is_none_or(|m| summary.frames < m) && !limits.shutdown.requested() {
        let Some(frame) = source.next_frame()? else { break };
        let start = Instant::now();
        let prediction = match &pipeline.region {
            Some(r) => classifier.classify(&crop_region(&frame.image, r))?,
            None => classifier.classify(&frame.image)?,
        };
        let now = t0.elapsed();
        let decision = pipeline.decider.push(&prediction.probabilities, now);
        pipeline.actuator.on_events(&decision.events, now);
        leds.drive(&pipeline.actuator.levels(now))?;
        let (gesture, gesture_probability) = (decision.active, decision.score);
        let changed = gesture != current || summary.frames == 0;
        if changed {
            current = gesture;
            summary.gesture_changes += 1;
        }
        let latency = start.elapsed();
        summary.total_latency += latency;
        summary.total_inference += prediction.inference;
        let report = FrameReport {
            number: summary.frames,
            name: frame.name,
            prediction,
            gesture,
            gesture_probability,
            changed,
            leds: leds.describe(),
            latency,
        };
        summary.frames += 1;
        on_frame(&report);
    }
    Ok(summary)
}
