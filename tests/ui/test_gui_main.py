"""`moco-desktop --demo` as a new user runs it: the real process, offscreen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.app_process import AppProcess


def test_the_demo_shows_the_timesheet_with_data_and_runs_once(tmp_path: Path) -> None:
    app = AppProcess(
        ["--demo"], home=tmp_path / "home", env={**_offscreen_env(), "MOCO_LANG": "en"}
    )
    try:
        app.wait_for("demo_server")
        app.wait_for("timesheet_painted")
        loaded = app.wait_for("data_loaded")
        # Logged in as the demo user, with the agency's projects and two weeks of bookings.
        assert loaded["projects"] > 20
        assert loaded["recent_entries"] == 8

        second = subprocess.run(
            [sys.executable, "-m", "moco_desktop", "--demo"],
            env=app.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 0
        assert "already running" in second.stdout
        assert app.process.poll() is None  # the first one is still there
    finally:
        code = app.terminate()
    assert code == 0, app.output()


def _offscreen_env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def test_start_at_login_starts_hidden() -> None:
    from moco_desktop.gui_main import _parse
    from moco_desktop.system.autostart import AUTOSTART_ARGUMENT

    options, rest = _parse([AUTOSTART_ARGUMENT])
    assert options.hidden
    assert not options.show
    assert rest == []
    assert _parse(["--hidden"])[0].hidden
    assert not _parse([])[0].hidden


async def test_at_login_the_app_waits_for_the_tray_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QSystemTrayIcon

    from moco_desktop import gui_main

    answers = iter([False, False, True])
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", lambda: next(answers))
    monkeypatch.setattr(gui_main, "TRAY_POLL_SECONDS", 0.0)
    assert await gui_main._wait_for_tray(seconds=1.0)

    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", lambda: False)
    monkeypatch.setattr(gui_main, "TRAY_POLL_SECONDS", 0.25)
    assert not await gui_main._wait_for_tray(seconds=0.0)  # no tray at all: give up, show
