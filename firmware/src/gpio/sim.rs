//! [`SimPin`]: an output pin with no hardware behind it. It records every transition in a
//! shared [`TransitionLog`] and logs it, so the frame loop runs and is testable anywhere.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use embedded_hal::digital::{ErrorType, OutputPin};

/// One change of a simulated pin.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// Pin name, e.g. `GPIO17`.
    pub pin: String,
    /// New level.
    pub high: bool,
    /// Seconds since the log was created.
    pub at_secs: f64,
}

/// A transition record shared by several simulated pins (clone it to share).
#[derive(Debug, Clone)]
pub struct TransitionLog {
    start: Instant,
    entries: Arc<Mutex<Vec<Transition>>>,
}

impl Default for TransitionLog {
    fn default() -> Self {
        Self { start: Instant::now(), entries: Arc::default() }
    }
}

impl TransitionLog {
    /// Every transition so far, oldest first.
    pub fn transitions(&self) -> Vec<Transition> {
        self.entries.lock().map(|e| e.clone()).unwrap_or_default()
    }

    fn push(&self, pin: &str, high: bool) {
        let t = Transition { pin: pin.to_string(), high, at_secs: self.start.elapsed().as_secs_f64() };
        log::debug!("sim pin {} -> {}", t.pin, if high { "high" } else { "low" });
        if let Ok(mut e) = self.entries.lock() {
            e.push(t);
        }
    }
}

/// A simulated output pin.
#[derive(Debug)]
pub struct SimPin {
    name: String,
    high: Option<bool>,
    log: TransitionLog,
}

impl SimPin {
    /// A pin named `name` (level unknown until first driven) recording into `log`.
    pub fn new(name: impl Into<String>, log: TransitionLog) -> Self {
        Self { name: name.into(), high: None, log }
    }

    /// The current level, if the pin was ever driven.
    pub fn is_high(&self) -> Option<bool> {
        self.high
    }

    fn set(&mut self, high: bool) {
        if self.high != Some(high) {
            self.high = Some(high);
            self.log.push(&self.name, high);
        }
    }
}

impl ErrorType for SimPin {
    type Error = Infallible;
}

impl OutputPin for SimPin {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.set(false);
        Ok(())
    }

    fn set_high(&mut self) -> Result<(), Infallible> {
        self.set(true);
        Ok(())
    }
}
