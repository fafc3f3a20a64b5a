"""The idle watch on fake clocks, a fake idle source and fake power events, answering through a
fake Workspace that behaves like MOCO's timer; then the same answers through the real Workspace
against the embedded server, online and offline.

`FakeWorkspace` and `FakeClock` here are shared with the reminder and quick-entry tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from moco_desktop.core.entities import (
    Activity,
    AssignedProject,
    CustomerRef,
    Employment,
    NamedRef,
    Presence,
    Schedule,
    Task,
    UserRef,
)
from moco_desktop.core.errors import CatalogueError
from moco_desktop.core.i18n import missing_translations
from moco_desktop.services.events import Notice
from moco_desktop.services.idle_watch import (
    IdleBooking,
    IdleChoice,
    IdlePrompt,
    IdleSettings,
    IdleSettingsError,
    IdleWatch,
    TimerChangedError,
    split_by_day,
)
from moco_desktop.system.idle import FakeIdleSource, UnavailableIdleSource
from moco_desktop.system.power import ClockJumpDetector, FakePowerEvents
from tests.services.conftest import Harness

BERLIN = ZoneInfo("Europe/Berlin")
DAY = dt.date(2025, 3, 13)  # a Thursday
ME = UserRef(7, "Jo", "Doe")
ACME = CustomerRef(1, "Acme")
WEBSITE = AssignedProject(
    10, "P0007", "Website", ACME, (Task(100, "Development"), Task(101, "Meetings"))
)
INTERNAL = AssignedProject(20, "INT", "Internal", None, (Task(200, "Admin"),), billable=False)


def at(hour: int, minute: int = 0, second: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BERLIN)


class FakeClock:
    """Local time that moves only when told to."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def __call__(self) -> dt.datetime:
        return self.current

    def seconds(self) -> float:
        return self.current.timestamp()

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


@dataclass(frozen=True)
class Outcome:
    entity_id: int
    reached_moco: bool = True


@dataclass(frozen=True)
class Shown:
    activity: Activity


@dataclass(frozen=True)
class ShownPresence:
    presence: Presence


@dataclass(frozen=True)
class FakeDay:
    entries: tuple[Shown, ...]
    presences: tuple[ShownPresence, ...]
    schedules: tuple[Schedule, ...]


def make_activity(
    activity_id: int,
    *,
    date: dt.date = DAY,
    seconds: int = 0,
    project: AssignedProject = WEBSITE,
    task: Task | None = None,
    description: str = "",
    started: dt.datetime | None = None,
    tag: str = "",
    updated: dt.datetime | None = None,
) -> Activity:
    chosen = task or project.tasks[0]
    return Activity(
        id=activity_id,
        date=date,
        seconds=seconds,
        description=description,
        project=NamedRef(project.id, project.name, project.billable),
        task=NamedRef(chosen.id, chosen.name, chosen.billable),
        customer=project.customer,
        user=ME,
        tag=tag,
        timer_started_at=started.astimezone(dt.UTC) if started is not None else None,
        updated_at=updated,
    )


