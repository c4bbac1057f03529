//! [`Pacer`]: holds a played-back source to a frame rate, as a camera would.

use std::time::{Duration, Instant};

/// Sleeps so that successive [`Pacer::wait`] calls are at least `1/fps` apart; `fps` 0 = no wait.
#[derive(Debug, Clone)]
pub struct Pacer {
    period: Option<Duration>,
    next_due: Option<Instant>,
    /// `false`: keeps the rate (for [`Pacer::fps`]) but never waits.
    paced: bool,
}

impl Pacer {
    /// A pacer for `fps` frames per second (0 = as fast as possible). `fps` must be ≥ 0 and finite.
    pub fn new(fps: f64) -> Self {
        Self { period: (fps > 0.0 && fps.is_finite()).then(|| Duration::from_secs_f64(1.0 / fps)), next_due: None, paced: true }
    }

    /// Whether [`Pacer::wait`] waits (the rate stays either way).
    pub fn set_paced(&mut self, paced: bool) {
        self.paced = paced;
    }

    /// The frame rate it holds to, if any.
    pub fn fps(&self) -> Option<f64> {
        self.period.map(|p| 1.0 / p.as_secs_f64())
    }

    /// Waits until the next frame is due. A late frame is not made up for by hurrying the next.
    pub fn wait(&mut self) {
        let Some(period) = self.period.filter(|_| self.paced) else { return };
        let now = Instant::now();
        let due = self.next_due.unwrap_or(now);
        if due > now {
            std::thread::sleep(due - now);
        }
        self.next_due = Some(due.max(now) + period);
    }
}
