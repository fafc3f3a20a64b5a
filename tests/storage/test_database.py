"""The SQLite file: owner-only permissions, WAL, durable settings, forward migrations."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from moco_desktop.storage.database import (
    LATEST_VERSION,
    MIGRATIONS,
    PAGE_CACHE_KIB,
    Database,
    DatabaseError,
    Migration,
    default_database_path,
    migrate,
    open_database,
    open_memory_database,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_new_database_is_readable_by_the_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # a typical umask would make files world-readable
    try:
        path = tmp_path / "data" / "moco.sqlite3"
        database = open_database(path)
        database.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
    finally:
        os.umask(old_umask)
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700
    wal = path.with_name(path.name + "-wal")
    assert wal.exists()
    assert mode_of(wal) == 0o600
    database.close()


@posix_only
def test_existing_file_with_loose_permissions_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "moco.sqlite3"
    open_database(path).close()
    os.chmod(path, 0o644)
    open_database(path).close()
    assert mode_of(path) == 0o600


def test_database_uses_wal_and_full_sync(tmp_path: Path) -> None:
    database = open_database(tmp_path / "moco.sqlite3")
    assert database.row("PRAGMA journal_mode")[0] == "wal"  # type: ignore[index]
    assert database.row("PRAGMA synchronous")[0] == 2  # type: ignore[index]  # FULL
    assert database.row("PRAGMA foreign_keys")[0] == 1  # type: ignore[index]
    database.close()


def test_the_page_cache_is_kept_small(tmp_path: Path) -> None:
    """A big account's rows must not sit twice in memory (SQLite's cache and the OS's)."""
    database = open_database(tmp_path / "moco.sqlite3")
    assert database.row("PRAGMA cache_size")[0] == -PAGE_CACHE_KIB  # type: ignore[index]
    assert PAGE_CACHE_KIB <= 1024
    database.close()


def test_fresh_database_is_at_the_latest_version(tmp_path: Path) -> None:
    database = open_database(tmp_path / "moco.sqlite3")
    assert database.schema_version == LATEST_VERSION == len(MIGRATIONS)
    tables = {row["name"] for row in database.rows("SELECT name FROM sqlite_master")}
    assert {"activities", "presences", "documents", "outbox", "id_map", "sync_marks"} <= tables


def test_migrating_from_version_1_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "moco.sqlite3"
    old = open_database(path, migrations=MIGRATIONS[:1])
    assert old.schema_version == 1
    old.execute(
        "INSERT INTO outbox (account_key, acting_user_id, kind, target_id, payload, created_at) "
        "VALUES ('acme#1', 1, 'presence.create', -1, '{}', '2024-03-14T08:00:00+00:00')"
    )
    old.execute(
        "INSERT INTO activities (account_key, acting_user_id, id, date, payload) "
        "VALUES ('acme#1', 1, 42, '2024-03-14', '{}')"
    )
    old.close()

    database = open_database(path)
    assert database.schema_version == LATEST_VERSION
    entry = database.row("SELECT kind, entity, target_id FROM outbox")
    assert entry is not None
    assert (entry["kind"], entry["entity"], entry["target_id"]) == (
        "presence.create",
        "presence",
        -1,
    )
    assert database.row("SELECT id FROM activities")["id"] == 42  # type: ignore[index]
    database.execute(
        "INSERT INTO sync_marks (account_key, acting_user_id, kind, range_key) "
        "VALUES ('acme#1', 1, 'activities', 'x')"
    )
    database.close()


def test_migrating_to_version_4_reads_each_activitys_seconds(tmp_path: Path) -> None:
    path = tmp_path / "moco.sqlite3"
    old = open_database(path, migrations=MIGRATIONS[:3])
    for activity_id, payload in ((1, '{"id": 1, "seconds": 5400}'), (2, "{}"), (3, "[]")):
        old.execute(
            "INSERT INTO activities (account_key, acting_user_id, id, date, payload) "
            "VALUES ('acme#1', 1, ?, '2024-03-14', ?)",
            (activity_id, payload),
        )
    old.close()

    database = open_database(path)

    rows = database.rows("SELECT id, seconds FROM activities ORDER BY id")
    assert [(row["id"], row["seconds"]) for row in rows] == [(1, 5400), (2, 0), (3, 0)]
    database.close()


def test_migrating_to_version_5_marks_empty_documents(tmp_path: Path) -> None:
    path = tmp_path / "moco.sqlite3"
    old = open_database(path, migrations=MIGRATIONS[:4])
    for kind, payload in (("projects", '[{"id": 1}]'), ("schedules", "[]"), ("profile", "null")):
        old.execute(
            "INSERT INTO documents (account_key, acting_user_id, kind, payload, fetched_at) "
            "VALUES ('acme#1', 1, ?, ?, '2024-03-14T08:00:00+00:00')",
            (kind, payload),
        )
    old.close()

    database = open_database(path)

    rows = database.rows("SELECT kind, empty FROM documents ORDER BY kind")
    assert [(row["kind"], row["empty"]) for row in rows] == [
        ("profile", 1),
        ("projects", 0),
        ("schedules", 1),
    ]
    database.close()


