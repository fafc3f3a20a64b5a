"""Presences ("Arbeitszeiten"): clocking in and out, editing and deleting, home office.

Times are wall-clock `HH:MM` taken from the workspace's injected clock when the person acts,
and sent with explicit POST/PATCH (never `touch`), so a clock-in made offline at 08:02 reaches
MOCO as 08:02 whenever the network returns. Changes registered here: `presence.create`,
`presence.update`, `presence.delete`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from moco_desktop.core.entities import Presence, UserRef
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.records import record
from moco_desktop.core.timemath import format_clock_time, overlaps, parse_clock_time
from moco_desktop.services.sync import (
    ChangeTarget,
    OperationKind,
    SyncState,
    SyncStateView,
    WorkspaceError,
    begin_step,
    ensure_settled,
    finish,
    iso,
    previous_step,
    register_kind,
    send_delete_reconciled,
    send_update_reconciled,
)
from moco_desktop.storage.outbox import OutboxEntry

if TYPE_CHECKING:
    from moco_desktop.services.workspace import Workspace

register(
    {
        "presences.already_clocked_in": {
            "en": "You are already clocked in since {since}.",
            "de": "Du bist bereits seit {since} eingestempelt.",
        },
        "presences.not_clocked_in": {
            "en": "You are not clocked in today.",
            "de": "Du bist heute nicht eingestempelt.",
        },
        "presences.unknown": {
            "en": "There is no presence {presence_id}.",
            "de": "Es gibt keine Arbeitszeit {presence_id}.",
        },
        "presences.end_before_start": {
            "en": "The end ({end}) must be after the start ({start}).",
            "de": "Das Ende ({end}) muss nach dem Beginn ({start}) liegen.",
        },
        "presences.overlap": {
            "en": "{start}–{end} overlaps another presence that day.",
            "de": "{start}–{end} überschneidet sich mit einer anderen Arbeitszeit an dem Tag.",
        },
        "presences.no_presence": {
            "en": "There is no presence on {date} to mark; clock in first.",
            "de": "Am {date} gibt es keine Arbeitszeit zum Markieren; bitte zuerst einstempeln.",
        },
        "presences.unknown_field": {
            "en": "A presence has no field “{field}”.",
            "de": "Eine Arbeitszeit hat kein Feld „{field}“.",
        },
        "presences.change.clock_in": {
            "en": "Clock in at {start} ({date})",
            "de": "Einstempeln um {start} ({date})",
        },
        "presences.change.create": {
            "en": "Presence {start}–{end} ({date})",
            "de": "Arbeitszeit {start}–{end} ({date})",
        },
        "presences.change.clock_out": {
            "en": "Clock out at {end} ({date})",
            "de": "Ausstempeln um {end} ({date})",
        },
        "presences.change.home_office_on": {
            "en": "Mark {date} as home office",
            "de": "{date} als Homeoffice markieren",
        },
        "presences.change.home_office_off": {
            "en": "Unmark {date} as home office",
            "de": "Homeoffice am {date} aufheben",
        },
        "presences.change.update": {
            "en": "Change presence to {start}–{end} ({date})",
            "de": "Arbeitszeit auf {start}–{end} ändern ({date})",
        },
        "presences.change.delete": {
            "en": "Delete presence {start}–{end} ({date})",
            "de": "Arbeitszeit {start}–{end} löschen ({date})",
        },
    }
)

PRESENCE_FIELDS = frozenset({"from", "to", "is_home_office"})
OPEN_END = "…"


@record
class PresenceView(SyncStateView):
    """A presence as shown: MOCO's state with pending changes applied."""

    presence: Presence
    state: SyncState = "synced"
    problem: str | None = None
    change_ids: tuple[int, ...] = ()

    @property
    def id(self) -> int:
        return self.presence.id

    @property
    def is_local(self) -> bool:
        return self.presence.id < 0


# --- views -----------------------------------------------------------------------------------


