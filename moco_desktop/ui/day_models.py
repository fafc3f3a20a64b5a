"""The item model of the day's entries, and the week strip's day cells.

The entries model shows an `EntryView` per row: timer button, "customer / project / task",
description, duration (the running one ticking by the minute), billable mark and sync state.
Rows are replaced as a whole when another day is shown; showing the same entries again updates
the changed rows in place, and the running row updates its duration cell only, so a tick
repaints one cell. Texts are worked out when the rows change, not on every paint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from moco_desktop.core.i18n import register, tr
from moco_desktop.services.timesheet import DaySummary, DayView, EntryView
from moco_desktop.ui import formatting
from moco_desktop.ui.style import Tone, muted_colour, running_colour, tone_colours
from moco_desktop.ui.widgets import draw_item_frame

register(
    {
        "day.column.timer": {"en": "Timer", "de": "Timer"},
        "day.column.project": {
            "en": "Customer / project / task",
            "de": "Kunde / Projekt / Leistung",
        },
        "day.column.description": {"en": "Description", "de": "Beschreibung"},
        "day.column.duration": {"en": "Hours", "de": "Stunden"},
        "day.column.billable": {"en": "Billable", "de": "Abrechenbar"},
        "day.column.state": {"en": "Status", "de": "Status"},
        "day.billable_mark": {"en": "billable", "de": "abrechenbar"},
        "day.not_billable": {"en": "not billable", "de": "nicht abrechenbar"},
        "day.start": {
            "en": "Continue this entry's timer",
            "de": "Timer dieses Eintrags fortsetzen",
        },
        "day.start_new": {
            "en": "Start a timer today with this project, task and description",
            "de": "Heute einen Timer mit diesem Projekt, dieser Leistung und Beschreibung starten",
        },
        "day.stop": {"en": "Stop the timer", "de": "Timer stoppen"},
        "day.state.pending": {"en": "not in MOCO yet", "de": "noch nicht in MOCO"},
        "day.state.parked": {"en": "rejected by MOCO", "de": "von MOCO abgelehnt"},
        "day.state.running": {"en": "running", "de": "läuft"},
        "day.locked": {"en": "billed or locked in MOCO", "de": "in MOCO abgerechnet/gesperrt"},
        "week.cell_tooltip": {
            "en": "{day}: booked {booked} h ({decimal}) of {target} h, present {present} h",
            "de": "{day}: {booked} h ({decimal}) von {target} h gebucht, {present} h anwesend",
        },
    }
)

EntryRole = Qt.ItemDataRole.UserRole + 1
TIMER, PROJECT, DESCRIPTION, DURATION, BILLABLE, STATE = range(6)
COLUMN_KEYS = (
    "day.column.timer",
    "day.column.project",
    "day.column.description",
    "day.column.duration",
    "day.column.billable",
    "day.column.state",
)
PLAY, STOP, PENDING, PARKED = "▶", "■", "⟳", "⚠"


class EntriesModel(QAbstractTableModel):
    """The entries of one day.

    A busy day is a few hundred rows and the view asks `data()` about seven roles of every
    visible cell on each paint (and of every row of the duration column to size it), so the
    texts are worked out once per change (`set_day`, `tick`) and `data()` is a lookup. Showing
    the same entries again (a refresh that changed one) updates the changed rows in place:
    scroll position and selection stay, and nothing is measured again.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[EntryView] = []
        self._texts: list[list[str]] = []
        self._rows: dict[int, int] = {}
        self._now = dt.datetime.now(dt.UTC)
        self._today = dt.date.today()
        self._muted = QBrush(muted_colour())
        self._running = QBrush(running_colour())
        self._error = QBrush(tone_colours("error")[0])
        self._bold = QFont()
        self._bold.setBold(True)
        self._roles: dict[int, Callable[[EntryView, int, int], object]] = {
            Qt.ItemDataRole.DisplayRole: self._display_at,
            EntryRole: lambda entry, _row, _column: entry,
            Qt.ItemDataRole.ToolTipRole: lambda entry, _row, column: self._tooltip(entry, column),
            Qt.ItemDataRole.AccessibleTextRole: self._accessible,
            Qt.ItemDataRole.TextAlignmentRole: _alignment,
            Qt.ItemDataRole.ForegroundRole: self._foreground,
            Qt.ItemDataRole.FontRole: self._font,
        }

    def set_day(self, day: DayView, today: dt.date) -> None:
        entries = list(day.entries)
        self._now, self._today = day.now, today
        self._muted = QBrush(muted_colour())  # the palette may have changed (dark mode)
        self._running = QBrush(running_colour())
        self._error = QBrush(tone_colours("error")[0])
        if [e.id for e in entries] == [e.id for e in self._entries]:
            changed = [row for row, entry in enumerate(entries) if entry != self._entries[row]]
            self._entries = entries
            for row in changed:
                self._texts[row] = self._row_texts(entries[row])
            if changed:
                last = self.columnCount() - 1
                self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), last))
            return
        self.beginResetModel()
        self._entries = entries
        self._texts = [self._row_texts(entry) for entry in entries]
        self._rows = {entry.id: row for row, entry in enumerate(entries)}
        self.endResetModel()

    def tick(self, now: dt.datetime) -> None:
        """Repaint the running row's duration (once a minute)."""
        self._now = now
        for row, entry in enumerate(self._entries):
            if entry.is_running:
                self._texts[row][DURATION] = self._display(entry, DURATION)
                index = self.index(row, DURATION)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])

    def widest_duration_rows(self) -> list[int]:
        """The rows that decide the hours column's width: one per distinct longest text (digits
        are equally wide) and every running row (shown bold)."""
        texts = [row_texts[DURATION] for row_texts in self._texts]
        longest = max(map(len, texts), default=0)
        rows: dict[str, int] = {}
        for row, text in enumerate(texts):
            if len(text) == longest:
                rows.setdefault(text, row)
        running = [row for row, entry in enumerate(self._entries) if entry.is_running]
        return sorted({*rows.values(), *running})

    def entry(self, row: int) -> EntryView | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def entries(self) -> list[EntryView]:
        return list(self._entries)

    def row_of(self, activity_id: int) -> int | None:
        return self._rows.get(activity_id)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMN_KEYS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if section in (TIMER, BILLABLE, STATE) else tr(COLUMN_KEYS[section])
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return tr(COLUMN_KEYS[section])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        answer = self._roles.get(role)
        row = index.row()
        if answer is None or not 0 <= row < len(self._entries):
            return None  # most roles a view asks about: nothing to say
        return answer(self._entries[row], row, index.column())

    def _display_at(self, _entry: EntryView, row: int, column: int) -> str:
        return self._texts[row][column]

    def _accessible(self, entry: EntryView, row: int, column: int) -> str:
        return self._tooltip(entry, column) or self._texts[row][column]

    def _foreground(self, entry: EntryView, _row: int, column: int) -> QBrush | None:
        if entry.parked and column == STATE:
            return self._error
        if entry.is_running and column in (TIMER, DURATION, PROJECT):
            return self._running
        if column in (BILLABLE, STATE) or (
            column == DESCRIPTION and not entry.activity.description
        ):
            return self._muted
        return None

    def _font(self, entry: EntryView, _row: int, column: int) -> QFont | None:
        return self._bold if entry.is_running and column == DURATION else None

    def _row_texts(self, entry: EntryView) -> list[str]:
        return [self._display(entry, column) for column in range(len(COLUMN_KEYS))]

    def _display(self, entry: EntryView, column: int) -> str:
        activity = entry.activity
        if column == TIMER:
            return STOP if entry.is_running else PLAY
        if column == PROJECT:
            parts = [activity.project.name, activity.task.name]
            if activity.customer is not None:
                parts.insert(0, activity.customer.name)
            return " / ".join(parts)
        if column == DESCRIPTION:
            return activity.description
        if column == DURATION:
            return formatting.hours(entry.elapsed_seconds(self._now))
        if column == BILLABLE:
            return "€" if activity.billable else ""
        if column == STATE:
            if entry.parked:
                return PARKED
            if entry.pending:
                return PENDING
            return ""
        return ""

    def _tooltip(self, entry: EntryView, column: int) -> str:
        activity = entry.activity
        if column == TIMER:
            if entry.is_running:
                return tr("day.stop")
            return tr("day.start") if activity.date == self._today else tr("day.start_new")
        if column == PROJECT:
            return self._display(entry, PROJECT)
        if column == BILLABLE:
            return tr("day.billable_mark") if activity.billable else tr("day.not_billable")
        if column == STATE:
            if entry.parked:
                return f"{tr('day.state.parked')}: {entry.problem or ''}".strip()
            if entry.pending:
                return tr("day.state.pending")
            if activity.locked or activity.billed:
                return tr("day.locked")
            return ""
        if column == DESCRIPTION:
            return activity.description
        return ""


