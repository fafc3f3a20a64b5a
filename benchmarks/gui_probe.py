"""The measured GUI process: the real app (AppContext, DesktopShell, Session, Workspace) with a
heartbeat, driven through a big account the way a person would.

    python -m benchmarks.gui_probe '{"mode": "full", ...}'   (started by benchmarks.scale)

The environment (set by the caller) points the app at the embedded server (`MOCO_BASE_URL`,
`MOCO_DOMAIN`, `MOCO_API_KEY`) and at private user directories (`XDG_*`), so the start-up is
exactly `moco-desktop --show` with an API key in the environment. The wiring mirrors
`gui_main.run_gui` (QApplication, garbage collection on the GUI thread, qasync loop,
`DesktopShell.start`); the periodic background refresh is off (`refresh_interval=None`) so that
it cannot overlap a measured phase: it is the same `Workspace.refresh` the "refresh" phase
measures.

Phases (mode "full"):

1. start: `shell.start(show_timesheet=True)` until the timesheet is first painted (the
   window is built while the first sync has begun);
2. sync: from there until the first background sync has finished
   (`Workspace.running_refreshed`), plus a second for the window to take the data in;
3. filter: open the tray's "Start…" picker (builds the index over every pair), then type
   realistic queries character by character; per keystroke, the time from the key event to
   the result list repainted;
4. render: show every day of the visible month in the timesheet (each a reload and a
   synchronous repaint); weeks not seen yet are fetched in the background meanwhile;
5. memory: VmRSS / VmHWM of this process;
6. refresh: the regular refresh (what the engine and window focus do) `REFRESH_RUNS` times,
   and in turns with those as often without the client's rate limit (its floor), spaced so
   that the limit never has a reason to make one wait.

Mode "sync_only": phases 1 and 2 against an unlimited server and client (the floor for the
transfer time), then the month shown once (the weeks a person has seen) and the Refresh button
(`Session.sync_now`) once.

A 10 ms heartbeat `QTimer` runs throughout; its worst lateness per phase is the longest stall of
the event loop. Prints one JSON line. Diagnostics: `MOCO_BENCH_PROFILE=FILE` samples the run
with pyinstrument (1 ms) and writes the call tree there; `MOCO_BENCH_STALLS=FILE` writes the
main thread's stack during every stall.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import json
import os
import random
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer

# The probe's own tool, loaded before anything is timed: importing it inside the filter phase
# (libQt6Test from a cold page cache: up to a second) was counted as a stall of the app's.
from PySide6.QtTest import QTest

from benchmarks import REFRESH_RUNS

if TYPE_CHECKING:
    from moco_desktop.ui.session import Session
    from moco_desktop.ui.shell import DesktopShell

HEARTBEAT_MS = 10
UNLIMITED_REQUESTS = 1_000_000
"""The rate limit of the refresh's floor runs: no refresh comes near it."""
REFRESH_ROOM = 0.8
"""The share of the rate limit that the timed refreshes take at most, in any window."""
REFRESH_JITTER = 0.5
"""The pause before each timed refresh is the spacing times 1 to 1 + this, at random."""
REFRESH_SEED = 7
SETTLE_SECONDS = 1.0
DEFAULT_QUERIES = (
    "braun bestell entw",
    "P01234",
    "weiterbild konzpt",
    "becker 19 support",
    "website relaunch design",
)


@dataclass
class PhaseStalls:
    worst_ms: float = 0.0
    beats: int = 0
    over_50ms: int = 0
    worst_at: float = 0.0  # unix time of the worst stall's end
    longest_gc_ms: float = 0.0  # the longest cyclic garbage collection in the phase
    longest_gc_generation: int = -1
    # Pages the process had to read back from disk (major page faults) during the worst
    # stall: this VM's memory balloon drops file pages (Qt's, Python's code) unused for a few
    # seconds, and touching them again waits for the disk (sixth round).
    worst_page_faults: int = 0


