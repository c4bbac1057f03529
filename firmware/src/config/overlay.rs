//! A taught model's own actions: `actions.toml` beside its `model.onnx`, `[[action]]` tables in
//! beckon.toml's syntax, written by the Teach panel ("wave → GPIO17 while shown"). A round with
//! that model runs the configuration's actions and these, validated together with the same
//! rules and errors (an error in them names actions.toml and its line). The file belongs to the
//! model: switching back to another model undoes it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Loaded;
use crate::error::{Error, Result};

/// The file beside a model that holds its own actions.
pub const FILE: &str = "actions.toml";

/// `actions.toml` beside `model`.
pub fn path_for(model: &Path) -> PathBuf {
    model.with_file_name(FILE)
}

/// An output a gesture can be given: the id the page sends back, and what it does in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub id: String,
    pub text: String,
}

/// Only `[[action]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayFile {
    #[serde(default)]
    #[allow(dead_code)]
    action: Vec<toml::Table>,
}

impl Loaded {
    /// The same configuration, parsed again (a copy for the page's Teach panel).
    pub fn duplicate(&self) -> Result<Loaded> {
        Loaded::parse(&self.path, self.text.clone())
    }

    /// This configuration with `model`'s own actions (its `actions.toml`), or `None` when it
    /// has none.
    pub fn with_model_actions(&self, model: &Path) -> Result<Option<Loaded>> {
        let path = path_for(model);
        if !path.is_file() {
            return Ok(None);
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| Error::Config { setting: path.display().to_string(), problem: format!("cannot read it: {e}") })?;
        self.with_overlay(&path, &text).map(Some)
    }

    /// This configuration with the `[[action]]` tables of `text` (read from `path`) after its own.
    pub fn with_overlay(&self, path: &Path, text: &str) -> Result<Loaded> {
        toml::from_str::<OverlayFile>(text).map_err(|e| {
            let line = e.span().map_or(0, |s| super::location::line_of(text, s.start));
            Error::Config { setting: format!("{}:{line}", path.display()), problem: format!("{} (only [[action]] tables belong here)", e.message().trim()) }
        })?;
        let start = self.text.len() + 1;
        let mut merged = Loaded::parse(&self.path, format!("{}\n{text}", self.text))?;
        merged.overlay = Some((path.to_path_buf(), start));
        Ok(merged)
    }

    /// What the configuration offers a taught gesture: each pin its actions switch (on while
    /// the gesture shows, or toggled at each start), and each of its MQTT, HTTP and command
    /// actions (as configured, for the new gesture).
    pub fn output_choices(&self) -> Vec<Choice> {
        let mut pins: Vec<u8> = self.file.actions.iter().flat_map(|a| a.pins.iter().flat_map(|p| p.get_ref().clone())).collect();
        pins.sort_unstable();
        pins.dedup();
        let mut choices = Vec::new();
        for p in pins {
            choices.push(Choice { id: format!("pin:{p}:hold"), text: format!("GPIO{p} on while shown") });
            choices.push(Choice { id: format!("pin:{p}:toggle"), text: format!("GPIO{p} toggled at each start") });
        }
        for (i, a) in self.file.actions.iter().enumerate() {
            let text = if let Some(topic) = &a.mqtt {
                format!("MQTT {}", topic.get_ref())
            } else if let Some(url) = &a.http {
                format!("HTTP {} {}", a.method.as_ref().map_or("POST", |m| m.get_ref().as_str()), crate::actions::notify::redact_url(url.get_ref()))
            } else if let Some(argv) = &a.exec {
                format!("run {}", argv.get_ref().join(" "))
            } else {
                continue;
            };
            choices.push(Choice { id: format!("action:{i}"), text });
        }
        choices
    }

