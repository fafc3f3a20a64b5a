"""Sending pending changes to MOCO, refreshing the cache from it, and the background engine.

This module is the base the operation modules (`timesheet`, `timer`, `presences`) build on:
each registers its kinds of change (`OperationKind`: how to send one, how it looks in the list,
how to apply the person's fixes). `push` sends the outbox in order, one change at a time, and
decides what a failure means:

* MOCO unreachable, 5xx, 429: stop, keep the change, try again later (backoff);
* 422 / 423 / 403: park the change with MOCO's message; the rest of the queue goes on, except
  changes to the same entry, which wait with it;
* a lost answer: the change stays "in flight"; next time it is reconciled before anything is
  resent (the operation modules look the entry up first);
* a rejected key or a key of another user: stop sending for this session.

`refresh` reads MOCO into the cache: incremental with `updated_after`, and a full
reconciliation of each visible range every few minutes that also catches deletions.
`SyncEngine` runs push and refresh on the asyncio loop with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from moco_desktop.api.errors import (
    ForbiddenError,
    ImpersonationForbiddenError,
    LockedError,
    MocoError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    UnexpectedResponseError,
    ValidationError,
)
from moco_desktop.core.entities import (
    Activity,
    Employment,
    PlanningEntry,
    Presence,
    Schedule,
)
from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.records import mutable_record, record
from moco_desktop.core.timemath import monday_of
from moco_desktop.services.events import DataChanged, DataKind, SyncProgress
from moco_desktop.storage import codec
from moco_desktop.storage.cache import CacheStore, SyncMark
from moco_desktop.storage.outbox import OutboxEntry

if TYPE_CHECKING:
    from moco_desktop.services.workspace import Workspace

logger = logging.getLogger("moco_desktop.services.sync")

register(
    {
        "workspace.identity_mismatch": {
            "en": "The API key belongs to user {actual}, not to {expected}. Nothing was sent; "
            "please log in again.",
            "de": "Der API-Schlüssel gehört zu Person {actual}, nicht zu {expected}. Es wurde "
            "nichts gesendet; bitte neu anmelden.",
        },
        "workspace.impersonation_mismatch": {
            "en": "MOCO answered as user {actual} instead of {expected}. Nothing was sent for "
            "{expected}.",
            "de": "MOCO hat als Person {actual} statt {expected} geantwortet. Für {expected} "
            "wurde nichts gesendet.",
        },
        "sync.parked": {
            "en": "MOCO did not accept “{summary}”: {message} Fix or discard it.",
            "de": "MOCO hat „{summary}“ nicht angenommen: {message} Bitte korrigieren oder "
            "verwerfen.",
        },
        "sync.deleted_elsewhere": {
            "en": "“{summary}” was deleted in MOCO in the meantime; your change was dropped.",
            "de": "„{summary}“ wurde inzwischen in MOCO gelöscht; deine Änderung wurde verworfen.",
        },
        "sync.conflict_remote_kept": {
            "en": "“{summary}” was changed in MOCO after your change; MOCO's newer version "
            "was kept.",
            "de": "„{summary}“ wurde nach deiner Änderung in MOCO geändert; die neuere Fassung "
            "aus MOCO wurde behalten.",
        },
        "sync.conflict_local_kept": {
            "en": "“{summary}” was also changed in MOCO; your newer change was saved over it.",
            "de": "„{summary}“ wurde auch in MOCO geändert; deine neuere Änderung wurde "
            "gespeichert.",
        },
        "sync.adopted": {
            "en": "“{summary}” had reached MOCO although the answer was lost; it was not sent "
            "twice.",
            "de": "„{summary}“ war bei MOCO angekommen, obwohl die Antwort verloren ging; es "
            "wurde nicht doppelt gesendet.",
        },
        "sync.halted": {
            "en": "Sending to MOCO stopped: {message}",
            "de": "Senden an MOCO angehalten: {message}",
        },
        "sync.internal_error": {
            "en": "This change could not be prepared for sending ({detail}).",
            "de": "Diese Änderung konnte nicht zum Senden vorbereitet werden ({detail}).",
        },
        "sync.not_parked": {
            "en": "Change {change_id} is not waiting for a fix.",
            "de": "Änderung {change_id} wartet nicht auf eine Korrektur.",
        },
        "sync.unknown_change": {
            "en": "There is no pending change {change_id}.",
            "de": "Es gibt keine ausstehende Änderung {change_id}.",
        },
        "sync.cannot_fix": {
            "en": "This change cannot be fixed with “{fields}”; discard it instead.",
            "de": "Diese Änderung lässt sich nicht mit „{fields}“ korrigieren; bitte verwerfen.",
        },
    }
)

SyncState = Literal["synced", "pending", "parked"]


class SyncStateView:
    """What an entry or presence view says about its changes not yet in MOCO (`state`)."""

    __slots__ = ()
    state: SyncState

    @property
    def pending(self) -> bool:
        """Not (completely) in MOCO yet."""
        return self.state != "synced"

    @property
    def parked(self) -> bool:
        """MOCO refused a change of it; it waits to be fixed or discarded."""
        return self.state == "parked"


EMPTY_RANGE_MARGIN = dt.timedelta(minutes=10)
"""For a range without entries, the first incremental refresh asks from this long before the
full one (MOCO's clock and ours may differ)."""
READ_MARGIN = dt.timedelta(seconds=30)
"""A range read when MOCO's clock said T counts as read up to T less this: an entry saved while
the answer was on its way (MOCO stamps an entry as it saves it) is asked for again."""
MARK_STEP = dt.timedelta(minutes=5)
"""An incremental refresh that brought nothing new moves its range's mark on to MOCO's clock
only once that is this much later than the mark: most refreshes write nothing."""
Entity = Literal["activity", "presence"]
StopReason = Literal[
    "done", "offline", "server", "rate_limited", "settling", "halted", "busy", "identity"
]


# --- shared by the operation modules ---------------------------------------------------------


class WorkspaceError(UserFacingError):
    """A change the person asked for cannot be made (no timer running, unknown entry, ...)."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        values: dict[str, Any] = dict(params)
        super().__init__(tr(key, **values))


class IdentityMismatchError(WorkspaceError):
    """MOCO says the key (or the impersonated user) is someone else: nothing may be sent."""


class SettleWaitError(Exception):
    """A change whose answer was lost is too fresh to reconcile: MOCO may still apply it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"waiting {seconds:.1f} s before reconciling")
        self.seconds = seconds


