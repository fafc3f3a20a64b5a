"""`/activities`: time entries and their timers.

Visibility: staff see every user's activities, everyone else only their own; without
`user_id` the list holds every activity the acting user can see (for staff: colleagues' too,
the trap REAL-BEHAVIOUR.md warns about). Entries one cannot see answer 404. Staff may edit
and delete colleagues' entries; timers only work on the acting user's own entries.
Billed or locked entries refuse changes with 422 `{"message": ...}`.
"""

from __future__ import annotations

from typing import Any

from moco_desktop.demo import rules
from moco_desktop.demo.routing import (
    BLANK,
    INVALID,
    NOT_A_NUMBER,
    NOT_INCLUDED,
    NOT_NEGATIVE,
    FieldErrors,
    RequestContext,
    Response,
    Router,
    body_bool,
    body_date,
    body_int,
    body_number,
    body_text,
    is_blank,
    message,
    not_found,
    unprocessable,
)
from moco_desktop.demo.serializers import activity_json
from moco_desktop.demo.state import ActivityRecord, ProjectRecord, UserRecord

REMOTE_SERVICES = frozenset(
    {
        "trello",
        "jira",
        "asana",
        "basecamp",
        "wunderlist",
        "basecamp2",
        "basecamp3",
        "toggl",
        "mite",
        "github",
        "youtrack",
    }
)
TIMER_NOT_TODAY = "Timer can only be started on the current day"
TIMER_ALREADY_RUNNING = "Timer is already running"
TIMER_NOT_RUNNING = "Timer is not running"
LOCKED = "Activity is billed or locked and can't be changed."


def register(router: Router) -> None:
    router.add("GET", "/activities", list_activities)
    router.add("GET", "/activities/{id}", show_activity)
    router.add("POST", "/activities", create_activity)
    router.add("PUT", "/activities/{id}", update_activity)
    router.add("PATCH", "/activities/{id}", update_activity)
    router.add("DELETE", "/activities/{id}", delete_activity)
    router.add("PATCH", "/activities/{id}/start_timer", start_timer)
    router.add("PATCH", "/activities/{id}/stop_timer", stop_timer)


def list_activities(ctx: RequestContext) -> Response:
    state = ctx.state
    start, end = ctx.query_date("from"), ctx.query_date("to")
    user_id, project_id = ctx.query_int("user_id"), ctx.query_int("project_id")
    task_id, company_id = ctx.query_int("task_id"), ctx.query_int("company_id")
    billable, billed = ctx.query_bool("billable"), ctx.query_bool("billed")
    updated_after = ctx.query_timestamp("updated_after")
    ids = ctx.query_ints("ids")
    term = ctx.query.get("term", "").strip().casefold()

    # The cheap and selective tests first (the refresh's `updated_after` passes almost
    # nothing): a big account's request went through every entry of the account, looking up
    # each one's project, in ~4-7 ms, the part of a refresh's time that varied most.
    def wanted(activity: ActivityRecord) -> bool:
        return (
            (updated_after is None or activity.updated_at > updated_after)
            and (start is None or activity.date >= start)
            and (end is None or activity.date <= end)
            and (user_id is None or activity.user_id == user_id)
            and ctx.can_see_user(activity.user_id)
            and (project_id is None or activity.project_id == project_id)
            and (task_id is None or activity.task_id == task_id)
            and (
                company_id is None or state.projects[activity.project_id].customer_id == company_id
            )
            and (billable is None or activity.billable == billable)
            and (billed is None or activity.billed == billed)
            and (ids is None or activity.id in ids)
            and (not term or _mentions(activity, term))
        )

    found = sorted(filter(wanted, state.activities.values()), key=lambda a: (a.date, a.id))
    return ctx.paginate(found, lambda activity: activity_json(state, activity))


def _mentions(activity: ActivityRecord, term: str) -> bool:
    texts = (activity.description, activity.tag, activity.remote_id or "")
    return any(term in text.casefold() for text in texts)


def show_activity(ctx: RequestContext) -> Response:
    return Response(200, activity_json(ctx.state, _visible(ctx)))


def create_activity(ctx: RequestContext) -> Response:
    """Create for the acting user; for today with no seconds its timer starts at once."""
    changes = _validated_changes(ctx, None, ctx.user)
    state = ctx.state
    project = state.projects[changes["project_id"]]
    task = project.task(changes["task_id"])
    assert task is not None
    activity = state.add_activity(
        ctx.user.id,
        project.id,
        task.id,
        changes["date"],
        changes.get("seconds", 0),
        changes.get("description", ""),
        billable=changes.get("billable", project.billable and task.billable),
        tag=changes.get("tag", ""),
        remote_service=changes.get("remote_service", ""),
        remote_id=changes.get("remote_id"),
        remote_url=changes.get("remote_url"),
        updated_at=ctx.now_utc,
    )
    if activity.date == ctx.today and activity.seconds == 0:
        rules.start_timer(state, activity, ctx.now)
    return Response(200, activity_json(state, activity))


