//! The firmware's integration tests, as one test binary: each file is a module. One binary links
//! tract and the library once instead of once per file (CI's build time); `fuzz.rs` stays apart
//! because CI also builds and runs it for aarch64 under qemu.
//!
//! One file's tests: `cargo test --release --workspace --test device -- cli::`.

mod common;

mod actions;
mod camera_auto;
mod cli;
mod hand_tracking;
mod hardening;
mod idle;
mod landmark_model;
mod motions;
mod mqtt;
mod preview;
mod refining;
mod relays;
mod shipped_model;
mod soak;
mod teach;
mod teach_page;
mod two_hands;
