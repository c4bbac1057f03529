//! The Teach panel's outputs: what each taught gesture does, chosen among the configuration's
//! outputs (its pins, its MQTT, HTTP and command actions) or nothing. The choice is kept beside
//! the taught model — `outputs.json` (the page's choices) and `actions.toml` (what runs,
//! [`crate::config::overlay`]) — checked with beckon.toml's own rules against the model's labels
//! before anything is written, so a switch to the model brings its outputs and a switch away
//! undoes them.
//!
//! ```text
//! POST /teach/output?gesture=G&to=ID     ID: an id from state.json's outputs.choices, or none
//! ```

use std::path::Path;

use serde_json::{Value, json};

use crate::config::{Loaded, overlay};
use crate::model::ModelInfo;

/// The page's answer: HTTP status and text.
type Answer = (u16, String);

/// The file of the page's choices beside a taught model.
const CHOICES: &str = "outputs.json";

/// The configuration the outputs come from.
#[derive(Debug)]
pub struct Outputs {
    base: Loaded,
    /// The last taught model's contract (the page asks twice a second; the file is read once).
    info: std::sync::Mutex<Option<(std::path::PathBuf, ModelInfo)>>,
}

impl Outputs {
    pub fn new(base: Loaded) -> Self {
        Self { base, info: std::sync::Mutex::new(None) }
    }

    /// `model`'s contract, read from its file the first time it is asked for.
    fn info(&self, model: &Path) -> crate::error::Result<ModelInfo> {
        let mut cached = self.info.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, info)) = cached.as_ref().filter(|(p, _)| p == model) {
            return Ok(info.clone());
        }
        let info = ModelInfo::read(model)?;
        *cached = Some((model.to_path_buf(), info.clone()));
        Ok(info)
    }

    /// For the page: the choices, `model`'s gestures (not `other`, not the no-hand label) and
    /// what each does now.
    pub fn state(&self, model: &Path) -> Value {
        let Ok(info) = self.info(model) else { return Value::Null };
        let gestures: Vec<&String> =
            info.labels.iter().filter(|l| Some(l.as_str()) != info.no_hand_label.as_deref() && l.as_str() != crate::teach::mix::OTHER).collect();
        let choices: Vec<Value> = self.base.output_choices().into_iter().map(|c| json!({ "id": c.id, "text": c.text })).collect();
        json!({ "model": model, "gestures": gestures, "assigned": assigned(model), "choices": choices })
    }

    /// Gives `gesture` of `model` the output `to` (`none`: nothing), if the configuration
    /// accepts it with the model's labels; writes the model's actions.toml and outputs.json.
    pub fn assign(&self, model: &Path, gesture: &str, to: &str) -> Answer {
        let info = match self.info(model) {
            Ok(i) => i,
            Err(e) => return (409, e.to_string()),
        };
        if !info.labels.iter().any(|l| l == gesture) {
            return (400, format!("{} has no gesture {gesture:?}", model.display()));
        }
        let mut choices: Vec<(String, String)> = assigned(model).into_iter().filter(|(g, _)| g != gesture).collect();
        if to != "none" {
            choices.push((gesture.to_string(), to.to_string()));
        }
        let path = overlay::path_for(model);
        let checked = self.base.overlay_text(&choices).and_then(|text| {
            let merged = self.base.with_overlay(&path, &text)?;
            merged.resolve(&info.labels, info.no_hand_label.as_deref())?;
            Ok(text)
        });
        let text = match checked {
            Ok(t) => t,
            Err(e) => return (400, e.to_string()),
        };
        let json = serde_json::to_string_pretty(&choices.iter().map(|(g, id)| (g.clone(), Value::from(id.clone()))).collect::<serde_json::Map<_, _>>())
            .unwrap_or_default();
        for (file, body) in [(path, text), (model.with_file_name(CHOICES), json)] {
            if let Err(e) = crate::files::write_aside(&file, body.as_bytes()) {
                return (500, format!("{}: {e}", file.display()));
            }
        }
        let what = self.base.output_choices().into_iter().find(|c| c.id == to).map_or("nothing".to_string(), |c| c.text);
        (200, format!("{gesture} → {what}"))
    }
}

/// `(gesture, choice id)` as the page chose them for `model` (none yet: empty).
fn assigned(model: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(model.with_file_name(CHOICES)).unwrap_or_default();
    let map: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap_or_default();
    map.into_iter().filter_map(|(g, v)| Some((g, v.as_str()?.to_string()))).collect()
}
