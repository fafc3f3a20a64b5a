"""Tests for core.timemath: weeks, clock times, presences, bookings, overlaps and targets."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from moco_desktop.core import i18n
from moco_desktop.core.entities import (
    Activity,
    Assignment,
    Employment,
    NamedRef,
    Presence,
    Schedule,
    UserRef,
    WorkPattern,
)
from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.timemath import (
    ClockTimeError,
    TimeRange,
    absent_halves,
    booked_seconds,
    day_bounds,
    day_gap_seconds,
    day_target_seconds,
    employment_on,
    format_clock_time,
    is_public_holiday,
    iso_week_label,
    monday_of,
    overlapping_pairs,
    overlaps,
    parse_clock_time,
    presence_seconds,
    seconds_of_day,
    total_presence_seconds,
    week_days,
    week_label,
    week_target_seconds,
)

D = dt.date
T = dt.time
UTC = dt.UTC
CEST = dt.timezone(dt.timedelta(hours=2))

# 2024-01-01 is a Monday.
MONDAY = D(2024, 1, 1)
TUESDAY = D(2024, 1, 2)
FRIDAY = D(2024, 1, 5)
SATURDAY = D(2024, 1, 6)


# ---------------------------------------------------------------------------------------------
# Weeks and days


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (D(2024, 1, 1), D(2024, 1, 1)),
        (D(2024, 1, 3), D(2024, 1, 1)),
        (D(2024, 1, 7), D(2024, 1, 1)),  # Sunday belongs to the week before
        (D(2024, 1, 8), D(2024, 1, 8)),
        (D(2025, 1, 1), D(2024, 12, 30)),  # across the new year
        (D(2024, 3, 1), D(2024, 2, 26)),  # across a leap day
    ],
)
def test_monday_of(day: dt.date, monday: dt.date) -> None:
    assert monday_of(day) == monday


def test_week_days_are_monday_to_sunday() -> None:
    days = week_days(D(2024, 1, 4))
    assert days == tuple(D(2024, 1, n) for n in range(1, 8))
    assert [day.weekday() for day in days] == list(range(7))


def test_week_days_across_month_and_year() -> None:
    assert week_days(D(2025, 1, 1)) == (
        D(2024, 12, 30),
        D(2024, 12, 31),
        D(2025, 1, 1),
        D(2025, 1, 2),
        D(2025, 1, 3),
        D(2025, 1, 4),
        D(2025, 1, 5),
    )


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (D(2024, 1, 1), "2024-W01"),
        (D(2024, 12, 30), "2025-W01"),  # ISO year differs from the calendar year
        (D(2021, 1, 3), "2020-W53"),
        (D(2020, 12, 31), "2020-W53"),
        (D(2024, 6, 15), "2024-W24"),
    ],
)
def test_iso_week_label(day: dt.date, label: str) -> None:
    assert iso_week_label(day) == label


@pytest.mark.parametrize(
    ("day", "lang", "label"),
    [
        (D(2024, 1, 1), "en", "Week 1, 2024"),
        (D(2024, 1, 1), "de", "KW 1/2024"),
        (D(2024, 12, 30), "en", "Week 1, 2025"),
        (D(2021, 1, 3), "de", "KW 53/2020"),
    ],
)
def test_week_label(day: dt.date, lang: str, label: str) -> None:
    assert week_label(day, lang) == label


def test_week_label_follows_current_language() -> None:
    assert week_label(MONDAY) == "Week 1, 2024"
    i18n.set_language("de")
    assert week_label(MONDAY) == "KW 1/2024"


def test_day_bounds_naive() -> None:
    start, end = day_bounds(D(2024, 2, 29))
    assert start == dt.datetime(2024, 2, 29, 0, 0)
    assert end == dt.datetime(2024, 3, 1, 0, 0)
    assert start.tzinfo is None


def test_day_bounds_with_fixed_offset() -> None:
    start, end = day_bounds(D(2024, 12, 31), CEST)
    assert start == dt.datetime(2024, 12, 31, tzinfo=CEST)
    assert end == dt.datetime(2025, 1, 1, tzinfo=CEST)
    assert end - start == dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "hours"),
    [(D(2024, 3, 31), 23), (D(2024, 10, 27), 25), (D(2024, 6, 1), 24)],
)
def test_day_bounds_over_daylight_saving_changes(day: dt.date, hours: int) -> None:
    try:
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone database on this machine")
    start, end = day_bounds(day, berlin)
    assert (start.hour, start.minute, end.hour, end.minute) == (0, 0, 0, 0)
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=hours)


# ---------------------------------------------------------------------------------------------
# Clock times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00", T(8, 0)),
        ("8:00", T(8, 0)),
        ("00:00", T(0, 0)),
        ("23:59", T(23, 59)),
        ("12:30", T(12, 30)),
        (" 09:15 ", T(9, 15)),
    ],
)
def test_parse_clock_time(text: str, expected: dt.time) -> None:
    assert parse_clock_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "8",  # MOCO answers 500 for this one
        "08",
        "800",
        "0800",
        "8:0",
        "8:000",
        "08:00:00",
        "24:00",
        "25:00",
        "12:60",
        "-1:00",
        "8.30",
        "8h",
        "",
        "   ",
        "ab:cd",
        "123:00",
        "8 : 00",
    ],
)
def test_parse_clock_time_rejects(text: str) -> None:
    with pytest.raises(ClockTimeError) as caught:
        parse_clock_time(text)
    assert caught.value.key == "timemath.invalid_clock_time"
    assert caught.value.params == {"text": text.strip()}


def test_clock_time_error_messages() -> None:
    with pytest.raises(ClockTimeError) as caught:
        parse_clock_time("8")
    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error, UserFacingError)
    english = "“8” is not a time of day; use HH:MM between 00:00 and 23:59, e.g. 08:30."
    assert error.message == english
    assert str(error) == english
    assert error.message_in("de") == (
        "„8“ ist keine Uhrzeit; bitte als HH:MM zwischen 00:00 und 23:59 angeben, z. B. 08:30."
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (T(8, 0), "08:00"),
        (T(0, 0), "00:00"),
        (T(23, 59, 59), "23:59"),  # seconds dropped, not rounded
        (T(9, 5, 30, 5), "09:05"),
        (T(9, 5, tzinfo=CEST), "09:05"),
    ],
)
def test_format_clock_time(value: dt.time, text: str) -> None:
    assert format_clock_time(value) == text


@pytest.mark.parametrize("text", ["00:00", "08:05", "12:30", "23:59"])
def test_clock_time_round_trip(text: str) -> None:
    assert format_clock_time(parse_clock_time(text)) == text


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(T(0, 0), 0), (T(1, 2, 3), 3723), (T(23, 59, 59, 999999), 86399)],
)
def test_seconds_of_day(value: dt.time, seconds: int) -> None:
    assert seconds_of_day(value) == seconds


# ---------------------------------------------------------------------------------------------
# Presences, bookings, gap


def presence(day: dt.date, start: dt.time, end: dt.time | None, presence_id: int = 1) -> Presence:
    return Presence(id=presence_id, date=day, from_time=start, to_time=end)


def activity(
    day: dt.date,
    seconds: int,
    timer_started_at: dt.datetime | None = None,
    activity_id: int = 1,
) -> Activity:
    return Activity(
        id=activity_id,
        date=day,
        seconds=seconds,
        description="",
        project=NamedRef(id=10, name="Website"),
        task=NamedRef(id=20, name="Design"),
        customer=None,
        user=UserRef(id=1),
        timer_started_at=timer_started_at,
    )


NOW = dt.datetime(2024, 1, 2, 12, 30, tzinfo=CEST)  # Tuesday 12:30 local


@pytest.mark.parametrize(
    ("item", "now", "seconds"),
    [
        (presence(TUESDAY, T(8, 0), T(12, 0)), None, 4 * 3600),
        (presence(TUESDAY, T(8, 0), T(12, 0)), NOW, 4 * 3600),
        (presence(TUESDAY, T(0, 0), T(23, 59)), None, 86340),
        (presence(TUESDAY, T(8, 0), T(8, 0)), None, 0),
        (presence(TUESDAY, T(12, 0), T(8, 0)), None, 0),  # broken data never counts negative
        (presence(TUESDAY, T(8, 0), None), None, 0),  # open, no clock: nothing yet
        (presence(TUESDAY, T(8, 0), None), NOW, 4 * 3600 + 1800),  # open until now
        (presence(TUESDAY, T(13, 0), None), NOW, 0),  # opened later today
        (presence(MONDAY, T(20, 0), None), NOW, 4 * 3600),  # left open yesterday: until midnight
        (presence(D(2024, 1, 3), T(8, 0), None), NOW, 0),  # a future day
    ],
)
def test_presence_seconds(item: Presence, now: dt.datetime | None, seconds: int) -> None:
    assert presence_seconds(item, now) == seconds


def test_open_presence_uses_now_wall_time_with_seconds() -> None:
    now = dt.datetime(2024, 1, 2, 9, 0, 42, 500, tzinfo=CEST)
    assert presence_seconds(presence(TUESDAY, T(8, 0), None), now) == 3642


def test_open_presence_with_naive_now() -> None:
    now = dt.datetime(2024, 1, 2, 9, 0)
    assert presence_seconds(presence(TUESDAY, T(8, 30), None), now) == 1800


def test_total_presence_seconds() -> None:
    items = [
        presence(TUESDAY, T(8, 0), T(12, 0), 1),
        presence(TUESDAY, T(12, 30), None, 2),
    ]
    assert total_presence_seconds(items) == 4 * 3600
    assert total_presence_seconds(items, dt.datetime(2024, 1, 2, 13, 0, tzinfo=CEST)) == (
        4 * 3600 + 1800
    )
    assert total_presence_seconds([]) == 0


def test_booked_seconds_without_now_ignores_running_part() -> None:
    started = dt.datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    items = [activity(TUESDAY, 1800, None, 1), activity(TUESDAY, 600, started, 2)]
    assert booked_seconds(items) == 2400


def test_booked_seconds_counts_running_timer_until_now() -> None:
    started = dt.datetime(2024, 1, 2, 10, 0, tzinfo=UTC)  # 12:00 local
    items = [activity(TUESDAY, 1800, None, 1), activity(TUESDAY, 600, started, 2)]
    assert booked_seconds(items, NOW) == 1800 + 600 + 1800


def test_booked_seconds_timer_started_in_the_future_adds_nothing() -> None:
    started = dt.datetime(2024, 1, 2, 11, 0, tzinfo=UTC)  # 13:00 local, after NOW
    assert booked_seconds([activity(TUESDAY, 600, started)], NOW) == 600


def test_booked_seconds_needs_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        booked_seconds([activity(TUESDAY, 60)], dt.datetime(2024, 1, 2, 12, 0))


def test_day_gap_is_presence_minus_booked_on_that_day() -> None:
    presences = [
        presence(TUESDAY, T(8, 0), T(12, 0), 1),
        presence(TUESDAY, T(12, 15), None, 2),  # open: 15 min until NOW
        presence(MONDAY, T(8, 0), T(18, 0), 3),  # another day
    ]
    started = dt.datetime(2024, 1, 2, 10, 20, tzinfo=UTC)  # 12:20 local: 10 min so far
    activities = [
        activity(TUESDAY, 3 * 3600, None, 1),
        activity(TUESDAY, 0, started, 2),
        activity(MONDAY, 8 * 3600, None, 3),  # another day
    ]
    assert day_gap_seconds(TUESDAY, presences, activities, NOW) == (
        4 * 3600 + 900 - (3 * 3600 + 600)
    )
    assert day_gap_seconds(TUESDAY, presences, activities) == 4 * 3600 - 3 * 3600
    assert day_gap_seconds(MONDAY, presences, activities, NOW) == 2 * 3600


def test_day_gap_is_negative_when_more_is_booked_than_present() -> None:
    assert day_gap_seconds(TUESDAY, [], [activity(TUESDAY, 3600)]) == -3600
    assert day_gap_seconds(TUESDAY, [], []) == 0


# ---------------------------------------------------------------------------------------------
# Overlaps


@pytest.mark.parametrize(
    ("ranges", "pairs"),
    [
        ([], []),
        ([(T(9, 0), T(10, 0))], []),
        ([(T(9, 0), T(10, 0)), (T(10, 0), T(11, 0))], []),  # touching
        ([(T(9, 0), T(10, 0)), (T(9, 59), T(11, 0))], [(0, 1)]),
        ([(T(9, 0), T(12, 0)), (T(10, 0), T(11, 0))], [(0, 1)]),  # contained
        ([(T(10, 0), T(11, 0)), (T(9, 0), T(12, 0))], [(0, 1)]),
        ([(T(9, 0), T(10, 0)), (T(9, 0), T(10, 0))], [(0, 1)]),  # identical
        ([(T(9, 0), None), (T(12, 0), T(13, 0))], [(0, 1)]),  # open lasts until midnight
        ([(T(12, 0), T(13, 0)), (T(9, 0), None)], [(0, 1)]),
        ([(T(9, 0), T(12, 0)), (T(12, 0), None)], []),  # open range after a closed one
        ([(T(9, 0), None), (T(14, 0), None)], [(0, 1)]),  # two open presences
        ([(T(9, 0), T(9, 0)), (T(8, 0), T(10, 0))], []),  # zero length
        ([(T(0, 0), T(0, 30)), (T(23, 30), None)], []),  # both ends of the day
        (
            [(T(8, 0), T(10, 0)), (T(9, 0), T(11, 0)), (T(10, 30), T(12, 0)), (T(13, 0), None)],
            [(0, 1), (1, 2)],
        ),
    ],
)
def test_overlapping_pairs(ranges: list[TimeRange], pairs: list[tuple[int, int]]) -> None:
    assert overlapping_pairs(ranges) == pairs
    assert overlaps(ranges) is bool(pairs)


# ---------------------------------------------------------------------------------------------
# Targets

# MOCO's documented example: Monday off, Friday mornings only; 29.75 h a week.
PART_TIME = WorkPattern(am=(0, 4.25, 4.25, 4.25, 4.25), pm=(0, 4.25, 4.25, 4.25, 0))
FULL_TIME = WorkPattern(am=(4, 4, 4, 4, 4), pm=(4, 4, 4, 4, 4))
FULL_TIME_2024 = Employment(
    id=1, weekly_target_hours=40, pattern=FULL_TIME, from_date=D(2023, 1, 1), to_date=None
)


def employment(
    pattern: WorkPattern, start: dt.date, end: dt.date | None, employment_id: int = 1
) -> Employment:
    hours = sum(pattern.am) + sum(pattern.pm)
    return Employment(
        id=employment_id, weekly_target_hours=hours, pattern=pattern, from_date=start, to_date=end
    )


def absence(
    day: dt.date,
    *,
    am: bool = True,
    pm: bool = True,
    code: str | None = "4",
    kind: str = "Absence",
    schedule_id: int = 1,
) -> Schedule:
    names = {"1": "Unplannable", "2": "Public holiday", "3": "Sick", "4": "Holiday", "5": "Other"}
    assignment = Assignment(id=100, name=names.get(code or "", "Project"), code=code, type=kind)
    return Schedule(id=schedule_id, date=day, am=am, pm=pm, assignment=assignment)


@pytest.mark.parametrize(
    ("day", "seconds"),
    [
        (MONDAY, 0),  # no hours on Mondays
        (TUESDAY, round(8.5 * 3600)),
        (FRIDAY, round(4.25 * 3600)),  # mornings only
        (SATURDAY, 0),  # five-value pattern: weekends have no target
        (D(2024, 1, 7), 0),
    ],
)
def test_day_target_from_pattern(day: dt.date, seconds: int) -> None:
    part_time = employment(PART_TIME, D(2017, 1, 1), None)
    assert day_target_seconds(day, [part_time]) == seconds


def test_seven_day_pattern_counts_weekends() -> None:
    pattern = WorkPattern(am=(4, 4, 4, 4, 4, 2, 0), pm=(4, 4, 4, 4, 4, 0, 1.5))
    weekend = employment(pattern, D(2023, 1, 1), None)
    assert day_target_seconds(SATURDAY, [weekend]) == 2 * 3600
    assert day_target_seconds(D(2024, 1, 7), [weekend]) == 5400


@pytest.mark.parametrize(
    ("schedules", "seconds"),
    [
        ([], 8 * 3600),
        ([absence(TUESDAY)], 0),  # whole-day holiday
        ([absence(TUESDAY, am=True, pm=False)], 4 * 3600),  # morning off
        ([absence(TUESDAY, am=False, pm=True)], 4 * 3600),  # afternoon off
        ([absence(TUESDAY, am=False, pm=False)], 0),  # neither flag: a whole day
        ([absence(TUESDAY, code="2")], 0),  # public holiday
        ([absence(TUESDAY, code="2", am=False, pm=True)], 4 * 3600),  # half-day holiday
        ([absence(TUESDAY, code="3")], 0),  # sick
        (
            [
                absence(TUESDAY, am=True, pm=False, code="4", schedule_id=1),
                absence(TUESDAY, am=False, pm=True, code="3", schedule_id=2),
            ],
            0,
        ),  # holiday in the morning, sick in the afternoon
        (
            [
                absence(TUESDAY, am=True, pm=False, schedule_id=1),
                absence(TUESDAY, am=True, pm=False, code="2", schedule_id=2),
            ],
            4 * 3600,
        ),  # the same half twice counts once
        ([absence(MONDAY)], 8 * 3600),  # another day
        ([absence(TUESDAY, kind="Project", code=None)], 8 * 3600),  # not an absence
        ([absence(TUESDAY, kind=" absence ")], 0),  # type compared leniently
    ],
)
def test_day_target_minus_absences(schedules: list[Schedule], seconds: int) -> None:
    assert day_target_seconds(TUESDAY, [FULL_TIME_2024], schedules) == seconds


def test_half_day_absence_removes_the_matching_half_of_an_uneven_day() -> None:
    pattern = WorkPattern(am=(3, 3, 3, 3, 3), pm=(5, 5, 5, 5, 5))
    uneven = employment(pattern, D(2023, 1, 1), None)
    morning = [absence(TUESDAY, am=True, pm=False)]
    afternoon = [absence(TUESDAY, am=False, pm=True)]
    assert day_target_seconds(TUESDAY, [uneven], morning) == 5 * 3600
    assert day_target_seconds(TUESDAY, [uneven], afternoon) == 3 * 3600


def test_no_employment_means_no_target() -> None:
    assert day_target_seconds(TUESDAY, []) == 0
    before = employment(FULL_TIME, D(2024, 2, 1), None)
    assert day_target_seconds(TUESDAY, [before]) == 0
    ended = employment(FULL_TIME, D(2023, 1, 1), D(2023, 12, 31))
    assert day_target_seconds(TUESDAY, [ended]) == 0


def test_employment_change_mid_week() -> None:
    old = employment(FULL_TIME, D(2023, 1, 1), D(2024, 1, 2), employment_id=1)
    new = employment(PART_TIME, D(2024, 1, 3), None, employment_id=2)
    assert employment_on(TUESDAY, [old, new]) == old
    assert employment_on(D(2024, 1, 3), [old, new]) == new
    assert day_target_seconds(TUESDAY, [new, old]) == 8 * 3600
    assert day_target_seconds(FRIDAY, [new, old]) == round(4.25 * 3600)
    # Mon, Tue full time (8 + 8); Wed, Thu, Fri part time (8.5 + 8.5 + 4.25).
    assert week_target_seconds(FRIDAY, [old, new]) == round((16 + 21.25) * 3600)


def test_overlapping_employments_prefer_the_later_start() -> None:
    open_ended = employment(FULL_TIME, D(2020, 1, 1), None, employment_id=1)
    newer = employment(PART_TIME, D(2024, 1, 1), None, employment_id=2)
    assert employment_on(TUESDAY, [newer, open_ended]) == newer
    assert employment_on(D(2023, 6, 1), [newer, open_ended]) == open_ended
    assert employment_on(D(2019, 6, 1), [newer, open_ended]) is None


def test_employment_boundaries_are_inclusive() -> None:
    single_day = employment(FULL_TIME, TUESDAY, TUESDAY)
    assert day_target_seconds(TUESDAY, [single_day]) == 8 * 3600
    assert day_target_seconds(MONDAY, [single_day]) == 0


def test_week_target() -> None:
    part_time = employment(PART_TIME, D(2017, 1, 1), None)
    assert week_target_seconds(D(2024, 1, 7), [part_time]) == round(29.75 * 3600)
    schedules = [absence(TUESDAY), absence(FRIDAY, am=True, pm=False), absence(D(2024, 1, 8))]
    assert week_target_seconds(MONDAY, [part_time], schedules) == round((29.75 - 8.5 - 4.25) * 3600)


def test_fractional_hours_give_whole_seconds() -> None:
    pattern = WorkPattern(am=(8.4,), pm=(0.1,))
    odd = employment(pattern, D(2023, 1, 1), None)
    assert day_target_seconds(MONDAY, [odd]) == 30600


def test_absent_halves() -> None:
    schedules = [absence(TUESDAY, am=False, pm=True), absence(MONDAY)]
    assert absent_halves(TUESDAY, schedules) == (False, True)
    assert absent_halves(MONDAY, schedules) == (True, True)
    assert absent_halves(FRIDAY, schedules) == (False, False)


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (absence(TUESDAY, code="2"), True),
        (absence(TUESDAY, code=" 2 "), True),
        (absence(TUESDAY, code="4"), False),
        (absence(TUESDAY, code=None), False),
        (absence(TUESDAY, code="2", kind="Project"), False),
    ],
)
def test_is_public_holiday(schedule: Schedule, expected: bool) -> None:
    assert is_public_holiday(schedule) is expected


def test_every_timemath_message_has_german() -> None:
    keys = [key for key in i18n.known_keys() if key.startswith("timemath.")]
    assert sorted(keys) == ["timemath.invalid_clock_time", "timemath.week_label"]
    assert not [key for key in i18n.missing_translations("de") if key.startswith("timemath.")]
