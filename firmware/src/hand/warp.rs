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

/// Calls `put(index, rgb)` for each output pixel, row by row, with the bilinearly sampled
/// colour (0–255 per channel).
fn sample(frame: &RgbImage, rect: &RotatedRect, size: u32, border: Border, mut put: impl FnMut(usize, [f32; 3])) {
    let (w, h) = (frame.width() as i64, frame.height() as i64);
    let raw = frame.as_raw();
    let pixel = |x: i64, y: i64| -> [f32; 3] {
        let (x, y) = match border {
            Border::Replicate => (x.clamp(0, w - 1), y.clamp(0, h - 1)),
            Border::Zero if x < 0 || y < 0 || x >= w || y >= h => return [0.0; 3],
            Border::Zero => (x, y),
        };
        let i = 3 * (y * w + x) as usize;
        [raw[i] as f32, raw[i + 1] as f32, raw[i + 2] as f32]
    };
    let s = size as f32;
    let origin = rect.point(-0.5, -0.5);
    let (sin, cos) = rect.rotation.sin_cos();
    // Frame step for one output pixel along a row and down a column.
    let (ux, uy) = (cos * rect.width / s, sin * rect.width / s);
    let (vx, vy) = (-sin * rect.height / s, cos * rect.height / s);
    for i in 0..size {
        let (rx, ry) = (origin[0] + i as f32 * vx, origin[1] + i as f32 * vy);
        for j in 0..size {
            let (x, y) = (rx + j as f32 * ux, ry + j as f32 * uy);
            let (x0, y0) = (floor(x), floor(y));
            let (fx, fy) = (x - x0 as f32, y - y0 as f32);
            let mut rgb = [0.0; 3];
            if x0 >= 0 && y0 >= 0 && x0 < w - 1 && y0 < h - 1 {
                // All four neighbours inside the frame (the common case): read them directly.
                let a = 3 * (y0 * w + x0) as usize;
                let c = a + 3 * w as usize;
                for k in 0..3 {
                    let (pa, pb, pc, pd) = (raw[a + k] as f32, raw[a + 3 + k] as f32, raw[c + k] as f32, raw[c + 3 + k] as f32);
                    let top = pa + (pb - pa) * fx;
                    let bottom = pc + (pd - pc) * fx;
                    rgb[k] = top + (bottom - top) * fy;
                }
            } else {
                let (x1, y1) = (x0.saturating_add(1), y0.saturating_add(1));
                let (a, b, c, d) = (pixel(x0, y0), pixel(x1, y0), pixel(x0, y1), pixel(x1, y1));
                for k in 0..3 {
                    let top = a[k] + (b[k] - a[k]) * fx;
                    let bottom = c[k] + (d[k] - c[k]) * fx;
                    rgb[k] = top + (bottom - top) * fy;
                }
            }
            put((i * size + j) as usize, rgb);
        }
    }
}

/// `⌊v⌋` without a libm call (`f32::floor` is one on x86-64's baseline instruction set; this
/// runs four times per output pixel). Saturates far outside the frame, where `Border` decides.
fn floor(v: f32) -> i64 {
    let t = v as i64;
    if (t as f32) > v { t - 1 } else { t }
}

/// The rectangle's pixels as an `size`×`size` RGB image (the landmark model's input).
pub fn warp_rgb(frame: &RgbImage, rect: &RotatedRect, size: u32, border: Border) -> RgbImage {
    let mut out = vec![0u8; 3 * (size * size) as usize];
    sample(frame, rect, size, border, |i, rgb| {
        for k in 0..3 {
            // Bilinear mixes of 0–255 values stay in 0–255; `as` saturates anyway.
            out[3 * i + k] = (rgb[k] + 0.5) as u8;
        }
    });
    RgbImage::from_raw(size, size, out).expect("buffer sized for the image")
}

/// The rectangle's pixels as channel-major floats, each channel value / 255 (the detector's
/// input, `[3, size, size]`).
pub fn warp_chw_unit(frame: &RgbImage, rect: &RotatedRect, size: u32, border: Border) -> Vec<f32> {
    let plane = (size * size) as usize;
    let mut out = vec![0f32; 3 * plane];
    sample(frame, rect, size, border, |i, rgb| {
        for k in 0..3 {
            out[k * plane + i] = rgb[k] / 255.0;
        }
    });
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
        let zero = warp_chw_unit(&frame, &lb, 20, Border::Zero);
        // 40×30 in a 40×40 square: rows 0-2 and 18-19 of 20 lie outside (5 px bands, 2.5 rows).
        assert_eq!(zero[0], 0.0, "top band black");
        assert!((zero[10 * 20 + 10] - 200.0 / 255.0).abs() < 1e-6);
        assert!((zero[400 + 10 * 20 + 10] - 100.0 / 255.0).abs() < 1e-6, "green plane");
        let edge = warp_rgb(&frame, &lb, 20, Border::Replicate);
        assert_eq!(edge.get_pixel(0, 0).0, [200, 100, 50]);
    }
}
