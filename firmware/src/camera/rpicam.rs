//! The Raspberry Pi camera (CSI) through libcamera: beckon runs `rpicam-vid` (`libcamera-vid`
//! on images before Bookworm) writing MJPEG to its stdout and splits the stream into frames.
//!
//! The child is supervised: when it exits or its stream breaks, it is restarted after a
//! back-off (0.2 s doubling to 5 s); after [`MAX_FAILED_STARTS`] starts in a row that give no
//! frame, the source gives up with an error naming the program (no camera, wrong cable…). The
//! child is killed when the source is dropped, so it never outlives beckon.

use std::io::BufRead;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use super::mjpeg::MjpegReader;
use super::{Frame, FrameSource};
use crate::error::{Error, Result};
use crate::shutdown::Shutdown;

/// Programs tried, in order, when none is configured.
pub const PROGRAMS: [&str; 2] = ["rpicam-vid", "libcamera-vid"];
/// Consecutive starts without a single frame before giving up.
pub const MAX_FAILED_STARTS: u32 = 5;

/// Capture settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RpicamSettings {
    /// The program; `None` = the first of [`PROGRAMS`] found on `PATH`.
    pub program: Option<String>,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
}

/// Frames from `rpicam-vid`.
pub struct RpicamSource {
    program: String,
    args: Vec<String>,
    child: Option<(Child, MjpegReader<ChildStdout>)>,
    frames: u64,
    skipped: usize,
    failed_starts: u32,
    backoff: Duration,
    restarts: u32,
    shutdown: Shutdown,
    /// The frame rate asked of the camera.
    fps: f64,
}

impl RpicamSource {
    /// Finds the program and starts it.
    pub fn open(settings: &RpicamSettings) -> Result<Self> {
        let program = match &settings.program {
            Some(p) => p.clone(),
            None => find_program().ok_or_else(|| Error::Source {
                source_name: "rpicam".into(),
                problem: format!(
                    "none of {} is installed; on Raspberry Pi OS: sudo apt install rpicam-apps (or use source kind \"v4l2\"/\"replay\")",
                    PROGRAMS.join(", ")
                ),
            })?,
        };
        let args = [
            "--timeout",
            "0",
            "--nopreview",
            "--codec",
            "mjpeg",
            "--output",
            "-",
            "--width",
            &settings.width.to_string(),
            "--height",
            &settings.height.to_string(),
            "--framerate",
            &format!("{}", settings.fps),
        ]
        .map(String::from)
        .to_vec();
        let mut s = Self {
            program,
            args,
            child: None,
            frames: 0,
            skipped: 0,
            failed_starts: 0,
            backoff: Duration::from_millis(200),
            restarts: 0,
            shutdown: Shutdown::new(),
            fps: settings.fps,
        };
        s.start()?;
        Ok(s)
    }

    /// Stops restarting the capture program (the stream ends) once `shutdown` is requested; a
    /// Ctrl-C reaches the child too, and that exit must not look like a crash.
    pub fn with_shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// How many times the child was restarted.
    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    fn err(&self, problem: String) -> Error {
        Error::Source { source_name: format!("rpicam:{}", self.program), problem }
    }

    fn start(&mut self) -> Result<()> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| self.err(format!("cannot start it: {e}")))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        if let Some(stderr) = child.stderr.take() {
            // libcamera logs a lot on stderr: pass it to our log instead of the terminal.
            let name = self.program.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                    log::debug!("{name}: {line}");
                }
            });
        }
        self.child = Some((child, MjpegReader::new(stdout)));
        Ok(())
    }

    fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let (mut child, _) = self.child.take()?;
        let _ = child.kill();
        child.wait().ok()
    }
}

impl FrameSource for RpicamSource {
    fn nominal_fps(&self) -> Option<f64> {
        (self.fps > 0.0 && self.fps.is_finite()).then_some(self.fps)
    }

    fn skipped(&self) -> usize {
        self.skipped
    }

    fn describe(&self) -> String {
        format!("rpicam:{} {}", self.program, self.args.join(" "))
    }

    fn next_frame(&mut self) -> Result<Option<Frame>> {
        loop {
            let Some((_, reader)) = self.child.as_mut() else { return Ok(None) };
            match reader.next_jpeg() {
                Ok(Some(jpeg)) => match super::image_file::decode_complete(&jpeg) {
                    Ok(img) => {
                        self.failed_starts = 0;
                        self.backoff = Duration::from_millis(200);
                        let name = format!("rpicam-{:06}", self.frames);
                        self.frames += 1;
                        return Ok(Some(Frame { image: img.into_rgb8(), name, time: None }));
                    }
                    Err(e) => {
                        self.skipped += 1;
                        log::warn!("{}: skipping an undecodable frame: {e}", self.program)
                    }
                },
                Ok(None) | Err(_) => {
                    let status = self.stop();
                    if self.shutdown.requested() {
                        return Ok(None);
                    }
                    self.failed_starts += 1;
                    if self.failed_starts >= MAX_FAILED_STARTS {
                        return Err(self.err(format!(
                            "stopped {} times in a row without a frame (last exit: {status:?}); is the camera connected \
                             and enabled? try `{} --timeout 2000 -o /tmp/test.mjpeg` by hand",
                            MAX_FAILED_STARTS, self.program
                        )));
                    }
                    log::warn!("{} stopped ({status:?}); restarting in {:?}", self.program, self.backoff);
                    std::thread::sleep(self.backoff);
                    self.backoff = (self.backoff * 2).min(Duration::from_secs(5));
                    self.restarts += 1;
                    self.start()?;
                }
            }
        }
    }
}

impl Drop for RpicamSource {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The first of [`PROGRAMS`] on `PATH`.
pub fn find_program() -> Option<String> {
    let path = std::env::var_os("PATH")?;
    PROGRAMS.iter().find(|p| std::env::split_paths(&path).any(|dir| dir.join(p).is_file())).map(|p| p.to_string())
}
