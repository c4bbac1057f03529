//! The rotated square a model sees, sampled straight from the frame: one bilinear pass, no
//! intermediate images. Pixel `(j, i)` of an `S`×`S` output is the frame point
//! [`RotatedRect::point`]`(j / S − 0.5, i / S − 0.5)` (frame pixel centres at whole numbers, as
//! OpenCV's `warpPerspective` in MediaPipe's `ImageToTensorCalculator`), so the crop's
//! corners are the rectangle's corners and a model's output point maps back with the same
//! function.

use image::RgbImage;

use super::rect::RotatedRect;

/// What lies outside the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Border {
    /// Black (the detector's letterbox).
    Zero,
    /// The nearest edge pixel (the landmark crop).
    Replicate,
}

/// Fractional bits of the fixed-point frame coordinates `sample` steps through.
const COORD_BITS: u32 = 16;
/// Fractional bits of the bilinear weights (OpenCV's `warpAffine`, which MediaPipe crops with,
/// uses 5; 8 keeps every weight within 1/512 of the exact one).
const WEIGHT_BITS: u32 = 8;

/// Fills `out` (`size`×`size` pixels, 3 values each, row by row) with the bilinearly sampled
/// colour of each output pixel, through `convert`: it gets the colour in 0–255 scaled by
/// 2^(2 · [`WEIGHT_BITS`]) (a whole number, so integer arithmetic does the sampling: no
/// float-to-integer conversion per pixel).
fn sample<T: Copy>(frame: &RgbImage, rect: &RotatedRect, size: u32, border: Border, out: &mut [T], convert: impl Fn(u32) -> T) {
    let (w, h) = (frame.width() as i64, frame.height() as i64);
    let raw = frame.as_raw();
    let pixel = |x: i64, y: i64| -> [u32; 3] {
        let (x, y) = match border {
            Border::Replicate => (x.clamp(0, w - 1), y.clamp(0, h - 1)),
            Border::Zero if x < 0 || y < 0 || x >= w || y >= h => return [0; 3],
            Border::Zero => (x, y),
        };
        let i = 3 * (y * w + x) as usize;
        [raw[i] as u32, raw[i + 1] as u32, raw[i + 2] as u32]
    };
    let s = size as f32;
    let origin = rect.point(-0.5, -0.5);
    let (sin, cos) = rect.rotation.sin_cos();
    // Far outside any frame is as good as infinitely far, and keeps the arithmetic below from
    // overflowing (NaN becomes 0: `as` saturates).
    let fixed = |v: f32| (v.clamp(-1e9, 1e9) as f64 * (1u64 << COORD_BITS) as f64).round() as i64;
    // Frame step for one output pixel along a row and down a column.
    let (ux, uy) = (fixed(cos * rect.width / s), fixed(sin * rect.width / s));
    let (vx, vy) = (fixed(-sin * rect.height / s), fixed(cos * rect.height / s));
    let (ox, oy) = (fixed(origin[0]), fixed(origin[1]));
    // Points with all four neighbours inside the frame (the common case) read them directly.
    let (inside_x, inside_y) = ((w - 1) << COORD_BITS, (h - 1) << COORD_BITS);
    let row_bytes = 3 * w as usize;
    let one = 1u32 << WEIGHT_BITS;
    let weight = |v: i64| ((v >> (COORD_BITS - WEIGHT_BITS)) & (one as i64 - 1)) as u32;
    let mix = |p: [u32; 4], fx: u32, fy: u32| {
        let top = p[0] * (one - fx) + p[1] * fx;
        let bottom = p[2] * (one - fx) + p[3] * fx;
        top * (one - fy) + bottom * fy
    };
    for (i, row) in out.chunks_exact_mut(3 * size as usize).enumerate() {
        let at = |o: i64, step: i64, n: usize| o.saturating_add((n as i64).saturating_mul(step));
        let (rx, ry) = (at(ox, vx, i), at(oy, vy, i));
        for (j, px) in row.chunks_exact_mut(3).enumerate() {
            let (x, y) = (at(rx, ux, j), at(ry, uy, j));
            let (fx, fy) = (weight(x), weight(y));
            if x >= 0 && y >= 0 && x < inside_x && y < inside_y {
                let a = 3 * (x >> COORD_BITS) as usize + (y >> COORD_BITS) as usize * row_bytes;
                let (top, bottom) = (&raw[a..a + 6], &raw[a + row_bytes..a + row_bytes + 6]);
                for k in 0..3 {
                    px[k] = convert(mix([top[k] as u32, top[k + 3] as u32, bottom[k] as u32, bottom[k + 3] as u32], fx, fy));
                }
            } else {
                // An arithmetic shift is the floor, for negative points too.
                let (x0, y0) = (x >> COORD_BITS, y >> COORD_BITS);
                let (x1, y1) = (x0.saturating_add(1), y0.saturating_add(1));
                let (a, b, c, d) = (pixel(x0, y0), pixel(x1, y0), pixel(x0, y1), pixel(x1, y1));
                for k in 0..3 {
                    px[k] = convert(mix([a[k], b[k], c[k], d[k]], fx, fy));
                }
            }
        }
    }
}

