//! Training in burn (flex CPU backend).
//!
//! - [`cnn`]: the seed CNN, Keras-exact (SAME padding), and its layer geometry.
//! - [`fit`]: the training loop (Adam, cross-entropy, seeded), with a progress bar.
//! - [`history`]: per-epoch accuracy and loss, saved as JSON.
//! - [`charts`]: the accuracy and loss curves as PNG.
//! - [`batch`]: images → burn tensors.

pub mod batch;
pub mod charts;
pub mod cnn;
pub mod early_stop;
pub mod fit;
pub mod head;
pub mod history;

pub use cnn::{CnnSpec, SeedCnn};
pub use fit::{FitOptions, Trained, fit};
pub use head::DenseWeights;
pub use history::{EpochStats, History};
