"""The committed icon files: present, well-formed (.ico, .icns, PNG sizes) and up to date."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer

from moco_desktop import resources
from tests.packaging.packaging_modules import load

make_icons = load("make_icons")
ICONS = resources.icons_dir()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_header(data: bytes) -> tuple[int, int, int]:
    """(width, height, colour type) from a PNG's IHDR chunk."""
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    width, height, _depth, colour_type = struct.unpack(">IIBB", data[16:26])
    return width, height, colour_type


def alpha_coverage(image: QImage) -> float:
    """Share of the image's area covered by ink (sum of alpha)."""
    total = sum(
        image.pixelColor(x, y).alpha() for y in range(image.height()) for x in range(image.width())
    )
    return total / (255 * image.width() * image.height())


@pytest.mark.parametrize("size", resources.APP_ICON_SIZES)
def test_app_icon_pngs_have_their_size_and_an_alpha_channel(size: int) -> None:
    data = (ICONS / resources.app_icon_name(size)).read_bytes()
    assert png_header(data) == (size, size, 6)  # 6: truecolour with alpha


def test_tray_icons_exist_for_every_state_size_scale_and_ink() -> None:
    for state in resources.TRAY_STATES:
        for template in (False, True):
            files = resources.tray_icon_files(state, template=template)
            expected = [
                size * scale
                for size in resources.TRAY_ICON_SIZES
                for scale in resources.HIDPI_SCALES
            ]
            assert [png_header(path.read_bytes())[0] for path in files] == expected
            assert all("@2x" in path.name for path in files[1::2])


def test_template_tray_icons_are_black_masks_and_coloured_ones_are_not() -> None:
    for state in resources.TRAY_STATES:
        template = QImage(str(resources.tray_icon_files(state, template=True)[-1]))
        inked = [
            template.pixelColor(x, y)
            for y in range(template.height())
            for x in range(template.width())
            if template.pixelColor(x, y).alpha() > 0
        ]
        assert inked, state
        assert {(colour.red(), colour.green(), colour.blue()) for colour in inked} == {(0, 0, 0)}
        coloured = QImage(str(resources.tray_icon_files(state)[-1]))
        assert alpha_coverage(coloured) == pytest.approx(alpha_coverage(template), abs=0.01)
        assert coloured.pixelColor(coloured.width() // 2, 3).name() != "#000000"


def test_idle_and_running_differ_in_shape_not_only_in_colour() -> None:
    """As monochrome template images the two states must still be told apart: the running
    stopwatch is filled, the idle one an outline."""
    for size in resources.TRAY_ICON_SIZES:
        idle, running = (
            QImage(str(ICONS / resources.tray_icon_name(state, size, template=True)))
            for state in ("idle", "running")
        )
        assert alpha_coverage(running) > 1.4 * alpha_coverage(idle)


def test_ico_holds_every_windows_size_as_32_bit_images() -> None:
    data = (ICONS / "app.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, len(make_icons.ICO_SIZES))
    sizes = []
    for index in range(count):
        entry = data[6 + 16 * index : 6 + 16 * (index + 1)]
        width, height, _colours, _reserved, planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", entry
        )
        size = width or 256
        assert (width, planes, bits) == (height, 1, 32)
        assert offset + length <= len(data)
        payload = data[offset : offset + length]
        if size >= 256:
            assert png_header(payload) == (256, 256, 6)
        else:
            header_size, bmp_width, bmp_height, _planes, bmp_bits = struct.unpack(
                "<IiiHH", payload[:16]
            )
            assert (header_size, bmp_width, bmp_height, bmp_bits) == (40, size, 2 * size, 32)
            mask_stride = ((size + 31) // 32) * 4
            assert length == 40 + size * size * 4 + mask_stride * size
        sizes.append(size)
    assert sizes == sorted(make_icons.ICO_SIZES)


def test_icns_parses_and_holds_png_entries_up_to_1024_pixels() -> None:
    data = (ICONS / "app.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    found = {}
    offset = 8
    while offset < len(data):
        kind = data[offset : offset + 4]
        length = struct.unpack(">I", data[offset + 4 : offset + 8])[0]
        assert length > 8
        width, height, _ = png_header(data[offset + 8 : offset + length])
        assert width == height
        found[kind] = width
        offset += length
    assert offset == len(data)
    assert found == dict(make_icons.ICNS_ENTRIES)
    assert max(found.values()) == 1024


def test_svg_sources_are_valid_and_tray_glyphs_use_one_ink() -> None:
    sources = sorted(make_icons.SOURCES_DIR.glob("*.svg"))
    assert {path.name for path in sources} == {"app.svg", "tray-idle.svg", "tray-running.svg"}
    for path in sources:
        assert QSvgRenderer(str(path)).isValid(), path
    for state in resources.TRAY_STATES:
        text = (make_icons.SOURCES_DIR / f"tray-{state}.svg").read_text()
        assert set(re.findall(r'(?:fill|stroke)="(#[0-9A-Fa-f]{6})"', text)) == {"#000000"}


def test_committed_icons_match_what_the_generator_renders_now() -> None:
    """A changed SVG source without regenerated files fails here: run packaging/make_icons.py."""
    stale = []
    for name, content in make_icons.generated_files():
        committed = ICONS / name
        assert committed.exists(), f"{name} missing: run packaging/make_icons.py"
        if (
            name.endswith(".png")
            and committed.read_bytes() != content
            and max_channel_difference(QImage(str(committed)), QImage.fromData(content)) > 8
        ):
            stale.append(name)
    assert not stale, f"stale icons (run packaging/make_icons.py): {stale}"


def max_channel_difference(first: QImage, second: QImage) -> int:
    assert first.size() == second.size()
    a, b = (
        bytes(image.convertToFormat(QImage.Format.Format_ARGB32).constBits())
        for image in (first, second)
    )
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def test_generator_check_mode_reports_stale_files_and_writing_fixes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "icons"
    target.mkdir()
    monkeypatch.setattr(make_icons, "ICONS_DIR", target)
    assert make_icons.main(["--check"]) == 1
    assert not list(target.iterdir())  # --check writes nothing
    assert make_icons.main([]) == 0
    assert len(list(target.iterdir())) == len(list(make_icons.generated_files()))
    assert make_icons.main(["--check"]) == 0
