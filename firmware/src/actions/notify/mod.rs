//! Gestures that reach the rest of the house: MQTT messages (with Home Assistant discovery),
//! HTTP requests and commands on gesture start and end, all off the frame thread.
//!
//! - [`mqtt`]: the broker connection (reconnects with back-off, last will).
//! - [`discovery`]: the Home Assistant discovery messages.
//! - [`http`]: HTTP requests, in order, each with a timeout.
//! - [`exec`]: commands (no shell), one copy per action at a time, with a timeout.
//! - [`queue`]: the bounded queue between the frame loop and the senders (oldest dropped).
//!
//! The frame loop calls [`Notifier::gesture_change`], which only renders and queues: a broker
//! that is down never delays a frame.

pub mod discovery;
pub mod exec;
pub mod http;
pub mod mqtt;
pub mod queue;

use std::time::Duration;

use mqtt::{Message, Mqtt};

/// `[mqtt]`: the broker and how beckon appears on it.
#[derive(Clone, PartialEq)]
pub struct MqttSettings {
    pub host: String,
    pub port: u16,
    /// The MQTT client id: unique per device at the broker (the default adds the machine id).
    pub client_id: String,
    /// What beckon is called in topics and Home Assistant: the configured `client_id`, else
    /// `beckon-<host name>`.
    pub node: String,
    pub username: Option<String>,
    /// Read from `password_file` or `password_env`; never printed (see `Debug`).
    pub password: Option<String>,
    /// Where beckon publishes its own state: `<topic>/gesture`, `<topic>/event`,
    /// `<topic>/availability`.
    pub topic: String,
    pub discovery: bool,
    pub discovery_prefix: String,
    /// The largest packet sent or taken, in bytes (`max_packet_kb`).
    pub max_packet: usize,
}

impl std::fmt::Debug for MqttSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MqttSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(set)"))
            .field("topic", &self.topic)
            .field("discovery", &self.discovery)
            .finish()
    }
}

impl MqttSettings {
    /// A broker on this machine's port 1883, anonymous, no discovery.
    pub fn local(client_id: &str) -> Self {
        let mut s = Self {
            host: "localhost".into(),
            port: 1883,
            client_id: client_id.into(),
            node: client_id.into(),
            username: None,
            password: None,
            topic: String::new(),
            discovery: false,
            discovery_prefix: "homeassistant".into(),
            max_packet: DEFAULT_MAX_PACKET,
        };
        s.topic = format!("beckon/{}", s.node_id());
        s
    }

    /// The device's name as Home Assistant's discovery topics take it: letters, digits, `_`, `-`.
    pub fn node_id(&self) -> String {
        self.node.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
    }
    pub fn availability_topic(&self) -> String {
        format!("{}/availability", self.topic)
    }
    pub fn gesture_topic(&self) -> String {
        format!("{}/gesture", self.topic)
    }
    /// `<discovery prefix>/status`: where Home Assistant says `online` when it starts.
    pub fn status_topic(&self) -> String {
        format!("{}/status", self.discovery_prefix)
    }
    /// `<topic>/<side>/event`: one hand's gesture starts, when hands are told apart.
    pub fn hand_event_topic(&self, side: &str) -> String {
        format!("{}/{side}/event", self.topic)
    }
    pub fn event_topic(&self) -> String {
        format!("{}/event", self.topic)
    }
}

/// When an action fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Start,
    End,
    Both,
}

impl Trigger {
    fn fires(self, change: Change) -> bool {
        matches!((self, change), (Trigger::Both, _) | (Trigger::Start, Change::Start) | (Trigger::End, Change::End))
    }
}

/// A gesture starting or ending, or a motion made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Start,
    End,
    Motion,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Start => "start",
            Change::End => "end",
            Change::Motion => "motion",
        }
    }
}

/// What an action sends.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteKind {
    /// Publish `payload` (a template, see [`render`]) on `topic`.
    Mqtt { topic: String, payload: String, qos: u8, retain: bool },
    /// Send `method url` with `body` (a template; none for GET).
    Http { method: String, url: String, body: Option<String>, timeout: Duration },
    /// Run `argv[0]` with the rest as arguments, the gesture in its environment.
    Exec { argv: Vec<String>, timeout: Duration },
}

/// One `[[action]]` that talks to another program.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteAction {
    /// The gesture that fires it (not used when `motion` does).
    pub label: usize,
    pub on: Trigger,
    pub kind: RemoteKind,
    /// Only this hand's gestures fire it (`None`: any hand).
    pub hand: Option<crate::hand::Side>,
    /// A motion fires it instead of a gesture, once each time it is made.
    pub motion: Option<crate::motion::Motion>,
    /// With `motion`: only when made with this pose.
    pub pose: Option<usize>,
}

