//! `[[action]]`: what each gesture does — pins it switches (validated here with the actuator's
//! rules) or a message, request or command ([`super::remote`]).

use std::time::Duration;

use toml::Spanned;

use super::notify::{MqttSettings, RemoteAction};
use super::pins::{Action, ActionKind, Actuator, MotionAction};
use super::{ActionEntry, Locate, MqttSection};
use crate::error::{Error, Result};
use crate::hand::Side;

/// The validated `[[action]]`s.
#[derive(Debug)]
pub struct Parsed {
    /// The output pins in the order the actions first name them (idle actions' too: they stay
    /// claimed and off, ready for a model that has their label).
    pub pins: Vec<u8>,
    /// Those of them that are active-low.
    pub active_low: Vec<u8>,
    pub actions: Vec<Action>,
    pub remote: Vec<RemoteAction>,
    /// The actions a motion fires.
    pub motions: Vec<MotionAction>,
    pub mqtt: Option<MqttSettings>,
    /// Why each action naming a label the model does not have stays idle (`file:line: key: …`).
    pub idle: Vec<String>,
}

/// The `[[action]]`s and `[mqtt]` of a configuration as written.
pub struct Written<'a> {
    pub actions: &'a [ActionEntry],
    pub mqtt: Option<&'a MqttSection>,
    /// `[gpio] active_low`: the wiring of pins whose action does not say.
    pub active_low: bool,
}

