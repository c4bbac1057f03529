//! `beckon-train fit`: the seed CNN, a transfer model on any backbone, or a hand-landmark model.

use std::path::PathBuf;

use anyhow::{Result, bail};
use beckon_trainer::backbone::augment::Augmentation;
use beckon_trainer::backbone::cache::FeatureCache;
use beckon_trainer::dataset::groups::GroupBy;
use beckon_trainer::fit::{DataFolder, TransferJob, TransferReport, run_transfer};
use beckon_trainer::fit::{FitJob, run_fit};
use beckon_trainer::quantize::{Variant, run_quantize};
use beckon_trainer::train::FitOptions;
use beckon_trainer::train::head::HeadOptions;

use crate::bounds;
use crate::quantize::{Calibration, QuantizeArgs, print_quantize};

/// What a --data folder holds.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Images {
    Crops,
    Frames,
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("transfer").args(["backbone", "landmarks"]).multiple(false)))]
pub struct FitArgs {
    /// Folder-per-class training images. Repeat to train on several folders at once (with
    /// --backbone; they need the same class folders); each is split and reported on its own.
    #[arg(long, required = true)]
    pub data: Vec<PathBuf>,
    /// How each --data folder is split (one value for all, or one per folder): `none` = a
    /// stratified split by file; `prefix` = whole capture sessions (file name up to the first
    /// `_`) held out, so near-identical frames never sit on both sides.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "none")]
    pub group_by: Vec<GroupBy>,
    /// What each --data folder holds (one value for all, or one per folder): `crops` = images
    /// of the hand (or gesture) used as they are; `frames` = whole camera frames: the palm
    /// detector finds the hand and its rotated crop is what the model learns from, as
    /// `beckon run` with `[region] mode = "track"` sees it (frames with no hand are skipped).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "crops")]
    pub images: Vec<Images>,
    /// With --images frames: the palm detector.
    #[arg(long, default_value = beckon::hand::detector::DEFAULT_PATH)]
    pub detector: PathBuf,
    /// The network: `cnn` (the seed CNN, trained from scratch), `mobilenet-v2` or
    /// `mobilenet-v1` (Keras' MobileNetV2 / MobileNet, frozen, built from its ImageNet weight
    /// file --weights, with a head), or give --backbone FILE.onnx for any other feature extractor.
    #[arg(long, value_enum, default_value_t = Arch::Cnn, conflicts_with = "backbone")]
    pub arch: Arch,
    /// Width multiplier: MobileNetV2 0.35 (default), 0.5, 0.75, 1.0, 1.3, 1.4; MobileNet (v1)
    /// 0.25 (default), 0.5, 0.75, 1.0.
    #[arg(long)]
    pub alpha: Option<f32>,
    /// The Keras weight file for --alpha: MobileNetV2's no-top file
    /// (mobilenet_v2_weights_tf_dim_ordering_tf_kernels_<alpha>_224_no_top.h5); MobileNet (v1):
    /// its weight file or a whole saved model (e.g. keras_mobilenet_v1_0.25_224.h5).
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Train a transfer model on this ONNX feature extractor (image in, features out), frozen,
    /// with a Dense/Dropout/Dense head, instead of the seed CNN. Shipped:
    /// models/backbones/mobilenet_v1_1.0_224/backbone.onnx.
    #[arg(long)]
    pub backbone: Option<PathBuf>,
    /// Train a hand-landmark gesture model: MediaPipe's hand-landmark network (`full` or
    /// `lite`, shipped in models/backbones/hand_landmark_*), hand features (joint angles,
    /// distances) and a Dense/Dropout/Dense head; the model gets a no-hand label and a
    /// `landmarks` output. What carries over to people the model never saw.
    #[arg(long, value_enum, conflicts_with = "arch")]
    pub landmarks: Option<Landmarks>,
    /// With --landmarks: the label given when no hand is in view (p = 1 − hand presence).
    #[arg(long, default_value = "none", requires = "landmarks")]
    pub no_hand_label: String,
    /// Leave these capture sessions (file-name prefixes) out of every --data folder, e.g.
    /// the session your replay frames come from.
    #[arg(long, value_delimiter = ',')]
    pub exclude_sessions: Vec<String>,
    /// Also measure what a new user will see: for every session of each --data folder split
    /// by session (--group-by prefix), train a head on the other sessions and test on it;
    /// per session and pooled, in the model card and leave-one-session-out.json.
    #[arg(long)]
    pub leave_one_session_out: bool,
    /// The backbone's input normalisation (x − mean) / std on 0–255 pixels: one value or
    /// R,G,B. Default: from the backbone's metadata.
    #[arg(long)]
    pub backbone_mean: Option<String>,
    #[arg(long)]
    pub backbone_std: Option<String>,
    /// With --backbone: augmented views per training image (random crop, rotation, light,
    /// colour, grey; no flips).
    #[arg(long, default_value_t = 2, value_parser = bounds::int(0, 64))]
    pub views: usize,
    /// With --backbone: units of the head's hidden layer, and its dropout.
    #[arg(long, default_value_t = 100, value_parser = bounds::int(1, 4096))]
    pub hidden: usize,
    #[arg(long, default_value_t = 0.5, value_parser = bounds::real(0.0, 0.95))]
    pub dropout: f64,
    /// With --backbone: stop when validation loss has not improved for this many epochs.
    #[arg(long, default_value_t = 8, value_parser = bounds::int(1, 10_000))]
    pub patience: usize,
    /// With --backbone or --arch mobilenet-v2: fine-tune the last K blocks of the backbone
    /// (from its K-th depthwise convolution from the end) with the head, on augmented
    /// images, at --backbone-lr-factor × --lr; batch norm stays frozen. 0 = frozen backbone.
    #[arg(long, default_value_t = 0, value_parser = bounds::int(0, 64))]
    pub fine_tune: usize,
    #[arg(long, default_value_t = 0.1, value_parser = bounds::real(0.0, 10.0))]
    pub backbone_lr_factor: f64,
    /// With --backbone: threads computing features.
    #[arg(long, default_value_t = 2, value_parser = bounds::int(1, 256))]
    pub threads: usize,
    /// With --backbone: do not read or write the feature cache (~/.cache/beckon/features).
    #[arg(long)]
    pub no_cache: bool,
    /// Folder-per-class validation images (same classes). Default: a stratified split of --data.
    #[arg(long)]
    pub val_data: Option<PathBuf>,
    /// Output folder (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// Input width and height in pixels; images are centre-cropped and resized to it.
    #[arg(long, default_value_t = 224, value_parser = bounds::pixels(8, 1024))]
    pub input_size: u32,
    /// Epochs (the CNN: 20; a transfer head: at most 60, early stopping).
    #[arg(long, value_parser = bounds::int(1, 100_000))]
    pub epochs: Option<usize>,
    #[arg(long, default_value_t = 32, value_parser = bounds::int(1, 4096))]
    pub batch_size: usize,
    /// Adam learning rate (1e-7 to 1).
    #[arg(long, default_value_t = 1e-3, value_parser = bounds::real(1e-7, 1.0))]
    pub lr: f64,
    /// Fraction of each class held out for validation when --val-data is not given.
    #[arg(long, default_value_t = 0.2, value_parser = bounds::real(0.0, 0.9))]
    pub val_split: f64,
    /// Seed for the split, the shuffling and the initial weights.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Use at most N images per class (the first N by file name), for quick runs.
    #[arg(long, value_parser = bounds::int(1, usize::MAX as u64))]
    pub limit_per_class: Option<usize>,
    /// No progress bars (logs only).
    #[arg(long)]
    pub no_progress: bool,
    /// Also make the quantized variants (as `beckon-train quantize` with its defaults).
    #[arg(long)]
    pub quantize: bool,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    Cnn,
    #[value(name = "mobilenet-v2", alias = "mobilenet_v2")]
    MobilenetV2,
    #[value(name = "mobilenet-v1", alias = "mobilenet_v1")]
    MobilenetV1,
}

