"""The `moco-desktop` command line: parsing, dispatch, exit codes and error display.

Exit codes: 0 done; 1 error (message on stderr, never a traceback); 2 usage error or invalid
input (nothing was sent); 3 saved locally but not yet in MOCO (`moco-desktop sync` pushes it).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, set_language, tr

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PENDING = 3


register(
    {
        "cli.interrupted": {"en": "Interrupted.", "de": "Abgebrochen."},
        "cli.unexpected": {
            "en": "Unexpected error: {error}. Run again with --verbose for details.",
            "de": "Unerwarteter Fehler: {error}. Mit --verbose erneut ausführen für Details.",
        },
        "cli.invalid_date": {
            "en": "Invalid date {value!r}: use YYYY-MM-DD.",
            "de": "Ungültiges Datum {value!r}: bitte JJJJ-MM-TT verwenden.",
        },
        "cli.invalid_user_id": {
            "en": "Invalid user id {value!r}: use the numeric MOCO user id.",
            "de": "Ungültige Benutzer-ID {value!r}: bitte die numerische MOCO-Benutzer-ID "
            "verwenden.",
        },
    }
)


class UsageError(UserFacingError):
    """Input rejected before anything was sent (exit code 2)."""


class CliArgumentParser(argparse.ArgumentParser):
    """argparse that reports errors as `UsageError` instead of exiting on its own."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().strip()}")


def _user_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("cli.invalid_user_id", value=value)) from None
    if number <= 0:
        raise argparse.ArgumentTypeError(tr("cli.invalid_user_id", value=value))
    return number


def build_parser() -> CliArgumentParser:
    common = CliArgumentParser(add_help=False)
    common.add_argument(
        "--as-user",
        type=_user_id,
        metavar="USER_ID",
        default=argparse.SUPPRESS,
        help="act on behalf of a colleague (needs the Staff permission)",
    )
    common.add_argument(
        "--lang", choices=("en", "de"), default=argparse.SUPPRESS, help="language of messages"
    )
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)

    parser = CliArgumentParser(
        prog="moco-desktop",
        description="MOCO Desktop: track time in MOCO from the tray or the command line. "
        "Without a command the tray app starts.",
        parents=[common],
    )
    parser.add_argument("--demo", action="store_true", help="start the GUI against the demo server")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=CliArgumentParser
    )

    login = commands.add_parser("login", parents=[common], help="log in and store the API key")
    login.add_argument("--domain", help="MOCO domain: acme, acme.mocoapp.com or its URL")
    login.add_argument("--email", help="MOCO login email")
    login.add_argument(
        "--api-key-stdin", action="store_true", help="read an API key from stdin instead"
    )
    logout = commands.add_parser("logout", parents=[common], help="remove the key and cached data")
    logout.add_argument(
        "--discard-unsent",
        action="store_true",
        help="log out even though some changes have not reached MOCO (they are lost)",
    )

    projects = commands.add_parser("projects", parents=[common], help="assigned projects, tasks")
    projects.add_argument("--json", action="store_true")

    today = commands.add_parser("today", parents=[common], help="activities and presences of a day")
    today.add_argument("--date", metavar="YYYY-MM-DD")
    today.add_argument("--json", action="store_true")

    status = commands.add_parser("status", parents=[common], help="login, timer, pending changes")
    status.add_argument("--json", action="store_true")

    start = commands.add_parser("start", parents=[common], help="start a timer")
    start.add_argument("project", nargs="?", metavar="PROJECT")
    start.add_argument("task", nargs="?", metavar="TASK")
    start.add_argument("description", nargs="?", default="", metavar="DESCRIPTION")
    start.add_argument("--activity", type=int, metavar="ID", help="continue an entry of today")

    commands.add_parser("stop", parents=[common], help="stop the running timer")

    log = commands.add_parser("log", parents=[common], help="book time")
    log.add_argument("project", metavar="PROJECT")
    log.add_argument("task", metavar="TASK")
    log.add_argument("duration", metavar="DURATION", help="1:30, 1,5, 1.5h, 90m, 9:00-10:30")
    log.add_argument("description", nargs="?", default="", metavar="DESCRIPTION")
    log.add_argument("--date", metavar="YYYY-MM-DD")

    clock = commands.add_parser("clock", parents=[common], help="clock in or out (presence)")
    clock.add_argument("direction", choices=("in", "out"))
    clock.add_argument("--home-office", action="store_true")

    commands.add_parser("sync", parents=[common], help="send pending changes to MOCO")
    return parser


def run_cli(argv: Sequence[str]) -> int:
    try:
        args = build_parser().parse_args(list(argv))
    except UsageError as error:
        print(error.message, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exit_request:  # --help
        return int(exit_request.code or 0)
    if getattr(args, "lang", None):
        set_language(args.lang)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        build_parser().print_help()
        return EXIT_USAGE
    from moco_desktop.cli.commands import dispatch

    try:
        return asyncio.run(dispatch(args))
    except UsageError as error:
        print(error.message, file=sys.stderr)
        return EXIT_USAGE
    except UserFacingError as error:
        print(error.message, file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(tr("cli.interrupted"), file=sys.stderr)
        return 130
    except Exception as error:  # the last line of defence: never a traceback for users
        logging.getLogger("moco_desktop.cli").debug("unexpected error", exc_info=True)
        print(tr("cli.unexpected", error=type(error).__name__), file=sys.stderr)
        return EXIT_ERROR
