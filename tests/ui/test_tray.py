"""The tray menu (offscreen, triggered like a click): timers, recent entries, clock in/out,
windows, staff-only items, and the icon and tooltip that show a running timer."""

from __future__ import annotations

import datetime as dt
import sys

from PySide6.QtWidgets import QSystemTrayIcon

from moco_desktop.core.i18n import tr
from moco_desktop.ui import tray as tray_module
from moco_desktop.ui.quick_dialogs import QuickStartDialog
from moco_desktop.ui.shell import DesktopShell
from tests.ui.conftest import Moco, logged_in, wait_for


def actions(shell: DesktopShell) -> list[str]:
    return [a.objectName() for a in shell.tray.tray.contextMenu().actions()]


async def test_menu_order_is_fixed(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco)
    menu = shell.tray.tray.contextMenu()
    names = actions(shell)
    assert names[tray_module.STATUS] == "status"
    assert names[tray_module.STOP] == "stop"
    assert names[tray_module.START] == "start"
    assert names[tray_module.RECENT_FIRST] == "recent0"
    assert names[tray_module.CLOCK] == "clock"
    assert names[tray_module.OPEN] == "open"
    assert names[tray_module.ACT_AS] == "actAs"
    assert names[tray_module.SETTINGS] == "settings"
    assert names[tray_module.QUIT] == "quit"
    assert menu.actions()[tray_module.STATUS].text() == tr("tray.idle")
    assert not menu.actions()[tray_module.STOP].isVisible()


