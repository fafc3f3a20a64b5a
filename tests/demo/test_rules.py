"""MOCO's rules in isolation: timer rounding and presence overlaps."""

from __future__ import annotations

import datetime as dt

import pytest

from moco_desktop.demo.rules import booked_seconds, presence_overlaps
from tests.demo.conftest import TODAY, World


@pytest.mark.parametrize(
    ("elapsed", "booked"),
    [(0, 0), (29.9, 0), (30, 60), (89, 60), (90, 120), (3600, 3600), (-50, 0)],
)
def test_timer_books_the_nearest_whole_minute(elapsed: float, booked: int) -> None:
    assert booked_seconds(elapsed) == booked


def test_presences_are_half_open_and_open_ones_reach_the_end_of_the_day(world: World) -> None:
    user = world.member.id
    world.state.add_presence(user, TODAY, "08:00", "12:00")
    world.state.add_presence(user, TODAY, "13:00")

    def overlaps(start: str, end: str | None) -> bool:
        to_time = None if end is None else dt.time.fromisoformat(end)
        return presence_overlaps(world.state, user, TODAY, dt.time.fromisoformat(start), to_time)

    assert not overlaps("07:00", "08:00")
    assert not overlaps("12:00", "13:00")
    assert overlaps("11:59", "12:30")
    assert overlaps("07:00", "09:00")
    assert overlaps("18:00", "19:00")
    assert overlaps("12:30", None)
    assert not presence_overlaps(world.state, user, TODAY + dt.timedelta(days=1), dt.time(8), None)
