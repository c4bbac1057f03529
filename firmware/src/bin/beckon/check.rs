//! `beckon check`: the first-install check (model, camera, each output blinked once).

use std::path::Path;

use beckon::config::{self, Config, Source};
use beckon::decide::DecisionRules;
use beckon::gpio::{LedMap, TransitionLog, map::DEFAULT_PINS};
use beckon::model::F16Request;
use beckon::session::plan::{RegionChoice, hand_finder, source_of};
use beckon::shutdown::Shutdown;

use crate::{load, open_leds};

pub fn check(config: Option<&Path>) -> anyhow::Result<()> {
    let file = crate::config_file(config, false)?;
    let replay = beckon::paths::shared().replay();
    let mut failed = Vec::new();
    let mut report = |what: &str, r: anyhow::Result<String>| match r {
        Ok(detail) => say!("ok    {what}: {detail}"),
        Err(e) => {
            say!("FAIL  {what}: {e:#}");
            failed.push(what.to_string());
        }
    };
    let model = crate::default_model(file.as_ref());
    let loaded = load(&model, F16Request::Off);
    let labels = loaded.as_ref().map(|c| c.info().labels.clone()).ok();
    let no_hand = loaded.as_ref().ok().and_then(|c| c.info().no_hand_label.clone());
    let classifier = loaded.as_ref().ok();
    report(
        "model",
        loaded.as_ref().map_err(|e| anyhow::anyhow!("{e:#}")).and_then(|c| {
            let frame = image::RgbImage::new(c.info().input_size, c.info().input_size);
            let p = c.classify(&frame)?;
            Ok(format!("{} loads; labels {}; one inference {:.1} ms", model.display(), c.info().labels.join(","), p.inference.as_secs_f64() * 1e3))
        }),
    );
    let source = source_of(file.as_ref(), replay.clone()).map_err(anyhow::Error::from);
    let mut test_frame = None;
    report(
        "camera",
        source.and_then(|s| {
            let start = std::time::Instant::now();
            let mut src = beckon::camera::open(&s, &Shutdown::new())?;
            let frame = src.next_frame()?.ok_or_else(|| anyhow::anyhow!("{} gave no frame", src.describe()))?;
            let detail =
                format!("{} gave a {}×{} frame in {:.0} ms", src.describe(), frame.image.width(), frame.image.height(), start.elapsed().as_secs_f64() * 1e3);
            test_frame = Some(frame);
            Ok(detail)
        }),
    );
    let mut tracked: Option<config::TrackSettings> = None;
    if let Some(c) = classifier.filter(|c| c.has_landmarks() && c.info().no_hand_label.is_some()) {
        // As `beckon run` decides with --region auto.
        let track = RegionChoice::default().resolve(file.as_ref(), c).map_err(anyhow::Error::from);
        match track {
            Ok(None) => {}
            Ok(Some(t)) => {
                report("hand", hand_check(&t, c, test_frame.as_ref().map(|f| &f.image)));
                tracked = Some(t);
            }
            Err(e) => report("hand", Err(e)),
        }
    }
    let (mut mqtt, mut remote) = (None, Vec::new());
    let outputs = (|| -> anyhow::Result<String> {
        let labels = labels.ok_or_else(|| anyhow::anyhow!("skipped: the model did not load, so the actions cannot be checked"))?;
        let cfg = match &file {
            Some(f) => f.resolve(&labels, no_hand.as_deref())?,
            None => {
                let quiet = no_hand.as_deref().and_then(|n| labels.iter().position(|l| l == n));
                let map = LedMap::binary(&labels, &DEFAULT_PINS, quiet)?;
                Config::from_flags(
                    None,
                    Source::Replay { path: replay.clone(), fps: 0.0, looping: false, paced: true },
                    DecisionRules::simple(1, 0.5),
                    "sim",
                    &map,
                )
            }
        };
        (mqtt, remote) = (cfg.mqtt.clone(), cfg.remote.clone());
        for idle in &cfg.idle_actions {
            say!("note  {idle}");
        }
        // As `beckon run` refuses a hand-specific configuration it cannot run.
        cfg.per_hand(tracked.as_ref().map(|t| t.max_hands), &labels, classifier.is_some_and(|c| c.has_handedness()))?;
        let log = TransitionLog::default();
        let mut bank = open_leds(&cfg, &log)?;
        for (k, pin) in cfg.pins.iter().enumerate() {
            let mut levels = vec![false; cfg.pins.len()];
            levels[k] = true;
            say!("      GPIO{pin} on for 0.3 s");
            bank.drive(&levels)?;
            std::thread::sleep(std::time::Duration::from_millis(300));
            bank.all_off()?;
        }
        Ok(format!("{} output(s) blinked once ({}): {}", cfg.pins.len(), cfg.backend, bank.describe()))
    })();
    report("outputs", outputs);
    if let Some(m) = mqtt {
        report("mqtt", beckon::actions::notify::mqtt::probe(&m, std::time::Duration::from_secs(5)).map_err(anyhow::Error::msg));
    }
    for r in &remote {
        match &r.kind {
            beckon::actions::notify::RemoteKind::Http { url, .. } => {
                report("http", beckon::actions::notify::http::probe(url, std::time::Duration::from_secs(3)).map_err(anyhow::Error::msg))
            }
            beckon::actions::notify::RemoteKind::Exec { argv, .. } => report(
                "exec",
                beckon::actions::notify::exec::find_program(&argv[0]).map(|p| format!("{}: {}", argv[0], p.display())).map_err(anyhow::Error::msg),
            ),
            beckon::actions::notify::RemoteKind::Mqtt { .. } => {}
        }
    }
    if let Some(p) = file.as_ref().and_then(|f| f.file.preview.clone()) {
        report("page", page_address(&p));
    }
    if failed.is_empty() {
        say!("all checks passed");
        Ok(())
    } else {
        anyhow::bail!("{} check(s) failed: {}", failed.len(), failed.join(", "))
    }
}

