//! `[region]`: which part of the frame the model sees — a fixed rectangle (or the centred
//! square), or the hand found anywhere (`mode = "track"`).

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::{Loaded, Region};
use crate::error::Result;

/// `[region]`: which part of the frame the model sees.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSection {
    /// `"fixed"` (default): the rectangle below, or the centred square; `"track"`: find the
    /// hand anywhere in the frame (palm detector, rotated crop, tracking).
    pub mode: Option<Spanned<String>>,
    pub x: Option<f32>,
    pub y: Option<f32>,
    pub width: Option<f32>,
    pub height: Option<f32>,
    /// For `track`: the palm detector (default: the shipped one).
    pub detector: Option<PathBuf>,
    /// For `track`: carry the hand's crop from frame to frame (default); `false` runs the
    /// detector on every frame.
    pub tracking: Option<bool>,
    /// For `track`: while no hand is in view, look for one at most this often (ms of video;
    /// default 500, 0 = on every frame). A hand that appears is found within this time.
    pub idle_detect_ms: Option<u64>,
    /// For `track`: when the whole frame shows no hand, look again at the frame zoomed out and
    /// at its two ends (default true: finds more hands; three more detector runs on a look that
    /// finds none, when the view changed: see `extra_looks_on_change`).
    pub second_look: Option<bool>,
    /// For `track`: how many hands to follow at once, 1 (default) or 2. Each hand gets its own
    /// prediction and decisions; actions may name a hand (`hand = "left"`).
    pub max_hands: Option<Spanned<i64>>,
    /// For `track` with `max_hands = 2`: while one hand is tracked, look for a second at most
    /// this often (ms of video; default 1000, 0 = on every frame).
    pub second_hand_detect_ms: Option<u64>,
    /// For `track`: when no hand is found, ask MediaPipe's full palm detector too (default true
    /// when it is beside the detector, as installed: finds more hands; runs of a larger detector
    /// on a look that finds none, when the view changed).
    pub second_opinion: Option<bool>,
    /// For `track`: after the detector found a hand, a second landmark pass on the crop the
    /// first pass's landmarks give (default true: counts fingers better on the first frame of a
    /// hand; one more landmark pass each time the detector finds one).
    pub refine: Option<bool>,
    /// For `track`: the second look and second opinion only when the view changed since they
    /// last ran (default true: an empty room that stays as it is pays for them once; false: on
    /// every look that finds no hand).
    pub extra_looks_on_change: Option<bool>,
    /// For `track`: recognise motions (swipes, waves, circles, pushes) from the tracked hand's
    /// path (default true; they cost no network pass). See `motion` in `[[action]]`.
    pub motions: Option<bool>,
}

/// `[region] mode = "track"`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackSettings {
    /// The palm detector ONNX file.
    pub detector: PathBuf,
    /// Carry the crop from frame to frame (else: the detector on every frame).
    pub tracking: bool,
    /// With tracking, while no hand is in view: run the detector at most this often (in video
    /// time); zero = on every frame.
    pub idle_detect: std::time::Duration,
    /// When the whole frame shows no hand, look again ([`crate::hand::SECOND_LOOK`]).
    pub second_look: bool,
    /// Hands followed at once (1 or 2).
    pub max_hands: usize,
    /// With two hands, while one is tracked: look for the second at most this often.
    pub second_hand_detect: std::time::Duration,
    /// When no hand is found, ask the full palm detector too
    /// ([`crate::hand::detector::FULL_PATH`]).
    pub second_opinion: bool,
    /// After a detection, a landmark pass on the crop the landmarks give.
    pub refine: bool,
    /// The second look and second opinion only when the view changed since they last ran.
    pub extra_looks_on_change: bool,
    /// `[source] mirror`: frames are mirror images (selfie view), for the hands' sides.
    pub mirror: bool,
    /// Recognise motions from the tracked hands' paths ([`crate::motion`]).
    pub motions: bool,
}

/// `idle_detect_ms` unless configured: a hand that appears is found within half a second.
pub const DEFAULT_IDLE_DETECT_MS: u64 = 500;
/// `second_hand_detect_ms` unless configured: a second hand that appears is found within a
/// second. Each look costs one detector run (on a Pi 4 about what a tracked frame costs), so at
/// 10 frames a second a look every second adds about a tenth to the frame time.
pub const DEFAULT_SECOND_HAND_DETECT_MS: u64 = 1000;

impl TrackSettings {
    /// The shipped detector, with tracking and the default idle rate.
    pub fn shipped() -> Self {
        Self {
            detector: crate::paths::shared().detector(),
            tracking: true,
            idle_detect: std::time::Duration::from_millis(DEFAULT_IDLE_DETECT_MS),
            second_look: true,
            max_hands: 1,
            second_hand_detect: std::time::Duration::from_millis(DEFAULT_SECOND_HAND_DETECT_MS),
            second_opinion: true,
            refine: true,
            extra_looks_on_change: true,
            mirror: false,
            motions: true,
        }
    }
}

