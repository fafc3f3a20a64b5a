"""The processes a benchmark starts and watches: private user directories, and a GUI process
that reports its start-up events (`MOCO_DESKTOP_STARTUP_REPORT`) with its CPU and memory."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Home:
    """Private user directories (XDG) for one app identity: config, data, cache, state."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("config", "data", "cache", "state"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {
            **base,
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_CACHE_HOME": str(self.root / "cache"),
            "XDG_STATE_HOME": str(self.root / "state"),
            "MOCO_DESKTOP_INSTANCE": f"moco-bench-{self.root.name}",
        }


class Started:
    """A started GUI process that appends `{"event", "t"}` lines to a report file."""

    def __init__(self, command: list[str], env: dict[str, str], report: Path) -> None:
        report.unlink(missing_ok=True)
        self.report = report
        self.started = time.time()
        self.popen = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    @classmethod
    def in_home(
        cls, command: list[str], base_env: dict[str, str], home: Path, report: str = "report.jsonl"
    ) -> Started:
        """Started with its own user directories under `home`, reporting to `home/report`."""
        path = home / report
        env = {**Home(home).env(base_env), "MOCO_DESKTOP_STARTUP_REPORT": str(path)}
        return cls(command, env, path)

    def events(self) -> list[dict[str, Any]]:
        if not self.report.exists():
            return []
        lines = self.report.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def wait_for(self, name: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events():
                if event.get("event") == name:
                    return event
            if self.popen.poll() is not None:
                raise RuntimeError(f"process ended ({self.popen.returncode}) before {name!r}")
            time.sleep(0.005)
        raise RuntimeError(f"no {name!r} within {timeout} s")

    def seconds_until(self, name: str) -> float:
        return float(self.wait_for(name)["t"]) - self.started

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.popen.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
