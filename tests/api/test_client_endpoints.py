"""Every endpoint of `MocoClient`, over real sockets against the embedded MOCO server."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable

import pytest

from moco_desktop.api.client import MocoClient
from moco_desktop.api.errors import (
    ForbiddenError,
    ImpersonationForbiddenError,
    InvalidCredentialsError,
    InvalidTimeError,
    NotFoundError,
    ValidationError,
)
from moco_desktop.core.entities import AssignedProject
from moco_desktop.demo.seed import DEMO_PASSWORD
from tests.api.conftest import Moco

MONTH_START = dt.date(2024, 3, 1)


async def _bookable(client: MocoClient) -> AssignedProject:
    projects = await client.assigned_projects()
    return next(p for p in projects if p.active and p.contract_active and p.tasks)


# --- authentication --------------------------------------------------------------------------


async def test_login_returns_the_key_without_sending_one(moco: Moco) -> None:
    async with moco.client() as client:
        result = await client.login(moco.account.normal.email, DEMO_PASSWORD)
    assert result.user_id == moco.normal_id
    assert result.api_key.reveal() == moco.account.normal.api_key
    (request,) = moco.requests("POST", "/session")
    assert request.auth_user_id is None  # no Authorization header went out
    assert request.body == {"email": moco.account.normal.email, "password": DEMO_PASSWORD}


async def test_login_with_wrong_password(client: MocoClient, moco: Moco) -> None:
    with pytest.raises(InvalidCredentialsError) as caught:
        await client.login(moco.account.normal.email, "wrong")
    assert caught.value.status == 401


async def test_session_and_profile(client: MocoClient, moco: Moco) -> None:
    session = await client.session()
    assert session.user_id == moco.normal_id
    assert session.uuid
    profile = await client.profile()
    assert profile.id == moco.normal_id
    assert profile.full_name == "Jonas Weber"
    assert profile.email == moco.account.normal.email


async def test_the_server_time_is_mocos_clock(client: MocoClient, moco: Moco) -> None:
    """What `updated_after` is asked from: the `Date` of MOCO's latest answer (its clock, to
    the second, whatever this computer's clock says)."""
    assert client.server_time is None
    await client.profile()
    assert client.server_time == moco.clock.now().astimezone(dt.UTC).replace(microsecond=0)
    moco.clock.advance(3600.7)
    await client.profile()
    assert client.server_time == moco.clock.now().astimezone(dt.UTC).replace(microsecond=0)


async def test_for_domain_uses_the_base_url_override(moco: Moco) -> None:
    env = {"MOCO_BASE_URL": moco.server.base_url + "/"}
    async with MocoClient.for_domain("ignored", None, env=env) as client:
        assert client.base_url == moco.server.base_url
        result = await client.login(moco.account.staff.email, DEMO_PASSWORD)
    assert result.user_id == moco.staff_id


# --- people and projects ---------------------------------------------------------------------


async def test_users_for_staff(staff: MocoClient) -> None:
    everyone = await staff.users()
    active = await staff.users(active=True)
    archived = await staff.users(active=False)
    assert [u.full_name for u in archived] == ["Tobias Wolf"]
    assert {u.id for u in everyone} == {u.id for u in active} | {u.id for u in archived}
    assert all(user.active for user in active)
    assert "Jonas Weber" in {user.full_name for user in active}


async def test_users_without_staff_rights_is_forbidden(client: MocoClient) -> None:
    with pytest.raises(ForbiddenError) as caught:
        await client.users()
    assert type(caught.value) is ForbiddenError
    assert caught.value.body is None


async def test_assigned_projects_come_with_tasks(client: MocoClient, moco: Moco) -> None:
    projects = await client.assigned_projects()
    assert projects
    assert all(project.active for project in projects)
    assert any(project.tasks for project in projects)
    assert moco.requests("GET", "/projects/assigned")[0].query == {"active": "true"}
    everything = await client.assigned_projects(active=None)
    assert len(everything) >= len(projects)


async def test_project_tasks(client: MocoClient) -> None:
    project = await _bookable(client)
    tasks = await client.project_tasks(project.id)
    assert {task.id for task in project.tasks} <= {task.id for task in tasks}


