"""Tray and app icons: the bundled files load, the running icon shows the minutes."""

from __future__ import annotations

import pytest

from moco_desktop.ui.icons import (
    TRAY_PIXEL_SIZES,
    app_icon,
    idle_tray_icon,
    running_tray_icon,
)

# Icons and pixmaps need the application object (run alone, this file would have none).
pytestmark = pytest.mark.usefixtures("qapp")


def test_the_bundled_icons_load_at_every_tray_size() -> None:
    assert not app_icon().isNull()
    idle = idle_tray_icon()
    assert not idle.isNull()
    for size in (16, 22, 32, 44):
        assert not idle.pixmap(size).isNull()


def test_the_running_icon_carries_the_elapsed_minutes() -> None:
    five = running_tray_icon(5 * 60).pixmap(44).toImage()
    thirty = running_tray_icon(30 * 60).pixmap(44).toImage()
    again = running_tray_icon(5 * 60 + 59).pixmap(44).toImage()
    next_hour = running_tray_icon(65 * 60).pixmap(44).toImage()
    assert five != thirty  # the sector grows
    assert five == again  # within the same minute nothing changes (no repaint needed)
    assert five == next_hour  # the sector turns once an hour
    assert running_tray_icon(0).pixmap(22).toImage() != idle_tray_icon().pixmap(22).toImage()


def test_the_running_icon_is_drawn_crisp_at_hidpi_sizes() -> None:
    icon = running_tray_icon(20 * 60)
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert {(size, size) for size in TRAY_PIXEL_SIZES} <= sizes


def test_an_hour_of_running_icons_is_not_kept() -> None:
    """A timer running all day asks for a new icon every minute: only the latest are kept."""
    from moco_desktop.ui import icons

    for minute in range(60):
        running_tray_icon(minute * 60)
    assert icons._running_icon_for_minute.cache_info().currsize <= 2
    assert running_tray_icon(59 * 60) is running_tray_icon(59 * 60 + 30)  # this minute's: kept
