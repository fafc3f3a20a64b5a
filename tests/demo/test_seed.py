"""Seed data: the demo agency is realistic, consistent and deterministic; scale is fast."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import httpx
import pytest

from moco_desktop.demo.rules import presence_overlaps
from moco_desktop.demo.seed import (
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DemoAccount,
    easter_sunday,
    german_public_holidays,
    seed_demo,
    seed_scale,
)
from moco_desktop.demo.server import EmbeddedMocoServer
from moco_desktop.demo.state import HOLIDAY, PUBLIC_HOLIDAY, MocoState
from tests.demo.conftest import SHARED_SSL_CONTEXT

TODAY = dt.date(2026, 3, 11)  # a Wednesday


@pytest.fixture(scope="module")
def seeded() -> tuple[MocoState, DemoAccount]:
    state = MocoState()
    return state, seed_demo(state, TODAY)


def test_account_credentials(seeded: tuple[MocoState, DemoAccount]) -> None:
    state, account = seeded
    assert account.domain == DEMO_DOMAIN == "demo"
    assert account.company == "Agentur Nord GmbH"
    assert account.staff.email == "anna.becker@agentur-nord.de"
    assert account.normal.email == "jonas.weber@agentur-nord.de"
    assert account.staff.password == account.normal.password == DEMO_PASSWORD == "demo"
    anna, jonas = state.users[account.staff.user_id], state.users[account.normal.user_id]
    assert (anna.full_name, anna.staff, anna.api_key) == (
        "Anna Becker",
        True,
        account.staff.api_key,
    )
    assert (jonas.full_name, jonas.staff) == ("Jonas Weber", False)
    assert 8 <= len([u for u in state.users.values() if u.active]) - 2 <= 10
    assert any(not u.active for u in state.users.values())


def test_seeding_is_deterministic() -> None:
    def snapshot() -> list[tuple[object, ...]]:
        state = MocoState()
        seed_demo(state, TODAY)
        return [
            (a.id, a.user_id, a.project_id, a.date, a.seconds, a.description, a.billed)
            for a in state.activities.values()
        ] + [(u.id, u.api_key, u.uuid) for u in state.users.values()]

    assert snapshot() == snapshot()


def test_projects_and_tasks(seeded: tuple[MocoState, DemoAccount]) -> None:
    state, account = seeded
    projects = list(state.projects.values())
    assert len(projects) >= 32
    assert [p.identifier for p in projects[:3]] == ["P0001", "P0002", "P0003"]
    assert all(3 <= len(p.tasks) <= 8 for p in projects)
    assert len({state.customers[p.customer_id].name for p in projects if p.customer_id}) >= 10
    for user_id in (account.staff.user_id, account.normal.user_id):
        assigned = [p for p in projects if user_id in p.contracts]
        assert len(assigned) >= 0.8 * len(projects)
    assert any(not p.active for p in projects)
    assert any(not p.billable for p in projects)


def test_two_weeks_of_past_work(seeded: tuple[MocoState, DemoAccount]) -> None:
    state, account = seeded
    for credentials in (account.staff, account.normal):
        activities = state.activities_of(credentials.user_id)
        days = Counter(a.date for a in activities)
        assert 9 <= len(days) <= 10  # ten working days, minus Anna's day off
        assert all(TODAY - dt.timedelta(days=15) <= day < TODAY for day in days)
        assert all(day.weekday() < 5 for day in days)
        assert all(count >= 3 for count in days.values())
        assert any(not a.billable for a in activities)
        for activity in activities:
            project = state.projects[activity.project_id]
            task = project.task(activity.task_id)
            assert task is not None
            assert task.active
            assert project.active
            assert activity.description
            assert not activity.is_running
        presences = state.presences_of(credentials.user_id)
        assert {p.date for p in presences} == set(days)
        assert any(p.is_home_office for p in presences)
        for presence in presences:
            assert presence.to_time is not None
            assert not presence_overlaps(
                state,
                credentials.user_id,
                presence.date,
                presence.from_time,
                presence.to_time,
                presence.id,
            )
    everything = list(state.activities.values())
    assert any(a.billed and a.locked for a in everything)
    assert all((TODAY - a.date).days > 7 for a in everything if a.billed or a.locked)


def test_employment_absences_holidays_and_planning(seeded: tuple[MocoState, DemoAccount]) -> None:
    state, account = seeded
    weekly = sorted(e.weekly_target_hours for e in state.employments.values())
    assert weekly.count(32.0) == 1
    assert all(hours == 40.0 for hours in weekly if hours != 32.0)
    anna_off = [s for s in state.schedules_of(account.staff.user_id) if s.absence_code == HOLIDAY]
    jonas_half = [s for s in state.schedules_of(account.normal.user_id) if not s.pm]
    assert len(anna_off) == 1
    assert anna_off[0].date not in {a.date for a in state.activities_of(account.staff.user_id)}
    assert len(jonas_half) == 1
    half_day = [
        a for a in state.activities_of(account.normal.user_id) if a.date == jonas_half[0].date
    ]
    assert sum(a.seconds for a in half_day) <= 5 * 3600
    holidays = {s.date for s in state.schedules.values() if s.absence_code == PUBLIC_HOLIDAY}
    assert set(german_public_holidays(TODAY.year)) <= holidays
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    for credentials in (account.staff, account.normal):
        entries = [e for e in state.planning_entries.values() if e.user_id == credentials.user_id]
        assert {e.starts_on for e in entries} >= {monday, monday + dt.timedelta(days=7)}


def test_german_public_holidays() -> None:
    assert easter_sunday(2026) == dt.date(2026, 4, 5)
    assert easter_sunday(2025) == dt.date(2025, 4, 20)
    assert german_public_holidays(2026)[dt.date(2026, 5, 14)] == "Christi Himmelfahrt"
    assert len(german_public_holidays(2026)) == 9


def test_demo_users_can_log_in_and_work() -> None:
    state = MocoState()
    account = seed_demo(state, dt.date.today())
    with (
        EmbeddedMocoServer(state, rate_limit=None) as server,
        httpx.Client(base_url=server.base_url, verify=SHARED_SSL_CONTEXT) as client,
    ):
        login = client.post(
            "/session", json={"email": account.normal.email, "password": DEMO_PASSWORD}
        )
        assert login.json()["api_key"] == account.normal.api_key
        headers = {"Authorization": f"Token token={account.normal.api_key}"}
        projects = client.get("/projects/assigned?active=true", headers=headers).json()
        assert projects
        assert all(p["contract"]["user_id"] == account.normal.user_id for p in projects)


def test_scale_seed_is_fast_and_big() -> None:
    state = MocoState()
    started = time.perf_counter()
    account = seed_scale(state, TODAY)
    assert time.perf_counter() - started < 2.0
    assert len(state.projects) == 2000
    assert all(len(p.tasks) == 10 for p in state.projects.values())
    assert len(state.users) == 300
    assert len(state.activities) == 5000
    assert len(state.presences_of(account.staff.user_id)) == 60
    assigned = [p for p in state.projects.values() if account.normal.user_id in p.contracts]
    assert len(assigned) == 2000


def test_scale_seed_parameters() -> None:
    state = MocoState()
    seed_scale(state, TODAY, projects=5, tasks_per_project=15, users=4, activities=40, presences=3)
    assert len(state.projects) == 5
    names = [t.name for t in next(iter(state.projects.values())).tasks]
    assert len(names) == len(set(names)) == 15
    assert (len(state.users), len(state.activities), len(state.presences)) == (4, 40, 6)