    /// The `actions.toml` text giving each `(gesture, choice id)` its output.
    pub fn overlay_text(&self, assigned: &[(String, String)]) -> Result<String> {
        let bad = |id: &str| Error::Config { setting: format!("output {id:?}"), problem: "is not one of the configuration's outputs".into() };
        let table: toml::Table =
            toml::from_str(&self.text).map_err(|e| Error::Config { setting: self.path.display().to_string(), problem: e.message().to_string() })?;
        let actions = table.get("action").and_then(|a| a.as_array()).cloned().unwrap_or_default();
        let mut out = String::from("# Written by beckon's Teach panel: what this model's gestures do, besides the configuration's [[action]]s.\n");
        for (gesture, id) in assigned {
            let mut action = toml::Table::new();
            let parts: Vec<&str> = id.split(':').collect();
            match parts[..] {
                ["pin", pin, mode] if matches!(mode, "hold" | "toggle") && self.output_choices().iter().any(|c| c.id == *id) => {
                    action.insert("pins".into(), toml::Value::Array(vec![toml::Value::Integer(pin.parse().map_err(|_| bad(id))?)]));
                    if mode == "toggle" {
                        action.insert("mode".into(), "toggle".into());
                    }
                }
                ["action", i] => {
                    let copy = i
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| actions.get(i))
                        .and_then(|a| a.as_table())
                        .filter(|a| a.get("pins").is_none())
                        .ok_or_else(|| bad(id))?;
                    action = copy.clone();
                }
                _ => return Err(bad(id)),
            }
            action.insert("label".into(), gesture.as_str().into());
            let mut one = toml::Table::new();
            one.insert("action".into(), toml::Value::Array(vec![toml::Value::Table(action)]));
            out += &toml::to_string(&one).map_err(|e| Error::Config { setting: FILE.into(), problem: e.to_string() })?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "[mqtt]\nhost = \"broker\"\n[[action]]\nlabel = \"1\"\npins = [17]\n[[action]]\nlabel = \"2\"\npins = [23]\nmode = \"toggle\"\n[[action]]\nlabel = \"3\"\nmqtt = \"home/lamp\"\npayload = \"{label}\"\n";

    fn labels(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_taught_gesture_gets_a_configured_output_and_runs_with_it() {
        let base = Loaded::parse(Path::new("beckon.toml"), CONFIG.into()).unwrap();
        let ids: Vec<String> = base.output_choices().into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["pin:17:hold", "pin:17:toggle", "pin:23:hold", "pin:23:toggle", "action:2"]);
        let text = base.overlay_text(&[("wave".into(), "pin:17:hold".into()), ("point".into(), "action:2".into())]).unwrap();
        let merged = base.with_overlay(Path::new("m/actions.toml"), &text).unwrap();
        let cfg = merged.resolve(&labels(&["point", "wave", "other", "none"]), Some("none")).unwrap();
        // The configuration's own actions name counts this model lacks: idle; the taught ones run.
        assert_eq!(cfg.idle_actions.len(), 3, "{:?}", cfg.idle_actions);
        assert_eq!(cfg.actions.iter().map(|a| (a.label, a.pins.clone())).collect::<Vec<_>>(), [(1, vec![17])]);
        assert_eq!(cfg.remote.len(), 1);
        assert_eq!(cfg.remote[0].label, 0);
    }

    #[test]
    fn errors_in_a_models_actions_name_its_file_and_line() {
        let base = Loaded::parse(Path::new("beckon.toml"), CONFIG.into()).unwrap();
        // A toggle on a pin another action holds: the actuator's rule, with actions.toml's line.
        let text = base.overlay_text(&[("wave".into(), "pin:17:toggle".into())]).unwrap();
        let merged = base.with_overlay(Path::new("m/actions.toml"), &text).unwrap();
        let e = merged.resolve(&labels(&["1", "wave", "none"]), Some("none")).unwrap_err().to_string();
        assert!(e.starts_with("m/actions.toml:"), "{e}");
        assert!(base.overlay_text(&[("wave".into(), "pin:4:hold".into())]).is_err(), "a pin the configuration does not use");
        assert!(base.overlay_text(&[("wave".into(), "action:0".into())]).is_err(), "a pin action is offered by pin, not copied");
        let e = base.with_overlay(Path::new("m/actions.toml"), "[mqtt]\nhost = \"x\"\n").unwrap_err().to_string();
        assert!(e.starts_with("m/actions.toml:") && e.contains("only [[action]] tables"), "{e}");
    }
}
