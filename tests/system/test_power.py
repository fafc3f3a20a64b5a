"""Power events: the clock-jump detector on fake clocks, the combined and fake watchers, and
logind / screen saver signals over a real (private) D-Bus session bus."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest

from moco_desktop.system.dbus import DBusUnavailableError
from moco_desktop.system.power import (
    ClockJumpDetector,
    CombinedPowerEvents,
    FakePowerEvents,
    PowerEvent,
    detect_power_events,
    logind_sleep_events,
    screensaver_lock_events,
)
from tests.system.dbus_helpers import emit_signal, private_session_bus

BERLIN = ZoneInfo("Europe/Berlin")
START = dt.datetime(2025, 3, 14, 9, 0, tzinfo=BERLIN)


class Clocks:
    """Monotonic and wall seconds plus the matching aware datetime, moved by hand."""

    def __init__(self) -> None:
        self.mono = 100.0
        self.wall = START.timestamp()

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.wall

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.wall, BERLIN)

    def run(self, seconds: float) -> None:
        """Both clocks advance: the process is running."""
        self.mono += seconds
        self.wall += seconds

    def suspend(self, seconds: float) -> None:
        """Only the wall clock advances: the machine sleeps (Linux, macOS)."""
        self.wall += seconds


def detector(clocks: Clocks, interval: float = 10.0) -> ClockJumpDetector:
    jumps = ClockJumpDetector(
        interval, monotonic=clocks.monotonic, wall=clocks.time, clock=clocks.now
    )
    jumps.start()
    return jumps


def test_regular_ticks_report_nothing() -> None:
    clocks = Clocks()
    jumps = detector(clocks)

    for _ in range(50):
        clocks.run(10)
        assert jumps.poll() == []
    clocks.run(60)  # a late tick within the tolerance (a busy event loop)
    assert jumps.poll() == []


def test_a_suspend_shows_as_wall_time_running_ahead_of_monotonic_time() -> None:
    clocks = Clocks()
    jumps = detector(clocks)
    clocks.run(10)
    jumps.poll()
    last_seen = clocks.now()

    clocks.suspend(3600)
    clocks.run(2)

    [event] = jumps.poll()
    assert event == PowerEvent("resume", clocks.now(), "clock", since=last_seen)
    assert jumps.poll() == []


def test_a_tick_far_too_late_reports_a_resume_where_monotonic_time_counts_sleep() -> None:
    clocks = Clocks()
    jumps = detector(clocks)
    last_seen = clocks.now()

    clocks.run(1800)  # both clocks moved: monotonic counted the sleep (or the process froze)

    [event] = jumps.poll()
    assert (event.kind, event.since) == ("resume", last_seen)


def test_a_clock_set_back_is_not_a_resume() -> None:
    clocks = Clocks()
    jumps = detector(clocks)
    clocks.run(10)
    clocks.wall -= 3600

    assert jumps.poll() == []
    clocks.run(10)
    assert jumps.poll() == []


def test_the_first_poll_without_start_only_sets_the_baseline() -> None:
    clocks = Clocks()
    jumps = ClockJumpDetector(10, monotonic=clocks.monotonic, wall=clocks.time, clock=clocks.now)

    clocks.suspend(7200)
    assert jumps.poll() == []
    with pytest.raises(ValueError, match="positive"):
        ClockJumpDetector(0)


def test_combined_watchers_merge_events_in_time_order() -> None:
    first, second = FakePowerEvents(), FakePowerEvents()
    combined = CombinedPowerEvents([first, second])
    combined.start()
    assert first.started
    assert second.started
    later = START + dt.timedelta(minutes=5)
    first.emit("unlock", later)
    second.emit("lock", START)

    assert [e.kind for e in combined.poll()] == ["lock", "unlock"]
    assert combined.poll() == []
    assert combined.name == "fake+fake"
    combined.stop()
    assert not first.started


def test_without_any_bus_only_the_clock_detector_remains(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)

    watchers = detect_power_events(
        5.0, platform="linux", system_bus="unix:path=/nonexistent/system_bus_socket"
    )

    assert watchers.name == "clock"
    assert watchers.poll() == []
    watchers.stop()
    assert detect_power_events(5.0, platform="win32").name == "clock"


def test_a_signal_watcher_without_a_bus_raises_on_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    watcher = screensaver_lock_events()

    with pytest.raises(DBusUnavailableError, match="session bus"):
        watcher.start()
    assert not watcher.running


# --- real D-Bus ------------------------------------------------------------------------------


def _poll_until(watcher: object, count: int, timeout: float = 5.0) -> list[PowerEvent]:
    events: list[PowerEvent] = []
    deadline = time.monotonic() + timeout
    while len(events) < count and time.monotonic() < deadline:
        events.extend(watcher.poll())  # type: ignore[attr-defined]
        time.sleep(0.01)
    return events


def test_screen_lock_signals_arrive_as_lock_and_unlock() -> None:
    clocks = Clocks()
    with private_session_bus() as address:
        watcher = screensaver_lock_events(address, clock=clocks.now)
        watcher.start()
        try:
            assert watcher.running
            emit_signal(
                address, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver", "ActiveChanged", True
            )
            emit_signal(
                address, "/ScreenSaver", "org.freedesktop.ScreenSaver", "ActiveChanged", False
            )
            events = _poll_until(watcher, 2)
        finally:
            watcher.stop()
    assert [(e.kind, e.source) for e in events] == [
        ("lock", "screensaver"),
        ("unlock", "screensaver"),
    ]
    assert not watcher.running


def test_logind_prepare_for_sleep_gives_sleep_and_resume_with_its_start() -> None:
    clocks = Clocks()
    with private_session_bus() as address:
        watcher = logind_sleep_events(address, clock=clocks.now)
        watcher.start()
        try:
            emit_signal(
                address,
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                True,
            )
            [sleep] = _poll_until(watcher, 1)
            clocks.suspend(1200)
            emit_signal(
                address,
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                False,
            )
            [resume] = _poll_until(watcher, 1)
        finally:
            watcher.stop()
    assert (sleep.kind, sleep.at) == ("sleep", START)
    assert (resume.kind, resume.since, resume.at) == (
        "resume",
        START,
        START + dt.timedelta(seconds=1200),
    )


def test_signals_from_other_objects_are_ignored() -> None:
    with private_session_bus() as address:
        watcher = logind_sleep_events(address)
        watcher.start()
        try:
            # Right interface and member, wrong object path: not logind's manager.
            emit_signal(
                address, "/elsewhere", "org.freedesktop.login1.Manager", "PrepareForSleep", True
            )
            emit_signal(
                address,
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                True,
            )
            # The bus delivers in order: once the second arrived, the first was seen and dropped.
            events = _poll_until(watcher, 1)
            events.extend(watcher.poll())
        finally:
            watcher.stop()
    assert [e.kind for e in events] == ["sleep"]


def test_detection_on_linux_uses_the_buses_that_answer() -> None:
    with private_session_bus() as address:
        watchers = detect_power_events(
            5.0,
            platform="linux",
            session_bus=address,
            system_bus="unix:path=/nonexistent/system_bus_socket",
        )
        try:
            assert watchers.name == "screensaver+clock"
        finally:
            watchers.stop()
