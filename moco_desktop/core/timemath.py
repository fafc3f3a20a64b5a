"""Calendar and working-time arithmetic: weeks, day bounds, clock times, presences and targets.

Everything here is wall-clock arithmetic on the user's local calendar: presences are local
`HH:MM` times without a zone (as MOCO stores them), so daylight-saving changes do not enter.
Where "now" matters, pass the local time as an aware datetime, e.g.
`dt.datetime.now().astimezone()`: its wall time ends open presences, and its instant measures
running timers (whose start MOCO reports in UTC).

Targets follow MOCO's employment model: the pattern of the employment covering a day gives the
morning and afternoon hours of that weekday; an absence (holiday, sickness, public holiday,
...) on the morning or afternoon removes that half, a whole-day absence the whole day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from moco_desktop.core.entities import Activity, Employment, Presence, Schedule
from moco_desktop.core.errors import CatalogueError
from moco_desktop.core.i18n import register, tr

SECONDS_PER_DAY = 24 * 3600
DAYS_PER_WEEK = 7
ABSENCE_TYPE = "Absence"
PUBLIC_HOLIDAY_CODE = (
    "2"  # MOCO absence codes: 1 unplannable, 2 public holiday, 3 sick, 4 holiday, 5 absence
)

TimeRange = tuple[dt.time, dt.time | None]
"""A wall-clock range on one day; an end of None (an open presence) lasts until midnight."""

MESSAGES = register(
    {
        "timemath.invalid_clock_time": {
            "en": "“{text}” is not a time of day; use HH:MM between 00:00 and 23:59, e.g. 08:30.",
            "de": "„{text}“ ist keine Uhrzeit; bitte als HH:MM zwischen 00:00 und 23:59 "
            "angeben, z. B. 08:30.",
        },
        "timemath.week_label": {
            "en": "Week {week}, {year}",
            "de": "KW {week}/{year}",
        },
    }
)


class ClockTimeError(CatalogueError, ValueError):
    """Text that is not an `HH:MM` time of day (`message_in` renders it in another language)."""


# ---------------------------------------------------------------------------------------------
# Weeks and days


def monday_of(day: dt.date) -> dt.date:
    """The Monday of the ISO week containing `day`."""
    return day - dt.timedelta(days=day.weekday())


def week_days(day: dt.date) -> tuple[dt.date, ...]:
    """The seven days, Monday to Sunday, of the ISO week containing `day`."""
    monday = monday_of(day)
    return tuple(monday + dt.timedelta(days=offset) for offset in range(DAYS_PER_WEEK))


def iso_week_label(day: dt.date) -> str:
    """The ISO week as `2025-W01` (the ISO year, which differs from `day.year` around New Year)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_label(day: dt.date, lang: str | None = None) -> str:
    """The ISO week for people: `Week 1, 2025` or `KW 1/2025`."""
    year, week, _ = day.isocalendar()
    return tr("timemath.week_label", lang=lang, week=week, year=year)


