//! Left and right hands. The landmark network gives a left-hand score judged as if the picture
//! were a mirror image (MediaPipe: "it determines handedness assuming the input image is
//! mirrored, i.e. taken with a front-facing/selfie camera with images flipped horizontally"; its
//! graph reads the single output as the score of label 0 of `handedness.txt`, "Left").
//! A Pi camera module or a webcam's raw frames are not mirrored, so by default the score is read
//! the other way round; `[source] mirror = true` says the frames are mirror images.
//!
//! Checked on `firmware/replay-two-hands/16_pic00029.jpg`, whose shirt logo reads the right way
//! (the frame is not mirrored): MediaPipe's own graph calls the hand on the image's left "Left"
//! (score 0.898), which for an unmirrored frame is the person's right hand, and so does beckon by
//! default.

use std::fmt;

/// Which hand, as the person holding it up would say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Left,
    Right,
}

impl Side {
    /// The side for the network's left-hand `score` on a frame that is a mirror image
    /// (`mirror`) or not.
    pub fn from_score(score: f32, mirror: bool) -> Self {
        let left_in_mirror = score >= 0.5;
        if left_in_mirror == mirror { Side::Left } else { Side::Right }
    }

    /// The other hand.
    pub fn other(self) -> Self {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }

    /// `left` or `right`, as configurations, events and frame lines write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }

    /// Parses `left` or `right`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "left" => Some(Side::Left),
            "right" => Some(Side::Right),
            _ => None,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Gives each of two hands its own side when the network called both the same: the one it is
/// surer of keeps that side. Each hand is its side and the network's handedness score.
pub fn settle(a: (&mut Option<Side>, Option<f32>), b: (&mut Option<Side>, Option<f32>)) {
    if let ((Some(side_a), Some(score_a)), (Some(side_b), Some(score_b))) = ((a.0.as_mut(), a.1), (b.0.as_mut(), b.1))
        && side_a == side_b
    {
        if (score_a - 0.5).abs() >= (score_b - 0.5).abs() {
            *side_b = side_b.other();
        } else {
            *side_a = side_a.other();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mirrored_frame_reads_the_score_the_other_way() {
        assert_eq!(Side::from_score(0.9, true), Side::Left);
        assert_eq!(Side::from_score(0.9, false), Side::Right);
        assert_eq!(Side::from_score(0.1, false), Side::Left);
        assert_eq!(Side::parse("left"), Some(Side::Left));
        assert_eq!(Side::parse("Left"), None);
    }

    #[test]
    fn two_hands_called_the_same_side_split_by_how_sure_the_network_was() {
        let (mut a, mut b) = (Some(Side::Right), Some(Side::Right));
        settle((&mut a, Some(0.6)), (&mut b, Some(0.95)));
        assert_eq!((a, b), (Some(Side::Left), Some(Side::Right)));
        let (mut a, mut b) = (Some(Side::Left), Some(Side::Right));
        settle((&mut a, Some(0.9)), (&mut b, Some(0.1)));
        assert_eq!((a, b), (Some(Side::Left), Some(Side::Right)), "already apart");
    }
}
