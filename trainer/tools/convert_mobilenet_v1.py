#!/usr/bin/env python3
"""Convert the ImageNet MobileNetV1 1.0 224 shipped in PyPI `nudity==0.2.3` into a beckon backbone.

One-time tool (not run by tests or CI). The package (MIT) holds `nudity/files/retrained_graph.pb`,
a TF1 "TensorFlow for Poets" retrain: Google's ImageNet MobileNetV1 1.0 224 (Apache-2.0) left
untouched, plus a 2-class layer we cut off. We keep the feature extractor up to the global average
pool and write an ONNX file that `beckon-train fit --backbone` reads:

    input  "pixels"   f32 [1, 3, 224, 224]  RGB, already preprocessed: (x - 128) / 128
    output "features" f32 [1, 1024]

Usage (needs network once, then nothing):
    python3 -m venv venv && venv/bin/pip install tensorflow-cpu==2.21.0 tf2onnx==1.17.0 onnx==1.23.2
    venv/bin/pip download --no-deps nudity==0.2.3 -d dl && tar xzf dl/nudity-0.2.3.tar.gz -C dl
    venv/bin/python trainer/tools/convert_mobilenet_v1.py \
        dl/nudity-0.2.3/nudity/files/retrained_graph.pb models/backbones/mobilenet_v1_1.0_224
"""
import hashlib
import os
import subprocess
import sys
import tempfile

import onnx
from onnx import helper

PB_SHA256 = "3b90af536f810f5f75e9f6d431bc2e8a3c4fc2ff4f693aa0dd4ae429816f8735"
FEATURES = "MobilenetV1/Logits/AvgPool_1a/AvgPool:0"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(pb, out_dir):
    got = sha256(pb)
    if got != PB_SHA256:
        sys.exit(f"{pb}: sha256 {got}, expected {PB_SHA256} (nudity 0.2.3's retrained_graph.pb)")
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw.onnx")
        subprocess.run(
            [sys.executable, "-m", "tf2onnx.convert", "--graphdef", pb,
             "--inputs", "input:0[1,224,224,3]", "--inputs-as-nchw", "input:0",
             "--outputs", FEATURES, "--opset", "13", "--output", raw],
            check=True,
        )
        model = onnx.load(raw)
    g = model.graph
    # Name the input and flatten [1,1,1,1024] (or [1,1024,1,1]) to [1,1024].
    old_in = g.input[0].name
    for node in g.node:
        node.input[:] = ["pixels" if i == old_in else i for i in node.input]
    g.input[0].name = "pixels"
    pooled = g.output[0].name
    g.node.append(helper.make_node("Flatten", [pooled], ["features"], name="features_flatten", axis=1))
    del g.output[:]
    g.output.append(helper.make_tensor_value_info("features", onnx.TensorProto.FLOAT, [1, 1024]))
    props = {
        "beckon.backbone.name": "mobilenet_v1_1.0_224",
        "beckon.backbone.preprocessing": "(x - 128) / 128",
        "beckon.backbone.mean": "128",
        "beckon.backbone.std": "128",
        "beckon.backbone.provenance": (
            "ImageNet MobileNetV1 1.0 224 (Google, Apache-2.0) from PyPI nudity==0.2.3 (MIT) "
            f"nudity/files/retrained_graph.pb sha256 {PB_SHA256}; cut at {FEATURES}; "
            "converted by trainer/tools/convert_mobilenet_v1.py with tf2onnx"
        ),
    }
    del model.metadata_props[:]
    for k, v in props.items():
        model.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(out_dir, "backbone.onnx")
    onnx.save(model, path)
    print(f"{path}: {os.path.getsize(path)} bytes, sha256 {sha256(path)}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
