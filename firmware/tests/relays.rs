//! Relay boards are active-low: on is the low level, so "off" must drive the pin high — at
//! start, at every stop (SIGTERM, two quick SIGINTs) and at the end. Through the binary on the
//! simulated backend, whose pins log each physical level they are driven to (`BECKON_LOG=debug`).
//! The panic case is `gpio::tests::active_low_outputs_are_high_when_off_from_start_to_panic`.
#![cfg(target_arch = "x86_64")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::{fresh_dir, repo};

const CONFIG: &str = r#"
model = "models/hands-landmarks-lite/model.onnx"
[source]
kind = "replay"
path = "firmware/replay"
fps = 10
loop = true
[gpio]
backend = "sim"
active_low = true
[[action]]
label = "1"
pins = [17]
[[action]]
label = "5"
pins = [23]
[[action]]
label = "2"
pins = [27]
active_low = false
"#;

/// Runs the relay configuration until an output is on, sends `signals` (with a short gap), and
/// returns (stdout lines after the first switch-on, each physical level the sim pins logged).
fn run_and_stop(signals: &[&str]) -> (Vec<String>, Vec<(String, bool)>) {
    let dir = fresh_dir(&format!("relays{}", signals.len()));
    let config = dir.join("beckon.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_beckon"))
        .args(["run", "--config", config.to_str().unwrap(), "-q"])
        .env("BECKON_LOG", "warn,beckon=debug")
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let levels = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| {
                let (_, rest) = l.split_once("sim pin ")?;
                let (pin, level) = rest.split_once(" -> ")?;
                Some((pin.to_string(), level.trim() == "high"))
            })
            .collect::<Vec<_>>()
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let lit = lines.by_ref().map(|l| l.unwrap()).find(|l| l.starts_with("gesture change") && l.contains("=on"));
    assert!(lit.is_some(), "no output ever went on");
    for s in signals {
        assert!(Command::new("kill").args([s.to_string(), child.id().to_string()]).status().unwrap().success());
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(child.wait().unwrap().success(), "{rest:?}");
    (rest, levels.join().unwrap())
}

#[test]
fn active_low_outputs_rest_high_from_start_through_every_stop() {
    for signals in [&["-TERM"][..], &["-INT", "-INT"]] {
        let (rest, levels) = run_and_stop(signals);
        assert_eq!(rest.last().map(String::as_str), Some("outputs at exit: GPIO17=off(high) GPIO23=off(high) GPIO27=off"), "{signals:?}: {rest:?}");
        for (pin, off_high) in [("GPIO17", true), ("GPIO23", true), ("GPIO27", false)] {
            let seen: Vec<bool> = levels.iter().filter(|(p, _)| p == pin).map(|(_, high)| *high).collect();
            assert_eq!(seen.first(), Some(&off_high), "{signals:?}: {pin} started at the wrong level: {seen:?}");
            assert_eq!(seen.last(), Some(&off_high), "{signals:?}: {pin} ended at the wrong level: {seen:?}");
        }
        assert!(levels.iter().any(|(p, high)| p == "GPIO17" && !high), "{signals:?}: the relay on GPIO17 was never switched on (low): {levels:?}");
    }
}
