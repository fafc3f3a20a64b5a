"""The data behind the embedded MOCO server: plain records, id counters and one lock.

Tests read and change it directly (hold `state.lock` while the server runs). The helpers
(`add_user`, `add_project`, `add_activity`, ...) store records as given, without MOCO's
validation; the HTTP handlers are where MOCO's rules apply.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import secrets
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from moco_desktop.demo.clock import Clock, SystemClock

# Absence codes of `GET /schedules` (MOCO's numbering).
UNPLANNABLE_ABSENCE = 1
PUBLIC_HOLIDAY = 2
SICK_DAY = 3
HOLIDAY = 4
ABSENCE = 5

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(slots=True)
class UnitRecord:
    id: int
    name: str


@dataclass(slots=True)
class UserRecord:
    id: int
    firstname: str
    lastname: str
    email: str
    password: str
    api_key: str
    uuid: str
    staff: bool = False
    active: bool = True
    external: bool = False
    unit: UnitRecord | None = None
    mobile_phone: str = ""
    work_phone: str = ""
    tags: list[str] = field(default_factory=list)
    created_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    updated_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

    @property
    def full_name(self) -> str:
        return f"{self.firstname} {self.lastname}".strip()


@dataclass(slots=True)
class CustomerRecord:
    id: int
    name: str
    identifier: str = ""


@dataclass(slots=True)
class TaskRecord:
    id: int
    project_id: int
    name: str
    active: bool = True
    billable: bool = True
    hourly_rate: float = 0.0
    budget: float | None = None
    description: str = ""
    created_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    updated_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@dataclass(slots=True)
class ContractRecord:
    """A user's assignment to a project ("Projektzuordnung")."""

    id: int
    user_id: int
    active: bool = True
    billable: bool = True
    hourly_rate: float = 0.0


@dataclass(slots=True)
class ProjectRecord:
    id: int
    identifier: str
    name: str
    customer_id: int | None
    active: bool = True
    billable: bool = True
    color: str = "#4fa3e0"
    currency: str = "EUR"
    hourly_rate: float = 120.0
    leader_id: int | None = None
    tasks: list[TaskRecord] = field(default_factory=list)
    contracts: dict[int, ContractRecord] = field(default_factory=dict)  # by user id
    created_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    updated_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

    def task(self, task_id: int) -> TaskRecord | None:
        return next((task for task in self.tasks if task.id == task_id), None)

    def contract_of(self, user_id: int) -> ContractRecord | None:
        return self.contracts.get(user_id)


@dataclass(slots=True)
class ActivityRecord:
    id: int
    user_id: int
    project_id: int
    task_id: int
    date: dt.date
    seconds: int = 0
    description: str = ""
    billable: bool = True
    billed: bool = False
    locked: bool = False
    invoice_id: int | None = None
    tag: str = ""
    remote_service: str = ""
    remote_id: str | None = None
    remote_url: str | None = None
    hourly_rate: float = 0.0
    timer_started_at: dt.datetime | None = None  # UTC, whole seconds
    created_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    updated_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

    @property
    def is_running(self) -> bool:
        return self.timer_started_at is not None


@dataclass(slots=True)
class PresenceRecord:
    id: int
    user_id: int
    date: dt.date
    from_time: dt.time
    to_time: dt.time | None = None
    is_home_office: bool = False
    created_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    updated_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

    @property
    def is_open(self) -> bool:
        return self.to_time is None


@dataclass(slots=True)
class EmploymentRecord:
    """A weekly pattern ("Wochenmodell"): hours per weekday, Monday first, morning/afternoon."""

    id: int
    user_id: int
    am: list[float]
    pm: list[float]
    from_date: dt.date
    to_date: dt.date | None = None
    created_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    updated_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

    @property
    def weekly_target_hours(self) -> float:
        return round(sum(self.am) + sum(self.pm), 2)

    def covers(self, day: dt.date) -> bool:
        return self.from_date <= day and (self.to_date is None or day <= self.to_date)

    def hours_on(self, day: dt.date) -> tuple[float, float]:
        """(morning, afternoon) target hours on `day`; 0 outside the pattern's weekdays."""
        index = day.weekday()
        am = self.am[index] if index < len(self.am) else 0.0
        pm = self.pm[index] if index < len(self.pm) else 0.0
        return am, pm


