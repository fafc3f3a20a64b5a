"""The quick-entry line bound to the Workspace: live preview, then one booking on Enter.

`QuickEntryService.preview(text)` parses against the cached projects (instant, offline too) with
the last used project and task as fallback for lines that name none; `submit(text)` parses again
(an open range like `9:00-` ends at the moment of Enter) and books through the Workspace: a log
for lines with a duration, a new timer for lines without. `stop_timer_rounded` is the timer stop
path with the optional `RoundingPolicy` (core.quick_entry) applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Protocol

from moco_desktop.core.entities import Activity, AssignedProject, Task
from moco_desktop.core.errors import CatalogueError
from moco_desktop.core.quick_entry import QuickEntryPreview, RoundingPolicy, parse_quick_entry
from moco_desktop.core.records import record
from moco_desktop.services.idle_watch import (
    TimerWorkspace,
    local_now,
    stop_timer_with_seconds,
)
from moco_desktop.services.reminders import ShownDay

_RECENT_LOOKBACK_DAYS = 7


class QuickEntryNotReadyError(CatalogueError):
    """Enter on a line that cannot be booked yet; the message names the first problem."""


class EntryWorkspace(TimerWorkspace, Protocol):
    """What quick entry uses of the Workspace."""

    def projects(self) -> Sequence[AssignedProject]: ...

    def day(self, date: dt.date) -> ShownDay: ...


@record
class QuickEntryResult:
    """What Enter did: the preview that was booked and the Workspace's answer."""

    preview: QuickEntryPreview
    entry_id: int
    reached_moco: bool


class QuickEntryService:
    """Preview and submit quick-entry lines."""

    def __init__(
        self,
        workspace: EntryWorkspace,
        *,
        clock: Callable[[], dt.datetime] = local_now,
    ) -> None:
        self.workspace = workspace
        self._clock = clock

    def last_used(self, today: dt.date | None = None) -> tuple[AssignedProject, Task] | None:
        """The project and task of the most recent entry of the last week that can still be
        booked on (the fallback for lines naming no project)."""
        today = today or self._clock().date()
        projects = {project.id: project for project in self.workspace.projects()}
        for offset in range(_RECENT_LOOKBACK_DAYS + 1):
            entries = [e.activity for e in self.workspace.day(today - dt.timedelta(offset)).entries]
            for activity in sorted(entries, key=_recency, reverse=True):
                project = projects.get(activity.project.id)
                task = project.task(activity.task.id) if project is not None else None
                if project is not None and task is not None and project.active and task.active:
                    return project, task
        return None

    def preview(self, text: str, *, default_date: dt.date | None = None) -> QuickEntryPreview:
        """What `text` would book now (`default_date`: the day shown, default today)."""
        now = self._clock()
        return parse_quick_entry(
            text,
            self.workspace.projects(),
            today=now.date(),
            now=now.time().replace(tzinfo=None, microsecond=0),
            fallback=self.last_used(now.date()),
            default_date=default_date,
        )

    async def submit(self, text: str, *, default_date: dt.date | None = None) -> QuickEntryResult:
        """Book `text`; raises `QuickEntryNotReadyError` while the preview has problems."""
        preview = self.preview(text, default_date=default_date)
        if not preview.ready or preview.project is None or preview.task is None:
            problem = preview.problems[0].message if preview.problems else ""
            raise QuickEntryNotReadyError("quick_entry.not_ready", problem=problem)
        if preview.action == "start":
            outcome = await self.workspace.start_timer(
                preview.project.id,
                preview.task.id,
                preview.description,
                billable=preview.billable_override,
                tag=preview.tag,
            )
        else:
            assert preview.seconds is not None
            outcome = await self.workspace.log_activity(
                preview.date,
                preview.project.id,
                preview.task.id,
                preview.seconds,
                preview.description,
                preview.billable_override,
                tag=preview.tag,
            )
        return QuickEntryResult(preview, outcome.entity_id, outcome.reached_moco)


def _recency(activity: Activity) -> tuple[dt.datetime, int]:
    stamp = activity.updated_at or activity.created_at or dt.datetime.min.replace(tzinfo=dt.UTC)
    return stamp, activity.id


@record
class StoppedTimer:
    """A stopped timer: its entry, the seconds it got (rounded if the policy is on)."""

    entry_id: int
    seconds: int
    rounded: bool
    reached_moco: bool


async def stop_timer_rounded(
    workspace: TimerWorkspace,
    policy: RoundingPolicy,
    *,
    clock: Callable[[], dt.datetime] = local_now,
) -> StoppedTimer | None:
    """Stop the running timer with its seconds rounded by `policy`; None if no timer runs.

    With rounding off this is the Workspace's plain stop.
    """
    running = workspace.running_timer()
    if running is None:
        return None
    activity = running.activity
    measured = activity.elapsed_seconds(clock())
    rounded = policy.apply(measured)
    if rounded == measured:
        stopped = await workspace.stop_timer()
        if stopped is None:
            return None
        return StoppedTimer(activity.id, measured, False, stopped.reached_moco)
    reached = await stop_timer_with_seconds(workspace, activity.id, rounded)
    return StoppedTimer(activity.id, rounded, True, reached)
