"""Presences in the timesheet: clock in and out, edit from/to, delete, home office, and errors
shown beside the presences."""

from __future__ import annotations

import datetime as dt

from moco_desktop.core.i18n import tr
from moco_desktop.ui.shell import DesktopShell
from moco_desktop.ui.timesheet import TimesheetWindow
from tests.ui.conftest import Moco, logged_in, wait_for


def window_of(shell: DesktopShell) -> TimesheetWindow:
    assert shell.timesheet is not None
    return shell.timesheet


async def test_clock_in_and_out_from_the_window(shell: DesktopShell, moco: Moco) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    assert window.presence_table.rowCount() == 0
    assert window.presence_table.placeholder() == tr("timesheet.presences_empty")
    assert window.clock_button.text() == tr("timesheet.clock_in")

    window.clock_button.click()
    await window.runner.wait_idle()
    await wait_for(lambda: len(moco.state.presences_of(moco.anna, moco.today)) == 1)
    await wait_for(lambda: window.presence_table.rowCount() == 1)
    assert window.clock_button.text() == tr("timesheet.clock_out")

    record = moco.state.presences_of(moco.anna, moco.today)[0]
    record.from_time = dt.time(0, 0)  # clocked in earlier: a clock-out now has a length
    await session.refresh([moco.today], full=True)
    window.clock_button.click()
    await window.runner.wait_idle()
    await wait_for(lambda: moco.state.presences_of(moco.anna, moco.today)[0].to_time is not None)
    await wait_for(lambda: window.clock_button.text() == tr("timesheet.clock_in"))


async def test_edit_from_and_to_and_delete_a_presence(shell: DesktopShell, moco: Moco) -> None:
    day = max(p.date for p in moco.state.presences_of(moco.anna) if p.date < moco.today)
    await logged_in(shell, moco)
    window = window_of(shell)
    window.show_date(day)
    presences = sorted(moco.state.presences_of(moco.anna, day), key=lambda p: p.from_time)
    await wait_for(lambda: window.presence_table.rowCount() == len(presences))
    first = presences[0]

    window.set_presence_time(first.id, from_time="07:45")
    await window.runner.wait_idle()
    assert moco.state.presences[first.id].from_time == dt.time(7, 45)
    last = presences[-1]
    window.set_presence_time(last.id, to_time="19:05")
    await window.runner.wait_idle()
    assert moco.state.presences[last.id].to_time == dt.time(19, 5)
    assert not window.presence_error.isVisible()

    window.delete_presence(last.id)
    await window.runner.wait_idle()
    assert last.id not in moco.state.presences
    await wait_for(lambda: window.presence_table.rowCount() == len(presences) - 1)


async def test_the_time_editors_send_what_was_typed(shell: DesktopShell, moco: Moco) -> None:
    day = max(p.date for p in moco.state.presences_of(moco.anna) if p.date < moco.today)
    await logged_in(shell, moco)
    window = window_of(shell)
    window.show_date(day)
    presences = sorted(moco.state.presences_of(moco.anna, day), key=lambda p: p.from_time)
    await wait_for(lambda: window.presence_table.rowCount() == len(presences))
    from PySide6.QtCore import QTime
    from PySide6.QtWidgets import QTimeEdit

    editor = window.presence_table.cellWidget(0, 0)
    assert isinstance(editor, QTimeEdit)
    editor.setTime(QTime(6, 30))
    editor.editingFinished.emit()
    await window.runner.wait_idle()
    assert moco.state.presences[presences[0].id].from_time == dt.time(6, 30)


async def test_invalid_and_overlapping_times_are_shown_beside_the_presences(
    shell: DesktopShell, moco: Moco
) -> None:
    day = max(
        p.date
        for p in moco.state.presences_of(moco.anna)
        if p.date < moco.today and len(moco.state.presences_of(moco.anna, p.date)) >= 2
    )
    await logged_in(shell, moco)
    window = window_of(shell)
    window.show_date(day)
    presences = sorted(moco.state.presences_of(moco.anna, day), key=lambda p: p.from_time)
    await wait_for(lambda: window.presence_table.rowCount() == len(presences))
    requests = len(moco.server.requests)

    window.set_presence_time(presences[0].id, to_time="25:00")
    await window.runner.wait_idle()
    assert window.presence_error.isVisible()
    assert "25:00" in window.presence_error.text()
    assert len(moco.server.requests) == requests  # never sent: MOCO would answer 500

    second_start = presences[1].from_time
    overlapping = f"{second_start.hour + 1:02d}:{second_start.minute:02d}"
    window.set_presence_time(presences[0].id, to_time=overlapping)
    await window.runner.wait_idle()
    assert window.presence_error.isVisible()
    assert presences[0].to_time == moco.state.presences[presences[0].id].to_time


async def test_home_office_for_the_whole_day(shell: DesktopShell, moco: Moco) -> None:
    day = max(
        p.date
        for p in moco.state.presences_of(moco.anna)
        if p.date < moco.today and not p.is_home_office
    )
    await logged_in(shell, moco)
    window = window_of(shell)
    window.show_date(day)
    await wait_for(lambda: window.presence_table.rowCount() > 0)
    assert not window.home_office_check.isChecked()

    window.home_office_check.click()
    await window.runner.wait_idle()
    assert all(p.is_home_office for p in moco.state.presences_of(moco.anna, day))
    await wait_for(window.home_office_check.isChecked)

    window.home_office_check.click()
    await window.runner.wait_idle()
    assert not any(p.is_home_office for p in moco.state.presences_of(moco.anna, day))