async def test_employments_schedules_planning_and_performance(
    client: MocoClient, moco: Moco
) -> None:
    (employment,) = await client.employments(user_id=moco.normal_id)
    assert employment.weekly_target_hours == 40.0
    assert employment.covers(moco.today)

    year_start, year_end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    absences = await client.schedules(date_from=year_start, date_to=year_end)
    assert any(a.assignment.name == "Feiertag" and a.date == year_start for a in absences)
    assert all(year_start <= absence.date <= year_end for absence in absences)

    plans = await client.planning_entries(
        date_from=MONTH_START, date_to=dt.date(2024, 3, 31), user_id=moco.normal_id
    )
    assert plans
    assert all(entry.user is not None and entry.user.id == moco.normal_id for entry in plans)
    query = moco.requests("GET", "/planning_entries")[0].query
    assert query == {"period": "2024-03-01:2024-03-31", "user_id": str(moco.normal_id)}

    report = await client.performance_report(moco.normal_id, year=2024)
    assert report.annually.year == 2024
    assert [month.month for month in report.monthly] == list(range(1, 13))
    assert report.annually.hours_tracked_total > 0


# --- activities ------------------------------------------------------------------------------


async def test_my_activities_always_send_user_id(client: MocoClient, moco: Moco) -> None:
    mine = await client.activities(
        user_id=moco.normal_id, date_from=MONTH_START, date_to=moco.today
    )
    assert mine
    assert {activity.user.id for activity in mine} == {moco.normal_id}
    assert all(MONTH_START <= activity.date <= moco.today for activity in mine)
    query = moco.requests("GET", "/activities")[0].query
    assert query == {"from": "2024-03-01", "to": "2024-03-14", "user_id": str(moco.normal_id)}


async def test_everyones_activities_only_when_asked(staff: MocoClient, moco: Moco) -> None:
    everyone = await staff.activities(user_id=None, date_from=MONTH_START, date_to=moco.today)
    assert len({activity.user.id for activity in everyone}) > 2
    assert "user_id" not in moco.requests("GET", "/activities")[0].query


async def test_activity_filters_are_sent(client: MocoClient, moco: Moco) -> None:
    mine = await client.activities(
        user_id=moco.normal_id, date_from=MONTH_START, date_to=moco.today
    )
    sample = mine[0]
    since = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    filtered = await client.activities(
        user_id=moco.normal_id,
        date_from=MONTH_START,
        date_to=moco.today,
        updated_after=since,
        project_id=sample.project.id,
        task_id=sample.task.id,
    )
    assert sample.id in {activity.id for activity in filtered}
    assert {(a.project.id, a.task.id) for a in filtered} == {(sample.project.id, sample.task.id)}
    query = moco.requests("GET", "/activities")[-1].query
    assert query["updated_after"] == "2024-03-01T11:00:00Z"
    assert query["project_id"] == str(sample.project.id)


async def test_lists_follow_every_page(start_moco: Callable[..., Moco]) -> None:
    paged = start_moco(per_page=7)
    async with paged.client() as client:
        activities = await client.activities(
            user_id=paged.normal_id, date_from=MONTH_START, date_to=paged.today
        )
        pager = client.paginate(
            "/activities",
            {"user_id": str(paged.normal_id), "from": "2024-03-01", "to": "2024-03-14"},
        )
        raw_ids = [item["id"] async for item in pager]
    pages = paged.requests("GET", "/activities")
    assert len(activities) > 7
    assert pager.total == len(activities) == len(raw_ids)
    assert pager.pages == len(pages) // 2 == -(-len(activities) // 7)
    assert [activity.id for activity in activities] == raw_ids
    assert pages[1].query["page"] == "2"
    assert pages[1].query["user_id"] == str(paged.normal_id)


async def test_create_read_update_delete_an_activity(client: MocoClient, moco: Moco) -> None:
    project = await _bookable(client)
    task = project.tasks[0]
    yesterday = moco.today - dt.timedelta(days=1)
    created = await client.create_activity(
        date=yesterday,
        project_id=project.id,
        task_id=task.id,
        seconds=5400,
        description="Workshop vorbereitet",
        tag="RMT-1",
        remote_service="jira",
        remote_id="RMT-1",
        remote_url="https://jira.example/browse/RMT-1",
    )
    assert (created.date, created.seconds, created.description) == (
        yesterday,
        5400,
        "Workshop vorbereitet",
    )
    assert (created.project.id, created.task.id) == (project.id, task.id)
    assert created.remote_id == "RMT-1"
    assert not created.is_running
    assert created.created_at is not None
    assert created.created_at.tzinfo is not None
    sent = moco.requests("POST", "/activities")[0].body
    assert "billable" not in sent  # MOCO decides from the project unless told

    assert await client.activity(created.id) == created

    updated = await client.update_activity(created.id, seconds=7200, description="Workshop")
    assert (updated.seconds, updated.description, updated.tag) == (7200, "Workshop", "RMT-1")
    assert moco.requests("PUT", f"/activities/{created.id}")[0].body == {
        "seconds": 7200,
        "description": "Workshop",
    }
    cleared = await client.update_activity(created.id, remote_id=None, date=moco.today)
    assert cleared.remote_id is None
    assert cleared.date == moco.today

    await client.delete_activity(created.id)
    with pytest.raises(NotFoundError):
        await client.activity(created.id)


