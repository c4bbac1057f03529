//! The frame loop: source → classify → decide (smoothing, hysteresis) → actions → outputs,
//! one [`FrameReport`] per frame. With [`Pipeline::per_hand`] each hand (left, right) has its
//! own decisions, so two hands never cut each other's gestures short. With
//! [`Pipeline::motions`], the tracked hands' paths give motion events too.

use std::time::{Duration, Instant};

use embedded_hal::digital::OutputPin;

use crate::actions::Actuator;
use crate::camera::FrameSource;
use crate::decide::{Decider, DecisionRules};
use crate::error::Result;
use crate::gpio::{LedBank, LedMap};
use crate::hand::{Found, HandFinder, HandView, Seen, Side};
use crate::model::{Classifier, Prediction};
use crate::preprocess::{Region, crop_region};
use crate::shutdown::Shutdown;
pub use crate::stats::{RunSummary, StageTimings, Stats, StatsSummary};

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
    /// With two hands in view (`max_hands` 2): the other one.
    pub others: Vec<Seen>,
    /// With [`Pipeline::per_hand`]: each hand's gesture after this frame, left then right
    /// (`gesture` above is then the first hand in view's; `changed`, whether either changed).
    pub hands: Vec<HandGesture>,
    /// The motions that ended on this frame ([`crate::motion`]).
    pub motions: Vec<crate::motion::MotionEvent>,
}

impl FrameReport {
    /// Every hand in view (landmarks found), first hand first, with its prediction.
    pub fn hands_in_view(&self) -> impl Iterator<Item = (&Prediction, &HandView)> {
        let first = self.hand.as_ref().filter(|h| h.landmarks.is_some()).map(|h| (&self.prediction, h));
        first.into_iter().chain(self.others.iter().map(|o| (&o.prediction, &o.view)))
    }
}

/// One hand's decision on a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct HandGesture {
    pub side: Side,
    /// The gesture in force after this frame.
    pub gesture: Option<usize>,
    /// Its smoothed score (or the best score when there is none).
    pub probability: f32,
    /// The gesture before this frame; `changed` when it differs (and on the first frame).
    pub previous: Option<usize>,
    pub changed: bool,
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
    /// Decide for each hand, left and right, on its own (each with a copy of `decider`'s
    /// rules): needs hand tracking with a model that tells the sides.
    pub per_hand: bool,
    /// Motions from the tracked hands' paths (needs tracking).
    pub motions: Option<crate::motion::Motions>,
    /// Frames worked on at once: with a hand finder and more than 1, that many copies of it
    /// each take every n-th frame on a thread of its own ([`crate::hand::workers`]).
    pub in_flight: usize,
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
            per_hand: false,
            motions: None,
            in_flight: 1,
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
    source: &mut (dyn FrameSource + Send),
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
    source: &mut (dyn FrameSource + Send),
    pipeline: &mut Pipeline,
    leds: &mut LedBank<P>,
    limits: &Limits,
    on_frame: &mut dyn FnMut(&FrameReport, &image::RgbImage),
) -> Result<RunSummary> {
    let mut run = Decisions {
        summary: RunSummary::default(),
        current: None,
        sides: pipeline.per_hand.then(|| Sides::new(&pipeline.decider, classifier)),
        t0: Instant::now(),
    };
    let go_on = |submitted: u64| limits.max_frames.is_none_or(|m| submitted < m) && !limits.shutdown.requested() && !limits.switch.requested();
    let finder = pipeline.hand.clone().filter(|_| pipeline.in_flight > 1);
    let Some(finder) = finder else {
        while go_on(run.summary.frames) {
            let waited = Instant::now();
            let Some(frame) = source.next_frame()? else { break };
            let start = Instant::now();
            let seen = classify(classifier, pipeline, &frame.image)?;
            run.frame(pipeline, leds, Classified { frame, seen, capture: start - waited, start }, on_frame)?;
        }
        return Ok(run.summary);
    };
    std::thread::scope(|scope| {
        crate::hand::workers::in_flight(scope, &finder, pipeline.in_flight, classifier, source, &go_on, |done| {
            let seen = FrameSeen::from_found(done.found?);
            run.frame(pipeline, leds, Classified { frame: done.frame, seen, capture: done.capture, start: done.started }, on_frame)
        })
    })?;
    Ok(run.summary)
}

