//! Taught motions: a movement of the user's own (a letter, a tick, a zigzag), recognised by
//! comparing its path with three to five recordings of it.
//!
//! A recording is one finished [`Movement`] (the same cut of the path the built-in motions use),
//! saved as its samples ([`Take`], one JSON file each, `motions/NAME/*.json`). A movement's
//! *shape* is its path in the person's own left/right, resampled to [`POINTS`] points evenly
//! along its length, centred on its centroid and scaled to a unit root-mean-square radius: where
//! on the frame, how big and how fast it was made do not matter, its form does. Two shapes are
//! compared by dynamic time warping (mean point distance along the best alignment, within a band
//! of a quarter of the points), and a movement is the taught motion when its distance to the
//! nearest recording is within the motion's threshold, which comes from the recordings
//! themselves: [`SLACK`] times the largest distance from a recording to its nearest other.
//! Recognising a movement costs a few thousand arithmetic operations, once, when it ends.

use std::path::{Path, PathBuf};

use super::path::{Movement, Sample};
use crate::error::{Error, Result};

/// Points a shape is resampled to.
pub const POINTS: usize = 32;
/// The threshold is this many times the widest spread of the recordings (each to its nearest
/// other): room for a new take a little less alike than the taught ones were.
pub const SLACK: f32 = 1.5;
/// …and at least this (mean distance in units of the shape's radius): three near-identical
/// recordings do not make a threshold nothing new could meet.
pub const FLOOR: f32 = 0.12;
/// Recordings a motion needs.
pub const MIN_TAKES: usize = 3;
/// A movement whose path is shorter than this (hand sizes) has no shape worth comparing.
pub const SHORTEST: f32 = 1.0;
/// A movement's path length (hand sizes) may be this many times shorter or longer than the
/// recordings' (the shortest and longest of them).
pub const LENGTH_RATIO: f32 = 2.0;

/// One recording of a motion, as saved: the movement's samples and whether the frames were
/// mirror images.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Take {
    pub motion: String,
    pub mirror: bool,
    /// `[t (seconds), x, y, size (frame pixels)]` per sample.
    pub samples: Vec<[f64; 4]>,
}

impl Take {
    pub fn of(motion: &str, m: &Movement, mirror: bool) -> Self {
        Take { motion: motion.into(), mirror, samples: m.samples.iter().map(|s| [s.t, s.x as f64, s.y as f64, s.size as f64]).collect() }
    }

    fn movement(&self) -> Movement {
        let samples = self.samples.iter().map(|s| Sample { t: s[0], x: s[1] as f32, y: s[2] as f32, size: s[3] as f32, pose: None }).collect();
        Movement { samples, lead: Vec::new(), lost: false }
    }
}

/// Cuts takes from a hand followed frame by frame, as the recogniser cuts movements: a hand
/// lost for up to [`super::path::MAX_GAP`] (a fast stroke blurs) is the same movement; a
/// movement shorter than [`SHORTEST`] is no take. `beckon capture --motion` and the Teach panel
/// record with it.
#[derive(Debug, Default)]
pub struct Recorder {
    path: super::path::Path,
    seen: Option<f64>,
}

impl Recorder {
    /// The hand at video time `t` (seconds), or none; the take this frame ended, if any.
    pub fn push(&mut self, t: f64, hand: Option<&super::HandAt>) -> Option<Movement> {
        let ended = match hand {
            Some(h) => {
                self.seen = Some(t);
                self.path.push(Sample { t, x: h.x, y: h.y, size: h.size, pose: None })
            }
            None if self.seen.is_none_or(|s| t - s > super::path::MAX_GAP) => self.path.lose(),
            None => None,
        };
        ended.filter(|m| TaughtMotion::length(m) >= SHORTEST)
    }

    /// The source ended: the movement in progress, if it makes a take.
    pub fn end(&mut self) -> Option<Movement> {
        self.path.lose().filter(|m| TaughtMotion::length(m) >= SHORTEST)
    }
}

