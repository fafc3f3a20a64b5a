"""The login window against the embedded MOCO: success, and each failure shown inline with the
form kept as typed."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import keyring.backend
import keyring.errors
import pytest
from pytestqt.qtbot import QtBot

from moco_desktop.api.errors import MissingApiKeyError
from moco_desktop.app import AppContext
from moco_desktop.core.i18n import tr
from moco_desktop.credentials.keyring_store import CredentialStore
from moco_desktop.services.account import ActiveAccount, LoginOutcome
from moco_desktop.system.paths import AppPaths
from moco_desktop.ui.login import LoginWindow
from moco_desktop.ui.shell import DesktopShell
from tests.conftest import MemoryKeyring
from tests.ui.conftest import Moco, fake_hooks, make_context, wait_for


def login_window(qtbot: QtBot, context: AppContext) -> tuple[LoginWindow, list[LoginOutcome]]:
    window = LoginWindow(context.accounts)
    qtbot.addWidget(window)
    window.show()
    outcomes: list[LoginOutcome] = []
    window.loggedIn.connect(outcomes.append)
    return window, outcomes


def fill(window: LoginWindow, domain: str, email: str, password: str) -> None:
    window.domain_edit.setText(domain)
    window.email_edit.setText(email)
    window.password_edit.setText(password)


async def submit_and_wait(window: LoginWindow) -> None:
    window.submit_button.click()
    await wait_for(lambda: not window.runner.busy)


def quiet_shell(context: AppContext) -> DesktopShell:
    """A shell with a tray, without background sync or timers (the test drives it)."""
    return DesktopShell(
        context, refresh_interval=None, background_sync=False, use_tray=True, hooks=fake_hooks()
    )


async def next_start(qtbot: QtBot, moco: Moco, tmp_path: Path) -> tuple[AppContext, LoginOutcome]:
    """Log the staff user in through the window (the key goes to the keyring), then a new
    context on the same directories: what the next start of the app has."""
    env = {"MOCO_BASE_URL": moco.server.base_url}
    first = AppContext.create(AppPaths.under(tmp_path / "app"), env, credentials=None)
    # Unlimited, as make_context does: the logins of this module share one limiter per server.
    first.accounts.update_settings(replace(first.accounts.settings, rate_limit_plan="unlimited"))
    window, outcomes = login_window(qtbot, first)
    fill(window, "demo", moco.account.staff.email, moco.account.staff.password)
    await submit_and_wait(window)
    [outcome] = outcomes
    return AppContext.create(AppPaths.under(tmp_path / "app"), env, credentials=None), outcome


async def test_password_login_succeeds_and_stores_the_key_in_the_keyring(
    qtbot: QtBot, moco: Moco, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    env = {"MOCO_BASE_URL": moco.server.base_url}
    context = AppContext.create(AppPaths.under(tmp_path / "app"), env, credentials=None)
    window, outcomes = login_window(qtbot, context)
    fill(window, "demo", moco.account.staff.email, moco.account.staff.password)

    await submit_and_wait(window)

    assert len(outcomes) == 1
    outcome = outcomes[0]
    assert outcome.account.record.user_id == moco.anna
    assert outcome.key_storage.persisted
    assert moco.account.staff.api_key in memory_keyring.secrets.values()
    assert context.accounts.settings.last_email == moco.account.staff.email
    assert window.password_edit.text() == ""  # the password is not kept after success
    assert not window.form_error.isVisible()


async def test_the_next_start_reads_the_stored_key_only_when_moco_is_first_asked(
    qtbot: QtBot, moco: Moco, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    # The everyday start paints the cached timesheet first; the keyring is read in a worker
    # thread when the first request needs the key, and the requests carry the stored key.
    again, outcome = await next_start(qtbot, moco, tmp_path)
    reads: list[str] = []
    read = memory_keyring.get_password

    def reading(service: str, user: str) -> str | None:
        reads.append(threading.current_thread().name)
        return read(service, user)

    memory_keyring.get_password = reading  # type: ignore[method-assign,assignment]
    account = await again.accounts.active(key_later=True)
    assert account.record == outcome.account.record
    assert account.api_key is None
    assert reads == []

    client = again.accounts.client(account)
    with_key = again.accounts.client(outcome.account)
    try:
        profile = await client.profile()
        assert profile.id == moco.anna
        await client.profile()
        assert client.limiter is with_key.limiter  # the key's limiter, shared (MOCO counts per key)
    finally:
        await client.aclose()
        await with_key.aclose()
    assert len(reads) == 1
    assert reads[0] != threading.main_thread().name  # beside the event loop


async def test_the_everyday_start_syncs_with_the_stored_key(
    qtbot: QtBot, moco: Moco, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    # The whole start: shown from the cache, then the first sync carries the keyring's key.
    context, _outcome = await next_start(qtbot, moco, tmp_path)
    reads: list[str] = []
    read = memory_keyring.get_password

    def reading(service: str, user: str) -> str | None:
        reads.append(user)
        return read(service, user)

    memory_keyring.get_password = reading  # type: ignore[method-assign,assignment]
    shell = quiet_shell(context)
    try:
        await shell.start(show_timesheet=True)
        session = shell.session
        assert session is not None
        await shell.runner.wait_idle()
        await wait_for(lambda: bool(session.workspace.projects()))
        assert session.reachable
        assert not session.halted_message
        assert shell.timesheet is not None
        assert shell.timesheet.isVisible()
        assert len(reads) == 1  # the shell's look and the first request share one read
    finally:
        await shell.shutdown()


async def test_a_start_whose_key_is_gone_from_the_keyring_asks_for_the_login(
    qtbot: QtBot, moco: Moco, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    context, _outcome = await next_start(qtbot, moco, tmp_path)
    memory_keyring.secrets.clear()  # e.g. the keyring was emptied
    shell = quiet_shell(context)
    try:
        await shell.start(show_timesheet=True)
        await wait_for(lambda: shell.login_window is not None and shell.login_window.isVisible())
        assert shell.session is None
        login = shell.login_window
        assert login is not None
        assert login.form_error.text() == tr("account.key_missing", account="demo")
    finally:
        await shell.shutdown()


async def test_a_key_gone_from_the_keyring_stops_the_first_request(
    qtbot: QtBot, moco: Moco, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    again, _outcome = await next_start(qtbot, moco, tmp_path)
    memory_keyring.secrets.clear()  # e.g. the keyring was emptied
    account = await again.accounts.active(key_later=True)
    client = again.accounts.client(account).acting_as(moco.jonas)
    requests_before = len(moco.server.requests)
    try:
        with pytest.raises(MissingApiKeyError) as raised:
            await client.profile()
    finally:
        await client.aclose()
    assert "keyring" in raised.value.message
    assert len(moco.server.requests) == requests_before  # nothing went to MOCO


async def test_wrong_password_shows_under_the_password_and_keeps_the_form(
    qtbot: QtBot, context: AppContext, moco: Moco
) -> None:
    window, outcomes = login_window(qtbot, context)
    fill(window, "demo", moco.account.staff.email, "not-the-password")

    await submit_and_wait(window)

    assert outcomes == []
    assert window.password_error.isVisible()
    assert window.password_error.text() == tr("api.unauthorized.credentials")
    assert not window.form_error.isVisible()
    assert window.domain_edit.text() == "demo"
    assert window.email_edit.text() == moco.account.staff.email
    assert window.password_edit.text() == "not-the-password"
    assert window.submit_button.isEnabled()
    assert window.email_edit.isEnabled()


async def test_disabled_user_api_keys_get_their_own_message(
    qtbot: QtBot, context: AppContext, moco: Moco
) -> None:
    moco.state.api_keys_disabled = True
    window, outcomes = login_window(qtbot, context)
    fill(window, "demo", moco.account.staff.email, moco.account.staff.password)

    await submit_and_wait(window)

    assert outcomes == []
    assert window.form_error.isVisible()
    assert "API keys" in window.form_error.text()
    assert tr("login.keys_disabled_hint") in window.form_error.text()
    assert not window.password_error.isVisible()
    assert window.password_edit.text() == moco.account.staff.password


async def test_an_unknown_account_shows_under_the_domain(
    qtbot: QtBot, moco: Moco, tmp_path: Path
) -> None:
    # MOCO answers 404 for an account name that does not exist.
    unknown = moco.server.base_url.replace("/api/v1", "/no-such-account/api/v1")
    context = make_context(moco, tmp_path / "app", unknown)
    window, outcomes = login_window(qtbot, context)
    fill(window, "no-such-account", moco.account.staff.email, moco.account.staff.password)

    await submit_and_wait(window)

    assert outcomes == []
    assert window.domain_error.isVisible()
    assert window.domain_error.text() == tr("login.domain_unknown", domain="no-such-account")
    assert window.email_edit.text() == moco.account.staff.email


async def test_a_malformed_domain_is_refused_before_anything_is_sent(
    qtbot: QtBot, moco: Moco, tmp_path: Path
) -> None:
    context = AppContext.create(
        AppPaths.under(tmp_path / "app"), {}, credentials=CredentialStore(memory_only=True)
    )
    window, outcomes = login_window(qtbot, context)
    fill(window, "acme corp!", "me@example.com", "secret")
    requests_before = len(moco.server.requests)

    await submit_and_wait(window)

    assert outcomes == []
    assert window.domain_error.isVisible()
    assert "acme corp!" in window.domain_error.text()
    assert len(moco.server.requests) == requests_before


async def test_no_network_says_so_above_the_button_and_keeps_everything(
    qtbot: QtBot, context: AppContext, moco: Moco
) -> None:
    moco.server.faults.refuse_connections = True
    window, outcomes = login_window(qtbot, context)
    fill(window, "demo", moco.account.staff.email, moco.account.staff.password)

    await submit_and_wait(window)

    assert outcomes == []
    assert window.form_error.isVisible()
    assert tr("api.network.connect") in window.form_error.text()
    assert tr("login.network_hint") in window.form_error.text()
    assert window.password_edit.text() == moco.account.staff.password

    moco.server.faults.refuse_connections = False
    await submit_and_wait(window)
    assert len(outcomes) == 1
    assert not window.form_error.isVisible()


async def test_empty_fields_are_named_without_asking_moco(
    qtbot: QtBot, context: AppContext, moco: Moco
) -> None:
    window, _ = login_window(qtbot, context)
    fill(window, "", "", "")
    requests_before = len(moco.server.requests)

    await submit_and_wait(window)

    assert window.domain_error.text() == tr("api.domain.empty")
    assert window.email_error.text() == tr("login.email_empty")
    assert window.password_error.text() == tr("login.password_empty")
    assert len(moco.server.requests) == requests_before


async def test_api_key_login_and_a_rejected_key(
    qtbot: QtBot, context: AppContext, moco: Moco
) -> None:
    window, outcomes = login_window(qtbot, context)
    window.mode_button.click()
    assert window.uses_api_key
    assert window.key_edit.isVisible()
    assert not window.email_edit.isVisible()
    window.domain_edit.setText("demo")
    window.key_edit.setText("not-a-valid-key")

    await submit_and_wait(window)

    assert outcomes == []
    assert window.key_error.isVisible()
    assert window.key_edit.text() == "not-a-valid-key"

    window.key_edit.setText(moco.account.normal.api_key)
    await submit_and_wait(window)
    assert [o.account.record.user_id for o in outcomes] == [moco.jonas]


class BrokenKeyring(keyring.backend.KeyringBackend):
    """A keyring that exists but refuses every secret (a locked or broken store)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


