"""The app's SQLite file: opening it safely (owner-only, WAL, durable) and migrating its schema.

The schema version lives in `PRAGMA user_version`. `MIGRATIONS` is an ordered list; opening a
database applies every migration above its version, each in its own transaction, so a file
written by any earlier version is brought forward and a crash mid-migration leaves the last
complete version. A file from a *newer* version is refused rather than damaged.

The UI thread never waits for the disk on the cache's behalf: the cache's commits are not synced
(`transaction(durable=False)`), and the write-ahead log is copied into the file on a thread of
its own (`Database._checkpoint_if_due`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import platformdirs

from moco_desktop.core.records import record

DATABASE_FILE_NAME = "moco-desktop.sqlite3"
OWNER_ONLY = 0o600
logger = logging.getLogger("moco_desktop.storage")
WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024
"""The write-ahead log's size from which it is copied into the file (SQLite's own: ~4 MiB)."""
CLOSE_WAITS_FOR_CHECKPOINT_S = 10.0
DURABLE_SYNCHRONOUS = "FULL"
"""Every commit synced to disk, except the cache's (`Database.transaction(durable=False)`)."""


def default_database_path() -> Path:
    """Where the database lives by default: the platform's user data directory."""
    data_dir = platformdirs.user_data_path("moco-desktop", "MOCO Desktop", roaming=False)
    return data_dir / DATABASE_FILE_NAME


@record
class Migration:
    """One step of the schema: `apply` takes the database from `version - 1` to `version`."""

    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(connection: sqlite3.Connection) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                connection.execute(statement)

    return apply


_V1_CACHE_AND_OUTBOX = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE activities (
    account_key TEXT NOT NULL,
    acting_user_id INTEGER NOT NULL,
    id INTEGER NOT NULL,
    date TEXT NOT NULL,
    running INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT,
    payload TEXT NOT NULL,
    PRIMARY KEY (account_key, acting_user_id, id)
);
CREATE INDEX activities_by_date ON activities (account_key, acting_user_id, date);
CREATE TABLE presences (
    account_key TEXT NOT NULL,
    acting_user_id INTEGER NOT NULL,
    id INTEGER NOT NULL,
    date TEXT NOT NULL,
    updated_at TEXT,
    payload TEXT NOT NULL,
    PRIMARY KEY (account_key, acting_user_id, id)
);
CREATE INDEX presences_by_date ON presences (account_key, acting_user_id, date);
CREATE TABLE documents (
    account_key TEXT NOT NULL,
    acting_user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (account_key, acting_user_id, kind, key)
);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_key TEXT NOT NULL,
    acting_user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'in_flight', 'parked')),
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    attempt_started_at TEXT,
    sent_payload TEXT,
    last_error TEXT,
    parked_message TEXT
);
CREATE INDEX outbox_by_identity ON outbox (account_key, acting_user_id, id)
"""

_V2_ID_MAP = """
CREATE TABLE id_map (
    account_key TEXT NOT NULL,
    acting_user_id INTEGER NOT NULL,
    entity TEXT NOT NULL,
    local_id INTEGER NOT NULL,
    remote_id INTEGER NOT NULL,
    mapped_at TEXT NOT NULL,
    PRIMARY KEY (account_key, acting_user_id, entity, local_id)
);
ALTER TABLE outbox ADD COLUMN entity TEXT NOT NULL DEFAULT 'activity';
UPDATE outbox SET entity = substr(kind, 1, instr(kind, '.') - 1) WHERE instr(kind, '.') > 0
"""

_V3_SYNC_MARKS = """
CREATE TABLE sync_marks (
    account_key TEXT NOT NULL,
    acting_user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    range_key TEXT NOT NULL,
    updated_after TEXT,
    last_full_at TEXT,
    PRIMARY KEY (account_key, acting_user_id, kind, range_key)
)
"""


_V5_EMPTY_DOCUMENTS = """
ALTER TABLE documents ADD COLUMN empty INTEGER NOT NULL DEFAULT 0;
UPDATE documents SET empty = payload IN ('[]', 'null', '')
"""

_V6_DOCUMENT_FRESHNESS = """
CREATE INDEX documents_freshness
    ON documents (account_key, acting_user_id, kind, key, fetched_at, empty)