/// A motion taught by its recordings.
#[derive(Debug, Clone)]
pub struct TaughtMotion {
    pub name: String,
    shapes: Vec<Vec<[f32; 2]>>,
    /// The shapes of the recordings' starts: the first [`STARTS`] of each one's path.
    starts: Vec<Vec<[f32; 2]>>,
    /// Path lengths (hand sizes) of the shortest and longest recording.
    lengths: (f32, f32),
    pub threshold: f32,
}

/// The starts of a recording a movement cut short is compared with (fractions of its path): a
/// hand lost after two strokes of a Z is a Z's first two thirds.
pub const STARTS: [f32; 8] = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

impl TaughtMotion {
    /// From its takes (at least [`MIN_TAKES`] with a shape).
    pub fn from_takes(name: &str, takes: &[Take]) -> std::result::Result<Self, String> {
        let paths: Vec<Vec<[f32; 2]>> = takes.iter().map(|t| points(&t.movement(), t.mirror)).collect();
        let shaped: Vec<(Vec<[f32; 2]>, f32)> = paths.iter().filter_map(|p| shape(p)).collect();
        if shaped.len() < MIN_TAKES {
            return Err(format!(
                "{} recording(s) with a movement of at least {SHORTEST} hand size; a taught motion needs {MIN_TAKES} or more (record more with beckon capture --motion {name})",
                shaped.len()
            ));
        }
        let spread = (0..shaped.len())
            .map(|i| (0..shaped.len()).filter(|&j| j != i).map(|j| dtw(&shaped[i].0, &shaped[j].0)).fold(f32::MAX, f32::min))
            .fold(0.0f32, f32::max);
        let lengths = shaped.iter().fold((f32::MAX, 0.0f32), |(lo, hi), (_, l)| (lo.min(*l), hi.max(*l)));
        let starts = paths.iter().flat_map(|p| STARTS.map(|f| start_of(p, f))).filter_map(|p| shape(&p)).map(|(s, _)| s).collect();
        Ok(TaughtMotion { name: name.into(), shapes: shaped.into_iter().map(|(s, _)| s).collect(), starts, lengths, threshold: (SLACK * spread).max(FLOOR) })
    }

    /// A movement's path length in hand sizes.
    pub fn length(m: &Movement) -> f32 {
        let size = m.size();
        m.samples.windows(2).map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y) / size).sum()
    }

    /// Whether `m` may be this motion's start, the hand lost part-way (see
    /// [`super::Motions::push`]): shorter than every recording, or shorter than the longest and
    /// shaped as one's start ([`STARTS`]) within the threshold. (`z33-10` sequence 11: a Z's top
    /// stroke and diagonal, the hand lost at the corner, longer than the shortest take, was said
    /// as the circle it made; the hand found at the bottom stroke's end 0.4 s later made the Z.)
    pub fn may_go_on(&self, m: &Movement, mirror: bool) -> bool {
        let length = Self::length(m);
        if length < self.lengths.0 {
            return true;
        }
        length < self.lengths.1 && shape(&points(m, mirror)).is_some_and(|(s, _)| self.starts.iter().any(|r| dtw(&s, r) <= self.threshold))
    }

    /// The distance of `m` to the nearest recording, when its length is within reach of theirs.
    pub fn distance(&self, m: &Movement, mirror: bool) -> Option<f32> {
        let (s, length) = shape(&points(m, mirror))?;
        if length < self.lengths.0 / LENGTH_RATIO || length > self.lengths.1 * LENGTH_RATIO {
            return None;
        }
        self.shapes.iter().map(|r| dtw(&s, r)).reduce(f32::min)
    }
}

/// The taught motion `m` is, of `taught` (the nearest within its threshold), with a confidence
/// from 0.5 (at the threshold) to 1 (identical to a recording).
pub fn classify(taught: &[TaughtMotion], m: &Movement, mirror: bool) -> Option<(usize, f32)> {
    taught
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.distance(m, mirror).filter(|d| *d <= t.threshold).map(|d| (i, d / t.threshold)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, r)| (i, 1.0 - 0.5 * r))
}

