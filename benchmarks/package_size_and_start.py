"""Size of the frozen one-folder app and its cold start, beside a bare PySide6 window's floor.

    .venv/bin/python -m benchmarks.package_size_and_start [--runs 5] [--no-floor] [--no-cold]

Needs the bundle from `packaging/build` (dist/). Measures:

- the bundle's size (MiB, and decimal MB as release targets are given; symlinks not counted)
  and file count, its largest parts, and the size of the package built beside it (tar.gz / dmg /
  Setup.exe) when there is one. On Linux the ICU part is libicuuc and libicui18n (5.4 MiB) plus
  the data library trimmed by packaging/icu_trim.py (3.6 MiB instead of 30.5 MiB);
- the wall time of `<frozen app> --smoke` (Qt, qasync loop, icons, embedded server + API client,
  keyring: more than a bare start), warm (median of --runs) and cold: with the page cache
  dropped before each run (Linux as root only; otherwise "cold" is skipped and said so);
- the same for the floor: a bare PySide6 window frozen by PyInstaller with default settings
  (untrimmed), built once into build/bench-floor/ (~20 s) and reused while PySide6 is the same.

Prints one JSON object, then a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
FLOOR_DIR = ROOT / "build" / "bench-floor"
MIB = 2**20
DROP_CACHES = Path("/proc/sys/vm/drop_caches")

FLOOR_SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication(sys.argv)
    window = QWidget()
    window.show()
    QTimer.singleShot(0, app.quit)
    sys.exit(app.exec())
    """
)

# Groups for the size breakdown: (label, path fragments that identify the group's files).
SIZE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ICU (Qt's Unicode data, Linux)", ("libicu",)),
    ("Qt libraries and plugins", ("PySide6/Qt/", "/libQt6", "Qt6", ".framework/")),
    ("PySide6 bindings", ("PySide6/", "shiboken6", "libpyside6")),
    ("Python and its modules", ("libpython", "python3", "base_library.zip", "lib-dynload")),
    ("cryptography (Secret Service)", ("cryptography",)),
    ("OpenSSL (HTTPS)", ("libcrypto", "libssl")),
    ("rapidfuzz", ("rapidfuzz",)),
)


@dataclass
class Timing:
    warm_median_s: float | None = None
    warm_min_s: float | None = None
    cold_median_s: float | None = None
    cold_runs_s: list[float] = field(default_factory=list)
    note: str = ""


@dataclass
class Measurement:
    name: str
    executable: str
    size_mib: float
    size_mb: float
    files: int
    package: str | None
    package_mib: float | None
    breakdown_mib: dict[str, float]
    start: Timing


def files_of(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()]


def breakdown(folder: Path, files: Sequence[Path]) -> dict[str, float]:
    totals: dict[str, float] = {label: 0.0 for label, _ in SIZE_GROUPS}
    totals["everything else"] = 0.0
    for path in files:
        relative = "/" + path.relative_to(folder).as_posix()
        label = next(
            (name for name, marks in SIZE_GROUPS if any(mark in relative for mark in marks)),
            "everything else",
        )
        totals[label] += path.stat().st_size / MIB
    return {label: round(value, 1) for label, value in totals.items() if value}


def can_drop_caches() -> bool:
    return sys.platform.startswith("linux") and os.access(DROP_CACHES, os.W_OK)


def drop_caches() -> None:
    os.sync()
    DROP_CACHES.write_text("3\n")


