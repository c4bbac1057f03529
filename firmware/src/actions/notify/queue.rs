//! A bounded queue between the frame loop and a worker: pushing never waits, and when the queue
//! is full the oldest entry makes room and is counted.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Up to `capacity` entries; [`push`](Self::push) drops the oldest when full.
#[derive(Debug)]
pub struct DropOldest<T> {
    entries: Mutex<VecDeque<T>>,
    ready: Condvar,
    capacity: usize,
    dropped: AtomicU64,
}

impl<T> DropOldest<T> {
    pub fn new(capacity: usize) -> Self {
        Self { entries: Mutex::new(VecDeque::with_capacity(capacity)), ready: Condvar::new(), capacity: capacity.max(1), dropped: AtomicU64::new(0) }
    }

    /// Adds `entry`; if the queue was full, the oldest entry is dropped and counted.
    pub fn push(&self, entry: T) {
        let mut q = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() == self.capacity {
            q.pop_front();
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        q.push_back(entry);
        self.ready.notify_one();
    }

    /// The oldest entry, waiting up to `wait` for one.
    pub fn pop(&self, wait: Duration) -> Option<T> {
        let q = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (mut q, _) = self.ready.wait_timeout_while(q, wait, |q| q.is_empty()).unwrap_or_else(|p| p.into_inner());
        q.pop_front()
    }

    /// Puts an entry back at the front (it could not be delivered yet), unless the queue filled
    /// up meanwhile: then it is the oldest, and dropped.
    pub fn unpop(&self, entry: T) {
        let mut q = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() == self.capacity {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        } else {
            q.push_front(entry);
        }
    }

    /// Entries dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_and_counts_its_oldest() {
        let q = DropOldest::new(3);
        for i in 0..5 {
            q.push(i);
        }
        assert_eq!(q.dropped(), 2);
        let got: Vec<i32> = std::iter::from_fn(|| q.pop(Duration::ZERO)).collect();
        assert_eq!(got, [2, 3, 4]);
        q.push(7);
        q.unpop(6);
        assert_eq!(q.pop(Duration::ZERO), Some(6));
        assert_eq!(q.pop(Duration::from_millis(5)), Some(7));
        assert_eq!(q.pop(Duration::from_millis(5)), None);
    }

    #[test]
    fn a_waiting_worker_wakes_when_an_entry_arrives() {
        let q = std::sync::Arc::new(DropOldest::new(4));
        let q2 = q.clone();
        let t = std::thread::spawn(move || q2.pop(Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(20));
        let start = std::time::Instant::now();
        q.push("hi");
        assert_eq!(t.join().unwrap(), Some("hi"));
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
