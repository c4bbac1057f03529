#!/usr/bin/env python3
"""Personalising the shipped gestures, one capture session of ../shared/datasets/hands-frames at a
time, through the `beckon` binary only (as a user on the Pi would do it):

1. `beckon capture --track` on the session's whole frames, one count at a time (the palm
   detector, rotated crop and tracking of `beckon run`): the session's hand crops.
2. Teach: the first k = min(10, n // 2) crops of each count (n = the session's crops of it; a
   count with fewer than 2 is not taught, only tested). The rest are the test crops.
3. Three models, none of which saw the session's test crops, and none of which saw any crop of
   the session in their base features (`--base-without`: the shipped features hold every
   session of ../shared/datasets/hands, which has the same sessions as hands-frames):
   - before: the base features alone (`--user-weight 0`): the model trained leave-one-session-out,
     as a new user gets it;
   - taught: the base features with the session's teaching crops (`--keep-base-gestures`, the
     default `--user-weight`);
   - scratch: the teaching crops alone (`--no-base-features`; only where beckon accepts the set:
     at least two counts with 5 crops).
4. `beckon classify` on the test crops: accuracy per model (a "none" answer is wrong).

Nothing here is chosen on these figures: the weight (2) and k were fixed before the first run.

    python3 tests/interop/personalise.py --beckon target/release/beckon --frames ../shared/datasets/hands-frames
"""

import argparse
import csv
import os
import subprocess
import tempfile

import shipped

COUNTS = ["0", "1", "2", "3", "4", "5"]


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def classify(beckon, model, paths):
    top = {}
    for i in range(0, len(paths), 400):
        out = run([beckon, "classify", "--model", model, *paths[i:i + 400]])
        if out.returncode != 0:
            raise SystemExit(out.stderr)
        for line in out.stdout.splitlines():
            parts = line.split("\t")
            if len(parts) >= 2:
                top[parts[0]] = parts[1]
    return top


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--beckon", required=True)
    ap.add_argument("--frames", required=True, help="../shared/datasets/hands-frames")
    ap.add_argument("--features", default="models/hands-landmarks-lite/features.bin")
    ap.add_argument("--k", type=int, default=10)
    a = ap.parse_args()
    beckon = os.path.abspath(a.beckon)
    rows = list(csv.DictReader(open(os.path.join(a.frames, "labels.csv"))))
    sessions = sorted({r["session"] for r in rows})
    print("| session | taught crops | test crops | before (leave-one-session-out) | taught (base + session) | scratch (session only) |")
    print("|---|---|---|---|---|---|")
    pooled = {"before": [0, 0], "taught": [0, 0], "scratch": [0, 0]}
    better = []
    for s in sessions:
        with tempfile.TemporaryDirectory() as tmp:
            caps = os.path.join(tmp, "caps")
            for c in COUNTS:
                frames = [r["file"] for r in rows if r["session"] == s and r["label"] == c]
                if not frames:
                    continue
                replay = os.path.join(tmp, "replay", c)
                os.makedirs(replay)
                for f in sorted(frames):
                    os.symlink(os.path.abspath(os.path.join(a.frames, "frames", f)), os.path.join(replay, f))
                out = run([beckon, "capture", "--track", "--label", c, "--count", str(len(frames)), "--every", "0", "--countdown", "0",
                           "--replay", replay, "--out", caps])
                if out.returncode != 0:
                    raise SystemExit(out.stderr)
            teach, tests = os.path.join(tmp, "teach"), []
            taught = 0
            for c in COUNTS:
                crops = sorted(os.listdir(os.path.join(caps, c))) if os.path.isdir(os.path.join(caps, c)) else []
                k = min(a.k, len(crops) // 2)
                if k:
                    os.makedirs(os.path.join(teach, c))
                    for f in crops[:k]:
                        os.symlink(os.path.join(caps, c, f), os.path.join(teach, c, f))
                    taught += k
                tests += [(c, os.path.join(caps, c, f)) for f in crops[k:]]
            if not taught or not tests:
                continue
            base = shipped.flags(a.features, {s}) + ["--keep-base-gestures"]
            models = {
                "before": base + ["--user-weight", "0"],
                "taught": base,
                "scratch": ["--no-base-features"],
            }
            cells = {}
            for name, flags in models.items():
                out_dir = os.path.join(tmp, name)
                trained = run([beckon, "train", "--data", teach, "--out", out_dir, *flags])
                if trained.returncode != 0:
                    if name != "scratch":
                        raise SystemExit(trained.stderr)
                    cells[name] = "– (refused: too few crops)"
                    continue
                top = classify(beckon, os.path.join(out_dir, "model.onnx"), [p for _, p in tests])
                right = sum(top.get(p) == c for c, p in tests)
                pooled[name][0] += right
                pooled[name][1] += len(tests)
                cells[name] = f"{right / len(tests):.3f} ({right}/{len(tests)})"
                if name == "taught":
                    taught_right = right
                if name == "before":
                    before_right = right
            better.append(taught_right >= before_right)
            print(f"| {s} | {taught} | {len(tests)} | {cells['before']} | {cells['taught']} | {cells['scratch']} |", flush=True)
    p = {k: f"{v[0] / v[1]:.3f} ({v[0]}/{v[1]})" if v[1] else "–" for k, v in pooled.items()}
    print(f"| **pooled** | | | **{p['before']}** | **{p['taught']}** | {p['scratch']} (sessions where it trains) |")
    print(f"\ntaught >= before in {sum(better)} of {len(better)} sessions")


if __name__ == "__main__":
    main()