@record
class _Overlaid:
    presence: Presence | None
    state: SyncState
    problem: str | None
    change_ids: tuple[int, ...]


def presence_overlay(workspace: Workspace) -> tuple[dict[int, _Overlaid], dict[dt.date, bool]]:
    """Presences touched by the outbox as they will be, and pending home-office flags per day."""
    grouped: dict[int, list[OutboxEntry]] = {}
    home_office: dict[dt.date, bool] = {}
    for entry in workspace.outbox.entries():
        if entry.entity == "presence":
            grouped.setdefault(entry.target_id, []).append(entry)
    overlay: dict[int, _Overlaid] = {}
    for target_id, entries in grouped.items():
        current = workspace.cache.presence(target_id) if target_id > 0 else None
        for entry in entries:
            current = apply_presence_change(workspace, entry, current)
            flag = _home_office_of(entry)
            if flag is not None and current is not None:
                home_office[current.date] = flag
        parked = [entry for entry in entries if entry.is_parked]
        overlay[target_id] = _Overlaid(
            current,
            "parked" if parked else "pending",
            parked[0].parked_message if parked else None,
            tuple(entry.id for entry in entries),
        )
    return overlay, home_office


def _home_office_of(entry: OutboxEntry) -> bool | None:
    if entry.kind == "presence.update" and "is_home_office" in entry.payload["changes"]:
        return bool(entry.payload["changes"]["is_home_office"])
    if entry.kind == "presence.create":
        return bool(entry.payload.get("is_home_office", False))
    return None


def presences_between(
    workspace: Workspace, date_from: dt.date, date_to: dt.date
) -> list[PresenceView]:
    overlay, home_office = presence_overlay(workspace)
    views: dict[int, PresenceView] = {}
    for presence in workspace.cache.presences_between(date_from, date_to):
        if presence.id not in overlay:
            views[presence.id] = PresenceView(presence)
    for target_id, overlaid in overlay.items():
        shown = overlaid.presence
        if shown is not None and date_from <= shown.date <= date_to:
            views[target_id] = PresenceView(
                shown, overlaid.state, overlaid.problem, overlaid.change_ids
            )
    result: list[PresenceView] = []
    for view in views.values():
        flag = home_office.get(view.presence.date)
        if flag is not None and view.presence.is_home_office != flag:
            view = dataclasses.replace(
                view, presence=dataclasses.replace(view.presence, is_home_office=flag)
            )
        result.append(view)
    return sorted(result, key=lambda v: (v.presence.date, v.presence.from_time, v.presence.id))


def presence_view(workspace: Workspace, presence_id: int) -> PresenceView | None:
    presence_id = workspace.cache.resolve_id("presence", presence_id)
    cached = workspace.cache.presence(presence_id)
    overlay, _ = presence_overlay(workspace)
    overlaid = overlay.get(presence_id)
    if overlaid is None:
        return None if cached is None else PresenceView(cached)
    if overlaid.presence is None:
        return None
    day = overlaid.presence.date
    return next((v for v in presences_between(workspace, day, day) if v.id == presence_id), None)


def apply_presence_change(
    workspace: Workspace, entry: OutboxEntry, current: Presence | None
) -> Presence | None:
    payload = entry.payload
    if entry.kind == "presence.create":
        return Presence(
            id=entry.target_id,
            date=dt.date.fromisoformat(payload["date"]),
            from_time=parse_clock_time(payload["from"]),
            to_time=_time_or_none(payload.get("to")),
            is_home_office=bool(payload.get("is_home_office", False)),
            user=UserRef(workspace.identity.acting_user_id),
        )
    if current is None or entry.kind == "presence.delete":
        return None
    if entry.kind == "presence.update":
        return dataclasses.replace(current, **_presence_fields(payload["changes"]))
    return current


def _time_or_none(value: object) -> dt.time | None:
    return None if value in (None, "") else parse_clock_time(str(value))