/// How the part of the frame the model sees is chosen (`beckon run --region`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegionMode {
    /// A configuration's `[region]` decides; without one, track with a hand-landmark model.
    #[default]
    Auto,
    /// The configured rectangle, or the centred square.
    Fixed,
    /// Find the hand anywhere in the frame.
    Track,
}

/// The one place where "track the hand or use a fixed region?" is decided, for `run`, `check`
/// and `capture`: tracking settings, or `None` for a fixed region. `configured` is the file's
/// validated `[region]` when it has that table; `landmark_model`: the model can track (a
/// hand-landmark model with a no-hand label).
pub fn tracking_for(mode: RegionMode, configured: Option<&(Option<Region>, Option<TrackSettings>)>, landmark_model: bool) -> Option<TrackSettings> {
    match (mode, configured) {
        (RegionMode::Fixed, _) => None,
        (RegionMode::Track, configured) => Some(configured.and_then(|(_, t)| t.clone()).unwrap_or_else(TrackSettings::shipped)),
        (RegionMode::Auto, Some((_, track))) => track.clone(),
        (RegionMode::Auto, None) => landmark_model.then(TrackSettings::shipped),
    }
}

impl Loaded {
    /// The validated `[region]` when the file has that table (`None` without one), for
    /// [`tracking_for`].
    pub fn region_table(&self) -> Result<Option<(Option<Region>, Option<TrackSettings>)>> {
        self.file.region.as_ref().map(|_| self.region()).transpose()
    }

