"""Colours and small widgets that follow the system's light or dark palette.

Nothing sets a global style sheet: windows keep the platform look. The few coloured things
(inline errors, banners, the running row) pick a shade that reads on the current palette, and
`InlineMessage` is the one label used for every inline error or hint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

Tone = Literal["error", "warning", "info", "success"]

_LIGHT = {
    "error": ("#b3261e", "#fdecea"),
    "warning": ("#7a4f01", "#fff4d6"),
    "info": ("#0b4f6c", "#e3f2fb"),
    "success": ("#1e6b3a", "#e5f5ea"),
}
_DARK = {
    "error": ("#ffb4ab", "#5c1d18"),
    "warning": ("#ffd98a", "#4d3800"),
    "info": ("#a6dcf6", "#0d3a4f"),
    "success": ("#a3e3b6", "#17452a"),
}


def is_dark() -> bool:
    palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def tone_colours(tone: Tone) -> tuple[QColor, QColor]:
    """(text, background) for a tone on the current palette."""
    text, background = (_DARK if is_dark() else _LIGHT)[tone]
    return QColor(text), QColor(background)


def running_colour() -> QColor:
    return QColor("#5fd3c9") if is_dark() else QColor("#13796f")


def muted_colour() -> QColor:
    """Secondary text: between the text and the background, readable on both palettes."""
    palette = QGuiApplication.palette()
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    return QColor(
        round(text.red() * 0.6 + base.red() * 0.4),
        round(text.green() * 0.6 + base.green() * 0.4),
        round(text.blue() * 0.6 + base.blue() * 0.4),
    )


if TYPE_CHECKING:
    _Widget = QWidget
else:
    _Widget = object


class ToneStyled(_Widget):
    """A widget coloured by its tone through a style sheet that is set when it is first shown,
    not when it is built. perf (issue 4): the timesheet builds eight such widgets, hidden; each
    style sheet cost part of a millisecond before the first paint (~3.5 ms together)."""

    _tone_sheet_due = True

    def tone_style_sheet(self) -> str:
        raise NotImplementedError

    def _apply_tone(self) -> None:
        self._tone_sheet_due = self.isHidden()
        if not self._tone_sheet_due:
            self.setStyleSheet(self.tone_style_sheet())

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (Qt naming)
        if visible and self._tone_sheet_due:
            self._tone_sheet_due = False
            self.setStyleSheet(self.tone_style_sheet())
        super().setVisible(visible)


class InlineMessage(ToneStyled, QLabel):
    """A message shown right where it belongs (under a field, above a form); hidden when empty."""

    def __init__(self, tone: Tone = "error", parent: QWidget | None = None, *, boxed: bool = False):
        super().__init__(parent)
        self._tone: Tone = tone
        self._boxed = boxed
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.hide()
        self._apply_tone()

    def show_message(self, text: str, tone: Tone | None = None) -> None:
        if tone is not None and tone != self._tone:
            self._tone = tone
            self._apply_tone()
        self.setText(text)
        self.setAccessibleName(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    @property
    def tone(self) -> Tone:
        return self._tone

    def tone_style_sheet(self) -> str:
        text, background = tone_colours(self._tone)
        if self._boxed:
            return (
                f"QLabel {{ color: {text.name()}; background: {background.name()};"
                " border-radius: 4px; padding: 6px 8px; }"
            )
        return f"QLabel {{ color: {text.name()}; }}"
