"""The timesheet window against the embedded MOCO: the day and the week strip, adding, editing
and deleting entries, timers from the window, navigation, a timer started elsewhere, offline."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from moco_desktop.core.i18n import tr
from moco_desktop.ui import formatting
from moco_desktop.ui.day_models import DURATION, PENDING, PROJECT, STATE, TIMER, EntryRole
from moco_desktop.ui.entry_dialog import EntryDialog
from moco_desktop.ui.shell import DesktopShell
from moco_desktop.ui.timesheet import TimesheetWindow
from tests.ui.conftest import Moco, bookable_pair, fake_hooks, logged_in, wait_for


def last_booked_day(moco: Moco) -> dt.date:
    return max(a.date for a in moco.state.activities_of(moco.anna) if a.date < moco.today)


def window_of(shell: DesktopShell) -> TimesheetWindow:
    assert shell.timesheet is not None
    return shell.timesheet


def rows(window: TimesheetWindow) -> list[str]:
    model = window.model
    return [
        f"{model.index(r, PROJECT).data()} | {model.index(r, DURATION).data()}"
        for r in range(model.rowCount())
    ]


async def save(dialog: EntryDialog) -> None:
    dialog.save_button.click()
    await dialog.runner.wait_idle()


async def test_a_past_day_shows_moco_s_entries_totals_and_week(
    shell: DesktopShell, moco: Moco
) -> None:
    await logged_in(shell, moco)
    window = window_of(shell)
    day = last_booked_day(moco)
    window.show_date(day)
    await wait_for(lambda: window.model.rowCount() > 0)

    expected = [a for a in moco.state.activities_of(moco.anna) if a.date == day]
    assert window.model.rowCount() == len(expected)
    shown = {window.model.entry(r).id for r in range(window.model.rowCount())}  # type: ignore[union-attr]
    assert shown == {a.id for a in expected}
    total = sum(a.seconds for a in expected)
    assert formatting.hours(total) in window.summary_label.text()
    assert formatting.long_date(day) in window.date_button.text()

    monday = day - dt.timedelta(days=day.weekday())
    for position, cell in enumerate(window.day_cells):
        cell_day = monday + dt.timedelta(days=position)
        booked = sum(a.seconds for a in moco.state.activities_of(moco.anna) if a.date == cell_day)
        assert cell.date == cell_day
        assert cell.booked == booked
        assert cell.isChecked() == (cell_day == day)
    assert window.presence_table.rowCount() == len(moco.state.presences_of(moco.anna, day))


async def test_the_hours_column_fits_its_widest_text(shell: DesktopShell, moco: Moco) -> None:
    # Sized from the widest texts only; it must come out as Qt's own sizing over every row.
    await logged_in(shell, moco)
    window = window_of(shell)
    window.show_date(last_booked_day(moco))
    await wait_for(lambda: window.model.rowCount() > 0)
    header = window.table.horizontalHeader()
    everything = max(
        header.sectionSizeHint(DURATION),
        header.minimumSectionSize(),
        window.table.sizeHintForColumn(DURATION),
    )
    assert header.sectionSize(DURATION) == everything


async def test_navigation_buttons_keys_week_strip_and_calendar(
    shell: DesktopShell, moco: Moco
) -> None:
    await logged_in(shell, moco)
    window = window_of(shell)
    today = moco.today
    assert window.date == today
    assert not window.today_button.isEnabled()

    window.previous_button.click()
    assert window.date == today - dt.timedelta(days=1)
    QTest.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.date == today - dt.timedelta(days=2)
    QTest.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.date == today - dt.timedelta(days=1)
    window.today_button.click()
    assert window.date == today
    QTest.keyClick(
        window,
        Qt.Key.Key_Left,
        Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier,
    )
    assert window.date == today - dt.timedelta(days=7)

    monday = window.date - dt.timedelta(days=window.date.weekday())
    window.day_cells[2].click()
    assert window.date == monday + dt.timedelta(days=2)
    target = today - dt.timedelta(days=20)
    window.calendar.clicked.emit(formatting.to_qdate(target))
    assert window.date == target


async def test_add_an_entry_through_the_dialog(shell: DesktopShell, moco: Moco) -> None:
    session = await logged_in(shell, moco)
    query, project_id, task_id = bookable_pair(session)
    window = window_of(shell)
    day = moco.today - dt.timedelta(days=1)
    window.show_date(day)
    before = len(moco.state.activities_of(moco.anna))

    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialogs = [d for d in window.open_dialogs() if isinstance(d, EntryDialog)]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert dialog.selected_date() == day
    dialog.picker.set_query(query)
    choice = dialog.picker.current_choice()
    assert choice is not None
    assert choice.key == (project_id, task_id)
    dialog.duration_edit.setText("1,5")
    assert dialog.duration_hint.text() == tr("entry.duration_reads", duration="1:30")
    dialog.description_edit.setText("Workshop vorbereitet")
    await save(dialog)

    added = [
        a for a in moco.state.activities_of(moco.anna) if a.description == "Workshop vorbereitet"
    ]
    assert len(moco.state.activities_of(moco.anna)) == before + 1
    assert len(added) == 1
    assert (added[0].date, added[0].seconds, added[0].task_id) == (day, 5400, choice.task.id)
    await wait_for(lambda: any(choice.project.name in row for row in rows(window)))
    assert dialog not in window.open_dialogs()


async def test_the_duration_field_reads_the_cli_syntax_and_says_what_is_wrong(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    window.show_date(moco.today - dt.timedelta(days=1))
    dialog = window.new_entry()
    dialog.picker.set_query(bookable_pair(session)[0])
    for text, reads in (
        ("1:30", "1:30"),
        ("90m", "1:30"),
        ("9:00-10:30", "1:30"),
        ("1h15m", "1:15"),
    ):
        dialog.duration_edit.setText(text)
        assert dialog.duration_hint.text() == tr("entry.duration_reads", duration=reads)
    dialog.duration_edit.setText("(2)")
    assert dialog.duration_hint.text() == tr("entry.duration_reads_unbillable", duration="2:00")
    assert not dialog.billable_check.isChecked()

    dialog.duration_edit.setText("45")  # a bare number is hours: 45 h is refused
    requests = len(moco.server.requests)
    await save(dialog)
    assert dialog.isVisible()
    assert dialog.duration_error.isVisible()
    assert "24" in dialog.duration_error.text()
    assert len(moco.server.requests) == requests

    dialog.picker.set_query("zzzz-nothing")
    dialog.duration_edit.setText("1:00")
    await save(dialog)
    assert dialog.picker_error.text() == tr("entry.choose")
    dialog.reject()


async def test_edit_an_entry(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco)
    window = window_of(shell)
    day = last_booked_day(moco)
    window.show_date(day)
    await wait_for(lambda: window.model.rowCount() > 0)
    window.table.selectRow(0)
    entry = window.selected_entry()
    assert entry is not None

    window.edit_selected()
    dialog = next(d for d in window.open_dialogs() if isinstance(d, EntryDialog))
    current = dialog.picker.current_choice()
    assert current is not None
    assert current.key == (
        entry.activity.project.id,
        entry.activity.task.id,
    )
    assert dialog.description_edit.text() == entry.activity.description
    dialog.duration_edit.setText("2:45")
    dialog.description_edit.setText("Überarbeitet nach Feedback")
    await save(dialog)

    record = moco.state.activities[entry.id]
    assert (record.seconds, record.description) == (
        2 * 3600 + 45 * 60,
        "Überarbeitet nach Feedback",
    )
    await wait_for(lambda: any("2:45" in row for row in rows(window)))


async def test_delete_an_entry_and_undo(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco)
    window = window_of(shell)
    day = last_booked_day(moco)
    window.show_date(day)
    await wait_for(lambda: window.model.rowCount() > 0)
    count = window.model.rowCount()
    window.table.selectRow(0)
    entry = window.selected_entry()
    assert entry is not None

    QTest.keyClick(window.table, Qt.Key.Key_Delete)
    await window.runner.wait_idle()
    assert entry.id not in moco.state.activities
    await wait_for(lambda: window.model.rowCount() == count - 1)
    assert window.message_bar.isVisible()
    assert tr("timesheet.deleted", label="").strip() in window.message_bar.text()
    undo = window.message_bar.buttons[0]
    assert undo.isVisible()
    assert undo.text() == tr("timesheet.undo")

    undo.click()
    await window.runner.wait_idle()
    await wait_for(lambda: window.model.rowCount() == count)
    again = [
        a
        for a in moco.state.activities_of(moco.anna)
        if a.date == day
        and a.description == entry.activity.description
        and a.project_id == entry.activity.project.id
    ]
    assert len(again) == 1
    assert again[0].seconds == entry.activity.seconds


async def test_start_stop_and_continue_timers_from_the_window(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    dialog = window.new_entry()
    dialog.picker.set_query(bookable_pair(session, 1)[0])
    dialog.description_edit.setText("API angebunden")
    assert dialog.start_button.isVisible()
    dialog.start_button.click()
    await dialog.runner.wait_idle()
    await wait_for(lambda: moco.state.running_timer(moco.anna) is not None)
    await wait_for(lambda: window.model.rowCount() == 1)
    assert window.model.index(0, TIMER).data() == "■"
    assert window.stop_button.isVisible()

    window.activateWindow()  # the dialog closed; the window manager would do this
    await wait_for(window.isActiveWindow)
    QTest.keyClick(
        window,
        Qt.Key.Key_T,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    await window.runner.wait_idle()
    await wait_for(lambda: moco.state.running_timer(moco.anna) is None)
    await wait_for(lambda: session.running() is None)
    assert window.model.index(0, TIMER).data() == "▶"
    assert not window.stop_button.isVisible()

    # A click on the row's timer cell continues the same entry (no new one).
    window._on_click(window.model.index(0, TIMER))
    await window.runner.wait_idle()
    await wait_for(lambda: moco.state.running_timer(moco.anna) is not None)
    assert len([a for a in moco.state.activities_of(moco.anna) if a.date == moco.today]) == 1
    window.table.selectRow(0)
    QTest.keyClick(window.table, Qt.Key.Key_Space)
    await window.runner.wait_idle()
    await wait_for(lambda: moco.state.running_timer(moco.anna) is None)


async def test_a_timer_started_elsewhere_shows_up_on_focus(shell: DesktopShell, moco: Moco) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    _, project_id, task_id = bookable_pair(session)
    moco.state.add_activity(
        moco.anna,
        project_id,
        task_id,
        moco.today,
        description="Im Browser gestartet",
        timer_started_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=25),
    )
    assert session.running() is None

    session._last_focus_refresh = None
    task = session.refresh_on_focus()
    assert task is not None
    await task
    await wait_for(lambda: session.running() is not None)
    running = session.running()
    assert running is not None
    assert running.activity.description == "Im Browser gestartet"
    assert session.running_elapsed() >= 25 * 60
    await wait_for(lambda: window.model.rowCount() == 1)
    assert window.model.index(0, TIMER).data() == "■"
    assert window.model.index(0, DURATION).data() in ("0:25", "0:26")
    assert session.ticking  # the minute ticker runs only while a timer does
    shell.tray.refresh_menu()
    assert "Im Browser gestartet" in shell.tray.tray.toolTip()


async def test_a_timer_started_elsewhere_shows_up_without_focus(
    context: object, moco: Moco
) -> None:
    from moco_desktop.app import AppContext

    assert isinstance(context, AppContext)
    desktop = DesktopShell(
        context, refresh_interval=0.3, background_sync=True, use_tray=True, hooks=fake_hooks()
    )
    try:
        await desktop.login_with_api_key("demo", moco.account.staff.api_key, show=False)
        session = desktop.session
        assert session is not None
        await wait_for(lambda: bool(session.workspace.projects()))
        _, project_id, task_id = bookable_pair(session)
        moco.state.add_activity(
            moco.anna,
            project_id,
            task_id,
            moco.today,
            description="Am Handy gestartet",
            timer_started_at=dt.datetime.now(dt.UTC),
        )
        await wait_for(lambda: session.running() is not None)
        assert desktop.tray.status_action.text().startswith("▶")
    finally:
        await desktop.shutdown()


async def test_a_forgotten_timer_from_an_earlier_day_is_offered_to_be_stopped(
    shell: DesktopShell, moco: Moco
) -> None:
    yesterday = moco.today - dt.timedelta(days=1)
    booked = next(a for a in moco.state.activities_of(moco.anna) if a.date < moco.today)
    project_id, task_id = booked.project_id, booked.task_id
    moco.state.add_activity(
        moco.anna,
        project_id,
        task_id,
        yesterday,
        description="Vergessen",
        timer_started_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=20),
    )
    session = await logged_in(shell, moco)
    window = window_of(shell)
    await wait_for(lambda: session.running() is not None)
    assert window.forgotten_banner.isVisible()
    assert "Vergessen" in window.forgotten_banner.text()
    assert formatting.long_date(yesterday) in window.forgotten_banner.text()

    window.forgotten_banner.buttons[1].click()  # open that day
    assert window.date == yesterday
    window.forgotten_banner.buttons[0].click()  # stop it
    await window.runner.wait_idle()
    await wait_for(lambda: moco.state.running_timer(moco.anna) is None)
    await wait_for(lambda: not window.forgotten_banner.isVisible())


async def test_offline_changes_show_as_pending_with_a_banner_and_are_sent_later(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    window.show_date(moco.today - dt.timedelta(days=1))
    moco.server.faults.refuse_connections = True

    dialog = window.new_entry()
    dialog.picker.set_query(bookable_pair(session, 2)[0])
    dialog.duration_edit.setText("0:45")
    dialog.description_edit.setText("Im Zug gebucht")
    await save(dialog)

    await wait_for(lambda: window.offline_banner.isVisible())
    assert tr("timesheet.offline_banner", count=1) == window.offline_banner.text()
    await wait_for(lambda: any(r for r in rows(window)))
    row = next(
        r
        for r in range(window.model.rowCount())
        if window.model.entry(r).activity.description == "Im Zug gebucht"  # type: ignore[union-attr]
    )
    assert window.model.index(row, STATE).data() == PENDING
    assert window.pending_label.isVisible()
    entry = window.model.index(row, 0).data(EntryRole)
    assert entry.pending

    moco.server.faults.refuse_connections = False
    window.offline_banner.buttons[0].click()  # Try again
    await window.runner.wait_idle()
    await wait_for(lambda: session.pending_count == 0)
    await wait_for(lambda: not window.offline_banner.isVisible())
    assert any(a.description == "Im Zug gebucht" for a in moco.state.activities_of(moco.anna))
    assert not window.pending_label.isVisible()


async def test_closing_the_window_hides_it_and_the_app_keeps_running(
    shell: DesktopShell, moco: Moco
) -> None:
    await logged_in(shell, moco)
    window = window_of(shell)
    assert window.isVisible()
    window.close()
    assert not window.isVisible()
    assert shell.session is not None
    assert shell.timesheet is window


async def test_the_first_sync_of_a_new_account_shows_progress(
    shell: DesktopShell, moco: Moco
) -> None:
    moco.server.faults.latency = 0.3  # a slow first sync: every answer takes a while
    await shell.login_with_api_key("demo", moco.account.staff.api_key, show=True)
    window = window_of(shell)
    assert window.progress.isVisible()
    assert window.progress.format() == tr("timesheet.first_sync")
    assert window.progress.maximum() == 0  # indeterminate: nothing looks frozen
    session = shell.session
    assert session is not None
    await wait_for(lambda: bool(session.workspace.projects()), seconds=30)
    await wait_for(lambda: not window.progress.isVisible())


async def test_decimal_hours_follow_the_language(shell: DesktopShell, moco: Moco) -> None:
    from moco_desktop.core.i18n import set_language

    await logged_in(shell, moco)
    window = window_of(shell)
    window.show_date(last_booked_day(moco))
    assert "." in window.summary_label.toolTip()
    set_language("de")
    window.retranslate()
    assert "," in window.summary_label.toolTip()
    assert "Dezimalstunden" in window.summary_label.toolTip()


async def test_absences_are_named_in_the_week_strip(shell: DesktopShell, moco: Moco) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    absent = [
        s
        for s in moco.state.schedules_of(moco.anna)
        if moco.today - dt.timedelta(days=60) <= s.date < moco.today
        and not [a for a in moco.state.activities_of(moco.anna) if a.date == s.date]
    ]
    assert absent, "the demo seed has absences or public holidays in the last weeks"
    day = absent[-1].date
    window.show_date(day)
    await session.refresh([day])
    cell = next(c for c in window.day_cells if c.date == day)
    await wait_for(lambda: bool(cell.absence))
    assert cell.target == 0 or cell.target < 8 * 3600
    assert cell.absence in cell.toolTip()


async def test_a_week_shown_for_the_first_time_is_fetched_from_moco(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    window = window_of(shell)
    long_ago = moco.today - dt.timedelta(days=70)
    _, project_id, task_id = bookable_pair(session)
    moco.state.add_activity(moco.anna, project_id, task_id, long_ago, 1800, "Vor zehn Wochen")
    assert not session.day(long_ago).entries  # never fetched: not in the cache

    window.show_date(long_ago)
    await wait_for(lambda: window.model.rowCount() == 1)
    entry = window.model.entry(0)
    assert entry is not None
    assert entry.activity.description == "Vor zehn Wochen"


async def test_a_weeks_changes_reload_the_day_once_on_the_next_turn(
    shell: DesktopShell, moco: Moco
) -> None:
    """The session tells of a week's entries, then of its presences, in one turn: the shown day
    is reloaded once for both, in the next turn."""
    import asyncio

    session = await logged_in(shell, moco)
    window = window_of(shell)
    await asyncio.sleep(0.05)
    reloads: list[dt.date] = []
    original = window.reload

    def counting() -> None:
        reloads.append(window.date)
        original()

    window.reload = counting  # type: ignore[method-assign]
    today = frozenset({moco.today})
    session.activitiesChanged.emit(today)
    session.presencesChanged.emit(today)
    assert reloads == []
    await asyncio.sleep(0.05)
    assert reloads == [moco.today]

    window.hide()  # hidden: nothing now, once when shown again
    session.activitiesChanged.emit(today)
    await asyncio.sleep(0.05)
    assert reloads == [moco.today]
    window.show()
    await asyncio.sleep(0.05)
    assert reloads == [moco.today, moco.today]


async def test_a_disposed_window_does_not_reload_from_its_closing_session(
    shell: DesktopShell, moco: Moco
) -> None:
    import asyncio

    session = await logged_in(shell, moco)
    window = window_of(shell)
    await asyncio.sleep(0.05)
    reloads: list[dt.date] = []
    window.reload = lambda: reloads.append(window.date)  # type: ignore[method-assign]
    session.activitiesChanged.emit(frozenset({moco.today}))  # a reload is due...
    await shell._close_session()  # ...but the session closes first (logout, switching accounts)
    await asyncio.sleep(0.05)
    assert reloads == []
