#!/usr/bin/env python3
"""Render every icon file of the app from the SVG sources in resources/icons/src/.

    .venv/bin/python packaging/make_icons.py          # rewrite resources/icons/*
    .venv/bin/python packaging/make_icons.py --check  # exit 1 if a committed file is stale

Writes, next to the sources' folder:
- app-<size>.png for every size in `moco_desktop.resources.APP_ICON_SIZES`,
- app.ico (Windows: 16-256 px; 32-bit BMP entries below 256 px, PNG at 256 px),
- app.icns (macOS: PNG entries 16-1024 px; the container is written here, since Qt's
  icns plugin is not part of PySide6-Essentials everywhere),
- tray-<state>[-template]-<size>[@2x].png: coloured glyphs for Windows/Linux panels and black
  template glyphs for the macOS menu bar.

The generated files are committed, so the app never renders icons at run time. Rendering uses
PySide6's QtSvg and QtGui only (offscreen, no display needed).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QImageWriter, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

from moco_desktop.resources import (  # noqa: E402
    APP_ICON_SIZES,
    HIDPI_SCALES,
    TRAY_ICON_SIZES,
    TRAY_STATES,
    TrayState,
    app_icon_name,
    tray_icon_name,
)

ICONS_DIR = ROOT / "resources" / "icons"
SOURCES_DIR = ICONS_DIR / "src"

ICO_SIZES: tuple[int, ...] = (16, 20, 24, 32, 40, 48, 64, 256)
# (OSType, pixel size). PNG payloads are valid for all of these since macOS 10.7; the @2x
# types (ic11-ic14, ic10) make the icon sharp on Retina displays.
ICNS_ENTRIES: tuple[tuple[bytes, int], ...] = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic13", 256),
    (b"ic08", 256),
    (b"ic14", 512),
    (b"ic09", 512),
    (b"ic10", 1024),
)
# Tray inks: a neutral grey reads on light and dark panels for "idle"; MOCO-ish teal marks
# "running". The macOS template ink is black; the menu bar recolours it.
TRAY_INKS: dict[TrayState, str] = {"idle": "#8E9AA3", "running": "#17B0A6"}
TEMPLATE_INK = "#000000"


def render_svg(source: Path, size: int) -> QImage:
    """Rasterise an SVG into a square, transparent, non-premultiplied ARGB image."""
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise ValueError(f"invalid SVG: {source}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def tint(glyph: QImage, colour: str) -> QImage:
    """Keep the glyph's alpha, replace its colour."""
    image = glyph.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(image.rect(), QColor(colour))
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    if not writer.write(image):
        raise RuntimeError(f"Qt could not encode a PNG: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def bgra_rows(image: QImage) -> list[bytes]:
    """The image's pixel rows as B, G, R, A bytes, top row first (ARGB32 in little-endian)."""
    argb = image.convertToFormat(QImage.Format.Format_ARGB32)
    rows = []
    for y in range(argb.height()):
        row = bytearray()
        for x in range(argb.width()):
            pixel = argb.pixel(x, y)  # 0xAARRGGBB
            row += struct.pack("<I", pixel)
        rows.append(bytes(row))
    return rows


def ico_bmp_entry(image: QImage) -> bytes:
    """A 32-bit BMP icon image: BITMAPINFOHEADER, bottom-up BGRA pixels, 1-bit AND mask."""
    width, height = image.width(), image.height()
    rows = bgra_rows(image)
    pixels = b"".join(reversed(rows))
    mask_stride = ((width + 31) // 32) * 4
    mask = bytearray()
    for row in reversed(rows):
        bits = bytearray(mask_stride)
        for x in range(width):
            if row[x * 4 + 3] == 0:  # fully transparent: set the AND bit
                bits[x // 8] |= 0x80 >> (x % 8)
        mask += bits
    header = struct.pack(
        "<IiiHHIIiiII", 40, width, height * 2, 1, 32, 0, len(pixels) + len(mask), 0, 0, 0, 0
    )
    return header + pixels + bytes(mask)


def build_ico(images: dict[int, QImage]) -> bytes:
    """A multi-size .ico: BMP entries below 256 px (what every Windows tool reads), PNG at 256."""
    payloads = [
        (size, png_bytes(image) if size >= 256 else ico_bmp_entry(image))
        for size, image in sorted(images.items())
    ]
    header = struct.pack("<HHH", 0, 1, len(payloads))
    offset = len(header) + 16 * len(payloads)
    directory = b""
    for size, payload in payloads:
        edge = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        directory += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(payload), offset)
        offset += len(payload)
    return header + directory + b"".join(payload for _, payload in payloads)


def build_icns(images: dict[int, QImage]) -> bytes:
    """An .icns container of PNG entries (big-endian OSType + length + data)."""
    entries = b""
    for ostype, size in ICNS_ENTRIES:
        payload = png_bytes(images[size])
        entries += ostype + struct.pack(">I", 8 + len(payload)) + payload
    return b"icns" + struct.pack(">I", 8 + len(entries)) + entries


def generated_files() -> Iterator[tuple[str, bytes]]:
    """Every (file name, content) this script writes into resources/icons/."""
    app_source = SOURCES_DIR / "app.svg"
    needed = set(APP_ICON_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_ENTRIES}
    app_images = {size: render_svg(app_source, size) for size in sorted(needed)}
    for size in APP_ICON_SIZES:
        yield app_icon_name(size), png_bytes(app_images[size])
    yield "app.ico", build_ico({size: app_images[size] for size in ICO_SIZES})
    yield "app.icns", build_icns(app_images)
    for state in TRAY_STATES:
        source = SOURCES_DIR / f"tray-{state}.svg"
        for size in TRAY_ICON_SIZES:
            for scale in HIDPI_SCALES:
                glyph = render_svg(source, size * scale)
                for template, ink in ((False, TRAY_INKS[state]), (True, TEMPLATE_INK)):
                    name = tray_icon_name(state, size, template=template, scale=scale)
                    yield name, png_bytes(tint(glyph, ink))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    app = QGuiApplication.instance() or QGuiApplication([])
    stale = []
    for name, content in generated_files():
        target = ICONS_DIR / name
        if target.exists() and target.read_bytes() == content:
            continue
        stale.append(name)
        if not args.check:
            target.write_bytes(content)
    del app
    folder = ICONS_DIR.relative_to(ROOT) if ICONS_DIR.is_relative_to(ROOT) else ICONS_DIR
    if args.check:
        for name in stale:
            print(f"stale: {folder / name}")
        return 1 if stale else 0
    print(f"make_icons: {len(stale)} file(s) written to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
