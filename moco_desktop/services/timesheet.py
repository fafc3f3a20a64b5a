"""Time entries: what a day and a week show, and logging, editing and deleting entries.

A view is MOCO's last known state (the cache) with the outbox laid over it, so a change shows at
once, flagged `pending` until MOCO confirms it (`parked` with MOCO's message if rejected). The
changes registered here: `activity.create`, `activity.update`, `activity.delete`; the timer's
`activity.timer` is sent by `services.timer` but shown here like the others.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from moco_desktop.core.duration import format_duration
from moco_desktop.core.entities import (
    Activity,
    CustomerRef,
    Employment,
    NamedRef,
    PlanningEntry,
    Schedule,
    UserRef,
)
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.records import record
from moco_desktop.core.timemath import (
    booked_seconds,
    day_target_seconds,
    total_presence_seconds,
    week_days,
)
from moco_desktop.services import presences as presence_ops
from moco_desktop.services.presences import PresenceView
from moco_desktop.services.sync import (
    ChangeTarget,
    OperationKind,
    SyncState,
    SyncStateView,
    WorkspaceError,
    begin_step,
    cached_employments,
    ensure_settled,
    finish,
    iso,
    parse_iso,
    previous_step,
    register_kind,
    send_delete_reconciled,
    send_update_reconciled,
)
from moco_desktop.storage.outbox import OutboxEntry

if TYPE_CHECKING:
    from moco_desktop.services.workspace import Workspace

register(
    {
        "timesheet.unknown_entry": {
            "en": "There is no time entry {activity_id}.",
            "de": "Es gibt keinen Zeiteintrag {activity_id}.",
        },
        "timesheet.unknown_project": {
            "en": "Project {project_id} is not among your assigned projects.",
            "de": "Projekt {project_id} gehört nicht zu deinen zugeordneten Projekten.",
        },
        "timesheet.unknown_task": {
            "en": "Task {task_id} is not an active task of project “{project}”.",
            "de": "Leistung {task_id} ist keine aktive Leistung von Projekt „{project}“.",
        },
        "timesheet.invalid_seconds": {
            "en": "The time must be more than zero (got {seconds} s).",
            "de": "Die Zeit muss größer als null sein ({seconds} s).",
        },
        "timesheet.unknown_field": {
            "en": "An entry has no field “{field}”.",
            "de": "Ein Zeiteintrag hat kein Feld „{field}“.",
        },
        "timesheet.locked": {
            "en": "This entry is billed or locked in MOCO and cannot be changed.",
            "de": "Dieser Eintrag ist in MOCO abgerechnet oder gesperrt und kann nicht "
            "geändert werden.",
        },
        "timesheet.change.log": {
            "en": "Log {duration} on {project} / {task} ({date})",
            "de": "{duration} auf {project} / {task} buchen ({date})",
        },
        "timesheet.change.timer": {
            "en": "Timer on {project} / {task} ({date})",
            "de": "Timer auf {project} / {task} ({date})",
        },
        "timesheet.change.update": {
            "en": "Change {fields} of the entry on {project} / {task} ({date})",
            "de": "{fields} des Eintrags auf {project} / {task} ändern ({date})",
        },
        "timesheet.change.described": {
            "en": "{summary}: “{description}”",
            "de": "{summary}: „{description}“",
        },
        "timesheet.change.delete": {
            "en": "Delete the entry on {project} / {task} ({date})",
            "de": "Eintrag auf {project} / {task} löschen ({date})",
        },
        "timesheet.timer_day_change": {
            "en": "The timer on {project} / {task} ran past midnight while MOCO could not be "
            "reached; it was booked with {duration} on {date} and stopped there, because MOCO "
            "runs timers on the current day only.",
            "de": "Der Timer auf {project} / {task} lief über Mitternacht, während MOCO nicht "
            "erreichbar war; er wurde mit {duration} am {date} gebucht und dort gestoppt, weil "
            "MOCO Timer nur am aktuellen Tag laufen lässt.",
        },
    }
)

ACTIVITY_FIELDS = frozenset(
    {"date", "project_id", "task_id", "seconds", "description", "billable", "tag"}
)
CATCH_UP_SECONDS = 60
"""Offline timer time shorter than this is left to MOCO's own timer (it books whole minutes);
longer, it is written into `seconds` so nothing measured is lost."""


# --- views -----------------------------------------------------------------------------------


@record
class EntryView(SyncStateView):
    """An activity as shown: MOCO's state with pending changes applied."""

    activity: Activity
    state: SyncState = "synced"
    problem: str | None = None
    change_ids: tuple[int, ...] = ()

    @property
    def id(self) -> int:
        return self.activity.id

    @property
    def is_local(self) -> bool:
        """MOCO has not assigned an id yet (the id is negative)."""
        return self.activity.id < 0

    @property
    def is_running(self) -> bool:
        return self.activity.is_running

    def elapsed_seconds(self, now: dt.datetime) -> int:
        return self.activity.elapsed_seconds(now)


