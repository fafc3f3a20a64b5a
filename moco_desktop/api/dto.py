"""MOCO's JSON to the core entities (and the few values we send back as JSON).

Readers ignore fields they do not know and take `null` for optional ones in their stride.
Timestamps become timezone-aware UTC datetimes; presence times become `datetime.time`. A missing
or malformed required field (an `id`, a `date`) raises `ValueError`, `KeyError` or `TypeError`;
the client reports those as `UnexpectedResponseError`.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Mapping
from typing import Any, TypeVar

from moco_desktop.api.errors import InvalidTimeError
from moco_desktop.core.entities import (
    Activity,
    ApiKey,
    AssignedProject,
    Assignment,
    CustomerRef,
    Employment,
    LoginResult,
    NamedRef,
    PerformanceMonth,
    PerformanceReport,
    PerformanceYear,
    PlanningEntry,
    PlanningProjectRef,
    Presence,
    Profile,
    Schedule,
    SessionInfo,
    Task,
    Unit,
    User,
    UserRef,
    WorkPattern,
)

Json = Mapping[str, Any]
T = TypeVar("T")

_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# --- primitives ------------------------------------------------------------------------------


def _text(value: Any, default: str = "") -> str:
    return default if value is None else str(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _flag(value: Any, default: bool) -> bool:
    return default if value is None else bool(value)


def _number(value: Any) -> float:
    return 0.0 if value is None else float(value)


def _id(data: Json) -> int:
    return int(data["id"])


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _optional_date(value: Any) -> dt.date | None:
    return None if value in (None, "") else parse_date(value)


def parse_timestamp(value: Any) -> dt.datetime | None:
    """An ISO-8601 timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
    if value in (None, ""):
        return None
    stamp = dt.datetime.fromisoformat(str(value))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC)


def parse_time(value: Any) -> dt.time:
    """`HH:MM` (or `HH:MM:SS`) as a time of day."""
    text = str(value).strip()
    if len(text) == 8 and text[5] == ":":
        text = text[:5]
    match = _HH_MM.match(text)
    if not match:
        raise ValueError(f"not a time of day: {value!r}")
    return dt.time(int(match[1]), int(match[2]))


def format_time(value: dt.time | str) -> str:
    """A presence time as MOCO's `HH:MM`; anything else raises `InvalidTimeError` (MOCO answers
    a malformed time with a 500, so it must never be sent)."""
    if isinstance(value, dt.time):
        return f"{value.hour:02d}:{value.minute:02d}"
    match = _HH_MM.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise InvalidTimeError(value)
    return f"{int(match[1]):02d}:{match[2]}"


def format_timestamp(value: dt.datetime) -> str:
    """An aware datetime as MOCO's `updated_after` value (UTC, ISO 8601, `Z`)."""
    if value.tzinfo is None:
        raise ValueError("updated_after needs a timezone-aware datetime")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- embedded references ---------------------------------------------------------------------


# The same customer, project, task and user appear in thousands of activities of a big account:
# equal references are one shared (immutable) object, which saves memory and garbage-collector
# time. Bounded: the table starts over when it is full. perf (issue 7): 2,048 covers the
# references of any page or week; a bigger table only kept alive (~1 MiB after the first sync
# of a big account) references that no entry held any more.
_SHARED_LIMIT = 2_048
_shared: dict[tuple[Any, ...], Any] = {}


def _share(kind: type[T], *values: Any) -> T:
    """`kind(*values)`, the same object as last time for the same values."""
    key = (kind, *values)
    found: T | None = _shared.get(key)
    if found is None:
        if len(_shared) >= _SHARED_LIMIT:
            _shared.clear()
        found = _shared[key] = kind(*values)
    return found


def user_ref(data: Json | None) -> UserRef | None:
    if not data:
        return None
    firstname, lastname = _text(data.get("firstname")), _text(data.get("lastname"))
    return _share(UserRef, _id(data), firstname, lastname)


def _unit(data: Json | None) -> Unit | None:
    return Unit(id=_id(data), name=_text(data.get("name"))) if data else None


def _customer(data: Json | None) -> CustomerRef | None:
    return _share(CustomerRef, _id(data), _text(data.get("name"))) if data else None


def _named(data: Json) -> NamedRef:
    billable = _flag(data.get("billable"), True)
    return _share(NamedRef, _id(data), _text(data.get("name")), billable)


# --- entities --------------------------------------------------------------------------------


def login_result(data: Json) -> LoginResult:
    return LoginResult(api_key=ApiKey(str(data["api_key"])), user_id=int(data["user_id"]))


def session_info(data: Json) -> SessionInfo:
    return SessionInfo(user_id=_id(data), uuid=_optional_text(data.get("uuid")))


def profile(data: Json) -> Profile:
    return Profile(
        id=_id(data),
        email=_text(data.get("email")),
        firstname=_text(data.get("first_name", data.get("firstname"))),
        lastname=_text(data.get("last_name", data.get("lastname"))),
        active=_flag(data.get("active"), True),
        external=_flag(data.get("external", data.get("extern")), False),
        unit=_unit(data.get("unit")),
        avatar_url=_optional_text(data.get("avatar_url")),
    )


