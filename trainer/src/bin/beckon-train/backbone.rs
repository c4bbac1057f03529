//! `beckon-train backbone fetch`: the one command that uses the network.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Subcommand;

use crate::fit::Arch;

#[derive(Subcommand, Debug)]
pub enum BackboneAction {
    /// Download a backbone's official weights (the only command that uses the network).
    ///
    /// Example: beckon-train backbone fetch mobilenet-v2 --alpha 0.35
    Fetch {
        #[arg(value_enum)]
        backbone: Arch,
        #[arg(long, default_value_t = 0.35)]
        alpha: f32,
        /// Folder to keep it in. Default: ~/.cache/beckon/weights.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Where to download from (a mirror).
        #[arg(long, default_value = beckon_trainer::backbone::fetch::KERAS_BASE_URL)]
        base_url: String,
    },
}

pub fn run(action: BackboneAction) -> Result<()> {
    let BackboneAction::Fetch { backbone, alpha, dir, base_url } = action;
    if backbone != Arch::MobilenetV2 {
        bail!("only mobilenet-v2 has weights to fetch; the CNN trains from scratch and the shipped backbone is in models/backbones/");
    }
    let dir = dir.or_else(beckon_trainer::backbone::fetch::weight_dir).ok_or_else(|| anyhow::anyhow!("no home folder for the cache; pass --dir"))?;
    let f = beckon_trainer::backbone::fetch::fetch_mobilenet_v2(alpha, &dir, &base_url)?;
    println!("{} {} ({} bytes, sha256 {})", if f.cached { "already there:" } else { "downloaded and checked:" }, f.path.display(), f.bytes, f.sha256);
    Ok(())
}
