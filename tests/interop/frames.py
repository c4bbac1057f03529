"""Frame folders the speed measurements replay (no dependencies beyond the standard library)."""
import os


def held_copy(frames_dir, hold, into):
    """A folder where every frame of `frames_dir` comes `hold` times in a row (hard links)."""
    for f in sorted(os.listdir(frames_dir)):
        stem, ext = os.path.splitext(f)
        if ext.lower() in (".jpg", ".png"):
            for k in range(hold):
                os.link(os.path.join(frames_dir, f), os.path.join(into, f"{stem}_{k:03d}{ext}"))
    return into
