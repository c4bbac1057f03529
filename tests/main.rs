//! The workspace's end-to-end tests (trainer → firmware), as one test binary: each file is a
//! module, so tract and burn are linked once (CI's build time).
//!
//! One file's tests: `cargo test --release --workspace --test workspace -- transfer::`.

mod common;

mod docs;
mod end_to_end;
mod kill;
mod landmarks;
mod trainer_input;
mod transfer;
