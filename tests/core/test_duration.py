"""Tests for core.duration: every accepted and rejected input, formatting and rounding."""

from __future__ import annotations

import datetime as dt

import pytest

from moco_desktop.core import i18n
from moco_desktop.core.duration import (
    MAX_DURATION_SECONDS,
    DurationError,
    DurationStyle,
    ParsedDuration,
    RoundingMode,
    format_duration,
    parse_duration,
    round_seconds,
)
from moco_desktop.core.errors import UserFacingError

T = dt.time


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        # clock style
        ("1:30", 5400),
        ("0:45", 2700),
        ("01:30", 5400),
        ("0:01", 60),
        ("1:30h", 5400),
        ("1:30 h", 5400),
        ("24:00", 86400),
        ("12:00", 43200),
        # decimal hours, comma or point; a bare number is hours
        ("1,5", 5400),
        ("1.5", 5400),
        ("2", 7200),
        ("0.25", 900),
        ("0,25", 900),
        (".5", 1800),
        (",75", 2700),
        ("1,333", 4799),  # 4798.8 s rounds to whole seconds
        ("24", 86400),
        ("0.1", 360),
        # hours with a unit
        ("1.5h", 5400),
        ("1,5 h", 5400),
        ("2h", 7200),
        ("2 H", 7200),
        ("2 hours", 7200),
        ("1 hour", 3600),
        ("2hrs", 7200),
        ("2 Std", 7200),
        ("2 std.", 7200),
        ("2 Stunden", 7200),
        ("1 Stunde", 3600),
        # minutes
        ("90m", 5400),
        ("90 min", 5400),
        ("90 mins", 5400),
        ("90 minutes", 5400),
        ("1 minute", 60),
        ("90 Minuten", 5400),
        ("1.5m", 90),
        ("1,5 min", 90),
        ("45m", 2700),
        ("1440m", 86400),
        # hours and minutes
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("1h30", 5400),
        ("1h 30", 5400),
        ("1 h 30 min", 5400),
        ("1H30M", 5400),
        ("2h5m", 7500),
        ("0h45m", 2700),
        ("23h59m", 86340),
        ("24h0m", 86400),
        # surrounding and inner whitespace, including non-breaking spaces
        ("  1:30  ", 5400),
        ("1,5\u00a0h", 5400),
        ("\t90m\n", 5400),
    ],
)
def test_accepted_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == ParsedDuration(seconds=seconds)


@pytest.mark.parametrize(
    ("text", "start", "end", "seconds"),
    [
        ("9:00-10:30", T(9, 0), T(10, 30), 5400),
        ("9-10:30", T(9, 0), T(10, 30), 5400),
        ("09:00 – 10:30", T(9, 0), T(10, 30), 5400),  # en dash
        ("09:00—10:30", T(9, 0), T(10, 30), 5400),  # em dash
        ("9:00 - 10:30", T(9, 0), T(10, 30), 5400),
        ("9-17", T(9, 0), T(17, 0), 8 * 3600),
        ("8:15-8:16", T(8, 15), T(8, 16), 60),
        ("0:00-0:30", T(0, 0), T(0, 30), 1800),  # from midnight
        ("00:00-23:59", T(0, 0), T(23, 59), 86340),
        ("23:30-23:59", T(23, 30), T(23, 59), 1740),
    ],
)
def test_accepted_ranges(text: str, start: dt.time, end: dt.time, seconds: int) -> None:
    assert parse_duration(text) == ParsedDuration(seconds=seconds, start=start, end=end)
    assert parse_duration(text).is_range


@pytest.mark.parametrize(
    ("text", "seconds", "start"),
    [
        ("(1h)", 3600, None),
        ("(1:30)", 5400, None),
        ("( 1,5 h )", 5400, None),
        ("(90m)", 5400, None),
        ("(1h30m)", 5400, None),
        ("(9:00-10:30)", 5400, T(9, 0)),
    ],
)
def test_parentheses_mark_non_billable(text: str, seconds: int, start: dt.time | None) -> None:
    parsed = parse_duration(text)
    assert parsed.billable is False
    assert parsed.seconds == seconds
    assert parsed.start == start


def test_without_parentheses_billable_is_left_open() -> None:
    assert parse_duration("1h").billable is None
    assert not parse_duration("1h").is_range


@pytest.mark.parametrize(
    ("text", "now", "seconds", "end"),
    [
        ("9:00-", T(10, 30), 5400, T(10, 30)),
        ("9-", T(9, 1), 60, T(9, 1)),
        ("9:00 –", T(10, 30, 45, 999999), 5445, T(10, 30, 45)),  # seconds kept, micros dropped
        ("(8:00-)", T(12, 0), 4 * 3600, T(12, 0)),
    ],
)
def test_open_range_ends_now(text: str, now: dt.time, seconds: int, end: dt.time) -> None:
    parsed = parse_duration(text, now=now)
    assert parsed.seconds == seconds
    assert parsed.end == end
    assert parsed.open_ended
    assert parsed.is_range


