"""The "Welcome back" window: what to do with the time away while a timer ran.

One small window, never a pile of them: a new or extended absence updates the open window. Its
four answers are `IdleWatch`'s: keep the time, discard it and stop, discard it and continue, or
book it as a new entry (the project/task picker opens in place). Closing the window keeps the
time. If the timer was stopped or switched elsewhere meanwhile, the window says so and changes
nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr
from moco_desktop.services.idle_watch import (
    IdleBooking,
    IdleChoice,
    IdleOutcome,
    IdlePrompt,
    IdleWatch,
    TimerChangedError,
)
from moco_desktop.ui.icons import app_icon
from moco_desktop.ui.operations import OperationRunner
from moco_desktop.ui.picker import PickerWidget
from moco_desktop.ui.session import Session
from moco_desktop.ui.style import InlineMessage

register(
    {
        "idle_prompt.window_title": {
            "en": "MOCO Desktop – Time away",
            "de": "MOCO Desktop – Abwesenheit",
        },
        "idle_prompt.book_heading": {
            "en": "Book the time away on:",
            "de": "Die Abwesenheit buchen auf:",
        },
        "idle_prompt.description": {
            "en": "What were you doing? (optional)",
            "de": "Was hast du gemacht? (optional)",
        },
        "idle_prompt.continue_timer": {
            "en": "Let the timer continue afterwards",
            "de": "Den Timer danach weiterlaufen lassen",
        },
        "idle_prompt.book": {"en": "Book", "de": "Buchen"},
        "idle_prompt.back": {"en": "Back", "de": "Zurück"},
        "idle_prompt.close": {"en": "Close", "de": "Schließen"},
        "idle_prompt.choose": {
            "en": "Choose a project and task from the list.",
            "de": "Bitte ein Projekt und eine Leistung aus der Liste wählen.",
        },
    }
)


class IdlePromptDialog(QDialog):
    """Asks about one `IdlePrompt`; emits `answered(IdleOutcome)` once it is carried out."""

    answered = Signal(object)  # IdleOutcome

    def __init__(self, session: Session, watch: IdleWatch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.watch = watch
        self.prompt: IdlePrompt | None = None
        self.runner = OperationRunner(self)
        self._answering = False
        self.setObjectName("idlePrompt")
        self.setWindowIcon(app_icon())
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)

        self.heading = QLabel()
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.message = QLabel()
        self.message.setObjectName("idleMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)

        self.choice_buttons: dict[IdleChoice, QPushButton] = {}
        choices = QVBoxLayout()
        choices.setSpacing(6)
        for choice in IdleChoice:
            button = QPushButton()
            button.setObjectName(f"choice_{choice.value}")
            button.clicked.connect(lambda _=False, c=choice: self.choose(c))
            choices.addWidget(button)
            self.choice_buttons[choice] = button
        self.choice_buttons[IdleChoice.KEEP].setDefault(True)

        self.booking = QWidget()
        self.booking.setObjectName("idleBooking")
        self.book_heading = QLabel()
        self.picker = PickerWidget(self.booking, visible_rows=5)
        self.picker_error = InlineMessage()
        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("idleDescription")
        self.continue_check = QCheckBox()
        self.continue_check.setObjectName("continueTimer")
        self.continue_check.setChecked(True)
        self.back_button = QPushButton()
        self.back_button.setObjectName("back")
        self.book_button = QPushButton()
        self.book_button.setObjectName("book")
        booking_buttons = QHBoxLayout()
        booking_buttons.addWidget(self.back_button)
        booking_buttons.addStretch(1)
        booking_buttons.addWidget(self.book_button)
        booking_layout = QVBoxLayout(self.booking)
        booking_layout.setContentsMargins(0, 0, 0, 0)
        booking_layout.addWidget(self.book_heading)
        booking_layout.addWidget(self.picker, 1)
        booking_layout.addWidget(self.picker_error)
        booking_layout.addWidget(self.description_edit)
        booking_layout.addWidget(self.continue_check)
        booking_layout.addLayout(booking_buttons)
        self.booking.setVisible(False)

        self.error = InlineMessage(boxed=True)
        self.error.setObjectName("idleError")
        self.close_button = QPushButton()
        self.close_button.setObjectName("close")
        self.close_button.setVisible(False)
        close_row = QHBoxLayout()
        close_row.addStretch(1)
        close_row.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(10)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addLayout(choices)
        layout.addWidget(self.booking, 1)
        layout.addWidget(self.error)
        layout.addLayout(close_row)
        self.setMinimumWidth(500)

        self.back_button.clicked.connect(lambda: self._show_booking(False))
        self.book_button.clicked.connect(self.book)
        self.description_edit.returnPressed.connect(self.book)
        self.picker.chosen.connect(lambda _choice: self.description_edit.setFocus())
        self.close_button.clicked.connect(self.hide)
        self.retranslate()

    # --- texts --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(tr("idle_prompt.window_title"))
        for choice, button in self.choice_buttons.items():
            button.setText(choice.label)
            button.setAccessibleName(choice.label)
        self.book_heading.setText(tr("idle_prompt.book_heading"))
        self.picker.retranslate()
        self.description_edit.setPlaceholderText(tr("idle_prompt.description"))
        self.description_edit.setAccessibleName(tr("idle_prompt.description"))
        self.continue_check.setText(tr("idle_prompt.continue_timer"))
        self.back_button.setText(tr("idle_prompt.back"))
        self.book_button.setText(tr("idle_prompt.book"))
        self.close_button.setText(tr("idle_prompt.close"))
        if self.prompt is not None:
            self.heading.setText(self.prompt.title)
            self.message.setText(self.prompt.message)

    # --- showing ------------------------------------------------------------------------------

    def show_prompt(self, prompt: IdlePrompt) -> None:
        """Ask about `prompt` (a new absence, or the open one extended)."""
        self.prompt = prompt
        self._answering = False
        self.error.clear_message()
        self.close_button.setVisible(False)
        for button in self.choice_buttons.values():
            button.setVisible(True)
            button.setEnabled(True)
        self.retranslate()
        if not self.booking.isVisible():
            self.picker.set_index(self.session.picker_index())
        self.adjustSize()
        self.show()
        self.raise_()
        self.activateWindow()

    def _show_booking(self, visible: bool) -> None:
        self.booking.setVisible(visible)
        for button in self.choice_buttons.values():
            button.setVisible(not visible)  # Back returns to the four answers
        if visible:
            self.picker.set_index(self.session.picker_index())
            self.picker.setFocus()
        self.adjustSize()

    # --- answers ------------------------------------------------------------------------------

    def choose(self, choice: IdleChoice) -> None:
        if choice is IdleChoice.BOOK_AS_NEW:
            self._show_booking(True)
            return
        self._resolve(choice, None)

    def book(self) -> None:
        choice = self.picker.current_choice()
        if choice is None:
            self.picker_error.show_message(tr("idle_prompt.choose"))
            self.picker.setFocus()
            return
        self.picker_error.clear_message()
        booking = IdleBooking(
            choice.project.id,
            choice.task.id,
            self.description_edit.text().strip(),
            continue_timer=self.continue_check.isChecked(),
        )
        self._resolve(IdleChoice.BOOK_AS_NEW, booking)

    def _resolve(self, choice: IdleChoice, booking: IdleBooking | None) -> None:
        prompt = self.prompt
        if prompt is None or self._answering:
            return
        self._answering = True
        self.error.clear_message()
        self.runner.run(
            self.watch.resolve(prompt, choice, booking),
            on_success=self._answered,
            on_error=self._failed,
            busy=[*self.choice_buttons.values(), self.book_button],
        )

    def _answered(self, outcome: IdleOutcome) -> None:
        self._answering = False
        self.prompt = None
        self._show_booking(False)
        self.description_edit.clear()
        self.hide()
        self.answered.emit(outcome)

    def _failed(self, error: UserFacingError) -> None:
        self._answering = False
        self.error.show_message(error.message)
        if isinstance(error, TimerChangedError):
            # Nothing left to decide: the timer is not the one that ran while away.
            self.prompt = None
            self.booking.setVisible(False)
            for button in self.choice_buttons.values():
                button.setVisible(False)
            self.close_button.setVisible(True)
            self.close_button.setFocus()
        self.adjustSize()

    def reject(self) -> None:
        """Closing (Escape, the window's X) without an answer keeps the time, as Keep does."""
        if self.prompt is not None and not self._answering:
            self._resolve(IdleChoice.KEEP, None)
        super().reject()

    def dispose(self) -> None:
        self.prompt = None
        self.runner.cancel_all()
        self.close()
        self.deleteLater()