def field_value(presence: Presence, name: str) -> object:
    if name == "from":
        return format_clock_time(presence.from_time)
    if name == "to":
        return None if presence.to_time is None else format_clock_time(presence.to_time)
    if name == "is_home_office":
        return presence.is_home_office
    raise WorkspaceError("presences.unknown_field", field=name)


def _label(presence: Presence) -> dict[str, Any]:
    return {
        "date": presence.date.isoformat(),
        "from": format_clock_time(presence.from_time),
        "to": None if presence.to_time is None else format_clock_time(presence.to_time),
    }


# --- enqueueing changes ----------------------------------------------------------------------


def _now_minute(workspace: Workspace) -> tuple[dt.date, str]:
    local = workspace.local_now()
    return local.date(), format_clock_time(local.time())


def _check_range(
    workspace: Workspace,
    date: dt.date,
    start: str,
    end: str | None,
    ignore_id: int | None = None,
) -> None:
    if end is not None and parse_clock_time(end) <= parse_clock_time(start):
        raise WorkspaceError("presences.end_before_start", start=start, end=end)
    others = [
        (v.presence.from_time, v.presence.to_time)
        for v in presences_between(workspace, date, date)
        if v.id != ignore_id
    ]
    ranges = [*others, (parse_clock_time(start), _time_or_none(end))]
    if overlaps(ranges):
        raise WorkspaceError("presences.overlap", start=start, end=end or OPEN_END)


def open_presence_today(workspace: Workspace) -> PresenceView | None:
    today = workspace.today()
    return next((v for v in presences_between(workspace, today, today) if v.presence.is_open), None)


def enqueue_clock_in(workspace: Workspace, home_office: bool) -> tuple[int, tuple[int, ...]]:
    already = open_presence_today(workspace)
    if already is not None:
        raise WorkspaceError(
            "presences.already_clocked_in", since=format_clock_time(already.presence.from_time)
        )
    date, start = _now_minute(workspace)
    _check_range(workspace, date, start, None)
    return _enqueue_create(workspace, date, start, None, home_office)


def ensure_open_presence(workspace: Workspace) -> tuple[int, ...]:
    """Mirror MOCO: starting a timer opens a presence from now if the day has none open.
    Sent before the timer, so the presence keeps the minute the timer really started."""
    if open_presence_today(workspace) is not None:
        return ()
    date, start = _now_minute(workspace)
    views = presences_between(workspace, date, date)
    if any(
        v.presence.from_time <= parse_clock_time(start)
        and v.presence.to_time is not None
        and parse_clock_time(start) < v.presence.to_time
        for v in views
    ):
        return ()
    home_office = any(v.presence.is_home_office for v in views)
    _, change_ids = _enqueue_create(workspace, date, start, None, home_office)
    return change_ids


def _enqueue_create(
    workspace: Workspace, date: dt.date, start: str, end: str | None, home_office: bool
) -> tuple[int, tuple[int, ...]]:
    payload = {
        "date": date.isoformat(),
        "from": start,
        "to": end,
        "is_home_office": home_office,
        "edited_at": iso(workspace.now()),
    }
    with workspace.database.transaction():
        local_id = workspace.database.next_local_id()
        entry = workspace.outbox.enqueue(
            "presence.create", "presence", local_id, payload, workspace.now()
        )
    return local_id, (entry.id,)


