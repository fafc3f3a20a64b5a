"""The start-up path (showing the cached timesheet) loads no network or keyring code."""

from __future__ import annotations

import subprocess
import sys


def test_the_start_up_path_imports_neither_the_network_nor_the_keyring_stack() -> None:
    """What the window needs to show the cache must not wait for httpx or keyring (nor for
    the date parser of MOCO's answers: `email.utils`, ~3 ms)."""
    code = (
        "import sys, moco_desktop.app, moco_desktop.ui.shell, moco_desktop.ui.timesheet;"
        "print(sorted(m for m in ('httpx', 'httpcore', 'keyring', 'secretstorage', 'email.utils') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip() == "[]"