def _alignment(_entry: EntryView, _row: int, column: int) -> int | None:
    if column == DURATION:
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if column in (TIMER, BILLABLE, STATE):
        return int(Qt.AlignmentFlag.AlignCenter)
    return None


class ProjectDelegate(QStyledItemDelegate):
    """The project column in two lines: "Project · Task" and the customer below, muted."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        entry = index.data(EntryRole)
        if not isinstance(entry, EntryView):
            super().paint(painter, option, index)
            return
        opt = draw_item_frame(self, painter, option, index)
        activity = entry.activity
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        colour = palette.highlightedText().color() if selected else palette.text().color()
        if entry.is_running and not selected:
            colour = running_colour()
        rect = opt.rect.adjusted(6, 3, -6, -3)
        metrics = QFontMetrics(opt.font)
        line = metrics.height()
        first = f"{activity.project.name} · {activity.task.name}"
        second = activity.customer.name if activity.customer is not None else ""
        painter.save()
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(colour)
        top = rect.top() + max(0, (rect.height() - 2 * line) // 2)
        painter.drawText(
            QRect(rect.left(), top, rect.width(), line),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(bold).elidedText(first, Qt.TextElideMode.ElideRight, rect.width()),
        )
        painter.setFont(opt.font)
        painter.setPen(colour if selected else muted_colour())
        painter.drawText(
            QRect(rect.left(), top + line, rect.width(), line),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            metrics.elidedText(second, Qt.TextElideMode.ElideRight, rect.width()),
        )
        painter.restore()

    def sizeHint(  # noqa: N802
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(240, metrics.height() * 2 + 8)


class DayCell(QAbstractButton):
    """One day of the week strip: weekday and date, booked of target, and the gap."""

    picked = Signal(object)  # dt.date

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.date = dt.date(2000, 1, 1)
        self.booked = 0
        self.target = 0
        self.present = 0
        self.is_today = False
        self.is_future = False
        self.pending = False
        self.absence = ""
        self.clicked.connect(lambda: self.picked.emit(self.date))

    def set_day(self, day: DaySummary, *, today: dt.date) -> None:
        self.date = day.date
        self.booked = day.booked_seconds
        self.target = day.target_seconds
        self.present = day.presence_seconds
        self.is_today = day.date == today
        self.is_future = day.date > today
        self.pending = day.pending
        absences = [
            schedule.comment or schedule.assignment.name
            for schedule in day.schedules
            if schedule.assignment.type.casefold() == "absence"
        ]
        self.absence = ", ".join(dict.fromkeys(a for a in absences if a))
        label = f"{formatting.weekday_short(day.date)} {formatting.day_and_month(day.date)}"
        tooltip = tr(
            "week.cell_tooltip",
            day=formatting.long_date(day.date),
            booked=formatting.hours(self.booked),
            decimal=formatting.decimal_hours(self.booked),
            target=formatting.hours(self.target),
            present=formatting.hours(self.present),
        )
        if self.absence:
            tooltip += f"\n{self.absence}"
        self.setText(label)
        self.setToolTip(tooltip)
        self.setAccessibleName(tooltip)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        metrics = QFontMetrics(self.font())
        return QSize(metrics.horizontalAdvance("Wed 30/12") + 16, metrics.height() * 3 + 14)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        metrics = QFontMetrics(self.font())
        return QSize(metrics.horizontalAdvance("0:00/0:00") + 8, metrics.height() * 3 + 14)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        rect = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        if self.isChecked():
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.setPen(Qt.PenStyle.NoPen)
        else:
            painter.setBrush(palette.color(QPalette.ColorRole.Base))
            pen_colour = (
                running_colour() if self.is_today else palette.color(QPalette.ColorRole.Mid)
            )
            painter.setPen(pen_colour)
        painter.drawRoundedRect(rect, 5, 5)
        if self.hasFocus():
            painter.setPen(palette.color(QPalette.ColorRole.Highlight).darker(130))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 4, 4)

        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if self.isChecked() else QPalette.ColorRole.Text
        )
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        inner = self.rect().adjusted(4, 5, -4, -5)
        bold = QFont(self.font())
        bold.setBold(self.is_today)
        painter.setFont(bold)
        painter.setPen(text_colour)
        painter.drawText(
            QRect(inner.left(), inner.top(), inner.width(), line),
            Qt.AlignmentFlag.AlignCenter,
            QFontMetrics(bold).elidedText(self.text(), Qt.TextElideMode.ElideRight, inner.width()),
        )
        painter.setFont(self.font())
        totals = f"{formatting.hours(self.booked)}/{formatting.hours(self.target)}"
        if self.pending:
            totals += " " + PENDING
        painter.drawText(
            QRect(inner.left(), inner.top() + line + 2, inner.width(), line),
            Qt.AlignmentFlag.AlignCenter,
            metrics.elidedText(totals, Qt.TextElideMode.ElideRight, inner.width()),
        )
        gap = self.booked - self.target
        third = QRect(inner.left(), inner.top() + 2 * line + 4, inner.width(), line)
        if self.absence and not self.booked:
            # A holiday, sick day or public holiday: its name says more than "+0:00".
            painter.setPen(text_colour if self.isChecked() else muted_colour())
            painter.drawText(
                third,
                Qt.AlignmentFlag.AlignCenter,
                metrics.elidedText(self.absence, Qt.TextElideMode.ElideRight, inner.width()),
            )
        # The balance of a day still to come means nothing yet; today's is still running.
        elif (self.target or self.booked) and not (self.is_future and not self.booked):
            tone: Tone
            if gap >= 0:
                gap_text, tone = f"+{formatting.hours(gap)}", "success"
            else:
                gap_text, tone = formatting.hours(gap), "warning" if self.is_today else "error"
            painter.setPen(text_colour if self.isChecked() else tone_colours(tone)[0])
            painter.drawText(third, Qt.AlignmentFlag.AlignCenter, gap_text)
        painter.end()
