"""Add or edit a time entry: the picker, a duration in the CLI's syntax, description and date.

New entries can also start a timer (today only). The duration field accepts `1:30`, `1,5`,
`90m`, `1h30m`, `9:00-10:30`; parentheses mean not billable; a live hint shows what it reads.
Saving writes locally first and waits briefly for MOCO: if MOCO rejects the entry (422), its
field messages appear beside the fields and the next Save sends the fixed entry; if MOCO is slow
or offline, the dialog closes and the entry shows as pending in the day.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from moco_desktop.core.duration import DurationError, ParsedDuration, parse_duration
from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr
from moco_desktop.services.picker_search import PickerChoice
from moco_desktop.services.timesheet import EntryView
from moco_desktop.services.workspace import ChangeResult
from moco_desktop.ui import formatting
from moco_desktop.ui.field_errors import ACTIVITY_FIELDS, FORM, field_errors
from moco_desktop.ui.icons import app_icon
from moco_desktop.ui.operations import OperationRunner
from moco_desktop.ui.picker import PickerWidget
from moco_desktop.ui.session import Session
from moco_desktop.ui.style import InlineMessage, muted_colour

register(
    {
        "entry.title_new": {"en": "New entry", "de": "Neuer Eintrag"},
        "entry.title_edit": {"en": "Edit entry", "de": "Eintrag bearbeiten"},
        "entry.project_task": {"en": "Project and task", "de": "Projekt und Leistung"},
        "entry.duration": {"en": "Duration", "de": "Dauer"},
        "entry.duration_placeholder": {
            "en": "1:30, 1,5, 90m or 9:00-10:30",
            "de": "1:30, 1,5, 90m oder 9:00-10:30",
        },
        "entry.duration_reads": {"en": "= {duration} h", "de": "= {duration} h"},
        "entry.duration_reads_unbillable": {
            "en": "= {duration} h, not billable",
            "de": "= {duration} h, nicht abrechenbar",
        },
        "entry.duration_running": {
            "en": "The timer is running ({duration} h so far).",
            "de": "Der Timer läuft (bisher {duration} h).",
        },
        "entry.description": {"en": "Description", "de": "Beschreibung"},
        "entry.description_placeholder": {
            "en": "What did you work on?",
            "de": "Woran hast du gearbeitet?",
        },
        "entry.date": {"en": "Date", "de": "Datum"},
        "entry.billable": {"en": "Billable", "de": "Abrechenbar"},
        "entry.save": {"en": "Save", "de": "Speichern"},
        "entry.saving": {"en": "Saving…", "de": "Speichern…"},
        "entry.start_timer": {"en": "Start timer", "de": "Timer starten"},
        "entry.cancel": {"en": "Cancel", "de": "Abbrechen"},
        "entry.discard": {"en": "Discard change", "de": "Änderung verwerfen"},
        "entry.choose": {
            "en": "Choose a project and task from the list.",
            "de": "Bitte ein Projekt und eine Leistung aus der Liste wählen.",
        },
        "entry.rejected": {
            "en": "MOCO did not accept this entry. Fix it and save again, or discard it.",
            "de": "MOCO hat diesen Eintrag nicht angenommen. Korrigieren und erneut speichern "
            "oder verwerfen.",
        },
        "entry.start_today_only": {
            "en": "Timers run on today's entries only.",
            "de": "Timer laufen nur auf Einträgen von heute.",
        },
    }
)

CLOSE_AFTER_MS = 2500  # waiting longer than this for MOCO: close, the entry shows as pending


class EntryDialog(QDialog):
    """Emits `saved(ChangeResult)` once the entry is stored (locally or in MOCO)."""

    saved = Signal(object)

    def __init__(
        self,
        session: Session,
        *,
        date: dt.date,
        entry: EntryView | None = None,
        initial_seconds: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.entry = entry
        self.runner = OperationRunner(self)
        self._parked_change_id: int | None = self._parked_change_of(entry)
        self._billable_touched = False
        self._closing = False
        self.setWindowIcon(app_icon())
        self.setObjectName("entryDialog")
        self.setModal(False)

        self.picker_label = QLabel()
        self.picker = PickerWidget(self, visible_rows=6)
        self.picker_error = InlineMessage()
        self.duration_label = QLabel()
        self.duration_edit = QLineEdit()
        self.duration_edit.setObjectName("duration")
        self.duration_hint = QLabel()
        self.duration_hint.setStyleSheet(f"color: {muted_colour().name()};")
        self.duration_error = InlineMessage()
        self.billable_check = QCheckBox()
        self.billable_check.setObjectName("billable")
        self.description_label = QLabel()
        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("description")
        self.description_error = InlineMessage()
        self.date_label = QLabel()
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("date")
        self.date_edit.setCalendarPopup(True)
        self.date_error = InlineMessage()
        self.form_error = InlineMessage(boxed=True)
        self.form_error.setObjectName("formError")
        self.save_button = QPushButton()
        self.save_button.setObjectName("save")
        self.save_button.setDefault(True)
        self.start_button = QPushButton()
        self.start_button.setObjectName("startTimer")
        self.discard_button = QPushButton()
        self.discard_button.setObjectName("discard")
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("cancel")
        self.picker_label.setBuddy(self.picker.search_edit)
        self.duration_label.setBuddy(self.duration_edit)
        self.description_label.setBuddy(self.description_edit)
        self.date_label.setBuddy(self.date_edit)

        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        grid.setHorizontalSpacing(12)
        grid.addWidget(self.duration_label, 0, 0)
        grid.addWidget(self.date_label, 0, 1)
        grid.addWidget(self.duration_edit, 1, 0)
        grid.addWidget(self.date_edit, 1, 1)
        grid.addWidget(self.duration_hint, 2, 0)
        grid.addWidget(self.billable_check, 2, 1)
        grid.addWidget(self.duration_error, 3, 0)
        grid.addWidget(self.date_error, 3, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 1)

        buttons = QHBoxLayout()
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.picker_label)
        layout.addWidget(self.picker, 1)
        layout.addWidget(self.picker_error)
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addSpacing(6)
        layout.addWidget(self.description_label)
        layout.addWidget(self.description_edit)
        layout.addWidget(self.description_error)
        layout.addSpacing(6)
        layout.addWidget(self.form_error)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)

        self.picker.set_index(session.picker_index())
        self.finished.connect(lambda _result: session.picker_closed())
        self.picker.currentChanged.connect(self._choice_changed)
        self.picker.chosen.connect(lambda _choice: self.duration_edit.setFocus())
        self.duration_edit.textChanged.connect(self._duration_changed)
        self.duration_edit.editingFinished.connect(self._duration_finished)
        self.duration_edit.returnPressed.connect(self.save)
        self.description_edit.returnPressed.connect(self.save)
        self.billable_check.clicked.connect(self._billable_clicked)
        self.date_edit.dateChanged.connect(lambda _date: self._update_buttons())
        self.save_button.clicked.connect(self.save)
        self.start_button.clicked.connect(self.start_timer)
        self.discard_button.clicked.connect(self.discard)
        self.cancel_button.clicked.connect(self.reject)

        self.date_edit.setDate(formatting.to_qdate(date))
        if entry is not None:
            self._fill_from(entry)
        else:
            if initial_seconds:
                self.duration_edit.setText(formatting.hours(initial_seconds))
            self._choice_changed(self.picker.current_choice())
        self.retranslate()
        self.picker.setFocus()

    # --- setup --------------------------------------------------------------------------------

    def _parked_change_of(self, entry: EntryView | None) -> int | None:
        if entry is None or not entry.parked:
            return None
        parked = {change.id for change in self.session.workspace.parked_changes()}
        return next((cid for cid in entry.change_ids if cid in parked), None)

    def _fill_from(self, entry: EntryView) -> None:
        activity = entry.activity
        self.picker.set_query("")
        if not self.picker.select(activity.project.id, activity.task.id):
            self.picker.set_query(activity.project.name)
        self.description_edit.setText(activity.description)
        self.billable_check.setChecked(activity.billable)
        if entry.is_running:
            self.duration_edit.setEnabled(False)
        else:
            self.duration_edit.setText(formatting.hours(activity.seconds))
        if entry.parked and entry.problem:
            self.show_problem(entry.problem)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("entry.title_edit") if self.entry else tr("entry.title_new"))
        self.picker_label.setText(tr("entry.project_task"))
        self.picker.retranslate()
        self.duration_label.setText(tr("entry.duration"))
        self.duration_edit.setPlaceholderText(tr("entry.duration_placeholder"))
        self.duration_edit.setAccessibleName(tr("entry.duration"))
        self.billable_check.setText(tr("entry.billable"))
        self.description_label.setText(tr("entry.description"))
        self.description_edit.setPlaceholderText(tr("entry.description_placeholder"))
        self.description_edit.setAccessibleName(tr("entry.description"))
        self.date_label.setText(tr("entry.date"))
        self.date_edit.setAccessibleName(tr("entry.date"))
        self.date_edit.setDisplayFormat(
            formatting.app_locale().dateFormat(formatting.app_locale().FormatType.ShortFormat)
        )
        self.date_edit.setLocale(formatting.app_locale())
        self.save_button.setText(tr("entry.saving") if self.runner.busy else tr("entry.save"))
        self.start_button.setText(tr("entry.start_timer"))
        self.discard_button.setText(tr("entry.discard"))
        self.cancel_button.setText(tr("entry.cancel"))
        self._duration_changed(self.duration_edit.text())
        self._update_buttons()

    def _update_buttons(self) -> None:
        is_today = self.selected_date() == self.session.today()
        self.start_button.setVisible(self.entry is None and is_today)
        self.discard_button.setVisible(self._parked_change_id is not None)
        if self.entry is not None and self.entry.is_running:
            running = formatting.hours(self.entry.elapsed_seconds(self.session.now()))
            self.duration_hint.setText(tr("entry.duration_running", duration=running))

    # --- live feedback ------------------------------------------------------------------------

    def selected_date(self) -> dt.date:
        return formatting.from_qdate(self.date_edit.date())

    def _choice_changed(self, choice: PickerChoice | None) -> None:
        if choice is not None:
            self.picker_error.clear_message()
            if not self._billable_touched and (self.entry is None or self._choice_differs(choice)):
                self.billable_check.setChecked(choice.project.billable and choice.task.billable)

    def _choice_differs(self, choice: PickerChoice) -> bool:
        assert self.entry is not None
        activity = self.entry.activity
        return choice.key != (activity.project.id, activity.task.id)

    def _billable_clicked(self) -> None:
        self._billable_touched = True

    def _parse(self) -> ParsedDuration:
        now = self.session.workspace.local_now()
        is_today = self.selected_date() == now.date()
        return parse_duration(self.duration_edit.text(), now=now.time() if is_today else None)

    def _duration_changed(self, text: str) -> None:
        self.duration_error.clear_message()
        if self.entry is not None and self.entry.is_running:
            return
        if not text.strip():
            self.duration_hint.setText("")
            return
        try:
            parsed = self._parse()
        except DurationError:
            self.duration_hint.setText("")
            return
        key = (
            "entry.duration_reads_unbillable"
            if parsed.billable is False
            else "entry.duration_reads"
        )
        self.duration_hint.setText(tr(key, duration=formatting.hours(parsed.seconds)))
        if parsed.billable is False:
            self.billable_check.setChecked(False)

    def _duration_finished(self) -> None:
        if self.duration_edit.text().strip() and self.duration_edit.isEnabled():
            try:
                self._parse()
            except DurationError as error:
                self.duration_error.show_message(error.message)

    # --- saving -------------------------------------------------------------------------------

    def clear_errors(self) -> None:
        for message in (
            self.picker_error,
            self.duration_error,
            self.description_error,
            self.date_error,
            self.form_error,
        ):
            message.clear_message()

    def save(self) -> None:
        if self.runner.busy:
            return
        self.clear_errors()
        choice = self.picker.current_choice()
        if choice is None:
            self.picker_error.show_message(tr("entry.choose"))
            self.picker.setFocus()
            return
        fields: dict[str, Any] = {
            "date": self.selected_date(),
            "project_id": choice.project.id,
            "task_id": choice.task.id,
            "description": self.description_edit.text().strip(),
        }
        if self.duration_edit.isEnabled():
            try:
                parsed = self._parse()
            except DurationError as error:
                self.duration_error.show_message(error.message)
                self.duration_edit.setFocus()
                return
            fields["seconds"] = parsed.seconds
        fields["billable"] = self.billable_check.isChecked()
        self._send(self._write_for(fields))

    def _write_for(self, fields: dict[str, Any]) -> Any:
        workspace = self.session.workspace
        if self._parked_change_id is not None:
            return workspace.retry_parked(self._parked_change_id, **fields)
        if self.entry is None:
            return workspace.log_activity(
                fields["date"],
                fields["project_id"],
                fields["task_id"],
                fields["seconds"],
                fields["description"],
                fields["billable"],
            )
        activity = self.entry.activity
        current = {
            "date": activity.date,
            "project_id": activity.project.id,
            "task_id": activity.task.id,
            "description": activity.description.strip(),
            "seconds": activity.seconds,
            "billable": activity.billable,
        }
        changes = {name: value for name, value in fields.items() if current.get(name) != value}
        if not changes:
            return None
        return workspace.update_activity(activity.id, **changes)

    def start_timer(self) -> None:
        if self.runner.busy:
            return
        self.clear_errors()
        choice = self.picker.current_choice()
        if choice is None:
            self.picker_error.show_message(tr("entry.choose"))
            self.picker.setFocus()
            return
        if self.selected_date() != self.session.today():
            self.date_error.show_message(tr("entry.start_today_only"))
            return
        billable = self.billable_check.isChecked() if self._billable_touched else None
        self._send(
            self.session.start_timer(
                choice.project.id,
                choice.task.id,
                self.description_edit.text().strip(),
                billable=billable,
            )
        )

    def _send(self, work: Any) -> None:
        if work is None:
            self.accept()
            return
        self.save_button.setText(tr("entry.saving"))
        task = self.runner.run(
            work,
            on_success=self._saved,
            on_error=self.show_error,
            busy=[self.save_button, self.start_button, self.discard_button],
        )
        QTimer.singleShot(CLOSE_AFTER_MS, lambda: self._close_if_still_waiting(task))

    def _close_if_still_waiting(self, task: asyncio.Task[None]) -> None:
        if not task.done() and not self._closing and self.isVisible():
            self._closing = True
            self.accept()

    def _saved(self, result: ChangeResult) -> None:
        self.save_button.setText(tr("entry.save"))
        if result.parked_message and not self._closing:
            parked = [cid for cid in result.change_ids if self.session.workspace.outbox.get(cid)]
            self._parked_change_id = parked[0] if parked else self._parked_change_id
            self.show_problem(result.parked_message)
            self._update_buttons()
            return
        self.saved.emit(result)
        if not self._closing:
            self._closing = True
            self.accept()

    def show_problem(self, message: str) -> None:
        """MOCO rejected the entry: its messages beside the fields, a summary above."""
        self.show_error(message)
        if not self.form_error.text():
            self.form_error.show_message(tr("entry.rejected"))

    def show_error(self, error: UserFacingError | str) -> None:
        self.save_button.setText(tr("entry.save"))
        targets = {
            "picker": self.picker_error,
            "duration": self.duration_error,
            "date": self.date_error,
            "description": self.description_error,
            FORM: self.form_error,
        }
        for field, texts in field_errors(error, ACTIVITY_FIELDS).items():
            targets.get(field, self.form_error).show_message("\n".join(texts))

    def discard(self) -> None:
        change_id = self._parked_change_id
        if change_id is None:
            return
        self.runner.run(
            self.session.workspace.discard_parked(change_id),
            on_success=lambda _none: self.accept(),
            on_error=self.show_error,
        )

    def done(self, result: int) -> None:
        self._closing = True
        super().done(result)
