//! Collecting a user's own training data: frames from the configured source, cropped to the
//! region of interest (what the model would see, at full resolution), saved as PNGs into a
//! folder-per-class dataset that `beckon-train fit --data DIR` reads directly.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::camera::FrameSource;
use crate::error::{Error, Result};
use crate::preprocess::{Region, crop_region};
use crate::shutdown::Shutdown;

/// What to capture.
#[derive(Debug, Clone)]
pub struct CaptureJob {
    /// Dataset root; frames go to `root/label/`.
    pub root: PathBuf,
    pub label: String,
    pub count: usize,
    /// At least this long between saved frames (frames in between are dropped).
    pub every: Duration,
    pub region: Option<Region>,
}

/// Checks that `label` can be a class folder and a model label
/// ([`label_problem`](crate::model::contract::label_problem)).
pub fn check_label(label: &str) -> Result<()> {
    match crate::model::contract::label_problem(label) {
        Some(problem) => Err(Error::Config { setting: format!("--label {label:?}"), problem: problem.into() }),
        None => Ok(()),
    }
}

/// Saves `job.count` frames from `source` into `job.root/job.label/`, never overwriting a file
/// (numbering continues after the highest existing number; see [`save_frame`]); each file is written to a
/// temporary name and renamed. Calls `on_saved(n, path)` after each. Stops early, keeping what
/// was saved, when the source ends or `shutdown` is requested.
///
/// With `hand` (tracking, `[region] mode = "track"`), each saved image is the rotated hand crop
/// the landmark model sees, at its input size, so users' own data looks like what the model
/// sees; frames where no hand is found are skipped (`on_skipped` is told).
pub fn capture(
    source: &mut dyn FrameSource,
    job: &CaptureJob,
    shutdown: &Shutdown,
    mut hand: Option<(&mut crate::hand::HandFinder, &crate::model::Classifier)>,
    mut on_saved: impl FnMut(usize, &Path),
    mut on_skipped: impl FnMut(&str),
) -> Result<Vec<PathBuf>> {
    check_label(&job.label)?;
    let mut saved = Vec::new();
    let mut last: Option<Instant> = None;
    while saved.len() < job.count && !shutdown.requested() {
        let Some(frame) = source.next_frame()? else { break };
        if last.is_some_and(|t| t.elapsed() < job.every) {
            continue;
        }
        last = Some(Instant::now());
        let images = match (&mut hand, &job.region) {
            (Some((finder, classifier)), _) => {
                // Every hand in view (two with `max_hands` 2), each its own example.
                let found = finder.process(&frame.image, classifier)?;
                let hands: Vec<image::RgbImage> =
                    found.hand.into_iter().chain(found.others.into_iter().map(|o| o.view)).filter(|h| h.landmarks.is_some()).map(|h| h.input).collect();
                if hands.is_empty() {
                    on_skipped(&frame.name);
                    continue;
                }
                hands
            }
            (None, Some(r)) => vec![crop_region(&frame.image, r)],
            (None, None) => vec![frame.image],
        };
        for image in images.iter().take(job.count - saved.len()) {
            saved.push(save_frame(&job.root, &job.label, image)?);
            on_saved(saved.len(), saved.last().expect("just pushed"));
        }
    }
    Ok(saved)
}

