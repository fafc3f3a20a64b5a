"""Reminders in the GUI: a tray notification whose click opens the panel with the buttons, and
each button doing its job against the embedded MOCO (clocks frozen, moved by hand; every day
counts as a working day so the tests do not depend on the weekday they run on)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import MappingProxyType

from moco_desktop.core.i18n import set_language, tr
from moco_desktop.demo.clock import FakeClock
from moco_desktop.services.reminders import (
    Reminder,
    ReminderAction,
    ReminderKind,
    ReminderSettings,
)
from moco_desktop.ui.assistant import DailyAssistant
from moco_desktop.ui.entry_dialog import EntryDialog
from moco_desktop.ui.reminder_panel import ReminderPanel
from moco_desktop.ui.session import Session
from moco_desktop.ui.shell import DesktopShell
from tests.ui.conftest import Moco, bookable_pair, logged_in, wait_for

EVERY_DAY = frozenset(range(7))


def a_working_day(moco: Moco) -> None:
    """Today is no holiday or absence of Anna's (the seed may put one on any date)."""
    with moco.state.lock:
        for schedule_id, schedule in list(moco.state.schedules.items()):
            if schedule.user_id == moco.anna and schedule.date == moco.today:
                del moco.state.schedules[schedule_id]


async def reminding(
    shell: DesktopShell, moco: Moco, **settings: object
) -> tuple[Session, DailyAssistant, list[tuple[str, str]]]:
    """Logged in, reminders on for every day with `settings`; the tray's balloons recorded."""
    a_working_day(moco)
    session = await logged_in(shell, moco)
    assistant = shell.assistant
    assert assistant is not None
    daily = shell.daily_settings()
    reminders = ReminderSettings(work_days=EVERY_DAY, **settings)  # type: ignore[arg-type]
    assistant.apply(dataclasses.replace(daily, reminders=reminders))
    balloons: list[tuple[str, str]] = []
    shell.tray.notified.connect(lambda title, message: balloons.append((title, message)))
    return session, assistant, balloons


async def not_tracking_reminder(
    frozen: FakeClock, shell: DesktopShell, moco: Moco
) -> tuple[Session, DailyAssistant, ReminderPanel, Reminder]:
    """Clocked in at 10:00, no timer until 10:16: the notification, clicked."""
    session, assistant, balloons = await reminding(shell, moco)
    await session.workspace.clock_in()
    assert assistant.check_reminders() == []
    frozen.advance(16 * 60)
    due = assistant.check_reminders()
    assert [r.kind for r in due] == [ReminderKind.NOT_TRACKING]
    assert balloons == [(due[0].title, due[0].message)]
    assert opened_panel(shell) is None  # the balloon first; the panel on a click

    shell.tray.tray.messageClicked.emit()
    panel = opened_panel(shell)
    assert panel is not None
    assert panel.isVisible()
    return session, assistant, panel, due[0]


def opened_panel(shell: DesktopShell) -> ReminderPanel | None:
    return shell.reminder_panel


def shown_actions(panel: ReminderPanel) -> list[ReminderAction]:
    return panel.shown_actions()


async def test_not_tracking_notifies_and_the_click_shows_its_buttons(
    frozen: FakeClock, shell: DesktopShell, moco: Moco
) -> None:
    _, _, panel, reminder = await not_tracking_reminder(frozen, shell, moco)
    assert panel.heading.text() == tr("reminders.not_tracking.title")
    assert panel.message.text() == reminder.message
    assert "16 min" in reminder.message
    last = reminder.activity
    assert last is not None
    assert panel.detail.isVisible()
    assert panel.detail.text().startswith("Last entry: ")
    assert f"{last.project.name} / {last.task.name}" in panel.detail.text()
    assert shown_actions(panel) == [
        ReminderAction.START_LAST,
        ReminderAction.PICK,
        ReminderAction.SNOOZE,
        ReminderAction.NOT_TODAY,
    ]
    texts = [panel.action_buttons[a].text() for a in shown_actions(panel)]
    assert texts == ["Start last entry", "Pick…", "Snooze", "Not today"]
    assert panel.action_buttons[ReminderAction.START_LAST].isDefault()


async def test_start_last_entry_continues_it_in_moco(
    frozen: FakeClock, shell: DesktopShell, moco: Moco
) -> None:
    session, _, panel, reminder = await not_tracking_reminder(frozen, shell, moco)
    last = reminder.activity
    assert last is not None
    panel.action_buttons[ReminderAction.START_LAST].click()
    await panel.runner.wait_idle()
    running = moco.state.running_timer(moco.anna)
    assert running is not None
    assert (running.project_id, running.task_id, running.description) == (
        last.project.id,
        last.task.id,
        last.description,
    )
    assert running.date == moco.today
    assert not panel.isVisible()
    await wait_for(lambda: session.running() is not None)


async def test_snooze_quiets_it_for_a_while_and_not_today_for_the_day(
    frozen: FakeClock, shell: DesktopShell, moco: Moco
) -> None:
    _, assistant, panel, _ = await not_tracking_reminder(frozen, shell, moco)
    panel.action_buttons[ReminderAction.SNOOZE].click()
    assert not panel.isVisible()
    frozen.advance(10 * 60)
    assert assistant.check_reminders() == []  # snoozed for 15 minutes
    frozen.advance(6 * 60)
    again = assistant.check_reminders()
    assert [r.kind for r in again] == [ReminderKind.NOT_TRACKING]

    shell.open_reminder()
    panel.action_buttons[ReminderAction.NOT_TODAY].click()
    assert assistant.reminders.engine.is_silenced_today(ReminderKind.NOT_TRACKING)
    frozen.advance(3600)  # 11:32, still before the lunch checkpoint
    assert assistant.check_reminders() == []


