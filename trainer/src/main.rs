//! `beckon-train`: the desktop trainer. Thin: parses arguments and calls the library.

use std::path::PathBuf;

use anyhow::{bail, Result};
use beckon_trainer::dataset::{import, load_folder, stratified_split};
use beckon_trainer::pipeline::{run_fit, FitJob};
use beckon_trainer::quantize::{run_quantize, Method, QuantizeJob, QuantizeReport, Variant};
use beckon_trainer::backbone::augment::Augmentation;
use beckon_trainer::backbone::cache::FeatureCache;
use beckon_trainer::dataset::groups::GroupBy;
use beckon_trainer::train::head::HeadOptions;
use beckon_trainer::train::FitOptions;
use beckon_trainer::transfer::{run_transfer, DataFolder, TransferJob};
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
    /// Train the seed CNN on a folder-per-class dataset and export a verified ONNX model, its
    /// training curves (accuracy.png, loss.png, history.json) and a model card (README.md).
    ///
    /// The dataset is `DIR/<label>/<image>.png|jpg`, one sub-folder per class (the Keras
    /// flow_from_directory convention). Files that are not images are skipped with a warning.
    /// The output folder is only changed if the whole run succeeds.
    ///
    /// Example: beckon-train fit --data trainer/data/fingers --out models/fingers-cnn
    #[command(group(clap::ArgGroup::new("transfer").args(["backbone", "landmarks"]).multiple(false)))]
    Fit {
        /// Folder-per-class training images. Repeat to train on several folders at once (with
        /// --backbone; they need the same class folders); each is split and reported on its own.
        #[arg(long, required = true)]
        data: Vec<PathBuf>,
        /// How each --data folder is split (one value for all, or one per folder): `none` = a
        /// stratified split by file; `prefix` = whole capture sessions (file name up to the first
        /// `_`) held out, so near-identical frames never sit on both sides.
        #[arg(long, value_enum, value_delimiter = ',', default_value = "none")]
        group_by: Vec<GroupBy>,
        /// The network: `cnn` (the seed CNN, trained from scratch), `mobilenet-v2` (Keras'
        /// MobileNetV2, frozen, built from its ImageNet weight file --weights, with a head), or
        /// give --backbone FILE.onnx for any other feature extractor.
        #[arg(long, value_enum, default_value_t = Arch::Cnn, conflicts_with = "backbone")]
        arch: Arch,
        /// MobileNetV2 width multiplier (0.35, 0.5, 0.75, 1.0, 1.3, 1.4).
        #[arg(long, default_value_t = 0.35)]
        alpha: f32,
        /// MobileNetV2: the Keras no-top weight file for --alpha
        /// (mobilenet_v2_weights_tf_dim_ordering_tf_kernels_<alpha>_224_no_top.h5).
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Train a transfer model on this ONNX feature extractor (image in, features out), frozen,
        /// with a Dense/Dropout/Dense head, instead of the seed CNN. Shipped:
        /// models/backbones/mobilenet_v1_1.0_224/backbone.onnx.
        #[arg(long)]
        backbone: Option<PathBuf>,
        /// Train a hand-landmark gesture model: MediaPipe's hand-landmark network (`full` or
        /// `lite`, shipped in models/backbones/hand_landmark_*), hand features (joint angles,
        /// distances) and a Dense/Dropout/Dense head; the model gets a no-hand label and a
        /// `landmarks` output. What carries over to people the model never saw.
        #[arg(long, value_enum, conflicts_with = "arch")]
        landmarks: Option<Landmarks>,
        /// With --landmarks: the label given when no hand is in view (p = 1 − hand presence).
        #[arg(long, default_value = "none", requires = "landmarks")]
        no_hand_label: String,
        /// Leave these capture sessions (file-name prefixes) out of every --data folder, e.g.
        /// the session your replay frames come from.
        #[arg(long, value_delimiter = ',')]
        exclude_sessions: Vec<String>,
        /// Also measure what a new user will see: for every session of each --data folder split
        /// by session (--group-by prefix), train a head on the other sessions and test on it;
        /// per session and pooled, in the model card and leave-one-session-out.json.
        #[arg(long)]
        leave_one_session_out: bool,
        /// The backbone's input normalisation (x − mean) / std on 0–255 pixels: one value or
        /// R,G,B. Default: from the backbone's metadata.
        #[arg(long)]
        backbone_mean: Option<String>,
        #[arg(long)]
        backbone_std: Option<String>,
        /// With --backbone: augmented views per training image (random crop, rotation, light,
        /// colour, grey; no flips).
        #[arg(long, default_value_t = 2)]
        views: usize,
        /// With --backbone: units of the head's hidden layer, and its dropout.
        #[arg(long, default_value_t = 100)]
        hidden: usize,
        #[arg(long, default_value_t = 0.5)]
        dropout: f64,
        /// With --backbone: stop when validation loss has not improved for this many epochs.
        #[arg(long, default_value_t = 8)]
        patience: usize,
        /// With --backbone or --arch mobilenet-v2: fine-tune the last K blocks of the backbone
        /// (from its K-th depthwise convolution from the end) with the head, on augmented
        /// images, at --backbone-lr-factor × --lr; batch norm stays frozen. 0 = frozen backbone.
        #[arg(long, default_value_t = 0)]
        fine_tune: usize,
        #[arg(long, default_value_t = 0.1)]
        backbone_lr_factor: f64,
        /// With --backbone: threads computing features.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// With --backbone: do not read or write the feature cache (~/.cache/beckon/features).
        #[arg(long)]
        no_cache: bool,
        /// Folder-per-class validation images (same classes). Default: a stratified split of --data.
        #[arg(long)]
        val_data: Option<PathBuf>,
        /// Output folder (created if needed).
        #[arg(long)]
        out: PathBuf,
        /// Input width and height in pixels; images are centre-cropped and resized to it.
        #[arg(long, default_value_t = 224)]
        input_size: u32,
        /// Epochs (the CNN: 20; a transfer head: at most 60, early stopping).
        #[arg(long)]
        epochs: Option<usize>,
        #[arg(long, default_value_t = 32)]
        batch_size: usize,
        /// Adam learning rate.
        #[arg(long, default_value_t = 1e-3)]
        lr: f64,
        /// Fraction of each class held out for validation when --val-data is not given.
        #[arg(long, default_value_t = 0.2)]
        val_split: f64,
        /// Seed for the split, the shuffling and the initial weights.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Use at most N images per class (the first N by file name), for quick runs.
        #[arg(long)]
        limit_per_class: Option<usize>,
        /// No progress bars (logs only).
        #[arg(long)]
        no_progress: bool,
        /// Also make the quantized variants (as `beckon-train quantize` with its defaults).
        #[arg(long)]
        quantize: bool,
    },
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
    Quantize {
        /// The f32 model made by `beckon-train fit`.
        #[arg(long)]
        model: PathBuf,
        #[command(flatten)]
        q: QuantizeArgs,
    },
    /// Measure a model on a folder-per-class dataset through the firmware library (the device's
    /// preprocessing and inference): accuracy, per-class precision and recall, and the confusion
    /// matrix, printed and drawn as a PNG (default: confusion.png beside the model).
    ///
    /// Class folders are matched to the model's labels by name; a folder may hold a subset.
    ///
    /// Example: beckon-train eval --model models/fingers-cnn/model.onnx --data ../shared/datasets/hands
    Eval {
        /// The ONNX model (any beckon model, quantized variants too).
        #[arg(long)]
        model: PathBuf,
        /// Folder-per-class images.
        #[arg(long)]
        data: PathBuf,
        /// Where to draw the confusion matrix. Default: MODEL_DIR/confusion-DATA.png.
        #[arg(long)]
        chart: Option<PathBuf>,
        /// Also write the counts as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Only these capture sessions (file-name prefixes, as `fit --group-by prefix` names
        /// them), e.g. the held-out sessions a model card lists.
        #[arg(long, value_delimiter = ',')]
        sessions: Vec<String>,
    },
    /// Pretrained backbones: `beckon-train backbone fetch mobilenet-v2 --alpha 0.35` downloads
    /// Keras' official MobileNetV2 weight file once into ~/.cache/beckon/weights (checked: size
    /// and sha256 for alpha 0.35; for other alphas the sha256 is recorded), where
    /// `fit --arch mobilenet-v2` finds it without --weights.
    Backbone {
        #[command(subcommand)]
        action: BackboneAction,
    },
    /// List the validation files `fit` holds out for a dataset, split fraction and seed (the
    /// split is deterministic), one `LABEL PATH` per line.
    ///
    /// Example: beckon-train split --data trainer/data/fingers --val-split 0.2 --seed 42
    Split {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value_t = 0.2)]
        val_split: f64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Convert the Sign Language Digits dataset (Arda Mavi, Apache-2.0; in the PyPI wheel
    /// simple-pytorch-wrapper==0.0.6) into a folder-per-class tree of PNGs, one folder per digit.
    ///
    /// Example: beckon-train import-digits --wheel simple_pytorch_wrapper-0.0.6-py3-none-any.whl --out fingers/
    ImportDigits {
        /// The wheel file (get it with `pip download --no-deps simple-pytorch-wrapper==0.0.6`).
        #[arg(long, conflicts_with = "npy_dir", required_unless_present = "npy_dir")]
        wheel: Option<PathBuf>,
        /// Or a folder holding X.npy and Y.npy.
        #[arg(long)]
        npy_dir: Option<PathBuf>,
        /// Output folder; its class folders must be empty or absent.
        #[arg(long)]
        out: PathBuf,
        /// Digits to keep (0–5 are finger counts; 6–9 are other signs).
        #[arg(long, value_delimiter = ',', default_value = "0,1,2,3,4,5")]
        digits: Vec<usize>,
    },
}

