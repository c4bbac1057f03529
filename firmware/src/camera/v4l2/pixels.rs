//! The two pixel formats USB webcams deliver, and their decoding to RGB.
//!
//! - **MJPG**: every buffer is a JPEG image. Webcams often leave out the Huffman tables (the
//!   "AVI1" MJPEG convention); the JPEG decoder fills in the standard ones.
//! - **YUYV** (YUV 4:2:2, packed `Y0 U Y1 V`): two pixels per four bytes, rows possibly padded to
//!   `bytes_per_line`. Converted with the BT.601 limited-range matrix webcams use.

use std::fmt;

use image::RgbImage;

/// A pixel format beckon can read from a V4L2 device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// Motion JPEG (`MJPG`, also accepted as `JPEG`).
    Mjpeg,
    /// Packed YUV 4:2:2 (`YUYV`).
    Yuyv,
}

impl PixelFormat {
    /// The V4L2 four-character code.
    pub fn fourcc(self) -> [u8; 4] {
        match self {
            PixelFormat::Mjpeg => *b"MJPG",
            PixelFormat::Yuyv => *b"YUYV",
        }
    }

    /// The format for a four-character code, if beckon reads it.
    pub fn from_fourcc(code: [u8; 4]) -> Option<Self> {
        match &code {
            b"MJPG" | b"JPEG" => Some(PixelFormat::Mjpeg),
            b"YUYV" => Some(PixelFormat::Yuyv),
            _ => None,
        }
    }
}

impl fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.fourcc()).unwrap_or("?"))
    }
}

/// What a stream's buffers hold: format, size and (for YUYV) the row stride in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFormat {
    pub pixels: PixelFormat,
    pub width: u32,
    pub height: u32,
    /// Bytes from one row to the next (YUYV: at least `2 × width`; ignored for MJPEG).
    pub bytes_per_line: u32,
}

impl StreamFormat {
    /// A format with unpadded rows.
    pub fn packed(pixels: PixelFormat, width: u32, height: u32) -> Self {
        let bytes_per_line = if pixels == PixelFormat::Yuyv { width * 2 } else { 0 };
        Self { pixels, width, height, bytes_per_line }
    }
}

impl fmt::Display for StreamFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}×{}", self.pixels, self.width, self.height)
    }
}

/// Decodes one buffer into an RGB image. Fails (with what was wrong) on a short YUYV buffer or
/// a JPEG that does not decode; webcams do send the odd corrupt frame, so callers skip it.
pub fn decode(format: &StreamFormat, data: &[u8]) -> Result<RgbImage, String> {
    match format.pixels {
        PixelFormat::Mjpeg => crate::camera::image_file::decode_complete(data)
            .map(|i| i.into_rgb8())
            .map_err(|e| format!("JPEG frame of {} bytes does not decode: {e}", data.len())),
        PixelFormat::Yuyv => yuyv_to_rgb(format, data),
    }
}

fn yuyv_to_rgb(format: &StreamFormat, data: &[u8]) -> Result<RgbImage, String> {
    let (w, h) = (format.width as usize, format.height as usize);
    let stride = (format.bytes_per_line as usize).max(w * 2);
    if w % 2 != 0 || w == 0 || h == 0 {
        return Err(format!("YUYV frame {w}×{h}: width must be even and both sides > 0"));
    }
    let needed = stride * (h - 1) + w * 2;
    if data.len() < needed {
        return Err(format!("YUYV frame {w}×{h} needs {needed} bytes, the buffer holds {}", data.len()));
    }
    let mut out = RgbImage::new(format.width, format.height);
    let pixels: &mut [u8] = &mut out;
    for y in 0..h {
        let row = &data[y * stride..y * stride + w * 2];
        let out_row = &mut pixels[y * w * 3..(y + 1) * w * 3];
        for (quad, rgb) in row.chunks_exact(4).zip(out_row.chunks_exact_mut(6)) {
            let (u, v) = (quad[1], quad[3]);
            rgb[..3].copy_from_slice(&ycbcr_to_rgb(quad[0], u, v));
            rgb[3..].copy_from_slice(&ycbcr_to_rgb(quad[2], u, v));
        }
    }
    Ok(out)
}

