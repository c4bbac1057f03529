//! [`KernelDevice`]: a V4L2 capture device node (`/dev/videoN`), through the pure-Rust
//! `linuxvideo` crate (plain ioctls on libc, memory-mapped streaming buffers).

use std::path::{Path, PathBuf};

use linuxvideo::format::PixFormat;
use linuxvideo::stream::ReadStream;
use linuxvideo::{BufType, CapabilityFlags, Device, Fract};

use super::pixels::{PixelFormat, StreamFormat};
use super::{BufferStream, FormatChoice, V4l2Settings};

/// A capture device, streaming.
pub struct KernelDevice {
    path: PathBuf,
    card: String,
    format: StreamFormat,
    fps: Option<f64>,
    stream: ReadStream,
}

impl KernelDevice {
    /// Opens the device, picks the pixel format (MJPEG first unless told otherwise: it keeps
    /// USB bandwidth low at any size), asks for the configured size and rate, starts streaming.
    /// Errors say what to check (plugged in? in the `video` group? a capture device?).
    pub fn open(settings: &V4l2Settings) -> Result<Self, String> {
        let path = settings.device.clone();
        let device = Device::open(&path).map_err(|e| open_problem(&path, &e))?;
        let caps = device.capabilities().map_err(|e| format!("cannot query its capabilities: {e}"))?;
        let card = caps.card().to_string();
        let flags = caps.device_capabilities();
        if !flags.contains(CapabilityFlags::VIDEO_CAPTURE) || !flags.contains(CapabilityFlags::STREAMING) {
            return Err(format!(
                "{card} ({}) is not a streaming video capture device; a webcam usually is the first /dev/video* of its \
                 group, see `v4l2-ctl --list-devices`",
                caps.driver()
            ));
        }
        let offered: Vec<[u8; 4]> = device.formats(BufType::VIDEO_CAPTURE).filter_map(|f| f.ok().map(|f| f.pixel_format().as_fourcc())).collect();
        let readable: Vec<PixelFormat> = offered.iter().filter_map(|c| PixelFormat::from_fourcc(*c)).collect();
        let wanted = match settings.format {
            FormatChoice::Auto => [PixelFormat::Mjpeg, PixelFormat::Yuyv].into_iter().find(|p| readable.contains(p)),
            FormatChoice::Only(p) => readable.contains(&p).then_some(p),
        };
        let Some(pixels) = wanted else {
            let names: Vec<String> = offered.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect();
            return Err(format!(
                "{card} offers {}; beckon reads {}",
                if names.is_empty() { "no pixel format".into() } else { names.join(", ") },
                match settings.format {
                    FormatChoice::Auto => "MJPG or YUYV".to_string(),
                    FormatChoice::Only(p) => format!("{p} (the configured format; try format = \"auto\")"),
                }
            ));
        };
        let request = PixFormat::new(settings.width, settings.height, linuxvideo::format::PixelFormat::from_fourcc(pixels.fourcc()));
        let capture = device.video_capture(request).map_err(|e| format!("cannot set {pixels} {}×{}: {e}", settings.width, settings.height))?;
        let got = capture.format();
        let got_pixels = PixelFormat::from_fourcc(got.pixel_format().as_fourcc())
            .ok_or_else(|| format!("the driver switched to pixel format {:?}, which beckon does not read", got.pixel_format()))?;
        let format = StreamFormat { pixels: got_pixels, width: got.width(), height: got.height(), bytes_per_line: got.bytes_per_line() };
        let fps = settings.fps.filter(|f| *f > 0.0);
        let fps = match fps {
            Some(f) => match capture.set_frame_interval(Fract::new(1000, (f * 1000.0).round() as u32)) {
                Ok(t) => Some(f64::from(t.denominator()) / f64::from(t.numerator().max(1))),
                Err(e) => {
                    log::warn!("{}: cannot set {f} frames per second ({e}); using the device's rate", path.display());
                    None
                }
            },
            None => None,
        };
        let stream = capture.into_stream().map_err(|e| format!("cannot start streaming: {e}; is another program using the camera?"))?;
        Ok(Self { path, card, format, fps, stream })
    }
}

fn open_problem(path: &Path, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            "no such device; is the webcam plugged in? `ls /dev/video*` lists devices; choose one with --device or [source] device".into()
        }
        std::io::ErrorKind::PermissionDenied => "permission denied; add the user to the video group (`sudo usermod -aG video $USER`, then log in again)".into(),
        _ => format!("cannot open {}: {e}; is it a V4L2 device?", path.display()),
    }
}

impl BufferStream for KernelDevice {
    fn format(&self) -> StreamFormat {
        self.format
    }

    fn describe(&self) -> String {
        let rate = self.fps.map(|f| format!(" at {f:.1} fps")).unwrap_or_default();
        format!("v4l2:{} ({}, {}{rate})", self.path.display(), self.card, self.format)
    }

    fn next_buffer(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
        self.stream.dequeue(|buf| {
            if buf.is_error() {
                log::debug!("v4l2: the driver flagged a buffer as corrupt");
            }
            out.clear();
            out.extend_from_slice(&buf);
            Ok(())
        })?;
        Ok(true)
    }
}

/// The first USB webcam (driver `uvcvideo`, video capture) among `/dev/video*`, if any. The
/// Pi's own codec and ISP nodes are also V4L2 capture devices; they are skipped.
pub fn find_webcam() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = linuxvideo::list()
        .ok()?
        .filter_map(|d| d.ok())
        .filter(|d| d.capabilities().is_ok_and(|c| c.driver() == "uvcvideo" && c.device_capabilities().contains(CapabilityFlags::VIDEO_CAPTURE)))
        .filter_map(|d| d.path().ok())
        .collect();
    found.sort();
    found.into_iter().next()
}
