//! Pretrained feature extractors for transfer learning.
//!
//! - [`file`]: an ONNX backbone (image in, feature vector out) and its preprocessing, read from
//!   its metadata or given by flags.
//! - [`extract`]: features of many images through tract, in parallel.
//! - [`augment`]: random views of a training image (crop/scale, rotation, colour, grey).
//! - [`cache`]: features kept on disk, so a second run skips the backbone.

pub mod augment;
pub mod cache;
pub mod extract;
pub mod file;

pub use extract::FeatureExtractor;
pub use file::{BackboneFile, Preprocessing};