/// The validated `[[action]]`s (and `[mqtt]`, which the MQTT ones need) for a model with
/// `labels`; `idle` is the idle label, which no action may name. Errors name the place `at`
/// finds for each setting.
pub fn parse(at: &dyn Locate, f: &Written, labels: &[String], idle: Option<usize>) -> Result<Parsed> {
    {
        let err = |span, key: &str, problem| at.err(span, key, problem);
        let label_index = |s: &Spanned<String>, key: &str| label_index(at, labels, s, key);
        if f.actions.is_empty() {
            return Err(err(0..0, "action", "no [[action]]: nothing would ever switch; add one per gesture (see firmware/beckon.toml)".into()));
        }
        let mqtt = super::remote::mqtt(at, f.mqtt)?;
        let mut pins: Vec<u8> = Vec::new();
        // Each pin's level when on (true: low), and the action that said so first.
        let mut levels: Vec<(u8, bool, usize)> = Vec::new();
        let mut actions = Vec::new();
        let mut remote = Vec::new();
        // Action indices of the GPIO actions, in order (the actuator names them by position).
        let mut gpio_index = Vec::new();
        let mut idle_actions = Vec::new();
        let mut motions = Vec::new();
        for (i, a) in f.actions.iter().enumerate() {
            let key = |k: &str| format!("action[{i}].{k}");
            if let Some(r) = motion_remote_action(at, i, a, labels, idle, mqtt.as_ref())? {
                remote.push(r);
                continue;
            }
            if let Some(m) = motion_action(at, i, a, labels, idle)? {
                for p in &m.pins {
                    if pins.contains(p) {
                        return Err(err(
                            a.pins.as_ref().map_or(0..0, |p| p.span()),
                            &key("pins"),
                            format!("GPIO{p} is used by another action: a motion's pins are its own"),
                        ));
                    }
                    pins.push(*p);
                    levels.push((*p, a.active_low.as_ref().map_or(f.active_low, |l| *l.get_ref()), i));
                }
                motions.push(m);
                continue;
            }
            let Some(label_s) = &a.label else {
                let span = [
                    a.pins.as_ref().map(|p| p.span()),
                    a.mqtt.as_ref().map(|m| m.span()),
                    a.http.as_ref().map(|h| h.span()),
                    a.exec.as_ref().map(|e| e.span()),
                ]
                .into_iter()
                .flatten()
                .next()
                .unwrap_or(0..0);
                return Err(err(span, &key("label"), "missing: the gesture that fires it (label = \"5\") or a motion (motion = \"swipe-left\")".into()));
            };
            let label = match label_index(label_s, &key("label")) {
                Ok(label) => label,
                // A gesture this model does not know (taught later, or known to another model):
                // the action waits, its pins claimed and off.
                Err(e) if crate::model::contract::label_problem(label_s.get_ref()).is_none() => {
                    idle_actions.push(format!("{e}: this action stays idle with this model"));
                    for p in a.pins.iter().flat_map(|p| p.get_ref()).filter(|p| **p <= 27) {
                        if !pins.contains(p) {
                            pins.push(*p);
                            levels.push((*p, a.active_low.as_ref().map_or(f.active_low, |l| *l.get_ref()), i));
                        }
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            if Some(label) == idle {
                return Err(err(label_s.span(), &key("label"), format!("{:?} is the idle label, which never triggers", label_s.get_ref())));
            }
            let hand = match a.hand.as_ref().map(|h| (h, h.get_ref().as_str())) {
                None | Some((_, "any")) => None,
                Some((h, s)) => Some(Side::parse(s).ok_or_else(|| err(h.span(), &key("hand"), format!("{s:?}; expected \"left\", \"right\" or \"any\"")))?),
            };
            if let Some(r) = super::remote::remote_action(at, i, a, label, mqtt.as_ref())? {
                remote.push(RemoteAction { hand, ..r });
                continue;
            }
            let Some(action_pins) = &a.pins else {
                return Err(err(
                    label_s.span(),
                    &key("pins"),
                    "missing: an action switches pins = [17], publishes mqtt = \"topic\", requests http = \"http://…\" or runs exec = [\"/path/to/program\"]"
                        .into(),
                ));
            };
            gpio_index.push(i);
            let low = a.active_low.as_ref().map_or(f.active_low, |l| *l.get_ref());
            for p in action_pins.get_ref() {
                if *p > 27 {
                    return Err(err(action_pins.span(), &key("pins"), format!("{p} is not a header GPIO (BCM 0–27)")));
                }
                if !pins.contains(p) {
                    pins.push(*p);
                }
                match levels.iter().find(|(q, ..)| q == p) {
                    Some(&(_, other, first)) if other != low => {
                        let span = a.active_low.as_ref().map_or(action_pins.span(), |l| l.span());
                        let say = |l: bool| if l { "active-low" } else { "active-high" };
                        return Err(err(
                            span,
                            &key("active_low"),
                            format!("GPIO{p} is {} here but {} in action[{first}]: one pin, one wiring", say(low), say(other)),
                        ));
                    }
                    Some(_) => {}
                    None => levels.push((*p, low, i)),
                }
            }
            let mode = a.mode.as_ref().map_or("hold", |m| m.get_ref().as_str());
            let mode_span = a.mode.as_ref().map_or(label_s.span(), |m| m.span());
            let kind = match mode {
                "hold" => ActionKind::Hold,
                "toggle" => ActionKind::Toggle,
                "blink" => {
                    let b = a.blink_ms.as_ref().ok_or_else(|| {
                        err(mode_span.clone(), &key("blink_ms"), "missing; a blink needs on/off durations, e.g. blink_ms = [200, 200]".into())
                    })?;
                    ActionKind::Blink(b.get_ref().iter().map(|ms| Duration::from_millis(*ms)).collect())
                }
                "pulse" => {
                    let p = a
                        .pulse_ms
                        .as_ref()
                        .ok_or_else(|| err(mode_span.clone(), &key("pulse_ms"), "missing; a pulse needs its length, e.g. pulse_ms = 500".into()))?;
                    ActionKind::Pulse(Duration::from_millis(*p.get_ref()))
                }
                other => {
                    return Err(err(mode_span, &key("mode"), format!("{other:?}; expected \"hold\", \"toggle\", \"blink\" or \"pulse\"")));
                }
            };
            actions.push(Action { label, pins: action_pins.get_ref().clone(), kind, hand });
        }
        // Pin sharing, duplicates and patterns: checked by the actuator, reported here with a line.
        Actuator::new(&pins, actions.clone()).map_err(|e| match e {
            Error::Config { setting, problem } => {
                let g: usize = setting.trim_start_matches("action[").trim_end_matches(']').parse().unwrap_or(0);
                let i = gpio_index.get(g).copied().unwrap_or(0);
                let a = &f.actions[i];
                let pins_span = a.pins.as_ref().map_or_else(|| a.label.as_ref().map_or(0..0, |l| l.span()), |p| p.span());
                let (span, k) = if problem.contains("blink") {
                    (a.blink_ms.as_ref().map_or(pins_span, |b| b.span()), "blink_ms")
                } else if problem.contains("pulse") {
                    (a.pulse_ms.as_ref().map_or(pins_span, |p| p.span()), "pulse_ms")
                } else {
                    (pins_span, "pins")
                };
                err(span, &format!("action[{i}].{k}"), problem)
            }
            other => other,
        })?;
        let active_low = levels.iter().filter(|(_, low, _)| *low).map(|(p, ..)| *p).collect();
        Ok(Parsed { pins, active_low, actions, remote, motions, mqtt, idle: idle_actions })
    }
}

/// A motion, the pose it must be made with and the hand.
type MotionOf = (crate::motion::Motion, Option<usize>, Option<Side>);

/// The motion action `i` names, if any: the motion, the pose it needs (`label`) and the hand.
fn motion_of(at: &dyn Locate, i: usize, a: &ActionEntry, labels: &[String], idle: Option<usize>) -> Result<Option<MotionOf>> {
    let Some(m) = &a.motion else { return Ok(None) };
    let err = |span, key: &str, problem: String| at.err(span, &format!("action[{i}].{key}"), problem);
    let names: Vec<&str> = crate::motion::Motion::ALL.iter().map(|m| m.name()).collect();
    // Any other name is a taught motion's (checked against the taught ones when they are read).
    if let Some(problem) = crate::model::contract::label_problem(m.get_ref()).filter(|_| crate::motion::Motion::from_name(m.get_ref()).is_none()) {
        return Err(err(m.span(), "motion", format!("{:?}; expected one of {}, or a taught motion's name, which {problem}", m.get_ref(), names.join(", "))));
    }
    let motion = crate::motion::Motion::named(m.get_ref());
    let pose = match &a.label {
        Some(l) => {
            let p = label_index(at, labels, l, &format!("action[{i}].label"))?;
            if Some(p) == idle {
                return Err(err(l.span(), "label", format!("{:?} is the idle label: a motion is made with a hand in view", l.get_ref())));
            }
            Some(p)
        }
        None => None,
    };
    let hand = match a.hand.as_ref().map(|h| (h, h.get_ref().as_str())) {
        None | Some((_, "any")) => None,
        Some((h, s)) => Some(Side::parse(s).ok_or_else(|| err(h.span(), "hand", format!("{s:?}; expected \"left\", \"right\" or \"any\"")))?),
    };
    Ok(Some((motion, pose, hand)))
}

/// Action `i` if a motion fires it and it sends a message, a request or runs a command: as a
/// gesture's, once for each motion (`on` has no meaning: a motion has no start and end).
fn motion_remote_action(
    at: &dyn Locate,
    i: usize,
    a: &ActionEntry,
    labels: &[String],
    idle: Option<usize>,
    mqtt: Option<&super::notify::MqttSettings>,
) -> Result<Option<RemoteAction>> {
    if a.mqtt.is_none() && a.http.is_none() && a.exec.is_none() {
        return Ok(None);
    }
    let Some((motion, pose, hand)) = motion_of(at, i, a, labels, idle)? else { return Ok(None) };
    if let Some(on) = &a.on {
        return Err(at.err(on.span(), &format!("action[{i}].on"), "a motion is a moment, with no start or end: remove on".into()));
    }
    let Some(r) = super::remote::remote_action(at, i, a, 0, mqtt)? else { return Ok(None) };
    Ok(Some(RemoteAction { motion: Some(motion), pose, hand, ..r }))
}

/// Action `i` if a motion fires it: the motion, the pose it needs (`label`), the hand, its pins
/// and what they do (`pulse` or `toggle`: a motion is a moment, nothing holds).
fn motion_action(at: &dyn Locate, i: usize, a: &ActionEntry, labels: &[String], idle: Option<usize>) -> Result<Option<MotionAction>> {
    let Some((motion, pose, hand)) = motion_of(at, i, a, labels, idle)? else { return Ok(None) };
    let m = a.motion.as_ref().expect("a motion action");
    let err = |span, key: &str, problem: String| at.err(span, &format!("action[{i}].{key}"), problem);
    let Some(pins) = &a.pins else {
        return Err(err(m.span(), "pins", "missing: the pins the motion switches, e.g. pins = [23]".into()));
    };
    if let Some(p) = pins.get_ref().iter().find(|p| **p > 27) {
        return Err(err(pins.span(), "pins", format!("{p} is not a header GPIO (BCM 0–27)")));
    }
    let mode_span = a.mode.as_ref().map_or(m.span(), |s| s.span());
    let kind = match a.mode.as_ref().map(|s| s.get_ref().as_str()) {
        Some("toggle") => ActionKind::Toggle,
        None | Some("pulse") => {
            let p = a.pulse_ms.as_ref().ok_or_else(|| {
                err(mode_span.clone(), "pulse_ms", "missing; a motion pulses its pins for a time, e.g. pulse_ms = 500 (or mode = \"toggle\")".into())
            })?;
            ActionKind::Pulse(Duration::from_millis(*p.get_ref()))
        }
        Some(other) => {
            return Err(err(mode_span, "mode", format!("{other:?}; a motion is a moment, nothing holds: mode = \"pulse\" (with pulse_ms) or \"toggle\"")));
        }
    };
    Ok(Some(MotionAction { motion, pose, pins: pins.get_ref().clone(), kind, hand }))
}

/// The index of the label `s` names in `labels`, or an error at `key`.
pub fn label_index(at: &dyn Locate, labels: &[String], s: &Spanned<String>, key: &str) -> Result<usize> {
    if let Some(problem) = crate::model::contract::label_problem(s.get_ref()) {
        return Err(at.err(s.span(), key, format!("{:?} {problem}", s.get_ref())));
    }
    labels
        .iter()
        .position(|l| l == s.get_ref())
        .ok_or_else(|| at.err(s.span(), key, format!("the model has no label {:?}; its labels are {}", s.get_ref(), labels.join(", "))))
}
