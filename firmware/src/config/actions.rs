//! `[[action]]`: what each gesture does — pins it switches (validated here with the actuator's
//! rules) or a message, request or command ([`super::remote`]).

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{Config, Loaded};
use crate::error::{Error, Result};
use crate::gpio::actions::{Action, ActionKind};
use crate::hand::Side;
use crate::notify::{MqttSettings, RemoteAction};

/// One `[[action]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionEntry {
    pub label: Spanned<String>,
    /// With hand tracking: which hand's gesture fires it, `left`, `right` or `any` (default).
    pub hand: Option<Spanned<String>>,
    /// The pins a GPIO action switches (every action but a remote one has them).
    pub pins: Option<Spanned<Vec<u8>>>,
    /// `hold` (default), `toggle`, `blink` or `pulse`.
    #[serde(default)]
    pub mode: Option<Spanned<String>>,
    /// For `blink`: on/off durations in ms, alternating, starting with on.
    pub blink_ms: Option<Spanned<Vec<u64>>>,
    /// For `pulse`: how long the pins stay on after each start.
    pub pulse_ms: Option<Spanned<u64>>,
    /// Its pins are on at the low level (relay boards); default `[gpio] active_low`.
    pub active_low: Option<Spanned<bool>>,
    /// An MQTT action: the topic to publish on (needs `[mqtt]`).
    pub mqtt: Option<Spanned<String>>,
    /// Its payload template (`{label}`, `{event}`, `{probability}`, `{time_ms}`).
    pub payload: Option<Spanned<String>>,
    /// When it fires: `start` (default), `end` or `both`.
    pub on: Option<Spanned<String>>,
    pub qos: Option<Spanned<i64>>,
    pub retain: Option<bool>,
    /// An HTTP action: the URL (`http://…`).
    pub http: Option<Spanned<String>>,
    /// Its method: `POST` (default), `PUT` or `GET`.
    pub method: Option<Spanned<String>>,
    /// Its body template (default: the gesture as JSON; none for GET).
    pub body: Option<Spanned<String>>,
    /// A command action: the program and its arguments (no shell).
    pub exec: Option<Spanned<Vec<String>>>,
    /// How long an HTTP request or a command may take (default 5000 ms).
    pub timeout_ms: Option<Spanned<i64>>,
}

/// What `resolve` takes from the `[[action]]`s.
pub(super) struct Actions {
    /// The output pins in the order the actions first name them (idle actions' too: they stay
    /// claimed and off, ready for a model that has their label).
    pub pins: Vec<u8>,
    /// Those of them that are active-low.
    pub active_low: Vec<u8>,
    pub actions: Vec<Action>,
    pub remote: Vec<RemoteAction>,
    pub mqtt: Option<MqttSettings>,
    /// Why each action naming a label the model does not have stays idle (`file:line: key: …`).
    pub idle: Vec<String>,
}

