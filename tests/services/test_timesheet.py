"""Editing entries against a changing MOCO: conflicts, deletions elsewhere, rejected changes."""

from __future__ import annotations

import datetime as dt

import pytest

from moco_desktop.services.events import Notice
from moco_desktop.services.workspace import Workspace, WorkspaceError
from tests.services.conftest import TODAY, Harness


def notices(harness: Harness, key: str) -> list[Notice]:
    return [e for e in harness.events if isinstance(e, Notice) and e.message_key == key]


async def logged_online(harness: Harness, description: str = "Review") -> tuple[Workspace, int]:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    result = await workspace.log_activity(TODAY, project_id, task_id, 1800, description)
    assert result.reached_moco
    return workspace, result.entity_id


def edit_on_server(harness: Harness, activity_id: int, **fields: object) -> None:
    with harness.state.lock:
        record = harness.state.activities[activity_id]
        for name, value in fields.items():
            setattr(record, name, value)
        record.updated_at = harness.clock.now().astimezone(dt.UTC)


async def test_an_entry_deleted_elsewhere_drops_the_edit_with_a_notice(harness: Harness) -> None:
    workspace, activity_id = await logged_online(harness)
    harness.server.faults.refuse_connections = True
    await workspace.update_activity(activity_id, description="Edited offline")
    with harness.state.lock:
        del harness.state.activities[activity_id]
    harness.server.faults.refuse_connections = False

    report = await workspace.sync()

    assert report.push.dropped == 1
    assert report.complete
    [notice] = notices(harness, "sync.deleted_elsewhere")
    assert "Review" not in notice.message  # it names project and task, not the text
    assert workspace.day(TODAY).entries == ()
    assert harness.activities() == []


async def test_a_newer_edit_in_moco_wins_and_the_person_is_told(harness: Harness) -> None:
    workspace, activity_id = await logged_online(harness)
    harness.server.faults.refuse_connections = True
    harness.advance(minutes=10)
    await workspace.update_activity(activity_id, description="Mine (older)")
    harness.advance(minutes=10)
    edit_on_server(harness, activity_id, description="Theirs (newer)")
    harness.server.faults.refuse_connections = False

    await workspace.sync()

    assert harness.activities()[0].description == "Theirs (newer)"
    assert len(notices(harness, "sync.conflict_remote_kept")) == 1
    assert workspace.entry(activity_id).activity.description == "Theirs (newer)"  # type: ignore[union-attr]


async def test_a_newer_local_edit_wins_and_the_person_is_told(harness: Harness) -> None:
    workspace, activity_id = await logged_online(harness)
    harness.server.faults.refuse_connections = True
    harness.advance(minutes=5)
    edit_on_server(harness, activity_id, description="Theirs (older)")
    harness.advance(minutes=5)
    await workspace.update_activity(activity_id, description="Mine (newer)")
    harness.server.faults.refuse_connections = False

    await workspace.sync()

    assert harness.activities()[0].description == "Mine (newer)"
    assert len(notices(harness, "sync.conflict_local_kept")) == 1


async def test_edits_of_different_fields_are_both_kept(harness: Harness) -> None:
    workspace, activity_id = await logged_online(harness)
    harness.server.faults.refuse_connections = True
    harness.advance(minutes=5)
    await workspace.update_activity(activity_id, description="Mine")
    harness.advance(minutes=5)
    edit_on_server(harness, activity_id, seconds=4200)
    harness.server.faults.refuse_connections = False

    await workspace.sync()

    [record] = harness.activities()
    assert (record.description, record.seconds) == ("Mine", 4200)
    assert notices(harness, "sync.conflict_remote_kept") == []
    assert notices(harness, "sync.conflict_local_kept") == []


async def test_deleting_what_was_edited_in_moco_afterwards_keeps_it(harness: Harness) -> None:
    workspace, activity_id = await logged_online(harness)
    harness.server.faults.refuse_connections = True
    harness.advance(minutes=5)
    await workspace.delete_activity(activity_id)
    assert workspace.day(TODAY).entries == ()
    harness.advance(minutes=5)
    edit_on_server(harness, activity_id, description="Still needed")
    harness.server.faults.refuse_connections = False

    await workspace.sync()

    assert [a.description for a in harness.activities()] == ["Still needed"]
    assert len(notices(harness, "sync.conflict_remote_kept")) == 1
    assert [e.activity.description for e in workspace.day(TODAY).entries] == ["Still needed"]


