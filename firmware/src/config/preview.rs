//! `[preview]`: the live preview page's settings, and the check of its listen address.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

use crate::error::{Error, Result};

/// `[preview]`: the live preview page.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewSettings {
    /// IP:PORT to serve on.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Serve on a non-loopback address (the camera is visible to anyone who can reach it).
    #[serde(default)]
    pub allow_remote: bool,
    /// Where the page's capture button and Teach panel save frames (`dataset/LABEL/`; taught
    /// models in `dataset/models/`). Default: `gestures` in the state directory when beckon is
    /// installed (`/var/lib/beckon/gestures`), else `./dataset`.
    #[serde(default = "default_dataset")]
    pub dataset: PathBuf,
    /// Needed by the capture button (open the page as `/?token=…`). Without it, a preview with
    /// `allow_remote = true` refuses to capture.
    #[serde(default)]
    pub capture_token: Option<String>,
    /// The token in a file instead (its first line): the package makes
    /// `/etc/beckon/preview-token` at install, readable by the service only.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// Host names besides its IP address that the page may be reached by, e.g.
    /// `["raspberrypi.local"]`; requests naming any other host are refused (DNS rebinding).
    #[serde(default)]
    pub host_names: Vec<String>,
}

impl PreviewSettings {
    /// The token: `capture_token`, else the first line of `token_file` (a regular file of at most
    /// 4 KiB).
    pub fn token(&self) -> Result<Option<String>> {
        let Some(path) = self.token_file.as_ref().filter(|_| self.capture_token.is_none()) else { return Ok(self.capture_token.clone()) };
        let bad = |problem: String| Error::Config { setting: format!("preview.token_file {}", path.display()), problem };
        let text = crate::files::first_line(path).map_err(|e| bad(format!("cannot read it: {e} (beckon runs as the user that must read it)")))?;
        let token = text.trim().to_string();
        if token.len() < 8 || token.contains(char::is_whitespace) {
            return Err(bad("its first line must be the token: at least 8 characters without spaces".into()));
        }
        Ok(Some(token))
    }
}

/// Checks the preview's listen address: loopback, or `allow_remote`.
pub fn check_listen(listen: &str, allow_remote: bool) -> Result<SocketAddr> {
    let bad = |problem: String| Error::Config { setting: format!("preview listen address {listen:?}"), problem };
    let addr: SocketAddr = listen.parse().map_err(|e| bad(format!("{e}; expected IP:PORT, e.g. 127.0.0.1:8080")))?;
    if !addr.ip().is_loopback() && !allow_remote {
        return Err(bad("is not a loopback address; the preview shows the camera to anyone who can reach it, so it is only served \
             to the network with `allow_remote = true` in [preview]"
            .into()));
    }
    Ok(addr)
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_dataset() -> PathBuf {
    crate::paths::shared().dataset()
}
