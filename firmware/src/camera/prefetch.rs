//! Frames captured and decoded on their own thread, one frame ahead of the frame loop: while the
//! networks work on frame N, frame N + 1 is read and decoded on another core. It raises frames
//! per second when the loop, not the camera, is what limits them, and adds no latency to a
//! frame: the thread hands over a frame only when the loop asks for the next (a rendezvous, no
//! queue), so the frame it gives was decoded while the loop was busy, never left waiting behind
//! another.
//!
//! With one core it gains nothing (the two take turns), which is why `[runtime] threads = 1`, the
//! default, reads frames on the loop's own thread as before.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

use super::{Frame, FrameSource};
use crate::error::{Error, Result};

/// How long dropping a [`Prefetch`] waits for its thread to let the source go (a camera that
/// delivers a frame within it closes as it would on the loop's thread; one that hangs is left to
/// the process's end).
const LET_GO: Duration = Duration::from_secs(2);

/// A [`FrameSource`] read on its own thread.
pub struct Prefetch {
    frames: Option<Receiver<Result<Option<Frame>>>>,
    done: Receiver<()>,
    describe: String,
    nominal_fps: Option<f64>,
    skipped: Arc<AtomicUsize>,
    ended: bool,
}

impl Prefetch {
    /// Starts reading `source` on a thread named `beckon-capture`.
    pub fn start(mut source: Box<dyn FrameSource + Send>) -> Result<Self> {
        let (describe, nominal_fps) = (source.describe(), source.nominal_fps());
        let (tx, frames) = sync_channel(0);
        let (finished, done) = sync_channel(1);
        let skipped = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&skipped);
        std::thread::Builder::new()
            .name("beckon-capture".into())
            .spawn(move || {
                read(source.as_mut(), &tx, &counted);
                drop(source);
                let _ = finished.send(());
            })
            .map_err(|e| Error::Source { source_name: describe.clone(), problem: format!("cannot start the capture thread: {e}") })?;
        Ok(Self { frames: Some(frames), done, describe, nominal_fps, skipped, ended: false })
    }
}

/// Reads until the source ends or fails, or nobody takes frames any more.
fn read(source: &mut dyn FrameSource, tx: &SyncSender<Result<Option<Frame>>>, skipped: &AtomicUsize) {
    loop {
        let next = source.next_frame();
        skipped.store(source.skipped(), Ordering::Relaxed);
        let last = !matches!(next, Ok(Some(_)));
        if tx.send(next).is_err() || last {
            return;
        }
    }
}

impl FrameSource for Prefetch {
    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn next_frame(&mut self) -> Result<Option<Frame>> {
        let Some(frames) = self.frames.as_ref().filter(|_| !self.ended) else { return Ok(None) };
        match frames.recv() {
            Ok(Ok(Some(frame))) => Ok(Some(frame)),
            Ok(other) => {
                self.ended = true;
                other
            }
            // The thread ended without a word: it panicked.
            Err(_) => {
                self.ended = true;
                Err(Error::Source { source_name: self.describe.clone(), problem: "the capture thread stopped".into() })
            }
        }
    }

    fn skipped(&self) -> usize {
        self.skipped.load(Ordering::Relaxed)
    }

    fn nominal_fps(&self) -> Option<f64> {
        self.nominal_fps
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        // A thread waiting to hand over a frame sees nobody will take it and stops.
        self.frames = None;
        if let Err(RecvTimeoutError::Timeout) = self.done.recv_timeout(LET_GO) {
            eprintln!("warning: {} did not stop within {} s", self.describe, LET_GO.as_secs());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames numbered 0..n, then the end; counts the frames read.
    struct Counter {
        n: usize,
        read: Arc<AtomicUsize>,
        fail_at: Option<usize>,
    }

    impl FrameSource for Counter {
        fn describe(&self) -> String {
            "counter".into()
        }
        fn next_frame(&mut self) -> Result<Option<Frame>> {
            let i = self.read.fetch_add(1, Ordering::SeqCst);
            if Some(i) == self.fail_at {
                return Err(Error::Source { source_name: "counter".into(), problem: format!("frame {i} is broken") });
            }
            Ok((i < self.n).then(|| Frame { image: image::RgbImage::new(4, 4), name: i.to_string(), time: None }))
        }
        fn skipped(&self) -> usize {
            7
        }
        fn nominal_fps(&self) -> Option<f64> {
            Some(10.0)
        }
    }

    #[test]
    fn frames_come_in_order_one_ahead_and_the_end_and_errors_pass_through() {
        let read = Arc::new(AtomicUsize::new(0));
        let mut p = Prefetch::start(Box::new(Counter { n: 5, read: Arc::clone(&read), fail_at: None })).unwrap();
        assert_eq!((p.describe(), p.nominal_fps()), ("counter".to_string(), Some(10.0)));
        let first = p.next_frame().unwrap().unwrap();
        assert_eq!(first.name, "0");
        // While the loop works on frame 0, frame 1 is read, and no more: a rendezvous, no queue.
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(read.load(Ordering::SeqCst), 2, "one frame ahead");
        let names: Vec<String> = std::iter::from_fn(|| p.next_frame().unwrap()).map(|f| f.name).collect();
        assert_eq!(names, ["1", "2", "3", "4"]);
        assert!(p.next_frame().unwrap().is_none(), "the end stays the end");
        assert_eq!(p.skipped(), 7);

        let read = Arc::new(AtomicUsize::new(0));
        let mut p = Prefetch::start(Box::new(Counter { n: 5, read, fail_at: Some(2) })).unwrap();
        assert!(p.next_frame().unwrap().is_some() && p.next_frame().unwrap().is_some());
        let e = p.next_frame().unwrap_err().to_string();
        assert!(e.contains("frame 2 is broken"), "{e}");
    }

    #[test]
    fn dropped_early_it_lets_the_source_go() {
        let read = Arc::new(AtomicUsize::new(0));
        let mut p = Prefetch::start(Box::new(Counter { n: 1_000_000, read: Arc::clone(&read), fail_at: None })).unwrap();
        p.next_frame().unwrap();
        drop(p);
        // The source (which holds the other count of `read`) was dropped by its thread before
        // the drop returned: a camera is closed, not left running.
        assert_eq!(Arc::strong_count(&read), 1, "the source was let go");
        assert!(read.load(Ordering::SeqCst) <= 3, "and nothing more was read than one frame ahead");
    }
}
