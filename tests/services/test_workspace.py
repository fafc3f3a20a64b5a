"""The workspace against the embedded server: writes reach MOCO or wait, reads are instant."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from moco_desktop.core.timemath import week_days
from moco_desktop.services.events import (
    DataChanged,
    Notice,
    PendingChanged,
    ReachabilityChanged,
)
from moco_desktop.services.workspace import WorkspaceError
from tests.services.conftest import TODAY, Harness


async def test_logging_online_reaches_moco_at_once(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.events.clear()

    result = await workspace.log_activity(TODAY, project_id, task_id, 5400, "Workshop")

    assert result.reached_moco
    assert not result.saved_locally_only
    [record] = harness.activities()
    assert (record.seconds, record.description, record.project_id) == (5400, "Workshop", project_id)
    assert result.entity_id == record.id
    day = workspace.day(TODAY)
    [entry] = day.entries
    assert entry.id == record.id
    assert not entry.pending
    assert day.booked_seconds == 5400
    assert DataChanged("activities", frozenset({TODAY})) in harness.events
    assert harness.events.index(PendingChanged(1, 0)) < harness.events.index(PendingChanged(0, 0))
    assert workspace.pending_changes() == []


async def test_offline_log_is_shown_at_once_and_sent_later_exactly_once(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.refuse_connections = True

    result = await workspace.log_activity(TODAY, project_id, task_id, 1800, "Train ride")

    assert result.saved_locally_only
    assert result.entity_id < 0
    assert harness.activities() == []
    [entry] = workspace.day(TODAY).entries
    assert (entry.id, entry.pending, entry.is_local) == (result.entity_id, True, True)
    assert not workspace.reachable
    assert ReachabilityChanged(False) in harness.events
    [pending] = workspace.pending_changes()
    assert pending.summary.startswith("Log 30 min on ")
    assert pending.summary.endswith(": “Train ride”")
    assert pending.state == "pending"

    harness.server.faults.refuse_connections = False
    report = await workspace.sync()
    again = await workspace.sync()

    assert report.push.sent == 1
    assert again.push.sent == 0
    assert report.complete
    assert report.reachable
    assert ReachabilityChanged(True) in harness.events
    [record] = harness.activities()
    assert record.seconds == 1800
    assert len(harness.requests("POST", "/activities")) == 1
    shown = workspace.entry(result.entity_id)  # the local id still finds the entry
    assert shown is not None
    assert (shown.id, shown.pending) == (record.id, False)


async def test_later_changes_to_a_local_entry_follow_its_new_id(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.refuse_connections = True
    logged = await workspace.log_activity(TODAY, project_id, task_id, 1800, "Draft")
    harness.server.faults.refuse_connections = False
    harness.server.faults.hang_next(
        1, 0.3, method="POST", path_prefix="/activities", carry_out=True
    )

    sending = asyncio.ensure_future(workspace.push())
    await asyncio.sleep(0.1)  # the POST is on its way: the edit can no longer be merged into it
    edited = await workspace.update_activity(logged.entity_id, description="Final", wait=False)
    [create, edit] = workspace.outbox.entries()
    assert (create.state, edit.kind, edit.target_id) == ("in_flight", "activity.update", -1)
    await sending  # sends the create, then the edit rewritten to MOCO's id

    assert edited.entity_id == logged.entity_id
    assert workspace.outbox.entries() == []
    [record] = harness.activities()
    assert workspace.cache.resolve_id("activity", logged.entity_id) == record.id
    assert record.description == "Final"
    assert len(harness.requests("POST", "/activities")) == 1
    assert len(harness.requests("PUT", f"/activities/{record.id}")) == 1


async def test_edits_before_sending_are_merged_into_one_request(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    other_project, other_task = harness.bookable(index=3)
    harness.server.faults.refuse_connections = True
    logged = await workspace.log_activity(TODAY, project_id, task_id, 1800, "Draft")
    await workspace.update_activity(logged.entity_id, seconds=2700, description="Final")
    await workspace.update_activity(logged.entity_id, project_id=other_project, task_id=other_task)
    shown = workspace.entry(logged.entity_id)
    assert shown is not None
    assert (shown.activity.seconds, shown.activity.project.id) == (2700, other_project)
    assert shown.activity.project.name != f"#{other_project}"

    harness.server.faults.refuse_connections = False
    await workspace.sync()

    [record] = harness.activities()
    assert (record.seconds, record.description, record.project_id, record.task_id) == (
        2700,
        "Final",
        other_project,
        other_task,
    )
    assert len(harness.requests("POST", "/activities")) == 1
    assert harness.requests("PUT", "/activities") == []


async def test_deleting_an_entry_that_never_reached_moco_sends_nothing(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.refuse_connections = True
    logged = await workspace.log_activity(TODAY, project_id, task_id, 600, "Oops")
    deleted = await workspace.delete_activity(logged.entity_id)
    assert deleted.reached_moco  # nothing left to send
    assert workspace.day(TODAY).entries == ()
    harness.server.faults.refuse_connections = False
    await workspace.sync()
    assert harness.requests("POST", "/activities") == []


async def test_edit_and_delete_online(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    logged = await workspace.log_activity(TODAY, project_id, task_id, 600, "First")
    edited = await workspace.update_activity(logged.entity_id, seconds=900, date=TODAY)
    assert edited.reached_moco
    assert harness.activities()[0].seconds == 900
    deleted = await workspace.delete_activity(logged.entity_id)
    assert deleted.reached_moco
    assert harness.activities() == []
    assert workspace.day(TODAY).entries == ()


async def test_unchanged_edit_sends_nothing(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    logged = await workspace.log_activity(TODAY, project_id, task_id, 600, "Same")
    result = await workspace.update_activity(logged.entity_id, seconds=600, description="Same")
    assert result.change_ids == ()
    assert harness.requests("PUT", "/activities") == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"seconds": 0}, "more than zero"),
        ({"project_id": 1}, "not among your assigned projects"),
    ],
)
async def test_invalid_logs_are_refused_before_anything_is_stored(
    harness: Harness, changes: dict[str, int], message: str
) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    arguments = {"project_id": project_id, "task_id": task_id, "seconds": 600, **changes}
    with pytest.raises(WorkspaceError, match=message):
        await workspace.log_activity(
            TODAY, arguments["project_id"], arguments["task_id"], arguments["seconds"]
        )
    assert workspace.pending_count == 0


async def test_unknown_fields_and_entries_are_refused(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    with pytest.raises(WorkspaceError, match="no time entry"):
        await workspace.update_activity(123, seconds=5)
    past = workspace.day(week_days(TODAY - dt.timedelta(days=7))[0]).entries[0]
    with pytest.raises(WorkspaceError, match="no field"):
        await workspace.update_activity(past.id, hours=5)


async def test_startup_offline_shows_the_last_known_state(harness: Harness) -> None:
    first = harness.workspace()
    await first.refresh()
    week_before = first.week(TODAY)
    project_id, task_id = harness.bookable()
    await first.log_activity(TODAY, project_id, task_id, 600, "Before restart")
    await first.close()
    harness.server.faults.refuse_connections = True

    second = harness.workspace()

    assert [e.activity.description for e in second.day(TODAY).entries] == ["Before restart"]
    assert second.week(TODAY).booked_seconds == week_before.booked_seconds + 600
    assert second.projects() == first.projects()
    assert second.profile() is not None
    report = await second.refresh()
    assert not report.ok
    assert not second.reachable
    assert [e.activity.description for e in second.day(TODAY).entries] == ["Before restart"]


async def test_week_view_adds_up_days_and_targets(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    last_week = workspace.week(TODAY - dt.timedelta(days=7))
    server_seconds = sum(
        a.seconds
        for a in harness.activities(day=None)
        if last_week.monday <= a.date <= last_week.monday + dt.timedelta(days=6)
    )
    assert last_week.booked_seconds == server_seconds > 0
    assert len(last_week.days) == 7
    assert last_week.days[5].target_seconds == 0  # Saturday
    assert last_week.target_seconds == sum(d.target_seconds for d in last_week.days)
    assert workspace.day(TODAY).target_seconds == 8 * 3600
    assert TODAY - dt.timedelta(days=10) <= min(workspace.visible_weeks)


async def test_week_totals_match_the_days_with_timers_and_pending_changes(
    harness: Harness,
) -> None:
    # The week strip's totals are read without decoding the entries; they must still be what
    # each day shows: running timers ticking, offline changes applied, deleted entries gone.
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    await workspace.start_timer(project_id, task_id, "Running")
    harness.advance(minutes=25)
    harness.server.faults.refuse_connections = True
    await workspace.log_activity(TODAY, project_id, task_id, 1800, "Offline")
    monday = week_days(TODAY)[0]
    earlier = next(iter(workspace.day(monday).entries), None)
    if earlier is None:
        earlier_day = next(d for d in week_days(TODAY) if workspace.day(d).entries)
        earlier = workspace.day(earlier_day).entries[0]
    await workspace.update_activity(earlier.id, seconds=earlier.activity.seconds + 900)
    others = [e for d in week_days(TODAY) for e in workspace.day(d).entries if e.id != earlier.id]
    deleted = next(e for e in others if not e.is_running and not e.is_local)
    await workspace.delete_activity(deleted.id)

    week = workspace.week(TODAY)

    assert tuple(day.date for day in week.days) == tuple(week_days(TODAY))
    for summary in week.days:
        assert summary == workspace.day(summary.date).summary
    assert week.pending
    today = next(day for day in week.days if day.date == TODAY)
    assert today.booked_seconds >= 1800 + 25 * 60
    assert workspace.week_with_day(TODAY) == (week, workspace.day(TODAY))  # read together
    harness.advance(minutes=5)
    assert workspace.week(TODAY).booked_seconds == week.booked_seconds + 5 * 60


async def test_acting_for_a_colleague_keeps_everything_apart(harness: Harness) -> None:
    mine = harness.workspace(staff=True)
    as_jonas = harness.workspace(staff=True, acting_user_id=harness.jonas)
    await mine.refresh()
    await as_jonas.refresh()
    jonas_project, jonas_task = harness.bookable(harness.jonas)
    harness.server.faults.refuse_connections = True
    result = await as_jonas.log_activity(TODAY, jonas_project, jonas_task, 900, "For Jonas")
    assert result.saved_locally_only
    assert mine.day(TODAY).entries == ()
    assert mine.pending_changes() == []
    harness.server.faults.refuse_connections = False

    await mine.sync()  # Anna's own workspace must not send Jonas's change
    assert harness.activities(harness.jonas) == []
    await as_jonas.sync()

    [record] = harness.activities(harness.jonas)
    assert record.description == "For Jonas"
    assert harness.activities(harness.anna) == []
    [post] = harness.requests("POST", "/activities")
    assert (post.auth_user_id, post.impersonated_user_id) == (harness.anna, harness.jonas)
    assert [e.activity.user.id for e in as_jonas.day(TODAY).entries] == [harness.jonas]
    assert mine.day(TODAY).entries == ()
    week = week_days(TODAY)
    assert {e.activity.user.id for d in week for e in mine.day(d).entries} <= {harness.anna}


async def test_acting_for_someone_without_permission_stops_sending(harness: Harness) -> None:
    as_anna = harness.workspace(acting_user_id=harness.anna)  # Jonas is no staff member
    project_id, task_id = harness.bookable(harness.anna)
    result = await as_anna.log_activity(TODAY, project_id, task_id, 600, "Not allowed", wait=True)
    assert result.saved_locally_only
    assert as_anna.halted_message is not None
    assert any(isinstance(e, Notice) and e.level == "error" for e in harness.events)
    assert harness.requests("POST", "/activities") == []
    assert as_anna.pending_count == 1


async def test_a_key_of_another_user_is_never_used_to_send(harness: Harness) -> None:
    workspace = harness.workspace(client=harness.client(harness.account.staff.api_key))
    workspace_user = workspace.identity.user_id
    assert workspace_user == harness.jonas  # the harness opened Jonas's workspace
    project_id, task_id = harness.bookable()
    result = await workspace.log_activity(TODAY, project_id, task_id, 600, "Wrong key")
    assert result.saved_locally_only
    assert workspace.halted_message is not None
    assert "belongs to user" in workspace.halted_message
    assert harness.requests("POST", "/activities") == []


def test_a_pending_change_is_named_with_its_description() -> None:
    """Two pending hours on the same task are told apart by what they were for."""
    from moco_desktop.services.timesheet import SUMMARY_DESCRIPTION_CHARS, described

    assert described("Log 1 h on Web / Design (2026-11-28)", "") == (
        "Log 1 h on Web / Design (2026-11-28)"
    )
    assert described("Log 1 h", "  Workshop\n prep ") == "Log 1 h: “Workshop prep”"
    long = described("Log 1 h", "x" * 200)
    assert long.endswith("…”")
    assert len(long) == len("Log 1 h: “”") + SUMMARY_DESCRIPTION_CHARS
