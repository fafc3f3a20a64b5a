"""`ui.style`: tone colours, and toned widgets styled when first shown (not when built)."""

from __future__ import annotations

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from moco_desktop.ui.banners import Banner
from moco_desktop.ui.style import InlineMessage, tone_colours


def _background(widget: QWidget) -> str:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    return image.pixelColor(image.width() // 2, image.height() - 2).name()


def test_toned_widgets_get_their_style_sheet_when_first_shown(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    banner = Banner("warning")
    message = InlineMessage("error", boxed=True)
    layout = QVBoxLayout(window)
    layout.addWidget(banner)
    layout.addWidget(message)
    window.show()
    assert (banner.styleSheet(), message.styleSheet()) == ("", "")  # built hidden: not yet

    banner.show_message("Offline: 2 changes wait")
    message.show_message("Das Passwort ist falsch.")
    qtbot.waitExposed(window)

    assert _background(banner) == tone_colours("warning")[1].name()
    assert _background(message) == tone_colours("error")[1].name()
    banner.set_tone("error")  # while shown: at once
    assert _background(banner) == tone_colours("error")[1].name()
    message.clear_message()
    message.show_message("Gespeichert.", "success")  # changed while hidden, shown again
    assert _background(message) == tone_colours("success")[1].name()
