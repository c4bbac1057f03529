//! `beckon-train backbone fetch`: downloads a backbone's official weight file once, checks it,
//! and keeps it in the weight cache, where `fit --arch mobilenet-v2` finds it. Only this command
//! touches the network; training and tests never do.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::mobilenet_v2::{ALPHAS, SHA256_0_35, sha256_hex, weight_file_name};

/// Where Keras publishes the MobileNetV2 weight files.
pub const KERAS_BASE_URL: &str = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2";
/// Size of the official α 0.35 file.
pub const SIZE_0_35: u64 = 2_019_640;

/// The weight cache: `$XDG_CACHE_HOME/beckon/weights` or `~/.cache/beckon/weights`.
pub fn weight_dir() -> Option<PathBuf> {
    super::cache::FeatureCache::default_dir().and_then(|d| d.parent().map(|p| p.join("weights")))
}

/// The cached official file for `alpha`, if it is there.
pub fn cached_weights(alpha: f32) -> Option<PathBuf> {
    weight_dir().map(|d| d.join(weight_file_name(alpha))).filter(|p| p.is_file())
}

/// What a fetch did.
#[derive(Debug)]
pub struct Fetched {
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    /// True if the file was already there and checked, not downloaded.
    pub cached: bool,
}

/// Downloads the MobileNetV2 no-top file for `alpha` from `base_url` into `dir` (written to a
/// `.part` file, checked, then renamed). For α 0.35 size and sha256 must match the official file;
/// for the others the sha256 is recorded beside it (`FILE.sha256`) and printed.
pub fn fetch_mobilenet_v2(alpha: f32, dir: &Path, base_url: &str) -> Result<Fetched> {
    if !ALPHAS.contains(&alpha) {
        bail!("--alpha {alpha}: Keras publishes MobileNetV2 weights for alpha {ALPHAS:?}");
    }
    let name = weight_file_name(alpha);
    let path = dir.join(&name);
    if path.is_file() {
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if let Ok(sha) = check(alpha, &bytes, &path) {
            return Ok(Fetched { path, bytes: bytes.len() as u64, sha256: sha, cached: true });
        }
        log::warn!("{} is there but does not check out; downloading it again", path.display());
    }
    let url = format!("{base_url}/{name}");
    let offline = |e: &dyn std::fmt::Display| {
        anyhow::anyhow!(
            "cannot download {url}: {e}. Offline? Get {name} on a machine with network and put it at {} \
             (or pass --weights FILE.h5 to `beckon-train fit`)",
            path.display()
        )
    };
    let response = ureq::get(&url).call().map_err(|e| offline(&e))?;
    let mut bytes = Vec::new();
    response.into_body().into_reader().take(512 << 20).read_to_end(&mut bytes).map_err(|e| offline(&e))?;
    let sha = check(alpha, &bytes, Path::new(&url))?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let part = dir.join(format!("{name}.part"));
    std::fs::write(&part, &bytes).with_context(|| format!("cannot write {}", part.display()))?;
    std::fs::rename(&part, &path).with_context(|| format!("cannot move {} to {}", part.display(), path.display()))?;
    if alpha != 0.35 {
        std::fs::write(dir.join(format!("{name}.sha256")), format!("{sha}  {name}\n"))?;
    }
    Ok(Fetched { path, bytes: bytes.len() as u64, sha256: sha, cached: false })
}

/// The sha256 of `bytes`, after checking size and hash where they are known.
fn check(alpha: f32, bytes: &[u8], from: &Path) -> Result<String> {
    let sha = sha256_hex(bytes);
    if alpha == 0.35 && (bytes.len() as u64 != SIZE_0_35 || sha != SHA256_0_35) {
        bail!(
            "{}: {} bytes with sha256 {sha}; the official alpha 0.35 file has {SIZE_0_35} bytes and sha256 {SHA256_0_35}. \
             Nothing was kept; try again, or check what the address serves",
            from.display(),
            bytes.len()
        );
    }
    Ok(sha)
}
