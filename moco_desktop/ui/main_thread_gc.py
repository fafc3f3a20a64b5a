"""Python's cyclic garbage collection, run only on the GUI thread.

Qt objects must be destroyed on the thread that owns them. If the automatic collector happens to
run on another Python thread (the D-Bus listeners, the embedded demo server), it can free a Qt
object there; Qt then warns "Timers cannot be stopped from another thread" and may crash later.
This disables automatic collection and runs the same generational collection from a main-thread
timer instead (the approach pyqtgraph and others use).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 1000


class MainThreadGarbageCollector(QObject):
    """While alive, cyclic garbage is collected on the GUI thread only."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose allocation count passed its threshold."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                return gc.collect(generation)
        return 0

    def stop(self) -> None:
        """Hand collection back to Python (at shutdown), after a last collection here."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
