"""One person's offline-first view of MOCO: one account acting as one user.

A `Workspace` owns the identity's cache and outbox and an API client that acts for exactly that
user. Reads are instant, from the cache with the pending changes laid over it. Writes are stored
locally first (and announced at once through the `ChangeHub`), then sent to MOCO in order when it
is reachable; each returns a `ChangeResult` saying whether the change already reached MOCO or is
saved locally only. `sync()` pushes what is pending and refreshes the visible weeks;
`SyncEngine` (services.sync) does the same in the background with backoff.

The modules next to this one hold the details: `timesheet` (activities, day and week views),
`timer` (start, stop, continue), `presences` (clock in/out) and `sync` (sending, refreshing).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import field
from typing import Any, Protocol

from moco_desktop.api.client import MocoClient
from moco_desktop.api.ratelimit import RateLimitWait as ApiRateLimitWait
from moco_desktop.core.entities import (
    AssignedProject,
    Employment,
    PerformanceReport,
    PlanningEntry,
    Profile,
    Schedule,
    User,
)
from moco_desktop.core.records import mutable_record, record
from moco_desktop.core.timemath import monday_of
from moco_desktop.services import presences as presence_ops
from moco_desktop.services import sync as sync_ops
from moco_desktop.services import timer as timer_ops
from moco_desktop.services import timesheet as timesheet_ops
from moco_desktop.services.events import (
    ChangeHub,
    DataChanged,
    DataKind,
    Notice,
    NoticeLevel,
    PendingChanged,
    RateLimitWait,
    ReachabilityChanged,
)
from moco_desktop.services.presences import PresenceView
from moco_desktop.services.sync import (
    IdentityMismatchError,
    PendingChange,
    PushReport,
    RefreshReport,
    SyncReport,
    WorkspaceError,
)
from moco_desktop.services.timesheet import DayView, EntryView, WeekView
from moco_desktop.storage.cache import CacheStore
from moco_desktop.storage.database import Database
from moco_desktop.storage.outbox import Outbox

logger = logging.getLogger("moco_desktop.services")


VISIBLE_WEEKS_KEPT = 4
"""How many recently shown weeks `sync()` keeps refreshing (besides the current one)."""


class Clock(Protocol):
    """Anything that tells the time as a timezone-aware datetime (tests inject a fake)."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@record
class Identity:
    """Who a workspace is: the account (key owner `user_id`) and the user it acts for."""

    account_key: str
    user_id: int
    acting_user_id: int

    @property
    def impersonating(self) -> bool:
        return self.acting_user_id != self.user_id


@record
class SyncSettings:
    """How patient and how thorough syncing is (tests shrink the delays)."""

    send_timeout: float = 15.0
    """How long a write waits for MOCO before answering "saved locally only"."""
    full_reconcile_after: dt.timedelta = dt.timedelta(minutes=10)
    """Refetch a visible range completely (catching deletions elsewhere) this often."""
    reference_max_age: dt.timedelta = dt.timedelta(hours=1)
    """Refresh profile, projects, employments, ... when older than this."""
    settle_after_lost: dt.timedelta = dt.timedelta(seconds=45)
    """After a lost answer, wait this long (MOCO may still be working on it) before looking
    whether the change arrived and sending it again if not."""
    match_skew: dt.timedelta = dt.timedelta(minutes=5)
    """Tolerated clock difference between this computer and MOCO when adopting entries."""
    park_after_server_errors: int = 8
    """A change MOCO answers with a server error this many times in a row is parked."""
    forgotten_timer_days: int = 14
    """How far back to look for a timer left running (on another device or day)."""
    lease_ttl: dt.timedelta = dt.timedelta(seconds=90)
    """How long a process may hold the send lease without renewing it."""


