"""GUI test fixtures: a seeded embedded MOCO on loopback, an app context pointed at it, and the
desktop shell (tray and windows) running offscreen on the test's qasync loop.

The server has no rate limit and the app uses the "unlimited" plan, so tests never wait for the
limiter; everything else (the HTTP client, the cache, the outbox, the services) is the real code.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from moco_desktop.app import AppContext
from moco_desktop.core.entities import ApiKey
from moco_desktop.credentials.keyring_store import CredentialStore
from moco_desktop.demo.seed import DemoAccount, seed_demo
from moco_desktop.demo.server import EmbeddedMocoServer
from moco_desktop.demo.state import MocoState
from moco_desktop.system.paths import AppPaths
from moco_desktop.ui.session import Session
from moco_desktop.ui.shell import DesktopShell


@dataclass
class Moco:
    """The embedded server with the demo agency."""

    server: EmbeddedMocoServer
    account: DemoAccount
    today: dt.date

    @property
    def state(self) -> MocoState:
        return self.server.state

    @property
    def anna(self) -> int:
        return self.account.staff.user_id

    @property
    def jonas(self) -> int:
        return self.account.normal.user_id


@pytest.fixture
def moco() -> Iterator[Moco]:
    state = MocoState()
    today = dt.date.today()
    account = seed_demo(state, today)
    server = EmbeddedMocoServer(state, rate_limit=None).start()
    yield Moco(server, account, today)
    server.stop()


def make_context(moco: Moco, root: Path, base_url: str | None = None) -> AppContext:
    env = {"MOCO_BASE_URL": base_url or moco.server.base_url}
    context = AppContext.create(
        AppPaths.under(root), env, credentials=CredentialStore(memory_only=True)
    )
    accounts = context.accounts
    accounts.update_settings(replace(accounts.settings, rate_limit_plan="unlimited"))
    return context


@pytest.fixture
def context(moco: Moco, tmp_path: Path) -> AppContext:
    return make_context(moco, tmp_path / "app")


WAIT_SECONDS = 10.0


async def wait_for(condition: Callable[[], object], seconds: float = WAIT_SECONDS) -> None:
    """Let the qasync loop run until `condition()` is true (no nested Qt loop: polling)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {seconds} s")
        await asyncio.sleep(0.01)


@pytest.fixture
async def shell(context: AppContext) -> AsyncIterator[DesktopShell]:
    desktop = DesktopShell(context, refresh_interval=None, background_sync=False, use_tray=True)
    yield desktop
    await desktop.shutdown()
    await desktop.runner.wait_idle()
    app = QApplication.instance()
    if app is not None:
        app.processEvents()


async def logged_in(shell: DesktopShell, moco: Moco, *, staff: bool = True) -> Session:
    """Log the shell in with a demo user's key and wait for the first refresh."""
    credentials = moco.account.staff if staff else moco.account.normal
    await shell.login_with_api_key("demo", credentials.api_key, show=True)
    session = shell.session
    assert session is not None
    await shell.runner.wait_idle()
    await wait_for(lambda: bool(session.workspace.projects()))
    return session


def api_key(moco: Moco, *, staff: bool = True) -> ApiKey:
    return ApiKey((moco.account.staff if staff else moco.account.normal).api_key)


def bookable_pair(session: Session, number: int = 0, task_number: int = 0) -> tuple[str, int, int]:
    """(picker query, project id, task id) of a project/task the session's user may book."""
    projects = sorted(
        (
            p
            for p in session.workspace.projects()
            if p.active and p.contract_active and sum(t.active for t in p.tasks) >= 2
        ),
        key=lambda p: p.identifier,
    )
    project = projects[number]
    task = [t for t in project.tasks if t.active][task_number]
    return f"{project.identifier} {task.name}", project.id, task.id
