//! SSD anchors of MediaPipe's palm detector: the centres its box offsets are relative to.
//!
//! The settings are MediaPipe's `SsdAnchorsCalculator` options in `palm_detection_cpu.pbtxt`
//! (4 layers, strides 8, 16, 16, 16, scales 0.1484375–0.75, one aspect ratio plus an
//! interpolated one, fixed anchor size): 24×24×2 + 12×12×6 = 2016 anchors at 192×192.

/// An anchor centre, relative to the detector input (0–1). The palm detector uses fixed-size
/// anchors (width and height 1), so only the centre matters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    pub x: f32,
    pub y: f32,
}

/// Feature-map strides of the palm detector's output layers; consecutive layers with the same
/// stride share one grid.
const STRIDES: [u32; 4] = [8, 16, 16, 16];
/// Anchors per layer and grid cell: one for the aspect ratio 1.0 and one interpolated between
/// this layer's scale and the next's.
const ANCHORS_PER_LAYER: usize = 2;

/// The anchors for a `size`×`size` detector input, in the order of the model's outputs.
pub fn palm_anchors(size: u32) -> Vec<Anchor> {
    let mut anchors = Vec::new();
    let mut layer = 0;
    while layer < STRIDES.len() {
        let stride = STRIDES[layer];
        let same = STRIDES[layer..].iter().take_while(|&&s| s == stride).count();
        let per_cell = same * ANCHORS_PER_LAYER;
        let cells = size.div_ceil(stride);
        for y in 0..cells {
            for x in 0..cells {
                let centre = Anchor { x: (x as f32 + 0.5) / cells as f32, y: (y as f32 + 0.5) / cells as f32 };
                anchors.extend(std::iter::repeat_n(centre, per_cell));
            }
        }
        layer += same;
    }
    anchors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_palm_detector_has_2016_anchors_on_two_grids() {
        let a = palm_anchors(192);
        assert_eq!(a.len(), 2016);
        // First grid: 24×24 cells, 2 anchors each, row by row.
        assert_eq!(a[0], Anchor { x: 0.5 / 24.0, y: 0.5 / 24.0 });
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], Anchor { x: 1.5 / 24.0, y: 0.5 / 24.0 });
        assert_eq!(a[1151], Anchor { x: 23.5 / 24.0, y: 23.5 / 24.0 });
        // Second grid: 12×12 cells, 6 anchors each.
        assert_eq!(a[1152], Anchor { x: 0.5 / 12.0, y: 0.5 / 12.0 });
        assert_eq!(a[1157], a[1152]);
        assert_eq!(a[1158], Anchor { x: 1.5 / 12.0, y: 0.5 / 12.0 });
        assert_eq!(a[2015], Anchor { x: 11.5 / 12.0, y: 11.5 / 12.0 });
    }
}
