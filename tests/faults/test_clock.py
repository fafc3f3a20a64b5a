"""Time itself misbehaving: lost answers reconciled too early, midnight, clocks going back,
and waking up from sleep. All on the fake clock the app and the server share."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

from moco_desktop.demo.clock import BERLIN
from moco_desktop.services.events import Notice
from moco_desktop.services.workspace import SyncSettings
from tests.faults.report import Result, record
from tests.services.conftest import TODAY, Harness


async def run_scenario(key: str, body: Callable[[], Awaitable[str | None]]) -> None:
    passed = False
    notes: list[str] = []
    try:
        note = await body()
        if note:
            notes.append(note)
        passed = True
    finally:
        record("scenario", key, Result(passed, notes=notes))


async def test_a_lost_answer_waits_before_it_is_looked_up(harness: Harness) -> None:
    async def scenario() -> str:
        settings = SyncSettings(settle_after_lost=dt.timedelta(seconds=45))
        workspace = harness.workspace(timeout=0.1, settings=settings)
        await workspace.refresh()
        harness.server.faults.hang_next(
            1, 0.4, method="POST", path_prefix="/activities", carry_out=True
        )
        result = await workspace.log_activity(TODAY, *harness.bookable(), 1800, "Slow MOCO")
        assert result.saved_locally_only

        early = await workspace.push()  # MOCO is still working on it: no lookup, no resend
        assert early.stopped == "settling"
        assert early.retry_after is not None
        assert 0 < early.retry_after <= 45
        await asyncio.sleep(0.5)
        harness.advance(seconds=46)
        await workspace.sync()

        assert len(harness.activities()) == 1
        assert len(harness.requests("POST", "/activities")) == 1
        return "waited 45 s, then adopted"

    await run_scenario("settle_before_reconcile", scenario)


async def test_midnight_while_offline(harness: Harness) -> None:
    async def scenario() -> None:
        harness.clock.set(dt.datetime(2024, 3, 14, 23, 50, tzinfo=BERLIN))
        workspace = harness.workspace()
        await workspace.refresh()
        harness.server.faults.refuse_connections = True
        await workspace.start_timer(*harness.bookable(), "Night shift")
        harness.clock.set(dt.datetime(2024, 3, 15, 0, 10, tzinfo=BERLIN))
        await workspace.stop_timer()
        harness.server.faults.refuse_connections = False
        workspace.notify_network_changed()
        await workspace.sync()

        [record_] = harness.activities()
        assert (record_.date, record_.seconds, record_.is_running) == (TODAY, 1200, False)
        assert harness.activities(day=TODAY + dt.timedelta(days=1)) == []

    await run_scenario("day_boundary_offline", scenario)


async def test_midnight_with_the_timer_still_running(harness: Harness) -> None:
    async def scenario() -> None:
        harness.clock.set(dt.datetime(2024, 3, 14, 23, 50, tzinfo=BERLIN))
        workspace = harness.workspace()
        await workspace.refresh()
        harness.server.faults.refuse_connections = True
        await workspace.start_timer(*harness.bookable(), "Night shift")
        harness.clock.set(dt.datetime(2024, 3, 15, 0, 30, tzinfo=BERLIN))
        harness.server.faults.refuse_connections = False
        workspace.notify_network_changed()
        await workspace.sync()

        [record_] = harness.activities()
        assert (record_.date, record_.seconds, record_.is_running) == (TODAY, 2400, False)
        told = [
            e
            for e in harness.events
            if isinstance(e, Notice) and e.message_key == "timesheet.timer_day_change"
        ]
        assert len(told) == 1
        assert "40 min" in told[0].message

    await run_scenario("day_boundary_running", scenario)


async def test_clock_set_back(harness: Harness) -> None:
    async def scenario() -> None:
        workspace = harness.workspace()
        await workspace.refresh()
        yesterday = TODAY - dt.timedelta(days=1)
        victim = harness.activities(day=yesterday)[0]
        with harness.state.lock:
            del harness.state.activities[victim.id]
        harness.advance(hours=-1)
        await workspace.refresh()

        assert "updated_after" not in harness.requests("GET", "/activities")[-1].query
        assert victim.id not in {e.id for e in workspace.day(yesterday).entries}

    await run_scenario("clock_back", scenario)


async def test_waking_up_with_a_moco_timer_running(harness: Harness) -> None:
    async def scenario() -> None:
        workspace = harness.workspace()
        await workspace.refresh()
        await workspace.start_timer(*harness.bookable(), "Before sleep")
        harness.server.faults.refuse_connections = True
        harness.advance(hours=8)
        harness.server.faults.refuse_connections = False
        workspace.notify_resumed()
        await workspace.sync()

        running = workspace.running_timer()
        assert running is not None
        assert not running.pending
        assert running.elapsed_seconds(workspace.now()) == 8 * 3600
        [record_] = harness.activities()
        assert record_.is_running

    await run_scenario("resume_running_timer", scenario)
