"""`/users/presences`: working times ("Arbeitszeiten") and the `touch` time clock.

Visibility as for activities: staff see everyone's, others their own; unseen ones are 404.
A time that is not `HH:MM` answers 500 (as MOCO does). `touch` acts on today's presences of
the acting user: it closes the open one at the current minute (discarding it when opened in
the same minute; the answer is then the discarded presence with `to == from`) or opens one at
the current minute; a conflict answers 423 with an empty body. `override` is ignored (it
is unreliable on real accounts).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from moco_desktop.demo import rules
from moco_desktop.demo.routing import (
    BLANK,
    INVALID,
    RANGE_OVERLAPS,
    ApiError,
    FieldErrors,
    RequestContext,
    Response,
    Router,
    body_bool,
    body_date,
    internal_error,
    is_blank,
    message,
    not_found,
    unprocessable,
)
from moco_desktop.demo.serializers import presence_json
from moco_desktop.demo.state import PresenceRecord, parse_clock_time

TO_BEFORE_FROM = "muss nach der Startzeit liegen"


def register(router: Router) -> None:
    router.add("GET", "/users/presences", list_presences)
    router.add("GET", "/users/presences/{id}", show_presence)
    router.add("POST", "/users/presences", create_presence)
    router.add("POST", "/users/presences/touch", touch)
    router.add("PUT", "/users/presences/{id}", update_presence)
    router.add("PATCH", "/users/presences/{id}", update_presence)
    router.add("DELETE", "/users/presences/{id}", delete_presence)


def list_presences(ctx: RequestContext) -> Response:
    start, end = ctx.query_date("from"), ctx.query_date("to")
    if (start is None) != (end is None):
        raise message(422, "from and to have to be provided together")
    user_id = ctx.query_int("user_id")
    home_office = ctx.query_bool("is_home_office")
    updated_after = ctx.query_timestamp("updated_after")

    def wanted(presence: PresenceRecord) -> bool:
        return (
            ctx.can_see_user(presence.user_id)
            and (start is None or presence.date >= start)
            and (end is None or presence.date <= end)
            and (user_id is None or presence.user_id == user_id)
            and (home_office is None or presence.is_home_office == home_office)
            and (updated_after is None or presence.updated_at > updated_after)
        )

    found = sorted(
        filter(wanted, ctx.state.presences.values()),
        key=lambda p: (p.date, p.from_time, p.id),
    )
    return ctx.paginate(found, lambda presence: presence_json(ctx.state, presence))


def show_presence(ctx: RequestContext) -> Response:
    return Response(200, presence_json(ctx.state, _visible(ctx)))


def create_presence(ctx: RequestContext) -> Response:
    body, errors = ctx.body, FieldErrors()
    day = _read_date(body, errors)
    if is_blank(body.get("from")):
        errors.add("from", BLANK)
    from_time = None if is_blank(body.get("from")) else _clock_time(body["from"])
    to_time = None if is_blank(body.get("to")) else _clock_time(body["to"])
    errors.raise_if_any()
    assert day is not None
    assert from_time is not None
    _check_range(ctx, ctx.user.id, day, from_time, to_time, None)
    presence = rules.create_presence(
        ctx.state, ctx.user.id, day, from_time, to_time, _home_office(body), ctx.now
    )
    return Response(200, presence_json(ctx.state, presence))


def update_presence(ctx: RequestContext) -> Response:
    """PUT and PATCH both change only the fields sent."""
    presence = _visible(ctx)
    body, errors = ctx.body, FieldErrors()
    day = _read_date(body, errors) if "date" in body else presence.date
    from_time = presence.from_time
    if "from" in body:
        if is_blank(body["from"]):
            errors.add("from", BLANK)
        else:
            from_time = _clock_time(body["from"])
    to_time = presence.to_time
    if "to" in body:
        to_time = None if is_blank(body["to"]) else _clock_time(body["to"])
    errors.raise_if_any()
    assert day is not None
    _check_range(ctx, presence.user_id, day, from_time, to_time, presence.id)
    presence.date, presence.from_time, presence.to_time = day, from_time, to_time
    presence.updated_at = ctx.now_utc
    home_office = _home_office(body)
    if home_office is not None:
        rules.set_home_office_for_day(ctx.state, presence.user_id, day, home_office, ctx.now)
    return Response(200, presence_json(ctx.state, presence))


def delete_presence(ctx: RequestContext) -> Response:
    """Answers with the deleted presence."""
    presence = _visible(ctx)
    del ctx.state.presences[presence.id]
    return Response(200, presence_json(ctx.state, presence))


def touch(ctx: RequestContext) -> Response:
    state, user_id = ctx.state, ctx.user.id
    day, minute = ctx.today, rules.minute_of(ctx.now)
    home_office = _home_office(ctx.body)
    open_presence = next((p for p in state.presences_of(user_id, day) if p.is_open), None)
    if open_presence is None:
        if rules.presence_overlaps(state, user_id, day, minute, None):
            raise ApiError(423)
        presence = rules.create_presence(state, user_id, day, minute, None, home_office, ctx.now)
        return Response(200, presence_json(state, presence))
    if minute < open_presence.from_time:
        raise ApiError(423)
    open_presence.to_time = minute
    open_presence.updated_at = ctx.now_utc
    if minute == open_presence.from_time:
        del state.presences[open_presence.id]
    elif home_office is not None:
        rules.set_home_office_for_day(state, user_id, day, home_office, ctx.now)
    return Response(200, presence_json(state, open_presence))


# ---------------------------------------------------------------------------------- helpers
def _visible(ctx: RequestContext) -> PresenceRecord:
    presence = ctx.state.presences.get(ctx.param_id())
    if presence is None or not ctx.can_see_user(presence.user_id):
        raise not_found()
    return presence


def _read_date(body: dict[str, Any], errors: FieldErrors) -> dt.date | None:
    if is_blank(body.get("date")):
        errors.add("date", BLANK)
        return None
    day = body_date(body["date"])
    if day is None:
        errors.add("date", INVALID)
    return day


def _clock_time(value: Any) -> dt.time:
    """HH:MM or a 500, like MOCO (which fails on e.g. '8' with an internal error)."""
    try:
        return parse_clock_time(value)
    except (TypeError, ValueError):
        raise internal_error() from None


def _home_office(body: dict[str, Any]) -> bool | None:
    value = body.get("is_home_office")
    return None if value is None else body_bool(value)


def _check_range(
    ctx: RequestContext,
    user_id: int,
    day: dt.date,
    from_time: dt.time,
    to_time: dt.time | None,
    exclude_id: int | None,
) -> None:
    if to_time is not None and to_time <= from_time:
        raise unprocessable({"to": [TO_BEFORE_FROM]})
    if rules.presence_overlaps(ctx.state, user_id, day, from_time, to_time, exclude_id):
        raise unprocessable({"from": [RANGE_OVERLAPS]})