async def test_without_a_working_keyring_the_timesheet_says_the_key_is_for_this_session_only(
    moco: Moco, tmp_path: Path
) -> None:
    env = {"MOCO_BASE_URL": moco.server.base_url}
    context = AppContext.create(
        AppPaths.under(tmp_path / "app"), env, credentials=CredentialStore(BrokenKeyring())
    )
    shell = quiet_shell(context)
    try:
        window = shell.show_login()
        fill(window, "demo", moco.account.normal.email, moco.account.normal.password)
        window.submit_button.click()
        await wait_for(lambda: shell.timesheet is not None and shell.timesheet.isVisible())
        await shell.runner.wait_idle()
        timesheet = shell.timesheet
        assert timesheet is not None
        assert timesheet.message_bar.isVisible()
        assert "session" in timesheet.message_bar.text()
        assert shell.login_window is None
    finally:
        await shell.shutdown()


async def test_logout_removes_the_key_and_the_cached_data_and_shows_the_login(
    moco: Moco, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    env = {"MOCO_BASE_URL": moco.server.base_url}
    context = AppContext.create(AppPaths.under(tmp_path / "app"), env, credentials=None)
    shell = quiet_shell(context)
    try:
        await shell.login_with_api_key("demo", moco.account.normal.api_key)
        await shell.runner.wait_idle()
        assert memory_keyring.secrets
        session = shell.session
        assert session is not None
        await wait_for(lambda: bool(session.workspace.projects()))

        await shell.logout()

        assert memory_keyring.secrets == {}
        assert context.accounts.settings.active_account is None
        assert shell.session is None
        assert shell.timesheet is None
        assert shell.login_window is not None
        assert shell.login_window.isVisible()
        assert shell.login_window.domain_edit.text() == "demo"  # remembered for next time
        reopened = await context.open_workspace(await _account_after_relogin(context, moco), None)
        assert reopened.workspace.projects() == ()  # nothing cached survived the logout
        await reopened.close()
    finally:
        await shell.shutdown()


async def _account_after_relogin(context: AppContext, moco: Moco) -> ActiveAccount:
    outcome = await context.accounts.login_with_api_key("demo", moco.account.normal.api_key)
    return outcome.account
