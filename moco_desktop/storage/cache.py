"""The last known state of MOCO for one identity: one account acting as one user.

Every row carries `(account_key, acting_user_id)`, and a `CacheStore` only ever reads and writes
its own identity's rows, so a colleague's entries (seen while acting for them) never show up as
one's own. The cache holds MOCO's confirmed state only; changes not yet in MOCO live in the
outbox and are laid over this state by the services.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from moco_desktop.core.entities import Activity, Presence
from moco_desktop.core.records import record
from moco_desktop.storage import codec
from moco_desktop.storage.database import Database

if TYPE_CHECKING:
    import sqlite3

T = TypeVar("T")


@record
class SyncMark:
    """How far a range of one kind was refreshed: for `updated_after` and full reconciliation."""

    kind: str
    range_key: str
    updated_after: dt.datetime | None
    last_full_at: dt.datetime | None


_IDS_PER_QUERY = 500
_EMPTY_PAYLOADS = ("[]", "null", "")
DECODED_ACTIVITIES_KEPT = 1500
"""Decoded activities kept for reuse: a busy week and more (perf, issue 7: a month of 5,000 decoded
entries held ~7 MiB; decoding a day of 230 again takes ~4 ms)."""


class CacheStore:
    """Cached entities and documents of one identity."""

    def __init__(self, database: Database, account_key: str, acting_user_id: int) -> None:
        if not account_key:
            raise ValueError("account_key must not be empty")
        self.database = database
        self.account_key = account_key
        self.acting_user_id = acting_user_id
        self._identity = (account_key, acting_user_id)
        # Decoded documents, checked against their `fetched_at` before each use: the projects
        # document of a big account is 20,000 tasks, decoded once per fetch instead of once
        # per read.
        self._decoded: dict[tuple[str, str, type, bool], tuple[str, Any]] = {}
        # Decoded activities by id, with the hash of the stored text they came from: a busy
        # day is a few hundred entries, read again for every repaint of it and every menu
        # update. Reads check the hash against the row, so a write by another process is
        # seen. The least recently used go first beyond `DECODED_ACTIVITIES_KEPT`.
        self._activities: dict[int, tuple[int, Activity]] = {}

    def _write(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A cache write: what MOCO sends again at the next sync, so its commit is not synced
        to disk on the way (`Database.transaction(durable=False)`); the outbox's are."""
        return self.database.transaction(durable=False)

    # --- activities ---------------------------------------------------------------------------

    def put_activities(
        self, activities: Iterable[Activity], payloads: Sequence[str] | None = None
    ) -> None:
        """Store (insert or update) activities. `payloads`: their `codec.dumps`, if the caller
        made them already (off the event loop)."""
        rows = []
        for index, activity in enumerate(activities):
            payload = payloads[index] if payloads is not None else codec.dumps(activity)
            self._keep(activity.id, hash(payload), activity)
            rows.append(
                (
                    *self._identity,
                    activity.id,
                    activity.date.isoformat(),
                    int(activity.is_running),
                    _iso(activity.updated_at),
                    activity.seconds,
                    payload,
                )
            )
        if not rows:
            return  # no empty transaction (each refresh with no news stores nothing)
        with self._write():
            self.database.connection.executemany(
                "INSERT INTO activities "
                "(account_key, acting_user_id, id, date, running, updated_at, seconds, payload) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (account_key, acting_user_id, id) DO UPDATE SET "
                "date = excluded.date, running = excluded.running, "
                "updated_at = excluded.updated_at, seconds = excluded.seconds, "
                "payload = excluded.payload",
                rows,
            )

    def remove_activities_except(
        self, date_from: dt.date, date_to: dt.date, kept: Collection[int]
    ) -> set[int]:
        """Remove the range's activities whose ids are not in `kept` (deleted in MOCO);
        returns their ids. Writes nothing when all are kept."""
        return self._remove_missing("activities", date_from, date_to, kept)

    def put_activities_unless_changed(
        self,
        activities: Sequence[Activity],
        payloads: Sequence[str],
        seen: Mapping[int, tuple[dt.date, str]],
    ) -> list[Activity]:
        """Store those of `activities` whose row is still what was `seen` (id -> (date,
        payload text); absent from it: still not stored), and return them. A row written since
        was written by someone later (a newer answer, a change just sent) and stays as it is:
        what a refresh that stores a big answer in parts between event-loop turns needs."""
        now = self.activity_payloads_of(activity.id for activity in activities)
        chosen = [
            (activity, payload)
            for activity, payload in zip(activities, payloads, strict=True)
            if now.get(activity.id) == seen.get(activity.id)
        ]
        self.put_activities([a for a, _ in chosen], [payload for _, payload in chosen])
        return [activity for activity, _ in chosen]

    def activity(self, activity_id: int) -> Activity | None:
        row = self.database.row(
            "SELECT payload FROM activities WHERE account_key = ? AND acting_user_id = ? "
            "AND id = ?",
            (*self._identity, activity_id),
        )
        return self._activity_from(activity_id, row["payload"]) if row else None

    def activities_between(self, date_from: dt.date, date_to: dt.date) -> list[Activity]:
        rows = self.database.rows(
            "SELECT id, payload FROM activities WHERE account_key = ? AND acting_user_id = ? "
            "AND date BETWEEN ? AND ? ORDER BY date, id",
            (*self._identity, date_from.isoformat(), date_to.isoformat()),
        )
        return [self._activity_from(row["id"], row["payload"]) for row in rows]

    def activity_seconds_by_date(
        self, date_from: dt.date, date_to: dt.date, *, excluding: Collection[int] = ()
    ) -> tuple[dict[dt.date, int], list[int]]:
        """The booked seconds of each day of the range that has cached activities, summed by
        SQLite without decoding a payload, and the ids of the range's running activities (whose
        elapsed part is not in their seconds). Activities in `excluding` (shown with pending
        changes instead) are left out of both."""
        where = "account_key = ? AND acting_user_id = ? AND date BETWEEN ? AND ?"
        parameters = (*self._identity, date_from.isoformat(), date_to.isoformat())
        connection = self.database.connection
        totals: dict[dt.date, int] = {}
        for day, seconds in connection.execute(
            f"SELECT date, SUM(seconds) FROM activities WHERE {where} AND running = 0 "
            "GROUP BY date",
            parameters,
        ):
            totals[dt.date.fromisoformat(day)] = seconds
        running = [
            row[0]
            for row in connection.execute(
                f"SELECT id FROM activities WHERE {where} AND running = 1 ORDER BY id", parameters
            )
        ]
        excluded = list(excluding)
        for first in range(0, len(excluded), _IDS_PER_QUERY):
            chunk = excluded[first : first + _IDS_PER_QUERY]
            marks = ", ".join("?" * len(chunk))
            for activity_id, day, seconds, is_running in connection.execute(
                f"SELECT id, date, seconds, running FROM activities WHERE {where} "
                f"AND id IN ({marks})",
                (*parameters, *chunk),
            ):
                if is_running:
                    running.remove(activity_id)
                else:
                    date = dt.date.fromisoformat(day)
                    totals[date] -= seconds
        return totals, running

    def activity_payloads_between(
        self, date_from: dt.date, date_to: dt.date
    ) -> dict[int, tuple[dt.date, str]]:
        """Each cached activity of the range as stored (id -> (date, payload text)): enough to
        tell what a refresh changed without decoding anything."""
        return self._payloads_between("activities", date_from, date_to)

    def activity_payloads_of(self, ids: Iterable[int]) -> dict[int, tuple[dt.date, str]]:
        """Like `activity_payloads_between`, for the given ids only (those cached): what an
        incremental refresh compares, without reading the whole week."""
        return self._payloads_of("activities", ids)

    def running_activities(self) -> list[Activity]:
        rows = self.database.rows(
            "SELECT id, payload FROM activities WHERE account_key = ? AND acting_user_id = ? "
            "AND running = 1 ORDER BY date DESC, id DESC",
            (*self._identity,),
        )
        return [self._activity_from(row["id"], row["payload"]) for row in rows]

    def _activity_from(self, activity_id: int, payload: str) -> Activity:
        digest = hash(payload)
        known = self._activities.pop(activity_id, None)
        if known is not None and known[0] == digest:
            self._activities[activity_id] = known  # now the most recently used
            return known[1]
        activity = codec.loads(Activity, payload)
        self._keep(activity_id, digest, activity)
        return activity

    def _keep(self, activity_id: int, digest: int, activity: Activity) -> None:
        kept = self._activities
        kept.pop(activity_id, None)
        kept[activity_id] = (digest, activity)
        while len(kept) > DECODED_ACTIVITIES_KEPT:
            del kept[next(iter(kept))]

    def remove_activity(self, activity_id: int) -> None:
        self._activities.pop(activity_id, None)
        with self._write():
            self.database.execute(
                "DELETE FROM activities WHERE account_key = ? AND acting_user_id = ? AND id = ?",
                (*self._identity, activity_id),
            )

    # --- presences ----------------------------------------------------------------------------

    def put_presences(self, presences: Iterable[Presence]) -> None:
        rows = [
            (
                *self._identity,
                presence.id,
                presence.date.isoformat(),
                _iso(presence.updated_at),
                codec.dumps(presence),
            )
            for presence in presences
        ]
        if not rows:
            return
        with self._write():
            self.database.connection.executemany(
                "INSERT INTO presences "
                "(account_key, acting_user_id, id, date, updated_at, payload) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (account_key, acting_user_id, id) DO UPDATE SET "
                "date = excluded.date, updated_at = excluded.updated_at, "
                "payload = excluded.payload",
                rows,
            )

    def replace_presences(
        self, date_from: dt.date, date_to: dt.date, presences: Sequence[Presence]
    ) -> set[int]:
        with self._write():
            kept = [presence.id for presence in presences]
            removed = self._remove_missing("presences", date_from, date_to, kept)
            self.put_presences(presences)
        return removed

    def presence(self, presence_id: int) -> Presence | None:
        row = self.database.row(
            "SELECT payload FROM presences WHERE account_key = ? AND acting_user_id = ? AND id = ?",
            (*self._identity, presence_id),
        )
        return codec.loads(Presence, row["payload"]) if row else None

    def presences_between(self, date_from: dt.date, date_to: dt.date) -> list[Presence]:
        rows = self.database.rows(
            "SELECT payload FROM presences WHERE account_key = ? AND acting_user_id = ? "
            "AND date BETWEEN ? AND ? ORDER BY date, id",
            (*self._identity, date_from.isoformat(), date_to.isoformat()),
        )
        presences = [codec.loads(Presence, row["payload"]) for row in rows]
        return sorted(presences, key=lambda p: (p.date, p.from_time, p.id))

    def presence_payloads_between(
        self, date_from: dt.date, date_to: dt.date
    ) -> dict[int, tuple[dt.date, str]]:
        """Like `activity_payloads_between`, for presences."""
        return self._payloads_between("presences", date_from, date_to)

    def presence_payloads_of(self, ids: Iterable[int]) -> dict[int, tuple[dt.date, str]]:
        """Like `activity_payloads_of`, for presences."""
        return self._payloads_of("presences", ids)

    def remove_presence(self, presence_id: int) -> None:
        with self._write():
            self.database.execute(
                "DELETE FROM presences WHERE account_key = ? AND acting_user_id = ? AND id = ?",
                (*self._identity, presence_id),
            )

    # --- documents (profile, projects, employments, schedules, ...) --------------------------

    def put_document(
        self,
        kind: str,
        value: object,
        fetched_at: dt.datetime,
        key: str = "",
        *,
        payload: str | None = None,
    ) -> None:
        """Store one value (an entity, a tuple of entities, ...) under `kind` and `key`.
        `payload`: `codec.dumps(value)` if the caller made it already (off the event loop)."""
        stamp = _iso(fetched_at)
        text = payload or codec.dumps(value)
        with self._write():
            self.database.execute(
                "INSERT INTO documents "
                "(account_key, acting_user_id, kind, key, payload, fetched_at, empty) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (account_key, acting_user_id, kind, key) DO UPDATE SET "
                "payload = excluded.payload, fetched_at = excluded.fetched_at, "
                "empty = excluded.empty",
                (*self._identity, kind, key, text, stamp, int(text in _EMPTY_PAYLOADS)),
            )
        for memo_key in [k for k in self._decoded if k[:2] == (kind, key)]:
            del self._decoded[memo_key]
        # What was stored is what a read would decode: remember it as it is.
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            self._decoded[(kind, key, type(value), False)] = (str(stamp), value)
        elif isinstance(value, tuple) and value:
            kinds = {type(item) for item in value}
            if len(kinds) == 1 and dataclasses.is_dataclass(next(iter(kinds))):
                self._decoded[(kind, key, kinds.pop(), True)] = (str(stamp), value)

    def document(self, kind: str, entity: type[T], key: str = "") -> T | None:
        """The stored value rebuilt as one `entity`, or None if never stored."""
        found: T | None = self._decoded_document(kind, key, entity, many=False)
        return found

    def document_list(self, kind: str, entity: type[T], key: str = "") -> tuple[T, ...] | None:
        """The stored sequence rebuilt as `entity` values, or None if never stored."""
        found: tuple[T, ...] | None = self._decoded_document(kind, key, entity, many=True)
        return found

    def _decoded_document(self, kind: str, key: str, entity: type, *, many: bool) -> Any:
        """The document decoded, from the memo while its `fetched_at` is unchanged (another
        process may have stored a newer one)."""
        memo_key = (kind, key, entity, many)
        memo = self._decoded.get(memo_key)
        if memo is not None:
            fetched = self._document_freshness("fetched_at", kind, key)
            if fetched is not None and fetched["fetched_at"] == memo[0]:
                return memo[1]
        row = self.database.row(
            "SELECT payload, fetched_at FROM documents WHERE account_key = ? "
            "AND acting_user_id = ? AND kind = ? AND key = ?",
            (*self._identity, kind, key),
        )
        if row is None:
            self._decoded.pop(memo_key, None)
            return None
        value: Any = (
            tuple(codec.loads_each(entity, row["payload"]))
            if many
            else codec.loads(entity, row["payload"])
        )
        self._decoded[memo_key] = (row["fetched_at"], value)
        return value

    def has_document(self, kind: str, key: str = "") -> bool:
        """Whether a non-empty value is stored (without reading its text: the projects of a big
        account are 1.6 MB that SQLite would read for any look at the payload)."""
        row = self._document_freshness("empty", kind, key)
        return row is not None and not row["empty"]

    def document_fetched_at(self, kind: str, key: str = "") -> dt.datetime | None:
        row = self._document_freshness("fetched_at", kind, key)
        return dt.datetime.fromisoformat(row["fetched_at"]) if row else None

    def _document_freshness(self, column: str, kind: str, key: str) -> sqlite3.Row | None:
        """`fetched_at` or `empty` of a document, from the index that holds them: both come
        after the text in the row, which SQLite would walk (a big account's projects: 1.6 MB)."""
        return self.database.row(
            f"SELECT {column} FROM documents INDEXED BY documents_freshness "
            "WHERE account_key = ? AND acting_user_id = ? AND kind = ? AND key = ?",
            (*self._identity, kind, key),
        )

    # --- refresh marks ------------------------------------------------------------------------

    def sync_mark(self, kind: str, range_key: str) -> SyncMark:
        row = self.database.row(
            "SELECT updated_after, last_full_at FROM sync_marks WHERE account_key = ? "
            "AND acting_user_id = ? AND kind = ? AND range_key = ?",
            (*self._identity, kind, range_key),
        )
        if row is None:
            return SyncMark(kind, range_key, None, None)
        return SyncMark(
            kind, range_key, _parse_iso(row["updated_after"]), _parse_iso(row["last_full_at"])
        )

    def set_sync_mark(self, mark: SyncMark) -> None:
        with self._write():
            self.database.execute(
                "INSERT INTO sync_marks "
                "(account_key, acting_user_id, kind, range_key, updated_after, last_full_at) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (account_key, acting_user_id, kind, range_key) DO UPDATE SET "
                "updated_after = excluded.updated_after, last_full_at = excluded.last_full_at",
                (
                    *self._identity,
                    mark.kind,
                    mark.range_key,
                    _iso(mark.updated_after),
                    _iso(mark.last_full_at),
                ),
            )

    # --- local ids ----------------------------------------------------------------------------

    def map_id(self, entity: str, local_id: int, remote_id: int, at: dt.datetime) -> None:
        """Remember that the local entry `local_id` is MOCO's `remote_id` now."""
        self.database.execute(
            "INSERT OR REPLACE INTO id_map "
            "(account_key, acting_user_id, entity, local_id, remote_id, mapped_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (*self._identity, entity, local_id, remote_id, _iso(at)),
        )

    def resolve_id(self, entity: str, entry_id: int) -> int:
        """MOCO's id for a local id that has been assigned one; any other id unchanged."""
        if entry_id >= 0:
            return entry_id
        row = self.database.row(
            "SELECT remote_id FROM id_map WHERE account_key = ? AND acting_user_id = ? "
            "AND entity = ? AND local_id = ?",
            (*self._identity, entity, entry_id),
        )
        return int(row["remote_id"]) if row else entry_id

    def mapped_remote_ids(self, entity: str) -> set[int]:
        """MOCO ids that local entries became (they are spoken for when reconciling)."""
        rows = self.database.rows(
            "SELECT remote_id FROM id_map WHERE account_key = ? AND acting_user_id = ? "
            "AND entity = ?",
            (*self._identity, entity),
        )
        return {int(row["remote_id"]) for row in rows}

    # --- housekeeping -------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget everything cached for this identity (not its outbox)."""
        self._decoded.clear()
        self._activities.clear()
        with self.database.transaction():  # durable: logging out leaves no data behind
            for table in ("activities", "presences", "documents", "sync_marks", "id_map"):
                self.database.execute(
                    f"DELETE FROM {table} WHERE account_key = ? AND acting_user_id = ?",
                    self._identity,
                )

    def _payloads_between(
        self, table: str, date_from: dt.date, date_to: dt.date
    ) -> dict[int, tuple[dt.date, str]]:
        rows = self.database.connection.execute(
            f"SELECT id, date, payload FROM {table} WHERE account_key = ? AND acting_user_id = ? "
            "AND date BETWEEN ? AND ?",
            (*self._identity, date_from.isoformat(), date_to.isoformat()),
        ).fetchall()
        return {int(row[0]): (dt.date.fromisoformat(row[1]), row[2]) for row in rows}

    def _payloads_of(self, table: str, ids: Iterable[int]) -> dict[int, tuple[dt.date, str]]:
        wanted = list(dict.fromkeys(ids))
        found: dict[int, tuple[dt.date, str]] = {}
        for start in range(0, len(wanted), _IDS_PER_QUERY):
            chunk = wanted[start : start + _IDS_PER_QUERY]
            marks = ", ".join("?" * len(chunk))
            for row in self.database.connection.execute(
                f"SELECT id, date, payload FROM {table} WHERE account_key = ? "
                f"AND acting_user_id = ? AND id IN ({marks})",
                (*self._identity, *chunk),
            ):
                found[int(row[0])] = (dt.date.fromisoformat(row[1]), row[2])
        return found

    def _remove_missing(
        self, table: str, date_from: dt.date, date_to: dt.date, kept: Collection[int]
    ) -> set[int]:
        rows = self.database.rows(
            f"SELECT id FROM {table} WHERE account_key = ? AND acting_user_id = ? "
            "AND date BETWEEN ? AND ?",
            (*self._identity, date_from.isoformat(), date_to.isoformat()),
        )
        removed = {int(row["id"]) for row in rows} - set(kept)
        if not removed:
            return removed  # no empty transaction
        with self._write():
            for entry_id in removed:
                if table == "activities":
                    self._activities.pop(entry_id, None)
                self.database.execute(
                    f"DELETE FROM {table} WHERE account_key = ? AND acting_user_id = ? AND id = ?",
                    (*self._identity, entry_id),
                )
        return removed


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_iso(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)
