//! beckon's model contract: what a model file must look like for the firmware to run it.
//!
//! A beckon model is one standard ONNX file (opset ≥ 13):
//!
//! | what | value |
//! |---|---|
//! | input  | [`INPUT_NAME`]: `uint8` tensor `[batch, 3, H, W]`, RGB, NCHW, pixel values 0–255 |
//! | output | [`OUTPUT_NAME`]: `float32` tensor `[batch, N]`, softmax probabilities over N labels |
//! | preprocessing | inside the graph (cast, scale), so the device feeds raw pixels |
//!
//! and these `metadata_props` (tract exposes them as `onnx.metadata_props.<key>` properties):
//!
//! | key | meaning | example |
//! |---|---|---|
//! | [`KEY_CONTRACT`] | contract version, must be [`CONTRACT_VERSION`] | `1` |
//! | [`KEY_LABELS`] | the N labels, in output order, comma-separated | `0,1,2,3,4,5` |
//! | [`KEY_INPUT_SIZE`] | H and W of the input | `224` |
//! | [`KEY_INPUT_LAYOUT`] | input layout and format | `NCHW u8 RGB` |
//! | [`KEY_PREPROCESSING`] | what the graph does to the pixels | `x/255` |
//! | [`KEY_ARCHITECTURE`] | network name | `seed-cnn` |
//! | [`KEY_TRAINING`] | how it was trained (free text: data, split, epochs, seed, command) | |
//! | [`KEY_QUANTIZATION`] | optional: how the weights/activations were quantized; absent = f32 | `int8 weights, per-channel symmetric` |
//! | [`KEY_NO_HAND_LABEL`] | optional: the label meaning "no hand in view" (never triggers by default) | `none` |
//!
//! A hand-landmark model has a second output, [`LANDMARKS_NAME`]: `float32 [batch, 21, 3]`, the
//! hand's 21 landmarks (MediaPipe order) as (x, y, z) with x and y in the model's input pixels,
//! and may have a third, [`HANDEDNESS_NAME`]: `float32 [batch, 1]`, the landmark network's
//! left-hand score as MediaPipe defines it (for a mirrored, selfie-view picture; see
//! [`super::handedness`]).
//!
//! docs/models.md repeats this table for users; keep the two in step.

/// Name of the model's image input.
pub const INPUT_NAME: &str = "image";
/// Name of the model's probability output.
pub const OUTPUT_NAME: &str = "probabilities";

/// Name of the optional landmark output of hand-landmark models.
pub const LANDMARKS_NAME: &str = "landmarks";
/// Name of the optional handedness output of hand-landmark models (after the landmarks).
pub const HANDEDNESS_NAME: &str = "handedness";

/// Contract version this firmware understands.
pub const CONTRACT_VERSION: &str = "1";
/// Layout string models must declare.
pub const INPUT_LAYOUT: &str = "NCHW u8 RGB";

pub const KEY_CONTRACT: &str = "beckon.contract";
pub const KEY_LABELS: &str = "beckon.labels";
pub const KEY_INPUT_SIZE: &str = "beckon.input_size";
pub const KEY_INPUT_LAYOUT: &str = "beckon.input_layout";
pub const KEY_PREPROCESSING: &str = "beckon.preprocessing";
pub const KEY_ARCHITECTURE: &str = "beckon.architecture";
pub const KEY_TRAINING: &str = "beckon.training";
pub const KEY_QUANTIZATION: &str = "beckon.quantization";
pub const KEY_NO_HAND_LABEL: &str = "beckon.no_hand_label";

/// The prefix tract puts before ONNX `metadata_props` keys in model properties.
pub const TRACT_METADATA_PREFIX: &str = "onnx.metadata_props.";

/// Separator of labels in [`KEY_LABELS`]; labels may not contain it.
pub const LABEL_SEPARATOR: char = ',';

/// Why `label` cannot be a label (a class folder, a model label, a configuration's label), or
/// `None` if it can. One rule everywhere: capture, the preview page, configurations, the
/// trainer's datasets and model metadata.
///
/// Refused: empty names, leading or trailing spaces, a leading dot (hidden folders are not read
/// as classes), path separators, the label separator, and control or bidirectional-formatting
/// characters (a newline breaks every line-oriented output; U+202E and friends make a label
/// display as something it is not).
pub fn label_problem(label: &str) -> Option<&'static str> {
    if label.is_empty() || label.trim() != label {
        return Some("must be a non-empty name without leading or trailing spaces");
    }
    if label.starts_with('.') {
        return Some("may not start with a dot (hidden folders are not read as classes)");
    }
    if label.contains(['/', '\\', LABEL_SEPARATOR]) {
        return Some("may not contain '/', '\\' or ','");
    }
    if label.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Some("may not contain control characters (newlines, tabs, …) or bidirectional-text controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C)");
    }
    None
}

/// Unicode's explicit bidirectional formatting characters.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_with_control_or_bidi_characters_are_refused() {
        for bad in ["", " a", "a ", "a/b", "..", ".hidden", "a,b", "x\ny", "a\tb", "a\u{202E}b", "\u{2066}x", "a\u{0}b", "a\u{7f}"] {
            assert!(label_problem(bad).is_some(), "{bad:?} accepted");
        }
        for good in ["thumbs-up", "5", "open hand", "pouce levé", "手", "none"] {
            assert_eq!(label_problem(good), None, "{good:?}");
        }
    }
}
