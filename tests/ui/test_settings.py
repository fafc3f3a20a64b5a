"""Settings: language switch at runtime (every window follows), the rate-limit plan, the start at
login placeholder, and logout with confirmation."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from moco_desktop.core import i18n
from moco_desktop.core.i18n import tr
from moco_desktop.ui import formatting
from moco_desktop.ui import tray as tray_module
from moco_desktop.ui.shell import DesktopShell
from tests.ui.conftest import Moco, logged_in, wait_for


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
    assert not dialog.autostart_check.isEnabled()  # a placeholder until the features issue
    assert dialog.autostart_hint.text() == tr("settings.autostart_hint")
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
