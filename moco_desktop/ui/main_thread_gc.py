"""Python's cyclic garbage collection, run only on the GUI thread.

Qt objects must be destroyed on the thread that owns them. If the automatic collector happens to
run on another Python thread (the D-Bus listeners, the embedded demo server), it can free a Qt
object there; Qt then warns "Timers cannot be stopped from another thread" and may crash later.
This disables automatic collection and runs the same generational collection from a main-thread
timer instead (the approach pyqtgraph and others use).

What survives a full collection is frozen (`gc.freeze`): later full passes skip it and look at
what became long-lived since, so they no longer walk a big account's 20,000 tasks each time
(perf, issue 7: a full pass over everything took 25-50 ms, a stall the window showed while
loading weeks). Cycles that form among frozen objects (a closed window's) wait for a thaw: at
the end of a burst of work, at most every `THAW_AFTER_SECONDS`, everything is collected once.

The same timer sees when a burst of work ends (a check that collected, then one that had
nothing to collect) and tells `on_quiet`: the app hands freed heap memory back to the system
then (perf, issue 7: 2-4 MiB stayed with the process after a big account's refreshes).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 1000
LONG_LIVED_SHARE = 0.25
"""A full collection waits until what became long-lived since the last one is this share of
what survived (and was frozen by) it, as CPython's own collector waits for a share of the
oldest generation: with a big account loaded a pass over everything took ~50 ms."""
THAW_AFTER_SECONDS = 30 * 60.0


class MainThreadGarbageCollector(QObject):
    """While alive, cyclic garbage is collected on the GUI thread only."""

    def __init__(
        self,
        parent: QObject | None = None,
        interval_ms: int = CHECK_INTERVAL_MS,
        *,
        on_quiet: Callable[[], object] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._on_quiet = on_quiet
        self._clock = clock
        self._thawed_at = clock()
        self._busy = False  # the last check collected something
        self._was_enabled = gc.isenabled()
        self._long_lived = 0  # frozen after the last full collection
        self._checked_at_count = -1
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._check)
        self._timer.start()

    def _check(self) -> None:
        collected_any = self.collect_due() is not None
        if self._busy and not collected_any:
            if self._clock() - self._thawed_at >= THAW_AFTER_SECONDS:
                self.collect_everything()
            if self._on_quiet is not None:
                self._on_quiet()
        self._busy = collected_any

    def collect_everything(self) -> int:
        """A full collection over the frozen objects too (then frozen again)."""
        gc.unfreeze()
        self._thawed_at = self._clock()
        return self._collect_oldest()

    def _collect_oldest(self) -> int:
        collected = gc.collect(2)
        gc.freeze()
        self._long_lived = gc.get_freeze_count()
        return collected

    def collect_due(self) -> int | None:
        """Collect what is due; how many objects were freed, None if nothing was due.

        Young objects (those allocated since the last check that are still alive) are looked
        at once, with the middle generation, whose survivors go straight to the oldest: with
        checks a second apart, the middle generation held ten seconds of survivors, and a big
        account's weeks loading made its pass the longest stall (33-40 ms; perf, issue 7).
        """
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[2] > thresholds[2] and self._full_collection_pays(counts[2]):
            return self._collect_oldest()
        if counts[0] > thresholds[0] or counts[1] > 0:
            return gc.collect(1)
        return None

    def _full_collection_pays(self, count: int) -> bool:
        """Whether enough has reached the oldest generation since the last full collection
        (looked at once per younger collection: counting the generation costs ~1 ms)."""
        if count == self._checked_at_count:
            return False
        self._checked_at_count = count
        pending = len(gc.get_objects(generation=2))  # long-lived since the last full collection
        return pending > self._long_lived * LONG_LIVED_SHARE

    def stop(self) -> None:
        """Hand collection back to Python (at shutdown), after a last collection here."""
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()