    /// The validated `[region]`: a fixed rectangle (if any) or tracking settings.
    pub fn region(&self) -> Result<(Option<Region>, Option<TrackSettings>)> {
        let Some(r) = &self.file.region else { return Ok((None, None)) };
        let section = r.get_ref();
        let mode = section.mode.as_ref().map_or("fixed", |m| m.get_ref().as_str());
        let span = section.mode.as_ref().map_or(r.span(), |m| m.span());
        let corners = [section.x, section.y, section.width, section.height];
        match mode {
            "track" => {
                if corners.iter().any(Option::is_some) {
                    return Err(self.err(
                        span,
                        "region",
                        "x, y, width and height are for mode = \"fixed\"; mode = \"track\" looks for the hand in the whole frame: remove them".into(),
                    ));
                }
                let shipped = TrackSettings::shipped();
                let max_hands = match &section.max_hands {
                    None => 1,
                    Some(m) if matches!(m.get_ref(), 1 | 2) => *m.get_ref() as usize,
                    Some(m) => return Err(self.err(m.span(), "region.max_hands", format!("{}; expected 1 or 2", m.get_ref()))),
                };
                Ok((
                    None,
                    Some(TrackSettings {
                        detector: section.detector.clone().unwrap_or(shipped.detector),
                        tracking: section.tracking.unwrap_or(true),
                        idle_detect: section.idle_detect_ms.map_or(shipped.idle_detect, std::time::Duration::from_millis),
                        second_look: section.second_look.unwrap_or(shipped.second_look),
                        max_hands,
                        second_hand_detect: section.second_hand_detect_ms.map_or(shipped.second_hand_detect, std::time::Duration::from_millis),
                        second_opinion: section.second_opinion.unwrap_or(shipped.second_opinion),
                        refine: section.refine.unwrap_or(shipped.refine),
                        extra_looks_on_change: section.extra_looks_on_change.unwrap_or(shipped.extra_looks_on_change),
                        mirror: self.file.source.mirror,
                        motions: section.motions.unwrap_or(shipped.motions),
                    }),
                ))
            }
            "fixed" => {
                if section.detector.is_some()
                    || section.tracking.is_some()
                    || section.idle_detect_ms.is_some()
                    || section.second_look.is_some()
                    || section.max_hands.is_some()
                    || section.second_hand_detect_ms.is_some()
                    || section.second_opinion.is_some()
                    || section.refine.is_some()
                    || section.extra_looks_on_change.is_some()
                    || section.motions.is_some()
                {
                    return Err(self.err(
                        span,
                        "region",
                        "detector, tracking, idle_detect_ms, second_look, second_opinion, refine, extra_looks_on_change, motions, max_hands and second_hand_detect_ms are for mode = \"track\"; add mode = \"track\" or remove them".into(),
                    ));
                }
                let [Some(x), Some(y), Some(width), Some(height)] = corners else {
                    if corners.iter().all(Option::is_none) {
                        return Ok((None, None));
                    }
                    return Err(self.err(
                        r.span(),
                        "region",
                        "give all of x, y, width and height (relative to the frame, 0–1), or none for the centred square".into(),
                    ));
                };
                let v = Region { x, y, width, height };
                let ok = |a: f32| (0.0..=1.0).contains(&a);
                if !(ok(v.x) && ok(v.y) && v.width > 0.0 && v.height > 0.0 && v.x + v.width <= 1.0 + 1e-6 && v.y + v.height <= 1.0 + 1e-6) {
                    return Err(self.err(r.span(), "region", format!(
                        "x = {}, y = {}, width = {}, height = {} is not inside the frame; expected 0 ≤ x, y, width and height > 0, x + width ≤ 1 and y + height ≤ 1",
                        v.x, v.y, v.width, v.height
                    )));
                }
                Ok((Some(v), None))
            }
            other => Err(self.err(span, "region.mode", format!("{other:?}; expected \"fixed\" or \"track\""))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{GOOD, error, resolve};
    use super::*;

    #[test]
    fn one_rule_decides_tracking() {
        let fixed = (Some(Region { x: 0.0, y: 0.0, width: 1.0, height: 1.0 }), None);
        let centred = (None, None);
        let track = (None, Some(TrackSettings { tracking: false, ..TrackSettings::shipped() }));
        assert_eq!(tracking_for(RegionMode::Auto, None, true), Some(TrackSettings::shipped()));
        assert_eq!(tracking_for(RegionMode::Auto, None, false), None);
        assert_eq!(tracking_for(RegionMode::Auto, Some(&fixed), true), None);
        assert_eq!(tracking_for(RegionMode::Auto, Some(&centred), true), None, "mode = \"fixed\" without a rectangle is the centred square");
        assert_eq!(tracking_for(RegionMode::Auto, Some(&track), false), track.1.clone());
        assert_eq!(tracking_for(RegionMode::Track, Some(&fixed), false), Some(TrackSettings::shipped()));
        assert_eq!(tracking_for(RegionMode::Track, Some(&track), false), track.1.clone());
        assert_eq!(tracking_for(RegionMode::Fixed, Some(&track), true), None);
    }

    #[test]
    fn region_mode_track_finds_the_hand_and_fixed_keeps_the_rectangle() {
        let track = |body: &str| GOOD.replacen("x = 0.25\ny = 0.0\nwidth = 0.5\nheight = 1.0", body, 1);
        let c = resolve(&track("mode = \"track\"")).unwrap();
        assert_eq!((c.region, c.track), (None, Some(TrackSettings::shipped())));
        let c = resolve(&track("mode = \"track\"\ndetector = \"d.onnx\"\ntracking = false\nidle_detect_ms = 0\nsecond_opinion = false\nrefine = false\nextra_looks_on_change = false")).unwrap();
        assert_eq!(
            c.track,
            Some(TrackSettings {
                detector: "d.onnx".into(),
                tracking: false,
                idle_detect: std::time::Duration::ZERO,
                second_look: true,
                max_hands: 1,
                second_hand_detect: TrackSettings::shipped().second_hand_detect,
                second_opinion: false,
                refine: false,
                extra_looks_on_change: false,
                mirror: false,
                motions: true,
            })
        );
        let c =
            resolve(&format!("{}\n", track("mode = \"track\"\nmax_hands = 2\nsecond_hand_detect_ms = 250")).replacen("[source]", "[source]\nmirror = true", 1))
                .unwrap();
        assert_eq!(c.track.map(|t| (t.max_hands, t.second_hand_detect.as_millis(), t.mirror)), Some((2, 250, true)));
        let c = resolve(&track("mode = \"fixed\"")).unwrap();
        assert_eq!((c.region, c.track), (None, None), "fixed without a rectangle: the centred square");
        let c = resolve(&GOOD.replacen("[region]", "[region]\nmode = \"fixed\"", 1)).unwrap();
        assert_eq!(c.region, Some(Region { x: 0.25, y: 0.0, width: 0.5, height: 1.0 }));
        for (body, words) in [
            ("mode = \"follow\"", "region.mode: \"follow\"; expected \"fixed\" or \"track\""),
            ("mode = \"track\"\nx = 0.1", "x, y, width and height are for mode = \"fixed\""),
            (
                "tracking = false",
                "detector, tracking, idle_detect_ms, second_look, second_opinion, refine, extra_looks_on_change, motions, max_hands and second_hand_detect_ms are for mode = \"track\"",
            ),
            ("motions = true", "motions, max_hands and second_hand_detect_ms are for mode = \"track\""),
            ("second_look = true", "max_hands and second_hand_detect_ms are for mode = \"track\""),
            ("max_hands = 2", "max_hands and second_hand_detect_ms are for mode = \"track\""),
            ("x = 0.1\ny = 0.1", "give all of x, y, width and height"),
            ("mode = \"track\"\nmax_hands = 3", "region.max_hands: 3; expected 1 or 2"),
        ] {
            let e = error(&track(body));
            assert!(e.starts_with("beckon.toml:") && e.contains(words), "{body}: {e}");
        }
    }
}
