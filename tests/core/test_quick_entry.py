"""The quick-entry parser: dates, durations, project/task/description splits, tags, problems
with candidates, the preview's summary, and the rounding policy."""

from __future__ import annotations

import datetime as dt

import pytest

from moco_desktop.core.entities import AssignedProject, CustomerRef, Task
from moco_desktop.core.i18n import missing_translations
from moco_desktop.core.quick_entry import (
    QuickEntryError,
    QuickEntryPreview,
    RoundingPolicy,
    parse_quick_entry,
)

TODAY = dt.date(2025, 3, 14)  # a Friday
NOW = dt.time(11, 0)

ACME = CustomerRef(1, "Acme GmbH")
BAKERY = CustomerRef(2, "Bäckerei Süß")
INTERFACE = AssignedProject(
    1,
    "P0007",
    "Schnittstellen-Projekt",
    ACME,
    (Task(11, "Entwicklung"), Task(12, "Projektleitung"), Task(13, "Design")),
)
WEBSITE = AssignedProject(
    2,
    "P0010",
    "Website Relaunch",
    BAKERY,
    (Task(21, "Konzept"), Task(22, "Umsetzung"), Task(23, "Support", billable=False)),
)
INTERNAL = AssignedProject(3, "INT", "Intern", None, (Task(31, "Orga"),), billable=False)
WEBSHOP = AssignedProject(
    4, "P0012", "Webshop", BAKERY, (Task(41, "Konzept"), Task(42, "Entwicklung API"))
)
ARCHIVED = AssignedProject(5, "P0001", "Altes Projekt", ACME, (Task(51, "Dev"),), active=False)
PROJECTS = (INTERFACE, WEBSITE, INTERNAL, WEBSHOP, ARCHIVED)


def parse(text: str, **options: object) -> QuickEntryPreview:
    return parse_quick_entry(text, PROJECTS, today=TODAY, now=NOW, **options)  # type: ignore[arg-type]


def booked(preview: QuickEntryPreview) -> tuple[object, ...]:
    return (
        preview.date,
        preview.seconds,
        preview.project.identifier if preview.project else None,
        preview.task.name if preview.task else None,
        preview.description,
        preview.tag,
    )


# --- the examples of the issue ---------------------------------------------------------------


def test_hours_identifier_task_description_and_a_trailing_tag() -> None:
    preview = parse("2h P0007 Entwicklung Schnittstelle #api")

    assert preview.ready
    assert preview.action == "log"
    assert booked(preview) == (TODAY, 7200, "P0007", "Entwicklung", "Schnittstelle", "api")
    assert preview.billable is True
    assert preview.summary() == (
        "2:00 · P0007 – Schnittstellen-Projekt (Acme GmbH) / Entwicklung · Schnittstelle #api"
    )


def test_a_range_with_project_and_task_name_parts_and_a_colon_description() -> None:
    preview = parse("9:00-10:30 website konzept: Workshop")

    assert preview.ready
    assert booked(preview) == (TODAY, 5400, "P0010", "Konzept", "Workshop", "")
    assert (preview.start, preview.end) == (dt.time(9), dt.time(10, 30))
    assert preview.summary() == (
        "1:30 (09:00–10:30) · P0010 – Website Relaunch (Bäckerei Süß) / Konzept · Workshop"
    )


# --- durations and dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1,5 intern", 5400),
        ("1:30 intern", 5400),
        ("90m intern", 5400),
        ("1h30m intern", 5400),
        ("1 h 30 min intern", 5400),
        ("2 std intern", 7200),
        ("9-10:15 intern", 4500),
        ("9:00- intern", 7200),  # an open range ends now (11:00)
    ],
)
def test_every_duration_format_of_the_duration_field_works_here(text: str, seconds: int) -> None:
    preview = parse(text)

    assert preview.ready, [p.message for p in preview.problems]
    assert preview.seconds == seconds


def test_parentheses_mark_the_time_not_billable() -> None:
    preview = parse("(1,5) website umsetzung: Fix")

    assert preview.billable_override is False
    assert preview.billable is False
    assert preview.summary().endswith("· not billable")
    assert preview.summary("de").endswith("· nicht abrechenbar")


def test_billable_follows_the_task_without_parentheses() -> None:
    assert parse("1h website support").billable is False
    assert parse("1h website support").billable_override is None


