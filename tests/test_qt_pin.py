"""Guards the PySide6 pin: 6.12.0 aborts at exit after many qasync loops (ENVIRONMENT.md)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import PySide6


def test_pyside_is_below_the_crashing_release() -> None:
    major, minor = (int(part) for part in PySide6.__version__.split(".")[:2])
    assert (major, minor) < (6, 12), PySide6.__version__


def test_many_qasync_loops_exit_cleanly() -> None:
    script = textwrap.dedent(
        """
        import asyncio, os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtWidgets import QApplication
        import qasync
        app = QApplication([])
        for _ in range(40):
            loop = qasync.QEventLoop(app)
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()
        print("done")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"


async def test_async_tests_run_on_a_qasync_loop() -> None:
    import qasync

    assert isinstance(asyncio.get_running_loop(), qasync.QEventLoop)
