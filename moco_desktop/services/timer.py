"""The timer: starting, stopping and continuing, online or not.

MOCO runs one timer per user, on today's entries only. Offline, the timer runs here (the local
entry carries `timer_started_at`) and becomes the right calls once MOCO is reachable:

* started and stopped offline: ONE activity with the measured seconds (see
  `timesheet._plan_create`);
* started in MOCO, stopped offline: `stop_timer`, then `seconds` set to what was measured
  (MOCO would have counted until the stop reached it);
* continued offline: the offline minutes are written into `seconds`, then `start_timer`;
* a timer that ran past midnight offline is booked on its own day and not restarted.

The change registered here is `activity.timer`: the timer state an entry should end up in
(running since `started_at`, or stopped with `seconds`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from moco_desktop.core.duration import format_duration
from moco_desktop.core.entities import Activity
from moco_desktop.core.i18n import register, tr
from moco_desktop.services import presences as presence_ops
from moco_desktop.services import timesheet as timesheet_ops
from moco_desktop.services.sync import (
    OperationKind,
    WorkspaceError,
    begin_step,
    drop,
    finish,
    iso,
    parse_iso,
    previous_step,
    register_kind,
)
from moco_desktop.services.timesheet import CATCH_UP_SECONDS, EntryView, described, label_of
from moco_desktop.storage.outbox import OutboxEntry

if TYPE_CHECKING:
    from moco_desktop.services.workspace import Workspace

register(
    {
        "timer.change.continue": {
            "en": "Continue the timer on {project} / {task} ({date})",
            "de": "Timer auf {project} / {task} fortsetzen ({date})",
        },
        "timer.change.stop": {
            "en": "Stop the timer on {project} / {task} at {duration} ({date})",
            "de": "Timer auf {project} / {task} bei {duration} stoppen ({date})",
        },
        "timer.not_running": {
            "en": "No timer is running.",
            "de": "Es läuft kein Timer.",
        },
    }
)


def running_entries(workspace: Workspace) -> list[EntryView]:
    """Every entry whose timer runs as far as this computer knows (normally one)."""
    overlay = timesheet_ops.activity_overlay(workspace)
    found: list[EntryView] = [
        EntryView(activity)
        for activity in workspace.cache.running_activities()
        if activity.id not in overlay
    ]
    for overlaid in overlay.values():
        if overlaid.activity is not None and overlaid.activity.is_running:
            found.append(
                EntryView(overlaid.activity, overlaid.state, overlaid.problem, overlaid.change_ids)
            )
    return sorted(found, key=_started, reverse=True)


def _started(view: EntryView) -> dt.datetime:
    started = view.activity.timer_started_at
    assert started is not None
    return started


def running_entry(workspace: Workspace) -> EntryView | None:
    entries = running_entries(workspace)
    return entries[0] if entries else None


def enqueue_stop(workspace: Workspace, view: EntryView) -> tuple[int, ...]:
    """Stop `view`'s timer locally, with the seconds measured until now."""
    activity = view.activity
    now = workspace.now()
    measured = activity.elapsed_seconds(now)
    outbox = workspace.outbox
    with workspace.database.transaction():
        entries = outbox.for_target("activity", activity.id)
        last = entries[-1] if entries else None
        if last is not None and last.kind == "activity.create" and last.state != "in_flight":
            created = dict(last.payload)
            created.update(seconds=measured, timer_started_at=None, edited_at=iso(now))
            outbox.update(last.id, payload=created)
            return (last.id,)
        payload: dict[str, Any] = {
            "running": False,
            "started_at": None,
            "seconds": measured,
            "edited_at": iso(now),
            "label": label_of(activity),
        }
        if last is not None and last.kind == "activity.timer" and last.state == "pending":
            payload["exact"] = bool(last.payload.get("exact"))
            outbox.update(last.id, payload=payload)
            return (last.id,)
        entry = outbox.enqueue("activity.timer", "activity", activity.id, payload, now)
    return (entry.id,)


