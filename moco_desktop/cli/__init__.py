"""The moco-desktop command line.

Only the command names live here, so `moco_desktop.__main__` can tell a CLI call from a GUI
start without importing argparse, asyncio or the services.
"""

from __future__ import annotations

from collections.abc import Sequence

COMMANDS: tuple[str, ...] = (
    "login",
    "logout",
    "projects",
    "today",
    "status",
    "start",
    "stop",
    "log",
    "clock",
    "sync",
)


def is_cli_invocation(args: Sequence[str]) -> bool:
    """True when the arguments name a CLI command (or ask for help) rather than the GUI."""
    return any(arg in COMMANDS for arg in args) or any(a in ("-h", "--help") for a in args)
