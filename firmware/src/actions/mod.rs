//! What a gesture does, in one place: the `[[action]]`s and `[mqtt]` as written
//! ([`written`]), validated against a model's labels ([`parse`], [`remote`]), described
//! ([`describe`]) and fired — pins through the [`pins::Actuator`], messages, requests and
//! commands through the [`notify::Notifier`]. `beckon run`, `beckon check`, the device session
//! and the Teach panel's outputs all go through here.

pub mod describe;
pub mod notify;
pub mod parse;
pub mod pins;
mod remote;
pub mod written;

pub use describe::{describe, per_hand};
pub use notify::{MqttSettings, Notifier, RemoteAction, RemoteKind, Trigger};
pub use parse::{Parsed, Written, parse};
pub use pins::{Action, ActionKind, Actuator, MotionAction};
pub use written::{ActionEntry, MqttSection};

/// Where a setting is written: turns the byte range of a value and its dotted key into an error
/// naming the file and line (`beckon.toml:12: action[0].pins`). The configuration implements it.
pub trait Locate {
    fn err(&self, span: std::ops::Range<usize>, key: &str, problem: String) -> crate::error::Error;
}