/// What the model saw on one frame, before deciding.
struct FrameSeen {
    prediction: Prediction,
    hand: Option<HandView>,
    others: Vec<Seen>,
    detector: Duration,
    detector_ran: bool,
    hard_look: bool,
    landmark_passes: u32,
    step: crate::hand::change::Step,
}

impl FrameSeen {
    fn from_found(found: Found) -> Self {
        let hard_look = found.detector_runs > 1;
        let landmark_passes = found.landmark_passes;
        Self {
            prediction: found.prediction,
            hand: found.hand,
            others: found.others,
            detector: found.detector,
            detector_ran: found.detector_ran,
            hard_look,
            landmark_passes,
            step: found.step,
        }
    }
}

/// One frame with what was seen, when it came (`start`) and how long capturing it took.
struct Classified {
    frame: crate::camera::Frame,
    seen: FrameSeen,
    capture: Duration,
    start: Instant,
}

/// Runs the pipeline's hand finder or region on `image`, on this thread.
fn classify(classifier: &Classifier, pipeline: &mut Pipeline, image: &image::RgbImage) -> Result<FrameSeen> {
    let plain = |prediction| FrameSeen {
        prediction,
        hand: None,
        others: Vec::new(),
        detector: Duration::ZERO,
        detector_ran: false,
        hard_look: false,
        landmark_passes: 0,
        step: Default::default(),
    };
    Ok(match (&mut pipeline.hand, &pipeline.region) {
        (Some(finder), _) => FrameSeen::from_found(finder.process(image, classifier)?),
        (None, Some(r)) => plain(classifier.classify(&crop_region(image, r))?),
        (None, None) => plain(classifier.classify(image)?),
    })
}

/// The loop's state from frame to frame after the model: decisions, the totals.
struct Decisions {
    summary: RunSummary,
    current: Option<usize>,
    sides: Option<Sides>,
    t0: Instant,
}

