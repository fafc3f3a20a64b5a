"""The desktop app's start-up, idle memory and idle CPU, beside a bare PySide6 window's floor.

    .venv/bin/python -m benchmarks.gui_startup [--runs 5] [--idle-seconds 65] [--offscreen]

Measured in one run, on one display (a private Xvfb with a tray host when Xvfb, trayer and
xdotool are installed, else Qt's offscreen platform, where there is no tray):

- start to tray icon shown and to timesheet painted: `python -m moco_desktop --show` against an
  embedded MOCO (loopback, no rate limit), the process started cold each time. Two kinds of
  start per run: the *first start* in a new, empty user directory (the key is checked with MOCO,
  nothing is cached; the timesheet is painted once the login has been checked), and the
  *everyday start* in that same directory afterwards (login stored, the last sync's data cached),
  which is the start a person has every morning and what the goal is judged on. Median of
  --runs, warm page cache, the package compiled to bytecode first (as installed). With --cold
  (Linux, root) the page cache is dropped before each start as well. Floor: the same
  interpreter starting a bare `QWidget` and painting it once.
- idle memory (RSS) and idle CPU (user+system seconds over --idle-seconds, default a little over
  a minute so the once-a-minute refresh and tick are inside the window), with the timesheet
  hidden (tray only): without a timer, and with a timer running (started "elsewhere", in the
  server, so the tray shows it and the minute ticker runs). Floor: the bare window, idle.

Goals (issue 4): start ≤ 1.5× the floor, idle RSS ≤ 1.6× the floor, no measurable CPU while idle.
Prints one JSON object, then a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import textwrap
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DROP_CACHES = Path("/proc/sys/vm/drop_caches")

FLOOR_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    from PySide6.QtCore import QObject, QEvent
    from PySide6.QtWidgets import QApplication, QWidget

    report = os.environ["MOCO_DESKTOP_STARTUP_REPORT"]

    class Painted(QObject):
        done = False
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint and not self.done:
                self.done = True
                with open(report, "a") as out:
                    out.write(json.dumps({"event": "painted", "t": time.time()}) + "\\n")
            return False

    app = QApplication(sys.argv)
    window = QWidget()
    window.resize(1000, 620)
    watcher = Painted()
    window.installEventFilter(watcher)
    window.show()
    sys.exit(app.exec())
    """
)


@dataclass
class Row:
    figure: str
    app: float | None
    floor: float | None
    unit: str
    goal: str

    @property
    def ratio(self) -> float | None:
        if self.app is None or not self.floor:
            return None
        return self.app / self.floor


