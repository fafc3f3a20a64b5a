"""The last known state of MOCO for one identity: one account acting as one user.

Every row carries `(account_key, acting_user_id)`, and a `CacheStore` only ever reads and writes
its own identity's rows, so a colleague's entries (seen while acting for them) never show up as
one's own. The cache holds MOCO's confirmed state only; changes not yet in MOCO live in the
outbox and are laid over this state by the services.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from moco_desktop.core.entities import Activity, Presence
from moco_desktop.storage import codec
from moco_desktop.storage.database import Database

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SyncMark:
    """How far a range of one kind was refreshed: for `updated_after` and full reconciliation."""

    kind: str
    range_key: str
    updated_after: dt.datetime | None
    last_full_at: dt.datetime | None


class CacheStore:
    """Cached entities and documents of one identity."""

    def __init__(self, database: Database, account_key: str, acting_user_id: int) -> None:
        if not account_key:
            raise ValueError("account_key must not be empty")
        self.database = database
        self.account_key = account_key
        self.acting_user_id = acting_user_id
        self._identity = (account_key, acting_user_id)

    # --- activities ---------------------------------------------------------------------------

    def put_activities(self, activities: Iterable[Activity]) -> None:
        with self.database.transaction():
            for activity in activities:
                self.database.execute(
                    "INSERT INTO activities "
                    "(account_key, acting_user_id, id, date, running, updated_at, payload) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (account_key, acting_user_id, id) DO UPDATE SET "
                    "date = excluded.date, running = excluded.running, "
                    "updated_at = excluded.updated_at, payload = excluded.payload",
                    (
                        *self._identity,
                        activity.id,
                        activity.date.isoformat(),
                        int(activity.is_running),
                        _iso(activity.updated_at),
                        codec.dumps(activity),
                    ),
                )

    def replace_activities(
        self, date_from: dt.date, date_to: dt.date, activities: Sequence[Activity]
    ) -> set[int]:
        """Make the range exactly `activities`; returns the ids that were removed (deleted
        in MOCO) from the range."""
        with self.database.transaction():
            removed = self._remove_missing("activities", date_from, date_to, activities)
            self.put_activities(activities)
        return removed

    def activity(self, activity_id: int) -> Activity | None:
        row = self.database.row(
            "SELECT payload FROM activities WHERE account_key = ? AND acting_user_id = ? "
            "AND id = ?",
            (*self._identity, activity_id),
        )
        return codec.loads(Activity, row["payload"]) if row else None

    def activities_between(self, date_from: dt.date, date_to: dt.date) -> list[Activity]:
        rows = self.database.rows(
            "SELECT payload FROM activities WHERE account_key = ? AND acting_user_id = ? "
            "AND date BETWEEN ? AND ? ORDER BY date, id",
            (*self._identity, date_from.isoformat(), date_to.isoformat()),
        )
        return [codec.loads(Activity, row["payload"]) for row in rows]

    def running_activities(self) -> list[Activity]:
        rows = self.database.rows(
            "SELECT payload FROM activities WHERE account_key = ? AND acting_user_id = ? "
            "AND running = 1 ORDER BY date DESC, id DESC",
            (*self._identity,),
        )
        return [codec.loads(Activity, row["payload"]) for row in rows]

    def remove_activity(self, activity_id: int) -> None:
        self.database.execute(
            "DELETE FROM activities WHERE account_key = ? AND acting_user_id = ? AND id = ?",
            (*self._identity, activity_id),
        )

    # --- presences ----------------------------------------------------------------------------

    def put_presences(self, presences: Iterable[Presence]) -> None:
        with self.database.transaction():
            for presence in presences:
                self.database.execute(
                    "INSERT INTO presences "
                    "(account_key, acting_user_id, id, date, updated_at, payload) "
                    "VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (account_key, acting_user_id, id) DO UPDATE SET "
                    "date = excluded.date, updated_at = excluded.updated_at, "
                    "payload = excluded.payload",
                    (
                        *self._identity,
                        presence.id,
                        presence.date.isoformat(),
                        _iso(presence.updated_at),
                        codec.dumps(presence),
                    ),
                )

    def replace_presences(
        self, date_from: dt.date, date_to: dt.date, presences: Sequence[Presence]
    ) -> set[int]:
        with self.database.transaction():
            removed = self._remove_missing("presences", date_from, date_to, presences)
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

    def remove_presence(self, presence_id: int) -> None:
        self.database.execute(
            "DELETE FROM presences WHERE account_key = ? AND acting_user_id = ? AND id = ?",
            (*self._identity, presence_id),
        )

    # --- documents (profile, projects, employments, schedules, ...) --------------------------

    def put_document(
        self, kind: str, value: object, fetched_at: dt.datetime, key: str = ""
    ) -> None:
        """Store one value (an entity, a tuple of entities, ...) under `kind` and `key`."""
        self.database.execute(
            "INSERT INTO documents (account_key, acting_user_id, kind, key, payload, fetched_at) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (account_key, acting_user_id, kind, key) DO UPDATE SET "
            "payload = excluded.payload, fetched_at = excluded.fetched_at",
            (*self._identity, kind, key, codec.dumps(value), _iso(fetched_at)),
        )

    def document(self, kind: str, entity: type[T], key: str = "") -> T | None:
        """The stored value rebuilt as one `entity`, or None if never stored."""
        data = self._document_data(kind, key)
        return None if data is None else codec.from_plain(entity, data)

    def document_list(self, kind: str, entity: type[T], key: str = "") -> tuple[T, ...] | None:
        """The stored sequence rebuilt as `entity` values, or None if never stored."""
        data = self._document_data(kind, key)
        if data is None:
            return None
        return tuple(codec.from_plain(entity, item) for item in data)

    def document_fetched_at(self, kind: str, key: str = "") -> dt.datetime | None:
        row = self.database.row(
            "SELECT fetched_at FROM documents WHERE account_key = ? AND acting_user_id = ? "
            "AND kind = ? AND key = ?",
            (*self._identity, kind, key),
        )
        return dt.datetime.fromisoformat(row["fetched_at"]) if row else None

    def _document_data(self, kind: str, key: str) -> Any:
        row = self.database.row(
            "SELECT payload FROM documents WHERE account_key = ? AND acting_user_id = ? "
            "AND kind = ? AND key = ?",
            (*self._identity, kind, key),
        )
        return None if row is None else json.loads(row["payload"])

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
        with self.database.transaction():
            for table in ("activities", "presences", "documents", "sync_marks", "id_map"):
                self.database.execute(
                    f"DELETE FROM {table} WHERE account_key = ? AND acting_user_id = ?",
                    self._identity,
                )

    def _remove_missing(
        self,
        table: str,
        date_from: dt.date,
        date_to: dt.date,
        keep: Sequence[Activity] | Sequence[Presence],
    ) -> set[int]:
        rows = self.database.rows(
            f"SELECT id FROM {table} WHERE account_key = ? AND acting_user_id = ? "
            "AND date BETWEEN ? AND ?",
            (*self._identity, date_from.isoformat(), date_to.isoformat()),
        )
        kept = {entry.id for entry in keep}
        removed = {int(row["id"]) for row in rows} - kept
        for entry_id in removed:
            self.database.execute(
                f"DELETE FROM {table} WHERE account_key = ? AND acting_user_id = ? AND id = ?",
                (*self._identity, entry_id),
            )
        return removed


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_iso(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)
