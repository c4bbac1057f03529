//! Reading Keras weight files (`.h5`, the legacy HDF5 layout Keras applications ship): each
//! layer is a group `G` holding datasets `G/G/<weight>:0`, under `model_weights/` in a whole
//! saved model. Pure Rust (`hdf5-pure`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// An open Keras weight file.
pub struct KerasWeights {
    path: PathBuf,
    file: hdf5_pure::File,
    /// `model_weights/` in a whole saved model (`model.save("m.h5")`), else empty.
    root: &'static str,
}

impl KerasWeights {
    /// Opens `path`; the error says what to do if it is missing or not HDF5.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.is_file() {
            bail!("weight file {} does not exist", path.display());
        }
        let file =
            hdf5_pure::File::open(path).with_context(|| format!("weight file {}: not a readable HDF5 file (a Keras .h5 was expected)", path.display()))?;
        let root = if file.dataset("model_weights").is_ok() || file.group("model_weights").is_ok() { "model_weights/" } else { "" };
        Ok(Self { path: path.to_path_buf(), file, root })
    }

    /// The f32 array `group/group/name:0` and its shape, checked against `shape`.
    pub fn array(&self, group: &str, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let at = format!("{}{group}/{group}/{name}:0", self.root);
        let ds = self.file.dataset(&at).map_err(|e| {
            anyhow::anyhow!("weight file {}: dataset {at} is missing ({e}); is this the Keras file of this architecture and alpha?", self.path.display())
        })?;
        let got: Vec<usize> = ds
            .shape()
            .with_context(|| format!("weight file {}: cannot read the shape of {at}", self.path.display()))?
            .into_iter()
            .map(|d| d as usize)
            .collect();
        if got != shape {
            bail!("weight file {}: dataset {at} has shape {got:?}, expected {shape:?}; the file is for another alpha or architecture", self.path.display());
        }
        ds.read_f32().with_context(|| format!("weight file {}: cannot read {at} as f32", self.path.display()))
    }
}
