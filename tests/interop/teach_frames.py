#!/usr/bin/env python3
"""Teaching from one session's whole frames, tested on every other session's whole frames, end
to end through the `beckon` commands a user runs (../shared/datasets/hands-frames):

    beckon capture --track --replay TEACHER_FRAMES_OF_COUNT --label COUNT   (per count)
    beckon train --data … --keep-base-gestures --base-without TEACHER,TEST   (per test session)
    beckon run --replay TEST_SESSION_FRAMES --region track --no-tracking --window 1

The teacher shows each count it has at least k frames of (k frames each; hands-frames has at
most 20 of a count per session, so k is 3 or 5 here, not the crops curve's 5-40); the counts it
lacks come from the shipped features. Each test session is predicted by models whose shipped
features leave out both the teacher's and that session's examples. "before" is the same with
`--user-weight 0` (the shipped features alone, the model a new user starts from). A frame is
right when `beckon run`'s top label on it is its count (each frame on its own: --window 1, the
detector on every frame); a frame without a hand found counts as wrong.

    python3 tests/interop/teach_frames.py --beckon target/release/beckon --frames ../shared/datasets/hands-frames
"""

import argparse
import csv
import os
import re
import subprocess
import tempfile

import shipped

COUNTS = ["0", "1", "2", "3", "4", "5"]


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(" ".join(cmd) + "\n" + out.stderr)
    return out.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--beckon", required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--features", default="models/hands-landmarks-lite/features.bin")
    ap.add_argument("--teachers", default="2,3,35,55")
    ap.add_argument("--ks", default="3,5")
    a = ap.parse_args()
    beckon = os.path.abspath(a.beckon)
    rows = list(csv.DictReader(open(os.path.join(a.frames, "labels.csv"))))
    sessions = sorted({r["session"] for r in rows})
    frame_line = re.compile(r'^frame\s+\d+\s+(\S+)\s+top\s+"([^"]*)"')
    print("| teacher session | frames per count shown | counts shown | test frames (other sessions) | before: shipped features alone | taught |")
    print("|---|---|---|---|---|---|")
    for teacher in a.teachers.split(","):
        for k in [int(k) for k in a.ks.split(",")]:
            with tempfile.TemporaryDirectory() as tmp:
                data = os.path.join(tmp, "gestures")
                shown = []
                for c in COUNTS:
                    frames = sorted(r["file"] for r in rows if r["session"] == teacher and r["label"] == c)
                    if len(frames) < k:
                        continue
                    replay = os.path.join(tmp, "replay", c)
                    os.makedirs(replay)
                    for f in frames[:k]:
                        os.symlink(os.path.abspath(os.path.join(a.frames, "frames", f)), os.path.join(replay, f))
                    run([beckon, "capture", "--track", "--label", c, "--count", str(k), "--every", "0", "--countdown", "0", "--replay", replay, "--out", data])
                    if os.path.isdir(os.path.join(data, c)):
                        shown.append(c)
                right = {"before": 0, "taught": 0}
                total = 0
                for s in sessions:
                    if s == teacher:
                        continue
                    test = os.path.join(tmp, "test", s)
                    os.makedirs(test)
                    for r in rows:
                        if r["session"] == s:
                            os.symlink(os.path.abspath(os.path.join(a.frames, "frames", r["file"])), os.path.join(test, r["file"]))
                    total += len(os.listdir(test))
                    for name, flags in (("before", ["--user-weight", "0"]), ("taught", [])):
                        out = os.path.join(tmp, "model", s, name)
                        run([beckon, "train", "--data", data, "--out", out, "--keep-base-gestures", *shipped.flags(a.features, {teacher, s}), *flags])
                        lines = run([beckon, "run", "--model", os.path.join(out, "model.onnx"), "--replay", test, "--region", "track", "--no-tracking", "--window", "1"])
                        for line in lines.splitlines():
                            m = frame_line.match(line)
                            if m and m.group(1).split("_", 1)[0] == m.group(2):
                                right[name] += 1
                print(f"| {teacher} | {k} | {' '.join(shown)} | {total} | {right['before'] / total:.3f} ({right['before']}) | {right['taught'] / total:.3f} ({right['taught']}) |", flush=True)


if __name__ == "__main__":
    main()