async def test_a_rejected_change_is_parked_and_the_rest_goes_on(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    good_project, good_task = harness.bookable(index=4)
    harness.server.faults.refuse_connections = True
    rejected = await workspace.log_activity(TODAY, project_id, task_id, 900, "Task closed")
    accepted = await workspace.log_activity(TODAY, good_project, good_task, 600, "Fine")
    with harness.state.lock:
        task = harness.state.projects[project_id].task(task_id)
        assert task is not None
        task.active = False
    harness.server.faults.refuse_connections = False

    report = await workspace.sync()

    assert (report.push.sent, report.push.parked, report.parked) == (1, 1, 1)
    assert [a.description for a in harness.activities()] == ["Fine"]
    [parked] = workspace.parked_changes()
    assert parked.parked_message is not None
    assert "ist nicht gültig" in parked.parked_message
    [notice] = notices(harness, "sync.parked")
    assert "ist nicht gültig" in notice.message
    shown = workspace.entry(rejected.entity_id)
    assert shown is not None
    assert shown.parked
    assert shown.problem == parked.parked_message
    assert workspace.entry(accepted.entity_id) is not None

    fixed = await workspace.retry_parked(parked.id, task_id=good_task, project_id=good_project)

    assert fixed.reached_moco
    assert sorted(a.description for a in harness.activities()) == ["Fine", "Task closed"]
    assert workspace.parked_changes() == []


async def test_changes_to_a_parked_entry_wait_with_it(harness: Harness) -> None:
    workspace, activity_id = await logged_online(harness)
    other_project, other_task = harness.bookable(index=4)
    harness.server.faults.refuse_connections = True
    await workspace.update_activity(activity_id, project_id=other_project, task_id=other_task)
    await workspace.continue_timer(activity_id)  # depends on the parked edit
    independent = await workspace.log_activity(TODAY, *harness.bookable(index=1), 300, "Other")
    with harness.state.lock:
        task = harness.state.projects[other_project].task(other_task)
        assert task is not None
        task.active = False
    harness.server.faults.refuse_connections = False

    report = await workspace.sync()

    assert report.push.parked == 1
    assert report.pending == 2  # the parked edit and the timer waiting behind it
    record = harness.state.activities[activity_id]
    assert not record.is_running  # the continue waits
    assert workspace.entry(independent.entity_id).pending is False  # type: ignore[union-attr]

    [parked] = workspace.parked_changes()
    await workspace.retry_parked(
        parked.id, project_id=harness.bookable()[0], task_id=harness.bookable()[1]
    )
    await workspace.sync()
    assert harness.state.activities[activity_id].is_running
    assert workspace.pending_changes() == []


async def test_discarding_a_parked_creation_takes_its_followers_along(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    harness.server.faults.refuse_connections = True
    logged = await workspace.log_activity(TODAY, project_id, task_id, 900, "Doomed")
    with harness.state.lock:
        harness.state.projects[project_id].contract_of(harness.jonas).active = False  # type: ignore[union-attr]
    harness.server.faults.refuse_connections = False
    await workspace.sync()
    [parked] = workspace.parked_changes()
    with pytest.raises(WorkspaceError, match="no pending change"):
        await workspace.discard_parked(parked.id + 100)
    await workspace.discard_parked(parked.id)
    assert workspace.entry(logged.entity_id) is None
    assert workspace.pending_changes() == []
    assert harness.activities() == []


async def test_a_locked_entry_cannot_be_changed(harness: Harness) -> None:
    workspace, activity_id = await logged_online(harness)
    harness.server.faults.refuse_connections = True
    await workspace.update_activity(activity_id, seconds=60)
    edit_on_server(harness, activity_id, locked=True)
    harness.server.faults.refuse_connections = False
    await workspace.sync()
    [parked] = workspace.parked_changes()
    assert parked.parked_message is not None
    assert "locked" in parked.parked_message
    assert harness.activities()[0].seconds == 1800
    with pytest.raises(WorkspaceError, match="billed or locked"):
        await workspace.delete_activity(activity_id)
