//! Where frames come from. Every camera sits behind [`FrameSource`], so the frame loop and its
//! tests do not care whether frames come from a Pi camera, a webcam or a folder.
//!
//! - [`replay`]: a folder of images (or an MJPEG file) played in order at a set rate (tests,
//!   demos, desktops).
//! - [`rpicam`]: the Raspberry Pi camera through `rpicam-vid`, supervised.
//! - [`v4l2`]: USB webcams (MJPEG or YUYV), or a recording of their raw buffers.
//! - [`mjpeg`]: splitting an MJPEG stream into JPEG frames.
//! - [`auto`]: the camera that is there (Pi camera module, else USB webcam).
//! - [`prefetch`]: any of them read on its own thread, one frame ahead of the frame loop.

pub mod auto;
pub mod image_file;
pub mod mjpeg;
pub mod pace;
pub mod prefetch;
pub mod replay;
pub mod rpicam;
pub mod v4l2;

use image::RgbImage;

use crate::error::{Error, Result};

pub use replay::ReplaySource;
pub use rpicam::{RpicamSettings, RpicamSource};
pub use v4l2::{V4l2Settings, V4l2Source};

use std::path::PathBuf;

use crate::shutdown::Shutdown;

/// Which frame source to open (the `[source]` of `beckon.toml`).
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A folder of images or an `.mjpeg` recording, at `fps` (0 = as fast as they decode), with
    /// `paced` false played as fast as they decode but timed as if at `fps`.
    Replay { path: PathBuf, fps: f64, looping: bool, paced: bool },
    /// The Pi camera through `rpicam-vid`.
    Rpicam(RpicamSettings),
    /// A USB webcam (or a recording of one).
    V4l2(V4l2Settings),
    /// The Pi camera if one is attached (`rpicam-vid --list-cameras`), else the first USB
    /// webcam, else the replay source if there is one, else none ([`open`] says so;
    /// [`open_waiting`] waits for a camera).
    Auto { rpicam: RpicamSettings, v4l2: V4l2Settings, replay: Option<PathBuf>, fps: f64, looping: bool },
}

/// Opens `source`; `Auto` says on stderr what it picked. A camera source stops restarting its
/// capture program once `shutdown` is requested.
pub fn open(source: &Source, shutdown: &Shutdown) -> Result<Box<dyn FrameSource + Send>> {
    Ok(match source {
        Source::Replay { path, fps, looping, paced } => Box::new(ReplaySource::open(path, *fps, *looping)?.paced(*paced)),
        Source::Rpicam(settings) => Box::new(RpicamSource::open(settings)?.with_shutdown(shutdown.clone())),
        Source::V4l2(settings) => Box::new(V4l2Source::open(settings)?),
        Source::Auto { rpicam, v4l2, replay, fps, looping } => {
            let picked: Box<dyn FrameSource + Send> = match (auto::look(rpicam), replay) {
                (auto::Found::PiCamera(program), _) => {
                    let settings = RpicamSettings { program: Some(program), ..rpicam.clone() };
                    Box::new(RpicamSource::open(&settings)?.with_shutdown(shutdown.clone()))
                }
                (auto::Found::Webcam(device), _) => Box::new(V4l2Source::open(&V4l2Settings { device, ..v4l2.clone() })?),
                (auto::Found::Nothing(why), Some(path)) => {
                    eprintln!("source auto: {why}: playing {}", path.display());
                    Box::new(ReplaySource::open(path, *fps, *looping)?)
                }
                (auto::Found::Nothing(why), None) => {
                    return Err(Error::Source { source_name: "auto".into(), problem: format!("no camera: {why}; connect one, or set [source] kind") });
                }
            };
            eprintln!("source auto: picked {}", picked.describe());
            picked
        }
    })
}

/// As [`open`], but an `auto` source with no camera (and no replay) waits for one, looking
/// every 5 s until `shutdown` is requested, and says once that it waits (a service started
/// before the webcam is plugged in). `Ok(None)`: stopped while waiting.
pub fn open_waiting(source: &Source, shutdown: &Shutdown, waiting: impl FnOnce(&str)) -> Result<Option<Box<dyn FrameSource + Send>>> {
    let Source::Auto { rpicam, replay: None, .. } = source else { return open(source, shutdown).map(Some) };
    let mut waiting = Some(waiting);
    loop {
        match auto::look(rpicam) {
            auto::Found::Nothing(why) => {
                if let Some(say) = waiting.take() {
                    say(&format!("no camera: {why}; waiting for one (looking every 5 s)"));
                }
                let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
                while std::time::Instant::now() < until {
                    if shutdown.requested() {
                        return Ok(None);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            }
            _ => return open(source, shutdown).map(Some),
        }
    }
}

/// One captured frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The pixels, RGB.
    pub image: RgbImage,
    /// Where the frame came from (a file name for replay, a sequence number for cameras).
    pub name: String,
    /// Its time in the video, when the source sets it (a replay at a frame rate: frame number
    /// over rate); `None` for a camera, whose frames are timed by the clock as they come.
    pub time: Option<std::time::Duration>,
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
