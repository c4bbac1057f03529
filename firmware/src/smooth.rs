//! Turning noisy per-frame predictions into steady per-label scores, over the last frames:
//!
//! - [`Smoothing::Average`]: the mean probability of each label over the last `window` frames.
//! - [`Smoothing::KOfN`]: a label scores its mean probability over the last `n` frames if it was
//!   the top label in at least `k` of them, else 0 (one odd frame cannot make a gesture).
//!
//! [`decide`](crate::decide) turns the scores into gestures (thresholds, hysteresis, hold time).

use std::collections::VecDeque;

use crate::error::{Error, Result};
use crate::model::classifier::argmax;

/// How frames are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smoothing {
    Average { window: usize },
    KOfN { k: usize, n: usize },
}

impl Smoothing {
    fn frames(&self) -> usize {
        match *self {
            Smoothing::Average { window } => window,
            Smoothing::KOfN { n, .. } => n,
        }
    }
}

/// Per-label scores over the last frames.
#[derive(Debug, Clone)]
pub struct Smoother {
    mode: Smoothing,
    recent: VecDeque<Vec<f32>>,
}

/// The longest smoothing window accepted, in frames.
pub const MAX_FRAMES: usize = 1000;

impl Smoother {
    /// Checks the settings: a window of at least one frame, 1 ≤ k ≤ n.
    pub fn new(mode: Smoothing) -> Result<Self> {
        let bad = |setting: &str, problem: String| Err(Error::Config { setting: setting.into(), problem });
        if mode.frames() > MAX_FRAMES {
            let setting = if matches!(mode, Smoothing::Average { .. }) { "window" } else { "n" };
            return bad(setting, format!("{} frames; at most {MAX_FRAMES} (over a minute of video at 15 fps)", mode.frames()));
        }
        match mode {
            Smoothing::Average { window: 0 } => return bad("window", "must be at least 1 frame".into()),
            Smoothing::KOfN { k, n } if k == 0 || k > n => {
                return bad("k", format!("k = {k} of n = {n} frames; expected 1 ≤ k ≤ n"));
            }
            _ => {}
        }
        Ok(Self { mode, recent: VecDeque::with_capacity(mode.frames()) })
    }

    /// Adds one frame's probabilities; returns each label's score.
    pub fn push(&mut self, probabilities: &[f32]) -> Vec<f32> {
        if self.recent.front().is_some_and(|p| p.len() != probabilities.len()) {
            self.recent.clear();
        }
        if self.recent.len() == self.mode.frames() {
            self.recent.pop_front();
        }
        self.recent.push_back(probabilities.to_vec());
        let n = self.recent.len() as f32;
        let mean = (0..probabilities.len()).map(|i| self.recent.iter().map(|p| p[i]).sum::<f32>() / n);
        match self.mode {
            Smoothing::Average { .. } => mean.collect(),
            Smoothing::KOfN { k, .. } => {
                let mut tops = vec![0usize; probabilities.len()];
                for p in &self.recent {
                    tops[argmax(p).0] += 1;
                }
                mean.zip(tops).map(|(m, t)| if t >= k { m } else { 0.0 }).collect()
            }
        }
    }

    /// Forgets the frames seen so far.
    pub fn reset(&mut self) {
        self.recent.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_over_a_window() {
        let mut s = Smoother::new(Smoothing::Average { window: 3 }).unwrap();
        assert_eq!(s.push(&[0.9, 0.1]), [0.9, 0.1]);
        for _ in 0..2 {
            s.push(&[0.9, 0.1]);
        }
        let v = s.push(&[0.0, 1.0]); // window now 0.9, 0.9, 0.0
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.4).abs() < 1e-6, "{v:?}");
    }

    #[test]
    fn k_of_n_needs_k_top_frames() {
        let mut s = Smoother::new(Smoothing::KOfN { k: 2, n: 3 }).unwrap();
        assert_eq!(s.push(&[0.2, 0.8]), [0.0, 0.0]); // top once: not yet
        let v = s.push(&[0.4, 0.6]);
        assert_eq!(v[0], 0.0);
        assert!((v[1] - 0.7).abs() < 1e-6);
        s.push(&[1.0, 0.0]);
        let v = s.push(&[1.0, 0.0]); // last three: 0.4/0.6, 1/0, 1/0 → label 0 top twice
        assert!((v[0] - 0.8).abs() < 1e-6 && v[1] == 0.0, "{v:?}");
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(Smoother::new(Smoothing::Average { window: 0 }).is_err());
        assert!(Smoother::new(Smoothing::KOfN { k: 0, n: 3 }).is_err());
        let e = Smoother::new(Smoothing::KOfN { k: 4, n: 3 }).unwrap_err().to_string();
        assert!(e.contains("1 ≤ k ≤ n"), "{e}");
        // Found by fuzzing: a huge window was allocated up front and aborted the process.
        let e = Smoother::new(Smoothing::Average { window: 3_727_706_405 }).unwrap_err().to_string();
        assert!(e.contains("window") && e.contains("at most 1000"), "{e}");
        assert!(Smoother::new(Smoothing::KOfN { k: 1, n: usize::MAX }).is_err());
        assert!(Smoother::new(Smoothing::Average { window: MAX_FRAMES }).is_ok());
    }
}
