#!/usr/bin/env python3
"""Regenerate models/BENCHMARKS.md: beckon's speed and memory beside its peers, from one run.

Every figure is a ratio against something measured in the same run on the same machine:

  * tract (`beckon bench`) vs onnxruntime (PyPI, CPUExecutionProvider) on the same ONNX file and
    the same pixels, 1 and 2 threads, for every shipped model and variant (f32, int8 weights,
    QDQ, f16);
  * multiply-adds per model (counted from the ONNX graph: Conv, Gemm, MatMul) and the implied
    arithmetic rate, against this CPU's practical f32 peak, measured here as numpy's (OpenBLAS)
    1024×1024 matrix product;
  * the frame loop (`beckon run` on replay frames at full speed: decode → crop → resize →
    tensor → infer → decide → GPIO) over pure inference, per shipped model: the wall time of
    400 frames minus that of 100 (start-up cancels), per frame, over the mean inference time the
    same run reports;
  * peak resident memory of `beckon run` per shipped model (the kernel's VmHWM of the process);
  * with --mediapipe-python (a benchmark-only venv with `mediapipe==0.10.21`, see
    tests/interop/mediapipe_pipeline.py) and --frames DIR (whole camera frames, e.g. one session
    of ../shared/datasets/hands-frames): MediaPipe's own hand pipeline and `beckon run` on the
    same frames, pinned to the same core(s) with taskset, tracking and detector-every-frame, 1
    and 2 threads, with how many frames each found a hand in; and tract vs onnxruntime on the
    palm detector file.

Run from the repository root after `cargo build --release --workspace`:

    python3 -m venv target/ort-venv && target/ort-venv/bin/pip install onnxruntime==1.32.0 numpy==2.4.6 pillow==12.0.0 onnx==1.20.1
    target/ort-venv/bin/python tests/interop/benchmarks.py --beckon target/release/beckon > models/BENCHMARKS.md

and, with MediaPipe beside it (session 35 of the shared whole frames, copied to a folder):

    python3 -m venv target/mp-venv && target/mp-venv/bin/pip install mediapipe==0.10.21 "numpy<2"
    target/ort-venv/bin/python tests/interop/benchmarks.py --beckon target/release/beckon \
        --mediapipe-python target/mp-venv/bin/python --frames FRAMES_DIR > models/BENCHMARKS.md

Takes ~2 minutes on 2 cores. Run it on an idle machine: anything else running changes every
figure.
"""

import argparse
import contextlib
import io
import glob
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference
import onnxruntime as ort
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ort_compare import ort_latency  # noqa: E402
from frames import held_copy  # noqa: E402

FRAME = "firmware/replay/0_35_pic00002_0.jpg"
LOOP_FRAMES = "firmware/replay"
DEFAULT = "models/hands-landmarks-lite/model.onnx"
DETECTOR = "models/backbones/palm_detection_lite/detector.onnx"


def shipped_models():
    return sorted(glob.glob("models/*/model*.onnx"), key=lambda p: (os.path.dirname(p), p.count("."), p))


def input_size(path):
    m = onnx.load(path, load_external_data=False)
    meta = {p.key: p.value for p in m.metadata_props}
    return int(meta["beckon.input_size"])


def multiply_adds(path):
    """Multiply-adds of Conv, Gemm and MatMul nodes, from shapes ONNX shape inference gives."""
    m = shape_inference.infer_shapes(onnx.load(path))
    g = m.graph
    shapes = {}
    for v in list(g.value_info) + list(g.input) + list(g.output):
        dims = [d.dim_value if d.HasField("dim_value") else 1 for d in v.type.tensor_type.shape.dim]
        shapes[v.name] = dims
    for t in g.initializer:
        shapes[t.name] = list(t.dims)
    total = 0
    for n in g.node:
        out = shapes.get(n.output[0])
        if n.op_type == "Conv" and out and n.input[1] in shapes:
            w = shapes[n.input[1]]  # O, I/group, kH, kW
            total += int(np.prod(out)) * int(np.prod(w[1:]))
        elif n.op_type in ("Gemm", "MatMul") and out and n.input[1] in shapes:
            k = shapes[n.input[1]][0] if n.op_type == "MatMul" or not any(a.name == "transB" and a.i for a in n.attribute) else shapes[n.input[1]][1]
            total += int(np.prod(out)) * int(k)
    return total


