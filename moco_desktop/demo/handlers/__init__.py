"""The embedded server's routing table: every MOCO endpoint it answers, by resource."""

from __future__ import annotations

from moco_desktop.demo.handlers import activities, planning, presences, projects, session, users
from moco_desktop.demo.routing import Router


def build_router() -> Router:
    router = Router()
    for resource in (session, users, projects, activities, presences, planning):
        resource.register(router)
    return router
