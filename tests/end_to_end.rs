//! End-to-end tests across trainer and firmware: real finger images → burn training → ONNX
//! export → the firmware library (tract) → replayed frames → simulated LEDs.

use crate::common;

use std::path::Path;

use beckon::camera::{FrameSource, ReplaySource};
use beckon::gpio::map::DEFAULT_PINS;
use beckon::gpio::{LedBank, LedMap, SimPin, TransitionLog};
use beckon::model::contract;
use beckon::runner;
use beckon::{Classifier, Error};
use beckon_trainer::dataset::{import, load_folder};
use beckon_trainer::fit::run_fit;
use beckon_trainer::graph;
use beckon_trainer::train::fit::probabilities;
use common::*;

#[test]
fn train_export_replay_drives_leds_by_predicted_gesture() {
    let dir = temp_dir("e2e");
    let data = dir.join("data");
    let labels = small_fingers(&data, 30);
    let report = run_fit(&quick_job(&data, &dir.join("model"), 32, 40)).expect("fit");
    let last = report.trained.history.last().unwrap();
    assert!(last.train_accuracy > 0.5, "the network did not learn: train accuracy {}", last.train_accuracy);
    assert!(report.parity.max_abs_diff <= 1e-4);

    // Replay two training images of each class, in class order, through the device code.
    let frames = dir.join("frames");
    std::fs::create_dir_all(&frames).unwrap();
    for (i, label) in labels.iter().enumerate() {
        let mut files: Vec<_> = std::fs::read_dir(data.join(label)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for (j, f) in files.iter().take(2).enumerate() {
            std::fs::copy(f, frames.join(format!("{i:02}_{j}.png"))).unwrap();
        }
    }
    let classifier = Classifier::load(&report.model_path).unwrap();
    let mut source = ReplaySource::open(&frames, 0.0, false).unwrap();
    let map = LedMap::binary(&labels, &DEFAULT_PINS, None).unwrap();
    let log = TransitionLog::default();
    let mut leds = LedBank::new(map.pins(), |bcm| Ok(SimPin::new(format!("GPIO{bcm}"), log.clone()))).unwrap();
    let initial = log.transitions().len();
    let mut pipeline = runner::Pipeline::simple(&map, 1, 1e-6).unwrap();
    let mut reports = Vec::new();
    let summary =
        runner::run(&classifier, &mut source, &mut pipeline, &mut leds, &runner::Limits::default(), |r, _| reports.push((r.clone(), log.transitions().len())))
            .unwrap();
    assert_eq!(summary.frames as usize, 2 * labels.len());
    assert!(initial == DEFAULT_PINS.len(), "the bank drives every pin off at start");

    // Every frame's LEDs are exactly the pins of the predicted gesture, and the pin
    // transitions recorded up to that frame replay to the same states.
    let transitions = log.transitions();
    let mut correct = 0;
    for (r, logged) in &reports {
        assert_eq!(r.gesture, Some(r.prediction.index), "window 1: gesture = prediction");
        let want: Vec<String> =
            DEFAULT_PINS.iter().map(|p| format!("GPIO{p}={}", if map.pins_for(r.prediction.index).contains(p) { "on" } else { "off" })).collect();
        assert_eq!(r.leds, want.join(" "), "frame {}", r.name);
        let mut levels = std::collections::BTreeMap::new();
        for t in &transitions[..*logged] {
            levels.insert(t.pin.clone(), t.high);
        }
        let replayed: Vec<String> = DEFAULT_PINS.iter().map(|p| format!("GPIO{p}={}", if levels[&format!("GPIO{p}")] { "on" } else { "off" })).collect();
        assert_eq!(replayed, want, "recorded transitions up to frame {}", r.name);
        let class: usize = r.name[..2].parse().unwrap();
        correct += usize::from(class == r.prediction.index);
    }
    let changes = reports.iter().filter(|(r, _)| r.changed).count();
    assert!(changes >= 2, "the gesture changed as the replayed classes changed ({changes} changes)");
    assert!(correct * 2 > reports.len(), "only {correct}/{} replayed training frames classified right", reports.len());
    // After the run every LED is off (the loop switches them off when the source ends).
    assert!(leds.states().iter().all(|(_, on)| !on));
    let last_level = |pin: &str| transitions.iter().rev().find(|t| t.pin == pin).map(|t| t.high);
    for p in DEFAULT_PINS {
        assert_eq!(last_level(&format!("GPIO{p}")), Some(false));
    }
}

#[test]
fn export_matches_burn_on_every_validation_image_and_round_trips_metadata() {
    let dir = temp_dir("parity");
    let data = dir.join("data");
    let labels = small_fingers(&data, 10);
    let job = quick_job(&data, &dir.join("model"), 40, 2);
    let report = run_fit(&job).unwrap();

    let loaded = load_folder(&data, 40, None).unwrap();
    let samples: Vec<_> = loaded.samples.iter().collect();
    let burn = probabilities(&report.trained.model, &samples, &report.trained.device);
    let classifier = Classifier::load(&report.model_path).unwrap();
    let mut worst = 0f32;
    for (s, want) in samples.iter().zip(&burn) {
        let got = classifier.classify(&s.image).unwrap();
        for (a, b) in got.probabilities.iter().zip(want) {
            worst = worst.max((a - b).abs());
        }
        assert!((got.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-4, "softmax output sums to 1");
    }
    assert!(worst <= 1e-4, "tract vs burn max diff {worst}");

    let info = classifier.info();
    assert_eq!(info.labels, labels);
    assert_eq!(info.input_size, 40);
    assert_eq!(info.architecture, "seed-cnn");
    assert!(info.training.contains("epochs 2"), "{}", info.training);
    for f in ["model.onnx", "history.json", "accuracy.png", "loss.png", "README.md"] {
        assert!(dir.join("model").join(f).is_file(), "{f} written");
    }
    assert!(!std::fs::read_dir(dir.join("model")).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().starts_with('.')));
}

fn write_model_with_labels(src: &Path, dst: &Path, labels: &str) {
    let mut proto = graph::decode(&std::fs::read(src).unwrap()).unwrap();
    for p in &mut proto.metadata_props {
        if p.key == contract::KEY_LABELS {
            p.value = labels.into();
        }
    }
    std::fs::write(dst, graph::encode(&proto)).unwrap();
}

#[test]
fn bad_models_get_clear_errors() {
    let dir = temp_dir("badmodel");
    let data = dir.join("data");
    small_fingers(&data, 4);
    let report = run_fit(&quick_job(&data, &dir.join("model"), 16, 1)).unwrap();
    let good = report.model_path;

    let missing = dir.join("nope.onnx");
    let e = Classifier::load(&missing).unwrap_err();
    assert!(matches!(e, Error::ModelUnreadable { .. }), "{e}");
    assert!(e.to_string().contains("nope.onnx"));

    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.join("truncated.onnx");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let e = Classifier::load(&truncated).unwrap_err();
    assert!(matches!(e, Error::ModelInvalid { .. }), "{e}");
    assert!(e.to_string().contains("truncated.onnx"), "{e}");

    let five = dir.join("five.onnx");
    write_model_with_labels(&good, &five, "0,1,2,3,4");
    let e = Classifier::load(&five).unwrap_err().to_string();
    assert!(e.contains("five.onnx") && e.contains("5 labels") && e.contains("[1, 6]"), "{e}");

    let not_beckon = dir.join("plain.onnx");
    let mut proto = graph::decode(&bytes).unwrap();
    proto.metadata_props.clear();
    std::fs::write(&not_beckon, graph::encode(&proto)).unwrap();
    let e = Classifier::load(&not_beckon).unwrap_err().to_string();
    assert!(e.contains(contract::KEY_CONTRACT) && e.contains("missing"), "{e}");
}

#[test]
fn corrupt_and_non_image_files_are_skipped_and_counted() {
    let dir = temp_dir("corrupt");
    small_fingers(&dir, 3);
    std::fs::write(dir.join("2").join("broken.png"), b"\x89PNG but not really").unwrap();
    std::fs::write(dir.join("4").join("notes.txt"), b"hello").unwrap();
    let loaded = load_folder(&dir, 24, None).unwrap();
    assert_eq!(loaded.samples.len(), 18);
    assert_eq!(loaded.skipped.len(), 2);
    let names: Vec<String> = loaded.skipped.iter().map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(names.contains(&"broken.png".to_string()) && names.contains(&"notes.txt".to_string()));
    assert!(loaded.samples.iter().all(|s| s.image.dimensions() == (24, 24)));
}

#[test]
fn a_failed_fit_leaves_the_previous_model_untouched() {
    let dir = temp_dir("atomic");
    let data = dir.join("data");
    small_fingers(&data, 3);
    let out = dir.join("model");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("model.onnx"), b"previous model").unwrap();
    // A validation folder with other classes makes the run fail after loading.
    let val = dir.join("val");
    std::fs::create_dir_all(val.join("a")).unwrap();
    std::fs::create_dir_all(val.join("b")).unwrap();
    image::RgbImage::new(8, 8).save(val.join("a/x.png")).unwrap();
    image::RgbImage::new(8, 8).save(val.join("b/y.png")).unwrap();
    let mut job = quick_job(&data, &out, 16, 1);
    job.val_data = Some(val);
    let e = run_fit(&job).unwrap_err().to_string();
    assert!(e.contains("must match"), "{e}");
    assert_eq!(std::fs::read(out.join("model.onnx")).unwrap(), b"previous model");
}

