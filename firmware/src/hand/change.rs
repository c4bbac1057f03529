//! Whether the detector should look hard (second look, second opinion) on a look that found no
//! hand: only when the camera's view changed since it last did, and at most once per
//! [`MIN_INTERVAL`] of video. In an empty room that does not change the extra looks run once; a
//! hand coming in, a person moving, a light switched on make them run again, but never more
//! often than that, so a room where something always moves costs a bounded amount.
//!
//! The view is summarised as the mean brightness of a 32 × 24 grid of blocks, less the whole
//! frame's mean (a camera's exposure or a flickering light moves every block alike); the view
//! changed when any block moved by more than [`BLOCK_CHANGE`] grey levels. A block averages
//! hundreds of pixels, so sensor noise moves it by a fraction of a level; a hand is tens of levels
//! brighter or darker than what is behind it over several blocks.

use image::RgbImage;

const COLS: u32 = 32;
const ROWS: u32 = 24;

/// How far one block's brightness (0–255) must move, beyond the whole frame's, to count as a
/// change. Fixed from the reasoning above, not fitted to any figure.
pub const BLOCK_CHANGE: f32 = 12.0;

/// The shortest time between two hard looks (video time; see [`crate::hand::track::idle_frames`]
/// for how it becomes frames: a replay at `--fps 0` has no video time, and every changed view is
/// looked at hard).
pub const MIN_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// The view the detector last looked hard at.
#[derive(Debug, Clone, Default)]
pub struct ViewChange {
    last: Option<Vec<f32>>,
    /// Frames that must pass between two hard looks, and frames since the last one.
    gap: u32,
    since: u32,
}

impl ViewChange {
    /// Hard looks at most once in `gap` frames.
    pub fn new(gap: u32) -> Self {
        Self { last: None, gap, since: u32::MAX }
    }

    /// One more frame went by.
    pub fn tick(&mut self) {
        self.since = self.since.saturating_add(1);
    }

    /// Whether to look hard at `frame`: it differs from the view last looked hard at (always,
    /// the first time) and the gap has passed; if so it becomes that view.
    pub fn look_hard(&mut self, frame: &RgbImage) -> bool {
        if self.since < self.gap {
            return false;
        }
        let now = signature(frame);
        let changed = self.last.as_ref().is_none_or(|last| last.len() != now.len() || last.iter().zip(&now).any(|(a, b)| (a - b).abs() > BLOCK_CHANGE));
        if changed {
            self.last = Some(now);
            self.since = 0;
        }
        changed
    }
}

/// How the view changed from one frame to the next ([`Cuts::step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Step {
    /// Nothing in view moved since the last frame: no block by more than [`STILL_BLOCK`] (a frame
    /// repeated, a photograph held, a camera on a still scene: its noise moves a block by a
    /// fraction of a level).
    Still,
    /// Some of it changed (a hand moving, noise), or it is the first frame.
    #[default]
    Changed,
    /// A new scene: more than [`CUT_BLOCKS`] of the blocks moved by more than [`BLOCK_CHANGE`] (a
    /// cut in a video, the next photograph of a folder, the camera turned).
    Cut,
}

/// Whether the whole view changed from one frame to the next (see [`Step`]). A hand moving, even
/// close to the camera, moves a few of the blocks.
/// The signature is taken from every fourth pixel of every fourth row (about 0.05 ms a 640×480
/// frame: 0.65 % of the samples of `perf` over a held hand, Intel Xeon, one core).
#[derive(Debug, Clone, Default)]
pub struct Cuts {
    last: Option<Vec<f32>>,
}

/// The share of blocks that must change for a cut: above what a hand moving does. In the
/// generated motion video from sessions 2, 55, 25 and 3 (`docs/motions.md`; 12,900 pairs of
/// frames at 10 and 15 frames/s), a hand moving changed at most 0.25 of the blocks in 999 pairs
/// of 1,000 (a push filling the view, once, 0.94); a new photograph of `hands-frames`, a new
/// sequence, 0.3–0.9.
pub const CUT_BLOCKS: f32 = 0.3;

/// The most any block may move (grey levels) in a still view. A block's mean over its 25 samples
/// moves by about 0.4 of a level with a camera's noise (2 levels a pixel), at most about 1.5 over
/// the 768 blocks; a hand's edge (tens of levels of contrast) moving 2 pixels into a 20-pixel
/// block moves it by 3 or more, and a hand making a motion moves several pixels a frame.
pub const STILL_BLOCK: f32 = 3.0;

impl Cuts {
    /// How `frame` differs from the last frame seen (the first one: [`Step::Changed`]).
    pub fn step(&mut self, frame: &RgbImage) -> Step {
        let now = signature_every(frame, 4);
        let step = match self.last.as_ref().filter(|last| last.len() == now.len()) {
            None => Step::Changed,
            Some(last) => {
                let (changed, most) =
                    last.iter().zip(&now).map(|(a, b)| (a - b).abs()).fold((0usize, 0f32), |(n, most), d| (n + usize::from(d > BLOCK_CHANGE), most.max(d)));
                if changed as f32 > CUT_BLOCKS * now.len() as f32 {
                    Step::Cut
                } else if most <= STILL_BLOCK {
                    Step::Still
                } else {
                    Step::Changed
                }
            }
        };
        self.last = Some(now);
        step
    }
}

