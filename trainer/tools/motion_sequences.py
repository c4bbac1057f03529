#!/usr/bin/env python3
"""Motion sequences from real material, for testing beckon's motion gestures without a camera.

A real webcam crop of a hand (../shared/datasets/hands) is moved over a real background
(../shared/datasets/backgrounds, or any folder of 640×480 photos) along a parametric path and
rendered as camera frames: straight swipes at several speeds and angles, waves, circles, pushes
towards the camera, and motions that are not gestures (still hands with tremor, a pose changing in
place, hesitations, slow drifts, a hand appearing and leaving). Scale and rotation vary, fast
movement is blurred (five positions within a short exposure averaged), and every frame gets sensor
noise and JPEG compression. Seeded: the same arguments give the same frames.

Directions are the person's own: `swipe-left` is the person moving their hand to their left,
which a camera facing them (not mirrored) shows moving to the right of the picture; `circle-cw`
is clockwise as the person sees it. With --mirror the frames are mirror images (a selfie view),
as a `[source] mirror = true` camera gives.

The hand crop is a square photo with its own background; it is blended in under a feathered
ellipse, so a soft patch of the crop's room travels with the hand.

Output: OUT/NNNN_FFFF.jpg (sequence NNNN, frame FFFF; one folder replays every sequence in
order, a second without a hand after each) and OUT/labels.csv:
sequence,motion,pose,session,background,fps,frames,start_frame,end_frame — the motion's first and
last frame within its sequence (empty for a sequence with no motion in it; motion `none` then
names what it shows in `pose`'s place: still, pose-change, hesitation, drift, appear).

    python3 trainer/tools/motion_sequences.py --crops ../shared/datasets/hands \
        --backgrounds ../shared/datasets/backgrounds --sessions 2,3 --fps 10 --per-motion 20 \
        --seed 1 --out target/motion/test-10
"""

import argparse
import csv
import math
import os
import random

import numpy as np
from PIL import Image, ImageFilter

W, H = 640, 480
MOTIONS = ["swipe-left", "swipe-right", "swipe-up", "swipe-down", "wave", "circle-cw", "circle-ccw", "push"]
NEGATIVES = ["still", "pose-change", "hesitation", "drift", "appear"]
# Motions of a user's own, for teaching (beckon capture --motion NAME): drawn in the person's terms.
CUSTOM = ["letter-z"]
# The pose each motion is made with (a finger count of ../shared/datasets/hands).
POSE = {"swipe-left": "5", "swipe-right": "5", "swipe-up": "5", "swipe-down": "5", "wave": "5",
        "circle-cw": "5", "circle-ccw": "5", "push": "5", "letter-z": "5"}
GAP_SECONDS = 1.0


def smoothstep(u):
    u = min(max(u, 0.0), 1.0)
    return u * u * (3 - 2 * u)


class Path:
    """Hand centre (x, y), crop size and rotation (degrees) as functions of time in seconds."""

    def __init__(self, duration, at, motion=None, span=None):
        self.duration, self.at, self.motion, self.span = duration, at, motion, span


def inside(rng, size, margin=0.55):
    """A centre that keeps most of a hand of crop side `size` in the frame."""
    m = size * margin
    return rng.uniform(m, W - m), rng.uniform(m, H - m)


def still_with_tremor(rng, x0, y0, size, angle, t_len):
    """Tremor: a few pixels of slow jitter and a degree or two of rotation."""
    fx, fy, fr = rng.uniform(3, 7), rng.uniform(3, 7), rng.uniform(2, 5)
    px, py, pr = rng.uniform(0, 6.3), rng.uniform(0, 6.3), rng.uniform(0, 6.3)
    amp = rng.uniform(1.5, 4.0)

    def at(t):
        return (x0 + amp * math.sin(fx * t + px), y0 + amp * math.sin(fy * t + py), size,
                angle + 1.5 * math.sin(fr * t + pr))
    return at