/// The shipped MediaPipe hand-landmark networks.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landmarks {
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

/// A Keras architecture built from its weight file: the network's name, the α whose known file
/// has `known_sha256` (called `known_name` in the provenance), and the builder.
struct KerasArch {
    name: &'static str,
    known: (f32, &'static str, &'static str),
    build: fn(&std::path::Path, f32, usize, &str) -> Result<tract_onnx::pb::ModelProto>,
}

impl KerasArch {
    /// Builds the backbone from `weights` into a temporary ONNX file and returns its path; the
    /// provenance records the file's sha256 (and says so when it is the known file).
    fn build_file(&self, weights: &std::path::Path, alpha: f32, size: u32, hint: &str) -> Result<PathBuf> {
        let bytes = std::fs::read(weights).map_err(|e| anyhow::anyhow!("--weights {}: {e}{hint}", weights.display()))?;
        let sha = beckon_trainer::backbone::mobilenet_v2::sha256_hex(&bytes);
        let (known_alpha, known_sha, known_name) = self.known;
        let provenance = format!(
            "Keras {} alpha {alpha} ImageNet weights {} (sha256 {sha}{}), built by beckon-train",
            self.name,
            weights.display(),
            if alpha == known_alpha && sha == known_sha { format!(", {known_name}") } else { String::new() }
        );
        let proto = (self.build)(weights, alpha, size as usize, &provenance)?;
        let path = std::env::temp_dir().join(format!("beckon-{}-{}.onnx", self.name.replace([' ', '(', ')'], ""), std::process::id()));
        std::fs::write(&path, beckon_trainer::graph::encode(&proto))?;
        Ok(path)
    }
}

