//! beckon's desktop trainer, as a library. The data path, one module per stage:
//!
//! ```text
//! dataset (import, folder, split) → train (cnn, fit, history, charts) → export (onnx, verify) → card
//!                                                                      → quantize, eval
//! ```
//!
//! Every exported model is checked through `beckon` (the firmware library), the code the
//! device runs. At the bottom, used by all and using none of them: [`graph`] (building ONNX
//! graphs) and [`files`] (writing outputs whole or not at all).

pub mod backbone;
pub mod card;
pub mod dataset;
pub mod eval;
pub mod export;
pub mod files;
pub mod finetune;
/// The ONNX graph builder, shared with the firmware (`beckon train` writes models too).
pub use beckon::model::graph;
pub mod loso;
pub mod pipeline;
pub mod quantize;
pub mod train;
pub mod transfer;
