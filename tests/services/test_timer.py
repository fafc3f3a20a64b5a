"""Timers online and offline: the right calls, the measured time, one timer at a time."""

from __future__ import annotations

import datetime as dt

from moco_desktop.demo.clock import BERLIN
from moco_desktop.services.events import Notice
from tests.services.conftest import NOW, TODAY, Harness


def calls(harness: Harness, method: str, suffix: str) -> int:
    return sum(1 for r in harness.server.requests if r.method == method and r.path.endswith(suffix))


async def test_starting_online_is_one_post_and_opens_a_presence(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()

    result = await workspace.start_timer(project_id, task_id, "Standup")

    assert result.reached_moco
    [record] = harness.activities()
    assert record.is_running
    assert record.seconds == 0
    assert calls(harness, "POST", "/activities") == 1
    assert calls(harness, "PATCH", "/start_timer") == 0
    [presence] = harness.presences()
    assert (presence.from_time, presence.to_time) == (dt.time(9, 30), None)
    running = workspace.running_timer()
    assert running is not None
    assert (running.id, running.pending) == (record.id, False)


async def test_stopping_online_lets_moco_book_the_minutes(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    await workspace.start_timer(project_id, task_id, "Standup")
    harness.advance(minutes=30, seconds=10)

    result = await workspace.stop_timer()

    assert result is not None
    assert result.reached_moco
    [record] = harness.activities()
    assert not record.is_running
    assert record.seconds == 1800
    assert calls(harness, "PATCH", "/stop_timer") == 1
    assert harness.requests("PUT", "/activities") == []
    assert workspace.running_timer() is None
    assert await workspace.stop_timer() is None


async def test_starting_a_second_timer_stops_the_first(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    first_project, first_task = harness.bookable()
    second_project, second_task = harness.bookable(index=2)
    await workspace.start_timer(first_project, first_task, "One")
    harness.advance(minutes=15)
    await workspace.start_timer(second_project, second_task, "Two")

    first, second = harness.activities()
    assert (first.seconds, first.is_running) == (900, False)
    assert second.is_running
    running = workspace.running_timer()
    assert running is not None
    assert running.id == second.id


async def test_continuing_today_and_another_day(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    logged = await workspace.log_activity(TODAY, project_id, task_id, 600, "Review")

    continued = await workspace.continue_timer(logged.entity_id)

    assert continued.reached_moco
    assert continued.entity_id == logged.entity_id
    assert calls(harness, "PATCH", "/start_timer") == 1
    [record] = harness.activities()
    assert record.is_running
    assert record.seconds == 600

    await workspace.stop_timer()
    yesterday_entry = next(
        e for e in workspace.day(TODAY - dt.timedelta(days=1)).entries if not e.is_running
    )
    copied = await workspace.continue_timer(yesterday_entry.id)
    assert copied.entity_id != yesterday_entry.id
    new_record = next(a for a in harness.activities() if a.id == copied.entity_id)
    assert new_record.is_running
    assert new_record.date == TODAY
    assert (new_record.project_id, new_record.task_id, new_record.description) == (
        yesterday_entry.activity.project.id,
        yesterday_entry.activity.task.id,
        yesterday_entry.activity.description,
    )


async def test_started_and_stopped_offline_becomes_one_activity(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.refuse_connections = True
    started = await workspace.start_timer(project_id, task_id, "Offline work")
    harness.advance(minutes=45)
    running = workspace.running_timer()
    assert running is not None
    assert running.pending
    assert running.elapsed_seconds(workspace.now()) == 2700
    await workspace.stop_timer()
    harness.advance(hours=2)

    harness.server.faults.refuse_connections = False
    await workspace.sync()

    [record] = harness.activities()
    assert (record.seconds, record.is_running, record.description) == (2700, False, "Offline work")
    assert calls(harness, "POST", "/activities") == 1
    assert calls(harness, "PATCH", "/start_timer") + calls(harness, "PATCH", "/stop_timer") == 0
    [presence] = harness.presences()
    assert presence.from_time == dt.time(9, 30)  # when the timer really started
    assert workspace.entry(started.entity_id) is not None


async def test_started_offline_and_still_running_keeps_the_offline_minutes(
    harness: Harness,
) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.refuse_connections = True
    await workspace.start_timer(project_id, task_id, "Train")
    harness.advance(minutes=20)
    harness.server.faults.refuse_connections = False

    await workspace.sync()

    [record] = harness.activities()
    assert record.is_running
    assert record.seconds == 1200
    harness.advance(minutes=10)
    await workspace.stop_timer()
    [record] = harness.activities()
    assert (record.seconds, record.is_running) == (1800, False)


async def test_moco_timer_stopped_offline_gets_the_measured_seconds(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    await workspace.start_timer(project_id, task_id, "Call")
    harness.advance(minutes=30)
    harness.server.faults.refuse_connections = True
    stopped = await workspace.stop_timer()
    assert stopped is not None
    assert stopped.saved_locally_only
    harness.advance(hours=2)  # MOCO's timer would count these two hours
    harness.server.faults.refuse_connections = False

    await workspace.sync()

    [record] = harness.activities()
    assert (record.seconds, record.is_running) == (1800, False)
    assert calls(harness, "PATCH", "/stop_timer") == 1


async def test_continued_offline_books_the_offline_minutes(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    logged = await workspace.log_activity(TODAY, project_id, task_id, 600, "Spec")
    harness.server.faults.refuse_connections = True
    await workspace.continue_timer(logged.entity_id)
    harness.advance(minutes=40)
    harness.server.faults.refuse_connections = False

    await workspace.sync()

    [record] = harness.activities()
    assert record.is_running
    assert record.seconds == 600 + 2400
    harness.advance(minutes=20)
    await workspace.stop_timer()
    assert harness.activities()[0].seconds == 600 + 3600


async def test_a_timer_started_elsewhere_is_found(harness: Harness) -> None:
    project_id, task_id = harness.bookable()
    with harness.state.lock:
        forgotten = harness.state.add_activity(
            harness.jonas,
            project_id,
            task_id,
            TODAY - dt.timedelta(days=3),
            description="Forgotten",
            timer_started_at=NOW - dt.timedelta(days=3),
        )
    workspace = harness.workspace()
    assert workspace.running_timer() is None
    await workspace.refresh()
    running = workspace.running_timer()
    assert running is not None
    assert running.id == forgotten.id
    await workspace.stop_timer()
    assert not harness.state.activities[forgotten.id].is_running


async def test_online_timer_over_midnight_stays_on_its_day(harness: Harness) -> None:
    harness.clock.set(dt.datetime(2024, 3, 14, 23, 50, tzinfo=BERLIN))
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    await workspace.start_timer(project_id, task_id, "Late")
    harness.clock.set(dt.datetime(2024, 3, 15, 0, 10, tzinfo=BERLIN))
    assert workspace.day(TODAY).running is not None
    await workspace.stop_timer()
    [record] = harness.activities()
    assert (record.date, record.seconds) == (TODAY, 1200)


async def test_offline_timer_over_midnight_is_booked_on_its_day(harness: Harness) -> None:
    harness.clock.set(dt.datetime(2024, 3, 14, 23, 50, tzinfo=BERLIN))
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.refuse_connections = True
    await workspace.start_timer(project_id, task_id, "Night train")
    harness.clock.set(dt.datetime(2024, 3, 15, 0, 30, tzinfo=BERLIN))
    harness.server.faults.refuse_connections = False

    await workspace.sync()

    [record] = harness.activities()
    assert (record.date, record.seconds, record.is_running) == (TODAY, 2400, False)
    assert any(
        isinstance(e, Notice) and e.message_key == "timesheet.timer_day_change"
        for e in harness.events
    )
    assert workspace.running_timer() is None


async def test_several_offline_timers_in_a_row(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    first = harness.bookable()
    second = harness.bookable(index=1)
    harness.server.faults.refuse_connections = True
    await workspace.start_timer(*first, "A")
    harness.advance(minutes=10)
    await workspace.start_timer(*second, "B")
    harness.advance(minutes=5)
    await workspace.stop_timer()
    harness.advance(minutes=5)
    harness.server.faults.refuse_connections = False

    await workspace.sync()

    records = harness.activities()
    assert [(r.description, r.seconds, r.is_running) for r in records] == [
        ("A", 600, False),
        ("B", 300, False),
    ]
    assert len(harness.presences()) == 1


async def test_a_zero_second_offline_timer_does_not_keep_running(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    harness.server.faults.refuse_connections = True
    await workspace.start_timer(*harness.bookable(), "Misclick")
    await workspace.stop_timer()
    harness.server.faults.refuse_connections = False

    await workspace.sync()

    [record] = harness.activities()
    assert not record.is_running
    assert record.seconds == 0
    assert calls(harness, "PATCH", "/stop_timer") == 1  # MOCO started it on POST; stopped
