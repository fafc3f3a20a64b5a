"""GUI test fixtures: a seeded embedded MOCO on loopback, an app context pointed at it, and the
desktop shell (tray and windows) running offscreen on the test's qasync loop.

The server has no rate limit and the app uses the "unlimited" plan, so tests never wait for the
limiter; everything else (the HTTP client, the cache, the outbox, the services) is the real code.
The operating system's parts are fakes (`FakeSystem`): an idle source and sleep/lock events
driven by a clock the test moves, and start at login in a temporary XDG directory. `frozen`
stops the clock for MOCO and the app alike (today at 10:00), so a test moves time by hand.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from moco_desktop.app import AppContext
from moco_desktop.core.entities import ApiKey
from moco_desktop.credentials.keyring_store import CredentialStore
from moco_desktop.demo.clock import FakeClock
from moco_desktop.demo.seed import DemoAccount, seed_demo
from moco_desktop.demo.server import EmbeddedMocoServer
from moco_desktop.demo.state import MocoState
from moco_desktop.services import workspace as workspace_module
from moco_desktop.system.autostart import XdgAutostart
from moco_desktop.system.idle import FakeIdleSource
from moco_desktop.system.paths import AppPaths
from moco_desktop.system.power import FakePowerEvents
from moco_desktop.ui.assistant import SystemHooks
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


@dataclass
class FakeSystem:
    """The OS as the app sees it: a clock, an idle source and power events on that clock, and
    start at login in a temporary directory."""

    clock: FakeClock
    idle: FakeIdleSource
    power: FakePowerEvents
    autostart: XdgAutostart
    hooks: SystemHooks

    def away(self, minutes: float) -> None:
        """No input for `minutes`: the clock moves on and the idle time grows with it."""
        self.clock.advance(minutes * 60)

    def back(self) -> None:
        """Input again, now."""
        self.idle.touch()


def fake_hooks() -> SystemHooks:
    """OS hooks for shells a test builds itself: no idle time, no power events, start at login
    under the test's own XDG_CONFIG_HOME."""
    return SystemHooks(
        idle_source=lambda: FakeIdleSource(clock=time.time),
        power_events=lambda _tick: FakePowerEvents(),
        autostart=XdgAutostart(),
    )


@pytest.fixture
def clock() -> FakeClock:
    """Stands at the real time until a test moves it (and only `frozen` makes MOCO and the
    app read it)."""
    return FakeClock(dt.datetime.now(dt.UTC))


@pytest.fixture
def system(clock: FakeClock, tmp_path: Path) -> FakeSystem:
    idle = FakeIdleSource(clock=lambda: clock.now().timestamp())
    power = FakePowerEvents()
    autostart = XdgAutostart(
        config_home=tmp_path / "autostart-config", config_dirs=[tmp_path / "autostart-system"]
    )
    hooks = SystemHooks(
        idle_source=lambda: idle, power_events=lambda _tick: power, autostart=autostart
    )
    return FakeSystem(clock, idle, power, autostart, hooks)


@pytest.fixture
def frozen(clock: FakeClock, moco: Moco, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """MOCO and the app read `clock`, set to today 10:00 (local): time moves only by hand."""
    clock.set(dt.datetime.combine(moco.today, dt.time(10, 0)).astimezone())
    monkeypatch.setattr(workspace_module.SystemClock, "now", lambda _self: clock.now())
    moco.state.clock = clock
    return clock


@pytest.fixture
async def shell(context: AppContext, system: FakeSystem) -> AsyncIterator[DesktopShell]:
    desktop = DesktopShell(
        context,
        refresh_interval=None,
        background_sync=False,
        use_tray=True,
        hooks=system.hooks,
    )
    desktop.assistant_delay_ms = 0  # the idle watch and reminders at once, not 1.5 s later
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
