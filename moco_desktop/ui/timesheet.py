"""The timesheet window: one day's entries and presences, the week strip, and every banner.

Day navigation (previous, next, today, calendar), the quick-entry line (with its live preview;
lines without a date book on the day shown), the day's entries with their timers (the running
one ticks by the minute), the day's total against the employment target beside the planned
hours, presences with clock in/out, editable times and the home-office toggle. The week strip's
total carries the year's balance, and its tooltip the month's and year's from MOCO's performance
report. Changes show at once and are marked while they have not reached MOCO; errors appear in
the message bar or beside the field they are about. Everything is reachable from the keyboard:

    Ctrl+N new entry          Ctrl+T start a timer (search)   Ctrl+Shift+T stop the timer
    Ctrl+L quick entry
    Enter edit entry          Delete delete entry             Space start/stop on the entry
    Alt+Left / Alt+Right      previous / next day             Alt+Home today
    Ctrl+Alt+Left / Right     previous / next week            Ctrl+G go to date
    F5 refresh from MOCO      Ctrl+, settings                 Ctrl+W close (the app keeps running)
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTime, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QTableWidgetItem,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from moco_desktop.core.entities import PlanningEntry
from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.timemath import parse_clock_time, week_label
from moco_desktop.services.events import Notice
from moco_desktop.services.presences import PresenceView
from moco_desktop.services.timesheet import DaySummary, DayView, EntryView, WeekView
from moco_desktop.services.workspace import ChangeResult
from moco_desktop.ui import formatting
from moco_desktop.ui.banners import Banner, MessageBar
from moco_desktop.ui.day_models import (
    BILLABLE,
    DESCRIPTION,
    DURATION,
    PROJECT,
    STATE,
    TIMER,
    DayCell,
    EntriesModel,
    EntryRole,
    ProjectDelegate,
)
from moco_desktop.ui.field_errors import PRESENCE_FIELDS, field_errors
from moco_desktop.ui.icons import app_icon
from moco_desktop.ui.operations import OperationRunner
from moco_desktop.ui.quick_entry import QuickEntryField
from moco_desktop.ui.session import Session
from moco_desktop.ui.style import InlineMessage
from moco_desktop.ui.timers import next_turn
from moco_desktop.ui.tray import entry_label
from moco_desktop.ui.widgets import PlaceholderTableView, PlaceholderTableWidget

if TYPE_CHECKING:
    from moco_desktop.services.quick_entry import QuickEntryService
    from moco_desktop.ui.entry_dialog import EntryDialog

register(
    {
        "timesheet.title": {"en": "MOCO Desktop – Timesheet", "de": "MOCO Desktop – Stundenzettel"},
        "timesheet.title_acting": {
            "en": "MOCO Desktop – Timesheet of {name}",
            "de": "MOCO Desktop – Stundenzettel von {name}",
        },
        "timesheet.previous": {"en": "Previous day", "de": "Vorheriger Tag"},
        "timesheet.next": {"en": "Next day", "de": "Nächster Tag"},
        "timesheet.today": {"en": "Today", "de": "Heute"},
        "timesheet.calendar": {"en": "Choose a date", "de": "Datum wählen"},
        "timesheet.new_entry": {"en": "New entry", "de": "Neuer Eintrag"},
        "timesheet.start": {"en": "Start timer…", "de": "Timer starten…"},
        "timesheet.stop": {"en": "Stop timer", "de": "Timer stoppen"},
        "timesheet.refresh": {"en": "Refresh", "de": "Aktualisieren"},
        "timesheet.refresh_tip": {
            "en": "Send what is pending and fetch the latest from MOCO (F5)",
            "de": "Ausstehendes senden und den neuesten Stand von MOCO holen (F5)",
        },
        "timesheet.pending": {"en": "{count} not in MOCO yet", "de": "{count} noch nicht in MOCO"},
        "timesheet.pending_parked": {
            "en": "{count} not in MOCO yet, {parked} rejected",
            "de": "{count} noch nicht in MOCO, {parked} abgelehnt",
        },
        "timesheet.empty": {
            "en": "No time booked on this day yet.\nPress Ctrl+N for a new entry or Ctrl+T to "
            "start a timer.",
            "de": "An diesem Tag ist noch keine Zeit gebucht.\nStrg+N für einen neuen Eintrag, "
            "Strg+T um einen Timer zu starten.",
        },
        "timesheet.empty_other_day": {
            "en": "No time booked on this day.",
            "de": "An diesem Tag ist keine Zeit gebucht.",
        },
        "timesheet.summary": {
            "en": "Booked {booked} h of {target} h",
            "de": "{booked} h von {target} h gebucht",
        },
        "timesheet.summary_decimal": {
            "en": "{booked} of {target} in decimal hours",
            "de": "{booked} von {target} in Dezimalstunden",
        },
        "timesheet.summary_present": {
            "en": "present {present} h",
            "de": "anwesend {present} h",
        },
        "timesheet.summary_gap": {
            "en": "{gap} h not booked yet",
            "de": "{gap} h noch nicht gebucht",
        },
        "timesheet.summary_planned": {"en": "planned {planned} h", "de": "geplant {planned} h"},
        "timesheet.planned_tooltip": {
            "en": "Planned in MOCO: {items}",
            "de": "In MOCO geplant: {items}",
        },
        "timesheet.cell_planned": {"en": "planned {planned} h", "de": "geplant {planned} h"},
        "timesheet.week_balance": {"en": "Balance {balance} h", "de": "Saldo {balance} h"},
        "timesheet.week_planned": {
            "en": "Planned this week: {planned} h",
            "de": "Diese Woche geplant: {planned} h",
        },
        "timesheet.month_balance": {
            "en": "{month}: {tracked} h tracked of {target} h ({variation} h)",
            "de": "{month}: {tracked} h von {target} h erfasst ({variation} h)",
        },
        "timesheet.year_balance": {
            "en": "{year}: balance until today {balance} h ({tracked} h of {target} h in the year)",
            "de": "{year}: Saldo bis heute {balance} h ({tracked} h von {target} h im Jahr)",
        },
        "timesheet.no_report": {
            "en": "The month and year balance appear after the next sync with MOCO.",
            "de": "Monats- und Jahressaldo erscheinen nach dem nächsten Abgleich mit MOCO.",
        },
        "timesheet.week_total": {
            "en": "{label}\n{booked} / {target} h",
            "de": "{label}\n{booked} / {target} h",
        },
        "timesheet.edit": {"en": "Edit…", "de": "Bearbeiten…"},
        "timesheet.delete": {"en": "Delete", "de": "Löschen"},
        "timesheet.continue": {"en": "Continue timer", "de": "Timer fortsetzen"},
        "timesheet.continue_today": {"en": "Continue today", "de": "Heute fortsetzen"},
        "timesheet.deleted": {"en": "Entry deleted: {label}", "de": "Eintrag gelöscht: {label}"},
        "timesheet.undo": {"en": "Undo", "de": "Rückgängig"},
        "timesheet.locked": {
            "en": "This entry is billed or locked in MOCO and cannot be changed.",
            "de": "Dieser Eintrag ist in MOCO abgerechnet oder gesperrt und kann nicht geändert "
            "werden.",
        },
        "timesheet.presences": {"en": "Presence", "de": "Arbeitszeit"},
        "timesheet.presence_from": {"en": "From", "de": "Von"},
        "timesheet.presence_to": {"en": "To", "de": "Bis"},
        "timesheet.presence_open": {"en": "open", "de": "offen"},
        "timesheet.presence_delete": {"en": "Delete presence", "de": "Arbeitszeit löschen"},
        "timesheet.presences_empty": {
            "en": "Not clocked in on this day.",
            "de": "An diesem Tag nicht eingestempelt.",
        },
        "timesheet.clock_in": {"en": "Clock in", "de": "Einstempeln"},
        "timesheet.clock_out": {"en": "Clock out", "de": "Ausstempeln"},
        "timesheet.home_office": {"en": "Home office (whole day)", "de": "Homeoffice (ganzer Tag)"},
        "timesheet.acting_banner": {
            "en": "You are acting for {name}: the time shown and booked here is theirs.",
            "de": "Du handelst für {name}: Die hier gezeigte und gebuchte Zeit ist die von {name}.",
        },
        "timesheet.back_to_self": {"en": "Back to my own time", "de": "Zurück zur eigenen Zeit"},
        "timesheet.offline_banner": {
            "en": "MOCO cannot be reached. Your changes are saved on this computer and sent as "
            "soon as MOCO is back ({count} waiting).",
            "de": "MOCO ist nicht erreichbar. Deine Änderungen sind auf diesem Computer "
            "gespeichert und werden gesendet, sobald MOCO wieder da ist ({count} warten).",
        },
        "timesheet.try_again": {"en": "Try again", "de": "Erneut versuchen"},
        "timesheet.halted_banner": {
            "en": "Sending to MOCO has stopped: {message}",
            "de": "Das Senden an MOCO wurde angehalten: {message}",
        },
        "timesheet.forgotten_timer": {
            "en": "A timer is still running since {date}: {label} ({elapsed} h so far).",
            "de": "Seit {date} läuft noch ein Timer: {label} (bisher {elapsed} h).",
        },
        "timesheet.stop_it": {"en": "Stop it", "de": "Stoppen"},
        "timesheet.open_day": {"en": "Open that day", "de": "Tag öffnen"},
        "timesheet.rate_limited": {
            "en": "MOCO asks us to slow down, retrying in {seconds} s.",
            "de": "MOCO bittet uns, langsamer zu machen; neuer Versuch in {seconds} s.",
        },
        "timesheet.sync_progress": {
            "en": "Sending changes to MOCO: {done} of {total}",
            "de": "Änderungen werden an MOCO gesendet: {done} von {total}",
        },
        "timesheet.first_sync": {
            "en": "Loading your projects and entries from MOCO…",
            "de": "Deine Projekte und Einträge werden von MOCO geladen…",
        },
    }
)


class TimesheetWindow(QMainWindow):
    """The main window; hides instead of closing (the app lives in the tray)."""

    settingsRequested = Signal()  # noqa: N815 (Qt naming)
    actAsSelfRequested = Signal()  # noqa: N815
    startRequested = Signal()  # noqa: N815
    reloginRequested = Signal()  # noqa: N815

    def __init__(
        self,
        session: Session,
        parent: QWidget | None = None,
        *,
        quick_entry: QuickEntryService | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = OperationRunner(self)
        self.runner.failed.connect(self.show_error)
        self._date = session.today()
        self._day: DayView | None = None
        self._dialogs: list[QWidget] = []
        self._updating_presences = False
        self._stale = True
        self._pushing = False
        self._reload_soon = next_turn(self, self._reload_if_stale)
        self.setObjectName("timesheetWindow")
        self.setWindowIcon(app_icon())

        central = QWidget()
        self.setCentralWidget(central)
        root = QVBoxLayout(central)
        root.setContentsMargins(12, 10, 12, 10)
        root.setSpacing(8)

        # banners
        self.acting_banner = Banner("warning")
        self.acting_banner.setObjectName("actingBanner")
        self.halted_banner = Banner("error")
        self.halted_banner.setObjectName("haltedBanner")
        self.offline_banner = Banner("warning")
        self.offline_banner.setObjectName("offlineBanner")
        self.forgotten_banner = Banner("warning")
        self.forgotten_banner.setObjectName("forgottenBanner")
        self.message_bar = MessageBar()
        for banner in (
            self.acting_banner,
            self.halted_banner,
            self.offline_banner,
            self.forgotten_banner,
            self.message_bar,
        ):
            root.addWidget(banner)
        self.progress = QProgressBar()
        self.progress.setObjectName("syncProgress")
        self.progress.setVisible(False)
        self.progress.setTextVisible(True)
        root.addWidget(self.progress)

        # navigation row
        nav = QHBoxLayout()
        nav.setSpacing(4)
        self.previous_button = QToolButton()
        self.previous_button.setText("◀")
        self.previous_button.setObjectName("previousDay")
        self.today_button = QPushButton()
        self.today_button.setObjectName("today")
        self.next_button = QToolButton()
        self.next_button.setText("▶")
        self.next_button.setObjectName("nextDay")
        self.date_button = QToolButton()
        self.date_button.setObjectName("dateButton")
        self.date_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.date_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        font = self.date_button.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.date_button.setFont(font)
        self._calendar: QCalendarWidget | None = None  # built when first opened (~6 ms)
        self.calendar_menu = QMenu(self.date_button)
        self.calendar_menu.aboutToShow.connect(self._prepare_calendar)
        self.date_button.setMenu(self.calendar_menu)
        self.date_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0; }")
        self.pending_label = QLabel()
        self.pending_label.setObjectName("pendingBadge")
        self.refresh_button = QPushButton()
        self.refresh_button.setObjectName("refresh")
        self.stop_button = QPushButton()
        self.stop_button.setObjectName("stopTimer")
        self.start_button = QPushButton()
        self.start_button.setObjectName("startTimer")
        self.new_button = QPushButton()
        self.new_button.setObjectName("newEntry")
        self.new_button.setDefault(False)
        nav.addWidget(self.previous_button)
        nav.addWidget(self.today_button)
        nav.addWidget(self.next_button)
        nav.addSpacing(8)
        nav.addWidget(self.date_button)
        nav.addStretch(1)
        nav.addWidget(self.pending_label)
        nav.addWidget(self.refresh_button)
        nav.addWidget(self.stop_button)
        nav.addWidget(self.start_button)
        nav.addWidget(self.new_button)
        root.addLayout(nav)

        # week strip
        week = QHBoxLayout()
        week.setSpacing(4)
        self.day_cells: list[DayCell] = []
        for position in range(7):
            cell = DayCell()
            cell.setObjectName(f"weekDay{position}")
            cell.picked.connect(self.show_date)
            week.addWidget(cell, 1)
            self.day_cells.append(cell)
        self.week_total = QLabel()
        self.week_total.setObjectName("weekTotal")
        self.week_total.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.week_total.setMinimumWidth(110)
        week.addWidget(self.week_total)
        root.addLayout(week)

        # the quick-entry line (its parser loads with the first keystroke)
        def quick_entry_service() -> QuickEntryService:
            from moco_desktop.services.quick_entry import QuickEntryService

            return QuickEntryService(session.workspace, clock=session.workspace.local_now)

        self.quick_entry = QuickEntryField(
            session, quick_entry or quick_entry_service, default_date=lambda: self._date
        )
        root.addWidget(self.quick_entry)

        # entries and presences side by side
        body = QHBoxLayout()
        body.setSpacing(12)
        entries_column = QVBoxLayout()
        entries_column.setSpacing(4)
        self.model = EntriesModel(self)
        self.table = PlaceholderTableView()
        self.table.setObjectName("entries")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(TIMER, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(PROJECT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DURATION, QHeaderView.ResizeMode.Fixed)  # _fit_duration_column
        header.setSectionResizeMode(BILLABLE, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(STATE, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(TIMER, 36)
        header.resizeSection(BILLABLE, 28)
        header.resizeSection(STATE, 28)
        header.setMinimumSectionSize(24)
        self.table.setItemDelegateForColumn(PROJECT, ProjectDelegate(self.table))
        line = self.table.fontMetrics().height()
        self.table.verticalHeader().setDefaultSectionSize(line * 2 + 10)
        entries_column.addWidget(self.table, 1)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("daySummary")
        self.summary_label.setWordWrap(True)
        entries_column.addWidget(self.summary_label)
        body.addLayout(entries_column, 3)

        presence_frame = QFrame()
        presence_frame.setObjectName("presencePanel")
        presence_frame.setFrameShape(QFrame.Shape.StyledPanel)
        presence_column = QVBoxLayout(presence_frame)
        presence_column.setContentsMargins(8, 8, 8, 8)
        self.presence_title = QLabel()
        bold = self.presence_title.font()
        bold.setBold(True)
        self.presence_title.setFont(bold)
        self.presence_table = PlaceholderTableWidget(0, 3)
        self.presence_table.setObjectName("presences")
        self.presence_table.verticalHeader().setVisible(False)
        self.presence_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.presence_table.setShowGrid(False)
        self.presence_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        presence_header = self.presence_table.horizontalHeader()
        presence_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        presence_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        presence_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        presence_header.resizeSection(2, 30)
        self.presence_error = InlineMessage()
        self.presence_error.setObjectName("presenceError")
        self.clock_button = QPushButton()
        self.clock_button.setObjectName("clock")
        self.home_office_check = QCheckBox()
        self.home_office_check.setObjectName("homeOffice")
        presence_column.addWidget(self.presence_title)
        presence_column.addWidget(self.presence_table, 1)
        presence_column.addWidget(self.presence_error)
        presence_column.addWidget(self.home_office_check)
        presence_column.addWidget(self.clock_button)
        presence_frame.setMinimumWidth(230)
        presence_frame.setMaximumWidth(320)
        body.addWidget(presence_frame, 1)
        root.addLayout(body, 1)

        self.resize(1000, 620)
        self._connect()
        self._shortcuts()
        self.retranslate()  # reads the day and week, too

    # --- wiring -------------------------------------------------------------------------------

    def _connect(self) -> None:
        session = self.session
        session.activitiesChanged.connect(self._on_activities_changed)
        session.presencesChanged.connect(self._on_presences_changed)
        session.referenceChanged.connect(lambda _kinds: self._reload_when_seen())
        session.pendingChanged.connect(lambda *_: self._update_status())
        session.reachabilityChanged.connect(lambda _reachable: self._update_status())
        session.runningChanged.connect(self._update_running)
        session.tick.connect(self._on_tick)
        session.noticeRaised.connect(self._on_notice)
        session.rateLimitWait.connect(self._on_rate_limit_wait)
        session.syncProgress.connect(self._on_sync_progress)
        session.refreshFailed.connect(
            lambda message: self.message_bar.post(message, "error", key="refresh")
        )
        self.previous_button.clicked.connect(lambda: self.move_days(-1))
        self.next_button.clicked.connect(lambda: self.move_days(1))
        self.today_button.clicked.connect(self.go_today)
        self.new_button.clicked.connect(self.new_entry)
        self.start_button.clicked.connect(self.startRequested.emit)
        self.stop_button.clicked.connect(self.stop_timer)
        self.refresh_button.clicked.connect(self.refresh_now)
        self.table.doubleClicked.connect(self._on_double_click)
        self.table.clicked.connect(self._on_click)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.clock_button.clicked.connect(self.toggle_clock)
        self.home_office_check.clicked.connect(self._home_office_clicked)
        self.runner.busyChanged.connect(self._on_busy)

    def _shortcuts(self) -> None:
        bindings: list[tuple[QKeySequence | str, Any]] = [
            (QKeySequence("Ctrl+N"), self.new_entry),
            (QKeySequence("Ctrl+T"), self.startRequested.emit),
            (QKeySequence("Ctrl+F"), self.startRequested.emit),
            (QKeySequence("Ctrl+Shift+T"), self.stop_timer),
            (QKeySequence("Ctrl+L"), self.quick_entry.setFocus),
            (QKeySequence("Alt+Left"), lambda: self.move_days(-1)),
            (QKeySequence("Alt+Right"), lambda: self.move_days(1)),
            (QKeySequence("Alt+Home"), self.go_today),
            (QKeySequence("Ctrl+Alt+Left"), lambda: self.move_days(-7)),
            (QKeySequence("Ctrl+Alt+Right"), lambda: self.move_days(7)),
            (QKeySequence("Ctrl+G"), self.date_button.showMenu),
            (QKeySequence("F5"), self.refresh_now),
            (QKeySequence("Ctrl+R"), self.refresh_now),
            (QKeySequence("Ctrl+,"), self.settingsRequested.emit),
            (QKeySequence(QKeySequence.StandardKey.Close), self.close),
        ]
        for sequence, slot in bindings:
            QShortcut(sequence, self, slot)
        self._table_keys: dict[int, Any] = {
            Qt.Key.Key_Return: self.edit_selected,
            Qt.Key.Key_Enter: self.edit_selected,
            Qt.Key.Key_Delete: self.delete_selected,
            Qt.Key.Key_Backspace: self.delete_selected,
            Qt.Key.Key_Space: self.toggle_selected,
        }
        self.table.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Keys on the entries table: Enter edits, Delete deletes, Space starts/stops."""
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            action = self._table_keys.get(event.key())
            if action is not None and event.modifiers() in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            ):
                action()
                return True
        return super().eventFilter(watched, event)

    # --- texts --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        identity = self.session.identity
        if identity.impersonating:
            self.setWindowTitle(tr("timesheet.title_acting", name=identity.acting_name))
        else:
            self.setWindowTitle(tr("timesheet.title"))
        tips = {
            self.previous_button: (tr("timesheet.previous"), "Alt+←"),
            self.next_button: (tr("timesheet.next"), "Alt+→"),
            self.today_button: (tr("timesheet.today"), "Alt+Home"),
            self.date_button: (tr("timesheet.calendar"), "Ctrl+G"),
            self.new_button: (tr("timesheet.new_entry"), "Ctrl+N"),
            self.start_button: (tr("timesheet.start"), "Ctrl+T"),
            self.stop_button: (tr("timesheet.stop"), "Ctrl+Shift+T"),
        }
        for widget, (name, keys) in tips.items():
            widget.setToolTip(f"{name} ({keys})")
            widget.setAccessibleName(name)
        self.today_button.setText(tr("timesheet.today"))
        self.new_button.setText("+ " + tr("timesheet.new_entry"))
        self.start_button.setText(tr("timesheet.start"))
        self.stop_button.setText("■ " + tr("timesheet.stop"))
        self.refresh_button.setText(tr("timesheet.refresh"))
        self.refresh_button.setToolTip(tr("timesheet.refresh_tip"))
        self.refresh_button.setAccessibleName(tr("timesheet.refresh"))
        self.presence_title.setText(tr("timesheet.presences"))
        self.presence_table.setHorizontalHeaderLabels(
            [tr("timesheet.presence_from"), tr("timesheet.presence_to"), ""]
        )
        self.presence_table.setAccessibleName(tr("timesheet.presences"))
        self.presence_table.set_placeholder(tr("timesheet.presences_empty"))
        self.home_office_check.setText(tr("timesheet.home_office"))
        self.table.setAccessibleName(tr("timesheet.title"))
        self.quick_entry.retranslate()
        self.quick_entry.edit.setToolTip(f"{tr('quick_line.accessible')} (Ctrl+L)")
        if self._calendar is not None:
            self._calendar.setLocale(formatting.app_locale())
        self.message_bar.dismiss()
        self.model.headerDataChanged.emit(
            Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1
        )
        self.reload()

    # --- navigation ---------------------------------------------------------------------------

    @property
    def date(self) -> dt.date:
        return self._date

    def show_date(self, date: dt.date) -> None:
        self._date = date
        self.reload()
        if self.isVisible() and self.session.load_week(date) is None:
            self.session.refresh_on_focus()

    def move_days(self, days: int) -> None:
        self.show_date(self._date + dt.timedelta(days=days))

    def go_today(self) -> None:
        self.show_date(self.session.today())

    @property
    def calendar(self) -> QCalendarWidget:
        """The date picker of the date button's menu, made on first use."""
        if self._calendar is None:
            calendar = self._calendar = QCalendarWidget()
            calendar.setObjectName("calendar")
            calendar.setGridVisible(False)
            calendar.setLocale(formatting.app_locale())
            calendar.setSelectedDate(formatting.to_qdate(self._date))
            calendar.clicked.connect(self._calendar_picked)
            calendar.activated.connect(self._calendar_picked)
            action = QWidgetAction(self.calendar_menu)
            action.setDefaultWidget(calendar)
            self.calendar_menu.addAction(action)
        return self._calendar

    def _prepare_calendar(self) -> None:
        self.calendar.setSelectedDate(formatting.to_qdate(self._date))

    def _calendar_picked(self, qdate: Any) -> None:
        self.calendar_menu.hide()
        self.show_date(formatting.from_qdate(qdate))

    # --- showing ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the shown day and week from the workspace (instant, from the cache)."""
        self._stale = False
        session = self.session
        today = session.today()
        week, day = session.week_with_day(self._date)
        self._day = day
        selected = self.selected_entry()
        self.model.set_day(day, today)
        self._fit_duration_column()
        if selected is not None:
            row = self.model.row_of(selected.id)
            if row is not None:
                self.table.selectRow(row)
        self.table.set_placeholder(
            tr("timesheet.empty") if self._date >= today else tr("timesheet.empty_other_day")
        )
        self.date_button.setText(formatting.long_date(self._date) + "  ▾")
        if self._calendar is not None:
            self._calendar.setSelectedDate(formatting.to_qdate(self._date))
        self.today_button.setEnabled(self._date != today)
        for cell, week_day in zip(self.day_cells, week.days, strict=True):
            self._set_cell(cell, week_day, today)
            cell.setChecked(week_day.date == self._date)
        self._update_week_total(week)
        self._update_summary(day)
        self._update_presences(day)
        self._update_status()
        self._update_running()
        self._update_first_sync()

    def _fit_duration_column(self) -> None:
        """The hours column as wide as its texts need, as Qt's ResizeToContents would make it,
        asking only the rows with the widest texts (perf, issue 7: Qt asks every row's size
        hint, seven roles each: ~8 ms per day switch with 228 entries)."""
        header = self.table.horizontalHeader()
        width = max(header.sectionSizeHint(DURATION), header.minimumSectionSize())
        for row in self.model.widest_duration_rows():
            index = self.model.index(row, DURATION)
            width = max(width, self.table.sizeHintForIndex(index).width())
        if header.sectionSize(DURATION) != width:
            header.resizeSection(DURATION, width)

    def _update_first_sync(self) -> None:
        """A new account has nothing cached yet: say that the first sync is under way."""
        if self._pushing:
            return
        loading = not self.session.has_projects() and self.session.reachable
        if loading:
            self.progress.setRange(0, 0)  # indeterminate: the number of requests is unknown
            self.progress.setFormat(tr("timesheet.first_sync"))
        self.progress.setVisible(loading)

    def _set_cell(self, cell: DayCell, day: DaySummary, today: dt.date) -> None:
        """A day of the week strip; its tooltip also names the planned hours."""
        cell.set_day(day, today=today)
        planned = planned_seconds(day)
        if planned:
            cell.setToolTip(
                cell.toolTip()
                + "\n"
                + tr("timesheet.cell_planned", planned=formatting.hours(planned))
            )

    def _update_week_total(self, week: WeekView) -> None:
        """The week's booked of target hours, the year's balance, and in the tooltip the
        planned hours and the month's and year's balance from MOCO's performance report."""
        text = tr(
            "timesheet.week_total",
            label=week_label(week.monday),
            booked=formatting.hours(week.booked_seconds),
            target=formatting.hours(week.target_seconds),
        )
        tips: list[str] = []
        planned = sum(planned_seconds(day) for day in week.days)
        if planned:
            tips.append(tr("timesheet.week_planned", planned=formatting.hours(planned)))
        shown = self._date
        report = self.session.workspace.performance_report(shown.year)
        if report is None:
            tips.append(tr("timesheet.no_report"))
        else:
            month = next(
                (m for m in report.monthly if (m.year, m.month) == (shown.year, shown.month)),
                None,
            )
            if month is not None:
                tips.append(
                    tr(
                        "timesheet.month_balance",
                        month=formatting.app_locale().standaloneMonthName(month.month),
                        tracked=formatting.hours(_seconds(month.hours_tracked_total)),
                        target=formatting.hours(_seconds(month.target_hours)),
                        variation=signed_hours(_seconds(month.variation)),
                    )
                )
            year = report.annually
            balance = signed_hours(_seconds(year.variation_until_today))
            tips.append(
                tr(
                    "timesheet.year_balance",
                    year=year.year,
                    balance=balance,
                    tracked=formatting.hours(_seconds(year.hours_tracked_total)),
                    target=formatting.hours(_seconds(year.target_hours)),
                )
            )
            text += "\n" + tr("timesheet.week_balance", balance=balance)
        self.week_total.setText(text)
        self.week_total.setToolTip("\n".join(tips))
        self.week_total.setAccessibleName(text.replace("\n", ", "))

    def _update_summary(self, day: DayView) -> None:
        parts = [
            tr(
                "timesheet.summary",
                booked=formatting.hours(day.booked_seconds),
                target=formatting.hours(day.target_seconds),
            )
        ]
        planned = planned_seconds(day)
        if planned:
            parts.append(tr("timesheet.summary_planned", planned=formatting.hours(planned)))
        if day.presence_seconds:
            parts.append(
                tr("timesheet.summary_present", present=formatting.hours(day.presence_seconds))
            )
            if day.gap_seconds > 60:
                parts.append(tr("timesheet.summary_gap", gap=formatting.hours(day.gap_seconds)))
        self.summary_label.setText(" · ".join(parts))
        tooltip = tr(
            "timesheet.summary_decimal",
            booked=formatting.decimal_hours(day.booked_seconds),
            target=formatting.decimal_hours(day.target_seconds),
        )
        if day.planning:
            items = ", ".join(
                f"{_planned_label(entry)} {formatting.hours(_seconds(entry.hours_per_day))} h"
                for entry in day.planning
            )
            tooltip += "\n" + tr("timesheet.planned_tooltip", items=items)
        self.summary_label.setToolTip(tooltip)

    def _update_presences(self, day: DayView) -> None:
        self._updating_presences = True
        presences = list(day.presences)
        self.presence_table.setRowCount(len(presences))
        for row, view in enumerate(presences):
            self._presence_row(row, view)
        is_today = day.date == self.session.today()
        self.clock_button.setVisible(is_today)
        self.clock_button.setText(
            tr("timesheet.clock_out") if day.open_presence is not None else tr("timesheet.clock_in")
        )
        home_office = bool(presences) and all(p.presence.is_home_office for p in presences)
        self.home_office_check.setChecked(home_office)
        self.home_office_check.setEnabled(bool(presences))
        self._updating_presences = False

    def _presence_row(self, row: int, view: PresenceView) -> None:
        presence = view.presence
        for column, value in ((0, presence.from_time), (1, presence.to_time)):
            editor = QTimeEdit()
            editor.setObjectName(f"presence{row}{'From' if column == 0 else 'To'}")
            editor.setDisplayFormat("HH:mm")
            editor.setFrame(False)
            editor.setButtonSymbols(QTimeEdit.ButtonSymbols.NoButtons)
            editor.setKeyboardTracking(False)
            name = tr("timesheet.presence_from" if column == 0 else "timesheet.presence_to")
            editor.setAccessibleName(name)
            if value is None:
                editor.setSpecialValueText(tr("timesheet.presence_open"))
                editor.setMinimumTime(QTime(0, 0))
                editor.setTime(QTime(0, 0))
            else:
                editor.setTime(QTime(value.hour, value.minute))
            if view.pending:
                editor.setToolTip(tr("day.state.pending"))
            if view.parked and view.problem:
                editor.setToolTip(view.problem)
            editor.editingFinished.connect(
                lambda e=editor, pid=view.id, c=column: self._presence_edited(pid, c, e)
            )
            self.presence_table.setCellWidget(row, column, editor)
        delete = QToolButton()
        delete.setText("✕")
        delete.setAutoRaise(True)
        delete.setToolTip(tr("timesheet.presence_delete"))
        delete.setAccessibleName(tr("timesheet.presence_delete"))
        delete.clicked.connect(lambda _=False, pid=view.id: self.delete_presence(pid))
        self.presence_table.setCellWidget(row, 2, delete)
        marker = QTableWidgetItem()
        self.presence_table.setItem(row, 0, marker)

    def _update_status(self) -> None:
        session = self.session
        identity = session.identity
        if identity.impersonating:
            self.acting_banner.show_message(
                tr("timesheet.acting_banner", name=identity.acting_name),
                actions=[(tr("timesheet.back_to_self"), self.actAsSelfRequested.emit)],
            )
        else:
            self.acting_banner.dismiss()
        halted = session.halted_message
        if halted:
            self.halted_banner.show_message(tr("timesheet.halted_banner", message=halted))
        else:
            self.halted_banner.dismiss()
        if not session.reachable:
            self.offline_banner.show_message(
                tr("timesheet.offline_banner", count=session.pending_count),
                actions=[(tr("timesheet.try_again"), self.refresh_now)],
            )
        else:
            self.offline_banner.dismiss()
        count, parked = session.pending_count, session.parked_count
        if count:
            key = "timesheet.pending_parked" if parked else "timesheet.pending"
            self.pending_label.setText(PENDING_MARK + " " + tr(key, count=count, parked=parked))
        self.pending_label.setVisible(bool(count))

    def _update_running(self) -> None:
        session = self.session
        running = session.running()
        self.stop_button.setVisible(running is not None)
        today = session.today()
        if running is not None and running.activity.date < today:
            self.forgotten_banner.show_message(
                tr(
                    "timesheet.forgotten_timer",
                    date=formatting.long_date(running.activity.date),
                    label=entry_label(running),
                    elapsed=formatting.hours(session.running_elapsed()),
                ),
                actions=[
                    (tr("timesheet.stop_it"), self.stop_timer),
                    (tr("timesheet.open_day"), lambda: self.show_date(running.activity.date)),
                ],
            )
        else:
            self.forgotten_banner.dismiss()

    def _on_tick(self) -> None:
        if not self.isVisible():
            self._stale = True
            return
        self.model.tick(self.session.now())
        self._fit_duration_column()  # 9:59 becomes 10:00
        day = self._day
        if day is not None and day.running is not None:
            self._day = self.session.day(self._date)
            self._update_summary(self._day)
            for cell in self.day_cells:
                if cell.date == self._date:
                    self._set_cell(cell, self._day.summary, self.session.today())
        self._update_running()

    def _on_activities_changed(self, dates: frozenset[dt.date]) -> None:
        if not dates or any(d in dates for d in self._week_dates()):
            self._reload_when_seen()

    def _on_presences_changed(self, dates: frozenset[dt.date]) -> None:
        if not dates or any(d in dates for d in self._week_dates()):
            self._reload_when_seen()

    def _reload_when_seen(self) -> None:
        """Reload in the next turn of the event loop if the window is shown, once for all of
        this turn's changes (perf, issue 7: the session tells of a week's entries and then of
        its presences in one turn, and a busy day was reloaded for each); a hidden window
        reloads when shown again."""
        self._stale = True
        if self.isVisible():
            self._reload_soon.start()

    def _reload_if_stale(self) -> None:
        if self._stale and self.isVisible():
            self.reload()

    def _week_dates(self) -> list[dt.date]:
        monday = self._date - dt.timedelta(days=self._date.weekday())
        return [monday + dt.timedelta(days=i) for i in range(7)]

    # --- messages -----------------------------------------------------------------------------

    def show_error(self, error: UserFacingError | str) -> None:
        text = error.message if isinstance(error, UserFacingError) else error
        self.message_bar.post(text, "error", key="error")

    def show_info(self, text: str) -> None:
        self.message_bar.post(text, "info", key="info")

    def _on_notice(self, notice: Notice) -> None:
        tone = "error" if notice.level == "error" else notice.level
        self.message_bar.post(notice.message, tone, key=f"notice:{notice.message_key}")

    def _on_rate_limit_wait(self, seconds: float) -> None:
        self.message_bar.post(
            tr("timesheet.rate_limited", seconds=max(1, round(seconds))),
            "info",
            key="rate_limit",
            sticky=False,
        )

    def _on_sync_progress(self, done: int, total: int) -> None:
        self._pushing = total > 1 and done < total
        if self._pushing:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(tr("timesheet.sync_progress", done=done, total=total))
            self.progress.setVisible(True)
        else:
            self.progress.setVisible(False)
            self._update_first_sync()

    def _on_busy(self, busy: bool) -> None:
        self.refresh_button.setEnabled(not busy)

    # --- entries ------------------------------------------------------------------------------

    def selected_entry(self) -> EntryView | None:
        indexes = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not indexes:
            return None
        return self.model.entry(indexes[0].row())

    def select_entry(self, activity_id: int) -> bool:
        row = self.model.row_of(activity_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def new_entry(self, initial_seconds: int | None = None) -> EntryDialog:
        from moco_desktop.ui.entry_dialog import EntryDialog  # with the picker: on first use

        dialog = EntryDialog(
            self.session, date=self._date, initial_seconds=initial_seconds, parent=self
        )
        self._open_dialog(dialog)
        return dialog

    def edit_entry(self, entry: EntryView) -> EntryDialog | None:
        activity = entry.activity
        if (activity.locked or activity.billed) and not entry.parked:
            self.show_error(tr("timesheet.locked"))
            return None
        from moco_desktop.ui.entry_dialog import EntryDialog

        dialog = EntryDialog(self.session, date=activity.date, entry=entry, parent=self)
        self._open_dialog(dialog)
        return dialog

    def _open_dialog(self, dialog: QWidget) -> None:
        self._dialogs.append(dialog)
        dialog.destroyed.connect(lambda *_: self._forget_dialog(dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _forget_dialog(self, dialog: QWidget) -> None:
        if dialog in self._dialogs:
            self._dialogs.remove(dialog)

    def open_dialogs(self) -> list[QWidget]:
        return list(self._dialogs)

    def edit_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.edit_entry(entry)

    def delete_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.delete_entry(entry)

    def toggle_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.toggle_timer(entry)

    def delete_entry(self, entry: EntryView) -> None:
        """Delete at once; the message bar offers Undo (books the same entry again)."""
        activity = entry.activity
        if (activity.locked or activity.billed) and not entry.parked:
            self.show_error(tr("timesheet.locked"))
            return
        label = entry_label(entry)
        self.runner.run(self.session.workspace.delete_activity(entry.id))
        self.message_bar.post(
            tr("timesheet.deleted", label=label),
            "info",
            [(tr("timesheet.undo"), lambda: self._undo_delete(entry))],
            key="undo",
        )

    def _undo_delete(self, entry: EntryView) -> None:
        self.message_bar.withdraw("undo")
        activity = entry.activity
        self.runner.run(
            self.session.workspace.log_activity(
                activity.date,
                activity.project.id,
                activity.task.id,
                max(60, activity.elapsed_seconds(self.session.now())),
                activity.description,
                activity.billable,
                tag=activity.tag,
            )
        )

    def toggle_timer(self, entry: EntryView) -> None:
        self.runner.run(self.session.toggle_timer(entry), on_success=self._after_timer)

    def stop_timer(self) -> None:
        if self.session.running() is not None:
            self.runner.run(self.session.stop_timer(), on_success=self._after_timer)

    def _after_timer(self, result: ChangeResult | None) -> None:
        if result is not None and result.parked_message:
            self.show_error(result.parked_message)

    def _on_click(self, index: QModelIndex) -> None:
        if index.column() == TIMER:
            entry = index.data(EntryRole)
            if isinstance(entry, EntryView):
                self.toggle_timer(entry)

    def _on_double_click(self, index: QModelIndex) -> None:
        if index.column() == TIMER:
            return
        entry = index.data(EntryRole)
        if isinstance(entry, EntryView):
            self.edit_entry(entry)

    def _context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        entry = index.data(EntryRole) if index.isValid() else None
        if not isinstance(entry, EntryView):
            return
        menu = self.build_context_menu(entry)
        menu.exec(self.table.viewport().mapToGlobal(position))

    def build_context_menu(self, entry: EntryView) -> QMenu:
        menu = QMenu(self)
        if entry.is_running:
            text = tr("timesheet.stop")
        elif entry.activity.date == self.session.today():
            text = tr("timesheet.continue")
        else:
            text = tr("timesheet.continue_today")
        timer_action = QAction(text, menu)
        timer_action.triggered.connect(lambda: self.toggle_timer(entry))
        edit_action = QAction(tr("timesheet.edit"), menu)
        edit_action.triggered.connect(lambda: self.edit_entry(entry))
        delete_action = QAction(tr("timesheet.delete"), menu)
        delete_action.triggered.connect(lambda: self.delete_entry(entry))
        for action in (timer_action, edit_action, delete_action):
            menu.addAction(action)
        return menu

    # --- presences ----------------------------------------------------------------------------

    def toggle_clock(self) -> None:
        self.presence_error.clear_message()
        day = self._day
        workspace = self.session.workspace
        work = workspace.clock_out() if day and day.open_presence else workspace.clock_in()
        self.runner.run(work, on_success=self._presence_result, on_error=self._presence_failed)

    def _presence_edited(self, presence_id: int, column: int, editor: QTimeEdit) -> None:
        if self._updating_presences:
            return
        day = self._day
        view = next((p for p in day.presences if p.id == presence_id), None) if day else None
        if view is None:
            return
        value = editor.time()
        if column == 1 and view.presence.to_time is None and value == QTime(0, 0):
            return  # still open
        text = f"{value.hour():02d}:{value.minute():02d}"
        current = view.presence.from_time if column == 0 else view.presence.to_time
        if current is not None and (current.hour, current.minute) == (value.hour(), value.minute()):
            return
        self.set_presence_time(
            presence_id,
            from_time=text if column == 0 else None,
            to_time=text if column == 1 else None,
        )

    def set_presence_time(
        self, presence_id: int, *, from_time: str | None = None, to_time: str | None = None
    ) -> None:
        """Change a presence's start or end (HH:MM, checked before anything is sent)."""
        self.presence_error.clear_message()
        try:
            for value in (from_time, to_time):
                if value is not None:
                    parse_clock_time(value)
        except UserFacingError as error:
            self._presence_failed(error)
            return
        self.runner.run(
            self.session.workspace.update_presence(
                presence_id, from_time=from_time, to_time=to_time
            ),
            on_success=self._presence_result,
            on_error=self._presence_failed,
        )

    def delete_presence(self, presence_id: int) -> None:
        self.presence_error.clear_message()
        self.runner.run(
            self.session.workspace.delete_presence(presence_id),
            on_success=self._presence_result,
            on_error=self._presence_failed,
        )

    def _home_office_clicked(self, checked: bool) -> None:
        if self._updating_presences:
            return
        self.presence_error.clear_message()
        self.runner.run(
            self.session.workspace.set_home_office(self._date, checked),
            on_success=self._presence_result,
            on_error=self._presence_failed,
        )

    def _presence_result(self, result: ChangeResult | None) -> None:
        if result is not None and result.parked_message:
            self._presence_failed(result.parked_message)

    def _presence_failed(self, error: UserFacingError | str) -> None:
        messages = field_errors(error, PRESENCE_FIELDS)
        self.presence_error.show_message(
            "\n".join(text for texts in messages.values() for text in texts)
        )

    # --- refresh ------------------------------------------------------------------------------

    def refresh_now(self) -> None:
        self.runner.run(self.session.sync_now(self._date))

    # --- window -------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale:
            self.reload()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.session.refresh_on_focus()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Closing hides the window: the app keeps running in the tray."""
        event.ignore()
        self.hide()

    def dispose(self) -> None:
        """Really close (logout, quit, switching whom we act for)."""
        self._reload_soon.stop()  # its session is closing: no reload from it any more
        for dialog in list(self._dialogs):
            dialog.close()
        self.runner.cancel_all()
        self.deleteLater()


PENDING_MARK = "⟳"


def planned_seconds(day: DaySummary | DayView) -> int:
    """The hours MOCO's planning gives the day (all of the person's planning entries)."""
    return sum(_seconds(entry.hours_per_day) for entry in day.planning)


def signed_hours(seconds: int) -> str:
    """A balance as `+1:30` / `-0:45` (`±0:00` when even)."""
    if seconds > 0:
        return "+" + formatting.hours(seconds)
    if seconds < 0 and formatting.hours(seconds).startswith("-"):
        return formatting.hours(seconds)
    return "±0:00"


def _seconds(hours: float) -> int:
    return round(hours * 3600)


def _planned_label(entry: PlanningEntry) -> str:
    parts = [entry.project.name if entry.project is not None else entry.title]
    if entry.task is not None:
        parts.append(entry.task.name)
    return " / ".join(part for part in parts if part)
