//! Safe shutdown: SIGINT and SIGTERM ask the frame loop to stop after the current frame, so
//! every output is driven off before the process exits (systemd stops services with SIGTERM).
//! A panic or an error unwinds through [`LedBank`](crate::gpio::LedBank), whose `Drop` drives
//! its pins off too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::{Error, Result};

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

    /// A request set by SIGINT or SIGTERM. A second signal while the first is being handled
    /// exits at once (status 1), for a loop stuck waiting on a camera.
    pub fn on_signals() -> Result<Self> {
        let s = Self::new();
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let fail = |e: std::io::Error| Error::Config {
                setting: format!("signal handler {signal}"),
                problem: format!("cannot install it: {e}"),
            };
            // Registered first, so it sees the flag as it was before this signal set it.
            signal_hook::flag::register_conditional_shutdown(signal, 1, Arc::clone(&s.flag)).map_err(fail)?;
            signal_hook::flag::register(signal, Arc::clone(&s.flag)).map_err(fail)?;
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
