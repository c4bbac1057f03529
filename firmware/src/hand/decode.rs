//! Palm detector outputs → palm detections: box and keypoint decoding against the SSD anchors,
//! sigmoid scores, weighted non-maximum suppression (MediaPipe's `TensorsToDetectionsCalculator`
//! and `NonMaxSuppressionCalculator` with the options of `palm_detection_cpu.pbtxt`).

use super::anchors::Anchor;

/// Numbers per anchor in the box output: box (x, y, w, h) then 7 keypoints (x, y).
pub const VALUES_PER_ANCHOR: usize = 18;
/// Palm keypoints: 0 wrist centre, 1 index-finger base, 2 middle-finger base, 3 ring-finger
/// base, 4 little-finger base, 5 and 6 thumb.
pub const KEYPOINTS: usize = 7;
/// Scores below this (after the sigmoid) are not palms.
pub const MIN_SCORE: f32 = 0.5;
/// Raw scores are clipped to ±this before the sigmoid.
const SCORE_CLIP: f32 = 100.0;
/// Detections overlapping the best one by more than this (intersection over union) are merged
/// into it.
pub const NMS_OVERLAP: f32 = 0.3;

/// A palm in some image's pixels: score (0–1), box corners and the 7 keypoints.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub score: f32,
    pub xmin: f32,
    pub ymin: f32,
    pub xmax: f32,
    pub ymax: f32,
    pub keypoints: [[f32; 2]; KEYPOINTS],
}

impl Detection {
    pub fn width(&self) -> f32 {
        self.xmax - self.xmin
    }

    pub fn height(&self) -> f32 {
        self.ymax - self.ymin
    }

    /// Intersection over union of the two boxes (0 when either is empty).
    pub fn iou(&self, other: &Detection) -> f32 {
        let w = (self.xmax.min(other.xmax) - self.xmin.max(other.xmin)).max(0.0);
        let h = (self.ymax.min(other.ymax) - self.ymin.max(other.ymin)).max(0.0);
        let inter = w * h;
        let union = self.width() * self.height() + other.width() * other.height() - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }

    /// The same detection with every point mapped by `f`.
    pub fn map(&self, f: impl Fn(f32, f32) -> (f32, f32)) -> Detection {
        let (xmin, ymin) = f(self.xmin, self.ymin);
        let (xmax, ymax) = f(self.xmax, self.ymax);
        let keypoints = self.keypoints.map(|[x, y]| {
            let (x, y) = f(x, y);
            [x, y]
        });
        Detection { score: self.score, xmin, ymin, xmax, ymax, keypoints }
    }
}

/// Decodes the detector's raw outputs for a `size`×`size` input: `boxes` holds
/// [`VALUES_PER_ANCHOR`] numbers per anchor, `scores` one logit per anchor. Returns the
/// detections scoring at least [`MIN_SCORE`], in input pixels, before suppression.
pub fn decode(boxes: &[f32], scores: &[f32], anchors: &[Anchor], size: f32) -> Vec<Detection> {
    let mut out = Vec::new();
    for ((raw, &logit), anchor) in boxes.chunks_exact(VALUES_PER_ANCHOR).zip(scores).zip(anchors) {
        let score = 1.0 / (1.0 + (-logit.clamp(-SCORE_CLIP, SCORE_CLIP)).exp());
        if score.is_nan() || score < MIN_SCORE {
            continue;
        }
        // Offsets are in input pixels from the anchor centre (anchors have size 1).
        let cx = raw[0] + anchor.x * size;
        let cy = raw[1] + anchor.y * size;
        let (w, h) = (raw[2], raw[3]);
        let mut keypoints = [[0.0; 2]; KEYPOINTS];
        for (k, p) in keypoints.iter_mut().enumerate() {
            *p = [raw[4 + 2 * k] + anchor.x * size, raw[5 + 2 * k] + anchor.y * size];
        }
        out.push(Detection { score, xmin: cx - w / 2.0, ymin: cy - h / 2.0, xmax: cx + w / 2.0, ymax: cy + h / 2.0, keypoints });
    }
    out
}