/// The payload of the message an action sends when none is configured.
pub const DEFAULT_PAYLOAD: &str = r#"{"gesture":"{label}","event":"{event}","hand":"{hand}","time_ms":{time_ms}}"#;

/// One gesture change, as templates see it.
#[derive(Debug, Clone, Copy)]
pub struct ChangeInfo<'a> {
    pub label: &'a str,
    pub change: Change,
    /// `left` or `right`, or `any` when hands are not told apart.
    pub hand: &'a str,
    pub probability: f32,
    pub time_ms: u64,
}

/// `template` with `{label}`, `{event}` (`start`/`end`), `{hand}` (`left`/`right`/`any`),
/// `{probability}` and `{time_ms}` replaced. A JSON template (one that is JSON once filled in)
/// gets the label escaped for a JSON string, so a label with `"` or `\` keeps the payload
/// valid JSON and cannot add fields.
pub fn render(template: &str, c: &ChangeInfo) -> String {
    let json = serde_json::from_str::<serde_json::Value>(&fill(template, &ChangeInfo { label: "x", ..*c }, "x")).is_ok();
    fill(template, c, &if json { json_string_content(c.label) } else { c.label.to_string() })
}

/// `template` filled in, with `label` as given.
fn fill(template: &str, c: &ChangeInfo, label: &str) -> String {
    template
        .replace("{label}", label)
        .replace("{hand}", c.hand)
        .replace("{event}", c.change.as_str())
        .replace("{probability}", &format!("{:.3}", c.probability))
        .replace("{time_ms}", &c.time_ms.to_string())
}

/// `s` escaped as the inside of a JSON string (without the quotes).
fn json_string_content(s: &str) -> String {
    let quoted = serde_json::Value::from(s).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// `max_packet_kb` unless configured: 256 KiB, far above any message beckon makes (40 long
/// gesture names make a 10 KiB discovery message) and far below what brokers take.
pub const DEFAULT_MAX_PACKET: usize = 256 * 1024;

/// `Err` (saying which and how large) if a message every connect publishes — the largest beckon
/// sends — would not fit in `s.max_packet` with its topic and header.
pub fn check_sizes(s: &MqttSettings, gestures: &[String], model: &str, per_hand: bool) -> std::result::Result<(), String> {
    for m in announcement(s, gestures, model, per_hand) {
        let size = m.topic.len() + m.payload.len() + 16;
        if size > s.max_packet {
            return Err(format!(
                "the MQTT message on {} is {size} bytes, more than max_packet_kb = {} allows: raise [mqtt] max_packet_kb (the broker must take it too)",
                m.topic,
                s.max_packet / 1024
            ));
        }
    }
    Ok(())
}

/// `url` with any `user:password@` shown as `…@`: what beckon prints and logs of a URL.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://…@{host}{}", &rest[end..]),
        None => url.to_string(),
    }
}

/// What every connect publishes: `online`, the discovery messages (with `discovery`), and no
/// gesture yet.
fn announcement(s: &MqttSettings, gestures: &[String], model: &str, per_hand: bool) -> Vec<Message> {
    let mut on_connect = vec![Message::new(s.availability_topic(), "online", 1, true)];
    if s.discovery {
        on_connect.extend(discovery::messages(s, gestures, model, per_hand));
    }
    on_connect.push(Message::new(s.gesture_topic(), "none", 1, true));
    on_connect
}

/// A command runner for each `exec` action (`None` for the others).
fn execs(actions: &[RemoteAction]) -> Vec<Option<exec::Exec>> {
    actions
        .iter()
        .map(|a| match &a.kind {
            RemoteKind::Exec { argv, timeout } => Some(exec::Exec::new(argv.clone(), *timeout)),
            _ => None,
        })
        .collect()
}

/// The running senders (see the module).
#[derive(Debug)]
pub struct Notifier {
    mqtt: Option<(Mqtt, MqttSettings)>,
    http: Option<http::Http>,
    /// One runner per action, for the `Exec` ones.
    execs: Vec<Option<exec::Exec>>,
    actions: Vec<RemoteAction>,
    labels: Vec<String>,
}

impl Notifier {
    /// Starts the MQTT connection when `mqtt` is set; `labels` are the model's, `gestures` those
    /// that can fire (Home Assistant's event types), `model` the name shown for the device,
    /// `per_hand` whether each hand has its own events.
    pub fn start(mqtt: Option<&MqttSettings>, actions: Vec<RemoteAction>, labels: &[String], gestures: &[String], model: &str, per_hand: bool) -> Self {
        let mqtt = mqtt.map(|s| (Mqtt::start(s, announcement(s, gestures, model, per_hand)), s.clone()));
        let http = actions.iter().any(|a| matches!(a.kind, RemoteKind::Http { .. })).then(http::Http::start);
        let execs = execs(&actions);
        Self { mqtt, http, execs, actions, labels: labels.to_vec() }
    }

