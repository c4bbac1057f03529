#!/usr/bin/env python3
"""Does a broker that goes away, a URL that hangs or a command that never ends delay frames?
Frame-to-frame gaps of `beckon run` (the time between two frame lines on its stdout) over the
same looped replay, in one run: no remote action at all; a mosquitto that stays up; a mosquitto
killed after --kill-at seconds and started again --down seconds later; an HTTP action to a
server that never answers plus a command that never ends (each with a 300 ms timeout). Prints
a Markdown table (p50, p99, max gap).

    python3 tests/interop/actions_jitter.py --beckon target/release/beckon [--frames 600]

Needs Debian's `mosquitto` binary. Benchmark only: no figure here is asserted by a test.
"""
import argparse, os, socket, subprocess, sys, tempfile, time, threading


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_broker(conf, port):
    p = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return p
        except OSError:
            time.sleep(0.01)
    sys.exit("mosquitto did not start")


def gaps(beckon, config, frames, on_start=None):
    cmd = [beckon, "run", "--config", config, "--max-frames", str(frames), "--threads", "1"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    if on_start:
        threading.Thread(target=on_start, daemon=True).start()
    times = []
    for line in p.stdout:
        if line.startswith("frame "):
            times.append(time.perf_counter())
    p.wait()
    d = sorted((b - a) * 1e3 for a, b in zip(times[20:], times[21:]))
    pick = lambda q: d[min(len(d) - 1, int(q * (len(d) - 1) + 0.5))]
    return pick(0.5), pick(0.99), d[-1], len(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--beckon", required=True)
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--kill-at", type=float, default=2.0)
    ap.add_argument("--down", type=float, default=3.0)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    port = free_port()
    conf = os.path.join(tmp, "mosquitto.conf")
    open(conf, "w").write(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    base = '[source]\nkind = "replay"\npath = "firmware/replay"\nloop = true\n\n[[action]]\nlabel = "5"\npins = [17]\n'
    mqtt = base + f'\n[mqtt]\nhost = "127.0.0.1"\nport = {port}\ndiscovery = true\n\n[[action]]\nlabel = "5"\nmqtt = "home/lamp"\non = "both"\n'
    plain_cfg, mqtt_cfg = os.path.join(tmp, "plain.toml"), os.path.join(tmp, "mqtt.toml")
    open(plain_cfg, "w").write(base)
    open(mqtt_cfg, "w").write(mqtt)
    rows = [("no remote action", gaps(a.beckon, plain_cfg, a.frames))]
    broker = start_broker(conf, port)
    rows.append(("[mqtt], broker up", gaps(a.beckon, mqtt_cfg, a.frames)))
    state = {"broker": broker}

    def outage():
        time.sleep(a.kill_at)
        state["broker"].kill()
        state["broker"].wait()
        time.sleep(a.down)
        state["broker"] = start_broker(conf, port)

    rows.append((f"[mqtt], broker killed at {a.kill_at:g} s, back {a.down:g} s later", gaps(a.beckon, mqtt_cfg, a.frames, outage)))
    state["broker"].kill()
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(64)
    held = []
    threading.Thread(target=lambda: [held.append(hang.accept()) for _ in iter(int, 1)], daemon=True).start()
    stuck_cfg = os.path.join(tmp, "stuck.toml")
    open(stuck_cfg, "w").write(base + f'\n[[action]]\nlabel = "5"\nhttp = "http://127.0.0.1:{hang.getsockname()[1]}/"\n'
                               'timeout_ms = 300\non = "both"\n\n[[action]]\nlabel = "5"\nexec = ["sleep", "30"]\n'
                               'timeout_ms = 300\non = "both"\n')
    rows.append(("a URL that never answers and a command that never ends (300 ms timeouts)", gaps(a.beckon, stuck_cfg, a.frames)))
    print(f"`beckon run` on the looped `firmware/replay` ({a.frames} frames, 1 thread, every frame printed), "
          "gap between consecutive frame lines on stdout, first 20 frames left out; one run each, same minute.\n")
    print("| run | frames | p50 gap | p99 gap | max gap |")
    print("|---|---|---|---|---|")
    for name, (p50, p99, mx, n) in rows:
        print(f"| {name} | {n} | {p50:.2f} ms | {p99:.2f} ms | {mx:.2f} ms |")


if __name__ == "__main__":
    main()
