"""`/users/employments`, `/schedules` and `/planning_entries` over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from moco_desktop.demo.state import HOLIDAY, PUBLIC_HOLIDAY, SICK_DAY
from tests.demo.conftest import TODAY, World


def _ids(client: httpx.Client, path: str, **params: Any) -> list[int]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


def test_employments(world: World, member: httpx.Client, staff: httpx.Client) -> None:
    mine = world.state.add_employment(world.member.id, am=(4, 4, 4, 4, 0), pm=(4, 4, 4, 4, 0))
    theirs = world.state.add_employment(world.staff.id, from_date=dt.date(2024, 1, 1))
    body = member.get("/users/employments").json()
    assert body == [
        {
            "id": mine.id,
            "weekly_target_hours": 32.0,
            "pattern": {"am": [4.0, 4.0, 4.0, 4.0, 0.0], "pm": [4.0, 4.0, 4.0, 4.0, 0.0]},
            "from": "2020-01-01",
            "to": None,
            "user": {"id": world.member.id, "firstname": "Jonas", "lastname": "Weber"},
            "created_at": "2026-03-11T09:00:00Z",
            "updated_at": "2026-03-11T09:00:00Z",
        }
    ]
    assert _ids(staff, "/users/employments") == [theirs.id, mine.id]
    assert _ids(staff, "/users/employments", user_id=world.member.id) == [mine.id]
    assert member.get(f"/users/employments/{theirs.id}").status_code == 404


def test_schedules(world: World, member: httpx.Client, staff: httpx.Client) -> None:
    state = world.state
    holiday = state.add_schedule(world.member.id, TODAY, HOLIDAY, am=True, pm=False)
    public = state.add_public_holiday(TODAY + dt.timedelta(days=30), "Karfreitag")
    sick = state.add_schedule(world.staff.id, TODAY, SICK_DAY)

    body = member.get("/schedules", params={"from": "2026-03-01", "to": "2026-03-31"}).json()
    assert [s["id"] for s in body] == [holiday.id]
    assert body[0]["am"] is True
    assert body[0]["pm"] is False
    assert body[0]["assignment"]["code"] == "4"
    assert body[0]["assignment"]["type"] == "Absence"
    assert body[0]["user"]["id"] == world.member.id

    codes = _ids(staff, "/schedules", absence_code=f"{PUBLIC_HOLIDAY},{SICK_DAY}")
    assert codes == [sick.id, *(s.id for s in public)]
    assert _ids(staff, "/schedules", user_id=world.staff.id) == [sick.id, public[0].id]
    assert member.get(f"/schedules/{sick.id}").status_code == 404
    assert member.get(f"/schedules/{holiday.id}").json()["comment"] == ""


def test_planning_entries(world: World, member: httpx.Client, staff: httpx.Client) -> None:
    state = world.state
    this_week = state.add_planning_entry(
        world.member.id,
        world.project.id,
        TODAY,
        TODAY + dt.timedelta(days=2),
        6.0,
        task_id=world.design.id,
        title="Design",
    )
    next_week = state.add_planning_entry(
        world.member.id, world.project.id, TODAY + dt.timedelta(days=7), TODAY + dt.timedelta(7), 4
    )
    theirs = state.add_planning_entry(
        world.staff.id, world.staff_only_project.id, TODAY, TODAY, 8.0
    )

    body = member.get("/planning_entries", params={"period": "2026-03-09:2026-03-15"}).json()
    assert [e["id"] for e in body] == [this_week.id]
    assert body[0]["project"] == {
        "id": world.project.id,
        "identifier": "P0001",
        "name": "Website",
        "customer_name": "Bäckerei Hansen GmbH",
        "color": world.project.color,
    }
    assert body[0]["task"] == {"id": world.design.id, "name": "Design"}
    assert (body[0]["starts_on"], body[0]["ends_on"], body[0]["hours_per_day"]) == (
        "2026-03-11",
        "2026-03-13",
        6.0,
    )
    assert body[0]["deal"] is None

    assert _ids(member, "/planning_entries", **{"from": "2026-03-16", "to": "2026-03-22"}) == [
        next_week.id
    ]
    assert _ids(staff, "/planning_entries", period="2026-03-11:2026-03-11") == [
        theirs.id,
        this_week.id,
    ]
    assert _ids(staff, "/planning_entries", project_id=world.staff_only_project.id) == [theirs.id]
    assert member.get("/planning_entries", params={"period": "März"}).status_code == 422
    assert member.get(f"/planning_entries/{theirs.id}").status_code == 404
