"""`/session`: log in with email and password for the user's API key; check a key.

Login still succeeds when the account has user API keys disabled; every request made with
the key then answers 401 "Invalid API key (user API keys are disabled)." (see the server).
"""

from __future__ import annotations

from moco_desktop.demo.routing import RequestContext, Response, Router, message


def register(router: Router) -> None:
    router.add("POST", "/session", create_session, authenticated=False)
    router.add("GET", "/session", show_session, impersonation=False)


def create_session(ctx: RequestContext) -> Response:
    email, password = ctx.body.get("email"), ctx.body.get("password")
    user = ctx.state.user_by_email(email) if isinstance(email, str) else None
    if user is None or not user.active or password != user.password:
        raise message(401, "Invalid email or password.")
    return Response(200, {"api_key": user.api_key, "user_id": user.id, "uuid": user.uuid})


def show_session(ctx: RequestContext) -> Response:
    assert ctx.auth_user is not None
    return Response(200, {"id": ctx.auth_user.id, "uuid": ctx.auth_user.uuid})
