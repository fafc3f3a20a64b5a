"""The desktop app as a whole: login, the session, the tray and the windows, and their lifecycle.

`DesktopShell` starts with the tray (idle) and no window, as a menu-bar/tray app should; then it
finds the stored login (or shows the login window), opens the account's workspace and binds the
tray and the timesheet to it. Per session it runs the `DailyAssistant` (idle watch, reminders)
and shows what it finds: the idle prompt, reminders as tray notifications whose click opens the
reminder panel. It switches between stored accounts (tray menu "Accounts", one click, each with
its own key, cache and outbox) and whom the staff user acts for, adds accounts, logs out,
applies a new language and new settings to every window, and shuts everything down in order. It
is the only UI object that talks to the composition root (`moco_desktop.app`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import linecache
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from moco_desktop.app import AppContext
from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr
from moco_desktop.services.account import ActiveAccount, LoginOutcome, NotLoggedInError
from moco_desktop.system.memory import return_free_memory_in_background
from moco_desktop.ui.operations import OperationRunner
from moco_desktop.ui.session import DEFAULT_REFRESH_INTERVAL, Session, SessionIdentity
from moco_desktop.ui.tray import TrayController

if TYPE_CHECKING:
    # Windows are built (and their modules imported) when first shown: a tray app that
    # starts hidden pays only for the tray.
    from moco_desktop.services.idle_watch import IdlePrompt
    from moco_desktop.services.reminders import Reminder
    from moco_desktop.ui.assistant import DailyAssistant, DailySettings, SystemHooks
    from moco_desktop.ui.idle_prompt import IdlePromptDialog
    from moco_desktop.ui.login import LoginWindow
    from moco_desktop.ui.quick_dialogs import ActAsDialog, QuickStartDialog
    from moco_desktop.ui.quick_entry import QuickEntryWindow
    from moco_desktop.ui.reminder_panel import ReminderPanel
    from moco_desktop.ui.settings import SettingsDialog
    from moco_desktop.ui.timesheet import TimesheetWindow

logger = logging.getLogger("moco_desktop.ui")

register(
    {
        "shell.opening_failed": {
            "en": "The timesheet could not be opened: {message}",
            "de": "Der Stundenzettel konnte nicht geöffnet werden: {message}",
        },
        "shell.quick_entry_title": {"en": "Quick entry", "de": "Schnelleintrag"},
        "shell.account_label": {"en": "{name} – {domain}", "de": "{name} – {domain}"},
    }
)


TRIM_AFTER_MS = 3000
ASSISTANT_DELAY_MS = 1500
"""The idle watch and reminders start this long after a session opens: not on the way to the
first paint (nothing they notice is urgent within the first seconds)."""
TRAY_MENU_AT_THE_LATEST_MS = 500
"""The tray menu is filled after the timesheet's first paint, or this long after the session
opens if the window is never painted (minimised)."""


def release_import_caches() -> None:
    """Drop the source lines PySide6 read while modules were imported.

    PySide6's `__feature__` import hook reads the source of every module imported after it
    (`inspect.getsource`, to look for "PySide6"), which fills `linecache` with all of them:
    about 11 MiB for this app. Nothing needs them; a traceback reads its lines again.
    (`pyside_import_hook.skip_feature_scan`, called by gui_main, stops most of that reading.)

    perf (issue 7): then give the C heap's free pages back to the system (glibc only): the
    first sync and the window's first layout leave several MiB of freed buffers behind.
    """
    linecache.clearcache()
    return_free_memory_in_background()


ASSISTANT_SERVICES = (
    "moco_desktop.services.quick_entry",
    "moco_desktop.services.reminders",
    "moco_desktop.services.idle_watch",
    "moco_desktop.system.autostart",
    "moco_desktop.system.idle",
    "moco_desktop.system.power",
)
PICKER_MODULES = (
    "rapidfuzz.fuzz",  # the picker's fuzzy matching, first needed at the first keystroke
    "rapidfuzz.process",
)


def _import_all(names: tuple[str, ...]) -> None:
    for name in names:
        importlib.import_module(name)


class DesktopShell(QObject):
    """Owns every top-level UI object of the running app."""

    quitRequested = Signal()  # noqa: N815 (Qt naming)
    sessionOpened = Signal(object)  # noqa: N815 - Session
    trayShown = Signal()  # noqa: N815
    timesheetPainted = Signal()  # noqa: N815

    def __init__(
        self,
        context: AppContext,
        *,
        refresh_interval: float | None = DEFAULT_REFRESH_INTERVAL,
        background_sync: bool = True,
        use_tray: bool | None = None,
        tray_icon: QSystemTrayIcon | None = None,
        hooks: SystemHooks | None = None,
        parent: QObject | None = None,
    ) -> None:
        """`hooks`: the OS parts (idle source, sleep/lock events, start at login); tests pass
        fakes. Default: this system's, probed when the first session opens."""
        super().__init__(parent)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            # A tray app: closing the last window (or switching sessions) must not quit it.
            app.setQuitOnLastWindowClosed(False)
        self.context = context
        self.refresh_interval = refresh_interval
        self.background_sync = background_sync
        self.use_tray = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self.runner = OperationRunner(self)
        self.tray = TrayController(self, tray_icon=tray_icon)
        self.session: Session | None = None
        self.timesheet: TimesheetWindow | None = None
        self.login_window: LoginWindow | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.quick_start: QuickStartDialog | None = None
        self.act_as_dialog: ActAsDialog | None = None
        self.assistant: DailyAssistant | None = None
        self.idle_prompt: IdlePromptDialog | None = None
        self.reminder_panel: ReminderPanel | None = None
        self.quick_entry_window: QuickEntryWindow | None = None
        self.latest_reminder: Reminder | None = None
        self._hooks = hooks
        self.assistant_delay_ms = ASSISTANT_DELAY_MS
        self._account: ActiveAccount | None = None
        self._own_session_colleagues: tuple[object, ...] | None = None
        self._startup_message: str | None = None
        self._timesheet_date: dt.date | None = None
        self._timesheet_painted = False
        self._tray_menu_after_paint = False
        self._picker_prepared = False
        self._closing = False

        self.tray.openTimesheetRequested.connect(self.show_timesheet)
        self.tray.toggleTimesheetRequested.connect(self.toggle_timesheet)
        self.tray.startRequested.connect(self.open_quick_start)
        self.tray.quickEntryRequested.connect(self.open_quick_entry)
        self.tray.accountChosen.connect(self.switch_account)
        self.tray.addAccountRequested.connect(self.add_account)
        self.tray.settingsRequested.connect(self.open_settings)
        self.tray.actAsRequested.connect(self.open_act_as)
        self.tray.actAsSelfRequested.connect(self.act_as_self)
        self.tray.quitRequested.connect(self.quitRequested.emit)
        self.tray.menu.aboutToShow.connect(self.prepare_picker)
        self.runner.failed.connect(self._show_failure)

    # --- start --------------------------------------------------------------------------------

    async def start(self, *, show_timesheet: bool = False) -> None:
        """Show the tray, then the stored login's timesheet (or the login window); without a
        tray, the timesheet opens (an app nobody can see would be lost)."""
        self._show_tray()
        try:
            # The stored key is read when the first request needs it (in a worker thread): the
            # timesheet is painted from the cache without waiting for the keyring.
            account = await self.context.accounts.active(key_later=True)
        except NotLoggedInError as error:
            self.show_login(error.message if self.context.accounts.settings.accounts else None)
            return
        except UserFacingError as error:
            self.show_login(error.message)
            return
        await self.open_session(account, show=show_timesheet or not self.use_tray)
        if account.api_key is None:
            self.runner.run(self._check_stored_key(account))

    async def _check_stored_key(self, account: ActiveAccount) -> None:
        """After the cached timesheet is shown: if the keyring no longer has the login's key,
        close the session and ask for the login again, as a start without the key did."""
        record = account.record
        key = await self.context.accounts.stored_key(record.account_id)
        if key is None and self._account is account:
            await self._close_session()
            self._account = None
            self.show_login(tr("account.key_missing", account=record.domain))

    async def login_with_api_key(self, domain: str, api_key: str, *, show: bool = True) -> None:
        """Log in without the window (demo mode, tests) and open the timesheet."""
        self._show_tray()
        outcome = await self.context.accounts.login_with_api_key(domain, api_key)
        await self._open_after_login(outcome, show=show)

    def _show_tray(self) -> None:
        if self.use_tray and not self.tray.tray.isVisible():
            self.tray.show()
            self.trayShown.emit()

    def show_login(self, message: str | None = None, *, adding: bool = False) -> LoginWindow:
        """The login window; `adding` another account keeps the open session until the new
        login succeeds (and the window says it adds one)."""
        from moco_desktop.ui.login import LoginWindow

        window = self.login_window
        if window is not None and window.adding != adding:
            window.hide()
            window.deleteLater()
            window = self.login_window = None
        if window is None:
            window = self.login_window = LoginWindow(self.context.accounts, adding=adding)
            window.loggedIn.connect(self._logged_in)
        if message:
            window.form_error.show_message(message)
        window.show()
        window.raise_()
        window.activateWindow()
        window.focus_first_empty()
        if not adding:
            self.tray.bind(None)
        self._update_accounts_menu()
        return window

    def add_account(self) -> LoginWindow:
        """Tray → Accounts → Add account…: log in to another account beside this one."""
        return self.show_login(adding=True)

    def _logged_in(self, outcome: LoginOutcome) -> None:
        self.runner.run(self._open_after_login(outcome, show=True))

    async def _open_after_login(self, outcome: LoginOutcome, *, show: bool) -> None:
        if not outcome.key_storage.persisted:
            self._startup_message = outcome.key_storage.message
        was_visible = self.timesheet is not None and self.timesheet.isVisible()
        await self.open_session(outcome.account, show=show or was_visible)
        if self.login_window is not None:
            self.login_window.hide()
            self.login_window.deleteLater()
            self.login_window = None

    # --- the session --------------------------------------------------------------------------

    async def open_session(
        self,
        account: ActiveAccount,
        *,
        acting_user_id: int | None = None,
        acting_name: str = "",
        show: bool = False,
    ) -> Session:
        """Open the workspace (as the user or a colleague) and bind the tray and timesheet."""
        opened = await self.context.open_workspace(account, acting_user_id)
        workspace = opened.workspace
        record = account.record
        own_name = record.display_name or record.email or str(record.user_id)
        if acting_user_id is None:
            profile = workspace.profile()
            if profile is not None and profile.full_name:
                own_name = profile.full_name
        identity = SessionIdentity(
            domain=record.domain,
            own_user_id=record.user_id,
            own_name=own_name if acting_user_id is None else self._own_name(own_name),
            acting_user_id=acting_user_id,
            acting_name=acting_name,
        )
        colleagues = None
        if acting_user_id is not None and self.session is not None:
            colleagues = self.session.colleagues()
        session = Session(
            workspace,
            identity,
            close_workspace=opened.close,
            colleagues=colleagues,
            refresh_interval=self.refresh_interval,
        )
        previous_date = self.timesheet.date if self.timesheet is not None else None
        was_visible = self.timesheet is not None and self.timesheet.isVisible()
        await self._close_session()
        self._account = account
        self.session = session
        session.start(background_sync=self.background_sync)
        # perf (issues 4, 7): a window to show is painted before the tray menu is filled
        # (the recent entries: ~20 ms with a busy account); the menu follows the first paint.
        showing = show or was_visible
        self.tray.bind(session, menu_now=not showing)
        self._tray_menu_after_paint = showing
        if showing:
            QTimer.singleShot(TRAY_MENU_AT_THE_LATEST_MS, self._fill_tray_menu)
        if self.assistant_delay_ms > 0:
            QTimer.singleShot(self.assistant_delay_ms, lambda: self._start_assistant_later(session))
        else:
            self.ensure_assistant(session)
        self._update_accounts_menu()
        self._timesheet_date = previous_date if acting_user_id is not None else None
        if showing:
            self.show_timesheet()
        self.sessionOpened.emit(session)
        if not self.background_sync:
            self.runner.run(session.refresh())
        QTimer.singleShot(TRIM_AFTER_MS, release_import_caches)
        return session

    def _fill_tray_menu(self) -> None:
        if self._tray_menu_after_paint:
            self._tray_menu_after_paint = False
            self.tray.refresh_menu()

    def _own_name(self, fallback: str) -> str:
        if self.session is not None:
            return self.session.identity.own_name
        return fallback

    async def _close_session(self) -> None:
        session, self.session = self.session, None
        timesheet, self.timesheet = self.timesheet, None
        for dialog in (self.quick_start, self.act_as_dialog, self.quick_entry_window):
            if dialog is not None:
                dialog.close()
        self.quick_start = self.act_as_dialog = None
        self.quick_entry_window = None
        assistant, self.assistant = self.assistant, None
        if assistant is not None:
            assistant.stop()
            assistant.deleteLater()
        for window in (self.idle_prompt, self.reminder_panel):
            if window is not None:
                window.dispose()
        self.idle_prompt = self.reminder_panel = None
        self.latest_reminder = None
        self.tray.bind(None)
        if timesheet is not None:
            timesheet.removeEventFilter(self)
            timesheet.dispose()
        if session is not None:
            await session.close()

    # --- windows ------------------------------------------------------------------------------

    def ensure_timesheet(self) -> TimesheetWindow | None:
        """The session's timesheet window, built on first use."""
        if self.timesheet is None and self.session is not None:
            from moco_desktop.ui.timesheet import TimesheetWindow

            assistant = self.assistant
            timesheet = TimesheetWindow(
                self.session, quick_entry=assistant.quick_entry if assistant else None
            )
            timesheet.settingsRequested.connect(self.open_settings)
            timesheet.actAsSelfRequested.connect(self.act_as_self)
            timesheet.startRequested.connect(self.open_quick_start)
            timesheet.installEventFilter(self)
            if self._timesheet_date is not None:
                timesheet.show_date(self._timesheet_date)
            if self._startup_message:
                timesheet.message_bar.post(self._startup_message, "warning", key="keyring")
                self._startup_message = None
            self.timesheet = timesheet
            QTimer.singleShot(TRIM_AFTER_MS, release_import_caches)
        return self.timesheet

    def show_timesheet(self) -> None:
        if self.ensure_timesheet() is None:
            if self.login_window is not None:
                self.show_login()
            return
        assert self.timesheet is not None
        self.timesheet.show()
        self.timesheet.showNormal()
        self.timesheet.raise_()
        self.timesheet.activateWindow()

    def toggle_timesheet(self) -> None:
        if self.timesheet is not None and self.timesheet.isVisible():
            self.timesheet.hide()
        else:
            self.show_timesheet()

    def activate(self) -> None:
        """Another launch asked us to come forward."""
        if self.session is not None:
            self.show_timesheet()
        elif self.login_window is not None:
            self.show_login()

    def open_quick_start(self) -> QuickStartDialog | None:
        if self.session is None:
            return None
        from moco_desktop.ui.quick_dialogs import QuickStartDialog

        if self.quick_start is None:
            self.quick_start = QuickStartDialog(self.session)
            self.quick_start.finished.connect(self._quick_start_closed)
        self._present(self.quick_start)
        return self.quick_start

    def _quick_start_closed(self) -> None:
        if self.quick_start is not None:
            self.quick_start.deleteLater()
            self.quick_start = None
        if self.session is not None:
            self.session.picker_closed()

    def open_settings(self) -> SettingsDialog:
        from moco_desktop.ui.settings import SettingsDialog

        if self.settings_dialog is None:
            session = self.session
            self.settings_dialog = SettingsDialog(
                self.context.accounts,
                account=session.identity if session else None,
                pending_count=session.pending_count if session else 0,
                autostart=self.hooks.autostart,
                idle_status=self._idle_status_text,
            )
            self.settings_dialog.languageChanged.connect(self.retranslate_all)
            self.settings_dialog.dailySettingsChanged.connect(self._daily_settings_changed)
            self.settings_dialog.planChanged.connect(self._plan_changed)
            self.settings_dialog.logoutRequested.connect(lambda: self.runner.run(self.logout()))
            self.settings_dialog.finished.connect(self._settings_closed)
        self._present(self.settings_dialog)
        return self.settings_dialog

    def _idle_status_text(self) -> tuple[str, bool]:
        from moco_desktop.ui.assistant import describe_idle_status

        assistant = self.assistant
        if assistant is not None:
            return assistant.idle_status_text()
        return describe_idle_status(None, None)

    def _daily_settings_changed(self, settings: DailySettings) -> None:
        if self.assistant is not None:
            self.assistant.apply(settings)

    def _settings_closed(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()
            self.settings_dialog = None

    def open_act_as(self) -> ActAsDialog | None:
        session = self.session
        colleagues = session.colleagues() if session else None
        if session is None or not colleagues:
            return None
        from moco_desktop.ui.quick_dialogs import ActAsDialog

        if self.act_as_dialog is None:
            self.act_as_dialog = ActAsDialog(colleagues, session.identity.own_user_id)
            self.act_as_dialog.chosen.connect(
                lambda user_id, name: self.runner.run(self.act_as(user_id, name))
            )
            self.act_as_dialog.finished.connect(self._act_as_closed)
        self._present(self.act_as_dialog)
        return self.act_as_dialog

    def _act_as_closed(self) -> None:
        if self.act_as_dialog is not None:
            self.act_as_dialog.deleteLater()
            self.act_as_dialog = None

    @staticmethod
    def _present(window: QWidget) -> None:
        window.show()
        window.raise_()
        window.activateWindow()

    # --- the daily helpers: idle prompt, reminders, quick entry -------------------------------

    @property
    def hooks(self) -> SystemHooks:
        if self._hooks is None:
            from moco_desktop.ui.assistant import SystemHooks

            self._hooks = SystemHooks()
        return self._hooks

    def daily_settings(self) -> DailySettings:
        from moco_desktop.ui.assistant import DailySettings

        return DailySettings.from_extra(self.context.accounts.settings.extra)

    def ensure_assistant(self, session: Session | None = None) -> DailyAssistant | None:
        """The open session's assistant, started now if it was not yet (None: no session)."""
        session = session or self.session
        if session is None or session is not self.session or self._closing:
            return None
        if self.assistant is None:
            self._start_assistant(session)
        return self.assistant

    def _start_assistant_later(self, session: Session) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no event loop runs (a test's teardown): start it right here
            self.ensure_assistant(session)
            return
        self.runner.run(self._start_assistant_soon(session))

    async def _start_assistant_soon(self, session: Session) -> None:
        """perf (issue 7): the assistant's services (reminders, idle watch, quick entry, start at
        login) take ~50 ms to import, mostly creating dataclasses: imported in a worker thread
        (plain Python, no Qt), so the window does not freeze while the first sync runs."""
        await asyncio.to_thread(_import_all, ASSISTANT_SERVICES)
        self.ensure_assistant(session)

    def prepare_picker(self) -> None:
        """Load the "Start…" window and its fuzzy matcher (rapidfuzz, ~3 MiB) once a person is
        about to need them: the timesheet is shown or the tray menu opens. perf (issues 4 and 7):
        a tray app that stays hidden never loads them; the first opening does not stall."""
        if self._picker_prepared or self._closing:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a test's teardown): the first opening imports
            return
        self._picker_prepared = True
        self.runner.run(self._prepare_picker())

    async def _prepare_picker(self) -> None:
        await asyncio.to_thread(_import_all, PICKER_MODULES)
        importlib.import_module("moco_desktop.ui.quick_dialogs")  # Qt: on this thread (~15 ms)

    def _start_assistant(self, session: Session) -> None:
        from moco_desktop.ui.assistant import DailyAssistant

        assistant = DailyAssistant(session, self.hooks, self.daily_settings(), parent=self)
        assistant.idlePrompted.connect(self.show_idle_prompt)
        assistant.reminderDue.connect(self.show_reminder)
        assistant.idleStatusChanged.connect(self._idle_status_changed)
        self.assistant = assistant
        self.runner.run(assistant.start())

    def _idle_status_changed(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.update_idle_status()

    def show_idle_prompt(self, prompt: IdlePrompt) -> IdlePromptDialog | None:
        """The person came back while a timer ran: ask (one window, updated, never a pile)."""
        session, assistant = self.session, self.assistant
        if session is None or assistant is None or assistant.idle_watch is None:
            return None
        if self.idle_prompt is None:
            from moco_desktop.ui.idle_prompt import IdlePromptDialog

            self.idle_prompt = IdlePromptDialog(session, assistant.idle_watch)
        self.idle_prompt.show_prompt(prompt)
        return self.idle_prompt

    def show_reminder(self, reminder: Reminder) -> None:
        """A reminder is due: a notification whose click opens the panel with its buttons;
        the panel itself where there are no notifications. The newest replaces the last."""
        self.latest_reminder = reminder
        panel = self.reminder_panel
        if panel is not None and panel.isVisible():
            panel.show_reminder(reminder)
            return
        if self.tray.notify(
            reminder.title,
            reminder.message,
            on_click=self.open_reminder,
            timeout_ms=15000,
        ):
            return
        self.open_reminder(activate=False)

    def open_reminder(self, *, activate: bool = True) -> ReminderPanel | None:
        """Open the panel of the latest reminder (a click on its notification)."""
        reminder, assistant = self.latest_reminder, self.assistant
        if reminder is None or assistant is None:
            return None
        if self.reminder_panel is None:
            from moco_desktop.ui.reminder_panel import ReminderPanel

            panel = ReminderPanel(assistant.reminders, clock=assistant.session.workspace.local_now)
            panel.pickRequested.connect(self.open_quick_start)
            panel.bookGapRequested.connect(self.book_gap)
            panel.acted.connect(lambda _action: self._reminder_done())
            self.reminder_panel = panel
        self.reminder_panel.show_reminder(reminder, activate=activate)
        return self.reminder_panel

    def _reminder_done(self) -> None:
        self.latest_reminder = None

    def book_gap(self, seconds: int) -> None:
        """Book…: a new entry for today, prefilled with the time not booked yet."""
        self.show_timesheet()
        timesheet = self.timesheet
        if timesheet is not None:
            timesheet.go_today()
            timesheet.new_entry(initial_seconds=seconds or None)

    def open_quick_entry(self) -> QuickEntryWindow | None:
        """Tray → Quick entry…: the line with its live preview in a small window."""
        session, assistant = self.session, self.ensure_assistant()
        if session is None or assistant is None:
            return None
        if self.quick_entry_window is None:
            from moco_desktop.ui.quick_entry import QuickEntryWindow

            window = QuickEntryWindow(session, assistant.quick_entry)
            window.field.booked.connect(self._quick_entry_booked)
            window.finished.connect(self._quick_entry_closed)
            self.quick_entry_window = window
        self._present(self.quick_entry_window)
        self.quick_entry_window.field.setFocus()
        return self.quick_entry_window

    def _quick_entry_booked(self, _result: object) -> None:
        window = self.quick_entry_window
        text = window.field.confirmation.text() if window is not None else ""
        if text and (self.timesheet is None or not self.timesheet.isVisible()):
            self.tray.notify(tr("shell.quick_entry_title"), text)

    def _quick_entry_closed(self) -> None:
        if self.quick_entry_window is not None:
            self.quick_entry_window.deleteLater()
            self.quick_entry_window = None

    # --- accounts -----------------------------------------------------------------------------

    def _update_accounts_menu(self) -> None:
        accounts = self.context.accounts
        if accounts.uses_environment_key:
            self.tray.set_accounts([], None)
            return
        entries = [
            (
                record.account_id,
                tr(
                    "shell.account_label",
                    name=record.display_name or record.email or str(record.user_id),
                    domain=record.domain,
                ),
            )
            for record in accounts.accounts
        ]
        active = self._account.record.account_id if self._account is not None else None
        self.tray.set_accounts(entries, active or accounts.settings.active_account_id)

    def switch_account(self, account_id: str) -> None:
        """Tray → Accounts → another login: reopen the workspace for it (one click)."""
        self.runner.run(self._switch_account(account_id))

    async def _switch_account(self, account_id: str) -> Session | None:
        accounts = self.context.accounts
        was_visible = self.timesheet is not None and self.timesheet.isVisible()
        record = accounts.switch_to(account_id)
        try:
            account = await accounts.active()
        except NotLoggedInError as error:
            # The key of that account is gone (keyring emptied): log in to it again.
            window = self.show_login(error.message, adding=True)
            window.domain_edit.setText(record.domain)
            window.email_edit.setText(record.email)
            window.focus_first_empty()
            return None
        return await self.open_session(account, show=was_visible)

    # --- acting for colleagues, plans, language -----------------------------------------------

    async def act_as(self, user_id: int, name: str) -> Session | None:
        if self._account is None:
            return None
        return await self.open_session(
            self._account, acting_user_id=user_id, acting_name=name, show=True
        )

    def act_as_self(self) -> None:
        if self._account is not None:
            self.runner.run(self.open_session(self._account, show=True))

    def _plan_changed(self) -> None:
        """A new rate-limit plan: reopen the workspace so its client uses it."""
        session = self.session
        if self._account is not None and session is not None:
            identity = session.identity
            self.runner.run(
                self.open_session(
                    self._account,
                    acting_user_id=identity.acting_user_id if identity.impersonating else None,
                    acting_name=identity.acting_name,
                )
            )

    def retranslate_all(self) -> None:
        self.tray.retranslate()
        for window in (
            self.timesheet,
            self.login_window,
            self.settings_dialog,
            self.quick_start,
            self.act_as_dialog,
            self.idle_prompt,
            self.reminder_panel,
            self.quick_entry_window,
        ):
            if window is not None:
                window.retranslate()
        self._update_accounts_menu()
        if self.timesheet is not None:
            for dialog in self.timesheet.open_dialogs():
                retranslate: Callable[[], None] | None = getattr(dialog, "retranslate", None)
                if retranslate is not None:
                    retranslate()

    # --- logout and quit ----------------------------------------------------------------------

    async def logout(self) -> None:
        """Log out of the account shown; if other accounts are stored, open the next one."""
        await self._close_session()
        self._account = None
        accounts = self.context.accounts
        accounts.logout()
        if accounts.accounts:
            try:
                account = await accounts.active()
            except UserFacingError as error:
                self.show_login(error.message)
                return
            await self.open_session(account, show=True)
            return
        self.show_login()

    async def shutdown(self) -> None:
        """Close the session (pending changes stay in the outbox) and every window."""
        self._closing = True
        self.runner.cancel_all()
        for dialog in (self.settings_dialog, self.login_window):
            if dialog is not None:
                dialog.close()
        await self._close_session()
        if self._hooks is not None:
            self._hooks.close()
        self.tray.dispose()

    # --- failures and painting ----------------------------------------------------------------

    def _show_failure(self, error: UserFacingError) -> None:
        if self.timesheet is not None and self.timesheet.isVisible():
            self.timesheet.show_error(error)
        elif self.login_window is not None:
            self.login_window.form_error.show_message(error.message)
        else:
            self.tray.errorShown.emit(error.message)
            if self.tray.tray.isVisible() and QSystemTrayIcon.supportsMessages():
                self.tray.tray.showMessage(
                    "MOCO Desktop", error.message, QSystemTrayIcon.MessageIcon.Warning, 8000
                )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (
            watched is self.timesheet
            and event.type() == QEvent.Type.Paint
            and not self._timesheet_painted
        ):
            self._timesheet_painted = True
            self.timesheetPainted.emit()
        if (
            watched is self.timesheet
            and event.type() == QEvent.Type.Paint
            and self._tray_menu_after_paint
        ):
            QTimer.singleShot(0, self._fill_tray_menu)
        if watched is self.timesheet and event.type() == QEvent.Type.Show:
            # Someone is at the window: have the picker ready by the time they reach for it.
            QTimer.singleShot(self.assistant_delay_ms, self.prepare_picker)
        if watched is self.timesheet and event.type() == QEvent.Type.Close and not self.use_tray:
            self.quitRequested.emit()  # without a tray, closing the window is quitting
        return super().eventFilter(watched, event)
