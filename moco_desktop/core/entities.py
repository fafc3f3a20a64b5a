"""The MOCO entities the app works with, as immutable, typed values.

These are what every layer passes around. `api.dto` builds them from MOCO's JSON (ignoring
unknown fields), `storage` persists them, `services` and `ui` show them. Timestamps are always
timezone-aware; calendar dates are `datetime.date`; presence times are `datetime.time`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field

from moco_desktop.core.records import record


class ApiKey:
    """A MOCO API key that never shows itself in `repr`, `str`, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        value = value.strip()
        if not value:
            raise ValueError("empty API key")
        self._value = value

    def reveal(self) -> str:
        """The key itself, for the Authorization header and the keyring only."""
        return self._value

    def fingerprint(self) -> str:
        """A short, non-reversible tag to tell keys apart (e.g. one rate limiter per key)."""
        import hashlib

        return hashlib.sha256(self._value.encode()).hexdigest()[:12]

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@record
class LoginResult:
    """What `POST /session` returns: the user's API key and id."""

    api_key: ApiKey
    user_id: int


@record
class SessionInfo:
    """What `GET /session` returns for a valid key: the key's user."""

    user_id: int
    uuid: str | None = None


@record
class UserRef:
    """A user as embedded in other entities."""

    id: int
    firstname: str = ""
    lastname: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.firstname} {self.lastname}".strip()


@record
class Unit:
    id: int
    name: str


@record
class Profile:
    """`GET /profile`: the current (or impersonated) user."""

    id: int
    email: str
    firstname: str
    lastname: str
    active: bool = True
    external: bool = False
    unit: Unit | None = None
    avatar_url: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.firstname} {self.lastname}".strip()


@record
class User:
    """An entry of `GET /users` (staff only)."""

    id: int
    firstname: str
    lastname: str
    active: bool = True
    email: str | None = None
    unit: Unit | None = None

    @property
    def full_name(self) -> str:
        return f"{self.firstname} {self.lastname}".strip()


@record
class CustomerRef:
    id: int
    name: str


@record
class Task:
    """A task (service) of a project."""

    id: int
    name: str
    active: bool = True
    billable: bool = True


@record
class AssignedProject:
    """An entry of `GET /projects/assigned`: a project the user may book on, with its tasks."""

    id: int
    identifier: str
    name: str
    customer: CustomerRef | None
    tasks: tuple[Task, ...] = ()
    active: bool = True
    billable: bool = True
    contract_active: bool = True

    def task(self, task_id: int) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)


@record
class NamedRef:
    """An embedded `{id, name}` (project or task inside an activity)."""

    id: int
    name: str
    billable: bool = True


@record
class Activity:
    """A time entry ("Zeiteintrag"). A running timer has `timer_started_at` set (UTC)."""

    id: int
    date: dt.date
    seconds: int
    description: str
    project: NamedRef
    task: NamedRef
    customer: CustomerRef | None
    user: UserRef
    billable: bool = True
    billed: bool = False
    locked: bool = False
    tag: str = ""
    remote_service: str | None = None
    remote_id: str | None = None
    remote_url: str | None = None
    worked_seconds: int | None = None
    timer_started_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    @property
    def is_running(self) -> bool:
        return self.timer_started_at is not None

    def elapsed_seconds(self, now: dt.datetime) -> int:
        """Seconds booked so far, including the running timer's part (never negative)."""
        if self.timer_started_at is None:
            return self.seconds
        running = int((now - self.timer_started_at).total_seconds())
        return self.seconds + max(0, running)


@record
class Presence:
    """A presence ("Arbeitszeit"): from/to as local wall-clock times; `to` None while open."""

    id: int
    date: dt.date
    from_time: dt.time
    to_time: dt.time | None
    is_home_office: bool = False
    user: UserRef | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.to_time is None


@record
class WorkPattern:
    """Hours per weekday, Monday first (five or seven values), morning and afternoon."""

    am: tuple[float, ...]
    pm: tuple[float, ...]

    def hours_on(self, day: dt.date) -> float:
        index = day.weekday()
        am = self.am[index] if index < len(self.am) else 0.0
        pm = self.pm[index] if index < len(self.pm) else 0.0
        return am + pm


@record
class Employment:
    """`GET /users/employments`: weekly target and per-weekday pattern, valid from/to."""

    id: int
    weekly_target_hours: float
    pattern: WorkPattern
    from_date: dt.date
    to_date: dt.date | None
    user: UserRef | None = None

    def covers(self, day: dt.date) -> bool:
        return self.from_date <= day and (self.to_date is None or day <= self.to_date)


@record
class Assignment:
    """What a schedule entry is: an absence kind (holiday, sickness, ...) or a project."""

    id: int
    name: str
    code: str | None = None
    type: str = "Absence"
    color: str | None = None


@record
class Schedule:
    """`GET /schedules`: an absence (or public holiday) for a half or whole day."""

    id: int
    date: dt.date
    am: bool
    pm: bool
    assignment: Assignment
    comment: str = ""
    user: UserRef | None = None


@record
class PlanningProjectRef:
    id: int
    identifier: str
    name: str
    customer_name: str = ""


@record
class PlanningEntry:
    """`GET /planning_entries`: planned hours per day on a project (and task)."""

    id: int
    starts_on: dt.date
    ends_on: dt.date
    hours_per_day: float
    title: str = ""
    comment: str = ""
    project: PlanningProjectRef | None = None
    task: NamedRef | None = None
    user: UserRef | None = None
    tentative: bool = False

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


@record
class PerformanceYear:
    year: int
    target_hours: float
    hours_tracked_total: float
    variation: float
    variation_until_today: float
    hours_billable_total: float
    employment_hours: float


@record
class PerformanceMonth:
    year: int
    month: int
    target_hours: float
    hours_tracked_total: float
    variation: float
    hours_billable_total: float


@record
class PerformanceReport:
    """`GET /users/{id}/performance_report`: tracked vs target hours, per year and month."""

    annually: PerformanceYear
    monthly: tuple[PerformanceMonth, ...] = field(default_factory=tuple)