@dataclass(slots=True)
class ScheduleRecord:
    """An absence or public holiday of one user for a half or whole day."""

    id: int
    user_id: int
    date: dt.date
    absence_code: int
    am: bool = True
    pm: bool = True
    comment: str = ""
    symbol: int | None = None
    created_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    updated_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@dataclass(slots=True)
class PlanningEntryRecord:
    id: int
    user_id: int
    project_id: int
    task_id: int | None
    starts_on: dt.date
    ends_on: dt.date
    hours_per_day: float
    title: str = ""
    comment: str = ""
    tentative: bool = False
    color: str = "#2965cc"
    created_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    updated_at: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return self.starts_on <= end and start <= self.ends_on


# Separate id ranges per kind, so an id used for the wrong kind of thing never finds anything.
_ID_BASES = {
    "unit": 10_001,
    "user": 933_590_001,
    "customer": 760_250_001,
    "project": 944_580_001,
    "task": 1_250_001,
    "contract": 458_630_001,
    "activity": 982_230_001,
    "presence": 5_410_001,
    "employment": 870_001,
    "schedule": 3_100_001,
    "planning_entry": 48_001,
}


def parse_clock_time(value: str | dt.time) -> dt.time:
    """'08:30' (or '8:30') to a time; raises ValueError for anything else."""
    if isinstance(value, dt.time):
        return value
    match = _TIME.match(value)
    if match is None:
        raise ValueError(f"not HH:MM: {value!r}")
    return dt.time(int(match[1]), int(match[2]))


