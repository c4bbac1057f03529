#!/usr/bin/env python3
"""Still video from photographs, for counting false motions: each photograph of a folder held for
--hold frames in a row (a still hand, or a scene without one, as a camera watching it would
play it), in name order.

Without --noise the held frames are links to the photograph (the same picture repeated, as a
replay of held frames or a camera sending a frame twice gives). With --noise SIGMA each frame is
the photograph with Gaussian sensor noise of SIGMA grey levels (seeded), resized to --width
(640×480 by default when resizing), JPEG quality 90: no frame repeats, as from a live camera.

    python3 trainer/tools/held_frames.py --frames ../shared/datasets/hands-frames/frames \
        --hold 10 --out target/held
    python3 trainer/tools/held_frames.py --frames ../shared/datasets/backgrounds --hold 150 \
        --noise 2 --size 640x480 --seed 3 --out target/hand-free
    beckon run --replay target/held --fps 10 --unpaced --stats-every 0 -q | grep -c '^motion'

Needs numpy and pillow (for --noise).
"""
import argparse
import os
import sys

IMAGES = (".jpg", ".jpeg", ".png")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", required=True, help="folder of photographs")
    ap.add_argument("--hold", type=int, default=10, help="frames each photograph is held")
    ap.add_argument("--noise", type=float, default=0.0, help="sensor noise, grey levels (0: repeat the picture)")
    ap.add_argument("--size", default="", help="WxH to resize to (with --noise)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    photos = sorted(f for f in os.listdir(a.frames) if f.lower().endswith(IMAGES))
    if not photos:
        print(f"{a.frames}: no .jpg or .png photographs here", file=sys.stderr)
        return 1
    os.makedirs(a.out, exist_ok=True)
    if a.noise <= 0:
        for i, f in enumerate(photos):
            stem, ext = os.path.splitext(f)
            for k in range(a.hold):
                link = os.path.join(a.out, f"{i:04d}_{stem}_{k:03d}{ext}")
                if not os.path.lexists(link):
                    os.symlink(os.path.abspath(os.path.join(a.frames, f)), link)
        print(f"{len(photos)} photographs × {a.hold} frames (repeated) in {a.out}")
        return 0
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(a.seed)
    size = tuple(int(v) for v in a.size.split("x")) if a.size else None
    for i, f in enumerate(photos):
        img = Image.open(os.path.join(a.frames, f)).convert("RGB")
        if size:
            img = img.resize(size)
        base = np.asarray(img).astype(np.float32)
        stem = os.path.splitext(f)[0]
        for k in range(a.hold):
            noisy = np.clip(base + rng.normal(0, a.noise, base.shape) + 0.5, 0, 255).astype(np.uint8)
            Image.fromarray(noisy).save(os.path.join(a.out, f"{i:04d}_{stem}_{k:03d}.jpg"), quality=90)
    print(f"{len(photos)} photographs × {a.hold} frames (noise σ {a.noise}) in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
