"""Fixtures for the API tests: a seeded embedded MOCO server on a loopback port, and clients.

The server's clock stands still at Thursday, 14 March 2024, 09:30 Berlin time unless a test
moves it. Clients retry without real pauses (their `sleep` only advances a stepping clock) and
get a generous rate limiter, except where a test is about rate limiting.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from moco_desktop.api.client import ClientEvent, MocoClient, RetryPolicy
from moco_desktop.api.ratelimit import RateLimiter
from moco_desktop.core.entities import ApiKey
from moco_desktop.demo.clock import FakeClock
from moco_desktop.demo.seed import DemoAccount, seed_demo
from moco_desktop.demo.server import EmbeddedMocoServer, RecordedRequest
from moco_desktop.demo.state import MocoState
from tests.api.fakes import SteppingTime

TODAY = dt.date(2024, 3, 14)
NOW = dt.datetime(2024, 3, 14, 9, 30)  # Berlin wall time


@dataclass
class Moco:
    """A running embedded server with the demo agency, and what tests need to inspect it."""

    server: EmbeddedMocoServer
    account: DemoAccount
    clock: FakeClock
    today: dt.date = TODAY
    pauses: SteppingTime = field(default_factory=SteppingTime)
    events: list[ClientEvent] = field(default_factory=list)

    @property
    def state(self) -> MocoState:
        return self.server.state

    @property
    def normal_id(self) -> int:
        return self.account.normal.user_id

    @property
    def staff_id(self) -> int:
        return self.account.staff.user_id

    def requests(self, method: str, path: str) -> list[RecordedRequest]:
        """What reached the server for `method` and API path (e.g. "/activities")."""
        full = "/api/v1" + path
        return [r for r in self.server.requests if r.method == method and r.path == full]

    def client(self, api_key: str | None = None, **options: Any) -> MocoClient:
        """A client of the normal user (Jonas) unless another key is given."""
        options.setdefault("limiter", RateLimiter(1000, 1.0))
        options.setdefault("retry", RetryPolicy(jitter=0.0, sleep=self.pauses.sleep))
        options.setdefault("on_event", self.events.append)
        key = ApiKey(api_key or self.account.normal.api_key)
        return MocoClient(self.server.base_url, key, **options)


@pytest.fixture
def start_moco() -> Iterator[Callable[..., Moco]]:
    """Start a seeded server with the given `EmbeddedMocoServer` options (stopped afterwards)."""
    # Free earlier tests' event loops here, before server threads exist that could run the
    # garbage collector instead: qasync's timer QObject keeps Qt timers registered after its
    # loop closed, and freed from a foreign thread it leaves Qt dispatching to a dead object
    # (a segfault a few tests later).
    gc.collect()
    servers: list[EmbeddedMocoServer] = []

    def start(**server_options: Any) -> Moco:
        clock = FakeClock(NOW)
        state = MocoState(clock=clock)
        account = seed_demo(state, TODAY)
        server_options.setdefault("rate_limit", None)
        server = EmbeddedMocoServer(state, **server_options).start()
        servers.append(server)
        return Moco(server, account, clock)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def moco(start_moco: Callable[..., Moco]) -> Moco:
    return start_moco()


@pytest.fixture
async def client(moco: Moco) -> AsyncIterator[MocoClient]:
    """The normal user's client (no staff rights)."""
    async with moco.client() as api:
        yield api


@pytest.fixture
async def staff(moco: Moco) -> AsyncIterator[MocoClient]:
    """The staff user's client (may see colleagues and act for them)."""
    async with moco.client(moco.account.staff.api_key) as api:
        yield api