def day_bounds(day: dt.date, tz: dt.tzinfo | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The half-open interval [midnight, next midnight) of `day`, naive or in `tz`.

    With a zone that changes to or from daylight-saving time that day, the interval is 23 or
    25 hours long.
    """
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start, end


# ---------------------------------------------------------------------------------------------
# Clock times

_CLOCK_TIME = re.compile(r"(?P<hour>\d{1,2}):(?P<minute>\d{2})")


def parse_clock_time(text: str) -> dt.time:
    """Parse `HH:MM` (or `H:MM`), 00:00 to 23:59; anything else raises `ClockTimeError`.

    MOCO answers a malformed presence time such as `8` with a 500, so times are checked here
    before they are sent.
    """
    stripped = text.strip()
    match = _CLOCK_TIME.fullmatch(stripped)
    if match is None:
        raise ClockTimeError("timemath.invalid_clock_time", text=stripped)
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise ClockTimeError("timemath.invalid_clock_time", text=stripped)
    return dt.time(hour, minute)


def format_clock_time(value: dt.time) -> str:
    """`HH:MM`, as MOCO expects it (seconds are dropped, not rounded)."""
    return f"{value.hour:02d}:{value.minute:02d}"


def seconds_of_day(value: dt.time) -> int:
    """Whole seconds since midnight (microseconds and the zone are ignored)."""
    return value.hour * 3600 + value.minute * 60 + value.second


# ---------------------------------------------------------------------------------------------
# Presences and bookings


def presence_seconds(presence: Presence, now: dt.datetime | None = None) -> int:
    """The length of a presence in seconds (never negative).

    An open presence counts until `now`'s wall time on its own day, until midnight on an
    earlier day (a presence left open), and not at all on a later day or without `now`.
    """
    start = seconds_of_day(presence.from_time)
    if presence.to_time is not None:
        end = seconds_of_day(presence.to_time)
    elif now is None or presence.date > now.date():
        return 0
    elif presence.date < now.date():
        end = SECONDS_PER_DAY
    else:
        end = seconds_of_day(now.time())
    return max(0, end - start)


def total_presence_seconds(presences: Iterable[Presence], now: dt.datetime | None = None) -> int:
    """The summed length of the presences (open ones counted as in `presence_seconds`)."""
    return sum(presence_seconds(presence, now) for presence in presences)


def booked_seconds(activities: Iterable[Activity], now: dt.datetime | None = None) -> int:
    """The summed booked time; running timers add their elapsed part when `now` is given.

    `now` must be timezone-aware (timer starts are UTC instants).
    """
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware to measure running timers")
    return sum(
        activity.elapsed_seconds(now) if now is not None else activity.seconds
        for activity in activities
    )


def day_gap_seconds(
    day: dt.date,
    presences: Iterable[Presence],
    activities: Iterable[Activity],
    now: dt.datetime | None = None,
) -> int:
    """Presence minus booked time on `day`: positive when time is still to be booked.

    Only presences and activities dated `day` count; see `presence_seconds` and
    `booked_seconds` for how open presences and running timers count.
    """
    present = total_presence_seconds((p for p in presences if p.date == day), now)
    booked = booked_seconds((a for a in activities if a.date == day), now)
    return present - booked


def overlapping_pairs(ranges: Sequence[TimeRange]) -> list[tuple[int, int]]:
    """Index pairs (i < j) of ranges that share time; touching ends (9-10, 10-11) do not.

    An open end lasts until midnight, so two open ranges always overlap (MOCO rejects a second
    open presence as "range overlaps"). Ranges of length zero overlap nothing.
    """
    spans = [
        (seconds_of_day(start), SECONDS_PER_DAY if end is None else seconds_of_day(end))
        for start, end in ranges
    ]
    return [
        (i, j)
        for i, (start_i, end_i) in enumerate(spans)
        for j, (start_j, end_j) in enumerate(spans)
        if i < j and max(start_i, start_j) < min(end_i, end_j)
    ]


def overlaps(ranges: Sequence[TimeRange]) -> bool:
    """Whether any two of the ranges share time (see `overlapping_pairs`)."""
    return bool(overlapping_pairs(ranges))


# ---------------------------------------------------------------------------------------------
# Targets


def employment_on(day: dt.date, employments: Iterable[Employment]) -> Employment | None:
    """The employment in effect on `day`; if several cover it, the one that started last."""
    covering = [employment for employment in employments if employment.covers(day)]
    return max(covering, key=lambda employment: employment.from_date, default=None)


def is_public_holiday(schedule: Schedule) -> bool:
    """Whether the schedule is a public holiday (MOCO absence code 2)."""
    return _is_absence(schedule) and (schedule.assignment.code or "").strip() == PUBLIC_HOLIDAY_CODE


def absent_halves(day: dt.date, schedules: Iterable[Schedule]) -> tuple[bool, bool]:
    """(morning off, afternoon off) on `day` from its absences, public holidays included.

    A schedule flagged neither am nor pm is read as a whole day, MOCO's default.
    """
    morning = afternoon = False
    for schedule in schedules:
        if schedule.date != day or not _is_absence(schedule):
            continue
        whole_day = not schedule.am and not schedule.pm
        morning = morning or schedule.am or whole_day
        afternoon = afternoon or schedule.pm or whole_day
    return morning, afternoon


def day_target_seconds(
    day: dt.date, employments: Iterable[Employment], schedules: Iterable[Schedule] = ()
) -> int:
    """Seconds to work on `day`: the employment pattern's hours minus absent halves.

    No employment covering the day means no target; a whole-day absence or public holiday
    means 0; a morning (afternoon) absence removes the pattern's morning (afternoon) hours.
    """
    employment = employment_on(day, employments)
    if employment is None:
        return 0
    index = day.weekday()
    pattern = employment.pattern
    morning_hours = pattern.am[index] if index < len(pattern.am) else 0.0
    afternoon_hours = pattern.pm[index] if index < len(pattern.pm) else 0.0
    morning_off, afternoon_off = absent_halves(day, schedules)
    hours = (0.0 if morning_off else morning_hours) + (0.0 if afternoon_off else afternoon_hours)
    return round(hours * 3600)


def week_target_seconds(
    day: dt.date, employments: Sequence[Employment], schedules: Sequence[Schedule] = ()
) -> int:
    """The summed day targets of the ISO week (Monday to Sunday) containing `day`."""
    return sum(day_target_seconds(weekday, employments, schedules) for weekday in week_days(day))


def _is_absence(schedule: Schedule) -> bool:
    return schedule.assignment.type.strip().casefold() == ABSENCE_TYPE.casefold()
