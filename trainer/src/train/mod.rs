//! Training in burn (flex CPU backend).
//!
//! - [`cnn`]: the seed CNN, Keras-exact (SAME padding), and its layer geometry.
//! - [`epochs`]: the one epoch loop every trainer runs (seeded order, validation, early stopping).
//! - [`fit`]: the seed CNN's training (Adam, cross-entropy) through that loop.
//! - [`head`]: a dense head on features, through that loop.
//! - [`history`]: per-epoch accuracy and loss, saved as JSON.
//! - [`charts`]: the accuracy and loss curves as PNG.
//! - [`batch`]: images → burn tensors.

pub mod batch;
pub mod charts;
pub mod cnn;
pub mod epochs;
pub mod fit;
pub mod head;
pub mod history;

pub use cnn::{CnnSpec, SeedCnn};
pub use fit::{FitOptions, Trained, fit};
pub use head::DenseWeights;
pub use history::{EpochStats, History};
