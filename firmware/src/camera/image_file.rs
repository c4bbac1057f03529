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

/// Decodes `bytes` (PNG or JPEG, told apart by their signature), or says why not.
pub fn decode_complete(bytes: &[u8]) -> Result<DynamicImage, String> {
    let format = if bytes.starts_with(PNG_MAGIC) {
        ImageFormat::Png
    } else if bytes.starts_with(JPEG_SOI) {
        ImageFormat::Jpeg
    } else {
        return Err("neither a PNG nor a JPEG (unknown signature)".into());
    };
    check_complete(bytes, format)?;
    image::load_from_memory_with_format(bytes, format).map_err(|e| e.to_string())
}

/// Reads and decodes the image file at `path` ([`decode_complete`]), or says why not.
pub fn open(path: &std::path::Path) -> Result<DynamicImage, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
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
