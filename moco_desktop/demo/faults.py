"""Fault injection for the embedded server: latency, errors, lost responses, resets, outages.

All knobs are thread-safe and may be changed while the server runs. One-shot faults are
queued rules that match by method and API path prefix (with or without `/api/v1`) and are
used up by matching requests. A request gets at most one one-shot fault, in this order:
reset, fail, hang, lose response; the random `error_rate` applies only to requests no rule
matched. Fault answers never reach the account: they neither change state nor count towards
the rate limit (they stand for a proxy or the network failing in front of MOCO).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from moco_desktop.core.records import record

API_PREFIX = "/api/v1"


def api_path(path: str) -> str:
    """'/api/v1/activities.json' -> '/activities' (the form fault rules match against)."""
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX) :] or "/"
    if path.endswith(".json"):
        path = path[: -len(".json")]
    return path


@dataclass(slots=True)
class _Rule:
    remaining: int
    method: str | None
    path_prefix: str | None

    def matches(self, method: str, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)


_R = TypeVar("_R", bound=_Rule)


@dataclass(slots=True)
class _FailRule(_Rule):
    status: int = 503
    retry_after: int | None = None


@dataclass(slots=True)
class _HangRule(_Rule):
    seconds: float = 0.0
    carry_out: bool = False


@record
class LatencyRule:
    method: str | None
    path_prefix: str
    seconds: float


@record
class FaultPlan:
    """What the server does to one request (decided once, when it arrives)."""

    latency: float = 0.0
    reset: bool = False
    fail_status: int | None = None
    retry_after: int | None = None
    hang_seconds: float = 0.0
    hang_carry_out: bool = False
    lose_response: bool = False

    @property
    def name(self) -> str | None:
        if self.reset:
            return "reset"
        if self.fail_status is not None:
            return f"fail:{self.fail_status}"
        if self.hang_seconds:
            return "hang" if self.hang_carry_out else "hang:dropped"
        if self.lose_response:
            return "lose_response"
        return None


@dataclass
class _Queues:
    fail: list[_FailRule] = field(default_factory=list)
    lose: list[_Rule] = field(default_factory=list)
    reset: list[_Rule] = field(default_factory=list)
    hang: list[_HangRule] = field(default_factory=list)


class Faults:
    """The fault knobs of one server. See the module docstring for the rules."""

    def __init__(self, *, seed: int | None = 0) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._latency = 0.0
        self._latency_rules: list[LatencyRule] = []
        self._error_rate = 0.0
        self._error_status = 500
        self._queues = _Queues()
        self._refuse = False
        self._refuse_hook: Callable[[bool], None] | None = None

    # ------------------------------------------------------------------ continuous knobs
    @property
    def latency(self) -> float:
        """Seconds added to every response."""
        with self._lock:
            return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        with self._lock:
            self._latency = max(0.0, float(seconds))

    def latency_for(self, method: str | None, path_prefix: str, seconds: float) -> None:
        """Extra seconds for requests with this method (None: any) and API path prefix."""
        with self._lock:
            self._latency_rules.append(
                LatencyRule(_method(method), api_path(path_prefix), max(0.0, seconds))
            )

    @property
    def error_rate(self) -> float:
        """Share (0..1) of requests answered with `error_status` instead of being carried out."""
        with self._lock:
            return self._error_rate

    @error_rate.setter
    def error_rate(self, rate: float) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        with self._lock:
            self._error_rate = rate

    @property
    def error_status(self) -> int:
        with self._lock:
            return self._error_status

    @error_status.setter
    def error_status(self, status: int) -> None:
        with self._lock:
            self._error_status = status

    def seed(self, value: int) -> None:
        """Make the random errors of `error_rate` repeatable."""
        with self._lock:
            self._random.seed(value)

    # ------------------------------------------------------------------ one-shot faults
    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        *,
        method: str | None = None,
        path_prefix: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """The next `count` matching requests answer `status` and change nothing.

        5xx answers look like a proxy's or Rails' error page; 429 sends a JSON message and a
        `Retry-After` header only when `retry_after` is given.
        """
        rule = _FailRule(count, _method(method), _prefix(path_prefix), status, retry_after)
        with self._lock:
            self._queues.fail.append(rule)

    def lose_next_response(
        self, count: int = 1, *, method: str | None = "POST", path_prefix: str | None = None
    ) -> None:
        """Carry out the next `count` matching requests, then close without answering."""
        with self._lock:
            self._queues.lose.append(_Rule(count, _method(method), _prefix(path_prefix)))

    def reset_next(
        self, count: int = 1, *, method: str | None = None, path_prefix: str | None = None
    ) -> None:
        """Reset the connection (TCP RST) of the next `count` matching requests, unprocessed."""
        with self._lock:
            self._queues.reset.append(_Rule(count, _method(method), _prefix(path_prefix)))

    def hang_next(
        self,
        count: int,
        seconds: float,
        *,
        method: str | None = None,
        path_prefix: str | None = None,
        carry_out: bool = False,
    ) -> None:
        """Hold the next `count` matching requests for `seconds`.

        Afterwards the request is carried out and answered if `carry_out`, otherwise the
        connection is closed without carrying it out or answering.
        """
        rule = _HangRule(count, _method(method), _prefix(path_prefix), seconds, carry_out)
        with self._lock:
            self._queues.hang.append(rule)

    # ------------------------------------------------------------------ outage
    @property
    def refuse_connections(self) -> bool:
        """True: the server is "down" (listening socket closed, connections refused)."""
        with self._lock:
            return self._refuse

    @refuse_connections.setter
    def refuse_connections(self, refuse: bool) -> None:
        with self._lock:
            changed = self._refuse != refuse
            self._refuse = refuse
            hook = self._refuse_hook
        if changed and hook is not None:
            hook(refuse)

    def clear(self) -> None:
        """Back to a healthy server: no latency, errors or queued faults; accepting again."""
        with self._lock:
            self._latency = 0.0
            self._latency_rules.clear()
            self._error_rate = 0.0
            self._error_status = 500
            self._queues = _Queues()
        self.refuse_connections = False

    # ------------------------------------------------------------------ server side
    def attach(self, refuse_hook: Callable[[bool], None]) -> None:
        """Called by the server: how to go down and come back up."""
        with self._lock:
            self._refuse_hook = refuse_hook

    def plan(self, method: str, path: str) -> FaultPlan:
        """Decide (and use up) the faults for one request."""
        method = method.upper()
        path = api_path(path)
        with self._lock:
            latency = self._latency + sum(
                rule.seconds
                for rule in self._latency_rules
                if (rule.method is None or rule.method == method)
                and path.startswith(rule.path_prefix)
            )
            if _take(self._queues.reset, method, path) is not None:
                return FaultPlan(latency=latency, reset=True)
            fail = _take(self._queues.fail, method, path)
            if fail is not None:
                return FaultPlan(
                    latency=latency, fail_status=fail.status, retry_after=fail.retry_after
                )
            hang = _take(self._queues.hang, method, path)
            if hang is not None:
                return FaultPlan(
                    latency=latency, hang_seconds=hang.seconds, hang_carry_out=hang.carry_out
                )
            if _take(self._queues.lose, method, path) is not None:
                return FaultPlan(latency=latency, lose_response=True)
            if self._error_rate and self._random.random() < self._error_rate:
                return FaultPlan(latency=latency, fail_status=self._error_status)
            return FaultPlan(latency=latency)


def _take(rules: list[_R], method: str, path: str) -> _R | None:
    for rule in rules:
        if rule.matches(method, path):
            rule.remaining -= 1
            if rule.remaining <= 0:
                rules.remove(rule)
            return rule
    return None


def _method(method: str | None) -> str | None:
    return None if method is None else method.upper()


def _prefix(path_prefix: str | None) -> str | None:
    return None if path_prefix is None else api_path(path_prefix)
