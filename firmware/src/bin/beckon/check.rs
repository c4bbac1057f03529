//! `beckon check`: the first-install check (model, camera, each output blinked once).

use std::path::Path;

use beckon::config::{self, Config, Source};
use beckon::decide::DecisionRules;
use beckon::gpio::{map::DEFAULT_PINS, LedMap, TransitionLog};
use beckon::model::F16Request;
use beckon::shutdown::Shutdown;

use crate::{load, open_leds, DEFAULT_MODEL, DEFAULT_REPLAY};

pub fn check(config: Option<&Path>) -> anyhow::Result<()> {
    let file = config.map(config::Loaded::read).transpose()?;
    let mut failed = Vec::new();
    let mut report = |what: &str, r: anyhow::Result<String>| match r {
        Ok(detail) => println!("ok    {what}: {detail}"),
        Err(e) => {
            println!("FAIL  {what}: {e:#}");
            failed.push(what.to_string());
        }
    };
    let model = file.as_ref().and_then(|f| f.model()).unwrap_or_else(|| DEFAULT_MODEL.into());
    let loaded = load(&model, F16Request::Off);
    let labels = loaded.as_ref().map(|c| c.info().labels.clone()).ok();
    let no_hand = loaded.as_ref().ok().and_then(|c| c.info().no_hand_label.clone());
    report(
        "model",
        loaded.and_then(|c| {
            let frame = image::RgbImage::new(c.info().input_size, c.info().input_size);
            let p = c.classify(&frame)?;
            Ok(format!(
                "{} loads; labels {}; one inference {:.1} ms",
                model.display(),
                c.info().labels.join(","),
                p.inference.as_secs_f64() * 1e3
            ))
        }),
    );
    let source = match &file {
        Some(f) => f.source().map_err(anyhow::Error::from),
        None => Ok(Source::Replay { path: DEFAULT_REPLAY.into(), fps: 0.0, looping: false }),
    };
    report(
        "camera",
        source.and_then(|s| {
            let start = std::time::Instant::now();
            let mut src = beckon::camera::open(&s, &Shutdown::new())?;
            let frame = src.next_frame()?.ok_or_else(|| anyhow::anyhow!("{} gave no frame", src.describe()))?;
            Ok(format!(
                "{} gave a {}×{} frame in {:.0} ms",
                src.describe(),
                frame.image.width(),
                frame.image.height(),
                start.elapsed().as_secs_f64() * 1e3
            ))
        }),
    );
    let outputs = (|| -> anyhow::Result<String> {
        let labels = labels.ok_or_else(|| anyhow::anyhow!("skipped: the model did not load, so the actions cannot be checked"))?;
        let cfg = match &file {
            Some(f) => f.resolve(&labels, no_hand.as_deref())?,
            None => {
                let quiet = no_hand.as_deref().and_then(|n| labels.iter().position(|l| l == n));
                let map = LedMap::binary(&labels, &DEFAULT_PINS, quiet)?;
                Config::from_flags(None, Source::Replay { path: DEFAULT_REPLAY.into(), fps: 0.0, looping: false }, DecisionRules::simple(1, 0.5), "sim", &map)
            }
        };
        let log = TransitionLog::default();
        let mut bank = open_leds(&cfg.backend, &cfg.pins, &log)?;
        for (k, pin) in cfg.pins.iter().enumerate() {
            let mut levels = vec![false; cfg.pins.len()];
            levels[k] = true;
            println!("      GPIO{pin} on for 0.3 s");
            bank.drive(&levels)?;
            std::thread::sleep(std::time::Duration::from_millis(300));
            bank.all_off()?;
        }
        Ok(format!("{} output(s) blinked once ({}): {}", cfg.pins.len(), cfg.backend, bank.describe()))
    })();
    report("outputs", outputs);
    if failed.is_empty() {
        println!("all checks passed");
        Ok(())
    } else {
        anyhow::bail!("{} check(s) failed: {}", failed.len(), failed.join(", "))
    }
}
