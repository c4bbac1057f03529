//! Where frames come from. Every camera sits behind [`FrameSource`], so the frame loop and its
//! tests do not care whether frames come from a Pi camera, a webcam or a folder.
//!
//! - [`replay`]: a folder of images (or an MJPEG file) played in order at a set rate (tests,
//!   demos, desktops).
//! - [`rpicam`]: the Raspberry Pi camera through `rpicam-vid`, supervised.
//! - [`v4l2`]: USB webcams (MJPEG or YUYV), or a recording of their raw buffers.
//! - [`mjpeg`]: splitting an MJPEG stream into JPEG frames.

pub mod image_file;
pub mod mjpeg;
pub mod pace;
pub mod replay;
pub mod rpicam;
pub mod v4l2;

use image::RgbImage;

use crate::error::Result;

pub use replay::ReplaySource;
pub use rpicam::{RpicamSettings, RpicamSource};
pub use v4l2::{V4l2Settings, V4l2Source};

use std::path::PathBuf;

use crate::shutdown::Shutdown;

/// Which frame source to open (the `[source]` of `beckon.toml`).
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A folder of images or an `.mjpeg` recording.
    Replay { path: PathBuf, fps: f64, looping: bool },
    /// The Pi camera through `rpicam-vid`.
    Rpicam(RpicamSettings),
    /// A USB webcam (or a recording of one).
    V4l2(V4l2Settings),
    /// The Pi camera if `rpicam-vid`/`libcamera-vid` is installed, else the first USB webcam,
    /// else the replay source.
    Auto { rpicam: RpicamSettings, v4l2: V4l2Settings, replay: PathBuf, fps: f64, looping: bool },
}

/// Opens `source`; `Auto` says on stderr what it picked. A camera source stops restarting its
/// capture program once `shutdown` is requested.
pub fn open(source: &Source, shutdown: &Shutdown) -> Result<Box<dyn FrameSource>> {
    Ok(match source {
        Source::Replay { path, fps, looping } => Box::new(ReplaySource::open(path, *fps, *looping)?),
        Source::Rpicam(settings) => Box::new(RpicamSource::open(settings)?.with_shutdown(shutdown.clone())),
        Source::V4l2(settings) => Box::new(V4l2Source::open(settings)?),
        Source::Auto { rpicam, v4l2, replay, fps, looping } => {
            let picked: Box<dyn FrameSource> = if rpicam.program.is_some() || rpicam::find_program().is_some() {
                Box::new(RpicamSource::open(rpicam)?.with_shutdown(shutdown.clone()))
            } else if let Some(device) = v4l2::find_webcam() {
                Box::new(V4l2Source::open(&V4l2Settings { device, ..v4l2.clone() })?)
            } else {
                eprintln!("source auto: no {} and no USB webcam (uvcvideo) found", rpicam::PROGRAMS.join("/"));
                Box::new(ReplaySource::open(replay, *fps, *looping)?)
            };
            eprintln!("source auto: picked {}", picked.describe());
            picked
        }
    })
}

/// One captured frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The pixels, RGB.
    pub image: RgbImage,
    /// Where the frame came from (a file name for replay, a sequence number for cameras).
    pub name: String,
}

/// A source of frames.
pub trait FrameSource {
    /// A short description for logs, e.g. `replay:firmware/replay`.
    fn describe(&self) -> String;
    /// The next frame, waiting for it if needed; `None` when the source is exhausted.
    fn next_frame(&mut self) -> Result<Option<Frame>>;
    /// Frames dropped so far because they did not decode or were cut short.
    fn skipped(&self) -> usize {
        0
    }
    /// The rate frames come at, in frames per second of video, when it is known and paced: a
    /// camera's (a USB webcam at its device default: 30), a paced replay's. `None` for a source
    /// played as fast as it decodes (a replay at fps 0, a recording without a rate): there every
    /// frame stands on its own.
    fn nominal_fps(&self) -> Option<f64> {
        None
    }
}
