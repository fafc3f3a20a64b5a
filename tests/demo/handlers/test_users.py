"""`/profile`, `/users` (staff only) and `/users/{id}/performance_report` over HTTP."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from moco_desktop.demo.state import HOLIDAY, PUBLIC_HOLIDAY
from tests.demo.conftest import World


def test_profile_is_the_acting_user(
    world: World, member: httpx.Client, staff: httpx.Client
) -> None:
    profile = member.get("/profile").json()
    assert profile["id"] == world.member.id
    assert profile["email"] == "jonas@x.de"
    assert (profile["first_name"], profile["last_name"]) == ("Jonas", "Weber")
    assert profile["full_name"] == "Jonas Weber"
    impersonated = staff.get("/profile", headers={"X-IMPERSONATE-USER-ID": str(world.member.id)})
    assert impersonated.json()["id"] == world.member.id


def test_users_are_for_staff_only(world: World, member: httpx.Client, staff: httpx.Client) -> None:
    for path in ("/users", f"/users/{world.member.id}"):
        response = member.get(path)
        assert (response.status_code, response.content) == (403, b"")
    users = staff.get("/users").json()
    assert [u["id"] for u in users] == [world.staff.id, world.member.id]
    assert users[1]["email"] == "jonas@x.de"
    assert staff.get(f"/users/{world.member.id}").json()["lastname"] == "Weber"
    missing = staff.get("/users/1")
    assert (missing.status_code, missing.content) == (404, b"")


def test_archived_users_only_on_request(world: World, staff: httpx.Client) -> None:
    world.member.active = False
    assert [u["id"] for u in staff.get("/users").json()] == [world.staff.id]
    every = staff.get("/users", params={"include_archived": "true"}).json()
    assert [u["active"] for u in every] == [True, False]


@pytest.fixture
def tracked_year(world: World) -> None:
    """40 h from 2026-01-01, New Year off, a half day off on 2 March, some hours tracked."""
    state, user = world.state, world.member
    state.add_employment(user.id, from_date=dt.date(2026, 1, 1))
    state.add_schedule(user.id, dt.date(2026, 1, 1), PUBLIC_HOLIDAY, comment="Neujahr")
    state.add_schedule(user.id, dt.date(2026, 3, 2), HOLIDAY, am=True, pm=False)
    project, task = world.project.id, world.design.id
    state.add_activity(user.id, project, task, dt.date(2026, 2, 10), 3 * 3600)
    state.add_activity(user.id, project, task, dt.date(2026, 3, 10), 8 * 3600)
    state.add_activity(user.id, project, task, dt.date(2026, 3, 10), 2 * 3600, billable=False)
    state.add_activity(user.id, project, task, dt.date(2026, 3, 20), 3600)
    state.add_activity(user.id, project, task, dt.date(2025, 12, 30), 3600)


@pytest.mark.usefixtures("tracked_year")
def test_performance_report_from_pattern_absences_and_activities(
    world: World, member: httpx.Client
) -> None:
    report = member.get(f"/users/{world.member.id}/performance_report").json()
    assert report["annually"] == {
        "year": 2026,
        "employment_hours": 261 * 8.0,  # 2026 has 261 weekdays
        "target_hours": 261 * 8.0 - 8 - 4,
        "hours_tracked_total": 14.0,
        "hours_billable_total": 12.0,
        "variation": 14.0 - (261 * 8 - 12),
        # Until Wed 11 March: 21 + 20 + 8 working days, minus New Year and the half day.
        "variation_until_today": 13.0 - ((21 + 20 + 8) * 8 - 4),
    }
    january, february, march = report["monthly"][:3]
    assert january["target_hours"] == 21 * 8
    assert (february["hours_tracked_total"], february["variation"]) == (3.0, 3.0 - 160)
    assert march == {
        "year": 2026,
        "month": 3,
        "target_hours": 172.0,
        "hours_tracked_total": 11.0,
        "variation": 11.0 - 172,
        "hours_billable_total": 9.0,
    }
    assert len(report["monthly"]) == 12


@pytest.mark.usefixtures("tracked_year")
def test_performance_report_of_an_earlier_year_and_access(
    world: World, member: httpx.Client, staff: httpx.Client
) -> None:
    earlier = staff.get(f"/users/{world.member.id}/performance_report", params={"year": 2025})
    assert earlier.json()["annually"]["hours_tracked_total"] == 1.0
    assert earlier.json()["annually"]["target_hours"] == 0.0  # employed from 2026
    assert member.get(f"/users/{world.staff.id}/performance_report").status_code == 403
    assert staff.get("/users/1/performance_report").status_code == 404
