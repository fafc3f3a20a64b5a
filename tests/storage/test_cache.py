"""The cache: entities round-trip, ranges are replaced, identities never mix."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from moco_desktop.core.entities import (
    Activity,
    AssignedProject,
    CustomerRef,
    NamedRef,
    Presence,
    Profile,
    Task,
    UserRef,
)
from moco_desktop.storage import cache as cache_module
from moco_desktop.storage import codec
from moco_desktop.storage.cache import CacheStore, SyncMark
from moco_desktop.storage.database import Database, open_database, open_memory_database

NOW = dt.datetime(2024, 3, 14, 9, 30, tzinfo=dt.UTC)


def activity(activity_id: int, day: dt.date, user_id: int = 1, **changes: object) -> Activity:
    base = Activity(
        id=activity_id,
        date=day,
        seconds=3600,
        description="Design review",
        project=NamedRef(10, "Website", True),
        task=NamedRef(20, "Design", True),
        customer=CustomerRef(30, "Acme"),
        user=UserRef(user_id, "Jonas", "Weber"),
        timer_started_at=None,
        updated_at=NOW,
        created_at=NOW,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def database() -> Database:
    return open_memory_database()


def test_activities_round_trip(database: Database) -> None:
    cache = CacheStore(database, "acme#1", 1)
    running = activity(2, dt.date(2024, 3, 14), timer_started_at=NOW)
    cache.put_activities([activity(1, dt.date(2024, 3, 13)), running])
    assert cache.activity(2) == running
    assert [a.id for a in cache.activities_between(dt.date(2024, 3, 11), dt.date(2024, 3, 17))] == [
        1,
        2,
    ]
    assert cache.running_activities() == [running]


def test_seconds_of_a_range_are_summed_without_decoding(database: Database) -> None:
    cache = CacheStore(database, "acme#1", 1)
    day = dt.date(2024, 3, 14)
    cache.put_activities(
        [
            activity(1, day, seconds=900),
            activity(2, day, seconds=1800, timer_started_at=NOW),
            activity(3, day + dt.timedelta(days=1), seconds=60),
            activity(4, day + dt.timedelta(days=9), seconds=60),
            activity(5, day, seconds=300),
            activity(6, day, seconds=0, timer_started_at=NOW),
        ]
    )
    cache.put_activities([activity(1, day, seconds=1200)])  # an update changes the seconds too
    week_end = day + dt.timedelta(days=6)

    assert cache.activity_seconds_by_date(day, week_end) == (
        {day: 1500, day + dt.timedelta(days=1): 60},
        [2, 6],
    )
    # Entries shown with pending changes instead are left out, running or not.
    assert cache.activity_seconds_by_date(day, week_end, excluding={5, 6, 99}) == (
        {day: 1200, day + dt.timedelta(days=1): 60},
        [2],
    )


def test_replacing_a_range_removes_entries_deleted_elsewhere(database: Database) -> None:
    cache = CacheStore(database, "acme#1", 1)
    day = dt.date(2024, 3, 14)
    outside = activity(9, dt.date(2024, 3, 1))
    cache.put_activities([activity(1, day), activity(2, day), outside])
    assert cache.remove_activities_except(day, day, [2, 9]) == {1}
    assert [a.id for a in cache.activities_between(day, day)] == [2]
    assert cache.activity(9) == outside
    changes = database.connection.total_changes
    assert cache.remove_activities_except(day, day, [2]) == set()
    assert database.connection.total_changes == changes  # nothing to remove: nothing written


def test_storing_unless_changed_leaves_rows_written_since(database: Database) -> None:
    """A refresh storing a big answer in parts keeps what someone wrote between its parts."""
    cache = CacheStore(database, "acme#1", 1)
    day = dt.date(2024, 3, 14)
    cache.put_activities([activity(1, day), activity(2, day)])
    seen = cache.activity_payloads_between(day, day)
    cache.put_activities([activity(2, day, seconds=999), activity(4, day, seconds=7)])  # later

    answer = [activity(1, day, seconds=60), activity(2, day, seconds=60)]
    answer += [activity(3, day, seconds=60), activity(4, day, seconds=60)]
    texts = [codec.dumps(entry) for entry in answer]
    stored = cache.put_activities_unless_changed(answer, texts, seen)

    assert [entry.id for entry in stored] == [1, 3]
    assert {a.id: a.seconds for a in cache.activities_between(day, day)} == {
        1: 60,
        2: 999,
        3: 60,
        4: 7,
    }


def test_identities_are_kept_apart(database: Database) -> None:
    """Acting for a colleague never shows their entries as one's own, and vice versa."""
    day = dt.date(2024, 3, 14)
    mine = CacheStore(database, "acme#1", 1)
    as_colleague = CacheStore(database, "acme#1", 2)
    other_account = CacheStore(database, "other#1", 1)
    mine.put_activities([activity(1, day)])
    as_colleague.put_activities([activity(5, day, user_id=2)])
    other_account.put_document("profile", Profile(1, "x@y", "X", "Y"), NOW)

    assert [a.id for a in mine.activities_between(day, day)] == [1]
    assert [a.id for a in as_colleague.activities_between(day, day)] == [5]
    assert other_account.activities_between(day, day) == []
    assert mine.document("profile", Profile) is None
    as_colleague.remove_activities_except(day, day, [])
    assert [a.id for a in mine.activities_between(day, day)] == [1]
    mine.clear()
    assert mine.activity(1) is None
    assert other_account.document("profile", Profile) is not None


