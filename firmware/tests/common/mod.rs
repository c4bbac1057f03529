//! Helpers shared by the firmware's integration tests that run the `beckon` binary.
#![allow(dead_code)]

pub mod browser;
pub mod running;
mod scratch;

pub use scratch::{Scratch, ScratchFile};

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the binary runs from there, as a user runs it).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `beckon ARGS` from the repository root: (success, stdout, stderr).
pub fn beckon(args: &[&str]) -> (bool, String, String) {
    beckon_env(args, &[])
}

/// [`beckon`] with these environment variables set (e.g. `BECKON_STATE`).
pub fn beckon_env(args: &[&str], env: &[(&str, &Path)]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_beckon")).args(args).envs(env.iter().copied()).current_dir(repo()).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `beckon ARGS` from the repository root, started with stdout and stderr piped (for tests that
/// act while it runs: signals, a broker killed mid-run).
pub fn spawn_beckon(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_beckon"))
        .args(args)
        .current_dir(repo())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// A folder of `../shared`, or `None` with the reason printed (a fresh clone has no `../shared`;
/// CI has it).
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = repo().join("../shared").join(relative);
    if path.exists() {
        return Some(path);
    }
    eprintln!("skipped: {} is absent (../shared beside the repository holds it; CI has it)", path.display());
    None
}

/// An empty folder `beckon-NAME-PID` in the temporary directory (emptied if it was there),
/// removed when the test is done with it.
pub fn fresh_dir(name: &str) -> Scratch {
    Scratch::new(name)
}

/// A loopback TCP port nobody listens on (just now).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The names of the frames a capture saved into `dir`, sorted; each must be `rMILLIS_NNNN.png`
/// (one recording id for the whole run), or this panics saying which is not.
#[allow(dead_code)]
pub fn captured_frames(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let recording = |n: &str| n.split_once('_').map(|(r, _)| r.to_string()).unwrap_or_default();
    for n in &names {
        let (r, number) = n.strip_suffix(".png").and_then(|s| s.split_once('_')).unwrap_or_else(|| panic!("{n}: not RECORDING_NNNN.png"));
        assert!(r.starts_with('r') && r[1..].parse::<u128>().is_ok() && number.len() == 4 && number.parse::<u32>().is_ok(), "{n}: not rMILLIS_NNNN.png");
        assert_eq!(recording(n), recording(&names[0]), "one run saved frames under two recording ids: {names:?}");
    }
    names
}

/// The image files (.jpg, .jpeg, .png) under `dir`, in sub-folders too, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if path.extension().is_some_and(|e| ["jpg", "jpeg", "png"].contains(&e.to_string_lossy().to_lowercase().as_str())) {
            out.push(path);
        }
    }
    out.sort();
    out
}
