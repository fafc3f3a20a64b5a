"""Cyclic garbage is collected on the GUI thread only while the app runs."""

from __future__ import annotations

import gc
import threading

from pytestqt.qtbot import QtBot

from moco_desktop.ui.main_thread_gc import MainThreadGarbageCollector


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_collection_runs_on_the_gui_thread_not_in_other_threads(qtbot: QtBot) -> None:
    collected_on: list[str] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            collected_on.append(threading.current_thread().name)

    guard = MainThreadGarbageCollector(interval_ms=10)
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
    assert gc.isenabled()