class Heartbeat(QObject):
    """A 10 ms precise timer; how late each beat comes is how long the loop was blocked."""

    def __init__(self) -> None:
        super().__init__()
        self.phases: dict[str, PhaseStalls] = {}
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._beat)
        self._last: float | None = None
        self._phase: str | None = None
        self.last_beat: float | None = None
        self._gc_started: float | None = None
        self._faults = _major_page_faults()

    def start(self) -> None:
        self._timer.start()
        gc.callbacks.append(self._gc_event)

    def stop(self) -> None:
        self._timer.stop()
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._gc_event)

    def _gc_event(self, event: str, info: dict[str, int]) -> None:
        """How long each collection took: the part of a stall that is the garbage collector."""
        if event == "start":
            self._gc_started = time.perf_counter()
            return
        if self._phase is None or self._gc_started is None:
            return
        took_ms = (time.perf_counter() - self._gc_started) * 1000
        stalls = self.phases[self._phase]
        if took_ms > stalls.longest_gc_ms:
            stalls.longest_gc_ms, stalls.longest_gc_generation = took_ms, info["generation"]

    @property
    def phase_name(self) -> str | None:
        return self._phase

    @contextmanager
    def phase(self, name: str) -> Iterator[PhaseStalls]:
        stalls = self.phases.setdefault(name, PhaseStalls())
        # The previous beat stays the reference: a stall right at the start of the phase (the
        # phase's first synchronous step) counts for this phase.
        self._phase = name
        try:
            yield stalls
        finally:
            self._phase = None

    def _beat(self) -> None:
        now = time.perf_counter()
        faults = _major_page_faults()
        if self._phase is not None and self._last is not None:
            stalls = self.phases[self._phase]
            late_ms = (now - self._last) * 1000 - HEARTBEAT_MS
            stalls.beats += 1
            if late_ms > 50:
                stalls.over_50ms += 1
            if late_ms > stalls.worst_ms:
                stalls.worst_ms, stalls.worst_at = late_ms, time.time()
                stalls.worst_page_faults = faults - self._faults
        self._last = self.last_beat = now
        self._faults = faults


