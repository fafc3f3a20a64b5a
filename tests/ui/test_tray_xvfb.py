"""The real tray under Xvfb with a tray host: open the menu with the mouse and start and stop a
timer through it, as a person would (xdotool clicks and keys, nothing called in-process)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui import xvfb
from tests.ui.app_process import AppProcess
from tests.ui.conftest import Moco

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(not xvfb.available(), reason="needs Xvfb, trayer and xdotool"),
]


@pytest.fixture
def display() -> Iterator[xvfb.XDisplay]:
    screen = xvfb.start_display()
    yield screen
    screen.stop()


def icon_colour(display: xvfb.XDisplay, where: dict[str, Any], path: Path) -> tuple[int, int, int]:
    """The average colour of the tray icon's pixels on screen (ImageMagick)."""
    crop = f"{where['width']}x{where['height']}+{where['x']}+{where['y']}"
    display.run("import", "-window", "root", "-crop", crop, str(path))
    text = display.run(
        "convert",
        str(path),
        "-resize",
        "1x1!",
        "-format",
        "%[fx:int(255*r)],%[fx:int(255*g)],%[fx:int(255*b)]",
        "info:",
    )
    red, green, blue = (int(part) for part in text.strip().split(","))
    return red, green, blue


def wait_for_timer(app: AppProcess, running: bool, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = [e for e in app.events() if e["event"] == "timer_state"]
        if states and states[-1]["running"] is running and states[-1]["pending"] == 0:
            return states[-1]
        time.sleep(0.05)
    raise AssertionError(f"timer running={running} not confirmed; events: {app.events()}")


def open_menu_and_choose(display: xvfb.XDisplay, where: dict[str, Any], downs: int) -> None:
    x = where["x"] + where["width"] // 2
    y = where["y"] + where["height"] // 2
    display.run("xdotool", "mousemove", str(x), str(y), "click", "3")
    time.sleep(0.6)  # the popup maps and grabs the keyboard
    display.run("xdotool", "key", *(["Down"] * downs), "Return")


def test_start_and_stop_a_timer_through_the_real_tray_menu(
    display: xvfb.XDisplay, tmp_path: Path
) -> None:
    app = AppProcess(["--demo"], home=tmp_path / "home", env=display.env())
    try:
        where = app.wait_for("tray_geometry")
        app.wait_for("data_loaded")
        idle = icon_colour(display, where, tmp_path / "idle.png")

        # Menu: status (disabled), Start…, Quick entry…, Recent: first entry. Down three
        # times lands on it.
        open_menu_and_choose(display, where, downs=3)
        started = wait_for_timer(app, running=True)
        assert started["description"]
        time.sleep(0.3)
        running = icon_colour(display, where, tmp_path / "running.png")
        assert running != idle
        assert running[1] > running[0] + 40  # the teal running stopwatch, not the grey idle one

        # Menu now: the running entry (a live line), Stop timer. Down twice lands on Stop.
        open_menu_and_choose(display, where, downs=2)
        wait_for_timer(app, running=False)
        time.sleep(0.3)
        assert icon_colour(display, where, tmp_path / "idle-again.png") == idle
    finally:
        code = app.terminate()
    assert code == 0, app.output()


def test_started_at_login_it_stays_hidden_in_the_tray(
    display: xvfb.XDisplay, tmp_path: Path, moco: Moco
) -> None:
    """`--autostart` (what start at login runs): tray icon, data loaded, no window."""
    env = display.env(
        MOCO_BASE_URL=moco.server.base_url,
        MOCO_API_KEY=moco.account.staff.api_key,
        MOCO_RATE_LIMIT="unlimited",
    )
    app = AppProcess(["--autostart"], home=tmp_path / "home", env=env)
    try:
        app.wait_for("tray_shown")
        app.wait_for("tray_geometry")
        app.wait_for("data_loaded")
        # A real process on a real X server: give a window that should not come the time
        # it would need to be painted.
        time.sleep(1.0)
        assert not [e for e in app.events() if e["event"] == "timesheet_painted"]
        windows = display.run("xdotool", "search", "--name", "Timesheet", check=False)
        assert windows.strip() == ""
    finally:
        code = app.terminate()
    assert code == 0, app.output()
