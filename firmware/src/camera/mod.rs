//! Where frames come from. Every camera sits behind [`FrameSource`], so the frame loop and its
//! tests do not care whether frames come from a Pi camera, a webcam or a folder.
//!
//! - [`replay`]: a folder of images played in order at a set rate (tests, demos, desktops).

pub mod replay;

use image::RgbImage;

use crate::error::Result;

pub use replay::ReplaySource;

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
