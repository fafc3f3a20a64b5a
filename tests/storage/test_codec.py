"""Entities survive the trip to JSON text and back, across schema drift."""

from __future__ import annotations

import datetime as dt
import json

from moco_desktop.core.entities import (
    Activity,
    AssignedProject,
    Assignment,
    CustomerRef,
    Employment,
    NamedRef,
    PerformanceMonth,
    PerformanceReport,
    PerformanceYear,
    Presence,
    Schedule,
    Task,
    UserRef,
    WorkPattern,
)
from moco_desktop.storage import codec


def test_activity_round_trip_keeps_types() -> None:
    original = Activity(
        id=5,
        date=dt.date(2024, 3, 14),
        seconds=90,
        description="Ünïcode – “quotes”",
        project=NamedRef(1, "P"),
        task=NamedRef(2, "T", billable=False),
        customer=None,
        user=UserRef(3, "A", "B"),
        timer_started_at=dt.datetime(2024, 3, 14, 8, 0, 5, tzinfo=dt.UTC),
    )
    restored = codec.loads(Activity, codec.dumps(original))
    assert restored == original
    assert isinstance(restored.timer_started_at, dt.datetime)


def test_nested_tuples_floats_and_times() -> None:
    employment = Employment(
        1, 40, WorkPattern((4, 4, 4, 4, 4), (4, 4, 4, 4, 4)), dt.date(2024, 1, 1), None
    )
    assert codec.loads(Employment, codec.dumps(employment)) == employment
    report = PerformanceReport(
        PerformanceYear(2024, 100.5, 90, -10.5, -2, 80, 1600),
        (PerformanceMonth(2024, 1, 160, 150.25, -9.75, 140),),
    )
    assert codec.loads(PerformanceReport, codec.dumps(report)) == report
    presence = Presence(1, dt.date(2024, 3, 14), dt.time(8, 5), None, True)
    assert codec.loads(Presence, codec.dumps(presence)) == presence
    schedule = Schedule(1, dt.date(2024, 3, 14), True, False, Assignment(4, "Urlaub", "4"))
    assert codec.loads(Schedule, codec.dumps(schedule)) == schedule


def test_unknown_fields_are_ignored_and_missing_ones_defaulted() -> None:
    data = json.loads(codec.dumps(CustomerRef(1, "Acme")))
    data["from_a_newer_version"] = True
    assert codec.from_plain(CustomerRef, data) == CustomerRef(1, "Acme")
    named = codec.from_plain(NamedRef, {"id": 3, "name": "Task"})
    assert named == NamedRef(3, "Task", billable=True)


def test_an_array_is_decoded_item_by_item_like_a_whole() -> None:
    projects = tuple(
        AssignedProject(
            id=number,
            identifier=f"P{number}",
            name=f"Projekt {number} – Ü",
            customer=CustomerRef(7, "Kunde"),
            tasks=(Task(1, "Design"), Task(2, "Entwicklung", billable=False)),
        )
        for number in range(3)
    )
    text = codec.dumps(projects)
    assert tuple(codec.loads_each(AssignedProject, text)) == projects
    spaced = json.dumps(json.loads(text), indent=2)
    assert tuple(codec.loads_each(AssignedProject, spaced)) == projects
    assert list(codec.loads_each(Task, " [ ] ")) == []


def test_a_broken_array_is_an_error_not_a_short_list() -> None:
    for text in ('{"id": 1}', '[{"id": 1, "name": "a"} {"id": 2}', '[{"id": 1, "name": "a"}'):
        try:
            list(codec.loads_each(Task, text))
        except ValueError:
            continue
        raise AssertionError(f"accepted {text!r}")


def test_a_sequence_is_written_item_by_item_as_the_same_text() -> None:
    items = (Task(1, "Design"), Task(2, "Ü-Entwicklung", active=False))
    whole = json.dumps(
        [codec.to_plain(item) for item in items],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    assert codec.dumps(items) == whole
    assert codec.dumps(list(items)) == whole
    assert codec.dumps(()) == "[]"
    assert codec.dumps(((1, 2), [3])) == "[[1,2],[3]]"
