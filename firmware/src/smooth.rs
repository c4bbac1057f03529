//! Turning noisy per-frame predictions into a steady gesture: a moving average of the
//! probabilities over the last `window` frames, accepted when its best label reaches
//! `threshold`.

use std::collections::VecDeque;

use crate::error::{Error, Result};
use crate::model::classifier::argmax;

/// Moving-average smoother over the last `window` probability vectors.
#[derive(Debug, Clone)]
pub struct Smoother {
    window: usize,
    threshold: f32,
    recent: VecDeque<Vec<f32>>,
}

impl Smoother {
    /// `window` ≥ 1 frames; `threshold` in (0, 1].
    pub fn new(window: usize, threshold: f32) -> Result<Self> {
        if window == 0 {
            return Err(Error::Config { setting: "--window".into(), problem: "must be at least 1 frame".into() });
        }
        if !(threshold > 0.0 && threshold <= 1.0) {
            return Err(Error::Config {
                setting: "--threshold".into(),
                problem: format!("{threshold} is not in (0, 1]"),
            });
        }
        Ok(Self { window, threshold, recent: VecDeque::with_capacity(window) })
    }

    /// Adds one frame's probabilities; returns the smoothed gesture (label index) and its
    /// averaged probability, or `None` when no label is confident enough.
    pub fn push(&mut self, probabilities: &[f32]) -> (Option<usize>, f32) {
        if self.recent.front().is_some_and(|p| p.len() != probabilities.len()) {
            self.recent.clear();
        }
        if self.recent.len() == self.window {
            self.recent.pop_front();
        }
        self.recent.push_back(probabilities.to_vec());
        let n = self.recent.len() as f32;
        let mean: Vec<f32> = (0..probabilities.len())
            .map(|i| self.recent.iter().map(|p| p[i]).sum::<f32>() / n)
            .collect();
        let (best, p) = argmax(&mean);
        ((p >= self.threshold).then_some(best), p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_frame_window_follows_each_frame() {
        let mut s = Smoother::new(1, 0.5).unwrap();
        assert_eq!(s.push(&[0.9, 0.1]).0, Some(0));
        assert_eq!(s.push(&[0.2, 0.8]).0, Some(1));
        assert_eq!(s.push(&[0.45, 0.55]).0, Some(1));
        assert_eq!(s.push(&[0.5, 0.4]).0, Some(0));
        assert_eq!(s.push(&[0.4, 0.3]).0, None);
    }

    #[test]
    fn a_single_outlier_frame_does_not_flip_a_three_frame_average() {
        let mut s = Smoother::new(3, 0.55).unwrap();
        for _ in 0..3 {
            assert_eq!(s.push(&[0.9, 0.1]).0, Some(0));
        }
        assert_eq!(s.push(&[0.0, 1.0]).0, Some(0)); // mean 0.6 / 0.4
        assert_eq!(s.push(&[0.5, 0.5]).0, None); // mean 0.47 / 0.53: nobody confident
        assert_eq!(s.push(&[0.0, 1.0]).0, Some(1)); // mean 0.17 / 0.83
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(Smoother::new(0, 0.5).is_err());
        assert!(Smoother::new(3, 0.0).is_err());
        assert!(Smoother::new(3, 1.5).is_err());
    }
}
