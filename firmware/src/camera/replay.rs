//! [`ReplaySource`]: plays a folder of images, or an MJPEG recording, as if a camera were
//! filming them.

use super::image_file::decode_complete;
use super::pace::Pacer;
use super::{Frame, FrameSource};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// File extensions the replay source reads.
pub const IMAGE_EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// One frame to play: an image file, or a JPEG from an MJPEG recording.
#[derive(Debug)]
enum Item {
    File(PathBuf),
    Jpeg(Vec<u8>),
}

/// Plays the images of a folder in file-name order (or the frames of an `.mjpeg` file), at `fps`
/// frames per second (0 = as fast as they decode), once or in a loop. A frame that does not
/// decode, or is cut short (see [`super::image_file`]), is skipped with a warning and counted;
/// a folder where no file decodes is an error, looping or not.
#[derive(Debug)]
pub struct ReplaySource {
    dir: PathBuf,
    files: Vec<Item>,
    next: usize,
    looping: bool,
    pacer: Pacer,
    skipped: usize,
    /// Frames that decoded so far.
    played: usize,
}

impl ReplaySource {
    /// Lists the images in `dir`, or splits `dir` into frames if it is an `.mjpeg`/`.mjpg` file.
    /// Fails if the folder is unreadable or holds no image.
    pub fn open(dir: impl AsRef<Path>, fps: f64, looping: bool) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let err = |problem: String| Error::Source { source_name: format!("replay:{}", dir.display()), problem };
        if !(fps >= 0.0 && fps.is_finite()) {
            return Err(err(format!("frame rate {fps} must be ≥ 0 (0 = as fast as possible)")));
        }
        let pacer = Pacer::new(fps);
        let is_mjpeg = dir.extension().and_then(|e| e.to_str()).is_some_and(|e| ["mjpeg", "mjpg"].contains(&e.to_ascii_lowercase().as_str()));
        if is_mjpeg {
            // stat first: opening a FIFO would block until a writer comes (and ignore signals).
            crate::files::check_regular(&dir).map_err(|e| err(format!("cannot play the recording: {e}")))?;
            let file = std::fs::File::open(&dir).map_err(|e| err(format!("cannot open the recording: {e}")))?;
            let mut reader = super::mjpeg::MjpegReader::new(std::io::BufReader::new(file));
            let mut files = Vec::new();
            while let Some(jpeg) = reader.next_jpeg().map_err(|e| err(format!("{e}")))? {
                files.push(Item::Jpeg(jpeg));
            }
            if files.is_empty() {
                return Err(err("holds no JPEG frame; expected an MJPEG recording (JPEG images back to back)".into()));
            }
            return Ok(Self { dir, files, next: 0, looping, pacer, skipped: 0, played: 0 });
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| err(format!("cannot read the folder: {e}; pass a folder of .png/.jpg frames")))?;
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file() && has_image_extension(p)).collect();
        files.sort();
        if files.is_empty() {
            return Err(err("holds no .png/.jpg/.jpeg file; pass a folder of frames or an .mjpeg file".into()));
        }
        let files = files.into_iter().map(Item::File).collect();
        Ok(Self { dir, files, next: 0, looping, pacer, skipped: 0, played: 0 })
    }

    /// Number of image files found.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Always false: an empty folder is refused by [`ReplaySource::open`].
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// True if the path ends in one of [`IMAGE_EXTENSIONS`] (any case).
pub fn has_image_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

impl FrameSource for ReplaySource {
    fn nominal_fps(&self) -> Option<f64> {
        self.pacer.fps()
    }

    fn skipped(&self) -> usize {
        self.skipped
    }

    fn describe(&self) -> String {
        format!("replay:{} ({} frames{})", self.dir.display(), self.files.len(), if self.looping { ", looping" } else { "" })
    }

