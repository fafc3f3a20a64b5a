"""How long the person has not touched keyboard or mouse: one `IdleSource` per platform.

- Windows: `GetLastInputInfo` (user32) against `GetTickCount64` (kernel32), wrap-safe: the last
  input is a 32-bit tick count that wraps after 49.7 days, so the difference is taken modulo 2^32.
- macOS: `CGEventSourceSecondsSinceLastEventType(kCGEventSourceStateHIDSystemState,
  kCGAnyInputEventType)` from CoreGraphics.
- Linux: over D-Bus (jeepney) GNOME's `org.gnome.Mutter.IdleMonitor.GetIdletime` (X11 and
  Wayland), then `org.freedesktop.ScreenSaver.GetSessionIdleTime` (KDE on X11 and others; GNOME's
  proxy and KDE on Wayland answer NotSupported), then the X11 XScreenSaver extension through
  ctypes (libXss) — never on a Wayland session, where X11 only sees XWayland windows' input.

`detect_idle_source()` probes them in that order and returns the first that answers, or an
`UnavailableIdleSource` whose `reason` (in the person's language) says what was tried and why it
failed: Settings shows it, the feature never silently does nothing. `FakeIdleSource` is driven by
a fake clock for tests (of this layer and the ones above).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from moco_desktop.core.errors import CatalogueError
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.records import record
from moco_desktop.system.dbus import (
    SESSION_BUS,
    DBusCallError,
    DBusClient,
    DBusUnavailableError,
    MethodTarget,
)

logger = logging.getLogger("moco_desktop.system.idle")

MESSAGES = register(
    {
        "idle.unavailable": {
            "en": "Idle time cannot be measured on this system, so MOCO Desktop cannot ask "
            "about time away from the computer ({details}). Screen lock and sleep are still "
            "noticed where the system reports them.",
            "de": "Die Leerlaufzeit lässt sich auf diesem System nicht messen, daher kann "
            "MOCO Desktop nicht nach Abwesenheiten vom Computer fragen ({details}). "
            "Bildschirmsperre und Ruhezustand werden weiterhin erkannt, wo das System sie "
            "meldet.",
        },
        "idle.why.no_bus": {
            "en": "no D-Bus session bus ({error})",
            "de": "kein D-Bus-Sitzungsbus ({error})",
        },
        "idle.why.service_missing": {
            "en": "{service} is not running",
            "de": "{service} läuft nicht",
        },
        "idle.why.not_supported": {
            "en": "{service} does not report idle time ({error})",
            "de": "{service} meldet keine Leerlaufzeit ({error})",
        },
        "idle.why.wayland": {
            "en": "a Wayland session, where X11 does not see the input",
            "de": "eine Wayland-Sitzung, in der X11 die Eingaben nicht sieht",
        },
        "idle.why.no_display": {
            "en": "no X11 display",
            "de": "kein X11-Display",
        },
        "idle.why.display_failed": {
            "en": "cannot open the X11 display {display}",
            "de": "das X11-Display {display} lässt sich nicht öffnen",
        },
        "idle.why.no_extension": {
            "en": "the X server has no screen saver extension",
            "de": "der X-Server hat keine Bildschirmschoner-Erweiterung",
        },
        "idle.why.library_missing": {
            "en": "{library} is not installed",
            "de": "{library} ist nicht installiert",
        },
        "idle.why.call_failed": {
            "en": "{call} failed ({error})",
            "de": "{call} ist fehlgeschlagen ({error})",
        },
        "idle.why.unsupported_platform": {
            "en": "no idle source for the platform {platform}",
            "de": "keine Quelle für die Leerlaufzeit auf der Plattform {platform}",
        },
    }
)


class IdleSourceError(CatalogueError):
    """Why an idle source does not work here (an `idle.why.*` message)."""


@runtime_checkable
class IdleSource(Protocol):
    """Seconds since the last keyboard or mouse input of this session."""

    @property
    def name(self) -> str:
        """Short technical name for Settings and logs (e.g. `gnome-mutter`, `x11`)."""
        ...

    @property
    def available(self) -> bool:
        """Whether the source answered its last query (or probe)."""
        ...

    def idle_seconds(self) -> float | None:
        """Seconds without input, or None when the source cannot tell right now."""
        ...


@record
class IdleAttempt:
    """One source `detect_idle_source` tried, and why it did not work."""

    source: str
    error: IdleSourceError

    def describe(self, lang: str | None = None) -> str:
        return f"{self.source}: {self.error.message_in(lang)}"


class UnavailableIdleSource:
    """What `detect_idle_source` returns when nothing works: never idle, says why."""

    name = "unavailable"
    available = False

    def __init__(self, attempts: Sequence[IdleAttempt]) -> None:
        self.attempts = tuple(attempts)

    @property
    def reason(self) -> str:
        return self.reason_in(None)

    def reason_in(self, lang: str | None) -> str:
        details = "; ".join(attempt.describe(lang) for attempt in self.attempts)
        return tr("idle.unavailable", lang=lang, details=details)

    def idle_seconds(self) -> float | None:
        return None

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"UnavailableIdleSource({[a.source for a in self.attempts]!r})"


class _ProbingSource:
    """Shared behaviour: `probe` raises `IdleSourceError`; `idle_seconds` logs and says None."""

    name = "base"

    def __init__(self) -> None:
        self._available = False
        self.last_error: IdleSourceError | None = None

    @property
    def available(self) -> bool:
        return self._available

    def probe(self) -> float:
        """Query once; raises `IdleSourceError` with the reason when it does not work."""
        try:
            value = self._query()
        except IdleSourceError as error:
            self._available = False
            self.last_error = error
            raise
        if value < 0:
            value = 0.0
        self._available = True
        self.last_error = None
        return value

    def idle_seconds(self) -> float | None:
        try:
            return self.probe()
        except IdleSourceError as error:
            logger.debug("idle source %s failed: %s", self.name, error.message_in("en"))
            return None

    def close(self) -> None:
        """Release what the source holds (a bus connection, an X display)."""

    def _query(self) -> float:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------
# Windows

_TICK_MODULUS = 1 << 32


def wrapped_idle_milliseconds(tick_count64: int, last_input_tick32: int) -> int:
    """Milliseconds since the last input, from the 64-bit tick count now and the 32-bit tick
    count of the last input (`LASTINPUTINFO.dwTime`), correct across the 49.7-day wrap."""
    return (tick_count64 - last_input_tick32) % _TICK_MODULUS


class _LastInputInfo(ctypes.Structure):
    _fields_ = (("cbSize", ctypes.c_uint), ("dwTime", ctypes.c_uint32))


class WindowsIdleSource(_ProbingSource):
    """`GetLastInputInfo` + `GetTickCount64`; the two functions can be injected for tests."""

    name = "windows"

    def __init__(
        self,
        last_input_tick: Callable[[], int] | None = None,
        tick_count64: Callable[[], int] | None = None,
    ) -> None:
        super().__init__()
        self._last_input_tick = last_input_tick
        self._tick_count64 = tick_count64

    def _query(self) -> float:
        if self._last_input_tick is None or self._tick_count64 is None:
            self._last_input_tick, self._tick_count64 = _windows_functions()
        milliseconds = wrapped_idle_milliseconds(self._tick_count64(), self._last_input_tick())
        return milliseconds / 1000.0


def _windows_functions() -> tuple[Callable[[], int], Callable[[], int]]:
    win_dll = getattr(ctypes, "WinDLL", None)
    if win_dll is None:
        raise IdleSourceError("idle.why.library_missing", library="user32.dll")
    try:
        user32 = win_dll("user32", use_last_error=True)
        kernel32 = win_dll("kernel32", use_last_error=True)
    except OSError as error:
        raise IdleSourceError("idle.why.library_missing", library=str(error)) from error
    get_last_input_info = user32.GetLastInputInfo
    get_last_input_info.argtypes = (ctypes.POINTER(_LastInputInfo),)
    get_last_input_info.restype = ctypes.c_int
    get_tick_count64 = kernel32.GetTickCount64
    get_tick_count64.argtypes = ()
    get_tick_count64.restype = ctypes.c_uint64

    def last_input_tick() -> int:
        info = _LastInputInfo()
        info.cbSize = ctypes.sizeof(_LastInputInfo)
        if not get_last_input_info(ctypes.byref(info)):
            error = getattr(ctypes, "get_last_error", lambda: 0)()
            raise IdleSourceError("idle.why.call_failed", call="GetLastInputInfo", error=error)
        return int(info.dwTime)

    def tick_count64() -> int:
        return int(get_tick_count64())

    return last_input_tick, tick_count64


# ---------------------------------------------------------------------------------------------
# macOS

_CG_EVENT_SOURCE_STATE_HID_SYSTEM = 1  # kCGEventSourceStateHIDSystemState: hardware input only
_CG_ANY_INPUT_EVENT_TYPE = 0xFFFFFFFF  # kCGAnyInputEventType = ~0 (CGEventType is uint32)
_CORE_GRAPHICS_PATH = "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics"


class MacIdleSource(_ProbingSource):
    """`CGEventSourceSecondsSinceLastEventType`; the function can be injected for tests."""

    name = "macos"

    def __init__(self, seconds_since_last_input: Callable[[], float] | None = None) -> None:
        super().__init__()
        self._seconds = seconds_since_last_input

    def _query(self) -> float:
        if self._seconds is None:
            self._seconds = _core_graphics_idle_function()
        return float(self._seconds())


def _core_graphics_idle_function() -> Callable[[], float]:
    path = ctypes.util.find_library("CoreGraphics") or _CORE_GRAPHICS_PATH
    try:
        core_graphics = ctypes.CDLL(path)
        function = core_graphics.CGEventSourceSecondsSinceLastEventType
    except (OSError, AttributeError) as error:
        raise IdleSourceError("idle.why.library_missing", library="CoreGraphics") from error
    function.argtypes = (ctypes.c_int32, ctypes.c_uint32)
    function.restype = ctypes.c_double

    def seconds() -> float:
        return float(function(_CG_EVENT_SOURCE_STATE_HID_SYSTEM, _CG_ANY_INPUT_EVENT_TYPE))

    return seconds


# ---------------------------------------------------------------------------------------------
# Linux: D-Bus

MUTTER_IDLE_MONITOR = MethodTarget(
    "org.gnome.Mutter.IdleMonitor",
    "/org/gnome/Mutter/IdleMonitor/Core",
    "org.gnome.Mutter.IdleMonitor",
)
FREEDESKTOP_SCREENSAVER_PATHS = ("/org/freedesktop/ScreenSaver", "/ScreenSaver")
FREEDESKTOP_SCREENSAVER_NAME = "org.freedesktop.ScreenSaver"


class DBusIdleSource(_ProbingSource):
    """A D-Bus method that answers milliseconds of idle time, tried at one or more paths."""

    def __init__(
        self,
        name: str,
        targets: Sequence[MethodTarget],
        method: str,
        *,
        client: DBusClient | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        self._targets = tuple(targets)
        self._method = method
        self._client = client if client is not None else DBusClient(SESSION_BUS)
        self._working: MethodTarget | None = None

    @property
    def service(self) -> str:
        return self._targets[0].bus_name

    def _query(self) -> float:
        targets = self._targets if self._working is None else (self._working,)
        last_error: IdleSourceError | None = None
        for target in targets:
            try:
                body = self._client.call(target, self._method)
            except DBusUnavailableError as error:
                self._working = None
                raise IdleSourceError("idle.why.no_bus", error=str(error)) from error
            except DBusCallError as error:
                self._working = None
                if error.service_missing:
                    missing = IdleSourceError("idle.why.service_missing", service=self.service)
                    raise missing from error
                last_error = IdleSourceError(
                    "idle.why.not_supported", service=self.service, error=error.name
                )
                continue
            if not body or not isinstance(body[0], int):
                last_error = IdleSourceError(
                    "idle.why.not_supported", service=self.service, error=repr(body)
                )
                continue
            self._working = target
            return int(body[0]) / 1000.0
        assert last_error is not None
        raise last_error

    def close(self) -> None:
        self._client.close()


def mutter_idle_source(client: DBusClient | None = None) -> DBusIdleSource:
    """GNOME (Mutter), X11 and Wayland: `GetIdletime` answers milliseconds (uint64)."""
    return DBusIdleSource("gnome-mutter", (MUTTER_IDLE_MONITOR,), "GetIdletime", client=client)


def freedesktop_screensaver_idle_source(client: DBusClient | None = None) -> DBusIdleSource:
    """KDE (X11) and others: `GetSessionIdleTime` answers milliseconds (uint32)."""
    targets = tuple(
        MethodTarget(FREEDESKTOP_SCREENSAVER_NAME, path, FREEDESKTOP_SCREENSAVER_NAME)
        for path in FREEDESKTOP_SCREENSAVER_PATHS
    )
    return DBusIdleSource("freedesktop-screensaver", targets, "GetSessionIdleTime", client=client)


# ---------------------------------------------------------------------------------------------
# Linux: X11 (XScreenSaver extension)


class _XScreenSaverInfo(ctypes.Structure):
    _fields_ = (
        ("window", ctypes.c_ulong),
        ("state", ctypes.c_int),
        ("kind", ctypes.c_int),
        ("til_or_since", ctypes.c_ulong),
        ("idle", ctypes.c_ulong),
        ("eventMask", ctypes.c_ulong),
    )


class X11IdleSource(_ProbingSource):
    """`XScreenSaverQueryInfo` on `display` (default: $DISPLAY); the display stays open."""

    name = "x11"

    def __init__(self, display: str | None = None) -> None:
        super().__init__()
        self.display_name = display
        self._xlib: Any = None
        self._xss: Any = None
        self._display: int | None = None
        self._info: Any = None

    def _query(self) -> float:
        if self._display is None:
            self._open()
        assert self._display is not None
        root = self._xlib.XDefaultRootWindow(self._display)
        if not self._xss.XScreenSaverQueryInfo(self._display, root, self._info):
            raise IdleSourceError("idle.why.call_failed", call="XScreenSaverQueryInfo", error=0)
        return int(self._info.contents.idle) / 1000.0

    def _open(self) -> None:
        display_name = self.display_name or os.environ.get("DISPLAY", "")
        if not display_name:
            raise IdleSourceError("idle.why.no_display")
        self._xlib = _load_library("X11", "libX11.so.6")
        self._xss = _load_library("Xss", "libXss.so.1")
        xlib, xss = self._xlib, self._xss
        xlib.XOpenDisplay.argtypes = (ctypes.c_char_p,)
        xlib.XOpenDisplay.restype = ctypes.c_void_p
        xlib.XDefaultRootWindow.argtypes = (ctypes.c_void_p,)
        xlib.XDefaultRootWindow.restype = ctypes.c_ulong
        xlib.XCloseDisplay.argtypes = (ctypes.c_void_p,)
        xlib.XCloseDisplay.restype = ctypes.c_int
        xlib.XFree.argtypes = (ctypes.c_void_p,)
        xlib.XFree.restype = ctypes.c_int
        xss.XScreenSaverQueryExtension.argtypes = (
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_int),
            ctypes.POINTER(ctypes.c_int),
        )
        xss.XScreenSaverQueryExtension.restype = ctypes.c_int
        xss.XScreenSaverAllocInfo.argtypes = ()
        xss.XScreenSaverAllocInfo.restype = ctypes.POINTER(_XScreenSaverInfo)
        xss.XScreenSaverQueryInfo.argtypes = (
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.POINTER(_XScreenSaverInfo),
        )
        xss.XScreenSaverQueryInfo.restype = ctypes.c_int

        display = xlib.XOpenDisplay(display_name.encode())
        if not display:
            raise IdleSourceError("idle.why.display_failed", display=display_name)
        event_base, error_base = ctypes.c_int(), ctypes.c_int()
        if not xss.XScreenSaverQueryExtension(
            display, ctypes.byref(event_base), ctypes.byref(error_base)
        ):
            xlib.XCloseDisplay(display)
            raise IdleSourceError("idle.why.no_extension")
        info = xss.XScreenSaverAllocInfo()
        if not info:
            xlib.XCloseDisplay(display)
            raise IdleSourceError("idle.why.call_failed", call="XScreenSaverAllocInfo", error=0)
        self._display, self._info = display, info

    def close(self) -> None:
        """Free the info block and close the display (before the X server goes away)."""
        display, self._display = self._display, None
        info, self._info = self._info, None
        if info is not None:
            self._xlib.XFree(info)
        if display is not None:
            self._xlib.XCloseDisplay(display)
        self._available = False


def _load_library(name: str, soname: str) -> Any:
    path = ctypes.util.find_library(name) or soname
    try:
        return ctypes.CDLL(path)
    except OSError as error:
        raise IdleSourceError("idle.why.library_missing", library=f"lib{name}") from error


# ---------------------------------------------------------------------------------------------
# Detection


def is_wayland_session(environ: Mapping[str, str]) -> bool:
    return environ.get("XDG_SESSION_TYPE", "").lower() == "wayland" or bool(
        environ.get("WAYLAND_DISPLAY")
    )


class _Skipped(_ProbingSource):
    """A candidate that is known not to work here, with the reason (e.g. X11 on Wayland)."""

    def __init__(self, name: str, error: IdleSourceError) -> None:
        super().__init__()
        self.name = name
        self._error = error

    def _query(self) -> float:
        raise self._error


def platform_candidates(
    platform: str | None = None, environ: Mapping[str, str] | None = None
) -> list[_ProbingSource]:
    """The sources worth trying on `platform` (default: this one), best first."""
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    if platform == "win32":
        return [WindowsIdleSource()]
    if platform == "darwin":
        return [MacIdleSource()]
    if platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        candidates: list[_ProbingSource] = [
            mutter_idle_source(),
            freedesktop_screensaver_idle_source(),
        ]
        if is_wayland_session(environ):
            candidates.append(_Skipped("x11", IdleSourceError("idle.why.wayland")))
        else:
            candidates.append(X11IdleSource(environ.get("DISPLAY") or None))
        return candidates
    return [_Skipped(platform, IdleSourceError("idle.why.unsupported_platform", platform=platform))]


def detect_idle_source(
    candidates: Iterable[Any] | None = None,
    *,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> IdleSource:
    """The first candidate whose probe answers; else an `UnavailableIdleSource` saying why.

    Candidates that fail are closed. `candidates` defaults to `platform_candidates()`; each needs
    `name`, `probe()` (raising `IdleSourceError`) and `close()`.
    """
    if candidates is None:
        candidates = platform_candidates(platform, environ)
    attempts: list[IdleAttempt] = []
    for candidate in candidates:
        try:
            candidate.probe()
        except IdleSourceError as error:
            attempts.append(IdleAttempt(str(candidate.name), error))
            candidate.close()
            continue
        logger.info("idle time from %s", candidate.name)
        source: IdleSource = candidate
        return source
    logger.warning("no idle source: %s", UnavailableIdleSource(attempts).reason_in("en"))
    return UnavailableIdleSource(attempts)


# ---------------------------------------------------------------------------------------------
# Fake


@dataclass
class FakeIdleSource:
    """An idle source for tests: idle time is the fake clock's time since the last `touch`.

    `clock` returns seconds (any origin, e.g. a fake monotonic clock or a datetime's
    timestamp). `touch()` is input now; `set_idle(seconds)` pretends the last input was that
    long ago; `fail()` makes it answer None until `recover()`.
    """

    clock: Callable[[], float]
    name: str = "fake"
    last_input: float = field(default=0.0)
    _failing: bool = False

    def __post_init__(self) -> None:
        self.last_input = self.clock()

    @property
    def available(self) -> bool:
        return not self._failing

    def touch(self) -> None:
        self.last_input = self.clock()

    def set_idle(self, seconds: float) -> None:
        self.last_input = self.clock() - seconds

    def fail(self) -> None:
        self._failing = True

    def recover(self) -> None:
        self._failing = False

    def idle_seconds(self) -> float | None:
        if self._failing:
            return None
        return max(0.0, self.clock() - self.last_input)

    def probe(self) -> float:
        value = self.idle_seconds()
        if value is None:
            raise IdleSourceError("idle.why.call_failed", call=self.name, error="fake failure")
        return value

    def close(self) -> None:
        """Nothing to release."""
