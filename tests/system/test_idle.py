"""Idle sources: the per-OS arithmetic with injected functions, detection and its reasons, and
real-OS smoke checks (XScreenSaver under Xvfb, GNOME's and freedesktop's D-Bus interfaces on a
private session bus)."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from moco_desktop.core.i18n import missing_translations
from moco_desktop.system.dbus import DBusCallError, DBusClient, DBusUnavailableError, MethodTarget
from moco_desktop.system.idle import (
    DBusIdleSource,
    FakeIdleSource,
    IdleSource,
    IdleSourceError,
    MacIdleSource,
    UnavailableIdleSource,
    WindowsIdleSource,
    X11IdleSource,
    detect_idle_source,
    freedesktop_screensaver_idle_source,
    is_wayland_session,
    mutter_idle_source,
    platform_candidates,
    wrapped_idle_milliseconds,
)
from tests.system.dbus_helpers import FakeService, private_session_bus

WRAP = 1 << 32


class Ticking:
    """A fake monotonic clock in seconds."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


# --- Windows and macOS arithmetic ------------------------------------------------------------


def test_windows_idle_is_the_tick_difference_in_seconds() -> None:
    source = WindowsIdleSource(last_input_tick=lambda: 1_000_000, tick_count64=lambda: 1_090_500)

    assert source.idle_seconds() == pytest.approx(90.5)
    assert source.available
    assert source.name == "windows"


def test_windows_idle_survives_the_32_bit_wrap_of_the_last_input_tick() -> None:
    # 49.7 days after boot GetTickCount wraps; GetTickCount64 does not.
    last_input = WRAP - 2_000  # 2 s before the wrap, as the 32-bit dwTime
    now64 = WRAP + 3_000  # 3 s after it
    assert wrapped_idle_milliseconds(now64, last_input) == 5_000
    # Several wraps later (uptime > 100 days) it still works.
    assert wrapped_idle_milliseconds(5 * WRAP + 700, 100) == 600
    source = WindowsIdleSource(last_input_tick=lambda: last_input, tick_count64=lambda: now64)
    assert source.idle_seconds() == pytest.approx(5.0)


def test_windows_source_without_user32_says_so() -> None:
    if hasattr(__import__("ctypes"), "WinDLL"):
        pytest.skip("this machine is Windows")
    source = WindowsIdleSource()

    assert source.idle_seconds() is None
    assert not source.available
    assert source.last_error is not None
    assert "user32.dll" in source.last_error.message


def test_mac_source_uses_the_core_graphics_seconds() -> None:
    source = MacIdleSource(seconds_since_last_input=lambda: 42.25)

    assert source.idle_seconds() == 42.25
    assert source.available


def test_a_negative_reading_counts_as_zero() -> None:
    source = MacIdleSource(seconds_since_last_input=lambda: -1.0)

    assert source.idle_seconds() == 0.0


# --- fake ------------------------------------------------------------------------------------


def test_fake_idle_source_follows_its_clock_and_input() -> None:
    clock = Ticking()
    source = FakeIdleSource(clock)
    assert isinstance(source, IdleSource)

    clock.now += 30
    assert source.idle_seconds() == 30
    source.touch()
    assert source.idle_seconds() == 0
    source.set_idle(600)
    assert source.idle_seconds() == 600
    source.fail()
    assert (source.idle_seconds(), source.available) == (None, False)
    source.recover()
    assert source.idle_seconds() == 600


# --- D-Bus sources with an injected client ---------------------------------------------------


class ScriptedClient(DBusClient):
    """A DBusClient whose answers per object path are scripted."""

    def __init__(self, answers: dict[str, Any]) -> None:
        super().__init__()
        self.answers = answers
        self.calls: list[tuple[str, str]] = []
        self.closed = False

    def call(
        self,
        target: MethodTarget,
        method: str,
        signature: str | None = None,
        body: tuple[object, ...] = (),
    ) -> tuple[Any, ...]:
        self.calls.append((target.path, method))
        answer = self.answers[target.path]
        if isinstance(answer, Exception):
            raise answer
        return tuple(answer)

    def close(self) -> None:
        self.closed = True


def test_dbus_source_reads_milliseconds() -> None:
    client = ScriptedClient({"/org/gnome/Mutter/IdleMonitor/Core": (61_500,)})
    source = mutter_idle_source(client)

    assert source.idle_seconds() == pytest.approx(61.5)
    assert client.calls == [("/org/gnome/Mutter/IdleMonitor/Core", "GetIdletime")]


