#!/bin/bash
# End-to-end leave-one-session-out on whole camera frames: for each capture session listed in
# FRAMES/labels.csv, a hand-landmark model trained on CROPS without that session
# (`beckon-train fit --landmarks lite --exclude-sessions S`), then `beckon run --region track
# --no-tracking` (the palm detector on every frame, each frame on its own) over that session's
# whole frames. Prints per session and in total how many frames were counted right, and per
# class recall. Run from the repository root after `cargo build --release --workspace`:
#
#   trainer/tools/loso_whole_frames.sh ../shared/datasets/hands ../shared/datasets/hands-frames [WORK_DIR] [RUN FLAGS…]
#
# RUN FLAGS go to `beckon run` (e.g. --second-look --second-opinion). A session's model already
# in WORK_DIR (from an earlier run) is used again.
set -euo pipefail
CROPS=$1
FRAMES=$2
WORK=${3:-target/loso-whole-frames}
shift $(( $# < 3 ? $# : 3 ))
mkdir -p "$WORK"
: > "$WORK/predictions.txt"
for S in $(tail -n +2 "$FRAMES/labels.csv" | cut -d, -f3 | sort -u); do
  rm -rf "$WORK/frames_$S" && mkdir -p "$WORK/frames_$S"
  for f in $(awk -F, -v s="$S" 'NR > 1 && $3 == s { print $1 }' "$FRAMES/labels.csv"); do
    ln -s "$(realpath "$FRAMES/frames/$f")" "$WORK/frames_$S/"
  done
  if [ ! -f "$WORK/model_$S/model.onnx" ]; then
    target/release/beckon-train fit --landmarks lite --data "$CROPS" --group-by prefix --exclude-sessions "$S" \
      --no-progress --out "$WORK/model_$S" > "$WORK/fit_$S.log" 2>&1
  fi
  target/release/beckon run --region track --no-tracking --stats-every 0 "$@" --model "$WORK/model_$S/model.onnx" \
    --replay "$WORK/frames_$S" > "$WORK/run_$S.log"
  # Frame lines: "frame N NAME top "LABEL" p=…"; the true label starts the file name.
  grep '^frame' "$WORK/run_$S.log" | awk -v s="$S" '{ split($3, a, "_"); t = $5; gsub(/"/, "", t); print s, a[1], t, $3 }' \
    | tee -a "$WORK/predictions.txt" | awk -v s="$S" '{ n++; r += ($2 == $3) } END { printf "session %s: %d/%d\n", s, r, n }'
done
awk '{ n++; r += ($2 == $3); c[$2]++; k[$2] += ($2 == $3) }
     END { printf "total: %d/%d = %.4f; recall", r, n, r / n; for (l in c) printf " %s %d/%d", l, k[l], c[l]; print "" }' \
  "$WORK/predictions.txt"
