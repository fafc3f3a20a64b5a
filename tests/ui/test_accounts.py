"""Several MOCO logins: adding one from the tray's Accounts submenu, switching in one click (the
workspace reopens for that account, with its own key, cache and outbox), a key that went
missing, and logging out of one while others remain."""

from __future__ import annotations

from moco_desktop.core.i18n import set_language, tr
from moco_desktop.ui import tray as tray_module
from moco_desktop.ui.login import LoginWindow
from moco_desktop.ui.shell import DesktopShell
from tests.ui.conftest import Moco, logged_in, wait_for


def account_menu(shell: DesktopShell) -> list[tuple[str, bool]]:
    return [(a.text(), a.isChecked()) for a in shell.tray.account_actions()]


def open_add_account(shell: DesktopShell) -> LoginWindow:
    """Tray → Accounts → Add account…"""
    shell.tray.refresh_menu()
    add = next(a for a in shell.tray.accounts_menu.actions() if a.objectName() == "addAccount")
    add.trigger()
    window = shell.login_window
    assert window is not None
    assert window.adding
    return window


async def add_jonas(shell: DesktopShell, moco: Moco, window: LoginWindow | None = None) -> None:
    """Log in as Jonas (with his API key) in the "add account" window."""
    window = window or open_add_account(shell)
    window.toggle_mode()
    window.key_edit.setText(moco.account.normal.api_key)
    window.submit()
    await window.runner.wait_idle()
    await shell.runner.wait_idle()


def account_ids(shell: DesktopShell) -> list[str]:
    return [a.objectName().split(":", 1)[1] for a in shell.tray.account_actions()]


async def test_adding_an_account_and_switching_back_in_one_click(
    shell: DesktopShell, moco: Moco
) -> None:
    first = await logged_in(shell, moco)
    shell.tray.refresh_menu()
    menu_action = shell.tray.tray.contextMenu().actions()[tray_module.ACCOUNTS]
    assert menu_action.objectName() == "accounts"
    assert menu_action.isVisible()
    assert menu_action.text() == "Accounts"
    assert account_menu(shell) == [("Anna Becker – demo", True)]

    add = next(a for a in shell.tray.accounts_menu.actions() if a.objectName() == "addAccount")
    assert add.text() == "Add account…"
    window = open_add_account(shell)
    assert window.windowTitle() == "MOCO Desktop – Add an account"
    assert window.heading.text() == "Add a MOCO account"
    assert window.email_edit.text() == ""  # another person's login, not Anna's address
    assert shell.session is first  # Anna's session stays open meanwhile
    await add_jonas(shell, moco, window)

    jonas = shell.session
    assert jonas is not None
    assert jonas is not first
    assert jonas.identity.own_user_id == moco.jonas
    assert shell.login_window is None
    assert account_menu(shell) == [("Anna Becker – demo", False), ("Jonas Weber – demo", True)]
    anna_id, jonas_id = account_ids(shell)
    credentials = shell.context.credentials
    assert credentials.load(anna_id) != credentials.load(jonas_id)  # one key per account
    await wait_for(lambda: bool(jonas.workspace.projects()))

    shell.tray.account_actions()[0].trigger()  # one click
    await shell.runner.wait_idle()
    anna = shell.session
    assert anna is not None
    assert anna.identity.own_user_id == moco.anna
    assert shell.context.accounts.settings.active_account_id == anna_id
    # Each account has its own cache: Anna's reopened workspace shows her data at once.
    assert anna.workspace.identity.account_key != jonas.workspace.identity.account_key
    assert anna.workspace.projects()
    assert account_menu(shell) == [("Anna Becker – demo", True), ("Jonas Weber – demo", False)]
    timesheet = shell.timesheet
    assert timesheet is not None
    assert timesheet.session is anna
    assert timesheet.isVisible()


async def test_pending_changes_stay_with_their_account(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco)
    await add_jonas(shell, moco)
    jonas = shell.session
    assert jonas is not None
    await wait_for(lambda: bool(jonas.workspace.projects()))
    moco.server.faults.refuse_connections = True
    await jonas.workspace.clock_in(wait=False)
    await wait_for(lambda: jonas.pending_count == 1)

    shell.switch_account(account_ids(shell)[0])
    await shell.runner.wait_idle()
    anna = shell.session
    assert anna is not None
    assert anna.identity.own_user_id == moco.anna
    assert anna.pending_count == 0  # Jonas's clock-in is not Anna's

    moco.server.faults.refuse_connections = False
    shell.switch_account(account_ids(shell)[1])
    await shell.runner.wait_idle()
    again = shell.session
    assert again is not None
    assert again.identity.own_user_id == moco.jonas
    assert again.pending_count == 1  # still waiting in Jonas's outbox
    await again.sync_now()
    await wait_for(lambda: len(moco.state.presences_of(moco.jonas, moco.today)) == 1)


async def test_a_missing_key_asks_for_that_login_again(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco)
    await add_jonas(shell, moco)
    anna_id = account_ids(shell)[0]
    shell.context.credentials.delete(anna_id)  # e.g. the keyring was emptied
    shell.switch_account(anna_id)
    await shell.runner.wait_idle()
    window = shell.login_window
    assert window is not None
    assert window.isVisible()
    assert window.adding
    assert window.domain_edit.text() == "demo"
    assert window.email_edit.text() == moco.account.staff.email
    assert window.form_error.text() == tr("account.key_missing", account="demo")


async def test_logging_out_of_one_account_opens_the_next(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco)
    await add_jonas(shell, moco)
    await shell.logout()  # Jonas
    session = shell.session
    assert session is not None
    assert session.identity.own_user_id == moco.anna
    assert account_menu(shell) == [("Anna Becker – demo", True)]
    assert shell.login_window is None


async def test_the_accounts_menu_speaks_german(shell: DesktopShell, moco: Moco) -> None:
    await logged_in(shell, moco)
    set_language("de")
    shell.retranslate_all()
    assert shell.tray.accounts_action.text() == "Konten"
    add = next(a for a in shell.tray.accounts_menu.actions() if a.objectName() == "addAccount")
    assert add.text() == "Konto hinzufügen…"