def drop_page_cache() -> bool:
    try:
        os.sync()
        DROP_CACHES.write_text("3\n")
    except OSError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=65.0)
    parser.add_argument("--cold", action="store_true", help="drop the page cache before runs")
    parser.add_argument("--offscreen", action="store_true", help="no Xvfb even if available")
    options = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from benchmarks.bytecode import compile_app
    from benchmarks.processes import Started
    from moco_desktop.demo.seed import seed_demo
    from moco_desktop.demo.server import EmbeddedMocoServer
    from moco_desktop.demo.state import MocoState
    from tests.ui import xvfb

    display = None
    if not options.offscreen and xvfb.available():
        display = xvfb.start_display(1280, 800)
        base_env = display.env()
        platform = "xcb on Xvfb with trayer"
    else:
        base_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        platform = "offscreen (no tray)"
    base_env["MOCO_LANG"] = "en"

    compile_app()
    state = MocoState()
    account = seed_demo(state, dt.date.today())
    server = EmbeddedMocoServer(state, rate_limit=None).start()
    app_env = {
        **base_env,
        "MOCO_BASE_URL": server.base_url,
        "MOCO_DOMAIN": "demo",
        "MOCO_API_KEY": account.staff.api_key,
    }
    workdir = Path(tempfile.mkdtemp(prefix="moco-bench-gui-"))
    app_command = [sys.executable, "-m", "moco_desktop"]
    floor_script = workdir / "floor.py"
    floor_script.write_text(FLOOR_SCRIPT)
    floor_command = [sys.executable, str(floor_script)]
    results: dict[str, Any] = {"platform": platform, "runs": options.runs}
    try:
        cold = options.cold and drop_page_cache()
        results["cold"] = cold

        def start_times(prefix: str) -> dict[str, list[float]]:
            times: dict[str, list[float]] = {
                "floor_painted_s": [],
                "first_tray_s": [],
                "first_painted_s": [],
                "app_tray_s": [],
                "app_timesheet_painted_s": [],
            }
            for run in range(options.runs):
                if cold:
                    drop_page_cache()
                bare = Started.in_home(floor_command, base_env, workdir / f"{prefix}floor{run}")
                times["floor_painted_s"].append(bare.seconds_until("painted"))
                bare.stop()
                home = workdir / f"{prefix}app{run}"
                for kind in ("first", "app"):
                    if cold:
                        drop_page_cache()
                    app = Started.in_home([*app_command, "--show"], app_env, home, f"{kind}.jsonl")
                    if display is not None:
                        times[f"{kind}_tray_s"].append(app.seconds_until("tray_shown"))
                    painted = app.seconds_until("timesheet_painted")
                    times[
                        f"{kind}_painted_s" if kind == "first" else "app_timesheet_painted_s"
                    ].append(painted)
                    if kind == "first":
                        app.wait_for("data_loaded")  # the cache the everyday start shows
                        time.sleep(0.5)
                    app.stop()
            return times

        start_times("warmup-")  # one round to fill the page cache, not counted
        results["start"] = starts = start_times("")
        floor_starts = starts["floor_painted_s"]
        tray_starts = starts["app_tray_s"]
        painted_starts = starts["app_timesheet_painted_s"]

        # Idle: the three processes side by side, hidden timesheet (tray only).
        bare = Started.in_home(floor_command, base_env, workdir / "idle-floor")
        bare.wait_for("painted")
        idle = Started.in_home(app_command, app_env, workdir / "idle-app")
        idle.wait_for("data_loaded")
        project = next(
            p
            for p in state.projects.values()
            if p.active and (c := p.contract_of(account.normal.user_id)) and c.active
        )
        state.add_activity(
            account.normal.user_id,
            project.id,
            project.tasks[0].id,
            dt.date.today(),
            description="Benchmark",
            timer_started_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
        )
        running_env = {**app_env, "MOCO_API_KEY": account.normal.api_key}
        running = Started.in_home(app_command, running_env, workdir / "idle-running")
        loaded = running.wait_for("data_loaded")
        if not loaded.get("running"):
            running.wait_for("timer_state")
        time.sleep(3.0)  # let start-up work (first refresh, icon loads) finish
        processes = {"floor": bare, "idle": idle, "running": running}
        cpu_before = {name: p.cpu_seconds() for name, p in processes.items()}
        time.sleep(options.idle_seconds)
        cpu = {name: p.cpu_seconds() - cpu_before[name] for name, p in processes.items()}
        rss = {name: p.rss_mib() for name, p in processes.items()}
        for process in processes.values():
            process.stop()
        results["idle"] = {"seconds": options.idle_seconds, "cpu_s": cpu, "rss_mib": rss}
    finally:
        server.stop()
        if display is not None:
            display.stop()

    floor_start = statistics.median(floor_starts)
    first_tray = starts["first_tray_s"]
    rows = [
        Row(
            "everyday start → tray icon shown",
            statistics.median(tray_starts) if tray_starts else None,
            floor_start,
            "s",
            "≤ 1.5×",
        ),
        Row(
            "everyday start → timesheet painted",
            statistics.median(painted_starts),
            floor_start,
            "s",
            "≤ 1.5×",
        ),
        Row(
            "first start → tray icon shown",
            statistics.median(first_tray) if first_tray else None,
            floor_start,
            "s",
            "(once)",
        ),
        Row(
            "first start → timesheet painted (key checked with MOCO)",
            statistics.median(starts["first_painted_s"]),
            floor_start,
            "s",
            "(once)",
        ),
        Row("idle RSS, hidden, no timer", rss["idle"], rss["floor"], "MiB", "≤ 1.6×"),
        Row("idle RSS, hidden, timer running", rss["running"], rss["floor"], "MiB", "≤ 1.6×"),
        Row(
            f"idle CPU over {options.idle_seconds:.0f} s, no timer",
            cpu["idle"],
            cpu["floor"],
            "s",
            "not measurable",
        ),
        Row(
            f"idle CPU over {options.idle_seconds:.0f} s, timer running",
            cpu["running"],
            cpu["floor"],
            "s",
            "not measurable",
        ),
    ]
    results["table"] = [{**asdict(row), "ratio": row.ratio} for row in rows]
    print(json.dumps(results, indent=2))
    print()
    print(f"Platform: {platform}; median of {options.runs} runs" + (", cold" if cold else ""))
    print()
    print("| figure | app | bare PySide6 window | ratio | goal |")
    print("|---|---:|---:|---:|---|")
    for row in rows:
        app_text = "n/a" if row.app is None else f"{row.app:.3f} {row.unit}"
        floor_text = "n/a" if row.floor is None else f"{row.floor:.3f} {row.unit}"
        ratio = "n/a" if row.ratio is None else f"{row.ratio:.2f}×"
        print(f"| {row.figure} | {app_text} | {floor_text} | {ratio} | {row.goal} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