def test_dbus_source_tries_the_next_path_and_remembers_the_working_one() -> None:
    not_supported = DBusCallError("org.freedesktop.DBus.Error.UnknownObject", "no such path")
    client = ScriptedClient({"/org/freedesktop/ScreenSaver": not_supported, "/ScreenSaver": (5,)})
    source = freedesktop_screensaver_idle_source(client)

    assert source.idle_seconds() == pytest.approx(0.005)
    assert source.idle_seconds() == pytest.approx(0.005)
    assert client.calls == [
        ("/org/freedesktop/ScreenSaver", "GetSessionIdleTime"),
        ("/ScreenSaver", "GetSessionIdleTime"),
        ("/ScreenSaver", "GetSessionIdleTime"),
    ]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            DBusCallError("org.freedesktop.DBus.Error.ServiceUnknown", "no owner"),
            "org.gnome.Mutter.IdleMonitor is not running",
        ),
        (
            DBusCallError("org.freedesktop.DBus.Error.NotSupported", "Wayland"),
            "does not report idle time (org.freedesktop.DBus.Error.NotSupported)",
        ),
        (DBusUnavailableError("no address for the session bus"), "no D-Bus session bus"),
    ],
)
def test_dbus_source_failures_explain_themselves(error: Exception, expected: str) -> None:
    client = ScriptedClient({"/org/gnome/Mutter/IdleMonitor/Core": error})
    source = mutter_idle_source(client)

    with pytest.raises(IdleSourceError) as raised:
        source.probe()
    assert expected in raised.value.message
    assert source.idle_seconds() is None
    assert not source.available


# --- detection -------------------------------------------------------------------------------


class Candidate:
    def __init__(self, name: str, value: float | None) -> None:
        self.name = name
        self.value = value
        self.closed = False

    @property
    def available(self) -> bool:
        return self.value is not None

    def probe(self) -> float:
        if self.value is None:
            raise IdleSourceError("idle.why.service_missing", service=self.name)
        return self.value

    def idle_seconds(self) -> float | None:
        return self.value

    def close(self) -> None:
        self.closed = True


def test_detection_takes_the_first_source_that_answers_and_closes_the_others() -> None:
    broken, working, unused = Candidate("a", None), Candidate("b", 3.0), Candidate("c", 1.0)

    source = detect_idle_source([broken, working, unused])

    assert source is working
    assert broken.closed
    assert not working.closed
    assert not unused.closed


def test_detection_without_any_source_says_why_in_both_languages() -> None:
    source = detect_idle_source([Candidate("gnome-mutter", None), Candidate("x11", None)])

    assert isinstance(source, UnavailableIdleSource)
    assert not source.available
    assert source.idle_seconds() is None
    assert [attempt.source for attempt in source.attempts] == ["gnome-mutter", "x11"]
    english = source.reason_in("en")
    german = source.reason_in("de")
    assert english.startswith("Idle time cannot be measured on this system")
    assert "gnome-mutter: gnome-mutter is not running; x11: x11 is not running" in english
    assert german.startswith("Die Leerlaufzeit lässt sich auf diesem System nicht messen")
    assert "gnome-mutter läuft nicht" in german
    assert not [key for key in missing_translations("de") if key.startswith("idle.")]


def test_linux_candidates_skip_x11_on_wayland() -> None:
    wayland = {"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}
    names = [c.name for c in platform_candidates("linux", wayland)]
    assert names == ["gnome-mutter", "freedesktop-screensaver", "x11"]
    x11_on_wayland = platform_candidates("linux", wayland)[-1]
    with pytest.raises(IdleSourceError) as raised:
        x11_on_wayland.probe()
    assert "Wayland session" in raised.value.message

    on_x11 = platform_candidates("linux", {"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"})
    assert isinstance(on_x11[-1], X11IdleSource)
    assert is_wayland_session({"WAYLAND_DISPLAY": "wayland-1"})
    assert not is_wayland_session({"XDG_SESSION_TYPE": "x11"})


def test_other_platforms_get_their_source_or_a_reason() -> None:
    assert [type(c) for c in platform_candidates("win32", {})] == [WindowsIdleSource]
    assert [type(c) for c in platform_candidates("darwin", {})] == [MacIdleSource]
    source = detect_idle_source(platform="sunos5", environ={})
    assert isinstance(source, UnavailableIdleSource)
    assert "no idle source for the platform sunos5" in source.reason


def test_x11_source_without_display_says_so() -> None:
    source = X11IdleSource(display=None)
    env_display = os.environ.pop("DISPLAY", None)
    try:
        with pytest.raises(IdleSourceError) as raised:
            source.probe()
    finally:
        if env_display is not None:
            os.environ["DISPLAY"] = env_display
    assert raised.value.message == "no X11 display"


def test_headless_detection_here_never_silently_does_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)

    source = detect_idle_source(platform="linux")

    assert isinstance(source, UnavailableIdleSource)
    assert "no D-Bus session bus" in source.reason
    assert "no X11 display" in source.reason