def test_presences_are_sorted_by_time(database: Database) -> None:
    cache = CacheStore(database, "acme#1", 1)
    day = dt.date(2024, 3, 14)
    late = Presence(7, day, dt.time(13, 0), None, True)
    early = Presence(8, day, dt.time(8, 0), dt.time(12, 0), True)
    cache.put_presences([late, early])
    assert cache.presences_between(day, day) == [early, late]
    assert cache.replace_presences(day, day, [early]) == {7}


def test_documents_keep_nested_entities(database: Database) -> None:
    cache = CacheStore(database, "acme#1", 1)
    projects = (
        AssignedProject(
            10,
            "P-10",
            "Website",
            CustomerRef(30, "Acme"),
            tasks=(Task(20, "Design"), Task(21, "Code", billable=False)),
        ),
    )
    cache.put_document("projects", projects, NOW)
    assert cache.document_list("projects", AssignedProject) == projects
    assert cache.document_fetched_at("projects") == NOW
    assert cache.document_list("projects", AssignedProject, key="other") is None


def test_sync_marks_and_id_map(database: Database) -> None:
    cache = CacheStore(database, "acme#1", 1)
    assert cache.sync_mark("activities", "w1") == SyncMark("activities", "w1", None, None)
    mark = SyncMark("activities", "w1", NOW, NOW)
    cache.set_sync_mark(mark)
    assert cache.sync_mark("activities", "w1") == mark
    cache.map_id("activity", -3, 981, NOW)
    assert cache.resolve_id("activity", -3) == 981
    assert cache.resolve_id("activity", -4) == -4
    assert cache.resolve_id("activity", 77) == 77
    assert cache.mapped_remote_ids("activity") == {981}
    assert CacheStore(database, "acme#1", 2).resolve_id("activity", -3) == -3


def test_decoded_reads_are_reused_until_the_stored_row_changes(database: Database) -> None:
    # Big accounts read the same week and the same 20,000 tasks again and again: decoded once,
    # while a write from another store (another process) on the same rows is still seen.
    cache = CacheStore(database, "acme#1", 1)
    other = CacheStore(database, "acme#1", 1)
    day = dt.date(2024, 3, 13)
    cache.put_activities([activity(1, day)])
    first = cache.activities_between(day, day)
    assert cache.activities_between(day, day)[0] is first[0]
    other.put_activities([activity(1, day, description="Changed elsewhere")])
    assert cache.activity(1) == activity(1, day, description="Changed elsewhere")
    other.remove_activity(1)
    assert cache.activity(1) is None

    projects = (AssignedProject(1, "P1", "Website", CustomerRef(30, "Acme"), (Task(2, "Design"),)),)
    cache.put_document("projects", projects, NOW)
    read = cache.document_list("projects", AssignedProject)
    assert read == projects
    assert cache.document_list("projects", AssignedProject) is read
    renamed = (dataclasses.replace(projects[0], name="Shop"),)
    other.put_document("projects", renamed, NOW + dt.timedelta(minutes=1))
    assert cache.document_list("projects", AssignedProject) == renamed
    cache.clear()
    assert cache.document_list("projects", AssignedProject) is None


def test_only_the_most_recently_used_decoded_activities_are_kept(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "DECODED_ACTIVITIES_KEPT", 3)
    cache = CacheStore(database, "acme#1", 1)
    day = dt.date(2024, 3, 13)
    cache.put_activities([activity(i, day) for i in range(1, 5)])
    assert cache.activity(1) == activity(1, day)  # dropped from memory, read again
    first = cache.activity(1)
    assert cache.activity(1) is first  # kept once read
    cache.activity(2)
    cache.activity(3)
    cache.activity(4)  # the least recently used (1) goes
    assert cache.activity(1) is not first
    assert cache.activity(1) == first


