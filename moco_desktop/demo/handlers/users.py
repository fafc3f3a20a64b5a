"""`/profile`, `/users` (staff only) and `/users/{id}/performance_report`."""

from __future__ import annotations

from moco_desktop.demo.routing import RequestContext, Response, Router, forbidden, not_found
from moco_desktop.demo.rules import performance_report
from moco_desktop.demo.serializers import profile_json, user_json


def register(router: Router) -> None:
    router.add("GET", "/profile", show_profile)
    router.add("GET", "/users", list_users)
    router.add("GET", "/users/{id}", show_user)
    router.add("GET", "/users/{id}/performance_report", show_performance_report)


def show_profile(ctx: RequestContext) -> Response:
    return Response(200, profile_json(ctx.user))


def list_users(ctx: RequestContext) -> Response:
    if not ctx.user.staff:
        raise forbidden()
    include_archived = ctx.query_bool("include_archived") or False
    email = ctx.query.get("email", "").strip().casefold()
    users = [
        user
        for user in ctx.state.users.values()
        if (include_archived or user.active) and (not email or user.email.casefold() == email)
    ]
    return ctx.paginate(users, user_json)


def show_user(ctx: RequestContext) -> Response:
    if not ctx.user.staff:
        raise forbidden()
    user = ctx.state.user(ctx.param_id())
    if user is None:
        raise not_found()
    return Response(200, user_json(user))


def show_performance_report(ctx: RequestContext) -> Response:
    """Own report for everyone, anyone's for staff. `year` defaults to the current one."""
    user = ctx.state.user(ctx.param_id())
    if user is None:
        raise not_found()
    if not ctx.can_see_user(user.id):
        raise forbidden()
    year = ctx.query_int("year") or ctx.today.year
    return Response(200, performance_report(ctx.state, user.id, year, ctx.today))
