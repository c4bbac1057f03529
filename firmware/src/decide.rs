//! From smoothed scores to gestures, with the rules that keep LEDs from flickering:
//!
//! - **hysteresis**: a gesture starts when its score reaches `threshold_high` and holds while it
//!   stays at or above `threshold_low`, unless another label reaches `threshold_high` with a
//!   higher score;
//! - **minimum hold**: a candidate must stay above `threshold_high` for `min_hold` before it
//!   starts (a hand passing through the picture does not trigger anything);
//! - **cooldown**: after a gesture ends, none starts again for `cooldown`;
//! - **idle label**: a background/idle label (e.g. "nothing") never becomes a gesture.
//!
//! Time is passed in (time since the loop started), so the logic is tested with scripted
//! sequences, without clocks.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::model::classifier::argmax;
use crate::smooth::{Smoother, Smoothing};

/// The rules, validated by [`Decider::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRules {
    pub smoothing: Smoothing,
    pub threshold_high: f32,
    pub threshold_low: f32,
    pub min_hold: Duration,
    pub cooldown: Duration,
    /// Label index that never triggers anything.
    pub idle: Option<usize>,
}

impl DecisionRules {
    /// The simplest rules: moving average over `window` frames, one `threshold` for start and
    /// hold, no hold time, no cooldown, no idle label.
    pub fn simple(window: usize, threshold: f32) -> Self {
        Self {
            smoothing: Smoothing::Average { window },
            threshold_high: threshold,
            threshold_low: threshold,
            min_hold: Duration::ZERO,
            cooldown: Duration::ZERO,
            idle: None,
        }
    }
}

/// What changed on a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Started(usize),
    Ended(usize),
}

/// One frame's decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The gesture in force after this frame.
    pub active: Option<usize>,
    /// Its score (or the best score when there is none).
    pub score: f32,
    /// Gestures that ended and started on this frame, in that order.
    pub events: Vec<Event>,
}

/// The decision state machine.
#[derive(Debug, Clone)]
pub struct Decider {
    rules: DecisionRules,
    smoother: Smoother,
    active: Option<usize>,
    candidate: Option<(usize, Duration)>,
    quiet_until: Duration,
}

impl Decider {
    /// Checks the rules: 0 < threshold_low ≤ threshold_high ≤ 1 and the smoothing settings.
    pub fn new(rules: DecisionRules) -> Result<Self> {
        let (lo, hi) = (rules.threshold_low, rules.threshold_high);
        if !(hi > 0.0 && hi <= 1.0) {
            return Err(Error::Config { setting: "threshold_high".into(), problem: format!("{hi} is not in (0, 1]") });
        }
        if !(lo > 0.0 && lo <= hi) {
            return Err(Error::Config { setting: "threshold_low".into(), problem: format!("{lo} must be in (0, threshold_high = {hi}]") });
        }
        let smoother = Smoother::new(rules.smoothing)?;
        Ok(Self { rules, smoother, active: None, candidate: None, quiet_until: Duration::ZERO })
    }

    /// The gesture in force.
    pub fn active(&self) -> Option<usize> {
        self.active
    }

    /// Adds one frame's probabilities, seen at `now` (time since the start).
    pub fn push(&mut self, probabilities: &[f32], now: Duration) -> Decision {
        let scores = self.smoother.push(probabilities);
        let mut events = Vec::new();
        let (best, score) = argmax(&scores);
        if let Some(a) = self.active {
            // Another label (or the idle one) that reaches threshold_high above the active one
            // takes over; otherwise the active gesture holds down to threshold_low.
            let challenged = best != a && score >= self.rules.threshold_high && score > scores[a];
            if scores.get(a).is_some_and(|s| *s >= self.rules.threshold_low) && !challenged {
                return Decision { active: Some(a), score: scores[a], events };
            }
            events.push(Event::Ended(a));
            self.active = None;
            self.candidate = None;
            self.quiet_until = now + self.rules.cooldown;
        }
        let wanted = (score >= self.rules.threshold_high && Some(best) != self.rules.idle).then_some(best);
        match (wanted, self.candidate) {
            (None, _) => self.candidate = None,
            (Some(_), _) if now < self.quiet_until => self.candidate = None,
            (Some(w), Some((c, since))) if w == c => {
                if now.saturating_sub(since) >= self.rules.min_hold {
                    self.start(w, &mut events);
                }
            }
            (Some(w), _) => {
                self.candidate = Some((w, now));
                if self.rules.min_hold.is_zero() {
                    self.start(w, &mut events);
                }
            }
        }
        Decision { active: self.active, score, events }
    }

