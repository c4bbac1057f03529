//! USB webcams (V4L2), in pure Rust: no bindgen, no libclang, no C library beyond libc.
//!
//! [`V4l2Source`] turns raw buffers into frames. The buffers come from a [`BufferStream`]:
//! - [`kernel::KernelDevice`]: a `/dev/videoN` node, MJPEG or YUYV, memory-mapped streaming;
//! - [`recording::RecordingReader`]: a `.v4l2rec` file of buffers recorded from a device (the
//!   `record` setting writes one), so the same decoding runs on any machine and in tests.

#[cfg(target_os = "linux")]
pub mod kernel;
pub mod pixels;
pub mod recording;

use std::path::PathBuf;

use super::pace::Pacer;
use super::{Frame, FrameSource};
use crate::error::{Error, Result};
use pixels::{PixelFormat, StreamFormat};
use recording::{RecordingReader, RecordingWriter};

/// Corrupt frames in a row after which the source gives up.
pub const MAX_BAD_FRAMES: u32 = 30;

/// Where raw V4L2 buffers come from.
pub trait BufferStream: Send {
    /// What the buffers hold.
    fn format(&self) -> StreamFormat;
    /// For logs, e.g. `v4l2:/dev/video0 (HD Webcam, MJPG 640×480)`.
    fn describe(&self) -> String;
    /// Copies the next filled buffer into `out`, waiting for it; `false` at the end of a recording.
    fn next_buffer(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool>;
}

/// Which pixel format to ask the device for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatChoice {
    /// MJPEG if offered (low USB bandwidth at any size), else YUYV.
    Auto,
    /// Only this one.
    Only(PixelFormat),
}

/// `[source] kind = "v4l2"` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct V4l2Settings {
    /// A device node (`/dev/video0`) or a `.v4l2rec` recording to play back.
    pub device: PathBuf,
    pub width: u32,
    pub height: u32,
    /// Frame rate asked of the device (or the pace of a recording); `None` = device default
    /// (a recording plays as fast as it decodes).
    pub fps: Option<f64>,
    pub format: FormatChoice,
    /// Also write every raw buffer to this `.v4l2rec` file.
    pub record: Option<PathBuf>,
}

impl V4l2Settings {
    /// `/dev/video0`, 640×480, device rate, MJPEG else YUYV.
    pub fn new(device: impl Into<PathBuf>) -> Self {
        Self { device: device.into(), width: 640, height: 480, fps: None, format: FormatChoice::Auto, record: None }
    }
}

/// Frames from a V4L2 buffer stream. A buffer that does not decode (webcams send the odd corrupt
/// MJPEG frame) is skipped with a warning; [`MAX_BAD_FRAMES`] in a row end the source with an error.
pub struct V4l2Source {
    stream: Box<dyn BufferStream>,
    buffer: Vec<u8>,
    pacer: Pacer,
    recorder: Option<RecordingWriter>,
    frames: u64,
    bad_in_row: u32,
    skipped: usize,
    /// The device's frame rate (asked, else taken as the usual UVC default, 30); a recording's
    /// is its pacer's.
    rate: Option<f64>,
}

impl V4l2Source {
    /// Opens the device, or plays the recording if `settings.device` is a regular file.
    pub fn open(settings: &V4l2Settings) -> Result<Self> {
        let name = format!("v4l2:{}", settings.device.display());
        let err = |problem: String| Error::Source { source_name: name.clone(), problem };
        let (stream, pacer): (Box<dyn BufferStream>, Pacer) = if settings.device.is_file() {
            let reader = RecordingReader::open(&settings.device).map_err(err)?;
            (Box::new(reader), Pacer::new(settings.fps.unwrap_or(0.0)))
        } else {
            (open_device(settings).map_err(err)?, Pacer::new(0.0))
        };
        let recorder = match &settings.record {
            Some(path) => {
                Some(RecordingWriter::create(path, &stream.format()).map_err(|e| err(format!("cannot create the recording {}: {e}", path.display())))?)
            }
            None => None,
        };
        let live = !settings.device.is_file();
        let mut source = Self::from_stream(stream, pacer, recorder);
        if live {
            source.rate = Some(settings.fps.filter(|f| *f > 0.0 && f.is_finite()).unwrap_or(30.0));
        }
        Ok(source)
    }

    /// Frames from any buffer stream (tests use their own).
    pub fn from_stream(stream: Box<dyn BufferStream>, pacer: Pacer, recorder: Option<RecordingWriter>) -> Self {
        let rate = pacer.fps();
        Self { stream, buffer: Vec::new(), pacer, recorder, frames: 0, bad_in_row: 0, skipped: 0, rate }
    }

    fn err(&self, problem: String) -> Error {
        Error::Source { source_name: self.stream.describe(), problem }
    }
}

#[cfg(target_os = "linux")]
fn open_device(settings: &V4l2Settings) -> Result<Box<dyn BufferStream>, String> {
    Ok(Box::new(kernel::KernelDevice::open(settings)?))
}

#[cfg(not(target_os = "linux"))]
fn open_device(_: &V4l2Settings) -> Result<Box<dyn BufferStream>, String> {
    Err("this beckon reads V4L2 devices only on Linux; it can play a .v4l2rec recording".into())
}