/// The movement's path in hand sizes, in the person's own left and right (as the built-in
/// motions): recordings made with the other `mirror` setting still match.
fn points(m: &Movement, mirror: bool) -> Vec<[f32; 2]> {
    let size = m.size();
    let flip = if mirror { 1.0 } else { -1.0 };
    m.samples.iter().map(|s| [flip * s.x / size, s.y / size]).collect()
}

fn steps(pts: &[[f32; 2]]) -> Vec<f32> {
    pts.windows(2).map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1])).collect()
}

/// The first `fraction` of a path, by length.
fn start_of(pts: &[[f32; 2]], fraction: f32) -> Vec<[f32; 2]> {
    let steps = steps(pts);
    let mut left = fraction * steps.iter().sum::<f32>();
    let mut out = pts[..pts.len().min(1)].to_vec();
    for (w, step) in pts.windows(2).zip(steps) {
        let u = if step > 0.0 { (left / step).min(1.0) } else { 1.0 };
        out.push([w[0][0] + u * (w[1][0] - w[0][0]), w[0][1] + u * (w[1][1] - w[0][1])]);
        left -= step;
        if left <= 0.0 {
            break;
        }
    }
    out
}

/// A path's shape and its length in hand sizes; `None` when shorter than [`SHORTEST`].
fn shape(pts: &[[f32; 2]]) -> Option<(Vec<[f32; 2]>, f32)> {
    let steps = steps(pts);
    let length: f32 = steps.iter().sum();
    if pts.len() < 2 || length < SHORTEST || !length.is_finite() {
        return None;
    }
    // Evenly along the path.
    let mut out = Vec::with_capacity(POINTS);
    let (mut seg, mut walked) = (0usize, 0.0f32);
    for k in 0..POINTS {
        let at = length * k as f32 / (POINTS - 1) as f32;
        while seg + 1 < steps.len() && walked + steps[seg] < at {
            walked += steps[seg];
            seg += 1;
        }
        let u = if steps[seg] > 0.0 { ((at - walked) / steps[seg]).clamp(0.0, 1.0) } else { 0.0 };
        let (a, b) = (pts[seg], pts[seg + 1]);
        out.push([a[0] + u * (b[0] - a[0]), a[1] + u * (b[1] - a[1])]);
    }
    let n = POINTS as f32;
    let (cx, cy) = out.iter().fold((0.0, 0.0), |(x, y), p| (x + p[0] / n, y + p[1] / n));
    let radius = (out.iter().map(|p| (p[0] - cx).powi(2) + (p[1] - cy).powi(2)).sum::<f32>() / n).sqrt().max(1e-6);
    Some((out.iter().map(|p| [(p[0] - cx) / radius, (p[1] - cy) / radius]).collect(), length))
}

/// Dynamic time warping of two shapes of [`POINTS`] points: the mean point distance along the
/// best alignment that keeps within a band of a quarter of the points.
fn dtw(a: &[[f32; 2]], b: &[[f32; 2]]) -> f32 {
    let (n, m) = (a.len(), b.len());
    let band = (n.max(m) / 4).max(n.abs_diff(m));
    // cost[i][j] and the steps along the path that reached it.
    let mut cost = vec![(f32::INFINITY, 0u32); (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    cost[0] = (0.0, 0);
    for i in 1..=n {
        for j in i.saturating_sub(band).max(1)..=(i + band).min(m) {
            let d = (a[i - 1][0] - b[j - 1][0]).hypot(a[i - 1][1] - b[j - 1][1]);
            let best = [cost[at(i - 1, j - 1)], cost[at(i - 1, j)], cost[at(i, j - 1)]].into_iter().min_by(|x, y| x.0.total_cmp(&y.0)).expect("three");
            cost[at(i, j)] = (best.0 + d, best.1 + 1);
        }
    }
    let (total, steps) = cost[at(n, m)];
    total / steps.max(1) as f32
}

/// A folder of taught motions that makes none: its name and why.
pub type LeftOut = (String, Error);

/// Reads the taught motions in `dir`: one folder per motion (its name), each with its takes
/// (`*.json`, [`Take`]). A folder that makes no motion (too few takes, a file that is not a take)
/// does not stop the others: it comes back as its name and the reason, for the caller to say
/// (and to refuse where an action needs that motion).
pub fn load_dir(dir: &Path) -> Result<(Vec<TaughtMotion>, Vec<LeftOut>)> {
    let (mut motions, mut problems) = (Vec::new(), Vec::new());
    let mut folders: Vec<PathBuf> = read_dir(dir)?.into_iter().filter(|p| p.is_dir()).collect();
    folders.sort();
    for folder in folders {
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match load_one(&folder, &name) {
            Ok(m) => motions.push(m),
            Err(e) => problems.push((name, e)),
        }
    }
    Ok((motions, problems))
}

fn load_one(folder: &Path, name: &str) -> Result<TaughtMotion> {
    let mut files: Vec<PathBuf> = read_dir(folder)?.into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    let takes = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).map_err(|e| io_error(f, e))?;
            serde_json::from_str::<Take>(&text).map_err(|e| Error::Config {
                setting: f.display().to_string(),
                problem: format!("line {}: {e}; delete the file or record the motion again (beckon capture --motion {name})", e.line()),
            })
        })
        .collect::<Result<Vec<Take>>>()?;
    TaughtMotion::from_takes(name, &takes).map_err(|problem| Error::Config { setting: folder.display().to_string(), problem })
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, e))?;
    entries.map(|e| e.map(|e| e.path()).map_err(|e| io_error(dir, e))).collect()
}

