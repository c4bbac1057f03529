//! Loading and running a beckon model with tract.
//!
//! - [`contract`]: the names and metadata keys every beckon model carries (the one place they
//!   are written down in code).
//! - [`info`]: reading and validating that metadata.
//! - [`classifier`]: loading with tract and classifying frames.
//! - [`options`]: precision (f32/f16) and threads.
//! - [`input`]: the image input channels-last, its per-pixel preprocessing as a table.
//! - [`layout`]: convolutions channels-last (NHWC), tract's faster layout for them.
//! - [`fold`]: decoding int8/f16 weights once at load.
//! - [`file`]: reading a model file (regular files up to a size only).
//! - [`prelu`]: PReLU in one pass, and the ONNX reader that uses it.
//! - [`graph`]: a small builder over tract's ONNX protobuf types, to write models.
//! - [`hand_features`]: the part of a landmark model's graph between the network and the head
//!   (hand features), and the no-hand gate after it: the trainer and `beckon train` build it alike.
//! - [`handedness`]: the landmark network's left-hand score as a model output.
//! - [`profile`]: each operator's time in a run (`beckon bench --profile`).
//! - [`kernels`]: compute kernels beckon adds to tract's registry (x86-64 depthwise).
//! - [`stem`]: a network's first convolution (the image's few channels) computed directly on x86-64.
//! - [`pointwise`]: 1×1 convolutions (up to 256 × 256 weights) computed directly on x86-64.

pub mod classifier;
pub mod contract;
pub mod file;
pub mod fold;
pub mod graph;
pub mod hand_features;
pub mod handedness;
pub mod info;
pub mod input;
pub mod kernels;
pub mod layout;
pub mod options;
pub mod pointwise;
pub mod prelu;
pub mod profile;
pub mod stem;

pub use classifier::{Classifier, Prediction};
pub use info::ModelInfo;
pub use layout::Layout;
pub use options::{F16Request, LoadOptions, Precision};

/// beckon's direct kernels ([`stem`], [`pointwise`]) in place of tract's operators in an f32
/// model's plan, where the CPU has them (x86-64 with AVX2 and FMA); before `into_optimized`.
pub fn direct_kernels(model: &mut tract_onnx::prelude::TypedModel) -> tract_onnx::prelude::TractResult<usize> {
    Ok(stem::apply(model)? + pointwise::apply(model)?)
}

#[cfg(test)]
mod tests {
    use super::stem::{StemConv, available};
    use tract_onnx::prelude::*;

    /// The shipped landmark network and palm detector, with and without beckon's direct
    /// kernels ([`super::stem`], [`super::pointwise`]), give the same outputs up to the order of float
    /// additions — and the kernels were put in (where this CPU has them).
    #[test]
    fn the_direct_kernels_compute_what_tract_computes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for (file, clamped) in [("models/hands-landmarks-lite/model.onnx", true), ("models/backbones/palm_detection_lite/detector.onnx", false)] {
            let onnx = crate::model::prelu::onnx();
            let model = onnx.model_for_path(root.join(file)).unwrap();
            // Prepared as beckon loads each: the classifier's u8 image with its pixel table, the
            // detector's f32 frame channels-last.
            let mut typed = if clamped {
                let m = model.with_input_fact(0, u8::fact([1, 3, 224, 224]).into()).unwrap();
                let mut typed = m.into_typed().unwrap().into_decluttered().unwrap();
                crate::model::input::fold_pixels(&mut typed).unwrap().unwrap();
                typed
            } else {
                let m = model.with_input_fact(0, f32::fact([1, 3, 192, 192]).into()).unwrap();
                let mut typed = m.into_typed().unwrap().into_decluttered().unwrap();
                crate::model::input::image_last(&mut typed).unwrap();
                typed
            };
            typed = crate::model::layout::apply(crate::model::Layout::ChannelsLast, typed).unwrap();
            let mut ours = typed.clone();
            let replaced = crate::model::direct_kernels(&mut ours).unwrap();
            let count = |name: &str| ours.nodes().iter().filter(|n| n.op.name() == name).count();
            let (stems, pointwise) = (count("BeckonStemConv"), count("BeckonPointwise"));
            eprintln!("{file}: {stems} stem, {pointwise} 1×1 convolutions replaced");
            assert_eq!(replaced, stems + pointwise);
            assert_eq!((stems, pointwise > 5), (available() as usize, available()), "{file}");
            if clamped && available() {
                let stem = ours.nodes().iter().find(|n| n.op_is::<StemConv>()).unwrap();
                assert_eq!(stem.op_as::<StemConv>().unwrap().clamp.bounds(), (0.0, 6.0), "{file}: the ReLU6 taken in");
            }
            if replaced == 0 {
                // Nothing put in (no kernel on this CPU, as on ARM): the plans are the same, and
                // running them twice under qemu would only cost minutes.
                continue;
            }
            let shape = typed.input_fact(0).unwrap().shape.as_concrete().unwrap().to_vec();
            let n: usize = shape.iter().product();
            let pattern: Vec<f32> = (0..n).map(|i| ((i * 7919) % 255) as f32 / 127.5 - 1.0).collect();
            let input = tract_ndarray::ArrayD::from_shape_vec(shape, pattern).unwrap().into_tensor();
            let run = |m: TypedModel| m.into_optimized().unwrap().into_runnable().unwrap().run(tvec!(input.clone().into())).unwrap();
            let (theirs, ours) = (run(typed), run(ours));
            for (a, b) in theirs.iter().zip(&ours) {
                let (a, b) = (a.try_as_plain_ram().unwrap(), b.try_as_plain_ram().unwrap());
                let (a, b) = (a.as_slice::<f32>().unwrap(), b.as_slice::<f32>().unwrap());
                let scale = a.iter().fold(1f32, |m, v| m.max(v.abs()));
                let worst = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
                assert!(worst <= 1e-4 * scale, "{file}: differs by {worst} (scale {scale})");
            }
        }
    }
}
