//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use beckon_trainer::pipeline::FitJob;
use beckon_trainer::train::FitOptions;

/// The finger dataset shipped in the repository.
pub fn fingers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fingers")
}

/// A fresh, empty folder for one test.
pub fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("beckon-test-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies the first `per_class` images of every class of the shipped dataset into `dest`,
/// keeping the folder-per-class layout. Returns the labels.
pub fn small_fingers(dest: &Path, per_class: usize) -> Vec<String> {
    let mut labels = Vec::new();
    let mut classes: Vec<PathBuf> =
        std::fs::read_dir(fingers()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    classes.sort();
    for class in classes {
        let label = class.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&class).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        std::fs::create_dir_all(dest.join(&label)).unwrap();
        for f in files.iter().take(per_class) {
            std::fs::copy(f, dest.join(&label).join(f.file_name().unwrap())).unwrap();
        }
        labels.push(label);
    }
    labels
}

/// A quick fit job: small input, few epochs, no progress bars.
pub fn quick_job(data: &Path, out: &Path, input_size: u32, epochs: usize) -> FitJob {
    FitJob {
        data: data.to_path_buf(),
        val_data: None,
        out: out.to_path_buf(),
        input_size,
        val_fraction: 0.25,
        limit_per_class: None,
        fit: FitOptions { epochs, batch_size: 16, learning_rate: 1e-3, seed: 7, progress: false },
        command: "test".into(),
    }
}
