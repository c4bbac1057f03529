//! Safe shutdown: SIGINT, SIGTERM, SIGHUP (a closed terminal or a dropped SSH session) and
//! SIGQUIT ask the frame loop to stop after the current frame, so every output is driven off
//! before the process exits (systemd stops services with SIGTERM). Any number of signals, in any
//! order, only ever ask for that one orderly stop: a second Ctrl-C never skips the switch-off.
//! A panic or an error unwinds through [`LedBank`](crate::gpio::LedBank), whose `Drop` drives
//! its pins off too.
//!
//! The stop comes after the current frame: frame sources never wait longer than a frame (a
//! replay sleeps at most one frame period, the Pi camera's capture program gets the same signal
//! from the terminal or from systemd and closes its pipe). Only `kill -9` skips the switch-off.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// The signals that stop beckon in order.
pub const STOP_SIGNALS: [i32; 4] = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP, signal_hook::consts::SIGQUIT];

/// A stop request, set by a signal (or by [`Shutdown::request`]).
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    flag: Arc<AtomicBool>,
}

impl Shutdown {
    /// A request that only [`request`](Self::request) sets.
    pub fn new() -> Self {
        Self::default()
    }

    /// A request set by any of [`STOP_SIGNALS`], however many arrive.
    pub fn on_signals() -> Result<Self> {
        let s = Self::new();
        for signal in STOP_SIGNALS {
            signal_hook::flag::register(signal, Arc::clone(&s.flag))
                .map_err(|e| Error::Config { setting: format!("signal handler {signal}"), problem: format!("cannot install it: {e}") })?;
        }
        Ok(s)
    }

    /// Asks the loop to stop.
    pub fn request(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// True once a stop was asked for.
    pub fn requested(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}
