"""A private X server (Xvfb) with a tray host (trayer) for tests and screenshots.

`start_display()` picks a free display number itself (`-displayfd`), starts `trayer` docked at
the top right when asked, and waits until the tray host is mapped. `available()` says whether
the programs are installed (CI installs them; elsewhere the tests skip).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field

PROGRAMS = ("Xvfb", "trayer", "xdotool")


def available() -> bool:
    return all(shutil.which(program) for program in PROGRAMS)


@dataclass
class XDisplay:
    name: str
    width: int
    height: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, "DISPLAY": self.name, "QT_QPA_PLATFORM": "xcb", **extra}
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def run(self, *command: str, check: bool = True) -> str:
        result = subprocess.run(
            command, env=self.env(), capture_output=True, text=True, timeout=20, check=check
        )
        return result.stdout

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        self.processes.clear()


def start_display(width: int = 1280, height: int = 800, *, tray: bool = True) -> XDisplay:
    """Start Xvfb (and trayer); the caller must `stop()` the result."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    number = b""
    with os.fdopen(read_end, "rb") as pipe:
        while not number.endswith(b"\n"):
            chunk = pipe.read(1)
            if not chunk:
                xvfb.kill()
                raise RuntimeError("Xvfb did not start")
            number += chunk
    display = XDisplay(f":{number.decode().strip()}", width, height, [xvfb])
    if tray:
        display.processes.append(
            subprocess.Popen(
                [
                    "trayer",
                    "--edge",
                    "top",
                    "--align",
                    "right",
                    "--widthtype",
                    "pixel",
                    "--width",
                    "100",
                    "--height",
                    "32",
                    "--SetDockType",
                    "true",
                ],
                env=display.env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        deadline = time.monotonic() + 10
        while not display.run("xdotool", "search", "--class", "trayer", check=False).strip():
            if time.monotonic() > deadline:
                display.stop()
                raise RuntimeError("trayer did not start")
            time.sleep(0.05)
    return display
