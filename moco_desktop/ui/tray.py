"""The tray icon and its menu: the running timer at a glance, one click to start, stop or
continue, clock in and out, and the way to every window.

The icon is the idle stopwatch or the running one with the elapsed minutes of the hour cut out
of its dial; the tooltip names customer, project, task, description and the elapsed time. The
menu has a fixed order (tests and muscle memory rely on it), items that do not apply are hidden:

    0 status line (the running entry, a click opens the timesheet; or "No timer running")
    1 Stop timer
    2 ---
    3 Start…
    4 Quick entry…
    5 --- Recent ---
    6-13 up to eight recent entries
    14 ---
    15 Clock in / Clock out (with the presence state)
    16 ---
    17 Open timesheet
    18 Act as… / Back to my own time (staff only)
    19 Accounts ▸ (every stored login, one click switches; Add account…)
    20 Settings…
    21 ---
    22 Quit

Left click (Windows, Linux) toggles the timesheet window. Notifications (reminders, errors while
no window is open) are balloons; clicking one runs what its sender asked for (e.g. opens the
reminder's panel with its buttons, since a balloon has none).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr
from moco_desktop.services.timesheet import EntryView
from moco_desktop.ui import formatting
from moco_desktop.ui.icons import idle_tray_icon, running_tray_icon
from moco_desktop.ui.operations import OperationRunner
from moco_desktop.ui.session import RECENT_MENU_SIZE, Session
from moco_desktop.ui.timers import next_turn

register(
    {
        "tray.idle": {"en": "No timer running", "de": "Kein Timer läuft"},
        "tray.running": {"en": "▶ {label} — {elapsed}", "de": "▶ {label} — {elapsed}"},
        "tray.running_since": {
            "en": "▶ {label} — {elapsed} (since {date})",
            "de": "▶ {label} — {elapsed} (seit {date})",
        },
        "tray.stop": {"en": "Stop timer", "de": "Timer stoppen"},
        "tray.start": {"en": "Start…", "de": "Starten…"},
        "tray.quick_entry": {"en": "Quick entry…", "de": "Schnelleintrag…"},
        "tray.accounts": {"en": "Accounts", "de": "Konten"},
        "tray.add_account": {"en": "Add account…", "de": "Konto hinzufügen…"},
        "tray.recent": {"en": "Recent", "de": "Zuletzt"},
        "tray.continue_today": {"en": "{label}", "de": "{label}"},
        "tray.clock_in": {"en": "Clock in", "de": "Einstempeln"},
        "tray.clock_out": {
            "en": "Clock out (present since {since})",
            "de": "Ausstempeln (anwesend seit {since})",
        },
        "tray.open": {"en": "Open timesheet", "de": "Stundenzettel öffnen"},
        "tray.act_as": {"en": "Act as…", "de": "Handeln als…"},
        "tray.act_as_self": {
            "en": "Back to my own time ({name})",
            "de": "Zurück zur eigenen Zeit ({name})",
        },
        "tray.settings": {"en": "Settings…", "de": "Einstellungen…"},
        "tray.quit": {"en": "Quit MOCO Desktop", "de": "MOCO Desktop beenden"},
        "tray.tooltip_idle": {
            "en": "MOCO Desktop: no timer running",
            "de": "MOCO Desktop: kein Timer läuft",
        },
        "tray.tooltip_offline": {
            "en": "MOCO cannot be reached; {count} changes wait on this computer.",
            "de": "MOCO ist nicht erreichbar; {count} Änderungen warten auf diesem Computer.",
        },
        "tray.tooltip_acting": {"en": "Acting for {name}", "de": "Handelt für {name}"},
        "tray.error_title": {"en": "MOCO Desktop", "de": "MOCO Desktop"},
    }
)

STATUS, STOP, START, QUICK_ENTRY = (0, 1, 3, 4)
RECENT_FIRST = 6
CLOCK, OPEN, ACT_AS, ACCOUNTS, SETTINGS, QUIT = (15, 17, 18, 19, 20, 22)


AccountEntry = tuple[str, str]
"""(account id, label) of a stored login, for the Accounts submenu."""


def entry_label(view: EntryView, *, with_customer: bool = True) -> str:
    """`Customer / Project / Task – description`, short enough for a menu."""
    activity = view.activity
    parts = [activity.project.name, activity.task.name]
    if with_customer and activity.customer is not None:
        parts.insert(0, activity.customer.name)
    label = " / ".join(parts)
    description = activity.description.strip()
    if description:
        label += f" – {_shorten(description, 40)}"
    return label


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class TrayController(QObject):
    """Owns the `QSystemTrayIcon`; asks the shell for windows through signals."""

    openTimesheetRequested = Signal()  # noqa: N815 (Qt naming)
    toggleTimesheetRequested = Signal()  # noqa: N815
    startRequested = Signal()  # noqa: N815
    quickEntryRequested = Signal()  # noqa: N815
    accountChosen = Signal(str)  # noqa: N815 - account id
    addAccountRequested = Signal()  # noqa: N815
    notified = Signal(str, str)  # title, message of a balloon (tests and logs)
    settingsRequested = Signal()  # noqa: N815
    actAsRequested = Signal()  # noqa: N815
    actAsSelfRequested = Signal()  # noqa: N815
    quitRequested = Signal()  # noqa: N815
    errorShown = Signal(str)  # noqa: N815

    def __init__(
        self, parent: QObject | None = None, *, tray_icon: QSystemTrayIcon | None = None
    ) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.runner = OperationRunner(self)
        self.runner.failed.connect(self._show_error)
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        # gui_main may have shown the icon already, before the heavy imports.
        self.tray = tray_icon or QSystemTrayIcon(idle_tray_icon())
        self.tray.setParent(self)
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._on_activated)
        self.tray.messageClicked.connect(self._message_clicked)
        self._on_message_click: Callable[[], object] | None = None
        self._accounts: list[AccountEntry] = []
        self._active_account: str | None = None
        self._accounts_shown: tuple[object, ...] = ()

        self.status_action = self.menu.addAction("", self.openTimesheetRequested.emit)
        self.status_action.setEnabled(False)
        bold = self.status_action.font()
        bold.setBold(True)
        self.status_action.setFont(bold)
        self.stop_action = self.menu.addAction("", self.stop_timer)
        self.menu.addSeparator()
        self.start_action = self.menu.addAction("", self.startRequested.emit)
        self.quick_entry_action = self.menu.addAction("", self.quickEntryRequested.emit)
        self.recent_section = self.menu.addSection("")
        self.recent_actions: list[QAction] = []
        for position in range(RECENT_MENU_SIZE):
            action = self.menu.addAction("")
            action.setVisible(False)
            action.setObjectName(f"recent{position}")
            action.triggered.connect(lambda _=False, p=position: self._recent_clicked(p))
            self.recent_actions.append(action)
        self.menu.addSeparator()
        self.clock_action = self.menu.addAction("", self.toggle_clock)
        self.menu.addSeparator()
        self.open_action = self.menu.addAction("", self.openTimesheetRequested.emit)
        self.act_as_action = self.menu.addAction("", self._act_as)
        self.accounts_menu = QMenu(self.menu)
        self.accounts_menu.setObjectName("accountsMenu")
        self.accounts_action = self.menu.addMenu(self.accounts_menu)
        self.account_group = QActionGroup(self)
        self.account_group.setExclusive(True)
        self.settings_action = self.menu.addAction("", self.settingsRequested.emit)
        self.menu.addSeparator()
        self.quit_action = self.menu.addAction("", self.quitRequested.emit)
        names = {
            "status": self.status_action,
            "stop": self.stop_action,
            "start": self.start_action,
            "quickEntry": self.quick_entry_action,
            "accounts": self.accounts_action,
            "clock": self.clock_action,
            "open": self.open_action,
            "actAs": self.act_as_action,
            "settings": self.settings_action,
            "quit": self.quit_action,
        }
        for name, action in names.items():
            action.setObjectName(name)
        self._recent_views: list[EntryView] = []
        self.menu.aboutToShow.connect(self.refresh_menu)
        # perf (issue 7): one sync step tells of several changes at once (entries, pending,
        # the running timer); the menu (the recent entries: ~20 ms with a busy account) is
        # rebuilt once for them, after the windows have taken them in, not once for each.
        self._menu_update = next_turn(self, self.refresh_menu)
        self.refresh()

    # --- binding ------------------------------------------------------------------------------

    def bind(self, session: Session | None, *, menu_now: bool = True) -> None:
        """Show `session` (None: logged out; only Settings and Quit work). `menu_now=False`:
        the icon at once, the menu (recent entries read from the cache) when `refresh_menu`
        is called or the menu opens; the start-up paints the timesheet first."""
        if self.session is not None:
            self.session.tick.disconnect(self._on_tick)
            for signal in (
                self.session.runningChanged,
                self.session.activitiesChanged,
                self.session.presencesChanged,
                self.session.reachabilityChanged,
                self.session.pendingChanged,
                self.session.referenceChanged,
            ):
                signal.disconnect(self._on_session_changed)
        self.session = session
        if session is not None:
            session.tick.connect(self._on_tick)
            for signal in (
                session.runningChanged,
                session.activitiesChanged,
                session.presencesChanged,
                session.reachabilityChanged,
                session.pendingChanged,
                session.referenceChanged,
            ):
                signal.connect(self._on_session_changed)
        if menu_now:
            self.refresh()
        else:
            self._refresh_icon()

    def show(self) -> None:
        self.tray.show()

    def hide(self) -> None:
        self.tray.hide()

    def _on_session_changed(self, *_args: object) -> None:
        self._refresh_icon()  # the icon, tooltip and status line at once; the rest of the menu
        self._refresh_status()  # in the next turn, once for all of this turn's changes
        self._menu_update.start()

    def _on_tick(self) -> None:
        """A running timer's new minute: the icon, tooltip and status line only."""
        self._refresh_icon()
        self._refresh_status()

    # --- texts and state ----------------------------------------------------------------------

    def retranslate(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self._refresh_icon()
        self._menu_update.stop()
        self.refresh_menu()

    def _refresh_icon(self) -> None:
        session = self.session
        running = session.running() if session is not None else None
        if session is None or running is None:
            self.tray.setIcon(idle_tray_icon())
            tooltip = tr("tray.tooltip_idle")
        else:
            elapsed = session.running_elapsed()
            self.tray.setIcon(running_tray_icon(elapsed))
            tooltip = self._running_tooltip(running, elapsed)
        if session is not None:
            if session.identity.impersonating:
                tooltip += "\n" + tr("tray.tooltip_acting", name=session.identity.acting_name)
            if not session.reachable:
                tooltip += "\n" + tr("tray.tooltip_offline", count=session.pending_count)
        self.tray.setToolTip(tooltip)

    @staticmethod
    def _running_tooltip(view: EntryView, elapsed: int) -> str:
        activity = view.activity
        lines = []
        if activity.customer is not None:
            lines.append(activity.customer.name)
        lines.append(f"{activity.project.name} / {activity.task.name}")
        if activity.description.strip():
            lines.append(activity.description.strip())
        lines.append(f"⏱ {formatting.hours(elapsed)} h")
        return "\n".join(lines)

    def _refresh_status(self) -> None:
        session = self.session
        running = session.running() if session is not None else None
        if session is not None and running is not None:
            label = entry_label(running, with_customer=False)
            elapsed = formatting.hours(session.running_elapsed())
            if running.activity.date != session.today():
                self.status_action.setText(
                    tr(
                        "tray.running_since",
                        label=_shorten(label, 60),
                        elapsed=elapsed,
                        date=formatting.short_date(running.activity.date),
                    )
                )
            else:
                self.status_action.setText(
                    tr("tray.running", label=_shorten(label, 60), elapsed=elapsed)
                )
        else:
            self.status_action.setText(tr("tray.idle"))
        # The running entry is a live line (a click opens the timesheet); "no timer" is not.
        self.status_action.setEnabled(running is not None)
        self.status_action.setVisible(session is not None)

    def refresh_menu(self) -> None:
        session = self.session
        logged_in = session is not None
        running = session.running() if session is not None else None
        self._refresh_status()
        self.stop_action.setText(tr("tray.stop"))
        self.stop_action.setVisible(running is not None)
        self.start_action.setText(tr("tray.start"))
        self.start_action.setVisible(logged_in)
        self.quick_entry_action.setText(tr("tray.quick_entry"))
        self.quick_entry_action.setVisible(logged_in)

        self._recent_views = session.recent_entries(RECENT_MENU_SIZE) if session else []
        self.recent_section.setText(tr("tray.recent"))
        self.recent_section.setVisible(bool(self._recent_views))
        for position, action in enumerate(self.recent_actions):
            if position < len(self._recent_views):
                view = self._recent_views[position]
                action.setText(_shorten(entry_label(view), 70).replace("&", "&&"))
                action.setVisible(True)
                action.setEnabled(running is None or _differs(view, running))
            else:
                action.setVisible(False)

        if session is not None:
            open_presence = session.day(session.today()).open_presence
            if open_presence is not None:
                since = formatting.clock_time(open_presence.presence.from_time)
                self.clock_action.setText(tr("tray.clock_out", since=since))
            else:
                self.clock_action.setText(tr("tray.clock_in"))
        self.clock_action.setVisible(logged_in)
        self.open_action.setText(tr("tray.open"))
        self.open_action.setVisible(logged_in)
        if session is not None and session.identity.impersonating:
            self.act_as_action.setText(tr("tray.act_as_self", name=session.identity.own_name))
            self.act_as_action.setVisible(True)
        else:
            self.act_as_action.setText(tr("tray.act_as"))
            self.act_as_action.setVisible(session is not None and session.is_staff)
        self._refresh_accounts()
        self.settings_action.setText(tr("tray.settings"))
        self.quit_action.setText(tr("tray.quit"))

    # --- accounts -----------------------------------------------------------------------------

    def set_accounts(self, accounts: Sequence[AccountEntry], active_id: str | None) -> None:
        """The stored logins for the Accounts submenu (empty: the submenu is hidden)."""
        self._accounts = list(accounts)
        self._active_account = active_id
        self._refresh_accounts()

    def _refresh_accounts(self) -> None:
        self.accounts_action.setText(tr("tray.accounts"))
        self.accounts_action.setVisible(self.session is not None and bool(self._accounts))
        self._fill_accounts_menu()

    def _fill_accounts_menu(self) -> None:
        shown = (tuple(self._accounts), self._active_account, tr("tray.add_account"))
        if shown == self._accounts_shown:
            return
        self._accounts_shown = shown
        menu = self.accounts_menu
        for action in menu.actions():
            if action in self.account_group.actions():
                self.account_group.removeAction(action)
            menu.removeAction(action)
            action.deleteLater()
        for account_id, label in self._accounts:
            action = QAction(label.replace("&", "&&"), menu)
            action.setCheckable(True)
            action.setChecked(account_id == self._active_account)
            action.setObjectName(f"account:{account_id}")
            action.triggered.connect(lambda _=False, a=account_id: self._account_clicked(a))
            self.account_group.addAction(action)
            menu.addAction(action)
        menu.addSeparator()
        add = QAction(tr("tray.add_account"), menu)
        add.setObjectName("addAccount")
        add.triggered.connect(self.addAccountRequested.emit)
        menu.addAction(add)

    def account_actions(self) -> list[QAction]:
        """The submenu's entries, one per stored login (tests, screenshots)."""
        return [a for a in self.accounts_menu.actions() if a.objectName().startswith("account:")]

    def _account_clicked(self, account_id: str) -> None:
        if account_id != self._active_account:
            self.accountChosen.emit(account_id)

    # --- actions ------------------------------------------------------------------------------

    def stop_timer(self) -> None:
        if self.session is not None:
            self.runner.run(self.session.stop_timer())

    def _recent_clicked(self, position: int) -> None:
        if position < len(self._recent_views):
            self.continue_entry(self._recent_views[position])

    def continue_entry(self, view: EntryView) -> None:
        if self.session is not None:
            self.runner.run(self.session.continue_recent(view))

    def toggle_clock(self) -> None:
        session = self.session
        if session is None:
            return
        if session.day(session.today()).open_presence is not None:
            self.runner.run(session.workspace.clock_out())
        else:
            self.runner.run(session.workspace.clock_in())

    def _act_as(self) -> None:
        if self.session is not None and self.session.identity.impersonating:
            self.actAsSelfRequested.emit()
        else:
            self.actAsRequested.emit()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.toggleTimesheetRequested.emit()

    def _show_error(self, error: UserFacingError) -> None:
        """An action from the menu failed: a balloon, since no window may be open."""
        self.errorShown.emit(error.message)
        self.notify(tr("tray.error_title"), error.message, QSystemTrayIcon.MessageIcon.Warning)

    @property
    def can_notify(self) -> bool:
        return self.tray.isVisible() and QSystemTrayIcon.supportsMessages()

    def notify(
        self,
        title: str,
        message: str,
        icon: QSystemTrayIcon.MessageIcon = QSystemTrayIcon.MessageIcon.Information,
        *,
        on_click: Callable[[], object] | None = None,
        timeout_ms: int = 8000,
    ) -> bool:
        """Show a balloon; a click on it calls `on_click`. False if the tray cannot."""
        if not self.can_notify:
            return False
        self._on_message_click = on_click
        self.tray.showMessage(title, message, icon, timeout_ms)
        self.notified.emit(title, message)
        return True

    def _message_clicked(self) -> None:
        callback, self._on_message_click = self._on_message_click, None
        if callback is not None:
            callback()

    def dispose(self) -> None:
        self.bind(None)
        self.tray.hide()
        self.menu.deleteLater()


def _differs(view: EntryView, running: EntryView) -> bool:
    a, b = view.activity, running.activity
    return (a.project.id, a.task.id, a.description.strip(), a.date) != (
        b.project.id,
        b.task.id,
        b.description.strip(),
        b.date,
    )