def update_activity(ctx: RequestContext) -> Response:
    """PUT and PATCH both change only the fields sent."""
    activity = _visible(ctx)
    _refuse_if_locked(activity)
    owner = ctx.state.user(activity.user_id) or ctx.user
    changes = _validated_changes(ctx, activity, owner)
    if "project_id" in changes:
        activity.hourly_rate = ctx.state.projects[changes["project_id"]].hourly_rate
    for name, value in changes.items():
        setattr(activity, name, value)
    activity.updated_at = ctx.now_utc
    return Response(200, activity_json(ctx.state, activity))


def delete_activity(ctx: RequestContext) -> Response:
    activity = _visible(ctx)
    _refuse_if_locked(activity)
    del ctx.state.activities[activity.id]
    return Response(204)


def start_timer(ctx: RequestContext) -> Response:
    activity = _own(ctx)
    _refuse_if_locked(activity)
    if activity.date != ctx.today:
        raise unprocessable({"base": [TIMER_NOT_TODAY]})
    if activity.is_running:
        raise unprocessable({"base": [TIMER_ALREADY_RUNNING]})
    rules.start_timer(ctx.state, activity, ctx.now)
    return Response(200, activity_json(ctx.state, activity))


def stop_timer(ctx: RequestContext) -> Response:
    activity = _own(ctx)
    if not activity.is_running:
        raise unprocessable({"base": [TIMER_NOT_RUNNING]})
    rules.stop_timer(ctx.state, activity, ctx.now)
    return Response(200, activity_json(ctx.state, activity))


# ---------------------------------------------------------------------------------- helpers
def _visible(ctx: RequestContext) -> ActivityRecord:
    activity = ctx.state.activities.get(ctx.param_id())
    if activity is None or not ctx.can_see_user(activity.user_id):
        raise not_found()
    return activity


def _own(ctx: RequestContext) -> ActivityRecord:
    activity = ctx.state.activities.get(ctx.param_id())
    if activity is None or activity.user_id != ctx.user.id:
        raise not_found()
    return activity


def _refuse_if_locked(activity: ActivityRecord) -> None:
    if activity.billed or activity.locked:
        raise message(422, LOCKED)


def _validated_changes(
    ctx: RequestContext, existing: ActivityRecord | None, owner: UserRecord
) -> dict[str, Any]:
    """The body's fields as record values; raises MOCO's German 422 field map if invalid.

    Creating requires date, project and task; updating checks only the fields sent (and the
    task again when the project changes).
    """
    body, errors = ctx.body, FieldErrors()
    changes: dict[str, Any] = {}
    creating = existing is None

    if creating or "date" in body:
        day = body_date(body.get("date"))
        if is_blank(body.get("date")):
            errors.add("date", BLANK)
        elif day is None:
            errors.add("date", INVALID)
        else:
            changes["date"] = day

    project = ctx.state.project(existing.project_id) if existing else None
    if creating or "project_id" in body:
        project = _bookable_project(ctx, body.get("project_id"), owner, errors)
        if project is not None:
            changes["project_id"] = project.id

    if creating or "task_id" in body or "project_id" in changes:
        raw_task = body.get("task_id", existing.task_id if existing else None)
        task_id = body_int(raw_task)
        task = project.task(task_id) if project is not None and task_id is not None else None
        if is_blank(raw_task):
            errors.add("task_id", BLANK)
        elif project is not None and (task is None or not task.active):
            errors.add("task_id", INVALID)
        elif task is not None:
            changes["task_id"] = task.id

    _read_seconds(body, errors, changes)
    for name in ("description", "tag"):
        if name in body:
            changes[name] = body_text(body[name])
    if body.get("billable") is not None:
        changes["billable"] = body_bool(body["billable"])
    if "remote_service" in body:
        service = body_text(body["remote_service"]).strip()
        if service and service not in REMOTE_SERVICES:
            errors.add("remote_service", NOT_INCLUDED)
        else:
            changes["remote_service"] = service
    for name in ("remote_id", "remote_url"):
        if name in body:
            changes[name] = None if is_blank(body[name]) else body_text(body[name])

    errors.raise_if_any()
    return changes


def _bookable_project(
    ctx: RequestContext, raw: Any, owner: UserRecord, errors: FieldErrors
) -> ProjectRecord | None:
    """The project if `owner` may book on it (active, with an active contract)."""
    if is_blank(raw):
        errors.add("project_id", BLANK)
        return None
    project_id = body_int(raw)
    project = ctx.state.project(project_id) if project_id is not None else None
    contract = project.contract_of(owner.id) if project else None
    if project is None or not project.active or contract is None or not contract.active:
        errors.add("project_id", INVALID)
        return None
    return project


def _read_seconds(body: dict[str, Any], errors: FieldErrors, changes: dict[str, Any]) -> None:
    """`seconds`, or the deprecated `hours` when no seconds are sent."""
    if not is_blank(body.get("seconds")):
        field, factor = "seconds", 1.0
    elif not is_blank(body.get("hours")):
        field, factor = "hours", 3600.0  # deprecated, still accepted
    else:
        return
    number = body_number(body[field])
    if number is None:
        errors.add(field, NOT_A_NUMBER)
    elif number < 0:
        errors.add(field, NOT_NEGATIVE)
    else:
        changes["seconds"] = int(number) if field == "seconds" else round(number * factor)