def user(data: Json) -> User:
    return User(
        id=_id(data),
        firstname=_text(data.get("firstname")),
        lastname=_text(data.get("lastname")),
        active=_flag(data.get("active"), True),
        email=_optional_text(data.get("email")),
        unit=_unit(data.get("unit")),
    )


def task(data: Json) -> Task:
    return Task(
        id=_id(data),
        name=sys.intern(_text(data.get("name"))),  # ten names, 20,000 tasks in a big account
        active=_flag(data.get("active"), True),
        billable=_flag(data.get("billable"), True),
    )


def assigned_project(data: Json) -> AssignedProject:
    contract = data.get("contract") or {}
    return AssignedProject(
        id=_id(data),
        identifier=_text(data.get("identifier")),
        name=_text(data.get("name")),
        customer=_customer(data.get("customer")),
        tasks=tuple(task(item) for item in data.get("tasks") or ()),
        active=_flag(data.get("active"), True),
        billable=_flag(data.get("billable"), True),
        contract_active=_flag(contract.get("active"), True),
    )


def activity(data: Json) -> Activity:
    worked = data.get("worked_seconds")
    return Activity(
        id=_id(data),
        date=parse_date(data["date"]),
        seconds=int(data.get("seconds") or round(_number(data.get("hours")) * 3600)),
        description=_text(data.get("description")),
        project=_named(data["project"]),
        task=_named(data["task"]),
        customer=_customer(data.get("customer")),
        user=user_ref(data.get("user")) or UserRef(id=0),
        billable=_flag(data.get("billable"), True),
        billed=_flag(data.get("billed"), False),
        locked=_flag(data.get("locked"), False),
        tag=_text(data.get("tag")),
        remote_service=_optional_text(data.get("remote_service")),
        remote_id=_optional_text(data.get("remote_id")),
        remote_url=_optional_text(data.get("remote_url")),
        worked_seconds=None if worked is None else int(worked),
        timer_started_at=parse_timestamp(data.get("timer_started_at")),
        created_at=parse_timestamp(data.get("created_at")),
        updated_at=parse_timestamp(data.get("updated_at")),
    )


def presence(data: Json) -> Presence:
    to_value = data.get("to")
    return Presence(
        id=_id(data),
        date=parse_date(data["date"]),
        from_time=parse_time(data["from"]),
        to_time=None if to_value in (None, "") else parse_time(to_value),
        is_home_office=_flag(data.get("is_home_office"), False),
        user=user_ref(data.get("user")),
        created_at=parse_timestamp(data.get("created_at")),
        updated_at=parse_timestamp(data.get("updated_at")),
    )


def employment(data: Json) -> Employment:
    pattern = data.get("pattern") or {}
    return Employment(
        id=_id(data),
        weekly_target_hours=_number(data.get("weekly_target_hours")),
        pattern=WorkPattern(
            am=tuple(_number(hours) for hours in pattern.get("am") or ()),
            pm=tuple(_number(hours) for hours in pattern.get("pm") or ()),
        ),
        from_date=parse_date(data["from"]),
        to_date=_optional_date(data.get("to")),
        user=user_ref(data.get("user")),
    )


def schedule(data: Json) -> Schedule:
    assignment = data.get("assignment") or {}
    return Schedule(
        id=_id(data),
        date=parse_date(data["date"]),
        am=_flag(data.get("am"), True),
        pm=_flag(data.get("pm"), True),
        assignment=Assignment(
            id=int(assignment.get("id") or 0),
            name=_text(assignment.get("name")),
            code=_optional_text(assignment.get("code")),
            type=_text(assignment.get("type"), "Absence"),
            color=_optional_text(assignment.get("color")),
        ),
        comment=_text(data.get("comment")),
        user=user_ref(data.get("user")),
    )


def planning_entry(data: Json) -> PlanningEntry:
    project = data.get("project")
    planned_task = data.get("task")
    return PlanningEntry(
        id=_id(data),
        starts_on=parse_date(data["starts_on"]),
        ends_on=parse_date(data["ends_on"]),
        hours_per_day=_number(data.get("hours_per_day")),
        title=_text(data.get("title")),
        comment=_text(data.get("comment")),
        project=PlanningProjectRef(
            id=_id(project),
            identifier=_text(project.get("identifier")),
            name=_text(project.get("name")),
            customer_name=_text(project.get("customer_name")),
        )
        if project
        else None,
        task=_named(planned_task) if planned_task else None,
        user=user_ref(data.get("user")),
        tentative=_flag(data.get("tentative"), False),
    )


def performance_report(data: Json) -> PerformanceReport:
    year = data["annually"]
    return PerformanceReport(
        annually=PerformanceYear(
            year=int(year["year"]),
            target_hours=_number(year.get("target_hours")),
            hours_tracked_total=_number(year.get("hours_tracked_total")),
            variation=_number(year.get("variation")),
            variation_until_today=_number(year.get("variation_until_today")),
            hours_billable_total=_number(year.get("hours_billable_total")),
            employment_hours=_number(year.get("employment_hours")),
        ),
        monthly=tuple(
            PerformanceMonth(
                year=int(month["year"]),
                month=int(month["month"]),
                target_hours=_number(month.get("target_hours")),
                hours_tracked_total=_number(month.get("hours_tracked_total")),
                variation=_number(month.get("variation")),
                hours_billable_total=_number(month.get("hours_billable_total")),
            )
            for month in data.get("monthly") or ()
        ),
    )
