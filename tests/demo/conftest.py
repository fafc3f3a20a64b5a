"""Fixtures for the embedded server's tests: a small known account, a fake clock, clients.

The clock stands on Wednesday 2026-03-11, 10:00 in Berlin. The account has a staff user and a
normal user, both assigned to "Website" (tasks Design, Entwicklung, an inactive Altlast), a
project only the staff user is assigned to, and an archived project.
"""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from moco_desktop.demo.clock import BERLIN, FakeClock
from moco_desktop.demo.server import EmbeddedMocoServer
from moco_desktop.demo.state import MocoState, ProjectRecord, TaskRecord, UserRecord

TODAY = dt.date(2026, 3, 11)
NOW = dt.datetime(2026, 3, 11, 10, 0, tzinfo=BERLIN)
STAFF_KEY = "staff-key-0001"
MEMBER_KEY = "member-key-0002"
# Building an SSL context costs ~30 ms per httpx client; loopback tests share one.
SHARED_SSL_CONTEXT = ssl.create_default_context()


@dataclass
class World:
    state: MocoState
    staff: UserRecord
    member: UserRecord
    project: ProjectRecord
    design: TaskRecord
    development: TaskRecord
    retired_task: TaskRecord
    staff_only_project: ProjectRecord
    archived_project: ProjectRecord


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def world(clock: FakeClock) -> World:
    state = MocoState(clock=clock)
    staff = state.add_user("Anna", "Becker", api_key=STAFF_KEY, staff=True, email="anna@x.de")
    member = state.add_user("Jonas", "Weber", api_key=MEMBER_KEY, email="jonas@x.de")
    customer = state.add_customer("Bäckerei Hansen GmbH")
    project = state.add_project(
        "Website",
        customer=customer,
        identifier="P0001",
        tasks=["Design", "Entwicklung", "Altlast"],
        assigned=[staff.id, member.id],
    )
    design, development, retired = project.tasks
    retired.active = False
    staff_only = state.add_project(
        "Intern", customer=customer, identifier="P0002", assigned=[staff.id], billable=False
    )
    archived = state.add_project(
        "Alt", customer=customer, identifier="P0003", assigned=[staff.id, member.id], active=False
    )
    return World(state, staff, member, project, design, development, retired, staff_only, archived)


@pytest.fixture
def server(world: World, clock: FakeClock) -> Iterator[EmbeddedMocoServer]:
    with EmbeddedMocoServer(world.state, rate_limit=None, clock=clock) as running:
        yield running


Connect = Callable[..., httpx.Client]


@pytest.fixture
def connect(server: EmbeddedMocoServer) -> Iterator[Connect]:
    """`connect(api_key=None, *, impersonate=None, bearer=False)` -> a client for the server."""
    clients: list[httpx.Client] = []

    def make(
        api_key: str | None = None, *, impersonate: int | None = None, bearer: bool = False
    ) -> httpx.Client:
        headers = {}
        if api_key is not None:
            headers["Authorization"] = f"Bearer {api_key}" if bearer else f"Token token={api_key}"
        if impersonate is not None:
            headers["X-IMPERSONATE-USER-ID"] = str(impersonate)
        client = httpx.Client(
            base_url=server.base_url, headers=headers, timeout=5.0, verify=SHARED_SSL_CONTEXT
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def staff(connect: Connect) -> httpx.Client:
    return connect(STAFF_KEY)


@pytest.fixture
def member(connect: Connect) -> httpx.Client:
    return connect(MEMBER_KEY)
