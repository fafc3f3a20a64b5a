"""What a user is expected to work: `/users/employments`, `/schedules`, `/planning_entries`.

Read-only. Staff see everyone's, other users their own (public holidays are schedules of each
user with absence code 2).
"""

from __future__ import annotations

import datetime as dt

from moco_desktop.demo.routing import RequestContext, Response, Router, message, not_found
from moco_desktop.demo.serializers import (
    employment_json,
    planning_entry_json,
    schedule_json,
)
from moco_desktop.demo.state import EmploymentRecord, PlanningEntryRecord, ScheduleRecord


def register(router: Router) -> None:
    router.add("GET", "/users/employments", list_employments)
    router.add("GET", "/users/employments/{id}", show_employment)
    router.add("GET", "/schedules", list_schedules)
    router.add("GET", "/schedules/{id}", show_schedule)
    router.add("GET", "/planning_entries", list_planning_entries)
    router.add("GET", "/planning_entries/{id}", show_planning_entry)


def list_employments(ctx: RequestContext) -> Response:
    """`from` (and optional `to`): employments in effect during that range."""
    user_id = ctx.query_int("user_id")
    start, end = ctx.query_date("from"), ctx.query_date("to")

    def wanted(employment: EmploymentRecord) -> bool:
        return (
            ctx.can_see_user(employment.user_id)
            and (user_id is None or employment.user_id == user_id)
            and (start is None or employment.to_date is None or employment.to_date >= start)
            and (end is None or employment.from_date <= end)
        )

    found = sorted(
        filter(wanted, ctx.state.employments.values()), key=lambda e: (e.user_id, e.from_date)
    )
    return ctx.paginate(found, lambda employment: employment_json(ctx.state, employment))


def show_employment(ctx: RequestContext) -> Response:
    employment = ctx.state.employments.get(ctx.param_id())
    if employment is None or not ctx.can_see_user(employment.user_id):
        raise not_found()
    return Response(200, employment_json(ctx.state, employment))


def list_schedules(ctx: RequestContext) -> Response:
    user_id = ctx.query_int("user_id")
    start, end = ctx.query_date("from"), ctx.query_date("to")
    codes = ctx.query_ints("absence_code")

    def wanted(schedule: ScheduleRecord) -> bool:
        return (
            ctx.can_see_user(schedule.user_id)
            and (user_id is None or schedule.user_id == user_id)
            and (start is None or schedule.date >= start)
            and (end is None or schedule.date <= end)
            and (codes is None or schedule.absence_code in codes)
        )

    found = sorted(
        filter(wanted, ctx.state.schedules.values()), key=lambda s: (s.date, s.user_id, s.id)
    )
    return ctx.paginate(found, lambda schedule: schedule_json(ctx.state, schedule))


def show_schedule(ctx: RequestContext) -> Response:
    schedule = ctx.state.schedules.get(ctx.param_id())
    if schedule is None or not ctx.can_see_user(schedule.user_id):
        raise not_found()
    return Response(200, schedule_json(ctx.state, schedule))


def list_planning_entries(ctx: RequestContext) -> Response:
    """`period=YYYY-MM-DD:YYYY-MM-DD` (or `from`/`to`), `user_id`, `project_id`."""
    start, end = ctx.query_date("from"), ctx.query_date("to")
    period = ctx.query.get("period", "").strip()
    if period:
        first, _, last = period.partition(":")
        try:
            start, end = _period_bounds(first, last)
        except ValueError:
            raise message(422, "period must be YYYY-MM-DD:YYYY-MM-DD") from None
    user_id, project_id = ctx.query_int("user_id"), ctx.query_int("project_id")

    def wanted(entry: PlanningEntryRecord) -> bool:
        return (
            ctx.can_see_user(entry.user_id)
            and (user_id is None or entry.user_id == user_id)
            and (project_id is None or entry.project_id == project_id)
            and (start is None or entry.ends_on >= start)
            and (end is None or entry.starts_on <= end)
        )

    found = sorted(
        filter(wanted, ctx.state.planning_entries.values()),
        key=lambda e: (e.starts_on, e.user_id, e.id),
    )
    return ctx.paginate(found, lambda entry: planning_entry_json(ctx.state, entry))


def _period_bounds(first: str, last: str) -> tuple[dt.date, dt.date]:
    return dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip())


def show_planning_entry(ctx: RequestContext) -> Response:
    entry = ctx.state.planning_entries.get(ctx.param_id())
    if entry is None or not ctx.can_see_user(entry.user_id):
        raise not_found()
    return Response(200, planning_entry_json(ctx.state, entry))
