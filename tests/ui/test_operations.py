"""Background work from the UI: busy state, results, and errors routed to their place."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import tr
from moco_desktop.ui.operations import OperationRunner


async def test_success_disables_widgets_while_running(qtbot: QtBot) -> None:
    runner = OperationRunner()
    button = QPushButton()
    qtbot.addWidget(button)
    busy: list[bool] = []
    runner.busyChanged.connect(busy.append)
    results: list[int] = []
    release = asyncio.Event()

    async def work() -> int:
        await release.wait()
        return 42

    task = runner.run(work(), on_success=results.append, busy=[button])
    assert not button.isEnabled()
    assert runner.busy
    release.set()
    await task
    assert results == [42]
    assert button.isEnabled()
    assert [runner.busy] == [False]
    assert busy == [True, False]


async def test_user_facing_errors_go_to_the_handler_or_the_failed_signal() -> None:
    runner = OperationRunner()
    handled: list[str] = []
    unhandled: list[UserFacingError] = []
    runner.failed.connect(unhandled.append)

    async def refuse() -> None:
        raise UserFacingError("MOCO said no.")

    await runner.run(refuse(), on_error=lambda error: handled.append(error.message))
    assert handled == ["MOCO said no."]
    assert unhandled == []
    await runner.run(refuse())
    assert [error.message for error in unhandled] == ["MOCO said no."]


async def test_a_bug_becomes_one_short_message(caplog: object) -> None:
    runner = OperationRunner()
    messages: list[str] = []

    async def broken() -> None:
        raise KeyError("oops")

    await runner.run(broken(), on_error=lambda error: messages.append(error.message))
    assert messages == [tr("ui.error.unexpected", detail="KeyError")]


async def test_cancel_all_and_wait_idle() -> None:
    runner = OperationRunner()
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    runner.run(forever())
    await started.wait()
    runner.cancel_all()
    await runner.wait_idle()
    assert not runner.busy
