"""Python's cyclic garbage collection, run only on the GUI thread.

Qt objects must be destroyed on the thread that owns them. If the automatic collector happens to
run on another Python thread (the D-Bus listeners, the embedded demo server), it can free a Qt
object there; Qt then warns "Timers cannot be stopped from another thread" and may crash later.
This disables automatic collection and runs the same generational collection from a main-thread
timer instead (the approach pyqtgraph and others use).

Each check (once a second) that finds enough new objects looks at the young ones once; their
survivors go to the oldest generation at once. What survives a full collection is frozen
(`gc.freeze`): later full passes skip it and look at what became long-lived since, and one
runs as soon as that is `FULL_PASS_OBJECTS`, so no pass walks a big account's 20,000 tasks
again nor ten seconds of decoded weeks at once (perf, issue 7: passes of 25-50 ms were the
longest stalls the window showed while loading weeks). Cycles that form among frozen objects
(a closed window's) wait for a thaw: at the end of a burst of work, at most every
`THAW_AFTER_SECONDS`, everything is collected once.

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
FULL_PASS_OBJECTS = 20_000
"""A full collection runs once this many objects became long-lived since the last one (a pass
of ~5-10 ms here). Each object is walked there once before it is frozen, however often passes
run; what start-up made is frozen at the first check without a pass (`freeze_start_up`)."""
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
        full_pass_objects: int = FULL_PASS_OBJECTS,
        freeze_start_up: bool = True,
    ) -> None:
        """`freeze_start_up`: the first check freezes what exists then instead of collecting."""
        super().__init__(parent)
        self._on_quiet = on_quiet
        self._clock = clock
        self._thawed_at = clock()
        self._busy = False  # the last check collected something
        self._was_enabled = gc.isenabled()
        self._full_pass_objects = full_pass_objects
        self._settled = not freeze_start_up  # start-up's objects frozen (at the first check)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._check)
        self._timer.start()

    def _check(self) -> None:
        if not self._settled:
            # The first check (a second after start): what start-up made (the modules, the
            # window, the cached data shown) lives as long as the app. Frozen as it is, not
            # walked: since automatic collection is off from the start, it was all young, and
            # a young pass then a full pass over it (~90,000 objects, 30-45 ms each) were the
            # longest stalls of the first seconds (perf, issues 4 and 7). Cycles among it are
            # found at the first thaw.
            self._settled = True
            gc.freeze()
            self._busy = True  # the burst of start-up ends at the next quiet check
            return
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
        return collected

    def collect_due(self) -> int | None:
        """Collect what is due; how many objects were freed, None if nothing was due.

        Young objects (those allocated since the last check that are still alive) are looked
        at once, with the middle generation, whose survivors go straight to the oldest: with
        checks a second apart, the middle generation held ten seconds of survivors, and a big
        account's weeks loading made its pass the longest stall (33-40 ms). The oldest
        generation (what became long-lived since the last full pass; the rest is frozen) is
        looked at with them once it holds `full_pass_objects`.
        """
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] <= thresholds[0] and counts[1] == 0:
            return None
        # Counting lists the pending objects (fewer than `full_pass_objects`: ~0.2 ms a check).
        if len(gc.get_objects(generation=2)) >= self._full_pass_objects:
            return self._collect_oldest()
        return gc.collect(1)

    def stop(self) -> None:
        """Hand collection back to Python (at shutdown), after a last collection here."""
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()