/// What [`sample`] hands `convert` for a colour of 1.
const SCALE: u32 = 1 << (2 * WEIGHT_BITS);

/// The rectangle's pixels as an `size`×`size` RGB image (the landmark model's input).
pub fn warp_rgb(frame: &RgbImage, rect: &RotatedRect, size: u32, border: Border) -> RgbImage {
    let mut out = vec![0u8; 3 * (size * size) as usize];
    // Bilinear mixes of 0–255 values stay in 0–255.
    sample(frame, rect, size, border, &mut out, |v| ((v + SCALE / 2) / SCALE) as u8);
    RgbImage::from_raw(size, size, out).expect("buffer sized for the image")
}

/// The rectangle's pixels as floats, each channel value / 255, pixel after pixel (the
/// detector's input, `[size, size, 3]`).
pub fn warp_hwc_unit(frame: &RgbImage, rect: &RotatedRect, size: u32, border: Border) -> Vec<f32> {
    let mut out = vec![0f32; 3 * (size * size) as usize];
    sample(frame, rect, size, border, &mut out, |v| v as f32 * (1.0 / (255.0 * SCALE as f32)));
    out
}

/// The square, centred on the frame, that holds the whole frame (the detector's letterbox):
/// side = the frame's longer side.
pub fn letterbox(width: u32, height: u32) -> RotatedRect {
    let side = width.max(height) as f32;
    RotatedRect { cx: width as f32 / 2.0, cy: height as f32 / 2.0, width: side, height: side, rotation: 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::FRAC_PI_2;

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]))
    }

    #[test]
    fn an_unrotated_rect_the_size_of_the_output_copies_pixels() {
        let frame = gradient(64, 48);
        let rect = RotatedRect { cx: 20.0, cy: 18.0, width: 16.0, height: 16.0, rotation: 0.0 };
        let out = warp_rgb(&frame, &rect, 16, Border::Zero);
        assert_eq!(out.get_pixel(0, 0).0, [12, 10, 7]);
        assert_eq!(out.get_pixel(15, 3).0, [27, 13, 7]);
    }

    #[test]
    fn a_quarter_turn_puts_the_rects_top_on_the_frames_right() {
        let frame = gradient(64, 64);
        let rect = RotatedRect { cx: 32.0, cy: 32.0, width: 16.0, height: 16.0, rotation: FRAC_PI_2 };
        let out = warp_rgb(&frame, &rect, 16, Border::Zero);
        // Output row 0 (the rect's top edge) runs down the frame's column x = 40.
        assert_eq!(out.get_pixel(0, 0).0, [40, 24, 7]);
        assert_eq!(out.get_pixel(8, 0).0, [40, 32, 7]);
        // Output column 0 (left edge) runs along the frame's row y = 24, right to left.
        assert_eq!(out.get_pixel(0, 8).0, [32, 24, 7]);
    }

    #[test]
    fn outside_the_frame_is_black_or_the_nearest_edge() {
        let frame = RgbImage::from_pixel(40, 30, image::Rgb([200, 100, 50]));
        let lb = letterbox(40, 30);
        let zero = warp_hwc_unit(&frame, &lb, 20, Border::Zero);
        // 40×30 in a 40×40 square: rows 0-2 and 18-19 of 20 lie outside (5 px bands, 2.5 rows).
        assert_eq!(zero[0..3], [0.0; 3], "top band black");
        let centre = 3 * (10 * 20 + 10);
        assert!((zero[centre] - 200.0 / 255.0).abs() < 1e-6);
        assert!((zero[centre + 1] - 100.0 / 255.0).abs() < 1e-6, "green, next to red");
        let edge = warp_rgb(&frame, &lb, 20, Border::Replicate);
        assert_eq!(edge.get_pixel(0, 0).0, [200, 100, 50]);
    }
}
