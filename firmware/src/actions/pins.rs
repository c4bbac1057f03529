//! Gestures → output levels over time. Each [`Action`] ties a label to pins and says what they
//! do:
//!
//! - [`ActionKind::Hold`]: on while the gesture holds (the default);
//! - [`ActionKind::Toggle`]: flip on each new start of the gesture;
//! - [`ActionKind::Blink`]: while the gesture holds, repeat an on/off pattern;
//! - [`ActionKind::Pulse`]: on for a fixed time from each start.
//!
//! With two hands each hand's gestures come on their own ([`Actuator::on_hand_events`]): an
//! action that names a hand follows that hand only; one for any hand holds while either hand
//! holds its gesture.
//!
//! A [`MotionAction`] pulses or toggles its pins when a motion ([`crate::motion`]) is made
//! ([`Actuator::on_motion`]).
//!
//! A pin may serve several `Hold` actions (it is on while any of their gestures holds; that is
//! how the binary default shows six labels on three LEDs); a pin of any other action belongs to
//! that action alone.

use std::time::Duration;

use crate::decide::Event;
use crate::error::{Error, Result};
use crate::hand::Side;

/// What an action's pins do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    Hold,
    Toggle,
    /// Alternating on/off durations, starting with on; repeats while the gesture holds.
    Blink(Vec<Duration>),
    Pulse(Duration),
}

/// One label's action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub label: usize,
    pub pins: Vec<u8>,
    pub kind: ActionKind,
    /// Only this hand's gestures drive it (`None`: any hand).
    pub hand: Option<Side>,
}

/// One motion's action: its pins pulse or toggle each time the motion is made (by `hand`, with
/// the pose `pose`, when they are set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MotionAction {
    pub motion: crate::motion::Motion,
    pub pose: Option<usize>,
    pub pins: Vec<u8>,
    /// `Pulse` or `Toggle`.
    pub kind: ActionKind,
    pub hand: Option<Side>,
}

/// Computes every pin's level from the gesture events.
#[derive(Debug, Clone)]
pub struct Actuator {
    pins: Vec<u8>,
    actions: Vec<Action>,
    /// The motions' actions, with each one's toggle state and pulse end.
    motions: Vec<(MotionAction, bool, Duration)>,
    toggled: Vec<bool>,
    /// Per action, when its gesture started on each channel (no side, left, right).
    started: Vec<[Option<Duration>; 3]>,
    pulse_until: Vec<Duration>,
}

impl Actuator {
    /// Checks the actions (pins exist in `pins`, exclusive pins, blink patterns) and starts
    /// with every output off. Errors name the action by position (`action[i]`).
    pub fn new(pins: &[u8], actions: Vec<Action>) -> Result<Self> {
        for (i, a) in actions.iter().enumerate() {
            let err = |problem: String| Error::Config { setting: format!("action[{i}]"), problem };
            if a.pins.is_empty() {
                return Err(err("has no pins".into()));
            }
            if let Some(p) = a.pins.iter().find(|p| !pins.contains(p)) {
                return Err(err(format!("pin {p} is not one of the outputs {pins:?}")));
            }
            if let ActionKind::Blink(pattern) = &a.kind
                && (pattern.is_empty() || pattern.len() % 2 != 0 || pattern.iter().any(|d| d.is_zero()))
            {
                return Err(err(format!(
                    "blink pattern {:?} ms: expected on/off pairs of durations above 0, e.g. [200, 200]",
                    pattern.iter().map(|d| d.as_millis()).collect::<Vec<_>>()
                )));
            }
            if let ActionKind::Pulse(d) = &a.kind
                && d.is_zero()
            {
                return Err(err("pulse of 0 ms; expected a duration above 0".into()));
            }
            for (j, b) in actions.iter().enumerate().take(i) {
                let shared: Vec<u8> = a.pins.iter().filter(|p| b.pins.contains(p)).copied().collect();
                let both_hold = a.kind == ActionKind::Hold && b.kind == ActionKind::Hold;
                if !shared.is_empty() && !both_hold {
                    return Err(err(format!("pin {} is also used by action[{j}]; only `hold` actions may share pins", shared[0])));
                }
            }
            if let Some(p) = a.pins.iter().enumerate().find(|(k, p)| a.pins[..*k].contains(p)).map(|(_, p)| p) {
                return Err(err(format!("pin {p} is listed twice")));
            }
        }
        let n = actions.len();
        Ok(Self {
            pins: pins.to_vec(),
            actions,
            motions: Vec::new(),
            toggled: vec![false; n],
            started: vec![[None; 3]; n],
            pulse_until: vec![Duration::ZERO; n],
        })
    }