#[derive(Subcommand, Debug)]
enum BackboneAction {
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

#[derive(clap::Args, Debug)]
struct QuantizeArgs {
    /// The dataset the model was trained on.
    #[arg(long)]
    data: PathBuf,
    /// The validation folder, if the model was trained with --val-data.
    #[arg(long)]
    val_data: Option<PathBuf>,
    /// The --val-split the model was trained with.
    #[arg(long, default_value_t = 0.2)]
    val_split: f64,
    /// The --seed the model was trained with.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Training images used to calibrate the activation ranges of the QDQ variant.
    #[arg(long, default_value_t = 200)]
    calibration_images: usize,
    /// How an activation's range is chosen from the calibration values.
    #[arg(long, value_enum, default_value_t = Calibration::Percentile)]
    calibration: Calibration,
    /// Percentile kept at each end with --calibration percentile.
    #[arg(long, default_value_t = 99.99)]
    percentile: f64,
    /// Variants to make.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "int8,qdq,f16")]
    variants: Vec<Variant>,
    /// Timed inferences per model for the latency comparison.
    #[arg(long, default_value_t = 100)]
    latency_runs: usize,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum Calibration {
    /// Smallest and largest value seen.
    Minmax,
    /// --percentile at each end (ignores rare outliers).
    Percentile,
}

impl QuantizeArgs {
    fn job(self, model: PathBuf, command: String) -> QuantizeJob {
        QuantizeJob {
            model,
            data: self.data,
            val_data: self.val_data,
            val_fraction: self.val_split,
            seed: self.seed,
            calibration_images: self.calibration_images,
            method: match self.calibration {
                Calibration::Minmax => Method::MinMax,
                Calibration::Percentile => Method::Percentile(self.percentile),
            },
            variants: self.variants,
            latency_runs: self.latency_runs,
            command,
        }
    }
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Arch {
    Cnn,
    #[value(name = "mobilenet-v2", alias = "mobilenet_v2")]
    MobilenetV2,
}

/// The shipped MediaPipe hand-landmark networks.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Landmarks {
    Full,
    Lite,
}

impl Landmarks {
    /// `models/backbones/hand_landmark_<v>/landmarks.onnx`, from the working folder (the
    /// repository root) or else from the source tree this binary was built from.
    fn file(self) -> Result<PathBuf> {
        let name = match self {
            Landmarks::Full => "full",
            Landmarks::Lite => "lite",
        };
        let relative = PathBuf::from(format!("models/backbones/hand_landmark_{name}/landmarks.onnx"));
        let built_from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(&relative);
        [relative.clone(), built_from]
            .into_iter()
            .find(|p| p.is_file())
            .ok_or_else(|| anyhow::anyhow!("--landmarks {name}: {} not found; run from the repository root, or pass --backbone FILE", relative.display()))
    }
}

/// Builds Keras' MobileNetV2 from `weights` into a temporary ONNX backbone and returns its path.
fn build_mobilenet_v2(weights: Option<&std::path::Path>, alpha: f32, size: u32) -> Result<PathBuf> {
    use beckon_trainer::backbone::mobilenet_v2;
    let official = mobilenet_v2::weight_file_name(alpha);
    let cached = beckon_trainer::backbone::fetch::cached_weights(alpha);
    let Some(weights) = weights.or(cached.as_deref()) else {
        bail!(
            "--arch mobilenet-v2 needs its ImageNet weights: the Keras file {official} from \
             {}/{official} (for alpha 0.35: 2,019,640 bytes, sha256 {}); run `beckon-train backbone fetch \
             mobilenet-v2 --alpha {alpha}` once, or download it yourself and pass --weights FILE.h5",
            beckon_trainer::backbone::fetch::KERAS_BASE_URL,
            mobilenet_v2::SHA256_0_35
        );
    };
    let bytes = std::fs::read(weights).map_err(|e| anyhow::anyhow!("--weights {}: {e}; download {official} (see --help)", weights.display()))?;
    let sha = mobilenet_v2::sha256_hex(&bytes);
    let provenance = format!(
        "Keras MobileNetV2 alpha {alpha} ImageNet weights {} (sha256 {sha}{}), built by beckon-train",
        weights.display(),
        if alpha == 0.35 && sha == mobilenet_v2::SHA256_0_35 { ", the official file" } else { "" }
    );
    let proto = mobilenet_v2::build(weights, alpha, size as usize, &provenance)?;
    let path = std::env::temp_dir().join(format!("beckon-mobilenet_v2-{}.onnx", std::process::id()));
    std::fs::write(&path, beckon_trainer::export::graph::encode(&proto))?;
    Ok(path)
}

fn print_quantize(r: &QuantizeReport) {
    print!("{}", beckon_trainer::quantize::report::table(r));
    println!("recommended for the Pi: {} ({})", r.recommended, r.reason);
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
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let command_line = std::iter::once("beckon-train".to_string()).chain(std::env::args().skip(1)).collect::<Vec<_>>().join(" ");
    match Cli::parse().command {
        Command::Quantize { model, q } => print_quantize(&run_quantize(&q.job(model, command_line))?),
        Command::Fit {
            data,
            group_by,
            arch,
            alpha,
            weights,
            backbone,
            landmarks,
            no_hand_label,
            exclude_sessions,
            leave_one_session_out,
            backbone_mean,
            backbone_std,
            views,
            hidden,
            dropout,
            patience,
            fine_tune,
            backbone_lr_factor,
            threads,
            no_cache,
            val_data,
            out,
            input_size,
            epochs,
            batch_size,
            lr,
            val_split,
            seed,
            limit_per_class,
            no_progress,
            quantize,
        } => {
            if !(0.0..1.0).contains(&val_split) {
                bail!("--val-split {val_split}: expected a fraction in [0, 1)");
            }
            if group_by.len() != 1 && group_by.len() != data.len() {
                bail!("--group-by has {} values for {} --data folders; give one for all or one per folder", group_by.len(), data.len());
            }
            let built = match arch {
                Arch::Cnn => None,
                Arch::MobilenetV2 => Some(build_mobilenet_v2(weights.as_deref(), alpha, input_size)?),
            };
            let landmark_file = landmarks.map(Landmarks::file).transpose()?;
            if let Some(backbone) = backbone.or(built.clone()).or(landmark_file) {
                if val_data.is_some() || quantize {
                    bail!("--val-data and --quantize are for the seed CNN; with --backbone each --data folder is split (--group-by) and reported on its own");
                }
                let job = TransferJob {
                    backbone,
                    backbone_mean,
                    backbone_std,
                    data: data
                        .iter()
                        .enumerate()
                        .map(|(i, p)| DataFolder { path: p.clone(), group_by: group_by[i.min(group_by.len() - 1)] })
                        .collect(),
                    out,
                    val_fraction: val_split,
                    views,
                    augmentation: Augmentation::default(),
                    head: HeadOptions {
                        hidden,
                        dropout,
                        epochs: epochs.unwrap_or(60),
                        patience,
                        batch_size,
                        learning_rate: lr,
                        seed,
                        progress: !no_progress,
                    },
                    threads,
                    cache: FeatureCache::new(if no_cache { None } else { FeatureCache::default_dir() }),
                    limit_per_class,
                    fine_tune,
                    backbone_lr_factor,
                    no_hand_label,
                    exclude_sessions,
                    leave_one_session_out,
                    command: command_line,
                };
                let r = run_transfer(&job);
                if let Some(tmp) = built {
                    let _ = std::fs::remove_file(tmp);
                }
                let r = r?;
                println!("model:      {} ({} bytes)", r.model_path.display(), r.file_bytes);
                println!("labels:     {}", r.labels.join(","));
                for f in &r.folders {
                    let e = &f.evaluation;
                    println!("held out:   {} — accuracy {:.4} (balanced {:.4}) on {} images", f.path.display(), e.accuracy(), e.balanced_accuracy(), e.total());
                }
                for l in &r.loso {
                    println!(
                        "new users:  {} — leave-one-session-out over {} sessions: pooled accuracy {:.4} (balanced {:.4}) on {} images",
                        l.folder.display(),
                        l.sessions.len(),
                        l.pooled.accuracy(),
                        l.pooled.balanced_accuracy(),
                        l.pooled.total()
                    );
                }
                println!("head:       best epoch {} of {}", r.best_epoch, r.epochs_run);
                println!("export:     max |burn − tract| {:.2e}", r.max_abs_diff);
                println!("time:       features {:.0} s, head {:.0} s, total {:.0} s", r.feature_seconds, r.head_seconds, r.total_seconds);
                println!("latency:    {:.2} ms median (tract, 1 thread, this machine)", r.latency_ms);
                return Ok(());
            }
            let [data] = <[PathBuf; 1]>::try_from(data).map_err(|d| {
                anyhow::anyhow!("{} --data folders: the seed CNN trains on one; several folders need --backbone", d.len())
            })?;
            if !exclude_sessions.is_empty() || leave_one_session_out {
                bail!("--exclude-sessions and --leave-one-session-out are for --backbone/--landmarks training (the seed CNN would retrain from scratch per session)");
            }
            if group_by != [GroupBy::None] {
                bail!("--group-by is for --backbone training for now; the seed CNN uses a stratified split");
            }
            let epochs = epochs.unwrap_or(20);
            if quantize && limit_per_class.is_some() {
                bail!("--quantize with --limit-per-class: quantize the model afterwards with `beckon-train quantize`, which uses the whole dataset");
            }
            if input_size < 8 {
                bail!("--input-size {input_size}: expected at least 8 pixels");
            }
            let job = FitJob {
                data,
                val_data,
                out,
                input_size,
                val_fraction: val_split,
                limit_per_class,
                fit: FitOptions { epochs, batch_size, learning_rate: lr, seed, progress: !no_progress },
                command: command_line,
            };
            let r = run_fit(&job)?;
            let last = r.trained.history.last().expect("at least one epoch");
            println!("model:      {} ({} bytes)", r.model_path.display(), r.file_bytes);
            println!("labels:     {}", r.labels.join(","));
            println!("images:     {} train, {} validation, {} skipped", r.train_images, r.val_images, r.skipped);
            println!("accuracy:   train {:.4}, validation {:.4} (final epoch)", last.train_accuracy, last.val_accuracy);
            println!("export:     max |burn − tract| {:.2e} on {} images", r.parity.max_abs_diff, r.parity.images);
            println!("latency:    {:.2} ms median (tract, 1 thread, this machine)", r.latency.median_ms);
            if quantize {
                let q = QuantizeArgs {
                    data: job.data.clone(),
                    val_data: job.val_data.clone(),
                    val_split,
                    seed,
                    calibration_images: 200,
                    calibration: Calibration::Percentile,
                    percentile: 99.99,
                    variants: Variant::ALL.to_vec(),
                    latency_runs: 100,
                };
                print_quantize(&run_quantize(&q.job(r.model_path.clone(), job.command.clone()))?);
            }
        }
        Command::Eval { model, data, chart, json, sessions } => {
            let classifier = beckon::Classifier::load(&model)?;
            let mut loaded = load_folder(&data, classifier.info().input_size, None)?;
            if !sessions.is_empty() {
                use beckon_trainer::dataset::groups::{group_of, GroupBy};
                loaded.samples.retain(|s| sessions.contains(&group_of(&s.path, GroupBy::Prefix)));
                if loaded.samples.is_empty() {
                    bail!("no image in {} belongs to sessions {}; session names are file-name prefixes up to the first _", data.display(), sessions.join(","));
                }
            }
            let eval = beckon_trainer::eval::evaluate(&classifier, &loaded.labels, &loaded.samples, &data)?;
            println!("model {} on {} ({} images, {} skipped)", model.display(), data.display(), eval.total(), loaded.skipped.len());
            print!("{}", eval.render());
            let name = data.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
            let chart = chart.unwrap_or_else(|| model.with_file_name(format!("confusion-{name}.png")));
            beckon_trainer::eval::confusion_chart::draw(&eval, &chart, &format!("{} on {name}", model.display()))?;
            println!("confusion matrix drawn: {}", chart.display());
            if let Some(path) = json {
                std::fs::write(&path, serde_json::to_string_pretty(&eval)?)?;
            }
        }
        Command::Backbone { action: BackboneAction::Fetch { backbone, alpha, dir, base_url } } => {
            if backbone != Arch::MobilenetV2 {
                bail!("only mobilenet-v2 has weights to fetch; the CNN trains from scratch and the shipped backbone is in models/backbones/");
            }
            let dir = dir.or_else(beckon_trainer::backbone::fetch::weight_dir).ok_or_else(|| anyhow::anyhow!("no home folder for the cache; pass --dir"))?;
            let f = beckon_trainer::backbone::fetch::fetch_mobilenet_v2(alpha, &dir, &base_url)?;
            println!(
                "{} {} ({} bytes, sha256 {})",
                if f.cached { "already there:" } else { "downloaded and checked:" },
                f.path.display(),
                f.bytes,
                f.sha256
            );
        }
        Command::Split { data, val_split, seed } => {
            let loaded = load_folder(&data, 8, None)?;
            let (_, val) = stratified_split(loaded.samples, loaded.labels.len(), val_split, seed);
            for s in val {
                println!("{} {}", loaded.labels[s.label], s.path.display());
            }
        }
        Command::ImportDigits { wheel, npy_dir, out, digits } => {
            let data = match (wheel, npy_dir) {
                (Some(w), _) => import::read_wheel(&w)?,
                (None, Some(d)) => import::read_npy_dir(&d)?,
                (None, None) => bail!("pass --wheel FILE.whl or --npy-dir DIR"),
            };
            let counts = import::write_png_tree(&data, &digits, &out)?;
            for (d, n) in counts {
                println!("{}/{d}: {n} images", out.display());
            }
        }
    }
    Ok(())
}
