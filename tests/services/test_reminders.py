"""Reminders on a fake clock: working hours from the employment pattern, silence on absences
and holidays, the three kinds, snooze / not today / repeat, no bursts after sleep; the service
on a fake Workspace and on the real one against the embedded server."""

from __future__ import annotations

import datetime as dt

import pytest

from moco_desktop.core.entities import (
    Assignment,
    Employment,
    Presence,
    Schedule,
    WorkPattern,
)
from moco_desktop.core.i18n import missing_translations
from moco_desktop.services.idle_watch import TimerChangedError
from moco_desktop.services.reminders import (
    DayState,
    Reminder,
    ReminderAction,
    ReminderEngine,
    ReminderError,
    ReminderKind,
    ReminderService,
    ReminderSettings,
    ReminderSettingsError,
    day_state_from,
    working_windows,
)
from tests.services.conftest import TODAY, Harness
from tests.services.test_idle_watch import (
    BERLIN,
    DAY,
    FakeClock,
    FakeWorkspace,
    at,
    make_activity,
)

FULL_TIME = Employment(
    1, 40.0, WorkPattern((4, 4, 4, 4, 4), (4, 4, 4, 4, 0)), dt.date(2020, 1, 1), None
)  # Friday afternoons off
FRIDAY = DAY + dt.timedelta(days=1)
SATURDAY = DAY + dt.timedelta(days=2)


def presence(
    day: dt.date = DAY, start: dt.time = dt.time(8, 0), end: dt.time | None = None
) -> Presence:
    return Presence(1, day, start, end)


def absence(day: dt.date, code: str = "4", *, am: bool = False, pm: bool = False) -> Schedule:
    return Schedule(9, day, am, pm, Assignment(3, "Holiday", code))


def state(
    day: dt.date = DAY,
    *,
    clocked_in: bool = True,
    running: bool = False,
    booked: int = 0,
    schedules: tuple[Schedule, ...] = (),
    employments: tuple[Employment, ...] = (FULL_TIME,),
    clock_start: dt.time = dt.time(8, 0),
) -> DayState:
    entries = []
    last = None
    if booked:
        last = make_activity(5, date=day, seconds=booked, description="Earlier")
        entries.append(last)
    running_activity = None
    if running:
        running_activity = make_activity(6, date=day, started=at(8, 0, day=day))
        entries.append(running_activity)
    return DayState(
        date=day,
        entries=tuple(entries),
        presences=(presence(day, clock_start),) if clocked_in else (),
        running=running_activity,
        last_entry=last,
        employments=employments,
        schedules=schedules,
    )


def run(
    engine: ReminderEngine, day: DayState, start: dt.datetime, end: dt.datetime, minutes: int = 1
) -> list[Reminder]:
    """Evaluate every `minutes` from start to end (inclusive); all reminders fired."""
    fired: list[Reminder] = []
    now = start
    while now <= end:
        fired.extend(engine.evaluate(now, day))
        now += dt.timedelta(minutes=minutes)
    return fired


# --- working hours ---------------------------------------------------------------------------


def test_working_windows_follow_the_employment_pattern_and_absences() -> None:
    settings = ReminderSettings()
    assert working_windows(DAY, settings, [FULL_TIME], []) == [(dt.time(8), dt.time(18))]
    assert working_windows(FRIDAY, settings, [FULL_TIME], []) == [(dt.time(8), dt.time(12, 30))]
    assert working_windows(SATURDAY, settings, [FULL_TIME], []) == []
    assert working_windows(DAY, settings, [FULL_TIME], [absence(DAY)]) == []
    assert working_windows(DAY, settings, [FULL_TIME], [absence(DAY, am=True)]) == [
        (dt.time(12, 30), dt.time(18))
    ]
    # Without an employment: Monday to Friday.
    assert working_windows(SATURDAY, settings, [], []) == []
    assert working_windows(FRIDAY, settings, [], []) == [(dt.time(8), dt.time(18))]
    # Settings override the pattern.
    override = ReminderSettings(work_days=frozenset({5}), work_start=dt.time(10))
    assert working_windows(SATURDAY, override, [FULL_TIME], []) == [(dt.time(10), dt.time(18))]
    assert working_windows(DAY, override, [FULL_TIME], []) == []


