"""Errors where they belong: MOCO's 422 field map beside the fields, rate-limit waits, missing
permissions, entries deleted elsewhere, sync progress, and never a pile of dialogs."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from moco_desktop.core.i18n import tr
from moco_desktop.ui.day_models import PARKED, STATE
from moco_desktop.ui.field_errors import (
    ACTIVITY_FIELDS,
    PRESENCE_FIELDS,
    field_errors,
    split_validation_message,
)
from moco_desktop.ui.shell import DesktopShell
from moco_desktop.ui.timesheet import TimesheetWindow
from tests.ui.conftest import Moco, bookable_pair, logged_in, wait_for


def window_of(shell: DesktopShell) -> TimesheetWindow:
    assert shell.timesheet is not None
    return shell.timesheet


def test_a_rendered_422_message_splits_back_into_fields_in_both_languages() -> None:
    for lang in ("en", "de"):
        message = tr(
            "api.validation",
            lang=lang,
            details="date: muss ausgefüllt werden; task_id: ist "
            "nicht gültig; Timer can only be started on the current day",
        )
        assert split_validation_message(message) == {
            "date": ["muss ausgefüllt werden"],
            "task_id": ["ist nicht gültig"],
            "base": ["Timer can only be started on the current day"],
        }
        routed = field_errors(message, ACTIVITY_FIELDS)
        assert routed == {
            "date": ["muss ausgefüllt werden"],
            "picker": ["ist nicht gültig"],
            "form": ["Timer can only be started on the current day"],
        }
    assert field_errors("Something else", PRESENCE_FIELDS) == {"form": ["Something else"]}
    presence = tr("api.validation", details="from: range overlaps")
    assert field_errors(presence, PRESENCE_FIELDS) == {"from": ["range overlaps"]}


async def test_moco_s_422_field_map_appears_beside_the_field_and_the_fix_is_sent(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    day = moco.today - dt.timedelta(days=1)
    window.show_date(day)
    query, project_id, task_id = bookable_pair(session)
    moco.state.projects[project_id].task(task_id).active = False  # type: ignore[union-attr]

    dialog = window.new_entry()
    dialog.picker.set_query(query)
    dialog.duration_edit.setText("1:00")
    dialog.description_edit.setText("Abgelehnt")
    dialog.save_button.click()
    await dialog.runner.wait_idle()

    assert dialog.isVisible()  # kept open to fix
    assert dialog.picker_error.isVisible()
    assert "ist nicht gültig" in dialog.picker_error.text()
    assert dialog.form_error.text() == tr("entry.rejected")
    assert dialog.discard_button.isVisible()
    await wait_for(lambda: window.model.rowCount() > 0)
    rows = [window.model.index(r, STATE).data() for r in range(window.model.rowCount())]
    assert PARKED in rows
    assert session.parked_count == 1
    assert window.message_bar.isVisible()  # the notice, once, in the window's bar

    _, _, other_task = bookable_pair(session, 0, 1)
    assert dialog.picker.select(project_id, other_task)
    dialog.save_button.click()
    await dialog.runner.wait_idle()
    await wait_for(lambda: session.pending_count == 0)
    booked = [a for a in moco.state.activities_of(moco.anna) if a.description == "Abgelehnt"]
    assert [(a.task_id, a.date, a.seconds) for a in booked] == [(other_task, day, 3600)]


async def test_a_rejected_entry_can_be_discarded_from_its_row(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    window.show_date(moco.today - dt.timedelta(days=1))
    query, project_id, task_id = bookable_pair(session)
    moco.state.projects[project_id].task(task_id).active = False  # type: ignore[union-attr]
    dialog = window.new_entry()
    dialog.picker.set_query(query)
    dialog.duration_edit.setText("0:15")
    dialog.description_edit.setText("Wird verworfen")
    dialog.save_button.click()
    await dialog.runner.wait_idle()
    dialog.reject()
    await wait_for(lambda: session.parked_count == 1)

    row = next(
        r
        for r in range(window.model.rowCount())
        if window.model.entry(r).activity.description == "Wird verworfen"  # type: ignore[union-attr]
    )
    entry = window.model.entry(row)
    assert entry is not None
    assert entry.parked
    reopened = window.edit_entry(entry)
    assert reopened is not None
    assert "ist nicht gültig" in reopened.picker_error.text()
    reopened.discard_button.click()
    await reopened.runner.wait_idle()
    await wait_for(lambda: session.pending_count == 0)
    await wait_for(
        lambda: all(
            window.model.entry(r).activity.description != "Wird verworfen"  # type: ignore[union-attr]
            for r in range(window.model.rowCount())
        )
    )


async def test_a_rate_limit_wait_is_announced_and_the_change_still_arrives(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    window.show_date(moco.today - dt.timedelta(days=1))
    moco.server.faults.fail_next(1, status=429, method="POST", retry_after=1)
    query, _, _ = bookable_pair(session)
    dialog = window.new_entry()
    dialog.picker.set_query(query)
    dialog.duration_edit.setText("0:30")
    dialog.description_edit.setText("Nach der Pause")

    dialog.save_button.click()
    await wait_for(lambda: window.message_bar.key == "rate_limit")
    assert window.message_bar.text() == tr("timesheet.rate_limited", seconds=1)
    await dialog.runner.wait_idle()
    await wait_for(
        lambda: any(a.description == "Nach der Pause" for a in moco.state.activities_of(moco.anna))
    )


async def test_acting_without_staff_rights_stops_sending_and_says_why(
    shell: DesktopShell, moco: Moco
) -> None:
    await logged_in(shell, moco, staff=False)
    session = await shell.act_as(moco.anna, "Anna Becker")
    assert session is not None
    window = window_of(shell)
    await shell.runner.wait_idle()
    assert window.acting_banner.isVisible()
    await session.refresh()
    await wait_for(lambda: window.halted_banner.isVisible() or window.message_bar.isVisible())
    shown = window.halted_banner.text() or window.message_bar.text()
    assert tr("api.forbidden.impersonation", user_id=moco.anna) in shown


async def test_an_entry_deleted_elsewhere_is_reported_once(shell: DesktopShell, moco: Moco) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    day = max(a.date for a in moco.state.activities_of(moco.anna) if a.date < moco.today)
    window.show_date(day)
    await wait_for(lambda: window.model.rowCount() > 0)
    entry = window.model.entry(0)
    assert entry is not None

    moco.server.faults.refuse_connections = True
    await session.workspace.update_activity(entry.id, description="Offline geändert")
    del moco.state.activities[entry.id]  # a colleague deleted it in the web app meanwhile
    moco.server.faults.refuse_connections = False
    await session.sync_now()

    await wait_for(lambda: window.message_bar.isVisible())
    assert window.message_bar.tone in ("warning", "error")
    assert session.pending_count == 0


async def test_sending_many_changes_shows_progress_and_no_dialog_storm(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    day = moco.today - dt.timedelta(days=2)
    window.show_date(day)
    _query, project_id, task_id = bookable_pair(session)
    moco.server.faults.refuse_connections = True
    for number in range(5):
        await session.workspace.log_activity(day, project_id, task_id, 900, f"Offline {number}")
    assert session.pending_count == 5
    progress_seen: list[str] = []
    session.syncProgress.connect(
        lambda done, total: (
            progress_seen.append(window.progress.format()) if window.progress.isVisible() else None
        )
    )
    moco.server.faults.refuse_connections = False
    await session.sync_now()

    await wait_for(lambda: session.pending_count == 0)
    assert progress_seen
    assert "5" in progress_seen[0]
    assert not window.progress.isVisible()
    dialogs = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox | QDialog) and w.isVisible()
    ]
    assert dialogs == []
