//! Splitting a Motion-JPEG byte stream (JPEG images back to back, as `rpicam-vid --codec mjpeg
//! -o -` writes them, or an `.mjpeg` file) into single JPEG images.
//!
//! The splitter walks JPEG segments (lengths of the header segments, then the entropy-coded
//! data up to the End-Of-Image marker), so an EXIF thumbnail inside a frame does not cut it.

use std::io::Read;

/// Reads JPEG images one by one from a stream.
#[derive(Debug)]
pub struct MjpegReader<R> {
    inner: R,
    buf: Vec<u8>,
    eof: bool,
}

/// Largest frame accepted; anything bigger means the stream is not MJPEG.
const MAX_FRAME: usize = 32 << 20;

impl<R: Read> MjpegReader<R> {
    pub fn new(inner: R) -> Self {
        Self { inner, buf: Vec::with_capacity(1 << 20), eof: false }
    }

    /// The next complete JPEG image, `Ok(None)` at the end of the stream (a trailing partial
    /// image is dropped), an error if the stream is not MJPEG.
    pub fn next_jpeg(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            // Skip anything before a Start-Of-Image marker.
            if let Some(start) = self.buf.windows(2).position(|w| w == [0xFF, 0xD8]) {
                self.buf.drain(..start);
                if let Some(end) = jpeg_end(&self.buf)? {
                    return Ok(Some(self.buf.drain(..end).collect()));
                }
            } else if self.buf.len() > 1 {
                let keep = self.buf.len() - 1;
                self.buf.drain(..keep);
            }
            if self.eof {
                return Ok(None);
            }
            if self.buf.len() > MAX_FRAME {
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "no JPEG end marker within 32 MiB: not an MJPEG stream"));
            }
            let mut chunk = [0u8; 64 * 1024];
            let n = self.inner.read(&mut chunk)?;
            if n == 0 {
                self.eof = true;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// Length of the JPEG image at the start of `b` (which starts with SOI), if it is complete.
fn jpeg_end(b: &[u8]) -> std::io::Result<Option<usize>> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("malformed JPEG in the stream: {what}"));
    let mut i = 2;
    // Header segments: FF marker, 2-byte big-endian length (including itself).
    loop {
        // Fill bytes (FF FF …) may precede a marker.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&ff), Some(&marker)) = (b.get(i), b.get(i + 1)) else { return Ok(None) };
        if ff != 0xFF {
            return Err(bad("expected a marker"));
        }
        match marker {
            0xD9 => return Ok(Some(i + 2)), // EOI with no scan: an empty image, still one image
            0x01 | 0xD0..=0xD7 => i += 2,   // markers without a length
            _ => {
                let (Some(&hi), Some(&lo)) = (b.get(i + 2), b.get(i + 3)) else { return Ok(None) };
                let len = usize::from(hi) << 8 | usize::from(lo);
                if len < 2 {
                    return Err(bad("segment length below 2"));
                }
                i += 2 + len;
                if marker == 0xDA {
                    break; // Start Of Scan: entropy-coded data follows
                }
            }
        }
    }
    // Entropy-coded data: 0xFF is followed by 0x00 (stuffing) or a restart marker, until EOI.
    // Progressive JPEGs have several scans: a new SOS/DHT segment restarts the header walk.
    while i + 1 < b.len() {
        if b[i] == 0xFF {
            match b[i + 1] {
                0x00 | 0xFF | 0xD0..=0xD7 => i += if b[i + 1] == 0xFF { 1 } else { 2 },
                0xD9 => return Ok(Some(i + 2)),
                _ => {
                    // Another segment (progressive scans): skip it by its length.
                    let (Some(&hi), Some(&lo)) = (b.get(i + 2), b.get(i + 3)) else { return Ok(None) };
                    i += 2 + (usize::from(hi) << 8 | usize::from(lo));
                }
            }
        } else {
            i += 1;
        }
    }
    Ok(None)
}

/// Encodes `frames` as an MJPEG stream (JPEG quality 90): test data and recordings.
pub fn encode(frames: &[image::RgbImage]) -> image::ImageResult<Vec<u8>> {
    let mut out = Vec::new();
    for f in frames {
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(f)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames() -> Vec<image::RgbImage> {
        (0..3u8).map(|k| image::RgbImage::from_fn(32, 24, |x, y| image::Rgb([k * 80, x as u8 * 8, y as u8 * 10]))).collect()
    }

    /// A reader that hands out at most 7 bytes per read, to split markers across reads.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(7).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn splits_a_stream_into_its_frames_whatever_the_read_sizes() {
        let stream = encode(&frames()).unwrap();
        let mut garbage_first = b"\x00\x01rpicam log line\n".to_vec();
        garbage_first.extend_from_slice(&stream);
        garbage_first.extend_from_slice(&stream[..100]); // a cut-off last frame
        let mut r = MjpegReader::new(Trickle(&garbage_first));
        let mut got = Vec::new();
        while let Some(jpeg) = r.next_jpeg().unwrap() {
            got.push(image::load_from_memory(&jpeg).unwrap().to_rgb8());
        }
        assert_eq!(got.len(), 3);
        for (k, g) in got.iter().enumerate() {
            assert_eq!(g.dimensions(), (32, 24));
            assert!((i32::from(g.get_pixel(0, 0)[0]) - k as i32 * 80).abs() < 8, "frame {k} out of order");
        }
    }

    #[test]
    fn a_stream_that_is_not_mjpeg_ends_or_fails_cleanly() {
        let mut r = MjpegReader::new(&b"hello, this is not a camera"[..]);
        assert!(r.next_jpeg().unwrap().is_none());
        let mut r = MjpegReader::new(&[0xFF, 0xD8, 0x12, 0x34][..]);
        assert!(r.next_jpeg().is_err());
    }
}