# --- not tracking ----------------------------------------------------------------------------


def test_not_tracking_fires_after_the_configured_minutes_while_clocked_in() -> None:
    engine = ReminderEngine()
    day = state(booked=3600)

    fired = run(engine, day, at(9, 0), at(9, 20))

    [reminder] = fired
    assert reminder.kind is ReminderKind.NOT_TRACKING
    assert reminder.due_at == at(9, 15)
    assert reminder.actions == (
        ReminderAction.START_LAST,
        ReminderAction.PICK,
        ReminderAction.SNOOZE,
        ReminderAction.NOT_TODAY,
    )
    assert reminder.activity is not None
    assert reminder.activity.description == "Earlier"
    assert reminder.title == "No timer running"
    assert reminder.message == "You are clocked in, but nothing has been tracked for 15 min."
    assert (
        reminder.message_in("de") == "Du bist eingestempelt, aber seit 15 min wird nichts erfasst."
    )
    assert [a.label_in("de") for a in reminder.actions] == [
        "Letzten Eintrag starten",
        "Auswählen…",
        "Später erinnern",
        "Heute nicht mehr",
    ]


def test_not_tracking_needs_a_presence_unless_configured_otherwise() -> None:
    day = state(clocked_in=False)
    assert run(ReminderEngine(), day, at(9, 0), at(11, 0)) == []

    engine = ReminderEngine(ReminderSettings(require_clocked_in=False))
    [reminder] = run(engine, day, at(9, 0), at(9, 20))
    assert reminder.message == "Nothing has been tracked for 15 min during working hours."
    assert ReminderAction.START_LAST not in reminder.actions  # no entry to continue


def test_no_not_tracking_reminder_while_a_timer_runs_or_outside_working_hours() -> None:
    def not_tracking(fired: list[Reminder]) -> list[Reminder]:
        return [r for r in fired if r.kind is ReminderKind.NOT_TRACKING]

    assert not_tracking(run(ReminderEngine(), state(running=True), at(9, 0), at(12, 0))) == []
    assert not_tracking(run(ReminderEngine(), state(), at(18, 0), at(22, 0))) == []
    friday_afternoon = run(
        ReminderEngine(), state(FRIDAY), at(13, 0, day=FRIDAY), at(17, 0, day=FRIDAY)
    )
    assert not_tracking(friday_afternoon) == []  # a half day


def test_the_stretch_counts_from_clocking_in_and_from_the_start_of_work() -> None:
    engine = ReminderEngine()
    early = state(clock_start=dt.time(7, 0))

    [reminder] = run(engine, early, at(7, 0), at(9, 0))

    assert reminder.due_at == at(8, 15)  # working hours begin at 08:00


def test_a_shown_reminder_repeats_after_the_repeat_interval() -> None:
    engine = ReminderEngine(ReminderSettings(repeat_minutes=60))

    fired = run(engine, state(), at(9, 0), at(11, 20))

    assert [r.due_at for r in fired] == [at(9, 15), at(10, 15), at(11, 15)]


def test_snooze_brings_it_back_after_the_snooze_minutes() -> None:
    engine = ReminderEngine(ReminderSettings(snooze_minutes=10, repeat_minutes=120))
    day = state()
    [first] = run(engine, day, at(9, 0), at(9, 15))

    engine.snooze(first.kind, at(9, 16))

    assert [r.due_at for r in run(engine, day, at(9, 17), at(9, 40))] == [at(9, 26)]


def test_not_today_silences_a_kind_until_tomorrow() -> None:
    engine = ReminderEngine()
    day = state()
    [first] = run(engine, day, at(9, 0), at(9, 15))

    engine.not_today(first.kind, at(9, 16))

    later = run(engine, day, at(9, 17), at(17, 59), minutes=5)
    assert [r.kind for r in later] == [ReminderKind.GAP, ReminderKind.GAP]  # other kinds go on
    assert engine.is_silenced_today(ReminderKind.NOT_TRACKING)
    tomorrow = state(FRIDAY)
    fired = run(engine, tomorrow, at(9, 0, day=FRIDAY), at(9, 30, day=FRIDAY))
    assert [r.kind for r in fired] == [ReminderKind.NOT_TRACKING]


