//! A scratch folder for one test: `beckon-NAME-PID` in the temporary directory, empty at the
//! start and removed when the test is done with it. A test that fails leaves it, to look at.
//! [`ScratchFile`]: one file written in a scratch folder of its own (a config for one run).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("beckon-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn as_path(&self) -> &Path {
        &self.0
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<OsStr> for Scratch {
    fn as_ref(&self) -> &OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A file with `contents` in a scratch folder of its own (`beckon-NAME-PID-N`, N counting the
/// files made in this test binary, so tests running at once never share one), removed with it.
pub struct ScratchFile {
    path: PathBuf,
    _dir: Scratch,
}

impl ScratchFile {
    pub fn new(name: &str, file_name: &str, contents: impl AsRef<[u8]>) -> Self {
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let dir = Scratch::new(&format!("{name}-{}", MADE.fetch_add(1, Ordering::Relaxed)));
        let path = dir.join(file_name);
        std::fs::write(&path, contents).unwrap();
        ScratchFile { path, _dir: dir }
    }
}

impl std::ops::Deref for ScratchFile {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for ScratchFile {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<OsStr> for ScratchFile {
    fn as_ref(&self) -> &OsStr {
        self.path.as_os_str()
    }
}