    /// Another model took over (same connection): its labels, its actions, and Home
    /// Assistant's event types announced again. Commands of the old actions still running are
    /// given half a second, then killed.
    pub fn retarget(&mut self, actions: Vec<RemoteAction>, labels: &[String], gestures: &[String], model: &str, per_hand: bool) {
        for e in self.execs.iter().flatten() {
            e.stop(Duration::from_millis(500));
        }
        self.execs = execs(&actions);
        if self.http.is_none() && actions.iter().any(|a| matches!(a.kind, RemoteKind::Http { .. })) {
            self.http = Some(http::Http::start());
        }
        self.actions = actions;
        self.labels = labels.to_vec();
        if let Some((mqtt, s)) = &self.mqtt {
            mqtt.reannounce(announcement(s, gestures, model, per_hand));
        }
    }

    /// Nothing to send to: no `[mqtt]` and no remote action.
    pub fn is_idle(&self) -> bool {
        self.mqtt.is_none() && self.actions.is_empty()
    }

    /// The gesture in force changed from `previous` to `current` (label indices), for `hand`
    /// when hands are told apart: queues the state, the event and every action that fires.
    /// Never waits.
    pub fn gesture_change(&self, hand: Option<crate::hand::Side>, previous: Option<usize>, current: Option<usize>, probability: f32, time_ms: u64) {
        let label = |i: usize| self.labels.get(i).map_or("?", |s| s.as_str());
        let changes = previous.map(|p| (p, Change::End)).into_iter().chain(current.map(|c| (c, Change::Start)));
        for (index, change) in changes {
            let side = hand.map(|h| h.as_str());
            let info = ChangeInfo { label: label(index), change, hand: side.unwrap_or("any"), probability, time_ms };
            if let (Some((mqtt, s)), Change::Start) = (&self.mqtt, change) {
                let mut event = serde_json::json!({"event_type": info.label, "probability": probability, "time_ms": time_ms});
                if let Some(side) = side {
                    event["hand"] = side.into();
                    mqtt.send(Message::new(s.hand_event_topic(side), event.to_string(), 1, false));
                }
                mqtt.send(Message::new(s.event_topic(), event.to_string(), 1, false));
            }
            for (a, exec) in self
                .actions
                .iter()
                .zip(&self.execs)
                .filter(|(a, _)| a.motion.is_none() && a.label == index && a.on.fires(change) && a.hand.is_none_or(|h| Some(h) == hand))
            {
                self.fire(a, exec.as_ref(), &info);
            }
        }
        if let Some((mqtt, s)) = &self.mqtt {
            mqtt.set_retained(Message::new(s.gesture_topic(), current.map_or("none", label), 1, true));
        }
    }

    /// Sends `a`'s message or request, or runs its command, for `info`.
    fn fire(&self, a: &RemoteAction, exec: Option<&exec::Exec>, info: &ChangeInfo) {
        match &a.kind {
            RemoteKind::Mqtt { topic, payload, qos, retain } => {
                if let Some((mqtt, _)) = &self.mqtt {
                    mqtt.send(Message::new(topic.clone(), render(payload, info), *qos, *retain));
                }
            }
            RemoteKind::Http { method, url, body, timeout } => {
                if let Some(http) = &self.http {
                    let body = body.as_deref().map(|b| render(b, info));
                    http.send(http::Request { method: method.clone(), url: url.clone(), body, timeout: *timeout });
                }
            }
            RemoteKind::Exec { .. } => {
                if let Some(e) = exec {
                    e.fire(info);
                }
            }
        }
    }

    /// A motion was made: Home Assistant's event (`event_type` the motion's name, `"motion":
    /// true`), on the event topic and, with a side, the hand's. Never waits.
    pub fn motion(&self, m: &crate::motion::MotionEvent, time_ms: u64) {
        // The actions it fires: templates see the motion's name as the label, `motion` as the
        // event, its confidence as the probability.
        let side = m.side.map(|h| h.as_str());
        let info = ChangeInfo { label: m.motion.name(), change: Change::Motion, hand: side.unwrap_or("any"), probability: m.confidence, time_ms };
        let fires = |a: &RemoteAction| a.motion == Some(m.motion) && a.pose.is_none_or(|p| Some(p) == m.pose) && a.hand.is_none_or(|h| Some(h) == m.side);
        for (a, exec) in self.actions.iter().zip(&self.execs).filter(|(a, _)| fires(a)) {
            self.fire(a, exec.as_ref(), &info);
        }
        let Some((mqtt, s)) = &self.mqtt else { return };
        let mut event = serde_json::json!({
            "event_type": m.motion.name(),
            "motion": true,
            "confidence": (m.confidence * 100.0).round() / 100.0,
            "pose": m.pose.and_then(|p| self.labels.get(p)),
            "time_ms": time_ms,
        });
        if let Some(side) = m.side.map(|h| h.as_str()) {
            event["hand"] = side.into();
            mqtt.send(Message::new(s.hand_event_topic(side), event.to_string(), 1, false));
        }
        mqtt.send(Message::new(s.event_topic(), event.to_string(), 1, false));
    }