/// Loads the palm detector and looks for a hand in the camera's test frame.
fn hand_check(track: &config::TrackSettings, classifier: &beckon::Classifier, frame: Option<&image::RgbImage>) -> anyhow::Result<String> {
    let mut finder = hand_finder(track, classifier, None)?;
    let Some(frame) = frame else { anyhow::bail!("skipped: no test frame from the camera") };
    let found = finder.process(frame, classifier)?;
    let label = &classifier.info().labels[found.prediction.index];
    Ok(match found.hand.as_ref().and_then(|h| h.landmarks.as_ref().map(|_| h)) {
        Some(h) => format!(
            "{} loads; a hand in the test frame at ({:.0}, {:.0}), shows {label:?} (p = {:.2}); detector {:.1} ms",
            track.detector.display(),
            h.crop.cx,
            h.crop.cy,
            found.prediction.confidence,
            found.detector.as_secs_f64() * 1e3
        ),
        None => format!(
            "{} loads; no hand in the test frame (detector {:.1} ms): hold a hand up to the camera and run check again to see it found",
            track.detector.display(),
            found.detector.as_secs_f64() * 1e3
        ),
    })
}

/// Where the preview page is reached, and how (its token).
fn page_address(p: &beckon::config::PreviewSettings) -> anyhow::Result<String> {
    let addr = beckon::preview::check_listen(&p.listen, p.allow_remote)?;
    let token = p.token()?;
    let host = match addr.ip() {
        ip if ip.is_unspecified() => beckon::preview::access::own_names().into_iter().next().unwrap_or_else(|| "THIS-MACHINE".into()),
        ip if ip.is_ipv6() => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let how = match (addr.ip().is_loopback(), token, &p.token_file) {
        (true, ..) => " (on this machine; from another: ssh -L PORT:127.0.0.1:PORT to it)".to_string(),
        (false, Some(_), Some(file)) => format!(" (it asks once for the token: sudo cat {})", file.display()),
        (false, Some(_), None) => " (it asks once for capture_token)".to_string(),
        (false, None, _) => " (served to the network without a token: anyone there sees the camera)".to_string(),
    };
    Ok(format!("http://{host}:{}/{how}", addr.port()))
}