/// The first USB webcam, if any (always `None` where devices are not supported).
pub fn find_webcam() -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    return kernel::find_webcam();
    #[cfg(not(target_os = "linux"))]
    None
}

impl FrameSource for V4l2Source {
    fn nominal_fps(&self) -> Option<f64> {
        self.rate
    }

    fn describe(&self) -> String {
        self.stream.describe()
    }

    fn skipped(&self) -> usize {
        self.skipped
    }

    fn next_frame(&mut self) -> Result<Option<Frame>> {
        loop {
            let more = self.stream.next_buffer(&mut self.buffer).map_err(|e| self.err(format!("{e}")))?;
            if !more {
                return Ok(None);
            }
            if let Some(rec) = &mut self.recorder {
                rec.write_buffer(&self.buffer).map_err(|e| self.err(format!("cannot write the recording: {e}")))?;
            }
            match pixels::decode(&self.stream.format(), &self.buffer) {
                Ok(image) => {
                    self.bad_in_row = 0;
                    self.pacer.wait();
                    let name = format!("v4l2-{:06}", self.frames);
                    self.frames += 1;
                    return Ok(Some(Frame { image, name, time: None }));
                }
                Err(problem) => {
                    self.bad_in_row += 1;
                    self.skipped += 1;
                    if self.bad_in_row >= MAX_BAD_FRAMES {
                        return Err(self.err(format!("{MAX_BAD_FRAMES} frames in a row did not decode; the last: {problem}")));
                    }
                    log::warn!("{}: skipping a frame: {problem}", self.stream.describe());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream of scripted buffers.
    struct Scripted(StreamFormat, std::vec::IntoIter<Vec<u8>>);

    impl BufferStream for Scripted {
        fn format(&self) -> StreamFormat {
            self.0
        }
        fn describe(&self) -> String {
            "scripted".into()
        }
        fn next_buffer(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
            Ok(self.1.next().map(|b| *out = b).is_some())
        }
    }

    fn jpeg(rgb: [u8; 3]) -> Vec<u8> {
        crate::camera::mjpeg::encode(&[image::RgbImage::from_pixel(16, 8, image::Rgb(rgb))]).unwrap()
    }

    #[test]
    fn mjpeg_buffers_become_frames_and_corrupt_ones_are_skipped() {
        let format = StreamFormat::packed(PixelFormat::Mjpeg, 16, 8);
        let bufs = vec![jpeg([200, 0, 0]), b"\xFF\xD8garbage".to_vec(), jpeg([0, 0, 200])];
        let mut src = V4l2Source::from_stream(Box::new(Scripted(format, bufs.into_iter())), Pacer::new(0.0), None);
        let a = src.next_frame().unwrap().unwrap();
        let b = src.next_frame().unwrap().unwrap();
        assert!(a.image.get_pixel(8, 4).0[0] > 150 && b.image.get_pixel(8, 4).0[2] > 150);
        assert_eq!((a.name.as_str(), b.name.as_str()), ("v4l2-000000", "v4l2-000001"));
        assert!(src.next_frame().unwrap().is_none());
    }

    #[test]
    fn a_stream_of_only_corrupt_frames_ends_with_an_error() {
        let format = StreamFormat::packed(PixelFormat::Yuyv, 4, 4);
        let bufs = vec![vec![0u8; 10]; MAX_BAD_FRAMES as usize];
        let mut src = V4l2Source::from_stream(Box::new(Scripted(format, bufs.into_iter())), Pacer::new(0.0), None);
        let err = src.next_frame().unwrap_err().to_string();
        assert!(err.contains("frames in a row did not decode") && err.contains("needs 32 bytes"), "{err}");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_missing_device_says_what_to_check() {
        let err = V4l2Source::open(&V4l2Settings::new("/dev/video-beckon-missing")).err().unwrap().to_string();
        assert!(err.contains("/dev/video-beckon-missing") && err.contains("plugged in"), "{err}");
    }

    #[test]
    fn recording_while_capturing_gives_back_the_same_frames() {
        let dir = crate::scratch::Scratch::new("v4l2");
        let (first, second) = (dir.join("a.v4l2rec"), dir.join("b.v4l2rec"));
        let img = image::RgbImage::from_fn(8, 4, |x, y| image::Rgb([(x * 30) as u8, (y * 60) as u8, 128]));
        let format = StreamFormat::packed(PixelFormat::Yuyv, 8, 4);
        let mut w = RecordingWriter::create(&first, &format).unwrap();
        w.write_buffer(&pixels::encode_yuyv(&img)).unwrap();
        drop(w);
        // Play the recording while recording it again: both copies decode to the same frame.
        let settings = V4l2Settings { record: Some(second.clone()), ..V4l2Settings::new(&first) };
        let mut src = V4l2Source::open(&settings).unwrap();
        let frame = src.next_frame().unwrap().unwrap();
        assert!(src.next_frame().unwrap().is_none());
        drop(src);
        assert_eq!(std::fs::read(&first).unwrap(), std::fs::read(&second).unwrap());
        assert_eq!(frame.image.dimensions(), (8, 4));
    }
}