def make_motion(rng, motion, mirror):
    """(Path, crop size) of one labelled motion with still time before and after."""
    size = rng.uniform(180, 280)
    angle = rng.uniform(-15, 15)
    lead, tail = rng.uniform(0.6, 1.2), rng.uniform(0.6, 1.0)
    # The picture's x direction of the person's own left: a camera facing them shows it to the right.
    left_is = -1.0 if mirror else 1.0
    if motion.startswith("swipe"):
        dist = rng.uniform(260, 400)
        dur = rng.uniform(0.25, 0.7)
        axis = {"swipe-left": (left_is, 0.0), "swipe-right": (-left_is, 0.0), "swipe-up": (0.0, -1.0), "swipe-down": (0.0, 1.0)}[motion]
        tilt = math.radians(rng.uniform(-20, 20))
        dx = axis[0] * math.cos(tilt) - axis[1] * math.sin(tilt)
        dy = axis[0] * math.sin(tilt) + axis[1] * math.cos(tilt)
        if abs(dy) > abs(dx):
            dist = min(dist, 300)
        # A start from which the whole swipe stays (mostly) in the frame.
        for _ in range(100):
            x0, y0 = inside(rng, size, 0.4)
            x1, y1 = x0 + dx * dist, y0 + dy * dist
            if size * 0.35 < x1 < W - size * 0.35 and size * 0.35 < y1 < H - size * 0.35:
                break
        else:
            x0, y0 = W / 2 - dx * dist / 2, H / 2 - dy * dist / 2
        hold0, hold1 = still_with_tremor(rng, x0, y0, size, angle, lead), still_with_tremor(rng, x0 + dx * dist, y0 + dy * dist, size, angle, tail)

        def at(t):
            if t < lead:
                return hold0(t)
            if t < lead + dur:
                u = smoothstep((t - lead) / dur)
                return (x0 + dx * dist * u, y0 + dy * dist * u, size, angle)
            return hold1(t)
        return Path(lead + dur + tail, at, motion, (lead, lead + dur)), size
    if motion == "wave":
        cycles = rng.choice([2, 2.5, 3])
        period = rng.uniform(0.35, 0.6)
        amp = rng.uniform(45, 85)
        swing = rng.uniform(10, 25)
        dur = cycles * period
        x0, y0 = inside(rng, size, 0.5 + amp / size)
        hold0, hold1 = still_with_tremor(rng, x0, y0, size, angle, lead), still_with_tremor(rng, x0, y0, size, angle, tail)

        def at(t):
            if t < lead:
                return hold0(t)
            if t < lead + dur:
                s = math.sin(2 * math.pi * (t - lead) / period)
                return (x0 + amp * s, y0 + 0.1 * amp * abs(s), size, angle + swing * s)
            return hold1(t)
        return Path(lead + dur + tail, at, motion, (lead, lead + dur)), size
    if motion.startswith("circle"):
        radius = rng.uniform(55, 100)
        dur = rng.uniform(0.8, 1.5)
        turns = rng.uniform(1.0, 1.2)
        # Clockwise for the person is anticlockwise in the picture of a camera facing them.
        person_cw = motion == "circle-cw"
        picture_cw = person_cw == mirror
        sign = 1.0 if picture_cw else -1.0  # y grows downwards: +angle is clockwise on screen
        phase = rng.uniform(0, 2 * math.pi)
        cx, cy = inside(rng, size, 0.5 + radius / size)
        sx, sy = cx + radius * math.cos(phase), cy + radius * math.sin(phase)
        ex = cx + radius * math.cos(phase + sign * turns * 2 * math.pi)
        ey = cy + radius * math.sin(phase + sign * turns * 2 * math.pi)
        hold0, hold1 = still_with_tremor(rng, sx, sy, size, angle, lead), still_with_tremor(rng, ex, ey, size, angle, tail)

        def at(t):
            if t < lead:
                return hold0(t)
            if t < lead + dur:
                a = phase + sign * turns * 2 * math.pi * (t - lead) / dur
                return (cx + radius * math.cos(a), cy + radius * math.sin(a), size, angle)
            return hold1(t)
        return Path(lead + dur + tail, at, motion, (lead, lead + dur)), size
    if motion == "push":
        size = rng.uniform(150, 210)
        grow = rng.uniform(1.35, 1.65)
        dur = rng.uniform(0.3, 0.7)
        x0, y0 = inside(rng, size * grow, 0.5)
        hold0 = still_with_tremor(rng, x0, y0, size, angle, lead)
        hold1 = still_with_tremor(rng, x0, y0, size * grow, angle, tail)

        def at(t):
            if t < lead:
                return hold0(t)
            if t < lead + dur:
                u = smoothstep((t - lead) / dur)
                return (x0, y0, size * (1 + (grow - 1) * u), angle)
            return hold1(t)
        return Path(lead + dur + tail, at, motion, (lead, lead + dur)), size
    if motion == "letter-z":
        # A Z as the person draws it: along the top to their right, across to their bottom left,
        # along the bottom to their right; each stroke slows into its corner without stopping.
        width, height = rng.uniform(200, 320), rng.uniform(150, 240)
        dur = rng.uniform(1.0, 1.6)
        tilt = math.radians(rng.uniform(-10, 10))
        corners = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
        # Person's right is the picture's -x unless mirrored.
        right = -left_is
        pts = [(right * (cx - 0.5) * width, (cy - 0.5) * height) for cx, cy in corners]
        pts = [(x * math.cos(tilt) - y * math.sin(tilt), x * math.sin(tilt) + y * math.cos(tilt)) for x, y in pts]
        cx, cy = inside(rng, size, 0.5 + max(width, height) / 2 / size)
        pts = [(cx + x, cy + y) for x, y in pts]
        lengths = [math.dist(pts[i], pts[i + 1]) for i in range(3)]
        total = sum(lengths)
        hold0, hold1 = still_with_tremor(rng, *pts[0], size, angle, lead), still_with_tremor(rng, *pts[3], size, angle, tail)

        def at(t):
            if t < lead:
                return hold0(t)
            if t < lead + dur:
                d = total * (t - lead) / dur
                for i in range(3):
                    if d <= lengths[i] or i == 2:
                        u = min(d / lengths[i], 1.0)
                        u = 0.5 * u + 0.5 * smoothstep(u)
                        (x0, y0), (x1, y1) = pts[i], pts[i + 1]
                        return (x0 + (x1 - x0) * u, y0 + (y1 - y0) * u, size, angle)
                    d -= lengths[i]
            return hold1(t)
        return Path(lead + dur + tail, at, motion, (lead, lead + dur)), size
    raise ValueError(motion)


