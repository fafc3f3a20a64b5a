"""`ui.widgets`: item views that say why they are empty, and stop saying it once they are not."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QStringListModel
from PySide6.QtGui import QImage, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTableWidgetItem
from pytestqt.qtbot import QtBot

from moco_desktop.ui.widgets import (
    PlaceholderListView,
    PlaceholderTableView,
    PlaceholderTableWidget,
)


def _ink(view: QAbstractItemView) -> int:
    """How many pixels of the viewport differ from its top-left corner (the background)."""
    image = view.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    background = image.pixel(0, 0)
    return sum(
        image.pixel(x, y) != background
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )


@pytest.mark.parametrize("kind", ["list", "table", "table widget"])
def test_the_placeholder_shows_only_while_there_are_no_rows(qtbot: QtBot, kind: str) -> None:
    view: PlaceholderListView | PlaceholderTableView | PlaceholderTableWidget
    if kind == "list":
        view = PlaceholderListView()
        model = QStringListModel()
        view.setModel(model)
    elif kind == "table":
        view = PlaceholderTableView()
        table_model = QStandardItemModel(0, 2)
        view.setModel(table_model)
    else:
        view = PlaceholderTableWidget(0, 2)
    qtbot.addWidget(view)
    view.resize(320, 200)
    view.show()
    qtbot.waitExposed(view)

    blank = _ink(view)
    view.set_placeholder("No time booked on this day yet")
    assert view.placeholder() == "No time booked on this day yet"
    with_text = _ink(view)
    assert with_text > blank + 20  # the sentence is painted

    if kind == "list":
        model.setStringList([""])
    elif kind == "table":
        table_model.setRowCount(1)
    else:
        assert isinstance(view, PlaceholderTableWidget)
        view.setRowCount(1)
        view.setItem(0, 0, QTableWidgetItem(""))
    assert _ink(view) < with_text  # a row now: no explanation any more