#[test]
fn import_digits_writes_a_tree_the_loader_reads() {
    let dir = temp_dir("import");
    // Three 4×4 images: digits 1, 0, 1 (one-hot over 10 classes).
    let x: Vec<f32> = (0..48).map(|i| (i % 16) as f32 / 15.0).collect();
    let mut y = vec![0f32; 30];
    y[1] = 1.0;
    y[10] = 1.0;
    y[21] = 1.0;
    let npy = |shape: &[u64], data: &[f32]| {
        use npyz::WriterBuilder;
        let mut buf = Vec::new();
        let mut w = npyz::WriteOptions::new().default_dtype().shape(shape).writer(&mut buf).begin_nd().unwrap();
        w.extend(data.iter().copied()).unwrap();
        w.finish().unwrap();
        buf
    };
    std::fs::write(dir.join("X.npy"), npy(&[3, 4, 4], &x)).unwrap();
    std::fs::write(dir.join("Y.npy"), npy(&[3, 10], &y)).unwrap();
    let digits = import::read_npy_dir(&dir).unwrap();
    let out = dir.join("tree");
    let counts = import::write_png_tree(&digits, &[0, 1], &out).unwrap();
    assert_eq!(counts, [(0, 1), (1, 2)]);
    let loaded = load_folder(&out, 4, None).unwrap();
    assert_eq!(loaded.labels, ["0", "1"]);
    assert_eq!(loaded.samples.iter().filter(|s| s.label == 1).count(), 2);
    let px = loaded.samples[0].image.get_pixel(3, 0);
    assert_eq!(px.0, [51, 51, 51], "grey 3/15 → 51 in all three channels");
    // Importing again into the same folder refuses instead of overwriting.
    assert!(import::write_png_tree(&digits, &[0], &out).unwrap_err().to_string().contains("already holds files"));
}

