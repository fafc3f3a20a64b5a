"""MOCO JSON (the examples from the API docs, copied verbatim) to core entities."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from moco_desktop.api import dto
from moco_desktop.api.errors import InvalidTimeError
from moco_desktop.core.entities import ApiKey, NamedRef, UserRef

UTC = dt.UTC

ACTIVITY_EXAMPLE: dict[str, Any] = {
    "id": 982237015,
    "date": "2018-07-03",
    "hours": 1.25,
    "seconds": 4500,
    "worked_seconds": 4500,
    "description": "Analysis context and dependencies",
    "billed": False,
    "invoice_id": None,
    "billable": False,
    "tag": "",
    "remote_service": "trello",
    "remote_id": "9qzOS8AA",
    "remote_url": "https://trello.com/c/9qzOS8AA/123-analyse",
    "project": {"id": 944587499, "name": "Website Relaunch", "billable": False},
    "task": {"id": 658636, "name": "Concept", "billable": False},
    "customer": {"id": 760253684, "name": "Example Inc."},
    "user": {"id": 933590696, "firstname": "John", "lastname": "Doe"},
    "hourly_rate": 150,
    "timer_started_at": None,
    "created_at": "2018-10-17T09:33:46Z",
    "updated_at": "2018-10-17T09:33:46Z",
}

PRESENCE_EXAMPLE: dict[str, Any] = {
    "id": 982237015,
    "date": "2018-07-03",
    "from": "07:30",
    "to": "13:15",
    "is_home_office": True,
    "user": {"id": 933590696, "firstname": "John", "lastname": "Doe"},
    "created_at": "2018-10-17T09:33:46Z",
    "updated_at": "2018-10-17T09:33:46Z",
}

ASSIGNED_PROJECTS_EXAMPLE: list[dict[str, Any]] = [
    {
        "id": 1234,
        "identifier": "P1900",
        "name": "Application",
        "active": False,
        "billable": True,
        "customer": {"id": 4567, "name": "A Company"},
        "tasks": [{"id": 573383, "name": "Integrations", "active": True, "billable": True}],
        "contract": {"user_id": 65455, "active": True},
    }
]

PROJECT_TASK_EXAMPLE: dict[str, Any] = {
    "id": 760253573,
    "name": "Projektleitung",
    "billable": True,
    "active": True,
    "budget": 2900,
    "hourly_rate": 120,
    "revenue_category": {
        "id": 126,
        "name": "Projektleitung",
        "revenue_account": 30058,
        "cost_category": "PM1",
    },
    "description": "A task description",
    "created_at": "2018-10-17T09:33:46Z",
    "updated_at": "2018-10-17T09:33:46Z",
}

USER_EXAMPLE: dict[str, Any] = {
    "id": 123,
    "firstname": "Max",
    "lastname": "Muster",
    "active": True,
    "extern": False,
    "email": "max.muster@beispiel.de",
    "mobile_phone": "+49 177 123 45 67",
    "work_phone": "+49 40 123 45 67",
    "home_address": "",
    "info": "",
    "birthday": "1970-01-01",
    "iban": "CH3181239000001245689",
    "avatar_url": "https//meinefirma.mocoapp.com/.../profil.jpg",
    "tags": ["Deutschland"],
    "custom_properties": {"Starting Month": "January 2015"},
    "unit": {"id": 456, "name": "Geschäftsleitung"},
    "role": {"id": 42, "name": "Entwickler"},
    "created_at": "2018-10-17T09:33:46Z",
    "updated_at": "2018-10-17T09:33:46Z",
}

EMPLOYMENT_EXAMPLE: dict[str, Any] = {
    "id": 982237015,
    "weekly_target_hours": 29.75,
    "pattern": {"am": [0, 4.25, 4.25, 4.25, 4.25], "pm": [0, 4.25, 4.25, 4.25, 0]},
    "from": "2017-01-01",
    "to": None,
    "user": {"id": 933590696, "firstname": "John", "lastname": "Doe"},
    "created_at": "2018-10-17T09:33:46Z",
    "updated_at": "2018-10-17T09:33:46Z",
}

SCHEDULE_EXAMPLE: dict[str, Any] = {
    "id": 123,
    "date": "2017-06-14",
    "comment": "Half day off",
    "am": True,
    "pm": True,
    "symbol": None,
    "assignment": {
        "id": 789,
        "name": "Holiday",
        "code": "4",
        "customer_name": "hundertzehn GmbH",
        "color": "#BBB",
        "type": "Absence",
    },
    "user": {"id": 567, "firstname": "Sabine", "lastname": "Schäuble"},
    "created_at": "2018-10-17T09:33:46Z",
    "updated_at": "2018-10-17T09:33:46Z",
}

PLANNING_ENTRY_EXAMPLE: dict[str, Any] = {
    "id": 4839,
    "title": "Project Management",
    "starts_on": "2020-05-04",
    "ends_on": "2020-05-04",
    "hours_per_day": 6.0,
    "comment": "",
    "symbol": None,
    "color": "#2965cc",
    "read_only": False,
    "user": {"id": 5484, "firstname": "Thomas", "lastname": "Munster"},
    "project": {
        "id": 4553,
        "identifier": "130",
        "name": "Support",
        "customer_name": "Acme GmbH",
        "color": "#faeb44",
    },
    "task": {"id": 6789, "name": "Projektleitung"},
    "deal": None,
    "series_id": None,
    "tentative": False,
    "series_repeat": None,
    "created_at": "2018-10-17T09:33:46Z",
    "updated_at": "2018-10-17T09:33:46Z",
}

PROFILE_EXAMPLE: dict[str, Any] = {
    "id": 237852983,
    "email": "janine.kuesters@meinefirma.de",
    "full_name": "Janine Küsters",
    "first_name": "Janine",
    "last_name": "Küsters",
    "active": True,
    "external": False,
    "avatar_url": "https://data.mocoapp.com/objects/6bf3db0a-895a-46a1-8006-6280af04b9c0.jpg",
    "unit": {"id": 436796, "name": "Design"},
    "created_at": "2018-10-17T09:33:46Z",
    "updated_at": "2022-08-02T14:21:56Z",
}

PERFORMANCE_REPORT_EXAMPLE: dict[str, Any] = {
    "annually": {
        "year": 2021,
        "employment_hours": 1670.4,
        "target_hours": 1606.4,
        "hours_tracked_total": 210.95,
        "variation": -1395.45,
        "variation_until_today": -0.25,
        "hours_billable_total": 190.95,
    },
    "monthly": [
        {
            "year": 2021,
            "month": 1,
            "target_hours": 128.0,
            "hours_tracked_total": 133.71,
            "variation": 5.71,
            "hours_billable_total": 113.95,
        },
        {
            "year": 2021,
            "month": 2,
            "target_hours": 128.0,
            "hours_tracked_total": 77.24,
            "variation": -50.76,
            "hours_billable_total": 67.95,
        },
    ],
}


def test_activity_example() -> None:
    activity = dto.activity(ACTIVITY_EXAMPLE)
    assert activity.id == 982237015
    assert activity.date == dt.date(2018, 7, 3)
    assert activity.seconds == 4500
    assert activity.worked_seconds == 4500
    assert activity.description == "Analysis context and dependencies"
    assert activity.project == NamedRef(944587499, "Website Relaunch", billable=False)
    assert activity.task == NamedRef(658636, "Concept", billable=False)
    assert activity.customer is not None
    assert activity.customer.name == "Example Inc."
    assert activity.user == UserRef(933590696, "John", "Doe")
    assert not activity.billable
    assert not activity.billed
    assert activity.tag == ""
    assert activity.remote_service == "trello"
    assert activity.remote_id == "9qzOS8AA"
    assert activity.remote_url == "https://trello.com/c/9qzOS8AA/123-analyse"
    assert not activity.is_running
    assert activity.created_at == dt.datetime(2018, 10, 17, 9, 33, 46, tzinfo=UTC)


def test_activities_share_equal_references() -> None:
    # Thousands of entries name the same few customers, projects, tasks and one user.
    first = dto.activity(ACTIVITY_EXAMPLE)
    second = dto.activity({**ACTIVITY_EXAMPLE, "id": 1, "description": "Another"})
    assert second.project is first.project
    assert second.customer is first.customer
    assert second.user is first.user
    renamed = dto.activity(
        {**ACTIVITY_EXAMPLE, "project": {**ACTIVITY_EXAMPLE["project"], "name": "New"}}
    )
    assert renamed.project.name == "New"
    assert first.project.name == "Website Relaunch"


def test_running_timer_parses_to_aware_utc_and_elapses() -> None:
    running = dto.activity({**ACTIVITY_EXAMPLE, "timer_started_at": "2018-07-03T10:00:00Z"})
    assert running.is_running
    assert running.timer_started_at == dt.datetime(2018, 7, 3, 10, 0, tzinfo=UTC)
    assert running.timer_started_at is not None
    assert running.timer_started_at.utcoffset() == dt.timedelta(0)
    later = dt.datetime(2018, 7, 3, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert running.elapsed_seconds(later) == 4500 + 30 * 60


def test_timestamps_with_offsets_and_without_zone_become_utc() -> None:
    assert dto.parse_timestamp("2018-07-03T12:00:00+02:00") == dt.datetime(
        2018, 7, 3, 10, 0, tzinfo=UTC
    )
    assert dto.parse_timestamp("2018-07-03T12:00:00.123Z") == dt.datetime(
        2018, 7, 3, 12, 0, 0, 123000, tzinfo=UTC
    )
    assert dto.parse_timestamp("2018-07-03T12:00:00") == dt.datetime(2018, 7, 3, 12, tzinfo=UTC)
    assert dto.parse_timestamp(None) is None
    assert dto.parse_timestamp("") is None


def test_activity_tolerates_nulls_and_unknown_fields() -> None:
    sparse = {
        **ACTIVITY_EXAMPLE,
        "description": None,
        "tag": None,
        "customer": None,
        "remote_service": None,
        "remote_id": "",
        "remote_url": None,
        "worked_seconds": None,
        "billable": None,
        "created_at": None,
        "something_new": {"nested": [1, 2]},
    }
    activity = dto.activity(sparse)
    assert activity.description == ""
    assert activity.tag == ""
    assert activity.customer is None
    assert activity.remote_id is None
    assert activity.worked_seconds is None
    assert activity.billable
    assert activity.created_at is None


def test_activity_falls_back_to_deprecated_hours() -> None:
    legacy = {key: value for key, value in ACTIVITY_EXAMPLE.items() if key != "seconds"}
    assert dto.activity(legacy).seconds == 4500


@pytest.mark.parametrize("missing", ["id", "date", "project", "task"])
def test_activity_without_required_field_fails_loudly(missing: str) -> None:
    broken = {key: value for key, value in ACTIVITY_EXAMPLE.items() if key != missing}
    with pytest.raises((KeyError, TypeError, ValueError)):
        dto.activity(broken)


def test_presence_example() -> None:
    presence = dto.presence(PRESENCE_EXAMPLE)
    assert presence.id == 982237015
    assert presence.date == dt.date(2018, 7, 3)
    assert presence.from_time == dt.time(7, 30)
    assert presence.to_time == dt.time(13, 15)
    assert presence.is_home_office
    assert not presence.is_open
    assert presence.user == UserRef(933590696, "John", "Doe")
    assert presence.updated_at == dt.datetime(2018, 10, 17, 9, 33, 46, tzinfo=UTC)


def test_open_presence_and_seconds_in_times() -> None:
    presence = dto.presence({**PRESENCE_EXAMPLE, "from": "08:05:00", "to": None})
    assert presence.from_time == dt.time(8, 5)
    assert presence.is_open


def test_assigned_projects_example() -> None:
    (project,) = [dto.assigned_project(item) for item in ASSIGNED_PROJECTS_EXAMPLE]
    assert project.id == 1234
    assert project.identifier == "P1900"
    assert project.name == "Application"
    assert not project.active
    assert project.billable
    assert project.customer is not None
    assert (project.customer.id, project.customer.name) == (4567, "A Company")
    assert project.contract_active
    task = project.task(573383)
    assert task is not None
    assert (task.name, task.active, task.billable) == ("Integrations", True, True)


def test_assigned_project_without_contract_or_tasks() -> None:
    bare = {**ASSIGNED_PROJECTS_EXAMPLE[0], "contract": None, "tasks": None, "customer": None}
    project = dto.assigned_project(bare)
    assert project.tasks == ()
    assert project.customer is None
    assert project.contract_active
    inactive = dto.assigned_project(
        {**ASSIGNED_PROJECTS_EXAMPLE[0], "contract": {"user_id": 1, "active": False}}
    )
    assert not inactive.contract_active


def test_project_task_example() -> None:
    task = dto.task(PROJECT_TASK_EXAMPLE)
    assert (task.id, task.name, task.active, task.billable) == (
        760253573,
        "Projektleitung",
        True,
        True,
    )


def test_user_example() -> None:
    user = dto.user(USER_EXAMPLE)
    assert user.id == 123
    assert user.full_name == "Max Muster"
    assert user.email == "max.muster@beispiel.de"
    assert user.unit is not None
    assert user.unit.name == "Geschäftsleitung"
    assert user.active


def test_employment_example() -> None:
    employment = dto.employment(EMPLOYMENT_EXAMPLE)
    assert employment.weekly_target_hours == 29.75
    assert employment.pattern.am == (0.0, 4.25, 4.25, 4.25, 4.25)
    assert employment.pattern.pm == (0.0, 4.25, 4.25, 4.25, 0.0)
    assert employment.from_date == dt.date(2017, 1, 1)
    assert employment.to_date is None
    assert employment.pattern.hours_on(dt.date(2024, 1, 2)) == 8.5  # a Tuesday
    assert employment.covers(dt.date(2030, 1, 1))


def test_schedule_example() -> None:
    schedule = dto.schedule(SCHEDULE_EXAMPLE)
    assert schedule.date == dt.date(2017, 6, 14)
    assert schedule.am
    assert schedule.pm
    assert schedule.comment == "Half day off"
    assert schedule.assignment.name == "Holiday"
    assert schedule.assignment.code == "4"
    assert schedule.assignment.type == "Absence"
    assert schedule.assignment.color == "#BBB"
    assert schedule.user == UserRef(567, "Sabine", "Schäuble")


def test_schedule_with_numeric_code_and_null_comment() -> None:
    schedule = dto.schedule(
        {**SCHEDULE_EXAMPLE, "comment": None, "assignment": {"id": 2, "name": "X", "code": 2}}
    )
    assert schedule.comment == ""
    assert schedule.assignment.code == "2"
    assert schedule.assignment.color is None


def test_planning_entry_example() -> None:
    entry = dto.planning_entry(PLANNING_ENTRY_EXAMPLE)
    assert entry.id == 4839
    assert entry.title == "Project Management"
    assert entry.starts_on == entry.ends_on == dt.date(2020, 5, 4)
    assert entry.hours_per_day == 6.0
    assert entry.project is not None
    assert (entry.project.identifier, entry.project.customer_name) == ("130", "Acme GmbH")
    assert entry.task == NamedRef(6789, "Projektleitung")
    assert entry.user == UserRef(5484, "Thomas", "Munster")
    assert not entry.tentative
    assert entry.covers(dt.date(2020, 5, 4))


def test_planning_entry_for_a_deal_has_no_project() -> None:
    deal = {
        **PLANNING_ENTRY_EXAMPLE,
        "project": None,
        "task": None,
        "deal": {"id": 6542, "name": "Redesign website", "customer_name": "Acme GmbH"},
    }
    entry = dto.planning_entry(deal)
    assert entry.project is None
    assert entry.task is None


def test_profile_example() -> None:
    profile = dto.profile(PROFILE_EXAMPLE)
    assert profile.id == 237852983
    assert profile.email == "janine.kuesters@meinefirma.de"
    assert profile.full_name == "Janine Küsters"
    assert profile.unit is not None
    assert profile.unit.name == "Design"
    assert profile.avatar_url is not None
    assert not profile.external


def test_profile_with_firstname_spelling() -> None:
    profile = dto.profile({"id": 1, "email": "a@b.c", "firstname": "A", "lastname": "B"})
    assert profile.full_name == "A B"
    assert profile.unit is None


def test_performance_report_example() -> None:
    report = dto.performance_report(PERFORMANCE_REPORT_EXAMPLE)
    assert report.annually.year == 2021
    assert report.annually.employment_hours == 1670.4
    assert report.annually.variation_until_today == -0.25
    assert [month.month for month in report.monthly] == [1, 2]
    assert report.monthly[0].hours_tracked_total == 133.71


def test_session_and_login() -> None:
    info = dto.session_info({"id": 123, "uuid": "aec324a2-4832-11eb-b378-0242ac130002"})
    assert info.user_id == 123
    assert info.uuid == "aec324a2-4832-11eb-b378-0242ac130002"
    login = dto.login_result({"api_key": "abc123", "user_id": 123, "extra": True})
    assert login.api_key == ApiKey("abc123")
    assert login.user_id == 123


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.time(8, 0), "08:00"),
        (dt.time(17, 45, 59), "17:45"),
        ("8:05", "08:05"),
        (" 23:59 ", "23:59"),
        ("00:00", "00:00"),
    ],
)
def test_format_time_accepts_times_of_day(value: dt.time | str, expected: str) -> None:
    assert dto.format_time(value) == expected


@pytest.mark.parametrize("value", ["8", "24:00", "12:60", "12-30", "", "08:00:00", "noon"])
def test_format_time_refuses_anything_else(value: str) -> None:
    with pytest.raises(InvalidTimeError):
        dto.format_time(value)


def test_format_timestamp_is_utc_with_z() -> None:
    berlin_summer = dt.timezone(dt.timedelta(hours=2))
    stamp = dt.datetime(2022, 4, 20, 11, 17, 58, tzinfo=berlin_summer)
    assert dto.format_timestamp(stamp) == "2022-04-20T09:17:58Z"
    with pytest.raises(ValueError, match="timezone"):
        dto.format_timestamp(dt.datetime(2022, 4, 20))