@dataclass
class FakeWorkspace:
    """The Workspace's timer and booking operations, with MOCO's rules: one timer, stopping
    adds the measured seconds, continuing works on today's entries (others are copied)."""

    clock: FakeClock
    activities: dict[int, Activity] = field(default_factory=dict)
    presences: list[Presence] = field(default_factory=list)
    schedule_list: list[Schedule] = field(default_factory=list)
    employment_list: list[Employment] = field(default_factory=list)
    project_list: tuple[AssignedProject, ...] = (WEBSITE, INTERNAL)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    reached: bool = True
    next_id: int = 1000

    def add(self, activity: Activity) -> Activity:
        self.activities[activity.id] = activity
        return activity

    def running_timer(self) -> Shown | None:
        running = [a for a in self.activities.values() if a.is_running]
        return Shown(running[0]) if running else None

    def projects(self) -> tuple[AssignedProject, ...]:
        return self.project_list

    def employments(self) -> Sequence[Employment]:
        return tuple(self.employment_list)

    def day(self, date: dt.date) -> FakeDay:
        return FakeDay(
            tuple(Shown(a) for a in self.activities.values() if a.date == date),
            tuple(ShownPresence(p) for p in self.presences if p.date == date),
            tuple(s for s in self.schedule_list if s.date == date),
        )

    def _stop_all(self) -> int | None:
        stopped = None
        for activity in list(self.activities.values()):
            if activity.is_running:
                measured = activity.elapsed_seconds(self.clock())
                self.activities[activity.id] = dataclasses.replace(
                    activity, seconds=measured, timer_started_at=None
                )
                stopped = activity.id
        return stopped

    async def stop_timer(self, *, wait: bool = True) -> Outcome | None:
        self.calls.append(("stop", None))
        stopped = self._stop_all()
        return None if stopped is None else Outcome(stopped, self.reached)

    async def update_activity(
        self, activity_id: int, *, wait: bool = True, **changes: Any
    ) -> Outcome:
        self.calls.append(("update", (activity_id, changes)))
        self.activities[activity_id] = dataclasses.replace(self.activities[activity_id], **changes)
        return Outcome(activity_id, self.reached)

    async def continue_timer(self, activity_id: int, *, wait: bool = True) -> Outcome:
        self.calls.append(("continue", activity_id))
        activity = self.activities[activity_id]
        if activity.date != self.clock().date():
            return await self._new_timer(
                activity.project.id, activity.task.id, activity.description, activity.tag
            )
        self._stop_all()
        self.activities[activity_id] = dataclasses.replace(
            activity, timer_started_at=self.clock().astimezone(dt.UTC)
        )
        return Outcome(activity_id, self.reached)

    async def start_timer(
        self,
        project_id: int,
        task_id: int,
        description: str = "",
        *,
        billable: bool | None = None,
        tag: str = "",
        wait: bool = True,
    ) -> Outcome:
        self.calls.append(("start", (project_id, task_id, description, billable, tag)))
        return await self._new_timer(project_id, task_id, description, tag)

    async def _new_timer(
        self, project_id: int, task_id: int, description: str, tag: str
    ) -> Outcome:
        self._stop_all()
        activity = self._new(self.clock().date(), project_id, task_id, 0, description, tag)
        self.activities[activity.id] = dataclasses.replace(
            activity, timer_started_at=self.clock().astimezone(dt.UTC)
        )
        return Outcome(activity.id, self.reached)

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
    ) -> Outcome:
        self.calls.append(("log", (date, project_id, task_id, seconds, description, billable, tag)))
        activity = self._new(date, project_id, task_id, seconds, description, tag)
        if billable is not None:
            activity = dataclasses.replace(activity, billable=billable)
        self.activities[activity.id] = activity
        return Outcome(activity.id, self.reached)

    def _new(
        self,
        date: dt.date,
        project_id: int,
        task_id: int,
        seconds: int,
        description: str,
        tag: str,
    ) -> Activity:
        self.next_id += 1
        project = next(p for p in self.project_list if p.id == project_id)
        task = project.task(task_id)
        assert task is not None
        return make_activity(
            self.next_id,
            date=date,
            seconds=seconds,
            project=project,
            task=task,
            description=description,
            tag=tag,
            updated=self.clock().astimezone(dt.UTC),
        )


# --- fixtures --------------------------------------------------------------------------------


@dataclass
class Setup:
    clock: FakeClock
    idle: FakeIdleSource
    power: FakePowerEvents
    workspace: FakeWorkspace
    watch: IdleWatch
    prompts: list[IdlePrompt]

    def tick_for(self, minutes: float, every: float = 0.5) -> list[IdlePrompt]:
        """Tick every `every` minutes for `minutes` minutes; the prompts returned."""
        found: list[IdlePrompt] = []
        steps = int(minutes / every)
        for _ in range(steps):
            self.clock.advance(minutes=every)
            prompt = self.watch.tick()
            if prompt is not None:
                found.append(prompt)
        return found


