"""Settings: language switch at runtime (every window follows), the rate-limit plan, start at
login, the idle source and minutes, reminders, rounding, and logout with confirmation."""

from __future__ import annotations

import datetime as dt
import sys

from PySide6.QtCore import QTime
from PySide6.QtWidgets import QMessageBox

from moco_desktop.app import AppContext
from moco_desktop.core import i18n
from moco_desktop.core.i18n import set_language, tr
from moco_desktop.core.quick_entry import RoundingPolicy
from moco_desktop.demo.clock import FakeClock
from moco_desktop.system.autostart import XdgAutostart
from moco_desktop.system.idle import IdleAttempt, IdleSourceError, UnavailableIdleSource
from moco_desktop.system.power import FakePowerEvents
from moco_desktop.ui import formatting
from moco_desktop.ui import tray as tray_module
from moco_desktop.ui.assistant import SystemHooks
from moco_desktop.ui.shell import DesktopShell
from tests.ui.conftest import FakeSystem, Moco, bookable_pair, logged_in, wait_for


async def test_switching_to_german_retranslates_every_window(
    shell: DesktopShell, moco: Moco
) -> None:
    await logged_in(shell, moco)
    window = shell.timesheet
    assert window is not None
    assert window.today_button.text() == "Today"
    dialog = shell.open_settings()
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("de"))
    dialog.buttons.accepted.emit()

    assert i18n.language() == "de"
    assert shell.context.accounts.settings.language == "de"
    assert window.today_button.text() == "Heute"
    assert window.windowTitle() == tr("timesheet.title", lang="de")
    assert formatting.long_date(window.date) in window.date_button.text()
    assert any(
        word in window.date_button.text()
        for word in (
            "Montag",
            "Dienstag",
            "Mittwoch",
            "Donnerstag",
            "Freitag",
            "Samstag",
            "Sonntag",
        )
    )
    menu = shell.tray.tray.contextMenu().actions()
    assert menu[tray_module.OPEN].text() == "Stundenzettel öffnen"
    assert menu[tray_module.QUIT].text() == "MOCO Desktop beenden"
    assert formatting.decimal_hours(5400) == "1,50 h"

    dialog = shell.open_settings()
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("en"))
    dialog.buttons.accepted.emit()
    assert window.today_button.text() == "Today"
    assert formatting.decimal_hours(5400) == "1.50 h"


async def test_the_plan_is_saved_and_the_session_reopened_with_it(
    shell: DesktopShell, moco: Moco
) -> None:
    before = await logged_in(shell, moco)
    dialog = shell.open_settings()
    dialog.plan_combo.setCurrentIndex(dialog.plan_combo.findData("standard"))
    dialog.buttons.accepted.emit()
    await shell.runner.wait_idle()
    assert shell.context.accounts.settings.rate_limit_plan == "standard"
    await wait_for(lambda: shell.session is not None and shell.session is not before)


async def test_logout_asks_first(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco)
    dialog = shell.open_settings()
    assert dialog.account_box.isVisible()
    assert "Anna Becker" in dialog.account_text.text()
    dialog.logout_button.click()
    box = dialog.findChild(QMessageBox, "logoutConfirm")
    assert box is not None
    assert box.isVisible()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert shell.session is not None  # cancelled: still logged in


async def test_settings_name_the_idle_source_and_save_the_idle_minutes(
    shell: DesktopShell, moco: Moco
) -> None:
    await logged_in(shell, moco)
    assistant = shell.assistant
    assert assistant is not None
    await wait_for(lambda: assistant.idle_watch is not None)
    dialog = shell.open_settings()
    assert dialog.idle_source.isVisible()
    assert dialog.idle_source.text() == tr("assistant.idle_source", source="fake", watchers="fake")
    assert dialog.idle_check.isChecked()
    assert dialog.idle_minutes.value() == 10
    dialog.idle_minutes.setValue(25)
    dialog.buttons.accepted.emit()

    assert shell.context.accounts.settings.extra["idle"] == {
        "enabled": True,
        "threshold_minutes": 25,
    }
    assert assistant.idle_watch is not None
    assert assistant.idle_watch.settings.threshold_minutes == 25
    assert shell.open_settings().idle_minutes.value() == 25  # read back


