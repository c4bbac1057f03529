//! The frame loop: source → classify → decide (smoothing, hysteresis) → actions → outputs,
//! one [`FrameReport`] per frame.

use std::time::{Duration, Instant};

use embedded_hal::digital::OutputPin;

use crate::camera::FrameSource;
use crate::decide::{Decider, DecisionRules};
use crate::error::Result;
use crate::gpio::actions::Actuator;
use crate::gpio::{LedBank, LedMap};
use crate::hand::{HandFinder, HandView};
use crate::model::{Classifier, Prediction};
use crate::preprocess::{Region, crop_region};
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
    /// Where the time went.
    pub timings: StageTimings,
    /// With hand tracking: where the hand was found (palm box, rotated crop, landmarks in frame
    /// pixels).
    pub hand: Option<HandView>,
    /// With hand tracking: whether the palm detector ran on this frame.
    pub detector_ran: bool,
}

/// Time spent in each stage for one frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimings {
    /// Waiting for and decoding the frame.
    pub capture: Duration,
    /// Region crop, centre square, resize, tensor (with tracking: letterbox, rotated crops,
    /// decoding, mapping points back).
    pub preprocess: Duration,
    /// With tracking: the palm detector in tract (0 on frames where it did not run).
    pub detector: Duration,
    /// tract (the model; with tracking, every landmark pass of the frame).
    pub inference: Duration,
    /// Smoothing, hysteresis, actions.
    pub decision: Duration,
    /// Driving the outputs.
    pub gpio: Duration,
}

/// Frame rate and mean stage timings over a period, for the periodic log line.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    started: Option<std::time::Instant>,
    frames: u32,
    detector_runs: u32,
    sum: StageTimings,
}

/// One period's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatsSummary {
    pub frames: u32,
    /// Frames on which the palm detector ran (tracking only).
    pub detector_runs: u32,
    pub fps: f64,
    /// Means per frame.
    pub mean: StageTimings,
}

impl Stats {
    /// Adds a frame.
    pub fn push(&mut self, t: &StageTimings, detector_ran: bool) {
        self.started.get_or_insert_with(std::time::Instant::now);
        self.frames += 1;
        self.detector_runs += u32::from(detector_ran);
        self.sum.capture += t.capture;
        self.sum.preprocess += t.preprocess;
        self.sum.detector += t.detector;
        self.sum.inference += t.inference;
        self.sum.decision += t.decision;
        self.sum.gpio += t.gpio;
    }

    /// The figures since the last summary once `every` has passed (then starts a new period).
    pub fn take_if_due(&mut self, every: Duration) -> Option<StatsSummary> {
        let elapsed = self.started?.elapsed();
        if elapsed < every || self.frames == 0 {
            return None;
        }
        let n = self.frames;
        let runs = self.detector_runs;
        let s = self.sum;
        *self = Stats::default();
        Some(StatsSummary {
            frames: n,
            detector_runs: runs,
            fps: f64::from(n) / elapsed.as_secs_f64(),
            mean: StageTimings {
                capture: s.capture / n,
                preprocess: s.preprocess / n,
                detector: s.detector / n,
                inference: s.inference / n,
                decision: s.decision / n,
                gpio: s.gpio / n,
            },
        })
    }
}

/// Totals over a run.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub frames: u64,
    pub gesture_changes: u64,
    pub total_latency: Duration,
    pub total_inference: Duration,
    /// With tracking: frames on which the palm detector ran, and its total time.
    pub detector_runs: u64,
    pub total_detector: Duration,
}

/// The per-frame stages after the model: region of interest (before it), decision, actions.
#[derive(Debug)]
pub struct Pipeline {
    /// Part of the frame fed to the model; `None` = the centred square.
    pub region: Option<Region>,
    /// Find the hand anywhere instead (then `region` is not used).
    pub hand: Option<HandFinder>,
    pub decider: Decider,
    pub actuator: Actuator,
}

