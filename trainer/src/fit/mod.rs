//! `beckon-train fit`: one pipeline every model kind plugs into.
//!
//! ```text
//! prepare (data → split → features) → train → describe (ModelInfo)
//!   → export (model file → verify through the firmware → evaluate → charts) → card → publish
//! ```
//!
//! A kind ([`ModelKind`]) says how each stage goes for it: [`cnn`] (the seed CNN on images),
//! [`transfer`] (an ImageNet backbone, frozen or fine-tuned, or the hand-landmark network, with
//! a dense head). [`run`] (in [`pipeline`]) does the rest the same way for all of them: everything is written
//! into a staging folder beside the output and moved into place only when every stage passed,
//! so a failed run leaves the previous model, its card and charts untouched. The card is
//! written by [`card`].

pub mod card;
pub mod cnn;
pub mod pipeline;
pub mod transfer;

pub use cnn::{FitJob, FitReport, run_fit};
pub use pipeline::{CARD_FILE, ModelKind, run};
pub use transfer::{DataFolder, LOSO_FILE, TransferJob, TransferReport, run_transfer};