async def test_settings_say_why_idle_time_cannot_be_measured(
    context: AppContext, moco: Moco
) -> None:
    unavailable = UnavailableIdleSource(
        [IdleAttempt("x11", IdleSourceError("idle.why.no_display"))]
    )
    hooks = SystemHooks(
        idle_source=lambda: unavailable,
        power_events=lambda _tick: FakePowerEvents(),
        autostart=XdgAutostart(),
    )
    shell = DesktopShell(
        context, refresh_interval=None, background_sync=False, use_tray=True, hooks=hooks
    )
    shell.assistant_delay_ms = 0
    try:
        await logged_in(shell, moco)
        assistant = shell.assistant
        assert assistant is not None
        await wait_for(lambda: assistant.idle_watch is not None)
        dialog = shell.open_settings()
        text = dialog.idle_source.text()
        assert text == unavailable.reason_in("en")
        assert "x11: no X11 display" in text
        set_language("de")
        dialog.retranslate()
        assert "x11: kein X11-Display" in dialog.idle_source.text()
    finally:
        await shell.shutdown()


async def test_reminder_and_rounding_settings_reach_the_session(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    dialog = shell.open_settings()
    assert not dialog.rounding_check.isChecked()  # off by default
    assert not dialog.rounding_step.isEnabled()
    steps = [dialog.rounding_step.itemData(i) for i in range(dialog.rounding_step.count())]
    assert steps == [5, 10, 15, 30]
    modes = [dialog.rounding_mode.itemData(i) for i in range(dialog.rounding_mode.count())]
    assert modes == ["up", "nearest"]
    dialog.rounding_check.setChecked(True)
    dialog.rounding_step.setCurrentIndex(dialog.rounding_step.findData(10))
    dialog.rounding_mode.setCurrentIndex(dialog.rounding_mode.findData("nearest"))
    dialog.reminders_check.setChecked(False)
    dialog.buttons.accepted.emit()

    extra = shell.context.accounts.settings.extra
    assert extra["rounding"] == {"enabled": True, "minutes": 10, "mode": "nearest"}
    assert extra["reminders"]["enabled"] is False
    assert session.rounding == RoundingPolicy(True, 10, "nearest")
    assistant = shell.assistant
    assert assistant is not None
    assert not assistant.reminders.engine.settings.enabled


async def test_stopping_from_the_tray_rounds_when_rounding_is_on(
    frozen: FakeClock, shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    dialog = shell.open_settings()
    dialog.rounding_check.setChecked(True)
    dialog.rounding_step.setCurrentIndex(dialog.rounding_step.findData(15))
    dialog.buttons.accepted.emit()
    _, project_id, task_id = bookable_pair(session)
    await session.start_timer(project_id, task_id, "Gerundet")
    running = moco.state.running_timer(moco.anna)
    assert running is not None
    frozen.advance(7 * 60 + 20)
    await wait_for(lambda: session.running() is not None)

    shell.tray.refresh_menu()
    shell.tray.tray.contextMenu().actions()[tray_module.STOP].trigger()
    await shell.tray.runner.wait_idle()
    assert moco.state.running_timer(moco.anna) is None
    assert moco.state.activities[running.id].seconds == 15 * 60  # 7:20 rounded up to 15 min


async def test_stopping_in_the_window_and_switching_timers_round_too(
    frozen: FakeClock, shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    shell.context.accounts.update_extra(
        {"rounding": {"enabled": True, "minutes": 10, "mode": "nearest"}}
    )
    assistant = shell.assistant
    assert assistant is not None
    assistant.apply(shell.daily_settings())
    _, project_id, task_id = bookable_pair(session)
    _, other_project, other_task = bookable_pair(session, 1)
    await session.start_timer(project_id, task_id, "Erster")
    first = moco.state.running_timer(moco.anna)
    assert first is not None
    frozen.advance(14 * 60)
    await session.start_timer(other_project, other_task, "Zweiter")  # stops the first, rounded
    assert moco.state.activities[first.id].seconds == 10 * 60  # 14 min to the nearest 10
    second = moco.state.running_timer(moco.anna)
    assert second is not None
    assert second.id != first.id
    frozen.advance(16 * 60)
    await wait_for(lambda: session.running() is not None and session.running().id == second.id)  # type: ignore[union-attr]

    timesheet = shell.timesheet
    assert timesheet is not None
    timesheet.stop_button.click()
    await timesheet.runner.wait_idle()
    assert moco.state.running_timer(moco.anna) is None
    assert moco.state.activities[second.id].seconds == 20 * 60  # 16 min to the nearest 10


async def test_start_at_login_is_registered_and_removed_cleanly(
    shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    await logged_in(shell, moco)
    dialog = shell.open_settings()
    assert dialog.autostart_check.isEnabled()
    assert not dialog.autostart_check.isChecked()
    assert dialog.autostart_hint.text() == tr("settings.autostart_hint")
    dialog.autostart_check.setChecked(True)
    dialog.buttons.accepted.emit()

    entry = system.autostart.path
    assert entry.is_file()
    command = system.autostart.registered_command()
    assert command is not None
    assert command[-1] == "--autostart"
    assert command[:3] == (sys.executable, "-m", "moco_desktop")

    dialog = shell.open_settings()
    assert dialog.autostart_check.isChecked()
    assert str(entry) in dialog.autostart_hint.text()
    dialog.autostart_check.setChecked(False)
    dialog.buttons.accepted.emit()
    assert not entry.exists()
    assert not system.autostart.is_enabled()


async def test_start_at_login_failing_is_said_and_the_dialog_stays(
    shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    await logged_in(shell, moco)
    system.autostart.path.parent.parent.mkdir(parents=True, exist_ok=True)
    system.autostart.path.parent.write_text("not a directory")  # the autostart folder is a file
    dialog = shell.open_settings()
    dialog.autostart_check.setChecked(True)
    dialog.buttons.accepted.emit()
    assert dialog.isVisible()
    assert dialog.autostart_error.isVisible()
    assert dialog.autostart_error.text().startswith("Start at login could not be changed")
    assert not dialog.autostart_check.isChecked()


async def test_an_entry_of_a_moved_installation_is_written_anew(
    shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    await logged_in(shell, moco)
    system.autostart.enable(["/opt/old/moco-desktop", "--autostart"])
    dialog = shell.open_settings()
    assert dialog.autostart_check.isChecked()
    dialog.buttons.accepted.emit()
    command = system.autostart.registered_command()
    assert command == (sys.executable, "-m", "moco_desktop", "--autostart")


async def test_working_hours_and_reminder_thresholds_are_set_in_settings(
    shell: DesktopShell, moco: Moco
) -> None:
    await logged_in(shell, moco)
    dialog = shell.open_settings()
    assert dialog.work_start.time() == QTime(8, 0)  # the defaults, shown
    assert dialog.work_end.time() == QTime(18, 0)
    dialog.work_start.setTime(QTime(9, 30))
    dialog.work_end.setTime(QTime(16, 0))
    dialog.gap_minutes.setValue(45)
    dialog.long_timer_hours.setValue(8)
    dialog.buttons.accepted.emit()

    saved = shell.context.accounts.settings.extra["reminders"]
    assert (saved["work_start"], saved["work_end"]) == ("09:30", "16:00")
    assert saved["midday"] == "12:30"  # still inside the day: kept
    assert (saved["gap_threshold_minutes"], saved["long_timer_hours"]) == (45, 8)
    assistant = shell.assistant
    assert assistant is not None
    settings = assistant.reminders.engine.settings
    assert (settings.work_start, settings.work_end) == (dt.time(9, 30), dt.time(16, 0))
    assert settings.gap_threshold_minutes == 45


async def test_a_working_day_that_ends_before_it_starts_is_refused_inline(
    shell: DesktopShell, moco: Moco
) -> None:
    await logged_in(shell, moco)
    dialog = shell.open_settings()
    dialog.work_start.setTime(QTime(17, 0))
    dialog.work_end.setTime(QTime(9, 0))
    dialog.gap_minutes.setValue(50)
    dialog.buttons.accepted.emit()

    assert dialog.isVisible()  # nothing lost: the form stays as typed
    assert dialog.reminders_error.isVisible()
    assert "end after it starts" in dialog.reminders_error.text()
    assert dialog.gap_minutes.value() == 50
    assert "reminders" not in shell.context.accounts.settings.extra

    dialog.work_end.setTime(QTime(20, 0))
    dialog.buttons.accepted.emit()
    assert not dialog.isVisible()
    saved = shell.context.accounts.settings.extra["reminders"]
    assert (saved["work_start"], saved["midday"], saved["work_end"]) == ("17:00", "18:30", "20:00")


async def test_no_row_is_squashed_when_hints_wrap(shell: DesktopShell, moco: Moco) -> None:
    """Qt's minimum window size leaves word wrap out: the dialog grows to what it needs, in
    both languages, instead of squeezing the rows under a wrapped hint."""
    await logged_in(shell, moco)
    for language in ("de", "en"):
        dialog = shell.open_settings()
        dialog.language_combo.setCurrentIndex(dialog.language_combo.findData(language))
        dialog.apply_and_close()
        dialog = shell.open_settings()
        dialog.update_idle_status()
        for row in (
            dialog.idle_minutes,
            dialog.reminder_minutes,
            dialog.work_start,
            dialog.gap_minutes,
            dialog.long_timer_hours,
            dialog.rounding_step,
            dialog.logout_button,
        ):
            assert row.height() >= row.minimumSizeHint().height(), (language, row.objectName())
        dialog.reject()
    set_language("en")
