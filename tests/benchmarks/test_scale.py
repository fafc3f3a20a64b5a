"""The issue-7 benchmark harness: its arithmetic, and one whole run on a tiny workload."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.scale import Limit, Row, markdown, percentile, request_summary
from benchmarks.workload import TINY_WORKLOAD, seed_workload, visible_month
from moco_desktop.demo.state import MocoState

ROOT = Path(__file__).resolve().parents[2]


def test_least_time_under_a_sliding_window() -> None:
    limit = Limit.parse("15/15")
    assert str(limit) == "15/15"
    assert [limit.least_seconds(n) for n in (0, 1, 15, 16, 30, 31, 54)] == [
        0.0,
        0.0,
        0.0,
        15.0,
        15.0,
        30.0,
        45.0,
    ]


def test_percentile_is_the_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 0.95) == 95.0
    assert percentile(samples, 0.50) == 50.0
    assert percentile([3.0], 0.95) == 3.0


def test_requests_are_summed_per_endpoint_and_429s_counted() -> None:
    log = [
        ["GET", "/api/v1/projects/assigned", 200, 10.0],
        ["GET", "/api/v1/projects/assigned", 429, 10.5],
        ["GET", "/api/v1/users/933/performance_report", 200, 11.0],
    ]
    summary = request_summary(log, since=10.0)
    assert summary["requests"] == 3
    assert summary["throttled_429"] == 1
    assert summary["by_endpoint"] == {"/projects/assigned": 2, "/users/{id}/performance_report": 1}
    assert summary["log"][1] == [0.5, "GET", "/projects/assigned", 429]


def test_the_table_shows_each_figure_beside_its_floor_as_a_ratio() -> None:
    table = markdown(
        [Row("start → painted", 0.3, 0.15, "s", "bare window", "≤ 2×", True)]
    ).splitlines()
    assert table[0].startswith("| figure | MOCO Desktop | floor or baseline | ratio |")
    assert table[2] == "| start → painted | 0.30 s | 0.15 s (bare window) | 2.00× | ≤ 2× | yes |"


def test_the_workload_books_the_visible_month_of_the_staff_user() -> None:
    today = dt.date(2026, 11, 28)
    state = MocoState()
    account = seed_workload(state, today, TINY_WORKLOAD)
    month = set(visible_month(today))
    mine = [a for a in state.activities.values() if a.user_id == account.staff.user_id]
    assert len(mine) == TINY_WORKLOAD.activities
    assert {a.date for a in mine} <= month
    assert len({a.updated_at for a in mine}) == len(mine)  # each changed at its own minute
    assert len(state.projects) == TINY_WORKLOAD.projects


def test_the_whole_report_runs_on_a_tiny_workload(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MOCO_")}
    out = tmp_path / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--tiny",
            "--offscreen",
            "--limit",
            "15/1",
            "--start-runs",
            "1",
            "--floor-seconds",
            "0.5",
            "--json-out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode in (0, 1), done.stderr[-3000:]  # 1: a goal missed, still a report
    report = json.loads(out.read_text(encoding="utf-8"))
    app = report["app"]
    assert app["sync"]["complete"]
    assert app["sync"]["pairs"] == TINY_WORKLOAD.pairs
    assert app["sync"]["throttled_429"] == 0
    assert report["naive"]["requests"] > app["sync"]["requests"]
    assert app["filter"]["keystrokes"] > 0
    for phase in ("sync", "filter", "render", "refresh"):  # what the worst stall waited for
        assert app["stalls"][phase]["worst_page_faults"] >= 0
        assert app["stalls"][phase]["longest_gc_generation"] in (-1, 0, 1, 2)
    figures = {row["figure"]: row for row in report["table"]}
    assert any(name.startswith("picker: p95 per keystroke") for name in figures)
    # The refresh's floor: as many runs without the client's limit, taken in turns with them.
    floor_runs = app["refresh_unlimited"]["seconds"]
    assert len(floor_runs) == len(app["refresh"]["seconds"]) > 0
    (refresh_row,) = (row for name, row in figures.items() if name.startswith("refresh: wall"))
    assert refresh_row["floor"] >= app["refresh_unlimited"]["median_s"] * 1000  # ms
    assert app["refresh"]["limit_waits"] == 0  # spaced within the limit: it never had to wait
    assert all(row["app"] is not None for row in report["table"])
    assert "| figure | MOCO Desktop |" in done.stdout