#[test]
fn replay_source_reports_frames_in_order() {
    let dir = temp_dir("replay-order");
    small_fingers(&dir.join("d"), 1);
    let frames = dir.join("frames");
    std::fs::create_dir_all(&frames).unwrap();
    for (i, c) in ["5", "0", "3"].iter().enumerate() {
        let f = std::fs::read_dir(dir.join("d").join(c)).unwrap().next().unwrap().unwrap().path();
        std::fs::copy(f, frames.join(format!("{i}.png"))).unwrap();
    }
    let mut src = ReplaySource::open(&frames, 0.0, false).unwrap();
    let names: Vec<String> = std::iter::from_fn(|| src.next_frame().unwrap()).map(|f| f.name).collect();
    assert_eq!(names, ["0.png", "1.png", "2.png"]);
}

#[test]
fn quantize_makes_three_checked_variants_and_reports_them() {
    use beckon_trainer::quantize::{Method, QuantizeJob, Variant, run_quantize};
    let dir = temp_dir("quantize");
    let data = dir.join("data");
    let labels = small_fingers(&data, 24);
    let fit = quick_job(&data, &dir.join("model"), 32, 30);
    let report = run_fit(&fit).expect("fit");
    let job = QuantizeJob {
        model: report.model_path.clone(),
        data: data.clone(),
        val_data: None,
        val_fraction: fit.val_fraction,
        seed: fit.fit.seed,
        calibration_images: 40,
        method: Method::Percentile(99.99),
        variants: Variant::ALL.to_vec(),
        latency_runs: 5,
        command: "test".into(),
    };
    let q = run_quantize(&job).expect("quantize");
    assert_eq!(q.rows.len(), 4);
    assert_eq!(q.validation_images, report.val_images);

    let f32_bytes = std::fs::metadata(&report.model_path).unwrap().len() as f64;
    for v in Variant::ALL {
        let path = v.path_for(&report.model_path);
        let c = Classifier::load(&path).unwrap();
        assert_eq!(c.info().labels, labels);
        assert!(!c.info().quantization.is_empty(), "{path:?} does not say how it was quantized");
        // Standard ONNX ops only: no Microsoft-domain ops that tract cannot load.
        let proto = graph::decode(&std::fs::read(&path).unwrap()).unwrap();
        let g = proto.graph.unwrap();
        assert!(g.node.iter().all(|n| n.domain.is_empty()), "{path:?} uses a non-standard domain");
        let ops: Vec<&str> = g.node.iter().map(|n| n.op_type.as_str()).collect();
        match v {
            Variant::Int8 => assert!(ops.contains(&"DequantizeLinear") && !ops.contains(&"QuantizeLinear")),
            Variant::Qdq => assert!(ops.contains(&"QuantizeLinear") && ops.contains(&"DequantizeLinear")),
            Variant::F16 => assert!(ops.contains(&"Cast") && !ops.contains(&"DequantizeLinear")),
        }
    }
    let row = |file: &str| q.rows.iter().find(|r| r.file == file).unwrap();
    let int8 = row("model.int8.onnx");
    assert!(int8.bytes as f64 <= 0.30 * f32_bytes, "int8 file is {:.0} % of f32", int8.size_vs_f32 * 100.0);
    assert!(row("model.f16.onnx").bytes as f64 <= 0.55 * f32_bytes);
    assert!(int8.agreement_with_f32 >= 0.95, "int8 agrees with f32 on only {}", int8.agreement_with_f32);
    assert!(row("model.f16.onnx").agreement_with_f32 >= 0.95);
    assert!(row("model.qdq.onnx").agreement_with_f32 >= 0.85, "{:?}", row("model.qdq.onnx"));

    // The card gains one section; a second run replaces it rather than adding another.
    let card_path = dir.join("model/README.md");
    let count = |s: &str| s.matches("## Quantized variants").count();
    assert_eq!(count(&std::fs::read_to_string(&card_path).unwrap()), 1);
    run_quantize(&QuantizeJob { variants: vec![Variant::Int8], ..job.clone() }).unwrap();
    let card = std::fs::read_to_string(&card_path).unwrap();
    assert_eq!(count(&card), 1);
    assert!(card.contains("## Training") && card.contains("## Size and speed"), "the original card was lost");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("model/quantization.json")).unwrap()).unwrap();
    assert_eq!(json["rows"].as_array().unwrap().len(), 2);

    // A quantized model is not quantized again; a dataset with other classes is refused, and a
    // refused run leaves the variants as they were.
    let int8_path = Variant::Int8.path_for(&report.model_path);
    let before = std::fs::read(&int8_path).unwrap();
    let err = run_quantize(&QuantizeJob { model: int8_path.clone(), ..job.clone() }).unwrap_err().to_string();
    assert!(err.contains("already quantized"), "{err}");
    let other = dir.join("other");
    small_fingers(&other, 3);
    std::fs::remove_dir_all(other.join("5")).unwrap();
    let err = format!("{:#}", run_quantize(&QuantizeJob { data: other, ..job }).unwrap_err());
    assert!(err.contains("classes") && err.contains("labels"), "{err}");
    assert_eq!(std::fs::read(&int8_path).unwrap(), before);
}

