"""What the fault suite covers, the results it collects, and the Markdown it writes.

The matrix is every fault below crossed with every operation below; scenarios are the cases
that do not fit a grid (a killed process, clock jumps). Results are filled in by the tests and
turned into docs/RELIABILITY.md at the end of a complete run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    title: str
    explanation: str


FAULTS: tuple[Item, ...] = (
    Item(
        "down",
        "MOCO unreachable",
        "Connections are refused while the person acts (train, tunnel, no Wi-Fi); MOCO comes "
        "back afterwards.",
    ),
    Item(
        "http500",
        "500 burst",
        "The next 3 requests of the operation's kind answer 500 (server error, not applied).",
    ),
    Item(
        "http503",
        "503 burst",
        "The next 6 requests of the operation's kind answer 503 (maintenance, overload).",
    ),
    Item(
        "timeout",
        "Timeout (dropped)",
        "The request hangs longer than the client waits (0.1 s) and is then dropped unapplied.",
    ),
    Item(
        "slow",
        "Timeout (applied late)",
        "The request hangs longer than the client waits and MOCO carries it out afterwards.",
    ),
    Item(
        "reset",
        "Connection reset",
        "The connection is reset (TCP RST) twice before MOCO processes the request.",
    ),
    Item(
        "http429",
        "429 storm",
        "The next 6 requests answer 429 Too Many Requests, without Retry-After.",
    ),
    Item(
        "lost",
        "Answer lost",
        "MOCO carries the request out, then the connection closes before the answer arrives.",
    ),
    Item(
        "suspend",
        "Suspend/resume",
        "Offline while acting, then the laptop sleeps three hours; on wake-up "
        "`notify_resumed()` and sync.",
    ),
)

OPERATIONS: tuple[Item, ...] = (
    Item(
        "start",
        "start",
        "Start a timer on a new entry (MOCO starts it on POST); a "
        "presence is opened first, as MOCO would.",
    ),
    Item("stop", "stop", "Stop a timer that was started in MOCO 30 minutes earlier."),
    Item("continue", "continue", "Continue today's 10-minute entry (opening a presence)."),
    Item("log", "log", "Book 30 minutes on today."),
    Item("edit", "edit", "Change an entry's duration and description."),
    Item("delete", "delete", "Delete an entry."),
    Item("clock_in", "clock in", "Open a presence at the current minute."),
    Item("clock_out", "clock out", "Close the open presence at the current minute."),
)

SCENARIOS: tuple[Item, ...] = (
    Item(
        "kill_mid_post_applied",
        "Killed mid-request (applied)",
        "A worker process is SIGKILLed while its POST hangs in MOCO; MOCO carries it out. A "
        "fresh process finds the entry and adopts it instead of sending it again.",
    ),
    Item(
        "kill_mid_post_dropped",
        "Killed mid-request (not applied)",
        "As above, but MOCO drops the request. The fresh process looks, finds nothing, and "
        "sends it once.",
    ),
    Item(
        "kill_timer_running",
        "Killed with a timer running offline",
        "A worker starts a timer offline and is SIGKILLed. A fresh process shows the timer "
        "running, and stopping it books the measured time as one entry.",
    ),
    Item(
        "kill_mid_write",
        "Killed during local writes",
        "A worker books entries offline in a loop and is SIGKILLed at an arbitrary moment. "
        "The database is intact; every booking the worker confirmed reaches MOCO once.",
    ),
    Item(
        "settle_before_reconcile",
        "Lost answer is not resent too early",
        "After a lost answer the change waits `settle_after_lost` before it is looked up, so "
        "a request MOCO is still working on is not sent twice.",
    ),
    Item(
        "day_boundary_offline",
        "Midnight while offline",
        "A timer started offline at 23:50 is stopped at 00:10; it becomes one entry of 20 "
        "minutes on the day it started.",
    ),
    Item(
        "day_boundary_running",
        "Midnight with the timer still running",
        "A timer started offline at 23:50 still runs when MOCO is reachable again at 00:30; "
        "it is booked on its day (MOCO runs timers on the current day only) and the person is "
        "told.",
    ),
    Item(
        "clock_back",
        "Clock set back",
        "The computer's clock goes back an hour; the next refresh is a full one and nothing "
        "incremental is trusted.",
    ),
    Item(
        "resume_running_timer",
        "Wake-up with a MOCO timer running",
        "A timer runs in MOCO, the laptop sleeps 8 hours; after `notify_resumed()` the "
        "timer is still the running one and its elapsed time is MOCO's.",
    ),
)


@dataclass
class Result:
    passed: bool
    writes: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def cell(self) -> str:
        if not self.passed:
            return "❌ failed"
        calls = ", ".join(f"{count}×{method}" for method, count in sorted(self.writes.items()))
        extra = "; ".join(self.notes)
        text = "✅ " + (calls or "no write")
        return f"{text} ({extra})" if extra else text


RESULTS: dict[tuple[str, str], Result] = {}
"""(fault, operation) or ("scenario", key) -> what happened."""


def record(fault: str, operation: str, result: Result) -> None:
    RESULTS[(fault, operation)] = result


def _complete() -> bool:
    cells = {(f.key, o.key) for f in FAULTS for o in OPERATIONS}
    scenarios = {("scenario", s.key) for s in SCENARIOS}
    return (cells | scenarios) <= set(RESULTS)


def render() -> str:
    lines = [
        "# Reliability: what MOCO Desktop does when things go wrong",
        "",
        "<!-- Generated by `pytest tests/faults` (tests/faults/report.py); do not edit. -->",
        "",
        "People book time on trains, in client networks and on flaky Wi-Fi. MOCO Desktop "
        "writes every change to its local SQLite store first (the outbox), shows it at once "
        "as pending, and sends it to MOCO in order when MOCO is reachable. The fault suite "
        "runs each operation against the embedded MOCO server while injecting a fault, lets "
        "the network recover, syncs, and then checks **MOCO's final state**: exactly what "
        "the person intended, nothing lost, nothing twice, nothing left pending.",
        "",
        "## The matrix",
        "",
        "Each cell names the changing requests MOCO actually carried out (so `1×POST` under "
        "*Answer lost* means the lost POST was found in MOCO and adopted, not sent again). "
        "`start` and `continue` include the POST that opens the presence. Where an edit shows "
        "`2×PUT` or `2×PATCH`, the client repeated a request whose answer was lost; it carries "
        "the same absolute values, so MOCO ends in the same state as after one.",
        "",
    ]
    header = "| Fault | " + " | ".join(o.title for o in OPERATIONS) + " |"
    lines += [header, "|" + "---|" * (len(OPERATIONS) + 1)]
    for fault in FAULTS:
        cells = [
            RESULTS[(fault.key, o.key)].cell() if (fault.key, o.key) in RESULTS else "–"
            for o in OPERATIONS
        ]
        lines.append(f"| {fault.title} | " + " | ".join(cells) + " |")
    lines += ["", "### Faults", "", "| Fault | What happens |", "|---|---|"]
    lines += [f"| {f.title} | {f.explanation} |" for f in FAULTS]
    lines += ["", "### Operations", "", "| Operation | What the person does |", "|---|---|"]
    lines += [f"| {o.title} | {o.explanation} |" for o in OPERATIONS]
    lines += [
        "",
        "Operations run at 10:00 on a fake clock shared by the app and the server; the "
        "preparation (the timer to stop, the entry to edit, ...) happens online at 09:30.",
        "",
        "## Scenarios",
        "",
        "| Scenario | What is checked | Result |",
        "|---|---|---|",
    ]
    for scenario in SCENARIOS:
        result = RESULTS.get(("scenario", scenario.key))
        outcome = "–" if result is None else ("✅ passed" if result.passed else "❌ failed")
        if result is not None and result.notes:
            outcome += f" ({'; '.join(result.notes)})"
        lines.append(f"| {scenario.title} | {scenario.explanation} | {outcome} |")
    lines += [
        "",
        "## How it works",
        "",
        "- **Outbox first.** A change is committed to SQLite (WAL, `synchronous=FULL`) before "
        "anything is sent; the UI shows it at once, flagged pending.",
        "- **In flight is recorded before sending.** If the answer is lost or the process "
        'dies, the change is known to be "maybe applied": creations are looked up in MOCO '
        "(same day, project, task, description and seconds, created after the attempt, not "
        "already claimed by another local entry) and adopted; only if nothing matches are "
        "they sent again. Edits, deletes and timer changes are sent as absolute target "
        "states, so repeating them is harmless.",
        "- **Order and dependencies.** One change at a time per identity, in order; a change "
        "MOCO rejects (422/423/403) is parked with MOCO's message and only the changes to the "
        "same entry wait behind it.",
        "- **Timers offline.** A timer started and stopped offline becomes one entry with the "
        "measured seconds; a MOCO timer stopped offline is stopped and its seconds set to "
        "what was measured; offline minutes of a running timer are written into `seconds`.",
        "- **One sender.** A lease in the database keeps the tray app and the command line "
        "from sending the same change at once; a dead process's lease is taken over.",
        "",
        "Regenerate with `.venv/bin/pytest tests/faults` (the file is rewritten only when the "
        "whole suite ran).",
        "",
    ]
    return "\n".join(lines)


def write_report_if_complete(path: Path) -> bool:
    if not _complete():
        return False
    text = render()
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return True