/// Builds Keras' MobileNet (v1) from `weights` into a temporary ONNX backbone and returns its path.
fn build_mobilenet_v1(weights: Option<&std::path::Path>, alpha: f32, size: u32) -> Result<PathBuf> {
    use beckon_trainer::backbone::mobilenet_v1;
    let Some(weights) = weights else {
        bail!(
            "--arch mobilenet-v1 needs its ImageNet weights: pass --weights FILE.h5, the Keras MobileNet file for alpha {alpha} \
             (for 0.25: keras_mobilenet_v1_0.25_224.h5, sha256 {})",
            mobilenet_v1::SHA256_0_25
        );
    };
    let arch = KerasArch { name: "MobileNet (v1)", known: (0.25, mobilenet_v1::SHA256_0_25, "Google's Keras file (Apache-2.0)"), build: mobilenet_v1::build };
    arch.build_file(weights, alpha, size, "")
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
    let arch = KerasArch { name: "MobileNetV2", known: (0.35, mobilenet_v2::SHA256_0_35, "the official file"), build: mobilenet_v2::build };
    arch.build_file(weights, alpha, size, &format!("; download {official} (see --help)"))
}

pub fn run(args: FitArgs, command_line: String) -> Result<()> {
    check(&args)?;
    let built = match args.arch {
        Arch::Cnn => None,
        Arch::MobilenetV2 => Some(build_mobilenet_v2(args.weights.as_deref(), args.alpha.unwrap_or(0.35), args.input_size)?),
        Arch::MobilenetV1 => Some(build_mobilenet_v1(args.weights.as_deref(), args.alpha.unwrap_or(0.25), args.input_size)?),
    };
    let landmark_file = args.landmarks.map(Landmarks::file).transpose()?;
    let Some(backbone) = args.backbone.clone().or(built.clone()).or(landmark_file) else { return fit_cnn(args, command_line) };
    if args.val_data.is_some() || args.quantize {
        bail!("--val-data and --quantize are for the seed CNN; with --backbone each --data folder is split (--group-by) and reported on its own");
    }
    let r = run_transfer(&transfer_job(args, backbone, command_line));
    if let Some(tmp) = built {
        let _ = std::fs::remove_file(tmp);
    }
    print_transfer(&r?);
    Ok(())
}

/// What every kind of fit refuses before it starts.
fn check(args: &FitArgs) -> Result<()> {
    if !(0.0..1.0).contains(&args.val_split) {
        bail!("--val-split {}: expected a fraction in [0, 1)", args.val_split);
    }
    for d in args.data.iter().chain(&args.val_data) {
        if beckon_trainer::dataset::is_inside(&args.out, d) {
            bail!(
                "--out {} is inside the data folder {}: the next run would read the model's files as a class; \
                 write the model somewhere else (e.g. models/my-model)",
                args.out.display(),
                d.display()
            );
        }
    }
    let folders = args.data.len();
    if args.group_by.len() != 1 && args.group_by.len() != folders {
        bail!("--group-by has {} values for {folders} --data folders; give one for all or one per folder", args.group_by.len());
    }
    if args.images.len() != 1 && args.images.len() != folders {
        bail!("--images has {} values for {folders} --data folders; give one for all or one per folder", args.images.len());
    }
    Ok(())
}

