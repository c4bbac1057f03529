//! Rotated hand rectangles in frame pixels: from a palm detection (the crop the landmark network
//! sees after detection) and from landmarks (the next frame's crop while tracking), with
//! MediaPipe's rules (`palm_detection_detection_to_roi.pbtxt`,
//! `hand_landmark_landmarks_to_roi.pbtxt`).

use std::f32::consts::{FRAC_PI_2, PI};

use super::decode::Detection;

/// A rectangle rotated by `rotation` radians (clockwise on screen, image y pointing down) around
/// its centre, in frame pixels. Rotation 0 means the hand points up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotatedRect {
    pub cx: f32,
    pub cy: f32,
    pub width: f32,
    pub height: f32,
    pub rotation: f32,
}

/// How a detection's box grows into the landmark crop: ×2.6, shifted half a box towards the
/// fingers.
pub const DETECTION_SCALE: f32 = 2.6;
pub const DETECTION_SHIFT_Y: f32 = -0.5;
/// How landmarks grow into the next frame's crop: ×2.0, shifted a tenth towards the fingers.
pub const LANDMARK_SCALE: f32 = 2.0;
pub const LANDMARK_SHIFT_Y: f32 = -0.1;
/// Landmarks the tracking crop is made from: the wrist and the lower joints of each finger
/// (fingertips left out, so that the crop does not jump when a finger bends).
const TRACK_POINTS: [usize; 12] = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18];

/// The angle that turns the vector `from → to` (image coordinates) to point straight up.
fn rotation_to_up(from: [f32; 2], to: [f32; 2]) -> f32 {
    normalize(FRAC_PI_2 - (-(to[1] - from[1])).atan2(to[0] - from[0]))
}

/// `angle` in [-π, π).
fn normalize(angle: f32) -> f32 {
    angle - 2.0 * PI * ((angle + PI) / (2.0 * PI)).floor()
}

impl RotatedRect {
    /// The landmark crop for a palm detection (frame pixels): its box, turned so that the wrist →
    /// middle-finger-base line points up, made square, ×2.6 and shifted towards the fingers.
    pub fn from_detection(d: &Detection) -> Self {
        let rect = RotatedRect {
            cx: (d.xmin + d.xmax) / 2.0,
            cy: (d.ymin + d.ymax) / 2.0,
            width: d.width(),
            height: d.height(),
            rotation: rotation_to_up(d.keypoints[0], d.keypoints[2]),
        };
        rect.expand(DETECTION_SCALE, DETECTION_SHIFT_Y)
    }