    /// Messages and requests dropped so far because a queue was full (a broker away for long,
    /// URLs that hang), and commands skipped because their last copy still ran.
    pub fn dropped(&self) -> u64 {
        self.mqtt.as_ref().map_or(0, |(m, _)| m.dropped())
            + self.http.as_ref().map_or(0, |h| h.dropped())
            + self.execs.iter().flatten().map(|e| e.skipped()).sum::<u64>()
    }

    /// Whether the broker is connected (`None` without `[mqtt]`).
    pub fn mqtt_online(&self) -> Option<bool> {
        self.mqtt.as_ref().map(|(m, _)| m.online())
    }

    /// Sends what is queued and says "offline", within `deadline`; commands still running then
    /// are killed.
    pub fn stop(self, deadline: Duration) {
        let until = std::time::Instant::now() + deadline;
        if let Some(http) = self.http {
            http.stop(deadline);
        }
        for e in self.execs.iter().flatten() {
            e.stop(until.saturating_duration_since(std::time::Instant::now()));
        }
        if let Some((mqtt, _)) = self.mqtt {
            mqtt.stop(until.saturating_duration_since(std::time::Instant::now()).max(Duration::from_millis(300)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_name_the_gesture_and_the_change() {
        let c = ChangeInfo { label: "thumbs_up", change: Change::End, hand: "left", probability: 0.91234, time_ms: 17 };
        assert_eq!(render(DEFAULT_PAYLOAD, &c), r#"{"gesture":"thumbs_up","event":"end","hand":"left","time_ms":17}"#);
        assert_eq!(render("{label} {event} {probability} {hand}", &c), "thumbs_up end 0.912 left");
        assert!(Trigger::Both.fires(Change::End) && Trigger::Start.fires(Change::Start) && !Trigger::Start.fires(Change::End));
    }

    /// Issue 33, row 7: a label with a quote (the Teach panel takes one) kept the default
    /// payload from being JSON, and `x","event":"end` added a field.
    #[test]
    fn labels_are_escaped_in_json_templates_only() {
        for label in ["a\"b", "x\",\"event\":\"end", "back\\slash", "daumen ✓"] {
            let c = ChangeInfo { label, change: Change::Start, hand: "any", probability: 0.5, time_ms: 1 };
            let v: serde_json::Value = serde_json::from_str(&render(DEFAULT_PAYLOAD, &c)).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!((v["gesture"].as_str(), v["event"].as_str()), (Some(label), Some("start")), "{v}");
            assert_eq!(v.as_object().unwrap().len(), 4, "no field added: {v}");
            assert_eq!(render("{label} {event}", &c), format!("{label} start"), "a plain template is plain");
        }
    }

    /// Issue 33, row 2: 40 long gesture names make a 10 KiB discovery message, past rumqttc's
    /// 10 KiB default: every publish dropped the connection. The default is now 256 KiB, and a
    /// configured limit a message cannot fit in is refused at start, saying which.
    #[test]
    fn the_largest_message_fits_the_packet_limit_or_is_refused() {
        let gestures: Vec<String> = (0..40).map(|i| format!("{}{i:02}", "a-rather-long-gesture-name-".repeat(9))).collect();
        let s = MqttSettings { discovery: true, ..MqttSettings::local("kitchen") };
        let largest = announcement(&s, &gestures, "m", false).iter().map(|m| m.payload.len()).max().unwrap();
        assert!(largest > 10 * 1024, "{largest}");
        assert!(check_sizes(&s, &gestures, "m", false).is_ok());
        let small = MqttSettings { max_packet: 4 * 1024, ..s };
        let e = check_sizes(&small, &gestures, "m", false).unwrap_err();
        assert!(e.contains("homeassistant/event/kitchen/gesture_shown/config") && e.contains("max_packet_kb = 4"), "{e}");
    }

    #[test]
    fn passwords_in_urls_are_never_shown() {
        assert_eq!(redact_url("http://u:pw@ha.local:8123/api/x"), "http://…@ha.local:8123/api/x");
        assert_eq!(redact_url("http://ha.local/a@b"), "http://ha.local/a@b");
        assert_eq!(redact_url("http://ha.local"), "http://ha.local");
    }

    #[test]
    fn the_password_is_never_printed() {
        let s = MqttSettings { password: Some("hunter22".into()), ..MqttSettings::local("b") };
        assert!(!format!("{s:?}").contains("hunter22"));
    }
}
