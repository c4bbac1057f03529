//! `beckon-train`: the desktop trainer. Thin: parses arguments and calls the library, one file
//! per subcommand.

mod backbone;
mod bounds;
mod data;
mod eval;
mod fit;
mod quantize;

use anyhow::Result;
use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  # Train the seed CNN on the shipped finger images (tens of minutes on 2 cores at 224×224;
  # models/fingers-cnn/README.md records how long it took)
  beckon-train fit --data trainer/data/fingers --out models/fingers-cnn

  # Quantized variants of it (int8 weights-only, static int8 QDQ, f16), measured and compared
  beckon-train quantize --model models/fingers-cnn/model.onnx --data trainer/data/fingers

  # A quick run at a small input size
  beckon-train fit --data trainer/data/fingers --out /tmp/quick --input-size 64 --epochs 5

  # Re-create the shipped dataset from the PyPI wheel
  pip download --no-deps simple-pytorch-wrapper==0.0.6
  beckon-train import-digits --wheel simple_pytorch_wrapper-0.0.6-py3-none-any.whl --out fingers/";

/// beckon-train: train a hand-gesture classifier on a desktop and export it for the beckon
/// firmware (one ONNX file with the labels and the preprocessing inside).
#[derive(Parser, Debug)]
#[command(version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a model (the seed CNN; --backbone FILE or --arch: transfer learning; --landmarks:
    /// a hand-landmark model) on folder-per-class data and export a verified ONNX model, its
    /// training curves (accuracy.png, loss.png, history.json) and a model card (README.md).
    ///
    /// The dataset is `DIR/<label>/<image>.png|jpg`, one sub-folder per class (the Keras
    /// flow_from_directory convention). Files that are not images are skipped with a warning.
    /// The output folder is only changed if the whole run succeeds.
    ///
    /// Example: beckon-train fit --data trainer/data/fingers --out models/fingers-cnn
    ///
    /// Hand landmarks: beckon-train fit --landmarks lite --data DIR --group-by prefix --leave-one-session-out --out OUT
    Fit(Box<fit::FitArgs>),
    /// Make quantized variants of an f32 model beside it (model.int8.onnx, model.qdq.onnx,
    /// model.f16.onnx), check each through the firmware library, and report accuracy, agreement
    /// with f32, size and tract latency in quantization.json and the model card, with the variant
    /// recommended for the Pi.
    ///
    /// Calibration images come from the training part of the dataset, validation from the same
    /// split `fit` made (same --val-split and --seed), so pass what you passed to `fit`.
    /// Existing variants are replaced only if the whole run succeeds.
    ///
    /// Example: beckon-train quantize --model models/fingers-cnn/model.onnx --data trainer/data/fingers
    Quantize(quantize::QuantizeCmd),
    /// Measure a model on a folder-per-class dataset through the firmware library (the device's
    /// preprocessing and inference): accuracy, per-class precision and recall, and the confusion
    /// matrix, printed and drawn as a PNG (default: confusion.png beside the model).
    ///
    /// Class folders are matched to the model's labels by name; a folder may hold a subset.
    ///
    /// Example: beckon-train eval --model models/fingers-cnn/model.onnx --data ../shared/datasets/hands
    Eval(eval::EvalArgs),
    /// Pretrained backbones: `beckon-train backbone fetch mobilenet-v2 --alpha 0.35` downloads
    /// Keras' official MobileNetV2 weight file once into ~/.cache/beckon/weights (checked: size
    /// and sha256 for alpha 0.35; for other alphas the sha256 is recorded), where
    /// `fit --arch mobilenet-v2` finds it without --weights.
    Backbone {
        #[command(subcommand)]
        action: backbone::BackboneAction,
    },
    /// List the validation files `fit` holds out for a dataset, split fraction and seed (the
    /// split is deterministic), one `LABEL PATH` per line.
    ///
    /// Example: beckon-train split --data trainer/data/fingers --val-split 0.2 --seed 42
    Split(data::SplitArgs),
    /// Convert the Sign Language Digits dataset (Arda Mavi, Apache-2.0; in the PyPI wheel
    /// simple-pytorch-wrapper==0.0.6) into a folder-per-class tree of PNGs, one folder per digit.
    ///
    /// Example: beckon-train import-digits --wheel simple_pytorch_wrapper-0.0.6-py3-none-any.whl --out fingers/
    ImportDigits(data::ImportArgs),
}

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn real_main() -> Result<()> {
    // Filtered with BECKON_LOG, as `beckon` is (e.g. `BECKON_LOG=info`); default: warnings.
    env_logger::Builder::from_env(env_logger::Env::new().filter_or("BECKON_LOG", "warn")).init();
    let command_line = std::iter::once("beckon-train".to_string()).chain(std::env::args().skip(1)).collect::<Vec<_>>().join(" ");
    match Cli::parse().command {
        Command::Fit(args) => fit::run(*args, command_line),
        Command::Quantize(cmd) => quantize::run(cmd, command_line),
        Command::Eval(args) => eval::run(args),
        Command::Backbone { action } => backbone::run(action),
        Command::Split(args) => data::split(args),
        Command::ImportDigits(args) => data::import_digits(args),
    }
}
