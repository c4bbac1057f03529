//! Frame → model input. The trainer uses these same functions on its dataset, so training and
//! the device see pixels prepared the same way.

use image::imageops::{self, FilterType};
use image::RgbImage;
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
    Tensor::from_shape(&[1, 3, h as usize, w as usize], &to_chw_bytes(image))
        .expect("CHW buffer length matches its shape by construction")
}

#[cfg(test)]
mod tests {
    use super::*;

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
