"""Refreshing (incremental and full), the background engine, one sender per identity."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
from collections.abc import Sequence

import pytest

from moco_desktop.core.entities import Activity
from moco_desktop.services import sync as sync_module
from moco_desktop.services.events import (
    DataChanged,
    RateLimitWait,
    ReachabilityChanged,
    SyncProgress,
)
from moco_desktop.services.sync import READ_MARGIN, Backoff, SyncEngine
from moco_desktop.storage import codec
from tests.services.conftest import FAST, TODAY, Harness


async def wait_until(condition: object, within: float = 5.0) -> None:
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_refresh_is_incremental_then_fully_reconciled(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    last_week_day = TODAY - dt.timedelta(days=1)
    victim, edited = [a for a in harness.activities(day=last_week_day)][:2]
    harness.advance(minutes=2)
    with harness.state.lock:
        del harness.state.activities[victim.id]
        edited.description = "Changed in the web app"
        edited.updated_at = harness.clock.now().astimezone(dt.UTC)
    harness.events.clear()

    await workspace.refresh()

    incremental = harness.requests("GET", "/activities")[-1]
    assert "updated_after" in incremental.query
    shown = {e.id: e.activity.description for e in workspace.day(last_week_day).entries}
    assert shown[edited.id] == "Changed in the web app"
    assert victim.id in shown  # deletions are not visible incrementally
    assert DataChanged("activities", frozenset({last_week_day})) in harness.events

    harness.advance(minutes=11)
    report = await workspace.refresh()

    assert "updated_after" not in harness.requests("GET", "/activities")[-1].query
    assert victim.id not in {e.id for e in workspace.day(last_week_day).entries}
    assert report.removed == 1
    assert last_week_day in report.changed_dates


async def test_an_incremental_refresh_names_the_days_an_entry_left_and_reached(
    harness: Harness,
) -> None:
    """Only the entries MOCO sends are compared (not the whole week twice): an entry moved
    from last week into the refreshed week changes both days, and nothing else does."""
    workspace = harness.workspace()
    last_week_day = TODAY - dt.timedelta(days=7)
    await workspace.refresh([TODAY, last_week_day])
    moved = harness.activities(day=last_week_day)[0]
    harness.advance(minutes=2)
    with harness.state.lock:
        moved.date = TODAY - dt.timedelta(days=1)
        moved.updated_at = harness.clock.now().astimezone(dt.UTC)
    harness.events.clear()

    report = await workspace.refresh([TODAY])  # this week only, incrementally

    assert "updated_after" in harness.requests("GET", "/activities")[-1].query
    assert report.changed_dates == {last_week_day, moved.date}
    assert DataChanged("activities", frozenset({last_week_day, moved.date})) in harness.events
    assert moved.id in {e.id for e in workspace.day(moved.date).entries}
    assert moved.id not in {e.id for e in workspace.day(last_week_day).entries}

    harness.events.clear()
    database = workspace.cache.database
    changes_before = database.connection.total_changes
    report = await workspace.refresh([TODAY])  # nothing changed since

    assert report.changed_dates == set()
    assert not [e for e in harness.events if isinstance(e, DataChanged)]
    assert database.connection.total_changes == changes_before  # and nothing is written


async def test_a_complete_refresh_names_the_day_an_entry_moved_in_from(
    harness: Harness,
) -> None:
    """A week reconciled completely becomes exactly MOCO's answer (not read again after it is
    stored): an entry moved into it from another cached week changed that week's day too."""
    workspace = harness.workspace()
    last_week_day = TODAY - dt.timedelta(days=7)
    await workspace.refresh([TODAY, last_week_day])
    moved = harness.activities(day=last_week_day)[0]
    with harness.state.lock:
        moved.date = TODAY - dt.timedelta(days=1)
        moved.updated_at = harness.clock.now().astimezone(dt.UTC)
    harness.events.clear()

    report = await workspace.refresh([TODAY], full=True)

    assert report.changed_dates == {last_week_day, moved.date}
    assert moved.id in {e.id for e in workspace.day(moved.date).entries}
    assert moved.id not in {e.id for e in workspace.day(last_week_day).entries}
    report = await workspace.refresh([TODAY], full=True)  # again: nothing changed
    assert report.changed_dates == set()


