"""A real process killed with SIGKILL mid-operation; a fresh process resumes without loss.

The server runs in the test process; the app runs in `tests.faults.worker` subprocesses on the
same database file. Kept to a few cases: each costs a process start (~0.5 s).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from moco_desktop.demo.clock import BERLIN
from tests.faults.report import Result, record
from tests.services.conftest import NOW, TODAY, Harness

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """One worker process; its JSON lines are read as they come."""

    def __init__(self, harness: Harness, command: str, now: dt.datetime, **extra: Any) -> None:
        project_id, task_id = harness.bookable()
        options = {
            "base_url": harness.server.base_url,
            "api_key": harness.account.normal.api_key,
            "account_key": f"demo#{harness.jonas}",
            "user_id": harness.jonas,
            "database": str(harness.database_path),
            "now": now.isoformat(),
            "command": command,
            "project_id": project_id,
            "task_id": task_id,
            **extra,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.worker", json.dumps(options)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[dict[str, Any]] = []
        _running.append(self)

    async def read_until(self, condition: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        assert self.process.stdout is not None
        while True:
            line = await asyncio.wait_for(
                asyncio.to_thread(self.process.stdout.readline), timeout=30
            )
            if not line:
                stderr = self.process.stderr.read() if self.process.stderr else ""
                raise AssertionError(f"worker ended early: {stderr}")
            message: dict[str, Any] = json.loads(line)
            self.lines.append(message)
            if condition(message):
                return message

    async def finish(self) -> list[dict[str, Any]]:
        out, err = await asyncio.to_thread(self.process.communicate, None, 60)
        self.lines += [json.loads(line) for line in out.splitlines() if line.strip()]
        assert self.process.returncode == 0, err
        return self.lines

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()  # reaped: its pid is gone, so its send lease is free
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


_running: list[Worker] = []


@pytest.fixture(autouse=True)
def no_stray_workers() -> Iterator[None]:
    yield
    while _running:
        worker = _running.pop()
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait()


def outbox_rows(path: Path) -> list[sqlite3.Row]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return list(connection.execute("SELECT * FROM outbox ORDER BY id"))
    finally:
        connection.close()


def has_post_in_flight(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        rows = outbox_rows(path)
    except sqlite3.OperationalError:
        return False
    return any(r["state"] == "in_flight" and '"post"' in (r["sent_payload"] or "") for r in rows)


async def wait_for_in_flight_post(path: Path) -> None:
    await wait_for(lambda: has_post_in_flight(path))


async def wait_for(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def run_scenario(key: str, body: Callable[[], Any]) -> None:
    passed = False
    notes: list[str] = []
    try:
        outcome = await body()
        if isinstance(outcome, str):
            notes.append(outcome)
        passed = True
    finally:
        record("scenario", key, Result(passed, notes=notes))


async def test_killed_while_moco_applies_the_post(harness: Harness) -> None:
    async def scenario() -> str:
        harness.database().close()  # create the file up front
        harness.server.faults.hang_next(
            1, 1.0, method="POST", path_prefix="/activities", carry_out=True
        )
        worker = Worker(harness, "log", NOW)
        await wait_for_in_flight_post(harness.database_path)
        await asyncio.sleep(0.3)  # the request reaches the server and is held there
        worker.kill()
        await wait_for(lambda: bool(harness.activities()))  # MOCO finishes the held request

        later = NOW + dt.timedelta(minutes=2)
        lines = await Worker(harness, "sync", later).finish()

        assert lines[-1] == {"step": "synced", "pending": 0, "sent": 1}  # confirmed by lookup
        [record_] = harness.activities()
        assert record_.description == "Killed mid-POST"
        assert len(harness.requests("POST", "/activities")) == 1
        return "adopted, not resent"

    await run_scenario("kill_mid_post_applied", scenario)


async def test_killed_while_the_post_is_dropped(harness: Harness) -> None:
    async def scenario() -> str:
        harness.database().close()
        harness.server.faults.hang_next(
            1, 1.0, method="POST", path_prefix="/activities", carry_out=False
        )
        worker = Worker(harness, "log", NOW)
        await wait_for_in_flight_post(harness.database_path)
        await asyncio.sleep(0.3)  # the request reaches the server and is held there
        worker.kill()
        await asyncio.sleep(0.8)  # the server drops the held request unapplied
        assert harness.activities() == []

        later = NOW + dt.timedelta(minutes=2)
        lines = await Worker(harness, "sync", later).finish()

        assert lines[-1] == {"step": "synced", "pending": 0, "sent": 1}
        assert len(harness.activities()) == 1
        return "looked up, then sent once"

    await run_scenario("kill_mid_post_dropped", scenario)


async def test_killed_with_a_timer_running_offline(harness: Harness) -> None:
    async def scenario() -> str:
        harness.database().close()
        harness.server.faults.refuse_connections = True
        worker = Worker(harness, "start", NOW, timeout=0.5)
        started = await worker.read_until(lambda m: m["step"] == "started")
        assert started["reached"] is False
        worker.kill()
        harness.server.faults.refuse_connections = False
        later = NOW + dt.timedelta(minutes=45)
        harness.clock.set(later)

        lines = await Worker(harness, "stop", later).finish()

        restored = next(line for line in lines if line["step"] == "restored")
        assert restored == {"step": "restored", "running": True, "pending": True, "elapsed": 2700}
        assert lines[-1] == {"step": "stopped", "pending": 0}
        [record_] = harness.activities()
        assert (record_.seconds, record_.is_running) == (2700, False)
        return "45 min booked as one entry"

    await run_scenario("kill_timer_running", scenario)


async def test_killed_during_local_writes(harness: Harness) -> None:
    async def scenario() -> str:
        harness.database().close()
        harness.server.faults.refuse_connections = True
        worker = Worker(harness, "log_loop", NOW)
        await worker.read_until(lambda m: m.get("number", -1) >= 40)
        worker.kill()
        acknowledged = {line["number"] for line in worker.lines if line["step"] == "acked"}

        connection = sqlite3.connect(harness.database_path)
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        queued = connection.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        connection.close()
        harness.server.faults.refuse_connections = False
        await Worker(harness, "sync", NOW + dt.timedelta(minutes=1)).finish()

        descriptions = [a.description for a in harness.activities()]
        booked = {int(text.split()[-1]) for text in descriptions}
        assert len(descriptions) == len(booked) == queued  # nothing twice, nothing lost
        assert acknowledged <= booked
        assert booked <= acknowledged | {max(acknowledged) + 1}  # at most the unconfirmed one
        return "all confirmed bookings in MOCO once"

    await run_scenario("kill_mid_write", scenario)


def test_the_worker_clock_matches_the_server() -> None:
    assert NOW.tzinfo is BERLIN
    assert NOW.date() == TODAY
