"""Test-wide fixtures: isolated user directories, an in-memory keyring, a qasync event loop.

Every test runs with its own XDG/APPDATA directories (nothing touches the real home), a keyring
that lives in memory, and Qt in offscreen mode unless a test asks for Xvfb.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import keyring
import keyring.backend
import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps secrets in a dict, so tests never touch the OS keyring."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        import keyring.errors

        if (service, username) not in self.secrets:
            raise keyring.errors.PasswordDeleteError(username)
        del self.secrets[(service, username)]


_tests_since_full_collection = 0


def pytest_configure(config: pytest.Config) -> None:
    """Garbage is collected on the main thread only, as in the app (MainThreadGarbageCollector):
    the embedded server's and executor threads would otherwise free Qt objects now and then,
    and Qt crashes later when it fires a timer at them."""
    gc.disable()


@pytest.fixture(autouse=True)
def main_thread_garbage_collection() -> Iterator[None]:
    global _tests_since_full_collection
    yield
    _tests_since_full_collection += 1
    if _tests_since_full_collection >= 50:
        _tests_since_full_collection = 0
        gc.collect()
    else:
        gc.collect(1)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every platform directory (config, data, cache, state) into the test's tmp dir."""
    home = tmp_path / "home"
    for variable, sub in {
        "XDG_CONFIG_HOME": "config",
        "XDG_DATA_HOME": "data",
        "XDG_CACHE_HOME": "cache",
        "XDG_STATE_HOME": "state",
        "APPDATA": "appdata",
        "LOCALAPPDATA": "localappdata",
    }.items():
        folder = home / sub
        folder.mkdir(parents=True)
        monkeypatch.setenv(variable, str(folder))
    for variable in ("MOCO_DOMAIN", "MOCO_BASE_URL", "MOCO_API_KEY", "MOCO_LANG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MOCO_LANG", "en")
    return home


@pytest.fixture(autouse=True)
def fresh_rate_limiters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no process-wide rate limiter: a test's embedded server can get the
    port of an earlier test's, whose limiter would still hold that test's requests."""
    from moco_desktop.api import ratelimit

    monkeypatch.setattr(ratelimit, "_registry", {})


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    from moco_desktop.core import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("en")


def pytest_asyncio_loop_factories(config: Any, item: Any) -> dict[str, Callable[[], Any]]:
    """Async tests run on a qasync loop, so Qt timers and signals work while a test awaits."""
    import qasync

    class MainThreadGcQEventLoop(qasync.QEventLoop):  # type: ignore[misc]
        """A qasync loop during whose life garbage is collected on the main thread only.

        The embedded server's threads would otherwise run the cyclic collector now and then and
        free qasync's or the app's Qt objects there, which crashes Qt later ("Timers cannot be
        stopped from another thread"). The app does the same with MainThreadGarbageCollector.
        """

        def __init__(self, app: QCoreApplication) -> None:
            self._gc_was_enabled = gc.isenabled()
            gc.disable()
            super().__init__(app)

        def close(self) -> None:
            super().close()
            gc.collect()
            if self._gc_was_enabled:
                gc.enable()

    return {"qasync": lambda: MainThreadGcQEventLoop(QApplication.instance() or QApplication([]))}
