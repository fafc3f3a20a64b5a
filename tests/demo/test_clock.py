"""Clocks, and the server's day boundary in Berlin time driven by a fake clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from moco_desktop.demo.clock import BERLIN, FakeClock, SystemClock, local_now
from tests.demo.conftest import World


def test_fake_clock_stands_still_until_moved() -> None:
    clock = FakeClock(dt.datetime(2026, 3, 11, 10, 0))
    assert clock.now() == dt.datetime(2026, 3, 11, 10, 0, tzinfo=BERLIN)  # naive = Berlin
    assert clock.now() == clock.now()
    clock.advance(90.5)
    assert clock.now() == dt.datetime(2026, 3, 11, 10, 1, 30, 500000, tzinfo=BERLIN)
    clock.set(dt.datetime(2026, 3, 11, 22, 0, tzinfo=dt.UTC))
    assert local_now(clock) == dt.datetime(2026, 3, 11, 23, 0, tzinfo=BERLIN)
    assert local_now(clock).date() == dt.date(2026, 3, 11)


def test_system_clock_is_aware_berlin_time() -> None:
    now = SystemClock().now()
    assert now.tzinfo is BERLIN
    assert abs(now - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)


def _today_body(world: World, day: dt.date) -> dict[str, Any]:
    return {"date": day.isoformat(), "project_id": world.project.id, "task_id": world.design.id}


def test_midnight_in_berlin_ends_today(
    world: World, member: httpx.Client, clock: FakeClock
) -> None:
    evening = dt.date(2026, 3, 11)
    clock.set(dt.datetime(2026, 3, 11, 23, 59, 30, tzinfo=BERLIN))
    activity = member.post("/activities", json=_today_body(world, evening)).json()
    assert activity["timer_started_at"] == "2026-03-11T22:59:30Z"

    clock.advance(60)  # 00:00:30 on the 12th
    stopped = member.patch(f"/activities/{activity['id']}/stop_timer").json()
    assert stopped["seconds"] == 60
    assert stopped["date"] == "2026-03-11"
    restart = member.patch(f"/activities/{activity['id']}/start_timer")
    assert restart.json() == {"base": ["Timer can only be started on the current day"]}
    late = member.post("/activities", json=_today_body(world, evening)).json()
    assert late["timer_started_at"] is None

    touched = member.post("/users/presences/touch").json()
    assert (touched["date"], touched["from"]) == ("2026-03-12", "00:00")


def test_today_follows_berlin_not_utc(world: World, member: httpx.Client, clock: FakeClock) -> None:
    clock.set(dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC))  # 00:30 on the 11th in Berlin
    created = member.post("/activities", json=_today_body(world, dt.date(2026, 3, 11))).json()
    assert created["timer_started_at"] == "2026-03-10T23:30:00Z"
    presence = world.state.presences_of(world.member.id)[0]
    assert (presence.date, presence.from_time) == (dt.date(2026, 3, 11), dt.time(0, 30))
