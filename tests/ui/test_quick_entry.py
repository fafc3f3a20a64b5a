"""The quick-entry line in the timesheet and from the tray: the live preview under the field
before Enter, Enter booking through the workspace into the embedded MOCO, and problems and
ambiguous names shown inline (nothing booked)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from moco_desktop.core.i18n import set_language, tr
from moco_desktop.ui import tray as tray_module
from moco_desktop.ui.quick_entry import QuickEntryField
from moco_desktop.ui.shell import DesktopShell
from moco_desktop.ui.timesheet import TimesheetWindow
from tests.ui.conftest import Moco, bookable_pair, logged_in, wait_for


def entries_of(moco: Moco, day: dt.date, description: str) -> list[tuple[int, int, int]]:
    return [
        (a.project_id, a.task_id, a.seconds)
        for a in moco.state.activities_of(moco.anna)
        if a.date == day and a.description == description
    ]


async def timesheet_of(shell: DesktopShell, moco: Moco) -> TimesheetWindow:
    await logged_in(shell, moco)
    timesheet = shell.timesheet
    assert timesheet is not None
    return timesheet


async def test_the_preview_shows_what_enter_books_and_enter_books_it(
    shell: DesktopShell, moco: Moco
) -> None:
    timesheet = await timesheet_of(shell, moco)
    session = timesheet.session
    query, project_id, task_id = bookable_pair(session)
    field = timesheet.quick_entry
    project = session.workspace.project(project_id)
    assert project is not None
    task = project.task(task_id)
    assert task is not None

    assert not field.edit.isClearButtonEnabled()  # nothing to clear yet
    QTest.keyClicks(field.edit, f"1,5 {query}: Workshop vorbereitet #kunde")
    assert field.edit.isClearButtonEnabled()
    await wait_for(lambda: field.preview_label.isVisible())  # after the typing pause
    preview = field.preview_label.text()
    assert preview.startswith("Enter books: 1:30 · ")
    assert project.identifier in preview
    assert task.name in preview
    assert "Workshop vorbereitet #kunde" in preview
    assert not field.problem.isVisible()
    assert entries_of(moco, moco.today, "Workshop vorbereitet") == []  # nothing before Enter

    QTest.keyClick(field.edit, Qt.Key.Key_Return)
    await field.runner.wait_idle()
    assert entries_of(moco, moco.today, "Workshop vorbereitet") == [(project_id, task_id, 5400)]
    booked = next(
        a for a in moco.state.activities_of(moco.anna) if a.description == "Workshop vorbereitet"
    )
    assert booked.tag == "kunde"
    assert field.edit.text() == ""
    assert field.confirmation.text().startswith("Booked: 1:30")
    await wait_for(
        lambda: any(
            e.activity.description == "Workshop vorbereitet"
            for e in session.day(moco.today).entries
        )
    )


async def test_ambiguous_and_unknown_names_are_said_inline_and_nothing_is_booked(
    shell: DesktopShell, moco: Moco
) -> None:
    timesheet = await timesheet_of(shell, moco)
    field = timesheet.quick_entry
    before = len(moco.state.activities_of(moco.anna))

    field.set_text("2h Hansen: Abstimmung")
    assert field.problem.isVisible()
    assert field.preview_label.text() == "Not complete yet: 2:00 · Abstimmung"  # not "Enter books"
    assert "matches 3 projects" in field.problem.text()
    assert "Website-Relaunch" in field.problem.text()  # the candidates are named
    field.submit()
    await field.runner.wait_idle()

    field.set_text("2h xyzzy: Abstimmung")
    assert "No project matches “xyzzy”" in field.problem.text()
    field.submit()
    await field.runner.wait_idle()

    field.set_text("25h P0001: zu viel")
    assert field.problem.isVisible()
    field.submit()
    await field.runner.wait_idle()
    assert len(moco.state.activities_of(moco.anna)) == before
    assert field.edit.text() == "25h P0001: zu viel"  # nothing typed is lost


async def test_a_line_without_a_date_books_on_the_day_shown(
    shell: DesktopShell, moco: Moco
) -> None:
    timesheet = await timesheet_of(shell, moco)
    query, project_id, task_id = bookable_pair(timesheet.session, 1)
    earlier = moco.today - dt.timedelta(days=3)
    timesheet.show_date(earlier)
    field = timesheet.quick_entry
    field.set_text(f"45m {query}: Nachgetragen")
    assert field.preview_label.text().startswith("Enter books: ")
    assert f"{earlier.day}" in field.preview_label.text()  # another day is named
    field.submit()
    await field.runner.wait_idle()
    assert entries_of(moco, earlier, "Nachgetragen") == [(project_id, task_id, 2700)]


async def test_the_tray_quick_entry_starts_a_timer_and_closes(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    shell.tray.refresh_menu()
    action = shell.tray.tray.contextMenu().actions()[tray_module.QUICK_ENTRY]
    assert action.objectName() == "quickEntry"
    assert action.text() == tr("tray.quick_entry")
    action.trigger()
    window = shell.quick_entry_window
    assert window is not None
    assert window.isVisible()
    assert window.windowTitle() == "MOCO Desktop – Quick entry"

    query, project_id, task_id = bookable_pair(session, 2)
    field: QuickEntryField = window.field
    field.set_text(f"{query}: Review")
    assert field.preview_label.text().startswith("Enter starts a timer: ")
    field.edit.returnPressed.emit()
    await field.runner.wait_idle()
    running = moco.state.running_timer(moco.anna)
    assert running is not None
    assert (running.project_id, running.task_id, running.description) == (
        project_id,
        task_id,
        "Review",
    )
    assert shell.quick_entry_window is None  # closed once booked
    await wait_for(lambda: session.running() is not None)


async def test_the_line_speaks_german(shell: DesktopShell, moco: Moco) -> None:
    timesheet = await timesheet_of(shell, moco)
    query, _, _ = bookable_pair(timesheet.session)
    set_language("de")
    shell.retranslate_all()
    field = timesheet.quick_entry
    assert field.edit.placeholderText().startswith("Schnelleintrag: 2h P0007")
    field.set_text(f"1,5 {query}: Test")
    assert field.preview_label.text().startswith("Enter bucht: 1:30 · ")
    field.set_text("2h xyzzy")
    assert "Kein Projekt passt zu „xyzzy“" in field.problem.text()
