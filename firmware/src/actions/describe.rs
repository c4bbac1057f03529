//! What the actions of a configuration ask of the run (one hand or each hand on its own), and
//! one line per action for `beckon run` and `beckon check`.

use super::notify::{RemoteAction, RemoteKind, Trigger, redact_url};
use super::pins::{Action, ActionKind, MotionAction};
use crate::error::{Error, Result};
use crate::hand::Side;

/// Whether each hand decides on its own: with two hands (`max_hands`, when tracking) or an
/// action for one hand. That needs tracking and a model that tells left from right
/// (`handedness`); an error says what asked for it otherwise. `beckon run` and `beckon check`
/// decide alike.
pub fn per_hand(gpio: &[Action], remote: &[RemoteAction], max_hands: Option<usize>, labels: &[String], handedness: bool) -> Result<bool> {
    {
        let sided = gpio
            .iter()
            .map(|a| (a.label, a.hand))
            .chain(remote.iter().filter(|a| a.motion.is_none()).map(|a| (a.label, a.hand)))
            .find_map(|(l, h)| Some((l, h?)));
        let two = max_hands.is_some_and(|n| n > 1);
        if (two || sided.is_some()) && !(max_hands.is_some() && handedness) {
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
}

/// One line per action, e.g. `"4" → GPIO22 (blink 150/150 ms)`; then labels with no action.
pub fn describe(gpio: &[Action], remote: &[RemoteAction], motions: &[MotionAction], labels: &[String]) -> Vec<String> {
    {
        let mut lines: Vec<String> = gpio
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
        lines.extend(remote.iter().map(|r| {
            let on = match (r.motion, r.on) {
                (Some(_), _) => "each time",
                (None, Trigger::Start) => "on start",
                (None, Trigger::End) => "on end",
                (None, Trigger::Both) => "on start and end",
            };
            let what = match r.motion {
                Some(m) => format!("motion {}{}{}", m.name(), r.pose.map(|p| format!(" with {:?}", labels[p])).unwrap_or_default(), by_hand(r.hand)),
                None => format!("{:?}{}", labels[r.label], by_hand(r.hand)),
            };
            match &r.kind {
                RemoteKind::Mqtt { topic, .. } => format!("{what} → MQTT {topic} ({on})"),
                RemoteKind::Http { method, url, .. } => format!("{what} → HTTP {method} {} ({on})", redact_url(url)),
                RemoteKind::Exec { argv, .. } => format!("{what} → run {} ({on})", argv.join(" ")),
            }
        }));
        lines.extend(motions.iter().map(|m| {
            let pins: Vec<String> = m.pins.iter().map(|p| format!("GPIO{p}")).collect();
            let pose = m.pose.map(|p| format!(" with {:?}", labels[p])).unwrap_or_default();
            let how = match &m.kind {
                ActionKind::Pulse(d) => format!("pulse {} ms", d.as_millis()),
                _ => "toggle".to_string(),
            };
            format!("motion {}{pose}{} → {} ({how})", m.motion.name(), by_hand(m.hand), pins.join(" "))
        }));
        let quiet: Vec<&str> = (0..labels.len())
            .filter(|i| !gpio.iter().any(|a| a.label == *i) && !remote.iter().any(|a| a.motion.is_none() && a.label == *i))
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