/// The flags as a transfer job on `backbone` (`--backbone`, `--arch mobilenet-*`, `--landmarks`).
fn transfer_job(args: FitArgs, backbone: PathBuf, command: String) -> TransferJob {
    let (group_by, images, detector) = (&args.group_by, &args.images, &args.detector);
    let data = args
        .data
        .iter()
        .enumerate()
        .map(|(i, p)| DataFolder {
            path: p.clone(),
            group_by: group_by[i.min(group_by.len() - 1)],
            find_hand: (images[i.min(images.len() - 1)] == Images::Frames).then(|| detector.clone()),
        })
        .collect();
    TransferJob {
        backbone,
        backbone_mean: args.backbone_mean,
        backbone_std: args.backbone_std,
        data,
        out: args.out,
        val_fraction: args.val_split,
        views: args.views,
        augmentation: Augmentation::default(),
        head: HeadOptions {
            hidden: args.hidden,
            dropout: args.dropout,
            epochs: args.epochs.unwrap_or(60),
            patience: args.patience,
            batch_size: args.batch_size,
            learning_rate: args.lr,
            seed: args.seed,
            progress: !args.no_progress,
        },
        threads: args.threads,
        cache: FeatureCache::new(if args.no_cache { None } else { FeatureCache::default_dir() }),
        limit_per_class: args.limit_per_class,
        fine_tune: args.fine_tune,
        backbone_lr_factor: args.backbone_lr_factor,
        no_hand_label: args.no_hand_label,
        exclude_sessions: args.exclude_sessions,
        leave_one_session_out: args.leave_one_session_out,
        command,
    }
}

fn print_transfer(r: &TransferReport) {
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
    println!("latency:    {:.2} ms median (tract, 1 thread, this machine)", r.latency.median_ms);
}

/// The seed CNN (no backbone): one data folder, a stratified split, optionally quantized after.
fn fit_cnn(args: FitArgs, command: String) -> Result<()> {
    let [data] = <[PathBuf; 1]>::try_from(args.data)
        .map_err(|d| anyhow::anyhow!("{} --data folders: the seed CNN trains on one; several folders need --backbone", d.len()))?;
    if !args.exclude_sessions.is_empty() || args.leave_one_session_out {
        bail!("--exclude-sessions and --leave-one-session-out are for --backbone/--landmarks training (the seed CNN would retrain from scratch per session)");
    }
    if args.group_by != [GroupBy::None] {
        bail!("--group-by is for --backbone training for now; the seed CNN uses a stratified split");
    }
    if args.quantize && args.limit_per_class.is_some() {
        bail!("--quantize with --limit-per-class: quantize the model afterwards with `beckon-train quantize`, which uses the whole dataset");
    }
    if args.input_size < 8 {
        bail!("--input-size {}: expected at least 8 pixels", args.input_size);
    }
    let job = FitJob {
        data,
        val_data: args.val_data,
        out: args.out,
        input_size: args.input_size,
        val_fraction: args.val_split,
        limit_per_class: args.limit_per_class,
        find_hand: (args.images == [Images::Frames]).then_some(args.detector),
        fit: FitOptions {
            epochs: args.epochs.unwrap_or(20),
            batch_size: args.batch_size,
            learning_rate: args.lr,
            seed: args.seed,
            progress: !args.no_progress,
        },
        command,
    };
    let r = run_fit(&job)?;
    let last = r.trained.history.last().expect("at least one epoch");
    println!("model:      {} ({} bytes)", r.model_path.display(), r.file_bytes);
    println!("labels:     {}", r.labels.join(","));
    println!("images:     {} train, {} validation, {} skipped", r.train_images, r.val_images, r.skipped);
    println!("accuracy:   train {:.4}, validation {:.4} (final epoch)", last.train_accuracy, last.val_accuracy);
    println!("export:     max |burn − tract| {:.2e} on {} images", r.parity.max_abs_diff, r.parity.images);
    println!("latency:    {:.2} ms median (tract, 1 thread, this machine)", r.latency.median_ms);
    if args.quantize {
        let q = QuantizeArgs {
            data: job.data.clone(),
            val_data: job.val_data.clone(),
            val_split: args.val_split,
            seed: args.seed,
            calibration_images: 200,
            calibration: Calibration::Percentile,
            percentile: 99.99,
            variants: Variant::ALL.to_vec(),
            latency_runs: 100,
        };
        print_quantize(&run_quantize(&q.job(r.model_path.clone(), job.command.clone()))?);
    }
    Ok(())
}
