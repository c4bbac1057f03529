#!/usr/bin/env python3
"""Convert MediaPipe's hand networks (.tflite) into ONNX: the landmark networks as beckon landmark
backbones, the palm detectors as beckon's hand detector.

One-time tool (not run by tests or CI). Input: `hand_landmark_full.tflite` or
`hand_landmark_lite.tflite` from PyPI `mediapipe==0.10.21` (Apache-2.0; `pip download --no-deps
mediapipe==0.10.21`, a wheel = zip, paths `mediapipe/modules/hand_landmark/`). Output, in OUT_DIR:

    landmarks.onnx   input  "pixels"     f32 [1, 3, 224, 224]  RGB, x / 255 (0-1), NCHW
                     output "landmarks"  f32 [1, 63]   21 × (x, y, z), x/y in input pixels
                     output "presence"   f32 [1, 1]    hand presence, 0-1
                     output "handedness" f32 [1, 1]    left-hand score, 0-1 (MediaPipe reads it as label 0, "Left", of handedness.txt; for mirrored frames)
    (the world-landmark output is dropped)

or, for `palm_detection_lite.tflite` / `palm_detection_full.tflite` (`mediapipe/modules/palm_detection/`):

    detector.onnx    input  "pixels"     f32 [1, 3, 192, 192]  RGB, x / 255 (0-1), NCHW, letterboxed
                     output "boxes"      f32 [1, 2016, 18]  per SSD anchor: box (x, y, w, h) and 7
                                         keypoints (x, y), in input pixels relative to the anchor
                     output "scores"     f32 [1, 2016, 1]   palm score logits

and, with --fixture DIR IMAGES…, the TFLite interpreter's outputs on each image (PNG, 224×224
RGB) as DIR/reference.json: the parity test runs tract on landmarks.onnx against it.

Usage (network once for the packages, then nothing):
    python3 -m venv venv && venv/bin/pip install tensorflow-cpu==2.15.1 tf2onnx==1.17.0 onnx==1.16.2 numpy==1.26.4 pillow
    venv/bin/python trainer/tools/convert_hand_landmark.py ../shared/backbones/mediapipe/hand_landmark_full.tflite \
        models/backbones/hand_landmark_full [--fixture tests/fixtures/hand_landmark tests/fixtures/hand_landmark/*.png]
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_tools  # noqa: E402

KNOWN = {
    "hand_landmark_full": "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3",
    "hand_landmark_lite": "048edd3645c9bf7397d19a9f6e3a42957d6e414c9bea6598030a2e9b624156e6",
    "palm_detection_full": "1b14e9422c6ad006cde6581a46c8b90dd573c07ab7f3934b5589e7cea3f89a54",
    "palm_detection_lite": "e9a4aaddf90dda56a87235303cf00e4c2d3fb28725f68fd88772997dac905c18",
}
# TFLite output name -> beckon output name, shape.
OUTPUTS = [("Identity", "landmarks", [1, 63]), ("Identity_1", "presence", [1, 1]), ("Identity_2", "handedness", [1, 1])]
PALM_OUTPUTS = [("Identity", "boxes", [1, 2016, 18]), ("Identity_1", "scores", [1, 2016, 1])]


def is_palm(name):
    return name.startswith("palm_detection")


def convert(tflite, out_dir):
    name = os.path.splitext(os.path.basename(tflite))[0]
    if name not in KNOWN:
        sys.exit(f"{tflite}: expected one of {sorted(KNOWN)} (mediapipe 0.10.21's hand files)")
    got = onnx_tools.check_source(tflite, KNOWN[name])
    model = onnx_tools.tf2onnx(["--tflite", tflite, "--opset", "13", "--inputs-as-nchw", "input_1"])
    g = model.graph
    onnx_tools.rename_input(g)
    by_name = {o.name: o for o in g.output}
    renames = {}
    outputs = PALM_OUTPUTS if is_palm(name) else OUTPUTS
    for tfl, ours, _ in outputs:
        match = [n for n in by_name if n == tfl or n.startswith(tfl + ":")]
        if len(match) != 1:
            sys.exit(f"output {tfl} not found in {list(by_name)}")
        renames[match[0]] = ours
    for node in g.node:
        node.output[:] = [renames.get(o, o) for o in node.output]
        node.input[:] = [renames.get(i, i) for i in node.input]
    del g.output[:]
    for _, ours, shape in outputs:
        g.output.append(helper.make_tensor_value_info(ours, onnx.TensorProto.FLOAT, shape))
    # Drop what no longer feeds an output (the world landmarks).
    onnx_tools.prune(g)
    props = {
        "beckon.backbone.kind": "palm-detector" if is_palm(name) else "hand-landmarks",
        "beckon.backbone.name": name,
        "beckon.backbone.preprocessing": "x / 255",
        "beckon.backbone.mean": "0",
        "beckon.backbone.std": "255",
        "beckon.backbone.provenance": (
            f"MediaPipe {name}.tflite (Google, Apache-2.0) from PyPI mediapipe==0.10.21, sha256 {got}; "
            "converted by trainer/tools/convert_hand_landmark.py with tf2onnx 1.17 (opset 13, NCHW input)"
        ),
    }
    return onnx_tools.save(model, props, os.path.join(out_dir, "detector.onnx" if is_palm(name) else "landmarks.onnx"))


def reference(tflite, onnx_path, fixture_dir, images):
    import tensorflow as tf
    from PIL import Image

    interp = tf.lite.Interpreter(model_path=tflite)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    outs = {d["name"]: d for d in interp.get_output_details()}
    try:
        import onnxruntime as ort
        sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    except ImportError:
        sess = None
    entries, worst = [], 0.0
    for path in images:
        rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
        if rgb.shape != (224, 224, 3):
            sys.exit(f"{path}: {rgb.shape}, expected a 224×224 RGB image")
        x = (rgb / 255.0)[None]
        interp.set_tensor(inp["index"], x)
        interp.invoke()
        got = {ours: interp.get_tensor(outs[tfl]["index"]).reshape(-1) for tfl, ours, _ in OUTPUTS}
        if sess is not None:
            o = sess.run(None, {"pixels": x.transpose(0, 3, 1, 2).copy()})
            for (_, ours, _), v in zip(OUTPUTS, o):
                worst = max(worst, float(np.abs(v.reshape(-1) - got[ours]).max()))
        entries.append({"image": os.path.basename(path), **{k: [float(f) for f in v] for k, v in got.items()}})
    os.makedirs(fixture_dir, exist_ok=True)
    out = os.path.join(fixture_dir, f"reference_{os.path.basename(tflite).split('.')[0]}.json")
    with open(out, "w") as f:
        json.dump({"source": os.path.basename(tflite), "tensorflow": tf.__version__, "images": entries}, f, indent=1)
    print(f"{out}: {len(entries)} images; onnxruntime vs TFLite max |diff| {worst:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tflite")
    ap.add_argument("out_dir")
    ap.add_argument("--fixture", nargs="+", metavar=("DIR", "IMAGE"), help="fixture folder, then PNG images")
    a = ap.parse_args()
    path = convert(a.tflite, a.out_dir)
    if a.fixture:
        reference(a.tflite, path, a.fixture[0], a.fixture[1:])


if __name__ == "__main__":
    main()
