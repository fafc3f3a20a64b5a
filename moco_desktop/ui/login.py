"""The first-run login window: MOCO domain with email and password, or an API key.

Each failure gets its own message where it belongs: an unknown or malformed domain under the
domain field, a wrong password under the password field, a rejected API key under the key field,
"user API keys are disabled" and "no network" above the button. Nothing typed is ever cleared by
a failure. Login runs on the qasync loop; the form is disabled meanwhile and says so.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr
from moco_desktop.services.account import AccountService, LoginOutcome
from moco_desktop.services.errors import (
    ApiKeysDisabledError,
    ConfigurationError,
    InvalidCredentialsError,
    NetworkError,
    NotFoundError,
    UnauthorizedError,
)
from moco_desktop.ui.icons import app_icon
from moco_desktop.ui.operations import OperationRunner
from moco_desktop.ui.style import InlineMessage

register(
    {
        "login.window_title": {"en": "MOCO Desktop – Log in", "de": "MOCO Desktop – Anmelden"},
        "login.heading": {"en": "Log in to MOCO", "de": "Bei MOCO anmelden"},
        "login.add_window_title": {
            "en": "MOCO Desktop – Add an account",
            "de": "MOCO Desktop – Konto hinzufügen",
        },
        "login.add_heading": {"en": "Add a MOCO account", "de": "MOCO-Konto hinzufügen"},
        "login.add_intro": {
            "en": "Another MOCO account, or the same one as another user. Each keeps its own "
            "key, data and pending changes; switch between them in the tray menu.",
            "de": "Ein weiteres MOCO-Konto oder dasselbe als andere Person. Jedes behält "
            "eigenen Schlüssel, eigene Daten und ausstehende Änderungen; gewechselt wird im "
            "Menü im Systembereich.",
        },
        "login.intro": {
            "en": "Your MOCO account's address, and your own login.",
            "de": "Die Adresse deines MOCO-Kontos und deine eigenen Zugangsdaten.",
        },
        "login.domain": {"en": "MOCO domain", "de": "MOCO-Domain"},
        "login.domain_placeholder": {"en": "your-company", "de": "deine-firma"},
        "login.email": {"en": "Email", "de": "E-Mail"},
        "login.password": {"en": "Password", "de": "Passwort"},
        "login.api_key": {"en": "API key", "de": "API-Schlüssel"},
        "login.api_key_hint": {
            "en": "Find it in MOCO under your profile → Integrations.",
            "de": "Zu finden in MOCO unter deinem Profil → Integrationen.",
        },
        "login.use_api_key": {"en": "Use an API key instead", "de": "Stattdessen API-Schlüssel"},
        "login.use_password": {
            "en": "Use email and password instead",
            "de": "Stattdessen E-Mail und Passwort",
        },
        "login.submit": {"en": "Log in", "de": "Anmelden"},
        "login.busy": {"en": "Logging in…", "de": "Anmeldung läuft…"},
        "login.email_empty": {"en": "Enter your email address.", "de": "Bitte E-Mail eingeben."},
        "login.password_empty": {"en": "Enter your password.", "de": "Bitte Passwort eingeben."},
        "login.key_empty": {"en": "Paste your API key.", "de": "Bitte API-Schlüssel einfügen."},
        "login.domain_unknown": {
            "en": "There is no MOCO account at “{domain}”. Check the part before .mocoapp.com.",
            "de": "Unter „{domain}“ gibt es kein MOCO-Konto. Bitte den Teil vor .mocoapp.com "
            "prüfen.",
        },
        "login.keys_disabled_hint": {
            "en": "An administrator of your MOCO account can switch personal API keys on "
            "again (Settings → Security).",
            "de": "Eine Administratorin deines MOCO-Kontos kann persönliche API-Schlüssel "
            "wieder einschalten (Einstellungen → Sicherheit).",
        },
        "login.network_hint": {
            "en": "Nothing was lost: try again when you are online.",
            "de": "Es ist nichts verloren: Versuche es erneut, sobald du online bist.",
        },
    }
)


class LoginWindow(QWidget):
    """Emits `loggedIn(LoginOutcome)` after a successful login."""

    loggedIn = Signal(object)  # noqa: N815 (Qt naming)

    def __init__(
        self, accounts: AccountService, parent: QWidget | None = None, *, adding: bool = False
    ) -> None:
        """`adding`: another account beside the logged-in one(s) (starts with an empty email)."""
        super().__init__(parent)
        self._accounts = accounts
        self.adding = adding
        self._use_api_key = False
        self.runner = OperationRunner(self)
        self.setWindowIcon(app_icon())
        self.setObjectName("loginWindow")

        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.intro = QLabel()
        self.intro.setWordWrap(True)

        self.domain_label = QLabel()
        self.domain_edit = QLineEdit()
        self.domain_edit.setObjectName("domain")
        self.domain_suffix = QLabel(".mocoapp.com")
        self.domain_error = InlineMessage()
        self.domain_label.setBuddy(self.domain_edit)

        self.email_label = QLabel()
        self.email_edit = QLineEdit()
        self.email_edit.setObjectName("email")
        self.email_edit.setInputMethodHints(Qt.InputMethodHint.ImhEmailCharactersOnly)
        self.email_error = InlineMessage()
        self.email_label.setBuddy(self.email_edit)

        self.password_label = QLabel()
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_error = InlineMessage()
        self.password_label.setBuddy(self.password_edit)

        self.key_label = QLabel()
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("apiKey")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_hint = QLabel()
        self.key_hint.setWordWrap(True)
        self.key_error = InlineMessage()
        self.key_label.setBuddy(self.key_edit)

        self.form_error = InlineMessage(boxed=True)
        self.form_error.setObjectName("formError")
        self.mode_button = QPushButton()
        self.mode_button.setFlat(True)
        self.mode_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.mode_button.setObjectName("modeSwitch")
        self.submit_button = QPushButton()
        self.submit_button.setDefault(True)
        self.submit_button.setObjectName("submit")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(4)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addSpacing(10)
        layout.addWidget(self.domain_label)
        domain_row = QHBoxLayout()
        domain_row.setSpacing(4)
        domain_row.addWidget(self.domain_edit, 1)
        domain_row.addWidget(self.domain_suffix)
        layout.addLayout(domain_row)
        layout.addWidget(self.domain_error)
        layout.addSpacing(6)
        self._password_widgets: list[QWidget] = [
            self.email_label,
            self.email_edit,
            self.email_error,
            self.password_label,
            self.password_edit,
            self.password_error,
        ]
        for widget in self._password_widgets[:3]:
            layout.addWidget(widget)
        layout.addSpacing(6)
        for widget in self._password_widgets[3:]:
            layout.addWidget(widget)
        self._key_widgets: list[QWidget] = [
            self.key_label,
            self.key_edit,
            self.key_hint,
            self.key_error,
        ]
        for widget in self._key_widgets:
            layout.addWidget(widget)
        layout.addSpacing(10)
        layout.addWidget(self.form_error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.mode_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.setMinimumWidth(440)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self.submit_button.clicked.connect(self.submit)
        self.mode_button.clicked.connect(self.toggle_mode)
        for edit in (self.domain_edit, self.email_edit, self.password_edit, self.key_edit):
            edit.returnPressed.connect(self.submit)
        self.domain_edit.textEdited.connect(lambda _text: self.domain_error.clear_message())
        self.email_edit.textEdited.connect(lambda _text: self.email_error.clear_message())
        self.password_edit.textEdited.connect(lambda _text: self.password_error.clear_message())
        self.key_edit.textEdited.connect(lambda _text: self.key_error.clear_message())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self, self.close)

        settings = accounts.settings
        self.domain_edit.setText(settings.last_domain)
        if not adding:
            self.email_edit.setText(settings.last_email)
        self._apply_mode()
        self.retranslate()

    # --- texts --------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(tr("login.add_window_title" if self.adding else "login.window_title"))
        self.heading.setText(tr("login.add_heading" if self.adding else "login.heading"))
        self.intro.setText(tr("login.add_intro" if self.adding else "login.intro"))
        self.domain_label.setText(tr("login.domain"))
        self.domain_edit.setPlaceholderText(tr("login.domain_placeholder"))
        self.domain_edit.setAccessibleName(tr("login.domain"))
        self.email_label.setText(tr("login.email"))
        self.email_edit.setAccessibleName(tr("login.email"))
        self.password_label.setText(tr("login.password"))
        self.password_edit.setAccessibleName(tr("login.password"))
        self.key_label.setText(tr("login.api_key"))
        self.key_edit.setAccessibleName(tr("login.api_key"))
        self.key_hint.setText(tr("login.api_key_hint"))
        self.mode_button.setText(
            tr("login.use_password") if self._use_api_key else tr("login.use_api_key")
        )
        self.submit_button.setText(tr("login.busy") if self.runner.busy else tr("login.submit"))

    # --- modes --------------------------------------------------------------------------------

    @property
    def uses_api_key(self) -> bool:
        return self._use_api_key

    def toggle_mode(self) -> None:
        self._use_api_key = not self._use_api_key
        self._apply_mode()
        self.retranslate()
        (self.key_edit if self._use_api_key else self.email_edit).setFocus()

    def _apply_mode(self) -> None:
        for widget in self._password_widgets:
            widget.setVisible(not self._use_api_key and not isinstance(widget, InlineMessage))
        for widget in self._key_widgets:
            widget.setVisible(self._use_api_key and not isinstance(widget, InlineMessage))
        for message in (self.email_error, self.password_error, self.key_error):
            if message.text():
                message.setVisible(message in self._visible_errors())

    def _visible_errors(self) -> list[InlineMessage]:
        if self._use_api_key:
            return [self.key_error]
        return [self.email_error, self.password_error]

    def focus_first_empty(self) -> None:
        edits = [self.domain_edit]
        edits += [self.key_edit] if self._use_api_key else [self.email_edit, self.password_edit]
        target = next((edit for edit in edits if not edit.text().strip()), edits[-1])
        target.setFocus()

    # --- login --------------------------------------------------------------------------------

    def clear_errors(self) -> None:
        for message in (
            self.domain_error,
            self.email_error,
            self.password_error,
            self.key_error,
            self.form_error,
        ):
            message.clear_message()

    def submit(self) -> None:
        if self.runner.busy:
            return
        self.clear_errors()
        domain = self.domain_edit.text().strip()
        if not self._check_filled(domain):
            return
        if self._use_api_key:
            work = self._accounts.login_with_api_key(domain, self.key_edit.text().strip())
        else:
            work = self._accounts.login_with_password(
                domain, self.email_edit.text().strip(), self.password_edit.text()
            )
        self.runner.run(
            work,
            on_success=self._succeeded,
            on_error=self.show_error,
            busy=self._inputs(),
        )
        self.submit_button.setText(tr("login.busy"))

    def _check_filled(self, domain: str) -> bool:
        missing: list[tuple[InlineMessage, str, QLineEdit]] = []
        if not domain:
            missing.append((self.domain_error, tr("api.domain.empty"), self.domain_edit))
        if self._use_api_key:
            if not self.key_edit.text().strip():
                missing.append((self.key_error, tr("login.key_empty"), self.key_edit))
        else:
            if not self.email_edit.text().strip():
                missing.append((self.email_error, tr("login.email_empty"), self.email_edit))
            if not self.password_edit.text():
                missing.append(
                    (self.password_error, tr("login.password_empty"), self.password_edit)
                )
        for message, text, _ in missing:
            message.show_message(text)
        if missing:
            missing[0][2].setFocus()
        return not missing

    def _inputs(self) -> list[QWidget]:
        return [
            self.domain_edit,
            self.email_edit,
            self.password_edit,
            self.key_edit,
            self.mode_button,
            self.submit_button,
        ]

    def _succeeded(self, outcome: LoginOutcome) -> None:
        self.submit_button.setText(tr("login.submit"))
        self.password_edit.clear()
        self.key_edit.clear()
        self.loggedIn.emit(outcome)

    def show_error(self, error: UserFacingError) -> None:
        """Put the error beside the field it is about; the form keeps everything typed."""
        self.submit_button.setText(tr("login.submit"))
        if isinstance(error, ApiKeysDisabledError):
            self.form_error.show_message(f"{error.message}\n{tr('login.keys_disabled_hint')}")
        elif isinstance(error, InvalidCredentialsError) and not self._use_api_key:
            self.password_error.show_message(error.message)
            self.password_edit.setFocus()
            self.password_edit.selectAll()
        elif isinstance(error, UnauthorizedError):
            target = self.key_error if self._use_api_key else self.password_error
            target.show_message(error.message)
        elif isinstance(error, ConfigurationError):
            self.domain_error.show_message(error.message)
            self.domain_edit.setFocus()
        elif isinstance(error, NotFoundError):
            # MOCO answers 404 for an account name that does not exist.
            domain = self.domain_edit.text().strip()
            self.domain_error.show_message(tr("login.domain_unknown", domain=domain))
            self.domain_edit.setFocus()
        elif isinstance(error, NetworkError):
            self.form_error.show_message(f"{error.message}\n{tr('login.network_hint')}")
        else:
            self.form_error.show_message(error.message)