async def test_pick_opens_the_quick_picker(
    frozen: FakeClock, shell: DesktopShell, moco: Moco
) -> None:
    _, _, panel, _ = await not_tracking_reminder(frozen, shell, moco)
    panel.action_buttons[ReminderAction.PICK].click()
    assert not panel.isVisible()
    assert shell.quick_start is not None
    assert shell.quick_start.isVisible()


async def test_gap_books_a_new_entry_prefilled_with_the_unbooked_time(
    frozen: FakeClock, shell: DesktopShell, moco: Moco
) -> None:
    session, assistant, _ = await reminding(
        shell, moco, checkpoints=(dt.time(10, 30),), gap_threshold_minutes=30
    )
    await session.workspace.clock_in()
    frozen.advance(50 * 60)  # 10:50: present 50 minutes, nothing booked
    due = assistant.check_reminders()
    assert [r.kind for r in due] == [ReminderKind.GAP]
    assert due[0].message == "50 min not booked today"

    shell.tray.tray.messageClicked.emit()
    panel = shell.reminder_panel
    assert panel is not None
    assert shown_actions(panel) == [
        ReminderAction.BOOK_GAP,
        ReminderAction.SNOOZE,
        ReminderAction.NOT_TODAY,
    ]
    panel.action_buttons[ReminderAction.BOOK_GAP].click()
    timesheet = shell.timesheet
    assert timesheet is not None
    assert timesheet.isVisible()
    assert timesheet.date == moco.today
    dialogs = [d for d in timesheet.open_dialogs() if isinstance(d, EntryDialog)]
    assert len(dialogs) == 1
    assert dialogs[0].duration_edit.text() == "0:50"
    assert dialogs[0].selected_date() == moco.today


async def test_a_long_timer_is_stopped_at_the_chosen_time(
    frozen: FakeClock, shell: DesktopShell, moco: Moco
) -> None:
    session, assistant, _ = await reminding(shell, moco, long_timer_hours=1)
    _, project_id, task_id = bookable_pair(session)
    await session.start_timer(project_id, task_id, "Vergessen")
    running = moco.state.running_timer(moco.anna)
    assert running is not None
    frozen.advance(90 * 60)  # 11:30
    due = assistant.check_reminders()
    assert [r.kind for r in due] == [ReminderKind.LONG_TIMER]
    shell.tray.tray.messageClicked.emit()
    panel = shell.reminder_panel
    assert panel is not None
    assert shown_actions(panel) == [
        ReminderAction.STOP_TIMER_AT,
        ReminderAction.SNOOZE,
        ReminderAction.NOT_TODAY,
    ]
    panel.action_buttons[ReminderAction.STOP_TIMER_AT].click()
    assert panel.stop_row.isVisible()
    chosen = panel.stop_at()
    assert chosen is not None
    assert chosen.time() == dt.time(11, 30)

    eleven = panel.stop_edit.dateTime().addSecs(-30 * 60)
    panel.stop_edit.setDateTime(eleven)
    panel.stop_button.click()
    await panel.runner.wait_idle()
    assert moco.state.running_timer(moco.anna) is None
    assert moco.state.activities[running.id].seconds == 3600  # 10:00 to 11:00
    assert not panel.isVisible()


async def test_only_the_latest_reminder_is_shown_never_a_queue(
    frozen: FakeClock, shell: DesktopShell, moco: Moco
) -> None:
    _, _, panel, first = await not_tracking_reminder(frozen, shell, moco)
    gap = Reminder(
        ReminderKind.GAP,
        first.due_at,
        (ReminderAction.BOOK_GAP, ReminderAction.SNOOZE, ReminderAction.NOT_TODAY),
        "reminders.gap.message",
        MappingProxyType({"duration_seconds": 4800}),
        gap_seconds=4800,
    )
    shell.show_reminder(gap)  # the panel is open: it shows the new one in place
    assert shell.reminder_panel is panel
    assert panel.message.text() == "1 h 20 min not booked today"
    assert ReminderAction.START_LAST not in shown_actions(panel)

    panel.hide()
    shell.show_reminder(first)
    shell.show_reminder(gap)
    shell.tray.tray.messageClicked.emit()  # the click shows the latest
    assert panel.message.text() == "1 h 20 min not booked today"


async def test_without_notifications_the_panel_opens_by_itself(
    frozen: FakeClock, shell: DesktopShell, moco: Moco
) -> None:
    session, assistant, balloons = await reminding(shell, moco)
    shell.tray.hide()  # e.g. a desktop without a tray
    await session.workspace.clock_in()
    assistant.check_reminders()
    frozen.advance(20 * 60)
    assert assistant.check_reminders()
    assert balloons == []
    panel = shell.reminder_panel
    assert panel is not None
    assert panel.isVisible()


async def test_the_panel_speaks_german(frozen: FakeClock, shell: DesktopShell, moco: Moco) -> None:
    _, _, panel, _ = await not_tracking_reminder(frozen, shell, moco)
    set_language("de")
    shell.retranslate_all()
    assert panel.windowTitle() == "MOCO Desktop – Erinnerung"
    assert panel.heading.text() == "Kein Timer läuft"
    assert panel.message.text() == "Du bist eingestempelt, aber seit 16 min wird nichts erfasst."
    assert panel.action_buttons[ReminderAction.START_LAST].text() == "Letzten Eintrag starten"
    assert panel.action_buttons[ReminderAction.NOT_TODAY].text() == "Heute nicht mehr"
