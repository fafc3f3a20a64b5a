"""The project/task picker widget: a search field over a list of "customer / project / task".

Typing filters at once (the ranking is `services.picker_search`, a few milliseconds even for
20,000 pairs); Up/Down/Page keys move through the list without leaving the field, Enter takes the
highlighted choice. Recent choices carry a "recent" mark and planned ones a "planned" mark. The
list is a model/view pair, so big accounts cost nothing to show.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from moco_desktop.core.i18n import register, tr
from moco_desktop.services.picker_search import DEFAULT_LIMIT, PickerChoice, PickerIndex
from moco_desktop.ui.style import muted_colour, running_colour
from moco_desktop.ui.widgets import PlaceholderListView, draw_item_panel

register(
    {
        "picker.placeholder": {
            "en": "Search customer, project or task…",
            "de": "Kunde, Projekt oder Leistung suchen…",
        },
        "picker.accessible": {"en": "Project and task", "de": "Projekt und Leistung"},
        "picker.recent": {"en": "recent", "de": "zuletzt"},
        "picker.planned": {"en": "planned", "de": "geplant"},
        "picker.no_match": {
            "en": "No project or task matches.",
            "de": "Kein Projekt und keine Leistung passt.",
        },
        "picker.no_projects": {
            "en": "No projects yet: they appear after the first sync with MOCO.",
            "de": "Noch keine Projekte: Sie erscheinen nach dem ersten Abgleich mit MOCO.",
        },
    }
)

ChoiceRole = Qt.ItemDataRole.UserRole + 1


class PickerModel(QAbstractListModel):
    """The current search results."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._choices: list[PickerChoice] = []

    def set_choices(self, choices: list[PickerChoice]) -> None:
        """Show `choices`. perf (issue 7): rows are replaced in place, added or removed at the
        end, not reset: a reset makes the view lay out all rows and forget its selection at
        each keystroke; a change repaints only the rows on screen."""
        before, after = len(self._choices), len(choices)
        if after < before:
            self.beginRemoveRows(QModelIndex(), after, before - 1)
            self._choices = self._choices[:after]
            self.endRemoveRows()
        elif after > before:
            self.beginInsertRows(QModelIndex(), before, after - 1)
            self._choices = self._choices + choices[before:]
            self.endInsertRows()
        self._choices = choices
        shared = min(before, after)
        if shared:
            self.dataChanged.emit(self.index(0, 0), self.index(shared - 1, 0))

    def choices(self) -> list[PickerChoice]:
        return list(self._choices)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._choices)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or index.row() >= len(self._choices):
            return None
        choice = self._choices[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return choice.label
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{choice.label}\n{choice.project.identifier}"
        if role == ChoiceRole:
            return choice
        return None


class _Fonts:
    """The delegate's fonts and their metrics for one view font: built once, not per row."""

    def __init__(self, font: QFont) -> None:
        self.regular = QFont(font)
        self.bold = QFont(font)
        self.bold.setBold(True)
        self.small = QFont(font)
        self.small.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        self.regular_metrics = QFontMetrics(self.regular)
        self.bold_metrics = QFontMetrics(self.bold)
        self.small_metrics = QFontMetrics(self.small)


class PickerDelegate(QStyledItemDelegate):
    """Two lines per choice: "Project · Task" and "Customer · identifier", plus its mark."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fonts: dict[str, _Fonts] = {}

    def _fonts_for(self, font: QFont) -> _Fonts:
        key = font.key()
        fonts = self._fonts.get(key)
        if fonts is None:
            if len(self._fonts) > 4:  # a font change (zoom, settings): forget the old ones
                self._fonts.clear()
            fonts = self._fonts[key] = _Fonts(font)
        return fonts

    def sizeHint(  # noqa: N802
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(200, metrics.height() * 2 + 10)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        choice = index.data(ChoiceRole)
        if not isinstance(choice, PickerChoice):
            super().paint(painter, option, index)
            return
        draw_item_panel(painter, option)
        rect: QRect = option.rect.adjusted(8, 4, -8, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        text_colour = palette.highlightedText().color() if selected else palette.text().color()
        muted = text_colour if selected else muted_colour()
        fonts = self._fonts_for(option.font)
        line = fonts.regular_metrics.height()

        mark = ""
        if choice.planned:  # today's plan says more than "used lately"
            mark = tr("picker.planned")
        elif choice.recent_rank is not None:
            mark = tr("picker.recent")
        mark_width = fonts.small_metrics.horizontalAdvance(mark) + 12 if mark else 0

        painter.save()
        painter.setFont(fonts.bold)
        painter.setPen(text_colour)
        first = f"{choice.project.name} · {choice.task.name}"
        first_rect = QRect(rect.left(), rect.top(), rect.width() - mark_width, line)
        painter.drawText(
            first_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fonts.bold_metrics.elidedText(first, Qt.TextElideMode.ElideRight, first_rect.width()),
        )
        painter.setFont(fonts.regular)
        painter.setPen(muted)
        second = " · ".join(p for p in (choice.customer_name, choice.project.identifier) if p)
        second_rect = QRect(rect.left(), rect.top() + line + 2, rect.width(), line)
        painter.drawText(
            second_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fonts.regular_metrics.elidedText(
                second, Qt.TextElideMode.ElideRight, second_rect.width()
            ),
        )
        if mark:
            painter.setFont(fonts.small)
            painter.setPen(text_colour if selected else running_colour())
            painter.drawText(
                QRect(rect.right() - mark_width, rect.top(), mark_width, line),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                mark,
            )
        painter.restore()


class PickerWidget(QWidget):
    """Search field and result list. `chosen` fires on Enter or a double click;
    `currentChanged` whenever the highlighted choice changes (None: nothing)."""

    chosen = Signal(object)  # PickerChoice
    currentChanged = Signal(object)  # noqa: N815 (Qt naming); PickerChoice | None

    def __init__(self, parent: QWidget | None = None, *, visible_rows: int = 7) -> None:
        super().__init__(parent)
        self._index = PickerIndex(())
        self._limit = DEFAULT_LIMIT
        self._told_current: PickerChoice | None = None
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("pickerSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.model = PickerModel(self)
        self.list_view = PlaceholderListView()
        self.list_view.setObjectName("pickerList")
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegate(PickerDelegate(self.list_view))
        self.list_view.setUniformItemSizes(True)
        self.list_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.list_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        row_height = QFontMetrics(self.font()).height() * 2 + 10
        self.list_view.setMinimumHeight(row_height * visible_rows + 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.list_view, 1)
        self.setFocusProxy(self.search_edit)

        self.search_edit.textChanged.connect(self._search)
        self.search_edit.installEventFilter(self)
        self.search_edit.returnPressed.connect(self._accept_current)
        self.list_view.doubleClicked.connect(lambda _index: self._accept_current())
        selection = self.list_view.selectionModel()
        selection.currentChanged.connect(lambda *_: self._tell_current())
        self.retranslate()

    def retranslate(self) -> None:
        self.search_edit.setPlaceholderText(tr("picker.placeholder"))
        self.search_edit.setAccessibleName(tr("picker.accessible"))
        self.list_view.setAccessibleName(tr("picker.accessible"))
        self._update_placeholder()

    # --- data ---------------------------------------------------------------------------------

    def set_index(self, index: PickerIndex) -> None:
        """Search in `index` from now on (keeps the query and, if possible, the choice)."""
        current = self.current_choice()
        self._index = index
        self._search(self.search_edit.text())
        if current is not None:
            self.select(current.project.id, current.task.id)

    @property
    def index(self) -> PickerIndex:
        return self._index

    def set_query(self, text: str) -> None:
        self.search_edit.setText(text)

    def query(self) -> str:
        return self.search_edit.text()

    def _search(self, text: str) -> None:
        results = self._index.search(text, self._limit)
        self.model.set_choices(results)
        if results:
            self.list_view.setCurrentIndex(self.model.index(0, 0))
        # The rows change in place: the highlighted row may stay while its choice changes.
        self._tell_current()
        self._update_placeholder()

    def _tell_current(self) -> None:
        """Emit `currentChanged` if the highlighted choice is another one than last told."""
        current = self.current_choice()
        if current != self._told_current:
            self._told_current = current
            self.currentChanged.emit(current)

    def _update_placeholder(self) -> None:
        text = tr("picker.no_match") if len(self._index) else tr("picker.no_projects")
        self.list_view.set_placeholder(text)

    def select(self, project_id: int, task_id: int) -> bool:
        """Highlight a pair (shown first if the query hid it); False if it is not bookable."""
        choice = self._index.choice(project_id, task_id)
        if choice is None:
            return False
        choices = self.model.choices()
        keys = [c.key for c in choices]
        if choice.key not in keys:
            self.model.set_choices([choice, *choices])
            row = 0
        else:
            row = keys.index(choice.key)
        self.list_view.setCurrentIndex(self.model.index(row, 0))
        self.list_view.scrollTo(self.model.index(row, 0))
        self._tell_current()
        return True

    def current_choice(self) -> PickerChoice | None:
        index = self.list_view.currentIndex()
        choice = index.data(ChoiceRole) if index.isValid() else None
        return choice if isinstance(choice, PickerChoice) else None

    def _accept_current(self) -> None:
        choice = self.current_choice()
        if choice is not None:
            self.chosen.emit(choice)

    # --- keys ---------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (
                Qt.Key.Key_Up,
                Qt.Key.Key_Down,
                Qt.Key.Key_PageUp,
                Qt.Key.Key_PageDown,
            ):
                self._move(event.key())
                return True
        return super().eventFilter(watched, event)

    def _move(self, key: int) -> None:
        rows = self.model.rowCount()
        if not rows:
            return
        current = self.list_view.currentIndex().row()
        page = max(
            1, self.list_view.viewport().height() // max(1, self.list_view.sizeHintForRow(0))
        )
        step = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -page,
            Qt.Key.Key_PageDown: page,
        }[Qt.Key(key)]
        row = min(rows - 1, max(0, current + step))
        self.list_view.setCurrentIndex(self.model.index(row, 0))
