#!/usr/bin/env python3
"""How often the hand was followed during each labelled motion: beckon against MediaPipe's own
graph, on the same generated sequences (trainer/tools/motion_sequences.py).

Runs under a benchmark-only venv (never a dependency of beckon or its tests), as
tests/interop/mediapipe_pipeline.py:

    python3 -m venv target/mp-venv && target/mp-venv/bin/pip install mediapipe==0.10.21 "numpy<2"
    target/mp-venv/bin/python tests/interop/motion_followed.py --beckon target/release/beckon \
        --sequences target/motion/z33-10

Each sequence is played in order, on its own: `beckon run --replay SEQ --fps F --unpaced` (a
frame counts when its line has "palm at"), and `mediapipe.solutions.hands.Hands` in video mode
(tracking; `model_complexity=0`, the lite networks beckon ships; one hand), each frame decoded
by OpenCV. Prints, per labelled motion, the frames from its first to its last on which each
had a hand, and the totals.
"""

import argparse
import csv
import os
import subprocess
import tempfile

import cv2
import mediapipe as mp


def beckon_frames(beckon, folder, fps):
    """The frame numbers (within the sequence) on which `beckon run` had a hand."""
    out = subprocess.run([beckon, "run", "--replay", folder, "--fps", fps, "--unpaced", "--stats-every", "0"],
                         check=True, capture_output=True, text=True).stdout
    names = [l.split()[2] for l in out.splitlines() if l.startswith("frame ") and "palm at" in l]
    return {int(n.split("_")[1].split(".")[0]) for n in names}


def mediapipe_frames(files):
    hands = mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=1, model_complexity=0,
                                     min_detection_confidence=0.5, min_tracking_confidence=0.5)
    seen = {i for i, f in enumerate(files) if hands.process(cv2.cvtColor(cv2.imread(f), cv2.COLOR_BGR2RGB)).multi_hand_landmarks}
    hands.close()
    return seen


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--beckon", required=True)
    ap.add_argument("--sequences", required=True)
    a = ap.parse_args()
    rows = [r for r in csv.DictReader(open(os.path.join(a.sequences, "labels.csv"))) if r["motion"] != "none"]
    totals = [0, 0, 0]
    for r in rows:
        seq, start, end = int(r["sequence"]), int(r["start_frame"]), int(r["end_frame"])
        names = sorted(f for f in os.listdir(a.sequences) if f.startswith(f"{seq:04d}_") and f.endswith(".jpg"))
        files = [os.path.abspath(os.path.join(a.sequences, f)) for f in names]
        with tempfile.TemporaryDirectory() as tmp:
            for f in files:
                os.symlink(f, os.path.join(tmp, os.path.basename(f)))
            ours = beckon_frames(a.beckon, tmp, r["fps"])
        theirs = mediapipe_frames(files)
        span = range(start, end + 1)
        counts = [len(span), sum(k in ours for k in span), sum(k in theirs for k in span)]
        totals = [t + c for t, c in zip(totals, counts)]
        print(f"sequence {seq} {r['motion']}: beckon {counts[1]}/{counts[0]}, MediaPipe {counts[2]}/{counts[0]}", flush=True)
    n = max(totals[0], 1)
    print(f"frames within the motions with the hand: beckon {totals[1]}/{totals[0]} = {totals[1] / n:.2f}, "
          f"MediaPipe {totals[2]}/{totals[0]} = {totals[2] / n:.2f}")


if __name__ == "__main__":
    main()