    fn start(&mut self, label: usize, events: &mut Vec<Event>) {
        self.active = Some(label);
        self.candidate = None;
        events.push(Event::Started(label));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIST: [f32; 3] = [0.9, 0.05, 0.05];
    const ONE: [f32; 3] = [0.05, 0.9, 0.05];
    const UNSURE: [f32; 3] = [0.4, 0.35, 0.25];
    const IDLE: [f32; 3] = [0.05, 0.05, 0.9];

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    /// Feeds `(probabilities, at ms)` and returns the active gesture after each frame.
    fn script(rules: DecisionRules, frames: &[([f32; 3], u64)]) -> Vec<Option<usize>> {
        let mut d = Decider::new(rules).unwrap();
        frames.iter().map(|(p, t)| d.push(p, ms(*t)).active).collect()
    }

    #[test]
    fn simple_rules_follow_each_confident_frame() {
        let got = script(DecisionRules::simple(1, 0.5), &[(FIST, 0), (ONE, 100), (UNSURE, 200), (FIST, 300)]);
        assert_eq!(got, [Some(0), Some(1), None, Some(0)]);
    }

    #[test]
    fn hysteresis_holds_a_gesture_between_the_thresholds() {
        let rules = DecisionRules { threshold_high: 0.8, threshold_low: 0.3, ..DecisionRules::simple(1, 0.5) };
        // UNSURE gives the fist 0.4: not enough to start, enough to hold.
        let got = script(rules, &[(UNSURE, 0), (FIST, 100), (UNSURE, 200), (ONE, 300)]);
        assert_eq!(got, [None, Some(0), Some(0), Some(1)]);
    }

    #[test]
    fn a_gesture_must_be_held_for_min_hold_before_it_starts() {
        let rules = DecisionRules { min_hold: ms(250), ..DecisionRules::simple(1, 0.5) };
        let got = script(rules, &[(ONE, 0), (ONE, 100), (FIST, 200), (FIST, 300), (FIST, 400), (FIST, 450)]);
        // "1" is interrupted at 200 ms; the fist is a candidate from 200 ms and starts at 450 ms.
        assert_eq!(got, [None, None, None, None, None, Some(0)]);
    }

    #[test]
    fn cooldown_keeps_gestures_from_restarting_at_once() {
        let rules = DecisionRules { cooldown: ms(300), ..DecisionRules::simple(1, 0.5) };
        let got = script(rules, &[(FIST, 0), (UNSURE, 100), (ONE, 200), (ONE, 350), (ONE, 400)]);
        // The fist ends at 100 ms; nothing may start before 400 ms.
        assert_eq!(got, [Some(0), None, None, None, Some(1)]);
    }

    #[test]
    fn the_idle_label_never_triggers_and_ends_a_gesture() {
        let rules = DecisionRules { idle: Some(2), ..DecisionRules::simple(1, 0.5) };
        let mut d = Decider::new(rules).unwrap();
        assert_eq!(d.push(&IDLE, ms(0)).active, None);
        assert_eq!(d.push(&ONE, ms(100)).events, [Event::Started(1)]);
        let end = d.push(&IDLE, ms(200));
        assert_eq!((end.active, end.events), (None, vec![Event::Ended(1)]));
    }

    #[test]
    fn a_stronger_label_above_threshold_high_takes_over_a_held_gesture() {
        let rules = DecisionRules { threshold_high: 0.5, threshold_low: 0.2, ..DecisionRules::simple(1, 0.5) };
        let got = script(rules, &[(FIST, 0), ([0.3, 0.6, 0.1], 100), ([0.3, 0.25, 0.45], 200)]);
        // At 100 ms "1" (0.6 ≥ high, above the fist's 0.3) takes over although the fist holds
        // above low; at 200 ms nobody reaches high and "1" holds at 0.25 ≥ low.
        assert_eq!(got, [Some(0), Some(1), Some(1)]);
    }

    #[test]
    fn switching_gestures_reports_end_then_start() {
        let mut d = Decider::new(DecisionRules::simple(1, 0.5)).unwrap();
        d.push(&FIST, ms(0));
        assert_eq!(d.push(&ONE, ms(100)).events, [Event::Ended(0), Event::Started(1)]);
    }

    #[test]
    fn k_of_n_smoothing_ignores_single_frames() {
        let rules = DecisionRules { smoothing: Smoothing::KOfN { k: 2, n: 3 }, ..DecisionRules::simple(1, 0.5) };
        let got = script(rules, &[(FIST, 0), (ONE, 100), (FIST, 200), (ONE, 300), (ONE, 400)]);
        // The fist is top in 2 of the last 3 frames at 200 ms; "1" takes over at 300 ms.
        assert_eq!(got, [None, None, Some(0), Some(1), Some(1)]);
    }

    #[test]
    fn bad_thresholds_are_refused() {
        let bad = |hi, lo| Decider::new(DecisionRules { threshold_high: hi, threshold_low: lo, ..DecisionRules::simple(1, 0.5) });
        assert!(bad(1.2, 0.5).unwrap_err().to_string().contains("threshold_high"));
        assert!(bad(0.5, 0.7).unwrap_err().to_string().contains("threshold_low"));
        assert!(bad(0.5, 0.0).is_err());
    }
}
