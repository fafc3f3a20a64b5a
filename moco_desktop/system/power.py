"""Sleep, resume, screen lock and unlock: the moments the person is away without idle input.

Every watcher is pull-based: `poll()` returns the events seen since the last poll, so the
idle watch (driven by the GUI's timer tick) stays single-threaded. Watchers:

- `ClockJumpDetector`, which works everywhere: a tick that arrives far later than expected, or
  a wall clock that ran ahead of the monotonic clock (which stops during suspend on Linux and
  macOS), reports a `resume` whose `since` is the last moment the process was seen awake.
- `logind_sleep_events()`: logind's `PrepareForSleep(b)` on the system bus (Linux).
- `screensaver_lock_events()`: `ActiveChanged(b)` of org.freedesktop.ScreenSaver and
  org.gnome.ScreenSaver on the session bus (screen blanked or locked counts as away).

The D-Bus watchers receive in a daemon thread and queue their events. `detect_power_events`
combines what works here; `FakePowerEvents` is for tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

from moco_desktop.core.records import record
from moco_desktop.system.dbus import (
    SESSION_BUS,
    SYSTEM_BUS,
    DBusCallError,
    DBusUnavailableError,
    SignalListener,
    SignalMatch,
)

logger = logging.getLogger("moco_desktop.system.power")

PowerEventKind = Literal["sleep", "resume", "lock", "unlock"]

DEFAULT_JUMP_TOLERANCE_SECONDS = 90.0

LOGIND_MANAGER = SignalMatch(
    "org.freedesktop.login1.Manager", "PrepareForSleep", "/org/freedesktop/login1"
)
SCREENSAVER_SIGNALS = (
    SignalMatch("org.freedesktop.ScreenSaver", "ActiveChanged"),
    SignalMatch("org.gnome.ScreenSaver", "ActiveChanged"),
)


def local_now() -> dt.datetime:
    """The current local time, timezone-aware."""
    return dt.datetime.now().astimezone()


@record
class PowerEvent:
    """Something that makes (or ends) time away: `at` is when it was noticed (aware).

    For `resume`, `since` is when the sleep began if known (the `sleep` event, or the last tick
    before a clock jump).
    """

    kind: PowerEventKind
    at: dt.datetime
    source: str
    since: dt.datetime | None = None

    @property
    def starts_away(self) -> bool:
        return self.kind in ("sleep", "lock")


class PowerEvents(Protocol):
    """A source of power/lock events, polled by the idle watch on every tick."""

    @property
    def name(self) -> str: ...

    def start(self) -> None: ...

    def poll(self) -> list[PowerEvent]: ...

    def stop(self) -> None: ...


class ClockJumpDetector:
    """Reports a resume when a poll comes far too late or the wall clock jumped ahead.

    Poll it every `expected_interval` seconds. `monotonic` and `wall` (seconds) and `clock`
    (aware datetimes) can be injected. A wall clock set back is ignored (no event).
    A wall clock set forward by hand looks like a sleep; that is the price of working
    everywhere without platform notifications.
    """

    name = "clock"

    def __init__(
        self,
        expected_interval: float,
        *,
        tolerance: float = DEFAULT_JUMP_TOLERANCE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        clock: Callable[[], dt.datetime] = local_now,
    ) -> None:
        if expected_interval <= 0:
            raise ValueError("expected_interval must be positive")
        self.expected_interval = expected_interval
        self.tolerance = tolerance
        self._monotonic = monotonic
        self._wall = wall
        self._clock = clock
        self._last: tuple[float, float, dt.datetime] | None = None

    def start(self) -> None:
        self._last = (self._monotonic(), self._wall(), self._clock())

    def stop(self) -> None:
        self._last = None

    def poll(self) -> list[PowerEvent]:
        mono, wall, now = self._monotonic(), self._wall(), self._clock()
        last, self._last = self._last, (mono, wall, now)
        if last is None:
            return []
        last_mono, last_wall, last_seen = last
        mono_elapsed, wall_elapsed = mono - last_mono, wall - last_wall
        if wall_elapsed < -self.tolerance:
            logger.info("wall clock set back by %.0f s", -wall_elapsed)
            return []
        suspended = wall_elapsed - mono_elapsed > self.tolerance
        late = max(mono_elapsed, wall_elapsed) > self.expected_interval + self.tolerance
        if not (suspended or late):
            return []
        logger.info(
            "resume noticed: %.0f s wall, %.0f s monotonic since the last tick",
            wall_elapsed,
            mono_elapsed,
        )
        return [PowerEvent("resume", now, self.name, since=last_seen)]


class DBusSignalPowerEvents:
    """Power events from D-Bus signals, received in a thread and queued until `poll`.

    `translate(match, body)` turns a signal into an event kind (or None to ignore it).
    `start` raises `DBusUnavailableError`/`DBusCallError` when the bus or subscription fails;
    `failure` says why a running watcher stopped.
    """

    def __init__(
        self,
        name: str,
        bus: str,
        matches: Sequence[SignalMatch],
        translate: Callable[[SignalMatch, tuple[Any, ...]], PowerEventKind | None],
        *,
        clock: Callable[[], dt.datetime] = local_now,
    ) -> None:
        self.name = name
        self._translate = translate
        self._clock = clock
        self._events: queue.SimpleQueue[PowerEvent] = queue.SimpleQueue()
        self._slept_at: dt.datetime | None = None
        self._listener = SignalListener(bus, matches, self._on_signal)

    @property
    def running(self) -> bool:
        return self._listener.running

    @property
    def failure(self) -> str | None:
        return self._listener.failure

    def start(self) -> None:
        self._listener.start()

    def stop(self) -> None:
        self._listener.stop()

    def poll(self) -> list[PowerEvent]:
        events: list[PowerEvent] = []
        while True:
            try:
                events.append(self._events.get_nowait())
            except queue.Empty:
                return events

    def _on_signal(self, match: SignalMatch, body: tuple[Any, ...]) -> None:
        kind = self._translate(match, body)
        if kind is None:
            return
        now = self._clock()
        since = None
        if kind == "sleep":
            self._slept_at = now
        elif kind == "resume":
            since, self._slept_at = self._slept_at, None
        self._events.put(PowerEvent(kind, now, self.name, since=since))


def _flag(body: tuple[Any, ...]) -> bool | None:
    return body[0] if body and isinstance(body[0], bool) else None


def _sleep_kind(match: SignalMatch, body: tuple[Any, ...]) -> PowerEventKind | None:
    flag = _flag(body)
    return None if flag is None else ("sleep" if flag else "resume")


def _lock_kind(match: SignalMatch, body: tuple[Any, ...]) -> PowerEventKind | None:
    flag = _flag(body)
    return None if flag is None else ("lock" if flag else "unlock")


def logind_sleep_events(
    bus: str = SYSTEM_BUS, *, clock: Callable[[], dt.datetime] = local_now
) -> DBusSignalPowerEvents:
    """logind's `PrepareForSleep(true)` before suspend and `(false)` after resume."""
    return DBusSignalPowerEvents("logind", bus, (LOGIND_MANAGER,), _sleep_kind, clock=clock)