@record
class DayView:
    """One day at `now`: its entries, presences and totals (running timers counted)."""

    date: dt.date
    now: dt.datetime
    entries: tuple[EntryView, ...]
    presences: tuple[PresenceView, ...]
    booked_seconds: int
    presence_seconds: int
    target_seconds: int
    schedules: tuple[Schedule, ...] = ()
    planning: tuple[PlanningEntry, ...] = ()

    @property
    def gap_seconds(self) -> int:
        """Presence minus booked time: positive while time is still to be booked."""
        return self.presence_seconds - self.booked_seconds

    @property
    def running(self) -> EntryView | None:
        return next((entry for entry in self.entries if entry.is_running), None)

    @property
    def pending(self) -> bool:
        return any(e.pending for e in self.entries) or any(p.pending for p in self.presences)

    @property
    def open_presence(self) -> PresenceView | None:
        return next((p for p in self.presences if p.presence.is_open), None)

    @property
    def summary(self) -> DaySummary:
        return DaySummary(
            date=self.date,
            booked_seconds=self.booked_seconds,
            presence_seconds=self.presence_seconds,
            target_seconds=self.target_seconds,
            pending=self.pending,
            schedules=self.schedules,
            planning=self.planning,
        )


@record
class DaySummary:
    """A day of the week strip: its totals (running timers counted), without its entries."""

    date: dt.date
    booked_seconds: int
    presence_seconds: int
    target_seconds: int
    pending: bool = False
    schedules: tuple[Schedule, ...] = ()
    planning: tuple[PlanningEntry, ...] = ()


@record
class WeekView:
    """An ISO week, Monday to Sunday: each day's totals. `Workspace.day` has a day's entries."""

    days: tuple[DaySummary, ...]

    @property
    def monday(self) -> dt.date:
        return self.days[0].date

    @property
    def booked_seconds(self) -> int:
        return sum(day.booked_seconds for day in self.days)

    @property
    def presence_seconds(self) -> int:
        return sum(day.presence_seconds for day in self.days)

    @property
    def target_seconds(self) -> int:
        return sum(day.target_seconds for day in self.days)

    @property
    def pending(self) -> bool:
        return any(day.pending for day in self.days)


@record
class _Overlaid:
    activity: Activity | None
    state: SyncState
    problem: str | None
    change_ids: tuple[int, ...]


def activity_overlay(workspace: Workspace) -> dict[int, _Overlaid]:
    """Every activity touched by the outbox, as it will be once its changes are in MOCO."""
    grouped: dict[int, list[OutboxEntry]] = {}
    for entry in workspace.outbox.entries():
        if entry.entity == "activity":
            grouped.setdefault(entry.target_id, []).append(entry)
    overlay: dict[int, _Overlaid] = {}
    for target_id, entries in grouped.items():
        current = workspace.cache.activity(target_id) if target_id > 0 else None
        for entry in entries:
            current = apply_activity_change(workspace, entry, current)
        parked = [entry for entry in entries if entry.is_parked]
        overlay[target_id] = _Overlaid(
            current,
            "parked" if parked else "pending",
            parked[0].parked_message if parked else None,
            tuple(entry.id for entry in entries),
        )
    return overlay


def entries_between(
    workspace: Workspace,
    date_from: dt.date,
    date_to: dt.date,
    overlay: Mapping[int, _Overlaid] | None = None,
) -> list[EntryView]:
    """The range's entries as shown; `overlay`: `activity_overlay`, if the caller has it."""
    if overlay is None:
        overlay = activity_overlay(workspace)
    views: dict[int, EntryView] = {}
    for activity in workspace.cache.activities_between(date_from, date_to):
        if activity.id not in overlay:
            views[activity.id] = EntryView(activity)
    for target_id, overlaid in overlay.items():
        shown = overlaid.activity
        if shown is not None and date_from <= shown.date <= date_to:
            views[target_id] = EntryView(
                shown, overlaid.state, overlaid.problem, overlaid.change_ids
            )
    return sorted(views.values(), key=_entry_order)


def _entry_order(view: EntryView) -> tuple[dt.date, int, int]:
    # MOCO's entries in id order, local ones after them in the order they were made.
    activity_id = view.activity.id
    return (view.activity.date, 1 if activity_id < 0 else 0, abs(activity_id))


