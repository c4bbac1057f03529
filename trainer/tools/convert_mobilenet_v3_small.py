#!/usr/bin/env python3
"""Convert Google's MobileNetV3-Small 1.0 224 (uint8, quantization-aware) into a beckon backbone.

One-time tool (not run by tests or CI). Input: `v3-small_224_1.0_uint8.tflite` (Apache-2.0,
Google's release; sha256 below; ../shared/backbones/imagenet/README.md has where it comes
from). tf2onnx turns it into a QDQ graph (QuantizeLinear → DequantizeLinear around every
activation, DequantizeLinear on every int weight); this tool then makes it plain f32:

- every DequantizeLinear of a constant (weights, biases) becomes the f32 constant;
- every QuantizeLinear becomes a Clip to the range its uint8 code can hold — the clamping the
  quantized network learned with (its ReLUs and ReLU6s are nothing but these ranges;
  `tf2onnx --dequantize` drops them);
- every DequantizeLinear of an activation becomes an Identity;
- the input's own dequantization (x − 128) · (1/127.5…) becomes beckon's (x − mean) / std.

Only the rounding to 256 levels per tensor is gone — and that is not small for this network.
Measured (this tool's --fixture, and 89 hand crops and office scenes): the f32 pre-logits have
cosine 0.74–0.92 with TFLite's (67–96 quantization steps apart at worst; without the clamps,
as `--dequantize` makes it, 0.71–0.92), and the classifier's top-1 agrees with TFLite's on 57 of
89 images; onnxruntime on tf2onnx's own QDQ graph, which keeps the
rounding, agrees on only 62 of 89 and is 51 steps apart at the pre-logits: ONNX's
QuantizeLinear rounding is not TFLite's fixed-point arithmetic, and the squeeze-excite and
hard-swish layers amplify every difference. So no ONNX file reproduces this TFLite network
closely; this one is not shipped (see issue 12's note). Output, in OUT_DIR:

    backbone.onnx   input  "pixels"    f32 [1, 3, 224, 224]  RGB, (x - 128) / 128 done by beckon
                                       (the file's own input dequantization, read from it)
                    output "features"  f32 [1, 1024]  the pre-logits (Conv_2, hard-swish), what
                                       TF-Hub's feature_vector gives

and with --fixture DIR IMAGES…: the TFLite interpreter's own pre-logits on each 224×224 image
(dequantized from its uint8 tensor, with the tensor's scale) as DIR/reference.json, for the
parity test.

    venv/bin/pip install tensorflow-cpu==2.15.1 tf2onnx==1.17.0 onnx==1.16.2 numpy==1.26.4 pillow
    venv/bin/python trainer/tools/convert_mobilenet_v3_small.py ../shared/backbones/imagenet/v3-small_224_1.0_uint8.tflite \
        models/backbones/mobilenet_v3_small_1.0_224 --fixture tests/fixtures/mobilenet_v3_small IMAGES…
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
    model = onnx_tools.tf2onnx(["--tflite", tflite, "--opset", "13", "--inputs-as-nchw", "input"])
    g = model.graph
    consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    if len(g.input) != 1:
        sys.exit(f"unexpected inputs {[i.name for i in g.input]}")
    old_input = g.input[0].name
    nodes, new_inits, mean, std = [], [], None, None
    for node in g.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "DequantizeLinear" and node.input[0] in consts:
            q = consts[node.input[0]].astype(np.float32)
            scale = consts[node.input[1]].astype(np.float32)
            zero = consts[node.input[2]].astype(np.float32) if len(node.input) > 2 else np.zeros_like(scale)
            if scale.ndim == 1 and scale.size > 1:
                shape = [1] * q.ndim
                shape[attrs.get("axis", 1)] = scale.size
                scale, zero = scale.reshape(shape), zero.reshape(shape)
            new_inits.append(numpy_helper.from_array((q - zero) * scale, node.output[0]))
        elif node.op_type == "DequantizeLinear":
            if node.input[0] == old_input:
                scale, zero = float(consts[node.input[1]]), float(consts[node.input[2]])
                mean, std = zero, 1.0 / scale
            nodes.append(helper.make_node("Identity", [node.input[0] if node.input[0] != old_input else "pixels"], [node.output[0]], name=node.name))
        elif node.op_type == "QuantizeLinear":
            scale, zero = float(consts[node.input[1]]), consts[node.input[2]]
            lo, hi = (0, 255) if zero.dtype == np.uint8 else (-128, 127)
            zero = float(zero)
            lo_name, hi_name = f"{node.name}_clip_min", f"{node.name}_clip_max"
            new_inits.append(numpy_helper.from_array(np.array((lo - zero) * scale, dtype=np.float32), lo_name))
            new_inits.append(numpy_helper.from_array(np.array((hi - zero) * scale, dtype=np.float32), hi_name))
            nodes.append(helper.make_node("Clip", [node.input[0], lo_name, hi_name], [node.output[0]], name=node.name))
        else:
            nodes.append(node)
    if mean is None:
        sys.exit("the input's DequantizeLinear was not found")
    del g.node[:]
    g.node.extend(nodes)
    g.initializer.extend(new_inits)
    del g.input[:]
    g.input.append(helper.make_tensor_value_info("pixels", onnx.TensorProto.FLOAT, [1, 3, 224, 224]))
    # Value infos still typed uint8 from the QDQ graph would contradict the f32 tensors now.
    del g.value_info[:]
    # Output: the pre-logits, flattened.
    onnx_tools.flatten_output(g, FEATURES, 1024)
    onnx_tools.prune(g)
    props = {
        "beckon.backbone.kind": "image",
        "beckon.backbone.name": "mobilenet_v3_small_1.0_224",
        "beckon.backbone.preprocessing": f"(x - {mean:g}) / {std:g}",
        "beckon.backbone.mean": f"{mean:g}",
        "beckon.backbone.std": f"{std:g}",
        "beckon.backbone.provenance": (
            f"Google's MobileNetV3-Small 1.0 224 uint8 (v3-small_224_1.0_uint8.tflite, Apache-2.0), sha256 {got}; "
            "made plain f32 (weights dequantized, each activation clamped to its quantized range) by "
            "trainer/tools/convert_mobilenet_v3_small.py (tf2onnx 1.17, opset 13)"
        ),
    }
    # HardSwish is an opset-14 operator (tf2onnx writes it under 13): declare 14.
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = max(o.version, 14)
    path = onnx_tools.save(model, props, os.path.join(out_dir, "backbone.onnx"))
    return path, mean, std


def reference(tflite, onnx_path, mean, std, fixture_dir, images):
    import tensorflow as tf
    from PIL import Image

    interp = tf.lite.Interpreter(model_path=tflite, experimental_preserve_all_tensors=True)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    details = {d["name"]: d for d in interp.get_tensor_details()}
    if FEATURES not in details:
        sys.exit(f"no tensor {FEATURES} in {tflite}")
    feat = details[FEATURES]
    f_scale, f_zero = feat["quantization"]
    import onnxruntime as ort
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    entries, worst = [], 0.0
    for path in images:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        if rgb.shape != (224, 224, 3):
            sys.exit(f"{path}: {rgb.shape}, expected a 224×224 RGB image")
        interp.set_tensor(inp["index"], rgb[None].astype(np.uint8))
        interp.invoke()
        q = interp.get_tensor(feat["index"]).reshape(-1).astype(np.float32)
        tfl = (q - f_zero) * f_scale
        x = ((rgb.astype(np.float32) - mean) / std).transpose(2, 0, 1)[None].copy()
        ours = sess.run(None, {"pixels": x})[0].reshape(-1)
        worst = max(worst, float(np.abs(ours - tfl).max()))
        entries.append({"image": os.path.basename(path), "features": [float(v) for v in tfl]})
    os.makedirs(fixture_dir, exist_ok=True)
    out = os.path.join(fixture_dir, "reference.json")
    with open(out, "w") as f:
        json.dump({"source": os.path.basename(tflite), "tensor": FEATURES, "scale": float(f_scale), "zero_point": int(f_zero),
                   "tensorflow": tf.__version__, "images": entries}, f)
    print(f"{out}: {len(entries)} images; onnxruntime (f32 dequantized) vs TFLite (uint8): max |diff| {worst:.4f} = {worst / f_scale:.1f} quantization steps of {f_scale:.4f}")


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
