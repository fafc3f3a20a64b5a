"""The picker widget: typing narrows the list in place, the best match is highlighted, the
keys move through it, and each row paints its two lines (fonts made once per view font)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from moco_desktop.core.entities import AssignedProject, CustomerRef, Task
from moco_desktop.services.picker_search import PickerIndex
from moco_desktop.ui.picker import PickerDelegate, PickerWidget

HANSEN = CustomerRef(1, "Bäckerei Hansen GmbH")
KIEL = CustomerRef(2, "Stadtwerke Kiel AG")


def projects(count: int) -> tuple[AssignedProject, ...]:
    """`count` projects of two tasks each, every fifth one for Stadtwerke Kiel."""
    return tuple(
        AssignedProject(
            number,
            f"P{number:04d}",
            f"Projekt {number}",
            KIEL if number % 5 == 0 else HANSEN,
            (Task(number * 10, "Entwicklung"), Task(number * 10 + 1, "Beratung")),
        )
        for number in range(1, count + 1)
    )


def picker_over(qtbot: QtBot, count: int) -> tuple[PickerWidget, PickerIndex]:
    """A picker searching `count` projects (two tasks each), and its index."""
    picker = PickerWidget()
    qtbot.addWidget(picker)
    index = PickerIndex(projects(count))
    picker.set_index(index)
    return picker, index


def shown_labels(picker: PickerWidget) -> list[str]:
    model = picker.model
    return [
        str(model.data(model.index(row, 0), Qt.ItemDataRole.DisplayRole))
        for row in range(model.rowCount())
    ]


def test_typing_narrows_the_list_in_place_and_highlights_the_best(qtbot: QtBot) -> None:
    picker, index = picker_over(qtbot, 30)
    picker.show()
    qtbot.waitExposed(picker)
    resets: list[bool] = []
    picker.model.modelReset.connect(lambda: resets.append(True))
    assert picker.model.rowCount() == 60  # no query: every pair

    QTest.keyClicks(picker.search_edit, "kiel")
    assert shown_labels(picker) == [choice.label for choice in index.search("kiel")]
    assert picker.model.rowCount() == 12
    assert picker.current_choice() == index.search("kiel")[0]

    QTest.keyClicks(picker.search_edit, " berat")
    assert shown_labels(picker) == [choice.label for choice in index.search("kiel berat")]
    assert picker.model.rowCount() == 6

    picker.search_edit.clear()  # back to every pair: rows added at the end
    assert picker.model.rowCount() == 60
    assert shown_labels(picker) == [choice.label for choice in index.search("")]
    assert resets == []  # changed in place, never reset

    QTest.keyClicks(picker.search_edit, "zzzz")
    assert picker.model.rowCount() == 0
    assert picker.current_choice() is None


def test_each_new_highlighted_choice_is_told_once(qtbot: QtBot) -> None:
    """The first row stays highlighted while typing changes what it shows: the dialog around
    the picker (billable box, description) must hear of every new choice, and only of those."""
    picker, index = picker_over(qtbot, 30)
    told: list[object] = []
    picker.currentChanged.connect(told.append)
    query = "kiel entw"
    expected: list[object] = []
    shown = picker.current_choice()
    for end in range(1, len(query) + 1):
        QTest.keyClicks(picker.search_edit, query[end - 1])
        best = index.search(query[:end])[0]
        if best != shown:
            expected.append(best)
            shown = best
    assert picker.list_view.currentIndex().row() == 0
    assert len(expected) >= 2  # "kiel" and "kiel entw" lead with different tasks
    assert told == expected
    QTest.keyClicks(picker.search_edit, "zzz")
    assert told[-1] is None
    assert picker.select(7, 71)
    assert told[-1] == index.choice(7, 71)


def test_keys_move_through_the_results_and_enter_takes_one(qtbot: QtBot) -> None:
    picker, index = picker_over(qtbot, 10)
    chosen: list[object] = []
    picker.chosen.connect(chosen.append)
    QTest.keyClicks(picker.search_edit, "entw")
    QTest.keyClick(picker.search_edit, Qt.Key.Key_Down)
    QTest.keyClick(picker.search_edit, Qt.Key.Key_Down)
    QTest.keyClick(picker.search_edit, Qt.Key.Key_Up)
    QTest.keyClick(picker.search_edit, Qt.Key.Key_Return)
    assert chosen == [index.search("entw")[1]]


def test_rows_paint_with_fonts_made_once_per_view_font(qtbot: QtBot) -> None:
    picker = PickerWidget()
    qtbot.addWidget(picker)
    picker.resize(480, 400)
    picker.set_index(PickerIndex(projects(40)))
    picker.show()
    qtbot.waitExposed(picker)
    delegate = picker.list_view.itemDelegate()
    assert isinstance(delegate, PickerDelegate)
    image = picker.list_view.viewport().grab().toImage()
    first_row = picker.list_view.visualRect(picker.model.index(0, 0))
    colours = {
        image.pixel(x, y)
        for x in range(first_row.left(), first_row.right(), 2)
        for y in range(first_row.top(), first_row.bottom())
    }
    assert len(colours) > 3  # background, selection and anti-aliased text: not an empty row
    QTest.keyClicks(picker.search_edit, "proj")
    picker.list_view.viewport().grab()
    assert len(delegate._fonts) == 1  # the cache under test
    bigger = QFont(picker.list_view.font())
    bigger.setPointSizeF(bigger.pointSizeF() + 4)
    picker.list_view.setFont(bigger)
    picker.list_view.viewport().grab()
    assert len(delegate._fonts) == 2
