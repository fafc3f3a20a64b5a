"""The everyday start as a person has it: the login's key in the desktop's keyring.

    .venv/bin/python -m benchmarks.keyring_start [--runs 5]

`benchmarks.gui_startup` gives the app its key in `MOCO_API_KEY` (a headless machine has no
keyring), so it never reads one. Here a real Secret Service holds the key: the run re-executes
itself under `dbus-run-session` with GNOME Keyring unlocked (needs `gnome-keyring-daemon` and
`dbus-run-session`; Debian: `apt-get install gnome-keyring dbus`), logs in with the CLI (which
stores the key in the keyring), starts the app once to fill the cache, then measures start →
tray icon and → timesheet painted, the bare window started alternately with the app (Xvfb with
a tray host, the demo account over loopback). Prints one JSON object and a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSIDE = "MOCO_BENCH_KEYRING_SESSION"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args(argv)
    if not os.environ.get(INSIDE):
        missing = [p for p in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(p)]
        if missing:
            print(f"needs {' and '.join(missing)} (apt-get install gnome-keyring dbus)")
            return 2
        command = [sys.executable, "-m", "benchmarks.keyring_start", *(argv or sys.argv[1:])]
        return subprocess.call(
            ["dbus-run-session", "--", *command], cwd=ROOT, env={**os.environ, INSIDE: "1"}
        )
    return _measure(options.runs)


def _measure(runs: int) -> int:
    sys.path.insert(0, str(ROOT))
    from benchmarks.bytecode import compile_app
    from benchmarks.gui_startup import FLOOR_SCRIPT
    from benchmarks.processes import Home, Started
    from moco_desktop.demo.seed import seed_demo
    from moco_desktop.demo.server import EmbeddedMocoServer
    from moco_desktop.demo.state import MocoState
    from tests.ui import xvfb

    subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input=b"benchmark",
        capture_output=True,
        check=True,
    )
    compile_app()
    display = xvfb.start_display(1280, 800)
    state = MocoState()
    account = seed_demo(state, dt.date.today())
    server = EmbeddedMocoServer(state, rate_limit=None).start()
    workdir = Path(tempfile.mkdtemp(prefix="moco-bench-keyring-"))
    try:
        base_env = {**display.env(), "MOCO_LANG": "en", "MOCO_BASE_URL": server.base_url}
        base_env.pop("MOCO_API_KEY", None)
        home = workdir / "app"
        login = subprocess.run(
            [sys.executable, "-m", "moco_desktop", "login", "--domain", "demo", "--api-key-stdin"],
            input=account.staff.api_key.encode(),
            env=Home(home).env(base_env),
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        floor_script = workdir / "floor.py"
        floor_script.write_text(FLOOR_SCRIPT)
        app_command = [sys.executable, "-m", "moco_desktop", "--show"]
        first = Started.in_home(app_command, base_env, home, "first.jsonl")
        first.seconds_until("timesheet_painted")
        time.sleep(2.0)  # the first sync fills the cache the everyday start shows
        first.stop()
        times: dict[str, list[float]] = {"floor_painted_s": [], "tray_s": [], "painted_s": []}
        for run in range(runs + 1):  # the first round fills the page cache, not counted
            bare = Started.in_home([sys.executable, str(floor_script)], base_env, workdir / "floor")
            floor = bare.seconds_until("painted")
            bare.stop()
            app = Started.in_home(app_command, base_env, home, f"run{run}.jsonl")
            tray, painted = app.seconds_until("tray_shown"), app.seconds_until("timesheet_painted")
            time.sleep(0.5)
            app.stop()
            if run:
                times["floor_painted_s"].append(floor)
                times["tray_s"].append(tray)
                times["painted_s"].append(painted)
        medians = {name: statistics.median(values) for name, values in times.items()}
        floor = medians["floor_painted_s"]
        print(json.dumps({"login": login.stdout.decode().strip(), **times}, indent=2))
        print()
        print("Everyday start with the key in GNOME Keyring; median of", runs, "runs")
        print()
        print("| figure | app | bare PySide6 window | ratio | goal |")
        print("|---|---:|---:|---:|---|")
        for label, name in (("tray icon shown", "tray_s"), ("timesheet painted", "painted_s")):
            value = medians[name]
            ratio = value / floor
            print(f"| start → {label} | {value:.3f} s | {floor:.3f} s | {ratio:.2f}× | ≤ 1.5× |")
        return 0
    finally:
        server.stop()
        display.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