async def test_invalid_activity_gets_mocos_german_field_map(client: MocoClient) -> None:
    project = await _bookable(client)
    with pytest.raises(ValidationError) as caught:
        await client.create_activity(
            date=dt.date(2024, 3, 13), project_id=project.id, task_id=1, seconds=60
        )
    assert caught.value.status == 422
    assert caught.value.fields == {"task_id": ["ist nicht gültig"]}
    assert caught.value.message == "MOCO did not accept the entry: task_id: ist nicht gültig"


async def test_start_new_timer_is_one_request(client: MocoClient, moco: Moco) -> None:
    project = await _bookable(client)
    timer = await client.start_new_timer(
        project_id=project.id, task_id=project.tasks[0].id, description="Daily", today=moco.today
    )
    assert timer.is_running
    assert timer.date == moco.today
    assert timer.timer_started_at == dt.datetime(2024, 3, 14, 8, 30, tzinfo=dt.UTC)
    assert moco.requests("POST", "/activities")[0].body["seconds"] == 0
    assert not [r for r in moco.server.requests if r.method == "PATCH"]

    moco.clock.advance(25 * 60)
    now = moco.clock.now()
    assert timer.elapsed_seconds(now) == 25 * 60
    stopped = await client.stop_timer(timer.id)
    assert not stopped.is_running
    assert stopped.seconds == 25 * 60
    # Starting the timer opened today's presence, from the minute the timer started.
    (presence,) = await client.presences(
        user_id=moco.normal_id, date_from=moco.today, date_to=moco.today
    )
    assert presence.from_time == dt.time(9, 30)
    assert presence.is_open


async def test_continue_stop_and_restart_a_timer(client: MocoClient, moco: Moco) -> None:
    project = await _bookable(client)
    entry = await client.create_activity(
        date=moco.today, project_id=project.id, task_id=project.tasks[0].id, seconds=600
    )
    assert not entry.is_running
    running = await client.start_timer(entry.id)
    assert running.is_running
    # Starting it again (a replay, or another device was faster) is not an error.
    again = await client.start_timer(entry.id)
    assert again.is_running
    assert again.timer_started_at == running.timer_started_at
    moco.clock.advance(60)
    stopped = await client.stop_timer(entry.id)
    assert stopped.seconds == 660
    assert (await client.stop_timer(entry.id)).seconds == 660  # stopping twice is harmless


async def test_timer_on_another_day_is_refused(client: MocoClient, moco: Moco) -> None:
    mine = await client.activities(
        user_id=moco.normal_id, date_from=MONTH_START, date_to=moco.today
    )
    past = next(a for a in mine if a.date < moco.today and not (a.billed or a.locked))
    with pytest.raises(ValidationError) as caught:
        await client.start_timer(past.id)
    assert caught.value.fields == {"base": ["Timer can only be started on the current day"]}


# --- presences -------------------------------------------------------------------------------


async def test_presence_lifecycle(client: MocoClient, moco: Moco) -> None:
    day = dt.date(2024, 3, 16)  # a Saturday without presences
    opened = await client.create_presence(date=day, from_time=dt.time(8, 0))
    assert opened.is_open
    assert opened.from_time == dt.time(8, 0)
    assert moco.requests("POST", "/users/presences")[0].body == {
        "date": "2024-03-16",
        "from": "08:00",
    }

    closed = await client.update_presence(opened.id, to_time=dt.time(12, 30), is_home_office=True)
    assert closed.to_time == dt.time(12, 30)
    assert closed.is_home_office
    assert closed.from_time == dt.time(8, 0)
    patched = moco.requests("PATCH", f"/users/presences/{opened.id}")[0]
    assert patched.body == {"to": "12:30", "is_home_office": True}

    reopened = await client.update_presence(opened.id, to_time=None)
    assert reopened.is_open
    assert moco.requests("PATCH", f"/users/presences/{opened.id}")[1].body == {"to": None}
    assert await client.presence(opened.id) == reopened
    with pytest.raises(ValidationError) as caught:  # the open presence runs to the day's end
        await client.create_presence(date=day, from_time=dt.time(13, 0), to_time=dt.time(17, 0))
    assert caught.value.fields == {"from": ["range overlaps"]}

    await client.update_presence(opened.id, to_time=dt.time(12, 0))
    second = await client.create_presence(
        date=day, from_time=dt.time(13, 0), to_time=dt.time(17, 0), is_home_office=False
    )

    deleted = await client.delete_presence(second.id)
    assert deleted is not None
    assert deleted.id == second.id
    with pytest.raises(NotFoundError):
        await client.presence(second.id)
    listed = await client.presences(user_id=moco.normal_id, date_from=day, date_to=day)
    assert [presence.id for presence in listed] == [opened.id]


