#!/usr/bin/env python3
"""The few-shot curve of `beckon train`: teach the six finger counts from ONE capture session of
../shared/datasets/hands with k examples per gesture, test on every other session's crops.

Only the `beckon` binary is used, as a user on the Pi would: each teaching set is a folder per
gesture (symbolic links to the session's first k crops of that count, in file-name order), then
`beckon train --data … --out …`, then `beckon classify --model …` on every crop of the other
sessions. A teacher session takes part for the k where it has k crops of every count. Prints a
Markdown table: per teacher and k, pooled accuracy on the other sessions (a `none` answer, no hand
seen, counts as wrong), balanced accuracy, and the time `beckon train` took.

Two ways: the user's examples alone (`--no-base-features`), and with the shipped model's
features (`beckon train`'s default). The shipped features hold every session of this folder, so
each test session is predicted by a model trained with the teacher's and that session's base
examples left out (`--base-without`): one `beckon train` per test session.

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

import shipped

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


def teach(a, tmp, own, flags):
    """Trains on {count: [files]}; returns (model path, seconds)."""
    data = os.path.join(tmp, "gestures")
    if not os.path.isdir(data):
        for c, fs in own.items():
            os.makedirs(os.path.join(data, c))
            for f in fs:
                os.symlink(os.path.abspath(os.path.join(a.data, c, f)), os.path.join(data, c, f))
    out = os.path.join(tmp, "model")
    start = time.perf_counter()
    subprocess.run([a.beckon, "train", "--data", data, "--out", out, *flags], check=True, capture_output=True, text=True)
    return os.path.join(out, "model.onnx"), time.perf_counter() - start


def untaught(a, files, teacher, k):
    taught = ["0", "5"]
    own = {c: [f for f in files[c] if session(f) == teacher][:k] for c in taught}
    if min(len(v) for v in own.values()) < k:
        return
    others = [(c, os.path.join(a.data, c, f)) for c in COUNTS for f in files[c] if session(f) != teacher]
    print("| teacher session | examples per gesture | untaught poses: crops of 1-4 fingers | they trigger \"0\" or \"5\" | taught \"0\"/\"5\" crops recognised | `beckon train` |")
    print("|---|---|---|---|---|---|")
    runs = [([], "with the shipped features: the others are `other` (default)", True),
            (["--no-base-features"], "your examples alone: the closest taught gesture wins", False),
            (["--no-base-features", "--reject-untaught", "--within", "1.0"], "your examples alone, `--reject-untaught`", False)]
    for flags, name, per_session in runs:
        groups = sorted({shipped.group(p.split("/")[-1]) for _, p in others})
        top = {}
        with tempfile.TemporaryDirectory() as tmp:
            if not per_session:
                model, _ = teach(a, tmp, own, flags)
                top = classify(a.beckon, model, [p for _, p in others])
            for g in groups if per_session else []:
                with tempfile.TemporaryDirectory() as fold:
                    model, _ = teach(a, fold, own, flags + shipped.flags(a.features, {teacher, g}))
                    top.update(classify(a.beckon, model, [p for _, p in others if shipped.group(p.split("/")[-1]) == g]))
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
    ap.add_argument("--features", default="models/hands-landmarks-lite/features.bin")
    a = ap.parse_args()
    files = {c: sorted(os.listdir(os.path.join(a.data, c))) for c in COUNTS}
    if a.untaught:
        for teacher in a.teachers.split(","):
            untaught(a, files, teacher, 40 if teacher == "2" else 5)
        return
    print("| teacher session | examples per gesture | test crops (other sessions) | your examples alone: accuracy | balanced | with the shipped features: accuracy | balanced | `beckon train` time (with) |")
    print("|---|---|---|---|---|---|---|---|")
    for teacher in a.teachers.split(","):
        own = {c: [f for f in files[c] if session(f) == teacher] for c in COUNTS}
        tests = [(c, os.path.join(a.data, c, f)) for c in COUNTS for f in files[c] if session(f) != teacher]
        groups = sorted({shipped.group(p.split("/")[-1]) for _, p in tests})
        for k in [int(k) for k in a.ks.split(",")]:
            if min(len(v) for v in own.values()) < k:
                continue
            mine = {c: v[:k] for c, v in own.items()}
            cells = []
            for with_base in (False, True):
                top, seconds = {}, []
                if not with_base:
                    with tempfile.TemporaryDirectory() as tmp:
                        model, t = teach(a, tmp, mine, ["--no-base-features"])
                        top = classify(a.beckon, model, [p for _, p in tests])
                        seconds.append(t)
                for g in groups if with_base else []:
                    with tempfile.TemporaryDirectory() as tmp:
                        model, t = teach(a, tmp, mine, shipped.flags(a.features, {teacher, g}))
                        top.update(classify(a.beckon, model, [p for _, p in tests if shipped.group(p.split("/")[-1]) == g]))
                        seconds.append(t)
                right = {c: sum(top[p][0] == c for cc, p in tests if cc == c) for c in COUNTS}
                total = {c: sum(1 for cc, _ in tests if cc == c) for c in COUNTS}
                acc = sum(right.values()) / sum(total.values())
                bal = sum(right[c] / total[c] for c in COUNTS if total[c]) / sum(1 for c in COUNTS if total[c])
                cells += [f"{acc:.3f}", f"{bal:.3f}"]
            print(f"| {teacher} | {k} | {len(tests)} | {' | '.join(cells)} | {sum(seconds) / len(seconds):.1f} s |", flush=True)


if __name__ == "__main__":
    main()
