//! `[mqtt]` and the `[[action]]`s that talk to other programs (`mqtt = "topic"`), validated into
//! [`crate::notify`] settings.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::{ActionEntry, Loaded};
use crate::error::Result;
use crate::notify::{DEFAULT_PAYLOAD, MqttSettings, RemoteAction, RemoteKind, Trigger};

/// `[mqtt]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttSection {
    /// The broker's host name or address.
    pub host: Spanned<String>,
    pub port: Option<Spanned<i64>>,
    /// Default `beckon-` + this machine's host name.
    pub client_id: Option<Spanned<String>>,
    pub username: Option<Spanned<String>>,
    /// A file holding the password (first line), e.g. `/etc/beckon/mqtt-password` (mode 600).
    pub password_file: Option<Spanned<PathBuf>>,
    /// Or the environment variable holding it (systemd: `Environment=` / `EnvironmentFile=`).
    pub password_env: Option<Spanned<String>>,
    /// Where beckon publishes its own state (default `beckon/<client id>`).
    pub topic: Option<Spanned<String>>,
    /// Announce the device to Home Assistant (MQTT discovery).
    #[serde(default)]
    pub discovery: bool,
    pub discovery_prefix: Option<Spanned<String>>,
}

impl Loaded {
    /// The validated `[mqtt]`, if the file has one.
    pub(super) fn mqtt(&self) -> Result<Option<MqttSettings>> {
        let Some(m) = &self.file.mqtt else { return Ok(None) };
        let err = |span, key: &str, problem: String| self.err(span, &format!("mqtt.{key}"), problem);
        let host = m.host.get_ref().trim();
        if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
            return Err(err(
                m.host.span(),
                "host",
                format!("{:?} is not a host name or address, e.g. \"192.168.1.10\" or \"homeassistant.local\"", m.host.get_ref()),
            ));
        }
        let port = match &m.port {
            None => 1883,
            Some(p) => u16::try_from(*p.get_ref())
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| err(p.span(), "port", format!("{} is not a TCP port (1–65535)", p.get_ref())))?,
        };
        let client_id = match &m.client_id {
            Some(c) if c.get_ref().is_empty() || c.get_ref().len() > 23 * 4 => {
                return Err(err(c.span(), "client_id", "must be 1 to 92 characters".into()));
            }
            Some(c) => c.get_ref().clone(),
            None => format!("beckon-{}", hostname()),
        };
        let password = match (&m.password_file, &m.password_env) {
            (Some(f), Some(_)) => return Err(err(f.span(), "password_file", "set password_file or password_env, not both".into())),
            (Some(f), None) => {
                let text =
                    std::fs::read_to_string(f.get_ref()).map_err(|e| err(f.span(), "password_file", format!("cannot read {}: {e}", f.get_ref().display())))?;
                Some(text.lines().next().unwrap_or_default().to_string())
            }
            (None, Some(v)) => Some(
                std::env::var(v.get_ref())
                    .map_err(|_| err(v.span(), "password_env", format!("the environment variable {} is not set (or not UTF-8)", v.get_ref())))?,
            ),
            (None, None) => None,
        };
        if password.is_some() && m.username.is_none() {
            let span = m.password_file.as_ref().map(|f| f.span()).or(m.password_env.as_ref().map(|v| v.span())).unwrap_or(0..0);
            return Err(err(span, "username", "missing: a password needs a username".into()));
        }
        let mut settings = MqttSettings::local(&client_id);
        settings.host = host.to_string();
        settings.port = port;
        settings.username = m.username.as_ref().map(|u| u.get_ref().clone());
        settings.password = password;
        settings.discovery = m.discovery;
        if let Some(t) = &m.topic {
            check_topic(t.get_ref()).map_err(|p| err(t.span(), "topic", p))?;
            settings.topic = t.get_ref().trim_end_matches('/').to_string();
        }
        if let Some(p) = &m.discovery_prefix {
            check_topic(p.get_ref()).map_err(|problem| err(p.span(), "discovery_prefix", problem))?;
            settings.discovery_prefix = p.get_ref().clone();
        }
        Ok(Some(settings))
    }

    /// `action[i]` as a remote action, if it is one (`mqtt = "topic"`).
    pub(super) fn remote_action(&self, i: usize, a: &ActionEntry, label: usize, mqtt: Option<&MqttSettings>) -> Result<Option<RemoteAction>> {
        let Some(topic) = &a.mqtt else { return Ok(None) };
        let err = |span, key: &str, problem: String| self.err(span, &format!("action[{i}].{key}"), problem);
        if let Some(p) = &a.pins {
            return Err(err(p.span(), "pins", "an action either switches pins or publishes (mqtt = \"topic\"), not both; make two actions".into()));
        }
        if let Some(m) = &a.mode {
            return Err(err(m.span(), "mode", "is for pins; an mqtt action fires on = \"start\", \"end\" or \"both\"".into()));
        }
        if mqtt.is_none() {
            return Err(err(topic.span(), "mqtt", "needs a broker: add an [mqtt] table with host = \"…\" (see firmware/beckon.toml)".into()));
        }
        check_topic(topic.get_ref()).map_err(|p| err(topic.span(), "mqtt", p))?;
        let on = match a.on.as_ref().map(|o| (o.get_ref().as_str(), o.span())) {
            None | Some(("start", _)) => Trigger::Start,
            Some(("end", _)) => Trigger::End,
            Some(("both", _)) => Trigger::Both,
            Some((other, span)) => return Err(err(span, "on", format!("{other:?}; expected \"start\", \"end\" or \"both\""))),
        };
        let qos = match &a.qos {
            None => 1,
            Some(q) if *q.get_ref() <= 2 => *q.get_ref() as u8,
            Some(q) => return Err(err(q.span(), "qos", format!("{}; expected 0, 1 or 2", q.get_ref()))),
        };
        let payload = a.payload.as_ref().map_or(DEFAULT_PAYLOAD.to_string(), |p| p.get_ref().clone());
        Ok(Some(RemoteAction { label, on, kind: RemoteKind::Mqtt { topic: topic.get_ref().clone(), payload, qos, retain: a.retain.unwrap_or(false) } }))
    }
}

/// A topic beckon may publish on: not empty, no wildcards, no NUL.
fn check_topic(topic: &str) -> std::result::Result<(), String> {
    if topic.is_empty() || topic.contains(['+', '#', '\0']) || topic.len() > 1024 {
        return Err(format!("{topic:?} is not a topic to publish on (not empty, no + or # wildcards)"));
    }
    Ok(())
}

/// This machine's host name (for the default client id), `beckon` if unknown.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).unwrap_or_else(|| "pi".into())
}