def test_open_range_accepts_aware_now() -> None:
    now = T(10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert parse_duration("9:00-", now=now).end == T(10, 0)


def test_closed_range_ignores_now() -> None:
    parsed = parse_duration("9:00-10:00", now=T(8, 0))
    assert parsed == ParsedDuration(seconds=3600, start=T(9, 0), end=T(10, 0))
    assert not parsed.open_ended


@pytest.mark.parametrize(
    ("text", "key", "params"),
    [
        ("abc", "duration.invalid", {"text": "abc"}),
        ("-1h", "duration.negative", {"text": "-1h"}),
        ("−1:30", "duration.negative", {"text": "-1:30"}),  # typographic minus
        ("(-1h)", "duration.negative", {"text": "(-1h)"}),
        ("-abc", "duration.invalid", {"text": "-abc"}),
        ("-", "duration.invalid", {"text": "-"}),
        ("25:99", "duration.minutes_out_of_range", {"minutes": "99"}),
        ("1:75", "duration.minutes_out_of_range", {"minutes": "75"}),
        ("1:60", "duration.minutes_out_of_range", {"minutes": "60"}),
        ("1h75m", "duration.minutes_out_of_range", {"minutes": "75"}),
        ("1:5", "duration.invalid", {"text": "1:5"}),
        ("1:500", "duration.invalid", {"text": "1:500"}),
        ("", "duration.empty", {}),
        ("   ", "duration.empty", {}),
        ("\u00a0\t\n", "duration.empty", {}),
        ("()", "duration.empty", {}),
        ("( )", "duration.empty", {}),
        ("0", "duration.zero", {}),
        ("0:00", "duration.zero", {}),
        ("0h", "duration.zero", {}),
        ("0m", "duration.zero", {}),
        ("0,0", "duration.zero", {}),
        ("0h0m", "duration.zero", {}),
        ("0.0001", "duration.zero", {}),  # 0.36 s rounds to nothing
        ("9:00-9:00", "duration.range_empty", {"start": "09:00", "end": "09:00"}),
        ("9-9:00", "duration.range_empty", {"start": "09:00", "end": "09:00"}),
        ("24:01", "duration.too_long", {"duration": "24:01"}),
        ("25h", "duration.too_long", {"duration": "25:00"}),
        ("24.5", "duration.too_long", {"duration": "24:30"}),
        ("45", "duration.too_long", {"duration": "45:00"}),
        ("1441m", "duration.too_long", {"duration": "24:01"}),
        ("100:00", "duration.too_long", {"duration": "100:00"}),
        ("1.5.5", "duration.invalid", {"text": "1.5.5"}),
        ("1,5,5", "duration.invalid", {"text": "1,5,5"}),
        ("h", "duration.invalid", {"text": "h"}),
        ("m", "duration.invalid", {"text": "m"}),
        ("1hh", "duration.invalid", {"text": "1hh"}),
        ("1mm", "duration.invalid", {"text": "1mm"}),
        ("1.", "duration.invalid", {"text": "1."}),
        ("1.5h30m", "duration.invalid", {"text": "1.5h30m"}),
        ("1h30h", "duration.invalid", {"text": "1h30h"}),
        ("1 30", "duration.invalid", {"text": "1 30"}),
        ("+1h", "duration.invalid", {"text": "+1h"}),
        ("1e3", "duration.invalid", {"text": "1e3"}),
        ("½", "duration.invalid", {"text": "½"}),
        ("²", "duration.invalid", {"text": "²"}),
        ("1:30:00", "duration.invalid", {"text": "1:30:00"}),
        ("1h-2h", "duration.invalid", {"text": "1h-2h"}),
        ("9:00--10:00", "duration.invalid", {"text": "9:00--10:00"}),
        ("9:00-10:00-11:00", "duration.invalid", {"text": "9:00-10:00-11:00"}),
        ("9:0-10:00", "duration.invalid", {"text": "9:0-10:00"}),
        ("22:00-01:00", "duration.range_over_midnight", {"start": "22:00", "end": "01:00"}),
        ("23:59-0:00", "duration.range_over_midnight", {"start": "23:59", "end": "00:00"}),
        ("10:30-9:00", "duration.range_over_midnight", {"start": "10:30", "end": "09:00"}),
        ("9:00-24:00", "duration.invalid_time", {"time": "24:00"}),
        ("25:00-26:00", "duration.invalid_time", {"time": "25:00"}),
        ("9:60-10:00", "duration.invalid_time", {"time": "9:60"}),
        ("9:00-", "duration.open_range_needs_now", {"start": "09:00"}),
        ("(1h", "duration.unbalanced_parentheses", {"text": "(1h"}),
        ("1h)", "duration.unbalanced_parentheses", {"text": "1h)"}),
        ("((1h))", "duration.unbalanced_parentheses", {"text": "((1h))"}),
        ("(1h) 2h", "duration.unbalanced_parentheses", {"text": "(1h) 2h"}),
    ],
)
def test_rejected_inputs(text: str, key: str, params: dict[str, object]) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert caught.value.key == key
    assert caught.value.params == params


@pytest.mark.parametrize(
    ("text", "now", "key", "params"),
    [
        ("11:00-", T(10, 0), "duration.open_range_in_future", {"start": "11:00", "now": "10:00"}),
        ("10:00-", T(10, 0), "duration.range_empty", {"start": "10:00", "end": "10:00"}),
    ],
)
def test_rejected_open_ranges(text: str, now: dt.time, key: str, params: dict[str, object]) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text, now=now)
    assert (caught.value.key, caught.value.params) == (key, params)