/// Weighted non-maximum suppression: the best remaining detection absorbs every detection that
/// overlaps it by more than [`NMS_OVERLAP`]; its box and keypoints become their score-weighted
/// mean, its score stays the best one. Best first.
pub fn weighted_nms(mut detections: Vec<Detection>) -> Vec<Detection> {
    detections.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = detections.first().cloned() {
        let (cluster, rest): (Vec<Detection>, Vec<Detection>) = detections.into_iter().partition(|d| best.iou(d) > NMS_OVERLAP);
        detections = rest;
        let total: f32 = cluster.iter().map(|d| d.score).sum();
        if cluster.is_empty() || total <= 0.0 {
            // Only an empty best box overlaps nothing, not even itself: keep it as it is (it is
            // still first among the rest).
            detections.remove(0);
            out.push(best);
            continue;
        }
        let mean = |f: &dyn Fn(&Detection) -> f32| cluster.iter().map(|d| d.score * f(d)).sum::<f32>() / total;
        let mut keypoints = [[0.0; 2]; KEYPOINTS];
        for (k, p) in keypoints.iter_mut().enumerate() {
            *p = [mean(&|d| d.keypoints[k][0]), mean(&|d| d.keypoints[k][1])];
        }
        out.push(Detection {
            score: best.score,
            xmin: mean(&|d| d.xmin),
            ymin: mean(&|d| d.ymin),
            xmax: mean(&|d| d.xmax),
            ymax: mean(&|d| d.ymax),
            keypoints,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(score: f32, x: f32, y: f32, side: f32) -> Detection {
        Detection { score, xmin: x, ymin: y, xmax: x + side, ymax: y + side, keypoints: [[x, y]; KEYPOINTS] }
    }

    #[test]
    fn boxes_are_offsets_from_the_anchor_centre_in_input_pixels() {
        let anchors = [Anchor { x: 0.25, y: 0.5 }, Anchor { x: 0.75, y: 0.5 }];
        let mut boxes = vec![0.0; 2 * VALUES_PER_ANCHOR];
        boxes[..4].copy_from_slice(&[10.0, -4.0, 40.0, 20.0]);
        boxes[4] = 2.0; // keypoint 0 x
        boxes[5] = 3.0;
        let d = decode(&boxes, &[3.0, -3.0], &anchors, 192.0);
        assert_eq!(d.len(), 1, "the second anchor scores sigmoid(-3) < 0.5");
        let d = &d[0];
        assert!((d.score - 0.952_574).abs() < 1e-5);
        assert_eq!((d.xmin, d.ymin, d.xmax, d.ymax), (38.0, 82.0, 78.0, 102.0));
        assert_eq!(d.keypoints[0], [50.0, 99.0]);
        assert_eq!(d.keypoints[1], [48.0, 96.0]);
    }

    #[test]
    fn nan_and_huge_scores_do_not_break_decoding() {
        let anchors = [Anchor { x: 0.5, y: 0.5 }; 3];
        let boxes = vec![1.0; 3 * VALUES_PER_ANCHOR];
        let d = decode(&boxes, &[f32::NAN, f32::INFINITY, -f32::INFINITY], &anchors, 192.0);
        assert_eq!(d.len(), 1);
        assert!(d[0].score > 0.99);
    }

    #[test]
    fn overlapping_detections_merge_weighted_by_score_and_keep_the_best_score() {
        let merged = weighted_nms(vec![det(0.6, 10.0, 10.0, 100.0), det(0.9, 0.0, 0.0, 100.0), det(0.8, 300.0, 300.0, 50.0)]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].score, 0.9);
        let x = (0.9 * 0.0 + 0.6 * 10.0) / 1.5;
        assert!((merged[0].xmin - x).abs() < 1e-5 && (merged[0].keypoints[3][1] - x).abs() < 1e-5);
        assert_eq!(merged[1], det(0.8, 300.0, 300.0, 50.0));
    }

    #[test]
    fn suppression_ends_on_empty_boxes() {
        let empty = det(0.7, 5.0, 5.0, 0.0);
        let out = weighted_nms(vec![empty.clone(), empty.clone(), det(0.9, 0.0, 0.0, 10.0)]);
        assert_eq!(out.len(), 3);
    }
}
