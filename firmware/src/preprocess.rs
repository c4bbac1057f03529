//! Frame → model input. The trainer uses these same functions on its dataset, so training and
//! the device see pixels prepared the same way.

use image::RgbImage;
use image::imageops::{self, FilterType};
use tract_onnx::prelude::Tensor;

/// Crops the centred square of `frame` and resizes it to `size`×`size` (bilinear).
/// A frame that already has that size is returned unchanged.
pub fn fit_to_input(frame: &RgbImage, size: u32) -> RgbImage {
    let (w, h) = frame.dimensions();
    if (w, h) == (size, size) {
        return frame.clone();
    }
    let side = w.min(h);
    let square = imageops::crop_imm(frame, (w - side) / 2, (h - side) / 2, side, side).to_image();
    if side == size {
        return square;
    }
    imageops::resize(&square, size, size, FilterType::Triangle)
}

/// A rectangle of the frame in relative coordinates (0–1 from the top-left corner): where
/// gestures are shown. See `[region]` in `beckon.toml`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Region {
    /// The region's pixels in a `width`×`height` frame: `(x, y, w, h)`, at least 1×1, inside.
    pub fn pixels(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let clamp = |v: f32, max: u32| ((v.clamp(0.0, 1.0) * max as f32).round() as u32).min(max.saturating_sub(1));
        let (x, y) = (clamp(self.x, width), clamp(self.y, height));
        let w = ((self.width * width as f32).round() as u32).clamp(1, width - x);
        let h = ((self.height * height as f32).round() as u32).clamp(1, height - y);
        (x, y, w, h)
    }
}

/// The square of a `width`×`height` frame the model sees, `(x, y, side)` in frame pixels: the
/// centre square of `region` (or of the whole frame), as [`crop_region`] + [`fit_to_input`]
/// cut it. A point `(u, v)` of an `S`×`S` model input is at `(x + u·side/S, y + v·side/S)`.
pub fn input_square(width: u32, height: u32, region: Option<&Region>) -> (f32, f32, f32) {
    let (x, y, w, h) = region.map_or((0, 0, width, height), |r| r.pixels(width, height));
    let side = w.min(h);
    ((x + (w - side) / 2) as f32, (y + (h - side) / 2) as f32, side as f32)
}

/// The part of `frame` inside `region`.
pub fn crop_region(frame: &RgbImage, region: &Region) -> RgbImage {
    let (x, y, w, h) = region.pixels(frame.width(), frame.height());
    imageops::crop_imm(frame, x, y, w, h).to_image()
}

/// Pixels of an RGB image as channel-major (CHW) bytes: all R, then all G, then all B.
pub fn to_chw_bytes(image: &RgbImage) -> Vec<u8> {
    let (w, h) = image.dimensions();
    let plane = (w * h) as usize;
    let mut out = vec![0u8; 3 * plane];
    for (i, p) in image.pixels().enumerate() {
        out[i] = p[0];
        out[plane + i] = p[1];
        out[2 * plane + i] = p[2];
    }
    out
}

/// The model input tensor for one image: `u8 [1, 3, H, W]`.
pub fn to_nchw_tensor(image: &RgbImage) -> Tensor {
    let (w, h) = image.dimensions();
    Tensor::from_shape(&[1, 3, h as usize, w as usize], &to_chw_bytes(image)).expect("CHW buffer length matches its shape by construction")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_crops_the_named_part_of_the_frame() {
        // 200×100 frame: left half red, right half blue.
        let frame = RgbImage::from_fn(200, 100, |x, _| if x < 100 { image::Rgb([255, 0, 0]) } else { image::Rgb([0, 0, 255]) });
        let right = Region { x: 0.5, y: 0.0, width: 0.5, height: 1.0 };
        assert_eq!(right.pixels(200, 100), (100, 0, 100, 100));
        let crop = crop_region(&frame, &right);
        assert_eq!(crop.dimensions(), (100, 100));
        assert!(crop.pixels().all(|p| p.0 == [0, 0, 255]));
        // Degenerate or out-of-frame regions still give at least one pixel inside the frame.
        assert_eq!(Region { x: 1.0, y: 1.0, width: 0.0, height: 0.0 }.pixels(200, 100), (199, 99, 1, 1));
    }

    #[test]
    fn chw_puts_channels_in_planes() {
        let mut img = RgbImage::new(2, 1);
        img.put_pixel(0, 0, image::Rgb([1, 2, 3]));
        img.put_pixel(1, 0, image::Rgb([4, 5, 6]));
        assert_eq!(to_chw_bytes(&img), vec![1, 4, 2, 5, 3, 6]);
        assert_eq!(to_nchw_tensor(&img).shape(), &[1, 3, 1, 2]);
    }

    #[test]
    fn fit_crops_the_centre_then_resizes() {
        // 6×2 frame: left and right thirds red, centre 2×2 green.
        let mut img = RgbImage::from_pixel(6, 2, image::Rgb([255, 0, 0]));
        for x in 2..4 {
            for y in 0..2 {
                img.put_pixel(x, y, image::Rgb([0, 255, 0]));
            }
        }
        let out = fit_to_input(&img, 2);
        assert_eq!(out.dimensions(), (2, 2));
        assert!(out.pixels().all(|p| p.0 == [0, 255, 0]));
        assert_eq!(fit_to_input(&img, 4).dimensions(), (4, 4));
    }
}