def entry_view(workspace: Workspace, activity_id: int) -> EntryView | None:
    activity_id = workspace.cache.resolve_id("activity", activity_id)
    overlaid = activity_overlay(workspace).get(activity_id)
    if overlaid is not None:
        if overlaid.activity is None:
            return None
        return EntryView(overlaid.activity, overlaid.state, overlaid.problem, overlaid.change_ids)
    cached = workspace.cache.activity(activity_id)
    return None if cached is None else EntryView(cached)


def day_view(workspace: Workspace, date: dt.date) -> DayView:
    return _days(workspace, date, date)[0]


def week_view(workspace: Workspace, date: dt.date) -> WeekView:
    return week_with_day(workspace, date, with_day=False)[0]


def week_with_day(
    workspace: Workspace, date: dt.date, *, with_day: bool = True
) -> tuple[WeekView, DayView | None]:
    """The week's totals and (`with_day`) the day `date` in full, reading the outbox, the
    presences and the reference data once for both.

    Only the week's entries with a running timer or a pending change are decoded; the others'
    seconds come from the cache as stored (a busy week is a thousand entries, and the week strip
    is on screen at every start)."""
    days = week_days(date)
    date_from, date_to = days[0], days[-1]
    context = _DayContext.read(workspace, date_from, date_to)
    now = context.now
    overlay = activity_overlay(workspace)
    totals, running = workspace.cache.activity_seconds_by_date(
        date_from, date_to, excluding=overlay.keys()
    )
    booked = {day: totals.get(day, 0) for day in days}
    pending: set[dt.date] = set()
    for activity_id in running:
        activity = workspace.cache.activity(activity_id)
        if activity is not None:
            booked[activity.date] = booked.get(activity.date, 0) + activity.elapsed_seconds(now)
    for overlaid in overlay.values():
        shown = overlaid.activity
        if shown is not None and date_from <= shown.date <= date_to:
            booked[shown.date] += shown.elapsed_seconds(now)
            pending.add(shown.date)
    summaries = []
    for day in days:
        presences, presence_seconds, target_seconds, schedules, planning = context.parts(day)
        summaries.append(
            DaySummary(
                date=day,
                booked_seconds=booked[day],
                presence_seconds=presence_seconds,
                target_seconds=target_seconds,
                pending=day in pending or any(p.pending for p in presences),
                schedules=schedules,
                planning=planning,
            )
        )
    full_day = _days(workspace, date, date, context, overlay)[0] if with_day else None
    return WeekView(tuple(summaries)), full_day


@record
class _DayContext:
    """What a range of days needs besides its entries: presences, schedules, planning and the
    employments that give each day its target."""

    now: dt.datetime
    local_now: dt.datetime
    presences: list[PresenceView]
    schedules: tuple[Schedule, ...]
    planning: tuple[PlanningEntry, ...]
    employments: tuple[Employment, ...]

    @classmethod
    def read(cls, workspace: Workspace, date_from: dt.date, date_to: dt.date) -> _DayContext:
        return cls(
            now=workspace.now(),
            local_now=workspace.local_now(),
            presences=presence_ops.presences_between(workspace, date_from, date_to),
            schedules=workspace.schedules(date_from, date_to),
            planning=workspace.planning_entries(date_from, date_to),
            employments=cached_employments(workspace),
        )

    def parts(
        self, day: dt.date
    ) -> tuple[tuple[PresenceView, ...], int, int, tuple[Schedule, ...], tuple[PlanningEntry, ...]]:
        """The day's presences, presence seconds, target seconds, schedules and planning."""
        presences = tuple(p for p in self.presences if p.presence.date == day)
        schedules = tuple(s for s in self.schedules if s.date == day)
        return (
            presences,
            total_presence_seconds(
                (p.presence for p in presences), self.local_now.replace(tzinfo=None)
            ),
            day_target_seconds(day, self.employments, schedules),
            schedules,
            tuple(p for p in self.planning if p.covers(day)),
        )


def _days(
    workspace: Workspace,
    date_from: dt.date,
    date_to: dt.date,
    context: _DayContext | None = None,
    overlay: Mapping[int, _Overlaid] | None = None,
) -> list[DayView]:
    """Each day of the range in full; `context` may cover a wider range (the week's)."""
    if context is None:
        context = _DayContext.read(workspace, date_from, date_to)
    entries = entries_between(workspace, date_from, date_to, overlay)
    views: list[DayView] = []
    day = date_from
    while day <= date_to:
        day_entries = tuple(e for e in entries if e.activity.date == day)
        presences, presence_seconds, target_seconds, schedules, planning = context.parts(day)
        views.append(
            DayView(
                date=day,
                now=context.now,
                entries=day_entries,
                presences=presences,
                booked_seconds=booked_seconds((e.activity for e in day_entries), context.now),
                presence_seconds=presence_seconds,
                target_seconds=target_seconds,
                schedules=schedules,
                planning=planning,
            )
        )
        day += dt.timedelta(days=1)
    return views