@pytest.fixture
def setup() -> Setup:
    clock = FakeClock(at(9, 0))
    idle = FakeIdleSource(clock.seconds)
    power = FakePowerEvents()
    workspace = FakeWorkspace(clock)
    watch = IdleWatch(
        workspace, idle, power, settings=IdleSettings(threshold_minutes=10), clock=clock
    )
    prompts: list[IdlePrompt] = []
    watch.subscribe(prompts.append)
    return Setup(clock, idle, power, workspace, watch, prompts)


def start_timer(setup: Setup, seconds: int = 0) -> Activity:
    return setup.workspace.add(
        make_activity(1, seconds=seconds, description="API", started=setup.clock())
    )


def go_away_and_return(setup: Setup, away_minutes: float) -> IdlePrompt:
    """Input stops now; after `away_minutes` (ticking) the person is back and a tick runs."""
    setup.idle.touch()
    assert setup.tick_for(away_minutes) == []
    setup.clock.advance(seconds=5)
    setup.idle.touch()  # input again
    setup.clock.advance(seconds=10)
    prompt = setup.watch.tick()
    assert prompt is not None
    return prompt


# --- noticing --------------------------------------------------------------------------------


def test_no_prompt_without_a_running_timer(setup: Setup) -> None:
    setup.idle.touch()
    setup.tick_for(30)
    setup.idle.touch()
    setup.clock.advance(seconds=1)

    assert setup.watch.tick() is None
    assert setup.prompts == []


def test_an_absence_shorter_than_the_threshold_is_not_asked_about(setup: Setup) -> None:
    start_timer(setup)
    setup.idle.touch()
    setup.tick_for(9)
    setup.idle.touch()
    setup.clock.advance(seconds=1)

    assert setup.watch.tick() is None
    assert setup.tick_for(5) == []


def test_coming_back_after_the_threshold_prompts_once_with_start_and_length(setup: Setup) -> None:
    activity = start_timer(setup)
    setup.clock.advance(minutes=30)  # working: 09:00-09:30
    setup.idle.touch()
    setup.watch.tick()

    prompt = go_away_and_return(setup, 40)

    assert prompt.idle_started_at == at(9, 30)
    assert prompt.idle_seconds == 40 * 60 + 5
    assert prompt.returned_at == at(10, 10, 5)
    assert prompt.activity == activity
    assert setup.prompts == [prompt]
    assert setup.watch.pending == prompt
    assert setup.tick_for(10) == []
    assert setup.prompts == [prompt]
    assert "from 09:30 to 10:10 (40 min) while the timer on Website / Development" in (
        prompt.message
    )
    assert "Du warst von 09:30 bis 10:10 (40 min) weg" in prompt.message_in("de")
    assert [choice.label for choice in prompt.choices] == [
        "Keep the time",
        "Discard the time and stop",
        "Discard the time and continue",
        "Book the time as a new entry…",
    ]


def test_a_screen_lock_counts_as_away_even_without_an_idle_source() -> None:
    clock = FakeClock(at(9, 0))
    workspace = FakeWorkspace(clock)
    workspace.add(make_activity(1, started=clock()))
    power = FakePowerEvents()
    watch = IdleWatch(workspace, UnavailableIdleSource(()), power, clock=clock)

    clock.advance(minutes=60)
    power.emit("lock", clock())
    assert watch.tick() is None
    assert watch.away_since == at(10, 0)
    clock.advance(minutes=25)
    assert watch.tick() is None
    power.emit("unlock", clock())
    clock.advance(seconds=20)

    prompt = watch.tick()

    assert prompt is not None
    assert (prompt.idle_started_at, prompt.idle_seconds) == (at(10, 0), 25 * 60)


