//! The page's state for one frame (`/state.json`, and the header of `/frame.jpg`): the labels
//! and probabilities, outputs, timings, and where the hands are — landmarks, crops, palms, each
//! hand's side and recent path, the last motion.

use std::time::Duration;

use crate::runner::{FrameReport, StatsSummary};

/// `hand`: the landmarks in frame pixels, if the model gives them; `trail`: the hands' recent
/// paths and the last motion ([`super::trail::Trail::json`]).
pub(super) fn state_json(
    r: &FrameReport,
    labels: &[String],
    stats: Option<&StatsSummary>,
    frame: (u32, u32),
    hand: Option<&[[f32; 2]]>,
    (trails, motion): (serde_json::Value, serde_json::Value),
) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let probabilities: Vec<(String, f32)> = labels.iter().cloned().zip(r.prediction.probabilities.iter().copied()).collect();
    let outputs: Vec<(String, bool)> = r.leds.split_whitespace().filter_map(|kv| kv.split_once('=').map(|(n, v)| (n.to_string(), v == "on"))).collect();
    serde_json::json!({
        "frame": r.number,
        "name": r.name,
        "gesture": r.gesture.map(|g| labels[g].clone()),
        "top": labels[r.prediction.index],
        "confidence": r.prediction.confidence,
        "probabilities": probabilities,
        "outputs": outputs,
        "fps": stats.map_or(0.0, |s| s.fps),
        "capture_ms": ms(r.timings.capture),
        "preprocess_ms": ms(r.timings.preprocess),
        "detector_ms": ms(r.timings.detector),
        "detector_ran": r.detector_ran,
        "inference_ms": ms(r.timings.inference),
        "decision_ms": ms(r.timings.decision),
        "gpio_ms": ms(r.timings.gpio),
        "frame_size": [frame.0, frame.1],
        "landmarks": hand,
        // With tracking: the rotated square the model saw (4 corners) and the palm box.
        "crop": r.hand.as_ref().map(|h| h.crop.corners()),
        "palm": r.hand.as_ref().and_then(|h| h.detection.as_ref().map(|d| [d.xmin, d.ymin, d.xmax, d.ymax])),
        // With two hands: every hand in view (the first is the one above), and each side's gesture.
        "hands": hands_json(r, labels),
        "sides": r.hands.iter().map(|g| serde_json::json!({"hand": g.side.as_str(), "gesture": g.gesture.map(|i| labels[i].clone())})).collect::<Vec<_>>(),
        // With motions: each hand's recent path and the last motion made.
        "trails": trails,
        "motion": motion,
    })
    .to_string()
}

/// Each hand in view with a side, as the page draws it: side, top label, confidence, landmarks,
/// crop and palm in frame pixels. Empty unless hands are told apart.
fn hands_json(r: &FrameReport, labels: &[String]) -> Vec<serde_json::Value> {
    if r.hands.is_empty() {
        return Vec::new();
    }
    r.hands_in_view()
        .map(|(p, h)| {
            serde_json::json!({
                "hand": h.side.map(|s| s.as_str()),
                "top": labels[p.index],
                "confidence": p.confidence,
                "landmarks": h.landmarks,
                "crop": h.crop.corners(),
                "palm": h.detection.as_ref().map(|d| [d.xmin, d.ymin, d.xmax, d.ymax]),
            })
        })
        .collect()
}
