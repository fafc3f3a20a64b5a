"""MOCO's JSON shapes for the embedded server's records (as in the API docs' examples).

Timestamps are UTC ISO 8601 with whole seconds and a `Z`; dates are `YYYY-MM-DD`; presence
times are `HH:MM`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from moco_desktop.demo.state import (
    ABSENCE,
    HOLIDAY,
    PUBLIC_HOLIDAY,
    SICK_DAY,
    UNPLANNABLE_ABSENCE,
    ActivityRecord,
    EmploymentRecord,
    MocoState,
    PlanningEntryRecord,
    PresenceRecord,
    ProjectRecord,
    ScheduleRecord,
    TaskRecord,
    UserRecord,
)

Json = dict[str, Any]

# The account's absence kinds, as `assignment` of a schedule.
ABSENCE_KINDS: dict[int, tuple[int, str, str]] = {
    UNPLANNABLE_ABSENCE: (70_001, "Nicht planbar", "#d1d1d1"),
    PUBLIC_HOLIDAY: (70_002, "Feiertag", "#b2b2b2"),
    SICK_DAY: (70_003, "Krankheit", "#f59c9c"),
    HOLIDAY: (70_004, "Urlaub", "#9ccff5"),
    ABSENCE: (70_005, "Abwesenheit", "#f5d99c"),
}


def iso_utc(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hhmm(value: dt.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def user_ref(user: UserRecord | None, user_id: int = 0) -> Json:
    if user is None:
        return {"id": user_id, "firstname": "", "lastname": ""}
    return {"id": user.id, "firstname": user.firstname, "lastname": user.lastname}


def user_json(user: UserRecord) -> Json:
    return {
        "id": user.id,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "active": user.active,
        "extern": user.external,
        "email": user.email,
        "mobile_phone": user.mobile_phone,
        "work_phone": user.work_phone,
        "home_address": "",
        "info": "",
        "birthday": None,
        "avatar_url": None,
        "tags": list(user.tags),
        "custom_properties": {},
        "unit": {"id": user.unit.id, "name": user.unit.name} if user.unit else None,
        "role": None,
        "created_at": iso_utc(user.created_at),
        "updated_at": iso_utc(user.updated_at),
    }


def profile_json(user: UserRecord) -> Json:
    return {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "first_name": user.firstname,
        "last_name": user.lastname,
        "active": user.active,
        "external": user.external,
        "avatar_url": None,
        "unit": {"id": user.unit.id, "name": user.unit.name} if user.unit else None,
        "created_at": iso_utc(user.created_at),
        "updated_at": iso_utc(user.updated_at),
    }


def assigned_project_json(state: MocoState, project: ProjectRecord, user_id: int) -> Json:
    customer = state.customer(project.customer_id)
    contract = project.contract_of(user_id)
    return {
        "id": project.id,
        "identifier": project.identifier,
        "name": project.name,
        "active": project.active,
        "billable": project.billable,
        "customer": {"id": customer.id, "name": customer.name} if customer else None,
        "tasks": [
            {"id": t.id, "name": t.name, "active": t.active, "billable": t.billable}
            for t in project.tasks
        ],
        "contract": {"user_id": user_id, "active": contract.active if contract else False},
    }


def task_json(task: TaskRecord) -> Json:
    return {
        "id": task.id,
        "name": task.name,
        "billable": task.billable,
        "active": task.active,
        "budget": task.budget,
        "hourly_rate": task.hourly_rate,
        "revenue_category": None,
        "description": task.description,
        "created_at": iso_utc(task.created_at),
        "updated_at": iso_utc(task.updated_at),
    }


def activity_json(state: MocoState, activity: ActivityRecord) -> Json:
    project = state.projects[activity.project_id]
    task = project.task(activity.task_id)
    customer = state.customer(project.customer_id)
    return {
        "id": activity.id,
        "date": activity.date.isoformat(),
        "hours": round(activity.seconds / 3600, 2),
        "seconds": activity.seconds,
        "worked_seconds": activity.seconds,
        "description": activity.description,
        "billed": activity.billed,
        "invoice_id": activity.invoice_id,
        "billable": activity.billable,
        "locked": activity.locked,
        "tag": activity.tag,
        "remote_service": activity.remote_service,
        "remote_id": activity.remote_id,
        "remote_url": activity.remote_url,
        "project": {"id": project.id, "name": project.name, "billable": project.billable},
        "task": {
            "id": activity.task_id,
            "name": task.name if task else "",
            "billable": task.billable if task else True,
        },
        "customer": {"id": customer.id, "name": customer.name} if customer else None,
        "user": user_ref(state.user(activity.user_id), activity.user_id),
        "hourly_rate": activity.hourly_rate,
        "timer_started_at": iso_utc(activity.timer_started_at),
        "created_at": iso_utc(activity.created_at),
        "updated_at": iso_utc(activity.updated_at),
    }


def presence_json(state: MocoState, presence: PresenceRecord) -> Json:
    return {
        "id": presence.id,
        "date": presence.date.isoformat(),
        "from": hhmm(presence.from_time),
        "to": hhmm(presence.to_time),
        "is_home_office": presence.is_home_office,
        "user": user_ref(state.user(presence.user_id), presence.user_id),
        "created_at": iso_utc(presence.created_at),
        "updated_at": iso_utc(presence.updated_at),
    }


def employment_json(state: MocoState, employment: EmploymentRecord) -> Json:
    return {
        "id": employment.id,
        "weekly_target_hours": employment.weekly_target_hours,
        "pattern": {"am": list(employment.am), "pm": list(employment.pm)},
        "from": employment.from_date.isoformat(),
        "to": employment.to_date.isoformat() if employment.to_date else None,
        "user": user_ref(state.user(employment.user_id), employment.user_id),
        "created_at": iso_utc(employment.created_at),
        "updated_at": iso_utc(employment.updated_at),
    }


def schedule_json(state: MocoState, schedule: ScheduleRecord) -> Json:
    assignment_id, name, color = ABSENCE_KINDS.get(
        schedule.absence_code, (70_000 + schedule.absence_code, "Abwesenheit", "#bbbbbb")
    )
    return {
        "id": schedule.id,
        "date": schedule.date.isoformat(),
        "comment": schedule.comment,
        "am": schedule.am,
        "pm": schedule.pm,
        "symbol": schedule.symbol,
        "assignment": {
            "id": assignment_id,
            "name": name,
            "code": str(schedule.absence_code),
            "customer_name": state.account_name,
            "color": color,
            "type": "Absence",
        },
        "user": user_ref(state.user(schedule.user_id), schedule.user_id),
        "created_at": iso_utc(schedule.created_at),
        "updated_at": iso_utc(schedule.updated_at),
    }


def planning_entry_json(state: MocoState, entry: PlanningEntryRecord) -> Json:
    project = state.projects.get(entry.project_id)
    customer = state.customer(project.customer_id) if project else None
    task = project.task(entry.task_id) if project and entry.task_id else None
    return {
        "id": entry.id,
        "title": entry.title,
        "starts_on": entry.starts_on.isoformat(),
        "ends_on": entry.ends_on.isoformat(),
        "hours_per_day": entry.hours_per_day,
        "comment": entry.comment,
        "symbol": None,
        "color": entry.color,
        "read_only": False,
        "user": user_ref(state.user(entry.user_id), entry.user_id),
        "project": (
            {
                "id": project.id,
                "identifier": project.identifier,
                "name": project.name,
                "customer_name": customer.name if customer else "",
                "color": project.color,
            }
            if project
            else None
        ),
        "task": {"id": task.id, "name": task.name} if task else None,
        "deal": None,
        "series_id": None,
        "tentative": entry.tentative,
        "series_repeat": None,
        "created_at": iso_utc(entry.created_at),
        "updated_at": iso_utc(entry.updated_at),
    }
