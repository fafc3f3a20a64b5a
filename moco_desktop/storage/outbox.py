"""The outbox: changes a person made that MOCO has not confirmed yet, in the order made.

Each entry belongs to one identity (the account and the user it acts for) and is only ever
handed to that identity's workspace. An entry is `pending` until it is sent; `in_flight` from the
moment a request for it may have left the machine (recorded *before* sending, so after a crash
the entry is known to need reconciliation); `parked` when MOCO rejected it and the person has to
fix or discard it. Entries MOCO confirmed are deleted. What an entry means (`kind`, `payload`)
is up to the services; this module keeps them safe and in order.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from moco_desktop.core.records import record
from moco_desktop.storage.database import Database

OutboxState = Literal["pending", "in_flight", "parked"]


@record
class OutboxEntry:
    id: int
    account_key: str
    acting_user_id: int
    kind: str
    entity: str
    target_id: int
    payload: Mapping[str, Any]
    state: OutboxState
    created_at: dt.datetime
    attempts: int = 0
    attempt_started_at: dt.datetime | None = None
    sent_payload: Mapping[str, Any] | None = None
    last_error: str | None = None
    parked_message: str | None = None

    @property
    def is_parked(self) -> bool:
        return self.state == "parked"

    @property
    def is_in_flight(self) -> bool:
        return self.state == "in_flight"


class Outbox:
    """The pending changes of one identity."""

    def __init__(self, database: Database, account_key: str, acting_user_id: int) -> None:
        if not account_key:
            raise ValueError("account_key must not be empty")
        self.database = database
        self.account_key = account_key
        self.acting_user_id = acting_user_id
        self._identity = (account_key, acting_user_id)

    def enqueue(
        self,
        kind: str,
        entity: str,
        target_id: int,
        payload: Mapping[str, Any],
        now: dt.datetime,
    ) -> OutboxEntry:
        """Append a change at the end of the queue (committed when this returns)."""
        with self.database.transaction():
            cursor = self.database.execute(
                "INSERT INTO outbox (account_key, acting_user_id, kind, entity, target_id, "
                "payload, state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
                (*self._identity, kind, entity, target_id, _dump(payload), now.isoformat()),
            )
            entry_id = cursor.lastrowid
        assert entry_id is not None
        entry = self.get(entry_id)
        assert entry is not None
        return entry

    def get(self, entry_id: int) -> OutboxEntry | None:
        row = self.database.row(
            "SELECT * FROM outbox WHERE id = ? AND account_key = ? AND acting_user_id = ?",
            (entry_id, *self._identity),
        )
        return None if row is None else _entry(row)

    def entries(self, states: Iterable[OutboxState] | None = None) -> list[OutboxEntry]:
        """All entries of this identity in the order they were made (optionally by state)."""
        rows = self.database.rows(
            "SELECT * FROM outbox WHERE account_key = ? AND acting_user_id = ? ORDER BY id",
            self._identity,
        )
        wanted = None if states is None else set(states)
        return [_entry(row) for row in rows if wanted is None or row["state"] in wanted]

    def unsent(self) -> list[OutboxEntry]:
        """Entries still to send (pending or in flight), in order."""
        return self.entries(("pending", "in_flight"))

    def parked(self) -> list[OutboxEntry]:
        return self.entries(("parked",))

    def for_target(self, entity: str, target_id: int) -> list[OutboxEntry]:
        rows = self.database.rows(
            "SELECT * FROM outbox WHERE account_key = ? AND acting_user_id = ? AND entity = ? "
            "AND target_id = ? ORDER BY id",
            (*self._identity, entity, target_id),
        )
        return [_entry(row) for row in rows]

    def count(self) -> int:
        row = self.database.row(
            "SELECT COUNT(*) AS n FROM outbox WHERE account_key = ? AND acting_user_id = ?",
            self._identity,
        )
        return int(row["n"]) if row else 0

    def next_sendable(self) -> OutboxEntry | None:
        """The oldest entry that may be sent now: entries waiting behind a parked entry for the
        same target are skipped (they depend on it); everything else keeps its order."""
        blocked: set[tuple[str, int]] = set()
        for entry in self.entries():
            key = (entry.entity, entry.target_id)
            if entry.is_parked:
                blocked.add(key)
            elif key not in blocked:
                return entry
        return None

    def mark_in_flight(
        self, entry_id: int, now: dt.datetime, sent_payload: Mapping[str, Any]
    ) -> None:
        """Record, before a request leaves, that it is about to and what it carries."""
        self.database.execute(
            "UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, "
            "attempt_started_at = ?, sent_payload = ? "
            "WHERE id = ? AND account_key = ? AND acting_user_id = ?",
            (now.isoformat(), _dump(sent_payload), entry_id, *self._identity),
        )

    def mark_not_sent(self, entry_id: int, error: str) -> None:
        """The request certainly did not reach MOCO: back to pending, keep the error."""
        self.database.execute(
            "UPDATE outbox SET state = 'pending', last_error = ?, sent_payload = NULL "
            "WHERE id = ? AND account_key = ? AND acting_user_id = ?",
            (error, entry_id, *self._identity),
        )

    def note_error(self, entry_id: int, error: str) -> None:
        """Keep the state (an in-flight entry stays in flight), remember the last error."""
        self.database.execute(
            "UPDATE outbox SET last_error = ? WHERE id = ? AND account_key = ? "
            "AND acting_user_id = ?",
            (error, entry_id, *self._identity),
        )

    def update(
        self,
        entry_id: int,
        *,
        payload: Mapping[str, Any] | None = None,
        kind: str | None = None,
        target_id: int | None = None,
        state: OutboxState | None = None,
    ) -> None:
        """Change an entry in place (it keeps its position in the queue)."""
        entry = self.get(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        new_state = state or entry.state
        self.database.execute(
            "UPDATE outbox SET payload = ?, kind = ?, target_id = ?, state = ?, "
            "sent_payload = CASE WHEN ? = 'in_flight' THEN sent_payload ELSE NULL END, "
            "attempt_started_at = CASE WHEN ? = 'in_flight' THEN attempt_started_at "
            "ELSE NULL END "
            "WHERE id = ? AND account_key = ? AND acting_user_id = ?",
            (
                _dump(entry.payload if payload is None else payload),
                kind or entry.kind,
                entry.target_id if target_id is None else target_id,
                new_state,
                new_state,
                new_state,
                entry_id,
                *self._identity,
            ),
        )

    def park(self, entry_id: int, message: str) -> None:
        """MOCO rejected the change: keep it aside with MOCO's message for the person."""
        self.database.execute(
            "UPDATE outbox SET state = 'parked', parked_message = ?, last_error = ?, "
            "sent_payload = NULL, attempt_started_at = NULL "
            "WHERE id = ? AND account_key = ? AND acting_user_id = ?",
            (message, message, entry_id, *self._identity),
        )

    def unpark(self, entry_id: int, payload: Mapping[str, Any]) -> None:
        """Send a parked change again (with the person's fixes), in its original position."""
        self.database.execute(
            "UPDATE outbox SET state = 'pending', parked_message = NULL, payload = ? "
            "WHERE id = ? AND account_key = ? AND acting_user_id = ? AND state = 'parked'",
            (_dump(payload), entry_id, *self._identity),
        )

    def remove(self, entry_id: int) -> None:
        """The change is done (MOCO confirmed it) or dropped (discarded, obsolete)."""
        self.database.execute(
            "DELETE FROM outbox WHERE id = ? AND account_key = ? AND acting_user_id = ?",
            (entry_id, *self._identity),
        )

    def rewrite_target(self, entity: str, local_id: int, remote_id: int) -> int:
        """Point later entries about the local entry at MOCO's id; returns how many."""
        cursor = self.database.execute(
            "UPDATE outbox SET target_id = ? WHERE account_key = ? AND acting_user_id = ? "
            "AND entity = ? AND target_id = ?",
            (remote_id, *self._identity, entity, local_id),
        )
        return cursor.rowcount

    # --- who may send -------------------------------------------------------------------------

    def acquire_send_lease(self, owner: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
        """Take (or renew) the right to send this identity's changes, so two processes (the
        tray app and the command line) never send the same change twice at once.

        `owner` is "PID:token". A lease is free when it expired or its process is gone."""
        key = self._lease_key()
        with self.database.transaction():
            row = self.database.row("SELECT value FROM meta WHERE key = ?", (key,))
            if row is not None:
                holder, _, expires = str(row["value"]).partition("|")
                if (
                    holder != owner
                    and dt.datetime.fromisoformat(expires) > now
                    and _process_alive(holder)
                ):
                    return False
            value = f"{owner}|{(now + ttl).isoformat()}"
            self.database.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        return True

    def release_send_lease(self, owner: str) -> None:
        key = self._lease_key()
        with self.database.transaction():
            row = self.database.row("SELECT value FROM meta WHERE key = ?", (key,))
            if row is not None and str(row["value"]).partition("|")[0] == owner:
                self.database.execute("DELETE FROM meta WHERE key = ?", (key,))

    def _lease_key(self) -> str:
        return f"send_lease:{self.account_key}:{self.acting_user_id}"


def _process_alive(owner: str) -> bool:
    """Whether the process named in a lease owner ("PID:token") still runs (POSIX only;
    elsewhere the lease simply expires)."""
    pid_text = owner.partition(":")[0]
    if os.name != "posix" or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def unsent_counts(database: Database) -> dict[tuple[str, int], int]:
    """How many changes wait for each identity (account key, acted-for user), parked included.

    For warnings such as "you have unsent changes" before logging out or switching accounts.
    """
    counts: Counter[tuple[str, int]] = Counter()
    for row in database.rows("SELECT account_key, acting_user_id FROM outbox"):
        counts[(str(row["account_key"]), int(row["acting_user_id"]))] += 1
    return dict(counts)


def _dump(payload: Mapping[str, Any]) -> str:
    return json.dumps(dict(payload), ensure_ascii=False, sort_keys=True)


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(
        id=int(row["id"]),
        account_key=str(row["account_key"]),
        acting_user_id=int(row["acting_user_id"]),
        kind=str(row["kind"]),
        entity=str(row["entity"]),
        target_id=int(row["target_id"]),
        payload=json.loads(row["payload"]),
        state=row["state"],
        created_at=dt.datetime.fromisoformat(row["created_at"]),
        attempts=int(row["attempts"]),
        attempt_started_at=(
            dt.datetime.fromisoformat(row["attempt_started_at"])
            if row["attempt_started_at"]
            else None
        ),
        sent_payload=json.loads(row["sent_payload"]) if row["sent_payload"] else None,
        last_error=row["last_error"],
        parked_message=row["parked_message"],
    )
