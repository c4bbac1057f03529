//! The lines `beckon run` prints for a frame and for each gesture change.

use beckon::hand::HandView;
use beckon::model::Prediction;
use beckon::runner::FrameReport;

/// A gesture as printed: `"5"`, or `none`.
pub fn name(labels: &[String], g: Option<usize>) -> String {
    g.map_or("none".to_string(), |i| format!("{:?}", labels[i]))
}

/// One line per frame. With each hand deciding on its own, the hands in view (side, top label,
/// where: the crop's centre in frame pixels) and each side's gesture.
pub fn frame(r: &FrameReport, labels: &[String]) -> String {
    let ms = r.latency.as_secs_f64() * 1e3;
    if r.hands.is_empty() {
        // Where the hand is (palm centre and size, frame pixels), as motions see it.
        let at = r
            .hand
            .as_ref()
            .and_then(|h| beckon::motion::HandAt::from_landmarks(h.landmarks.as_deref()?, None, None, false))
            .map(|h| format!(" | palm at {:.0},{:.0} size {:.0}", h.x, h.y, h.size))
            .unwrap_or_default();
        return format!(
            "frame {:>4} {:<24} top {:>5} p={:.2} | gesture {:>6} | LEDs {} | {ms:.1} ms{at}",
            r.number,
            r.name,
            format!("{:?}", labels[r.prediction.index]),
            r.prediction.confidence,
            name(labels, r.gesture),
            r.leds
        );
    }
    let seen: Vec<String> = r.hands_in_view().map(|(p, h)| hand(labels, p, h)).collect();
    let gestures: Vec<String> = r.hands.iter().map(|g| format!("{} {}", g.side, name(labels, g.gesture))).collect();
    format!("frame {:>4} {:<24} hands [{}] | gesture {} | LEDs {} | {ms:.1} ms", r.number, r.name, seen.join("; "), gestures.join(" "), r.leds)
}

/// `left "5" p=0.98 at 320,240`.
fn hand(labels: &[String], p: &Prediction, h: &HandView) -> String {
    let side = h.side.map_or("hand", |s| s.as_str());
    format!("{side} {:?} p={:.2} at {:.0},{:.0}", labels[p.index], p.confidence, h.crop.cx, h.crop.cy)
}