    /// The next frame's crop from this frame's 21 landmarks (frame pixels): the box around the
    /// wrist and lower finger joints, aligned with the hand (wrist → middle of the index, middle
    /// and ring bases pointing up), made square, ×2.0 and shifted towards the fingers.
    pub fn from_landmarks(points: &[[f32; 2]]) -> Option<Self> {
        if points.len() != 21 || points.iter().flatten().any(|v| !v.is_finite()) {
            return None;
        }
        let p: Vec<[f32; 2]> = TRACK_POINTS.iter().map(|&i| points[i]).collect();
        let mid = |a: [f32; 2], b: [f32; 2]| [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
        let top = mid(mid(points[5], points[13]), points[9]);
        let rotation = rotation_to_up(points[0], top);
        let bounds = |pts: &mut dyn Iterator<Item = [f32; 2]>| {
            pts.fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |b, [x, y]| [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)])
        };
        let b = bounds(&mut p.iter().copied());
        let (ax, ay) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
        // Bounds of the points turned upright around the axis-aligned centre.
        let (s, c) = (-rotation).sin_cos();
        let r = bounds(&mut p.iter().map(|&[x, y]| {
            let (dx, dy) = (x - ax, y - ay);
            [dx * c - dy * s, dx * s + dy * c]
        }));
        let (pcx, pcy) = ((r[0] + r[2]) / 2.0, (r[1] + r[3]) / 2.0);
        let (s, c) = rotation.sin_cos();
        let rect = RotatedRect { cx: ax + pcx * c - pcy * s, cy: ay + pcx * s + pcy * c, width: r[2] - r[0], height: r[3] - r[1], rotation };
        Some(rect.expand(LANDMARK_SCALE, LANDMARK_SHIFT_Y))
    }

    /// Shifted by `shift_y` heights along the rectangle's own up axis, made square on its long
    /// side, scaled by `scale`.
    fn expand(self, scale: f32, shift_y: f32) -> Self {
        let (s, c) = self.rotation.sin_cos();
        let dy = self.height * shift_y;
        let side = self.width.max(self.height) * scale;
        RotatedRect { cx: self.cx - dy * s, cy: self.cy + dy * c, width: side, height: side, ..self }
    }

    /// The four corners in frame pixels: top-left, top-right, bottom-right, bottom-left of the
    /// upright rectangle.
    pub fn corners(&self) -> [[f32; 2]; 4] {
        [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)].map(|(u, v)| self.point(u, v))
    }

    /// The axis-aligned box around it: (xmin, ymin, xmax, ymax).
    pub fn bounds(&self) -> [f32; 4] {
        self.corners().iter().fold([f32::MAX, f32::MAX, f32::MIN, f32::MIN], |b, p| [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])])
    }

    /// Intersection over union of the two rectangles' axis-aligned boxes (0 when apart, 1 when
    /// the same): how two hands' crops tell the same hand from two (MediaPipe associates hands
    /// across frames the same way, at 0.5).
    pub fn overlap(&self, other: &RotatedRect) -> f32 {
        let (a, b) = (self.bounds(), other.bounds());
        let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
        let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
        let inter = w * h;
        let area = |r: [f32; 4]| (r[2] - r[0]) * (r[3] - r[1]);
        let union = area(a) + area(b) - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }

    /// Whether a landmark pass on `other` would see nearly the pixels it sees on this one: the
    /// centres within 5 % of the side, the sides within 10 %, the turn within 10°. Fixed by that
    /// reasoning (a shift of a few pixels at the landmark network's 224), not fitted.
    pub fn close_to(&self, other: &RotatedRect) -> bool {
        let side = self.width.max(self.height).max(1.0);
        let moved = (self.cx - other.cx).hypot(self.cy - other.cy) / side;
        let scale = other.width.max(other.height) / side;
        let turned = normalize(self.rotation - other.rotation).abs();
        moved < 0.05 && (0.9..=1.1).contains(&scale) && turned < 10f32.to_radians()
    }

    /// The frame point at `(u, v)` of the upright rectangle, each from −0.5 to 0.5.
    pub fn point(&self, u: f32, v: f32) -> [f32; 2] {
        let (s, c) = self.rotation.sin_cos();
        let (x, y) = (u * self.width, v * self.height);
        [self.cx + x * c - y * s, self.cy + x * s + y * c]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32, tol: f32) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn an_upright_palm_gives_an_unrotated_square_shifted_up() {
        let mut kp = [[0.0; 2]; 7];
        kp[0] = [100.0, 150.0]; // wrist below
        kp[2] = [100.0, 60.0]; // middle-finger base above
        let d = Detection { score: 0.9, xmin: 60.0, ymin: 60.0, xmax: 140.0, ymax: 160.0, keypoints: kp };
        let r = RotatedRect::from_detection(&d);
        assert!(close(r.rotation, 0.0, 1e-6));
        assert!(close(r.width, 260.0, 1e-3) && close(r.height, 260.0, 1e-3), "long side 100 × 2.6");
        assert!(close(r.cx, 100.0, 1e-4) && close(r.cy, 110.0 - 50.0, 1e-4), "half a box height up");
    }

    #[test]
    fn a_hand_pointing_right_is_turned_a_quarter_and_shifted_right() {
        let mut kp = [[0.0; 2]; 7];
        kp[0] = [50.0, 100.0];
        kp[2] = [150.0, 100.0];
        let d = Detection { score: 0.9, xmin: 50.0, ymin: 50.0, xmax: 150.0, ymax: 150.0, keypoints: kp };
        let r = RotatedRect::from_detection(&d);
        assert!(close(r.rotation, FRAC_PI_2, 1e-6));
        assert!(close(r.cx, 150.0, 1e-3) && close(r.cy, 100.0, 1e-3), "shifted towards the fingers: {r:?}");
        // The rectangle's top edge (fingers' side) is on the right.
        let [tl, tr, ..] = r.corners();
        assert!(tl[0] > r.cx && tr[0] > r.cx, "{:?}", r.corners());
    }

    #[test]
    fn landmarks_of_an_upright_hand_give_an_upright_crop_around_them() {
        // A synthetic upright hand: wrist at the bottom, finger joints in rows above it.
        let mut p = vec![[0.0f32; 2]; 21];
        p[0] = [100.0, 200.0];
        for f in 0..5 {
            for j in 0..4 {
                p[1 + f * 4 + j] = [60.0 + 20.0 * f as f32, 160.0 - 20.0 * j as f32];
            }
        }
        let r = RotatedRect::from_landmarks(&p).unwrap();
        assert!(close(r.rotation, 0.0, 1e-6), "{r:?}");
        // Tracked points (thumb up to its third joint, the other fingers their two lower ones)
        // span x 60..140, y 120..200: 80 × 80 → ×2 = 160, shifted up by 8.
        assert!(close(r.width, 160.0, 1e-3), "{r:?}");
        assert!(close(r.cx, 100.0, 1e-3) && close(r.cy, 160.0 - 8.0, 1e-3), "{r:?}");
        assert!(RotatedRect::from_landmarks(&p[..20]).is_none());
        // The same crop overlaps itself fully; one moved by its whole width not at all; half a
        // width, a third (the boxes' union is 1.5 wide).
        assert!(close(r.overlap(&r), 1.0, 1e-6));
        assert_eq!(r.overlap(&RotatedRect { cx: r.cx + r.width, ..r }), 0.0);
        assert!(close(r.overlap(&RotatedRect { cx: r.cx + r.width / 2.0, ..r }), 1.0 / 3.0, 1e-4));
        p[3][0] = f32::NAN;
        assert!(RotatedRect::from_landmarks(&p).is_none());
    }
}