    /// With the motions' actions too: their pins must be outputs no other action uses.
    pub fn with_motions(mut self, motions: Vec<MotionAction>) -> Result<Self> {
        for (i, m) in motions.iter().enumerate() {
            let err = |problem: String| Error::Config { setting: format!("motion action {} ({})", i, m.motion.name()), problem };
            if let Some(p) = m.pins.iter().find(|p| !self.pins.contains(p)) {
                return Err(err(format!("pin {p} is not one of the outputs {:?}", self.pins)));
            }
            let taken = self.actions.iter().flat_map(|a| &a.pins).chain(motions[..i].iter().flat_map(|o| &o.pins));
            if let Some(p) = taken.into_iter().find(|p| m.pins.contains(p)) {
                return Err(err(format!("pin {p} is also used by another action")));
            }
            if !matches!(m.kind, ActionKind::Pulse(d) if !d.is_zero()) && m.kind != ActionKind::Toggle {
                return Err(err("a motion pulses (for more than 0 ms) or toggles its pins".into()));
            }
        }
        self.motions = motions.into_iter().map(|m| (m, false, Duration::ZERO)).collect();
        Ok(self)
    }

    /// A motion was made, seen at `now`: the actions for it (its hand, its pose) fire.
    pub fn on_motion(&mut self, e: &crate::motion::MotionEvent, now: Duration) {
        for (m, toggled, until) in &mut self.motions {
            let fits = m.motion == e.motion && m.hand.is_none_or(|h| e.side == Some(h)) && m.pose.is_none_or(|p| e.pose == Some(p));
            match (&m.kind, fits) {
                (ActionKind::Toggle, true) => *toggled = !*toggled,
                (ActionKind::Pulse(d), true) => *until = now + *d,
                _ => {}
            }
        }
    }

    /// The pins, in output order.
    pub fn pins(&self) -> &[u8] {
        &self.pins
    }

    /// Applies a frame's events, seen at `now` (one hand, or hands not told apart).
    pub fn on_events(&mut self, events: &[Event], now: Duration) {
        self.on_hand_events(events, None, now);
    }

    /// Applies the events of one hand's gestures (`None`: hands not told apart): actions for
    /// that hand or for any hand follow them.
    pub fn on_hand_events(&mut self, events: &[Event], hand: Option<Side>, now: Duration) {
        let channel = match hand {
            None => 0,
            Some(Side::Left) => 1,
            Some(Side::Right) => 2,
        };
        for e in events {
            for (i, a) in self.actions.iter().enumerate().filter(|(_, a)| a.hand.is_none_or(|h| Some(h) == hand)) {
                match (e, &a.kind) {
                    (Event::Started(l), kind) if *l == a.label => {
                        self.started[i][channel] = Some(now);
                        match kind {
                            ActionKind::Toggle => self.toggled[i] = !self.toggled[i],
                            ActionKind::Pulse(d) => self.pulse_until[i] = now + *d,
                            _ => {}
                        }
                    }
                    (Event::Ended(l), _) if *l == a.label => self.started[i][channel] = None,
                    _ => {}
                }
            }
        }
    }

    /// Every pin's level at `now`, in [`pins`](Self::pins) order.
    pub fn levels(&self, now: Duration) -> Vec<bool> {
        let mut on = vec![false; self.pins.len()];
        for (i, a) in self.actions.iter().enumerate() {
            let lit = match &a.kind {
                ActionKind::Hold => self.since(i).is_some(),
                ActionKind::Toggle => self.toggled[i],
                ActionKind::Pulse(_) => now < self.pulse_until[i],
                ActionKind::Blink(pattern) => self.since(i).is_some_and(|s| blink_phase_on(pattern, now.saturating_sub(s))),
            };
            if lit {
                for p in &a.pins {
                    if let Some(k) = self.pins.iter().position(|x| x == p) {
                        on[k] = true;
                    }
                }
            }
        }
        for (m, toggled, until) in &self.motions {
            let lit = match m.kind {
                ActionKind::Toggle => *toggled,
                _ => now < *until,
            };
            for p in m.pins.iter().filter(|_| lit) {
                if let Some(k) = self.pins.iter().position(|x| x == p) {
                    on[k] = true;
                }
            }
        }
        on
    }

