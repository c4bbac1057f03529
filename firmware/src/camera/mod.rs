//! Where frames come from. Every camera sits behind [`FrameSource`], so the frame loop and its
//! tests do not care whether frames come from a Pi camera, a webcam or a folder.
//!
//! - [`replay`]: a folder of images (or an MJPEG file) played in order at a set rate (tests,
//!   demos, desktops).
//! - [`rpicam`]: the Raspberry Pi camera through `rpicam-vid`, supervised.
//! - [`mjpeg`]: splitting an MJPEG stream into JPEG frames.

pub mod mjpeg;
pub mod replay;
pub mod rpicam;

use image::RgbImage;

use crate::error::Result;

pub use replay::ReplaySource;
pub use rpicam::{RpicamSettings, RpicamSource};

use std::path::PathBuf;

use crate::shutdown::Shutdown;

/// Which frame source to open (the `[source]` of `beckon.toml`).
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A folder of images or an `.mjpeg` recording.
    Replay { path: PathBuf, fps: f64, looping: bool },
    /// The Pi camera through `rpicam-vid`.
    Rpicam(RpicamSettings),
    /// The Pi camera if `rpicam-vid`/`libcamera-vid` is installed, else the replay source.
    Auto { rpicam: RpicamSettings, replay: PathBuf, fps: f64, looping: bool },
}

/// Opens `source`; `Auto` says on stderr what it picked. A camera source stops restarting its
/// capture program once `shutdown` is requested.
pub fn open(source: &Source, shutdown: &Shutdown) -> Result<Box<dyn FrameSource>> {
    Ok(match source {
        Source::Replay { path, fps, looping } => Box::new(ReplaySource::open(path, *fps, *looping)?),
        Source::Rpicam(settings) => Box::new(RpicamSource::open(settings)?.with_shutdown(shutdown.clone())),
        Source::Auto { rpicam, replay, fps, looping } => {
            if rpicam.program.is_some() || rpicam::find_program().is_some() {
                let s = RpicamSource::open(rpicam)?.with_shutdown(shutdown.clone());
                log::info!("source auto: picked {}", s.describe());
                eprintln!("source auto: picked the Pi camera ({})", s.describe());
                Box::new(s)
            } else {
                eprintln!(
                    "source auto: no {} found, picked replay of {}",
                    rpicam::PROGRAMS.join("/"),
                    replay.display()
                );
                Box::new(ReplaySource::open(replay, *fps, *looping)?)
            }
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
}
