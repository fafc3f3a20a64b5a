"""A seeded embedded MOCO server over loopback and workspaces talking to it.

These tests run on a plain asyncio loop, not qasync: the services are Qt-free, and under qasync
an in-process server thread can trigger Python's garbage collector, which then destroys qasync's
Qt timers/socket notifiers from the wrong thread and crashes the interpreter
("QObject::~QObject: Timers cannot be stopped from another thread", then SIGSEGV) when
connections are refused and reset as often as these tests do.

The server and the workspaces share one `FakeClock` (Thursday 14 March 2024, 09:30 Berlin), so
"today", timer starts and presence minutes agree and tests move time by hand. Clients retry and
wait for the rate limiter in virtual time (no real pauses) and use short timeouts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from moco_desktop.api.client import MocoClient, RetryPolicy
from moco_desktop.api.ratelimit import RateLimiter
from moco_desktop.core.entities import ApiKey
from moco_desktop.demo.clock import BERLIN, FakeClock
from moco_desktop.demo.seed import DemoAccount, seed_demo
from moco_desktop.demo.server import EmbeddedMocoServer, RecordedRequest
from moco_desktop.demo.state import ActivityRecord, MocoState, PresenceRecord
from moco_desktop.services.events import ChangeHub, Event
from moco_desktop.services.workspace import SyncSettings, Workspace
from moco_desktop.storage.database import Database, open_database

TODAY = dt.date(2024, 3, 14)
NOW = dt.datetime(2024, 3, 14, 9, 30, tzinfo=BERLIN)

FAST = SyncSettings(
    send_timeout=10.0,
    settle_after_lost=dt.timedelta(0),
    full_reconcile_after=dt.timedelta(minutes=10),
)


class InstantTime:
    """Monotonic time that `sleep` moves forward at once (rate-limit waits, retry pauses)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


@dataclass
class Harness:
    """The server, the shared clock, and factories for databases, clients and workspaces."""

    server: EmbeddedMocoServer
    account: DemoAccount
    clock: FakeClock
    directory: Path
    time: InstantTime = field(default_factory=InstantTime)
    clients: list[MocoClient] = field(default_factory=list)
    databases: list[Database] = field(default_factory=list)
    workspaces: list[Workspace] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    hub: ChangeHub = field(default_factory=ChangeHub)

    def __post_init__(self) -> None:
        self.hub.subscribe(self.events.append)

    @property
    def state(self) -> MocoState:
        return self.server.state

    @property
    def jonas(self) -> int:
        return self.account.normal.user_id

    @property
    def anna(self) -> int:
        return self.account.staff.user_id

    @property
    def database_path(self) -> Path:
        return self.directory / "moco-desktop.sqlite3"

    def database(self) -> Database:
        database = open_database(self.database_path)
        self.databases.append(database)
        return database

    def client(self, api_key: str | None = None, *, timeout: float = 2.0) -> MocoClient:
        client = MocoClient(
            self.server.base_url,
            ApiKey(api_key or self.account.normal.api_key),
            limiter=RateLimiter(1000, 1.0, clock=self.time.monotonic, sleep=self.time.sleep),
            timeout=timeout,
            retry=RetryPolicy(jitter=0.0, sleep=self.time.sleep, max_rate_limit_retries=3),
        )
        self.clients.append(client)
        return client

    def workspace(
        self,
        *,
        staff: bool = False,
        acting_user_id: int | None = None,
        database: Database | None = None,
        settings: SyncSettings = FAST,
        timeout: float = 2.0,
        client: MocoClient | None = None,
    ) -> Workspace:
        credentials = self.account.staff if staff else self.account.normal
        workspace = Workspace.open(
            client or self.client(credentials.api_key, timeout=timeout),
            database or (self.databases[0] if self.databases else self.database()),
            f"demo#{credentials.user_id}",
            credentials.user_id,
            acting_user_id,
            clock=self.clock,
            tz=BERLIN,
            hub=self.hub,
            settings=settings,
        )
        self.workspaces.append(workspace)
        return workspace

    def bookable(self, user_id: int | None = None, index: int = 0) -> tuple[int, int]:
        """(project id, task id) number `index` that the user may book on."""
        user = user_id or self.jonas
        pairs: list[tuple[int, int]] = []
        with self.state.lock:
            for project in sorted(self.state.projects.values(), key=lambda p: p.id):
                contract = project.contract_of(user)
                if not project.active or contract is None or not contract.active:
                    continue
                pairs.extend((project.id, task.id) for task in project.tasks if task.active)
        return pairs[index]

    def activities(
        self, user_id: int | None = None, day: dt.date | None = TODAY
    ) -> list[ActivityRecord]:
        """The user's activities in MOCO (today's by default)."""
        found = self.state.activities_of(user_id or self.jonas)
        return [a for a in found if day is None or a.date == day]

    def presences(
        self, user_id: int | None = None, day: dt.date | None = TODAY
    ) -> list[PresenceRecord]:
        return self.state.presences_of(user_id or self.jonas, day)

    def requests(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        full = "/api/v1" + path_prefix
        return [r for r in self.server.requests if r.method == method and r.path.startswith(full)]

    def advance(self, **delta: float) -> None:
        self.clock.advance(dt.timedelta(**delta).total_seconds())


def pytest_asyncio_loop_factories(config: Any, item: Any) -> dict[str, Callable[[], Any]]:
    return {"asyncio": asyncio.new_event_loop}


def start_server(state: MocoState, port: int = 0) -> EmbeddedMocoServer:
    return EmbeddedMocoServer(state, port=port, rate_limit=None).start()


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    clock = FakeClock(NOW.replace(tzinfo=None))
    state = MocoState(clock=clock)
    account = seed_demo(state, TODAY)
    server = start_server(state)
    test_harness = Harness(server, account, clock, tmp_path)
    try:
        yield test_harness
    finally:
        for workspace in test_harness.workspaces:
            await workspace.close()
        for client in test_harness.clients:
            await client.aclose()
        for database in test_harness.databases:
            database.close()
        server.stop()
