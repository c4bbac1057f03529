//! Where beckon's own files are: in a checkout (run from the repository root, as the README
//! does) the paths are the repository's, relative; installed from the package they are under
//! `/usr/share/beckon`, the configuration is `/etc/beckon/beckon.toml` and what beckon writes
//! (recordings, taught models, which model is in use) goes to `/var/lib/beckon`. Resolved once
//! per process ([`shared`]); every default path in beckon comes from here.
//!
//! - `BECKON_CONFIG`: the configuration every subcommand reads when `--config` is not given
//!   (default: `/etc/beckon/beckon.toml` if it exists and beckon is not run from a checkout).
//! - `BECKON_STATE` (or systemd's `STATE_DIRECTORY`): where beckon keeps what it writes
//!   (default: `/var/lib/beckon` when installed; none in a checkout).
//! - `BECKON_SHARE`: the installed files (default `/usr/share/beckon`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The shipped model, relative to the repository root or the installed files.
pub const MODEL: &str = "models/hands-landmarks-lite/model.onnx";
/// The installed files.
pub const SHARE: &str = "/usr/share/beckon";
/// The packaged configuration.
pub const ETC_CONFIG: &str = "/etc/beckon/beckon.toml";
/// The package's state directory (systemd `StateDirectory=beckon`).
pub const STATE: &str = "/var/lib/beckon";

/// Where things are (see the module).
#[derive(Debug, Clone, PartialEq)]
pub struct Paths {
    /// Prefix of the shipped files: empty in a checkout (paths stay relative, as the README
    /// shows them), `/usr/share/beckon` installed.
    pub share: PathBuf,
    /// Whether beckon runs from a checkout (the current directory holds the shipped model).
    pub checkout: bool,
    /// The configuration read when none is named (`BECKON_CONFIG`, or the packaged one).
    pub config: Option<PathBuf>,
    /// Where recordings, taught models and the model in use are kept.
    pub state: Option<PathBuf>,
}

/// Resolved once, from the environment and the current directory.
pub fn shared() -> &'static Paths {
    static PATHS: OnceLock<Paths> = OnceLock::new();
    PATHS.get_or_init(|| Paths::discover(|k| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from), |p| p.exists()))
}

impl Paths {
    /// From the environment (`env`) and which files exist (`exists`), for tests.
    pub fn discover(env: impl Fn(&str) -> Option<PathBuf>, exists: impl Fn(&Path) -> bool) -> Self {
        let checkout = exists(Path::new(MODEL)) && exists(Path::new("firmware"));
        let share_dir = env("BECKON_SHARE").unwrap_or_else(|| SHARE.into());
        let installed = !checkout && exists(&share_dir.join(MODEL));
        let share = if installed { share_dir } else { PathBuf::new() };
        let config = env("BECKON_CONFIG").or_else(|| (!checkout && exists(Path::new(ETC_CONFIG))).then(|| ETC_CONFIG.into()));
        let state = env("BECKON_STATE").or_else(|| env("STATE_DIRECTORY")).or_else(|| (installed && exists(Path::new(STATE))).then(|| STATE.into()));
        Self { share, checkout, config, state }
    }

    /// A shipped file: `models/…` in a checkout, `/usr/share/beckon/models/…` installed.
    pub fn shipped(&self, relative: &str) -> PathBuf {
        self.share.join(relative)
    }

    /// The shipped model.
    pub fn model(&self) -> PathBuf {
        self.shipped(MODEL)
    }

    /// The frames played when no camera is asked for: `firmware/replay` in a checkout,
    /// `/usr/share/beckon/replay` installed.
    pub fn replay(&self) -> PathBuf {
        if self.share.as_os_str().is_empty() { "firmware/replay".into() } else { self.share.join("replay") }
    }

    /// The shipped palm detector.
    pub fn detector(&self) -> PathBuf {
        self.shipped(crate::hand::detector::DEFAULT_PATH)
    }

    /// Where recordings go when nothing names a folder: `<state>/gestures` when there is a
    /// state directory, else `./dataset`.
    pub fn dataset(&self) -> PathBuf {
        self.state.as_ref().map_or_else(|| "dataset".into(), |s| s.join("gestures"))
    }

    /// Where taught motions are recorded and read (`beckon capture --motion`): `motions/` in
    /// the state directory, else `./motions`.
    pub fn motions(&self) -> PathBuf {
        self.state.as_ref().map_or_else(|| "motions".into(), |s| s.join("motions"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discover(env: &[(&str, &str)], files: &[&str]) -> Paths {
        let env: Vec<(String, PathBuf)> = env.iter().map(|(k, v)| (k.to_string(), PathBuf::from(v))).collect();
        Paths::discover(|k| env.iter().find(|(e, _)| e == k).map(|(_, v)| v.clone()), |p| files.iter().any(|f| Path::new(f) == p))
    }

    #[test]
    fn a_checkout_keeps_its_relative_paths_and_ignores_the_packaged_config() {
        let p = discover(&[], &[MODEL, "firmware", ETC_CONFIG, "/usr/share/beckon/models/hands-landmarks-lite/model.onnx", STATE]);
        assert!(p.checkout);
        assert_eq!(p.dataset(), PathBuf::from("dataset"));
        assert_eq!((p.model(), p.replay(), p.config, p.state), (PathBuf::from(MODEL), PathBuf::from("firmware/replay"), None, None));
    }

    #[test]
    fn installed_paths_point_into_the_package() {
        let p = discover(&[], &["/usr/share/beckon/models/hands-landmarks-lite/model.onnx", ETC_CONFIG, STATE]);
        assert!(!p.checkout);
        assert_eq!(p.model(), PathBuf::from("/usr/share/beckon/models/hands-landmarks-lite/model.onnx"));
        assert_eq!(p.detector(), PathBuf::from("/usr/share/beckon/models/backbones/palm_detection_lite/detector.onnx"));
        assert_eq!(p.replay(), PathBuf::from("/usr/share/beckon/replay"));
        assert_eq!(p.config, Some(ETC_CONFIG.into()));
        assert_eq!(p.dataset(), PathBuf::from("/var/lib/beckon/gestures"));
        // The service's own state directory and a named configuration win.
        let p = discover(
            &[("STATE_DIRECTORY", "/run/x"), ("BECKON_CONFIG", "/tmp/b.toml")],
            &["/usr/share/beckon/models/hands-landmarks-lite/model.onnx", ETC_CONFIG, STATE],
        );
        assert_eq!((p.state, p.config), (Some("/run/x".into()), Some("/tmp/b.toml".into())));
    }
}
