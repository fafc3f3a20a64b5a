"""`/activities` over HTTP: visibility, filters, German 422s, timers and their presences."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from moco_desktop.demo.clock import FakeClock
from moco_desktop.demo.state import ActivityRecord
from tests.demo.conftest import STAFF_KEY, TODAY, Connect, World

YESTERDAY = TODAY - dt.timedelta(days=1)


def _new(world: World, *, user: str = "member", day: dt.date = YESTERDAY, **fields: Any) -> Any:
    owner = world.member if user == "member" else world.staff
    return world.state.add_activity(
        owner.id, world.project.id, world.design.id, day, fields.pop("seconds", 3600), **fields
    )


def _payload(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "date": YESTERDAY.isoformat(),
        "project_id": world.project.id,
        "task_id": world.design.id,
        "seconds": 1800,
        "description": "Startseite gestaltet",
    }
    body.update(overrides)
    return body


# ------------------------------------------------------------------------------ listing
def test_list_without_user_id_returns_colleagues_activities_for_staff(
    world: World, staff: httpx.Client, member: httpx.Client
) -> None:
    mine = _new(world, user="member")
    theirs = _new(world, user="staff")

    assert {a["id"] for a in staff.get("/activities").json()} == {mine.id, theirs.id}
    assert [a["id"] for a in member.get("/activities").json()] == [mine.id]
    by_user = staff.get("/activities", params={"user_id": world.staff.id}).json()
    assert [a["id"] for a in by_user] == [theirs.id]
    assert member.get("/activities", params={"user_id": world.staff.id}).json() == []


def test_list_filters(world: World, staff: httpx.Client, clock: FakeClock) -> None:
    old = _new(world, day=TODAY - dt.timedelta(days=10), description="Alter Eintrag")
    clock.advance(60)
    recent = _new(world, description="Logo überarbeitet", tag="NORD-7")
    other_task = world.state.add_activity(
        world.member.id, world.project.id, world.development.id, YESTERDAY, 600, "Bugfix"
    )

    def ids(**params: Any) -> list[int]:
        response = staff.get("/activities", params=params)
        assert response.status_code == 200
        return [a["id"] for a in response.json()]

    assert ids(**{"from": YESTERDAY.isoformat(), "to": TODAY.isoformat()}) == [
        recent.id,
        other_task.id,
    ]
    assert ids(task_id=world.development.id) == [other_task.id]
    assert ids(project_id=world.staff_only_project.id) == []
    assert ids(ids=f"{old.id},{other_task.id}") == [old.id, other_task.id]
    assert ids(term="logo") == [recent.id]
    assert ids(term="nord-7") == [recent.id]
    assert ids(updated_after=old.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")) == [
        recent.id,
        other_task.id,
    ]
    assert ids(company_id=world.project.customer_id) == [old.id, recent.id, other_task.id]
    assert ids(billed="true") == []


def test_activity_json_has_moco_shape(world: World, member: httpx.Client) -> None:
    activity = _new(world, description="Konzept")
    body = member.get(f"/activities/{activity.id}").json()
    assert body["date"] == YESTERDAY.isoformat()
    assert body["seconds"] == body["worked_seconds"] == 3600
    assert body["hours"] == 1.0
    assert body["project"] == {"id": world.project.id, "name": "Website", "billable": True}
    assert body["task"] == {"id": world.design.id, "name": "Design", "billable": True}
    assert body["customer"]["name"] == "Bäckerei Hansen GmbH"
    assert body["user"] == {"id": world.member.id, "firstname": "Jonas", "lastname": "Weber"}
    assert body["timer_started_at"] is None
    assert body["updated_at"].endswith("Z")


def test_invisible_activity_is_404_with_empty_body(world: World, member: httpx.Client) -> None:
    theirs = _new(world, user="staff")
    response = member.get(f"/activities/{theirs.id}")
    assert response.status_code == 404
    assert response.content == b""
    assert member.get("/activities/1").status_code == 404


# ------------------------------------------------------------------------------ create
def test_create_books_for_the_acting_user(world: World, member: httpx.Client) -> None:
    response = member.post("/activities", json=_payload(world, tag="T-1"))
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == world.member.id
    assert body["seconds"] == 1800
    assert body["tag"] == "T-1"
    assert body["timer_started_at"] is None
    assert world.state.activities[body["id"]].description == "Startseite gestaltet"


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"date": None}, {"date": ["muss ausgefüllt werden"]}),
        ({"date": "11.03.2026"}, {"date": ["ist nicht gültig"]}),
        ({"project_id": None}, {"project_id": ["muss ausgefüllt werden"]}),
        ({"task_id": ""}, {"task_id": ["muss ausgefüllt werden"]}),
        ({"seconds": "viel"}, {"seconds": ["ist keine Zahl"]}),
        ({"seconds": -60}, {"seconds": ["muss größer oder gleich 0 sein"]}),
        ({"remote_service": "notion"}, {"remote_service": ["ist kein gültiger Wert"]}),
    ],
)
def test_create_rejects_invalid_fields_in_german(
    world: World, member: httpx.Client, overrides: dict[str, Any], errors: dict[str, Any]
) -> None:
    response = member.post("/activities", json=_payload(world, **overrides))
    assert response.status_code == 422
    assert response.json() == errors
    assert world.state.activities == {}


def test_create_needs_an_assigned_active_project_and_an_active_task_of_it(
    world: World, member: httpx.Client
) -> None:
    def errors(**overrides: Any) -> Any:
        response = member.post("/activities", json=_payload(world, **overrides))
        assert response.status_code == 422
        return response.json()

    assert errors(project_id=world.staff_only_project.id) == {"project_id": ["ist nicht gültig"]}
    assert errors(project_id=world.archived_project.id) == {"project_id": ["ist nicht gültig"]}
    foreign_task = world.staff_only_project.tasks[0].id
    assert errors(task_id=foreign_task) == {"task_id": ["ist nicht gültig"]}
    assert errors(task_id=world.retired_task.id) == {"task_id": ["ist nicht gültig"]}
    world.project.contracts[world.member.id].active = False
    assert errors() == {"project_id": ["ist nicht gültig"]}


def test_create_reports_every_invalid_field_at_once(world: World, member: httpx.Client) -> None:
    response = member.post("/activities", json={"seconds": 60})
    assert response.status_code == 422
    assert response.json() == {
        "date": ["muss ausgefüllt werden"],
        "project_id": ["muss ausgefüllt werden"],
        "task_id": ["muss ausgefüllt werden"],
    }


def test_create_accepts_allowed_remote_service_and_deprecated_hours(
    world: World, member: httpx.Client
) -> None:
    body = _payload(world, remote_service="jira", remote_id="NORD-1", remote_url="https://j/1")
    del body["seconds"]
    body["hours"] = 1.25
    created = member.post("/activities", json=body).json()
    assert created["seconds"] == 4500
    assert created["remote_service"] == "jira"
    assert created["remote_id"] == "NORD-1"


def test_billable_defaults_to_the_project(world: World, staff: httpx.Client) -> None:
    task = world.staff_only_project.tasks[0]
    body = _payload(world, project_id=world.staff_only_project.id, task_id=task.id)
    assert staff.post("/activities", json=body).json()["billable"] is False
    assert staff.post("/activities", json=_payload(world)).json()["billable"] is True
    explicit = staff.post("/activities", json=_payload(world, billable=False)).json()
    assert explicit["billable"] is False


def test_impersonated_create_books_for_the_impersonated_user(
    world: World, connect: Connect
) -> None:
    client = connect(STAFF_KEY, impersonate=world.member.id)
    body = client.post("/activities", json=_payload(world)).json()
    assert body["user"]["id"] == world.member.id


# ------------------------------------------------------------------------------ timers
def test_create_for_today_without_seconds_starts_the_timer(
    world: World, member: httpx.Client
) -> None:
    body = _payload(world, date=TODAY.isoformat())
    del body["seconds"]
    created = member.post("/activities", json=body).json()
    assert created["timer_started_at"] == "2026-03-11T09:00:00Z"
    assert created["seconds"] == 0

    again = member.patch(f"/activities/{created['id']}/start_timer")
    assert again.status_code == 422
    assert again.json() == {"base": ["Timer is already running"]}


def test_create_for_today_with_zero_seconds_stops_the_other_timer(
    world: World, member: httpx.Client, clock: FakeClock
) -> None:
    first = member.post("/activities", json=_payload(world, date=TODAY.isoformat(), seconds=0))
    clock.advance(25 * 60 + 10)
    second = member.post("/activities", json=_payload(world, date=TODAY.isoformat(), seconds=0))

    running = world.state.running_timer(world.member.id)
    assert running is not None
    assert running.id == second.json()["id"]
    stopped = world.state.activities[first.json()["id"]]
    assert stopped.timer_started_at is None
    assert stopped.seconds == 25 * 60


def test_create_for_another_day_or_with_seconds_does_not_start_a_timer(
    world: World, member: httpx.Client
) -> None:
    past = member.post("/activities", json=_payload(world, seconds=0)).json()
    booked = member.post("/activities", json=_payload(world, date=TODAY.isoformat())).json()
    assert past["timer_started_at"] is None
    assert booked["timer_started_at"] is None


def test_start_timer_only_on_the_current_day(world: World, member: httpx.Client) -> None:
    activity = _new(world)
    response = member.patch(f"/activities/{activity.id}/start_timer")
    assert response.status_code == 422
    assert response.json() == {"base": ["Timer can only be started on the current day"]}


def test_timer_keeps_seconds_while_running_and_books_whole_minutes(
    world: World, member: httpx.Client, clock: FakeClock
) -> None:
    activity = _new(world, day=TODAY, seconds=600)
    started = member.patch(f"/activities/{activity.id}/start_timer").json()
    assert started["timer_started_at"] == "2026-03-11T09:00:00Z"

    clock.advance(89)
    assert member.get(f"/activities/{activity.id}").json()["seconds"] == 600
    stopped = member.patch(f"/activities/{activity.id}/stop_timer").json()
    assert stopped["timer_started_at"] is None
    assert stopped["seconds"] == 600 + 60  # 89 s -> 1 minute

    member.patch(f"/activities/{activity.id}/start_timer")
    clock.advance(90)
    assert member.patch(f"/activities/{activity.id}/stop_timer").json()["seconds"] == 660 + 120

    member.patch(f"/activities/{activity.id}/start_timer")
    clock.advance(29)
    assert member.patch(f"/activities/{activity.id}/stop_timer").json()["seconds"] == 780


def test_stop_timer_when_not_running_is_422(world: World, member: httpx.Client) -> None:
    activity = _new(world, day=TODAY)
    response = member.patch(f"/activities/{activity.id}/stop_timer")
    assert response.status_code == 422
    assert response.json() == {"base": ["Timer is not running"]}


def test_one_timer_per_user(world: World, member: httpx.Client, clock: FakeClock) -> None:
    first, second = _new(world, day=TODAY, seconds=0), _new(world, day=TODAY, seconds=120)
    member.patch(f"/activities/{first.id}/start_timer")
    clock.advance(300)
    member.patch(f"/activities/{second.id}/start_timer")
    assert first.timer_started_at is None
    assert first.seconds == 300
    assert world.state.running_timer(world.member.id) is second


def test_timers_of_colleagues_are_not_reachable(world: World, staff: httpx.Client) -> None:
    theirs = _new(world, day=TODAY)
    assert staff.patch(f"/activities/{theirs.id}/start_timer").status_code == 404
    assert theirs.timer_started_at is None


def test_starting_a_timer_opens_a_presence_from_the_current_minute(
    world: World, member: httpx.Client, clock: FakeClock
) -> None:
    clock.advance(37)  # 10:00:37 -> presence from 10:00
    activity = _new(world, day=TODAY)
    member.patch(f"/activities/{activity.id}/start_timer")
    presences = world.state.presences_of(world.member.id, TODAY)
    assert [(p.from_time, p.to_time) for p in presences] == [(dt.time(10, 0), None)]

    clock.advance(3600)
    member.patch(f"/activities/{activity.id}/stop_timer")
    member.patch(f"/activities/{activity.id}/start_timer")
    assert len(world.state.presences_of(world.member.id, TODAY)) == 1
    assert world.state.presences_of(world.member.id, TODAY)[0].is_open


def test_starting_a_timer_inside_a_closed_presence_opens_none(
    world: World, member: httpx.Client
) -> None:
    world.state.add_presence(world.member.id, TODAY, "08:00", "12:00")
    activity = _new(world, day=TODAY)
    assert member.patch(f"/activities/{activity.id}/start_timer").status_code == 200
    assert len(world.state.presences_of(world.member.id, TODAY)) == 1


# ------------------------------------------------------------------------------ change
def test_put_and_patch_change_only_the_fields_sent(
    world: World, member: httpx.Client, clock: FakeClock
) -> None:
    activity = _new(world, description="Alt")
    before = activity.updated_at
    clock.advance(5)
    response = member.put(f"/activities/{activity.id}", json={"seconds": 7200})
    assert response.status_code == 200
    assert response.json()["seconds"] == 7200
    assert response.json()["description"] == "Alt"
    assert activity.updated_at > before

    patched = member.patch(f"/activities/{activity.id}", json={"task_id": world.development.id})
    assert patched.json()["task"]["name"] == "Entwicklung"
    assert patched.json()["seconds"] == 7200


def test_changing_the_project_checks_the_task_again(world: World, staff: httpx.Client) -> None:
    activity = _new(world, user="staff")
    response = staff.put(
        f"/activities/{activity.id}", json={"project_id": world.staff_only_project.id}
    )
    assert response.status_code == 422
    assert response.json() == {"task_id": ["ist nicht gültig"]}
    task = world.staff_only_project.tasks[0]
    moved = staff.put(
        f"/activities/{activity.id}",
        json={"project_id": world.staff_only_project.id, "task_id": task.id},
    )
    assert moved.json()["project"]["id"] == world.staff_only_project.id


def test_staff_may_edit_colleagues_entries(world: World, staff: httpx.Client) -> None:
    theirs = _new(world)
    response = staff.patch(f"/activities/{theirs.id}", json={"description": "korrigiert"})
    assert response.status_code == 200
    assert theirs.description == "korrigiert"


def test_billed_or_locked_entries_refuse_changes(world: World, member: httpx.Client) -> None:
    billed: ActivityRecord = _new(world, billed=True)
    locked: ActivityRecord = _new(world, locked=True)
    for activity in (billed, locked):
        deleted = member.delete(f"/activities/{activity.id}")
        assert deleted.status_code == 422
        assert "message" in deleted.json()
        updated = member.put(f"/activities/{activity.id}", json={"seconds": 1})
        assert updated.status_code == 422
    assert len(world.state.activities) == 2


def test_delete_answers_204(world: World, member: httpx.Client) -> None:
    activity = _new(world)
    response = member.delete(f"/activities/{activity.id}")
    assert response.status_code == 204
    assert response.content == b""
    assert activity.id not in world.state.activities
    assert member.delete(f"/activities/{activity.id}").status_code == 404
