"""The Settings window: language, MOCO rate-limit plan, start at login, time away, reminders,
rounding, the account and logout.

Changes apply on OK: the language switches at once (every window retranslates itself), a new
rate-limit plan applies to the next requests, start at login is registered with the system (or
removed) at once, and the idle, reminder and rounding settings reach the running session.
Settings says which idle source measures time away, or why none can. Logout asks first, because
it removes the key and the cached data of the account (pending changes included).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from moco_desktop.core.duration import RoundingMode
from moco_desktop.core.i18n import register, set_language, tr
from moco_desktop.core.quick_entry import RoundingPolicy
from moco_desktop.services.account import AccountService
from moco_desktop.services.idle_watch import (
    MAX_THRESHOLD_MINUTES,
    MIN_THRESHOLD_MINUTES,
    IdleSettings,
)
from moco_desktop.services.reminders import ReminderSettingsError
from moco_desktop.system.autostart import AUTOSTART_ARGUMENT, Autostart, launch_command
from moco_desktop.ui import formatting
from moco_desktop.ui.assistant import DailySettings
from moco_desktop.ui.icons import app_icon
from moco_desktop.ui.session import SessionIdentity
from moco_desktop.ui.style import InlineMessage, muted_colour, tone_colours

logger = logging.getLogger("moco_desktop.ui")
MIN_CONTENT_WIDTH = 516
DIALOG_WIDTH = 540

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
            "en": "MOCO Desktop then starts hidden in the tray when you log in.",
            "de": "MOCO Desktop startet dann beim Anmelden unsichtbar im Systembereich.",
        },
        "settings.autostart_where": {
            "en": "Starts hidden in the tray at login (registered in {location}).",
            "de": "Startet beim Anmelden unsichtbar im Systembereich (eingetragen in {location}).",
        },
        "settings.autostart_failed": {
            "en": "Start at login could not be changed: {error}",
            "de": "„Beim Anmelden starten“ ließ sich nicht ändern: {error}",
        },
        "settings.tracking": {"en": "Time tracking", "de": "Zeiterfassung"},
        "settings.idle": {
            "en": "Ask about time away from the computer after",
            "de": "Nach Abwesenheit vom Computer fragen ab",
        },
        "settings.minutes": {"en": " min", "de": " Min."},
        "settings.reminders": {
            "en": "Remind me when nothing is tracked for",
            "de": "Erinnern, wenn nichts erfasst wird, nach",
        },
        "settings.reminders_hint": {
            "en": "Also reminds of unbooked presence time and of timers running too long; "
            "silent on days off, absences and public holidays.",
            "de": "Erinnert auch an nicht gebuchte Anwesenheit und zu lange laufende Timer; "
            "still an freien Tagen, bei Abwesenheiten und an Feiertagen.",
        },
        "settings.work_hours": {"en": "My working hours", "de": "Meine Arbeitszeit"},
        "settings.work_hours_to": {"en": "to", "de": "bis"},
        "settings.gap": {
            "en": "Remind me of unbooked time longer than",
            "de": "An nicht gebuchte Zeit erinnern ab",
        },
        "settings.long_timer": {
            "en": "Remind me of a timer running longer than",
            "de": "An einen Timer erinnern, der länger läuft als",
        },
        "settings.hours": {"en": " h", "de": " Std."},
        "settings.work_hours_invalid": {
            "en": "The working day must end after it starts.",
            "de": "Die Arbeitszeit muss nach ihrem Beginn enden.",
        },
        "settings.rounding": {"en": "Round stopped timers", "de": "Gestoppte Timer runden:"},
        "settings.rounding.up": {"en": "up to", "de": "aufrunden auf"},
        "settings.rounding.nearest": {"en": "to the nearest", "de": "kaufmännisch runden auf"},
        "settings.rounding.step": {"en": "{minutes} min", "de": "{minutes} Min."},
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
ROUNDING_STEPS = (5, 10, 15, 30)
ROUNDING_MODES = ("up", "nearest")

IdleStatusText = Callable[[], tuple[str, bool]]
"""(what measures idle time or why nothing can, whether it works), in the current language."""


class SettingsDialog(QDialog):
    """Emits `languageChanged` after a language switch, `logoutRequested` after a confirmed
    logout, `planChanged` after a new rate-limit plan was saved and
    `dailySettingsChanged(DailySettings)` after the idle, reminder or rounding settings were."""

    languageChanged = Signal()  # noqa: N815 (Qt naming)
    planChanged = Signal()  # noqa: N815
    logoutRequested = Signal()  # noqa: N815
    dailySettingsChanged = Signal(object)  # noqa: N815 - DailySettings

    def __init__(
        self,
        accounts: AccountService,
        *,
        account: SessionIdentity | None = None,
        pending_count: int = 0,
        autostart: Autostart | None = None,
        idle_status: IdleStatusText | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._accounts = accounts
        self._pending_count = pending_count
        self._account = account
        self._autostart = autostart
        self._idle_status = idle_status
        daily = DailySettings.from_extra(accounts.settings.extra)
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
        self.autostart_check.setObjectName("autostart")
        self.autostart_hint = QLabel()
        self.autostart_hint.setWordWrap(True)
        self.autostart_error = InlineMessage()
        self.autostart_error.setObjectName("autostartError")
        self._autostart_was = self._autostart_enabled()
        self.autostart_check.setChecked(self._autostart_was)
        self.autostart_check.setEnabled(autostart is not None)
        self.language_label.setBuddy(self.language_combo)
        self.plan_label.setBuddy(self.plan_combo)

        form = QFormLayout(self.general_box)
        form.addRow(self.language_label, self.language_combo)
        form.addRow(self.plan_label, self.plan_combo)
        form.addRow("", self.plan_hint)
        form.addRow("", self.autostart_check)
        form.addRow("", self.autostart_hint)
        form.addRow("", self.autostart_error)

        self.tracking_box = QGroupBox()
        self.idle_check = QCheckBox()
        self.idle_check.setObjectName("idleEnabled")
        self.idle_check.setChecked(daily.idle.enabled)
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setObjectName("idleMinutes")
        self.idle_minutes.setRange(MIN_THRESHOLD_MINUTES, MAX_THRESHOLD_MINUTES)
        self.idle_minutes.setValue(daily.idle.threshold_minutes)
        self.idle_source = QLabel()
        self.idle_source.setObjectName("idleSource")
        self.idle_source.setWordWrap(True)
        self.reminders_check = QCheckBox()
        self.reminders_check.setObjectName("remindersEnabled")
        self.reminders_check.setChecked(daily.reminders.enabled)
        self.reminder_minutes = QSpinBox()
        self.reminder_minutes.setObjectName("reminderMinutes")
        self.reminder_minutes.setRange(1, 480)
        self.reminder_minutes.setValue(daily.reminders.not_tracking_minutes)
        self.reminders_hint = QLabel()
        self.reminders_hint.setWordWrap(True)
        reminders = daily.reminders
        self.work_hours_label = QLabel()
        self.work_start = QTimeEdit(formatting.to_qtime(reminders.work_start))
        self.work_start.setObjectName("workStart")
        self.work_hours_to = QLabel()
        self.work_end = QTimeEdit(formatting.to_qtime(reminders.work_end))
        self.work_end.setObjectName("workEnd")
        for edit in (self.work_start, self.work_end):
            edit.setDisplayFormat("HH:mm")
        self.gap_label = QLabel()
        self.gap_minutes = QSpinBox()
        self.gap_minutes.setObjectName("gapMinutes")
        self.gap_minutes.setRange(1, 720)
        self.gap_minutes.setValue(reminders.gap_threshold_minutes)
        self.long_timer_label = QLabel()
        self.long_timer_hours = QSpinBox()
        self.long_timer_hours.setObjectName("longTimerHours")
        self.long_timer_hours.setRange(1, 24)
        self.long_timer_hours.setValue(reminders.long_timer_hours)
        self.reminders_error = InlineMessage()
        self.reminders_error.setObjectName("remindersError")
        self._reminder_details: tuple[QWidget, ...] = (
            self.reminder_minutes,
            self.work_hours_label,
            self.work_start,
            self.work_hours_to,
            self.work_end,
            self.gap_label,
            self.gap_minutes,
            self.long_timer_label,
            self.long_timer_hours,
        )
        self.rounding_check = QCheckBox()
        self.rounding_check.setObjectName("roundingEnabled")
        self.rounding_check.setChecked(daily.rounding.enabled)
        self.rounding_mode = QComboBox()
        self.rounding_mode.setObjectName("roundingMode")
        self.rounding_step = QComboBox()
        self.rounding_step.setObjectName("roundingStep")
        self._daily = daily
        for hint in (self.plan_hint, self.autostart_hint, self.reminders_hint):
            hint.setStyleSheet(f"color: {muted_colour().name()};")

        tracking = QVBoxLayout(self.tracking_box)
        tracking.setSpacing(4)
        tracking.addLayout(_row(self.idle_check, self.idle_minutes))
        tracking.addWidget(self.idle_source)
        tracking.addSpacing(6)
        tracking.addLayout(_row(self.reminders_check, self.reminder_minutes))
        details = QFormLayout()
        details.setContentsMargins(24, 0, 0, 0)
        details.addRow(
            self.work_hours_label, _row(self.work_start, self.work_hours_to, self.work_end)
        )
        details.addRow(self.gap_label, _row(self.gap_minutes))
        details.addRow(self.long_timer_label, _row(self.long_timer_hours))
        tracking.addLayout(details)
        tracking.addWidget(self.reminders_error)
        tracking.addWidget(self.reminders_hint)
        tracking.addSpacing(6)
        tracking.addLayout(_row(self.rounding_check, self.rounding_mode, self.rounding_step))
        self.idle_check.toggled.connect(self.idle_minutes.setEnabled)
        for detail in self._reminder_details:
            self.reminders_check.toggled.connect(detail.setEnabled)
        self.rounding_check.toggled.connect(self.rounding_mode.setEnabled)
        self.rounding_check.toggled.connect(self.rounding_step.setEnabled)
        self.idle_minutes.setEnabled(daily.idle.enabled)
        for detail in self._reminder_details:
            detail.setEnabled(daily.reminders.enabled)
        self.rounding_mode.setEnabled(daily.rounding.enabled)
        self.rounding_step.setEnabled(daily.rounding.enabled)

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
        layout.addWidget(self.tracking_box)
        layout.addWidget(self.account_box)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.apply_and_close)
        self.buttons.rejected.connect(self.reject)
        self.logout_button.clicked.connect(self.confirm_logout)
        # The layout's minimum height is the window's, also when a hint appears or wraps later
        # (a fixed minimum width would switch that off and squash the rows).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.general_box.setMinimumWidth(MIN_CONTENT_WIDTH)
        self.resize(DIALOG_WIDTH, 0)  # as narrow as readable; the height follows the content
        self.retranslate()

    def retranslate(self) -> None:
        settings = self._accounts.settings
        self.setWindowTitle(tr("settings.title"))
        self.general_box.setTitle(tr("settings.general"))
        self.language_label.setText(tr("settings.language"))
        self.plan_label.setText(tr("settings.rate_limit"))
        self.plan_hint.setText(tr("settings.rate_limit_hint"))
        self.autostart_check.setText(tr("settings.autostart"))
        self._update_autostart_hint()
        self.tracking_box.setTitle(tr("settings.tracking"))
        self.idle_check.setText(tr("settings.idle"))
        self.idle_minutes.setSuffix(tr("settings.minutes"))
        self.idle_minutes.setAccessibleName(tr("settings.idle"))
        self.update_idle_status()
        self.reminders_check.setText(tr("settings.reminders"))
        self.reminder_minutes.setSuffix(tr("settings.minutes"))
        self.reminder_minutes.setAccessibleName(tr("settings.reminders"))
        self.reminders_hint.setText(tr("settings.reminders_hint"))
        self.work_hours_label.setText(tr("settings.work_hours"))
        self.work_hours_to.setText(tr("settings.work_hours_to"))
        self.work_start.setAccessibleName(tr("settings.work_hours"))
        self.work_end.setAccessibleName(
            f"{tr('settings.work_hours')} {tr('settings.work_hours_to')}"
        )
        self.gap_label.setText(tr("settings.gap"))
        self.gap_minutes.setSuffix(tr("settings.minutes"))
        self.gap_minutes.setAccessibleName(tr("settings.gap"))
        self.long_timer_label.setText(tr("settings.long_timer"))
        self.long_timer_hours.setSuffix(tr("settings.hours"))
        self.long_timer_hours.setAccessibleName(tr("settings.long_timer"))
        self.rounding_check.setText(tr("settings.rounding"))
        mode = self.rounding_mode.currentData() if self.rounding_mode.count() else None
        step = self.rounding_step.currentData() if self.rounding_step.count() else None
        rounding = self._daily.rounding
        self.rounding_mode.clear()
        for name in ROUNDING_MODES:
            self.rounding_mode.addItem(tr(f"settings.rounding.{name}"), name)
        self.rounding_mode.setCurrentIndex(
            max(0, self.rounding_mode.findData(mode or rounding.mode))
        )
        self.rounding_step.clear()
        steps = sorted({*ROUNDING_STEPS, rounding.minutes})
        for minutes in steps:
            self.rounding_step.addItem(tr("settings.rounding.step", minutes=minutes), minutes)
        self.rounding_step.setCurrentIndex(
            max(0, self.rounding_step.findData(step or rounding.minutes))
        )
        self.rounding_mode.setAccessibleName(tr("settings.rounding"))
        self.rounding_step.setAccessibleName(tr("settings.rounding"))
        self.account_box.setTitle(tr("settings.account"))
        self.account_text.setText(self._account.account_label if self._account else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("settings.ok"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("settings.cancel"))
        self.logout_button.setText(tr("settings.logout"))
        self.fit_contents()

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

    def update_idle_status(self) -> None:
        """Show which idle source measures time away, or why none can (asked again when the
        probe has finished)."""
        if self._idle_status is None:
            self.idle_source.setVisible(False)
            return
        text, works = self._idle_status()
        colour = muted_colour() if works else tone_colours("warning")[0]
        self.idle_source.setStyleSheet(f"color: {colour.name()};")
        self.idle_source.setText(text)
        self.idle_source.setVisible(True)
        self.fit_contents()

    def fit_contents(self) -> None:
        """Grow to the height the wrapped hints need at this width: Qt's minimum size of a
        window leaves word wrap out, and the rows under a hint that wraps got squashed."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalMinimumSize().height()
        )
        if needed > self.height():
            self.setMinimumHeight(needed)
            self.resize(self.width(), needed)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.fit_contents()

    def _autostart_enabled(self) -> bool:
        if self._autostart is None:
            return False
        try:
            return self._autostart.is_enabled()
        except OSError:
            logger.exception("cannot read the start-at-login entry")
            return False

    def _registered(self, command: list[str]) -> bool:
        try:
            registered = self._autostart.registered_command() if self._autostart else None
        except OSError:
            return False
        return registered == tuple(command)

    def _update_autostart_hint(self) -> None:
        if self._autostart is not None and self._autostart_was:
            text = tr("settings.autostart_where", location=self._autostart.location)
        else:
            text = tr("settings.autostart_hint")
        self.autostart_hint.setText(text)

    def daily_settings(self) -> DailySettings:
        """The idle, reminder and rounding settings as the form shows them; raises
        `ReminderSettingsError` if the working hours make no day."""
        daily = self._daily
        mode: RoundingMode = "nearest" if self.rounding_mode.currentData() == "nearest" else "up"
        start = formatting.from_qtime(self.work_start.time())
        end = formatting.from_qtime(self.work_end.time())
        # The midday check-in stays where it was if it still falls in the day, else the middle.
        midday = daily.reminders.midday
        if not start <= midday <= end:
            middle = (start.hour * 60 + start.minute + end.hour * 60 + end.minute) // 2
            midday = dt.time(middle // 60, middle % 60)
        return DailySettings(
            IdleSettings(self.idle_check.isChecked(), self.idle_minutes.value()),
            replace(
                daily.reminders,
                enabled=self.reminders_check.isChecked(),
                not_tracking_minutes=self.reminder_minutes.value(),
                work_start=start,
                midday=midday,
                work_end=end,
                gap_threshold_minutes=self.gap_minutes.value(),
                long_timer_hours=self.long_timer_hours.value(),
            ),
            RoundingPolicy(
                self.rounding_check.isChecked(),
                int(self.rounding_step.currentData() or daily.rounding.minutes),
                mode,
            ),
        )

    def apply_and_close(self) -> None:
        if self.apply():
            self.accept()

    def apply(self) -> bool:
        """Save and apply what changed; False (the dialog stays open) if start at login
        could not be changed."""
        try:
            daily = self.daily_settings()
        except ReminderSettingsError:
            self.reminders_error.show_message(tr("settings.work_hours_invalid"))
            self.work_end.setFocus()
            return False
        self.reminders_error.clear_message()
        autostart_ok = self._apply_autostart()
        settings = self._accounts.settings
        if daily != self._daily:
            self._accounts.update_extra(daily.to_extra())
            self._daily = daily
            self.dailySettingsChanged.emit(daily)
            settings = self._accounts.settings
        language = str(self.language_combo.currentData() or "") or None
        plan = str(self.plan_combo.currentData() or "seed")
        if language == settings.language and plan == settings.rate_limit_plan:
            return autostart_ok
        self._accounts.update_settings(replace(settings, language=language, rate_limit_plan=plan))
        if language != settings.language:
            set_language(language)
            self.retranslate()
            self.languageChanged.emit()
        if plan != settings.rate_limit_plan:
            self.planChanged.emit()
        return autostart_ok

    def _apply_autostart(self) -> bool:
        wanted = self.autostart_check.isChecked()
        autostart = self._autostart
        if autostart is None:
            return True
        command = launch_command([AUTOSTART_ARGUMENT])
        if wanted == self._autostart_was and (not wanted or self._registered(command)):
            return True  # unchanged (an entry of a moved installation is written anew)
        try:
            if wanted:
                autostart.enable(command)
            else:
                autostart.disable()
        except (OSError, ValueError) as error:
            logger.exception("start at login could not be changed")
            self.autostart_error.show_message(tr("settings.autostart_failed", error=error))
            self.autostart_check.setChecked(self._autostart_was)
            return False
        self.autostart_error.clear_message()
        self._autostart_was = wanted
        self._update_autostart_hint()
        return True

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


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(6)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row
