"""Clocks for the embedded server: the real one, and a fake that tests move by hand.

MOCO decides "today", presence minutes and `touch` by Berlin wall-clock time, so every clock
returns a timezone-aware datetime and `local_now` converts it to Europe/Berlin (UTC when the
tz database is missing).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _berlin() -> dt.tzinfo:
    try:
        return ZoneInfo("Europe/Berlin")
    except ZoneInfoNotFoundError:  # pragma: no cover - depends on the machine's tzdata
        return dt.UTC


BERLIN: dt.tzinfo = _berlin()


class Clock(Protocol):
    """Anything that tells the time as a timezone-aware datetime."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real time, in Berlin."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(BERLIN)


class FakeClock:
    """A clock that stands still until told otherwise; thread-safe.

    A naive `start` is read as Berlin wall time.
    """

    def __init__(self, start: dt.datetime) -> None:
        self._lock = threading.Lock()
        self._now = _aware(start)

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._now = _aware(moment)

    def __repr__(self) -> str:
        return f"FakeClock({self.now().isoformat()})"


def local_now(clock: Clock) -> dt.datetime:
    """The clock's time as Berlin wall time."""
    return clock.now().astimezone(BERLIN)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=BERLIN)
