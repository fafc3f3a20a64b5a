"""The real app in a subprocess (`python -m moco_desktop ...`), observed through its startup
report: tests and benchmarks wait for "tray_shown", "timesheet_painted" and friends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any


class AppProcess:
    def __init__(
        self,
        arguments: list[str],
        *,
        home: Path,
        env: dict[str, str] | None = None,
        instance: str | None = None,
    ) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.report = home / f"report-{uuid.uuid4().hex[:8]}.jsonl"
        environment = {**(env or os.environ)}
        for variable, sub in {
            "XDG_CONFIG_HOME": "config",
            "XDG_DATA_HOME": "data",
            "XDG_CACHE_HOME": "cache",
            "XDG_STATE_HOME": "state",
        }.items():
            (home / sub).mkdir(exist_ok=True)
            environment[variable] = str(home / sub)
        environment["MOCO_DESKTOP_STARTUP_REPORT"] = str(self.report)
        environment["MOCO_DESKTOP_INSTANCE"] = instance or f"moco-test-{uuid.uuid4().hex[:8]}"
        environment.setdefault("MOCO_LANG", "en")
        self.env = environment
        self.started_at = time.time()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moco_desktop", *arguments],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def events(self) -> list[dict[str, Any]]:
        if not self.report.exists():
            return []
        lines = self.report.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def wait_for(self, event: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((e for e in self.events() if e["event"] == event), None)
            if found is not None:
                return found
            if self.process.poll() is not None:
                self.terminate()
                raise AssertionError(
                    f"the app exited ({self.process.returncode}):\n{self.output()}"
                )
            time.sleep(0.02)
        raise AssertionError(f"no {event!r} within {timeout} s; got {self.events()}")

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM (a clean quit), then collect the output; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            output, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate(timeout=5)
            self._output = output.decode(errors="replace")
            raise
        self._output = output.decode(errors="replace")
        return self.process.returncode

    def output(self) -> str:
        return getattr(self, "_output", "")
