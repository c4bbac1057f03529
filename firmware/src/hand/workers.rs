//! Frames in flight: the hand finder on several cores at once.
//!
//! A tracked hand's frame cannot start before the previous frame's landmarks give its crop, so
//! one frame at a time uses one core however many the machine has. Here up to `n` copies of the
//! [`HandFinder`] work on frames at once, each on its own thread, and the results come out in
//! frame order. A copy starting a frame takes the state (tracks, idle counts) left by the
//! latest frame any copy finished: when frames come slower than they are done (a camera the
//! loop keeps up with), that is the frame before, the first copy does every frame and the
//! answers are exactly those of one thread; when they come faster (a slow CPU, a replay as fast
//! as it decodes), a frame starts from the newest track there is, a frame or more back, and up
//! to `n` frames are worked on at once (frames per second up to `n`×; each frame costs what it
//! costs alone, plus whatever the cores' sharing of caches and memory adds).
//!
//! A copy whose frame started before the frame that lost the hand was done loses it too: before
//! its detector runs, it waits for the frames before it and starts its frame again from the
//! state they left ([`HandFinder::process_or_take_over`]), as one thread would have, instead of
//! looking for the same hand with the detector a second time.
//!
//! Frames are read on a thread of their own, one more only when a copy is free, and every
//! result is passed on as soon as it and the ones before it are done: waiting for a camera's
//! next frame never holds back a finished one.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::Scope;
use std::time::{Duration, Instant};

use super::track::{Found, HandFinder};
use crate::camera::{Frame, FrameSource};
use crate::error::{Error, Result};
use crate::model::Classifier;

/// One frame done: the frame, what was found, when a copy started on it, how long reading it took.
pub struct Done {
    pub frame: Frame,
    pub found: Result<Found>,
    /// When a copy started on it (as the loop on one thread starts on the frame it read: the
    /// time a frame waits to be started is not its latency, on one thread or several).
    pub started: Instant,
    /// Time reading and decoding it.
    pub capture: Duration,
}

/// What the loop's thread waits for: a frame read, or a frame done (by its number, and the copy
/// that did it).
enum Event {
    Read(Result<Option<Frame>>, Duration),
    Done(u64, usize, Box<Done>),
}

/// What the copies share: the finder's state after the latest frame done (with that frame's
/// number) and the frames being worked on; `changed` is signalled whenever a frame is done.
#[derive(Default)]
struct Shared {
    state: Mutex<Progress>,
    changed: Condvar,
}

#[derive(Default)]
struct Progress {
    latest: Option<(u64, HandFinder)>,
    working: BTreeSet<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Progress> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// For frame `number`, whose tracked hands were lost: when earlier frames are still worked
    /// on, waits for them and gives the state they left (the state one finder would have
    /// started this frame from); `None` when none is (the loss is this frame's own).
    fn state_before(&self, number: u64) -> Option<HandFinder> {
        let mut progress = self.lock();
        if !progress.working.iter().any(|w| *w < number) {
            return None;
        }
        while progress.working.iter().any(|w| *w < number) {
            progress = self.changed.wait(progress).unwrap_or_else(|p| p.into_inner());
        }
        // A later frame may have finished meanwhile (with three copies or more): its state is
        // not the one before this frame.
        progress.latest.as_ref().filter(|(done, _)| *done < number).map(|(_, state)| state.clone())
    }
}