impl Pipeline {
    /// The simplest pipeline: the centred square, a moving average over `window` frames with
    /// one `threshold`, and each label holding the pins `map` gives it.
    pub fn simple(map: &LedMap, window: usize, threshold: f32) -> Result<Self> {
        Ok(Self {
            region: None,
            hand: None,
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
    /// Stop (after the current frame) to go on with another model (outputs go off as at any
    /// stop; the caller starts the next round).
    pub switch: Shutdown,
}

/// Runs frames from `source` until it ends, a limit is reached or a shutdown is requested,
/// calling `on_frame` with the report and the frame after each. LEDs are switched off when the loop ends, also on error (and,
/// through [`LedBank`]'s `Drop`, on a panic).
pub fn run<P: OutputPin>(
    classifier: &Classifier,
    source: &mut dyn FrameSource,
    pipeline: &mut Pipeline,
    leds: &mut LedBank<P>,
    limits: &Limits,
    mut on_frame: impl FnMut(&FrameReport, &image::RgbImage),
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
    on_frame: &mut dyn FnMut(&FrameReport, &image::RgbImage),
) -> Result<RunSummary> {
    let mut summary = RunSummary::default();
    let mut current: Option<usize> = None;
    let t0 = Instant::now();
    while limits.max_frames.is_none_or(|m| summary.frames < m) && !limits.shutdown.requested() && !limits.switch.requested() {
        let waited = Instant::now();
        let Some(frame) = source.next_frame()? else { break };
        let start = Instant::now();
        let (prediction, hand, detector, detector_ran) = match (&mut pipeline.hand, &pipeline.region) {
            (Some(finder), _) => {
                let found = finder.process(&frame.image, classifier)?;
                (found.prediction, found.hand, found.detector, found.detector_ran)
            }
            (None, Some(r)) => (classifier.classify(&crop_region(&frame.image, r))?, None, Duration::ZERO, false),
            (None, None) => (classifier.classify(&frame.image)?, None, Duration::ZERO, false),
        };
        let classified = Instant::now();
        let now = t0.elapsed();
        let decision = pipeline.decider.push(&prediction.probabilities, now);
        pipeline.actuator.on_events(&decision.events, now);
        let levels = pipeline.actuator.levels(now);
        let decided = Instant::now();
        leds.drive(&levels)?;
        let timings = StageTimings {
            capture: start - waited,
            preprocess: (classified - start).saturating_sub(prediction.inference + detector),
            detector,
            inference: prediction.inference,
            decision: decided - classified,
            gpio: decided.elapsed(),
        };
        let (gesture, gesture_probability) = (decision.active, decision.score);
        let changed = gesture != current || summary.frames == 0;
        if changed {
            current = gesture;
            summary.gesture_changes += 1;
        }
        let latency = start.elapsed();
        summary.total_latency += latency;
        summary.total_inference += prediction.inference;
        summary.total_detector += detector;
        summary.detector_runs += u64::from(detector_ran);
        let report = FrameReport {
            number: summary.frames,
            name: frame.name.clone(),
            prediction,
            gesture,
            gesture_probability,
            changed,
            leds: leds.describe(),
            latency,
            timings,
            hand,
            detector_ran,
        };
        summary.frames += 1;
        on_frame(&report, &frame.image);
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_average_each_stage_over_the_period_then_restart() {
        let ms = Duration::from_millis;
        let mut s = Stats::default();
        assert!(s.take_if_due(Duration::ZERO).is_none(), "no frame yet");
        s.push(&StageTimings { capture: ms(10), preprocess: ms(2), detector: ms(0), inference: ms(6), decision: ms(0), gpio: ms(1) }, false);
        s.push(&StageTimings { capture: ms(30), preprocess: ms(4), detector: ms(10), inference: ms(8), decision: ms(2), gpio: ms(1) }, true);
        assert!(s.take_if_due(Duration::from_secs(3600)).is_none(), "not due yet");
        let sum = s.take_if_due(Duration::ZERO).unwrap();
        assert_eq!(sum.frames, 2);
        assert_eq!(sum.mean, StageTimings { capture: ms(20), preprocess: ms(3), detector: ms(5), inference: ms(7), decision: ms(1), gpio: ms(1) });
        assert_eq!(sum.detector_runs, 1);
        assert!(sum.fps > 0.0);
        assert!(s.take_if_due(Duration::ZERO).is_none(), "a new period starts empty");
    }
}
