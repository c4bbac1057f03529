#!/usr/bin/env python3
"""Convert TF-slim's MobileNetV1 0.25 224 float TFLite file into a beckon backbone (ONNX).

One-time tool (not run by tests or CI). Input: `mobilenet_v1_0.25_224_float.tflite` (Apache-2.0,
GitHub tensorflow/tflite-support test data; sha256 below; ../shared/backbones/imagenet/README.md).
f32 throughout (batch norm already folded), so the ONNX file computes what TFLite computes.
Output, in OUT_DIR:

    backbone.onnx   input  "pixels"    f32 [1, 3, 224, 224]  RGB, (x - 127.5) / 127.5 done by beckon
                    output "features"  f32 [1, 256]  the global average of the last block

and with --fixture DIR IMAGES…: the TFLite interpreter's own features on each 224×224 image as
DIR/reference.json, for the parity test.

    venv/bin/pip install tensorflow-cpu==2.15.1 tf2onnx==1.17.0 onnx==1.16.2 numpy==1.26.4 pillow
    venv/bin/python trainer/tools/convert_slim_mobilenet_v1.py ../shared/backbones/imagenet/mobilenet_v1_0.25_224_float.tflite \
        models/backbones/mobilenet_v1_0.25_224 --fixture tests/fixtures/mobilenet_v1_025_slim IMAGES…
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_tools  # noqa: E402

SHA256 = "446ec673881cd46371a8726075b714194ada39d144762260cb76d15318597df7"
FEATURES = "MobilenetV1/Logits/AvgPool_1a/AvgPool"


def convert(tflite, out_dir):
    got = onnx_tools.check_source(tflite, SHA256)
    model = onnx_tools.tf2onnx(["--tflite", tflite, "--opset", "13", "--inputs-as-nchw", "input"])
    g = model.graph
    onnx_tools.rename_input(g)
    onnx_tools.flatten_output(g, FEATURES, 256)
    onnx_tools.prune(g)
    del g.value_info[:]
    props = {
        "beckon.backbone.kind": "image",
        "beckon.backbone.name": "mobilenet_v1_0.25_224",
        "beckon.backbone.preprocessing": "(x - 127.5) / 127.5",
        "beckon.backbone.mean": "127.5",
        "beckon.backbone.std": "127.5",
        "beckon.backbone.provenance": (
            f"TF-slim MobileNetV1 0.25 224 float (mobilenet_v1_0.25_224_float.tflite, Google, Apache-2.0, "
            f"from GitHub tensorflow/tflite-support test data), sha256 {got}; converted by "
            "trainer/tools/convert_slim_mobilenet_v1.py (tf2onnx 1.17, opset 13, NCHW input, cut at the global average)"
        ),
    }
    return onnx_tools.save(model, props, os.path.join(out_dir, "backbone.onnx"))


def reference(tflite, onnx_path, fixture_dir, images):
    import tensorflow as tf
    from PIL import Image
    import onnxruntime as ort

    interp = tf.lite.Interpreter(model_path=tflite, experimental_preserve_all_tensors=True)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    feat = {d["name"]: d for d in interp.get_tensor_details()}[FEATURES]
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    entries, worst = [], 0.0
    for path in images:
        rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
        if rgb.shape != (224, 224, 3):
            sys.exit(f"{path}: {rgb.shape}, expected a 224×224 RGB image")
        x = (rgb - 127.5) / 127.5
        interp.set_tensor(inp["index"], x[None])
        interp.invoke()
        tfl = interp.get_tensor(feat["index"]).reshape(-1)
        ours = sess.run(None, {"pixels": x.transpose(2, 0, 1)[None].copy()})[0].reshape(-1)
        worst = max(worst, float(np.abs(ours - tfl).max()))
        entries.append({"image": os.path.basename(path), "features": [float(v) for v in tfl]})
    os.makedirs(fixture_dir, exist_ok=True)
    out = os.path.join(fixture_dir, "reference.json")
    with open(out, "w") as f:
        json.dump({"source": os.path.basename(tflite), "tensor": FEATURES, "tensorflow": tf.__version__, "images": entries}, f)
    print(f"{out}: {len(entries)} images; onnxruntime vs TFLite max |diff| {worst:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tflite")
    ap.add_argument("out_dir")
    ap.add_argument("--fixture", nargs="+", metavar=("DIR", "IMAGE"))
    a = ap.parse_args()
    path = convert(a.tflite, a.out_dir)
    if a.fixture:
        reference(a.tflite, path, a.fixture[0], a.fixture[1:])


if __name__ == "__main__":
    main()