impl Decisions {
    /// Decides on one classified frame, drives the outputs and reports it.
    fn frame<P: OutputPin>(
        &mut self,
        pipeline: &mut Pipeline,
        leds: &mut LedBank<P>,
        classified: Classified,
        on_frame: &mut dyn FnMut(&FrameReport, &image::RgbImage),
    ) -> Result<()> {
        let Classified { frame, seen, capture, start } = classified;
        let FrameSeen { prediction, hand, others, detector, detector_ran, hard_look, landmark_passes, step } = seen;
        let summary = &mut self.summary;
        summary.hard_looks += u64::from(hard_look);
        summary.landmark_passes += u64::from(landmark_passes);
        let classified = Instant::now();
        let now = self.t0.elapsed();
        let motions = match &mut pipeline.motions {
            Some(m) => {
                m.view(step);
                let seen: Vec<crate::motion::HandAt> = hand
                    .iter()
                    .map(|h| (h, &prediction))
                    .chain(others.iter().map(|o| (&o.view, &o.prediction)))
                    .filter_map(|(v, p)| {
                        crate::motion::HandAt::from_landmarks(
                            v.landmarks.as_deref()?,
                            v.side,
                            Some(crate::model::classifier::argmax(&p.probabilities).0),
                            v.detection.is_some(),
                        )
                    })
                    .collect();
                m.push(frame.time.unwrap_or(now).as_secs_f64(), &seen)
            }
            None => Vec::new(),
        };
        for m in &motions {
            pipeline.actuator.on_motion(m, now);
        }
        let first = summary.frames == 0;
        let (gesture, gesture_probability, changed, hands) = match &mut self.sides {
            Some(sides) => {
                let hands = sides.push(&prediction, hand.as_ref(), &others, &mut pipeline.actuator, now, first);
                let in_view = hand.as_ref().and_then(|h| h.side).and_then(|s| hands.iter().find(|g| g.side == s));
                let shown = in_view.or_else(|| hands.iter().find(|g| g.gesture.is_some())).unwrap_or(&hands[0]);
                summary.gesture_changes += hands.iter().filter(|g| g.changed).count() as u64;
                (shown.gesture, shown.probability, hands.iter().any(|g| g.changed), hands)
            }
            None => {
                let decision = pipeline.decider.push(&prediction.probabilities, now);
                pipeline.actuator.on_events(&decision.events, now);
                let changed = decision.active != self.current || first;
                if changed {
                    self.current = decision.active;
                    summary.gesture_changes += 1;
                }
                (decision.active, decision.score, changed, Vec::new())
            }
        };
        let levels = pipeline.actuator.levels(now);
        let decided = Instant::now();
        leds.drive(&levels)?;
        let inference = prediction.inference;
        let timings = StageTimings {
            capture,
            preprocess: (classified - start).saturating_sub(inference + detector),
            detector,
            inference,
            decision: decided - classified,
            gpio: decided.elapsed(),
        };
        let latency = start.elapsed();
        summary.total_latency += latency;
        summary.total_inference += inference;
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
            others,
            hands,
            motions,
        };
        summary.frames += 1;
        on_frame(&report, &frame.image);
        Ok(())
    }
}

/// Left and right hands' decisions (see [`Pipeline::per_hand`]).
struct Sides {
    deciders: [Decider; 2],
    current: [Option<usize>; 2],
    /// What a hand out of view counts as: certainly no hand.
    nothing: Vec<f32>,
}

const SIDES: [Side; 2] = [Side::Left, Side::Right];

impl Sides {
    fn new(decider: &Decider, classifier: &Classifier) -> Self {
        let info = classifier.info();
        let mut nothing = vec![0.0; info.labels.len()];
        if let Some(i) = info.no_hand_label.as_deref().and_then(|l| info.label_index(l)) {
            nothing[i] = 1.0;
        }
        Self { deciders: [decider.clone(), decider.clone()], current: [None; 2], nothing }
    }

    /// Gives each side its hand's probabilities (or none when that hand is out of view) and the
    /// actuator each side's events. A hand with no side takes a side no other hand has.
    fn push(
        &mut self,
        first: &Prediction,
        hand: Option<&HandView>,
        others: &[Seen],
        actuator: &mut Actuator,
        now: Duration,
        first_frame: bool,
    ) -> Vec<HandGesture> {
        let mut by_side: [Option<&[f32]>; 2] = [None, None];
        let seen = hand.filter(|h| h.landmarks.is_some()).map(|h| (h.side, &first.probabilities[..]));
        let mut unsided = Vec::new();
        for (side, p) in seen.into_iter().chain(others.iter().map(|o| (o.view.side, &o.prediction.probabilities[..]))) {
            match side {
                Some(s) => by_side[s as usize].get_or_insert(p),
                None => {
                    unsided.push(p);
                    continue;
                }
            };
        }
        for p in unsided {
            if let Some(free) = by_side.iter_mut().find(|s| s.is_none()) {
                *free = Some(p);
            }
        }
        SIDES
            .iter()
            .enumerate()
            .map(|(k, &side)| {
                let decision = self.deciders[k].push(by_side[k].unwrap_or(&self.nothing), now);
                actuator.on_hand_events(&decision.events, Some(side), now);
                let previous = self.current[k];
                let changed = decision.active != previous || first_frame;
                self.current[k] = decision.active;
                HandGesture { side, gesture: decision.active, probability: decision.score, previous, changed }
            })
            .collect()
    }
}