    /// Earliest time after `now` at which a level may change with no new frame (blink edges,
    /// pulse ends), for a loop that wants to wake up for it.
    pub fn next_change(&self, now: Duration) -> Option<Duration> {
        let mut next: Option<Duration> = None;
        let mut consider = |t: Duration| {
            if t > now {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        for (i, a) in self.actions.iter().enumerate() {
            match &a.kind {
                ActionKind::Pulse(_) => consider(self.pulse_until[i]),
                ActionKind::Blink(pattern) => {
                    if let Some(s) = self.since(i) {
                        let period: Duration = pattern.iter().sum();
                        let cycles = now.saturating_sub(s).as_nanos() / period.as_nanos();
                        let mut edge = s + period * cycles as u32;
                        for d in pattern.iter().cycle().take(pattern.len() + 1) {
                            edge += *d;
                            if edge > now {
                                consider(edge);
                                break;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for (_, _, until) in &self.motions {
            consider(*until);
        }
        next
    }
}

impl Actuator {
    /// Since when action `i`'s gesture has held on any channel, if it holds.
    fn since(&self, i: usize) -> Option<Duration> {
        self.started[i].iter().flatten().min().copied()
    }
}

fn blink_phase_on(pattern: &[Duration], since_start: Duration) -> bool {
    let period: Duration = pattern.iter().sum();
    let mut t = Duration::from_nanos((since_start.as_nanos() % period.as_nanos()) as u64);
    for (k, d) in pattern.iter().enumerate() {
        if t < *d {
            return k % 2 == 0;
        }
        t -= *d;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    fn act(label: usize, pins: &[u8], kind: ActionKind) -> Action {
        Action { label, pins: pins.to_vec(), kind, hand: None }
    }

    #[test]
    fn hold_toggle_pulse_and_blink_drive_their_pins() {
        let actions = vec![
            act(1, &[17], ActionKind::Hold),
            act(2, &[27], ActionKind::Toggle),
            act(3, &[22], ActionKind::Pulse(ms(500))),
            act(4, &[5], ActionKind::Blink(vec![ms(100), ms(200)])),
        ];
        let mut a = Actuator::new(&[17, 27, 22, 5], actions).unwrap();
        assert_eq!(a.levels(ms(0)), [false; 4]);
        a.on_events(&[Event::Started(1)], ms(0));
        assert_eq!(a.levels(ms(10)), [true, false, false, false]);
        a.on_events(&[Event::Ended(1), Event::Started(2)], ms(100));
        assert_eq!(a.levels(ms(100)), [false, true, false, false]);
        a.on_events(&[Event::Ended(2)], ms(200)); // toggle stays on after the gesture
        assert_eq!(a.levels(ms(200)), [false, true, false, false]);
        a.on_events(&[Event::Started(3)], ms(300));
        assert_eq!(a.levels(ms(799)), [false, true, true, false]);
        assert_eq!(a.next_change(ms(700)), Some(ms(800)));
        assert_eq!(a.levels(ms(800)), [false, true, false, false]); // pulse over, gesture or not
        a.on_events(&[Event::Ended(3), Event::Started(2)], ms(900)); // second start toggles off
        assert_eq!(a.levels(ms(900)), [false; 4]);
        a.on_events(&[Event::Ended(2), Event::Started(4)], ms(1000));
        let blink: Vec<bool> = [1000, 1099, 1100, 1299, 1300, 1450].iter().map(|t| a.levels(ms(*t))[3]).collect();
        assert_eq!(blink, [true, true, false, false, true, false]);
        assert_eq!(a.next_change(ms(1150)), Some(ms(1300)));
        a.on_events(&[Event::Ended(4)], ms(1500));
        assert_eq!(a.levels(ms(1500)), [false; 4]);
    }

    #[test]
    fn each_hand_drives_its_own_actions_and_any_hand_holds_while_either_does() {
        let sided = |label, pin, hand| Action { hand: Some(hand), ..act(label, &[pin], ActionKind::Hold) };
        let actions = vec![sided(1, 17, Side::Left), sided(1, 27, Side::Right), act(2, &[22], ActionKind::Hold)];
        let mut a = Actuator::new(&[17, 27, 22], actions).unwrap();
        a.on_hand_events(&[Event::Started(1)], Some(Side::Right), ms(0));
        assert_eq!(a.levels(ms(0)), [false, true, false], "the right hand's 1 lights the right hand's pin only");
        a.on_hand_events(&[Event::Started(2)], Some(Side::Left), ms(10));
        a.on_hand_events(&[Event::Ended(1), Event::Started(2)], Some(Side::Right), ms(20));
        assert_eq!(a.levels(ms(20)), [false, false, true]);
        a.on_hand_events(&[Event::Ended(2)], Some(Side::Left), ms(30));
        assert_eq!(a.levels(ms(30)), [false, false, true], "the right hand still shows 2");
        a.on_hand_events(&[Event::Ended(2)], Some(Side::Right), ms(40));
        assert_eq!(a.levels(ms(40)), [false; 3]);
    }

    #[test]
    fn hold_actions_may_share_pins_others_may_not() {
        let pins = [17, 27];
        assert!(Actuator::new(&pins, vec![act(1, &[17], ActionKind::Hold), act(3, &[17, 27], ActionKind::Hold)]).is_ok());
        let e = Actuator::new(&pins, vec![act(1, &[17], ActionKind::Hold), act(2, &[17], ActionKind::Toggle)]).unwrap_err();
        assert!(e.to_string().contains("action[1]") && e.to_string().contains("pin 17"), "{e}");
        let e = Actuator::new(&pins, vec![act(1, &[17, 17], ActionKind::Hold)]).unwrap_err();
        assert!(e.to_string().contains("listed twice"), "{e}");
        let e = Actuator::new(&pins, vec![act(1, &[4], ActionKind::Hold)]).unwrap_err();
        assert!(e.to_string().contains("pin 4"), "{e}");
    }

    #[test]
    fn bad_blink_patterns_and_pulses_are_refused() {
        for pattern in [vec![], vec![ms(100)], vec![ms(100), ms(0)]] {
            let e = Actuator::new(&[17], vec![act(0, &[17], ActionKind::Blink(pattern))]).unwrap_err();
            assert!(e.to_string().contains("blink pattern"), "{e}");
        }
        assert!(Actuator::new(&[17], vec![act(0, &[17], ActionKind::Pulse(ms(0)))]).is_err());
    }
}
