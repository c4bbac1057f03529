//! Exporting trained networks as beckon models (standard ONNX, see `beckon::model::contract`).
//!
//! - [`onnx`]: the seed CNN as an ONNX graph (u8 image in, preprocessing, softmax out).
//! - [`transfer`]: a backbone + dense head as one graph (the backbone's feature graph is
//!   [`crate::backbone::features`]).
//! - [`verify`]: runs the exported file through the firmware library and compares with burn.
//! - [`latency`]: how fast the exported file runs in tract.

pub mod latency;
pub mod onnx;
pub mod transfer;
pub mod verify;
