//! beckon's desktop trainer, as a library. [`fit`] is the one pipeline every model kind plugs
//! into; the stages it drives are their own modules:
//!
//! ```text
//! fit: dataset (folder, groups, split) → backbone features → train (one epoch loop: CNN, head,
//!      finetune) → export (onnx, verify, latency) → eval, loso → fit::card → files::publish
//! after it: quantize (int8, f16), eval
//! ```
//!
//! Every exported model is checked through `beckon` (the firmware library), the code the
//! device runs. At the bottom, used by all and using none of them: [`graph`] (building ONNX
//! graphs) and [`files`] (writing outputs whole or not at all).

pub mod backbone;
pub mod dataset;
pub mod eval;
pub mod export;
pub mod files;
pub mod finetune;
pub mod fit;
/// The ONNX graph builder, shared with the firmware (`beckon train` writes models too).
pub use beckon::model::graph;
pub mod loso;
pub mod quantize;
pub mod train;
