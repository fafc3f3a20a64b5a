"""The quick-entry service: preview with the last used project as fallback, submitting logs and
timers through a fake Workspace and the real one, and the rounded timer stop."""

from __future__ import annotations

import datetime as dt

import pytest

from moco_desktop.core.quick_entry import RoundingPolicy
from moco_desktop.services.quick_entry import (
    QuickEntryNotReadyError,
    QuickEntryService,
    stop_timer_rounded,
)
from tests.services.conftest import TODAY, Harness
from tests.services.test_idle_watch import (
    DAY,
    INTERNAL,
    WEBSITE,
    FakeClock,
    FakeWorkspace,
    at,
    make_activity,
)


@pytest.fixture
def workspace() -> FakeWorkspace:
    return FakeWorkspace(FakeClock(at(11, 0)))


def test_preview_is_instant_and_uses_the_last_entry_as_fallback(workspace: FakeWorkspace) -> None:
    workspace.add(make_activity(1, date=DAY - dt.timedelta(days=2), task=WEBSITE.tasks[1]))
    service = QuickEntryService(workspace, clock=workspace.clock)

    preview = service.preview("30m: Standup")

    assert preview.ready
    assert preview.project_from_fallback
    assert (preview.project, preview.task) == (WEBSITE, WEBSITE.tasks[1])
    assert service.last_used() == (WEBSITE, WEBSITE.tasks[1])


def test_last_used_skips_what_can_no_longer_be_booked(workspace: FakeWorkspace) -> None:
    retired = make_activity(1, project=INTERNAL)
    workspace.add(retired)
    workspace.project_list = (WEBSITE,)  # the internal project is gone
    service = QuickEntryService(workspace, clock=workspace.clock)

    assert service.last_used() is None


async def test_submitting_a_duration_logs_an_entry(workspace: FakeWorkspace) -> None:
    service = QuickEntryService(workspace, clock=workspace.clock)

    result = await service.submit("(1,5) P0007 meetings: Jour fixe #jf")

    assert result.reached_moco
    entry = workspace.activities[result.entry_id]
    assert (entry.date, entry.seconds, entry.project.id, entry.task.name) == (
        DAY,
        5400,
        WEBSITE.id,
        "Meetings",
    )
    assert (entry.description, entry.tag, entry.billable) == ("Jour fixe", "jf", False)
    assert workspace.calls == [
        ("log", (DAY, WEBSITE.id, 101, 5400, "Jour fixe", False, "jf")),
    ]


async def test_submitting_without_duration_starts_a_timer(workspace: FakeWorkspace) -> None:
    service = QuickEntryService(workspace, clock=workspace.clock)

    result = await service.submit("intern: Mails")

    running = workspace.running_timer()
    assert running is not None
    assert running.activity.id == result.entry_id
    assert workspace.calls == [("start", (INTERNAL.id, 200, "Mails", None, ""))]


async def test_an_open_range_ends_when_enter_is_pressed(workspace: FakeWorkspace) -> None:
    service = QuickEntryService(workspace, clock=workspace.clock)
    assert service.preview("10:00- intern").seconds == 3600
    workspace.clock.advance(minutes=15)

    result = await service.submit("10:00- intern")

    assert workspace.activities[result.entry_id].seconds == 4500


async def test_an_incomplete_line_is_not_submitted(workspace: FakeWorkspace) -> None:
    service = QuickEntryService(workspace, clock=workspace.clock)

    with pytest.raises(QuickEntryNotReadyError) as raised:
        await service.submit("2h P0007")
    assert raised.value.message.startswith("The entry is not complete: Name a task of P0007")
    assert workspace.calls == []


async def test_the_day_shown_is_the_default_date(workspace: FakeWorkspace) -> None:
    service = QuickEntryService(workspace, clock=workspace.clock)
    shown = DAY - dt.timedelta(days=3)

    result = await service.submit("1h intern", default_date=shown)

    assert workspace.activities[result.entry_id].date == shown


# --- rounding the timer stop -----------------------------------------------------------------


async def test_stopping_with_rounding_off_is_the_plain_stop(workspace: FakeWorkspace) -> None:
    workspace.add(make_activity(1, started=at(10, 38)))

    stopped = await stop_timer_rounded(workspace, RoundingPolicy(), clock=workspace.clock)

    assert stopped is not None
    assert (stopped.seconds, stopped.rounded) == (22 * 60, False)
    assert [name for name, _ in workspace.calls] == ["stop"]
    assert workspace.activities[1].seconds == 22 * 60


async def test_stopping_with_rounding_up_books_the_rounded_time(workspace: FakeWorkspace) -> None:
    workspace.add(make_activity(1, seconds=600, started=at(10, 38)))

    stopped = await stop_timer_rounded(
        workspace, RoundingPolicy(True, 15, "up"), clock=workspace.clock
    )

    assert stopped is not None
    assert (stopped.seconds, stopped.rounded) == (45 * 60, True)  # 32 min -> 45 min
    assert workspace.activities[1].seconds == 45 * 60
    assert not workspace.activities[1].is_running


async def test_stopping_without_a_timer_does_nothing(workspace: FakeWorkspace) -> None:
    assert await stop_timer_rounded(workspace, RoundingPolicy(True), clock=workspace.clock) is None
    assert workspace.calls == []


# --- the real Workspace ----------------------------------------------------------------------


async def test_quick_entry_books_through_the_real_workspace(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project = workspace.projects()[0]
    task = next(t for t in project.tasks if t.active)
    service = QuickEntryService(workspace, clock=workspace.local_now)
    line = f"1:15 {project.identifier} {task.name}: Quick #qe"

    preview = service.preview(line)
    assert preview.ready, [p.message for p in preview.problems]
    result = await service.submit(line)

    assert result.reached_moco
    [record] = harness.activities()
    assert (record.date, record.seconds, record.project_id, record.task_id) == (
        TODAY,
        4500,
        project.id,
        task.id,
    )
    assert (record.description, record.tag) == ("Quick", "qe")
    fallback = service.preview("10m: more")
    assert fallback.project_from_fallback
    assert fallback.project == project


async def test_rounded_stop_reaches_moco_through_the_real_workspace(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    await workspace.start_timer(project_id, task_id, "Rounded")
    harness.advance(minutes=7)

    stopped = await stop_timer_rounded(
        workspace, RoundingPolicy(True, 15, "up"), clock=workspace.local_now
    )

    assert stopped is not None
    assert stopped.reached_moco
    [record] = harness.activities()
    assert (record.seconds, record.timer_started_at) == (15 * 60, None)
