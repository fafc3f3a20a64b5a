"""Time away from the computer while a timer runs: noticing it, asking, and booking the answer.

`IdleWatch.tick()` is called by the GUI's timer every few seconds (tests call it with a fake
clock; nothing here sleeps or starts threads). Each tick reads the power events (sleep, resume,
lock, unlock: see `system.power`) and the idle source (`system.idle`). The person is away from
the earliest of: the start of an idle stretch of at least the configured minutes, a sleep, a
lock. They are back when input comes again (and the screen is unlocked and the machine awake).
If they were away at least the configured minutes while a timer ran, subscribers get an
`IdlePrompt`; a new absence before it is answered extends it.

The GUI answers with `resolve(prompt, choice, booking)`:

- KEEP: the timer keeps the time away;
- DISCARD: the timer stops at the moment the absence began (its seconds are set to what was
  tracked until then);
- DISCARD_AND_CONTINUE: the time away is taken out and the timer keeps running;
- BOOK_AS_NEW: the time away is taken out of the timer and booked as new entries (one per day)
  on the `IdleBooking`'s project and task; the timer continues unless the booking says not to.

The writes go through the offline-first Workspace (`TimerWorkspace` is the part used here), so
they are shown at once and reach MOCO now or when it is reachable again.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from moco_desktop.core.duration import format_duration
from moco_desktop.core.entities import Activity
from moco_desktop.core.errors import CatalogueError
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.records import record
from moco_desktop.core.timemath import format_clock_time
from moco_desktop.system.idle import IdleSource, UnavailableIdleSource
from moco_desktop.system.power import PowerEvent, PowerEvents

logger = logging.getLogger("moco_desktop.services.idle_watch")

MESSAGES = register(
    {
        "idle_watch.prompt.title": {
            "en": "Welcome back",
            "de": "Willkommen zurück",
        },
        "idle_watch.prompt.message": {
            "en": "You were away from {start} to {end} ({duration}) while the timer on "
            "{project} / {task} was running. What should happen with that time?",
            "de": "Du warst von {start} bis {end} ({duration}) weg, während der Timer auf "
            "{project} / {task} lief. Was soll mit dieser Zeit geschehen?",
        },
        "idle_watch.choice.keep": {
            "en": "Keep the time",
            "de": "Zeit behalten",
        },
        "idle_watch.choice.discard": {
            "en": "Discard the time and stop",
            "de": "Zeit verwerfen und stoppen",
        },
        "idle_watch.choice.discard_and_continue": {
            "en": "Discard the time and continue",
            "de": "Zeit verwerfen und weiterlaufen lassen",
        },
        "idle_watch.choice.book_as_new": {
            "en": "Book the time as a new entry…",
            "de": "Zeit als neuen Eintrag buchen…",
        },
        "idle_watch.timer_changed": {
            "en": "The timer was stopped or changed in the meantime; the time away was left "
            "as it is.",
            "de": "Der Timer wurde inzwischen gestoppt oder geändert; die Abwesenheit wurde "
            "nicht verändert.",
        },
        "idle_watch.booking_needed": {
            "en": "Choose a project and a task for the time away.",
            "de": "Bitte Projekt und Leistung für die Abwesenheit wählen.",
        },
        "idle_watch.threshold_invalid": {
            "en": "The idle time must be between 1 and 480 minutes.",
            "de": "Die Leerlaufzeit muss zwischen 1 und 480 Minuten liegen.",
        },
    }
)

MIN_THRESHOLD_MINUTES = 1
MAX_THRESHOLD_MINUTES = 480


# ---------------------------------------------------------------------------------------------
# What the watch needs from the Workspace (services.workspace.Workspace satisfies it)


class ChangeOutcome(Protocol):
    """What a Workspace write reports (services.workspace.ChangeResult)."""

    @property
    def entity_id(self) -> int: ...

    @property
    def reached_moco(self) -> bool: ...


class ShownEntry(Protocol):
    """An entry as the Workspace shows it (services.timesheet.EntryView)."""

    @property
    def activity(self) -> Activity: ...


class TimerWorkspace(Protocol):
    """The timer and booking operations of the offline-first Workspace."""

    def running_timer(self) -> ShownEntry | None: ...

    async def stop_timer(self, *, wait: bool = True) -> ChangeOutcome | None: ...

    async def update_activity(
        self, activity_id: int, *, wait: bool = True, **changes: Any
    ) -> ChangeOutcome: ...

    async def continue_timer(self, activity_id: int, *, wait: bool = True) -> ChangeOutcome: ...

    async def start_timer(
        self,
        project_id: int,
        task_id: int,
        description: str = "",
        *,
        billable: bool | None = None,
        tag: str = "",
        wait: bool = True,
    ) -> ChangeOutcome: ...

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
    ) -> ChangeOutcome: ...


class TimerChangedError(CatalogueError):
    """The timer an answer refers to no longer runs (stopped or switched elsewhere)."""


class IdleSettingsError(CatalogueError, ValueError):
    """Idle settings out of range."""


def local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


# ---------------------------------------------------------------------------------------------
# Settings, prompt, answer


@record
class IdleSettings:
    """Whether to ask about time away, and from how many minutes on."""

    enabled: bool = True
    threshold_minutes: int = 10

    def __post_init__(self) -> None:
        if not MIN_THRESHOLD_MINUTES <= self.threshold_minutes <= MAX_THRESHOLD_MINUTES:
            raise IdleSettingsError("idle_watch.threshold_invalid")

    @property
    def threshold_seconds(self) -> int:
        return self.threshold_minutes * 60

    def to_json(self) -> dict[str, object]:
        return {"enabled": self.enabled, "threshold_minutes": self.threshold_minutes}

    @classmethod
    def from_json(cls, data: Mapping[str, object] | None) -> IdleSettings:
        """From the settings file; missing or invalid values fall back to the defaults."""
        if not isinstance(data, Mapping):
            return cls()
        default = cls()
        enabled = data.get("enabled")
        minutes = data.get("threshold_minutes")
        try:
            return cls(
                enabled=enabled if isinstance(enabled, bool) else default.enabled,
                threshold_minutes=(
                    minutes
                    if isinstance(minutes, int) and not isinstance(minutes, bool)
                    else default.threshold_minutes
                ),
            )
        except IdleSettingsError:
            return default


class IdleChoice(enum.Enum):
    KEEP = "keep"
    DISCARD = "discard"
    DISCARD_AND_CONTINUE = "discard_and_continue"
    BOOK_AS_NEW = "book_as_new"

    @property
    def label(self) -> str:
        return tr(f"idle_watch.choice.{self.value}")


@record
class IdlePrompt:
    """Ask the person what to do with `idle_seconds` away from `idle_started_at` (aware,
    local) while the timer on `activity` ran."""

    idle_started_at: dt.datetime
    idle_seconds: int
    activity: Activity

    @property
    def returned_at(self) -> dt.datetime:
        return self.idle_started_at + dt.timedelta(seconds=self.idle_seconds)

    @property
    def title(self) -> str:
        return tr("idle_watch.prompt.title")

    def message_in(self, lang: str | None = None) -> str:
        return tr(
            "idle_watch.prompt.message",
            lang=lang,
            start=format_clock_time(self.idle_started_at.time()),
            end=format_clock_time(self.returned_at.time()),
            duration=format_duration(self.idle_seconds, "hm", lang),
            project=self.activity.project.name,
            task=self.activity.task.name,
        )

    @property
    def message(self) -> str:
        return self.message_in(None)

    @property
    def choices(self) -> tuple[IdleChoice, ...]:
        return tuple(IdleChoice)


@record
class IdleBooking:
    """Where BOOK_AS_NEW puts the time away."""

    project_id: int
    task_id: int
    description: str = ""
    tag: str = ""
    billable: bool | None = None
    continue_timer: bool = True


@record
class IdleOutcome:
    """What an answer did: the timer's entry (`timer_entry_id`, its `timer_seconds` as set,
    whether it `timer_running` now) and the ids of new entries for the time away."""

    choice: IdleChoice
    timer_entry_id: int
    timer_seconds: int | None
    timer_running: bool
    booked_entry_ids: tuple[int, ...] = ()
    reached_moco: bool = True


@record
class IdleStatus:
    """For Settings: which idle source is used, or why there is none."""

    source_name: str
    available: bool
    reason: str | None
    power_watchers: str


# ---------------------------------------------------------------------------------------------
# The watch


@dataclass
class _Away:
    since: dt.datetime | None = None
    locked: bool = False
    asleep: bool = False
    reasons: set[str] = field(default_factory=set)

    def mark(self, start: dt.datetime, reason: str) -> None:
        self.since = start if self.since is None else min(self.since, start)
        self.reasons.add(reason)

    def clear(self) -> None:
        self.since = None
        self.reasons.clear()


PromptCallback = Callable[[IdlePrompt], None]


class IdleWatch:
    """Notices time away while a timer runs and turns the person's answer into bookings."""

    def __init__(
        self,
        workspace: TimerWorkspace,
        source: IdleSource,
        power: PowerEvents | None = None,
        *,
        settings: IdleSettings | None = None,
        clock: Callable[[], dt.datetime] = local_now,
        on_resume: Callable[[], None] | None = None,
    ) -> None:
        """`on_resume` is called once per tick that saw the computer wake up (e.g. the
        Workspace's `notify_resumed`, a reminder check)."""
        self.workspace = workspace
        self.source = source
        self.power = power
        self.settings = settings or IdleSettings()
        self._clock = clock
        self._on_resume = on_resume
        self._away = _Away()
        self._pending: IdlePrompt | None = None
        self._subscribers: list[PromptCallback] = []

    # --- observing ------------------------------------------------------------------------

    def subscribe(self, callback: PromptCallback) -> Callable[[], None]:
        """`callback(prompt)` whenever a prompt is new or extended; returns an unsubscriber."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    @property
    def pending(self) -> IdlePrompt | None:
        """The prompt waiting for an answer, if any."""
        return self._pending

    @property
    def away_since(self) -> dt.datetime | None:
        return self._away.since

    def status(self) -> IdleStatus:
        reason = self.source.reason if isinstance(self.source, UnavailableIdleSource) else None
        return IdleStatus(
            self.source.name,
            self.source.available,
            reason,
            self.power.name if self.power is not None else "none",
        )

    def update_settings(self, settings: IdleSettings) -> None:
        self.settings = settings
        if not settings.enabled:
            self._away = _Away()

    # --- the tick -------------------------------------------------------------------------

    def tick(self) -> IdlePrompt | None:
        """Look at power events and idle time now; returns (and emits) a new prompt."""
        now = self._clock()
        events = self.power.poll() if self.power is not None else []
        if self._on_resume is not None and any(e.kind == "resume" for e in events):
            try:
                self._on_resume()
            except Exception:
                logger.exception("the resume callback failed")
        if not self.settings.enabled:
            return None
        threshold = self.settings.threshold_seconds
        back_at: dt.datetime | None = None
        for event in events:
            back_at = self._on_power_event(event) or back_at

        idle = self.source.idle_seconds()
        if idle is not None and idle >= threshold:
            self._away.mark(now - dt.timedelta(seconds=idle), "idle")
            return None
        if self._away.since is None or self._away.locked or self._away.asleep:
            return None
        # Input ends the absence; without an idle source, the unlock or resume does.
        returned = now - dt.timedelta(seconds=idle) if idle is not None else (back_at or now)
        since = self._away.since
        self._away.clear()
        if returned <= since:
            return None
        return self._came_back(since, returned, threshold)

    def _on_power_event(self, event: PowerEvent) -> dt.datetime | None:
        """Update the away state; the moment of an unlock/resume that may end it."""
        away = self._away
        if event.kind == "sleep":
            away.asleep = True
            away.mark(event.at, "sleep")
        elif event.kind == "lock":
            away.locked = True
            away.mark(event.at, "lock")
        elif event.kind == "resume":
            away.asleep = False
            away.mark(event.since or event.at, "sleep")
            return event.at
        elif event.kind == "unlock":
            away.locked = False
            if away.since is None:
                return None
            return event.at
        return None

    def _came_back(
        self, since: dt.datetime, returned: dt.datetime, threshold: int
    ) -> IdlePrompt | None:
        running = self.workspace.running_timer()
        activity = running.activity if running is not None else None
        started = activity.timer_started_at if activity is not None else None
        if activity is None or started is None or started >= returned:
            return None
        pending = self._pending
        if pending is not None and pending.activity.id == activity.id:
            since = min(since, pending.idle_started_at)
        start = max(since, started).astimezone(since.tzinfo)  # local, for the message
        seconds = int((returned - start).total_seconds())
        if seconds < threshold:
            return None
        prompt = IdlePrompt(start, seconds, activity)
        self._pending = prompt
        logger.info("away %s s from %s while a timer ran", seconds, start.isoformat())
        for callback in list(self._subscribers):
            try:
                callback(prompt)
            except Exception:
                logger.exception("an idle prompt subscriber failed")
        return prompt

    # --- the answer -----------------------------------------------------------------------

    async def resolve(
        self, prompt: IdlePrompt, choice: IdleChoice, booking: IdleBooking | None = None
    ) -> IdleOutcome:
        """Carry out the person's answer to `prompt` through the Workspace.

        Raises `TimerChangedError` if the prompt's timer no longer runs (nothing is changed),
        `CatalogueError` "idle_watch.booking_needed" for BOOK_AS_NEW without a booking.
        """
        if choice is IdleChoice.BOOK_AS_NEW and booking is None:
            raise CatalogueError("idle_watch.booking_needed")
        if self._pending == prompt:
            self._pending = None
        running = self.workspace.running_timer()
        current = running.activity if running is not None else None
        if choice is IdleChoice.KEEP:
            return IdleOutcome(choice, prompt.activity.id, None, current is not None)
        if current is None or current.id != prompt.activity.id or current.timer_started_at is None:
            raise TimerChangedError("idle_watch.timer_changed")

        now = self._clock()
        idle_start = max(prompt.idle_started_at, current.timer_started_at)
        idle_end = max(prompt.returned_at, idle_start)
        idle_seconds = int((idle_end - idle_start).total_seconds())
        before_idle = current.elapsed_seconds(idle_start)
        without_idle = max(before_idle, current.elapsed_seconds(now) - idle_seconds)
        same_day = current.date == now.date()

        keep_running = choice is IdleChoice.DISCARD_AND_CONTINUE or (
            choice is IdleChoice.BOOK_AS_NEW and booking is not None and booking.continue_timer
        )
        seconds = without_idle if keep_running and same_day else before_idle
        reached = await self._stop_with_seconds(current.id, seconds)

        booked: list[int] = []
        if choice is IdleChoice.BOOK_AS_NEW and booking is not None:
            for day, day_seconds in split_by_day(idle_start, idle_end):
                logged = await self.workspace.log_activity(
                    day,
                    booking.project_id,
                    booking.task_id,
                    day_seconds,
                    booking.description,
                    booking.billable,
                    tag=booking.tag,
                )
                booked.append(logged.entity_id)
                reached = reached and logged.reached_moco
        entry_id = current.id
        if keep_running:
            continued = await self.workspace.continue_timer(current.id)
            entry_id = continued.entity_id
            reached = reached and continued.reached_moco
        return IdleOutcome(choice, entry_id, seconds, keep_running, tuple(booked), reached)

    async def _stop_with_seconds(self, activity_id: int, seconds: int) -> bool:
        return await stop_timer_with_seconds(self.workspace, activity_id, seconds)


async def stop_timer_with_seconds(
    workspace: TimerWorkspace, activity_id: int, seconds: int
) -> bool:
    """Stop the running timer of `activity_id` and set its seconds; True if MOCO has both.

    Raises `TimerChangedError` when that entry's timer is not the one running.
    """
    running = workspace.running_timer()
    if running is None or running.activity.id != activity_id:
        raise TimerChangedError("idle_watch.timer_changed")
    stopped = await workspace.stop_timer()
    if stopped is None:
        raise TimerChangedError("idle_watch.timer_changed")
    updated = await workspace.update_activity(activity_id, seconds=max(0, seconds))
    return stopped.reached_moco and updated.reached_moco


def split_by_day(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.date, int]]:
    """Whole seconds of [start, end) per local calendar day (start's zone), days in order."""
    parts: list[tuple[dt.date, int]] = []
    cursor = start
    while cursor < end:
        midnight = dt.datetime.combine(
            cursor.date() + dt.timedelta(days=1), dt.time(0), tzinfo=cursor.tzinfo
        )
        part_end = min(end, midnight)
        seconds = int((part_end - cursor).total_seconds())
        if seconds > 0:
            parts.append((cursor.date(), seconds))
        cursor = part_end
    return parts
