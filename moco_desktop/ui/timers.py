"""Timers the UI shares: work that several signals ask for in one turn of the event loop, done
once, in the next turn."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


def next_turn(parent: QObject, work: Callable[[], object]) -> QTimer:
    """A single-shot 0 ms timer running `work`: `start()` it as often as a turn asks, `work`
    runs once, after the current turn's events (the session's data changes, a window's reload,
    the tray's menu)."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(0)
    timer.timeout.connect(work)
    return timer
