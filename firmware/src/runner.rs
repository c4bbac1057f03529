//! The frame loop: source → classify → smooth → LEDs, one [`FrameReport`] per frame.

use std::time::{Duration, Instant};

use embedded_hal::digital::OutputPin;

use crate::camera::FrameSource;
use crate::error::Result;
use crate::gpio::LedBank;
use crate::model::{Classifier, Prediction};
use crate::shutdown::Shutdown;
use crate::smooth::Smoother;

/// What happened on one frame.
#[derive(Debug, Clone)]
pub struct FrameReport {
    /// Frame number, from 0.
    pub number: u64,
    /// Frame name (file name for replay).
    pub name: String,
    /// The raw prediction for this frame.
    pub prediction: Prediction,
    /// The smoothed gesture (label index), if any label is confident.
    pub gesture: Option<usize>,
    /// Its averaged probability.
    pub gesture_probability: f32,
    /// True when the gesture differs from the previous frame's.
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
    smoother: &mut Smoother,
    leds: &mut LedBank<P>,
    limits: &Limits,
    mut on_frame: impl FnMut(&FrameReport),
) -> Result<RunSummary> {
    let result = run_inner(classifier, source, smoother, leds, limits, &mut on_frame);
    let off = leds.all_off();
    let summary = result?;
    off?;
    Ok(summary)
}

fn run_inner<P: OutputPin>(
    classifier: &Classifier,
    source: &mut dyn FrameSource,
    smoother: &mut Smoother,
    leds: &mut LedBank<P>,
    limits: &Limits,
    on_frame: &mut dyn FnMut(&FrameReport),
) -> Result<RunSummary> {
    let mut summary = RunSummary::default();
    let mut current: Option<usize> = None;
    while limits.max_frames.is_none_or(|m| summary.frames < m) && !limits.shutdown.requested() {
        let Some(frame) = source.next_frame()? else { break };
        let start = Instant::now();
        let prediction = classifier.classify(&frame.image)?;
        let (gesture, gesture_probability) = smoother.push(&prediction.probabilities);
        let changed = gesture != current || summary.frames == 0;
        if changed {
            leds.show(gesture)?;
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
