//! `beckon bench`: tract latency of one or more models, round-robin, as ratios to the first.

use std::path::{Path, PathBuf};

use beckon::Classifier;
use beckon::bench::{self, BenchPlan};
use beckon::camera::{FrameSource, ReplaySource};
use beckon::model::{F16Request, Layout, options};
use clap::Args;

use crate::{PrecisionArgs, load_with_layout};

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// ONNX model files, each optionally with `@f16` or `@f32`, and `@nchw` to run its
    /// convolutions channels-first as the file has them (beckon's default is channels-last,
    /// faster in tract). Ratios are to the first one. Default: the configuration's model, else
    /// the shipped one.
    models: Vec<String>,
    /// Timed inferences per model.
    #[arg(long, default_value_t = 100)]
    runs: usize,
    /// Untimed inferences per model first.
    #[arg(long, default_value_t = 10)]
    warmup: usize,
    /// Threads for tract's matrix products (a Pi 4/5 has 4 cores; leave one for the camera).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// The frame to classify. Default: the first frame of the shipped replay folder.
    #[arg(long)]
    frame: Option<PathBuf>,
    /// Also time every operator of each model (tract's optimized plan) and print where the
    /// time goes: by operator kind, and the N slowest nodes; with a hand-landmark model, the
    /// palm detector's too (on the whole frame).
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "15")]
    profile: Option<usize>,
    #[command(flatten)]
    precision: PrecisionArgs,
}

pub fn bench_models(args: &BenchArgs) -> anyhow::Result<()> {
    options::set_threads(args.threads)?;
    let (frame, frame_name) = match &args.frame {
        Some(file) => {
            let image = beckon::camera::image_file::open(file).map_err(|e| anyhow::anyhow!("--frame {}: cannot decode it as an image: {e}", file.display()))?;
            (image.to_rgb8(), file.display().to_string())
        }
        None => {
            let folder = beckon::paths::shared().replay();
            let mut replay = ReplaySource::open(&folder, 0.0, false)?;
            let f = replay.next_frame()?.ok_or_else(|| anyhow::anyhow!("{} has no decodable frame; pass --frame FILE", folder.display()))?;
            (f.image, format!("{}/{}", folder.display(), f.name))
        }
    };
    let file = crate::config_file(None, false)?;
    let models = match args.models.is_empty() {
        true => vec![crate::default_model(file.as_ref()).display().to_string()],
        false => args.models.clone(),
    };
    let mut loaded = Vec::new();
    for spec in &models {
        let (spec_rest, layout) = match spec.strip_suffix("@nchw") {
            Some(p) => (p, Layout::ChannelsFirst),
            None => (spec.as_str(), args.precision.layout()),
        };
        let (path, request) = if let Some(p) = spec_rest.strip_suffix("@f16") {
            (p, if args.precision.force_f16 { F16Request::Force } else { F16Request::IfSupported })
        } else if let Some(p) = spec_rest.strip_suffix("@f32") {
            (p, F16Request::Off)
        } else {
            (spec_rest, args.precision.request())
        };
        let c = load_with_layout(Path::new(path), request, layout)?;
        let bytes = std::fs::metadata(path)?.len();
        loaded.push((spec.clone(), c, bytes));
    }
    let plan = BenchPlan { warmup: args.warmup, runs: args.runs.max(1) };
    let models: Vec<&Classifier> = loaded.iter().map(|(_, c, _)| c).collect();
    say!(
        "bench: {} timed runs per model after {} warm-up, round-robin; {} thread(s); frame {}; {} {}; depthwise kernel {}; direct kernels {}",
        plan.runs,
        plan.warmup,
        args.threads,
        frame_name,
        std::env::consts::ARCH,
        if options::cpu_has_native_f16() { "(native f16)" } else { "(no native f16)" },
        beckon::model::kernels::depthwise_c_f32_name().unwrap_or("none (tract's scalar loop)"),
        beckon::model::stem::instruction_set().map_or("none (tract's products)".into(), |set| format!("stem+1x1 ({set})"))
    );
    let stats = bench::measure(&models, &frame, plan)?;
    let width = loaded.iter().map(|(s, _, _)| s.len()).max().unwrap_or(5).max(5);
    say!("{:<width$}  {:>4}  {:>9}  {:>9}  {:>9}  {:>9}  {:>8}  {:>9}", "model", "prec", "size MB", "p50 ms", "p95 ms", "max ms", "per s", "p50 ratio");
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    for ((spec, c, bytes), s) in loaded.iter().zip(&stats) {
        say!(
            "{:<width$}  {:>4}  {:>9.2}  {:>9.2}  {:>9.2}  {:>9.2}  {:>8.1}  {:>9.2}",
            spec,
            c.precision().to_string(),
            *bytes as f64 / 1e6,
            ms(s.p50),
            ms(s.p95),
            ms(s.max),
            s.throughput(),
            ms(s.p50) / ms(stats[0].p50)
        );
    }
    if let Some(top) = args.profile {
        for (spec, c, _) in &loaded {
            print_profile(spec, &beckon::model::profile::profile(c, &frame, plan.warmup, plan.runs)?, top);
        }
        if loaded.iter().any(|(_, c, _)| c.has_landmarks()) {
            // The configuration's detector, as `beckon run` would track with it.
            let choice = beckon::session::RegionChoice { mode: beckon::config::RegionMode::Track, ..Default::default() };
            let path = choice.settings(file.as_ref(), true)?.map_or_else(|| beckon::paths::shared().detector(), |t| t.detector);
            let detector = beckon::hand::PalmDetector::load(&path)?;
            print_profile(&path.display().to_string(), &detector.profile(&frame, plan.warmup, plan.runs)?, top);
        }
    }
    Ok(())
}

fn print_profile(spec: &str, p: &beckon::model::profile::Profile, top: usize) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let share = |d: std::time::Duration| 100.0 * d.as_secs_f64() / p.total.as_secs_f64().max(1e-12);
    say!("\nprofile of {spec}: {:.2} ms per run in its operators (mean of {} timed runs, each operator timed alone)", ms(p.total), p.runs);
    say!("  {:<28} {:>5} {:>9} {:>6}", "operator", "nodes", "ms", "%");
    for o in &p.by_op {
        say!("  {:<28} {:>5} {:>9.3} {:>6.1}", o.op, o.nodes, ms(o.per_run), share(o.per_run));
    }
    say!("  slowest {} nodes:", top.min(p.by_node.len()));
    for n in p.by_node.iter().take(top) {
        say!("  {:>7.3} ms {:>5.1} %  {} ({}): {}", ms(n.per_run), share(n.per_run), n.name, n.op, n.detail);
    }
}
