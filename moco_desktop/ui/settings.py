"""The Settings window: language, MOCO rate-limit plan, start at login, the account and logout.

Changes apply on OK: the language switches at once (every window retranslates itself), a new
rate-limit plan applies to the next requests. Logout asks first, because it removes the key and
the cached data of the account (pending changes included).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from moco_desktop.core.i18n import register, set_language, tr
from moco_desktop.services.account import AccountService
from moco_desktop.ui.icons import app_icon
from moco_desktop.ui.session import SessionIdentity
from moco_desktop.ui.style import muted_colour

register(
    {
        "settings.title": {"en": "MOCO Desktop – Settings", "de": "MOCO Desktop – Einstellungen"},
        "settings.general": {"en": "General", "de": "Allgemein"},
        "settings.language": {"en": "Language", "de": "Sprache"},
        "settings.language.system": {
            "en": "As the system ({name})",
            "de": "Wie das System ({name})",
        },
        "settings.rate_limit": {
            "en": "MOCO plan (request limit)",
            "de": "MOCO-Tarif (Anfragelimit)",
        },
        "settings.rate_limit.seed": {
            "en": "Standard or Seed: 15 requests per 15 s",
            "de": "Standard oder Seed: 15 Anfragen pro 15 s",
        },
        "settings.rate_limit.standard": {
            "en": "Raised limit: 120 requests per 2 min",
            "de": "Erhöhtes Limit: 120 Anfragen pro 2 min",
        },
        "settings.rate_limit.unlimited": {
            "en": "Unlimited: 1,200 requests per 2 min",
            "de": "Unbegrenzt: 1.200 Anfragen pro 2 min",
        },
        "settings.rate_limit_hint": {
            "en": "MOCO limits how fast apps may ask. If unsure, keep the first choice.",
            "de": "MOCO begrenzt, wie schnell Apps anfragen dürfen. Im Zweifel die erste Wahl "
            "lassen.",
        },
        "settings.autostart": {"en": "Start at login", "de": "Beim Anmelden starten"},
        "settings.autostart_hint": {
            "en": "Coming in a later version.",
            "de": "Kommt in einer späteren Version.",
        },
        "settings.account": {"en": "Account", "de": "Konto"},
        "settings.logout": {"en": "Log out…", "de": "Abmelden…"},
        "settings.logout_now": {"en": "Log out", "de": "Abmelden"},
        "settings.ok": {"en": "OK", "de": "OK"},
        "settings.cancel": {"en": "Cancel", "de": "Abbrechen"},
        "settings.logout_confirm_title": {"en": "Log out?", "de": "Abmelden?"},
        "settings.logout_confirm": {
            "en": "This removes the API key and everything cached for {domain} from this computer.",
            "de": "Dabei werden der API-Schlüssel und alle zwischengespeicherten Daten für "
            "{domain} von diesem Computer entfernt.",
        },
        "settings.logout_pending": {
            "en": "{count} changes have not reached MOCO yet and will be lost.",
            "de": "{count} Änderungen sind noch nicht bei MOCO und gehen verloren.",
        },
    }
)

LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}
PLANS = ("seed", "standard", "unlimited")


class SettingsDialog(QDialog):
    """Emits `languageChanged` after a language switch, `logoutRequested` after a confirmed
    logout, and `planChanged` after a new rate-limit plan was saved."""

    languageChanged = Signal()  # noqa: N815 (Qt naming)
    planChanged = Signal()  # noqa: N815
    logoutRequested = Signal()  # noqa: N815

    def __init__(
        self,
        accounts: AccountService,
        *,
        account: SessionIdentity | None = None,
        pending_count: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._accounts = accounts
        self._pending_count = pending_count
        self._account = account
        self.setWindowIcon(app_icon())
        self.setObjectName("settingsDialog")

        self.general_box = QGroupBox()
        self.language_label = QLabel()
        self.language_combo = QComboBox()
        self.language_combo.setObjectName("language")
        self.plan_label = QLabel()
        self.plan_combo = QComboBox()
        self.plan_combo.setObjectName("ratePlan")
        self.plan_hint = QLabel()
        self.plan_hint.setWordWrap(True)
        self.autostart_check = QCheckBox()
        self.autostart_check.setEnabled(False)
        self.autostart_check.setObjectName("autostart")
        self.autostart_hint = QLabel()
        for hint in (self.plan_hint, self.autostart_hint):
            hint.setStyleSheet(f"color: {muted_colour().name()};")
        self.language_label.setBuddy(self.language_combo)
        self.plan_label.setBuddy(self.plan_combo)

        form = QFormLayout(self.general_box)
        form.addRow(self.language_label, self.language_combo)
        form.addRow(self.plan_label, self.plan_combo)
        form.addRow("", self.plan_hint)
        form.addRow("", self.autostart_check)
        form.addRow("", self.autostart_hint)

        self.account_box = QGroupBox()
        self.account_text = QLabel()
        self.account_text.setWordWrap(True)
        self.logout_button = QPushButton()
        self.logout_button.setObjectName("logout")
        account_row = QHBoxLayout(self.account_box)
        account_row.addWidget(self.account_text, 1)
        account_row.addWidget(self.logout_button)
        self.account_box.setVisible(account is not None)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.general_box)
        layout.addWidget(self.account_box)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.apply_and_close)
        self.buttons.rejected.connect(self.reject)
        self.logout_button.clicked.connect(self.confirm_logout)
        self.setMinimumWidth(480)
        self.retranslate()

    def retranslate(self) -> None:
        settings = self._accounts.settings
        self.setWindowTitle(tr("settings.title"))
        self.general_box.setTitle(tr("settings.general"))
        self.language_label.setText(tr("settings.language"))
        self.plan_label.setText(tr("settings.rate_limit"))
        self.plan_hint.setText(tr("settings.rate_limit_hint"))
        self.autostart_check.setText(tr("settings.autostart"))
        self.autostart_hint.setText(tr("settings.autostart_hint"))
        self.account_box.setTitle(tr("settings.account"))
        self.account_text.setText(self._account.account_label if self._account else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("settings.ok"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("settings.cancel"))
        self.logout_button.setText(tr("settings.logout"))

        from moco_desktop.core.i18n import system_language

        current_language = (
            self.language_combo.currentData()
            if self.language_combo.count()
            else (settings.language or "")
        )
        self.language_combo.clear()
        system_name = LANGUAGE_NAMES.get(system_language(), "English")
        self.language_combo.addItem(tr("settings.language.system", name=system_name), "")
        for code, name in LANGUAGE_NAMES.items():
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(current_language)))
        self.language_combo.setAccessibleName(tr("settings.language"))

        current_plan = (
            self.plan_combo.currentData() if self.plan_combo.count() else (settings.rate_limit_plan)
        )
        self.plan_combo.clear()
        for plan in PLANS:
            self.plan_combo.addItem(tr(f"settings.rate_limit.{plan}"), plan)
        self.plan_combo.setCurrentIndex(max(0, self.plan_combo.findData(current_plan)))
        self.plan_combo.setAccessibleName(tr("settings.rate_limit"))

    def apply_and_close(self) -> None:
        self.apply()
        self.accept()

    def apply(self) -> None:
        settings = self._accounts.settings
        language = str(self.language_combo.currentData() or "") or None
        plan = str(self.plan_combo.currentData() or "seed")
        if language == settings.language and plan == settings.rate_limit_plan:
            return
        self._accounts.update_settings(replace(settings, language=language, rate_limit_plan=plan))
        if language != settings.language:
            set_language(language)
            self.retranslate()
            self.languageChanged.emit()
        if plan != settings.rate_limit_plan:
            self.planChanged.emit()

    def confirm_logout(self) -> None:
        record = self._accounts.settings.active_account
        domain = record.domain if record else ""
        text = tr("settings.logout_confirm", domain=domain)
        if self._pending_count:
            text += "\n\n" + tr("settings.logout_pending", count=self._pending_count)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("settings.logout_confirm_title"),
            text,
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("logoutConfirm")
        box.button(QMessageBox.StandardButton.Ok).setText(tr("settings.logout_now"))
        box.button(QMessageBox.StandardButton.Cancel).setText(tr("settings.cancel"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda result: self._logout_answered(result, box))
        box.open()

    def _logout_answered(self, result: int, box: QMessageBox) -> None:
        if box.clickedButton() is box.button(QMessageBox.StandardButton.Ok):
            self.accept()
            self.logoutRequested.emit()