def make_negative(rng, kind):
    """(Path, crop size, seconds at which the pose changes or None) of a sequence with no motion."""
    size = rng.uniform(180, 280)
    angle = rng.uniform(-15, 15)
    x0, y0 = inside(rng, size)
    if kind == "still":
        return Path(rng.uniform(3, 6), still_with_tremor(rng, x0, y0, size, angle, 0)), size, None
    if kind == "pose-change":
        dur = rng.uniform(3, 5)
        hold = still_with_tremor(rng, x0, y0, size, angle, 0)
        return Path(dur, hold), size, rng.uniform(1.0, dur - 1.0)
    if kind == "hesitation":
        dist, move = rng.uniform(30, 70), rng.uniform(0.4, 0.9)
        theta = rng.uniform(0, 2 * math.pi)
        hold = still_with_tremor(rng, x0, y0, size, angle, 0)
        start = rng.uniform(0.8, 1.5)

        def at(t):
            x, y, s, a = hold(t)
            u = smoothstep((t - start) / move)
            return (x + dist * u * math.cos(theta), y + dist * u * math.sin(theta), s, a)
        return Path(start + move + rng.uniform(1, 2), at), size, None
    if kind == "drift":
        dist, dur = rng.uniform(100, 160), rng.uniform(3, 5)
        theta = rng.uniform(0, 2 * math.pi)
        x0 = min(max(x0, size * 0.5 + dist), W - size * 0.5 - dist)
        y0 = min(max(y0, size * 0.5 + dist), H - size * 0.5 - dist) if H - size - 2 * dist > 0 else H / 2
        hold = still_with_tremor(rng, x0, y0, size, angle, 0)

        def at(t):
            x, y, s, a = hold(t)
            u = t / dur
            return (x + dist * u * math.cos(theta), y + dist * u * math.sin(theta), s, a)
        return Path(dur, at), size, None
    if kind == "appear":
        # The hand is there, then not (as when it is put down), then there again elsewhere.
        dur = rng.uniform(3, 5)
        x1, y1 = inside(rng, size)
        hold0 = still_with_tremor(rng, x0, y0, size, angle, 0)
        hold1 = still_with_tremor(rng, x1, y1, size, angle, 0)
        gone = (dur * 0.35, dur * 0.6)

        def at(t):
            if gone[0] <= t < gone[1]:
                return None
            return hold0(t) if t < gone[0] else hold1(t)
        return Path(dur, at), size, None
    raise ValueError(kind)


