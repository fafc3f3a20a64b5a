"""`moco-desktop` (and `moco-desktop --demo`): start the tray app on a qasync event loop.

Composition level: builds the QApplication, the asyncio loop that Qt drives (qasync), the app
context (or the embedded demo server and its context), makes sure one instance runs per user,
and hands over to `ui.shell.DesktopShell`. Ctrl+C / SIGTERM quit cleanly without a polling
timer (a wake-up socket tells Qt).

Options: `--demo` (embedded MOCO with demo data, logged in as the demo staff user, timesheet
shown), `--show` (open the timesheet at start), `--lang en|de`, `--autostart` (alias `--hidden`:
how start at login launches the app: hidden in the tray, waiting up to 30 s for the desktop's
tray to come up; only if none does, or nobody is logged in, a window opens). For benchmarks,
`MOCO_DESKTOP_STARTUP_REPORT=FILE` appends `{"event": ..., "t": unix time}` lines when the tray
icon is shown (and where), the timesheet is first painted, the data is loaded and the timer
state changes; `MOCO_DESKTOP_INSTANCE=NAME`
overrides the single-instance name (tests running beside a real app).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from moco_desktop.core.i18n import SUPPORTED_LANGUAGES, set_language

if TYPE_CHECKING:
    from moco_desktop.ui.session import Session
    from moco_desktop.ui.shell import DesktopShell


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="moco-desktop", add_help=True)
    parser.add_argument("--demo", action="store_true", help="run against the built-in demo MOCO")
    parser.add_argument("--show", action="store_true", help="open the timesheet at start")
    parser.add_argument("--lang", choices=SUPPORTED_LANGUAGES, help="language of the interface")
    parser.add_argument(
        "--autostart",
        "--hidden",
        dest="hidden",
        action="store_true",
        help="start hidden in the tray (start at login uses this)",
    )
    return parser.parse_known_args(argv)


TRAY_WAIT_SECONDS = 30.0
TRAY_POLL_SECONDS = 0.5


async def _wait_for_tray(seconds: float = TRAY_WAIT_SECONDS) -> bool:
    """At login the desktop's tray may come up after us: wait for it a while."""
    import asyncio

    from PySide6.QtWidgets import QSystemTrayIcon

    waited = 0.0
    while not QSystemTrayIcon.isSystemTrayAvailable():
        if waited >= seconds:
            return False
        await asyncio.sleep(TRAY_POLL_SECONDS)
        waited += TRAY_POLL_SECONDS
    return True


def _report(event: str, **data: object) -> None:
    target = os.environ.get("MOCO_DESKTOP_STARTUP_REPORT")
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(json.dumps({"event": event, "t": time.time(), **data}) + "\n")


def _report_tray_geometry(
    shell: DesktopShell, attempts: int = 100, previous: tuple[int, ...] | None = None
) -> None:
    """Once the tray host has placed the icon (same place twice in a row), say where."""
    from PySide6.QtCore import QTimer

    geometry = shell.tray.tray.geometry()
    where = (geometry.x(), geometry.y(), geometry.width(), geometry.height())
    placed = geometry.width() > 0 and (geometry.x() > 0 or geometry.y() > 0)
    if placed and where == previous:
        x, y, width, height = where
        _report("tray_geometry", x=x, y=y, width=width, height=height)
    elif attempts > 0:
        QTimer.singleShot(
            100, lambda: _report_tray_geometry(shell, attempts - 1, where if placed else None)
        )


def _report_data_when_loaded(session: Session) -> None:
    """Say once what the session shows once loaded (projects and recent entries)."""
    reported = False

    def report(_kinds: object) -> None:
        nonlocal reported
        projects = session.workspace.projects()
        if reported or not projects or not session.recent_entries():
            return
        reported = True
        _report(
            "data_loaded",
            projects=len(projects),
            recent_entries=len(session.recent_entries()),
            running=session.running() is not None,
        )

    session.referenceChanged.connect(report)
    session.activitiesChanged.connect(report)

    def timer_state(*_args: object) -> None:
        running = session.running()
        _report(
            "timer_state",
            running=running is not None,
            description=running.activity.description if running is not None else "",
            pending=session.pending_count,
        )

    session.runningChanged.connect(timer_state)
    session.pendingChanged.connect(timer_state)


