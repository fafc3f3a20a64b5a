"""Initial sync against the embedded server with many projects: requests and time.

What a person waits for after logging in: assigned projects with their tasks, this week's
activities and today's presences (the profile comes with the login itself: `GET /session` and
`GET /profile`). Measured over real loopback sockets, beside the naive way (one tasks request
per project) that other clients use.

    python -m benchmarks.initial_sync [--projects 240] [--json]

Prints a Markdown table (and JSON with --json). Goal: at most 5 requests for the whole sync.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import time
from dataclasses import asdict, dataclass

from moco_desktop.api.client import MocoClient
from moco_desktop.api.ratelimit import RateLimiter, RateLimitPlan
from moco_desktop.core.entities import ApiKey
from moco_desktop.core.timemath import monday_of
from moco_desktop.demo.seed import seed_scale
from moco_desktop.demo.server import EmbeddedMocoServer
from moco_desktop.demo.state import MocoState

LIMIT = RateLimitPlan.STANDARD_SEED


@dataclass
class SyncFigures:
    name: str
    requests: int
    seconds: float
    projects: int
    tasks: int
    minimum_seconds_under_limit: float

    @property
    def ratio_to_minimum(self) -> float:
        floor = max(self.minimum_seconds_under_limit, 1e-9)
        return self.seconds / floor if self.minimum_seconds_under_limit else 0.0


def minimum_seconds(requests: int, plan: RateLimitPlan = LIMIT) -> float:
    """The least wall time `requests` can take under the sliding-window limit."""
    if requests <= plan.max_requests:
        return 0.0
    return ((requests - 1) // plan.max_requests) * plan.per_seconds


async def app_initial_sync(client: MocoClient, user_id: int, today: dt.date) -> tuple[int, int]:
    """What MOCO Desktop does after login: one paginated request fills the whole project/task
    picker. The profile is not fetched again: login (`GET /session` + `GET /profile`) just
    did, and the app keeps it."""
    projects = await client.assigned_projects(active=True)
    monday = monday_of(today)
    await client.activities(
        user_id=user_id, date_from=monday, date_to=monday + dt.timedelta(days=6)
    )
    await client.presences(user_id=user_id, date_from=today, date_to=today)
    return len(projects), sum(len(p.tasks) for p in projects)


async def naive_initial_sync(client: MocoClient, user_id: int, today: dt.date) -> tuple[int, int]:
    """The naive way: list projects, then ask for each project's tasks."""
    await client.profile()
    projects = await client.assigned_projects(active=True)
    tasks = 0
    for project in projects:
        tasks += len(await client.project_tasks(project.id))
    monday = monday_of(today)
    await client.activities(
        user_id=user_id, date_from=monday, date_to=monday + dt.timedelta(days=6)
    )
    await client.presences(user_id=user_id, date_from=today, date_to=today)
    return len(projects), tasks


async def measure(projects: int, *, limited_app_run: bool = True) -> list[SyncFigures]:
    today = dt.date.today()
    state = MocoState()
    account = seed_scale(
        state, today, projects=projects, tasks_per_project=10, users=30, activities=400
    )
    key = ApiKey(account.staff.api_key)
    user_id = account.staff.user_id
    results: list[SyncFigures] = []
    server = EmbeddedMocoServer(state, rate_limit=None).start()
    try:
        runs = [("MOCO Desktop (after login)", app_initial_sync, limited_app_run)]
        runs.append(("naive: tasks per project", naive_initial_sync, False))
        for name, run, limited in runs:
            server.requests.clear()
            plan = LIMIT if limited else RateLimitPlan(100_000, 1.0)
            limiter = RateLimiter(plan.max_requests, plan.per_seconds)
            async with MocoClient(server.base_url, key, limiter=limiter) as client:
                started = time.perf_counter()
                found_projects, found_tasks = await run(client, user_id, today)
                elapsed = time.perf_counter() - started
            count = len(server.requests)
            results.append(
                SyncFigures(
                    name, count, elapsed, found_projects, found_tasks, minimum_seconds(count)
                )
            )
    finally:
        server.stop()
    return results


def markdown(results: list[SyncFigures]) -> str:
    lines = [
        "| sync | requests | wall time | projects / tasks | least time under 15 req/15 s |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.requests} | {r.seconds * 1000:.0f} ms | {r.projects} / {r.tasks} "
            f"| {r.minimum_seconds_under_limit:.0f} s |"
        )
    app, naive = results[0], results[1]
    lines.append("")
    lines.append(
        "Login itself is 2 requests (`GET /session`, `GET /profile`); the naive row includes "
        "the profile request."
    )
    lines.append(
        f"MOCO Desktop needs {app.requests} requests (goal: at most 5), "
        f"{naive.requests / app.requests:.0f}x fewer than the naive sync, which under the "
        f"default limit would take at least {naive.minimum_seconds_under_limit:.0f} s "
        "(the naive run above was measured without a client limit)."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=240)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = asyncio.run(measure(args.projects))
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    print(markdown(results))
    return 0 if results[0].requests <= 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