async def test_malformed_presence_times_are_never_sent(client: MocoClient, moco: Moco) -> None:
    with pytest.raises(InvalidTimeError):
        await client.create_presence(date=moco.today, from_time="8")  # type: ignore[arg-type]
    with pytest.raises(InvalidTimeError):
        await client.update_presence(1, from_time="25:00")  # type: ignore[arg-type]
    assert moco.server.requests == []


async def test_touch_opens_and_closes_a_presence(client: MocoClient, moco: Moco) -> None:
    opened = await client.touch_presence(is_home_office=True)
    assert opened is not None
    assert (opened.date, opened.from_time, opened.is_open) == (moco.today, dt.time(9, 30), True)
    assert opened.is_home_office
    moco.clock.advance(90 * 60)
    closed = await client.touch_presence()
    assert closed is not None
    assert closed.id == opened.id
    assert closed.to_time == dt.time(11, 0)
    assert moco.requests("POST", "/users/presences/touch")[1].body is None


# --- impersonation ---------------------------------------------------------------------------


async def test_staff_acts_for_a_colleague(staff: MocoClient, moco: Moco) -> None:
    as_jonas = staff.acting_as(moco.normal_id)
    assert as_jonas.impersonate_user_id == moco.normal_id
    assert as_jonas.limiter is staff.limiter
    profile = await as_jonas.profile()
    assert profile.id == moco.normal_id
    (request,) = moco.requests("GET", "/profile")
    assert (request.auth_user_id, request.impersonated_user_id) == (moco.staff_id, moco.normal_id)

    project = await _bookable(as_jonas)
    entry = await as_jonas.create_activity(
        date=dt.date(2024, 3, 13), project_id=project.id, task_id=project.tasks[0].id, seconds=60
    )
    assert entry.user.id == moco.normal_id

    myself = as_jonas.acting_as(None)
    assert (await myself.profile()).id == moco.staff_id
    await as_jonas.aclose()  # a sibling does not close the shared connection pool
    assert not staff.is_closed
    assert (await staff.session()).user_id == moco.staff_id


async def test_acting_for_others_without_staff_rights(client: MocoClient, moco: Moco) -> None:
    with pytest.raises(ImpersonationForbiddenError) as caught:
        await client.acting_as(moco.staff_id).profile()
    assert caught.value.status == 403
    assert caught.value.user_id == moco.staff_id
    assert "act for others" in caught.value.message


async def test_answers_are_freed_without_waiting_for_the_garbage_collector(
    client: MocoClient, moco: Moco
) -> None:
    """perf (issue 7): a page's body is freed once read, not kept in a reference cycle until
    the next full collection (the tests, like the app, collect cycles only on a timer)."""
    import httpx

    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        activities = await client.activities(
            user_id=moco.normal_id,
            date_from=moco.today - dt.timedelta(days=31),
            date_to=moco.today,
        )
        assert activities
        await client.session()
        left = [o for o in gc.get_objects() if isinstance(o, httpx.Response)]
    finally:
        if was_enabled:
            gc.enable()
    assert left == []


async def test_requests_look_for_no_module(client: MocoClient) -> None:
    """perf (issue 7): httpcore asks `import sniffio` for each connection lock of each request;
    without sniffio installed (anyio no longer brings it) every ask searched the whole import
    path again (~0.1 ms, four times a request). A dependency now: no import is searched for
    once the first request is done."""
    import sys

    searched: list[str] = []

    class Recorder:
        @staticmethod
        def find_spec(name: str, path: object = None, target: object = None) -> None:
            searched.append(name)

    await client.session()  # the first request imports what it needs
    sys.meta_path.insert(0, Recorder)
    try:
        for _ in range(3):
            await client.session()
    finally:
        sys.meta_path.remove(Recorder)
    assert searched == []