impl Loaded {
    /// The validated `[[action]]`s (and `[mqtt]`, which the MQTT ones need); `idle` is the idle
    /// label, which no action may name.
    pub(super) fn actions(&self, labels: &[String], idle: Option<usize>) -> Result<Actions> {
        let f = &self.file;
        let err = |span, key: &str, problem| self.err(span, key, problem);
        let label_index = |s: &Spanned<String>, key: &str| self.label_index(labels, s, key);
        if f.actions.is_empty() {
            return Err(err(0..0, "action", "no [[action]]: nothing would ever switch; add one per gesture (see firmware/beckon.toml)".into()));
        }
        let mqtt = self.mqtt()?;
        let mut pins: Vec<u8> = Vec::new();
        // Each pin's level when on (true: low), and the action that said so first.
        let mut levels: Vec<(u8, bool, usize)> = Vec::new();
        let mut actions = Vec::new();
        let mut remote = Vec::new();
        // Action indices of the GPIO actions, in order (the actuator names them by position).
        let mut gpio_index = Vec::new();
        let mut idle_actions = Vec::new();
        for (i, a) in f.actions.iter().enumerate() {
            let key = |k: &str| format!("action[{i}].{k}");
            let label = match label_index(&a.label, &key("label")) {
                Ok(label) => label,
                // A gesture this model does not know (taught later, or known to another model):
                // the action waits, its pins claimed and off.
                Err(e) if crate::model::contract::label_problem(a.label.get_ref()).is_none() => {
                    idle_actions.push(format!("{e}: this action stays idle with this model"));
                    for p in a.pins.iter().flat_map(|p| p.get_ref()).filter(|p| **p <= 27) {
                        if !pins.contains(p) {
                            pins.push(*p);
                            levels.push((*p, a.active_low.as_ref().map_or(f.gpio.active_low, |l| *l.get_ref()), i));
                        }
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            if Some(label) == idle {
                return Err(err(a.label.span(), &key("label"), format!("{:?} is the idle label, which never triggers", a.label.get_ref())));
            }
            let hand = match a.hand.as_ref().map(|h| (h, h.get_ref().as_str())) {
                None | Some((_, "any")) => None,
                Some((h, s)) => Some(Side::parse(s).ok_or_else(|| err(h.span(), &key("hand"), format!("{s:?}; expected \"left\", \"right\" or \"any\"")))?),
            };
            if let Some(r) = self.remote_action(i, a, label, mqtt.as_ref())? {
                remote.push(RemoteAction { hand, ..r });
                continue;
            }
            let Some(action_pins) = &a.pins else {
                return Err(err(
                    a.label.span(),
                    &key("pins"),
                    "missing: an action switches pins = [17], publishes mqtt = \"topic\", requests http = \"http://…\" or runs exec = [\"/path/to/program\"]"
                        .into(),
                ));
            };
            gpio_index.push(i);
            let low = a.active_low.as_ref().map_or(f.gpio.active_low, |l| *l.get_ref());
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
            let mode_span = a.mode.as_ref().map_or(a.label.span(), |m| m.span());
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
        crate::gpio::actions::Actuator::new(&pins, actions.clone()).map_err(|e| match e {
            Error::Config { setting, problem } => {
                let g: usize = setting.trim_start_matches("action[").trim_end_matches(']').parse().unwrap_or(0);
                let i = gpio_index.get(g).copied().unwrap_or(0);
                let a = &f.actions[i];
                let pins_span = a.pins.as_ref().map_or(a.label.span(), |p| p.span());
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
        Ok(Actions { pins, active_low, actions, remote, mqtt, idle: idle_actions })
    }
}

impl Config {
    /// Whether each hand decides on its own: with two hands (`max_hands` of `track`, if
    /// tracking) or an action for one hand. That needs tracking and a model that tells left from
    /// right (`handedness`); an error says what asked for it otherwise. `beckon run` and `beckon
    /// check` decide alike.
    pub fn per_hand(&self, track: Option<&super::TrackSettings>, labels: &[String], handedness: bool) -> Result<bool> {
        let sided = self.actions.iter().map(|a| (a.label, a.hand)).chain(self.remote.iter().map(|a| (a.label, a.hand))).find_map(|(l, h)| Some((l, h?)));
        let two = track.is_some_and(|t| t.max_hands > 1);
        if (two || sided.is_some()) && !(track.is_some() && handedness) {
            let what = match sided {
                Some((label, h)) => format!("an action for the {h} hand (label {:?})", labels[label]),
                None => "max_hands = 2".to_string(),
            };
            return Err(Error::Config {
                setting: what,
                problem: "needs hand tracking ([region] mode = \"track\") with a model that tells left from right hands (a handedness output)".into(),
            });
        }
        Ok(two || sided.is_some())
    }

    /// One line per action, e.g. `"4" → GPIO22 (blink 150/150 ms)`; then labels with no action.
    pub fn describe_actions(&self, labels: &[String]) -> Vec<String> {
        let mut lines: Vec<String> = self
            .actions
            .iter()
            .map(|a| {
                let pins: Vec<String> = a.pins.iter().map(|p| format!("GPIO{p}")).collect();
                let how = match &a.kind {
                    ActionKind::Hold => "while shown".to_string(),
                    ActionKind::Toggle => "toggle on each start".to_string(),
                    ActionKind::Pulse(d) => format!("pulse {} ms", d.as_millis()),
                    ActionKind::Blink(p) => format!("blink {} ms", p.iter().map(|d| d.as_millis().to_string()).collect::<Vec<_>>().join("/")),
                };
                format!("{:?}{} → {} ({how})", labels[a.label], by_hand(a.hand), pins.join(" "))
            })
            .collect();
        lines.extend(self.remote.iter().map(|r| {
            let on = match r.on {
                crate::notify::Trigger::Start => "on start",
                crate::notify::Trigger::End => "on end",
                crate::notify::Trigger::Both => "on start and end",
            };
            match &r.kind {
                crate::notify::RemoteKind::Mqtt { topic, .. } => format!("{:?}{} → MQTT {topic} ({on})", labels[r.label], by_hand(r.hand)),
                crate::notify::RemoteKind::Http { method, url, .. } => {
                    format!("{:?}{} → HTTP {method} {} ({on})", labels[r.label], by_hand(r.hand), crate::notify::redact_url(url))
                }
                crate::notify::RemoteKind::Exec { argv, .. } => format!("{:?}{} → run {} ({on})", labels[r.label], by_hand(r.hand), argv.join(" ")),
            }
        }));
        let quiet: Vec<&str> = (0..labels.len())
            .filter(|i| !self.actions.iter().any(|a| a.label == *i) && !self.remote.iter().any(|a| a.label == *i))
            .map(|i| labels[i].as_str())
            .collect();
        if !quiet.is_empty() {
            lines.push(format!("{} → nothing", quiet.iter().map(|l| format!("{l:?}")).collect::<Vec<_>>().join(", ")));
        }
        lines
    }
}

/// ` by the left hand` for an action that names one.
fn by_hand(hand: Option<Side>) -> String {
    hand.map(|h| format!(" by the {h} hand")).unwrap_or_default()
}
