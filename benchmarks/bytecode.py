"""Measure the app as installed: with its modules compiled to bytecode.

An installed app (pip, or the PyInstaller bundle) starts from `.pyc` files. A source checkout run
with `PYTHONDONTWRITEBYTECODE=1` (as on CI machines) compiles every module again at each start,
~100 ms that no user pays; the benchmarks compile once, first.
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def compile_app() -> bool:
    """Write the package's `__pycache__` (a no-op when it is up to date)."""
    return bool(compileall.compile_dir(ROOT / "moco_desktop", quiet=1))
