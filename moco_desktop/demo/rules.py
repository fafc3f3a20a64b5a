"""MOCO's business rules the embedded server imitates: timers, presences, target hours.

- One timer per user; starting one stops the other (its time is booked).
- Stopping adds the elapsed time to `seconds` in whole minutes, rounded to the nearest minute
  (half a minute rounds up). A start/stop right away adds nothing, as recorded on real MOCO.
- Starting a timer opens a presence from the current minute when the day has no open one and
  that minute is free.
- Presences are half-open ranges [from, to); an open presence reaches to the end of its day,
  so a second open presence (or one that would run into it) overlaps.
- `is_home_office` belongs to the day: setting it on a presence sets it on the whole day.
All functions expect the caller to hold `state.lock`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from moco_desktop.demo.state import ActivityRecord, MocoState, PresenceRecord

_END_OF_DAY = 24 * 60


def minute_of(moment: dt.datetime) -> dt.time:
    """The wall-clock minute of a Berlin datetime."""
    return dt.time(moment.hour, moment.minute)


def booked_seconds(elapsed: float) -> int:
    """The timer's elapsed time as booked: whole minutes, nearest minute, never negative."""
    return int(max(0.0, elapsed) + 30) // 60 * 60


# ---------------------------------------------------------------------------------- timers
def stop_timer(state: MocoState, activity: ActivityRecord, now: dt.datetime) -> None:
    if activity.timer_started_at is None:
        return
    activity.seconds += booked_seconds((now - activity.timer_started_at).total_seconds())
    activity.timer_started_at = None
    activity.updated_at = now.astimezone(dt.UTC)


def start_timer(state: MocoState, activity: ActivityRecord, now: dt.datetime) -> None:
    """Start `activity`'s timer, stopping any other of its user, and open a presence."""
    for other in list(state.activities.values()):
        if other.user_id == activity.user_id and other.is_running and other.id != activity.id:
            stop_timer(state, other, now)
    now_utc = now.astimezone(dt.UTC)
    activity.timer_started_at = now_utc.replace(microsecond=0)
    activity.updated_at = now_utc
    open_presence_for_timer(state, activity.user_id, now)


def open_presence_for_timer(
    state: MocoState, user_id: int, now: dt.datetime
) -> PresenceRecord | None:
    day, minute = now.date(), minute_of(now)
    if any(p.is_open for p in state.presences_of(user_id, day)):
        return None
    if presence_overlaps(state, user_id, day, minute, None):
        return None
    return create_presence(state, user_id, day, minute, None, None, now)


# ---------------------------------------------------------------------------------- presences
def _minutes(value: dt.time | None) -> int:
    return _END_OF_DAY if value is None else value.hour * 60 + value.minute


def presence_overlaps(
    state: MocoState,
    user_id: int,
    day: dt.date,
    from_time: dt.time,
    to_time: dt.time | None,
    exclude_id: int | None = None,
) -> bool:
    start, end = _minutes(from_time), _minutes(to_time)
    for other in state.presences_of(user_id, day):
        if other.id == exclude_id:
            continue
        if start < _minutes(other.to_time) and _minutes(other.from_time) < end:
            return True
    return False


def create_presence(
    state: MocoState,
    user_id: int,
    day: dt.date,
    from_time: dt.time,
    to_time: dt.time | None,
    is_home_office: bool | None,
    now: dt.datetime,
) -> PresenceRecord:
    """Store a presence; without an explicit `is_home_office` it follows the day."""
    same_day = state.presences_of(user_id, day)
    home_office = (
        is_home_office if is_home_office is not None else any(p.is_home_office for p in same_day)
    )
    presence = state.add_presence(
        user_id,
        day,
        from_time,
        to_time,
        is_home_office=home_office,
        updated_at=now.astimezone(dt.UTC),
    )
    if is_home_office is not None:
        set_home_office_for_day(state, user_id, day, is_home_office, now)
    return presence


def set_home_office_for_day(
    state: MocoState, user_id: int, day: dt.date, home_office: bool, now: dt.datetime
) -> None:
    for presence in state.presences_of(user_id, day):
        if presence.is_home_office != home_office:
            presence.is_home_office = home_office
            presence.updated_at = now.astimezone(dt.UTC)


# ---------------------------------------------------------------------------------- reports
def performance_report(state: MocoState, user_id: int, year: int, today: dt.date) -> dict[str, Any]:
    """Target hours from the employment pattern minus absences, against tracked hours."""
    employments = state.employments_of(user_id)
    absences = {(s.date, s.am, s.pm) for s in state.schedules_of(user_id) if s.date.year == year}
    half_days_off: dict[dt.date, tuple[bool, bool]] = {}
    for day, off_morning, off_afternoon in absences:
        was_am, was_pm = half_days_off.get(day, (False, False))
        half_days_off[day] = (was_am or off_morning, was_pm or off_afternoon)

    tracked = [0.0] * 13
    billable = [0.0] * 13
    tracked_until_today = 0.0
    for activity in state.activities_of(user_id):
        if activity.date.year != year:
            continue
        hours = activity.seconds / 3600
        tracked[activity.date.month] += hours
        if activity.billable:
            billable[activity.date.month] += hours
        if activity.date <= today:
            tracked_until_today += hours

    employment_hours = 0.0
    target_total = 0.0
    target_until_today = 0.0
    monthly: list[dict[str, Any]] = []
    for month in range(1, 13):
        target = 0.0
        for day_number in range(1, calendar.monthrange(year, month)[1] + 1):
            day = dt.date(year, month, day_number)
            employment = next((e for e in employments if e.covers(day)), None)
            if employment is None:
                continue
            am, pm = employment.hours_on(day)
            employment_hours += am + pm
            off_am, off_pm = half_days_off.get(day, (False, False))
            day_target = (0.0 if off_am else am) + (0.0 if off_pm else pm)
            target += day_target
            target_total += day_target
            if day <= today:
                target_until_today += day_target
        monthly.append(
            {
                "year": year,
                "month": month,
                "target_hours": round(target, 2),
                "hours_tracked_total": round(tracked[month], 2),
                "variation": round(tracked[month] - target, 2),
                "hours_billable_total": round(billable[month], 2),
            }
        )
    tracked_total = sum(tracked)
    return {
        "annually": {
            "year": year,
            "employment_hours": round(employment_hours, 2),
            "target_hours": round(target_total, 2),
            "hours_tracked_total": round(tracked_total, 2),
            "variation": round(tracked_total - target_total, 2),
            "variation_until_today": round(tracked_until_today - target_until_today, 2),
            "hours_billable_total": round(sum(billable), 2),
        },
        "monthly": monthly,
    }
