#!/usr/bin/env python3
"""Run beckon models in onnxruntime and in beckon (tract) on the same pixels; compare outputs.

Each image is centre-cropped and resized to the model's input size once, here, and saved as a
PNG at exactly that size, so both runtimes receive identical u8 pixels (beckon does not resize
an image that is already at the model's size). Then, per model:

  * onnxruntime (CPUExecutionProvider, 1 thread) runs the ONNX file twice: with basic graph
    optimizations (plain ONNX semantics: the reference) and with all of them (its default, which
    fuses QDQ and DequantizeLinear→MatMul patterns into int8 kernels, changing the numbers);
  * `beckon classify --model M FILES...` runs it through tract, as the device does;
  * the script reports the largest |p_ort - p_beckon| against both, and the top-1 agreement, and
    fails (exit 1) if the difference to the reference > --max-diff or the top-1 agreement with
    either < --min-agreement;
  * for hand-landmark models (a second output, `landmarks` [1, 21, 3]) it also compares the
    landmarks beckon prints for frames with a hand with onnxruntime's reference, in input pixels,
    and fails if they differ by more than --max-landmark-diff.

With --timing it also prints onnxruntime's p50 latency beside `beckon bench` for the same files.

Needs: python3 with numpy, pillow, onnxruntime (pip install onnxruntime numpy pillow).

Examples:
  # what CI runs: the shipped models on the replay frames
  python3 tests/interop/ort_compare.py --beckon target/release/beckon \\
      models/fingers-cnn/model*.onnx --images firmware/replay
  # the whole validation split, with accuracy against the true labels, and latency
  beckon-train split --data trainer/data/fingers > /tmp/val.txt
  python3 tests/interop/ort_compare.py --beckon target/release/beckon \\
      models/fingers-cnn/model*.onnx --split-list /tmp/val.txt --timing
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
from PIL import Image


def fit_to_input(path, size):
    """Centre square crop, then resize to size x size (bilinear), RGB."""
    img = Image.open(path).convert("RGB")
    w, h = img.size
    s = min(w, h)
    left, top = (w - s) // 2, (h - s) // 2
    img = img.crop((left, top, left + s, top + s))
    if s != size:
        img = img.resize((size, size), Image.BILINEAR)
    return img


def list_images(args):
    """[(path, true label or None)]"""
    items = []
    if args.split_list:
        with open(args.split_list) as f:
            for line in f:
                line = line.strip()
                if line:
                    label, path = line.split(" ", 1)
                    items.append((path, label))
    for entry in args.images or []:
        if os.path.isdir(entry):
            for name in sorted(os.listdir(entry)):
                if name.lower().endswith((".png", ".jpg", ".jpeg")):
                    items.append((os.path.join(entry, name), None))
        else:
            items.append((entry, None))
    if not items:
        sys.exit("error: no images; pass --images DIR|FILE... or --split-list FILE")
    return items


def session(model, level):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = level
    return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])


def beckon_classify(beckon, model, files):
    out = subprocess.run([beckon, "classify", "--model", model, *files], check=True, capture_output=True, text=True)
    probs, hands = {}, {}
    for line in out.stdout.splitlines():
        path, _label, values, *hand = line.split("\t")
        probs[path] = np.array([float(v) for v in values.split(",")], dtype=np.float64)
        if hand:
            hands[path] = np.array([float(v) for v in hand[0].split(",")], dtype=np.float64)
    return probs, hands


def ort_latency(sess, x, runs):
    name = sess.get_inputs()[0].name
    for _ in range(10):
        sess.run(None, {name: x})
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, {name: x})
        times.append((time.perf_counter() - t) * 1e3)
    return float(np.median(times))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", help="beckon ONNX model files")
    ap.add_argument("--beckon", required=True, help="the beckon binary")
    ap.add_argument("--images", nargs="*", help="image files or folders")
    ap.add_argument("--split-list", help="'LABEL PATH' lines, as printed by `beckon-train split`")
    ap.add_argument("--min-agreement", type=float, default=0.99)
    ap.add_argument("--max-diff", type=float, default=1e-4)
    ap.add_argument("--max-landmark-diff", type=float, default=1e-2, help="pixels")
    ap.add_argument("--timing", action="store_true", help="also compare latency (onnxruntime vs beckon bench)")
    ap.add_argument("--runs", type=int, default=100)
    args = ap.parse_args()

    items = list_images(args)
    failed = False
    latency_rows = []
    with tempfile.TemporaryDirectory(prefix="beckon-ort-") as tmp:
        prepared = {}  # size -> [file]
        print(f"{len(items)} images; onnxruntime {ort.__version__}")
        print(f"{'model':<36} {'max|dp| basic':>13} {'max|dp| all':>11} {'agree basic':>12} {'agree all':>10} {'acc ort':>8} {'acc beckon':>10}")
        for model in args.models:
            basic = session(model, ort.GraphOptimizationLevel.ORT_ENABLE_BASIC)
            sess = session(model, ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
            meta = sess.get_modelmeta().custom_metadata_map
            size = int(meta["beckon.input_size"])
            labels = meta["beckon.labels"].split(",")
            if size not in prepared:
                files = []
                for i, (path, _) in enumerate(items):
                    f = os.path.join(tmp, f"{size}_{i:05d}.png")
                    fit_to_input(path, size).save(f)
                    files.append(f)
                prepared[size] = files
            files = prepared[size]
            ours, our_hands = beckon_classify(args.beckon, model, files)
            name = sess.get_inputs()[0].name
            worst, worst_all, agree, agree_all, right_ort, right_beckon, known = 0.0, 0.0, 0, 0, 0, 0, 0
            worst_hand, hands = 0.0, 0
            first_x = None
            for f, (_, truth) in zip(files, items):
                x = np.asarray(Image.open(f).convert("RGB"), dtype=np.uint8).transpose(2, 0, 1)[None]
                first_x = x if first_x is None else first_x
                ref_out = basic.run(None, {name: x})
                p_ref = ref_out[0][0].astype(np.float64)
                if f in our_hands:
                    hands += 1
                    worst_hand = max(worst_hand, float(np.abs(ref_out[1].reshape(-1) - our_hands[f]).max()))
                p_ort = sess.run(None, {name: x})[0][0].astype(np.float64)
                p_ours = ours[f]
                worst = max(worst, float(np.abs(p_ref - p_ours).max()))
                worst_all = max(worst_all, float(np.abs(p_ort - p_ours).max()))
                agree += int(np.argmax(p_ref) == np.argmax(p_ours))
                agree_all += int(np.argmax(p_ort) == np.argmax(p_ours))
                if truth is not None:
                    known += 1
                    right_ort += int(labels[int(np.argmax(p_ort))] == truth)
                    right_beckon += int(labels[int(np.argmax(p_ours))] == truth)
            n = len(files)
            acc = (lambda r: f"{r / known:.4f}") if known else (lambda r: "-")
            print(
                f"{model:<36} {worst:>13.2e} {worst_all:>11.2e} {agree:>5}/{n:<6} {agree_all:>4}/{n:<5} "
                f"{acc(right_ort):>8} {acc(right_beckon):>10}"
            )
            if hands:
                print(f"  landmarks on {hands} frames with a hand: max |onnxruntime - beckon| {worst_hand:.2e} px")
            if min(agree, agree_all) / n < args.min_agreement or worst > args.max_diff or worst_hand > args.max_landmark_diff:
                print(
                    f"  FAIL: top-1 agreement {agree / n:.4f} / {agree_all / n:.4f} (min {args.min_agreement}), "
                    f"max diff to the reference {worst:.2e} (max {args.max_diff}), landmarks {worst_hand:.2e} px (max {args.max_landmark_diff})"
                )
                failed = True
            if args.timing:
                latency_rows.append((model, ort_latency(sess, first_x, args.runs)))
    if args.timing:
        print(f"\nlatency, 1 thread, p50 over {args.runs} runs (same machine, same run of this script; onnxruntime with all optimizations):")
        bench = subprocess.run(
            [args.beckon, "bench", "--runs", str(args.runs), *args.models], check=True, capture_output=True, text=True
        ).stdout
        tract = {}
        for line in bench.splitlines():
            cols = line.split()
            if cols and cols[0] in args.models:
                tract[cols[0]] = float(cols[4])
        print(f"{'model':<36} {'onnxruntime ms':>14} {'beckon/tract ms':>15} {'tract/ort':>9}")
        for model, ms in latency_rows:
            t = tract.get(model, float("nan"))
            print(f"{model:<36} {ms:>14.2f} {t:>15.2f} {t / ms:>9.2f}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
