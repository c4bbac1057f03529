//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

#[path = "../../firmware/tests/common/scratch.rs"]
mod scratch;

pub use scratch::Scratch;

use std::path::{Path, PathBuf};

use beckon_trainer::backbone::augment::Augmentation;
use beckon_trainer::backbone::cache::FeatureCache;
use beckon_trainer::fit::FitJob;
use beckon_trainer::fit::{DataFolder, TransferJob};
use beckon_trainer::train::FitOptions;
use beckon_trainer::train::head::HeadOptions;

/// The finger dataset shipped in the repository.
pub fn fingers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fingers")
}

/// A fresh, empty folder for one test, removed when the test is done with it.
pub fn temp_dir(test: &str) -> Scratch {
    Scratch::new(&format!("test-{test}"))
}

/// Copies the first `per_class` images of every class of the shipped dataset into `dest`,
/// keeping the folder-per-class layout. Returns the labels.
pub fn small_fingers(dest: &Path, per_class: usize) -> Vec<String> {
    let mut labels = Vec::new();
    let mut classes: Vec<PathBuf> = std::fs::read_dir(fingers()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
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
        find_hand: None,
        fit: FitOptions { epochs, batch_size: 16, learning_rate: 1e-3, seed: 7, progress: false },
        command: "test".into(),
    }
}

/// A folder of `../shared` (beside the repository), or `None` with the reason printed: a user's
/// fresh clone has no `../shared`, so tests that need it skip there (CI has it).
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared").join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} is absent (../shared beside the repository holds it; CI has it)", path.display());
        None
    }
}

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A quick transfer job on `backbone`: no cache, no progress bars, 2 views, small head epochs.
pub fn transfer_job(backbone: PathBuf, data: Vec<DataFolder>, out: PathBuf) -> TransferJob {
    TransferJob {
        backbone,
        backbone_mean: Some("127.5".into()),
        backbone_std: Some("127.5".into()),
        data,
        out,
        val_fraction: 0.25,
        views: 1,
        augmentation: Augmentation::default(),
        head: HeadOptions { epochs: 30, patience: 5, batch_size: 16, seed: 3, progress: false, ..HeadOptions::default() },
        threads: 2,
        cache: FeatureCache::new(None),
        limit_per_class: None,
        fine_tune: 0,
        backbone_lr_factor: 0.1,
        no_hand_label: "none".into(),
        exclude_sessions: Vec::new(),
        leave_one_session_out: false,
        command: "test".into(),
    }
}