def test_locked_means_away_even_if_the_idle_counter_looks_active(setup: Setup) -> None:
    start_timer(setup)
    setup.clock.advance(minutes=5)
    setup.idle.touch()
    setup.power.emit("lock", setup.clock())
    for _ in range(30):
        setup.clock.advance(minutes=1)
        setup.idle.touch()  # e.g. a lock screen that resets the idle counter
        assert setup.watch.tick() is None
    setup.power.emit("unlock", setup.clock())
    setup.clock.advance(seconds=30)

    prompt = setup.watch.tick()

    assert prompt is not None
    assert prompt.idle_started_at == at(9, 5)


def test_sleep_counts_as_away_from_the_sleep_event(setup: Setup) -> None:
    start_timer(setup)
    setup.clock.advance(minutes=20)
    setup.idle.touch()
    setup.watch.tick()
    setup.power.emit("sleep", setup.clock())
    setup.clock.advance(hours=2)
    setup.power.emit("resume", setup.clock(), since=at(9, 20))
    setup.idle.touch()
    setup.clock.advance(seconds=30)

    prompt = setup.watch.tick()

    assert prompt is not None
    assert (prompt.idle_started_at, prompt.idle_seconds) == (at(9, 20), 2 * 3600)


def test_a_clock_jump_after_suspend_is_noticed_without_platform_events() -> None:
    clock = FakeClock(at(9, 0))
    mono = [100.0]
    workspace = FakeWorkspace(clock)
    workspace.add(make_activity(1, started=clock()))
    idle = FakeIdleSource(clock.seconds)
    jumps = ClockJumpDetector(10, monotonic=lambda: mono[0], wall=clock.seconds, clock=clock)
    jumps.start()
    resumes: list[dt.datetime] = []
    watch = IdleWatch(
        workspace, idle, jumps, clock=clock, on_resume=lambda: resumes.append(clock())
    )
    for _ in range(6):
        clock.advance(seconds=10)
        mono[0] += 10
        idle.touch()
        assert watch.tick() is None

    clock.advance(minutes=45)  # suspended: the monotonic clock stood still
    idle.touch()  # the OS reset its idle counter on resume and the person types
    prompt = watch.tick()

    assert prompt is not None
    assert (prompt.idle_started_at, prompt.idle_seconds) == (at(9, 1), 45 * 60)
    assert resumes == [at(9, 46)]  # e.g. the Workspace rechecks MOCO after waking up


def test_a_timer_started_elsewhere_during_the_absence_counts_from_its_start(setup: Setup) -> None:
    setup.idle.touch()
    setup.tick_for(20)  # away since 09:00, no timer
    setup.workspace.add(make_activity(1, started=setup.clock()))  # started on the phone at 9:20
    setup.tick_for(12)
    setup.idle.touch()
    setup.clock.advance(seconds=1)

    prompt = setup.watch.tick()

    assert prompt is not None
    assert (prompt.idle_started_at, prompt.idle_seconds) == (at(9, 20), 12 * 60)
    assert "from 09:20 to 09:32" in prompt.message  # local time, not the timer's UTC


def test_a_new_absence_extends_the_unanswered_prompt(setup: Setup) -> None:
    start_timer(setup)
    first = go_away_and_return(setup, 15)
    setup.tick_for(2)

    second = go_away_and_return(setup, 20)

    assert second.idle_started_at == first.idle_started_at
    assert second.returned_at > first.returned_at
    assert setup.prompts == [first, second]
    assert setup.watch.pending == second


def test_nothing_is_watched_when_switched_off(setup: Setup) -> None:
    start_timer(setup)
    setup.watch.update_settings(IdleSettings(enabled=False))
    setup.idle.touch()
    setup.tick_for(60)
    setup.idle.touch()
    setup.clock.advance(seconds=1)

    assert setup.watch.tick() is None
    assert setup.watch.away_since is None


