//! Reading Keras weight files (`.h5`, the legacy HDF5 layout Keras applications ship): each
//! layer is a group `G` holding datasets `G/G/<weight>:0`, under `model_weights/` in a whole
//! saved model. A model nested in a `Sequential` (a Teachable Machine export: the backbone is the
//! inner `sequential_1`) keeps its layers as `model_weights/<inner>/<layer>/<weight>:0`, under the
//! layer names of the Keras version that saved it; [`KerasWeights::with_alias`] maps the
//! official names to those. Pure Rust (`hdf5-pure`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// An open Keras weight file.
pub struct KerasWeights {
    path: PathBuf,
    file: hdf5_pure::File,
    /// `model_weights/` in a whole saved model (`model.save("m.h5")`), else empty.
    root: &'static str,
    /// In a whole saved model whose backbone is a nested `Sequential`: that model's group.
    nested: Option<&'static str>,
    /// The layer name in a nested model for an official layer name.
    alias: fn(&str) -> String,
}

/// Group names a nested backbone model is saved under by Keras' `Sequential` (Teachable
/// Machine's exports use `sequential_1`).
const NESTED: [&str; 3] = ["sequential_1", "sequential", "sequential_2"];

impl KerasWeights {
    /// Opens `path`; the error says what to do if it is missing or not HDF5.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.is_file() {
            bail!("weight file {} does not exist", path.display());
        }
        let file =
            hdf5_pure::File::open(path).with_context(|| format!("weight file {}: not a readable HDF5 file (a Keras .h5 was expected)", path.display()))?;
        let root = if file.dataset("model_weights").is_ok() || file.group("model_weights").is_ok() { "model_weights/" } else { "" };
        let nested = if root.is_empty() { None } else { NESTED.into_iter().find(|n| file.group(&format!("model_weights/{n}")).is_ok()) };
        Ok(Self { path: path.to_path_buf(), file, root, nested, alias: |name| name.to_string() })
    }

    /// Looks layers of a nested model up under `alias(official name)`.
    pub fn with_alias(mut self, alias: fn(&str) -> String) -> Self {
        self.alias = alias;
        self
    }

    /// Where `group`'s weight `name` is: the official `G/G/name:0`, else (in a nested model)
    /// `model_weights/<inner>/<alias(G)>/name:0`.
    fn locate(&self, group: &str, name: &str) -> String {
        let official = format!("{}{group}/{group}/{name}:0", self.root);
        match self.nested {
            Some(inner) if self.file.dataset(&official).is_err() => format!("model_weights/{inner}/{}/{name}:0", (self.alias)(group)),
            _ => official,
        }
    }

    /// The f32 array `group/group/name:0` and its shape, checked against `shape`.
    pub fn array(&self, group: &str, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let at = self.locate(group, name);
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