def _major_page_faults() -> int:
    """Page faults of this process that read from disk, so far."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_majflt)


class StallSampler:
    """A watchdog thread: while the heartbeat is more than 40 ms late, it samples the main
    thread's stack every 10 ms; `report()` lists the stalls with their most frequent frames.
    Diagnostics only (`MOCO_BENCH_STALLS=FILE`): it costs the measured process a little."""

    def __init__(self, heartbeat: Heartbeat) -> None:
        import threading

        self.heartbeat = heartbeat
        self.main = threading.main_thread().ident
        self.samples: list[tuple[float, list[str]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)

    def _watch(self) -> None:
        import traceback

        while not self._stop.wait(0.01):
            last = self.heartbeat.last_beat
            if last is None or time.perf_counter() - last < 0.04:
                continue
            frame = sys._current_frames().get(self.main or 0)
            if frame is not None:
                stack = [
                    f"{Path(f.filename).name}:{f.lineno} {f.name}"
                    for f in traceback.extract_stack(frame)
                ]
                phase = self.heartbeat.phase_name or "-"
                self.samples.append((time.perf_counter() - last, [f"phase {phase}", *stack[-14:]]))

    def report(self) -> str:
        lines = []
        for late, stack in self.samples:
            lines.append(f"--- {late * 1000:.0f} ms late")
            lines.extend("    " + frame for frame in stack)
        return "\n".join(lines)


def memory_mib() -> dict[str, float]:
    values: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values


def memory_report() -> str:
    """Where the memory is (diagnostics, `MOCO_BENCH_MEMORY`): the live Python objects by type,
    the decoded activities kept, and what handing free C-heap pages back would release."""
    import collections

    from moco_desktop.system.memory import return_free_memory

    counts = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
    lines = [f"VmRSS before: {memory_mib()['VmRSS']:.1f} MiB"]
    lines += [f"  {count:8d} {name}" for name, count in counts.most_common(30)]
    # What waits for the cyclic garbage collector (kept, not freed, to be counted).
    gc.set_debug(gc.DEBUG_SAVEALL)
    started = time.perf_counter()
    gc.collect()
    took_ms = (time.perf_counter() - started) * 1000
    garbage = collections.Counter(type(o).__qualname__ for o in gc.garbage)
    lines.append(
        f"A full collection: {took_ms:.0f} ms over {len(gc.get_objects())} objects; "
        f"{len(gc.garbage)} in cycles were waiting for it, most of them:"
    )
    lines += [f"  {count:8d} {name}" for name, count in garbage.most_common(12)]
    gc.set_debug(0)
    gc.garbage.clear()
    gc.collect()
    lines.append(f"VmRSS after the collection: {memory_mib()['VmRSS']:.1f} MiB")
    return_free_memory()
    lines.append(f"VmRSS after malloc_trim: {memory_mib()['VmRSS']:.1f} MiB")
    from PySide6.QtGui import QPixmapCache

    QPixmapCache.clear()
    return_free_memory()
    lines.append(f"VmRSS after clearing Qt's pixmap cache: {memory_mib()['VmRSS']:.1f} MiB")
    lines += ["Resident by mapping (KiB, largest first):", *_resident_by_mapping()]
    lines += ["Python's small-object allocator:", *_allocator_summary()]
    lines += _traced_allocations()
    return "\n".join(lines) + "\n"


def _traced_allocations(top: int = 30) -> list[str]:
    """Where the live Python memory was allocated, by source line (when the probe runs with
    `PYTHONTRACEMALLOC=1`, which `benchmarks/run --memory` does not set: it slows all down)."""
    import tracemalloc

    if not tracemalloc.is_tracing():
        return []
    statistics = tracemalloc.take_snapshot().statistics("lineno")
    total = sum(stat.size for stat in statistics)
    lines = [f"Traced Python allocations: {total / 2**20:.1f} MiB live; largest by line:"]
    lines += [
        f"  {stat.size / 1024:8.0f} KiB {stat.count:7d} {stat.traceback}"
        for stat in statistics[:top]
    ]
    return lines


def _allocator_summary() -> list[str]:
    """The totals of `sys._debugmallocstats()` (arenas held, bytes in use, waste)."""
    import os
    import tempfile

    with tempfile.TemporaryFile(mode="w+") as out:
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read()
    keep = ("arenas", "# bytes in", "# bytes lost", "Total")
    return ["  " + line.strip() for line in text.splitlines() if line.startswith(keep)]


def _resident_by_mapping(top: int = 25) -> list[str]:
    """The resident memory per mapped file (anonymous memory as "[anon]"), from smaps."""
    import collections

    resident: collections.Counter[str] = collections.Counter()
    name = "[anon]"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        # A mapping's header line: range, perms, offset, device, inode, [path].
        if fields and "-" in fields[0] and not fields[0].endswith(":"):
            name = Path(fields[5]).name if len(fields) > 5 else "[anon]"
            continue
        if fields and fields[0] == "Rss:":
            resident[name] += int(fields[1])
    return [f"  {kib:8d} {mapping}" for mapping, kib in resident.most_common(top)]


async def wait_until(condition: Callable[[], bool], within: float, poll: float = 0.01) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(poll)
    return True


class Probe:
    def __init__(self, shell: DesktopShell, heartbeat: Heartbeat, config: dict[str, Any]) -> None:
        self.shell = shell
        self.heartbeat = heartbeat
        self.config = config
        self.result: dict[str, Any] = {"phases": {}}
        self.pace = float(config.get("pace", 0.05))  # seconds between keystrokes and days
        self.painted_at: float | None = None
        shell.timesheetPainted.connect(self._painted)

    def _painted(self) -> None:
        if self.painted_at is None:
            self.painted_at = time.time()

    @property
    def session(self) -> Session:
        session = self.shell.session
        assert session is not None, "no session is open"
        return session

    def _phase_times(self, name: str, started: float, ended: float, **extra: Any) -> None:
        self.result["phases"][name] = {"start": started, "end": ended, **extra}

    async def sync(self) -> None:
        started = time.time()
        with self.heartbeat.phase("start"):
            await self.shell.start(show_timesheet=True)
            await wait_until(lambda: self.painted_at is not None, within=60)
        with self.heartbeat.phase("sync"):
            done = await wait_until(
                lambda: (
                    self.shell.session is not None
                    and self.shell.session.workspace.running_refreshed
                ),
                within=float(self.config.get("sync_timeout", 600)),
            )
            synced = time.time()
            await asyncio.sleep(SETTLE_SECONDS)
        projects = self.session.workspace.projects()
        self._phase_times(
            "sync",
            started,
            synced,
            complete=done,
            painted=self.painted_at,
            projects=len(projects),
            pairs=sum(len(project.tasks) for project in projects),
        )

    async def filter(self) -> None:
        queries = self.config.get("queries") or DEFAULT_QUERIES
        latencies: list[float] = []
        per_query: dict[str, list[float]] = {}
        started = time.time()
        with self.heartbeat.phase("filter"):
            opening = time.perf_counter()
            dialog = self.shell.open_quick_start()
            assert dialog is not None
            dialog.repaint()
            open_ms = (time.perf_counter() - opening) * 1000
            picker = dialog.picker
            await asyncio.sleep(0.2)
            for query in queries:
                picker.search_edit.clear()
                await asyncio.sleep(0.1)
                timings: list[float] = []
                for character in query:
                    before = time.perf_counter()
                    QTest.keyClicks(picker.search_edit, character)
                    picker.list_view.viewport().repaint()
                    timings.append((time.perf_counter() - before) * 1000)
                    await asyncio.sleep(self.pace)  # a fast typist: 20 characters a second
                per_query[query] = timings
                latencies.extend(timings)
            results = len(picker.model.choices())
            dialog.close()
            await asyncio.sleep(0.2)
        self._phase_times(
            "filter",
            started,
            time.time(),
            open_ms=open_ms,
            keystroke_ms=latencies,
            per_query_ms=per_query,
            pairs=len(picker.index),
            last_results=results,
        )

    async def render(self) -> None:
        import datetime as dt

        timesheet = self.shell.timesheet
        assert timesheet is not None
        today = self.session.today()
        days = [today - dt.timedelta(days=offset) for offset in range(30, -1, -1)]
        timings: list[float] = []
        rows: list[int] = []
        started = time.time()
        with self.heartbeat.phase("render"):
            for day in days:
                before = time.perf_counter()
                timesheet.show_date(day)
                timesheet.repaint()
                timings.append((time.perf_counter() - before) * 1000)
                rows.append(timesheet.model.rowCount())
                await asyncio.sleep(self.pace)
            rendered = time.time()
            # Weeks seen for the first time are fetched in the background (rate-limited):
            # stay in this phase until that has finished, then show today again.
            limiter = self.session.workspace.client.limiter
            await wait_until(lambda: limiter.until_oldest_expires() == 0, 300, poll=0.1)
            timesheet.go_today()
            await asyncio.sleep(SETTLE_SECONDS)
        self._phase_times(
            "render",
            started,
            rendered,
            background_end=time.time(),
            day_switch_ms=timings,
            rows=rows,
        )

    async def refresh(self, count: int = REFRESH_RUNS) -> None:
        """The regular refresh (the engine's every minute, window focus), `count` times with
        the app's rate limit and, in turns with those, `count` times without it (its floor:
        the same requests from the same process, cache and connection). A first, untimed
        refresh tells how many requests one takes; the runs are spaced so that no window of
        the limit holds more than `REFRESH_ROOM` of it, so the limit never has a reason to
        make one wait (and by up to `REFRESH_JITTER` more, at random). Every wait it announces
        is counted all the same (`limit_waits`)."""
        workspace = self.session.workspace
        limiter = workspace.client.limiter
        planned = (limiter.max_requests, limiter.per_seconds)
        await wait_until(lambda: limiter.until_oldest_expires() == 0, 300, poll=0.1)
        await self.session.refresh()
        counted = getattr(limiter, "counted", None)  # absent in earlier trees: a whole window
        per_refresh = counted() if counted is not None else planned[0]
        spacing = planned[1] * max(1, per_refresh) / (planned[0] * REFRESH_ROOM)
        waits: list[object] = []

        def count_wait(event: object) -> None:
            if type(event).__name__ == "RateLimitWait":
                waits.append(event)

        stop_counting = workspace.hub.subscribe(count_wait)
        runs: list[dict[str, Any]] = []
        with self.heartbeat.phase("refresh"):
            try:
                # Pauses of random length: the app's periodic work (the garbage-collection
                # check every second, the idle watcher's look every few seconds) would
                # otherwise meet every other run, i.e. always the limited or the floor runs.
                pauses = random.Random(REFRESH_SEED)
                for turn in range(2 * count):
                    await asyncio.sleep(spacing * (1 + REFRESH_JITTER * pauses.random()))
                    unlimited = turn % 2 == 1
                    if unlimited:  # the same window, so that the next run counts these too
                        limiter.reconfigure(UNLIMITED_REQUESTS, planned[1])
                    try:
                        started = time.time()
                        await self.session.refresh()
                        runs.append({"start": started, "end": time.time(), "unlimited": unlimited})
                    finally:
                        limiter.reconfigure(*planned)
            finally:
                stop_counting()
        self.result["phases"]["refresh"] = {
            "runs": runs,
            "requests_per_refresh": per_refresh,
            "spacing_s": spacing,
            "limit_waits": len(waits),
        }

    async def visit_month(self) -> None:
        """Show each day of the visible month once (no timing), so that the same weeks are
        visible (and refreshed) as after the render phase."""
        import datetime as dt

        timesheet = self.shell.timesheet
        assert timesheet is not None
        today = self.session.today()
        for offset in range(30, -1, -1):
            timesheet.show_date(today - dt.timedelta(days=offset))
            await asyncio.sleep(0)
        limiter = self.session.workspace.client.limiter
        await wait_until(lambda: limiter.until_oldest_expires() == 0, 300, poll=0.1)
        timesheet.go_today()

    async def refresh_button(self) -> None:
        started = time.time()
        timesheet = self.shell.timesheet
        shown = timesheet.date if timesheet is not None else None
        # As the button does: the shown day's week first (trees before that take no date).
        takes_date = "shown" in inspect.signature(self.session.sync_now).parameters
        with self.heartbeat.phase("refresh_button"):
            await (self.session.sync_now(shown) if takes_date else self.session.sync_now())
        self._phase_times("refresh_button", started, time.time())

    async def run(self) -> dict[str, Any]:
        self.heartbeat.start()
        try:
            await self.sync()
            rss_after = self.result["rss_after_phase_mib"] = {"sync": memory_mib()["VmRSS"]}
            if self.config.get("mode") == "sync_only":
                await self.visit_month()
                await self.refresh_button()
            else:
                await self.filter()
                rss_after["filter"] = memory_mib()["VmRSS"]
                await self.render()
                self.result["memory_mib"] = memory_mib()
                if os.environ.get("MOCO_BENCH_MEMORY"):
                    report = memory_report()
                    Path(os.environ["MOCO_BENCH_MEMORY"]).write_text(report)  # noqa: ASYNC240
                await self.refresh()
        finally:
            self.heartbeat.stop()
            await self.shell.shutdown()
        self.result["stalls"] = {
            name: vars(stalls) for name, stalls in self.heartbeat.phases.items()
        }
        return self.result


def main(argv: list[str]) -> int:
    config: dict[str, Any] = json.loads(argv[0]) if argv else {}
    try:  # as gui_main does (absent in earlier trees: measured as they were)
        from moco_desktop.system import memory
    except ImportError:
        pass
    else:
        tune = getattr(memory, "tune_allocator", None) or getattr(
            memory, "limit_allocator_arenas", None
        )
        if tune is not None:
            tune()
    from PySide6.QtWidgets import QApplication

    try:  # as gui_main does (absent in versions before issue 7: measured as they were)
        from moco_desktop.ui.pyside_import_hook import skip_feature_scan
    except ImportError:
        pass
    else:
        skip_feature_scan()

    from moco_desktop.core.i18n import set_language

    set_language("en")
    app = QApplication([sys.argv[0]])
    app.setApplicationName("MOCO Desktop")
    app.setOrganizationName("MOCO Desktop")
    app.setQuitOnLastWindowClosed(False)
    from moco_desktop.ui.main_thread_gc import MainThreadGarbageCollector

    # As gui_main does (earlier trees had no on_quiet: measured as they were).
    if "on_quiet" in inspect.signature(MainThreadGarbageCollector).parameters:
        from moco_desktop.system.memory import return_free_memory_in_background

        garbage_collector = MainThreadGarbageCollector(
            app, on_quiet=return_free_memory_in_background
        )
    else:
        garbage_collector = MainThreadGarbageCollector(app)

    import qasync

    from moco_desktop.app import AppContext
    from moco_desktop.ui.shell import DesktopShell

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    shell = DesktopShell(AppContext.create(), refresh_interval=None)
    probe = Probe(shell, Heartbeat(), config)
    profile_path = os.environ.get("MOCO_BENCH_PROFILE")
    profiler: Any = None
    if profile_path:  # where the time goes, for `benchmarks.scale --profile`
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001, async_mode="disabled")
        profiler.start()
    stalls_path = os.environ.get("MOCO_BENCH_STALLS")
    sampler = StallSampler(probe.heartbeat) if stalls_path else None
    if sampler is not None:
        sampler.start()
    with loop:
        result = loop.run_until_complete(probe.run())
    garbage_collector.stop()
    if sampler is not None and stalls_path:
        sampler.stop()
        Path(stalls_path).write_text(sampler.report())
    if profiler is not None and profile_path:
        profiler.stop()
        Path(profile_path).write_text(profiler.output_text(unicode=True, show_all=False))
    result["platform"] = os.environ.get("QT_QPA_PLATFORM", "")
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