# --- applying changes locally ----------------------------------------------------------------


def apply_activity_change(
    workspace: Workspace, entry: OutboxEntry, current: Activity | None
) -> Activity | None:
    """`current` as it is after the change `entry` (None: it does not exist)."""
    payload = entry.payload
    if entry.kind == "activity.create":
        return _created_activity(workspace, entry.target_id, payload)
    if current is None:
        return None
    if entry.kind == "activity.update":
        return _changed_activity(current, payload["changes"], payload.get("names", {}))
    if entry.kind == "activity.delete":
        return None
    if entry.kind == "activity.timer":
        started = parse_iso(payload.get("started_at")) if payload["running"] else None
        return dataclasses.replace(
            current, seconds=int(payload["seconds"]), timer_started_at=started
        )
    return current


def _created_activity(workspace: Workspace, local_id: int, payload: Mapping[str, Any]) -> Activity:
    names = payload["names"]
    project = NamedRef(**names["project"])
    task = NamedRef(**names["task"])
    customer = CustomerRef(**names["customer"]) if names.get("customer") else None
    billable = payload.get("billable")
    profile = workspace.profile()
    acting = workspace.identity.acting_user_id
    user = (
        UserRef(acting, profile.firstname, profile.lastname)
        if profile is not None and profile.id == acting
        else UserRef(acting)
    )
    return Activity(
        id=local_id,
        date=dt.date.fromisoformat(payload["date"]),
        seconds=int(payload["seconds"]),
        description=str(payload.get("description", "")),
        project=project,
        task=task,
        customer=customer,
        user=user,
        billable=bool(project.billable and task.billable) if billable is None else bool(billable),
        tag=str(payload.get("tag") or ""),
        timer_started_at=parse_iso(payload.get("timer_started_at")),
    )


def _changed_activity(
    current: Activity, changes: Mapping[str, Any], names: Mapping[str, Any]
) -> Activity:
    updates: dict[str, Any] = {}
    if "date" in changes:
        updates["date"] = dt.date.fromisoformat(changes["date"])
    if "seconds" in changes:
        updates["seconds"] = int(changes["seconds"])
    if "description" in changes:
        updates["description"] = str(changes["description"])
    if "billable" in changes:
        updates["billable"] = bool(changes["billable"])
    if "tag" in changes:
        updates["tag"] = str(changes["tag"] or "")
    if "project" in names:
        updates["project"] = NamedRef(**names["project"])
        customer = names.get("customer")
        updates["customer"] = CustomerRef(**customer) if customer else None
    if "task" in names:
        updates["task"] = NamedRef(**names["task"])
    return dataclasses.replace(current, **updates)


def field_value(activity: Activity, name: str) -> object:
    """An activity's field as stored in a change (JSON-compatible)."""
    if name == "date":
        return activity.date.isoformat()
    if name == "project_id":
        return activity.project.id
    if name == "task_id":
        return activity.task.id
    if name == "seconds":
        return activity.seconds
    if name == "description":
        return activity.description
    if name == "billable":
        return activity.billable
    if name == "tag":
        return activity.tag
    raise WorkspaceError("timesheet.unknown_field", field=name)


def label_of(activity: Activity) -> dict[str, Any]:
    """What a pending change's summary names: project, task, date and description."""
    return {
        "project": activity.project.name,
        "task": activity.task.name,
        "date": activity.date.isoformat(),
        "description": activity.description,
    }


SUMMARY_DESCRIPTION_CHARS = 60


def described(summary: str, description: str) -> str:
    """A change's summary with the entry's description (shortened), if it has one: "Log 1 h on
    Website / Design (2026-11-28)" alone does not tell two such entries apart."""
    text = " ".join(description.split())
    if not text:
        return summary
    if len(text) > SUMMARY_DESCRIPTION_CHARS:
        text = text[: SUMMARY_DESCRIPTION_CHARS - 1].rstrip() + "…"
    return tr("timesheet.change.described", summary=summary, description=text)


