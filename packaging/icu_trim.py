"""Trim ICU's data library for the Linux bundle: keep what a German/English Qt app uses.

PySide6's Linux wheel ships ICU 73, and QtCore links against it (DT_NEEDED), so the libraries
must be there. Most of the bundle's ICU weight is `libicudata.so.73` (30.6 MiB): one exported
symbol, `icudt73_dat`, holding ICU's *common data archive* for every locale, converter and
script. This module reads that archive out of the library, keeps only the items listed below and
builds a replacement `libicudata.so.73` exporting the same symbol (assembled with the C compiler
from a `.incbin` of the trimmed archive). The PyInstaller spec puts it into the bundle instead of
the wheel's copy; the venv's PySide6 files are never modified.

What Qt 6 uses ICU for on Linux (traced with `ICU_DATA` + strace, which makes ICU look for every
item as a file first): QCollator (coll/), QLocale::toUpper/toLower (case mapping, built into
libicuuc), QStringConverter for codecs other than its own UTF-8/16/32 and Latin-1 (converters),
and QTimeZone display names (zone/, metaZones, timezoneTypes, zoneinfo64; the transitions
themselves come from the system tzdb). QLocale formatting and QTextBoundaryFinder use Qt's own
CLDR and Unicode tables. What is kept (`keep_item`):

- locale data for root, German and English (`de`, `de_*`, `en`, `en_*`) in the main tree and in
  the brkitr, coll, curr, lang, rbnf, region, unit and zone trees, with each tree's `pool.res`
  and `res_index.res`;
- collation: coll/ucadata.icu (the root collation) besides the locales above;
- break iterators for Latin text: char, word, word_POSIX, line, line_loose, line_normal, sent,
  title (no CJK/Thai/Khmer/Lao/Burmese dictionaries, no CJK line rules);
- converters: cnvalias.icu and windows-1252 (ibm-5348) and ISO-8859-15 (ibm-923); UTF-8/16/32,
  US-ASCII and Latin-1 are algorithmic in ICU and need no data;
- normalization nfkc, nfkc_cf, uts46 (nfc is built into libicuuc);
- time zone names and the locale-independent tables in NON_LOCALE_ITEMS.

Dropped: the other ~560 locales, ~200 codepage converters, transliteration, the break
dictionaries, character names (unames.icu), the spoof checker and StringPrep profiles. A dropped
locale falls back to root, a dropped converter cannot be opened (QStringDecoder.isValid() is
False), exactly as in an ICU built with a data filter.

    python packaging/icu_trim.py SOURCE_LIBRARY TARGET_LIBRARY   (the spec calls build_library)
    python packaging/icu_trim.py --list SOURCE_LIBRARY           (kept items and their sizes)

The common data format (ICU's udata.cpp / icupkg): a data header (uint16 header size, magic
0xda 0x27, UDataInfo with format "CmnD"), then at the header size a table of contents: uint32
item count and per item (uint32 name offset, uint32 data offset), both relative to the TOC, the
item names ("icudt73l/coll/root.res", sorted for ICU's binary search), then the items, each
16-byte aligned.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

KEPT_LANGUAGES: tuple[str, ...] = ("de", "en")
# Trees of locale data: the main tree ("") and the sub-trees with one .res per locale.
LOCALE_TREES: tuple[str, ...] = (
    "",
    "brkitr",
    "coll",
    "curr",
    "lang",
    "rbnf",
    "region",
    "unit",
    "zone",
)
# Per tree: the root locale, the shared string pool and the list of installed locales.
TREE_ITEMS: tuple[str, ...] = ("root.res", "pool.res", "res_index.res")
NON_LOCALE_ITEMS: frozenset[str] = frozenset(
    {
        # version, locale ids, aliases, likely subtags, keyword types, supplemental tables
        "icustd.res",
        "icuver.res",
        "metadata.res",
        "likelySubtags.res",
        "keyTypeData.res",
        "langInfo.res",
        "supplementalData.res",
        "numberingSystems.res",
        "plurals.res",
        "pluralRanges.res",
        "dayPeriods.res",
        "currencyNumericCodes.res",
        "genderList.res",
        "grammaticalFeatures.res",
        "units.res",
        # time zone names (QTimeZone::displayName) and ICU's own zone rules for ICU calendars
        "metaZones.res",
        "timezoneTypes.res",
        "windowsZones.res",
        "zoneinfo64.res",
        # Unicode properties that are data files rather than built into libicuuc
        "ulayout.icu",
        "uemoji.icu",
        # normalization beyond nfc/nfd (built in)
        "nfkc.nrm",
        "nfkc_cf.nrm",
        "uts46.nrm",
        # converters: the alias table, windows-1252 and ISO-8859-15
        "cnvalias.icu",
        "ibm-5348_P100-1997.cnv",
        "ibm-923_P100-1998.cnv",
        # collation: the root collation data
        "coll/ucadata.icu",
        # break iteration rules for Latin text (root, de, en, en_US_POSIX)
        "brkitr/char.brk",
        "brkitr/word.brk",
        "brkitr/word_POSIX.brk",
        "brkitr/line.brk",
        "brkitr/line_loose.brk",
        "brkitr/line_normal.brk",
        "brkitr/sent.brk",
        "brkitr/title.brk",
    }
)
# What the app needs for sure: the trimmed archive must hold all of these (checked at build time
# and in tests/packaging/test_icu_trim.py), so that an ICU update that renames one fails loudly.
REQUIRED_ITEMS: tuple[str, ...] = (
    "root.res",
    "pool.res",
    "de.res",
    "de_DE.res",
    "en.res",
    "en_US.res",
    "coll/root.res",
    "coll/ucadata.icu",
    "coll/de.res",
    "coll/en.res",
    "brkitr/root.res",
    "brkitr/de.res",
    "brkitr/en.res",
    "brkitr/char.brk",
    "brkitr/word.brk",
    "brkitr/line.brk",
    "brkitr/sent.brk",
    "cnvalias.icu",
    "ibm-5348_P100-1997.cnv",
    "nfkc.nrm",
    "zone/root.res",
    "zone/de.res",
    "zone/en.res",
    "metaZones.res",
    "timezoneTypes.res",
    "zoneinfo64.res",
)

_KEPT_LOCALE = re.compile(
    r"^(?:root|(?:" + "|".join(KEPT_LANGUAGES) + r")(?:_[A-Za-z0-9]*)*)\.res$"
)
_DATA_SYMBOL = re.compile(rb"^icudt(\d+)_dat$")
COMMON_DATA_MAGIC = b"\xda\x27"
COMMON_DATA_FORMAT = b"CmnD"
ALIGNMENT = 16
PADDING = b"\xaa"  # icupkg's filler between names and items


class IcuTrimError(Exception):
    """The library or archive is not what this module understands, or a build step failed."""


def keep_item(name: str) -> bool:
    """Whether an item of the archive (its name without the package prefix) is kept."""
    if name in NON_LOCALE_ITEMS:
        return True
    tree, _, file_name = name.rpartition("/")
    if tree not in LOCALE_TREES:
        return False
    return file_name in TREE_ITEMS or _KEPT_LOCALE.match(file_name) is not None


# --- the common data archive ---------------------------------------------------------------------


@dataclass(frozen=True)
class CommonData:
    """An ICU common data archive: its header and its items by name (without package prefix)."""

    header: bytes
    package: str  # "icudt73l": ICU's data package name, the prefix of every item name
    items: dict[str, bytes]

    @classmethod
    def parse(cls, data: bytes) -> CommonData:
        if len(data) < 32 or data[2:4] != COMMON_DATA_MAGIC:
            raise IcuTrimError("not ICU data: the magic bytes 0xda27 are missing")
        header_size = struct.unpack_from("<H", data, 0)[0]
        if data[12:16] != COMMON_DATA_FORMAT or data[8] != 0:
            raise IcuTrimError("not a little-endian ICU common data archive (format CmnD)")
        (count,) = struct.unpack_from("<I", data, header_size)
        entries = [struct.unpack_from("<II", data, header_size + 4 + 8 * i) for i in range(count)]
        names = [_c_string(data, header_size + name_offset) for name_offset, _ in entries]
        starts = [header_size + data_offset for _, data_offset in entries]
        ends = [*starts[1:], len(data)]
        packages = {name.partition("/")[0] for name in names}
        if len(packages) != 1:
            raise IcuTrimError(f"items of several packages in one archive: {sorted(packages)}")
        items = {
            name.partition("/")[2]: data[start:end]
            for name, start, end in zip(names, starts, ends, strict=True)
        }
        return cls(header=data[:header_size], package=packages.pop(), items=items)

    def to_bytes(self) -> bytes:
        """The archive in icupkg's layout: sorted TOC, names, then 16-byte aligned items."""
        names = sorted(self.items, key=lambda name: f"{self.package}/{name}".encode("ascii"))
        toc_size = 4 + 8 * len(names)
        name_block = bytearray()
        name_offsets = []
        for name in names:
            name_offsets.append(toc_size + len(name_block))
            name_block += f"{self.package}/{name}".encode("ascii") + b"\0"
        body = bytearray(_pad(bytes(name_block), len(self.header) + toc_size))
        data_offsets = []
        for name in names:
            data_offsets.append(toc_size + len(body))
            body += _pad(self.items[name], len(self.header) + toc_size + len(body))
        toc = struct.pack("<I", len(names)) + b"".join(
            struct.pack("<II", name_offset, data_offset)
            for name_offset, data_offset in zip(name_offsets, data_offsets, strict=True)
        )
        return self.header + toc + bytes(body)

    def trimmed(self) -> CommonData:
        kept = {name: blob for name, blob in self.items.items() if keep_item(name)}
        return CommonData(header=self.header, package=self.package, items=kept)