def test_status_tells_settings_why_idle_time_is_unavailable() -> None:
    clock = FakeClock(at(9, 0))
    watch = IdleWatch(FakeWorkspace(clock), UnavailableIdleSource(()), None, clock=clock)

    status = watch.status()

    assert (status.source_name, status.available, status.power_watchers) == (
        "unavailable",
        False,
        "none",
    )
    assert status.reason is not None
    assert status.reason.startswith("Idle time cannot be measured")


# --- answering -------------------------------------------------------------------------------


async def answered(setup: Setup, choice: IdleChoice, booking: IdleBooking | None = None) -> Any:
    start_timer(setup, seconds=600)  # 10 min booked earlier
    setup.clock.advance(minutes=30)  # 09:00-09:30 on the timer
    setup.idle.touch()
    setup.watch.tick()
    prompt = go_away_and_return(setup, 40)  # away 09:30-10:10:05
    setup.clock.advance(minutes=2)  # the dialog is answered at 10:12:15
    setup.workspace.calls.clear()
    return await setup.watch.resolve(prompt, choice, booking)


async def test_keep_changes_nothing(setup: Setup) -> None:
    outcome = await answered(setup, IdleChoice.KEEP)

    assert setup.workspace.calls == []
    assert outcome.timer_running
    assert setup.watch.pending is None


async def test_discard_stops_the_timer_where_the_absence_began(setup: Setup) -> None:
    outcome = await answered(setup, IdleChoice.DISCARD)

    assert [name for name, _ in setup.workspace.calls] == ["stop", "update"]
    entry = setup.workspace.activities[1]
    assert not entry.is_running
    assert entry.seconds == 600 + 30 * 60  # what ran until 09:30
    assert (outcome.timer_seconds, outcome.timer_running) == (2400, False)


async def test_discard_and_continue_takes_the_absence_out_and_keeps_running(setup: Setup) -> None:
    outcome = await answered(setup, IdleChoice.DISCARD_AND_CONTINUE)

    assert [name for name, _ in setup.workspace.calls] == ["stop", "update", "continue"]
    entry = setup.workspace.activities[1]
    assert entry.is_running
    # 10 min before + 09:00-09:30 + the 2 min 10 s since coming back; the 40 min 5 s are gone.
    assert entry.seconds == 600 + 1800 + 130
    assert entry.elapsed_seconds(setup.clock()) == 600 + 1800 + 130
    assert outcome.timer_entry_id == 1
    assert outcome.timer_running


async def test_book_as_new_moves_the_absence_to_a_new_entry(setup: Setup) -> None:
    booking = IdleBooking(INTERNAL.id, 200, "Team meeting", tag="meet")

    outcome = await answered(setup, IdleChoice.BOOK_AS_NEW, booking)

    assert [name for name, _ in setup.workspace.calls] == ["stop", "update", "log", "continue"]
    [booked_id] = outcome.booked_entry_ids
    booked = setup.workspace.activities[booked_id]
    assert (booked.date, booked.seconds, booked.project.id, booked.task.id) == (
        DAY,
        40 * 60 + 5,
        INTERNAL.id,
        200,
    )
    assert (booked.description, booked.tag) == ("Team meeting", "meet")
    timer = setup.workspace.activities[1]
    assert timer.is_running
    assert timer.seconds == 600 + 1800 + 130


async def test_book_as_new_can_leave_the_timer_stopped(setup: Setup) -> None:
    booking = IdleBooking(INTERNAL.id, 200, continue_timer=False)

    outcome = await answered(setup, IdleChoice.BOOK_AS_NEW, booking)

    assert [name for name, _ in setup.workspace.calls] == ["stop", "update", "log"]
    assert not setup.workspace.activities[1].is_running
    assert setup.workspace.activities[1].seconds == 600 + 1800
    assert not outcome.timer_running


async def test_book_as_new_needs_a_project(setup: Setup) -> None:
    with pytest.raises(CatalogueError) as raised:
        await answered(setup, IdleChoice.BOOK_AS_NEW)
    assert raised.value.message == "Choose a project and a task for the time away."
    assert setup.workspace.calls == []