def feather(side):
    """An alpha mask (side × side): 1 inside an ellipse around the crop's centre, fading out."""
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    c = (side - 1) / 2
    r = np.sqrt(((xx - c) / (0.46 * side)) ** 2 + ((yy - c) / (0.5 * side)) ** 2)
    return np.clip((1.0 - r) / 0.25, 0.0, 1.0)


def place(canvas, crop, x, y, size, angle):
    """Blends `crop` (RGB float array) into `canvas` centred at (x, y), side `size`, turned `angle`.
    The crop saturates at 255 as a camera does (a gain above 1 on a bright palm once wrapped round
    in uint8, giving cyan and magenta stripes no camera makes)."""
    side = max(8, int(round(size)))
    img = Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8)).resize((side, side), Image.BILINEAR)
    alpha = Image.fromarray((feather(side) * 255).astype(np.uint8))
    if abs(angle) > 0.1:
        img = img.rotate(angle, resample=Image.BILINEAR, expand=True)
        alpha = alpha.rotate(angle, resample=Image.BILINEAR, expand=True)
    a = np.asarray(alpha, dtype=np.float32)[..., None] / 255.0
    pix = np.asarray(img, dtype=np.float32)
    h, w = a.shape[:2]
    x0, y0 = int(round(x - w / 2)), int(round(y - h / 2))
    cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(W, x0 + w), min(H, y0 + h)
    if cx0 >= cx1 or cy0 >= cy1:
        return
    sub = (slice(cy0 - y0, cy1 - y0), slice(cx0 - x0, cx1 - x0))
    region = canvas[cy0:cy1, cx0:cx1]
    canvas[cy0:cy1, cx0:cx1] = region * (1 - a[sub]) + pix[sub] * a[sub]


def render(path, crops, background, fps, rng, mirror, change_at, out_dir, sequence, quality):
    """Writes the sequence's frames; returns how many."""
    n = int(math.ceil(path.duration * fps))
    # A webcam indoors exposes for a few hundredths of a second, whatever its frame rate.
    exposure = min(0.5 / fps, 0.025)
    gain = rng.uniform(0.9, 1.1)
    noise = rng.uniform(2.0, 5.0)
    names = []
    for f in range(n):
        t = f / fps
        canvas = background.copy()
        samples = [path.at(t + exposure * k / 4) for k in range(5)]
        if all(s is not None for s in samples):
            # Motion blur: the hand where it is at five moments of the exposure, averaged.
            moved = max(math.hypot(samples[-1][0] - samples[0][0], samples[-1][1] - samples[0][1]), abs(samples[-1][2] - samples[0][2]))
            crop = crops[1] if change_at is not None and t >= change_at else crops[0]
            if moved < 3:
                place(canvas, crop * gain, *samples[0])
            else:
                layers = []
                for s in samples:
                    layer = background.copy()
                    place(layer, crop * gain, *s)
                    layers.append(layer)
                canvas = sum(layers) / len(layers)
        canvas = canvas + np.asarray(rng_normal(rng, canvas.shape), dtype=np.float32) * noise
        frame = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
        if mirror:
            frame = frame.transpose(Image.FLIP_LEFT_RIGHT)
        name = f"{sequence:04d}_{f:04d}.jpg"
        frame.save(os.path.join(out_dir, name), quality=quality)
        names.append(name)
    return n


