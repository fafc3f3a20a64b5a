"""The client-side sliding-window limiter, driven by virtual time (no real sleeping)."""

from __future__ import annotations

import asyncio

import pytest

from moco_desktop.api.ratelimit import RateLimiter, RateLimitPlan, RateLimitWait, limiter_for
from moco_desktop.core import i18n
from tests.api.fakes import SteppingTime, VirtualTime


def _max_in_any_window(times: list[float], per_seconds: float) -> int:
    ordered = sorted(times)
    return max(
        sum(1 for other in ordered if start <= other < start + per_seconds) for start in ordered
    )


async def test_allows_a_burst_up_to_the_limit_then_waits_for_the_window() -> None:
    time = SteppingTime()
    limiter = RateLimiter(15, 15.0, clock=time.monotonic, sleep=time.sleep)
    start = time.now
    for _ in range(15):
        await limiter.acquire()
    assert time.now == start
    assert time.sleeps == []
    events: list[RateLimitWait] = []
    await limiter.acquire(events.append)
    assert time.now == start + 15.0
    assert events == [RateLimitWait(15.0, "window")]


async def test_counts_the_requests_in_the_window() -> None:
    time = SteppingTime()
    limiter = RateLimiter(15, 15.0, clock=time.monotonic, sleep=time.sleep)
    assert limiter.counted() == 0
    for _ in range(3):
        await limiter.acquire()
    time.now += 10.0
    await limiter.acquire()
    assert limiter.counted() == 4
    time.now += 5.0  # the first three leave the window
    assert limiter.counted() == 1
    time.now += 10.0
    assert limiter.counted() == 0


async def test_window_slides_instead_of_resetting() -> None:
    time = SteppingTime()
    limiter = RateLimiter(3, 10.0, clock=time.monotonic, sleep=time.sleep)
    sent: list[float] = []
    for gap in (0.0, 4.0, 4.0):  # requests at 0, 4, 8
        time.now += gap
        await limiter.acquire()
        sent.append(time.now)
    await limiter.acquire()  # the one from t=0 leaves the window at t=10
    sent.append(time.now)
    await limiter.acquire()  # the one from t=4 leaves at t=14
    sent.append(time.now)
    assert [moment - sent[0] for moment in sent] == [0.0, 4.0, 8.0, 10.0, 14.0]


async def test_concurrent_tasks_never_exceed_the_window() -> None:
    time = VirtualTime()
    limiter = RateLimiter(5, 10.0, clock=time.monotonic, sleep=time.sleep)
    sent: list[float] = []

    async def request() -> None:
        await limiter.acquire()
        sent.append(time.now)

    start = time.now
    await time.run(*(request() for _ in range(42)))
    assert len(sent) == 42
    assert _max_in_any_window(sent, 10.0) == 5
    # No slot is wasted either: five per window, back to back.
    assert sorted(sent)[-1] == start + 80.0
    assert sorted(sent)[::5] == [start + 10.0 * index for index in range(9)]


async def test_penalise_holds_everybody_back() -> None:
    time = VirtualTime()
    limiter = RateLimiter(100, 10.0, clock=time.monotonic, sleep=time.sleep)
    events: list[RateLimitWait] = []
    sent: list[float] = []

    async def request() -> None:
        await limiter.acquire(events.append)
        sent.append(time.now)

    start = time.now
    await limiter.acquire()
    limiter.penalise(8.0)
    assert limiter.blocked_for() == 8.0
    await time.run(*(request() for _ in range(3)))
    assert sent == [start + 8.0] * 3
    assert events == [RateLimitWait(8.0, "server")] * 3
    assert limiter.blocked_for() == 0.0


async def test_a_penalty_arriving_while_waiting_pushes_sleepers_back() -> None:
    time = VirtualTime()
    limiter = RateLimiter(1, 2.0, clock=time.monotonic, sleep=time.sleep)
    sent: list[float] = []

    async def request() -> None:
        await limiter.acquire()
        sent.append(time.now)

    async def a_429_arrives() -> None:
        await time.sleep(1.0)
        limiter.penalise(5.0)  # until start + 6

    start = time.now
    await limiter.acquire()  # slot at start; the next one would be start + 2
    await time.run(request(), a_429_arrives())
    assert sent == [start + 6.0]


async def test_penalise_never_shortens_a_penalty() -> None:
    time = SteppingTime()
    limiter = RateLimiter(clock=time.monotonic, sleep=time.sleep)
    limiter.penalise(10.0)
    limiter.penalise(2.0)
    assert limiter.blocked_for() == 10.0


