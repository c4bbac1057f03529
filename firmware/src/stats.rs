//! What the frame loop counts: each stage's time on a frame ([`StageTimings`]), the periodic
//! figures (`--stats-every`: [`Stats`]) and the totals over a run ([`RunSummary`]).

use std::time::Duration;

/// Time spent in each stage for one frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimings {
    /// Waiting for and decoding the frame.
    pub capture: Duration,
    /// Region crop, centre square, resize, tensor (with tracking: letterbox, rotated crops,
    /// decoding, mapping points back).
    pub preprocess: Duration,
    /// With tracking: the palm detector in tract (0 on frames where it did not run).
    pub detector: Duration,
    /// tract (the model; with tracking, every landmark pass of the frame).
    pub inference: Duration,
    /// Smoothing, hysteresis, actions.
    pub decision: Duration,
    /// Driving the outputs.
    pub gpio: Duration,
}

/// Frame rate and mean stage timings over a period, for the periodic log line.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    started: Option<std::time::Instant>,
    frames: u32,
    detector_runs: u32,
    sum: StageTimings,
}

/// One period's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatsSummary {
    pub frames: u32,
    /// Frames on which the palm detector ran (tracking only).
    pub detector_runs: u32,
    pub fps: f64,
    /// Means per frame.
    pub mean: StageTimings,
}

impl Stats {
    /// Adds a frame.
    pub fn push(&mut self, t: &StageTimings, detector_ran: bool) {
        self.started.get_or_insert_with(std::time::Instant::now);
        self.frames += 1;
        self.detector_runs += u32::from(detector_ran);
        self.sum.capture += t.capture;
        self.sum.preprocess += t.preprocess;
        self.sum.detector += t.detector;
        self.sum.inference += t.inference;
        self.sum.decision += t.decision;
        self.sum.gpio += t.gpio;
    }

    /// The figures since the last summary once `every` has passed (then starts a new period).
    pub fn take_if_due(&mut self, every: Duration) -> Option<StatsSummary> {
        let elapsed = self.started?.elapsed();
        if elapsed < every || self.frames == 0 {
            return None;
        }
        let n = self.frames;
        let runs = self.detector_runs;
        let s = self.sum;
        *self = Stats::default();
        Some(StatsSummary {
            frames: n,
            detector_runs: runs,
            fps: f64::from(n) / elapsed.as_secs_f64(),
            mean: StageTimings {
                capture: s.capture / n,
                preprocess: s.preprocess / n,
                detector: s.detector / n,
                inference: s.inference / n,
                decision: s.decision / n,
                gpio: s.gpio / n,
            },
        })
    }
}

/// Totals over a run.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub frames: u64,
    pub gesture_changes: u64,
    pub total_latency: Duration,
    pub total_inference: Duration,
    /// With tracking: frames on which the palm detector ran, and its total time.
    pub detector_runs: u64,
    pub total_detector: Duration,
    /// Frames on which the detector looked hard (second look or second opinion; more than one
    /// detector run).
    pub hard_looks: u64,
    /// With tracking: landmark passes (one per hand tracked, and after a detection one per palm
    /// and one on the crop its landmarks give).
    pub landmark_passes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_average_each_stage_over_the_period_then_restart() {
        let ms = Duration::from_millis;
        let mut s = Stats::default();
        assert!(s.take_if_due(Duration::ZERO).is_none(), "no frame yet");
        s.push(&StageTimings { capture: ms(10), preprocess: ms(2), detector: ms(0), inference: ms(6), decision: ms(0), gpio: ms(1) }, false);
        s.push(&StageTimings { capture: ms(30), preprocess: ms(4), detector: ms(10), inference: ms(8), decision: ms(2), gpio: ms(1) }, true);
        assert!(s.take_if_due(Duration::from_secs(3600)).is_none(), "not due yet");
        let sum = s.take_if_due(Duration::ZERO).unwrap();
        assert_eq!(sum.frames, 2);
        assert_eq!(sum.mean, StageTimings { capture: ms(20), preprocess: ms(3), detector: ms(5), inference: ms(7), decision: ms(1), gpio: ms(1) });
        assert_eq!(sum.detector_runs, 1);
        assert!(sum.fps > 0.0);
        assert!(s.take_if_due(Duration::ZERO).is_none(), "a new period starts empty");
    }
}
