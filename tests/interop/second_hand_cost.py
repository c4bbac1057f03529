#!/usr/bin/env python3
"""What looking for a second hand costs while one is tracked: `beckon run --max-hands 2` against
`--max-hands 1` on the same one-hand frames, each frame held for HOLD frames (a hand kept in
view), replayed at a camera's frame rate (the rate sets how many frames the second-hand look
waits: [region] second_hand_detect_ms of video), pinned to one core, alternating, ROUNDS times.
The figure is beckon's own per-frame time from frame in hand to outputs driven ("latency per
frame mean"; the replay's waiting between frames is not in it), and how often the palm detector ran.

    python3 tests/interop/second_hand_cost.py --beckon target/release/beckon --frames DIR [--hold 10] [--fps 10 30] [--rounds 3]
"""
import argparse
import os
import re
import subprocess
import tempfile

from frames import held_copy


def run(beckon, frames, fps, hands, core):
    out = subprocess.run(["taskset", "-c", core, beckon, "run", "--replay", frames, "--fps", str(fps), "--quiet", "--stats-every", "0",
                          "--region", "track", "--max-hands", str(hands)], check=True, capture_output=True, text=True).stdout
    ms = float(re.search(r"latency per frame mean ([0-9.]+) ms", out).group(1))
    ran = re.search(r"palm detector ran on (\d+) of (\d+) frames", out)
    return ms, int(ran.group(1)), int(ran.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--beckon", required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--hold", type=int, default=10)
    ap.add_argument("--fps", type=float, nargs="+", default=[10.0, 30.0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--core", default="1")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        frames = held_copy(a.frames, a.hold, tmp)
        print("| frames a second | max_hands 1: ms a frame (detector runs) | max_hands 2: ms a frame (detector runs) | 2 / 1 |")
        print("|---|---|---|---|")
        for fps in a.fps:
            one, two = [], []
            for _ in range(a.rounds):
                one.append(run(a.beckon, frames, fps, 1, a.core))
                two.append(run(a.beckon, frames, fps, 2, a.core))
            m1 = sum(r[0] for r in one) / len(one)
            m2 = sum(r[0] for r in two) / len(two)
            fmt = lambda rs: ", ".join(f"{r[0]:.2f}" for r in rs) + f" ({rs[0][1]} of {rs[0][2]})"
            print(f"| {fps:g} | {fmt(one)} | {fmt(two)} | {m2 / m1:.3f} |")


if __name__ == "__main__":
    main()