def test_stored_payloads_tell_what_changed_without_decoding(database: Database) -> None:
    cache = CacheStore(database, "acme#1", 1)
    day = dt.date(2024, 3, 13)
    cache.put_activities([activity(1, day)])
    before = cache.activity_payloads_between(day, day)
    assert list(before) == [1]
    assert before[1][0] == day
    cache.put_activities([activity(1, day, seconds=60)])
    assert cache.activity_payloads_between(day, day)[1][1] != before[1][1]
    cache.put_presences([Presence(5, day, dt.time(8), dt.time(12))])
    assert list(cache.presence_payloads_between(day, day)) == [5]


def test_stored_payloads_of_given_ids_across_days_and_many_queries(database: Database) -> None:
    cache = CacheStore(database, "acme#1", 1)
    other = CacheStore(database, "acme#1", 2)  # another acted-for user: not seen
    day = dt.date(2024, 3, 13)
    cache.put_activities([activity(n, day + dt.timedelta(days=n % 9)) for n in range(1, 1201)])
    other.put_activities([activity(5000, day)])

    found = cache.activity_payloads_of([1200, 3, 3, 777, 5000, 9999, *range(10, 1000)])

    assert set(found) == {1200, 3, 777, *range(10, 1000)}  # 5000 is another user's
    assert found == {
        entry_id: payload
        for entry_id, payload in cache.activity_payloads_between(day, day + dt.timedelta(8)).items()
        if entry_id in found
    }
    assert cache.activity_payloads_of([]) == {}
    cache.put_presences([Presence(5, day, dt.time(8), dt.time(12))])
    assert cache.presence_payloads_of([5, 6]) == cache.presence_payloads_between(day, day)


def test_whether_a_document_is_there_without_decoding_it(database: Database) -> None:
    cache = CacheStore(database, "acme#1", 1)
    assert not cache.has_document("projects")
    cache.put_document("projects", (), NOW)
    assert not cache.has_document("projects")
    cache.put_document("projects", (AssignedProject(1, "P1", "Website", None),), NOW)
    assert cache.has_document("projects")


def test_a_documents_freshness_is_read_without_touching_its_text(database: Database) -> None:
    """perf (issues 4 and 7): `fetched_at` and `empty` come after the text in the row; without
    an index that covers them SQLite walked the projects' 1.6 MB to reach them, at each look
    (the window's first paint, each refresh, each use of the decoded projects)."""
    cache = CacheStore(database, "acme#1", 1)
    cache.put_document("projects", (AssignedProject(1, "P1", "Website", None),), NOW)
    cache.document_list("projects", AssignedProject)  # decoded once: later uses check freshness
    looks: list[str] = []
    database.connection.set_trace_callback(looks.append)
    try:
        assert cache.has_document("projects")
        assert cache.document_fetched_at("projects") == NOW
        assert cache.document_list("projects", AssignedProject) is not None
    finally:
        database.connection.set_trace_callback(None)

    assert len(looks) == 3
    for statement in looks:
        plan = " ".join(
            str(row[3]) for row in database.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall()
        )
        assert "USING COVERING INDEX documents_freshness" in plan, (statement, plan)


def test_cache_writes_are_not_synced_to_disk_but_logging_out_is(tmp_path: Path) -> None:
    """What MOCO sends again at the next sync is committed without an fsync on the UI thread
    (it took up to a second with a busy disk); the cache cleared at logout is synced."""
    database = open_database(tmp_path / "moco.sqlite3")
    cache = CacheStore(database, "acme#1", 1)
    level_at_commit: list[str] = []
    level = ["FULL"]

    def traced(statement: str) -> None:
        if statement.startswith("PRAGMA synchronous = "):
            level[0] = statement.rsplit(" ", 1)[1]
        elif statement == "COMMIT":
            level_at_commit.append(level[0])

    database.connection.set_trace_callback(traced)
    day = dt.date(2024, 3, 13)
    cache.put_activities([activity(1, day)])
    cache.replace_presences(day, day, [])
    cache.put_document("profile", "x", NOW)
    cache.set_sync_mark(SyncMark("activities", "2024-03", NOW, NOW))
    cache.remove_activity(1)
    assert level_at_commit == ["NORMAL"] * 5
    cache.clear()
    assert level_at_commit[-1] == "FULL"
    assert database.synchronous() == 2  # FULL again for everything else
