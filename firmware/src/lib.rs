//! beckon's device runtime, as a library.
//!
//! The data path on the device, one module per stage:
//!
//! ```text
//! camera (FrameSource) → preprocess | hand (detect, track, rotated crop) → model (tract) → smooth → gpio (OutputPin)
//! ```
//!
//! What a gesture then does (pins, MQTT, HTTP, commands) is [`actions`]. [`runner`] wires the
//! stages into the frame loop the `beckon` binary runs. The trainer links
//! this library too, so every model it exports is checked by the very code the device runs, and
//! [`bench`] measures latency the same way for `beckon bench` and the trainer's model cards.

pub mod actions;
pub mod bench;
pub mod camera;
pub mod capture;
pub mod config;
pub mod decide;
pub mod error;
pub mod events;
pub mod files;
pub mod gpio;
pub mod hand;
pub mod model;
pub mod motion;
pub mod paths;
pub mod preprocess;
pub mod preview;
pub mod runner;
pub mod session;
pub mod shutdown;
pub mod smooth;
pub mod stats;
pub mod teach;

/// Unit tests' scratch folders: the integration tests' helper, removed when a test is done.
#[cfg(test)]
#[allow(dead_code)]
#[path = "../tests/common/scratch.rs"]
mod scratch;

pub use error::{Error, Result};
pub use model::{Classifier, ModelInfo, Prediction};
