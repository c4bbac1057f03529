//! Dataset commands: `split` (the validation files `fit` holds out) and `import-digits`.

use std::path::PathBuf;

use anyhow::{Result, bail};
use beckon_trainer::dataset::{import, load_folder, stratified_split};

#[derive(clap::Args, Debug)]
pub struct SplitArgs {
    #[arg(long)]
    pub data: PathBuf,
    #[arg(long, default_value_t = 0.2, value_parser = crate::bounds::real(0.0, 0.9))]
    pub val_split: f64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

pub fn split(args: SplitArgs) -> Result<()> {
    let SplitArgs { data, val_split, seed } = args;
    let loaded = load_folder(&data, 8, None)?;
    let (_, val) = stratified_split(loaded.samples, loaded.labels.len(), val_split, seed);
    for s in val {
        println!("{} {}", loaded.labels[s.label], s.path.display());
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The wheel file (get it with `pip download --no-deps simple-pytorch-wrapper==0.0.6`).
    #[arg(long, conflicts_with = "npy_dir", required_unless_present = "npy_dir")]
    pub wheel: Option<PathBuf>,
    /// Or a folder holding X.npy and Y.npy.
    #[arg(long)]
    pub npy_dir: Option<PathBuf>,
    /// Output folder; its class folders must be empty or absent.
    #[arg(long)]
    pub out: PathBuf,
    /// Digits to keep (0–5 are finger counts; 6–9 are other signs).
    #[arg(long, value_delimiter = ',', default_value = "0,1,2,3,4,5")]
    pub digits: Vec<usize>,
}

pub fn import_digits(args: ImportArgs) -> Result<()> {
    let ImportArgs { wheel, npy_dir, out, digits } = args;
    let data = match (wheel, npy_dir) {
        (Some(w), _) => import::read_wheel(&w)?,
        (None, Some(d)) => import::read_npy_dir(&d)?,
        (None, None) => bail!("pass --wheel FILE.whl or --npy-dir DIR"),
    };
    let counts = import::write_png_tree(&data, &digits, &out)?;
    for (d, n) in counts {
        println!("{}/{d}: {n} images", out.display());
    }
    Ok(())
}
