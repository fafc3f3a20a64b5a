"""The one entry point: `moco-desktop` starts the GUI, `moco-desktop <command>` the CLI.

Kept tiny so the CLI starts without importing Qt, and the GUI without argparse's subcommands.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--smoke" in args:
        from moco_desktop.smoke import run_smoke

        return run_smoke(args)
    from moco_desktop.cli import is_cli_invocation

    if is_cli_invocation(args):
        from moco_desktop.cli.main import run_cli

        return run_cli(args)
    from moco_desktop.gui_main import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
