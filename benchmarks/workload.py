"""The big-account workload of issue 7, seeded into the embedded MOCO server's state.

`seed_scale` builds the account (2,000 projects × 10 tasks assigned to the demo users, 300 users,
60 presences per demo user). Its activities are spread thinly over a year; the issue asks for
5,000 activities *in the visible month*, so `seed_workload` books them itself: 5,000 entries
for the logged-in (staff) user on the working days of the 30 days before today, about 230 per
day, with the same random mix of projects, tasks, durations and descriptions, each updated at
its own minute. Nothing is dated today (the seeds never book today), so the day view at start
is empty but the week strip sums the whole current week. Deterministic for a given `today` and
`Workload`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import asdict, dataclass

from moco_desktop.demo.seed import TASK_DESCRIPTIONS, DemoAccount, seed_scale
from moco_desktop.demo.state import MocoState

VISIBLE_MONTH_DAYS = 30
_DURATIONS = (900, 1800, 2700, 3600, 5400)


@dataclass(frozen=True, slots=True)
class Workload:
    """How big the account is (the issue's figures by default)."""

    projects: int = 2000
    tasks_per_project: int = 10
    users: int = 300
    activities: int = 5000
    presences: int = 60

    @property
    def pairs(self) -> int:
        return self.projects * self.tasks_per_project

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


ISSUE_WORKLOAD = Workload()
TINY_WORKLOAD = Workload(projects=30, tasks_per_project=4, users=12, activities=120, presences=6)


def visible_month(today: dt.date) -> list[dt.date]:
    """The working days of the 30 days before today, oldest first."""
    days = (today - dt.timedelta(days=offset) for offset in range(VISIBLE_MONTH_DAYS, 0, -1))
    return [day for day in days if day.weekday() < 5]


def seed_workload(
    state: MocoState, today: dt.date, workload: Workload = ISSUE_WORKLOAD, *, seed: int = 4711
) -> DemoAccount:
    """Seed `state` with `workload`; returns the demo users' credentials (staff: the one
    measured)."""
    account = seed_scale(
        state,
        today,
        projects=workload.projects,
        tasks_per_project=workload.tasks_per_project,
        users=workload.users,
        activities=0,
        presences=workload.presences,
        seed=seed,
    )
    rng = random.Random(seed + 1)
    user_id = account.staff.user_id
    projects = [
        project
        for project in state.projects.values()
        if project.tasks and (contract := project.contract_of(user_id)) and contract.active
    ]
    days = visible_month(today)
    booked_on: dict[dt.date, int] = {}
    with state.lock:
        for index in range(workload.activities):
            day = days[index * len(days) // max(1, workload.activities)]
            # Booked through the day, a minute apart: each entry has its own `updated_at`, as
            # in MOCO (an incremental refresh then asks for what changed, not for a whole day).
            number = booked_on[day] = booked_on.get(day, -1) + 1
            booked_at = dt.datetime.combine(day, dt.time(7), dt.UTC) + dt.timedelta(minutes=number)
            project = projects[rng.randrange(len(projects))]
            task = project.tasks[rng.randrange(len(project.tasks))]
            state.add_activity(
                user_id,
                project.id,
                task.id,
                day,
                rng.choice(_DURATIONS),
                rng.choice(TASK_DESCRIPTIONS.get(task.name, ("Projektarbeit",))),
                updated_at=booked_at,
            )
    return account
