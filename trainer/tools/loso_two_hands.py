#!/usr/bin/env python3
"""Two hands, end to end and leave-one-session-out, on ../shared/datasets/two-hands.

For each capture session of FRAMES/labels.csv: a hand-landmark model trained on the crops of
../shared/datasets/hands without that session (`beckon-train fit --landmarks lite
--exclude-sessions S`; the two-hands sessions' crops are in hands/ too, so both copies are left
out), then `beckon run --region track --no-tracking --max-hands 2` (the palm detector on every
frame, each frame on its own) over the session's whole frames. A labelled hand is found when a
found hand's crop centre lies inside its box grown by half its size on each side (nearest first,
one found hand per label). Prints per session and in total: frames with both hands found, each
found hand's count right, and which side each image position was called.

Run from the repository root after `cargo build --release --workspace`:

    python3 trainer/tools/loso_two_hands.py ../shared/datasets/hands ../shared/datasets/two-hands [WORK_DIR [RUN FLAGS…]]

RUN FLAGS go to `beckon run` (e.g. --second-look --second-opinion --refine).
"""
import csv
import os
import re
import subprocess
import sys
from collections import defaultdict

HAND = re.compile(r'(left|right|hand) "([^"]+)" p=([0-9.]+) at (-?[0-9]+),(-?[0-9]+)')


def found_hands(log):
    """frame name -> [(side, label, x, y)] from `beckon run` frame lines."""
    out = {}
    for line in log.splitlines():
        if not line.startswith("frame "):
            continue
        name = line.split()[2]
        part = line.split(" hands [", 1)[1].split("]", 1)[0] if " hands [" in line else ""
        out[name] = [(m[0], m[1], float(m[3]), float(m[4])) for m in HAND.findall(part)]
    return out


def match(labels, hands):
    """Pairs each labelled hand with the nearest found hand whose crop centre is inside its box
    grown by half its size; returns {hand letter: found hand or None}."""
    pairs = []
    for h in labels:
        x0, y0, x1, y1 = h["box"]
        w, ht = x1 - x0, y1 - y0
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        for i, f in enumerate(hands):
            if x0 - w / 2 <= f[2] <= x1 + w / 2 and y0 - ht / 2 <= f[3] <= y1 + ht / 2:
                pairs.append(((f[2] - cx) ** 2 + (f[3] - cy) ** 2, h["hand"], i))
    taken, used, out = set(), set(), {h["hand"]: None for h in labels}
    for _, letter, i in sorted(pairs):
        if letter not in taken and i not in used:
            taken.add(letter)
            used.add(i)
            out[letter] = hands[i]
    return out


def main():
    crops, frames = sys.argv[1], sys.argv[2]
    work = sys.argv[3] if len(sys.argv) > 3 else "target/loso-two-hands"
    flags = sys.argv[4:]
    os.makedirs(work, exist_ok=True)
    by_frame = defaultdict(list)
    with open(os.path.join(frames, "labels.csv")) as f:
        for row in csv.DictReader(f):
            box = tuple(float(row[k]) for k in ("xmin", "ymin", "xmax", "ymax"))
            by_frame[row["file"]].append({"session": row["session"], "hand": row["hand"], "label": row["label"], "box": box})
    sessions = sorted({hs[0]["session"] for hs in by_frame.values()})
    total = defaultdict(int)
    sides = defaultdict(int)
    for s in sessions:
        names = sorted(n for n, hs in by_frame.items() if hs[0]["session"] == s)
        d = os.path.join(work, f"frames_{s}")
        os.makedirs(d, exist_ok=True)
        for n in names:
            link = os.path.join(d, n)
            if not os.path.exists(link):
                os.symlink(os.path.realpath(os.path.join(frames, "frames", n)), link)
        model = os.path.join(work, f"model_{s}")
        if not os.path.exists(os.path.join(model, "model.onnx")):
            with open(os.path.join(work, f"fit_{s}.log"), "w") as log:
                subprocess.run(["target/release/beckon-train", "fit", "--landmarks", "lite", "--data", crops, "--group-by", "prefix",
                                "--exclude-sessions", s, "--no-progress", "--out", model], stdout=log, stderr=subprocess.STDOUT, check=True)
        run = subprocess.run(["target/release/beckon", "run", "--region", "track", "--no-tracking", "--max-hands", "2", "--stats-every", "0", *flags,
                              "--model", os.path.join(model, "model.onnx"), "--replay", d], capture_output=True, text=True, check=True)
        with open(os.path.join(work, f"run_{s}.log"), "w") as log:
            log.write(run.stdout)
        found = found_hands(run.stdout)
        c = defaultdict(int)
        for n in names:
            m = match(by_frame[n], found.get(n, []))
            c["frames"] += 1
            c["both"] += all(v is not None for v in m.values())
            c["extra"] += max(0, len(found.get(n, [])) - sum(v is not None for v in m.values()))
            for h in by_frame[n]:
                f = m[h["hand"]]
                c["hands"] += 1
                if f is not None:
                    c["found"] += 1
                    c["right"] += f[1] == h["label"]
                    sides[(h["hand"], f[0])] += 1
        for k, v in c.items():
            total[k] += v
        print(f"session {s}: both hands found {c['both']}/{c['frames']}; hands found {c['found']}/{c['hands']}, "
              f"count right {c['right']}/{c['found']}; hands found beyond the labelled {c['extra']}")
    t = total
    print(f"total: both hands found {t['both']}/{t['frames']} = {t['both'] / t['frames']:.3f}; hands found {t['found']}/{t['hands']}; "
          f"count right {t['right']}/{t['found']} = {t['right'] / max(1, t['found']):.3f}; hands found beyond the labelled {t['extra']}")
    print("sides (a = left in the image, b = right in the image): " + ", ".join(f"{k[0]} called {k[1]}: {v}" for k, v in sorted(sides.items())))


if __name__ == "__main__":
    main()