/// BT.601 limited range (Y 16–235, Cb/Cr 16–240) to full-range RGB, in 16.16 fixed point.
fn ycbcr_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let c = (i32::from(y) - 16) * 76309; // 1.164
    let d = i32::from(cb) - 128;
    let e = i32::from(cr) - 128;
    let clamp = |v: i32| ((v + 32768) >> 16).clamp(0, 255) as u8;
    [clamp(c + 104597 * e), clamp(c - 25675 * d - 53279 * e), clamp(c + 132201 * d)]
}

/// Encodes an RGB image as a YUYV buffer (BT.601 limited range, chroma of each pixel pair
/// averaged): how a webcam would have delivered it. For making recordings and tests.
pub fn encode_yuyv(image: &RgbImage) -> Vec<u8> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let mut out = Vec::with_capacity(w * h * 2);
    let px = |x: usize, y: usize| {
        let p = image.get_pixel(x.min(w - 1) as u32, y as u32).0;
        [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
    };
    let luma = |[r, g, b]: [f32; 3]| 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
    let to_u8 = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    for y in 0..h {
        for x in (0..w).step_by(2) {
            let (a, b) = (px(x, y), px(x + 1, y));
            let [r, g, bl] = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0, (a[2] + b[2]) / 2.0];
            let cb = 128.0 + (-37.797 * r - 74.203 * g + 112.0 * bl) / 255.0;
            let cr = 128.0 + (112.0 * r - 93.786 * g - 18.214 * bl) / 255.0;
            out.extend_from_slice(&[to_u8(luma(a)), to_u8(cb), to_u8(luma(b)), to_u8(cr)]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_yuyv_values_decode_to_their_colours() {
        // Black, white, and the BT.601 codes of pure red and pure blue (each pair shares chroma).
        let data = [16, 128, 235, 128, 81, 90, 81, 240, 41, 240, 41, 110];
        let img = decode(&StreamFormat::packed(PixelFormat::Yuyv, 6, 1), &data).unwrap();
        let close = |got: [u8; 3], want: [u8; 3]| got.iter().zip(want).all(|(g, w)| (i32::from(*g) - w as i32).abs() <= 2);
        let px = |x| img.get_pixel(x, 0).0;
        assert_eq!(px(0), [0, 0, 0]);
        assert_eq!(px(1), [255, 255, 255]);
        assert!(close(px(2), [255, 0, 0]) && close(px(3), [255, 0, 0]), "{:?} {:?}", px(2), px(3));
        assert!(close(px(4), [0, 0, 255]), "{:?}", px(4));
    }

    #[test]
    fn padded_rows_are_skipped_and_short_buffers_refused() {
        let img = RgbImage::from_fn(4, 3, |x, y| image::Rgb([(x * 60) as u8, (y * 100) as u8, 90]));
        let packed = encode_yuyv(&img);
        let mut padded = Vec::new();
        for row in packed.chunks(8) {
            padded.extend_from_slice(row);
            padded.extend_from_slice(&[0xEE; 8]);
        }
        let format = StreamFormat { bytes_per_line: 16, ..StreamFormat::packed(PixelFormat::Yuyv, 4, 3) };
        let a = decode(&StreamFormat::packed(PixelFormat::Yuyv, 4, 3), &packed).unwrap();
        let b = decode(&format, &padded).unwrap();
        assert_eq!(a, b);
        let err = decode(&format, &padded[..30]).unwrap_err();
        assert!(err.contains("needs 40 bytes") && err.contains("holds 30"), "{err}");
    }

    #[test]
    fn a_yuyv_round_trip_keeps_a_photo_close() {
        let photo = image::open(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fingers/3_0639.png")).unwrap().to_rgb8();
        let back = decode(&StreamFormat::packed(PixelFormat::Yuyv, photo.width(), photo.height()), &encode_yuyv(&photo)).unwrap();
        let err: f64 = photo.iter().zip(back.iter()).map(|(a, b)| (f64::from(*a) - f64::from(*b)).abs()).sum::<f64>() / photo.len() as f64;
        assert!(err < 3.0, "mean abs error {err}");
    }

    #[test]
    fn fourcc_codes() {
        assert_eq!(PixelFormat::from_fourcc(*b"JPEG"), Some(PixelFormat::Mjpeg));
        assert_eq!(PixelFormat::from_fourcc(*b"YUYV"), Some(PixelFormat::Yuyv));
        assert_eq!(PixelFormat::from_fourcc(*b"NV12"), None);
        assert_eq!(PixelFormat::Yuyv.to_string(), "YUYV");
    }
}
