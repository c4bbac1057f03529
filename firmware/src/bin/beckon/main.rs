//! `beckon`: the device binary. Thin: argument parsing and printing; the logic is in the library.

//! One file per subcommand: [`run`], [`bench`], [`check`], [`capture`], [`train`], [`inspect`]
//! (info and classify); [`cli`] the command line.

#[macro_use]
mod out;

mod bench;
mod capture;
mod check;
mod cli;
mod frame_lines;
mod inspect;
mod run;
mod run_args;
mod train;

use std::path::{Path, PathBuf};

use beckon::Classifier;
use beckon::gpio::{AnyPin, LedBank, TransitionLog};
use beckon::model::{F16Request, Layout};
use clap::Parser;

pub use cli::PrecisionArgs;
use cli::{Cli, Command};

/// The model when none is named: the configuration's (named, or the installed one), else the
/// shipped one (see [`beckon::paths`]).
pub fn default_model(config: Option<&beckon::config::Loaded>) -> PathBuf {
    config.and_then(|c| c.model()).unwrap_or_else(|| beckon::paths::shared().model())
}

/// The configuration to read: `named` (--config), else `$BECKON_CONFIG` or the installed
/// `/etc/beckon/beckon.toml` — unless `flags_describe` (flags describe what the configuration
/// would; said on stderr).
pub fn config_file(named: Option<&Path>, flags_describe: bool) -> anyhow::Result<Option<beckon::config::Loaded>> {
    if let Some(path) = named {
        return Ok(Some(beckon::config::Loaded::read(path)?));
    }
    let Some(path) = &beckon::paths::shared().config else { return Ok(None) };
    if flags_describe {
        eprintln!("note: {} not read: the flags describe this run (name it with --config to use it)", path.display());
        return Ok(None);
    }
    eprintln!("configuration: {}", path.display());
    Ok(Some(beckon::config::Loaded::read(path)?))
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

fn real_main() -> anyhow::Result<()> {
    init_logging();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Info { model }) => inspect::info(&model_or_configured(model)?),
        Some(Command::Run(args)) => run::run(&args),
        Some(Command::Bench(args)) => bench::bench_models(&args),
        Some(Command::Capture(args)) => capture::capture(&args),
        Some(Command::Train(args)) => train::train(&args),
        Some(Command::Check { config }) => check::check(config.as_deref()),
        Some(Command::Classify { model, precision, images }) => inspect::classify(&model_or_configured(model)?, &precision, &images),
        None => run::run(&cli.run),
    }
}

/// `model`, else the configuration's, else the shipped one.
fn model_or_configured(model: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match model {
        Some(m) => Ok(m),
        None => Ok(default_model(config_file(None, false)?.as_ref())),
    }
}

/// Logs to stderr through `tracing` (the library's `log` records too). Filter with `BECKON_LOG`
/// (e.g. `BECKON_LOG=debug`); default: warnings, and beckon's periodic stats. Under systemd
/// (`JOURNAL_STREAM` set) there are no colours and no timestamps: journald adds its own; with
/// `NO_COLOR` set (no-color.org) no colours either.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("BECKON_LOG").unwrap_or_else(|_| EnvFilter::new("warn,beckon=info"));
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(!journald && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = if journald { fmt.without_time().try_init() } else { fmt.try_init() };
}

pub fn load(model: &Path, request: F16Request) -> anyhow::Result<Classifier> {
    load_with_layout(model, request, Layout::default())
}

pub fn load_with_layout(model: &Path, request: F16Request, layout: Layout) -> anyhow::Result<Classifier> {
    let (classifier, note) = beckon::session::round::load(model, request, layout)?;
    if let Some(note) = note {
        eprintln!("{note}");
    }
    Ok(classifier)
}

pub fn open_leds(cfg: &beckon::config::Config, log: &TransitionLog) -> anyhow::Result<LedBank<AnyPin>> {
    Ok(beckon::gpio::backend::open(&cfg.backend, &cfg.pins, &cfg.active_low, log)?)
}