# --- real X11 (Xvfb) -------------------------------------------------------------------------


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    executable = shutil.which("Xvfb")
    if executable is None:
        pytest.skip("Xvfb is not installed (apt package xvfb)")
    if ctypes.util.find_library("Xss") is None:
        pytest.skip("libXss is not installed (apt package libxss1)")
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [
            executable,
            "-displayfd",
            str(write_end),
            "-nolisten",
            "tcp",
            "-screen",
            "0",
            "640x480x24",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as numbers:
            number = numbers.readline().strip()
        if not number:
            pytest.skip("Xvfb did not start")
        yield f":{number}"
    finally:
        process.terminate()
        process.wait(timeout=5)


def _wait_for(condition: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_x11_source_measures_idle_time_on_a_real_x_server(xvfb_display: str) -> None:
    source = X11IdleSource(xvfb_display)
    try:
        first = source.probe()
        assert first >= 0.0
        assert source.available
        grown = _wait_for(lambda: (value := source.idle_seconds()) is not None and value > 0.3)
        assert grown
        xdotool = shutil.which("xdotool")
        if xdotool is not None:
            before = source.idle_seconds()
            assert before is not None
            subprocess.run(
                [xdotool, "mousemove", "20", "30"],
                env={**os.environ, "DISPLAY": xvfb_display},
                check=True,
            )
            after = source.idle_seconds()
            assert after is not None
            assert after < before
    finally:
        source.close()
    assert not source.available


def test_detection_picks_x11_on_an_x_session_without_dbus(
    xvfb_display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)

    source = detect_idle_source(platform="linux", environ={"DISPLAY": xvfb_display})
    try:
        assert isinstance(source, X11IdleSource)
        assert source.available
    finally:
        if isinstance(source, X11IdleSource):
            source.close()


def test_x11_source_on_a_missing_display_explains() -> None:
    source = X11IdleSource(":987")
    with pytest.raises(IdleSourceError) as raised:
        source.probe()
    assert raised.value.message in (
        "cannot open the X11 display :987",
        "libXss is not installed",
        "libX11 is not installed",
    )


# --- real D-Bus (private session bus) --------------------------------------------------------


def test_mutter_source_over_a_real_session_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    with private_session_bus() as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        service = FakeService(
            address,
            "org.gnome.Mutter.IdleMonitor",
            "/org/gnome/Mutter/IdleMonitor/Core",
            "GetIdletime",
            ("t", (125_000,)),
        )
        try:
            source = detect_idle_source(platform="linux", environ={})
            assert isinstance(source, DBusIdleSource)
            assert source.name == "gnome-mutter"
            assert source.idle_seconds() == pytest.approx(125.0)
            assert service.calls == 2
        finally:
            if isinstance(source, DBusIdleSource):
                source.close()
            service.close()


def test_a_screensaver_that_does_not_support_idle_time_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with private_session_bus() as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        # GNOME's screensaver proxy answers NotSupported; KDE on Wayland too.
        service = FakeService(
            address,
            "org.freedesktop.ScreenSaver",
            "/org/freedesktop/ScreenSaver",
            "GetSessionIdleTime",
            "org.freedesktop.DBus.Error.NotSupported",
        )
        try:
            source = detect_idle_source(platform="linux", environ={"XDG_SESSION_TYPE": "wayland"})
        finally:
            service.close()

    assert isinstance(source, UnavailableIdleSource)
    reason = source.reason
    assert "gnome-mutter: org.gnome.Mutter.IdleMonitor is not running" in reason
    assert "freedesktop-screensaver: org.freedesktop.ScreenSaver does not report idle time" in (
        reason
    )
    assert "x11: a Wayland session" in reason


def test_kde_style_screensaver_at_its_short_path_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    with private_session_bus() as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        service = FakeService(
            address,
            "org.freedesktop.ScreenSaver",
            "/ScreenSaver",
            "GetSessionIdleTime",
            ("u", (2_500,)),
        )
        source = freedesktop_screensaver_idle_source(DBusClient(address))
        try:
            assert source.idle_seconds() == pytest.approx(2.5)
        finally:
            source.close()
            service.close()