/// Records a taught motion ([`crate::motion::taught`]): follows the hand through `source`'s
/// frames and saves each movement it makes (as the motion recogniser cuts the path: from moving
/// to still or lost, at least [`crate::motion::taught::SHORTEST`] hand sizes long) as the next
/// take of `dir/name/`, until `count` are saved, the source ends or `shutdown` is requested.
/// Calls `on_saved(n, path)` after each. Time is the video's (a replay's rate), else the clock.
#[allow(clippy::too_many_arguments)]
pub fn capture_motion(
    source: &mut dyn FrameSource,
    finder: &mut crate::hand::HandFinder,
    classifier: &crate::model::Classifier,
    name: &str,
    count: usize,
    dir: &Path,
    shutdown: &Shutdown,
    mut on_saved: impl FnMut(usize, &Path),
) -> Result<Vec<PathBuf>> {
    use crate::motion::{HandAt, Movement, taught};
    check_label(name)?;
    let mirror = finder.mirror();
    let started = Instant::now();
    let mut recorder = taught::Recorder::default();
    let mut saved = Vec::new();
    let mut keep = |m: Option<Movement>, saved: &mut Vec<PathBuf>| -> Result<()> {
        if let Some(m) = m {
            saved.push(taught::save_take(dir, &taught::Take::of(name, &m, mirror))?);
            on_saved(saved.len(), saved.last().expect("just pushed"));
        }
        Ok(())
    };
    while saved.len() < count && !shutdown.requested() {
        let Some(frame) = source.next_frame()? else { break };
        let t = frame.time.unwrap_or_else(|| started.elapsed()).as_secs_f64();
        let found = finder.process(&frame.image, classifier)?;
        let hand = found.hand.as_ref().and_then(|h| HandAt::from_landmarks(h.landmarks.as_deref()?, h.side, None, found.detector_ran));
        keep(recorder.push(t, hand.as_ref()), &mut saved)?;
    }
    if saved.len() < count {
        keep(recorder.end(), &mut saved)?;
    }
    Ok(saved)
}

/// This run's recording id, `r` and the start time in Unix milliseconds (e.g. `r1764567840123`):
/// every frame one `beckon capture` (or one `beckon run` with the preview page) saves carries it
/// in its name, so that training can leave whole recordings out: one recording is one capture
/// session (`beckon train`, and `beckon-train fit --group-by prefix`, read the part of the file
/// name before the first `_`).
pub fn recording_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        format!("r{ms}")
    })
}

/// Saves one image as `root/label/RECORDING_NNNN.png` ([`recording_id`], then the next free
/// number in the folder), through a temporary file and a rename. Used by [`capture`] and the
/// preview page's capture button.
pub fn save_frame(root: &Path, label: &str, image: &image::RgbImage) -> Result<PathBuf> {
    save_frame_as(root, label, recording_id(), image)
}

/// [`save_frame`] with a given recording id (the preview page's Teach panel makes one per
/// recording).
pub fn save_frame_as(root: &Path, label: &str, recording: &str, image: &image::RgbImage) -> Result<PathBuf> {
    check_label(label)?;
    let dir = root.join(label);
    let io = |what: &str, path: &Path, e: std::io::Error| Error::Config { setting: path.display().to_string(), problem: format!("cannot {what}: {e}") };
    std::fs::create_dir_all(&dir).map_err(|e| io("create the folder", &dir, e))?;
    let next = next_index(&dir).map_err(|e| io("list the folder", &dir, e))?;
    let path = dir.join(format!("{recording}_{next:04}.png"));
    let tmp = dir.join(format!(".{recording}_{next:04}.png.tmp"));
    image
        .save_with_format(&tmp, image::ImageFormat::Png)
        .map_err(|e| Error::Config { setting: tmp.display().to_string(), problem: format!("cannot write the frame: {e}") })?;
    std::fs::rename(&tmp, &path).map_err(|e| io("rename the frame into place", &path, e))?;
    Ok(path)
}

/// One past the highest `*_NNNN.png` number in `dir` (of any recording, and of the
/// `LABEL_NNNN.png` names earlier versions wrote), so no file is ever overwritten.
fn next_index(dir: &Path) -> std::io::Result<usize> {
    let mut next = 0;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let number = name.strip_suffix(".png").and_then(|stem| stem.rsplit_once('_')).and_then(|(_, n)| n.parse::<usize>().ok());
        if let Some(n) = number.filter(|_| !name.starts_with('.')) {
            next = next.max(n + 1);
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_that_cannot_be_class_folders_are_refused() {
        for bad in ["", " a", "a/b", "..", ".hidden", "a,b", "x\ny", "a\u{202E}b"] {
            assert!(check_label(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["thumbs-up", "5", "open hand"] {
            check_label(good).unwrap();
        }
    }
}