def enqueue_stop_running(
    workspace: Workspace,
) -> tuple[int, tuple[int, ...], dt.date] | None:
    running = running_entries(workspace)
    if not running:
        return None
    change_ids: list[int] = []
    for view in running:
        change_ids.extend(enqueue_stop(workspace, view))
    return running[0].id, tuple(change_ids), running[0].activity.date


def enqueue_start(
    workspace: Workspace,
    project_id: int,
    task_id: int,
    description: str,
    billable: bool | None,
    tag: str,
) -> tuple[int, tuple[int, ...]]:
    """A new running entry today; the running timer is stopped first."""
    now = workspace.now()
    payload = timesheet_ops.create_payload(
        workspace,
        date=workspace.today(),
        project_id=project_id,
        task_id=task_id,
        seconds=0,
        description=description,
        billable=billable,
        tag=tag,
        timer_started_at=now,
    )
    change_ids: list[int] = []
    for view in running_entries(workspace):
        change_ids.extend(enqueue_stop(workspace, view))
    change_ids.extend(presence_ops.ensure_open_presence(workspace))
    local_id, change_id = timesheet_ops.enqueue_create(workspace, payload)
    change_ids.append(change_id)
    return local_id, tuple(change_ids)


def enqueue_continue(workspace: Workspace, activity_id: int) -> tuple[int, tuple[int, ...]]:
    """Continue an entry of today, or start a copy of another day's entry today."""
    view = timesheet_ops.entry_view(workspace, activity_id)
    if view is None:
        raise WorkspaceError("timesheet.unknown_entry", activity_id=activity_id)
    activity = view.activity
    if activity.is_running:
        return activity.id, ()
    if activity.date != workspace.today():
        return enqueue_start(
            workspace,
            activity.project.id,
            activity.task.id,
            activity.description,
            activity.billable,
            activity.tag,
        )
    if activity.billed or activity.locked:
        raise WorkspaceError("timesheet.locked")
    now = workspace.now()
    change_ids: list[int] = []
    for running in running_entries(workspace):
        change_ids.extend(enqueue_stop(workspace, running))
    change_ids.extend(presence_ops.ensure_open_presence(workspace))
    outbox = workspace.outbox
    with workspace.database.transaction():
        entries = outbox.for_target("activity", activity.id)
        last = entries[-1] if entries else None
        if last is not None and last.kind == "activity.create" and last.state != "in_flight":
            payload = dict(last.payload)
            payload.update(timer_started_at=iso(now), edited_at=iso(now))
            outbox.update(last.id, payload=payload)
            change_ids.append(last.id)
            return activity.id, tuple(change_ids)
        timer_payload: dict[str, Any] = {
            "running": True,
            "started_at": iso(now),
            "seconds": activity.seconds,
            "edited_at": iso(now),
            "label": label_of(activity),
        }
        if last is not None and last.kind == "activity.timer" and last.state == "pending":
            timer_payload["exact"] = bool(last.payload.get("exact"))
            outbox.update(last.id, payload=timer_payload)
            change_ids.append(last.id)
        else:
            entry = outbox.enqueue("activity.timer", "activity", activity.id, timer_payload, now)
            change_ids.append(entry.id)
    return activity.id, tuple(change_ids)


# --- sending ---------------------------------------------------------------------------------


async def send_timer(workspace: Workspace, entry: OutboxEntry) -> None:
    payload = entry.payload
    remote = await workspace.client.activity(entry.target_id)
    workspace.cache.put_activities([remote])
    if payload["running"]:
        await _send_running(workspace, entry, remote)
    else:
        await _send_stopped(workspace, entry, remote)