async def test_an_answer_for_a_timer_stopped_meanwhile_changes_nothing(setup: Setup) -> None:
    start_timer(setup)
    prompt = go_away_and_return(setup, 30)
    await setup.workspace.stop_timer()  # stopped on the phone before answering
    setup.workspace.calls.clear()

    with pytest.raises(TimerChangedError):
        await setup.watch.resolve(prompt, IdleChoice.DISCARD)
    assert setup.workspace.calls == []
    assert setup.watch.pending is None


async def test_an_absence_over_midnight_is_booked_per_day() -> None:
    clock = FakeClock(at(23, 0))
    workspace = FakeWorkspace(clock)
    workspace.add(make_activity(1, started=at(22, 0)))
    idle = FakeIdleSource(clock.seconds)
    watch = IdleWatch(workspace, idle, None, clock=clock)
    idle.touch()
    for _ in range(90):
        clock.advance(minutes=1)
        watch.tick()
    idle.touch()
    clock.advance(seconds=1)
    prompt = watch.tick()
    assert prompt is not None

    outcome = await watch.resolve(prompt, IdleChoice.BOOK_AS_NEW, IdleBooking(INTERNAL.id, 200))

    booked = [workspace.activities[i] for i in outcome.booked_entry_ids]
    assert [(b.date, b.seconds) for b in booked] == [
        (DAY, 3600),
        (DAY + dt.timedelta(days=1), 1800),
    ]
    old = workspace.activities[1]
    assert (old.seconds, old.is_running) == (3600, False)  # 22:00-23:00 stays on its own day
    new_timer = workspace.running_timer()
    assert new_timer is not None
    assert new_timer.activity.date == DAY + dt.timedelta(days=1)
    assert outcome.timer_entry_id == new_timer.activity.id


def test_every_idle_prompt_text_has_a_german_translation() -> None:
    assert [key for key in missing_translations("de") if key.startswith("idle")] == []


def test_split_by_day() -> None:
    assert split_by_day(at(10), at(11)) == [(DAY, 3600)]
    assert split_by_day(at(23, 30), at(0, 15, day=DAY + dt.timedelta(days=1))) == [
        (DAY, 1800),
        (DAY + dt.timedelta(days=1), 900),
    ]
    assert split_by_day(at(10), at(10)) == []


def test_idle_settings_round_trip_and_fall_back() -> None:
    settings = IdleSettings(enabled=False, threshold_minutes=5)
    assert IdleSettings.from_json(settings.to_json()) == settings
    assert IdleSettings.from_json({"threshold_minutes": 0}) == IdleSettings()
    assert IdleSettings.from_json({"threshold_minutes": True, "enabled": "yes"}) == IdleSettings()
    assert IdleSettings.from_json(None) == IdleSettings()
    with pytest.raises(IdleSettingsError):
        IdleSettings(threshold_minutes=481)


# --- the real Workspace against the embedded server ------------------------------------------


async def real_prompt(harness: Harness, *, away_minutes: int = 40) -> tuple[IdleWatch, IdlePrompt]:
    """A timer started through the Workspace at 09:30, then the person is away."""
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    started = await workspace.start_timer(project_id, task_id, "Interface")
    assert started.reached_moco
    harness.advance(minutes=20)
    idle = FakeIdleSource(lambda: harness.clock.now().timestamp())
    watch = IdleWatch(workspace, idle, None, clock=workspace.local_now)
    watch.tick()
    for _ in range(away_minutes):
        harness.advance(minutes=1)
        watch.tick()
    idle.touch()
    harness.advance(seconds=30)
    prompt = watch.tick()
    assert prompt is not None
    assert prompt.idle_seconds == away_minutes * 60
    return watch, prompt


