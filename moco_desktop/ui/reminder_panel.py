"""The reminder panel: a reminder's text with its buttons, opened by clicking its notification.

A tray balloon has no buttons, so clicking it opens this small window (it opens by itself where
the system shows no balloons). It holds one reminder, the latest: a newer one replaces it, never
a queue. Actions: Start last entry, Pick… (the quick picker), Book… (a new entry prefilled with
the unbooked time), Stop at… (a time between the timer's start and now, preselected), Snooze and
Not today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from moco_desktop.core.entities import Activity
from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr
from moco_desktop.services.reminders import Reminder, ReminderAction, ReminderService
from moco_desktop.ui import formatting
from moco_desktop.ui.icons import app_icon
from moco_desktop.ui.operations import OperationRunner
from moco_desktop.ui.style import InlineMessage, muted_colour

register(
    {
        "reminder_panel.window_title": {
            "en": "MOCO Desktop – Reminder",
            "de": "MOCO Desktop – Erinnerung",
        },
        "reminder_panel.stop_at": {"en": "Stop the timer at", "de": "Timer stoppen um"},
        "reminder_panel.last_entry": {
            "en": "Last entry: {label}",
            "de": "Letzter Eintrag: {label}",
        },
        "reminder_panel.stop_now": {"en": "Stop", "de": "Stoppen"},
        "reminder_panel.stopped": {
            "en": "The timer was stopped at {time}.",
            "de": "Der Timer wurde um {time} gestoppt.",
        },
    }
)


class ReminderPanel(QDialog):
    """Shows one reminder and carries out its actions through the `ReminderService`.

    Pick… and Book… belong to other windows: they are asked for with `pickRequested` and
    `bookGapRequested(seconds)`. `acted(ReminderAction)` says what was done.
    """

    pickRequested = Signal()  # noqa: N815 (Qt naming)
    bookGapRequested = Signal(int)  # noqa: N815 - seconds not booked
    acted = Signal(object)  # ReminderAction

    def __init__(
        self,
        service: ReminderService,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self._clock = clock
        self.reminder: Reminder | None = None
        self.runner = OperationRunner(self)
        self.setObjectName("reminderPanel")
        self.setWindowIcon(app_icon())
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)

        self.heading = QLabel()
        self.heading.setObjectName("reminderTitle")
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        self.message = QLabel()
        self.message.setObjectName("reminderMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.detail = QLabel()
        self.detail.setObjectName("reminderDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setStyleSheet(f"color: {muted_colour().name()};")
        self.detail.setVisible(False)

        self.action_buttons: dict[ReminderAction, QPushButton] = {}
        self.buttons_row = QHBoxLayout()
        self.buttons_row.setSpacing(6)
        for action in ReminderAction:
            button = QPushButton()
            button.setObjectName(f"action_{action.value}")
            button.setVisible(False)
            button.clicked.connect(lambda _=False, a=action: self.act(a))
            self.buttons_row.addWidget(button)
            self.action_buttons[action] = button
        self.buttons_row.addStretch(1)

        self.stop_row = QWidget()
        self.stop_row.setObjectName("stopRow")
        self.stop_label = QLabel()
        self.stop_edit = QDateTimeEdit()
        self.stop_edit.setObjectName("stopAt")
        self.stop_edit.setCalendarPopup(True)
        self.stop_button = QPushButton()
        self.stop_button.setObjectName("stopNow")
        self.stop_label.setBuddy(self.stop_edit)
        stop_layout = QHBoxLayout(self.stop_row)
        stop_layout.setContentsMargins(0, 0, 0, 0)
        stop_layout.addWidget(self.stop_label)
        stop_layout.addWidget(self.stop_edit, 1)
        stop_layout.addWidget(self.stop_button)
        self.stop_row.setVisible(False)

        self.error = InlineMessage(boxed=True)
        self.error.setObjectName("reminderError")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(10)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addWidget(self.detail)
        layout.addLayout(self.buttons_row)
        layout.addWidget(self.stop_row)
        layout.addWidget(self.error)
        self.setMinimumWidth(440)

        self.stop_button.clicked.connect(self.stop_timer)
        self.retranslate()

    # --- texts --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(tr("reminder_panel.window_title"))
        for action, button in self.action_buttons.items():
            button.setText(action.label)
            button.setAccessibleName(action.label)
        self.stop_label.setText(tr("reminder_panel.stop_at"))
        self.stop_edit.setAccessibleName(tr("reminder_panel.stop_at"))
        self.stop_button.setText(tr("reminder_panel.stop_now"))
        locale = formatting.app_locale()
        self.stop_edit.setLocale(locale)
        self.stop_edit.setDisplayFormat(
            locale.dateFormat(locale.FormatType.ShortFormat)
            + " "
            + locale.timeFormat(locale.FormatType.ShortFormat)
        )
        reminder = self.reminder
        if reminder is not None:
            self.heading.setText(reminder.title)
            self.message.setText(reminder.message)
            last = reminder.activity if ReminderAction.START_LAST in reminder.actions else None
            if last is not None:
                self.detail.setText(tr("reminder_panel.last_entry", label=_label(last)))
            self.detail.setVisible(last is not None)

    # --- showing ------------------------------------------------------------------------------

    def show_reminder(self, reminder: Reminder, *, activate: bool = True) -> None:
        """Show `reminder` (it replaces whatever was shown)."""
        self.reminder = reminder
        self.error.clear_message()
        # The reminder's own order: its main action first.
        order = [*reminder.actions, *(a for a in ReminderAction if a not in reminder.actions)]
        for position, action in enumerate(order):
            button = self.action_buttons[action]
            self.buttons_row.removeWidget(button)
            self.buttons_row.insertWidget(position, button)
            button.setVisible(action in reminder.actions)
            button.setEnabled(True)
            button.setDefault(position == 0)
        self.stop_row.setVisible(False)
        self._prepare_stop(reminder)
        self.retranslate()
        self.adjustSize()
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, not activate)
        self.show()
        self.raise_()
        if activate:
            self.activateWindow()

    def _prepare_stop(self, reminder: Reminder) -> None:
        activity = reminder.activity
        started = activity.timer_started_at if activity is not None else None
        if ReminderAction.STOP_TIMER_AT not in reminder.actions or started is None:
            return
        zone = reminder.due_at.tzinfo
        self.stop_edit.setMinimumDateTime(_qdatetime(started.astimezone(zone)))
        self.stop_edit.setMaximumDateTime(_qdatetime(self._now(reminder)))
        suggested = reminder.suggested_stop_at or reminder.due_at
        self.stop_edit.setDateTime(_qdatetime(suggested.astimezone(zone)))

    # --- actions ------------------------------------------------------------------------------

    def shown_actions(self) -> list[ReminderAction]:
        """The actions offered now, left to right."""
        items = (self.buttons_row.itemAt(i) for i in range(self.buttons_row.count()))
        widgets = [item.widget() for item in items if item is not None]
        return [
            action
            for widget in widgets
            for action, button in self.action_buttons.items()
            if widget is button and button.isVisible()
        ]

    def act(self, action: ReminderAction) -> None:
        reminder = self.reminder
        if reminder is None:
            return
        self.error.clear_message()
        if action is ReminderAction.START_LAST:
            self.runner.run(
                self.service.start_last_entry(reminder),
                on_success=lambda _outcome: self._done(action),
                on_error=self._failed,
                busy=list(self.action_buttons.values()),
            )
        elif action is ReminderAction.PICK:
            self._done(action)
            self.pickRequested.emit()
        elif action is ReminderAction.BOOK_GAP:
            self._done(action)
            self.bookGapRequested.emit(reminder.gap_seconds or 0)
        elif action is ReminderAction.STOP_TIMER_AT:
            self.stop_row.setVisible(True)
            self.stop_edit.setFocus()
            self.adjustSize()
        elif action is ReminderAction.SNOOZE:
            self.service.snooze(reminder)
            self._done(action)
        elif action is ReminderAction.NOT_TODAY:
            self.service.not_today(reminder)
            self._done(action)

    def stop_at(self) -> dt.datetime | None:
        """The chosen stop time (aware, in the reminder's zone)."""
        reminder = self.reminder
        if reminder is None:
            return None
        value = self.stop_edit.dateTime()
        day, time = value.date(), value.time()
        chosen = dt.datetime(
            day.year(),
            day.month(),
            day.day(),
            time.hour(),
            time.minute(),
            tzinfo=reminder.due_at.tzinfo,
        )
        # The editor shows whole minutes; the service wants a moment within the timer's run.
        activity = reminder.activity
        started = activity.timer_started_at if activity is not None else None
        if started is not None:
            chosen = max(chosen, started.astimezone(reminder.due_at.tzinfo))
        return min(chosen, self._now(reminder))

    def _now(self, reminder: Reminder) -> dt.datetime:
        now = self._clock() if self._clock is not None else reminder.due_at
        return now.astimezone(reminder.due_at.tzinfo)

    def stop_timer(self) -> None:
        reminder, at = self.reminder, self.stop_at()
        if reminder is None or at is None:
            return
        self.runner.run(
            self.service.stop_timer_at(reminder, at),
            on_success=lambda _reached: self._done(ReminderAction.STOP_TIMER_AT),
            on_error=self._failed,
            busy=[self.stop_button, *self.action_buttons.values()],
        )

    def _done(self, action: ReminderAction) -> None:
        self.reminder = None
        self.hide()
        self.acted.emit(action)

    def _failed(self, error: UserFacingError) -> None:
        self.error.show_message(error.message)
        self.adjustSize()

    def dispose(self) -> None:
        self.reminder = None
        self.runner.cancel_all()
        self.close()
        self.deleteLater()


def _label(activity: Activity) -> str:
    """`Customer / Project / Task – description`, as the tray names entries."""
    parts = [activity.project.name, activity.task.name]
    if activity.customer is not None:
        parts.insert(0, activity.customer.name)
    label = " / ".join(parts)
    description = activity.description.strip()
    return f"{label} – {description}" if description else label


def _qdatetime(moment: dt.datetime) -> QDateTime:
    """A wall-clock QDateTime of `moment` (its own zone), to the minute."""
    return QDateTime(
        QDate(moment.year, moment.month, moment.day), QTime(moment.hour, moment.minute)
    )