def test_open_range_within_its_first_minute_counts_seconds() -> None:
    assert parse_duration("10:00-", now=T(10, 0, 30)).seconds == 30


def test_huge_inputs_are_rejected_without_converting_them() -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration("9" * 10_000)
    assert caught.value.key == "duration.invalid"
    assert len(str(caught.value)) < 200


def test_max_duration_is_a_day() -> None:
    assert MAX_DURATION_SECONDS == 86400
    assert parse_duration("24h").seconds == MAX_DURATION_SECONDS


@pytest.mark.parametrize(
    ("text", "english", "german"),
    [
        (
            "abc",
            "“abc” is not a duration. Try 1:30, 1,5, 90m, 1h30m or 9:00-10:30.",
            "„abc“ ist keine gültige Dauer. Möglich sind z. B. 1:30, 1,5, 90m, 1h30m "
            "oder 9:00-10:30.",
        ),
        (
            "-1h",
            "A duration cannot be negative (“-1h”).",
            "Eine Dauer kann nicht negativ sein („-1h“).",
        ),
        ("0", "The duration must be longer than zero.", "Die Dauer muss größer als null sein."),
        (
            "1:75",
            "Minutes must be between 00 and 59, not 75.",
            "Die Minuten müssen zwischen 00 und 59 liegen, nicht 75.",
        ),
        (
            "45",
            "45:00 h is more than 24 hours. A bare number counts as hours; write minutes as "
            "e.g. 45m.",
            "45:00 h sind mehr als 24 Stunden. Eine Zahl allein zählt als Stunden; Minuten "
            "z. B. als 45m schreiben.",
        ),
        (
            "22:00-01:00",
            "The range 22:00–01:00 crosses midnight; enter one entry per day.",
            "Der Zeitraum 22:00–01:00 geht über Mitternacht; bitte einen Eintrag pro Tag erfassen.",
        ),
        (
            "9:00-9:00",
            "The range 09:00–09:00 has no length.",
            "Der Zeitraum 09:00–09:00 hat keine Länge.",
        ),
        (
            "9:00-25:00",
            "“25:00” is not a time of day (00:00 to 23:59).",
            "„25:00“ ist keine gültige Uhrzeit (00:00 bis 23:59).",
        ),
        (
            "9:00-",
            "An open range (“09:00–”) only works for today's entries.",
            "Ein offener Zeitraum („09:00–“) geht nur bei Einträgen von heute.",
        ),
        (
            " ",
            "Enter a duration, e.g. 1:30, 1,5, 90m or 9:00-10:30.",
            "Bitte eine Dauer eingeben, z. B. 1:30, 1,5, 90m oder 9:00-10:30.",
        ),
        (
            "(1h",
            "The parentheses in “(1h” do not match; write e.g. (1:30) for non-billable time.",
            "Die Klammern in „(1h“ passen nicht zusammen; nicht abrechenbare Zeit z. B. als "
            "(1:30) schreiben.",
        ),
    ],
)
def test_messages_in_english_and_german(text: str, english: str, german: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert caught.value.message == english
    assert str(caught.value) == english
    assert caught.value.message_in("en") == english
    assert caught.value.message_in("de") == german


def test_message_follows_the_language_current_when_raised() -> None:
    i18n.set_language("de")
    with pytest.raises(DurationError) as caught:
        parse_duration("11:00-", now=T(10, 0))
    assert caught.value.message == (
        "Der Zeitraum beginnt um 11:00, also nach der aktuellen Uhrzeit 10:00."
    )
    assert caught.value.message_in("en") == (
        "The range starts at 11:00, after the current time 10:00."
    )


def test_duration_error_is_a_user_facing_value_error() -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration("abc")
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, UserFacingError)


def test_every_duration_message_has_german() -> None:
    keys = [key for key in i18n.known_keys() if key.startswith("duration.")]
    assert len(keys) == 12
    assert not [key for key in i18n.missing_translations("de") if key.startswith("duration.")]


