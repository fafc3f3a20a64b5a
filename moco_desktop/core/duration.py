"""Durations as people type them, shown back, and rounded: the duration field of every entry.

`parse_duration` understands what MOCO's browser extension and web app accept:

- clock style `1:30`, `0:45` (minutes always two digits, 0-59; an optional `h` may follow);
- decimal hours `1,5`, `1.5`, `.5`, `2` and with a unit `1.5h`, `1,5 h`, `2 std`.
  **A bare number means hours**, as in MOCO's web app: `2` is 2 h, `0.25` is 15 min, `45` is
  45 hours and therefore rejected (more than 24 h);
- minutes `90m`, `90 min`, `1.5m`;
- hours and minutes `1h30m`, `1h 30m`, `1h30`, `1 h 30 min`;
- a range of wall-clock times on one day: `9:00-10:30`, `9-10:30`, `09:00 – 10:30` (hyphen, en
  or em dash). Ranges over midnight are rejected (book one entry per day). `9:00-` is an open
  range until `now`, only when `now` is given;
- any of these in parentheses, `(1h)`, marks the time as not billable (browser extension
  convention).

Every result is whole seconds, more than zero and at most 24 h. Anything else raises
`DurationError`, which carries an i18n key and parameters so the message reads well in English
and German. `format_duration` and `round_seconds` are the way back and the rounding rules.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Literal

from moco_desktop.core.errors import CatalogueError
from moco_desktop.core.i18n import language, register
from moco_desktop.core.records import record
from moco_desktop.core.timemath import format_clock_time, seconds_of_day

if TYPE_CHECKING:
    from fractions import Fraction

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600
MAX_DURATION_SECONDS = 24 * SECONDS_PER_HOUR
_MAX_INPUT_LENGTH = 64  # far beyond any real duration; keeps int() away from huge digit runs

DurationStyle = Literal["hm", "clock", "decimal"]
RoundingMode = Literal["up", "nearest", "down"]

MESSAGES = register(
    {
        "duration.empty": {
            "en": "Enter a duration, e.g. 1:30, 1,5, 90m or 9:00-10:30.",
            "de": "Bitte eine Dauer eingeben, z. B. 1:30, 1,5, 90m oder 9:00-10:30.",
        },
        "duration.invalid": {
            "en": "“{text}” is not a duration. Try 1:30, 1,5, 90m, 1h30m or 9:00-10:30.",
            "de": "„{text}“ ist keine gültige Dauer. Möglich sind z. B. 1:30, 1,5, 90m, "
            "1h30m oder 9:00-10:30.",
        },
        "duration.negative": {
            "en": "A duration cannot be negative (“{text}”).",
            "de": "Eine Dauer kann nicht negativ sein („{text}“).",
        },
        "duration.zero": {
            "en": "The duration must be longer than zero.",
            "de": "Die Dauer muss größer als null sein.",
        },
        "duration.too_long": {
            "en": "{duration} h is more than 24 hours. A bare number counts as hours; "
            "write minutes as e.g. 45m.",
            "de": "{duration} h sind mehr als 24 Stunden. Eine Zahl allein zählt als Stunden; "
            "Minuten z. B. als 45m schreiben.",
        },
        "duration.minutes_out_of_range": {
            "en": "Minutes must be between 00 and 59, not {minutes}.",
            "de": "Die Minuten müssen zwischen 00 und 59 liegen, nicht {minutes}.",
        },
        "duration.invalid_time": {
            "en": "“{time}” is not a time of day (00:00 to 23:59).",
            "de": "„{time}“ ist keine gültige Uhrzeit (00:00 bis 23:59).",
        },
        "duration.range_over_midnight": {
            "en": "The range {start}–{end} crosses midnight; enter one entry per day.",
            "de": "Der Zeitraum {start}–{end} geht über Mitternacht; bitte einen Eintrag "
            "pro Tag erfassen.",
        },
        "duration.range_empty": {
            "en": "The range {start}–{end} has no length.",
            "de": "Der Zeitraum {start}–{end} hat keine Länge.",
        },
        "duration.open_range_needs_now": {
            "en": "An open range (“{start}–”) only works for today's entries.",
            "de": "Ein offener Zeitraum („{start}–“) geht nur bei Einträgen von heute.",
        },
        "duration.open_range_in_future": {
            "en": "The range starts at {start}, after the current time {now}.",
            "de": "Der Zeitraum beginnt um {start}, also nach der aktuellen Uhrzeit {now}.",
        },
        "duration.unbalanced_parentheses": {
            "en": "The parentheses in “{text}” do not match; write e.g. (1:30) for "
            "non-billable time.",
            "de": "Die Klammern in „{text}“ passen nicht zusammen; nicht abrechenbare Zeit "
            "z. B. als (1:30) schreiben.",
        },
    }
)


class DurationError(CatalogueError, ValueError):
    """Input that is not a duration (`message_in` renders it in another language)."""


@record
class ParsedDuration:
    """A parsed duration: whole seconds, the wall times of a range, and the billable marker.

    `billable` is False when the input was in parentheses and None otherwise (the project or
    task decides). `start`/`end` are set for ranges only; `open_ended` marks `9:00-`, whose
    end is the `now` given to the parser.
    """

    seconds: int
    start: dt.time | None = None
    end: dt.time | None = None
    billable: bool | None = None
    open_ended: bool = False

    @property
    def is_range(self) -> bool:
        return self.start is not None


_HOUR_UNIT = r"(?:h|hrs?|hours?|std\.?|stunden?)"
_MINUTE_UNIT = r"(?:m|min(?:s|utes?|uten?)?)"
_NUMBER = r"(?:\d+(?:[.,]\d+)?|[.,]\d+)"

_CLOCK = rf"(?P<h>\d+):(?P<m>\d{{2}})(?:\s*{_HOUR_UNIT})?"
_HOURS_AND_MINUTES = rf"(?P<h>\d+)\s*{_HOUR_UNIT}\s*(?P<m>\d+)\s*(?:{_MINUTE_UNIT})?"
_HOURS = rf"(?P<n>{_NUMBER})\s*(?:{_HOUR_UNIT})?"
_MINUTES = rf"(?P<n>{_NUMBER})\s*{_MINUTE_UNIT}"
_TIME_OF_DAY = r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?"
_RANGE = r"(?P<start>[^-]+?)\s*-\s*(?P<end>[^-]*)"
_PARENTHESISED = r"\(\s*(?P<inner>[^()]*?)\s*\)"
# The patterns are kept as text and matched with `re.fullmatch`: `re`'s own cache compiles each
# once, on first use, so windows that show durations but parse none (the timesheet at start-up)
# never compile them (~1 ms at import).


_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))


def parse_duration(text: str, *, now: dt.time | None = None) -> ParsedDuration:
    """Parse a typed duration or time range (see the module docstring for the formats).

    `now` is the current wall-clock time; it ends an open range such as `9:00-`.
    Raises `DurationError` for anything that is not a positive duration of at most 24 h.
    """
    normalized = " ".join(text.translate(_DASHES).split())
    if not normalized:
        raise DurationError("duration.empty")
    if len(normalized) > _MAX_INPUT_LENGTH:
        raise DurationError("duration.invalid", text=normalized[:_MAX_INPUT_LENGTH] + "…")

    billable: bool | None = None
    body = normalized
    if "(" in normalized or ")" in normalized:
        match = re.fullmatch(_PARENTHESISED, normalized)
        if match is None:
            raise DurationError("duration.unbalanced_parentheses", text=normalized)
        body = match["inner"]
        billable = False
        if not body:
            raise DurationError("duration.empty")

    if body.startswith("-"):
        _parse_amount(body[1:].strip(), original=normalized)  # a number after the sign?
        raise DurationError("duration.negative", text=normalized)
    if "-" in body:
        return _parse_range(body, original=normalized, now=now, billable=billable)
    seconds = _parse_amount(body, original=normalized)
    return ParsedDuration(seconds=_checked_length(seconds), billable=billable)


def _parse_amount(body: str, *, original: str) -> int:
    """Seconds of a duration without range or sign (may be zero or too long; checked later)."""
    lowered = body.lower()
    if match := re.fullmatch(_CLOCK, lowered):
        return _hours_minutes(match["h"], match["m"])
    if match := re.fullmatch(_HOURS_AND_MINUTES, lowered):
        return _hours_minutes(match["h"], match["m"])
    if match := re.fullmatch(_MINUTES, lowered):
        return _rounded_seconds(_fraction(match["n"]) * SECONDS_PER_MINUTE)
    if match := re.fullmatch(_HOURS, lowered):
        return _rounded_seconds(_fraction(match["n"]) * SECONDS_PER_HOUR)
    raise DurationError("duration.invalid", text=original)


def _hours_minutes(hours_text: str, minutes_text: str) -> int:
    minutes = int(minutes_text)
    if minutes > 59:
        raise DurationError("duration.minutes_out_of_range", minutes=minutes_text)
    return int(hours_text) * SECONDS_PER_HOUR + minutes * SECONDS_PER_MINUTE


def _fraction(number: str) -> Fraction:
    from fractions import Fraction  # perf: decimal and fractions load when first needed

    return Fraction(number.replace(",", "."))


def _rounded_seconds(value: Fraction) -> int:
    """Whole seconds, halves rounded up (the value is never negative here)."""
    return int(value * 2 + 1) // 2


def _checked_length(seconds: int) -> int:
    if seconds <= 0:
        raise DurationError("duration.zero")
    if seconds > MAX_DURATION_SECONDS:
        raise DurationError("duration.too_long", duration=format_duration(seconds, "clock"))
    return seconds


def _parse_range(
    body: str, *, original: str, now: dt.time | None, billable: bool | None
) -> ParsedDuration:
    match = re.fullmatch(_RANGE, body)
    if match is None:
        raise DurationError("duration.invalid", text=original)
    start = _time_of_day(match["start"], original=original)
    if not match["end"]:
        if now is None:
            raise DurationError("duration.open_range_needs_now", start=format_clock_time(start))
        end = now.replace(microsecond=0, tzinfo=None)
        if end < start:
            raise DurationError(
                "duration.open_range_in_future",
                start=format_clock_time(start),
                now=format_clock_time(end),
            )
        open_ended = True
    else:
        end = _time_of_day(match["end"], original=original)
        if end < start:
            raise DurationError(
                "duration.range_over_midnight",
                start=format_clock_time(start),
                end=format_clock_time(end),
            )
        open_ended = False
    seconds = seconds_of_day(end) - seconds_of_day(start)
    if seconds == 0:
        raise DurationError(
            "duration.range_empty", start=format_clock_time(start), end=format_clock_time(end)
        )
    return ParsedDuration(
        seconds=seconds, start=start, end=end, billable=billable, open_ended=open_ended
    )


def _time_of_day(text: str, *, original: str) -> dt.time:
    match = re.fullmatch(_TIME_OF_DAY, text)
    if match is None:
        raise DurationError("duration.invalid", text=original)
    hour = int(match["h"])
    minute = int(match["m"] or 0)
    if hour > 23 or minute > 59:
        raise DurationError("duration.invalid_time", time=text)
    return dt.time(hour, minute)


def format_duration(seconds: int, style: DurationStyle = "hm", lang: str | None = None) -> str:
    """Show seconds as `1 h 30 min` ("hm"), `1:30` ("clock") or `1,50 h` / `1.50 h` ("decimal").

    "hm" and "clock" show whole minutes, cut off like a clock (a timer at 1:29:59 shows 1:29);
    "decimal" rounds hours to two places, with a decimal comma in German and a point in
    English (`lang`, default: the current language). Negative values (a gap) get a leading `-`.
    """
    if style == "decimal":
        from decimal import ROUND_HALF_UP, Decimal

        hours = (Decimal(seconds) / SECONDS_PER_HOUR).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if hours == 0:
            hours = abs(hours)  # no "-0.00 h"
        text = f"{hours:.2f}"
        return (text.replace(".", ",") if (lang or language()) == "de" else text) + " h"
    total_minutes = abs(seconds) // SECONDS_PER_MINUTE
    sign = "-" if seconds < 0 and total_minutes else ""
    hours_part, minutes_part = divmod(total_minutes, 60)
    if style == "clock":
        return f"{sign}{hours_part}:{minutes_part:02d}"
    if style == "hm":
        if not hours_part:
            return f"{sign}{minutes_part} min"
        if not minutes_part:
            return f"{sign}{hours_part} h"
        return f"{sign}{hours_part} h {minutes_part} min"
    raise ValueError(f"unknown duration style {style!r}")


def round_seconds(seconds: int, minutes: int = 15, mode: RoundingMode = "up") -> int:
    """Round seconds to a multiple of `minutes` minutes: "up", "down" or "nearest" (halves up).

    A value already on the grid stays as it is; 0 stays 0 in every mode.
    """
    if minutes < 1:
        raise ValueError(f"rounding step must be at least one minute, not {minutes}")
    step = minutes * SECONDS_PER_MINUTE
    if mode == "up":
        return -(-seconds // step) * step
    if mode == "down":
        return seconds // step * step
    if mode == "nearest":
        return (2 * seconds + step) // (2 * step) * step
    raise ValueError(f"unknown rounding mode {mode!r}")
