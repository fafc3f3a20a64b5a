"""Client-side rate limiting, so the app stays under MOCO's request quota instead of hitting it.

MOCO allows a fixed number of requests per sliding window and answers 429 beyond it (without
rate-limit headers). `RateLimiter` keeps the timestamps of the last requests and makes callers
wait for a free slot; `penalise` holds everybody back after a 429. Slots are reserved without
awaiting in between, so concurrent tasks on one event loop can never overshoot the window.

MOCO counts a request when it arrives, which is some time after we send it; a window that has
just freed up here may not have freed up there yet (with the same quota, every such race is a
429). So once a request is answered (`answered(slot)`), it counts from the moment of the answer,
which is never earlier than its arrival at MOCO.
Every client of one account (including its impersonating siblings) shares one limiter through
`limiter_for`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import ClassVar, Literal

from moco_desktop.core.i18n import register, tr
from moco_desktop.core.records import record

MESSAGES = register(
    {
        "api.rate_limit.server": {
            "en": "MOCO asks us to slow down, retrying in {seconds} s.",
            "de": "MOCO bittet um eine Pause, neuer Versuch in {seconds} s.",
        },
        "api.rate_limit.window": {
            "en": "Waiting {seconds} s to stay within MOCO's request limit.",
            "de": "Warte {seconds} s, um MOCOs Anfragelimit einzuhalten.",
        },
    }
)

WaitReason = Literal["server", "window"]


@record
class RateLimitWait:
    """A request is held back for `seconds`: because MOCO answered 429 ("server") or to stay
    within the known quota ("window")."""

    seconds: float
    reason: WaitReason

    @property
    def message(self) -> str:
        return tr(f"api.rate_limit.{self.reason}", seconds=max(1, round(self.seconds)))


@record
class RateLimitPlan:
    """MOCO's quota: `max_requests` per `per_seconds` sliding window."""

    max_requests: int
    per_seconds: float

    STANDARD_SEED: ClassVar[RateLimitPlan]
    """15 per 15 s: the older documented limit, and the strictest; the default."""
    STANDARD: ClassVar[RateLimitPlan]
    """120 per 2 minutes (current docs)."""
    UNLIMITED: ClassVar[RateLimitPlan]
    """1200 per 2 minutes (the "unlimited" plan)."""


RateLimitPlan.STANDARD_SEED = RateLimitPlan(15, 15.0)
RateLimitPlan.STANDARD = RateLimitPlan(120, 120.0)
RateLimitPlan.UNLIMITED = RateLimitPlan(1200, 120.0)


class RateLimiter:
    """A sliding-window limiter: at most `max_requests` start within any `per_seconds`."""

    def __init__(
        self,
        max_requests: int = 15,
        per_seconds: float = 15.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()  # start times, including reserved future ones
        self._blocked_until = float("-inf")
        self.reconfigure(max_requests, per_seconds)

    @property
    def max_requests(self) -> int:
        return self._max_requests

    @property
    def per_seconds(self) -> float:
        return self._per_seconds

    def reconfigure(self, max_requests: int, per_seconds: float) -> None:
        if max_requests < 1 or per_seconds <= 0:
            raise ValueError("a rate limit needs at least one request per positive period")
        self._max_requests = max_requests
        self._per_seconds = per_seconds

    async def acquire(self, on_wait: Callable[[RateLimitWait], None] | None = None) -> float:
        """Wait until a request may be sent, and count it. `on_wait` hears about each wait.
        Returns the request's slot, for `answered`."""
        announced = False
        while True:
            now = self._clock()
            slot, reason = self._reserve(now)
            if slot <= now:
                return slot
            if on_wait is not None and (not announced or reason == "server"):
                on_wait(RateLimitWait(slot - now, reason))
            announced = True
            try:
                # Timers may fire early (Qt's coarse timers, which qasync uses, by up to 5 %:
                # most of a second in 15 s): sleep again until the slot has really come.
                while (remaining := slot - self._clock()) > 0:
                    await self._sleep(remaining)
            except BaseException:
                self._release(slot)
                raise
            if self._clock() >= self._blocked_until and not self._window_full_besides(slot):
                return slot
            # A 429 arrived while we waited (queue behind the penalty), or an answer came late
            # and moved an earlier request into the window: reserve again.
            self._release(slot)

    def answered(self, slot: float) -> None:
        """The request sent in `slot` has been answered (or failed) now: from now on it counts
        from this moment, as MOCO counted it on arrival, which was no later."""
        if slot not in self._sent:
            return
        self._sent.remove(slot)
        moment = max(slot, self._clock())
        index = len(self._sent)
        while index > 0 and self._sent[index - 1] > moment:
            index -= 1
        self._sent.insert(index, moment)

    def penalise(self, seconds: float) -> None:
        """After a 429: nobody (on this limiter) sends for `seconds` from now."""
        self._blocked_until = max(self._blocked_until, self._clock() + max(0.0, seconds))

    def blocked_for(self) -> float:
        """Seconds until the current penalty ends (0 if none)."""
        return max(0.0, self._blocked_until - self._clock())

    def counted(self) -> int:
        """How many requests count in the window now (started, or reserved to start, within
        the last `per_seconds`)."""
        self._prune(self._clock())
        return len(self._sent)

    def until_oldest_expires(self) -> float:
        """Seconds until the oldest counted request leaves the window (0 if the window is empty):
        how long a server with the same quota would still refuse us."""
        now = self._clock()
        self._prune(now)
        return max(0.0, self._sent[0] + self._per_seconds - now) if self._sent else 0.0

    def _prune(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self._per_seconds:
            self._sent.popleft()

    def _window_full_besides(self, slot: float) -> bool:
        """Whether the requests started within the window (other than `slot`) fill it."""
        now = self._clock()
        started = sum(1 for moment in self._sent if now - self._per_seconds < moment <= now)
        return started - 1 >= self._max_requests

    def _release(self, slot: float) -> None:
        if slot in self._sent:
            self._sent.remove(slot)

    def _reserve(self, now: float) -> tuple[float, WaitReason]:
        self._prune(now)
        slot = max(now, self._sent[-1]) if self._sent else now
        if len(self._sent) >= self._max_requests:
            slot = max(slot, self._sent[-self._max_requests] + self._per_seconds)
        reason: WaitReason = "window"
        if self._blocked_until >= slot and self._blocked_until > now:
            slot, reason = self._blocked_until, "server"
        self._sent.append(slot)
        return slot, reason

    def __repr__(self) -> str:
        return f"RateLimiter({self._max_requests}, {self._per_seconds})"


_registry: dict[str, RateLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(account_key: str, plan: RateLimitPlan = RateLimitPlan.STANDARD_SEED) -> RateLimiter:
    """The process-wide limiter of one account; created on first use, re-planned if `plan`
    changed, so every client of the account keeps sharing the same window."""
    with _registry_lock:
        limiter = _registry.get(account_key)
        if limiter is None:
            limiter = _registry[account_key] = RateLimiter(plan.max_requests, plan.per_seconds)
        elif (limiter.max_requests, limiter.per_seconds) != (plan.max_requests, plan.per_seconds):
            limiter.reconfigure(plan.max_requests, plan.per_seconds)
        return limiter