@pytest.mark.parametrize(
    ("word", "date"),
    [
        ("gestern", TODAY - dt.timedelta(days=1)),
        ("yesterday", TODAY - dt.timedelta(days=1)),
        ("heute", TODAY),
        ("2025-03-10", dt.date(2025, 3, 10)),
        ("10.3.", dt.date(2025, 3, 10)),
        ("10.03.2024", dt.date(2024, 3, 10)),
        ("10.3.24", dt.date(2024, 3, 10)),
    ],
)
def test_a_leading_date(word: str, date: dt.date) -> None:
    preview = parse(f"{word} 1h intern")

    assert preview.ready
    assert (preview.date, preview.seconds) == (date, 3600)


def test_a_day_month_date_late_in_the_year_typed_in_january_is_last_year() -> None:
    preview = parse_quick_entry("30.12. 1h intern", PROJECTS, today=dt.date(2025, 1, 2))

    assert preview.date == dt.date(2024, 12, 30)


def test_the_default_date_is_the_day_shown() -> None:
    shown = dt.date(2025, 3, 12)
    assert parse("1h intern", default_date=shown).date == shown
    assert parse("heute 1h intern", default_date=shown).date == TODAY


def test_an_impossible_date_is_a_problem() -> None:
    preview = parse("31.2. 1h intern")

    assert not preview.ready
    [problem] = preview.problems
    assert problem.field == "date"
    assert problem.message == "“31.2.” is not a date."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1:75 intern", "Minutes must be between 00 and 59, not 75."),
        ("25h intern", "25:00 h is more than 24 hours."),
        ("17:00-9:00 intern", "crosses midnight"),
    ],
)
def test_a_mistyped_duration_is_reported_as_such(text: str, message: str) -> None:
    preview = parse(text)

    assert not preview.ready
    problem = preview.problem("duration")
    assert problem is not None
    assert message in problem.message
    assert preview.project is INTERNAL  # the rest is still understood


def test_an_open_range_needs_today() -> None:
    preview = parse("gestern 9:00- intern")

    problem = preview.problem("duration")
    assert problem is not None
    assert "only works for today" in problem.message


# --- timers ----------------------------------------------------------------------------------


def test_a_line_without_duration_starts_a_timer() -> None:
    preview = parse("P0007 Entwicklung: Review")

    assert preview.ready
    assert preview.action == "start"
    assert preview.seconds is None
    assert booked(preview)[2:] == ("P0007", "Entwicklung", "Review", "")
    assert preview.summary().startswith("starts a timer · P0007")
    assert preview.summary("de").startswith("startet einen Timer · P0007")


def test_a_timer_only_runs_today() -> None:
    preview = parse("gestern P0007 Entwicklung")

    assert not preview.ready
    problem = preview.problem("duration")
    assert problem is not None
    assert problem.message == "An entry for 2025-03-13 needs a duration; a timer only runs today."


def test_a_numeric_project_id_is_not_mistaken_for_a_duration() -> None:
    projects = (*PROJECTS, AssignedProject(944587499, "", "Numbered", None, (Task(1, "Work"),)))
    preview = parse_quick_entry("944587499 work", projects, today=TODAY)

    assert preview.action == "start"
    assert preview.project is not None
    assert preview.project.id == 944587499


def test_a_bare_number_after_hours_is_read_as_a_project_id() -> None:
    projects = (*PROJECTS, AssignedProject(42, "", "Answer", None, (Task(1, "Work"),)))
    preview = parse_quick_entry("2h 42 work", projects, today=TODAY)

    assert (preview.seconds, preview.project.id if preview.project else None) == (7200, 42)


# --- project, task, description --------------------------------------------------------------


def test_the_split_that_names_the_most_words_wins() -> None:
    # "Entwicklung API" is a task of the Webshop: both words go to the task.
    preview = parse("1h webshop entwicklung api")

    assert booked(preview)[2:] == ("P0012", "Entwicklung API", "", "")


def test_project_words_may_be_customer_and_name_parts() -> None:
    preview = parse("1h süß website umsetzung")

    assert booked(preview)[2:4] == ("P0010", "Umsetzung")


def test_words_in_any_order_and_without_accents_match_as_a_last_resort() -> None:
    preview = parse("1h relaunch backerei: Kickoff")

    assert preview.project is WEBSITE
    assert preview.problem("task") is not None  # no task words before the colon


def test_a_project_with_one_task_needs_no_task_words() -> None:
    preview = parse("2h intern Weekly")

    assert booked(preview)[2:] == ("INT", "Orga", "Weekly", "")
    assert preview.billable is False