async def test_discard_reaches_moco_with_the_seconds_until_the_absence(harness: Harness) -> None:
    watch, prompt = await real_prompt(harness)

    outcome = await watch.resolve(prompt, IdleChoice.DISCARD)

    assert outcome.reached_moco
    [record] = harness.activities()
    assert record.timer_started_at is None
    assert record.seconds == 20 * 60


async def test_discard_and_continue_reaches_moco_with_the_timer_running(harness: Harness) -> None:
    watch, prompt = await real_prompt(harness)

    outcome = await watch.resolve(prompt, IdleChoice.DISCARD_AND_CONTINUE)

    assert outcome.reached_moco
    assert outcome.timer_running
    [record] = harness.activities()
    assert record.timer_started_at is not None
    assert record.seconds == 20 * 60 + 30  # before + the 30 s since coming back


async def test_book_as_new_reaches_moco_as_two_entries(harness: Harness) -> None:
    watch, prompt = await real_prompt(harness)
    other_project, other_task = harness.bookable(index=1)

    outcome = await watch.resolve(
        prompt, IdleChoice.BOOK_AS_NEW, IdleBooking(other_project, other_task, "Call")
    )

    assert outcome.reached_moco
    records = {record.description: record for record in harness.activities()}
    assert records["Call"].seconds == 40 * 60
    assert (records["Call"].project_id, records["Call"].task_id) == (other_project, other_task)
    assert records["Interface"].seconds == 20 * 60 + 30
    assert records["Interface"].timer_started_at is not None


async def test_answers_given_offline_reach_moco_once_it_is_back(harness: Harness) -> None:
    watch, prompt = await real_prompt(harness)
    other_project, other_task = harness.bookable(index=1)
    harness.server.faults.refuse_connections = True

    outcome = await watch.resolve(
        prompt, IdleChoice.BOOK_AS_NEW, IdleBooking(other_project, other_task, "Call")
    )

    assert not outcome.reached_moco
    shown = watch.workspace.running_timer()
    assert shown is not None
    assert shown.activity.seconds == 20 * 60 + 30
    harness.advance(minutes=3)
    harness.server.faults.refuse_connections = False
    report = await watch.workspace.sync()  # type: ignore[attr-defined]

    assert report.complete
    records = {record.description: record for record in harness.activities()}
    assert records["Call"].seconds == 40 * 60
    interface = records["Interface"]
    assert interface.timer_started_at is not None
    # Before the absence, the 30 s after it and the 3 min offline: the absence is not in it.
    assert interface.seconds == 20 * 60 + 30 + 3 * 60


def conflict_notices(harness: Harness) -> list[Notice]:
    return [e for e in harness.events if isinstance(e, Notice) and "conflict" in e.message_key]


async def test_online_answers_raise_no_conflict_notices(harness: Harness) -> None:
    watch, prompt = await real_prompt(harness)
    harness.events.clear()

    await watch.resolve(prompt, IdleChoice.DISCARD_AND_CONTINUE)

    assert conflict_notices(harness) == []


@pytest.mark.parametrize(
    "choice", [IdleChoice.DISCARD, IdleChoice.DISCARD_AND_CONTINUE, IdleChoice.BOOK_AS_NEW]
)
async def test_answers_given_during_a_short_outage_reach_moco(
    harness: Harness, choice: IdleChoice
) -> None:
    watch, prompt = await real_prompt(harness)
    other_project, other_task = harness.bookable(index=1)
    booking = IdleBooking(other_project, other_task, "Call")
    harness.server.faults.refuse_connections = True
    await watch.resolve(prompt, choice, booking if choice is IdleChoice.BOOK_AS_NEW else None)
    harness.advance(seconds=20)  # MOCO is back 20 s later
    harness.server.faults.refuse_connections = False

    await watch.workspace.sync()  # type: ignore[attr-defined]

    interface = next(r for r in harness.activities() if r.description == "Interface")
    expected = 20 * 60 if choice is IdleChoice.DISCARD else 20 * 60 + 30 + 20
    assert abs(interface.seconds - expected) < 60
    assert conflict_notices(harness) == []
