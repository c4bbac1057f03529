#!/usr/bin/env python3
"""Motions recognised by `beckon run` on generated sequences (trainer/tools/motion_sequences.py),
against their labels: per motion, recall and precision; how long after the motion's end it was
said; and false motions per 10 minutes of video on the sequences without one.

    python3 tests/interop/motion_eval.py --beckon target/release/beckon --sequences DIR [--mirror]

An event counts for a labelled motion when it names the same motion and its frame is in the same
sequence, from the motion's first frame to 1 s after its last; every other event is a false one
(counted against the motion it named). The run is `beckon run --replay DIR --fps F --unpaced
--events json --window 1` (each frame timed at the sequences' rate, played as fast as it decodes):
all sequences one after another in one run, or with `--each` each sequence in a run of its own
(a recording each, as a camera watching one room sees it: no scene cut every few seconds).
"""

import argparse
import os
import collections
import csv
import json
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--beckon", required=True)
    ap.add_argument("--sequences", required=True)
    ap.add_argument("--mirror", action="store_true", help="the sequences are mirror images")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--state", help="beckon's state directory (BECKON_STATE): its motions/ holds the taught motions")
    ap.add_argument("--each", action="store_true", help="each sequence in a run of its own")
    a = ap.parse_args()
    rows = list(csv.DictReader(open(f"{a.sequences}/labels.csv")))
    fps = float(rows[0]["fps"])
    env = dict(os.environ, BECKON_STATE=os.path.abspath(a.state)) if a.state else None

    def run_on(folder):
        """The events of one run on `folder`'s frames, and the frames on which beckon had the hand
        (the frame lines, on stderr with --events json)."""
        cmd = [a.beckon, "run", "--replay", folder, "--fps", str(fps), "--unpaced", "--events", "json", "--window", "1", "--stats-every", "0"]
        if a.mirror:
            cmd.append("--mirror")
        run = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
        events = [json.loads(l) for l in run.stdout.splitlines() if l.startswith("{")]
        return events, {l.split()[2] for l in run.stderr.splitlines() if l.startswith("frame ") and "palm at" in l}

    if a.each:
        events, had_hand = [], set()
        frames = sorted(f for f in os.listdir(a.sequences) if f.endswith(".jpg"))
        for seq in sorted({f.split("_")[0] for f in frames}):
            with tempfile.TemporaryDirectory() as tmp:
                for f in frames:
                    if f.startswith(seq + "_"):
                        os.symlink(os.path.abspath(os.path.join(a.sequences, f)), os.path.join(tmp, f))
                e, h = run_on(tmp)
                events += e
                had_hand |= h
    else:
        events, had_hand = run_on(a.sequences)
    motions = [e for e in events if e.get("type") == "motion"]
    by_seq = collections.defaultdict(list)
    for e in motions:
        seq, frame = e["source"].split(".")[0].split("_")
        by_seq[int(seq)].append((int(frame), e))
    hits, misses, false = collections.Counter(), collections.Counter(), collections.Counter()
    followed, followed_hits = collections.Counter(), collections.Counter()
    delays = collections.defaultdict(list)
    negative_frames, negative_false = 0, 0
    for r in rows:
        seq = int(r["sequence"])
        evs = by_seq.get(seq, [])
        if r["motion"] == "none":
            negative_frames += int(r["frames"])
            negative_false += len(evs)
            for _, e in evs:
                false[e["motion"]] += 1
            if a.verbose and evs:
                print(f"sequence {seq} ({r['pose']}): false {[e['motion'] for _, e in evs]}", file=sys.stderr)
            continue
        start, end = int(r["start_frame"]), int(r["end_frame"])
        matched = [(f, e) for f, e in evs if e["motion"] == r["motion"] and start <= f <= end + fps]
        seen = sum(f"{seq:04d}_{k:04d}.jpg" in had_hand for k in range(start, end + 1))
        if seen >= 0.8 * (end - start + 1):
            followed[r["motion"]] += 1
            followed_hits[r["motion"]] += bool(matched)
        if matched:
            hits[r["motion"]] += 1
            delays[r["motion"]].append((matched[0][0] - end) / fps * 1000)
            if a.verbose and delays[r["motion"]][-1] > 300:
                print(f"sequence {seq} {r['motion']} frames {start}-{end}: said {delays[r['motion']][-1]:.0f} ms after its end", file=sys.stderr)
        else:
            misses[r["motion"]] += 1
        for f, e in evs:
            if (f, e) not in matched[:1]:
                false[e["motion"]] += 1
        if a.verbose and (not matched or len(evs) > 1):
            print(f"sequence {seq} {r['motion']} frames {start}-{end}: got {[(f, e['motion']) for f, e in evs]}", file=sys.stderr)
    print(f"| motion | recall | precision | said after its end (ms): median, max | hand followed on ≥ 80 % of the motion's frames: recall |")
    print("|---|---|---|---|---|")
    names = sorted(set(hits) | set(misses) | set(false))
    for m in names:
        n = hits[m] + misses[m]
        said = hits[m] + false[m]
        d = sorted(delays[m])
        timing = f"{d[len(d) // 2]:.0f}, {d[-1]:.0f}" if d else "-"
        print(f"| {m} | {hits[m]}/{n} = {hits[m] / max(n, 1):.2f} | {hits[m]}/{said} = {hits[m] / max(said, 1):.2f} | {timing} "
              f"| {followed_hits[m]}/{followed[m]} |")
    minutes = negative_frames / fps / 60
    print(f"\nSequences without a motion: {negative_frames} frames ({minutes:.1f} min at {fps:g} frames/s), "
          f"{negative_false} false motions = {negative_false / max(minutes, 1e-9) * 10:.1f} per 10 minutes")


if __name__ == "__main__":
    main()
