"""Faults × operations: after any fault and recovery, MOCO holds what the person intended.

Each case prepares the data online at 09:30, injects a fault aimed at the operation's changing
request, performs the operation at 10:00, lets the network recover, syncs until nothing is
pending, and checks the server's state directly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from moco_desktop.demo.clock import BERLIN
from moco_desktop.services.events import Notice
from moco_desktop.services.workspace import Workspace
from tests.faults.report import FAULTS, OPERATIONS, Result, record
from tests.services.conftest import FAST, TODAY, Harness

OPERATION_TIME = dt.datetime(2024, 3, 14, 10, 0, tzinfo=BERLIN)
CLIENT_TIMEOUT = 0.1
HANG = 0.3
SUSPEND = dt.timedelta(hours=3)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
APPLIED_DESPITE_FAULT = frozenset({None, "hang", "lose_response"})
"""Faults after which the server still carried the request out (its answer was late or lost)."""


@dataclass
class Case:
    harness: Harness
    workspace: Workspace
    ids: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    method: str
    path_prefix: str
    prepare: Callable[[Case], Awaitable[None]]
    perform: Callable[[Case], Awaitable[object]]
    verify: Callable[[Case], None]


# --- operations --------------------------------------------------------------------------------


async def nothing(case: Case) -> None:
    return None


async def running_timer(case: Case) -> None:
    result = await case.workspace.start_timer(*case.harness.bookable(), "Timer")
    case.ids["activity"] = result.entity_id


async def short_entry(case: Case) -> None:
    result = await case.workspace.log_activity(TODAY, *case.harness.bookable(), 600, "Entry")
    case.ids["activity"] = result.entity_id


async def long_entry(case: Case) -> None:
    result = await case.workspace.log_activity(TODAY, *case.harness.bookable(), 1800, "Entry")
    case.ids["activity"] = result.entity_id


async def clocked_in(case: Case) -> None:
    await case.workspace.clock_in()


def only_activity(case: Case) -> object:
    records = case.harness.activities()
    assert len(records) == 1, f"expected exactly one activity, MOCO has {records}"
    return records[0]


def elapsed_now(case: Case) -> int:
    [record_] = case.harness.activities()
    assert record_.timer_started_at is not None
    now = case.harness.clock.now().astimezone(dt.UTC)
    return record_.seconds + int((now - record_.timer_started_at).total_seconds())


def since_operation(case: Case) -> int:
    return int((case.harness.clock.now() - OPERATION_TIME).total_seconds())


def verify_start(case: Case) -> None:
    [record_] = case.harness.activities()
    assert record_.is_running
    assert record_.description == "Started"
    assert abs(elapsed_now(case) - since_operation(case)) < 60
    [presence] = case.harness.presences()
    assert (presence.from_time, presence.to_time) == (dt.time(10, 0), None)


def verify_stop(case: Case) -> None:
    [record_] = case.harness.activities()
    assert (record_.is_running, record_.seconds) == (False, 1800)


def verify_continue(case: Case) -> None:
    [record_] = case.harness.activities()
    assert record_.is_running
    assert abs(elapsed_now(case) - (600 + since_operation(case))) < 60


def verify_log(case: Case) -> None:
    [record_] = case.harness.activities()
    assert (record_.seconds, record_.description, record_.is_running) == (1800, "Logged", False)


def verify_edit(case: Case) -> None:
    [record_] = case.harness.activities()
    assert (record_.seconds, record_.description) == (2700, "Edited")


def verify_delete(case: Case) -> None:
    assert case.harness.activities() == []


def verify_clock_in(case: Case) -> None:
    [presence] = case.harness.presences()
    assert (presence.from_time, presence.to_time) == (dt.time(10, 0), None)


def verify_clock_out(case: Case) -> None:
    [presence] = case.harness.presences()
    assert (presence.from_time, presence.to_time) == (dt.time(9, 30), dt.time(10, 0))


OPERATION_BEHAVIOUR: dict[str, Operation] = {
    "start": Operation(
        "POST",
        "/activities",
        nothing,
        lambda c: c.workspace.start_timer(*c.harness.bookable(), "Started"),
        verify_start,
    ),
    "stop": Operation(
        "PATCH", "/activities", running_timer, lambda c: c.workspace.stop_timer(), verify_stop
    ),
    "continue": Operation(
        "PATCH",
        "/activities",
        short_entry,
        lambda c: c.workspace.continue_timer(c.ids["activity"]),
        verify_continue,
    ),
    "log": Operation(
        "POST",
        "/activities",
        nothing,
        lambda c: c.workspace.log_activity(TODAY, *c.harness.bookable(), 1800, "Logged"),
        verify_log,
    ),
    "edit": Operation(
        "PUT",
        "/activities",
        long_entry,
        lambda c: c.workspace.update_activity(
            c.ids["activity"], seconds=2700, description="Edited"
        ),
        verify_edit,
    ),
    "delete": Operation(
        "DELETE",
        "/activities",
        long_entry,
        lambda c: c.workspace.delete_activity(c.ids["activity"]),
        verify_delete,
    ),
    "clock_in": Operation(
        "POST", "/users/presences", nothing, lambda c: c.workspace.clock_in(), verify_clock_in
    ),
    "clock_out": Operation(
        "PATCH",
        "/users/presences",
        clocked_in,
        lambda c: c.workspace.clock_out(),
        verify_clock_out,
    ),
}


# --- faults ------------------------------------------------------------------------------------


def inject(fault: str, harness: Harness, operation: Operation) -> None:
    faults = harness.server.faults
    method, prefix = operation.method, operation.path_prefix
    if fault in ("down", "suspend"):
        faults.refuse_connections = True
    elif fault == "http500":
        faults.fail_next(3, 500, method=method, path_prefix=prefix)
    elif fault == "http503":
        faults.fail_next(6, 503, method=method, path_prefix=prefix)
    elif fault == "timeout":
        faults.hang_next(1, HANG, method=method, path_prefix=prefix, carry_out=False)
    elif fault == "slow":
        faults.hang_next(1, HANG, method=method, path_prefix=prefix, carry_out=True)
    elif fault == "reset":
        faults.reset_next(2, method=method, path_prefix=prefix)
    elif fault == "http429":
        faults.fail_next(6, 429, method=method, path_prefix=prefix)
    elif fault == "lost":
        faults.lose_next_response(1, method=method, path_prefix=prefix)
    else:
        raise AssertionError(f"unknown fault {fault}")


async def recover(fault: str, case: Case) -> None:
    harness, workspace = case.harness, case.workspace
    if fault == "suspend":
        harness.clock.advance(SUSPEND.total_seconds())
    if fault == "slow":
        await asyncio.sleep(HANG + 0.1)  # the held request has been carried out by now
    harness.server.faults.refuse_connections = False
    if fault == "suspend":
        workspace.notify_resumed()
    else:
        workspace.notify_network_changed()
    for _ in range(12):
        report = await workspace.sync()
        if report.complete and report.push.stopped == "done":
            return
    raise AssertionError(f"still pending after recovery: {workspace.pending_changes()}")


def writes_applied(harness: Harness, since: int) -> Counter[str]:
    return Counter(
        request.method
        for request in harness.server.requests[since:]
        if request.method in WRITE_METHODS
        and request.fault in APPLIED_DESPITE_FAULT
        and 200 <= request.status < 300
    )


@pytest.mark.parametrize("operation_key", [o.key for o in OPERATIONS])
@pytest.mark.parametrize("fault", [f.key for f in FAULTS])
async def test_fault_matrix(harness: Harness, fault: str, operation_key: str) -> None:
    operation = OPERATION_BEHAVIOUR[operation_key]
    workspace = harness.workspace(timeout=CLIENT_TIMEOUT, settings=FAST)
    case = Case(harness, workspace)
    passed = False
    writes: Counter[str] = Counter()
    notes: list[str] = []
    try:
        await workspace.refresh()
        await operation.prepare(case)
        harness.clock.set(OPERATION_TIME)
        before = len(harness.server.requests)
        harness.events.clear()

        inject(fault, harness, operation)
        await operation.perform(case)
        await recover(fault, case)

        operation.verify(case)
        assert workspace.pending_changes() == []
        writes = writes_applied(harness, before)
        if any(isinstance(e, Notice) and e.message_key == "sync.adopted" for e in harness.events):
            notes.append("adopted")
        passed = True
    finally:
        record(fault, operation_key, Result(passed, writes, notes))