def test_starting_a_timer_resets_the_stretch() -> None:
    engine = ReminderEngine()
    run(engine, state(), at(9, 0), at(9, 10))
    run(engine, state(running=True), at(9, 11), at(9, 30))

    fired = run(engine, state(), at(9, 31), at(9, 50))

    assert [r.due_at for r in fired] == [at(9, 46)]


# --- gap -------------------------------------------------------------------------------------


def test_gap_fires_at_the_lunch_checkpoint_with_the_unbooked_time() -> None:
    engine = ReminderEngine(ReminderSettings(not_tracking_minutes=480))
    day = state(booked=3 * 3600 + 10 * 60)  # present since 08:00; 3 h 10 min booked

    fired = run(engine, day, at(12, 0), at(12, 45))

    [gap] = fired
    assert gap.kind is ReminderKind.GAP
    assert gap.due_at == at(12, 30)
    assert gap.gap_seconds == 4 * 3600 + 30 * 60 - (3 * 3600 + 10 * 60)  # 1 h 20 min
    assert gap.message == "1 h 20 min not booked today"
    assert gap.message_in("de") == "1 h 20 min heute nicht gebucht"
    assert gap.actions == (
        ReminderAction.BOOK_GAP,
        ReminderAction.SNOOZE,
        ReminderAction.NOT_TODAY,
    )
    assert gap.title_in("de") == "Zeit nicht gebucht"


def test_gap_stays_silent_when_everything_is_booked() -> None:
    engine = ReminderEngine(ReminderSettings(not_tracking_minutes=480))
    day = state(booked=int(4.5 * 3600) - 60)  # 1 min short: below the 30-minute threshold

    assert run(engine, day, at(12, 0), at(17, 0), minutes=5) == []


def test_missed_checkpoints_collapse_into_the_latest_after_sleep() -> None:
    engine = ReminderEngine(ReminderSettings(not_tracking_minutes=480))
    day = state(booked=3600)
    engine.evaluate(at(11, 0), day)

    fired = engine.evaluate(at(18, 30), day)  # slept through both checkpoints

    [gap] = fired
    assert gap.kind is ReminderKind.GAP
    assert engine.evaluate(at(18, 31), day) == []
    assert run(engine, day, at(18, 32), at(23, 0), minutes=10) == []


def test_a_snoozed_gap_comes_back_only_if_still_open() -> None:
    engine = ReminderEngine(ReminderSettings(not_tracking_minutes=480, snooze_minutes=30))
    open_day = state(booked=3600)
    [gap] = run(engine, open_day, at(12, 30), at(12, 30))
    engine.snooze(gap.kind, at(12, 31))

    booked_day = state(booked=4 * 3600 + 45 * 60)  # the person booked the rest meanwhile
    assert run(engine, booked_day, at(12, 32), at(17, 0), minutes=2) == []


# --- long timers -----------------------------------------------------------------------------


def test_a_timer_running_past_midnight_offers_to_stop_at_the_end_of_work() -> None:
    engine = ReminderEngine()
    started = at(16, 0)
    running = make_activity(8, date=DAY, started=started)
    day = DayState(date=FRIDAY, running=running, employments=(FULL_TIME,))

    [reminder] = engine.evaluate(at(8, 5, day=FRIDAY), day)

    assert reminder.kind is ReminderKind.LONG_TIMER
    assert reminder.actions[0] is ReminderAction.STOP_TIMER_AT
    assert reminder.suggested_stop_at == at(18, 0)
    assert reminder.activity == running
    assert reminder.message == (
        "The timer on Website / Development has been running since 2025-03-13, 16:00, "
        "past midnight."
    )


