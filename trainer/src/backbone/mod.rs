//! Pretrained feature extractors for transfer learning.
//!
//! - [`file`]: an ONNX backbone (image in, feature vector out) and its preprocessing, read from
//!   its metadata or given by flags.
//! - [`extract`]: features of many images through tract, in parallel.
//! - [`augment`]: random views of a training image (crop/scale, rotation, colour, grey).
//! - [`cache`]: features kept on disk, so a second run skips the backbone.
//! - [`mobilenet_v2`], [`mobilenet_v1`] (+ [`keras_h5`], [`keras_layers`]): Keras' MobileNets
//!   built as ONNX from their `.h5` weights; [`fetch`] downloads the official V2 weight file once.

pub mod augment;
pub mod cache;
pub mod extract;
pub mod features;
pub mod fetch;
pub mod file;
/// The hand-feature graph, shared with the firmware (`beckon train` builds the same).
pub use beckon::model::hand_features;
pub mod keras_h5;
pub mod keras_layers;
pub mod mobilenet_v1;
pub mod mobilenet_v2;

pub use extract::FeatureExtractor;
pub use file::{BackboneFile, Preprocessing};
