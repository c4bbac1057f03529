#!/usr/bin/env python3
"""Save MediaPipe's own palm detections, hand crops and landmarks on a few frames, as the reference
beckon's detector decoding, crop and landmark mapping are tested against.

One-time tool (not run by tests or CI). Runs MediaPipe's CPU hand-tracking graph (PyPI
`mediapipe==0.10.21`, its `hand_landmark_tracking_cpu.binarypb`) in static-image mode with the
lite models (model_complexity 0) on each frame and writes, in frame pixels:

    palm_detections   every palm detection after non-maximum suppression: score, box
                      (xmin, ymin, width, height), 7 keypoints (x, y)
    palm_rects        the rotated square crop made from each detection (centre x, y, width,
                      height, rotation in radians)
    landmarks         the 21 landmarks (x, y) found in each crop

Usage (network once for the packages):
    venv/bin/pip install --no-deps mediapipe==0.10.21 && venv/bin/pip install attrs matplotlib opencv-python-headless
    venv/bin/python trainer/tools/palm_reference.py firmware/tests/fixtures/palm/reference.json firmware/tests/fixtures/palm/*.jpg
"""
import json
import os
import sys

import numpy as np
from PIL import Image
from mediapipe.python.solution_base import SolutionBase
import mediapipe.python.solutions.hands as hands

MAX_HANDS = 8


def main():
    out, frames = sys.argv[1], sys.argv[2:]
    graph = SolutionBase(
        binary_graph_path=hands._BINARYPB_FILE_PATH,
        side_inputs={"model_complexity": 0, "num_hands": MAX_HANDS, "use_prev_landmarks": False},
        calculator_params={"palmdetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": 0.5},
        outputs=["palm_detections", "hand_rects_from_palm_detections", "multi_hand_landmarks"],
    )
    entries = []
    for path in frames:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        h, w = rgb.shape[:2]
        r = graph.process(rgb)
        dets = []
        for d in r.palm_detections or []:
            box = d.location_data.relative_bounding_box
            dets.append({
                "score": d.score[0],
                "box": [box.xmin * w, box.ymin * h, box.width * w, box.height * h],
                "keypoints": [[k.x * w, k.y * h] for k in d.location_data.relative_keypoints],
            })
        rects = [[q.x_center * w, q.y_center * h, q.width * w, q.height * h, q.rotation]
                 for q in (r.hand_rects_from_palm_detections or [])]
        marks = [[[p.x * w, p.y * h] for p in lm.landmark] for lm in (r.multi_hand_landmarks or [])]
        entries.append({"frame": os.path.basename(path), "width": w, "height": h,
                        "palm_detections": dets, "palm_rects": rects, "landmarks": marks})
        print(f"{path}: {len(dets)} palm(s), {len(marks)} hand(s)")
    with open(out, "w") as f:
        json.dump({"source": "mediapipe 0.10.21 hand_landmark_tracking_cpu, model_complexity 0, static images",
                   "frames": entries}, f, indent=1)


if __name__ == "__main__":
    main()
