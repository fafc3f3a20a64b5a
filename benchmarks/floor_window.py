"""The floor: a bare PySide6 window, started the way the app is (`python -m ...`).

    python -m benchmarks.floor_window REPORT_FILE [IDLE_SECONDS]

Appends `{"event": "painted", "t": unix time}` to REPORT_FILE when the window is first painted.
With IDLE_SECONDS it then runs a 10 ms heartbeat timer for that long (the least stall any Qt
event loop shows on this machine) and appends `{"event": "idle", "worst_ms", "rss_mib"}`;
without, it runs until terminated.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget


def _append(report: Path, **data: object) -> None:
    with report.open("a", encoding="utf-8") as out:
        out.write(json.dumps({**data, "t": time.time()}) + "\n")


class _PaintWatcher(QObject):
    def __init__(self, report: Path) -> None:
        super().__init__()
        self.report = report
        self.done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            _append(self.report, event="painted")
        return False


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str]) -> int:
    report = Path(argv[0])
    idle_seconds = float(argv[1]) if len(argv) > 1 else None
    app = QApplication([sys.argv[0]])
    window = QWidget()
    window.resize(1000, 620)
    watcher = _PaintWatcher(report)
    window.installEventFilter(watcher)
    window.show()
    if idle_seconds is not None:
        worst = 0.0
        last: float | None = None

        def beat() -> None:
            nonlocal worst, last
            now = time.perf_counter()
            if last is not None:
                worst = max(worst, (now - last) * 1000 - 10)
            last = now

        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(10)
        heartbeat.timeout.connect(beat)

        def finish() -> None:
            _append(report, event="idle", worst_ms=worst, rss_mib=_rss_mib())
            app.quit()

        QTimer.singleShot(500, heartbeat.start)  # after start-up work, like the app's phases
        QTimer.singleShot(int((0.5 + idle_seconds) * 1000), finish)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