def run_gui(argv: list[str]) -> int:
    """Run the desktop app until Quit; returns the process exit code."""
    options, qt_arguments = _parse(argv)
    if options.lang:
        set_language(options.lang)
    from moco_desktop.system.memory import return_free_memory_in_background, tune_allocator

    tune_allocator()  # before Qt, D-Bus or asyncio start threads

    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from moco_desktop.ui.pyside_import_hook import skip_feature_scan

    skip_feature_scan()  # before the other imports: PySide6 would read each module's source

    from moco_desktop.ui.icons import app_icon, idle_tray_icon
    from moco_desktop.ui.single_instance import (
        SingleInstance,
        instance_name,
        notify_running_instance,
    )

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_arguments])
    assert isinstance(app, QApplication)
    app.setApplicationName("MOCO Desktop")
    app.setOrganizationName("MOCO Desktop")
    app.setDesktopFileName("moco-desktop")
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(app_icon())
    # Cyclic garbage is collected on this (the GUI) thread only: Qt objects freed from the
    # D-Bus listener or demo server threads would crash the app.
    from moco_desktop.ui.main_thread_gc import MainThreadGarbageCollector

    garbage_collector = MainThreadGarbageCollector(app, on_quiet=return_free_memory_in_background)

    name = os.environ.get("MOCO_DESKTOP_INSTANCE") or instance_name("demo" if options.demo else "")
    if notify_running_instance(name):
        print("MOCO Desktop is already running; its window was brought forward.")
        return 0
    single = SingleInstance(name)
    single.listen()

    # The tray icon first, before the network, keyring and database stacks are imported: the
    # app is visibly there at once; its menu arrives with the rest a moment later.
    def show_tray_icon() -> QSystemTrayIcon:
        icon = QSystemTrayIcon(idle_tray_icon())
        icon.setToolTip("MOCO Desktop")
        icon.show()
        _report("tray_shown")
        return icon

    tray_icon = show_tray_icon() if QSystemTrayIcon.isSystemTrayAvailable() else None

    import asyncio  # perf (issue 4): ~15 ms, after the tray icon is up

    import qasync
    from PySide6.QtCore import QSocketNotifier

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    quit_event = asyncio.Event()

    # Unix signals: the handler writes to a socket Qt watches, so no timer has to poll.
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous_wakeup = signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def on_signal_byte() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)
        quit_event.set()

    notifier.activated.connect(on_signal_byte)
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: None)

    demo = None
    try:
        from moco_desktop.app import AppContext, DemoEnvironment
        from moco_desktop.ui.shell import DesktopShell

        if options.demo:
            demo = DemoEnvironment.start()
            context = demo.context()
            _report("demo_server", base_url=demo.server.base_url)
        else:
            context = AppContext.create()
        if options.lang:
            set_language(options.lang)
        app.aboutToQuit.connect(quit_event.set)

        def build_shell(icon: QSystemTrayIcon | None) -> DesktopShell:
            shell = DesktopShell(context, tray_icon=icon)
            if os.environ.get("MOCO_DESKTOP_STARTUP_REPORT"):
                if icon is not None:
                    _report_tray_geometry(shell)
                shell.sessionOpened.connect(_report_data_when_loaded)
            shell.timesheetPainted.connect(lambda: _report("timesheet_painted"))
            single.activationRequested.connect(shell.activate)
            shell.quitRequested.connect(quit_event.set)
            return shell

        async def main() -> None:
            icon = tray_icon
            if icon is None and options.hidden and await _wait_for_tray():
                icon = show_tray_icon()
            shell = build_shell(icon)
            if demo is not None:
                await shell.login_with_api_key(demo.account.domain, demo.account.staff.api_key)
            else:
                await shell.start(show_timesheet=options.show and not options.hidden)
            await quit_event.wait()
            await shell.shutdown()

        with loop:
            loop.run_until_complete(main())
    finally:
        notifier.setEnabled(False)
        signal.set_wakeup_fd(previous_wakeup)
        reader.close()
        writer.close()
        single.close()
        if demo is not None:
            demo.stop()
        garbage_collector.stop()
    return 0
