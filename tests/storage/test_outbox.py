"""The outbox: order, states, parking with dependants waiting, id rewriting, the send lease."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from moco_desktop.storage.database import Database, open_memory_database
from moco_desktop.storage.outbox import Outbox, unsent_counts

NOW = dt.datetime(2024, 3, 14, 9, 30, tzinfo=dt.UTC)
TTL = dt.timedelta(seconds=60)


@pytest.fixture
def database() -> Database:
    return open_memory_database()


def test_entries_keep_their_order_and_payload(database: Database) -> None:
    outbox = Outbox(database, "acme#1", 1)
    first = outbox.enqueue("activity.create", "activity", -1, {"seconds": 60}, NOW)
    second = outbox.enqueue("presence.create", "presence", -2, {"from": "08:00"}, NOW)
    assert [e.id for e in outbox.unsent()] == [first.id, second.id]
    assert outbox.get(first.id).payload == {"seconds": 60}  # type: ignore[union-attr]
    assert outbox.count() == 2
    assert outbox.next_sendable() == first


def test_in_flight_is_recorded_before_sending(database: Database) -> None:
    outbox = Outbox(database, "acme#1", 1)
    entry = outbox.enqueue("activity.create", "activity", -1, {}, NOW)
    outbox.mark_in_flight(entry.id, NOW, {"step": "post", "seconds": 60})
    stored = outbox.get(entry.id)
    assert stored is not None
    assert stored.is_in_flight
    assert stored.sent_payload == {"step": "post", "seconds": 60}
    assert stored.attempt_started_at == NOW
    assert stored.attempts == 1
    outbox.note_error(entry.id, "lost")
    assert outbox.get(entry.id).is_in_flight  # type: ignore[union-attr]
    outbox.mark_not_sent(entry.id, "refused")
    back = outbox.get(entry.id)
    assert back is not None
    assert back.state == "pending"
    assert back.sent_payload is None
    assert back.last_error == "refused"


def test_parked_entry_blocks_only_changes_to_the_same_entry(database: Database) -> None:
    outbox = Outbox(database, "acme#1", 1)
    create = outbox.enqueue("activity.create", "activity", -1, {}, NOW)
    edit = outbox.enqueue("activity.update", "activity", -1, {}, NOW)
    other = outbox.enqueue("activity.create", "activity", -2, {}, NOW)
    outbox.park(create.id, "Leistung ist nicht gültig")
    assert outbox.next_sendable() == other
    outbox.remove(other.id)
    assert outbox.next_sendable() is None
    assert [e.id for e in outbox.parked()] == [create.id]
    outbox.unpark(create.id, {"task_id": 5})
    assert outbox.next_sendable() == outbox.get(create.id)
    assert outbox.get(create.id).payload == {"task_id": 5}  # type: ignore[union-attr]
    assert outbox.get(edit.id).state == "pending"  # type: ignore[union-attr]


def test_rewriting_a_local_id_points_later_changes_at_moco_id(database: Database) -> None:
    outbox = Outbox(database, "acme#1", 1)
    outbox.enqueue("activity.create", "activity", -1, {}, NOW)
    edit = outbox.enqueue("activity.update", "activity", -1, {}, NOW)
    presence = outbox.enqueue("presence.update", "presence", -1, {}, NOW)
    assert outbox.rewrite_target("activity", -1, 981) == 2
    assert outbox.get(edit.id).target_id == 981  # type: ignore[union-attr]
    assert outbox.get(presence.id).target_id == -1  # type: ignore[union-attr]
    assert [e.id for e in outbox.for_target("activity", 981)][-1] == edit.id


def test_update_keeps_the_position(database: Database) -> None:
    outbox = Outbox(database, "acme#1", 1)
    first = outbox.enqueue("activity.create", "activity", -1, {"a": 1}, NOW)
    outbox.enqueue("activity.create", "activity", -2, {}, NOW)
    outbox.update(first.id, kind="activity.timer", target_id=5, payload={"b": 2})
    head = outbox.next_sendable()
    assert head is not None
    assert (head.id, head.kind, head.target_id, head.payload) == (
        first.id,
        "activity.timer",
        5,
        {"b": 2},
    )


def test_identities_have_separate_queues(database: Database) -> None:
    mine = Outbox(database, "acme#1", 1)
    for_colleague = Outbox(database, "acme#1", 2)
    mine.enqueue("activity.create", "activity", -1, {}, NOW)
    colleague_entry = for_colleague.enqueue("activity.create", "activity", -2, {}, NOW)
    assert [e.acting_user_id for e in mine.entries()] == [1]
    assert mine.get(colleague_entry.id) is None
    mine.remove(colleague_entry.id)
    assert for_colleague.count() == 1
    assert unsent_counts(database) == {("acme#1", 1): 1, ("acme#1", 2): 1}


def test_send_lease_is_exclusive_until_released_or_expired(database: Database) -> None:
    outbox = Outbox(database, "acme#1", 1)
    me, other = f"{os.getpid()}:a", f"{os.getpid()}:b"
    assert outbox.acquire_send_lease(me, NOW, TTL)
    assert not outbox.acquire_send_lease(other, NOW, TTL)
    assert outbox.acquire_send_lease(me, NOW, TTL)  # renewing
    assert outbox.acquire_send_lease(other, NOW + TTL + dt.timedelta(seconds=1), TTL)
    outbox.release_send_lease(me)  # not the holder any more: no effect
    assert not outbox.acquire_send_lease(me, NOW + TTL, TTL)
    outbox.release_send_lease(other)
    assert outbox.acquire_send_lease(me, NOW, TTL)


@pytest.mark.skipif(os.name != "posix", reason="process liveness check is POSIX only")
def test_send_lease_of_a_dead_process_is_free(database: Database) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(finished.stdout)
    outbox = Outbox(database, "acme#1", 1)
    assert outbox.acquire_send_lease(f"{dead_pid}:x", NOW, TTL)
    assert outbox.acquire_send_lease(f"{os.getpid()}:y", NOW, TTL)