def _c_string(data: bytes, offset: int) -> str:
    return data[offset : data.index(b"\0", offset)].decode("ascii")


def _pad(blob: bytes, position: int) -> bytes:
    """`blob` padded to the next 16-byte boundary (counted from `position`) as icupkg does."""
    return blob + PADDING * (-(position + len(blob)) % ALIGNMENT)


# --- the data library (ELF) ----------------------------------------------------------------------


@dataclass(frozen=True)
class DataSymbol:
    name: str  # icudt73_dat
    file_offset: int
    size: int


def find_data_symbol(elf: bytes) -> DataSymbol:
    """The `icudtNN_dat` symbol of a 64-bit little-endian ELF data library, from .dynsym."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise IcuTrimError("not a 64-bit little-endian ELF file")
    (section_offset,) = struct.unpack_from("<Q", elf, 0x28)
    entry_size, count = struct.unpack_from("<HH", elf, 0x3A)
    sections = [
        struct.unpack_from("<IIQQQQIIQQ", elf, section_offset + i * entry_size)
        for i in range(count)
    ]
    # (name, type, flags, addr, offset, size, link, info, addralign, entsize)
    for section in sections:
        if section[1] != 11:  # SHT_DYNSYM
            continue
        strings = sections[section[6]]
        for position in range(section[4], section[4] + section[5], 24):
            name_offset, _, _, index, value, size = struct.unpack_from("<IBBHQQ", elf, position)
            name = elf[strings[4] + name_offset : elf.index(b"\0", strings[4] + name_offset)]
            if _DATA_SYMBOL.match(name) and 0 < index < len(sections):
                home = sections[index]
                return DataSymbol(name.decode("ascii"), value - home[3] + home[4], size)
    raise IcuTrimError("no exported icudtNN_dat symbol: not an ICU data library")


def read_library(path: Path) -> tuple[DataSymbol, CommonData]:
    elf = path.read_bytes()
    symbol = find_data_symbol(elf)
    archive = elf[symbol.file_offset : symbol.file_offset + symbol.size]
    return symbol, CommonData.parse(archive)


def c_compiler() -> str | None:
    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def assemble_library(archive: bytes, symbol: str, soname: str, target: Path) -> None:
    """A shared library with soname `soname` exporting `symbol`: the archive, read-only."""
    compiler = c_compiler()
    if compiler is None:
        raise IcuTrimError("no C compiler (cc/gcc/clang) to build the trimmed ICU data library")
    with tempfile.TemporaryDirectory(prefix="icu-trim-") as scratch:
        data_file = Path(scratch) / f"{symbol}.dat"
        data_file.write_bytes(archive)
        source = Path(scratch) / f"{symbol}.S"
        source.write_text(
            "\t.section .rodata\n"
            f"\t.globl {symbol}\n"
            f"\t.type {symbol}, %object\n"
            f"\t.balign {ALIGNMENT}\n"
            f"{symbol}:\n"
            f'\t.incbin "{data_file.name}"\n'
            f"\t.size {symbol}, . - {symbol}\n"
            '\t.section .note.GNU-stack, "", %progbits\n',
            encoding="ascii",
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        command = [
            compiler, "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-Wl,-z,noexecstack",
            "-o", str(target.resolve()), source.name,
        ]  # fmt: skip
        result = subprocess.run(command, cwd=scratch, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise IcuTrimError(f"{' '.join(command)} failed:\n{result.stderr.strip()}")


@dataclass(frozen=True)
class TrimReport:
    source_items: int
    kept_items: int
    source_bytes: int
    kept_bytes: int  # the trimmed archive
    library_bytes: int  # the built library


def build_library(source: Path, target: Path) -> TrimReport:
    """Write the trimmed copy of the ICU data library `source` to `target` and check it."""
    symbol, archive = read_library(source)
    trimmed = archive.trimmed()
    missing = sorted(set(REQUIRED_ITEMS) - set(trimmed.items))
    if missing:
        raise IcuTrimError(f"{source.name} lacks required ICU items: {', '.join(missing)}")
    data = trimmed.to_bytes()
    assemble_library(data, symbol.name, source.name, target)
    built_symbol, built = read_library(target)
    if built_symbol.name != symbol.name or built.items != trimmed.items:
        raise IcuTrimError(f"{target} does not hold the trimmed archive under {symbol.name}")
    return TrimReport(
        source_items=len(archive.items),
        kept_items=len(trimmed.items),
        source_bytes=symbol.size,
        kept_bytes=len(data),
        library_bytes=target.stat().st_size,
    )


def is_data_library(file_name: str) -> bool:
    return re.fullmatch(r"libicudata\.so\.\d+", file_name) is not None


def replace_in_toc(
    entries: Iterable[tuple[str, str, str]], work_dir: Path
) -> tuple[list[tuple[str, str, str]], list[TrimReport]]:
    """PyInstaller's binaries TOC with every ICU data library swapped for its trimmed build."""
    replaced: list[tuple[str, str, str]] = []
    reports = []
    for destination, source, kind in entries:
        if kind == "BINARY" and is_data_library(Path(destination).name):
            target = work_dir / Path(destination).name
            reports.append(build_library(Path(source), target))
            source = str(target)
        replaced.append((destination, source, kind))
    return replaced, reports


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--list", action="store_true", help="list the kept items and their sizes")
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path, nargs="?")
    args = parser.parse_args(argv)
    if args.list:
        _, archive = read_library(args.source)
        kept = archive.trimmed().items
        for name in sorted(kept):
            print(f"{len(kept[name]):9d}  {name}")
        print(f"{sum(map(len, kept.values())):9d}  {len(kept)} of {len(archive.items)} items")
        return 0
    if args.target is None:
        parser.error("TARGET_LIBRARY is required without --list")
    report = build_library(args.source, args.target)
    print(
        f"{args.target}: {report.kept_items} of {report.source_items} ICU items, "
        f"{report.library_bytes / 2**20:.1f} MiB (was {report.source_bytes / 2**20:.1f} MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
