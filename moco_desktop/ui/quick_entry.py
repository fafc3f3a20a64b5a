"""The quick-entry line: one line of text, a live preview of what it books, Enter books it.

    2h P0007 Entwicklung Schnittstelle #api
    9:00-10:30 website konzept: Workshop
    P0007 Entwicklung: Review                  (no duration: starts a timer)

`QuickEntryField` is the line with its preview underneath (in the timesheet window, where lines
without a date book on the day shown); `QuickEntryWindow` is the small window the tray's
"Quick entry…" opens. Parsing is `services.quick_entry` (offline, against the cached projects);
problems and ambiguous names show under the line while typing, and Enter only books a line
that is complete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr
from moco_desktop.ui import formatting
from moco_desktop.ui.icons import app_icon
from moco_desktop.ui.operations import OperationRunner
from moco_desktop.ui.session import Session
from moco_desktop.ui.style import InlineMessage, muted_colour

if TYPE_CHECKING:
    # The parser and its service load with the first keystroke, not with the window.
    from moco_desktop.core.quick_entry import QuickEntryPreview
    from moco_desktop.services.quick_entry import QuickEntryResult, QuickEntryService

ServiceSource = Callable[[], "QuickEntryService"]

register(
    {
        "quick_line.placeholder": {
            "en": "Quick entry: 2h P0007 Development: Interface #api",
            "de": "Schnelleintrag: 2h P0007 Entwicklung: Schnittstelle #api",
        },
        "quick_line.accessible": {"en": "Quick entry", "de": "Schnelleintrag"},
        "quick_line.preview": {"en": "Enter books: {summary}", "de": "Enter bucht: {summary}"},
        "quick_line.preview_start": {
            "en": "Enter starts a timer: {summary}",
            "de": "Enter startet einen Timer: {summary}",
        },
        "quick_line.preview_incomplete": {
            "en": "Not complete yet: {summary}",
            "de": "Noch nicht vollständig: {summary}",
        },
        "quick_line.from_last": {"en": "(as your last entry)", "de": "(wie dein letzter Eintrag)"},
        "quick_line.booked": {"en": "Booked: {summary}", "de": "Gebucht: {summary}"},
        "quick_line.started": {
            "en": "Timer started: {summary}",
            "de": "Timer gestartet: {summary}",
        },
        "quick_line.window_title": {
            "en": "MOCO Desktop – Quick entry",
            "de": "MOCO Desktop – Schnelleintrag",
        },
        "quick_line.window_heading": {
            "en": "What did you work on?",
            "de": "Woran hast du gearbeitet?",
        },
    }
)

PREVIEW_DELAY_MS = 60  # a fast typist's keystrokes are previewed once, not once per letter


class QuickEntryField(QWidget):
    """The line and its preview. Emits `booked(QuickEntryResult)` after Enter booked it."""

    booked = Signal(object)  # QuickEntryResult

    def __init__(
        self,
        session: Session,
        service: QuickEntryService | ServiceSource,
        *,
        default_date: Callable[[], dt.date] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`service`: the quick-entry service, or a function making it when first needed."""
        super().__init__(parent)
        self.session = session
        self._service = service
        self._default_date = default_date
        self.runner = OperationRunner(self)
        self.preview: QuickEntryPreview | None = None

        self.edit = QLineEdit()
        self.edit.setObjectName("quickEntry")
        # perf: the clear button's icon is looked up in the icon theme (~4 ms); it only shows
        # with text in the field, so it is enabled with the first keystroke.
        self.preview_label = QLabel()
        self.preview_label.setObjectName("quickPreview")
        self.preview_label.setTextFormat(Qt.TextFormat.PlainText)
        self.preview_label.setWordWrap(True)
        self.preview_label.setStyleSheet(f"color: {muted_colour().name()};")
        self.preview_label.setVisible(False)
        self.problem = InlineMessage()
        self.problem.setObjectName("quickProblem")
        self.confirmation = InlineMessage("success")
        self.confirmation.setObjectName("quickConfirmation")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.problem)
        layout.addWidget(self.confirmation)
        self.setFocusProxy(self.edit)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self.edit.textChanged.connect(self._text_changed)
        self.edit.returnPressed.connect(self.submit)
        self.retranslate()

    @property
    def service(self) -> QuickEntryService:
        if callable(self._service):
            self._service = self._service()
        return self._service

    def retranslate(self) -> None:
        self.edit.setPlaceholderText(tr("quick_line.placeholder"))
        self.edit.setAccessibleName(tr("quick_line.accessible"))
        if self.edit.text().strip():
            self.update_preview()

    # --- preview ------------------------------------------------------------------------------

    def set_text(self, text: str) -> None:
        """Type `text` into the line and preview it at once (tests, screenshots)."""
        self.edit.setText(text)
        self.update_preview()

    def _text_changed(self, _text: str) -> None:
        if not self.edit.isClearButtonEnabled():
            self.edit.setClearButtonEnabled(True)
        self.confirmation.clear_message()
        self._preview_timer.start()

    def _date(self) -> dt.date | None:
        return self._default_date() if self._default_date is not None else None

    def update_preview(self) -> QuickEntryPreview | None:
        """Parse the line now and show what Enter would book (or what is missing)."""
        self._preview_timer.stop()
        text = self.edit.text()
        if not text.strip():
            self.preview = None
            self.preview_label.setVisible(False)
            self.problem.clear_message()
            return None
        preview = self.service.preview(text, default_date=self._date())
        self.preview = preview
        summary = self._summary(preview)
        if summary:
            if not preview.ready:
                key = "quick_line.preview_incomplete"  # Enter would not book it
            elif preview.action == "start":
                key = "quick_line.preview_start"
            else:
                key = "quick_line.preview"
            self.preview_label.setText(tr(key, summary=summary))
        self.preview_label.setVisible(bool(summary))
        if preview.problems:
            self.problem.show_message("\n".join(p.message for p in preview.problems))
        else:
            self.problem.clear_message()
        return preview

    def _summary(self, preview: QuickEntryPreview) -> str:
        summary = preview.summary()
        if not summary:
            return ""
        if preview.action == "log" and preview.date != self.session.today():
            day = preview.date
            summary = f"{formatting.weekday_short(day)} {formatting.day_and_month(day)} · {summary}"
        if preview.project_from_fallback:
            summary += " " + tr("quick_line.from_last")
        return summary

    # --- Enter --------------------------------------------------------------------------------

    def submit(self) -> None:
        """Book the line if it is complete; otherwise its problems stay in view."""
        if self.runner.busy:
            return
        preview = self.update_preview()
        if preview is None or not preview.ready:
            self.edit.setFocus()
            return
        self.runner.run(
            self._book(self.edit.text(), preview),
            on_success=self._booked,
            on_error=self._failed,
            busy=[self.edit],
        )

    async def _book(self, text: str, preview: QuickEntryPreview) -> QuickEntryResult:
        if preview.action == "start":
            await self.session.stop_before_switch()
        return await self.service.submit(text, default_date=self._date())

    def _booked(self, result: QuickEntryResult) -> None:
        self.edit.clear()
        self.preview_label.setVisible(False)
        self.problem.clear_message()
        key = "quick_line.started" if result.preview.action == "start" else "quick_line.booked"
        self.confirmation.show_message(tr(key, summary=self._summary(result.preview)))
        self.edit.setFocus()
        self.booked.emit(result)

    def _failed(self, error: UserFacingError) -> None:
        self.problem.show_message(error.message)
        self.edit.setFocus()


class QuickEntryWindow(QDialog):
    """The tray's "Quick entry…": the line alone in a small window; it closes once booked."""

    def __init__(
        self,
        session: Session,
        service: QuickEntryService | ServiceSource,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("quickEntryWindow")
        self.setWindowIcon(app_icon())
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.heading = QLabel()
        font = QFont(self.heading.font())
        font.setBold(True)
        self.heading.setFont(font)
        self.field = QuickEntryField(session, service, parent=self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(self.field)
        layout.addStretch(1)
        self.setMinimumWidth(560)
        self.field.booked.connect(lambda _result: self._booked())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self, self.close)
        self.retranslate()
        self.field.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(tr("quick_line.window_title"))
        self.heading.setText(tr("quick_line.window_heading"))
        self.field.retranslate()

    def _booked(self) -> None:
        # The confirmation shows in the timesheet and the tray; this window's job is done.
        self.field.confirmation.clear_message()
        self.accept()
