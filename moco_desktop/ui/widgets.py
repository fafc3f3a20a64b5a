"""Small widgets shared by the windows: item views that say why they are empty.

An empty list is never just blank: the view paints a short, translated explanation ("No time
booked on this day yet…") in its middle, so an empty day and a broken one look different.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QListView, QTableView, QTableWidget, QWidget

from moco_desktop.ui.style import muted_colour


def _paint_placeholder(viewport: QWidget, text: str) -> None:
    painter = QPainter(viewport)
    painter.setPen(muted_colour())
    area: QRect = viewport.rect().adjusted(16, 8, -16, -8)
    painter.drawText(
        area,
        int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
        text,
    )
    painter.end()


class PlaceholderListView(QListView):
    """A list view that shows `placeholder` while it has no rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._placeholder = ""

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.viewport().update()

    def placeholder(self) -> str:
        return self._placeholder

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        model = self.model()
        if self._placeholder and (model is None or model.rowCount(self.rootIndex()) == 0):
            _paint_placeholder(self.viewport(), self._placeholder)


class PlaceholderTableView(QTableView):
    """A table view that shows `placeholder` while it has no rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._placeholder = ""

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.viewport().update()

    def placeholder(self) -> str:
        return self._placeholder

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        model = self.model()
        if self._placeholder and (model is None or model.rowCount(self.rootIndex()) == 0):
            _paint_placeholder(self.viewport(), self._placeholder)


class PlaceholderTableWidget(QTableWidget):
    """A table widget that shows `placeholder` while it has no rows."""

    def __init__(self, rows: int, columns: int, parent: QWidget | None = None) -> None:
        super().__init__(rows, columns, parent)
        self._placeholder = ""

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.viewport().update()

    def placeholder(self) -> str:
        return self._placeholder

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if self._placeholder and self.rowCount() == 0:
            _paint_placeholder(self.viewport(), self._placeholder)
