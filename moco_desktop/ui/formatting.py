"""Dates, times and durations as the person's locale writes them (QLocale).

The language comes from `core.i18n` (system locale or Settings); the regional conventions come
from the system locale when it speaks that language (en_GB keeps day-month order), else from the
language's main region (de_DE, en_US). Durations use MOCO's `h:mm` form; decimal hours use the
locale's decimal separator ("7,50 h" in German).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QLocale, QTime

from moco_desktop.core.duration import format_duration
from moco_desktop.core.i18n import language


def app_locale() -> QLocale:
    """The QLocale for the app's current language."""
    system = QLocale.system()
    wanted = QLocale.Language.German if language() == "de" else QLocale.Language.English
    if system.language() == wanted:
        return system
    if wanted == QLocale.Language.German:
        return QLocale("de_DE")
    return QLocale("en_US")


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def to_qtime(value: dt.time) -> QTime:
    return QTime(value.hour, value.minute)


def from_qtime(value: QTime) -> dt.time:
    return dt.time(value.hour(), value.minute())


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def long_date(day: dt.date) -> str:
    """e.g. "Friday, November 27, 2026" / "Freitag, 27. November 2026"."""
    return app_locale().toString(to_qdate(day), QLocale.FormatType.LongFormat)


def short_date(day: dt.date) -> str:
    """e.g. "11/27/26" / "27.11.26"."""
    return app_locale().toString(to_qdate(day), QLocale.FormatType.ShortFormat)


def day_and_month(day: dt.date) -> str:
    """e.g. "27.11." / "11/27" (for the week strip)."""
    if app_locale().language() == QLocale.Language.German:
        return f"{day.day}.{day.month}."
    pattern = app_locale().dateFormat(QLocale.FormatType.ShortFormat)
    if pattern.lower().startswith("d"):
        return f"{day.day}/{day.month}"
    return f"{day.month}/{day.day}"


def weekday_short(day: dt.date) -> str:
    return app_locale().dayName(day.isoweekday(), QLocale.FormatType.ShortFormat)


def weekday_long(day: dt.date) -> str:
    return app_locale().dayName(day.isoweekday(), QLocale.FormatType.LongFormat)


def clock_time(value: dt.time) -> str:
    """A time of day, e.g. "08:30" or "8:30 AM", as the locale writes it (no seconds)."""
    return app_locale().toString(QTime(value.hour, value.minute), QLocale.FormatType.ShortFormat)


def hours(seconds: int) -> str:
    """A duration as `h:mm` (a gap may be negative)."""
    return format_duration(seconds, "clock")


def decimal_hours(seconds: int) -> str:
    """A duration as decimal hours with the locale's separator, e.g. "7,50 h"."""
    return app_locale().toString(seconds / 3600, "f", 2) + " h"
