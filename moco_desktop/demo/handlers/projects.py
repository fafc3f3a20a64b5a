"""`/projects/assigned` (the picker's projects with tasks) and `/projects/{id}/tasks`."""

from __future__ import annotations

from moco_desktop.demo.routing import RequestContext, Response, Router, forbidden, not_found
from moco_desktop.demo.serializers import assigned_project_json, task_json
from moco_desktop.demo.state import ProjectRecord


def register(router: Router) -> None:
    router.add("GET", "/projects/assigned", list_assigned_projects)
    router.add("GET", "/projects/{id}/tasks", list_tasks)
    router.add("GET", "/projects/{id}/tasks/{task_id}", show_task)


def list_assigned_projects(ctx: RequestContext) -> Response:
    """Projects with a contract for the acting user; `active` filters by project state."""
    user_id = ctx.user.id
    active = ctx.query_bool("active")
    projects = [
        project
        for project in ctx.state.projects.values()
        if user_id in project.contracts and (active is None or project.active == active)
    ]
    return ctx.paginate(
        projects, lambda project: assigned_project_json(ctx.state, project, user_id)
    )


def _visible_project(ctx: RequestContext) -> ProjectRecord:
    project = ctx.state.project(ctx.param_id())
    if project is None:
        raise not_found()
    if not ctx.user.staff and ctx.user.id not in project.contracts:
        raise forbidden()
    return project


def list_tasks(ctx: RequestContext) -> Response:
    return ctx.paginate(_visible_project(ctx).tasks, task_json)


def show_task(ctx: RequestContext) -> Response:
    task = _visible_project(ctx).task(ctx.param_id("task_id"))
    if task is None:
        raise not_found()
    return Response(200, task_json(task))