/// Runs `source`'s frames through up to `n` (≥ 1) copies of `finder` on threads of `scope`, calling
/// `each` with every frame done, in frame order, on this thread. Stops when the source ends,
/// when `go_on(frames read so far)` says so (frames already in flight are finished first), or
/// at the first error (from the source, a finder or `each`).
pub fn in_flight<'scope, 'env>(
    scope: &'scope Scope<'scope, 'env>,
    finder: &HandFinder,
    n: usize,
    classifier: &'env Classifier,
    source: &'env mut (dyn FrameSource + Send),
    go_on: &dyn Fn(u64) -> bool,
    mut each: impl FnMut(Done) -> Result<()>,
) -> Result<()> {
    let n = n.max(1);
    let shared: Arc<Shared> = Arc::default();
    let (events, inbox) = channel::<Event>();
    let detecting: Vec<Arc<AtomicBool>> = (0..n).map(|_| Arc::new(AtomicBool::new(false))).collect();
    let jobs =
        (0..n).map(|k| start_copy(scope, k, finder.clone(), classifier, shared.clone(), detecting[k].clone(), events.clone())).collect::<Result<Vec<_>>>()?;
    let mut busy = vec![false; n];
    // The reader reads one frame for each credit it is given.
    let (credits, credit) = sync_channel::<()>(n);
    let reader = events.clone();
    std::thread::Builder::new()
        .name("beckon-read".into())
        .spawn_scoped(scope, move || {
            while credit.recv().is_ok() {
                let start = Instant::now();
                let frame = source.next_frame();
                let last = !matches!(frame, Ok(Some(_)));
                if reader.send(Event::Read(frame, start.elapsed())).is_err() {
                    return;
                }
                if last {
                    // Credits sent before the end was seen are taken (and not read) until the
                    // loop is done: a credit that cannot be sent means this thread panicked.
                    while credit.recv().is_ok() {}
                    return;
                }
            }
        })
        .map_err(|e| thread_error("reading frames", e))?;
    drop(events);
    let (mut asked, mut read, mut passed, mut ended) = (0u64, 0u64, 0u64, false);
    let mut finished: BTreeMap<u64, Done> = BTreeMap::new();
    let mut waiting: VecDeque<Job> = VecDeque::new();
    loop {
        // Keep `n` frames asked for or in flight while the source lasts and the caller wants.
        while !ended && asked - passed < n as u64 && go_on(asked) {
            credits.send(()).map_err(|_| stopped("reading frames"))?;
            asked += 1;
        }
        if passed == asked {
            return Ok(());
        }
        match inbox.recv().map_err(|_| stopped("finding hands"))? {
            Event::Read(Ok(Some(frame)), capture) => {
                waiting.push_back((read, frame, Instant::now(), capture));
                read += 1;
            }
            Event::Read(Ok(None), _) => {
                ended = true;
                // The frames asked for beyond the last are not coming.
                asked = read;
            }
            Event::Read(Err(e), _) => return Err(e),
            Event::Done(number, k, done) => {
                busy[k] = false;
                finished.insert(number, *done);
                while let Some(done) = finished.remove(&passed) {
                    passed += 1;
                    each(done)?;
                }
            }
        }
        // Hand waiting frames to free copies (the first free one, so that while the loop keeps
        // up one thread with warm caches does every frame). Not while a frame is worked on and
        // no hand is tracked, or a frame's detector is looking for one: the next frame would
        // look for the hand with the detector too, where once the frame before is done it most
        // often follows it.
        while let Some(k) = busy.iter().position(|b| !b).filter(|_| !waiting.is_empty()) {
            let tracked = shared.lock().latest.as_ref().is_some_and(|(_, f)| f.tracking());
            let looking = detecting.iter().any(|d| d.load(Ordering::Relaxed));
            if finder.carries_tracks() && busy.iter().any(|b| *b) && (!tracked || looking) {
                break;
            }
            let (number, frame, _, capture) = waiting.pop_front().expect("not empty");
            let job = (number, frame, Instant::now(), capture);
            shared.lock().working.insert(number);
            busy[k] = true;
            jobs[k].send(job).map_err(|_| stopped("finding hands"))?;
        }
    }
}

/// A frame for a copy: its number, the frame, when it was read (then started), its capture time.
type Job = (u64, Frame, Instant, Duration);

/// Starts copy `k` of the finder: it finds the hands in each frame it gets and reports it done.
fn start_copy<'scope, 'env>(
    scope: &'scope Scope<'scope, 'env>,
    k: usize,
    mut finder: HandFinder,
    classifier: &'env Classifier,
    shared: Arc<Shared>,
    detecting: Arc<AtomicBool>,
    events: Sender<Event>,
) -> Result<SyncSender<Job>> {
    finder = finder.with_detecting_flag(detecting.clone());
    // At most one frame per copy is in flight: a queue of one never blocks the sender.
    let (job, jobs) = sync_channel::<Job>(1);
    std::thread::Builder::new()
        .name(format!("beckon-hand-{k}"))
        .spawn_scoped(scope, move || {
            let mut own: Option<u64> = None;
            for (number, frame, started, capture) in jobs {
                // Every frame done so far is older than this one (frames start in order).
                if let Some((done, state)) = &shared.lock().latest
                    && own.is_none_or(|o| *done > o)
                {
                    finder = state.clone().with_detecting_flag(detecting.clone());
                }
                let found = finder.process_or_take_over(&frame.image, classifier, &mut || shared.state_before(number));
                own = Some(number);
                {
                    let mut progress = shared.lock();
                    if progress.latest.as_ref().is_none_or(|(done, _)| *done < number) {
                        progress.latest = Some((number, finder.clone()));
                    }
                    progress.working.remove(&number);
                }
                shared.changed.notify_all();
                if events.send(Event::Done(number, k, Box::new(Done { frame, found, started, capture }))).is_err() {
                    return;
                }
            }
        })
        .map_err(|e| thread_error("finding hands", e))?;
    Ok(job)
}

fn thread_error(what: &str, e: std::io::Error) -> Error {
    Error::Inference(format!("cannot start a thread for {what}: {e}"))
}

fn stopped(what: &str) -> Error {
    Error::Inference(format!("the thread {what} stopped (it panicked; see the message above)"))
}
