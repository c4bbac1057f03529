//! `kind = "auto"`: the camera that is there. The Pi camera only when one is attached —
//! Raspberry Pi OS installs `rpicam-vid` with or without a camera module, so the program alone
//! says nothing; `rpicam-vid --list-cameras` does — else the first USB webcam, else a replay
//! folder if one is configured, else nothing, said plainly.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::rpicam::{self, RpicamSettings};
use super::v4l2;

/// What `auto` found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// A Pi camera module, through this program.
    PiCamera(String),
    /// A USB webcam at this device node.
    Webcam(PathBuf),
    /// Neither; why, for the user (e.g. `rpicam-vid lists no camera and no USB webcam`).
    Nothing(String),
}

/// Looks for a camera: the Pi camera if `rpicam-vid` (or the configured program) lists one,
/// else the first USB webcam.
pub fn look(rpicam: &RpicamSettings) -> Found {
    let program = rpicam.program.clone().or_else(rpicam::find_program);
    let pi = match &program {
        Some(p) => match list_cameras(p) {
            Ok(0) => format!("{p} --list-cameras lists no camera module"),
            Ok(_) => return Found::PiCamera(p.clone()),
            Err(e) => format!("{p} --list-cameras failed ({e})"),
        },
        None => format!("no {}", rpicam::PROGRAMS.join("/")),
    };
    match v4l2::find_webcam() {
        Some(device) => Found::Webcam(device),
        None => Found::Nothing(format!("{pi}, and no USB webcam (uvcvideo) is plugged in")),
    }
}

/// How many cameras `program --list-cameras` lists (lines `N : sensor …`); an error if it cannot
/// run or takes more than 10 s.
pub fn list_cameras(program: &str) -> Result<usize, String> {
    let mut child =
        Command::new(program).arg("--list-cameras").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err("no answer in 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Ok(count_cameras(&text))
}

/// Camera lines in `--list-cameras` output: `0 : imx708 [4608x2592 …] (/base/…)`.
fn count_cameras(listing: &str) -> usize {
    listing.lines().filter(|l| l.trim_start().split_once(" : ").is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))).count()
}

#[cfg(test)]
mod tests {
    use super::count_cameras;

    #[test]
    fn camera_lines_are_counted_in_rpicam_listings() {
        let one = "Available cameras\n-----------------\n0 : imx708 [4608x2592 10-bit RGGB] (/base/axi/pcie@120000/rp1/i2c@88000/imx708@1a)\n    Modes: 'SRGGB10_CSI2P' : 1536x864 [120.13 fps - (768, 432)/3072x1728 crop]\n";
        assert_eq!(count_cameras(one), 1);
        assert_eq!(count_cameras(&format!("{one}1 : imx219 [3280x2464 10-bit RGGB] (/base/soc/i2c0mux/i2c@1/imx219@10)\n")), 2);
        assert_eq!(count_cameras("No cameras available!\n"), 0);
        assert_eq!(count_cameras(""), 0);
    }
}
