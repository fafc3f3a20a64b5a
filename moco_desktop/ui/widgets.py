"""Small widgets shared by the windows: item views that say why they are empty, and the frame
of an item that a delegate paints its own text into.

An empty list is never just blank: the view paints a short, translated explanation ("No time
booked on this day yet…") in its middle, so an empty day and a broken one look different.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTableWidget,
    QWidget,
)

from moco_desktop.ui.style import muted_colour


def draw_item_frame(
    delegate: QStyledItemDelegate,
    painter: QPainter,
    option: QStyleOptionViewItem,
    index: QModelIndex | QPersistentModelIndex,
) -> QStyleOptionViewItem:
    """An item's background, selection and focus as the style draws them, without its text;
    returns the prepared option for the delegate's own lines of text."""
    opt = QStyleOptionViewItem(option)
    delegate.initStyleOption(opt, index)
    opt.text = ""
    widget = opt.widget
    style = widget.style() if widget is not None else None
    if style is not None:
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
    return opt


def draw_item_panel(painter: QPainter, option: QStyleOptionViewItem) -> None:
    """An item's background and selection as the style draws them, for a delegate that paints
    all of its item itself from its own data. perf (issue 7): without `draw_item_frame`'s
    `initStyleOption`, which asks the model for every role of the item, nor the style's layout
    of a text, icon and check box the item does not have (the picker paints a dozen rows per
    keystroke)."""
    widget = option.widget
    style = widget.style() if widget is not None else None
    if style is not None:
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        if option.state & QStyle.StateFlag.State_HasFocus:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, option, painter, widget)


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


if TYPE_CHECKING:
    _ItemViewBase = QAbstractItemView
else:
    _ItemViewBase = object


class _PlaceholderMixin(_ItemViewBase):
    """`placeholder` painted in the middle of the view while its model has no rows.

    The view paints on a viewport widget of its own, made here: Qt's default viewport is an
    internal class, and the first time PySide6 wraps an object of a class it does not know it
    creates the Python types of every QWidget subclass to find the nearest one (~10 ms, on the
    way to the timesheet's first paint). Ours is a plain QWidget that Python already knows.
    """

    _placeholder = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        viewport = QWidget()
        viewport.setBackgroundRole(QPalette.ColorRole.Base)  # as Qt's own viewport
        viewport.setAutoFillBackground(True)
        self.setViewport(viewport)
        self._viewport = viewport

    def set_placeholder(self, text: str) -> None:
        if text != self._placeholder:
            self._placeholder = text
            self._viewport.update()

    def placeholder(self) -> str:
        return self._placeholder

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        model = self.model()
        if self._placeholder and (model is None or model.rowCount(self.rootIndex()) == 0):
            _paint_placeholder(self._viewport, self._placeholder)


class PlaceholderListView(_PlaceholderMixin, QListView):
    """A list view that shows `placeholder` while it has no rows."""


class PlaceholderTableView(_PlaceholderMixin, QTableView):
    """A table view that shows `placeholder` while it has no rows."""


class PlaceholderTableWidget(_PlaceholderMixin, QTableWidget):
    """A table widget that shows `placeholder` while it has no rows."""
