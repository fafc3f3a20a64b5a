#!/usr/bin/env python3
"""Set up the development environment and run things in it; the README's two commands.

    python3 dev.py demo     # create .venv, install, start the app against the embedded server
    python3 dev.py test     # create .venv, install, run the whole test suite
    python3 dev.py check    # ruff check, ruff format --check, mypy --strict
    python3 dev.py run ...  # a command inside the venv: `python3 dev.py run moco-desktop status`

Works with any Python 3.11+ on Linux, macOS and Windows; standard library only.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".dev-stamp"


def venv_bin(name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return VENV / folder / f"{name}{suffix}"


def requirements_fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_environment() -> None:
    """Create the venv and install the project with its dev extras, once per pyproject change."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older Python
        sys.exit(f"MOCO Desktop needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not venv_bin("python").exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = requirements_fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    print("Installing MOCO Desktop and its development tools into .venv ...", flush=True)
    python = str(venv_bin("python"))
    pip = [python, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(fingerprint)


def run(command: list[str], extra_env: dict[str, str] | None = None) -> int:
    env = dict(os.environ)
    env["PATH"] = str(venv_bin("python").parent) + os.pathsep + env.get("PATH", "")
    env.update(extra_env or {})
    return subprocess.call(command, cwd=ROOT, env=env)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    action, rest = argv[0], argv[1:]
    ensure_environment()
    python = str(venv_bin("python"))
    if action == "demo":
        return run([python, "-m", "moco_desktop", "--demo", *rest])
    if action == "test":
        return run([python, "-m", "pytest", *rest], {"QT_QPA_PLATFORM": "offscreen"})
    if action == "check":
        checks = [
            [python, "-m", "ruff", "check", "."],
            [python, "-m", "ruff", "format", "--check", "."],
            [python, "-m", "mypy"],
        ]
        return max(run(check) for check in checks)
    if action == "run":
        return run(rest)
    print(f"unknown action {action!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
