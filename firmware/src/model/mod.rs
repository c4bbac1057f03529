//! Loading and running a beckon model with tract.
//!
//! - [`contract`]: the names and metadata keys every beckon model carries (the one place they
//!   are written down in code).
//! - [`info`]: reading and validating that metadata.
//! - [`classifier`]: loading with tract and classifying frames.
//! - [`options`]: precision (f32/f16) and threads.
//! - [`input`]: the image input channels-last, its per-pixel preprocessing as a table.
//! - [`layout`]: convolutions channels-last (NHWC), tract's faster layout for them.
//! - [`fold`]: decoding int8/f16 weights once at load.
//! - [`file`]: reading a model file (regular files up to a size only).
//! - [`prelu`]: PReLU in one pass, and the ONNX reader that uses it.
//! - [`graph`]: a small builder over tract's ONNX protobuf types, to write models.
//! - [`hand_features`]: the part of a landmark model's graph between the network and the head
//!   (hand features), and the no-hand gate after it: the trainer and `beckon train` build it alike.
//! - [`handedness`]: the landmark network's left-hand score as a model output.
//! - [`profile`]: each operator's time in a run (`beckon bench --profile`).
//! - [`kernels`]: compute kernels beckon adds to tract's registry (x86-64 depthwise).
//! - [`stem`]: a network's first convolution (the image's few channels) computed directly on x86-64.
//! - [`pointwise`]: 1×1 convolutions (up to 256 × 256 weights) computed directly on x86-64.

pub mod classifier;
pub mod contract;
pub mod file;
pub mod fold;
pub mod graph;
pub mod hand_features;
pub mod handedness;
pub mod info;
pub mod input;
pub mod kernels;
pub mod layout;
pub mod options;
pub mod pointwise;
pub mod prelu;
pub mod profile;
pub mod stem;

pub use classifier::{Classifier, Prediction};
pub use info::ModelInfo;
pub use layout::Layout;
pub use options::{F16Request, LoadOptions, Precision};

/// beckon's direct kernels ([`stem`], [`pointwise`]) in place of tract's operators in an f32
/// model's plan, where the CPU has them (x86-64 with AVX2 and FMA); before `into_optimized`.
pub fn direct_kernels(model: &mut tract_onnx::prelude::TypedModel) -> tract_onnx::prelude::TractResult<usize> {
    Ok(stem::apply(model)? + pointwise::apply(model)?)
}
