//! The pipeline itself: the stages a [`ModelKind`] provides, and [`run`], which drives them
//! and publishes the outputs together.

use std::path::Path;

use anyhow::{Context, Result};
use beckon::ModelInfo;

use crate::files;

/// The card's file name in the output folder.
pub const CARD_FILE: &str = "README.md";

/// One kind of model, as the pipeline drives it.
pub trait ModelKind {
    /// The data, loaded and split (and, for a backbone, its features computed).
    type Prepared;
    /// What training produced.
    type Trained;
    /// What the run tells its caller (and the card shows).
    type Report;

    /// The output folder.
    fn out(&self) -> &Path;
    /// Data → split → features.
    fn prepare(&self) -> Result<Self::Prepared>;
    /// Training (and, where asked, the leave-one-session-out runs).
    fn train(&self, prepared: &Self::Prepared) -> Result<Self::Trained>;
    /// The model's metadata (labels, input, preprocessing, how it was trained).
    fn describe(&self, prepared: &Self::Prepared, trained: &Self::Trained) -> ModelInfo;
    /// Into `dir`: the model file, verified through the firmware library, evaluated, with its
    /// charts and figures. Returns the report and the names of the files written (the card
    /// aside).
    fn export(&self, dir: &Path, prepared: &Self::Prepared, trained: Self::Trained, info: &ModelInfo) -> Result<(Self::Report, Vec<String>)>;
    /// The model card (Markdown).
    fn card(&self, prepared: &Self::Prepared, info: &ModelInfo, report: &Self::Report) -> String;
}

/// Runs every stage of `kind` and publishes its outputs together.
pub fn run<K: ModelKind>(kind: &K) -> Result<K::Report> {
    let prepared = kind.prepare()?;
    let trained = kind.train(&prepared)?;
    let info = kind.describe(&prepared, &trained);
    let out = kind.out();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let staging = files::staging_dir(out)?;
    let written = kind.export(&staging, &prepared, trained, &info).and_then(|(report, mut names)| {
        let card = kind.card(&prepared, &info, &report);
        std::fs::write(staging.join(CARD_FILE), card).with_context(|| format!("cannot write the model card in {}", staging.display()))?;
        names.push(CARD_FILE.into());
        Ok((report, names))
    });
    match written {
        Ok((report, names)) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            files::publish(&staging, out, &names)?;
            log::info!("outputs written to {}", out.display());
            Ok(report)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}
