"""Where the bundled resources (icons) are, in a source tree and in the frozen app.

The icon files live in `resources/icons/` at the repository root; `packaging/make_icons.py`
renders them from the SVG sources in `resources/icons/src/` and they are committed, so nothing is
generated at run time. The PyInstaller spec copies them to `resources/icons/` inside the bundle
(`sys._MEIPASS`). This module only knows file names and folders (standard library only); loading
them into `QIcon`s is the UI's business.

Tray icons come in two states (idle, running), two sizes (16 and 22 px) with `@2x` variants for
HiDPI, and two inks: a coloured one for Windows and Linux panels and a black `template` one for
the macOS menu bar (use it with `QIcon.setIsMask(True)`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

TrayState = Literal["idle", "running"]

APP_ICON_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
TRAY_ICON_SIZES: tuple[int, ...] = (16, 22)
TRAY_STATES: tuple[TrayState, ...] = ("idle", "running")
HIDPI_SCALES: tuple[int, ...] = (1, 2)


def resources_dir() -> Path:
    """The `resources/` folder: inside the frozen bundle, else at the source tree's root."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root is not None:
        return Path(bundle_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def icons_dir() -> Path:
    return resources_dir() / "icons"


def app_icon_name(size: int) -> str:
    return f"app-{size}.png"


def tray_icon_name(state: TrayState, size: int, *, template: bool = False, scale: int = 1) -> str:
    ink = "-template" if template else ""
    suffix = "" if scale == 1 else f"@{scale}x"
    return f"tray-{state}{ink}-{size}{suffix}.png"


def app_icon_files(max_px: int | None = None) -> list[Path]:
    """Every size of the app icon (up to `max_px`), smallest first (add them all to one
    `QIcon`)."""
    return [
        _existing(icons_dir() / app_icon_name(size))
        for size in APP_ICON_SIZES
        if max_px is None or size <= max_px
    ]


def tray_icon_files(state: TrayState, *, template: bool = False) -> list[Path]:
    """Every size and scale of one tray icon state (add them all to one `QIcon`)."""
    return [
        _existing(icons_dir() / tray_icon_name(state, size, template=template, scale=scale))
        for size in TRAY_ICON_SIZES
        for scale in HIDPI_SCALES
    ]


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(
            f"bundled resource missing: {path} (run packaging/make_icons.py in a source tree)"
        )
    return path
