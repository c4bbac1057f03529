//! What `beckon-train` refuses up front, and how a training that goes wrong says so (issue 20):
//! numeric options out of range, a learning rate that is not a number, an output folder inside
//! the data it reads, labels with control characters; a diverged training stops at the epoch it
//! diverged and leaves the previous model as it was.

use crate::common;

use std::process::Command;

use beckon_trainer::fit::run_fit;
use common::{quick_job, small_fingers, temp_dir};

fn train(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_beckon-train")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn out_of_range_options_are_refused_before_anything_is_read() {
    let dir = temp_dir("bounds");
    let data = dir.join("data");
    small_fingers(&data, 2);
    let out = dir.join("model");
    let (d, o) = (data.to_str().unwrap(), out.to_str().unwrap());
    for (flag, value) in [
        ("--input-size", "100000"),
        ("--input-size", "0"),
        ("--lr", "nan"),
        ("--lr", "1e30"),
        ("--lr", "0"),
        ("--batch-size", "0"),
        ("--epochs", "0"),
        ("--val-split", "inf"),
        ("--dropout", "1.5"),
        ("--views", "100000"),
        ("--hidden", "0"),
    ] {
        let (ok, err) = train(&["fit", "--data", d, "--out", o, flag, value]);
        assert!(!ok, "{flag} {value} accepted");
        assert!(err.contains(flag) && !err.contains("memory allocation"), "{flag} {value}: {err}");
    }
    assert!(!out.exists(), "a refused run made its output folder");
}

#[test]
fn an_output_folder_inside_the_data_is_refused() {
    let dir = temp_dir("out-in-data");
    let data = dir.join("data");
    small_fingers(&data, 2);
    let inside = data.join("mymodel");
    let (ok, err) = train(&["fit", "--data", data.to_str().unwrap(), "--out", inside.to_str().unwrap(), "--epochs", "1", "--input-size", "16"]);
    assert!(!ok && err.contains("inside the data folder"), "{err}");
    assert!(!inside.exists());
}

#[test]
fn class_folders_with_control_characters_are_refused() {
    let dir = temp_dir("bad-label");
    let data = dir.join("data");
    small_fingers(&data, 2);
    std::fs::rename(data.join("5"), data.join("fi\nve")).unwrap();
    let (ok, err) = train(&["fit", "--data", data.to_str().unwrap(), "--out", dir.join("m").to_str().unwrap(), "--epochs", "1", "--input-size", "16"]);
    assert!(!ok && err.contains("control characters"), "{err}");
}

#[test]
fn a_diverged_training_says_so_at_its_epoch_and_writes_nothing() {
    let dir = temp_dir("diverged");
    let data = dir.join("data");
    small_fingers(&data, 4);
    let out = dir.join("model");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("model.onnx"), b"previous model").unwrap();
    let mut job = quick_job(&data, &out, 16, 3);
    job.fit.learning_rate = 1e30;
    let e = run_fit(&job).unwrap_err().to_string();
    assert!(e.contains("diverged at epoch 1") && e.contains("--lr"), "{e}");
    assert_eq!(std::fs::read(out.join("model.onnx")).unwrap(), b"previous model");
}
