"""packaging/icu_trim.py: ICU's common data archive, the keep rules, the trimmed data library."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from PySide6 import __file__ as pyside6_init

from moco_desktop import smoke
from tests.packaging.packaging_modules import ROOT, load

icu_trim = load("icu_trim")
WHEEL_LIBRARIES = sorted((Path(pyside6_init).parent / "Qt" / "lib").glob("libicudata.so.*"))
needs_the_wheels_icu = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not WHEEL_LIBRARIES,
    reason="only PySide6's Linux wheels ship ICU",
)
needs_a_compiler = pytest.mark.skipif(icu_trim.c_compiler() is None, reason="no C compiler")


def data_header(copyright_text: bytes = b"test data") -> bytes:
    """A little-endian common-data header (MappedData + UDataInfo + text), 16-byte padded."""
    info = struct.pack("<HHBBBB4s4s4s", 20, 0, 0, 0, 2, 0, b"CmnD", b"\x01\0\0\0", b"\x03\0\0\0")
    body = info + copyright_text + b"\0"
    size = 4 + len(body)
    size += -size % 16
    return struct.pack("<H2s", size, b"\xda\x27") + body + b"\0" * (size - 4 - len(body))


def archive(items: dict[str, bytes]) -> Any:
    return icu_trim.CommonData(header=data_header(), package="icudt73l", items=items)


# --- the archive format ---------------------------------------------------------------------


def test_an_archive_survives_writing_and_reading() -> None:
    items = {"root.res": b"R" * 32, "coll/de.res": b"c" * 16, "a.cnv": b"", "de.res": b"x" * 48}
    data = archive(items).to_bytes()
    parsed = icu_trim.CommonData.parse(data)
    assert parsed.items == items
    assert parsed.package == "icudt73l"
    assert parsed.header == data_header()
    assert parsed.to_bytes() == data


def test_an_items_padding_stays_with_it() -> None:
    """The TOC has no sizes: an item ends where the next begins (ICU's own items are aligned)."""
    parsed = icu_trim.CommonData.parse(archive({"a.res": b"12345", "b.res": b"6"}).to_bytes())
    assert parsed.items == {"a.res": b"12345" + b"\xaa" * 11, "b.res": b"6" + b"\xaa" * 15}


def test_names_are_sorted_for_icus_binary_search_and_items_are_aligned() -> None:
    items = {"zone/de.res": b"1", "de.res": b"22", "brkitr/word.brk": b"333", "Z.res": b"4"}
    data = archive(items).to_bytes()
    header_size = len(data_header())
    (count,) = struct.unpack_from("<I", data, header_size)
    entries = [struct.unpack_from("<II", data, header_size + 4 + 8 * i) for i in range(count)]
    names = [
        data[header_size + name : data.index(b"\0", header_size + name)] for name, _ in entries
    ]
    assert names == sorted(names)
    assert names[0] == b"icudt73l/Z.res"  # byte order, as ICU's strcmp sees it
    for _, offset in entries:
        assert (header_size + offset) % 16 == 0


def test_what_is_not_a_little_endian_common_data_archive_is_refused() -> None:
    with pytest.raises(icu_trim.IcuTrimError, match="magic"):
        icu_trim.CommonData.parse(b"\0" * 64)
    resource_bundle = bytearray(archive({"a.res": b""}).to_bytes())
    resource_bundle[12:16] = b"ResB"
    with pytest.raises(icu_trim.IcuTrimError, match="CmnD"):
        icu_trim.CommonData.parse(bytes(resource_bundle))


# --- the keep rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("root.res", True),
        ("pool.res", True),
        ("res_index.res", True),
        ("de.res", True),
        ("de_CH.res", True),
        ("en_US_POSIX.res", True),
        ("en_001.res", True),
        ("coll/de__PHONEBOOK.res", True),
        ("coll/ucadata.icu", True),
        ("zone/de.res", True),
        ("zone/pool.res", True),
        ("curr/en_GB.res", True),
        ("brkitr/word.brk", True),
        ("brkitr/line_normal.brk", True),
        ("cnvalias.icu", True),
        ("ibm-5348_P100-1997.cnv", True),
        ("zoneinfo64.res", True),
        ("nfkc.nrm", True),
        ("fr.res", False),
        ("dea.res", False),  # not German: a language whose code starts with "de"
        ("zone/ja.res", False),
        ("coll/zh.res", False),
        ("brkitr/cjdict.dict", False),
        ("brkitr/thaidict.dict", False),
        ("brkitr/line_cj.brk", False),
        ("translit/root.res", False),
        ("ibm-943_P15A-2003.cnv", False),
        ("gb18030.cnv", False),
        ("unames.icu", False),
        ("confusables.cfu", False),
        ("rfc3491.spp", False),
    ],
)
def test_items_kept_and_dropped(name: str, kept: bool) -> None:
    assert icu_trim.keep_item(name) is kept


def test_every_required_item_passes_the_keep_rules() -> None:
    assert [name for name in icu_trim.REQUIRED_ITEMS if not icu_trim.keep_item(name)] == []


# --- the wheel's data library ---------------------------------------------------------------------