class MocoState:
    """Everything the fake MOCO account holds. Guard access with `lock` while serving."""

    def __init__(self, *, clock: Clock | None = None, account_name: str = "Agentur Nord GmbH"):
        self.lock = threading.RLock()
        self.clock: Clock = clock or SystemClock()
        self.account_name = account_name
        # The account setting "user API keys disabled": every user key then answers 401.
        self.api_keys_disabled = False
        self.units: dict[int, UnitRecord] = {}
        self.users: dict[int, UserRecord] = {}
        self.customers: dict[int, CustomerRecord] = {}
        self.projects: dict[int, ProjectRecord] = {}
        self.activities: dict[int, ActivityRecord] = {}
        self.presences: dict[int, PresenceRecord] = {}
        self.employments: dict[int, EmploymentRecord] = {}
        self.schedules: dict[int, ScheduleRecord] = {}
        self.planning_entries: dict[int, PlanningEntryRecord] = {}
        self._counters = {kind: itertools.count(base) for kind, base in _ID_BASES.items()}

    # ----------------------------------------------------------------------------- basics
    def next_id(self, kind: str) -> int:
        with self.lock:
            return next(self._counters[kind])

    def now_utc(self) -> dt.datetime:
        return self.clock.now().astimezone(dt.UTC)

    # ----------------------------------------------------------------------------- lookups
    def user(self, user_id: int) -> UserRecord | None:
        return self.users.get(user_id)

    def user_by_api_key(self, api_key: str) -> UserRecord | None:
        return next((u for u in self.users.values() if u.api_key == api_key), None)

    def user_by_email(self, email: str) -> UserRecord | None:
        wanted = email.strip().casefold()
        return next((u for u in self.users.values() if u.email.casefold() == wanted), None)

    def project(self, project_id: int) -> ProjectRecord | None:
        return self.projects.get(project_id)

    def customer(self, customer_id: int | None) -> CustomerRecord | None:
        return None if customer_id is None else self.customers.get(customer_id)

    def activities_of(self, user_id: int) -> list[ActivityRecord]:
        with self.lock:
            found = [a for a in self.activities.values() if a.user_id == user_id]
        return sorted(found, key=lambda a: (a.date, a.id))

    def presences_of(self, user_id: int, day: dt.date | None = None) -> list[PresenceRecord]:
        with self.lock:
            found = [
                p
                for p in self.presences.values()
                if p.user_id == user_id and (day is None or p.date == day)
            ]
        return sorted(found, key=lambda p: (p.date, p.from_time, p.id))

    def running_timer(self, user_id: int) -> ActivityRecord | None:
        with self.lock:
            return next(
                (a for a in self.activities.values() if a.user_id == user_id and a.is_running),
                None,
            )

    def employments_of(self, user_id: int) -> list[EmploymentRecord]:
        with self.lock:
            return [e for e in self.employments.values() if e.user_id == user_id]

    def schedules_of(self, user_id: int) -> list[ScheduleRecord]:
        with self.lock:
            return [s for s in self.schedules.values() if s.user_id == user_id]

    # ----------------------------------------------------------------------------- builders
    def add_unit(self, name: str) -> UnitRecord:
        with self.lock:
            unit = UnitRecord(self.next_id("unit"), name)
            self.units[unit.id] = unit
            return unit

    def add_user(
        self,
        firstname: str,
        lastname: str,
        *,
        email: str | None = None,
        password: str = "demo",
        api_key: str | None = None,
        staff: bool = False,
        active: bool = True,
        external: bool = False,
        unit: UnitRecord | None = None,
    ) -> UserRecord:
        with self.lock:
            now = self.now_utc()
            user = UserRecord(
                id=self.next_id("user"),
                firstname=firstname,
                lastname=lastname,
                email=email or f"{firstname}.{lastname}@example.com".lower(),
                password=password,
                api_key=api_key or secrets.token_hex(16),
                uuid=str(uuid.uuid4()),
                staff=staff,
                active=active,
                external=external,
                unit=unit,
                created_at=now,
                updated_at=now,
            )
            self.users[user.id] = user
            return user

    def add_customer(self, name: str, *, identifier: str = "") -> CustomerRecord:
        with self.lock:
            customer = CustomerRecord(self.next_id("customer"), name, identifier)
            self.customers[customer.id] = customer
            return customer

    def add_project(
        self,
        name: str,
        *,
        customer: CustomerRecord | None = None,
        identifier: str | None = None,
        tasks: Iterable[str | tuple[str, bool]] = ("Entwicklung",),
        assigned: Iterable[int] = (),
        active: bool = True,
        billable: bool = True,
        hourly_rate: float = 120.0,
        leader_id: int | None = None,
        color: str = "#4fa3e0",
    ) -> ProjectRecord:
        """A project with tasks (a name, or (name, billable)) and the given users assigned."""
        with self.lock:
            now = self.now_utc()
            project_id = self.next_id("project")
            project = ProjectRecord(
                id=project_id,
                identifier=identifier or f"P{len(self.projects) + 1:04d}",
                name=name,
                customer_id=customer.id if customer else None,
                active=active,
                billable=billable,
                hourly_rate=hourly_rate,
                leader_id=leader_id,
                color=color,
                created_at=now,
                updated_at=now,
            )
            self.projects[project_id] = project
            for task in tasks:
                task_name, task_billable = task if isinstance(task, tuple) else (task, billable)
                self.add_task(project, task_name, billable=task_billable)
            for user_id in assigned:
                self.assign(project, user_id)
            return project

    def add_task(
        self,
        project: ProjectRecord,
        name: str,
        *,
        active: bool = True,
        billable: bool = True,
        hourly_rate: float = 0.0,
    ) -> TaskRecord:
        with self.lock:
            now = self.now_utc()
            task = TaskRecord(
                id=self.next_id("task"),
                project_id=project.id,
                name=name,
                active=active,
                billable=billable,
                hourly_rate=hourly_rate,
                created_at=now,
                updated_at=now,
            )
            project.tasks.append(task)
            return task

    def assign(self, project: ProjectRecord, user_id: int, *, active: bool = True) -> None:
        with self.lock:
            project.contracts[user_id] = ContractRecord(
                self.next_id("contract"), user_id, active=active, billable=project.billable
            )

    def add_activity(
        self,
        user_id: int,
        project_id: int,
        task_id: int,
        date: dt.date,
        seconds: int = 0,
        description: str = "",
        *,
        billable: bool | None = None,
        billed: bool = False,
        locked: bool = False,
        tag: str = "",
        remote_service: str = "",
        remote_id: str | None = None,
        remote_url: str | None = None,
        timer_started_at: dt.datetime | None = None,
        updated_at: dt.datetime | None = None,
    ) -> ActivityRecord:
        """Store an activity as given (no validation); `billable` defaults to project and task."""
        with self.lock:
            project = self.projects[project_id]
            task = project.task(task_id)
            if billable is None:
                billable = project.billable and (task.billable if task else True)
            stamp = updated_at or self.now_utc()
            activity = ActivityRecord(
                id=self.next_id("activity"),
                user_id=user_id,
                project_id=project_id,
                task_id=task_id,
                date=date,
                seconds=seconds,
                description=description,
                billable=billable,
                billed=billed,
                locked=locked,
                tag=tag,
                remote_service=remote_service,
                remote_id=remote_id,
                remote_url=remote_url,
                hourly_rate=project.hourly_rate,
                timer_started_at=(
                    timer_started_at.astimezone(dt.UTC).replace(microsecond=0)
                    if timer_started_at
                    else None
                ),
                created_at=stamp,
                updated_at=stamp,
            )
            self.activities[activity.id] = activity
            return activity

    def add_presence(
        self,
        user_id: int,
        date: dt.date,
        from_time: str | dt.time,
        to_time: str | dt.time | None = None,
        *,
        is_home_office: bool = False,
        updated_at: dt.datetime | None = None,
    ) -> PresenceRecord:
        """Store a presence as given ('HH:MM' strings or times; no overlap check)."""
        with self.lock:
            stamp = updated_at or self.now_utc()
            presence = PresenceRecord(
                id=self.next_id("presence"),
                user_id=user_id,
                date=date,
                from_time=parse_clock_time(from_time),
                to_time=None if to_time is None else parse_clock_time(to_time),
                is_home_office=is_home_office,
                created_at=stamp,
                updated_at=stamp,
            )
            self.presences[presence.id] = presence
            return presence

    def add_employment(
        self,
        user_id: int,
        *,
        am: Sequence[float] = (4, 4, 4, 4, 4),
        pm: Sequence[float] = (4, 4, 4, 4, 4),
        from_date: dt.date = dt.date(2020, 1, 1),
        to_date: dt.date | None = None,
    ) -> EmploymentRecord:
        with self.lock:
            now = self.now_utc()
            employment = EmploymentRecord(
                id=self.next_id("employment"),
                user_id=user_id,
                am=[float(h) for h in am],
                pm=[float(h) for h in pm],
                from_date=from_date,
                to_date=to_date,
                created_at=now,
                updated_at=now,
            )
            self.employments[employment.id] = employment
            return employment

    def add_schedule(
        self,
        user_id: int,
        date: dt.date,
        absence_code: int = HOLIDAY,
        *,
        am: bool = True,
        pm: bool = True,
        comment: str = "",
    ) -> ScheduleRecord:
        with self.lock:
            now = self.now_utc()
            schedule = ScheduleRecord(
                id=self.next_id("schedule"),
                user_id=user_id,
                date=date,
                absence_code=absence_code,
                am=am,
                pm=pm,
                comment=comment,
                created_at=now,
                updated_at=now,
            )
            self.schedules[schedule.id] = schedule
            return schedule

    def add_public_holiday(self, date: dt.date, name: str) -> list[ScheduleRecord]:
        """A public holiday is a whole-day schedule with code 2 for every active user."""
        with self.lock:
            return [
                self.add_schedule(user.id, date, PUBLIC_HOLIDAY, comment=name)
                for user in list(self.users.values())
                if user.active
            ]

    def add_planning_entry(
        self,
        user_id: int,
        project_id: int,
        starts_on: dt.date,
        ends_on: dt.date,
        hours_per_day: float,
        *,
        task_id: int | None = None,
        title: str = "",
        comment: str = "",
        tentative: bool = False,
    ) -> PlanningEntryRecord:
        with self.lock:
            now = self.now_utc()
            entry = PlanningEntryRecord(
                id=self.next_id("planning_entry"),
                user_id=user_id,
                project_id=project_id,
                task_id=task_id,
                starts_on=starts_on,
                ends_on=ends_on,
                hours_per_day=hours_per_day,
                title=title,
                comment=comment,
                tentative=tentative,
                color=self.projects[project_id].color,
                created_at=now,
                updated_at=now,
            )
            self.planning_entries[entry.id] = entry
            return entry
