"""Banners across the top of the timesheet: whose time is shown, offline, a forgotten timer,
and the one message bar for errors, notices, rate-limit waits and undo.

The message bar shows one message at a time (the newest), never a pile of dialogs: errors stay
until closed or replaced, information fades after a while, and a message may carry one action
button (Undo, Retry, Open).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from moco_desktop.core.i18n import register, tr
from moco_desktop.ui.style import Tone, ToneStyled, tone_colours

register(
    {
        "banner.close": {"en": "Close message", "de": "Meldung schließen"},
        "banner.more": {"en": "(+{count} more)", "de": "(+{count} weitere)"},
    }
)


class Banner(ToneStyled, QFrame):
    """A coloured strip with a message and up to two action buttons."""

    def __init__(
        self, tone: Tone = "info", parent: QWidget | None = None, *, closable: bool = False
    ) -> None:
        super().__init__(parent)
        self._tone: Tone = tone
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons: list[QPushButton] = []
        self._callbacks: list[Callable[[], None] | None] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        for position in range(2):
            button = QPushButton()
            button.setVisible(False)
            button.clicked.connect(lambda _=False, p=position: self._clicked(p))
            layout.addWidget(button)
            self.buttons.append(button)
            self._callbacks.append(None)
        self.close_button: QToolButton | None = None
        if closable:
            self.close_button = QToolButton()
            self.close_button.setText("✕")
            self.close_button.setAutoRaise(True)
            self.close_button.clicked.connect(self.dismiss)
            layout.addWidget(self.close_button)
        self.setVisible(False)
        self._apply_tone()

    def set_tone(self, tone: Tone) -> None:
        if tone != self._tone:
            self._tone = tone
            self._apply_tone()

    @property
    def tone(self) -> Tone:
        return self._tone

    def tone_style_sheet(self) -> str:
        text, background = tone_colours(self._tone)
        return (
            f"Banner {{ background: {background.name()}; border-radius: 4px; }}"
            f" Banner > QLabel {{ color: {text.name()}; }}"
        )

    def show_message(
        self,
        text: str,
        tone: Tone | None = None,
        actions: list[tuple[str, Callable[[], None]]] | None = None,
    ) -> None:
        if tone is not None:
            self.set_tone(tone)
        self.label.setText(text)
        self.setAccessibleName(text)
        for position, button in enumerate(self.buttons):
            if actions and position < len(actions):
                label, callback = actions[position]
                button.setText(label)
                button.setVisible(True)
                self._callbacks[position] = callback
            else:
                button.setVisible(False)
                self._callbacks[position] = None
        if self.close_button is not None:
            self.close_button.setToolTip(tr("banner.close"))
            self.close_button.setAccessibleName(tr("banner.close"))
        self.setVisible(True)

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def dismiss(self) -> None:
        self.setVisible(False)
        self.label.setText("")

    def _clicked(self, position: int) -> None:
        callback = self._callbacks[position]
        if callback is not None:
            callback()


class MessageBar(Banner):
    """The window's one place for messages; the newest wins, info fades after `fade_ms`."""

    def __init__(self, parent: QWidget | None = None, *, fade_ms: int = 12000) -> None:
        super().__init__("info", parent, closable=True)
        self.setObjectName("messageBar")
        self._fade = QTimer(self)
        self._fade.setSingleShot(True)
        self._fade.timeout.connect(self.dismiss)
        self._fade_ms = fade_ms
        self._key: str | None = None

    def post(
        self,
        text: str,
        tone: Tone = "info",
        actions: list[tuple[str, Callable[[], None]]] | None = None,
        *,
        key: str | None = None,
        sticky: bool | None = None,
    ) -> None:
        """Show `text`; `key` names a kind of message so a newer one of it replaces it."""
        self._key = key
        self.show_message(text, tone, actions)
        stays = sticky if sticky is not None else tone in ("error", "warning")
        if stays:
            self._fade.stop()
        else:
            self._fade.start(self._fade_ms)

    def withdraw(self, key: str) -> None:
        """Hide the message if it is still the one posted under `key`."""
        if self._key == key:
            self.dismiss()

    @property
    def key(self) -> str | None:
        return self._key if self.isVisible() else None

    def dismiss(self) -> None:
        self._fade.stop()
        self._key = None
        super().dismiss()
