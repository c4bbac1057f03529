#!/usr/bin/env python3
"""The few-shot curve of `beckon train`: teach the six finger counts from ONE capture session of
../shared/datasets/hands with k examples per gesture, test on every other session's crops.

Only the `beckon` binary is used, as a user on the Pi would: each teaching set is a folder per
gesture (symbolic links to the session's first k crops of that count, in file-name order), then
`beckon train --data … --out …`, then `beckon classify --model …` on every crop of the other
sessions. A teacher session takes part for the k where it has k crops of every count. Prints a
Markdown table: per teacher and k, pooled accuracy on the other sessions (a `none` answer, no hand
seen, counts as wrong), balanced accuracy, and the time `beckon train` took.

With --untaught: teach only "0" and "5" from the teacher session (k examples each), then on the
other sessions' crops of 1-4 fingers (poses nobody taught) count how many would trigger a taught
gesture (top label "0" or "5" with probability >= 0.7, beckon.toml's threshold_high, one frame),
and how many of the other sessions' "0" and "5" crops are still recognised; once with beckon's
default and with `--reject-untaught` at several `--within` factors.

Run from the repository root after `cargo build --release -p beckon-firmware`:

    python3 tests/interop/teach_curve.py --beckon target/release/beckon --data ../shared/datasets/hands
    python3 tests/interop/teach_curve.py --beckon target/release/beckon --data ../shared/datasets/hands --untaught
"""

import argparse
import os
import subprocess
import tempfile
import time

COUNTS = ["0", "1", "2", "3", "4", "5"]


def session(name):
    return name.split("_", 1)[0]


def classify(beckon, model, paths):
    """{path: (top label, its probability)}"""
    out = {}
    for i in range(0, len(paths), 400):
        lines = subprocess.run([beckon, "classify", "--model", model, *paths[i:i + 400]], check=True, capture_output=True, text=True).stdout.splitlines()
        for line in lines:
            parts = line.split("\t")
            if len(parts) >= 3:
                out[parts[0]] = (parts[1], max(float(p) for p in parts[2].split(",")))
    return out


def untaught(a, files, teacher, k):
    taught = ["0", "5"]
    own = {c: [f for f in files[c] if session(f) == teacher][:k] for c in taught}
    if min(len(v) for v in own.values()) < k:
        return
    others = [(c, os.path.join(a.data, c, f)) for c in COUNTS for f in files[c] if session(f) != teacher]
    print("| teacher session | examples per gesture | untaught poses: crops of 1-4 fingers | they trigger \"0\" or \"5\" | taught \"0\"/\"5\" crops recognised | `beckon train` |")
    print("|---|---|---|---|---|---|")
    runs = [(["--reject-untaught", "--within", w], f"`--reject-untaught --within {w}`") for w in ("2.0", "1.0", "0.7", "0.5")]
    for flags, name in [([], "default (closest taught gesture wins)")] + runs:
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "gestures")
            for c in taught:
                os.makedirs(os.path.join(data, c))
                for f in own[c]:
                    os.symlink(os.path.abspath(os.path.join(a.data, c, f)), os.path.join(data, c, f))
            out = os.path.join(tmp, "model")
            subprocess.run([a.beckon, "train", "--data", data, "--out", out, *flags], check=True, capture_output=True, text=True)
            top = classify(a.beckon, os.path.join(out, "model.onnx"), [p for _, p in others])
            fire = lambda p: top[p][0] in taught and top[p][1] >= 0.7
            strangers = [p for c, p in others if c not in taught]
            knowns = [(c, p) for c, p in others if c in taught]
            fired = sum(fire(p) for p in strangers)
            right = sum(top[p][0] == c and top[p][1] >= 0.7 for c, p in knowns)
            print(f"| {teacher} | {k} | {len(strangers)} | {fired / len(strangers):.3f} ({fired}) | {right / len(knowns):.3f} ({right}/{len(knowns)}) | {name} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--beckon", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--ks", default="5,10,20,40")
    ap.add_argument("--teachers", default="2,3,1528664299.56,55,26")
    ap.add_argument("--untaught", action="store_true")
    a = ap.parse_args()
    files = {c: sorted(os.listdir(os.path.join(a.data, c))) for c in COUNTS}
    if a.untaught:
        for teacher in a.teachers.split(","):
            untaught(a, files, teacher, 40 if teacher == "2" else 5)
        return
    print("| teacher session | examples per gesture | test crops (other sessions) | accuracy | balanced | `beckon train` time |")
    print("|---|---|---|---|---|---|")
    for teacher in a.teachers.split(","):
        own = {c: [f for f in files[c] if session(f) == teacher] for c in COUNTS}
        tests = [(c, os.path.join(a.data, c, f)) for c in COUNTS for f in files[c] if session(f) != teacher]
        for k in [int(k) for k in a.ks.split(",")]:
            if min(len(v) for v in own.values()) < k:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                data = os.path.join(tmp, "gestures")
                for c in COUNTS:
                    os.makedirs(os.path.join(data, c))
                    for f in own[c][:k]:
                        os.symlink(os.path.abspath(os.path.join(a.data, c, f)), os.path.join(data, c, f))
                out = os.path.join(tmp, "model")
                start = time.perf_counter()
                subprocess.run([a.beckon, "train", "--data", data, "--out", out], check=True, capture_output=True, text=True)
                seconds = time.perf_counter() - start
                model = os.path.join(out, "model.onnx")
                right = {c: 0 for c in COUNTS}
                total = {c: 0 for c in COUNTS}
                for i in range(0, len(tests), 400):
                    batch = tests[i:i + 400]
                    lines = subprocess.run([a.beckon, "classify", "--model", model, *[p for _, p in batch]], check=True,
                                           capture_output=True, text=True).stdout.splitlines()
                    top = {}
                    for line in lines:
                        parts = line.split("\t")
                        if len(parts) >= 2:
                            top[parts[0]] = parts[1]
                    for c, p in batch:
                        total[c] += 1
                        right[c] += top.get(p) == c
                acc = sum(right.values()) / sum(total.values())
                bal = sum(right[c] / total[c] for c in COUNTS if total[c]) / sum(1 for c in COUNTS if total[c])
                print(f"| {teacher} | {k} | {sum(total.values())} | {acc:.3f} | {bal:.3f} | {seconds:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