def iso(moment: dt.datetime | dt.date | None) -> str | None:
    return None if moment is None else moment.isoformat()


def parse_iso(text: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if isinstance(text, str) and text else None


@record
class OperationKind:
    """How one kind of change is sent, shown and fixed."""

    kind: str
    entity: Entity
    send: Callable[[Workspace, OutboxEntry], Awaitable[None]]
    describe: Callable[[OutboxEntry], str]
    dates: Callable[[OutboxEntry], set[dt.date]]
    fix: Callable[[Workspace, OutboxEntry, Mapping[str, Any]], dict[str, Any]] | None = None


_KINDS: dict[str, OperationKind] = {}


def register_kind(operation: OperationKind) -> None:
    _KINDS[operation.kind] = operation


def operation_of(entry: OutboxEntry) -> OperationKind:
    try:
        return _KINDS[entry.kind]
    except KeyError:
        raise WorkspaceError("sync.internal_error", detail=entry.kind) from None


def data_kind(entity: str) -> DataKind:
    return "presences" if entity == "presence" else "activities"


def begin_step(workspace: Workspace, entry: OutboxEntry, sent: Mapping[str, Any]) -> None:
    """Record, before a changing request leaves, that it is about to and what it carries."""
    workspace.outbox.mark_in_flight(entry.id, workspace.now(), sent)
    workspace.attempt_steps += 1


def previous_step(entry: OutboxEntry) -> str | None:
    """The changing request an earlier attempt may have sent (None: nothing was sent)."""
    if not entry.is_in_flight or not entry.sent_payload:
        return None
    step = entry.sent_payload.get("step")
    return None if step in (None, "begin") else str(step)


def ensure_settled(workspace: Workspace, entry: OutboxEntry) -> None:
    """Raise `SettleWaitError` while an earlier attempt's answer was lost too recently."""
    if entry.attempt_started_at is None:
        return
    ready_at = entry.attempt_started_at + workspace.settings.settle_after_lost
    remaining = (ready_at - workspace.now()).total_seconds()
    if remaining > 0:
        raise SettleWaitError(remaining)


def finish(workspace: Workspace, entry: OutboxEntry) -> None:
    """MOCO confirmed the change: it leaves the outbox."""
    workspace.outbox.remove(entry.id)
    workspace.record_sent(entry.id)


def drop(workspace: Workspace, entry: OutboxEntry) -> None:
    """The change is obsolete (deleted elsewhere, a newer edit won): it leaves the outbox."""
    workspace.outbox.remove(entry.id)
    workspace.record_dropped(entry.id)


# --- updates and deletes of existing entities, reconciled with MOCO -------------------------


class _Remote(Protocol):
    @property
    def updated_at(self) -> dt.datetime | None: ...


RemoteT = TypeVar("RemoteT", bound=_Remote)


def _same_value(name: str, remote: object, base: object) -> bool:
    return remote == base


@record
class ChangeTarget(Generic[RemoteT]):
    """How updates and deletes of one kind of entity (activity, presence) reach MOCO and the
    cache; `send_update_reconciled` and `send_delete_reconciled` hold the rules they share."""

    fetch: Callable[[int], Awaitable[RemoteT]]
    store: Callable[[RemoteT], None]
    forget: Callable[[int], None]
    update: Callable[[int, Mapping[str, Any]], Awaitable[RemoteT]]
    delete: Callable[[int], Awaitable[object]]
    field_value: Callable[[RemoteT, str], object]
    describe_update: Callable[[OutboxEntry], str]
    describe_delete: Callable[[OutboxEntry], str]
    update_step: str
    """The request an update sends ("put", "patch"), recorded before it leaves."""
    same_value: Callable[[str, object, object], bool] = _same_value
    """Whether MOCO's value of a field is still the one the edit started from."""
    after_update: Callable[[RemoteT], None] | None = None
    """Further cache writes for the updated entity, in the same transaction."""


def remote_is_newer(remote_updated_at: dt.datetime | None, edited_at: dt.datetime | None) -> bool:
    return remote_updated_at is not None and edited_at is not None and remote_updated_at > edited_at


async def send_update_reconciled(
    workspace: Workspace, entry: OutboxEntry, target: ChangeTarget[RemoteT]
) -> None:
    """Send an edit. Already in MOCO: done. A field changed in MOCO after the edit was made:
    MOCO's newer version wins (said as a notice); changed before it: the edit wins (said too)."""
    payload = entry.payload
    changes: Mapping[str, Any] = payload["changes"]
    base: Mapping[str, Any] = payload.get("base", {})
    remote = await target.fetch(entry.target_id)
    target.store(remote)
    if all(target.field_value(remote, name) == value for name, value in changes.items()):
        finish(workspace, entry)
        return
    edited_at = parse_iso(payload.get("edited_at"))
    changed_remotely = [
        name
        for name in changes
        if name in base
        and not target.same_value(name, target.field_value(remote, name), base[name])
    ]
    if changed_remotely and remote_is_newer(remote.updated_at, edited_at):
        drop(workspace, entry)
        workspace.notice(
            "warning", "sync.conflict_remote_kept", entry.id, summary=target.describe_update(entry)
        )
        return
    begin_step(workspace, entry, {"step": target.update_step, "changes": dict(changes)})
    updated = await target.update(entry.target_id, changes)
    with workspace.database.transaction():
        target.store(updated)
        if target.after_update is not None:
            target.after_update(updated)
        finish(workspace, entry)
    if changed_remotely:
        workspace.notice(
            "info", "sync.conflict_local_kept", entry.id, summary=target.describe_update(entry)
        )


async def send_delete_reconciled(
    workspace: Workspace, entry: OutboxEntry, target: ChangeTarget[RemoteT]
) -> None:
    """Send a deletion. Gone already after our own earlier attempt: done. Changed in MOCO
    after the deletion was asked for: MOCO's version stays (said as a notice)."""
    payload = entry.payload
    try:
        remote = await target.fetch(entry.target_id)
    except NotFoundError:
        if previous_step(entry) != "delete":
            raise
        target.forget(entry.target_id)
        finish(workspace, entry)
        return
    base_updated_at = parse_iso(payload.get("base_updated_at"))
    edited_at = parse_iso(payload.get("edited_at"))
    if (
        previous_step(entry) != "delete"
        and base_updated_at is not None
        and remote.updated_at is not None
        and remote.updated_at != base_updated_at
        and remote_is_newer(remote.updated_at, edited_at)
    ):
        target.store(remote)
        drop(workspace, entry)
        workspace.notice(
            "warning", "sync.conflict_remote_kept", entry.id, summary=target.describe_delete(entry)
        )
        return
    begin_step(workspace, entry, {"step": "delete"})
    await target.delete(entry.target_id)
    with workspace.database.transaction():
        target.forget(entry.target_id)
        finish(workspace, entry)


# --- what is pending -------------------------------------------------------------------------


@record
class PendingChange:
    """A change not in MOCO yet, for `status` and the GUI's pending list."""

    id: int
    kind: str
    entity: str
    target_id: int
    state: Literal["pending", "in_flight", "parked"]
    created_at: dt.datetime
    summary: str
    parked_message: str | None = None
    last_error: str | None = None
    attempts: int = 0

    @property
    def parked(self) -> bool:
        return self.state == "parked"


def pending_changes(workspace: Workspace) -> list[PendingChange]:
    changes: list[PendingChange] = []
    for entry in workspace.outbox.entries():
        try:
            summary = operation_of(entry).describe(entry)
        except (WorkspaceError, KeyError, TypeError, ValueError):
            summary = entry.kind
        changes.append(
            PendingChange(
                id=entry.id,
                kind=entry.kind,
                entity=entry.entity,
                target_id=entry.target_id,
                state=entry.state,
                created_at=entry.created_at,
                summary=summary,
                parked_message=entry.parked_message,
                last_error=entry.last_error,
                attempts=entry.attempts,
            )
        )
    return changes


def discard_parked(workspace: Workspace, change_id: int) -> tuple[set[DataKind], set[dt.date]]:
    """Remove a parked change; a parked creation takes the changes that depend on it along."""
    entry = _parked_entry(workspace, change_id)
    dates: set[dt.date] = set()
    with workspace.database.transaction():
        if entry.kind.endswith(".create"):
            for dependent in workspace.outbox.for_target(entry.entity, entry.target_id):
                dates |= _dates_of(dependent)
                workspace.outbox.remove(dependent.id)
                workspace.record_dropped(dependent.id)
        else:
            dates |= _dates_of(entry)
            workspace.outbox.remove(entry.id)
            workspace.record_dropped(entry.id)
    return {data_kind(entry.entity)}, dates


def retry_parked(
    workspace: Workspace, change_id: int, fixes: Mapping[str, Any]
) -> tuple[int, set[DataKind], set[dt.date]]:
    """Put a parked change back in the queue (same position), with the person's fixes."""
    entry = _parked_entry(workspace, change_id)
    operation = operation_of(entry)
    payload = dict(entry.payload)
    if fixes:
        if operation.fix is None:
            raise WorkspaceError("sync.cannot_fix", fields=", ".join(sorted(fixes)))
        payload = operation.fix(workspace, entry, fixes)
    workspace.outbox.unpark(entry.id, payload)
    updated = workspace.outbox.get(entry.id)
    dates = _dates_of(entry) | (_dates_of(updated) if updated else set())
    return entry.target_id, {data_kind(entry.entity)}, dates


def _parked_entry(workspace: Workspace, change_id: int) -> OutboxEntry:
    entry = workspace.outbox.get(change_id)
    if entry is None:
        raise WorkspaceError("sync.unknown_change", change_id=change_id)
    if not entry.is_parked:
        raise WorkspaceError("sync.not_parked", change_id=change_id)
    return entry


def _dates_of(entry: OutboxEntry) -> set[dt.date]:
    try:
        return operation_of(entry).dates(entry)
    except (WorkspaceError, KeyError, TypeError, ValueError):
        return set()


# --- identity and reachability ---------------------------------------------------------------


async def ensure_identity(workspace: Workspace) -> None:
    """Once per session: the key is still the account's user, and impersonation works."""
    if workspace.identity_verified:
        return
    identity = workspace.identity
    session = await workspace.client.acting_as(None).session()
    workspace.set_reachable(True)
    if session.user_id != identity.user_id:
        raise IdentityMismatchError(
            "workspace.identity_mismatch", actual=session.user_id, expected=identity.user_id
        )
    if identity.impersonating:
        profile = await workspace.client.profile()
        if profile.id != identity.acting_user_id:
            raise IdentityMismatchError(
                "workspace.impersonation_mismatch",
                actual=profile.id,
                expected=identity.acting_user_id,
            )
        workspace.cache.put_document("profile", profile, workspace.now())
    workspace.mark_identity_verified()


async def probe(workspace: Workspace) -> bool:
    """`GET /session`: is MOCO reachable (and is the key still the account's)?"""
    try:
        session = await workspace.client.acting_as(None).session()
    except NetworkError:
        workspace.set_reachable(False)
        return False
    except UnauthorizedError as error:
        workspace.set_reachable(True)
        _halt(workspace, error.message)
        return True
    except MocoError:
        workspace.set_reachable(True)
        return True
    workspace.set_reachable(True)
    if session.user_id != workspace.identity.user_id:
        mismatch = IdentityMismatchError(
            "workspace.identity_mismatch",
            actual=session.user_id,
            expected=workspace.identity.user_id,
        )
        _halt(workspace, mismatch.message)
    return True


def _halt(workspace: Workspace, message: str) -> None:
    if workspace.halted_message is None:
        workspace.halt(message)
        workspace.notice("error", "sync.halted", message=message)


def release_lease(workspace: Workspace) -> None:
    try:
        workspace.outbox.release_send_lease(workspace.lease_owner)
    except Exception:  # the database may already be closed when the app shuts down
        logger.debug("could not release the send lease", exc_info=True)


# --- push ------------------------------------------------------------------------------------


@mutable_record
class PushReport:
    """What one push did; `stopped` says why it ended (`done`: nothing left to send now)."""

    sent: int = 0
    dropped: int = 0
    parked: int = 0
    remaining: int = 0
    stopped: StopReason = "done"
    retry_after: float | None = None
    error: str | None = None


async def push(workspace: Workspace) -> PushReport:
    """Send sendable changes in order, one at a time, until done or stopped."""
    report = PushReport()
    if workspace.halted_message is not None:
        report.stopped, report.error = "halted", workspace.halted_message
        report.remaining = workspace.outbox.count()
        return report
    if workspace.outbox.next_sendable() is None:
        report.remaining = workspace.outbox.count()
        return report
    outbox = workspace.outbox
    settings = workspace.settings
    if not outbox.acquire_send_lease(workspace.lease_owner, workspace.now(), settings.lease_ttl):
        report.stopped, report.remaining = "busy", outbox.count()
        return report
    try:
        await _push_entries(workspace, report)
    finally:
        release_lease(workspace)
        report.remaining = outbox.count()
        workspace.announce_pending()
    return report


async def _push_entries(workspace: Workspace, report: PushReport) -> None:
    outbox = workspace.outbox
    try:
        await ensure_identity(workspace)
    except (IdentityMismatchError, ImpersonationForbiddenError) as error:
        _halt(workspace, error.message)
        report.stopped, report.error = "identity", error.message
        return
    except UnauthorizedError as error:
        _halt(workspace, error.message)
        report.stopped, report.error = "halted", error.message
        return
    except NetworkError as error:
        workspace.set_reachable(False)
        report.stopped, report.error = "offline", error.message
        return
    except RateLimitedError as error:
        report.stopped, report.error = "rate_limited", error.message
        report.retry_after = error.retry_after
        return
    except MocoError as error:
        report.stopped, report.error = "server", error.message
        return
    total = len(outbox.unsent())
    done = 0
    while True:
        entry = outbox.next_sendable()
        if entry is None:
            return
        if not outbox.acquire_send_lease(
            workspace.lease_owner, workspace.now(), workspace.settings.lease_ttl
        ):
            report.stopped = "busy"  # our lease ran out and another process took over
            return
        if entry.state == "pending":
            outbox.mark_in_flight(entry.id, workspace.now(), {"step": "begin"})
        workspace.attempt_steps = 0
        stop = await _send_one(workspace, entry, report)
        done += 1
        workspace.hub.emit(SyncProgress(min(done, total), max(total, done)))
        if stop is not None:
            report.stopped = stop
            return


async def _send_one(
    workspace: Workspace,
    entry: OutboxEntry,
    report: PushReport,
) -> StopReason | None:
    """Send one change; returns why pushing must stop, or None to go on."""
    outbox = workspace.outbox
    try:
        operation = operation_of(entry)
        await operation.send(workspace, entry)
    except SettleWaitError as wait:
        report.retry_after = wait.seconds
        return "settling"
    except (IdentityMismatchError, ImpersonationForbiddenError) as error:
        _leave_for_later(workspace, entry, error, applied=True)
        _halt(workspace, error.message)
        report.error = error.message
        return "identity"
    except UnauthorizedError as error:
        _leave_for_later(workspace, entry, error, applied=True)
        _halt(workspace, error.message)
        report.error = error.message
        return "halted"
    except NetworkError as error:
        _leave_for_later(workspace, entry, error, applied=error.may_have_been_applied)
        workspace.set_reachable(False)
        report.error = error.message
        return "offline"
    except RateLimitedError as error:
        _leave_for_later(workspace, entry, error, applied=False)
        report.error, report.retry_after = error.message, error.retry_after
        return "rate_limited"
    except ServerError as error:
        workspace.set_reachable(True)
        server_errors = workspace.server_errors
        count = server_errors[entry.id] = server_errors.get(entry.id, 0) + 1
        if count >= workspace.settings.park_after_server_errors:
            _park(workspace, entry, error.message, report)
            return None
        _leave_for_later(workspace, entry, error, applied=False)
        report.error = error.message
        return "server"
    except UnexpectedResponseError as error:
        workspace.set_reachable(True)
        _leave_for_later(workspace, entry, error, applied=True)
        report.error = error.message
        return "server"
    except NotFoundError:
        workspace.set_reachable(True)
        _forget_target(workspace, entry)
        drop(workspace, entry)
        workspace.notice("warning", "sync.deleted_elsewhere", entry.id, summary=_summary(entry))
        report.dropped += 1
        _announce_entry(workspace, entry)
        return None
    except (ValidationError, LockedError, ForbiddenError) as error:
        workspace.set_reachable(True)
        _park(workspace, entry, error.message, report)
        return None
    except MocoError as error:
        workspace.set_reachable(True)
        _park(workspace, entry, error.message, report)
        return None
    except WorkspaceError as error:
        _park(workspace, entry, error.message, report)
        return None
    except (KeyError, TypeError, ValueError) as error:
        logger.exception("change %d (%s) could not be sent", entry.id, entry.kind)
        message = tr("sync.internal_error", detail=type(error).__name__)
        _park(workspace, entry, message, report)
        return None
    workspace.set_reachable(True)
    workspace.server_errors.pop(entry.id, None)
    if outbox.get(entry.id) is None:
        if entry.id in workspace.sent_ids:
            report.sent += 1
        else:
            report.dropped += 1
    _announce_entry(workspace, entry)
    return None


def _leave_for_later(
    workspace: Workspace, entry: OutboxEntry, error: Exception, *, applied: bool
) -> None:
    """Keep the change; back to pending only when no changing request of it can have
    reached MOCO (otherwise it stays in flight and is reconciled first)."""
    current = workspace.outbox.get(entry.id)
    if current is None:
        return
    stepped = workspace.attempt_steps > 0
    nothing_sent = previous_step(current) is None or (stepped and not applied)
    if nothing_sent:
        workspace.outbox.mark_not_sent(entry.id, str(error))
    else:
        workspace.outbox.note_error(entry.id, str(error))


def _park(workspace: Workspace, entry: OutboxEntry, message: str, report: PushReport) -> None:
    workspace.outbox.park(entry.id, message)
    report.parked += 1
    workspace.notice("error", "sync.parked", entry.id, summary=_summary(entry), message=message)
    _announce_entry(workspace, entry)


def _forget_target(workspace: Workspace, entry: OutboxEntry) -> None:
    if entry.target_id < 0:
        return
    if entry.entity == "presence":
        workspace.cache.remove_presence(entry.target_id)
    else:
        workspace.cache.remove_activity(entry.target_id)


def _summary(entry: OutboxEntry) -> str:
    try:
        return operation_of(entry).describe(entry)
    except (WorkspaceError, KeyError, TypeError, ValueError):
        return entry.kind


def _announce_entry(workspace: Workspace, entry: OutboxEntry) -> None:
    workspace.hub.emit(DataChanged(data_kind(entry.entity), frozenset(_dates_of(entry))))


# --- refresh ---------------------------------------------------------------------------------


@mutable_record
class RefreshReport:
    """What a refresh fetched: the ranges, the days whose data changed, entries removed."""

    ranges: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    changed_dates: set[dt.date] = field(default_factory=set)
    removed: int = 0
    reference_refreshed: bool = False
    ok: bool = True
    error: str | None = None


async def refresh(
    workspace: Workspace,
    dates: Iterable[dt.date] | None,
    *,
    full: bool = False,
    shown: dt.date | None = None,
) -> RefreshReport:
    """What changed in MOCO for the weeks of `dates` (default: the visible weeks) and, when
    due, the reference data. `full` reconciles completely (deletions made elsewhere) and
    refetches the reference data; with `shown` (the Refresh button) only the shown day's week
    is reconciled completely and first, so what the person looks at is right within a request
    or a few, then the other weeks incrementally, then the reference data (for a big account
    20 pages of projects, 80 requests before in all with four weeks loaded)."""
    report = RefreshReport()
    mondays = (
        sorted({monday_of(day) for day in dates})
        if dates is not None
        else list(workspace.visible_weeks)
    )
    try:
        await ensure_identity(workspace)
        if full and shown is not None:
            focus = monday_of(shown)
            await _refresh_weeks(workspace, [focus], report, complete=True)
            others = [monday for monday in mondays if monday != focus]
            await _refresh_weeks(workspace, others, report, complete=False)
            weeks = [focus, *others]
            report.reference_refreshed = await refresh_reference(workspace, weeks, force=True)
        else:
            report.reference_refreshed = await refresh_reference(workspace, mondays, force=full)
            await _refresh_weeks(workspace, mondays, report, complete=full)
        if not workspace.running_refreshed:
            today = workspace.today()
            start = today - dt.timedelta(days=workspace.settings.forgotten_timer_days)
            # The weeks just refreshed need no second look (a timer started elsewhere changes
            # its entry, so even an incremental refresh brings it): for a busy person each
            # week is a dozen pages.
            for span_from, span_to in _uncovered(start, today, report.ranges):
                report.ranges.append((span_from, span_to))
                mark = workspace.cache.sync_mark("activities", _range_key(span_from, span_to))
                span = _Span(span_from, span_to, (mark,), True)
                await _refresh_activities(workspace, span, report)
            workspace.mark_running_refreshed()
    except (IdentityMismatchError, ImpersonationForbiddenError) as error:
        _halt(workspace, error.message)
        report.ok, report.error = False, error.message
    except NetworkError as error:
        workspace.set_reachable(False)
        report.ok, report.error = False, error.message
    except MocoError as error:
        if isinstance(error, UnauthorizedError):
            _halt(workspace, error.message)
        report.ok, report.error = False, error.message
    return report


def _uncovered(
    date_from: dt.date, date_to: dt.date, covered: Iterable[tuple[dt.date, dt.date]]
) -> list[tuple[dt.date, dt.date]]:
    """The spans of `date_from`..`date_to` outside every `covered` range (all inclusive)."""
    spans: list[tuple[dt.date, dt.date]] = []
    start = date_from
    for first, last in sorted(covered):
        if last < start or first > date_to:
            continue
        if first > start:
            spans.append((start, first - dt.timedelta(days=1)))
        start = max(start, last + dt.timedelta(days=1))
    if start <= date_to:
        spans.append((start, date_to))
    return spans


def _range_key(date_from: dt.date, date_to: dt.date) -> str:
    return f"{date_from.isoformat()}..{date_to.isoformat()}"


_Dated = TypeVar("_Dated", Activity, Presence)


@record
class _Span:
    """A range to fetch: its dates, the marks of its weeks (or its own), and whether it is
    fetched whole (a complete reconciliation) or only what changed since the oldest mark."""

    date_from: dt.date
    date_to: dt.date
    marks: tuple[SyncMark, ...]
    complete: bool


_SpanRefresh = Callable[["Workspace", _Span, RefreshReport], Awaitable[None]]


async def _refresh_weeks(
    workspace: Workspace, mondays: Sequence[dt.date], report: RefreshReport, *, complete: bool
) -> None:
    """The activities and presences of the weeks of `mondays` (any order): each week due a
    complete reconciliation (or all, with `complete`) on its own, and each run of consecutive
    weeks that need only what changed in one request per kind. perf and politeness (issue 7):
    the regular refresh of five recently shown weeks took ten of the fifteen requests MOCO
    allows per 15 s, and a person's next changes could wait for the rate limit; it takes two."""
    weeks = [(monday, monday + dt.timedelta(days=6)) for monday in sorted(mondays)]
    report.ranges.extend(weeks)
    await _refresh_kind(workspace, "activities", _refresh_activities, weeks, complete, report)
    await _refresh_kind(workspace, "presences", _refresh_presences, weeks, complete, report)


async def _refresh_kind(
    workspace: Workspace,
    kind: str,
    refresh_span: _SpanRefresh,
    weeks: Sequence[tuple[dt.date, dt.date]],
    forced: bool,
    report: RefreshReport,
) -> None:
    cache, now = workspace.cache, workspace.now()
    interval = workspace.settings.full_reconcile_after
    incremental: list[_Week] = []
    for monday, sunday in weeks:
        mark = cache.sync_mark(kind, _range_key(monday, sunday))
        if _needs_full(mark, now, interval, forced):
            await refresh_span(workspace, _Span(monday, sunday, (mark,), True), report)
        else:
            incremental.append((monday, sunday, mark))
    for run in _consecutive(incremental):
        marks = tuple(mark for *_, mark in run)
        await refresh_span(workspace, _Span(run[0][0], run[-1][1], marks, False), report)


_Week = tuple[dt.date, dt.date, SyncMark]


def _consecutive(weeks: Sequence[_Week]) -> list[list[_Week]]:
    """`weeks` (sorted) in runs of weeks that follow each other without a gap."""
    runs: list[list[_Week]] = []
    for week in weeks:
        if runs and runs[-1][-1][1] + dt.timedelta(days=1) == week[0]:
            runs[-1].append(week)
        else:
            runs.append([week])
    return runs


async def _fetched(
    workspace: Workspace, fetch: Callable[..., Awaitable[list[_Dated]]], span: _Span
) -> tuple[list[_Dated], dt.datetime | None]:
    """`fetch` (the client's activities or presences) for `span`, and MOCO's clock when the
    fetch began: the date of its latest answer less the time the fetch took (pages at the rate
    limit take seconds); None if MOCO never said the time."""
    started = time.monotonic()
    items = await fetch(
        user_id=workspace.identity.acting_user_id,
        date_from=span.date_from,
        date_to=span.date_to,
        updated_after=_asked_after(span.marks, span.complete),
    )
    answered = workspace.client.server_time
    if answered is None:
        return items, None
    return items, answered - dt.timedelta(seconds=max(0.0, time.monotonic() - started))


def _asked_after(marks: Sequence[SyncMark], complete: bool) -> dt.datetime | None:
    """`updated_after` for a range whose weeks have `marks`: from the oldest of them (the
    others' changes since then come again and are recognised as stored), None if complete."""
    stamps = [mark.updated_after for mark in marks if mark.updated_after is not None]
    return None if complete or not stamps else _overlap(min(stamps))


async def _refresh_activities(workspace: Workspace, span: _Span, report: RefreshReport) -> None:
    """The activities of one span."""
    cache, now = workspace.cache, workspace.now()
    date_from, date_to, complete = span.date_from, span.date_to, span.complete
    activities, read_at = await _fetched(workspace, workspace.client.activities, span)
    workspace.set_reachable(True)
    # A busy week is a thousand entries (~20 ms to encode): a part per event-loop turn.
    texts = await _encoded(activities)
    if workspace.closed:
        return  # logged out meanwhile: nothing more is written
    # Compared as stored (no decoding). perf (issue 7): an incremental answer changes only
    # the entries it carries (usually none new), so only those are looked up and only the
    # ones that differ are written; the whole week was read twice before (a busy person's
    # week is a thousand entries, ~6 ms a read) and every refresh wrote four transactions.
    if complete:
        # The range becomes exactly the answer: what it holds afterwards is known without
        # reading it again (perf, issue 7: a busy week is a thousand rows, ~6 ms on the event
        # loop while a month of weeks loads). An entry moved in from another range changed
        # the day it left as well. Only what differs is written, a big answer in parts.
        before = cache.activity_payloads_between(date_from, date_to)
        before.update(cache.activity_payloads_of(a.id for a in activities if a.id not in before))
        stored_now = zip(activities, texts, strict=True)
        after = {activity.id: (activity.date, text) for activity, text in stored_now}
        report.removed += len(cache.remove_activities_except(date_from, date_to, after.keys()))
        news = _news(activities, texts, before)[0]
        if not await _store_in_parts(workspace, news, after, before):
            return  # closed meanwhile: the range stays unreconciled (its mark as it was)
    else:
        stored = cache.activity_payloads_of(activity.id for activity in activities)
        news, before, after = _news(activities, texts, stored)
        cache.put_activities(news, [after[activity.id][1] for activity in news])
    for mark in span.marks:
        _store_mark(cache, mark, _next_mark(mark, activities, now, complete, read_at))
    _tell_changes(workspace, "activities", before, after, report)


STORE_PART_ROWS = 200
"""Rows of a big answer stored per event-loop turn (~2 ms each). perf (issue 7): a busy week's
first load, a thousand rows, took 10–25 ms in one turn, and when a day's repaint came right
before it, the event loop did not answer for both together (55 ms)."""


async def _store_in_parts(
    workspace: Workspace,
    activities: Sequence[Activity],
    after: Mapping[int, tuple[dt.date, str]],
    before: Mapping[int, tuple[dt.date, str]],
) -> bool:
    """Store `activities` (their texts in `after`) `STORE_PART_ROWS` at a time, giving the
    event loop a turn between parts. A row written by someone else meanwhile (a later answer,
    a change just sent: newer than this answer) is left as it is; a part can show a day half
    loaded for a moment, and the range's mark moves only once all parts are stored. False if
    the workspace closed before the last part (nothing more is written)."""
    cache = workspace.cache
    for first in range(0, len(activities), STORE_PART_ROWS):
        if first:
            await asyncio.sleep(0)
            if workspace.closed:
                return False
        part = activities[first : first + STORE_PART_ROWS]
        cache.put_activities_unless_changed(part, [after[a.id][1] for a in part], before)
    return True


async def _refresh_presences(workspace: Workspace, span: _Span, report: RefreshReport) -> None:
    """The presences of one span."""
    cache, now = workspace.cache, workspace.now()
    date_from, date_to, complete = span.date_from, span.date_to, span.complete
    found, read_at = await _fetched(workspace, workspace.client.presences, span)
    if complete:
        before = cache.presence_payloads_between(date_from, date_to)
        report.removed += len(cache.replace_presences(date_from, date_to, found))
        after = cache.presence_payloads_between(date_from, date_to)
    else:
        stored = cache.presence_payloads_of(presence.id for presence in found)
        new_presences, before, after = _news(found, [codec.dumps(p) for p in found], stored)
        cache.put_presences(new_presences)
    for mark in span.marks:
        _store_mark(cache, mark, _next_mark(mark, found, now, complete, read_at))
    _tell_changes(workspace, "presences", before, after, report)


def _tell_changes(
    workspace: Workspace,
    kind: DataKind,
    before: Mapping[int, tuple[dt.date, str]],
    after: Mapping[int, tuple[dt.date, str]],
    report: RefreshReport,
) -> None:
    changed = _changed_dates(before, after)
    if changed:
        report.changed_dates |= changed
        workspace.hub.emit(DataChanged(kind, frozenset(changed)))


ENCODE_PART = 200
"""Entries encoded for the cache per event-loop turn (~3-4 ms)."""


async def _encoded(activities: Sequence[Activity]) -> list[str]:
    """The stored text of each of `activities`, `ENCODE_PART` per event-loop turn. perf (issue
    7): a worker thread did it before, but Python runs one thread at a time, in slices of 5 ms:
    a day's repaint (~20 ms) that met a thousand entries being encoded took up to twice as
    long, and the threads' own malloc arenas kept memory."""
    texts: list[str] = []
    for first in range(0, len(activities), ENCODE_PART):
        if first:
            await asyncio.sleep(0)
        texts.extend(codec.dumps(activity) for activity in activities[first : first + ENCODE_PART])
    return texts


def _news(
    items: Sequence[_Dated], texts: Sequence[str], stored: Mapping[int, tuple[dt.date, str]]
) -> tuple[list[_Dated], dict[int, tuple[dt.date, str]], dict[int, tuple[dt.date, str]]]:
    """Of an incremental answer, the items that differ from what is stored (MOCO resends the
    newest ones: the refresh asks from a second before them), with their stored and their new
    (date, text): an answer with no news is not written at all."""
    news: list[_Dated] = []
    before: dict[int, tuple[dt.date, str]] = {}
    after: dict[int, tuple[dt.date, str]] = {}
    for item, text in zip(items, texts, strict=True):
        now_stored = stored.get(item.id)
        if now_stored == (item.date, text):
            continue
        news.append(item)
        after[item.id] = (item.date, text)
        if now_stored is not None:
            before[item.id] = now_stored
    return news, before, after


def _changed_dates(
    before: Mapping[int, tuple[dt.date, str]], after: Mapping[int, tuple[dt.date, str]]
) -> set[dt.date]:
    """The days whose entries differ (id -> (date, stored text)), old and new days both."""
    changed: set[dt.date] = set()
    for entry_id, (date, text) in after.items():
        old = before.get(entry_id)
        if old is None or old[1] != text:
            changed.add(date)
            if old is not None:
                changed.add(old[0])
    for entry_id in before.keys() - after.keys():
        changed.add(before[entry_id][0])
    return changed


def _needs_full(mark: SyncMark, now: dt.datetime, interval: dt.timedelta, forced: bool) -> bool:
    return (
        forced
        or mark.last_full_at is None
        or mark.updated_after is None
        or now - mark.last_full_at >= interval
        or now < mark.last_full_at  # the clock went back: trust nothing incremental
    )


def _overlap(updated_after: dt.datetime | None) -> dt.datetime | None:
    """Ask from a second before the newest change seen: same-second updates are not missed
    (re-reading one entry twice is harmless)."""
    return None if updated_after is None else updated_after - dt.timedelta(seconds=1)


def _store_mark(cache: CacheStore, mark: SyncMark, following: SyncMark) -> None:
    """Write the range's new mark, unless an incremental refresh that brought nothing left
    it as it was: a refresh with no news writes nothing (no transaction, no log to sync)."""
    if following != mark:
        cache.set_sync_mark(following)


def _next_mark(
    mark: SyncMark,
    items: Iterable[Activity] | Iterable[Presence],
    now: dt.datetime,
    complete: bool,
    read_at: dt.datetime | None,
) -> SyncMark:
    """The range's mark after a fetch that began when MOCO's clock said `read_at` (None if
    unknown): the newest change the answer brought, or `read_at` less `READ_MARGIN` if later
    (a complete fetch read everything up to then). perf and politeness (issue 7): weeks
    refreshed together are asked for from the oldest of their marks, and a week nobody booked
    in for a month had a month-old mark (its newest entry): every entry booked since in the
    weeks after it came again. An incremental fetch moves its mark to MOCO's clock only in
    steps of `MARK_STEP`, so that most refreshes write nothing."""
    stamps = [item.updated_at for item in items if item.updated_at is not None]
    previous = None if complete else mark.updated_after
    if previous is not None:
        stamps.append(previous)
    if read_at is not None:
        read_until = read_at - READ_MARGIN
        if previous is None or read_until - max(stamps) >= MARK_STEP:
            stamps.append(read_until)
    newest = max(stamps, default=None)
    if newest is None and complete:
        # Nothing in the range yet: from now on, ask only for what changes after this refresh
        # (with a margin for the difference between our clock and MOCO's).
        newest = now - EMPTY_RANGE_MARGIN
    return SyncMark(mark.kind, mark.range_key, newest, now if complete else mark.last_full_at)


async def refresh_reference(
    workspace: Workspace, mondays: Iterable[dt.date], *, force: bool = False
) -> bool:
    """Profile, projects, employments, absences, planning, colleagues, performance: when
    older than `reference_max_age` (or forced)."""
    cache, client = workspace.cache, workspace.client
    now = workspace.now()
    acting = workspace.identity.acting_user_id
    fetched = cache.document_fetched_at("projects")
    years = sorted({monday.year for monday in mondays} | {workspace.today().year})
    missing_year = any(cache.document_fetched_at("schedules", str(y)) is None for y in years)
    if (
        not force
        and not missing_year
        and fetched is not None
        and dt.timedelta(0) <= now - fetched < workspace.settings.reference_max_age
    ):
        return False
    profile_fetched = cache.document_fetched_at("profile")
    if (
        force
        or profile_fetched is None
        or not dt.timedelta(0) <= now - profile_fetched < workspace.settings.reference_max_age
    ):  # fresh when the login just fetched it
        cache.put_document("profile", await client.profile(), now)
        workspace.set_reachable(True)
    projects = tuple(await client.assigned_projects(active=True))
    workspace.set_reachable(True)
    # A big account's projects are 20,000 tasks, 1.6 MB of JSON: encoded beside the event
    # loop (the window stays responsive), stored on it.
    payload = await asyncio.to_thread(codec.dumps, projects)
    cache.put_document("projects", projects, now, payload=payload)
    cache.put_document("employments", tuple(await client.employments(user_id=acting)), now)
    for year in years:
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        schedules = await client.schedules(date_from=first, date_to=last, user_id=acting)
        cache.put_document("schedules", tuple(schedules), now, key=str(year))
        planning = await client.planning_entries(date_from=first, date_to=last, user_id=acting)
        cache.put_document("planning", tuple(planning), now, key=str(year))
    try:
        report = await client.performance_report(acting, workspace.today().year)
    except (ForbiddenError, NotFoundError):
        logger.info("no performance report for user %d", acting)
    else:
        cache.put_document("performance", report, now, key=str(workspace.today().year))
    if not workspace.identity.impersonating:
        try:
            users = await client.users()
        except ForbiddenError:
            logger.info("user %d may not list colleagues", acting)
        else:
            cache.put_document("users", tuple(users), now)
    kinds: tuple[DataKind, ...] = (
        "profile",
        "projects",
        "employments",
        "schedules",
        "planning",
        "performance",
        "users",
    )
    for kind in kinds:
        workspace.hub.emit(DataChanged(kind))
    return True


def cached_schedules(workspace: Workspace) -> list[Schedule]:
    return _yearly_documents(workspace, "schedules", Schedule)


def cached_planning(workspace: Workspace) -> list[PlanningEntry]:
    return _yearly_documents(workspace, "planning", PlanningEntry)


def _yearly_documents(workspace: Workspace, kind: str, entity: type[Any]) -> list[Any]:
    rows = workspace.database.rows(
        "SELECT key FROM documents WHERE account_key = ? AND acting_user_id = ? AND kind = ?",
        (workspace.identity.account_key, workspace.identity.acting_user_id, kind),
    )
    found: dict[int, Any] = {}
    for row in rows:
        for item in workspace.cache.document_list(kind, entity, str(row["key"])) or ():
            found[item.id] = item
    return list(found.values())


def cached_employments(workspace: Workspace) -> tuple[Employment, ...]:
    return workspace.cache.document_list("employments", Employment) or ()


# --- sync ------------------------------------------------------------------------------------


@mutable_record
class SyncReport:
    """`sync()`: what was pushed, what was refreshed, what still waits."""

    push: PushReport
    refresh: RefreshReport | None
    pending: int
    parked: int
    reachable: bool

    @property
    def complete(self) -> bool:
        """Everything the person did is in MOCO (nothing pending or parked)."""
        return self.pending == 0


async def sync(
    workspace: Workspace, *, full: bool = False, shown: dt.date | None = None
) -> SyncReport:
    pushed = await workspace.push()
    refreshed: RefreshReport | None = None
    if pushed.stopped not in ("offline", "halted", "identity"):
        refreshed = await workspace.refresh(full=full, shown=shown)
        if workspace.outbox.next_sendable() is not None and refreshed.ok:
            more = await workspace.push()
            pushed.sent += more.sent
            pushed.dropped += more.dropped
            pushed.parked += more.parked
            pushed.stopped, pushed.error = more.stopped, more.error
    parked = len(workspace.outbox.parked())
    return SyncReport(
        push=pushed,
        refresh=refreshed,
        pending=workspace.outbox.count(),
        parked=parked,
        reachable=workspace.reachable,
    )


# --- the background engine -------------------------------------------------------------------


@mutable_record
class Backoff:
    """Capped exponential backoff with jitter; `reset()` after a success."""

    initial: float = 2.0
    maximum: float = 300.0
    factor: float = 2.0
    jitter: float = 0.2
    _failures: int = 0

    def next_delay(self) -> float:
        delay = min(self.maximum, self.initial * self.factor**self._failures)
        self._failures += 1
        return delay * (1.0 + random.uniform(0.0, self.jitter))

    def reset(self) -> None:
        self._failures = 0

    @property
    def failures(self) -> int:
        return self._failures


class SyncEngine:
    """Sends pending changes in the background and refreshes periodically.

    Started by the app on its asyncio loop (`start()`), woken by local changes and by
    `Workspace.notify_network_changed()` / `notify_resumed()`. Waits with backoff while MOCO is
    unreachable or failing; `sleep` is injectable for tests."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        refresh_interval: float | None = 300.0,
    ) -> None:
        self.workspace = workspace
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        self.refresh_interval = refresh_interval
        self._wake_event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._remove_waker: Callable[[], None] | None = None
        self.last_push: PushReport | None = None
        self.cycles = 0
        self._refresh_due = True

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        self._remove_waker = self.workspace.add_waker(self.wake)
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._remove_waker is not None:
            self._remove_waker()
            self._remove_waker = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        if not self.workspace.reachability_known:
            self.backoff.reset()
            self._refresh_due = True
        self._wake_event.set()

    async def run_once(self) -> float | None:
        """One cycle: push, maybe refresh. Returns how long to wait before the next (None:
        until woken or the refresh interval)."""
        workspace = self.workspace
        self.cycles += 1
        if not workspace.reachable and not await workspace.check_reachability():
            return self.backoff.next_delay()
        report = await workspace.push()
        self.last_push = report
        if report.stopped in ("offline", "server", "rate_limited", "busy"):
            delay = self.backoff.next_delay()
            return max(delay, report.retry_after or 0.0)
        if report.stopped == "settling":
            return max(0.01, report.retry_after or 0.0)
        if report.stopped in ("halted", "identity"):
            return None
        self.backoff.reset()
        if self._refresh_due:
            self._refresh_due = False
            refreshed = await workspace.refresh()
            if not refreshed.ok and not workspace.reachable:
                self._refresh_due = True
                return self.backoff.next_delay()
        return None

    async def _run(self) -> None:
        while True:
            self._wake_event.clear()
            try:
                delay = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("sync cycle failed")
                delay = self.backoff.next_delay()
            if delay is None and self.refresh_interval is not None:
                woken = await self._wait(self.refresh_interval)
                if not woken:
                    self._refresh_due = True
            else:
                await self._wait(delay)

    async def _wait(self, delay: float | None) -> bool:
        """Wait `delay` seconds (None: forever) or until woken; True if woken."""
        if self._wake_event.is_set():
            return True
        waiter = asyncio.ensure_future(self._wake_event.wait())
        tasks: set[asyncio.Future[Any]] = {waiter}
        sleeper: asyncio.Future[Any] | None = None
        if delay is not None:
            sleeper = asyncio.ensure_future(self._sleep(delay))
            tasks.add(sleeper)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
        return waiter.done() and not waiter.cancelled()
