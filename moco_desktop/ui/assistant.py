"""What notices forgotten time while the app runs: the idle watch and the reminders, on Qt timers.

`SystemHooks` are the operating-system parts (idle source, sleep/lock events, start at login),
probed once per process off the UI thread; tests hand in fakes. `DailyAssistant` binds them to
one session: `IdleWatch.tick()` every 5 s and `ReminderService.check()` every minute, both on
coarse Qt timers (no thread, nothing else wakes up), and turns what they find into the signals
`idlePrompted(IdlePrompt)` and `reminderDue(Reminder)` for the shell's windows. While a staff
user acts for a colleague, both stay quiet: they are about the person at this computer, not
the colleague's day. `DailySettings` are the feature settings kept in `Settings.extra` ("idle",
"reminders", "rounding").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import field, replace

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from moco_desktop.core.i18n import register, tr
from moco_desktop.core.quick_entry import RoundingPolicy
from moco_desktop.core.records import record
from moco_desktop.services.idle_watch import IdlePrompt, IdleSettings, IdleStatus, IdleWatch
from moco_desktop.services.quick_entry import QuickEntryService
from moco_desktop.services.reminders import (
    Reminder,
    ReminderEngine,
    ReminderService,
    ReminderSettings,
)
from moco_desktop.system.autostart import Autostart, autostart_for_platform
from moco_desktop.system.idle import IdleSource, UnavailableIdleSource, detect_idle_source
from moco_desktop.system.power import PowerEvents, detect_power_events
from moco_desktop.ui.session import Session

logger = logging.getLogger("moco_desktop.ui")

register(
    {
        "assistant.idle_checking": {
            "en": "Looking for a way to measure idle time on this system…",
            "de": "Es wird nach einer Möglichkeit gesucht, die Leerlaufzeit zu messen…",
        },
        "assistant.idle_source": {
            "en": "Idle time is measured with {source}; sleep and screen lock are noticed "
            "through {watchers}.",
            "de": "Die Leerlaufzeit wird über {source} gemessen; Ruhezustand und "
            "Bildschirmsperre werden über {watchers} erkannt.",
        },
        "assistant.watcher.clock": {"en": "clock jumps", "de": "Zeitsprünge der Uhr"},
        "assistant.watcher.none": {"en": "nothing", "de": "nichts"},
    }
)

SOURCE_NAMES = {
    "gnome-mutter": "GNOME (Mutter IdleMonitor)",
    "freedesktop-screensaver": "org.freedesktop.ScreenSaver",
    "x11": "X11 (XScreenSaver)",
    "windows": "Windows (GetLastInputInfo)",
    "macos": "macOS (CoreGraphics)",
}
WATCHER_NAMES = {"logind": "logind", "screensaver": "ScreenSaver (D-Bus)"}

IDLE_TICK_SECONDS = 5
REMINDER_CHECK_SECONDS = 60
RESUME_CHECK_DELAY_MS = 20_000  # after a wake-up, let the refresh land before reminding


@record
class DailySettings:
    """Idle prompt, reminders and rounding, as stored in `Settings.extra`."""

    idle: IdleSettings = field(default_factory=IdleSettings)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    rounding: RoundingPolicy = field(default_factory=RoundingPolicy)

    @classmethod
    def from_extra(cls, extra: Mapping[str, object]) -> DailySettings:
        def section(name: str) -> Mapping[str, object] | None:
            value = extra.get(name)
            return value if isinstance(value, Mapping) else None

        return cls(
            IdleSettings.from_json(section("idle")),
            ReminderSettings.from_json(section("reminders")),
            RoundingPolicy.from_json(section("rounding")),
        )

    def to_extra(self) -> dict[str, object]:
        return {
            "idle": self.idle.to_json(),
            "reminders": self.reminders.to_json(),
            "rounding": self.rounding.to_json(),
        }


IdleSourceFactory = Callable[[], IdleSource]
PowerEventsFactory = Callable[[float], PowerEvents]


class SystemHooks:
    """The OS parts the daily features use; probed once, shared by every session."""

    def __init__(
        self,
        *,
        idle_source: IdleSourceFactory = detect_idle_source,
        power_events: PowerEventsFactory | None = detect_power_events,
        autostart: Autostart | None = None,
    ) -> None:
        self._idle_factory = idle_source
        self._power_factory = power_events
        self._autostart = autostart
        self._probe: asyncio.Task[tuple[IdleSource, PowerEvents | None]] | None = None
        self.idle_source: IdleSource | None = None
        """The idle source once probed (None while probing)."""
        self.power: PowerEvents | None = None

    @property
    def autostart(self) -> Autostart:
        if self._autostart is None:
            self._autostart = autostart_for_platform()
        return self._autostart

    async def probe(self) -> tuple[IdleSource, PowerEvents | None]:
        """Find the idle source and start the sleep/lock watchers (once, in a worker thread:
        a D-Bus probe may wait for a slow service)."""
        if self._probe is None:
            self._probe = asyncio.ensure_future(asyncio.to_thread(self._detect))
        return await asyncio.shield(self._probe)

    def _detect(self) -> tuple[IdleSource, PowerEvents | None]:
        source = self._idle_factory()
        power: PowerEvents | None = None
        if self._power_factory is not None:
            try:
                power = self._power_factory(float(IDLE_TICK_SECONDS))
            except Exception:
                logger.exception("the sleep and lock watchers could not start")
        self.idle_source, self.power = source, power
        return source, power

    def close(self) -> None:
        power, self.power = self.power, None
        if power is not None:
            power.stop()
        source, self.idle_source = self.idle_source, None
        close: Callable[[], None] | None = getattr(source, "close", None)
        if close is not None:
            close()


class DailyAssistant(QObject):
    """The idle watch and the reminders of one session, ticking on coarse Qt timers."""

    idlePrompted = Signal(object)  # noqa: N815 (Qt naming) - IdlePrompt
    reminderDue = Signal(object)  # noqa: N815 - Reminder
    idleStatusChanged = Signal()  # noqa: N815 - the idle source is known now

    def __init__(
        self,
        session: Session,
        hooks: SystemHooks,
        settings: DailySettings,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.hooks = hooks
        self.quiet = session.identity.impersonating
        settings = self._effective(settings)
        self.settings = settings
        workspace = session.workspace
        self._clock = clock or workspace.local_now
        self.reminders = ReminderService(
            workspace, ReminderEngine(settings.reminders), clock=self._clock
        )
        self.quick_entry = QuickEntryService(workspace, clock=self._clock)
        self.idle_watch: IdleWatch | None = None
        self._unsubscribe: list[Callable[[], None]] = [self.reminders.subscribe(self._reminded)]
        self._closed = False
        session.rounding = settings.rounding

        self._idle_timer = QTimer(self)
        self._idle_timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._idle_timer.setInterval(IDLE_TICK_SECONDS * 1000)
        self._idle_timer.timeout.connect(self.tick_idle)
        self._reminder_timer = QTimer(self)
        self._reminder_timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._reminder_timer.setInterval(REMINDER_CHECK_SECONDS * 1000)
        self._reminder_timer.timeout.connect(self.check_reminders)
        self._resume_timer = QTimer(self)
        self._resume_timer.setSingleShot(True)
        self._resume_timer.setInterval(RESUME_CHECK_DELAY_MS)
        self._resume_timer.timeout.connect(self.check_reminders)

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start checking reminders now and watching idle time once the source is known."""
        self._reminder_timer.start()
        source, power = await self.hooks.probe()
        if self._closed:
            return
        self.idle_watch = IdleWatch(
            self.session.workspace,
            source,
            power,
            settings=self.settings.idle,
            clock=self._clock,
            on_resume=self._resumed,
        )
        self._unsubscribe.append(self.idle_watch.subscribe(self.idlePrompted.emit))
        self._idle_timer.start()
        self.idleStatusChanged.emit()

    def stop(self) -> None:
        self._closed = True
        self._idle_timer.stop()
        self._reminder_timer.stop()
        self._resume_timer.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    @property
    def running(self) -> bool:
        """Whether the idle ticker is armed (the source is known and the session open)."""
        return not self._closed and self.idle_watch is not None

    # --- settings -----------------------------------------------------------------------------

    def _effective(self, settings: DailySettings) -> DailySettings:
        """`settings`, with idle prompts and reminders off while acting for a colleague."""
        if not self.quiet:
            return settings
        return replace(
            settings,
            idle=replace(settings.idle, enabled=False),
            reminders=replace(settings.reminders, enabled=False),
        )

    def apply(self, settings: DailySettings) -> None:
        settings = self._effective(settings)
        self.settings = settings
        self.session.rounding = settings.rounding
        self.reminders.engine.update_settings(settings.reminders)
        if self.idle_watch is not None:
            self.idle_watch.update_settings(settings.idle)

    def idle_status(self) -> IdleStatus | None:
        """Which idle source is used, or why none works; None while it is being found."""
        return self.idle_watch.status() if self.idle_watch is not None else None

    def idle_status_text(self) -> tuple[str, bool]:
        """For Settings, in the current language: (what measures idle time or why nothing
        can, whether it works)."""
        return describe_idle_status(self.idle_status(), self.hooks.idle_source)

    # --- ticks --------------------------------------------------------------------------------

    def tick_idle(self) -> IdlePrompt | None:
        if self.idle_watch is None or self._closed:
            return None
        try:
            return self.idle_watch.tick()
        except Exception:
            logger.exception("the idle watch failed")
            return None

    def check_reminders(self) -> list[Reminder]:
        if self._closed:
            return []
        try:
            return self.reminders.check()
        except Exception:
            logger.exception("the reminder check failed")
            return []

    def _reminded(self, reminder: Reminder) -> None:
        self.reminderDue.emit(reminder)

    def _resumed(self) -> None:
        """The computer woke up: recheck MOCO now, the reminders once that has landed."""
        self.session.workspace.notify_resumed()
        self._resume_timer.start()


def describe_idle_status(status: IdleStatus | None, source: IdleSource | None) -> tuple[str, bool]:
    """(text, works) for Settings: the idle source and power watchers, or the reason."""
    if status is None:
        return tr("assistant.idle_checking"), True
    if isinstance(source, UnavailableIdleSource):
        return source.reason_in(None), False
    if not status.available and status.reason:
        return status.reason, False
    watchers = [
        tr("assistant.watcher.clock") if name == "clock" else WATCHER_NAMES.get(name, name)
        for name in status.power_watchers.split("+")
        if name and name != "none"
    ]
    return (
        tr(
            "assistant.idle_source",
            source=SOURCE_NAMES.get(status.source_name, status.source_name),
            watchers=", ".join(watchers) or tr("assistant.watcher.none"),
        ),
        True,
    )