def test_a_timer_running_longer_than_the_limit_is_reported_once_per_repeat() -> None:
    engine = ReminderEngine(ReminderSettings(long_timer_hours=4, repeat_minutes=60))
    day = state(running=True)

    fired = run(engine, day, at(11, 0), at(12, 30), minutes=5)

    assert [(r.kind, r.due_at) for r in fired] == [
        (ReminderKind.LONG_TIMER, at(12, 0)),
    ]
    assert fired[0].suggested_stop_at == at(12, 0)
    assert "running since 08:00 (4 h)" in fired[0].message


# --- silence and bursts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule",
    [absence(DAY, "4"), absence(DAY, "2"), absence(DAY, "3", am=True, pm=True)],
    ids=["holiday", "public holiday", "sick"],
)
def test_absences_and_public_holidays_silence_everything(schedule: Schedule) -> None:
    engine = ReminderEngine(ReminderSettings(long_timer_hours=1))
    day = state(booked=600, running=False, schedules=(schedule,))
    long_day = state(running=True, schedules=(schedule,))

    assert run(engine, day, at(8, 0), at(20, 0), minutes=5) == []
    assert run(engine, long_day, at(8, 0), at(20, 0), minutes=5) == []


def test_weekends_are_silent() -> None:
    assert (
        run(
            ReminderEngine(),
            state(SATURDAY),
            at(8, 0, day=SATURDAY),
            at(20, 0, day=SATURDAY),
            minutes=5,
        )
        == []
    )


def test_never_more_than_one_reminder_at_once_and_spaced_apart() -> None:
    engine = ReminderEngine(ReminderSettings(long_timer_hours=1, min_spacing_minutes=5))
    day = DayState(
        date=DAY,
        entries=(make_activity(5, seconds=600),),
        presences=(presence(),),
        running=None,
        last_entry=None,
        employments=(FULL_TIME,),
    )
    engine.evaluate(at(11, 0), day)

    first = engine.evaluate(at(12, 40), day)  # gap checkpoint and not tracking both due
    second = engine.evaluate(at(12, 41), day)
    third = engine.evaluate(at(12, 45), day)

    assert [r.kind for r in first] == [ReminderKind.GAP]
    assert second == []
    assert [r.kind for r in third] == [ReminderKind.NOT_TRACKING]


def test_disabled_reminders_never_fire() -> None:
    engine = ReminderEngine(ReminderSettings(enabled=False))
    assert run(engine, state(booked=60), at(8, 0), at(20, 0), minutes=5) == []


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ReminderEngine().evaluate(dt.datetime(2025, 3, 13, 9), state())


# --- settings --------------------------------------------------------------------------------


def test_settings_round_trip_and_fall_back() -> None:
    settings = ReminderSettings(
        not_tracking_minutes=20,
        checkpoints=(dt.time(12), dt.time(16, 45)),
        work_days=frozenset({0, 1, 2}),
        work_start=dt.time(7, 30),
        require_clocked_in=False,
    )
    assert ReminderSettings.from_json(settings.to_json()) == settings
    assert ReminderSettings.from_json({"not_tracking_minutes": 0}) == ReminderSettings()
    assert ReminderSettings.from_json({"work_start": "25:00"}).work_start == dt.time(8)
    assert ReminderSettings.from_json("nonsense") == ReminderSettings()  # type: ignore[arg-type]
    with pytest.raises(ReminderSettingsError, match="work_start"):
        ReminderSettings(work_start=dt.time(19))
    with pytest.raises(ReminderSettingsError, match="work_days"):
        ReminderSettings(work_days=frozenset({7}))


def test_every_reminder_text_has_a_german_translation() -> None:
    assert [key for key in missing_translations("de") if key.startswith("reminders.")] == []


# --- the service on a fake Workspace ---------------------------------------------------------


def fake_service(start: dt.datetime) -> tuple[ReminderService, FakeWorkspace, FakeClock]:
    clock = FakeClock(start)
    workspace = FakeWorkspace(clock)
    workspace.employment_list.append(FULL_TIME)
    workspace.presences.append(presence())
    service = ReminderService(workspace, clock=clock)
    return service, workspace, clock


