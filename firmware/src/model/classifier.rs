//! [`Classifier`]: a beckon model loaded with tract, ready to classify frames.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::RgbImage;
use tract_onnx::prelude::*;

use super::contract::{HANDEDNESS_NAME, INPUT_NAME, LANDMARKS_NAME, OUTPUT_NAME, TRACT_METADATA_PREFIX};
use super::info::ModelInfo;
use super::options::{LoadOptions, Precision};
use crate::error::{Error, Result};
use crate::preprocess;

/// One classified frame.
#[derive(Debug, Clone)]
pub struct Prediction {
    /// Softmax probabilities, one per label, in the model's label order.
    pub probabilities: Vec<f32>,
    /// Index of the most probable label.
    pub index: usize,
    /// Probability of that label.
    pub confidence: f32,
    /// Time spent in tract for this frame (preprocessing excluded).
    pub inference: Duration,
    /// Hand-landmark models: the 21 landmarks (x, y, z), x and y in the model's input pixels;
    /// `None` when the top label is the no-hand label (the points then mean nothing).
    pub landmarks: Option<Vec<[f32; 3]>>,
    /// Hand-landmark models with the handedness output: the network's left-hand score (0–1,
    /// judged as if the picture were mirrored; see [`super::handedness`]).
    pub handedness: Option<f32>,
}

/// A model loaded and optimized by tract, with its validated metadata.
pub struct Classifier {
    path: PathBuf,
    info: ModelInfo,
    precision: Precision,
    plan: Arc<TypedRunnableModel>,
    /// Whether the model has the landmark output (second output).
    has_landmarks: bool,
    /// Whether it has the handedness output (third).
    has_handedness: bool,
    /// Where the plan takes the image channels-last with its preprocessing folded
    /// ([`super::input`]): the table that turns pixels into its input. `None`: the file's own
    /// input, `u8 [1, 3, H, W]`.
    pixels: Option<super::input::PixelTable>,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier").field("path", &self.path).field("info", &self.info).finish()
    }
}