def booking_names(workspace: Workspace, project_id: int, task_id: int) -> dict[str, Any]:
    """Names of project, task and customer for a new or moved entry; checks the assignment
    when the assigned projects are known."""
    projects = workspace.projects()
    if not projects:
        return {
            "project": {"id": project_id, "name": f"#{project_id}", "billable": True},
            "task": {"id": task_id, "name": f"#{task_id}", "billable": True},
            "customer": None,
        }
    project = workspace.project(project_id)
    if project is None:
        raise WorkspaceError("timesheet.unknown_project", project_id=project_id)
    task = project.task(task_id)
    if task is None or not task.active:
        raise WorkspaceError("timesheet.unknown_task", task_id=task_id, project=project.name)
    customer = project.customer
    return {
        "project": {"id": project.id, "name": project.name, "billable": project.billable},
        "task": {"id": task.id, "name": task.name, "billable": task.billable},
        "customer": None if customer is None else {"id": customer.id, "name": customer.name},
    }


# --- enqueueing changes ----------------------------------------------------------------------


def create_payload(
    workspace: Workspace,
    *,
    date: dt.date,
    project_id: int,
    task_id: int,
    seconds: int,
    description: str,
    billable: bool | None,
    tag: str,
    timer_started_at: dt.datetime | None,
) -> dict[str, Any]:
    names = booking_names(workspace, project_id, task_id)
    return {
        "date": date.isoformat(),
        "project_id": project_id,
        "task_id": task_id,
        "seconds": int(seconds),
        "description": description,
        "billable": billable,
        "tag": tag,
        "timer_started_at": iso(timer_started_at),
        "names": names,
        "edited_at": iso(workspace.now()),
    }


def enqueue_create(workspace: Workspace, payload: Mapping[str, Any]) -> tuple[int, int]:
    """Store a new local entry (negative id); returns (local id, change id)."""
    with workspace.database.transaction():
        local_id = workspace.database.next_local_id()
        entry = workspace.outbox.enqueue(
            "activity.create", "activity", local_id, payload, workspace.now()
        )
    return local_id, entry.id


def enqueue_log(
    workspace: Workspace,
    date: dt.date,
    project_id: int,
    task_id: int,
    seconds: int,
    description: str,
    billable: bool | None,
    tag: str,
) -> tuple[int, tuple[int, ...]]:
    if int(seconds) <= 0:
        raise WorkspaceError("timesheet.invalid_seconds", seconds=seconds)
    payload = create_payload(
        workspace,
        date=date,
        project_id=project_id,
        task_id=task_id,
        seconds=int(seconds),
        description=description,
        billable=billable,
        tag=tag,
        timer_started_at=None,
    )
    local_id, change_id = enqueue_create(workspace, payload)
    return local_id, (change_id,)