async def test_a_complete_refresh_writes_only_what_differs(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reconciling a cached week MOCO did not change rewrites none of its entries (a busy
    week is a thousand rows); one changed entry is the one row written."""
    workspace = harness.workspace()
    await workspace.refresh([TODAY], full=True)
    written: list[int] = []
    put = workspace.cache.put_activities

    def recording_put(activities: Sequence[Activity], payloads: Sequence[str]) -> None:
        written.extend(activity.id for activity in activities)
        put(activities, payloads)

    monkeypatch.setattr(workspace.cache, "put_activities", recording_put)
    await workspace.refresh([TODAY], full=True)
    assert written == []

    edited = harness.activities(day=TODAY - dt.timedelta(days=1))[0]
    with harness.state.lock:
        edited.description = "Changed in the web app"
        edited.updated_at = harness.clock.now().astimezone(dt.UTC)
    report = await workspace.refresh([TODAY], full=True)
    assert written == [edited.id]
    assert report.changed_dates == {edited.date}


def _week_of(harness: Harness, day: dt.date) -> list[int]:
    monday = _monday(day)
    return [a.id for a in harness.activities(day=None) if monday <= a.date <= monday + WEEK_END]


async def test_a_big_answer_is_stored_in_parts_between_event_loop_turns(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy week's first load does not hold the event loop: it is stored a part at a time.
    An entry written meanwhile by someone later (here: a change just sent) stays as written,
    and the week counts as read only once every part is stored."""
    monkeypatch.setattr(sync_module, "STORE_PART_ROWS", 3)
    workspace = harness.workspace()
    last_week = TODAY - dt.timedelta(days=7)
    ids = _week_of(harness, last_week)
    assert len(ids) > 3 * 3  # at least four parts
    seen_counts: list[int] = []
    newer: list[Activity] = []

    async def watch() -> None:
        while True:
            stored = workspace.cache.activity_payloads_of(ids)
            seen_counts.append(len(stored))
            if len(stored) == 3 and not newer:  # between the first and the second part
                not_yet = max(set(ids) - stored.keys())
                template = workspace.cache.activity(next(iter(stored)))
                assert template is not None
                sent = dataclasses.replace(template, id=not_yet, description="Sent just now")
                workspace.cache.put_activities([sent], [codec.dumps(sent)])
                newer.append(sent)
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(0)
    await workspace.refresh([last_week], full=True)
    watcher.cancel()

    partial = [count for count in seen_counts if 0 < count < len(ids)]
    assert len(set(partial)) >= 3  # the loop ran between parts
    assert workspace.cache.activity(newer[0].id) == newer[0]
    assert workspace.cache.activity_payloads_of(ids).keys() == set(ids)
    mark = workspace.cache.sync_mark("activities", _range_key(_monday(last_week)))
    assert mark.last_full_at is not None


async def test_a_big_answer_is_encoded_a_part_per_event_loop_turn(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Encoding a busy week for the cache (~20 ms) leaves the event loop turns between parts
    (a worker thread did it before, and slowed the UI thread down while it ran)."""
    monkeypatch.setattr(sync_module, "ENCODE_PART", 2)
    workspace = harness.workspace()
    await workspace.refresh([TODAY])
    activities = workspace.cache.activities_between(TODAY - dt.timedelta(days=6), TODAY)
    assert len(activities) >= 5
    happened: list[str] = []
    dumps = codec.dumps

    def recording_dumps(value: object) -> str:
        happened.append(f"encoded on {threading.current_thread().name}")
        return dumps(value)

    async def count_turns() -> None:
        while True:
            await asyncio.sleep(0)
            happened.append("turn")

    monkeypatch.setattr(codec, "dumps", recording_dumps)
    counter = asyncio.create_task(count_turns())
    await asyncio.sleep(0)
    texts = await sync_module._encoded(activities)
    counter.cancel()
    monkeypatch.undo()

    assert texts == [codec.dumps(activity) for activity in activities]
    encoded = [event for event in happened if event != "turn"]
    assert encoded == ["encoded on MainThread"] * len(activities)
    first_turn = happened.index("turn", 1)
    assert happened[first_turn - 2 : first_turn] == encoded[:2]  # two, then a turn
    assert happened.count("turn") >= (len(activities) - 1) // 2


async def test_a_workspace_closed_between_parts_stores_no_more(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Logging out while a big week is being stored: the rest is not written, and the week
    is not marked as read."""
    monkeypatch.setattr(sync_module, "STORE_PART_ROWS", 3)
    workspace = harness.workspace()
    last_week = TODAY - dt.timedelta(days=7)
    ids = _week_of(harness, last_week)

    async def close_after_first_part() -> None:
        stored = 0
        while stored < 3:  # a turn of the event loop at a time: the refresh's parts between
            await asyncio.sleep(0)
            stored = len(workspace.cache.activity_payloads_of(ids))
        await workspace.close()

    closer = asyncio.create_task(close_after_first_part())
    await workspace.refresh([last_week], full=True)
    await closer

    assert len(workspace.cache.activity_payloads_of(ids)) == 3
    mark = workspace.cache.sync_mark("activities", _range_key(_monday(last_week)))
    assert mark.last_full_at is None


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


WEEK_END = dt.timedelta(days=6)


def _range_key(monday: dt.date) -> str:
    return f"{monday.isoformat()}..{(monday + WEEK_END).isoformat()}"


async def test_consecutive_weeks_are_asked_for_together(harness: Harness) -> None:
    """The regular refresh of three weeks shown one after another: one request per kind for
    all three (was six), which still brings what changed in any of them, and moves every
    week's mark on, so that the next refresh asks only for what changed since."""
    workspace = harness.workspace()
    days = [TODAY, TODAY - dt.timedelta(days=7), TODAY - dt.timedelta(days=14)]
    await workspace.refresh(days)
    middle = harness.activities(day=days[1] - dt.timedelta(days=1))[0]
    oldest = harness.activities(day=days[2])[0]
    for record, description in ((oldest, "Changed first"), (middle, "Changed later")):
        harness.advance(minutes=2)
        with harness.state.lock:
            record.description = description
            record.updated_at = harness.clock.now().astimezone(dt.UTC)
    before = len(harness.server.requests)

    report = await workspace.refresh(days)

    sent = list(harness.server.requests)[before:]
    spans = {
        (r.path.rsplit("/", 1)[-1], r.query["from"], r.query["to"], "updated_after" in r.query)
        for r in sent
    }
    whole = (_monday(days[2]).isoformat(), (_monday(TODAY) + dt.timedelta(days=6)).isoformat())
    assert spans == {("activities", *whole, True), ("presences", *whole, True)}
    assert len(sent) == 2
    assert report.changed_dates == {middle.date, oldest.date}
    for record, description in ((oldest, "Changed first"), (middle, "Changed later")):
        shown = {e.id: e.activity.description for e in workspace.day(record.date).entries}
        assert shown[record.id] == description

    asked_after = [r.query["updated_after"] for r in sent if r.path.endswith("/activities")]
    before = len(harness.server.requests)
    report = await workspace.refresh(days)  # nothing changed since

    (again,) = [r for r in list(harness.server.requests)[before:] if "/activities" in r.path]
    assert dt.datetime.fromisoformat(again.query["updated_after"]) > dt.datetime.fromisoformat(
        asked_after[0]
    )  # the oldest week's mark moved on to the newest change seen
    assert report.changed_dates == set()


async def test_weeks_read_together_are_asked_for_from_mocos_clock(harness: Harness) -> None:
    """Each week's entries were last changed on its own days (a month-old week's newest entry
    is a month old). Asked for from the oldest of those, every entry booked since in the later
    weeks would come again at every refresh: the weeks count as read up to MOCO's clock (less a
    margin) instead, and a change made later in the oldest week still comes."""
    workspace = harness.workspace()
    days = [TODAY - dt.timedelta(days=7 * weeks) for weeks in range(3)]
    await workspace.refresh(days)
    before = len(harness.server.requests)

    await workspace.refresh(days)

    (asked,) = [r for r in list(harness.server.requests)[before:] if "/activities" in r.path]
    asked_after = dt.datetime.fromisoformat(asked.query["updated_after"])
    server_now = harness.clock.now()
    assert server_now - asked_after <= READ_MARGIN + dt.timedelta(seconds=2)
    assert asked.query["from"] == _monday(days[-1]).isoformat()

    first_monday = _monday(days[-1])
    oldest = min(
        (a for a in harness.activities(day=None) if a.date >= first_monday),
        key=lambda activity: (activity.date, activity.id),
    )
    assert oldest.date < _monday(days[-2])  # in the oldest week
    harness.advance(minutes=2)
    with harness.state.lock:
        oldest.description = "Changed in the web app"
        oldest.updated_at = harness.clock.now().astimezone(dt.UTC)
    report = await workspace.refresh(days)
    assert report.changed_dates == {oldest.date}

    database = workspace.cache.database
    harness.advance(minutes=1)
    changes_before = database.connection.total_changes
    await workspace.refresh(days)  # nothing new, and MOCO's clock moved on only a little
    assert database.connection.total_changes == changes_before
    harness.advance(minutes=6)
    await workspace.refresh(days)  # nothing new, but the marks step on to MOCO's clock
    assert database.connection.total_changes > changes_before
    before = len(harness.server.requests)
    await workspace.refresh(days)
    (asked,) = [r for r in list(harness.server.requests)[before:] if "/activities" in r.path]
    later = dt.datetime.fromisoformat(asked.query["updated_after"])
    assert harness.clock.now() - later <= READ_MARGIN + dt.timedelta(seconds=2)


async def test_weeks_apart_or_due_a_reconciliation_are_asked_for_on_their_own(
    harness: Harness,
) -> None:
    workspace = harness.workspace()
    days = [TODAY, TODAY - dt.timedelta(days=7), TODAY - dt.timedelta(days=14)]
    apart = TODAY - dt.timedelta(days=35)
    await workspace.refresh([*days, apart])
    harness.advance(minutes=6)
    await workspace.refresh([days[1]], full=True)  # the middle week reconciled later
    harness.advance(minutes=5)  # the others are due a reconciliation (after 10 minutes)
    before = len(harness.server.requests)

    await workspace.refresh(days)

    asked = [
        (r.query["from"], r.query["to"], "updated_after" in r.query)
        for r in list(harness.server.requests)[before:]
        if r.path.endswith("/activities")
    ]
    weeks = [(_monday(d), _monday(d) + dt.timedelta(days=6)) for d in sorted(days)]
    assert asked == [
        (weeks[0][0].isoformat(), weeks[0][1].isoformat(), False),
        (weeks[2][0].isoformat(), weeks[2][1].isoformat(), False),
        (weeks[1][0].isoformat(), weeks[1][1].isoformat(), True),
    ]

    before = len(harness.server.requests)
    await workspace.refresh([*days, apart])  # the three together, the week apart on its own

    asked_later = [
        (r.query["from"], "updated_after" in r.query)
        for r in list(harness.server.requests)[before:]
        if r.path.endswith("/activities")
    ]
    assert asked_later == [(_monday(apart).isoformat(), False), (weeks[0][0].isoformat(), True)]


async def test_the_look_for_forgotten_timers_skips_the_week_just_read(
    harness: Harness,
) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    ranges = [(r.query["from"], r.query["to"]) for r in harness.requests("GET", "/activities")]
    assert ranges == [
        (monday.isoformat(), (monday + dt.timedelta(days=6)).isoformat()),
        ((TODAY - dt.timedelta(days=14)).isoformat(), (monday - dt.timedelta(days=1)).isoformat()),
    ]
    await workspace.refresh()  # once per session
    assert len(harness.requests("GET", "/activities")) == 3


async def test_full_refresh_on_demand_and_after_the_clock_went_back(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    yesterday = TODAY - dt.timedelta(days=1)
    victim = harness.activities(day=yesterday)[0]
    with harness.state.lock:
        del harness.state.activities[victim.id]
    await workspace.refresh(full=True)
    assert victim.id not in {e.id for e in workspace.day(yesterday).entries}

    harness.advance(hours=-2)
    await workspace.refresh([TODAY])
    assert "updated_after" not in harness.requests("GET", "/activities")[-1].query


async def test_the_refresh_button_reconciles_the_shown_week_first(harness: Harness) -> None:
    """A deletion in the week on screen shows at once; the other loaded weeks are refreshed
    incrementally, and the projects are fetched last (20 pages for a big account)."""
    workspace = harness.workspace()
    last_week = TODAY - dt.timedelta(days=7)
    await workspace.refresh([TODAY, last_week])
    victim = harness.activities(day=last_week)[0]
    with harness.state.lock:
        del harness.state.activities[victim.id]
    before = len(harness.server.requests)

    report = await workspace.sync(full=True, shown=last_week)

    sent = list(harness.server.requests)[before:]
    activity_ranges = [
        (r.query["from"], "updated_after" in r.query)
        for r in sent
        if r.path.endswith("/activities")
    ]
    shown_monday = last_week - dt.timedelta(days=last_week.weekday())
    this_monday = TODAY - dt.timedelta(days=TODAY.weekday())
    assert activity_ranges[0] == (shown_monday.isoformat(), False)  # complete, first
    assert (this_monday.isoformat(), True) in activity_ranges  # incremental
    paths = [r.path for r in sent]
    projects_at = paths.index("/api/v1/projects/assigned")
    assert projects_at > max(i for i, p in enumerate(paths) if p.endswith("/activities"))
    assert report.refresh is not None
    assert report.refresh.reference_refreshed
    assert victim.id not in {e.id for e in workspace.day(last_week).entries}


async def test_reference_data_is_fetched_once_an_hour(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    await workspace.refresh()
    assert len(harness.requests("GET", "/projects/assigned")) == 1
    harness.advance(minutes=61)
    await workspace.refresh()
    assert len(harness.requests("GET", "/projects/assigned")) == 2
    assert workspace.employments()
    assert workspace.performance_report() is not None
    assert workspace.users() is None  # Jonas is no staff member


async def test_staff_see_the_colleague_list(harness: Harness) -> None:
    workspace = harness.workspace(staff=True)
    await workspace.refresh()
    users = workspace.users()
    assert users is not None
    assert harness.jonas in {u.id for u in users}


async def test_sync_reports_progress_and_sends_nothing_twice(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.refuse_connections = True
    for minutes in (15, 30, 45):
        await workspace.log_activity(TODAY, project_id, task_id, minutes * 60, f"{minutes}")
    harness.server.faults.refuse_connections = False
    harness.events.clear()

    first = await workspace.sync()
    second = await workspace.sync()

    assert (first.push.sent, second.push.sent) == (3, 0)
    assert [e for e in harness.events if isinstance(e, SyncProgress)][-1] == SyncProgress(3, 3)
    assert len(harness.requests("POST", "/activities")) == 3
    assert sorted(a.seconds for a in harness.activities()) == [900, 1800, 2700]


async def test_rate_limit_waits_are_reported_and_nothing_is_lost(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.fail_next(2, 429, method="POST", path_prefix="/activities")

    result = await workspace.log_activity(TODAY, project_id, task_id, 600, "Busy")

    assert result.reached_moco
    assert any(isinstance(e, RateLimitWait) for e in harness.events)
    assert len(harness.activities()) == 1


async def test_engine_backs_off_offline_and_sends_when_the_network_returns(
    harness: Harness,
) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.refuse_connections = True
    engine = SyncEngine(
        workspace, backoff=Backoff(initial=0.01, maximum=0.05, jitter=0.0), refresh_interval=None
    )
    result = await workspace.log_activity(TODAY, project_id, task_id, 600, "Later")
    assert result.saved_locally_only
    engine.start()
    await wait_until(lambda: engine.backoff.failures >= 3)
    assert harness.activities() == []

    harness.server.faults.refuse_connections = False
    workspace.notify_network_changed()
    await wait_until(lambda: workspace.pending_count == 0)
    await engine.stop()

    assert len(harness.activities()) == 1
    assert workspace.reachable
    reachability = [e for e in harness.events if isinstance(e, ReachabilityChanged)]
    assert reachability == [ReachabilityChanged(False), ReachabilityChanged(True)]
    assert not engine.running


async def test_engine_sends_changes_made_without_waiting(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    engine = SyncEngine(
        workspace, backoff=Backoff(initial=0.01, maximum=0.05), refresh_interval=None
    )
    engine.start()
    project_id, task_id = harness.bookable()
    result = await workspace.log_activity(
        TODAY, project_id, task_id, 600, "Fire and forget", wait=False
    )
    assert result.saved_locally_only  # returned right after the local write
    await wait_until(lambda: len(harness.activities()) == 1)
    workspace.notify_resumed()
    await wait_until(lambda: engine.cycles >= 2)
    await engine.stop()
    assert len(harness.requests("POST", "/activities")) == 1


async def test_two_senders_of_one_identity_never_send_the_same_change(harness: Harness) -> None:
    first = harness.workspace()
    second = harness.workspace(database=harness.database())  # another connection, like the CLI
    await first.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.refuse_connections = True
    await first.log_activity(TODAY, project_id, task_id, 600, "Once")
    harness.server.faults.refuse_connections = False
    harness.server.faults.hang_next(
        1, 0.3, method="POST", path_prefix="/activities", carry_out=True
    )

    sending = asyncio.ensure_future(first.push())

    def post_in_flight() -> bool:
        sent = first.outbox.unsent()[0].sent_payload
        return sent is not None and sent.get("step") == "post"

    await wait_until(post_in_flight)
    busy = await second.push()
    await sending
    after = await second.push()

    assert busy.stopped == "busy"
    assert after.sent == 0
    assert len(harness.activities()) == 1
    assert len(harness.requests("POST", "/activities")) == 1


async def test_a_change_moco_keeps_failing_on_is_parked_not_retried_forever(
    harness: Harness,
) -> None:
    settings = dataclasses.replace(FAST, park_after_server_errors=3)
    workspace = harness.workspace(settings=settings)
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.refuse_connections = True
    await workspace.log_activity(TODAY, project_id, task_id, 600, "Poison")
    await workspace.log_activity(TODAY, project_id, task_id, 900, "Healthy")
    harness.server.faults.refuse_connections = False
    harness.server.faults.fail_next(3, 500, method="POST", path_prefix="/activities")

    reports = [await workspace.push() for _ in range(3)]

    assert [r.stopped for r in reports] == ["server", "server", "done"]
    assert [a.description for a in harness.activities()] == ["Healthy"]
    [parked] = workspace.parked_changes()
    assert parked.parked_message is not None
    assert "500" in parked.parked_message
