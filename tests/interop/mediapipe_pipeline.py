#!/usr/bin/env python3
"""MediaPipe's own hand pipeline timed on a folder of frames, for tests/interop/benchmarks.py.

Runs under a benchmark-only venv (never a dependency of beckon or its tests):

    python3 -m venv target/mp-venv && target/mp-venv/bin/pip install mediapipe==0.10.21 "numpy<2"

`mediapipe.solutions.hands.Hands` (the legacy graph: palm detector + landmark network,
`model_complexity=0` = the lite networks beckon ships) plays the frames in file-name order,
looped to --frames, the way `beckon run --replay DIR --loop` plays them: each frame decoded from
its JPEG (OpenCV) and processed. Prints one JSON object: per mode, the mean milliseconds per
frame over the frames after --warmup, and how many frames had a hand.
"""

import argparse
import json
import os
import time

import cv2
import mediapipe as mp
import numpy as np


def run(files, frames, warmup, static, complexity):
    hands = mp.solutions.hands.Hands(static_image_mode=static, max_num_hands=1, model_complexity=complexity,
                                     min_detection_confidence=0.5, min_tracking_confidence=0.5)
    found = 0
    start = None
    for i in range(frames + warmup):
        if i == warmup:
            start = time.perf_counter()
        image = cv2.imdecode(np.fromfile(files[i % len(files)], dtype=np.uint8), cv2.IMREAD_COLOR)
        result = hands.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        if i >= warmup and result.multi_hand_landmarks:
            found += 1
    per_frame = (time.perf_counter() - start) / frames * 1e3
    hands.close()
    return {"ms_per_frame": per_frame, "frames": frames, "with_hand": found}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--complexity", type=int, default=0)
    a = ap.parse_args()
    files = sorted(os.path.join(a.folder, f) for f in os.listdir(a.folder) if f.lower().endswith((".jpg", ".jpeg", ".png")))
    out = {
        "mediapipe": mp.__version__,
        "tracking": run(files, a.frames, a.warmup, static=False, complexity=a.complexity),
        "every_frame": run(files, a.frames, a.warmup, static=True, complexity=a.complexity),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