"""


def _v4_activity_seconds(connection: sqlite3.Connection) -> None:
    """Activities carry their booked seconds in a column of their own, read from the payload."""
    import json

    connection.execute("ALTER TABLE activities ADD COLUMN seconds INTEGER NOT NULL DEFAULT 0")
    rows = connection.execute(
        "SELECT account_key, acting_user_id, id, payload FROM activities"
    ).fetchall()
    updates = []
    for account_key, acting_user_id, activity_id, payload in rows:
        try:
            seconds = int(json.loads(payload).get("seconds") or 0)
        except (ValueError, TypeError, AttributeError):
            seconds = 0
        updates.append((seconds, account_key, acting_user_id, activity_id))
    connection.executemany(
        "UPDATE activities SET seconds = ? WHERE account_key = ? AND acting_user_id = ? AND id = ?",
        updates,
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "cache of entities and documents, outbox of pending changes",
        _script(_V1_CACHE_AND_OUTBOX),
    ),
    Migration(
        2, "map of local ids to MOCO's ids; outbox entries know their entity", _script(_V2_ID_MAP)
    ),
    Migration(
        3,
        "incremental refresh marks (updated_after, last full reconciliation)",
        _script(_V3_SYNC_MARKS),
    ),
    Migration(
        4,
        "activities carry their booked seconds (a week's totals without decoding its entries)",
        _v4_activity_seconds,
    ),
    Migration(
        5,
        "documents say whether they are empty (without reading a big one's text)",
        _script(_V5_EMPTY_DOCUMENTS),
    ),
    Migration(
        6,
        "when a document was fetched and whether it is empty, read from an index: both columns "
        "come after the text, and SQLite walked a big document's 1.6 MB to reach them",
        _script(_V6_DOCUMENT_FRESHNESS),
    ),
)
LATEST_VERSION = MIGRATIONS[-1].version


class DatabaseError(Exception):
    """The database cannot be used (e.g. written by a newer version of the app)."""


class Database:
    """One SQLite connection with nestable transactions. Not shared between threads."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path | None,
        *,
        checkpoint_after_bytes: int = WAL_CHECKPOINT_BYTES,
    ) -> None:
        self.connection = connection
        self.path = path
        self.checkpoint_after_bytes = checkpoint_after_bytes
        self._depth = 0
        self._durable_joined = False
        self._checkpoint: threading.Thread | None = None

    @property
    def schema_version(self) -> int:
        return int(self.connection.execute("PRAGMA user_version").fetchone()[0])

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextlib.contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """All writes inside commit together or not at all; nested calls join the outer one.

        `durable`: the commit is on disk when this returns (it survives a power cut). The
        cache's writes, which the next sync fetches again, pass False: their commit skips the
        fsync (synchronous NORMAL), which took 50 ms to a second on the UI thread while the
        disk was busy. The write-ahead log keeps commits in order either way: a power cut can
        lose the latest non-durable commits, never an earlier commit and keep a later one.
        A durable write joined to a non-durable transaction makes its commit durable too.
        """
        if self._depth:
            self._depth += 1
            self._durable_joined = self._durable_joined or durable
            try:
                yield self.connection
            finally:
                self._depth -= 1
            return
        if not durable:
            self.connection.execute("PRAGMA synchronous = NORMAL")
        try:
            self.connection.execute("BEGIN IMMEDIATE")  # may wait, then fail: still restored
            self._depth = 1
            self._durable_joined = False
            try:
                yield self.connection
            except BaseException:
                self._depth = 0
                self.connection.execute("ROLLBACK")
                raise
            self._depth = 0
            self.connection.execute("COMMIT")
        finally:
            if not durable:
                self.connection.execute(f"PRAGMA synchronous = {DURABLE_SYNCHRONOUS}")
        if not durable and self._durable_joined:
            # The commit was not synced: a checkpoint syncs the log (and all before it).
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self._checkpoint_if_due()

    def _checkpoint_if_due(self) -> None:
        """Once the write-ahead log has grown past `checkpoint_after_bytes`, copy it into the
        database file on a thread of its own. perf (issue 7): SQLite would do it itself in the
        committing call, with an fsync of the log and of the file, on the UI thread."""
        running = self._checkpoint
        if self.path is None or (running is not None and running.is_alive()):
            return
        try:
            size = os.stat(f"{self.path}-wal").st_size
        except OSError:
            return
        if size >= self.checkpoint_after_bytes:
            self._checkpoint = threading.Thread(
                target=_checkpoint, args=(self.path,), name="sqlite-checkpoint", daemon=True
            )
            self._checkpoint.start()

    def wait_for_checkpoint(self, timeout: float | None = None) -> None:
        """Until a checkpoint begun in the background has finished."""
        if self._checkpoint is not None:
            self._checkpoint.join(timeout)

    def synchronous(self) -> int:
        """SQLite's current `synchronous` level (2: FULL, each commit synced; 1: NORMAL)."""
        return int(self.connection.execute("PRAGMA synchronous").fetchone()[0])

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, parameters)

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(self.connection.execute(sql, parameters).fetchall())

    def row(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Row | None:
        found: sqlite3.Row | None = self.connection.execute(sql, parameters).fetchone()
        return found

    def next_local_id(self) -> int:
        """A fresh negative id for an entry MOCO has not assigned an id to yet."""
        with self.transaction():
            row = self.row("SELECT value FROM meta WHERE key = 'last_local_id'")
            next_id = (int(row["value"]) if row else 0) - 1
            self.execute(
                "INSERT INTO meta (key, value) VALUES ('last_local_id', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(next_id),),
            )
        return next_id

    def close(self) -> None:
        self.wait_for_checkpoint(timeout=CLOSE_WAITS_FOR_CHECKPOINT_S)
        self.connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_database(path: Path | str, *, migrations: Sequence[Migration] = MIGRATIONS) -> Database:
    """Open (creating if needed) the database at `path`: owner-only, WAL, migrated forward."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _create_owner_only(file)
    connection = sqlite3.connect(file, isolation_level=None, timeout=10.0)
    connection.row_factory = sqlite3.Row
    database = Database(connection, file)
    try:
        _configure(connection)
        migrate(database, migrations)
    except BaseException:
        connection.close()
        raise
    restrict_permissions(file)
    return database


def _checkpoint(path: Path) -> None:
    """Copy the write-ahead log into the database file and sync both (its own connection)."""
    try:
        connection = sqlite3.connect(path, timeout=10.0)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()
    except sqlite3.Error:
        logger.debug("background checkpoint of %s failed", path, exc_info=True)


def open_memory_database(*, migrations: Sequence[Migration] = MIGRATIONS) -> Database:
    """A throw-away database (tests, demo runs without a file)."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.row_factory = sqlite3.Row
    database = Database(connection, None)
    connection.execute("PRAGMA foreign_keys = ON")
    migrate(database, migrations)
    return database


def migrate(database: Database, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply every migration above the current `user_version`; returns the new version."""
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError("migrations must be numbered 1, 2, 3, ... without gaps")
    current = database.schema_version
    latest = versions[-1] if versions else 0
    if current > latest:
        raise DatabaseError(
            f"the database has schema version {current}, newer than this app knows ({latest})"
        )
    for migration in migrations:
        if migration.version <= current:
            continue
        with database.transaction() as connection:
            migration.apply(connection)
            connection.execute(f"PRAGMA user_version = {migration.version:d}")
    return database.schema_version


def restrict_permissions(file: Path) -> None:
    """Make the database and its WAL/shared-memory companions readable by the owner only."""
    for candidate in (file, file.with_name(file.name + "-wal"), file.with_name(file.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(candidate.stat().st_mode) != OWNER_ONLY:
                os.chmod(candidate, OWNER_ONLY)


def _create_owner_only(file: Path) -> None:
    """Create the file with mode 0600 before SQLite does (no window where others can read)."""
    descriptor = os.open(file, os.O_RDWR | os.O_CREAT, OWNER_ONLY)
    os.close(descriptor)
    restrict_permissions(file)


PAGE_CACHE_KIB = 512


def _configure(connection: sqlite3.Connection) -> None:
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise DatabaseError(f"SQLite refused WAL mode (got {mode!r})")
    # FULL: a committed change survives a power cut, not only a killed process (the cache's
    # own writes lower it per transaction: `Database.transaction(durable=False)`).
    connection.execute(f"PRAGMA synchronous = {DURABLE_SYNCHRONOUS}")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA busy_timeout = 10000")
    # The log is copied into the file by `Database._checkpoint_if_due`, on a thread of its own.
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    # perf (issue 7): SQLite's own page cache, 2 MiB by default, filled with a big account's
    # rows; the OS caches the file anyway, and every read here is by index. 512 KiB.
    connection.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB:d}")
