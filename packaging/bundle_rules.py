"""What goes into the frozen app and what stays out: the rules the PyInstaller spec applies.

Kept apart from `moco-desktop.spec` so that tests can check them without running PyInstaller.
MOCO Desktop uses QtCore, QtGui, QtWidgets, QtSvg, QtDBus and QtNetwork (QLocalServer for the
single-instance guard, nothing on the network: httpx does HTTP). Everything else Qt ships (QML,
Quick, WebEngine, Pdf, VirtualKeyboard, SQL drivers, print support, ...) is excluded, together
with the Qt plugins that would drag those libraries (or the build host's GTK stack) in: Qt's TLS
and network-information plugins too.
Plugins are filtered *before* PyInstaller analyses their shared-library dependencies, so what a
dropped plugin links against is not collected either.
On Linux, ICU's data library (libicudata, 30 MiB) is replaced by a trimmed build holding root,
German and English only: the kept items and the reasons are in packaging/icu_trim.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import PurePath, PurePosixPath, PureWindowsPath

APP_NAME = "MOCO Desktop"
BUNDLE_IDENTIFIER = "de.mocodesktop.app"
# Qt 6.10 and 6.11 support macOS 13 and later.
MACOS_MINIMUM_VERSION = "13.0"
PACKAGE_NAME = "moco-desktop"

# Qt modules the app imports. Everything in EXCLUDED_QT_MODULES must stay disjoint from these.
USED_QT_MODULES: tuple[str, ...] = (
    "QtCore",
    "QtGui",
    "QtWidgets",
    "QtSvg",
    "QtDBus",
    "QtNetwork",
)

EXCLUDED_QT_MODULES: tuple[str, ...] = (
    "Qt3DAnimation",
    "Qt3DCore",
    "Qt3DExtras",
    "Qt3DInput",
    "Qt3DLogic",
    "Qt3DRender",
    "QtBluetooth",
    "QtCharts",
    "QtConcurrent",
    "QtDataVisualization",
    "QtDesigner",
    "QtGraphs",
    "QtHelp",
    "QtHttpServer",
    "QtLocation",
    "QtMultimedia",
    "QtMultimediaWidgets",
    "QtNetworkAuth",
    "QtNfc",
    "QtOpenGL",
    "QtOpenGLWidgets",
    "QtPdf",
    "QtPdfWidgets",
    "QtPositioning",
    "QtPrintSupport",
    "QtQml",
    "QtQuick",
    "QtQuick3D",
    "QtQuickControls2",
    "QtQuickTest",
    "QtQuickWidgets",
    "QtRemoteObjects",
    "QtScxml",
    "QtSensors",
    "QtSerialBus",
    "QtSerialPort",
    "QtSpatialAudio",
    "QtSql",
    "QtStateMachine",
    "QtSvgWidgets",
    "QtTest",
    "QtTextToSpeech",
    "QtUiTools",
    "QtVirtualKeyboard",
    "QtWebChannel",
    "QtWebEngineCore",
    "QtWebEngineQuick",
    "QtWebEngineWidgets",
    "QtWebSockets",
    "QtWebView",
    "QtXml",
)

# Python packages that are never part of the running app (build and test tools, optional
# accelerators a dependency would pick up if present in the build venv).
EXCLUDED_PYTHON_PACKAGES: tuple[str, ...] = (
    "PyInstaller",
    "_pytest",
    "pytest",
    "pytestqt",
    "pytest_asyncio",
    "mypy",
    "ruff",
    "numpy",
    "pygments",  # httpx's optional command line pretty-printer would pull it in
    "rich",
    "click",
    "tkinter",
    "_tkinter",
    "pip",
    "setuptools",
    "lib2to3",
    "pydoc_data",
    "tests",
    "benchmarks",
)

EXCLUDED_MODULES: tuple[str, ...] = (
    *(f"PySide6.{name}" for name in EXCLUDED_QT_MODULES),
    *EXCLUDED_PYTHON_PACKAGES,
)


def platform_excludes(platform: str = sys.platform) -> list[str]:
    """Modules only another platform needs.

    keyring's macOS backend binds the Keychain at import time with `ctypes.util.find_library`,
    which on Linux runs `ldconfig` and `gcc` (about 100 ms at every start). Without the module
    keyring's `from . import api` fails quietly, as it does on any non-Mac system.
    """
    return [] if platform == "darwin" else ["keyring.backends.macOS.api"]


# Qt plugin directories and which plugins of each are kept (by base name, without `lib` prefix
# and file suffix). A directory that is not listed is dropped whole; None keeps all of it.
KEPT_QT_PLUGINS: dict[str, frozenset[str] | None] = {
    # xcb and wayland (Linux), windows, cocoa; offscreen for --smoke on headless CI machines.
    "platforms": frozenset({"qxcb", "qwayland", "qwindows", "qcocoa", "qoffscreen"}),
    # The XDG portal theme gives native file dialogs on Linux; qgtk3 would bundle the build
    # host's GTK 3 stack (~15 MB of libraries that must come from the user's system instead).
    "platformthemes": frozenset({"qxdgdesktopportal"}),
    # Dead keys and input methods (ibus) on Linux; not the virtual keyboard.
    "platforminputcontexts": frozenset(
        {"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"}
    ),
    "imageformats": frozenset({"qsvg", "qico"}),  # PNG is built into QtGui
    "iconengines": frozenset({"qsvgicon"}),
    "styles": None,  # Windows 11 / Vista and macOS widget styles
    # Wayland: the xdg-shell and window decorations. The widgets paint in software, so the
    # (E)GL integrations of xcb and Wayland are left out, and QtOpenGL with them.
    "wayland-shell-integration": frozenset({"xdg-shell"}),
    "wayland-decoration-client": None,
}

# Libraries every Linux desktop provides, and that break things when a bundled copy meets the
# system's graphics or font stack: AppImage's excludelist
# (github.com/AppImageCommunity/pkg2appimage/blob/master/excludelist), which names the reasons.
# Plus libdbus-1: every desktop session runs D-Bus and ships its client library; a bundled copy
# would drag in the build host's libsystemd, libgcrypt, libcap, lz4, lzma and zstd (3 MiB).
LINUX_HOST_LIBRARIES: frozenset[str] = frozenset(
    {
        "libdbus-1.so.3",
        "libEGL.so.1",
        "libGL.so.1",
        "libGLX.so.0",
        "libGLdispatch.so.0",
        "libICE.so.6",
        "libOpenGL.so.0",
        "libSM.so.6",
        "libX11-xcb.so.1",
        "libX11.so.6",
        "libasound.so.2",
        "libcom_err.so.2",
        "libdrm.so.2",
        "libexpat.so.1",
        "libfontconfig.so.1",
        "libfreetype.so.6",
        "libfribidi.so.0",
        "libgbm.so.1",
        "libgcc_s.so.1",
        "libglapi.so.0",
        "libgmp.so.10",
        "libgpg-error.so.0",
        "libharfbuzz.so.0",
        "libstdc++.so.6",
        "libusb-1.0.so.0",
        "libuuid.so.1",
        "libwayland-client.so.0",
        "libxcb-dri2.so.0",
        "libxcb-dri3.so.0",
        "libxcb.so.1",
        "libz.so.1",
    }
)

# Qt's own translations (standard dialog buttons, ...) for the languages the app speaks: the
# qtbase catalogue and the qt_<lang> meta catalogue that loads it.
KEPT_TRANSLATION_LANGUAGES: frozenset[str] = frozenset({"de", "en"})
KEPT_TRANSLATION_CATALOGUES: frozenset[str] = frozenset({"qt", "qtbase"})
_TRANSLATION = re.compile(r"^(?P<catalogue>[a-z_]+?)_(?P<language>[a-z]{2})(?:_[A-Z]{2})?\.qm$")


def plugin_base_name(file_name: str) -> str:
    """`libqxcb.so` / `qwindows.dll` / `libqcocoa.dylib` -> `qxcb` / `qwindows` / `qcocoa`."""
    stem = file_name
    for suffix in (".so", ".dll", ".dylib"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if stem.startswith("lib"):
        stem = stem[3:]
    return stem


def keep_plugin(plugin_type: str, file_name: str) -> bool:
    kept = KEPT_QT_PLUGINS.get(plugin_type, frozenset())
    return kept is None or plugin_base_name(file_name) in kept


def keep_translation(file_name: str) -> bool:
    match = _TRANSLATION.match(file_name)
    return (
        match is not None
        and match.group("language") in KEPT_TRANSLATION_LANGUAGES
        and match.group("catalogue") in KEPT_TRANSLATION_CATALOGUES
    )


def _parts(bundle_path: str) -> tuple[str, ...]:
    path: PurePath = (
        PureWindowsPath(bundle_path) if "\\" in bundle_path else PurePosixPath(bundle_path)
    )
    return path.parts


def keep_bundle_file(bundle_path: str, platform: str = sys.platform) -> bool:
    """Whether a file at this path inside the bundle (a TOC destination name) is kept.

    Decides Qt plugins (`.../plugins/<type>/<file>`), Qt translations
    (`.../translations/<file>.qm`) and QML files inside the PySide6 package, and the Linux host
    libraries at the bundle's top level; everything else is kept.
    """
    parts = _parts(bundle_path)
    if len(parts) == 1 and platform.startswith("linux"):
        return parts[0] not in LINUX_HOST_LIBRARIES
    if not parts or parts[0] != "PySide6":
        return True
    if "plugins" in parts:
        index = parts.index("plugins")
        if len(parts) == index + 3:
            return keep_plugin(parts[index + 1], parts[index + 2])
    if "translations" in parts and parts[-1].endswith(".qm"):
        return keep_translation(parts[-1])
    return "qml" not in parts


def orphaned_dependencies(needs: Mapping[str, Iterable[str]], removed: Iterable[str]) -> set[str]:
    """Top-level libraries that only removed entries needed (directly or through each other).

    `needs` maps every binary's path in the bundle to the file names it links against. Files at
    the bundle's top level are what PyInstaller collected as link-time dependencies; those that
    nothing kept links against any more can go too.
    """
    by_name = {_parts(path)[-1]: path for path in needs if len(_parts(path)) == 1}

    def reachable(starts: Iterable[str], avoid: set[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(starts)
        while stack:
            for name in needs.get(stack.pop(), ()):
                dependency = by_name.get(name)
                if dependency is not None and dependency not in seen | avoid:
                    seen.add(dependency)
                    stack.append(dependency)
        return seen

    removed = set(removed)
    candidates = reachable(removed, avoid=removed)
    kept_roots = [path for path in needs if path not in removed and path not in candidates]
    return candidates - reachable(kept_roots, avoid=removed)


def elf_needed(path: str) -> set[str]:
    """The DT_NEEDED entries of an ELF file (its direct link-time dependencies), via readelf.

    Without binutils' readelf nothing is known, so nothing is pruned as an orphan."""
    if shutil.which("readelf") is None:
        return set()
    output = subprocess.run(
        ["readelf", "--dynamic", "--wide", path], capture_output=True, text=True, check=True
    ).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", output))


def keyring_hidden_imports(platform: str = sys.platform) -> list[str]:
    """The OS keyring backend of `platform` and what it imports lazily (see moco_desktop.smoke)."""
    from moco_desktop.smoke import PLATFORM_KEYRING_MODULES

    modules = list(PLATFORM_KEYRING_MODULES.get(platform, ()))
    extra = {
        "linux": ["jeepney", "cryptography.hazmat.primitives.ciphers"],
        "darwin": [],
        "win32": ["win32ctypes.core", "win32ctypes.pywin32.pywintypes"],
    }
    return modules + extra.get(platform, [])


def windows_version_tuple(version: str) -> tuple[int, int, int, int]:
    """`1.2.3rc1` -> (1, 2, 3, 0): the numeric four-part version Windows resources need."""
    numbers = [int(match) for match in re.findall(r"\d+", version.split("+")[0])[:3]]
    while len(numbers) < 4:
        numbers.append(0)
    return numbers[0], numbers[1], numbers[2], numbers[3]
