"""The daily assistant: its settings in Settings.extra, the system hooks probed once, the ticking
timers of a session (and nothing after it closed), wake-ups, and the idle source as Settings
describes it."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from moco_desktop.core.i18n import set_language, tr
from moco_desktop.core.quick_entry import RoundingPolicy
from moco_desktop.demo.clock import FakeClock
from moco_desktop.services.idle_watch import IdleSettings, IdleStatus
from moco_desktop.services.reminders import ReminderSettings
from moco_desktop.system.autostart import XdgAutostart
from moco_desktop.system.idle import IdleAttempt, IdleSourceError, UnavailableIdleSource
from moco_desktop.system.power import FakePowerEvents
from moco_desktop.ui.assistant import (
    IDLE_TICK_SECONDS,
    DailySettings,
    SystemHooks,
    describe_idle_status,
)
from moco_desktop.ui.shell import DesktopShell
from tests.ui.conftest import FakeSystem, Moco, logged_in, wait_for


def test_daily_settings_round_trip_through_settings_extra() -> None:
    settings = DailySettings(
        IdleSettings(enabled=False, threshold_minutes=25),
        ReminderSettings(not_tracking_minutes=30, work_days=frozenset({0, 1, 2})),
        RoundingPolicy(True, 15, "nearest"),
    )
    extra = settings.to_extra()
    assert set(extra) == {"idle", "reminders", "rounding"}
    assert DailySettings.from_extra(extra) == settings


def test_missing_or_broken_daily_settings_fall_back_to_the_defaults() -> None:
    assert DailySettings.from_extra({}) == DailySettings()
    broken = {"idle": "yes", "reminders": {"not_tracking_minutes": -3}, "rounding": [1]}
    assert DailySettings.from_extra(broken) == DailySettings()
    assert not DailySettings().rounding.enabled  # rounding is off unless asked for


async def test_the_hooks_probe_once_and_close_what_they_started() -> None:
    calls: list[str] = []
    power = FakePowerEvents()
    unavailable = UnavailableIdleSource([])

    def idle_source() -> UnavailableIdleSource:
        calls.append("idle")
        return unavailable

    def power_events(tick: float) -> FakePowerEvents:
        calls.append(f"power {tick:g}")
        power.start()
        return power

    hooks = SystemHooks(idle_source=idle_source, power_events=power_events, autostart=None)
    first = await hooks.probe()
    second = await hooks.probe()
    assert first == second == (unavailable, power)
    assert calls == ["idle", f"power {IDLE_TICK_SECONDS}"]
    assert hooks.idle_source is unavailable
    assert isinstance(hooks.autostart, XdgAutostart)  # this platform's, made when asked
    hooks.close()
    assert not power.started
    assert hooks.idle_source is None


async def test_power_watchers_that_fail_leave_the_idle_watch_working(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(_tick: float) -> FakePowerEvents:
        raise OSError("no bus")

    unavailable = UnavailableIdleSource([])
    hooks = SystemHooks(idle_source=lambda: unavailable, power_events=broken)
    with caplog.at_level(logging.ERROR, "moco_desktop.ui"):
        assert await hooks.probe() == (unavailable, None)
    assert "sleep and lock watchers could not start" in caplog.text


async def test_a_session_ticks_while_open_and_stops_when_closed(
    shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    session = await logged_in(shell, moco)
    assistant = shell.assistant
    assert assistant is not None
    assert assistant.session is session
    await wait_for(lambda: assistant.running)
    idle_timer, reminder_timer = assistant._idle_timer, assistant._reminder_timer
    assert idle_timer.isActive()
    assert idle_timer.interval() == IDLE_TICK_SECONDS * 1000
    assert reminder_timer.isActive()
    assert reminder_timer.interval() == 60_000
    assert session.rounding == RoundingPolicy()  # Settings' rounding reaches the session
    assert assistant.idle_status() == IdleStatus("fake", True, None, "fake")

    await shell.logout()
    assert shell.assistant is None
    assert not assistant.running
    assert assistant.tick_idle() is None
    assert assistant.check_reminders() == []


async def test_waking_up_rechecks_moco_and_the_reminders(
    frozen: FakeClock, shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    session = await logged_in(shell, moco)
    assistant = shell.assistant
    assert assistant is not None
    await wait_for(lambda: assistant.idle_watch is not None)
    workspace = session.workspace

    def reachability_known() -> bool:
        return workspace.reachability_known

    assert reachability_known()
    system.power.emit("resume", frozen.now(), since=frozen.now() - dt.timedelta(hours=2))
    assistant.tick_idle()
    assert not reachability_known()  # MOCO is asked again at once
    assert assistant._resume_timer.isActive()  # and the reminders once that has landed


async def test_a_failing_idle_source_does_not_break_the_ticker(
    shell: DesktopShell, moco: Moco, system: FakeSystem, caplog: pytest.LogCaptureFixture
) -> None:
    await logged_in(shell, moco)
    assistant = shell.assistant
    assert assistant is not None
    await wait_for(lambda: assistant.idle_watch is not None)

    def explode() -> float:
        raise RuntimeError("the source broke")

    system.idle.idle_seconds = explode  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, "moco_desktop.ui"):
        assert assistant.tick_idle() is None
    assert "the idle watch failed" in caplog.text
    assert assistant.running


def test_settings_describe_the_idle_source_or_why_there_is_none() -> None:
    assert describe_idle_status(None, None) == (tr("assistant.idle_checking"), True)
    status = IdleStatus("gnome-mutter", True, None, "logind+screensaver+clock")
    text, works = describe_idle_status(status, None)
    assert works
    assert text == (
        "Idle time is measured with GNOME (Mutter IdleMonitor); sleep and screen lock are "
        "noticed through logind, ScreenSaver (D-Bus), clock jumps."
    )
    unavailable = UnavailableIdleSource(
        [
            IdleAttempt("gnome-mutter", IdleSourceError("idle.why.no_bus", error="no address")),
            IdleAttempt("x11", IdleSourceError("idle.why.wayland")),
        ]
    )
    text, works = describe_idle_status(
        IdleStatus("unavailable", False, unavailable.reason, "clock"), unavailable
    )
    assert not works
    assert "gnome-mutter: no D-Bus session bus (no address)" in text
    assert "x11: a Wayland session" in text
    set_language("de")
    text, _ = describe_idle_status(
        IdleStatus("unavailable", False, unavailable.reason, "clock"), unavailable
    )
    assert text.startswith("Die Leerlaufzeit lässt sich auf diesem System nicht messen")
    assert "x11: eine Wayland-Sitzung" in text


async def test_the_assistant_starts_after_the_first_paint_or_when_needed(
    shell: DesktopShell, moco: Moco
) -> None:
    shell.assistant_delay_ms = 200
    await shell.login_with_api_key("demo", moco.account.staff.api_key)
    assert shell.assistant is None  # not on the way to the first paint
    await wait_for(lambda: shell.assistant is not None)

    await shell.logout()
    await shell.login_with_api_key("demo", moco.account.staff.api_key)
    assert shell.assistant is None
    assert shell.open_quick_entry() is not None  # needed now: started now
    assert shell.assistant is not None


async def test_acting_for_a_colleague_silences_idle_prompts_and_reminders(
    shell: DesktopShell, moco: Moco
) -> None:
    await logged_in(shell, moco)
    own = shell.assistant
    assert own is not None
    assert not own.quiet
    assert own.settings.idle.enabled
    assert own.settings.reminders.enabled

    colleague = moco.state.users[moco.jonas]
    await shell.act_as(moco.jonas, colleague.full_name)
    await shell.runner.wait_idle()  # the colleague's first refresh
    acting = shell.assistant
    assert acting is not None
    assert acting is not own
    assert acting.quiet  # their day is not the person at this computer's
    assert not acting.settings.idle.enabled
    assert not acting.settings.reminders.enabled
    acting.apply(shell.daily_settings())  # Settings cannot switch them on meanwhile
    assert not acting.settings.reminders.enabled
    assert acting.settings.rounding == shell.daily_settings().rounding

    shell.act_as_self()
    await shell.runner.wait_idle()
    back = shell.assistant
    assert back is not None
    assert not back.quiet
    assert back.settings.reminders.enabled


def test_every_text_of_the_daily_windows_has_a_german_version() -> None:
    import moco_desktop.ui.idle_prompt
    import moco_desktop.ui.quick_entry
    import moco_desktop.ui.reminder_panel
    import moco_desktop.ui.settings
    import moco_desktop.ui.shell
    import moco_desktop.ui.timesheet  # noqa: F401
    from moco_desktop.core.i18n import missing_translations

    assert missing_translations("de") == []
