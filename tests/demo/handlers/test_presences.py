"""`/users/presences` over HTTP: ranges, overlaps, malformed times, home office and `touch`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from moco_desktop.demo.clock import FakeClock
from tests.demo.conftest import STAFF_KEY, TODAY, Connect, World

YESTERDAY = TODAY - dt.timedelta(days=1)


def _create(client: httpx.Client, **fields: Any) -> httpx.Response:
    body = {"date": YESTERDAY.isoformat(), "from": "08:30", "to": "12:30", **fields}
    return client.post("/users/presences", json={k: v for k, v in body.items() if v is not ...})


def test_create_and_read_back(world: World, member: httpx.Client) -> None:
    created = _create(member)
    assert created.status_code == 200
    body = created.json()
    assert (body["date"], body["from"], body["to"]) == (YESTERDAY.isoformat(), "08:30", "12:30")
    assert body["is_home_office"] is False
    assert body["user"]["id"] == world.member.id
    assert member.get(f"/users/presences/{body['id']}").json() == body


def test_only_from_opens_a_presence_also_on_past_days(member: httpx.Client) -> None:
    body = _create(member, to=...).json()
    assert body["to"] is None


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"date": ...}, {"date": ["muss ausgefüllt werden"]}),
        ({"from": ...}, {"from": ["muss ausgefüllt werden"]}),
        ({"date": "gestern"}, {"date": ["ist nicht gültig"]}),
        ({"from": "12:30", "to": "08:30"}, {"to": ["muss nach der Startzeit liegen"]}),
    ],
)
def test_create_rejects_missing_fields_in_german(
    member: httpx.Client, fields: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = _create(member, **fields)
    assert response.status_code == 422
    assert response.json() == errors


@pytest.mark.parametrize("bad_time", ["8", "8.30", "25:00", "0830", 830])
def test_malformed_time_is_an_internal_error(
    world: World, member: httpx.Client, bad_time: Any
) -> None:
    assert _create(member, **{"from": bad_time}).status_code == 500
    assert _create(member, to=bad_time).status_code == 500
    assert world.state.presences == {}


def test_overlaps_and_a_second_open_presence_are_refused(
    world: World, member: httpx.Client
) -> None:
    assert _create(member).status_code == 200
    overlapping = _create(member, **{"from": "12:00", "to": "13:00"})
    assert overlapping.status_code == 422
    assert overlapping.json() == {"from": ["range overlaps"]}
    assert _create(member, **{"from": "12:30", "to": "13:00"}).status_code == 200  # touching
    assert _create(member, **{"from": "13:15"}, to=...).status_code == 200
    second_open = _create(member, **{"from": "18:00"}, to=...)
    assert second_open.json() == {"from": ["range overlaps"]}
    assert _create(member, **{"from": "19:00", "to": "20:00"}).status_code == 422  # after open
    assert len(world.state.presences) == 3


def test_each_user_has_their_own_presences(world: World, staff: httpx.Client) -> None:
    world.state.add_presence(world.member.id, YESTERDAY, "08:00", "17:00")
    assert _create(staff).status_code == 200


def test_home_office_applies_to_the_whole_day(world: World, member: httpx.Client) -> None:
    morning = _create(member).json()
    afternoon = _create(member, **{"from": "13:15", "to": "17:30"}, is_home_office=True).json()
    assert afternoon["is_home_office"] is True
    assert member.get(f"/users/presences/{morning['id']}").json()["is_home_office"] is True

    evening = _create(member, **{"from": "18:00", "to": "19:00"}).json()
    assert evening["is_home_office"] is True  # a new presence follows the day

    member.patch(f"/users/presences/{morning['id']}", json={"is_home_office": False})
    assert not any(p.is_home_office for p in world.state.presences_of(world.member.id))


def test_put_and_patch_change_only_what_is_sent(world: World, member: httpx.Client) -> None:
    presence = _create(member, to=...).json()
    closed = member.patch(f"/users/presences/{presence['id']}", json={"to": "12:45"})
    assert closed.status_code == 200
    assert (closed.json()["from"], closed.json()["to"]) == ("08:30", "12:45")
    moved = member.put(f"/users/presences/{presence['id']}", json={"from": "08:00"})
    assert (moved.json()["from"], moved.json()["to"]) == ("08:00", "12:45")
    assert member.put(f"/users/presences/{presence['id']}", json={"to": "7"}).status_code == 500


def test_update_into_an_overlap_is_refused(member: httpx.Client) -> None:
    _create(member)
    afternoon = _create(member, **{"from": "13:00", "to": "17:00"}).json()
    response = member.patch(f"/users/presences/{afternoon['id']}", json={"from": "12:00"})
    assert response.status_code == 422
    assert response.json() == {"from": ["range overlaps"]}


def test_delete_returns_the_deleted_presence(world: World, member: httpx.Client) -> None:
    presence = _create(member).json()
    response = member.delete(f"/users/presences/{presence['id']}")
    assert response.status_code == 200
    assert response.json()["id"] == presence["id"]
    assert world.state.presences == {}
    assert member.get(f"/users/presences/{presence['id']}").status_code == 404


def test_list_visibility_and_filters(
    world: World, staff: httpx.Client, member: httpx.Client
) -> None:
    mine = world.state.add_presence(world.member.id, YESTERDAY, "08:00", "12:00")
    home = world.state.add_presence(
        world.member.id, TODAY - dt.timedelta(days=5), "09:00", "17:00", is_home_office=True
    )
    theirs = world.state.add_presence(world.staff.id, YESTERDAY, "08:00", "16:00")

    def ids(client: httpx.Client, **params: Any) -> list[int]:
        return [p["id"] for p in client.get("/users/presences", params=params).json()]

    assert ids(member) == [home.id, mine.id]
    assert ids(staff) == [home.id, mine.id, theirs.id]
    assert ids(staff, user_id=world.staff.id) == [theirs.id]
    assert ids(member, **{"from": YESTERDAY.isoformat(), "to": TODAY.isoformat()}) == [mine.id]
    assert ids(member, is_home_office="true") == [home.id]
    assert member.get(f"/users/presences/{theirs.id}").status_code == 404
    only_from = member.get("/users/presences", params={"from": YESTERDAY.isoformat()})
    assert only_from.status_code == 422


# ------------------------------------------------------------------------------ touch
def test_touch_opens_then_closes_at_the_current_minute(
    world: World, member: httpx.Client, clock: FakeClock
) -> None:
    opened = member.post("/users/presences/touch")
    assert opened.status_code == 200
    assert (opened.json()["date"], opened.json()["from"], opened.json()["to"]) == (
        TODAY.isoformat(),
        "10:00",
        None,
    )
    clock.advance(95 * 60)
    closed = member.post("/users/presences/touch", json={})
    assert closed.json()["id"] == opened.json()["id"]
    assert closed.json()["to"] == "11:35"
    reopened = member.post("/users/presences/touch").json()
    assert (reopened["from"], reopened["to"]) == ("11:35", None)


def test_touch_within_the_same_minute_discards_the_presence(
    world: World, member: httpx.Client, clock: FakeClock
) -> None:
    member.post("/users/presences/touch")
    clock.advance(40)
    discarded = member.post("/users/presences/touch")
    assert discarded.status_code == 200
    assert discarded.json()["from"] == discarded.json()["to"] == "10:00"
    assert world.state.presences_of(world.member.id) == []


def test_touch_conflicting_with_a_presence_is_locked(world: World, member: httpx.Client) -> None:
    world.state.add_presence(world.member.id, TODAY, "08:00", "11:00")
    response = member.post("/users/presences/touch")
    assert response.status_code == 423
    assert response.content == b""
    assert len(world.state.presences_of(world.member.id)) == 1


def test_touch_before_the_open_presence_started_is_locked(
    world: World, member: httpx.Client
) -> None:
    world.state.add_presence(world.member.id, TODAY, "11:00")
    assert member.post("/users/presences/touch").status_code == 423


def test_touch_sets_home_office_for_the_day(world: World, member: httpx.Client) -> None:
    world.state.add_presence(world.member.id, TODAY, "07:00", "09:00")
    opened = member.post("/users/presences/touch", json={"is_home_office": True}).json()
    assert opened["is_home_office"] is True
    assert all(p.is_home_office for p in world.state.presences_of(world.member.id, TODAY))


def test_touch_acts_as_the_impersonated_user(world: World, connect: Connect) -> None:
    client = connect(STAFF_KEY, impersonate=world.member.id)
    assert client.post("/users/presences/touch").json()["user"]["id"] == world.member.id
