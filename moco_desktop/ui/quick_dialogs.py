"""Small windows opened from the tray: "Start…" (the quick picker) and "Act as…".

Both are keyboard-first: type to search, arrows to move, Enter to go, Escape to close. They are
not modal, so the tray and the timesheet stay usable behind them.
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from moco_desktop.core.entities import User
from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr
from moco_desktop.services.picker_search import PickerChoice
from moco_desktop.ui.icons import app_icon
from moco_desktop.ui.operations import OperationRunner
from moco_desktop.ui.picker import PickerWidget
from moco_desktop.ui.session import Session
from moco_desktop.ui.style import InlineMessage

register(
    {
        "quick.title": {"en": "Start a timer", "de": "Timer starten"},
        "quick.description": {"en": "Description (optional)", "de": "Beschreibung (optional)"},
        "quick.start": {"en": "Start", "de": "Starten"},
        "quick.cancel": {"en": "Cancel", "de": "Abbrechen"},
        "quick.choose": {
            "en": "Choose a project and task from the list.",
            "de": "Bitte ein Projekt und eine Leistung aus der Liste wählen.",
        },
        "act_as.title": {"en": "Act as a colleague", "de": "Für eine Kollegin handeln"},
        "act_as.intro": {
            "en": "Book and view time for a colleague. A banner shows whose time you see.",
            "de": "Zeiten für eine Kollegin oder einen Kollegen ansehen und buchen. Ein Banner "
            "zeigt, wessen Zeit du siehst.",
        },
        "act_as.search": {"en": "Search colleagues…", "de": "Kolleg:innen suchen…"},
        "act_as.go": {"en": "Act as", "de": "Handeln als"},
        "act_as.none": {
            "en": "No colleagues found.",
            "de": "Keine Kolleg:innen gefunden.",
        },
    }
)

UserIdRole = Qt.ItemDataRole.UserRole + 1


class QuickStartDialog(QDialog):
    """The tray's "Start…": pick a project and task, optionally describe, start."""

    started = Signal(object)  # ChangeResult

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = OperationRunner(self)
        self.setObjectName("quickStart")
        self.setWindowIcon(app_icon())
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.picker = PickerWidget(self, visible_rows=7)
        self.picker_error = InlineMessage()
        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("description")
        self.error = InlineMessage(boxed=True)
        self.start_button = QPushButton()
        self.start_button.setObjectName("start")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker, 1)
        layout.addWidget(self.picker_error)
        layout.addWidget(self.description_edit)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)
        self.picker.set_index(session.picker_index())
        self.picker.chosen.connect(lambda _choice: self.description_edit.setFocus())
        self.description_edit.returnPressed.connect(self.start)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)
        self.retranslate()
        self.picker.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(tr("quick.title"))
        self.picker.retranslate()
        self.description_edit.setPlaceholderText(tr("quick.description"))
        self.description_edit.setAccessibleName(tr("quick.description"))
        self.start_button.setText(tr("quick.start"))
        self.cancel_button.setText(tr("quick.cancel"))

    def start(self) -> None:
        choice: PickerChoice | None = self.picker.current_choice()
        if choice is None:
            self.picker_error.show_message(tr("quick.choose"))
            return
        self.runner.run(
            self.session.start_timer(
                choice.project.id, choice.task.id, self.description_edit.text().strip()
            ),
            on_success=self._started,
            on_error=self._failed,
            busy=[self.start_button],
        )
        # The timer shows at once (written locally); MOCO gets it in the background.
        self.hide()

    def _started(self, result: object) -> None:
        self.started.emit(result)
        self.accept()

    def _failed(self, error: UserFacingError) -> None:
        self.error.show_message(error.message)
        self.show()
        self.raise_()


class ActAsDialog(QDialog):
    """Pick a colleague to act for (staff only)."""

    chosen = Signal(int, str)  # user id, full name

    def __init__(
        self, colleagues: tuple[User, ...], own_user_id: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("actAs")
        self.setWindowIcon(app_icon())
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("search")
        self.search_edit.setClearButtonEnabled(True)
        self.model = QStandardItemModel(self)
        for user in sorted(colleagues, key=lambda u: (u.lastname.casefold(), u.firstname)):
            if user.id == own_user_id or not user.active:
                continue
            item = QStandardItem(user.full_name)
            if user.unit is not None:
                item.setToolTip(user.unit.name)
            item.setData(user.id, UserIdRole)
            item.setEditable(False)
            self.model.appendRow(item)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list_view = QListView()
        self.list_view.setObjectName("colleagues")
        self.list_view.setModel(self.proxy)
        self.go_button = QPushButton()
        self.go_button.setDefault(True)
        self.cancel_button = QPushButton()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.go_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.list_view, 1)
        layout.addLayout(buttons)
        self.setMinimumSize(380, 420)
        self.search_edit.textChanged.connect(self._filter)
        self.search_edit.returnPressed.connect(self.accept_current)
        self.list_view.doubleClicked.connect(lambda _index: self.accept_current())
        self.go_button.clicked.connect(self.accept_current)
        self.cancel_button.clicked.connect(self.reject)
        self._filter("")
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(tr("act_as.title"))
        self.intro.setText(tr("act_as.intro"))
        self.search_edit.setPlaceholderText(tr("act_as.search"))
        self.search_edit.setAccessibleName(tr("act_as.search"))
        self.go_button.setText(tr("act_as.go"))
        self.cancel_button.setText(tr("quick.cancel"))

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if self.proxy.rowCount():
            self.list_view.setCurrentIndex(self.proxy.index(0, 0))

    def keyPressEvent(self, event: object) -> None:  # noqa: N802
        from PySide6.QtGui import QKeyEvent

        if isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            row = self.list_view.currentIndex().row()
            row += -1 if event.key() == Qt.Key.Key_Up else 1
            if 0 <= row < self.proxy.rowCount():
                self.list_view.setCurrentIndex(self.proxy.index(row, 0))
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]

    def accept_current(self) -> None:
        index = self.list_view.currentIndex()
        if not index.isValid():
            return
        user_id = int(index.data(UserIdRole))
        self.chosen.emit(user_id, str(index.data(Qt.ItemDataRole.DisplayRole)))
        self.accept()