impl Classifier {
    /// Loads `path`, checks it against the [contract](super::contract) and optimizes it for a
    /// batch of one frame, in f32.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::load_with(path, &LoadOptions::default())
    }

    /// [`load`](Self::load) with options (precision).
    ///
    /// A damaged file can make tract panic instead of failing (found by fuzzing: a flipped byte
    /// in a convolution's attributes); that panic becomes [`Error::ModelInvalid`] too.
    pub fn load_with(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Self> {
        let path = path.as_ref();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Self::load_unguarded(path, options))).unwrap_or_else(|panic| {
            Err(Error::ModelInvalid {
                path: path.to_path_buf(),
                reason: format!(
                    "tract failed on it ({}); the file is damaged or uses something tract cannot run: re-export it with `beckon-train fit`",
                    panic_message(panic.as_ref())
                ),
            })
        })
    }

    fn load_unguarded(path: &Path, options: &LoadOptions) -> Result<Self> {
        let path = path.to_path_buf();
        let bytes = super::file::read_model_file(&path)?;
        let invalid = |e: TractError| Error::ModelInvalid { path: path.clone(), reason: format!("{e:#}") };
        let onnx = super::prelu::onnx();
        let mut proto = onnx.proto_model_for_read(&mut bytes.as_slice()).map_err(invalid)?;
        super::handedness::expose(&mut proto);
        let mut model = onnx.model_for_proto_model(&proto).map_err(invalid)?;

        let meta: HashMap<String, String> = model
            .properties
            .iter()
            .filter_map(|(k, v)| {
                let key = k.strip_prefix(TRACT_METADATA_PREFIX)?;
                let view = v.try_as_plain_ram().ok()?;
                Some((key.to_string(), view.to_scalar::<String>().ok()?.clone()))
            })
            .collect();
        let info = ModelInfo::from_metadata(&path, &meta)?;
        let contract = |field: &str, problem: String| Error::Contract { path: path.clone(), field: field.to_string(), problem };

        let input_names: Vec<&str> = model.input_outlets().map_err(invalid)?.iter().map(|o| model.node(o.node).name.as_str()).collect();
        if input_names != [INPUT_NAME] {
            return Err(contract("inputs", format!("{input_names:?}, expected exactly one input named {INPUT_NAME:?}")));
        }
        let s = info.input_size as usize;
        model = model
            .with_input_fact(0, u8::fact([1, 3, s, s]).into())
            .map_err(|e| contract(INPUT_NAME, format!("cannot take a u8 [1, 3, {s}, {s}] image: {e:#}")))?;
        let mut typed =
            model.into_typed().and_then(|mut m| super::fold::fold_constant_decoding(&mut m).map(|_| m)).and_then(|m| m.into_decluttered()).map_err(invalid)?;
        let pixels = match options.layout {
            super::Layout::ChannelsLast => super::input::fold_pixels(&mut typed).map_err(invalid)?,
            super::Layout::ChannelsFirst => None,
        };
        typed = super::layout::apply(options.layout, typed).map_err(invalid)?;
        if options.precision == Precision::F32 {
            super::direct_kernels(&mut typed).map_err(invalid)?;
        }
        if options.precision == Precision::F16 {
            let to_f16 = tract_onnx::tract_core::transform::get_transform("f32_to_f16")
                .map_err(invalid)?
                .ok_or_else(|| Error::Inference("this tract has no f32_to_f16 transform".into()))?;
            to_f16.transform(&mut typed).map_err(invalid)?;
        }
        let typed = typed.into_optimized().map_err(invalid)?;

        let output_names: Vec<&str> = typed.output_outlets().map_err(invalid)?.iter().map(|o| typed.node(o.node).name.as_str()).collect();
        let out_fact = typed.output_fact(0).map_err(invalid)?;
        let out_shape = out_fact.shape.as_concrete().map(|s| s.to_vec());
        let expected_output = match options.precision {
            Precision::F32 => f32::datum_type(),
            Precision::F16 => f16::datum_type(),
        };
        if out_fact.datum_type != expected_output {
            return Err(contract(OUTPUT_NAME, format!("type {:?}, expected f32 probabilities", out_fact.datum_type)));
        }
        match out_shape.as_deref() {
            Some([1, n]) if *n == info.labels.len() => {}
            other => {
                return Err(contract(
                    "metadata_props[beckon.labels]",
                    format!(
                        "{} labels ({}) but the output {:?} has shape {:?}; the label count must equal the output size",
                        info.labels.len(),
                        info.labels.join(","),
                        output_names.first().copied().unwrap_or(OUTPUT_NAME),
                        other
                    ),
                ));
            }
        }
        // tract names outputs after the nodes that make them, so the second output is known by
        // its place and shape.
        let shape_of = |i: usize| typed.output_fact(i).ok().and_then(|f| f.shape.as_concrete().map(|s| s.to_vec()));
        let (has_landmarks, has_handedness) = match output_names.len() {
            1 => (false, false),
            2 | 3 => {
                let shape = shape_of(1);
                if shape.as_deref() != Some(&[1, 21, 3]) {
                    return Err(contract(LANDMARKS_NAME, format!("the second output has shape {shape:?}, expected [1, 21, 3]")));
                }
                let handedness = output_names.len() == 3;
                if handedness && shape_of(2).as_deref() != Some(&[1, 1]) {
                    return Err(contract(HANDEDNESS_NAME, format!("the third output has shape {:?}, expected [1, 1]", shape_of(2))));
                }
                (true, handedness)
            }
            n => {
                return Err(contract(
                    "outputs",
                    format!("{n} outputs; expected {OUTPUT_NAME:?}, optionally followed by {LANDMARKS_NAME:?} and {HANDEDNESS_NAME:?}"),
                ));
            }
        };
        // f16 plans take the folded pixels in f16.
        let pixels = pixels.map(|table| table.in_type(typed.input_fact(0).map(|f| f.datum_type).unwrap_or(f32::datum_type())));
        let plan = typed.into_runnable().map_err(invalid)?;
        Ok(Self { path, info, precision: options.precision, plan, has_landmarks, has_handedness, pixels })
    }

    /// The model's validated metadata.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The precision tract runs the model in.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// `image` (at the model's input size) as the plan's input tensor.
    pub(crate) fn input_tensor(&self, image: &RgbImage) -> Tensor {
        match &self.pixels {
            Some(table) => table.tensor(image),
            None => preprocess::to_nchw_tensor(image),
        }
    }

    /// Whether the plan takes the pixels channels-last through a table ([`super::input`]).
    pub fn folds_pixels(&self) -> bool {
        self.pixels.is_some()
    }

    /// The optimized plan tract runs.
    pub(crate) fn plan(&self) -> &Arc<TypedRunnableModel> {
        &self.plan
    }

    /// The optimized plan, as tract prints it (tests look at the layout it chose).
    #[cfg(test)]
    pub(crate) fn plan_description(&self) -> String {
        format!("{:?}", self.plan.model())
    }

    /// Whether the model gives hand landmarks (a second output).
    pub fn has_landmarks(&self) -> bool {
        self.has_landmarks
    }

    /// Whether the model gives the hand's side (a third output).
    pub fn has_handedness(&self) -> bool {
        self.has_handedness
    }

    /// The file the model was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Classifies a frame of any size: crops its centre square, resizes it to the model's input
    /// size (see [`preprocess::fit_to_input`]) and runs the model.
    pub fn classify(&self, frame: &RgbImage) -> Result<Prediction> {
        let s = self.info.input_size;
        if frame.dimensions() == (s, s) {
            // Already the model's size: no copy on the per-frame path.
            return self.classify_prepared(frame);
        }
        self.classify_prepared(&preprocess::fit_to_input(frame, s))
    }

    /// Runs the model on an image already at the model's input size.
    pub fn classify_prepared(&self, input: &RgbImage) -> Result<Prediction> {
        let s = self.info.input_size;
        if input.dimensions() != (s, s) {
            return Err(Error::Inference(format!(
                "image is {}×{}, the model takes {s}×{s}; use Classifier::classify to resize",
                input.width(),
                input.height()
            )));
        }
        let tensor = self.input_tensor(input);
        let start = Instant::now();
        let outputs = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.plan.run(tvec!(tensor.into()))))
            .map_err(|panic| Error::Inference(format!("tract panicked: {}", panic_message(panic.as_ref()))))?
            .map_err(|e| Error::Inference(format!("{e:#}")))?;
        let inference = start.elapsed();
        let probabilities: Vec<f32> = outputs[0]
            .cast_to::<f32>()
            .and_then(|t| t.try_as_plain_ram().and_then(|v| v.as_slice::<f32>().map(|s| s.to_vec())))
            .map_err(|e| Error::Inference(format!("{e:#}")))?;
        let landmarks = match outputs.get(1) {
            Some(t) if self.has_landmarks => Some(
                t.cast_to::<f32>()
                    .and_then(|t| t.try_as_plain_ram().and_then(|v| v.as_slice::<f32>().map(|s| s.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect())))
                    .map_err(|e| Error::Inference(format!("{e:#}")))?,
            ),
            _ => None,
        };
        let handedness = match outputs.get(2) {
            Some(t) if self.has_handedness => {
                t.cast_to::<f32>().ok().and_then(|t| t.try_as_plain_ram().ok().and_then(|v| v.as_slice::<f32>().ok()?.first().copied()))
            }
            _ => None,
        };
        let (index, confidence) = argmax(&probabilities);
        let no_hand = self.info.no_hand_label.as_deref().is_some_and(|l| self.info.labels[index] == l);
        let landmarks = landmarks.filter(|_| !no_hand);
        Ok(Prediction { probabilities, index, confidence, inference, landmarks, handedness })
    }
}

/// Index and value of the largest element (first one on ties; NaN never wins).
pub fn argmax(values: &[f32]) -> (usize, f32) {
    values.iter().copied().enumerate().fold((0, f32::NEG_INFINITY), |best, (i, v)| if v > best.1 { (i, v) } else { best })
}

/// The text of a caught panic.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}
