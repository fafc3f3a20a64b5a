"""Reminders that notice what was forgotten, and stay silent when there is nothing to do.

`ReminderEngine` is pure logic on a fake-able clock: `evaluate(now, day)` looks at one day's
state (`DayState`: entries, presences, the running timer, employments, absences) and returns the
reminders to show now. Kinds:

- NOT_TRACKING: clocked in (an open presence) during working hours and no timer for
  `not_tracking_minutes` -> Start last entry / Pick… / Snooze / Not today;
- GAP: at each checkpoint (lunch, end of day) presence minus booked time above
  `gap_threshold_minutes` -> "1 h 20 min not booked today", Book… (prefilled) / Snooze / Not today;
- LONG_TIMER: a timer running past midnight or longer than `long_timer_hours` -> Stop at…
  (a suggested time) / Snooze / Not today.

Working days and hours: the employment pattern decides which days (and which halves: morning
before `midday`, afternoon after) are worked, unless `work_days` overrides it; the window is
`work_start`–`work_end`. Absences and public holidays (MOCO schedules) silence everything on
their days (half-day absences their half of the window).

Never a burst: at most one reminder per evaluation and at least `min_spacing_minutes` between two;
missed checkpoints collapse into the latest one, so after sleep only the latest relevant reminder
fires. A shown reminder comes back after `repeat_minutes` if still relevant, after
`snooze_minutes` when snoozed, never again that day after Not today.

`ReminderService` binds the engine to the Workspace (state from its cache, actions through it)
for the GUI: `check()` on a timer, `subscribe()` for notifications, and the actions.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from moco_desktop.core.duration import format_duration
from moco_desktop.core.entities import Activity, Employment, Presence, Schedule
from moco_desktop.core.errors import CatalogueError
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.records import record
from moco_desktop.core.timemath import (
    absent_halves,
    day_gap_seconds,
    employment_on,
    format_clock_time,
)
from moco_desktop.services.idle_watch import (
    ChangeOutcome,
    ShownEntry,
    TimerChangedError,
    TimerWorkspace,
    local_now,
    stop_timer_with_seconds,
)

logger = logging.getLogger("moco_desktop.services.reminders")

MESSAGES = register(
    {
        "reminders.not_tracking.title": {
            "en": "No timer running",
            "de": "Kein Timer läuft",
        },
        "reminders.not_tracking.message": {
            "en": "You are clocked in, but nothing has been tracked for {duration}.",
            "de": "Du bist eingestempelt, aber seit {duration} wird nichts erfasst.",
        },
        "reminders.not_tracking.message_unclocked": {
            "en": "Nothing has been tracked for {duration} during working hours.",
            "de": "Seit {duration} wird während der Arbeitszeit nichts erfasst.",
        },
        "reminders.gap.title": {
            "en": "Time not booked",
            "de": "Zeit nicht gebucht",
        },
        "reminders.gap.message": {
            "en": "{duration} not booked today",
            "de": "{duration} heute nicht gebucht",
        },
        "reminders.long_timer.title": {
            "en": "Timer still running",
            "de": "Timer läuft noch",
        },
        "reminders.long_timer.message": {
            "en": "The timer on {project} / {task} has been running since {start} ({duration}).",
            "de": "Der Timer auf {project} / {task} läuft seit {start} Uhr ({duration}).",
        },
        "reminders.long_timer.message_past_midnight": {
            "en": "The timer on {project} / {task} has been running since {date}, {start}, "
            "past midnight.",
            "de": "Der Timer auf {project} / {task} läuft seit dem {date}, {start} Uhr, über "
            "Mitternacht hinaus.",
        },
        "reminders.action.start_last": {
            "en": "Start last entry",
            "de": "Letzten Eintrag starten",
        },
        "reminders.action.pick": {
            "en": "Pick…",
            "de": "Auswählen…",
        },
        "reminders.action.snooze": {
            "en": "Snooze",
            "de": "Später erinnern",
        },
        "reminders.action.not_today": {
            "en": "Not today",
            "de": "Heute nicht mehr",
        },
        "reminders.action.book_gap": {
            "en": "Book…",
            "de": "Buchen…",
        },
        "reminders.action.stop_timer_at": {
            "en": "Stop at…",
            "de": "Stoppen um…",
        },
        "reminders.settings_invalid": {
            "en": "Reminder setting “{name}” is out of range.",
            "de": "Die Erinnerungseinstellung „{name}“ liegt außerhalb des erlaubten Bereichs.",
        },
        "reminders.stop_time_invalid": {
            "en": "The stop time must be between the timer's start ({start}) and now.",
            "de": "Die Stoppzeit muss zwischen dem Start des Timers ({start}) und jetzt liegen.",
        },
        "reminders.no_last_entry": {
            "en": "There is no recent entry to continue.",
            "de": "Es gibt keinen letzten Eintrag zum Fortsetzen.",
        },
    }
)

_SLEEP_GAP = dt.timedelta(minutes=5)
"""Evaluations further apart than this mean the computer slept (or the app was frozen)."""
_LAST_ENTRY_LOOKBACK_DAYS = 7


class ReminderKind(enum.Enum):
    NOT_TRACKING = "not_tracking"
    GAP = "gap"
    LONG_TIMER = "long_timer"


class ReminderAction(enum.Enum):
    START_LAST = "start_last"
    PICK = "pick"
    SNOOZE = "snooze"
    NOT_TODAY = "not_today"
    BOOK_GAP = "book_gap"
    STOP_TIMER_AT = "stop_timer_at"

    @property
    def label(self) -> str:
        return tr(f"reminders.action.{self.value}")

    def label_in(self, lang: str | None) -> str:
        return tr(f"reminders.action.{self.value}", lang=lang)


class ReminderError(CatalogueError):
    """A reminder action that cannot be carried out as asked."""


class ReminderSettingsError(CatalogueError, ValueError):
    """Reminder settings out of range."""


@record
class Reminder:
    """One notification: its kind, actions and what the actions need.

    `gap_seconds` prefills the new entry of BOOK_GAP; `activity` is the entry START_LAST
    continues (NOT_TRACKING) or the running timer (LONG_TIMER); `suggested_stop_at` preselects
    the time of STOP_TIMER_AT.
    """

    kind: ReminderKind
    due_at: dt.datetime
    actions: tuple[ReminderAction, ...]
    message_key: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    gap_seconds: int | None = None
    activity: Activity | None = None
    suggested_stop_at: dt.datetime | None = None

    @property
    def title(self) -> str:
        return self.title_in(None)

    def title_in(self, lang: str | None) -> str:
        return tr(f"reminders.{self.kind.value}.title", lang=lang)

    @property
    def message(self) -> str:
        return self.message_in(None)

    def message_in(self, lang: str | None) -> str:
        params = dict(self.params)
        for name in ("duration_seconds",):
            if name in params:
                seconds = params.pop(name)
                assert isinstance(seconds, int)
                params["duration"] = format_duration(seconds, "hm", lang)
        return tr(self.message_key, lang=lang, **params)


# ---------------------------------------------------------------------------------------------
# Settings


def _time(text: object, default: dt.time) -> dt.time:
    if isinstance(text, str):
        try:
            return dt.time.fromisoformat(text)
        except ValueError:
            return default
    return default


@record
class ReminderSettings:
    """When reminders fire. `work_days` (0 = Monday) overrides the employment pattern."""

    enabled: bool = True
    not_tracking_minutes: int = 15
    require_clocked_in: bool = True
    gap_threshold_minutes: int = 30
    checkpoints: tuple[dt.time, ...] = (dt.time(12, 30), dt.time(17, 30))
    long_timer_hours: int = 10
    work_start: dt.time = dt.time(8, 0)
    midday: dt.time = dt.time(12, 30)
    work_end: dt.time = dt.time(18, 0)
    work_days: frozenset[int] | None = None
    snooze_minutes: int = 15
    repeat_minutes: int = 60
    min_spacing_minutes: int = 5

    def __post_init__(self) -> None:
        limits = {
            "not_tracking_minutes": (1, 480),
            "gap_threshold_minutes": (1, 720),
            "long_timer_hours": (1, 24),
            "snooze_minutes": (1, 480),
            "repeat_minutes": (1, 1440),
            "min_spacing_minutes": (0, 120),
        }
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ReminderSettingsError("reminders.settings_invalid", name=name)
        if not self.work_start <= self.midday <= self.work_end or self.work_start == self.work_end:
            raise ReminderSettingsError("reminders.settings_invalid", name="work_start")
        if self.work_days is not None and not self.work_days <= frozenset(range(7)):
            raise ReminderSettingsError("reminders.settings_invalid", name="work_days")

    def to_json(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "not_tracking_minutes": self.not_tracking_minutes,
            "require_clocked_in": self.require_clocked_in,
            "gap_threshold_minutes": self.gap_threshold_minutes,
            "checkpoints": [format_clock_time(c) for c in self.checkpoints],
            "long_timer_hours": self.long_timer_hours,
            "work_start": format_clock_time(self.work_start),
            "midday": format_clock_time(self.midday),
            "work_end": format_clock_time(self.work_end),
            "work_days": sorted(self.work_days) if self.work_days is not None else None,
            "snooze_minutes": self.snooze_minutes,
            "repeat_minutes": self.repeat_minutes,
            "min_spacing_minutes": self.min_spacing_minutes,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object] | None) -> ReminderSettings:
        """From the settings file; anything missing or invalid falls back to the default."""
        default = cls()
        if not isinstance(data, Mapping):
            return default

        def integer(name: str) -> int:
            value = data.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            fallback = getattr(default, name)
            assert isinstance(fallback, int)
            return fallback

        def flag(name: str) -> bool:
            value = data.get(name)
            return value if isinstance(value, bool) else bool(getattr(default, name))

        raw_checkpoints = data.get("checkpoints")
        checkpoints = default.checkpoints
        if isinstance(raw_checkpoints, list):
            parsed = [_time(item, dt.time(0)) for item in raw_checkpoints]
            if all(isinstance(item, str) for item in raw_checkpoints):
                checkpoints = tuple(sorted(set(parsed)))
        raw_days = data.get("work_days")
        work_days = default.work_days
        if isinstance(raw_days, list) and all(isinstance(d, int) for d in raw_days):
            work_days = frozenset(int(d) for d in raw_days)
        try:
            return cls(
                enabled=flag("enabled"),
                not_tracking_minutes=integer("not_tracking_minutes"),
                require_clocked_in=flag("require_clocked_in"),
                gap_threshold_minutes=integer("gap_threshold_minutes"),
                checkpoints=checkpoints,
                long_timer_hours=integer("long_timer_hours"),
                work_start=_time(data.get("work_start"), default.work_start),
                midday=_time(data.get("midday"), default.midday),
                work_end=_time(data.get("work_end"), default.work_end),
                work_days=work_days,
                snooze_minutes=integer("snooze_minutes"),
                repeat_minutes=integer("repeat_minutes"),
                min_spacing_minutes=integer("min_spacing_minutes"),
            )
        except ReminderSettingsError:
            return default


# ---------------------------------------------------------------------------------------------
# Day state and working hours


@record
class DayState:
    """What the engine needs to know about `date` (the person's local today)."""

    date: dt.date
    entries: Sequence[Activity] = ()
    presences: Sequence[Presence] = ()
    running: Activity | None = None
    last_entry: Activity | None = None
    employments: Sequence[Employment] = ()
    schedules: Sequence[Schedule] = ()

    @property
    def clocked_in(self) -> bool:
        return any(p.date == self.date and p.is_open for p in self.presences)

    def open_presence_start(self) -> dt.time | None:
        starts = [p.from_time for p in self.presences if p.date == self.date and p.is_open]
        return min(starts) if starts else None


def working_windows(
    day: dt.date,
    settings: ReminderSettings,
    employments: Sequence[Employment],
    schedules: Sequence[Schedule],
) -> list[tuple[dt.time, dt.time]]:
    """The wall-clock ranges of `day` that count as working hours (empty: a day off)."""
    morning_off, afternoon_off = absent_halves(day, schedules)
    if settings.work_days is not None:
        if day.weekday() not in settings.work_days:
            return []
        works_morning = works_afternoon = True
    else:
        employment = employment_on(day, employments)
        if employment is None:
            works_morning = works_afternoon = day.weekday() < 5
        else:
            index, pattern = day.weekday(), employment.pattern
            works_morning = index < len(pattern.am) and pattern.am[index] > 0
            works_afternoon = index < len(pattern.pm) and pattern.pm[index] > 0
    windows: list[tuple[dt.time, dt.time]] = []
    if works_morning and not morning_off and settings.work_start < settings.midday:
        windows.append((settings.work_start, settings.midday))
    if works_afternoon and not afternoon_off and settings.midday < settings.work_end:
        if windows and windows[-1][1] == settings.midday:
            windows[-1] = (windows[-1][0], settings.work_end)
        else:
            windows.append((settings.midday, settings.work_end))
    return windows


def _at(day: dt.date, moment: dt.time, tz: dt.tzinfo | None) -> dt.datetime:
    return dt.datetime.combine(day, moment, tzinfo=tz)


# ---------------------------------------------------------------------------------------------
# The engine


@dataclass
class _DayMemory:
    """What the engine remembers about today (forgotten at midnight)."""

    day: dt.date | None = None
    not_today: set[ReminderKind] = field(default_factory=set)
    repeat_after: dict[ReminderKind, dt.datetime] = field(default_factory=dict)
    snoozed_until: dict[ReminderKind, dt.datetime] = field(default_factory=dict)
    checkpoint_done: dt.time | None = None
    long_timer_seen: tuple[int, dt.datetime] | None = None


class ReminderEngine:
    """Decides which reminder to show now; remembers what was shown, snoozed, or refused."""

    def __init__(self, settings: ReminderSettings | None = None) -> None:
        self.settings = settings or ReminderSettings()
        self._memory = _DayMemory()
        self._no_timer_since: dt.datetime | None = None
        self._last_evaluated: dt.datetime | None = None
        self._last_fired: dt.datetime | None = None

    def update_settings(self, settings: ReminderSettings) -> None:
        self.settings = settings

    # --- answers --------------------------------------------------------------------------

    def snooze(self, kind: ReminderKind, now: dt.datetime, minutes: int | None = None) -> None:
        """Quiet for `minutes` (default: the snooze setting); comes back if still relevant."""
        self._roll_day(now)
        delay = dt.timedelta(minutes=minutes or self.settings.snooze_minutes)
        self._memory.snoozed_until[kind] = now + delay
        self._memory.repeat_after.pop(kind, None)  # the snooze decides when it comes back

    def not_today(self, kind: ReminderKind, now: dt.datetime) -> None:
        """No more reminders of `kind` until tomorrow."""
        self._roll_day(now)
        self._memory.not_today.add(kind)

    def is_silenced_today(self, kind: ReminderKind) -> bool:
        return kind in self._memory.not_today

    # --- evaluation -----------------------------------------------------------------------

    def evaluate(self, now: dt.datetime, day: DayState) -> list[Reminder]:
        """The reminders to show now: none, or one. `now` must be aware local time."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self._roll_day(now)
        woke_up = self._last_evaluated is not None and now - self._last_evaluated > _SLEEP_GAP
        self._last_evaluated = now
        if day.running is not None:
            self._no_timer_since = None
        elif self._no_timer_since is None:
            self._no_timer_since = now
        settings = self.settings
        if not settings.enabled:
            return []
        windows = working_windows(day.date, settings, day.employments, day.schedules)
        if not windows:
            return []  # a day off, an absence or a public holiday: silence
        candidates = [
            reminder
            for reminder in (
                self._long_timer(now, day),
                self._gap(now, day),
                self._not_tracking(now, day, windows),
            )
            if reminder is not None
        ]
        if not candidates:
            return []
        spacing = dt.timedelta(minutes=settings.min_spacing_minutes)
        if not woke_up and self._last_fired is not None and now - self._last_fired < spacing:
            return []
        chosen = candidates[0]
        self._fired(chosen, now)
        return [chosen]

    def _roll_day(self, now: dt.datetime) -> None:
        if self._memory.day != now.date():
            self._memory = _DayMemory(day=now.date())

    def _waiting(self, kind: ReminderKind, now: dt.datetime) -> bool:
        """Refused for today, snoozed, or shown recently."""
        memory = self._memory
        if kind in memory.not_today:
            return True
        snoozed = memory.snoozed_until.get(kind)
        repeat = memory.repeat_after.get(kind)
        return (snoozed is not None and now < snoozed) or (repeat is not None and now < repeat)

    def _fired(self, reminder: Reminder, now: dt.datetime) -> None:
        self._last_fired = now
        memory = self._memory
        memory.snoozed_until.pop(reminder.kind, None)
        memory.repeat_after[reminder.kind] = now + dt.timedelta(
            minutes=self.settings.repeat_minutes
        )
        if reminder.kind is ReminderKind.GAP:
            memory.checkpoint_done = self._latest_checkpoint(now)
        if reminder.kind is ReminderKind.LONG_TIMER and reminder.activity is not None:
            started = reminder.activity.timer_started_at
            if started is not None:
                memory.long_timer_seen = (reminder.activity.id, started)

    def _latest_checkpoint(self, now: dt.datetime) -> dt.time | None:
        wall = now.time().replace(tzinfo=None)
        passed = [c for c in self.settings.checkpoints if c <= wall]
        return max(passed) if passed else None

    # --- the three kinds ------------------------------------------------------------------

    def _long_timer(self, now: dt.datetime, day: DayState) -> Reminder | None:
        """Repeats while the timer runs; a different timer is news at once."""
        activity = day.running
        kind = ReminderKind.LONG_TIMER
        if activity is None or activity.timer_started_at is None:
            return None
        memory = self._memory
        fresh = memory.long_timer_seen != (activity.id, activity.timer_started_at)
        if kind in memory.not_today or (not fresh and self._waiting(kind, now)):
            return None
        started = activity.timer_started_at.astimezone(now.tzinfo)
        running_for = now - started
        past_midnight = activity.date < now.date() or started.date() < now.date()
        if not past_midnight and running_for < dt.timedelta(hours=self.settings.long_timer_hours):
            return None
        end_of_work = _at(activity.date, self.settings.work_end, now.tzinfo)
        suggested = min(now, max(started, end_of_work))
        params: dict[str, object] = {
            "project": activity.project.name,
            "task": activity.task.name,
            "start": format_clock_time(started.time()),
        }
        if past_midnight:
            message_key = "reminders.long_timer.message_past_midnight"
            params["date"] = started.date().isoformat()
        else:
            message_key = "reminders.long_timer.message"
            params["duration_seconds"] = int(running_for.total_seconds())
        return Reminder(
            kind,
            now,
            (ReminderAction.STOP_TIMER_AT, ReminderAction.SNOOZE, ReminderAction.NOT_TODAY),
            message_key,
            MappingProxyType(params),
            activity=activity,
            suggested_stop_at=suggested,
        )

    def _gap(self, now: dt.datetime, day: DayState) -> Reminder | None:
        """Due at a checkpoint not handled yet, or when a snooze of it ran out."""
        kind = ReminderKind.GAP
        memory = self._memory
        if kind in memory.not_today:
            return None
        latest = self._latest_checkpoint(now)
        at_checkpoint = latest is not None and (
            memory.checkpoint_done is None or latest > memory.checkpoint_done
        )
        snoozed = memory.snoozed_until.get(kind)
        snooze_over = snoozed is not None and now >= snoozed
        if not at_checkpoint and not snooze_over:
            return None
        gap = day_gap_seconds(day.date, day.presences, day.entries, now)
        if gap < self.settings.gap_threshold_minutes * 60:
            memory.checkpoint_done = latest  # nothing to book: stay quiet until the next one
            memory.snoozed_until.pop(kind, None)
            return None
        return Reminder(
            kind,
            now,
            (ReminderAction.BOOK_GAP, ReminderAction.SNOOZE, ReminderAction.NOT_TODAY),
            "reminders.gap.message",
            MappingProxyType({"duration_seconds": gap}),
            gap_seconds=gap,
        )

    def _not_tracking(
        self, now: dt.datetime, day: DayState, windows: list[tuple[dt.time, dt.time]]
    ) -> Reminder | None:
        kind = ReminderKind.NOT_TRACKING
        if day.running is not None or self._no_timer_since is None or self._waiting(kind, now):
            return None
        wall = now.time().replace(tzinfo=None)
        if not any(start <= wall < end for start, end in windows):
            return None
        presence_start = day.open_presence_start()
        if self.settings.require_clocked_in and presence_start is None:
            return None
        stretch_start = max(self._no_timer_since, _at(day.date, windows[0][0], now.tzinfo))
        if presence_start is not None:
            stretch_start = max(stretch_start, _at(day.date, presence_start, now.tzinfo))
        stretch = now - stretch_start
        if stretch < dt.timedelta(minutes=self.settings.not_tracking_minutes):
            return None
        actions = [ReminderAction.PICK, ReminderAction.SNOOZE, ReminderAction.NOT_TODAY]
        if day.last_entry is not None:
            actions.insert(0, ReminderAction.START_LAST)
        message_key = (
            "reminders.not_tracking.message"
            if presence_start is not None
            else "reminders.not_tracking.message_unclocked"
        )
        return Reminder(
            kind,
            now,
            tuple(actions),
            message_key,
            MappingProxyType({"duration_seconds": int(stretch.total_seconds())}),
            activity=day.last_entry,
        )


# ---------------------------------------------------------------------------------------------
# Binding to the Workspace


class ShownPresence(Protocol):
    @property
    def presence(self) -> Presence: ...


class ShownDay(Protocol):
    """A day as the Workspace shows it (services.timesheet.DayView)."""

    @property
    def entries(self) -> Sequence[ShownEntry]: ...

    @property
    def presences(self) -> Sequence[ShownPresence]: ...

    @property
    def schedules(self) -> Sequence[Schedule]: ...


class ReminderWorkspace(TimerWorkspace, Protocol):
    """What reminders read from the Workspace, besides the timer operations."""

    def day(self, date: dt.date) -> ShownDay: ...

    def employments(self) -> Sequence[Employment]: ...


def _recency(activity: Activity) -> tuple[dt.date, dt.datetime, int]:
    stamp = activity.updated_at or activity.created_at or dt.datetime.min.replace(tzinfo=dt.UTC)
    return (activity.date, stamp, activity.id)


def day_state_from(workspace: ReminderWorkspace, now: dt.datetime) -> DayState:
    """Today's `DayState` from the Workspace's cache (with pending changes applied)."""
    today = now.date()
    view = workspace.day(today)
    entries = [entry.activity for entry in view.entries]
    running_view = workspace.running_timer()
    last_entry = max(entries, key=_recency) if entries else None
    day = today
    for _ in range(_LAST_ENTRY_LOOKBACK_DAYS):
        if last_entry is not None:
            break
        day -= dt.timedelta(days=1)
        earlier = [entry.activity for entry in workspace.day(day).entries]
        last_entry = max(earlier, key=_recency) if earlier else None
    return DayState(
        date=today,
        entries=entries,
        presences=[p.presence for p in view.presences],
        running=running_view.activity if running_view is not None else None,
        last_entry=last_entry,
        employments=tuple(workspace.employments()),
        schedules=tuple(view.schedules),
    )


ReminderCallback = Callable[[Reminder], None]


class ReminderService:
    """The engine on the Workspace's data, and the reminder actions through the Workspace.

    The GUI calls `check()` every minute or so (and after resume), shows what subscribers get
    as notifications, and calls the action methods; Pick… and Book… open its own dialogs
    (Book… prefilled with `reminder.gap_seconds`).
    """

    def __init__(
        self,
        workspace: ReminderWorkspace,
        engine: ReminderEngine | None = None,
        *,
        clock: Callable[[], dt.datetime] = local_now,
    ) -> None:
        self.workspace = workspace
        self.engine = engine or ReminderEngine()
        self._clock = clock
        self._subscribers: list[ReminderCallback] = []

    def subscribe(self, callback: ReminderCallback) -> Callable[[], None]:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def check(self) -> list[Reminder]:
        """Evaluate now and tell subscribers about the reminder to show (if any)."""
        now = self._clock()
        reminders = self.engine.evaluate(now, day_state_from(self.workspace, now))
        for reminder in reminders:
            for callback in list(self._subscribers):
                try:
                    callback(reminder)
                except Exception:
                    logger.exception("a reminder subscriber failed")
        return reminders

    def snooze(self, reminder: Reminder, minutes: int | None = None) -> None:
        self.engine.snooze(reminder.kind, self._clock(), minutes)

    def not_today(self, reminder: Reminder) -> None:
        self.engine.not_today(reminder.kind, self._clock())

    async def start_last_entry(self, reminder: Reminder) -> ChangeOutcome:
        """Continue the reminder's last entry (today's, or a copy today of an older one)."""
        if reminder.activity is None:
            raise ReminderError("reminders.no_last_entry")
        return await self.workspace.continue_timer(reminder.activity.id)

    async def stop_timer_at(self, reminder: Reminder, at: dt.datetime) -> bool:
        """Stop the reminder's running timer as if stopped at `at`; True if MOCO has it.

        `at` must lie between the timer's start and now. Raises `TimerChangedError` if that
        timer no longer runs.
        """
        activity = reminder.activity
        if activity is None or activity.timer_started_at is None:
            raise TimerChangedError("idle_watch.timer_changed")
        running = self.workspace.running_timer()
        if running is None or running.activity.id != activity.id:
            raise TimerChangedError("idle_watch.timer_changed")
        current = running.activity
        started = current.timer_started_at
        now = self._clock()
        if started is None or not started <= at <= now:
            shown = started.astimezone(now.tzinfo) if started is not None else now
            raise ReminderError(
                "reminders.stop_time_invalid", start=format_clock_time(shown.time())
            )
        return await stop_timer_with_seconds(
            self.workspace, current.id, current.elapsed_seconds(at)
        )