async def test_a_cancelled_waiter_gives_its_slot_back() -> None:
    time = VirtualTime()
    limiter = RateLimiter(1, 10.0, clock=time.monotonic, sleep=time.sleep)
    start = time.now
    await limiter.acquire()
    waiter = asyncio.ensure_future(limiter.acquire())
    for _ in range(5):
        await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    sent: list[float] = []

    async def request() -> None:
        await limiter.acquire()
        sent.append(time.now)

    await time.run(request())
    assert sent == [start + 10.0]  # not start + 20: the cancelled reservation is gone


async def test_an_answered_request_counts_from_its_answer() -> None:
    # MOCO counts a request on arrival, after we sent it: a window freed by the send time alone
    # may still be full at MOCO, so the next request waits a window after the answer.
    time = SteppingTime()
    limiter = RateLimiter(2, 10.0, clock=time.monotonic, sleep=time.sleep)
    start = time.now
    first = await limiter.acquire()
    await limiter.acquire()
    time.now += 1.5  # the first answer takes 1.5 s
    limiter.answered(first)
    await limiter.acquire()  # the second one (sent at start) leaves the window at start + 10
    assert time.now == start + 10.0
    await limiter.acquire()  # the first one counts from its answer: start + 1.5 + 10
    assert time.now == start + 11.5


async def test_a_late_answer_sends_a_sleeping_waiter_to_the_back() -> None:
    time = VirtualTime()
    limiter = RateLimiter(1, 10.0, clock=time.monotonic, sleep=time.sleep)
    start = time.now
    in_flight = await limiter.acquire()
    sent: list[float] = []

    async def request() -> None:
        await limiter.acquire()  # reserved for start + 10 while the first is in flight
        sent.append(time.now)

    async def slow_answer() -> None:
        await time.sleep(3.0)
        limiter.answered(in_flight)

    await time.run(request(), slow_answer())
    assert sent == [start + 13.0]


async def test_a_timer_firing_early_does_not_send_early() -> None:
    # qasync's timers are Qt coarse timers: a 15 s sleep may end up to 5 % (0.75 s) early.
    time = SteppingTime()

    async def early_sleep(seconds: float) -> None:
        time.sleeps.append(seconds)
        time.now += seconds * 0.95 if seconds > 0.1 else seconds

    limiter = RateLimiter(2, 15.0, clock=time.monotonic, sleep=early_sleep)
    start = time.now
    await limiter.acquire()
    await limiter.acquire()
    await limiter.acquire()
    assert time.now >= start + 15.0


async def test_until_oldest_expires() -> None:
    time = SteppingTime()
    limiter = RateLimiter(10, 15.0, clock=time.monotonic, sleep=time.sleep)
    assert limiter.until_oldest_expires() == 0.0
    await limiter.acquire()
    time.now += 5.0
    await limiter.acquire()
    assert limiter.until_oldest_expires() == 10.0
    time.now += 10.0
    assert limiter.until_oldest_expires() == 5.0


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="rate limit"):
        RateLimiter(0, 15.0)
    with pytest.raises(ValueError, match="rate limit"):
        RateLimiter(15, 0.0)


def test_plans() -> None:
    assert (RateLimitPlan.STANDARD_SEED.max_requests, RateLimitPlan.STANDARD_SEED.per_seconds) == (
        15,
        15.0,
    )
    assert (RateLimitPlan.STANDARD.max_requests, RateLimitPlan.STANDARD.per_seconds) == (
        120,
        120.0,
    )
    assert (RateLimitPlan.UNLIMITED.max_requests, RateLimitPlan.UNLIMITED.per_seconds) == (
        1200,
        120.0,
    )


def test_limiter_for_shares_one_limiter_per_account() -> None:
    first = limiter_for("test-shared-account")
    assert limiter_for("test-shared-account") is first
    assert limiter_for("test-other-account") is not first
    assert (first.max_requests, first.per_seconds) == (15, 15.0)
    replanned = limiter_for("test-shared-account", RateLimitPlan.UNLIMITED)
    assert replanned is first
    assert (first.max_requests, first.per_seconds) == (1200, 120.0)


def test_wait_messages_for_the_ui() -> None:
    assert RateLimitWait(7.6, "server").message == "MOCO asks us to slow down, retrying in 8 s."
    assert RateLimitWait(0.2, "window").message == (
        "Waiting 1 s to stay within MOCO's request limit."
    )
    i18n.set_language("de")
    assert RateLimitWait(8.0, "server").message == (
        "MOCO bittet um eine Pause, neuer Versuch in 8 s."
    )
