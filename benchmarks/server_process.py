"""The embedded MOCO server with the benchmark workload, in a process of its own.

    python -m benchmarks.server_process '{"workload": {...}, "rate_limit": "15/15"}'

Its own process, so that serving 100-item pages does not compete with the measured GUI for
Python's interpreter lock. Prints one JSON line (base URL, the staff user's API key and id),
then answers JSON commands, one per line on stdin, with one JSON line each:

- `{"cmd": "limit", "value": "15/15" | "none"}`: the server-side rate limit from now on (and an
  empty window);
- `{"cmd": "log", "since": 0}`: the requests recorded from that index on, each as
  `[method, path, status, unix time]`;
- `{"cmd": "quit"}`: stop.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

from benchmarks.workload import Workload, seed_workload
from moco_desktop.demo.ratelimit import RateLimitRule
from moco_desktop.demo.server import EmbeddedMocoServer
from moco_desktop.demo.state import MocoState


def _answer(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def serve(config: dict[str, Any]) -> int:
    workload = Workload(**config.get("workload", {}))
    today = dt.date.fromisoformat(config["today"]) if config.get("today") else dt.date.today()
    state = MocoState()
    account = seed_workload(state, today, workload)
    server = EmbeddedMocoServer(state, rate_limit=RateLimitRule.parse(config["rate_limit"]))
    server.start()
    _answer(
        {
            "base_url": server.base_url,
            "domain": account.domain,
            "api_key": account.staff.api_key,
            "user_id": account.staff.user_id,
            "activities": len(state.activities),
            "projects": len(state.projects),
        }
    )
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            name = command.get("cmd")
            if name == "quit":
                _answer({"ok": True})
                break
            if name == "limit":
                server.rate_limit = RateLimitRule.parse(command["value"])
                server.reset_rate_limit()
                _answer({"ok": True})
            elif name == "log":
                since = int(command.get("since", 0))
                recorded = list(server.requests[since:])
                _answer(
                    {
                        "next": since + len(recorded),
                        "requests": [
                            [r.method, r.path, r.status, r.time.timestamp()] for r in recorded
                        ],
                    }
                )
            else:
                _answer({"error": f"unknown command {name!r}"})
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(serve(json.loads(sys.argv[1])))