def _enqueue_change(
    workspace: Workspace, current: Presence, changes: Mapping[str, Any]
) -> tuple[int, ...]:
    """Coalesce into a create or update not sent yet, else queue an update."""
    outbox = workspace.outbox
    now = workspace.now()
    plain = {name: v for name, v in changes.items() if field_value(current, name) != v}
    if not plain:
        return ()
    with workspace.database.transaction():
        entries = outbox.for_target("presence", current.id)
        last = entries[-1] if entries else None
        if last is not None and last.kind == "presence.create" and last.state != "in_flight":
            payload = dict(last.payload)
            payload.update(plain)
            payload["edited_at"] = iso(now)
            if last.is_parked:
                outbox.unpark(last.id, payload)
            else:
                outbox.update(last.id, payload=payload)
            return (last.id,)
        if last is not None and last.kind == "presence.update" and last.state == "pending":
            payload = dict(last.payload)
            base = dict(payload["base"])
            for name in plain:
                base.setdefault(name, field_value(current, name))
            payload.update(changes={**payload["changes"], **plain}, base=base, edited_at=iso(now))
            outbox.update(last.id, payload=payload)
            return (last.id,)
        payload = {
            "changes": plain,
            "base": {name: field_value(current, name) for name in plain},
            "edited_at": iso(now),
            "label": _label(current),
        }
        entry = outbox.enqueue("presence.update", "presence", current.id, payload, now)
    return (entry.id,)


def enqueue_clock_out(workspace: Workspace) -> tuple[int, tuple[int, ...]]:
    view = open_presence_today(workspace)
    if view is None:
        raise WorkspaceError("presences.not_clocked_in")
    _, end = _now_minute(workspace)
    start = format_clock_time(view.presence.from_time)
    if parse_clock_time(end) <= view.presence.from_time:
        raise WorkspaceError("presences.end_before_start", start=start, end=end)
    return view.id, _enqueue_change(workspace, view.presence, {"to": end})


def _existing(workspace: Workspace, presence_id: int) -> Presence:
    presence_id = workspace.cache.resolve_id("presence", presence_id)
    view = presence_view(workspace, presence_id)
    if view is None:
        raise WorkspaceError("presences.unknown", presence_id=presence_id)
    return view.presence


def _clock_text(value: dt.time | str) -> str:
    return format_clock_time(value if isinstance(value, dt.time) else parse_clock_time(value))


def enqueue_update(
    workspace: Workspace,
    presence_id: int,
    *,
    from_time: dt.time | str | None,
    to_time: dt.time | str | None,
    reopen: bool,
) -> tuple[int, tuple[int, ...], set[dt.date]]:
    current = _existing(workspace, presence_id)
    changes: dict[str, Any] = {}
    if from_time is not None:
        changes["from"] = _clock_text(from_time)
    if to_time is not None:
        changes["to"] = _clock_text(to_time)
    elif reopen:
        changes["to"] = None
    start = changes.get("from", field_value(current, "from"))
    end = changes["to"] if "to" in changes else field_value(current, "to")
    _check_range(
        workspace, current.date, str(start), None if end is None else str(end), ignore_id=current.id
    )
    return current.id, _enqueue_change(workspace, current, changes), {current.date}


def enqueue_delete(
    workspace: Workspace, presence_id: int
) -> tuple[int, tuple[int, ...], set[dt.date]]:
    current = _existing(workspace, presence_id)
    outbox = workspace.outbox
    now = workspace.now()
    with workspace.database.transaction():
        entries = outbox.for_target("presence", current.id)
        first = entries[0] if entries else None
        if first is not None and first.kind == "presence.create" and first.state != "in_flight":
            for entry in entries:
                outbox.remove(entry.id)
            return current.id, (), {current.date}
        for entry in entries:
            if entry.state == "pending" and entry.kind == "presence.update":
                outbox.remove(entry.id)
        cached = workspace.cache.presence(current.id)
        payload = {
            "base_updated_at": iso(cached.updated_at) if cached else None,
            "edited_at": iso(now),
            "label": _label(current),
        }
        entry = outbox.enqueue("presence.delete", "presence", current.id, payload, now)
    return current.id, (entry.id,), {current.date}


