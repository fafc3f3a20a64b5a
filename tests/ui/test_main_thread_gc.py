"""Cyclic garbage is collected on the GUI thread only while the app runs."""

from __future__ import annotations

import gc
import threading
import weakref

from pytestqt.qtbot import QtBot

from moco_desktop.ui.main_thread_gc import THAW_AFTER_SECONDS, MainThreadGarbageCollector


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_collection_runs_on_the_gui_thread_not_in_other_threads(qtbot: QtBot) -> None:
    collected_on: list[str] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            collected_on.append(threading.current_thread().name)

    gc.enable()  # the test session runs with automatic collection off (tests/conftest.py)
    guard = MainThreadGarbageCollector(interval_ms=10, freeze_start_up=False)
    gc.callbacks.append(record)
    try:
        assert not gc.isenabled()

        def allocate() -> None:
            for _ in range(50_000):
                Cycle()

        worker = threading.Thread(target=allocate, name="worker")
        worker.start()
        worker.join()
        assert "worker" not in collected_on
        qtbot.waitUntil(lambda: bool(collected_on), timeout=2000)
        assert set(collected_on) == {threading.main_thread().name}
    finally:
        gc.callbacks.remove(record)
        guard.stop()
    assert gc.isenabled()  # handed back as it was found
    gc.disable()


def _full_collections() -> int:
    return int(gc.get_stats()[2]["collections"])


def _young_objects_due() -> list[Cycle]:
    """Enough new objects that a check collects (kept alive: they become long-lived)."""
    return [Cycle() for _ in range(gc.get_threshold()[0] + 100)]


def test_a_full_collection_waits_until_enough_objects_became_long_lived() -> None:
    guard = MainThreadGarbageCollector(interval_ms=60_000, full_pass_objects=3_000)
    keep: list[object] = []
    try:
        gc.collect()
        before = _full_collections()
        keep.extend(_young_objects_due())
        guard.collect_due()  # first time: nothing frozen yet, everything is looked at once
        assert _full_collections() == before + 1
        assert len(gc.get_objects(generation=2)) < 3_000

        passes = []
        for _ in range(6):  # 800 new long-lived objects a check
            keep.extend(_young_objects_due())
            guard.collect_due()
            passes.append(_full_collections() - before - 1)
        # Young passes until 3,000 had become long-lived since the last full pass, then one.
        assert passes == [0, 0, 0, 0, 1, 1]
        assert len(gc.get_objects(generation=2)) < 3_000
    finally:
        guard.stop()


def test_the_end_of_a_burst_of_work_is_told_once(qtbot: QtBot) -> None:
    quiet: list[int] = []
    guard = MainThreadGarbageCollector(
        interval_ms=60_000, on_quiet=lambda: quiet.append(1), freeze_start_up=False
    )
    keep: list[object] = []
    try:
        guard._check()  # nothing allocated: no burst, nothing to tell
        keep.extend(Cycle() for _ in range(gc.get_threshold()[0] * 2))
        guard._check()  # collects: the burst is on
        assert quiet == []
        guard._check()  # nothing due: the burst is over
        assert quiet == [1]
        guard._check()  # still quiet: told once only
        assert quiet == [1]
    finally:
        guard.stop()


def test_survivors_of_a_full_collection_are_frozen_and_thawed_at_the_end_of_a_burst() -> None:
    now = [0.0]
    guard = MainThreadGarbageCollector(
        interval_ms=60_000, clock=lambda: now[0], full_pass_objects=1, freeze_start_up=False
    )
    try:
        window = [Cycle()]
        gone = weakref.ref(window[0])
        keep = _young_objects_due()
        guard.collect_due()  # a full collection: the survivors are frozen
        assert gc.get_freeze_count() > 0
        assert len(gc.get_objects(generation=2)) < 100  # later full passes skip them
        window.clear()  # a cycle among frozen objects: no full pass finds it...
        keep += _young_objects_due()
        guard.collect_due()
        assert gone() is not None
        now[0] += THAW_AFTER_SECONDS
        Cycle(), Cycle()  # a burst of work...
        guard._busy = True
        guard._check()  # ...has ended: everything is collected once
        assert gone() is None
        assert gc.get_freeze_count() > 0
    finally:
        guard.stop()
    assert gc.get_freeze_count() == 0  # handed back unfrozen


def test_young_survivors_are_looked_at_once_then_go_to_the_oldest_generation() -> None:
    """Checks a second apart: a middle generation would gather ten seconds of survivors and
    look at them all again in one long pass."""
    guard = MainThreadGarbageCollector(interval_ms=60_000, full_pass_objects=10**9)
    keep: list[object] = []
    try:
        gc.collect()
        keep.extend(Cycle() for _ in range(gc.get_threshold()[0] * 3))
        kept = {id(cycle) for cycle in keep}

        assert guard.collect_due() is not None

        assert gc.get_objects(generation=1) == []
        assert kept <= {id(o) for o in gc.get_objects(generation=2)}
        assert guard.collect_due() is None  # nothing new: nothing to look at
    finally:
        guard.stop()


def test_the_first_check_freezes_what_start_up_made_without_walking_it() -> None:
    """Start-up's objects (modules, the window) live as long as the app: walking them twice
    in the first seconds (a young pass, then a full one) were the longest stalls there."""
    quiet: list[int] = []
    guard = MainThreadGarbageCollector(interval_ms=60_000, on_quiet=lambda: quiet.append(1))
    try:
        start_up = _young_objects_due()  # all young: automatic collection is off from the start
        passes = [int(stats["collections"]) for stats in gc.get_stats()]

        guard._check()

        assert [int(stats["collections"]) for stats in gc.get_stats()] == passes  # none
        frozen = gc.get_freeze_count()
        assert frozen >= len(start_up)
        assert gc.get_objects(generation=0) == []
        guard._check()  # nothing new: start-up's burst is over
        assert quiet == [1]
        later = _young_objects_due()
        assert guard.collect_due() is not None  # from now on, only what is new is looked at
        assert gc.get_freeze_count() == frozen
        assert {id(o) for o in later} <= {id(o) for o in gc.get_objects(generation=2)}
    finally:
        guard.stop()