def test_each_migration_step_applies_in_order(tmp_path: Path) -> None:
    path = tmp_path / "moco.sqlite3"
    for count in range(1, len(MIGRATIONS) + 1):
        database = open_database(path, migrations=MIGRATIONS[:count])
        assert database.schema_version == count
        database.close()


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "moco.sqlite3"
    open_database(path).close()

    def broken(connection: sqlite3.Connection) -> None:
        connection.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        open_database(path, migrations=(*MIGRATIONS, Migration(LATEST_VERSION + 1, "x", broken)))
    database = open_database(path)
    assert database.schema_version == LATEST_VERSION
    assert database.row("SELECT name FROM sqlite_master WHERE name = 'half_done'") is None


def test_a_database_from_a_newer_app_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "moco.sqlite3"
    database = open_database(path)
    database.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    database.close()
    with pytest.raises(DatabaseError):
        open_database(path)


def test_migrations_must_be_numbered_without_gaps() -> None:
    database = open_memory_database(migrations=())
    with pytest.raises(ValueError, match="numbered"):
        migrate(database, (MIGRATIONS[0], Migration(3, "gap", MIGRATIONS[1].apply)))


def test_nested_transactions_commit_or_roll_back_together(tmp_path: Path) -> None:
    database = open_database(tmp_path / "moco.sqlite3")

    def write_then_fail() -> None:
        with database.transaction():
            database.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
            with database.transaction():
                database.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert database.rows("SELECT * FROM meta") == []
    with database.transaction(), database.transaction():
        database.execute("INSERT INTO meta (key, value) VALUES ('c', '3')")
    assert [row["key"] for row in database.rows("SELECT key FROM meta")] == ["c"]


def test_local_ids_are_negative_and_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "moco.sqlite3"
    database = open_database(path)
    first, second = database.next_local_id(), database.next_local_id()
    database.close()
    third = open_database(path).next_local_id()
    assert (first, second, third) == (-1, -2, -3)


def test_default_path_is_in_the_user_data_directory(isolated_user_dirs: Path) -> None:
    path = default_database_path()
    assert path.name == "moco-desktop.sqlite3"
    assert str(path).startswith(str(isolated_user_dirs))


def statements_of(database: Database) -> list[str]:
    """Every statement the connection runs from now on, as SQLite traces it."""
    seen: list[str] = []
    database.connection.set_trace_callback(seen.append)
    return seen


def test_a_non_durable_transaction_skips_the_sync_and_restores_it(tmp_path: Path) -> None:
    database = open_database(tmp_path / "moco.sqlite3")
    full, normal = 2, 1
    assert database.synchronous() == full
    with database.transaction(durable=False):
        assert database.synchronous() == normal
        database.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
    assert database.synchronous() == full

    def write_then_fail() -> None:
        with database.transaction(durable=False):
            database.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert database.synchronous() == full
    assert [row["key"] for row in database.rows("SELECT key FROM meta")] == ["a"]


def test_a_durable_write_inside_a_non_durable_transaction_is_synced(tmp_path: Path) -> None:
    database = open_database(tmp_path / "moco.sqlite3")
    statements = statements_of(database)
    with database.transaction(durable=False):
        database.execute("INSERT INTO meta (key, value) VALUES ('cache', '1')")
    assert not [s for s in statements if "wal_checkpoint" in s]
    # A durable write (e.g. the outbox's own bookkeeping) joins a cache write:
    with database.transaction(durable=False), database.transaction():
        database.execute("INSERT INTO meta (key, value) VALUES ('outbox', '1')")
    assert statements[-1] == "PRAGMA wal_checkpoint(PASSIVE)"
    busy, log_frames, checkpointed = database.connection.execute(
        "PRAGMA wal_checkpoint(PASSIVE)"
    ).fetchone()
    assert (busy, log_frames) == (0, checkpointed)  # nothing was left in the log unsynced


def test_the_log_is_copied_into_the_file_off_the_committing_thread(tmp_path: Path) -> None:
    """SQLite would copy its write-ahead log into the file inside a commit (with two fsyncs,
    on the UI thread); here a thread of its own does, once the log has grown."""
    path = tmp_path / "moco.sqlite3"
    database = open_database(path)
    assert database.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    database.checkpoint_after_bytes = 64 * 1024
    statements = statements_of(database)
    size_before = path.stat().st_size
    payload = "x" * 4000
    for number in range(40):  # ~160 KiB through the log
        with database.transaction(durable=False):
            database.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (str(number), payload))
    database.wait_for_checkpoint(timeout=10)
    assert not [s for s in statements if "checkpoint" in s.lower()]  # not on this thread
    assert path.stat().st_size >= size_before + 64 * 1024  # the rows reached the file itself
    database.close()
    assert len(open_database(path).rows("SELECT key FROM meta")) == 40


def test_a_cache_write_that_cannot_begin_leaves_commits_synced(tmp_path: Path) -> None:
    path = tmp_path / "moco.sqlite3"
    database = open_database(path)
    database.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        with (
            pytest.raises(sqlite3.OperationalError, match="locked"),
            database.transaction(durable=False),
        ):
            pass  # pragma: no cover - never begins
        assert database.synchronous() == 2  # FULL, for whatever is written next
    finally:
        other.execute("ROLLBACK")
        other.close()
