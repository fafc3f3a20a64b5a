"""A separate process that uses a workspace, for the tests that kill it with SIGKILL.

Run as `python -m tests.faults.worker '<json>'`. The JSON names the server, the key, the user,
the database file, the fake time ("now") and the command. The worker prints one JSON line per
step (flushed at once) so the test knows when to kill it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from typing import Any

from moco_desktop.api.client import MocoClient, RetryPolicy
from moco_desktop.api.ratelimit import RateLimiter
from moco_desktop.core.entities import ApiKey
from moco_desktop.demo.clock import BERLIN, FakeClock
from moco_desktop.services.workspace import SyncSettings, Workspace
from moco_desktop.storage.database import open_database


def say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


async def run(options: dict[str, Any]) -> None:
    clock = FakeClock(dt.datetime.fromisoformat(options["now"]))
    client = MocoClient(
        options["base_url"],
        ApiKey(options["api_key"]),
        limiter=RateLimiter(1000, 1.0),
        timeout=float(options.get("timeout", 5.0)),
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05, jitter=0.0),
    )
    database = open_database(options["database"])
    settings = SyncSettings(
        send_timeout=30.0,
        settle_after_lost=dt.timedelta(seconds=float(options.get("settle", 30))),
    )
    workspace = Workspace.open(
        client,
        database,
        options["account_key"],
        int(options["user_id"]),
        clock=clock,
        tz=BERLIN,
        settings=settings,
    )
    command = options["command"]
    day = dt.date.fromisoformat(options["now"][:10])
    project_id, task_id = int(options.get("project_id", 0)), int(options.get("task_id", 0))
    if command == "log":
        say(step="logging")
        result = await workspace.log_activity(day, project_id, task_id, 1800, "Killed mid-POST")
        say(step="logged", reached=result.reached_moco)
    elif command == "start":
        result = await workspace.start_timer(project_id, task_id, "Running when killed")
        say(step="started", local_id=result.entity_id, reached=result.reached_moco)
        await asyncio.sleep(3600)  # until killed
    elif command == "log_loop":
        for number in range(100_000):
            await workspace.log_activity(
                day, project_id, task_id, 60 + number, f"Booking {number}", wait=False
            )
            say(step="acked", number=number)
    elif command == "sync":
        report = await workspace.sync()
        say(step="synced", pending=report.pending, sent=report.push.sent)
    elif command == "stop":
        running = workspace.running_timer()
        say(
            step="restored",
            running=running is not None,
            pending=running.pending if running else None,
            elapsed=running.elapsed_seconds(workspace.now()) if running else None,
        )
        await workspace.stop_timer(wait=False)
        report = await workspace.sync()
        say(step="stopped", pending=report.pending)
    else:
        raise SystemExit(f"unknown command {command}")
    await workspace.close()
    await client.aclose()
    database.close()


if __name__ == "__main__":
    asyncio.run(run(json.loads(sys.argv[1])))
