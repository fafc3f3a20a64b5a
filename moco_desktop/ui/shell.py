"""The desktop app as a whole: login, the session, the tray and the windows, and their lifecycle.

`DesktopShell` starts with the tray (idle) and no window, as a menu-bar/tray app should; then it
finds the stored login (or shows the login window), opens the account's workspace and binds the
tray and the timesheet to it. It switches whom the staff user acts for, logs out, applies a new
language to every window, and shuts everything down in order. It is the only UI object that
talks to the composition root (`moco_desktop.app`).
"""

from __future__ import annotations

import datetime as dt
import linecache
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from moco_desktop.app import AppContext
from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register
from moco_desktop.services.account import ActiveAccount, LoginOutcome, NotLoggedInError
from moco_desktop.ui.operations import OperationRunner
from moco_desktop.ui.session import DEFAULT_REFRESH_INTERVAL, Session, SessionIdentity
from moco_desktop.ui.tray import TrayController

if TYPE_CHECKING:
    # Windows are built (and their modules imported) when first shown: a tray app that
    # starts hidden pays only for the tray.
    from moco_desktop.ui.login import LoginWindow
    from moco_desktop.ui.quick_dialogs import ActAsDialog, QuickStartDialog
    from moco_desktop.ui.settings import SettingsDialog
    from moco_desktop.ui.timesheet import TimesheetWindow

logger = logging.getLogger("moco_desktop.ui")

register(
    {
        "shell.opening_failed": {
            "en": "The timesheet could not be opened: {message}",
            "de": "Der Stundenzettel konnte nicht geöffnet werden: {message}",
        },
    }
)


TRIM_AFTER_MS = 3000


def release_import_caches() -> None:
    """Drop the source lines PySide6 read while modules were imported.

    PySide6's `__feature__` import hook reads the source of every module imported after it
    (`inspect.getsource`, to look for "PySide6"), which fills `linecache` with all of them:
    about 11 MiB for this app. Nothing needs them; a traceback reads its lines again.
    """
    linecache.clearcache()


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
        parent: QObject | None = None,
    ) -> None:
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
        self._account: ActiveAccount | None = None
        self._own_session_colleagues: tuple[object, ...] | None = None
        self._startup_message: str | None = None
        self._timesheet_date: dt.date | None = None
        self._timesheet_painted = False
        self._closing = False

        self.tray.openTimesheetRequested.connect(self.show_timesheet)
        self.tray.toggleTimesheetRequested.connect(self.toggle_timesheet)
        self.tray.startRequested.connect(self.open_quick_start)
        self.tray.settingsRequested.connect(self.open_settings)
        self.tray.actAsRequested.connect(self.open_act_as)
        self.tray.actAsSelfRequested.connect(self.act_as_self)
        self.tray.quitRequested.connect(self.quitRequested.emit)
        self.runner.failed.connect(self._show_failure)

    # --- start --------------------------------------------------------------------------------

    async def start(self, *, show_timesheet: bool = False) -> None:
        """Show the tray, then the stored login's timesheet (or the login window)."""
        self._show_tray()
        try:
            account = await self.context.accounts.active()
        except NotLoggedInError as error:
            self.show_login(error.message if self.context.accounts.settings.accounts else None)
            return
        except UserFacingError as error:
            self.show_login(error.message)
            return
        await self.open_session(account, show=show_timesheet or not self.use_tray)

    async def login_with_api_key(self, domain: str, api_key: str, *, show: bool = True) -> None:
        """Log in without the window (demo mode, tests) and open the timesheet."""
        self._show_tray()
        outcome = await self.context.accounts.login_with_api_key(domain, api_key)
        await self._open_after_login(outcome, show=show)

    def _show_tray(self) -> None:
        if self.use_tray and not self.tray.tray.isVisible():
            self.tray.show()
            self.trayShown.emit()

    def show_login(self, message: str | None = None) -> LoginWindow:
        from moco_desktop.ui.login import LoginWindow

        if self.login_window is None:
            self.login_window = LoginWindow(self.context.accounts)
            self.login_window.loggedIn.connect(self._logged_in)
        window = self.login_window
        if message:
            window.form_error.show_message(message)
        window.show()
        window.raise_()
        window.activateWindow()
        window.focus_first_empty()
        self.tray.bind(None)
        return window

    def _logged_in(self, outcome: LoginOutcome) -> None:
        self.runner.run(self._open_after_login(outcome, show=True))

    async def _open_after_login(self, outcome: LoginOutcome, *, show: bool) -> None:
        if not outcome.key_storage.persisted:
            self._startup_message = outcome.key_storage.message
        await self.open_session(outcome.account, show=show)
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
        self.tray.bind(session)
        self._timesheet_date = previous_date if acting_user_id is not None else None
        if show or was_visible:
            self.show_timesheet()
        self.sessionOpened.emit(session)
        if not self.background_sync:
            self.runner.run(session.refresh())
        QTimer.singleShot(TRIM_AFTER_MS, release_import_caches)
        return session

    def _own_name(self, fallback: str) -> str:
        if self.session is not None:
            return self.session.identity.own_name
        return fallback

    async def _close_session(self) -> None:
        session, self.session = self.session, None
        timesheet, self.timesheet = self.timesheet, None
        for dialog in (self.quick_start, self.act_as_dialog):
            if dialog is not None:
                dialog.close()
        self.quick_start = self.act_as_dialog = None
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

            timesheet = TimesheetWindow(self.session)
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

    def open_settings(self) -> SettingsDialog:
        from moco_desktop.ui.settings import SettingsDialog

        if self.settings_dialog is None:
            session = self.session
            self.settings_dialog = SettingsDialog(
                self.context.accounts,
                account=session.identity if session else None,
                pending_count=session.pending_count if session else 0,
            )
            self.settings_dialog.languageChanged.connect(self.retranslate_all)
            self.settings_dialog.planChanged.connect(self._plan_changed)
            self.settings_dialog.logoutRequested.connect(lambda: self.runner.run(self.logout()))
            self.settings_dialog.finished.connect(self._settings_closed)
        self._present(self.settings_dialog)
        return self.settings_dialog

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
        ):
            if window is not None:
                window.retranslate()
        if self.timesheet is not None:
            for dialog in self.timesheet.open_dialogs():
                retranslate: Callable[[], None] | None = getattr(dialog, "retranslate", None)
                if retranslate is not None:
                    retranslate()

    # --- logout and quit ----------------------------------------------------------------------

    async def logout(self) -> None:
        await self._close_session()
        self._account = None
        self.context.accounts.logout()
        self.show_login()

    async def shutdown(self) -> None:
        """Close the session (pending changes stay in the outbox) and every window."""
        self._closing = True
        self.runner.cancel_all()
        for dialog in (self.settings_dialog, self.login_window):
            if dialog is not None:
                dialog.close()
        await self._close_session()
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
        if watched is self.timesheet and event.type() == QEvent.Type.Close and not self.use_tray:
            self.quitRequested.emit()  # without a tray, closing the window is quitting
        return super().eventFilter(watched, event)