def test_an_ambiguous_project_lists_the_candidates() -> None:
    preview = parse("1h bäckerei konzept")

    assert not preview.ready
    problem = preview.problem("project")
    assert problem is not None
    assert {c.id for c in problem.candidates} == {WEBSITE.id, WEBSHOP.id}
    assert "matches 2 projects" in problem.message
    assert "passt zu 2 Projekten" in problem.message_in("de")


def test_an_ambiguous_task_lists_the_candidates() -> None:
    preview = parse("1h P0007 e")  # Entwicklung, Projektleitung and Design all contain "e"

    problem = preview.problem("task")
    assert problem is not None
    assert preview.project is INTERFACE
    assert {c.id for c in problem.candidates} == {11, 12, 13}


def test_unknown_project_and_missing_task_are_problems() -> None:
    unknown = parse("1h nirvana dev")
    assert unknown.problem("project") is not None
    assert unknown.project is None
    assert "No project matches “nirvana”" in unknown.problems[0].message

    no_task = parse("1h P0010")
    problem = no_task.problem("task")
    assert problem is not None
    assert problem.message.startswith("Name a task of P0010 – Website Relaunch")
    assert no_task.summary() == "1:00 · P0010 – Website Relaunch (Bäckerei Süß)"


def test_inactive_projects_are_only_found_by_identifier() -> None:
    assert parse("1h altes dev").project is None
    assert parse("1h P0001 dev").project is ARCHIVED


def test_no_project_words_take_the_fallback() -> None:
    preview = parse("45m: Call with Jo", fallback=(WEBSITE, WEBSITE.tasks[0]))

    assert preview.ready
    assert preview.project_from_fallback
    assert booked(preview) == (TODAY, 2700, "P0010", "Konzept", "Call with Jo", "")

    without = parse("45m: Call with Jo")
    problem = without.problem("project")
    assert problem is not None
    assert problem.message == "Name a project: its ID, its identifier or part of its name."


# --- tags ------------------------------------------------------------------------------------


def test_a_leading_tag_of_the_line_or_of_the_description() -> None:
    assert parse("#ops 1h intern").tag == "ops"
    assert parse("1h intern: #ops Restart").tag == "ops"
    assert parse("1h intern: #ops Restart").description == "Restart"
    assert parse("1h intern: Restart #ops and more").tag == ""  # only at the ends


def test_two_tags_are_a_problem() -> None:
    preview = parse("#a 1h intern #b")

    problem = preview.problem("tag")
    assert problem is not None
    assert problem.message == "Only one #tag per entry, not #a, #b."


def test_an_empty_line_explains_the_format() -> None:
    preview = parse("   ")

    assert not preview.ready
    assert preview.problems[0].field == "text"
    assert "2h P0007" in preview.problems[0].message
    assert "2h P0007" in preview.problems[0].message_in("de")


def test_every_quick_entry_text_has_a_german_translation() -> None:
    assert [key for key in missing_translations("de") if key.startswith("quick_entry.")] == []


# --- rounding --------------------------------------------------------------------------------


def test_rounding_is_off_by_default() -> None:
    assert RoundingPolicy().apply(1234) == 1234


@pytest.mark.parametrize(
    ("policy", "seconds", "expected"),
    [
        (RoundingPolicy(True, 15, "up"), 16 * 60, 30 * 60),
        (RoundingPolicy(True, 15, "up"), 15 * 60, 15 * 60),
        (RoundingPolicy(True, 15, "nearest"), 22 * 60, 15 * 60),
        (RoundingPolicy(True, 15, "nearest"), 23 * 60, 30 * 60),
        (RoundingPolicy(True, 6, "down"), 11 * 60, 6 * 60),
        (RoundingPolicy(True, 15, "down"), 5 * 60, 15 * 60),  # never rounded away to nothing
        (RoundingPolicy(True, 15, "up"), 0, 0),
    ],
)
def test_rounding_policies(policy: RoundingPolicy, seconds: int, expected: int) -> None:
    assert policy.apply(seconds) == expected


def test_rounding_settings_round_trip_and_fall_back() -> None:
    policy = RoundingPolicy(True, 10, "nearest")
    assert RoundingPolicy.from_json(policy.to_json()) == policy
    assert RoundingPolicy.from_json({"minutes": 0}) == RoundingPolicy()
    assert RoundingPolicy.from_json({"mode": "sideways", "enabled": True}) == RoundingPolicy(True)
    assert RoundingPolicy.from_json(None) == RoundingPolicy()
    with pytest.raises(QuickEntryError):
        RoundingPolicy(True, 61)