async def _send_running(workspace: Workspace, entry: OutboxEntry, remote: Activity) -> None:
    """The entry should run, with `seconds` before `started_at` plus the time since."""
    payload = entry.payload
    client = workspace.client
    now = workspace.now()
    started = parse_iso(payload.get("started_at")) or now
    target = int(payload["seconds"]) + max(0, int((now - started).total_seconds()))
    exact = bool(payload.get("exact"))
    if remote.date != workspace.today():
        # MOCO runs timers on the current day only: book what was measured and stop.
        if remote.is_running:
            begin_step(workspace, entry, {"step": "stop"})
            remote = await client.stop_timer(entry.target_id)
        if remote.seconds != target:
            begin_step(workspace, entry, {"step": "seconds", "seconds": target})
            remote = await client.update_activity(entry.target_id, seconds=target)
        with workspace.database.transaction():
            workspace.cache.put_activities([remote])
            finish(workspace, entry)
        workspace.notice(
            "warning",
            "timesheet.timer_day_change",
            entry.id,
            project=remote.project.name,
            task=remote.task.name,
            duration=format_duration(remote.seconds),
            date=remote.date.isoformat(),
        )
        return
    if remote.is_running:
        if abs(remote.elapsed_seconds(now) - target) < CATCH_UP_SECONDS:
            with workspace.database.transaction():
                workspace.cache.put_activities([remote])
                finish(workspace, entry)
            return
        # MOCO's timer counts something else (e.g. an absence the person discarded):
        # stop it, set the time, start again.
        begin_step(workspace, entry, {"step": "stop"})
        remote = await client.stop_timer(entry.target_id)
        workspace.cache.put_activities([remote])
    difference = abs(remote.seconds - target)
    if difference >= CATCH_UP_SECONDS or (exact and difference):
        begin_step(workspace, entry, {"step": "seconds", "seconds": target})
        remote = await client.update_activity(entry.target_id, seconds=target)
        workspace.cache.put_activities([remote])
    begin_step(workspace, entry, {"step": "start"})
    started_remote = await client.start_timer(entry.target_id)
    with workspace.database.transaction():
        workspace.cache.put_activities([started_remote])
        finish(workspace, entry)


async def _send_stopped(workspace: Workspace, entry: OutboxEntry, remote: Activity) -> None:
    """The entry should be stopped with `seconds`. MOCO books its own stop in whole minutes
    until the stop reaches it; a stop made offline (or seconds the person set) are written
    explicitly."""
    payload = entry.payload
    wanted = int(payload["seconds"])
    exact = bool(payload.get("exact"))
    stopped_here = previous_step(entry) is not None
    if remote.is_running:
        begin_step(workspace, entry, {"step": "stop"})
        remote = await workspace.client.stop_timer(entry.target_id)
        workspace.cache.put_activities([remote])
        stopped_here = True
    difference = abs(remote.seconds - wanted)
    if difference >= CATCH_UP_SECONDS or (exact and difference):
        edited_at = parse_iso(payload.get("edited_at"))
        if (
            not stopped_here
            and remote.updated_at is not None
            and edited_at is not None
            and remote.updated_at > edited_at
        ):
            # Stopped (and booked) elsewhere after the person's stop here: MOCO's is newer.
            drop(workspace, entry)
            workspace.notice(
                "warning", "sync.conflict_remote_kept", entry.id, summary=describe_timer(entry)
            )
            return
        begin_step(workspace, entry, {"step": "seconds", "seconds": wanted})
        remote = await workspace.client.update_activity(entry.target_id, seconds=wanted)
    with workspace.database.transaction():
        workspace.cache.put_activities([remote])
        finish(workspace, entry)


def describe_timer(entry: OutboxEntry) -> str:
    payload = entry.payload
    label = {key: payload["label"][key] for key in ("project", "task", "date")}
    if payload["running"]:
        summary = tr("timer.change.continue", **label)
    else:
        duration = format_duration(int(payload["seconds"]))
        summary = tr("timer.change.stop", duration=duration, **label)
    return described(summary, str(payload["label"].get("description", "")))


def timer_dates(entry: OutboxEntry) -> set[dt.date]:
    return {dt.date.fromisoformat(entry.payload["label"]["date"])}


register_kind(OperationKind("activity.timer", "activity", send_timer, describe_timer, timer_dates))