def timed_run(command: Sequence[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def measure_start(command: Sequence[str], runs: int, cold: bool) -> Timing:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    timing = Timing()
    if cold and can_drop_caches():
        for _ in range(max(3, runs // 2)):
            drop_caches()
            timing.cold_runs_s.append(round(timed_run(command, env), 3))
        timing.cold_median_s = round(statistics.median(timing.cold_runs_s), 3)
    elif cold:
        timing.note = "cold start skipped: dropping the page cache needs root on Linux"
    timed_run(command, env)  # warm the cache
    warm = [timed_run(command, env) for _ in range(runs)]
    timing.warm_median_s = round(statistics.median(warm), 3)
    timing.warm_min_s = round(min(warm), 3)
    return timing


def app_executable() -> Path:
    if sys.platform == "darwin":
        return DIST / "MOCO Desktop.app" / "Contents" / "MacOS" / "MOCO Desktop"
    if sys.platform == "win32":
        return DIST / "MOCO Desktop" / "MOCO Desktop.exe"
    return DIST / "moco-desktop" / "moco-desktop"


def app_folder() -> Path:
    executable = app_executable()
    return executable.parents[2] if sys.platform == "darwin" else executable.parent


def app_package() -> Path | None:
    candidates = sorted(
        [*DIST.glob("MOCO-Desktop-*.tar.gz"), *DIST.glob("MOCO-Desktop-*.dmg"),
         *DIST.glob("MOCO-Desktop-Setup-*.exe")],
        key=lambda path: path.stat().st_mtime,
    )  # fmt: skip
    return candidates[-1] if candidates else None


def measure_app(runs: int, cold: bool) -> Measurement:
    executable = app_executable()
    if not executable.exists():
        raise SystemExit(f"{executable} does not exist: run packaging/build first")
    folder = app_folder()
    files = files_of(folder)
    package = app_package()
    return Measurement(
        name="MOCO Desktop (frozen, `--smoke`)",
        executable=str(executable.relative_to(ROOT)),
        size_mib=round(sum(path.stat().st_size for path in files) / MIB, 1),
        size_mb=round(sum(path.stat().st_size for path in files) / 1e6, 1),
        files=len(files),
        package=package.name if package else None,
        package_mib=round(package.stat().st_size / MIB, 1) if package else None,
        breakdown_mib=breakdown(folder, files),
        start=measure_start([str(executable), "--smoke"], runs, cold),
    )


def build_floor() -> Path:
    """A bare PySide6 window frozen with PyInstaller's defaults, rebuilt when PySide6 changes."""
    import PySide6

    name = "floor.exe" if sys.platform == "win32" else "floor"
    executable = FLOOR_DIR / "dist" / "floor" / name
    stamp = FLOOR_DIR / "pyside6-version"
    if executable.exists() and stamp.exists() and stamp.read_text() == PySide6.__version__:
        return executable
    shutil.rmtree(FLOOR_DIR, ignore_errors=True)
    FLOOR_DIR.mkdir(parents=True)
    script = FLOOR_DIR / "floor.py"
    script.write_text(FLOOR_SCRIPT)
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--onedir", "--log-level", "ERROR",
         "--distpath", str(FLOOR_DIR / "dist"), "--workpath", str(FLOOR_DIR / "work"),
         "--specpath", str(FLOOR_DIR), str(script)],
        check=True, capture_output=True,
    )  # fmt: skip
    stamp.write_text(PySide6.__version__)
    return executable


def measure_floor(runs: int, cold: bool) -> Measurement:
    executable = build_floor()
    files = files_of(executable.parent)
    return Measurement(
        name="Floor: bare PySide6 window (PyInstaller defaults)",
        executable=str(executable.relative_to(ROOT)),
        size_mib=round(sum(path.stat().st_size for path in files) / MIB, 1),
        size_mb=round(sum(path.stat().st_size for path in files) / 1e6, 1),
        files=len(files),
        package=None,
        package_mib=None,
        breakdown_mib=breakdown(executable.parent, files),
        start=measure_start([str(executable)], runs, cold),
    )


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def markdown(rows: Sequence[Measurement]) -> str:
    lines = [
        "| Build | Size | Files | Package | Cold start (median) | Warm start (median) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        package = f"{row.package_mib:.1f} MiB" if row.package_mib is not None else "-"
        lines.append(
            f"| {row.name} | {row.size_mib:.1f} MiB ({row.size_mb:.1f} MB) | {row.files} "
            f"| {package} | {seconds(row.start.cold_median_s)} "
            f"| {seconds(row.start.warm_median_s)} |"
        )
    app = rows[0]
    lines += ["", f"Largest parts of {app.name}:", "", "| Part | MiB |", "|---|---:|"]
    for label, value in sorted(app.breakdown_mib.items(), key=lambda item: -item[1]):
        lines.append(f"| {label} | {value:.1f} |")
    notes = {row.start.note for row in rows if row.start.note}
    return "\n".join([*lines, *(f"\n{note}" for note in sorted(notes))])


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="warm runs per build (default 5)")
    parser.add_argument("--no-floor", action="store_true", help="skip the bare PySide6 floor")
    parser.add_argument("--no-cold", action="store_true", help="do not drop the page cache")
    args = parser.parse_args(argv)
    rows = [measure_app(args.runs, not args.no_cold)]
    if not args.no_floor:
        rows.append(measure_floor(args.runs, not args.no_cold))
    print(
        json.dumps({"platform": sys.platform, "results": [asdict(row) for row in rows]}, indent=2)
    )
    print()
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
