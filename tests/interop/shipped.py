"""The shipped model's features file (models/hands-landmarks-lite/features.bin), as the
measurement scripts use it: which capture sessions it holds, and the `beckon train` flags that
leave some of them out, so that no test session is in the model that predicts it."""


def group(name):
    """A crop's capture session: the part of its name before the first `_`; the unprefixed
    `pic…` crops of ../shared/datasets/hands are one session, "pic" (hands-frames calls it so)."""
    s = name.split("_", 1)[0]
    return "pic" if s.startswith("pic") else s


def sessions(features):
    """The session names in the file's header (each unprefixed `pic…` crop is its own there)."""
    with open(features, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").strip()
            if line.startswith("sessions "):
                return line.split()[1:]
    return []


def leave_out(features, groups):
    """The comma-separated --base-without value for these sessions (groups), or "" if none."""
    return ",".join(n for n in sessions(features) if group(n) in groups)


def flags(features, groups):
    """`beckon train` flags: these features, with these sessions left out."""
    leave = leave_out(features, groups)
    return ["--base-features", features] + (["--base-without", leave] if leave else [])