def enqueue_home_office(
    workspace: Workspace, date: dt.date, home_office: bool
) -> tuple[int, tuple[int, ...]]:
    views = presences_between(workspace, date, date)
    if not views:
        raise WorkspaceError("presences.no_presence", date=date.isoformat())
    first = views[0]
    if all(v.presence.is_home_office == home_office for v in views):
        return first.id, ()
    changes = {"is_home_office": home_office}
    if first.presence.is_home_office == home_office:
        # The shown flag comes from another entry's pending change: state it explicitly.
        cached = workspace.cache.presence(first.id)
        base = (
            cached
            if cached is not None
            else dataclasses.replace(first.presence, is_home_office=not home_office)
        )
        return first.id, _enqueue_change(workspace, base, changes)
    return first.id, _enqueue_change(workspace, first.presence, changes)


# --- sending ---------------------------------------------------------------------------------


async def send_create(workspace: Workspace, entry: OutboxEntry) -> None:
    sent = entry.sent_payload or {}
    if previous_step(entry) == "post":
        ensure_settled(workspace, entry)
        adopted = await _find_created(workspace, entry, sent)
        if adopted is not None:
            _finish_create(workspace, entry, adopted)
            workspace.notice("info", "sync.adopted", entry.id, summary=describe_create(entry))
            return
    payload = entry.payload
    request = {
        "step": "post",
        "date": payload["date"],
        "from": payload["from"],
        "to": payload.get("to"),
        "is_home_office": bool(payload.get("is_home_office", False)),
    }
    begin_step(workspace, entry, request)
    created = await workspace.client.create_presence(
        date=dt.date.fromisoformat(request["date"]),
        from_time=parse_clock_time(request["from"]),
        to_time=_time_or_none(request["to"]),
        is_home_office=request["is_home_office"] or None,
    )
    _finish_create(workspace, entry, created)


async def _find_created(
    workspace: Workspace, entry: OutboxEntry, sent: Mapping[str, Any]
) -> Presence | None:
    date = dt.date.fromisoformat(sent["date"])
    candidates = await workspace.client.presences(
        user_id=workspace.identity.acting_user_id, date_from=date, date_to=date
    )
    workspace.cache.put_presences(candidates)
    claimed = workspace.cache.mapped_remote_ids("presence")
    assert entry.attempt_started_at is not None
    since = entry.attempt_started_at - workspace.settings.match_skew
    for candidate in sorted(candidates, key=lambda p: p.id):
        if candidate.id in claimed:
            continue
        if field_value(candidate, "from") != sent["from"]:
            continue
        if field_value(candidate, "to") != sent.get("to"):
            continue
        if candidate.created_at is not None and candidate.created_at < since:
            continue
        return candidate
    return None


def _finish_create(workspace: Workspace, entry: OutboxEntry, created: Presence) -> None:
    with workspace.database.transaction():
        workspace.cache.put_presences([created])
        if entry.target_id < 0:
            workspace.cache.map_id("presence", entry.target_id, created.id, workspace.now())
            workspace.outbox.rewrite_target("presence", entry.target_id, created.id)
        _apply_day_home_office(workspace, created)
        finish(workspace, entry)


def _apply_day_home_office(workspace: Workspace, changed: Presence) -> None:
    """MOCO sets home office for the whole day; mirror that in the cache."""
    same_day = workspace.cache.presences_between(changed.date, changed.date)
    workspace.cache.put_presences(
        dataclasses.replace(p, is_home_office=changed.is_home_office)
        for p in same_day
        if p.id != changed.id and p.is_home_office != changed.is_home_office
    )


def _presence_fields(changes: Mapping[str, Any]) -> dict[str, Any]:
    """A pending change's fields ("from", "to", "is_home_office") as `Presence` fields, the
    names `update_presence` takes too."""
    fields: dict[str, Any] = {}
    if "from" in changes:
        fields["from_time"] = parse_clock_time(changes["from"])
    if "to" in changes:
        fields["to_time"] = _time_or_none(changes["to"])
    if "is_home_office" in changes:
        fields["is_home_office"] = bool(changes["is_home_office"])
    return fields


