//! Frames in flight: the hand finder on several cores at once.
//!
//! A tracked hand's frame cannot start before the previous frame's landmarks give its crop, so
//! one frame at a time uses one core however many the machine has. Here `n` copies of the
//! [`HandFinder`] each take every `n`-th frame on their own thread, each tracking the hand from
//! the last frame *it* saw (`n` frames back), and the results come out in frame order. Each
//! frame still costs what it costs on one core (latency unchanged); up to `n` are worked on at
//! once (frames per second up to `n`×). A copy's idle and second-hand periods are counted in
//! its own frames, so build the finder for `fps / n` ([`crate::session`] does).
//!
//! Deterministic: which copy sees which frame depends only on the frame's number, never on
//! timing, so a replay gives the same answers on every run and every machine.

use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::Scope;
use std::time::{Duration, Instant};

use super::track::{Found, HandFinder};
use crate::camera::Frame;
use crate::error::{Error, Result};
use crate::model::Classifier;

/// One frame back from a worker: the frame, what was found, and how long the worker took.
pub struct Done {
    pub frame: Frame,
    pub found: Result<Found>,
    /// When it was handed to the worker.
    pub submitted: Instant,
    /// Time capturing it (before it was handed over).
    pub capture: Duration,
}

/// See the module. Lives inside a [`std::thread::scope`]; dropping it lets the threads end.
pub struct Workers {
    jobs: Vec<SyncSender<(Frame, Instant, Duration)>>,
    results: Vec<Receiver<Done>>,
    submitted: u64,
    received: u64,
}

impl Workers {
    /// Starts `n` (≥ 1) copies of `finder`, each on a thread of `scope`.
    pub fn start<'scope, 'env>(scope: &'scope Scope<'scope, 'env>, finder: &HandFinder, n: usize, classifier: &'env Classifier) -> Result<Self> {
        let mut jobs = Vec::with_capacity(n);
        let mut results = Vec::with_capacity(n);
        for k in 0..n.max(1) {
            // One frame queued per worker beside the one it works on: the source is never read
            // further ahead than the frames in flight.
            let (job_tx, job_rx) = sync_channel::<(Frame, Instant, Duration)>(1);
            let (done_tx, done_rx) = channel::<Done>();
            let mut finder = finder.clone();
            std::thread::Builder::new()
                .name(format!("beckon-hand-{k}"))
                .spawn_scoped(scope, move || {
                    for (frame, submitted, capture) in job_rx {
                        let found = finder.process(&frame.image, classifier);
                        if done_tx.send(Done { frame, found, submitted, capture }).is_err() {
                            break;
                        }
                    }
                })
                .map_err(|e| Error::Inference(format!("cannot start a hand-finding thread: {e}")))?;
            jobs.push(job_tx);
            results.push(done_rx);
        }
        Ok(Self { jobs, results, submitted: 0, received: 0 })
    }

    /// Frames handed over and not yet taken back.
    pub fn in_flight(&self) -> usize {
        (self.submitted - self.received) as usize
    }

    /// Whether another frame can be handed over without waiting for one to come back.
    pub fn has_room(&self) -> bool {
        self.in_flight() < self.jobs.len()
    }

    /// Hands `frame` (captured in `capture`) to the next worker in turn.
    pub fn submit(&mut self, frame: Frame, capture: Duration) -> Result<()> {
        let k = (self.submitted % self.jobs.len() as u64) as usize;
        self.jobs[k].send((frame, Instant::now(), capture)).map_err(|_| stopped())?;
        self.submitted += 1;
        Ok(())
    }

    /// The oldest frame in flight, once its worker is done with it; `None` when none is in flight.
    pub fn take(&mut self) -> Result<Option<Done>> {
        if self.in_flight() == 0 {
            return Ok(None);
        }
        let k = (self.received % self.results.len() as u64) as usize;
        let done = self.results[k].recv().map_err(|_| stopped())?;
        self.received += 1;
        Ok(Some(done))
    }
}

fn stopped() -> Error {
    Error::Inference("a hand-finding thread stopped (it panicked; see the message above)".into())
}
