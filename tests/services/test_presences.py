"""Clocking in and out, presence edits and home office, with their real minutes offline too."""

from __future__ import annotations

import datetime as dt

import pytest

from moco_desktop.services.workspace import WorkspaceError
from tests.services.conftest import TODAY, Harness


async def test_clock_in_and_out_online_with_explicit_times(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    clocked_in = await workspace.clock_in()
    harness.advance(hours=3, minutes=15)
    clocked_out = await workspace.clock_out()

    assert clocked_in.reached_moco
    assert clocked_out.reached_moco
    assert clocked_in.entity_id == clocked_out.entity_id > 0
    [presence] = harness.presences()
    assert (presence.from_time, presence.to_time) == (dt.time(9, 30), dt.time(12, 45))
    assert harness.requests("POST", "/users/presences/touch") == []
    day = workspace.day(TODAY)
    assert day.presence_seconds == 3 * 3600 + 15 * 60
    assert day.open_presence is None


async def test_offline_clock_in_and_out_keep_their_minutes(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    harness.server.faults.refuse_connections = True
    first = await workspace.clock_in(home_office=True)
    assert first.saved_locally_only
    harness.advance(hours=2)
    await workspace.clock_out()
    harness.advance(minutes=30)
    await workspace.clock_in(home_office=True)
    shown = workspace.day(TODAY).presences
    assert [(p.presence.from_time, p.presence.to_time, p.pending) for p in shown] == [
        (dt.time(9, 30), dt.time(11, 30), True),
        (dt.time(12, 0), None, True),
    ]
    harness.advance(hours=3)  # back online much later
    harness.server.faults.refuse_connections = False

    await workspace.sync()

    assert [(p.from_time, p.to_time, p.is_home_office) for p in harness.presences()] == [
        (dt.time(9, 30), dt.time(11, 30), True),
        (dt.time(12, 0), None, True),
    ]
    # The first presence was created already closed: one POST each, no PATCH needed.
    assert len(harness.requests("POST", "/users/presences")) == 2
    assert harness.requests("PATCH", "/users/presences") == []


async def test_clocking_in_twice_or_out_without_presence_is_refused(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    with pytest.raises(WorkspaceError, match="not clocked in"):
        await workspace.clock_out()
    await workspace.clock_in()
    with pytest.raises(WorkspaceError, match="already clocked in since 09:30"):
        await workspace.clock_in()


async def test_editing_and_deleting_presences(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    await workspace.clock_in()
    harness.advance(hours=1)
    out = await workspace.clock_out()
    updated = await workspace.update_presence(out.entity_id, from_time="08:00", to_time="12:00")
    assert updated.reached_moco
    [presence] = harness.presences()
    assert (presence.from_time, presence.to_time) == (dt.time(8, 0), dt.time(12, 0))
    with pytest.raises(WorkspaceError, match="after the start"):
        await workspace.update_presence(out.entity_id, to_time="07:00")
    with pytest.raises(ValueError, match="HH:MM"):
        await workspace.update_presence(out.entity_id, to_time="8")
    await workspace.delete_presence(out.entity_id)
    assert harness.presences() == []


async def test_overlapping_presences_are_refused_locally(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    await workspace.clock_in()
    harness.advance(hours=2)
    first = await workspace.clock_out()
    harness.advance(hours=1)
    await workspace.clock_in()
    second = workspace.day(TODAY).presences[-1]
    with pytest.raises(WorkspaceError, match="overlaps"):
        await workspace.update_presence(second.id, from_time="10:00")
    assert first.reached_moco


async def test_home_office_applies_to_the_whole_day(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    with pytest.raises(WorkspaceError, match="no presence"):
        await workspace.set_home_office(TODAY, True)
    await workspace.clock_in()
    harness.advance(hours=1)
    await workspace.clock_out()
    harness.advance(hours=1)
    await workspace.clock_in()
    harness.server.faults.refuse_connections = True
    result = await workspace.set_home_office(TODAY, True)
    assert result.saved_locally_only
    assert all(p.presence.is_home_office for p in workspace.day(TODAY).presences)
    harness.server.faults.refuse_connections = False
    await workspace.sync()
    assert all(p.is_home_office for p in harness.presences())
    assert all(p.presence.is_home_office for p in workspace.day(TODAY).presences)
    unchanged = await workspace.set_home_office(TODAY, True)
    assert unchanged.change_ids == ()


async def test_presence_edit_of_a_local_presence_is_merged(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    harness.server.faults.refuse_connections = True
    clocked = await workspace.clock_in()
    await workspace.update_presence(clocked.entity_id, from_time="08:15")
    harness.server.faults.refuse_connections = False
    await workspace.sync()
    [presence] = harness.presences()
    assert presence.from_time == dt.time(8, 15)
    assert len(harness.requests("POST", "/users/presences")) == 1