def _change_target(workspace: Workspace) -> ChangeTarget[Presence]:
    client, cache = workspace.client, workspace.cache

    async def update(presence_id: int, changes: Mapping[str, Any]) -> Presence:
        return await client.update_presence(presence_id, **_presence_fields(changes))

    return ChangeTarget(
        fetch=client.presence,
        store=lambda presence: cache.put_presences([presence]),
        forget=cache.remove_presence,
        update=update,
        delete=client.delete_presence,
        field_value=field_value,
        describe_update=describe_update,
        describe_delete=describe_delete,
        update_step="patch",
        after_update=lambda presence: _apply_day_home_office(workspace, presence),
    )


async def send_update(workspace: Workspace, entry: OutboxEntry) -> None:
    await send_update_reconciled(workspace, entry, _change_target(workspace))


async def send_delete(workspace: Workspace, entry: OutboxEntry) -> None:
    await send_delete_reconciled(workspace, entry, _change_target(workspace))


# --- describing and fixing -------------------------------------------------------------------


def describe_create(entry: OutboxEntry) -> str:
    payload = entry.payload
    if payload.get("to") is None:
        return tr("presences.change.clock_in", start=payload["from"], date=payload["date"])
    return tr(
        "presences.change.create", start=payload["from"], end=payload["to"], date=payload["date"]
    )


def describe_update(entry: OutboxEntry) -> str:
    payload = entry.payload
    changes, label = payload["changes"], payload["label"]
    if set(changes) == {"is_home_office"}:
        key = "on" if changes["is_home_office"] else "off"
        return tr(f"presences.change.home_office_{key}", date=label["date"])
    if set(changes) == {"to"} and label.get("to") is None and changes["to"] is not None:
        return tr("presences.change.clock_out", end=changes["to"], date=label["date"])
    start = changes.get("from", label["from"])
    end = changes["to"] if "to" in changes else label.get("to")
    return tr("presences.change.update", start=start, end=end or OPEN_END, date=label["date"])


def describe_delete(entry: OutboxEntry) -> str:
    label = entry.payload["label"]
    return tr(
        "presences.change.delete",
        start=label["from"],
        end=label.get("to") or OPEN_END,
        date=label["date"],
    )


def create_dates(entry: OutboxEntry) -> set[dt.date]:
    return {dt.date.fromisoformat(entry.payload["date"])}


def label_dates(entry: OutboxEntry) -> set[dt.date]:
    return {dt.date.fromisoformat(entry.payload["label"]["date"])}


_FIX_NAMES = {"from_time": "from", "to_time": "to", "is_home_office": "is_home_office"}


def _fix_values(fixes: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in fixes.items():
        if name == "date":
            values["date"] = value.isoformat() if isinstance(value, dt.date) else str(value)
            continue
        target = _FIX_NAMES.get(name)
        if target is None:
            raise WorkspaceError("presences.unknown_field", field=name)
        if target == "is_home_office":
            values[target] = bool(value)
        else:
            values[target] = None if value is None else _clock_text(value)
    return values


def fix_create(
    workspace: Workspace, entry: OutboxEntry, fixes: Mapping[str, Any]
) -> dict[str, Any]:
    payload = dict(entry.payload)
    payload.update(_fix_values(fixes))
    payload["edited_at"] = iso(workspace.now())
    return payload


def fix_update(
    workspace: Workspace, entry: OutboxEntry, fixes: Mapping[str, Any]
) -> dict[str, Any]:
    values = _fix_values(fixes)
    values.pop("date", None)
    payload = dict(entry.payload)
    payload["changes"] = {**payload["changes"], **values}
    payload["edited_at"] = iso(workspace.now())
    return payload


register_kind(
    OperationKind(
        "presence.create", "presence", send_create, describe_create, create_dates, fix_create
    )
)
register_kind(
    OperationKind(
        "presence.update", "presence", send_update, describe_update, label_dates, fix_update
    )
)
register_kind(
    OperationKind("presence.delete", "presence", send_delete, describe_delete, label_dates)
)
