"""Retries, lost answers and rate limits against the embedded server's fault injection."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import pytest

from moco_desktop.api.client import ClientEvent, MocoClient, RetryPolicy, RetryWait
from moco_desktop.api.errors import (
    NetworkError,
    RateLimitedError,
    ResponseLostError,
    ServerError,
)
from moco_desktop.api.ratelimit import RateLimiter, RateLimitWait
from moco_desktop.core.entities import AssignedProject
from moco_desktop.demo.ratelimit import RateLimitRule
from tests.api.conftest import Moco
from tests.api.fakes import SteppingTime

YESTERDAY = dt.date(2024, 3, 13)


async def _bookable(client: MocoClient) -> AssignedProject:
    projects = await client.assigned_projects()
    return next(p for p in projects if p.active and p.contract_active and p.tasks)


def _retries(events: list[ClientEvent]) -> list[RetryWait]:
    return [event for event in events if isinstance(event, RetryWait)]


# --- idempotent requests are retried ---------------------------------------------------------


async def test_get_survives_a_503_burst(client: MocoClient, moco: Moco) -> None:
    moco.server.faults.fail_next(3, 503, method="GET", path_prefix="/profile")
    profile = await client.profile()
    assert profile.id == moco.normal_id
    assert [r.status for r in moco.requests("GET", "/profile")] == [503, 503, 503, 200]
    assert moco.pauses.sleeps == [0.5, 1.0, 2.0]  # capped exponential backoff (no jitter here)
    assert [(e.attempt, e.reason) for e in _retries(moco.events)] == [
        (2, "HTTP 503"),
        (3, "HTTP 503"),
        (4, "HTTP 503"),
    ]


async def test_get_gives_up_after_max_attempts(client: MocoClient, moco: Moco) -> None:
    moco.server.faults.fail_next(10, 502, method="GET", path_prefix="/profile")
    with pytest.raises(ServerError) as caught:
        await client.profile()
    assert caught.value.status == 502
    assert len(moco.requests("GET", "/profile")) == 4


async def test_get_survives_connection_resets(client: MocoClient, moco: Moco) -> None:
    moco.server.faults.reset_next(2, method="GET", path_prefix="/session")
    assert (await client.session()).user_id == moco.normal_id
    assert [r.status for r in moco.requests("GET", "/session")] == [0, 0, 200]


async def _recorded(moco: Moco, method: str, path: str, count: int) -> list[int]:
    """The statuses of `method path`, once the server has recorded `count` of them (a hung
    request is recorded when the server gives up on it)."""
    for _ in range(200):
        found = moco.requests(method, path)
        if len(found) >= count:
            return [r.status for r in found]
        await asyncio.sleep(0.01)
    raise AssertionError(f"the server saw {moco.requests(method, path)}")


async def test_get_survives_a_timeout(moco: Moco) -> None:
    moco.server.faults.hang_next(1, 0.8, method="GET", path_prefix="/profile")
    async with moco.client(timeout=0.3) as client:
        assert (await client.profile()).id == moco.normal_id
    assert sorted(await _recorded(moco, "GET", "/profile", 2)) == [0, 200]


async def test_unreachable_server_is_a_network_error(moco: Moco) -> None:
    moco.server.faults.refuse_connections = True
    async with moco.client() as client:
        with pytest.raises(NetworkError) as caught:
            await client.session()
    assert type(caught.value) is NetworkError
    assert not caught.value.may_have_been_applied
    assert len(_retries(moco.events)) == 3


async def test_post_is_retried_while_nothing_was_sent(moco: Moco) -> None:
    """Connection refused: the request never left, so even a POST may go again."""

    def back_online(event: ClientEvent) -> None:
        moco.events.append(event)
        moco.server.faults.refuse_connections = False

    async with moco.client() as client:
        project = await _bookable(client)
    moco.server.faults.refuse_connections = True
    async with moco.client(on_event=back_online) as client:
        created = await client.create_activity(
            date=YESTERDAY, project_id=project.id, task_id=project.tasks[0].id, seconds=60
        )
    assert len(moco.requests("POST", "/activities")) == 1
    assert created.id in moco.state.activities


# --- writes whose answer is lost -------------------------------------------------------------


async def test_post_with_a_lost_answer_is_never_resent(client: MocoClient, moco: Moco) -> None:
    project = await _bookable(client)
    before = set(moco.state.activities)
    moco.server.faults.lose_next_response(1, method="POST", path_prefix="/activities")
    with pytest.raises(ResponseLostError) as caught:
        await client.create_activity(
            date=YESTERDAY,
            project_id=project.id,
            task_id=project.tasks[0].id,
            seconds=900,
            remote_id="outbox-42",
        )
    assert caught.value.may_have_been_applied
    assert (caught.value.method, caught.value.path) == ("POST", "/activities")
    assert len(moco.requests("POST", "/activities")) == 1
    (applied,) = set(moco.state.activities) - before  # it did happen; the outbox reconciles
    assert moco.state.activities[applied].remote_id == "outbox-42"


async def test_post_with_a_reset_connection_is_never_resent(client: MocoClient, moco: Moco) -> None:
    moco.server.faults.reset_next(1, method="POST", path_prefix="/users/presences/touch")
    with pytest.raises(ResponseLostError):
        await client.touch_presence()
    assert len(moco.requests("POST", "/users/presences/touch")) == 1


async def test_post_timeout_is_a_lost_answer(moco: Moco) -> None:
    moco.server.faults.hang_next(1, 0.8, method="POST", path_prefix="/users/presences")
    async with moco.client(timeout=0.3) as client:
        with pytest.raises(ResponseLostError):
            await client.create_presence(date=YESTERDAY, from_time=dt.time(20, 0))
    assert await _recorded(moco, "POST", "/users/presences", 1) == [0]
    await asyncio.sleep(0.05)
    assert len(moco.requests("POST", "/users/presences")) == 1


@pytest.mark.parametrize(("status", "lost"), [(502, True), (504, True), (503, False)])
async def test_post_gateway_errors_are_not_resent(
    client: MocoClient, moco: Moco, status: int, lost: bool
) -> None:
    moco.server.faults.fail_next(1, status, method="POST", path_prefix="/users/presences")
    with pytest.raises((ResponseLostError, ServerError)) as caught:
        await client.create_presence(date=YESTERDAY, from_time=dt.time(20, 0))
    assert isinstance(caught.value, ResponseLostError) is lost
    assert caught.value.status == status
    assert len(moco.requests("POST", "/users/presences")) == 1


async def test_put_with_a_lost_answer_is_replayed(client: MocoClient, moco: Moco) -> None:
    project = await _bookable(client)
    entry = await client.create_activity(
        date=YESTERDAY, project_id=project.id, task_id=project.tasks[0].id, seconds=60
    )
    moco.server.faults.lose_next_response(1, method="PUT", path_prefix="/activities")
    updated = await client.update_activity(entry.id, seconds=120)
    assert updated.seconds == 120
    assert len(moco.requests("PUT", f"/activities/{entry.id}")) == 2


async def test_start_timer_replay_after_a_lost_answer_succeeds(
    client: MocoClient, moco: Moco
) -> None:
    project = await _bookable(client)
    entry = await client.create_activity(
        date=moco.today, project_id=project.id, task_id=project.tasks[0].id, seconds=300
    )
    moco.server.faults.lose_next_response(1, method="PATCH", path_prefix="/activities")
    running = await client.start_timer(entry.id)
    assert running.is_running
    path = f"/activities/{entry.id}/start_timer"
    assert [r.status for r in moco.requests("PATCH", path)] == [200, 422]


async def test_stop_timer_replay_after_a_lost_answer_succeeds(
    client: MocoClient, moco: Moco
) -> None:
    project = await _bookable(client)
    timer = await client.start_new_timer(
        project_id=project.id, task_id=project.tasks[0].id, today=moco.today
    )
    moco.clock.advance(120)
    moco.server.faults.lose_next_response(1, method="PATCH", path_prefix="/activities")
    stopped = await client.stop_timer(timer.id)
    assert not stopped.is_running
    assert stopped.seconds == 120
    path = f"/activities/{timer.id}/stop_timer"
    assert [r.status for r in moco.requests("PATCH", path)] == [200, 422]


async def test_delete_replay_that_finds_nothing_counts_as_done(
    client: MocoClient, moco: Moco
) -> None:
    presence = await client.create_presence(date=YESTERDAY, from_time=dt.time(20, 0))
    moco.server.faults.lose_next_response(1, method="DELETE", path_prefix="/users/presences")
    assert await client.delete_presence(presence.id) is None
    assert presence.id not in moco.state.presences
    assert [r.status for r in moco.requests("DELETE", f"/users/presences/{presence.id}")] == [
        200,
        404,
    ]

    project = await _bookable(client)
    entry = await client.create_activity(
        date=YESTERDAY, project_id=project.id, task_id=project.tasks[0].id, seconds=60
    )
    moco.server.faults.lose_next_response(1, method="DELETE", path_prefix="/activities")
    await client.delete_activity(entry.id)
    assert entry.id not in moco.state.activities


async def test_put_that_keeps_failing_may_have_been_applied(client: MocoClient, moco: Moco) -> None:
    project = await _bookable(client)
    entry = await client.create_activity(
        date=YESTERDAY, project_id=project.id, task_id=project.tasks[0].id, seconds=60
    )
    moco.server.faults.lose_next_response(4, method="PUT", path_prefix="/activities")
    with pytest.raises(NetworkError) as caught:
        await client.update_activity(entry.id, description="x")
    assert caught.value.may_have_been_applied
    assert not isinstance(caught.value, ResponseLostError)


# --- rate limits -----------------------------------------------------------------------------


def _throttled_client(moco: Moco, time: SteppingTime, base_delay: float = 0.5) -> MocoClient:
    limiter = RateLimiter(100, 15.0, clock=time.monotonic, sleep=time.sleep)
    policy = RetryPolicy(base_delay=base_delay, jitter=0.0, sleep=time.sleep)
    return moco.client(limiter=limiter, retry=policy)


async def test_429_with_retry_after_is_honoured(moco: Moco) -> None:
    time = SteppingTime()
    moco.server.faults.fail_next(
        1, 429, method="POST", path_prefix="/users/presences", retry_after=8
    )
    async with _throttled_client(moco, time) as client:
        presence = await client.create_presence(date=YESTERDAY, from_time=dt.time(20, 0))
        assert client.limiter.blocked_for() == 0.0
    assert presence.from_time == dt.time(20, 0)
    assert [r.status for r in moco.requests("POST", "/users/presences")] == [429, 200]
    assert time.sleeps == [8.0]
    assert [e for e in moco.events if isinstance(e, RateLimitWait)] == [
        RateLimitWait(8.0, "server")
    ]


async def test_429_without_retry_after_waits_for_the_window(moco: Moco) -> None:
    time = SteppingTime()
    moco.server.faults.fail_next(2, 429, method="GET", path_prefix="/profile")
    async with _throttled_client(moco, time, base_delay=4.0) as client:
        await client.session()  # at t
        time.now += 5.0
        await client.session()  # at t + 5
        time.now += 5.0
        assert (await client.profile()).id == moco.normal_id  # 429 at t + 10 and t + 15
    assert [r.status for r in moco.requests("GET", "/profile")] == [429, 429, 200]
    # First until the request from t leaves the 15 s window (5 s > 4 s backoff), then the
    # backoff (8 s > the 5 s until the request from t + 5 leaves).
    assert time.sleeps == [5.0, 8.0]
    waits = [e for e in moco.events if isinstance(e, RateLimitWait)]
    assert [wait.reason for wait in waits] == ["server", "server"]
    assert waits[0].message == "MOCO asks us to slow down, retrying in 5 s."


async def test_429_exhausted_raises_rate_limited(moco: Moco) -> None:
    time = SteppingTime()
    moco.server.faults.fail_next(20, 429, method="GET", path_prefix="/profile")
    async with _throttled_client(moco, time) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.profile()
    assert caught.value.status == 429
    assert len(moco.requests("GET", "/profile")) == 5  # first try + 4 retries, no tight loop
    assert all(pause >= 0.5 for pause in time.sleeps)


async def test_a_429_holds_back_every_client_of_the_account(moco: Moco) -> None:
    time = SteppingTime()
    moco.server.faults.fail_next(1, 429, method="GET", path_prefix="/profile", retry_after=30)
    async with _throttled_client(moco, time) as client:
        sibling = client.acting_as(None)
        await client.profile()
        assert client.limiter.blocked_for() == 0.0
        client.limiter.penalise(10.0)
        await sibling.session()
    assert time.sleeps == [30.0, 10.0]


async def test_recovers_from_the_real_server_rate_limit(
    start_moco: Callable[..., Moco],
) -> None:
    moco = start_moco(rate_limit=RateLimitRule(3, 0.3))
    # A client that believes in a looser limit than the server enforces.
    async with moco.client(
        limiter=RateLimiter(100, 0.3), retry=RetryPolicy(base_delay=0.05, jitter=0.1)
    ) as client:
        sessions = await asyncio.gather(*(client.session() for _ in range(7)))
    assert {session.user_id for session in sessions} == {moco.normal_id}
    statuses = [r.status for r in moco.requests("GET", "/session")]
    assert statuses.count(200) == 7
    assert 429 in statuses
    assert any(isinstance(e, RateLimitWait) and e.reason == "server" for e in moco.events)


async def test_a_limiter_as_strict_as_the_server_avoids_429(
    start_moco: Callable[..., Moco],
) -> None:
    moco = start_moco(rate_limit=RateLimitRule(3, 0.2))
    # Stricter by a margin: the server stamps a request when it arrives, a little later.
    async with moco.client(limiter=RateLimiter(3, 0.5)) as client:
        await asyncio.gather(*(client.session() for _ in range(5)))
    assert [r.status for r in moco.requests("GET", "/session")] == [200] * 5
    assert [e.reason for e in moco.events if isinstance(e, RateLimitWait)] == ["window"] * 2