@needs_the_wheels_icu
def test_the_wheels_archive_is_read_and_rewritten_byte_for_byte() -> None:
    source = WHEEL_LIBRARIES[0]
    symbol, data = icu_trim.read_library(source)
    assert symbol.name == f"icudt{source.name.rsplit('.', 1)[1]}_dat"
    elf = source.read_bytes()
    assert data.to_bytes() == elf[symbol.file_offset : symbol.file_offset + symbol.size]


@needs_the_wheels_icu
def test_the_trimmed_archive_holds_what_the_app_needs_and_little_else() -> None:
    _, data = icu_trim.read_library(WHEEL_LIBRARIES[0])
    trimmed = data.trimmed()
    assert set(icu_trim.REQUIRED_ITEMS) <= set(trimmed.items)
    assert set(trimmed.items) < set(data.items)
    for dropped in ("brkitr/cjdict.dict", "translit/root.res", "coll/zh.res", "ja.res"):
        assert dropped in data.items
        assert dropped not in trimmed.items
    size = len(trimmed.to_bytes())
    assert size < 5 * 2**20 < len(data.to_bytes()) // 5


def test_a_file_without_the_data_symbol_is_refused() -> None:
    with pytest.raises(icu_trim.IcuTrimError, match="ELF"):
        icu_trim.find_data_symbol(b"MZ" + b"\0" * 100)
    with pytest.raises(icu_trim.IcuTrimError, match="icudtNN_dat"):
        icu_trim.find_data_symbol(Path(sys.executable).resolve().read_bytes())


def test_only_the_collected_icu_data_library_is_swapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[tuple[Path, Path]] = []

    def fake_build(source: Path, target: Path) -> Any:
        built.append((source, target))
        return icu_trim.TrimReport(2, 1, 20, 10, 12)

    monkeypatch.setattr(icu_trim, "build_library", fake_build)
    entries = [
        ("PySide6/Qt/lib/libicudata.so.73", "/venv/Qt/lib/libicudata.so.73", "BINARY"),
        ("libicudata.so.73", "PySide6/Qt/lib/libicudata.so.73", "SYMLINK"),
        ("PySide6/Qt/lib/libicuuc.so.73", "/venv/Qt/lib/libicuuc.so.73", "BINARY"),
    ]
    replaced, reports = icu_trim.replace_in_toc(entries, tmp_path)
    target = tmp_path / "libicudata.so.73"
    assert built == [(Path("/venv/Qt/lib/libicudata.so.73"), target)]
    assert replaced == [
        ("PySide6/Qt/lib/libicudata.so.73", str(target), "BINARY"),
        entries[1],
        entries[2],
    ]
    assert len(reports) == 1


# --- the built library, loaded by Qt -----------------------------------------------------------

ICU_PROBE = textwrap.dedent(
    """
    import json, os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from moco_desktop import smoke
    result = smoke._run_check("icu", smoke.check_icu)
    with open("/proc/self/maps") as maps:
        loaded = sorted({line.split()[-1] for line in maps if "libicudata" in line})
    print(json.dumps({"ok": result.ok, "detail": result.detail, "loaded": loaded}))
    """
)


def run_icu_check_with(library_dir: Path) -> dict[str, object]:
    """The smoke's `icu` check in a fresh interpreter whose Qt loads libicudata from there."""
    env = {**os.environ, "LD_LIBRARY_PATH": str(library_dir)}  # wins over Qt's RUNPATH
    result = subprocess.run(
        [sys.executable, "-c", ICU_PROBE],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=True,
    )  # fmt: skip
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


@needs_the_wheels_icu
@needs_a_compiler
def test_qt_gives_the_same_answers_with_the_trimmed_library(tmp_path: Path) -> None:
    source = WHEEL_LIBRARIES[0]
    target = tmp_path / source.name
    report = icu_trim.build_library(source, target)
    assert report.kept_items < report.source_items
    assert report.library_bytes < report.source_bytes / 5
    assert icu_trim.find_data_symbol(target.read_bytes()).name == f"icudt{source.name[-2:]}_dat"
    full = smoke._run_check("icu", smoke.check_icu)
    trimmed = run_icu_check_with(tmp_path)
    assert trimmed["loaded"] == [str(target)]
    assert full.ok, full.detail
    assert trimmed["ok"] is True
    assert trimmed["detail"] == full.detail


@needs_the_wheels_icu
@needs_a_compiler
def test_the_icu_check_notices_missing_collation_and_zone_data(tmp_path: Path) -> None:
    symbol, data = icu_trim.read_library(WHEEL_LIBRARIES[0])
    without = icu_trim.CommonData(
        header=data.header,
        package=data.package,
        items={name: blob for name, blob in data.trimmed().items.items() if "/" not in name},
    )
    target = tmp_path / WHEEL_LIBRARIES[0].name
    icu_trim.assemble_library(without.to_bytes(), symbol.name, target.name, target)
    answer = run_icu_check_with(tmp_path)
    assert answer["loaded"] == [str(target)]
    assert answer["ok"] is False
    detail = str(answer["detail"])
    assert "order 'Apfel < Zebra" in detail
    assert "expected 'Mitteleuropäische Normalzeit'" in detail
