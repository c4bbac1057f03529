//! The `[[action]]` and `[mqtt]` tables as written in `beckon.toml` (and a taught model's
//! `actions.toml`), before [`super::parse`] validates them against a model's labels.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

/// One `[[action]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionEntry {
    /// The gesture that fires it; with `motion`, the pose the motion must be made with.
    pub label: Option<Spanned<String>>,
    /// A motion that fires it instead (`swipe-left`, `wave`, …; see [`crate::motion`]).
    pub motion: Option<Spanned<String>>,
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
    /// The largest MQTT packet beckon sends or takes, in KiB (default 256; mosquitto's own
    /// limit is 256 MiB). beckon's largest message is Home Assistant's event discovery.
    pub max_packet_kb: Option<Spanned<i64>>,
}
