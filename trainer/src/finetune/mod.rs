//! Fine-tuning the last blocks of an ONNX backbone together with the head.
//!
//! The backbone is cut in two at the input of its K-th depthwise convolution from the end
//! ([`cut`]). The prefix stays frozen and runs in tract, once per image and view (its output is
//! cached like features). The suffix becomes a small burn network ([`suffix`]) whose convolution
//! weights start from the backbone's and are trained with the head at a lower learning rate
//! ([`train`]). Batch norm stays frozen: it is either folded into the convolutions or present
//! as constant Mul/Add nodes, never updated from batch statistics. The trained weights are
//! written back into the same ONNX nodes, so the exported model is the original graph with
//! new numbers.

pub mod cut;
pub mod suffix;
pub mod train;