def rng_normal(rng, shape):
    return np.random.default_rng(rng.randrange(1 << 30)).standard_normal(shape)


def load_crops(root, sessions):
    """{pose: [(session, file)]} of the crops of `sessions`."""
    by_pose = {}
    for pose in sorted(os.listdir(root)):
        d = os.path.join(root, pose)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            # `<session>_pic…` (a session may itself hold an underscore: `3_1528505750.77`);
            # unprefixed `pic…` files are session `pic`.
            session = f.split("_pic")[0] if "_pic" in f else "pic"
            if session in sessions:
                by_pose.setdefault(pose, []).append((session, os.path.join(d, f)))
    return by_pose


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--crops", required=True, help="hands/ (one folder per finger count)")
    ap.add_argument("--backgrounds", required=True, help="folder of scene photos without a hand")
    ap.add_argument("--sessions", required=True, help="comma-separated capture sessions whose crops are used")
    ap.add_argument("--fps", type=float, required=True)
    ap.add_argument("--per-motion", type=int, default=10, help="sequences of each motion (and of each kind of non-motion)")
    ap.add_argument("--motions", default=",".join(MOTIONS + NEGATIVES))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mirror", action="store_true", help="mirror images, as a selfie camera gives")
    ap.add_argument("--quality", type=int, default=85, help="JPEG quality of the frames")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    sessions = set(a.sessions.split(","))
    crops = load_crops(a.crops, sessions)
    if not crops:
        raise SystemExit(f"no crops of sessions {sorted(sessions)} in {a.crops}")
    backgrounds = sorted(os.path.join(a.backgrounds, f) for f in os.listdir(a.backgrounds) if f.lower().endswith((".jpg", ".png")))
    os.makedirs(a.out, exist_ok=True)
    wanted = a.motions.split(",")
    plan = [m for m in wanted for _ in range(a.per_motion)]
    rng.shuffle(plan)
    rows = []
    for seq, kind in enumerate(plan):
        bg_path = rng.choice(backgrounds)
        bg = np.asarray(Image.open(bg_path).convert("RGB").resize((W, H), Image.BILINEAR), dtype=np.float32)
        change_at = None
        if kind in MOTIONS or kind in CUSTOM:
            path, _ = make_motion(rng, kind, a.mirror)
            pose = POSE[kind]
        else:
            path, _, change_at = make_negative(rng, kind)
            pose = rng.choice(sorted(crops))
        pool = crops.get(pose) or crops[sorted(crops)[0]]
        session, first = rng.choice(pool)
        same_session = [p for poses in crops.values() for s, p in poses if s == session and p != first]
        other = rng.choice(same_session) if change_at is not None and same_session else first
        images = [np.asarray(Image.open(p).convert("RGB"), dtype=np.float32) for p in (first, other)]
        n = render(path, images, bg, a.fps, rng, a.mirror, change_at, a.out, seq, a.quality)
        # A second of the background alone: the hand is gone between two sequences.
        for g in range(int(math.ceil(GAP_SECONDS * a.fps))):
            Image.fromarray(np.clip(bg, 0, 255).astype(np.uint8)).save(os.path.join(a.out, f"{seq:04d}_{n + g:04d}.jpg"), quality=a.quality)
        if path.motion:
            start, end = int(math.floor(path.span[0] * a.fps)), int(math.ceil(path.span[1] * a.fps))
            rows.append([seq, path.motion, pose, session, os.path.basename(bg_path), a.fps, n, start, min(end, n - 1)])
        else:
            rows.append([seq, "none", kind, session, os.path.basename(bg_path), a.fps, n, "", ""])
    with open(os.path.join(a.out, "labels.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sequence", "motion", "pose", "session", "background", "fps", "frames", "start_frame", "end_frame"])
        w.writerows(rows)
    print(f"{len(rows)} sequences, {sum(r[6] for r in rows)} frames (and a second without a hand after each) in {a.out}")


if __name__ == "__main__":
    main()
