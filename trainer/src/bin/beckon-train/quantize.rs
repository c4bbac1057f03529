//! `beckon-train quantize` (and `fit --quantize`): the int8, QDQ and f16 variants, measured.

use std::path::PathBuf;

use anyhow::Result;
use beckon_trainer::quantize::{Method, QuantizeJob, QuantizeReport, Variant, run_quantize};

#[derive(clap::Args, Debug)]
pub struct QuantizeCmd {
    /// The f32 model made by `beckon-train fit`.
    #[arg(long)]
    pub model: PathBuf,
    #[command(flatten)]
    pub q: QuantizeArgs,
}

#[derive(clap::Args, Debug)]
pub struct QuantizeArgs {
    /// The dataset the model was trained on.
    #[arg(long)]
    pub data: PathBuf,
    /// The validation folder, if the model was trained with --val-data.
    #[arg(long)]
    pub val_data: Option<PathBuf>,
    /// The --val-split the model was trained with.
    #[arg(long, default_value_t = 0.2, value_parser = crate::bounds::real(0.0, 0.9))]
    pub val_split: f64,
    /// The --seed the model was trained with.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Training images used to calibrate the activation ranges of the QDQ variant.
    #[arg(long, default_value_t = 200, value_parser = crate::bounds::int(1, 100_000))]
    pub calibration_images: usize,
    /// How an activation's range is chosen from the calibration values.
    #[arg(long, value_enum, default_value_t = Calibration::Percentile)]
    pub calibration: Calibration,
    /// Percentile kept at each end with --calibration percentile.
    #[arg(long, default_value_t = 99.99, value_parser = crate::bounds::real(50.0, 100.0))]
    pub percentile: f64,
    /// Variants to make.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "int8,qdq,f16")]
    pub variants: Vec<Variant>,
    /// Timed inferences per model for the latency comparison.
    #[arg(long, default_value_t = 100, value_parser = crate::bounds::int(1, 100_000))]
    pub latency_runs: usize,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum Calibration {
    /// Smallest and largest value seen.
    Minmax,
    /// --percentile at each end (ignores rare outliers).
    Percentile,
}

impl QuantizeArgs {
    pub fn job(self, model: PathBuf, command: String) -> QuantizeJob {
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

pub fn print_quantize(r: &QuantizeReport) {
    print!("{}", beckon_trainer::quantize::report::table(r));
    println!("recommended for the Pi: {} ({})", r.recommended, r.reason);
}

pub fn run(cmd: QuantizeCmd, command_line: String) -> Result<()> {
    print_quantize(&run_quantize(&cmd.q.job(cmd.model, command_line))?);
    Ok(())
}