def test_parsed_duration_is_frozen() -> None:
    parsed = parse_duration("1h")
    with pytest.raises(AttributeError):
        parsed.seconds = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("seconds", "style", "lang", "expected"),
    [
        (5400, "clock", None, "1:30"),
        (5400, "hm", None, "1 h 30 min"),
        (5400, "decimal", "de", "1,50 h"),
        (5400, "decimal", "en", "1.50 h"),
        (0, "clock", None, "0:00"),
        (0, "hm", None, "0 min"),
        (0, "decimal", "en", "0.00 h"),
        (2700, "clock", None, "0:45"),
        (2700, "hm", None, "45 min"),
        (2700, "decimal", "de", "0,75 h"),
        (7200, "hm", None, "2 h"),
        (7200, "clock", None, "2:00"),
        (86400, "clock", None, "24:00"),
        (90000, "clock", None, "25:00"),
        (60, "hm", None, "1 min"),
        (59, "hm", None, "0 min"),  # whole minutes, cut off like a clock
        (5399, "clock", None, "1:29"),
        (3605, "hm", None, "1 h"),
        (900, "decimal", "en", "0.25 h"),
        (1000, "decimal", "en", "0.28 h"),  # 0.2777... rounds half up
        (18, "decimal", "en", "0.01 h"),  # 0.005 h rounds up
        (17, "decimal", "en", "0.00 h"),
        (36000, "decimal", "de", "10,00 h"),
        (-1800, "clock", None, "-0:30"),
        (-5400, "hm", None, "-1 h 30 min"),
        (-1800, "decimal", "de", "-0,50 h"),
        (-30, "clock", None, "0:00"),  # no "-0:00"
        (-30, "hm", None, "0 min"),
        (-10, "decimal", "en", "0.00 h"),  # no "-0.00 h"
    ],
)
def test_format_duration(
    seconds: int, style: DurationStyle, lang: str | None, expected: str
) -> None:
    assert format_duration(seconds, style, lang) == expected


def test_format_duration_decimal_follows_current_language() -> None:
    assert format_duration(5400, "decimal") == "1.50 h"
    i18n.set_language("de")
    assert format_duration(5400, "decimal") == "1,50 h"


def test_format_duration_default_style_is_hours_and_minutes() -> None:
    assert format_duration(5400) == "1 h 30 min"


def test_format_duration_rejects_unknown_style() -> None:
    with pytest.raises(ValueError, match="style"):
        format_duration(60, "minutes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["1:30", "0:45", "1h30m", "(2h)", "9:00-10:30", "23h59m", "24:00", "0:01"]
)
def test_clock_format_parses_back(text: str) -> None:
    seconds = parse_duration(text).seconds
    assert parse_duration(format_duration(seconds, "clock")).seconds == seconds
    assert parse_duration(format_duration(seconds, "decimal", "de")).seconds == round(
        round(seconds / 3600, 2) * 3600
    )


@pytest.mark.parametrize(
    ("seconds", "minutes", "mode", "expected"),
    [
        (0, 15, "up", 0),
        (0, 15, "down", 0),
        (0, 15, "nearest", 0),
        (1, 15, "up", 900),
        (1, 15, "down", 0),
        (1, 15, "nearest", 0),
        (900, 15, "up", 900),
        (900, 15, "down", 900),
        (900, 15, "nearest", 900),
        (901, 15, "up", 1800),
        (449, 15, "nearest", 0),
        (450, 15, "nearest", 900),  # halves round up
        (451, 15, "nearest", 900),
        (1799, 15, "down", 900),
        (5400, 60, "up", 7200),
        (5400, 60, "down", 3600),
        (5400, 60, "nearest", 7200),
        (5399, 60, "nearest", 3600),
        (61, 1, "up", 120),
        (61, 1, "down", 60),
        (89, 1, "nearest", 60),
        (90, 1, "nearest", 120),
        (3000, 6, "up", 3240),
        (86399, 15, "up", 86400),
        (-1, 15, "up", 0),  # negative gaps round on the same grid
        (-1, 15, "down", -900),
        (-450, 15, "nearest", 0),
    ],
)
def test_round_seconds(seconds: int, minutes: int, mode: RoundingMode, expected: int) -> None:
    assert round_seconds(seconds, minutes, mode) == expected


def test_round_seconds_defaults_to_quarter_hours_up() -> None:
    assert round_seconds(60) == 900


@pytest.mark.parametrize(("minutes", "mode"), [(0, "up"), (-5, "down"), (15, "sideways")])
def test_round_seconds_rejects_bad_arguments(minutes: int, mode: str) -> None:
    with pytest.raises(ValueError, match="rounding"):
        round_seconds(600, minutes, mode)  # type: ignore[arg-type]
