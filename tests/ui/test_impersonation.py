"""Staff acting for a colleague: picked from the users list, a persistent banner, bookings land
on the colleague, one click back."""

from __future__ import annotations

import datetime as dt

from moco_desktop.core.i18n import tr
from moco_desktop.ui import tray as tray_module
from moco_desktop.ui.quick_dialogs import ActAsDialog
from moco_desktop.ui.shell import DesktopShell
from tests.ui.conftest import Moco, bookable_pair, logged_in, wait_for


async def test_act_for_a_colleague_and_back(shell: DesktopShell, moco: Moco) -> None:
    own = await logged_in(shell, moco, staff=True)
    await wait_for(lambda: own.is_staff)
    shell.tray.refresh_menu()
    shell.tray.tray.contextMenu().actions()[tray_module.ACT_AS].trigger()
    dialog = shell.act_as_dialog
    assert isinstance(dialog, ActAsDialog)
    assert dialog.isVisible()
    names = [dialog.proxy.index(r, 0).data() for r in range(dialog.proxy.rowCount())]
    assert "Anna Becker" not in names  # not oneself
    dialog.search_edit.setText("jonas")
    assert dialog.proxy.rowCount() == 1
    dialog.search_edit.returnPressed.emit()

    await wait_for(lambda: shell.session is not None and shell.session.identity.impersonating)
    await shell.runner.wait_idle()
    session = shell.session
    assert session is not None
    assert session.identity.acting_user_id == moco.jonas
    window = shell.timesheet
    assert window is not None
    assert window.isVisible()
    assert window.acting_banner.isVisible()
    assert window.acting_banner.text() == tr("timesheet.acting_banner", name="Jonas Weber")
    assert "Jonas Weber" in window.windowTitle()
    await wait_for(lambda: bool(session.workspace.projects()))

    # What is shown is Jonas's time.
    day = max(a.date for a in moco.state.activities_of(moco.jonas) if a.date < moco.today)
    window.show_date(day)
    await session.refresh([day])
    model = window.model
    await wait_for(lambda: model.rowCount() > 0)
    shown = {model.entry(r).id for r in range(model.rowCount())}  # type: ignore[union-attr]
    assert shown == {a.id for a in moco.state.activities_of(moco.jonas) if a.date == day}

    # What is booked lands on Jonas.
    query, project_id, task_id = bookable_pair(session)
    entry = window.new_entry()
    entry.picker.set_query(query)
    entry.duration_edit.setText("0:30")
    entry.description_edit.setText("Für Jonas nachgetragen")
    entry.save_button.click()
    await entry.runner.wait_idle()
    booked = [
        a for a in moco.state.activities.values() if a.description == "Für Jonas nachgetragen"
    ]
    assert [(a.user_id, a.project_id, a.task_id) for a in booked] == [
        (moco.jonas, project_id, task_id)
    ]

    # The tray says so too, and offers the way back.
    shell.tray.refresh_menu()
    back = shell.tray.tray.contextMenu().actions()[tray_module.ACT_AS]
    assert back.isVisible()
    assert back.text() == tr("tray.act_as_self", name="Anna Becker")
    assert "Jonas Weber" in shell.tray.tray.toolTip()

    window.acting_banner.buttons[0].click()  # Back to my own time
    await wait_for(lambda: shell.session is not None and not shell.session.identity.impersonating)
    await shell.runner.wait_idle()
    own_again = shell.session
    assert own_again is not None
    assert own_again.identity.acting_user_id is None
    window = shell.timesheet
    assert window is not None
    assert not window.acting_banner.isVisible()
    assert "Jonas" not in window.windowTitle()
    assert not any(
        a.description == "Für Jonas nachgetragen" for a in moco.state.activities_of(moco.anna)
    )


async def test_the_colleague_s_cache_is_kept_apart(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco, staff=True)
    session = await shell.act_as(moco.jonas, "Jonas Weber")
    assert session is not None
    await wait_for(lambda: bool(session.workspace.projects()))
    day = dt.date.today() - dt.timedelta(days=1)
    jonas_day = {e.id for e in session.day(day).entries}
    shell.act_as_self()
    await shell.runner.wait_idle()
    own = shell.session
    assert own is not None
    assert not own.identity.impersonating
    assert not jonas_day & {e.id for e in own.day(day).entries}