async def test_start_last_entry_continues_yesterdays_entry_as_a_new_timer() -> None:
    service, workspace, clock = fake_service(at(9, 0))
    yesterday = DAY - dt.timedelta(days=1)
    workspace.add(make_activity(3, date=yesterday, seconds=3600, description="Refactoring"))
    shown: list[Reminder] = []
    service.subscribe(shown.append)
    for _ in range(16):
        service.check()
        clock.advance(minutes=1)
    [reminder] = shown
    assert reminder.activity is not None
    assert reminder.activity.id == 3

    outcome = await service.start_last_entry(reminder)

    running = workspace.running_timer()
    assert running is not None
    assert (running.activity.id, running.activity.date) == (outcome.entity_id, DAY)
    assert running.activity.description == "Refactoring"


async def test_stop_at_a_chosen_time_sets_the_seconds_until_then() -> None:
    service, workspace, _clock = fake_service(at(8, 0, day=FRIDAY))
    workspace.add(make_activity(4, date=DAY, seconds=600, started=at(16, 0)))
    [reminder] = service.check()
    assert reminder.suggested_stop_at == at(18, 0)

    reached = await service.stop_timer_at(reminder, at(17, 30))

    assert reached
    stopped = workspace.activities[4]
    assert (stopped.seconds, stopped.is_running) == (600 + 90 * 60, False)
    assert [name for name, _ in workspace.calls] == ["stop", "update"]


async def test_stop_at_refuses_times_outside_the_timer_and_changed_timers() -> None:
    service, workspace, _clock = fake_service(at(8, 0, day=FRIDAY))
    workspace.add(make_activity(4, date=DAY, started=at(16, 0)))
    [reminder] = service.check()

    with pytest.raises(ReminderError, match="between the timer's start"):
        await service.stop_timer_at(reminder, at(15, 0))
    await workspace.stop_timer()
    with pytest.raises(TimerChangedError):
        await service.stop_timer_at(reminder, at(17, 0))
    without_entry = Reminder(ReminderKind.NOT_TRACKING, at(9), (), "reminders.gap.message")
    with pytest.raises(ReminderError, match="no recent entry"):
        await service.start_last_entry(without_entry)


def test_service_snooze_and_not_today_use_its_clock() -> None:
    service, _workspace, clock = fake_service(at(9, 0))
    reminders: list[Reminder] = []
    for _ in range(16):
        reminders.extend(service.check())
        clock.advance(minutes=1)
    [reminder] = reminders
    service.not_today(reminder)
    for _ in range(120):
        assert service.check() == []
        clock.advance(minutes=1)


# --- the service on the real Workspace -------------------------------------------------------


async def test_day_state_from_the_real_workspace(harness: Harness) -> None:
    workspace = harness.workspace()
    await workspace.refresh()
    project_id, task_id = harness.bookable()
    await workspace.clock_in()
    await workspace.log_activity(TODAY, project_id, task_id, 1800, "Standup")
    harness.advance(minutes=90)

    now = workspace.local_now()
    day = day_state_from(workspace, now)

    assert day.date == TODAY
    assert day.clocked_in
    assert [a.description for a in day.entries] == ["Standup"]
    assert day.last_entry is not None
    assert day.last_entry.description == "Standup"
    assert day.running is None
    assert day.employments == workspace.employments()
    engine = ReminderEngine(ReminderSettings(work_start=dt.time(8), not_tracking_minutes=15))
    service = ReminderService(workspace, engine, clock=workspace.local_now)
    assert service.check() == []  # no timer seen yet: the stretch starts now
    harness.advance(minutes=15)
    [reminder] = service.check()
    assert reminder.kind is ReminderKind.NOT_TRACKING

    outcome = await service.start_last_entry(reminder)

    assert outcome.reached_moco
    [record] = harness.activities()
    assert record.timer_started_at is not None
    assert record.description == "Standup"


def test_berlin_is_the_zone_of_these_tests() -> None:
    assert at(9).tzinfo is BERLIN
