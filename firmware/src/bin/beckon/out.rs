//! Standard output that a closed pipe cannot crash: `beckon run --loop | head` ends quietly
//! (the run stops after the frame, outputs off) instead of panicking in `println!`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);
/// Standard output carries only events (`--events json`): the other lines go to stderr.
static EVENTS_ONLY: AtomicBool = AtomicBool::new(false);

/// Prints a line; once stdout is gone (a broken pipe or any other write error), prints nothing
/// more and [`closed`] says so. With [`events_only`], to stderr instead.
pub fn line(args: std::fmt::Arguments) {
    if EVENTS_ONLY.load(Ordering::Relaxed) {
        eprintln!("{args}");
        return;
    }
    event(args);
}

/// Prints a line on stdout (an event, or any line when stdout is not reserved for events).
pub fn event(args: std::fmt::Arguments) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{args}").and_then(|()| out.flush()).is_err() {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// From now on stdout carries only [`event`]s; every other line goes to stderr.
pub fn events_only() {
    EVENTS_ONLY.store(true, Ordering::Relaxed);
}

/// True once a write to stdout failed (the reader went away).
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// `println!` through [`line`].
macro_rules! say {
    () => { $crate::out::line(format_args!("")) };
    ($($arg:tt)*) => { $crate::out::line(format_args!($($arg)*)) };
}