    fn next_frame(&mut self) -> Result<Option<Frame>> {
        // Bounded so that a folder of only undecodable files ends instead of spinning.
        for _ in 0..self.files.len() {
            if self.next == self.files.len() {
                if !self.looping {
                    return self.end();
                }
                self.next = 0;
            }
            let index = self.next;
            self.next += 1;
            let (decoded, name) = match &self.files[index] {
                Item::File(path) => (super::image_file::open(path), path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
                Item::Jpeg(bytes) => (decode_complete(bytes), format!("{}#{index:05}", self.dir.file_name().map(|n| n.to_string_lossy()).unwrap_or_default())),
            };
            match decoded {
                Ok(img) => {
                    self.played += 1;
                    self.pacer.wait();
                    let time = self.pacer.fps().map(|fps| std::time::Duration::from_secs_f64((self.played - 1) as f64 / fps));
                    return Ok(Some(Frame { image: img.into_rgb8(), name, time }));
                }
                Err(e) => {
                    self.skipped += 1;
                    log::warn!("replay: skipping {name}: not a readable image ({e})");
                }
            }
        }
        if self.next == self.files.len() && !self.looping && self.played > 0 {
            return Ok(None);
        }
        self.end()
    }
}

impl ReplaySource {
    /// With `paced` false, frames come as fast as they decode, still timed at the frame rate
    /// (tests and measurements of many minutes of video).
    pub fn paced(mut self, paced: bool) -> Self {
        self.pacer.set_paced(paced);
        self
    }

    /// The end of a pass that did not loop: the stream's end, or an error when not one file
    /// decoded (with or without `--loop`).
    fn end(&self) -> Result<Option<Frame>> {
        if self.played > 0 {
            return Ok(None);
        }
        Err(Error::Source {
            source_name: format!("replay:{}", self.dir.display()),
            problem: format!("none of its {} files decodes as an image; pass a folder of .png/.jpg frames", self.files.len()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with(name: &str, frames: &[(&str, [u8; 3])]) -> crate::scratch::Scratch {
        let dir = crate::scratch::Scratch::new(&format!("replay-{name}"));
        for (name, rgb) in frames {
            image::RgbImage::from_pixel(4, 4, image::Rgb(*rgb)).save(dir.join(name)).unwrap();
        }
        dir
    }

    #[test]
    fn plays_in_name_order_once_then_ends_and_skips_bad_files() {
        let dir = folder_with("order", &[("b.png", [0, 255, 0]), ("a.png", [255, 0, 0]), ("c.jpg", [0, 0, 255])]);
        std::fs::write(dir.join("broken.png"), b"not an image").unwrap();
        // A PNG cut short: the decoder would fill in the missing rows; it must be skipped.
        let whole = std::fs::read(dir.join("b.png")).unwrap();
        std::fs::write(dir.join("b_truncated.png"), &whole[..whole.len() - 20]).unwrap();
        std::fs::write(dir.join("notes.txt"), b"ignored").unwrap();
        let mut src = ReplaySource::open(&dir, 0.0, false).unwrap();
        assert_eq!(src.len(), 5);
        let names: Vec<String> = std::iter::from_fn(|| src.next_frame().unwrap()).map(|f| f.name).collect();
        assert_eq!(names, ["a.png", "b.png", "c.jpg"]);
        assert_eq!(src.skipped(), 2);
        assert!(src.next_frame().unwrap().is_none());
    }

    /// A paced replay tells its rate (the hand finder idles by it); one played as fast as it
    /// decodes tells none, so every frame is looked at.
    #[test]
    fn a_paced_replay_tells_its_rate() {
        let dir = folder_with("paced", &[("p.png", [1, 1, 1]), ("q.png", [2, 2, 2]), ("r.png", [3, 3, 3]), ("s.png", [4, 4, 4])]);
        assert_eq!(ReplaySource::open(&dir, 0.0, false).unwrap().nominal_fps(), None);
        let fps = ReplaySource::open(&dir, 12.5, false).unwrap().nominal_fps().unwrap();
        assert!((fps - 12.5).abs() < 1e-9, "{fps}");
    }

    #[test]
    fn loops_when_asked() {
        let dir = folder_with("loop", &[("x.png", [1, 2, 3]), ("y.png", [4, 5, 6])]);
        let mut src = ReplaySource::open(&dir, 0.0, true).unwrap();
        let names: Vec<String> = (0..5).map(|_| src.next_frame().unwrap().unwrap().name).collect();
        assert_eq!(names, ["x.png", "y.png", "x.png", "y.png", "x.png"]);
    }

    #[test]
    fn empty_or_missing_folder_is_a_clear_error() {
        let missing = std::env::temp_dir().join("beckon-replay-does-not-exist");
        let err = ReplaySource::open(&missing, 5.0, false).unwrap_err().to_string();
        assert!(err.contains("beckon-replay-does-not-exist") && err.contains("cannot read"), "{err}");
        let empty = folder_with("empty", &[]);
        let err = ReplaySource::open(&empty, 5.0, false).unwrap_err().to_string();
        assert!(err.contains("no .png"), "{err}");
    }
}
