//! [`View`]: the squares of the frame the palm detector looks at when the whole frame
//! (letterboxed) shows no hand (`[region] second_look`).

use super::rect::RotatedRect;

/// A square of the frame the detector looks at when the whole frame (letterboxed) shows no
/// hand the landmark model takes: hands too large for the palm detector's anchors at the
/// whole frame's scale, or too small.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum View {
    /// The letterboxed frame with a black margin: the square this many times the frame's long
    /// side, so a large hand looks smaller.
    ZoomOut(f32),
    /// The square on the frame's short side at its left (or top) end.
    Start,
    /// The square on the frame's short side at its right (or bottom) end.
    End,
}

/// The second look `[region] second_look = true` (`--second-look`) turns on: zoomed out 1.5×,
/// then the two ends. On `hands-frames` it finds 274 of 279 labelled hands against 270 with one
/// look, and the 40 scenes without a hand stay quiet
/// (`firmware/tests/hand_tracking.rs::a_second_look_finds_more_hands_and_scenes_without_one_stay_quiet`).
pub const SECOND_LOOK: [View; 3] = [View::ZoomOut(1.5), View::Start, View::End];

impl View {
    /// The square in frame pixels.
    pub fn square(self, width: u32, height: u32) -> RotatedRect {
        let (w, h) = (width as f32, height as f32);
        let short = w.min(h);
        let (cx, cy, side) = match self {
            View::ZoomOut(k) => (w / 2.0, h / 2.0, w.max(h) * k),
            View::Start if w >= h => (short / 2.0, h / 2.0, short),
            View::Start => (w / 2.0, short / 2.0, short),
            View::End if w >= h => (w - short / 2.0, h / 2.0, short),
            View::End => (w / 2.0, h - short / 2.0, short),
        };
        RotatedRect { cx, cy, width: side, height: side, rotation: 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_look_squares_sit_at_the_ends_and_around_the_frame() {
        let sq = |v: View| {
            let r = v.square(640, 480);
            (r.cx, r.cy, r.width)
        };
        assert_eq!(sq(View::Start), (240.0, 240.0, 480.0));
        assert_eq!(sq(View::End), (400.0, 240.0, 480.0));
        assert_eq!(sq(View::ZoomOut(1.5)), (320.0, 240.0, 960.0));
        let r = View::End.square(480, 640);
        assert_eq!((r.cx, r.cy, r.width), (240.0, 400.0, 480.0));
    }
}