async def test_a_recent_entry_starts_a_timer_today_and_stop_stops_it(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    menu_actions = shell.tray.tray.contextMenu().actions()
    recent = session.recent_entries()
    assert len(recent) == 8  # two weeks of demo bookings
    first = recent[0].activity

    menu_actions[tray_module.RECENT_FIRST].trigger()
    await wait_for(lambda: moco.state.running_timer(moco.anna) is not None)
    await shell.tray.runner.wait_idle()

    running = moco.state.running_timer(moco.anna)
    assert running is not None
    assert (running.project_id, running.task_id, running.date) == (
        first.project.id,
        first.task.id,
        moco.today,
    )
    assert running.description == first.description
    await wait_for(lambda: session.running() is not None)
    shell.tray.refresh_menu()
    status = menu_actions[tray_module.STATUS].text()
    assert status.startswith("▶")
    assert first.project.name in status
    assert menu_actions[tray_module.STOP].isVisible()
    tooltip = shell.tray.tray.toolTip()
    assert first.project.name in tooltip
    assert first.task.name in tooltip
    assert first.description.strip() in tooltip
    assert "⏱ 0:00 h" in tooltip
    assert first.customer is not None
    assert first.customer.name in tooltip
    running_icon = shell.tray.tray.icon().pixmap(22).toImage()

    menu_actions[tray_module.STOP].trigger()
    await wait_for(lambda: moco.state.running_timer(moco.anna) is None)
    await shell.tray.runner.wait_idle()
    await wait_for(lambda: session.running() is None)
    assert menu_actions[tray_module.STATUS].text() == tr("tray.idle")
    assert not menu_actions[tray_module.STOP].isVisible()
    assert shell.tray.tray.toolTip().startswith(tr("tray.tooltip_idle"))
    assert shell.tray.tray.icon().pixmap(22).toImage() != running_icon


async def test_continuing_a_recent_entry_twice_reuses_todays_entry(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    menu_actions = shell.tray.tray.contextMenu().actions()
    menu_actions[tray_module.RECENT_FIRST].trigger()
    await wait_for(lambda: moco.state.running_timer(moco.anna) is not None)
    await shell.tray.runner.wait_idle()
    menu_actions[tray_module.STOP].trigger()
    await shell.tray.runner.wait_idle()
    await wait_for(lambda: moco.state.running_timer(moco.anna) is None)
    await wait_for(lambda: session.running() is None)
    shell.tray.refresh_menu()

    # The same booking is now today's first recent entry: one click continues it.
    menu_actions[tray_module.RECENT_FIRST].trigger()
    await shell.tray.runner.wait_idle()
    await wait_for(lambda: moco.state.running_timer(moco.anna) is not None)
    todays = [a for a in moco.state.activities_of(moco.anna) if a.date == moco.today]
    assert len(todays) == 1


async def test_start_opens_the_quick_picker_which_starts_a_timer(
    shell: DesktopShell, moco: Moco
) -> None:
    session = await logged_in(shell, moco)
    shell.tray.tray.contextMenu().actions()[tray_module.START].trigger()
    dialog = shell.quick_start
    assert isinstance(dialog, QuickStartDialog)
    assert dialog.isVisible()
    dialog.picker.set_query("störungsmelder beratung")
    choice = dialog.picker.current_choice()
    assert choice is not None
    assert choice.task.name == "Beratung"
    dialog.description_edit.setText("Fehlerbild analysiert")
    dialog.description_edit.returnPressed.emit()

    await wait_for(lambda: moco.state.running_timer(moco.anna) is not None)
    running = moco.state.running_timer(moco.anna)
    assert running is not None
    assert running.project_id == choice.project.id
    assert running.task_id == choice.task.id
    assert running.description == "Fehlerbild analysiert"
    await dialog.runner.wait_idle()
    await wait_for(lambda: session.running() is not None)
    assert shell.quick_start is None or not shell.quick_start.isVisible()


async def test_clock_in_and_out_from_the_tray(shell: DesktopShell, moco: Moco) -> None:
    session = await logged_in(shell, moco)
    clock = shell.tray.tray.contextMenu().actions()[tray_module.CLOCK]
    assert clock.text() == tr("tray.clock_in")

    clock.trigger()
    await shell.tray.runner.wait_idle()
    await wait_for(lambda: len(moco.state.presences_of(moco.anna, moco.today)) == 1)
    presence = moco.state.presences_of(moco.anna, moco.today)[0]
    assert presence.to_time is None
    shell.tray.refresh_menu()
    assert clock.text().startswith(tr("tray.clock_out", since="").split("(")[0].strip())

    # Clocking out in the same minute is refused (MOCO drops empty presences); pretend the
    # clock-in happened at the start of the day and let the app see that.
    presence.from_time = dt.time(0, 0)
    await session.refresh([moco.today], full=True)
    clock.trigger()
    await shell.tray.runner.wait_idle()
    await wait_for(lambda: moco.state.presences_of(moco.anna, moco.today)[0].to_time is not None)
    await wait_for(lambda: session.day(moco.today).open_presence is None)
    shell.tray.refresh_menu()
    assert clock.text() == tr("tray.clock_in")


async def test_window_items_and_left_click(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco)
    timesheet = shell.timesheet
    assert timesheet is not None
    timesheet.hide()
    shell.tray.tray.contextMenu().actions()[tray_module.OPEN].trigger()
    assert timesheet.isVisible()

    shell.tray.tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert not timesheet.isVisible()
    shell.tray.tray.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert timesheet.isVisible()

    shell.tray.tray.contextMenu().actions()[tray_module.SETTINGS].trigger()
    assert shell.settings_dialog is not None
    assert shell.settings_dialog.isVisible()
    shell.settings_dialog.reject()

    quits: list[bool] = []
    shell.quitRequested.connect(lambda: quits.append(True))
    shell.tray.tray.contextMenu().actions()[tray_module.QUIT].trigger()
    assert quits == [True]


async def test_act_as_is_not_offered_without_staff_rights(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco, staff=False)
    act_as = shell.tray.tray.contextMenu().actions()[tray_module.ACT_AS]
    assert not act_as.isVisible()


async def test_act_as_is_offered_to_staff(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco, staff=True)
    session = shell.session
    assert session is not None
    await wait_for(lambda: session.is_staff)
    shell.tray.refresh_menu()
    act_as = shell.tray.tray.contextMenu().actions()[tray_module.ACT_AS]
    assert act_as.isVisible()
    assert act_as.text() == tr("tray.act_as")


async def test_a_failing_menu_action_is_reported_not_raised(
    shell: DesktopShell, moco: Moco
) -> None:
    await logged_in(shell, moco)
    errors: list[str] = []
    shell.tray.errorShown.connect(errors.append)
    shell.tray.tray.contextMenu().actions()[tray_module.CLOCK].trigger()  # clock in
    await shell.tray.runner.wait_idle()
    session = shell.session
    assert session is not None
    await wait_for(lambda: session.day(moco.today).open_presence is not None)
    # Clock in again while clocked in (a stale menu): the service refuses, the tray says why.
    await shell.tray.runner.run(session.workspace.clock_in())
    assert errors
    assert tr("presences.already_clocked_in", since="").split(" ")[0] in errors[0]


async def test_the_picker_is_made_ready_when_someone_is_about_to_use_it(
    shell: DesktopShell, moco: Moco
) -> None:
    """A hidden tray app does not load the fuzzy matcher; opening the menu or the timesheet
    does, in the background, before the "Start…" click."""
    await shell.login_with_api_key("demo", moco.account.staff.api_key, show=False)
    await shell.runner.wait_idle()
    assert not _picker_prepared(shell)

    shell.tray.menu.aboutToShow.emit()
    assert _picker_prepared(shell)
    await shell.runner.wait_idle()
    assert "moco_desktop.ui.quick_dialogs" in sys.modules
    assert "rapidfuzz.process" in sys.modules


async def test_showing_the_timesheet_prepares_the_picker_too(
    shell: DesktopShell, moco: Moco
) -> None:
    await shell.login_with_api_key("demo", moco.account.staff.api_key, show=True)
    await wait_for(lambda: _picker_prepared(shell))
    await shell.runner.wait_idle()


def _picker_prepared(shell: DesktopShell) -> bool:
    return shell._picker_prepared


async def test_the_menu_is_filled_once_the_timesheet_has_been_painted(
    shell: DesktopShell, moco: Moco
) -> None:
    # Start-up paints the window first; the recent entries (read from the cache) follow.
    await shell.login_with_api_key("demo", moco.account.staff.api_key, show=True)
    assert shell.timesheet is not None
    assert shell.timesheet.isVisible()
    await wait_for(lambda: any(action.isVisible() for action in shell.tray.recent_actions))
    assert shell.tray.recent_actions[0].text()
    assert not shell._tray_menu_after_paint


async def test_closing_the_picker_lets_go_of_its_index(shell: DesktopShell, moco: Moco) -> None:
    session = await logged_in(shell, moco)
    dialog = shell.open_quick_start()
    assert dialog is not None
    index = session.picker_index()
    assert index.search("des")
    dialog.reject()
    await wait_for(lambda: shell.quick_start is None)
    assert session._picker_index is None
    again = shell.open_quick_start()
    assert again is not None
    assert session.picker_index() is not index
    assert session.picker_index().search("des") == index.search("des")
    again.reject()


async def test_changes_older_than_the_recent_entries_do_not_read_them_again(
    shell: DesktopShell, moco: Moco
) -> None:
    # Loading an older week in the background must not make the tray read its entries again.
    session = await logged_in(shell, moco)
    recent = session.recent_entries()
    kept = session._recent
    assert kept is not None
    changes: list[frozenset[dt.date]] = []
    session.activitiesChanged.connect(changes.append)
    older = min(view.activity.date for view in recent) - dt.timedelta(days=30)

    session.workspace.announce_local_change(("activities",), [older])
    await wait_for(lambda: changes == [frozenset({older})])
    assert session._recent is kept
    assert session.recent_entries() == recent

    session.workspace.announce_local_change(("activities",), [moco.today])
    await wait_for(lambda: len(changes) == 2)
    assert session._recent is not kept


async def test_several_changes_at_once_rebuild_the_menu_once(
    shell: DesktopShell, moco: Moco
) -> None:
    """One sync step tells of entries, pending changes and the timer at once: the menu (the
    recent entries) is rebuilt once for them, after the window took them in (issue 7)."""
    import asyncio

    session = await logged_in(shell, moco)
    tray = shell.tray
    rebuilt: list[int] = []
    original = tray.refresh_menu

    def counting() -> None:
        rebuilt.append(1)
        original()

    tray._menu_update.timeout.disconnect()
    tray._menu_update.timeout.connect(counting)
    session.activitiesChanged.emit(frozenset({moco.today}))
    session.pendingChanged.emit(1, 0)
    session.runningChanged.emit()
    assert rebuilt == []  # not inside the signals
    await asyncio.sleep(0.05)
    assert rebuilt == [1]
    assert tray._recent_views == session.recent_entries(len(tray.recent_actions))
    assert sum(action.isVisible() for action in tray.recent_actions) == len(tray._recent_views)
