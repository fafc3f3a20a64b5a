"""The state's helpers: ids, builders and queries."""

from __future__ import annotations

import datetime as dt

import pytest

from moco_desktop.demo.state import MocoState, parse_clock_time
from tests.demo.conftest import TODAY, World


def test_builders_number_projects_and_assign_users() -> None:
    state = MocoState()
    user = state.add_user("Lena", "Hoffmann")
    first = state.add_project("Eins", tasks=["A", ("B", False)], assigned=[user.id])
    second = state.add_project("Zwei", billable=False)
    assert (first.identifier, second.identifier) == ("P0001", "P0002")
    assert [(t.name, t.billable) for t in first.tasks] == [("A", True), ("B", False)]
    assert second.tasks[0].billable is False
    assert first.contract_of(user.id) is not None
    assert second.contract_of(user.id) is None
    assert user.email == "lena.hoffmann@example.com"
    assert state.user_by_email("LENA.hoffmann@example.com") is user
    assert state.user_by_api_key(user.api_key) is user


def test_ids_are_unique_across_kinds(world: World) -> None:
    ids = [world.staff.id, world.member.id, world.project.id, world.design.id]
    assert len(set(ids)) == len(ids)


def test_queries(world: World) -> None:
    state, user = world.state, world.member.id
    later = state.add_activity(user, world.project.id, world.design.id, TODAY, 60)
    earlier = state.add_activity(
        user, world.project.id, world.design.id, TODAY - dt.timedelta(days=1), 60
    )
    state.add_activity(world.staff.id, world.project.id, world.design.id, TODAY, 60)
    assert state.activities_of(user) == [earlier, later]
    assert state.running_timer(user) is None
    running = state.add_activity(
        user, world.project.id, world.design.id, TODAY, timer_started_at=state.clock.now()
    )
    assert state.running_timer(user) is running
    assert running.timer_started_at == dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC)

    afternoon = state.add_presence(user, TODAY, "13:00", "17:00")
    morning = state.add_presence(user, TODAY, dt.time(8), "12:00")
    assert state.presences_of(user) == [morning, afternoon]
    assert state.presences_of(user, TODAY - dt.timedelta(days=1)) == []


@pytest.mark.parametrize("text", ["8", "8:5", "24:00", "ab:cd", "08:30:00"])
def test_parse_clock_time_rejects_anything_but_hh_mm(text: str) -> None:
    with pytest.raises(ValueError, match=r"HH:MM|hour must be"):
        parse_clock_time(text)


def test_parse_clock_time() -> None:
    assert parse_clock_time("8:05") == dt.time(8, 5)
    assert parse_clock_time("23:59") == dt.time(23, 59)
