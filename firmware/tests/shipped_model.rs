//! The shipped seed CNN on held-out finger frames, through the library as the device runs it.
//! CI runs these on x86 and, cross-compiled, under qemu for aarch64.

use std::path::{Path, PathBuf};

use beckon::camera::ReplaySource;
use beckon::gpio::map::DEFAULT_PINS;
use beckon::gpio::{LedBank, LedMap, SimPin, TransitionLog};
use beckon::runner;
use beckon::{Classifier, Error};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The firmware's default: the shipped model's int8-weights variant.
fn shipped() -> PathBuf {
    repo().join("models/fingers-cnn/model.int8.onnx")
}

fn shipped_f32() -> PathBuf {
    repo().join("models/fingers-cnn/model.onnx")
}

fn replay_frames() -> Vec<(String, image::RgbImage)> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(replay()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "png")).collect();
    files.sort();
    files.into_iter().map(|p| (p.file_name().unwrap().to_string_lossy()[..1].to_string(), image::open(&p).unwrap().to_rgb8())).collect()
}

/// Studio finger images the seed CNN never trained on (they were the replay frames when it was
/// the default).
fn replay() -> PathBuf {
    repo().join("firmware/tests/fixtures/fingers")
}

#[test]
fn shipped_models_classify_the_held_out_replay_frames() {
    for model in [shipped_f32(), shipped()] {
        let c = Classifier::load(&model).unwrap();
        assert_eq!(c.info().labels, ["0", "1", "2", "3", "4", "5"]);
        let frames = replay_frames();
        assert_eq!(frames.len(), 24);
        let mut right = 0;
        for (truth, frame) in &frames {
            let p = c.classify(frame).unwrap();
            assert!((p.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-4);
            right += usize::from(&c.info().labels[p.index] == truth);
        }
        // Validation images the model never trained on; its validation accuracy is ≥ 0.93.
        assert!(right >= 20, "{model:?}: only {right}/24 replay frames classified right");
    }
}

#[test]
fn shipped_variants_agree_with_f32_on_the_replay_frames() {
    let reference = Classifier::load(shipped_f32()).unwrap();
    let frames = replay_frames();
    // (variant, frames that must get the f32 top-1, largest allowed |p − p_f32|). Measured:
    // int8 24/24 and 0.013, f16 24/24 and 0.0006, qdq 23/24 (a near tie) and 0.025.
    for (variant, min_agree, max_diff) in [("int8", 24, 0.05), ("f16", 24, 0.005), ("qdq", 22, 0.1)] {
        let path = repo().join(format!("models/fingers-cnn/model.{variant}.onnx"));
        let c = Classifier::load(&path).unwrap();
        assert!(!c.info().quantization.is_empty(), "{path:?} does not record its quantization");
        let (mut agree, mut worst) = (0, 0f32);
        for (_, frame) in &frames {
            let (a, b) = (reference.classify(frame).unwrap(), c.classify(frame).unwrap());
            agree += usize::from(a.index == b.index);
            worst = a.probabilities.iter().zip(&b.probabilities).map(|(x, y)| (x - y).abs()).fold(worst, f32::max);
        }
        eprintln!("{variant}: top-1 as f32 on {agree}/24 frames, max |p - p_f32| = {worst:.5}");
        assert!(agree >= min_agree, "{variant}: f32 top-1 on only {agree}/24 frames");
        assert!(worst <= max_diff, "{variant}: probabilities differ from f32 by up to {worst}");
    }
}

#[test]
fn int8_weights_are_decoded_once_at_load() {
    use beckon::model::fold::fold_constant_decoding;
    use tract_onnx::prelude::*;
    let mut model = tract_onnx::onnx().model_for_path(shipped()).unwrap().with_input_fact(0, u8::fact([1, 3, 224, 224]).into()).unwrap().into_typed().unwrap();
    let folded = fold_constant_decoding(&mut model).unwrap();
    // Six weights, each decoded by cast → sub → mul.
    assert!(folded >= 6, "only {folded} nodes folded");
    assert_eq!(fold_constant_decoding(&mut model).unwrap(), 0, "a second pass found more to fold");
    let optimized = model.into_optimized().unwrap();
    let leftover: Vec<String> = optimized.nodes().iter().filter(|n| n.name.contains(".dequantize")).map(|n| format!("{} ({})", n.name, n.op.name())).collect();
    assert!(leftover.is_empty(), "weight decoding left in the run-time graph: {leftover:?}");
}

#[test]
fn replay_run_drives_the_leds_and_switches_them_off_at_the_end() {
    let c = Classifier::load(shipped()).unwrap();
    let mut source = ReplaySource::open(replay(), 0.0, false).unwrap();
    let map = LedMap::binary(&c.info().labels, &DEFAULT_PINS, c.info().no_hand_label.as_deref().and_then(|l| c.info().label_index(l))).unwrap();
    let log = TransitionLog::default();
    let mut leds = LedBank::new(map.pins(), |b| Ok(SimPin::new(format!("GPIO{b}"), log.clone()))).unwrap();
    let mut pipeline = runner::Pipeline::simple(&map, 1, 0.5).unwrap();
    let mut changes = Vec::new();
    let summary = runner::run(&c, &mut source, &mut pipeline, &mut leds, &runner::Limits::default(), |r, _| {
        if r.changed {
            changes.push((r.name.clone(), r.gesture, r.leds.clone()));
        }
    })
    .unwrap();
    assert_eq!(summary.frames, 24);
    // Six classes in a row: at least one change per class boundary the model gets right.
    assert!(changes.len() >= 5, "{changes:?}");
    for (_, gesture, leds) in &changes {
        if let Some(g) = gesture {
            for p in DEFAULT_PINS {
                let on = map.pins_for(*g).contains(&p);
                assert!(leds.contains(&format!("GPIO{p}={}", if on { "on" } else { "off" })), "{leds}");
            }
        }
    }
    let t = log.transitions();
    for p in DEFAULT_PINS {
        let last = t.iter().rev().find(|x| x.pin == format!("GPIO{p}")).unwrap();
        assert!(!last.high, "GPIO{p} left on");
    }
}

#[test]
fn truncated_and_missing_models_are_refused() {
    let bytes = std::fs::read(shipped()).unwrap();
    let dir = crate::common::fresh_dir("fw");
    let cut = dir.join("cut.onnx");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    assert!(matches!(Classifier::load(&cut), Err(Error::ModelInvalid { .. })));
    assert!(matches!(Classifier::load(dir.join("none.onnx")), Err(Error::ModelUnreadable { .. })));
}

#[test]
fn f16_run_agrees_with_f32_on_one_frame_per_class() {
    use beckon::model::{LoadOptions, Precision};
    let f32_model = Classifier::load(shipped()).unwrap();
    // Forced: without native f16 (x86) tract emulates it, slowly, hence one frame per class.
    let f16_model = Classifier::load_with(shipped(), &LoadOptions { precision: Precision::F16, ..Default::default() }).unwrap();
    assert_eq!(f16_model.precision(), Precision::F16);
    let mut worst = 0f32;
    for name in ["0_0002", "1_0254", "2_0443", "3_0639", "4_0889", "5_1050"] {
        let frame = image::open(replay().join(format!("{name}.png"))).unwrap().to_rgb8();
        let a = f32_model.classify(&frame).unwrap();
        let b = f16_model.classify(&frame).unwrap();
        assert_eq!(a.index, b.index, "{name}: f32 {:?} vs f16 {:?}", a.probabilities, b.probabilities);
        for (x, y) in a.probabilities.iter().zip(&b.probabilities) {
            worst = worst.max((x - y).abs());
        }
    }
    assert!(worst < 0.02, "f16 probabilities differ from f32 by {worst}");
}

/// A frame source that panics on its third frame, as a broken camera driver might.
struct PanickingSource(ReplaySource, u32);

impl beckon::camera::FrameSource for PanickingSource {
    fn describe(&self) -> String {
        "panicking".into()
    }
    fn next_frame(&mut self) -> beckon::Result<Option<beckon::camera::Frame>> {
        self.1 += 1;
        assert!(self.1 < 3, "camera exploded");
        self.0.next_frame()
    }
}

#[test]
fn a_panic_or_a_shutdown_request_leaves_every_output_off() {
    let c = Classifier::load(shipped()).unwrap();
    let map = LedMap::binary(&c.info().labels, &DEFAULT_PINS, c.info().no_hand_label.as_deref().and_then(|l| c.info().label_index(l))).unwrap();
    let last_levels = |log: &TransitionLog| -> Vec<bool> {
        let t = log.transitions();
        DEFAULT_PINS.iter().map(|p| t.iter().rev().find(|x| x.pin == format!("GPIO{p}")).unwrap().high).collect()
    };
    // Frames 0_… then 1_…: the second frame of class "1" has GPIO17 on when the panic comes.
    let frames = crate::common::fresh_dir("panic");
    for f in ["1_0254.png", "1_0383.png", "1_0394.png"] {
        std::fs::copy(replay().join(f), frames.join(f)).unwrap();
    }
    let log = TransitionLog::default();
    let on_when_panicking = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut leds = LedBank::new(map.pins(), |b| Ok(SimPin::new(format!("GPIO{b}"), log.clone()))).unwrap();
        let mut source = PanickingSource(ReplaySource::open(&frames, 0.0, false).unwrap(), 0);
        let mut pipeline = runner::Pipeline::simple(&map, 1, 0.5).unwrap();
        let seen = std::cell::RefCell::new(String::new());
        let _ = runner::run(&c, &mut source, &mut pipeline, &mut leds, &runner::Limits::default(), |r, _| {
            *seen.borrow_mut() = r.leds.clone();
        });
        seen.into_inner()
    }));
    assert!(on_when_panicking.is_err(), "the source did not panic");
    assert!(log.transitions().iter().any(|t| t.pin == "GPIO17" && t.high), "GPIO17 never went on: {:?}", log.transitions());
    assert_eq!(last_levels(&log), [false, false, false], "outputs left on after a panic");

    // A shutdown requested mid-run stops the loop after the current frame, outputs off.
    let log = TransitionLog::default();
    let mut leds = LedBank::new(map.pins(), |b| Ok(SimPin::new(format!("GPIO{b}"), log.clone()))).unwrap();
    let mut source = ReplaySource::open(&frames, 0.0, true).unwrap();
    let limits = runner::Limits::default();
    let mut pipeline = runner::Pipeline::simple(&map, 1, 0.5).unwrap();
    let summary = runner::run(&c, &mut source, &mut pipeline, &mut leds, &limits, |r, _| {
        if r.number == 4 {
            limits.shutdown.request();
        }
    })
    .unwrap();
    assert_eq!(summary.frames, 5);
    assert_eq!(last_levels(&log), [false, false, false]);
}
