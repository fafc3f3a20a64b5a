"""How the CLI shows things: human-readable tables and the stable `--json` shapes.

The JSON field names are a contract for scripts; the human wording may change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from moco_desktop.core.duration import format_duration
from moco_desktop.core.entities import AssignedProject
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.timemath import format_clock_time
from moco_desktop.services.presences import PresenceView
from moco_desktop.services.sync import PendingChange
from moco_desktop.services.timesheet import DayView, EntryView

register(
    {
        "cli.day.header": {"en": "{date}", "de": "{date}"},
        "cli.day.no_entries": {"en": "No entries.", "de": "Keine Einträge."},
        "cli.day.totals": {
            "en": "Booked {booked} of {target} target; present {presence}.",
            "de": "Gebucht {booked} von {target} Soll; anwesend {presence}.",
        },
        "cli.day.presences": {"en": "Presences:", "de": "Arbeitszeiten:"},
        "cli.day.open": {"en": "open", "de": "offen"},
        "cli.day.home_office": {"en": "home office", "de": "Homeoffice"},
        "cli.day.pending": {"en": "pending", "de": "ausstehend"},
        "cli.day.running": {"en": "running", "de": "läuft"},
        "cli.day.non_billable": {"en": "not billable", "de": "nicht verrechenbar"},
        "cli.projects.none": {
            "en": "No projects assigned.",
            "de": "Keine Projekte zugewiesen.",
        },
    }
)


def project_as_json(project: AssignedProject) -> dict[str, Any]:
    return {
        "id": project.id,
        "identifier": project.identifier,
        "name": project.name,
        "customer": project.customer.name if project.customer else None,
        "billable": project.billable,
        "tasks": [
            {"id": t.id, "name": t.name, "billable": t.billable} for t in project.tasks if t.active
        ],
    }


def entry_as_json(entry: EntryView, now: dt.datetime) -> dict[str, Any]:
    activity = entry.activity
    return {
        "id": activity.id,
        "date": activity.date.isoformat(),
        "project": {"id": activity.project.id, "name": activity.project.name},
        "task": {"id": activity.task.id, "name": activity.task.name},
        "customer": activity.customer.name if activity.customer else None,
        "description": activity.description,
        "seconds": activity.seconds,
        "elapsed_seconds": activity.elapsed_seconds(now),
        "billable": activity.billable,
        "running": activity.is_running,
        "timer_started_at": (
            activity.timer_started_at.isoformat() if activity.timer_started_at else None
        ),
        "pending": entry.pending,
        "problem": entry.problem,
    }


def presence_as_json(view: PresenceView) -> dict[str, Any]:
    presence = view.presence
    return {
        "id": presence.id,
        "date": presence.date.isoformat(),
        "from": format_clock_time(presence.from_time),
        "to": format_clock_time(presence.to_time) if presence.to_time else None,
        "is_home_office": presence.is_home_office,
        "pending": view.pending,
    }


def day_as_json(day: DayView) -> dict[str, Any]:
    running = day.running
    return {
        "date": day.date.isoformat(),
        "activities": [entry_as_json(entry, day.now) for entry in day.entries],
        "running": entry_as_json(running, day.now) if running else None,
        "presences": [presence_as_json(p) for p in day.presences],
        "totals": {
            "booked_seconds": day.booked_seconds,
            "presence_seconds": day.presence_seconds,
            "target_seconds": day.target_seconds,
            "gap_seconds": day.gap_seconds,
        },
    }


def pending_as_json(change: PendingChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "kind": change.kind,
        "entity": change.entity,
        "target_id": change.target_id,
        "state": change.state,
        "created_at": change.created_at.isoformat(),
        "summary": change.summary,
        "parked_message": change.parked_message,
        "last_error": change.last_error,
        "attempts": change.attempts,
    }


def print_projects(projects: Sequence[AssignedProject]) -> None:
    if not projects:
        print(tr("cli.projects.none"))
        return
    for project in sorted(projects, key=lambda p: (p.identifier or "", p.name.lower())):
        customer = f" ({project.customer.name})" if project.customer else ""
        print(f"{project.identifier:<8} {project.name}{customer}  [id {project.id}]")
        for task in project.tasks:
            if task.active:
                print(f"         - {task.name}  [id {task.id}]")


def print_day(day: DayView) -> None:
    print(tr("cli.day.header", date=day.date.strftime("%a %Y-%m-%d")))
    if not day.entries:
        print("  " + tr("cli.day.no_entries"))
    for entry in day.entries:
        activity = entry.activity
        marks = []
        if activity.is_running:
            marks.append(tr("cli.day.running"))
        if entry.pending:
            marks.append(tr("cli.day.pending"))
        if not activity.billable:
            marks.append(tr("cli.day.non_billable"))
        suffix = f"  ({', '.join(marks)})" if marks else ""
        duration = format_duration(activity.elapsed_seconds(day.now), "clock")
        print(
            f"  {duration:>6}  {activity.project.name} / {activity.task.name}"
            f"  {activity.description}{suffix}  [id {activity.id}]"
        )
    if day.presences:
        print(tr("cli.day.presences"))
        for view in day.presences:
            presence = view.presence
            end = format_clock_time(presence.to_time) if presence.to_time else tr("cli.day.open")
            extras = [tr("cli.day.home_office")] if presence.is_home_office else []
            if view.pending:
                extras.append(tr("cli.day.pending"))
            suffix = f"  ({', '.join(extras)})" if extras else ""
            print(f"  {format_clock_time(presence.from_time)}–{end}{suffix}")
    print(
        tr(
            "cli.day.totals",
            booked=format_duration(day.booked_seconds, "clock"),
            target=format_duration(day.target_seconds, "clock"),
            presence=format_duration(day.presence_seconds, "clock"),
        )
    )