def normalized_changes(
    workspace: Workspace, current: Activity, changes: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(changes as stored, names of a new project/task) — unchanged fields left out."""
    unknown = sorted(set(changes) - ACTIVITY_FIELDS)
    if unknown:
        raise WorkspaceError("timesheet.unknown_field", field=unknown[0])
    plain: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "date":
            plain[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
            dt.date.fromisoformat(plain[name])
        elif name in ("project_id", "task_id"):
            plain[name] = int(value)
        elif name == "seconds":
            if int(value) < 0:
                raise WorkspaceError("timesheet.invalid_seconds", seconds=value)
            plain[name] = int(value)
        elif name == "billable":
            plain[name] = bool(value)
        else:
            plain[name] = "" if value is None else str(value)
    plain = {name: value for name, value in plain.items() if field_value(current, name) != value}
    names: dict[str, Any] = {}
    if "project_id" in plain or "task_id" in plain:
        project_id = plain.get("project_id", current.project.id)
        task_id = plain.get("task_id", current.task.id)
        booking = booking_names(workspace, project_id, task_id)
        plain["project_id"], plain["task_id"] = project_id, task_id
        names = {
            "project": booking["project"],
            "task": booking["task"],
            "customer": booking["customer"],
        }
    return plain, names


def enqueue_update(
    workspace: Workspace, activity_id: int, changes: Mapping[str, Any]
) -> tuple[int, tuple[int, ...], set[dt.date]]:
    unknown = sorted(set(changes) - ACTIVITY_FIELDS)
    if unknown:
        raise WorkspaceError("timesheet.unknown_field", field=unknown[0])
    activity_id = workspace.cache.resolve_id("activity", activity_id)
    view = entry_view(workspace, activity_id)
    if view is None:
        raise WorkspaceError("timesheet.unknown_entry", activity_id=activity_id)
    current = view.activity
    if current.billed or current.locked:
        raise WorkspaceError("timesheet.locked")
    plain, names = normalized_changes(workspace, current, changes)
    dates = {current.date}
    if "date" in plain:
        dates.add(dt.date.fromisoformat(plain["date"]))
    if not plain:
        return activity_id, (), dates
    now = workspace.now()
    outbox = workspace.outbox
    with workspace.database.transaction():
        entries = outbox.for_target("activity", activity_id)
        last = entries[-1] if entries else None
        if last is not None and last.kind == "activity.create" and last.state != "in_flight":
            payload = dict(last.payload)
            payload.update(plain)
            if names:
                payload["names"] = names
            payload["edited_at"] = iso(now)
            if last.is_parked:
                outbox.unpark(last.id, payload)
            else:
                outbox.update(last.id, payload=payload)
            return activity_id, (last.id,), dates
        if last is not None and last.kind == "activity.update" and last.state == "pending":
            payload = dict(last.payload)
            merged_changes = {**payload["changes"], **plain}
            base = dict(payload["base"])
            for name in plain:
                base.setdefault(name, field_value(current, name))
            payload.update(
                changes=merged_changes,
                base=base,
                names={**payload.get("names", {}), **names},
                edited_at=iso(now),
            )
            outbox.update(last.id, payload=payload)
            return activity_id, (last.id,), dates
        merged: tuple[int, ...] = ()
        if (
            last is not None
            and last.kind == "activity.timer"
            and last.state == "pending"
            and "seconds" in plain
        ):
            # The timer change not sent yet takes the seconds as its target, exactly (a
            # separate edit would race MOCO's own minute rounding of the stop).
            timer = dict(last.payload)
            timer.update(seconds=plain.pop("seconds"), exact=True, edited_at=iso(now))
            outbox.update(last.id, payload=timer)
            merged = (last.id,)
            if not plain:
                return activity_id, merged, dates
        payload = {
            "changes": plain,
            "base": {name: field_value(current, name) for name in plain},
            "names": names,
            "edited_at": iso(now),
            "label": label_of(current),
        }
        entry = outbox.enqueue("activity.update", "activity", activity_id, payload, now)
    return activity_id, (*merged, entry.id), dates


def enqueue_delete(
    workspace: Workspace, activity_id: int
) -> tuple[int, tuple[int, ...], set[dt.date]]:
    activity_id = workspace.cache.resolve_id("activity", activity_id)
    view = entry_view(workspace, activity_id)
    if view is None:
        raise WorkspaceError("timesheet.unknown_entry", activity_id=activity_id)
    current = view.activity
    if current.billed or current.locked:
        raise WorkspaceError("timesheet.locked")
    outbox = workspace.outbox
    now = workspace.now()
    with workspace.database.transaction():
        entries = outbox.for_target("activity", activity_id)
        first = entries[0] if entries else None
        if first is not None and first.kind == "activity.create" and first.state != "in_flight":
            # Never reached MOCO: forget it entirely, nothing to send.
            for entry in entries:
                outbox.remove(entry.id)
            return activity_id, (), {current.date}
        for entry in entries:
            if entry.state == "pending" and entry.kind in ("activity.update", "activity.timer"):
                outbox.remove(entry.id)
        cached = workspace.cache.activity(activity_id)
        payload = {
            "base_updated_at": iso(cached.updated_at) if cached else None,
            "edited_at": iso(now),
            "label": label_of(current),
        }
        entry = outbox.enqueue("activity.delete", "activity", activity_id, payload, now)
    return activity_id, (entry.id,), {current.date}


# --- sending ---------------------------------------------------------------------------------


async def send_create(workspace: Workspace, entry: OutboxEntry) -> None:
    sent = entry.sent_payload or {}
    if previous_step(entry) == "post":
        ensure_settled(workspace, entry)
        adopted = await _find_created(workspace, entry, sent)
        if adopted is not None:
            _finish_create(workspace, entry, adopted, sent)
            workspace.notice("info", "sync.adopted", entry.id, summary=describe_create(entry))
            return
    request = _plan_create(workspace, entry.payload)
    begin_step(workspace, entry, request)
    created = await workspace.client.create_activity(
        date=dt.date.fromisoformat(request["date"]),
        project_id=int(request["project_id"]),
        task_id=int(request["task_id"]),
        seconds=int(request["seconds"]),
        description=str(request["description"]),
        billable=request.get("billable"),
        tag=request.get("tag") or None,
    )
    _finish_create(workspace, entry, created, request)


def _plan_create(workspace: Workspace, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The POST for a local entry, and what has to follow it (a timer start or stop).

    A running entry dated today with little time on it is created as MOCO's own timer (0 s,
    MOCO starts it). One with more time measured offline is created with that time (not
    started) and then started. A stopped entry is created with its seconds; with 0 s today it
    would start by itself, so it is stopped right after. A timer that ran past midnight offline
    is booked on its day and not restarted (MOCO runs timers on the current day only)."""
    date = dt.date.fromisoformat(payload["date"])
    today = workspace.today()
    now = workspace.now()
    started = parse_iso(payload.get("timer_started_at"))
    seconds = int(payload["seconds"])
    follow: dict[str, Any] | None = None
    day_change = False
    label = {
        "project": payload["names"]["project"]["name"],
        "task": payload["names"]["task"]["name"],
        "date": payload["date"],
    }
    if started is not None:
        elapsed = seconds + max(0, int((now - started).total_seconds()))
        if date == today and elapsed < CATCH_UP_SECONDS:
            send_seconds = 0
        elif date == today:
            send_seconds = elapsed
            follow = {
                "running": True,
                "started_at": iso(now),
                "seconds": elapsed,
                "edited_at": payload.get("edited_at"),
                "label": label,
            }
        else:
            send_seconds, day_change = elapsed, True
    else:
        send_seconds = seconds
        if seconds == 0 and date == today:
            follow = {
                "running": False,
                "started_at": None,
                "seconds": 0,
                "edited_at": payload.get("edited_at"),
                "label": label,
            }
    return {
        "step": "post",
        "date": payload["date"],
        "project_id": payload["project_id"],
        "task_id": payload["task_id"],
        "seconds": send_seconds,
        "description": payload.get("description", ""),
        "billable": payload.get("billable"),
        "tag": payload.get("tag") or "",
        "follow": follow,
        "day_change": day_change,
    }


async def _find_created(
    workspace: Workspace, entry: OutboxEntry, sent: Mapping[str, Any]
) -> Activity | None:
    """The activity an earlier attempt created although its answer was lost, if any."""
    date = dt.date.fromisoformat(sent["date"])
    candidates = await workspace.client.activities(
        user_id=workspace.identity.acting_user_id, date_from=date, date_to=date
    )
    workspace.cache.put_activities(candidates)
    claimed = workspace.cache.mapped_remote_ids("activity")
    assert entry.attempt_started_at is not None
    since = entry.attempt_started_at - workspace.settings.match_skew
    for candidate in sorted(candidates, key=lambda a: a.id):
        if candidate.id in claimed:
            continue
        if (candidate.project.id, candidate.task.id) != (sent["project_id"], sent["task_id"]):
            continue
        if candidate.description != sent["description"] or candidate.seconds != sent["seconds"]:
            continue
        if candidate.created_at is not None and candidate.created_at < since:
            continue
        return candidate
    return None


def _finish_create(
    workspace: Workspace, entry: OutboxEntry, created: Activity, sent: Mapping[str, Any]
) -> None:
    follow = sent.get("follow")
    with workspace.database.transaction():
        workspace.cache.put_activities([created])
        if entry.target_id < 0:
            workspace.cache.map_id("activity", entry.target_id, created.id, workspace.now())
            workspace.outbox.rewrite_target("activity", entry.target_id, created.id)
        if follow is not None and created.is_running != bool(follow["running"]):
            workspace.outbox.update(
                entry.id,
                kind="activity.timer",
                target_id=created.id,
                payload=follow,
                state="pending",
            )
        else:
            finish(workspace, entry)
    if sent.get("day_change"):
        workspace.notice(
            "warning",
            "timesheet.timer_day_change",
            entry.id,
            project=created.project.name,
            task=created.task.name,
            duration=format_duration(created.seconds),
            date=created.date.isoformat(),
        )


def _change_target(workspace: Workspace) -> ChangeTarget[Activity]:
    client, cache = workspace.client, workspace.cache

    async def update(activity_id: int, changes: Mapping[str, Any]) -> Activity:
        arguments: dict[str, Any] = dict(changes)
        if "date" in arguments:
            arguments["date"] = dt.date.fromisoformat(arguments["date"])
        return await client.update_activity(activity_id, **arguments)

    return ChangeTarget(
        fetch=client.activity,
        store=lambda activity: cache.put_activities([activity]),
        forget=cache.remove_activity,
        update=update,
        delete=client.delete_activity,
        field_value=field_value,
        describe_update=describe_update,
        describe_delete=describe_delete,
        update_step="put",
        same_value=_same_booking_value,
    )


async def send_update(workspace: Workspace, entry: OutboxEntry) -> None:
    await send_update_reconciled(workspace, entry, _change_target(workspace))


async def send_delete(workspace: Workspace, entry: OutboxEntry) -> None:
    await send_delete_reconciled(workspace, entry, _change_target(workspace))


def _same_booking_value(name: str, remote: object, base: object) -> bool:
    """MOCO books a stopped timer in whole minutes, so seconds within a minute count as the
    same."""
    if name == "seconds" and isinstance(remote, int) and isinstance(base, int):
        return abs(remote - base) < CATCH_UP_SECONDS
    return remote == base


# --- describing and fixing -------------------------------------------------------------------


def _description(payload: Mapping[str, Any]) -> str:
    label = payload.get("label") or {}
    changes = payload.get("changes") or {}
    return str(
        changes.get("description") or label.get("description") or payload.get("description") or ""
    )


def _label(payload: Mapping[str, Any]) -> dict[str, str]:
    label = payload.get("label")
    if label:
        return {"project": label["project"], "task": label["task"], "date": label["date"]}
    names = payload["names"]
    return {
        "project": names["project"]["name"],
        "task": names["task"]["name"],
        "date": payload["date"],
    }


def describe_create(entry: OutboxEntry) -> str:
    payload = entry.payload
    if payload.get("timer_started_at"):
        summary = tr("timesheet.change.timer", **_label(payload))
    else:
        duration = format_duration(int(payload["seconds"]))
        summary = tr("timesheet.change.log", duration=duration, **_label(payload))
    return described(summary, _description(payload))


def describe_update(entry: OutboxEntry) -> str:
    fields = ", ".join(sorted(entry.payload["changes"]))
    summary = tr("timesheet.change.update", fields=fields, **_label(entry.payload))
    return described(summary, _description(entry.payload))


def describe_delete(entry: OutboxEntry) -> str:
    summary = tr("timesheet.change.delete", **_label(entry.payload))
    return described(summary, _description(entry.payload))


def create_dates(entry: OutboxEntry) -> set[dt.date]:
    return {dt.date.fromisoformat(entry.payload["date"])}


def label_dates(entry: OutboxEntry) -> set[dt.date]:
    dates = {dt.date.fromisoformat(entry.payload["label"]["date"])}
    changed = entry.payload.get("changes", {}).get("date")
    if changed:
        dates.add(dt.date.fromisoformat(changed))
    return dates


def fix_create(
    workspace: Workspace, entry: OutboxEntry, fixes: Mapping[str, Any]
) -> dict[str, Any]:
    unknown = sorted(set(fixes) - ACTIVITY_FIELDS)
    if unknown:
        raise WorkspaceError("timesheet.unknown_field", field=unknown[0])
    payload = dict(entry.payload)
    for name, value in fixes.items():
        payload[name] = value.isoformat() if isinstance(value, dt.date) else value
    if "project_id" in fixes or "task_id" in fixes:
        payload["names"] = booking_names(
            workspace, int(payload["project_id"]), int(payload["task_id"])
        )
    payload["edited_at"] = iso(workspace.now())
    return payload


def fix_update(
    workspace: Workspace, entry: OutboxEntry, fixes: Mapping[str, Any]
) -> dict[str, Any]:
    """The person's corrections replace the rejected values; a field set back to what MOCO
    has is no longer changed at all."""
    current = workspace.cache.activity(entry.target_id)
    if current is None:
        raise WorkspaceError("timesheet.unknown_entry", activity_id=entry.target_id)
    payload = dict(entry.payload)
    changes = dict(payload["changes"])
    base = dict(payload.get("base", {}))
    for name in fixes:
        changes.pop(name, None)
    plain, names = normalized_changes(workspace, current, fixes)
    for name in set(fixes) - set(plain):
        base.pop(name, None)
    changes.update(plain)
    for name in plain:
        base.setdefault(name, field_value(current, name))
    payload.update(
        changes=changes,
        base=base,
        names={**payload.get("names", {}), **names} if plain else payload.get("names", {}),
        edited_at=iso(workspace.now()),
    )
    if not ({"project_id", "task_id"} & set(changes)):
        payload["names"] = {}
    return payload


def dates_of_activity_changes(entries: Iterable[OutboxEntry]) -> set[dt.date]:
    dates: set[dt.date] = set()
    for entry in entries:
        if entry.kind == "activity.create":
            dates |= create_dates(entry)
        elif "label" in entry.payload:
            dates |= label_dates(entry)
    return dates


register_kind(
    OperationKind(
        "activity.create", "activity", send_create, describe_create, create_dates, fix_create
    )
)
register_kind(
    OperationKind(
        "activity.update", "activity", send_update, describe_update, label_dates, fix_update
    )
)
register_kind(
    OperationKind("activity.delete", "activity", send_delete, describe_delete, label_dates)
)
