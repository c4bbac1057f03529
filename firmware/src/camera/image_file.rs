//! Decoding a whole image file, refusing one that is cut short.
//!
//! The PNG and JPEG decoders fill in what a truncated file lacks (grey rows, the last row
//! repeated) and return a picture; a model then classifies that invented picture as confidently
//! as a real one. A file that ends before its format's end marker (PNG `IEND` chunk, JPEG `EOI`)
//! is refused here instead, like any other unreadable frame.

use image::{DynamicImage, ImageFormat};

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
/// The `IEND` chunk's type and CRC: every complete PNG ends with them.
const PNG_END: &[u8] = b"IEND\xAE\x42\x60\x82";
const JPEG_SOI: &[u8] = &[0xFF, 0xD8];
const JPEG_EOI: &[u8] = &[0xFF, 0xD9];

/// The most pixels beckon decodes from one image: 24 megapixels (a 6000×4000 photo; an RGB
/// frame of that size is 72 MB). A small PNG can claim 13000×13000 and take a gigabyte to decode.
pub const MAX_PIXELS: u64 = 24_000_000;
/// The largest image file read.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Decodes `bytes` (PNG or JPEG, told apart by their signature), or says why not. Its size is
/// read from the header first: more than [`MAX_PIXELS`] is refused before any pixel is decoded.
pub fn decode_complete(bytes: &[u8]) -> Result<DynamicImage, String> {
    let format = if bytes.starts_with(PNG_MAGIC) {
        ImageFormat::Png
    } else if bytes.starts_with(JPEG_SOI) {
        ImageFormat::Jpeg
    } else {
        return Err("neither a PNG nor a JPEG (unknown signature)".into());
    };
    check_complete(bytes, format)?;
    let (w, h) = image::ImageReader::with_format(std::io::Cursor::new(bytes), format).into_dimensions().map_err(|e| e.to_string())?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!("{w}×{h} pixels: beckon decodes images of at most {} megapixels", MAX_PIXELS / 1_000_000));
    }
    image::load_from_memory_with_format(bytes, format).map_err(|e| e.to_string())
}

/// Reads and decodes the image file at `path` ([`decode_complete`]), or says why not.
pub fn open(path: &std::path::Path) -> Result<DynamicImage, String> {
    let bytes = crate::files::read_regular(path, MAX_FILE_BYTES)?;
    decode_complete(&bytes)
}

/// Fails if a PNG lacks its final `IEND` chunk or a JPEG its `EOI` marker (after trailing
/// padding some cameras add).
pub fn check_complete(bytes: &[u8], format: ImageFormat) -> Result<(), String> {
    match format {
        ImageFormat::Png => {
            let tail = &bytes[bytes.len().saturating_sub(64)..];
            if !tail.windows(PNG_END.len()).any(|w| w == PNG_END) {
                return Err(format!("truncated PNG ({} bytes, no IEND chunk at the end)", bytes.len()));
            }
        }
        ImageFormat::Jpeg => {
            let end = bytes.iter().rposition(|&b| b != 0 && !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
            if !bytes[..end].ends_with(JPEG_EOI) {
                return Err(format!("truncated JPEG ({} bytes, no end-of-image marker)", bytes.len()));
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(format: ImageFormat) -> Vec<u8> {
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 128]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn whole_files_decode_and_every_cut_is_refused() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg] {
            let bytes = encoded(format);
            assert_eq!(decode_complete(&bytes).unwrap().width(), 64);
            for cut in [bytes.len() / 4, bytes.len() / 2, bytes.len() - 3, bytes.len() - 1] {
                let err = decode_complete(&bytes[..cut]).unwrap_err();
                assert!(err.contains("truncated") || err.contains("signature"), "{format:?} cut at {cut}: {err}");
            }
        }
    }

    /// A PNG whose header claims `w`×`h` (no pixel data: only the header is read).
    fn png_claiming(w: u32, h: u32) -> Vec<u8> {
        fn crc(bytes: &[u8]) -> u32 {
            let mut c = !0u32;
            for &b in bytes {
                c ^= u32::from(b);
                for _ in 0..8 {
                    c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                }
            }
            !c
        }
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            let body = [kind, data].concat();
            c.extend_from_slice(&body);
            c.extend_from_slice(&crc(&body).to_be_bytes());
            c
        };
        let ihdr = [&w.to_be_bytes()[..], &h.to_be_bytes(), &[8, 0, 0, 0, 0]].concat();
        // An IDAT with an empty zlib stream: the decoder reads the header up to the first IDAT.
        let idat = [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];
        [PNG_MAGIC.to_vec(), chunk(b"IHDR", &ihdr), chunk(b"IDAT", &idat), chunk(b"IEND", &[])].concat()
    }

    /// Issue 33, row 14: a 480 KB PNG of 13000×13000 took a gigabyte to decode.
    #[test]
    fn images_too_large_are_refused_from_their_header() {
        let e = decode_complete(&png_claiming(13000, 13000)).unwrap_err();
        assert!(e.contains("13000×13000") && e.contains("megapixels"), "{e}");
        assert!(!decode_complete(&png_claiming(640, 480)).unwrap_err().contains("megapixels"), "a normal size is decoded (and fails only for lack of data)");
    }

    #[test]
    fn jpeg_padding_after_the_end_marker_is_accepted() {
        let mut bytes = encoded(ImageFormat::Jpeg);
        bytes.extend_from_slice(&[0, 0, 0, b'\n']);
        assert!(decode_complete(&bytes).is_ok());
    }

    #[test]
    fn other_bytes_are_refused() {
        assert!(decode_complete(b"").unwrap_err().contains("signature"));
        assert!(decode_complete(b"GIF89a....").unwrap_err().contains("signature"));
    }
}