@record
class ChangeResult:
    """What became of a change: `reached_moco` True if MOCO confirmed it already; else it is
    saved locally and will be sent later (`parked_message` set if MOCO rejected it)."""

    entity_id: int
    change_ids: tuple[int, ...] = ()
    reached_moco: bool = True
    parked_message: str | None = None
    dropped: bool = False
    """The change was dropped while sending (deleted elsewhere, or a newer edit in MOCO won)."""

    @property
    def saved_locally_only(self) -> bool:
        return not self.reached_moco


@mutable_record
class _Outcomes:
    """What happened to changes sent in this session (the outbox forgets finished ones)."""

    sent: set[int] = field(default_factory=set)
    dropped: set[int] = field(default_factory=set)
    aliases: dict[int, int] = field(default_factory=dict)


class Workspace:
    """An account acting as one user: cached reads, outbox-backed writes, sync."""

    def __init__(
        self,
        client: MocoClient,
        database: Database,
        identity: Identity,
        *,
        clock: Clock | None = None,
        tz: dt.tzinfo | None = None,
        hub: ChangeHub | None = None,
        settings: SyncSettings | None = None,
    ) -> None:
        self.hub = hub or ChangeHub()
        wanted_impersonation = identity.acting_user_id if identity.impersonating else None
        # This workspace's own sibling client: it acts for exactly this identity, and its
        # rate-limit waits reach the hub (for the GUI's "waiting for MOCO" message).
        self.client = client.acting_as(
            wanted_impersonation, on_event=client_event_forwarder(self.hub)
        )
        self.database = database
        self.identity = identity
        self.cache = CacheStore(database, identity.account_key, identity.acting_user_id)
        self.outbox = Outbox(database, identity.account_key, identity.acting_user_id)
        self.clock: Clock = clock or SystemClock()
        self.tz = tz
        self.settings = settings or SyncSettings()
        self.lease_owner = f"{os.getpid()}:{os.urandom(6).hex()}"
        self._reachable: bool | None = None
        self._announced_reachable = True  # what observers were told (no banner at first)
        self.attempt_steps = 0
        """Changing requests begun while sending the current change (services.sync)."""
        self.server_errors: dict[int, int] = {}
        """Server errors in a row per change, this session (parked after too many)."""
        self._identity_verified = False
        self._halted_message: str | None = None
        self._visible_weeks: list[dt.date] = []  # Mondays, most recently shown last
        self._outcomes = _Outcomes()
        self._push_lock: asyncio.Lock | None = None
        self._push_task: asyncio.Task[PushReport] | None = None
        self._wakers: list[Callable[[], None]] = []
        self._refreshed_running = False
        self._closed = False

    @classmethod
    def open(
        cls,
        client: MocoClient,
        database: Database,
        account_key: str,
        user_id: int,
        acting_user_id: int | None = None,
        *,
        clock: Clock | None = None,
        tz: dt.tzinfo | None = None,
        hub: ChangeHub | None = None,
        settings: SyncSettings | None = None,
    ) -> Workspace:
        """The workspace of `account_key` (whose key belongs to `user_id`) acting for
        `acting_user_id` (default: the key's own user). Shows the last known state at once;
        call `refresh()` or `sync()` (or start a `SyncEngine`) to talk to MOCO."""
        identity = Identity(
            account_key, user_id, user_id if acting_user_id is None else acting_user_id
        )
        return cls(client, database, identity, clock=clock, tz=tz, hub=hub, settings=settings)

    async def close(self) -> None:
        """Stop background sending (what is pending stays in the outbox for next time)."""
        self._closed = True
        task = self._push_task
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                logger.debug("push task ended while closing", exc_info=True)
        sync_ops.release_lease(self)

    @property
    def closed(self) -> bool:
        """Whether `close` was called: work still in flight writes nothing more."""
        return self._closed

    # --- time ---------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The current instant (timezone-aware) from the injected clock."""
        moment = self.clock.now()
        if moment.tzinfo is None:
            raise ValueError("the clock must return timezone-aware datetimes")
        return moment

    def local_now(self) -> dt.datetime:
        """Wall-clock time where the person is (presence times, "today")."""
        return self.now().astimezone(self.tz) if self.tz else self.now().astimezone()

    def today(self) -> dt.date:
        return self.local_now().date()

    # --- reachability -------------------------------------------------------------------------

    @property
    def reachable(self) -> bool:
        """False once MOCO could not be reached, until a request succeeds again."""
        return self._reachable is not False

    @property
    def reachability_known(self) -> bool:
        return self._reachable is not None

    def set_reachable(self, reachable: bool) -> None:
        self._reachable = reachable
        if reachable != self._announced_reachable:
            self._announced_reachable = reachable
            self.hub.emit(ReachabilityChanged(reachable))

    async def check_reachability(self) -> bool:
        """Ask MOCO cheaply (`GET /session`) whether it is reachable and the key still ours."""
        return await sync_ops.probe(self)

    def notify_network_changed(self) -> None:
        """The system says the network changed: look again soon, reset the backoff."""
        self._reachable = None
        self._wake()

    def notify_resumed(self) -> None:
        """The computer woke up: time has jumped; recheck MOCO, the timer and the data."""
        self._reachable = None
        self._refreshed_running = False
        self._wake()

    def add_waker(self, waker: Callable[[], None]) -> Callable[[], None]:
        """Called (by `SyncEngine`) whenever there is new work; returns a remover."""
        self._wakers.append(waker)
        return lambda: self._wakers.remove(waker) if waker in self._wakers else None

    def _wake(self) -> None:
        for waker in list(self._wakers):
            waker()

    @property
    def halted_message(self) -> str | None:
        """Why sending stopped for good (a rejected key, a different user), if it did."""
        return self._halted_message

    # --- reads --------------------------------------------------------------------------------

    def profile(self) -> Profile | None:
        return self.cache.document("profile", Profile)

    def projects(self) -> tuple[AssignedProject, ...]:
        """The projects (with tasks) the acted-for user may book on, as last fetched."""
        return self.cache.document_list("projects", AssignedProject) or ()

    def has_projects(self) -> bool:
        """Whether any project was fetched yet, without decoding them (cheap at start-up)."""
        return self.cache.has_document("projects")

    def project(self, project_id: int) -> AssignedProject | None:
        return next((p for p in self.projects() if p.id == project_id), None)

    def employments(self) -> tuple[Employment, ...]:
        return self.cache.document_list("employments", Employment) or ()

    def users(self) -> tuple[User, ...] | None:
        """Colleagues (staff only); None if never fetched or not allowed."""
        return self.cache.document_list("users", User)

    def performance_report(self, year: int | None = None) -> PerformanceReport | None:
        key = str(year or self.today().year)
        return self.cache.document("performance", PerformanceReport, key)

    def schedules(self, date_from: dt.date, date_to: dt.date) -> tuple[Schedule, ...]:
        return tuple(s for s in sync_ops.cached_schedules(self) if date_from <= s.date <= date_to)

    def planning_entries(self, date_from: dt.date, date_to: dt.date) -> tuple[PlanningEntry, ...]:
        return tuple(
            p
            for p in sync_ops.cached_planning(self)
            if p.starts_on <= date_to and date_from <= p.ends_on
        )

    def day(self, date: dt.date) -> DayView:
        """One day as it stands now: entries (with pending flags), presences, totals."""
        self._show_week(date)
        return timesheet_ops.day_view(self, date)

    def week(self, date: dt.date) -> WeekView:
        """The ISO week containing `date`."""
        self._show_week(date)
        return timesheet_ops.week_view(self, date)

    def week_with_day(self, date: dt.date) -> tuple[WeekView, DayView]:
        """`week(date)` and `day(date)`, reading what both need once (the timesheet's view)."""
        self._show_week(date)
        week, day = timesheet_ops.week_with_day(self, date)
        assert day is not None
        return week, day

    def entry(self, activity_id: int) -> EntryView | None:
        """One activity as shown (pending changes applied), by local or MOCO id."""
        return timesheet_ops.entry_view(self, activity_id)

    def presence(self, presence_id: int) -> PresenceView | None:
        return presence_ops.presence_view(self, presence_id)

    def running_timer(self) -> EntryView | None:
        """The entry whose timer runs (on any day), as far as this computer knows."""
        return timer_ops.running_entry(self)

    def pending_changes(self) -> list[PendingChange]:
        """Every change not in MOCO yet, in the order they were made (parked ones included)."""
        return sync_ops.pending_changes(self)

    def parked_changes(self) -> list[PendingChange]:
        """Changes MOCO rejected, with its message, waiting to be fixed or discarded."""
        return [change for change in self.pending_changes() if change.parked]

    @property
    def pending_count(self) -> int:
        return self.outbox.count()

    @property
    def visible_weeks(self) -> tuple[dt.date, ...]:
        """Mondays of the weeks shown recently (the last few, and always the current one)."""
        return tuple(sorted({*self._visible_weeks, monday_of(self.today())}))

    def _show_week(self, date: dt.date) -> None:
        monday = monday_of(date)
        if monday in self._visible_weeks:
            self._visible_weeks.remove(monday)
        self._visible_weeks.append(monday)
        del self._visible_weeks[:-VISIBLE_WEEKS_KEPT]

    # --- writes: activities -------------------------------------------------------------------

    async def log_activity(
        self,
        date: dt.date,
        project_id: int,
        task_id: int,
        seconds: int,
        description: str = "",
        billable: bool | None = None,
        *,
        tag: str = "",
        wait: bool = True,
    ) -> ChangeResult:
        """Book `seconds` on a day (a new entry)."""
        entity_id, changes = timesheet_ops.enqueue_log(
            self, date, project_id, task_id, seconds, description, billable, tag
        )
        self.announce_local_change(("activities",), [date])
        return await self.deliver(entity_id, changes, wait=wait)

    async def update_activity(
        self, activity_id: int, *, wait: bool = True, **changes: Any
    ) -> ChangeResult:
        """Change fields of an entry: date, project_id, task_id, seconds, description,
        billable, tag."""
        entity_id, ids, dates = timesheet_ops.enqueue_update(self, activity_id, changes)
        self.announce_local_change(("activities",), dates)
        return await self.deliver(entity_id, ids, wait=wait)

    async def delete_activity(self, activity_id: int, *, wait: bool = True) -> ChangeResult:
        entity_id, ids, dates = timesheet_ops.enqueue_delete(self, activity_id)
        self.announce_local_change(("activities",), dates)
        return await self.deliver(entity_id, ids, wait=wait)

    async def start_timer(
        self,
        project_id: int,
        task_id: int,
        description: str = "",
        *,
        billable: bool | None = None,
        tag: str = "",
        wait: bool = True,
    ) -> ChangeResult:
        """Start a timer on a new entry today (stopping the one that runs)."""
        entity_id, ids = timer_ops.enqueue_start(
            self, project_id, task_id, description, billable, tag
        )
        self.announce_local_change(("activities", "presences"), [self.today()])
        return await self.deliver(entity_id, ids, wait=wait)

    async def continue_timer(self, activity_id: int, *, wait: bool = True) -> ChangeResult:
        """Continue an entry of today; for an entry of another day, start a new entry today
        with the same project, task and description."""
        entity_id, ids = timer_ops.enqueue_continue(self, activity_id)
        self.announce_local_change(("activities", "presences"), [self.today()])
        return await self.deliver(entity_id, ids, wait=wait)

    async def stop_timer(self, *, wait: bool = True) -> ChangeResult | None:
        """Stop the running timer; None if none runs."""
        stopped = timer_ops.enqueue_stop_running(self)
        if stopped is None:
            return None
        entity_id, ids, date = stopped
        self.announce_local_change(("activities",), [date])
        return await self.deliver(entity_id, ids, wait=wait)

    # --- writes: presences --------------------------------------------------------------------

    async def clock_in(self, home_office: bool = False, *, wait: bool = True) -> ChangeResult:
        """Open a presence today from now (HH:MM)."""
        entity_id, ids = presence_ops.enqueue_clock_in(self, home_office)
        self.announce_local_change(("presences",), [self.today()])
        return await self.deliver(entity_id, ids, wait=wait)

    async def clock_out(self, *, wait: bool = True) -> ChangeResult:
        """Close today's open presence at now (HH:MM)."""
        entity_id, ids = presence_ops.enqueue_clock_out(self)
        self.announce_local_change(("presences",), [self.today()])
        return await self.deliver(entity_id, ids, wait=wait)

    async def update_presence(
        self,
        presence_id: int,
        *,
        from_time: dt.time | str | None = None,
        to_time: dt.time | str | None = None,
        reopen: bool = False,
        wait: bool = True,
    ) -> ChangeResult:
        """Change a presence's start and/or end (`reopen=True` clears the end)."""
        entity_id, ids, dates = presence_ops.enqueue_update(
            self, presence_id, from_time=from_time, to_time=to_time, reopen=reopen
        )
        self.announce_local_change(("presences",), dates)
        return await self.deliver(entity_id, ids, wait=wait)

    async def delete_presence(self, presence_id: int, *, wait: bool = True) -> ChangeResult:
        entity_id, ids, dates = presence_ops.enqueue_delete(self, presence_id)
        self.announce_local_change(("presences",), dates)
        return await self.deliver(entity_id, ids, wait=wait)

    async def set_home_office(
        self, date: dt.date, home_office: bool, *, wait: bool = True
    ) -> ChangeResult:
        """Mark the day as home office (MOCO applies it to all the day's presences)."""
        entity_id, ids = presence_ops.enqueue_home_office(self, date, home_office)
        self.announce_local_change(("presences",), [date])
        return await self.deliver(entity_id, ids, wait=wait)

    # --- parked changes -----------------------------------------------------------------------

    async def discard_parked(self, change_id: int) -> None:
        """Give up a change MOCO rejected (and the changes that depend on it)."""
        kinds, dates = sync_ops.discard_parked(self, change_id)
        self.announce_local_change(kinds, dates)

    async def retry_parked(
        self, change_id: int, *, wait: bool = True, **fixes: Any
    ) -> ChangeResult:
        """Send a rejected change again, with fixes (same names as the write methods)."""
        entity_id, kinds, dates = sync_ops.retry_parked(self, change_id, fixes)
        self.announce_local_change(kinds, dates)
        return await self.deliver(entity_id, (change_id,), wait=wait)

    # --- talking to MOCO ----------------------------------------------------------------------

    async def refresh(
        self,
        dates: Iterable[dt.date] | None = None,
        *,
        full: bool = False,
        shown: dt.date | None = None,
    ) -> RefreshReport:
        """Fetch what changed in MOCO for the weeks of `dates` (default: the visible weeks);
        `full` refetches everything (catches deletions made elsewhere); with `shown`, only
        that day's week completely and first (see `sync.refresh`)."""
        return await sync_ops.refresh(self, dates, full=full, shown=shown)

    async def push(self) -> PushReport:
        """Send pending changes in order until done, offline or blocked (one at a time)."""
        return await self._run_push()

    async def sync(self, *, full: bool = False, shown: dt.date | None = None) -> SyncReport:
        """Push pending changes, then refresh the visible weeks. Running it twice sends
        nothing twice."""
        return await sync_ops.sync(self, full=full, shown=shown)

    async def deliver(
        self, entity_id: int, change_ids: Iterable[int], *, wait: bool = True
    ) -> ChangeResult:
        """After a local write: try to send it now (if MOCO may be reachable) and report."""
        ids = tuple(change_ids)
        if ids:
            self._wake()
            if wait and self._reachable is not False and self._halted_message is None:
                task = self._ensure_push_task()
                await asyncio.wait({task}, timeout=self.settings.send_timeout)
        return self.result_for(entity_id, ids)

    def result_for(self, entity_id: int, change_ids: tuple[int, ...]) -> ChangeResult:
        # Local ids are unique across kinds, so whichever map knows the id is the right one.
        resolved_entity = self.cache.resolve_id("activity", entity_id)
        if resolved_entity == entity_id:
            resolved_entity = self.cache.resolve_id("presence", entity_id)
        parked_message: str | None = None
        reached = True
        dropped = False
        for change_id in change_ids:
            entry = self.outbox.get(change_id)
            if entry is not None:
                reached = False
                if entry.is_parked:
                    parked_message = entry.parked_message
            elif change_id in self._outcomes.dropped:
                dropped = True
        return ChangeResult(resolved_entity, change_ids, reached, parked_message, dropped)

    def _ensure_push_task(self) -> asyncio.Task[PushReport]:
        task = self._push_task
        if task is None or task.done():
            task = asyncio.ensure_future(self._run_push())
            task.add_done_callback(_log_failure)
            self._push_task = task
        return task

    async def _run_push(self) -> PushReport:
        if self._push_lock is None:
            self._push_lock = asyncio.Lock()
        async with self._push_lock:
            return await sync_ops.push(self)

    # --- bookkeeping used by the operation modules --------------------------------------------

    def announce_local_change(self, kinds: Iterable[DataKind], dates: Iterable[dt.date]) -> None:
        day_set = frozenset(dates)
        for kind in kinds:
            self.hub.emit(DataChanged(kind, day_set))
        self.announce_pending()

    def announce_pending(self) -> None:
        parked = len(self.outbox.parked())
        self.hub.emit(PendingChanged(self.outbox.count(), parked))

    def notice(
        self,
        level: NoticeLevel,
        key: str,
        change_id: int | None = None,
        **params: object,
    ) -> None:
        self.hub.emit(Notice(level, key, dict(params), change_id))

    def record_sent(self, change_id: int) -> None:
        self._outcomes.sent.add(change_id)

    def record_dropped(self, change_id: int) -> None:
        self._outcomes.dropped.add(change_id)

    @property
    def sent_ids(self) -> frozenset[int]:
        """Changes MOCO confirmed in this session."""
        return frozenset(self._outcomes.sent)

    def halt(self, message: str) -> None:
        """Stop sending for this session (the changes stay in the outbox)."""
        self._halted_message = message

    def mark_identity_verified(self) -> None:
        self._identity_verified = True

    def adopt_login_check(self, profile: Profile) -> None:
        """MOCO confirmed the key a moment ago (login: `GET /session`, `GET /profile`): take
        that as this session's identity check and profile instead of asking again."""
        if self.identity.impersonating or profile.id != self.identity.user_id:
            return
        self.cache.put_document("profile", profile, self.now())
        self.mark_identity_verified()

    @property
    def identity_verified(self) -> bool:
        return self._identity_verified

    @property
    def running_refreshed(self) -> bool:
        return self._refreshed_running

    def mark_running_refreshed(self) -> None:
        self._refreshed_running = True


def _log_failure(task: asyncio.Task[PushReport]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("sending pending changes failed", exc_info=task.exception())


def client_event_forwarder(hub: ChangeHub) -> Callable[[object], None]:
    """An `on_event` for `MocoClient` that turns its rate-limit waits into hub events.

    Every `Workspace` attaches one to its own client; use this for other clients."""

    def forward(event: object) -> None:
        if isinstance(event, ApiRateLimitWait):
            hub.emit(RateLimitWait(event.seconds))

    return forward


__all__ = [
    "ChangeResult",
    "Clock",
    "DayView",
    "EntryView",
    "Identity",
    "IdentityMismatchError",
    "PendingChange",
    "PresenceView",
    "PushReport",
    "RefreshReport",
    "SyncReport",
    "SyncSettings",
    "SystemClock",
    "WeekView",
    "Workspace",
    "WorkspaceError",
    "client_event_forwarder",
]