def pixels(path, size):
    img = Image.open(FRAME).convert("RGB")
    w, h = img.size
    s = min(w, h)
    img = img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)).resize((size, size), Image.BILINEAR)
    return np.asarray(img, dtype=np.uint8).transpose(2, 0, 1)[None].copy()


def ort_p50(path, threads, runs):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    return ort_latency(sess, pixels(path, input_size(path)), runs)


def tract_p50(beckon, paths, threads, runs):
    """p50 per model from one round-robin `beckon bench`."""
    out = subprocess.run([beckon, "bench", "--runs", str(runs), "--threads", str(threads), *paths], check=True, capture_output=True, text=True).stdout
    p50 = {}
    for line in out.splitlines():
        cols = line.split()
        # model, prec, size MB, p50 ms, p95 ms, max ms, per s, p50 ratio
        if cols and cols[0] in paths:
            assert len(cols) == 8, line
            p50[cols[0]] = float(cols[3])
    return p50


def peak_gflops():
    a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    b = a.T.copy()
    a @ b
    best = float("inf")
    for _ in range(10):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * 1024**3 / best / 1e9


def run_wall(beckon, model, frames):
    """(wall seconds, mean inference ms, peak RSS KiB) of `beckon run` over `frames` frames."""
    cmd = [beckon, "run", "--model", model, "--replay", LOOP_FRAMES, "--loop", "--max-frames", str(frames),
           "--quiet", "--stats-every", "0", "--region", "fixed"]
    t = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as log:
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.DEVNULL, text=True)
        # The kernel's high-water mark of the process's resident memory (VmHWM), read until it
        # exits. (The child's rusage would count this Python process's memory from before exec.)
        peak = 0
        while p.poll() is None:
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    peak = max(peak, next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")))
            except (OSError, StopIteration):
                pass
            time.sleep(0.02)
        wall = time.perf_counter() - t
        log.seek(0)
        out = log.read()
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {out}")
    m = re.search(r"latency per frame mean ([0-9.]+) ms \(inference ([0-9.]+) ms\)", out)
    return wall, float(m.group(2)), peak


def wall(cmd, cores):
    """(wall seconds, stdout) of `cmd` pinned to `cores` with taskset."""
    t = time.perf_counter()
    out = subprocess.run(["taskset", "-c", cores, *cmd], check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t, out


def beckon_per_frame(beckon, frames_dir, extra, cores, threads, frames, warmup):
    """beckon's ms per frame over `frames` frames (wall of warmup+frames minus wall of warmup, so
    start-up cancels), frames with a hand found, and the palm detector's runs."""
    base = [beckon, "run", "--replay", frames_dir, "--loop", "--stats-every", "0", "--threads", str(threads), *extra]
    short, _ = wall(base + ["--max-frames", str(warmup), "-q"], cores)
    long_, out = wall(base + ["--max-frames", str(warmup + frames)], cores)
    tops = [l.split()[4].strip('"') for l in out.splitlines() if l.startswith("frame ")][warmup:]
    runs = re.search(r"palm detector ran on (\d+) of (\d+) frames \(mean ([0-9.]+) ms when it ran[^)]*\); landmark model ([0-9.]+) ms a frame "
                     r"\((\d+) passes, ([0-9.]+) ms a pass\)", out)
    # The detector's time a run and the landmark model's a pass (a frame may have two: after a
    # detection, a second on the crop the first pass's landmarks give).
    parts = (float(runs.group(3)), float(runs.group(6))) if runs else (0.0, 0.0)
    latency = float(re.search(r"latency per frame mean ([0-9.]+) ms", out).group(1))
    return (long_ - short) / frames * 1e3, sum(t != "none" for t in tops), runs.group(0).split(" (")[0] if runs else "", parts, latency


def mediapipe_per_frame(python, frames_dir, cores, frames, warmup):
    out = subprocess.run(["taskset", "-c", cores, python, os.path.join(os.path.dirname(os.path.abspath(__file__)), "mediapipe_pipeline.py"),
                          frames_dir, "--frames", str(frames), "--warmup", str(warmup)], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def side_by_side(a):
    """The section comparing beckon with MediaPipe's pipeline on the same frames and cores: the
    frames as they are, then (--hold N) each held for N frames."""
    n, warm = a.side_frames, 20
    files = sorted(f for f in os.listdir(a.frames) if f.lower().endswith((".jpg", ".png")))
    print("## beckon vs MediaPipe, same frames, same cores\n")
    held = (f" The second table holds each frame for {a.hold} frames in a row (the same files, each played {a.hold} "
            "times before the next), as a hand kept still in front of a camera: what tracking is for.") if a.hold > 1 else ""
    print(f"{len(files)} whole camera frames (`{a.frames}`, {Image.open(os.path.join(a.frames, files[0])).size[0]}×"
          f"{Image.open(os.path.join(a.frames, files[0])).size[1]}) played in file-name order and looped to {n} frames "
          f"after {warm} warm-up frames, each decoded from its file and processed; ms per frame is wall time. "
          "MediaPipe: `mediapipe.solutions.hands` (the lite palm detector and landmark network, the same networks "
          "beckon ships), `static_image_mode=False` (tracking) and `True` (detector on every frame), "
          "`tests/interop/mediapipe_pipeline.py`. beckon: `beckon run --replay DIR --loop` (tracking) and "
          "`--no-tracking`; with 2 cores `--threads 2` (frames read and decoded one ahead on a thread of their own, "
          "the hands found on the other: `firmware/src/camera/prefetch.rs`) and `--threads 3`, which puts up to two "
          "frames in flight when frames come faster than one thread finds hands, read on a third thread "
          "(`firmware/src/hand/workers.rs`: more frames a second, each a little later). Both pinned with `taskset` to "
          "the same core(s), in the same run. beckon's latency: the mean it reports, work on a decoded frame started → "
          "outputs driven (with two in flight it includes a finished frame's wait for the one before it; a frame's wait "
          "to be started is in neither, as a camera's frames wait for a busy loop in both). "
          "\"Hand found\": frames with a hand reported (MediaPipe: landmarks returned; beckon: a label other than "
          f"`none`); every frame here has one labelled hand.{held}\n")
    parts, as_they_are = side_table(a, a.frames, n, warm)
    held = {}
    if a.hold > 1:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"\nEach frame held for {a.hold} frames:\n")
            _, held = side_table(a, held_copy(a.frames, a.hold, tmp), n, warm)
    ort_det, ort_lm = ort_p50_at(DETECTOR, 1, a.runs, 192), ort_p50(DEFAULT, 1, a.runs)
    print("\nWhere beckon's frame goes (1 core, detector every frame): tract's mean time per run inside that "
          "`beckon run`, against onnxruntime (1 thread, p50 of", a.runs, "runs) on the same files:\n")
    print("| network | tract in beckon run | onnxruntime | tract / onnxruntime |")
    print("|---|---|---|---|")
    print(f"| palm detector (`{DETECTOR}`) | {parts[0]:.2f} ms | {ort_det:.2f} ms | {parts[0] / ort_det:.2f} |")
    print(f"| landmark model (`{DEFAULT}`) | {parts[1]:.2f} ms | {ort_lm:.2f} ms | {parts[1] / ort_lm:.2f} |\n")
    return {"as_they_are": as_they_are, "held": held}


def side_table(a, frames_dir, n, warm):
    """One table of the side-by-side; returns beckon's (detector, landmark) ms, 1 core, every frame,
    and {(cores, mode key): (beckon ms, MediaPipe ms)}."""
    print("| pipeline | cores | ms per frame | frames/s | beckon's latency | hand found | beckon / MediaPipe |")
    print("|---|---|---|---|---|---|---|")
    parts, ms = None, {}
    for cores, thread_counts in (("1", (1,)), ("0,1", (2, 3))):
        mp_ = mediapipe_per_frame(a.mediapipe_python, frames_dir, cores, n, warm)
        for mode, extra, key in (("tracking", [], "tracking"), ("detector every frame", ["--no-tracking"], "every_frame")):
            m = mp_[key]
            print(f"| MediaPipe {mp_['mediapipe']}, {mode} | {cores} | {m['ms_per_frame']:.2f} ms | {1e3 / m['ms_per_frame']:.0f} "
                  f"| | {m['with_hand']}/{n} | |")
            for threads in thread_counts:
                b_ms, b_found, runs, split, latency = beckon_per_frame(a.beckon, frames_dir, extra, cores, threads, n, warm)
                if cores == "1" and key == "every_frame":
                    parts = split
                ms[(cores, key, threads)] = (b_ms, m['ms_per_frame'], latency)
                print(f"| beckon, {mode}, --threads {threads} ({runs}) | {cores} | {b_ms:.2f} ms | {1e3 / b_ms:.0f} | {latency:.2f} ms "
                      f"| {b_found}/{n} | **{b_ms / m['ms_per_frame']:.2f}** |")
    return parts, ms


def ort_p50_at(path, threads, runs, size):
    """onnxruntime p50 on a file without beckon metadata (f32 NCHW input of side `size`)."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    img = Image.open(FRAME).convert("RGB").resize((size, size), Image.BILINEAR)
    x = (np.asarray(img, dtype=np.float32) / 255.0).transpose(2, 0, 1)[None].copy()
    return ort_latency(sess, x, runs)


def isa():
    """The vector instruction sets this CPU offers that matter to the kernels, from /proc/cpuinfo."""
    flags = set()
    for line in open("/proc/cpuinfo"):
        if line.startswith(("flags", "Features")):
            flags |= set(line.split(":", 1)[1].split())
    named = [("avx512f", "AVX-512"), ("avx512_vnni", "VNNI"), ("avx2", "AVX2"), ("fma", "FMA"),
             ("asimd", "NEON"), ("asimddp", "dot product"), ("fphp", "f16")]
    have = [name for flag, name in named if flag in flags]
    if "AVX-512" in have:
        have = [h for h in have if h not in ("AVX2", "FMA")]
    return " + ".join(have) or "none of AVX2, AVX-512, NEON"


def kernels(beckon):
    """The kernels tract picked for the landmark model on this CPU: the depthwise one `beckon bench`
    names, the matrix-product tiles its profile shows, and whether beckon's own stem and 1×1
    convolution kernels run (model::stem, model::pointwise)."""
    out = subprocess.run([beckon, "bench", DEFAULT, "--runs", "3", "--threads", "1", "--profile"], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"depthwise kernel ([^\s;]+)", out)
    depthwise = m.group(1) if m else "tract's generic loop"
    m = re.search(r"direct kernels (.+)$", out, re.M)
    direct = m.group(1) if m else "none"
    tiles = sorted(set(re.findall(r"with \[([a-z0-9_]+)\]", out.split("palm_detection")[0])))
    # The profile lists the slowest nodes only: no tile there means beckon's kernels took every
    # product that matters.
    return f"matrix products {', '.join(tiles) or 'none among the slowest nodes'}; depthwise {depthwise}; beckon's direct {direct}"


MACHINES = "## One row per machine"


def machine_rows(previous, key, row):
    """The per-machine table: the rows of `previous` (an earlier BENCHMARKS.md's text) for other
    machines, then this run's row; `key` = (CPU, instruction sets), its second and third cells."""
    rows = []
    if MACHINES in previous:
        for line in previous.split(MACHINES, 1)[1].split("\n## ", 1)[0].splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("| ") and not line.startswith("| date") and tuple(cells[1:3]) != tuple(key):
                rows.append(line)
    return rows + [row]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--beckon", required=True)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--mediapipe-python", help="a Python with mediapipe==0.10.21 (benchmark-only venv)")
    ap.add_argument("--frames", help="folder of whole camera frames for the MediaPipe comparison")
    ap.add_argument("--side-frames", type=int, default=300, help="frames per pipeline in the MediaPipe comparison")
    ap.add_argument("--hold", type=int, default=1, help="also compare with each frame held for this many frames")
    ap.add_argument("--only-side-by-side", action="store_true", help="print only the MediaPipe comparison")
    ap.add_argument("--previous", default="models/BENCHMARKS.md",
                    help="the earlier file whose rows for other machines are kept (read before anything is printed)")
    a = ap.parse_args()
    if a.only_side_by_side:
        side_by_side(a)
        return
    previous = open(a.previous).read() if a.previous and os.path.exists(a.previous) else ""
    models = shipped_models()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    machine = kernels(a.beckon)  # first: a mistake here should not cost the whole run
    body = io.StringIO()
    with contextlib.redirect_stdout(body):
        summary = measure(a, models, cpu)
    print("# beckon benchmarks\n")
    print(f"Made by `tests/interop/benchmarks.py` (command in its header) on {started}: {cpu} ({isa()}), "
          f"{os.cpu_count()} cores, {platform.system()} {platform.release()}; onnxruntime {ort.__version__}. "
          "Every figure below the first table comes from that one run. Figures from another machine are not "
          "comparable; the ratios travel better than the milliseconds, and not always (the first table).\n")
    print(f"{MACHINES}\n")
    print("Each machine this was run on, its row from its own run (rows of earlier machines kept from the file "
          "as it was; a new run on the same CPU and instruction sets replaces its row). beckon / MediaPipe: ms per "
          "frame, frame in hand → result, both pinned to the same core(s) (section \"beckon vs MediaPipe\"); "
          "tract / onnxruntime: the landmark model, 1 thread, p50 (first section).\n")
    print("| date | CPU | instruction sets | tract's kernels (landmark model) | held hand, 1 core | frames as they are, 1 core "
          "| detector every frame, 1 core | held hand, 2 cores: frames/s beckon vs MediaPipe | tract / onnxruntime, landmark model |")
    # The 2-core cell: beckon decoding ahead (--threads 2) and with two frames in flight
    # (--threads 3), each with its latency, against MediaPipe on the same two cores and beckon's
    # latency on one.
    print("|---|---|---|---|---|---|---|---|---|")
    ratio = lambda d, k: f"{d[k][0] / d[k][1]:.2f}×" if d and k in d else "not run"
    fps = lambda d, key: (f"--threads 2: {1e3 / d[('0,1', key, 2)][0]:.0f}, latency {d[('0,1', key, 2)][2]:.1f} ms; "
                          f"--threads 3: {1e3 / d[('0,1', key, 3)][0]:.0f}, latency {d[('0,1', key, 3)][2]:.1f} ms; "
                          f"MediaPipe {1e3 / d[('0,1', key, 2)][1]:.0f} (beckon's latency on 1 core {d[('1', key, 1)][2]:.1f} ms)"
                          ) if d and ('0,1', key, 3) in d else "not run"
    side = summary["side"] or {}
    row = (f"| {started[:10]} | {cpu} | {isa()} | {machine} | {ratio(side.get('held'), ('1', 'tracking', 1))} "
           f"| {ratio(side.get('as_they_are'), ('1', 'tracking', 1))} | {ratio(side.get('as_they_are'), ('1', 'every_frame', 1))} "
           f"| {fps(side.get('held'), 'tracking')} | {summary['landmarks']:.2f} |")
    for line in machine_rows(previous, (cpu, isa()), row):
        print(line)
    print()
    print(body.getvalue(), end="")


def measure(a, models, cpu):
    """Every section after the per-machine table; returns what that table needs."""
    peak = peak_gflops()
    rows = {}
    for threads in (1, 2):
        # Every file twice in the round-robin: as beckon runs it (convolutions channels-last)
        # and `@nchw`, channels-first as the file has them — tract before beckon's layout change.
        tract = tract_p50(a.beckon, [spec for m in models for spec in (m, m + "@nchw")], threads, a.runs)
        for m in models:
            rows.setdefault(m, {})[threads] = (tract[m], tract[m + "@nchw"], ort_p50(m, threads, a.runs))
    print("## tract vs onnxruntime, same file, same pixels\n")
    print("p50 of", a.runs, "runs after 10 warm-up, frame", f"`{FRAME}`", "resized to the model's input;",
          "tract through `beckon bench` (round-robin over all files), onnxruntime with all graph",
          "optimizations (its default). Ratio = tract / onnxruntime (above 1: tract slower).",
          "\"Before\" is tract on the file as it is (`beckon bench FILE@nchw`: convolutions channels-first);",
          "\"after\" is how beckon runs it now (convolutions channels-last, `firmware/src/model/layout.rs`, and the",
          "image input channels-last with its per-pixel preprocessing a table, `firmware/src/model/input.rs`);",
          "both in the same round-robin.\n")
    print("| model file | multiply-adds | tract 1 thread, before | tract 1 thread, after | ort 1 thread | ratio before | ratio after | tract 2 threads, before | tract 2 threads, after | ort 2 threads | ratio before | ratio after | tract 1 thread GFLOP/s (% of peak) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for m in models:
        macs = multiply_adds(m)
        (t1, b1, o1), (t2, b2, o2) = rows[m][1], rows[m][2]
        gflops = 2 * macs / (t1 / 1e3) / 1e9
        print(f"| `{m}` | {macs / 1e6:.0f} M | {b1:.2f} ms | {t1:.2f} ms | {o1:.2f} ms | {b1 / o1:.2f} | {t1 / o1:.2f} "
              f"| {b2:.2f} ms | {t2:.2f} ms | {o2:.2f} ms | {b2 / o2:.2f} | {t2 / o2:.2f} | {gflops:.1f} ({100 * gflops / peak:.0f} %) |")
    print(f"\nPeak: numpy's 1024×1024 f32 matrix product on this machine (all cores): {peak:.0f} GFLOP/s, "
          "measured in the same run. \"% of peak\" compares one tract thread with it, so 100 % is out of reach "
          f"on {os.cpu_count()} cores by design: it says how much of the machine one inference stream uses.\n")

    print("## The frame loop over pure inference\n")
    print("`beckon run --model M --replay firmware/replay --loop --region fixed --quiet` (23 webcam crops and "
          "scenes, decoded from JPEG/PNG every frame, centre square, resize, tensor, tract, smoothing, "
          "simulated GPIO), 1 thread. Per frame: (wall time of 400 frames − wall time of 100) / 300; "
          "inference: the mean the same 400-frame run reports. Target for the default model: ≤ 1.15.\n")
    print("| model | frame loop per frame | inference | loop / inference | peak RSS of `beckon run` |")
    print("|---|---|---|---|---|")
    for m in [p for p in models if p.endswith("/model.onnx")] + [p for p in models if p.endswith("model.int8.onnx")]:
        short, _, _ = run_wall(a.beckon, m, 100)
        long_, inference, rss = run_wall(a.beckon, m, 400)
        per_frame = (long_ - short) / 300 * 1e3
        default = " (default)" if m == DEFAULT else ""
        print(f"| `{m}`{default} | {per_frame:.2f} ms | {inference:.2f} ms | {per_frame / inference:.2f} | {rss / 1024:.1f} MiB |")
    print("\nWith hand tracking (`--region track`, the default for the landmark model) a frame also costs the "
          "rotated crop and, when the hand is lost, the palm detector (`beckon run --stats-every N` prints each "
          "stage's time); docs/hand-landmarks.md \"Finding the hand\" has figures.\n")

    side = side_by_side(a) if a.mediapipe_python and a.frames else None

    print("## On your Raspberry Pi\n")
    print("No Pi figures are given here: none were measured. On a Pi, after installing the package:\n")
    print("```\nbeckon bench /usr/share/beckon/models/hands-landmarks-lite/model.onnx "
          "/usr/share/beckon/models/fingers-cnn/model.int8.onnx --threads 1\n"
          "beckon bench /usr/share/beckon/models/hands-landmarks-lite/model.onnx --threads 3\n"
          "beckon bench /usr/share/beckon/models/hands-landmarks-lite/model.onnx "
          "/usr/share/beckon/models/hands-landmarks-lite/model.onnx@nchw   # does channels-last pay on your CPU?\n"
          "beckon run --config /etc/beckon/beckon.toml --stats-every 10   # fps and time per stage\n"
          "beckon bench /usr/share/beckon/models/hands-landmarks-lite/model.onnx --profile   # where the landmark model's and the palm detector's time goes, per operator\n```\n")
    print("and add your board, OS and the printed tables to an issue or to this file under a heading of its own.")
    t1, _, o1 = rows[DEFAULT][1]
    return {"side": side, "landmarks": t1 / o1}


if __name__ == "__main__":
    main()
