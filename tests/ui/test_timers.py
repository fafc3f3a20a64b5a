"""`ui.timers`: work asked for several times in one turn of the event loop runs once, after it."""

from __future__ import annotations

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from moco_desktop.ui.timers import next_turn


def test_work_asked_for_in_one_turn_runs_once_in_the_next(qtbot: QtBot) -> None:
    owner = QObject()
    runs: list[int] = []
    timer = next_turn(owner, lambda: runs.append(1))
    for _ in range(3):
        timer.start()
    assert runs == []
    qtbot.waitUntil(lambda: runs == [1], timeout=1000)
    qtbot.wait(20)
    assert runs == [1]
    timer.start()
    timer.stop()  # called off before its turn: nothing runs
    qtbot.wait(20)
    assert runs == [1]
