//! What the page draws of motions: each hand's recent path (its palm centre over the last
//! [`TRAIL_FRAMES`] frames, kept apart by side) and the last motion made.

use std::collections::VecDeque;

use crate::runner::FrameReport;

/// Frames of path kept: a second and a half at 10 frames/s, half a second at 30 (a motion
/// takes 0.3–1.5 s).
pub const TRAIL_FRAMES: usize = 15;

/// See the module.
#[derive(Debug, Default)]
pub struct Trail {
    /// (frame number, side or "any", palm centre in frame pixels), oldest first.
    points: VecDeque<(u64, &'static str, [f32; 2])>,
    /// The last motion: its name, hand ("any" when sides are not told), the frame it ended on.
    last: Option<(&'static str, &'static str, u64)>,
}

impl Trail {
    /// Adds the hands in view on `report`'s frame and its motions; forgets frames that fell
    /// out of the window.
    pub fn push(&mut self, report: &FrameReport) {
        for (_, view) in report.hands_in_view() {
            let Some(at) = view.landmarks.as_deref().and_then(|l| crate::motion::HandAt::from_landmarks(l, view.side, None, false)) else { continue };
            self.points.push_back((report.number, view.side.map_or("any", |s| s.as_str()), [at.x, at.y]));
        }
        let oldest = report.number.saturating_sub(TRAIL_FRAMES as u64 - 1);
        while self.points.front().is_some_and(|p| p.0 < oldest) {
            self.points.pop_front();
        }
        if let Some(m) = report.motions.last() {
            self.last = Some((m.motion.name(), m.side.map_or("any", |s| s.as_str()), report.number));
        }
    }

    /// `{"trails": [{"hand": "left", "points": [[x, y], …]}, …], "motion": {"name": …,
    /// "hand": …, "frame": …} or null}` fields for the page's state.
    pub fn json(&self) -> (serde_json::Value, serde_json::Value) {
        let mut sides: Vec<&str> = self.points.iter().map(|p| p.1).collect();
        sides.sort_unstable();
        sides.dedup();
        let trails = sides
            .iter()
            .map(|side| {
                let points: Vec<[f32; 2]> = self.points.iter().filter(|p| p.1 == *side).map(|p| p.2).collect();
                serde_json::json!({ "hand": side, "points": points })
            })
            .collect::<Vec<_>>();
        let motion = self.last.map(|(name, hand, frame)| serde_json::json!({ "name": name, "hand": hand, "frame": frame }));
        (trails.into(), motion.unwrap_or(serde_json::Value::Null))
    }
}