#[test]
fn captured_frames_make_a_dataset_that_fit_trains_on() {
    use beckon::capture::{CaptureJob, capture};
    use beckon::shutdown::Shutdown;
    let dir = temp_dir("capture");
    let dataset = dir.join("dataset");
    // Two "camera sessions": the replay source playing photos of a fist, then of an open hand.
    for (label, class) in [("fist", "0"), ("open-hand", "5")] {
        let frames = dir.join(format!("camera-{label}"));
        std::fs::create_dir_all(&frames).unwrap();
        let mut files: Vec<_> = std::fs::read_dir(fingers().join(class)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files.iter().take(24) {
            std::fs::copy(f, frames.join(f.file_name().unwrap())).unwrap();
        }
        let mut source = ReplaySource::open(&frames, 0.0, false).unwrap();
        let job = CaptureJob { root: dataset.clone(), label: label.into(), count: 20, every: std::time::Duration::ZERO, region: None };
        let mut seen = 0;
        let saved = capture(&mut source, &job, &Shutdown::new(), None, |n, _| seen = n, |_| {}).unwrap();
        assert_eq!((saved.len(), seen), (20, 20));
    }
    // A second capture adds files and keeps the first ones.
    let mut more = ReplaySource::open(dir.join("camera-fist"), 0.0, false).unwrap();
    let job = CaptureJob { root: dataset.clone(), label: "fist".into(), count: 2, every: std::time::Duration::ZERO, region: None };
    let extra = capture(&mut more, &job, &Shutdown::new(), None, |_, _| {}, |_| {}).unwrap();
    assert_eq!(extra[0].file_name().unwrap().to_string_lossy(), format!("{}_0020.png", beckon::capture::recording_id()));
    assert_eq!(std::fs::read_dir(dataset.join("fist")).unwrap().count(), 22);

    let report = run_fit(&quick_job(&dataset, &dir.join("model"), 32, 20)).expect("fit on the captured dataset");
    assert_eq!(report.labels, ["fist", "open-hand"]);
    assert_eq!(report.train_images + report.val_images, 42);
    let last = report.trained.history.last().unwrap();
    assert!(last.train_accuracy > 0.6, "two very different gestures not learned: {}", last.train_accuracy);
    assert_eq!(Classifier::load(&report.model_path).unwrap().info().labels, ["fist", "open-hand"]);
}
