//! Pretrained feature extractors for transfer learning.
//!
//! - [`file`]: an ONNX backbone (image in, feature vector out) and its preprocessing, read from
//!   its metadata or given by flags.
//! - [`extract`]: features of many images through tract, in parallel.
//! - [`augment`]: random views of a training image (crop/scale, rotation, colour, grey).
//! - [`cache`]: features kept on disk, so a second run skips the backbone.
//! - [`mobilenet_v2`] (+ [`keras_h5`]): Keras' MobileNetV2 built as ONNX from its `.h5` weights;
//!   [`fetch`] downloads the official weight file once.

pub mod augment;
pub mod cache;
pub mod extract;
pub mod fetch;
pub mod file;
pub mod keras_h5;
pub mod mobilenet_v2;

pub use extract::FeatureExtractor;
pub use file::{BackboneFile, Preprocessing};
