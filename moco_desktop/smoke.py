"""`moco-desktop --smoke`: prove in a few seconds that this installation has what it needs.

Built for the frozen app (PyInstaller drops what it cannot see: a module imported lazily, a Qt
plugin, a keyring backend, a data file), and just as valid from a source tree. It runs, each as
one line of output:

- version  the package metadata is present (a frozen app without it reports 0.0.0),
- modules  every `moco_desktop` module imports,
- qt       a QApplication starts (offscreen when there is no display),
- loop     the qasync loop runs asyncio code and delivers Qt timer events while it awaits,
- icons    the bundled app and tray icons load; PNG and SVG image support is there,
- icu      what Qt takes from ICU's data works in German (the Linux bundle trims that data to
           root, German and English: packaging/icu_trim.py): collation, a windows-1252 codec,
           a time zone's German name; besides number and day names and word boundaries,
- api      the embedded demo server starts on loopback and the real API client reaches it
           (`GET /session` with a demo user's key),
- keyring  the keyring backend resolves (its name is printed; the `fail` backend of a headless
           machine is reported, not fatal) and this platform's backend module is bundled.

`run_smoke` returns 0 when every check passed, 1 with the reasons otherwise. The output is for
developers and CI logs, so it is English only and not translated.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import importlib
import importlib.metadata
import os
import pkgutil
import platform
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from moco_desktop.core.records import record

# The keyring backend (and the modules it needs) that must be bundled on each platform.
PLATFORM_KEYRING_MODULES: dict[str, tuple[str, ...]] = {
    "linux": (
        "keyring.backends.SecretService",
        "secretstorage",
        "secretstorage.dhcrypto",
        "jeepney.io.blocking",
    ),
    "darwin": ("keyring.backends.macOS", "keyring.backends.macOS.api"),
    "win32": ("keyring.backends.Windows", "win32ctypes.pywin32.win32cred"),
}
PLATFORM_KEYRING_ENTRY_POINTS = {"linux": "SecretService", "darwin": "macOS", "win32": "Windows"}
# The `icu` check: German text and what Qt makes of it with ICU's (trimmed) data.
ICU_SAMPLE_TEXT = "Die Straßenbahn fährt um 10.30 Uhr ab."
ICU_SAMPLE_WORDS = ("Zebra", "Öl", "Äpfel", "Apfel")
ICU_EXPECTED = {
    "number": "1.234,5",
    "day": "Montag",
    "order": "Apfel < Äpfel < Öl < Zebra",
    "words": "7",
    "codec": "windows-1252",
    "zone": "Mitteleuropäische Normalzeit",
}
# Modules the smoke test does not import: this module's own entry points.
SKIPPED_MODULES = frozenset({"moco_desktop.__main__"})


class CheckError(Exception):
    """A check found a problem; the message says what is missing or wrong."""


@record
class Remark:
    """What a check returns when it passed with something worth reading (no OS keyring here)."""

    text: str


@record
class CheckResult:
    name: str
    ok: bool
    detail: str
    warning: bool = False
    seconds: float = 0.0

    def line(self) -> str:
        status = "FAIL" if not self.ok else ("warn" if self.warning else "ok")
        return f"smoke: {self.name:<8} {status:<4} {self.seconds * 1000:5.0f} ms  {self.detail}"


def run_smoke(argv: Sequence[str] | None = None) -> int:
    """Run every check, print one line each and a summary; 0 if all passed, else 1."""
    options = _parse(list(argv or []))
    started = time.perf_counter()
    results: list[CheckResult] = []

    def record(name: str, check: Callable[[], str | Remark]) -> None:
        results.append(_run_check(name, check))
        _emit(results[-1].line())

    record("version", check_version)
    record("modules", check_modules)
    _use_offscreen_without_display()
    app_holder: list[Any] = []
    record("qt", lambda: check_qt(app_holder))
    record("icu", check_icu)
    if app_holder:
        import qasync

        loop = qasync.QEventLoop(app_holder[0])
        try:
            record("loop", _on_loop(loop, check_loop, options.timeout))
            record("icons", check_icons)
            record("api", _on_loop(loop, check_api, options.timeout))
        finally:
            loop.close()
    record("keyring", check_keyring)

    elapsed = time.perf_counter() - started
    failed = [result.name for result in results if not result.ok]
    if failed:
        _emit(f"smoke: FAILED ({', '.join(failed)}) after {elapsed:.2f} s")
        return 1
    _emit(f"smoke: passed {len(results)} checks in {elapsed:.2f} s")
    return 0


# --- checks ------------------------------------------------------------------------------------


def check_version() -> str:
    from moco_desktop import __version__

    frozen = bool(getattr(sys, "frozen", False))
    if frozen and __version__ == "0.0.0":
        raise CheckError("package metadata (moco_desktop-*.dist-info) is not bundled")
    kind = "frozen" if frozen else "source"
    python = platform.python_version()
    return f"moco-desktop {__version__} ({kind}, Python {python}, {sys.platform})"


def check_modules() -> str:
    import moco_desktop

    names = [
        info.name
        for info in pkgutil.walk_packages(moco_desktop.__path__, "moco_desktop.")
        if info.name not in SKIPPED_MODULES
    ]
    broken = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # any import-time failure is what this check looks for
            broken.append(f"{name} ({type(exc).__name__}: {exc})")
    if broken:
        raise CheckError("cannot import " + "; ".join(broken))
    if len(names) < 2:
        raise CheckError(f"only {len(names)} moco_desktop modules found: the bundle is incomplete")
    return f"{len(names)} moco_desktop modules import"


def check_qt(app_holder: list[Any]) -> str:
    import PySide6
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "moco-desktop"])
    app_holder.append(app)
    return (
        f"Qt {qVersion()}, PySide6 {PySide6.__version__}, platform {QGuiApplication.platformName()}"
    )


def check_icu() -> str:
    from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTextBoundaryFinder, QTimeZone

    german = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    collator = QCollator(german)
    words = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Word, ICU_SAMPLE_TEXT)
    word_count = 0
    while words.toNextBoundary() != -1:
        if words.boundaryReasons() & QTextBoundaryFinder.BoundaryReason.EndOfItem:
            word_count += 1
    found: dict[str, str] = {
        "number": german.toString(1234.5),
        "day": german.dayName(1),
        "order": " < ".join(sorted(ICU_SAMPLE_WORDS, key=functools.cmp_to_key(collator.compare))),
        "words": str(word_count),
        "codec": _codec_name(QStringDecoder("windows-1252")),
    }
    berlin = QTimeZone(b"Europe/Berlin")
    if berlin.isValid():  # the transitions come from the system's tzdb, the names from ICU
        found["zone"] = berlin.displayName(
            QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, german
        )
    wrong = [
        f"{key} {value!r} (expected {ICU_EXPECTED[key]!r})"
        for key, value in found.items()
        if value != ICU_EXPECTED[key]
    ]
    if wrong:
        raise CheckError("ICU data missing or wrong (de_DE): " + "; ".join(wrong))
    zone = found.get("zone", "no system tzdb: time zone names not checked")
    return f"de_DE: {found['number']}, {found['day']}, {found['order']}, {word_count} words, " + (
        f"{found['codec']}, {zone}"
    )


def _codec_name(decoder: Any) -> str:
    if not decoder.isValid():
        return "(no such codec)"
    name = decoder.name()  # a str at run time; PySide6's stubs say bytes
    return name.decode("ascii") if isinstance(name, bytes) else str(name)


async def check_loop() -> str:
    from PySide6.QtCore import QTimer

    loop = asyncio.get_running_loop()
    fired: asyncio.Future[float] = loop.create_future()
    started = time.perf_counter()
    QTimer.singleShot(1, lambda: fired.set_result(time.perf_counter() - started))
    await asyncio.sleep(0)
    delay = await fired
    loop_name = f"{type(loop).__module__}.{type(loop).__name__}"
    return f"{loop_name}: a Qt timer fired after {delay * 1000:.1f} ms"


def check_icons() -> str:
    from PySide6.QtGui import QIcon, QImageReader, QPixmap

    from moco_desktop.resources import (
        TRAY_STATES,
        app_icon_files,
        tray_icon_files,
    )

    files = app_icon_files() + [
        path
        for state in TRAY_STATES
        for template in (False, True)
        for path in tray_icon_files(state, template=template)
    ]
    for path in files:
        pixmap = QPixmap(str(path))
        if pixmap.isNull():
            raise CheckError(f"Qt cannot load {path}")
    icon = QIcon()
    for path in app_icon_files():
        icon.addFile(str(path))
    if icon.isNull() or not icon.availableSizes():
        raise CheckError("the app icon has no usable sizes")
    formats = {bytes(name.data()).decode() for name in QImageReader.supportedImageFormats()}
    missing = {"png", "svg"} - formats
    if missing:
        raise CheckError(f"image formats missing: {', '.join(sorted(missing))} (Qt plugins?)")
    return f"{len(files)} icon files load; image formats: {', '.join(sorted(formats))}"


async def check_api() -> str:
    from moco_desktop.api.client import MocoClient
    from moco_desktop.core.entities import ApiKey
    from moco_desktop.demo.seed import seed_demo
    from moco_desktop.demo.server import EmbeddedMocoServer
    from moco_desktop.demo.state import MocoState

    state = MocoState()
    user = seed_demo(state, dt.date.today()).normal
    server = EmbeddedMocoServer(state=state, rate_limit=None).start()
    try:
        client = MocoClient(server.base_url, ApiKey(user.api_key))
        try:
            session = await client.session()
        finally:
            await client.aclose()
    finally:
        server.stop()
    if session.user_id != user.user_id:
        raise CheckError(f"GET /session answered user {session.user_id}, not {user.user_id}")
    return f"GET {server.base_url}/session -> user {session.user_id} ({_host_of(server.base_url)})"


def check_keyring() -> str | Remark:
    import keyring

    expected_entry_point = PLATFORM_KEYRING_ENTRY_POINTS.get(sys.platform)
    if expected_entry_point is not None:
        names = {ep.name for ep in importlib.metadata.entry_points(group="keyring.backends")}
        if expected_entry_point not in names:
            raise CheckError(
                f"keyring's entry point {expected_entry_point!r} is missing "
                "(keyring-*.dist-info not bundled?)"
            )
    for module in PLATFORM_KEYRING_MODULES.get(sys.platform, ()):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise CheckError(f"{module} is not bundled ({exc})") from exc
    backend = keyring.get_keyring()
    name = _backend_name(backend)
    if type(backend).__module__.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return Remark(
            f"backend {name}: no usable OS keyring here; the app keeps keys for the session only"
        )
    return f"backend {name}"


# --- helpers -----------------------------------------------------------------------------------


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="moco-desktop --smoke", add_help=False, allow_abbrev=False
    )
    parser.add_argument("--smoke-timeout", dest="timeout", type=float, default=15.0)
    options, _ = parser.parse_known_args(argv)
    return options


def _use_offscreen_without_display() -> None:
    """Linux without X11 or Wayland (CI, SSH): Qt's offscreen platform instead of a crash."""
    if not sys.platform.startswith("linux") or "QT_QPA_PLATFORM" in os.environ:
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _run_check(name: str, check: Callable[[], str | Remark]) -> CheckResult:
    started = time.perf_counter()

    def result(ok: bool, detail: str, warning: bool = False) -> CheckResult:
        return CheckResult(name, ok, detail, warning, time.perf_counter() - started)

    try:
        outcome = check()
    except CheckError as failure:
        return result(False, str(failure))
    except Exception as exc:  # an unexpected error is a failed check with its reason
        return result(False, f"{type(exc).__name__}: {exc}")
    if isinstance(outcome, Remark):
        return result(True, outcome.text, warning=True)
    return result(True, outcome)


def _on_loop(loop: Any, check: Callable[[], Awaitable[str]], timeout: float) -> Callable[[], str]:
    def run() -> str:
        try:
            result: str = loop.run_until_complete(asyncio.wait_for(check(), timeout))
        except TimeoutError as exc:
            raise CheckError(f"no answer within {timeout:.0f} s") from exc
        return result

    return run


def _backend_name(backend: object) -> str:
    cls = type(backend)
    name = f"{cls.__module__}.{cls.__qualname__}"
    inner = getattr(backend, "backends", None)
    if isinstance(inner, list | tuple) and inner:
        name += " [" + ", ".join(_backend_name(item) for item in inner) + "]"
    return name


def _host_of(url: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or "?"
    return "loopback" if host in {"127.0.0.1", "::1", "localhost"} else host


def _emit(line: str) -> None:
    stream = sys.stdout if sys.stdout is not None else sys.stderr
    if stream is not None:  # a windowed Windows app started without a console has neither
        print(line, file=stream, flush=True)