/// Saves `take` as the next file of `dir/<motion>/` (written to a temporary name, then renamed).
pub fn save_take(dir: &Path, take: &Take) -> Result<PathBuf> {
    let folder = dir.join(&take.motion);
    std::fs::create_dir_all(&folder).map_err(|e| io_error(&folder, e))?;
    let next = read_dir(&folder)?.iter().filter_map(|p| p.file_stem()?.to_str()?.strip_prefix("take-")?.parse::<u32>().ok()).max().map_or(1, |n| n + 1);
    let path = folder.join(format!("take-{next:03}.json"));
    let text = serde_json::to_string(take).map_err(|e| Error::Inference(format!("cannot write a take: {e}")))?;
    crate::files::write_aside(&path, text.as_bytes()).map_err(|e| io_error(&path, e))?;
    Ok(path)
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::Config { setting: path.display().to_string(), problem: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A movement along `f(u)` for u in 0..1 (hand sizes), `n` samples, hand size 100 px.
    fn drawn(f: impl Fn(f32) -> (f32, f32), n: usize, at: (f32, f32), scale: f32) -> Movement {
        let samples = (0..n)
            .map(|k| {
                let u = k as f32 / (n - 1) as f32;
                let (x, y) = f(u);
                Sample { t: k as f64 / 30.0, x: at.0 + 100.0 * scale * x, y: at.1 + 100.0 * scale * y, size: 100.0, pose: None }
            })
            .collect();
        Movement { samples, lead: Vec::new(), lost: false }
    }

    /// A Z: right along the top, down-left across, right along the bottom (3 × 3 hand sizes).
    fn z(u: f32) -> (f32, f32) {
        let s = 3.0 * u;
        match s {
            s if s < 1.0 => (3.0 * s, 0.0),
            s if s < 2.0 => (3.0 - 3.0 * (s - 1.0), 3.0 * (s - 1.0)),
            s => (3.0 * (s - 2.0), 3.0),
        }
    }

    fn takes(f: impl Fn(f32) -> (f32, f32) + Copy) -> Vec<Take> {
        [(0.9, 20, (100.0, 100.0)), (1.0, 30, (200.0, 80.0)), (1.2, 25, (150.0, 150.0)), (1.1, 40, (120.0, 60.0))]
            .into_iter()
            .map(|(scale, n, at)| Take::of("z", &drawn(f, n, at, scale), false))
            .collect()
    }

    #[test]
    fn a_taught_shape_is_found_anywhere_at_any_size_and_others_are_not() {
        let taught = [TaughtMotion::from_takes("z", &takes(z)).unwrap()];
        // A new Z: elsewhere, bigger, more samples, a little wobble.
        let new = drawn(|u| (z(u).0 + 0.1 * (20.0 * u).sin(), z(u).1), 45, (300.0, 50.0), 1.3);
        assert_eq!(classify(&taught, &new, false).map(|(i, _)| i), Some(0));
        // A straight swipe, a circle, an S (the Z's mirror image) are not it.
        let swipe = drawn(|u| (4.0 * u, 0.0), 15, (50.0, 200.0), 1.0);
        let circle = drawn(|u| ((6.3 * u).cos() * 1.5, (6.3 * u).sin() * 1.5), 30, (300.0, 200.0), 1.0);
        let mirrored = drawn(|u| (3.0 - z(u).0, z(u).1), 30, (200.0, 80.0), 1.0);
        for (what, m) in [("swipe", swipe), ("circle", circle), ("mirrored Z", mirrored)] {
            assert_eq!(classify(&taught, &m, false), None, "{what}: distance {:?}, threshold {}", taught[0].distance(&m, false), taught[0].threshold);
        }
    }

    /// Takes of 9.2 to 12.3 hand sizes. What a hand lost part-way may have been the start of.
    #[test]
    fn a_movement_shaped_as_a_takes_start_may_go_on_and_others_do_not() {
        let taught = TaughtMotion::from_takes("z", &takes(z)).unwrap();
        // The top stroke and the diagonal of a Z drawn 1.3 times as large: 9.4 hand sizes, longer
        // than the shortest take.
        let two_strokes = drawn(|u| z(2.0 / 3.0 * u), 20, (300.0, 50.0), 1.3);
        assert!(TaughtMotion::length(&two_strokes) > taught.lengths.0);
        assert!(taught.may_go_on(&two_strokes, false));
        // A circle as long, a Z's first two strokes the other way round, and a whole Z longer than
        // every take may not; a short swipe (shorter than every take) may.
        let circle = drawn(|u| ((6.3 * u).cos() * 1.5, (6.3 * u).sin() * 1.5), 30, (300.0, 200.0), 1.0);
        let mirrored = drawn(|u| (3.0 - z(2.0 / 3.0 * u).0, z(2.0 / 3.0 * u).1), 20, (300.0, 50.0), 1.3);
        for (what, m) in [("circle", circle), ("mirrored", mirrored), ("whole Z", drawn(z, 30, (0.0, 0.0), 1.3))] {
            assert!(!taught.may_go_on(&m, false), "{what}");
        }
        assert!(taught.may_go_on(&drawn(|u| (4.0 * u, 0.0), 15, (50.0, 200.0), 1.0), false));
    }

    #[test]
    fn two_takes_are_too_few_and_a_tiny_movement_has_no_shape() {
        let two = &takes(z)[..2];
        assert!(TaughtMotion::from_takes("z", two).unwrap_err().contains("needs 3"));
        let tiny = drawn(z, 20, (100.0, 100.0), 0.1);
        assert!(shape(&points(&tiny, false)).is_none());
    }

    #[test]
    fn takes_are_saved_numbered_and_read_back() {
        let dir = std::env::temp_dir().join(format!("beckon-taught-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for t in takes(z) {
            save_take(&dir, &t).unwrap();
        }
        assert!(dir.join("z/take-004.json").is_file());
        let (loaded, problems) = load_dir(&dir).unwrap();
        assert_eq!((loaded.len(), loaded[0].name.as_str(), loaded[0].shapes.len(), problems.len()), (1, "z", 4, 0));
        // A motion with a broken take, or too few, is left out with the reason; the others stay.
        save_take(&dir, &Take { motion: "tick".into(), ..takes(z)[0].clone() }).unwrap();
        std::fs::write(dir.join("z/take-005.json"), "{\"motion\": \"z\",\n \"samples\": 3}").unwrap();
        let (loaded, problems) = load_dir(&dir).unwrap();
        assert!(loaded.is_empty());
        let said: Vec<String> = problems.iter().map(|(n, e)| format!("{n}: {e}")).collect();
        assert!(said[0].starts_with("tick: ") && said[0].contains("needs 3"), "{said:?}");
        assert!(said[1].starts_with("z: ") && said[1].contains("take-005.json") && said[1].contains("line 2"), "{said:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
