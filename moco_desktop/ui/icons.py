"""The app and tray icons: the bundled PNGs, and the running tray icon with its progress mark.

The running icon is drawn here, in vector form at every pixel size a tray may ask for (crisp on
HiDPI): the solid stopwatch of `resources/icons/src/tray-running.svg` with the elapsed minutes of
the current hour cut out of the dial as a sector, so the icon itself shows how long the timer has
been running (a full hour turns the sector once; the tooltip has the exact time). Without the
bundled files (a broken install), the idle icon is drawn the same way.
"""

from __future__ import annotations

import sys
from functools import cache, lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPainterPath, QPixmap

from moco_desktop import resources

TRAY_PIXEL_SIZES = (16, 22, 32, 44, 64)
_FALLBACK_INK = QColor("#1f9e95")
_IDLE_FALLBACK_INK = QColor("#6f7d86")
_VIEWBOX = 64.0
# perf (issue 4): the window icon goes to the window manager in every size it has (X11 sends
# each as raw pixels); 512 and 1024 px cost ~50 ms at start-up and ~5 MiB and are for
# installers and the macOS Dock only. 128 px covers 64 px at 2x.
WINDOW_ICON_MAX_PX = 128


def use_template_icons() -> bool:
    """macOS menu bar icons are black masks the system tints for light and dark bars."""
    return sys.platform == "darwin"


@cache
def app_icon() -> QIcon:
    icon = QIcon()
    try:
        for path in resources.app_icon_files(max_px=WINDOW_ICON_MAX_PX):
            icon.addFile(str(path))
    except FileNotFoundError:
        for size in TRAY_PIXEL_SIZES:
            icon.addPixmap(_stopwatch_pixmap(size, _FALLBACK_INK, progress=None))
    return icon


@cache
def idle_tray_icon() -> QIcon:
    template = use_template_icons()
    icon = QIcon()
    try:
        for path in resources.tray_icon_files("idle", template=template):
            icon.addFile(str(path))
    except FileNotFoundError:
        for size in TRAY_PIXEL_SIZES:
            icon.addPixmap(_stopwatch_pixmap(size, _IDLE_FALLBACK_INK, progress=None, idle=True))
    icon.setIsMask(template)
    return icon


@cache
def _running_ink() -> QColor:
    """The colour of the bundled running icon, so the drawn one matches it exactly."""
    if use_template_icons():
        return QColor(Qt.GlobalColor.black)
    try:
        path = resources.tray_icon_files("running")[-1]
    except FileNotFoundError:
        return _FALLBACK_INK
    image = QImage(str(path))
    if image.isNull():
        return _FALLBACK_INK
    # The body's left edge, away from the cut-out sector: (12, 37) in the 64-unit view box.
    colour = image.pixelColor(int(image.width() * 14 / 64), int(image.height() * 37 / 64))
    return colour if colour.alpha() > 200 else _FALLBACK_INK


def running_tray_icon(elapsed_seconds: int) -> QIcon:
    """The running icon with the minutes of the current hour shown as a sector of the dial."""
    minutes = (max(0, elapsed_seconds) // 60) % 60
    return _running_icon_for_minute(minutes)


@lru_cache(maxsize=2)  # this minute's and the last: not all 60 of an hour (~1.8 MiB of pixels)
def _running_icon_for_minute(minute: int) -> QIcon:
    # A sliver even at minute 0, so "just started" still reads as running.
    progress = max(minute, 2) / 60
    icon = QIcon()
    for size in TRAY_PIXEL_SIZES:
        icon.addPixmap(_stopwatch_pixmap(size, _running_ink(), progress=progress))
    icon.setIsMask(use_template_icons())
    return icon


def _stopwatch_pixmap(
    size: int, ink: QColor, *, progress: float | None, idle: bool = False
) -> QPixmap:
    """The stopwatch glyph of the SVG sources at `size` px; `progress` cuts the sector."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / _VIEWBOX, size / _VIEWBOX)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ink)
    painter.drawRoundedRect(QRectF(24, 2, 16, 7), 2.5, 2.5)
    painter.drawRect(QRectF(28.5, 7, 7, 7))
    centre = QPointF(32, 37)
    if idle:
        body = QPainterPath()
        body.addEllipse(centre, 24, 24)
        body.addEllipse(centre, 17, 17)
        body.setFillRule(Qt.FillRule.OddEvenFill)
        painter.drawPath(body)
        painter.drawRoundedRect(QRectF(29, 21, 6, 17), 3, 3)
    else:
        body = QPainterPath()
        body.addEllipse(centre, 24, 24)
        if progress is not None:
            sector = QPainterPath(centre)
            # Qt angles: degrees counter-clockwise from 3 o'clock; start at 12, turn clockwise.
            sector.arcTo(QRectF(16, 21, 32, 32), 90.0, -360.0 * min(progress, 1.0))
            sector.closeSubpath()
            body = body.subtracted(sector)
        painter.drawPath(body)
    painter.end()
    return pixmap
