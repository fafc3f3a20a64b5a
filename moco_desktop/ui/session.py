"""The view model of one logged-in session: a `Workspace` adapted to Qt signals.

Widgets bind to a `Session` and never to the services directly for notifications: the session
subscribes to the workspace's `ChangeHub`, coalesces bursts of events (a refresh may announce
dozens of days) into one signal per kind and event-loop turn, and keeps what several widgets
need at hand: the running timer, the recent entries, the picker index, the colleagues.

Timers and idle cost: the session ticks only while a timer runs, once per elapsed minute (the
tray icon and the day view show minutes), and the background `SyncEngine` refreshes once a
minute so a timer started elsewhere shows up in time. A hidden, idle app does nothing else.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from moco_desktop.core.entities import User
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.records import record
from moco_desktop.services.events import (
    DataChanged,
    Event,
    Notice,
    PendingChanged,
    RateLimitWait,
    ReachabilityChanged,
    SyncProgress,
)
from moco_desktop.services.sync import SyncEngine
from moco_desktop.services.timesheet import DayView, EntryView, WeekView, entries_between
from moco_desktop.services.workspace import ChangeResult, Workspace
from moco_desktop.system.memory import return_free_memory_in_background
from moco_desktop.ui.timers import next_turn

if TYPE_CHECKING:
    from moco_desktop.core.quick_entry import RoundingPolicy
    from moco_desktop.services.picker_search import PickerIndex

logger = logging.getLogger("moco_desktop.ui")

register({"session.account": {"en": "{name} on {domain}", "de": "{name} bei {domain}"}})

RECENT_DAYS = 30
TRIM_AFTER_SYNC_MS = 2000
RECENT_MENU_SIZE = 8
RECENT_PICKER_SIZE = 20
RECENT_CHUNK_DAYS_MAX = 16
DEFAULT_REFRESH_INTERVAL = 60.0  # a timer started elsewhere shows up within a minute


@record
class SessionIdentity:
    """Who is logged in and whose time is shown."""

    domain: str  # e.g. "acme"
    own_user_id: int
    own_name: str
    acting_user_id: int | None = None
    acting_name: str = ""

    @property
    def impersonating(self) -> bool:
        return self.acting_user_id is not None and self.acting_user_id != self.own_user_id

    @property
    def account_label(self) -> str:
        """e.g. "Anna Becker on acme" in the current language."""
        return tr("session.account", name=self.own_name, domain=self.domain)


class Session(QObject):
    """One workspace as signals and cached views for the tray and the windows."""

    activitiesChanged = Signal(object)  # noqa: N815 (Qt naming); frozenset[date] (empty: any)
    presencesChanged = Signal(object)  # noqa: N815 - frozenset[date]
    referenceChanged = Signal(object)  # noqa: N815 - frozenset of kinds (projects, users, ...)
    pendingChanged = Signal(int, int)  # noqa: N815 - count, parked
    reachabilityChanged = Signal(bool)  # noqa: N815
    noticeRaised = Signal(object)  # noqa: N815 - Notice
    syncProgress = Signal(int, int)  # noqa: N815 - done, total
    rateLimitWait = Signal(float)  # noqa: N815 - seconds
    runningChanged = Signal()  # noqa: N815 - the running entry (or none) changed
    tick = Signal()  # a running timer reached a new minute
    refreshFailed = Signal(str)  # noqa: N815 - MOCO answered, but not with the data (403, ...)

    def __init__(
        self,
        workspace: Workspace,
        identity: SessionIdentity,
        *,
        close_workspace: Callable[[], Awaitable[None]] | None = None,
        colleagues: tuple[User, ...] | None = None,
        refresh_interval: float | None = DEFAULT_REFRESH_INTERVAL,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.identity = identity
        self._close_workspace = close_workspace or workspace.close
        self._colleagues = colleagues
        self._refresh_interval = refresh_interval
        self._engine: SyncEngine | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._pending_dates: dict[str, set[dt.date]] = {}
        self._pending_any: set[str] = set()
        self._flush_timer = next_turn(self, self._flush)
        # perf (issue 7): a sync of a big account's projects (or of a week not seen before)
        # leaves megabytes of freed pages (its JSON pages) in the C heap; hand them back once
        # the data has been taken in.
        self._trim_timer = QTimer(self)
        self._trim_timer.setSingleShot(True)
        self._trim_timer.setInterval(TRIM_AFTER_SYNC_MS)
        self._trim_timer.timeout.connect(return_free_memory_in_background)
        self._tick_timer = QTimer(self)
        self._tick_timer.setSingleShot(True)
        self._tick_timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._tick_timer.timeout.connect(self._on_tick)
        self._running: EntryView | None = None
        self._recent: list[EntryView] | None = None
        self._recent_complete = False
        self._recent_since: dt.date | None = None  # the earliest day the recent ones read
        self._has_projects: bool | None = None
        self._picker_index: PickerIndex | None = None
        self._pending_count = workspace.pending_count
        self._parked_count = len(workspace.parked_changes()) if self._pending_count else 0
        self._last_focus_refresh: dt.datetime | None = None
        today = workspace.today()
        self._loaded_weeks: set[dt.date] = {today - dt.timedelta(days=today.weekday())}
        self._closed = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.rounding: RoundingPolicy | None = None
        """How stopped timers are rounded (Settings); None or disabled: not at all."""
        self._update_running(emit=False)

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self, *, background_sync: bool = True) -> None:
        """Listen to the workspace and start sending/refreshing in the background."""
        self._unsubscribe = self.workspace.hub.subscribe(self._on_event)
        # The first refresh is starting now (engine or caller): focus need not ask again soon.
        self._last_focus_refresh = self.now()
        if background_sync:
            self._engine = SyncEngine(self.workspace, refresh_interval=self._refresh_interval)
            self._engine.start()

    async def close(self) -> None:
        self._closed = True
        self._tick_timer.stop()
        self._flush_timer.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._engine is not None:
            await self._engine.stop()
            self._engine = None
        await self._close_workspace()

    # --- events -------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if self._closed:
            return
        if isinstance(event, DataChanged):
            if event.dates:
                self._pending_dates.setdefault(event.kind, set()).update(event.dates)
            else:
                self._pending_any.add(event.kind)
            if not self._flush_timer.isActive():
                self._flush_timer.start()
        elif isinstance(event, PendingChanged):
            self._pending_count, self._parked_count = event.count, event.parked
            self.pendingChanged.emit(event.count, event.parked)
        elif isinstance(event, ReachabilityChanged):
            self.reachabilityChanged.emit(event.reachable)
        elif isinstance(event, Notice):
            self.noticeRaised.emit(event)
        elif isinstance(event, SyncProgress):
            self.syncProgress.emit(event.done, event.total)
        elif isinstance(event, RateLimitWait):
            self.rateLimitWait.emit(event.seconds)

    def _flush(self) -> None:
        """Emit the coalesced data changes of this event-loop turn."""
        dated, undated = self._pending_dates, self._pending_any
        self._pending_dates, self._pending_any = {}, set()
        kinds = set(dated) | undated
        if "projects" in kinds or "planning" in kinds or self._recent_touched(dated, undated):
            self._recent = None
            self._picker_index = None
        if "projects" in kinds:
            self._has_projects = None
            self._trim_timer.start()
        if "activities" in kinds:
            self._update_running(emit=True)
            self.activitiesChanged.emit(
                frozenset() if "activities" in undated else frozenset(dated["activities"])
            )
        if "presences" in kinds:
            self.presencesChanged.emit(
                frozenset() if "presences" in undated else frozenset(dated["presences"])
            )
        reference = kinds - {"activities", "presences"}
        if reference:
            if "users" in reference and not self.identity.impersonating:
                self._colleagues = self.workspace.users()
            self.referenceChanged.emit(frozenset(reference))

    # --- the running timer --------------------------------------------------------------------

    def now(self) -> dt.datetime:
        return self.workspace.now()

    def today(self) -> dt.date:
        return self.workspace.today()

    def running(self) -> EntryView | None:
        """The entry whose timer runs, on any day (a forgotten one included)."""
        return self._running

    def running_elapsed(self) -> int:
        running = self._running
        return running.elapsed_seconds(self.now()) if running is not None else 0

    def _update_running(self, *, emit: bool) -> None:
        before = self._running
        self._running = self.workspace.running_timer()
        changed = _running_key(before) != _running_key(self._running)
        self._schedule_tick()
        if changed and emit:
            self.runningChanged.emit()

    def _schedule_tick(self) -> None:
        if self._running is None or self._closed:
            self._tick_timer.stop()
            return
        elapsed = self.running_elapsed()
        milliseconds = (60 - elapsed % 60) * 1000 + 50
        self._tick_timer.start(milliseconds)

    def _on_tick(self) -> None:
        if self._closed:
            return
        self.tick.emit()
        self._schedule_tick()

    @property
    def ticking(self) -> bool:
        """Whether the minute ticker is armed (only while a timer runs)."""
        return self._tick_timer.isActive()

    # --- reads --------------------------------------------------------------------------------

    def day(self, date: dt.date) -> DayView:
        return self.workspace.day(date)

    def week(self, date: dt.date) -> WeekView:
        return self.workspace.week(date)

    def week_with_day(self, date: dt.date) -> tuple[WeekView, DayView]:
        return self.workspace.week_with_day(date)

    def has_projects(self) -> bool:
        """Whether anything was ever synced (False: the first sync is still to come)."""
        if self._has_projects is None:
            # perf (issue 7): asks the cache, without decoding 20,000 tasks at start-up
            self._has_projects = self.workspace.has_projects()
        return self._has_projects

    @property
    def pending_count(self) -> int:
        return self._pending_count

    @property
    def parked_count(self) -> int:
        return self._parked_count

    @property
    def reachable(self) -> bool:
        return self.workspace.reachable

    @property
    def halted_message(self) -> str | None:
        return self.workspace.halted_message

    def colleagues(self) -> tuple[User, ...] | None:
        """Colleagues one may act for (staff only); None for users without staff rights."""
        if self._colleagues is None and not self.identity.impersonating:
            self._colleagues = self.workspace.users()
        return self._colleagues

    @property
    def is_staff(self) -> bool:
        return bool(self.colleagues())

    def _recent_touched(self, dated: dict[str, set[dt.date]], undated: set[str]) -> bool:
        """Whether changed activities may change the recent entries: not when every changed
        day is older than the days they were read from (perf, issue 7: loading an older week
        in the background left the tray menu to read them again, ~20 ms with a busy account)."""
        if "activities" in undated:
            return True
        dates = dated.get("activities")
        if not dates:
            return False
        return self._recent_since is None or max(dates) >= self._recent_since

    def recent_entries(self, limit: int = RECENT_MENU_SIZE) -> list[EntryView]:
        """The latest distinct (project, task, description) entries, most recent first."""
        if self._recent is None or (len(self._recent) < limit and not self._recent_complete):
            self._recent, self._recent_complete, self._recent_since = self._find_recent(
                max(limit, RECENT_PICKER_SIZE * 3)
            )
        return self._recent[:limit]

    def _find_recent(self, wanted: int) -> tuple[list[EntryView], bool, dt.date]:
        """perf (issue 7): read back from today in growing chunks (1, 1, 2, 4, ... days) until
        `wanted` distinct entries are found: a busy person's last working day has them (and
        the timesheet has just decoded today's), 30 days are thousands of entries. Returns them
        whether all RECENT_DAYS were read, and the earliest day read."""
        today = self.today()
        first = today - dt.timedelta(days=RECENT_DAYS)
        seen: set[tuple[int, int, str]] = set()
        recent: list[EntryView] = []
        end = today
        chunk_days = 1
        while end >= first and len(recent) < wanted:
            start = max(first, end - dt.timedelta(days=chunk_days - 1))
            views = entries_between(self.workspace, start, end)
            views.sort(key=_recency, reverse=True)  # by date first: chunks stay in order
            for view in views:
                key = _booking_key(view)
                if key not in seen:
                    seen.add(key)
                    recent.append(view)
            chunk_days = min(RECENT_CHUNK_DAYS_MAX, (today - start).days + 1)
            end = start - dt.timedelta(days=1)
        return recent, end < first, end + dt.timedelta(days=1)

    def picker_index(self) -> PickerIndex:
        """The picker over every bookable pair; today's planned ones first, then recent ones."""
        if self._picker_index is None:
            # Imported on first use: rapidfuzz is not needed until a picker opens.
            from moco_desktop.services.picker_search import PickerIndex

            recent_pairs: list[tuple[int, int]] = []
            for view in self.recent_entries(limit=RECENT_PICKER_SIZE * 3):
                pair = (view.activity.project.id, view.activity.task.id)
                if pair not in recent_pairs:
                    recent_pairs.append(pair)
            today = self.today()
            planned = [
                (entry.project.id, entry.task.id if entry.task else None)
                for entry in self.workspace.planning_entries(today, today)
                if entry.project is not None
            ]
            self._picker_index = PickerIndex(
                self.workspace.projects(),
                recent=recent_pairs[:RECENT_PICKER_SIZE],
                planned=planned,
                planned_first=True,  # today's plan leads: that is what the day is for
            )
        return self._picker_index

    def picker_closed(self) -> None:
        """A picker window closed: let go of the index over every pair and its searches, and
        hand the freed memory back (perf, issue 7: a tray app runs all day; opening the picker
        again builds the index in ~20-30 ms)."""
        from moco_desktop.services.picker_search import forget_catalogues

        self._picker_index = None
        forget_catalogues()
        return_free_memory_in_background()

    # --- writes (each returns the coroutine; the caller runs it with an OperationRunner) ------

    async def continue_recent(self, view: EntryView) -> ChangeResult:
        """One click on a recent entry: continue today's entry of the same booking, else
        start a new one for today with its project, task and description."""
        today = self.today()
        key = _booking_key(view)
        same_today = next(
            (e for e in self.day(today).entries if _booking_key(e) == key and not e.parked),
            None,
        )
        await self.stop_before_switch()
        return await self.workspace.continue_timer((same_today or view).id)

    async def toggle_timer(self, view: EntryView) -> ChangeResult | None:
        if view.is_running:
            return await self.stop_timer()
        await self.stop_before_switch()
        return await self.workspace.continue_timer(view.id)

    async def start_timer(
        self,
        project_id: int,
        task_id: int,
        description: str = "",
        *,
        billable: bool | None = None,
        tag: str = "",
    ) -> ChangeResult:
        """A new timer today (the running one stops first, rounded if rounding is on)."""
        await self.stop_before_switch()
        return await self.workspace.start_timer(
            project_id, task_id, description, billable=billable, tag=tag
        )

    async def stop_timer(self) -> ChangeResult | None:
        """Stop the running timer; with rounding on, its time is rounded as Settings say."""
        rounding = self.rounding
        if rounding is None or not rounding.enabled:
            return await self.workspace.stop_timer()
        from moco_desktop.services.quick_entry import stop_timer_rounded

        stopped = await stop_timer_rounded(self.workspace, rounding, clock=self.workspace.now)
        if stopped is None:
            return None
        return ChangeResult(stopped.entry_id, reached_moco=stopped.reached_moco)

    async def stop_before_switch(self) -> None:
        """Starting another timer stops the running one in MOCO; with rounding on, stop it
        here first so its time is rounded like any other stop."""
        rounding = self.rounding
        if rounding is not None and rounding.enabled and self.workspace.running_timer():
            await self.stop_timer()

    async def refresh(self, dates: list[dt.date] | None = None, *, full: bool = False) -> None:
        """Fetch from MOCO now (the shown week, or `dates`); errors end up in the banner."""
        report = await self.workspace.refresh(dates, full=full)
        if not report.ok and report.error:
            logger.info("refresh failed: %s", report.error)
            if self.workspace.reachable and not self._closed:
                # Offline has its own banner; anything else (a 403, a 500) is said once.
                self.refreshFailed.emit(report.error)

    def load_week(self, date: dt.date) -> asyncio.Task[None] | None:
        """A week is shown for the first time in this session: fetch it from MOCO now."""
        monday = date - dt.timedelta(days=date.weekday())
        if monday in self._loaded_weeks or self._closed:
            return None
        self._loaded_weeks.add(monday)
        task = self._background(self.refresh([date]))
        # A busy week is a dozen pages of JSON: hand their freed pages back afterwards.
        task.add_done_callback(self._week_loaded)
        return task

    def _week_loaded(self, _task: asyncio.Task[None]) -> None:
        if not self._closed:
            self._trim_timer.start()

    def refresh_on_focus(self) -> asyncio.Task[None] | None:
        """A window came to the front: refresh soon, at most every 15 s."""
        now = self.now()
        last = self._last_focus_refresh
        if last is not None and now - last < dt.timedelta(seconds=15):
            return None
        self._last_focus_refresh = now
        return self._background(self.refresh())

    def _background(self, work: Coroutine[object, object, None]) -> asyncio.Task[None]:
        """A refresh of its own; cancelled when the session closes (switching accounts or
        whom one acts for must not leave a request running on a closed client)."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def sync_now(self, shown: dt.date | None = None) -> None:
        """Send what is pending and refresh the visible weeks (the Refresh button): the week
        of `shown` (the day on screen) completely and first, the others incrementally, then
        the projects and other reference data."""
        report = await self.workspace.sync(full=True, shown=shown)
        refreshed = report.refresh
        failed = refreshed is not None and not refreshed.ok and refreshed.error
        if failed and refreshed is not None and self.workspace.reachable and not self._closed:
            self.refreshFailed.emit(refreshed.error or "")


def _running_key(view: EntryView | None) -> tuple[int, object, int] | None:
    if view is None:
        return None
    return (view.id, view.activity.timer_started_at, view.activity.seconds)


def _booking_key(view: EntryView) -> tuple[int, int, str]:
    activity = view.activity
    return (activity.project.id, activity.task.id, activity.description.strip())


def _recency(view: EntryView) -> tuple[dt.date, dt.datetime, int]:
    activity = view.activity
    stamp = activity.timer_started_at or activity.updated_at or activity.created_at
    return (activity.date, stamp or dt.datetime.min.replace(tzinfo=dt.UTC), activity.id)
