//! Home Assistant MQTT discovery: the retained config messages that make a beckon device appear
//! in Home Assistant with no YAML (<https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery>).
//!
//! One device (`beckon <node>`) with two entities:
//! - a **sensor** "Gesture": the gesture in force now (`none` when there is none), from
//!   `<topic>/gesture` (retained);
//! - an **event** "Gesture shown": fires on every gesture start with `event_type` = the label,
//!   from `<topic>/event` — what automations trigger on.
//!
//! Both go unavailable with the device: `<topic>/availability` is `online` while beckon runs,
//! `offline` when it stops or (the broker's last will) when it dies.

use serde_json::json;

use super::MqttSettings;
use super::mqtt::Message;

/// The discovery messages for `settings`, the model's gesture `labels` (those that can fire)
/// and `model` (a name shown as the device's model).
pub fn messages(settings: &MqttSettings, labels: &[String], model: &str) -> Vec<Message> {
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
        "object_id": format!("{node}_gesture"),
        "state_topic": settings.gesture_topic(),
        "availability_topic": availability,
        "icon": "mdi:hand-back-right",
        "device": device,
    });
    let event = json!({
        "name": "Gesture shown",
        "unique_id": format!("{node}_gesture_shown"),
        "object_id": format!("{node}_gesture_shown"),
        "state_topic": settings.event_topic(),
        "event_types": labels,
        "availability_topic": availability,
        "icon": "mdi:gesture-tap",
        "device": device,
    });
    vec![
        Message::new(format!("{prefix}/sensor/{node}/gesture/config"), sensor.to_string(), 1, true),
        Message::new(format!("{prefix}/event/{node}/gesture_shown/config"), event.to_string(), 1, true),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_has_a_gesture_sensor_and_a_gesture_event() {
        let s = MqttSettings { client_id: "beckon kitchen!".into(), ..MqttSettings::local("beckon kitchen!") };
        let m = messages(&s, &["1".into(), "thumbs_up".into()], "hands-landmarks-lite");
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
        let event: serde_json::Value = serde_json::from_str(&m[1].payload).unwrap();
        assert_eq!(event["event_types"], json!(["1", "thumbs_up"]));
        assert_eq!(event["state_topic"], "beckon/beckon_kitchen_/event");
    }
}
