"""`python -m moco_desktop.demo`: run the embedded MOCO server with demo data until Ctrl+C."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from typing import TextIO

from moco_desktop.demo.clock import SystemClock, local_now
from moco_desktop.demo.ratelimit import RateLimitRule
from moco_desktop.demo.seed import DemoAccount, seed_demo, seed_scale
from moco_desktop.demo.server import EmbeddedMocoServer
from moco_desktop.demo.state import MocoState


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m moco_desktop.demo",
        description="A fake MOCO account on this machine, for demos and development.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument(
        "--scale", action="store_true", help="a large account (2000 projects) instead of the demo"
    )
    parser.add_argument(
        "--rate-limit",
        default="15/15",
        type=_rate_limit,
        help="requests/seconds per API key, or 'none' (default: 15/15)",
    )
    return parser.parse_args(argv)


def _rate_limit(text: str) -> RateLimitRule | None:
    try:
        return RateLimitRule.parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N/SECONDS or 'none', got {text!r}") from None


def describe(server: EmbeddedMocoServer, account: DemoAccount) -> str:
    lines = [
        f"Embedded MOCO server running at {server.base_url}",
        f"MOCO_BASE_URL={server.base_url}",
    ]
    for label, user in (("Staff user ", account.staff), ("Normal user", account.normal)):
        lines.append(
            f"{label}: {user.full_name}  email={user.email}  password={user.password}  "
            f"api_key={user.api_key}"
        )
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)


def run(
    argv: Sequence[str] | None = None,
    *,
    stop: threading.Event | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """Serve until Ctrl+C (or until `stop` is set, for tests)."""
    args = parse_args(argv)
    clock = SystemClock()
    state = MocoState(clock=clock)
    today = local_now(clock).date()
    account = seed_scale(state, today) if args.scale else seed_demo(state, today)
    server = EmbeddedMocoServer(state, host=args.host, port=args.port, rate_limit=args.rate_limit)
    try:
        server.start()
    except OSError as error:
        print(f"Cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    print(describe(server, account), file=out, flush=True)
    waiter = stop or threading.Event()
    try:
        while not waiter.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
