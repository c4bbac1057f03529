//! Gesture changes as events other programs read: one JSON object per change, the same for
//! `beckon run --events json` (a line each on stdout, for pipes) and the preview's
//! Server-Sent-Events stream (`GET /events`).
//!
//! ```json
//! {"frame":17,"gesture":"5","outputs":{"GPIO17":true,"GPIO22":true},"previous":"4",
//!  "probability":0.97,"source":"5_35_pic00000_0.jpg","time_ms":1764567840123,"type":"gesture"}
//! ```
//!
//! `gesture` is `null` when no gesture holds any more (and `previous` on the first one);
//! `time_ms` is the wall clock (Unix milliseconds) when the change was decided; `outputs` are the
//! output levels after it. With each hand deciding on its own (two hands, or actions for one
//! hand) every change also says whose it is: `"hand":"left"` or `"right"`.
//!
//! A motion ([`crate::motion`]) is an event of its own, `"type":"motion"`:
//!
//! ```json
//! {"confidence":0.93,"duration_ms":420,"frame":48,"hand":"right","motion":"swipe-left",
//!  "pose":"5","source":"0003_0017.jpg","time_ms":1764567840123,"type":"motion"}
//! ```
//!
//! `hand` and `pose` are `null` when unknown; `duration_ms` is video time from the motion's start
//! to the frame that ended it.

use crate::hand::Side;
use crate::runner::{FrameReport, HandGesture};

/// The wall clock in Unix milliseconds (0 before 1970), as events carry it.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The event for a frame whose gesture changed from `previous`.
pub fn gesture_change(r: &FrameReport, labels: &[String], previous: Option<usize>) -> String {
    change(r, labels, None, previous, r.gesture, r.gesture_probability)
}

/// The event for one hand's change (see [`FrameReport::hands`]).
pub fn hand_change(r: &FrameReport, labels: &[String], g: &HandGesture) -> String {
    change(r, labels, Some(g.side), g.previous, g.gesture, g.probability)
}

/// The event for a motion that ended on frame `r`.
pub fn motion(r: &FrameReport, labels: &[String], m: &crate::motion::MotionEvent) -> String {
    serde_json::json!({
        "type": "motion",
        "time_ms": now_ms(),
        "frame": r.number,
        "source": r.name,
        "motion": m.motion.name(),
        "hand": m.side.map(|s| s.as_str()),
        "pose": m.pose.and_then(|p| labels.get(p).cloned()),
        "confidence": (m.confidence * 100.0).round() / 100.0,
        "duration_ms": ((m.end - m.start) * 1000.0).round() as u64,
    })
    .to_string()
}

fn change(r: &FrameReport, labels: &[String], hand: Option<Side>, previous: Option<usize>, gesture: Option<usize>, probability: f32) -> String {
    let time_ms = now_ms();
    let outputs: serde_json::Map<String, serde_json::Value> =
        r.leds.split_whitespace().filter_map(|kv| kv.split_once('=').map(|(n, v)| (n.to_string(), serde_json::Value::Bool(v == "on")))).collect();
    let label = |g: Option<usize>| g.and_then(|i| labels.get(i).cloned());
    let mut event = serde_json::json!({
        "type": "gesture",
        "time_ms": time_ms,
        "frame": r.number,
        "source": r.name,
        "gesture": label(gesture),
        "previous": label(previous),
        "probability": probability,
        "outputs": outputs,
    });
    if let Some(h) = hand {
        event["hand"] = h.as_str().into();
    }
    event.to_string()
}
