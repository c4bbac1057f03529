//! Home Assistant MQTT discovery: the retained config messages that make a beckon device appear
//! in Home Assistant with no YAML (<https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery>).
//!
//! One device (`beckon <node>`) with two entities:
//! - a **sensor** "Gesture": the gesture in force now (`none` when there is none), from
//!   `<topic>/gesture` (retained);
//! - an **event** "Gesture shown": fires on every gesture start with `event_type` = the label,
//!   from `<topic>/event` — what automations trigger on.
//!
//! With two hands told apart, also an event "Left hand gesture shown" and "Right hand gesture
//! shown" (`<topic>/left/event`, `<topic>/right/event`).
//!
//! All go unavailable with the device: `<topic>/availability` is `online` while beckon runs,
//! `offline` when it stops or (the broker's last will) when it dies. Entity ids are suggested
//! with `default_entity_id` (Home Assistant 2025.10 on; `object_id`, which it replaced and
//! stops honouring in 2026.4, is sent beside it for older versions). beckon announces again
//! when Home Assistant says `online` on `<prefix>/status` (it restarted and forgot).

use serde_json::json;

use super::MqttSettings;
use super::mqtt::Message;

/// The discovery messages for `settings`, the model's gesture `labels` (those that can fire),
/// `model` (a name shown as the device's model) and whether each hand has its own events.
pub fn messages(settings: &MqttSettings, labels: &[String], model: &str, per_hand: bool) -> Vec<Message> {
    let node = settings.node_id();
    let device = json!({
        "identifiers": [format!("beckon_{node}")],
        "name": format!("beckon {node}"),
        "manufacturer": "beckon",
        "model": model,
        "sw_version": env!("CARGO_PKG_VERSION"),
    });
    let availability = settings.availability_topic();
    let prefix = &settings.discovery_prefix;
    let sensor = json!({
        "name": "Gesture",
        "unique_id": format!("{node}_gesture"),
        "default_entity_id": format!("sensor.{node}_gesture"),
        "object_id": format!("{node}_gesture"),
        "state_topic": settings.gesture_topic(),
        "availability_topic": availability,
        "icon": "mdi:hand-back-right",
        "device": device,
    });
    let event = |name: &str, id: &str, topic: String| {
        json!({
            "name": name,
            "unique_id": format!("{node}_{id}"),
            "default_entity_id": format!("event.{node}_{id}"),
            "object_id": format!("{node}_{id}"),
            "state_topic": topic,
            "event_types": labels,
            "availability_topic": availability,
            "icon": "mdi:gesture-tap",
            "device": device,
        })
    };
    let mut out = vec![
        Message::new(format!("{prefix}/sensor/{node}/gesture/config"), sensor.to_string(), 1, true),
        Message::new(
            format!("{prefix}/event/{node}/gesture_shown/config"),
            event("Gesture shown", "gesture_shown", settings.event_topic()).to_string(),
            1,
            true,
        ),
    ];
    if per_hand {
        for (side, name) in [("left", "Left hand gesture shown"), ("right", "Right hand gesture shown")] {
            let id = format!("{side}_gesture_shown");
            let payload = event(name, &id, settings.hand_event_topic(side)).to_string();
            out.push(Message::new(format!("{prefix}/event/{node}/{id}/config"), payload, 1, true));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_has_a_gesture_sensor_and_a_gesture_event() {
        let s = MqttSettings::local("beckon kitchen!");
        let m = messages(&s, &["1".into(), "thumbs_up".into()], "hands-landmarks-lite", false);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].topic, "homeassistant/sensor/beckon_kitchen_/gesture/config");
        assert_eq!(m[1].topic, "homeassistant/event/beckon_kitchen_/gesture_shown/config");
        for msg in &m {
            assert!(msg.retain && msg.qos == 1);
            let v: serde_json::Value = serde_json::from_str(&msg.payload).unwrap();
            for key in ["name", "unique_id", "state_topic", "availability_topic", "device"] {
                assert!(v.get(key).is_some(), "{key} missing in {v}");
            }
            assert_eq!(v["availability_topic"], "beckon/beckon_kitchen_/availability");
            assert_eq!(v["device"]["identifiers"][0], "beckon_beckon_kitchen_");
        }
        let sensor: serde_json::Value = serde_json::from_str(&m[0].payload).unwrap();
        assert_eq!(sensor["default_entity_id"], "sensor.beckon_kitchen__gesture");
        let event: serde_json::Value = serde_json::from_str(&m[1].payload).unwrap();
        assert_eq!(event["event_types"], json!(["1", "thumbs_up"]));
        assert_eq!(event["state_topic"], "beckon/beckon_kitchen_/event");
        assert_eq!(event["default_entity_id"], "event.beckon_kitchen__gesture_shown");
        assert_eq!(event["object_id"], "beckon_kitchen__gesture_shown");
    }

    #[test]
    fn two_hands_have_an_event_each() {
        let s = MqttSettings::local("hall");
        let m = messages(&s, &["5".into()], "m", true);
        let topics: Vec<&str> = m.iter().map(|m| m.topic.as_str()).collect();
        assert_eq!(topics[2..], ["homeassistant/event/hall/left_gesture_shown/config", "homeassistant/event/hall/right_gesture_shown/config"]);
        let left: serde_json::Value = serde_json::from_str(&m[2].payload).unwrap();
        assert_eq!(left["state_topic"], "beckon/hall/left/event");
        assert_eq!(left["default_entity_id"], "event.hall_left_gesture_shown");
        assert_eq!(s.status_topic(), "homeassistant/status");
    }
}