/// Block means of the frame's brightness, less their mean.
fn signature(frame: &RgbImage) -> Vec<f32> {
    signature_every(frame, 1)
}

/// [`signature`] from every `step`-th pixel of every `step`-th row.
fn signature_every(frame: &RgbImage, step: usize) -> Vec<f32> {
    let (w, h) = frame.dimensions();
    let (cols, rows) = (COLS.min(w.max(1)), ROWS.min(h.max(1)));
    let mut sums = vec![0u64; (cols * rows) as usize];
    let mut counts = vec![0u32; (cols * rows) as usize];
    // Each column's block once, not a division per pixel (this runs on every frame the
    // detector looks at: on a 640×480 frame 1.1 ms with the divisions, 0.5 without; perf, Intel
    // Xeon, one core).
    let column: Vec<usize> = (0..w).map(|x| (x * cols / w) as usize).collect();
    for (y, row) in frame.as_raw().chunks_exact(3 * w.max(1) as usize).enumerate().step_by(step) {
        let first = ((y as u32 * rows / h) * cols) as usize;
        for (p, &c) in row.chunks_exact(3).zip(&column).step_by(step) {
            sums[first + c] += u64::from(p[0]) + 2 * u64::from(p[1]) + u64::from(p[2]);
            counts[first + c] += 1;
        }
    }
    let means: Vec<f32> = sums.iter().zip(&counts).map(|(s, &n)| *s as f32 / (4.0 * n.max(1) as f32)).collect();
    let mean = means.iter().sum::<f32>() / means.len().max(1) as f32;
    means.into_iter().map(|m| m - mean).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene(seed: u32) -> RgbImage {
        RgbImage::from_fn(640, 480, |x, y| {
            let v = ((x * 7 + y * 13) % 97 + ((x / 40 + y / 40 + seed * 5) % 12) * 9) as u8;
            image::Rgb([v, v.wrapping_add(20), v / 2])
        })
    }

    #[test]
    fn another_scene_is_a_cut_and_a_hand_moving_in_it_is_not() {
        let mut cuts = Cuts::default();
        let room = scene(1);
        let cut = |cuts: &mut Cuts, f: &RgbImage| cuts.step(f) == Step::Cut;
        assert_eq!(cuts.step(&room), Step::Changed, "the first frame is no cut");
        // A hand-sized patch (120 × 160 pixels, bigger than most hands in view) moving across.
        let with_hand = |x0: u32| {
            let mut f = room.clone();
            for y in 200..360 {
                for x in x0..x0 + 120 {
                    f.put_pixel(x, y, image::Rgb([230, 190, 170]));
                }
            }
            f
        };
        for x0 in [20, 140, 260, 380, 500] {
            assert!(!cut(&mut cuts, &with_hand(x0)), "a hand at x {x0} is no cut");
        }
        assert_eq!(cuts.step(&with_hand(500)), Step::Still, "the same frame again is still");
        assert_eq!(cuts.step(&with_hand(502)), Step::Changed, "the hand moved by 2 pixels");
        assert!(cut(&mut cuts, &scene(2)), "another room is a cut");
        assert_eq!(cuts.step(&scene(2)), Step::Still, "and the next frame of it, the same picture, still");
        // A camera's noise (±2 levels on every pixel, a different pattern each frame): still.
        let noisy = |k: u32| {
            let mut f = scene(2);
            for (i, p) in f.pixels_mut().enumerate() {
                let n = ((i as u32).wrapping_add(k * 1_000_003).wrapping_mul(2_654_435_761) >> 13) % 5;
                p.0 = p.0.map(|c| (c as i16 + n as i16 - 2).clamp(0, 255) as u8);
            }
            f
        };
        for k in 0..5 {
            assert_eq!(cuts.step(&noisy(k)), Step::Still, "noise {k} is no change");
        }
    }

    #[test]
    fn noise_and_exposure_are_no_change_but_a_hand_is() {
        let mut g = ViewChange::new(1);
        let look = |g: &mut ViewChange, f: &RgbImage| {
            g.tick();
            g.look_hard(f)
        };
        let room = scene(1);
        assert!(look(&mut g, &room), "the first look is a hard one");
        // Sensor noise (±3 levels on every pixel) and the exposure going up by 25 levels.
        let noisy = RgbImage::from_fn(640, 480, |x, y| {
            let p = room.get_pixel(x, y);
            let n = ((x * 31 + y * 17) % 7) as i16 - 3;
            image::Rgb(p.0.map(|c| (i16::from(c) + n + 25).clamp(0, 255) as u8))
        });
        assert!(!look(&mut g, &noisy), "noise and exposure are not a change");
        // A hand-sized bright patch (60 × 80 pixels) in a corner.
        let mut hand = room.clone();
        for y in 380..460 {
            for x in 20..80 {
                hand.put_pixel(x, y, image::Rgb([230, 190, 170]));
            }
        }
        assert!(look(&mut g, &hand), "a hand coming in is a change");
        assert!(!look(&mut g, &hand), "and once looked at, not again");
        assert!(look(&mut g, &scene(2)), "another room is a change");
        // At most once in `gap` frames: with 3, two changed views in a row get one hard look.
        let mut g = ViewChange::new(3);
        assert!(look(&mut g, &scene(3)));
        assert!(!look(&mut g, &scene(4)), "too soon");
        assert!(!look(&mut g, &scene(5)), "too soon");
        assert!(look(&mut g, &scene(6)), "three frames on");
    }
}
