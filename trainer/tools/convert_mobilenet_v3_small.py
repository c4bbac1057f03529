#!/usr/bin/env python3
"""Convert Google's MobileNetV3-Small 1.0 224 (uint8, quantization-aware) into a beckon backbone.

One-time tool (not run by tests or CI). Input: `v3-small_224_1.0_uint8.tflite` (Apache-2.0,
Google's release; sha256 below; ../shared/backbones/imagenet/README.md has where it comes
from). tf2onnx turns it into a QDQ graph — uint8 weights, a QuantizeLinear → DequantizeLinear
pair around every activation — and this tool keeps it so: every tensor is rounded to its 256
levels as in the TFLite file. It only adds the input step (beckon's f32 pixels, 0–255, become the
network's uint8 input again; its own (x − 128) / 127 follows) and the output (the pre-logits,
dequantized, flattened).

Why keep the rounding: quantized, this network is chaotic. Fed TFLite's own inputs, each op
gives TFLite's output within one step, yet one-step differences on 1–2 % of values grow through
the squeeze-excite blocks: TFLite's reference kernels and its default kernels disagree at cosine
0.935–0.970 on the pre-logits. This file run by onnxruntime or tract lands in the same band;
made plain f32 (weights dequantized, activations clamped to their ranges, no rounding) it drops
to 0.74–0.92, so that version was measured and dropped. Output, in OUT_DIR:

    backbone.onnx   input  "pixels"    f32 [1, 3, 224, 224]  RGB bytes as they are (mean 0, std 1)
                    output "features"  f32 [1, 1024]  the pre-logits (Conv_2, hard-swish), what
                                       TF-Hub's feature_vector gives

and with --fixture DIR IMAGES…: the TFLite interpreter's pre-logits on each 224×224 image
(its default kernels, dequantized with the tensor's scale) as DIR/reference.json, with the
cosine of TFLite's reference kernels and of onnxruntime on the new file against them, for the
parity test.

    venv/bin/pip install tensorflow-cpu==2.15.1 tf2onnx==1.17.0 onnx==1.16.2 numpy==1.26.4 pillow
    venv/bin/python trainer/tools/convert_mobilenet_v3_small.py ../shared/backbones/imagenet/v3-small_224_1.0_uint8.tflite \
        models/backbones/mobilenet_v3_small_1.0_224 --fixture tests/fixtures/mobilenet_v3_small \\
        tests/fixtures/mobilenet_v2_035/inputs/{0,1}.png tests/fixtures/hand_landmark/{fist,five,four,two}_35.png
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_tools  # noqa: E402

SHA256 = "da341cf06fa50127a72dcbeb140ee5ee98013630aa044260a4c3d45c43fc89ce"
FEATURES = "MobilenetV3/Conv_2/hard_swish/mul_1"


def convert(tflite, out_dir):
    got = onnx_tools.check_source(tflite, SHA256)
    # Opset 17: HardSwish is an opset-14 operator.
    model = onnx_tools.tf2onnx(["--tflite", tflite, "--opset", "17", "--inputs-as-nchw", "input"])
    g = model.graph
    if len(g.input) != 1:
        sys.exit(f"unexpected inputs {[i.name for i in g.input]}")
    old_input = g.input[0].name
    # The network's own input is uint8 RGB: beckon's f32 pixels (0–255, whole numbers once
    # beckon has turned its u8 image to f32) become exactly those bytes again.
    g.initializer.extend([
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "pixels_scale"),
        numpy_helper.from_array(np.array(0, dtype=np.uint8), "pixels_zero"),
    ])
    g.node.insert(0, helper.make_node("QuantizeLinear", ["pixels", "pixels_scale", "pixels_zero"], [old_input], name="pixels_to_uint8"))
    del g.input[:]
    g.input.append(helper.make_tensor_value_info("pixels", onnx.TensorProto.FLOAT, [1, 3, 224, 224]))
    # Output: the pre-logits (uint8 in the network), dequantized with their own scale, flattened.
    q = next((n for n in g.node if n.op_type == "QuantizeLinear" and n.output[0] == FEATURES), None)
    if q is None:
        sys.exit(f"no QuantizeLinear makes {FEATURES}")
    g.node.append(helper.make_node("DequantizeLinear", [FEATURES, q.input[1], q.input[2]], ["features_4d"], name="features_dequantize"))
    onnx_tools.flatten_output(g, "features_4d", 1024)
    onnx_tools.prune(g)
    del g.value_info[:]
    mean, std = 0.0, 1.0
    props = {
        "beckon.backbone.kind": "image",
        "beckon.backbone.name": "mobilenet_v3_small_1.0_224",
        "beckon.backbone.preprocessing": "x (RGB bytes; the network quantizes them itself: (x - 128) / 127)",
        "beckon.backbone.mean": f"{mean:g}",
        "beckon.backbone.std": f"{std:g}",
        "beckon.backbone.provenance": (
            f"Google's MobileNetV3-Small 1.0 224 uint8 (v3-small_224_1.0_uint8.tflite, Apache-2.0), sha256 {got}; "
            "converted with its uint8 arithmetic kept (QuantizeLinear/DequantizeLinear around every tensor) by "
            "trainer/tools/convert_mobilenet_v3_small.py (tf2onnx 1.17, opset 17)"
        ),
    }
    path = onnx_tools.save(model, props, os.path.join(out_dir, "backbone.onnx"))
    return path, mean, std


def reference(tflite, onnx_path, mean, std, fixture_dir, images):
    """TFLite's pre-logits for each image (its default kernels, as `tf.lite.Interpreter` runs it)
    into DIR/reference.json, and how far TFLite's own reference kernels and onnxruntime are from them."""
    import onnxruntime as ort
    import tensorflow as tf
    from PIL import Image

    def interpreter(kind):
        it = tf.lite.Interpreter(model_path=tflite, experimental_preserve_all_tensors=True, experimental_op_resolver_type=kind)
        it.allocate_tensors()
        return it

    def features(it, rgb):
        it.set_tensor(it.get_input_details()[0]["index"], rgb[None].astype(np.uint8))
        it.invoke()
        feat = {d["name"]: d for d in it.get_tensor_details()}.get(FEATURES)
        if feat is None:
            sys.exit(f"no tensor {FEATURES} in {tflite}")
        scale, zero = feat["quantization"]
        return (it.get_tensor(feat["index"]).reshape(-1).astype(np.float64) - zero) * scale, scale, zero

    def cosine(a, b):
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    kinds = tf.lite.experimental.OpResolverType
    default, ref_kernels = interpreter(kinds.AUTO), interpreter(kinds.BUILTIN_REF)
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    entries, cos_ref, cos_ort = [], [], []
    for path in images:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        if rgb.shape != (224, 224, 3):
            sys.exit(f"{path}: {rgb.shape}, expected a 224×224 RGB image")
        tfl, f_scale, f_zero = features(default, rgb)
        cos_ref.append(cosine(features(ref_kernels, rgb)[0], tfl))
        x = ((rgb.astype(np.float32) - mean) / std).transpose(2, 0, 1)[None].copy()
        cos_ort.append(cosine(sess.run(None, {"pixels": x})[0].reshape(-1).astype(np.float64), tfl))
        entries.append({"image": os.path.basename(path), "features": [float(v) for v in tfl]})
    os.makedirs(fixture_dir, exist_ok=True)
    out = os.path.join(fixture_dir, "reference.json")
    with open(out, "w") as f:
        json.dump({"source": os.path.basename(tflite), "tensor": FEATURES, "scale": float(f_scale), "zero_point": int(f_zero),
                   "tensorflow": tf.__version__, "kernels": "tf.lite.Interpreter default (OpResolverType.AUTO)",
                   "cosine_tflite_reference_kernels": cos_ref, "cosine_onnxruntime": cos_ort, "onnxruntime": ort.__version__,
                   "images": entries}, f)
    print(f"{out}: {len(entries)} images; cosine with TFLite's default kernels: TFLite's own reference kernels "
          f"{min(cos_ref):.4f}–{max(cos_ref):.4f}, onnxruntime {ort.__version__} on {onnx_path} {min(cos_ort):.4f}–{max(cos_ort):.4f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tflite")
    ap.add_argument("out_dir")
    ap.add_argument("--fixture", nargs="+", metavar=("DIR", "IMAGE"))
    a = ap.parse_args()
    path, mean, std = convert(a.tflite, a.out_dir)
    if a.fixture:
        reference(a.tflite, path, mean, std, a.fixture[0], a.fixture[1:])


if __name__ == "__main__":
    main()