def screensaver_lock_events(
    bus: str = SESSION_BUS, *, clock: Callable[[], dt.datetime] = local_now
) -> DBusSignalPowerEvents:
    """The screen saver's `ActiveChanged(true)` (blanked/locked) and `(false)`."""
    return DBusSignalPowerEvents("screensaver", bus, SCREENSAVER_SIGNALS, _lock_kind, clock=clock)


class CombinedPowerEvents:
    """Several watchers as one; events come out ordered by time."""

    def __init__(self, watchers: Sequence[PowerEvents]) -> None:
        self.watchers = tuple(watchers)

    @property
    def name(self) -> str:
        return "+".join(watcher.name for watcher in self.watchers) or "none"

    def start(self) -> None:
        for watcher in self.watchers:
            watcher.start()

    def poll(self) -> list[PowerEvent]:
        events = [event for watcher in self.watchers for event in watcher.poll()]
        return sorted(events, key=lambda event: event.at)

    def stop(self) -> None:
        for watcher in self.watchers:
            watcher.stop()


def detect_power_events(
    tick_seconds: float,
    *,
    platform: str | None = None,
    clock: Callable[[], dt.datetime] = local_now,
    system_bus: str = SYSTEM_BUS,
    session_bus: str = SESSION_BUS,
) -> CombinedPowerEvents:
    """The watchers that work here, started: the clock-jump detector always, and on Linux
    logind and the screen saver when their bus is reachable."""
    platform = platform or sys.platform
    watchers: list[PowerEvents] = []
    if platform.startswith("linux"):
        for watcher in (
            logind_sleep_events(system_bus, clock=clock),
            screensaver_lock_events(session_bus, clock=clock),
        ):
            try:
                watcher.start()
            except (DBusUnavailableError, DBusCallError) as error:
                logger.info("no %s events: %s", watcher.name, error)
                continue
            watchers.append(watcher)
    jump_detector = ClockJumpDetector(tick_seconds, clock=clock)
    jump_detector.start()
    watchers.append(jump_detector)
    return CombinedPowerEvents(watchers)


class FakePowerEvents:
    """Power events for tests: `emit` queues, `poll` drains."""

    name = "fake"

    def __init__(self) -> None:
        self._pending: list[PowerEvent] = []
        self.started = False

    def emit(self, kind: PowerEventKind, at: dt.datetime, since: dt.datetime | None = None) -> None:
        self._pending.append(PowerEvent(kind, at, self.name, since=since))

    def start(self) -> None:
        self.started = True

    def poll(self) -> list[PowerEvent]:
        events, self._pending = self._pending, []
        return events

    def stop(self) -> None:
        self.started = False
